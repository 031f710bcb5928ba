# python SCRIPT: the default checks, and the first top-level frame is the script's.
e2e_case() {
	default_case
	[ -e "$T/traced.json" ] || return
	first=$(top_frames traced | head -n 1)
	[ "$first" = "<module> @$CASE.py" ] ||
		fail "the first top-level frame is '$first', expected '<module> @$CASE.py'"
}
