#!/bin/bash
# tests/proc/run.sh - process-tree tests: an unchanged launch script (bash -> python
# supervisor -> multiprocessing with fork/spawn/forkserver, an executor, subprocesses
# with a stripped environment and env -i, then exec) under the preload, on every CPython;
# and on every CPython too, where the trace starts however the script is named (a
# relative path, a symlink, a zipapp), VT_FOLLOW_CHILDREN=0, a relative VT_OUTPUT through
# a launch script that changes directory, and bench/mp.py; then the checks of vt's own
# handling of the environment and the file system with Debian's python3 (the launcher,
# setuid, permissions, a planted symlink). Ends with "N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh" proc
find_pythons "${PROC_PYTHONS:-}" "8 9 10 11 12 13" /usr/bin/python3
add_sid_pythons
mp=$top/../shared/bench/mp.py

for py in $pythons; do
	if [ ! -x "$py" ]; then skipped "$py" "not installed"; continue; fi
	tag=$(py_tag "$py")
	name="process tree, $tag"
	plain_out=$(PY="$py" "$here/start.sh" 2>/dev/null); plain_rc=$?
	rm -rf "$work/t" "$work/t.json"
	traced_out=$(PY="$py" LD_PRELOAD="$lib" VT_OUTPUT="$work/t" "$here/start.sh" 2>"$work/err"); traced_rc=$?
	why=""
	if [ "$plain_rc" != "$traced_rc" ] || [ "$plain_out" != "$traced_out" ]; then
		why+="exit $plain_rc vs $traced_rc; output differs:"$'\n'"$(diff <(echo "$plain_out") <(echo "$traced_out") | head)"$'\n'
	fi
	if grep -q '^vt: ' "$work/err"; then why+="vt printed:"$'\n'"$(grep '^vt: ' "$work/err")"$'\n'; fi
	if ! "$conv" -q "$work/t" -o "$work/t.json" 2>"$work/cerr"; then
		why+="vt-convert failed:"$'\n'"$(cat "$work/cerr")"
	elif ! /usr/bin/python3 "$here/check.py" "$work/t.json" "$work/t" > "$work/check"; then
		why+=$(cat "$work/check")
	fi
	if [ -z "$why" ]; then ok "$name"; else bad "$name" "$why"; fi

	# the trace starts at the user's code however the script's path is spelled
	rm -rf "$work/g" && mkdir -p "$work/g/sub" && printf 'def f():\n    return 1\nf()\n' > "$work/g/sub/s.py"
	ln -s "$work/g/sub/s.py" "$work/g/link.py"
	gbad=""
	for arg in ./s.py ../sub/s.py "$work/g/link.py"; do
		rm -rf "$work/gt"
		(cd "$work/g/sub" && LD_PRELOAD="$lib" VT_OUTPUT="$work/gt" "$py" "$arg")
		"$conv" -q "$work/gt" -o "$work/gt.json"
		first=$(/usr/bin/python3 "$top/tests/e2e/calltree.py" "$work/gt.json" | sed -n 2,3p | tr -d ' ' | tr '\n' ' ')
		[ "$first" = "<module> f " ] || gbad="$gbad $arg:'$first'"
	done
	# a zipapp runs its __main__ through runpy: traced from there, never dropped
	mkdir -p "$work/g/zapp" && printf 'def zmain():\n    return 2\nzmain()\n' > "$work/g/zapp/__main__.py"
	"$py" -m zipapp "$work/g/zapp" -o "$work/g/app.pyz"
	rm -rf "$work/gt" && LD_PRELOAD="$lib" VT_OUTPUT="$work/gt" "$py" "$work/g/app.pyz"
	"$conv" -q "$work/gt" -o "$work/gt.json"
	grep -q '"name":"zmain"' "$work/gt.json" || gbad="$gbad zipapp:no zmain"
	if [ -z "$gbad" ]; then ok "$tag: the trace starts at <module> for ./s.py, ../sub/s.py and a symlink; a zipapp is traced"
	else bad "$tag: start of the trace:$gbad"; fi

	# VT_FOLLOW_CHILDREN=0: a child whose environment lost LD_PRELOAD is not traced
	rm -rf "$work/nf"
	LD_PRELOAD="$lib" VT_FOLLOW_CHILDREN=0 VT_OUTPUT="$work/nf" "$py" -c '
