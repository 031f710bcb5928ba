/*
 * stats.c - the function table behind --summary and the stack trie behind --format folded.
 */
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "tools/stats.h"
#include "tools/util.h"

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

/* ---- the function table ---- */

struct vt_stats {
	struct vt_func_stat *rows;
	size_t n, cap;
	uint32_t *slots; /* index + 1, 0 = empty */
	size_t nslots;
};

struct vt_stats *vt_stats_new(void)
{
	return xcalloc(1, sizeof(struct vt_stats));
}

void vt_stats_free(struct vt_stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->rows[i].name);
		free(s->rows[i].loc);
	}
	free(s->rows);
	free(s->slots);
	free(s);
}

static uint64_t row_hash(const char *name, const char *loc, uint64_t pid, uint64_t tid)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = hash_bytes(name, strlen(name) + 1, h);
	if (loc)
		h = hash_bytes(loc, strlen(loc) + 1, h);
	h = hash_bytes(&pid, sizeof(pid), h);
	return hash_bytes(&tid, sizeof(tid), h);
}

static int row_eq(const struct vt_func_stat *r, const char *name, const char *loc, uint64_t pid,
		  uint64_t tid)
{
	return r->pid == pid && r->tid == tid && !strcmp(r->name, name) &&
	       (r->loc == loc || (r->loc && loc && !strcmp(r->loc, loc)));
}

static void rehash(struct vt_stats *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 1024;

	free(s->slots);
	s->slots = xcalloc(n, sizeof(*s->slots));
	s->nslots = n;
	for (size_t i = 0; i < s->n; i++) {
		const struct vt_func_stat *r = &s->rows[i];
		size_t k = row_hash(r->name, r->loc, r->pid, r->tid) & (n - 1);

		while (s->slots[k])
			k = (k + 1) & (n - 1);
		s->slots[k] = (uint32_t)i + 1;
	}
}

size_t vt_stats_row(struct vt_stats *s, const char *name, const char *loc, uint64_t pid,
		    uint64_t tid)
{
	struct vt_func_stat *r;
	size_t k;

	if ((s->n + 1) * 2 > s->nslots)
		rehash(s);
	for (k = row_hash(name, loc, pid, tid) & (s->nslots - 1); s->slots[k];
	     k = (k + 1) & (s->nslots - 1)) {
		r = &s->rows[s->slots[k] - 1];
		if (row_eq(r, name, loc, pid, tid))
			return s->slots[k] - 1;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->rows = xrealloc(s->rows, s->cap * sizeof(*s->rows));
	}
	r = &s->rows[s->n];
	memset(r, 0, sizeof(*r));
	r->name = xstrdup(name);
	r->loc = loc ? xstrdup(loc) : NULL;
	r->pid = pid;
	r->tid = tid;
	s->slots[k] = (uint32_t)++s->n;
	return s->n - 1;
}

void vt_stats_add_at(struct vt_stats *s, size_t row, uint64_t total_ns, uint64_t self_ns)
{
	struct vt_func_stat *r = &s->rows[row];

	r->calls++;
	r->total_ns += total_ns;
	r->self_ns += self_ns;
}

void vt_stats_add(struct vt_stats *s, const char *name, const char *loc, uint64_t pid,
		  uint64_t tid, uint64_t total_ns, uint64_t self_ns)
{
	vt_stats_add_at(s, vt_stats_row(s, name, loc, pid, tid), total_ns, self_ns);
}

void vt_stats_merge(struct vt_stats *to, const struct vt_stats *from)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct vt_func_stat *f = &from->rows[i];
		size_t k = vt_stats_row(to, f->name, f->loc, f->pid, f->tid); /* may move rows */
		struct vt_func_stat *r = &to->rows[k];

		r->calls += f->calls;
		r->total_ns += f->total_ns;
		r->self_ns += f->self_ns;
	}
}


