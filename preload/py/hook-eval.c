/*
 * hook-eval.c - the frame-evaluation hook (PEP 523), 3.8-3.11: Python calls only.
 */
#include <stdint.h>

#include "preload/py/hook.h"

/*
 * ---- the frame-evaluation hook (PEP 523): Python functions only, 3.8-3.11 ----
 *
 * CPython calls the interpreter's eval_frame function for every frame it runs: a call,
 * each resumption of a generator or coroutine, a module or class body. Ours records the
 * entry, runs the frame with _PyEval_EvalFrameDefault and records the exit (NULL: an
 * exception unwound it; a yield returns like a return, as the profile hook reports it).
 * It costs much less than the profile hook, which puts the interpreter in tracing mode,
 * but it sees no C calls, and on 3.11 it turns Python-to-Python calls, which CPython
 * otherwise runs without recursing in C, into nested C calls. So each thread watches its
 * C stack: near the end (t->stack_guard), vt switches the process to the profile hook,
 * under which those calls stop nesting, and marks the switch in the trace. 3.12+ count
 * such calls against their C recursion limit, which would turn a deep recursion into a
 * RecursionError; there vt uses sys.monitoring instead.
 */
typedef PyObject *(*vt_eval39)(void *tstate, void *frame, int throwflag);
typedef PyObject *(*vt_eval38)(void *frame, int throwflag);
static struct {
	void *deflt;  /* _PyEval_EvalFrameDefault */
	void **slot38; /* 3.8: &interp->eval_frame (no setter) */
	void (*setter)(void *interp, void *fn); /* eval_takes_tstate */
	void *(*getter)(void *interp);
} g_eval;
static void eval_set(int on);

/* the window's token while it records, else 0 (see eval_enter) */
static void eval_token_update(void)
{
	py_h.eval_token = py_h.recording && PY_EVAL_MODE ?
				  (int)((py_h.window_gen & 0xfffffffu) << 2 | 1) : 0;
}

/* Deep in the C stack: go on with the profile hook (see above; py_h.give_way, set by
 * install.c, switches to it). Holds the GIL. */
static void eval_to_profile(void)
{
	static const char why[] = "vt: the C stack is nearly full (a deep recursion): "
				  "switched from the frame-evaluation hook to the profile hook";

	/* the eval hook's exits are ignored from here (py_h.eval_token 0) */
	py_h.give_way();
	vt_proc_mark(why);
}

/*
 * The entry of a frame. Returns 0 when its exit is not to be looked at, else the
 * window's token (py_h.eval_token) with bit 1 set when the pre_check is to be armed again
 * at its exit: a frame of the current window only, as frames entered before it (while
 * not recording) never show their exit (see name_open_frames).
 */
static inline int eval_enter(void *frame)
{
	uint64_t now = early_now();
	struct vt_thread *t = vt_thread_cur();
	int tok = py_h.eval_token, r;
	PyObject *code;
	int64_t id;
	struct vt_idc *c;

	if (VT_UNLIKELY(!t) || !tok)
		return 0;
	if (VT_UNLIKELY((uintptr_t)__builtin_frame_address(0) < t->stack_guard)) {
		eval_to_profile();
		return 0;
	}
	/* VT_EV_ENTER: the frame being entered is not on the thread's stack yet (a fork
	 * child's inherited frames and a resumed window's open frames are all there) */
	r = vt_room(t, VT_EV_ENTER);
	if (!r)
		return tok | 2;
	code = vt_eval_frame_code(frame);
	/* 3.11 runs a generator function's frame up to RETURN_GENERATOR to make the
	 * generator; the profile hook shows no call for that, and neither do we. The frame
	 * is then the thread's, and the generator's own when it runs later. */
	if (vt_pyv.eval_gen_frames && vt_eval_frame_makes_gen(frame, code))
		return 0;
	c = vt_id_slot(t, code);
	if (VT_LIKELY(c->key == code)) {
		id = idc_ref(c);
	} else {
		PyObject *et, *ev, *tb;

		/* naming a new code object runs Python's API: keep a pending exception
		 * (gen.throw() enters the frame with one set) out of its way */
		py.ErrFetch(&et, &ev, &tb);
		id = code_id_slow(t, code, c);
		py.ErrRestore(et, ev, tb);
	}
	rec_call(t, VT_REC_CALL, id, now);
	return tok | (r & 2);
}

