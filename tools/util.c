/*
 * util.c - messages and allocation for vt-convert (see util.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/util.h"

void vt_vmsg(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", VT_PROG, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vt_vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void vt_error(int *bad, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vt_vmsg("error: ", fmt, ap);
	va_end(ap);
	*bad = 1;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vt_vmsg("", fmt, ap);
	va_end(ap);
	exit(1);
}

const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}
