/*
 * reader.c - one trace file to a stream of records with times in ns.
 *
 * A chunk is decompressed and all its records decoded before any is returned, so that
 * the chunk's clock anchors (a SYNC at its start, a SYNC or END at its end) give the
 * tick rate used for every record in it. Strings in records point into the decompressed
 * chunk, which lives until the next chunk is read.
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "tools/json.h"
#include "tools/reader.h"

/* A chunk shorter than this (in ns) gives a poor tick rate; use the header's instead. */
#define MIN_RATE_SPAN_NS 1000000u

static int fail(struct vt_reader *r, int err, size_t off, const char *fmt, ...)
{
	va_list ap;

	r->err = err;
	r->err_off = off;
	va_start(ap, fmt);
	vsnprintf(r->err_msg, sizeof(r->err_msg), fmt, ap);
	va_end(ap);
	return err;
}

/* read @n bytes at @off of the file into @buf; the bytes read */
static size_t read_at(int fd, void *buf, size_t n, size_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got;
}

/*
 * Only the prefix and header are read here; chunks are read one at a time as they are
 * decoded, so memory does not grow with the file. A file still being written may grow
 * while we read: what was there at fstat is what is read.
 */
static int read_file(struct vt_reader *r, const char *path)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO planted in the directory must not hang us (fstat rejects it) */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	size_t want, got;
	unsigned major, minor;
	uint32_t hlen;

	if (fd < 0)
		return fail(r, -VT_ERR_TRUNCATED, 0, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(r, -VT_ERR_BAD_MAGIC, 0, "not a regular file");
	}
	r->size = (size_t)st.st_size;
	want = r->size < 4096 ? r->size : 4096;
	r->data = malloc(want + 1);
	if (!r->data)
		abort();
	got = read_at(fd, r->data, want, 0);
	/* a header longer than that (it never is): read it whole, up to 1 MiB */
	if (got == want && vt_parse_prefix(r->data, got, &major, &minor, &hlen) == 0 &&
	    (size_t)hlen + VT_FILE_PREFIX_LEN > got && hlen <= (1u << 20)) {
		want = (size_t)hlen + VT_FILE_PREFIX_LEN;
		if (want > r->size)
			want = r->size;
		r->data = xrealloc(r->data, want + 1);
		got = read_at(fd, r->data, want, 0);
	}
	close(fd);
	if (got < want)
		r->size = got; /* it shrank: what could be read is the file */
	r->head = got;
	return 0;
}

static void copy_str(char *dst, size_t cap, const char *s, size_t len)
{
	if (!s)
		len = 0;
	if (len >= cap)
		len = cap - 1;
	if (len)
		memcpy(dst, s, len);
	dst[len] = 0;
}

static int parse_header(struct vt_reader *r)
{
	msgpack_unpacked u;
	struct vt_header_keys h;
	size_t off = 0;
	uint32_t hlen;
	int rc = vt_parse_prefix(r->data, r->head, &r->major, &r->minor, &hlen);

	if (rc == -VT_ERR_VERSION)
		return fail(r, rc, 8,
			    "format version %u.%u is not supported (this vt-convert reads %u.x to %u.x)",
			    r->major, r->minor, VT_FORMAT_MAJOR_MIN, VT_FORMAT_MAJOR);
	if (rc == -VT_ERR_TRUNCATED)
		return fail(r, rc, r->size, "file too short for a header (%zu bytes)", r->size);
	if (rc < 0)
		return fail(r, rc, 0, "%s", vt_strerror(rc));
	if (r->size < VT_FILE_PREFIX_LEN + (size_t)hlen)
		return fail(r, -VT_ERR_TRUNCATED, r->size,
			    "truncated header (needs %u bytes, %zu present)", hlen,
			    r->size - VT_FILE_PREFIX_LEN);
	if (r->head < VT_FILE_PREFIX_LEN + (size_t)hlen)
		return fail(r, -VT_ERR_TOO_BIG, 8, "header of %u bytes: too large", hlen);
	msgpack_unpacked_init(&u);
	if (vt_msgpack_check(r->data + VT_FILE_PREFIX_LEN, hlen) < 0 ||
	    msgpack_unpack_next(&u, (const char *)r->data + VT_FILE_PREFIX_LEN, hlen, &off) !=
		    MSGPACK_UNPACK_SUCCESS ||
	    u.data.type != MSGPACK_OBJECT_MAP) {
		msgpack_unpacked_destroy(&u);
		return fail(r, -VT_ERR_MSGPACK, VT_FILE_PREFIX_LEN, "corrupt header map");
	}
	vt_header_read(&u.data, &h);
	copy_str(r->kind, sizeof(r->kind), h.kind, h.kind_len);
	r->pid = h.pid;
	r->ppid = h.ppid;
	r->tid = h.tid;
	r->token = h.token;
	r->clock_tsc = h.clock && h.clock_len == 3 && !memcmp(h.clock, VT_CLOCK_TSC, 3);
	r->tsc_hz = h.tsc_hz;
	r->clock0 = h.clock0;
	r->mono0 = h.mono0;
	r->real0 = h.real0;
	copy_str(r->py, sizeof(r->py), h.py, h.py_len);
	r->ring = h.mode && h.mode_len == 4 && !memcmp(h.mode, "ring", 4);
	msgpack_unpacked_destroy(&u);
	if (strcmp(r->kind, "thread") && strcmp(r->kind, "process"))
		return fail(r, -VT_ERR_RECORD, VT_FILE_PREFIX_LEN, "unknown file kind '%s'",
			    r->kind);
	r->off = VT_FILE_PREFIX_LEN + hlen;
	return 0;
}

