# VT_DISABLE=yes (not a valid value): exactly one line starting 'vt: ' on stderr,
# the program's own stdout, stderr (a traceback) and status unchanged, and no trace.
e2e_case() {
	local script=$CASEDIR/101-uncaught.py n
	run plain "$PY" "$script"
	traced traced VT_DISABLE=yes "$PY" "$script"
	expect_rc plain 1
	same_output plain traced
	n=$(grep -c '^vt: ' "$T/traced.err")
	[ "$n" = 1 ] || fail "$n lines starting 'vt: ' on stderr, expected 1"
	grep -v '^vt: ' "$T/traced.err" > "$T/traced.err.rest"
	if ! cmp -s "$T/plain.err" "$T/traced.err.rest"; then
		fail "stderr differs beyond the vt: line:"
		diff -u --label "without vt" --label "with VT_DISABLE=yes" "$T/plain.err" "$T/traced.err" | head -30
	fi
	grep '^vt: ' "$T/traced.err"
	no_trace_files "$T/traced.trace"
	only_files plain traced
}
