# python - < FILE: the program is read from stdin (a file); the first top-level
# frame is its <module> (<stdin>).
e2e_case() {
	STDIN=$CASEDIR/110-start-script.py run plain "$PY" -
	STDIN=$CASEDIR/110-start-script.py traced traced "$PY" -
	expect_rc plain 0
	same_output plain traced stderr
	convert traced || return
	check_tree traced "$CASEDIR/$CASE.expect" --files '<stdin>' --c-of-kept
	first=$(top_frames traced | head -n 1)
	[ "$first" = "<module> @<stdin>" ] ||
		fail "the first top-level frame is '$first', expected '<module> @<stdin>'"
}
