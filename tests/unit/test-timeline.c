/*
 * test-timeline.c - tools/timeline.c: calls paired with returns on a per-thread stack,
 * fed record by record (no file) into a sink that records the slices it gets.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tests/unit/sinkrec.h"
#include "tools/timeline.h"

#define ORIGIN 1000000u

static struct rec_sink g_rs;
static struct vt_sinks g_out;
static struct vt_filter g_filter;
static struct vt_counts g_counts;
static struct vt_def g_unseen = { .name = "(unseen)" };
static struct vt_timeline_env g_env;
static struct vt_timeline g_tl;
static struct vt_reader g_r;
static uint32_t g_ids[16];
static char g_text[256];

static void setup(void)
{
	memset(&g_rs, 0, sizeof(g_rs));
	g_rs.base.ops = &rec_ops;
	g_rs.base.origin = ORIGIN;
	memset(&g_out, 0, sizeof(g_out));
	vt_sinks_add(&g_out, &g_rs.base);
	g_filter = vt_filter_none();
	memset(&g_counts, 0, sizeof(g_counts));
	g_env = (struct vt_timeline_env){ .origin = ORIGIN, .filter = &g_filter, .out = &g_out,
					  .counts = &g_counts, .unseen = &g_unseen };
	memset(&g_r, 0, sizeof(g_r));
	g_r.path = "t.vt";
	g_r.pid = 10;
	g_r.tid = 11;
	g_r.ids = g_ids;
	g_r.text = g_text;
}

TestSuite(timeline, .init = setup);

static void start(void)
{
	vt_timeline_init(&g_tl, &g_env, 10, 11, "MainThread", NULL);
}

/* one record at @ns (from the origin) */
static int feed(unsigned kind, uint64_t id, uint64_t ns)
{
	struct vt_event e = { .ns = ORIGIN + ns };

	e.r.kind = kind;
	e.r.id = id;
	return vt_timeline_feed(&g_tl, &g_r, &e);
}

static void def(uint64_t id, const char *name, unsigned kind)
{
	struct vt_event e = { .ns = 0 };

	e.r.kind = VT_REC_DEF;
	e.r.id = id;
	e.r.count = kind;
	e.r.s1 = name;
	e.r.s1_len = strlen(name);
	e.r.s2 = "/t.py";
	e.r.s2_len = 5;
	e.r.code = (int64_t)id;
	cr_assert_eq(vt_timeline_feed(&g_tl, &g_r, &e), 0);
}

#define expect(text) cr_assert_str_eq(rec_text(&g_rs), text)

Test(timeline, nested_calls_end_in_order_with_self_and_total)
{
	start();
	def(0, "f", VT_DEF_PY);
	def(1, "g", VT_DEF_PY);
	feed(VT_REC_CALL, 0, 100);
	feed(VT_REC_CALL, 1, 150);
	feed(VT_REC_RET, 0, 250);
	feed(VT_REC_RET, 0, 400);
	vt_timeline_finish(&g_tl);
	expect("g 150 100 -\nf 100 300 -");
	cr_assert_eq(g_rs.self[1], 200);
	cr_assert_eq(g_rs.total[1], 300);
	cr_assert_eq(g_counts.events, 2);
	cr_assert_eq(g_counts.threads, 1);
}

Test(timeline, recursion_counts_once_in_total)
{
	start();
	def(0, "fib", VT_DEF_PY);
	feed(VT_REC_CALL, 0, 0);
	feed(VT_REC_CALL, 0, 10);
	feed(VT_REC_RET, 0, 20);
	feed(VT_REC_RET, 0, 30);
	vt_timeline_finish(&g_tl);
	expect("fib 10 10 -\nfib 0 30 -");
	cr_assert_eq(g_rs.total[0], 0);
	cr_assert_eq(g_rs.total[1], 30);
	cr_assert_eq(g_rs.self[1], 20);
}

