#!/bin/bash
# tests/faults/run.sh - faults in the traced program and its environment. Each case runs
# a program of tests/faults/progs/ twice, without vt and under vt, on every CPython of
# the machine, and compares exit status (including the signal that killed it) and stdout:
#
#   crash         a C-extension-style SIGSEGV (ctypes.string_at(0)), os.abort(), a SIGSEGV
#                 in a second thread, and SIGSEGV under faulthandler: the same death, the
#                 same faulthandler report, and a trace with the calls up to the crash
#   kill          SIGKILL mid-run (VT_BUFFER_SIZE=64K): every event of the flushed chunks
#   disk-full     a 256 KiB tmpfs: one vt: line, tracing stops, the program runs on (also
#                 for the flight recorder's window at exit)
#   fsize         RLIMIT_FSIZE (ulimit -f 32: per file), with SIGXFSZ ignored (Python's default) and
#                 with its default action restored by the program
#   unwritable    VT_OUTPUT under a file, under a missing directory, on a read-only mount
#   fds           the program closes every descriptor, dup2s over vt's (512..520), or
#                 reopens 600 files where vt's were: its own files hold what it wrote;
#                 also after a flight-recorder dump (VT_MODE=ring), before the one at exit
#   profilers     cProfile and sys.setprofile (pause/resume marks on 3.8-3.11); the
#                 pure-Python profile module (it sees exactly what it sees without vt) and a
#                 profiler installed from a finalizer during another install (3.11's refusal)
#   monitoring    sys.monitoring tools of the program's own on ids 2, 3, 5 and 4, a
#                 program that frees every tool id, ids 3 and 4 taken before vt starts,
#                 and vt's callbacks, taken out and put back: vt.callback objects (3.12+)
#
#   tests/faults/run.sh [-v] [NAME-FILTER]
#   VT_PYTHONS="/usr/bin/python3 ..." tests/faults/run.sh
#
# Ends with "N passed, N failed, N skipped". Needs root for the tmpfs mounts (skipped otherwise).
set -u
. "$(dirname "$0")/../lib.sh" faults
progs=$top/tests/faults/progs
vtf="/usr/bin/python3 $top/tests/faults/vtfile.py"
verbose=0 filter=""
[ "${1:-}" = "-v" ] && { verbose=1; shift; }
filter=${1:-}
mounts=()
bgpid=""
cleanup() {
	[ -n "$bgpid" ] && kill -KILL "$bgpid" 2>/dev/null
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
}
on_exit=cleanup

all_pythons "${VT_PYTHONS:-}"
need "$lib" "$conv"
# private copies: a rebuild during the run must not change what is tested
cp "$lib" "$work/libvt.so" && lib=$work/libvt.so
# VT_PRELOAD_EXTRA: libraries preloaded before vt's in the vt runs (`make preload-san`:
# the ASan and UBSan runtimes, with VT_LIB=build/asan/libvt.so and a NAME-FILTER)
preload=$lib
[ -n "${VT_PRELOAD_EXTRA:-}" ] && preload="$VT_PRELOAD_EXTRA $lib"
cp "$conv" "$work/vt-convert" && conv=$work/vt-convert

limit=${FAULTS_TIMEOUT:-300}
info() { [ $verbose = 1 ] && echo "  info: $*"; }

