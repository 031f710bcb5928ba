# The 3.13+ default REPL (PyREPL, written in Python and run by runpy as
# _pyrepl.__main__) on a terminal. The statements typed are compiled as
# <python-input-N>; hi must be traced, and the trace starts at the user's first
# statement, inside the REPL's loop: no site, runpy or _pyrepl frames before it.
e2e_case() {
	py_at_least 3.13 || skip "no PyREPL before 3.13"
	printf 'def hi(): print("hi " + "there")\n\nhi()\n' > "$T/input"
	run plain "$HPY" "$E2E_DIR/pty-run.py" "$T/input" 30 env TERM=xterm "$PY" -q
	run traced "$HPY" "$E2E_DIR/pty-run.py" "$T/input" 30 env \
		TERM=xterm LD_PRELOAD="$LIBVT" VT_OUTPUT="$T/traced.trace" "$PY" -q
	expect_rc plain 0
	expect_rc traced 0
	# the terminal output holds escape sequences that depend on timing: look only
	# for the user's output
	grep -q 'hi there' "$T/plain.out" || fail "the REPL did not print 'hi there'"
	grep -q 'hi there' "$T/traced.out" || fail "the REPL did not print 'hi there' under vt"
	convert traced || return
	check_tree traced "$CASEDIR/$CASE.expect" --files '<python-input' --c-of-kept
	first=$(top_frames traced | head -n 1)
	case "$first" in
	"<module> @<python-input-"[0-9]*">") ;;
	*) fail "the first top-level frame is '$first', expected '<module> @<python-input-N>'" ;;
	esac
}
