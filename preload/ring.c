/*
 * ring.c - the flight recorder (VT_MODE=ring).
 *
 * Chunks are compressed as usual but kept in memory, per thread, instead of being
 * written. When the process keeps more than VT_RING_SIZE bytes, the oldest chunk of the
 * whole process is dropped. A dump (VT_SIGNAL, exit, _exit, exec, SIGTERM, and fatal
 * signals with VT_DUMP_ON_ERROR=1) writes each thread's chunks to its file, after a
 * chunk of DEF records for every function the process knows (the DEFs that came with the
 * dropped chunks are gone), and then forgets them: the next dump continues the file.
 *
 * Each chunk of a ring-mode thread starts with an OPEN record naming the frames open at
 * that point, so the converter can draw calls cut by the window's start as open from its
 * edge, even though the chunk that held their calls was dropped.
 */
#include <errno.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/vt.h"

struct vt_ring_chunk {
	struct vt_ring_chunk *next;
	uint64_t seq;  /* order across the process: the smallest is the oldest */
	size_t len;    /* bytes of data (chunk header included) */
	char data[];
};

/* kept bytes of the process, and the order of chunks */
static size_t g_ring_bytes;
static uint64_t g_ring_seq;
/* guards every thread's ring list; a signal handler only tries it */
static pthread_mutex_t g_ring_lock = PTHREAD_MUTEX_INITIALIZER;
/* scratch for the DEF chunks of a dump, allocated up front: a dump may run in a signal
 * handler, where malloc is not allowed */
static char *g_scratch, *g_scratch_out;
static size_t g_scratch_out_cap;
static void *g_scratch_lz4;

void vt_ring_init(void)
{
	g_scratch = malloc(vt_cfg.chunk_size);
	g_scratch_out_cap = (size_t)LZ4_compressBound((int)vt_cfg.chunk_size);
	g_scratch_out = malloc(g_scratch_out_cap + VT_CHUNK_HDR_LEN);
	g_scratch_lz4 = malloc((size_t)LZ4_sizeofState());
	vt_ring_hooks.store = vt_ring_store;
	vt_ring_hooks.dump = vt_ring_dump;
	vt_ring_hooks.forget = vt_ring_forget;
}

static void drop_oldest(void)
{
	struct vt_thread *t, *owner = NULL;
	struct vt_ring_chunk *c;

	for (t = vt_threads_first(); t; t = t->next)
		if (t->ring_head && (!owner || t->ring_head->seq < owner->ring_head->seq))
			owner = t;
	if (!owner)
		return;
	c = owner->ring_head;
	owner->ring_head = c->next;
	if (!owner->ring_head)
		owner->ring_tail = NULL;
	g_ring_bytes -= c->len;
	free(c);
}

int vt_ring_store(struct vt_thread *t, const void *chunk, size_t len)
{
	struct vt_ring_chunk *c = malloc(sizeof(*c) + len);

	if (!c) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(c->data, chunk, len);
	c->len = len;
	c->next = NULL;
	pthread_mutex_lock(&g_ring_lock);
	c->seq = g_ring_seq++;
	if (t->ring_tail)
		t->ring_tail->next = c;
	else
		t->ring_head = c;
	t->ring_tail = c;
	g_ring_bytes += len;
	while (g_ring_bytes > vt_cfg.ring_size && vt_threads_first())
		drop_oldest();
	pthread_mutex_unlock(&g_ring_lock);
	return 0;
}

void vt_ring_forget(struct vt_thread *t)
{
	struct vt_ring_chunk *c, *next;

	for (c = t->ring_head; c; c = next) {
		next = c->next;
		g_ring_bytes -= c->len;
		free(c);
	}
	t->ring_head = t->ring_tail = NULL;
}

/* DEF records for every known function, as chunks of @t's file (raw buffer reused) */
static int write_defs(struct vt_thread *t, char *raw, size_t cap, char *out, size_t out_cap,
		      void *lz4state)
{
	uint32_t id = 0, n = vt_intern_count();

	while (id < n) {
		uint8_t *p = vt_put_sync((uint8_t *)raw, t->last, 0), *end = (uint8_t *)raw + cap;
		int clen;

		while (id < n && (size_t)(end - p) > VT_REC_DEF_MAX) {
			const struct vt_def *d = vt_def(id);

			p = vt_put_def(p, id, d->kind, d->name, d->name_len, d->file, d->file_len,
				       d->line);
			id++;
		}
		clen = LZ4_compress_fast_extState(lz4state, raw, out + VT_CHUNK_HDR_LEN,
						  (int)((char *)p - raw), (int)out_cap, 1);
		if (clen <= 0)
			return -1;
		vt_chunk_header((uint8_t *)out, (uint32_t)((char *)p - raw), (uint32_t)clen);
		if (vt_thread_write(t, out, (size_t)clen + VT_CHUNK_HDR_LEN) < 0)
			return -1;
	}
	return 0;
}

void vt_ring_dump_now(void)
{
	if (getpid() != vt_pid || vt_state != VT_ST_TRACING)
		return;
	vt_threads_flush_live(); /* every buffer into its ring */
	vt_ring_dump(0);
}

static pid_t g_dump_failed; /* the process that said a dump failed */

void vt_ring_dump(int from_signal)
{
	struct vt_thread *t;
	int locked, rlocked;

	if (getpid() != vt_pid || vt_state == VT_ST_INERT)
		return;
	locked = vt_threads_lock(from_signal);
	rlocked = from_signal ? pthread_mutex_trylock(&g_ring_lock) == 0
			      : pthread_mutex_lock(&g_ring_lock) == 0;
	for (t = vt_threads_first(); t; t = t->next) {
		struct vt_ring_chunk *c, *next;

		if (!t->ring_head || t->pid != vt_pid)
			continue;
		if (vt_thread_file(t) < 0)
			break;
		if (!g_scratch || !g_scratch_out || !g_scratch_lz4 ||
		    write_defs(t, g_scratch, vt_cfg.chunk_size, g_scratch_out, g_scratch_out_cap,
			       g_scratch_lz4) < 0)
			goto fail;
		for (c = t->ring_head; c; c = next) {
			next = c->next;
			if (vt_thread_write(t, c->data, c->len) < 0)
				goto fail;
			g_ring_bytes -= c->len;
			free(c);
			t->ring_head = next;
		}
		t->ring_tail = NULL;
		if (t->dead && t->fd >= 0) {
			vt_close_file(t->fd, &t->fid);
			t->fd = -1;
		}
	}
	goto out;
fail:
	/* one line per process, however many dumps fail (at exit there can be two) */
	if (g_dump_failed != vt_pid) {
		g_dump_failed = vt_pid;
		if (from_signal) /* nothing but write(2) in a signal handler */
			vt_log_raw("vt: cannot write the flight recorder's window\n");
		else
			vt_log("cannot write the flight recorder's window in '%s': %s", vt_cfg.output,
			       vt_file_error(errno));
	}
out:
	if (rlocked)
		pthread_mutex_unlock(&g_ring_lock);
	if (locked)
		vt_threads_unlock();
}
