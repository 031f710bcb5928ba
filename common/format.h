/*
 * format.h - the vt trace format: the contract between libvt.so and vt-convert, and its
 * one codec. docs/FORMAT.md is the full specification; this header is its short manual,
 * and the two must agree.
 *
 * A trace is a directory of files, p<pid>.<token>.proc.vt (one per process image) and
 * p<pid>.<token>.t<tid>.vt (one per thread). Each file is
 *
 *   prefix  : 8-byte magic VT_MAGIC, u16 LE major, u16 LE minor, u32 LE header length H
 *   header  : H bytes, one msgpack map: the keys of VT_HEADER_KEYS below
 *   chunk*  : u32 LE VT_CHUNK_MAGIC, u32 LE raw length, u32 LE compressed length, then
 *             one raw LZ4 block; chunks are independent (a cut file loses one at most)
 *
 * and each decompressed chunk is a sequence of msgpack records, listed in enum vt_rec:
 * arrays [kind, ...], and short forms of the hot records made of bare values:
 *
 *   RET    dt                      a bare unsigned integer
 *   CALL   -(1 + 2 v), dt          v: an alias slot (< VT_ALIAS_SLOTS), else 64 + id
 *   CCALL  -(2 + 2 v), dt
 *   CRET   nil, dt
 *
 * Integers always take their smallest msgpack form. Each record kind has one encoder,
 * vt_put_<kind> (the hot ones static inline here), and one decoder: vt_decoder_next
 * fills struct vt_record, whose fields are named per kind below.
 *
 * This module has no global state, does no logging and never allocates: callers pass
 * buffers (each encoder says how many bytes it may take) and capacities. The encoder
 * half is linked into libvt.so; the decoder half (VT_FORMAT_DECODER, needs msgpack-c's
 * unpacker) into vt-convert, the unit tests and the fuzz targets.
 */
#ifndef VT_FORMAT_H
#define VT_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define VT_MAGIC "\x89VTRACE\n"
#define VT_MAGIC_LEN 8
#define VT_FORMAT_MAJOR 4
#define VT_FORMAT_MINOR 1
/* the oldest major version readers still take (1.x: a RET is always [1, dt]) */
#define VT_FORMAT_MAJOR_MIN 1
/* magic + major + minor + header length */
#define VT_FILE_PREFIX_LEN 16
/* "VTCK" read as a little-endian u32 */
#define VT_CHUNK_MAGIC 0x4b435456u
#define VT_CHUNK_HDR_LEN 12
/* Largest raw chunk a reader accepts: bounds what a corrupt length can make it allocate. */
#define VT_CHUNK_MAX_RAW (64u << 20)
/* Largest header map a reader accepts. */
#define VT_HEADER_MAX (1u << 20)
/* Longest string kept in a DEF record; longer names and paths are cut to this. */
#define VT_DEF_STR_MAX 2048

