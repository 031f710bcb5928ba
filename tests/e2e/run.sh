#!/usr/bin/env bash
# run.sh - end-to-end tests of vt: real programs traced on every CPython here.
#
# usage: tests/e2e/run.sh [-v] [-k] [-j N] [FILTER ...]
#
#   FILTER   run only the cases whose name contains one of these words (010, thread...)
#   -v       show each check's log (commands, diffs, stderr), not only on failure
#   -k       keep the work directory (build/e2e/run.XXXXXX) for a look afterwards
#   -j N     run N cases at a time (default 1; the output stays in order)
#
# Environment:
#   E2E_PYTHONS="PY ..."   interpreters to test (paths or names on $PATH) instead of
#                          every pyenv 3.8-3.13 plus /usr/bin/python3
#   E2E_TIMEOUT=SECONDS    limit for each program run (default 60)
#   VT_BUILD=DIR           where libvt.so and vt-convert are (default build/)
#   VT_HOOK, VT_CLOCK      passed on to the traced runs (VT_HOOK=profile tests the
#                          profile hook on 3.12+); the other VT_* are cleared
#
# Each case is tests/e2e/cases/NNN-name.py (a small program) with NNN-name.expect
# (its call tree, as calltree.py prints it for CPython 3.12+; calltree.py
# --expect-for adapts it to older versions, and NNN-name.expect-X.Y, if present,
# replaces it for versions up to X.Y) and optionally NNN-name.stdout (what the
# program must print). Lines '# e2e: KEY VALUE' at the top of the .py
# set 'tree' (calltree.py arguments), 'exit' (the expected status, default 0) and
# 'env' (VAR=VALUE for the traced run). A case that needs other steps has a
# NNN-name.sh, sourced in a subshell, defining e2e_case (see the helpers below).
# Every case checks that the traced program's stdout and status equal an untraced
# run's. One PASS/FAIL/SKIP line per case and interpreter; the last line is the
# summary; the status is 1 if anything failed.
#
# Where tracing starts (110-117): for a script, -c, stdin (file or pipe), the basic
# REPL (on a terminal, or -i with the statements on stdin) and the 3.13+ PyREPL, the
# first top-level frame of the main thread must be the user's <module>: no site,
# importlib or REPL frames before it. For -m, the import of runpy (_find_and_load, and
# on 3.15 the weakref callback of its module lock) and runpy's _run_module_as_main may
# come first, with the user's <module> inside
# the latter; runpy is how CPython runs a module, not the user's or site's code.

set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# sid_exec (the embedding cases build inside the sid root for its interpreters)
. "$root/tests/pythons.sh"
CASEDIR=$here/cases
build=${VT_BUILD:-$root/build}
LIBVT=$build/libvt.so
CONVERT=$build/vt-convert
E2E_TIMEOUT=${E2E_TIMEOUT:-60}
# keep the source tree clean (no __pycache__ in cases/) and the runs alike
export PYTHONDONTWRITEBYTECODE=1
unset PYTHONSTARTUP PYTHONINSPECT PYTHONPATH PYTHONHOME PYTHON_BASIC_REPL LD_PRELOAD \
	VT_OUTPUT VT_DISABLE VT_IGNORE_C VT_BUFFER_SIZE VT_LOG VT_FOLLOW_CHILDREN
# the helper scripts run on a python that is never traced
HPY=/usr/bin/python3
[ -x "$HPY" ] || HPY=$(command -v python3)

verbose=0 keep=0 jobs=1
filters=()
while [ $# -gt 0 ]; do
	case $1 in
	-v) verbose=1 ;;
	-k) keep=1 ;;
	-j) jobs=$2; shift ;;
	-j*) jobs=${1#-j} ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
	*) filters+=("$1") ;;
	esac
	shift
done

for f in "$LIBVT" "$CONVERT"; do
	if [ ! -e "$f" ]; then
		echo "run.sh: '$f' is missing; run 'make all' first" >&2
		exit 2
	fi
done

