# The profile hook (VT_HOOK=profile) records what the default hook records, on every
# interpreter (on 3.8-3.11 it is the default; on 3.12+ CPython hands it the events of
# its sys.monitoring tool 6, which tell less). Each program below runs untraced and
# under VT_HOOK=profile: the same output (stderr too) and the call tree of its .expect,
# as in its own case (where the default hook records it): exceptions, generators
# (suspensions flagged on 3.12+), async, threads. Then 175-profile-hook.py (yields and
# unwinds that look alike, a generator thrown into, threads started after the hook is
# on, one whose function raises) under both hooks; a generator's arguments (VT_LOG_ARGS)
# recorded at its start only; and _thread.start_joinable_thread
# (3.13+) called with its function by name, whose thread must be traced too.
e2e_case() {
	local p script
	default_case
	for p in 020-exceptions 030-generators 040-async 050-threads 175-profile-hook; do
		script=$CASEDIR/$p.py
		echo "== $p under VT_HOOK=profile"
		run "$p.plain" "$PY" "$script"
		traced "$p.profile" VT_HOOK=profile "$PY" "$script"
		same_output "$p.plain" "$p.profile" stderr
		convert "$p.profile" || continue
		# shellcheck disable=SC2046
		eval "set -- $(CASE=$p directive tree)"
		check_tree "$p.profile" "$(expect_file "$CASEDIR/$p")" "$@"
	done
	# VT_LOG_ARGS: a generator's arguments on its first start only, not at each resumption
	echo "== VT_LOG_ARGS=1 on a generator under VT_HOOK=profile"
	printf '%s\n' 'def gen(n):' '    yield from range(n)' 'print(sum(gen(3)))' > "$T/genargs.py"
	traced genargs VT_HOOK=profile VT_LOG_ARGS=1 "$PY" "$T/genargs.py"
	convert genargs &&
		"$HPY" - "$T/genargs.json" <<-'CHECK' || fail "the generator's arguments are not on its first slice only"
	import json, sys
	ev = json.load(open(sys.argv[1]))["traceEvents"]
	got = [e.get("args", {}).get("func_args") for e in ev if e.get("ph") == "X" and e["name"] == "gen"]
	print("gen's slices, their arguments:", got)
	sys.exit(got != [{"n": "3"}, None, None, None])
	CHECK
	"$PY" -c 'import _thread; _thread.start_joinable_thread' 2>/dev/null || return 0
	echo "== _thread.start_joinable_thread(function=...) under VT_HOOK=profile"
	cat > "$T/joinable.py" <<-'PY'
	import _thread
	def named():
	    pass
	_thread.start_joinable_thread(function=named).join()
	try:
	    _thread.start_joinable_thread(function=42)
	except TypeError as e:
	    print("TypeError:", e)
	PY
	run joinable.plain "$PY" "$T/joinable.py"
	traced joinable.profile VT_HOOK=profile "$PY" "$T/joinable.py"
	same_output joinable.plain joinable.profile stderr
	convert joinable.profile || return
	tree joinable.profile --files joinable.py > "$T/joinable.tree"
	printf '%s\n' 'T0 MainThread' '  <module>' 'T1 Thread <tid>' '  named' > "$T/joinable.want"
	cmp -s "$T/joinable.want" "$T/joinable.tree" ||
		fail "start_joinable_thread(function=...): $(diff "$T/joinable.want" "$T/joinable.tree")"
}
