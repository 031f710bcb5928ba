/*
 * tree.c - the processes of a trace and the thread tracks' names (see tree.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/timeline.h"
#include "tools/tree.h"
#include "tools/util.h"

void vt_tree_init(struct vt_tree *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
}

void vt_tree_release(struct vt_tree *t)
{
	for (size_t i = 0; i < t->nnames; i++)
		free(t->names[i].name);
	free(t->names);
	free(t->spawns);
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}

void vt_tree_thread(struct vt_tree *t, uint64_t pid, uint64_t tid, const char *name)
{
	pthread_mutex_lock(&t->lock);
	if (t->nnames == t->names_cap) {
		t->names_cap = t->names_cap ? t->names_cap * 2 : 64;
		t->names = xrealloc(t->names, t->names_cap * sizeof(*t->names));
	}
	t->names[t->nnames++] = (struct vt_track_name){ pid, tid, xstrndup(name, strlen(name)) };
	pthread_mutex_unlock(&t->lock);
}

const char *vt_tree_tname(const struct vt_tree *t, uint64_t pid, uint64_t tid)
{
	for (size_t i = t->nnames; i-- > 0;)
		if (t->names[i].pid == pid && t->names[i].tid == tid)
			return t->names[i].name;
	return "thread";
}

void vt_tree_spawn(struct vt_tree *t, uint64_t pid, uint64_t tid, uint64_t ns, uint64_t child)
{
	pthread_mutex_lock(&t->lock);
	if (t->nspawns == t->spawns_cap) {
		t->spawns_cap = t->spawns_cap ? t->spawns_cap * 2 : 64;
		t->spawns = xrealloc(t->spawns, t->spawns_cap * sizeof(*t->spawns));
	}
	t->spawns[t->nspawns++] = (struct vt_spawn){ pid, tid, ns, child };
	pthread_mutex_unlock(&t->lock);
}

/* a marker of vt's about a process or a start, never before the trace's start */
static void instant(struct vt_sinks *out, uint64_t origin, uint64_t pid, uint64_t tid,
		    uint64_t ns, const char *name, char scope)
{
	struct vt_instant in = { pid, tid, ns < origin ? origin : ns, name, strlen(name), scope,
				 NULL, 0 };

	vt_sinks_instant(out, NULL, &in);
}

