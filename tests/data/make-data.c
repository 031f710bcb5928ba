/*
 * make-data.c - writes the hand-made traces of tests/data/ (see README.md there).
 *
 *   cc -std=gnu11 -D_GNU_SOURCE -iquote . -o /tmp/make-data tests/data/make-data.c \
 *      common/format.c -llz4 && /tmp/make-data tests/data
 *
 * The output is deterministic: running it again gives the same bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/unit/tracegen.h"

#define PID 4242
#define TID 4243
#define TOKEN 1000000000ull /* the image's start, CLOCK_MONOTONIC ns */
#define NAME "p4242.000000003b9aca00"

static const char *g_out;

static void die(const char *what)
{
	fprintf(stderr, "make-data: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void put(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", g_out, dir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path);
	snprintf(path, sizeof(path), "%s/%s/%s", g_out, dir, name);
	if (tg_write_bytes(buf, len, path) < 0)
		die(path);
	printf("%-40s %5zu bytes\n", path, len);
}

static struct tg_hdr header(const char *kind, unsigned major)
{
	struct tg_hdr h = tg_hdr_default(kind);

	h.major = major;
	h.minor = major == VT_FORMAT_MAJOR ? VT_FORMAT_MINOR : 0;
	h.pid = PID;
	h.ppid = 4000;
	h.tid = !strcmp(kind, "thread") ? TID : 0;
	h.token = TOKEN;
	h.clock = VT_CLOCK_NS;
	h.clock0 = h.mono0 = TOKEN;
	h.real0 = 1700000000000000000ull;
	h.py = "3.11.2";
	return h;
}

static uint8_t *str(uint8_t *p, const char *s)
{
	return vt_put_str(p, s, strlen(s));
}

/* 4.0: the alias slot + 1 bound to each id in the chunk being made (0: none) */
static uint32_t g_slot[2][8];

/* 4.0: bind @slot to function @id for the rest of the chunk (an ALIAS record) */
static uint8_t *alias(uint8_t *p, unsigned kind, uint32_t slot, uint32_t id, unsigned major)
{
	unsigned is_c = kind == VT_REC_CCALL;

	if (major < 4)
		return p;
	g_slot[is_c][id] = slot + 1;
	return vt_put_alias(p, slot << 1 | is_c, id);
}

/* a CALL or CCALL: the short form from format 3.0 (through the chunk's alias slot, if
 * it bound one, from 4.0), [kind, id, dt] before */
static uint8_t *call(uint8_t *p, unsigned kind, uint32_t id, uint64_t dt, unsigned major)
{
	uint32_t slot = g_slot[kind == VT_REC_CCALL][id];

	if (major >= 4)
		return slot ? vt_put_id_rec(p, kind, slot - 1, dt) : vt_put_call(p, kind, id, dt);
	if (major >= 3)
		return vt_put_id_rec(p, kind, id, dt);
	p = vt_put_array(p, 3);
	p = vt_put_uint(p, kind);
	p = vt_put_uint(p, id);
	return vt_put_uint(p, dt);
}

/* a RET (the bare dt from format 2.0) or a CRET (nil and the dt from 3.0); [kind, dt]
 * before */
static uint8_t *dt_rec(uint8_t *p, unsigned kind, uint64_t dt, unsigned major)
{
	if (major >= (kind == VT_REC_RET ? 2u : 3u))
		return vt_put_dt_rec(p, kind, dt);
	p = vt_put_array(p, 2);
	p = vt_put_uint(p, kind);
	return vt_put_uint(p, dt);
}

/* the process file: SYNC + PROC, then SYNC + EXIT(status 0), as preload/proc.c writes */
static void proc_file(struct tg_file *f, unsigned major)
{
	struct tg_hdr h = header("process", major);
	uint8_t raw[1024], *p = raw;

	tg_init(f);
	tg_header(f, &h);
	p = vt_put_sync(p, TOKEN, TOKEN);
	p = vt_put_array(p, 2);
	p = vt_put_uint(p, VT_REC_PROC);
	p = vt_put_map(p, 8);
	p = str(p, "pid");
	p = vt_put_uint(p, PID);
	p = str(p, "ppid");
	p = vt_put_uint(p, 4000);
	p = str(p, "argv");
	p = vt_put_array(p, 2);
	p = str(p, "python3");
	p = str(p, "fib.py");
	p = str(p, "exe");
	p = str(p, "/usr/bin/python3.11");
	p = str(p, "cwd");
	p = str(p, "/tmp");
	p = str(p, "py");
	p = str(p, "3.11.2");
	p = str(p, "mono0");
	p = vt_put_uint(p, TOKEN);
	p = str(p, "real0");
	p = vt_put_uint(p, 1700000000000000000ull);
	tg_chunk(f, raw, (size_t)(p - raw));
	p = raw;
	p = vt_put_sync(p, TOKEN + 10000, TOKEN + 10000);
	p = vt_put_exit(p, 0, VT_EXIT_CODE, 0);
	tg_chunk(f, raw, (size_t)(p - raw));
}

/*
 * The main thread running fib.py, in two chunks (times in us from the image start):
 *
 *   1.000  <module>                         enters, ends at 3.120
 *   1.500    fib(2)                           1.500 .. 1.850
 *   1.700      fib(1)                         1.700 .. 1.800
 *            print (C)                        1.880 .. 1.950
 *   -- chunk 2 --
 *   3.010    fib(-1)                          3.010 .. 3.030, raises (UNWIND)
 *   3.120  <module> returns; END at 3.200
 */
