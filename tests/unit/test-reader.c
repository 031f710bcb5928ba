/*
 * test-reader.c - tools/reader.c: real trace files written to a temp dir with the
 * encoder (tests/unit/tracegen.h), read back record by record.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/reader.h"
#include "tests/unit/tracegen.h"

static char g_dir[64];
static char g_path[600];
static struct vt_reader g_r;
static struct tg_file g_f;

static void setup(void)
{
	strcpy(g_dir, "/tmp/vt-test-reader-XXXXXX");
	cr_assert_not_null(mkdtemp(g_dir));
	snprintf(g_path, sizeof(g_path), "%s/p4242.1234567890abcdef.t4243.vt", g_dir);
	tg_init(&g_f);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	vt_reader_close(&g_r);
	tg_release(&g_f);
	nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(reader, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------------------ */

#define MAX_EV 4096

static struct got {
	struct vt_event ev[MAX_EV];
	size_t n;
} g_got;

/* open g_path and read every record; the reader's return code from open */
static int read_all(struct got *g)
{
	struct vt_event *e;
	int rc;

	vt_reader_close(&g_r);
	g->n = 0;
	rc = vt_reader_open(&g_r, g_path);
	if (rc < 0) {
		cr_assert_eq(g_r.err, rc, "open returned %d but r->err is %d", rc, g_r.err);
		cr_assert_neq(g_r.err_msg[0], 0, "an error without a message");
		/* reading on after a failed open must be harmless */
		cr_assert_eq(vt_reader_next(&g_r, &e), 0);
		return rc;
	}
	cr_assert_eq(rc, 0);
	while (vt_reader_next(&g_r, &e) == 1) {
		cr_assert_lt(g->n, MAX_EV, "too many records");
		g->ev[g->n++] = *e;
	}
	cr_assert_eq(vt_reader_next(&g_r, &e), 0, "the end stays the end");
	if (g_r.err)
		cr_assert_neq(g_r.err_msg[0], 0, "an error without a message");
	return 0;
}

static void write_file(void)
{
	cr_assert_eq(tg_write(&g_f, g_path), 0, "cannot write %s", g_path);
}

static void assert_ev(const struct got *g, size_t i, unsigned kind, uint64_t ns)
{
	cr_assert_lt(i, g->n, "record %zu missing (only %zu)", i, g->n);
	cr_assert_eq(g->ev[i].r.kind, kind, "record %zu: kind %u, wanted %u", i, g->ev[i].r.kind,
		     kind);
	cr_assert_eq(g->ev[i].ns, ns, "record %zu (kind %u): ns %llu, wanted %llu", i, kind,
		     (unsigned long long)g->ev[i].ns, (unsigned long long)ns);
}

/* a small thread stream in ns: SYNC at @base, calls and returns, SYNC at the end.
 * Returns the raw length; 8 records; times base+0,5,15,22,25,25,30,30 */
static size_t ns_chunk(uint8_t *raw, uint64_t base)
{
	uint8_t *p = raw;

	p = vt_put_sync(p, base, base);
	p = vt_put_def(p, 0, VT_DEF_PY, "fib", 3, "/tmp/f.py", 9, 1);
	p = vt_put_call(p, VT_REC_CALL, 0, 5);
	p = vt_put_call(p, VT_REC_CALL, 0, 10);
	p = vt_put_dt_rec(p, VT_REC_RET, 7);
	p = vt_put_dt_rec(p, VT_REC_RET, 3);
	p = vt_put_text_rec(p, VT_REC_TNAME, 5, "MainThread", 10);
	p = vt_put_sync(p, base + 30, base + 30);
	return (size_t)(p - raw);
}

static void check_ns_chunk(const struct got *g, size_t at, uint64_t base)
{
	size_t i = at;

	assert_ev(g, i++, VT_REC_SYNC, base);
	cr_assert_eq(g->ev[i].r.kind, VT_REC_DEF);
	cr_assert_eq(g->ev[i].r.s1_len, 3); /* the text itself dies with its chunk */
	i++;
	assert_ev(g, i++, VT_REC_CALL, base + 5);
	assert_ev(g, i++, VT_REC_CALL, base + 15);
	assert_ev(g, i++, VT_REC_RET, base + 22);
	assert_ev(g, i++, VT_REC_RET, base + 25);
	assert_ev(g, i++, VT_REC_TNAME, base + 30);
	assert_ev(g, i++, VT_REC_SYNC, base + 30);
}

/* ---- headers ------------------------------------------------------------------------------ */

