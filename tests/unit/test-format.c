/*
 * test-format.c - the record codec (common/format.c, format-dec.c): encoder, decoder, prefixes.
 *
 * msgpack-c is the reference: what the encoder writes must unpack with it, and must be
 * byte for byte what msgpack-c's packer writes (both use the smallest integer form).
 * Decoders always run on heap copies of exactly the bytes under test, so that a read
 * past the end shows up under SAN=address.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <lz4.h>
#include <msgpack.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/format.h"

static uint8_t *g_buf;
#define BUF_CAP (1u << 20)
static struct vt_decoder g_dec;
static uint8_t *g_copy; /* the heap copy being decoded: strings point into it */

static void setup(void)
{
	g_buf = calloc(1, BUF_CAP);
	cr_assert_not_null(g_buf);
	vt_decoder_init(&g_dec);
}

static void teardown(void)
{
	vt_decoder_release(&g_dec);
	free(g_copy);
	free(g_buf);
}

TestSuite(format, .init = setup, .fini = teardown);

/* every msgpack unsigned width boundary */
static const uint64_t widths[] = {
	0, 1, 127, 128, 255, 256, 65535, 65536, 0xffffffffull, 0x100000000ull,
	UINT64_MAX - 1, UINT64_MAX,
};
#define NWIDTHS (sizeof(widths) / sizeof(widths[0]))

/* ids around every width of a short call's -(1 + (id << 1 | is_c)) too */
static const uint32_t widths32[] = {0, 1, 15, 16, 63, 64, 127, 128, 255, 256, 16383, 16384,
				    65535, 65536, 0x3fffffffu, 0x40000000u, 0xffffffffu};
#define NWIDTHS32 (sizeof(widths32) / sizeof(widths32[0]))

static const size_t str_lens[] = {0, 1, 31, 32, 255, 256, 2047, 2048, 2049, 5000};
#define NSTR_LENS (sizeof(str_lens) / sizeof(str_lens[0]))

static size_t cut(size_t len)
{
	return len > VT_DEF_STR_MAX ? VT_DEF_STR_MAX : len;
}

/* exact-size heap copy of buf[0..len) */
static uint8_t *heap_copy(const uint8_t *buf, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	cr_assert_not_null(c);
	if (len)
		memcpy(c, buf, len);
	return c;
}

/* a heap string of @len printable bytes, not NUL-terminated (exact size) */
static char *make_str(size_t len, unsigned seed)
{
	char *s = malloc(len ? len : 1);

	cr_assert_not_null(s);
	for (size_t i = 0; i < len; i++)
		s[i] = (char)('!' + (seed * 31 + i * 7) % 90);
	return s;
}

/* start decoding a heap copy of buf[0..len) */
static void decode_start(const uint8_t *buf, size_t len)
{
	free(g_copy);
	g_copy = heap_copy(buf, len);
	vt_decoder_reset(&g_dec, g_copy, len);
}

/* decode exactly one record from buf[0..len) and check nothing is left */
static void decode_one(const uint8_t *buf, size_t len, struct vt_record *rec)
{
	struct vt_record end;
	int rc;

	decode_start(buf, len);
	rc = vt_decoder_next(&g_dec, rec);
	cr_assert_eq(rc, 1, "decode failed: %d (%s)", rc, vt_strerror(rc));
	cr_assert_eq(g_dec.off, len, "record is %zu bytes, decoder consumed %zu", len, g_dec.off);
	cr_assert_eq(vt_decoder_next(&g_dec, &end), 0);
}

/* ---- msgpack-c as the reference ------------------------------------------------------ */

/*
 * Pack with msgpack-c from a spec: 'a' array (int n), 'm' map (int n), 'u' uint64,
 * 'i' int64, 's' str (const char *, NUL-terminated), 'S' str (const char *, size_t len),
 * 'n' nil, 't' true, 'd' double. The result goes into @sb (initialised here).
 */
static void mp(msgpack_sbuffer *sb, const char *spec, ...)
{
	msgpack_packer pk;
	va_list ap;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	va_start(ap, spec);
	for (const char *c = spec; *c; c++) {
		switch (*c) {
		case 'a':
			msgpack_pack_array(&pk, (size_t)va_arg(ap, int));
			break;
		case 'm':
			msgpack_pack_map(&pk, (size_t)va_arg(ap, int));
			break;
		case 'u':
			msgpack_pack_uint64(&pk, va_arg(ap, uint64_t));
			break;
		case 'i':
			msgpack_pack_int64(&pk, va_arg(ap, int64_t));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			msgpack_pack_str(&pk, strlen(s));
			msgpack_pack_str_body(&pk, s, strlen(s));
			break;
		}
		case 'S': {
			const char *s = va_arg(ap, const char *);
			size_t n = va_arg(ap, size_t);

			msgpack_pack_str(&pk, n);
			msgpack_pack_str_body(&pk, s, n);
			break;
		}
		case 'n':
			msgpack_pack_nil(&pk);
			break;
		case 't':
			msgpack_pack_true(&pk);
			break;
		case 'd':
			msgpack_pack_double(&pk, va_arg(ap, double));
			break;
		default:
			cr_assert_fail("bad spec char '%c'", *c);
		}
	}
	va_end(ap);
}

/* the buffer must hold exactly @n msgpack objects, per msgpack-c */
static void assert_valid_msgpack(const uint8_t *buf, size_t len, size_t n)
{
	msgpack_unpacked u;
	size_t off = 0, count = 0;
	uint8_t *c = heap_copy(buf, len);

	msgpack_unpacked_init(&u);
	while (off < len) {
		msgpack_unpack_return ret = msgpack_unpack_next(&u, (const char *)c, len, &off);

		cr_assert(ret == MSGPACK_UNPACK_SUCCESS || ret == MSGPACK_UNPACK_EXTRA_BYTES,
			  "msgpack-c rejects the encoding at object %zu (ret %d)", count, ret);
		cr_assert(u.data.type == MSGPACK_OBJECT_ARRAY ||
				  u.data.type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
				  u.data.type == MSGPACK_OBJECT_NEGATIVE_INTEGER ||
				  u.data.type == MSGPACK_OBJECT_NIL,
			  "object %zu is not an array, a bare dt, a short call or nil", count);
		count++;
	}
	cr_assert_eq(off, len);
	cr_assert_eq(count, n, "%zu objects, expected %zu", count, n);
	msgpack_unpacked_destroy(&u);
	free(c);
}

static void assert_same_bytes(const uint8_t *got, size_t got_len, msgpack_sbuffer *ref,
			      const char *what, uint64_t v)
{
	size_t ref_len = ref->size;
	int same = got_len == ref_len && !memcmp(got, ref->data, got_len);
	uint8_t ref0 = ref_len ? (uint8_t)ref->data[0] : 0;

	msgpack_sbuffer_destroy(ref); /* before asserting: no leak report on a failure */
	cr_assert_eq(got_len, ref_len, "%s (%#llx): %zu bytes, msgpack-c packs %zu", what,
		     (unsigned long long)v, got_len, ref_len);
	cr_assert(same, "%s (%#llx): bytes differ from msgpack-c's (first byte %#x vs %#x)",
		  what, (unsigned long long)v, got[0], ref0);
}

/* ---- encoder: integer, string, container forms ---------------------------------------- */

Test(format, put_uint_matches_msgpack_c_at_every_width)
{
	msgpack_sbuffer sb;

	for (size_t i = 0; i < NWIDTHS; i++) {
		for (int d = -1; d <= 1; d++) {
			uint64_t v = widths[i] + (uint64_t)(int64_t)d;
			size_t n = (size_t)(vt_put_uint(g_buf, v) - g_buf);

			mp(&sb, "u", v);
			assert_same_bytes(g_buf, n, &sb, "vt_put_uint", v);
		}
	}
}

