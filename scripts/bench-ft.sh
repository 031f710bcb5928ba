#!/bin/bash
# bench-ft.sh - does vt serialise threads? On the free-threaded 3.13t (scripts/python-ft.sh)
# with the GIL off, N CPU-bound Python threads (N = 1, 2 and the number of CPUs, once
# each) each compute fib(BENCH_FT_N) BENCH_FT_REPS times; the process's wall time is
# measured untraced and under vt, in pairs, BENCH_FT_PAIRS times (default 3), and the
# fastest of each kept (noise on a shared machine only adds time). Printed per N: both
# times, the traced/untraced ratio, and that ratio over N=1's: 1.00 means vt adds no
# serialisation (the goal: within 1.10).
#
#   scripts/bench-ft.sh          (make bench runs it; skipped, saying why, without 3.13t)
# Environment: BENCH_LIB_DIR (default build), BENCH_OUT (default build/bench),
#   BENCH_FT_PYTHON (default: the one python-ft.sh keeps, if built), BENCH_FT_N (25),
#   BENCH_FT_REPS (40), BENCH_FT_PAIRS (3).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
lib=${BENCH_LIB_DIR:-$root/build}/libvt.so
out=${BENCH_OUT:-$root/build/bench}
py=${BENCH_FT_PYTHON:-${PYTHON_FT_DIR:-/var/cache/vt/python3.13t}/bin/python3.13t}
n=${BENCH_FT_N:-25}
reps=${BENCH_FT_REPS:-40}
pairs=${BENCH_FT_PAIRS:-3}

[ -x "$py" ] || { echo "bench-ft: skipped: no free-threaded 3.13t at $py (scripts/python-ft.sh builds it)"; exit 0; }
[ -e "$lib" ] || { echo "bench-ft: missing $lib (make all)" >&2; exit 1; }
mkdir -p "$out"
prog=$out/ft-scaling.py
cat >"$prog" <<'EOF'
import sys
import threading


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def work(n, reps):
    for _ in range(reps):
        fib(n)


threads, n, reps = (int(a) for a in sys.argv[1:4])
ts = [threading.Thread(target=work, args=(n, reps)) for _ in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
EOF

# wall SECONDS of one run: wall TRACED(0|1) THREADS
wall() {
	local t0 t1
	rm -rf "$out/ft-trace"
	t0=$EPOCHREALTIME
	if [ "$1" = 1 ]; then
		PYTHON_GIL=0 VT_OUTPUT="$out/ft-trace" LD_PRELOAD="$lib" "$py" "$prog" "$2" "$n" "$reps"
	else
		PYTHON_GIL=0 "$py" "$prog" "$2" "$n" "$reps"
	fi
	t1=$EPOCHREALTIME
	rm -rf "$out/ft-trace"
	echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }'
}

cpus=$(nproc)
ns="1 2"
[ "$cpus" -gt 2 ] && ns="$ns $cpus"
echo "free-threaded scaling: $("$py" -VV | head -n 1), PYTHON_GIL=0, $cpus CPUs, fib($n) x $reps per thread, best of $pairs"
printf '%8s %10s %10s %8s %10s\n' threads plain-s vt-s ratio vs-1-thread
base=""
for k in $ns; do
	bp="" bv=""
	for _ in $(seq 1 "$pairs"); do
		p=$(wall 0 "$k") v=$(wall 1 "$k")
		bp=$(echo "$bp $p" | awk '{ m = $1; for (i = 2; i <= NF; i++) if ($i < m) m = $i; print m }')
		bv=$(echo "$bv $v" | awk '{ m = $1; for (i = 2; i <= NF; i++) if ($i < m) m = $i; print m }')
	done
	r=$(awk -v a="$bv" -v b="$bp" 'BEGIN { printf "%.2f", a / b }')
	[ -z "$base" ] && base=$r
	printf '%8s %10s %10s %8s %10s\n' "$k" "$bp" "$bv" "$r" "$(awk -v a="$r" -v b="$base" 'BEGIN { printf "%.2f", a / b }')"
done
