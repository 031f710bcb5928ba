/*
 * log.c - vt's own messages: "vt: ..." lines to the file named by VT_LOG, or stderr.
 * Never to stdout, which belongs to the traced program. And vt_stop: when vt fails, one
 * such line, then tracing stops and the program goes on.
 *
 * Layer: above state.c only. vt_stop reaches the threads through vt_stop_hook (thread.c
 * sets it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "preload/vt.h"

static int g_log_fd = -2;
/* vt attach: the process's stderr is not vt's to write to (VT_LOG names vt attach's file) */
int vt_log_no_stderr;

static int log_fd(void)
{
	if (g_log_fd != -2)
		return g_log_fd;
	g_log_fd = vt_log_no_stderr ? -1 : 2;
	if (vt_cfg.log[0]) {
		int f = open(vt_cfg.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

		if (f >= 0)
			g_log_fd = f;
	}
	return g_log_fd;
}

void vt_log_raw(const char *msg)
{
	int saved = errno;
	size_t len = strlen(msg);
	int fd = log_fd();

	if (fd < 0)
		return;
	while (len) {
		ssize_t n = write(fd, msg, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		msg += n;
		len -= (size_t)n;
	}
	errno = saved;
}

void vt_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int saved = errno;
	int n;

	memcpy(line, "vt: ", 4);
	va_start(ap, fmt);
	n = vsnprintf(line + 4, sizeof(line) - 6, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	n += 4;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n] = '\n';
	line[n + 1] = 0;
	vt_log_raw(line);
	errno = saved;
}

void vt_log_close(void)
{
	if (g_log_fd > 2)
		close(g_log_fd);
	g_log_fd = -2;
}

void (*vt_stop_hook)(void);
/* set once by vt_stop */
static volatile int g_stopped_msg;

void vt_stop(const char *why)
{
	if (vt_state != VT_ST_TRACING)
		return;
	vt_state = VT_ST_STOPPED;
	if (!__sync_lock_test_and_set(&g_stopped_msg, 1) && why)
		vt_log("%s; tracing stopped, the program continues", why);
	/* make every thread take the slow path on its next event (it counts it as lost) */
	if (vt_stop_hook)
		vt_stop_hook();
}
