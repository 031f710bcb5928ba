/*
 * format-dec.c - the decoder half of the vt record format's codec (see format.h,
 * docs/FORMAT.md): records of a raw chunk into struct vt_record, the header and PROC
 * maps through their key lists. For vt-convert, the unit tests and the fuzz targets
 * (built with -DVT_FORMAT_DECODER); never in libvt.so.
 *
 * It uses msgpack-c's unpacker on a zone allocated once per decoder and cleared for each
 * record (msgpack_unpack_next would allocate and free one per record), after checking
 * that every declared length fits (vt_msgpack_check).
 */
#include "common/format.h"

#include <stdlib.h>

#ifndef VT_FORMAT_DECODER
#error "format-dec.c is built with -DVT_FORMAT_DECODER"
#endif

void vt_decoder_init(struct vt_decoder *d)
{
	d->zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE);
	d->major = VT_FORMAT_MAJOR;
	d->buf = NULL;
	d->len = d->off = 0;
}

void vt_decoder_reset(struct vt_decoder *d, const uint8_t *buf, size_t len)
{
	d->buf = buf;
	d->len = len;
	d->off = 0;
	memset(d->alias, 0, sizeof(d->alias)); /* a chunk's slots are its own */
}

void vt_decoder_release(struct vt_decoder *d)
{
	if (d->zone)
		msgpack_zone_free(d->zone);
	d->zone = NULL;
}

static int obj_u64(const msgpack_object *o, uint64_t *v)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return -1;
	*v = o->via.u64;
	return 0;
}

static int obj_i64(const msgpack_object *o, int64_t *v)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > INT64_MAX)
			return -1;
		*v = (int64_t)o->via.u64;
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*v = o->via.i64;
		return 0;
	}
	return -1;
}

static int obj_str(const msgpack_object *o, const char **s, size_t *len)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return -1;
	*s = o->via.str.ptr;
	*len = o->via.str.size;
	return 0;
}

/* Number of array elements each known record kind must have. 0 = not a known kind. */
static const uint8_t rec_arity[VT_REC_MAX] = {
	[VT_REC_CALL] = 3,  [VT_REC_RET] = 2,    [VT_REC_CCALL] = 3, [VT_REC_CRET] = 2,
	[VT_REC_UNWIND] = 2, [VT_REC_CRAISE] = 2, [VT_REC_YIELD] = 2, [VT_REC_RESUME] = 3,
	[VT_REC_DEF] = 6,   [VT_REC_SYNC] = 3,   [VT_REC_TNAME] = 3, [VT_REC_END] = 4,
	[VT_REC_LOST] = 4,  [VT_REC_PROC] = 2,   [VT_REC_EXIT] = 4,  [VT_REC_MARK] = 3,
	[VT_REC_FORK] = 3,  [VT_REC_STACK] = 3,  [VT_REC_OPEN] = 2,  [VT_REC_ARGS] = 2,
	[VT_REC_RETVAL] = 2, [VT_REC_COUNTER] = 4, [VT_REC_INSTANT] = 4, [VT_REC_SPAN_B] = 4,
	[VT_REC_SPAN_E] = 3, [VT_REC_ALIAS] = 3,
};

