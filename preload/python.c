/*
 * python.c - finding CPython in the process, installing the hook, and the callbacks.
 *
 * libvt.so is not linked against libpython: a static python executable (Debian's
 * /usr/bin/python3) would get a second runtime. Every Python symbol is looked up with
 * dlsym(RTLD_DEFAULT) instead, and objects are handled as opaque pointers. The few
 * struct fields read directly (ob_type, PyCFunctionObject.m_ml/m_self/m_module,
 * PyMethodDescrObject.d_type/d_method, the frame's code on 3.8-3.11) have the same
 * offsets on every CPython from 3.8 to 3.13; see docs/HOOKS.md.
 *
 * When the hook is installed:
 *  - `python ...`: at the first cpython.run_* audit event (after site, before user code),
 *    through an audit hook registered before Py_Initialize (PEP 578). This works for
 *    static and shared builds alike.
 *  - programs that embed Python: when an interposed Py_Initialize* returns.
 *
 * Which hook:
 *  - 3.12+: sys.monitoring with a free tool id (4, else 3), so a user's cProfile (tool 2)
 *    keeps working; C calls through CALL/C_RETURN/C_RAISE unless VT_IGNORE_C=1.
 *  - 3.8-3.11: PyEval_SetProfile in each thread; new threads get it from a wrapper around
 *    _thread.start_new_thread, which threading uses.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/vt.h"

typedef struct _object PyObject;
typedef ssize_t Py_ssize_t;
typedef int (*vt_tracefunc)(PyObject *, void *, int, PyObject *);
typedef int (*vt_audithook)(const char *, PyObject *, void *);

/* PyMethodDef, as in every CPython 3.x */
struct vt_methoddef {
	const char *ml_name;
	void *ml_meth;
	int ml_flags;
	const char *ml_doc;
};
#define VT_METH_VARARGS 0x0001
#define VT_METH_KEYWORDS 0x0002
#define VT_METH_NOARGS 0x0004
#define VT_METH_FASTCALL 0x0080

/* PyTrace_* what codes */
enum { PT_CALL = 0, PT_EXCEPTION = 1, PT_LINE = 2, PT_RETURN = 3, PT_C_CALL = 4,
       PT_C_EXCEPTION = 5, PT_C_RETURN = 6 };

/* Field offsets (bytes), equal on 3.8-3.13 (checked against each version's headers) */
#define OFF_OB_TYPE 8
#define OFF_CFUNC_ML 16
#define OFF_CFUNC_SELF 24
#define OFF_CFUNC_MODULE 32
#define OFF_DESCR_TYPE 16
#define OFF_DESCR_METHOD 40
#define OFF_FRAME38_CODE 32  /* PyFrameObject.f_code, 3.8-3.10 */
#define OFF_FRAME311_IFRAME 24 /* PyFrameObject.f_frame, 3.11 */
#define OFF_IFRAME311_CODE 32  /* _PyInterpreterFrame.f_code, 3.11 */

/* libvt-nop.so: the same hooks, returning at once (the overhead floor) */
#ifdef VT_NOP
#define NOP_RETURN(v) return v
#else
#define NOP_RETURN(v) do { } while (0)
#endif

#define FIELD(obj, off, type) (*(type *)((char *)(obj) + (off)))
#define TYPE_OF(obj) FIELD(obj, OFF_OB_TYPE, void *)

/* The C API we use, resolved once with dlsym. */
static struct {
	int (*AddAuditHook)(vt_audithook, void *);
	const char *(*GetVersion)(void);
	int (*IsInitialized)(void);
	void (*SetProfile)(vt_tracefunc, PyObject *);
	void (*SetProfileAllThreads)(vt_tracefunc, PyObject *);
	PyObject *(*ImportModule)(const char *);
	PyObject *(*GetAttrString)(PyObject *, const char *);
	int (*SetAttrString)(PyObject *, const char *, PyObject *);
	PyObject *(*Call)(PyObject *, PyObject *, PyObject *);
	PyObject *(*CallObject)(PyObject *, PyObject *);
	PyObject *(*BuildValue)(const char *, ...);
	PyObject *(*CFunction_NewEx)(struct vt_methoddef *, PyObject *, PyObject *);
	const char *(*AsUTF8AndSize)(PyObject *, Py_ssize_t *);
	long (*AsLong)(PyObject *);
	void (*IncRef)(PyObject *);
	void (*DecRef)(PyObject *);
	PyObject *(*ErrOccurred)(void);
	void (*ErrClear)(void);
	void (*ErrFetch)(PyObject **, PyObject **, PyObject **);
	void (*ErrRestore)(PyObject *, PyObject *, PyObject *);
	int (*ErrExceptionMatches)(PyObject *);
	void (*WriteUnraisableMsg)(const char *, PyObject *);
	PyObject *(*FrameGetCode)(void *);
	PyObject *(*DictGetItem)(PyObject *, PyObject *);
	PyObject *(*GetItemString)(PyObject *, const char *);
	PyObject *(*LongFromUnsignedLong)(unsigned long);
	PyObject *(*SysGetObject)(const char *);
	int (*TupleSize)(PyObject *);
	PyObject *(*TupleGetItem)(PyObject *, Py_ssize_t);
	int (*TypeIsSubtype)(void *, void *);
	unsigned long (*ThreadIdent)(void);
	void *(*InterpMain)(void);
	void *(*InterpGet)(void);
	void *(*TstateGet)(void);
	void *(*GetFrame)(void);
	void *(*FrameGetBack)(void *);
	void *(*ThreadHead)(void *);
	void *(*ThreadNext)(void *);
	int (*SetProfileTstate)(void *, vt_tracefunc, PyObject *);
	int (*AddPendingCall)(int (*)(void *), void *);
	PyObject *None;
	PyObject **ExcSystemExit;
	void *CFunctionType, *CMethodType, *MethodDescrType, *ModuleType, *TypeType,
		*UnicodeType;
} py;

int vt_launcher;
int vt_in_init;
char vt_pyversion[32];
int vt_py_minor;

