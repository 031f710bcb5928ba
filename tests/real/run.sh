#!/bin/bash
# tests/real/run.sh - real programs, unchanged, behave identically under vt, on every
# CPython of the machine:
#   web       webapp.py (http.server, a thread per request) under a bounded load of 600
#             requests from 4 client threads in a second process (load.py): every answer
#             right, the same exit status and output as without vt, and the trace holds
#             exactly one call of item() per /item request and one do_POST per /echo
#   pygments  Debian's Pygments (python3-pygments, put on PYTHONPATH for the pyenv
#             interpreters; the sid root's own for its interpreters) highlights ~1 MB of
#             Python to HTML and to 256-colour terminal text: byte-identical to the run
#             without vt, and its lexer is in the trace
#   pytest    Debian's pytest and coverage (python3-pytest, python3-coverage; Debian's
#             python3, and the sid root's interpreters with the root's packages) on
#             tests/real/pyproj: the same reports and exit statuses, and every test in
#             the trace
# A program an interpreter cannot import is a SKIP line naming the interpreter and why.
# Ends with "N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh" real
srv=
on_exit='[ -n "$srv" ] && kill $srv 2>/dev/null'
find_pythons "${VT_PYTHONS:-}" "8 9 10 11 12 13" /usr/bin/python3
add_sid_pythons
client=/usr/bin/python3
requests=600

# the requests load.py makes: /item/i unless i % 3 == 2 (POST /echo) or i % 17 == 5 (404)
n_item=0 n_post=0
for ((i = 0; i < requests; i++)); do
	if ((i % 3 == 2)); then n_post=$((n_post + 1)); elif ((i % 17 != 5)); then n_item=$((n_item + 1)); fi
done

# calls SUMMARY FUNC: the calls of FUNC in a --summary (Class.FUNC on 3.11+, where code
# objects have qualified names; FUNC before)
calls() { awk -v f="$2" '$0 ~ "[ .]" f " \\(" { n += $1 } END { print n + 0 }' "$1"; }

# web PY TAG MODE: one run of the service under load; MODE is plain or vt
web() {
	local py=$1 mode=$2 pre="" port
	[ "$mode" = vt ] && pre=$lib
	rm -rf "$work/trace" "$work/port"
	LD_PRELOAD=$pre VT_OUTPUT="$work/trace" "$py" "$here/webapp.py" >"$work/$mode.out" 2>"$work/$mode.err" &
	srv=$!
	# its port: a busy machine once took more than 10 s to start it under vt
	for _ in $(seq 1200); do [ -s "$work/$mode.out" ] && break; sleep 0.1; done
	port=$(head -1 "$work/$mode.out")
	timeout 120 "$client" "$here/load.py" "$port" $requests 4 >"$work/$mode.load" 2>>"$work/$mode.err"
	# the load ends with GET /quit; a server that missed it (no port, a failed client) is
	# killed, so that the suite ends and says so (it used to wait for it forever)
	for _ in $(seq 300); do kill -0 $srv 2>/dev/null || break; sleep 0.1; done
	kill -0 $srv 2>/dev/null && { echo "run.sh: the server did not stop; killed" >>"$work/$mode.err"; kill -KILL $srv; }
	wait $srv
	echo $? >"$work/$mode.rc"
	srv=
	sed 1d "$work/$mode.out" >"$work/$mode.rest" # the port differs between runs
}

have_pygments=0
[ -d /usr/lib/python3/dist-packages/pygments ] && have_pygments=1
if [ $have_pygments = 1 ]; then
	mkdir -p "$work/site" "$work/src"
	ln -s /usr/lib/python3/dist-packages/pygments "$work/site/pygments"
	# ~1 MB of real Python: Debian's standard library
	for f in argparse typing pydoc inspect dataclasses enum subprocess tarfile zipfile/__init__ \
		email/_header_value_parser http/client logging/__init__ unittest/mock ast pathlib \
		difflib doctest configparser smtplib imaplib ftplib pickle decimal; do
		cat /usr/lib/python3.*/"$f".py 2>/dev/null
	done >"$work/src/big.py"
else
	skipped "pygments" "Debian's python3-pygments is not installed (scripts/install-deps.sh --test)"
