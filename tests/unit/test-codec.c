/*
 * test-codec.c - every record kind through the codec (common/format.h): written with its
 * one encoder, read back with its one decoder, and every field compared, by the name the
 * decoder gives it. Also the file header and the PROC map through their key lists, the
 * key/value arrays of ARGS, COUNTER, INSTANT and spans with every value type, and the
 * short forms at each integer-size boundary. (test-format.c checks the bytes against
 * msgpack-c and the damaged inputs.)
 */
#include <criterion/criterion.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/format.h"

#define CAP (1u << 16)
static uint8_t *g_buf, *g_copy;
static struct vt_decoder g_dec;

static void setup(void)
{
	g_buf = calloc(1, CAP);
	cr_assert_not_null(g_buf);
	vt_decoder_init(&g_dec);
}

static void teardown(void)
{
	vt_decoder_release(&g_dec);
	free(g_copy);
	free(g_buf);
}

TestSuite(codec, .init = setup, .fini = teardown);

/* decode @end - g_buf bytes of g_buf from a heap copy of exactly that size */
static void start(const uint8_t *end)
{
	size_t len = (size_t)(end - g_buf);

	free(g_copy);
	g_copy = malloc(len ? len : 1);
	cr_assert_not_null(g_copy);
	memcpy(g_copy, g_buf, len);
	vt_decoder_reset(&g_dec, g_copy, len);
}

static void next(struct vt_record *r, unsigned kind)
{
	int rc = vt_decoder_next(&g_dec, r);

	cr_assert_eq(rc, 1, "decoder_next: %d (%s) at %zu", rc, vt_strerror(rc), g_dec.off);
	cr_assert_eq(r->kind, kind, "kind %u, expected %u", r->kind, kind);
}

static void at_end(void)
{
	struct vt_record r;

	cr_assert_eq(vt_decoder_next(&g_dec, &r), 0, "bytes left after the last record");
}

static void str_eq(const char *s, size_t len, const char *want)
{
	cr_assert_eq(len, strlen(want), "length %zu, expected %zu", len, strlen(want));
	cr_assert(!memcmp(s, want, len), "'%.*s', expected '%s'", (int)len, s, want);
}

static void obj_str_eq(const msgpack_object *o, const char *want)
{
	cr_assert_eq(o->type, MSGPACK_OBJECT_STR);
	str_eq(o->via.str.ptr, o->via.str.size, want);
}

/* the boundaries of every msgpack unsigned width */
static const uint64_t widths[] = { 0, 127, 128, 255, 256, 65535, 65536, 0xffffffffull,
				   0x100000000ull, UINT64_MAX };
#define N(a) (sizeof(a) / sizeof((a)[0]))

Test(codec, short_calls_at_every_width_of_their_code)
{
	/* ids whose code 2 (64 + id) + is_c crosses 127/128, 32767/32768, 2^31 */
	static const uint32_t ids[] = { 0, 1, 16319, 16320, 0x3fffffbfu, 0x3fffffc0u,
					0xfffffffeu };
	struct vt_record r;
	uint8_t *p = g_buf;

	for (size_t i = 0; i < N(ids); i++)
		for (size_t j = 0; j < N(widths); j++) {
			p = vt_put_call(p, VT_REC_CALL, ids[i], widths[j]);
			p = vt_put_call(p, VT_REC_CCALL, ids[i], widths[j]);
			p = vt_put_call(p, VT_REC_RESUME, ids[i], widths[j]);
		}
	start(p);
	for (size_t i = 0; i < N(ids); i++)
		for (size_t j = 0; j < N(widths); j++) {
			static const unsigned kinds[] = { VT_REC_CALL, VT_REC_CCALL, VT_REC_RESUME };

			for (size_t k = 0; k < N(kinds); k++) {
				next(&r, kinds[k]);
				cr_assert_eq(r.id, ids[i]);
				cr_assert_eq(r.dt, widths[j]);
			}
		}
	at_end();
}

