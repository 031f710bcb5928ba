/*
 * proc.c - the process file: one per process image, p<pid>.<token>.proc.vt.
 *
 * It holds a PROC record (pid, ppid, argv, executable, working directory, Python
 * version, clock anchors) written when tracing starts, and an EXIT record written when
 * the process ends (exit, _exit, exec or a fatal signal). vt-convert names process
 * tracks and orders the process tree from it.
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/vt.h"

/* the process file, when written: its name and what it is. It is open only while vt
 * writes to it, so the program never holds a descriptor of ours it does not expect. */
static char g_proc_name[96];
static int g_proc_ok;
static struct vt_fileid g_proc_fid;
/* an EXIT record was written */
static int g_exited;
/* the process file is written (or failed): do not try again */
static int g_proc_done;
/* lz4 state for the few chunks this file gets; static so the signal path needs no malloc */
static LZ4_stream_t g_lz4;
/* the thread writing to the process file (0: none): marks, the exit record and the
 * start can come from several threads at once, and share g_lz4 and g_proc_fid. Not a
 * mutex: the exit record is written from a fatal signal's handler too. */
static pid_t g_proc_owner;

/* 0 with the process file to ourselves, or -1 if this thread already has it */
static int proc_lock(void)
{
	pid_t me = (pid_t)syscall(SYS_gettid), free_;

	for (;;) {
		free_ = 0;
		if (__atomic_compare_exchange_n(&g_proc_owner, &free_, me, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 0;
		if (free_ == me)
			return -1;
		sched_yield(); /* a few hundred bytes are being written: not for long */
	}
}

static void proc_unlock(void)
{
	__atomic_store_n(&g_proc_owner, 0, __ATOMIC_RELEASE);
}

#define ARGV_MAX 16384

/*
 * append a chunk to the process file, opened again by name for it: the program may have
 * closed every descriptor since the last one, even while this one is written (then the
 * file is opened again, what was cut short cut off, and the chunk written again).
 * Under proc_lock.
 */
static int write_chunk(const uint8_t *raw, size_t len)
{
	char out[LZ4_COMPRESSBOUND(VT_REC_PROC_MAX(ARGV_MAX) + 32) + VT_CHUNK_HDR_LEN];
	int clen = LZ4_compress_fast_extState(&g_lz4, (const char *)raw, out + VT_CHUNK_HDR_LEN,
					      (int)len, (int)sizeof(out) - VT_CHUNK_HDR_LEN, 1);
	int rc, fd, err;

	if (clen <= 0)
		return -1;
	vt_chunk_header((uint8_t *)out, (uint32_t)len, (uint32_t)clen);
	fd = vt_reopen_file(g_proc_name, &g_proc_fid);
	if (fd < 0)
		return -1;
	/* not counted against VT_MAX_SIZE: a few hundred bytes that say what happened */
	rc = vt_write_again(&fd, &g_proc_fid, g_proc_name, out, (size_t)clen + VT_CHUNK_HDR_LEN);
	err = errno;
	vt_close_file(fd, &g_proc_fid);
	errno = err;
	return rc;
}

/* argv from /proc/self/cmdline, NUL-separated, into @buf; its length (at most ARGV_MAX) */
static size_t read_argv(char buf[ARGV_MAX])
{
	ssize_t n = 0, r;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		while (n < ARGV_MAX && (r = read(fd, buf + n, ARGV_MAX - (size_t)n)) > 0)
			n += r;
		close(fd);
	}
	return (size_t)n;
}

void vt_proc_start(void)
{
	static uint8_t raw[VT_REC_PROC_MAX(ARGV_MAX) + 32];
	static char argv[ARGV_MAX];
	uint8_t hdr[VT_HEADER_BUF];
	char exe[1024], cwd[1024];
	struct vt_proc_keys h = {
		.pid = (uint64_t)vt_pid,
		.ppid = (uint64_t)getppid(),
		.mono0 = vt_mono0,
		.real0 = vt_real0,
		.min_dur = vt_cfg.min_dur_ns, /* VT_MIN_DURATION: the converter's default */
	};
	uint8_t *p = raw;
	ssize_t n;
	int fd;
	sigset_t old;

	old = vt_block_signals();
	if (__atomic_load_n(&g_proc_done, __ATOMIC_ACQUIRE) || proc_lock() < 0) {
		vt_restore_signals(&old);
		return;
	}
	if (g_proc_done) /* another thread wrote it while this one waited */
		goto out;
	__atomic_store_n(&g_proc_done, 1, __ATOMIC_RELEASE);
	vt_cap_hook = vt_proc_mark; /* the size cap's note (file.c) */
	snprintf(g_proc_name, sizeof(g_proc_name), "p%d.%016llx.proc.vt", (int)vt_pid,
		 (unsigned long long)vt_token);
	g_exited = 0;
	fd = vt_open_file(g_proc_name, &g_proc_fid);
	if (fd < 0)
		goto out;
	if (vt_write_again(&fd, &g_proc_fid, g_proc_name, hdr, vt_header(hdr, "process", 0)) < 0)
		goto fail;
	vt_close_file(fd, &g_proc_fid);
	fd = -1;
	n = readlink("/proc/self/exe", exe, sizeof(exe));
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = 0;
	h.argv = argv;
	h.argv_len = read_argv(argv);
	h.exe = exe;
	h.exe_len = n > 0 ? (size_t)n : 0;
	h.cwd = cwd;
	h.cwd_len = strlen(cwd);
	h.py = vt_pyversion;
	h.py_len = strlen(vt_pyversion);
	p = vt_put_sync(p, vt_clock0, vt_mono0);
	p = vt_put_proc(p, &h);
	if (write_chunk(raw, (size_t)(p - raw)) < 0)
		goto fail;
	g_proc_ok = 1;
	goto out;
fail:
	vt_log("cannot write the process file in '%s': %s", vt_cfg.output, vt_file_error(errno));
	vt_close_file(fd, &g_proc_fid);
	vt_stop(NULL);
out:
	proc_unlock();
	vt_restore_signals(&old);
}

void vt_proc_exit(unsigned how, int64_t code)
{
	uint8_t raw[64], *p = raw;
	uint64_t c;
	int saved = errno;

	sigset_t old;

	if (!g_proc_ok || g_exited || getpid() != vt_pid)
		return;
	old = vt_block_signals();
	if (proc_lock() == 0) {
		if (!g_exited) {
			c = vt_now();
			p = vt_put_sync(p, c, vt_use_tsc ? vt_mono_ns() : c);
			p = vt_put_exit(p, 0, how, code);
			write_chunk(raw, (size_t)(p - raw));
			if (how != VT_EXIT_EXEC)
				g_exited = 1;
		}
		proc_unlock();
	}
	vt_restore_signals(&old);
	errno = saved;
}

void vt_proc_mark(const char *text)
{
	uint8_t raw[512], *p = raw;
	uint64_t c;
	sigset_t old;

	if (!g_proc_ok || getpid() != vt_pid)
		return;
	old = vt_block_signals();
	if (proc_lock() == 0) {
		c = vt_now();
		p = vt_put_sync(p, c, vt_use_tsc ? vt_mono_ns() : c);
		p = vt_put_text_rec(p, VT_REC_MARK, 0, text, strnlen(text, 256));
		write_chunk(raw, (size_t)(p - raw));
		proc_unlock();
	}
	vt_restore_signals(&old);
}

void vt_proc_atfork_child(void)
{
	g_proc_owner = 0; /* a thread of the parent's that held it does not exist here */
	g_proc_ok = 0;
	g_exited = 0;
	g_proc_done = 0;
}