mkdir -p "$build/e2e"
WORK=$(mktemp -d "$build/e2e/run.XXXXXX") || exit 2
# a snapshot, so that a rebuild while the tests run cannot mix two versions
cp "$LIBVT" "$CONVERT" "$WORK/" || exit 2
LIBVT=$WORK/libvt.so CONVERT=$WORK/vt-convert
cleanup() {
	if [ $keep = 1 ]; then
		echo "work directory kept: $WORK"
		return
	fi
	rm -rf "$WORK"
	rmdir "$build/e2e" 2>/dev/null
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- interpreters

# One line per interpreter: "path" or "-:label:why it is missing".
default_pythons() {
	local proot best minor
	proot=$(pyenv root 2>/dev/null) || proot=${PYENV_ROOT:-$HOME/.pyenv}
	for minor in 8 9 10 11 12 13; do
		best=$(printf '%s\n' "$proot"/versions/3.$minor.* |
			grep -E "/3\.$minor\.[0-9]+$" | sort -V | tail -n 1)
		if [ -n "$best" ] && [ -x "$best/bin/python3.$minor" ]; then
			echo "$best/bin/python3.$minor"
		else
			echo "-:3.$minor:no pyenv version 3.$minor in $proot/versions"
		fi
	done
	if [ -x /usr/bin/python3 ]; then
		echo /usr/bin/python3
	else
		echo "-:system:/usr/bin/python3 is not installed"
	fi
}

py_list=()
if [ -n "${E2E_PYTHONS:-}" ]; then
	for p in $E2E_PYTHONS; do
		if command -v "$p" >/dev/null 2>&1; then
			py_list+=("$(command -v "$p")")
		else
			py_list+=("-:$p:'$p' not found")
		fi
	done
else
	while read -r p; do py_list+=("$p"); done < <(default_pythons)
fi

# parallel arrays: path (empty if missing), X.Y, label, skip reason
py_path=() py_ver=() py_label=() py_skip=()
for p in "${py_list[@]}"; do
	if [ "${p#-:}" != "$p" ]; then
		rest=${p#-:}
		py_path+=("") py_ver+=("") py_label+=("${rest%%:*}") py_skip+=("${rest#*:}")
		continue
	fi
	v=$("$p" -c 'import sys; print("%d.%d %d.%d.%d" % (sys.version_info[:2] + sys.version_info[:3]))' 2>/dev/null)
	if [ -z "$v" ]; then
		py_path+=("") py_ver+=("") py_label+=("$p") py_skip+=("'$p' does not run")
		continue
	fi
	label=${v#* }
	case $p in */.pyenv/versions/*) ;; *) label="$label $p" ;; esac
	py_path+=("$p") py_ver+=("${v%% *}") py_label+=("$label") py_skip+=("")
done

# ---------------------------------------------------------------- helpers for cases
# A case runs in a subshell, in its own empty directory $T, with $PY (the
# interpreter), $PYVER (X.Y), $CASE (NNN-name) and $CASEDIR. It fails if it
# calls fail (it may go on checking) and is skipped if it calls skip.

failed=0

# fail MESSAGE...: record a failed check; the case carries on
fail() {
	echo "FAILED: $*"
	failed=1
}

# skip REASON...: the case cannot run here
skip() {
	echo "$*" > "$T.skip"
	exit 77
}

# py_at_least X.Y: is the interpreter under test X.Y or newer?
py_at_least() {
	"$HPY" -c 'import sys; a, b = (tuple(map(int, s.split("."))) for s in sys.argv[1:]); sys.exit(a < b)' \
		"$PYVER" "$1"
}

# run NAME [VAR=VALUE ...] CMD [ARG ...]: run with a timeout, stdin from $STDIN
# (default /dev/null); stdout, stderr and status go to NAME.out, NAME.err, NAME.rc.
run() {
	local name=$1 rc
	shift
	{ printf '+'; printf ' %q' "$@"; echo; } | cut -c1-300
	{ timeout "$E2E_TIMEOUT" env "$@" < "${STDIN:-/dev/null}" > "$T/$name.out" 2> "$T/$name.err"; rc=$?; } 2>/dev/null
	echo $rc > "$T/$name.rc"
	[ $rc = 124 ] && fail "$name: timed out after ${E2E_TIMEOUT}s"
	return 0
}

# traced NAME [VAR=VALUE ...] CMD [ARG ...]: run under vt, the trace in NAME.trace
traced() {
	local name=$1
	shift
	run "$name" LD_PRELOAD="$LIBVT" VT_OUTPUT="$T/$name.trace" "$@"
}

# rc_of NAME: the status of run NAME
rc_of() { cat "$T/$1.rc"; }

# expect_rc NAME STATUS: run NAME ended with STATUS
expect_rc() {
	local rc
	rc=$(rc_of "$1")
	[ "$rc" = "$2" ] || fail "$1: exit status $rc, expected $2"
}

# same_output PLAIN TRACED [stderr]: the traced run printed the same stdout (and
# stderr if asked) and ended with the same status as the untraced one
same_output() {
	local a=$1 b=$2
	[ "$(rc_of "$a")" = "$(rc_of "$b")" ] ||
		fail "exit status $(rc_of "$b") under vt, $(rc_of "$a") without"
	if ! cmp -s "$T/$a.out" "$T/$b.out"; then
		fail "stdout differs under vt:"
		diff -u --label "stdout without vt" --label "stdout with vt" "$T/$a.out" "$T/$b.out" | head -40
	fi
	if [ "${3:-}" = stderr ] && ! cmp -s "$T/$a.err" "$T/$b.err"; then
		fail "stderr differs under vt:"
		diff -u --label "stderr without vt" --label "stderr with vt" "$T/$a.err" "$T/$b.err" | head -40
	fi
}

# convert NAME [STATUS ...]: vt-convert NAME.trace to NAME.json; it must end with
# one of the given statuses (default 0) and write valid JSON
convert() {
	local name=$1 rc ok=0 s
	shift
	[ $# -gt 0 ] || set -- 0
	if [ ! -d "$T/$name.trace" ]; then
		fail "$name: no trace directory was written"
		return 1
	fi
	"$CONVERT" "$T/$name.trace" -o "$T/$name.json" 2> "$T/$name.convert.err"
	rc=$?
	for s in "$@"; do [ "$rc" = "$s" ] && ok=1; done
	if [ $ok = 0 ]; then
		fail "$name: vt-convert exited $rc (expected $*):"
		sed 's/^/  /' "$T/$name.convert.err" | head -20
		return 1
	fi
	if ! "$HPY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/$name.json" 2>/dev/null; then
		fail "$name: vt-convert wrote invalid JSON"
		return 1
	fi
}

# tree NAME [ARG ...]: print the call tree of NAME.json (calltree.py ARGs)
tree() {
	local name=$1
	shift
	"$HPY" "$here/calltree.py" "$T/$name.json" "$@"
}

# expect_file BASE: BASE.expect-X.Y for the smallest X.Y >= $PYVER, else BASE.expect
expect_file() {
	local base=$1 f v best="" bestv=""
	for f in "$base".expect-*; do
		[ -e "$f" ] || continue
		v=${f##*.expect-}
		if py_at_least_v "$v" && { [ -z "$bestv" ] || ! ver_le "$bestv" "$v"; }; then
			best=$f bestv=$v
		fi
	done
	echo "${best:-$base.expect}"
}
# py_at_least_v X.Y: is X.Y >= $PYVER (the file applies to this interpreter)?
py_at_least_v() { ver_le "$PYVER" "$1"; }
# ver_le A B: A <= B
ver_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$1" ]; }

# check_tree NAME EXPECT [ARG ...]: the call tree of NAME.json equals EXPECT as
# adapted to this interpreter by calltree.py --expect-for
check_tree() {
	local name=$1 exp=$2
	shift 2
	if [ ! -e "$exp" ]; then
		fail "no expected tree '$exp'; this run gave:"
		tree "$name" "$@" | head -60
		return
	fi
	"$HPY" "$here/calltree.py" --expect-for "$PYVER" < "$exp" > "$T/$name.tree.expect"
	tree "$name" "$@" > "$T/$name.tree" 2>&1
	if ! cmp -s "$T/$name.tree.expect" "$T/$name.tree"; then
		fail "call tree differs from $(basename "$exp") (calltree.py $*):"
		diff -u --label expected --label actual "$T/$name.tree.expect" "$T/$name.tree" | head -80
	else
		echo "call tree matches $(basename "$exp")"
	fi
}

# check_process_name NAME SUFFIX: every process_name in NAME.json ends with SUFFIX
check_process_name() {
	"$HPY" - "$T/$1.json" "$2" <<-'EOF' || fail "process_name is not the command line"
	import json, sys
	names = [e["args"]["name"] for e in json.load(open(sys.argv[1]))["traceEvents"]
	         if e.get("ph") == "M" and e.get("name") == "process_name"]
	if not names or not all(n.endswith(sys.argv[2]) for n in names):
	    print("process_name %r, expected to end with %r" % (names, sys.argv[2]))
	    sys.exit(1)
	EOF
}

# no_trace_files DIR: DIR was not created
no_trace_files() {
	if [ -e "$1" ]; then
		fail "'$(basename "$1")' exists, but nothing should have been written:"
		ls -la "$1" | head
	fi
}

# top_frames NAME: the top-level frames of the first thread of NAME.json, with
# their files (calltree.py --where), one a line, without C frames
top_frames() {
	tree "$1" --where | awk 'NR > 1 && /^T[0-9]/ { exit } /^  [^ ]/ && !/ \[c[],]/ { sub(/^  /, ""); print }'
}

# check_runpy_start NAME WHERE: the first thread starts with [_find_and_load,]
# _run_module_as_main, and a '<module> @WHERE' frame runs inside the latter
check_runpy_start() {
	local f before=""
	# the top-level frames before _run_module_as_main: runpy's import only (on 3.15 its
	# module lock's weakref callback runs at top level too)
	top_frames "$1" | sed 's/ @.*//' | head -n 4 > "$T/$1.tops"
	while read -r f; do
		[ "$f" = _run_module_as_main ] && break
		before="$before $f"
	done < "$T/$1.tops"
	grep -qx _run_module_as_main "$T/$1.tops" ||
		fail "no top-level _run_module_as_main among '$(paste -sd' ' "$T/$1.tops")'"
	case "$before " in
	" " | " _find_and_load " | " _find_and_load _get_module_lock.<locals>.cb ") ;;
	*) fail "the top-level frames before _run_module_as_main are '${before# }'; expected [_find_and_load [_get_module_lock.<locals>.cb]]" ;;
	esac
	tree "$1" --where | awk -v want="<module> @$2" '
		/^T[0-9]/ && NR > 1 { exit }
		/^  [^ ]/ { inside = ($0 ~ /^  _run_module_as_main /) }
		inside && index($0, want) { found = 1 }
		END { exit !found }' ||
		fail "no '<module> @$2' inside _run_module_as_main"
}

