#!/bin/bash
# python-ft.sh - a free-threaded CPython 3.13 (configure --disable-gil: the 3.13t build,
# Py_GIL_DISABLED), built once from Debian's python3.13 source tarball and kept in a
# cache; vt refuses such builds, and the tests check that it does on a real one.
#
#   scripts/python-ft.sh          build it (once; later calls reuse it) and print the
#                                 interpreter's path (DIR/bin/python3.13t)
#
# The source is the python3.13 .orig.tar.xz of the mirror this machine's apt uses (the
# first URIs: line of /etc/apt/sources.list.d/debian.sources, or of
# /etc/apt/sources.list: no host name is written here), in the version its sid Sources
# index names, checked against the index's SHA-256. The build dependencies come through
# apt-install.sh. It builds with nice and `make -j2` (a few minutes). PYTHON_FT_DIR
# chooses the directory (default /var/cache/vt/python3.13t). Exits 3, saying why, when the
# interpreter cannot be made here (no mirror, no download, a dependency or the build
# failing): callers skip then. Concurrent calls wait for each other's build.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
root=${PYTHON_FT_DIR:-/var/cache/vt/python3.13t}
suite=sid
deps="build-essential pkg-config curl xz-utils libssl-dev zlib1g-dev libffi-dev libbz2-dev liblzma-dev libsqlite3-dev libreadline-dev"
python=$root/bin/python3.13t
stamp=$root/.vt-made

say() { echo "python-ft: $*" >&2; }
cannot() { say "$*"; exit 3; }
. "$top/scripts/apt-install.sh"


# source_entry M OUT: the python3.13 entry of M's $suite Sources index: "DIR FILE SHA256"
# of its .orig.tar.xz
source_entry() {
	curl -fsS -m 300 -o "$2" "$1/dists/$suite/main/source/Sources.xz" || return 1
	xz -dc "$2" | awk '
		/^Package: / { p = ($2 == "python3.13") }
		p && /^Directory: / { dir = $2 }
		p && /^Checksums-Sha256:/ { sha = 1; next }
		p && sha && /^ / { if ($3 ~ /\.orig\.tar\.xz$/) { file = $3; sum = $1 } next }
		{ sha = 0 }
		p && /^$/ { exit }
		END { if (dir != "" && file != "") print dir, file, sum; else exit 1 }'
}

build() {
	local m entry dir file sum tmp src t0
	[ -e "$stamp" ] && [ -x "$python" ] && return 0
	m=$(apt_mirror) || cannot "no Debian mirror in this machine's apt sources"
	# shellcheck disable=SC2086
	apt_install python-ft $deps >&2 || cannot "the build dependencies could not be installed"
	tmp=$root.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp" || cannot "cannot make $tmp"
	entry=$(source_entry "$m" "$tmp/Sources.xz") ||
		cannot "no python3.13 source in $m/dists/$suite/main/source/Sources.xz"
	read -r dir file sum <<<"$entry"
	say "downloading $m/$dir/$file"
	curl -fsS -m 600 -o "$tmp/$file" "$m/$dir/$file" || cannot "cannot download $m/$dir/$file"
	echo "$sum  $tmp/$file" | sha256sum -c --quiet >/dev/null 2>&1 ||
		cannot "$file: its SHA-256 is not the one the Sources index gives"
	mkdir "$tmp/src"
	tar -xJf "$tmp/$file" -C "$tmp/src" --strip-components=1 || cannot "cannot unpack $file"
	src=$tmp/src
	t0=$SECONDS
	say "building ${file%.orig.tar.xz} with --disable-gil into $root (nice, make -j2; log: $tmp/build.log)"
	if ! (cd "$src" &&
		nice ./configure --disable-gil --prefix="$root" --without-ensurepip &&
		nice make -j2 &&
		nice make altinstall DESTDIR="$tmp/inst") >"$tmp/build.log" 2>&1; then
		tail -n 5 "$tmp/build.log" >&2
		cannot "the build failed (log: $tmp/build.log)"
	fi
	# the installed tree only; the source, its objects and the tarball go
	rm -rf "$root"
	mv "$tmp/inst$root" "$root" || cannot "cannot move the installed tree to $root"
	[ -x "$python" ] || cannot "the build made no $python"
	"$python" -c 'import sys, sysconfig; sys.exit(not sysconfig.get_config_var("Py_GIL_DISABLED"))' ||
		cannot "$python is not a free-threaded build"
	echo "${file%.orig.tar.xz} built in $((SECONDS - t0)) s, $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$stamp"
	say "built in $((SECONDS - t0)) s"
	rm -rf "$tmp"
}

case ${1:-} in
"") ;;
*) sed -n '2,/^set -eu/s/^# \{0,1\}//p' "$0"; exit 2 ;;
esac
mkdir -p "$(dirname "$root")" 2>/dev/null || :
{ exec 9>>"${root%/}.lock"; } 2>/dev/null || cannot "cannot write ${root%/}.lock (PYTHON_FT_DIR chooses the directory)"
flock 9
build
echo "$python"
