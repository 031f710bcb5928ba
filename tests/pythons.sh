# tests/pythons.sh - sourced by the suites that run on every CPython.
#
# find_pythons OVERRIDE MINORS [EXTRA...]: sets $pythons to OVERRIDE when it is set;
# otherwise to the newest pyenv 3.MINOR for each of MINORS, then EXTRA. A missing minor
# is reported as a SKIP line and counted in $skip.
find_pythons() {
	local override=$1 minors=$2 root m p
	shift 2
	pythons=$override
	pythons_chosen=${override:+1}
	[ -n "$pythons" ] && return
	root=$(pyenv root 2>/dev/null || echo /root/.pyenv)
	for m in $minors; do
		p=$(ls -d "$root"/versions/3.$m.*/bin/python3.$m 2>/dev/null | tail -n 1)
		if [ -n "$p" ]; then pythons="$pythons $p"; else echo "SKIP python3.$m: not installed"; skip=$((skip + 1)); fi
	done
	[ $# -gt 0 ] && pythons="$pythons $*"
	return 0
}

# add_sid_pythons [NAMES]: unless find_pythons took an OVERRIDE, appends to $pythons the
# interpreters of the Debian sid root (scripts/sid-rootfs.sh: python3.13, 3.14, 3.14-dbg
# and 3.15, or NAMES such as "python3.15-dbg"), as wrappers in $O/sid-bin that run them
# inside it. When the root is not there (make test makes it; it needs root and the
# mirror), says so in one SKIP line and counts it in $skip.
add_sid_pythons() {
	local names=${1:-python3.13 python3.14 python3.14-dbg python3.15} why n
	[ -n "${pythons_chosen:-}" ] && return 0
	if ! why=$("$top/scripts/sid-rootfs.sh" wrap "${O:-$top/build}/sid-bin" 2>&1 >/dev/null); then
		echo "SKIP the sid interpreters ($names): ${why#sid-rootfs: }"
		skip=$((skip + 1))
		return 0
	fi
	for n in $names; do
		if [ -x "${O:-$top/build}/sid-bin/$n" ]; then
			pythons="$pythons ${O:-$top/build}/sid-bin/$n"
		else
			echo "SKIP $n: not in the sid root"
			skip=$((skip + 1))
		fi
	done
}

# all_pythons OVERRIDE: sets the array pythons to OVERRIDE's words when it is set;
# otherwise to every pyenv 3.8-3.13 install (each patch release, not only the newest)
# and /usr/bin/python3. For the fault and stress suites.
all_pythons() {
	local root v p
	if [ -n "$1" ]; then
		read -r -a pythons <<<"$1"
		return
	fi
	pythons=()
	root=$(pyenv root 2>/dev/null || echo /root/.pyenv)
	for v in 3.8 3.9 3.10 3.11 3.12 3.13; do
		for p in "$root"/versions/$v.*/bin/python$v; do [ -x "$p" ] && pythons+=("$p"); done
	done
	[ -x /usr/bin/python3 ] && pythons+=(/usr/bin/python3)
	return 0
}

# sid_exec PY: for an interpreter of the sid root (a wrapper of scripts/sid-rootfs.sh
# wrap), the command that runs any program inside the root where PY runs (its sid-exec);
# nothing for any other interpreter. A build that must see PY's headers and libraries
# runs through it: $(sid_exec "$PY") gcc ...
sid_exec() {
	[ -x "$(dirname "$1")/sid-exec" ] && echo "$(dirname "$1")/sid-exec"
	return 0
}

# py_tag PY: how a check names the interpreter: "3.14", "3.14-dbg" for a debug build
# (sys.abiflags has d), with " (sid)" for the sid root's and " (Debian)" for
# /usr/bin/python3; the version alone is for comparing, this is for reading
py_tag() {
	local t
	t=$("$1" -c 'import sys; print("%d.%d%s" % (sys.version_info[:2] + ("-dbg" if "d" in getattr(sys, "abiflags", "") else "",)))') || return 1
	if [ -n "$(sid_exec "$1")" ]; then
		t="$t (sid)"
	elif [ "$1" = /usr/bin/python3 ]; then
		t="$t (Debian)"
	fi
	echo "$t"
}
