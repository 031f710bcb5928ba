/*
 * attach.c - vt attach: recording in an interpreter that is already running, and
 * leaving it as it was.
 *
 * `vt attach PID` (tools/vt) has the target run a small script at its next safe point
 * (sys.remote_exec, 3.14+) that loads libvt.so with ctypes and calls vt_attach(): the
 * constructor saw a running interpreter and did nothing (init.c), vt_attach_begin read the
 * settings it was given, and py_attach_start, here, installs the sys.monitoring hook as a
 * delayed start does (every thread names the frames it has open at its next event).
 *
 * A thread of vt's own (the control thread) then waits for the end: a file named stop in
 * the session directory (vt detach, Ctrl-C in vt attach), or the duration. It takes the
 * GIL (PyGILState_Ensure: a main thread blocked in a C call need not run anything) and
 * detaches: events off, the tool id given back, every thread's file finished and closed,
 * the writer thread ended; then writes the file detached, and ends. The library stays
 * loaded, inert; a later attach uses it again. No audit hook, no signal handler, no
 * exec or fork wrapper is installed (a dlopened library interposes nothing).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preload/py/hook.h"

static struct {
	int attached;            /* recording, or being detached */
	int sessions;            /* attaches so far in this process */
	char dir[1024];          /* the session directory of vt attach */
	uint64_t until;          /* the end of --duration, CLOCK_MONOTONIC ns (0: none) */
	pthread_mutex_t lock;    /* one attach or detach at a time */
} g_att = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void on_exit_status(int status, void *arg)
{
	(void)arg;
	vt_exit_code = status;
	vt_exit_code_known = 1;
}

/*
 * The control thread. It does not live across a fork: 3.12+ warn on the program's stderr
 * when it forks with other threads, so it ends first (and the writer thread too, as under
 * the preload), and a pending call starts it again once the fork is over.
 */
static struct {
	pthread_mutex_t m;
	pthread_cond_t c;  /* wakes it to end */
	pthread_t th;
	int running;       /* it exists and is joinable */
	int quit;          /* it is asked to end */
	int busy;          /* it is detaching (may wait for the GIL): it ends by itself */
	int restart;       /* ended for a fork: start it again after */
} g_ctl = { .m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER };

static void *control_main(void *arg);

static void control_start(void)
{
	sigset_t all, old;

	pthread_mutex_lock(&g_ctl.m);
	g_ctl.quit = 0;
	g_ctl.busy = 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* it inherits: no signal for it */
	g_ctl.running = pthread_create(&g_ctl.th, NULL, control_main,
				       (void *)(intptr_t)g_att.sessions) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_mutex_unlock(&g_ctl.m);
}

/* end the control thread and wait for it, unless it is detaching; 1 when it ended */
static int control_stop(void)
{
	pthread_t th;

	pthread_mutex_lock(&g_ctl.m);
	if (!g_ctl.running || g_ctl.busy) {
		pthread_mutex_unlock(&g_ctl.m);
		return 0;
	}
	g_ctl.quit = 1;
	th = g_ctl.th;
	pthread_cond_signal(&g_ctl.c);
	pthread_mutex_unlock(&g_ctl.m);
	pthread_join(th, NULL);
	pthread_mutex_lock(&g_ctl.m);
	g_ctl.running = 0;
	pthread_mutex_unlock(&g_ctl.m);
	return 1;
}

/* a pending call, in the main thread after a fork */
static int control_restart(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&g_att.lock);
	if (g_att.attached && !g_ctl.running)
		control_start();
	pthread_mutex_unlock(&g_att.lock);
	return 0;
}

static void fork_prepare(void)
{
	if (!g_att.attached)
		return;
	g_ctl.restart = control_stop();
	vt_writer_stop(); /* the next full chunk starts it again */
}

static void fork_parent(void)
{
	if (g_ctl.restart && py.AddPendingCall)
		py.AddPendingCall(control_restart, NULL);
	g_ctl.restart = 0;
}

/* a fork child of an attached process is not traced: its events are dropped */
static void fork_child(void)
{
	if (g_att.attached && vt_state == VT_ST_TRACING)
		vt_state = VT_ST_STOPPED; /* its pid is not vt_pid: nothing is written */
	g_att.attached = 0;
	pthread_mutex_init(&g_att.lock, NULL);
	pthread_mutex_init(&g_ctl.m, NULL);
	pthread_cond_init(&g_ctl.c, NULL);
	g_ctl.running = g_ctl.restart = 0;
}

/* the file @name of the session directory, made whole with @text in it */
static void session_file(const char *name, const char *text)
{
	char path[sizeof(g_att.dir) + 32], tmp[sizeof(path) + 8];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", g_att.dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) == (ssize_t)strlen(text))
		rename(tmp, path);
	close(fd);
}

static int session_has(const char *name)
{
	char path[sizeof(g_att.dir) + 32];

	snprintf(path, sizeof(path), "%s/%s", g_att.dir, name);
	return access(path, F_OK) == 0;
}

/* everything vt_attach set up, undone; the GIL held, g_att.lock held */
static void detach_locked(void)
{
	if (!g_att.attached)
		return;
	if (vt_state == VT_ST_TRACING || vt_state == VT_ST_STOPPED) {
		py_set_recording(0);
		if (py_h.cur)
			py_h.cur->stop();
		py_mon_release();
		vt_flush_all(VT_END_EXIT, 0);
	}
	vt_state = VT_ST_INERT;
	py_h.cur = NULL;
	vt_writer_stop();
	vt_log_close();
	g_att.attached = 0;
}