/* rows by @sort ("self", "total" or "calls"), then by name */
static int by_sort(const void *a, const void *b, void *sort)
{
	const struct vt_func_stat *x = a, *y = b;
	uint64_t vx, vy;

	if (!strcmp(sort, "calls")) {
		vx = x->calls;
		vy = y->calls;
	} else if (!strcmp(sort, "total")) {
		vx = x->total_ns;
		vy = y->total_ns;
	} else {
		vx = x->self_ns;
		vy = y->self_ns;
	}
	if (vx != vy)
		return vx > vy ? -1 : 1;
	return strcmp(x->name, y->name);
}

void vt_stats_print(struct vt_stats *s, FILE *f, const char *sort, size_t limit,
		    const char *title)
{
	uint64_t calls = 0, self = 0;

	qsort_r(s->rows, s->n, sizeof(*s->rows), by_sort, (void *)sort);
	for (size_t i = 0; i < s->n; i++) {
		calls += s->rows[i].calls;
		self += s->rows[i].self_ns;
	}
	fprintf(f, "%s: %llu calls of %zu functions, %.9f s of self time; sorted by %s\n\n",
		title, (unsigned long long)calls, s->n, (double)self / 1e9, sort);
	/* seconds with nine decimals: the trace has nanoseconds, and the table is exact */
	fprintf(f, "%10s %13s %13s %13s %13s  %s\n", "ncalls", "tottime", "percall",
		"cumtime", "percall", "function (file:line)");
	for (size_t i = 0; i < s->n && (!limit || i < limit); i++) {
		const struct vt_func_stat *r = &s->rows[i];
		char where[64] = "";

		if (r->tid)
			snprintf(where, sizeof(where), "[pid %llu tid %llu] ",
				 (unsigned long long)r->pid, (unsigned long long)r->tid);
		else if (r->pid)
			snprintf(where, sizeof(where), "[pid %llu] ", (unsigned long long)r->pid);
		fprintf(f, "%10llu %13.9f %13.9f %13.9f %13.9f  %s%s%s%s%s\n",
			(unsigned long long)r->calls, (double)r->self_ns / 1e9,
			(double)r->self_ns / 1e9 / (double)r->calls, (double)r->total_ns / 1e9,
			(double)r->total_ns / 1e9 / (double)r->calls, where, r->name,
			r->loc ? " (" : "", r->loc ? r->loc : "", r->loc ? ")" : "");
	}
}

/* ---- folded stacks: a trie of (parent, name) ---- */

struct fnode {
	uint32_t parent; /* UINT32_MAX for roots */
	uint32_t name;   /* index into names */
	uint64_t weight;
};

struct vt_folded {
	struct fnode *nodes;
	size_t n, cap;
	uint32_t *slots; /* node index + 1 */
	size_t nslots;
	char **names;
	size_t nnames, names_cap;
	uint32_t *name_slots;
	size_t name_nslots;
};

struct vt_folded *vt_folded_new(void)
{
	return xcalloc(1, sizeof(struct vt_folded));
}

void vt_folded_free(struct vt_folded *fo)
{
	if (!fo)
		return;
	for (size_t i = 0; i < fo->nnames; i++)
		free(fo->names[i]);
	free(fo->names);
	free(fo->name_slots);
	free(fo->nodes);
	free(fo->slots);
	free(fo);
}

static uint32_t intern_name(struct vt_folded *fo, const char *name)
{
	size_t k;

	if ((fo->nnames + 1) * 2 > fo->name_nslots) {
		size_t n = fo->name_nslots ? fo->name_nslots * 2 : 1024;

		free(fo->name_slots);
		fo->name_slots = xcalloc(n, sizeof(uint32_t));
		fo->name_nslots = n;
		for (size_t i = 0; i < fo->nnames; i++) {
			k = hash_bytes(fo->names[i], strlen(fo->names[i]), 0xcbf29ce484222325ull) &
			    (n - 1);
			while (fo->name_slots[k])
				k = (k + 1) & (n - 1);
			fo->name_slots[k] = (uint32_t)i + 1;
		}
	}
	for (k = hash_bytes(name, strlen(name), 0xcbf29ce484222325ull) & (fo->name_nslots - 1);
	     fo->name_slots[k]; k = (k + 1) & (fo->name_nslots - 1))
		if (!strcmp(fo->names[fo->name_slots[k] - 1], name))
			return fo->name_slots[k] - 1;
	if (fo->nnames == fo->names_cap) {
		fo->names_cap = fo->names_cap ? fo->names_cap * 2 : 256;
		fo->names = xrealloc(fo->names, fo->names_cap * sizeof(*fo->names));
	}
	fo->names[fo->nnames] = xstrdup(name);
	fo->name_slots[k] = (uint32_t)++fo->nnames;
	return (uint32_t)fo->nnames - 1;
}

