/*
 * thread.c - per-thread state: a thread's buffer made (or a spare taken) at its first
 * event and finished when it exits, the list of every buffer of the process, and what
 * is done to all of them at once (flush, pause, fork, exit).
 *
 * All buffers of the process sit in one list. The list lock is taken when a thread
 * starts or ends and when everything is flushed, never per event.
 *
 * Layer: above writer.c; below ring.c, which it reaches through vt_ring_hooks.
 */
#include <errno.h>
#include <lz4.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "preload/vt.h"

__thread struct vt_thread *vt_t __attribute__((tls_model("initial-exec")));

/* every live buffer of this process */
static struct vt_thread *g_threads;
/* guards g_threads; taken at thread start/end, flush-all and fork, never per event */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
/* its destructor finishes a thread's buffer when the thread exits */
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
volatile int vt_dump_in_signal;

static pid_t vt_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void free_buffers(struct vt_thread *t);

static void key_destructor(void *arg)
{
	struct vt_thread *t = arg;

	/* under the list lock: vt_threads_pause may be writing into this buffer */
	pthread_mutex_lock(&g_lock);
	if (t && t->pid == vt_pid) {
		vt_thread_finish(t, VT_END_THREAD);
		if (t->dead) {
			t->ended = 1; /* a spare now (see take_spare) */
			vt_t = NULL; /* a late event of this thread gets a buffer of its own */
			/* a flight recorder keeps an ended thread's window (its struct) until its
			 * chunks leave the ring, which for short threads may be a great many:
			 * only their few hundred bytes, not the buffers */
			if (vt_cfg.ring && t->ring_head)
				free_buffers(t);
		}
	}
	pthread_mutex_unlock(&g_lock);
}

static void make_key(void)
{
	pthread_key_create(&g_key, key_destructor);
}
/* set by the frame-evaluation hook's install: new threads need their stack_guard */
int vt_stack_guards;

/*
 * The lowest safe address of this thread's C stack for the frame-evaluation hook: a
 * quarter of the stack, at most 256 KiB, above its end. Under that hook every Python
 * call nests a C call; below this line vt goes back to a hook that does not.
 */
static uintptr_t stack_guard(void)
{
	pthread_attr_t a;
	void *lo;
	size_t size;
	int ok;

	if (pthread_getattr_np(pthread_self(), &a) != 0)
		return 0;
	ok = pthread_attr_getstack(&a, &lo, &size) == 0;
	pthread_attr_destroy(&a);
	if (!ok)
		return 0;
	return (uintptr_t)lo + (size / 4 < (256u << 10) ? size / 4 : (256u << 10));
}

/* @t's big buffers, freed (a flight recorder's ended thread keeps only its struct) */
static void free_buffers(struct vt_thread *t)
{
	free(t->buf);
	free(t->ibuf);
	free(t->cbuf);
	free(t->lz4state);
	free(t->shadow);
	t->buf = t->ibuf = NULL;
	t->cbuf = NULL;
	t->lz4state = NULL;
	t->shadow = NULL;
}

/* @t's big buffers, allocated where missing; 0, or -1 (none left allocated) */
static int alloc_buffers(struct vt_thread *t, size_t cap)
{
	if (!t->buf)
		t->buf = malloc(cap);
	t->cbuf_cap = (size_t)LZ4_compressBound((int)cap);
	if (!t->cbuf)
		t->cbuf = malloc(t->cbuf_cap + VT_CHUNK_HDR_LEN);
	if (!t->lz4state)
		t->lz4state = malloc((size_t)LZ4_sizeofState());
	if (vt_cfg.ring && !t->shadow)
		t->shadow = calloc(VT_SHADOW_MAX, sizeof(uint32_t));
	if (!t->buf || !t->cbuf || !t->lz4state || (vt_cfg.ring && !t->shadow)) {
		free_buffers(t);
		return -1;
	}
	return 0;
}

/* a new thread's buffer, zeroed but for its allocations; NULL when out of memory */
static struct vt_thread *alloc_thread(size_t cap)
{
	struct vt_thread *t = calloc(1, sizeof(*t));