Test(reader, header_fields)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;

	h.clock = VT_CLOCK_TSC;
	h.tsc_hz = 2900000000ull;
	h.pid = 0xfffffff0u;
	h.ppid = 3;
	h.tid = 65536;
	h.token = UINT64_MAX;
	h.clock0 = 11;
	h.mono0 = 22;
	h.real0 = 33;
	h.py = "3.13.0rc1+";
	h.minor = 4; /* a newer minor version reads fine */
	tg_header(&g_f, &h);
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_str_eq(g_r.kind, "thread");
	cr_assert_eq(g_r.pid, 0xfffffff0u);
	cr_assert_eq(g_r.ppid, 3);
	cr_assert_eq(g_r.tid, 65536);
	cr_assert_eq(g_r.token, UINT64_MAX);
	cr_assert_eq(g_r.clock_tsc, 1);
	cr_assert_eq(g_r.tsc_hz, 2900000000ull);
	cr_assert_eq(g_r.clock0, 11);
	cr_assert_eq(g_r.mono0, 22);
	cr_assert_eq(g_r.real0, 33);
	cr_assert_str_eq(g_r.py, "3.13.0rc1+");
	cr_assert_eq(g_r.major, VT_FORMAT_MAJOR);
	cr_assert_eq(g_r.minor, 4);
	cr_assert_eq(g->n, 0);
	cr_assert_eq(g_r.err, 0);
}

/* an empty thread: header only, no chunk (the thread never flushed) */
Test(reader, empty_thread_file)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;

	tg_header(&g_f, &h);
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g->n, 0);
	cr_assert_eq(g_r.err, 0, "header only is not an error: %s", g_r.err_msg);
	cr_assert_eq(g_r.chunks, 0);
}

Test(reader, bad_magic)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;

	tg_header(&g_f, &h);
	g_f.buf[1] = 'X';
	write_file();
	cr_assert_eq(read_all(g), -VT_ERR_BAD_MAGIC);
	cr_assert_eq(g_r.err_off, 0);
}

Test(reader, future_major_version)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512];

	h.major = VT_FORMAT_MAJOR + 1;
	tg_header(&g_f, &h);
	tg_chunk(&g_f, raw, ns_chunk(raw, 1000));
	write_file();
	cr_assert_eq(read_all(g), -VT_ERR_VERSION);
	cr_assert_eq(g_r.major, VT_FORMAT_MAJOR + 1);
	char want[32];

	snprintf(want, sizeof(want), "%d.%d", VT_FORMAT_MAJOR + 1, h.minor);
	cr_assert(strstr(g_r.err_msg, want), "the message names the version %s: '%s'", want,
		  g_r.err_msg);
	cr_assert_eq(g->n, 0);
}

Test(reader, foreign_text_file)
{
	static const char text[] = "This is not a trace.\nJust some text in the directory.\n";
	struct got *g = &g_got;

	cr_assert_eq(tg_write_bytes(text, sizeof(text) - 1, g_path), 0);
	cr_assert_eq(read_all(g), -VT_ERR_BAD_MAGIC);
	cr_assert_eq(g_r.err_off, 0);
}

Test(reader, empty_and_tiny_foreign_files)
{
	struct got *g = &g_got;

	cr_assert_eq(tg_write_bytes("", 0, g_path), 0);
	cr_assert_eq(read_all(g), -VT_ERR_TRUNCATED, "an empty file is a truncated trace");
	cr_assert_eq(tg_write_bytes("hi\n", 3, g_path), 0);
	cr_assert_eq(read_all(g), -VT_ERR_BAD_MAGIC, "3 bytes that are not the magic");
}

Test(reader, missing_file_and_directory)
{
	struct got *g = &g_got;
	char *msg = strerror(ENOENT);

	cr_assert_lt(read_all(g), 0, "a missing file");
	cr_assert(strstr(g_r.err_msg, msg), "'%s' does not say '%s'", g_r.err_msg, msg);
	strcpy(g_path, g_dir);
	cr_assert_lt(read_all(g), 0, "a directory");
}

Test(reader, header_map_corrupt_or_unknown_kind)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;

	/* the map cut short */
	tg_header(&g_f, &h);
	g_f.buf[12] -= 3;
	g_f.len -= 3;
	write_file();
	cr_assert_lt(read_all(g), 0, "a header map cut short");
	/* not a map */
	tg_release(&g_f);
	tg_init(&g_f);
	{
		uint8_t b[VT_FILE_PREFIX_LEN + 1];

		vt_file_prefix(b, 1);
		b[VT_FILE_PREFIX_LEN] = 0x05;
		tg_bytes(&g_f, b, sizeof(b));
	}
	write_file();
	cr_assert_eq(read_all(g), -VT_ERR_MSGPACK, "a header that is not a map");
	/* a kind that is neither thread nor process */
	tg_release(&g_f);
	tg_init(&g_f);
	h.kind = "threads";
	tg_header(&g_f, &h);
	write_file();
	cr_assert_lt(read_all(g), 0, "kind 'threads'");
	cr_assert(strstr(g_r.err_msg, "threads"), "'%s'", g_r.err_msg);
}

/* ---- times --------------------------------------------------------------------------------- */

Test(reader, ns_clock_accumulates_deltas_from_the_sync_base)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512];

	tg_header(&g_f, &h);
	tg_chunk(&g_f, raw, ns_chunk(raw, 5000000000ull));
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.clock_tsc, 0);
	cr_assert_eq(g->n, 8);
	check_ns_chunk(g, 0, 5000000000ull);
	/* one chunk: its strings are still alive */
	cr_assert(!memcmp(g->ev[1].r.s1, "fib", 3));
	cr_assert_eq(g->ev[1].r.s2_len, 9);
	cr_assert(!memcmp(g->ev[1].r.s2, "/tmp/f.py", 9));
	cr_assert_eq(g->ev[1].r.code, 1);
	cr_assert_eq(g->ev[6].r.s1_len, 10);
	cr_assert(!memcmp(g->ev[6].r.s1, "MainThread", 10));
	cr_assert_eq(g_r.err, 0, "%s", g_r.err_msg);
	cr_assert_eq(g_r.chunks, 1);
}