int vt_reader_open(struct vt_reader *r, const char *path)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->path = xstrndup(path, strlen(path));
	r->decoder = malloc(sizeof(struct vt_decoder));
	if (!r->decoder)
		abort();
	vt_decoder_init(r->decoder);
	rc = read_file(r, path);
	if (rc < 0)
		return rc;
	rc = parse_header(r);
	/* the file's records: from 2.0 a bare integer is a RET */
	((struct vt_decoder *)r->decoder)->major = r->major;
	return rc;
}

uint64_t vt_reader_raw_bytes(const struct vt_reader *r)
{
	int fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	uint64_t sum = 0;
	size_t off = r->off;
	uint8_t hdr[VT_CHUNK_HDR_LEN];

	if (fd < 0)
		return 0;
	while (off + VT_CHUNK_HDR_LEN <= r->size &&
	       read_at(fd, hdr, VT_CHUNK_HDR_LEN, off) == VT_CHUNK_HDR_LEN) {
		uint32_t raw_len, comp_len;

		if (vt_parse_chunk_header(hdr, r->size - off, &raw_len, &comp_len) < 0)
			break;
		sum += raw_len;
		off += VT_CHUNK_HDR_LEN + (size_t)comp_len;
	}
	close(fd);
	return sum;
}

/* the last chunk is read: the descriptor and the chunk buffers go (many files are
 * converted, few at once; the events of the last chunk have been used) */
static void reader_done(struct vt_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->comp);
	free(r->raw);
	free(r->ev);
	r->comp = r->raw = NULL;
	r->ev = NULL;
	r->comp_cap = r->raw_cap = r->ev_cap = 0;
	r->nev = r->ev_pos = 0;
}

void vt_reader_close(struct vt_reader *r)
{
	if (r->decoder) {
		vt_decoder_release(r->decoder);
		free(r->decoder);
	}
	reader_done(r);
	free(r->path);
	free(r->data);
	free(r->ids);
	free(r->text);
	free(r->nums);
	free(r->argv);
	free(r->exe);
	free(r->cwd);
	memset(r, 0, sizeof(*r));
}

/* PROC: keep what the converter needs; the map lives only until the next decode. Its keys
 * are read by the codec (vt_proc_read, from the one list VT_PROC_KEYS). */
static void take_proc(struct vt_reader *r, const msgpack_object *map)
{
	struct vt_proc_keys p;
	const msgpack_object *argv;
	size_t len = 0, total = 0;

	if (vt_proc_read(map, &p) < 0)
		return;
	argv = p.argv_obj;
	if (argv && argv->type == MSGPACK_OBJECT_ARRAY) {
		for (uint32_t i = 0; i < argv->via.array.size; i++)
			if (argv->via.array.ptr[i].type == MSGPACK_OBJECT_STR)
				total += argv->via.array.ptr[i].via.str.size + 1;
		free(r->argv);
		r->argv = xmalloc(total + 1);
		for (uint32_t i = 0; i < argv->via.array.size; i++) {
			const msgpack_object *a = &argv->via.array.ptr[i];

			if (a->type != MSGPACK_OBJECT_STR)
				continue;
			if (len)
				r->argv[len++] = ' ';
			memcpy(r->argv + len, a->via.str.ptr, a->via.str.size);
			len += a->via.str.size;
		}
		r->argv[len] = 0;
	}
	if (p.exe) {
		free(r->exe);
		r->exe = xstrndup(p.exe, p.exe_len);
	}
	if (p.cwd) {
		free(r->cwd);
		r->cwd = xstrndup(p.cwd, p.cwd_len);
	}
	/* an absent (or not numeric) ppid keeps the one the header gave */
	if (p.ppid || vt_map_u64(map, "ppid", 1) == 0)
		r->ppid = p.ppid;
	r->min_dur = p.min_dur;
}