/* FORMAT.md: "Integers always use the smallest msgpack form" - signed ones too */
Test(format, put_int_uses_the_smallest_form)
{
	static const int64_t vals[] = {
		0, 1, 127, 128, 255, 256, 65535, 65536, INT32_MAX, 0xffffffffll, 0x100000000ll,
		INT64_MAX, -1, -31, -32, -33, -127, -128, -129, -32767, -32768, -32769,
		INT32_MIN + 1, INT32_MIN, (int64_t)INT32_MIN - 1, INT64_MIN + 1, INT64_MIN,
	};
	msgpack_sbuffer sb;

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		size_t n = (size_t)(vt_put_int(g_buf, vals[i]) - g_buf);

		mp(&sb, "i", vals[i]);
		assert_same_bytes(g_buf, n, &sb, "vt_put_int", (uint64_t)vals[i]);
	}
}

Test(format, put_int_round_trips_through_msgpack_c)
{
	static const int64_t vals[] = {
		0, 127, 128, INT64_MAX, -1, -32, -33, -128, -129, -32768, -32769, INT32_MIN,
		(int64_t)INT32_MIN - 1, INT64_MIN,
	};

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		size_t n = (size_t)(vt_put_int(g_buf, vals[i]) - g_buf), off = 0;
		msgpack_unpacked u;
		uint8_t *c = heap_copy(g_buf, n);

		msgpack_unpacked_init(&u);
		cr_assert_eq(msgpack_unpack_next(&u, (const char *)c, n, &off),
			     MSGPACK_UNPACK_SUCCESS);
		cr_assert_eq(off, n);
		if (vals[i] < 0) {
			cr_assert_eq(u.data.type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
			cr_assert_eq(u.data.via.i64, vals[i]);
		} else {
			cr_assert_eq(u.data.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
			cr_assert_eq(u.data.via.u64, (uint64_t)vals[i]);
		}
		msgpack_unpacked_destroy(&u);
		free(c);
	}
}

Test(format, put_str_matches_msgpack_c_and_cuts_long_strings)
{
	msgpack_sbuffer sb;

	for (size_t i = 0; i < NSTR_LENS; i++) {
		size_t len = str_lens[i];
		char *s = make_str(len, (unsigned)i);
		size_t n = (size_t)(vt_put_str(g_buf, s, len) - g_buf);

		mp(&sb, "S", s, cut(len));
		assert_same_bytes(g_buf, n, &sb, "vt_put_str", len);
		free(s);
	}
}

Test(format, put_array_and_map_headers_match_msgpack_c)
{
	static const uint32_t ns[] = {0, 1, 15, 16, 65535, 65536, UINT32_MAX};
	msgpack_sbuffer sb;

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		size_t n = (size_t)(vt_put_array(g_buf, ns[i]) - g_buf);

		mp(&sb, "a", (int)ns[i]);
		assert_same_bytes(g_buf, n, &sb, "vt_put_array", ns[i]);
		n = (size_t)(vt_put_map(g_buf, ns[i]) - g_buf);
		mp(&sb, "m", (int)ns[i]);
		assert_same_bytes(g_buf, n, &sb, "vt_put_map", ns[i]);
	}
}

Test(format, worst_case_records_fit_their_max)
{
	char *name = make_str(VT_DEF_STR_MAX + 100, 1);
	uint8_t *e;

	e = vt_put_id_rec(g_buf, VT_REC_RESUME, UINT32_MAX, UINT64_MAX);
	cr_assert_leq(e - g_buf, VT_REC_HOT_MAX);
	e = vt_put_dt_rec(g_buf, VT_REC_YIELD, UINT64_MAX);
	cr_assert_leq(e - g_buf, VT_REC_HOT_MAX);
	e = vt_put_def(g_buf, UINT32_MAX, VT_DEF_C, name, VT_DEF_STR_MAX + 100, name,
		       VT_DEF_STR_MAX + 100, UINT32_MAX);
	cr_assert_leq(e - g_buf, VT_REC_DEF_MAX);
	e = vt_put_alias(g_buf, 2 * VT_ALIAS_SLOTS - 1, UINT32_MAX);
	cr_assert_leq(e - g_buf, VT_REC_ALIAS_MAX);
	free(name);
}

/* ---- encoder -> decoder round trips, one per record kind ------------------------------- */

static void assert_hot_fields_zero(const struct vt_record *r)
{
	cr_assert_eq(r->clock, 0);
	cr_assert_eq(r->mono_ns, 0);
	cr_assert_eq(r->count, 0);
	cr_assert_eq(r->code, 0);
	cr_assert_null(r->s1);
	cr_assert_null(r->s2);
	cr_assert_null(r->obj);
}

Test(format, roundtrip_id_records)
{
	static const unsigned kinds[] = {VT_REC_CALL, VT_REC_CCALL, VT_REC_RESUME};
	struct vt_record r;
	msgpack_sbuffer sb;

	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < NWIDTHS32; i++)
			for (size_t j = 0; j < NWIDTHS; j++) {
				size_t n = (size_t)(vt_put_id_rec(g_buf, kinds[k], widths32[i],
								  widths[j]) - g_buf);

				if (kinds[k] == VT_REC_RESUME)
					mp(&sb, "auuu", 3, (uint64_t)kinds[k],
					   (uint64_t)widths32[i], widths[j]);
				else /* 3.0: -(1 + (id << 1 | is_c)), then the dt */
					mp(&sb, "iu",
					   -1 - (int64_t)((uint64_t)widths32[i] << 1 |
							  (kinds[k] == VT_REC_CCALL)),
					   widths[j]);
				assert_same_bytes(g_buf, n, &sb, "id record", widths[j]);
				g_dec.major = 3; /* the value is the id itself (4.0: see below) */
				decode_one(g_buf, n, &r);
				cr_assert_eq(r.kind, kinds[k]);
				cr_assert_eq(r.id, widths32[i]);
				cr_assert_eq(r.dt, widths[j], "dt %#llx decoded as %#llx",
					     (unsigned long long)widths[j],
					     (unsigned long long)r.dt);
				assert_hot_fields_zero(&r);
			}
}

/* 4.0: a short call's value below VT_ALIAS_SLOTS is a slot the chunk bound with an ALIAS
 * record (which the decoder takes and never returns), from there on VT_ALIAS_SLOTS + id */
Test(format, short_calls_go_through_the_chunks_alias_slots)
{
	static const unsigned kinds[] = {VT_REC_CALL, VT_REC_CCALL};
	static const uint64_t dts[] = {0, 127, 128, 65536};
	struct vt_record r;

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < NWIDTHS32 && widths32[i] < 0x40000000u; i++)
			for (size_t j = 0; j < sizeof(dts) / sizeof(dts[0]); j++) {
				uint32_t v = widths32[i], is_c = kinds[k] == VT_REC_CCALL;
				uint32_t want = v < VT_ALIAS_SLOTS ? 70000 + v : v - VT_ALIAS_SLOTS;
				uint8_t *p = g_buf;

				if (v < VT_ALIAS_SLOTS)
					p = vt_put_alias(p, v << 1 | is_c, want);
				p = vt_put_id_rec(p, kinds[k], v, dts[j]);
				decode_one(g_buf, (size_t)(p - g_buf), &r);
				cr_assert_eq(r.kind, kinds[k]);
				cr_assert_eq(r.id, want, "value %u (is_c %u): id %llu, wanted %u", v,
					     is_c, (unsigned long long)r.id, want);
				cr_assert_eq(r.dt, dts[j]);
			}
}

