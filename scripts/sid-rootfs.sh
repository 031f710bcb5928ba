#!/bin/bash
# sid-rootfs.sh - a Debian sid root file system with the CPython releases this Debian 12
# machine lacks (3.13.x, 3.14, 3.15 and their debug builds), made once with debootstrap and
# kept in a cache; and a way to run a program inside it.
#
#   scripts/sid-rootfs.sh make          make the root file system (once; later calls reuse it)
#   scripts/sid-rootfs.sh path          print its directory (make it first)
#   scripts/sid-rootfs.sh run CMD...    run CMD inside it, as root, with the checkout and
#                                       /tmp bind-mounted at the same paths, in the current
#                                       directory, with the caller's environment
#   scripts/sid-rootfs.sh pythons       print the interpreters it holds, one per line
#   scripts/sid-rootfs.sh wrap DIR      write DIR/python3.14 etc.: one executable per
#                                       interpreter that runs it inside the root as run
#                                       does (the binds are made now); prints their paths;
#                                       and DIR/sid-exec, which runs any command inside
#
# The mirror is the one this machine's apt uses (the first URIs: line of
# /etc/apt/sources.list.d/debian.sources, or of /etc/apt/sources.list): no host name is
# written here. Needs root (debootstrap, chroot, mount). SID_ROOTFS chooses the
# directory (default /var/cache/vt/sid-rootfs). Exits 3, saying why, when the root file
# system cannot be made here (no root, no mirror, no debootstrap): callers skip then.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
root=${SID_ROOTFS:-/var/cache/vt/sid-rootfs}
# the interpreters, their headers and libpython (the embedding tests compile with the root's
# gcc), their test packages (tests/faults/cpython-tests.sh), and the real programs of
# tests/real/run.sh (pure Python in /usr/lib/python3/dist-packages, which every python3.X
# imports; coverage's C tracer is built for 3.14 and 3.15, the others use its Python one)
pkgs="python3.13 python3.14 python3.15 python3.13-dbg python3.14-dbg python3.15-dbg libpython3.13-dev
libpython3.14-dev libpython3.15-dev libpython3.13-testsuite libpython3.14-testsuite
libpython3.15-testsuite gcc libc6-dev python3-pygments python3-pytest python3-coverage"
interpreters="python3.13 python3.14 python3.15 python3.13-dbg python3.14-dbg python3.15-dbg"
stamp=$root/.vt-made

say() { echo "sid-rootfs: $*" >&2; }
cannot() { say "$*"; exit 3; }
. "$top/scripts/apt-install.sh"


# a root made before a package joined the list gets it now
add_missing() {
	local p missing=""
	for p in $pkgs; do
		chroot "$root" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || cannot "needs root (apt-get in the root)"
	say "adding$missing"
	chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"' \
		- $missing >"$root.log" 2>&1 || { tail -n 5 "$root.log" >&2; cannot "apt-get install$missing failed"; }
	chroot "$root" apt-get clean
	rm -f "$root.log"
}

make_root() {
	local m tmp
	[ -e "$stamp" ] && { add_missing; return 0; }
	[ "$(id -u)" = 0 ] || cannot "needs root (debootstrap and chroot)"
	m=$(apt_mirror) || cannot "no Debian mirror in this machine's apt sources"
	if ! command -v debootstrap >/dev/null 2>&1; then
		apt_install sid-rootfs debootstrap || cannot "debootstrap could not be installed"
	fi
	tmp=$root.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	say "making $root from $m (about 700 MB, a few minutes)"
	if ! debootstrap --variant=minbase --include="$(echo $pkgs | tr ' ' ,)" sid "$tmp" "$m" >"$tmp.log" 2>&1; then
		tail -n 5 "$tmp.log" >&2
		cannot "debootstrap failed (log: $tmp.log)"
	fi
	echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99vt"
	chroot "$tmp" apt-get clean
	date -u +%Y-%m-%dT%H:%M:%SZ >"$tmp/.vt-made"
	rm -rf "$root" "$tmp.log"
	mv "$tmp" "$root"
}

# bind DIR: DIR of this machine at the same path in the root (once)
bind() {
	mkdir -p "$root$1"
	# a bind of a directory since removed and made again shows the old one: make it again
	if mountpoint -q "$root$1" && [ "$(stat -c %d:%i "$1")" != "$(stat -c %d:%i "$root$1")" ]; then
		umount -l "$root$1"
	fi
	mountpoint -q "$root$1" || mount --bind "$1" "$root$1"
}

# /tmp shared, so that a file system a test mounts under /tmp later (a full tmpfs, a
# read-only one) shows in the root's /tmp too: the host's /tmp becomes a mount of itself
shared_tmp() {
	findmnt -n -o PROPAGATION /tmp 2>/dev/null | grep -q shared && return 0
	mountpoint -q /tmp || mount --bind /tmp /tmp
	mount --make-shared /tmp
	# a bind made before is not a peer: make it again
	mountpoint -q "$root/tmp" && umount -l "$root/tmp"
	return 0
}

# the directories a traced run needs, at the same paths in the root
binds() {
	local d
	shared_tmp
	for d in /proc /dev /tmp "$top"; do bind "$d"; done
	[ -d "$top/../shared" ] && bind "$(cd "$top/../shared" && pwd)"
	return 0
}

case ${1:-} in
make) make_root ;;
path) [ -e "$stamp" ] || cannot "not made yet: scripts/sid-rootfs.sh make"; echo "$root" ;;
pythons)
	[ -e "$stamp" ] || cannot "not made yet: scripts/sid-rootfs.sh make"
	for p in $interpreters; do
		[ -x "$root/usr/bin/$p" ] && echo "/usr/bin/$p"
	done ;;
wrap)
	[ -e "$stamp" ] || cannot "not made yet: scripts/sid-rootfs.sh make"
	[ -n "${2:-}" ] || cannot "wrap wants a directory"
	[ "$(id -u)" = 0 ] || cannot "needs root (chroot)"
	binds
	mkdir -p "$2"
	# as run does, without this script's start-up (the bench counts the wrapper's cpu time)
	for p in $interpreters; do
		[ -x "$root/usr/bin/$p" ] || continue
		printf '#!/bin/sh\n# %s of the sid root (scripts/sid-rootfs.sh wrap: it binds the directories)\n' \
			"$p" >"$2/$p"
		printf 'exec chroot %q /bin/sh -c '\''cd "$1" 2>/dev/null || cd /; shift; exec "$@"'\'' - "$PWD" /usr/bin/%s "$@"\n' \
			"$root" "$p" >>"$2/$p"
		chmod +x "$2/$p"
		echo "$2/$p"
	done
	# and DIR/sid-exec CMD...: any command inside the root (gcc for the embedding tests)
	printf '#!/bin/sh\n# a command inside the sid root (scripts/sid-rootfs.sh wrap)\n' >"$2/sid-exec"
	printf 'exec chroot %q /bin/sh -c '\''cd "$1" 2>/dev/null || cd /; shift; exec "$@"'\'' - "$PWD" "$@"\n' \
		"$root" >>"$2/sid-exec"
	chmod +x "$2/sid-exec" ;;
run)
	shift
	[ -e "$stamp" ] || cannot "not made yet: scripts/sid-rootfs.sh make"
	[ "$(id -u)" = 0 ] || cannot "needs root (chroot)"
	binds
	exec chroot "$root" /bin/sh -c 'cd "$1" 2>/dev/null || cd /; shift; exec "$@"' - "$PWD" "$@" ;;
*) sed -n '2,/^set -eu/s/^# \{0,1\}//p' "$0"; exit 2 ;;
esac
