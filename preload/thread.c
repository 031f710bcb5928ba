/*
 * thread.c - per-thread buffers, their files, and flushing.
 *
 * Each thread appends records to its own raw buffer (no lock, no syscall). When the
 * buffer passes its limit, the owning thread compresses it with lz4 and write(2)s it
 * as one chunk. Buffers are also flushed at thread exit (pthread key destructor), at
 * process exit (ELF destructor), at _exit, before exec and on fatal signals.
 *
 * All buffers of the process sit in one list. The list lock is taken when a thread
 * starts or ends and when everything is flushed, never per event.
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
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
/* the trace directory: what it was when vt made or first opened it */
static struct vt_fileid g_dir_id;
static int g_dir_made;
static pthread_mutex_t g_dir_lock = PTHREAD_MUTEX_INITIALIZER;
/* recording starts later than the program (VT_START=signal, VT_DELAY) */
int vt_windowed;
volatile int vt_dump_in_signal;
/* set once by vt_stop */
static volatile int g_stopped_msg;

sigset_t vt_block_signals(void)
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	return old;
}

void vt_restore_signals(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

static pid_t vt_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

int vt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void fileid_set(struct vt_fileid *id, const struct stat *st)
{
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = (uint64_t)st->st_size;
}

int vt_write_file(int fd, struct vt_fileid *id, const void *buf, size_t len)
{
	struct stat st;
	struct rlimit rl;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != id->dev || st.st_ino != id->ino) {
		errno = ESTALE;
		return -1;
	}
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    id->size + len > (uint64_t)rl.rlim_cur) {
		errno = EFBIG;
		return -1;
	}
	if (vt_write_all(fd, buf, len) < 0) {
		/* closed between the fstat and the write (os.closerange in another thread) */
		if (errno == EBADF)
			errno = ESTALE;
		return -1;
	}
	id->size += len;
	return 0;
}

int vt_write_again(int *fd, struct vt_fileid *id, const char *name, const void *buf,
		   size_t len)
{
	int tries, nfd;

	for (tries = 0;; tries++) {
		if (vt_write_file(*fd, id, buf, len) == 0)
			return 0;
		if (errno != ESTALE || tries == VT_FD_TRIES)
			return -1;
		/* the old number is left alone: it may be the program's now */
		nfd = vt_reopen_file(name, id);
		if (nfd < 0)
			return -1;
		*fd = nfd;
	}
}

const char *vt_file_error(int err)
{
	return err == ESTALE ? "the program closed or replaced vt's file descriptor"
			     : strerror(err);
}

/*
 * The program may close vt's descriptors at any moment (os.closerange in another thread,
 * while the writer holds one) and open files of its own on the same numbers. So vt checks
 * that a descriptor still is the file it opened before it closes it, never closes one
 * that is not, and opens again (VT_FD_TRIES), when it lost the descriptor between the
 * open and the first look at it.
 */
static int same_file(const struct stat *a, dev_t dev, ino_t ino)
{
	return a->st_dev == dev && a->st_ino == ino;
}

/* 1 if @fd is (still) the file @dev:@ino */
static int fd_is(int fd, dev_t dev, ino_t ino)
{
	struct stat st;

	return fstat(fd, &st) == 0 && same_file(&st, dev, ino);
}

void vt_close_file(int fd, const struct vt_fileid *id)
{
	if (fd >= 0 && fd_is(fd, id->dev, id->ino))
		close(fd);
}

/*
 * Move @fd, opened on @st, out of the low numbers that programs tend to assume are theirs.
 * The new descriptor, @fd itself if there is none to be had above 512, or -1 with errno
 * EBADF if the program took @fd first.
 */
static int high_fd(int fd, const struct stat *st)
{
	int h = fcntl(fd, F_DUPFD_CLOEXEC, 512);

	if (h < 0)
		return errno == EBADF ? -1 : fd;
	if (!fd_is(h, st->st_dev, st->st_ino)) {
		close(h); /* a copy of the program's file, made after it took the number */
		errno = EBADF;
		return -1;
	}
	if (fd_is(fd, st->st_dev, st->st_ino))
		close(fd);
	return h;
}

/* bytes written to the trace directory by all processes of the run (VT_MAX_SIZE): a
 * counter in a small file of the directory, mapped shared, so forks, execs and
 * unrelated children of the run all add to the same number */
static uint64_t *g_size_total;
static int g_cap_hit;

static void size_counter_open(void)
{
	char path[sizeof(vt_cfg.output) + 16];
	int fd;
	struct stat st;
	void *m;

	if (!vt_cfg.max_size || g_size_total)
		return;
	snprintf(path, sizeof(path), "%s/.vt-size", vt_cfg.output);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return; /* the program took the number: not ours to close */
	m = st.st_size >= 4096 || ftruncate(fd, 4096) == 0
		    ? mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
		    : MAP_FAILED;
	if (fd_is(fd, st.st_dev, st.st_ino))
		close(fd);
	if (m != MAP_FAILED)
		g_size_total = m;
}

