/*
 * vt-convert - merge every process and thread of a vt trace directory into one Chrome
 * Trace Event JSON file (Perfetto UI, chrome://tracing, speedscope).
 *
 * Each thread file is read on its own: calls are paired with returns on a stack, and
 * each closed frame becomes one complete ("X") event. Frames still open when a stream
 * ends are closed at its last timestamp and marked unfinished. Files that are damaged
 * are converted as far as they can be read, with an error naming the file and offset.
 *
 * Exit status: 0 all files read cleanly, 1 some file was bad (what could be read was
 * still converted) or the output could not be written, 2 bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tools/chrome.h"
#include "tools/reader.h"

#define VT_VERSION "0.1.0"

static const char *g_prog = "vt-convert";
static int g_quiet;
/* some input was bad: exit 1 at the end */
static int g_bad_input;

static void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", g_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	g_bad_input = 1;
}

static void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warning(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", g_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", g_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

/* ---- per-thread conversion ---- */

struct def {
	char *name;
	char *loc; /* "file:line", or NULL for C functions */
	int is_c;
};

struct frame {
	uint32_t id;
	uint8_t is_c;
	uint64_t ns;
};

struct stats {
	uint64_t events, lost, unmatched, unfinished, threads, processes;
};

static struct stats g_st;

/* one trace file and what the converter learned from it */
struct input {
	struct vt_reader r;
	int ok;      /* header parsed */
	int is_proc;
	struct input *proc; /* thread file: its process file, if any */
	uint64_t first_ns;  /* thread file: time of its first call (0 if none) */
};

/* a FORK record: where a child was started */
struct spawn {
	uint64_t pid, tid, ns, child;
};

static struct spawn *g_spawns;
static size_t g_nspawns, g_spawns_cap;

/* a frame that was entered while another profiler held the hook (see VT_REC_STACK) */
#define UNSEEN_ID UINT32_MAX
static struct def g_unseen = { "(entered while vt was paused)", NULL, 0 };

static void emit_x(struct vt_json *j, const struct vt_reader *r, const struct def *d,
		   uint64_t start, uint64_t end, int flags)
{
	vt_json_event(j);
	vt_json_lit(j, "\"ph\":\"X\",\"cat\":");
	vt_json_lit(j, d->is_c ? "\"c\"" : "\"py\"");
	vt_json_lit(j, ",\"name\":");
	vt_json_str(j, d->name, strlen(d->name));
	vt_json_lit(j, ",\"pid\":");
	vt_json_u64(j, r->pid);
	vt_json_lit(j, ",\"tid\":");
	vt_json_u64(j, r->tid);
	vt_json_lit(j, ",\"ts\":");
	vt_json_us(j, start - j->origin);
	vt_json_lit(j, ",\"dur\":");
	vt_json_us(j, end - start);
	if (d->loc || flags) {
		int comma = 0;

		vt_json_lit(j, ",\"args\":{");
		if (d->loc) {
			vt_json_lit(j, "\"file\":");
			vt_json_str(j, d->loc, strlen(d->loc));
			comma = 1;
		}
		if (flags & 1) {
			vt_json_lit(j, comma ? ",\"exception\":true" : "\"exception\":true");
			comma = 1;
		}
		if (flags & 2) {
			vt_json_lit(j, comma ? ",\"unfinished\":true" : "\"unfinished\":true");
			comma = 1;
		}
		if (flags & 4)
			vt_json_lit(j, comma ? ",\"yield\":true" : "\"yield\":true");
		vt_json_lit(j, "}");
	}
	vt_json_lit(j, "}");
	g_st.events++;
}

static void emit_instant(struct vt_json *j, const struct vt_reader *r, uint64_t ns,
			 const char *name, size_t len, char scope)
{
	char s[2] = { scope, 0 };

	vt_json_event(j);
	vt_json_lit(j, "\"ph\":\"i\",\"cat\":\"vt\",\"s\":\"");
	vt_json_lit(j, s);
	vt_json_lit(j, "\",\"name\":");
	vt_json_str(j, name, len);
	vt_json_lit(j, ",\"pid\":");
	vt_json_u64(j, r->pid);
	vt_json_lit(j, ",\"tid\":");
	vt_json_u64(j, r->tid);
	vt_json_lit(j, ",\"ts\":");
	vt_json_us(j, ns - j->origin);
	vt_json_lit(j, "}");
}

static void emit_meta(struct vt_json *j, const char *what, uint64_t pid, uint64_t tid,
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

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void convert_thread(struct vt_json *j, struct input *in)
{
	struct vt_reader *r = &in->r;
	struct def *defs = NULL;
	size_t ndefs = 0;
	struct frame *stack = NULL;
	size_t depth = 0, cap = 0;
	struct vt_event *e;
	uint64_t last = 0, paused_at = 0;
	char *tname = NULL;
	int ended = 0;
#define DEF_OF(f) ((f).id == UNSEEN_ID ? &g_unseen : &defs[(f).id])

	while (vt_reader_next(r, &e) > 0) {
		const struct vt_record *x = &e->r;
		int flags = 0;

		if (e->ns > last && x->kind != VT_REC_DEF)
			last = e->ns;
		switch (x->kind) {
		case VT_REC_DEF:
			if (x->id > 100000000u)
				break; /* absurd id from a damaged file: ignore */
			if (x->id >= ndefs) {
				size_t n = ndefs ? ndefs : 256;

				while (n <= x->id)
					n *= 2;
				defs = xrealloc(defs, n * sizeof(*defs));
				memset(defs + ndefs, 0, (n - ndefs) * sizeof(*defs));
				ndefs = n;
			}
			free(defs[x->id].name);
			free(defs[x->id].loc);
			defs[x->id].name = xstrndup(x->s1, x->s1_len);
			defs[x->id].is_c = x->count == VT_DEF_C;
			defs[x->id].loc = NULL;
			if (!defs[x->id].is_c) {
				size_t n = x->s2_len + 24;

				defs[x->id].loc = xmalloc(n);
				snprintf(defs[x->id].loc, n, "%.*s:%lld", (int)x->s2_len, x->s2,
					 (long long)x->code);
			}
			break;
		case VT_REC_CALL:
		case VT_REC_RESUME:
		case VT_REC_CCALL:
			if (x->id >= ndefs || !defs[x->id].name) {
				error("%s: offset %zu: call of undefined function id %llu", r->path,
				      r->chunk_off, (unsigned long long)x->id);
				goto out;
			}
			if (depth == cap) {
				cap = cap ? cap * 2 : 256;
				stack = xrealloc(stack, cap * sizeof(*stack));
			}
			stack[depth].id = (uint32_t)x->id;
			stack[depth].is_c = x->kind == VT_REC_CCALL;
			stack[depth].ns = e->ns;
			depth++;
			if (!in->first_ns)
				in->first_ns = e->ns;
			break;
		case VT_REC_UNWIND:
			flags = 1;
			/* fall through */
		case VT_REC_RET:
		case VT_REC_YIELD:
			if (x->kind == VT_REC_YIELD)
				flags = 4;
			/* a C frame left open below a Python return lost its C return: close it */
			while (depth && stack[depth - 1].is_c) {
				depth--;
				emit_x(j, r, DEF_OF(stack[depth]), stack[depth].ns, e->ns, 2);
				g_st.unfinished++;
			}
			if (!depth) {
				g_st.unmatched++; /* returns of frames entered before tracing began */
				break;
			}
			depth--;
			emit_x(j, r, DEF_OF(stack[depth]), stack[depth].ns, e->ns, flags);
			break;
		case VT_REC_CRET:
		case VT_REC_CRAISE:
			if (!depth || !stack[depth - 1].is_c) {
				g_st.unmatched++;
				break;
			}
			depth--;
			emit_x(j, r, DEF_OF(stack[depth]), stack[depth].ns, e->ns,
			       x->kind == VT_REC_CRAISE);
			break;
		case VT_REC_TNAME:
			free(tname);
			tname = xstrndup(x->s1, x->s1_len);
			break;
		case VT_REC_LOST: {
			char msg[128];

			g_st.lost += x->count;
			snprintf(msg, sizeof(msg), "vt: %llu events lost (%.*s)",
				 (unsigned long long)x->count, (int)x->s1_len, x->s1);
			emit_instant(j, r, e->ns, msg, strlen(msg), 't');
			warning("%s: %llu events lost (%.*s)", base(r->path),
				(unsigned long long)x->count, (int)x->s1_len, x->s1);
			break;
		}
		case VT_REC_MARK:
			emit_instant(j, r, e->ns, x->s1, x->s1_len, 't');
			if (!paused_at && x->s1_len > 10 && !memcmp(x->s1, "vt: paused", 10))
				paused_at = e->ns;
			break;
		case VT_REC_STACK: {
			/* the recorder was paused: make our stack as deep as the real one */
			size_t py_frames = 0;
			uint64_t cut = paused_at ? paused_at : e->ns;

			for (size_t k = 0; k < depth; k++)
				py_frames += !stack[k].is_c;
			while (depth && (py_frames > x->count || stack[depth - 1].is_c)) {
				depth--;
				py_frames -= !stack[depth].is_c;
				emit_x(j, r, DEF_OF(stack[depth]), stack[depth].ns,
				       cut > stack[depth].ns ? cut : stack[depth].ns, 2);
				g_st.unfinished++;
			}
			while (py_frames < x->count && py_frames < 100000) {
				if (depth == cap) {
					cap = cap ? cap * 2 : 256;
					stack = xrealloc(stack, cap * sizeof(*stack));
				}
				stack[depth].id = UNSEEN_ID;
				stack[depth].is_c = 0;
				stack[depth].ns = e->ns;
				depth++;
				py_frames++;
			}
			paused_at = 0;
			break;
		}
		case VT_REC_END:
			ended = 1;
			break;
		case VT_REC_FORK:
			if (g_nspawns == g_spawns_cap) {
				g_spawns_cap = g_spawns_cap ? g_spawns_cap * 2 : 64;
				g_spawns = xrealloc(g_spawns, g_spawns_cap * sizeof(*g_spawns));
			}
			g_spawns[g_nspawns++] = (struct spawn){ r->pid, r->tid, e->ns, x->count };
			break;
		default:
			break;
		}
	}
out:
	if (r->err)
		error("%s: offset %zu: %s", r->path, r->err_off, r->err_msg);
	if (!ended && !r->err && r->chunks &&
	    !(in->proc && in->proc->r.has_exit))
		warning("%s: the stream ends without an end record (process killed?); "
			"kept everything up to its last chunk",
			base(r->path));
	/* frames still open: end them at the thread's last timestamp */
	while (depth) {
		depth--;
		emit_x(j, r, DEF_OF(stack[depth]), stack[depth].ns, last, 2);
		g_st.unfinished++;
	}
	if (r->chunks || tname) {
		char buf[64];

		if (!tname) {
			snprintf(buf, sizeof(buf), r->tid == r->pid ? "MainThread" : "Thread %llu",
				 (unsigned long long)r->tid);
		}
		emit_meta(j, "thread_name", r->pid, r->tid, "name", tname ? tname : buf, 0);
		g_st.threads++;
	}
	for (size_t i = 0; i < ndefs; i++) {
		free(defs[i].name);
		free(defs[i].loc);
	}
	free(defs);
	free(stack);
	free(tname);
}

/* ---- processes: names, tree order, where each was started ---- */

static void exit_label(const struct vt_reader *r, char *buf, size_t cap)
{
	static const char *const sig[] = { [1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT",
					   [6] = "SIGABRT", [9] = "SIGKILL", [11] = "SIGSEGV",
					   [13] = "SIGPIPE", [15] = "SIGTERM" };

	if (!r->has_exit)
		snprintf(buf, cap, "pid %llu, no exit record (killed or still running)",
			 (unsigned long long)r->pid);
	else if (r->exit_how == VT_EXIT_CODE)
		snprintf(buf, cap, "pid %llu, exit %lld", (unsigned long long)r->pid,
			 (long long)r->exit_code);
	else if (r->exit_how == VT_EXIT_SIGNAL)
		snprintf(buf, cap, "pid %llu, killed by %s", (unsigned long long)r->pid,
			 r->exit_code > 0 && r->exit_code < 16 && sig[r->exit_code]
				 ? sig[r->exit_code]
				 : "a signal");
	else if (r->exit_how == VT_EXIT_EXEC)
		snprintf(buf, cap, "pid %llu, replaced by exec", (unsigned long long)r->pid);
	else
		snprintf(buf, cap, "pid %llu, exited", (unsigned long long)r->pid);
}

static int is_parent(const struct input *p, const struct input *c)
{
	return p != c && p->r.pid == c->r.ppid && p->r.mono0 <= c->r.mono0;
}

static void tree_visit(struct input **procs, size_t n, size_t i, char *done,
		       struct input **out, size_t *nout, int depth)
{
	done[i] = 1;
	out[(*nout)++] = procs[i];
	if (depth > 256)
		return;
	for (size_t k = 0; k < n; k++) /* procs are sorted by start: siblings in order */
		if (!done[k] && is_parent(procs[i], procs[k]))
			tree_visit(procs, n, k, done, out, nout, depth + 1);
}

/* process files in tree order: each parent before its children, siblings by start time */
static size_t tree_order(struct input **procs, size_t n, struct input **out)
{
	char *done = calloc(n ? n : 1, 1);
	size_t nout = 0;

	if (!done)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		int root = 1;

		for (size_t k = 0; k < n && root; k++)
			if (is_parent(procs[k], procs[i]))
				root = 0;
		if (root && !done[i])
			tree_visit(procs, n, i, done, out, &nout, 0);
	}
	for (size_t i = 0; i < n; i++) /* cycles from reused pids: keep them anyway */
		if (!done[i])
			tree_visit(procs, n, i, done, out, &nout, 0);
	free(done);
	return nout;
}

static void emit_processes(struct vt_json *j, struct input **inputs, size_t ninputs)
{
	struct input **procs = xmalloc((ninputs + 1) * sizeof(*procs));
	struct input **order = xmalloc((ninputs + 1) * sizeof(*order));
	size_t nprocs = 0, n;
	int sort = 0;

	for (size_t i = 0; i < ninputs; i++)
		if (inputs[i]->is_proc)
			procs[nprocs++] = inputs[i];
	n = tree_order(procs, nprocs, order);
	for (size_t i = 0; i < n; i++) {
		struct vt_reader *r = &order[i]->r;
		const char *name = r->argv && *r->argv ? r->argv : (r->exe ? r->exe : "python");
		char label[128];
		size_t k;

		for (k = 0; k < i && order[k]->r.pid != r->pid; k++)
			;
		if (k < i) {
			/* a later image of the same pid: it came from exec */
			char msg[256];

			snprintf(msg, sizeof(msg), "exec: %.200s", name);
			emit_instant(j, r, r->mono0, msg, strlen(msg), 'p');
			continue;
		}
		emit_meta(j, "process_name", r->pid, 0, "name", name, 0);
		emit_meta(j, "process_sort_index", r->pid, 0, "sort_index", NULL, sort++);
		/* the exit of the pid's last image */
		for (k = n; k-- > i;)
			if (order[k]->r.pid == r->pid)
				break;
		exit_label(&order[k]->r, label, sizeof(label));
		emit_meta(j, "process_labels", r->pid, 0, "labels", label, 0);
		g_st.processes++;
	}
	free(procs);
	free(order);
}

static void emit_flow(struct vt_json *j, char ph, uint64_t id, uint64_t pid, uint64_t tid,
		      uint64_t ns)
{
	char head[64];

	snprintf(head, sizeof(head), "\"ph\":\"%c\",%s\"id\":", ph, ph == 'f' ? "\"bp\":\"e\"," : "");
	vt_json_event(j);
	vt_json_lit(j, head);
	vt_json_u64(j, id);
	vt_json_lit(j, ",\"cat\":\"process\",\"name\":\"start process\",\"pid\":");
	vt_json_u64(j, pid);
	vt_json_lit(j, ",\"tid\":");
	vt_json_u64(j, tid);
	vt_json_lit(j, ",\"ts\":");
	vt_json_us(j, ns > j->origin ? ns - j->origin : 0);
	vt_json_lit(j, "}");
}

/*
 * An arrow from where each child was started to its first call: from its FORK record
 * (fork, posix_spawn) if the parent wrote one, else (vfork) from the parent's main
 * thread at the child's start.
 */
static void emit_flows(struct vt_json *j, struct input **inputs, size_t ninputs)
{
	uint64_t id = 1;

	for (size_t i = 0; i < ninputs; i++) {
		struct input *c = inputs[i], *first = NULL;
		uint64_t ppid, start = UINT64_MAX, from_tid = 0, from_ns = 0;
		int parent_traced = 0;

		if (!c->is_proc)
			continue;
		/* the child's earliest thread with calls */
		for (size_t k = 0; k < ninputs; k++)
			if (!inputs[k]->is_proc && inputs[k]->proc == c && inputs[k]->first_ns &&
			    inputs[k]->first_ns < start) {
				start = inputs[k]->first_ns;
				first = inputs[k];
			}
		if (!first)
			continue;
		ppid = c->r.ppid;
		for (size_t k = 0; k < ninputs; k++)
			if (inputs[k]->is_proc && inputs[k]->r.pid == ppid && inputs[k] != c &&
			    inputs[k]->r.mono0 <= c->r.mono0)
				parent_traced = 1;
		if (!parent_traced)
			continue;
		for (size_t s = 0; s < g_nspawns; s++)
			if (g_spawns[s].child == c->r.pid && g_spawns[s].pid == ppid &&
			    g_spawns[s].ns <= start) {
				from_tid = g_spawns[s].tid;
				from_ns = g_spawns[s].ns;
			}
		if (!from_ns) {
			from_tid = ppid;
			from_ns = c->r.mono0;
		}
		emit_flow(j, 's', id, ppid, from_tid, from_ns);
		emit_flow(j, 'f', id, c->r.pid, first->r.tid, start);
		if (from_tid != ppid || g_nspawns) {
			char msg[64];
			struct vt_reader pr = { 0 };

			pr.pid = ppid;
			pr.tid = from_tid;
			snprintf(msg, sizeof(msg), "start process %llu", (unsigned long long)c->r.pid);
			emit_instant(j, &pr, from_ns, msg, strlen(msg), 't');
		}
		id++;
	}
}

/* ---- the directory ---- */

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_start(const void *a, const void *b)
{
	const struct input *x = *(struct input *const *)a, *y = *(struct input *const *)b;

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

	if (!d)
		die("cannot open trace directory '%s': %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrndup(de->d_name, strlen(de->d_name));
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	*count = n;
	return names;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vt-convert DIR [-o FILE] [-q]\n"
		"\n"
		"Merge every process and thread of a vt trace directory into one Chrome Trace\n"
		"Event JSON file, for Perfetto UI, chrome://tracing, speedscope and vt's viewer.\n"
		"\n"
		"  -o, --output FILE   write here; '-' is standard output (default: DIR.json)\n"
		"  -q, --quiet         no summary line on standard error\n"
		"  -h, --help          this text\n"
		"      --version       print the version\n"
		"\n"
		"example: vt-convert vt-trace-20261124-120000-4242 -o trace.json\n"
		"exit status: 0 ok, 1 some input was damaged (the rest is converted) or the\n"
		"output failed, 2 bad usage\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir, *out = NULL;
	char *defout = NULL, **names;
	size_t nnames, ninputs = 0;
	struct input **inputs;
	struct vt_json j;
	struct timespec t0, t1;
	uint64_t origin = UINT64_MAX;
	char tail[256];
	int c;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'q':
			g_quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vt-convert %s (trace format %d.%d)\n", VT_VERSION, VT_FORMAT_MAJOR,
			       VT_FORMAT_MINOR);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	dir = argv[optind];
	if (!out) {
		size_t n = strlen(dir);

		while (n > 1 && dir[n - 1] == '/')
			n--;
		defout = xmalloc(n + 6);
		snprintf(defout, n + 6, "%.*s.json", (int)n, dir);
		out = defout;
	}

	names = list_dir(dir, &nnames);
	inputs = xmalloc(nnames * sizeof(*inputs));
	for (size_t i = 0; i < nnames; i++) {
		size_t plen = strlen(dir) + strlen(names[i]) + 2;
		char *path = xmalloc(plen);
		struct input *in = xmalloc(sizeof(*in));
		struct stat st;
		int rc;

		snprintf(path, plen, "%s/%s", dir, names[i]);
		memset(in, 0, sizeof(*in));
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			warning("%s: a directory, skipped", path);
			free(path);
			free(in);
			continue;
		}
		rc = vt_reader_open(&in->r, path);
		if (rc < 0 && in->r.size == 0 && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size == 0) {
			/* created, then killed before its first write: nothing in it was lost */
			warning("%s: empty file (its process was killed as it started writing?)",
				path);
			vt_reader_close(&in->r);
			free(path);
			free(in);
			continue;
		}
		if (rc < 0) {
			error("%s: offset %zu: %s", path, in->r.err_off, in->r.err_msg);
			vt_reader_close(&in->r);
			free(path);
			free(in);
			continue;
		}
		in->ok = 1;
		in->is_proc = !strcmp(in->r.kind, "process");
		if (in->r.mono0 && in->r.mono0 < origin)
			origin = in->r.mono0;
		inputs[ninputs++] = in;
		free(path);
	}
	if (origin == UINT64_MAX)
		origin = 0;

	/* process files first: their PROC and EXIT records name and close the processes */
	for (size_t i = 0; i < ninputs; i++) {
		struct vt_event *e;

		if (!inputs[i]->is_proc)
			continue;
		while (vt_reader_next(&inputs[i]->r, &e) > 0)
			;
		if (inputs[i]->r.err)
			error("%s: offset %zu: %s", inputs[i]->r.path, inputs[i]->r.err_off,
			      inputs[i]->r.err_msg);
	}
	for (size_t i = 0; i < ninputs; i++) {
		if (inputs[i]->is_proc)
			continue;
		for (size_t k = 0; k < ninputs; k++)
			if (inputs[k]->is_proc && inputs[k]->r.pid == inputs[i]->r.pid &&
			    inputs[k]->r.token == inputs[i]->r.token)
				inputs[i]->proc = inputs[k];
	}
	qsort(inputs, ninputs, sizeof(*inputs), by_start);

	if (vt_json_open(&j, out) < 0)
		die("cannot write '%s': %s", out, strerror(errno));
	j.origin = origin;
	vt_json_begin(&j);
	emit_processes(&j, inputs, ninputs);
	for (size_t i = 0; i < ninputs; i++)
		if (!inputs[i]->is_proc)
			convert_thread(&j, inputs[i]);
	emit_flows(&j, inputs, ninputs);
	snprintf(tail, sizeof(tail),
		 "\"displayTimeUnit\":\"ns\",\"otherData\":{\"vt_format\":\"%d.%d\","
		 "\"lost_events\":%llu,\"origin_mono_ns\":%llu}",
		 VT_FORMAT_MAJOR, VT_FORMAT_MINOR, (unsigned long long)g_st.lost,
		 (unsigned long long)origin);
	if (vt_json_end(&j, tail) < 0)
		die("cannot write '%s': %s", out, strerror(errno));

	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!g_quiet) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

		fprintf(stderr,
			"%s: %llu processes, %llu threads, %llu events, %llu lost -> %s (%.1f MB) "
			"in %.2f s\n",
			g_prog, (unsigned long long)g_st.processes, (unsigned long long)g_st.threads,
			(unsigned long long)g_st.events, (unsigned long long)g_st.lost,
			strcmp(out, "-") ? out : "stdout", (double)j.bytes / 1e6, secs);
		if (g_st.lost)
			fprintf(stderr, "%s: %llu events were lost while recording\n", g_prog,
				(unsigned long long)g_st.lost);
	}
	for (size_t i = 0; i < ninputs; i++) {
		vt_reader_close(&inputs[i]->r);
		free(inputs[i]);
	}
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(inputs);
	free(defout);
	free(g_spawns);
	return g_bad_input ? 1 : 0;
}
