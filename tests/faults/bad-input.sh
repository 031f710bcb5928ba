#!/bin/bash
# tests/faults/bad-input.sh - vt-convert on damaged, foreign and hostile input: empty
# files, a trace truncated at every byte offset, seeded random bit flips, huge declared
# lengths, wrong versions, a directory of unrelated files, symlink loops, a FIFO.
#
# Each case must: finish (no hang: 20 s each), never crash (exit status >= 128, or any
# ASan/UBSan/LSan report, is a failure), exit 1 with an "error: FILE: offset N: ..." line
# naming the damaged file and the offset where the damage is, and still convert what is
# readable (the output is valid JSON with the events of the intact chunks). Where the
# README says a condition is only a warning (an empty file, a stream without its end
# record), exit 0 and a warning naming the file.
#
#   tests/faults/bad-input.sh [-v]
#   VT_CONVERT=build/asan/vt-convert BAD_INPUT_QUICK=1 tests/faults/bad-input.sh
#
# BAD_INPUT_QUICK=1 (for a slow sanitizer build): every 4th offset of the larger files
# (tests/data/good's thread file is still cut at every offset) and half the bit flips.
#
# Ends with "N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/../lib.sh" bad-input
py=/usr/bin/python3
vtf="$top/tests/faults/vtfile.py"
data=$top/tests/data
verbose=0
[ "${1:-}" = "-v" ] && verbose=1
quick=${BAD_INPUT_QUICK:-0}
mkdir -p "$work/json"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

need "$conv"
# a private copy: a rebuild during the run must not swap the binary under the test
cp "$conv" "$work/vt-convert" && conv=$work/vt-convert

# single checks print only with -v; groups of them always
ok() { [ $verbose = 1 ] && echo "PASS $1"; pass=$((pass + 1)); }
# a group of many runs reports once
group() { if [ "$2" = 0 ]; then echo "PASS $1"; pass=$((pass + 1)); else bad "$1" "$3"; fi; }

nout=0
# conv DIR [ARGS...]: run vt-convert; sets rc, err (its stderr), out (the JSON), xs (X events)
conv() {
	local d=$1
	shift
	nout=$((nout + 1))
	out=$work/json/$nout.json
	timeout "${T:-20}" "$conv" "$d" -o "$out" "$@" >/dev/null 2>"$work/err"
	rc=$?
	err=$(<"$work/err")
	xs=$(grep -c '"ph":"X"' "$out" 2>/dev/null)
	[ -n "$xs" ] || xs=0
}
# crashed: sets cr to a non-empty text when the last run crashed, hung or reported a
# sanitizer error (no subshell: this runs a few thousand times)
crashed() {
	cr=""
	if [ $rc = 124 ]; then cr="hung (killed after ${T:-20} s)"
	elif [ $rc -ge 128 ]; then cr="killed by signal $((rc - 128))"
	elif [[ $err =~ AddressSanitizer|LeakSanitizer|runtime\ error:|UndefinedBehaviorSanitizer ]]; then
		cr="sanitizer report"
	fi
}
# expect NAME RC PATTERN: the last run exited RC, did not crash, and stderr matches PATTERN
expect() {
	crashed
	if [ -n "$cr" ]; then bad "$1" "$cr"$'\n'"$err"
	elif [ "$rc" != "$2" ]; then bad "$1" "exit $rc, want $2"$'\n'"$err"
	elif ! grep -qE -- "$3" <<<"$err"; then bad "$1" "stderr does not match /$3/:"$'\n'"$err"
	else ok "$1"
	fi
}

good=$data/good
P=p4242.000000003b9aca00
gthread=$good/$P.t4243.vt
gproc=$good/$P.proc.vt
# fresh DIR: a copy of tests/data/good
fresh() { rm -rf "$1"; mkdir -p "$1"; cp "$gproc" "$gthread" "$1/"; }

# ---- the reference: the intact trace converts cleanly ------------------------------
fresh "$work/ref"
conv "$work/ref"
ref_x=5 # the slices of tests/data/good (tests/data/README.md)
expect "intact trace converts cleanly" 0 '1 processes, 1 threads'
[ "$xs" = $ref_x ] && ok "intact trace: $ref_x slices" || bad "intact trace: $ref_x slices" "got $xs"

