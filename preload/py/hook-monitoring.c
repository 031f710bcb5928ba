/*
 * hook-monitoring.c - sys.monitoring (PEP 669, 3.12+) with a free tool id (4, else 3), so
 * that a user's cProfile (tool 2) keeps working; C calls through CALL/C_RETURN/C_RAISE
 * unless VT_IGNORE_C=1.
 */
#include <stddef.h>

#include "preload/py/hook.h"

/*
 * ---- sys.monitoring callbacks (3.12+) ----
 *
 * Each has the vectorcall signature, @nargsf possibly carrying
 * PY_VECTORCALL_ARGUMENTS_OFFSET, so the same function serves as the vectorcall slot of a
 * vt callback object (mon_callable) and, as a fallback, as a METH_FASTCALL|METH_KEYWORDS
 * builtin (whose nargs never has that bit).
 */
#define MON_ARGS PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames
#define MON_NARGS ((Py_ssize_t)(nargsf & ~VT_VECTORCALL_ARGUMENTS_OFFSET))
#define MON_UNUSED() ((void)self, (void)args, (void)nargsf, (void)kwnames)

static PyObject *mon_start(MON_ARGS)
{
	NOP_RETURN(py.None);
	uint64_t now = early_now();
	struct vt_thread *t = vt_thread_cur();

	MON_UNUSED();
	if (VT_LIKELY(t) && vt_room(t, VT_EV_CALL)) {
		int64_t id = code_id(t, args[0]);

		if (rec_call(t, VT_REC_CALL, id, now) && VT_UNLIKELY(vt_cfg.log_args))
			write_args(t, py.GetFrame(), (uint32_t)id);
	}
	return py.None;
}

static PyObject *mon_resume(MON_ARGS)
{
	NOP_RETURN(py.None);
	uint64_t now = early_now();
	struct vt_thread *t = vt_thread_cur();

	MON_UNUSED();
	if (VT_LIKELY(t) && vt_room(t, VT_EV_CALL))
		rec_call(t, VT_REC_RESUME, code_id(t, args[0]), now);
	return py.None;
}

#define MON_RET(fn, kind)                                                      \
	static PyObject *fn(MON_ARGS)                                          \
	{                                                                      \
		NOP_RETURN(py.None);                                           \
		uint64_t now = early_now();                                    \
		struct vt_thread *t = vt_thread_cur();                         \
		MON_UNUSED();                                                  \
		if (VT_LIKELY(t) && vt_room(t, VT_EV_RET))                     \
			rec_ret(t, kind, now,                                  \
				kind == VT_REC_RET && MON_NARGS > 2 ? args[2] : NULL); \
		return py.None;                                                \
	}
MON_RET(mon_return, VT_REC_RET)
MON_RET(mon_yield, VT_REC_YIELD)
MON_RET(mon_unwind, VT_REC_UNWIND)

/* RAISE (3.12+, with VT_LOG_EXCEPTIONS=1): code, offset, exception */
static PyObject *mon_raise(MON_ARGS)
{
	struct vt_thread *t = vt_thread_cur();

	MON_UNUSED();
	if (MON_NARGS >= 3 && t && vt_room(t, VT_EV_OTHER)) {
		long off = py.AsLong(args[1]);

		if (off == -1 && py.ErrOccurred())
			py.ErrClear();
		record_exception(t, args[2], args[0], off >= 0 ? py.Addr2Line(args[0], (int)off) : 0);
	}
	return py.None;
}

static PyObject *mon_call(MON_ARGS)
{
	NOP_RETURN(py.None);
	struct vt_thread *t;
	int is_descr;
	void *ml;

	MON_UNUSED();
	if (MON_NARGS < 3 || !(ml = vt_cfunc_key(args[2], &is_descr)))
		return py.None;
	t = vt_thread_cur();
	if (VT_LIKELY(t) && vt_room(t, VT_EV_CCALL))
		rec_ccall(t, cfunc_id(t, args[2], ml, is_descr), early_now(), NULL, args[0]);
	return py.None;
}

