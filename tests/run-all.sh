#!/bin/bash
# tests/run-all.sh - `make test`'s runner: every suite, even after one fails, several at a
# time, then one table (suite, passed, failed, skipped, seconds) and one closing line
# "N passed, N failed, N skipped". Exits 1 when anything failed.
#
#   tests/run-all.sh [-j N] [-l] [SUITE-FILTER...]
#
#   -j N     suites running at once (default: the number of CPUs, at most 4; TEST_JOBS)
#   -l       list the suites (name, expected seconds, command) and stop
#   FILTER   run only the suites whose name contains one of these words
#
# Everything a suite needs must be built first (`make test-build`): the suites only run,
# so two of them never build the same file at once. The suites that run on every CPython
# (e2e, faults) run as one suite per interpreter, so that they spread over the CPUs.
# Each suite's output goes to $O/test-logs/NAME.log; a failed suite's FAIL lines (with
# what each one saw) are printed as soon as it ends, so a CI log shows every failure.
# The longest suites start first (the weights below are seconds measured on a busy 2-core VM),
# so the run ends about when its longest suite does.
#
# A suite's counts come from its "N passed, N failed[, N skipped]" lines (all of them,
# summed: a suite may run several scripts) or Criterion's "Synthesis:" line. A suite that
# exits non-zero without a failure counted, or that prints no count at all, is one failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
O=${O:-build}
case $O in /*) ;; *) O=$top/$O ;; esac
export O

jobs=${TEST_JOBS:-}
list=0
filters=()
while [ $# -gt 0 ]; do
	case $1 in
	-j) jobs=$2; shift ;;
	-j*) jobs=${1#-j} ;;
	-l) list=1 ;;
	-h|--help) sed -n '2,/^set -u/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "run-all.sh: unknown option '$1'" >&2; exit 2 ;;
	*) filters+=("$1") ;;
	esac
	shift
done
if [ -z "$jobs" ]; then
	jobs=$(nproc 2>/dev/null || echo 2)
	[ "$jobs" -gt 4 ] && jobs=4
fi
case $jobs in ''|*[!0-9]*|0) echo "run-all.sh: -j wants a number of suites, not '$jobs'" >&2; exit 2 ;; esac

# ---------------------------------------------------------------- the suites

names=() weights=() cmds=()
skipped_suites=()
# suite NAME SECONDS COMMAND: COMMAND runs in bash in the top directory, with O exported
suite() { names+=("$1"); weights+=("$2"); cmds+=("$3"); }

. "$top/tests/pythons.sh"
SAN_RT="$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so)"
san_pythons=$(ls -d /root/.pyenv/versions/3.8.*/bin/python3.8 2>/dev/null | tail -n 1)
san_pythons="$san_pythons $(ls -d /root/.pyenv/versions/3.12.*/bin/python3.12 2>/dev/null | tail -n 1)"
[ -x /usr/bin/python3 ] && san_pythons="$san_pythons /usr/bin/python3"
san_pythons=$(echo $san_pythons)

suite unit 8 '"$O/unit-tests"'
suite unit-san 25 '"$O/asan/unit-tests"'
suite exports 19 'tests/check-exports.sh "$O/libvt.so"'
suite layers 2 'tests/check-layers.py "$O"'
suite convert 10 'tests/convert/run.sh'
suite convert-tsan 20 'VT_CONVERT="$O/tsan/vt-convert" tests/convert/run.sh'
suite proc 115 'tests/proc/run.sh'
suite control 580 'tests/control/run.sh'
suite attach 300 'tests/attach/run.sh'
suite rich 60 'tests/rich/run.sh'
suite fuzz-replay 6 'tests/fuzz/replay.sh reader decoder roundtrip'
suite bad-input 240 'tests/faults/bad-input.sh'
suite bad-input-asan 220 'VT_CONVERT="$O/asan/vt-convert" BAD_INPUT_QUICK=1 tests/faults/bad-input.sh'
suite stress 700 'tests/faults/stress.sh'
suite cpython-tests 900 'tests/faults/cpython-tests.sh'
suite san-stress 290 "VT_LIB=\"\$O/asan/libvt.so\" VT_PRELOAD_EXTRA=\"$SAN_RT\" VT_STRESS_SECONDS=4 \
VT_PYTHONS=\"$san_pythons\" VT_VALGRIND=0 tests/faults/stress.sh"
suite san-rich 45 "ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
VT_LIB=\"$SAN_RT \$O/asan/libvt.so\" RICH_PYTHONS=\"$san_pythons\" tests/rich/run.sh"
suite san-profilers 6 "ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
VT_LIB=\"\$O/asan/libvt.so\" VT_PRELOAD_EXTRA=\"$SAN_RT\" VT_PYTHONS=\"$san_pythons\" tests/faults/run.sh profile"
suite real 550 'tests/real/run.sh'
suite native 10 'tests/native/run.sh'
suite viewer 40 'node tests/viewer/run.mjs'
suite speedscope 30 'node tests/viewer/speedscope.mjs'
# one suite per interpreter: the newest pyenv 3.X of each minor, and Debian's python3
pythons=""
find_pythons "" "8 9 10 11 12 13" /usr/bin/python3 >/dev/null
for m in 8 9 10 11 12 13; do
	ls -d /root/.pyenv/versions/3.$m.*/bin/python3.$m >/dev/null 2>&1 ||
		skipped_suites+=("e2e 3.$m|faults 3.$m|no pyenv 3.$m installed")
