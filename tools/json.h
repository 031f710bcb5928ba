/*
 * json.h - vt-convert's one JSON writer: a buffered output of JSON text (to a file, gzip,
 * or handed to a callback in pieces), string escaping (invalid UTF-8 becomes U+FFFD) and
 * numbers. Every file of tools/ that makes JSON text uses it: the Chrome trace sink, the
 * HTML sink's argument objects, the reader's argument/counter objects, the counters'
 * track keys.
 */
#ifndef VT_TOOLS_CHROME_H
#define VT_TOOLS_CHROME_H

#include <stdint.h>
#include <stdio.h>

struct vt_json {
	FILE *f;
	int own;          /* 1 when f was opened here */
	char *buf;
	size_t len, cap;
	int first;        /* no event written yet */
	uint64_t bytes;   /* written so far */
	int err;          /* a write failed (errno) */
	void *gz;         /* z_stream when writing .gz, else NULL */
	uint64_t out_bytes; /* bytes that reached the file (compressed when gz) */
	/* a buffer of whole events handed to sink() instead of a file (vt_json_open_sink) */
	void (*sink)(void *ctx, const char *buf, size_t len);
	void *sink_ctx;
	void *bg;         /* the background writer of a file (json.c), or NULL */
};

/**
 * vt_json_open_sink - write events into memory and hand them to @sink in pieces that
 * start with an event's separator and end with an event (about 1 MiB each; the buffer
 * grows for a bigger event). For writers that share one file.
 */
int vt_json_open_sink(struct vt_json *j, void (*sink)(void *, const char *, size_t), void *ctx);
/** vt_json_close_sink - hand over what is left and free the buffer. */
void vt_json_close_sink(struct vt_json *j);

/**
 * vt_json_open - write to @path ("-" for stdout), gzip-compressed when @gz.
 * Returns 0 or -1 with errno.
 */
int vt_json_open(struct vt_json *j, const char *path, int gz);
/** vt_json_begin - the opening `{"traceEvents":[`. */
void vt_json_begin(struct vt_json *j);
/** vt_json_event - start one event object: writes the separating comma and `{`. */
void vt_json_event(struct vt_json *j);
/** vt_json_raw - append text as is. */
void vt_json_raw(struct vt_json *j, const char *s, size_t len);
/** vt_json_lit - append a NUL-terminated literal as is. */
void vt_json_lit(struct vt_json *j, const char *s);
/** vt_json_str - append a quoted JSON string; invalid UTF-8 becomes U+FFFD. */
void vt_json_str(struct vt_json *j, const char *s, size_t len);
/**
 * vt_json_esc1 - escape the character at @s (of @n bytes left) for a JSON string into @out
 * (room for 6 bytes). Returns bytes written; *adv is the input bytes used.
 */
size_t vt_json_esc1(char *out, const char *s, size_t n, size_t *adv);
/**
 * vt_json_escape - @s (@n bytes) as a quoted JSON string into @out, which has room for
 * vt_json_escape_bound(@n) bytes. Returns the bytes written (no NUL is added).
 */
size_t vt_json_escape(char *out, const char *s, size_t n);
static inline size_t vt_json_escape_bound(size_t n)
{
	return 6 * n + 2;
}
/**
 * vt_json_quote - @s as a quoted JSON string (escaped as vt_json_str does), in new
 * memory (NUL-terminated, *len bytes before it). NULL when out of memory.
 */
char *vt_json_quote(const char *s, size_t n, size_t *len);
/**
 * vt_json_double - @v as JSON text into @out (room for VT_JSON_DOUBLE_MAX bytes, NUL
 * added): 17 significant digits, so it reads back exactly; "null" for a NaN or an
 * infinity, which JSON cannot hold. Returns the length.
 */
#define VT_JSON_DOUBLE_MAX 32
size_t vt_json_double(char *out, double v);
/** vt_json_holds - 1 when JSON can hold @v as a number (not a NaN or an infinity) */
static inline int vt_json_holds(double v)
{
	return v == v && v <= 1.7e308 && v >= -1.7e308;
}
/** vt_json_u64 - append an unsigned decimal. */
void vt_json_u64(struct vt_json *j, uint64_t v);
/** vt_json_us - append @ns as microseconds with three decimals (ns precision). */
void vt_json_us(struct vt_json *j, uint64_t ns);
/**
 * vt_json_end - close the event array, append `,` and @tail (the rest of the top-level
 * object, without braces; may be NULL), and close. Returns 0 or -1 with errno.
 */
int vt_json_end(struct vt_json *j, const char *tail);

#endif /* VT_TOOLS_CHROME_H */
