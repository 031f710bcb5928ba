/*
 * reader.h - reads one vt trace file: header, chunks, records with nanosecond times.
 */
#ifndef VT_TOOLS_READER_H
#define VT_TOOLS_READER_H

#include <stddef.h>
#include <stdint.h>

#include "common/format.h"

/* A record with its time on CLOCK_MONOTONIC, in ns. */
struct vt_event {
	struct vt_record r;
	uint64_t ns;
};

/* a number of a counter sample, by its key (the string points into the current chunk) */
struct vt_number {
	const char *key;
	size_t key_len;
	double v;
};

struct vt_reader {
	/* from the file */
	char *path;
	uint8_t *data;      /* the file's first bytes: prefix and header */
	size_t size;        /* the file's size when it was opened */
	size_t head;        /* bytes in data */
	int fd;             /* open while its chunks are read, else -1 */
	uint8_t *comp;      /* the current chunk as read (header and lz4 data) */
	size_t comp_cap;
	/* from the header */
	char kind[16]; /* "thread" or "process" */
	uint64_t pid, ppid, tid, token;
	int clock_tsc;      /* 1: tsc ticks, 0: ns */
	uint64_t tsc_hz;
	uint64_t clock0, mono0, real0;
	char py[32];
	unsigned major, minor;
	/* set by the caller before the first chunk (several runs on one axis, tracedir.c):
	 * added to every time (mod 2^64), and to pid, ppid and tid already */
	uint64_t shift;
	uint64_t pid_off;
	/* process file: from PROC and EXIT */
	char *argv;         /* arguments joined by spaces (heap) */
	char *exe, *cwd;    /* heap */
	uint64_t min_dur;   /* VT_MIN_DURATION the process ran with (ns), 0 if none */
	int has_exit;
	unsigned exit_how;
	int64_t exit_code;
	uint64_t exit_ns;
	/* iteration */
	size_t off;         /* file offset of the next chunk */
	uint8_t *raw;       /* current decompressed chunk */
	size_t raw_cap;
	struct vt_event *ev; /* decoded records of the current chunk */
	size_t nev, ev_cap, ev_pos;
	size_t chunk_off;   /* file offset of the current chunk */
	uint64_t chunks;
	/* the last error, if any: offset in the file and text */
	int err;
	size_t err_off;
	char err_msg[256];
	int truncated_tail; /* the file ends inside a chunk */
	int ring;           /* written by the flight recorder (header mode "ring") */
	uint32_t *ids;      /* OPEN and STACK records' ids for the current chunk: rec.id is
			     * the index */
	size_t nids, ids_cap;
	char *text;         /* ARGS/COUNTER/INSTANT as JSON objects for the current chunk:
			     * rec.id is the offset, rec.count the length */
	size_t ntext, text_cap;
	struct vt_number *nums; /* COUNTER records' numbers for the current chunk: rec.code is
				 * the index of the first, the last is followed by one whose key
				 * is NULL */
	size_t nnums, nums_cap;
	void *decoder;
};

/**
 * vt_reader_open - read @path whole and parse its header.
 * Returns 0, or a negative VT_ERR_* with r->err_msg set (the reader must still be closed).
 */
int vt_reader_open(struct vt_reader *r, const char *path);

/**
 * vt_reader_next - the next record.
 * Returns 1 with *ev set (valid until the next call), or 0 at the end of what can be
 * read. Check r->err afterwards: when it is set, r->err_off and r->err_msg say where and
 * what went wrong, and the rest of the file was skipped (records before it are returned).
 */
int vt_reader_next(struct vt_reader *r, struct vt_event **ev);

/**
 * vt_reader_raw_bytes - the records' bytes in the file's chunks, from their headers
 * (nothing is decompressed; a damaged header ends the count). A size estimate.
 */
uint64_t vt_reader_raw_bytes(const struct vt_reader *r);

/** vt_reader_close - free everything; @r may be zeroed or half-opened. */
void vt_reader_close(struct vt_reader *r);

#endif /* VT_TOOLS_READER_H */
