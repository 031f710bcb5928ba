/*
 * fuzz-roundtrip.c - the input is a program of encoder operations (every vt_put_* of
 * common/format.h, plus the records written with the generic msgpack helpers: PROC maps,
 * ARGS, COUNTER, INSTANT, SPAN_B/E key-value arrays, kinds below VT_REC_MAX the decoder
 * does not know (found by probing it), and one kind at VT_REC_MAX or above).
 * Each record is encoded into a heap buffer of exactly its documented worst-case size
 * (VT_REC_HOT_MAX, VT_REC_DEF_MAX, ...), so an encoder that writes past its bound shows
 * up under ASan. The stream is then framed as a chunk (vt_chunk_header + LZ4 block),
 * parsed back (vt_parse_chunk_header, LZ4_decompress_safe) and decoded; every record must
 * come back identical, field by field, in order, and the decoder must end exactly where
 * the stream ends (or fail with -VT_ERR_RECORD exactly at the kind >= VT_REC_MAX record).
 *
 * The encoder must also write canonical msgpack: unpacking the stream with msgpack-c
 * and packing it again gives the same bytes (msgpack-c always picks the smallest form).
 */
#include <lz4.h>
#include <msgpack.h>
#include <string.h>

#include "common/format.h"
#include "tests/fuzz/fuzz.h"

#define MAX_OPS 512
#define MAX_STR 5000         /* strings past VT_DEF_STR_MAX are cut by the encoder */
#define MAX_OPEN_IDS 70000   /* past 65535: the array32 header */
#define MAX_PROC_KEYS 40     /* past 15: the map16 header */
#define STREAM_CAP (16u << 20)

/* the bytes being interpreted */
struct src {
	const uint8_t *p;
	size_t n;
};

static unsigned get8(struct src *s)
{
	if (!s->n)
		return 0;
	s->n--;
	return *s->p++;
}

/* an integer whose width the input chooses, so every msgpack width boundary is reached */
static uint64_t get_u64(struct src *s)
{
	static const uint64_t edge[] = { 0,	      127,	     128,	 255,
					 256,	      65535,	     65536,	 0xffffffffull,
					 0x100000000ull, INT64_MAX,  (uint64_t)INT64_MAX + 1,
					 UINT64_MAX };
	unsigned sel = get8(s);
	uint64_t v = 0;
	unsigned bytes;

	if (sel >= 0xf0)
		return edge[(sel - 0xf0) % (sizeof(edge) / sizeof(edge[0]))];
	bytes = (unsigned[]){ 1, 1, 2, 4, 8, 3, 5, 1 }[sel & 7];
	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | get8(s);
	return v;
}

static int64_t get_i64(struct src *s)
{
	unsigned sel = get8(s);
	uint64_t v = get_u64(s);

	if (sel & 1)
		return (int64_t)v;
	switch (sel >> 1 & 3) {
	case 0: return -(int64_t)(v & 0x1f) - 1;	/* negative fixint */
	case 1: return -(int64_t)(v & 0x7fff) - 1;
	case 2: return INT64_MIN + (int64_t)(v & 0xff);
	default: return (int64_t)(v | 0x8000000000000000ull);
	}
}

/* a string: its length chosen by the input, its bytes from the input or a pattern */
static char *get_str(struct src *s, size_t *len, int no_nul)
{
	unsigned sel = get8(s);
	size_t n;
	char *str;

	switch (sel & 3) {
	case 0: n = sel >> 2 & 31; break;
	case 1: n = get8(s) + 30; break;
	case 2:
		n = get8(s) << 8;
		n = (n | get8(s)) % (MAX_STR + 1);
		break;
	default: n = (size_t[]){ 0, 31, 32, 255, 256, 2047, 2048, 2049 }[sel >> 2 & 7]; break;
	}
	str = malloc(n + 1);
	if (!str)
		abort();
	for (size_t i = 0; i < n; i++) {
		char c = s->n && (sel & 0x80) ? (char)get8(s) : (char)('a' + i % 26);

		str[i] = no_nul && !c ? '0' : c;
	}
	str[n] = 0;
	*len = n;
	return str;
}

