# vt-attach.sh - `vt attach PID` and `vt detach PID`, sourced by tools/vt (which defines
# die, find_lib and find_convert).
#
# vt attach has a running CPython 3.14+ run a small script at its next safe point
# (sys.remote_exec, PEP 768), with an interpreter of the target's own version: the one
# /proc/PID/exe names, run inside the target's root when it has another (chroot); on
# 3.12 and 3.13, gdb queues the script as a pending call (attach_gdb). The
# script loads libvt.so with ctypes and calls vt_attach (preload/py/attach.c). Both sides
# talk through a session directory under /tmp:
#   attach.py settings lib duration   written here, read by the target
#   started                           the target: 0 when recording (vt_attach wrote
#                                     it), else why not
#   log                               the target: vt's messages (VT_LOG)
#   stop                              here or vt detach: end the recording
#   detached                          the target: everything written, vt gone
#   cancel                            here: the target did not run the script in time
# /tmp/vt-attach-pid-PID points to it while the recording runs, for vt detach.

# a time (10s, 500ms, 2m, 1h; a bare number is seconds) in ms, or fail
attach_ms() {
	awk -v t="$1" 'BEGIN {
		if (!match(t, /^[0-9]+(\.[0-9]+)?/)) exit 1
		n = substr(t, 1, RLENGTH); u = substr(t, RLENGTH + 1)
		if (u == "" || u == "s") m = 1000; else if (u == "ms") m = 1
		else if (u == "m") m = 60000; else if (u == "h") m = 3600000; else exit 1
		if (n * m < 1) exit 1
		printf "%d\n", n * m }'
}

# the process is there and not a zombie
attach_alive() {
	local st
	read -r st 2>/dev/null <"/proc/$1/stat" || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ] && [ "${st%% *}" != X ]
}

attach_gone() {
	echo "vt: process $1 exited while vt was attaching; nothing was recorded" >&2
	exit 1
}

