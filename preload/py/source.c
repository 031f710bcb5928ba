/*
 * source.c - vt's own Python source (python/vt/__init__.py), built into libvt.so: the vt
 * module serves it (module.c), and names.c asks whether a file is a copy of it (then its
 * code is vt's own).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/py/py.h"

/* python/vt/__init__.py, built in (see the Makefile); NUL-terminated */
__asm__(".section .rodata\n"
	".global vt_api_source\n"
	".hidden vt_api_source\n"
	"vt_api_source:\n"
	".incbin \"python/vt/__init__.py\"\n"
	".byte 0\n"
	".previous\n");

int vt_api_is_copy(const char *file)
{
	static char last[1024];
	static int last_is;
	static const char tail[] = "/vt/__init__.py";
	size_t flen = strlen(file), n = strlen(vt_api_source);
	char *buf = NULL;
	ssize_t got = -1;
	int fd;

	if (flen < sizeof(tail) - 1 || strcmp(file + flen - (sizeof(tail) - 1), tail))
		return 0;
	if (!strcmp(file, last))
		return last_is; /* each function of the file asks: read it once */
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (buf = malloc(n + 1)))
		got = read(fd, buf, n + 1); /* one byte more: a longer file differs */
	last_is = got == (ssize_t)n && !memcmp(buf, vt_api_source, n);
	free(buf);
	if (fd >= 0)
		close(fd);
	snprintf(last, sizeof(last), "%s", file);
	return last_is;
}
