/*
 * convert.c - one conversion, from the trace directory to the sinks (see convert.h).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/convert.h"
#include "tools/counters.h"
#include "tools/util.h"

#define MAX_JOBS 64

void vt_convert_open(struct vt_convert *cv, const struct vt_convert_opts *o,
		     const char *const *dirs, size_t ndirs, int align)
{
	memset(cv, 0, sizeof(*cv));
	clock_gettime(CLOCK_MONOTONIC, &cv->t0);
	cv->o = o;
	cv->unseen.name = xstrndup("(entered before recording began)", 32);
	cv->unseen.shared = 1;
	vt_tree_init(&cv->tree);
	vt_tracedir_open(&cv->td, dirs, ndirs, align);
	cv->bad = cv->td.bad;
}

double vt_convert_elapsed(const struct vt_convert *cv)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - cv->t0.tv_sec) + (double)(t.tv_nsec - cv->t0.tv_nsec) / 1e9;
}

/* the progress line on a terminal (one converting thread only); @final clears it */
static void progress(struct vt_convert *cv, int final)
{
	double t;

	if (!cv->o->progress)
		return;
	t = vt_convert_elapsed(cv);
	if (!final && t - cv->last_progress < 0.25)
		return;
	cv->last_progress = t;
	if (final) {
		fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr, "\r\033[K%s: %.1f MB read, %llu events, %.1f M events/s", VT_PROG,
		(double)cv->counts.bytes_read / 1e6, (unsigned long long)cv->counts.events,
		t > 0 ? (double)cv->counts.events / t / 1e6 : 0.0);
}

static void progress_cb(void *ctx)
{
	progress(ctx, 0);
}

/* the thread's name: its TNAME record (early in the first chunk), else a default */
static char *thread_name(struct vt_input *in)
{
	struct vt_reader r;
	struct vt_event *e;
	char *name = NULL;
	int n = 0;

	if (vt_reader_open(&r, in->r.path) == 0) {
		while (!name && n++ < 100000 && vt_reader_next(&r, &e) > 0)
			if (e->r.kind == VT_REC_TNAME)
				name = xstrndup(e->r.s1, e->r.s1_len);
	}
	vt_reader_close(&r);
	if (!name) {
		char buf[64];

		snprintf(buf, sizeof(buf), in->r.tid == in->r.pid ? "MainThread" : "Thread %llu",
			 (unsigned long long)in->r.tid);
		name = xstrndup(buf, strlen(buf));
	}
	return name;
}

/*
 * A chunk cut short at the end of a file whose process has not ended and still exists is
 * a chunk being written now (vt-convert run on a live trace), not damage.
 */
static int still_running(const struct vt_input *in)
{
	const struct vt_reader *r = &in->r;

	if (!r->truncated_tail || (in->proc && in->proc->r.has_exit))
		return 0;
	return kill((pid_t)(r->pid - r->pid_off), 0) == 0 || errno == EPERM;
}

/* a converting thread: its sinks' locals (NULL: the only one) and its counts */
struct worker {
	struct vt_locals *locals;
	struct vt_counts *counts;
	int progress;
};

static void convert_thread(struct vt_convert *cv, struct worker *w, struct vt_input *in)
{
	struct vt_reader *r = &in->r;
	struct vt_timeline_env env = {
		.origin = cv->td.origin,
		.filter = &cv->o->filter,
		.out = &cv->out,
		.locals = w->locals,
		.counts = w->counts,
		.counters = cv->counters,
		.tree = &cv->tree,
		.unseen = &cv->unseen,
		.min_dur = in->proc ? in->proc->r.min_dur : 0,
		.progress = w->progress ? progress_cb : NULL,
		.progress_ctx = cv,
	};
	struct vt_timeline tl;
	struct vt_event *e;
	char *tname = thread_name(in);

	vt_timeline_init(&tl, &env, r->pid, r->tid, tname, in->proc ? in->proc->proc_name : NULL);
	free(tname);
	while (vt_reader_next(r, &e) > 0) {
		if (vt_timeline_feed(&tl, r, e) < 0) {
			vt_error(&cv->bad, "%s", tl.err);
			break;
		}
	}
	in->first_ns = tl.first_ns;
	w->counts->bytes_read += r->size;
	if (w->progress)
		progress(cv, 0);
	if (r->err && still_running(in))
		warning("%s: offset %zu: %s; the process is still running and writing it",
			r->path, r->err_off, r->err_msg);
	else if (r->err)
		vt_error(&cv->bad, "%s: offset %zu: %s", r->path, r->err_off, r->err_msg);
	/* every way a traced thread ends writes an END (thread exit, exit, _exit, exec, a
	 * signal): without one the file was cut, even if its process ended cleanly */
	if (!tl.ended && !r->err && r->chunks)
		warning("%s: the stream ends without an end record (process killed, or still "
			"running?); kept everything up to its last chunk",
			base(r->path));
	if (!r->chunks && !r->err)
		warning("%s: a thread with no events", base(r->path));
	vt_timeline_finish(&tl);
}

