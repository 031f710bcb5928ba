# Lazy imports (3.15+): the lazily imported module (written into the case's directory)
# runs its <module> inside the function that first uses it.
e2e_case() {
	local script=$CASEDIR/$CASE.py
	py_at_least 3.15 || skip "no lazy imports before 3.15"
	printf 'def helper():\n    return 42\n' > "$T/lazy_e2e_mod.py"
	run plain PYTHONPATH="$T" "$PY" "$script"
	traced traced PYTHONPATH="$T" "$PY" "$script"
	expect_rc plain 0
	same_output plain traced stderr
	grep -q '^loaded before use: False$' "$T/traced.out" ||
		fail "the module was loaded before its first use: $(cat "$T/traced.out")"
	convert traced || return
	check_tree traced "$CASEDIR/$CASE.expect" --files "$CASE.py" lazy_e2e_mod.py
}