Test(codec, alias_slots_at_their_edges)
{
	/* slots 0, 15 (code 31: the last negative fixint), 16, 63 of both kinds */
	static const uint32_t slots[] = { 0, 15, 16, 63 };
	struct vt_record r;
	uint8_t *p = g_buf;

	for (size_t i = 0; i < N(slots); i++)
		for (unsigned c = 0; c < 2; c++) {
			p = vt_put_alias(p, slots[i] << 1 | c, 1000 + slots[i] * 2 + c);
			p = vt_put_id_rec(p, c ? VT_REC_CCALL : VT_REC_CALL, slots[i], slots[i]);
		}
	start(p);
	for (size_t i = 0; i < N(slots); i++)
		for (unsigned c = 0; c < 2; c++) {
			next(&r, c ? VT_REC_CCALL : VT_REC_CALL); /* the ALIAS itself is taken */
			cr_assert_eq(r.id, 1000 + slots[i] * 2 + c);
			cr_assert_eq(r.dt, slots[i]);
		}
	at_end();
}

Test(codec, return_like_records_at_every_width)
{
	static const unsigned kinds[] = { VT_REC_RET, VT_REC_CRET, VT_REC_UNWIND, VT_REC_CRAISE,
					  VT_REC_YIELD };
	struct vt_record r;
	uint8_t *p = g_buf;

	for (size_t k = 0; k < N(kinds); k++)
		for (size_t j = 0; j < N(widths); j++)
			p = vt_put_dt_rec(p, kinds[k], widths[j]);
	start(p);
	for (size_t k = 0; k < N(kinds); k++)
		for (size_t j = 0; j < N(widths); j++) {
			next(&r, kinds[k]);
			cr_assert_eq(r.dt, widths[j]);
			cr_assert_eq(r.id, 0);
		}
	at_end();
}

Test(codec, every_cold_record)
{
	static const uint32_t ids[] = { 3, 1, 4, 1, 5 };
	struct vt_record r;
	uint8_t *p = g_buf;

	p = vt_put_def(p, 70000, VT_DEF_NATIVE, "name", 4, "file.py", 7, 65536);
	p = vt_put_sync(p, UINT64_MAX, 0x100000000ull);
	p = vt_put_text_rec(p, VT_REC_TNAME, 128, "worker-1", 8);
	p = vt_put_end(p, 255, 256, VT_END_SIGNAL);
	p = vt_put_lost(p, 65535, 0xffffffffull, "dropped");
	p = vt_put_exit(p, 65536, VT_EXIT_SIGNAL, -129);
	p = vt_put_text_rec(p, VT_REC_MARK, 0, "vt: a note", 10);
	p = vt_put_fork(p, 1, 4194304);
	p = vt_put_stack(p, 2, 300);
	p = vt_put_stack_ids(p, 3, 7, ids, N(ids));
	p = vt_put_open(p, ids, N(ids));
	p = vt_put_retval(p, "'x' * 3", 7);
	start(p);

	next(&r, VT_REC_DEF);
	cr_assert_eq(r.id, 70000);
	cr_assert_eq(r.def_kind, VT_DEF_NATIVE);
	str_eq(r.s1, r.s1_len, "name");
	str_eq(r.s2, r.s2_len, "file.py");
	cr_assert_eq(r.line, 65536);
	next(&r, VT_REC_SYNC);
	cr_assert_eq(r.clock, UINT64_MAX);
	cr_assert_eq(r.mono_ns, 0x100000000ull);
	next(&r, VT_REC_TNAME);
	cr_assert_eq(r.dt, 128);
	str_eq(r.s1, r.s1_len, "worker-1");
	next(&r, VT_REC_END);
	cr_assert_eq(r.clock, 255);
	cr_assert_eq(r.mono_ns, 256);
	cr_assert_eq(r.reason, VT_END_SIGNAL);
	next(&r, VT_REC_LOST);
	cr_assert_eq(r.dt, 65535);
	cr_assert_eq(r.lost, 0xffffffffull);
	str_eq(r.s1, r.s1_len, "dropped");
	next(&r, VT_REC_EXIT);
	cr_assert_eq(r.dt, 65536);
	cr_assert_eq(r.how, VT_EXIT_SIGNAL);
	cr_assert_eq(r.status, -129);
	next(&r, VT_REC_MARK);
	cr_assert_eq(r.dt, 0);
	str_eq(r.s1, r.s1_len, "vt: a note");
	next(&r, VT_REC_FORK);
	cr_assert_eq(r.dt, 1);
	cr_assert_eq(r.child, 4194304);
	next(&r, VT_REC_STACK);
	cr_assert_eq(r.dt, 2);
	cr_assert_eq(r.depth, 300);
	cr_assert_eq(r.nstack, 0);
	cr_assert_null(r.obj);
	next(&r, VT_REC_STACK);
	cr_assert_eq(r.dt, 3);
	cr_assert_eq(r.depth, 7);
	cr_assert_eq(r.nstack, (int64_t)N(ids));
	for (size_t i = 0; i < N(ids); i++)
		cr_assert_eq(((const msgpack_object *)r.obj)->via.array.ptr[i].via.u64, ids[i]);
	next(&r, VT_REC_OPEN);
	cr_assert_eq(r.nopen, N(ids));
	for (size_t i = 0; i < N(ids); i++)
		cr_assert_eq(((const msgpack_object *)r.obj)->via.array.ptr[i].via.u64, ids[i]);
	next(&r, VT_REC_RETVAL);
	str_eq(r.s1, r.s1_len, "'x' * 3");
	at_end();
}

