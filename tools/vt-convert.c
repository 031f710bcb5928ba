/*
 * vt-convert - merge every process and thread of a vt trace directory into one Chrome
 * Trace Event JSON file (Perfetto UI, chrome://tracing, speedscope), vt's offline HTML
 * viewer, folded stacks for flame graphs, or a pstats-like text summary.
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
#include <fnmatch.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "tools/chrome.h"
#include "tools/counters.h"
#include "tools/html.h"
#include "tools/reader.h"
#include "tools/stats.h"

#define VT_VERSION "0.2.0"

static const char *g_prog = "vt-convert";
/* some input was bad: exit 1 at the end */
static int g_bad_input;

/* "vt-convert: <kind><message>\n" on stderr */
static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", g_prog, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define MSG_FN(name, kind, after)                                              \
	static void name(const char *fmt, ...) __attribute__((format(printf, 1, 2))); \
	static void name(const char *fmt, ...)                                  \
	{                                                                       \
		va_list ap;                                                     \
		va_start(ap, fmt);                                              \
		vmsg(kind, fmt, ap);                                            \
		va_end(ap);                                                     \
		after;                                                          \
	}

/* error: damaged input, exit 1 at the end; warning: worth knowing, not a failure */
MSG_FN(error, "error: ", g_bad_input = 1)
MSG_FN(warning, "warning: ", (void)0)

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	exit(1);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", g_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", g_prog);
	exit(2);
}

/* ---- options ---- */

enum format { FMT_JSON, FMT_HTML, FMT_FOLDED, FMT_NONE };

static struct {
	const char *out;
	enum format fmt;
	int gz;
	int quiet;
	int progress;      /* 1 on, 0 off, -1 when stderr is a terminal */
	int summary;       /* 0 off, 1 all processes, 2 per process, 3 per thread */
	const char *sort;
	size_t top;
	uint64_t from, to; /* ns from the trace start; to == UINT64_MAX: open */
	uint64_t *pids, *tids;
	size_t npids, ntids;
	uint64_t min_dur;
	int min_dur_set;   /* --min-dur given: it wins over VT_MIN_DURATION */
	size_t max_depth;  /* 0: no limit */
	const char *match;
	uint64_t split;    /* bytes per JSON part, 0: one file */
	size_t jobs;       /* converting threads, 0: one per CPU */
} o = { .sort = "self", .top = 30, .to = UINT64_MAX, .progress = -1 };

/* "2.5s", "300ms", "40us", "12ns", "2m"; a bare number means seconds */
static uint64_t parse_time(const char *opt, const char *v)
{
	uint64_t ns;

	if (vt_parse_time(v, &ns) < 0)
		usage_error("%s: bad time '%s' (a number with ns, us, ms, s, m or h: 2.5s, 300ms)",
			    opt, v);
	return ns;
}

static uint64_t parse_size(const char *opt, const char *v)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(v, &end);
	if (end == v || errno || x <= 0)
		usage_error("%s: bad size '%s' (use e.g. 200M)", opt, v);
	switch (*end) {
	case 'k': case 'K': x *= 1e3; end++; break;
	case 'm': case 'M': x *= 1e6; end++; break;
	case 'g': case 'G': x *= 1e9; end++; break;
	default: break;
	}
	if (*end == 'B')
		end++;
	if (*end)
		usage_error("%s: bad size '%s' (use e.g. 200M)", opt, v);
	return (uint64_t)x;
}

static size_t parse_list(const char *opt, const char *v, uint64_t **out)
{
	size_t n = 0;
	char *copy = xstrndup(v, strlen(v)), *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long long x = strtoull(tok, &end, 10);

		if (end == tok || *end)
			usage_error("%s: bad id '%s' (a comma-separated list of numbers)", opt, tok);
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = x;
	}
	free(copy);
	return n;
}

