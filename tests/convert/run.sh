#!/bin/bash
# tests/convert/run.sh - vt-convert on the hand-made traces of tests/data, whose times are
# known exactly (see tests/data/README.md): JSON events, the summary table, folded stacks,
# filters, split parts, gzip, and the errors for damaged input.
# Ends with "N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/../lib.sh" convert-test
data=$top/tests/data

# same NAME EXPECTED ACTUAL
same() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "$(diff <(echo "$2") <(echo "$3"))"; fi; }

# 1. the X events of good/, with their exact times
same "json: slices and times" '<module> 1.000 2.120 py /tmp/fib.py:1 -
builtins.print 1.880 0.070 c - -
fib 1.500 0.350 py /tmp/fib.py:3 -
fib 1.700 0.100 py /tmp/fib.py:3 -
fib 3.010 0.020 py /tmp/fib.py:3 exception' "$("$conv" -q "$data/good" -o - | /usr/bin/python3 -c '
import json, sys
ev = json.load(sys.stdin)["traceEvents"]
for e in sorted((e for e in ev if e["ph"] == "X"), key=lambda e: (e["name"], e["ts"])):
    a = e.get("args", {})
    print(e["name"], "%.3f" % e["ts"], "%.3f" % e["dur"], e["cat"], a.get("file", "-"),
          "exception" if a.get("exception") else "-")')"

same "json: names, labels and the mark" 'process_name python3 fib.py
process_labels pid 4242, exit 0
thread_name MainThread
i a mark from vt 3.070' "$("$conv" -q "$data/good" -o - | /usr/bin/python3 -c '
import json, sys
for e in json.load(sys.stdin)["traceEvents"]:
    if e["ph"] == "M" and e["name"] != "process_sort_index":
        print(e["name"], list(e["args"].values())[0])
    elif e["ph"] == "i":
        print("i", e["name"], "%.3f" % e["ts"])')"

# 2. the summary: exact self and cumulative times (recursion counted once)
same "summary: exact numbers" '1 0.000001680 0.000002120 <module>
3 0.000000370 0.000000370 fib
1 0.000000070 0.000000070 builtins.print' "$("$conv" -q "$data/good" --summary | awk 'NR > 3 {print $1, $2, $4, $6}')"
same "summary: sorted by calls" "fib" "$("$conv" -q "$data/good" --summary --sort calls --top 1 | awk 'NR > 3 {print $6}')"
out=$("$conv" -q "$data/good" --summary --per-thread --top 1)
case "$out" in *"[pid 4242 tid 4243] <module>"*) ok "summary: per thread" ;; *) bad "summary: per thread" "$out" ;; esac
[ ! -e "$data/good.json" ] && ok "summary alone writes no file" || { bad "summary alone writes no file"; rm -f "$data/good.json"; }

# 3. folded stacks weighted by self time in ns
same "folded stacks" 'python3 fib.py [4242]: MainThread;<module> 1680
python3 fib.py [4242]: MainThread;<module>;builtins.print 70
python3 fib.py [4242]: MainThread;<module>;fib 270
python3 fib.py [4242]: MainThread;<module>;fib;fib 100' "$("$conv" -q "$data/good" -o - -f folded | sort)"

# folded stacks of a real program whose function names hold a newline and a ';' (any
# str can be a code object's name): each stack stays one line "frames count"
find_pythons "${CONVERT_PYTHONS:-}" "8 13" python3
for py in $pythons; do
	rm -rf "$work/nl"
	LD_PRELOAD="$lib" VT_OUTPUT="$work/nl" "$py" -c '
def f():
    pass
kw = {"co_name": "a\nb;c"}
if hasattr(f.__code__, "co_qualname"):
    kw["co_qualname"] = "a\nb;c"
f.__code__ = f.__code__.replace(**kw)
for i in range(3):
    f()
