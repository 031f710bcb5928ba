#!/bin/bash
# bench.sh - overhead of vt against plain Python, cProfile and a no-op hook floor.
#
# Runs every workload in ../shared/bench under each interpreter as whole processes:
#   plain      python W.py
#   cProfile   python -m cProfile -o /dev/null W.py
#   floor      LD_PRELOAD=libvt-nop.so  (same hooks, recording compiled out)
#   vt         LD_PRELOAD=libvt.so
#   vt(2clk)   LD_PRELOAD=libvt-clock2.so  (each clock read done twice; fib only)
#   vt(IGN_C)  LD_PRELOAD=libvt.so VT_IGNORE_C=1   (fib and builtin_heavy only)
# Each variant is measured in pairs (plain, then variant) and reported as the ratio of its
# fastest cpu time (user+sys, children included) to the fastest plain run's (or, with
# BENCH_STAT=pairs, the median per-pair ratio). The work is done by scripts/bench.py; this
# script checks the build, picks the interpreters and owns the temp directory.
#
# Usage: scripts/bench.sh          (or: make bench)
# Environment:
#   BENCH_DIR=DIR          workloads (default: <repo>/../shared/bench)
#   BENCH_LIB_DIR=DIR      where libvt.so, libvt-nop.so, libvt-clock2.so, vt-convert are (default: <repo>/build)
#   BENCH_BASE_DIR=DIR     also measure DIR/libvt.so (another build: before a change) as vt(base),
#                          in the same rounds as vt
#   BENCH_OUT=DIR          results and temp files (default: <repo>/build/bench)
#   BENCH_PYTHONS="P ..."  interpreters (paths or names on PATH)
#   BENCH_ALL=1            every pyenv 3.8..3.13 plus /usr/bin/python3
#                          (either way, without BENCH_PYTHONS: sid's 3.14 and 3.15 too)
#   BENCH_PAIRS=N          pairs per variant (default 3)
#   BENCH_STAT=min|pairs   a variant's ratio: its fastest run over the fastest plain run
#                          (default: noise on a shared VM only adds time), or the median
#                          of its per-pair ratios
#   BENCH_QUICK=1          1 pair and small workload arguments
#   BENCH_WORKLOADS="fib mixed"  only these workloads
#   BENCH_ARGS_<name>="..."      arguments for workload <name> (e.g. BENCH_ARGS_fib=30)
#   BENCH_CONVERT=0        skip the (slow) vt-convert event count
#   BENCH_TIMEOUT=S        kill a run after S seconds (default 600)
#   VT_* (other than VT_OUTPUT, VT_IGNORE_C) are passed through to the traced runs.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
helper_py=/usr/bin/python3

die() {
	echo "bench: $*" >&2
	exit 1
}

# abspath DIR - absolute form of DIR (relative to the current directory); DIR may not exist.
abspath() {
	case "$1" in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$(pwd)" "$1" ;;
	esac
}

bench_dir=$(abspath "${BENCH_DIR:-$here/../../shared/bench}")
# tidy ../ away when the directory exists (messages and results show this path)
[ -d "$bench_dir" ] && bench_dir=$(cd "$bench_dir" && pwd)
lib_dir=$(abspath "${BENCH_LIB_DIR:-$root/build}")
out_dir=$(abspath "${BENCH_OUT:-$root/build/bench}")

[ -x "$helper_py" ] || die "$helper_py not found (the helper needs it)"
[ -d "$bench_dir" ] || die "no workload directory $bench_dir (set BENCH_DIR)"
ls "$bench_dir"/*.py >/dev/null 2>&1 || die "no *.py workloads in $bench_dir"

# The three preload libraries are required; vt-convert is optional.
missing=0
for lib in libvt.so libvt-nop.so libvt-clock2.so; do
	if [ ! -f "$lib_dir/$lib" ]; then
		echo "bench: $lib_dir/$lib is missing (run 'make' first)" >&2
		missing=1
	fi
done
[ "$missing" -eq 0 ] || exit 1
if [ -n "${BENCH_BASE_DIR:-}" ]; then
	BENCH_BASE_DIR=$(abspath "$BENCH_BASE_DIR")
	[ -f "$BENCH_BASE_DIR/libvt.so" ] || die "BENCH_BASE_DIR: no $BENCH_BASE_DIR/libvt.so"
	export BENCH_BASE_DIR
fi

# ---- interpreters ----
pyenv_root=$(pyenv root 2>/dev/null || true)
[ -n "$pyenv_root" ] || pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}

if [ -n "${BENCH_PYTHONS:-}" ]; then
	candidates=$BENCH_PYTHONS
elif [ "${BENCH_ALL:-0}" = 1 ]; then
	candidates=""
	for minor in 8 9 10 11 12 13; do
		# every installed patch release of 3.<minor>, oldest first (plain version names)
		# shellcheck disable=SC2012
		for d in $(ls -d "$pyenv_root"/versions/3."$minor".[0-9]* 2>/dev/null | sort -V); do
			candidates="$candidates $d/bin/python3.$minor"
		done
	done
	candidates="$candidates /usr/bin/python3"
else
	candidates="$pyenv_root/versions/3.11.7/bin/python3.11 $pyenv_root/versions/3.12.1/bin/python3.12 $pyenv_root/versions/3.13.0/bin/python3.13 /usr/bin/python3"
fi
# 3.14 and 3.15 from the Debian sid root (scripts/sid-rootfs.sh), when it is made: wrappers
# that run them inside it (their bash and chroot add a few ms to plain and traced runs alike)
if [ -z "${BENCH_PYTHONS:-}" ]; then
	if "$root/scripts/sid-rootfs.sh" wrap "$root/build/sid-bin" >/dev/null 2>&1; then
		candidates="$candidates $root/build/sid-bin/python3.14 $root/build/sid-bin/python3.15"
	else
		echo "bench: no sid root (scripts/sid-rootfs.sh make): 3.14 and 3.15 left out" >&2
	fi
fi

pythons=()
for p in $candidates; do
	case "$p" in
	*/*) path=$p ;;
	*) path=$(command -v "$p" 2>/dev/null || true) ;;
	esac
	if [ -n "$path" ] && [ -x "$path" ]; then
		pythons+=("$path")
	else
		echo "bench: skipping $p (not found)" >&2
	fi
done
[ "${#pythons[@]}" -gt 0 ] || die "no interpreter found"

# ---- temp directory (trace dirs, captured output); always removed ----
mkdir -p "$out_dir"
tmp=$(mktemp -d "$out_dir/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

BENCH_DIR=$bench_dir BENCH_LIB_DIR=$lib_dir BENCH_OUT=$out_dir BENCH_TMP=$tmp \
	BENCH_PYENV_ROOT=$pyenv_root \
	"$helper_py" "$here/bench.py" "${pythons[@]}"
