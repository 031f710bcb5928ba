#!/bin/bash
# install-deps.sh - install what vt needs to build, test and demo on Debian.
# Installs only the packages that are missing, so a second run costs a few dpkg queries.
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suites need)
set -eu
. "$(dirname "$0")/apt-install.sh"

pkgs="build-essential pkg-config libmsgpack-dev liblz4-dev zlib1g-dev libffi-dev libcriterion-dev python3-dev"
if [ "${1:-}" = "--test" ]; then
	# python3-pygments, python3-pytest, python3-coverage: real programs for tests/real;
	# valgrind: the converter in stress.sh
	pkgs="$pkgs python3 bash coreutils binutils python3-pygments python3-pytest python3-coverage valgrind"
fi
# shellcheck disable=SC2086
apt_install install-deps $pkgs
