/*
 * coexist.c - vt beside other profilers and tools: a program's cProfile, sys.setprofile,
 * its own sys.monitoring tools. vt gives way where the program asks, says so in the trace
 * (a MARK), and takes its hook back when it is free again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preload/py/hook.h"

/*
 * The program asks for the tool id vt holds (use_tool_id): vt moves to the other free id
 * first, so the program's call behaves as without vt. The program frees vt's id
 * (free_tool_id): recording stops there, marked. Either way vt says so in the trace when
 * it loses its events.
 */
static PyObject *wrap_use_tool(PyObject *self, PyObject *args)
{
	PyObject *id = py.TupleSize(args) >= 1 ? py.TupleGetItem(args, 0) : NULL;
	long want = id ? py.AsLong(id) : -1;
	int old = py_m.tool;

	(void)self;
	if (want == -1 && py.ErrOccurred())
		py.ErrClear();
	if (old >= 0 && want == old) {
		struct vt_thread *t = vt_thread_cur();

		py_call_ok(py_m.real_free_tool, py.BuildValue("(i)", old));
		if (py_mon_take(old) < 0 && t && vt_room(t, 0))
			put_mark(t, "vt: paused, the program took vt's sys.monitoring tool id");
	}
	return py.CallObject(py_m.real_use_tool, args);
}

static PyObject *wrap_free_tool(PyObject *self, PyObject *args)
{
	PyObject *id = py.TupleSize(args) >= 1 ? py.TupleGetItem(args, 0) : NULL;
	long which = id ? py.AsLong(id) : -1;
	PyObject *r;

	(void)self;
	if (which == -1 && py.ErrOccurred())
		py.ErrClear();
	r = py.CallObject(py_m.real_free_tool, args);
	if (r && py_m.tool >= 0 && which == py_m.tool) {
		/* taking an id back would show in the program's own sys.monitoring.get_tool():
		 * stop, and say so in the trace */
		struct vt_thread *t = vt_thread_cur();

		py_m.tool = -1;
		if (t && vt_room(t, 0))
			put_mark(t, "vt: stopped, the program freed vt's sys.monitoring tool id");
	}
	return r;
}

static struct vt_methoddef wrap_use_def = { "use_tool_id", (void *)wrap_use_tool,
					    VT_METH_VARARGS, NULL };
static struct vt_methoddef wrap_free_def = { "free_tool_id", (void *)wrap_free_tool,
					     VT_METH_VARARGS, NULL };

/* sys.monitoring's use_tool_id and free_tool_id replaced by the wrappers above */
void py_wrap_tool_ids(void)
{
	PyObject *name, *w;

	name = py.UnicodeFromStringAndSize("sys.monitoring", 14);
	w = name ? py.CFunction_NewEx(&wrap_use_def, NULL, name) : NULL;
	if (w) {
		py.SetAttrString(py_m.mon, "use_tool_id", w);
		py.DecRef(w);
	}
	w = name ? py.CFunction_NewEx(&wrap_free_def, NULL, name) : NULL;
	if (w) {
		py.SetAttrString(py_m.mon, "free_tool_id", w);
		py.DecRef(w);
	}
	if (name)
		py.DecRef(name);
	if (py.ErrOccurred())
		py.ErrClear();
}

static int install_running(struct vt_thread *t);

/*
 * A program's PyEval_SetProfile may run Python code before it returns: the finalizer of
 * the profile object it drops, another audit hook. vt must not try to take the hook back
 * from in there: 3.11 refuses the nested install, and its refusal clears CPython's own
 * "install in progress" flag, so that the program's next nested install, which CPython
 * would refuse, goes through. At the audit, note the calling frame and its instruction;
 * the install is still running while that frame is below us, still at that instruction.
 */
static void note_install(struct vt_thread *t)
{
	void *f;

	if (install_running(t))
		return; /* nested: the outer one is what counts */
	f = py.GetFrame();
	t->install_frame = f;
	t->install_lasti = f ? int_attr(f, "f_lasti") : -1;
}

static int install_running(struct vt_thread *t)
{
	void *f = py.GetFrame();
	uint32_t n = 0;

	if (!t->install_frame || !f)
		return 0;
	for (f = vt_frame_back(f); f && n < 100000; f = vt_frame_back(f), n++)
		if (f == t->install_frame)
			return int_attr(f, "f_lasti") == t->install_lasti;
	return 0;
}

/*
 * Profile mode: a user's cProfile.enable() or sys.setprofile() replaces our hook in their
 * thread (there is one slot per thread). Note when that happens, and take the hook back
 * once they release it (the slot is empty again at a later audit event), recording the
 * frames open then, so the converter can pair calls and returns again.
 */
