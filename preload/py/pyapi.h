/*
 * pyapi.h - everything libvt.so knows about the layout of a CPython version: the slice of
 * the C API it calls (found with dlsym, pyapi.c), and the table of what differs between
 * versions: struct offsets, flag values, symbol names and capabilities (struct
 * vt_pyver, one entry per minor version and build kind in pyapi.c). Private to
 * preload/py/. Nothing outside pyapi.{h,c} names an offset or compares version numbers:
 * code asks vt_pyv (the running interpreter's entry).
 *
 * Adding a CPython version (say 3.16):
 *  1. Copy the newest entry of g_versions[] in pyapi.c and set its minor (the fields every
 *     version from 3.12 on shares are SINCE_3_12; a new version that differs in one of
 *     them takes that field out of the macro into each entry).
 *  2. Check every field against that version's headers (Include/cpython/pystate.h for
 *     PyThreadState.c_profilefunc, Include/internal/pycore_frame.h, object.h,
 *     methodobject.h, descrobject.h) and the symbols (nm -D libpython3.X.so); the
 *     opcodes (profile_yield_op, ...) from dis.opmap of that version.
 *  3. Capabilities (has_monitoring, has_eval_hook, ...) say which behaviour applies; a
 *     version that needs behaviour no field describes gets a new field here, set in
 *     every entry, and the code that asks it.
 *  4. Name it where the tests list the interpreters (find_pythons "8 9 ..." in the
 *     suites, scripts/sid-rootfs.sh and add_sid_pythons for the sid root's,
 *     tests/run-all.sh), in e2e 131's "not supported" line and in README.md's supported
 *     versions, then run the suites on it: tests/run-all.sh e2e rich control proc
 *     native faults.
 * The "not supported (3.X to 3.Y)" message takes its range from the table. An entry names
 * the build kinds it describes (field builds): a debug build shares its minor's entry when
 * its headers give the same offsets (check with the python3.X-dbg headers); a build kind
 * whose layout differs (free-threaded: a larger PyObject) needs an entry of its own, and
 * vt_parallel (vt.h) makes what one thread does to another's buffer safe there (3.13t:
 * docs/PYTHON-VERSIONS.md).
 */
#ifndef VT_PRELOAD_PY_PYAPI_H
#define VT_PRELOAD_PY_PYAPI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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
#define VT_METH_O 0x0008
#define VT_METH_FASTCALL 0x0080

/* values of CPython's headers (typeslots.h, object.h, structmember.h), the same in every
 * version: the stable ABI */
#define VT_Py_tp_call 50
#define VT_Py_tp_doc 56
#define VT_Py_tp_members 72
#define VT_TPFLAGS_DISALLOW_INSTANTIATION (1u << 7)
#define VT_TPFLAGS_IMMUTABLETYPE (1u << 8)
#define VT_TPFLAGS_HAVE_VECTORCALL (1u << 11)
#define VT_TPFLAGS_HAVE_VERSION_TAG (1u << 18)
#define VT_T_PYSSIZET 19
#define VT_READONLY 1
#define VT_CO_VARARGS 0x04
#define VT_CO_VARKEYWORDS 0x08
#define VT_Py_file_input 257
#define VT_DTSF_ADD_DOT_0 2
#define VT_VECTORCALL_ARGUMENTS_OFFSET ((size_t)1 << (8 * sizeof(size_t) - 1))

/* PyTrace_* what codes */
enum { PT_CALL = 0, PT_EXCEPTION = 1, PT_LINE = 2, PT_RETURN = 3, PT_C_CALL = 4,
       PT_C_EXCEPTION = 5, PT_C_RETURN = 6 };

/* build kinds (struct vt_pyver.build), and their bits in struct vt_pyver.builds */
enum { VT_BUILD_DEFAULT, VT_BUILD_DEBUG, VT_BUILD_FREETHREADED };
#define VT_B_DEFAULT (1 << VT_BUILD_DEFAULT)
#define VT_B_DEBUG (1 << VT_BUILD_DEBUG)
#define VT_B_FREETHREADED (1 << VT_BUILD_FREETHREADED)

