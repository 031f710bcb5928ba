/*
 * counters.c - counter samples held until the end of a conversion, then named per thread
 * where several threads of a process write the same counter (see counters.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "tools/json.h"
#include "tools/counters.h"
#include "tools/util.h"

/* a thread writing a counter name: one track, or a share of one */
struct writer {
	uint64_t pid, tid;
	char *name;
	size_t nlen;
	char *track;  /* made by vt_counters_emit */
	char *vkey;   /* per-thread tracks: the {"name": that becomes {"value": */
	size_t vkey_len;
};

/* a sample as stored: @len bytes follow, its args (@alen), then @nnum numbers, each a
 * double, a uint32_t key length and the key */
struct rec {
	uint32_t writer;
	uint32_t len;
	uint64_t ns;
	uint32_t alen;
	uint32_t nnum;
};

#define NUM_HEAD (sizeof(double) + sizeof(uint32_t))

struct vt_counters {
	pthread_mutex_t lock;
	struct writer *w;
	size_t nw, wcap;
	uint32_t *slots; /* writer index + 1, 0 = empty */
	size_t nslots;
	char *mem;       /* records, until they spill */
	size_t len, cap, mem_max;
	FILE *spill;     /* an unlinked temporary file, once mem_max was passed */
};

struct vt_counters *vt_counters_new(size_t mem_max)
{
	struct vt_counters *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	c->mem_max = mem_max ? mem_max : 8u << 20;
	return c;
}

void vt_counters_free(struct vt_counters *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nw; i++) {
		free(c->w[i].name);
		free(c->w[i].track);
		free(c->w[i].vkey);
	}
	free(c->w);
	free(c->slots);
	free(c->mem);
	if (c->spill)
		fclose(c->spill);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static uint64_t hash(uint64_t pid, uint64_t tid, const char *name, size_t nlen)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (pid * 0x9e3779b97f4a7c15ull) ^ (tid << 17);

	for (size_t i = 0; i < nlen; i++)
		h = (h ^ (unsigned char)name[i]) * 0x100000001b3ull;
	return h;
}

static void rehash(struct vt_counters *c)
{
	size_t n = c->nslots ? c->nslots * 2 : 64;

	free(c->slots);
	c->slots = xcalloc(n, sizeof(*c->slots));
	c->nslots = n;
	for (size_t i = 0; i < c->nw; i++) {
		const struct writer *w = &c->w[i];
		size_t k = hash(w->pid, w->tid, w->name, w->nlen) & (n - 1);

		while (c->slots[k])
			k = (k + 1) & (n - 1);
		c->slots[k] = (uint32_t)i + 1;
	}
}

static uint32_t writer_of(struct vt_counters *c, uint64_t pid, uint64_t tid, const char *name,
			  size_t nlen)
{
	struct writer *w;
	size_t k;

	if ((c->nw + 1) * 2 > c->nslots)
		rehash(c);
	for (k = hash(pid, tid, name, nlen) & (c->nslots - 1); c->slots[k];
	     k = (k + 1) & (c->nslots - 1)) {
		w = &c->w[c->slots[k] - 1];
		if (w->pid == pid && w->tid == tid && w->nlen == nlen && !memcmp(w->name, name, nlen))
			return c->slots[k] - 1;
	}
	if (c->nw == c->wcap) {
		c->wcap = c->wcap ? c->wcap * 2 : 16;
		c->w = xrealloc(c->w, c->wcap * sizeof(*c->w));
	}
	w = &c->w[c->nw];
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->tid = tid;
	w->name = xrealloc(NULL, nlen + 1);
	memcpy(w->name, name, nlen);
	w->name[nlen] = 0;
	w->nlen = nlen;
	c->slots[k] = (uint32_t)++c->nw;
	return (uint32_t)c->nw - 1;
}

/* an unlinked file in $TMPDIR (or /tmp) */
static FILE *temp_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "%s/vt-convert-counters-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	unlink(path);
	f = fdopen(fd, "w+");
	if (!f)
		close(fd);
	return f;
}

/* the payload of a sample: args, then the numbers (new memory, *len bytes) */
static char *payload(const char *args, size_t alen, const struct vt_number *nums, size_t *len,
		     uint32_t *nnum)
{
	size_t n = alen;
	char *p, *buf;

	*nnum = 0;
	for (const struct vt_number *x = nums; x && x->key; x++) {
		n += NUM_HEAD + x->key_len;
		(*nnum)++;
	}
	buf = p = xrealloc(NULL, n);
	memcpy(p, args, alen);
	p += alen;
	for (const struct vt_number *x = nums; x && x->key; x++) {
		uint32_t k = (uint32_t)x->key_len;

		memcpy(p, &x->v, sizeof(double));
		memcpy(p + sizeof(double), &k, sizeof(k));
		memcpy(p + NUM_HEAD, x->key, k);
		p += NUM_HEAD + k;
	}
	*len = n;
	return buf;
}

int vt_counters_add(struct vt_counters *c, uint64_t pid, uint64_t tid, const char *name,
		    size_t nlen, uint64_t ns, const char *args, size_t alen,
		    const struct vt_number *nums)
{
	struct rec r;
	int rc = 0;
	uint32_t nnum;
	size_t blen;
	char *body;

	if (alen > UINT32_MAX / 2)
		alen = 0;
	body = payload(args, alen, nums, &blen, &nnum);
	if (blen > UINT32_MAX)
		blen = alen = nnum = 0;
	pthread_mutex_lock(&c->lock);
	r = (struct rec){ writer_of(c, pid, tid, name, nlen), (uint32_t)blen, ns, (uint32_t)alen,
			  nnum };
	args = body;
	alen = blen;
	if (!c->spill && c->len + sizeof(r) + alen > c->mem_max) {
		c->spill = temp_file();
		if (!c->spill || (c->len && fwrite(c->mem, c->len, 1, c->spill) != 1)) {
			rc = -1;
			goto out;
		}
		free(c->mem);
		c->mem = NULL;
		c->len = c->cap = 0;
	}
	if (c->spill) {
		if (fwrite(&r, sizeof(r), 1, c->spill) != 1 ||
		    (alen && fwrite(args, alen, 1, c->spill) != 1))
			rc = -1;
		goto out;
	}
	if (c->len + sizeof(r) + alen > c->cap) {
		c->cap = (c->len + sizeof(r) + alen) * 2;
		c->mem = xrealloc(c->mem, c->cap);
	}
	memcpy(c->mem + c->len, &r, sizeof(r));
	memcpy(c->mem + c->len + sizeof(r), args, alen);
	c->len += sizeof(r) + alen;
out:
	pthread_mutex_unlock(&c->lock);
	free(body);
	return rc;
}

/* ---- naming the tracks ---- */