/* Record kinds: the first element of every record array. */
enum vt_rec {
	VT_REC_CALL = 0,    /* -(1 + 2 id) dt (3.0; [0, id, dt] before) Python frame entered */
	VT_REC_RET = 1,     /* dt (bare; [1, dt] before 2.0) Python frame returned */
	VT_REC_CCALL = 2,   /* -(2 + 2 id) dt (3.0; [2, id, dt] before) C function called */
	VT_REC_CRET = 3,    /* nil dt (3.0; [3, dt] before) C function returned */
	VT_REC_UNWIND = 4,  /* [4, dt]       Python frame left by an exception */
	VT_REC_CRAISE = 5,  /* [5, dt]       C function raised */
	VT_REC_YIELD = 6,   /* [6, dt]       generator or coroutine suspended */
	VT_REC_RESUME = 7,  /* [7, id, dt]   generator or coroutine resumed */
	VT_REC_DEF = 16,    /* [16, id, kind, name, file, line] */
	VT_REC_SYNC = 17,   /* [17, clock, mono_ns]  sets the delta base; clock anchor */
	VT_REC_TNAME = 18,  /* [18, dt, name]  thread name */
	VT_REC_END = 19,    /* [19, clock, mono_ns, reason]  end of stream */
	VT_REC_LOST = 20,   /* [20, dt, count, reason]  events dropped before this point */
	VT_REC_PROC = 21,   /* [21, map]  process description (process file only) */
	VT_REC_EXIT = 22,   /* [22, dt, how, code]  process exit (process file only) */
	VT_REC_MARK = 23,   /* [23, dt, text]  a note from vt itself, shown as an instant */
	VT_REC_FORK = 24,   /* [24, dt, child_pid]  this thread forked a child */
	VT_REC_STACK = 25,  /* [25, dt, depth(, [id, ...])]  the Python stack is @depth frames
			     * deep here: frames above it were left unseen, frames below it
			     * unseen were entered (recording started, or the hook came back
			     * from another profiler); 4.1: the ids name those frames,
			     * outermost first (maybe fewer than @depth) */
	VT_REC_OPEN = 26,   /* [26, [id, ...]]  frames open at this chunk's start, outermost
			     * first (flight-recorder mode: older chunks may be gone) */
	VT_REC_ARGS = 27,   /* [27, [key, text, ...]]  arguments of the call just recorded */
	VT_REC_RETVAL = 28, /* [28, text]  the value the next return returns */
	VT_REC_COUNTER = 29, /* [29, dt, name, [key, number, ...]]  a counter sample */
	VT_REC_INSTANT = 30, /* [30, dt, name, [key, text, ...]]  an instant from the program */
	VT_REC_SPAN_B = 31, /* [31, dt, id, [key, text, ...]]  a span begins (vt.span, gc) */
	VT_REC_SPAN_E = 32, /* [32, dt, [key, text, ...]]  the innermost span ends; its
			     * arguments, if any, replace those it began with */
	VT_REC_ALIAS = 33,  /* [33, code, id] (4.0)  until the chunk ends, the short-form call
			     * code @code (< 2 * VT_ALIAS_SLOTS) stands for function @id */
	VT_REC_MAX = 64,
};

/* DEF kinds */
enum vt_def_kind {
	VT_DEF_PY = 0,
	VT_DEF_C = 1,
	VT_DEF_SPAN = 2, /* a span from the program (vt.span) or from vt (gc) */
	VT_DEF_NATIVE = 3, /* a native function traced through VT_NATIVE; file: its library */
};

/* END reasons */
enum vt_end_reason {
	VT_END_THREAD = 0,  /* thread exited */
	VT_END_EXIT = 1,    /* process exit (destructor) */
	VT_END_UEXIT = 2,   /* _exit / os._exit */
	VT_END_EXEC = 3,    /* exec of a new image */
	VT_END_SIGNAL = 4,  /* fatal signal */
	VT_END_STOP = 5,    /* tracing stopped by vt (error) */
};

/* EXIT "how" */
enum vt_exit_how {
	VT_EXIT_CODE = 0,   /* code is the exit status */
	VT_EXIT_SIGNAL = 1, /* code is the signal number */
	VT_EXIT_EXEC = 2,   /* replaced by exec; code unused */
	VT_EXIT_UNKNOWN = 3,/* ended; status not known to vt */
};

/* Clock kinds named in the header's "clock" field. */
#define VT_CLOCK_TSC "tsc" /* deltas in TSC ticks; SYNC records map them to ns */
#define VT_CLOCK_NS "ns"   /* deltas in CLOCK_MONOTONIC ns */

/* Typed errors (the lz4frame X-macro pattern). */
#define VT_ERR_LIST(X)                                            \
	X(OK, "no error")                                         \
	X(BAD_MAGIC, "not a vt trace file (bad magic)")           \
	X(VERSION, "unsupported format version")                  \
	X(TRUNCATED, "truncated")                                 \
	X(LZ4, "corrupt chunk (lz4 decompression failed)")        \
	X(MSGPACK, "corrupt record (bad msgpack)")                \
	X(CHUNK, "corrupt chunk header")                          \
	X(RECORD, "malformed record")                             \
	X(TOO_BIG, "declared size too large")                     \
	X(NOSPACE, "buffer too small")

enum vt_err {
#define VT_ERR_ENUM(name, text) VT_ERR_##name,
	VT_ERR_LIST(VT_ERR_ENUM)
#undef VT_ERR_ENUM
	VT_ERR_COUNT
};

/** vt_strerror - text for a VT_ERR_* code (positive or negated). */
const char *vt_strerror(int err);
/**
 * vt_parse_time - a duration as VT_* variables and vt-convert's options write it: a
 * number (a fraction is fine) with a unit of ns, us, ms, s, m or h; a bare number is
 * seconds. Puts it in *@ns (rounded) and returns 0, or -1 for anything else.
 */