static int in_list(const uint64_t *list, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* ---- output: JSON (optionally split into parts, or gzip), HTML, folded, summary ---- */

struct def {
	char *name;
	char *loc; /* "file:line", or NULL for C functions */
	/* JSON text made on first output: "ph":"X","cat":..,"name":".." and
	 * ,"args":{"file":".." (NULL without loc) */
	char *jhead, *jfile;
	size_t jhead_len, jfile_len;
	int is_c;
	int is_span; /* a span from vt.span() or vt itself (gc) */
	int is_native; /* a native function (VT_NATIVE): a C frame, its library as file */
	int matches; /* name matches --match */
};

struct stats {
	uint64_t events, lost, unmatched, unfinished, threads, processes, bytes_read, skipped;
};

/* each converting thread counts into its own; the others' are added at the end */
static __thread struct stats g_st;
static uint64_t g_origin;
static struct vt_json g_j;
/* the JSON writer of a converting thread (-j): whole events, handed to g_j under a lock */
static __thread struct vt_json *t_j;
#define J (t_j ? t_j : &g_j)
static pthread_mutex_t g_out_lock = PTHREAD_MUTEX_INITIALIZER;
/* thread names and process starts, added to by the converting threads */
static pthread_mutex_t g_meta_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_out_bytes;  /* written to closed JSON parts */
static int g_json;            /* writing JSON */
static unsigned g_part;       /* current part number with --split (1-based) */
static struct vt_html *g_h;
static struct vt_stats *g_stats;
static struct vt_folded *g_fold;
/* the program's counter samples, written when every thread is read (JSON, HTML) */
static struct vt_counters *g_ctr;

/* metadata to repeat at the top of every JSON part */
struct pmeta {
	uint64_t pid;
	char *name, *label;
	int sort;
};
struct tmeta {
	uint64_t pid, tid;
	char *name;
};
static struct pmeta *g_pmeta;
static size_t g_npmeta;
static struct tmeta *g_tmeta;
static size_t g_ntmeta;

static void json_meta(const char *what, uint64_t pid, uint64_t tid, const char *key,
		      const char *sval, int64_t ival)
{
	vt_json_event(J);
	vt_json_lit(J, "\"ph\":\"M\",\"name\":\"");
	vt_json_lit(J, what);
	vt_json_lit(J, "\",\"pid\":");
	vt_json_u64(J, pid);
	vt_json_lit(J, ",\"tid\":");
	vt_json_u64(J, tid);
	vt_json_lit(J, ",\"args\":{\"");
	vt_json_lit(J, key);
	vt_json_lit(J, "\":");
	if (sval) {
		vt_json_str(J, sval, strlen(sval));
	} else {
		char buf[32];

		snprintf(buf, sizeof(buf), "%lld", (long long)ival);
		vt_json_lit(J, buf);
	}
	vt_json_lit(J, "}}");
}

static void json_process_meta(const struct pmeta *m)
{
	json_meta("process_name", m->pid, 0, "name", m->name, 0);
	json_meta("process_sort_index", m->pid, 0, "sort_index", NULL, m->sort);
	json_meta("process_labels", m->pid, 0, "labels", m->label, 0);
}

static char *part_name(unsigned part)
{
	const char *dot = strrchr(o.out, '.');
	size_t stem = dot && !strchr(dot, '/') ? (size_t)(dot - o.out) : strlen(o.out);
	size_t n = strlen(o.out) + 32;
	char *p = xmalloc(n);

	snprintf(p, n, "%.*s.part%u%s", (int)stem, o.out, part, o.out + stem);
	return p;
}

static void json_open_part(void)
{
	char *path = o.split ? part_name(++g_part) : NULL;

	if (vt_json_open(J, path ? path : o.out, o.gz) < 0)
		die("cannot write '%s': %s", path ? path : o.out, strerror(errno));
	g_j.origin = g_origin;
	vt_json_begin(J);
	for (size_t i = 0; i < g_npmeta; i++)
		json_process_meta(&g_pmeta[i]);
	for (size_t i = 0; i < g_ntmeta; i++)
		json_meta("thread_name", g_tmeta[i].pid, g_tmeta[i].tid, "name", g_tmeta[i].name, 0);
	free(path);
}

static void json_close_part(void)
{
	char tail[256];

	snprintf(tail, sizeof(tail),
		 "\"displayTimeUnit\":\"ns\",\"otherData\":{\"vt_format\":\"%d.%d\","
		 "\"lost_events\":%llu,\"origin_mono_ns\":%llu,\"part\":%u}",
		 VT_FORMAT_MAJOR, VT_FORMAT_MINOR, (unsigned long long)g_st.lost,
		 (unsigned long long)g_origin, g_part);
	if (vt_json_end(J, tail) < 0)
		die("cannot write '%s': %s", o.out, strerror(errno));
	g_out_bytes += g_j.out_bytes;
}

/* before each JSON event: start the next part when this one is full */
static void json_room(void)
{
	if (o.split && g_j.bytes + g_j.len >= o.split) {
		json_close_part();
		json_open_part();
	}
}

/* a slice's arguments for the HTML viewer: the same object the JSON's args would hold */
static void html_args(const struct def *d, const char *args, const char *ret)
{
	size_t n = (args ? strlen(args) : 0) + (ret ? 6 * strlen(ret) : 0) + 64;
	char *buf = xmalloc(n), *p = buf;
	size_t adv;

	p += sprintf(p, "{");
	if (args && d->is_span && strlen(args) > 2)
		p += sprintf(p, "%.*s", (int)(strlen(args) - 2), args + 1);
	else if (args)
		p += sprintf(p, "\"func_args\":%s", args);
	if (ret) {
		p += sprintf(p, "%s\"return_value\":\"", args ? "," : "");
		for (size_t i = 0, len = strlen(ret); i < len; i += adv)
			p += vt_json_esc1(p, ret + i, len - i, &adv);
		p += sprintf(p, "\"");
	}
	sprintf(p, "}");
	vt_html_slice_args(g_h, buf);
	free(buf);
}

/* the JSON text of a definition, quoted and escaped once rather than per event */
static void def_json(struct def *d)
{
	const char *cat = d->is_native ? "native" : d->is_c ? "c" : d->is_span ? "span" : "py";
	size_t qn, qf;
	char *q = vt_json_quote(d->name, strlen(d->name), &qn);

	if (!q)
		die("out of memory");
	d->jhead = xmalloc(qn + 40);
	d->jhead_len = (size_t)snprintf(d->jhead, qn + 40, "\"ph\":\"X\",\"cat\":\"%s\",\"name\":%s",
					cat, q);
	free(q);
	if (d->loc) {
		q = vt_json_quote(d->loc, strlen(d->loc), &qf);
		if (!q)
			die("out of memory");
		d->jfile = xmalloc(qf + 24);
		d->jfile_len = (size_t)snprintf(d->jfile, qf + 24, ",\"args\":{\"file\":%s", q);
		free(q);
	}
}

/* ,"pid":P,"tid":T,"ts": for the thread being written (one at a time) */
static void json_pid_tid(uint64_t pid, uint64_t tid)
{
	static __thread char text[96];
	static __thread size_t len;
	static __thread uint64_t cpid = UINT64_MAX, ctid = UINT64_MAX;

	if (pid != cpid || tid != ctid) {
		len = (size_t)snprintf(text, sizeof(text), ",\"pid\":%llu,\"tid\":%llu,\"ts\":",
				       (unsigned long long)pid, (unsigned long long)tid);
		cpid = pid;
		ctid = tid;
	}
	vt_json_raw(J, text, len);
}

static void out_slice(uint64_t pid, uint64_t tid, const struct def *cd, uint64_t start,
		      uint64_t end, unsigned flags, const char *args, const char *ret)
{
	struct def *d = (struct def *)cd; /* its JSON text is made on first use */

	g_st.events++;
	if (g_h) {
		vt_html_slice(g_h, pid, tid, d->name, d->loc, start - g_origin, end - start,
			      (d->is_c ? VT_HTML_C : 0) | flags);
		if (args || ret)
			html_args(d, args, ret);
	}
	if (!g_json)
		return;
	if (!d->jhead)
		def_json(d);
	json_room();
	vt_json_event(J);
	vt_json_raw(J, d->jhead, d->jhead_len);
	json_pid_tid(pid, tid);
	vt_json_us(J, start - g_origin);
	vt_json_raw(J, ",\"dur\":", 7);
	vt_json_us(J, end - start);
	if (d->loc || flags || args || ret) {
		int comma = 0;

		if (d->loc) {
			vt_json_raw(J, d->jfile, d->jfile_len);
			comma = 1;
		} else {
			vt_json_raw(J, ",\"args\":{", 9);
		}
		if (args) {
			/* a span's arguments are its own keys; a call's go under func_args */
			if (d->is_span) {
				size_t n = strlen(args);

				if (n > 2) {
					vt_json_lit(J, comma ? "," : "");
					vt_json_raw(J, args + 1, n - 2);
					comma = 1;
				}
			} else {
				vt_json_lit(J, comma ? ",\"func_args\":" : "\"func_args\":");
				vt_json_lit(J, args);
				comma = 1;
			}
		}
		if (ret) {
			vt_json_lit(J, comma ? ",\"return_value\":" : "\"return_value\":");
			vt_json_str(J, ret, strlen(ret));
			comma = 1;
		}
		if (flags & VT_HTML_EXCEPTION) {
			vt_json_lit(J, comma ? ",\"exception\":true" : "\"exception\":true");
			comma = 1;
		}
		if (flags & VT_HTML_UNFINISHED) {
			vt_json_lit(J, comma ? ",\"unfinished\":true" : "\"unfinished\":true");
			comma = 1;
		}
		if (flags & VT_HTML_YIELD) {
			vt_json_lit(J, comma ? ",\"yield\":true" : "\"yield\":true");
			comma = 1;
		}
		if (flags & VT_HTML_CUT)
			vt_json_lit(J, comma ? ",\"cut\":true" : "\"cut\":true");
		vt_json_lit(J, "}");
	}
	vt_json_lit(J, "}");
}

static void out_instant(uint64_t pid, uint64_t tid, uint64_t ns, const char *name, size_t len,
			char scope)
{
	char s[2] = { scope, 0 };

	if (ns < g_origin)
		ns = g_origin;
	if (g_h) {
		char *n = xstrndup(name, len);

		vt_html_instant(g_h, pid, tid, ns - g_origin, n);
		free(n);
	}
	if (!g_json)
		return;
	json_room();
	vt_json_event(J);
	vt_json_lit(J, "\"ph\":\"i\",\"cat\":\"vt\",\"s\":\"");
	vt_json_lit(J, s);
	vt_json_lit(J, "\",\"name\":");
	vt_json_str(J, name, len);
	vt_json_lit(J, ",\"pid\":");
	vt_json_u64(J, pid);
	vt_json_lit(J, ",\"tid\":");
	vt_json_u64(J, tid);
	vt_json_lit(J, ",\"ts\":");
	vt_json_us(J, ns - g_origin);
	vt_json_lit(J, "}");
}

/*
 * A counter's series for the HTML viewer, named as viewer.js names those of a "C" event in
 * a JSON file, so both draw the same tracks: "track.key" per number in the sample's values
 * (the reader renders them as a flat JSON object of numbers, {"depth":3,"rate":1.5}),
 * and the track's name alone for a single value keyed "value" or by that name.
 */
static void html_counter(const struct vt_counter_sample *s)
{
	char *text = xstrndup(s->args, s->args_len), *p = text;
	char *keys[64];
	double vals[64];
	size_t n = 0;

	while (n < 64 && (p = strchr(p, '"'))) {
		char *k = ++p, *end;

		p = strchr(p, '"'); /* keys are simple: vt wrote them from Python identifiers */
		if (!p)
			break;
		*p++ = 0;
		if (*p != ':')
			continue;
		keys[n] = k;
		vals[n] = strtod(p + 1, &end);
		if (end == p + 1) /* null: a NaN or infinity; viewer.js skips it too */
			continue;
		n++;
		p = end;
	}
	for (size_t i = 0; i < n; i++) {
		char series[600];

		if (n == 1 && (!strcmp(keys[i], "value") || !strcmp(keys[i], s->name)))
			snprintf(series, sizeof(series), "%s", s->name);
		else
			snprintf(series, sizeof(series), "%s.%s", s->name, keys[i]);
		vt_html_counter(g_h, s->pid, series, s->ns - g_origin, vals[i]);
	}
	free(text);
}

/* a counter sample, named: see tools/counters.h */
static void out_counter(void *ctx, const struct vt_counter_sample *s)
{
	(void)ctx;
	if (g_h)
		html_counter(s);
	if (!g_json)
		return;
	json_room();
	vt_json_event(J);
	vt_json_lit(J, "\"ph\":\"C\",\"cat\":\"counter\",\"name\":");
	vt_json_str(J, s->name, strlen(s->name));
	vt_json_lit(J, ",\"pid\":");
	vt_json_u64(J, s->pid);
	vt_json_lit(J, ",\"tid\":");
	vt_json_u64(J, s->tid);
	vt_json_lit(J, ",\"ts\":");
	vt_json_us(J, s->ns - g_origin);
	vt_json_lit(J, ",\"args\":");
	vt_json_raw(J, s->args, s->args_len);
	vt_json_lit(J, "}");
}

/* the name a thread's track has now (the last of its names) */
static const char *current_tname(void *ctx, uint64_t pid, uint64_t tid)
{
	(void)ctx;
	for (size_t i = g_ntmeta; i-- > 0;)
		if (g_tmeta[i].pid == pid && g_tmeta[i].tid == tid)
			return g_tmeta[i].name;
	return "thread";
}

/* an instant ("i") from the program with its values, or a counter sample (kept for later) */
static void out_record(const struct vt_reader *r, const struct vt_event *e, int counter)
{
	const struct vt_record *x = &e->r;
	uint64_t ns = e->ns < g_origin ? g_origin : e->ns;

	if (counter) {
		if (g_ctr && vt_counters_add(g_ctr, r->pid, r->tid, x->s1, x->s1_len, ns,
					     r->text + x->id, (size_t)x->count) < 0)
			die("cannot keep counter samples in a temporary file: %s", strerror(errno));
		return;
	}
	if (g_h) {
		char *n = xstrndup(x->s1, x->s1_len);

		vt_html_instant(g_h, r->pid, r->tid, ns - g_origin, n);
		free(n);
	}
	if (!g_json)
		return;
	json_room();
	vt_json_event(J);
	vt_json_lit(J, "\"ph\":\"i\",\"cat\":\"app\",\"s\":\"t\",\"name\":");
	vt_json_str(J, x->s1, x->s1_len);
	vt_json_lit(J, ",\"pid\":");
	vt_json_u64(J, r->pid);
	vt_json_lit(J, ",\"tid\":");
	vt_json_u64(J, r->tid);
	vt_json_lit(J, ",\"ts\":");
	vt_json_us(J, ns - g_origin);
	vt_json_lit(J, ",\"args\":");
	vt_json_raw(J, r->text + x->id, (size_t)x->count);
	vt_json_lit(J, "}");
}

static void out_thread(uint64_t pid, uint64_t tid, const char *name)
{
	pthread_mutex_lock(&g_meta_lock);
	g_tmeta = xrealloc(g_tmeta, (g_ntmeta + 1) * sizeof(*g_tmeta));
	g_tmeta[g_ntmeta++] = (struct tmeta){ pid, tid, xstrndup(name, strlen(name)) };
	pthread_mutex_unlock(&g_meta_lock);
	if (g_h)
		vt_html_thread(g_h, pid, tid, name);
	if (g_json) {
		json_room();
		json_meta("thread_name", pid, tid, "name", name, 0);
	}
}

static void out_process(uint64_t pid, const char *name, int sort, const char *label)
{
	struct pmeta *m;

	g_pmeta = xrealloc(g_pmeta, (g_npmeta + 1) * sizeof(*g_pmeta));
	m = &g_pmeta[g_npmeta++];
	*m = (struct pmeta){ pid, xstrndup(name, strlen(name)), xstrndup(label, strlen(label)),
			     sort };
	if (g_h)
		vt_html_process(g_h, pid, name, sort, label);
	if (g_json)
		json_process_meta(m);
}

static void out_flow(uint64_t id, uint64_t pid, uint64_t tid, uint64_t ns, uint64_t pid2,
		     uint64_t tid2, uint64_t ns2)
{
	if (g_h)
		vt_html_flow(g_h, pid, tid, ns - g_origin, pid2, tid2, ns2 - g_origin);
	if (!g_json)
		return;
	for (int k = 0; k < 2; k++) {
		json_room();
		vt_json_event(J);
		vt_json_lit(J, k ? "\"ph\":\"f\",\"bp\":\"e\",\"id\":" : "\"ph\":\"s\",\"id\":");
		vt_json_u64(J, id);
		vt_json_lit(J, ",\"cat\":\"process\",\"name\":\"start process\",\"pid\":");
		vt_json_u64(J, k ? pid2 : pid);
		vt_json_lit(J, ",\"tid\":");
		vt_json_u64(J, k ? tid2 : tid);
		vt_json_lit(J, ",\"ts\":");
		vt_json_us(J, (k ? ns2 : ns) - g_origin);
		vt_json_lit(J, "}");
	}
}

/* ---- progress on a terminal ---- */

static struct timespec g_t0;
static double g_last_progress;

static double elapsed(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - g_t0.tv_sec) + (double)(t.tv_nsec - g_t0.tv_nsec) / 1e9;
}

