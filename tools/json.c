/*
 * json.c - the JSON writer (see json.h). Times are printed as integer microseconds
 * with three decimals, so nanoseconds survive and no floating point rounding creeps in.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/xalloc.h"
#include "tools/json.h"

#define BUF_CAP (1u << 20)

static void put(struct vt_json *j, const void *p, size_t n)
{
	if (n && !j->err && fwrite(p, 1, n, j->f) != n)
		j->err = errno ? errno : EIO;
	j->out_bytes += n;
}

/* deflate @n bytes (or finish the stream when @finish) into the file */
static void gz_put(struct vt_json *j, const void *p, size_t n, int finish)
{
	z_stream *z = j->gz;
	unsigned char out[1 << 16];
	int rc;

	z->next_in = (unsigned char *)p;
	z->avail_in = (unsigned)n;
	do {
		z->next_out = out;
		z->avail_out = sizeof(out);
		rc = deflate(z, finish ? Z_FINISH : Z_NO_FLUSH);
		if (rc == Z_STREAM_ERROR) {
			j->err = EIO;
			return;
		}
		put(j, out, sizeof(out) - z->avail_out);
	} while (z->avail_out == 0 || (finish && rc != Z_STREAM_END));
}

/*
 * The background writer of gzip output: a full buffer goes to a thread of its own, which
 * deflates and writes it while the caller fills the other buffer, so formatting and
 * deflate run on two cores (plain JSON is written inline: there the kernel's writeback
 * already takes the second core). Only the writer touches f, gz, err and out_bytes
 * between vt_json_open and the join in vt_json_end.
 */
struct bg {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *job;      /* the buffer being written, NULL when the writer is idle */
	size_t job_len;
	char *spare;    /* the free buffer, handed back by the writer */
	int stop;
};

static void write_out(struct vt_json *j, const char *p, size_t n)
{
	if (j->gz)
		gz_put(j, p, n, 0);
	else
		put(j, p, n);
}

