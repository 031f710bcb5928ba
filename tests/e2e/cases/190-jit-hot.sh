# Hot loops under CPython's JIT (3.14+, PYTHON_JIT=1; elsewhere the variable is ignored
# and the case checks the same counts without it): every call, raise and resume is
# recorded once. The expected tree is counted: 'uniq -c' of the tree's lines (depth
# kept, sorted; the 'yield' flag dropped, as before 3.12 there is none).
e2e_case() {
	local script=$CASEDIR/$CASE.py
	run plain PYTHON_JIT=1 "$PY" "$script"
	traced traced PYTHON_JIT=1 "$PY" "$script"
	expect_rc plain 0
	same_output plain traced
	if grep -q '^jit compiled:' "$T/traced.err" &&
		! grep -q '^jit compiled: [a-z]' "$T/traced.err"; then
		fail "the JIT is on but compiled none of the loops under vt"
	fi
	convert traced || return
	tree traced --files "$CASE.py" | sed '1d; s/ \[yield\]//' | LC_ALL=C sort | uniq -c > "$T/counted"
	if ! cmp -s "$CASEDIR/$CASE.expect" "$T/counted"; then
		fail "counted call tree differs from $CASE.expect:"
		diff -u --label expected --label actual "$CASEDIR/$CASE.expect" "$T/counted"
	else
		echo "counted call tree matches $CASE.expect"
	fi
}
