#!/bin/bash
# tests/control/run.sh - production controls on real programs: a recording window set by
# signal on a live HTTP service under load, timed windows, the flight recorder, the size
# cap and process selection. Ends with "N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh" control
py=${CONTROL_PYTHON:-python3}
srv=
on_exit='[ -n "$srv" ] && kill $srv 2>/dev/null'
xnames() { /usr/bin/python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
print(" ".join(sorted({e["name"] for e in ev if e["ph"] == "X" and e["name"].startswith(sys.argv[2])})))' "$@"; }

# 1. a live service: record a 2 s window by signal, under load
LD_PRELOAD="$lib" VT_START=signal VT_OUTPUT="$work/srv" "$py" "$here/server.py" > "$work/port" 2>"$work/srv.err" &
srv=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -1 "$work/port")
b=$(/usr/bin/python3 "$here/client.py" "$port" before 0.5 20)
kill -USR2 $srv
d=$(/usr/bin/python3 "$here/client.py" "$port" during 2 1000)
kill -USR2 $srv
a=$(/usr/bin/python3 "$here/client.py" "$port" after 0.5 20)
kill -TERM $srv; wait $srv; rc=$?; srv=
set -- $b $d $a
[ "$2" = 0 ] && [ "$5" = 0 ] && [ "$8" = 0 ] && [ $rc = 143 ] &&
	ok "service: every answer right (${b% *} / ${d% *} / ${a% *} requests/errors), SIGTERM status kept" ||
	bad "service answers" "before=$b during=$d after=$a rc=$rc $(cat "$work/srv.err")"
"$conv" -q "$work/srv" -o "$work/srv.json"
same=$(xnames "$work/srv.json" handle_)
[ "$same" = "handle_during" ] && ok "service: the trace holds only the window's requests" ||
	bad "service window" "functions: $same"
# the window holds every request the client made between the two signals (however few a
# loaded machine let it make), and lasts at least from the first one the client saw
# answered to the last one it sent; the "after" requests above show it stopped
r=$(/usr/bin/python3 -c '
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e["ph"] == "X"]
print(sum(1 for e in ev if e["name"] == "handle_during"),
      "%.3f" % ((max(e["ts"] + e["dur"] for e in ev) - min(e["ts"] for e in ev)) / 1e6))' "$work/srv.json")
set -- $d $r
[ "$4" = "$1" ] && [ "$1" -gt 0 ] && /usr/bin/python3 -c "import sys; sys.exit(not $5 >= $3)" &&
	ok "service: all $1 requests made in the window recorded; the window lasts $5 s (the client's load: $3 s)" ||
	bad "service requests recorded" "recorded $4 of $1 requests; window $5 s, the client's load $3 s"

# 2. VT_DELAY and VT_DURATION. Times in the trace count from the process start (vt's
# start-up: otherData.origin_mono_ns); the programs write down when they called tick(), by
# the same clock (CLOCK_MONOTONIC), so a check can place each call against the window.
# The window is where recording was on: from the first event (frames open then are drawn
# from there) to the last end (frames open at the stop end there).
cat > "$work/tick.py" <<'PY'
import sys, time
def tick(i):
    return i
t0 = time.monotonic()
at = []
while time.monotonic() - t0 < 1.0:
    at.append(time.monotonic_ns())
    tick(1)
    time.sleep(0.001)
with open(sys.argv[1], "w") as f:
    f.write(" ".join(map(str, at)))