static void progress(int final)
{
	double t;

	if (!o.progress || t_j)
		return; /* several converting threads: no running count */
	t = elapsed();
	if (!final && t - g_last_progress < 0.25)
		return;
	g_last_progress = t;
	if (final) {
		fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr, "\r\033[K%s: %.1f MB read, %llu events, %.1f M events/s", g_prog,
		(double)g_st.bytes_read / 1e6, (unsigned long long)g_st.events,
		t > 0 ? (double)g_st.events / t / 1e6 : 0.0);
}

/* ---- one thread ---- */

/* one trace file and what the converter learned from it */
struct input {
	struct vt_reader r;
	int ok;             /* header parsed */
	int is_proc;
	struct input *proc; /* thread file: its process file, if any */
	uint64_t first_ns;  /* thread file: time of its first call (0 if none) */
	char *proc_name;    /* process file: its track name */
	char *mark;         /* process file: vt's note about it (size cap), if any */
	uint64_t mark_ns;
};

/* a FORK record: where a child was started */
struct spawn {
	uint64_t pid, tid, ns, child;
};

static struct spawn *g_spawns;
static size_t g_nspawns, g_spawns_cap;

/* a frame entered before recording began or while another profiler held the hook, that
 * the recorder could not name (a STACK record without its ids: before 4.1) */