Test(reader, ns_clock_large_deltas)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512], *p = raw;

	p = vt_put_sync(p, 1, 1);
	p = vt_put_call(p, VT_REC_CALL, 0, 0xffffffffull);
	p = vt_put_dt_rec(p, VT_REC_RET, 0x100000000ull);
	p = vt_put_end(p, 0x200000000ull, 0x200000000ull, VT_END_THREAD);
	tg_header(&g_f, &h);
	tg_chunk(&g_f, raw, (size_t)(p - raw));
	write_file();
	cr_assert_eq(read_all(g), 0);
	assert_ev(g, 0, VT_REC_SYNC, 1);
	assert_ev(g, 1, VT_REC_CALL, 0x100000000ull);
	assert_ev(g, 2, VT_REC_RET, 0x200000000ull);
	assert_ev(g, 3, VT_REC_END, 0x200000000ull);
	cr_assert_eq(g->ev[3].r.count, VT_END_THREAD);
}

/* tsc: the rate comes from the chunk's two anchors (0.5 ns per tick here), not tsc_hz */
Test(reader, tsc_rate_from_the_chunk_anchors)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512], *p = raw;
	const uint64_t c0 = 1000000000000ull, m0 = 5000000000ull;

	h.clock = VT_CLOCK_TSC;
	h.tsc_hz = 3000000000ull; /* would give 1/3 ns per tick */
	p = vt_put_sync(p, c0, m0);
	p = vt_put_call(p, VT_REC_CALL, 0, 2000);
	p = vt_put_dt_rec(p, VT_REC_RET, 2000);
	p = vt_put_call(p, VT_REC_CALL, 0, 1000000);
	p = vt_put_dt_rec(p, VT_REC_RET, 2996000);
	p = vt_put_sync(p, c0 + 4000000, m0 + 2000000); /* 2 ms: long enough for a rate */
	tg_header(&g_f, &h);
	tg_chunk(&g_f, raw, (size_t)(p - raw));
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.clock_tsc, 1);
	assert_ev(g, 0, VT_REC_SYNC, m0);
	assert_ev(g, 1, VT_REC_CALL, m0 + 1000);
	assert_ev(g, 2, VT_REC_RET, m0 + 2000);
	assert_ev(g, 3, VT_REC_CALL, m0 + 502000);
	assert_ev(g, 4, VT_REC_RET, m0 + 2000000);
	assert_ev(g, 5, VT_REC_SYNC, m0 + 2000000);
}

/* an END closes a chunk as an anchor too */
Test(reader, tsc_end_is_an_anchor)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512], *p = raw;

	h.clock = VT_CLOCK_TSC;
	h.tsc_hz = 1000000000ull;
	p = vt_put_sync(p, 800, 10000000);
	p = vt_put_call(p, VT_REC_CALL, 0, 4000000);
	p = vt_put_end(p, 800 + 8000000, 10000000 + 2000000, VT_END_EXIT);
	tg_header(&g_f, &h);
	tg_chunk(&g_f, raw, (size_t)(p - raw));
	write_file();
	cr_assert_eq(read_all(g), 0);
	assert_ev(g, 1, VT_REC_CALL, 11000000); /* 0.25 ns per tick */
	assert_ev(g, 2, VT_REC_END, 12000000);
}

/* a chunk spanning less than 1 ms: tsc_hz gives the rate (0.25 ns/tick), not the anchors */
Test(reader, tsc_short_chunk_uses_tsc_hz)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512], *p = raw;
	const uint64_t c0 = 7777, m0 = 9000000000ull;

	h.clock = VT_CLOCK_TSC;
	h.tsc_hz = 4000000000ull;
	p = vt_put_sync(p, c0, m0);
	p = vt_put_call(p, VT_REC_CALL, 0, 400000);
	p = vt_put_sync(p, c0 + 1000000, m0 + 500000); /* anchors say 0.5 ns/tick over 0.5 ms */
	tg_header(&g_f, &h);
	tg_chunk(&g_f, raw, (size_t)(p - raw));
	write_file();
	cr_assert_eq(read_all(g), 0);
	assert_ev(g, 0, VT_REC_SYNC, m0);
	assert_ev(g, 1, VT_REC_CALL, m0 + 100000);
}

/* the anchors are exact: a chunk's closing anchor maps to its own mono_ns, whatever the
 * rate (rates like 1/3 ns per tick are not exact in binary floating point) */
