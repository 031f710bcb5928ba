/*
 * sink-json.c - the Chrome Trace Event JSON output (Perfetto UI, chrome://tracing,
 * speedscope): one "X" event per call and span, "i" per marker, "C" per counter sample,
 * "M" for the names of processes and threads, "s"/"f" for the arrows to child processes.
 *
 * With --split the output is several files, each a complete trace that opens on its own:
 * a part starts with the process and thread names seen so far. With several converting
 * threads (-j), each writes whole events into a buffer of its own (its local), handed to
 * the file under a lock, so events of different threads interleave by megabyte (the
 * format does not care about order).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/format.h"
#include "tools/json.h"
#include "tools/sink.h"
#include "tools/util.h"

/* a writer: the file's own, or a converting thread's buffer */
struct jout {
	struct vt_json j;
	/* ,"pid":P,"tid":T,"ts": of the thread written last */
	char pt[96];
	size_t pt_len;
	uint64_t cpid, ctid;
};

/* metadata to repeat at the top of every part */
struct pmeta {
	uint64_t pid;
	char *name, *label;
	int sort;
};
struct tmeta {
	uint64_t pid, tid;
	char *name;
};

struct json_sink {
	struct vt_sink base;
	struct vt_json_opts o;
	struct jout main;
	pthread_mutex_t out_lock;  /* main.j, written to by the locals' buffers */
	pthread_mutex_t meta_lock; /* tm, added to by the converting threads */
	uint64_t out_bytes;        /* written to closed parts */
	unsigned part;             /* current part number with --split (1-based) */
	struct pmeta *pm;
	size_t npm;
	struct tmeta *tm;
	size_t ntm;
};

#define JS(s) ((struct json_sink *)(s))
/* the writer of a call: the converting thread's, else the file's */
#define OUT(s, local) ((local) ? (struct jout *)(local) : &JS(s)->main)

static void meta(struct vt_json *j, const char *what, uint64_t pid, uint64_t tid,
		 const char *key, const char *sval, int64_t ival)
{
	vt_json_event(j);
	vt_json_lit(j, "\"ph\":\"M\",\"name\":\"");
	vt_json_lit(j, what);
	vt_json_lit(j, "\",\"pid\":");
	vt_json_u64(j, pid);
	vt_json_lit(j, ",\"tid\":");
	vt_json_u64(j, tid);
	vt_json_lit(j, ",\"args\":{\"");
	vt_json_lit(j, key);
	vt_json_lit(j, "\":");
	if (sval) {
		vt_json_str(j, sval, strlen(sval));
	} else {
		char buf[32];

		snprintf(buf, sizeof(buf), "%lld", (long long)ival);
		vt_json_lit(j, buf);
	}
	vt_json_lit(j, "}}");
}

static void process_meta(struct vt_json *j, const struct pmeta *m)
{
	meta(j, "process_name", m->pid, 0, "name", m->name, 0);
	meta(j, "process_sort_index", m->pid, 0, "sort_index", NULL, m->sort);
	meta(j, "process_labels", m->pid, 0, "labels", m->label, 0);
}

static char *part_name(const char *out, unsigned part)
{
	const char *dot = strrchr(out, '.');
	size_t stem = dot && !strchr(dot, '/') ? (size_t)(dot - out) : strlen(out);
	size_t n = strlen(out) + 32;
	char *p = xmalloc(n);

	snprintf(p, n, "%.*s.part%u%s", (int)stem, out, part, out + stem);
	return p;
}

static void open_part(struct json_sink *js)
{
	char *path = js->o.split ? part_name(js->o.out, ++js->part) : NULL;
	struct vt_json *j = &js->main.j;

	if (vt_json_open(j, path ? path : js->o.out, js->o.gz) < 0)
		die("cannot write '%s': %s", path ? path : js->o.out, strerror(errno));
	vt_json_begin(j);
	for (size_t i = 0; i < js->npm; i++)
		process_meta(j, &js->pm[i]);
	for (size_t i = 0; i < js->ntm; i++)
		meta(j, "thread_name", js->tm[i].pid, js->tm[i].tid, "name", js->tm[i].name, 0);
	free(path);
}