# run TAG CMD...: run with a limit of $limit s (FAULTS_TIMEOUT: a hang, where a busy
# machine may take minutes for a case); TAG.out, TAG.err, TAG.rc (no job message for a
# signal death: it happens in the subshell)
run() {
	local tag=$1
	shift
	local t0=$SECONDS
	rm -f "$work/$tag.timedout"
	( timeout -s KILL $limit "$@" >"$work/$tag.out" 2>"$work/$tag.err"; echo $? >"$work/$tag.rc" ) 2>/dev/null
	[ $((SECONDS - t0)) -ge $limit ] && touch "$work/$tag.timedout"
	return 0
}
# plain/vt: the same program without and with the preload; vt runs take VT_* settings
# from the environment the caller sets
plain() { run plain "$@"; }
vt() { rm -rf "$work/trace"; run vt env VT_OUTPUT="${VT_OUTPUT:-$work/trace}" LD_PRELOAD="$preload" "$@"; }
rc_of() { cat "$work/$1.rc"; }
vt_lines() { grep -c '^vt: ' "$work/vt.err"; }
# same NAME: the vt run ended as the plain one (status or signal) and printed the same
same() {
	local name=$1 d r
	for r in plain vt; do	# killed at the time limit: both may end alike, cut short
		if [ -e "$work/$r.timedout" ]; then
			bad "$name: the $r run did not end within $limit s (FAULTS_TIMEOUT)" "$(tail -5 "$work/$r.err")"
			return 1
		fi
	done
	if [ "$(rc_of plain)" != "$(rc_of vt)" ]; then
		bad "$name: exit status" "without vt $(rc_of plain), with vt $(rc_of vt)"$'\n'"$(cat "$work/vt.err")"
		return 1
	fi
	if ! d=$(diff "$work/plain.out" "$work/vt.out"); then
		bad "$name: stdout" "$d"$'\n'"$(cat "$work/vt.err")"
		return 1
	fi
	return 0
}
# convert [DIR]: c_rc, $work/t.json, and conv_err; a crash of the converter fails the case
convert() {
	timeout -s KILL $limit "$conv" "${1:-$work/trace}" -o "$work/t.json" >/dev/null 2>"$work/conv.err"
	c_rc=$?
	conv_err=$(<"$work/conv.err")
}
# names NAME...: "NAME=N ... marks=M" and "mark: ..." lines for the last conversion
names() { $vtf names "$work/t.json" "$@"; }
# summary NAME...: n = the same "NAME=N ..." line from vt-convert --summary (no JSON
# written or parsed: for the big traces); sets c_rc and conv_err
summary() {
	timeout -s KILL $limit "$conv" "$work/trace" --summary --top 0 >"$work/sum" 2>"$work/conv.err"
	c_rc=$?
	conv_err=$(<"$work/conv.err")
	local f out=""
	for f in "$@"; do out+="$f=$(awk -v f="$f" '$6 == f { n += $1 } END { print n + 0 }' "$work/sum") "; done
	n=$out
}
count() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2" | head -1; }

mount_tmpfs() { # DIR OPTIONS
	mkdir -p "$1" && mount -t tmpfs -o "$2" tmpfs "$1" 2>/dev/null && mounts+=("$1")
}