Test(reader, tsc_closing_anchor_maps_to_its_mono_ns)
{
	static const struct {
		uint64_t ticks, ns;
	} spans[] = {
		{3000000, 1000000}, {3000001, 1000003}, {2900000000ull, 1000000000ull},
		{7, 1000000}, {123456789, 98765432}, {3333333, 1111111},
		/* spans where ticks * (ns / ticks) lands just below ns in doubles */
		{9167024630ull, 3281387012ull}, {8166568762ull, 132383004},
		{430051421, 7096501599ull},
	};
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512];

	h.clock = VT_CLOCK_TSC;
	h.tsc_hz = 3000000000ull;
	tg_header(&g_f, &h);
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		uint64_t c0 = 1000000000 * (i + 1), m0 = 5000000000ull * (i + 1);
		uint8_t *p = raw;

		p = vt_put_sync(p, c0, m0);
		p = vt_put_dt_rec(p, VT_REC_RET, spans[i].ticks);
		p = vt_put_sync(p, c0 + spans[i].ticks, m0 + spans[i].ns);
		tg_chunk(&g_f, raw, (size_t)(p - raw));
	}
	write_file();
	cr_assert_eq(read_all(g), 0);
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		uint64_t m0 = 5000000000ull * (i + 1);

		assert_ev(g, 3 * i, VT_REC_SYNC, m0);
		assert_ev(g, 3 * i + 2, VT_REC_SYNC, m0 + spans[i].ns);
	}
}

/* DEF and PROC carry no dt; their time must still be the stream's time at that point,
 * or anything that orders or bounds by ns (merging threads, "last timestamp") breaks */
Test(reader, times_never_go_backwards_within_a_file)
{
	static const char *clocks[] = {VT_CLOCK_NS, VT_CLOCK_TSC};

	for (size_t c = 0; c < 2; c++) {
		struct tg_hdr h = tg_hdr_default("thread");
		struct got *g = &g_got;
		uint8_t raw[512], *p = raw;

		h.clock = clocks[c];
		h.tsc_hz = 1000000000ull;
		p = vt_put_sync(p, 1000000000000ull, 5000000000ull);
		p = vt_put_call(p, VT_REC_CALL, 0, 100);
		p = vt_put_def(p, 1, VT_DEF_PY, "g", 1, "/tmp/f.py", 9, 3);
		p = vt_put_call(p, VT_REC_CALL, 1, 100);
		p = vt_put_dt_rec(p, VT_REC_RET, 100);
		p = vt_put_dt_rec(p, VT_REC_RET, 100);
		p = vt_put_sync(p, 1000000000000ull + 2000000, 5000000000ull + 2000000);
		tg_release(&g_f);
		tg_init(&g_f);
		tg_header(&g_f, &h);
		tg_chunk(&g_f, raw, (size_t)(p - raw));
		write_file();
		cr_assert_eq(read_all(g), 0);
		cr_assert_eq(g->n, 7);
		for (size_t i = 1; i < g->n; i++)
			cr_expect_geq(g->ev[i].ns, g->ev[i - 1].ns,
				      "clock %s: record %zu (kind %u) at %llu ns is earlier than "
				      "record %zu at %llu ns",
				      clocks[c], i, g->ev[i].r.kind,
				      (unsigned long long)g->ev[i].ns, i - 1,
				      (unsigned long long)g->ev[i - 1].ns);
	}
}

/* ---- chunks -------------------------------------------------------------------------------- */

Test(reader, multi_chunk_ns)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512];

	tg_header(&g_f, &h);
	for (int i = 0; i < 3; i++)
		tg_chunk(&g_f, raw, ns_chunk(raw, 1000000 * (uint64_t)(i + 1)));
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g->n, 24);
	for (int i = 0; i < 3; i++)
		check_ns_chunk(g, 8 * (size_t)i, 1000000 * (uint64_t)(i + 1));
	cr_assert_eq(g_r.chunks, 3);
	cr_assert_eq(g_r.err, 0, "%s", g_r.err_msg);
}

/* each chunk of a tsc file has its own rate */
Test(reader, multi_chunk_tsc_rate_per_chunk)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512], *p;

	h.clock = VT_CLOCK_TSC;
	h.tsc_hz = 1000000000ull;
	tg_header(&g_f, &h);
	/* chunk 1: 2 ticks per ns over 2 ms */
	p = raw;
	p = vt_put_sync(p, 100, 1000000000);
	p = vt_put_call(p, VT_REC_CALL, 0, 2000);
	p = vt_put_sync(p, 100 + 4000000, 1002000000);
	tg_chunk(&g_f, raw, (size_t)(p - raw));
	/* chunk 2: 4 ticks per ns over 2 ms */
	p = raw;
	p = vt_put_sync(p, 100 + 4000100, 1002000100);
	p = vt_put_dt_rec(p, VT_REC_RET, 4000);
	p = vt_put_sync(p, 100 + 4000100 + 8000000, 1002000100 + 2000000);
	tg_chunk(&g_f, raw, (size_t)(p - raw));
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g->n, 6);
	assert_ev(g, 1, VT_REC_CALL, 1000001000);
	assert_ev(g, 2, VT_REC_SYNC, 1002000000);
	assert_ev(g, 3, VT_REC_SYNC, 1002000100);
	assert_ev(g, 4, VT_REC_RET, 1002001100);
	assert_ev(g, 5, VT_REC_SYNC, 1004000100);
	cr_assert_eq(g_r.chunks, 2);
}