# check_prompt_start NAME: the first top-level frame of the first thread is the
# <module> of the first statement read at the basic REPL: <stdin> (3.8-3.12),
# <stdin>-N (3.13.0) or <stdin-N> (later 3.13, 3.14, 3.15)
check_prompt_start() {
	local first
	first=$(top_frames "$1" | head -n 1)
	case "$first" in
	"<module> @<stdin>" | "<module> @<stdin>-"[0-9]* | "<module> @<stdin-"[0-9]*">") ;;
	*) fail "$1: the first top-level frame is '$first', expected '<module> @<stdin...>'" ;;
	esac
}

# only_files NAME...: $T holds nothing but the files of runs NAME... (NAME.out, ...)
only_files() {
	local f n ok
	for f in "$T"/* "$T"/.[!.]*; do
		[ -e "$f" ] || continue
		f=$(basename "$f")
		ok=0
		for n in "$@"; do
			case $f in "$n".*) ok=1 ;; esac
		done
		[ $ok = 1 ] || fail "unexpected file '$f' in the working directory"
	done
}

# directive KEY: the values of '# e2e: KEY VALUE' lines in $CASE.py
directive() {
	sed -n "s/^# e2e: $1 //p" "$CASEDIR/$CASE.py"
}

# The default case: run $CASE.py with and without vt and compare.
# shellcheck disable=SC2120  # "$@" is set from the tree directive
default_case() {
	local script=$CASEDIR/$CASE.py want envs
	want=$(directive exit)
	envs=$(directive env)
	run plain "$PY" "$script"
	# shellcheck disable=SC2086
	traced traced $envs "$PY" "$script"
	expect_rc plain "${want:-0}"
	if [ -e "$CASEDIR/$CASE.stdout" ] && ! cmp -s "$CASEDIR/$CASE.stdout" "$T/plain.out"; then
		fail "the program's stdout (without vt) is not $CASE.stdout:"
		diff -u --label expected --label actual "$CASEDIR/$CASE.stdout" "$T/plain.out" | head -20
	fi
	same_output plain traced stderr
	convert traced || return
	check_process_name traced " $script"
	"$HPY" "$here/checkfile.py" "$T/traced.json" "$script" ||
		fail "args.file of some frames is not '$script:<first line>'"
	# shellcheck disable=SC2046
	eval "set -- $(directive tree)"
	check_tree traced "$(expect_file "$CASEDIR/$CASE")" "$@"
}

# ---------------------------------------------------------------- the runner

cases=()
for f in "$CASEDIR"/[0-9][0-9][0-9]-*.py "$CASEDIR"/[0-9][0-9][0-9]-*.sh; do
	[ -e "$f" ] || continue
	c=$(basename "$f")
	c=${c%.*}
	if [ ${#filters[@]} -gt 0 ]; then
		hit=0
		for w in "${filters[@]}"; do
			case $c in *"$w"*) hit=1 ;; esac
		done
		[ $hit = 1 ] || continue
	fi
	cases+=("$c")
done
mapfile -t cases < <(printf '%s\n' "${cases[@]}" | sort -u)
if [ ${#cases[@]} = 0 ]; then
	echo "run.sh: no case matches '${filters[*]}'" >&2
	exit 2
fi

# run_one CASE INDEX DIR: run one case on interpreter INDEX (-1: any) in DIR;
# writes DIR.result (PASS, FAIL or SKIP), DIR.log and, if skipped, DIR.skip
run_one() {
	local case=$1 i=$2 dir=$3 rc
	mkdir -p "$dir"
	(
		T=$dir CASE=$case
		cd "$T" || exit 1
		if [ "$i" -ge 0 ]; then
			PY=${py_path[$i]} PYVER=${py_ver[$i]}
			[ -n "$PY" ] || skip "${py_skip[$i]}"
		else
			PY=$HPY PYVER=$("$HPY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
		fi
		export T CASE PY PYVER CASEDIR LIBVT CONVERT HPY E2E_DIR=$here
		if [ -e "$CASEDIR/$case.sh" ]; then
			# shellcheck disable=SC1090
			. "$CASEDIR/$case.sh"
			e2e_case
		else
			default_case
		fi
		exit $failed
	) > "$dir.log" 2>&1
	rc=$?
	case $rc in
	0) echo PASS > "$dir.result" ;;
	77) echo SKIP > "$dir.result" ;;
	*) echo FAIL > "$dir.result" ;;
	esac
}

# once CASE: does the case run once, not per interpreter ('E2E_ONCE=1' in its .sh)?
once() {
	[ -e "$CASEDIR/$1.sh" ] && grep -q '^E2E_ONCE=1' "$CASEDIR/$1.sh"
}

# the list of (case, interpreter) jobs
job_case=() job_py=()
for c in "${cases[@]}"; do
	if once "$c"; then
		job_case+=("$c") job_py+=(-1)
	else
		for i in "${!py_path[@]}"; do job_case+=("$c") job_py+=("$i"); done
	fi
done

pass=0 failn=0 skipn=0
report() {
	local n=$1 dir c i res label
	dir=$WORK/$n c=${job_case[$n]} i=${job_py[$n]}
	res=$(cat "$dir.result" 2>/dev/null || echo FAIL)
	if [ "$i" -ge 0 ]; then label=${py_label[$i]}; else label="(no python)"; fi
	case $res in
	PASS) pass=$((pass + 1)); printf 'PASS %-24s %s\n' "$c" "$label" ;;
	SKIP) skipn=$((skipn + 1)); printf 'SKIP %-24s %s: %s\n' "$c" "$label" "$(cat "$dir.skip" 2>/dev/null)" ;;
	*) failn=$((failn + 1)); printf 'FAIL %-24s %s\n' "$c" "$label" ;;
	esac
	if [ "$res" = FAIL ] || [ $verbose = 1 ]; then
		sed 's/^/    /' "$dir.log"
	fi
}

next_report=0
running=()
for n in "${!job_case[@]}"; do
	run_one "${job_case[$n]}" "${job_py[$n]}" "$WORK/$n" &
	running+=($!)
	if [ ${#running[@]} -ge "$jobs" ]; then
		wait "${running[0]}"
		running=("${running[@]:1}")
	fi
	# report, in order, whatever has finished
	while [ $next_report -le "$n" ] && [ -e "$WORK/$next_report.result" ]; do
		report $next_report
		next_report=$((next_report + 1))
	done
done
wait
while [ $next_report -lt ${#job_case[@]} ]; do
	report $next_report
	next_report=$((next_report + 1))
done

summary="$pass passed, $failn failed"
[ $skipn -gt 0 ] && summary="$summary, $skipn skipped"
echo "$summary"
[ $failn = 0 ]
