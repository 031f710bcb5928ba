/*
 * hook.c - the hook in use, turned on and off for the recording windows (VT_START=signal,
 * VT_DELAY, VT_DURATION, vt.pause()), through the interface of hook.h.
 */
#include "preload/py/hook.h"

void py_hooks_on(void)
{
	if (py_h.recording || vt_state != VT_ST_TRACING || !py_h.cur)
		return;
	py_h.window_start = vt_now();
	py_h.window_mono = vt_use_tsc ? vt_mono_ns() : py_h.window_start;
	py_h.window_gen++;
	if (py_f.gate != GATE_NONE) {
		/* the program runs already: its first events are its own (a return of a frame
		 * open now must not go to the start gate) */
		py_f.gate = GATE_NONE;
		slow_update();
	}
	py_set_recording(1);
	/* threads that already record name their open frames when they next run */
	vt_threads_resync_stack();
	py_h.cur->start();
}

void py_hooks_off(void)
{
	if (!py_h.recording)
		return;
	py_set_recording(0);
	py_h.cur->stop();
	/* close the open frames of every thread at this moment and write out the window */
	vt_threads_pause();
}

void py_hook_switch(const struct vt_hook *to, void (*then)(void))
{
	/* not a pause: the frames open stay open. The new hook sees them return; the old
	 * one's events are ignored from here */
	py_set_recording(0);
	py_h.cur->remove();
	py_h.cur = to;
	to->install();
	if (then)
		then();
	py_hooks_on(); /* each thread names its open frames (STACK) at its next event: the
			* converter has them already, and goes on with them */
}
