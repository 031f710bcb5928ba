# echo CODE | python: the program comes down a pipe; the whole pipeline runs under
# the preload, as it would from a user's shell. First top-level frame: <stdin>.
e2e_case() {
	code='def hello():
    print("hello from a pipe")
hello()'
	pipeline='printf "%s\n" "$1" | "$2"'
	run plain bash -c "$pipeline" _ "$code" "$PY"
	traced traced bash -c "$pipeline" _ "$code" "$PY"
	expect_rc plain 0
	same_output plain traced stderr
	convert traced || return
	check_tree traced "$CASEDIR/$CASE.expect" --files '<stdin>' --c-of-kept
	first=$(top_frames traced | head -n 1)
	[ "$first" = "<module> @<stdin>" ] ||
		fail "the first top-level frame is '$first', expected '<module> @<stdin>'"
}