static PyObject *mon_cret(PyObject *const *args, Py_ssize_t n, unsigned kind)
{
	NOP_RETURN(py.None);
	struct vt_thread *t;
	int is_descr;

	if (n < 3 || !vt_cfunc_key(args[2], &is_descr))
		return py.None;
	t = vt_thread_cur();
	if (VT_LIKELY(t) && vt_room(t, VT_EV_CRET))
		rec_ret(t, kind, early_now(), NULL);
	return py.None;
}

static PyObject *mon_c_return(MON_ARGS)
{
	MON_UNUSED();
	return mon_cret(args, MON_NARGS, VT_REC_CRET);
}

static PyObject *mon_c_raise(MON_ARGS)
{
	MON_UNUSED();
	return mon_cret(args, MON_NARGS, VT_REC_CRAISE);
}

#define MON_FLAGS (VT_METH_FASTCALL | VT_METH_KEYWORDS)
static struct vt_methoddef mon_defs[] = {
	{ "PY_START", (void *)mon_start, MON_FLAGS, NULL },
	{ "PY_RESUME", (void *)mon_resume, MON_FLAGS, NULL },
	{ "PY_THROW", (void *)mon_resume, MON_FLAGS, NULL },
	{ "PY_RETURN", (void *)mon_return, MON_FLAGS, NULL },
	{ "PY_YIELD", (void *)mon_yield, MON_FLAGS, NULL },
	{ "PY_UNWIND", (void *)mon_unwind, MON_FLAGS, NULL },
	{ "CALL", (void *)mon_call, MON_FLAGS, NULL },
	{ "C_RETURN", (void *)mon_c_return, MON_FLAGS, NULL },
	{ "C_RAISE", (void *)mon_c_raise, MON_FLAGS, NULL },
};

/*
 * sys.monitoring calls a callback through the vectorcall protocol. A builtin function
 * gets there through CPython's cfunction_vectorcall_*, which fetches the thread state (a
 * TLS lookup through __tls_get_addr in a shared libpython), checks the keywords and
 * counts the C recursion depth: about 40 instructions per event, and fib on 3.12 has 2-3
 * events per call. So vt's callbacks are objects of a small type of its own ("vt.callback",
 * made once with PyType_FromSpec) whose vectorcall slot is the callback itself.
 */
/* an object of that type: its PyObject_HEAD (16 bytes; 32 in a free-threaded build,
 * where ob_type is at 24), then the vectorcall pointer right after ob_type */
#define CB_VECTORCALL ((size_t)vt_pyv.off.ob_type + sizeof(void *))
#define CB_SIZE (CB_VECTORCALL + sizeof(void *))

struct vt_memberdef {
	const char *name;
	int type;
	Py_ssize_t offset;
	int flags;
	const char *doc;
};

struct vt_type_slot {
	int slot;
	void *pfunc;
};

struct vt_type_spec {
	const char *name;
	int basicsize, itemsize;
	unsigned int flags;
	struct vt_type_slot *slots;
};


static void *g_cb_type;

/* a callable object that runs @def's function through vectorcall; NULL when it cannot be
 * made (the caller falls back to a builtin function) */
static PyObject *mon_callable(struct vt_methoddef *def)
{
	PyObject *o;

	if (!g_cb_type) {
		static struct vt_memberdef members[] = {
			{ "__vectorcalloffset__", VT_T_PYSSIZET,
			  0 /* CB_VECTORCALL, below */, VT_READONLY, NULL },
			{ NULL, 0, 0, 0, NULL },
		};
		struct vt_type_slot slots[] = {
			{ VT_Py_tp_call, vt_pysym("PyVectorcall_Call") },
			{ VT_Py_tp_members, members },
			{ VT_Py_tp_doc, "a sys.monitoring callback of vt's" },
			{ 0, NULL },
		};
		struct vt_type_spec spec = {
			"vt.callback", (int)CB_SIZE, 0,
			VT_TPFLAGS_HAVE_VERSION_TAG | VT_TPFLAGS_HAVE_VECTORCALL |
				VT_TPFLAGS_IMMUTABLETYPE | VT_TPFLAGS_DISALLOW_INSTANTIATION,
			slots,
		};
		PyObject *(*from_spec)(struct vt_type_spec *) = vt_pysym("PyType_FromSpec");

		members[0].offset = (Py_ssize_t)CB_VECTORCALL;

		if (!from_spec || !slots[0].pfunc || !py.GenericAlloc)
			return NULL;
		g_cb_type = from_spec(&spec); /* kept for the process */
		if (!g_cb_type) {
			py.ErrClear();
			return NULL;
		}
	}
	o = py.GenericAlloc(g_cb_type, 0);
	if (!o) {
		py.ErrClear();
		return NULL;
	}
	FIELD(o, CB_VECTORCALL, void *) = def->ml_meth;
	return o;
}

