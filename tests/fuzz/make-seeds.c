/*
 * make-seeds.c - writes the seed corpora of tests/fuzz/corpus/ (see tests/fuzz/README.md).
 *
 *   cc -std=gnu11 -D_GNU_SOURCE -DVT_FORMAT_DECODER -iquote . -o /tmp/make-seeds \
 *      tests/fuzz/make-seeds.c common/format.c common/format-dec.c -lmsgpackc -llz4
 *   /tmp/make-seeds tests/fuzz/corpus TRACE-FILE...
 *
 *   reader/     every TRACE-FILE as it is, and record streams in the form of the reader
 *               target's second pass (a mode byte, then raw records cut at 0xc1)
 *   decoder/    every decompressed chunk of every TRACE-FILE, and one stream of each
 *               record kind
 *   roundtrip/  encoder programs: each operation once, and a few mixes
 *
 * The output is deterministic. Names are the content's FNV-1a hash, as libFuzzer names
 * its units by hash, so a seed written twice is one file.
 */
#include <errno.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/format.h"
#include "tests/unit/tracegen.h"

static const char *g_out;

static void put(const char *dir, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint64_t h = 0xcbf29ce484222325ull;
	char path[4096];

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	snprintf(path, sizeof(path), "%s/%s", g_out, dir);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/seed-%016llx", g_out, dir, (unsigned long long)h);
	if (tg_write_bytes(buf, len, path) < 0) {
		perror(path);
		exit(1);
	}
}

static uint8_t *str(uint8_t *p, const char *s)
{
	return vt_put_str(p, s, strlen(s));
}

/* one stream with every kind of record, as the recorder writes them */
static size_t every_kind(uint8_t *raw)
{
	static const uint32_t open_ids[] = { 0, 1 };
	uint8_t *p = raw;

	p = vt_put_sync(p, 1000, 1000);
	p = vt_put_def(p, 0, VT_DEF_PY, "<module>", 8, "/tmp/a.py", 9, 1);
	p = vt_put_def(p, 1, VT_DEF_C, "len", 3, "", 0, 0);
	p = vt_put_text_rec(p, VT_REC_TNAME, 1, "MainThread", 10);
	p = vt_put_open(p, open_ids, 2);
	p = vt_put_call(p, VT_REC_CALL, 0, 5);
	p = vt_put_array(p, 2);	/* ARGS [27, ["x", "1"]] */
	p = vt_put_uint(p, VT_REC_ARGS);
	p = vt_put_array(p, 2);
	p = str(p, "x");
	p = str(p, "1");
	p = vt_put_call(p, VT_REC_CCALL, 1, 300);
	p = vt_put_dt_rec(p, VT_REC_CRAISE, 70000);
	p = vt_put_call(p, VT_REC_CCALL, 1, 3);
	p = vt_put_dt_rec(p, VT_REC_CRET, 2);
	p = vt_put_call(p, VT_REC_RESUME, 0, 2);
	p = vt_put_dt_rec(p, VT_REC_YIELD, 2);
	p = vt_put_stack(p, 1, 3);
	p = vt_put_lost(p, 1, 17, "buffer");
	p = vt_put_text_rec(p, VT_REC_MARK, 1, "vt: paused", 10);
	p = vt_put_array(p, 4);	/* COUNTER [29, dt, "mem", ["rss", 123456]] */
	p = vt_put_uint(p, VT_REC_COUNTER);
	p = vt_put_uint(p, 1);
	p = str(p, "mem");
	p = vt_put_array(p, 2);
	p = str(p, "rss");
	p = vt_put_uint(p, 123456);
	p = vt_put_array(p, 4);	/* INSTANT [30, dt, "ev", ["k", "v\"\n\x01"]] */
	p = vt_put_uint(p, VT_REC_INSTANT);
	p = vt_put_uint(p, 1);
	p = str(p, "ev");
	p = vt_put_array(p, 2);
	p = str(p, "k");
	p = str(p, "v\"\n\x01\xff");
	p = vt_put_retval(p, "42", 2);
	p = vt_put_def(p, 2, VT_DEF_SPAN, "load", 4, "", 0, 0);
	p = vt_put_array(p, 4);	/* SPAN_B [31, dt, 2, ["n", 3]] */
	p = vt_put_uint(p, VT_REC_SPAN_B);
	p = vt_put_uint(p, 1);
	p = vt_put_uint(p, 2);
	p = vt_put_array(p, 2);
	p = str(p, "n");
	p = vt_put_uint(p, 3);
	p = vt_put_array(p, 3);	/* SPAN_E [32, dt, []] */
	p = vt_put_uint(p, VT_REC_SPAN_E);
	p = vt_put_uint(p, 5);
	p = vt_put_array(p, 0);
	p = vt_put_fork(p, 1, 4321);
	p = vt_put_dt_rec(p, VT_REC_UNWIND, 4);
	p = vt_put_dt_rec(p, VT_REC_RET, 4);
	p = vt_put_exit(p, 1, VT_EXIT_SIGNAL, -11);
	p = vt_put_array(p, 2); /* PROC [21, {...}] */
	p = vt_put_uint(p, VT_REC_PROC);
	p = vt_put_map(p, 3);
	p = str(p, "argv");
	p = vt_put_array(p, 2);
	p = str(p, "python3");
	p = str(p, "a.py");
	p = str(p, "exe");
	p = str(p, "/usr/bin/python3");
	p = str(p, "ppid");
	p = vt_put_uint(p, 1);
	p = vt_put_array(p, 3); /* a kind a later minor version may add */
	p = vt_put_uint(p, 12);
	p = vt_put_uint(p, 1);
	p = str(p, "x");
	p = vt_put_end(p, 1000000, 2000000, VT_END_EXIT);
	return (size_t)(p - raw);
}

