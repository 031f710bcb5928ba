/*
 * stats.h - aggregates for vt-convert: a pstats-like table of functions (--summary) and
 * folded stacks weighted by time (--format folded).
 */
#ifndef VT_TOOLS_STATS_H
#define VT_TOOLS_STATS_H

#include <stdint.h>
#include <stdio.h>

/* one row of the summary: a function in one process (or thread), or over all of them */
struct vt_func_stat {
	char *name;       /* qualified name */
	char *loc;        /* "file:line", or NULL for C functions */
	uint64_t pid, tid; /* 0 when aggregated over processes / threads */
	uint64_t calls;
	uint64_t total_ns; /* inclusive, recursion counted once (as cProfile's cumtime) */
	uint64_t self_ns;  /* exclusive */
};

struct vt_stats;

/** vt_stats_new - an empty table; free with vt_stats_free. */
struct vt_stats *vt_stats_new(void);
void vt_stats_free(struct vt_stats *s);

/**
 * vt_stats_add - account one finished call. @total_ns is 0 for a recursive inner call
 * (the caller passes the outermost call's duration only), @self_ns its own time.
 */
void vt_stats_add(struct vt_stats *s, const char *name, const char *loc, uint64_t pid,
		  uint64_t tid, uint64_t total_ns, uint64_t self_ns);

/** vt_stats_row - the row of (@name, @loc, @pid, @tid), made when new: for vt_stats_add_at. */
size_t vt_stats_row(struct vt_stats *s, const char *name, const char *loc, uint64_t pid,
		    uint64_t tid);
/** vt_stats_add_at - vt_stats_add for a row found before (no string hashing). */
void vt_stats_add_at(struct vt_stats *s, size_t row, uint64_t total_ns, uint64_t self_ns);
/** vt_stats_merge - add every row of @from into @to. */
void vt_stats_merge(struct vt_stats *to, const struct vt_stats *from);

/**
 * vt_stats_print - print the table sorted by @sort ("self", "total" or "calls"), at most
 * @limit rows (0: all).
 */
void vt_stats_print(struct vt_stats *s, FILE *f, const char *sort, size_t limit,
		    const char *title);

/* ---- folded stacks ---- */

struct vt_folded;

struct vt_folded *vt_folded_new(void);
void vt_folded_free(struct vt_folded *fo);
/** vt_folded_root - the node of a thread's root ("process;thread"). */
uint32_t vt_folded_root(struct vt_folded *fo, const char *label);
/** vt_folded_child - the node for calling @name from @parent. */
uint32_t vt_folded_child(struct vt_folded *fo, uint32_t parent, const char *name);
/** vt_folded_weight - add @ns of self time to @node. */
void vt_folded_weight(struct vt_folded *fo, uint32_t node, uint64_t ns);
/**
 * vt_folded_write - "a;b;c <self time in ns>" lines, one per stack that has time. A ';' in
 * a name is written ':', and '\' and control characters are escaped as in C ("\\",
 * "\n", "\t", "\x1b"), so every line stays "frames count". Returns 0 or -1 (errno).
 */
int vt_folded_write(struct vt_folded *fo, FILE *f);

#endif /* VT_TOOLS_STATS_H */