int vt_parse_time(const char *s, uint64_t *ns);

/* ---- encoder: hand-rolled msgpack for the hot path ------------------------------- */

/* Most bytes one call/return record can take: a short call's int64 and its dt (9 + 9). */
#define VT_REC_HOT_MAX 18

static inline uint8_t *vt_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static inline uint8_t *vt_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

/** vt_put_uint - append @v as the smallest msgpack unsigned integer. Returns the new end. */
static inline uint8_t *vt_put_uint(uint8_t *p, uint64_t v)
{
	if (v < 128) {
		*p = (uint8_t)v;
		return p + 1;
	}
	if (v < 256) {
		p[0] = 0xcc;
		p[1] = (uint8_t)v;
		return p + 2;
	}
	if (v < 65536) {
		*p = 0xcd;
		return vt_put_be16(p + 1, (uint16_t)v);
	}
	if (v <= 0xffffffffu) {
		*p = 0xce;
		return vt_put_be32(p + 1, (uint32_t)v);
	}
	*p = 0xcf;
	p = vt_put_be32(p + 1, (uint32_t)(v >> 32));
	return vt_put_be32(p, (uint32_t)v);
}

/*
 * 4.0: a short-form call's value v (its code c = v << 1 | is_c) below VT_ALIAS_SLOTS is a
 * slot of the chunk, bound to a function by an ALIAS record earlier in the same chunk;
 * from VT_ALIAS_SLOTS up it is the function id v - VT_ALIAS_SLOTS. Each chunk binds the
 * slots to the functions it calls first, so the calls of a steady loop take one or two
 * bytes whatever their ids (3.0 wrote the id itself: three bytes from id 64 up).
 */
#define VT_ALIAS_SLOTS 64

/**
 * vt_put_alias - append [33, code, id]: code (v << 1 | is_c) stands for @id in this chunk.
 */
static inline uint8_t *vt_put_alias(uint8_t *p, uint32_t code, uint32_t id)
{
	p[0] = 0x93; /* fixarray of 3 */
	p[1] = VT_REC_ALIAS;
	p = vt_put_uint(p + 2, code);
	return vt_put_uint(p, id);
}
#define VT_REC_ALIAS_MAX 12

/**
 * vt_put_id_rec - append a call-like record: a CALL or CCALL in its short form (3.0), the
 * negative integer -(1 + (v << 1 | is_c)) followed by the bare dt (two bytes for a
 * short delta and one of the first 16 values, where [0, id, dt] took four), where @v is
 * an alias slot or VT_ALIAS_SLOTS + the id (4.0; the id itself in 3.0); any other kind
 * (RESUME) as [kind, id, dt], @v being the id.
 */
static inline __attribute__((always_inline)) uint8_t *vt_put_id_rec(uint8_t *p, unsigned kind, uint64_t v, uint64_t dt)
{
	if (kind == VT_REC_CALL || kind == VT_REC_CCALL) {
		uint64_t c = v << 1 | (kind == VT_REC_CCALL); /* v < 2^63 */

		if (c < 32) {
			*p++ = (uint8_t)(0xff - c); /* negative fixint -1 .. -32 */
		} else if (c < 128) {
			p[0] = 0xd0; /* int 8 */
			p[1] = (uint8_t)(0xff - c);
			p += 2;
		} else if (c < 32768) {
			*p = 0xd1; /* int 16 */
			p = vt_put_be16(p + 1, (uint16_t)(0xffff - c));
		} else if (c < 0x80000000u) {
			*p = 0xd2; /* int 32 */
			p = vt_put_be32(p + 1, (uint32_t)(0xffffffffu - c));
		} else {
			uint64_t n = ~c; /* -(1 + c), two's complement */

			*p = 0xd3; /* int 64 */
			p = vt_put_be32(p + 1, (uint32_t)(n >> 32));
			p = vt_put_be32(p, (uint32_t)n);
		}
		return vt_put_uint(p, dt);
	}
	p[0] = 0x93; /* fixarray of 3 */
	p[1] = (uint8_t)kind;
	p = vt_put_uint(p + 2, v);
	return vt_put_uint(p, dt);
}

/**
 * vt_put_call - append a call-like record that names its function by @id, not by an
 * alias slot (4.0's VT_ALIAS_SLOTS + id in the short forms).
 */
