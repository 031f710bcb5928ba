#!/bin/bash
# tests/faults/free-threaded.sh - vt refuses a free-threaded CPython (configure
# --disable-gil, Py_GIL_DISABLED: 3.13t), which it does not support yet. On the 3.13t that
# scripts/python-ft.sh builds (once, into a cache), two programs run without vt and under
# vt: fib in threads, printed, exit status 7; and an uncaught exception (a traceback,
# exit status 1). Under vt each prints exactly one line,
#   vt: Python 3.13.N is a free-threaded build, which vt does not support yet; tracing off
# and else the same stderr, stdout and exit status as without vt, and writes no trace:
# neither at VT_OUTPUT nor a default ./vt-trace-* directory. The same with the GIL turned
# back on at run time (PYTHON_GIL=1): it is the build that vt refuses.
#
#   tests/faults/free-threaded.sh [-v]
#   FT_PYTHON=/path/to/python3.13t tests/faults/free-threaded.sh
#
# Skips, with one SKIP line saying why, when python-ft.sh cannot make the interpreter here
# (its exit 3: no mirror, no download, a failed build); the first run builds it (minutes).
# Ends with "N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/../lib.sh" free-threaded
progs=$top/tests/faults/progs
verbose=0
[ "${1:-}" = "-v" ] && verbose=1
need "$lib"
cp "$lib" "$work/libvt.so" && lib=$work/libvt.so
limit=${FAULTS_TIMEOUT:-300}

if [ -n "${FT_PYTHON:-}" ]; then
	py=$FT_PYTHON
else
	py=$("$top/scripts/python-ft.sh" 2>"$work/ft.err")
	rc=$?
	sed 's/^/  /' "$work/ft.err"	# what a first build said (nothing when it is cached)
	if [ $rc = 3 ]; then
		skipped "free-threaded CPython" "scripts/python-ft.sh: $(tail -n 1 "$work/ft.err")"
		finish
		exit
	fi
	[ $rc = 0 ] || { bad "scripts/python-ft.sh: exit $rc" "$(cat "$work/ft.err")"; finish; exit 1; }
fi
if [ "$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("Py_GIL_DISABLED"))' 2>&1)" != 1 ]; then
	bad "$py is a free-threaded build (Py_GIL_DISABLED)" "$("$py" -VV 2>&1)"
	finish
	exit 1
fi
ver=$("$py" -c 'import platform; print(platform.python_version())')
want="vt: Python $ver is a free-threaded build, which vt does not support yet; tracing off"
[ $verbose = 1 ] && echo "  info: $py: $("$py" -VV)"

# run TAG DIR CMD...: CMD in DIR with a time limit; TAG.out, TAG.err, TAG.rc in $work
run() {
	local tag=$1 dir=$2
	shift 2
	( cd "$dir" && timeout -s KILL "$limit" "$@" >"$work/$tag.out" 2>"$work/$tag.err"
	  echo $? >"$work/$tag.rc" ) 2>/dev/null
}
# check NAME DIR: the vt run against the plain one; DIR (where it ran) stays empty and
# $work/trace is not made
check() {
	local name=$1 dir=$2 why="" n
	n=$(grep -c '^vt: ' "$work/vt.err")
	if [ "$(cat "$work/plain.rc")" != "$(cat "$work/vt.rc")" ]; then
		why="exit status: without vt $(cat "$work/plain.rc"), with vt $(cat "$work/vt.rc")"
	elif ! cmp -s "$work/plain.out" "$work/vt.out"; then
		why="stdout: $(diff "$work/plain.out" "$work/vt.out")"
	elif [ "$n" != 1 ]; then
		why="$n vt: lines, not 1"
	elif [ "$(grep '^vt: ' "$work/vt.err")" != "$want" ]; then
		why="the vt: line is not: $want"
	elif ! grep -v '^vt: ' "$work/vt.err" | cmp -s "$work/plain.err" -; then
		why="stderr, but the vt: line: $(grep -v '^vt: ' "$work/vt.err" | diff "$work/plain.err" -)"
	elif [ -e "$work/trace" ] || [ -n "$(ls -A "$dir")" ]; then
		why="a trace was written: $(ls -d "$work/trace" "$dir"/* 2>/dev/null)"
	fi
	if [ -z "$why" ]; then
		ok "$name: one vt: line, the same output and exit status ($(cat "$work/vt.rc")), no trace"
	else
		bad "$name" "$why"$'\n'"vt's stderr:"$'\n'"$(head -n 20 "$work/vt.err")"
	fi
}

for gil in default 1; do
	if [ $gil = 1 ]; then genv=(PYTHON_GIL=1); gtag="PYTHON_GIL=1"
	else genv=(-u PYTHON_GIL); gtag="GIL off"; fi
	for prog in threads-exit raises; do
		mkdir -p "$work/cwd"
		run plain "$work/cwd" env "${genv[@]}" "$py" "$progs/$prog.py"
		if [ $prog = threads-exit ]; then	# the build and the switch do what they say
			g=$([ $gil = 1 ] && echo enabled || echo disabled)
			if ! grep -qx "gil $g" "$work/plain.out" || [ "$(cat "$work/plain.rc")" != 7 ]; then
				bad "$ver $gtag: the program runs with the GIL $g, exit status 7" \
					"exit $(cat "$work/plain.rc"): $(cat "$work/plain.out" "$work/plain.err")"
				continue
			fi
			ok "$ver $gtag: the program runs with the GIL $g (without vt)"
		fi
		for out in VT_OUTPUT default; do
			rm -rf "$work/trace" "$work/cwd"
			mkdir "$work/cwd"
			if [ $out = VT_OUTPUT ]; then
				run vt "$work/cwd" env "${genv[@]}" VT_OUTPUT="$work/trace" LD_PRELOAD="$lib" "$py" "$progs/$prog.py"
			else
				run vt "$work/cwd" env -u VT_OUTPUT "${genv[@]}" LD_PRELOAD="$lib" "$py" "$progs/$prog.py"
			fi
			check "$ver free-threaded, $gtag, $prog.py, $out" "$work/cwd"
		done
	done
done

finish
