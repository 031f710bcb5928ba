# apt-install.sh - sourced by install-deps.sh, install-viewer-deps.sh, sid-rootfs.sh and
# python-ft.sh.
#
# apt_install WHO PKG...: installs the packages of PKG that are not installed yet, with
# apt-get, as root or through sudo. A fresh machine's unattended upgrades can hold apt's
# locks for minutes: the install waits for the dpkg lock (apt's DPkg::Lock::Timeout), and
# `apt-get update`, which fails at once on a held lists lock, is tried again until it gets
# it. The package lists are updated only when the install fails on them (a package not
# found, or an old list). What still is not installed at the end is named, and the call
# fails. WHO prefixes every message.
APT_WAIT=${APT_WAIT:-900}	# seconds to wait for a lock held by another apt or dpkg

apt_missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			printf ' %s' "$p"
	done
}

apt_install() {
	local who=$1 sudo="" missing log waited=0 rc p
	shift
	missing=$(apt_missing "$@")
	[ -z "$missing" ] && return 0
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	log=$(mktemp "${TMPDIR:-/tmp}/apt-install.XXXXXX")
	echo "$who: installing:$missing"
	# shellcheck disable=SC2086
	if ! $sudo apt-get -o DPkg::Lock::Timeout="$APT_WAIT" install -y -qq \
		--no-install-recommends $missing >"$log" 2>&1; then
		echo "$who: apt-get install failed; updating the package lists once and trying again"
		while :; do
			$sudo apt-get -o DPkg::Lock::Timeout="$APT_WAIT" update -qq >"$log" 2>&1 && break
			if grep -q "Could not get lock" "$log" && [ $waited -lt "$APT_WAIT" ]; then
				[ $waited = 0 ] && echo "$who: waiting for another apt to release its lock"
				sleep 5
				waited=$((waited + 5))
				continue
			fi
			break
		done
		# shellcheck disable=SC2086
		$sudo apt-get -o DPkg::Lock::Timeout="$APT_WAIT" install -y -qq \
			--no-install-recommends $missing >"$log" 2>&1 ||
			for p in $missing; do	# one by one: install what can be, find what cannot
				$sudo apt-get -o DPkg::Lock::Timeout="$APT_WAIT" install -y -qq \
					--no-install-recommends "$p" >>"$log" 2>&1 || :
			done
	fi
	rc=0
	missing=$(apt_missing "$@")
	if [ -n "$missing" ]; then
		echo "$who: could not install:$missing; apt-get said:"
		grep -E '^(E|W):' "$log" | awk '!seen[$0]++' | head -20 | sed 's/^/  /'
		rc=1
	fi
	rm -f "$log"
	return $rc
}

# apt_mirror: the Debian mirror this machine's apt uses (the first URIs: line of
# /etc/apt/sources.list.d/debian.sources, or deb line of /etc/apt/sources.list), without a
# trailing slash; fails when there is none. The project never writes a host name itself.
apt_mirror() {
	local f u
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
		[ -r "$f" ] || continue
		u=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p; s/^deb[[:space:]]\+\(http[^[:space:]]*\).*/\1/p' "$f" |
			grep -v -e security -e updates | head -n 1)
		[ -n "$u" ] && { echo "${u%/}"; return 0; }
	done
	return 1
}
