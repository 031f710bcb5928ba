/*
 * hook-profile.c - the profile hook: PyEval_SetProfile's callback in each thread (3.8-3.11,
 * and 3.12+ when no sys.monitoring tool id is free or VT_HOOK=profile). New threads get it
 * from a wrapper around _thread.start_new_thread, which threading uses.
 */
#include <stddef.h>

#include "preload/py/hook.h"

/* the original _thread.start_new_thread, kept alive while patched */
static PyObject *g_real_start_thread;

/* what each PyTrace_* event is, for vt_room */
static const uint8_t g_ev_of[8] = { VT_EV_CALL, VT_EV_OTHER, VT_EV_OTHER, VT_EV_RET,
				    VT_EV_CCALL, VT_EV_CRET, VT_EV_CRET, VT_EV_OTHER };

/* PyEval_SetProfile callback (3.8-3.11, and 3.12+ when no monitoring tool id is free) */
int py_prof_cb(PyObject *obj, void *frame, int what, PyObject *arg)
{
#ifdef VT_NOP
	return 0;
#endif
	uint64_t now = early_now();
	struct vt_thread *t = vt_thread_cur();
	int is_descr;
	void *ml;

	(void)obj;
	if (VT_UNLIKELY(!t) || !py_h.recording || !vt_room(t, g_ev_of[what & 7]))
		return 0;
	switch (what) {
	case PT_CALL: {
		int64_t id = code_id(t, vt_frame_code(frame));

		if (rec_call(t, VT_REC_CALL, id, now) && VT_UNLIKELY(vt_cfg.log_args))
			write_args(t, frame, (uint32_t)id);
		break;
	}
	case PT_RETURN:
		rec_ret(t, arg ? VT_REC_RET : VT_REC_UNWIND, now, arg);
		break;
	case PT_C_CALL:
		if (vt_cfg.ignore_c || !(ml = vt_cfunc_key(arg, &is_descr)))
			break;
		rec_ccall(t, cfunc_id(t, arg, ml, is_descr), now, frame, NULL);
		break;
	case PT_C_RETURN:
	case PT_C_EXCEPTION:
		if (vt_cfg.ignore_c || !vt_cfunc_key(arg, &is_descr))
			break;
		rec_ret(t, what == PT_C_RETURN ? VT_REC_CRET : VT_REC_CRAISE, now, NULL);
		break;
	default:
		break;
	}
	return 0;
}

/* PyEval_SetProfile(py_prof_cb) for this thread, without taking its audit event for an eviction */
/*
 * VT_LOG_EXCEPTIONS on 3.8-3.11: the profile hook runs with the exception set aside, so
 * it cannot tell which one unwinds a frame. A trace function is told (PyTrace_EXCEPTION,
 * with (type, value, traceback)); it turns line events off in each frame it enters, so it
 * costs a call per frame, not one per line.
 */
static int trace_cb(PyObject *obj, void *frame, int what, PyObject *arg)
{
	struct vt_thread *t;

	(void)obj;
	if (what == PT_CALL) {
		if (py.SetAttrString(frame, "f_trace_lines", py.False) < 0)
			py.ErrClear();
		return 0;
	}
	if (what != PT_EXCEPTION || !arg || !py_h.recording || py.TupleSize(arg) < 2)
		return 0;
	t = vt_thread_cur();
	if (t && vt_room(t, VT_EV_OTHER))
		record_exception(t, py.TupleGetItem(arg, 1), vt_frame_code(frame),
				 (int)int_attr(frame, "f_lineno"));
	return 0;
}

/* 0, or -1 when CPython refused (3.11: inside another profile function's install) */
int py_profile_arm(int all_threads)
{
	int rc = 0;

	py_own_setprofile = 1;
	if (all_threads) {
		py.SetProfileAllThreads(py_prof_cb, NULL);
	} else if (py.SetProfileTstate && vt_pyv.profile_tstate_set) {
		/* the private call reports a refusal instead of printing it as unraisable */
		rc = py.SetProfileTstate(py.TstateGet(), py_prof_cb, NULL);
		if (rc < 0)
			py.ErrClear();
	} else {
		py.SetProfile(py_prof_cb, NULL);
	}
	if (vt_cfg.log_exceptions && vt_pyv.exceptions_by_trace && py.SetTrace && rc == 0)
		py.SetTrace(trace_cb, NULL);
	py_own_setprofile = 0;
	return rc;
}

/* ---- new threads in profile mode: a wrapper around _thread.start_new_thread ---- */

/* Runs first in the new thread: hook it, then run the thread's function as _thread would. */
static PyObject *thread_boot(PyObject *boot, PyObject *noargs)
{
	PyObject *func = py.TupleGetItem(boot, 0);
	PyObject *args = py.TupleGetItem(boot, 1);
	PyObject *kw = py.TupleGetItem(boot, 2);
	PyObject *r;

	(void)noargs;
	vt_hook_profile.thread_start();
	r = py.Call(func, args, kw == py.None ? NULL : kw);
	if (r)
		return r;
	/* report as _thread itself does, naming the user's function, not this one */
	if (py.ErrExceptionMatches(*py.ExcSystemExit)) {
		py.ErrClear();
	} else if (py.WriteUnraisableMsg) {
		py.WriteUnraisableMsg("in thread started by", func);
	} else {
		return NULL;
	}
	py.IncRef(py.None);
	return py.None;
}