'
	"$conv" -q "$work/nl" -o "$work/nl.folded"
	bad_lines=$(grep -cvE '^[^;]+(;[^;]+)* [0-9]+$' "$work/nl.folded")
	if [ "$bad_lines" = 0 ] && grep -qE '^[^;]+;<module>;a\\nb:c [0-9]+$' "$work/nl.folded"; then
		ok "folded: a name with a newline and a ';' stays on its stack's line ($py)"
	else
		bad "folded: a name with a newline ($py)" "$(cat "$work/nl.folded")"
	fi
done

# counters: Chrome's "C" events belong to a process, so a counter name written by two
# threads of a process gets a track per thread, named after it (one series each, not one
# mixed series); a name written by one thread keeps its name
rm -rf "$work/ctr"
LD_PRELOAD="$lib" VT_OUTPUT="$work/ctr" python3 -c '
import threading, vt
def work(base):
    for i in range(3):
        vt.counter("queue", depth=base + i)
        vt.log_var("backlog", base + i)
for base, name in ((0, "producer"), (100, "consumer")):
    t = threading.Thread(target=work, args=(base,), name=name)
    t.start()
    t.join()
vt.counter("rss", mb=50)
'
same "counters: one track per thread when two threads write one name" 'backlog (consumer) {"value": 100} {"value": 101} {"value": 102}
backlog (producer) {"value": 0} {"value": 1} {"value": 2}
queue (consumer) {"depth": 100} {"depth": 101} {"depth": 102}
queue (producer) {"depth": 0} {"depth": 1} {"depth": 2}
rss {"mb": 50}' "$("$conv" -q "$work/ctr" -o - | /usr/bin/python3 -c '
import json, sys
tracks = {}
for e in sorted((e for e in json.load(sys.stdin)["traceEvents"] if e["ph"] == "C"), key=lambda e: e["ts"]):
    tracks.setdefault(e["name"], []).append(json.dumps(e["args"]))
for name in sorted(tracks):
    print(name, " ".join(tracks[name]))')"
same "counters: -j 2 names them as -j 1" "$("$conv" -q -j 1 "$work/ctr" -o - | grep '"ph":"C"' | sed 's/^,//; s/,$//' | sort)" \
	"$("$conv" -q -j 2 "$work/ctr" -o - | grep '"ph":"C"' | sed 's/^,//; s/,$//' | sort)"

# 4. filters
names() { /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted("%s@%.3f+%.3f" % (e["name"], e["ts"], e["dur"]) for e in json.load(sys.stdin)["traceEvents"] if e["ph"] == "X")))'; }
same "filter: window cuts slices at its edges" "<module>@1.600+0.200 fib@1.600+0.200 fib@1.700+0.100" \
	"$("$conv" -q "$data/good" -o - --from 1.6us --to 1.8us | names)"
same "filter: min-dur" "<module>@1.000+2.120 fib@1.500+0.350 fib@1.700+0.100" \
	"$("$conv" -q "$data/good" -o - --min-dur 100ns | names)"
same "filter: max-depth" "<module>@1.000+2.120" "$("$conv" -q "$data/good" -o - --max-depth 1 | names)"
same "filter: match keeps callees" "fib@1.500+0.350 fib@1.700+0.100 fib@3.010+0.020" \
	"$("$conv" -q "$data/good" -o - --match 'fi*' | names)"
same "filter: pid" "" "$("$conv" -q "$data/good" -o - --pid 1 | names)"
same "filter: tid" "5" "$("$conv" -q "$data/good" -o - --tid 4243 | names | wc -w)"

