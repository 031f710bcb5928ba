/*
 * html-none.c - stands in for html.c until the viewer is built in: -o x.html fails
 * cleanly with a message.
 */
#include <errno.h>
#include <stddef.h>

#include "tools/html.h"

struct vt_html *vt_html_open(const char *path)
{
	(void)path;
	errno = ENOSYS;
	return NULL;
}

void vt_html_process(struct vt_html *h, uint64_t pid, const char *name, int sort_index,
		     const char *label)
{
	(void)h, (void)pid, (void)name, (void)sort_index, (void)label;
}

void vt_html_thread(struct vt_html *h, uint64_t pid, uint64_t tid, const char *name)
{
	(void)h, (void)pid, (void)tid, (void)name;
}

void vt_html_slice(struct vt_html *h, uint64_t pid, uint64_t tid, const char *name,
		   const char *loc, uint64_t start_ns, uint64_t dur_ns, unsigned flags)
{
	(void)h, (void)pid, (void)tid, (void)name, (void)loc, (void)start_ns, (void)dur_ns,
		(void)flags;
}

void vt_html_instant(struct vt_html *h, uint64_t pid, uint64_t tid, uint64_t ns,
		     const char *name)
{
	(void)h, (void)pid, (void)tid, (void)ns, (void)name;
}

void vt_html_counter(struct vt_html *h, uint64_t pid, const char *name, uint64_t ns,
		     double value)
{
	(void)h, (void)pid, (void)name, (void)ns, (void)value;
}

void vt_html_flow(struct vt_html *h, uint64_t pid, uint64_t tid, uint64_t ns, uint64_t pid2,
		  uint64_t tid2, uint64_t ns2)
{
	(void)h, (void)pid, (void)tid, (void)ns, (void)pid2, (void)tid2, (void)ns2;
}

int vt_html_close(struct vt_html *h, const char *title)
{
	(void)h, (void)title;
	return 0;
}