Test(format, an_unbound_slot_is_a_bad_record_and_slots_end_with_their_chunk)
{
	struct vt_record r;
	uint8_t *p;
	size_t n;

	/* never bound: the record is bad, named at its own offset */
	p = vt_put_id_rec(g_buf, VT_REC_CALL, 3, 5);
	decode_start(g_buf, (size_t)(p - g_buf));
	cr_assert_eq(vt_decoder_next(&g_dec, &r), -VT_ERR_RECORD);
	cr_assert_eq(g_dec.off, 0);
	/* a slot of C functions binds no Python call of the same value */
	p = vt_put_alias(g_buf, 3 << 1 | 1, 9);
	p = vt_put_id_rec(p, VT_REC_CCALL, 3, 5);
	n = (size_t)(p - g_buf);
	p = vt_put_id_rec(p, VT_REC_CALL, 3, 5);
	decode_start(g_buf, (size_t)(p - g_buf));
	cr_assert_eq(vt_decoder_next(&g_dec, &r), 1);
	cr_assert_eq(r.kind, VT_REC_CCALL);
	cr_assert_eq(r.id, 9);
	cr_assert_eq(vt_decoder_next(&g_dec, &r), -VT_ERR_RECORD);
	cr_assert_eq(g_dec.off, n);
	/* the next chunk starts with no slot bound */
	p = vt_put_alias(g_buf, 4 << 1, 11);
	p = vt_put_id_rec(p, VT_REC_CALL, 4, 1);
	n = (size_t)(p - g_buf);
	decode_start(g_buf, n);
	cr_assert_eq(vt_decoder_next(&g_dec, &r), 1);
	cr_assert_eq(r.id, 11);
	vt_decoder_reset(&g_dec, g_copy + n - 2, 2); /* the call alone, as a new chunk */
	cr_assert_eq(vt_decoder_next(&g_dec, &r), -VT_ERR_RECORD);
	/* a slot bound twice stands for the last function */
	p = vt_put_alias(g_buf, 4 << 1, 11);
	p = vt_put_alias(p, 4 << 1, 12);
	p = vt_put_id_rec(p, VT_REC_CALL, 4, 1);
	decode_start(g_buf, (size_t)(p - g_buf));
	cr_assert_eq(vt_decoder_next(&g_dec, &r), 1);
	cr_assert_eq(r.id, 12);
	cr_assert_eq(vt_decoder_next(&g_dec, &r), 0);
}

Test(format, roundtrip_dt_records)
{
	static const unsigned kinds[] = {VT_REC_RET, VT_REC_CRET, VT_REC_UNWIND, VT_REC_CRAISE,
					 VT_REC_YIELD};
	struct vt_record r;
	msgpack_sbuffer sb;

	for (size_t k = 0; k < 5; k++)
		for (size_t j = 0; j < NWIDTHS; j++) {
			size_t n = (size_t)(vt_put_dt_rec(g_buf, kinds[k], widths[j]) - g_buf);

			if (kinds[k] == VT_REC_RET)
				mp(&sb, "u", widths[j]); /* 2.0: a RET is its bare dt */
			else if (kinds[k] == VT_REC_CRET)
				mp(&sb, "nu", widths[j]); /* 3.0: nil, then the dt */
			else
				mp(&sb, "auu", 2, (uint64_t)kinds[k], widths[j]);
			assert_same_bytes(g_buf, n, &sb, "dt record", widths[j]);
			decode_one(g_buf, n, &r);
			cr_assert_eq(r.kind, kinds[k]);
			cr_assert_eq(r.dt, widths[j]);
			cr_assert_eq(r.id, 0);
			assert_hot_fields_zero(&r);
		}
}

static void check_def(uint32_t id, unsigned kind, size_t nlen, size_t flen, uint32_t line,
		      unsigned seed)
{
	char *name = make_str(nlen, seed), *file = make_str(flen, seed + 1);
	struct vt_record r;
	msgpack_sbuffer sb;
	size_t n = (size_t)(vt_put_def(g_buf, id, kind, name, nlen, file, flen, line) - g_buf);

	cr_assert_leq(n, VT_REC_DEF_MAX);
	mp(&sb, "auuuSSu", 6, (uint64_t)VT_REC_DEF, (uint64_t)id, (uint64_t)kind, name, cut(nlen),
	   file, cut(flen), (uint64_t)line);
	assert_same_bytes(g_buf, n, &sb, "DEF", nlen);
	decode_one(g_buf, n, &r);
	cr_assert_eq(r.kind, VT_REC_DEF);
	cr_assert_eq(r.id, id);
	cr_assert_eq(r.count, kind);
	cr_assert_eq(r.code, (int64_t)line);
	cr_assert_eq(r.s1_len, cut(nlen), "name of %zu bytes came back as %zu", nlen, r.s1_len);
	cr_assert_eq(r.s2_len, cut(flen), "file of %zu bytes came back as %zu", flen, r.s2_len);
	cr_assert(!r.s1_len || !memcmp(r.s1, name, r.s1_len));
	cr_assert(!r.s2_len || !memcmp(r.s2, file, r.s2_len));
	free(name);
	free(file);
}

Test(format, roundtrip_def_string_lengths)
{
	for (size_t i = 0; i < NSTR_LENS; i++)
		for (size_t j = 0; j < NSTR_LENS; j++)
			check_def((uint32_t)(i * NSTR_LENS + j), (unsigned)(j & 1), str_lens[i],
				  str_lens[j], 7, (unsigned)i);
}

Test(format, roundtrip_def_integer_widths)
{
	for (size_t i = 0; i < NWIDTHS32; i++)
		for (size_t j = 0; j < NWIDTHS32; j++)
			check_def(widths32[i], VT_DEF_PY, 3, 5, widths32[j], 3);
}

Test(format, roundtrip_sync_and_end)
{
	struct vt_record r;
	msgpack_sbuffer sb;

	for (size_t i = 0; i < NWIDTHS; i++)
		for (size_t j = 0; j < NWIDTHS; j++) {
			size_t n = (size_t)(vt_put_sync(g_buf, widths[i], widths[j]) - g_buf);

			mp(&sb, "auuu", 3, (uint64_t)VT_REC_SYNC, widths[i], widths[j]);
			assert_same_bytes(g_buf, n, &sb, "SYNC", widths[i]);
			decode_one(g_buf, n, &r);
			cr_assert_eq(r.kind, VT_REC_SYNC);
			cr_assert_eq(r.clock, widths[i]);
			cr_assert_eq(r.mono_ns, widths[j]);

			for (unsigned reason = VT_END_THREAD; reason <= VT_END_STOP; reason++) {
				n = (size_t)(vt_put_end(g_buf, widths[i], widths[j], reason) -
					     g_buf);
				mp(&sb, "auuuu", 4, (uint64_t)VT_REC_END, widths[i], widths[j],
				   (uint64_t)reason);
				assert_same_bytes(g_buf, n, &sb, "END", widths[i]);
				decode_one(g_buf, n, &r);
				cr_assert_eq(r.kind, VT_REC_END);
				cr_assert_eq(r.clock, widths[i]);
				cr_assert_eq(r.mono_ns, widths[j]);
				cr_assert_eq(r.count, reason);
			}
		}
}

Test(format, roundtrip_text_records)
{
	static const unsigned kinds[] = {VT_REC_TNAME, VT_REC_MARK};
	struct vt_record r;
	msgpack_sbuffer sb;

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < NSTR_LENS; i++) {
			uint64_t dt = widths[i % NWIDTHS];
			char *s = make_str(str_lens[i], (unsigned)i);
			size_t n = (size_t)(vt_put_text_rec(g_buf, kinds[k], dt, s, str_lens[i]) -
					    g_buf);

			mp(&sb, "auuS", 3, (uint64_t)kinds[k], dt, s, cut(str_lens[i]));
			assert_same_bytes(g_buf, n, &sb, "text record", str_lens[i]);
			decode_one(g_buf, n, &r);
			cr_assert_eq(r.kind, kinds[k]);
			cr_assert_eq(r.dt, dt);
			cr_assert_eq(r.s1_len, cut(str_lens[i]));
			cr_assert(!r.s1_len || !memcmp(r.s1, s, r.s1_len));
			free(s);
		}
}

