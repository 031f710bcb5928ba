# A program that raises the recursion limit and recurses 100000 deep, then runs a thread
# with a 64 KiB stack (or the smallest above that a debug build allows). On 3.11 CPython
# runs such calls without nesting C calls, and the frame-evaluation hook would nest one
# per call and overflow the C stack: vt must see the stack run low, switch to the profile
# hook (marked in the trace), and the program must run as it does without vt, every call
# recorded; the profile module works after the switch as it does without vt. Before 3.11
# every Python call nests in C with or without vt (this depth crashes either way); 3.12+
# use sys.monitoring.
e2e_case() {
	py_at_least 3.11 || skip "before 3.11 every Python call nests a C call, with or without vt"
	cat > "$T/deep.py" <<-'PY'
	import sys
	import threading
	sys.setrecursionlimit(200000)
	def rec(n):
	    return 0 if n == 0 else 1 + rec(n - 1)
	print(rec(100000))
	def small():
	    print(rec(300))
	# the smallest stack this build takes from 64 KiB up (3.14's debug build wants 100 KiB)
	for kib in (64, 128, 256):
	    try:
	        threading.stack_size(kib * 1024)
	        break
	    except ValueError:
	        pass
	t = threading.Thread(target=small, name="small")
	t.start()
	t.join()
	# the profile hook switched to wraps sys.setprofile as when chosen at the start: the
	# pure-Python profile module sees no stray return of it ("Bad return")
	import profile
	def work():
	    return sum(i * 2 for i in range(50))
	print("profile:", profile.Profile().runcall(work))
	PY
	run plain "$PY" "$T/deep.py"
	local ask=VT_HOOK=eval
	py_at_least 3.12 && ask=VT_IGNORE_C=1
	traced traced $ask VT_IGNORE_C=1 "$PY" "$T/deep.py"
	expect_rc plain 0
	same_output plain traced stderr
	convert traced || return
	"$HPY" - "$T/traced.json" <<-'CHECK' || fail "the recursion is not complete in the trace"
	import json, sys
	ev = json.load(open(sys.argv[1]))["traceEvents"]
	tid = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
	n = {}
	for e in ev:
	    if e["ph"] == "X" and e["name"] == "rec":
	        n[tid.get(e["tid"])] = n.get(tid.get(e["tid"]), 0) + 1
	print("rec calls per thread:", n)
	sys.exit(n != {"MainThread": 100001, "small": 301})
	CHECK
	if py_at_least 3.12; then
		return
	fi
	grep -q "switched from the frame-evaluation hook to the profile hook" "$T/traced.convert.err" ||
		fail "the switch of hooks is not marked: $(cat "$T/traced.convert.err")"
}
