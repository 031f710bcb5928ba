# tests/lib.sh - sourced by the shell suites, right after `set -u`:
#
#   . "$(dirname "$0")/../lib.sh" NAME
#
# It sets
#   top          the repository
#   O            the build directory (make's O=, default build), made absolute
#   lib, conv    the libvt.so and vt-convert under test (VT_LIB and VT_CONVERT override them)
# The traced programs inherit such variables: a new VT_* name for the suites goes into
# reserved_name in preload/init.c, or vt warns about it (tests/control checks every one).
#   work         a new temporary directory (vt-NAME.XXXXXX), removed at exit; a suite that
#                has more to undo at exit puts the command in on_exit
#   pass fail skip, counted by
#     ok NAME                   a check that passed
#     bad NAME [DETAIL]         a check that failed, DETAIL (40 lines at most) indented below
#     skipped NAME [WHY]        a check whose prerequisite is absent here
#   want NAME    true when the check NAME is to run: no $filter, or NAME contains it
#   need FILE... stops the suite with one FAIL when a file it tests is not there
#   finish       prints "N passed, N failed, N skipped" and returns 0 when none failed:
#                a suite's last line
# and sources tests/pythons.sh (find_pythons, all_pythons).
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
O=${O:-build}
case $O in /*) ;; *) O=$top/$O ;; esac
lib=${VT_LIB:-$O/libvt.so}
conv=${VT_CONVERT:-$O/vt-convert}
pass=0 fail=0 skip=0
work=$(mktemp -d "${TMPDIR:-/tmp}/vt-${1:-test}.XXXXXX")
on_exit=
trap 'eval "$on_exit"; rm -rf "$work"' EXIT

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; [ -n "${2:-}" ] && echo "$2" | head -40 | sed 's/^/  /'; fail=$((fail + 1)); }
skipped() { echo "SKIP $1${2:+ ($2)}"; skip=$((skip + 1)); }
want() { [ -z "${filter:-}" ] || [[ $1 == *$filter* ]]; }
need() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || { bad "missing $f (make all)"; finish; exit 1; }
	done
}
finish() {
	echo "$pass passed, $fail failed, $skip skipped"
	[ $fail = 0 ]
}

. "$top/tests/pythons.sh"