/* what the decoder must give back for one record */
struct expect {
	struct vt_record r;     /* s1/s2 point into owned copies below */
	char *s1, *s2;
	uint32_t *ids;          /* OPEN */
	size_t nids;
	/* PROC: keys k0..kN-1 with values */
	unsigned nkeys;
	int64_t ival[MAX_PROC_KEYS];
	char *sval[MAX_PROC_KEYS];
	size_t slen[MAX_PROC_KEYS];
	int is_str[MAX_PROC_KEYS];
	int kv_array;           /* ARGS, COUNTER, INSTANT: [k0, v0, ...] instead of a map */
	size_t off;             /* where the record starts in the stream */
};

/* kinds below VT_REC_MAX that the decoder does not know (a later minor version's) */
static unsigned g_unknown[VT_REC_MAX];
static unsigned g_nunknown;
static int g_probed;

/* [k] alone: a known kind needs more fields (an error); an unknown one is skipped (1) */
static void probe_kinds(void)
{
	struct vt_decoder d;
	struct vt_record r;

	vt_decoder_init(&d);
	for (unsigned k = 0; k < VT_REC_MAX; k++) {
		uint8_t rec[2] = { 0x91, (uint8_t)k };

		vt_decoder_reset(&d, rec, sizeof(rec));
		if (vt_decoder_next(&d, &r) == 1)
			g_unknown[g_nunknown++] = k;
	}
	vt_decoder_release(&d);
	g_probed = 1;
}

static uint8_t *g_stream;
static size_t g_len;
static struct expect g_exp[MAX_OPS];
static size_t g_nexp;

static size_t cut(size_t n)
{
	return n > VT_DEF_STR_MAX ? VT_DEF_STR_MAX : n;
}

/* append the record encoded in @rec..@end, a heap buffer of @bound bytes, and free it */
static void append_rec(uint8_t *rec, const uint8_t *end, size_t bound, const char *what)
{
	size_t n = (size_t)(end - rec);

	FUZZ_CHECK(n <= bound, "%s of %zu bytes, bound %zu", what, n, bound);
	FUZZ_CHECK(g_len + n <= STREAM_CAP, "stream full");
	memcpy(g_stream + g_len, rec, n);
	g_len += n;
	free(rec);
}

/* encode one record into an exact-size heap buffer of @bound bytes, then append it */
#define ENCODE(bound, expr)                                                            \
	do {                                                                           \
		size_t b_ = (bound);                                                   \
		uint8_t *rec_ = malloc(b_), *p = rec_;                                 \
		if (!rec_)                                                             \
			abort();                                                       \
		append_rec(rec_, (expr), b_, "record");                                \
	} while (0)

/* the @e->nkeys keys "k0".. of a PROC map or a kv record's array, each with a string or an
 * integer value drawn from @s and kept in @e */
static uint8_t *put_kvs(uint8_t *p, struct src *s, struct expect *e)
{
	for (unsigned i = 0; i < e->nkeys; i++) {
		char key[16];
		int klen = snprintf(key, sizeof(key), "k%u", i);

		p = vt_put_str(p, key, (size_t)klen);
		if ((e->is_str[i] = get8(s) & 1)) {
			e->sval[i] = get_str(s, &e->slen[i], 0);
			p = vt_put_str(p, e->sval[i], e->slen[i]);
			e->slen[i] = cut(e->slen[i]);
		} else {
			e->ival[i] = get_i64(s);
			p = vt_put_int(p, e->ival[i]);
		}
	}
	return p;
}

