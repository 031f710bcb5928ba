/*
 * tracedir.c - a trace directory's files, opened and ordered (see tracedir.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/tracedir.h"
#include "tools/util.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_start(const void *a, const void *b)
{
	const struct vt_input *x = *(struct vt_input *const *)a, *y = *(struct vt_input *const *)b;

	if (x->r.mono0 != y->r.mono0)
		return x->r.mono0 < y->r.mono0 ? -1 : 1;
	return x->r.pid < y->r.pid ? -1 : x->r.pid > y->r.pid;
}

static char **list_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d && errno == ENOTDIR)
		die("cannot open trace directory '%s': %s (give the directory that holds the "
		    "trace files)", dir, strerror(errno));
	if (!d)
		die("cannot open trace directory '%s': %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".vt-size"))
			continue; /* .vt-size: the recorder's VT_MAX_SIZE counter */
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrndup(de->d_name, strlen(de->d_name));
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	*count = n;
	return names;
}

/* does directory @path hold a file named *.vt? */
static int holds_traces(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d)))
		found = ends_with(de->d_name, ".vt");
	closedir(d);
	return found;
}

/*
 * No file of @dir is named like a trace file (*.vt): a wrong or empty directory. Say so
 * before any output is made; point at trace directories inside it (`vt-convert .` where
 * the runs are).
 */
static void no_trace_files(const char *dir, char **names, size_t n)
{
	size_t subs = 0, first = 0;

	for (size_t i = 0; i < n; i++) {
		size_t plen = strlen(dir) + strlen(names[i]) + 2;
		char *path = xmalloc(plen);

		snprintf(path, plen, "%s/%s", dir, names[i]);
		if (holds_traces(path) && !subs++)
			first = i;
		free(path);
	}
	if (subs == 1)
		die("no trace files (*.vt) in '%s'; it holds the trace directory '%s/%s'", dir,
		    dir, names[first]);
	if (subs)
		die("no trace files (*.vt) in '%s'; it holds %zu trace directories, such as "
		    "'%s/%s': give one", dir, subs, dir, names[first]);
	die("no trace files (*.vt) in '%s' (a traced program writes them where VT_OUTPUT "
	    "says, by default ./vt-trace-<time>-<pid>)", dir);
}

/* open @path; NULL (after saying why) when it is skipped or unreadable */
static struct vt_input *open_input(struct vt_tracedir *td, const char *path)
{
	struct vt_input *in = xmalloc(sizeof(*in));
	struct stat st;
	int rc;

	memset(in, 0, sizeof(*in));
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		warning("%s: a directory, skipped", path);
		free(in);
		return NULL;
	}
	rc = vt_reader_open(&in->r, path);
	if (rc < 0 && in->r.size == 0 && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == 0) {
		/* created, then killed before its first write: nothing in it was lost */
		warning("%s: empty file (its process was killed as it started writing?)", path);
		vt_reader_close(&in->r);
		free(in);
		return NULL;
	}
	if (rc < 0) {
		vt_error(&td->bad, "%s: offset %zu: %s", path, in->r.err_off, in->r.err_msg);
		vt_reader_close(&in->r);
		free(in);
		return NULL;
	}
	in->is_proc = !strcmp(in->r.kind, "process");
	return in;
}

/* a process file whole: its PROC and EXIT records name and close the process */
static void read_process(struct vt_tracedir *td, struct vt_input *in)
{
	struct vt_event *e;

	while (vt_reader_next(&in->r, &e) > 0) {
		/* notes from vt about the whole process (the size cap) */
		if (e->r.kind == VT_REC_MARK && !in->mark) {
			in->mark = xstrndup(e->r.s1, e->r.s1_len);
			in->mark_ns = e->ns;
			warning("process %llu: %s", (unsigned long long)in->r.pid, in->mark);
		}
	}
	if (in->r.err)
		vt_error(&td->bad, "%s: offset %zu: %s", in->r.path, in->r.err_off, in->r.err_msg);
}