Test(timeline, unmatched_returns_are_counted_not_drawn)
{
	start();
	def(0, "f", VT_DEF_PY);
	feed(VT_REC_RET, 0, 5);     /* returns of frames entered before tracing began */
	feed(VT_REC_CRET, 0, 6);
	feed(VT_REC_CALL, 0, 10);
	feed(VT_REC_RET, 0, 20);
	feed(VT_REC_RET, 0, 30);
	vt_timeline_finish(&g_tl);
	expect("f 10 10 -");
	cr_assert_eq(g_counts.unmatched, 3);
}

Test(timeline, frames_open_at_the_end_close_at_the_last_time_unfinished)
{
	start();
	def(0, "main", VT_DEF_PY);
	def(1, "work", VT_DEF_PY);
	feed(VT_REC_CALL, 0, 0);
	feed(VT_REC_CALL, 1, 50);
	feed(VT_REC_MARK, 0, 70); /* a later record: the stream's last time */
	vt_timeline_finish(&g_tl);
	expect("i  70\nwork 50 20 u\nmain 0 70 u");
	cr_assert_eq(g_counts.unfinished, 2);
}

Test(timeline, exceptions_yields_and_c_raises_are_flagged)
{
	start();
	def(0, "f", VT_DEF_PY);
	def(1, "gen", VT_DEF_PY);
	def(2, "len", VT_DEF_C);
	feed(VT_REC_CALL, 0, 0);
	feed(VT_REC_CALL, 1, 10);
	feed(VT_REC_YIELD, 0, 20);
	feed(VT_REC_RESUME, 1, 30);
	feed(VT_REC_CCALL, 2, 35);
	feed(VT_REC_CRAISE, 0, 36);
	feed(VT_REC_RET, 0, 40);
	feed(VT_REC_UNWIND, 0, 50);
	vt_timeline_finish(&g_tl);
	expect("gen 10 10 y\nlen 35 1 e\ngen 30 10 -\nf 0 50 e");
}

Test(timeline, a_c_frame_left_open_below_a_python_return_ends_unfinished)
{
	start();
	def(0, "f", VT_DEF_PY);
	def(1, "sorted", VT_DEF_C);
	feed(VT_REC_CALL, 0, 0);
	feed(VT_REC_CCALL, 1, 10);
	feed(VT_REC_RET, 0, 30); /* the C return was never seen */
	vt_timeline_finish(&g_tl);
	expect("sorted 10 20 u\nf 0 30 -");
}

Test(timeline, a_call_of_an_undefined_function_stops_the_stream)
{
	start();
	cr_assert_eq(feed(VT_REC_CALL, 7, 0), -1);
	cr_assert(strstr(g_tl.err, "t.vt: offset 0: call of undefined function id 7"), "%s",
		  g_tl.err);
	vt_timeline_finish(&g_tl);
}

Test(timeline, the_window_cuts_calls_at_its_edges)
{
	g_filter.from = 100;
	g_filter.to = 200;
	start();
	def(0, "outer", VT_DEF_PY);
	def(1, "early", VT_DEF_PY);
	def(2, "inner", VT_DEF_PY);
	def(3, "late", VT_DEF_PY);
	feed(VT_REC_CALL, 0, 0);
	feed(VT_REC_CALL, 1, 10); /* before the window: left out */
	feed(VT_REC_RET, 0, 20);
	feed(VT_REC_CALL, 2, 150);
	feed(VT_REC_RET, 0, 160);
	feed(VT_REC_CALL, 3, 250); /* after it: left out */
	feed(VT_REC_RET, 0, 260);
	feed(VT_REC_RET, 0, 300);
	vt_timeline_finish(&g_tl);
	expect("inner 150 10 -\nouter 100 100 -");
	cr_assert_eq(g_rs.self[1], 90); /* the window's part less inner's */
	cr_assert_eq(g_counts.skipped, 2);
}

