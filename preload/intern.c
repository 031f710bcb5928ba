/*
 * intern.c - code objects and C functions to small ids.
 *
 * The table maps a key pointer (a pinned code object, or a C function's PyMethodDef) to
 * an id, and keeps a copy of the DEF strings so that any thread, even one without the
 * GIL, can write the definition into its own stream. Lookups and inserts happen under
 * the GIL, which is what serialises them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "preload/vt.h"

struct slot {
	void *key;
	uint32_t id;
};

/* open-addressing table of key -> id, power-of-two sized, at most half full */
static struct slot *g_slots;
static size_t g_cap;
/* definitions by id */
struct vt_def *vt_defs;
uint32_t vt_ndefs;
static uint32_t g_defs_cap;

static inline size_t slot_of(void *key, size_t mask)
{
	uint64_t h = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & mask;
}

int64_t vt_intern_find(void *key)
{
	size_t mask = g_cap - 1, i;

	if (!g_cap || !key)
		return -1; /* NULL marks an empty slot: it is never a key */
	for (i = slot_of(key, mask);; i = (i + 1) & mask) {
		if (g_slots[i].key == key)
			return g_slots[i].id;
		if (!g_slots[i].key)
			return -1;
	}
}

static int grow(void)
{
	size_t ncap = g_cap ? g_cap * 2 : 4096, i;
	struct slot *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -1;
	for (i = 0; i < g_cap; i++) {
		size_t j;

		if (!g_slots[i].key)
			continue;
		for (j = slot_of(g_slots[i].key, ncap - 1); n[j].key; j = (j + 1) & (ncap - 1))
			;
		n[j] = g_slots[i];
	}
	free(g_slots);
	g_slots = n;
	g_cap = ncap;
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

int64_t vt_intern_add(void *key, unsigned kind, const char *name, size_t name_len,
		      const char *file, size_t file_len, uint32_t line)
{
	struct vt_def *d;
	size_t i, mask;

	if ((vt_ndefs + 1) * 2 > g_cap && grow() < 0)
		return -1;
	if (vt_ndefs == g_defs_cap) {
		uint32_t ncap = g_defs_cap ? g_defs_cap * 2 : 1024;
		struct vt_def *n = realloc(vt_defs, ncap * sizeof(*n));

		if (!n)
			return -1;
		vt_defs = n;
		g_defs_cap = ncap;
	}
	d = &vt_defs[vt_ndefs];
	d->name = dup_cut(name, name_len, &d->name_len);
	d->file = dup_cut(file, file_len, &d->file_len);
	if (!d->name || !d->file) {
		free(d->name);
		free(d->file);
		return -1;
	}
	d->line = line;
	d->kind = (uint8_t)kind;
	d->flags = 0;
	d->gen = 0;
	d->nargs = 0;
	d->argnames = NULL;
	mask = g_cap - 1;
	for (i = slot_of(key, mask); g_slots[i].key; i = (i + 1) & mask)
		;
	g_slots[i].key = key;
	g_slots[i].id = vt_ndefs;
	return vt_ndefs++;
}

void vt_intern_reset(void)
{
	for (uint32_t i = 0; i < vt_ndefs; i++) {
		free(vt_defs[i].name);
		free(vt_defs[i].file);
		free(vt_defs[i].argnames);
	}
	free(vt_defs);
	free(g_slots);
	vt_defs = NULL;
	g_slots = NULL;
	vt_ndefs = g_defs_cap = 0;
	g_cap = 0;
}