/* installing: audit events we cause ourselves are ignored meanwhile */
static int g_installing;
/* the hooks are installed and events are recorded (VT_START=signal, VT_DELAY: not yet) */
static volatile int g_recording;
/* sys.monitoring callbacks registered; the events they listen to */
static int g_monitoring_ready;
static long g_mon_mask;
/* this thread is calling PyEval_SetProfile itself: its audit event is not an eviction */
static __thread int t_own_setprofile;
/* PyThreadState.c_profilefunc: 56 on 3.8-3.10, 64 on 3.11-3.12, 80 on 3.13 */
static size_t g_off_profilefunc;
/* 1 in PyEval_SetProfile mode, 0 in sys.monitoring mode */
static int g_profile_mode;
/* sys.monitoring tool id in use */
static int g_tool = -1;
/* the original _thread.start_new_thread, kept alive while patched */
static PyObject *g_real_start_thread;
/* threading._active, for thread names (borrowed from the module, which lives on) */
static PyObject *g_threading_active;

static void *sym(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}

static int resolve_api(void)
{
#define NEED(field, name)                          \
	do {                                       \
		*(void **)&py.field = sym(name);   \
		if (!py.field)                     \
			return -1;                 \
	} while (0)
	NEED(IsInitialized, "Py_IsInitialized");
	NEED(SetProfile, "PyEval_SetProfile");
	NEED(ImportModule, "PyImport_ImportModule");
	NEED(GetAttrString, "PyObject_GetAttrString");
	NEED(SetAttrString, "PyObject_SetAttrString");
	NEED(Call, "PyObject_Call");
	NEED(CallObject, "PyObject_CallObject");
	NEED(BuildValue, "Py_BuildValue");
	NEED(CFunction_NewEx, "PyCFunction_NewEx");
	NEED(AsUTF8AndSize, "PyUnicode_AsUTF8AndSize");
	NEED(AsLong, "PyLong_AsLong");
	NEED(IncRef, "Py_IncRef");
	NEED(DecRef, "Py_DecRef");
	NEED(ErrOccurred, "PyErr_Occurred");
	NEED(ErrClear, "PyErr_Clear");
	NEED(ErrFetch, "PyErr_Fetch");
	NEED(ErrRestore, "PyErr_Restore");
	NEED(ErrExceptionMatches, "PyErr_ExceptionMatches");
	NEED(DictGetItem, "PyDict_GetItem");
	NEED(GetItemString, "PyMapping_GetItemString");
	NEED(LongFromUnsignedLong, "PyLong_FromUnsignedLong");
	NEED(SysGetObject, "PySys_GetObject");
	NEED(TupleSize, "PyTuple_Size");
	NEED(TupleGetItem, "PyTuple_GetItem");
	NEED(TypeIsSubtype, "PyType_IsSubtype");
	NEED(ThreadIdent, "PyThread_get_thread_ident");
	NEED(InterpMain, "PyInterpreterState_Main");
	NEED(TstateGet, "PyThreadState_Get");
	NEED(GetFrame, "PyEval_GetFrame");
	NEED(ThreadHead, "PyInterpreterState_ThreadHead");
	NEED(ThreadNext, "PyThreadState_Next");
	NEED(AddPendingCall, "Py_AddPendingCall");
	NEED(None, "_Py_NoneStruct");
	NEED(ExcSystemExit, "PyExc_SystemExit");
	NEED(CFunctionType, "PyCFunction_Type");
	NEED(MethodDescrType, "PyMethodDescr_Type");
	NEED(ModuleType, "PyModule_Type");
	NEED(TypeType, "PyType_Type");
	NEED(UnicodeType, "PyUnicode_Type");
#undef NEED
	*(void **)&py.InterpGet = sym("PyInterpreterState_Get");
	if (!py.InterpGet)
		*(void **)&py.InterpGet = sym("_PyInterpreterState_Get"); /* 3.8 */
	*(void **)&py.FrameGetCode = sym("PyFrame_GetCode");
	*(void **)&py.FrameGetBack = sym("PyFrame_GetBack");
	*(void **)&py.SetProfileTstate = sym("_PyEval_SetProfile"); /* 3.9-3.11: any thread */
	*(void **)&py.SetProfileAllThreads = sym("PyEval_SetProfileAllThreads");
	*(void **)&py.WriteUnraisableMsg = sym("_PyErr_WriteUnraisableMsg");
	py.CMethodType = sym("PyCMethod_Type"); /* 3.9+ */
	return py.InterpGet ? 0 : -1;
}

/* ---- naming (cold path: first sight of a code object or C function) ---- */

/* UTF-8 of a str attribute; NULL (and no exception) when absent */
static const char *attr_utf8(PyObject *o, const char *name, PyObject **hold, Py_ssize_t *len)
{
	PyObject *v = py.GetAttrString(o, name);

	*hold = v;
	if (!v) {
		py.ErrClear();
		return NULL;
	}
	if (TYPE_OF(v) != py.UnicodeType) {
		*len = 0;
		return NULL;
	}
	const char *s = py.AsUTF8AndSize(v, len);
	if (!s)
		py.ErrClear();
	return s;
}

static int64_t intern_code(PyObject *code)
{
	PyObject *et, *ev, *tb, *h1 = NULL, *h2 = NULL, *h3 = NULL;
	const char *name, *file;
	Py_ssize_t nlen = 0, flen = 0;
	long line = 0;
	int64_t id;

	py.ErrFetch(&et, &ev, &tb);
	name = attr_utf8(code, vt_py_minor >= 11 ? "co_qualname" : "co_name", &h1, &nlen);
	file = attr_utf8(code, "co_filename", &h2, &flen);
	h3 = py.GetAttrString(code, "co_firstlineno");
	if (h3)
		line = py.AsLong(h3);
	if (py.ErrOccurred())
		py.ErrClear();
	if (!name) {
		name = "<unknown>";
		nlen = 9;
	}
	if (!file) {
		file = "";
		flen = 0;
	}
	id = vt_intern_add(code, VT_DEF_PY, name, (size_t)nlen, file, (size_t)flen,
			   line > 0 ? (uint32_t)line : 0);
	if (id >= 0)
		py.IncRef(code); /* pinned: its address is never reused during the trace */
	if (h1)
		py.DecRef(h1);
	if (h2)
		py.DecRef(h2);
	if (h3)
		py.DecRef(h3);
	py.ErrRestore(et, ev, tb);
	return id;
}