#define UNSEEN_ID UINT32_MAX
static struct def g_unseen = { .name = "(entered before recording began)" };

struct frame {
	uint32_t id;
	uint8_t is_c;
	uint8_t cut;      /* began before the flight recorder's window */
	uint8_t matched;  /* it or a caller matches --match */
	uint32_t node;    /* folded-stack node */
	uint64_t ns;      /* start */
	uint64_t child_ns; /* time spent in callees (inside the window) */
	char *args;       /* its arguments as a JSON object (VT_LOG_ARGS), or NULL */
};

/* an open span */
struct span {
	uint32_t id;
	uint64_t ns;
	char *args;
};

/* the state of converting one thread file */
struct tconv {
	struct input *in;
	struct vt_reader *r;
	struct def *defs;
	size_t ndefs;
	uint32_t *active; /* per id: how many frames of it are on the stack */
	struct frame *stack;
	size_t depth, cap;
	uint32_t root;    /* folded root node of this thread */
	uint64_t spid, stid; /* summary grouping */
	char *ret;        /* RETVAL for the next return (VT_LOG_RETURN) */
	struct span *spans; /* open spans (vt.span, gc): a stack of their own */
	size_t nspans, spans_cap;
	int span_track;   /* the spans' track is named */
	const char *tname;
};

/* a span's track: beside its thread's, so spans never break the frames' nesting */
#define SPAN_TID(tid) ((tid) | (1ull << 30))

static const struct def *def_of(const struct tconv *tc, uint32_t id)
{
	return id == UNSEEN_ID ? &g_unseen : &tc->defs[id];
}

static void push(struct tconv *tc, uint32_t id, int is_c, uint64_t ns)
{
	struct frame *f, *up;
	const struct def *d = def_of(tc, id);

	if (tc->depth == tc->cap) {
		tc->cap = tc->cap ? tc->cap * 2 : 256;
		tc->stack = xrealloc(tc->stack, tc->cap * sizeof(*tc->stack));
	}
	up = tc->depth ? &tc->stack[tc->depth - 1] : NULL; /* after the realloc: it moves */
	f = &tc->stack[tc->depth++];
	f->id = id;
	f->is_c = (uint8_t)is_c;
	f->cut = 0;
	f->args = NULL;
	f->ns = ns;
	f->child_ns = 0;
	f->matched = (up && up->matched) || d->matches;
	f->node = g_fold ? vt_folded_child(g_fold, up ? up->node : tc->root, d->name) : 0;
	if (id != UNSEEN_ID)
		tc->active[id]++;
}

/* does this slice go into the written trace? (@min_dur: VT_MIN_DURATION of its process) */
static int selected(const struct frame *f, uint64_t start, uint64_t end, size_t depth,
		    uint64_t min_dur)
{
	if (o.max_depth && depth >= o.max_depth)
		return 0;
	if (end - start < (o.min_dur_set ? o.min_dur : min_dur))
		return 0;
	if (o.match && !f->matched)
		return 0;
	if (end - g_origin < o.from || (o.to != UINT64_MAX && start - g_origin > o.to))
		return 0;
	return 1;
}

/*
 * A frame ends. The filters choose the calls for every output alike: the JSON and HTML
 * get a slice, the summary and the folded stacks its times. Those are the part inside the
 * window (--from/--to), with self time = that part less the callees' parts inside it.
 */
static void pop(struct tconv *tc, uint64_t end, unsigned flags)
{
	struct frame *f = &tc->stack[--tc->depth];
	char *ret = tc->ret;

	tc->ret = NULL;
	const struct def *d = def_of(tc, f->id);
	uint64_t start = f->ns, wstart, wend, wdur, self, total;

	if (end < start)
		end = start;
	/* a window cuts slices at its edges, so they still nest */
	wstart = start - g_origin < o.from ? g_origin + o.from : start;
	wend = o.to != UINT64_MAX && end - g_origin > o.to ? g_origin + o.to : end;
	wdur = wend > wstart ? wend - wstart : 0;
	self = wdur > f->child_ns ? wdur - f->child_ns : 0;
	if (tc->depth)
		tc->stack[tc->depth - 1].child_ns += wdur;
	total = wdur;
	if (f->id != UNSEEN_ID && --tc->active[f->id] > 0)
		total = 0; /* recursion: only the outermost call counts in cumulative time */
	if (flags & VT_HTML_UNFINISHED)
		g_st.unfinished++;
	if (f->cut)
		flags |= VT_HTML_CUT;
	if (!selected(f, start, end, tc->depth, tc->in->proc ? tc->in->proc->r.min_dur : 0)) {
		g_st.skipped++;
		goto out;
	}
	if (g_stats)
		vt_stats_add(g_stats, d->name, d->loc, tc->spid, tc->stid, total, self);
	if (g_fold)
		vt_folded_weight(g_fold, f->node, self);
	if (!g_json && !g_h) {
		g_st.events++;
		goto out;
	}
	out_slice(tc->r->pid, tc->r->tid, d, wstart, wend, flags, f->args, ret);
out:
	free(f->args);
	f->args = NULL;
	free(ret);
	if ((g_st.events & 0xffff) == 0)
		progress(0);
}