/*
 * Several threads convert at once (-j, default: one per CPU) when every sink can take
 * that (the JSON output to one file): each thread takes the next file.
 */
struct work {
	struct vt_convert *cv;
	struct vt_input **in;
	size_t n, next;
	pthread_mutex_t lock;
	struct vt_counts sum; /* of the other threads, under lock */
};

static void work_on(struct work *wk, struct vt_counts *counts)
{
	struct vt_locals locals;
	struct worker w = { &locals, counts, 0 };
	size_t i;

	vt_sinks_local_open(&wk->cv->out, &locals);
	while ((i = __atomic_fetch_add(&wk->next, 1, __ATOMIC_RELAXED)) < wk->n)
		convert_thread(wk->cv, &w, wk->in[i]);
	vt_sinks_local_close(&wk->cv->out, &locals);
}

static void *worker_main(void *arg)
{
	struct work *wk = arg;
	struct vt_counts counts = { 0 };

	work_on(wk, &counts);
	pthread_mutex_lock(&wk->lock);
	vt_counts_add(&wk->sum, &counts);
	pthread_mutex_unlock(&wk->lock);
	return NULL;
}

static void convert_threads(struct vt_convert *cv)
{
	struct work wk = { .cv = cv, .in = xmalloc((cv->td.n + 1) * sizeof(*wk.in)) };
	pthread_t tids[MAX_JOBS];
	size_t jobs = cv->o->jobs, started = 0;

	for (size_t i = 0; i < cv->td.n; i++) {
		struct vt_input *in = cv->td.in[i];

		if (!in->is_proc && vt_filter_thread(&cv->o->filter, in->r.pid, in->r.tid))
			wk.in[wk.n++] = in;
	}
	if (!jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = n > 0 ? (size_t)n : 1;
	}
	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
	if (jobs > wk.n)
		jobs = wk.n;
	if (jobs < 2 || !vt_sinks_parallel(&cv->out)) {
		struct worker w = { NULL, &cv->counts, 1 };

		for (size_t i = 0; i < wk.n; i++)
			convert_thread(cv, &w, wk.in[i]);
		free(wk.in);
		return;
	}
	pthread_mutex_init(&wk.lock, NULL);
	for (; started + 1 < jobs; started++)
		if (pthread_create(&tids[started], NULL, worker_main, &wk) != 0)
			break;
	work_on(&wk, &cv->counts);
	for (size_t k = 0; k < started; k++)
		pthread_join(tids[k], NULL);
	vt_counts_add(&cv->counts, &wk.sum);
	pthread_mutex_destroy(&wk.lock);
	free(wk.in);
}

static const char *counter_tname(void *ctx, uint64_t pid, uint64_t tid)
{
	return vt_tree_tname(&((struct vt_convert *)ctx)->tree, pid, tid);
}

static void counter_out(void *ctx, const struct vt_counter_sample *s)
{
	vt_sinks_counter(&((struct vt_convert *)ctx)->out, s);
}

void vt_convert_run(struct vt_convert *cv)
{
	vt_sinks_def(&cv->out, &cv->unseen);
	if (vt_sinks_want_counters(&cv->out))
		cv->counters = vt_counters_new(0);
	vt_tree_processes(&cv->td, &cv->out, &cv->counts);
	convert_threads(cv);
	if (cv->counters && vt_counters_emit(cv->counters, counter_tname, counter_out, cv) < 0)
		die("cannot read back the counter samples' temporary file: %s", strerror(errno));
	vt_counters_free(cv->counters);
	cv->counters = NULL;
	vt_tree_flows(&cv->tree, &cv->td, &cv->out);
	progress(cv, 1);
}

void vt_convert_close(struct vt_convert *cv)
{
	vt_sinks_free(&cv->out);
	vt_tracedir_close(&cv->td);
	vt_tree_release(&cv->tree);
	free(cv->unseen.name);
	free(cv->unseen.jhead);
	free(cv->unseen.jfile);
}