/* a key/value array as vt's recorder builds one: a 5-byte header written last */
static size_t typed_kv(uint8_t *kv)
{
	uint8_t *p = kv + 5;

	p = vt_put_str(p, "none", 4);
	p = vt_put_nil(p);
	p = vt_put_str(p, "yes", 3);
	p = vt_put_bool(p, 1);
	p = vt_put_str(p, "no", 2);
	p = vt_put_bool(p, 0);
	p = vt_put_str(p, "neg", 3);
	p = vt_put_int(p, -70000);
	p = vt_put_str(p, "big", 3);
	p = vt_put_int(p, INT64_MAX);
	p = vt_put_str(p, "pi", 2);
	p = vt_put_double(p, 3.25);
	p = vt_put_kv_text(p, "text", 4, "hello", 5);
	vt_put_array32(kv, 2 * 7);
	return (size_t)(p - kv);
}

static void check_typed_kv(const msgpack_object *a)
{
	const msgpack_object *e;

	cr_assert_eq(a->type, MSGPACK_OBJECT_ARRAY);
	cr_assert_eq(a->via.array.size, 14);
	e = a->via.array.ptr;
	obj_str_eq(&e[0], "none");
	cr_assert_eq(e[1].type, MSGPACK_OBJECT_NIL);
	obj_str_eq(&e[2], "yes");
	cr_assert(e[3].type == MSGPACK_OBJECT_BOOLEAN && e[3].via.boolean);
	obj_str_eq(&e[4], "no");
	cr_assert(e[5].type == MSGPACK_OBJECT_BOOLEAN && !e[5].via.boolean);
	obj_str_eq(&e[6], "neg");
	cr_assert(e[7].type == MSGPACK_OBJECT_NEGATIVE_INTEGER && e[7].via.i64 == -70000);
	obj_str_eq(&e[8], "big");
	cr_assert(e[9].type == MSGPACK_OBJECT_POSITIVE_INTEGER && e[9].via.u64 == INT64_MAX);
	obj_str_eq(&e[10], "pi");
	cr_assert(e[11].type == MSGPACK_OBJECT_FLOAT64 && e[11].via.f64 == 3.25);
	obj_str_eq(&e[12], "text");
	obj_str_eq(&e[13], "hello");
}

