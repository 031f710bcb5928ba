# python -i with the statements on stdin (a file, then a pipe): the basic REPL reads
# them without a terminal. Each statement is compiled on its own, named <stdin>
# (3.8-3.12), <stdin>-N (3.13.0) or <stdin-N> (later 3.13, 3.14, 3.15). The function
# typed at the prompt is traced with its calls, and the first top-level frame is the
# first statement's <module>: nothing from site (sys.__interactivehook__) or
# importlib before it.
e2e_case() {
	printf '%s\n' 'def inner(x): return x * 2' '' 'def repl_fn():' \
		'    print("repl_fn", inner(21))' '' 'repl_fn()' > "$T/input"
	STDIN=$T/input run plain "$PY" -i
	STDIN=$T/input traced traced "$PY" -i
	expect_rc plain 0
	grep -q '^repl_fn 42$' "$T/plain.out" || fail "the REPL did not print 'repl_fn 42'"
	same_output plain traced stderr
	convert traced || return
	check_tree traced "$CASEDIR/$CASE.expect" --files '<stdin' --c-of-kept
	check_prompt_start traced

	pipeline='cat "$1" | "$2" -i'
	run pplain bash -c "$pipeline" _ "$T/input" "$PY"
	traced ptraced bash -c "$pipeline" _ "$T/input" "$PY"
	same_output pplain ptraced stderr
	convert ptraced || return
	check_tree ptraced "$CASEDIR/$CASE.expect" --files '<stdin' --c-of-kept
	check_prompt_start ptraced
}
