/*
 * counters.h - the program's counter samples (vt.counter, vt.log_var), held until every
 * thread is converted and then written with their track names.
 *
 * Chrome's "C" events belong to a process: two threads writing the counter "queue" would
 * make one mixed series. A counter name written by one thread of a process keeps its name;
 * one written by several threads of a process becomes one track per thread, "queue
 * (Thread-1)", named after the thread ("queue (worker 4244)" when two of those threads
 * share a name). Whether a name is shared is known only when all threads are read, so the
 * samples wait here: in memory up to a few MiB, then in an unlinked temporary file (the
 * converter's memory still follows the threads, not the trace).
 */
#ifndef VT_TOOLS_COUNTERS_H
#define VT_TOOLS_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "tools/reader.h"

struct vt_counters;

/** one sample as it is to be written */
struct vt_counter_sample {
	uint64_t pid, tid, ns;
	const char *name;  /* the track: the counter's name, or "name (thread)" */
	const char *args;  /* its values, a JSON object of numbers ({"depth":3,"rate":1.5}) */
	size_t args_len;
	const struct vt_number *nums; /* the same values as numbers (not null ones) */
	size_t nnums;
};

/**
 * vt_counters_new - an empty store whose samples spill to a temporary file beyond
 * @mem_max bytes (0: a default of 8 MiB). Free with vt_counters_free.
 */
struct vt_counters *vt_counters_new(size_t mem_max);
void vt_counters_free(struct vt_counters *c);

/**
 * vt_counters_add - keep one sample of counter @name (@nlen bytes) of thread @tid of
 * process @pid at @ns, with @args (a JSON object text of @alen bytes) and the same
 * values as numbers, @nums (ended by one whose key is NULL; NULL for none). Safe to call
 * from several threads at once. Returns 0, or -1 with errno when the temporary file
 * failed.
 */
int vt_counters_add(struct vt_counters *c, uint64_t pid, uint64_t tid, const char *name,
		    size_t nlen, uint64_t ns, const char *args, size_t alen,
		    const struct vt_number *nums);

/** the current name of thread @tid of process @pid (never NULL) */
typedef const char *vt_counters_tname_fn(void *ctx, uint64_t pid, uint64_t tid);
typedef void vt_counters_sample_fn(void *ctx, const struct vt_counter_sample *s);

/**
 * vt_counters_emit - name the tracks, then pass every sample to @fn, in the order they
 * were added. In a track named per thread, a sample whose only value is keyed by the
 * counter's own name (vt.log_var("n", 3) gives {"n":3}) has it keyed "value" instead, as
 * the viewers name such a one-value track after the counter (and its number's key is
 * "value" too). Returns 0, or -1 with errno
 * when the temporary file could not be read back.
 */
int vt_counters_emit(struct vt_counters *c, vt_counters_tname_fn *tname,
		     vt_counters_sample_fn *fn, void *ctx);

#endif /* VT_TOOLS_COUNTERS_H */
