# SIGKILL: see 080-sigkill.py. The tree must start with the program's first calls
# and hold many step() calls (at least one flushed 64 KiB chunk), every open frame
# unfinished; vt-convert may warn (status 0 or 1) about the missing end record.
e2e_case() {
	local script=$CASEDIR/$CASE.py n bad
	run plain "$PY" "$script"
	traced traced VT_BUFFER_SIZE=64K "$PY" "$script"
	expect_rc plain 137
	same_output plain traced stderr
	convert traced 0 1 || return
	tree traced --files "$CASE.py" > "$T/tree"
	head -n 5 "$T/tree" > "$T/tree.head"
	if ! diff -u --label expected --label actual "$CASEDIR/$CASE.expect" "$T/tree.head"; then
		fail "the trace does not start as expected"
	fi
	n=$(grep -c '^      step\( \[unfinished\]\)\{0,1\}$' "$T/tree")
	bad=$(tail -n +5 "$T/tree" | grep -vc '^      step\( \[unfinished\]\)\{0,1\}$')
	echo "$n step() calls in the trace"
	[ "$bad" = 0 ] || fail "$bad lines after the first are not step() calls"
	[ "$n" -ge 1000 ] || fail "only $n step() calls survived, expected at least 1000"
	[ "$n" -le 30000 ] || fail "$n step() calls, but the program made 30000"
}
