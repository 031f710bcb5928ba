# A process that is not Python: libvt.so must stay inert. Byte-identical stdout,
# stderr and status, and no file at all (VT_OUTPUT is not created). Runs once.
E2E_ONCE=1
e2e_case() {
	local cmd='ls /; echo hi; echo to-stderr >&2; exit 4'
	run plain bash -c "$cmd"
	traced traced bash -c "$cmd"
	expect_rc plain 4
	grep -q '^hi$' "$T/plain.out" || fail "bash did not print hi"
	same_output plain traced stderr
	no_trace_files "$T/traced.trace"
	only_files plain traced
}
