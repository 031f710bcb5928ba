# A C program embedding CPython, started with Py_InitializeEx(0);
# the function it defines and calls in PyRun_SimpleString must be traced.
. "$CASEDIR/embed-lib.sh"
e2e_case() { embed_case initex; }
