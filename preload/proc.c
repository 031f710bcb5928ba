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
	char out[LZ4_COMPRESSBOUND(ARGV_MAX + 8192) + VT_CHUNK_HDR_LEN];
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

static uint8_t *put_key(uint8_t *p, const char *k)
{
	return vt_put_str(p, k, strlen(k));
}

/* argv from /proc/self/cmdline as a msgpack array; at most ARGV_MAX bytes of it */
static uint8_t *put_argv(uint8_t *p)
{
	char buf[ARGV_MAX];
	ssize_t n = 0, r;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	uint32_t count = 0;

	if (fd >= 0) {
		while (n < (ssize_t)sizeof(buf) && (r = read(fd, buf + n, sizeof(buf) - (size_t)n)) > 0)
			n += r;
		close(fd);
	}
	for (ssize_t i = 0; i < n; i++)
		count += buf[i] == 0;
	if (n > 0 && buf[n - 1] != 0)
		count++; /* cut short: the last argument has no NUL */
	p = vt_put_array(p, count);
	for (ssize_t i = 0; i < n;) {
		size_t len = strnlen(buf + i, (size_t)(n - i));

		p = vt_put_str(p, buf + i, len);
		i += (ssize_t)len + 1;
	}
	return p;
}

void vt_proc_start(void)
{
	static uint8_t raw[ARGV_MAX + 8192];
	uint8_t hdr[VT_HEADER_BUF];
	char path[1024];
	uint8_t *p = raw;
	ssize_t n;
	int fd;
	sigset_t old;

	old = vt_block_signals();
	if (g_proc_done || proc_lock() < 0) {
		vt_restore_signals(&old);
		return;
	}
	if (g_proc_done) /* another thread wrote it while this one waited */
		goto out;
	g_proc_done = 1;
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
	p = vt_put_sync(p, vt_clock0, vt_mono0);
	*p++ = 0x92;
	*p++ = VT_REC_PROC;
	p = vt_put_map(p, 9);
	p = put_key(p, "pid");
	p = vt_put_uint(p, (uint64_t)vt_pid);
	p = put_key(p, "ppid");
	p = vt_put_uint(p, (uint64_t)getppid());
	p = put_key(p, "argv");
	p = put_argv(p);
	p = put_key(p, "exe");
	n = readlink("/proc/self/exe", path, sizeof(path));
	p = vt_put_str(p, path, n > 0 ? (size_t)n : 0);
	p = put_key(p, "cwd");
	if (!getcwd(path, sizeof(path)))
		path[0] = 0;
	p = vt_put_str(p, path, strlen(path));
	p = put_key(p, "py");
	p = vt_put_str(p, vt_pyversion, strlen(vt_pyversion));
	p = put_key(p, "mono0");
	p = vt_put_uint(p, vt_mono0);
	p = put_key(p, "real0");
	p = vt_put_uint(p, vt_real0);
	p = put_key(p, "min_dur"); /* VT_MIN_DURATION: the converter's default --min-dur */
	p = vt_put_uint(p, vt_cfg.min_dur_ns);
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