static uint64_t node_hash(uint32_t parent, uint32_t name)
{
	return ((uint64_t)parent << 32 | name) * 0x9e3779b97f4a7c15ull;
}

static uint32_t node_get(struct vt_folded *fo, uint32_t parent, uint32_t name)
{
	size_t k;

	if ((fo->n + 1) * 2 > fo->nslots) {
		size_t n = fo->nslots ? fo->nslots * 2 : 4096;

		free(fo->slots);
		fo->slots = xcalloc(n, sizeof(uint32_t));
		fo->nslots = n;
		for (size_t i = 0; i < fo->n; i++) {
			k = (node_hash(fo->nodes[i].parent, fo->nodes[i].name) >> 20) & (n - 1);
			while (fo->slots[k])
				k = (k + 1) & (n - 1);
			fo->slots[k] = (uint32_t)i + 1;
		}
	}
	for (k = (node_hash(parent, name) >> 20) & (fo->nslots - 1); fo->slots[k];
	     k = (k + 1) & (fo->nslots - 1)) {
		const struct fnode *x = &fo->nodes[fo->slots[k] - 1];

		if (x->parent == parent && x->name == name)
			return fo->slots[k] - 1;
	}
	if (fo->n == fo->cap) {
		fo->cap = fo->cap ? fo->cap * 2 : 4096;
		fo->nodes = xrealloc(fo->nodes, fo->cap * sizeof(*fo->nodes));
	}
	fo->nodes[fo->n] = (struct fnode){ parent, name, 0 };
	fo->slots[k] = (uint32_t)++fo->n;
	return (uint32_t)fo->n - 1;
}

uint32_t vt_folded_root(struct vt_folded *fo, const char *label)
{
	return node_get(fo, UINT32_MAX, intern_name(fo, label));
}

uint32_t vt_folded_child(struct vt_folded *fo, uint32_t parent, const char *name)
{
	return node_get(fo, parent, intern_name(fo, name));
}

void vt_folded_weight(struct vt_folded *fo, uint32_t node, uint64_t ns)
{
	fo->nodes[node].weight += ns;
}

/*
 * One frame of a folded line. Each line must stay "frames count", and the formats have no
 * quoting: flamegraph.pl and speedscope split frames at every ';' and lines at '\n'. So a
 * ';' becomes ':' (as in "process [pid]: thread"), and control characters are escaped as
 * in C ("\n", "\r", "\t", "\x1b"), with '\' written "\\" so the text reads back whole.
 */
static void put_frame(const char *name, FILE *f)
{
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		if (*c == ';')
			fputc(':', f);
		else if (*c == '\\')
			fputs("\\\\", f);
		else if (*c == '\n')
			fputs("\\n", f);
		else if (*c == '\r')
			fputs("\\r", f);
		else if (*c == '\t')
			fputs("\\t", f);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(f, "\\x%02x", *c);
		else
			fputc(*c, f);
	}
}

int vt_folded_write(struct vt_folded *fo, FILE *f)
{
	uint32_t path[1024];

	for (size_t i = 0; i < fo->n; i++) {
		uint64_t ns = fo->nodes[i].weight;
		size_t depth = 0;

		if (!ns)
			continue;
		for (uint32_t k = (uint32_t)i; k != UINT32_MAX && depth < 1024; k = fo->nodes[k].parent)
			path[depth++] = k;
		while (depth--) {
			put_frame(fo->names[fo->nodes[path[depth]].name], f);
			if (depth)
				fputc(';', f);
		}
		fprintf(f, " %llu\n", (unsigned long long)ns);
	}
	return ferror(f) ? -1 : 0;
}