/* a chunk that holds no record is legal (nothing in FORMAT.md forbids R = 0) and must
 * not end the file: the chunks after it still count */
Test(reader, empty_chunk_does_not_end_the_file)
{
	struct tg_hdr h = tg_hdr_default("thread");
	uint8_t raw[512];
	struct vt_event *e;
	size_t n = 0;

	tg_header(&g_f, &h);
	tg_chunk(&g_f, raw, ns_chunk(raw, 1000));
	tg_chunk(&g_f, raw, 0);
	tg_chunk(&g_f, raw, ns_chunk(raw, 2000));
	write_file();
	cr_assert_eq(vt_reader_open(&g_r, g_path), 0);
	while (vt_reader_next(&g_r, &e) == 1)
		n++;
	cr_assert_eq(n, 16,
		     "vt_reader_next returned 0 (end) after %zu records, at the empty chunk, "
		     "with no error (err %d '%s')",
		     n, g_r.err, g_r.err_msg);
	cr_assert_eq(vt_reader_next(&g_r, &e), 0);
}

/* a file cut at every byte: no crash, "truncated", the complete chunks still read */
Test(reader, truncated_at_every_offset)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512];
	size_t hdr_end, ends[3];

	tg_header(&g_f, &h);
	hdr_end = g_f.len;
	for (int i = 0; i < 3; i++) {
		tg_chunk(&g_f, raw, ns_chunk(raw, 1000000 * (uint64_t)(i + 1)));
		ends[i] = g_f.len;
	}
	for (size_t len = 0; len <= g_f.len; len++) {
		size_t complete = 0, boundary = len == hdr_end, chunk_start = hdr_end;
		int rc;

		for (int i = 0; i < 3; i++) {
			if (ends[i] <= len) {
				complete++;
				chunk_start = ends[i];
			}
			if (ends[i] == len)
				boundary = 1;
		}
		cr_assert_eq(tg_write_bytes(g_f.buf, len, g_path), 0);
		rc = read_all(g);
		if (len < hdr_end) {
			cr_assert_eq(rc, -VT_ERR_TRUNCATED, "cut at %zu (in the header): %d '%s'",
				     len, rc, g_r.err_msg);
			cr_assert_leq(g_r.err_off, len, "cut at %zu: err_off %zu", len,
				      g_r.err_off);
			continue;
		}
		cr_assert_eq(rc, 0, "cut at %zu: open failed: %s", len, g_r.err_msg);
		cr_assert_eq(g->n, 8 * complete, "cut at %zu: %zu records, wanted %zu", len, g->n,
			     8 * complete);
		for (size_t i = 0; i < complete; i++)
			check_ns_chunk(g, 8 * i, 1000000 * (uint64_t)(i + 1));
		if (boundary) {
			cr_assert_eq(g_r.err, 0, "cut at chunk end %zu: %s", len, g_r.err_msg);
			continue;
		}
		cr_assert_eq(g_r.err, -VT_ERR_TRUNCATED, "cut at %zu: err %d '%s'", len, g_r.err,
			     g_r.err_msg);
		cr_assert(strstr(g_r.err_msg, "truncated"), "cut at %zu: '%s'", len, g_r.err_msg);
		cr_assert_eq(g_r.err_off, chunk_start,
			     "cut at %zu: err_off %zu, the cut chunk starts at %zu", len,
			     g_r.err_off, chunk_start);
		cr_assert(g_r.truncated_tail, "cut at %zu", len);
	}
}

Test(reader, corrupt_lz4_data)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512];
	size_t second;

	/* the second chunk's block is garbage */
	tg_header(&g_f, &h);
	tg_chunk(&g_f, raw, ns_chunk(raw, 1000));
	second = g_f.len;
	tg_chunk(&g_f, raw, ns_chunk(raw, 2000));
	memset(g_f.buf + second + VT_CHUNK_HDR_LEN, 0xff, g_f.len - second - VT_CHUNK_HDR_LEN);
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.err, -VT_ERR_LZ4, "err %d '%s'", g_r.err, g_r.err_msg);
	cr_assert_eq(g_r.err_off, second);
	cr_assert_eq(g->n, 8, "the first chunk still reads");
	cr_assert(strstr(g_r.err_msg, "lz4"), "'%s'", g_r.err_msg);

	/* a block that decompresses to fewer bytes than the header's raw length */
	tg_release(&g_f);
	tg_init(&g_f);
	tg_header(&g_f, &h);
	second = g_f.len;
	tg_chunk(&g_f, raw, ns_chunk(raw, 1000));
	g_f.buf[second + 4]++; /* raw length + 1 */
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.err, -VT_ERR_LZ4, "err %d '%s'", g_r.err, g_r.err_msg);
	cr_assert_eq(g->n, 0);
}

