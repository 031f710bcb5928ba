/*
 * tracedir.h - a trace directory: its files opened (reader.c reads each), the process
 * files read first (their notes), each thread file tied to its process file, all sorted
 * by start time, and the trace's start (the earliest file's).
 *
 * Several directories (runs) are put on one time axis: by each run's wall-clock anchor
 * (the CLOCK_REALTIME its earliest file took beside CLOCK_MONOTONIC), or all starting at
 * the same instant (align). A run whose pids repeat an earlier run's gets its pids
 * offset by run x VT_RUN_PID_STEP, so that each process keeps a track of its own.
 */
#ifndef VT_TOOLS_TRACEDIR_H
#define VT_TOOLS_TRACEDIR_H

#include <stddef.h>
#include <stdint.h>

#include "tools/reader.h"

/* one trace file and what the converter learned from it */
struct vt_input {
	struct vt_reader r;
	int is_proc;
	struct vt_input *proc; /* thread file: its process file, if any */
	uint64_t first_ns;     /* thread file: time of its first call (0 if none) */
	char *proc_name;       /* process file: its track name */
	char *mark;            /* process file: vt's note about it (size cap), if any */
	uint64_t mark_ns;
	unsigned run;          /* the index of its directory */
};

/* above Linux's largest pid_max (2^22) */
#define VT_RUN_PID_STEP 10000000ull

struct vt_tracedir {
	const char *dir;       /* the first directory */
	const char *const *dirs;
	size_t ndirs;          /* runs */
	struct vt_input **in;  /* the files that opened, by start time */
	size_t n;
	uint64_t origin;       /* the earliest start (ns), 0 if none */
	int bad;               /* some file was damaged */
};

/**
 * vt_tracedir_open - open every trace file of the @ndirs directories @dirs, say what is
 * wrong with those that are not (td->bad is set for damaged ones). Dies when one cannot
 * be read or holds no trace file, naming trace directories inside it if there are some.
 * Several runs go on one axis by their wall clocks, or from one start with @align.
 */
void vt_tracedir_open(struct vt_tracedir *td, const char *const *dirs, size_t ndirs, int align);

/** vt_tracedir_uses_min_dur - 1 when a process ran with VT_MIN_DURATION. */
int vt_tracedir_uses_min_dur(const struct vt_tracedir *td);

/** vt_tracedir_close - close the files and free everything. */
void vt_tracedir_close(struct vt_tracedir *td);

#endif /* VT_TOOLS_TRACEDIR_H */