/* The class that defines @meth_name, searching the MRO of @type. New reference or NULL. */
static PyObject *defining_class(PyObject *type, const char *meth_name)
{
	PyObject *mro = py.GetAttrString(type, "__mro__");
	PyObject *found = NULL;

	if (!mro) {
		py.ErrClear();
		return NULL;
	}
	int n = py.TupleSize(mro);
	for (int i = 0; i < n && !found; i++) {
		PyObject *cls = py.TupleGetItem(mro, i);
		PyObject *dict = cls ? py.GetAttrString(cls, "__dict__") : NULL;
		PyObject *v;

		if (!dict) {
			py.ErrClear();
			continue;
		}
		v = py.GetItemString(dict, meth_name);
		if (v) {
			found = cls;
			py.IncRef(found);
			py.DecRef(v);
		} else {
			py.ErrClear();
		}
		py.DecRef(dict);
	}
	py.DecRef(mro);
	return found;
}

/* "<qualname of cls>.<name>" into buf */
static size_t qualify(char *buf, size_t cap, PyObject *cls, const char *name)
{
	PyObject *h = NULL;
	Py_ssize_t len = 0;
	const char *q = cls ? attr_utf8(cls, "__qualname__", &h, &len) : NULL;
	int n;

	if (q)
		n = snprintf(buf, cap, "%.*s.%s", (int)len, q, name);
	else
		n = snprintf(buf, cap, "%s", name);
	if (h)
		py.DecRef(h);
	return n < 0 ? 0 : ((size_t)n >= cap ? cap - 1 : (size_t)n);
}

static int is_type(PyObject *o)
{
	void *t = TYPE_OF(o);

	return t == py.TypeType || py.TypeIsSubtype(t, py.TypeType);
}

/*
 * Name a C function by its defining type (list.append, not a subclass), or by its module
 * (time.sleep; builtins are named bare: len).
 */
static int64_t intern_cfunc(void *ml, PyObject *callable, int is_descr)
{
	const char *mname = *(const char **)ml;
	PyObject *et, *ev, *tb, *cls = NULL;
	char buf[512];
	size_t n;
	int64_t id;

	if (!mname)
		mname = "<unknown>";
	py.ErrFetch(&et, &ev, &tb);
	if (is_descr) {
		cls = FIELD(callable, OFF_DESCR_TYPE, PyObject *);
		n = qualify(buf, sizeof(buf), cls, mname);
	} else {
		PyObject *self = FIELD(callable, OFF_CFUNC_SELF, PyObject *);
		PyObject *mod = FIELD(callable, OFF_CFUNC_MODULE, PyObject *);

		if (self && TYPE_OF(self) != py.ModuleType &&
		    !py.TypeIsSubtype(TYPE_OF(self), py.ModuleType)) {
			PyObject *type = is_type(self) ? self : (PyObject *)TYPE_OF(self);

			cls = defining_class(type, mname);
			n = qualify(buf, sizeof(buf), cls ? cls : type, mname);
			if (cls)
				py.DecRef(cls);
		} else {
			Py_ssize_t len = 0;
			const char *m = NULL;

			if (mod && TYPE_OF(mod) == py.UnicodeType)
				m = py.AsUTF8AndSize(mod, &len);
			if (m && !(len == 8 && !memcmp(m, "builtins", 8))) {
				int k = snprintf(buf, sizeof(buf), "%.*s.%s", (int)len, m, mname);
				n = k < 0 ? 0 : ((size_t)k >= sizeof(buf) ? sizeof(buf) - 1 : (size_t)k);
			} else {
				n = snprintf(buf, sizeof(buf), "%s", mname) >= (int)sizeof(buf)
					    ? sizeof(buf) - 1
					    : strlen(buf);
			}
		}
	}
	if (py.ErrOccurred())
		py.ErrClear();
	py.ErrRestore(et, ev, tb);
	id = vt_intern_add(ml, VT_DEF_C, buf, n, "", 0, 0);
	return id;
}

/* ---- thread names ---- */

static void try_thread_name(struct vt_thread *t)
{
	PyObject *et, *ev, *tb, *key, *th, *name;
	const char *s = NULL;
	Py_ssize_t len = 0;
	uint8_t *p;

	t->name_tries--;
	if (t->tid == vt_pid) {
		s = "MainThread";
		len = 10;
		goto emit;
	}
	if (!g_threading_active) {
		PyObject *mods = py.SysGetObject("modules"), *thr;

		thr = mods ? py.GetItemString(mods, "threading") : NULL;
		if (!thr) {
			py.ErrClear();
			return;
		}
		g_threading_active = py.GetAttrString(thr, "_active"); /* kept: a dict */
		py.DecRef(thr);
		if (!g_threading_active) {
			py.ErrClear();
			return;
		}
	}
	py.ErrFetch(&et, &ev, &tb);
	key = py.LongFromUnsignedLong(py.ThreadIdent());
	th = key ? py.DictGetItem(g_threading_active, key) : NULL; /* borrowed, never raises */
	if (key)
		py.DecRef(key);
	if (th && (name = py.GetAttrString(th, "_name"))) {
		if (TYPE_OF(name) == py.UnicodeType && (s = py.AsUTF8AndSize(name, &len))) {
			p = vt_put_text_rec(t->buf + t->pos, VT_REC_TNAME, 0, s, (size_t)len);
			t->pos = (size_t)(p - t->buf);
			t->name_tries = 0;
		}
		py.DecRef(name);
	}
	if (py.ErrOccurred())
		py.ErrClear();
	py.ErrRestore(et, ev, tb);
	return;
emit:
	p = vt_put_text_rec(t->buf + t->pos, VT_REC_TNAME, 0, s, (size_t)len);
	t->pos = (size_t)(p - t->buf);
	t->name_tries = 0;
}

/* ---- the hot path ---- */

/* the delta to @now, read by the caller first thing so the clock's latency overlaps the
 * rest of the callback's work */
static inline uint64_t stamp_at(struct vt_thread *t, uint64_t now, uint64_t *dt)
{
	if (VT_UNLIKELY(now < t->last))
		now = t->last;
	*dt = now - t->last;
	t->last = now;
	return now;
}

static inline uint64_t stamp(struct vt_thread *t, uint64_t *dt)
{
	uint64_t now = vt_now();

	if (VT_UNLIKELY(now < t->last))
		now = t->last;
	*dt = now - t->last;
	t->last = now;
	return now;
}

static inline int64_t code_id(struct vt_thread *t, PyObject *code)
{
	int64_t id;

	if (t->cache_key == code)
		return t->cache_id; /* defined in this thread's stream when it was cached */
	id = vt_intern_find(code);
	if (VT_UNLIKELY(id < 0))
		id = intern_code(code);
	if (id >= 0) {
		vt_define(t, (uint32_t)id);
		t->cache_key = code;
		t->cache_id = (uint32_t)id;
	}
	return id;
}

static inline void rec_call(struct vt_thread *t, unsigned kind, int64_t id, uint64_t now)
{
	uint64_t dt;

	if (VT_UNLIKELY(id < 0)) {
		t->lost++;
		return;
	}
	stamp_at(t, now, &dt);
	t->pos = (size_t)(vt_put_id_rec(t->buf + t->pos, kind, (uint32_t)id, dt) - t->buf);
	t->events++;
	if (VT_UNLIKELY(vt_cfg.ring))
		vt_shadow_push(t, (uint32_t)id);
}

static inline void rec_ret(struct vt_thread *t, unsigned kind, uint64_t now)
{
	uint64_t dt;

	stamp_at(t, now, &dt);
	t->pos = (size_t)(vt_put_dt_rec(t->buf + t->pos, kind, dt) - t->buf);
	t->events++;
	if (VT_UNLIKELY(vt_cfg.ring))
		vt_shadow_pop(t);
}

static inline PyObject *frame_code(void *frame)
{
	if (vt_py_minor <= 10)
		return FIELD(frame, OFF_FRAME38_CODE, PyObject *);
	return FIELD(FIELD(frame, OFF_FRAME311_IFRAME, void *), OFF_IFRAME311_CODE, PyObject *);
}

/* the code object of any frame, 3.8-3.13; a borrowed reference (interning pins it) */
static PyObject *any_frame_code(void *f)
{
	PyObject *c;

	if (vt_py_minor <= 11)
		return frame_code(f);
	c = py.FrameGetCode(f);
	if (c)
		py.DecRef(c); /* the frame keeps it alive */
	return c;
}

/*
 * A fork child carries on inside frames that the parent entered: write CALLs for them
 * (oldest first) so that the child's timeline shows where it runs and its returns pair up.
 * On a call event the newest frame is the one being entered, which the event itself
 * records, so it is left out.
 */
static void write_inherited_stack(struct vt_thread *t, int is_call)
{
	PyObject *codes[256];
	void *f = py.GetFrame();
	int n = 0, skip = is_call;

	while (f && n < 256) {
		if (skip)
			skip = 0;
		else
			codes[n++] = any_frame_code(f);
		if (py.FrameGetBack) {
			void *b = py.FrameGetBack(f);

			if (b)
				py.DecRef(b);
			f = b;
		} else {
			f = FIELD(f, 24, void *); /* 3.8: PyFrameObject.f_back */
		}
	}
	while (n-- > 0) {
		int64_t id = codes[n] ? code_id(t, codes[n]) : -1;
		uint64_t dt;

		if (id < 0)
			continue;
		vt_define(t, (uint32_t)id);
		stamp(t, &dt);
		t->pos = (size_t)(vt_put_id_rec(t->buf + t->pos, VT_REC_CALL, (uint32_t)id, dt) -
				  t->buf);
		if (vt_cfg.ring)
			vt_shadow_push(t, (uint32_t)id);
		if (t->pos >= t->limit)
			break; /* keep the headroom for the event itself */
	}
}

static uint32_t stack_depth(void);
static void put_mark(struct vt_thread *t, const char *text);

static void pending_work(struct vt_thread *t, int is_call)
{
	if (t->resync) {
		t->resync = 0;
		write_inherited_stack(t, is_call);
	}
	if (t->resync_stack) {
		/* recording (re)started: these frames were entered before; say how deep */
		uint64_t dt;

		t->resync_stack = 0;
		stamp(t, &dt);
		uint32_t depth = stack_depth();

		t->pos = (size_t)(vt_put_stack(t->buf + t->pos, dt,
					       depth > (uint32_t)is_call ? depth - (uint32_t)is_call : 0) -
				  t->buf);
	}
	if (t->name_tries)
		try_thread_name(t);
	t->pending = t->resync || t->resync_stack || t->name_tries;
}

/* C function key and kind for a callable, or NULL when it is not a C function */
static inline void *cfunc_key(PyObject *callable, int *is_descr)
{
	void *type = TYPE_OF(callable);

	if (type == py.CFunctionType || (type == py.CMethodType && type)) {
		*is_descr = 0;
		return FIELD(callable, OFF_CFUNC_ML, void *);
	}
	if (type == py.MethodDescrType) {
		*is_descr = 1;
		return FIELD(callable, OFF_DESCR_METHOD, void *);
	}
	return NULL;
}

static inline int64_t cfunc_id(struct vt_thread *t, PyObject *callable, void *ml, int is_descr)
{
	int64_t id;

	if (t->cache_key == ml)
		return t->cache_id;
	id = vt_intern_find(ml);
	if (VT_UNLIKELY(id < 0))
		id = intern_cfunc(ml, callable, is_descr);
	if (id >= 0) {
		vt_define(t, (uint32_t)id);
		t->cache_key = ml;
		t->cache_id = (uint32_t)id;
	}
	return id;
}