Test(format, roundtrip_lost)
{
	static const char *reasons[] = {"", "stopped", "buffer full: the disk is slow"};
	struct vt_record r;
	msgpack_sbuffer sb;

	for (size_t i = 0; i < NWIDTHS; i++)
		for (size_t k = 0; k < 3; k++) {
			size_t n = (size_t)(vt_put_lost(g_buf, widths[i], widths[NWIDTHS - 1 - i],
							reasons[k]) - g_buf);

			mp(&sb, "auuus", 4, (uint64_t)VT_REC_LOST, widths[i],
			   widths[NWIDTHS - 1 - i], reasons[k]);
			assert_same_bytes(g_buf, n, &sb, "LOST", widths[i]);
			decode_one(g_buf, n, &r);
			cr_assert_eq(r.kind, VT_REC_LOST);
			cr_assert_eq(r.dt, widths[i]);
			cr_assert_eq(r.count, widths[NWIDTHS - 1 - i]);
			cr_assert_eq(r.s1_len, strlen(reasons[k]));
			cr_assert(!r.s1_len || !memcmp(r.s1, reasons[k], r.s1_len));
		}
}

Test(format, roundtrip_exit)
{
	static const int64_t codes[] = {
		0, 1, 127, 128, 255, 256, 65536, INT32_MAX, 0x100000000ll, INT64_MAX, -1, -32,
		-33, -128, -129, -32768, -32769, INT32_MIN, (int64_t)INT32_MIN - 1, INT64_MIN,
	};
	struct vt_record r;

	for (unsigned how = VT_EXIT_CODE; how <= VT_EXIT_UNKNOWN; how++)
		for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
			uint64_t dt = widths[i % NWIDTHS];
			size_t n = (size_t)(vt_put_exit(g_buf, dt, how, codes[i]) - g_buf);

			assert_valid_msgpack(g_buf, n, 1);
			decode_one(g_buf, n, &r);
			cr_assert_eq(r.kind, VT_REC_EXIT);
			cr_assert_eq(r.dt, dt);
			cr_assert_eq(r.count, how);
			cr_assert_eq(r.code, codes[i], "code %lld decoded as %lld",
				     (long long)codes[i], (long long)r.code);
		}
}

Test(format, roundtrip_fork_and_stack)
{
	struct vt_record r;
	msgpack_sbuffer sb;

	for (size_t i = 0; i < NWIDTHS; i++)
		for (size_t j = 0; j < NWIDTHS32; j++) {
			size_t n = (size_t)(vt_put_fork(g_buf, widths[i], widths32[j]) - g_buf);

			mp(&sb, "auuu", 3, (uint64_t)VT_REC_FORK, widths[i], (uint64_t)widths32[j]);
			assert_same_bytes(g_buf, n, &sb, "FORK", widths[i]);
			decode_one(g_buf, n, &r);
			cr_assert_eq(r.kind, VT_REC_FORK);
			cr_assert_eq(r.dt, widths[i]);
			cr_assert_eq(r.count, widths32[j]);

			n = (size_t)(vt_put_stack(g_buf, widths[i], widths32[j]) - g_buf);
			mp(&sb, "auuu", 3, (uint64_t)VT_REC_STACK, widths[i],
			   (uint64_t)widths32[j]);
			assert_same_bytes(g_buf, n, &sb, "STACK", widths[i]);
			decode_one(g_buf, n, &r);
			cr_assert_eq(r.kind, VT_REC_STACK);
			cr_assert_eq(r.dt, widths[i]);
			cr_assert_eq(r.count, widths32[j]);
		}
}

/* 4.1: a STACK record names its frames; a 4.0 reader's arity check takes it (extra
 * element), and a bad id list is an error */
Test(format, stack_with_ids)
{
	static const uint32_t ids[] = { 0, 127, 128, 65535, 65536, 0xfffffffe };
	struct vt_record r;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t n = (size_t)(vt_put_stack_ids(g_buf, 300, 7, ids, 6) - g_buf);
	const msgpack_object *a;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_uint64(&pk, VT_REC_STACK);
	msgpack_pack_uint64(&pk, 300);
	msgpack_pack_uint64(&pk, 7);
	msgpack_pack_array(&pk, 6);
	for (int i = 0; i < 6; i++)
		msgpack_pack_uint64(&pk, ids[i]);
	assert_same_bytes(g_buf, n, &sb, "STACK ids", 300);
	cr_assert_leq(n, 16 + 5 * 6);
	decode_one(g_buf, n, &r);
	cr_assert_eq(r.kind, VT_REC_STACK);
	cr_assert_eq(r.dt, 300);
	cr_assert_eq(r.count, 7);
	cr_assert_eq(r.code, 6);
	a = r.obj;
	cr_assert_not_null(a);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(a->via.array.ptr[i].via.u64, ids[i]);
	/* without ids (4.0, and a stop's STACK 0): no list */
	n = (size_t)(vt_put_stack(g_buf, 1, 0) - g_buf);
	decode_one(g_buf, n, &r);
	cr_assert_eq(r.code, 0);
	cr_assert_null(r.obj);
	/* a fourth element that is not a list of ids */
	mp(&sb, "auuus", 4, (uint64_t)VT_REC_STACK, (uint64_t)1, (uint64_t)2, "x");
	decode_start((const uint8_t *)sb.data, sb.size);
	cr_assert_eq(vt_decoder_next(&g_dec, &r), -VT_ERR_RECORD);
	msgpack_sbuffer_destroy(&sb);
}

/* PROC is written with the generic helpers, as preload/proc.c does */
static size_t put_proc(uint8_t *buf)
{
	uint8_t *p = buf;

	p = vt_put_array(p, 2);
	p = vt_put_uint(p, VT_REC_PROC);
	p = vt_put_map(p, 5);
	p = vt_put_str(p, "pid", 3);
	p = vt_put_uint(p, 70000);
	p = vt_put_str(p, "argv", 4);
	p = vt_put_array(p, 3);
	p = vt_put_str(p, "python3", 7);
	p = vt_put_str(p, "-c", 2);
	p = vt_put_str(p, "", 0);
	p = vt_put_str(p, "exe", 3);
	p = vt_put_str(p, "/usr/bin/python3.11", 19);
	p = vt_put_str(p, "real0", 5);
	p = vt_put_uint(p, UINT64_MAX);
	p = vt_put_str(p, "neg", 3);
	p = vt_put_int(p, -5);
	return (size_t)(p - buf);
}

Test(format, roundtrip_proc_map)
{
	struct vt_record r;
	const msgpack_object *m, *argv;
	const char *s;
	size_t len, n = put_proc(g_buf);

	assert_valid_msgpack(g_buf, n, 1);
	decode_one(g_buf, n, &r);
	cr_assert_eq(r.kind, VT_REC_PROC);
	m = r.obj;
	cr_assert_not_null(m);
	cr_assert_eq(m->type, MSGPACK_OBJECT_MAP);
	cr_assert_eq(vt_map_u64(m, "pid", 1), 70000);
	cr_assert_eq(vt_map_u64(m, "real0", 1), UINT64_MAX);
	cr_assert_eq(vt_map_u64(m, "missing", 99), 99);
	cr_assert_eq(vt_map_u64(m, "exe", 99), 99, "a string is not an integer");
	cr_assert_eq(vt_map_u64(m, "neg", 99), 99, "a negative value is not a u64");
	s = vt_map_str(m, "exe", &len);
	cr_assert_not_null(s);
	cr_assert_eq(len, 19);
	cr_assert(!memcmp(s, "/usr/bin/python3.11", 19));
	cr_assert_null(vt_map_str(m, "pid", &len));
	cr_assert_null(vt_map_str(m, "ex", &len), "keys match whole, not by prefix");
	argv = vt_map_get(m, "argv");
	cr_assert_not_null(argv);
	cr_assert_eq(argv->type, MSGPACK_OBJECT_ARRAY);
	cr_assert_eq(argv->via.array.size, 3);
	cr_assert_eq(argv->via.array.ptr[2].via.str.size, 0);
	cr_assert_null(vt_map_get(argv, "x"), "not a map");
	cr_assert_null(vt_map_get(NULL, "x"));
}