static void thread_file(struct tg_file *f, unsigned major)
{
	struct tg_hdr h = header("thread", major);
	uint8_t raw[1024], *p = raw;

	tg_init(f);
	tg_header(f, &h);
	p = vt_put_sync(p, TOKEN, TOKEN);
	p = vt_put_text_rec(p, VT_REC_TNAME, 0, "MainThread", 10);
	p = vt_put_def(p, 0, VT_DEF_PY, "<module>", 8, "/tmp/fib.py", 11, 1);
	p = alias(p, VT_REC_CALL, 0, 0, major);
	p = call(p, VT_REC_CALL, 0, 1000, major);        /* 1000 */
	p = vt_put_def(p, 1, VT_DEF_PY, "fib", 3, "/tmp/fib.py", 11, 3);
	p = alias(p, VT_REC_CALL, 5, 1, major);
	p = call(p, VT_REC_CALL, 1, 500, major);         /* 1500 */
	p = call(p, VT_REC_CALL, 1, 200, major);         /* 1700 */
	p = dt_rec(p, VT_REC_RET, 100, major);           /* 1800 */
	p = dt_rec(p, VT_REC_RET, 50, major);            /* 1850 */
	p = vt_put_def(p, 2, VT_DEF_C, "builtins.print", 14, "", 0, 0);
	p = alias(p, VT_REC_CCALL, 0, 2, major);
	p = call(p, VT_REC_CCALL, 2, 30, major);         /* 1880 */
	p = dt_rec(p, VT_REC_CRET, 70, major);           /* 1950 */
	p = vt_put_sync(p, TOKEN + 2000, TOKEN + 2000);
	tg_chunk(f, raw, (size_t)(p - raw));
	memset(g_slot, 0, sizeof(g_slot)); /* 4.0: a new chunk binds no slot (fib by its id) */
	p = raw;
	p = vt_put_sync(p, TOKEN + 3000, TOKEN + 3000);
	p = call(p, VT_REC_CALL, 1, 10, major);          /* 3010 */
	p = vt_put_dt_rec(p, VT_REC_UNWIND, 20);         /* 3030 */
	p = vt_put_text_rec(p, VT_REC_MARK, 40, "a mark from vt", 14); /* 3070 */
	p = dt_rec(p, VT_REC_RET, 50, major);            /* 3120 */
	p = vt_put_end(p, TOKEN + 3200, TOKEN + 3200, VT_END_EXIT);
	tg_chunk(f, raw, (size_t)(p - raw));
}

int main(int argc, char **argv)
{
	static const char text[] = "This is not a vt trace, only a text file that happens to "
				   "sit in the trace directory.\n";
	struct tg_file proc, thr, hdr;
	struct tg_hdr h = header("thread", VT_FORMAT_MAJOR);
	const char *tname = NAME ".t4243.vt", *pname = NAME ".proc.vt";
	const char *dirs[] = {"good", "truncated", "bad-magic", "version-next", "empty-thread",
			      "foreign"};
	struct tg_file proc1, thr1;

	if (argc != 2) {
		fprintf(stderr, "usage: make-data DIR\n");
		return 2;
	}
	g_out = argv[1];
	proc_file(&proc, VT_FORMAT_MAJOR);
	thread_file(&thr, VT_FORMAT_MAJOR);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		put(dirs[i], pname, proc.buf, proc.len);

	/* the same trace in formats 1.0, 2.0 and 3.0, which vt-convert still reads */
	for (unsigned major = 1; major <= 3; major++) {
		char dir[16];

		snprintf(dir, sizeof(dir), "good-%u.0", major);
		proc_file(&proc1, major);
		thread_file(&thr1, major);
		put(dir, pname, proc1.buf, proc1.len);
		put(dir, tname, thr1.buf, thr1.len);
		tg_release(&proc1);
		tg_release(&thr1);
	}

	put("good", tname, thr.buf, thr.len);
	/* killed while writing the second chunk: half of it made it to the disk */
	put("truncated", tname, thr.buf,
	    thr.chunk_off[1] + (thr.len - thr.chunk_off[1]) / 2);
	thr.buf[1] = 'X'; /* "\x89XTRACE\n" */
	put("bad-magic", tname, thr.buf, thr.len);
	thr.buf[1] = 'V';

	tg_init(&hdr);
	h.major = VT_FORMAT_MAJOR + 1;
	tg_header(&hdr, &h);
	/* the chunks of a future version are opaque: reuse this version's */
	tg_bytes(&hdr, thr.buf + thr.chunk_off[0], thr.len - thr.chunk_off[0]);
	put("version-next", tname, hdr.buf, hdr.len);
	tg_release(&hdr);

	/* a thread that never flushed a chunk: the header only */
	tg_init(&hdr);
	h.major = VT_FORMAT_MAJOR;
	tg_header(&hdr, &h);
	put("empty-thread", tname, hdr.buf, hdr.len);
	tg_release(&hdr);

	put("foreign", tname, text, sizeof(text) - 1);
	tg_release(&proc);
	tg_release(&thr);
	return 0;
}
