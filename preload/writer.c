/*
 * writer.c - a thread's chunks: their opening records, lz4, the thread's file, the
 * background writer thread, flushing, and the end of a buffer's stream.
 *
 * Each thread appends records to its own raw buffer (no lock, no syscall). When the
 * buffer passes its limit (vt_room, the hot path's one compare), vt_make_room does the
 * pending work (vt_pending_hook) or flushes: the chunk is handed to the writer thread,
 * or compressed and written inline, or kept by the flight recorder (vt_ring_hooks).
 *
 * Layer: above file.c and proc.c (a thread's first file writes the process file);
 * below thread.c. The flight recorder above it is reached through vt_ring_hooks.
 */
#include <errno.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preload/vt.h"

struct vt_ring_hooks vt_ring_hooks;

/* the chunk's opening records: a SYNC at @c (CLOCK_MONOTONIC @mono), and in ring mode
 * the frames open */
static void chunk_head(struct vt_thread *t, uint64_t c, uint64_t mono)
{
	uint8_t *p = vt_put_sync(t->buf, c, vt_use_tsc ? mono : c);

	if (vt_cfg.ring && t->shadow) {
		/* older chunks may be dropped: say which frames are open as this one starts */
		p = vt_put_open(p, t->shadow, t->sdepth < VT_SHADOW_MAX ? t->sdepth : VT_SHADOW_MAX);
	}
	t->pos = (size_t)(p - t->buf);
	t->chunk_base = t->pos;
	t->last = c;
}

int vt_chunk_rebase(struct vt_thread *t, uint64_t c, uint64_t mono)
{
	if (!t->fresh || t->pos != t->chunk_base || c >= t->last)
		return -1;
	chunk_head(t, c, mono);
	return 0;
}

void vt_chunk_start(struct vt_thread *t)
{
	uint64_t c = vt_now();

	chunk_head(t, c, vt_use_tsc ? vt_mono_ns() : c);
	t->fresh = 0;
	/* the alias slots are the chunk's: the cached values name the last chunk's */
	memset(t->idc, 0, sizeof(t->idc));
	if (++t->agen == 0) {
		memset(t->amap, 0, sizeof(t->amap));
		t->agen = 1;
	}
	t->nalias[0] = t->nalias[1] = 0;
}

/* a chunk could not be written: stop tracing with one vt: line saying why */
static void write_failed(void)
{
	if (vt_state == VT_ST_TRACING) {
		char why[sizeof(vt_cfg.output) + 160];

		snprintf(why, sizeof(why), "cannot write trace file in '%s': %s", vt_cfg.output,
			 vt_file_error(errno));
		vt_stop(why);
	}
}

static void thread_file_name(const struct vt_thread *t, char name[96])
{
	snprintf(name, 96, "p%d.%016llx.t%d.vt", (int)vt_pid, (unsigned long long)vt_token,
		 (int)t->tid);
}

int vt_thread_write(struct vt_thread *t, const void *buf, size_t len)
{
	char name[96];

	thread_file_name(t, name);
	return vt_write_again(&t->fd, &t->fid, name, buf, len);
}

int vt_thread_file(struct vt_thread *t)
{
	uint8_t hdr[VT_HEADER_BUF];
	char name[96];

	if (t->fd >= 0)
		return 0;
	vt_proc_start(); /* once per process: a fork child writes it with its first file */
	thread_file_name(t, name);
	t->fd = vt_open_file(name, &t->fid);
	if (t->fd < 0)
		return -1;
	if (vt_write_again(&t->fd, &t->fid, name, hdr, vt_header(hdr, "thread", t->tid)) < 0) {
		write_failed();
		return -1;
	}
	return 0;
}

/* compress @raw (@len bytes) with @lz4 into @cbuf and write it to @t's file (or ring) */
static int write_raw(struct vt_thread *t, const uint8_t *raw, size_t len, char *cbuf,
		     void *lz4)
{
	int clen;

	if (!vt_cfg.ring && vt_thread_file(t) < 0)
		return -1;
#ifdef VT_BENCH_NOLZ4
	/* scripts/bench-breakdown.sh's "no compression" build: the chunk is dropped here */
	(void)raw, (void)len, (void)cbuf, (void)lz4;
	return 0;
#endif
	clen = LZ4_compress_fast_extState(lz4, (const char *)raw, cbuf + VT_CHUNK_HDR_LEN,
					  (int)len, (int)t->cbuf_cap, 1);
	if (clen <= 0) {
		errno = EINVAL;
		goto fail;
	}
	vt_chunk_header((uint8_t *)cbuf, (uint32_t)len, (uint32_t)clen);
	if (vt_cfg.ring) {
		if (!vt_ring_hooks.store) {
			errno = EINVAL; /* vt_ring_init did not run */
			goto fail;
		}
		return vt_ring_hooks.store(t, cbuf, (size_t)clen + VT_CHUNK_HDR_LEN);
	}
	if (vt_reserve((size_t)clen + VT_CHUNK_HDR_LEN) < 0)
		return -1; /* the run's trace is full: this chunk is not written */
	if (vt_thread_write(t, cbuf, (size_t)clen + VT_CHUNK_HDR_LEN) == 0)
		return 0;
fail:
	write_failed();
	return -1;
}