# ---- 1. empty files ----------------------------------------------------------------
d=$work/empty-thread; fresh "$d"; : >"$d/$P.t4243.vt"
conv "$d"
expect "empty thread file: a warning naming it, exit 0" 0 "warning: $d/$P.t4243.vt: empty file"
d=$work/empty-proc; fresh "$d"; : >"$d/$P.proc.vt"
conv "$d"
expect "empty process file: a warning naming it, exit 0" 0 "warning: $d/$P.proc.vt: empty file"
[ "$xs" = "$ref_x" ] && ok "empty process file: the thread is still converted" ||
	bad "empty process file: the thread is still converted" "$xs slices"
d=$work/empty-both; mkdir -p "$d"; : >"$d/$P.proc.vt"; : >"$d/$P.t4243.vt"
conv "$d"
expect "empty process and thread files: exit 0" 0 "empty file"
d=$work/empty-dir; mkdir -p "$d"
conv "$d"
expect "empty directory: exit 1, no trace files named" 1 "no trace files \\(\\*\\.vt\\) in '$d'"
[ ! -e "$out" ] && ok "empty directory: no output written" || bad "empty directory: no output written"

# ---- 2. truncated at every byte offset -------------------------------------------------
# truncate_all NAME SRCDIR FILE [STEP]: cut FILE of a copy of SRCDIR at every (STEP-th) offset
# and check exit status, message offset and the events kept against the file's layout.
truncate_all() {
	local name=$1 src=$2 file=$3 step=${4:-1} size hend k c n=0 problems="" want_rc want_off want_x
	local -a cstart cend bx
	size=$(stat -c %s "$src/$file")
	{ read -r hend; while read -r s r l; do cstart+=("$s"); cend+=($((s + 12 + l))); done; } \
		< <($py "$vtf" layout "$src/$file")
	# slices kept at each chunk boundary: cutting exactly there loses nothing else
	local d=$work/trunc-$name
	rm -rf "$d"; cp -r "$src" "$d"
	for ((c = 0; c < ${#cstart[@]}; c++)); do
		head -c "${cstart[c]}" "$src/$file" >"$d/$file"
		conv "$d"; bx[c]=$xs
	done
	for ((k = 0; k < size; k += step)); do
		head -c "$k" "$src/$file" >"$d/$file"
		conv "$d"
		n=$((n + 1))
		want_off="" want_x=""
		if ((k == 0)); then want_rc=0
		elif ((k < hend)); then want_rc=1 want_off=$k
		else
			want_rc=1
			for ((c = 0; c < ${#cstart[@]}; c++)); do
				if ((k == cstart[c])); then want_rc=0 want_x=${bx[c]}; break; fi
				if ((k > cstart[c] && k < cend[c])); then want_off=${cstart[c]} want_x=${bx[c]}; break; fi
			done
		fi
		crashed
		if [ -n "$cr" ]; then problems+="offset $k: $cr: $err"$'\n'
		elif [ "$rc" != "$want_rc" ]; then problems+="offset $k: exit $rc, want $want_rc: $err"$'\n'
		elif [ -n "$want_off" ] && [[ $err != *"error: $d/$file: offset $want_off: "* ]]; then
			problems+="offset $k: no 'error: FILE: offset $want_off:' line: $err"$'\n'
		elif [ -n "$want_x" ] && [ "$xs" != "$want_x" ]; then
			problems+="offset $k: $xs slices kept, want $want_x (the complete chunks)"$'\n'
		fi
	done
	group "truncated at every offset: $name ($n cuts)" "$([ -z "$problems" ]; echo $?)" "$problems"
}
truncate_all good-thread "$good" "$P.t4243.vt"
step=1
[ "$quick" = 1 ] && step=4
truncate_all good-proc "$good" "$P.proc.vt" $step

# a real trace recorded now: a small one at every offset, a multi-chunk one at its edges
have_lib=0
if [ -r "$lib" ] && [ -x "$py" ]; then
	have_lib=1
	cat >"$work/small.py" <<'EOF'
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
fib(5)
EOF
	cat >"$work/multi.py" <<'EOF'
def f(i):
    return i
for i in range(80000):
    f(i)
EOF
	VT_OUTPUT=$work/real LD_PRELOAD=$lib $py "$work/small.py"
	VT_OUTPUT=$work/multi VT_BUFFER_SIZE=64K VT_IGNORE_C=1 LD_PRELOAD=$lib $py "$work/multi.py"
	rthread=$(cd "$work/real" && ls ./*.t*.vt | head -1) && rthread=${rthread#./}
	rproc=$(cd "$work/real" && ls ./*.proc.vt | head -1) && rproc=${rproc#./}
	truncate_all real-thread "$work/real" "$rthread" $step
	truncate_all real-proc "$work/real" "$rproc" $step
else
	echo "SKIP real traces (no $lib)"
fi

if [ $have_lib = 1 ]; then
	mthread=$(cd "$work/multi" && ls ./*.t*.vt | head -1) && mthread=${mthread#./}
	nchunks=$($py "$vtf" layout "$work/multi/$mthread" | tail -n +2 | wc -l)
	if [ "$nchunks" -ge 3 ]; then ok "multi-chunk trace has $nchunks chunks"
	else bad "multi-chunk trace has $nchunks chunks (want >= 3)"; fi
	problems="" prev_x=-1 n=0
	size=$(stat -c %s "$work/multi/$mthread")
	mhend=$($py "$vtf" layout "$work/multi/$mthread" | head -1)
	starts=$($py "$vtf" layout "$work/multi/$mthread" | tail -n +2 | cut -d' ' -f1)
	cuts=$($py "$vtf" layout "$work/multi/$mthread" | tail -n +2 |
		awk -v size="$size" '{ for (d = -1; d <= 13; d++) if ($1 + d > 0 && $1 + d < size) print $1 + d } END { print size - 1 }' | sort -n -u)
	d=$work/trunc-multi
	rm -rf "$d"; cp -r "$work/multi" "$d"
	for k in $cuts; do
		head -c "$k" "$work/multi/$mthread" >"$d/$mthread"
		conv "$d"
		n=$((n + 1))
		crashed
		want_rc=1
		grep -qx "$k" <<<"$starts" && want_rc=0
		if [ -n "$cr" ]; then problems+="offset $k: $cr: $err"$'\n'
		elif [ $rc != $want_rc ]; then problems+="offset $k: exit $rc, want $want_rc: $err"$'\n'
		elif [ $rc = 1 ] && ! [[ $err =~ "error: $d/$mthread: offset "[0-9]+": truncated" ]]; then
			problems+="offset $k: exit 1 without a 'truncated' error naming the file: $err"$'\n'
		elif [ $rc = 0 ] && [ $k = "$mhend" ] && [[ $err != *"$mthread: a thread with no events"* ]]; then
			problems+="offset $k: the header alone without the 'no events' warning: $err"$'\n'
		elif [ $rc = 0 ] && [ $k != "$mhend" ] && [[ $err != *"$mthread: the stream ends without an end record"* ]]; then
			problems+="offset $k: a cut at a chunk edge without the 'no end record' warning: $err"$'\n'
		elif ((xs < prev_x)); then problems+="offset $k: $xs slices, fewer than a shorter cut ($prev_x)"$'\n'
		fi
		prev_x=$xs
	done
	((prev_x > 30000)) || problems+="the longest cut kept only $prev_x slices"$'\n'
	group "multi-chunk trace cut around each chunk edge ($n cuts): events kept grow with the cut" \
		"$([ -z "$problems" ]; echo $?)" "$problems"
fi

# ---- 3. random bit flips (seeded) --------------------------------------------------------
# flips NAME SRCDIR FILE RUNS BITS: each run flips BITS bits of a fresh copy
flips() {
	local name=$1 src=$2 file=$3 runs=$4 bits=$5 problems="" seed offs d
	[ "$quick" = 1 ] && runs=$((runs / 2))
	d=$work/flip-$name
	local nerr=0 nok=0
	local -a flipped
	# every flipped copy at once: one python start instead of one per run
	mapfile -t flipped < <($py "$vtf" flips "$src/$file" "$d" "$runs" "$bits")
	rm -rf "$d"; cp -r "$src" "$d"
	for ((seed = 1; seed <= runs; seed++)); do
		offs=${flipped[seed - 1]}
		cp "$d.$seed" "$d/$file"
		conv "$d"
		crashed
		if [ -n "$cr" ]; then problems+="seed $seed (bytes $offs): $cr: $err"$'\n'
		elif [ $rc = 1 ]; then
			nerr=$((nerr + 1))
			[[ $err =~ "error: $d/$file: offset "[0-9]+": " ]] ||
				problems+="seed $seed (bytes $offs): exit 1 without 'error: FILE: offset N:': $err"$'\n'
		elif [ ! -s "$out" ]; then problems+="seed $seed (bytes $offs): exit $rc, no output written"$'\n'
		elif [ $rc = 0 ]; then
			nok=$((nok + 1))
			[[ $err == *"error:"* ]] && problems+="seed $seed: exit 0 after an error: $err"$'\n'
		else problems+="seed $seed (bytes $offs): exit $rc: $err"$'\n'
		fi
	done
	((nerr > 0)) || problems+="no flip was detected"$'\n'
	group "bit flips: $name, $runs runs of $bits bit(s) ($nerr detected, $nok undetected)" \
		"$([ -z "$problems" ]; echo $?)" "$problems"
}
# a python program runs once per flip: keep the counts modest
flips good-thread "$good" "$P.t4243.vt" 150 1
flips good-thread-8 "$good" "$P.t4243.vt" 50 8
flips good-proc "$good" "$P.proc.vt" 60 1
if [ $have_lib = 1 ]; then
	flips multi-thread "$work/multi" "$mthread" 60 1
	flips real-proc "$work/real" "$rproc" 40 2
fi

# ---- 4. huge declared lengths ------------------------------------------------------------
# hdr_end and first chunk of good's thread file
read -r ghend < <($py "$vtf" layout "$gthread")
gc2=$($py "$vtf" layout "$gthread" | sed -n 3p | cut -d' ' -f1)   # the second chunk
d=$work/huge; tf=$d/$P.t4243.vt
fresh "$d"; $py "$vtf" set "$tf" 12 ffffffff
conv "$d"
expect "header length 0xffffffff: error at its offset" 1 "error: $tf: offset [0-9]+: .*(too large|truncated)"
fresh "$d"; $py "$vtf" set "$tf" 12 00001000
conv "$d"
expect "header length 1 MiB in a short file: truncated header" 1 "error: $tf: offset [0-9]+: truncated header"
fresh "$d"; $py "$vtf" set "$tf" 16 dfffffffff
conv "$d"
expect "header map declaring 2^32 pairs: corrupt header" 1 "error: $tf: offset 16: corrupt header"
fresh "$d"; $py "$vtf" set "$tf" $((gc2 + 4)) ffffffff
conv "$d"
expect "chunk raw length 0xffffffff: error at the chunk" 1 "error: $tf: offset $gc2: impossible chunk lengths"
[ "$xs" -ge 4 ] && ok "chunk raw length 0xffffffff: the first chunk is kept ($xs slices)" ||
	bad "chunk raw length 0xffffffff: the first chunk is kept" "$xs slices"
fresh "$d"; $py "$vtf" set "$tf" $((gc2 + 8)) ffffffff
conv "$d"
expect "chunk compressed length 0xffffffff: error at the chunk" 1 "error: $tf: offset $gc2: "
fresh "$d"; $py "$vtf" set "$tf" $((gc2 + 4)) 00000004
conv "$d"
expect "chunk raw length 64 MiB, 53 bytes of data: lz4 error at the chunk" 1 "error: $tf: offset $gc2: .*lz4"
fresh "$d"; $py "$vtf" set "$tf" $((gc2 + 8)) 00000000
conv "$d"
expect "chunk compressed length 0: error at the chunk" 1 "error: $tf: offset $gc2: "
# records declaring huge sizes inside a valid chunk: SYNC, then the record
for rec in "dd ffffffff:array of 2^32" "93 00 00 db ffffffff:str of 2^32 bytes" \
	"92 01 c9 7fffffff 01:ext of 2 GiB" "df ffffffff:map of 2^32"; do
	hex=${rec%%:*} what=${rec#*:}
	fresh "$d"; : >"$tf"; head -c "$gc2" "$gthread" >"$tf"
	$py "$vtf" chunk "$tf" 93 11 cd 0bb8 ce 3b9acbb8 $hex
	conv "$d"
	expect "a record declaring an $what: error at its chunk" 1 "error: $tf: offset $gc2: corrupt record"
done
# a long DEF name (the recorder cuts at 2048; a reader must not rely on it): 40000 bytes
fresh "$d"; head -c "$gc2" "$gthread" >"$tf"
long=$(head -c 40000 /dev/zero | tr '\0' 'a' | od -An -v -tx1 | tr -d ' \n')
$py "$vtf" chunk "$tf" 93 11 cd 0bb8 ce 3b9acbb8 96 10 05 00 da 9c40 "$long" a0 01 93 00 05 01 92 01 01
conv "$d"
expect "a DEF name of 40000 bytes converts" 0 "1 threads"
grep -qF "\"name\":\"$(head -c 40000 /dev/zero | tr '\0' a)\"" "$out" && ok "a DEF name of 40000 bytes: whole in the output" ||
	bad "a DEF name of 40000 bytes: whole in the output" "longest run of a: $(grep -o 'a*' "$out" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')"

# frames nested 1000 deep (the converter's frame stack grows while a caller is in use)
fresh "$d"; head -c "$ghend" "$gthread" >"$tf"
$py "$vtf" chunk "$tf" 93 11 cd 0bb8 ce 3b9acbb8 96 10 00 00 a1 72 a0 01 \
	$(for i in $(seq 1000); do printf '930000 01 '; done) $(for i in $(seq 1000); do printf '9201 01 '; done) \
	94 13 cd 1388 ce 3b9acd88 01
conv "$d"
expect "frames nested 1000 deep convert" 0 "1 threads"
[ "$xs" = 1000 ] && ok "frames nested 1000 deep: 1000 slices" || bad "frames nested 1000 deep: 1000 slices" "$xs"

# ---- 5. wrong versions and foreign magic ---------------------------------------------------
for v in "0500:5.0" "0000:0.0" "ffff:65535.0"; do
	fresh "$d"; $py "$vtf" set "$tf" 8 "${v%%:*}"
	conv "$d"
	expect "major version ${v#*:}: refused, naming both versions" 1 \
		"error: $tf: offset 8: format version ${v#*:} is not supported \(this vt-convert reads 1.x to 4.x\)"
done
fresh "$d"; $py "$vtf" set "$tf" 10 ffff
conv "$d"
expect "minor version 4.65535: read (minor versions only add)" 0 "1 threads"
[ "$xs" = "$ref_x" ] && ok "minor version 4.65535: every slice" || bad "minor version 4.65535: every slice" "$xs"
fresh "$d"; $py "$vtf" set "$tf" 0 89565452414345ff
conv "$d"
expect "bad magic: refused at offset 0" 1 "error: $tf: offset 0: not a vt trace file"
fresh "$d"; $py "$vtf" set "$tf" "$ghend" 58585858
conv "$d"
expect "bad chunk magic: error at the chunk" 1 "error: $tf: offset $ghend: bad chunk magic"
fresh "$d"; $py "$vtf" set "$tf" 23 787878787878   # the header's kind "thread" -> "xxxxxx"
conv "$d"
expect "unknown file kind: refused" 1 "error: $tf: offset 16: .*kind"

# ---- 6. a directory of unrelated files -----------------------------------------------------
d=$work/unrelated
mkdir -p "$d/subdir"
echo "not a trace" >"$d/README.txt"
cp /bin/true "$d/true"
head -c 4096 /dev/urandom >"$d/random.bin"
printf '\x89VTRACE\n' >"$d/p1.0000000000000001.t1.vt"      # the magic alone
printf '{"traceEvents":[]}' >"$d/trace.json"
mknod "$d/null" c 1 3 2>/dev/null
$py -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$d/sock" 2>/dev/null
conv "$d"
expect "unrelated files: exit 1, no hang" 1 "error: "
missing=""
for f in README.txt true random.bin p1.0000000000000001.t1.vt trace.json; do
	grep -q "error: $d/$f: offset [0-9]*: " <<<"$err" || missing+="$f "
done
[ -e "$d/null" ] && { grep -q "$d/null" <<<"$err" || missing+="null "; }
[ -e "$d/sock" ] && { grep -q "$d/sock" <<<"$err" || missing+="sock "; }
[ -z "$missing" ] && ok "unrelated files: one error naming each" ||
	bad "unrelated files: one error naming each" "not named: $missing"$'\n'"$err"
grep -q "$d/subdir" <<<"$err" && ok "unrelated files: the subdirectory is named (skipped)" ||
	bad "unrelated files: the subdirectory is named (skipped)" "$err"
fresh "$d/../unrelated-mixed"; cp "$d/README.txt" "$d/true" "$d/../unrelated-mixed/"
conv "$d/../unrelated-mixed"
expect "a trace with unrelated files: exit 1" 1 "error: .*README.txt"
[ "$xs" = "$ref_x" ] && ok "a trace with unrelated files: the trace is converted" ||
	bad "a trace with unrelated files: the trace is converted" "$xs slices"

d=$work/fifo; fresh "$d"; mkfifo "$d/p4242.000000003b9aca00.t9999.vt"
T=5; conv "$d"
expect "a FIFO in the trace directory: no hang, an error naming it" 1 "$d/p4242.000000003b9aca00.t9999.vt"
unset T

# ---- 7. symlinks ------------------------------------------------------------------------
d=$work/links; fresh "$d"; ln -s loop "$d/loop"; ln -s a "$d/b"; ln -s b "$d/a"
conv "$d"
expect "symlink loops in the directory: an error naming each, exit 1" 1 "error: $d/loop: offset 0: "
grep -q "error: $d/a: " <<<"$err" && grep -q "error: $d/b: " <<<"$err" &&
	ok "symlink loop a -> b -> a: both named" || bad "symlink loop a -> b -> a: both named" "$err"
[ "$xs" = "$ref_x" ] && ok "symlink loops: the trace beside them is converted" ||
	bad "symlink loops: the trace beside them is converted" "$xs slices"
d=$work/selflink; fresh "$d"; ln -s . "$d/self"; ln -s .. "$d/parent"
conv "$d"
crashed
[ -z "$cr" ] && [ "$rc" -le 1 ] && [ "$xs" = "$ref_x" ] &&
	ok "symlinks to the directory itself and its parent: no recursion" ||
	bad "symlinks to the directory itself and its parent: no recursion" "exit $rc $cr: $err"
ln -s loopdir "$work/loopdir"
conv "$work/loopdir"
expect "the trace directory is a symlink loop: exit 1 naming it" 1 "$work/loopdir.*(symbolic links|loop)"
conv "$work/does-not-exist"
expect "a missing trace directory: exit 1 naming it" 1 "$work/does-not-exist"
conv "$gthread"
expect "a file instead of a directory: exit 1 naming it" 1 "$gthread.*Not a directory"

# ---- 8. the output cannot be written -----------------------------------------------------
timeout 20 "$conv" "$good" -o /dev/full >/dev/null 2>"$work/err"; rc=$?; err=$(<"$work/err")
expect "output to a full device: exit 1" 1 "cannot write '/dev/full'"
timeout 20 "$conv" "$good" -o "$work/no/such/dir/x.json" >/dev/null 2>"$work/err"; rc=$?; err=$(<"$work/err")
expect "output into a missing directory: exit 1" 1 "cannot write"

# ---- every output that was written is valid JSON -------------------------------------------
res=$($py - "$work/json" <<'EOF'
import json, os, sys
d = sys.argv[1]
n = bad = 0
for f in os.listdir(d):
    p = os.path.join(d, f)
    if os.path.getsize(p) == 0:
        continue
    n += 1
    try:
        ev = json.load(open(p))["traceEvents"]
        assert isinstance(ev, list)
    except Exception as e:
        bad += 1
        print("%s: %s" % (f, e))
print("checked", n, "bad", bad)
EOF
)
case "$res" in *"checked "[0-9][0-9][0-9]*" bad 0") group "all $(sed -n 's/.*checked \([0-9]*\).*/\1/p' <<<"$res") outputs are valid JSON" 0 "" ;;
*) group "all outputs are valid JSON" 1 "$res" ;; esac

finish