static void span_close(struct tconv *tc, uint64_t end, const char *args, unsigned flags)
{
	struct span *sp = &tc->spans[--tc->nspans];
	const struct def *d = sp->id < tc->ndefs && tc->defs[sp->id].name ? &tc->defs[sp->id]
									 : &g_unseen;

	if (!tc->span_track) {
		char name[256];

		snprintf(name, sizeof(name), "%s · spans", tc->tname);
		out_thread(tc->r->pid, SPAN_TID(tc->r->tid), name);
		tc->span_track = 1;
	}
	if (end < sp->ns)
		end = sp->ns;
	if (g_json || g_h)
		out_slice(tc->r->pid, SPAN_TID(tc->r->tid), d, sp->ns, end, flags,
			  args ? args : sp->args, NULL);
	else
		g_st.events++;
	free(sp->args);
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void take_def(struct tconv *tc, const struct vt_record *x)
{
	struct def *d;

	if (x->id >= tc->ndefs) {
		size_t n = tc->ndefs ? tc->ndefs : 256;

		while (n <= x->id)
			n *= 2;
		tc->defs = xrealloc(tc->defs, n * sizeof(*tc->defs));
		tc->active = xrealloc(tc->active, n * sizeof(*tc->active));
		memset(tc->defs + tc->ndefs, 0, (n - tc->ndefs) * sizeof(*tc->defs));
		memset(tc->active + tc->ndefs, 0, (n - tc->ndefs) * sizeof(*tc->active));
		tc->ndefs = n;
	}
	d = &tc->defs[x->id];
	free(d->name);
	free(d->loc);
	free(d->jhead);
	free(d->jfile);
	d->jhead = d->jfile = NULL;
	d->name = xstrndup(x->s1, x->s1_len);
	d->is_native = x->count == VT_DEF_NATIVE;
	d->is_c = x->count == VT_DEF_C || d->is_native;
	d->is_span = x->count == VT_DEF_SPAN;
	d->loc = NULL;
	if (d->is_native)
		d->loc = xstrndup(x->s2, x->s2_len); /* the library */
	if (!d->is_c && !d->is_span) {
		size_t n = x->s2_len + 24;

		d->loc = xmalloc(n);
		snprintf(d->loc, n, "%.*s:%lld", (int)x->s2_len, x->s2, (long long)x->code);
	}
	d->matches = o.match && !fnmatch(o.match, d->name, 0);
}

/* the thread's name: its TNAME record (early in the first chunk), else a default */
static char *thread_name(struct input *in)
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
static int still_running(const struct input *in)
{
	const struct vt_reader *r = &in->r;

	if (!r->truncated_tail || (in->proc && in->proc->r.has_exit))
		return 0;
	return kill((pid_t)r->pid, 0) == 0 || errno == EPERM;
}

static void convert_thread(struct input *in)
{
	struct tconv tc = { .in = in, .r = &in->r };
	struct vt_reader *r = &in->r;
	struct vt_event *e;
	uint64_t last = 0, paused_at = 0;
	int ended = 0, window_marked = 0;
	char *tname = thread_name(in), *renamed = NULL;

	tc.spid = o.summary >= 2 ? r->pid : 0;
	tc.stid = o.summary >= 3 ? r->tid : 0;
	if (g_fold) {
		char label[320];

		snprintf(label, sizeof(label), "%s [%llu]; %s",
			 in->proc && in->proc->proc_name ? in->proc->proc_name : "python",
			 (unsigned long long)r->pid, tname);
		tc.root = vt_folded_root(g_fold, label);
	}
	out_thread(r->pid, r->tid, tname);
	tc.tname = tname;
	g_st.threads++;
	while (vt_reader_next(r, &e) > 0) {
		const struct vt_record *x = &e->r;
		unsigned flags = 0;

		if (e->ns > last && x->kind != VT_REC_DEF)
			last = e->ns;
		switch (x->kind) {
		case VT_REC_DEF:
			if (x->id > 100000000u)
				break; /* absurd id from a damaged file: ignore */
			take_def(&tc, x);
			break;
		case VT_REC_CALL:
		case VT_REC_RESUME:
		case VT_REC_CCALL:
			if (x->id >= tc.ndefs || !tc.defs[x->id].name) {
				error("%s: offset %zu: call of undefined function id %llu", r->path,
				      r->chunk_off, (unsigned long long)x->id);
				goto out;
			}
			push(&tc, (uint32_t)x->id, x->kind == VT_REC_CCALL, e->ns);
			if (!in->first_ns)
				in->first_ns = e->ns;
			break;
		case VT_REC_UNWIND:
		case VT_REC_RET:
		case VT_REC_YIELD:
			flags = x->kind == VT_REC_UNWIND ? VT_HTML_EXCEPTION :
				x->kind == VT_REC_YIELD ? VT_HTML_YIELD : 0;
			/* a C frame left open below a Python return lost its C return: close it */
			while (tc.depth && tc.stack[tc.depth - 1].is_c)
				pop(&tc, e->ns, VT_HTML_UNFINISHED);
			if (!tc.depth) {
				g_st.unmatched++; /* returns of frames entered before tracing began */
				break;
			}
			pop(&tc, e->ns, flags);
			break;
		case VT_REC_CRET:
		case VT_REC_CRAISE:
			if (!tc.depth || !tc.stack[tc.depth - 1].is_c) {
				g_st.unmatched++;
				break;
			}
			pop(&tc, e->ns, x->kind == VT_REC_CRAISE ? VT_HTML_EXCEPTION : 0);
			break;
		case VT_REC_LOST: {
			char msg[128];

			g_st.lost += x->count;
			snprintf(msg, sizeof(msg), "vt: %llu events lost (%.*s)",
				 (unsigned long long)x->count, (int)x->s1_len, x->s1);
			out_instant(r->pid, r->tid, e->ns, msg, strlen(msg), 't');
			warning("%s: %llu events lost (%.*s)", base(r->path),
				(unsigned long long)x->count, (int)x->s1_len, x->s1);
			break;
		}
		case VT_REC_MARK:
			out_instant(r->pid, r->tid, e->ns, x->s1, x->s1_len, 't');
			if (!paused_at && x->s1_len > 10 && !memcmp(x->s1, "vt: paused", 10))
				paused_at = e->ns;
			break;
		case VT_REC_STACK: {
			/* the recorder was paused: make our stack as deep as the real one. With
			 * the frames' ids (4.1), ours stay up to the first that differs; the
			 * rest ended unseen, and the real ones start here, marked as cut */
			const uint32_t *ids = x->code > 0 ? r->ids + x->id : NULL;
			size_t nids = ids ? (size_t)x->code : 0, py_frames = 0, k;
			uint64_t cut = paused_at ? paused_at : e->ns;

			for (k = 0; k < tc.depth; k++) {
				if (tc.stack[k].is_c)
					continue;
				if (py_frames >= x->count ||
				    (py_frames < nids && tc.stack[k].id != ids[py_frames]))
					break;
				py_frames++;
			}
			while (tc.depth > k || (tc.depth && tc.stack[tc.depth - 1].is_c)) {
				struct frame *f = &tc.stack[tc.depth - 1];

				pop(&tc, cut > f->ns ? cut : f->ns, VT_HTML_UNFINISHED);
			}
			while (py_frames < x->count && py_frames < 100000) {
				uint32_t id = py_frames < nids ? ids[py_frames] : UNSEEN_ID;

				if (id != UNSEEN_ID && (id >= tc.ndefs || !tc.defs[id].name || tc.defs[id].is_c))
					id = UNSEEN_ID;
				push(&tc, id, 0, e->ns);
				tc.stack[tc.depth - 1].cut = 1;
				py_frames++;
			}
			if (!x->count) /* recording stopped: spans end there too */
				while (tc.nspans)
					span_close(&tc, cut, NULL, VT_HTML_UNFINISHED);
			paused_at = 0;
			break;
		}
		case VT_REC_ARGS:
			if (tc.depth) {
				struct frame *f = &tc.stack[tc.depth - 1];

				free(f->args);
				f->args = xstrndup(r->text + x->id, (size_t)x->count);
			}
			break;
		case VT_REC_RETVAL:
			free(tc.ret);
			tc.ret = xstrndup(x->s1, x->s1_len);
			break;
		case VT_REC_COUNTER:
		case VT_REC_INSTANT:
			out_record(r, e, x->kind == VT_REC_COUNTER);
			break;
		case VT_REC_TNAME:
			/* a later name (vt.thread_name) wins: Perfetto keeps the last M event */
			if (strlen(tc.tname) != x->s1_len || memcmp(tc.tname, x->s1, x->s1_len)) {
				free(renamed);
				renamed = xstrndup(x->s1, x->s1_len);
			}
			break;
		case VT_REC_SPAN_B:
			if (tc.nspans == tc.spans_cap) {
				tc.spans_cap = tc.spans_cap ? tc.spans_cap * 2 : 16;
				tc.spans = xrealloc(tc.spans, tc.spans_cap * sizeof(*tc.spans));
			}
			tc.spans[tc.nspans].id = (uint32_t)x->code;
			tc.spans[tc.nspans].ns = e->ns;
			tc.spans[tc.nspans].args =
				x->count > 2 ? xstrndup(r->text + x->id, (size_t)x->count) : NULL;
			tc.nspans++;
			break;
		case VT_REC_SPAN_E:
			if (!tc.nspans) {
				g_st.unmatched++;
				break;
			}
			if (x->count > 2) {
				char *a = xstrndup(r->text + x->id, (size_t)x->count);

				span_close(&tc, e->ns, a, 0);
				free(a);
			} else {
				span_close(&tc, e->ns, NULL, 0);
			}
			break;
		case VT_REC_OPEN: {
			/* flight recorder: the frames open as this chunk starts; older chunks may
			 * have been dropped, so this list, not our stack, is the truth */
			const uint32_t *ids = r->ids + x->id;
			size_t n = (size_t)x->count, k;

			for (k = 0; k < n && k < tc.depth && tc.stack[k].id == ids[k]; k++)
				;
			if (k == n && n == tc.depth)
				break; /* the stack goes on from the previous chunk */
			if (!window_marked) {
				static const char msg[] = "vt: flight recorder window starts";

				out_instant(r->pid, r->tid, e->ns, msg, sizeof(msg) - 1, 't');
				window_marked = 1;
			}
			while (tc.depth)
				pop(&tc, e->ns, VT_HTML_UNFINISHED);
			for (k = 0; k < n; k++) {
				if (ids[k] >= tc.ndefs || !tc.defs[ids[k]].name)
					continue;
				push(&tc, ids[k], tc.defs[ids[k]].is_c, e->ns);
				tc.stack[tc.depth - 1].cut = 1;
			}
			break;
		}
		case VT_REC_END:
			ended = 1;
			break;
		case VT_REC_FORK:
			pthread_mutex_lock(&g_meta_lock);
			if (g_nspawns == g_spawns_cap) {
				g_spawns_cap = g_spawns_cap ? g_spawns_cap * 2 : 64;
				g_spawns = xrealloc(g_spawns, g_spawns_cap * sizeof(*g_spawns));
			}
			g_spawns[g_nspawns++] = (struct spawn){ r->pid, r->tid, e->ns, x->count };
			pthread_mutex_unlock(&g_meta_lock);
			break;
		default:
			break;
		}
	}
out:
	g_st.bytes_read += r->size;
	progress(0);
	if (r->err && still_running(in))
		warning("%s: offset %zu: %s; the process is still running and writing it",
			r->path, r->err_off, r->err_msg);
	else if (r->err)
		error("%s: offset %zu: %s", r->path, r->err_off, r->err_msg);
	/* every way a traced thread ends writes an END (thread exit, exit, _exit, exec, a
	 * signal): without one the file was cut, even if its process ended cleanly */
	if (!ended && !r->err && r->chunks)
		warning("%s: the stream ends without an end record (process killed, or still "
			"running?); kept everything up to its last chunk",
			base(r->path));
	if (!r->chunks && !r->err)
		warning("%s: a thread with no events", base(r->path));
	/* frames still open: end them at the thread's last timestamp */
	while (tc.depth)
		pop(&tc, last, VT_HTML_UNFINISHED);
	while (tc.nspans)
		span_close(&tc, last, NULL, VT_HTML_UNFINISHED);
	free(tc.spans);
	if (renamed) {
		out_thread(r->pid, r->tid, renamed);
		free(renamed);
	}
	for (size_t i = 0; i < tc.ndefs; i++) {
		free(tc.defs[i].name);
		free(tc.defs[i].loc);
		free(tc.defs[i].jhead);
		free(tc.defs[i].jfile);
	}
	free(tc.defs);
	free(tc.active);
	free(tc.stack);
	free(tc.ret);
	free(tname);
}

/*
 * Several threads convert at once (-j, default: one per CPU) when the output is one JSON
 * file: each writes whole events into its own buffer and appends it to the output under
 * a lock, so events of different threads interleave by megabyte (the format does not
 * care about order). Summaries, folded stacks, HTML and --split keep one thread.
 */
struct work {
	struct input **in;
	size_t n, next;
	struct stats sum; /* of the other threads, under g_meta_lock */
};

static void stats_add(struct stats *to, const struct stats *from)
{
	to->events += from->events;
	to->lost += from->lost;
	to->unmatched += from->unmatched;
	to->unfinished += from->unfinished;
	to->threads += from->threads;
	to->bytes_read += from->bytes_read;
	to->skipped += from->skipped;
}

static void sink_to_output(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	pthread_mutex_lock(&g_out_lock);
	if (g_j.first && len >= 2 && buf[0] == ',') {
		buf += 2; /* the file's first event: no separator before it */
		len -= 2;
		g_j.first = 0;
	}
	vt_json_raw(&g_j, buf, len);
	pthread_mutex_unlock(&g_out_lock);
}

static void *convert_worker(void *arg)
{
	struct work *w = arg;
	struct vt_json j;
	int is_main = t_j == &g_j; /* marked so by the caller */
	size_t i;

	if (vt_json_open_sink(&j, sink_to_output, NULL) < 0)
		die("out of memory");
	j.origin = g_origin;
	t_j = &j;
	while ((i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) < w->n)
		convert_thread(w->in[i]);
	vt_json_close_sink(&j);
	t_j = NULL;
	if (!is_main) {
		pthread_mutex_lock(&g_meta_lock);
		stats_add(&w->sum, &g_st);
		pthread_mutex_unlock(&g_meta_lock);
	}
	return NULL;
}

static void convert_threads(struct input **inputs, size_t ninputs)
{
	struct work w = { .in = xmalloc((ninputs + 1) * sizeof(*inputs)) };
	pthread_t tids[64];
	size_t jobs = o.jobs, started = 0;

	for (size_t i = 0; i < ninputs; i++) {
		struct vt_reader *r = &inputs[i]->r;

		if (inputs[i]->is_proc)
			continue;
		if ((o.npids && !in_list(o.pids, o.npids, r->pid)) ||
		    (o.ntids && !in_list(o.tids, o.ntids, r->tid)))
			continue;
		w.in[w.n++] = inputs[i];
	}
	if (!jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = n > 0 ? (size_t)n : 1;
	}
	if (jobs > 64)
		jobs = 64;
	if (jobs > w.n)
		jobs = w.n;
	if (jobs < 2 || !g_json || o.split || g_stats || g_fold || g_h) {
		for (size_t i = 0; i < w.n; i++)
			convert_thread(w.in[i]);
		free(w.in);
		return;
	}
	if (!g_unseen.jhead)
		def_json(&g_unseen); /* shared by all: made before they start */
	for (; started + 1 < jobs; started++)
		if (pthread_create(&tids[started], NULL, convert_worker, &w) != 0)
			break;
	t_j = &g_j;
	convert_worker(&w);
	for (size_t k = 0; k < started; k++)
		pthread_join(tids[k], NULL);
	stats_add(&g_st, &w.sum);
	free(w.in);
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

static void emit_processes(struct input **inputs, size_t ninputs)
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

		order[i]->proc_name = xstrndup(name, strlen(name));
		for (k = 0; k < i && order[k]->r.pid != r->pid; k++)
			;
		if (k < i) {
			/* a later image of the same pid: it came from exec */
			char msg[256];

			snprintf(msg, sizeof(msg), "exec: %.200s", name);
			out_instant(r->pid, r->pid, r->mono0, msg, strlen(msg), 'p');
			continue;
		}
		/* the exit of the pid's last image */
		for (k = n; k-- > i;)
			if (order[k]->r.pid == r->pid)
				break;
		exit_label(&order[k]->r, label, sizeof(label));
		out_process(r->pid, name, sort++, label);
		g_st.processes++;
		if (order[i]->mark)
			out_instant(r->pid, r->pid, order[i]->mark_ns, order[i]->mark,
				    strlen(order[i]->mark), 'p');
	}
	free(procs);
	free(order);
}