int vt_reserve(size_t bytes)
{
	uint64_t total;

	if (!g_size_total)
		return 0;
	if (g_cap_hit)
		return -1;
	total = __atomic_add_fetch(g_size_total, bytes, __ATOMIC_RELAXED);
	if (total <= vt_cfg.max_size)
		return 0;
	__atomic_sub_fetch(g_size_total, bytes, __ATOMIC_RELAXED);
	g_cap_hit = 1;
	vt_proc_mark("vt: trace size cap reached (VT_MAX_SIZE); recording stopped");
	vt_stop("the trace directory reached VT_MAX_SIZE");
	return -1;
}

/*
 * check_dir - the trace directory is there and is still the one vt made. It is created on
 * first use and its identity kept: one found in its place later (removed and made again,
 * or a symlink) is refused. vt looks at it by path (lstat) and holds no descriptor of it:
 * the program may close any descriptor at any time (os.closerange in another thread), and
 * a program that lists its own (CPython's test_subprocess checks that a child has only
 * those it passed) sees none of ours until a thread's file opens. 0, or -1 with one vt:
 * line and tracing stopped.
 */
static int check_dir(void)
{
	const char *dir = vt_cfg.output;
	struct stat st;

	pthread_mutex_lock(&g_dir_lock);
	if (!g_dir_made && mkdir(dir, 0700) < 0 && errno != EEXIST) {
		vt_log("cannot create trace directory '%s': %s; tracing off", dir, strerror(errno));
		goto fail;
	}
	if (lstat(dir, &st) < 0) {
		vt_log("cannot open trace directory '%s': %s; tracing off", dir, strerror(errno));
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		vt_log("cannot open trace directory '%s': %s; tracing off", dir,
		       S_ISLNK(st.st_mode) ? "it is a symbolic link, not followed"
					   : strerror(ENOTDIR));
		goto fail;
	}
	if (st.st_uid != geteuid()) {
		vt_log("trace directory '%s' belongs to another user; tracing off", dir);
		goto fail;
	}
	if (!g_dir_made) {
		fileid_set(&g_dir_id, &st);
		g_dir_made = 1;
		size_counter_open();
	} else if (!same_file(&st, g_dir_id.dev, g_dir_id.ino)) {
		vt_log("trace directory '%s' was replaced while tracing; tracing off", dir);
		goto fail;
	}
	pthread_mutex_unlock(&g_dir_lock);
	return 0;
fail:
	pthread_mutex_unlock(&g_dir_lock);
	vt_stop(NULL);
	return -1;
}

/* the path of @name in the trace directory (VT_OUTPUT is absolute) */
#define VT_FILE_PATH_MAX (sizeof(vt_cfg.output) + 100)
static void file_path(char *path, const char *name)
{
	snprintf(path, VT_FILE_PATH_MAX, "%s/%s", vt_cfg.output, name);
}

/*
 * The files are opened by path, O_NOFOLLOW, and a new one with O_EXCL: the directory is
 * checked before (check_dir) and after, and the descriptor against what the path names
 * (a program's closerange in another thread may have taken it in between).
 */
int vt_open_file(const char *name, struct vt_fileid *id)
{
	char path[VT_FILE_PATH_MAX];
	struct stat st, at;
	int tries, fd, h, ok, made = 0;

	file_path(path, name);
	for (tries = 0; tries <= VT_FD_TRIES; tries++) {
		if (tries)
			sched_yield(); /* the program closed what the last round opened */
		if (check_dir() < 0)
			return -1;
		/* once made, the file is opened again (the program took its descriptor) */
		fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | (made ? 0 : O_CREAT | O_EXCL),
			  0600);
		if (fd < 0) {
			vt_log("cannot create '%s': %s; tracing off", path, strerror(errno));
			vt_stop(NULL);
			return -1;
		}
		made = 1;
		ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && lstat(path, &at) == 0 &&
		     same_file(&st, at.st_dev, at.st_ino);
		if (check_dir() < 0) {
			if (ok)
				close(fd);
			return -1;
		}
		if (ok && (h = high_fd(fd, &st)) >= 0) {
			fileid_set(id, &st);
			return h;
		}
	}
	vt_log("the program keeps closing vt's descriptors in '%s'; tracing off", vt_cfg.output);
	vt_stop(NULL);
	return -1;
}