/* one operation; returns 0 when the stream must end (a kind >= 32 was written) */
static int one_op(struct src *s, struct expect *e)
{
	unsigned op = get8(s) % 17;

	if (op == 12 && !g_nunknown)
		op = 13; /* every kind below VT_REC_MAX is known */
	struct vt_record *r = &e->r;
	size_t n1, n2;

	memset(e, 0, sizeof(*e));
	e->off = g_len;
	switch (op) {
	case 0: { /* CALL, CCALL, RESUME */
		static const unsigned k[] = { VT_REC_CALL, VT_REC_CCALL, VT_REC_RESUME };
		uint32_t id = (uint32_t)get_u64(s);

		r->kind = k[get8(s) % 3];
		r->id = id;
		r->dt = get_u64(s);
		ENCODE(VT_REC_HOT_MAX, vt_put_call(p, r->kind, id, r->dt));
		break;
	}
	case 1: { /* RET, CRET, UNWIND, CRAISE, YIELD */
		static const unsigned k[] = { VT_REC_RET, VT_REC_CRET, VT_REC_UNWIND,
					      VT_REC_CRAISE, VT_REC_YIELD };

		r->kind = k[get8(s) % 5];
		r->dt = get_u64(s);
		ENCODE(VT_REC_HOT_MAX, vt_put_dt_rec(p, r->kind, r->dt));
		break;
	}
	case 2: { /* DEF */
		uint32_t id = (uint32_t)get_u64(s), line;
		unsigned kind = (unsigned)get_u64(s);

		e->s1 = get_str(s, &n1, 0);
		e->s2 = get_str(s, &n2, 0);
		line = (uint32_t)get_u64(s);
		r->kind = VT_REC_DEF;
		r->id = id;
		r->count = kind;
		r->s1_len = cut(n1);
		r->s2_len = cut(n2);
		r->code = line;
		ENCODE(VT_REC_DEF_MAX, vt_put_def(p, id, kind, e->s1, n1, e->s2, n2, line));
		break;
	}
	case 3: /* SYNC */
		r->kind = VT_REC_SYNC;
		r->clock = get_u64(s);
		r->mono_ns = get_u64(s);
		ENCODE(2 + 9 + 9, vt_put_sync(p, r->clock, r->mono_ns));
		break;
	case 4: { /* END */
		unsigned reason = (unsigned)get_u64(s);

		r->kind = VT_REC_END;
		r->clock = get_u64(s);
		r->mono_ns = get_u64(s);
		r->count = reason;
		ENCODE(2 + 9 + 9 + 5, vt_put_end(p, r->clock, r->mono_ns, reason));
		break;
	}
	case 5: /* LOST: the reason is a C string */
		r->kind = VT_REC_LOST;
		r->dt = get_u64(s);
		r->count = get_u64(s);
		e->s1 = get_str(s, &n1, 1);
		r->s1_len = cut(n1);
		ENCODE(2 + 9 + 9 + 3 + VT_DEF_STR_MAX, vt_put_lost(p, r->dt, r->count, e->s1));
		break;
	case 6: /* TNAME, MARK */
		r->kind = get8(s) & 1 ? VT_REC_MARK : VT_REC_TNAME;
		r->dt = get_u64(s);
		e->s1 = get_str(s, &n1, 0);
		r->s1_len = cut(n1);
		ENCODE(2 + 9 + 3 + VT_DEF_STR_MAX, vt_put_text_rec(p, r->kind, r->dt, e->s1, n1));
		break;
	case 7: { /* EXIT */
		unsigned how = (unsigned)get_u64(s);

		r->kind = VT_REC_EXIT;
		r->dt = get_u64(s);
		r->count = how;
		r->code = get_i64(s);
		ENCODE(2 + 9 + 5 + 9, vt_put_exit(p, r->dt, how, r->code));
		break;
	}
	case 8: /* FORK, STACK */
	case 9: {
		uint32_t v;

		r->kind = op == 8 ? VT_REC_FORK : VT_REC_STACK;
		r->dt = get_u64(s);
		v = (uint32_t)get_u64(s);
		r->count = v;
		if (op == 8)
			ENCODE(2 + 9 + 5, vt_put_fork(p, r->dt, v));
		else
			ENCODE(2 + 9 + 5, vt_put_stack(p, r->dt, v));
		break;
	}
	case 10: { /* OPEN */
		unsigned sel = get8(s);
		size_t n = sel < 0xf8 ? sel % 20 : sel == 0xff ? MAX_OPEN_IDS : get8(s) * 300u;

		e->ids = malloc((n ? n : 1) * sizeof(*e->ids));
		if (!e->ids)
			abort();
		for (size_t i = 0; i < n; i++)
			e->ids[i] = s->n ? (uint32_t)get_u64(s) : (uint32_t)(i * 2654435761u);
		e->nids = n;
		r->kind = VT_REC_OPEN;
		r->count = n;
		ENCODE(2 + 5 + 5 * n, vt_put_open(p, e->ids, (uint32_t)n));
		break;
	}
	case 11: { /* PROC: [21, {"k0": v0, ...}] as preload/proc.c builds it */
		unsigned nkeys = get8(s) % (MAX_PROC_KEYS + 1);
		size_t bound = 2 + 5 + nkeys * (8 + 3 + VT_DEF_STR_MAX + 9);
		uint8_t *rec = malloc(bound), *p = rec;

		if (!rec)
			abort();
		r->kind = VT_REC_PROC;
		e->nkeys = nkeys;
		p = vt_put_array(p, 2);
		p = vt_put_uint(p, VT_REC_PROC);
		p = vt_put_map(p, nkeys);
		p = put_kvs(p, s, e);
		append_rec(rec, p, bound, "PROC");
		break;
	}
	case 12: { /* a kind a later minor version may add: skipped, only kind set */
		unsigned nf = get8(s) % 6;

		r->kind = g_unknown[get8(s) % g_nunknown];
		ENCODE(1 + 1 + 9 * nf + 5, ({
			p = vt_put_array(p, nf + 1);
			p = vt_put_uint(p, r->kind);
			for (unsigned i = 0; i < nf; i++)
				p = vt_put_int(p, get_i64(s));
			p;
		}));
		break;
	}
	case 13: /* RETVAL */
		r->kind = VT_REC_RETVAL;
		e->s1 = get_str(s, &n1, 0);
		r->s1_len = cut(n1);
		ENCODE(2 + 3 + VT_DEF_STR_MAX, vt_put_retval(p, e->s1, n1));
		break;
	case 14: /* ARGS [27, [k, v, ...]] */
	case 15: { /* COUNTER, INSTANT [kind, dt, name, [k, v, ...]], SPAN_B [31, dt, id, [...]],
		    * SPAN_E [32, dt, [...]] */
		static const unsigned k15[] = { VT_REC_COUNTER, VT_REC_INSTANT, VT_REC_SPAN_B,
						VT_REC_SPAN_E };
		size_t bound;
		uint8_t *rec, *p;
		uint64_t sid = 0;

		r->kind = op == 14 ? VT_REC_ARGS : k15[get8(s) % 4];
		if (op == 15) {
			r->dt = get_u64(s);
			if (r->kind == VT_REC_SPAN_B) {
				sid = get_u64(s);
				r->code = (int64_t)sid;
			} else if (r->kind != VT_REC_SPAN_E) {
				e->s1 = get_str(s, &n1, 0);
				r->s1_len = cut(n1);
			}
		}
		e->nkeys = get8(s) % (MAX_PROC_KEYS + 1);
		e->kv_array = 1;
		bound = 2 + 9 + 3 + VT_DEF_STR_MAX + 5 + e->nkeys * (8 + 3 + VT_DEF_STR_MAX + 9);
		p = rec = malloc(bound);
		if (!rec)
			abort();
		p = vt_put_array(p, op == 14 ? 2 : r->kind == VT_REC_SPAN_E ? 3 : 4);
		p = vt_put_uint(p, r->kind);
		if (op == 15) {
			p = vt_put_uint(p, r->dt);
			if (r->kind == VT_REC_SPAN_B)
				p = vt_put_uint(p, sid);
			else if (r->kind != VT_REC_SPAN_E)
				p = vt_put_str(p, e->s1, n1);
		}
		p = vt_put_array(p, 2 * e->nkeys);
		p = put_kvs(p, s, e);
		append_rec(rec, p, bound, "kv record");
		break;
	}
	default: /* 16: a kind of VT_REC_MAX or more ends the stream with an error */
		/* vt_put_dt_rec takes kinds below 128 (a fixint): larger ones the long way */
		r->kind = VT_REC_MAX + get8(s) % (256 - VT_REC_MAX);
		ENCODE(1 + 2 + 9, ({
			p = vt_put_array(p, 2);
			p = vt_put_uint(p, r->kind);
			vt_put_uint(p, get_u64(s));
		}));
		return 0;
	}
	return 1;
}