static inline uint8_t *vt_put_call(uint8_t *p, unsigned kind, uint32_t id, uint64_t dt)
{
	return vt_put_id_rec(p, kind, kind == VT_REC_RESUME ? id : VT_ALIAS_SLOTS + (uint64_t)id, dt);
}

/**
 * vt_put_dt_rec - append a return-like record. A RET, the most frequent record, is the
 * bare integer dt (2.0): one byte where [1, dt] takes three; a CRET is nil followed by
 * the bare dt (3.0); the others are [kind, dt].
 */
static inline uint8_t *vt_put_dt_rec(uint8_t *p, unsigned kind, uint64_t dt)
{
	if (kind == VT_REC_RET)
		return vt_put_uint(p, dt);
	if (kind == VT_REC_CRET) {
		*p = 0xc0; /* nil */
		return vt_put_uint(p + 1, dt);
	}
	p[0] = 0x92; /* fixarray of 2 */
	p[1] = (uint8_t)kind;
	return vt_put_uint(p + 2, dt);
}

/** vt_put_str - append a msgpack str of @len bytes (cut to VT_DEF_STR_MAX). */
uint8_t *vt_put_str(uint8_t *p, const char *s, size_t len);

/** vt_put_int - append a msgpack integer, signed if negative. */
uint8_t *vt_put_int(uint8_t *p, int64_t v);

/** vt_put_array - append a msgpack array header for @n elements. */
uint8_t *vt_put_array(uint8_t *p, uint32_t n);

/** vt_put_map - append a msgpack map header for @n pairs. */
uint8_t *vt_put_map(uint8_t *p, uint32_t n);

/* Bytes a DEF record can take at most (two strings at VT_DEF_STR_MAX). */
#define VT_REC_DEF_MAX (2 * VT_DEF_STR_MAX + 64)

/** vt_put_def - append [16, id, kind, name, file, line]. */
uint8_t *vt_put_def(uint8_t *p, uint32_t id, unsigned kind, const char *name, size_t name_len,
		    const char *file, size_t file_len, uint32_t line);

/** vt_put_sync - append [17, clock, mono_ns]. */
uint8_t *vt_put_sync(uint8_t *p, uint64_t clock, uint64_t mono_ns);

/** vt_put_end - append [19, clock, mono_ns, reason]. */
uint8_t *vt_put_end(uint8_t *p, uint64_t clock, uint64_t mono_ns, unsigned reason);

/** vt_put_lost - append [20, dt, count, reason]; reason is a short text. */
uint8_t *vt_put_lost(uint8_t *p, uint64_t dt, uint64_t count, const char *reason);

/** vt_put_text_rec - append [kind, dt, text] (TNAME, MARK). */
uint8_t *vt_put_text_rec(uint8_t *p, unsigned kind, uint64_t dt, const char *text, size_t len);

/** vt_put_exit - append [22, dt, how, code]. */
uint8_t *vt_put_exit(uint8_t *p, uint64_t dt, unsigned how, int64_t code);

/** vt_put_fork - append [24, dt, child_pid]. */
uint8_t *vt_put_fork(uint8_t *p, uint64_t dt, uint32_t child);

/** vt_put_stack - append [25, dt, depth]. */
uint8_t *vt_put_stack(uint8_t *p, uint64_t dt, uint32_t depth);

/** vt_put_stack_ids - append [25, dt, depth, [ids]] (4.1) for @n ids, outermost first;
 * at most 16 + 5 * @n bytes. */
uint8_t *vt_put_stack_ids(uint8_t *p, uint64_t dt, uint32_t depth, const uint32_t *ids,
			  uint32_t n);

/** vt_put_retval - append [28, text]. */
uint8_t *vt_put_retval(uint8_t *p, const char *text, size_t len);

/** vt_put_open - append [26, [ids]] for @n ids. */
uint8_t *vt_put_open(uint8_t *p, const uint32_t *ids, uint32_t n);

/* ---- values and the key/value arrays of ARGS, COUNTER, INSTANT, SPAN_B, SPAN_E ---- */

/** vt_put_nil - append a msgpack nil (a value: Python's None). */
static inline uint8_t *vt_put_nil(uint8_t *p)
{
	*p = 0xc0;
	return p + 1;
}

/** vt_put_bool - append a msgpack true or false. */
static inline uint8_t *vt_put_bool(uint8_t *p, int v)
{
	*p = v ? 0xc3 : 0xc2;
	return p + 1;
}

