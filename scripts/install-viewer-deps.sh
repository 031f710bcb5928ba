#!/bin/sh
# install-viewer-deps.sh - what the viewer's browser tests need: Debian's chromium (apt,
# only when missing) and playwright-core from npm (exact versions from
# tests/viewer/package-lock.json; never downloads a browser of its own).
# Usage: scripts/install-viewer-deps.sh
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
missing=""
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
for p in chromium fonts-dejavu-core; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "install-viewer-deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

cd "$here/tests/viewer"
if [ ! -f node_modules/playwright-core/package.json ]; then
	echo "install-viewer-deps: npm ci (playwright-core)"
	# PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: the browser is Debian's /usr/bin/chromium
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi
