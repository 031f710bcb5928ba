/*
 * html.c - the self-contained offline viewer: viewer/ (compiled in by viewer/mkviewer.c as
 * vt_viewer_part[]) around the trace in vt's compact columnar form ("VTR1", documented in
 * viewer/README.md), base64 inside a <template>, which no function name can close.
 *
 * Everything is kept in memory until vt_html_close: strings and functions are interned,
 * each thread's calls are sorted by start time (longer first on ties, so a parent comes
 * before its children) and written as varint deltas, about 5-7 bytes a call. A call's
 * arguments (vt_html_slice_args) are an interned string, written in a sparse table after
 * the flows, which a reader of the first VTR1 layout never reaches.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/html.h"

/* from the generated viewer-assets.c: the page cut at its title and at its data */
extern const char *const vt_viewer_part[3];

#define VTR_MAGIC "VTR1"
#define VTR_VERSION 1
#define NONE UINT32_MAX

/* 24 bytes: the flags share a word with the function index */
#define SLICE_FL_BITS 5
#define SLICE_FN_MAX (UINT32_MAX >> SLICE_FL_BITS)

struct html_slice {
	uint64_t start, dur;
	uint32_t fnfl; /* function index << SLICE_FL_BITS | VT_HTML_* flags */
	uint32_t args; /* string id of the arguments' JSON object, or NONE */
};

struct html_thread {
	uint64_t pid, tid;
	uint32_t name; /* string id or NONE */
	struct html_slice *s;
	size_t n, cap;
	size_t nargs; /* calls with arguments */
};

struct html_process {
	uint64_t pid;
	uint32_t name, label;
	int sort;
};

struct html_instant {
	uint64_t pid, tid, ns;
	uint32_t name;
};

struct html_sample {
	uint64_t ns;
	double v;
};

struct html_counter {
	uint64_t pid;
	uint32_t name;
	struct html_sample *s;
	size_t n, cap;
};

struct html_flow {
	uint64_t pid, tid, ns, pid2, tid2, ns2;
};

struct html_fn {
	uint32_t name, loc, is_c;
};

/* open addressing: slot holds id + 1, 0 is empty */
struct html_map {
	uint32_t *slot;
	size_t cap, n;
};

struct vt_html {
	FILE *f;
	int err; /* errno of the first failure (allocation or write) */
	/* strings */
	char **str;
	uint32_t *str_len;
	size_t nstr, str_cap;
	struct html_map str_map;
	/* functions */
	struct html_fn *fn;
	size_t nfn, fn_cap;
	struct html_map fn_map;
	/* tracks */
	struct html_thread *thr;
	size_t nthr, thr_cap;
	struct html_map thr_map;
	size_t last_thr; /* cache: slices of one thread come together */
	size_t arg_thr, arg_k; /* the call vt_html_slice_args refers to, when arg_ok */
	int arg_ok;
	struct html_process *proc;
	size_t nproc, proc_cap;
	struct html_instant *inst;
	size_t ninst, inst_cap;
	struct html_counter *ctr;
	size_t nctr, ctr_cap;
	struct html_flow *flow;
	size_t nflow, flow_cap;
	/* source files: path and text, or path and why it is left out (text NULL) */
	struct html_source { char *path, *text; size_t len; int left_out; } *src;
	size_t nsrc, src_cap;
	/* the encoded trace */
	uint8_t *buf;
	size_t len, cap;
};

static int grow(struct vt_html *h, void **p, size_t *cap, size_t need, size_t size)
{
	size_t n;
	void *q;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q) {
		if (!h->err)
			h->err = ENOMEM;
		return -1;
	}
	*p = q;
	*cap = n;
	return 0;
}

#define GROW(h, arr, cap, need) grow((h), (void **)&(arr), &(cap), (need), sizeof(*(arr)))

static uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t x = 1469598103934665603ull ^ seed;

	for (size_t i = 0; i < n; i++) {
		x ^= s[i];
		x *= 1099511628211ull;
	}
	return x ^ (x >> 29);
}

static uint64_t hash_u64(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t x = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull) * 0xbf58476d1ce4e5b9ull ^
		     c * 0x94d049bb133111ebull;

	return x ^ (x >> 31);
}