/* @def as a callback object, or as a builtin function when that cannot be made */
static PyObject *mon_callback(struct vt_methoddef *def)
{
	PyObject *cb = mon_callable(def);

	return cb ? cb : py.CFunction_NewEx(def, NULL, NULL);
}

/* sys.monitoring.@name, a new reference; NULL with the exception cleared */
PyObject *py_mon_attr(const char *name)
{
	PyObject *sys = py.ImportModule("sys"), *mon, *v;

	mon = sys ? py.GetAttrString(sys, "monitoring") : NULL;
	v = mon ? py.GetAttrString(mon, name) : NULL;
	if (mon)
		py.DecRef(mon);
	if (sys)
		py.DecRef(sys);
	if (!v)
		py.ErrClear();
	return v;
}

/* @fn(*@args) (both references are taken); its result, or NULL with the exception cleared */
PyObject *py_call_taking(PyObject *fn, PyObject *args)
{
	PyObject *r = fn && args ? py.CallObject(fn, args) : NULL;

	if (args)
		py.DecRef(args);
	if (fn)
		py.DecRef(fn);
	if (!r)
		py.ErrClear();
	return r;
}

/* sys.monitoring.set_events(tool, mask): 0, or -1 (exception cleared) */
static int set_mon_events(long mask)
{
	PyObject *r = py_call_taking(py_mon_attr("set_events"), py.BuildValue("(il)", py_m.tool, mask));

	if (!r)
		return -1;
	py.DecRef(r);
	return 0;
}


/* @fn(*@args) (@args' reference is taken): 0, or -1 with the exception cleared */
int py_call_ok(PyObject *fn, PyObject *args)
{
	PyObject *r;

	if (fn)
		py.IncRef(fn); /* call_taking takes one */
	r = py_call_taking(fn, args);
	if (!r)
		return -1;
	py.DecRef(r);
	return 0;
}

/*
 * Take a free tool id other than @avoid (4, else 3: 0-2 and 5 belong to debuggers,
 * coverage, profilers like cProfile and optimizers) and register vt's callbacks on it.
 * Returns 0, or -1 when no id is free or it failed.
 */
int py_mon_take(int avoid)
{
	static const int tools[] = { 4, 3 };
	PyObject *events = py_m.mon ? py.GetAttrString(py_m.mon, "events") : NULL;
	size_t i, nev = sizeof(mon_defs) / sizeof(mon_defs[0]);
	long mask = 0;

	py_m.tool = -1;
	for (i = 0; i < 2 && py_m.tool < 0 && events; i++)
		if (tools[i] != avoid &&
		    py_call_ok(py_m.real_use_tool, py.BuildValue("(is)", tools[i], "vt")) == 0)
			py_m.tool = tools[i];
	if (py_m.tool < 0)
		goto fail;
	for (i = 0; i < nev; i++) {
		PyObject *ev, *cb, *fn;

		if (i >= 6 && vt_cfg.ignore_c)
			continue;
		ev = py.GetAttrString(events, mon_defs[i].ml_name);
		if (!ev)
			goto fail;
		mask |= py.AsLong(ev);
		cb = mon_callback(&mon_defs[i]);
		fn = py.GetAttrString(py_m.mon, "register_callback");
		if (py_call_ok(fn, cb && fn ? py.BuildValue("(iOO)", py_m.tool, ev, cb) : NULL) < 0) {
			py.DecRef(ev);
			if (fn)
				py.DecRef(fn);
			if (cb)
				py.DecRef(cb);
			goto fail;
		}
		py.DecRef(ev);
		py.DecRef(fn);
		py.DecRef(cb); /* sys.monitoring holds it now */
	}
	if (vt_cfg.log_exceptions) {
		static struct vt_methoddef raise_def = { "RAISE", (void *)mon_raise, MON_FLAGS,
							 NULL };
		PyObject *ev = py.GetAttrString(events, "RAISE"), *cb, *fn;

		if (!ev)
			goto fail;
		cb = mon_callback(&raise_def);
		fn = py.GetAttrString(py_m.mon, "register_callback");
		mask |= py.AsLong(ev);
		if (py_call_ok(fn, cb && fn ? py.BuildValue("(iOO)", py_m.tool, ev, cb) : NULL) < 0) {
			py.DecRef(ev);
			goto fail;
		}
		py.DecRef(ev);
		py.DecRef(fn);
		py.DecRef(cb);
	}
	py_m.mask = mask;
	if (py_h.recording && set_mon_events(mask) < 0)
		goto fail;
	py.DecRef(events);
	return 0;
fail:
	if (py.ErrOccurred())
		py.ErrClear();
	if (events)
		py.DecRef(events);
	return -1;
}

