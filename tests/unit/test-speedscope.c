/*
 * test-speedscope.c - tools/sink-speedscope.c: slices that reach the sink in end order
 * come out as open and close events that nest and go forward in time, per track, with
 * the frames shared and deduplicated.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/sink.h"

struct ev {
	char type;
	unsigned frame;
	unsigned long long at;
};

/* the events of every profile in @text, in order, each profile ended by type 0 */
static size_t parse(const char *text, struct ev *out, size_t cap)
{
	size_t n = 0;
	const char *p = text;

	while ((p = strchr(p, '\n'))) {
		struct ev e;

		p++;
		if (!strncmp(p, "{\"type\":\"evented\"", 17) && n) {
			cr_assert_lt(n, cap);
			out[n++] = (struct ev){ 0, 0, 0 };
		}
		if (sscanf(p, "{\"type\":\"%c\",\"frame\":%u,\"at\":%llu}", &e.type, &e.frame,
			   &e.at) == 3) {
			cr_assert_lt(n, cap);
			out[n++] = e;
		}
	}
	return n;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = 0;
	fclose(f);
	return buf;
}

/* nesting and time order of one profile's events; returns how many opens */
static size_t check_profile(const struct ev *e, size_t n)
{
	unsigned stack[64];
	size_t depth = 0, opens = 0;
	unsigned long long last = 0;

	for (size_t i = 0; i < n; i++) {
		cr_assert_geq(e[i].at, last, "time goes back at event %zu", i);
		last = e[i].at;
		if (e[i].type == 'O') {
			cr_assert_lt(depth, 64);
			stack[depth++] = e[i].frame;
			opens++;
		} else {
			cr_assert_eq(e[i].type, 'C');
			cr_assert_gt(depth, 0, "a close with nothing open at event %zu", i);
			cr_assert_eq(stack[--depth], e[i].frame, "close of %u over %u at event %zu",
				     e[i].frame, stack[depth], i);
		}
	}
	cr_assert_eq(depth, 0, "%zu left open", depth);
	return opens;
}

static void feed(struct vt_sink *s, struct vt_def *d, uint64_t tid, uint64_t start, uint64_t end)
{
	struct vt_slice sl = { .pid = 1, .tid = tid, .def = d, .start = start, .end = end, .call = 1 };

	s->ops->slice(s, NULL, &sl);
}

Test(speedscope, end_ordered_slices_nest)
{
	char path[] = "/tmp/vt-unit-ss-XXXXXX";
	int fd = mkstemp(path);
	struct vt_sink *s;
	struct vt_def f = { .name = "f", .loc = "/a/app.py:3" };
	struct vt_def g = { .name = "g", .loc = "/a/app.py:9" };
	struct vt_def f2 = { .name = "f", .loc = "/a/app.py:3" }; /* another thread's def */
	struct vt_def c = { .name = "len", .is_c = 1 };
	struct ev ev[128];
	char *text;
	size_t n, start;

	cr_assert_geq(fd, 0);
	close(fd);
	s = vt_sink_speedscope_new(path, 1000);
	s->ops->def(s, &f);
	s->ops->def(s, &g);
	s->ops->def(s, &f2);
	s->ops->def(s, &c);
	cr_assert_eq(f.sframe, f2.sframe, "the same function in two threads: one frame");
	s->ops->process(s, 1, "python3 app.py", 0, NULL);
	s->ops->thread(s, NULL, 1, 1, "MainThread");
	/* thread 1, in end order: g [1010,1020] and a zero-length len at 1020 inside f
	 * [1005,1030]; g [1030,1030] right at f's end, a sibling; f [1040,1040] inside
	 * itself at the same times (recursion of zero length); g [1045,1050], which ends
	 * with the root f [1000,1050] that comes last */
	feed(s, &g, 1, 1010, 1020);
	feed(s, &c, 1, 1020, 1020);
	feed(s, &f, 1, 1005, 1030);
	feed(s, &g, 1, 1030, 1030);
	s->ops->thread(s, NULL, 1, 2, "worker"); /* another track, interleaved */
	feed(s, &f2, 2, 1100, 1200);
	feed(s, &f, 1, 1040, 1040);
	feed(s, &f, 1, 1040, 1040);
	feed(s, &g, 1, 1045, 1050); /* ends with the root */
	feed(s, &f, 1, 1000, 1050);
	s->ops->end(s);
	s->ops->free(s);

	text = slurp(path);
	unlink(path);
	cr_assert_not_null(strstr(text, "\"name\":\"MainThread (tid 1) in python3 app.py [pid 1]\""));
	cr_assert_not_null(strstr(text, "{\"name\":\"f\",\"file\":\"/a/app.py\",\"line\":3}"));
	cr_assert_not_null(strstr(text, "{\"name\":\"len\"}"));
	n = parse(text, ev, 128);
	/* profile 1: 8 slices; then the separator; profile 2: 1 */
	start = 0;
	while (start < n && ev[start].type)
		start++;
	cr_assert_eq(check_profile(ev, start), 8);
	cr_assert_eq(check_profile(ev + start + 1, n - start - 1), 1);
	/* the root opens first, at 0 (times from the origin, 1000), and closes last at 50 */
	cr_assert_eq(ev[0].type, 'O');
	cr_assert_eq(ev[0].at, 0);
	cr_assert_eq(ev[start - 1].type, 'C');
	cr_assert_eq(ev[start - 1].at, 50);
	cr_assert_eq(ev[start - 1].frame, f.sframe - 1, "the root closes last");
	cr_assert_eq(ev[start - 2].type, 'C');
	cr_assert_eq(ev[start - 2].frame, g.sframe - 1, "g [45, 50] closes just before its parent");
	cr_assert_eq(ev[start - 3].type, 'O');
	cr_assert_eq(ev[start - 3].at, 45, "g [45, 50] opens at 45");
	cr_assert_eq(ev[start + 1].at, 100);
	free(text);
}