/** vt_put_double - append a msgpack float 64 (9 bytes). */
static inline uint8_t *vt_put_double(uint8_t *p, double d)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	*p = 0xcb;
	p = vt_put_be32(p + 1, (uint32_t)(bits >> 32));
	return vt_put_be32(p, (uint32_t)bits);
}

/**
 * vt_put_array32 - append an array header for @n elements in its 5-byte form, whatever
 * @n: a header written before its count is known, then written again over itself (a
 * key/value array of a span, counter or instant: n = 2 * pairs).
 */
static inline uint8_t *vt_put_array32(uint8_t *p, uint32_t n)
{
	*p = 0xdd;
	return vt_put_be32(p + 1, n);
}

/** vt_put_kv_text - append one key/value pair of text (each cut to VT_DEF_STR_MAX). */
uint8_t *vt_put_kv_text(uint8_t *p, const char *key, size_t klen, const char *text,
			size_t tlen);

/**
 * vt_put_args_head - append the start of [27, [key, text, ...]] for @pairs pairs; the
 * caller appends them (vt_put_kv_text). 7 bytes.
 */
uint8_t *vt_put_args_head(uint8_t *p, uint32_t pairs);

/*
 * The timed key/value records take their array ready-made (@kv, @kv_len bytes: an array
 * header and its pairs, built with vt_put_array/vt_put_array32 and the value encoders),
 * or an empty array when @kv_len is 0. Each takes at most @kv_len + VT_REC_KV_MAX bytes,
 * plus the name's length for COUNTER and INSTANT.
 */
#define VT_REC_KV_MAX 32

/** vt_put_span_b - append [31, dt, id, kv]: a span begins (@id: its DEF, kind span). */
uint8_t *vt_put_span_b(uint8_t *p, uint64_t dt, uint32_t id, const void *kv, size_t kv_len);

/** vt_put_span_e - append [32, dt, kv]: the innermost span ends. */
uint8_t *vt_put_span_e(uint8_t *p, uint64_t dt, const void *kv, size_t kv_len);

/** vt_put_kv_rec - append [kind, dt, name, kv] (COUNTER, INSTANT); name cut to
 * VT_DEF_STR_MAX. */
uint8_t *vt_put_kv_rec(uint8_t *p, unsigned kind, uint64_t dt, const char *name,
		       size_t name_len, const void *kv, size_t kv_len);

/* ---- the file header: one list of its keys, for the writer and the reader ---------- */

/*
 * X(key, type, meaning): the header map's keys, in the order vt writes them (docs/
 * FORMAT.md's "Header map" gives the same). type STR is a msgpack str, U64 an unsigned
 * integer. Readers ignore keys they do not know; a minor version may add some here.
 */
#define VT_HEADER_KEYS(X)                                                              \
	X(kind, STR, "\"thread\" or \"process\"")                                        \
	X(mode, STR, "\"stream\", or \"ring\" for the flight recorder (VT_MODE=ring)")    \
	X(pid, U64, "process id")                                                      \
	X(ppid, U64, "parent process id")                                              \
	X(tid, U64, "kernel thread id; 0 in process files")                            \
	X(token, U64, "the image token: CLOCK_MONOTONIC ns when the image started")    \
	X(clock, STR, "VT_CLOCK_TSC or VT_CLOCK_NS: the unit of every dt")             \
	X(tsc_hz, U64, "ticks (in vt's tick) per second, 0 if unknown")                \
	X(tsc_shift, U64, "vt's tick is 2^tsc_shift TSC ticks")                        \
	X(clock0, U64, "the clock when the image started")                             \
	X(mono0, U64, "CLOCK_MONOTONIC ns at that moment")                             \
	X(real0, U64, "CLOCK_REALTIME ns at that moment")                              \
	X(py, STR, "the Python version, \"3.11.7\"")

/*
 * X(key, type, meaning): the PROC record's map, in the order vt writes it. type ARGV is
 * an array of str, given to the encoder as NUL-separated bytes (/proc/self/cmdline's).
 */
