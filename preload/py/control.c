/*
 * control.c - recording on and off while the program runs: VT_DELAY and VT_DURATION (a
 * timer thread), VT_START=signal and the flight recorder's dump (VT_SIGNAL), vt.pause(),
 * vt.resume() and vt.flush().
 */
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "preload/py/hook.h"

/* the timer thread (VT_DELAY, VT_DURATION) */
static struct {
	uint64_t at; /* when it should act next, in CLOCK_MONOTONIC ns (0: nothing to do) */
	int start;   /* what it does then: 1 start, 0 stop */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int running; /* started in this process */
} g_timer = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

void py_timer_set(uint64_t at, int start)
{
	pthread_mutex_lock(&g_timer.lock);
	g_timer.at = at;
	g_timer.start = start;
	pthread_cond_signal(&g_timer.cond);
	pthread_mutex_unlock(&g_timer.lock);
}

static void recording_start(void)
{
	py_hooks_on();
	if (vt_cfg.duration_ns && py_h.recording)
		py_timer_set(vt_mono_ns() + vt_cfg.duration_ns, 0);
}

static void recording_stop(void)
{
	py_timer_set(0, 0);
	py_hooks_off();
}

void vt_recording_pause(void)
{
	recording_stop();
}

void vt_recording_resume(void)
{
	recording_start();
}

void vt_flush_now(void)
{
	if (vt_cfg.ring)
		vt_ring_dump_now();
	else
		vt_threads_flush_live();
}

/* runs in the main thread at a safe point (Py_AddPendingCall), with the GIL */
static int timer_fired(void *arg)
{
	if (arg)
		recording_start();
	else
		recording_stop();
	return 0;
}

/*
 * Make the main thread notice a pending call added from the timer thread.
 *
 * Py_AddPendingCall queues the call and sets the "calls to do" flag, but the main thread
 * only looks at that flag when the interpreter's eval_breaker is set. On 3.9-3.12 the
 * function that sets it, COMPUTE_EVAL_BREAKER (ceval.c / ceval_gil.c), counts pending
 * calls only when the thread that calls it can run them: `calls_to_do &&
 * _Py_ThreadCanHandlePendingCalls()` (3.9-3.11), `_Py_IsMainThread() && ...
 * pending_mainthread.calls_to_do` (3.12), and both are false in vt's timer thread. So
 * eval_breaker stays 0, and the call waits until the main thread recomputes it itself:
 * when it takes the GIL back (time.sleep, I/O) or handles a signal. A CPU-bound loop
 * never does, and VT_DELAY/VT_DURATION never fired there. 3.8 sets eval_breaker
 * unconditionally, and 3.13 sets the main thread's _PY_CALLS_TO_DO_BIT from any thread.
 *
 * The timer thread takes the GIL for a moment (PyGILState_Ensure/Release: public API,
 * a thread state that lives for that moment and runs no Python code). Asking for the
 * GIL sets gil_drop_request, which sets eval_breaker for any thread; the main thread
 * gives the GIL up at its next check, and when it takes it back take_gil recomputes
 * eval_breaker in the main thread, which now counts the pending call (3.9-3.11 run it
 * even before giving the GIL up). A main thread that is already waiting (sleep, I/O)
 * just goes on waiting; it recomputes when it wakes, as before.
 */
static void wake_main(void)
{
	int s;

	if (!vt_pyv.pending_needs_wake || !py.GILStateEnsure || !py.GILStateRelease ||
	    !py.IsInitialized() || (py.IsFinalizing && py.IsFinalizing()))
		return;
	s = py.GILStateEnsure();
	py.GILStateRelease(s);
}

/*
 * A plain pthread (not a Python thread: the program does not see it) that sleeps until
 * the next deadline and asks the interpreter to run timer_fired at its next safe point.
 */