# sets a_exe, a_root, a_ver (3.14), a_run (the command that runs the target's Python)
attach_probe() {
	local pid=$1 exe root maps base lp v m flags
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
	maps=$(cat "/proc/$pid/maps" 2>/dev/null)
	if [ -z "$exe" ] || [ -z "$maps" ]; then
		attach_alive "$pid" || attach_gone "$pid"
		die "no permission to attach to $pid (it runs as another user, or ptrace is restricted): run vt attach as its user, or as root"
	fi
	root=$(readlink "/proc/$pid/root" 2>/dev/null)
	[ "$root" = / ] && root=
	if grep -q '/libvt[^/]*\.so' <<<"$maps" &&
		tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -q '^LD_PRELOAD=.*libvt'; then
		die "$pid already runs under vt's preload: start it with VT_START=signal and send the signal (kill -USR2 $pid) instead"
	fi
	base=${exe##*/}
	lp=$(grep -o '/[^ ]*/libpython3\.[0-9]*[a-z]*\.so[.0-9]*' <<<"$maps" | head -n 1)
	if [[ $base =~ ^python3\.([0-9]+)([a-z]*)$ ]]; then
		m=${BASH_REMATCH[1]} flags=${BASH_REMATCH[2]}
		a_run=$exe
	elif [[ ${lp##*/} =~ ^libpython3\.([0-9]+)([a-z]*)\.so ]]; then
		m=${BASH_REMATCH[1]} flags=${BASH_REMATCH[2]}
		a_run=$(dirname "$(dirname "$lp")")/bin/python3.$m$flags
		[ -x "$a_run" ] || a_run=${root}/usr/bin/python3.$m$flags
		[ -x "$a_run" ] || die "$pid embeds Python 3.$m ($exe), and no python3.$m$flags is there to attach with"
	else
		die "$pid is not a Python process ($exe)"
	fi
	v=3.$m
	[[ $flags == *t* ]] && die "$pid runs a free-threaded Python ($v$flags), which vt attach does not support yet (started under LD_PRELOAD, 3.13t is traced)"
	a_how=remote
	if [ "$m" -lt 14 ]; then
		command -v gdb >/dev/null 2>&1 || die "$pid runs Python $v: attaching needs 3.14+ or gdb"
		[ "$m" -ge 12 ] || die "$pid runs Python $v: vt attach through gdb needs Python 3.12+ (sys.monitoring)"
		a_how=gdb
	fi
	a_exe=$exe a_root=$root a_ver=$v$flags
}

# 3.12 and 3.13: gdb stops the process for a moment and queues the same script as a
# pending call (Py_AddPendingCall: the main thread runs it at its next safe point, with the
# GIL), with PyRun_SimpleString, whose signature a pending call has
attach_gdb() {
	local pid=$1 sess=$2 out=$3 r
	r=$(gdb -p "$pid" -batch -nx -q -ex "call (int)Py_AddPendingCall((void *)PyRun_SimpleString, (void *)\"exec(open('$sess/attach.py').read(), {})\")" 2>&1 </dev/null)
	case "$r" in
	*'$1 = 0'*) return 0 ;;
	esac
	rm -rf "$sess"
	rmdir "$out" 2>/dev/null
	attach_alive "$pid" || attach_gone "$pid"
	case "$r" in
	*"Operation not permitted"*|*"ptrace"*)
		die "no permission to attach to $pid (ptrace: kernel.yama.ptrace_scope, or another user): run vt attach as its user with ptrace_scope 0, or as root" ;;
	esac
	die "cannot attach to $pid through gdb: $(grep -v -e '^\[' -e '^$' <<<"$r" | tail -n 1)"
}

cmd_attach() {
	local pid="" dur="${VT_DURATION:-}" out="" convert=1 lib sess ms wait_s i r
	while [ $# -gt 0 ]; do
		case "$1" in
		-o) [ $# -ge 2 ] || die "-o needs a directory"; out=$2; shift 2 ;;
		-o*) out=${1#-o}; shift ;;
		--duration) [ $# -ge 2 ] || die "--duration needs a time such as 10s"; dur=$2; shift 2 ;;
		--duration=*) dur=${1#--duration=}; shift ;;
		--no-convert) convert=0; shift ;;
		-h|--help) usage; exit 0 ;;
		-*) die "unknown option '$1' (see vt --help)" ;;
		*) [ -z "$pid" ] || die "attach takes one process id"; pid=$1; shift ;;
		esac
	done
	[[ $pid =~ ^[1-9][0-9]*$ ]] || die "attach needs a process id (see vt --help)"
	[ -d "/proc/$pid" ] || die "no process $pid"
	ms=0
	if [ -n "$dur" ]; then
		ms=$(attach_ms "$dur") || die "bad --duration '$dur' (expected a time such as 10s, 500ms or 2m)"
	fi
	wait_s=${VT_ATTACH_TIMEOUT:-10}
	[[ $wait_s =~ ^[1-9][0-9]*$ ]] || die "bad VT_ATTACH_TIMEOUT='$wait_s' (expected seconds)"
	lib=$(find_lib) || die "cannot find libvt.so next to $here"
	attach_probe "$pid"
	local -a run=("$a_exe")
	if [ -n "$a_root" ] && [ "$a_how" = remote ]; then
		[ "$(id -u)" = 0 ] || die "$pid runs in another root ($a_root): attaching needs root (chroot)"
		run=(chroot "$a_root" "${a_exe#"$a_root"}")
		[ -f "$a_root$lib" ] || die "libvt.so ($lib) is not visible in $pid's root ($a_root)"
	fi
	[ -n "$out" ] || out="vt-trace-$(date -u +%Y%m%d-%H%M%S)-$pid"
	case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
	if [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then
		die "'$out' exists and is not empty; choose another -o"
	fi
	[ -z "$a_root" ] || [ -d "$a_root$(dirname "$out")" ] ||
		die "'$(dirname "$out")' is not visible in $pid's root ($a_root); choose another -o"
	[ ! -L "/tmp/vt-attach-pid-$pid" ] || [ ! -e "/tmp/vt-attach-pid-$pid/started" ] ||
		die "vt is already attached to $pid (vt detach $pid ends it)"
	sess=$(mktemp -d /tmp/vt-attach.XXXXXX) || die "cannot make a session directory in /tmp"
	[ -z "$a_root" ] || [ -d "$a_root$sess" ] || { rm -rf "$sess"; die "/tmp is not shared with $pid's root ($a_root)"; }
	mkdir -p "$out" || { rm -rf "$sess"; die "cannot make '$out'"; }
	chmod 755 "$sess"
	if [ "$(id -u)" = 0 ]; then
		local owner
		owner=$(stat -c %u:%g "/proc/$pid" 2>/dev/null) || { rm -rf "$sess"; rmdir "$out" 2>/dev/null; attach_gone "$pid"; }
		chown "$owner" "$sess" "$out" 2>/dev/null
	fi
	{
		env | grep '^VT_' | grep -v -e '^VT_DURATION=' -e '^VT_ATTACH_TIMEOUT=' -e '^VT_OUTPUT=' -e '^VT_LOG='
		echo "VT_OUTPUT=$out"
		echo "VT_LOG=$sess/log"
	} >"$sess/settings"
	printf '%s' "$lib" >"$sess/lib"
	echo "$ms" >"$sess/duration"
	cat >"$sess/attach.py" <<EOF
# vt attach: run by process $pid (sys.remote_exec); see tools/vt-attach.sh
def _vt_attach(d="$sess"):
    import os
    if os.path.exists(d + "/cancel"):
        return
    try:
        import ctypes
        with open(d + "/lib") as f:
            lib = f.read()
        with open(d + "/settings", "rb") as f:
            settings = f.read()
        with open(d + "/duration") as f:
            ms = int(f.read())
        vt = ctypes.PyDLL(lib)
        vt.vt_attach.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_longlong)
        vt.vt_attach.restype = ctypes.c_int
        if vt.vt_attach(settings, d.encode(), ms) == 0:
            return
        r = "-1"
    except BaseException as e:
        r = "error: %s: %s" % (type(e).__name__, e)
    try:
        with open(d + "/started.tmp", "w") as f:
            f.write(r + "\n")
        os.rename(d + "/started.tmp", d + "/started")
    except OSError:
        pass  # nothing may reach the program's stderr; vt attach times out