static int write_chunk(struct vt_thread *t)
{
	return write_raw(t, t->buf, t->pos, t->cbuf, t->lz4state);
}

/*
 * The background writer: one thread per process compresses and writes full chunks, so
 * that a traced thread only swaps buffers when its chunk is full (VT_WRITER=inline turns
 * it off). Each thread has at most one chunk with the writer (ibuf); if that one is still
 * being written when the next fills, the thread waits for it, so memory stays at two
 * buffers per thread. The writer blocks every signal (they go to the program's threads).
 * It exists only between forks: fork() first lets it finish and exit (a single-threaded
 * program stays single-threaded for the fork, where 3.12+ would warn otherwise), and
 * the next full chunk starts it again, in the parent and in the child.
 */
static pthread_mutex_t g_wlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wwork = PTHREAD_COND_INITIALIZER; /* the writer waits for work */
static pthread_cond_t g_wdone = PTHREAD_COND_INITIALIZER; /* threads wait for their chunk */
static struct vt_thread *g_wq_head, *g_wq_tail;
static pthread_t g_writer;
static int g_writer_on, g_writer_quit;
/* vt_flush_all runs in a signal handler: wait for the writer by polling, not on a lock */
static volatile int g_in_signal;

static void *writer_main(void *arg)
{
	char *cbuf = malloc((size_t)LZ4_compressBound((int)vt_cfg.chunk_size) + VT_CHUNK_HDR_LEN);
	void *lz4 = malloc((size_t)LZ4_sizeofState());
	struct vt_thread *t;

	(void)arg;
	pthread_mutex_lock(&g_wlock);
	for (;;) {
		while (!g_wq_head && !g_writer_quit)
			pthread_cond_wait(&g_wwork, &g_wlock);
		if (!g_wq_head)
			break;
		t = g_wq_head;
		g_wq_head = t->wnext;
		if (!g_wq_head)
			g_wq_tail = NULL;
		pthread_mutex_unlock(&g_wlock);
		if (vt_state != VT_ST_TRACING || !cbuf || !lz4 ||
		    write_raw(t, t->ibuf, t->ilen, cbuf, lz4) < 0)
			__atomic_add_fetch(&t->ilost, t->ievents, __ATOMIC_RELAXED);
		pthread_mutex_lock(&g_wlock);
		__atomic_store_n(&t->inflight, 0, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&g_wdone);
	}
	pthread_mutex_unlock(&g_wlock);
	free(cbuf);
	free(lz4);
	return NULL;
}