/*
 * An arrow from where each child was started to its first call: from its FORK record
 * (fork, posix_spawn) if the parent wrote one, else (vfork) from the parent's main
 * thread at the child's start.
 */
static void emit_flows(struct input **inputs, size_t ninputs)
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
		if (from_ns < g_origin || start < from_ns)
			continue;
		out_flow(id++, ppid, from_tid, from_ns, c->r.pid, first->r.tid, start);
		{
			char msg[64];

			snprintf(msg, sizeof(msg), "start process %llu", (unsigned long long)c->r.pid);
			out_instant(ppid, from_tid, from_ns, msg, strlen(msg), 't');
		}
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

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vt-convert DIR [options]\n"
		"\n"
		"Merge every process and thread of a vt trace directory into one trace: Chrome\n"
		"Trace Event JSON (Perfetto UI, chrome://tracing, speedscope), vt's offline HTML\n"
		"viewer, folded stacks for flame graphs, or a text summary.\n"
		"\n"
		"output\n"
		"  -o, --output FILE     write here; '-' is standard output. The format follows the\n"
		"                        name: .json, .json.gz (gzip), .html (viewer), .folded.\n"
		"                        Default: DIR.json (none with --summary alone)\n"
		"  -f, --format FMT      json, html or folded, whatever the name\n"
		"      --split SIZE      JSON in parts of about SIZE bytes (FILE.part1.json, ...),\n"
		"                        each a complete trace that opens on its own\n"
		"summary\n"
		"  -s, --summary         print a table of functions by self time, total time and calls\n"
		"      --per-process     one row per function and process (--per-thread: and thread)\n"
		"      --sort KEY        self (default), total or calls\n"
		"      --top N           rows to print (default 30; 0 for all)\n"
		"filters (the calls every output holds: trace, summary and folded stacks)\n"
		"      --from TIME       start of a window, from the trace start (2.5s, 300ms, 40us)\n"
		"      --to TIME         end of the window\n"
		"      --pid LIST        only these processes (comma-separated pids)\n"
		"      --tid LIST        only these threads\n"
		"      --min-dur TIME    only calls at least this long\n"
		"      --max-depth N     only calls less than N frames deep\n"
		"      --match PATTERN   only functions matching the glob PATTERN and their callees\n"
		"messages\n"
		"  -j, --jobs N          threads converting at once (default: one per CPU; JSON\n"
		"                        output to one file only, else 1)\n"
		"  -q, --quiet           no progress and no summary line\n"
		"      --progress        progress line even when standard error is not a terminal\n"
		"  -h, --help            this text\n"
		"      --version         the version\n"
		"\n"
		"examples:\n"
		"  vt-convert vt-trace-20261124-120000-4242 -o trace.json\n"
		"  vt-convert DIR -o trace.html                   # open it in a browser, offline\n"
		"  vt-convert DIR --summary --per-process --top 20\n"
		"  vt-convert DIR --from 2.5s --to 3s -o window.json.gz\n"
		"  vt-convert DIR --match 'handle_*' --min-dur 1ms -o slow.json\n"
		"  vt-convert DIR -o app.folded && flamegraph.pl app.folded > app.svg\n"
		"\n"
		"exit status: 0 ok, 1 some input was damaged (the rest is converted) or the\n"
		"output failed, 2 bad usage\n");
}

