/*
 * filter.h - the calls vt-convert keeps (--from/--to, --pid/--tid, --min-dur,
 * --max-depth, --match). The filters choose the calls for every output alike: the trace,
 * the summary and the folded stacks.
 */
#ifndef VT_TOOLS_FILTER_H
#define VT_TOOLS_FILTER_H

#include <stddef.h>
#include <stdint.h>

struct vt_filter {
	uint64_t from, to;  /* the window, ns from the trace start; to == UINT64_MAX: open */
	const uint64_t *pids, *tids; /* only these processes / threads (when n > 0) */
	size_t npids, ntids;
	uint64_t min_dur;
	int min_dur_set;    /* --min-dur given: it wins over the process's VT_MIN_DURATION */
	size_t max_depth;   /* 0: no limit */
	const char *match;  /* a glob, or NULL */
};

/** vt_filter_none - a filter that keeps everything. */
struct vt_filter vt_filter_none(void);

/** vt_filter_thread - 1 when thread @tid of process @pid is converted (--pid, --tid). */
int vt_filter_thread(const struct vt_filter *f, uint64_t pid, uint64_t tid);

/** vt_filter_match - 1 when a function named @name matches --match (0 without one). */
int vt_filter_match(const struct vt_filter *f, const char *name);

/**
 * vt_filter_call - 1 when a call from @start to @end (ns; @origin is the trace's start),
 * @depth frames deep (0: a thread's outermost), is kept. @matched: it or a caller
 * matches --match. @proc_min_dur: VT_MIN_DURATION of its process (0: none).
 */
int vt_filter_call(const struct vt_filter *f, uint64_t origin, uint64_t start, uint64_t end,
		   size_t depth, int matched, uint64_t proc_min_dur);

/**
 * vt_filter_cut - cut [*start, *end] to the window, so calls still nest: a call that
 * began before --from starts there, one that ended after --to ends there.
 */
void vt_filter_cut(const struct vt_filter *f, uint64_t origin, uint64_t *start, uint64_t *end);

/** vt_filter_any - 1 when some filter is set (the summary says which). */
int vt_filter_any(const struct vt_filter *f);

#endif /* VT_TOOLS_FILTER_H */
