# The interactive REPL on a terminal (pty-run.py types the input): the basic REPL
# (PYTHON_BASIC_REPL=1 for 3.13+). The user's function is traced, and the first
# top-level frame is the <module> of the first statement typed (<stdin>, which
# 3.13.0 numbers <stdin>-0 and later versions <stdin-0>): nothing from site (its
# sys.__interactivehook__) or importlib may come before it.
e2e_case() {
	printf 'def hi(): print("hi " + "there")\n\nhi()\n' > "$T/input"
	run plain "$HPY" "$E2E_DIR/pty-run.py" "$T/input" 30 env \
		TERM=dumb PYTHON_BASIC_REPL=1 "$PY" -q
	run traced "$HPY" "$E2E_DIR/pty-run.py" "$T/input" 30 env \
		TERM=dumb PYTHON_BASIC_REPL=1 LD_PRELOAD="$LIBVT" VT_OUTPUT="$T/traced.trace" "$PY" -q
	expect_rc plain 0
	grep -q '^hi there$' "$T/plain.out" || fail "the REPL did not print 'hi there'"
	same_output plain traced
	convert traced || return
	check_tree traced "$CASEDIR/$CASE.expect" --files '<stdin' --c-of-kept
	check_prompt_start traced
}
