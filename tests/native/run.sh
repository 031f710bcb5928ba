#!/bin/bash
# tests/native/run.sh - native calls (VT_NATIVE) on every CPython of the machine: a
# program that writes and reads a file, compresses with zlib and calls a C extension built
# here (tests/native/vtdemo.c, traced by a user signature) runs with and without vt: the
# same output (errno included: the extension's function and close(-1) fail on purpose),
# and in the trace each native call sits in the Python function that made it, with its
# arguments and result (tests/native/check.py); the patched GOT entries are put back when
# vt finishes (tests/native/gotwatch.c). Ends with "N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh" native
find_pythons "${VT_PYTHONS:-}" "8 9 10 11 12 13" /usr/bin/python3
add_sid_pythons
# (in $work, whose path has no space: LD_PRELOAD splits on them)
gotwatch=$work/gotwatch.so
if ! cc -O0 -fPIC -shared -o "$gotwatch" "$here/gotwatch.c" -ldl 2>"$work/cc.err"; then
	bad "build tests/native/gotwatch.c" "$(cat "$work/cc.err")"
	finish
	exit 1
fi
native="open64 read write close:libc; deflate:libz; vtdemo_work(int a, ptr buf, size n)->int:_vtdemo"

for py in $pythons; do
	v=$(py_tag "$py") || continue
	in=$(sid_exec "$py")
	inc=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
	suffix=$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
	d=$work/$(tr -c 'A-Za-z0-9.\n-' _ <<<"$v")
	mkdir -p "$d"
	# -O0 -fPIC: the call to vtdemo_work goes through the module's PLT
	if ! $in test -e "$inc/Python.h" || ! $in cc -O0 -fPIC -shared -I"$inc" -o "$d/_vtdemo$suffix" \
		"$here/vtdemo.c" 2>"$d/cc.err"; then
		echo "SKIP $v: cannot build the C extension (Python.h in '$inc'?): $(head -3 "$d/cc.err")"
		skip=$((skip + 1))
		continue
	fi
	(cd "$d" && PYTHONPATH=$d "$py" "$here/prog.py" "$d/plain.txt" >"$d/plain.out" 2>&1)
	prc=$?
	(cd "$d" && PYTHONPATH=$d VT_OUTPUT="$d/trace" VT_NATIVE="$native" VT_NATIVE_ARGS=1 \
		LD_PRELOAD="$lib" "$py" "$here/prog.py" "$d/vt.txt" >"$d/vt.out" 2>&1)
	vrc=$?
	if [ $prc = 0 ] && [ $vrc = 0 ] && cmp -s "$d/plain.out" "$d/vt.out"; then
		ok "$v: the same output and errno values with native calls traced ($(grep -o 'demo.*' "$d/vt.out"))"
	else
		bad "$v: the same output" "exit $prc/$vrc"$'\n'"$(diff "$d/plain.out" "$d/vt.out")"
		continue
	fi
	if ! "$conv" -q "$d/trace" -o "$d/t.json" 2>"$d/conv.err"; then
		bad "$v: converts" "$(cat "$d/conv.err")"
		continue
	fi
	wfd=$(sed -n 's/^write fd \([0-9]*\) .*/\1/p' "$d/vt.out")
	rfd=$(sed -n 's/^read fd \([0-9]*\) .*/\1/p' "$d/vt.out")
	if out=$(/usr/bin/python3 "$here/check.py" "$d/t.json" "$wfd" "$rfd"); then
		ok "$v: $(grep -c '^ok' <<<"$out") checks of native calls in their Python frames, with arguments and results"
	else
		bad "$v: native calls in their Python frames" "$out"
	fi
	# without VT_NATIVE_ARGS: the calls, no arguments
	rm -rf "$d/trace2"
	(cd "$d" && PYTHONPATH=$d VT_OUTPUT="$d/trace2" VT_NATIVE="$native" LD_PRELOAD="$lib" \
		"$py" "$here/prog.py" "$d/vt2.txt" >/dev/null 2>&1)
	"$conv" -q "$d/trace2" -o "$d/t2.json" 2>/dev/null
	n=$(/usr/bin/python3 -c 'import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e["ph"] == "X" and e["cat"] == "native"]
print(len(ev), sum(1 for e in ev if "func_args" in e.get("args", {})))' "$d/t2.json")
	if [ "${n% *}" -ge 9 ] && [ "${n#* }" = 0 ]; then
		ok "$v: without VT_NATIVE_ARGS the calls are there (${n% *}) without arguments"
	else
		bad "$v: without VT_NATIVE_ARGS" "native events, with arguments: $n"
	fi
	# vt's patched GOT entries are put back when it finishes: an object whose destructor
	# runs after libvt.so's (tests/native/gotwatch.c, preloaded after it) finds libc's write
	out=$(VT_OUTPUT="$d/trace3" VT_NATIVE="write:libc" LD_PRELOAD="$lib $gotwatch" "$py" -c \
		"import ctypes; print('patched while tracing:', ctypes.CDLL('$gotwatch').gotwatch_patched())" 2>&1)
	want=$'patched while tracing: 1\ngotwatch: write is libc\'s again at exit'
	if [ "$out" = "$want" ]; then
		ok "$v: write's GOT entry is patched while tracing and libc's again after vt finishes"
	else
		bad "$v: GOT entries put back at exit" "$out"
	fi
done
finish