/* one of everything, written back to back as a chunk would hold it */
static size_t put_stream(uint8_t *buf, size_t *ends, size_t *nrec)
{
	uint8_t *p = buf;
	size_t n = 0;
#define END() (ends[n++] = (size_t)(p - buf))
	p = vt_put_sync(p, 0x100000000ull, 5000000000ull); END();
	p = vt_put_def(p, 0, VT_DEF_PY, "fib", 3, "/tmp/f.py", 9, 1); END();
	p = vt_put_def(p, 70000, VT_DEF_C, "builtins.len", 12, "", 0, 0); END();
	p = vt_put_call(p, VT_REC_CALL, 0, 40); END();
	p = vt_put_call(p, VT_REC_CCALL, 70000, 300); END();
	p = vt_put_dt_rec(p, VT_REC_CRAISE, 65536); END();
	p = vt_put_dt_rec(p, VT_REC_CRET, 1); END();
	p = vt_put_dt_rec(p, VT_REC_YIELD, 0xffffffffull); END();
	p = vt_put_call(p, VT_REC_RESUME, 0, 0x100000000ull); END();
	p = vt_put_dt_rec(p, VT_REC_UNWIND, 127); END();
	p = vt_put_text_rec(p, VT_REC_TNAME, 128, "MainThread", 10); END();
	p = vt_put_lost(p, 255, 1000, "full"); END();
	p = vt_put_text_rec(p, VT_REC_MARK, 256, "note", 4); END();
	p = vt_put_fork(p, 65535, 4000000); END();
	p = vt_put_stack(p, 3, 12); END();
	p += put_proc(p); END();
	p = vt_put_exit(p, 9, VT_EXIT_SIGNAL, 9); END();
	p = vt_put_exit(p, 9, VT_EXIT_CODE, -1); END();
	p = vt_put_dt_rec(p, VT_REC_RET, UINT64_MAX); END();
	p = vt_put_end(p, UINT64_MAX, UINT64_MAX, VT_END_SIGNAL); END();
#undef END
	*nrec = n;
	return (size_t)(p - buf);
}

static const unsigned stream_kinds[] = {
	VT_REC_SYNC, VT_REC_DEF, VT_REC_DEF, VT_REC_CALL, VT_REC_CCALL, VT_REC_CRAISE,
	VT_REC_CRET, VT_REC_YIELD, VT_REC_RESUME, VT_REC_UNWIND, VT_REC_TNAME, VT_REC_LOST,
	VT_REC_MARK, VT_REC_FORK, VT_REC_STACK, VT_REC_PROC, VT_REC_EXIT, VT_REC_EXIT,
	VT_REC_RET, VT_REC_END,
};

Test(format, stream_of_every_kind_is_valid_msgpack_and_decodes)
{
	size_t ends[64], nrec, len = put_stream(g_buf, ends, &nrec);
	struct vt_record r;
	int rc;

	cr_assert_eq(nrec, sizeof(stream_kinds) / sizeof(stream_kinds[0]));
	/* the short CALL, CCALL and CRET are two msgpack values each */
	assert_valid_msgpack(g_buf, len, nrec + 3);
	decode_start(g_buf, len);
	for (size_t i = 0; i < nrec; i++) {
		rc = vt_decoder_next(&g_dec, &r);
		cr_assert_eq(rc, 1, "record %zu: %d", i, rc);
		cr_assert_eq(r.kind, stream_kinds[i], "record %zu: kind %u", i, r.kind);
		cr_assert_eq(g_dec.off, ends[i]);
	}
	cr_assert_eq(vt_decoder_next(&g_dec, &r), 0);
	cr_assert_eq(vt_decoder_next(&g_dec, &r), 0, "the end stays the end");
}

/* every prefix of a valid stream: the complete records, then 0 or an error */
Test(format, decoder_on_every_prefix_of_a_stream)
{
	size_t ends[64], nrec, len = put_stream(g_buf, ends, &nrec);
	struct vt_record r;

	for (size_t cutlen = 0; cutlen <= len; cutlen++) {
		size_t complete = 0, got = 0, at_boundary = cutlen == 0;
		int rc;

		for (size_t i = 0; i < nrec && ends[i] <= cutlen; i++) {
			complete++;
			if (ends[i] == cutlen)
				at_boundary = 1;
		}
		decode_start(g_buf, cutlen);
		while ((rc = vt_decoder_next(&g_dec, &r)) == 1) {
			cr_assert_eq(r.kind, stream_kinds[got], "prefix %zu, record %zu", cutlen,
				     got);
			cr_assert_leq(++got, nrec);
		}
		cr_assert_eq(got, complete, "prefix %zu: %zu records, %zu complete", cutlen, got,
			     complete);
		if (at_boundary) {
			cr_assert_eq(rc, 0, "prefix %zu ends on a record: %d", cutlen, rc);
		} else {
			cr_assert(rc == -VT_ERR_MSGPACK || rc == -VT_ERR_RECORD,
				  "prefix %zu cuts a record: got %d", cutlen, rc);
			cr_assert_eq(g_dec.off, complete ? ends[complete - 1] : 0,
				     "prefix %zu: off %zu is not the start of the cut record",
				     cutlen, g_dec.off);
		}
	}
}

/* ---- decoder: unknown kinds and malformed records -------------------------------------- */

/* decode @bad after a valid CRET: the CRET, then @want with off at the start of @bad */
static void expect_bad_record(msgpack_sbuffer *bad, int want)
{
	static const uint8_t cret[] = { 0x92, VT_REC_CRET, 5 }; /* [3, 5]: any version */
	size_t start = sizeof(cret);
	uint8_t *p = g_buf + start;

	memcpy(g_buf, cret, sizeof(cret)); /* a good record first */
	struct vt_record r;
	int rc;

	memcpy(p, bad->data, bad->size);
	decode_start(g_buf, start + bad->size);
	cr_assert_eq(vt_decoder_next(&g_dec, &r), 1);
	rc = vt_decoder_next(&g_dec, &r);
	cr_assert_eq(rc, want, "got %d (%s), wanted %d (%s)", rc, vt_strerror(rc), want,
		     vt_strerror(want));
	cr_assert_eq(g_dec.off, start, "off %zu is not the bad record's start %zu", g_dec.off,
		     start);
	msgpack_sbuffer_destroy(bad);
}

Test(format, unknown_kind_below_max_is_skipped)
{
	static const unsigned kinds[] = {8, 9, 15, 34, 63};
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct vt_record r;
	size_t n;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		/* [kind, 1, "x", {"a": [nil, 1.5]}], then [kind], then a CALL */
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_array(&pk, 4);
		msgpack_pack_uint64(&pk, kinds[k]);
		msgpack_pack_uint64(&pk, 1);
		msgpack_pack_str_with_body(&pk, "x", 1);
		msgpack_pack_map(&pk, 1);
		msgpack_pack_str_with_body(&pk, "a", 1);
		msgpack_pack_array(&pk, 2);
		msgpack_pack_nil(&pk);
		msgpack_pack_double(&pk, 1.5);
		msgpack_pack_array(&pk, 1);
		msgpack_pack_uint64(&pk, kinds[k]);
		memcpy(g_buf, sb.data, sb.size);
		n = (size_t)(vt_put_call(g_buf + sb.size, VT_REC_CALL, 3, 7) - g_buf);
		msgpack_sbuffer_destroy(&sb);

		decode_start(g_buf, n);
		cr_assert_eq(vt_decoder_next(&g_dec, &r), 1, "kind %u", kinds[k]);
		cr_assert_eq(r.kind, kinds[k]);
		cr_assert_eq(r.dt, 0);
		cr_assert_eq(r.id, 0);
		cr_assert_null(r.s1);
		cr_assert_eq(vt_decoder_next(&g_dec, &r), 1, "kind %u with no fields", kinds[k]);
		cr_assert_eq(r.kind, kinds[k]);
		cr_assert_eq(vt_decoder_next(&g_dec, &r), 1, "the record after kind %u", kinds[k]);
		cr_assert_eq(r.kind, VT_REC_CALL);
		cr_assert_eq(r.id, 3);
		cr_assert_eq(r.dt, 7);
		cr_assert_eq(vt_decoder_next(&g_dec, &r), 0);
	}
}

