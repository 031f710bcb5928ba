/*
 * sink-html.c - the offline viewer: one HTML file holding viewer/ and the trace, encoded
 * by html.c. Calls and markers go to html.c as they come; a call's arguments and return
 * value become the same JSON object the JSON output's "args" holds; counter samples
 * become one series per number, named as the viewer (viewer/js/decode-json.js) names those of a JSON "C" event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/html.h"
#include "tools/json.h"
#include "tools/sink.h"
#include "tools/sources.h"
#include "tools/util.h"

struct html_sink {
	struct vt_sink base;
	struct vt_html *h;
	char *out, *title;
	struct vt_sources *src; /* the files to embed, or NULL (--no-sources) */
};

#define HS(s) ((struct html_sink *)(s))

_Static_assert(VT_SLICE_C == VT_HTML_C && VT_SLICE_EXCEPTION == VT_HTML_EXCEPTION &&
		       VT_SLICE_UNFINISHED == VT_HTML_UNFINISHED && VT_SLICE_YIELD == VT_HTML_YIELD &&
		       VT_SLICE_CUT == VT_HTML_CUT,
	       "slice flags are html.h's");

static void html_def(struct vt_sink *s, struct vt_def *d)
{
	if (HS(s)->src && d->loc && !d->is_c && !d->is_span)
		vt_sources_want(HS(s)->src, d->loc);
}

static void html_process(struct vt_sink *s, uint64_t pid, const char *name, int sort,
			 const char *label)
{
	vt_html_process(HS(s)->h, pid, name, sort, label);
}

static void html_thread(struct vt_sink *s, void *local, uint64_t pid, uint64_t tid,
			const char *name)
{
	(void)local;
	vt_html_thread(HS(s)->h, pid, tid, name);
}

/* a slice's arguments: the same object the JSON's args would hold */
static void slice_args(struct vt_html *h, const struct vt_def *d, const char *args,
		       const char *ret)
{
	size_t n = (args ? strlen(args) : 0) + (ret ? vt_json_escape_bound(strlen(ret)) : 0) + 64;
	char *buf = xmalloc(n), *p = buf;

	p += sprintf(p, "{");
	if (args && d->is_span && strlen(args) > 2)
		p += sprintf(p, "%.*s", (int)(strlen(args) - 2), args + 1);
	else if (args)
		p += sprintf(p, "\"func_args\":%s", args);
	if (ret) {
		p += sprintf(p, "%s\"return_value\":", args ? "," : "");
		p += vt_json_escape(p, ret, strlen(ret));
	}
	sprintf(p, "}");
	vt_html_slice_args(h, buf);
	free(buf);
}

static void html_slice(struct vt_sink *s, void *local, const struct vt_slice *sl)
{
	struct vt_html *h = HS(s)->h;
	const struct vt_def *d = sl->def;

	(void)local;
	vt_html_slice(h, sl->pid, sl->tid, d->name, d->loc, sl->start - s->origin,
		      sl->end - sl->start, (d->is_c ? VT_HTML_C : 0) | sl->flags);
	if (sl->args || sl->ret)
		slice_args(h, d, sl->args, sl->ret);
}

static void html_instant(struct vt_sink *s, void *local, const struct vt_instant *in)
{
	char *n = xstrndup(in->name, in->name_len);

	(void)local;
	vt_html_instant(HS(s)->h, in->pid, in->tid, in->ns - s->origin, n);
	free(n);
}

/*
 * A counter's series, named as the viewer (viewer/js/decode-json.js) names those of a "C" event in a JSON file, so
 * both draw the same tracks: "track.key" per number of the sample, and the track's name
 * alone for a single number keyed "value" or by that name. The numbers come from the
 * counters module as numbers (a NaN or infinity is not one: the viewer skips its null).
 */
static void html_counter(struct vt_sink *s, const struct vt_counter_sample *c)
{
	size_t n = c->nnums < 64 ? c->nnums : 64;

	for (size_t i = 0; i < n; i++) {
		const struct vt_number *x = &c->nums[i];
		char series[600];
		int own = n == 1 && ((x->key_len == 5 && !memcmp(x->key, "value", 5)) ||
				     (x->key_len == strlen(c->name) && !memcmp(x->key, c->name, x->key_len)));

		if (own)
			snprintf(series, sizeof(series), "%s", c->name);
		else
			snprintf(series, sizeof(series), "%s.%.*s", c->name, (int)x->key_len, x->key);
		vt_html_counter(HS(s)->h, c->pid, series, c->ns - s->origin, x->v);
	}
}

static void html_flow(struct vt_sink *s, uint64_t id, uint64_t pid, uint64_t tid, uint64_t ns,
		      uint64_t pid2, uint64_t tid2, uint64_t ns2)
{
	(void)id;
	vt_html_flow(HS(s)->h, pid, tid, ns - s->origin, pid2, tid2, ns2 - s->origin);
}

static void html_end(struct vt_sink *s)
{
	struct html_sink *hs = HS(s);
	int rc;

	if (hs->src)
		vt_sources_write(hs->src, hs->h);
	rc = vt_html_close(hs->h, hs->title);

	hs->h = NULL;
	if (rc < 0)
		die("cannot write '%s': %s", hs->out, strerror(errno));
}

static void html_free(struct vt_sink *s)
{
	free(HS(s)->out);
	free(HS(s)->title);
	vt_sources_free(HS(s)->src);
	free(s);
}

static const struct vt_sink_ops html_ops = {
	.def = html_def,
	.process = html_process,
	.thread = html_thread,
	.slice = html_slice,
	.instant = html_instant,
	.counter = html_counter,
	.flow = html_flow,
	.end = html_end,
	.free = html_free,
};

struct vt_sink *vt_sink_html_new(const char *out, const char *title, uint64_t origin,
				 size_t sources_max)
{
	struct html_sink *hs = xmalloc(sizeof(*hs));

	memset(hs, 0, sizeof(*hs));
	hs->base.ops = &html_ops;
	hs->base.origin = origin;
	hs->base.wants_counters = 1;
	hs->h = vt_html_open(out);
	if (!hs->h)
		die("cannot write '%s': %s", out, strerror(errno));
	hs->out = xstrndup(out, strlen(out));
	hs->title = xstrndup(title, strlen(title));
	hs->src = sources_max ? vt_sources_new(sources_max) : NULL;
	return &hs->base;
}
