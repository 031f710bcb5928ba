#!/bin/bash
# install-viewer-deps.sh - what the viewer's browser tests need: Debian's chromium (apt,
# only when missing) and playwright-core and speedscope (its built app, to import vt's
# speedscope files in) from npm (exact versions from
# tests/viewer/package-lock.json; never downloads a browser of its own).
# Usage: scripts/install-viewer-deps.sh
set -eu
. "$(dirname "$0")/apt-install.sh"
here=$(cd "$(dirname "$0")/.." && pwd)

pkgs="chromium fonts-dejavu-core"
command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm"
# shellcheck disable=SC2086
apt_install install-viewer-deps $pkgs

cd "$here/tests/viewer"
if [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/speedscope/package.json ]; then
	echo "install-viewer-deps: npm ci (playwright-core, speedscope)"
	# PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: the browser is Debian's /usr/bin/chromium
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi
