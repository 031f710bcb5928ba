/*
 * test-intern.c - preload/intern.c: key pointer -> dense id, with copies of the DEF
 * strings. intern.c needs nothing from the rest of libvt.so (only malloc and friends),
 * so no stubs are linked in.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "preload/vt.h"

static void setup(void)
{
	vt_intern_reset();
}

/* the release check (git's u-strbuf.c): everything is gone after a reset */
static void teardown(void)
{
	vt_intern_reset();
	cr_assert_eq(vt_ndefs, 0);
	cr_assert_null(vt_defs);
	cr_assert_eq(vt_intern_find((void *)0x1000), -1);
}

TestSuite(intern, .init = setup, .fini = teardown);

/* a fake key: aligned like a real object, never NULL */
static void *key(uintptr_t i, uintptr_t stride)
{
	return (void *)(0x7f0000000000u + i * stride);
}

static int64_t add(void *k, const char *name, const char *file, uint32_t line)
{
	return vt_intern_add(k, VT_DEF_PY, name, strlen(name), file, strlen(file), line);
}

Test(intern, empty_table_finds_nothing)
{
	cr_assert_eq(vt_intern_find(key(0, 16)), -1);
	cr_assert_eq(vt_intern_find(key(1, 16)), -1);
	cr_assert_eq(vt_ndefs, 0);
}

Test(intern, ids_are_dense_from_zero)
{
	for (uintptr_t i = 0; i < 100; i++) {
		cr_assert_eq(vt_intern_find(key(i, 48)), -1, "key %zu before it was added",
			     (size_t)i);
		cr_assert_eq(add(key(i, 48), "f", "x.py", 1), (int64_t)i);
		cr_assert_eq(vt_ndefs, i + 1);
	}
	for (uintptr_t i = 0; i < 100; i++)
		cr_assert_eq(vt_intern_find(key(i, 48)), (int64_t)i);
	cr_assert_eq(vt_intern_find(key(100, 48)), -1);
	cr_assert_eq(vt_intern_find((char *)key(0, 48) + 8), -1, "a key between two others");
}

Test(intern, defs_keep_copies_of_the_strings)
{
	char name[] = "Foo.method", file[] = "/srv/app/foo.py";
	struct vt_def *d;

	cr_assert_eq(vt_intern_add(key(1, 16), VT_DEF_PY, name, strlen(name), file, strlen(file),
				   123456),
		     0);
	cr_assert_eq(vt_intern_add(key(2, 16), VT_DEF_C, "builtins.len", 12, "", 0, 0), 1);
	/* the caller's buffers may change or go away */
	memset(name, 'x', sizeof(name) - 1);
	memset(file, 'x', sizeof(file) - 1);
	d = &vt_defs[0];
	cr_assert_str_eq(d->name, "Foo.method");
	cr_assert_eq(d->name_len, 10);
	cr_assert_str_eq(d->file, "/srv/app/foo.py");
	cr_assert_eq(d->file_len, 15);
	cr_assert_eq(d->line, 123456);
	cr_assert_eq(d->kind, VT_DEF_PY);
	d = &vt_defs[1];
	cr_assert_str_eq(d->name, "builtins.len");
	cr_assert_str_eq(d->file, "");
	cr_assert_eq(d->file_len, 0);
	cr_assert_eq(d->line, 0);
	cr_assert_eq(d->kind, VT_DEF_C);
}

/* names are not NUL-terminated where they come from: exactly len bytes are read */
Test(intern, reads_exactly_len_bytes)
{
	char *name = malloc(5), *file = malloc(3);

	memcpy(name, "hello", 5);
	memcpy(file, "a.p", 3);
	cr_assert_eq(vt_intern_add(key(1, 16), VT_DEF_PY, name, 5, file, 3, 1), 0);
	free(name);
	free(file);
	cr_assert_str_eq(vt_defs[0].name, "hello");
	cr_assert_str_eq(vt_defs[0].file, "a.p");
	/* embedded NULs are kept with the length */
	cr_assert_eq(vt_intern_add(key(2, 16), VT_DEF_PY, "a\0b", 3, "", 0, 1), 1);
	cr_assert_eq(vt_defs[1].name_len, 3);
	cr_assert(!memcmp(vt_defs[1].name, "a\0b", 4));
}

Test(intern, long_strings_are_cut)
{
	size_t lens[] = {VT_DEF_STR_MAX - 1, VT_DEF_STR_MAX, VT_DEF_STR_MAX + 1, 100000};

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i], want = len > VT_DEF_STR_MAX ? VT_DEF_STR_MAX : len;
		char *s = malloc(len);

		for (size_t k = 0; k < len; k++)
			s[k] = (char)('a' + k % 26);
		cr_assert_eq(vt_intern_add(key(i + 1, 16), VT_DEF_PY, s, len, s, len, 1),
			     (int64_t)i);
		cr_assert_eq(vt_defs[i].name_len, want, "length %zu", len);
		cr_assert_eq(vt_defs[i].file_len, want, "length %zu", len);
		cr_assert_eq(strlen(vt_defs[i].name), want, "NUL-terminated at the cut");
		cr_assert(!memcmp(vt_defs[i].name, s, want));
		cr_assert(!memcmp(vt_defs[i].file, s, want));
		free(s);
	}
}

static void fill_and_check(size_t n, uintptr_t stride)
{
	for (size_t i = 0; i < n; i++) {
		int64_t id = vt_intern_add(key(i, stride), (unsigned)(i & 1), "f", 1, "m.py", 4,
					   (uint32_t)i);

		cr_assert_eq(id, (int64_t)i, "key %zu got id %lld", i, (long long)id);
	}
	cr_assert_eq(vt_ndefs, n);
	for (size_t i = 0; i < n; i++) {
		int64_t id = vt_intern_find(key(i, stride));

		cr_assert_eq(id, (int64_t)i, "stride %zu: key %zu finds %lld", (size_t)stride, i,
			     (long long)id);
		cr_assert_eq(vt_defs[i].line, (uint32_t)i);
		cr_assert_eq(vt_defs[i].kind, i & 1);
	}
	cr_assert_eq(vt_intern_find(key(n, stride)), -1);
}

/* the table starts at 4096 slots, at most half full: growth past it keeps every id */
Test(intern, growth_past_4096)
{
	fill_and_check(2047, 16);
	/* and on through several doublings */
	for (size_t i = 2047; i < 5000; i++)
		cr_assert_eq(add(key(i, 16), "f", "m.py", (uint32_t)i), (int64_t)i);
	for (size_t i = 0; i < 5000; i++)
		cr_assert_eq(vt_intern_find(key(i, 16)), (int64_t)i, "key %zu", i);
}

/* the timeout catches a hash that clusters (probing goes quadratic: seconds, not ms) */
Test(intern, hundred_thousand_keys, .timeout = 3)
{
	fill_and_check(100000, 16);
}

/* keys that differ only in high bits, or share low bits: the hash must spread them */
Test(intern, awkward_key_patterns, .timeout = 3)
{
	fill_and_check(20000, (uintptr_t)1 << 20);
	vt_intern_reset();
	fill_and_check(20000, 4096);
	vt_intern_reset();
	fill_and_check(20000, 8);
}

Test(intern, reset_starts_over)
{
	fill_and_check(5000, 64);
	vt_intern_reset();
	cr_assert_eq(vt_ndefs, 0);
	cr_assert_null(vt_defs);
	cr_assert_eq(vt_intern_find(key(0, 64)), -1);
	cr_assert_eq(vt_intern_find(key(4999, 64)), -1);
	cr_assert_eq(add(key(4999, 64), "again", "", 0), 0, "ids start from 0 again");
	cr_assert_eq(vt_intern_find(key(4999, 64)), 0);
	cr_assert_str_eq(vt_defs[0].name, "again");
}

/* NULL is the empty-slot marker: it must never be "found" */
Test(intern, null_key_is_never_found)
{
	cr_assert_eq(vt_intern_find(NULL), -1, "empty table");
	fill_and_check(10, 16);
	cr_assert_eq(vt_intern_find(NULL), -1, "NULL found as id %lld",
		     (long long)vt_intern_find(NULL));
}

/*
 * A free-threaded CPython interns from many threads at once: 8 threads look up and add the
 * same 20000 keys, in different orders, while the table grows under them. Each key gets
 * one id, every thread finds that id, and each id's definition is its key's.
 */
#define RACE_KEYS 20000
#define RACE_THREADS 8
static int64_t g_race_ids[RACE_THREADS][RACE_KEYS];

static void *race_thread(void *arg)
{
	uintptr_t me = (uintptr_t)arg;

	for (uintptr_t j = 0; j < RACE_KEYS; j++) {
		uintptr_t i = (j * 7919 + me * 104729) % RACE_KEYS; /* each its own order */
		int64_t id = vt_intern_find(key(i, 16));
		char name[32];

		if (id < 0) {
			snprintf(name, sizeof(name), "k%zu", (size_t)i);
			id = add(key(i, 16), name, "race.py", (uint32_t)i);
		}
		g_race_ids[me][i] = id;
		/* the definition is complete as soon as its id is seen */
		if (id < 0 || vt_def((uint32_t)id)->line != (uint32_t)i)
			g_race_ids[me][i] = -2;
	}
	return NULL;
}

Test(intern, threads_adding_the_same_keys, .timeout = 20)
{
	pthread_t th[RACE_THREADS];

	for (uintptr_t t = 0; t < RACE_THREADS; t++)
		cr_assert_eq(pthread_create(&th[t], NULL, race_thread, (void *)t), 0);
	for (int t = 0; t < RACE_THREADS; t++)
		pthread_join(th[t], NULL);
	cr_assert_eq(vt_ndefs, RACE_KEYS, "%u ids for %d keys", vt_ndefs, RACE_KEYS);
	for (uintptr_t i = 0; i < RACE_KEYS; i++) {
		int64_t id = vt_intern_find(key(i, 16));
		char name[32];

		cr_assert_geq(id, 0);
		snprintf(name, sizeof(name), "k%zu", (size_t)i);
		cr_assert_str_eq(vt_defs[id].name, name);
		for (int t = 0; t < RACE_THREADS; t++)
			cr_assert_eq(g_race_ids[t][i], id, "thread %d saw id %lld for key %zu, not %lld",
				     t, (long long)g_race_ids[t][i], (size_t)i, (long long)id);
	}
}