done
for py in $pythons; do
	v=$(basename "$py")
	[ "$py" = /usr/bin/python3 ] && v=debian
	v=${v#python}
	suite "e2e $v" 150 "E2E_PYTHONS=$py tests/e2e/run.sh"
	suite "faults $v" 30 "VT_PYTHONS=$py tests/faults/run.sh"
done
# and the interpreters of the Debian sid root (scripts/sid-rootfs.sh; made by make test),
# 3.14 and 3.15 also with their JIT on
if why=$(scripts/sid-rootfs.sh wrap "$O/sid-bin" 2>&1 >/dev/null); then
	for v in 3.13 3.14 3.15 3.13-dbg 3.14-dbg 3.15-dbg; do
		py=$O/sid-bin/python$v
		[ -x "$py" ] || { skipped_suites+=("e2e sid$v|faults sid$v|not in the sid root"); continue; }
		w=150
		case $v in *-dbg) w=400 ;; esac
		suite "e2e sid$v" $w "E2E_PYTHONS=$py tests/e2e/run.sh"
		suite "faults sid$v" 40 "VT_PYTHONS=$py tests/faults/run.sh"
		case $v in 3.14|3.15) suite "e2e sid$v-jit" 150 "PYTHON_JIT=1 E2E_PYTHONS=$py tests/e2e/run.sh" ;; esac
	done
else
	skipped_suites+=("e2e sid|faults sid|${why#sid-rootfs: }")
fi
# a free-threaded 3.13t: its first run builds the interpreter (29 min
# on a busy 2-core VM; then it is cached), so that run starts first
ft_weight=10
[ -e "${PYTHON_FT_DIR:-/var/cache/vt/python3.13t}/.vt-made" ] || ft_weight=1800
suite "faults 3.13t" $ft_weight 'tests/faults/free-threaded.sh'
# the suites that run on it once it is built (the one above builds it on a first run)
ft_py=${PYTHON_FT_DIR:-/var/cache/vt/python3.13t}/bin/python3.13t
if [ -e "${PYTHON_FT_DIR:-/var/cache/vt/python3.13t}/.vt-made" ] && [ -x "$ft_py" ]; then
	suite "e2e 3.13t" 150 "E2E_PYTHONS=$ft_py tests/e2e/run.sh"
	suite "rich 3.13t" 40 "RICH_PYTHONS=$ft_py tests/rich/run.sh"
	suite "proc 3.13t" 30 "PROC_PYTHONS=$ft_py tests/proc/run.sh"
	suite "ft-stress 3.13t" 40 "FT_PYTHON=$ft_py FT_RUNS=1 tests/faults/ft-stress.sh"
else
	skipped_suites+=("e2e 3.13t|rich 3.13t|proc 3.13t|ft-stress 3.13t|the free-threaded 3.13t is not built yet: scripts/python-ft.sh (faults 3.13t builds it; run them again after)")
fi

if [ $list = 1 ]; then
	for i in "${!names[@]}"; do printf '%-16s %5s  %s\n' "${names[$i]}" "${weights[$i]}" "${cmds[$i]}"; done
	exit 0
fi

