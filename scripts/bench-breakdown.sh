#!/bin/bash
# bench-breakdown.sh - where a recorded call's cost above the floor goes, step by step.
#
# Builds libvt.so three more times, each with one step of recording removed (into
# build/breakdown/: noenc records nothing, nolz4 drops full chunks instead of compressing
# and writing them, noclock reads no clock), then times fib.py under each next to the
# floor (libvt-nop.so) and libvt.so: scripts/bench-breakdown.py says what it prints.
#
# Usage: scripts/bench-breakdown.sh [PYTHON...]   (or: make bench-breakdown)
#   default: pyenv's 3.11.7 and 3.13.0, and sid's 3.14 and 3.15 when the root is made
# Environment: BD_N=32 (fib's argument), BD_ROUNDS=5, O=build
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
O=${O:-build}
case "$O" in /*) ;; *) O=$root/$O ;; esac

for v in noenc nolz4 noclock; do
	flag=VT_BENCH_$(echo "$v" | tr '[:lower:]' '[:upper:]')
	make -s -C "$root" O="$O/breakdown/$v" CFLAGS="-D$flag" "$O/breakdown/$v/libvt.so" >&2
done

if [ $# -eq 0 ]; then
	pyenv_root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
	set -- "$pyenv_root/versions/3.11.7/bin/python3.11" "$pyenv_root/versions/3.13.0/bin/python3.13"
	if "$root/scripts/sid-rootfs.sh" wrap "$root/build/sid-bin" >/dev/null 2>&1; then
		set -- "$@" "$root/build/sid-bin/python3.14" "$root/build/sid-bin/python3.15"
	fi
fi
pythons=()
for p in "$@"; do
	if [ -x "$p" ]; then pythons+=("$p"); else echo "bench-breakdown: skipping $p (not found)" >&2; fi
done
[ "${#pythons[@]}" -gt 0 ] || { echo "bench-breakdown: no interpreter" >&2; exit 1; }

# fib.py from the bench workloads, copied where the sid root's interpreters see it too
tmp=$(mktemp -d /tmp/vt-breakdown.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp "${BENCH_DIR:-$root/../shared/bench}/fib.py" "$tmp/fib.py"
BD_LIB_DIR=$O BD_VARIANT_DIR=$O/breakdown BD_FIB=$tmp/fib.py \
	/usr/bin/python3 "$here/bench-breakdown.py" "${pythons[@]}"
