#!/bin/bash
# tests/attach/run.sh - vt attach PID / vt detach PID on running CPython processes (the
# sid root's python3.14 and python3.15 through sys.remote_exec, pyenv's 3.12 and 3.13
# through gdb): a threaded TCP service attached twice while a client talks to it, and
# each refusal. Ends with "N passed, N failed, N skipped".
#
#   ATTACH_PYTHONS="..."   interpreters to attach to (default: pyenv 3.12, 3.13, the sid
#                          root's 3.14, 3.15)
#   filter=WORD            only the checks whose name contains WORD
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh" attach
vt=$top/tools/vt
need "$lib" "$conv" "$vt"
export VT_CONVERT=$conv
pythons=
# 3.12 and 3.13 attach through gdb
if command -v gdb >/dev/null; then
	find_pythons "${ATTACH_PYTHONS:-}" "12 13"
else
	find_pythons "${ATTACH_PYTHONS:-}" ""
	skipped "attach through gdb (3.12, 3.13)" "no gdb"
fi
add_sid_pythons "python3.14 python3.15"
pids=
on_exit='for p in $pids; do kill -9 $p 2>/dev/null; done'

# start CMD... in the background with output to $work/t.out, $work/t.err; sets $tp
start() {
	"$@" >"$work/t.out" 2>"$work/t.err" &
	tp=$!
	pids="$pids $tp"
}

# threads and descriptors of process $1, one line (vt's threads and files must be gone):
# not the sockets of the connections, which come and go, nor ctypes' libffi (the attach
# script imports ctypes)
census() {
	sleep 0.5 # the client's connection thread ends
	echo "threads=$(ls /proc/$1/task | wc -l) files: $(ls -l /proc/$1/fd | awk 'NR > 1 { print $NF }' | grep -v -e socket: -e libffi | sort | tr '\n' ' ')"
}