static void free_expect(struct expect *e)
{
	free(e->s1);
	free(e->s2);
	free(e->ids);
	for (unsigned i = 0; i < e->nkeys; i++)
		free(e->sval[i]);
}

static void same_str(const char *what, size_t i, const char *got, size_t got_len,
		     const char *want, size_t want_len)
{
	FUZZ_CHECK(got_len == want_len, "record %zu: %s length %zu, want %zu", i, what, got_len,
		   want_len);
	FUZZ_CHECK(!want_len || (got && !memcmp(got, want, want_len)), "record %zu: %s differs",
		   i, what);
}

static void compare(size_t i, const struct vt_record *got, const struct expect *e)
{
	const struct vt_record *w = &e->r;

	FUZZ_CHECK(got->kind == w->kind, "record %zu: kind %u, want %u", i, got->kind, w->kind);
	FUZZ_CHECK(got->id == w->id, "record %zu: id", i);
	FUZZ_CHECK(got->dt == w->dt, "record %zu: dt", i);
	FUZZ_CHECK(got->clock == w->clock, "record %zu: clock", i);
	FUZZ_CHECK(got->mono_ns == w->mono_ns, "record %zu: mono_ns", i);
	FUZZ_CHECK(got->count == w->count, "record %zu: count %lu, want %lu", i,
		   (unsigned long)got->count, (unsigned long)w->count);
	FUZZ_CHECK(got->code == w->code, "record %zu: code %ld, want %ld", i, (long)got->code,
		   (long)w->code);
	same_str("s1", i, got->s1, got->s1_len, e->s1, w->s1_len);
	same_str("s2", i, got->s2, got->s2_len, e->s2, w->s2_len);
	if (w->kind == VT_REC_OPEN) {
		const msgpack_object *a = got->obj;

		FUZZ_CHECK(a && a->type == MSGPACK_OBJECT_ARRAY && a->via.array.size == e->nids,
			   "record %zu: OPEN array", i);
		for (size_t k = 0; k < e->nids; k++)
			FUZZ_CHECK(a->via.array.ptr[k].via.u64 == e->ids[k], "record %zu: OPEN id %zu",
				   i, k);
	}
	if (w->kind == VT_REC_PROC) {
		const msgpack_object *m = got->obj;

		FUZZ_CHECK(m && m->type == MSGPACK_OBJECT_MAP && m->via.map.size == e->nkeys,
			   "record %zu: PROC map", i);
		for (unsigned k = 0; k < e->nkeys; k++) {
			char key[16];
			const msgpack_object *v;
			size_t len = 0;
			const char *str;

			snprintf(key, sizeof(key), "k%u", k);
			v = vt_map_get(m, key);
			FUZZ_CHECK(v != NULL, "record %zu: PROC key %s missing", i, key);
			if (e->is_str[k]) {
				str = vt_map_str(m, key, &len);
				same_str("PROC string", i, str, len, e->sval[k], e->slen[k]);
			} else if (e->ival[k] >= 0) {
				FUZZ_CHECK(vt_map_u64(m, key, 1) == (uint64_t)e->ival[k] &&
						   vt_map_u64(m, key, 2) == (uint64_t)e->ival[k],
					   "record %zu: PROC %s", i, key);
			} else {
				FUZZ_CHECK(v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
						   v->via.i64 == e->ival[k],
					   "record %zu: PROC %s = %ld", i, key, (long)e->ival[k]);
				FUZZ_CHECK(vt_map_u64(m, key, 9) == 9, "negative as u64");
			}
		}
		FUZZ_CHECK(vt_map_get(m, "absent") == NULL, "absent key found");
	}
	if (e->kv_array) {
		const msgpack_object *a = got->obj;

		FUZZ_CHECK(a && a->type == MSGPACK_OBJECT_ARRAY && a->via.array.size == 2 * e->nkeys,
			   "record %zu: key/value array", i);
		for (unsigned k = 0; k < e->nkeys; k++) {
			const msgpack_object *key = &a->via.array.ptr[2 * k];
			const msgpack_object *v = &a->via.array.ptr[2 * k + 1];
			char want[16];

			snprintf(want, sizeof(want), "k%u", k);
			same_str("key", i, key->type == MSGPACK_OBJECT_STR ? key->via.str.ptr : NULL,
				 key->type == MSGPACK_OBJECT_STR ? key->via.str.size : 0, want,
				 strlen(want));
			if (e->is_str[k])
				same_str("value", i, v->type == MSGPACK_OBJECT_STR ? v->via.str.ptr : NULL,
					 v->type == MSGPACK_OBJECT_STR ? v->via.str.size : (size_t)-1,
					 e->sval[k], e->slen[k]);
			else if (e->ival[k] >= 0)
				FUZZ_CHECK(v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
						   v->via.u64 == (uint64_t)e->ival[k],
					   "record %zu: value %u", i, k);
			else
				FUZZ_CHECK(v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
						   v->via.i64 == e->ival[k],
					   "record %zu: value %u", i, k);
		}
	}
}