Test(reader, bad_chunk_magic_and_lengths)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512];
	size_t second;

	tg_header(&g_f, &h);
	tg_chunk(&g_f, raw, ns_chunk(raw, 1000));
	second = g_f.len;
	tg_chunk(&g_f, raw, ns_chunk(raw, 2000));
	g_f.buf[second] = 'X';
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.err, -VT_ERR_CHUNK, "err %d '%s'", g_r.err, g_r.err_msg);
	cr_assert_eq(g_r.err_off, second);
	cr_assert_eq(g->n, 8);

	g_f.buf[second] = 'V';
	g_f.buf[second + 7] = 0x7f; /* raw length ~2 GiB */
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.err, -VT_ERR_TOO_BIG, "err %d '%s'", g_r.err, g_r.err_msg);
	cr_assert_eq(g_r.err_off, second);
	cr_assert_eq(g->n, 8);
}

/* a bad record mid-chunk: the records before it are kept, the error names the chunk */
Test(reader, malformed_record_mid_chunk)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512], *p = raw;
	size_t chunk;

	p = vt_put_sync(p, 1000, 1000);
	p = vt_put_call(p, VT_REC_CALL, 0, 5);
	p = vt_put_array(p, 2);
	p = vt_put_uint(p, VT_REC_MAX); /* the first kind no reader accepts */
	p = vt_put_uint(p, 1);
	p = vt_put_dt_rec(p, VT_REC_RET, 5);
	tg_header(&g_f, &h);
	chunk = g_f.len;
	tg_chunk(&g_f, raw, (size_t)(p - raw));
	tg_chunk(&g_f, raw, ns_chunk(raw, 2000));
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.err, -VT_ERR_RECORD, "err %d '%s'", g_r.err, g_r.err_msg);
	cr_assert_eq(g_r.err_off, chunk);
	cr_assert_eq(g->n, 2);
	assert_ev(g, 1, VT_REC_CALL, 1005);
}

Test(reader, chunk_must_start_with_an_anchor)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512], *p = raw;

	p = vt_put_def(p, 0, VT_DEF_PY, "f", 1, "x.py", 4, 1); /* allowed before the SYNC */
	p = vt_put_call(p, VT_REC_CALL, 0, 5);
	p = vt_put_sync(p, 1000, 1000);
	tg_header(&g_f, &h);
	tg_chunk(&g_f, raw, (size_t)(p - raw));
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.err, -VT_ERR_RECORD, "err %d '%s'", g_r.err, g_r.err_msg);
	cr_assert(strstr(g_r.err_msg, "anchor"), "'%s'", g_r.err_msg);
}

/* kinds a later minor version may add: the records around them keep their times */
Test(reader, unknown_kinds_do_not_disturb_times)
{
	struct tg_hdr h = tg_hdr_default("thread");
	struct got *g = &g_got;
	uint8_t raw[512], *p = raw;
	size_t calls = 0;

	p = vt_put_sync(p, 1000, 1000);
	p = vt_put_call(p, VT_REC_CALL, 0, 5);
	p = vt_put_array(p, 3);
	p = vt_put_uint(p, 40);
	p = vt_put_str(p, "new", 3);
	p = vt_put_uint(p, 99);
	p = vt_put_dt_rec(p, VT_REC_RET, 5);
	p = vt_put_sync(p, 1020, 1020);
	tg_header(&g_f, &h);
	tg_chunk(&g_f, raw, (size_t)(p - raw));
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.err, 0, "%s", g_r.err_msg);
	for (size_t i = 0; i < g->n; i++) {
		if (g->ev[i].r.kind == VT_REC_CALL) {
			cr_assert_eq(g->ev[i].ns, 1005);
			calls++;
		}
		if (g->ev[i].r.kind == VT_REC_RET) {
			cr_assert_eq(g->ev[i].ns, 1010);
			calls++;
		}
	}
	cr_assert_eq(calls, 2);
	cr_assert_eq(g->ev[g->n - 1].r.kind, VT_REC_SYNC);
}

/*
 * An instant's values as JSON: numbers, booleans and nil keep their types (the recorder
 * writes them so since vt.instant(k=0) gave {"k":"0"}), text stays text (every value of
 * an older trace), a float JSON cannot hold becomes null.
 */