/* PyEval_SetProfile callback (3.8-3.11, and 3.12+ when no monitoring tool id is free) */
static int prof_cb(PyObject *obj, void *frame, int what, PyObject *arg)
{
#ifdef VT_NOP
	return 0;
#endif
	uint64_t now = vt_now();
	struct vt_thread *t = vt_thread_cur();
	int is_descr;
	void *ml;

	(void)obj;
	if (VT_UNLIKELY(!t) || !g_recording || !vt_room(t, what == PT_CALL))
		return 0;
	switch (what) {
	case PT_CALL:
		rec_call(t, VT_REC_CALL, code_id(t, frame_code(frame)), now);
		break;
	case PT_RETURN:
		rec_ret(t, arg ? VT_REC_RET : VT_REC_UNWIND, now);
		break;
	case PT_C_CALL:
		if (vt_cfg.ignore_c || !(ml = cfunc_key(arg, &is_descr)))
			break;
		rec_call(t, VT_REC_CCALL, cfunc_id(t, arg, ml, is_descr), now);
		break;
	case PT_C_RETURN:
	case PT_C_EXCEPTION:
		if (vt_cfg.ignore_c || !cfunc_key(arg, &is_descr))
			break;
		rec_ret(t, what == PT_C_RETURN ? VT_REC_CRET : VT_REC_CRAISE, now);
		break;
	default:
		break;
	}
	return 0;
}

/* 3.11 keeps the code in the interpreter frame; check our offsets against the API once. */
static int frame_offsets_ok(void)
{
	/* PyEval_GetFrame returns a borrowed frame of the running code: <module> here */
	void *(*get_frame)(void) = (void *(*)(void))sym("PyEval_GetFrame");
	void *f;
	PyObject *c;
	int ok;

	if (!py.FrameGetCode || !get_frame)
		return vt_py_minor == 8; /* 3.8 has no PyFrame_GetCode; its layout is fixed */
	f = get_frame();
	if (!f)
		return 1; /* nothing to compare against; the offsets match the headers */
	c = py.FrameGetCode(f);
	ok = c == frame_code(f);
	if (c)
		py.DecRef(c);
	return ok;
}

/* ---- sys.monitoring callbacks (3.12+), METH_FASTCALL ---- */

static PyObject *mon_start(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	NOP_RETURN(py.None);
	uint64_t now = vt_now();
	struct vt_thread *t = vt_thread_cur();

	(void)self;
	(void)n;
	if (VT_LIKELY(t) && vt_room(t, 1))
		rec_call(t, VT_REC_CALL, code_id(t, args[0]), now);
	return py.None;
}

static PyObject *mon_resume(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	NOP_RETURN(py.None);
	uint64_t now = vt_now();
	struct vt_thread *t = vt_thread_cur();

	(void)self;
	(void)n;
	if (VT_LIKELY(t) && vt_room(t, 1))
		rec_call(t, VT_REC_RESUME, code_id(t, args[0]), now);
	return py.None;
}

#define MON_RET(fn, kind)                                                               \
	static PyObject *fn(PyObject *self, PyObject *const *args, Py_ssize_t n)        \
	{                                                                               \
		NOP_RETURN(py.None);                                                    \
		uint64_t now = vt_now();                                                \
		struct vt_thread *t = vt_thread_cur();                                  \
		(void)self;                                                             \
		(void)args;                                                             \
		(void)n;                                                                \
		if (VT_LIKELY(t) && vt_room(t, 0))                                      \
			rec_ret(t, kind, now);                                          \
		return py.None;                                                         \
	}
MON_RET(mon_return, VT_REC_RET)
MON_RET(mon_yield, VT_REC_YIELD)
MON_RET(mon_unwind, VT_REC_UNWIND)

static PyObject *mon_call(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	NOP_RETURN(py.None);
	struct vt_thread *t;
	int is_descr;
	void *ml;

	(void)self;
	if (n < 3 || !(ml = cfunc_key(args[2], &is_descr)))
		return py.None;
	t = vt_thread_cur();
	if (VT_LIKELY(t) && vt_room(t, 0))
		rec_call(t, VT_REC_CCALL, cfunc_id(t, args[2], ml, is_descr), vt_now());
	return py.None;
}

static PyObject *mon_cret(PyObject *self, PyObject *const *args, Py_ssize_t n, unsigned kind)
{
	NOP_RETURN(py.None);
	struct vt_thread *t;
	int is_descr;

	(void)self;
	if (n < 3 || !cfunc_key(args[2], &is_descr))
		return py.None;
	t = vt_thread_cur();
	if (VT_LIKELY(t) && vt_room(t, 0))
		rec_ret(t, kind, vt_now());
	return py.None;
}

static PyObject *mon_c_return(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	return mon_cret(self, args, n, VT_REC_CRET);
}

static PyObject *mon_c_raise(PyObject *self, PyObject *const *args, Py_ssize_t n)
{
	return mon_cret(self, args, n, VT_REC_CRAISE);
}

static struct vt_methoddef mon_defs[] = {
	{ "PY_START", (void *)mon_start, VT_METH_FASTCALL, NULL },
	{ "PY_RESUME", (void *)mon_resume, VT_METH_FASTCALL, NULL },
	{ "PY_THROW", (void *)mon_resume, VT_METH_FASTCALL, NULL },
	{ "PY_RETURN", (void *)mon_return, VT_METH_FASTCALL, NULL },
	{ "PY_YIELD", (void *)mon_yield, VT_METH_FASTCALL, NULL },
	{ "PY_UNWIND", (void *)mon_unwind, VT_METH_FASTCALL, NULL },
	{ "CALL", (void *)mon_call, VT_METH_FASTCALL, NULL },
	{ "C_RETURN", (void *)mon_c_return, VT_METH_FASTCALL, NULL },
	{ "C_RAISE", (void *)mon_c_raise, VT_METH_FASTCALL, NULL },
};

/* sys.monitoring.set_events(tool, mask): 0, or -1 (exception cleared) */
static int set_mon_events(long mask)
{
	PyObject *sys = py.ImportModule("sys"), *mon, *fn, *a, *r = NULL;

	mon = sys ? py.GetAttrString(sys, "monitoring") : NULL;
	fn = mon ? py.GetAttrString(mon, "set_events") : NULL;
	a = fn ? py.BuildValue("(il)", g_tool, mask) : NULL;
	r = a ? py.CallObject(fn, a) : NULL;
	if (a)
		py.DecRef(a);
	if (fn)
		py.DecRef(fn);
	if (mon)
		py.DecRef(mon);
	if (sys)
		py.DecRef(sys);
	if (!r) {
		py.ErrClear();
		return -1;
	}
	py.DecRef(r);
	return 0;
}

