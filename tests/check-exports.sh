#!/bin/sh
# check-exports.sh LIB - libvt.so must export only the functions it interposes, and must
# carry its own lz4 (static, hidden) and no msgpack-c at all.
#
#   tests/check-exports.sh build/libvt.so
#
# Prints PASS/FAIL per check and ends with "N passed, N failed"; exit status 1 on a
# failure, 2 on bad usage.

# The exports allowed: the interposed functions and vt attach's entries, as in
# preload/exports.map. Extend here.
ALLOWED="Py_Initialize Py_InitializeEx Py_InitializeFromConfig Py_BytesMain Py_Main
Py_RunMain _exit _Exit execve execv execvp execvpe fexecve fork posix_spawn posix_spawnp dlopen vt_attach vt_detach"

if [ $# -ne 1 ]; then
	echo "usage: $0 LIB" >&2
	exit 2
fi
LIB=$1
if [ ! -f "$LIB" ]; then
	echo "$0: $LIB: no such file" >&2
	exit 2
fi

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL: $1"; }

# name per line, without a version suffix (name@VER, name@@VER)
if ! syms=$(nm -D --defined-only "$LIB" 2>&1); then
	ko "nm -D --defined-only $LIB: $syms"
	syms=
fi
names=$(printf '%s\n' "$syms" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' | sort -u)

extra=
for n in $names; do
	found=0
	for a in $ALLOWED; do
		if [ "$n" = "$a" ]; then
			found=1
			break
		fi
	done
	[ $found = 1 ] || extra="$extra $n"
done
if [ -z "$extra" ]; then
	ok "only the allowed symbols are exported ($(printf '%s\n' "$names" | grep -c .))"
else
	ko "exported but not allowed:$extra"
fi

missing=
for a in $ALLOWED; do
	printf '%s\n' "$names" | grep -qx -- "$a" || missing="$missing $a"
done
if [ -z "$missing" ]; then
	ok "every interposed function is exported"
else
	ko "not exported:$missing"
fi

leak=$(printf '%s\n' "$names" | grep -E '^(LZ4|msgpack_)' | tr '\n' ' ')
if [ -z "$leak" ]; then
	ok "no LZ4_* or msgpack_* symbol exported"
else
	ko "library symbols exported: $leak"
fi

# an undefined LZ4_* would bind to whatever lz4 the process loaded (the python wheel's)
imports=$(nm -D --undefined-only "$LIB" 2>/dev/null |
	awk '{ sub(/@.*/, "", $NF); print $NF }' | grep -E '^(LZ4|msgpack_)' | tr '\n' ' ')
if [ -z "$imports" ]; then
	ok "no LZ4_* or msgpack_* symbol imported"
else
	ko "library symbols imported (not linked in): $imports"
fi

if ! deps=$(ldd "$LIB" 2>&1); then
	ko "ldd $LIB: $deps"
else
	bad=$(printf '%s\n' "$deps" | grep -E 'liblz4|libmsgpack' | awk '{ print $1 }' |
		tr '\n' ' ')
	if [ -z "$bad" ]; then
		ok "no liblz4 or libmsgpackc dependency"
	else
		ko "depends on: $bad"
	fi
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
