/*
 * xalloc.h - allocation that succeeds or ends the program: "<prog>: out of memory" on
 * stderr and exit status 1. For vt-convert and its tests; never for libvt.so, which
 * must never end the traced program.
 *
 * Inline, so that the compiler sees that they never return NULL.
 */
#ifndef VT_XALLOC_H
#define VT_XALLOC_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/** xalloc_die - "<prog>: out of memory", exit 1. */
void xalloc_die(void) __attribute__((noreturn, cold));

static inline void *xalloc_check(void *p)
{
	if (!p)
		xalloc_die();
	return p;
}

static inline void *xmalloc(size_t n)
{
	return xalloc_check(malloc(n ? n : 1));
}

static inline void *xcalloc(size_t n, size_t size)
{
	return xalloc_check(calloc(n ? n : 1, size ? size : 1));
}

/** xrealloc - realloc(@p, @n), never NULL (a size of 0 gets one byte). */
static inline void *xrealloc(void *p, size_t n)
{
	return xalloc_check(realloc(p, n ? n : 1));
}

/** xstrdup - a copy of @s; NULL copies as "". */
static inline char *xstrdup(const char *s)
{
	return xalloc_check(strdup(s ? s : ""));
}

/** xstrndup - the first @n bytes of @s (which need no NUL) and a NUL. */
static inline char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

#endif /* VT_XALLOC_H */
