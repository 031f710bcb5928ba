#!/bin/sh
# install-deps.sh - install what vt needs to build, test and demo on Debian.
# Installs only the packages that are missing, so a second run costs a few dpkg queries.
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suites need)
set -eu

pkgs="build-essential pkg-config libmsgpack-dev liblz4-dev zlib1g-dev libffi-dev libcriterion-dev python3-dev"
if [ "${1:-}" = "--test" ]; then
	# python3-pygments, python3-pytest, python3-coverage: real programs for tests/real;
	# valgrind: the converter in stress.sh
	pkgs="$pkgs python3 bash coreutils binutils python3-pygments python3-pytest python3-coverage valgrind"
fi

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