fi

# in_root PY: whether PY is an interpreter of the sid root (its programs are the root's)
in_root() { [ -n "$(sid_exec "$1")" ]; }

for py in $pythons; do
	v=$(py_tag "$py") || continue

	web "$py" plain
	web "$py" vt
	if [ "$(cat "$work/vt.load")" = "$requests 0" ] && [ "$(cat "$work/vt.rc")" = 0 ] &&
		cmp -s "$work/plain.load" "$work/vt.load" && cmp -s "$work/plain.rest" "$work/vt.rest" &&
		cmp -s "$work/plain.rc" "$work/vt.rc"; then
		ok "$v web: $requests requests, every answer right, output and exit status as without vt"
	else
		bad "$v web: answers and exit status" "plain: $(cat "$work/plain.load") rc $(cat "$work/plain.rc"); vt: $(cat "$work/vt.load") rc $(cat "$work/vt.rc")
$(cat "$work/vt.err")"
	fi
	"$conv" "$work/trace" --summary --top 0 >"$work/sum" 2>"$work/conv.err"
	crc=$?
	ni=$(calls "$work/sum" item) np=$(calls "$work/sum" do_POST)
	if [ $crc = 0 ] && grep -q " 0 lost" "$work/conv.err" && [ "$ni" = $n_item ] && [ "$np" = $n_post ]; then
		ok "$v web: the trace has every request ($ni item, $np do_POST), nothing lost"
	else
		bad "$v web: the trace has every request" "exit $crc, item $ni of $n_item, do_POST $np of $n_post: $(cat "$work/conv.err")"
	fi

	[ $have_pygments = 1 ] || continue
	# (in the root, $work/site/pygments leads to the root's own Pygments, if it has one)
	if ! PYTHONPATH="$work/site" "$py" -c 'import pygments' 2>/dev/null; then
		if in_root "$py"; then
			skipped "$v pygments" "the sid root has no Pygments (python3-pygments: scripts/sid-rootfs.sh make adds it)"
		else
			skipped "$v pygments" "this interpreter cannot import Debian's Pygments ($(PYTHONPATH="$work/site" "$py" -c 'import pygments' 2>&1 | tail -1))"
		fi
		continue
	fi
	for fmt in html terminal256; do
		for mode in plain vt; do
			pre=""
			[ $mode = vt ] && pre=$lib
			rm -rf "$work/trace"
			(cd "$work/src" && LD_PRELOAD=$pre VT_OUTPUT="$work/trace" PYTHONPATH="$work/site" \
				"$py" -m pygments -l python -f $fmt -O full big.py >"$work/$mode.$fmt" 2>"$work/$mode.err")
			echo $? >"$work/$mode.rc"
		done
		if [ -s "$work/plain.$fmt" ] && [ "$(cat "$work/plain.rc")" = 0 ] &&
			cmp -s "$work/plain.$fmt" "$work/vt.$fmt" && cmp -s "$work/plain.rc" "$work/vt.rc"; then
			ok "$v pygments $fmt: $(wc -c <"$work/vt.$fmt") bytes, identical to the run without vt"
		else
			bad "$v pygments $fmt: identical output" "$(cmp "$work/plain.$fmt" "$work/vt.$fmt" 2>&1) rc $(cat "$work/plain.rc")/$(cat "$work/vt.rc") $(head -5 "$work/vt.err")"
		fi
	done
	"$conv" "$work/trace" --summary --top 0 >"$work/sum" 2>"$work/conv.err"
	crc=$?
	nl=$(calls "$work/sum" get_tokens_unprocessed)
	if [ $crc = 0 ] && grep -q " 0 lost" "$work/conv.err" && [ "$nl" -ge 1 ]; then
		ok "$v pygments: the lexer is in the trace ($(grep -o '[0-9]* events' "$work/conv.err"))"
	else
		bad "$v pygments: the lexer is in the trace" "exit $crc, get_tokens_unprocessed $nl: $(cat "$work/conv.err")"
	fi
done

