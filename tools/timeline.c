/*
 * timeline.c - one thread's records to calls (see timeline.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/counters.h"
#include "tools/timeline.h"
#include "tools/tree.h"
#include "tools/util.h"

void vt_counts_add(struct vt_counts *to, const struct vt_counts *from)
{
	to->events += from->events;
	to->lost += from->lost;
	to->unmatched += from->unmatched;
	to->unfinished += from->unfinished;
	to->threads += from->threads;
	to->bytes_read += from->bytes_read;
	to->skipped += from->skipped;
}

/* a track named: for the counters' track names and for the sinks */
static void name_track(struct vt_timeline *tl, uint64_t tid, const char *name)
{
	const struct vt_timeline_env *env = tl->env;

	if (env->tree)
		vt_tree_thread(env->tree, tl->pid, tid, name);
	vt_sinks_thread(env->out, env->locals, tl->pid, tid, name);
}

/* a marker of vt's on this thread, never before the trace's start */
static void instant(struct vt_timeline *tl, uint64_t ns, const char *name, size_t len)
{
	const struct vt_timeline_env *env = tl->env;
	struct vt_instant in = { tl->pid, tl->tid, ns < env->origin ? env->origin : ns, name, len,
				 't', NULL, 0 };

	vt_sinks_instant(env->out, env->locals, &in);
}

static const struct vt_def *def_of(const struct vt_timeline *tl, uint32_t id)
{
	return id == VT_UNSEEN_ID ? tl->env->unseen : &tl->defs[id];
}

static int defined(const struct vt_timeline *tl, uint64_t id)
{
	return id < tl->ndefs && tl->defs[id].name;
}

static void push(struct vt_timeline *tl, uint32_t id, int is_c, uint64_t ns)
{
	struct vt_frame *f, *up;
	const struct vt_def *d = def_of(tl, id);

	if (tl->depth == tl->cap) {
		tl->cap = tl->cap ? tl->cap * 2 : 256;
		tl->stack = xrealloc(tl->stack, tl->cap * sizeof(*tl->stack));
	}
	up = tl->depth ? &tl->stack[tl->depth - 1] : NULL; /* after the realloc: it moves */
	f = &tl->stack[tl->depth++];
	f->id = id;
	f->is_c = (uint8_t)is_c;
	f->cut = 0;
	f->args = NULL;
	f->ns = ns;
	f->child_ns = 0;
	f->matched = (up && up->matched) || d->matches;
	f->node = vt_sinks_enter(tl->env->out, up ? up->node : tl->root, d);
	if (id != VT_UNSEEN_ID)
		tl->active[id]++;
}

/*
 * A frame ends. The filters choose the calls for every output alike: the trace gets a
 * slice, the summary and the folded stacks its times. Those are the part inside the
 * window (--from/--to), with self time = that part less the callees' parts inside it.
 */
static void pop(struct vt_timeline *tl, uint64_t end, unsigned flags)
{
	const struct vt_timeline_env *env = tl->env;
	struct vt_frame *f = &tl->stack[--tl->depth];
	struct vt_slice sl = { .pid = tl->pid, .tid = tl->tid, .def = def_of(tl, f->id),
			       .args = f->args, .ret = tl->ret, .call = 1, .node = f->node };
	uint64_t wdur;

	tl->ret = NULL;
	if (end < f->ns)
		end = f->ns;
	/* a window cuts slices at its edges, so they still nest */
	sl.start = f->ns;
	sl.end = end;
	vt_filter_cut(env->filter, env->origin, &sl.start, &sl.end);
	wdur = sl.end > sl.start ? sl.end - sl.start : 0;
	sl.self = wdur > f->child_ns ? wdur - f->child_ns : 0;
	if (tl->depth)
		tl->stack[tl->depth - 1].child_ns += wdur;
	sl.total = wdur;
	if (f->id != VT_UNSEEN_ID && --tl->active[f->id] > 0)
		sl.total = 0; /* recursion: only the outermost call counts in cumulative time */
	if (flags & VT_SLICE_UNFINISHED)
		env->counts->unfinished++;
	if (f->cut)
		flags |= VT_SLICE_CUT;
	sl.flags = flags;
	if (!vt_filter_call(env->filter, env->origin, f->ns, end, tl->depth, f->matched,
			    env->min_dur)) {
		env->counts->skipped++;
	} else {
		env->counts->events++;
		vt_sinks_slice(env->out, env->locals, &sl);
	}
	free(f->args);
	f->args = NULL;
	free((char *)sl.ret);
	if ((env->counts->events & 0xffff) == 0 && env->progress)
		env->progress(env->progress_ctx);
}

