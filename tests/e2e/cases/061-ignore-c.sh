# VT_IGNORE_C=1: the program of 060-c-calls traced without its C calls; the Python
# frames stay, and key, called from sorted, moves up to main.
e2e_case() {
	local script=$CASEDIR/060-c-calls.py
	run plain "$PY" "$script"
	traced traced VT_IGNORE_C=1 "$PY" "$script"
	expect_rc plain 0
	same_output plain traced stderr
	convert traced || return
	check_tree traced "$CASEDIR/$CASE.expect" --files 060-c-calls.py --c-of-kept
}