static int decode_fields(const msgpack_object *e, uint32_t n, struct vt_record *r)
{
	int bad = 0;

	switch (r->kind) {
	case VT_REC_CALL:
	case VT_REC_CCALL:
	case VT_REC_RESUME:
		bad = obj_u64(&e[1], &r->id) | obj_u64(&e[2], &r->dt);
		break;
	case VT_REC_RET:
	case VT_REC_CRET:
	case VT_REC_UNWIND:
	case VT_REC_CRAISE:
	case VT_REC_YIELD:
		bad = obj_u64(&e[1], &r->dt);
		break;
	case VT_REC_DEF:
		bad = obj_u64(&e[1], &r->id) | obj_u64(&e[2], &r->def_kind) |
		      obj_str(&e[3], &r->s1, &r->s1_len) | obj_str(&e[4], &r->s2, &r->s2_len) |
		      obj_i64(&e[5], &r->line);
		break;
	case VT_REC_SYNC:
		bad = obj_u64(&e[1], &r->clock) | obj_u64(&e[2], &r->mono_ns);
		break;
	case VT_REC_TNAME:
	case VT_REC_MARK:
		bad = obj_u64(&e[1], &r->dt) | obj_str(&e[2], &r->s1, &r->s1_len);
		break;
	case VT_REC_END:
		bad = obj_u64(&e[1], &r->clock) | obj_u64(&e[2], &r->mono_ns) |
		      obj_u64(&e[3], &r->reason);
		break;
	case VT_REC_LOST:
		bad = obj_u64(&e[1], &r->dt) | obj_u64(&e[2], &r->lost) |
		      obj_str(&e[3], &r->s1, &r->s1_len);
		break;
	case VT_REC_PROC:
		bad = e[1].type != MSGPACK_OBJECT_MAP;
		r->obj = &e[1];
		break;
	case VT_REC_ARGS:
		bad = e[1].type != MSGPACK_OBJECT_ARRAY || e[1].via.array.size % 2;
		r->obj = &e[1];
		break;
	case VT_REC_RETVAL:
		bad = obj_str(&e[1], &r->s1, &r->s1_len);
		break;
	case VT_REC_COUNTER:
	case VT_REC_INSTANT:
		bad = obj_u64(&e[1], &r->dt) | obj_str(&e[2], &r->s1, &r->s1_len) |
		      (e[3].type != MSGPACK_OBJECT_ARRAY || e[3].via.array.size % 2);
		r->obj = &e[3];
		break;
	case VT_REC_SPAN_B: {
		uint64_t sid = 0;

		bad = obj_u64(&e[1], &r->dt) | obj_u64(&e[2], &sid) |
		      (e[3].type != MSGPACK_OBJECT_ARRAY || e[3].via.array.size % 2);
		r->span = (int64_t)sid;
		r->obj = &e[3];
		break;
	}
	case VT_REC_SPAN_E:
		bad = obj_u64(&e[1], &r->dt) |
		      (e[2].type != MSGPACK_OBJECT_ARRAY || e[2].via.array.size % 2);
		r->obj = &e[2];
		break;
	case VT_REC_OPEN:
		bad = e[1].type != MSGPACK_OBJECT_ARRAY;
		if (!bad) {
			r->obj = &e[1];
			r->nopen = e[1].via.array.size;
			for (uint32_t i = 0; i < e[1].via.array.size && !bad; i++)
				bad = e[1].via.array.ptr[i].type != MSGPACK_OBJECT_POSITIVE_INTEGER;
		}
		break;
	case VT_REC_EXIT:
		bad = obj_u64(&e[1], &r->dt) | obj_u64(&e[2], &r->how) | obj_i64(&e[3], &r->status);
		break;
	case VT_REC_FORK:
		bad = obj_u64(&e[1], &r->dt) | obj_u64(&e[2], &r->child);
		break;
	case VT_REC_STACK:
		bad = obj_u64(&e[1], &r->dt) | obj_u64(&e[2], &r->depth);
		r->obj = NULL;
		r->nstack = 0;
		if (!bad && n >= 4) {
			/* 4.1: the frames' ids */
			bad = e[3].type != MSGPACK_OBJECT_ARRAY;
			for (uint32_t i = 0; !bad && i < e[3].via.array.size; i++)
				bad = e[3].via.array.ptr[i].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
				      e[3].via.array.ptr[i].via.u64 >= UINT32_MAX;
			if (!bad) {
				r->obj = &e[3];
				r->nstack = e[3].via.array.size;
			}
		}
		break;
	case VT_REC_ALIAS:
		bad = obj_u64(&e[1], &r->alias) | obj_u64(&e[2], &r->id) ||
		      r->alias >= 2 * VT_ALIAS_SLOTS || r->id >= UINT32_MAX;
		break;
	default:
		break;
	}
	return bad ? -VT_ERR_RECORD : 1;
}

/*
 * Skip one msgpack value at @p, checking that every declared length fits in what is left.
 * msgpack-c allocates room for a container's declared count before it looks for the
 * elements, so a damaged count of 2^32 would ask for 128 GiB; this check comes first.
 * Returns the end of the value, or NULL when it is truncated, too deep or malformed.
 */