/* Returns 0 when sys.monitoring is set up, -1 when no tool id is free or it failed. */
static int install_monitoring(void)
{
	PyObject *sys = NULL, *mon = NULL, *events = NULL, *r;
	long mask = 0;
	size_t i, nev = sizeof(mon_defs) / sizeof(mon_defs[0]);
	int tools[] = { 4, 3 };

	sys = py.ImportModule("sys");
	mon = sys ? py.GetAttrString(sys, "monitoring") : NULL;
	events = mon ? py.GetAttrString(mon, "events") : NULL;
	if (!events)
		goto fail;
	/* use_tool_id(id, "vt") raises ValueError when the id is taken */
	for (i = 0; i < 2 && g_tool < 0; i++) {
		PyObject *fn = py.GetAttrString(mon, "use_tool_id");
		PyObject *a = py.BuildValue("(is)", tools[i], "vt");

		r = fn && a ? py.CallObject(fn, a) : NULL;
		if (fn)
			py.DecRef(fn);
		if (a)
			py.DecRef(a);
		if (r) {
			py.DecRef(r);
			g_tool = tools[i];
		} else {
			py.ErrClear();
		}
	}
	if (g_tool < 0)
		goto fail;
	for (i = 0; i < nev; i++) {
		int is_c = i >= 6;
		PyObject *ev, *cb, *fn, *a;
		long bit;

		if (is_c && vt_cfg.ignore_c)
			continue;
		ev = py.GetAttrString(events, mon_defs[i].ml_name);
		if (!ev)
			goto fail;
		bit = py.AsLong(ev);
		cb = py.CFunction_NewEx(&mon_defs[i], NULL, NULL);
		fn = py.GetAttrString(mon, "register_callback");
		a = cb && fn ? py.BuildValue("(iOO)", g_tool, ev, cb) : NULL;
		r = a ? py.CallObject(fn, a) : NULL;
		py.DecRef(ev);
		if (a)
			py.DecRef(a);
		if (fn)
			py.DecRef(fn);
		if (cb)
			py.DecRef(cb); /* sys.monitoring holds it now */
		if (!r)
			goto fail;
		py.DecRef(r);
		mask |= bit;
	}
	g_mon_mask = mask;
	g_monitoring_ready = 1;
	if (set_mon_events(mask) < 0)
		goto fail;
	py.DecRef(events);
	py.DecRef(mon);
	py.DecRef(sys);
	return 0;
fail:
	if (py.ErrOccurred())
		py.ErrClear();
	if (events)
		py.DecRef(events);
	if (mon)
		py.DecRef(mon);
	if (sys)
		py.DecRef(sys);
	return -1;
}

/* PyEval_SetProfile(prof_cb) for this thread, without taking its audit event for an eviction */
static void arm_profile(int all_threads)
{
	t_own_setprofile = 1;
	if (all_threads)
		py.SetProfileAllThreads(prof_cb, NULL);
	else
		py.SetProfile(prof_cb, NULL);
	t_own_setprofile = 0;
}

/* Python frames on this thread's stack */
static uint32_t stack_depth(void)
{
	void *f = py.GetFrame();
	uint32_t n = 0;

	while (f && n < 100000) {
		n++;
		if (py.FrameGetBack) {
			void *b = py.FrameGetBack(f);

			if (b)
				py.DecRef(b); /* the frame below holds it */
			f = b;
		} else {
			f = FIELD(f, 24, void *); /* 3.8: PyFrameObject.f_back */
		}
	}
	return n;
}

static void put_mark(struct vt_thread *t, const char *text)
{
	uint64_t dt;

	stamp(t, &dt);
	t->pos = (size_t)(vt_put_text_rec(t->buf + t->pos, VT_REC_MARK, dt, text, strlen(text)) -
			  t->buf);
}

/*
 * Profile mode: a user's cProfile.enable() or sys.setprofile() replaces our hook in their
 * thread (there is one slot per thread). Note when that happens, and take the hook back
 * once they release it (the slot is empty again at a later audit event), recording how
 * deep the stack is then, so the converter can pair calls and returns again.
 */