static void exit_label(const struct vt_input *in, size_t runs, char *buf, size_t cap)
{
	static const char *const sig[] = { [1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT",
					   [6] = "SIGABRT", [9] = "SIGKILL", [11] = "SIGSEGV",
					   [13] = "SIGPIPE", [15] = "SIGTERM" };
	const struct vt_reader *r = &in->r;
	char pid[64];

	/* the pid as the system gave it, and with several runs, which one */
	if (runs > 1)
		snprintf(pid, sizeof(pid), "pid %llu (run %u)",
			 (unsigned long long)(r->pid - r->pid_off), in->run + 1);
	else
		snprintf(pid, sizeof(pid), "pid %llu", (unsigned long long)r->pid);
	if (!r->has_exit)
		snprintf(buf, cap, "%s, no exit record (killed or still running)", pid);
	else if (r->exit_how == VT_EXIT_CODE)
		snprintf(buf, cap, "%s, exit %lld", pid, (long long)r->exit_code);
	else if (r->exit_how == VT_EXIT_SIGNAL)
		snprintf(buf, cap, "%s, killed by %s", pid,
			 r->exit_code > 0 && r->exit_code < 16 && sig[r->exit_code]
				 ? sig[r->exit_code]
				 : "a signal");
	else if (r->exit_how == VT_EXIT_EXEC)
		snprintf(buf, cap, "%s, replaced by exec", pid);
	else
		snprintf(buf, cap, "%s, exited", pid);
}

static int is_parent(const struct vt_input *p, const struct vt_input *c)
{
	return p != c && p->r.pid == c->r.ppid && p->r.mono0 <= c->r.mono0;
}

static void tree_visit(struct vt_input **procs, size_t n, size_t i, char *done,
		       struct vt_input **out, size_t *nout, int depth)
{
	done[i] = 1;
	out[(*nout)++] = procs[i];
	if (depth > 256)
		return;
	for (size_t k = 0; k < n; k++) /* procs are sorted by start: siblings in order */
		if (!done[k] && is_parent(procs[i], procs[k]))
			tree_visit(procs, n, k, done, out, nout, depth + 1);
}

/* process files in tree order: each parent before its children, siblings by start time */
static size_t tree_order(struct vt_input **procs, size_t n, struct vt_input **out)
{
	char *done = xmalloc(n);
	size_t nout = 0;

	memset(done, 0, n);
	for (size_t i = 0; i < n; i++) {
		int root = 1;

		for (size_t k = 0; k < n && root; k++)
			if (is_parent(procs[k], procs[i]))
				root = 0;
		if (root && !done[i])
			tree_visit(procs, n, i, done, out, &nout, 0);
	}
	for (size_t i = 0; i < n; i++) /* cycles from reused pids: keep them anyway */
		if (!done[i])
			tree_visit(procs, n, i, done, out, &nout, 0);
	free(done);
	return nout;
}

void vt_tree_processes(struct vt_tracedir *td, struct vt_sinks *out, struct vt_counts *counts)
{
	struct vt_input **procs = xmalloc((td->n + 1) * sizeof(*procs));
	struct vt_input **order = xmalloc((td->n + 1) * sizeof(*order));
	size_t nprocs = 0, n;
	int sort = 0;

	for (size_t i = 0; i < td->n; i++)
		if (td->in[i]->is_proc)
			procs[nprocs++] = td->in[i];
	n = tree_order(procs, nprocs, order);
	for (size_t i = 0; i < n; i++) {
		struct vt_reader *r = &order[i]->r;
		const char *name = r->argv && *r->argv ? r->argv : (r->exe ? r->exe : "python");
		char label[128];
		size_t k;

		order[i]->proc_name = xstrndup(name, strlen(name));
		for (k = 0; k < i && order[k]->r.pid != r->pid; k++)
			;
		if (k < i) {
			/* a later image of the same pid: it came from exec */
			char msg[256];

			snprintf(msg, sizeof(msg), "exec: %.200s", name);
			instant(out, td->origin, r->pid, r->pid, r->mono0, msg, 'p');
			continue;
		}
		/* the exit of the pid's last image */
		for (k = n; k-- > i;)
			if (order[k]->r.pid == r->pid)
				break;
		exit_label(order[k], td->ndirs, label, sizeof(label));
		vt_sinks_process(out, r->pid, name, sort++, label);
		counts->processes++;
		if (order[i]->mark)
			instant(out, td->origin, r->pid, r->pid, order[i]->mark_ns, order[i]->mark, 'p');
	}
	free(procs);
	free(order);
}

void vt_tree_flows(struct vt_tree *t, const struct vt_tracedir *td, struct vt_sinks *out)
{
	struct vt_input *const *in = td->in;
	uint64_t id = 1;

	for (size_t i = 0; i < td->n; i++) {
		struct vt_input *c = in[i], *first = NULL;
		uint64_t ppid, start = UINT64_MAX, from_tid = 0, from_ns = 0;
		int parent_traced = 0;
		char msg[64];

		if (!c->is_proc)
			continue;
		/* the child's earliest thread with calls */
		for (size_t k = 0; k < td->n; k++)
			if (!in[k]->is_proc && in[k]->proc == c && in[k]->first_ns &&
			    in[k]->first_ns < start) {
				start = in[k]->first_ns;
				first = in[k];
			}
		if (!first)
			continue;
		ppid = c->r.ppid;
		for (size_t k = 0; k < td->n; k++)
			if (in[k]->is_proc && in[k]->r.pid == ppid && in[k] != c &&
			    in[k]->r.mono0 <= c->r.mono0)
				parent_traced = 1;
		if (!parent_traced)
			continue;
		for (size_t s = 0; s < t->nspawns; s++)
			if (t->spawns[s].child == c->r.pid && t->spawns[s].pid == ppid &&
			    t->spawns[s].ns <= start) {
				from_tid = t->spawns[s].tid;
				from_ns = t->spawns[s].ns;
			}
		if (!from_ns) {
			from_tid = ppid;
			from_ns = c->r.mono0;
		}
		if (from_ns < td->origin || start < from_ns)
			continue;
		vt_sinks_flow(out, id++, ppid, from_tid, from_ns, c->r.pid, first->r.tid, start);
		snprintf(msg, sizeof(msg), "start process %llu", (unsigned long long)c->r.pid);
		instant(out, td->origin, ppid, from_tid, from_ns, msg, 't');
	}
}