/* where the code object of a frame (PyFrameObject) is found */
enum {
	VT_FC_FIELD,  /* the frame's f_code (3.8-3.10) */
	VT_FC_IFRAME, /* its interpreter frame's f_code (3.11) */
	VT_FC_API,    /* only through PyFrame_GetCode (3.12+) */
};

/*
 * What differs between CPython versions (and build kinds), for one of them. Offsets are
 * in bytes; 0 where the field does not exist (and nothing reads it).
 */
struct vt_pyver {
	int minor;          /* 3.minor */
	int builds;         /* VT_B_*: the build kinds whose headers agree with this entry */
	int build;          /* 0 in the table; the running interpreter's VT_BUILD_* in vt_pyv */
	int micro;          /* 0 in the table; the running interpreter's in vt_pyv */
	struct {
		uint16_t ob_type;          /* PyObject.ob_type */
		uint16_t tp_name;          /* PyTypeObject.tp_name */
		uint16_t cfunc_ml;         /* PyCFunctionObject.m_ml */
		uint16_t cfunc_self;       /* PyCFunctionObject.m_self */
		uint16_t cfunc_module;     /* PyCFunctionObject.m_module */
		uint16_t descr_type;       /* PyMethodDescrObject.d_common.d_type */
		uint16_t descr_method;     /* PyMethodDescrObject.d_method */
		uint16_t tstate_profilefunc; /* PyThreadState.c_profilefunc */
		uint16_t frame_code;       /* PyFrameObject.f_code (VT_FC_FIELD) */
		uint16_t frame_iframe;     /* PyFrameObject.f_frame (VT_FC_IFRAME) */
		uint16_t iframe_code;      /* _PyInterpreterFrame.f_code (VT_FC_IFRAME) */
		uint16_t iframe_owner;     /* _PyInterpreterFrame.owner, a char; 0: the thread's */
		uint16_t code_flags;       /* PyCodeObject.co_flags, an int (eval_gen_frames,
					    * profile_yield_op) */
		uint16_t frame_back;       /* PyFrameObject.f_back, when no PyFrame_GetBack */
		uint16_t eval_code;        /* the code in the frame the eval hook is handed */
	} off;
	/* flag values */
	int co_generator_like;    /* CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR */
	/* symbols */
	const char *sym_interp_get;    /* the running interpreter */
	const char *sym_is_finalizing; /* is the runtime finalizing */
	const char *code_name_attr;    /* a code object's name: co_qualname where it has one */
	const char *sym_eval_setter;   /* set/get the eval function (eval_takes_tstate) */
	const char *sym_eval_getter;
	/* capabilities */
	int frame_code_via;       /* VT_FC_* */
	int frame_layout_check;   /* compare frame_code with PyFrame_GetCode at install */
	int has_frame_getcode;    /* PyFrame_GetCode exists (else the layout is taken as is) */
	int has_monitoring;       /* sys.monitoring (PEP 669); the profile hook is its tool 6 */
	int has_eval_hook;        /* PEP 523's eval hook is usable (3.12+ would count each
				   * call against the C recursion limit) */
	int eval_takes_tstate;    /* eval function (tstate, frame, throw) and a setter; else
				   * (frame, throw) in a field of PyInterpreterState */
	int eval_min_micro;       /* the eval hook is the default from 3.minor.this on */
	int eval_gen_frames;      /* a generator function's frame runs to RETURN_GENERATOR
				   * under the eval hook, which shows no call for it (3.11) */
	int gen_start_by_resume;  /* a generator's first start: RESUME's argument 0 (3.11+),
				   * else f_lasti -1 */
	int profile_gen_resumes;  /* the profile hook reports each resumption of a generator
				   * as a call (its arguments are recorded at its start only) */
	int profile_tstate_set;   /* _PyEval_SetProfile(tstate, ...) sets any thread's hook and
				   * reports a refusal */
	int profile_all_threads;  /* PyEval_SetProfileAllThreads, sys._setprofileallthreads
				   * (threads that exist: a thread started later has no hook) */
	int profile_yield_op;     /* YIELD_VALUE's opcode in co_code: the profile hook's return
				   * event is a generator's suspension when its frame stopped
				   * there (3.12+ report both as PyTrace_RETURN); 0: suspensions
				   * are not told apart (3.8-3.11, where no hook marks them) */
	int profile_yield_back;   /* at that event the frame's last instruction is this many
				   * code units past the YIELD_VALUE (3.13: the RESUME after it) */
	int profile_unwind_none;  /* an exception's unwind reaches the profile hook as a return
				   * of None, not NULL (3.12; CPython gh-110892): a return stops
				   * at one of profile_return_ops, an unwind elsewhere */
	uint8_t profile_return_ops[2]; /* RETURN_VALUE and RETURN_CONST (profile_unwind_none) */
	int thread_start_joinable; /* threading starts its threads with
				    * _thread.start_joinable_thread(function, handle, daemon)
				    * (3.13+): the profile hook wraps it as well as
				    * start_new_thread, to hook each new thread */
	int exceptions_by_trace;  /* exceptions only reach a trace function (no RAISE event) */
	int pending_needs_wake;   /* a pending call from a non-Python thread waits for the
				   * main thread to recompute eval_breaker (see control.c) */
};