static void watch_profile_slot(const char *event)
{
	struct vt_thread *t = vt_t;
	void *fn;

	if (!t || t->dead || !g_recording || !vt_room(t, 0))
		return;
	if (!t->evicted) {
		if (strcmp(event, "sys.setprofile") || t_own_setprofile)
			return;
		t->evicted = 1;
		put_mark(t, "vt: paused, another profiler took the hook (sys.setprofile)");
		return;
	}
	/* never inside someone's PyEval_SetProfile: it would refuse theirs or ours */
	if (!strcmp(event, "sys.setprofile"))
		return;
	fn = FIELD(py.TstateGet(), g_off_profilefunc, void *);
	if (fn || t_own_setprofile || py.ErrOccurred())
		return; /* still theirs, or not a safe moment: try at a later event */
	t->evicted = 0;
	arm_profile(0);
	{
		uint64_t dt;

		stamp(t, &dt);
		t->pos = (size_t)(vt_put_stack(t->buf + t->pos, dt, stack_depth()) - t->buf);
		put_mark(t, "vt: resumed, the other profiler released the hook");
	}
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
	if (vt_state == VT_ST_TRACING)
		arm_profile(0);
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
	boot = py.BuildValue("(OOO)", func, fargs, kw ? kw : py.None);
	if (!boot)
		return NULL;
	bootfn = py.CFunction_NewEx(&thread_boot_def, boot, NULL);
	py.DecRef(boot);
	if (!bootfn)
		return NULL;
	/* the real function validates func and args; pass the originals through when bad */
	a = py.BuildValue(n == 3 ? "(OOO)" : "(OO)", bootfn, fargs, kw);
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

/* ---- recording on and off (VT_START=signal, VT_DELAY, VT_DURATION) ---- */

/* the profile hook into (or out of) every thread of the main interpreter */
static void profile_all_threads(vt_tracefunc fn)
{
	void *me = py.TstateGet(), *ts;

	t_own_setprofile = 1;
	if (vt_py_minor >= 12 && py.SetProfileAllThreads) {
		py.SetProfileAllThreads(fn, NULL);
	} else {
		py.SetProfile(fn, NULL);
		/* 3.9-3.11 can set another thread's hook; 3.8 cannot: those threads stay hooked
		 * and prof_cb's g_recording test keeps them quiet */
		for (ts = py.ThreadHead(py.InterpMain()); ts && py.SetProfileTstate;
		     ts = py.ThreadNext(ts))
			if (ts != me)
				py.SetProfileTstate(ts, fn, NULL);
	}
	if (py.ErrOccurred())
		py.ErrClear();
	t_own_setprofile = 0;
}

static void hooks_on(void)
{
	if (g_recording || vt_state != VT_ST_TRACING)
		return;
	g_recording = 1;
	/* threads that already record note how deep they are when they next run */
	vt_threads_resync_stack();
	if (g_profile_mode)
		profile_all_threads(prof_cb);
	else if (set_mon_events(g_mon_mask) < 0)
		vt_log("cannot enable sys.monitoring events; no events are recorded");
}

static void hooks_off(void)
{
	if (!g_recording)
		return;
	g_recording = 0;
	if (g_profile_mode)
		profile_all_threads(NULL);
	else
		set_mon_events(0);
	/* close the open frames of every thread at this moment and write out the window */
	vt_threads_pause();
}

/* when the timer thread should act next, in CLOCK_MONOTONIC ns (0: nothing to do) */
static uint64_t g_timer_at;
static int g_timer_start; /* what it does then: 1 start, 0 stop */
static pthread_mutex_t g_timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_timer_cond = PTHREAD_COND_INITIALIZER;
static int g_timer_thread;

static void timer_set(uint64_t at, int start)
{
	pthread_mutex_lock(&g_timer_lock);
	g_timer_at = at;
	g_timer_start = start;
	pthread_cond_signal(&g_timer_cond);
	pthread_mutex_unlock(&g_timer_lock);
}

static void recording_start(void)
{
	hooks_on();
	if (vt_cfg.duration_ns && g_recording)
		timer_set(vt_mono_ns() + vt_cfg.duration_ns, 0);
}

static void recording_stop(void)
{
	timer_set(0, 0);
	hooks_off();
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
 * A plain pthread (not a Python thread: the program does not see it) that sleeps until
 * the next deadline and asks the interpreter to run timer_fired at its next safe point.
 */
static void *timer_main(void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals belong to the program's threads */
	pthread_mutex_lock(&g_timer_lock);
	for (;;) {
		uint64_t now = vt_mono_ns();

		if (g_timer_at && now >= g_timer_at) {
			int start = g_timer_start;

			g_timer_at = 0;
			pthread_mutex_unlock(&g_timer_lock);
			py.AddPendingCall(timer_fired, start ? (void *)1 : NULL);
			pthread_mutex_lock(&g_timer_lock);
			continue;
		}
		if (g_timer_at) {
			struct timespec ts;
			uint64_t real = vt_real_ns() + (g_timer_at - now);

			ts.tv_sec = (time_t)(real / 1000000000u);
			ts.tv_nsec = (long)(real % 1000000000u);
			pthread_cond_timedwait(&g_timer_cond, &g_timer_lock, &ts);
		} else {
			pthread_cond_wait(&g_timer_cond, &g_timer_lock);
		}
	}
	return NULL;
}

static void timer_thread_start(void)
{
	pthread_t th;
	pthread_attr_t at;

	if (g_timer_thread)
		return;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &at, timer_main, NULL) == 0)
		g_timer_thread = 1;
	else
		vt_log("cannot start the timer thread for VT_DELAY/VT_DURATION");
	pthread_attr_destroy(&at);
}

/* a fork child has no timer thread: start its own if a deadline is pending */
void vt_control_atfork_child(void)
{
	g_timer_thread = 0;
	pthread_mutex_init(&g_timer_lock, NULL);
	pthread_cond_init(&g_timer_cond, NULL);
	if (g_timer_at)
		timer_thread_start();
}

