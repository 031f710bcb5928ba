/*
 * file.c - vt's files: fd-safe I/O, the trace directory, the size cap, the file header,
 * and the signal mask around a write.
 *
 * The program may close or take vt's descriptors at any moment (os.closerange, dup2), so
 * every write checks that the descriptor still is vt's file, and opens it again by name
 * when the program took it. Files are made O_EXCL | O_NOFOLLOW, mode 0600, in a
 * directory vt made (0700) and checks before and after each open.
 *
 * Layer: above state/log/clock and the codec; calls nothing above it. When the size cap
 * is reached it leaves a note through vt_cap_hook (proc.c sets it).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preload/vt.h"

/* the trace directory: what it was when vt made or first opened it */
static struct vt_fileid g_dir_id;
static int g_dir_made;
static pthread_mutex_t g_dir_lock = PTHREAD_MUTEX_INITIALIZER;

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
void (*vt_cap_hook)(const char *note);

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
	if (vt_cap_hook)
		vt_cap_hook("vt: trace size cap reached (VT_MAX_SIZE); recording stopped");
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

void vt_file_reset(void)
{
	pthread_mutex_lock(&g_dir_lock);
	g_dir_made = 0;
	pthread_mutex_unlock(&g_dir_lock);
	if (g_size_total)
		munmap(g_size_total, 4096);
	g_size_total = NULL;
	g_cap_hit = 0;
}

void vt_file_atfork_child(void)
{
	pthread_mutex_init(&g_dir_lock, NULL);
}