/* make room for one more entry; @rehash(h, id) gives the hash of entry id */
static int map_reserve(struct vt_html *h, struct html_map *m,
		       uint64_t (*rehash)(const struct vt_html *, uint32_t))
{
	struct html_map nm;

	if ((m->n + 1) * 2 <= m->cap)
		return 0;
	nm.cap = m->cap ? m->cap * 2 : 1024;
	nm.n = m->n;
	nm.slot = calloc(nm.cap, sizeof(*nm.slot));
	if (!nm.slot) {
		if (!h->err)
			h->err = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t k;

		if (!m->slot[i])
			continue;
		k = rehash(h, m->slot[i] - 1) & (nm.cap - 1);
		while (nm.slot[k])
			k = (k + 1) & (nm.cap - 1);
		nm.slot[k] = m->slot[i];
	}
	free(m->slot);
	*m = nm;
	return 0;
}

static uint64_t str_hash(const struct vt_html *h, uint32_t id)
{
	return hash_bytes(h->str[id], h->str_len[id], 0);
}

/* the id of string @s (interned), or NONE for NULL or on failure */
static uint32_t intern(struct vt_html *h, const char *s)
{
	size_t n, k;
	uint64_t x;
	char *copy;

	if (!s)
		return NONE;
	n = strlen(s);
	if (n > UINT32_MAX / 2)
		n = UINT32_MAX / 2;
	if (map_reserve(h, &h->str_map, str_hash))
		return NONE;
	x = hash_bytes(s, n, 0);
	for (k = x & (h->str_map.cap - 1); h->str_map.slot[k]; k = (k + 1) & (h->str_map.cap - 1)) {
		uint32_t id = h->str_map.slot[k] - 1;

		if (h->str_len[id] == n && !memcmp(h->str[id], s, n))
			return id;
	}
	if (h->nstr == h->str_cap) {
		size_t cap = h->str_cap;

		if (GROW(h, h->str, cap, h->nstr + 1) ||
		    GROW(h, h->str_len, h->str_cap, h->nstr + 1))
			return NONE;
	}
	copy = malloc(n + 1);
	if (!copy) {
		h->err = h->err ? h->err : ENOMEM;
		return NONE;
	}
	memcpy(copy, s, n);
	copy[n] = 0;
	h->str[h->nstr] = copy;
	h->str_len[h->nstr] = (uint32_t)n;
	h->str_map.slot[k] = (uint32_t)h->nstr + 1;
	h->str_map.n++;
	return (uint32_t)h->nstr++;
}

static uint64_t fn_hash(const struct vt_html *h, uint32_t id)
{
	return hash_u64(h->fn[id].name, h->fn[id].loc, h->fn[id].is_c);
}

static uint32_t function(struct vt_html *h, const char *name, const char *loc, uint32_t is_c)
{
	uint32_t sn = intern(h, name ? name : "?"), sl = intern(h, loc);
	size_t k;

	if (map_reserve(h, &h->fn_map, fn_hash))
		return NONE;
	for (k = hash_u64(sn, sl, is_c) & (h->fn_map.cap - 1); h->fn_map.slot[k];
	     k = (k + 1) & (h->fn_map.cap - 1)) {
		const struct html_fn *f = &h->fn[h->fn_map.slot[k] - 1];

		if (f->name == sn && f->loc == sl && f->is_c == is_c)
			return h->fn_map.slot[k] - 1;
	}
	if (GROW(h, h->fn, h->fn_cap, h->nfn + 1))
		return NONE;
	h->fn[h->nfn] = (struct html_fn){ sn, sl, is_c };
	h->fn_map.slot[k] = (uint32_t)h->nfn + 1;
	h->fn_map.n++;
	return (uint32_t)h->nfn++;
}

static uint64_t thr_hash(const struct vt_html *h, uint32_t id)
{
	return hash_u64(h->thr[id].pid, h->thr[id].tid, 7);
}

static struct html_thread *thread(struct vt_html *h, uint64_t pid, uint64_t tid)
{
	size_t k;

	if (h->last_thr < h->nthr && h->thr[h->last_thr].pid == pid &&
	    h->thr[h->last_thr].tid == tid)
		return &h->thr[h->last_thr];
	if (map_reserve(h, &h->thr_map, thr_hash))
		return NULL;
	for (k = hash_u64(pid, tid, 7) & (h->thr_map.cap - 1); h->thr_map.slot[k];
	     k = (k + 1) & (h->thr_map.cap - 1)) {
		uint32_t id = h->thr_map.slot[k] - 1;

		if (h->thr[id].pid == pid && h->thr[id].tid == tid) {
			h->last_thr = id;
			return &h->thr[id];
		}
	}
	if (GROW(h, h->thr, h->thr_cap, h->nthr + 1))
		return NULL;
	h->thr[h->nthr] = (struct html_thread){ .pid = pid, .tid = tid, .name = NONE };
	h->thr_map.slot[k] = (uint32_t)h->nthr + 1;
	h->thr_map.n++;
	h->last_thr = h->nthr;
	return &h->thr[h->nthr++];
}