PY
# placed JSON TIMES: "R S RECORDED INSIDE BEFORE AFTER": the window's start and end (ms), the
# tick() calls recorded, and the program's calls made inside the window, before it, after it
placed() { /usr/bin/python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
o = t["otherData"]["origin_mono_ns"]
xs = [e for e in t["traceEvents"] if e["ph"] == "X"]
at = [(int(x) - o) / 1e6 for x in open(sys.argv[2]).read().split()]
if not xs:
    print("-1 -1 0 0 %d 0" % len(at))
    sys.exit()
r = min(e["ts"] for e in xs) / 1000
s = max(e["ts"] + e["dur"] for e in xs) / 1000
print("%.1f %.1f %d %d %d %d" % (r, s, sum(1 for e in xs if e["name"] == "tick"),
      sum(1 for a in at if r <= a <= s), sum(1 for a in at if a < r), sum(1 for a in at if a > s)))' "$@"; }
# RECORDED is INSIDE, give or take the call at each edge (its time is taken just before it)
edges_ok() { [ $(($1 - $2)) -ge -2 ] && [ $(($1 - $2)) -le 2 ]; }
LD_PRELOAD="$lib" VT_DELAY=300ms VT_DURATION=200ms VT_OUTPUT="$work/tw" "$py" "$work/tick.py" "$work/tw.at"
"$conv" -q "$work/tw" -o "$work/tw.json"
w=$(placed "$work/tw.json" "$work/tw.at")
set -- $w
# never early: the window starts at 300 ms or later (later when the program's own code
# starts later: a loaded machine) and lasts 200 ms or more; it records every call made in
# it, and the program went on calling after it stopped
/usr/bin/python3 -c "import sys; sys.exit(not ($1 >= 300 and $2 - $1 >= 200))" && [ "$3" -gt 0 ] && edges_ok $3 $4 && [ "$6" -gt 0 ] &&
	ok "VT_DELAY=300ms VT_DURATION=200ms: the window from $1 ms to $2 ms, its $3 calls recorded, $6 calls after it not" ||
	bad "timed window" "window $1-$2 ms; tick() calls: $3 recorded, $4 made in the window, $5 before, $6 after"

# 2b. the timers reach a CPU-bound loop (no sleep, no I/O: the main thread never gives the
# GIL up by itself), on every CPython and hook: the eval hook (VT_IGNORE_C=1 on 3.8-3.11),
# the profile hook and sys.monitoring
cat > "$work/busy.py" <<'PY'
import sys, time
def tick(i):
    return sum(range(100))
t0 = time.monotonic()
at = []
while time.monotonic() - t0 < float(sys.argv[2]):
    at.append(time.monotonic_ns())
    tick(1)
with open(sys.argv[1], "w") as f:
    f.write(" ".join(map(str, at)))
PY
# first TIMES: when the program made its first call (ms from the process start, as in JSON)
first() { /usr/bin/python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))["otherData"]["origin_mono_ns"]
print("%.0f" % ((int(open(sys.argv[2]).read().split()[0]) - o) / 1e6))' "$@"; }
find_pythons "${CONTROL_PYTHONS:-}" "8 9 10 11 12 13" /usr/bin/python3
add_sid_pythons
k=0
for p in $pythons; do
	v=$(py_tag "$p") k=$((k + 1))
	for ic in 0 1; do
		# one directory per interpreter: pyenv's and sid's python3.13 share a name, and a
		# trace directory that already holds a process is merged with it
		d=$work/busy-$k-$ic
		rm -rf "$d-delay" "$d-dur"
		# the delay must fall due while the loop runs: when the program reaches it later
		# (a slow start-up: a debug build, a loaded machine), again with a longer delay
		D=200
		for _ in 1 2 3; do
			rm -rf "$d-delay"
			LD_PRELOAD="$lib" VT_IGNORE_C=$ic VT_DELAY=${D}ms VT_OUTPUT="$d-delay" "$p" "$work/busy.py" "$d-delay.at" $((D + 600))e-3
			"$conv" -q "$d-delay" -o "$d-delay.json" 2>/dev/null
			f=$(first "$d-delay.json" "$d-delay.at") || break
			[ "$f" -lt $D ] && break
			D=$((2 * f + 200))
		done
		LD_PRELOAD="$lib" VT_IGNORE_C=$ic VT_DURATION=300ms VT_OUTPUT="$d-dur" "$p" "$work/busy.py" "$d-dur.at" 0.8
		"$conv" -q "$d-dur" -o "$d-dur.json" 2>/dev/null
		a=$(placed "$d-delay.json" "$d-delay.at") b=$(placed "$d-dur.json" "$d-dur.at")
		set -- $a $b
		# the delay: the loop ran when it fell due ($f ms < $D ms); recording started in the
		# loop, never early, and took every call from there on. The duration (from where
		# recording starts, vt's start-up: the first event comes a moment later): recording
		# stopped in the loop, 300 ms or more after it started, and the calls after it are
		# not recorded
		[ "$f" -lt $D ] && /usr/bin/python3 -c "import sys; sys.exit(not $1 >= $D)" && [ "$3" -gt 0 ] && [ "$5" -gt 0 ] &&
			edges_ok $3 $4 && [ "$6" = 0 ] &&
			/usr/bin/python3 -c "import sys; sys.exit(not ${8} - ${7} >= 250)" && [ "$9" -gt 0 ] && edges_ok ${9} ${10} && [ "${12}" -gt 0 ] &&
			ok "$v VT_IGNORE_C=$ic busy loop: VT_DELAY=${D}ms starts at $1 ms in the loop (running since $f ms), VT_DURATION=300ms stops $(/usr/bin/python3 -c "print('%.0f' % (${8} - ${7}))") ms after the first event, ${12} calls before the loop ended" ||
			bad "$v VT_IGNORE_C=$ic busy loop timers" "VT_DELAY=${D}ms, the loop from $f ms: window $1-$2 ms, tick() calls $3 recorded, $4 made in it, $5 before, $6 after
