# A C program embedding CPython, started with PyConfig_InitIsolatedConfig() and Py_InitializeFromConfig();
# the function it defines and calls in PyRun_SimpleString must be traced.
. "$CASEDIR/embed-lib.sh"
e2e_case() { embed_case isolated; }