struct vt_html *vt_html_open(const char *path)
{
	struct vt_html *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!h->f) {
		int e = errno;

		free(h);
		errno = e;
		return NULL;
	}
	return h;
}

void vt_html_process(struct vt_html *h, uint64_t pid, const char *name, int sort_index,
		     const char *label)
{
	struct html_process *p = NULL;

	for (size_t i = 0; i < h->nproc; i++)
		if (h->proc[i].pid == pid)
			p = &h->proc[i];
	if (!p) {
		if (GROW(h, h->proc, h->proc_cap, h->nproc + 1))
			return;
		p = &h->proc[h->nproc++];
	}
	p->pid = pid;
	p->name = intern(h, name);
	p->label = intern(h, label);
	p->sort = sort_index;
}

void vt_html_thread(struct vt_html *h, uint64_t pid, uint64_t tid, const char *name)
{
	struct html_thread *t = thread(h, pid, tid);

	if (t)
		t->name = intern(h, name);
}

void vt_html_slice(struct vt_html *h, uint64_t pid, uint64_t tid, const char *name,
		   const char *loc, uint64_t start_ns, uint64_t dur_ns, unsigned flags)
{
	struct html_thread *t = thread(h, pid, tid);
	uint32_t fn;

	h->arg_ok = 0;
	if (!t)
		return;
	fn = function(h, name, loc, flags & VT_HTML_C);
	if (fn != NONE && fn > SLICE_FN_MAX) {
		if (!h->err)
			h->err = E2BIG; /* 134 million distinct functions */
		return;
	}
	if (fn == NONE || GROW(h, t->s, t->cap, t->n + 1))
		return;
	t->s[t->n] = (struct html_slice){ start_ns, dur_ns,
					  fn << SLICE_FL_BITS | (flags & ((1u << SLICE_FL_BITS) - 1)),
					  NONE };
	h->arg_thr = (size_t)(t - h->thr);
	h->arg_k = t->n++;
	h->arg_ok = 1;
}

void vt_html_slice_args(struct vt_html *h, const char *args)
{
	struct html_thread *t;
	uint32_t id;

	if (!h->arg_ok || !args || !*args)
		return;
	id = intern(h, args);
	if (id == NONE)
		return;
	t = &h->thr[h->arg_thr];
	if (t->s[h->arg_k].args == NONE)
		t->nargs++;
	t->s[h->arg_k].args = id;
}

void vt_html_instant(struct vt_html *h, uint64_t pid, uint64_t tid, uint64_t ns,
		     const char *name)
{
	if (GROW(h, h->inst, h->inst_cap, h->ninst + 1))
		return;
	h->inst[h->ninst++] = (struct html_instant){ pid, tid, ns, intern(h, name ? name : "") };
}

void vt_html_counter(struct vt_html *h, uint64_t pid, const char *name, uint64_t ns,
		     double value)
{
	uint32_t sn = intern(h, name ? name : "");
	struct html_counter *c = NULL;

	for (size_t i = h->nctr; i-- > 0;)
		if (h->ctr[i].pid == pid && h->ctr[i].name == sn) {
			c = &h->ctr[i];
			break;
		}
	if (!c) {
		if (GROW(h, h->ctr, h->ctr_cap, h->nctr + 1))
			return;
		c = &h->ctr[h->nctr++];
		*c = (struct html_counter){ .pid = pid, .name = sn };
	}
	if (GROW(h, c->s, c->cap, c->n + 1))
		return;
	c->s[c->n++] = (struct html_sample){ ns, value };
}

/* a copy of @n bytes at @s, NUL added; NULL (h->err set) when out of memory */
static char *copy_bytes(struct vt_html *h, const char *s, size_t n)
{
	char *c = malloc(n + 1);

	if (!c) {
		h->err = h->err ? h->err : ENOMEM;
		return NULL;
	}
	memcpy(c, s, n);
	c[n] = 0;
	return c;
}

/* @text (@len bytes) is the file's text, or with @left_out why it is not in the page */
static void add_source(struct vt_html *h, const char *path, const char *text, size_t len,
		       int left_out)
{
	char *p, *t;

	if (GROW(h, h->src, h->src_cap, h->nsrc + 1))
		return;
	p = copy_bytes(h, path, strlen(path));
	t = copy_bytes(h, text, len);
	if (!p || !t) {
		free(p);
		free(t);
		return;
	}
	h->src[h->nsrc++] = (struct html_source){ p, t, len, left_out };
}