Test(reader, instant_values_keep_their_json_types)
{
	struct tg_hdr h = tg_hdr_default("thread");
	uint8_t raw[512], *p = raw;
	struct vt_event *e;
	double f = 1.5, inf = 1e308 * 10;
	uint64_t bits;
	int seen = 0;

	p = vt_put_sync(p, 1000, 1000);
	p = vt_put_array(p, 4);
	p = vt_put_uint(p, VT_REC_INSTANT);
	p = vt_put_uint(p, 5);
	p = vt_put_str(p, "x", 1);
	p = vt_put_array(p, 14);
	p = vt_put_str(p, "k", 1);
	p = vt_put_int(p, 0);
	p = vt_put_str(p, "neg", 3);
	p = vt_put_int(p, -5);
	p = vt_put_str(p, "f", 1);
	memcpy(&bits, &f, 8);
	*p++ = 0xcb;
	p = vt_put_be32(vt_put_be32(p, (uint32_t)(bits >> 32)), (uint32_t)bits);
	p = vt_put_str(p, "inf", 3);
	memcpy(&bits, &inf, 8);
	*p++ = 0xcb;
	p = vt_put_be32(vt_put_be32(p, (uint32_t)(bits >> 32)), (uint32_t)bits);
	p = vt_put_str(p, "t", 1);
	*p++ = 0xc3;
	p = vt_put_str(p, "n", 1);
	*p++ = 0xc0;
	p = vt_put_str(p, "s", 1);
	p = vt_put_str(p, "0", 1);
	/* an older trace's instant: text only */
	p = vt_put_array(p, 4);
	p = vt_put_uint(p, VT_REC_INSTANT);
	p = vt_put_uint(p, 5);
	p = vt_put_str(p, "old", 3);
	p = vt_put_array(p, 2);
	p = vt_put_str(p, "k", 1);
	p = vt_put_str(p, "0", 1);
	p = vt_put_sync(p, 1020, 1020);
	tg_header(&g_f, &h);
	tg_chunk(&g_f, raw, (size_t)(p - raw));
	write_file();
	cr_assert_eq(vt_reader_open(&g_r, g_path), 0);
	while (vt_reader_next(&g_r, &e) == 1) {
		const char *text = g_r.text + e->r.id;
		int len = (int)e->r.count;
		const char *want;

		if (e->r.kind != VT_REC_INSTANT)
			continue;
		want = seen++ ? "{\"k\":\"0\"}"
			      : "{\"k\":0,\"neg\":-5,\"f\":1.5,\"inf\":null,\"t\":true,\"n\":null,"
				"\"s\":\"0\"}";
		cr_assert_eq(len == (int)strlen(want) && !memcmp(text, want, strlen(want)), 1,
			     "%.*s, wanted %s", len, text, want);
	}
	cr_assert_eq(g_r.err, 0, "%s", g_r.err_msg);
	cr_assert_eq(seen, 2);
}

/* ---- process files ------------------------------------------------------------------------- */

static void put_proc_file(const char *const *argv, size_t argc, unsigned how, int64_t code)
{
	struct tg_hdr h = tg_hdr_default("process");
	uint8_t raw[2048], *p = raw;

	h.ppid = 1;
	tg_header(&g_f, &h);
	/* as preload/proc.c writes it: SYNC + PROC, then SYNC + EXIT in a second chunk */
	p = vt_put_sync(p, 1000, 1000);
	p = vt_put_array(p, 2);
	p = vt_put_uint(p, VT_REC_PROC);
	p = vt_put_map(p, 8);
	p = vt_put_str(p, "pid", 3);
	p = vt_put_uint(p, 4242);
	p = vt_put_str(p, "ppid", 4);
	p = vt_put_uint(p, 777);
	p = vt_put_str(p, "argv", 4);
	p = vt_put_array(p, (uint32_t)argc);
	for (size_t i = 0; i < argc; i++)
		p = vt_put_str(p, argv[i], strlen(argv[i]));
	p = vt_put_str(p, "exe", 3);
	p = vt_put_str(p, "/usr/bin/python3.11", 19);
	p = vt_put_str(p, "cwd", 3);
	p = vt_put_str(p, "/home/user/my project", 21);
	p = vt_put_str(p, "py", 2);
	p = vt_put_str(p, "3.11.2", 6);
	p = vt_put_str(p, "mono0", 5);
	p = vt_put_uint(p, 1000);
	p = vt_put_str(p, "real0", 5);
	p = vt_put_uint(p, 1700000000000000000ull);
	tg_chunk(&g_f, raw, (size_t)(p - raw));
	p = raw;
	p = vt_put_sync(p, 900000, 900000);
	p = vt_put_exit(p, 0, how, code);
	tg_chunk(&g_f, raw, (size_t)(p - raw));
	write_file();
}

Test(reader, process_file_proc_and_exit)
{
	static const char *const argv[] = {"python3", "-c", "print('hi')", "a b"};
	struct got *g = &g_got;

	put_proc_file(argv, 4, VT_EXIT_CODE, 3);
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.err, 0, "%s", g_r.err_msg);
	cr_assert_str_eq(g_r.kind, "process");
	cr_assert_not_null(g_r.argv);
	cr_assert_str_eq(g_r.argv, "python3 -c print('hi') a b");
	cr_assert_not_null(g_r.exe);
	cr_assert_str_eq(g_r.exe, "/usr/bin/python3.11");
	cr_assert_not_null(g_r.cwd);
	cr_assert_str_eq(g_r.cwd, "/home/user/my project");
	cr_assert_eq(g_r.ppid, 777, "PROC's ppid wins over the header's");
	cr_assert_eq(g_r.has_exit, 1);
	cr_assert_eq(g_r.exit_how, VT_EXIT_CODE);
	cr_assert_eq(g_r.exit_code, 3);
	cr_assert_eq(g_r.exit_ns, 900000);
	cr_assert_eq(g->ev[1].r.kind, VT_REC_PROC);
	cr_assert_null(g->ev[1].r.obj, "the map dies with its chunk: no dangling pointer");
}

