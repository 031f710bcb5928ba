/*
 * sinkrec.h - a sink that records what it is given, for tests/unit/test-timeline.c: each
 * slice as "name start dur flags" (times in ns from the origin, flags as letters: e
 * exception, u unfinished, y yield, c cut), each instant as "i name at".
 */
#ifndef VT_TESTS_SINKREC_H
#define VT_TESTS_SINKREC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sink.h"

struct rec_sink {
	struct vt_sink base;
	char lines[256][128];
	size_t n;
	/* per slice: its aggregate times */
	uint64_t total[256], self[256];
	uint64_t tid[256];
};

static void rec_line(struct rec_sink *rs, const char *line)
{
	if (rs->n < 256)
		snprintf(rs->lines[rs->n++], sizeof(rs->lines[0]), "%s", line);
}

static void rec_slice(struct vt_sink *s, void *local, const struct vt_slice *sl)
{
	struct rec_sink *rs = (struct rec_sink *)s;
	char line[128], fl[8] = "", *p = fl;

	(void)local;
	if (sl->flags & VT_SLICE_EXCEPTION)
		*p++ = 'e';
	if (sl->flags & VT_SLICE_UNFINISHED)
		*p++ = 'u';
	if (sl->flags & VT_SLICE_YIELD)
		*p++ = 'y';
	if (sl->flags & VT_SLICE_CUT)
		*p++ = 'c';
	*p = 0;
	snprintf(line, sizeof(line), "%s %llu %llu %s%s%s", sl->def->name,
		 (unsigned long long)(sl->start - s->origin),
		 (unsigned long long)(sl->end - sl->start), fl[0] ? fl : "-",
		 sl->args ? " " : "", sl->args ? sl->args : "");
	if (rs->n < 256) {
		rs->total[rs->n] = sl->total;
		rs->self[rs->n] = sl->self;
		rs->tid[rs->n] = sl->tid;
	}
	rec_line(rs, line);
}

static void rec_instant(struct vt_sink *s, void *local, const struct vt_instant *in)
{
	char line[128];

	(void)local;
	snprintf(line, sizeof(line), "i %.*s %llu", (int)in->name_len, in->name,
		 (unsigned long long)(in->ns - s->origin));
	rec_line((struct rec_sink *)s, line);
}

static void rec_free(struct vt_sink *s)
{
	(void)s;
}

static const struct vt_sink_ops rec_ops = {
	.slice = rec_slice,
	.instant = rec_instant,
	.free = rec_free,
};

/* the recorded lines joined by '\n' (a static buffer) */
static inline const char *rec_text(const struct rec_sink *rs)
{
	static char buf[256 * 130];
	size_t k = 0;

	buf[0] = 0;
	for (size_t i = 0; i < rs->n; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", i ? "\n" : "", rs->lines[i]);
	return buf;
}

#endif /* VT_TESTS_SINKREC_H */
