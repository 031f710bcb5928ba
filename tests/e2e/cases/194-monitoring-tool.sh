# A program's own sys.monitoring tool with DISABLE and the branch events (3.12+): its
# output is the same under vt, and vt's call tree (with the len() C calls) is complete.
e2e_case() {
	local script=$CASEDIR/$CASE.py
	py_at_least 3.12 || skip "no sys.monitoring before 3.12"
	run plain "$PY" "$script"
	traced traced "$PY" "$script"
	expect_rc plain 0
	same_output plain traced stderr
	convert traced || return
	check_tree traced "$CASEDIR/$CASE.expect" --files "$CASE.py" --names len
}