Test(reader, process_file_killed_by_signal)
{
	static const char *const argv[] = {"python3"};
	struct got *g = &g_got;

	put_proc_file(argv, 1, VT_EXIT_SIGNAL, 9);
	cr_assert_eq(read_all(g), 0);
	cr_assert_str_eq(g_r.argv, "python3");
	cr_assert_eq(g_r.has_exit, 1);
	cr_assert_eq(g_r.exit_how, VT_EXIT_SIGNAL);
	cr_assert_eq(g_r.exit_code, 9);
}

Test(reader, process_file_negative_code_and_empty_argv)
{
	struct got *g = &g_got;

	put_proc_file(NULL, 0, VT_EXIT_CODE, -1);
	cr_assert_eq(read_all(g), 0);
	cr_assert_not_null(g_r.argv);
	cr_assert_str_eq(g_r.argv, "");
	cr_assert_eq(g_r.exit_code, -1);
}

/* a process killed before it could write EXIT */
Test(reader, process_file_without_exit)
{
	static const char *const argv[] = {"python3", "x.py"};
	struct got *g = &g_got;

	put_proc_file(argv, 2, VT_EXIT_CODE, 0);
	g_f.len = g_f.chunk_off[1];
	write_file();
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.err, 0, "%s", g_r.err_msg);
	cr_assert_str_eq(g_r.argv, "python3 x.py");
	cr_assert_eq(g_r.has_exit, 0);
}

/* ---- tests/data ---------------------------------------------------------------------------- */

/* the one *.t*.vt (or *.proc.vt when @proc) file of tests/data/@name/ */
static int data_file(const char *name, int proc)
{
	char dir[256];
	DIR *d;
	struct dirent *de;
	int found = 0;

	snprintf(dir, sizeof(dir), "tests/data/%s", name);
	d = opendir(dir);
	cr_assert_not_null(d, "%s: %s (run the tests from the repository root)", dir,
			   strerror(errno));
	while ((de = readdir(d))) {
		int is_proc = strstr(de->d_name, ".proc.vt") != NULL;

		if (de->d_name[0] == '.' || is_proc != proc)
			continue;
		snprintf(g_path, sizeof(g_path), "%s/%s", dir, de->d_name);
		found++;
	}
	closedir(d);
	cr_assert_eq(found, 1, "%s: %d %s files", dir, found, proc ? "process" : "thread");
	return 0;
}

Test(reader, data_files)
{
	static const char *dirs[] = {"good", "truncated", "bad-magic", "version-next",
				     "empty-thread", "foreign"};
	struct got *g = &g_got;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		data_file(dirs[i], 1);
		cr_assert_eq(read_all(g), 0, "%s: %s", g_path, g_r.err_msg);
		cr_assert_eq(g_r.err, 0, "%s: %s", g_path, g_r.err_msg);
		cr_assert_str_eq(g_r.kind, "process", "%s", g_path);
		cr_assert_eq(g_r.has_exit, 1, "%s", g_path);
	}
	data_file("good", 0);
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.err, 0, "%s: %s", g_path, g_r.err_msg);
	cr_assert_gt(g->n, 10);
	cr_assert_eq(g_r.chunks, 2);
	cr_assert_eq(g->ev[g->n - 1].r.kind, VT_REC_END);

	data_file("truncated", 0);
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.err, -VT_ERR_TRUNCATED, "%s: %s", g_path, g_r.err_msg);
	cr_assert_gt(g->n, 3, "the first chunk still reads");

	data_file("bad-magic", 0);
	cr_assert_eq(read_all(g), -VT_ERR_BAD_MAGIC);
	data_file("version-next", 0);
	cr_assert_eq(read_all(g), -VT_ERR_VERSION);
	/* the same trace as good/ in formats 1.0 (a RET is [1, dt] there), 2.0 (calls and
	 * C returns are arrays there) and 3.0 (no alias slots): the same records */
	for (unsigned major = 1; major <= 3; major++) {
		struct vt_record want[64];
		char dir[16];
		size_t n;

		data_file("good", 0);
		cr_assert_eq(read_all(g), 0);
		n = g->n;
		cr_assert_leq(n, 64);
		for (size_t i = 0; i < n; i++)
			want[i] = g->ev[i].r;
		snprintf(dir, sizeof(dir), "good-%u.0", major);
		data_file(dir, 0);
		cr_assert_eq(read_all(g), 0);
		cr_assert_eq(g_r.err, 0, "%s: %s", g_path, g_r.err_msg);
		cr_assert_eq(g_r.major, major);
		cr_assert_eq(g->n, n);
		for (size_t i = 0; i < n; i++) {
			cr_assert_eq(g->ev[i].r.kind, want[i].kind, "%s: record %zu", dir, i);
			cr_assert_eq(g->ev[i].r.dt, want[i].dt, "%s: record %zu", dir, i);
			cr_assert_eq(g->ev[i].r.id, want[i].id, "%s: record %zu", dir, i);
		}
	}
	data_file("empty-thread", 0);
	cr_assert_eq(read_all(g), 0);
	cr_assert_eq(g_r.err, 0, "%s: %s", g_path, g_r.err_msg);
	cr_assert_eq(g->n, 0);
	data_file("foreign", 0);
	cr_assert_eq(read_all(g), -VT_ERR_BAD_MAGIC);
}