static const uint8_t *skip_value(const uint8_t *p, const uint8_t *end, int depth)
{
	uint64_t n = 0, len = 0;
	int items = 0; /* 1: n values follow; 2: n key/value pairs */
	uint8_t c;

	if (p >= end || depth > 32)
		return NULL;
	c = *p++;
	if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
		return p;
	if (c >= 0x80 && c <= 0x8f) {
		n = c & 0x0f;
		items = 2;
	} else if (c >= 0x90 && c <= 0x9f) {
		n = c & 0x0f;
		items = 1;
	} else if (c >= 0xa0 && c <= 0xbf) {
		len = c & 0x1f;
	} else {
		static const uint8_t fixed[] = { [0xca - 0xc4] = 4, [0xcb - 0xc4] = 8,
						 [0xcc - 0xc4] = 1, [0xcd - 0xc4] = 2,
						 [0xce - 0xc4] = 4, [0xcf - 0xc4] = 8,
						 [0xd0 - 0xc4] = 1, [0xd1 - 0xc4] = 2,
						 [0xd2 - 0xc4] = 4, [0xd3 - 0xc4] = 8,
						 [0xd4 - 0xc4] = 2, [0xd5 - 0xc4] = 3,
						 [0xd6 - 0xc4] = 5, [0xd7 - 0xc4] = 9,
						 [0xd8 - 0xc4] = 17 };
		unsigned w = 0;

		if (c >= 0xc4 && c <= 0xd8 && c != 0xc7 && c != 0xc8 && c != 0xc9 &&
		    c != 0xc4 && c != 0xc5 && c != 0xc6)
			return (size_t)(end - p) >= fixed[c - 0xc4] ? p + fixed[c - 0xc4] : NULL;
		switch (c) {
		case 0xc4: case 0xd9: w = 1; break;             /* bin8, str8 */
		case 0xc5: case 0xda: case 0xdc: case 0xde: w = 2; break;
		case 0xc6: case 0xdb: case 0xdd: case 0xdf: w = 4; break;
		case 0xc7: w = 1; break;                         /* ext8, 16, 32 */
		case 0xc8: w = 2; break;
		case 0xc9: w = 4; break;
		default: return NULL;                            /* 0xc1: never used */
		}
		if ((size_t)(end - p) < w)
			return NULL;
		for (unsigned i = 0; i < w; i++)
			n = n << 8 | *p++;
		if (c == 0xdc || c == 0xdd) {
			items = 1;
		} else if (c == 0xde || c == 0xdf) {
			items = 2;
		} else {
			len = n + (c >= 0xc7 && c <= 0xc9); /* ext: a type byte before the data */
			n = 0;
		}
	}
	if (items) {
		/* every element takes at least one byte */
		if (n * (uint64_t)items > (uint64_t)(end - p))
			return NULL;
		for (uint64_t i = 0; i < n * (uint64_t)items; i++)
			if (!(p = skip_value(p, end, depth + 1)))
				return NULL;
		return p;
	}
	return len <= (uint64_t)(end - p) ? p + len : NULL;
}

int vt_msgpack_check(const uint8_t *buf, size_t len)
{
	return skip_value(buf, buf + len, 0) ? 0 : -1;
}

/* the next msgpack value of the chunk into d->obj; 0, or -1 with d->off unchanged */
static int next_value(struct vt_decoder *d)
{
	size_t at = d->off;
	msgpack_unpack_return ret;

	if (d->off >= d->len || vt_msgpack_check(d->buf + d->off, d->len - d->off) < 0)
		return -1;
	msgpack_zone_clear(d->zone);
	ret = msgpack_unpack((const char *)d->buf, d->len, &d->off, d->zone, &d->obj);
	if (ret != MSGPACK_UNPACK_SUCCESS && ret != MSGPACK_UNPACK_EXTRA_BYTES) {
		d->off = at;
		return -1;
	}
	return 0;
}

/* a short call's code c (v << 1 | is_c) to its kind and id; -1 for a slot not bound */
static int short_call(const struct vt_decoder *d, uint64_t c, struct vt_record *r)
{
	r->kind = c & 1 ? VT_REC_CCALL : VT_REC_CALL;
	r->id = c >> 1;
	if (d->major < 4)
		return 0; /* 3.0: the id itself */
	if (r->id >= VT_ALIAS_SLOTS) {
		r->id -= VT_ALIAS_SLOTS;
		return 0;
	}
	if (!d->alias[c])
		return -1;
	r->id = d->alias[c] - 1;
	return 0;
}

/*
 * 3.0's short forms: a negative integer -(1 + (v << 1 | is_c)) is a CALL (is_c 0) or
 * CCALL (1), nil a CRET, and the bare dt follows either. @o is that first value.
 */
static int decode_short(struct vt_decoder *d, const msgpack_object *o, struct vt_record *r)
{
	if (o->type == MSGPACK_OBJECT_NIL)
		r->kind = VT_REC_CRET;
	else if (short_call(d, ~(uint64_t)o->via.i64 /* -(1 + c) */, r) < 0)
		return -1;
	if (next_value(d) < 0 || obj_u64(&d->obj, &r->dt))
		return -1;
	return 0;
}

/*
 * The records most of a trace is made of, with a short delta, decoded without msgpack-c
 * (whose unpacker costs more than the rest of the converter's work on them): a RET as a
 * positive fixint, a short call as a negative fixint and a positive fixint, a short CRET
 * as nil and a positive fixint. 1 when @r holds one of them, 0 for anything else.
 */