import os, subprocess, sys
env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)'
	n=$(ls "$work/nf" | grep -c 'proc.vt$')
	if [ "$n" = 1 ]; then ok "$tag: VT_FOLLOW_CHILDREN=0: the child without LD_PRELOAD stays untraced"
	else bad "$tag: VT_FOLLOW_CHILDREN=0: $n process files"; fi

	# a relative VT_OUTPUT through a launch script that changes directory: bash has its own
	# setenv, which keeps a changed variable from its children unless vt edits environ itself
	rm -rf "$work/rel" && mkdir -p "$work/rel/sub"
	(cd "$work/rel" && PY=$py LD_PRELOAD="$lib" VT_OUTPUT=out bash -c 'cd sub && "$PY" -c pass && env "$PY" -c pass')
	n=$(ls "$work/rel/out" 2>/dev/null | grep -c 'proc.vt$')
	if [ "$n" = 2 ] && [ ! -e "$work/rel/sub/out" ]; then
		ok "$tag: VT_OUTPUT=out from bash, then cd: both Pythons write to ./out of the start"
	else
		bad "$tag: relative VT_OUTPUT: $n process files in out; $(ls "$work/rel/sub")"
	fi

	# bench/mp.py: a pool of 2 and a subprocess must all be there, and all 16 tasks in
	# the workers. Which worker runs how many is the pool's choice: with 3.14's forkserver
	# one worker may take them all, and the pool end them, before the other has reached
	# worker(). So a pool worker is a process that started as one: it ran the
	# process's _bootstrap (fork) or the forkserver's _serve_one, the first calls in it.
	if [ -f "$mp" ]; then
		rm -rf "$work/m" "$work/m.json"
		LD_PRELOAD="$lib" VT_OUTPUT="$work/m" "$py" "$mp" 20 >/dev/null 2>&1
		"$conv" -q "$work/m" -o "$work/m.json" 2>/dev/null
		n=$(/usr/bin/python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
root = [e["pid"] for e in ev if e["ph"] == "M" and e["name"] == "process_sort_index" and e["args"]["sort_index"] == 0]
f = {}
tasks = 0
for e in ev:
    if e["ph"] != "X": continue
    name = e["name"]
    if name in ("BaseProcess._bootstrap", "_bootstrap", "_serve_one"): name = "started"
    if name in ("task", "f", "main", "worker", "started"): f.setdefault(name, set()).add(e["pid"])
    if name == "task" and e["pid"] not in root: tasks += 1
# fork workers inherit main from the parent, and the parent runs threads (_bootstrap):
# count the workers apart from it; at least one of them ran worker()
workers = f.get("started", set()) - set(root)
print(int(root[0] in f.get("main", ())), len(workers) * bool(f.get("worker", set()) & workers),
      tasks * (f.get("task", set()) <= workers), len(f.get("f", ())))' "$work/m.json")
		if [ "$n" = "1 2 16 1" ]; then ok "$tag: bench/mp.py: parent, 2 pool workers running the 16 tasks, and the subprocess"
		else bad "$tag: bench/mp.py: processes with main, pool workers, tasks in them, processes with f: $n (want 1 2 16 1)"; fi
	fi
done
[ -f "$mp" ] || skipped "bench/mp.py" "../shared/bench not found"

# the vt launcher: exit status passed through, trace converted, nothing from bash
rm -rf "$work/r" "$work/r.json"
out=$("$top/tools/vt" record -o "$work/r" -- bash -c 'echo from-bash; python3 -c "
def launched():
    return 3
import sys; sys.exit(launched())"; exit $?' 2>"$work/rerr"); rc=$?
if [ $rc = 3 ] && [ "$out" = "from-bash" ] && [ -f "$work/r.json" ] && grep -q '"name":"launched"' "$work/r.json" &&
	grep -q "vt: trace: $work/r.json" "$work/rerr"; then
	ok "vt record: exit status 3 passed through, trace converted"
else
	bad "vt record: rc=$rc out=$out" "$(cat "$work/rerr")"
fi

# a setuid program never loads vt: the loader drops LD_PRELOAD in secure mode
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && [ -x /usr/bin/python3 ]; then
	mkdir -p "$work/suid" "$work/suid-out" && chmod 755 "$work" "$work/suid" && chmod 1777 "$work/suid-out"
	cp /usr/bin/python3 "$work/suid/python3" && chmod 4755 "$work/suid/python3"
	out=$(cd /tmp && LD_PRELOAD="$lib" VT_OUTPUT="$work/suid-out/t" setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$work/suid/python3" -c 'import os; print(os.geteuid() == 0)' 2>&1)
	if [ "$out" = True ] && [ ! -e "$work/suid-out/t" ]; then
		ok "a setuid python under LD_PRELOAD: vt is not loaded, nothing is written"
	else
		echo "FAIL setuid: out=$out; $(ls "$work/suid-out")"; fail=$((fail + 1))
	fi
else
	skipped "setuid" "needs root, setpriv and /usr/bin/python3"
fi

# private permissions, and no writing through a symlink planted at the output path
rm -rf "$work/p" "$work/victim" "$work/link"
LD_PRELOAD="$lib" VT_OUTPUT="$work/p" python3 -c 'pass'
perm=$(stat -c %a "$work/p"); fperm=$(stat -c %a "$work/p"/* | sort -u | tr '\n' ' ')
if [ "$perm" = 700 ] && [ "$fperm" = "600 " ]; then ok "trace directory 0700, files 0600"
else bad "permissions: dir $perm files $fperm"; fi
mkdir "$work/victim" && ln -s "$work/victim" "$work/link"
out=$(LD_PRELOAD="$lib" VT_OUTPUT="$work/link" python3 -c 'print("ran")' 2>"$work/serr"); rc=$?
if [ $rc = 0 ] && [ "$out" = ran ] && [ -z "$(ls -A "$work/victim")" ] && grep -q '^vt: .*symbolic link' "$work/serr" &&
	[ "$(grep -c '^vt: ' "$work/serr")" = 1 ]; then
	ok "a symlink at VT_OUTPUT is refused with one vt: line; the program runs on"
else
	echo "FAIL symlink at VT_OUTPUT: rc=$rc out=$out victim=$(ls "$work/victim")"; cat "$work/serr"; fail=$((fail + 1))
fi

finish
