/*
 * hook-profile.c - the profile hook: PyEval_SetProfile's callback in each thread (3.8-3.11,
 * and 3.12+ when no sys.monitoring tool id is free or VT_HOOK=profile). New threads get it
 * from wrappers around _thread.start_new_thread and (3.13+) start_joinable_thread, which
 * threading uses: CPython gives a thread started later no profile function, not even
 * after PyEval_SetProfileAllThreads.
 */
#include <stddef.h>
#include <string.h>

#include "preload/py/hook.h"

/* the original _thread.start_new_thread and start_joinable_thread, kept alive while
 * patched */
static PyObject *g_real_start_thread, *g_real_start_joinable;

/* the names of a generator's, coroutine's and async generator's "suspended" attribute */
static PyObject *g_suspended_attr[3];

/* what each PyTrace_* event is, for vt_room */
static const uint8_t g_ev_of[8] = { VT_EV_CALL, VT_EV_OTHER, VT_EV_OTHER, VT_EV_RET,
				    VT_EV_CCALL, VT_EV_CRET, VT_EV_CRET, VT_EV_OTHER };

/* the opcode (in co_code) of the instruction @frame of @code stopped at, @back code
 * units before it; -1 when unknown */
static int frame_op(void *frame, PyObject *code, int back)
{
	PyObject *bytes;
	const char *b;
	int lasti, op = -1;

	if (!code || !py.FrameGetLasti || !py.CodeGetCode)
		return -1;
	lasti = py.FrameGetLasti(frame) - 2 * back;
	/* co_code is made once per code object and kept by it: no allocation after that */
	bytes = py.CodeGetCode(code);
	if (!bytes) {
		py.ErrClear();
		return -1;
	}
	if (lasti >= 0 && lasti < py.BytesSize(bytes) && (b = py.BytesAsString(bytes)))
		op = (unsigned char)b[lasti];
	py.DecRef(bytes);
	return op;
}

/* the generator, coroutine or async generator of @frame is suspended (1), not (0), or
 * the frame has none (-1) */
static int frame_gen_suspended(void *frame)
{
	static const char *const name[3] = { "gi_suspended", "cr_suspended", "ag_suspended" };
	PyObject *gen = py.FrameGetGenerator ? py.FrameGetGenerator(frame) : NULL, *v;
	const char *tp;
	int k, r = -1;

	if (!gen)
		return -1;
	tp = vt_tp_name(TYPE_OF(gen));
	k = !strcmp(tp, "coroutine") ? 1 : !strcmp(tp, "async_generator") ? 2 : 0;
	if (!g_suspended_attr[k])
		g_suspended_attr[k] = py.InternFromString(name[k]);
	v = g_suspended_attr[k] ? py.GetAttr(gen, g_suspended_attr[k]) : NULL;
	if (v) {
		r = v == py.True;
		py.DecRef(v);
	} else {
		py.ErrClear();
	}
	py.DecRef(gen);
	return r;
}

/*
 * What a PyTrace_RETURN ends: a return (@arg the value), an unwind (@arg NULL) or, on
 * 3.12+, which report it as a return too, a generator's suspension: its frame stopped at
 * a YIELD_VALUE. 3.12 also reports an unwind as a return of None; a return stops at
 * RETURN_VALUE or RETURN_CONST, and an exception thrown into a generator unwinds from
 * its YIELD_VALUE, where only the generator's state (running) tells it from a yield.
 */
static unsigned ret_kind(void *frame, PyObject *arg)
{
	int maybe_unwind = vt_pyv.profile_unwind_none && arg == py.None, op;
	PyObject *code;

	if (!arg)
		return VT_REC_UNWIND;
	if (!vt_pyv.profile_yield_op)
		return VT_REC_RET;
	code = vt_frame_code(frame);
	if (!maybe_unwind &&
	    (!code || !(FIELD(code, vt_pyv.off.code_flags, int) & vt_pyv.co_generator_like)))
		return VT_REC_RET;
	op = frame_op(frame, code, vt_pyv.profile_yield_back);
	if (op == vt_pyv.profile_yield_op)
		return maybe_unwind && frame_gen_suspended(frame) == 0 ? VT_REC_UNWIND :
									 VT_REC_YIELD;
	if (maybe_unwind && op >= 0 && op != vt_pyv.profile_return_ops[0] &&
	    op != vt_pyv.profile_return_ops[1])
		return VT_REC_UNWIND;
	return VT_REC_RET;
}

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
	case PT_RETURN: {
		unsigned kind = ret_kind(frame, arg);

		rec_ret(t, kind, now, kind == VT_REC_RET ? arg : NULL);
		break;
	}
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

/* ---- new threads in profile mode: wrappers around _thread's thread starters ---- */

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
		py.WriteUnraisableMsg("in thread started by", func); /* to 3.12 */
	} else if (py.FormatUnraisable) {
		py.FormatUnraisable("Exception ignored in thread started by %R", func);
	} else {
		return NULL;
	}
	py.IncRef(py.None);
	return py.None;
}