static int decode_tiny(struct vt_decoder *d, struct vt_record *r)
{
	const uint8_t *p = d->buf + d->off;
	size_t left = d->len - d->off;

	if (p[0] < 0x80 && d->major >= 2) {
		memset(r, 0, sizeof(*r));
		r->kind = VT_REC_RET;
		r->dt = p[0];
		d->off++;
		return 1;
	}
	if ((p[0] >= 0xe0 || p[0] == 0xc0) && left >= 2 && p[1] < 0x80 && d->major >= 3) {
		memset(r, 0, sizeof(*r));
		if (p[0] == 0xc0)
			r->kind = VT_REC_CRET;
		else if (short_call(d, 0xffu - p[0] /* -(1 + c), a negative fixint */, r) < 0)
			return 0; /* an unbound slot: the slow path reports it */
		r->dt = p[1];
		d->off += 2;
		return 1;
	}
	return 0;
}

static int decode_record(struct vt_decoder *d, struct vt_record *r)
{
	size_t start = d->off;
	const msgpack_object *o;
	uint64_t kind;

	if (d->off >= d->len)
		return 0;
	if (decode_tiny(d, r))
		return 1;
	if (!d->zone || next_value(d) < 0)
		return -VT_ERR_MSGPACK;
	o = &d->obj;
	memset(r, 0, sizeof(*r));
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && d->major >= 2) {
		r->kind = VT_REC_RET; /* 2.0: a RET is its bare dt */
		r->dt = o->via.u64;
		return 1;
	}
	if ((o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER || o->type == MSGPACK_OBJECT_NIL) &&
	    d->major >= 3) {
		if (decode_short(d, o, r) < 0) {
			d->off = start;
			return -VT_ERR_RECORD;
		}
		return 1;
	}
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 1 ||
	    obj_u64(&o->via.array.ptr[0], &kind) || kind >= VT_REC_MAX) {
		d->off = start;
		return -VT_ERR_RECORD;
	}
	r->kind = (unsigned)kind;
	if (!rec_arity[kind])
		return 1; /* a kind added by a later minor version: skip it */
	if (o->via.array.size < rec_arity[kind]) {
		d->off = start;
		return -VT_ERR_RECORD;
	}
	if (decode_fields(o->via.array.ptr, o->via.array.size, r) < 0) {
		d->off = start;
		return -VT_ERR_RECORD;
	}
	return 1;
}

int vt_decoder_next(struct vt_decoder *d, struct vt_record *r)
{
	int rc;

	/* ALIAS records only bind the chunk's slots: the reader never sees them */
	while ((rc = decode_record(d, r)) == 1 && r->kind == VT_REC_ALIAS)
		d->alias[r->alias] = (uint32_t)r->id + 1;
	return rc;
}

int vt_header_read(const msgpack_object *map, struct vt_header_keys *h)
{
	memset(h, 0, sizeof(*h));
	if (!map || map->type != MSGPACK_OBJECT_MAP)
		return -1;
#define GET_STR(key) h->key = vt_map_str(map, #key, &h->key##_len);
#define GET_U64(key) h->key = vt_map_u64(map, #key, 0);
#define GET(key, type, meaning) GET_##type(key)
	VT_HEADER_KEYS(GET)
	return 0;
}

int vt_proc_read(const msgpack_object *map, struct vt_proc_keys *h)
{
	memset(h, 0, sizeof(*h));
	if (!map || map->type != MSGPACK_OBJECT_MAP)
		return -1;
#define GET_ARGV(key) h->key##_obj = vt_map_get(map, #key);
	VT_PROC_KEYS(GET)
#undef GET
#undef GET_STR
#undef GET_U64
#undef GET_ARGV
	return 0;
}

const msgpack_object *vt_map_get(const msgpack_object *map, const char *key)
{
	size_t klen = strlen(key);

	if (!map || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
		    !memcmp(k->via.str.ptr, key, klen))
			return &map->via.map.ptr[i].val;
	}
	return NULL;
}

uint64_t vt_map_u64(const msgpack_object *map, const char *key, uint64_t dflt)
{
	const msgpack_object *v = vt_map_get(map, key);
	uint64_t out;

	if (!v || obj_u64(v, &out))
		return dflt;
	return out;
}

const char *vt_map_str(const msgpack_object *map, const char *key, size_t *len)
{
	const msgpack_object *v = vt_map_get(map, key);
	const char *s;

	if (!v || obj_str(v, &s, len))
		return NULL;
	return s;
}