/* Returns 0 when sys.monitoring is set up, -1 when no tool id is free or it failed. */
static int install_monitoring(void)
{
	PyObject *sys = py.ImportModule("sys");

	py_m.mon = sys ? py.GetAttrString(sys, "monitoring") : NULL; /* kept for the process */
	if (sys)
		py.DecRef(sys);
	if (!py_m.mon) {
		py.ErrClear();
		return -1;
	}
	py_m.real_use_tool = py.GetAttrString(py_m.mon, "use_tool_id");
	py_m.real_free_tool = py.GetAttrString(py_m.mon, "free_tool_id");
	if (!py_m.real_use_tool || !py_m.real_free_tool || py_mon_take(-1) < 0) {
		py.ErrClear();
		return -1;
	}
	return 0; /* install.c has coexist.c wrap use_tool_id and free_tool_id */
}


/* vt detach: the callbacks unregistered (3.12's free_tool_id leaves them) and the tool
 * id given back */
void py_mon_release(void)
{
	PyObject *events = py_m.mon ? py.GetAttrString(py_m.mon, "events") : NULL;
	PyObject *reg = py_m.mon ? py.GetAttrString(py_m.mon, "register_callback") : NULL;

	for (size_t i = 0; events && reg && py_m.tool >= 0 && i <= sizeof(mon_defs) / sizeof(mon_defs[0]); i++) {
		const char *name = i < sizeof(mon_defs) / sizeof(mon_defs[0]) ? mon_defs[i].ml_name : "RAISE";
		PyObject *ev = py.GetAttrString(events, name);

		if (ev) {
			py_call_ok(reg, py.BuildValue("(iOO)", py_m.tool, ev, py.None));
			py.DecRef(ev);
		}
	}
	if (py.ErrOccurred())
		py.ErrClear();
	if (events)
		py.DecRef(events);
	if (reg)
		py.DecRef(reg);
	if (py_m.tool >= 0 && py_m.real_free_tool)
		py_call_ok(py_m.real_free_tool, py.BuildValue("(i)", py_m.tool));
	py_m.tool = -1;
	py_m.mask = 0;
	if (py_m.real_use_tool)
		py.DecRef(py_m.real_use_tool);
	if (py_m.real_free_tool)
		py.DecRef(py_m.real_free_tool);
	if (py_m.mon)
		py.DecRef(py_m.mon);
	py_m.real_use_tool = py_m.real_free_tool = py_m.mon = NULL;
}

static int mon_install(void)
{
	return install_monitoring();
}

static void mon_on(void)
{
	if (set_mon_events(py_m.mask) < 0)
		vt_log("cannot enable sys.monitoring events; no events are recorded");
}

static void mon_off(void)
{
	set_mon_events(0);
}

static void mon_name_stack(struct vt_thread *t, int ev, uint64_t at)
{
	name_open_frames(t, ev, at, 0);
}

const struct vt_hook vt_hook_monitoring = {
	.name = "monitoring",
	.kind = PY_HOOK_MONITORING,
	.install = mon_install,
	.remove = mon_off,
	.thread_start = NULL,
	.start = mon_on,
	.stop = mon_off,
	.name_stack = mon_name_stack,
};
