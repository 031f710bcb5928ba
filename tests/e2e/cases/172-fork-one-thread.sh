# A single-threaded program that forks after vt has written chunks: vt's background writer
# must not be running at the fork (3.12+ warn, DeprecationWarning, about a fork in a
# multi-threaded process, which -W always prints: stderr would differ), and every call of
# both processes is recorded. Also with VT_WRITER=inline, which has no writer at all.
e2e_case() {
	cat > "$T/fork.py" <<-'PY'
	import os
	def f():
	    return 1
	def burst():
	    for i in range(300000):
	        f()
	burst()
	pid = os.fork()
	if pid == 0:
	    burst()
	    os._exit(0)
	os.waitpid(pid, 0)
	burst()
	print("done")
	PY
	local w n
	run plain "$PY" -W always::DeprecationWarning "$T/fork.py"
	expect_rc plain 0
	for w in thread inline; do
		traced "$w" VT_WRITER=$w "$PY" -W always::DeprecationWarning "$T/fork.py"
		same_output plain "$w" stderr
		convert "$w" || continue
		n=$("$HPY" -c 'import json, sys
print(sum(1 for e in json.load(open(sys.argv[1]))["traceEvents"] if e["ph"] == "X" and e["name"] == "f"))' "$T/$w.json")
		[ "$n" = 900000 ] || fail "VT_WRITER=$w: $n calls of f in the trace, expected 900000"
	done
}