static void span_close(struct vt_timeline *tl, uint64_t end, const char *args, unsigned flags)
{
	const struct vt_timeline_env *env = tl->env;
	struct vt_open_span *sp = &tl->spans[--tl->nspans];
	struct vt_slice sl = { .pid = tl->pid, .tid = VT_SPAN_TID(tl->tid),
			       .def = defined(tl, sp->id) ? &tl->defs[sp->id] : env->unseen,
			       .start = sp->ns, .end = end, .flags = flags,
			       .args = args ? args : sp->args };

	if (!tl->span_track) {
		char name[256];

		snprintf(name, sizeof(name), "%s · spans", tl->tname);
		name_track(tl, VT_SPAN_TID(tl->tid), name);
		tl->span_track = 1;
	}
	if (sl.end < sl.start)
		sl.end = sl.start;
	env->counts->events++;
	vt_sinks_slice(env->out, env->locals, &sl);
	free(sp->args);
}

static void take_def(struct vt_timeline *tl, const struct vt_record *x)
{
	struct vt_def *d;

	if (x->id >= tl->ndefs) {
		size_t n = tl->ndefs ? tl->ndefs : 256;

		while (n <= x->id)
			n *= 2;
		tl->defs = xrealloc(tl->defs, n * sizeof(*tl->defs));
		tl->active = xrealloc(tl->active, n * sizeof(*tl->active));
		memset(tl->defs + tl->ndefs, 0, (n - tl->ndefs) * sizeof(*tl->defs));
		memset(tl->active + tl->ndefs, 0, (n - tl->ndefs) * sizeof(*tl->active));
		tl->ndefs = n;
	}
	d = &tl->defs[x->id];
	free(d->name);
	free(d->loc);
	d->name = xstrndup(x->s1, x->s1_len);
	d->is_native = x->count == VT_DEF_NATIVE;
	d->is_c = x->count == VT_DEF_C || d->is_native;
	d->is_span = x->count == VT_DEF_SPAN;
	d->loc = NULL;
	if (d->is_native)
		d->loc = xstrndup(x->s2, x->s2_len); /* the library */
	if (!d->is_c && !d->is_span) {
		size_t n = x->s2_len + 24;

		d->loc = xmalloc(n);
		snprintf(d->loc, n, "%.*s:%lld", (int)x->s2_len, x->s2, (long long)x->code);
	}
	d->matches = vt_filter_match(tl->env->filter, d->name);
	vt_sinks_def(tl->env->out, d);
}

void vt_timeline_init(struct vt_timeline *tl, const struct vt_timeline_env *env, uint64_t pid,
		      uint64_t tid, const char *tname, const char *proc)
{
	memset(tl, 0, sizeof(*tl));
	tl->env = env;
	tl->pid = pid;
	tl->tid = tid;
	tl->tname = xstrndup(tname, strlen(tname));
	tl->root = vt_sinks_root(env->out, pid, proc, tname);
	name_track(tl, tid, tname);
	env->counts->threads++;
}

/*
 * Recording restarted (a STACK record): make our stack as deep as the real one. With the
 * frames' ids (4.1), ours stay up to the first that differs; the rest ended unseen (at
 * the pause, if one was marked), and the real ones start here, marked as cut.
 */
static void open_stack(struct vt_timeline *tl, const struct vt_reader *r, const struct vt_event *e)
{
	const struct vt_record *x = &e->r;
	const uint32_t *ids = x->code > 0 ? r->ids + x->id : NULL;
	size_t nids = ids ? (size_t)x->code : 0, py_frames = 0, k;
	uint64_t cut = tl->paused_at ? tl->paused_at : e->ns;

	for (k = 0; k < tl->depth; k++) {
		if (tl->stack[k].is_c)
			continue;
		if (py_frames >= x->count || (py_frames < nids && tl->stack[k].id != ids[py_frames]))
			break;
		py_frames++;
	}
	while (tl->depth > k || (tl->depth && tl->stack[tl->depth - 1].is_c)) {
		struct vt_frame *f = &tl->stack[tl->depth - 1];

		pop(tl, cut > f->ns ? cut : f->ns, VT_SLICE_UNFINISHED);
	}
	while (py_frames < x->count && py_frames < 100000) {
		uint32_t id = py_frames < nids ? ids[py_frames] : VT_UNSEEN_ID;

		if (id != VT_UNSEEN_ID && (!defined(tl, id) || tl->defs[id].is_c))
			id = VT_UNSEEN_ID;
		push(tl, id, 0, e->ns);
		tl->stack[tl->depth - 1].cut = 1;
		py_frames++;
	}
	if (!x->count) /* recording stopped: spans end there too */
		while (tl->nspans)
			span_close(tl, cut, NULL, VT_SLICE_UNFINISHED);
	tl->paused_at = 0;
}