static struct vt_methoddef thread_boot_def = { "vt_thread_boot", (void *)thread_boot,
					       VT_METH_NOARGS, NULL };

/* a callable that runs func(*args, **kw) (@kw may be NULL) in a new thread, hooked */
static PyObject *boot_fn(PyObject *func, PyObject *args, PyObject *kw)
{
	PyObject *boot = py.BuildValue("(OOO)", func, args, kw ? kw : py.None), *fn;

	if (!boot)
		return NULL;
	fn = py.CFunction_NewEx(&thread_boot_def, boot, NULL);
	py.DecRef(boot);
	return fn;
}

/* _thread.start_new_thread(function, args[, kwargs]) with the same checks and result */
static PyObject *start_new_thread(PyObject *self, PyObject *args)
{
	PyObject *func, *fargs, *kw = NULL, *bootfn, *a, *r;
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
	if (!(bootfn = boot_fn(func, fargs, kw)))
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

/*
 * _thread.start_joinable_thread(function, handle=None, daemon=True) (3.13+, what
 * threading uses) with the same checks and result: @function, by position or by name,
 * becomes a boot function that takes no arguments either.
 */
static PyObject *start_joinable_thread(PyObject *self, PyObject *args, PyObject *kw)
{
	PyObject *func = NULL, *named = kw ? py.DictGetItemString(kw, "function") : NULL;
	PyObject *bootfn, *a = NULL, *k = NULL, *empty, *r;
	int n = py.TupleSize(args);

	(void)self;
	if (n >= 1 && n <= 3 && !named)
		func = py.TupleGetItem(args, 0);
	else if (n == 0 && named)
		func = named;
	/* bad arguments: let the real function raise exactly its own error */
	if (!func || !py.CallableCheck(func))
		return py.Call(g_real_start_joinable, args, kw);
	empty = py.BuildValue("()");
	bootfn = empty ? boot_fn(func, empty, NULL) : NULL;
	if (!bootfn) {
		if (empty)
			py.DecRef(empty);
		return NULL;
	}
	if (n == 0) {
		a = empty;
		py.IncRef(a);
		k = py.DictCopy(kw);
		if (k && py.DictSetItemString(k, "function", bootfn) < 0) {
			py.DecRef(k);
			k = NULL;
		}
	} else {
		k = kw;
		if (k)
			py.IncRef(k);
		a = n == 1 ? py.BuildValue("(O)", bootfn) :
		    n == 2 ? py.BuildValue("(OO)", bootfn, py.TupleGetItem(args, 1)) :
			     py.BuildValue("(OOO)", bootfn, py.TupleGetItem(args, 1),
					   py.TupleGetItem(args, 2));
	}
	py.DecRef(empty);
	py.DecRef(bootfn);
	r = a && (k || !kw) ? py.Call(g_real_start_joinable, a, k) : NULL;
	if (a)
		py.DecRef(a);
	if (k)
		py.DecRef(k);
	return r;
}

static struct vt_methoddef start_thread_def = { "start_new_thread", (void *)start_new_thread,
						VT_METH_VARARGS, NULL };
static struct vt_methoddef start_joinable_def = {
	"start_joinable_thread", (void *)start_joinable_thread,
	VT_METH_VARARGS | VT_METH_KEYWORDS, NULL
};

/* _thread.@name becomes a wrapper of @def around it (the original in *@real), and so does
 * threading's copy @copy when threading is imported and has one */
static void wrap_starter(PyObject *mod, const char *name, struct vt_methoddef *def,
			 PyObject **real, const char *copy)
{
	PyObject *wrapper, *mods, *thr, *modname, *old;

	*real = py.GetAttrString(mod, name);
	if (!*real) {
		py.ErrClear();
		return;
	}
	/* __module__ "_thread", so the trace names it _thread.<name> as before */
	modname = py.GetAttrString(mod, "__name__");
	wrapper = modname ? py.CFunction_NewEx(def, NULL, modname) : NULL;
	if (modname)
		py.DecRef(modname);
	if (!wrapper)
		return;
	py.SetAttrString(mod, name, wrapper);
	/* threading copies it at import; patch that copy too if it is already there */
	mods = py.SysGetObject("modules");
	thr = mods ? py.GetItemString(mods, "threading") : NULL;
	if (thr) {
		old = py.GetAttrString(thr, copy);
		if (old == *real)
			py.SetAttrString(thr, copy, wrapper);
		if (old)
			py.DecRef(old);
		py.DecRef(thr);
	}
	py.DecRef(wrapper);
	if (py.ErrOccurred())
		py.ErrClear();
}

static void patch_thread_start(void)
{
	PyObject *mod = py.ImportModule("_thread");

	if (!mod) {
		py.ErrClear();
		return;
	}
	wrap_starter(mod, "start_new_thread", &start_thread_def, &g_real_start_thread,
		     "_start_new_thread");
	if (vt_pyv.thread_start_joinable)
		wrap_starter(mod, "start_joinable_thread", &start_joinable_def,
			     &g_real_start_joinable, "_start_joinable_thread");
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

