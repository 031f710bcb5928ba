# python -m MODULE: runpy runs the module, so its frames come first. Decision: the
# main thread may start with the import of runpy (_find_and_load, done by CPython
# before it runs runpy) and then _run_module_as_main, which must hold the module's
# <module>; nothing else (no site frames) may come before.
e2e_case() {
	run plain PYTHONPATH="$CASEDIR" "$PY" -m start_module
	traced traced PYTHONPATH="$CASEDIR" "$PY" -m start_module
	expect_rc plain 0
	same_output plain traced stderr
	convert traced || return
	check_process_name traced " -m start_module"
	check_tree traced "$CASEDIR/$CASE.expect" --files start_module.py --c-of-kept
	check_runpy_start traced start_module.py
}

