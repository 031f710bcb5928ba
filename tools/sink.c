/*
 * sink.c - feeding every sink of a conversion alike (see sink.h). A sink leaves out the
 * calls it has no use for (a NULL op).
 */
#include "tools/sink.h"
#include "tools/util.h"

void vt_sinks_add(struct vt_sinks *o, struct vt_sink *s)
{
	if (o->n == VT_SINKS_MAX)
		die("too many outputs");
	o->s[o->n++] = s;
}

int vt_sinks_parallel(const struct vt_sinks *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (!o->s[i]->ops->local_open)
			return 0;
	return 1;
}

int vt_sinks_want_counters(const struct vt_sinks *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->s[i]->wants_counters)
			return 1;
	return 0;
}

void vt_sinks_local_open(struct vt_sinks *o, struct vt_locals *l)
{
	for (size_t i = 0; i < o->n; i++)
		l->l[i] = o->s[i]->ops->local_open ? o->s[i]->ops->local_open(o->s[i]) : NULL;
}

void vt_sinks_local_close(struct vt_sinks *o, struct vt_locals *l)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->s[i]->ops->local_close && l->l[i])
			o->s[i]->ops->local_close(o->s[i], l->l[i]);
}

/* a NULL @l: the calls come from the main thread, which uses each sink's own output */
#define LOCAL(l, i) ((l) ? (l)->l[i] : NULL)

#define EACH(op, ...)                                                   \
	for (size_t i = 0; i < o->n; i++)                                \
		if (o->s[i]->ops->op)                                    \
			o->s[i]->ops->op(o->s[i], __VA_ARGS__)

void vt_sinks_def(struct vt_sinks *o, struct vt_def *d)
{
	EACH(def, d);
}

void vt_sinks_process(struct vt_sinks *o, uint64_t pid, const char *name, int sort,
		      const char *label)
{
	EACH(process, pid, name, sort, label);
}

void vt_sinks_thread(struct vt_sinks *o, struct vt_locals *l, uint64_t pid, uint64_t tid,
		     const char *name)
{
	EACH(thread, LOCAL(l, i), pid, tid, name);
}

/* the frame word: one sink (the folded stacks) keeps one */
uint32_t vt_sinks_root(struct vt_sinks *o, uint64_t pid, const char *proc, const char *thread)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->s[i]->ops->root)
			return o->s[i]->ops->root(o->s[i], pid, proc, thread);
	return 0;
}

uint32_t vt_sinks_enter(struct vt_sinks *o, uint32_t parent, const struct vt_def *d)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->s[i]->ops->enter)
			return o->s[i]->ops->enter(o->s[i], parent, d);
	return 0;
}

void vt_sinks_slice(struct vt_sinks *o, struct vt_locals *l, const struct vt_slice *sl)
{
	EACH(slice, LOCAL(l, i), sl);
}

void vt_sinks_instant(struct vt_sinks *o, struct vt_locals *l, const struct vt_instant *in)
{
	EACH(instant, LOCAL(l, i), in);
}

void vt_sinks_counter(struct vt_sinks *o, const struct vt_counter_sample *c)
{
	EACH(counter, c);
}

void vt_sinks_flow(struct vt_sinks *o, uint64_t id, uint64_t pid, uint64_t tid, uint64_t ns,
		   uint64_t pid2, uint64_t tid2, uint64_t ns2)
{
	EACH(flow, id, pid, tid, ns, pid2, tid2, ns2);
}

void vt_sinks_end(struct vt_sinks *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->s[i]->ops->end)
			o->s[i]->ops->end(o->s[i]);
}

void vt_sinks_free(struct vt_sinks *o)
{
	for (size_t i = 0; i < o->n; i++)
		o->s[i]->ops->free(o->s[i]);
	o->n = 0;
}