Test(format, kind_at_or_above_max_is_an_error)
{
	static const uint64_t kinds[] = {VT_REC_MAX, VT_REC_MAX + 1, 127, 128, 255, 256, 65536,
					 UINT64_MAX};
	msgpack_sbuffer sb;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		mp(&sb, "auu", 2, kinds[k], (uint64_t)1);
		expect_bad_record(&sb, -VT_ERR_RECORD);
		mp(&sb, "au", 1, kinds[k]);
		expect_bad_record(&sb, -VT_ERR_RECORD);
	}
}

Test(format, non_records_are_errors)
{
	msgpack_sbuffer sb;

	mp(&sb, "i", (int64_t)-1); /* a bare negative integer */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "s", "ret"); /* a bare string */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "a", 0); /* [] */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "as", 1, "call"); /* ["call"] */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "aiu", 2, (int64_t)-1, (uint64_t)1); /* [-1, 1] */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "adu", 2, 1.0, (uint64_t)1); /* [1.0, 1] */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "muu", 1, (uint64_t)0, (uint64_t)1); /* {0: 1} */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "n"); /* nil */
	expect_bad_record(&sb, -VT_ERR_RECORD);
}

/* 2.0 writes a RET as its bare dt; in a 1.x stream a bare integer is an error, as it was */
Test(format, bare_uint_is_a_ret_from_2_0)
{
	msgpack_sbuffer sb;
	struct vt_record r;

	for (size_t j = 0; j < NWIDTHS; j++) {
		mp(&sb, "u", widths[j]);
		decode_one((const uint8_t *)sb.data, sb.size, &r);
		cr_assert_eq(r.kind, VT_REC_RET);
		cr_assert_eq(r.dt, widths[j]);
		cr_assert_eq(r.id, 0);
		msgpack_sbuffer_destroy(&sb);
	}
	/* [1, dt] still reads as a RET */
	mp(&sb, "auu", 2, (uint64_t)VT_REC_RET, (uint64_t)300);
	decode_one((const uint8_t *)sb.data, sb.size, &r);
	cr_assert_eq(r.kind, VT_REC_RET);
	cr_assert_eq(r.dt, 300);
	msgpack_sbuffer_destroy(&sb);
	g_dec.major = 1;
	mp(&sb, "u", (uint64_t)1);
	expect_bad_record(&sb, -VT_ERR_RECORD);
}

static void expect_bad_bytes(const uint8_t *bytes, size_t len, int want)
{
	msgpack_sbuffer sb;

	msgpack_sbuffer_init(&sb);
	msgpack_sbuffer_write(&sb, (const char *)bytes, len);
	expect_bad_record(&sb, want);
}

/* 3.0's short forms: a call or C return whose dt is missing or not an unsigned integer
 * is a bad record; in a 2.x stream a negative integer or nil is one too */
Test(format, short_forms_need_their_dt_and_version_3)
{
	static const uint8_t no_dt[][2] = { { 0xff }, { 0xc0 } };
	static const struct {
		uint8_t b[4];
		size_t len;
	} bad_dt[] = {
		{ { 0xff, 0xa1, 'x' }, 3 }, { { 0xc0, 0xc0 }, 2 }, { { 0xfe, 0xff }, 2 },
		{ { 0xc0, 0x92, 0x01, 0x05 }, 4 },
	};
	msgpack_sbuffer sb;
	struct vt_record r;

	for (size_t i = 0; i < 2; i++)
		expect_bad_bytes(no_dt[i], 1, -VT_ERR_RECORD);
	for (size_t i = 0; i < sizeof(bad_dt) / sizeof(bad_dt[0]); i++)
		expect_bad_bytes(bad_dt[i].b, bad_dt[i].len, -VT_ERR_RECORD);
	/* the same bytes with their dt decode, as the call of id 0 and of C id 1 (3.0) */
	g_dec.major = 3;
	mp(&sb, "iu", (int64_t)-1, (uint64_t)7);
	decode_one((const uint8_t *)sb.data, sb.size, &r);
	cr_assert_eq(r.kind, VT_REC_CALL);
	cr_assert_eq(r.id, 0);
	cr_assert_eq(r.dt, 7);
	msgpack_sbuffer_destroy(&sb);
	mp(&sb, "iu", (int64_t)-4, (uint64_t)300);
	decode_one((const uint8_t *)sb.data, sb.size, &r);
	cr_assert_eq(r.kind, VT_REC_CCALL);
	cr_assert_eq(r.id, 1);
	cr_assert_eq(r.dt, 300);
	msgpack_sbuffer_destroy(&sb);
	g_dec.major = 2;
	mp(&sb, "iu", (int64_t)-1, (uint64_t)7);
	expect_bad_record(&sb, -VT_ERR_RECORD);
	g_dec.major = 2;
	mp(&sb, "nu", (uint64_t)7);
	expect_bad_record(&sb, -VT_ERR_RECORD);
}

Test(format, alias_records_are_checked)
{
	msgpack_sbuffer sb;

	mp(&sb, "auuu", 3, (uint64_t)VT_REC_ALIAS, (uint64_t)(2 * VT_ALIAS_SLOTS), (uint64_t)1);
	expect_bad_record(&sb, -VT_ERR_RECORD); /* no such slot */
	mp(&sb, "auus", 3, (uint64_t)VT_REC_ALIAS, (uint64_t)1, "x");
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auu", 2, (uint64_t)VT_REC_ALIAS, (uint64_t)1);
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auuu", 3, (uint64_t)VT_REC_ALIAS, (uint64_t)1, (uint64_t)UINT32_MAX);
	expect_bad_record(&sb, -VT_ERR_RECORD); /* an id no table holds */
}

Test(format, invalid_msgpack_is_an_error)
{
	static const uint8_t never_used[] = {0xc1};
	static const uint8_t str_past_end[] = {0xda, 0xff, 0xff, 'a'};
	static const uint8_t bin_past_end[] = {0x92, 0x01, 0xc6, 0x00, 0x10, 0x00, 0x00, 0x00};
	static const uint8_t array_past_end[] = {0x93, 0x00, 0x01};

	expect_bad_bytes(never_used, sizeof(never_used), -VT_ERR_MSGPACK);
	expect_bad_bytes(str_past_end, sizeof(str_past_end), -VT_ERR_MSGPACK);
	expect_bad_bytes(bin_past_end, sizeof(bin_past_end), -VT_ERR_MSGPACK);
	expect_bad_bytes(array_past_end, sizeof(array_past_end), -VT_ERR_MSGPACK);
}

/*
 * A corrupt chunk can declare an array or map of 2^32-1 elements in a few bytes. That
 * must be an error, not an attempt to allocate for 4 billion objects: msgpack-c sizes
 * its zone from the declared count before it looks for the elements. A plain build
 * passes when malloc fails; under SAN=address the allocation itself aborts the test.
 */
