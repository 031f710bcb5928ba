# An interpreter the version table has no entry for: a CPython newer than the table
# (3.16), a debug build of a version whose debug headers were not checked (3.12), a
# free-threaded build of a version with no free-threaded entry (3.14t; its version string
# says so). vt must print exactly one line
# naming why, add no audit hook, write nothing, and leave the program's output and
# status alone. fakepy.c stands in for them (none runs here). Runs once.
E2E_ONCE=1
e2e_case() {
	local v version flags want
	command -v gcc >/dev/null || skip "no gcc to build fakepy.c"
	for v in future debug ft; do
		case $v in
		future) version="3.16.0 (main, Oct  1 2027, 10:00:00) [GCC 16.2.0]" flags=
			want="vt: Python 3.16.0 is not supported (3.8 to 3.15); tracing off" ;;
		debug) version="3.12.1 (main, Jan  1 2024, 10:00:00) [GCC 12.2.0]" flags=-DDEBUG
			want="vt: Python 3.12.1 is a debug build, which vt supports for 3.13 to 3.15 only; tracing off" ;;
		ft) version="3.14.0 free-threading build (main, Oct  7 2025, 10:00:00) [GCC 15.2.0]" flags=
			want="vt: Python 3.14.0 is a free-threaded build, which vt supports for 3.13 only; tracing off" ;;
		esac
		# shellcheck disable=SC2086
		gcc -rdynamic -o "$T/fakepy-$v" "$CASEDIR/fakepy.c" -DVERSION="\"$version\"" $flags ||
			{ fail "cannot build fakepy.c"; return; }
		run "plain-$v" "$T/fakepy-$v"
		traced "traced-$v" "$T/fakepy-$v"
		expect_rc "plain-$v" 3
		grep -q '^hello from fakepy$' "$T/plain-$v.out" || fail "$v: fakepy did not print its line"
		same_output "plain-$v" "traced-$v"
		{ echo "$want"; cat "$T/plain-$v.err"; } | cmp -s - "$T/traced-$v.err" ||
			fail "$v: stderr under vt is not '$want' then the program's: $(cat "$T/traced-$v.err")"
		no_trace_files "$T/traced-$v.trace"
	done
}