/* the running interpreter's entry (a copy: read on the hot path); zero before the probe */
extern struct vt_pyver vt_pyv;

/** vt_pyver_parse - read Py_GetVersion()'s "3.X.Y..."; 0, or -1 when it does not parse. */
int vt_pyver_parse(const char *ver);
/** vt_pyver_use - make the table's entry for the parsed version, build @build, vt_pyv.
 * 0, or -1 when the table has none. */
int vt_pyver_use(int build);
/** vt_pyver_range - the minors supported for build kind @build, for the message that names
 * them. 0, or -1 when that kind has none. */
int vt_pyver_range(int build, int *lo, int *hi);
/** vt_pyver_build - the running interpreter's VT_BUILD_* (from its version string
 * @ver and its symbols). */
int vt_pyver_build(const char *ver);
/** vt_pyver_build_name - "default", "debug" or "free-threaded". */
const char *vt_pyver_build_name(int build);

/* the eval hook may be the default hook on this interpreter (eval_min_micro) */
static inline int vt_py_eval_by_default(void)
{
	return vt_pyv.micro >= vt_pyv.eval_min_micro;
}

#define FIELD(obj, off, type) (*(type *)((char *)(obj) + (off)))
#define TYPE_OF(obj) FIELD(obj, vt_pyv.off.ob_type, void *)

/* The C API we use, resolved once with dlsym (pyapi.c, vt_pyapi_resolve). */
struct vt_pyapi {
	int (*AddAuditHook)(vt_audithook, void *);
	const char *(*GetVersion)(void);
	int (*IsInitialized)(void);
	void (*SetProfile)(vt_tracefunc, PyObject *);
	void (*SetProfileAllThreads)(vt_tracefunc, PyObject *);
	void (*SetTrace)(vt_tracefunc, PyObject *);
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
	void (*FormatUnraisable)(const char *, ...);
	int (*FrameGetLasti)(void *);
	PyObject *(*CodeGetCode)(PyObject *);
	PyObject *(*FrameGetGenerator)(void *);
	PyObject *(*GetAttr)(PyObject *, PyObject *);
	int (*CallableCheck)(PyObject *);
	PyObject *(*DictCopy)(PyObject *);
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
	int (*GILStateEnsure)(void);
	void (*GILStateRelease)(int);
	int (*IsFinalizing)(void);
	PyObject *(*Repr)(PyObject *);
	char *(*BytesAsString)(PyObject *);
	Py_ssize_t (*BytesSize)(PyObject *);
	PyObject *(*Str)(PyObject *);
	PyObject *(*CallMethod)(PyObject *, const char *, const char *, ...);
	PyObject *(*InternFromString)(const char *);
	int (*Addr2Line)(PyObject *, int);
	PyObject *(*UnicodeFromStringAndSize)(const char *, Py_ssize_t);
	int (*DictNext)(PyObject *, Py_ssize_t *, PyObject **, PyObject **);
	PyObject *(*DictGetItemString)(PyObject *, const char *);
	long long (*AsLongLongAndOverflow)(PyObject *, int *);
	double (*FloatAsDouble)(PyObject *);
	char *(*DoubleToString)(double, char, int, int, int *);
	void (*MemFree)(void *);
	PyObject *(*ModuleNew)(const char *);
	int (*ModuleAddObject)(PyObject *, const char *, PyObject *);
	PyObject *(*RunString)(const char *, int, PyObject *, PyObject *);
	PyObject *(*CompileString)(const char *, const char *, int);
	PyObject *(*EvalCode)(PyObject *, PyObject *, PyObject *);
	PyObject *(*DictNew)(void);
	int (*DictSetItemString)(PyObject *, const char *, PyObject *);
	PyObject *(*EvalGetBuiltins)(void);
	int (*ObjectIsTrue)(PyObject *);
	PyObject *(*GenericAlloc)(void *, Py_ssize_t);
	PyObject *None;
	PyObject *True, *False;
	void *LongType, *FloatType, *BoolType, *DictType, *TupleType;
	PyObject **ExcSystemExit;
	void *CFunctionType, *CMethodType, *MethodDescrType, *ModuleType, *TypeType,
		*UnicodeType;
};

