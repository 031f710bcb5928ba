/*
 * timeline.h - one thread's records to calls: begin/end pairing on a stack of open
 * frames (as uftrace's fstack), cut at the window's edges, and the thread's spans,
 * markers and counter samples, all handed to the sinks (sink.h).
 *
 * A call (CALL, CCALL, RESUME) pushes a frame; its return (RET, UNWIND, YIELD, CRET,
 * CRAISE) pops it into a slice. A return with no open frame (a function entered before
 * tracing began) is counted as unmatched. A C frame left open below a Python return lost
 * its C return: it ends there, unfinished. A STACK record (recording restarted) or an
 * OPEN record (the flight recorder's window) says which frames are open: ours are made
 * to agree, those that began unseen are marked cut. Frames still open at the end of the
 * stream end at its last timestamp, unfinished.
 *
 *   struct vt_timeline tl;
 *   vt_timeline_init(&tl, &env, pid, tid, "MainThread", "python3 app.py");
 *   while (vt_reader_next(r, &e) > 0)
 *           if (vt_timeline_feed(&tl, r, e) < 0)
 *                   break;              (tl.err says why)
 *   vt_timeline_finish(&tl);
 */
#ifndef VT_TOOLS_TIMELINE_H
#define VT_TOOLS_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "tools/filter.h"
#include "tools/reader.h"
#include "tools/sink.h"

struct vt_counters;
struct vt_tree;

/* what a conversion counts; each converting thread counts into its own */
struct vt_counts {
	uint64_t events;     /* slices written */
	uint64_t lost;       /* events the recorder lost */
	uint64_t unmatched;  /* returns without a call, span ends without a start */
	uint64_t unfinished; /* calls still open at the end */
	uint64_t threads, processes, bytes_read;
	uint64_t skipped;    /* calls the filters left out */
};

/** vt_counts_add - add @from to @to. */
void vt_counts_add(struct vt_counts *to, const struct vt_counts *from);

/* what the timelines of a conversion share */
struct vt_timeline_env {
	uint64_t origin;               /* the trace's start (ns) */
	const struct vt_filter *filter;
	struct vt_sinks *out;
	struct vt_locals *locals;      /* the converting thread's, or NULL */
	struct vt_counts *counts;      /* the converting thread's */
	struct vt_counters *counters;  /* counter samples kept for later, or NULL: dropped */
	struct vt_tree *tree;          /* thread names and spawns, or NULL */
	struct vt_def *unseen;         /* the frame of a STACK record without ids */
	uint64_t min_dur;              /* VT_MIN_DURATION of the thread's process (ns) */
	void (*progress)(void *ctx);   /* called now and then, or NULL */
	void *progress_ctx;
};

struct vt_frame {
	uint32_t id;       /* the function's DEF id, or VT_UNSEEN_ID */
	uint8_t is_c;
	uint8_t cut;       /* began before what was recorded: drawn from where it was seen */
	uint8_t matched;   /* it or a caller matches --match */
	uint32_t node;     /* the sinks' frame word (folded stacks) */
	uint64_t ns;       /* start */
	uint64_t child_ns; /* time spent in callees (inside the window) */
	char *args;        /* its arguments as a JSON object (VT_LOG_ARGS), or NULL */
};

/* a frame the recorder could not name (a STACK record without ids: before 4.1) */
#define VT_UNSEEN_ID UINT32_MAX

/* an open span */
struct vt_open_span {
	uint32_t id;
	uint64_t ns;
	char *args;
};

/* a span's track: beside its thread's, so spans never break the frames' nesting */
#define VT_SPAN_TID(tid) ((tid) | (1ull << 30))

struct vt_timeline {
	const struct vt_timeline_env *env;
	uint64_t pid, tid;
	struct vt_def *defs;
	size_t ndefs;
	uint32_t *active;    /* per id: how many frames of it are on the stack */
	struct vt_frame *stack;
	size_t depth, cap;
	uint32_t root;       /* the sinks' frame word of the thread */
	char *ret;           /* RETVAL for the next return (VT_LOG_RETURN) */
	struct vt_open_span *spans; /* open spans (vt.span, gc): a stack of their own */
	size_t nspans, spans_cap;
	int span_track;      /* the spans' track is named */
	char *tname, *renamed;
	uint64_t last;       /* the latest timestamp seen */
	uint64_t paused_at;  /* "vt: paused" marker before a STACK record */
	uint64_t first_ns;   /* the first call's time, 0 if none */
	int ended;           /* an END record was seen */
	int window_marked;
	char err[512];       /* why feed failed */
};

/**
 * vt_timeline_init - start thread @tid of process @pid, named @tname (copied), whose
 * process is @proc (its command line, or NULL). Names the thread's track.
 */
void vt_timeline_init(struct vt_timeline *tl, const struct vt_timeline_env *env, uint64_t pid,
		      uint64_t tid, const char *tname, const char *proc);

/**
 * vt_timeline_feed - one record @e of reader @r (its ids and text are the current
 * chunk's). Returns 0, or -1 with tl->err set when the stream cannot go on (a call of a
 * function never defined).
 */
int vt_timeline_feed(struct vt_timeline *tl, const struct vt_reader *r, const struct vt_event *e);

/**
 * vt_timeline_finish - end the frames and spans still open at the last timestamp, name
 * the track again if the thread was renamed, and free everything.
 */
void vt_timeline_finish(struct vt_timeline *tl);

#endif /* VT_TOOLS_TIMELINE_H */
