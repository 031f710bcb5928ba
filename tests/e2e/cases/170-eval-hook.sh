# The frame-evaluation hook (VT_IGNORE_C=1 on 3.8-3.11 chooses it) records the same
# Python call trees as the profile hook: each program of the cases above runs untraced,
# under VT_HOOK=profile VT_IGNORE_C=1 and under VT_IGNORE_C=1 alone, and the two trees
# (Python frames, threads by name; only the program's own frames for the threads, whose
# library internals vary with timing) must be identical, the output unchanged. On 3.12+
# VT_HOOK=eval is refused with one vt: line and sys.monitoring records instead.
e2e_case() {
	local p prog only
	if py_at_least 3.12; then
		run plain "$PY" "$CASEDIR/010-nesting.py"
		traced ref "$PY" "$CASEDIR/010-nesting.py"
		traced traced VT_HOOK=eval "$PY" "$CASEDIR/010-nesting.py"
		same_output plain traced
		[ "$(grep -c '^vt: VT_HOOK=eval is for Python 3.8-3.11' "$T/traced.err")" = 1 ] ||
			fail "no single vt: line for VT_HOOK=eval on $PYVER: $(cat "$T/traced.err")"
		convert ref || return
		convert traced || return
		tree ref > "$T/ref.tree"
		tree traced > "$T/traced.tree"
		cmp -s "$T/ref.tree" "$T/traced.tree" || fail "VT_HOOK=eval on $PYVER: not the sys.monitoring tree"
		return
	fi
	# 3.11.0-3.11.3 skip the hook for a Python __getitem__ (CPython gh-104405): vt does not
	# choose it there by itself; VT_HOOK=eval asks for it (those calls are then missing)
	local ask=""
	"$PY" -c 'import sys; sys.exit(sys.version_info[:3] < (3, 11, 4) and sys.version_info[:2] == (3, 11))' ||
		ask=VT_HOOK=eval
	for p in 010-nesting 020-exceptions 030-generators 040-async 050-threads 060-c-calls \
		100-sys-exit 101-uncaught 160-fork; do
		prog=$CASEDIR/$p.py
		only=none
		[ $p = 050-threads ] && only=$p.py
		[ -n "$ask" ] && [ $p = 040-async ] && only=$p.py
		run "$p.plain" "$PY" "$prog"
		traced "$p.profile" VT_HOOK=profile VT_IGNORE_C=1 "$PY" "$prog"
		# shellcheck disable=SC2086
		traced "$p.eval" $ask VT_IGNORE_C=1 "$PY" "$prog"
		same_output "$p.plain" "$p.eval" stderr
		convert "$p.profile" || continue
		convert "$p.eval" || continue
		if [ $only = none ]; then
			tree "$p.profile" --names none --by-name > "$T/$p.profile.tree"
			tree "$p.eval" --names none --by-name > "$T/$p.eval.tree"
		else
			tree "$p.profile" --files "$only" --by-name > "$T/$p.profile.tree"
			tree "$p.eval" --files "$only" --by-name > "$T/$p.eval.tree"
		fi
		if [ ! -s "$T/$p.eval.tree" ] || ! cmp -s "$T/$p.profile.tree" "$T/$p.eval.tree"; then
			fail "$p: the eval hook's call tree differs from the profile hook's:"
			diff -u --label profile --label eval "$T/$p.profile.tree" "$T/$p.eval.tree" | head -40
		else
			echo "$p: same tree from both hooks ($(wc -l < "$T/$p.eval.tree") lines)"
		fi
	done
}