Test(codec, args_counters_instants_and_spans)
{
	uint8_t kv[512];
	size_t n = typed_kv(kv);
	struct vt_record r;
	uint8_t *p = g_buf;
	const msgpack_object *a;

	p = vt_put_args_head(p, 2);
	p = vt_put_kv_text(p, "self", 4, "<obj>", 5);
	p = vt_put_kv_text(p, "n", 1, "42", 2);
	p = vt_put_kv_rec(p, VT_REC_COUNTER, 256, "mem", 3, kv, n);
	p = vt_put_kv_rec(p, VT_REC_INSTANT, 65536, "exception", 9, kv, n);
	p = vt_put_kv_rec(p, VT_REC_INSTANT, 0, "bare", 4, NULL, 0);
	p = vt_put_span_b(p, 128, 0xffffffffu, kv, n);
	p = vt_put_span_b(p, 1, 5, NULL, 0);
	p = vt_put_span_e(p, 0x100000000ull, kv, n);
	p = vt_put_span_e(p, 2, NULL, 0);
	cr_assert_leq((size_t)(p - g_buf), 4 * n + 4 * VT_REC_KV_MAX + 64);
	start(p);

	next(&r, VT_REC_ARGS);
	a = r.obj;
	cr_assert_eq(a->via.array.size, 4);
	obj_str_eq(&a->via.array.ptr[0], "self");
	obj_str_eq(&a->via.array.ptr[1], "<obj>");
	obj_str_eq(&a->via.array.ptr[2], "n");
	obj_str_eq(&a->via.array.ptr[3], "42");
	next(&r, VT_REC_COUNTER);
	cr_assert_eq(r.dt, 256);
	str_eq(r.s1, r.s1_len, "mem");
	check_typed_kv(r.obj);
	next(&r, VT_REC_INSTANT);
	cr_assert_eq(r.dt, 65536);
	str_eq(r.s1, r.s1_len, "exception");
	check_typed_kv(r.obj);
	next(&r, VT_REC_INSTANT);
	str_eq(r.s1, r.s1_len, "bare");
	cr_assert_eq(((const msgpack_object *)r.obj)->via.array.size, 0);
	next(&r, VT_REC_SPAN_B);
	cr_assert_eq(r.dt, 128);
	cr_assert_eq(r.span, 0xffffffffll);
	check_typed_kv(r.obj);
	next(&r, VT_REC_SPAN_B);
	cr_assert_eq(r.dt, 1);
	cr_assert_eq(r.span, 5);
	cr_assert_eq(((const msgpack_object *)r.obj)->via.array.size, 0);
	next(&r, VT_REC_SPAN_E);
	cr_assert_eq(r.dt, 0x100000000ull);
	check_typed_kv(r.obj);
	next(&r, VT_REC_SPAN_E);
	cr_assert_eq(r.dt, 2);
	cr_assert_eq(((const msgpack_object *)r.obj)->via.array.size, 0);
	at_end();
}

/* the header map of @buf (its prefix checked), unpacked into @u */
static void unpack_header(const uint8_t *buf, size_t len, msgpack_unpacked *u)
{
	unsigned major, minor;
	uint32_t hlen;
	size_t off = 0;

	cr_assert_eq(vt_parse_prefix(buf, len, &major, &minor, &hlen), 0);
	cr_assert_eq(major, VT_FORMAT_MAJOR);
	cr_assert_eq(minor, VT_FORMAT_MINOR);
	cr_assert_eq(VT_FILE_PREFIX_LEN + hlen, len);
	msgpack_unpacked_init(u);
	cr_assert_eq(msgpack_unpack_next(u, (const char *)buf + VT_FILE_PREFIX_LEN, hlen, &off),
		     MSGPACK_UNPACK_SUCCESS);
	cr_assert_eq(off, hlen);
}

