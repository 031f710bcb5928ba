/*
 * pyapi.h - the slice of the CPython C API that libvt.so uses, found with dlsym (python.c),
 * and the shared pieces of python.c and api.c. Private to preload/.
 */
#ifndef VT_PRELOAD_PYAPI_H
#define VT_PRELOAD_PYAPI_H

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
#define OFF_IFRAME311_OWNER 69 /* _PyInterpreterFrame.owner (char), 3.11; 0: the thread's */
#define OFF_CODE311_FLAGS 48   /* PyCodeObject.co_flags (int), 3.11 */

/* libvt-nop.so: the same hooks, returning at once (the overhead floor) */
#ifdef VT_NOP
#define NOP_RETURN(v) return v
#else
#define NOP_RETURN(v) do { } while (0)
#endif

#define FIELD(obj, off, type) (*(type *)((char *)(obj) + (off)))
#define TYPE_OF(obj) FIELD(obj, OFF_OB_TYPE, void *)

/* The C API we use, resolved once with dlsym (python.c). */
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

/* ---- python.c, for api.c ---- */

/** vt_api_install - make `import vt` (and `_vt`) find vt's module. GIL held. */
void vt_api_install(void);
/** vt_api_is_copy - 1 when @file is a copy of vt's module (python/vt/__init__.py, the
 * same bytes as the one built in: `make install`'s, or a checkout's on the path). */
int vt_api_is_copy(const char *file);
/** vt_api_owns - 1 when @ml is the PyMethodDef of a _vt function, 2 for _vt.call's. */
int vt_api_owns(const void *ml);
/**
 * vt_call_traced - _vt.call: @func(*@a, **@kw) (@kw a dict or None) inside the span named
 * @name with @kwargs: the span decorator's wrapper. @func runs as the program's code, so
 * its calls are recorded although the wrapper's own events are not. Returns its result
 * (a new reference) or NULL with its exception.
 */
PyObject *vt_call_traced(PyObject *name, PyObject *kwargs, PyObject *func, PyObject *a,
			 PyObject *kw);
/** vt_recording_pause / _resume - vt.pause() and vt.resume(): hooks off and on. */
void vt_recording_pause(void);
void vt_recording_resume(void);
/** vt_flush_now - vt.flush(): write out every buffer (the ring in flight-recorder mode). */
void vt_flush_now(void);
/** vt_span_begin - start a span named by the str @name, with ARGS from @kwargs (may be NULL). */
void vt_span_begin(PyObject *name, PyObject *kwargs);
/** vt_span_end - end the innermost span (a RET record). */
void vt_span_end(void);
/** vt_span_end_with - the same, replacing its arguments with the dict @info first. */
void vt_span_end_with(PyObject *info);
/** vt_gc_install - garbage-collection passes as "gc" spans (VT_LOG_GC=1). */
void vt_gc_install(void);
/** vt_str_into - str(@o) as vt_repr_into does repr(). */
size_t vt_str_into(PyObject *o, char *buf, size_t cap);
/** vt_emit_kv - a COUNTER (@counter) or INSTANT record named @name with @kwargs. */
void vt_emit_kv(int counter, PyObject *name, PyObject *kwargs);
/** vt_set_thread_name - vt.thread_name(name). */
void vt_set_thread_name(PyObject *name);
/** vt_repr_into - repr(@o), cut to VT_REPR_MAX, into @buf; never raises. Returns the length. */
size_t vt_repr_into(PyObject *o, char *buf, size_t cap);

#endif /* VT_PRELOAD_PYAPI_H */