VT_DURATION=300ms: window $7-$8 ms, tick() calls $9 recorded, ${10} made in it, ${11} before, ${12} after"
	done
done

# 2c. frames running when recording starts (VT_START=signal, VT_DELAY) are named, drawn
# from the start (args.cut), and end where they really end: in the main thread, in a
# worker between calls, and in a thread blocked in Event.wait until recording is on
cat > "$work/open.py" <<'PY'
import os, signal, sys, threading, time
t0 = time.monotonic()
def leaf():
    return 1
def work_item():
    leaf()
    time.sleep(0.002)
def worker_loop(stop):
    while not stop.is_set():
        work_item()
def waiter(ev):
    ev.wait()
def busy(s):
    t0 = time.time()
    while time.time() - t0 < s:
        leaf()
def after():
    return leaf()
def main():
    stop, ev = threading.Event(), threading.Event()
    ts = [threading.Thread(target=worker_loop, args=(stop,), name="worker"),
          threading.Thread(target=waiter, args=(ev,), name="waiter")]
    for t in ts:
        t.start()
    at = [time.monotonic_ns()]
    if os.environ.get("VT_START") == "signal":
        time.sleep(0.1)
        os.kill(os.getpid(), signal.SIGUSR2)
    else:
        # VT_DELAY (argv[2] s from the start of the process, before this code's) starts in here
        time.sleep(max(0, float(sys.argv[2]) + 0.3 - (time.monotonic() - t0)))
    busy(0.2)
    at.append(time.monotonic_ns())
    ev.set()
    stop.set()
    for t in ts:
        t.join()
    at.append(time.monotonic_ns())
    after()
    with open(sys.argv[1], "w") as f:
        f.write(" ".join(map(str, at)))