static void *bg_main(void *arg)
{
	struct vt_json *j = arg;
	struct bg *b = j->bg;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (!b->job && !b->stop)
			pthread_cond_wait(&b->cv, &b->mu);
		if (!b->job)
			break;
		pthread_mutex_unlock(&b->mu);
		write_out(j, b->job, b->job_len);
		pthread_mutex_lock(&b->mu);
		b->spare = b->job;
		b->job = NULL;
		pthread_cond_broadcast(&b->cv);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* wait until the writer is idle; the caller then holds b->mu */
static void bg_idle(struct bg *b)
{
	pthread_mutex_lock(&b->mu);
	while (b->job)
		pthread_cond_wait(&b->cv, &b->mu);
}

static void bg_start(struct vt_json *j)
{
	struct bg *b = calloc(1, sizeof(*b));

	if (!b || !(b->spare = malloc(j->cap))) {
		free(b);
		return; /* the caller's thread writes, as without one */
	}
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	j->bg = b;
	if (pthread_create(&b->thread, NULL, bg_main, j) != 0) {
		j->bg = NULL;
		free(b->spare);
		free(b);
	}
}

/* hand the filled buffer over and go on in the spare one */
static void bg_hand(struct vt_json *j)
{
	struct bg *b = j->bg;

	bg_idle(b);
	b->job = j->buf;
	b->job_len = j->len;
	j->buf = b->spare;
	b->spare = NULL;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

static void bg_join(struct vt_json *j)
{
	struct bg *b = j->bg;

	if (!b)
		return;
	bg_idle(b);
	b->stop = 1;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	free(b->spare);
	free(b);
	j->bg = NULL;
}

static void flush(struct vt_json *j)
{
	if (j->sink) {
		if (j->len)
			j->sink(j->sink_ctx, j->buf, j->len);
		j->bytes += j->len;
		j->len = 0;
		return;
	}
	if (!j->len)
		return;
	if (j->bg)
		bg_hand(j);
	else
		write_out(j, j->buf, j->len);
	j->bytes += j->len;
	j->len = 0;
}

/* a sink's pieces end with whole events: it grows rather than hand over half of one */
static void grow(struct vt_json *j, size_t n)
{
	while (j->len + n > j->cap)
		j->cap *= 2;
	j->buf = xrealloc(j->buf, j->cap);
}

static inline void room(struct vt_json *j, size_t n)
{
	if (j->len + n > j->cap) {
		if (j->sink)
			grow(j, n);
		else
			flush(j);
	}
}

int vt_json_open_sink(struct vt_json *j, void (*sink)(void *, const char *, size_t), void *ctx)
{
	memset(j, 0, sizeof(*j));
	j->sink = sink;
	j->sink_ctx = ctx;
	j->cap = BUF_CAP + (BUF_CAP >> 2);
	j->buf = malloc(j->cap);
	if (!j->buf)
		return -1;
	return 0;
}

void vt_json_close_sink(struct vt_json *j)
{
	flush(j);
	free(j->buf);
	j->buf = NULL;
}

int vt_json_open(struct vt_json *j, const char *path, int gz)
{
	memset(j, 0, sizeof(*j));
	if (!strcmp(path, "-")) {
		j->f = stdout;
	} else {
		j->f = fopen(path, "w");
		if (!j->f)
			return -1;
		j->own = 1;
	}
	if (gz) {
		z_stream *z = calloc(1, sizeof(*z));

		/* windowBits 15 + 16: a gzip header and trailer around the deflate stream */
		if (!z || deflateInit2(z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			abort();
		j->gz = z;
	}
	j->cap = BUF_CAP;
	j->buf = malloc(j->cap);
	if (!j->buf)
		abort();
	j->first = 1;
	if (gz)
		bg_start(j); /* deflate, the slow part, on a core of its own */
	return 0;
}

void vt_json_raw(struct vt_json *j, const char *s, size_t len)
{
	if (len > j->cap && !j->sink) {
		if (j->bg) {
			/* in buffer-sized pieces, so the writer goes on taking them */
			while (len) {
				size_t n = j->cap - j->len < len ? j->cap - j->len : len;

				memcpy(j->buf + j->len, s, n);
				j->len += n;
				s += n;
				len -= n;
				if (j->len == j->cap)
					flush(j);
			}
			return;
		}
		flush(j);
		write_out(j, s, len);
		j->bytes += len;
		return;
	}
	room(j, len);
	memcpy(j->buf + j->len, s, len);
	j->len += len;
}

void vt_json_lit(struct vt_json *j, const char *s)
{
	vt_json_raw(j, s, strlen(s));
}

void vt_json_begin(struct vt_json *j)
{
	vt_json_lit(j, "{\"traceEvents\":[\n");
}

void vt_json_event(struct vt_json *j)
{
	if (j->sink && j->len >= BUF_CAP)
		flush(j); /* between two events */
	if (j->first) {
		j->first = 0;
		vt_json_raw(j, "{", 1);
	} else {
		vt_json_raw(j, ",\n{", 3);
	}
}

/* length of the valid UTF-8 sequence at s (1-4), or 0 if invalid */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t vt_json_esc1(char *out, const char *str, size_t n, size_t *adv)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	size_t k;

	*adv = 1;
	if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
		out[0] = (char)c;
		return 1;
	}
	if (c == '"' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		return 2;
	}
	if (c < 0x20) {
		memcpy(out, "\\u00", 4);
		out[4] = hex[c >> 4];
		out[5] = hex[c & 15];
		return 6;
	}
	k = utf8_len(s, n);
	if (!k) {
		memcpy(out, "\xef\xbf\xbd", 3); /* U+FFFD */
		return 3;
	}
	memcpy(out, s, k);
	*adv = k;
	return k;
}

void vt_json_str(struct vt_json *j, const char *str, size_t n)
{
	size_t i = 0, adv;

	vt_json_raw(j, "\"", 1);
	while (i < n) {
		room(j, 8);
		j->len += vt_json_esc1(j->buf + j->len, str + i, n - i, &adv);
		i += adv;
	}
	vt_json_raw(j, "\"", 1);
}

size_t vt_json_escape(char *out, const char *str, size_t n)
{
	size_t i = 0, k = 0, adv;

	out[k++] = '"';
	while (i < n) {
		k += vt_json_esc1(out + k, str + i, n - i, &adv);
		i += adv;
	}
	out[k++] = '"';
	return k;
}

char *vt_json_quote(const char *str, size_t n, size_t *len)
{
	char *out = malloc(vt_json_escape_bound(n) + 1);

	if (!out)
		return NULL;
	*len = vt_json_escape(out, str, n);
	out[*len] = 0;
	return out;
}

size_t vt_json_double(char *out, double v)
{
	if (!vt_json_holds(v))
		return (size_t)snprintf(out, VT_JSON_DOUBLE_MAX, "null");
	return (size_t)snprintf(out, VT_JSON_DOUBLE_MAX, "%.17g", v);
}

void vt_json_u64(struct vt_json *j, uint64_t v)
{
	char tmp[24];
	int n = 0;

	room(j, 24);
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		j->buf[j->len++] = tmp[--n];
}

void vt_json_us(struct vt_json *j, uint64_t ns)
{
	char tmp[32], *p = tmp + sizeof(tmp);
	unsigned frac = (unsigned)(ns % 1000);
	uint64_t us = ns / 1000;

	/* right to left: "<us>.<3 digits>" */
	*--p = (char)('0' + frac % 10);
	*--p = (char)('0' + frac / 10 % 10);
	*--p = (char)('0' + frac / 100);
	*--p = '.';
	do {
		*--p = (char)('0' + us % 10);
		us /= 10;
	} while (us);
	room(j, 32);
	memcpy(j->buf + j->len, p, (size_t)(tmp + sizeof(tmp) - p));
	j->len += (size_t)(tmp + sizeof(tmp) - p);
}

int vt_json_end(struct vt_json *j, const char *tail)
{
	int rc = 0;

	vt_json_lit(j, "\n]");
	if (tail) {
		vt_json_lit(j, ",");
		vt_json_lit(j, tail);
	}
	vt_json_lit(j, "}\n");
	flush(j);
	bg_join(j);
	if (j->gz) {
		gz_put(j, NULL, 0, 1);
		deflateEnd(j->gz);
		free(j->gz);
		j->gz = NULL;
	}
	if (fflush(j->f) != 0 && !j->err)
		j->err = errno;
	if (j->own && fclose(j->f) != 0 && !j->err)
		j->err = errno;
	free(j->buf);
	j->buf = NULL;
	if (j->err) {
		errno = j->err;
		rc = -1;
	}
	return rc;
}
