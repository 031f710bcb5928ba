#!/bin/bash
# bench-native.sh - the cost of one native call traced through VT_NATIVE, in ns.
#
# A Python loop calls os.getppid() N times (BENCH_NATIVE_N, 5000000) under vt, each run three ways:
#   vt              VT_NATIVE unset (the Python-level events only)
#   other patched   VT_NATIVE="getpid:libc": another function's GOT slot patched
#   traced          VT_NATIVE="getppid:libc": each call through the closure, recorded
#   traced+args     the same with VT_NATIVE_ARGS=1
# and prints (cpu(variant) - cpu(vt)) / N per call, the best of BENCH_NATIVE_RUNS (5)
# runs each. Interpreters: BENCH_PYTHONS, else the newest pyenv 3.11 and 3.12 and
# /usr/bin/python3.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
lib=${BENCH_LIB_DIR:-$root/build}/libvt.so
n=${BENCH_NATIVE_N:-5000000}
runs=${BENCH_NATIVE_RUNS:-5}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vt-bench-native.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -f "$lib" ] || { echo "bench-native: no $lib (make all)" >&2; exit 1; }
code="import os
f = os.getppid
for _ in range($n):
    f()"

# best cpu seconds (user+sys) of $runs runs of: env "$@" python -c "$code"
best() {
	local py=$1 b="" t
	shift
	for _ in $(seq "$runs"); do
		rm -rf "$tmp/t"
		/usr/bin/time -o "$tmp/cpu" -f '%U %S' env VT_OUTPUT="$tmp/t" LD_PRELOAD="$lib" "$@" \
			"$py" -c "$code" >/dev/null 2>&1
		t=$(tail -n 1 "$tmp/cpu" | awk '{ print $1 + $2 }')
		if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN { exit !(a < b) }'; then b=$t; fi
	done
	echo "$b"
}

echo
echo "native calls (VT_NATIVE): os.getppid() x $n, best of $runs, ns per call above vt alone"
printf '%-28s %10s %14s %12s %14s\n' python "vt (s)" "other patched" traced traced+args
pythons=${BENCH_PYTHONS:-}
if [ -z "$pythons" ]; then
	r=$(pyenv root 2>/dev/null || echo /root/.pyenv)
	for m in 11 12; do
		p=$(ls -d "$r"/versions/3.$m.*/bin/python3.$m 2>/dev/null | tail -n 1)
		[ -n "$p" ] && pythons="$pythons $p"
	done
	[ -x /usr/bin/python3 ] && pythons="$pythons /usr/bin/python3"
fi
for py in $pythons; do
	base=$(best "$py")
	other=$(best "$py" VT_NATIVE=getpid:libc)
	traced=$(best "$py" VT_NATIVE=getppid:libc)
	args=$(best "$py" VT_NATIVE=getppid:libc VT_NATIVE_ARGS=1)
	ver=$("$py" -c 'import platform; print(platform.python_version())')
	awk -v p="$ver ($py)" -v b="$base" -v o="$other" -v t="$traced" -v a="$args" -v n="$n" 'BEGIN {
		printf "%-28.28s %10.2f %11.1f ns %9.1f ns %11.1f ns\n", p, b, (o - b) * 1e9 / n,
			(t - b) * 1e9 / n, (a - b) * 1e9 / n }'
done