static void *timer_main(void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals belong to the program's threads */
	pthread_mutex_lock(&g_timer.lock);
	for (;;) {
		uint64_t now = vt_mono_ns();

		if (g_timer.at && now >= g_timer.at) {
			int start = g_timer.start;

			g_timer.at = 0;
			pthread_mutex_unlock(&g_timer.lock);
			py.AddPendingCall(timer_fired, start ? (void *)1 : NULL);
			wake_main();
			pthread_mutex_lock(&g_timer.lock);
			continue;
		}
		if (g_timer.at) {
			struct timespec ts;
			uint64_t real = vt_real_ns() + (g_timer.at - now);

			ts.tv_sec = (time_t)(real / 1000000000u);
			ts.tv_nsec = (long)(real % 1000000000u);
			pthread_cond_timedwait(&g_timer.cond, &g_timer.lock, &ts);
		} else {
			pthread_cond_wait(&g_timer.cond, &g_timer.lock);
		}
	}
	return NULL;
}

void py_timer_thread_start(void)
{
	pthread_t th;
	pthread_attr_t at;

	if (g_timer.running)
		return;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, timer_main, NULL) == 0)
		g_timer.running = 1;
	else
		vt_log("cannot start the timer thread for VT_DELAY/VT_DURATION");
	pthread_attr_destroy(&at);
}

/* a fork child has no timer thread: start its own if a deadline is pending */
void vt_control_atfork_child(void)
{
	g_timer.running = 0;
	pthread_mutex_init(&g_timer.lock, NULL);
	pthread_cond_init(&g_timer.cond, NULL);
	if (g_timer.at)
		py_timer_thread_start();
}

/* the VT_SIGNAL handler, run by Python's signal machinery in the main thread */
static PyObject *on_toggle_signal(PyObject *self, PyObject *args)
{
	(void)self;
	(void)args;
	if (vt_cfg.ring && !vt_cfg.start_signal)
		vt_ring_dump_now(); /* the flight recorder writes out its window */
	else if (py_h.recording)
		recording_stop();
	else
		recording_start();
	py.IncRef(py.None);
	return py.None;
}

static struct vt_methoddef toggle_def = { "vt_toggle_recording", (void *)on_toggle_signal,
					  VT_METH_VARARGS, NULL };

/*
 * Take VT_SIGNAL through Python's signal module: Python's own C handler only sets a flag,
 * and ours runs as a Python-level handler at the next safe point. A program that already
 * handles the signal keeps it: vt says so and stays off.
 */
int py_take_signal(void)
{
	/* _signal: the C module under signal.py, already loaded; importing signal.py (and enum) would cost milliseconds of start-up */
	PyObject *mod = py.ImportModule("_signal"), *get, *set, *old = NULL, *dfl, *h, *a, *r;
	int ok = 0;

	if (!mod) {
		py.ErrClear();
		return -1;
	}
	get = py.GetAttrString(mod, "getsignal");
	set = py.GetAttrString(mod, "signal");
	dfl = py.GetAttrString(mod, "SIG_DFL");
	a = py.BuildValue("(i)", vt_cfg.signum);
	old = get && a ? py.CallObject(get, a) : NULL;
	if (a)
		py.DecRef(a);
	if (old && dfl && old == dfl) {
		h = py.CFunction_NewEx(&toggle_def, NULL, NULL);
		a = h ? py.BuildValue("(iO)", vt_cfg.signum, h) : NULL;
		r = a && set ? py.CallObject(set, a) : NULL;
		ok = r != NULL;
		if (r)
			py.DecRef(r);
		if (a)
			py.DecRef(a);
		if (h)
			py.DecRef(h);
	} else if (old) {
		vt_log("signal %d is already handled by the program; vt cannot use it "
		       "(set VT_SIGNAL to a free signal); tracing off", vt_cfg.signum);
	}
	if (py.ErrOccurred())
		py.ErrClear();
	if (old)
		py.DecRef(old);
	if (dfl)
		py.DecRef(dfl);
	if (get)
		py.DecRef(get);
	if (set)
		py.DecRef(set);
	py.DecRef(mod);
	return ok ? 0 : -1;
}