# ---- pytest and coverage: Debian's packages, for Debian's python3 and (the root's) for ----
# the sid root's interpreters
# tests/real/pyproj: coverage measures app.py (line and branch), pytest runs test_app.py
# (one test fails on purpose), and coverage measures the pytest run: the same reports
# and exit statuses with and without vt, and pytest's tests are in the trace
tool_run() { # MODE NAME ARGS...: one run in a fresh copy of pyproj
	local mode=$1 name=$2 pre=""
	shift 2
	[ $mode = vt ] && pre=$lib
	rm -rf "$work/proj" "$work/trace"
	cp -r "$here/pyproj" "$work/proj"
	(cd "$work/proj" && LD_PRELOAD=$pre VT_OUTPUT="$work/trace" "$@" 2>&1 |
		sed -E 's/ in [0-9.]+s( \([0-9:]+\))?//'; exit "${PIPESTATUS[0]}") >"$work/$mode.$name"
	echo "rc $?" >>"$work/$mode.$name"
}
tool_pythons=/usr/bin/python3
for py in $pythons; do in_root "$py" && tool_pythons="$tool_pythons $py"; done
for py in $tool_pythons; do
	if [ ! -x "$py" ]; then
		skipped "pytest and coverage" "no $py"
		continue
	fi
	v=$(py_tag "$py") || continue
	if ! why=$("$py" -c 'import coverage, pytest' 2>&1); then
		if in_root "$py"; then
			skipped "$v pytest and coverage" "not in the sid root (python3-pytest, python3-coverage: scripts/sid-rootfs.sh make adds them): ${why##*$'\n'}"
		else
			skipped "$v pytest and coverage" "Debian's python3-pytest and python3-coverage are not installed (scripts/install-deps.sh --test)"
		fi
		continue
	fi
	cov="$py -m coverage"
	for mode in plain vt; do
		tool_run $mode coverage sh -c "$cov run --branch app.py && $cov report -m"
	done
	if cmp -s "$work/plain.coverage" "$work/vt.coverage" && grep -q '^app.py .*96%' "$work/vt.coverage"; then
		ok "$v coverage of app.py (lines and branches): the same report under vt ($(grep '^app.py' "$work/vt.coverage" | tr -s ' '))"
	else
		bad "$v coverage: the same report under vt" "$(diff "$work/plain.coverage" "$work/vt.coverage"; tail -5 "$work/vt.coverage")"
	fi
	for mode in plain vt; do
		tool_run $mode pytest $py -m pytest -q -p no:cacheprovider test_app.py
	done
	"$conv" "$work/trace" --summary --top 0 >"$work/sum" 2>"$work/conv.err"
	crc=$?
	got="$(calls "$work/sum" test_parse) $(calls "$work/sum" test_total) $(calls "$work/sum" test_gen) $(calls "$work/sum" test_fails_on_purpose)"
	if cmp -s "$work/plain.pytest" "$work/vt.pytest" && grep -q '^1 failed, 5 passed$' "$work/vt.pytest" &&
		grep -q '^rc 1$' "$work/vt.pytest"; then
		ok "$v pytest: the same report and exit status under vt (1 failed, 5 passed; status 1)"
	else
		bad "$v pytest: the same report and exit status under vt" "$(diff "$work/plain.pytest" "$work/vt.pytest"; tail -5 "$work/vt.pytest")"
	fi
	if [ $crc = 0 ] && grep -q " 0 lost" "$work/conv.err" && [ "$got" = "1 3 1 1" ]; then
		ok "$v pytest: each test is in the trace as often as it ran (parse 1, total 3, gen 1, the failing one 1)"
	else
		bad "$v pytest: each test is in the trace" "exit $crc, test_parse/total/gen/fails: $got (want 1 3 1 1): $(cat "$work/conv.err")"
	fi
	for mode in plain vt; do
		tool_run $mode covpytest sh -c "$cov run --branch -m pytest -q -p no:cacheprovider test_app.py; $cov report -m --include=app.py"
	done
	if cmp -s "$work/plain.covpytest" "$work/vt.covpytest" && grep -q '^app.py' "$work/vt.covpytest"; then
		ok "$v coverage of a pytest run: the same test report and coverage under vt"
	else
		bad "$v coverage of a pytest run: the same under vt" "$(diff "$work/plain.covpytest" "$work/vt.covpytest"; tail -5 "$work/vt.covpytest")"
	fi
done

finish