static struct vt_methoddef thread_boot_def = { "vt_thread_boot", (void *)thread_boot,
					       VT_METH_NOARGS, NULL };

/* _thread.start_new_thread(function, args[, kwargs]) with the same checks and result */
static PyObject *start_new_thread(PyObject *self, PyObject *args)
{
	PyObject *func, *fargs, *kw = NULL, *boot, *bootfn, *a, *r;
	int n = py.TupleSize(args);

	(void)self;
	if (n < 2 || n > 3)
		return py.CallObject(g_real_start_thread, args); /* let it raise its TypeError */
	func = py.TupleGetItem(args, 0);
	fargs = py.TupleGetItem(args, 1);
	if (n == 3)
		kw = py.TupleGetItem(args, 2);
	/* bad arguments: let the real function raise exactly its own TypeError */
	if (!py.TypeIsSubtype(TYPE_OF(fargs), py.TupleType) ||
	    (kw && !py.TypeIsSubtype(TYPE_OF(kw), py.DictType)))
		return py.CallObject(g_real_start_thread, args);
	boot = py.BuildValue("(OOO)", func, fargs, kw ? kw : py.None);
	if (!boot)
		return NULL;
	bootfn = py.CFunction_NewEx(&thread_boot_def, boot, NULL);
	py.DecRef(boot);
	if (!bootfn)
		return NULL;
	/* the new thread calls thread_boot(), which calls func(*args, **kw) */
	a = py.BuildValue("(O())", bootfn);
	py.DecRef(bootfn);
	if (!a)
		return NULL;
	r = py.CallObject(g_real_start_thread, a);
	py.DecRef(a);
	return r;
}

static struct vt_methoddef start_thread_def = { "start_new_thread", (void *)start_new_thread,
						VT_METH_VARARGS, NULL };

static void patch_thread_start(void)
{
	PyObject *mod = py.ImportModule("_thread"), *wrapper, *mods, *thr, *modname;

	if (!mod) {
		py.ErrClear();
		return;
	}
	g_real_start_thread = py.GetAttrString(mod, "start_new_thread");
	/* __module__ "_thread", so the trace names it _thread.start_new_thread as before */
	modname = py.GetAttrString(mod, "__name__");
	wrapper = g_real_start_thread && modname ?
			  py.CFunction_NewEx(&start_thread_def, NULL, modname) : NULL;
	if (modname)
		py.DecRef(modname);
	if (wrapper) {
		py.SetAttrString(mod, "start_new_thread", wrapper);
		/* threading copies it at import; patch that copy too if it is already there */
		mods = py.SysGetObject("modules");
		thr = mods ? py.GetItemString(mods, "threading") : NULL;
		if (thr) {
			py.SetAttrString(thr, "_start_new_thread", wrapper);
			py.DecRef(thr);
		}
		py.DecRef(wrapper);
	}
	if (py.ErrOccurred())
		py.ErrClear();
	py.DecRef(mod);
}

/* ---- on and off in every thread (the recording windows, hook.c) ---- */

/* the profile hook into (or out of) every thread of the main interpreter */
static void profile_all_threads(vt_tracefunc fn)
{
	void *me = py.TstateGet(), *ts;

	py_own_setprofile = 1;
	if (vt_pyv.profile_all_threads && py.SetProfileAllThreads) {
		py.SetProfileAllThreads(fn, NULL);
	} else {
		py.SetProfile(fn, NULL);
		/* 3.9-3.11 can set another thread's hook; 3.8 cannot: those threads stay hooked
		 * and py_prof_cb's py_h.recording test keeps them quiet */
		for (ts = py.ThreadHead(py.InterpMain()); ts && py.SetProfileTstate;
		     ts = py.ThreadNext(ts))
			if (ts != me)
				py.SetProfileTstate(ts, fn, NULL);
	}
	if (py.ErrOccurred())
		py.ErrClear();
	py_own_setprofile = 0;
}

/* profile mode: hook new threads first, so that importing _thread is not traced (install.c
 * then has coexist.c wrap sys.setprofile) */
static int profile_install(void)
{
	patch_thread_start();
	return 0;
}

static void profile_thread_start(void)
{
	if (vt_state == VT_ST_TRACING)
		py_profile_arm(0);
}

static void profile_start(void)
{
	profile_all_threads(py_prof_cb);
}

static void profile_stop(void)
{
	profile_all_threads(NULL);
}

/* the profile hook sees every open frame return */
static void profile_name_stack(struct vt_thread *t, int ev, uint64_t at)
{
	name_open_frames(t, ev, at, 0);
}

const struct vt_hook vt_hook_profile = {
	.name = "profile",
	.kind = PY_HOOK_PROFILE,
	.install = profile_install,
	.remove = profile_stop,
	.thread_start = profile_thread_start,
	.start = profile_start,
	.stop = profile_stop,
	.name_stack = profile_name_stack,
};

