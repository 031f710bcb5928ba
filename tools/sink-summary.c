/*
 * sink-summary.c - the table of functions by self time, total time and calls
 * (--summary), over all processes, per process or per thread; printed at the end.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sink.h"
#include "tools/stats.h"
#include "tools/util.h"

struct summary_sink {
	struct vt_sink base;
	struct vt_summary_opts o;
	struct vt_stats *st;     /* the table printed; with -j the locals' sum */
	pthread_mutex_t lock;    /* around adding a local's table to st */
};

#define SS(s) ((struct summary_sink *)(s))

/* with -j each converting thread counts into a table of its own, added to st at its end */
static void *summary_local_open(struct vt_sink *s)
{
	(void)s;
	return vt_stats_new();
}

static void summary_local_close(struct vt_sink *s, void *local)
{
	pthread_mutex_lock(&SS(s)->lock);
	vt_stats_merge(SS(s)->st, local);
	pthread_mutex_unlock(&SS(s)->lock);
	vt_stats_free(local);
}

static void summary_def(struct vt_sink *s, struct vt_def *d)
{
	(void)s;
	d->srow = 0; /* (re)defined: its row is found again */
}

static void summary_slice(struct vt_sink *s, void *local, const struct vt_slice *sl)
{
	struct summary_sink *ss = SS(s);
	struct vt_stats *st = local ? local : ss->st;
	struct vt_def *d = (struct vt_def *)sl->def; /* its srow is this sink's to keep */
	uint64_t pid = ss->o.per >= 2 ? sl->pid : 0, tid = ss->o.per >= 3 ? sl->tid : 0;

	if (!sl->call)
		return; /* spans are not functions */
	/* a def belongs to one timeline, so to one converting thread and one table, and its
	 * row (the pid and tid of its timeline included) is found once */
	if (d->shared) {
		vt_stats_add(st, d->name, d->loc, pid, tid, sl->total, sl->self);
		return;
	}
	if (!d->srow)
		d->srow = (uint32_t)vt_stats_row(st, d->name, d->loc, pid, tid) + 1;
	vt_stats_add_at(st, d->srow - 1, sl->total, sl->self);
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
	pthread_mutex_destroy(&SS(s)->lock);
	free((char *)SS(s)->o.title);
	free(s);
}

static const struct vt_sink_ops summary_ops = {
	.local_open = summary_local_open,
	.local_close = summary_local_close,
	.def = summary_def,
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
	pthread_mutex_init(&ss->lock, NULL);
	return &ss->base;
}