/* the exit of a frame whose eval_enter returned @on */
static inline void eval_leave(PyObject *result, int on)
{
	uint64_t now = early_now();
	struct vt_thread *t = vt_t;

	if (VT_UNLIKELY((on & ~2) != py_h.eval_token) || VT_UNLIKELY(!t))
		return; /* not recording, or entered in an earlier window */
	if (vt_room(t, VT_EV_RET))
		rec_ret(t, result ? VT_REC_RET : VT_REC_UNWIND, now, NULL);
	if (VT_UNLIKELY(on & 2))
		pre_rearm(t);
}

static PyObject *eval_hook39(void *tstate, void *frame, int throwflag)
{
#ifdef VT_NOP
	return ((vt_eval39)g_eval.deflt)(tstate, frame, throwflag);
#endif
	int on = eval_enter(frame);
	PyObject *r = ((vt_eval39)g_eval.deflt)(tstate, frame, throwflag);

	if (on)
		eval_leave(r, on);
	return r;
}

static PyObject *eval_hook38(void *frame, int throwflag)
{
#ifdef VT_NOP
	return ((vt_eval38)g_eval.deflt)(frame, throwflag);
#endif
	int on = eval_enter(frame);
	PyObject *r = ((vt_eval38)g_eval.deflt)(frame, throwflag);

	if (on)
		eval_leave(r, on);
	return r;
}

static void *eval_current(void)
{
	return vt_pyv.eval_takes_tstate ? g_eval.getter(py.InterpMain()) : *g_eval.slot38;
}

/* 1 when the eval hook can be installed: the API is there and nobody else uses it */
static int eval_available(void)
{
	if (!vt_pyv.has_eval_hook || !(g_eval.deflt = vt_pysym("_PyEval_EvalFrameDefault")))
		return 0;
	if (vt_pyv.eval_takes_tstate) {
		*(void **)&g_eval.setter = vt_pysym(vt_pyv.sym_eval_setter);
		*(void **)&g_eval.getter = vt_pysym(vt_pyv.sym_eval_getter);
		if (!g_eval.setter || !g_eval.getter)
			return 0;
	} else {
		/* 3.8 has no setter: the field holds _PyEval_EvalFrameDefault (its offset is
		 * 568 in 3.8's PyInterpreterState, which is over 2 KiB); find it, once */
		void **p = py.InterpMain();

		for (int i = 0; i < 128; i++) {
			if (p[i] != g_eval.deflt)
				continue;
			if (g_eval.slot38)
				return 0; /* twice: not sure which */
			g_eval.slot38 = &p[i];
		}
		if (!g_eval.slot38)
			return 0;
	}
	/* a debugger or JIT has its own there: leave it alone */
	return eval_current() == g_eval.deflt;
}

static void eval_set(int on)
{
	void *ours = vt_pyv.eval_takes_tstate ? (void *)eval_hook39 : (void *)eval_hook38;
	void *fn = !on ? g_eval.deflt : ours;

	if (!on && eval_current() != ours)
		return; /* someone put theirs in our place: theirs stays */
	if (vt_pyv.eval_takes_tstate)
		g_eval.setter(py.InterpMain(), fn); /* 3.11 stores the default as NULL */
	else
		*g_eval.slot38 = fn;
}

static int eval_install(void)
{
	return eval_available() ? 0 : -1;
}

static void eval_start(void)
{
	eval_token_update();
	eval_set(1);
}

static void eval_stop(void)
{
	eval_token_update();
	eval_set(0);
}

/* the frames open at a start never show their exit to this hook: it keeps them (pre_check) */
static void eval_name_stack(struct vt_thread *t, int ev, uint64_t at)
{
	name_open_frames(t, ev, at, 1);
}

const struct vt_hook vt_hook_eval = {
	.name = "eval",
	.kind = PY_HOOK_EVAL,
	.install = eval_install,
	.remove = eval_stop,
	.thread_start = NULL,
	.start = eval_start,
	.stop = eval_stop,
	.name_stack = eval_name_stack,
};