/*
 * The flight recorder's window (an OPEN record): the frames open as this chunk starts.
 * Older chunks may have been dropped, so this list, not our stack, is the truth.
 */
static void open_window(struct vt_timeline *tl, const struct vt_reader *r, const struct vt_event *e)
{
	const uint32_t *ids = r->ids + e->r.id;
	size_t n = (size_t)e->r.count, k;

	for (k = 0; k < n && k < tl->depth && tl->stack[k].id == ids[k]; k++)
		;
	if (k == n && n == tl->depth)
		return; /* the stack goes on from the previous chunk */
	if (!tl->window_marked) {
		static const char msg[] = "vt: flight recorder window starts";

		instant(tl, e->ns, msg, sizeof(msg) - 1);
		tl->window_marked = 1;
	}
	while (tl->depth)
		pop(tl, e->ns, VT_SLICE_UNFINISHED);
	for (k = 0; k < n; k++) {
		if (!defined(tl, ids[k]))
			continue;
		push(tl, ids[k], tl->defs[ids[k]].is_c, e->ns);
		tl->stack[tl->depth - 1].cut = 1;
	}
}

/* a return of any kind (@flags: how it ended) */
static void ret(struct vt_timeline *tl, uint64_t ns, unsigned flags)
{
	/* a C frame left open below a Python return lost its C return: close it */
	while (tl->depth && tl->stack[tl->depth - 1].is_c)
		pop(tl, ns, VT_SLICE_UNFINISHED);
	if (!tl->depth) {
		tl->env->counts->unmatched++; /* returns of frames entered before tracing began */
		return;
	}
	pop(tl, ns, flags);
}

/* the program's marker ("i") with its values, or a counter sample (kept for later) */
static void program_record(struct vt_timeline *tl, const struct vt_reader *r,
			   const struct vt_event *e)
{
	const struct vt_timeline_env *env = tl->env;
	const struct vt_record *x = &e->r;
	uint64_t ns = e->ns < env->origin ? env->origin : e->ns;
	struct vt_instant in = { tl->pid, tl->tid, ns, x->s1, x->s1_len, 't', r->text + x->id,
				 (size_t)x->count };
	const struct vt_number *nums = NULL;

	if (x->kind == VT_REC_INSTANT) {
		vt_sinks_instant(env->out, env->locals, &in);
		return;
	}
	if (r->nums && x->code >= 0 && (size_t)x->code < r->nnums)
		nums = r->nums + x->code;
	if (env->counters && vt_counters_add(env->counters, tl->pid, tl->tid, x->s1, x->s1_len, ns,
					     r->text + x->id, (size_t)x->count, nums) < 0)
		die("cannot keep counter samples in a temporary file: %s", strerror(errno));
}

static void span_begin(struct vt_timeline *tl, const struct vt_reader *r, const struct vt_event *e)
{
	const struct vt_record *x = &e->r;

	if (tl->nspans == tl->spans_cap) {
		tl->spans_cap = tl->spans_cap ? tl->spans_cap * 2 : 16;
		tl->spans = xrealloc(tl->spans, tl->spans_cap * sizeof(*tl->spans));
	}
	tl->spans[tl->nspans].id = (uint32_t)x->code;
	tl->spans[tl->nspans].ns = e->ns;
	tl->spans[tl->nspans].args = x->count > 2 ? xstrndup(r->text + x->id, (size_t)x->count)
						   : NULL;
	tl->nspans++;
}

static void span_end(struct vt_timeline *tl, const struct vt_reader *r, const struct vt_event *e)
{
	const struct vt_record *x = &e->r;
	char *a;

	if (!tl->nspans) {
		tl->env->counts->unmatched++;
		return;
	}
	a = x->count > 2 ? xstrndup(r->text + x->id, (size_t)x->count) : NULL;
	span_close(tl, e->ns, a, 0);
	free(a);
}

static void lost(struct vt_timeline *tl, const struct vt_reader *r, const struct vt_event *e)
{
	const struct vt_record *x = &e->r;
	char msg[128];

	tl->env->counts->lost += x->count;
	snprintf(msg, sizeof(msg), "vt: %llu events lost (%.*s)", (unsigned long long)x->count,
		 (int)x->s1_len, x->s1);
	instant(tl, e->ns, msg, strlen(msg));
	warning("%s: %llu events lost (%.*s)", base(r->path), (unsigned long long)x->count,
		(int)x->s1_len, x->s1);
}

