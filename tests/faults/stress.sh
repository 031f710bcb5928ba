#!/bin/bash
# tests/faults/stress.sh - vt under load (tests/faults/progs/stress.py) on every CPython
# of the machine:
#
#   threads64   64 threads x 10000 calls: each thread's count exact, in its own track
#   short       10000 short-lived threads (100 at a time), 10 calls each: 10000 tracks of 10
#   deep        recursion 50000 deep: 50001 calls of rec
#   fork        8 threads each fork 4 children: 32 processes with 100 calls each
#   spawn       50 subprocesses at once: 50 processes with 100 calls each
#   signal      a SIGALRM handler running Python mid-call every 0.5 ms: 600 calls of s
#   long        VT_STRESS_SECONDS (default 10; `make soak` runs 600) of steady calls, on the
#               first and the last Python only: the trace grows on disk between samples
#               taken every quarter of the run, and the program's RSS stays flat after its
#               first quarter (within 4 MiB, which it prints and the plain run prints too)
#
# Each case must: finish within 120 s (no deadlock), print what it prints without vt (its
# own counts, and "fds ok": the descriptors of the process did not grow), convert with
# exit 0 and "0 lost", and have exactly the calls the program made. The converter runs
# also as a sanitizer build (VT_CONVERT_SAN, default build/asan/vt-convert when it exists:
# make O=build/asan SAN=address,undefined build/asan/vt-convert) on every result of the
# first Python and the smaller results of the others, and under valgrind (the fork case
# of the first Python; VT_VALGRIND=0 to skip).
#
# VT_PRELOAD_EXTRA: libraries preloaded before vt's (`make preload-san`: the ASan and
# UBSan runtimes, with VT_LIB=build/asan/libvt.so); any sanitizer report fails the case.
# Under ASan the fork case's threads start and end together (STRESS_FORK_QUIET=1):
# GCC 12's ASan allocator is not fork-safe, whoever calls malloc in the child.
#
#   tests/faults/stress.sh [-v] [NAME-FILTER]
#
# Ends with "N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/../lib.sh" stress
san=${VT_CONVERT_SAN:-$O/asan/vt-convert}
prog=$top/tests/faults/progs/stress.py
verbose=0
[ "${1:-}" = "-v" ] && { verbose=1; shift; }
filter=${1:-}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
long_secs=${VT_STRESS_SECONDS:-10}
export VT_STRESS_SECONDS=$long_secs
limit=$((2 * long_secs + 120))

all_pythons "${VT_PYTHONS:-}"
need "$lib" "$conv"
cp "$lib" "$work/libvt.so" && lib=$work/libvt.so
preload=$lib
if [ -n "${VT_PRELOAD_EXTRA:-}" ]; then
	preload="$VT_PRELOAD_EXTRA $lib"
	echo "preloading $preload"
fi
cp "$conv" "$work/vt-convert" && conv=$work/vt-convert
if [ -x "$san" ]; then cp "$san" "$work/vt-convert-san" && san=$work/vt-convert-san
else skipped "the sanitizer converter" "no $san"; san=""; fi
valgrind=""
if [ "${VT_VALGRIND:-1}" = 1 ]; then
	valgrind=$(command -v valgrind) || skipped valgrind "not installed: apt-get install valgrind"
fi

# check NAME SUMMARY FUNC PER-TRACK COUNT TRACKS: the summary (--per-thread or
# --per-process) has TRACKS rows for FUNC, each with COUNT calls
check_counts() {
	local name=$1 sum=$2 func=$3 n=$4 tracks=$5 rows
	rows=$(awk -v f="$func" '$0 ~ "\\] " f " \\(" { print $1 }' "$sum" | sort | uniq -c | awk '{print $2 "x" $1}')
	if [ "$rows" = "${n}x$tracks" ]; then
		ok "$name: $tracks tracks with exactly $n calls of $func"
	else
		bad "$name: $tracks tracks with exactly $n calls of $func" "got (calls x tracks): $(echo $rows)"
	fi
}