int vt_reopen_file(const char *name, const struct vt_fileid *id)
{
	char path[VT_FILE_PATH_MAX];
	struct stat st, at;
	int tries, fd, h, err;

	file_path(path, name);
	for (tries = 0; tries <= VT_FD_TRIES; tries++) {
		if (tries)
			sched_yield(); /* the program closed what the last round opened */
		fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -1;
		if (fstat(fd, &st) == 0 && same_file(&st, id->dev, id->ino)) {
			if ((h = high_fd(fd, &st)) < 0)
				continue;
			/* a write cut short when the descriptor went away: the whole chunk is
			 * written again after the last one that was */
			if ((uint64_t)st.st_size > id->size && ftruncate(h, (off_t)id->size) < 0) {
				err = errno;
				vt_close_file(h, id);
				errno = err;
				return -1;
			}
			return h;
		}
		/* another file of that name now (vt's was removed), or the program took fd */
		if (lstat(path, &at) == 0 && !same_file(&at, id->dev, id->ino)) {
			if (fd_is(fd, at.st_dev, at.st_ino))
				close(fd);
			errno = ESTALE;
			return -1;
		}
	}
	errno = ESTALE;
	return -1;
}

size_t vt_header(uint8_t buf[VT_HEADER_BUF], const char *kind, pid_t tid)
{
	const char *mode = vt_cfg.ring ? "ring" : "stream";
	const char *clock = vt_use_tsc ? VT_CLOCK_TSC : VT_CLOCK_NS;
	struct vt_header_keys h = {
		.kind = kind, .kind_len = strlen(kind),
		.mode = mode, .mode_len = strlen(mode),
		.pid = (uint64_t)vt_pid,
		.ppid = (uint64_t)getppid(),
		.tid = (uint64_t)tid,
		.token = vt_token,
		.clock = clock, .clock_len = strlen(clock),
		.tsc_hz = vt_tsc_hz,
		.tsc_shift = vt_tsc_shift,
		.clock0 = vt_clock0,
		.mono0 = vt_mono0,
		.real0 = vt_real0,
		.py = vt_pyversion, .py_len = strlen(vt_pyversion),
	};

	return vt_put_header(buf, &h);
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

static void chunk_start(struct vt_thread *t)
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

struct vt_thread *vt_thread_new(void)
{
	struct vt_thread *t;
	size_t cap = vt_cfg.chunk_size;
	int spare;

	if (vt_state != VT_ST_TRACING)
		return NULL;
	pthread_once(&g_key_once, make_key);
	pthread_mutex_lock(&g_lock);
	t = take_spare();
	pthread_mutex_unlock(&g_lock);
	spare = t != NULL;
	if (!spare && !(t = alloc_thread(cap)))
		return NULL;
	t->limit = cap - VT_CHUNK_HEADROOM;
	t->fd = -1;
	t->tid = vt_gettid();
	t->pid = vt_pid;
	t->name_tries = 256;
	if (vt_stack_guards) /* the main thread's bounds come from /proc/self/maps: only if used */
		t->stack_guard = stack_guard();
	t->resync_stack = vt_windowed; /* recording may start under frames already running */
	t->pending = 1;
	t->limit = 0; /* see vt_pending_hook */
	chunk_start(t);
	t->fresh = 1;
	pthread_setspecific(g_key, t);
	if (spare) {
		__atomic_store_n(&t->dead, 0, __ATOMIC_RELEASE);
	} else {
		pthread_mutex_lock(&g_lock);
		t->next = g_threads;
		g_threads = t;
		pthread_mutex_unlock(&g_lock);
	}
	vt_t = t;
	return t;
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
	clen = LZ4_compress_fast_extState(lz4, (const char *)raw, cbuf + VT_CHUNK_HDR_LEN,
					  (int)len, (int)t->cbuf_cap, 1);
	if (clen <= 0) {
		errno = EINVAL;
		goto fail;
	}
	vt_chunk_header((uint8_t *)cbuf, (uint32_t)len, (uint32_t)clen);
	if (vt_cfg.ring)
		return vt_ring_store(t, cbuf, (size_t)clen + VT_CHUNK_HDR_LEN);
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
static void writer_stop(void)
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
static void wait_written(struct vt_thread *t)
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
	wait_written(t);
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
	t->flushing = 1;
	if (vt_state == VT_ST_TRACING && !t->dead) {
		c = vt_now();
		p = vt_put_sync(t->buf + t->pos, c, vt_use_tsc ? vt_mono_ns() : c);
		t->pos = (size_t)(p - t->buf);
		rc = hand_off(t);
		if (rc == 0 || (rc == -1 && write_chunk(t) == 0)) {
			t->events = 0;
			chunk_start(t);
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
	t->limit = 0;
	t->flushing = 0;
	vt_restore_signals(&old);
	errno = saved;
}

int (*vt_pending_hook)(struct vt_thread *t, int ev);

int vt_make_room(struct vt_thread *t, int ev)
{
	int r = 1;

	if (t->in_vt)
		return 0; /* an event of vt's own repr() or str(): not the program's */
	if (t->pending && vt_state == VT_ST_TRACING && !t->dead) {
		t->limit = vt_cfg.chunk_size - VT_CHUNK_HEADROOM;
		if (vt_pending_hook)
			r = vt_pending_hook(t, ev); /* may clear t->pending */
		if (t->pending)
			t->limit = 0;
		if (!r)
			return 0;
		if (t->pos < vt_cfg.chunk_size - VT_CHUNK_HEADROOM)
			return r;
		t->limit = vt_cfg.chunk_size - VT_CHUNK_HEADROOM;
	}
	if (vt_state == VT_ST_TRACING && !t->dead && t->limit)
		vt_flush(t);
	if (t->pos < vt_cfg.chunk_size - VT_CHUNK_HEADROOM && t->limit) {
		if (t->pending)
			t->limit = 0; /* the pending work goes on at the next event */
		return r;
	}
	t->lost++;
	return 0;
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
	wait_written(t); /* its chunks stay in order */
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
	t->limit = 0;
	if (t->fd >= 0 && !vt_cfg.ring) {
		vt_close_file(t->fd, &t->fid);
		t->fd = -1;
	}
	vt_restore_signals(&old);
	errno = saved;
}

void vt_flush_all(unsigned reason, int from_signal)
{
	struct vt_thread *t;
	int locked = 0;

	if (getpid() != vt_pid)
		return;
	if (from_signal)
		g_in_signal = 1; /* wait for the writer by polling; write the rest inline */
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
		if (t->flushing)
			continue; /* still busy: its data up to its last chunk is on disk */
		if (from_signal ? !vt_xtrylock(t) : (vt_xlock(t), 0))
			continue; /* in a native call's recording all this time: leave it */
		vt_thread_finish(t, reason);
		vt_xunlock(t);
	}
	if (locked)
		pthread_mutex_unlock(&g_lock);
	if (vt_cfg.ring && (!from_signal || vt_dump_in_signal))
		vt_ring_dump(from_signal);
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
	return g_threads;
}

static void atfork_prepare(void)
{
	writer_stop(); /* every handed chunk written; restarted by the next one */
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
		vt_ring_forget(t); /* the parent's window is the parent's to write */
		if (t == self)
			continue;
		t->dead = 1;
		t->ended = 1;
		t->inflight = 0; /* the parent's writer writes it, in the parent */
	}
	pthread_mutex_init(&g_lock, NULL);
	pthread_mutex_init(&g_dir_lock, NULL);
	pthread_mutex_init(&g_wlock, NULL);
	pthread_cond_init(&g_wwork, NULL);
	pthread_cond_init(&g_wdone, NULL);
	g_wq_head = g_wq_tail = NULL;
	g_writer_on = 0;
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
		self->limit = vt_cfg.chunk_size - VT_CHUNK_HEADROOM;
		self->name_tries = 0;
		self->resync = 1;
		self->pending = 1;
		self->limit = 0; /* see vt_pending_hook */
		/* its ids must be defined again in the child's file */
		memset(self->idc, 0, sizeof(self->idc));
		/* the child writes new files: every id must be defined again */
		if (self->defined)
			memset(self->defined, 0, self->defined_bits / 8);
		chunk_start(self); /* drop the parent's unflushed events */
	}
}