/*
 * The control thread of attach number @arg: every 20 ms it looks for the file stop and
 * at the clock, then detaches. Asked to end (control_stop), it ends.
 */
static void *control_main(void *arg)
{
	int mine = (int)(intptr_t)arg, s;

	pthread_mutex_lock(&g_ctl.m);
	while (!g_ctl.quit) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&g_ctl.c, &g_ctl.m, &ts);
		if (g_ctl.quit)
			break;
		if (g_att.sessions != mine || !g_att.attached ||
		    session_has("stop") || (g_att.until && vt_mono_ns() >= g_att.until)) {
			/* no one joins it now: it may wait for the GIL, held by a fork */
			g_ctl.busy = 1;
			g_ctl.running = 0;
			pthread_detach(pthread_self());
			break;
		}
	}
	pthread_mutex_unlock(&g_ctl.m);
	if (!g_ctl.busy || g_att.sessions != mine || !g_att.attached)
		return NULL;
	if (py.IsFinalizing && py.IsFinalizing())
		return NULL; /* the process is ending: its destructor writes the trace */
	s = py.GILStateEnsure();

	pthread_mutex_lock(&g_att.lock);
	if (g_att.attached && g_att.sessions == mine) {
		detach_locked();
		session_file("detached", "0\n");
	}
	pthread_mutex_unlock(&g_att.lock);
	py.GILStateRelease(s);
	return NULL;
}

/* the second and later attach: what the last one left, made new */
static void fresh_session(void)
{
	vt_intern_reset();
	vt_proc_atfork_child(); /* forget the last process file, as a fork child does */
	vt_file_reset();
	vt_threads_revive();
}

/*
 * Start recording in every thread (the GIL held, vt_attach_begin done); @dir: the
 * session directory, @duration_ms: 0 or when to detach. 0, or -1 with one vt: line.
 */
static int attach_start(const char *dir, long long duration_ms)
{
	struct timespec ms = { 0, 2 * 1000 * 1000 };

	if (vt_state != VT_ST_WAITING)
		return -1;
	if (!vt_pyv.has_monitoring) {
		vt_log("vt attach needs sys.monitoring (Python 3.12+)");
		goto fail;
	}
	if (py.InterpGet() != py.InterpMain()) {
		vt_log("vt attach runs in the main interpreter only");
		goto fail;
	}
	snprintf(g_att.dir, sizeof(g_att.dir), "%s", dir ? dir : "");
	g_att.until = duration_ms > 0 ? vt_mono_ns() + (uint64_t)duration_ms * 1000000u : 0;
	if (g_att.sessions++)
		fresh_session();
	else {
		pthread_atfork(fork_prepare, fork_parent, fork_child);
		on_exit(on_exit_status, NULL);
	}
	vt_tsc_hz = 0;
	if (vt_use_tsc) {
		/* the TSC's rate over 2 ms (a preloaded vt measures it over the start-up) */
		uint64_t c, m;

		/* raw ticks again: a second attach finds the first one's unit in vt_tsc_shift */
		vt_tsc_shift = 0;
		vt_clock0 = vt_rdtsc();
		vt_mono0 = vt_mono_ns();
		nanosleep(&ms, NULL);
		c = vt_rdtsc();
		m = vt_mono_ns();
		vt_tsc_hz = vt_tsc_unit((uint64_t)((double)(c - vt_clock0) * 1e9 /
						   (double)(m - vt_mono0)));
	}
	vt_pending_hook = pending_work;
	py_f.gate = GATE_NONE;
	slow_update();
	vt_windowed = 1; /* each thread names the frames it has open (STACK) at its next event */
	vt_state = VT_ST_TRACING;
	g_att.attached = 1;
	vt_proc_start();
	if (vt_state != VT_ST_TRACING)
		goto undo;
	if (!vt_pyapi_frame_layout_ok()) {
		vt_log("unexpected frame layout in Python %s; not attached", vt_pyversion);
		goto undo;
	}
	py_set_recording(0);
	if (vt_hook_monitoring.install() != 0) {
		vt_log("no free sys.monitoring tool id (3 and 4 are taken by other tools); not "
		       "attached");
		goto undo;
	}
	py_h.cur = &vt_hook_monitoring;
	control_start();
	if (!g_ctl.running) {
		vt_log("cannot start vt's control thread; not attached");
		goto undo;
	}
	/* before recording: the script's own Python code after this is not the program's */
	session_file("started", "0\n");
	py_hooks_on();
	return 0;
undo:
	detach_locked();
	return -1;
fail:
	vt_state = VT_ST_INERT;
	vt_log_close();
	return -1;
}

int py_attach(const char *dir, long long duration_ms)
{
	int rc;

	pthread_mutex_lock(&g_att.lock);
	rc = g_att.attached ? -1 : attach_start(dir, duration_ms);
	pthread_mutex_unlock(&g_att.lock);
	return rc;
}

void py_detach(void)
{
	control_stop();
	pthread_mutex_lock(&g_att.lock);
	if (g_att.attached) {
		detach_locked();
		session_file("detached", "0\n");
	}
	pthread_mutex_unlock(&g_att.lock);
}
