/*
 * convert.h - one conversion: a trace directory (tracedir.c) read into the sinks of the
 * command line (sink.h). The processes are named first (tree.c), then each thread file
 * goes through a timeline (timeline.c), on several threads at once when every sink can
 * take that (-j); then the counter samples (counters.c), then the arrows to child
 * processes.
 */
#ifndef VT_TOOLS_CONVERT_H
#define VT_TOOLS_CONVERT_H

#include <stddef.h>
#include <time.h>

#include "tools/filter.h"
#include "tools/sink.h"
#include "tools/timeline.h"
#include "tools/tracedir.h"
#include "tools/tree.h"

struct vt_convert_opts {
	struct vt_filter filter;
	size_t jobs;     /* converting threads, 0: one per CPU */
	int progress;    /* a running count on stderr */
};

struct vt_convert {
	const struct vt_convert_opts *o;
	struct vt_tracedir td;
	struct vt_sinks out;       /* filled by the caller before vt_convert_run */
	struct vt_tree tree;
	struct vt_counters *counters; /* samples kept while threads are read, or NULL */
	struct vt_counts counts;   /* the main thread's; all of them after vt_convert_run */
	struct vt_def unseen;      /* the frame of a STACK record without ids */
	struct timespec t0;
	double last_progress;
	int bad;                   /* some input was damaged: exit 1 */
};

/** vt_convert_open - open the @ndirs trace directories @dirs, several runs on one axis
 * (aligned at their starts with @align); dies when one holds no trace. */
void vt_convert_open(struct vt_convert *cv, const struct vt_convert_opts *o,
		     const char *const *dirs, size_t ndirs, int align);

/** vt_convert_run - read everything into cv->out; the sinks are not ended. */
void vt_convert_run(struct vt_convert *cv);

/** vt_convert_close - free the sinks (ended or not), close the files, free everything. */
void vt_convert_close(struct vt_convert *cv);

/** vt_convert_elapsed - seconds since vt_convert_open. */
double vt_convert_elapsed(const struct vt_convert *cv);

#endif /* VT_TOOLS_CONVERT_H */
