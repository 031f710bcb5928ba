/*
 * fakepy.c - a program that looks to libvt.so like a CPython it has no entry for: it
 * exports PySys_AddAuditHook and Py_GetVersion (linked with -rdynamic), and with -DDEBUG
 * the symbol of a debug build. No such interpreter runs here (3.16 does not exist yet, and
 * nobody ships a debug 3.12 here), so 131-unknown-python builds this stand-in for what
 * vt sees of one. It prints, writes to stderr and exits 3, as a program would.
 */
#include <stdio.h>

#ifndef VERSION
#define VERSION "3.16.0 (main, Oct  1 2027, 10:00:00) [GCC 16.2.0]"
#endif

static int hooked;

int PySys_AddAuditHook(void *hook, void *data)
{
	(void)hook;
	(void)data;
	hooked = 1;
	return 0;
}

const char *Py_GetVersion(void)
{
	return VERSION;
}

#ifdef DEBUG
void _Py_NegativeRefcount(const char *file, int line, void *op)
{
	(void)file;
	(void)line;
	(void)op;
}
#endif

int main(void)
{
	printf("hello from fakepy%s\n", hooked ? " (an audit hook was added)" : "");
	fprintf(stderr, "fakepy: to stderr\n");
	return 3;
}
