/*
 * tracedir.h - a trace directory: its files opened (reader.c reads each), the process
 * files read first (their notes), each thread file tied to its process file, all sorted
 * by start time, and the trace's start (the earliest file's).
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
};

struct vt_tracedir {
	const char *dir;
	char **names;          /* the directory's entries, sorted */
	size_t nnames;
	struct vt_input **in;  /* the files that opened, by start time */
	size_t n;
	uint64_t origin;       /* the earliest start (ns), 0 if none */
	int bad;               /* some file was damaged */
};

/**
 * vt_tracedir_open - open every trace file of @dir, say what is wrong with those that
 * are not (td->bad is set for damaged ones). Dies when @dir cannot be read or holds no
 * trace file, naming trace directories inside it if there are some.
 */
void vt_tracedir_open(struct vt_tracedir *td, const char *dir);

/** vt_tracedir_uses_min_dur - 1 when a process ran with VT_MIN_DURATION. */
int vt_tracedir_uses_min_dur(const struct vt_tracedir *td);

/** vt_tracedir_close - close the files and free everything. */
void vt_tracedir_close(struct vt_tracedir *td);

#endif /* VT_TOOLS_TRACEDIR_H */