/* the slot is free again: take it back, and name the frames open now */
static void take_back(struct vt_thread *t)
{
	void *fn = *vt_profile_slot(py.TstateGet());

	if (fn || py_own_setprofile || py.ErrOccurred() || !t->evicted || !py_h.recording ||
	    !vt_room(t, 0) || install_running(t))
		return; /* still theirs, or not a safe moment: try at a later event */
	if (py_profile_arm(0) < 0)
		return; /* refused: still inside someone's install; try at a later event */
	t->evicted = 0;
	py_h.cur->name_stack(t, VT_EV_NONE, vt_now());
	put_mark(t, "vt: resumed, the other profiler released the hook");
}

/* a take-back queued for the main thread (take_back_main) */
static struct {
	volatile int queued;
	/* the main thread's profile slot when the program's sys.setprofile was audited, and
	 * how often the pending call looked since */
	void *slot_at_audit;
	int tries;
} g_takeback;

/*
 * A pending call: runs in the main thread at the interpreter's next safe point. That can
 * still be inside the program's PyEval_SetProfile (another audit hook written in Python
 * runs code there, and pending calls with it): installing then would fail. So it waits
 * until the slot has changed from what it held at the audit, i.e. their call is over.
 */
static int take_back_main(void *arg)
{
	struct vt_thread *t = vt_t;
	void *slot = *vt_profile_slot(py.TstateGet());

	(void)arg;
	if (slot == g_takeback.slot_at_audit && ++g_takeback.tries < 64) {
		py.AddPendingCall(take_back_main, NULL); /* not over yet: look again */
		return 0;
	}
	g_takeback.queued = 0;
	if (t && slot != g_takeback.slot_at_audit)
		take_back(t);
	return 0;
}

void py_watch_profile_slot(const char *event)
{
	struct vt_thread *t = vt_t;
	int setprofile = !strcmp(event, "sys.setprofile");

	if (!t || t->dead || !py_h.recording || !vt_room(t, 0))
		return;
	if (setprofile && !py_own_setprofile) {
		note_install(t);
		if (!t->evicted) {
			t->evicted = 1;
			put_mark(t, "vt: paused, another profiler took the hook (sys.setprofile)");
		}
		/* it may be a release (cProfile.disable): look again right after it, in
		 * the main thread; other threads look at their next audited operation */
		if (t->tid == vt_pid && !g_takeback.queued) {
			g_takeback.queued = 1;
			g_takeback.tries = 0;
			g_takeback.slot_at_audit = *vt_profile_slot(py.TstateGet());
			py.AddPendingCall(take_back_main, NULL);
		}
		return;
	}
	/* never inside someone's PyEval_SetProfile: it would refuse theirs or ours */
	if (t->evicted && !setprofile)
		take_back(t);
}

/*
 * ---- sys.setprofile without a stray event ----
 *
 * When a program installs a profiler with sys.setprofile while vt's hook sees C calls,
 * CPython hands the new profiler the return of that very call (the hook was there when
 * the call began: the profile slot's C_TRACE before 3.12, an instrumented CALL after).
 * Without vt nothing sees that call, and the pure-Python profile module asserts on it
 * ("Bad return"). So vt wraps sys.setprofile (and 3.12's sys._setprofileallthreads): when
 * vt's hook was in place, the slot gets, for one event, a function that drops that return
 * and puts the program's function back; any other event it passes on.
 */
static struct {
	PyObject *real, *real_all;       /* sys.setprofile, sys._setprofileallthreads */
	PyObject *wrapper, *all_wrapper; /* vt's, in their place */
} g_sp;
/* the program's function, while skip_stray holds the slot */
static __thread vt_tracefunc t_profile_next;

static int skip_stray(PyObject *obj, void *frame, int what, PyObject *arg)
{
	vt_tracefunc next = t_profile_next;

	*vt_profile_slot(py.TstateGet()) = (void *)next;
	t_profile_next = NULL;
	if ((what == PT_C_RETURN || what == PT_C_EXCEPTION) &&
	    (arg == g_sp.wrapper || arg == g_sp.all_wrapper))
		return 0;
	return next ? next(obj, frame, what, arg) : 0;
}

/*
 * 3.12+: 1 when a sys.monitoring tool other than vt's sees calls, so that the call of
 * sys.setprofile is instrumented with or without vt. Then its return reaches the new
 * profiler without vt too, and stays. Tools 0-5 are asked. The profile hook is tool 6,
 * for all threads at once: each install turns its events on or off by whether any
 * thread has a profile function then, and a thread that ends with one leaves them on
 * until the next install. vt follows that: at each install it sees complete (through
 * its sys.setprofile), and at the next look after one it only heard of (the audit event
 * of a C extension's PyEval_SetProfile).
 */
static struct {
	int on, unsure;
} g_tool6;

static int any_profile_function(void)
{
	for (void *ts = py.ThreadHead(py.InterpMain()); ts; ts = py.ThreadNext(ts)) {
		void *fn = *vt_profile_slot(ts);

		if (fn && fn != (void *)py_prof_cb)
			return 1;
	}
	return 0;
}

static void tool6_update(void)
{
	g_tool6.on = any_profile_function();
	g_tool6.unsure = 0;
}

/* an install was only heard of (the audit event of a C extension's PyEval_SetProfile) */
void py_tool6_unsure(void)
{
	g_tool6.unsure = 1;
}

