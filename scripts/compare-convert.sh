#!/bin/bash
# compare-convert.sh - convert trace directories with two vt-convert builds, in every output
# mode and with filters, windows and splits, and cmp every output file, stdout, stderr (the
# timing stripped) and exit status. For a change that must not alter what a user sees.
# Usage: scripts/compare-convert.sh NEW_VT_CONVERT BASE_VT_CONVERT [TRACE_DIR...]
#   (default: the directories of tests/data). Record real traces to compare too, e.g.
#   LD_PRELOAD=build/libvt.so VT_OUTPUT=/tmp/t1 VT_LOG_ARGS=1 python3 app.py
# Ends with "N compared, N differ"; exit 1 when some differ. Not part of the suites.
new=$(realpath "${1:?usage: compare-convert.sh NEW BASE [DIR...]}")
base=$(realpath "${2:?usage: compare-convert.sh NEW BASE [DIR...]}")
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- "$top"/tests/data/*/
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/a" "$work/b"
fail=0; n=0
run() { # tag args...
	local tag=$1; shift
	(cd "$work/a" && "$base" "$@" >stdout 2>stderr; echo $? >rc) 
	(cd "$work/b" && "$new" "$@" >stdout 2>stderr; echo $? >rc)
	for d in a b; do sed -i -E 's/ in [0-9.]+ s$//' "$work/$d"/stderr; [ -n "${SORT:-}" ] && for f in "$work/$d"/*; do sed -i "s/,$//" $f; sort -o $f $f; done; done
	for f in $(cd "$work/a" && ls); do
		n=$((n+1))
		if ! cmp -s "$work/a"/$f "$work/b"/$f; then echo "DIFF $tag: $f"; fail=$((fail+1)); fi
	done
	[ "$(cd "$work/a" && ls)" = "$(cd "$work/b" && ls)" ] || { echo "DIFF $tag: file lists"; fail=$((fail+1)); }
	rm -f "$work/a"/* "$work/b"/*
}
for t in "$@"; do
	[ -d "$t" ] || continue
	T=$(cd "$t" && pwd)
	run "$t json j1" "$T" -j1 -o x.json
	SORT=1 run "$t json j2" "$T" -j2 -o x.json
	run "$t json gz" "$T" -j1 -o x.json.gz
	run "$t json stdout" "$T" -j1 -o -
	run "$t html" "$T" -o x.html
	run "$t folded" "$T" -o x.folded
	run "$t summary" "$T" --summary
	run "$t summary pp" "$T" --summary --per-process --sort total --top 0
	run "$t summary pt+json" "$T" --summary --per-thread -o x.json
	run "$t split" "$T" --split 20k -o x.json
	run "$t window" "$T" -j1 --from 30ms --to 90ms -o x.json
	run "$t window html" "$T" --from 30ms --to 90ms -o x.html
	run "$t window folded" "$T" --from 30ms --to 90ms -o x.folded --summary
	run "$t match" "$T" -j1 --match 'fib' --min-dur 2us -o x.json
	run "$t match html" "$T" --match 'w*' --max-depth 3 -o x.html --summary --per-process
	run "$t depth folded" "$T" --max-depth 4 -f folded -o x.txt
	run "$t pid" "$T" -j1 --pid 1,4242 -o x.json
	run "$t progress" "$T" -j1 --progress -q -o x.json
done
run "help" --help
run "usage" 
run "bad" /nonexistent -o x.json
run "bad2" "$top" --top x
echo "$n compared, $fail differ"
[ "$fail" = 0 ]