# the summary and the folded stacks count the calls the filters keep, as the JSON holds
# them: a window counts the part of each call inside it (self = that part less the
# callees' parts), recursion once in cumulative time
sumof() { "$conv" -q "$data/good" --summary "$@" | awk 'NR == 1 {print} NR > 3 {print $1, $2, $4, $6}'; }
same "summary: --from/--to count the part inside the window" 'all processes, filtered by --from --to: 3 calls of 2 functions, 0.000000200 s of self time; sorted by self
2 0.000000200 0.000000200 fib
1 0.000000000 0.000000200 <module>' "$(sumof --from 1.6us --to 1.8us)"
same "summary: --match" 'all processes, filtered by --match: 3 calls of 1 functions, 0.000000370 s of self time; sorted by self
3 0.000000370 0.000000370 fib' "$(sumof --match 'fi*')"
same "summary: --min-dur" 'all processes, filtered by --min-dur: 3 calls of 2 functions, 0.000002030 s of self time; sorted by self
1 0.000001680 0.000002120 <module>
2 0.000000350 0.000000350 fib' "$(sumof --min-dur 100ns)"
same "summary: --max-depth" 'all processes, filtered by --max-depth: 1 calls of 1 functions, 0.000001680 s of self time; sorted by self
1 0.000001680 0.000002120 <module>' "$(sumof --max-depth 1)"
same "summary: --pid of another process" 'all processes, filtered by --pid: 0 calls of 0 functions, 0.000000000 s of self time; sorted by self' "$(sumof --pid 1)"
same "summary: --tid" "$(sumof | tail -n +2)" "$(sumof --tid 4243 | tail -n +2)"
same "folded: --from/--to" 'python3 fib.py [4242]: MainThread;<module>;fib 100
python3 fib.py [4242]: MainThread;<module>;fib;fib 100' "$("$conv" -q "$data/good" -o - -f folded --from 1.6us --to 1.8us | sort)"
same "folded: --match keeps the callers as the path" 'python3 fib.py [4242]: MainThread;<module>;fib 270
python3 fib.py [4242]: MainThread;<module>;fib;fib 100' "$("$conv" -q "$data/good" -o - -f folded --match 'fi*' | sort)"
same "folded: --max-depth" 'python3 fib.py [4242]: MainThread;<module> 1680
python3 fib.py [4242]: MainThread;<module>;builtins.print 70
python3 fib.py [4242]: MainThread;<module>;fib 270' "$("$conv" -q "$data/good" -o - -f folded --max-depth 2 | sort)"

# formats 1.0 (a RET is [1, dt] there), 2.0 (calls and C returns are arrays there) and
# 3.0 (short calls name the id, no alias slots) still convert: the same trace in every
# version
"$conv" -q "$data/good" -o "$work/v4.json"
for v in 1 2 3; do
	"$conv" -q "$data/good-$v.0" -o "$work/v$v.json"
	cmp -s "$work/v$v.json" "$work/v4.json" && [ "$(names < "$work/v$v.json" | wc -w)" = 5 ] &&
		ok "format $v.0: the same JSON as 4.0" ||
		bad "format $v.0: the same JSON as 4.0" "$(diff "$work/v$v.json" "$work/v4.json" | head -5)"
done

# 5. gzip and split parts
"$conv" -q "$data/good" -o "$work/g.json.gz"
same "gzip output" "5" "$(zcat "$work/g.json.gz" | names | wc -w)"
"$conv" -q "$data/good" -o "$work/s.json" --split 600
n=0 total=0
for f in "$work"/s.part*.json; do
	n=$((n + 1)); total=$((total + $(names < "$f" | wc -w)))
	/usr/bin/python3 -c 'import json,sys; ev=json.load(open(sys.argv[1]))["traceEvents"]; assert any(e["ph"]=="M" and e["name"]=="process_name" for e in ev)' "$f" || bad "split: $f has no process name"
done
[ "$n" -ge 2 ] && [ "$total" = 5 ] && ok "split: $n parts, each complete JSON, 5 slices in all" || bad "split" "$n parts, $total slices"