for py in "${pythons[@]}"; do
	ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	minor=${ver#3.}
	tag=$ver
	[ "$py" = /usr/bin/python3 ] && tag="$ver (Debian)"

	# ---- crashes: fatal signals ------------------------------------------------------
	for mode in segv abort thread-segv; do
		name="$tag crash $mode"
		want "$name" || continue
		plain "$py" "$progs/crash.py" "$mode"
		vt "$py" "$progs/crash.py" "$mode"
		same "$name" || continue
		convert
		n=$(names before_crash crash)
		want_before=1
		[ $mode = thread-segv ] && want_before=2
		if [ $c_rc -ne 0 ]; then bad "$name: trace converts cleanly" "exit $c_rc: $conv_err"
		elif [ "$(count before_crash "$n")" != $want_before ] || [ "$(count crash "$n")" != 1 ]; then
			bad "$name: trace has the calls up to the crash" "$n"
		else ok "$name: killed by the same signal ($(rc_of vt)), trace up to the crash"; fi
	done
	for fh in "-X faulthandler" "faulthandler.enable()"; do
	name="$tag crash segv under $fh"
	if want "$name"; then
		if [ "$fh" = "-X faulthandler" ]; then
			plain "$py" -X faulthandler "$progs/crash.py" segv
			vt "$py" -X faulthandler "$progs/crash.py" segv
		else
			plain "$py" "$progs/crash.py" enable-segv
			vt "$py" "$progs/crash.py" enable-segv
		fi
		if same "$name"; then
			# 3.15's report adds the C stack, which differs by nature under vt (its
			# hook is on it): its frames are left out, its heading kept
			norm() { grep -v -e '^vt: ' -e '^  Binary file "' "$1" | sed 's/0x[0-9a-f]*/0x/g'; }
			if ! grep -q "Fatal Python error: Segmentation fault" "$work/vt.err"; then
				bad "$name: faulthandler's report" "$(cat "$work/vt.err")"
			elif ! d=$(diff <(norm "$work/plain.err") <(norm "$work/vt.err")); then
				bad "$name: faulthandler's report differs" "$d"
			else
				convert
				n=$(names before_crash crash)
				[ "$(count crash "$n")" = 1 ] && ok "$name: same report, trace up to the crash" ||
					bad "$name: trace up to the crash" "$n; $conv_err"
			fi
		fi
	fi
	done

	# ---- SIGKILL mid-run ----------------------------------------------------------------
	name="$tag SIGKILL mid-run"
	if want "$name"; then
		rm -rf "$work/trace" "$work/ready"
		VT_BUFFER_SIZE=64K VT_OUTPUT=$work/trace LD_PRELOAD=$lib "$py" "$progs/killed.py" "$work/ready" \
			>/dev/null 2>"$work/vt.err" &
		bgpid=$!
		for ((i = 0; i < 600; i++)); do [ -e "$work/ready" ] && break; sleep 0.1; done
		kill -KILL $bgpid 2>/dev/null
		wait $bgpid 2>/dev/null
		st=$?
		bgpid=""
		summary f phase1
		if [ ! -e "$work/ready" ]; then bad "$name: the program never got ready"
		elif [ $st != 137 ]; then bad "$name: killed by SIGKILL" "exit $st"
		elif [ $c_rc -gt 1 ]; then bad "$name: trace converts" "exit $c_rc: $conv_err"
		elif [ "$(count f "$n")" != 60000 ] || [ "$(count phase1 "$n")" != 1 ]; then
			bad "$name: every event of the flushed chunks (f 60000 times, phase1 once)" "$n"$'\n'"$conv_err"
		elif ! grep -qE "without an end record|truncated" <<<"$conv_err"; then
			bad "$name: vt-convert says the stream was cut" "$conv_err"
		else ok "$name: all 60000 calls of the flushed chunks kept (vt-convert exit $c_rc)"; fi
	fi

	# ---- a full disk ----------------------------------------------------------------------
	# streaming, and the flight recorder writing its window at exit: once a write fails,
	# one vt: line that says why
	for vt_mode in stream ring; do
		name="$tag disk full"
		cause="^vt: .*No space left on device"
		if [ $vt_mode = ring ]; then
			name="$name, flight recorder"
			# the window's chunks, or a file's header when not even that fits
			cause="^vt: cannot write (the flight recorder's window|trace file) in .*: No space left on device"
		fi
		want "$name" || continue
		if [ -z "${have_full:-}" ]; then
			mount_tmpfs "$work/full" size=256k && have_full=1 || have_full=0
		fi
		if [ $have_full = 1 ]; then
			rm -rf "${work:?}/full/"*
			plain "$py" "$progs/busy.py" 4
			VT_MODE=$vt_mode VT_OUTPUT=$work/full/t vt "$py" "$progs/busy.py" 4
			if same "$name"; then
				convert "$work/full/t"
				if [ "$(vt_lines)" != 1 ] || ! grep -qE "$cause" "$work/vt.err"; then
					bad "$name: exactly one vt: line, naming the cause" "$(cat "$work/vt.err")"
				elif [ $c_rc -gt 1 ]; then bad "$name: what was written converts" "exit $c_rc: $conv_err"
				else ok "$name: one vt: line, the program unchanged"; fi
			fi
		else skipped "$name" "cannot mount a tmpfs"; fi
	done

	# ---- RLIMIT_FSIZE ----------------------------------------------------------------------
	for sig in ignored xfsz-default; do
		name="$tag RLIMIT_FSIZE, SIGXFSZ $sig"
		want "$name" || continue
		plain bash -c 'ulimit -f 32; exec "$@"' - "$py" "$progs/busy.py" 4 "$sig"
		vt bash -c 'ulimit -f 32; exec "$@"' - "$py" "$progs/busy.py" 4 "$sig"
		same "$name" || continue
		if [ "$(vt_lines)" != 1 ] || ! grep -q "^vt: .*File too large" "$work/vt.err"; then
			bad "$name: exactly one vt: line, naming the cause" "$(cat "$work/vt.err")"
		else ok "$name: one vt: line, the program unchanged"; fi
	done

	# ---- an output directory that cannot be made -------------------------------------------
	if [ -z "${have_ro:-}" ]; then
		mount_tmpfs "$work/ro" ro,size=64k && have_ro=1 || have_ro=0
	fi
	for out in /etc/passwd/vt-trace "$work/missing/parent/trace" "$work/ro/trace"; do
		case $out in
		/etc/*) name="$tag VT_OUTPUT under a file" ;;
		*missing*) name="$tag VT_OUTPUT in a missing directory" ;;
		*) name="$tag VT_OUTPUT on a read-only mount"
		   [ $have_ro = 1 ] || { want "$name" && skipped "$name" "cannot mount a tmpfs"; continue; } ;;
		esac
		want "$name" || continue
		plain "$py" "$progs/busy.py" 2
		VT_OUTPUT=$out vt "$py" "$progs/busy.py" 2
		same "$name" || continue
		if [ "$(vt_lines)" != 1 ] || ! grep -q "^vt: .*$out" "$work/vt.err"; then
			bad "$name: exactly one vt: line naming it" "$(cat "$work/vt.err")"
		elif [ -e "$out" ]; then bad "$name: nothing created" "$out exists"
		else ok "$name: one vt: line, the program unchanged"; fi
	done

	# ---- the program lists its descriptors ----------------------------------------------
	# vt holds none between writes: a child that checks it has only the descriptors it was
	# given (CPython's test_subprocess does) sees the same list with and without vt
	name="$tag fds: a new process sees only its own descriptors"
	if want "$name"; then
		code='import os; print(sorted(int(f) for f in os.listdir("/proc/self/fd")))'
		plain "$py" -c "$code" 7</dev/null
		vt "$py" -c "$code" 7</dev/null
		same "$name" && ok "$name: $(cat "$work/vt.out")"
	fi

	# ---- the program takes vt's descriptors ------------------------------------------------
	# vt opens its file again (by name, checked to be the same file) on a new descriptor
	# and goes on; it never writes to, nor closes, a descriptor that is the program's now
	for mode in closerange dup2 reopen loop threads ring; do
		name="$tag fds: $mode"
		want "$name" || continue
		vt_mode=stream
		[ $mode = ring ] && vt_mode=ring
		rm -rf "$work/own"; mkdir -p "$work/own"
		plain "$py" "$progs/fds.py" $mode "$work/own"
		rm -rf "$work/own"; mkdir -p "$work/own"
		VT_MODE=$vt_mode VT_BUFFER_SIZE=64K vt "$py" "$progs/fds.py" $mode "$work/own"
		same "$name" || continue
		lines=$(vt_lines)
		summary f
		f=$(count f "$n")
		want_f=180000
		[ $mode = loop ] && want_f=1200000
		if [ "$lines" != 0 ]; then bad "$name: no vt: line (vt opens its file again)" "$(cat "$work/vt.err")"
		elif [ $c_rc != 0 ]; then bad "$name: the trace converts cleanly" "exit $c_rc: $conv_err"
		elif [ "$f" != $want_f ]; then bad "$name: every call is there (f $want_f)" "$n"
		else ok "$name: the program and its files unchanged, every call recorded (f $f)"; fi
	done

	# ---- the program's own profilers ---------------------------------------------------------
	name="$tag cProfile and sys.setprofile"
	if want "$name"; then
		plain "$py" "$progs/profilers.py"
		vt "$py" "$progs/profilers.py"
		if same "$name"; then
			convert
			n=$(names f outside)
			if [ "$minor" -le 11 ]; then
				paused=$(grep -c '^mark: vt: paused' <<<"$n")
				resumed=$(grep -c '^mark: vt: resumed' <<<"$n")
				if [ "$(count f "$n")" != 300 ] || [ "$(count outside "$n")" != 3 ]; then
					bad "$name: vt records every call outside the user's profilers (f 300)" "$n"
				elif [ "$paused" -lt 2 ] || [ "$paused" != "$resumed" ]; then
					bad "$name: each pause is marked and resumed" "$n"
				else ok "$name: the user's profilers work; vt paused and resumed ($paused times), marked"; fi
			else
				[ "$(count f "$n")" = 410 ] && ok "$name: the user's profilers work; vt saw all 410 calls" ||
					bad "$name: vt sees every call alongside (f 410)" "$n"
			fi
		fi
	fi

	# the pure-Python profile module asserts on any event it did not expect, and 3.11
	# refuses a profiler installed while another is being installed
	name="$tag the profile module and a nested install"
	if want "$name"; then
		plain "$py" "$progs/pyprofile.py"
		vt "$py" "$progs/pyprofile.py"
		if same "$name"; then
			convert
			n=$(names outside)
			[ "$(count outside "$n")" = 3 ] && ok "$name: the same output; vt records again afterwards (outside 3)" ||
				bad "$name: vt records again afterwards (outside 3)" "$n"
		fi
	fi

	[ "$minor" -ge 12 ] || continue
	# ---- sys.monitoring (3.12+) ---------------------------------------------------------------
	for ids in 2,3,5 4; do
		name="$tag sys.monitoring tools of the program on ids $ids"
		want "$name" || continue
		plain "$py" "$progs/monitoring.py" $ids
		vt "$py" "$progs/monitoring.py" $ids
		same "$name" || continue
		convert
		n=$(names f)
		[ "$(count f "$n")" = 120 ] && ok "$name: the program's tools unchanged, vt saw all 120 calls" ||
			bad "$name: vt sees every call (f 120)" "$n"
	done
	name="$tag sys.monitoring: the program frees every tool id"
	if want "$name"; then
		plain "$py" "$progs/monitoring-free.py"
		vt "$py" "$progs/monitoring-free.py"
		if same "$name"; then
			convert
			n=$(names f)
			if [ "$(count f "$n")" = 120 ]; then ok "$name: vt's events resume (f 120)"
			elif [ "$(count marks "$n")" -gt 0 ]; then ok "$name: the loss is marked ($(grep '^mark' <<<"$n" | head -1))"
			else bad "$name: vt's events resume or the loss is marked" "$n"; fi
		fi
	fi
	name="$tag sys.monitoring: vt's callbacks are its own vectorcall objects"
	if want "$name"; then
		vt "$py" "$progs/monitoring-cb.py"
		want_out="PY_START vt.callback
PY_RETURN vt.callback
CALL vt.callback
C_RETURN vt.callback"
		convert
		n=$(names f)
		if [ "$(cat "$work/vt.out")" != "$want_out" ]; then bad "$name" "$(cat "$work/vt.out" "$work/vt.err")"
		elif [ "$(count f "$n")" != 100 ]; then bad "$name: vt records after they were put back (f 100)" "$n"
		else ok "$name (vt.callback), and vt records after they were put back (f 100)"; fi
	fi
	name="$tag sys.monitoring: ids 3 and 4 taken before vt starts"
	if want "$name"; then
		PYTHONPATH=$progs/site-ids plain "$py" "$progs/calls.py"
		PYTHONPATH=$progs/site-ids vt "$py" "$progs/calls.py"
		if same "$name"; then
			convert
			n=$(names f)
			if [ "$(vt_lines)" != 1 ]; then bad "$name: one vt: line" "$(cat "$work/vt.err")"
			elif [ "$(count f "$n")" != 1000 ]; then
				bad "$name: vt records through its fallback hook (f 1000)" "$n; $(cat "$work/vt.err")"
			else ok "$name: one vt: line, every call recorded through the fallback"; fi
		fi
	fi
done

finish
