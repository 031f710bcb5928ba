#!/bin/bash
# bench-attach.sh - vt attach: how long from the command to recording, and what a
# CPU-bound program (fib(15) in a loop, rate counted every 250 ms) runs at before, while
# and after vt is attached. For the sid root's 3.14 and 3.15 (sys.remote_exec) and
# pyenv's 3.12 and 3.13 through gdb when it is installed. Part of `make bench`.
#
#   BENCH_ATTACH_PYTHONS="P ..."   interpreters (default: those above that are here)
#   BENCH_ATTACH_ROUNDS=N          attaches per interpreter (default 3); the median is shown
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
vt=$root/tools/vt
rounds=${BENCH_ATTACH_ROUNDS:-3}
[ -f "$root/build/libvt.so" ] || { echo "bench-attach: run make first" >&2; exit 1; }
pythons=${BENCH_ATTACH_PYTHONS:-}
if [ -z "$pythons" ]; then
	if command -v gdb >/dev/null; then
		for m in 12 13; do
			p=$(ls -d /root/.pyenv/versions/3.$m.*/bin/python3.$m 2>/dev/null | tail -n 1)
			[ -n "$p" ] && pythons="$pythons $p"
		done
	fi
	if "$root/scripts/sid-rootfs.sh" wrap "$root/build/sid-bin" >/dev/null 2>&1; then
		pythons="$pythons $root/build/sid-bin/python3.14 $root/build/sid-bin/python3.15"
	fi
fi
tmp=$(mktemp -d /tmp/vt-bench-attach.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/fib.py" <<'PY'
import sys, time
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
end = time.time() + float(sys.argv[1])
while time.time() < end:
    t0, k = time.time(), 0
    while time.time() - t0 < 0.25:
        fib(15)
        k += 1
    print("%.3f %.3f %d" % (t0, time.time(), k), flush=True)
PY
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "vt attach: latency (command to recording) and fib(15)'s rate while attached, median of $rounds"
printf '%-12s %12s %10s %14s\n' python latency_ms attached after_detach
for py in $pythons; do
	v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
	: >"$tmp/lat" ; : >"$tmp/during"; : >"$tmp/after"
	for ((r = 0; r < rounds; r++)); do
		"$py" "$tmp/fib.py" 10 >"$tmp/rates" 2>/dev/null &
		p=$!
		sleep 1.5
		t0=$EPOCHREALTIME
		"$vt" attach $p --duration 2s --no-convert -o "$tmp/t$r-$v" 2>&1 | tee "$tmp/out" |
			while IFS= read -r line; do
				case "$line" in *"attached to"*) echo "$EPOCHREALTIME" >"$tmp/at" ;; esac
				case "$line" in *"detached from"*) echo "$EPOCHREALTIME" >"$tmp/dt" ;; esac
			done
		wait $p
		[ -s "$tmp/at" ] && [ -s "$tmp/dt" ] || { echo "bench-attach: $py: attach failed: $(cat "$tmp/out")" >&2; continue; }
		awk -v t0="$t0" -v at="$(cat "$tmp/at")" 'BEGIN { printf "%.0f\n", (at - t0) * 1000 }' >>"$tmp/lat"
		# windows wholly before the command, wholly inside the recording, wholly after it
		awk -v t0="$t0" -v at="$(cat "$tmp/at")" -v dt="$(cat "$tmp/dt")" '
			$2 < t0 { b += $3; nb++ } $1 > at && $2 < dt - 0.1 { d += $3; nd++ } $1 > dt { a += $3; na++ }
			END { if (nb && nd && na) printf "%.3f %.3f\n", (d / nd) / (b / nb), (a / na) / (b / nb) }' \
			"$tmp/rates" >"$tmp/r"
		read -r d a <"$tmp/r" || continue
		echo "$d" >>"$tmp/during"
		echo "$a" >>"$tmp/after"
		rm -rf "$tmp/at" "$tmp/dt"
	done
	printf '%-12s %12s %9sx %13sx\n' "$v" "$(median <"$tmp/lat")" "$(median <"$tmp/during")" "$(median <"$tmp/after")"
done
