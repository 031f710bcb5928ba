/*
 * fuzz-decoder.c - arbitrary bytes as one decompressed chunk: the record decoder
 * (vt_decoder_reset/vt_decoder_next), the msgpack pre-check (vt_msgpack_check) and the
 * file prefix and chunk header parsers, all straight from common/format.c and format-dec.c.
 *
 * Properties checked besides memory safety (ASan) and UB (UBSan):
 *   - the decoder always moves forward and never past the end (as a stream of this format
 *     version, and for inputs of odd length as one of 1.x); it stops on an error
 *     with d.off at the start of the bad record, as format.h promises;
 *   - strings of decoded records lie inside the input;
 *   - a record the decoder accepts passed vt_msgpack_check at its offset;
 *   - the prefix and chunk-header parsers keep their documented bounds.
 */
#include <string.h>

#include "common/format.h"
#include "tests/fuzz/fuzz.h"

static struct vt_decoder g_dec;
static int g_init;

static void check_str(const uint8_t *buf, size_t len, const char *s, size_t n)
{
	if (!s)
		return;
	FUZZ_CHECK((const uint8_t *)s >= buf && (const uint8_t *)s + n <= buf + len,
		   "string outside the input");
	fuzz_touch(s, n);
}

static void check_record(const uint8_t *buf, size_t len, const struct vt_record *r)
{
	FUZZ_CHECK(r->kind < VT_REC_MAX, "kind %u accepted", r->kind);
	check_str(buf, len, r->s1, r->s1_len);
	check_str(buf, len, r->s2, r->s2_len);
	if (r->kind == VT_REC_PROC) {
		const msgpack_object *m = r->obj;
		size_t n = 0;
		const char *s;

		FUZZ_CHECK(m && m->type == MSGPACK_OBJECT_MAP, "PROC without a map");
		(void)vt_map_u64(m, "pid", 0);
		(void)vt_map_u64(m, "ppid", 7);
		(void)vt_map_get(m, "argv");
		if ((s = vt_map_str(m, "exe", &n)))
			check_str(buf, len, s, n);
		if ((s = vt_map_str(m, "cwd", &n)))
			check_str(buf, len, s, n);
	}
	if (r->kind == VT_REC_OPEN) {
		const msgpack_object *a = r->obj;

		FUZZ_CHECK(a && a->type == MSGPACK_OBJECT_ARRAY, "OPEN without an array");
		FUZZ_CHECK(r->count == a->via.array.size, "OPEN count");
		for (uint32_t i = 0; i < a->via.array.size; i++)
			FUZZ_CHECK(a->via.array.ptr[i].type == MSGPACK_OBJECT_POSITIVE_INTEGER,
				   "OPEN id %u not an integer", i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vt_record rec;
	unsigned major, minor;
	uint32_t hlen, raw, comp;
	size_t prev;
	int rc;

	if (!g_init) {
		vt_decoder_init(&g_dec);
		g_init = 1;
	}

	/* the two framing parsers on the same bytes */
	rc = vt_parse_prefix(data, size, &major, &minor, &hlen);
	if (rc == 0)
		FUZZ_CHECK(major >= VT_FORMAT_MAJOR_MIN && major <= VT_FORMAT_MAJOR &&
				   hlen <= VT_HEADER_MAX && size >= 16,
			   "prefix accepted: %u %u", major, hlen);
	else
		FUZZ_CHECK(rc == -VT_ERR_TRUNCATED || rc == -VT_ERR_BAD_MAGIC ||
				   rc == -VT_ERR_VERSION || rc == -VT_ERR_TOO_BIG,
			   "prefix rc %d", rc);
	rc = vt_parse_chunk_header(data, size, &raw, &comp);
	if (rc == 0)
		FUZZ_CHECK(raw <= VT_CHUNK_MAX_RAW && comp > 0 &&
				   (uint64_t)comp <= (uint64_t)raw + raw / 255 + 16,
			   "chunk header accepted: raw %u comp %u", raw, comp);
	FUZZ_CHECK(vt_strerror(rc) != NULL, "strerror");

	(void)vt_msgpack_check(data, size);

	vt_decoder_reset(&g_dec, data, size);
	/* the stream as this version's and, for inputs of odd length, as a 1.x stream */
	g_dec.major = size & 1 ? VT_FORMAT_MAJOR_MIN : VT_FORMAT_MAJOR;
	for (;;) {
		prev = g_dec.off;
		rc = vt_decoder_next(&g_dec, &rec);
		if (rc == 0) {
			FUZZ_CHECK(prev >= size, "end reported at %zu of %zu", prev, size);
			break;
		}
		if (rc < 0) {
			FUZZ_CHECK(rc == -VT_ERR_MSGPACK || rc == -VT_ERR_RECORD, "rc %d", rc);
			FUZZ_CHECK(g_dec.off == prev, "error leaves off at %zu, record at %zu",
				   g_dec.off, prev);
			break;
		}
		FUZZ_CHECK(rc == 1, "rc %d", rc);
		FUZZ_CHECK(g_dec.off > prev && g_dec.off <= size, "off %zu after %zu (size %zu)",
			   g_dec.off, prev, size);
		FUZZ_CHECK(vt_msgpack_check(data + prev, size - prev) == 0,
			   "record at %zu accepted without passing the check", prev);
		check_record(data, size, &rec);
	}
	return 0;
}