static void seed_records(void)
{
	uint8_t raw[4096], buf[4200], *p;
	size_t n = every_kind(raw);

	put("decoder", raw, n);
	/* the reader's second pass: mode byte, records; and the same cut into two chunks */
	for (unsigned mode = 0; mode < 16; mode += 3) {
		buf[0] = (uint8_t)mode;
		memcpy(buf + 1, raw, n);
		put("reader", buf, n + 1);
	}
	p = buf;
	*p++ = 2; /* tsc clock */
	p = vt_put_sync(p, 5000, 1000);
	p = vt_put_def(p, 0, VT_DEF_PY, "f", 1, "/f.py", 5, 3);
	p = vt_put_call(p, VT_REC_CALL, 0, 3000);
	p = vt_put_sync(p, 9000, 2000);
	*p++ = 0xc1;
	p = vt_put_sync(p, 9000, 2000);
	p = vt_put_dt_rec(p, VT_REC_RET, 3000000);
	p = vt_put_end(p, 3009000, 1002000, VT_END_THREAD);
	put("reader", buf, (size_t)(p - buf));
	/* decoder: the error paths */
	put("decoder", "\x91\x40", 2);            /* kind 64: VT_REC_MAX */
	put("decoder", "\x92\x01\xa1x", 4);       /* RET with a string dt */
	put("decoder", "\x05\xcc\x80\x92\x03\x01", 6);     /* 2.0: bare RETs, a CRET */
	/* 3.0 (even lengths): short calls and a CRET; a CRET with a string dt */
	put("decoder", "\xff\x05\xd0\xdc\xcc\x80\xc0\x01\x02\x03", 10);
	put("decoder", "\xff\x05\xc0\xa1x\x00", 6);
	put("decoder", "\x05\xcc\x80\x92\x03\x01\x00", 7); /* odd length, as 1.x: an error */
	put("decoder", "\xdd\xff\xff\xff\xff", 5); /* a huge array */
	put("decoder", VT_MAGIC "\x01\x00\x00\x00\x10\x00\x00\x00", 16);
	put("decoder", "VTCK\x10\x00\x00\x00\x05\x00\x00\x00", 12);
}

/* encoder programs for fuzz-roundtrip: op byte (mod 17), then its operands */
static void seed_roundtrip(void)
{
	uint8_t prog[512];
	size_t n = 0;

	for (unsigned op = 0; op < 16; op++) {
		uint8_t one[] = { (uint8_t)op, 0xf3, 0x02, 0x01, 0x80, 0x05, 0x41, 0x42,
				  0x43, 0x44, 0x45, 0x46, 0x47, 0x48 };

		put("roundtrip", one, sizeof(one));
		memcpy(prog + n, one, sizeof(one));
		n += sizeof(one);
	}
	put("roundtrip", prog, n);
	prog[n++] = 16; /* end with a kind >= VT_REC_MAX */
	prog[n++] = 7;
	put("roundtrip", prog, n);
	put("roundtrip", "\x0a\xff", 2); /* an OPEN of 70000 ids */
	put("roundtrip", "\x02\xf1\xf2\x03\x06\x03\x07\xf7", 8); /* DEF with 2048/2049 bytes */
}

/* every chunk of a trace file, decompressed */
static void seed_chunks(const uint8_t *d, size_t size)
{
	unsigned major, minor;
	uint32_t hlen, raw_len, comp_len;
	size_t off;

	if (vt_parse_prefix(d, size, &major, &minor, &hlen) < 0)
		return;
	for (off = VT_FILE_PREFIX_LEN + hlen;
	     off < size && vt_parse_chunk_header(d + off, size - off, &raw_len, &comp_len) == 0 &&
	     size - off - VT_CHUNK_HDR_LEN >= comp_len;
	     off += VT_CHUNK_HDR_LEN + comp_len) {
		char *raw = malloc(raw_len + 1);

		if (raw && LZ4_decompress_safe((const char *)d + off + VT_CHUNK_HDR_LEN, raw,
					       (int)comp_len, (int)raw_len) == (int)raw_len)
			put("decoder", raw, raw_len);
		free(raw);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: make-seeds OUTDIR [TRACE-FILE...]\n");
		return 2;
	}
	g_out = argv[1];
	seed_records();
	seed_roundtrip();
	for (int i = 2; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf;
		long len;

		if (!f || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0) {
			perror(argv[i]);
			return 1;
		}
		rewind(f);
		buf = malloc((size_t)len + 1);
		if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			perror(argv[i]);
			return 1;
		}
		fclose(f);
		put("reader", buf, (size_t)len);
		seed_chunks(buf, (size_t)len);
		free(buf);
	}
	return 0;
}