static void close_part(struct json_sink *js)
{
	char tail[256];

	snprintf(tail, sizeof(tail),
		 "\"displayTimeUnit\":\"ns\",\"otherData\":{\"vt_format\":\"%d.%d\","
		 "\"lost_events\":%llu,\"origin_mono_ns\":%llu,\"part\":%u}",
		 VT_FORMAT_MAJOR, VT_FORMAT_MINOR, (unsigned long long)*js->o.lost,
		 (unsigned long long)js->base.origin, js->part);
	if (vt_json_end(&js->main.j, tail) < 0)
		die("cannot write '%s': %s", js->o.out, strerror(errno));
	js->out_bytes += js->main.j.out_bytes;
}

/* before each event: start the next part when this one is full (--split: one thread) */
static struct vt_json *room(struct vt_sink *s, void *local)
{
	struct json_sink *js = JS(s);

	if (!local && js->o.split && js->main.j.bytes + js->main.j.len >= js->o.split) {
		close_part(js);
		open_part(js);
	}
	return &OUT(s, local)->j;
}

/* a local's buffer of whole events, appended to the file */
static void to_output(void *ctx, const char *buf, size_t len)
{
	struct json_sink *js = ctx;
	struct vt_json *j = &js->main.j;

	pthread_mutex_lock(&js->out_lock);
	if (j->first && len >= 2 && buf[0] == ',') {
		buf += 2; /* the file's first event: no separator before it */
		len -= 2;
		j->first = 0;
	}
	vt_json_raw(j, buf, len);
	pthread_mutex_unlock(&js->out_lock);
}

static void *json_local_open(struct vt_sink *s)
{
	struct jout *l = xmalloc(sizeof(*l));

	memset(l, 0, sizeof(*l));
	l->cpid = l->ctid = UINT64_MAX;
	if (vt_json_open_sink(&l->j, to_output, s) < 0)
		die("out of memory");
	return l;
}

static void json_local_close(struct vt_sink *s, void *local)
{
	struct jout *l = local;

	(void)s;
	vt_json_close_sink(&l->j);
	free(l);
}

/* the JSON text of a definition, quoted and escaped once rather than per event */
static void json_def(struct vt_sink *s, struct vt_def *d)
{
	const char *cat = d->is_native ? "native" : d->is_c ? "c" : d->is_span ? "span" : "py";
	size_t qn, qf;
	char *q;

	(void)s;
	free(d->jhead);
	free(d->jfile);
	d->jhead = d->jfile = NULL;
	q = vt_json_quote(d->name, strlen(d->name), &qn);
	if (!q)
		die("out of memory");
	d->jhead = xmalloc(qn + 40);
	d->jhead_len = (size_t)snprintf(d->jhead, qn + 40, "\"ph\":\"X\",\"cat\":\"%s\",\"name\":%s",
					cat, q);
	free(q);
	if (d->loc) {
		q = vt_json_quote(d->loc, strlen(d->loc), &qf);
		if (!q)
			die("out of memory");
		d->jfile = xmalloc(qf + 24);
		d->jfile_len = (size_t)snprintf(d->jfile, qf + 24, ",\"args\":{\"file\":%s", q);
		free(q);
	}
}

static void json_process(struct vt_sink *s, uint64_t pid, const char *name, int sort,
			 const char *label)
{
	struct json_sink *js = JS(s);
	struct pmeta *m;

	js->pm = xrealloc(js->pm, (js->npm + 1) * sizeof(*js->pm));
	m = &js->pm[js->npm++];
	*m = (struct pmeta){ pid, xstrndup(name, strlen(name)), xstrndup(label, strlen(label)),
			     sort };
	process_meta(&js->main.j, m);
}

static void json_thread(struct vt_sink *s, void *local, uint64_t pid, uint64_t tid,
			const char *name)
{
	struct json_sink *js = JS(s);

	pthread_mutex_lock(&js->meta_lock);
	js->tm = xrealloc(js->tm, (js->ntm + 1) * sizeof(*js->tm));
	js->tm[js->ntm++] = (struct tmeta){ pid, tid, xstrndup(name, strlen(name)) };
	pthread_mutex_unlock(&js->meta_lock);
	meta(room(s, local), "thread_name", pid, tid, "name", name, 0);
}

