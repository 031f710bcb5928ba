/*
 * fuzz-reader.c - arbitrary bytes as a trace file, read with tools/reader.c
 * (vt_reader_open, vt_reader_next until the end): the file prefix and header map, chunk
 * framing, lz4 decompression, record decoding, clock anchors, PROC and OPEN records, and
 * the key/value records rendered as JSON (ARGS, COUNTER, INSTANT, SPAN_B, SPAN_E).
 * Every record then goes through a timeline (tools/timeline.c: calls paired with returns,
 * STACK and OPEN restarts, spans) and the counter samples through tools/counters.c.
 *
 * Each input is read twice:
 *   1. verbatim, as a whole file (framing and header parsing; lz4 and the records are
 *      reached through the mutations of the seed files);
 *   2. as the raw records of a well-formed file: a valid header (its kind and clock
 *      chosen by the first byte) followed by the rest of the input cut at every 0xc1
 *      byte (never valid msgpack) into lz4 chunks, so record decoding and timing get
 *      fuzzed through the reader without the fuzzer having to learn lz4.
 *
 * The reader takes a path (tools/ has no memory interface), so the bytes go to a file in
 * a private directory on tmpfs (/dev/shm, or $TMPDIR when there is none).
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/counters.h"
#include "tools/reader.h"
#include "tools/timeline.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/tracegen.h"

static char g_dir[256];
static char g_path[300];

static void cleanup(void)
{
	if (g_path[0])
		unlink(g_path);
	if (g_dir[0])
		rmdir(g_dir);
}

static void setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

	snprintf(g_dir, sizeof(g_dir), "%s/vt-fuzz-reader-%d", base ? base : "/tmp",
		 (int)getpid());
	if (mkdir(g_dir, 0700) < 0 && errno != EEXIST) {
		perror(g_dir);
		abort();
	}
	snprintf(g_path, sizeof(g_path), "%s/p1.0000000000000001.t2.vt", g_dir);
	atexit(cleanup);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

static const char *tname(void *ctx, uint64_t pid, uint64_t tid)
{
	(void)ctx;
	(void)pid;
	(void)tid;
	return "thread";
}

static void sample(void *ctx, const struct vt_counter_sample *s)
{
	(void)ctx;
	fuzz_touch(s->args, s->args_len);
	for (size_t i = 0; i < s->nnums; i++)
		fuzz_touch(s->nums[i].key, s->nums[i].key_len);
}

static void read_all(const uint8_t *data, size_t size)
{
	struct vt_reader r;
	struct vt_event *ev;
	uint64_t n = 0;
	int rc;
	struct vt_sinks out = { .n = 0 };
	struct vt_filter filter = vt_filter_none();
	struct vt_counts counts = { 0 };
	struct vt_def unseen = { .name = "(unseen)" };
	struct vt_counters *ctr;
	struct vt_timeline_env env = { .filter = &filter, .out = &out, .counts = &counts,
				       .unseen = &unseen };
	struct vt_timeline tl;
	int fed = 1;

	if (tg_write_bytes(data, size, g_path) < 0) {
		perror(g_path);
		abort();
	}
	rc = vt_reader_open(&r, g_path);
	if (rc < 0) {
		FUZZ_CHECK(r.err_msg[0] != 0, "open failed (%d) without a message", rc);
		FUZZ_CHECK(r.err_off <= size, "error offset %zu past the end %zu", r.err_off, size);
		vt_reader_close(&r);
		return;
	}
	FUZZ_CHECK(r.size == size, "read %zu of %zu bytes", r.size, size);
	FUZZ_CHECK(!strcmp(r.kind, "thread") || !strcmp(r.kind, "process"), "kind '%s'",
		   r.kind);
	env.origin = r.mono0;
	env.counters = ctr = vt_counters_new(0);
	vt_timeline_init(&tl, &env, r.pid, r.tid, "thread", NULL);
	while (vt_reader_next(&r, &ev) == 1) {
		const struct vt_record *x = &ev->r;

		FUZZ_CHECK(x->kind < VT_REC_MAX, "kind %u", x->kind);
		if (x->s1) {
			uintptr_t lo = (uintptr_t)r.raw, s1 = (uintptr_t)x->s1;

			FUZZ_CHECK(s1 >= lo && s1 + x->s1_len <= lo + r.raw_cap,
				   "string outside the chunk");
			fuzz_touch(x->s1, x->s1_len);
		}
		if (x->s2)
			fuzz_touch(x->s2, x->s2_len);
		if (x->kind == VT_REC_OPEN) {
			FUZZ_CHECK(x->id + x->count <= r.nids, "OPEN ids %lu+%lu of %zu",
				   (unsigned long)x->id, (unsigned long)x->count, r.nids);
			if (x->count)
				fuzz_touch(r.ids + x->id, x->count * sizeof(*r.ids));
		}
		if (x->kind == VT_REC_ARGS || x->kind == VT_REC_COUNTER ||
		    x->kind == VT_REC_INSTANT || x->kind == VT_REC_SPAN_B ||
		    x->kind == VT_REC_SPAN_E) {
			/* rendered as a JSON object into r.text: offset in id, length in count */
			FUZZ_CHECK(x->id + x->count <= r.ntext, "text %lu+%lu of %zu",
				   (unsigned long)x->id, (unsigned long)x->count, r.ntext);
			FUZZ_CHECK(x->count >= 2 && r.text[x->id] == '{' &&
					   r.text[x->id + x->count - 1] == '}',
				   "not an object");
			fuzz_touch(r.text + x->id, x->count);
		}
		if (x->kind == VT_REC_COUNTER) {
			/* its numbers: from index code, ended by a NULL key */
			FUZZ_CHECK(x->code >= 0 && (size_t)x->code < r.nnums, "numbers %lld of %zu",
				   (long long)x->code, r.nnums);
			for (size_t k = (size_t)x->code; r.nums[k].key; k++)
				FUZZ_CHECK(k + 1 < r.nnums, "numbers not ended");
		}
		if (x->kind == VT_REC_STACK && x->code > 0)
			FUZZ_CHECK(x->id + (uint64_t)x->code <= r.nids, "STACK ids %lu+%lld of %zu",
				   (unsigned long)x->id, (long long)x->code, r.nids);
		if (fed && vt_timeline_feed(&tl, &r, ev) < 0) {
			FUZZ_CHECK(tl.err[0] != 0, "timeline failed without a message");
			fed = 0;
		}
		n++;
	}
	vt_timeline_finish(&tl);
	vt_counters_emit(ctr, tname, sample, NULL);
	vt_counters_free(ctr);
	FUZZ_CHECK(r.off <= r.size, "offset %zu past the end %zu", r.off, r.size);
	if (r.err) {
		FUZZ_CHECK(r.err_msg[0] != 0, "error %d without a message", r.err);
		FUZZ_CHECK(r.err_off <= size, "error offset %zu past the end %zu", r.err_off, size);
	}
	if (r.argv)
		fuzz_touch(r.argv, strlen(r.argv));
	if (r.exe)
		fuzz_touch(r.exe, strlen(r.exe));
	if (r.cwd)
		fuzz_touch(r.cwd, strlen(r.cwd));
	(void)n;
	vt_reader_close(&r);
}

/* the input's tail as the records of a well-formed file (see the top of the file) */
static void read_as_records(const uint8_t *data, size_t size)
{
	struct tg_file f;
	struct tg_hdr h;
	size_t i, start;
	unsigned mode;

	if (size < 1)
		return;
	mode = data[0];
	h = tg_hdr_default(mode & 1 ? "process" : "thread");
	if (mode & 2) {
		h.clock = VT_CLOCK_TSC;
		h.tsc_hz = mode & 4 ? 3000000000ull : 0;
	}
	if (mode & 8)
		h.clock0 = h.mono0 = 0;
	tg_init(&f);
	tg_header(&f, &h);
	for (start = i = 1; i <= size; i++) {
		if (i == size || data[i] == 0xc1) {
			/* an empty piece still makes a chunk: LZ4 encodes 0 bytes in one */
			tg_chunk(&f, data + start, i - start);
			start = i + 1;
		}
	}
	read_all(f.buf, f.len);
	tg_release(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g_dir[0])
		setup();
	read_all(data, size);
	read_as_records(data, size);
	return 0;
}