#define VT_PROC_KEYS(X)                                                                \
	X(pid, U64, "process id")                                                      \
	X(ppid, U64, "parent process id")                                              \
	X(argv, ARGV, "the command line, an array of str")                             \
	X(exe, STR, "the executable (/proc/self/exe)")                                 \
	X(cwd, STR, "the working directory at start")                                  \
	X(py, STR, "the Python version")                                               \
	X(mono0, U64, "CLOCK_MONOTONIC ns when the image started")                     \
	X(real0, U64, "CLOCK_REALTIME ns at that moment")                              \
	X(min_dur, U64, "VT_MIN_DURATION in ns (the converter's default --min-dur), 0")

/* one field per key: a str is a pointer and a length (not NUL-terminated when decoded:
 * it points into the decoder's storage); an ARGV also its decoded array (msgpack_object) */
#define VT_KEY_FIELD_STR(key) const char *key; size_t key##_len;
#define VT_KEY_FIELD_ARGV(key) const char *key; size_t key##_len; const void *key##_obj;
#define VT_KEY_FIELD_U64(key) uint64_t key;
#define VT_KEY_FIELD(key, type, meaning) VT_KEY_FIELD_##type(key)

/** The header's values. Absent keys decode as 0 and NULL. */
struct vt_header_keys {
	VT_HEADER_KEYS(VT_KEY_FIELD)
};

/** The PROC record's values. Absent keys decode as 0 and NULL. */
struct vt_proc_keys {
	VT_PROC_KEYS(VT_KEY_FIELD)
};

/* Longest str the header encoder writes (longer ones are cut), so that it fits: */
#define VT_HEADER_STR_MAX 64
/* what vt_put_header writes at most, prefix included */
#define VT_HEADER_BUF 512

/**
 * vt_put_header - write the file prefix and the header map of @h into @buf; returns the
 * bytes written (prefix included).
 */
size_t vt_put_header(uint8_t buf[VT_HEADER_BUF], const struct vt_header_keys *h);

/**
 * vt_put_proc - append [21, map] with the keys of @h; at most
 * VT_REC_PROC_MAX(argv_len) bytes.
 */
uint8_t *vt_put_proc(uint8_t *p, const struct vt_proc_keys *h);
#define VT_REC_PROC_MAX(argv_len) ((argv_len) + (argv_len) / 32 + 3 * VT_DEF_STR_MAX + 256)

/**
 * vt_file_prefix - write the 16-byte file prefix for a header map of @hdr_len bytes.
 * The map itself follows the prefix.
 */
void vt_file_prefix(uint8_t out[VT_FILE_PREFIX_LEN], uint32_t hdr_len);

/**
 * vt_chunk_header - write the 12-byte chunk header (magic, raw length, compressed length).
 */
void vt_chunk_header(uint8_t out[VT_CHUNK_HDR_LEN], uint32_t raw_len, uint32_t comp_len);

/* ---- decoder ------------------------------------------------------------------------ */

/**
 * vt_parse_prefix - check the 16-byte prefix of a trace file.
 * On success stores the version and the header map length and returns 0. Returns
 * -VT_ERR_TRUNCATED if @len < 16, -VT_ERR_BAD_MAGIC, -VT_ERR_VERSION (the version is
 * still stored, so the caller can name it) or -VT_ERR_TOO_BIG.
 */
int vt_parse_prefix(const uint8_t *buf, size_t len, unsigned *major, unsigned *minor,
		    uint32_t *hdr_len);

/**
 * vt_parse_chunk_header - check a 12-byte chunk header.
 * Returns 0 and stores the lengths, -VT_ERR_TRUNCATED, -VT_ERR_CHUNK (bad magic) or
 * -VT_ERR_TOO_BIG (a raw length above VT_CHUNK_MAX_RAW or an impossible compressed length).
 */
int vt_parse_chunk_header(const uint8_t *buf, size_t len, uint32_t *raw_len, uint32_t *comp_len);

/*
 * A decoded record. Strings point into the decoder's storage and live until the next
 * call. Each field means one thing per kind; the two unions name what their field holds
 * for each kind (count and code are their generic names: the same storage).
 */