	if (t && alloc_buffers(t, cap) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

/*
 * Threads come and go (a thread per request, pools made and dropped). An ended thread's
 * buffer stays in the list, dead, as a spare for the next new thread, so vt's memory
 * follows the most threads alive at once, not every thread the process ever ran. A fork
 * child frees nothing either: the parent's other threads are spares there (free() in a
 * fork handler can hang under an allocator that is not fork-safe, such as ASan's).
 * g_lock held.
 */
static struct vt_thread *take_spare(void)
{
	for (struct vt_thread *t = g_threads; t; t = t->next)
		if (t->ended && !t->ring_head && !__atomic_load_n(&t->inflight, __ATOMIC_ACQUIRE)) {
			struct vt_thread n = { 0 };

			if (t->fd >= 0) /* a flight recorder's file, kept open after a dump */
				vt_close_file(t->fd, &t->fid);
			/* what a new thread would allocate again; the rest starts from zero */
			n.buf = t->buf;
			n.ibuf = t->ibuf;
			n.cbuf = t->cbuf;
			n.cbuf_cap = t->cbuf_cap;
			n.lz4state = t->lz4state;
			n.shadow = t->shadow;
			n.defined = t->defined;
			n.defined_bits = t->defined_bits;
			n.fstack = t->fstack;
			n.scratch = t->scratch;
			n.scratch_cap = t->scratch_cap;
			n.pre = t->pre;
			n.pre_ids = t->pre_ids;
			n.pre_cap = t->pre_cap;
			n.next = t->next;
			n.dead = 1; /* until it is ready: the list's other walkers skip it */
			if (n.defined)
				memset(n.defined, 0, n.defined_bits / 8); /* a new file: define again */
			*t = n;
			if (alloc_buffers(t, vt_cfg.chunk_size) < 0) {
				t->ended = 1; /* out of memory: it stays a spare, without buffers */
				return NULL;
			}
			return t;
		}
	return NULL;
}

/* vt_stop_hook: every thread takes the slow path at its next event (counted as lost) */
static void stop_threads(void)
{
	for (struct vt_thread *t = g_threads; t; t = t->next)
		vt_set_limit(t, 0);
}

struct vt_thread *vt_thread_new(void)
{
	struct vt_thread *t;
	size_t cap = vt_cfg.chunk_size;
	int spare;

	if (vt_state != VT_ST_TRACING)
		return NULL;
	pthread_once(&g_key_once, make_key);
	vt_stop_hook = stop_threads;
	pthread_mutex_lock(&g_lock);
	t = take_spare();
	pthread_mutex_unlock(&g_lock);
	spare = t != NULL;
	if (!spare && !(t = alloc_thread(cap)))
		return NULL;
	vt_set_limit(t, cap - VT_CHUNK_HEADROOM);
	t->fd = -1;
	t->tid = vt_gettid();
	t->pid = vt_pid;
	t->name_tries = 256;
	if (vt_stack_guards) /* the main thread's bounds come from /proc/self/maps: only if used */
		t->stack_guard = stack_guard();
	t->resync_stack = vt_windowed; /* recording may start under frames already running */
	t->pending = 1;
	vt_set_limit(t, 0); /* see vt_pending_hook */
	vt_chunk_start(t);
	t->fresh = 1;
	pthread_setspecific(g_key, t);
	if (spare) {
		__atomic_store_n(&t->dead, 0, __ATOMIC_RELEASE);
	} else {
		pthread_mutex_lock(&g_lock);
		t->next = g_threads;
		/* published whole: the ring walks the list under its own lock (ring.c) */
		__atomic_store_n(&g_threads, t, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&g_lock);
	}
	vt_t = t;
	return t;
}

void vt_flush_all(unsigned reason, int from_signal)
{
	struct vt_thread *t;
	int locked = 0;

	if (getpid() != vt_pid)
		return;
	if (from_signal)
		vt_writer_from_signal();
	/* A signal may have interrupted a thread holding the lock: do not wait for it. */
	if (from_signal)
		locked = pthread_mutex_trylock(&g_lock) == 0;
	else
		locked = pthread_mutex_lock(&g_lock) == 0;
	for (t = g_threads; t; t = t->next) {
		/* another thread writing a chunk: give it a moment (bounded) to finish */
		for (int i = 0; from_signal && t->flushing && i < 200; i++) {
			struct timespec ms = { 0, 1000000 };

			nanosleep(&ms, NULL);
		}
		if (t->flushing && !(vt_parallel && !from_signal && t != vt_t))
			continue; /* still busy: its data up to its last chunk is on disk */
		if (from_signal ? !vt_xtrylock(t) : (vt_xlock(t), 0))
			continue; /* in a native call's recording all this time: leave it */
		/* without a GIL another thread may be writing its buffer right now */
		if (vt_parallel && !from_signal && t != vt_t && !t->ended)
			vt_thread_finish_running(t, reason);
		else
			vt_thread_finish(t, reason);
		vt_xunlock(t);
	}
	if (locked)
		pthread_mutex_unlock(&g_lock);
	if (vt_cfg.ring && (!from_signal || vt_dump_in_signal) && vt_ring_hooks.dump)
		vt_ring_hooks.dump(from_signal);
}

/* for ring.c: walk the buffers under the list lock (trylock from a signal handler) */
int vt_threads_lock(int from_signal)
{
	if (from_signal)
		return pthread_mutex_trylock(&g_lock) == 0;
	return pthread_mutex_lock(&g_lock) == 0;
}

void vt_threads_unlock(void)
{
	pthread_mutex_unlock(&g_lock);
}

struct vt_thread *vt_threads_first(void)
{
	return __atomic_load_n(&g_threads, __ATOMIC_ACQUIRE);
}

static void atfork_prepare(void)
{
	vt_writer_stop(); /* every handed chunk written; restarted by the next one */
	pthread_mutex_lock(&g_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&g_lock);
}

void vt_threads_atfork_child(void)
{
	struct vt_thread *t, *next, *self = vt_t;

	/* The other threads do not exist here; their buffers hold the parent's events: they
	 * are spares for this child's threads (nothing is freed in a fork handler). */
	for (t = g_threads; t; t = next) {
		next = t->next;
		if (t->fd >= 0)
			vt_close_file(t->fd, &t->fid);
		t->fd = -1;
		if (vt_ring_hooks.forget) /* the parent's window is the parent's to write */
			vt_ring_hooks.forget(t);
		if (t == self)
			continue;
		t->dead = 1;
		t->ended = 1;
		t->inflight = 0; /* the parent's writer writes it, in the parent */
	}
	pthread_mutex_init(&g_lock, NULL);
	vt_file_atfork_child();
	vt_writer_atfork_child();
	if (self) {
		self->fd = -1;
		self->pid = vt_pid;
		self->tid = vt_gettid();
		self->lost = 0;
		self->events = 0;
		self->dead = 0;
		self->flushing = 0;
		self->inflight = 0; /* the parent's writer wrote it, in the parent */
		self->ilost = 0;
		vt_set_limit(self, vt_cfg.chunk_size - VT_CHUNK_HEADROOM);
		self->name_tries = 0;
		self->resync = 1;
		self->pending = 1;
		vt_set_limit(self, 0); /* see vt_pending_hook */
		/* its ids must be defined again in the child's file */
		memset(self->idc, 0, sizeof(self->idc));
		/* the child writes new files: every id must be defined again */
		if (self->defined)
			memset(self->defined, 0, self->defined_bits / 8);
		vt_chunk_start(self); /* drop the parent's unflushed events */
	}
}

void vt_threads_atfork_register(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, NULL);
}

void vt_threads_revive(void)
{
	struct vt_thread *t;

	pthread_mutex_lock(&g_lock);
	for (t = g_threads; t; t = t->next) {
		if (t->ended)
			continue; /* a spare already */
		/* a thread still alive (its buffer finished by the last detach): a new file */
		t->fd = -1;
		t->pid = vt_pid;
		t->lost = t->events = t->ilost = 0;
		t->flushing = 0;
		t->inflight = 0;
		t->name_tries = 256;
		t->resync = 0;
		t->resync_stack = 1;
		t->pre_armed = 0;
		t->vskip = 0;
		t->vskip_wrap = 0;
		t->vuntil = 0;
		t->sdepth = 0;
		t->npre = 0;
		t->fdepth = 0;
		t->skip_from = 0;
		t->c_top = 0;
		t->spans_open = 0;
		t->evicted = 0;
		t->last_exc = NULL;
		t->in_vt = 0;
		if (t->defined)
			memset(t->defined, 0, t->defined_bits / 8);
		vt_chunk_start(t);
		t->fresh = 1;
		t->pending = 1;
		t->limit = 0; /* see vt_pending_hook */
		__atomic_store_n(&t->dead, 0, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&g_lock);
}

void vt_threads_resync_stack(void)
{
	struct vt_thread *t;

	pthread_mutex_lock(&g_lock);
	for (t = g_threads; t; t = t->next) {
		if (t->dead)
			continue;
		t->resync_stack = 1;
		t->pending = 1;
		vt_set_limit(t, 0); /* see vt_pending_hook */
	}
	pthread_mutex_unlock(&g_lock);
}

void vt_threads_flush_live(void)
{
	struct vt_thread *t;

	if (getpid() != vt_pid)
		return;
	/* with the GIL held no thread is inside a callback writing its buffer; without it
	 * (vt_parallel) each other thread is asked to, at its next event */
	pthread_mutex_lock(&g_lock);
	for (t = g_threads; t; t = t->next) {
		if (t->dead || t->pid != vt_pid)
			continue;
		if (vt_parallel && t != vt_t) {
			__atomic_store_n(&t->flush_req, 1, __ATOMIC_SEQ_CST);
			__atomic_store_n(&t->limit, 0, __ATOMIC_SEQ_CST); /* to vt_make_room */
			continue;
		}
		if (t->pos <= t->chunk_base)
			continue;
		vt_xlock(t); /* a native call may be recording in it without the GIL */
		vt_flush(t);
		vt_xunlock(t);
		vt_wait_written(t);
	}
	pthread_mutex_unlock(&g_lock);
}

void vt_threads_pause(void)
{
	static const char mark[] = "vt: paused (recording stopped)";
	struct vt_thread *t;

	if (getpid() != vt_pid)
		return;
	pthread_mutex_lock(&g_lock);
	for (t = g_threads; t; t = t->next) {
		uint64_t c;
		uint8_t *p;

		if (t->dead || t->pid != vt_pid || vt_state != VT_ST_TRACING)
			continue;
		/* the GIL is held, so no thread is inside a callback writing its buffer */
		vt_xlock(t);
		/* its open frames end here (STACK 0): forget them, vt's own too */
		t->sdepth = 0;
		t->npre = 0;
		t->pre_armed = 0;
		t->vskip = 0;
		t->vskip_wrap = 0;
		t->vuntil = 0;
		if (t->pos + 256 > vt_cfg.chunk_size) {
			vt_xunlock(t);
			continue;
		}
		c = vt_now();
		if (c < t->last)
			c = t->last;
		p = vt_put_text_rec(t->buf + t->pos, VT_REC_MARK, c - t->last, mark, sizeof(mark) - 1);
		p = vt_put_stack(p, 0, 0);
		t->pos = (size_t)(p - t->buf);
		t->last = c;
		t->spans_open = 0; /* the converter ends them at the pause */
		vt_flush(t);
		vt_xunlock(t);
		vt_wait_written(t);
	}
	pthread_mutex_unlock(&g_lock);
}

int vt_define_with(struct vt_thread *t, uint32_t id, unsigned kind, const char *name,
		   size_t name_len, const char *file, size_t file_len, uint32_t line)
{
	uint8_t *p;

	if (id >= t->defined_bits) {
		uint32_t bits = t->defined_bits ? t->defined_bits : 1024;
		uint8_t *n;

		while (bits <= id)
			bits *= 2;
		n = realloc(t->defined, bits / 8);
		if (!n)
			return -1; /* the DEF is written again next time */
		memset(n + t->defined_bits / 8, 0, (bits - t->defined_bits) / 8);
		t->defined = n;
		t->defined_bits = bits;
	}
	p = vt_put_def(t->buf + t->pos, id, kind, name, name_len, file, file_len, line);
	t->pos = (size_t)(p - t->buf);
	t->defined[id >> 3] |= (uint8_t)(1u << (id & 7));
	return 0;
}

void vt_define_slow(struct vt_thread *t, uint32_t id)
{
	const struct vt_def *d = vt_def(id);

	vt_define_with(t, id, d->kind, d->name, d->name_len, d->file, d->file_len, d->line);
}
