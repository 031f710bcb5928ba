#!/bin/bash
# tests/faults/free-threaded.sh - vt traces a free-threaded CPython (configure
# --disable-gil, Py_GIL_DISABLED: 3.13t). On the 3.13t that scripts/python-ft.sh builds
# (once, into a cache), two programs run without vt and under vt: fib in 4 threads and the
# main thread, printed, exit status 7; and an uncaught exception (a traceback, exit status
# 1). Under vt each prints no vt: line and the same stderr, stdout and exit status as
# without vt, and writes a trace (at VT_OUTPUT, or a default ./vt-trace-* directory) that
# converts with "0 lost" and holds every call: fib's (fib(15) to fib(18) in the threads,
# fib(12) in the main thread) and inner's. With the GIL off (the build's default) and
# turned back on at run time (PYTHON_GIL=1).
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
need "$lib" "$conv"
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
# calls of fib(n): 2 fib(n+1) - 1; the threads' and the main thread's
fibs=$(/usr/bin/python3 -c 'f = [0, 1]
while len(f) < 30: f.append(f[-1] + f[-2])
print(sum(2 * f[n + 1] - 1 for n in (15, 16, 17, 18, 12)))')
[ $verbose = 1 ] && echo "  info: $py: $("$py" -VV)"

# run TAG DIR CMD...: CMD in DIR with a time limit; TAG.out, TAG.err, TAG.rc in $work
run() {
	local tag=$1 dir=$2
	shift 2
	( cd "$dir" && timeout -s KILL "$limit" "$@" >"$work/$tag.out" 2>"$work/$tag.err"
	  echo $? >"$work/$tag.rc" ) 2>/dev/null
}
# check NAME DIR PROG: the vt run against the plain one; the trace in $work/trace, or
# the one vt-trace-* directory in DIR
check() {
	local name=$1 dir=$2 prog=$3 why="" trace want got
	trace=$work/trace
	[ -e "$trace" ] || trace=$(ls -d "$dir"/vt-trace-* 2>/dev/null | head -n 1)
	if [ "$(cat "$work/plain.rc")" != "$(cat "$work/vt.rc")" ]; then
		why="exit status: without vt $(cat "$work/plain.rc"), with vt $(cat "$work/vt.rc")"
	elif ! cmp -s "$work/plain.out" "$work/vt.out"; then
		why="stdout: $(diff "$work/plain.out" "$work/vt.out")"
	elif ! cmp -s "$work/plain.err" "$work/vt.err"; then
		why="stderr: $(diff "$work/plain.err" "$work/vt.err")"
	elif [ -z "$trace" ] || [ ! -d "$trace" ]; then
		why="no trace written"
	elif ! "$conv" "$trace" -s --top 0 >"$work/sum" 2>"$work/conv.err" ||
		! grep -q ", 0 lost" "$work/conv.err"; then
		why="vt-convert: $(head -n 3 "$work/conv.err")"
	else
		case $prog in
		threads-exit) want="fib $fibs" ;;
		raises) want="inner 1" ;;
		esac
		set -- $want
		got=$(awk -v n="$1" '$1 ~ /^[0-9]+$/ && $6 == n { s += $1 } END { print s + 0 }' "$work/sum")
		[ "$got" = "$2" ] || why="$got calls of $1 in the trace, the program made $2"
	fi
	if [ -z "$why" ]; then
		ok "$name: traced ($want calls), the same output and exit status ($(cat "$work/vt.rc"))"
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
			check "$ver free-threaded, $gtag, $prog.py, $out" "$work/cwd" $prog
		done
	done
done

finish