struct vt_record {
	unsigned kind;     /* enum vt_rec */
	uint64_t id;       /* CALL, CCALL, RESUME, DEF, ALIAS: a function's id */
	uint64_t dt;       /* delta in clock units (hot records, TNAME, MARK, LOST, EXIT, FORK,
			    * STACK, COUNTER, INSTANT, SPAN_B, SPAN_E) */
	uint64_t clock;    /* SYNC, END */
	uint64_t mono_ns;  /* SYNC, END */
	union {
		uint64_t count;    /* generic name */
		uint64_t lost;     /* LOST: events dropped */
		uint64_t reason;   /* END: enum vt_end_reason */
		uint64_t def_kind; /* DEF: enum vt_def_kind */
		uint64_t how;      /* EXIT: enum vt_exit_how */
		uint64_t child;    /* FORK: the child's pid */
		uint64_t depth;    /* STACK: frames on the stack */
		uint64_t nopen;    /* OPEN: ids in obj */
		uint64_t alias;    /* ALIAS: the short-form code bound (never returned) */
	};
	union {
		int64_t code;      /* generic name */
		int64_t line;      /* DEF: first line */
		int64_t status;    /* EXIT: exit status or signal number */
		int64_t span;      /* SPAN_B: the span's DEF id */
		int64_t nstack;    /* STACK (4.1): ids in obj, 0 when it names none */
	};
	const char *s1;    /* DEF name, TNAME/MARK text, LOST reason, RETVAL text,
			    * COUNTER/INSTANT name */
	size_t s1_len;
	const char *s2;    /* DEF file */
	size_t s2_len;
	const void *obj;   /* a msgpack_object: PROC the map; OPEN, STACK the id array;
			    * ARGS, COUNTER, INSTANT, SPAN_B, SPAN_E the key/value array */
};

#ifdef VT_FORMAT_DECODER
#include <msgpack.h>

/**
 * struct vt_decoder - decodes the records of one raw chunk with msgpack-c.
 * Init with vt_decoder_init(), release with vt_decoder_release().
 */
struct vt_decoder {
	msgpack_zone *zone; /* reused for every record: cleared, not freed */
	msgpack_object obj; /* the last record, valid until the next */
	const uint8_t *buf;
	size_t len;
	size_t off;
	unsigned major; /* the stream's format version: from 2 a bare integer is a RET, from
			 * 3 a negative integer or nil and the bare dt after it a call or C return,
			 * from 4 through the chunk's alias slots */
	uint32_t alias[2 * VT_ALIAS_SLOTS]; /* 4.0: id + 1 of each short-form code, 0 unset;
					      * cleared by vt_decoder_reset (a new chunk) */
};

void vt_decoder_init(struct vt_decoder *d);
/**
 * vt_msgpack_check - 0 when @buf starts with one complete msgpack value whose declared
 * lengths all fit in @len bytes (checked before msgpack-c allocates for them), else -1.
 */
int vt_msgpack_check(const uint8_t *buf, size_t len);
/** vt_decoder_reset - start decoding @len bytes at @buf (not copied; must outlive use). */
void vt_decoder_reset(struct vt_decoder *d, const uint8_t *buf, size_t len);
/**
 * vt_decoder_next - decode the next record into @rec.
 * Returns 1 on a record, 0 at the end of the chunk, -VT_ERR_MSGPACK or -VT_ERR_RECORD on
 * bad data (then d->off is the offset of the bad record within the chunk).
 * Unknown record kinds >= VT_REC_MAX are an error; unknown kinds below it are returned
 * with only @kind set, so that minor versions can add records. ALIAS records are taken
 * here, never returned: a short call comes back with the id its slot stands for, and a
 * slot not bound in the chunk is -VT_ERR_RECORD.
 */
int vt_decoder_next(struct vt_decoder *d, struct vt_record *rec);
void vt_decoder_release(struct vt_decoder *d);

/**
 * vt_header_read - the keys of a header map @map into @h (absent or mistyped: 0, NULL);
 * strings point into @map. -1 when @map is not a map.
 */
int vt_header_read(const msgpack_object *map, struct vt_header_keys *h);
/** vt_proc_read - the same for a PROC record's map. */
int vt_proc_read(const msgpack_object *map, struct vt_proc_keys *h);

/** vt_map_get - find @key in a msgpack map object; NULL if absent or not a map. */
const msgpack_object *vt_map_get(const msgpack_object *map, const char *key);
/** vt_map_u64 - integer value of @key, or @dflt. */
uint64_t vt_map_u64(const msgpack_object *map, const char *key, uint64_t dflt);
/** vt_map_str - string value of @key (not NUL-terminated; length in *len), or NULL. */
const char *vt_map_str(const msgpack_object *map, const char *key, size_t *len);
#endif

#endif /* VT_FORMAT_H */