extern struct vt_pyapi vt_py;
#define py vt_py

/** vt_pyapi_resolve - find the C API of the running interpreter (vt_pyv set). 0, or -1. */
int vt_pyapi_resolve(void);
/** vt_pysym - a symbol of the process (dlsym(RTLD_DEFAULT)), or NULL. */
void *vt_pysym(const char *name);
/** vt_pyapi_frame_layout_ok - the frame offsets agree with PyFrame_GetCode (or need no
 * check). Called once, with the GIL, from the running code. */
int vt_pyapi_frame_layout_ok(void);

/* ---- reading the layout (inlined on the hot path) ---- */

/* the name of a type object (PyTypeObject.tp_name) */
static inline const char *vt_tp_name(void *type)
{
	return FIELD(type, vt_pyv.off.tp_name, const char *);
}

/* the code object of any frame; a borrowed reference (interning pins it) */
static inline PyObject *vt_frame_code(void *frame)
{
	PyObject *c;

	if (vt_pyv.frame_code_via == VT_FC_FIELD)
		return FIELD(frame, vt_pyv.off.frame_code, PyObject *);
	if (vt_pyv.frame_code_via == VT_FC_IFRAME)
		return FIELD(FIELD(frame, vt_pyv.off.frame_iframe, void *), vt_pyv.off.iframe_code,
			     PyObject *);
	/* through the API (profile mode, and the stack a fork child inherits) */
	c = py.FrameGetCode(frame);
	if (c)
		py.DecRef(c); /* the frame keeps it alive */
	return c;
}

/* the frame that called @f, or NULL; borrowed (@f holds it) */
static inline void *vt_frame_back(void *f)
{
	void *b;

	if (!py.FrameGetBack)
		return FIELD(f, vt_pyv.off.frame_back, void *);
	b = py.FrameGetBack(f);
	if (b)
		py.DecRef(b);
	return b;
}

/* the code of the frame the eval hook is handed (a PyFrameObject up to 3.10, an
 * _PyInterpreterFrame on 3.11) */
static inline PyObject *vt_eval_frame_code(void *frame)
{
	return FIELD(frame, vt_pyv.off.eval_code, PyObject *);
}

/* 3.11's eval hook: a generator function's frame that runs only to make its generator */
static inline int vt_eval_frame_makes_gen(void *frame, PyObject *code)
{
	return VT_UNLIKELY(FIELD(code, vt_pyv.off.code_flags, int) & vt_pyv.co_generator_like) &&
	       FIELD(frame, vt_pyv.off.iframe_owner, char) == 0;
}

/* C function key (its PyMethodDef) and kind for a callable, or NULL when it is not one */
static inline void *vt_cfunc_key(PyObject *callable, int *is_descr)
{
	void *type = TYPE_OF(callable);

	if (type == py.CFunctionType || (type == py.CMethodType && type)) {
		*is_descr = 0;
		return FIELD(callable, vt_pyv.off.cfunc_ml, void *);
	}
	if (type == py.MethodDescrType) {
		*is_descr = 1;
		return FIELD(callable, vt_pyv.off.descr_method, void *);
	}
	return NULL;
}

/* a profile hook's slot in a thread state (PyThreadState.c_profilefunc) */
static inline void **vt_profile_slot(void *tstate)
{
	return &FIELD(tstate, vt_pyv.off.tstate_profilefunc, void *);
}

#endif /* VT_PRELOAD_PY_PYAPI_H */