void vt_threads_atfork_register(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, NULL);
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
		t->limit = 0; /* see vt_pending_hook */
	}
	pthread_mutex_unlock(&g_lock);
}

void vt_threads_flush_live(void)
{
	struct vt_thread *t;

	if (getpid() != vt_pid)
		return;
	/* with the GIL held no thread is inside a callback writing its buffer */
	pthread_mutex_lock(&g_lock);
	for (t = g_threads; t; t = t->next) {
		if (t->dead || t->pid != vt_pid || t->pos <= t->chunk_base)
			continue;
		vt_xlock(t); /* a native call may be recording in it without the GIL */
		vt_flush(t);
		vt_xunlock(t);
		wait_written(t);
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
		wait_written(t);
	}
	pthread_mutex_unlock(&g_lock);
}

void vt_stop(const char *why)
{
	struct vt_thread *t;

	if (vt_state != VT_ST_TRACING)
		return;
	vt_state = VT_ST_STOPPED;
	if (!__sync_lock_test_and_set(&g_stopped_msg, 1) && why)
		vt_log("%s; tracing stopped, the program continues", why);
	/* make every thread take the slow path on its next event (it counts it as lost) */
	for (t = g_threads; t; t = t->next)
		t->limit = 0;
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
	const struct vt_def *d = &vt_defs[id];

	vt_define_with(t, id, d->kind, d->name, d->name_len, d->file, d->file_len, d->line);
}