# the chosen suites, the longest first
order=()
for i in "${!names[@]}"; do
	if [ ${#filters[@]} -gt 0 ]; then
		hit=0
		for f in "${filters[@]}"; do [[ ${names[$i]} == *"$f"* ]] && hit=1; done
		[ $hit = 1 ] || continue
	fi
	order+=("${weights[$i]} $i")
done
mapfile -t order < <(printf '%s\n' "${order[@]}" | sort -rn | awk '{print $2}')
[ ${#order[@]} = 0 ] && { echo "run-all.sh: no suite matches: ${filters[*]}" >&2; exit 2; }

# ---------------------------------------------------------------- running them

logs=$O/test-logs
rm -rf "$logs"
mkdir -p "$logs"
file_of() { echo "$logs/$(echo "$1" | tr ' /' '__')"; }

# counts LOG RC: prints "PASSED FAILED SKIPPED NOTE"
counts() {
	awk -v rc="$2" '
	/^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?[ \t]*$/ {
		sub(/^[A-Za-z-]+: /, "")
		p += $1; f += $3; if (NF >= 6) s += $5; seen = 1
	}
	/Synthesis: Tested: [0-9]+ \| Passing: [0-9]+ \| Failing: [0-9]+ \| Crashing: [0-9]+/ {
		match($0, /Passing: [0-9]+/); p += substr($0, RSTART + 9, RLENGTH - 9)
		match($0, /Failing: [0-9]+/); f += substr($0, RSTART + 9, RLENGTH - 9)
		match($0, /Crashing: [0-9]+/); f += substr($0, RSTART + 10, RLENGTH - 10)
		seen = 1
	}
	END {
		note = ""
		if (!seen) { f += 1; note = "no count printed" }
		else if (rc != 0 && f == 0) { f += 1; note = "exit " rc " with no failure counted" }
		printf "%d %d %d %s\n", p, f, s, note
	}' "$1"
}

declare -A pid_of=() start_of=()
done_n=0 total=${#order[@]}
t0=$(date +%s)
# a suite ends: record its line of the table; a failed one shows its FAIL lines now
reap() {
	local i=$1 f rc p fl s note secs
	f=$(file_of "${names[$i]}")
	rc=$(cat "$f.rc" 2>/dev/null || echo 1)
	secs=$(( $(date +%s) - ${start_of[$i]} ))
	read -r p fl s note < <(counts "$f.log" "$rc")
	echo "$p $fl $s $secs $note" > "$f.result"
	done_n=$((done_n + 1))
	printf '[%2d/%d] %-16s %4d passed, %d failed, %d skipped  %4d s%s\n' $done_n $total \
		"${names[$i]}" "$p" "$fl" "$s" "$secs" "${note:+  ($note)}"
	if [ "$fl" != 0 ]; then
		echo "------ ${names[$i]}: what failed (the whole output: $f.log)"
		grep -E -A12 '^(FAIL|not ok|\[FAIL\]|.*: (Assertion|Test) .*[Ff]ail)' "$f.log" | head -120
		tail -n 5 "$f.log" | sed 's/^/  | /'
		echo "------"
	fi
}

# wait until a suite ends, and reap every one that has
running=()
drain() {
	local j keep=()
	wait -n
	for j in "${running[@]}"; do
		if [ -e "$(file_of "${names[$j]}").rc" ] || ! kill -0 "${pid_of[$j]}" 2>/dev/null; then wait "${pid_of[$j]}"; reap "$j"; else keep+=("$j"); fi
	done
	running=("${keep[@]}")
}
for i in "${order[@]}"; do
	while [ ${#running[@]} -ge "$jobs" ]; do drain; done
	f=$(file_of "${names[$i]}")
	start_of[$i]=$(date +%s)
	( bash -c "${cmds[$i]}" </dev/null >"$f.log" 2>&1; echo $? >"$f.rc" ) &
	pid_of[$i]=$!
	running+=("$i")
done
while [ ${#running[@]} -gt 0 ]; do drain; done

# ---------------------------------------------------------------- the table

P=0 F=0 S=0
echo
printf '%-16s %7s %7s %8s %8s\n' suite passed failed skipped seconds
for i in "${order[@]}"; do
	read -r p fl s secs note < "$(file_of "${names[$i]}").result"
	printf '%-16s %7d %7d %8d %8d%s\n' "${names[$i]}" "$p" "$fl" "$s" "$secs" "${note:+  $note}"
	P=$((P + p)) F=$((F + fl)) S=$((S + s))
done
for e in "${skipped_suites[@]}"; do
	IFS='|' read -r a b why <<<"$e"
	for n in "$a" "$b"; do
		printf '%-16s %7d %7d %8d %8d  skipped: %s\n' "$n" 0 0 1 0 "$why"
		S=$((S + 1))
	done
done
printf '%-16s %7d %7d %8d %8d  (wall clock, %d at a time)\n' total $P $F $S $(( $(date +%s) - t0 )) "$jobs"
echo
echo "$P passed, $F failed, $S skipped"
[ $F = 0 ]