static void text_room(struct vt_reader *r, size_t n)
{
	if (r->ntext + n > r->text_cap) {
		r->text_cap = (r->ntext + n) * 2 + 256;
		r->text = xrealloc(r->text, r->text_cap);
	}
}

static void text_str(struct vt_reader *r, const char *s, size_t n)
{
	text_room(r, vt_json_escape_bound(n));
	r->ntext += vt_json_escape(r->text + r->ntext, s, n);
}

/* a [key, value, ...] array as a JSON object, kept in r->text; returns its offset */
static size_t render_kv(struct vt_reader *r, const msgpack_object *a, size_t *len)
{
	size_t start = r->ntext;

	text_room(r, 2);
	r->text[r->ntext++] = '{';
	for (uint32_t i = 0; i + 1 < a->via.array.size; i += 2) {
		const msgpack_object *k = &a->via.array.ptr[i], *v = &a->via.array.ptr[i + 1];
		char num[40]; /* >= VT_JSON_DOUBLE_MAX */

		if (i) {
			text_room(r, 1);
			r->text[r->ntext++] = ',';
		}
		if (k->type == MSGPACK_OBJECT_STR)
			text_str(r, k->via.str.ptr, k->via.str.size);
		else
			text_str(r, "?", 1);
		text_room(r, 1);
		r->text[r->ntext++] = ':';
		switch (v->type) {
		case MSGPACK_OBJECT_STR:
			text_str(r, v->via.str.ptr, v->via.str.size);
			continue;
		case MSGPACK_OBJECT_POSITIVE_INTEGER:
			snprintf(num, sizeof(num), "%llu", (unsigned long long)v->via.u64);
			break;
		case MSGPACK_OBJECT_NEGATIVE_INTEGER:
			snprintf(num, sizeof(num), "%lld", (long long)v->via.i64);
			break;
		case MSGPACK_OBJECT_FLOAT32:
		case MSGPACK_OBJECT_FLOAT64:
			vt_json_double(num, v->via.f64);
			break;
		case MSGPACK_OBJECT_BOOLEAN:
			snprintf(num, sizeof(num), "%s", v->via.boolean ? "true" : "false");
			break;
		default:
			snprintf(num, sizeof(num), "null");
			break;
		}
		text_room(r, strlen(num));
		memcpy(r->text + r->ntext, num, strlen(num));
		r->ntext += strlen(num);
	}
	text_room(r, 1);
	r->text[r->ntext++] = '}';
	*len = r->ntext - start;
	return start;
}

static void push_number(struct vt_reader *r, const char *key, size_t len, double v)
{
	if (r->nnums == r->nums_cap) {
		r->nums_cap = r->nums_cap * 2 + 64;
		r->nums = xrealloc(r->nums, r->nums_cap * sizeof(*r->nums));
	}
	r->nums[r->nnums++] = (struct vt_number){ key, len, v };
}

/*
 * a counter's [key, value, ...] array: its numbers, as render_kv gives them to JSON (not
 * null: a NaN or infinity), for the outputs that draw them; returns the first's index
 */
static int64_t take_numbers(struct vt_reader *r, const msgpack_object *a)
{
	size_t start = r->nnums;

	for (uint32_t i = 0; i + 1 < a->via.array.size; i += 2) {
		const msgpack_object *k = &a->via.array.ptr[i], *v = &a->via.array.ptr[i + 1];
		const char *key = k->type == MSGPACK_OBJECT_STR ? k->via.str.ptr : "?";
		size_t klen = k->type == MSGPACK_OBJECT_STR ? k->via.str.size : 1;
		double x;

		if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			x = (double)v->via.u64;
		else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
			x = (double)v->via.i64;
		else if ((v->type == MSGPACK_OBJECT_FLOAT32 || v->type == MSGPACK_OBJECT_FLOAT64) &&
			 vt_json_holds(v->via.f64))
			x = v->via.f64;
		else
			continue;
		push_number(r, key, klen, x);
	}
	push_number(r, NULL, 0, 0);
	return (int64_t)start;
}