/* the VT_SIGNAL handler, run by Python's signal machinery in the main thread */
static PyObject *on_toggle_signal(PyObject *self, PyObject *args)
{
	(void)self;
	(void)args;
	if (vt_cfg.ring && !vt_cfg.start_signal)
		vt_ring_dump_now(); /* the flight recorder writes out its window */
	else if (g_recording)
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
static int take_signal(void)
{
	PyObject *mod = py.ImportModule("signal"), *get, *set, *old = NULL, *dfl, *h, *a, *r;
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

/* ---- install ---- */

static int is_main_interpreter(void)
{
	return py.InterpGet() == py.InterpMain();
}

/*
 * exit(status) runs on_exit handlers in the reverse order of registration. Registered
 * here, after main() began, this one runs before the ELF destructors (whose handler the C
 * library registered first), so the process file gets the real exit status.
 */
static void on_exit_status(int status, void *arg)
{
	(void)arg;
	vt_exit_code = status;
	vt_exit_code_known = 1;
	if (vt_state == VT_ST_TRACING && getpid() == vt_pid) {
		vt_flush_all(VT_END_EXIT, 0);
		vt_proc_exit(VT_EXIT_CODE, status);
	}
}

static void install(void)
{
	if (vt_state != VT_ST_WAITING || !is_main_interpreter())
		return;
	g_installing = 1;
	vt_tsc_hz = 0;
	if (vt_use_tsc) {
		/* ticks per second over the interpreter's start-up (at least milliseconds) */
		uint64_t c = vt_rdtsc(), m = vt_mono_ns();

		if (m > vt_mono0 + 100000)
			vt_tsc_hz = (uint64_t)((double)(c - vt_clock0) * 1e9 / (double)(m - vt_mono0));
	}
	vt_pending_hook = pending_work;
	vt_state = VT_ST_TRACING;
	vt_proc_start();
	if (vt_state != VT_ST_TRACING)
		goto out;
	if (vt_py_minor >= 12 && !vt_cfg.use_profile && install_monitoring() == 0) {
		g_profile_mode = 0;
		g_recording = 1;
	} else {
		if (vt_py_minor >= 12 && !vt_cfg.use_profile)
			vt_log("no free sys.monitoring tool id (3 and 4 are taken); using "
			       "PyEval_SetProfile");
		if (vt_py_minor <= 11 && !frame_offsets_ok()) {
			vt_log("unexpected frame layout in Python %s; tracing off", vt_pyversion);
			vt_state = VT_ST_INERT;
			goto out;
		}
		g_profile_mode = 1;
		/* hook new threads first, so that importing _thread is not traced */
		patch_thread_start();
		g_off_profilefunc = vt_py_minor <= 10 ? 56 : vt_py_minor <= 12 ? 64 : 80;
		g_recording = 1;
		arm_profile(vt_py_minor >= 12 && py.SetProfileAllThreads);
	}
	/* recording later: by signal, or after VT_DELAY; until then no hook costs anything */
	if (vt_cfg.start_signal || vt_cfg.delay_ns) {
		vt_windowed = 1;
		hooks_off();
	}
	if (vt_cfg.ring)
		vt_ring_init();
	if ((vt_cfg.start_signal || vt_cfg.ring) && take_signal() < 0) {
		vt_state = VT_ST_INERT;
		goto out;
	}
	if (vt_cfg.delay_ns || vt_cfg.duration_ns) {
		timer_thread_start();
		if (vt_cfg.delay_ns)
			timer_set(vt_mono0 + vt_cfg.delay_ns, 1);
		else if (!vt_cfg.start_signal)
			timer_set(vt_mono_ns() + vt_cfg.duration_ns, 0);
	}
	vt_signals_install();
	on_exit(on_exit_status, NULL);
out:
	g_installing = 0;
}

static int audit_hook(const char *event, PyObject *args, void *data)
{
	(void)args;
	(void)data;
	if (VT_LIKELY(vt_state != VT_ST_WAITING) || g_installing) {
		if (g_profile_mode && vt_state == VT_ST_TRACING && !g_installing) {
			int saved = errno;

			watch_profile_slot(event);
			errno = saved;
		}
		return 0;
	}
	/* run_file, run_module, run_command, run_stdin, run_startup, run_interactivehook:
	 * the interpreter is fully initialised and user code is next */
	if (event[0] == 'c' && !strncmp(event, "cpython.run_", 12)) {
		int saved = errno;

		install();
		errno = saved;
	}
	return 0;
}

void vt_python_embed_init_done(void)
{
	int saved = errno;

	if (vt_state == VT_ST_WAITING && !vt_launcher && py.IsInitialized && py.IsInitialized())
		install();
	errno = saved;
}

/* VT_PROCESSES: a glob on the command line (argv joined by spaces); without glob
 * characters, a substring of it */
static int process_selected(void)
{
	char cmd[8192];
	ssize_t n = 0, r;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	const char *pat = vt_cfg.processes;

	if (fd < 0)
		return 1;
	while (n < (ssize_t)sizeof(cmd) - 1 && (r = read(fd, cmd + n, sizeof(cmd) - 1 - (size_t)n)) > 0)
		n += r;
	close(fd);
	while (n > 0 && cmd[n - 1] == 0)
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (!cmd[i])
			cmd[i] = ' ';
	cmd[n] = 0;
	if (strpbrk(pat, "*?["))
		return fnmatch(pat, cmd, 0) == 0;
	return strstr(cmd, pat) != NULL;
}

void vt_python_probe(void)
{
	const char *ver;
	int major = 0, minor = 0;

	*(void **)&py.AddAuditHook = sym("PySys_AddAuditHook");
	if (!py.AddAuditHook)
		return; /* not Python (or older than 3.8): stay inert */
	*(void **)&py.GetVersion = sym("Py_GetVersion");
	ver = py.GetVersion ? py.GetVersion() : NULL; /* a static string, safe before init */
	if (!ver || sscanf(ver, "%d.%d", &major, &minor) != 2)
		return;
	snprintf(vt_pyversion, sizeof(vt_pyversion), "%.*s", (int)strcspn(ver, " "), ver);
	vt_py_minor = minor;
	if (vt_cfg.bad[0]) {
		vt_log("%s; tracing off", vt_cfg.bad);
		return;
	}
	if (vt_cfg.disable)
		return;
	if (vt_cfg.processes[0] && !process_selected())
		return; /* VT_PROCESSES: not one of ours; its children may be */
	if (major != 3 || minor < 8 || minor > 13) {
		vt_log("Python %s is not supported (3.8 to 3.13); tracing off", vt_pyversion);
		return;
	}
	if (resolve_api() < 0) {
		vt_log("Python %s: a C API function is missing; tracing off", vt_pyversion);
		return;
	}
	vt_clock_init();
	vt_clock0 = vt_now();
	vt_mono0 = vt_mono_ns();
	vt_real0 = vt_real_ns();
	vt_state = VT_ST_WAITING;
	if (py.AddAuditHook(audit_hook, NULL) != 0) {
		vt_state = VT_ST_INERT;
		vt_log("cannot add the audit hook; tracing off");
	}
}

/* ---- signals whose default action kills: flush first ---- */

/* signals whose default action ends the process: flush (or dump the ring) first */
static const int g_sigs[] = { SIGTERM, SIGHUP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

static void on_signal(int sig)
{
	int saved = errno;
	int crash = sig != SIGTERM && sig != SIGHUP;
	struct sigaction sa;
	sigset_t set;

	/* the flight recorder writes its window on a crash only with VT_DUMP_ON_ERROR=1 */
	vt_dump_in_signal = !crash || vt_cfg.dump_on_error;
	vt_flush_all(VT_END_SIGNAL, 1);
	vt_proc_exit(VT_EXIT_SIGNAL, sig);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	errno = saved;
}

void vt_signals_install(void)
{
	for (size_t i = 0; i < sizeof(g_sigs) / sizeof(g_sigs[0]); i++) {
		struct sigaction old, sa;

		if (sigaction(g_sigs[i], NULL, &old) < 0 || old.sa_handler != SIG_DFL ||
		    (old.sa_flags & SA_SIGINFO))
			continue; /* the program has its own disposition: leave it */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigfillset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sigaction(g_sigs[i], &sa, NULL);
	}
}