/* writers (indexes into @c's) by process, counter name, thread */
static int by_counter(const void *a, const void *b, void *c)
{
	const struct writer *w = ((struct vt_counters *)c)->w;
	const struct writer *x = &w[*(const uint32_t *)a];
	const struct writer *y = &w[*(const uint32_t *)b];
	int d;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	d = memcmp(x->name, y->name, x->nlen < y->nlen ? x->nlen : y->nlen);
	if (d || x->nlen != y->nlen)
		return d ? d : x->nlen < y->nlen ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* writers (indexes) by their thread's name in @names */
static int by_thread_name(const void *a, const void *b, void *names)
{
	const char **n = names;

	return strcmp(n[*(const uint32_t *)a], n[*(const uint32_t *)b]);
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	int len;
	char *s;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = xrealloc(NULL, (size_t)len + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* one counter name of one process, written by threads @ix[0..n) (n > 1): a track each */
static void name_group(struct vt_counters *c, const uint32_t *ix, size_t n,
		       vt_counters_tname_fn *tname, void *ctx)
{
	uint32_t *by = xrealloc(NULL, n * sizeof(*by));
	const char **names = xrealloc(NULL, c->nw * sizeof(*names));
	size_t q;

	for (size_t i = 0; i < n; i++) {
		by[i] = ix[i];
		names[ix[i]] = tname(ctx, c->w[ix[i]].pid, c->w[ix[i]].tid);
	}
	qsort_r(by, n, sizeof(*by), by_thread_name, names);
	for (size_t i = 0; i < n; i++) {
		struct writer *w = &c->w[by[i]];
		const char *tn = names[by[i]];
		int clash = (i && !strcmp(names[by[i - 1]], tn)) ||
			    (i + 1 < n && !strcmp(names[by[i + 1]], tn));
		char *quoted = vt_json_quote(w->name, w->nlen, &q);

		w->track = clash ? xprintf("%s (%s %llu)", w->name, tn, (unsigned long long)w->tid)
				 : xprintf("%s (%s)", w->name, tn);
		if (!quoted)
			die("out of memory");
		w->vkey = xprintf("{%s:", quoted);
		w->vkey_len = strlen(w->vkey);
		free(quoted);
	}
	free(names);
	free(by);
}

static void name_tracks(struct vt_counters *c, vt_counters_tname_fn *tname, void *ctx)
{
	uint32_t *ix = xrealloc(NULL, (c->nw + 1) * sizeof(*ix));
	size_t i, k;

	for (i = 0; i < c->nw; i++)
		ix[i] = (uint32_t)i;
	qsort_r(ix, c->nw, sizeof(*ix), by_counter, c);
	for (i = 0; i < c->nw; i = k) {
		const struct writer *a = &c->w[ix[i]];

		for (k = i + 1; k < c->nw && c->w[ix[k]].pid == a->pid && c->w[ix[k]].nlen == a->nlen &&
				!memcmp(c->w[ix[k]].name, a->name, a->nlen);
		     k++)
			;
		if (k - i > 1)
			name_group(c, ix + i, k - i, tname, ctx);
	}
	for (i = 0; i < c->nw; i++)
		if (!c->w[i].track)
			c->w[i].track = xprintf("%s", c->w[i].name);
	free(ix);
}

/* one sample to @fn, its value re-keyed in a per-thread track (see counters.h) */
static void emit_one(const struct writer *w, const struct rec *r, const char *body,
		     vt_counters_sample_fn *fn, void *ctx)
{
	struct vt_counter_sample s = { w->pid, w->tid, r->ns, w->track, body, r->alen, NULL, 0 };
	struct vt_number *nums = xrealloc(NULL, (r->nnum + 1) * sizeof(*nums));
	const char *p = body + r->alen, *end = body + r->len;
	char *re = NULL;

	for (uint32_t i = 0; i < r->nnum && (size_t)(end - p) >= NUM_HEAD; i++) {
		uint32_t k;

		memcpy(&nums[i].v, p, sizeof(double));
		memcpy(&k, p + sizeof(double), sizeof(k));
		if (k > (size_t)(end - p) - NUM_HEAD)
			break;
		nums[i].key = p + NUM_HEAD;
		nums[i].key_len = k;
		p += NUM_HEAD + k;
		s.nnums++;
	}
	s.nums = nums;
	if (w->vkey && r->alen > w->vkey_len && !memcmp(body, w->vkey, w->vkey_len) &&
	    !memchr(body + w->vkey_len, ',', r->alen - w->vkey_len)) {
		/* {"n":3} -> {"value":3}: the values are numbers, so no ',' means one key */
		size_t rest = r->alen - w->vkey_len;

		re = xrealloc(NULL, rest + 9);
		memcpy(re, "{\"value\":", 9);
		memcpy(re + 9, body + w->vkey_len, rest);
		s.args = re;
		s.args_len = rest + 9;
		if (s.nnums == 1) { /* its number is keyed "value" too */
			nums[0].key = "value";
			nums[0].key_len = 5;
		}
	}
	fn(ctx, &s);
	free(re);
	free(nums);
}

int vt_counters_emit(struct vt_counters *c, vt_counters_tname_fn *tname,
		     vt_counters_sample_fn *fn, void *ctx)
{
	struct rec r;
	char *buf = NULL;
	size_t cap = 0;
	int rc = 0;

	name_tracks(c, tname, ctx);
	if (!c->spill) {
		for (size_t off = 0; off + sizeof(r) <= c->len; off += sizeof(r) + r.len) {
			memcpy(&r, c->mem + off, sizeof(r));
			emit_one(&c->w[r.writer], &r, c->mem + off + sizeof(r), fn, ctx);
		}
		return 0;
	}
	if (fflush(c->spill) != 0 || fseek(c->spill, 0, SEEK_SET) != 0)
		return -1;
	while (fread(&r, sizeof(r), 1, c->spill) == 1) {
		if (r.len > cap) {
			cap = r.len;
			buf = xrealloc(buf, cap);
		}
		if (r.len && fread(buf, r.len, 1, c->spill) != 1) {
			errno = errno ? errno : EIO;
			rc = -1;
			break;
		}
		emit_one(&c->w[r.writer], &r, buf, fn, ctx);
	}
	if (ferror(c->spill))
		rc = -1;
	free(buf);
	return rc;
}