main()
PY
# openq JSON TIMES: what the check needs, in words; TIMES holds when the program went to
# wait for the start, set the waiter's event, and had joined the threads
openq() { /usr/bin/python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
ev = t["traceEvents"]
wait_at, set_at, joined_at = [(int(x) - t["otherData"]["origin_mono_ns"]) / 1000 for x in open(sys.argv[2]).read().split()]
tname = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
xs = [e for e in ev if e["ph"] == "X" and e.get("cat") == "py"]
cut = [e for e in xs if e.get("args", {}).get("cut")]
def names(th):
    return ",".join(sorted(e["name"].split(".")[-1] for e in cut if tname.get((e["pid"], e["tid"])) == th))
def ends(th, name):
    return [e["ts"] + e["dur"] for e in cut if tname.get((e["pid"], e["tid"])) == th and e["name"] == name]
res = ["unnamed=%d" % sum(1 for e in xs if e["name"].startswith("(entered"))]
# every thread: named frames, outermost to innermost (the eval hook never sees a frame
# that returned before the thread ran again: work_item may be gone)
res.append("main:" + names("MainThread"))
res.append("worker:" + names("worker").replace(",work_item", ""))
res.append("waiter:" + names("waiter"))
# drawn from the start of the recording: one moment for every thread
res.append("start_spread_ok=%s" % (bool(cut) and max(e["ts"] for e in cut) - min(e["ts"] for e in cut) < 2000))
# where they end, against what the program did: work_item before the worker calls it again,
# waiter once the event is set and before the join that waits for it is over
nxt = [e["ts"] for e in xs if tname.get((e["pid"], e["tid"])) == "worker" and e["name"] == "work_item" and not e.get("args", {}).get("cut")]
res.append("work_item_ok=%s" % all(nxt and x <= min(nxt) for x in ends("worker", "work_item")))
# (the eval hook, argv[3] = 1, sees no return: waiter ends with its thread, whose end the
# join may not wait for: then with the outermost frame of that thread)
w = ends("waiter", "waiter")
last = max(ends("waiter", "_bootstrap") or [-1])
res.append("waiter_ends=%s" % ("set-joined" if len(w) == 1 and set_at <= w[0] and
                                (w[0] <= joined_at or sys.argv[3] == "1" and abs(w[0] - last) < 1) else
                                "%s (set %.0f, joined %.0f, thread end %.0f)" % ([round(x) for x in w], set_at, joined_at, last)))
# the state the check is for: the main thread waited for the start (VT_DELAY) in main
res.append("state_ok=%s" % (not cut or wait_at < min(e["ts"] for e in cut)))
# after() runs right inside main: only <module> and main hold it
a = [e for e in xs if e["name"] == "after"]
res.append("around_after:" + ",".join(sorted(e["name"] for e in cut if a and e["ts"] <= a[0]["ts"] and
           e["ts"] + e["dur"] >= a[0]["ts"] + a[0]["dur"] and e["tid"] == a[0]["tid"])))
print(" ".join(res))' "$@"; }
want_open="unnamed=0 main:<module>,main worker:_bootstrap,_bootstrap_inner,run,worker_loop waiter:_bootstrap,_bootstrap_inner,run,wait,wait,waiter start_spread_ok=True work_item_ok=True waiter_ends=set-joined state_ok=True around_after:<module>,main"
k=0
for p in $pythons; do
	v=$(py_tag "$p") k=$((k + 1)) minor=$("$p" -c 'import sys; print(sys.version_info[1])')
	for ic in 0 1; do
		evalhook=0
		[ $ic = 1 ] && [ "$minor" -le 11 ] && evalhook=1
		for how in VT_START=signal VT_DELAY=500ms; do
			d=$work/open-$k-$ic-${how%%=*}
			# VT_DELAY must fall due while main() waits for it: when the program gets there
			# later (a slow start-up: a debug build, a loaded machine), again with a longer one
			D=500
			for _ in 1 2 3; do
				[ $how = VT_DELAY=500ms ] && h=VT_DELAY=${D}ms || h=$how
				rm -rf "$d"
				env LD_PRELOAD="$lib" VT_IGNORE_C=$ic "$h" VT_OUTPUT="$d" "$p" "$work/open.py" "$d.at" ${D}e-3
				"$conv" -q "$d" -o "$d.json" 2>/dev/null
				got=$(openq "$d.json" "$d.at" $evalhook)
				[[ $got == *state_ok=False* ]] || break
				D=$(($(first "$d.json" "$d.at") * 2 + 200))
			done
			[ "$got" = "$want_open" ] && ok "$v VT_IGNORE_C=$ic $h: the frames open at the start are named and end where they end" ||
				bad "$v VT_IGNORE_C=$ic $h: open frames" "$(diff <(echo "$want_open" | tr ' ' '\n') <(echo "$got" | tr ' ' '\n'))"
		done
	done
done

# 3. the flight recorder: dump on the signal and at exit, newest events only
cat > "$work/ring.py" <<'PY'
import os, signal
def leaf(i):
    return i
def phase(n):
    for i in range(n):
        leaf(i)
def main():
    phase(300000)
    os.kill(os.getpid(), signal.SIGUSR2)
    phase(20000)
main()
PY
LD_PRELOAD="$lib" VT_MODE=ring VT_RING_SIZE=128K VT_BUFFER_SIZE=64K VT_OUTPUT="$work/ring" "$py" "$work/ring.py"
"$conv" -q "$work/ring" -o "$work/ring.json" 2>"$work/ring.err"; rc=$?
r=$(/usr/bin/python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
leaf = sum(1 for e in ev if e["ph"] == "X" and e["name"] == "leaf")
cut = sum(1 for e in ev if e["ph"] == "X" and e.get("args", {}).get("cut"))
mark = sum(1 for e in ev if e["ph"] == "i" and "window starts" in e["name"])
print(leaf, cut, mark)' "$work/ring.json")
set -- $r
# more than the last phase, fewer than the 320000 of the run: the oldest went (how many
# 128K of compressed chunks hold depends on the format: 4.0's alias slots hold more)
[ $rc = 0 ] && [ "$1" -gt 20000 ] && [ "$1" -lt 300000 ] && [ "$2" -ge 3 ] && [ "$3" = 1 ] &&
	ok "flight recorder: $1 of 320000 calls kept, $2 calls cut by the window start, its start marked" ||
	bad "flight recorder" "leaf=$1 cut=$2 marks=$3 rc=$rc $(cat "$work/ring.err")"

# 3b. a crash with VT_DUMP_ON_ERROR=1 writes the window; the status stays SIGABRT's
cat > "$work/crash.py" <<'PY'
import os
def before_crash(i):
    return i
for i in range(1000):
    before_crash(i)
os.abort()
PY
"$py" "$work/crash.py" 2>/dev/null; prc=$?
LD_PRELOAD="$lib" VT_MODE=ring VT_DUMP_ON_ERROR=1 VT_OUTPUT="$work/crash" "$py" "$work/crash.py" 2>/dev/null; rc=$?
"$conv" -q "$work/crash" -o "$work/crash.json" 2>/dev/null
n=$(grep -c '"name":"before_crash"' "$work/crash.json" 2>/dev/null)
[ $rc = $prc ] && [ $rc = 134 ] && [ "$n" = 1000 ] &&
	ok "VT_DUMP_ON_ERROR=1: os.abort() wrote the window ($n calls), status 134 kept" ||
	bad "dump on error" "rc=$rc (plain $prc) calls=$n"

# 4. VT_MAX_SIZE over a process tree
LD_PRELOAD="$lib" VT_MAX_SIZE=300K VT_OUTPUT="$work/cap" "$py" "$top/../shared/bench/mp.py" 22 >/dev/null 2>"$work/cap.err"; rc=$?
size=$(du -sb "$work/cap" | cut -f1)
"$conv" -q "$work/cap" -o "$work/cap.json" 2>"$work/capc.err"
[ $rc = 0 ] && [ "$size" -lt 340000 ] && grep -q "VT_MAX_SIZE" "$work/cap.err" && grep -q "size cap reached" "$work/capc.err" &&
	ok "VT_MAX_SIZE=300K: the run stopped at $size bytes, the program finished, the converter reports it" ||
	bad "size cap" "rc=$rc size=$size $(cat "$work/cap.err" "$work/capc.err")"

# 5. VT_PROCESSES: only the matching process of a tree
LD_PRELOAD="$lib" VT_PROCESSES='* -c *' VT_OUTPUT="$work/sel" "$py" "$top/../shared/bench/mp.py" 20 >/dev/null 2>&1
n=$(ls "$work/sel" | grep -c proc.vt)
"$conv" -q "$work/sel" -o "$work/sel.json"
[ "$n" = 1 ] && [ "$(xnames "$work/sel.json" f)" = "f" ] && ok "VT_PROCESSES: only the matching subprocess was traced" ||
	bad "VT_PROCESSES" "$n process files: $(ls "$work/sel")"

# 6. a program's own handler for another signal keeps working
out=$(LD_PRELOAD="$lib" VT_START=signal VT_OUTPUT="$work/own" "$py" -c '
import os, signal
got = []
signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))
os.kill(os.getpid(), signal.SIGUSR1)
print("handled", got == [signal.SIGUSR1])' 2>&1)
[ "$out" = "handled True" ] && ok "the program's own SIGUSR1 handler works under VT_START=signal" || bad "own handler" "$out"

# 7. every VT_* setting is parsed strictly: garbage, overflow and out-of-range values give
# exactly one vt: line, no trace, and an unchanged program
bad_values=(
	"VT_DISABLE=yes" "VT_IGNORE_C=2" "VT_FOLLOW_CHILDREN=true" "VT_BUFFER_SIZE=12" "VT_BUFFER_SIZE=99999999999999999999"
	"VT_BUFFER_SIZE=1Q" "VT_BUFFER_SIZE=-4M" "VT_HOOK=fast" "VT_CLOCK=rdtsc" "VT_MODE=circular" "VT_RING_SIZE=1"
	"VT_RING_SIZE=9x" "VT_DUMP_ON_ERROR=on" "VT_START=later" "VT_SIGNAL=SIGFOO" "VT_SIGNAL=9" "VT_SIGNAL=0"
	"VT_DELAY=soon" "VT_DELAY=-1s" "VT_DURATION=10parsecs" "VT_MAX_SIZE=huge" "VT_LOG_ARGS=y" "VT_LOG_RETURN=1.0"
	"VT_REPR_MAX=2" "VT_REPR_MAX=18446744073709551617" "VT_MAX_DEPTH=deep" "VT_MAX_DEPTH=2K" "VT_MIN_DURATION=1 ms"
	"VT_IGNORE_FROZEN=-1" "VT_LOG_EXCEPTIONS=x" "VT_LOG_GC=2" "VT_OUTPUT=" "VT_WRITER=later"
	"VT_NATIVE=read" "VT_NATIVE=frobnicate:libc" "VT_NATIVE=f(int,blob)->int:libx" "VT_NATIVE_ARGS=yes"
)
cbad=""
for kv in "${bad_values[@]}"; do
	rm -rf "$work/cfg"
	if [ "$kv" = VT_OUTPUT= ]; then
		out=$(cd "$work" && env VT_OUTPUT= LD_PRELOAD="$lib" "$py" -c 'print("same")' 2>"$work/cfg.err"); rc=$?
	else
		out=$(cd "$work" && env VT_OUTPUT="$work/cfg" "$kv" LD_PRELOAD="$lib" "$py" -c 'print("same")' 2>"$work/cfg.err"); rc=$?
	fi
	lines=$(grep -c '^vt: ' "$work/cfg.err")
	if [ "$out" != same ] || [ $rc != 0 ] || [ "$lines" != 1 ] || [ -e "$work/cfg" ] ||
		[ -n "$(ls -d "$work"/vt-trace-* 2>/dev/null)" ]; then
		cbad="$cbad [$kv: rc=$rc out=$out vt-lines=$lines]"
	fi
done
[ -z "$cbad" ] && ok "${#bad_values[@]} bad VT_* values: one vt: line each, no trace, the program unchanged" ||
	bad "bad settings" "$cbad"

# 8. VT_MAX_DEPTH is a count of frames, not a size: a unit is refused, and the message
# says what is wanted; a plain number still works (on every CPython)
find_pythons "${CONTROL_PYTHONS:-}" "8 9 10 11 12 13" /usr/bin/python3
add_sid_pythons
for p in $pythons; do
	[ -x "$p" ] || continue
	v=$(py_tag "$p")
	msg=$(env VT_OUTPUT="$work/md" VT_MAX_DEPTH=2K LD_PRELOAD="$lib" "$p" -c 'pass' 2>&1)
	env VT_OUTPUT="$work/md3" VT_MAX_DEPTH=3 LD_PRELOAD="$lib" "$p" -c 'pass' 2>"$work/md3.err"
	if [ "$msg" = "vt: bad value VT_MAX_DEPTH='2K' (expected a number of frames, 1 to 100000); tracing off" ] &&
		[ ! -e "$work/md" ] && [ -d "$work/md3" ] && [ ! -s "$work/md3.err" ]; then
		ok "$v: VT_MAX_DEPTH=2K refused as a count of frames; VT_MAX_DEPTH=3 traces"
	else
		bad "$v VT_MAX_DEPTH" "2K: $msg; 3: $(cat "$work/md3.err") $(ls -d "$work"/md*)"
	fi
	rm -rf "$work/md" "$work/md3"
done

# 9. a VT_* variable that is not a setting: one vt: line naming it and the closest setting,
# and tracing goes on; in a process tree (python -> python -> python with env={}, and a
# shell running two pythons) the line comes once, from the first process
want_line="vt: unknown setting ignored: VT_LOG_PRINT (closest: VT_LOG_ARGS)"
xcount() { /usr/bin/python3 -c '
import json, sys
print(sum(1 for e in json.load(open(sys.argv[1]))["traceEvents"] if e["ph"] == "X" and e["name"] == sys.argv[2]))' "$@"; }
cat > "$work/tree.py" <<'PY'
import subprocess, sys
def child(depth):
    if depth < 2:
        env = {} if depth == 1 else None  # the grandchild's environment is emptied
        subprocess.run([sys.executable, __file__, str(depth + 1)], env=env, check=True)
child(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
print("done", sys.argv[1:])
PY
for p in $pythons; do
	[ -x "$p" ] || continue
	v=$(py_tag "$p")
	rm -rf "$work/un" "$work/ut" "$work/us"
	out=$(cd "$work" && env VT_OUTPUT="$work/un" VT_LOG_PRINT=1 LD_PRELOAD="$lib" "$p" -c 'print("same")' 2>"$work/un.err"); rc=$?
	"$conv" -q "$work/un" -o "$work/un.json" 2>/dev/null
	[ "$out" = same ] && [ $rc = 0 ] && [ "$(cat "$work/un.err")" = "$want_line" ] &&
		[ "$(xcount "$work/un.json" print 2>/dev/null)" = 1 ] &&
		ok "$v: VT_LOG_PRINT=1: one vt: line naming VT_LOG_ARGS, the program traced" ||
		bad "$v unknown VT_LOG_PRINT" "rc=$rc out=$out err=$(cat "$work/un.err") print calls: $(xcount "$work/un.json" print 2>&1)"
	out=$(env VT_OUTPUT="$work/ut" VT_LOG_PRINT=1 LD_PRELOAD="$lib" "$p" "$work/tree.py" 2>"$work/ut.err")
	"$conv" -q "$work/ut" -o "$work/ut.json" 2>/dev/null
	[ "$(cat "$work/ut.err")" = "$want_line" ] && [ "$(xcount "$work/ut.json" child 2>/dev/null)" = 3 ] &&
		[ "$out" = "done ['2']
done ['1']
done []" ] && ok "$v: python -> python -> python (env={}): the line once, all three traced" ||
		bad "$v unknown name in a tree" "err=$(cat "$work/ut.err") out=$out child calls: $(xcount "$work/ut.json" child 2>&1)"
	env VT_OUTPUT="$work/us" VT_LOG_PRINT=1 LD_PRELOAD="$lib" bash -c '"$0" -c pass; "$0" -c pass' "$p" 2>"$work/us.err"
	[ "$(cat "$work/us.err")" = "$want_line" ] && ok "$v: a shell running two pythons: the line once" ||
		bad "$v unknown name under a shell" "$(cat "$work/us.err")"
done
# VizTracer's names, several at once: one line, each with the setting it means
out=$(cd "$work" && env VT_OUTPUT="$work/uv" VT_OUTPUT_DIR=x VT_DIR=x VT_MAX_STACK_DEPTH=3 VT_INCLUDE=x \
	VT_TRACER_ENTRIES=9 LD_PRELOAD="$lib" "$py" -c 'print("same")' 2>&1 >/dev/null | tr ', ' '\n\n' | grep -A2 '^VT_' | paste -sd' ')
for pair in "VT_OUTPUT_DIR (closest: VT_OUTPUT)" "VT_DIR (closest: VT_OUTPUT)" "VT_MAX_STACK_DEPTH (closest: VT_MAX_DEPTH)" \
	"VT_INCLUDE (closest: VT_INCLUDE_FILES)" "VT_TRACER_ENTRIES (closest: VT_RING_SIZE)"; do
	[[ " $out " == *" $pair "* ]] || { bad "VizTracer names" "no '$pair' in: $out"; out=failed; break; }
done
[ "$out" != failed ] && [ -d "$work/uv" ] && ok "VizTracer's names for settings: one line, each with vt's setting"
# every VT_* variable that vt's tools and tests set or read (but the unknown ones above)
# passes without a word
names=$(cd "$top" && grep -rhoE '(\$\{?|environ(\.get)?[[(]["'"'"'])VT_[A-Z0-9_]+|\bVT_[A-Z0-9_]+=' \
	tests scripts tools/vt tools/vt-attach.sh Makefile --include='*.sh' --include='*.py' --include='*.mjs' --include=Makefile --include=vt |
	grep -oE 'VT_[A-Z0-9_]+' | grep -vxE 'VT_(LOG_PRINT|OUTPUT_DIR|DIR|MAX_STACK_DEPTH|INCLUDE|TRACER_ENTRIES)' | sort -u)
out=$(cd "$work" && env $(for n in $names; do printf '%s= ' "$n"; done) VT_OUTPUT="$work/uh" LD_PRELOAD="$lib" "$py" -c pass 2>&1)
[ -n "$names" ] && [[ $out != *unknown* ]] && ok "$(echo $names | wc -w) VT_* names of vt's tools and tests: no warning" ||
	bad "harness names warned about" "$out"

finish
