/*
 * hook.h - the interface every hook backend implements: how vt hears of the program's
 * calls and returns.
 *
 *   hook-profile.c     PyEval_SetProfile's callback, in each thread (3.8+; the fallback)
 *   hook-eval.c        PEP 523's frame-evaluation function (3.8-3.11, Python calls only)
 *   hook-monitoring.c  sys.monitoring callbacks on a tool id of vt's (3.12+)
 *
 * install.c picks one at start (py_h.cur); hook.c turns it on and off for the recording
 * windows (py_hooks_on/off) and switches to another (py_hook_switch: the eval hook gives
 * way to the profile hook when the C stack nears its end, through py_h.give_way, which
 * install.c sets). Each backend's per-event callbacks are in its own file, with the hot
 * helpers of py.h inlined into them. No backend names another, nor coexist.c, which
 * sits above them: install.c, on top, puts them together.
 */
#ifndef VT_PRELOAD_PY_HOOK_H
#define VT_PRELOAD_PY_HOOK_H

#include "preload/py/py.h"

#pragma GCC visibility push(hidden)

/* which backend a hook is: the files that work around one's limits test this, so that
 * they need not name (and so depend on) the backend itself */
enum { PY_HOOK_PROFILE, PY_HOOK_EVAL, PY_HOOK_MONITORING };

struct vt_hook {
	const char *name;
	int kind; /* PY_HOOK_* */
	/* claim the hook, once (the GIL held): 0, or -1 when it is not available */
	int (*install)(void);
	/* give it up for good (the eval hook, switching to the profile hook) */
	void (*remove)(void);
	/* a thread of the program's begins (NULL: the hook covers every thread) */
	void (*thread_start)(void);
	/* recording on: events reach the callbacks; off: they do not */
	void (*start)(void);
	void (*stop)(void);
	/* name the frames open on @t's stack (a STACK record) at @at, on event @ev */
	void (*name_stack)(struct vt_thread *t, int ev, uint64_t at);
};

extern const struct vt_hook vt_hook_profile, vt_hook_eval, vt_hook_monitoring;

/** py_hooks_on - begin a recording window: the hook in use records from now. */
void py_hooks_on(void);
/** py_hooks_off - end it: the hook records nothing, the open frames are closed. */
void py_hooks_off(void);
/** py_hook_switch - go on with @to in place of the hook in use (not a pause); @then
 * (may be NULL) runs once @to is installed, before it records. */
void py_hook_switch(const struct vt_hook *to, void (*then)(void));

#pragma GCC visibility pop

/* which hook is in use (none before install) */
#define PY_EVAL_MODE (py_h.cur && py_h.cur->kind == PY_HOOK_EVAL)
#define PY_PROFILE_MODE (py_h.cur && py_h.cur->kind == PY_HOOK_PROFILE)

#endif /* VT_PRELOAD_PY_HOOK_H */
