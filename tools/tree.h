/*
 * tree.h - the processes of a trace: their order (each parent before its children,
 * siblings by start time), names and exit labels, where each child was started (FORK
 * records, or its parent's main thread) with an arrow from there, and the current name
 * of every thread track (for the counters' track names).
 */
#ifndef VT_TOOLS_TREE_H
#define VT_TOOLS_TREE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/sink.h"
#include "tools/tracedir.h"

struct vt_counts;

/* a FORK record: where a child was started */
struct vt_spawn {
	uint64_t pid, tid, ns, child;
};

struct vt_track_name {
	uint64_t pid, tid;
	char *name;
};

struct vt_tree {
	pthread_mutex_t lock;  /* the converting threads add names and spawns */
	struct vt_spawn *spawns;
	size_t nspawns, spawns_cap;
	struct vt_track_name *names;
	size_t nnames, names_cap;
};

void vt_tree_init(struct vt_tree *t);
void vt_tree_release(struct vt_tree *t);

/** vt_tree_thread - a track of process @pid is named (again): @name is copied. */
void vt_tree_thread(struct vt_tree *t, uint64_t pid, uint64_t tid, const char *name);

/** vt_tree_tname - the name the track has now (its last), or "thread". */
const char *vt_tree_tname(const struct vt_tree *t, uint64_t pid, uint64_t tid);

/** vt_tree_spawn - thread @tid of @pid started process @child at @ns. */
void vt_tree_spawn(struct vt_tree *t, uint64_t pid, uint64_t tid, uint64_t ns, uint64_t child);

/**
 * vt_tree_processes - name the processes of @td to @out in tree order (with their exit
 * in the label), mark where an exec replaced an image, and vt's note about a process.
 * Sets each process file's proc_name and counts the processes.
 */
void vt_tree_processes(struct vt_tracedir *td, struct vt_sinks *out, struct vt_counts *counts);

/**
 * vt_tree_flows - an arrow from where each child was started to its first call: from its
 * FORK record (fork, posix_spawn) if the parent wrote one, else (vfork) from the
 * parent's main thread at the child's start. After every thread is converted.
 */
void vt_tree_flows(struct vt_tree *t, const struct vt_tracedir *td, struct vt_sinks *out);

#endif /* VT_TOOLS_TREE_H */