# 6. damaged input: named file and offset, exit 1, the readable part converted
check_err() { # name dir pattern expected-slices
	local out rc n
	out=$("$conv" "$data/$2" -o "$work/e.json" 2>&1); rc=$?
	n=$(names < "$work/e.json" | wc -w)
	if [ $rc = 1 ] && echo "$out" | grep -q "$3" && [ "$n" = "$4" ]; then ok "damaged: $1"; else bad "damaged: $1" "rc=$rc slices=$n; $out"; fi
}
check_err "truncated chunk" truncated "t4243.vt: offset 264: truncated chunk" 4
check_err "bad magic" bad-magic "t4243.vt: offset 0: not a vt trace file" 0
check_err "future version" version-next "offset 8: format version 5.0 is not supported (this vt-convert reads 1.x to 4.x)" 0
check_err "foreign file" foreign "t4243.vt: offset 0: not a vt trace file" 0
out=$("$conv" "$data/empty-thread" -o "$work/e.json" 2>&1); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q "a thread with no events" && ok "empty thread: a warning, exit 0" || bad "empty thread" "$out"
mkdir "$work/loop" && cp "$data"/good/* "$work/loop/" && ln -s loop "$work/loop/self" && ln -s "$work/loop/a" "$work/loop/a"
out=$("$conv" "$work/loop" -o "$work/e.json" 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "self" && ok "symlinks and loops are refused, not followed" || bad "symlink loop" "rc=$rc $out"
"$conv" /nonexistent -o "$work/e.json" 2>/dev/null; rc=$?
[ $rc = 1 ] && ok "missing directory: exit 1" || bad "missing directory: exit $rc"
"$conv" 2>/dev/null; rc=$?
[ $rc = 2 ] && ok "no arguments: exit 2" || bad "no arguments: exit $rc"
# a directory with no trace files (empty, or the wrong one): said, exit 1, nothing written
mkdir -p "$work/none" "$work/notes" "$work/runs/vt-trace-1"
echo "not a trace" > "$work/notes/README.txt"
cp "$data"/good/* "$work/runs/vt-trace-1/"
for d in none notes; do
	out=$("$conv" "$work/$d" 2>&1); rc=$?
	[ $rc = 1 ] && [ "$out" = "vt-convert: no trace files (*.vt) in '$work/$d' (a traced program writes them where VT_OUTPUT says, by default ./vt-trace-<time>-<pid>)" ] &&
		[ ! -e "$work/$d.json" ] && ok "no trace files in $d/: one line naming it, exit 1, no output" ||
		bad "no trace files in $d/" "rc=$rc $(ls "$work/$d.json" 2>&1) $out"
done
out=$("$conv" "$work/none" -o "$work/none-out.json" -f html 2>&1); rc=$?
[ $rc = 1 ] && [ ! -e "$work/none-out.json" ] && ok "no trace files, -o given: no output file" || bad "no trace files, -o given" "rc=$rc $out"
out=$("$conv" "$work/runs" -q 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "vt-convert: no trace files (*.vt) in '$work/runs'; it holds the trace directory '$work/runs/vt-trace-1'" ] &&
	ok "a directory of trace directories: the one inside is named" || bad "a directory of trace directories" "rc=$rc $out"
out=$("$conv" "$data/good/p4242.000000003b9aca00.proc.vt" 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "vt-convert: cannot open trace directory '$data/good/p4242.000000003b9aca00.proc.vt': Not a directory (give the directory that holds the trace files)" ] &&
	ok "a trace file instead of its directory: said, exit 1" || bad "a file for a directory" "rc=$rc $out"
out=$("$conv" "$work/missing" 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "vt-convert: cannot open trace directory '$work/missing': No such file or directory" ] &&
	ok "a missing directory: named with the cause" || bad "a missing directory" "rc=$rc $out"
# several trace directories are runs, combined on one time axis (vt-convert DIR1 DIR2 -o):
# two real runs of one program, one after the other, and one run given twice (its pids repeat)
prog='import time
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
fib(12)
time.sleep(0.3)'
rm -rf "$work/run1" "$work/run2"
LD_PRELOAD="$top/build/libvt.so" VT_OUTPUT="$work/run1" python3 -c "$prog"
LD_PRELOAD="$top/build/libvt.so" VT_OUTPUT="$work/run2" python3 -c "$prog"
runs() { # JSON on stdin -> per process: label, first and last X start (us), X count
	python3 -c '
import json, sys
ev = json.load(sys.stdin)["traceEvents"]
lab = {e["pid"]: e["args"]["labels"] for e in ev if e["ph"] == "M" and e["name"] == "process_labels"}
xs = {}
for e in ev:
    if e["ph"] == "X" and e["name"] == "fib": xs.setdefault(e["pid"], []).append(e["ts"])
# pid, the real pid and run from the label ("pid 42 (run 2), exit 0"), first and last, count
for p in sorted(lab):
    w = lab[p].split(",")[0].replace("(run ", "").replace(")", "").split()
    print(p, w[1], w[2] if len(w) > 2 else 0, min(xs.get(p, [0])), max(xs.get(p, [0])), len(xs.get(p, [])))'
}
out=$("$conv" -q "$work/run1" "$work/run2" -o - | runs) &&
	set -- $out && [ $# = 12 ] &&
	[ "$6 ${12}" = "465 465" ] && [ "$3 $9" = "1 2" ] &&
	python3 -c "import sys; sys.exit(not float('${10}') > float('$5'))" &&
	ok "two runs: two processes labelled run 1 and run 2, 465 fib calls each, run 2 after run 1 on the wall clock" ||
	bad "two runs combined" "$out"
# aligned, the runs' first calls are apart by the jitter of two start-ups; on the wall
# clock by all of run 1 (its 0.3 s sleep included) and more
wall=$("$conv" -q "$work/run1" "$work/run2" -o - | runs)
out=$("$conv" -q "$work/run1" "$work/run2" --align -o - | runs) &&
	set -- $out && [ $# = 12 ] && a=$(python3 -c "print(round(abs(${10} - $4)))") &&
	set -- $wall && python3 -c "import sys; sys.exit(not $a < ${10} - $4 and ${10} - $4 > 300000)" &&
	ok "two runs --align: both start at 0: their first calls $a us apart (on the wall clock, more than 0.3 s)" ||
	bad "two runs --align" "$out"$'\n'"wall clock: $wall"
out=$("$conv" -q "$work/run1" "$work/run1" -o - | runs) &&
	set -- $out && [ $# = 12 ] && [ "$7" = $(($1 + 10000000)) ] && [ "$2 $3" = "$1 1" ] &&
	[ "$8 $9" = "$1 2" ] && [ "$6 ${12}" = "465 465" ] &&
	ok "one run given twice: its pid repeats, so run 2's is offset by 10^7 (label: the real pid, run 2)" ||
	bad "a run given twice" "$out"
out=$("$conv" "$work/run1" "$work/run2" 2>&1); rc=$?
[ $rc = 2 ] && [ "$out" = "vt-convert: 2 trace directories are combined into one output: name it with -o (see vt-convert --help)" ] &&
	ok "several runs without -o: one line, exit 2" || bad "several runs without -o" "rc=$rc $out"
out=$("$conv" "$work/run1" --align -o "$work/a.json" 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q -- "--align puts several trace directories on one start" &&
	ok "--align with one run: said, exit 2" || bad "--align with one run" "rc=$rc $out"
out=$("$conv" "$data/good" "$data/truncated" -q -o "$work/two.json" 2>&1); rc=$?
[ $rc = 1 ] && [ -s "$work/two.json" ] && echo "$out" | grep -q "truncated/" &&
	ok "a good run and a truncated one: the damage named, the rest converted, exit 1" ||
	bad "good and truncated runs" "rc=$rc $out"
# vt view: the page of a trace directory, opened with $BROWSER (a script that notes its
# argument), a Chrome JSON file put in the page as it is, and one line for what is wrong
if [ -x "$top/tools/vt" ] && [ "$conv" = "$top/build/vt-convert" ]; then
	printf '#!/bin/sh\necho "$1" > %s\n' "$work/opened" > "$work/browser" && chmod +x "$work/browser"
	rm -f "$work/opened" "$work/run1.html"
	out=$(BROWSER="$work/browser" "$top/tools/vt" view "$work/run1" 2>&1)
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$work/opened" ] && break; sleep 0.2; done
	[ -s "$work/run1.html" ] && [ "$(cat "$work/opened" 2>/dev/null)" = "$(readlink -f "$work/run1.html")" ] &&
		ok "vt view DIR: DIR.html written and opened with \$BROWSER" || bad "vt view DIR" "$out; opened: $(cat "$work/opened" 2>&1)"
	"$conv" -q "$work/run1" -o "$work/v.json" && gzip -f "$work/v.json"
	out=$(DISPLAY= WAYLAND_DISPLAY= BROWSER= "$top/tools/vt" view "$work/v.json.gz" 2>&1)
	[ -s "$work/v.html" ] && echo "$out" | grep -q "^vt: open $(readlink -f "$work/v.html") in a browser" &&
		ok "vt view x.json.gz: the JSON in the page (x.html); no browser to open: its path said" || bad "vt view x.json.gz" "$out"
	out=$("$top/tools/vt" view "$work/nothing-here" 2>&1); rc=$?
	[ $rc = 2 ] && [ "$out" = "vt: no such trace: $work/nothing-here" ] && ok "vt view of nothing: one line, exit 2" ||
		bad "vt view of nothing" "rc=$rc $out"
fi

# a JSON output past 1 GB is announced before the conversion starts, with what opens
# better; a filtered one is not (its size is not known)
rm -rf "$work/huge"
LD_PRELOAD="$top/build/libvt.so" VT_OUTPUT="$work/huge" python3 -c 'def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
fib(33)'
out=$("$conv" "$work/huge" -o /dev/null 2>&1 | head -1)
echo "$out" | grep -Eq "^vt-convert: this trace makes about [0-9.]+ GB of JSON \(about [0-9]+ M calls\), more than Perfetto UI .*-o huge.html .*--split" &&
	ok "11.4 M calls: the JSON's size (over 1 GB) is said first, with what opens better" || bad "the big JSON note" "$out"
out=$("$conv" "$work/huge" --to 1ms -o /dev/null 2>&1)
echo "$out" | grep -q "GB of JSON" && bad "a filtered big trace: the size note" "$out" ||
	ok "a filtered conversion of the same trace: no size note"
rm -rf "$work/huge"
out=$("$conv" "$data/good" "$work/out.json" 2>&1); rc=$?
[ $rc = 2 ] && [ "$out" = "vt-convert: unexpected argument '$work/out.json' after the trace directory; an output file is given with -o (see vt-convert --help)" ] &&
	ok "an output name without -o: one line naming it, exit 2" || bad "output name without -o" "rc=$rc $out"
"$conv" "$data/good" --from 3s --to 1s 2>/dev/null; rc=$?
[ $rc = 2 ] && ok "bad window: exit 2" || bad "bad window: exit $rc"
out=$("$conv" "$data/good" --min-dur 5sec -o "$work/e.json" 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q -- "--min-dur: bad time '5sec'" && ok "bad time: named, exit 2" ||
	bad "bad time" "rc=$rc $out"
a=$("$conv" -q "$data/good" -o - --to 0.001m | names) b=$("$conv" -q "$data/good" -o - --to 60ms | names)
[ "$a" = "$b" ] && ok "--to 0.001m is --to 60ms" || bad "--to in minutes" "--to 0.001m: $a"$'\n'"--to 60ms: $b"
"$conv" --help | grep -q -- "--match PATTERN" && ok "--help lists the options" || bad "--help"

# 7. a trace still being written: convert while the program runs. The program runs
# until told to stop, and the conversion starts once two chunks are on disk (no sleep
# of a fixed length: a busy machine may take longer to get there)
LD_PRELOAD="$top/build/libvt.so" VT_OUTPUT="$work/live" VT_BUFFER_SIZE=64K python3 -c '
import os, sys, time
def tick(i):
    return i * 2
while not os.path.exists(sys.argv[1]):
    for i in range(1000):
        tick(i)
    time.sleep(0.005)
' "$work/live.stop" &
livepid=$!
for _ in $(seq 600); do	# at most 60 s
	sz=$(cat "$work"/live/*.t*.vt 2>/dev/null | wc -c)
	[ "$sz" -gt 20000 ] && break
	sleep 0.1
done
out=$("$conv" "$work/live" -o "$work/live.json" 2>&1); rc=$?
n=$(grep -c '"name":"tick"' "$work/live.json")
alive=$(kill -0 $livepid 2>/dev/null && echo yes || echo no)
touch "$work/live.stop"
wait $livepid 2>/dev/null
if [ $rc = 0 ] && [ "$n" -gt 1000 ] && [ $alive = yes ] && echo "$out" | grep -q "still"; then
	ok "a running program's trace converts ($n calls so far, with a warning)"
else
	bad "live trace" "rc=$rc calls=$n running=$alive bytes on disk=$sz $out"
fi

# 8. progress on a terminal (script gives the converter a tty)
if command -v script >/dev/null; then
	out=$(script -qec "$conv $work/live -o $work/p.json" /dev/null 2>&1)
	case "$out" in *"MB read"*"events/s"*|*"processes"*) ok "progress and the report line on a terminal" ;; *) bad "progress on a terminal" "$out" ;; esac
	out=$(script -qec "$conv -q $work/live -o $work/p.json" /dev/null 2>&1)
	[ -z "$out" ] && ok "--quiet prints nothing" || bad "--quiet" "$out"
else
	echo "SKIP progress on a terminal: script(1) is not installed"
fi

# -j: several threads converting write the same events as one (in another order), and
# the file is valid JSON; bad --jobs values are usage errors
mkdir -p "$work/many"
cp "$data"/good/*.proc.vt "$work/many/"
for t in 4243 4244 4245 4246 4247 4248 4249 4250; do
	cp "$data"/good/*.t4243.vt "$work/many/p4242.000000003b9aca00.t$t.vt"
done
"$conv" -q -j 1 "$work/many" -o "$work/j1.json"
"$conv" -q -j 4 "$work/many" -o "$work/j4.json"
if /usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/j4.json" &&
	[ "$(sed 's/^,//' "$work/j1.json" | sort)" = "$(sed 's/^,//' "$work/j4.json" | sort)" ] &&
	[ "$(grep -c '"ph":"X"' "$work/j4.json")" = 40 ]; then
	ok "-j 4: the same 40 slices as -j 1, valid JSON"
else
	bad "-j 4: the same slices as -j 1" "$(diff <(sed 's/^,//' "$work/j1.json" | sort) <(sed 's/^,//' "$work/j4.json" | sort) | head)"
fi
# --summary with -j: each converting thread counts apart, the tables are added up at the
# end: the same table as one thread's, for a JSON output beside it or alone
for per in "" --per-thread; do
	a=$("$conv" -q -j 1 "$work/many" -s --top 0 $per) b=$("$conv" -q -j 4 "$work/many" -s --top 0 $per -o /dev/null)
	[ -n "$a" ] && [ "$a" = "$b" ] && echo "$a" | grep -q "^all processes: 40 calls\|^per thread: 40 calls" &&
		ok "--summary $per -j 4 (beside a JSON output): the table of -j 1" || bad "--summary $per -j 4" "$(diff <(echo "$a") <(echo "$b"))"
done
for v in 0 65 x; do
	"$conv" -q -j $v "$data/good" -o /dev/null 2>"$work/err"
	rc=$?
	[ $rc = 2 ] && grep -q -- '--jobs' "$work/err" && ok "-j $v: usage error" || bad "-j $v: usage error" "exit $rc: $(cat "$work/err")"
done

finish