/* ticks -> ns for the records of one chunk, from its anchors */
static void time_chunk(struct vt_reader *r)
{
	uint64_t c0 = 0, m0 = 0, c1 = 0, m1 = 0;
	int have0 = 0, have1 = 0;
	double rate;

	for (size_t i = 0; i < r->nev; i++) {
		const struct vt_record *x = &r->ev[i].r;

		if (x->kind != VT_REC_SYNC && x->kind != VT_REC_END)
			continue;
		if (!have0) {
			c0 = x->clock;
			m0 = x->mono_ns;
			have0 = 1;
		} else {
			c1 = x->clock;
			m1 = x->mono_ns;
			have1 = 1;
		}
	}
	if (!r->clock_tsc) {
		for (size_t i = 0; i < r->nev; i++)
			r->ev[i].ns = r->ev[i].r.clock + r->shift;
		return;
	}
	if (have1 && c1 > c0 && m1 > m0 && m1 - m0 >= MIN_RATE_SPAN_NS)
		rate = (double)(m1 - m0) / (double)(c1 - c0);
	else if (r->tsc_hz)
		rate = 1e9 / (double)r->tsc_hz;
	else if (have1 && c1 > c0 && m1 >= m0)
		rate = (double)(m1 - m0) / (double)(c1 - c0);
	else
		rate = 1.0;
	for (size_t i = 0; i < r->nev; i++) {
		int64_t d = (int64_t)(r->ev[i].r.clock - c0);
		double x = (double)d * rate;
		/* a damaged chunk's deltas can add up to anything: clamp, and add unsigned */
		int64_t o = x >= 9.2e18 ? INT64_MAX : x <= -9.2e18 ? INT64_MIN : llround(x);

		r->ev[i].ns = m0 + (uint64_t)o + r->shift;
	}
}

