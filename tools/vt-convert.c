/*
 * vt-convert - merge every process and thread of a vt trace directory into one Chrome
 * Trace Event JSON file (Perfetto UI, chrome://tracing, speedscope), vt's offline HTML
 * viewer, folded stacks for flame graphs, speedscope's format, or a pstats-like text
 * summary.
 *
 * This file is the command line: options, help, the outputs chosen (sinks, sink.h) and
 * the exit status. The conversion itself is convert.c's; tools/README.md draws the rest.
 *
 * Exit status: 0 all files read cleanly, 1 some file was bad (what could be read was
 * still converted) or the output could not be written, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "tools/convert.h"
#include "tools/html.h"
#include "tools/sources.h"
#include "tools/util.h"

#define VT_VERSION "0.2.0"

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", VT_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", VT_PROG);
	exit(2);
}

/* ---- options ---- */

enum format { FMT_JSON, FMT_HTML, FMT_FOLDED, FMT_SPEEDSCOPE, FMT_NONE };

/* the command line, as given */
struct cli {
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
	int align;         /* several runs: all from one start */
	uint64_t sources_max; /* HTML: source files up to this many bytes, 0: none */
	size_t ndirs;      /* trace directories: argv[optind..] */
};

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

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vt-convert DIR [DIR...] [options]\n"
		"\n"
		"Merge every process and thread of a vt trace directory into one trace (of several\n"
		"directories, runs, on one time axis): Chrome\n"
		"Trace Event JSON (Perfetto UI, chrome://tracing, speedscope), vt's offline HTML\n"
		"viewer, folded stacks for flame graphs, speedscope's own format, or a text summary.\n"
		"\n"
		"output\n"
		"  -o, --output FILE     write here; '-' is standard output. The format follows the\n"
		"                        name: .json, .json.gz (gzip), .html (viewer), .folded,\n"
		"                        .speedscope.json (speedscope's own format).\n"
		"                        Default: DIR.json (none with --summary alone)\n"
		"  -f, --format FMT      json, html, folded or speedscope, whatever the name\n"
		"      --align           with several DIRs (runs), start them all at 0 rather than\n"
		"                        placing them by their wall clocks\n"
		"      --no-sources      HTML: leave the source files out (in by default, for the\n"
		"                        code beside a clicked call)\n"
		"      --sources-max SIZE  HTML: at most SIZE bytes of source (default 16M)\n"
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
		"                        output to one file and --summary only, else 1)\n"
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
		"  vt-convert DIR -o app.speedscope.json          # open it in speedscope\n"
		"  vt-convert run1 run2 --align -o both.json      # two runs, side by side\n"
		"\n"
		"exit status: 0 ok, 1 some input was damaged (the rest is converted) or the\n"
		"output failed, 2 bad usage\n");
}