static void parse_args(int argc, char **argv)
{
	enum { O_SPLIT = 256, O_PERPROC, O_PERTHREAD, O_SORT, O_TOP, O_FROM, O_TO, O_PID, O_TID,
	       O_MINDUR, O_MAXDEPTH, O_MATCH, O_VERSION, O_PROGRESS };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "split", required_argument, NULL, O_SPLIT },
		{ "summary", no_argument, NULL, 's' },
		{ "per-process", no_argument, NULL, O_PERPROC },
		{ "per-thread", no_argument, NULL, O_PERTHREAD },
		{ "sort", required_argument, NULL, O_SORT },
		{ "top", required_argument, NULL, O_TOP },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "pid", required_argument, NULL, O_PID },
		{ "tid", required_argument, NULL, O_TID },
		{ "min-dur", required_argument, NULL, O_MINDUR },
		{ "max-depth", required_argument, NULL, O_MAXDEPTH },
		{ "match", required_argument, NULL, O_MATCH },
		{ "quiet", no_argument, NULL, 'q' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *fmt = NULL;
	int c, per = 1;
	char *end;

	while ((c = getopt_long(argc, argv, "o:f:sqhj:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'f': fmt = optarg; break;
		case O_SPLIT: o.split = parse_size("--split", optarg); break;
		case 's': o.summary = 1; break;
		case O_PERPROC: per = per < 2 ? 2 : per; break;
		case O_PERTHREAD: per = 3; break;
		case O_SORT:
			if (strcmp(optarg, "self") && strcmp(optarg, "total") && strcmp(optarg, "calls"))
				usage_error("--sort: '%s' is not self, total or calls", optarg);
			o.sort = optarg;
			break;
		case O_TOP:
			o.top = strtoul(optarg, &end, 10);
			if (end == optarg || *end)
				usage_error("--top: '%s' is not a number", optarg);
			break;
		case O_FROM: o.from = parse_time("--from", optarg); break;
		case O_TO: o.to = parse_time("--to", optarg); break;
		case O_PID: o.npids = parse_list("--pid", optarg, &o.pids); break;
		case O_TID: o.ntids = parse_list("--tid", optarg, &o.tids); break;
		case O_MINDUR:
			o.min_dur = parse_time("--min-dur", optarg);
			o.min_dur_set = 1;
			break;
		case O_MAXDEPTH:
			o.max_depth = strtoul(optarg, &end, 10);
			if (end == optarg || *end || !o.max_depth)
				usage_error("--max-depth: '%s' is not a positive number", optarg);
			break;
		case O_MATCH: o.match = optarg; break;
		case 'q': o.quiet = 1; break;
		case 'j':
			o.jobs = strtoul(optarg, &end, 10);
			if (end == optarg || *end || !o.jobs || o.jobs > 64)
				usage_error("--jobs: '%s' is not a number from 1 to 64", optarg);
			break;
		case O_PROGRESS: o.progress = 1; break;
		case 'h': usage(stdout); exit(0);
		case O_VERSION:
			printf("vt-convert %s (trace format %d.%d)\n", VT_VERSION, VT_FORMAT_MAJOR,
			       VT_FORMAT_MINOR);
			exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind == argc) {
		usage(stderr);
		exit(2);
	}
	if (optind < argc - 1) {
		/* one line that names the problem: the whole usage hides it */
		struct stat st;
		const char *extra = argv[optind + 1];

		if (stat(extra, &st) == 0 && S_ISDIR(st.st_mode))
			usage_error("one trace directory at a time, %d given: '%s', '%s'%s",
				    argc - optind, argv[optind], extra, argc - optind > 2 ? ", ..." : "");
		usage_error("unexpected argument '%s' after the trace directory; an output file "
			    "is given with -o", extra);
	}
	if (o.summary)
		o.summary = per;
	if (o.to != UINT64_MAX && o.to <= o.from)
		usage_error("--to must be later than --from");
	if (o.quiet)
		o.progress = 0;
	else if (o.progress < 0)
		o.progress = isatty(2);
	if (!o.out && o.summary) {
		o.fmt = FMT_NONE;
		return;
	}
	if (o.out && !strcmp(o.out, "-") && !fmt)
		fmt = "json";
	if (!fmt && o.out)
		fmt = ends_with(o.out, ".html") ? "html" :
		      ends_with(o.out, ".folded") || ends_with(o.out, ".txt") ? "folded" : "json";
	if (!fmt)
		fmt = "json";
	if (!strcmp(fmt, "json"))
		o.fmt = FMT_JSON;
	else if (!strcmp(fmt, "html"))
		o.fmt = FMT_HTML;
	else if (!strcmp(fmt, "folded"))
		o.fmt = FMT_FOLDED;
	else
		usage_error("--format: '%s' is not json, html or folded", fmt);
	if (o.out && o.fmt == FMT_JSON && ends_with(o.out, ".gz"))
		o.gz = 1;
	if (o.split && o.fmt != FMT_JSON)
		usage_error("--split works with JSON output only");
	if (o.split && o.out && !strcmp(o.out, "-"))
		usage_error("--split needs a file name");
}

int main(int argc, char **argv)
{
	const char *dir;
	char *defout = NULL, **names;
	size_t nnames, ninputs = 0;
	struct input **inputs;
	uint64_t origin = UINT64_MAX;

	clock_gettime(CLOCK_MONOTONIC, &g_t0);
	parse_args(argc, argv);
	dir = argv[optind];
	if (!o.out && o.fmt != FMT_NONE) {
		size_t n = strlen(dir);

		while (n > 1 && dir[n - 1] == '/')
			n--;
		defout = xmalloc(n + 16);
		snprintf(defout, n + 16, "%.*s.%s", (int)n, dir,
			 o.fmt == FMT_HTML ? "html" : o.fmt == FMT_FOLDED ? "folded" : "json");
		o.out = defout;
	}

	names = list_dir(dir, &nnames);
	{
		size_t k = 0;

		while (k < nnames && !ends_with(names[k], ".vt"))
			k++;
		if (k == nnames)
			no_trace_files(dir, names, nnames);
	}
	inputs = xmalloc((nnames + 1) * sizeof(*inputs));
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
	g_origin = origin == UINT64_MAX ? 0 : origin;

	/* process files first: their PROC and EXIT records name and close the processes */
	for (size_t i = 0; i < ninputs; i++) {
		struct vt_event *e;

		if (!inputs[i]->is_proc)
			continue;
		while (vt_reader_next(&inputs[i]->r, &e) > 0) {
			/* notes from vt about the whole process (the size cap) */
			if (e->r.kind == VT_REC_MARK && !inputs[i]->mark) {
				inputs[i]->mark = xstrndup(e->r.s1, e->r.s1_len);
				inputs[i]->mark_ns = e->ns;
				warning("process %llu: %s", (unsigned long long)inputs[i]->r.pid,
					inputs[i]->mark);
			}
		}
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

	if (o.summary)
		g_stats = vt_stats_new();
	if (o.fmt == FMT_FOLDED)
		g_fold = vt_folded_new();
	if (o.fmt == FMT_JSON) {
		g_json = 1;
		json_open_part();
	} else if (o.fmt == FMT_HTML) {
		g_h = vt_html_open(o.out);
		if (!g_h)
			die("cannot write '%s': %s", o.out, strerror(errno));
	}
	if (g_json || g_h)
		g_ctr = vt_counters_new(0);
	emit_processes(inputs, ninputs);
	convert_threads(inputs, ninputs);
	if (g_ctr && vt_counters_emit(g_ctr, current_tname, out_counter, NULL) < 0)
		die("cannot read back the counter samples' temporary file: %s", strerror(errno));
	vt_counters_free(g_ctr);
	emit_flows(inputs, ninputs);
	progress(1);

	if (g_json)
		json_close_part();
	if (g_h && vt_html_close(g_h, dir) < 0)
		die("cannot write '%s': %s", o.out, strerror(errno));
	if (g_fold) {
		FILE *f = strcmp(o.out, "-") ? fopen(o.out, "w") : stdout;

		if (!f || vt_folded_write(g_fold, f) < 0 || (f != stdout && fclose(f) != 0))
			die("cannot write '%s': %s", o.out, strerror(errno));
		vt_folded_free(g_fold);
	}
	if (g_stats) {
		/* with the trace on stdout, the table goes to stderr */
		FILE *f = o.out && !strcmp(o.out, "-") ? stderr : stdout;

		char title[160];
		int vt_min = 0;

		for (size_t i = 0; i < ninputs; i++)
			vt_min |= inputs[i]->is_proc && inputs[i]->r.min_dur && !o.min_dur_set;
		/* the table holds the calls the filters keep: say which filters */
		snprintf(title, sizeof(title), "%s%s%s%s%s%s%s%s%s",
			 o.summary == 3 ? "per thread" : o.summary == 2 ? "per process" : "all processes",
			 o.from || o.to != UINT64_MAX || o.npids || o.ntids || o.min_dur || vt_min ||
					 o.max_depth || o.match ? ", filtered by" : "",
			 o.from ? " --from" : "", o.to != UINT64_MAX ? " --to" : "",
			 o.npids ? " --pid" : "", o.ntids ? " --tid" : "",
			 o.min_dur ? " --min-dur" : vt_min ? " VT_MIN_DURATION" : "",
			 o.max_depth ? " --max-depth" : "", o.match ? " --match" : "");
		vt_stats_print(g_stats, f, o.sort, o.top, title);
		vt_stats_free(g_stats);
	}
	if (!o.quiet) {
		char outs[64] = "";

		if (o.out && o.split)
			snprintf(outs, sizeof(outs), " -> %u parts", g_part);
		else if (o.out)
			snprintf(outs, sizeof(outs), " -> %s",
				 strcmp(o.out, "-") ? base(o.out) : "stdout");
		fprintf(stderr, "%s: %llu processes, %llu threads, %llu events, %llu lost%s", g_prog,
			(unsigned long long)g_st.processes, (unsigned long long)g_st.threads,
			(unsigned long long)g_st.events, (unsigned long long)g_st.lost, outs);
		if (g_json)
			fprintf(stderr, " (%.1f MB)", (double)g_out_bytes / 1e6);
		fprintf(stderr, " in %.2f s\n", elapsed());
		if (g_st.lost)
			fprintf(stderr, "%s: %llu events were lost while recording\n", g_prog,
				(unsigned long long)g_st.lost);
	}
	for (size_t i = 0; i < ninputs; i++) {
		vt_reader_close(&inputs[i]->r);
		free(inputs[i]->proc_name);
		free(inputs[i]->mark);
		free(inputs[i]);
	}
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	for (size_t i = 0; i < g_npmeta; i++) {
		free(g_pmeta[i].name);
		free(g_pmeta[i].label);
	}
	for (size_t i = 0; i < g_ntmeta; i++)
		free(g_tmeta[i].name);
	free(g_pmeta);
	free(g_tmeta);
	free(names);
	free(inputs);
	free(defout);
	free(g_spawns);
	free(o.pids);
	free(o.tids);
	return g_bad_input ? 1 : 0;
}