/* Decompress and decode the chunk at r->off. 1: got one, 0: end of file, <0: error. */
static int load_chunk(struct vt_reader *r)
{
	size_t n;
	uint32_t raw_len, comp_len;
	const uint8_t *p;
	uint64_t clock = 0;
	int have_base = 0, rc;
	struct vt_decoder *d = r->decoder;

	r->nev = r->ev_pos = 0;
	r->nids = 0;
	r->ntext = 0;
	r->nnums = 0;
	if (r->off >= r->size) {
		reader_done(r);
		return 0;
	}
	r->chunk_off = r->off;
	if (r->fd < 0) {
		r->fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (r->fd < 0)
			return fail(r, -VT_ERR_TRUNCATED, r->off, "cannot open again: %s",
				    strerror(errno));
	}
	if (r->comp_cap < VT_CHUNK_HDR_LEN) {
		r->comp = xrealloc(r->comp, 1 << 16);
		r->comp_cap = 1 << 16;
	}
	n = r->size - r->off < VT_CHUNK_HDR_LEN ? r->size - r->off : VT_CHUNK_HDR_LEN;
	if (read_at(r->fd, r->comp, n, r->off) < n)
		return fail(r, -VT_ERR_TRUNCATED, r->off, "cannot read: %s",
			    errno ? strerror(errno) : "the file shrank");
	p = r->comp;
	rc = vt_parse_chunk_header(p, r->size - r->off, &raw_len, &comp_len);
	if (rc == -VT_ERR_TRUNCATED) {
		r->truncated_tail = 1;
		return fail(r, rc, r->off, "truncated chunk header (%zu bytes left)",
			    r->size - r->off);
	}
	if (rc == -VT_ERR_CHUNK)
		return fail(r, rc, r->off, "bad chunk magic");
	if (rc < 0)
		return fail(r, rc, r->off, "impossible chunk lengths (raw %u, compressed %u)",
			    raw_len, comp_len);
	if (r->size - r->off - VT_CHUNK_HDR_LEN < comp_len) {
		r->truncated_tail = 1;
		return fail(r, -VT_ERR_TRUNCATED, r->off,
			    "truncated chunk (needs %u bytes, %zu present)", comp_len,
			    r->size - r->off - VT_CHUNK_HDR_LEN);
	}
	if (r->comp_cap < VT_CHUNK_HDR_LEN + (size_t)comp_len) {
		r->comp = xrealloc(r->comp, VT_CHUNK_HDR_LEN + (size_t)comp_len);
		r->comp_cap = VT_CHUNK_HDR_LEN + (size_t)comp_len;
	}
	p = r->comp;
	if (read_at(r->fd, r->comp + VT_CHUNK_HDR_LEN, comp_len, r->off + VT_CHUNK_HDR_LEN) <
	    comp_len)
		return fail(r, -VT_ERR_TRUNCATED, r->off, "cannot read: %s",
			    errno ? strerror(errno) : "the file shrank");
	if (r->raw_cap < raw_len) {
		r->raw = xrealloc(r->raw, raw_len);
		r->raw_cap = raw_len;
	}
	rc = LZ4_decompress_safe((const char *)p + VT_CHUNK_HDR_LEN, (char *)r->raw,
				 (int)comp_len, (int)raw_len);
	if (rc != (int)raw_len)
		return fail(r, -VT_ERR_LZ4, r->off, "%s", vt_strerror(VT_ERR_LZ4));
	r->off += VT_CHUNK_HDR_LEN + comp_len;
	r->chunks++;
	vt_decoder_reset(d, r->raw, raw_len);
	for (;;) {
		struct vt_record rec;

		rc = vt_decoder_next(d, &rec);
		if (rc == 0)
			break;
		if (rc < 0) {
			/* keep what decoded before the bad record */
			fail(r, rc, r->chunk_off, "%s at byte %zu of the chunk's %u decompressed bytes",
			     vt_strerror(rc), d->off, raw_len);
			break;
		}
		switch (rec.kind) {
		case VT_REC_SYNC:
		case VT_REC_END:
			clock = rec.clock;
			have_base = 1;
			break;
		case VT_REC_DEF:
		case VT_REC_PROC:
		case VT_REC_OPEN:
		case VT_REC_ARGS:
		case VT_REC_RETVAL:
			rec.clock = clock; /* untimed: they belong to the record before or after */ /* untimed: they happen at the time of the record before */
			break;
		default:
			if (!have_base) {
				fail(r, -VT_ERR_RECORD, r->chunk_off,
				     "chunk does not start with a clock anchor");
				goto out;
			}
			clock += rec.dt;
			rec.clock = clock;
			break;
		}
		if (rec.kind == VT_REC_PROC) {
			take_proc(r, rec.obj);
			rec.obj = NULL;
		}
		if (rec.kind == VT_REC_ARGS || rec.kind == VT_REC_COUNTER ||
		    rec.kind == VT_REC_INSTANT || rec.kind == VT_REC_SPAN_B ||
		    rec.kind == VT_REC_SPAN_E) {
			size_t len;

			if (rec.kind == VT_REC_COUNTER)
				rec.code = take_numbers(r, rec.obj);
			rec.id = render_kv(r, rec.obj, &len);
			rec.count = len;
			rec.obj = NULL;
		}
		if ((rec.kind == VT_REC_OPEN || rec.kind == VT_REC_STACK) && rec.obj) {
			/* the array lives only until the next decode: keep the ids here */
			const msgpack_object *a = rec.obj;

			if (r->nids + a->via.array.size > r->ids_cap) {
				r->ids_cap = (r->nids + a->via.array.size) * 2 + 64;
				r->ids = xrealloc(r->ids, r->ids_cap * sizeof(*r->ids));
			}
			rec.id = r->nids;
			for (uint32_t k = 0; k < a->via.array.size; k++)
				r->ids[r->nids++] = (uint32_t)a->via.array.ptr[k].via.u64;
			rec.obj = NULL;
		}
		if (r->nev == r->ev_cap) {
			r->ev_cap = r->ev_cap ? r->ev_cap * 2 : 4096;
			r->ev = xrealloc(r->ev, r->ev_cap * sizeof(*r->ev));
		}
		r->ev[r->nev++].r = rec;
	}
out:
	time_chunk(r);
	for (size_t i = 0; i < r->nev; i++) {
		if (r->ev[i].r.kind == VT_REC_EXIT) {
			r->has_exit = 1;
			r->exit_how = (unsigned)r->ev[i].r.count;
			r->exit_code = r->ev[i].r.code;
			r->exit_ns = r->ev[i].ns;
		}
	}
	return r->nev ? 1 : (r->err ? r->err : 0);
}

int vt_reader_next(struct vt_reader *r, struct vt_event **ev)
{
	int rc;

	while (r->ev_pos >= r->nev) {
		if (r->err || r->off >= r->size) {
			reader_done(r);
			return 0;
		}
		rc = load_chunk(r);
		if (rc < 0) {
			r->nev = r->ev_pos = 0;
			reader_done(r);
			return 0;
		}
		/* rc == 0: a chunk with no records; go on to the next */
	}
	*ev = &r->ev[r->ev_pos++];
	return 1;
}