Test(codec, header_keys_round_trip_in_list_order)
{
	static const char *const names[] = {
#define NAME(key, type, meaning) #key,
		VT_HEADER_KEYS(NAME)
#undef NAME
	};
	char longpy[100];
	struct vt_header_keys in = {
		.kind = "thread", .kind_len = 6, .mode = "ring", .mode_len = 4,
		.pid = 4194304, .ppid = 1, .tid = 65536, .token = UINT64_MAX,
		.clock = VT_CLOCK_TSC, .clock_len = 3, .tsc_hz = 2600000000ull, .tsc_shift = 1,
		.clock0 = 0x100000000ull, .mono0 = 127, .real0 = 128,
		.py = longpy, .py_len = sizeof(longpy),
	}, out;
	uint8_t buf[VT_HEADER_BUF];
	msgpack_unpacked u;
	size_t len;

	memset(longpy, '3', sizeof(longpy)); /* longer than the encoder writes */
	len = vt_put_header(buf, &in);
	cr_assert_leq(len, VT_HEADER_BUF);
	unpack_header(buf, len, &u);
	cr_assert_eq(u.data.via.map.size, N(names));
	for (size_t i = 0; i < N(names); i++) /* the written order is the list's */
		obj_str_eq(&u.data.via.map.ptr[i].key, names[i]);
	cr_assert_eq(vt_header_read(&u.data, &out), 0);
	str_eq(out.kind, out.kind_len, "thread");
	str_eq(out.mode, out.mode_len, "ring");
	cr_assert_eq(out.pid, in.pid);
	cr_assert_eq(out.ppid, in.ppid);
	cr_assert_eq(out.tid, in.tid);
	cr_assert_eq(out.token, in.token);
	str_eq(out.clock, out.clock_len, VT_CLOCK_TSC);
	cr_assert_eq(out.tsc_hz, in.tsc_hz);
	cr_assert_eq(out.tsc_shift, in.tsc_shift);
	cr_assert_eq(out.clock0, in.clock0);
	cr_assert_eq(out.mono0, in.mono0);
	cr_assert_eq(out.real0, in.real0);
	cr_assert_eq(out.py_len, VT_HEADER_STR_MAX);
	cr_assert(!memcmp(out.py, longpy, VT_HEADER_STR_MAX));
	msgpack_unpacked_destroy(&u);
}

Test(codec, absent_header_keys_read_as_zero)
{
	struct vt_header_keys out;
	msgpack_unpacked u;
	uint8_t buf[64];
	size_t off = 0;
	uint8_t *p = vt_put_map(buf, 1);

	p = vt_put_kv_text(p, "kind", 4, "process", 7);
	msgpack_unpacked_init(&u);
	cr_assert_eq(msgpack_unpack_next(&u, (const char *)buf, (size_t)(p - buf), &off),
		     MSGPACK_UNPACK_SUCCESS);
	cr_assert_eq(vt_header_read(&u.data, &out), 0);
	str_eq(out.kind, out.kind_len, "process");
	cr_assert_null(out.mode);
	cr_assert_null(out.py);
	cr_assert_eq(out.pid, 0);
	cr_assert_eq(out.tsc_hz, 0);
	cr_assert_eq(vt_header_read(&u.data.via.map.ptr[0].val, &out), -1); /* not a map */
	msgpack_unpacked_destroy(&u);
}