/* the files of @dir, run @run, added to td->in */
static void open_dir(struct vt_tracedir *td, const char *dir, unsigned run, size_t *cap)
{
	size_t nnames, k = 0;
	char **names = list_dir(dir, &nnames);

	while (k < nnames && !ends_with(names[k], ".vt"))
		k++;
	if (k == nnames)
		no_trace_files(dir, names, nnames);
	if (td->n + nnames + 1 > *cap) {
		*cap = td->n + nnames + 1;
		td->in = xrealloc(td->in, *cap * sizeof(*td->in));
	}
	for (size_t i = 0; i < nnames; i++) {
		size_t plen = strlen(dir) + strlen(names[i]) + 2;
		char *path = xmalloc(plen);
		struct vt_input *in;

		snprintf(path, plen, "%s/%s", dir, names[i]);
		in = open_input(td, path);
		free(path);
		if (!in)
			continue;
		in->run = run;
		td->in[td->n++] = in;
	}
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
}

/* a pid of run @run's files that an earlier run's files have (offsets applied) */
static int pids_repeat(const struct vt_tracedir *td, unsigned run)
{
	for (size_t i = 0; i < td->n; i++)
		for (size_t k = 0; td->in[i]->run == run && k < td->n; k++)
			if (td->in[k]->run < run && td->in[k]->r.pid == td->in[i]->r.pid)
				return 1;
	return 0;
}

/* Several runs: each one's times moved onto the wall clock (or to a common start), and
 * its pids offset when they repeat an earlier run's. Before any chunk is read. */
static void place_runs(struct vt_tracedir *td, int align)
{
	/* align: every run starts here; far from 0, so that a time a little before a
	 * run's first file (a chunk started early) cannot wrap */
	const uint64_t base = 1000000000000ull;

	for (unsigned run = 0; run < td->ndirs; run++) {
		const struct vt_reader *first = NULL;
		uint64_t shift, off;

		for (size_t i = 0; i < td->n; i++)
			if (td->in[i]->run == run && td->in[i]->r.mono0 &&
			    (!first || td->in[i]->r.mono0 < first->mono0))
				first = &td->in[i]->r;
		if (!first)
			continue;
		shift = align ? base - first->mono0 : first->real0 - first->mono0;
		off = run && pids_repeat(td, run) ? run * VT_RUN_PID_STEP : 0;
		for (size_t i = 0; i < td->n; i++) {
			struct vt_reader *r = &td->in[i]->r;

			if (td->in[i]->run != run)
				continue;
			r->shift = shift;
			r->mono0 += shift;
			r->pid_off = off;
			r->pid += off;
			r->tid += off;
			if (r->ppid)
				r->ppid += off;
		}
	}
}

void vt_tracedir_open(struct vt_tracedir *td, const char *const *dirs, size_t ndirs, int align)
{
	uint64_t origin = UINT64_MAX;
	size_t cap = 0, k;

	memset(td, 0, sizeof(*td));
	td->dir = dirs[0];
	td->dirs = dirs;
	td->ndirs = ndirs;
	for (unsigned run = 0; run < ndirs; run++)
		open_dir(td, dirs[run], run, &cap);
	if (ndirs > 1)
		place_runs(td, align);
	for (size_t i = 0; i < td->n; i++)
		if (td->in[i]->r.mono0 && td->in[i]->r.mono0 < origin)
			origin = td->in[i]->r.mono0;
	td->origin = origin == UINT64_MAX ? 0 : origin;
	/* process files first: their PROC and EXIT records name and close the processes */
	for (size_t i = 0; i < td->n; i++)
		if (td->in[i]->is_proc)
			read_process(td, td->in[i]);
	for (size_t i = 0; i < td->n; i++) {
		if (td->in[i]->is_proc)
			continue;
		for (k = 0; k < td->n; k++)
			if (td->in[k]->is_proc && td->in[k]->r.pid == td->in[i]->r.pid &&
			    td->in[k]->r.token == td->in[i]->r.token)
				td->in[i]->proc = td->in[k];
	}
	qsort(td->in, td->n, sizeof(*td->in), by_start);
}

int vt_tracedir_uses_min_dur(const struct vt_tracedir *td)
{
	for (size_t i = 0; i < td->n; i++)
		if (td->in[i]->is_proc && td->in[i]->r.min_dur)
			return 1;
	return 0;
}

void vt_tracedir_close(struct vt_tracedir *td)
{
	for (size_t i = 0; i < td->n; i++) {
		vt_reader_close(&td->in[i]->r);
		free(td->in[i]->proc_name);
		free(td->in[i]->mark);
		free(td->in[i]);
	}
	free(td->in);
	memset(td, 0, sizeof(*td));
}