/* msgpack-c packs every value in its smallest form: the encoder must do the same */
static void check_canonical(const uint8_t *buf, size_t len, size_t upto)
{
	msgpack_unpacked u;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t off = 0;

	msgpack_unpacked_init(&u);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	while (off < upto) {
		size_t start = off;
		msgpack_unpack_return ret =
			msgpack_unpack_next(&u, (const char *)buf, len, &off);

		FUZZ_CHECK(ret == MSGPACK_UNPACK_SUCCESS || ret == MSGPACK_UNPACK_EXTRA_BYTES,
			   "msgpack-c cannot unpack the record at %zu", start);
		sb.size = 0;
		msgpack_pack_object(&pk, u.data);
		FUZZ_CHECK(sb.size == off - start && !memcmp(sb.data, buf + start, sb.size),
			   "record at %zu is not in msgpack's smallest form (%zu bytes, msgpack-c "
			   "writes %zu)",
			   start, off - start, sb.size);
	}
	msgpack_sbuffer_destroy(&sb);
	msgpack_unpacked_destroy(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct src s = { data, size };
	struct vt_decoder d;
	struct vt_record rec;
	uint8_t *chunk, *raw;
	uint32_t raw_len, comp_len;
	int bound, clen, rc, ended = 0;
	size_t upto;

	if (!g_stream && !(g_stream = malloc(STREAM_CAP)))
		abort();
	if (!g_probed)
		probe_kinds();
	g_len = g_nexp = 0;
	/* stop while the largest record (an OPEN of MAX_OPEN_IDS ids) still fits */
	while (s.n && g_nexp < MAX_OPS && g_len < STREAM_CAP - 512 * 1024) {
		if (!one_op(&s, &g_exp[g_nexp++])) {
			ended = 1;
			break;
		}
	}
	upto = ended ? g_exp[g_nexp - 1].off : g_len;

	/* frame it as a chunk and back */
	bound = LZ4_compressBound((int)g_len);
	chunk = malloc(VT_CHUNK_HDR_LEN + (size_t)bound);
	if (!chunk)
		abort();
	clen = LZ4_compress_default((const char *)g_stream, (char *)chunk + VT_CHUNK_HDR_LEN,
				    (int)g_len, bound);
	FUZZ_CHECK(clen > 0, "lz4 compression failed");
	vt_chunk_header(chunk, (uint32_t)g_len, (uint32_t)clen);
	rc = vt_parse_chunk_header(chunk, VT_CHUNK_HDR_LEN, &raw_len, &comp_len);
	FUZZ_CHECK(rc == 0 && raw_len == g_len && comp_len == (uint32_t)clen,
		   "chunk header: rc %d raw %u comp %u", rc, raw_len, comp_len);
	raw = malloc(raw_len ? raw_len : 1); /* exact size: reads past the end are caught */
	if (!raw)
		abort();
	rc = LZ4_decompress_safe((const char *)chunk + VT_CHUNK_HDR_LEN, (char *)raw, clen,
				 (int)raw_len);
	FUZZ_CHECK(rc == (int)raw_len && !memcmp(raw, g_stream, raw_len), "lz4 round trip");
	free(chunk);

	check_canonical(raw, raw_len, upto);

	vt_decoder_init(&d);
	vt_decoder_reset(&d, raw, raw_len);
	for (size_t i = 0; i < g_nexp; i++) {
		size_t off = d.off;

		FUZZ_CHECK(off == g_exp[i].off, "record %zu at %zu, want %zu", i, off, g_exp[i].off);
		rc = vt_decoder_next(&d, &rec);
		if (ended && i == g_nexp - 1) {
			FUZZ_CHECK(rc == -VT_ERR_RECORD && d.off == off,
				   "kind %u: rc %d off %zu, want an error at %zu", g_exp[i].r.kind,
				   rc, d.off, off);
			break;
		}
		FUZZ_CHECK(rc == 1, "record %zu (kind %u): rc %d", i, g_exp[i].r.kind, rc);
		compare(i, &rec, &g_exp[i]);
	}
	if (!ended)
		FUZZ_CHECK(vt_decoder_next(&d, &rec) == 0 && d.off == raw_len,
			   "the decoder does not end where the stream ends");
	vt_decoder_release(&d);
	free(raw);
	for (size_t i = 0; i < g_nexp; i++)
		free_expect(&g_exp[i]);
	return 0;
}