static void parse_args(struct cli *o, int argc, char **argv)
{
	enum { O_SPLIT = 256, O_PERPROC, O_PERTHREAD, O_SORT, O_TOP, O_FROM, O_TO, O_PID, O_TID,
	       O_MINDUR, O_MAXDEPTH, O_MATCH, O_VERSION, O_PROGRESS, O_ALIGN, O_NOSRC, O_SRCMAX };
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
		{ "align", no_argument, NULL, O_ALIGN },
		{ "no-sources", no_argument, NULL, O_NOSRC },
		{ "sources-max", required_argument, NULL, O_SRCMAX },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *fmt = NULL;
	int c, per = 1;
	char *end;

	while ((c = getopt_long(argc, argv, "o:f:sqhj:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'f': fmt = optarg; break;
		case O_SPLIT: o->split = parse_size("--split", optarg); break;
		case 's': o->summary = 1; break;
		case O_PERPROC: per = per < 2 ? 2 : per; break;
		case O_PERTHREAD: per = 3; break;
		case O_SORT:
			if (strcmp(optarg, "self") && strcmp(optarg, "total") && strcmp(optarg, "calls"))
				usage_error("--sort: '%s' is not self, total or calls", optarg);
			o->sort = optarg;
			break;
		case O_TOP:
			o->top = strtoul(optarg, &end, 10);
			if (end == optarg || *end)
				usage_error("--top: '%s' is not a number", optarg);
			break;
		case O_FROM: o->from = parse_time("--from", optarg); break;
		case O_TO: o->to = parse_time("--to", optarg); break;
		case O_PID: o->npids = parse_list("--pid", optarg, &o->pids); break;
		case O_TID: o->ntids = parse_list("--tid", optarg, &o->tids); break;
		case O_MINDUR:
			o->min_dur = parse_time("--min-dur", optarg);
			o->min_dur_set = 1;
			break;
		case O_MAXDEPTH:
			o->max_depth = strtoul(optarg, &end, 10);
			if (end == optarg || *end || !o->max_depth)
				usage_error("--max-depth: '%s' is not a positive number", optarg);
			break;
		case O_MATCH: o->match = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'j':
			o->jobs = strtoul(optarg, &end, 10);
			if (end == optarg || *end || !o->jobs || o->jobs > 64)
				usage_error("--jobs: '%s' is not a number from 1 to 64", optarg);
			break;
		case O_PROGRESS: o->progress = 1; break;
		case O_ALIGN: o->align = 1; break;
		case O_NOSRC: o->sources_max = 0; break;
		case O_SRCMAX: o->sources_max = parse_size("--sources-max", optarg); break;
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
	/* several directories are runs to combine; anything else after the first one is
	 * a mistake: one line that names it (the whole usage hides it) */
	for (int i = optind + 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode))
			usage_error("unexpected argument '%s' after the trace directory; an output "
				    "file is given with -o", argv[i]);
	}
	o->ndirs = (size_t)(argc - optind);
	if (o->align && o->ndirs < 2)
		usage_error("--align puts several trace directories on one start: give two or more");
	if (o->summary)
		o->summary = per;
	if (o->to != UINT64_MAX && o->to <= o->from)
		usage_error("--to must be later than --from");
	if (o->quiet)
		o->progress = 0;
	else if (o->progress < 0)
		o->progress = isatty(2);
	if (!o->out && o->summary) {
		o->fmt = FMT_NONE;
		return;
	}
	if (!o->out && o->ndirs > 1)
		usage_error("%zu trace directories are combined into one output: name it with -o",
			    o->ndirs);
	if (o->out && !strcmp(o->out, "-") && !fmt)
		fmt = "json";
	if (!fmt && o->out)
		fmt = ends_with(o->out, ".html") ? "html" :
		      ends_with(o->out, ".speedscope.json") ? "speedscope" :
		      ends_with(o->out, ".folded") || ends_with(o->out, ".txt") ? "folded" : "json";
	if (!fmt)
		fmt = "json";
	if (!strcmp(fmt, "json"))
		o->fmt = FMT_JSON;
	else if (!strcmp(fmt, "html"))
		o->fmt = FMT_HTML;
	else if (!strcmp(fmt, "folded"))
		o->fmt = FMT_FOLDED;
	else if (!strcmp(fmt, "speedscope"))
		o->fmt = FMT_SPEEDSCOPE;
	else
		usage_error("--format: '%s' is not json, html, folded or speedscope", fmt);
	if (o->out && o->fmt == FMT_JSON && ends_with(o->out, ".gz"))
		o->gz = 1;
	if (o->split && o->fmt != FMT_JSON)
		usage_error("--split works with JSON output only");
	if (o->split && o->out && !strcmp(o->out, "-"))
		usage_error("--split needs a file name");
}

/* the table's title: what it holds, and the filters that chose it */
static char *summary_title(int summary, const struct vt_filter *f, int vt_min)
{
	char title[160];

	snprintf(title, sizeof(title), "%s%s%s%s%s%s%s%s%s",
		 summary == 3 ? "per thread" : summary == 2 ? "per process" : "all processes",
		 vt_filter_any(f) || vt_min ? ", filtered by" : "",
		 f->from ? " --from" : "", f->to != UINT64_MAX ? " --to" : "",
		 f->npids ? " --pid" : "", f->ntids ? " --tid" : "",
		 f->min_dur ? " --min-dur" : vt_min ? " VT_MIN_DURATION" : "",
		 f->max_depth ? " --max-depth" : "", f->match ? " --match" : "");
	return xstrndup(title, strlen(title));
}

/* the outputs the command line asks for, in the order they are written at the end */
static void add_sinks(struct vt_convert *cv, const struct cli *o, const char *dir,
		      struct vt_sink **json)
{
	uint64_t origin = cv->td.origin;

	*json = NULL;
	if (o->fmt == FMT_JSON) {
		struct vt_json_opts jo = { o->out, o->gz, o->split, &cv->counts.lost };

		*json = vt_sink_json_new(&jo, origin);
		vt_sinks_add(&cv->out, *json);
	} else if (o->fmt == FMT_HTML) {
		vt_sinks_add(&cv->out, vt_sink_html_new(o->out, dir, origin, o->sources_max));
	} else if (o->fmt == FMT_FOLDED) {
		vt_sinks_add(&cv->out, vt_sink_folded_new(o->out));
	} else if (o->fmt == FMT_SPEEDSCOPE) {
		vt_sinks_add(&cv->out, vt_sink_speedscope_new(o->out, origin));
	}
	if (o->summary) {
		/* with the trace on stdout, the table goes to stderr */
		int vt_min = vt_tracedir_uses_min_dur(&cv->td) && !o->min_dur_set;
		char *title = summary_title(o->summary, &cv->o->filter, vt_min);
		struct vt_summary_opts so = { o->summary, o->sort, o->top, title,
					      o->out && !strcmp(o->out, "-") };

		vt_sinks_add(&cv->out, vt_sink_summary_new(&so));
		free(title);
	}
}

/*
 * Before a JSON output that will pass 1 GB: say so, and what opens better. The estimate
 * comes from the records' bytes in the chunk headers (nothing is decompressed): a JSON
 * call takes about JSON_PER_RAW times its bytes in the records (fib: 135 bytes against 3,
 * 45x; bench/mixed.py: 131 against 5.3, 25x). Filters make it smaller by an unknown
 * amount: then nothing is said.
 */
#define JSON_PER_RAW 35
#define JSON_BIG 1000000000ull
static void warn_big_json(const struct vt_convert *cv, const struct cli *o)
{
	uint64_t raw = 0, est;

	if (o->fmt != FMT_JSON || o->split || o->quiet || o->from || o->to != UINT64_MAX ||
	    o->npids || o->ntids || o->min_dur_set || o->max_depth || o->match)
		return;
	for (size_t i = 0; i < cv->td.n; i++)
		if (!cv->td.in[i]->is_proc)
			raw += vt_reader_raw_bytes(&cv->td.in[i]->r);
	est = raw * JSON_PER_RAW;
	if (est < JSON_BIG)
		return;
	fprintf(stderr, "%s: this trace makes about %.1f GB of JSON (about %.0f M calls), more than "
		"Perfetto UI (1-2 GB) or chrome://tracing open; smaller: -o %s.html (vt's viewer, "
		"about 6 bytes a call), or --split 500M, --min-dur 10us, --from/--to, --pid/--tid, "
		"--match\n", VT_PROG, (double)est / 1e9, (double)raw / 4e6, base(cv->td.dir));
}

/* "vt-convert: 2 processes, 5 threads, 1234 events, 0 lost -> out.json (0.1 MB) in 0.02 s" */
static void summary_line(const struct vt_convert *cv, const struct cli *o,
			 const struct vt_sink *json)
{
	char outs[64] = "";

	if (o->out && o->split)
		snprintf(outs, sizeof(outs), " -> %u parts", vt_sink_json_parts(json));
	else if (o->out)
		snprintf(outs, sizeof(outs), " -> %s", strcmp(o->out, "-") ? base(o->out) : "stdout");
	fprintf(stderr, "%s: %llu processes, %llu threads, %llu events, %llu lost%s", VT_PROG,
		(unsigned long long)cv->counts.processes, (unsigned long long)cv->counts.threads,
		(unsigned long long)cv->counts.events, (unsigned long long)cv->counts.lost, outs);
	if (json)
		fprintf(stderr, " (%.1f MB)", (double)vt_sink_json_bytes(json) / 1e6);
	fprintf(stderr, " in %.2f s\n", vt_convert_elapsed(cv));
	if (cv->counts.lost)
		fprintf(stderr, "%s: %llu events were lost while recording\n", VT_PROG,
			(unsigned long long)cv->counts.lost);
}

/*
 * A Chrome JSON file (.json or .json.gz, from vt or another tool) given instead of a
 * trace directory, for the HTML viewer: the page holds the file and opens it as it opens
 * a picked one. Only for -o x.html: the other outputs are made from a trace directory.
 */
static int wrap_json(const char *in, const struct cli *o)
{
	struct stat st;
	FILE *f;
	uint8_t *buf;
	size_t n;
	const char *out = o->out;
	char *defout = NULL;

	if (stat(in, &st) != 0 || !S_ISREG(st.st_mode) ||
	    !(ends_with(in, ".json") || ends_with(in, ".json.gz")))
		return -1; /* not one: the trace directory's own messages follow */
	if (o->fmt != FMT_HTML && o->out)
		usage_error("'%s' is a JSON file: it can be put in the HTML viewer (-o x.html), "
			    "other outputs are made from a trace directory", in);
	if (!out) {
		size_t k = strlen(in) - (ends_with(in, ".gz") ? 8 : 5);

		defout = xmalloc(k + 6);
		snprintf(defout, k + 6, "%.*s.html", (int)k, in);
		out = defout;
	}
	if (!(f = fopen(in, "rb")))
		die("cannot read '%s': %s", in, strerror(errno));
	buf = xmalloc((size_t)st.st_size + 1);
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	if (n < 2 || !((buf[0] == 0x1f && buf[1] == 0x8b) || buf[0] == '{' || buf[0] == '[' ||
			 buf[0] == ' ' || buf[0] == '\n'))
		die("'%s' is neither JSON nor gzip (it starts with 0x%02x 0x%02x)", in,
		    n ? buf[0] : 0, n > 1 ? buf[1] : 0);
	if (vt_html_wrap(out, base(in), buf, n) < 0)
		die("cannot write '%s': %s", out, strerror(errno));
	if (!o->quiet)
		fprintf(stderr, "%s: %s (%.1f MB) in the viewer -> %s\n", VT_PROG, base(in),
			(double)n / 1e6, base(out));
	free(buf);
	free(defout);
	return 0;
}

int main(int argc, char **argv)
{
	struct cli o = { .sort = "self", .top = 30, .to = UINT64_MAX, .progress = -1,
			 .sources_max = VT_SOURCES_MAX_DEFAULT };
	struct vt_convert_opts co;
	struct vt_convert cv;
	struct vt_sink *json;
	const char *dir;
	char *defout = NULL;
	int bad;

	parse_args(&o, argc, argv);
	dir = argv[optind];
	if (o.ndirs == 1 && wrap_json(dir, &o) == 0)
		return 0;
	if (!o.out && o.fmt != FMT_NONE) {
		size_t n = strlen(dir);

		while (n > 1 && dir[n - 1] == '/')
			n--;
		defout = xmalloc(n + 24);
		snprintf(defout, n + 24, "%.*s.%s", (int)n, dir,
			 o.fmt == FMT_HTML ? "html" : o.fmt == FMT_FOLDED ? "folded" :
			 o.fmt == FMT_SPEEDSCOPE ? "speedscope.json" : "json");
		o.out = defout;
	}
	co = (struct vt_convert_opts){
		.filter = { .from = o.from, .to = o.to, .pids = o.pids, .tids = o.tids,
			    .npids = o.npids, .ntids = o.ntids, .min_dur = o.min_dur,
			    .min_dur_set = o.min_dur_set, .max_depth = o.max_depth, .match = o.match },
		.jobs = o.jobs,
		.progress = o.progress,
	};
	vt_convert_open(&cv, &co, (const char *const *)argv + optind, o.ndirs, o.align);
	warn_big_json(&cv, &o);
	add_sinks(&cv, &o, dir, &json);
	vt_convert_run(&cv);
	vt_sinks_end(&cv.out);
	if (!o.quiet)
		summary_line(&cv, &o, json);
	bad = cv.bad;
	vt_convert_close(&cv);
	free(defout);
	free(o.pids);
	free(o.tids);
	return bad ? 1 : 0;
}
