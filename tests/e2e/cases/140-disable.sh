# VT_DISABLE=1: a Python program runs as without vt and nothing is written.
e2e_case() {
	local script=$CASEDIR/010-nesting.py
	run plain "$PY" "$script"
	traced traced VT_DISABLE=1 "$PY" "$script"
	expect_rc plain 0
	same_output plain traced stderr
	no_trace_files "$T/traced.trace"
	only_files plain traced
}
