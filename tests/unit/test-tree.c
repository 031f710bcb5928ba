/*
 * test-tree.c - tools/tree.c: processes named in tree order (each parent before its
 * children, siblings by start), exit labels, an exec'd image marked, and the arrow from
 * where a child was started to its first call.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tools/timeline.h"
#include "tools/tree.h"

/* what the sink was given, one line each */
static char g_out[4096];

static void put(const char *line)
{
	size_t n = strlen(g_out);

	snprintf(g_out + n, sizeof(g_out) - n, "%s\n", line);
}

static void t_process(struct vt_sink *s, uint64_t pid, const char *name, int sort,
		      const char *label)
{
	char line[256];

	(void)s;
	snprintf(line, sizeof(line), "P %llu %s %d %s", (unsigned long long)pid, name, sort, label);
	put(line);
}

static void t_instant(struct vt_sink *s, void *local, const struct vt_instant *in)
{
	char line[256];

	(void)local;
	snprintf(line, sizeof(line), "I %llu %llu %llu %.*s", (unsigned long long)in->pid,
		 (unsigned long long)in->tid, (unsigned long long)(in->ns - s->origin),
		 (int)in->name_len, in->name);
	put(line);
}

static void t_flow(struct vt_sink *s, uint64_t id, uint64_t pid, uint64_t tid, uint64_t ns,
		   uint64_t pid2, uint64_t tid2, uint64_t ns2)
{
	char line[256];

	snprintf(line, sizeof(line), "F %llu %llu/%llu@%llu -> %llu/%llu@%llu",
		 (unsigned long long)id, (unsigned long long)pid, (unsigned long long)tid,
		 (unsigned long long)(ns - s->origin), (unsigned long long)pid2,
		 (unsigned long long)tid2, (unsigned long long)(ns2 - s->origin));
	put(line);
}

static void t_free(struct vt_sink *s)
{
	(void)s;
}

static const struct vt_sink_ops t_ops = {
	.process = t_process,
	.instant = t_instant,
	.flow = t_flow,
	.free = t_free,
};

static struct vt_input g_in[8];
static struct vt_input *g_ptr[8];
static struct vt_tracedir g_td;

static struct vt_input *proc(size_t i, uint64_t pid, uint64_t ppid, uint64_t start,
			     char *argv, int exit_code)
{
	struct vt_input *in = &g_in[i];

	memset(in, 0, sizeof(*in));
	in->is_proc = 1;
	in->r.pid = pid;
	in->r.ppid = ppid;
	in->r.tid = pid;
	in->r.mono0 = 1000 + start;
	in->r.argv = argv;
	if (exit_code >= 0) {
		in->r.has_exit = 1;
		in->r.exit_how = VT_EXIT_CODE;
		in->r.exit_code = exit_code;
	}
	g_ptr[i] = in;
	g_td.n = i + 1;
	return in;
}

Test(tree, parents_before_children_siblings_by_start_exec_marked_and_flows)
{
	struct vt_sink s = { .ops = &t_ops, .origin = 1000 };
	struct vt_sinks out = { .n = 0 };
	struct vt_counts counts = { 0 };
	struct vt_tree tree;
	struct vt_input *th;

	memset(&g_td, 0, sizeof(g_td));
	g_td.in = g_ptr;
	g_td.origin = 1000;
	vt_sinks_add(&out, &s);
	/* sorted by start, as tracedir.c leaves them */
	proc(0, 100, 1, 0, "main", 0);
	proc(1, 300, 100, 10, "second", 0);
	proc(2, 400, 100, 20, "third", 1);
	proc(3, 200, 300, 30, "grandchild", -1); /* child of 300: right after it */
	proc(4, 300, 100, 40, "second-exec", 3); /* the same pid again: an exec, whose exit
						  * the first image's label shows */
	th = &g_in[5];
	memset(th, 0, sizeof(*th));
	th->r.pid = 400;
	th->r.tid = 401;
	th->proc = &g_in[2];
	th->first_ns = 1000 + 25;
	g_ptr[5] = th;
	g_td.n = 6;
	g_out[0] = 0;
	vt_tree_processes(&g_td, &out, &counts);
	vt_tree_init(&tree);
	vt_tree_spawn(&tree, 100, 102, 1000 + 21, 400); /* thread 102 of 100 started 400 */
	vt_tree_flows(&tree, &g_td, &out);
	cr_assert_str_eq(g_out, "P 100 main 0 pid 100, exit 0\n"
				"P 300 second 1 pid 300, exit 3\n"
				"P 200 grandchild 2 pid 200, no exit record (killed or still running)\n"
				"P 400 third 3 pid 400, exit 1\n"
				"I 300 300 40 exec: second-exec\n"
				"F 1 100/102@21 -> 400/401@25\n"
				"I 100 102 21 start process 400\n");
	cr_assert_eq(counts.processes, 4);
	for (size_t i = 0; i < 5; i++)
		free(g_in[i].proc_name);
	vt_tree_release(&tree);
}

Test(tree, the_last_name_of_a_track_wins)
{
	struct vt_tree tree;

	vt_tree_init(&tree);
	cr_assert_str_eq(vt_tree_tname(&tree, 1, 2), "thread");
	vt_tree_thread(&tree, 1, 2, "MainThread");
	vt_tree_thread(&tree, 1, 3, "worker");
	vt_tree_thread(&tree, 1, 2, "poller");
	cr_assert_str_eq(vt_tree_tname(&tree, 1, 2), "poller");
	cr_assert_str_eq(vt_tree_tname(&tree, 1, 3), "worker");
	vt_tree_release(&tree);
}