Test(codec, proc_record_round_trips)
{
	static const char argv[] = "python3\0-c\0\0print(1)"; /* the last one cut: no NUL */
	struct vt_proc_keys in = {
		.pid = 70000, .ppid = 1, .argv = argv, .argv_len = sizeof(argv) - 1,
		.exe = "/usr/bin/python3.11", .exe_len = 19, .cwd = "/", .cwd_len = 1,
		.py = "3.11.2", .py_len = 6, .mono0 = UINT64_MAX, .real0 = 256, .min_dur = 0,
	}, out;
	static const char *const args[] = { "python3", "-c", "", "print(1)" };
	const msgpack_object *a;
	struct vt_record r;
	uint8_t *p = vt_put_proc(g_buf, &in);

	cr_assert_leq((size_t)(p - g_buf), VT_REC_PROC_MAX(in.argv_len));
	start(p);
	next(&r, VT_REC_PROC);
	cr_assert_eq(vt_proc_read(r.obj, &out), 0);
	cr_assert_eq(out.pid, in.pid);
	cr_assert_eq(out.ppid, in.ppid);
	str_eq(out.exe, out.exe_len, in.exe);
	str_eq(out.cwd, out.cwd_len, in.cwd);
	str_eq(out.py, out.py_len, in.py);
	cr_assert_eq(out.mono0, in.mono0);
	cr_assert_eq(out.real0, in.real0);
	cr_assert_eq(out.min_dur, 0);
	a = out.argv_obj;
	cr_assert_not_null(a);
	cr_assert_eq(a->type, MSGPACK_OBJECT_ARRAY);
	cr_assert_eq(a->via.array.size, N(args));
	for (size_t i = 0; i < N(args); i++)
		obj_str_eq(&a->via.array.ptr[i], args[i]);
	at_end();
}

/* the bytes values.c, events.c and native.c wrote by hand before they switched to these
 * encoders: the switch changed not one byte of a trace */
Test(codec, kv_encoders_write_the_recorders_bytes)
{
	static const uint8_t span_b[] = { 0x94, VT_REC_SPAN_B, 0xcc, 200, 0xcd, 0x01, 0x00, 0x90 };
	static const uint8_t span_e[] = { 0x93, VT_REC_SPAN_E, 5, 0x91, 0xc0 };
	static const uint8_t instant[] = { 0x94, VT_REC_INSTANT, 0, 0xa2, 'g', 'c', 0x90 };
	static const uint8_t args[] = { 0x92, VT_REC_ARGS, 0x92, 0xa1, 'a', 0xa1, '1' };
	static const uint8_t dbl[] = { 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0 };
	static const uint8_t a32[] = { 0xdd, 0, 0, 0, 4 };
	static const uint8_t nil = 0xc0;
	uint8_t b[64];

	cr_assert_eq(vt_put_span_b(b, 200, 256, NULL, 0) - b, (long)sizeof(span_b));
	cr_assert(!memcmp(b, span_b, sizeof(span_b)));
	cr_assert_eq(vt_put_span_e(b, 5, (const uint8_t[]){ 0x91, 0xc0 }, 2) - b,
		     (long)sizeof(span_e));
	cr_assert(!memcmp(b, span_e, sizeof(span_e)));
	cr_assert_eq(vt_put_kv_rec(b, VT_REC_INSTANT, 0, "gc", 2, NULL, 0) - b,
		     (long)sizeof(instant));
	cr_assert(!memcmp(b, instant, sizeof(instant)));
	cr_assert_eq(vt_put_kv_text(vt_put_args_head(b, 1), "a", 1, "1", 1) - b,
		     (long)sizeof(args));
	cr_assert(!memcmp(b, args, sizeof(args)));
	cr_assert_eq(vt_put_double(b, 1.5) - b, 9);
	cr_assert(!memcmp(b, dbl, sizeof(dbl)));
	cr_assert_eq(vt_put_array32(b, 4) - b, 5);
	cr_assert(!memcmp(b, a32, sizeof(a32)));
	cr_assert_eq(vt_put_nil(b) - b, 1);
	cr_assert_eq(b[0], nil);
	cr_assert_eq(*(vt_put_bool(b, 1) - 1), 0xc3);
	cr_assert_eq(*(vt_put_bool(b, 0) - 1), 0xc2);
}