# the names of the calls in the trace JSON $1 (those running at the attach included), one line
names() { /usr/bin/python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
print(" ".join(sorted({e["name"] for e in ev if e.get("ph") == "X"})))' "$1"; }

service() {
	local py=$1 tag=$2 port a b c rc before after
	start "$py" "$here/server.py"
	for _ in $(seq 100); do [ -s "$work/t.out" ] && break; sleep 0.1; done
	port=$(head -n 1 "$work/t.out")
	if [ -z "$port" ]; then
		bad "$tag: the service did not start" "$(cat "$work/t.err")"
		return
	fi
	sleep 0.3
	before=$(census $tp)
	# 1: attached for 2 s by --duration while a client talks to it
	/usr/bin/python3 "$here/client.py" "$port" 5 >"$work/c1" &
	local cl=$!
	sleep 0.3
	"$vt" attach $tp --duration 2s -o "$work/a1-$tag" >"$work/v1" 2>&1
	rc=$?
	wait $cl
	after=$(census $tp)
	read -r a b <"$work/c1"
	[ $rc = 0 ] && [ "${b:-1}" = 0 ] && grep -q "detached from $tp" "$work/v1" &&
		ok "$tag: attached for 2 s under load ($a requests, all answered right), detached" ||
		bad "$tag: first attach" "rc=$rc client=$a/$b $(cat "$work/v1" "$work/t.err")"
	[ "$before" = "$after" ] && ok "$tag: after detach, vt's threads and descriptors are gone ($after)" ||
		bad "$tag: left behind" "before: $before
after:  $after
$(ls -l /proc/$tp/fd)"
	c=$(names "$work/a1-$tag.json")
	local miss=
	for f in answer squares Handler.handle ticker_loop tick BaseServer.serve_forever; do
		[[ " $c " == *" $f "* ]] || miss="$miss $f"
	done
	[ -z "$miss" ] && ok "$tag: the trace names the service's functions, and the loops running at the attach" ||
		bad "$tag: names missing:$miss" "$c"
	# 2: attached again (the library is loaded now), ended by vt detach
	"$vt" attach $tp -o "$work/a2-$tag" >"$work/v2" 2>&1 &
	local at=$!
	for _ in $(seq 200); do grep -q "attached to" "$work/v2" && break; sleep 0.05; done
	/usr/bin/python3 "$here/client.py" "$port" 1.5 >"$work/c2" &
	cl=$!
	sleep 1
	"$vt" detach $tp >"$work/d2" 2>&1
	local drc=$?
	wait $at
	rc=$?
	wait $cl
	read -r a b <"$work/c2"
	c=$(names "$work/a2-$tag.json")
	[ $rc = 0 ] && [ $drc = 0 ] && [ "${b:-1}" = 0 ] && [[ " $c " == *" squares "* ]] &&
		[[ " $c " == *" ticker_loop "* ]] &&
		ok "$tag: attached again, ended by vt detach; answers right ($a), names there" ||
		bad "$tag: second attach" "rc=$rc detach=$drc client=$a/$b $(cat "$work/v2" "$work/d2")
names: $c"
	after=$(census $tp)
	[ "$before" = "$after" ] && ok "$tag: after the second detach, nothing of vt's is left" ||
		bad "$tag: left behind after the second detach" "before: $before
after:  $after"
	# the end: its output and exit status as without vt
	printf 'quit\n' | /usr/bin/python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(b"quit\n"); s.recv(1)' "$port"
	wait $tp
	rc=$?
	[ $rc = 3 ] && [ "$(cat "$work/t.out")" = "$port
bye" ] && [ ! -s "$work/t.err" ] &&
		ok "$tag: the service's output and exit status (3) are unchanged" ||
		bad "$tag: the service's end" "rc=$rc out=$(cat "$work/t.out") err=$(cat "$work/t.err")"
}

# refuse NAME WANT CMD...: vt attach (with $venv in its environment) to the process CMD
# starts fails with one vt: line matching WANT, and the process goes on (unless $alive is 0)
refuse() {
	local name=$1 want=$2 out rc
	shift 2
	want "$name" || return 0
	start "$@"
	sleep 0.7
	out=$(env ${venv:-} "$vt" attach $tp --duration 1s -o "$work/r-$name" 2>&1)
	rc=$?
	if [ $rc != 0 ] && [[ $out == *"vt: "*$want* ]] && [ "$(echo "$out" | wc -l)" = 1 ] &&
		[ ! -e "$work/r-$name" ] && { [ "${alive:-1}" = 0 ] || kill -0 $tp 2>/dev/null; }; then
		ok "refusal, $name: $out"
	else
		bad "refusal, $name" "rc=$rc out=$out"
	fi
	kill $tp 2>/dev/null
	wait $tp 2>/dev/null
}

for py in $pythons; do
	tag=$(py_tag "$py") || { bad "$py does not run"; continue; }
	want "$tag" && service "$py" "$tag"
done

py14=
for py in $pythons; do [[ $(py_tag "$py") == 3.14* ]] && py14=$py; done
cat >"$work/spin.py" <<'EOF2'
import threading, time
def step():
    return sum(range(100))
def work():
    while True:
        step(); time.sleep(0.01)
threading.Thread(target=work, daemon=True).start()
while True:
    time.sleep(0.05)
EOF2
if [ -n "$py14" ]; then
	refuse remote-debug-off "remote debugging turned off" "$py14" -X disable-remote-debug "$work/spin.py"
	refuse remote-debug-env "remote debugging turned off" env PYTHON_DISABLE_REMOTE_DEBUG=1 "$py14" "$work/spin.py"
	refuse preloaded "already runs under vt's preload" env LD_PRELOAD="$lib" VT_START=signal VT_OUTPUT="$work/pre" "$py14" "$work/spin.py"
	# the main thread never runs Python code: the script cannot run, nothing is attached
	cat >"$work/blocked.py" <<'EOF2'
import threading
threading.Event().wait()
EOF2
	VT_ATTACH_TIMEOUT=1 refuse main-blocked "did not run the attach script within 1 s" "$py14" "$work/blocked.py"
	# the main thread waits in C, another thread ends the process before it runs Python
	cat >"$work/exits.py" <<'EOF2'
import os, threading, time
def end():
    time.sleep(3)
    os._exit(0)
threading.Thread(target=end).start()
threading.Event().wait()
EOF2
	alive=0 refuse exits "exited while vt was attaching" "$py14" "$work/exits.py"
	venv=VT_START=signal refuse bad-setting "VT_START" "$py14" "$work/spin.py"
	# Ctrl-C in vt attach's terminal ends the recording (SIGINT, set back to its default:
	# a background job of this script starts with it ignored)
	if want ctrl-c; then
		start "$py14" "$work/spin.py"
		sleep 0.5
		/usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
			"$vt" attach $tp -o "$work/cc" >"$work/vcc" 2>&1 &
		at=$!
		for _ in $(seq 100); do grep -q "attached to" "$work/vcc" && break; sleep 0.05; done
		sleep 0.5
		kill -INT $at
		wait $at
		rc=$?
		c=$(names "$work/cc.json" 2>&1)
		[ $rc = 0 ] && grep -q "detached from $tp" "$work/vcc" && [[ " $c " == *" work "* ]] &&
			kill -0 $tp && ok "ctrl-c: SIGINT to vt attach detaches; the trace is written" ||
			bad "ctrl-c" "rc=$rc $(cat "$work/vcc") names: $c"
		kill $tp; wait $tp 2>/dev/null
	fi
	# the target ends while attached: its trace is complete, its exit status its own
	if want target-exits; then
		cat >"$work/ends.py" <<'EOF2'
import sys, threading, time
def work():
    while True:
        sum(range(100)); time.sleep(0.01)
threading.Thread(target=work, daemon=True).start()
end = time.monotonic() + 2
while time.monotonic() < end:
    time.sleep(0.05)
print("done")
sys.exit(5)
EOF2
		start "$py14" "$work/ends.py"
		sleep 0.5
		out=$("$vt" attach $tp -o "$work/te" 2>&1)
		rc=$?
		wait $tp
		trc=$?
		c=$(names "$work/te.json" 2>&1)
		[ $rc = 0 ] && [ $trc = 5 ] && [ "$(cat "$work/t.out")" = done ] &&
			[[ $out == *"exited while attached"* ]] && [[ " $c " == *" work "* ]] &&
			grep -q "exit 5" "$work/te.json" &&
			ok "target-exits: it ends while attached with its own status (5) and output; the trace is complete" ||
			bad "target-exits" "rc=$rc target=$trc out=$out names: $c"
	fi
	# a program that forks while attached: no "multi-threaded fork" warning (vt's threads
	# end for each fork), the children run as without vt and are not traced
	if want fork; then
		cat >"$work/fork.py" <<'EOF2'
import os, time
def child_work():
    return sum(range(20000))
end = time.time() + 4
n = 0
while time.time() < end:
    pid = os.fork()
    if pid == 0:
        print("child", child_work(), flush=True)
        os._exit(7)
    if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 7:
        print("child status wrong", flush=True)
    n += 1
    time.sleep(0.05)
print("forks", n > 10, flush=True)
EOF2
		start "$py14" "$work/fork.py"
		sleep 0.5
		out=$("$vt" attach $tp --duration 1.5s -o "$work/fk" 2>&1)
		rc=$?
		wait $tp
		trc=$?
		c=$(names "$work/fk.json" 2>&1)
		[ $rc = 0 ] && [ $trc = 0 ] && [ ! -s "$work/t.err" ] && [[ $out == *"detached from"* ]] &&
			[ "$(sort -u "$work/t.out")" = "child 199990000
forks True" ] && [ "$(ls "$work/fk" | grep -c 'proc.vt$')" = 1 ] && [[ " $c " == *" posix.fork "* ]] &&
			ok "fork: forking while attached, no warning on stderr, children as without vt, detached" ||
			bad "fork" "rc=$rc target=$trc out=$out
stderr: $(cat "$work/t.err")
stdout: $(sort -u "$work/t.out")
files: $(ls "$work/fk")"
	fi
	# root attaching to a service's user: the trace is that user's, the service unchanged
	if want other-user && [ "$(id -u)" = 0 ] && [ -n "$(sid_exec "$py14")" ]; then
		chmod 755 "$work"
		start "$(sid_exec "$py14")" setpriv --reuid=nobody --regid=nogroup --clear-groups \
			/usr/bin/python3.14 "$work/spin.py"
		sleep 0.7
		out=$("$vt" attach $tp --duration 1s -o "$work/ou" 2>&1)
		rc=$?
		c=$(names "$work/ou.json" 2>&1)
		[ $rc = 0 ] && [[ " $c " == *" step "* ]] && [ "$(stat -c %U "$work/ou")" = nobody ] &&
			kill -0 $tp && [ ! -s "$work/t.err" ] &&
			ok "other-user: root attaches to nobody's process; the trace is written as nobody" ||
			bad "other-user" "rc=$rc out=$out names: $c err: $(cat "$work/t.err")"
		kill $tp; wait $tp 2>/dev/null
	fi
	# vt_attach called by the program itself, its VT_LOG file out of reach: vt's refusal
	# is dropped, never written to the program's stderr
	if want quiet; then
		cat >"$work/quiet.py" <<EOF2
import ctypes, sys
vt = ctypes.PyDLL("$lib")
vt.vt_attach.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_longlong)
print(vt.vt_attach(b"VT_LOG=/nonexistent/vt.log\\nVT_START=signal\\n", b"$work", 0))
EOF2
		out=$("$py14" "$work/quiet.py" 2>"$work/q.err")
		[ "$out" = -1 ] && [ ! -s "$work/q.err" ] &&
			ok "quiet: a refusal vt cannot log to VT_LOG's file is not written to the program's stderr" ||
			bad "quiet" "out=$out stderr: $(cat "$work/q.err")"
	fi
	# VT_* settings in vt attach's environment apply to the recording
	if want settings; then
		start "$py14" "$work/spin.py"
		sleep 0.5
		VT_IGNORE_C=1 "$vt" attach $tp --duration 1s -o "$work/ic" >"$work/vic" 2>&1
		rc=$?
		c=$(names "$work/ic.json" 2>&1)
		[ $rc = 0 ] && [[ " $c " == *" step "* ]] && [[ " $c " != *" sum "* ]] &&
			[[ " $c " != *"time.sleep"* ]] &&
			ok "settings: VT_IGNORE_C=1 given to vt attach leaves the C calls out" ||
			bad "settings" "rc=$rc $(cat "$work/vic") names: $c"
		kill $tp; wait $tp 2>/dev/null
	fi
else
	skipped "refusals on 3.14" "no python3.14 of the sid root"
fi
refuse not-python "is not a Python process" sleep 30
ft=${PYTHON_FT_DIR:-/var/cache/vt/python3.13t}/bin/python3.13t
if [ -x "$ft" ]; then
	refuse free-threaded "free-threaded" "$ft" "$work/spin.py"
else
	skipped "refusal, free-threaded" "no $ft (scripts/python-ft.sh)"
fi
old=$(ls -d /root/.pyenv/versions/3.12.*/bin/python3.12 2>/dev/null | tail -n 1)
if [ -n "$old" ]; then
	# without gdb on PATH: the commands vt attach uses, and no gdb
	mkdir -p "$work/nogdb"
	for c in awk grep readlink cat tr dirname id stat mktemp chmod chown env date ls rm rmdir ln touch sleep mkdir head bash; do
		ln -sf "$(command -v $c)" "$work/nogdb/$c"
	done
	venv=PATH=$work/nogdb refuse old-no-gdb "attaching needs 3.14+ or gdb" "$old" "$work/spin.py"
else
	skipped "refusal, 3.8-3.13" "no pyenv 3.12"
fi
old=$(ls -d /root/.pyenv/versions/3.11.*/bin/python3.11 2>/dev/null | tail -n 1)
if [ -n "$old" ] && command -v gdb >/dev/null; then
	refuse old-gdb "vt attach through gdb needs Python 3.12+" "$old" "$work/spin.py"
else
	skipped "refusal, 3.11 with gdb" "no pyenv 3.11 or no gdb"
fi
# another user's process: vt attach as a user that may not look into it
if want no-permission && [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$work"
	start setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 "$work/spin.py"
	sleep 0.7
	out=$(setpriv --reuid=daemon --regid=daemon --clear-groups "$vt" attach $tp --duration 1s -o /tmp/vt-attach-np-$$ 2>&1)
	rc=$?
	[ $rc != 0 ] && [[ $out == *"vt: no permission to attach to $tp"* ]] && [ "$(echo "$out" | wc -l)" = 1 ] &&
		ok "refusal, no-permission: $out" || bad "refusal, no-permission" "rc=$rc out=$out"
	kill $tp; wait $tp 2>/dev/null
else
	skipped "refusal, no-permission" "needs root and setpriv"
fi
finish