void vt_html_source(struct vt_html *h, const char *path, const char *text, size_t len)
{
	add_source(h, path, text, len, 0);
}

void vt_html_source_left_out(struct vt_html *h, const char *path, const char *why)
{
	add_source(h, path, why, strlen(why), 1);
}

void vt_html_flow(struct vt_html *h, uint64_t pid, uint64_t tid, uint64_t ns, uint64_t pid2,
		  uint64_t tid2, uint64_t ns2)
{
	if (GROW(h, h->flow, h->flow_cap, h->nflow + 1))
		return;
	h->flow[h->nflow++] = (struct html_flow){ pid, tid, ns, pid2, tid2, ns2 };
}

/* ---- encoding ---- */

static void put_bytes(struct vt_html *h, const void *p, size_t n)
{
	if (GROW(h, h->buf, h->cap, h->len + n))
		return;
	memcpy(h->buf + h->len, p, n);
	h->len += n;
}

static void put_varint(struct vt_html *h, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	put_bytes(h, b, n);
}

/* an optional string id: 0 for none, else id + 1 */
static void put_sid(struct vt_html *h, uint32_t id)
{
	put_varint(h, id == NONE ? 0 : (uint64_t)id + 1);
}

static void put_f64(struct vt_html *h, double v)
{
	uint8_t b[8];
	uint64_t u;

	memcpy(&u, &v, 8);
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(u >> (8 * i));
	put_bytes(h, b, 8);
}

static int by_start(const void *a, const void *b)
{
	const struct html_slice *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->dur != y->dur)
		return x->dur > y->dur ? -1 : 1; /* the enclosing call first */
	return 0;
}

static int by_sample(const void *a, const void *b)
{
	const struct html_sample *x = a, *y = b;

	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

/* the sources that are (@left_out 0) or are not in the page: a count, then path and text
 * (or why), each a varint length and its bytes */
static void put_sources(struct vt_html *h, int left_out)
{
	size_t n = 0;

	for (size_t i = 0; i < h->nsrc; i++)
		n += h->src[i].left_out == left_out;
	put_varint(h, n);
	for (size_t i = 0; i < h->nsrc; i++) {
		if (h->src[i].left_out != left_out)
			continue;
		put_varint(h, strlen(h->src[i].path));
		put_bytes(h, h->src[i].path, strlen(h->src[i].path));
		put_varint(h, h->src[i].len);
		put_bytes(h, h->src[i].text, h->src[i].len);
	}
}

static void encode(struct vt_html *h)
{
	size_t nargs = 0;

	put_bytes(h, VTR_MAGIC, 4);
	put_varint(h, VTR_VERSION);
	put_varint(h, h->nstr);
	for (size_t i = 0; i < h->nstr; i++) {
		put_varint(h, h->str_len[i]);
		put_bytes(h, h->str[i], h->str_len[i]);
	}
	put_varint(h, h->nfn);
	for (size_t i = 0; i < h->nfn; i++) {
		put_varint(h, h->fn[i].name);
		put_sid(h, h->fn[i].loc);
		put_varint(h, h->fn[i].is_c ? 1 : 0);
	}
	put_varint(h, h->nproc);
	for (size_t i = 0; i < h->nproc; i++) {
		const struct html_process *p = &h->proc[i];

		put_varint(h, p->pid);
		put_varint(h, p->sort < 0 ? ((uint64_t)(-(int64_t)p->sort) << 1) - 1
					  : (uint64_t)p->sort << 1);
		put_sid(h, p->name);
		put_sid(h, p->label);
	}
	put_varint(h, h->nthr);
	for (size_t i = 0; i < h->nthr; i++) {
		struct html_thread *t = &h->thr[i];
		uint64_t prev = 0;

		if (t->n) /* a track with no calls has no array: qsort(NULL, 0) is undefined */
			qsort(t->s, t->n, sizeof(*t->s), by_start);
		put_varint(h, t->pid);
		put_varint(h, t->tid);
		put_sid(h, t->name);
		put_varint(h, t->n);
		for (size_t k = 0; k < t->n; k++) {
			const struct html_slice *s = &t->s[k];

			put_varint(h, s->start - prev);
			put_varint(h, s->dur);
			put_varint(h, (uint64_t)(s->fnfl >> SLICE_FL_BITS) << 3 |
					      ((s->fnfl & (VT_HTML_EXCEPTION | VT_HTML_UNFINISHED |
							   VT_HTML_YIELD)) >> 1));
			prev = s->start;
		}
		nargs += t->nargs;
		if (!t->nargs) { /* else kept for the arguments' table below */
			free(t->s);
			t->s = NULL;
		}
	}
	put_varint(h, h->ninst);
	for (size_t i = 0; i < h->ninst; i++) {
		put_varint(h, h->inst[i].pid);
		put_varint(h, h->inst[i].tid);
		put_varint(h, h->inst[i].ns);
		put_varint(h, h->inst[i].name);
	}
	put_varint(h, h->nctr);
	for (size_t i = 0; i < h->nctr; i++) {
		struct html_counter *c = &h->ctr[i];
		uint64_t prev = 0;

		qsort(c->s, c->n, sizeof(*c->s), by_sample);
		put_varint(h, c->pid);
		put_varint(h, c->name);
		put_varint(h, c->n);
		for (size_t k = 0; k < c->n; k++) {
			put_varint(h, c->s[k].ns - prev);
			put_f64(h, c->s[k].v);
			prev = c->s[k].ns;
		}
	}
	put_varint(h, h->nflow);
	for (size_t i = 0; i < h->nflow; i++) {
		const struct html_flow *w = &h->flow[i];

		put_varint(h, w->pid);
		put_varint(h, w->tid);
		put_varint(h, w->ns);
		put_varint(h, w->pid2);
		put_varint(h, w->tid2);
		put_varint(h, w->ns2);
	}
	/* the calls' arguments, by (thread, call) in the order above: only when there are any
	 * (or sources follow: then a count of 0) */
	if (nargs || h->nsrc) {
		size_t prev_t = 0;

		put_varint(h, nargs);
		for (size_t i = 0; i < h->nthr; i++) {
			const struct html_thread *t = &h->thr[i];
			size_t prev_k = 0;

			for (size_t k = 0; k < t->n && t->nargs; k++) {
				if (t->s[k].args == NONE)
					continue;
				put_varint(h, i - prev_t);
				put_varint(h, k - prev_k);
				put_varint(h, t->s[k].args);
				prev_t = i;
				prev_k = k;
			}
		}
	}
	for (size_t i = 0; i < h->nthr; i++) {
		free(h->thr[i].s);
		h->thr[i].s = NULL;
	}
	/* the source files: path and text, then the paths left out and why */
	if (h->nsrc) {
		put_sources(h, 0);
		put_sources(h, 1);
	}
}

static void write_base64(FILE *f, const uint8_t *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char out[4096 + 4];
	size_t o = 0, i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
		if (o >= 4096) {
			fwrite(out, 1, o, f);
			o = 0;
		}
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = '=';
	}
	fwrite(out, 1, o, f);
}

