# Shared by 120-122: build embed.c against the interpreter under test's libpython
# (a shared library, linked with an rpath), run it with and without vt, compare. An
# interpreter of the sid root (scripts/sid-rootfs.sh wrap) has sid-exec beside it: the
# program is built and run inside the root, with the root's gcc.

# embed_case VARIANT: init, initex or isolated (see embed.c)
embed_case() {
	local variant=$1 info inc libdir ldlib ver lib config cflags in
	in=$(sid_exec "$PY")
	$in sh -c 'command -v gcc' >/dev/null || skip "no gcc to build the embedding program"
	info=$("$PY" -c 'import sysconfig as s; print("\n".join(str(s.get_config_var(k)) for k in ("INCLUDEPY", "LIBDIR", "LDLIBRARY", "VERSION")))')
	{ read -r inc; read -r libdir; read -r ldlib; read -r ver; } <<< "$info"
	lib=$libdir/$ldlib
	case $ldlib in
	*.so) ;;
	*) skip "$PY has no shared libpython (LDLIBRARY is $ldlib)" ;;
	esac
	$in test -e "$lib" || skip "$lib is not installed (libpython$ver-dev?)"
	$in test -e "$inc/Python.h" || skip "$inc/Python.h is not installed (python$ver-dev?)"
	# python3.X-config --embed next to the interpreter gives the compile flags
	# (Debian's /usr/bin/python3.11-config, pyenv's bin/python3.X-config)
	config=$(dirname "$PY")/python$ver-config
	if $in test -x "$config" && cflags=$($in "$config" --embed --cflags 2>/dev/null); then
		:
	else
		cflags="-I$inc"
	fi
	# shellcheck disable=SC2086
	if ! $in gcc -o "$T/embed" "$CASEDIR/embed.c" $cflags -w "$lib" -Wl,-rpath,"$libdir" -lm -ldl \
		> "$T/gcc.log" 2>&1; then
		fail "cannot build embed.c against $lib:"
		head -20 "$T/gcc.log"
		return
	fi
	$in ldd "$T/embed" | grep -q "libpython$ver" || fail "embed is not linked with a shared libpython$ver"
	run plain $in "$T/embed" "$variant"
	traced traced $in "$T/embed" "$variant"
	expect_rc plain 0
	grep -q '^embedded result 42$' "$T/plain.out" || fail "embed did not print its result"
	same_output plain traced stderr
	convert traced || return
	check_process_name traced "embed $variant"
	check_tree traced "$CASEDIR/embed.expect" --files '<string>' --c-of-kept
}