Test(timeline, the_flight_recorder_window_restarts_the_stack_cut)
{
	start();
	def(0, "main", VT_DEF_PY);
	def(1, "loop", VT_DEF_PY);
	def(2, "stale", VT_DEF_PY);
	feed(VT_REC_CALL, 2, 0); /* from a chunk before the window */
	g_ids[0] = 0;
	g_ids[1] = 1;
	{
		struct vt_event e = { .ns = ORIGIN + 100 };

		e.r.kind = VT_REC_OPEN;
		e.r.id = 0;    /* index in ids */
		e.r.count = 2; /* main > loop were open as the chunk started */
		cr_assert_eq(vt_timeline_feed(&g_tl, &g_r, &e), 0);
	}
	feed(VT_REC_RET, 0, 150);
	feed(VT_REC_RET, 0, 180);
	vt_timeline_finish(&g_tl);
	expect("i vt: flight recorder window starts 100\nstale 0 100 u\nloop 100 50 c\n"
	       "main 100 80 c");
}

Test(timeline, a_restart_keeps_the_frames_that_agree_and_opens_the_rest_cut)
{
	start();
	def(0, "main", VT_DEF_PY);
	def(1, "old", VT_DEF_PY);
	def(2, "new", VT_DEF_PY);
	feed(VT_REC_CALL, 0, 0);
	feed(VT_REC_CALL, 1, 10);
	{
		struct vt_event e = { .ns = ORIGIN + 40 };
		static const char paused[] = "vt: paused (signal)";

		e.r.kind = VT_REC_MARK;
		e.r.s1 = paused;
		e.r.s1_len = sizeof(paused) - 1;
		vt_timeline_feed(&g_tl, &g_r, &e);
		g_ids[0] = 0;
		g_ids[1] = 2;
		e = (struct vt_event){ .ns = ORIGIN + 100 };
		e.r.kind = VT_REC_STACK;
		e.r.id = 0;
		e.r.count = 2; /* depth */
		e.r.code = 2;  /* ids given */
		vt_timeline_feed(&g_tl, &g_r, &e);
	}
	feed(VT_REC_RET, 0, 120);
	feed(VT_REC_RET, 0, 130);
	vt_timeline_finish(&g_tl);
	/* old ended unseen during the pause: at the pause; new began unseen: cut */
	expect("i vt: paused (signal) 40\nold 10 30 u\nnew 100 20 c\nmain 0 130 -");
}

Test(timeline, spans_go_to_a_track_of_their_own)
{
	start();
	def(0, "f", VT_DEF_PY);
	def(5, "batch", VT_DEF_SPAN);
	{
		struct vt_event e = { .ns = ORIGIN + 10 };

		e.r.kind = VT_REC_SPAN_B;
		e.r.code = 5;
		vt_timeline_feed(&g_tl, &g_r, &e);
	}
	feed(VT_REC_CALL, 0, 20);
	feed(VT_REC_RET, 0, 30);
	feed(VT_REC_SPAN_E, 0, 40);
	feed(VT_REC_SPAN_E, 0, 50); /* no span open */
	vt_timeline_finish(&g_tl);
	expect("f 20 10 -\nbatch 10 30 -");
	cr_assert_eq(g_rs.tid[1], VT_SPAN_TID(11));
	cr_assert_eq(g_counts.unmatched, 1);
}

Test(timeline, min_dur_max_depth_and_match_filter_calls)
{
	g_filter.max_depth = 2;
	g_filter.min_dur = 5;
	g_filter.min_dur_set = 1;
	g_filter.match = "handle*";
	start();
	def(0, "main", VT_DEF_PY);
	def(1, "handle_get", VT_DEF_PY);
	def(2, "parse", VT_DEF_PY);
	def(3, "deep", VT_DEF_PY);
	feed(VT_REC_CALL, 0, 0);
	feed(VT_REC_CALL, 1, 10);
	feed(VT_REC_CALL, 2, 12); /* depth 2: left out by --max-depth */
	feed(VT_REC_RET, 0, 20);
	feed(VT_REC_RET, 0, 30);
	feed(VT_REC_CALL, 1, 40); /* 2 ns: left out by --min-dur */
	feed(VT_REC_RET, 0, 42);
	feed(VT_REC_RET, 0, 100); /* main matches nothing: left out by --match */
	vt_timeline_finish(&g_tl);
	expect("handle_get 10 20 -");
	cr_assert_eq(g_counts.skipped, 3);
	(void)g_ids;
}