/* the title as HTML text: no markup can leave the <title> element */
static void write_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void html_free(struct vt_html *h)
{
	for (size_t i = 0; i < h->nstr; i++)
		free(h->str[i]);
	for (size_t i = 0; i < h->nthr; i++)
		free(h->thr[i].s);
	for (size_t i = 0; i < h->nctr; i++)
		free(h->ctr[i].s);
	free(h->str);
	free(h->str_len);
	free(h->str_map.slot);
	free(h->fn);
	free(h->fn_map.slot);
	free(h->thr);
	free(h->thr_map.slot);
	free(h->proc);
	free(h->inst);
	free(h->ctr);
	free(h->flow);
	for (size_t i = 0; i < h->nsrc; i++) {
		free(h->src[i].path);
		free(h->src[i].text);
	}
	free(h->src);
	free(h->buf);
	free(h);
}

int vt_html_wrap(const char *path, const char *title, const uint8_t *data, size_t len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int err = 0;

	if (!f)
		return -1;
	fputs(vt_viewer_part[0], f);
	write_escaped(f, title && *title ? title : "vt trace");
	fputs(vt_viewer_part[1], f);
	write_base64(f, data, len);
	fputs(vt_viewer_part[2], f);
	if (fflush(f) || ferror(f))
		err = errno ? errno : EIO;
	if (f != stdout && fclose(f) && !err)
		err = errno ? errno : EIO;
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int vt_html_close(struct vt_html *h, const char *title)
{
	int err;

	encode(h);
	fputs(vt_viewer_part[0], h->f);
	write_escaped(h->f, title && *title ? title : "vt trace");
	fputs(vt_viewer_part[1], h->f);
	if (!h->err)
		write_base64(h->f, h->buf, h->len);
	fputs(vt_viewer_part[2], h->f);
	if (fflush(h->f) && !h->err)
		h->err = errno ? errno : EIO;
	if (ferror(h->f) && !h->err)
		h->err = errno ? errno : EIO;
	if (h->f != stdout && fclose(h->f) && !h->err)
		h->err = errno ? errno : EIO;
	err = h->err;
	html_free(h);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}
