#!/bin/bash
# tests/rich/run.sh - arguments and return values (hostile __repr__ included), the inline
# vt API, recorder filters, exceptions and gc, on every CPython. Ends with "N passed, N failed, N skipped".
# VT_LIB: what to preload instead of build/libvt.so (a list: `make preload-san` puts the
# sanitizer runtimes before build/asan/libvt.so).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh" rich
q() { /usr/bin/python3 "$here/query.py" "$@"; }

find_pythons "${RICH_PYTHONS:-}" "8 9 10 11 12 13" /usr/bin/python3
add_sid_pythons

i=0
for py in $pythons; do
	[ -x "$py" ] || { skipped "$py" "not installed"; continue; }
	v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	minor=${v#3.}
	i=$((i + 1)); d=$work/$i; mkdir -p "$d"
	[ "$py" = /usr/bin/python3 ] && v="$v (Debian)"

	# 1. arguments and return values, with hostile reprs: output byte-identical
	"$py" "$here/hostile.py" > "$d/plain.out" 2> "$d/plain.err"; prc=$?
	LD_PRELOAD="$lib" VT_OUTPUT="$d/h" VT_LOG_ARGS=1 VT_LOG_RETURN=1 VT_REPR_MAX=64 \
		timeout 60 "$py" "$here/hostile.py" > "$d/h.out" 2> "$d/h.err"; trc=$?
	if [ $prc = $trc ] && cmp -s "$d/plain.out" "$d/h.out" && cmp -s "$d/plain.err" "$d/h.err"; then
		ok "$v hostile reprs: output, errors and status unchanged"
	else
		bad "$v hostile reprs changed the program" "rc $prc/$trc $(diff "$d/plain.out" "$d/h.out"; diff "$d/plain.err" "$d/h.err")"
	fi
	"$conv" -q "$d/h" -o "$d/h.json" 2>"$d/conv.err" || bad "$v convert" "$(cat "$d/conv.err")"
	got=$(q args "$d/h.json")
	# a tuple holding an object whose repr raises cannot be shown: the placeholder says why
	want='take objs=<repr failed: ValueError> kw={'"'"'big'"'"': '"'"'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...
take ret=5
gen n=5
gen n=3
take objs=<repr failed: ValueError> kw=<repr failed: ValueError>
take ret=2'
	[ "$got" = "$want" ] && ok "$v arguments by name, cut to VT_REPR_MAX, failures as placeholders, generators once" ||
		bad "$v arguments" "$(diff <(echo "$want") <(echo "$got"))"
	n=$(q count "$d/h.json" take w0)
	[ "$n" = 200 ] && ok "$v threads with GIL-releasing reprs: all 200 calls of a worker recorded" || bad "$v worker calls: $n"

	# 2. the vt module
	LD_PRELOAD="$lib" VT_OUTPUT="$d/a" VT_LOG_GC=1 "$py" "$here/api.py" > "$d/a.out" 2>&1
	"$py" "$here/api.py" > "$d/a.plain" 2>&1
	PYTHONPATH="$top/python" "$py" "$here/api.py" > "$d/a.fallback" 2>&1
	"$conv" -q "$d/a" -o "$d/a.json"
	got=$(q api "$d/a.json")
	want='C queue {"depth": 3, "rate": 1.5}
C total {"total": 42}
X batch {"size": 10} spans
X decorated {"kind": "fn"} spans
i flag {"value": true}
i reload {"reason": "test", "n": 2}
i state {"value": "{'"'"'a'"'"': 1}"}
i typed {"k": 0, "neg": -3, "f": 1.5, "on": true, "off": false, "none": null, "s": "0", "big": "1180591620717411303424", "nan": "nan", "obj": "[1]"}
thread main-loop
work 100
work 10
work 8'
	[ "$got" = "$want" ] && grep -q "active True" "$d/a.out" && ok "$v vt.counter, instant, span, log_var, thread_name, pause/resume" ||
		bad "$v vt API" "$(diff <(echo "$want") <(echo "$got")) $(cat "$d/a.out")"
	[ "$(q count "$d/a.json" gc)" -ge 1 ] && ok "$v VT_LOG_GC: collections as gc spans" || bad "$v gc spans"
	grep -q "ModuleNotFoundError" "$d/a.plain" && grep -q "active False" "$d/a.fallback" && grep -q "^done" "$d/a.fallback" &&
		ok "$v without vt: python/vt is a no-op fallback" || bad "$v fallback" "$(cat "$d/a.fallback")"

	# 2b. vt's own frames (its module, finder, _vt's builtins, the decorator's wrapper)
	# stay out of the trace, with all they run; the program's functions stay in, the
	# decorated ones right under their callers. Every hook: sys.monitoring or the profile
	# hook (default), the eval hook (VT_IGNORE_C=1 on 3.8-3.11; sys.monitoring without C
	# calls on 3.12+) and the profile hook on 3.12+; also when recording starts (signal)
	# while a decorated function runs
	got=$(q own "$d/a.json")
	[ "$got" = none ] && [ "$(q tree "$d/a.json" main | grep -c '^  decorated$')" = 1 ] &&
		ok "$v vt API: none of vt's own frames in the trace" || bad "$v vt's frames in the API trace" "$got $(q tree "$d/a.json" main)"
	hooks="VT_IGNORE_C=0 VT_IGNORE_C=1"
	[ "$minor" -ge 12 ] && hooks="$hooks VT_HOOK=profile"
	want_own='main
  handle
    leaf
  outer
    middle
      leaf
  fails
  gen
    leaf
  gen
  slow
    leaf
  after
    leaf
worker
  handle
    leaf'
	want_own_sig='main*
  slow*
    leaf
  after
    leaf'
	ours='^ *\(main\|worker\|handle\|leaf\|outer\|middle\|fails\|gen\|slow\|after\|__str__\|inner_str\)\*\?$'
	for h in $hooks; do
		for st in "" signal; do
			env LD_PRELOAD="$lib" VT_OUTPUT="$d/o$h$st" "$h" VT_START=$st "$py" "$here/own.py" > "$d/o.out" 2>&1
			"$conv" -q "$d/o$h$st" -o "$d/o.json"
			got="$(q own "$d/o.json")
$( (q tree "$d/o.json" main; q tree "$d/o.json" worker) | grep "$ours")"
			[ -n "$st" ] && w=$want_own_sig || w=$want_own
			[ "$got" = "none
$w" ] && [ ! -s "$d/o.out" ] && ok "$v $h${st:+ VT_START=$st}: vt's frames left out, the decorated functions in place" ||
				bad "$v $h${st:+ VT_START=$st}: vt's own frames" "$(diff <(echo "none"; echo "$w") <(echo "$got")) $(cat "$d/o.out")"
		done
	done
	# the module from the program's path: the same bytes as vt's are vt's too; another
	# vt module of the program's (here: one changed line) is the program's, recorded,
	# and only its calls of _vt.* are left out
	mkdir -p "$d/copy/vt" "$d/mine/vt"
	cp "$top/python/vt/__init__.py" "$d/copy/vt/"
	sed '$a # the program'"'"'s own version' "$top/python/vt/__init__.py" > "$d/mine/vt/__init__.py"
	want_mine='main
  _vt_wrapper
    handle
      leaf
  _vt_wrapper
    outer
      _vt_wrapper
        middle
          leaf
  _vt_wrapper
    fails
  _vt_wrapper
  gen
    leaf
  gen
  counter
    __str__
      inner_str
  _vt_wrapper
    slow
      leaf
  after
    leaf
worker
  _vt_wrapper
    handle
      leaf'
	want_mine_sig='main*
  _vt_wrapper*
    slow*
      leaf
  after
    leaf'
	ours_mine='^ *\(main\|worker\|handle\|leaf\|outer\|middle\|fails\|gen\|slow\|after\|__str__\|inner_str\|_vt_wrapper\|counter\)\*\?$'
	for m in copy mine; do
		for st in "" signal; do
			PYTHONPATH="$d/$m" LD_PRELOAD="$lib" VT_OUTPUT="$d/p$m$st" VT_START=$st "$py" "$here/own.py" > "$d/o.out" 2>&1
			"$conv" -q "$d/p$m$st" -o "$d/o.json"
			[ $m = copy ] && own=$(q own "$d/o.json" copy) || own=$(q own "$d/o.json")
			got="$own
$( (q tree "$d/o.json" main; q tree "$d/o.json" worker) | grep "$ours_mine")"
			case $m$st in
			copy) w=$want_own ;; copysignal) w=$want_own_sig ;;
			mine) w=$want_mine ;; minesignal) w=$want_mine_sig ;;
			esac
			[ "$got" = "none
$w" ] && [ ! -s "$d/o.out" ] &&
				ok "$v the vt module from the program's path ($m)${st:+, VT_START=$st}: vt's calls left out, the program's in" ||
				bad "$v the vt module from the program's path ($m)${st:+, VT_START=$st}" "$(diff <(echo "none"; echo "$w") <(echo "$got")) $(cat "$d/o.out")"
		done
	done

	# 3. filters
	LD_PRELOAD="$lib" VT_OUTPUT="$d/x" VT_EXCLUDE_FILES="$here/lib" "$py" "$here/filters.py" >/dev/null
	"$conv" -q "$d/x" -o "$d/x.json"
	[ "$(q names "$d/x.json" level outer inner)" = "level1 level2 level3" ] &&
		ok "$v VT_EXCLUDE_FILES drops the files' functions and what they call" || bad "$v exclude" "$(q names "$d/x.json" level outer inner)"
	[ "$(q dur_ok "$d/x.json" level1 20)" = ok ] && ok "$v with a filter on, a kept call's times are right (level1 >= 20 ms, nesting)" ||
		bad "$v filtered times" "$(q dur_ok "$d/x.json" level1 20)"
	# a relative prefix, read where vt starts (a shell that then changes directory), and
	# a script named with ".." in its path: both sides are normalised before matching
	(cd "$here" && LD_PRELOAD="$lib" VT_OUTPUT="$d/x2" VT_EXCLUDE_FILES=./lib/ \
		bash -c 'cd lib && exec "$0" ../lib/../filters.py' "$py" >/dev/null)
	"$conv" -q "$d/x2" -o "$d/x2.json"
	[ "$(q names "$d/x2.json" level outer inner)" = "level1 level2 level3" ] &&
		ok "$v VT_EXCLUDE_FILES=./lib/ from another directory, script run as ../lib/../filters.py" ||
		bad "$v exclude relative" "$(q names "$d/x2.json" level outer inner)"
	LD_PRELOAD="$lib" VT_OUTPUT="$d/i" VT_INCLUDE_FILES="$here/lib" "$py" "$here/filters.py" >/dev/null
	"$conv" -q "$d/i" -o "$d/i.json"
	[ "$(q pynames "$d/i.json")" = "<module> inner outer" ] && ok "$v VT_INCLUDE_FILES keeps only those files (helper's <module> is one)" || bad "$v include" "$(q pynames "$d/i.json")"
	# a C call belongs to the Python frame that makes it: recorded only when that frame is
	# (abs is made by helper.inner, time.sleep by level3), on each hook that sees C calls;
	# with VT_START=signal, recording starts inside helper.start_here: its abs and main's
	# len are made by frames vt never saw enter
	hooks=default; [ "$minor" -ge 12 ] && hooks="default profile"
	for hook in $hooks; do
		h=; [ $hook = profile ] && h=profile
		for f in INCLUDE EXCLUDE; do
			LD_PRELOAD="$lib" VT_HOOK=$h VT_OUTPUT="$d/c$f$hook" env VT_${f}_FILES="$here/lib" "$py" "$here/filters.py" >/dev/null
			LD_PRELOAD="$lib" VT_HOOK=$h VT_OUTPUT="$d/s$f$hook" VT_START=signal env VT_${f}_FILES="$here/lib" \
				"$py" "$here/filters-start.py" >/dev/null
			"$conv" -q "$d/c$f$hook" -o "$d/c.json" && "$conv" -q "$d/s$f$hook" -o "$d/s.json"
			c=$(q cnames "$d/c.json"); s=$(q cnames "$d/s.json")
			if [ $f = INCLUDE ]; then
				[ "$c" = abs ] && [ "$s" = abs ]
			else
				[[ " $c " == *" time.sleep "* && " $c " != *" abs "* && " $s " == *" len "* && " $s " != *" abs "* ]]
			fi && ok "$v $hook hook: VT_${f}_FILES keeps a C call exactly when it keeps its caller" ||
				bad "$v $hook VT_${f}_FILES C calls" "filters.py: $c
filters-start.py: $s"
		done
	done
	LD_PRELOAD="$lib" VT_OUTPUT="$d/m" VT_MAX_DEPTH=3 VT_IGNORE_C=1 "$py" "$here/filters.py" >/dev/null
	"$conv" -q "$d/m" -o "$d/m.json"
	[ "$(q names "$d/m.json" level outer inner '<module>')" = "<module> level1 level2" ] && ok "$v VT_MAX_DEPTH=3" ||
		bad "$v max depth" "$(q names "$d/m.json" level outer inner '<module>')"
	LD_PRELOAD="$lib" VT_OUTPUT="$d/mp" VT_MAX_DEPTH=3 "$py" "$here/filters-pause.py"
	"$conv" -q "$d/mp" -o "$d/mp.json"
	[ "$(q names "$d/mp.json" after len f)" = "after f1 f2 len" ] &&
		ok "$v VT_MAX_DEPTH=3 across vt.pause() 3 deep and vt.resume() at the top: depth counted from there" ||
		bad "$v max depth after resume" "$(q names "$d/mp.json" after len f)"
	LD_PRELOAD="$lib" VT_OUTPUT="$d/f" VT_IGNORE_FROZEN=1 "$py" "$here/filters.py" >/dev/null
	"$conv" -q "$d/f" -o "$d/f.json"
	[ "$(q frozen "$d/f.json")" = 0 ] && [ "$(q count "$d/f.json" level1)" = 1 ] && ok "$v VT_IGNORE_FROZEN" || bad "$v ignore frozen"
	LD_PRELOAD="$lib" VT_OUTPUT="$d/d" VT_MIN_DURATION=1s "$py" "$here/filters.py" >/dev/null
	"$conv" -q "$d/d" -o "$d/d.json"
	[ "$(q count "$d/d.json" level1)" = 0 ] && "$conv" -q "$d/d" -o "$d/d2.json" --min-dur 0 &&
		[ "$(q count "$d/d2.json" level1)" = 1 ] && ok "$v VT_MIN_DURATION applied by vt-convert (and --min-dur overrides it)" || bad "$v min duration"

	# 4. exceptions: sys.monitoring's RAISE on 3.12+, a trace function's exception events before
	LD_PRELOAD="$lib" VT_OUTPUT="$d/e" VT_LOG_EXCEPTIONS=1 "$py" "$here/hostile.py" > "$d/e.out" 2>&1
	"$conv" -q "$d/e" -o "$d/e.json"
	got=$(q exc "$d/e.json")
	[ "$got" = "KeyError 'boom' hostile.py:54" ] && cmp -s "$d/e.out" "$d/plain.out" &&
		ok "$v VT_LOG_EXCEPTIONS: type, message, where; output unchanged" || bad "$v exceptions" "$got"
done

# 5. a program's own module named vt wins over vt's
mkdir -p "$work/own"
echo 'NAME = "the program'"'"'s own vt"' > "$work/own/vt.py"
out=$(cd "$work/own" && LD_PRELOAD="$lib" VT_OUTPUT="$work/own/t" python3 -c 'import vt; print(vt.NAME)')
[ "$out" = "the program's own vt" ] && ok "a program's own vt module comes first" || bad "own vt module" "$out"

finish
