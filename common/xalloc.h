/*
 * xalloc.h - allocation that succeeds or ends the program: "<prog>: out of memory" on
 * stderr and exit status 1. For vt-convert and its tests; never for libvt.so, which
 * must never end the traced program.
 */
#ifndef VT_XALLOC_H
#define VT_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
/** xrealloc - realloc(@p, @n), never NULL (a size of 0 gets one byte). */
void *xrealloc(void *p, size_t n);
/** xstrdup - a copy of @s; NULL copies as "". */
char *xstrdup(const char *s);
/** xstrndup - the first @n bytes of @s (which need no NUL) and a NUL. */
char *xstrndup(const char *s, size_t n);

#endif /* VT_XALLOC_H */
