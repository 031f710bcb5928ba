#!/bin/bash
# tests/fuzz/replay.sh - replay the saved fuzz corpus (tests/fuzz/corpus/TARGET/*) through
# each target's standalone driver ($O/fuzz/replay-TARGET, built with the ordinary
# compiler and ASan+UBSan by `make fuzz-replay`), so `make test` re-checks every input
# that ever found a bug without clang or libFuzzer. One input is one test: a crash, a
# sanitizer report or a failed property is a failure, named with its file, and the
# replay carries on with the next input.
#
#   tests/fuzz/replay.sh [-v] [TARGET...]        (default: reader decoder roundtrip)
#
# Ends with "N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/../lib.sh" replay
verbose=0
[ "${1:-}" = "-v" ] && { verbose=1; shift; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(reader decoder roundtrip)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for t in "${targets[@]}"; do
	bin=$O/fuzz/replay-$t
	dir=$top/tests/fuzz/corpus/$t
	if [ ! -x "$bin" ]; then
		echo "FAIL $t: no $bin (make fuzz-replay)"
		fail=$((fail + 1))
		continue
	fi
	mapfile -t files < <(find "$dir" -maxdepth 1 -type f ! -name '.*' | LC_ALL=C sort)
	if [ ${#files[@]} = 0 ]; then
		echo "FAIL $t: empty corpus $dir"
		fail=$((fail + 1))
		continue
	fi
	tpass=0 tfail=0 i=0
	while [ $i -lt ${#files[@]} ]; do
		# (a subshell, so that bash's own "Aborted" line for a dead driver stays out)
		( "$bin" -v "${files[@]:i}" >"$work/out" 2>"$work/err"; echo $? >"$work/rc" ) 2>/dev/null
		rc=$(<"$work/rc")
		ran=$(grep -c '^OK ' "$work/out")
		tpass=$((tpass + ran))
		i=$((i + ran))
		[ $verbose = 1 ] && sed -n 's/^OK /PASS /p' "$work/out"
		if [ $rc = 0 ] && ! grep -qE 'Sanitizer|runtime error' "$work/err"; then
			break
		fi
		runs=$(grep -c '^RUN ' "$work/out")
		tfail=$((tfail + 1))
		if [ "$runs" -gt "$ran" ]; then
			# the input that was running when it died; go on after it
			last=$(sed -n 's/^RUN //p' "$work/out" | tail -1)
			echo "FAIL $t: $last (exit $rc)"
			i=$((i + 1))
		else
			# every input returned: a report at exit (a leak, say) that names none
			echo "FAIL $t: exit $rc after the inputs (a report at exit)"
			i=${#files[@]}
		fi
		grep -E 'check failed|ERROR|runtime error|SUMMARY|#[0-3] ' "$work/err" | head -12 | sed 's/^/  /'
	done
	echo "$( [ $tfail = 0 ] && echo PASS || echo FAIL ) $t: $tpass of ${#files[@]} inputs replayed cleanly"
	pass=$((pass + tpass))
	fail=$((fail + tfail))
done

finish
