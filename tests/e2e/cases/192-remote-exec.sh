# sys.remote_exec (3.14+) into a traced process: the script runs as without vt, and its
# frames are recorded: once, its function inside its <module>, both named <string>
# (where they are nested varies: in whatever frame was running).
e2e_case() {
	local script=$CASEDIR/$CASE.py
	py_at_least 3.14 || skip "no sys.remote_exec before 3.14"
	run plain "$PY" "$script"
	grep -q '^remote_exec failed' "$T/plain.out" && skip "$(cat "$T/plain.out")"
	traced traced VT_FOLLOW_CHILDREN=0 "$PY" "$script"
	expect_rc plain 0
	same_output plain traced stderr
	grep -q '^the injected script ran: True$' "$T/traced.out" ||
		fail "the injected script did not run under vt: $(cat "$T/traced.out")"
	convert traced || return
	tree traced --where | awk '
		/ injected @<string>$/ {
			n++
			if (prev !~ /^ *<module> @<string>$/ || index(prev, "<") != index($0, "i") - 2)
				bad = 1
		}
		{ prev = $0 }
		END { exit !(n == 1 && !bad) }' ||
		fail "not one frame injected @<string> inside <module> @<string>: $(tree traced --where | grep -B1 'injected @')"
}
