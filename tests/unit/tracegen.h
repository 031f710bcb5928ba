/*
 * tracegen.h - build vt trace files in memory for tests: a header map as
 * preload/thread.c's vt_header makes it, then LZ4 chunks of raw records made
 * with the vt_put_* encoder. Used by tests/unit/test-reader.c and tests/data/make-data.c.
 *
 *   struct tg_file f;
 *   struct tg_hdr h = tg_hdr_default("thread");
 *   uint8_t raw[256], *p = raw;
 *
 *   tg_init(&f);
 *   tg_header(&f, &h);
 *   p = vt_put_sync(p, 1000, 1000);
 *   p = vt_put_dt_rec(p, VT_REC_RET, 5);
 *   tg_chunk(&f, raw, (size_t)(p - raw));
 *   tg_write(&f, path);
 *   tg_release(&f);
 */
#ifndef VT_TESTS_TRACEGEN_H
#define VT_TESTS_TRACEGEN_H

#include <fcntl.h>
#include <lz4.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/format.h"

struct tg_file {
	uint8_t *buf;
	size_t len, cap;
	size_t chunk_off[64]; /* file offset of each chunk written */
	size_t nchunks;
};

struct tg_hdr {
	const char *kind; /* "thread" or "process" */
	uint64_t pid, ppid, tid, token;
	const char *clock; /* "ns" or "tsc" */
	uint64_t tsc_hz, clock0, mono0, real0;
	const char *py;
	unsigned major, minor; /* written into the prefix */
};

static inline struct tg_hdr tg_hdr_default(const char *kind)
{
	struct tg_hdr h = {
		.kind = kind,
		.pid = 4242,
		.ppid = 1,
		.tid = 4243,
		.token = 0x1234567890abcdefull,
		.clock = VT_CLOCK_NS,
		.tsc_hz = 0,
		.clock0 = 1000,
		.mono0 = 1000,
		.real0 = 1700000000000000000ull,
		.py = "3.11.2",
		.major = VT_FORMAT_MAJOR,
		.minor = VT_FORMAT_MINOR,
	};

	if (!strcmp(kind, "process"))
		h.tid = 0;
	return h;
}

static inline void tg_init(struct tg_file *f)
{
	memset(f, 0, sizeof(*f));
}

static inline void tg_release(struct tg_file *f)
{
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

/* room for @n more bytes; returns where they go */
static inline uint8_t *tg_room(struct tg_file *f, size_t n)
{
	if (f->len + n > f->cap) {
		size_t ncap = f->cap ? f->cap : 4096;

		while (ncap < f->len + n)
			ncap *= 2;
		f->buf = realloc(f->buf, ncap);
		if (!f->buf)
			abort();
		f->cap = ncap;
	}
	return f->buf + f->len;
}

static inline void tg_bytes(struct tg_file *f, const void *p, size_t n)
{
	memcpy(tg_room(f, n), p, n);
	f->len += n;
}

static inline uint8_t *tg_kv_str(uint8_t *p, const char *k, const char *v)
{
	p = vt_put_str(p, k, strlen(k));
	return vt_put_str(p, v, strlen(v));
}

static inline uint8_t *tg_kv_u64(uint8_t *p, const char *k, uint64_t v)
{
	p = vt_put_str(p, k, strlen(k));
	return vt_put_uint(p, v);
}

/* the 16-byte prefix and the header map (the keys of vt_header) */
static inline void tg_header(struct tg_file *f, const struct tg_hdr *h)
{
	uint8_t buf[512];
	uint8_t *p = buf + VT_FILE_PREFIX_LEN;

	p = vt_put_map(p, 11);
	p = tg_kv_str(p, "kind", h->kind);
	p = tg_kv_u64(p, "pid", h->pid);
	p = tg_kv_u64(p, "ppid", h->ppid);
	p = tg_kv_u64(p, "tid", h->tid);
	p = tg_kv_u64(p, "token", h->token);
	p = tg_kv_str(p, "clock", h->clock);
	p = tg_kv_u64(p, "tsc_hz", h->tsc_hz);
	p = tg_kv_u64(p, "clock0", h->clock0);
	p = tg_kv_u64(p, "mono0", h->mono0);
	p = tg_kv_u64(p, "real0", h->real0);
	p = tg_kv_str(p, "py", h->py);
	vt_file_prefix(buf, (uint32_t)(p - buf - VT_FILE_PREFIX_LEN));
	buf[8] = (uint8_t)h->major;
	buf[9] = (uint8_t)(h->major >> 8);
	buf[10] = (uint8_t)h->minor;
	buf[11] = (uint8_t)(h->minor >> 8);
	tg_bytes(f, buf, (size_t)(p - buf));
}

/* compress @raw into one chunk (header + LZ4 block) */
static inline void tg_chunk(struct tg_file *f, const uint8_t *raw, size_t raw_len)
{
	int bound = LZ4_compressBound((int)raw_len);
	uint8_t *out = tg_room(f, VT_CHUNK_HDR_LEN + (size_t)bound);
	int clen = LZ4_compress_default((const char *)raw, (char *)out + VT_CHUNK_HDR_LEN,
					(int)raw_len, bound);

	if (clen <= 0)
		abort();
	vt_chunk_header(out, (uint32_t)raw_len, (uint32_t)clen);
	if (f->nchunks < sizeof(f->chunk_off) / sizeof(f->chunk_off[0]))
		f->chunk_off[f->nchunks++] = f->len;
	f->len += VT_CHUNK_HDR_LEN + (size_t)clen;
}

/* write the first @len bytes of @buf to @path (created or truncated). 0 or -1. */
static inline int tg_write_bytes(const void *buf, size_t len, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const uint8_t *p = buf;

	if (fd < 0)
		return -1;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

static inline int tg_write(const struct tg_file *f, const char *path)
{
	return tg_write_bytes(f->buf, f->len, path);
}

#endif /* VT_TESTS_TRACEGEN_H */
