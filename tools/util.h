/*
 * util.h - what every file of vt-convert shares: its messages on stderr, and (from
 * common/xalloc.h) allocation that exits when memory runs out. tools/ is an ordinary
 * program: it may print and exit.
 */
#ifndef VT_TOOLS_UTIL_H
#define VT_TOOLS_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#include "common/xalloc.h" /* xmalloc & co.: allocation that succeeds or exits */

#define VT_PROG "vt-convert"

/** vt_vmsg - "vt-convert: <kind><message>\n" on stderr. */
void vt_vmsg(const char *kind, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/** warning - "vt-convert: warning: ...": worth knowing, not a failure. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** vt_error - "vt-convert: error: ...": damaged input; sets *@bad (exit 1 at the end). */
void vt_error(int *bad, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** die - "vt-convert: ..." and exit 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/** base - the last component of @path. */
const char *base(const char *path);
/** ends_with - 1 when @s ends with @suffix. */
int ends_with(const char *s, const char *suffix);

#endif /* VT_TOOLS_UTIL_H */
