/*
 * sink.h - the outputs of vt-convert behind one interface. The timeline (timeline.c) and
 * the process tree (tree.c) describe the trace as calls to a sink; each output is a sink
 * in a file of its own:
 *
 *   sink-json.c     Chrome Trace Event JSON (optionally gzip, or split into parts)
 *   sink-html.c     the offline viewer with the trace embedded (encoded by html.c)
 *   sink-summary.c  the table of functions (--summary), printed at the end
 *   sink-folded.c   folded stacks for flame graphs
 *   sink-speedscope.c  speedscope's own file format (evented profiles)
 *
 * A sink knows its own options (given when it is made) and nothing of the command line.
 * The order of calls: def and process at any time; per converted thread: thread, then its
 * slices, instants and threads (span tracks) in time order of their end; counter and
 * flow after every thread; then end and free. Sinks that can take several threads at once
 * (-j) give each converting thread a `local` of its own (local_open); the others get
 * NULL and their calls come from one thread.
 */
#ifndef VT_TOOLS_SINK_H
#define VT_TOOLS_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "tools/counters.h"

/* a function, from a DEF record: what the sinks need of it */
struct vt_def {
	char *name;
	char *loc;     /* "file:line"; for a native function its library; NULL for C */
	int is_c;      /* a C (or native) function */
	int is_span;   /* a span from vt.span() or vt itself (gc) */
	int is_native; /* a native function (VT_NATIVE) */
	int matches;   /* the name matches --match */
	uint32_t sframe; /* the speedscope sink's frame index + 1 (0: none yet) */
	uint32_t srow;   /* the summary sink's row + 1 in the table of the converting thread
			  * that owns this def's timeline (0: none yet; reset by each def) */
	int shared;      /* used by every timeline (the converter's "unseen" frame) */
	/* the JSON sink's text of it, made by its def call: "ph":"X","cat":..,"name":".."
	 * and ,"args":{"file":".." (NULL without loc) */
	char *jhead, *jfile;
	size_t jhead_len, jfile_len;
};

/* slice flags (the same bits as html.h's VT_HTML_*) */
#define VT_SLICE_C 1           /* a C function */
#define VT_SLICE_EXCEPTION 2   /* left by an exception */
#define VT_SLICE_UNFINISHED 4  /* still open when its stream ended or recording stopped */
#define VT_SLICE_YIELD 8       /* a generator suspension */
#define VT_SLICE_CUT 16        /* began before the window (flight recorder, a start) */

/* one finished call or span */
struct vt_slice {
	uint64_t pid, tid;
	const struct vt_def *def;
	uint64_t start, end; /* ns on the trace's clock, cut to the --from/--to window */
	unsigned flags;      /* VT_SLICE_*, without VT_SLICE_C (see def->is_c) */
	const char *args;    /* its arguments as a JSON object text, or NULL */
	const char *ret;     /* the repr of its return value, or NULL */
	/* for the aggregates (a call, not a span) */
	int call;
	uint64_t total;      /* time inside the window; 0 for a recursive inner call */
	uint64_t self;       /* that less its callees' */
	uint32_t node;       /* the frame's word from enter */
};

/* a marker: vt's own (args NULL) or the program's vt.instant (args: its JSON object) */
struct vt_instant {
	uint64_t pid, tid, ns;
	const char *name;
	size_t name_len;
	char scope;          /* 't' thread, 'p' process */
	const char *args;
	size_t args_len;
};

struct vt_sink;

struct vt_sink_ops {
	/* a converting thread's own state (-j); NULL op: the sink takes one thread only */
	void *(*local_open)(struct vt_sink *s);
	void (*local_close)(struct vt_sink *s, void *local);
	/* a function was defined (or redefined): the sink may keep text of it in @d */
	void (*def)(struct vt_sink *s, struct vt_def *d);
	void (*process)(struct vt_sink *s, uint64_t pid, const char *name, int sort,
			const char *label);
	void (*thread)(struct vt_sink *s, void *local, uint64_t pid, uint64_t tid,
		       const char *name);
	/* the frame words of a thread's root and of a call below @parent (folded stacks) */
	uint32_t (*root)(struct vt_sink *s, uint64_t pid, const char *proc, const char *thread);
	uint32_t (*enter)(struct vt_sink *s, uint32_t parent, const struct vt_def *d);
	void (*slice)(struct vt_sink *s, void *local, const struct vt_slice *sl);
	void (*instant)(struct vt_sink *s, void *local, const struct vt_instant *in);
	void (*counter)(struct vt_sink *s, const struct vt_counter_sample *c);
	void (*flow)(struct vt_sink *s, uint64_t id, uint64_t pid, uint64_t tid, uint64_t ns,
		     uint64_t pid2, uint64_t tid2, uint64_t ns2);
	/* write what is kept and close the output; dies naming it when that fails */
	void (*end)(struct vt_sink *s);
	void (*free)(struct vt_sink *s);
};