int vt_timeline_feed(struct vt_timeline *tl, const struct vt_reader *r, const struct vt_event *e)
{
	const struct vt_record *x = &e->r;

	if (e->ns > tl->last && x->kind != VT_REC_DEF)
		tl->last = e->ns;
	switch (x->kind) {
	case VT_REC_DEF:
		if (x->id > 100000000u)
			break; /* absurd id from a damaged file: ignore */
		take_def(tl, x);
		break;
	case VT_REC_CALL:
	case VT_REC_RESUME:
	case VT_REC_CCALL:
		if (!defined(tl, x->id)) {
			snprintf(tl->err, sizeof(tl->err),
				 "%s: offset %zu: call of undefined function id %llu", r->path,
				 r->chunk_off, (unsigned long long)x->id);
			return -1;
		}
		push(tl, (uint32_t)x->id, x->kind == VT_REC_CCALL, e->ns);
		if (!tl->first_ns)
			tl->first_ns = e->ns;
		break;
	case VT_REC_UNWIND:
		ret(tl, e->ns, VT_SLICE_EXCEPTION);
		break;
	case VT_REC_RET:
		ret(tl, e->ns, 0);
		break;
	case VT_REC_YIELD:
		ret(tl, e->ns, VT_SLICE_YIELD);
		break;
	case VT_REC_CRET:
	case VT_REC_CRAISE:
		if (!tl->depth || !tl->stack[tl->depth - 1].is_c) {
			tl->env->counts->unmatched++;
			break;
		}
		pop(tl, e->ns, x->kind == VT_REC_CRAISE ? VT_SLICE_EXCEPTION : 0);
		break;
	case VT_REC_LOST:
		lost(tl, r, e);
		break;
	case VT_REC_MARK:
		instant(tl, e->ns, x->s1, x->s1_len);
		if (!tl->paused_at && x->s1_len > 10 && !memcmp(x->s1, "vt: paused", 10))
			tl->paused_at = e->ns;
		break;
	case VT_REC_STACK:
		open_stack(tl, r, e);
		break;
	case VT_REC_ARGS:
		if (tl->depth) {
			struct vt_frame *f = &tl->stack[tl->depth - 1];

			free(f->args);
			f->args = xstrndup(r->text + x->id, (size_t)x->count);
		}
		break;
	case VT_REC_RETVAL:
		free(tl->ret);
		tl->ret = xstrndup(x->s1, x->s1_len);
		break;
	case VT_REC_COUNTER:
	case VT_REC_INSTANT:
		program_record(tl, r, e);
		break;
	case VT_REC_TNAME:
		/* a later name (vt.thread_name) wins: Perfetto keeps the last M event */
		if (strlen(tl->tname) != x->s1_len || memcmp(tl->tname, x->s1, x->s1_len)) {
			free(tl->renamed);
			tl->renamed = xstrndup(x->s1, x->s1_len);
		}
		break;
	case VT_REC_SPAN_B:
		span_begin(tl, r, e);
		break;
	case VT_REC_SPAN_E:
		span_end(tl, r, e);
		break;
	case VT_REC_OPEN:
		open_window(tl, r, e);
		break;
	case VT_REC_END:
		tl->ended = 1;
		break;
	case VT_REC_FORK:
		if (tl->env->tree)
			vt_tree_spawn(tl->env->tree, tl->pid, tl->tid, e->ns, x->count + r->pid_off);
		break;
	default:
		break;
	}
	return 0;
}

void vt_timeline_finish(struct vt_timeline *tl)
{
	/* frames still open: end them at the thread's last timestamp */
	while (tl->depth)
		pop(tl, tl->last, VT_SLICE_UNFINISHED);
	while (tl->nspans)
		span_close(tl, tl->last, NULL, VT_SLICE_UNFINISHED);
	if (tl->renamed)
		name_track(tl, tl->tid, tl->renamed);
	for (size_t i = 0; i < tl->ndefs; i++) {
		free(tl->defs[i].name);
		free(tl->defs[i].loc);
		free(tl->defs[i].jhead);
		free(tl->defs[i].jfile);
	}
	free(tl->defs);
	free(tl->active);
	free(tl->stack);
	free(tl->spans);
	free(tl->ret);
	free(tl->tname);
	free(tl->renamed);
	tl->defs = NULL;
	tl->stack = NULL;
}