/* ,"pid":P,"tid":T,"ts": for the thread being written (one at a time per writer) */
static void pid_tid(struct jout *w, uint64_t pid, uint64_t tid)
{
	if (pid != w->cpid || tid != w->ctid) {
		w->pt_len = (size_t)snprintf(w->pt, sizeof(w->pt), ",\"pid\":%llu,\"tid\":%llu,\"ts\":",
					     (unsigned long long)pid, (unsigned long long)tid);
		w->cpid = pid;
		w->ctid = tid;
	}
	vt_json_raw(&w->j, w->pt, w->pt_len);
}

/* ,"key":true after the other arguments */
static void arg_true(struct vt_json *j, int *comma, const char *key)
{
	vt_json_lit(j, *comma ? ",\"" : "\"");
	vt_json_lit(j, key);
	vt_json_lit(j, "\":true");
	*comma = 1;
}

static void json_slice(struct vt_sink *s, void *local, const struct vt_slice *sl)
{
	const struct vt_def *d = sl->def;
	struct vt_json *j = room(s, local);
	unsigned flags = sl->flags;
	int comma = 0;

	vt_json_event(j);
	vt_json_raw(j, d->jhead, d->jhead_len);
	pid_tid(OUT(s, local), sl->pid, sl->tid);
	vt_json_us(j, sl->start - s->origin);
	vt_json_raw(j, ",\"dur\":", 7);
	vt_json_us(j, sl->end - sl->start);
	if (!d->loc && !flags && !sl->args && !sl->ret) {
		vt_json_lit(j, "}");
		return;
	}
	if (d->loc) {
		vt_json_raw(j, d->jfile, d->jfile_len);
		comma = 1;
	} else {
		vt_json_raw(j, ",\"args\":{", 9);
	}
	if (sl->args) {
		/* a span's arguments are its own keys; a call's go under func_args */
		if (d->is_span) {
			size_t n = strlen(sl->args);

			if (n > 2) {
				vt_json_lit(j, comma ? "," : "");
				vt_json_raw(j, sl->args + 1, n - 2);
				comma = 1;
			}
		} else {
			vt_json_lit(j, comma ? ",\"func_args\":" : "\"func_args\":");
			vt_json_lit(j, sl->args);
			comma = 1;
		}
	}
	if (sl->ret) {
		vt_json_lit(j, comma ? ",\"return_value\":" : "\"return_value\":");
		vt_json_str(j, sl->ret, strlen(sl->ret));
		comma = 1;
	}
	if (flags & VT_SLICE_EXCEPTION)
		arg_true(j, &comma, "exception");
	if (flags & VT_SLICE_UNFINISHED)
		arg_true(j, &comma, "unfinished");
	if (flags & VT_SLICE_YIELD)
		arg_true(j, &comma, "yield");
	if (flags & VT_SLICE_CUT)
		arg_true(j, &comma, "cut");
	vt_json_lit(j, "}}");
}

static void json_instant(struct vt_sink *s, void *local, const struct vt_instant *in)
{
	struct vt_json *j = room(s, local);
	char scope[2] = { in->args ? 't' : in->scope, 0 };

	vt_json_event(j);
	vt_json_lit(j, in->args ? "\"ph\":\"i\",\"cat\":\"app\",\"s\":\"" :
				  "\"ph\":\"i\",\"cat\":\"vt\",\"s\":\"");
	vt_json_lit(j, scope);
	vt_json_lit(j, "\",\"name\":");
	vt_json_str(j, in->name, in->name_len);
	vt_json_lit(j, ",\"pid\":");
	vt_json_u64(j, in->pid);
	vt_json_lit(j, ",\"tid\":");
	vt_json_u64(j, in->tid);
	vt_json_lit(j, ",\"ts\":");
	vt_json_us(j, in->ns - s->origin);
	if (in->args) {
		vt_json_lit(j, ",\"args\":");
		vt_json_raw(j, in->args, in->args_len);
	}
	vt_json_lit(j, "}");
}