_vt_attach()
del _vt_attach
EOF
	chmod 644 "$sess"/*
	if [ "$a_how" = gdb ]; then
		attach_gdb "$pid" "$sess" "$out"
	elif ! "${run[@]}" -c 'import sys; sys.remote_exec(int(sys.argv[1]), sys.argv[2])' \
		"$pid" "$sess/attach.py" 2>"$sess/err"; then
		r=$(grep -v '^ ' "$sess/err" | grep -v '^Traceback' | tail -n 1)
		rm -rf "$sess"
		rmdir "$out" 2>/dev/null
		attach_alive "$pid" || attach_gone "$pid"
		case "$r" in
		*PermissionError*|*"Operation not permitted"*|*"Permission denied"*)
			die "no permission to attach to $pid (ptrace: kernel.yama.ptrace_scope, or another user): run vt attach as its user with ptrace_scope 0, or as root" ;;
		*"Remote debugging is not enabled"*)
			die "$pid has remote debugging turned off (-X disable-remote-debug or PYTHON_DISABLE_REMOTE_DEBUG=1): restart it without, or under vt record" ;;
		*"Can't send commands"*|*"version"*)
			die "cannot attach to $pid: $r" ;;
		*) die "cannot attach to $pid: ${r:-sys.remote_exec failed}" ;;
		esac
	fi
	# the target runs the script at its main thread's next safe point
	for ((i = 0; i < wait_s * 20; i++)); do
		[ -f "$sess/started" ] && break
		attach_alive "$pid" || { rm -rf "$sess"; rmdir "$out" 2>/dev/null; attach_gone "$pid"; }
		sleep 0.05
	done
	if [ ! -f "$sess/started" ]; then
		touch "$sess/cancel"
		sleep 0.2
		if [ ! -f "$sess/started" ]; then
			rmdir "$out" 2>/dev/null
			die "$pid did not run the attach script within $wait_s s: its main thread runs no Python code now (blocked in a C call?); nothing was attached"
		fi
	fi
	r=$(cat "$sess/started")
	if [ "$r" != 0 ]; then
		[ -s "$sess/log" ] && cat "$sess/log" >&2
		[ "$r" = -1 ] || echo "vt: the attach script failed in $pid: $r" >&2
		rm -rf "$sess"
		rmdir "$out" 2>/dev/null
		exit 1
	fi
	ln -sfn "$sess" "/tmp/vt-attach-pid-$pid"
	echo "vt: attached to $pid (Python $a_ver); recording into $out until ${dur:+$dur, }Ctrl-C or vt detach $pid" >&2
	trap 'touch "$sess/stop"' INT TERM HUP
	local gone=0
	while [ ! -f "$sess/detached" ]; do
		if ! attach_alive "$pid"; then
			gone=1
			break
		fi
		sleep 0.1
	done
	trap - INT TERM HUP
	[ -s "$sess/log" ] && cat "$sess/log" >&2
	[ "$(readlink "/tmp/vt-attach-pid-$pid")" = "$sess" ] && rm -f "/tmp/vt-attach-pid-$pid"
	rm -rf "$sess"
	if [ $gone = 1 ]; then
		echo "vt: process $pid exited while attached" >&2
	else
		echo "vt: detached from $pid" >&2
	fi
	if [ $convert = 1 ]; then
		local conv
		conv=$(find_convert) || die "cannot find vt-convert next to $here"
		"$conv" "$out" -o "$out.json" || true
		echo "vt: trace: $out.json (recorded in $out)" >&2
	else
		echo "vt: trace directory: $out" >&2
	fi
	exit 0
}

cmd_detach() {
	local pid=${1:-} sess i
	[ $# -eq 1 ] && [[ $pid =~ ^[1-9][0-9]*$ ]] || die "detach needs one process id"
	sess=$(readlink "/tmp/vt-attach-pid-$pid" 2>/dev/null)
	[ -n "$sess" ] && [ -f "$sess/started" ] || die "vt is not attached to $pid"
	touch "$sess/stop"
	for ((i = 0; i < 600; i++)); do
		[ -f "$sess/detached" ] || ! attach_alive "$pid" || [ ! -d "$sess" ] && break
		sleep 0.05
	done
	if [ -f "$sess/detached" ] || [ ! -d "$sess" ]; then
		echo "vt: detached from $pid" >&2
		exit 0
	fi
	attach_alive "$pid" || { echo "vt: process $pid has exited" >&2; exit 0; }
	die "$pid has not detached within 30 s (a thread holds the GIL?); it will when it can"
}