Test(format, huge_declared_container_is_an_error_not_an_allocation)
{
	static const uint8_t array32[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01};
	static const uint8_t map32[] = {0xdf, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01};
	static const uint8_t nested[] = {0x93, 0x15, 0xdd, 0xff, 0xff, 0xff, 0xff, 0x01};

	expect_bad_bytes(array32, sizeof(array32), -VT_ERR_MSGPACK);
	expect_bad_bytes(map32, sizeof(map32), -VT_ERR_MSGPACK);
	expect_bad_bytes(nested, sizeof(nested), -VT_ERR_MSGPACK);
}

Test(format, wrong_field_types_are_record_errors)
{
	msgpack_sbuffer sb;

	mp(&sb, "ausu", 3, (uint64_t)VT_REC_CALL, "x", (uint64_t)5); /* id is a str */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auun", 3, (uint64_t)VT_REC_CCALL, (uint64_t)1); /* dt is nil */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "aui", 2, (uint64_t)VT_REC_RET, (int64_t)-5); /* negative dt */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "aud", 2, (uint64_t)VT_REC_YIELD, 2.5); /* float dt */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auuuuss", 6, (uint64_t)VT_REC_DEF, (uint64_t)1, (uint64_t)0, (uint64_t)5, "f",
	   "1"); /* name is an int, line a str */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auuusnu", 6, (uint64_t)VT_REC_DEF, (uint64_t)1, (uint64_t)0, "f",
	   (uint64_t)1); /* file is nil */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auut", 3, (uint64_t)VT_REC_SYNC, (uint64_t)1); /* mono is a bool */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auuu", 3, (uint64_t)VT_REC_TNAME, (uint64_t)1, (uint64_t)2); /* name is int */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auuus", 4, (uint64_t)VT_REC_END, (uint64_t)1, (uint64_t)2, "x");
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auuuu", 4, (uint64_t)VT_REC_LOST, (uint64_t)1, (uint64_t)2, (uint64_t)3);
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auau", 2, (uint64_t)VT_REC_PROC, 1, (uint64_t)1); /* PROC of an array */
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auuus", 4, (uint64_t)VT_REC_EXIT, (uint64_t)1, (uint64_t)0, "x");
	expect_bad_record(&sb, -VT_ERR_RECORD);
	/* a code above INT64_MAX is no int64 */
	mp(&sb, "auuuu", 4, (uint64_t)VT_REC_EXIT, (uint64_t)1, (uint64_t)0, UINT64_MAX);
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auui", 3, (uint64_t)VT_REC_FORK, (uint64_t)1, (int64_t)-1);
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "auus", 3, (uint64_t)VT_REC_STACK, (uint64_t)1, "3");
	expect_bad_record(&sb, -VT_ERR_RECORD);
	mp(&sb, "ausu", 3, (uint64_t)VT_REC_MARK, "1", (uint64_t)1);
	expect_bad_record(&sb, -VT_ERR_RECORD);
}

Test(format, too_few_fields_are_record_errors)
{
	static const struct {
		unsigned kind, arity;
	} known[] = {
		{VT_REC_CALL, 3},  {VT_REC_RET, 2},    {VT_REC_CCALL, 3}, {VT_REC_CRET, 2},
		{VT_REC_UNWIND, 2}, {VT_REC_CRAISE, 2}, {VT_REC_YIELD, 2}, {VT_REC_RESUME, 3},
		{VT_REC_DEF, 6},   {VT_REC_SYNC, 3},   {VT_REC_TNAME, 3}, {VT_REC_END, 4},
		{VT_REC_LOST, 4},  {VT_REC_PROC, 2},   {VT_REC_EXIT, 4},  {VT_REC_MARK, 3},
		{VT_REC_FORK, 3},  {VT_REC_STACK, 3},
	};

	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		/* [kind, 1, 1, ...] with one element too few */
		msgpack_sbuffer sb;
		msgpack_packer pk;

		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		msgpack_pack_array(&pk, known[k].arity - 1);
		msgpack_pack_uint64(&pk, known[k].kind);
		for (unsigned i = 2; i < known[k].arity; i++)
			msgpack_pack_uint64(&pk, 1);
		expect_bad_record(&sb, -VT_ERR_RECORD);
	}
}

/* ---- file prefix ------------------------------------------------------------------------- */

static uint8_t *good_prefix(uint32_t hdr_len)
{
	uint8_t *p = malloc(VT_FILE_PREFIX_LEN);

	cr_assert_not_null(p);
	vt_file_prefix(p, hdr_len);
	return p;
}

Test(format, prefix_good)
{
	uint8_t *p = good_prefix(123);
	unsigned major = 99, minor = 99;
	uint32_t hlen = 99;

	cr_assert(!memcmp(p, VT_MAGIC, VT_MAGIC_LEN));
	cr_assert_eq(vt_parse_prefix(p, VT_FILE_PREFIX_LEN, &major, &minor, &hlen), 0);
	cr_assert_eq(major, VT_FORMAT_MAJOR);
	cr_assert_eq(minor, VT_FORMAT_MINOR);
	cr_assert_eq(hlen, 123);
	/* bytes after the prefix are not its business */
	free(p);
}

Test(format, prefix_layout_is_little_endian)
{
	uint8_t *p = good_prefix(0x01020304);

	cr_assert_eq(p[8], VT_FORMAT_MAJOR);
	cr_assert_eq(p[9], 0);
	cr_assert_eq(p[10], VT_FORMAT_MINOR);
	cr_assert_eq(p[11], 0);
	cr_assert_eq(p[12], 4);
	cr_assert_eq(p[15], 1);
	free(p);
}

Test(format, prefix_newer_minor_is_accepted)
{
	uint8_t *p = good_prefix(10);
	unsigned major, minor;
	uint32_t hlen;

	p[10] = 7;
	p[11] = 1;
	cr_assert_eq(vt_parse_prefix(p, VT_FILE_PREFIX_LEN, &major, &minor, &hlen), 0);
	cr_assert_eq(minor, 0x107);
	free(p);
}

Test(format, prefix_bad_magic)
{
	unsigned major, minor;
	uint32_t hlen;

	for (size_t i = 0; i < VT_MAGIC_LEN; i++) {
		uint8_t *p = good_prefix(10);

		p[i] ^= 0x20;
		cr_assert_eq(vt_parse_prefix(p, VT_FILE_PREFIX_LEN, &major, &minor, &hlen),
			     -VT_ERR_BAD_MAGIC, "byte %zu of the magic changed", i);
		free(p);
	}
}

Test(format, prefix_short_foreign_data_is_bad_magic)
{
	static const char *texts[] = {"#!", "hello", "PK\x03\x04", "\x89PNG\r\n\x1a"};
	unsigned major, minor;
	uint32_t hlen;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		uint8_t *p = heap_copy((const uint8_t *)texts[i], strlen(texts[i]));

		cr_assert_eq(vt_parse_prefix(p, strlen(texts[i]), &major, &minor, &hlen),
			     -VT_ERR_BAD_MAGIC, "'%s'", texts[i]);
		free(p);
	}
}

Test(format, prefix_future_major_version)
{
	static const unsigned majors[] = {VT_FORMAT_MAJOR + 1, 0, 0x100 | VT_FORMAT_MAJOR, 0xffff};

	for (size_t i = 0; i < sizeof(majors) / sizeof(majors[0]); i++) {
		uint8_t *p = good_prefix(77);
		unsigned major = 0, minor = 99;
		uint32_t hlen = 0;

		p[8] = (uint8_t)majors[i];
		p[9] = (uint8_t)(majors[i] >> 8);
		p[10] = 3;
		cr_assert_eq(vt_parse_prefix(p, VT_FILE_PREFIX_LEN, &major, &minor, &hlen),
			     -VT_ERR_VERSION, "major %u", majors[i]);
		cr_assert_eq(major, majors[i], "the version is still reported");
		cr_assert_eq(minor, 3);
		free(p);
	}
}

