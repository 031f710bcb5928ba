/*
 * filter.c - which calls vt-convert keeps (see filter.h).
 */
#include <fnmatch.h>

#include "tools/filter.h"

struct vt_filter vt_filter_none(void)
{
	return (struct vt_filter){ .to = UINT64_MAX };
}

static int in_list(const uint64_t *list, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

int vt_filter_thread(const struct vt_filter *f, uint64_t pid, uint64_t tid)
{
	return (!f->npids || in_list(f->pids, f->npids, pid)) &&
	       (!f->ntids || in_list(f->tids, f->ntids, tid));
}

int vt_filter_match(const struct vt_filter *f, const char *name)
{
	return f->match && !fnmatch(f->match, name, 0);
}

int vt_filter_call(const struct vt_filter *f, uint64_t origin, uint64_t start, uint64_t end,
		   size_t depth, int matched, uint64_t proc_min_dur)
{
	if (f->max_depth && depth >= f->max_depth)
		return 0;
	if (end - start < (f->min_dur_set ? f->min_dur : proc_min_dur))
		return 0;
	if (f->match && !matched)
		return 0;
	if (end - origin < f->from || (f->to != UINT64_MAX && start - origin > f->to))
		return 0;
	return 1;
}

void vt_filter_cut(const struct vt_filter *f, uint64_t origin, uint64_t *start, uint64_t *end)
{
	if (*start - origin < f->from)
		*start = origin + f->from;
	if (f->to != UINT64_MAX && *end - origin > f->to)
		*end = origin + f->to;
}

int vt_filter_any(const struct vt_filter *f)
{
	return f->from || f->to != UINT64_MAX || f->npids || f->ntids || f->min_dur ||
	       f->max_depth || f->match;
}
