/*
 * path.c - file names normalised as text, for the recorder's file filters.
 *
 * VT_INCLUDE_FILES and VT_EXCLUDE_FILES are path prefixes, matched against a code
 * object's co_filename, which CPython keeps as the program spelled it: "../app/x.py"
 * becomes "/srv/run/../app/x.py". Both sides are normalised the same way here. Nothing
 * touches the file system (no realpath: a syscall per component, and a name may not
 * exist any more), so symbolic links are not followed.
 */
#include <stddef.h>
#include <string.h>

#include "preload/vt.h"

/*
 * @path (@len bytes) as an absolute path without "." or ".." components or doubled
 * slashes, into @dst: a relative one is taken from @base (a directory); a name such as
 * "<string>" or "<frozen os>", or an empty one, is copied as it is. Only the text changes: symbolic links
 * are not followed. 0, or -1 when it does not fit.
 */
int vt_path_norm(char *dst, size_t cap, const char *base, const char *path, size_t len)
{
	size_t n = 0;
	int pass;

	if (!len || path[0] == '<') {
		if (len >= cap)
			return -1;
		memcpy(dst, path, len);
		dst[len] = 0;
		return 0;
	}
	/* the base's components, then the path's */
	for (pass = path[0] == '/' && len; pass < 2; pass++) {
		const char *p = pass ? path : base, *end = pass ? path + len : base + strlen(base);

		while (p < end) {
			const char *c = p;
			size_t cl;

			while (c < end && *c != '/')
				c++;
			cl = (size_t)(c - p);
			if (cl == 2 && p[0] == '.' && p[1] == '.') {
				while (n && dst[n - 1] != '/')
					n--;
				n -= n > 0; /* the slash before it */
			} else if (cl && !(cl == 1 && p[0] == '.')) {
				if (n + 1 + cl >= cap)
					return -1;
				dst[n++] = '/';
				memcpy(dst + n, p, cl);
				n += cl;
			}
			p = c + (c < end);
		}
	}
	if (!n || (len && path[len - 1] == '/')) { /* "/", or a prefix that ends a directory */
		if (n + 2 > cap)
			return -1;
		dst[n++] = '/';
	}
	dst[n] = 0;
	return 0;
}
