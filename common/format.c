/*
 * format.c - the encoder half of the vt record format's codec (see format.h,
 * docs/FORMAT.md), and the checks of the file prefix and chunk headers: no msgpack-c, no
 * global state, no logging, no allocation. Linked into libvt.so and the tools; the
 * decoder is format-dec.c (tools only).
 */
#include "common/format.h"

#include <errno.h>
#include <stdlib.h>

static const char *const vt_err_text[] = {
#define VT_ERR_TEXT(name, text) text,
	VT_ERR_LIST(VT_ERR_TEXT)
#undef VT_ERR_TEXT
};

const char *vt_strerror(int err)
{
	/* in unsigned arithmetic: -INT_MIN does not exist */
	unsigned e = err < 0 ? 0u - (unsigned)err : (unsigned)err;

	if (e >= VT_ERR_COUNT)
		return "unknown error";
	return vt_err_text[e];
}

int vt_parse_time(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "", 1e9 }, { "s", 1e9 },  { "ms", 1e6 },   { "us", 1e3 },
		{ "ns", 1 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	char *end;
	double x;
	int saved = errno;

	errno = 0;
	x = strtod(s, &end);
	if (end == s || errno || !(x >= 0)) {
		errno = saved;
		return -1;
	}
	errno = saved;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		x = x * units[i].ns + 0.5;
		if (x >= 18446744073709551616.0) /* 2^64 */
			return -1;
		*ns = (uint64_t)x;
		return 0;
	}
	return -1;
}

