/*
 * intern.c - code objects and C functions to small ids.
 *
 * The table maps a key pointer (a pinned code object, or a C function's PyMethodDef) to
 * an id, and keeps a copy of the DEF strings so that any thread, even one without the
 * GIL, can write the definition into its own stream.
 *
 * Threads look keys up without a lock, and on a free-threaded CPython they do so while
 * others add: an insert takes a lock (the cold path: a function seen for the first
 * time), a lookup never does. What makes that safe:
 *  - a slot's id is written before its key, and the key is stored with release order
 *    (read with acquire): a reader that sees the key sees the id;
 *  - a definition is complete (strings, flags, argument names) before its key is
 *    published, and never changes after;
 *  - neither array moves under a reader: growing makes a bigger copy and publishes its
 *    address; the old one stays readable (kept until vt_intern_reset), so a reader still
 *    on it finds what it held then, or nothing (and takes the slow path, which looks
 *    again under the lock).
 * With the GIL nothing contends: the lock is one atomic exchange per new function.
 */
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "preload/vt.h"

struct slot {
	void *key;
	uint32_t id;
};

/* open-addressing table of key -> id, power-of-two sized, at most half full */
struct tab {
	size_t cap;
	struct slot slots[];
};

static struct tab *g_tab;
/* definitions by id */
struct vt_def *vt_defs;
uint32_t vt_ndefs;
static uint32_t g_defs_cap;
/* arrays replaced by bigger ones, still readable (at most one per doubling) */
static void *g_retired[128];
static unsigned g_nretired;
/* taken to add, never to look up */
static int g_lock;

static void lock(void)
{
	while (__atomic_exchange_n(&g_lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void unlock(void)
{
	__atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE);
}

static inline size_t slot_of(void *key, size_t mask)
{
	uint64_t h = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & mask;
}

static int64_t find_in(const struct tab *tb, void *key)
{
	size_t mask, i;

	if (!tb || !key)
		return -1; /* NULL marks an empty slot: it is never a key */
	mask = tb->cap - 1;
	for (i = slot_of(key, mask);; i = (i + 1) & mask) {
		void *k = __atomic_load_n(&tb->slots[i].key, __ATOMIC_ACQUIRE);

		if (k == key)
			return tb->slots[i].id;
		if (!k)
			return -1;
	}
}

int64_t vt_intern_find(void *key)
{
	return find_in(__atomic_load_n(&g_tab, __ATOMIC_ACQUIRE), key);
}

static void retire(void *p)
{
	if (!p)
		return;
	if (g_nretired < sizeof(g_retired) / sizeof(g_retired[0]))
		g_retired[g_nretired++] = p;
	/* else kept for the process (never reached: the arrays double) */
}

/* a table twice as big with every key, published; lock held */
static int grow(void)
{
	struct tab *old = g_tab;
	size_t ncap = old ? old->cap * 2 : 4096, i;
	struct tab *n = calloc(1, sizeof(*n) + ncap * sizeof(n->slots[0]));

	if (!n)
		return -1;
	n->cap = ncap;
	for (i = 0; old && i < old->cap; i++) {
		size_t j;

		if (!old->slots[i].key)
			continue;
		for (j = slot_of(old->slots[i].key, ncap - 1); n->slots[j].key; j = (j + 1) & (ncap - 1))
			;
		n->slots[j] = old->slots[i];
	}
	__atomic_store_n(&g_tab, n, __ATOMIC_RELEASE);
	retire(old);
	return 0;
}

/* room for one more definition, published; lock held */
static int grow_defs(void)
{
	uint32_t ncap = g_defs_cap ? g_defs_cap * 2 : 1024;
	struct vt_def *n = malloc(ncap * sizeof(*n));

	if (!n)
		return -1;
	if (vt_ndefs)
		memcpy(n, vt_defs, vt_ndefs * sizeof(*n));
	retire(vt_defs);
	__atomic_store_n(&vt_defs, n, __ATOMIC_RELEASE);
	g_defs_cap = ncap;
	return 0;
}

static char *dup_cut(const char *s, size_t len, uint32_t *out_len)
{
	char *d;

	if (len > VT_DEF_STR_MAX)
		len = VT_DEF_STR_MAX;
	d = malloc(len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = 0;
	*out_len = (uint32_t)len;
	return d;
}

int vt_intern_prepare(struct vt_def *d, unsigned kind, const char *name, size_t name_len,
		      const char *file, size_t file_len, uint32_t line)
{
	memset(d, 0, sizeof(*d));
	d->name = dup_cut(name, name_len, &d->name_len);
	d->file = dup_cut(file, file_len, &d->file_len);
	if (!d->name || !d->file) {
		vt_intern_discard(d);
		return -1;
	}
	d->line = line;
	d->kind = (uint8_t)kind;
	return 0;
}

void vt_intern_discard(struct vt_def *d)
{
	free(d->name);
	free(d->file);
	free(d->argnames);
	d->name = d->file = d->argnames = NULL;
}

int64_t vt_intern_publish(void *key, struct vt_def *d, int *added)
{
	struct tab *tb;
	size_t i, mask;
	int64_t id;

	*added = 0;
	lock();
	id = find_in(g_tab, key);
	if (id >= 0)
		goto out; /* another thread was first */
	if ((!g_tab || (vt_ndefs + 1) * 2 > g_tab->cap) && grow() < 0)
		goto out;
	if (vt_ndefs == g_defs_cap && grow_defs() < 0)
		goto out;
	id = vt_ndefs;
	vt_defs[id] = *d;
	d->name = d->file = d->argnames = NULL; /* the table's now */
	__atomic_store_n(&vt_ndefs, (uint32_t)id + 1, __ATOMIC_RELEASE);
	tb = g_tab;
	mask = tb->cap - 1;
	for (i = slot_of(key, mask); tb->slots[i].key; i = (i + 1) & mask)
		;
	tb->slots[i].id = (uint32_t)id;
	__atomic_store_n(&tb->slots[i].key, key, __ATOMIC_RELEASE);
	*added = 1;
out:
	unlock();
	vt_intern_discard(d);
	return id;
}

int64_t vt_intern_add(void *key, unsigned kind, const char *name, size_t name_len,
		      const char *file, size_t file_len, uint32_t line)
{
	struct vt_def d;
	int added;

	if (vt_intern_prepare(&d, kind, name, name_len, file, file_len, line) < 0)
		return -1;
	return vt_intern_publish(key, &d, &added);
}

void vt_intern_reset(void)
{
	for (uint32_t i = 0; i < vt_ndefs; i++)
		vt_intern_discard(&vt_defs[i]);
	free(vt_defs);
	free(g_tab);
	while (g_nretired)
		free(g_retired[--g_nretired]);
	vt_defs = NULL;
	g_tab = NULL;
	vt_ndefs = g_defs_cap = 0;
	g_lock = 0;
}

void vt_intern_atfork_child(void)
{
	g_lock = 0; /* a thread of the parent's that held it does not exist here */
}
