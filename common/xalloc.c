/*
 * xalloc.c - the end of allocation that failed (see xalloc.h).
 */
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>

void xalloc_die(void)
{
	fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
	exit(1);
}