/* the part every sink starts with */
struct vt_sink {
	const struct vt_sink_ops *ops;
	uint64_t origin; /* ns of the trace's start: times are written relative to it */
	int wants_counters; /* takes counter samples (they are kept only when one does) */
};

#define VT_SINKS_MAX 4

/* the sinks of one conversion, fed alike */
struct vt_sinks {
	struct vt_sink *s[VT_SINKS_MAX];
	size_t n;
};

/* the sinks' locals of one converting thread */
struct vt_locals {
	void *l[VT_SINKS_MAX];
};

void vt_sinks_add(struct vt_sinks *o, struct vt_sink *s);
/** 1 when every sink takes several threads at once */
int vt_sinks_parallel(const struct vt_sinks *o);
int vt_sinks_want_counters(const struct vt_sinks *o);
void vt_sinks_local_open(struct vt_sinks *o, struct vt_locals *l);
void vt_sinks_local_close(struct vt_sinks *o, struct vt_locals *l);
void vt_sinks_def(struct vt_sinks *o, struct vt_def *d);
void vt_sinks_process(struct vt_sinks *o, uint64_t pid, const char *name, int sort,
		      const char *label);
void vt_sinks_thread(struct vt_sinks *o, struct vt_locals *l, uint64_t pid, uint64_t tid,
		     const char *name);
uint32_t vt_sinks_root(struct vt_sinks *o, uint64_t pid, const char *proc, const char *thread);
uint32_t vt_sinks_enter(struct vt_sinks *o, uint32_t parent, const struct vt_def *d);
void vt_sinks_slice(struct vt_sinks *o, struct vt_locals *l, const struct vt_slice *sl);
void vt_sinks_instant(struct vt_sinks *o, struct vt_locals *l, const struct vt_instant *in);
void vt_sinks_counter(struct vt_sinks *o, const struct vt_counter_sample *c);
void vt_sinks_flow(struct vt_sinks *o, uint64_t id, uint64_t pid, uint64_t tid, uint64_t ns,
		   uint64_t pid2, uint64_t tid2, uint64_t ns2);
/** vt_sinks_end - end every sink, in the order they were added. */
void vt_sinks_end(struct vt_sinks *o);
/** vt_sinks_free - free every sink. */
void vt_sinks_free(struct vt_sinks *o);

/* ---- the sinks ---- */

struct vt_json_opts {
	const char *out;        /* path, "-" for stdout */
	int gz;
	uint64_t split;         /* bytes per part, 0: one file */
	const uint64_t *lost;   /* the events lost so far, written in each part's tail */
};
struct vt_sink *vt_sink_json_new(const struct vt_json_opts *o, uint64_t origin);
/** the bytes written to closed parts, and the number of parts */
uint64_t vt_sink_json_bytes(const struct vt_sink *s);
unsigned vt_sink_json_parts(const struct vt_sink *s);

/** vt_sink_html_new - the viewer with the trace into @out; with @sources_max the source
 * files of the functions too, that many bytes at most (0: none) */
struct vt_sink *vt_sink_html_new(const char *out, const char *title, uint64_t origin,
				 size_t sources_max);

struct vt_summary_opts {
	int per;                /* 1 all processes, 2 per process, 3 per thread */
	const char *sort;       /* self, total or calls */
	size_t top;             /* rows, 0: all */
	const char *title;      /* what the table holds (copied) */
	int to_stderr;          /* the trace goes to stdout: the table to stderr */
};
struct vt_sink *vt_sink_summary_new(const struct vt_summary_opts *o);

struct vt_sink *vt_sink_folded_new(const char *out);
/** vt_sink_speedscope_new - speedscope's file format into @out; times from @origin */
struct vt_sink *vt_sink_speedscope_new(const char *out, uint64_t origin);

#endif /* VT_TOOLS_SINK_H */