first=1
for py in "${pythons[@]}"; do
	ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	tag=$ver
	[ "$py" = /usr/bin/python3 ] && tag="$ver (Debian)"
	for c in threads64 short deep fork spawn signal long; do
		name="$tag $c"
		want "$name" || continue
		[ $c = long ] && [ $first = 0 ] && [ "$py" != "${pythons[-1]}" ] && continue
		timeout -s KILL $limit "$py" "$prog" $c >"$work/plain.out" 2>/dev/null
		prc=$?
		rm -rf "$work/trace"
		start=$SECONDS
		# ASan's quarantine keeps freed memory for a while: off in the case that measures RSS
		asan=detect_leaks=0
		[ $c = long ] || [ $c = short ] && asan=$asan:quarantine_size_mb=0
		# ASan's allocator is not fork-safe (see the fork case in stress.py)
		quiet=0
		case $preload in *libasan*) quiet=1 ;; esac
		VT_OUTPUT=$work/trace LD_PRELOAD=$preload ASAN_OPTIONS=$asan STRESS_FORK_QUIET=$quiet \
			UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 timeout -s KILL $limit "$py" "$prog" $c \
			>"$work/vt.out" 2>"$work/vt.err" &
		vpid=$!
		if [ $c = long ]; then
			# the trace's size at each quarter of the run: it must keep growing
			sizes=""
			for q in 1 2 3; do
				sleep "$(awk -v s="$long_secs" 'BEGIN { print s / 4 }')"
				sizes="$sizes $(du -sb "$work/trace" 2>/dev/null | cut -f1)"
			done
		fi
		wait $vpid
		vrc=$?
		secs=$((SECONDS - start))
		if [ $vrc = 137 ]; then bad "$name: no deadlock" "killed after $limit s"; continue; fi
		if grep -qE 'Sanitizer|runtime error' "$work/vt.err"; then
			bad "$name: no sanitizer report in the traced program" "$(head -30 "$work/vt.err")"
			continue
		fi
		if [ $vrc != $prc ] || ! d=$(diff "$work/plain.out" "$work/vt.out"); then
			bad "$name: exit status and output as without vt" "exit $prc / $vrc"$'\n'"${d:-}"$'\n'"$(cat "$work/vt.err")"
			continue
		fi
		grep -q '^fds ok' "$work/vt.out" || { bad "$name: descriptors do not grow" "$(cat "$work/vt.out")"; continue; }
		ok "$name: same output and exit status as without vt, fds do not grow (${secs} s)"
		if [ $c = long ]; then
			grep -q '^rss flat' "$work/vt.out" && ok "$name: RSS flat after the first quarter of ${long_secs} s" ||
				bad "$name: RSS flat" "$(cat "$work/vt.out")"
			# shellcheck disable=SC2086
			set -- $sizes
			if [ $# = 3 ] && [ "$1" -gt 0 ] && [ "$2" -gt "$1" ] && [ "$3" -gt "$2" ]; then
				ok "$name: the trace grows on disk during the run (bytes:$sizes)"
			else bad "$name: the trace grows on disk during the run" "bytes at each quarter:$sizes"; fi
		fi
		per=--per-thread
		case $c in deep | fork | spawn | long) per=--per-process ;; esac
		timeout -s KILL $limit "$conv" "$work/trace" --summary $per --top 0 >"$work/sum" 2>"$work/conv.err"
		crc=$?
		if [ $crc != 0 ] || ! grep -q " 0 lost" "$work/conv.err"; then
			bad "$name: converts cleanly, nothing lost" "exit $crc: $(cat "$work/conv.err")"
			continue
		fi
		case $c in
		threads64) check_counts "$name" "$work/sum" f 10000 64 ;;
		short) check_counts "$name" "$work/sum" g 10 10000 ;;
		deep) check_counts "$name" "$work/sum" rec 50001 1 ;;
		fork) check_counts "$name" "$work/sum" h 100 32 ;;
		spawn) check_counts "$name" "$work/sum" k 100 50 ;;
		signal) check_counts "$name" "$work/sum" s 600 1 ;;
		long) ok "$name: converts cleanly, nothing lost ($(grep -o '[0-9]* events' "$work/conv.err"))" ;;
		esac
		# the sanitizer converter: every case of the first Python, the small ones of all
		if [ -n "$san" ] && { [ $first = 1 ] || [ $c != threads64 ] && [ $c != short ] && [ $c != long ]; }; then
			timeout -s KILL 300 "$san" "$work/trace" -o "$work/san.json" >/dev/null 2>"$work/san.err"
			src=$?
			if [ $src != 0 ] || grep -qE 'Sanitizer|runtime error' "$work/san.err"; then
				bad "$name: the sanitizer converter" "exit $src: $(head -30 "$work/san.err")"
			else ok "$name: the ASan+UBSan converter finds nothing"; fi
			rm -f "$work/san.json"
		fi
		if [ -n "$valgrind" ] && [ $first = 1 ] && [ $c = fork ]; then
			timeout -s KILL 300 "$valgrind" -q --error-exitcode=99 --leak-check=full \
				--errors-for-leak-kinds=definite,indirect "$conv" "$work/trace" -o "$work/vg.json" \
				>/dev/null 2>"$work/vg.err"
			grc=$?
			[ $grc = 0 ] && ok "$name: valgrind finds no error or leak in vt-convert" ||
				bad "$name: valgrind on vt-convert" "exit $grc: $(head -30 "$work/vg.err")"
		fi
	done
	first=0
done

finish