/* start the writer if it is not running (g_wlock held); 0 or -1 */
static int writer_start(void)
{
	sigset_t all, old;
	int rc;

	if (g_writer_on)
		return 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* the writer inherits: no signal for it */
	rc = pthread_create(&g_writer, NULL, writer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -1;
	g_writer_on = 1;
	g_writer_quit = 0;
	return 0;
}

/* let the writer finish what it has and exit (before fork) */
void vt_writer_stop(void)
{
	pthread_mutex_lock(&g_wlock);
	if (!g_writer_on) {
		pthread_mutex_unlock(&g_wlock);
		return;
	}
	g_writer_quit = 1;
	pthread_cond_signal(&g_wwork);
	pthread_mutex_unlock(&g_wlock);
	pthread_join(g_writer, NULL);
	g_writer_on = 0;
	g_writer_quit = 0;
}

/* wait until @t has no chunk with the writer; in a signal handler at most 2 s */
void vt_wait_written(struct vt_thread *t)
{
	if (!__atomic_load_n(&t->inflight, __ATOMIC_ACQUIRE))
		return;
	if (g_in_signal) {
		for (int i = 0; i < 2000 && __atomic_load_n(&t->inflight, __ATOMIC_ACQUIRE); i++) {
			struct timespec ms = { 0, 1000000 };

			nanosleep(&ms, NULL);
		}
		return;
	}
	pthread_mutex_lock(&g_wlock);
	while (t->inflight)
		pthread_cond_wait(&g_wdone, &g_wlock);
	pthread_mutex_unlock(&g_wlock);
}

/* hand the full buffer to the writer and go on in the other one; -1: write it inline */
static int hand_off(struct vt_thread *t)
{
	uint8_t *b;

	if (vt_cfg.inline_writes || vt_cfg.ring || g_in_signal)
		return -1;
	if (!t->ibuf && !(t->ibuf = malloc(vt_cfg.chunk_size)))
		return -1;
	if (vt_thread_file(t) < 0)
		return -2;
	vt_wait_written(t);
	pthread_mutex_lock(&g_wlock);
	if (writer_start() < 0) {
		pthread_mutex_unlock(&g_wlock);
		return -1;
	}
	b = t->ibuf;
	t->ibuf = t->buf;
	t->buf = b;
	t->ilen = t->pos;
	t->ievents = t->events;
	t->inflight = 1;
	t->wnext = NULL;
	if (g_wq_tail)
		g_wq_tail->wnext = t;
	else
		g_wq_head = t;
	g_wq_tail = t;
	pthread_cond_signal(&g_wwork);
	pthread_mutex_unlock(&g_wlock);
	return 0;
}

void vt_flush(struct vt_thread *t)
{
	int saved = errno, rc;
	uint64_t c;
	uint8_t *p;

	sigset_t old;

	if (t->pid != vt_pid || getpid() != vt_pid)
		return; /* a vfork child shares our memory: never write for the parent */
	old = vt_block_signals();
	/* seq_cst against vt_thread_finish_running: it or this one writes, never both */
	__atomic_store_n(&t->flushing, 1, __ATOMIC_SEQ_CST);
	if (vt_state == VT_ST_TRACING && !__atomic_load_n(&t->dead, __ATOMIC_SEQ_CST)) {
		c = vt_now();
		p = vt_put_sync(t->buf + t->pos, c, vt_use_tsc ? vt_mono_ns() : c);
		t->pos = (size_t)(p - t->buf);
		rc = hand_off(t);
		if (rc == 0 || (rc == -1 && write_chunk(t) == 0)) {
			t->events = 0;
			vt_chunk_start(t);
			t->flushing = 0;
			vt_restore_signals(&old);
			errno = saved;
			return;
		}
	}
	/* stopped or dead: drop what is buffered, count it, and record nothing more */
	t->lost += t->events;
	t->events = 0;
	t->pos = 0;
	vt_set_limit(t, 0);
	t->flushing = 0;
	vt_restore_signals(&old);
	errno = saved;
}

int (*vt_pending_hook)(struct vt_thread *t, int ev);

/* another thread asked for this one's buffer (vt_threads_flush_live, vt_parallel): write
 * it out, and put back the limit that it set to 0 to get here */
static void flush_asked(struct vt_thread *t)
{
	if (vt_state != VT_ST_TRACING || t->dead)
		return;
	vt_set_limit(t, vt_cfg.chunk_size - VT_CHUNK_HEADROOM);
	if (t->pos > t->chunk_base)
		vt_flush(t);
	if (t->pending)
		vt_set_limit(t, 0);
}

int vt_make_room(struct vt_thread *t, int ev)
{
	int r = 1;

	if (t->in_vt)
		return 0; /* an event of vt's own repr() or str(): not the program's */
again:
	if (VT_UNLIKELY(vt_parallel) && __atomic_exchange_n(&t->flush_req, 0, __ATOMIC_SEQ_CST))
		flush_asked(t);
	if (t->pending && vt_state == VT_ST_TRACING && !t->dead) {
		vt_set_limit(t, vt_cfg.chunk_size - VT_CHUNK_HEADROOM);
		if (vt_pending_hook)
			r = vt_pending_hook(t, ev); /* may clear t->pending */
		if (t->pending)
			vt_set_limit(t, 0);
		if (!r)
			return 0;
		if (t->pos < vt_cfg.chunk_size - VT_CHUNK_HEADROOM)
			return r;
		vt_set_limit(t, vt_cfg.chunk_size - VT_CHUNK_HEADROOM);
	}
	if (vt_state == VT_ST_TRACING && !t->dead && vt_limit(t))
		vt_flush(t);
	if (t->pos < vt_cfg.chunk_size - VT_CHUNK_HEADROOM && vt_limit(t)) {
		if (t->pending)
			vt_set_limit(t, 0); /* the pending work goes on at the next event */
		return r;
	}
	/* the limit was 0 for a flush asked meanwhile, not because tracing stopped */
	if (VT_UNLIKELY(vt_parallel) && __atomic_load_n(&t->flush_req, __ATOMIC_SEQ_CST))
		goto again;
	t->lost++;
	return 0;
}

/*
 * vt_parallel: end the stream of another thread that may be running Python at this very
 * moment (os._exit, exec or an exit called from another thread), without touching its
 * buffer: the records below its pos are complete, so they are copied and written with an
 * END. It is marked dead first, and this writes only if it is not flushing; a flush it
 * starts afterwards sees it dead and drops its chunk (seq_cst on both sides), so the two
 * never write at once. Its events after the copy are not recorded. Thread list locked.
 */
void vt_thread_finish_running(struct vt_thread *t, unsigned reason)
{
	static uint8_t *copy; /* under the thread list's lock; kept for the next exit */
	static size_t copy_cap;
	int saved = errno;
	size_t pos;
	uint8_t *p;
	uint64_t c;
	sigset_t old;

	if (t->dead || t->pid != vt_pid || getpid() != vt_pid)
		return;
	__atomic_store_n(&t->dead, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->limit, 0, __ATOMIC_SEQ_CST); /* its next event: the slow path */
	/* a flush it began before: let it end (bounded), then it is dead for the next */
	for (int i = 0; i < 2000 && __atomic_load_n(&t->flushing, __ATOMIC_SEQ_CST); i++) {
		struct timespec ms = { 0, 1000000 };

		nanosleep(&ms, NULL);
	}
	if (__atomic_load_n(&t->flushing, __ATOMIC_SEQ_CST))
		return; /* still writing: its data up to its last chunk is on disk */
	old = vt_block_signals();
	vt_wait_written(t); /* its chunks stay in order */
	pos = __atomic_load_n(&t->pos, __ATOMIC_ACQUIRE);
	if (copy_cap < pos + VT_CHUNK_HEADROOM) {
		uint8_t *n = realloc(copy, pos + VT_CHUNK_HEADROOM);

		if (n) {
			copy = n;
			copy_cap = pos + VT_CHUNK_HEADROOM;
		}
	}
	if (vt_state == VT_ST_TRACING && copy_cap >= pos + VT_CHUNK_HEADROOM &&
	    (pos > t->chunk_base || t->fd >= 0)) {
		memcpy(copy, t->buf, pos);
		c = vt_now();
		p = vt_put_end(copy + pos, c, vt_use_tsc ? vt_mono_ns() : c, reason);
		write_raw(t, copy, (size_t)(p - copy), t->cbuf, t->lz4state);
	}
	if (t->fd >= 0 && !vt_cfg.ring) {
		vt_close_file(t->fd, &t->fid);
		t->fd = -1;
	}
	vt_restore_signals(&old);
	errno = saved;
}

void vt_thread_finish(struct vt_thread *t, unsigned reason)
{
	int saved = errno;
	uint8_t *p;
	uint64_t c;

	sigset_t old;

	if (t->dead || t->pid != vt_pid || getpid() != vt_pid)
		return;
	old = vt_block_signals();
	vt_wait_written(t); /* its chunks stay in order */
	t->lost += __atomic_exchange_n(&t->ilost, 0, __ATOMIC_RELAXED);
	/* nothing but the chunk's opening SYNC, and no file yet: leave no file behind */
	if (t->fd < 0 && t->pos <= t->chunk_base && !t->lost)
		t->pos = 0;
	if (vt_state == VT_ST_TRACING && t->pos) {
		c = vt_now();
		if (t->lost) {
			p = vt_put_lost(t->buf + t->pos, c > t->last ? c - t->last : 0, t->lost,
					"dropped");
			t->pos = (size_t)(p - t->buf);
			t->last = c > t->last ? c : t->last;
			t->lost = 0;
		}
		p = vt_put_end(t->buf + t->pos, c, vt_use_tsc ? vt_mono_ns() : c, reason);
		t->pos = (size_t)(p - t->buf);
		t->flushing = 1;
		write_chunk(t);
		t->flushing = 0;
	}
	t->dead = 1;
	t->pos = 0;
	vt_set_limit(t, 0);
	if (t->fd >= 0 && !vt_cfg.ring) {
		vt_close_file(t->fd, &t->fid);
		t->fd = -1;
	}
	vt_restore_signals(&old);
	errno = saved;
}

void vt_writer_from_signal(void)
{
	g_in_signal = 1; /* wait for the writer by polling; write the rest inline */
}

void vt_writer_atfork_child(void)
{
	pthread_mutex_init(&g_wlock, NULL);
	pthread_cond_init(&g_wwork, NULL);
	pthread_cond_init(&g_wdone, NULL);
	g_wq_head = g_wq_tail = NULL;
	g_writer_on = 0;
}
