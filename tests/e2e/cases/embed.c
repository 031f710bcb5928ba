/*
 * embed.c - a program that embeds CPython, for the e2e test 120-embed.
 *
 * usage: embed init|initex|isolated
 *
 * Starts the interpreter with Py_Initialize(), Py_InitializeEx(0) or an isolated
 * PyConfig and Py_InitializeFromConfig(), then runs a string that defines and calls
 * a function. vt, preloaded, must trace that function although no cpython.run_*
 * audit event ever fires in this process.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <string.h>

static const char code[] =
	"def embedded_func(x):\n"
	"    return helper(x) * 2\n"
	"def helper(x):\n"
	"    return x + 1\n"
	"print('embedded result', embedded_func(20))\n";

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: embed init|initex|isolated\n");
		return 2;
	}
	if (!strcmp(argv[1], "init")) {
		Py_Initialize();
	} else if (!strcmp(argv[1], "initex")) {
		Py_InitializeEx(0);
	} else if (!strcmp(argv[1], "isolated")) {
		PyConfig config;
		PyStatus status;

		PyConfig_InitIsolatedConfig(&config);
		status = Py_InitializeFromConfig(&config);
		PyConfig_Clear(&config);
		if (PyStatus_Exception(status))
			Py_ExitStatusException(status);
	} else {
		fprintf(stderr, "embed: unknown variant '%s'\n", argv[1]);
		return 2;
	}
	if (PyRun_SimpleString(code) != 0)
		return 1;
	fflush(stdout);
	if (Py_FinalizeEx() < 0)
		return 120;
	return 0;
}
