/*
 * sink-summary.c - the table of functions by self time, total time and calls
 * (--summary), over all processes, per process or per thread; printed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sink.h"
#include "tools/stats.h"
#include "tools/util.h"

struct summary_sink {
	struct vt_sink base;
	struct vt_summary_opts o;
	struct vt_stats *st;
};

#define SS(s) ((struct summary_sink *)(s))

static void summary_slice(struct vt_sink *s, void *local, const struct vt_slice *sl)
{
	struct summary_sink *ss = SS(s);

	(void)local;
	if (!sl->call)
		return; /* spans are not functions */
	vt_stats_add(ss->st, sl->def->name, sl->def->loc, ss->o.per >= 2 ? sl->pid : 0,
		     ss->o.per >= 3 ? sl->tid : 0, sl->total, sl->self);
}

static void summary_end(struct vt_sink *s)
{
	struct summary_sink *ss = SS(s);

	vt_stats_print(ss->st, ss->o.to_stderr ? stderr : stdout, ss->o.sort, ss->o.top,
		       ss->o.title);
}

static void summary_free(struct vt_sink *s)
{
	vt_stats_free(SS(s)->st);
	free((char *)SS(s)->o.title);
	free(s);
}

static const struct vt_sink_ops summary_ops = {
	.slice = summary_slice,
	.end = summary_end,
	.free = summary_free,
};

struct vt_sink *vt_sink_summary_new(const struct vt_summary_opts *o)
{
	struct summary_sink *ss = xmalloc(sizeof(*ss));

	memset(ss, 0, sizeof(*ss));
	ss->base.ops = &summary_ops;
	ss->o = *o;
	ss->o.title = xstrndup(o->title, strlen(o->title));
	ss->st = vt_stats_new();
	return &ss->base;
}