static void json_counter(struct vt_sink *s, const struct vt_counter_sample *c)
{
	struct vt_json *j = room(s, NULL);

	vt_json_event(j);
	vt_json_lit(j, "\"ph\":\"C\",\"cat\":\"counter\",\"name\":");
	vt_json_str(j, c->name, strlen(c->name));
	vt_json_lit(j, ",\"pid\":");
	vt_json_u64(j, c->pid);
	vt_json_lit(j, ",\"tid\":");
	vt_json_u64(j, c->tid);
	vt_json_lit(j, ",\"ts\":");
	vt_json_us(j, c->ns - s->origin);
	vt_json_lit(j, ",\"args\":");
	vt_json_raw(j, c->args, c->args_len);
	vt_json_lit(j, "}");
}

static void json_flow(struct vt_sink *s, uint64_t id, uint64_t pid, uint64_t tid, uint64_t ns,
		      uint64_t pid2, uint64_t tid2, uint64_t ns2)
{
	for (int k = 0; k < 2; k++) {
		struct vt_json *j = room(s, NULL);

		vt_json_event(j);
		vt_json_lit(j, k ? "\"ph\":\"f\",\"bp\":\"e\",\"id\":" : "\"ph\":\"s\",\"id\":");
		vt_json_u64(j, id);
		vt_json_lit(j, ",\"cat\":\"process\",\"name\":\"start process\",\"pid\":");
		vt_json_u64(j, k ? pid2 : pid);
		vt_json_lit(j, ",\"tid\":");
		vt_json_u64(j, k ? tid2 : tid);
		vt_json_lit(j, ",\"ts\":");
		vt_json_us(j, (k ? ns2 : ns) - s->origin);
		vt_json_lit(j, "}");
	}
}

static void json_end(struct vt_sink *s)
{
	close_part(JS(s));
}

static void json_free(struct vt_sink *s)
{
	struct json_sink *js = JS(s);

	for (size_t i = 0; i < js->npm; i++) {
		free(js->pm[i].name);
		free(js->pm[i].label);
	}
	for (size_t i = 0; i < js->ntm; i++)
		free(js->tm[i].name);
	free(js->pm);
	free(js->tm);
	pthread_mutex_destroy(&js->out_lock);
	pthread_mutex_destroy(&js->meta_lock);
	free(js);
}

static const struct vt_sink_ops json_ops = {
	.local_open = json_local_open,
	.local_close = json_local_close,
	.def = json_def,
	.process = json_process,
	.thread = json_thread,
	.slice = json_slice,
	.instant = json_instant,
	.counter = json_counter,
	.flow = json_flow,
	.end = json_end,
	.free = json_free,
};

static const struct vt_sink_ops json_split_ops = {
	/* parts are cut between events of one writer: no locals */
	.def = json_def,
	.process = json_process,
	.thread = json_thread,
	.slice = json_slice,
	.instant = json_instant,
	.counter = json_counter,
	.flow = json_flow,
	.end = json_end,
	.free = json_free,
};

struct vt_sink *vt_sink_json_new(const struct vt_json_opts *o, uint64_t origin)
{
	struct json_sink *js = xmalloc(sizeof(*js));

	memset(js, 0, sizeof(*js));
	js->base.ops = o->split ? &json_split_ops : &json_ops;
	js->base.origin = origin;
	js->base.wants_counters = 1;
	js->o = *o;
	js->main.cpid = js->main.ctid = UINT64_MAX;
	pthread_mutex_init(&js->out_lock, NULL);
	pthread_mutex_init(&js->meta_lock, NULL);
	open_part(js);
	return &js->base;
}

uint64_t vt_sink_json_bytes(const struct vt_sink *s)
{
	return ((const struct json_sink *)s)->out_bytes;
}

unsigned vt_sink_json_parts(const struct vt_sink *s)
{
	return ((const struct json_sink *)s)->part;
}
