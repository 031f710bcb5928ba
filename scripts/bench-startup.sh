#!/bin/bash
# bench-startup.sh - what LD_PRELOAD=libvt.so costs a process at start-up.
#
#   not Python   bash -c 'for i in $(seq N); do /bin/true; done' (BENCH_STARTUP_N, 200):
#                no preload, an empty preloaded library (the loader's own price for any
#                LD_PRELOAD), and libvt.so
#   Python       python -c pass, 20 times in a row: plain, under the empty library and
#                under libvt.so (start-up to the first user line, plus vt's work at exit
#                for an empty trace); the last column is vt above the empty library
# Each is measured BENCH_STARTUP_RUNS (11) times, the variants interleaved; the median
# wall time is printed, and the difference per process start in microseconds.
# Interpreters: BENCH_PYTHONS, else the newest pyenv 3.11 and 3.12 and /usr/bin/python3.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
lib=${BENCH_LIB_DIR:-$root/build}/libvt.so
n=${BENCH_STARTUP_N:-200}
runs=${BENCH_STARTUP_RUNS:-11}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vt-bench-startup.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -f "$lib" ] || { echo "bench-startup: no $lib (make all)" >&2; exit 1; }
echo 'void vt_bench_empty(void) {}' >"$tmp/empty.c"
${CC:-cc} -shared -fPIC -O2 -o "$tmp/empty.so" "$tmp/empty.c"

# ns of wall time for one run of: env PRELOAD "$@"
wall() {
	local pre=$1 t0 t1
	shift
	t0=$(date +%s%N)
	VT_OUTPUT=$tmp/trace LD_PRELOAD=$pre "$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	rm -rf "$tmp/trace"
	echo $((t1 - t0))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

loop="for i in \$(seq $n); do /bin/true; done"
: >"$tmp/none"; : >"$tmp/empty"; : >"$tmp/vt"
for _ in $(seq "$runs"); do
	wall "" bash -c "$loop" >>"$tmp/none"
	wall "$tmp/empty.so" bash -c "$loop" >>"$tmp/empty"
	wall "$lib" bash -c "$loop" >>"$tmp/vt"
done
none=$(median <"$tmp/none"); empty=$(median <"$tmp/empty"); vt=$(median <"$tmp/vt")
echo
echo "start-up of a process that is not Python: $n x /bin/true from bash, median of $runs"
awk -v n="$n" -v a="$none" -v b="$empty" -v c="$vt" 'BEGIN {
	printf "  %-28s %8.1f ms\n", "no preload", a / 1e6
	printf "  %-28s %8.1f ms  %+6.1f us per process\n", "empty preloaded library", b / 1e6, (b - a) / n / 1e3
	printf "  %-28s %8.1f ms  %+6.1f us per process (%+.1f us above the empty library)\n", "libvt.so", c / 1e6, (c - a) / n / 1e3, (c - b) / n / 1e3
}'

pythons=()
if [ -n "${BENCH_PYTHONS:-}" ]; then
	read -r -a pythons <<<"$BENCH_PYTHONS"
else
	pyenv_root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
	for m in 11 12; do
		p=$(ls -d "$pyenv_root"/versions/3."$m".*/bin/python3."$m" 2>/dev/null | sort -V | tail -1)
		[ -n "$p" ] && pythons+=("$p")
	done
	pythons+=(/usr/bin/python3)
fi
echo
echo "Python start-up: 20 x python -c pass, median of $runs (plain, an empty preloaded library, libvt.so)"
for py in "${pythons[@]}"; do
	[ -x "$py" ] || { echo "  $py: not installed, skipped"; continue; }
	pyloop="for i in \$(seq 20); do $py -c pass; done"
	: >"$tmp/plain"; : >"$tmp/pempty"; : >"$tmp/pvt"
	for _ in $(seq "$runs"); do
		wall "" bash -c "$pyloop" >>"$tmp/plain"
		wall "$tmp/empty.so" bash -c "$pyloop" >>"$tmp/pempty"
		wall "$lib" bash -c "$pyloop" >>"$tmp/pvt"
	done
	a=$(median <"$tmp/plain"); e=$(median <"$tmp/pempty"); b=$(median <"$tmp/pvt")
	awk -v p="$py" -v a="$a" -v e="$e" -v b="$b" 'BEGIN {
		printf "  %-44s %6.2f -> %6.2f ms per start (%+.2f ms; %+.2f ms above the empty library at %.2f)\n",
			p, a / 20e6, b / 20e6, (b - a) / 20e6, (b - e) / 20e6, e / 20e6 }'
done