Test(format, prefix_truncated_at_every_length)
{
	uint8_t *full = good_prefix(10);

	for (size_t len = 0; len < VT_FILE_PREFIX_LEN; len++) {
		uint8_t *p = heap_copy(full, len);
		unsigned major, minor;
		uint32_t hlen;

		cr_assert_eq(vt_parse_prefix(p, len, &major, &minor, &hlen), -VT_ERR_TRUNCATED,
			     "prefix of %zu bytes", len);
		free(p);
	}
	free(full);
}

Test(format, prefix_huge_header_length)
{
	static const struct {
		uint32_t len;
		int rc;
	} cases[] = {
		{0, 0}, {VT_HEADER_MAX, 0}, {VT_HEADER_MAX + 1, -VT_ERR_TOO_BIG},
		{0x80000000u, -VT_ERR_TOO_BIG}, {UINT32_MAX, -VT_ERR_TOO_BIG},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *p = good_prefix(cases[i].len);
		unsigned major, minor;
		uint32_t hlen;

		cr_assert_eq(vt_parse_prefix(p, VT_FILE_PREFIX_LEN, &major, &minor, &hlen),
			     cases[i].rc, "header length %u", cases[i].len);
		free(p);
	}
}

/* ---- chunk header ------------------------------------------------------------------------ */

static int parse_chunk(uint32_t raw, uint32_t comp, uint32_t *raw_out, uint32_t *comp_out)
{
	uint8_t *h = malloc(VT_CHUNK_HDR_LEN);
	int rc;

	cr_assert_not_null(h);
	vt_chunk_header(h, raw, comp);
	rc = vt_parse_chunk_header(h, VT_CHUNK_HDR_LEN, raw_out, comp_out);
	free(h);
	return rc;
}

Test(format, chunk_header_good)
{
	uint32_t raw = 0, comp = 0;
	uint8_t h[VT_CHUNK_HDR_LEN];

	cr_assert_eq(parse_chunk(524288, 1000, &raw, &comp), 0);
	cr_assert_eq(raw, 524288);
	cr_assert_eq(comp, 1000);
	vt_chunk_header(h, 1, 2);
	cr_assert(!memcmp(h, "VTCK", 4), "the magic reads \"VTCK\" in the file");
}

Test(format, chunk_header_accepts_every_lz4_bound)
{
	static const uint32_t raws[] = {1, 15, 16, 254, 255, 256, 65535, 65536, 524288,
					VT_CHUNK_MAX_RAW};
	uint32_t raw, comp;

	for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++) {
		uint32_t bound = (uint32_t)LZ4_compressBound((int)raws[i]);

		cr_assert_eq(parse_chunk(raws[i], bound, &raw, &comp), 0,
			     "raw %u with LZ4_compressBound %u", raws[i], bound);
		cr_assert_eq(parse_chunk(raws[i], 1, &raw, &comp), 0);
	}
}

Test(format, chunk_header_bad_magic)
{
	uint32_t raw, comp;

	for (size_t i = 0; i < 4; i++) {
		uint8_t *h = malloc(VT_CHUNK_HDR_LEN);

		vt_chunk_header(h, 100, 50);
		h[i] ^= 1;
		cr_assert_eq(vt_parse_chunk_header(h, VT_CHUNK_HDR_LEN, &raw, &comp), -VT_ERR_CHUNK,
			     "magic byte %zu changed", i);
		free(h);
	}
}

Test(format, chunk_header_truncated_at_every_length)
{
	uint8_t full[VT_CHUNK_HDR_LEN];
	uint32_t raw, comp;

	vt_chunk_header(full, 100, 50);
	for (size_t len = 0; len < VT_CHUNK_HDR_LEN; len++) {
		uint8_t *h = heap_copy(full, len);

		cr_assert_eq(vt_parse_chunk_header(h, len, &raw, &comp), -VT_ERR_TRUNCATED,
			     "%zu bytes", len);
		free(h);
	}
}

Test(format, chunk_header_huge_or_impossible_lengths)
{
	uint32_t raw, comp, bound = 100000 + 100000 / 255 + 16;

	cr_assert_eq(parse_chunk(VT_CHUNK_MAX_RAW + 1, 10, &raw, &comp), -VT_ERR_TOO_BIG);
	cr_assert_eq(parse_chunk(UINT32_MAX, UINT32_MAX, &raw, &comp), -VT_ERR_TOO_BIG);
	cr_assert_eq(parse_chunk(100000, bound, &raw, &comp), 0);
	cr_assert_eq(parse_chunk(100000, bound + 1, &raw, &comp), -VT_ERR_TOO_BIG);
	cr_assert_eq(parse_chunk(100, UINT32_MAX, &raw, &comp), -VT_ERR_TOO_BIG);
	cr_assert_eq(parse_chunk(100, 0, &raw, &comp), -VT_ERR_TOO_BIG, "no LZ4 block is empty");
}

/* ---- error texts ------------------------------------------------------------------------- */

Test(format, strerror_names_every_code)
{
	static const struct {
		int code;
		const char *word;
	} codes[] = {
		{VT_ERR_OK, "no error"},        {VT_ERR_BAD_MAGIC, "magic"},
		{VT_ERR_VERSION, "version"},    {VT_ERR_TRUNCATED, "truncated"},
		{VT_ERR_LZ4, "lz4"},            {VT_ERR_MSGPACK, "msgpack"},
		{VT_ERR_CHUNK, "chunk"},        {VT_ERR_RECORD, "record"},
		{VT_ERR_TOO_BIG, "too large"},  {VT_ERR_NOSPACE, "small"},
	};
	const char *seen[VT_ERR_COUNT] = {0};

	cr_assert_eq(sizeof(codes) / sizeof(codes[0]), VT_ERR_COUNT, "a code without a test");
	for (size_t i = 0; i < VT_ERR_COUNT; i++) {
		const char *s = vt_strerror(codes[i].code);

		cr_assert_not_null(s);
		cr_assert(strstr(s, codes[i].word), "code %d: '%s' does not say '%s'",
			  codes[i].code, s, codes[i].word);
		cr_assert_str_eq(vt_strerror(-codes[i].code), s, "negated code %d", codes[i].code);
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(seen[j], s, "codes %zu and %zu share a text", j, i);
		seen[i] = s;
	}
}

Test(format, strerror_out_of_range)
{
	static const int bad[] = {VT_ERR_COUNT, -VT_ERR_COUNT, 1000, -1000, INT_MAX, -INT_MAX};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_str_eq(vt_strerror(bad[i]), "unknown error", "code %d", bad[i]);
}

/* -INT_MIN overflows: the text must still be "unknown error", not a wild read */
Test(format, strerror_int_min)
{
	cr_assert_str_eq(vt_strerror(INT_MIN), "unknown error");
}

Test(format, parse_time_takes_every_unit_and_refuses_the_rest)
{
	static const struct { const char *s; uint64_t ns; } good[] = {
		{ "0", 0 },		{ "2", 2000000000 },	 { "2.5s", 2500000000 },
		{ "300ms", 300000000 }, { "40us", 40000 },	 { "12ns", 12 },
		{ "1.5ns", 2 },		{ "2m", 120000000000 },	 { "1h", 3600000000000 },
		{ ".5ms", 500000 },	{ "1e3us", 1000000 },
	};
	static const char *const bad[] = {
		"", "s", "-1s", "5 s", "5sec", "5S", "1.5.2s", "nan", "inf", "1e30h", "ms5", "5ms ",
	};
	uint64_t ns;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ns = 7;
		cr_assert_eq(vt_parse_time(good[i].s, &ns), 0, "'%s' refused", good[i].s);
		cr_assert_eq(ns, good[i].ns, "'%s': %llu ns, wanted %llu", good[i].s,
			     (unsigned long long)ns, (unsigned long long)good[i].ns);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ns = 7;
		cr_assert_eq(vt_parse_time(bad[i], &ns), -1, "'%s' taken", bad[i]);
		cr_assert_eq(ns, 7, "'%s': *ns written on failure", bad[i]);
	}
}
