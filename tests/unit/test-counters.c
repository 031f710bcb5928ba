/*
 * test-counters.c - tools/counters.c: counter samples held until every thread is read,
 * one track per thread where several threads of a process write one counter name.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/counters.h"

/* what vt_counters_emit gave, one "pid tid ns track args" line per sample */
static char g_out[8192];

static const char *tname(void *ctx, uint64_t pid, uint64_t tid)
{
	(void)ctx;
	(void)pid;
	return tid == 11 ? "Thread-1" : tid == 12 ? "Thread-2" : tid >= 20 ? "worker" : "MainThread";
}

static void take(void *ctx, const struct vt_counter_sample *s)
{
	size_t n = strlen(g_out);

	(void)ctx;
	n += (size_t)snprintf(g_out + n, sizeof(g_out) - n, "%llu %llu %llu %s %.*s",
			      (unsigned long long)s->pid, (unsigned long long)s->tid,
			      (unsigned long long)s->ns, s->name, (int)s->args_len, s->args);
	for (size_t i = 0; i < s->nnums; i++)
		n += (size_t)snprintf(g_out + n, sizeof(g_out) - n, " %.*s=%g",
				      (int)s->nums[i].key_len, s->nums[i].key, s->nums[i].v);
	snprintf(g_out + n, sizeof(g_out) - n, "\n");
}

/* @args' numbers, as the reader gives them: {"a":1,"b":2} (keys up to 15 bytes) */
static void add(struct vt_counters *c, uint64_t pid, uint64_t tid, const char *name,
		uint64_t ns, const char *args)
{
	struct vt_number nums[8];
	char keys[8][16];
	size_t n = 0;

	for (const char *p = args; n < 7 && (p = strchr(p, '"'));) {
		int used = 0;

		if (sscanf(p, "\"%15[^\"]\":%lf%n", keys[n], &nums[n].v, &used) < 2)
			break;
		nums[n].key = keys[n];
		nums[n].key_len = strlen(keys[n]);
		n++;
		p += used;
	}
	nums[n].key = NULL;
	cr_assert_eq(vt_counters_add(c, pid, tid, name, strlen(name), ns, args, strlen(args), nums),
		     0);
}

static const char g_want[] =
	"1 10 100 solo {\"x\":1} x=1\n"
	"1 11 101 queue (Thread-1) {\"depth\":3} depth=3\n"
	"1 12 102 queue (Thread-2) {\"depth\":7} depth=7\n"
	"1 11 103 queue (Thread-1) {\"depth\":4} depth=4\n"
	"2 11 104 queue {\"depth\":9} depth=9\n"
	"1 11 105 n (Thread-1) {\"value\":5} value=5\n"
	"1 12 106 n (Thread-2) {\"value\":6} value=6\n"
	"1 12 107 n (Thread-2) {\"n\":6,\"m\":1} n=6 m=1\n"
	"1 20 108 q (worker 20) {\"value\":1} value=1\n"
	"1 21 109 q (worker 21) {\"value\":2} value=2\n"
	"3 20 110 n {\"n\":1} n=1\n";

static void add_all(struct vt_counters *c)
{
	add(c, 1, 10, "solo", 100, "{\"x\":1}");         /* one writer: its own name */
	add(c, 1, 11, "queue", 101, "{\"depth\":3}");    /* two threads of process 1 */
	add(c, 1, 12, "queue", 102, "{\"depth\":7}");
	add(c, 1, 11, "queue", 103, "{\"depth\":4}");
	add(c, 2, 11, "queue", 104, "{\"depth\":9}");    /* another process: its own track */
	add(c, 1, 11, "n", 105, "{\"n\":5}");            /* vt.log_var: keyed "value" */
	add(c, 1, 12, "n", 106, "{\"n\":6}");
	add(c, 1, 12, "n", 107, "{\"n\":6,\"m\":1}");    /* two values: keys kept */
	add(c, 1, 20, "q", 108, "{\"value\":1}");        /* two threads of one name: tids */
	add(c, 1, 21, "q", 109, "{\"value\":2}");
	add(c, 3, 20, "n", 110, "{\"n\":1}");            /* one writer keeps its key */
}

TestSuite(counters);

Test(counters, one_track_per_thread_when_threads_share_a_name)
{
	struct vt_counters *c = vt_counters_new(0);

	g_out[0] = 0;
	add_all(c);
	cr_assert_eq(vt_counters_emit(c, tname, take, NULL), 0);
	cr_assert_str_eq(g_out, g_want);
	vt_counters_free(c);
}

/* past its memory the store goes on in a temporary file: the same samples come back */
Test(counters, spilled_to_a_file)
{
	struct vt_counters *c = vt_counters_new(64);

	g_out[0] = 0;
	add_all(c);
	cr_assert_eq(vt_counters_emit(c, tname, take, NULL), 0);
	cr_assert_str_eq(g_out, g_want);
	vt_counters_free(c);
}

Test(counters, empty)
{
	struct vt_counters *c = vt_counters_new(0);

	g_out[0] = 0;
	cr_assert_eq(vt_counters_emit(c, tname, take, NULL), 0);
	cr_assert_str_eq(g_out, "");
	vt_counters_free(c);
	vt_counters_free(NULL);
}
