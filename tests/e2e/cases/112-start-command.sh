# python -c CODE: the first top-level frame is the code's <module> (<string>).
e2e_case() {
	code='def hello():
    print("hello from -c")
hello()'
	run plain "$PY" -c "$code"
	traced traced "$PY" -c "$code"
	expect_rc plain 0
	same_output plain traced stderr
	convert traced || return
	check_tree traced "$CASEDIR/$CASE.expect" --files '<string>' --c-of-kept
	first=$(top_frames traced | head -n 1)
	[ "$first" = "<module> @<string>" ] ||
		fail "the first top-level frame is '$first', expected '<module> @<string>'"
}