static uint8_t *put_be64(uint8_t *p, uint64_t v)
{
	p = vt_put_be32(p, (uint32_t)(v >> 32));
	return vt_put_be32(p, (uint32_t)v);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint8_t *vt_put_int(uint8_t *p, int64_t v)
{
	if (v >= 0)
		return vt_put_uint(p, (uint64_t)v);
	if (v >= -32) {
		*p = (uint8_t)(int8_t)v;
		return p + 1;
	}
	if (v >= INT8_MIN) {
		p[0] = 0xd0;
		p[1] = (uint8_t)(int8_t)v;
		return p + 2;
	}
	if (v >= INT16_MIN) {
		*p = 0xd1;
		return vt_put_be16(p + 1, (uint16_t)(int16_t)v);
	}
	if (v >= INT32_MIN) {
		*p = 0xd2;
		return vt_put_be32(p + 1, (uint32_t)(int32_t)v);
	}
	*p = 0xd3;
	return put_be64(p + 1, (uint64_t)v);
}

uint8_t *vt_put_array(uint8_t *p, uint32_t n)
{
	if (n < 16) {
		*p = (uint8_t)(0x90 | n);
		return p + 1;
	}
	if (n < 65536) {
		*p = 0xdc;
		return vt_put_be16(p + 1, (uint16_t)n);
	}
	*p = 0xdd;
	return vt_put_be32(p + 1, n);
}

uint8_t *vt_put_map(uint8_t *p, uint32_t n)
{
	if (n < 16) {
		*p = (uint8_t)(0x80 | n);
		return p + 1;
	}
	if (n < 65536) {
		*p = 0xde;
		return vt_put_be16(p + 1, (uint16_t)n);
	}
	*p = 0xdf;
	return vt_put_be32(p + 1, n);
}

uint8_t *vt_put_str(uint8_t *p, const char *s, size_t len)
{
	if (len > VT_DEF_STR_MAX)
		len = VT_DEF_STR_MAX;
	if (len < 32) {
		*p++ = (uint8_t)(0xa0 | len);
	} else if (len < 256) {
		*p++ = 0xd9;
		*p++ = (uint8_t)len;
	} else {
		*p++ = 0xda;
		p = vt_put_be16(p, (uint16_t)len);
	}
	if (len)
		memcpy(p, s, len);
	return p + len;
}

uint8_t *vt_put_def(uint8_t *p, uint32_t id, unsigned kind, const char *name, size_t name_len,
		    const char *file, size_t file_len, uint32_t line)
{
	*p++ = 0x96;
	*p++ = VT_REC_DEF;
	p = vt_put_uint(p, id);
	p = vt_put_uint(p, kind);
	p = vt_put_str(p, name, name_len);
	p = vt_put_str(p, file, file_len);
	return vt_put_uint(p, line);
}

uint8_t *vt_put_sync(uint8_t *p, uint64_t clock, uint64_t mono_ns)
{
	*p++ = 0x93;
	*p++ = VT_REC_SYNC;
	p = vt_put_uint(p, clock);
	return vt_put_uint(p, mono_ns);
}

uint8_t *vt_put_end(uint8_t *p, uint64_t clock, uint64_t mono_ns, unsigned reason)
{
	*p++ = 0x94;
	*p++ = VT_REC_END;
	p = vt_put_uint(p, clock);
	p = vt_put_uint(p, mono_ns);
	return vt_put_uint(p, reason);
}

uint8_t *vt_put_lost(uint8_t *p, uint64_t dt, uint64_t count, const char *reason)
{
	*p++ = 0x94;
	*p++ = VT_REC_LOST;
	p = vt_put_uint(p, dt);
	p = vt_put_uint(p, count);
	return vt_put_str(p, reason, strlen(reason));
}

uint8_t *vt_put_text_rec(uint8_t *p, unsigned kind, uint64_t dt, const char *text, size_t len)
{
	*p++ = 0x93;
	*p++ = (uint8_t)kind;
	p = vt_put_uint(p, dt);
	return vt_put_str(p, text, len);
}

uint8_t *vt_put_exit(uint8_t *p, uint64_t dt, unsigned how, int64_t code)
{
	*p++ = 0x94;
	*p++ = VT_REC_EXIT;
	p = vt_put_uint(p, dt);
	p = vt_put_uint(p, how);
	return vt_put_int(p, code);
}

uint8_t *vt_put_fork(uint8_t *p, uint64_t dt, uint32_t child)
{
	*p++ = 0x93;
	*p++ = VT_REC_FORK;
	p = vt_put_uint(p, dt);
	return vt_put_uint(p, child);
}

uint8_t *vt_put_stack(uint8_t *p, uint64_t dt, uint32_t depth)
{
	*p++ = 0x93;
	*p++ = VT_REC_STACK;
	p = vt_put_uint(p, dt);
	return vt_put_uint(p, depth);
}

uint8_t *vt_put_stack_ids(uint8_t *p, uint64_t dt, uint32_t depth, const uint32_t *ids,
			  uint32_t n)
{
	*p++ = 0x94;
	*p++ = VT_REC_STACK;
	p = vt_put_uint(p, dt);
	p = vt_put_uint(p, depth);
	p = vt_put_array(p, n);
	for (uint32_t i = 0; i < n; i++)
		p = vt_put_uint(p, ids[i]);
	return p;
}

uint8_t *vt_put_retval(uint8_t *p, const char *text, size_t len)
{
	*p++ = 0x92;
	*p++ = VT_REC_RETVAL;
	return vt_put_str(p, text, len);
}

uint8_t *vt_put_open(uint8_t *p, const uint32_t *ids, uint32_t n)
{
	*p++ = 0x92;
	*p++ = VT_REC_OPEN;
	p = vt_put_array(p, n);
	for (uint32_t i = 0; i < n; i++)
		p = vt_put_uint(p, ids[i]);
	return p;
}

uint8_t *vt_put_kv_text(uint8_t *p, const char *key, size_t klen, const char *text,
			size_t tlen)
{
	p = vt_put_str(p, key, klen);
	return vt_put_str(p, text, tlen);
}

uint8_t *vt_put_args_head(uint8_t *p, uint32_t pairs)
{
	*p++ = 0x92;
	*p++ = VT_REC_ARGS;
	return vt_put_array(p, 2 * pairs);
}

/* the key/value array @kv, or [] */
static uint8_t *put_kv(uint8_t *p, const void *kv, size_t kv_len)
{
	if (!kv_len) {
		*p = 0x90;
		return p + 1;
	}
	memcpy(p, kv, kv_len);
	return p + kv_len;
}

uint8_t *vt_put_span_b(uint8_t *p, uint64_t dt, uint32_t id, const void *kv, size_t kv_len)
{
	*p++ = 0x94;
	*p++ = VT_REC_SPAN_B;
	p = vt_put_uint(p, dt);
	p = vt_put_uint(p, id);
	return put_kv(p, kv, kv_len);
}

uint8_t *vt_put_span_e(uint8_t *p, uint64_t dt, const void *kv, size_t kv_len)
{
	*p++ = 0x93;
	*p++ = VT_REC_SPAN_E;
	p = vt_put_uint(p, dt);
	return put_kv(p, kv, kv_len);
}

uint8_t *vt_put_kv_rec(uint8_t *p, unsigned kind, uint64_t dt, const char *name,
		       size_t name_len, const void *kv, size_t kv_len)
{
	*p++ = 0x94;
	*p++ = (uint8_t)kind;
	p = vt_put_uint(p, dt);
	p = vt_put_str(p, name, name_len);
	return put_kv(p, kv, kv_len);
}

/* the keys of a list, counted */
#define VT_KEY_ONE(key, type, meaning) +1
enum { VT_HEADER_NKEYS = 0 VT_HEADER_KEYS(VT_KEY_ONE), VT_PROC_NKEYS = 0 VT_PROC_KEYS(VT_KEY_ONE) };
#undef VT_KEY_ONE

static uint8_t *put_key(uint8_t *p, const char *key)
{
	return vt_put_str(p, key, strlen(key));
}

/* an ARGV: NUL-separated arguments as an array of str (a last one without its NUL too) */
static uint8_t *put_argv(uint8_t *p, const char *buf, size_t n)
{
	uint32_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += buf[i] == 0;
	if (n > 0 && buf[n - 1] != 0)
		count++; /* cut short: the last argument has no NUL */
	p = vt_put_array(p, count);
	for (size_t i = 0; i < n;) {
		size_t len = strnlen(buf + i, n - i);

		p = vt_put_str(p, buf + i, len);
		i += len + 1;
	}
	return p;
}

static size_t hdr_str_len(size_t len)
{
	return len < VT_HEADER_STR_MAX ? len : VT_HEADER_STR_MAX;
}

size_t vt_put_header(uint8_t buf[VT_HEADER_BUF], const struct vt_header_keys *h)
{
	uint8_t *p = buf + VT_FILE_PREFIX_LEN;

	p = vt_put_map(p, VT_HEADER_NKEYS);
#define PUT_STR(key) p = vt_put_str(put_key(p, #key), h->key, hdr_str_len(h->key##_len));
#define PUT_U64(key) p = vt_put_uint(put_key(p, #key), h->key);
#define PUT(key, type, meaning) PUT_##type(key)
	VT_HEADER_KEYS(PUT)
#undef PUT
#undef PUT_STR
#undef PUT_U64
	vt_file_prefix(buf, (uint32_t)(p - buf - VT_FILE_PREFIX_LEN));
	return (size_t)(p - buf);
}

uint8_t *vt_put_proc(uint8_t *p, const struct vt_proc_keys *h)
{
	*p++ = 0x92;
	*p++ = VT_REC_PROC;
	p = vt_put_map(p, VT_PROC_NKEYS);
#define PUT_STR(key) p = vt_put_str(put_key(p, #key), h->key, h->key##_len);
#define PUT_ARGV(key) p = put_argv(put_key(p, #key), h->key, h->key##_len);
#define PUT_U64(key) p = vt_put_uint(put_key(p, #key), h->key);
#define PUT(key, type, meaning) PUT_##type(key)
	VT_PROC_KEYS(PUT)
#undef PUT
#undef PUT_STR
#undef PUT_ARGV
#undef PUT_U64
	return p;
}

void vt_file_prefix(uint8_t out[VT_FILE_PREFIX_LEN], uint32_t hdr_len)
{
	memcpy(out, VT_MAGIC, VT_MAGIC_LEN);
	out[8] = VT_FORMAT_MAJOR & 0xff;
	out[9] = VT_FORMAT_MAJOR >> 8;
	out[10] = VT_FORMAT_MINOR & 0xff;
	out[11] = VT_FORMAT_MINOR >> 8;
	put_le32(out + 12, hdr_len);
}

void vt_chunk_header(uint8_t out[VT_CHUNK_HDR_LEN], uint32_t raw_len, uint32_t comp_len)
{
	put_le32(out, VT_CHUNK_MAGIC);
	put_le32(out + 4, raw_len);
	put_le32(out + 8, comp_len);
}

int vt_parse_prefix(const uint8_t *buf, size_t len, unsigned *major, unsigned *minor,
		    uint32_t *hdr_len)
{
	if (len < VT_MAGIC_LEN)
		return memcmp(buf, VT_MAGIC, len) ? -VT_ERR_BAD_MAGIC : -VT_ERR_TRUNCATED;
	if (memcmp(buf, VT_MAGIC, VT_MAGIC_LEN))
		return -VT_ERR_BAD_MAGIC;
	if (len < VT_FILE_PREFIX_LEN)
		return -VT_ERR_TRUNCATED;
	*major = get_le16(buf + 8);
	*minor = get_le16(buf + 10);
	*hdr_len = get_le32(buf + 12);
	if (*major < VT_FORMAT_MAJOR_MIN || *major > VT_FORMAT_MAJOR)
		return -VT_ERR_VERSION;
	if (*hdr_len > VT_HEADER_MAX)
		return -VT_ERR_TOO_BIG;
	return 0;
}

int vt_parse_chunk_header(const uint8_t *buf, size_t len, uint32_t *raw_len, uint32_t *comp_len)
{
	if (len < VT_CHUNK_HDR_LEN)
		return -VT_ERR_TRUNCATED;
	if (get_le32(buf) != VT_CHUNK_MAGIC)
		return -VT_ERR_CHUNK;
	*raw_len = get_le32(buf + 4);
	*comp_len = get_le32(buf + 8);
	/* lz4 never expands data by more than 1/255 + 16 bytes */
	if (*raw_len > VT_CHUNK_MAX_RAW || *comp_len > *raw_len + *raw_len / 255 + 16 ||
	    *comp_len == 0)
		return -VT_ERR_TOO_BIG;
	return 0;
}