static int other_tool_asked(void);

static int other_tool_sees_calls(void)
{
	if (g_tool6.unsure)
		tool6_update();
	return g_tool6.on || other_tool_asked();
}

static int other_tool_asked(void)
{
	static const char *const names[] = { "CALL", "C_RETURN", "C_RAISE" };
	PyObject *events = py_mon_attr("events");
	long mask = 0, got;
	int seen = 0;

	for (int i = 0; events && i < 3; i++) {
		PyObject *v = py.GetAttrString(events, names[i]);

		if (v) {
			mask |= py.AsLong(v);
			py.DecRef(v);
		}
	}
	if (events)
		py.DecRef(events);
	for (int tool = 0; mask && tool < 6 && !seen; tool++) {
		PyObject *r = tool == py_m.tool ? NULL :
			      py_call_taking(py_mon_attr("get_events"), py.BuildValue("(i)", tool));

		got = r ? py.AsLong(r) : 0;
		seen = got > 0 && (got & mask);
		if (r)
			py.DecRef(r);
	}
	if (py.ErrOccurred())
		py.ErrClear();
	return seen;
}

static PyObject *setprofile_through(PyObject *real, PyObject *arg)
{
	void **slot = vt_profile_slot(py.TstateGet());
	void *before = *slot;
	PyObject *a, *r;
	/* will the call's return reach the profiler it installs, only because of vt? */
	int stray = PY_PROFILE_MODE ? before == (void *)py_prof_cb :
		    !before && py_h.recording && !PY_EVAL_MODE && !vt_cfg.ignore_c;

	if (stray && vt_pyv.has_monitoring && other_tool_sees_calls())
		stray = 0;

	a = py.BuildValue("(O)", arg);
	r = a ? py.CallObject(real, a) : NULL;
	if (a)
		py.DecRef(a);
	if (vt_pyv.has_monitoring)
		tool6_update();
	slot = vt_profile_slot(py.TstateGet());
	if (r && stray && *slot && *slot != before && *slot != (void *)skip_stray) {
		t_profile_next = (vt_tracefunc)*slot;
		*slot = (void *)skip_stray;
	}
	return r;
}

static PyObject *setprofile_wrap(PyObject *self, PyObject *arg)
{
	(void)self;
	return setprofile_through(g_sp.real, arg);
}

static PyObject *setprofile_all_wrap(PyObject *self, PyObject *arg)
{
	(void)self;
	return setprofile_through(g_sp.real_all, arg);
}

/* the wrapper of sys.@name: the same name, module and doc (hence signature) as the original */
static PyObject *wrap_sys_function(PyObject *sys, const char *name, struct vt_methoddef *def,
				   PyObject **real)
{
	PyObject *doc, *sig, *modname, *w = NULL;
	const char *d, *g;
	char *both;

	*real = py.GetAttrString(sys, name);
	if (!*real)
		return NULL;
	/* CPython keeps the signature ahead of the doc: "name(sig)\n--\n\n" */
	doc = py.GetAttrString(*real, "__doc__");
	sig = py.GetAttrString(*real, "__text_signature__");
	d = doc && TYPE_OF(doc) == py.UnicodeType ? py.AsUTF8AndSize(doc, NULL) : NULL;
	g = sig && TYPE_OF(sig) == py.UnicodeType ? py.AsUTF8AndSize(sig, NULL) : NULL;
	if (g && asprintf(&both, "%s%s\n--\n\n%s", name, g, d ? d : "") >= 0)
		def->ml_doc = both; /* kept for the process, as CPython keeps its own */
	else
		def->ml_doc = d ? strdup(d) : NULL;
	if (doc)
		py.DecRef(doc);
	if (sig)
		py.DecRef(sig);
	modname = py.GetAttrString(sys, "__name__");
	if (modname) {
		w = py.CFunction_NewEx(def, sys, modname); /* __self__: sys, as for its own */
		py.DecRef(modname);
	}
	if (w && py.SetAttrString(sys, name, w) < 0) {
		py.DecRef(w);
		w = NULL;
	}
	return w; /* kept: skip_stray compares against it */
}

void py_patch_setprofile(void)
{
	static struct vt_methoddef sp_def = { "setprofile", (void *)setprofile_wrap, VT_METH_O,
					      NULL };
	static struct vt_methoddef spall_def = { "_setprofileallthreads",
						 (void *)setprofile_all_wrap, VT_METH_O, NULL };
	PyObject *sys = py.ImportModule("sys");

	if (sys && !g_sp.wrapper) {
		g_sp.wrapper = wrap_sys_function(sys, "setprofile", &sp_def,
							 &g_sp.real);
		if (vt_pyv.profile_all_threads)
			g_sp.all_wrapper = wrap_sys_function(
				sys, "_setprofileallthreads", &spall_def, &g_sp.real_all);
	}
	if (sys)
		py.DecRef(sys);
	if (py.ErrOccurred())
		py.ErrClear();
}

