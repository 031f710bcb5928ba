# Timestamps: vt's tick on a TSC clock is 2^tsc_shift TSC ticks, the coarsest power of two
# that is still at most 1 ns (docs/FORMAT.md); the header says which, and the converted
# times are right whatever the unit: a 50 ms sleep lasts 50 ms in the trace, and each of a
# thousand short calls ends after it began. Also with VT_CLOCK=ns (no unit to choose).
e2e_case() {
	cat > "$T/clock.py" <<-'PY'
	import time
	def nap():
	    time.sleep(0.05)
	def tiny():
	    return 1
	def main():
	    nap()
	    for i in range(1000):
	        tiny()
	main()
	print("done")
	PY
	local c f h
	run plain "$PY" "$T/clock.py"
	expect_rc plain 0
	for c in tsc ns; do
		traced "$c" VT_CLOCK=$c "$PY" "$T/clock.py"
		same_output plain "$c" stderr
		convert "$c" || continue
		for f in "$T/$c.trace"/*.vt; do
			h=$("$HPY" "$here/vtheader.py" "$f") || { fail "$f: $h"; continue; }
			"$HPY" - "$c" "$f" "$h" <<-'PY' || fail "$c: header of $(basename "$f")"
			import sys
			want, path, text = sys.argv[1], sys.argv[2], sys.argv[3]
			h = dict(l.split("=", 1) for l in text.splitlines())
			bad = []
			if h.get("version") != "4.1":
			    bad.append("version %s, expected 4.1" % h.get("version"))
			if h.get("clock") != want and not (want == "tsc" and h.get("clock") == "ns"):
			    bad.append("clock %s, expected %s" % (h.get("clock"), want))
			hz, k = int(h.get("tsc_hz", -1)), int(h.get("tsc_shift", -1))
			if h.get("clock") == "tsc" and hz:
			    # the unit is at most 1 ns, and twice it would be more
			    if hz < 10**9 or (k > 0 and hz >= 2 * 10**9):
			        bad.append("tsc_hz %d with tsc_shift %d: the unit is not the coarsest of at most 1 ns" % (hz, k))
			elif k != 0:
			    bad.append("tsc_shift %d without a measured TSC rate" % k)
			for b in bad:
			    print("FAILED: %s: %s" % (path, b))
			sys.exit(1 if bad else 0)
			PY
		done
		"$HPY" - "$T/$c.json" <<-'PY' || fail "$c: times in the converted trace"
		import json, sys
		ev = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e["ph"] == "X"]
		nap = [e["dur"] for e in ev if e["name"] == "nap"]
		tiny = [e for e in ev if e["name"] == "tiny"]
		bad = []
		if len(nap) != 1 or not 50000 <= nap[0] <= 250000:
		    bad.append("nap lasted %s us, expected 50 ms to 250 ms" % nap)
		if len(tiny) != 1000 or any(e["dur"] < 0 for e in tiny):
		    bad.append("%d calls of tiny, expected 1000 with durations >= 0" % len(tiny))
		ts = [e["ts"] for e in tiny]
		if ts != sorted(ts) or len(set(ts)) < 500:
		    bad.append("tiny's start times are not increasing (%d distinct)" % len(set(ts)))
		for b in bad:
		    print("FAILED:", b)
		sys.exit(1 if bad else 0)
		PY
	done
}
