/*
 * pyapi.c - the table of CPython versions (see pyapi.h for how to add one) and the C API
 * resolved from the running interpreter.
 *
 * libvt.so is not linked against libpython: a static python executable (Debian's
 * /usr/bin/python3) would get a second runtime. Every Python symbol is looked up with
 * dlsym(RTLD_DEFAULT) instead, and objects are handled as opaque pointers; the few struct
 * fields read directly are in the table below, checked against each version's headers.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "preload/py/pyapi.h"

struct vt_pyapi vt_py;
struct vt_pyver vt_pyv;

/* PyObject, PyTypeObject, PyCFunctionObject and PyMethodDescrObject: the same in every
 * default and debug build of 3.8-3.15 (a debug build has no Py_TRACE_REFS since 3.8) */
#define OFF_OBJECTS                                                                   \
	.ob_type = 8, .tp_name = 24, .cfunc_ml = 16, .cfunc_self = 24, .cfunc_module = 32, \
	.descr_type = 16, .descr_method = 40
#define CO_GENERATOR_LIKE (0x20 | 0x80 | 0x200) /* generator, coroutine, async generator */

/* what 3.12 and every later version share: sys.monitoring, frames read through the API,
 * no eval hook; an entry from 3.12 on adds only what is its own */
#define SINCE_3_12                                                                        \
	.co_generator_like = CO_GENERATOR_LIKE, .sym_interp_get = "PyInterpreterState_Get", \
	.code_name_attr = "co_qualname",                                                  \
	.sym_eval_setter = "_PyInterpreterState_SetEvalFrameFunc",                        \
	.sym_eval_getter = "_PyInterpreterState_GetEvalFrameFunc",                        \
	.frame_code_via = VT_FC_API, .frame_layout_check = 0, .has_frame_getcode = 1,     \
	.has_monitoring = 1, .has_eval_hook = 0, .eval_takes_tstate = 1,                  \
	.eval_min_micro = 0, .eval_gen_frames = 0, .gen_start_by_resume = 1,              \
	.profile_gen_resumes = 1, .profile_tstate_set = 0, .profile_all_threads = 1,      \
	.exceptions_by_trace = 0

static const struct vt_pyver g_versions[] = {
	{
		.minor = 8,
		.builds = VT_B_DEFAULT,
		.off = { OFF_OBJECTS, .tstate_profilefunc = 56, .frame_code = 32,
			 .frame_back = 24, .eval_code = 32 },
		.co_generator_like = CO_GENERATOR_LIKE,
		.sym_interp_get = "_PyInterpreterState_Get",
		.sym_is_finalizing = "_Py_IsFinalizing",
		.code_name_attr = "co_name",
		.sym_eval_setter = NULL, /* the field of PyInterpreterState, found at install */
		.sym_eval_getter = NULL,
		.frame_code_via = VT_FC_FIELD,
		.frame_layout_check = 1,
		.has_frame_getcode = 0,
		.has_monitoring = 0,
		.has_eval_hook = 1,
		.eval_takes_tstate = 0,
		.eval_min_micro = 0,
		.eval_gen_frames = 0,
		.gen_start_by_resume = 0,
		.profile_gen_resumes = 1,
		.profile_tstate_set = 1,
		.profile_all_threads = 0,
		.profile_yield_op = 0,
		.profile_yield_back = 0,
		.profile_unwind_none = 0,
		.profile_return_ops = { 0, 0 },
		.thread_start_joinable = 0,
		.exceptions_by_trace = 1,
		.pending_needs_wake = 0,
	},
	{
		.minor = 9,
		.builds = VT_B_DEFAULT,
		.off = { OFF_OBJECTS, .tstate_profilefunc = 56, .frame_code = 32,
			 .frame_back = 24, .eval_code = 32 },
		.co_generator_like = CO_GENERATOR_LIKE,
		.sym_interp_get = "PyInterpreterState_Get",
		.sym_is_finalizing = "_Py_IsFinalizing",
		.code_name_attr = "co_name",
		.sym_eval_setter = "_PyInterpreterState_SetEvalFrameFunc",
		.sym_eval_getter = "_PyInterpreterState_GetEvalFrameFunc",
		.frame_code_via = VT_FC_FIELD,
		.frame_layout_check = 1,
		.has_frame_getcode = 1,
		.has_monitoring = 0,
		.has_eval_hook = 1,
		.eval_takes_tstate = 1,
		.eval_min_micro = 0,
		.eval_gen_frames = 0,
		.gen_start_by_resume = 0,
		.profile_gen_resumes = 1,
		.profile_tstate_set = 1,
		.profile_all_threads = 0,
		.profile_yield_op = 0,
		.profile_yield_back = 0,
		.profile_unwind_none = 0,
		.profile_return_ops = { 0, 0 },
		.thread_start_joinable = 0,
		.exceptions_by_trace = 1,
		.pending_needs_wake = 1,
	},
	{
		.minor = 10,
		.builds = VT_B_DEFAULT,
		.off = { OFF_OBJECTS, .tstate_profilefunc = 56, .frame_code = 32,
			 .frame_back = 24, .eval_code = 32 },
		.co_generator_like = CO_GENERATOR_LIKE,
		.sym_interp_get = "PyInterpreterState_Get",
		.sym_is_finalizing = "_Py_IsFinalizing",
		.code_name_attr = "co_name",
		.sym_eval_setter = "_PyInterpreterState_SetEvalFrameFunc",
		.sym_eval_getter = "_PyInterpreterState_GetEvalFrameFunc",
		.frame_code_via = VT_FC_FIELD,
		.frame_layout_check = 1,
		.has_frame_getcode = 1,
		.has_monitoring = 0,
		.has_eval_hook = 1,
		.eval_takes_tstate = 1,
		.eval_min_micro = 0,
		.eval_gen_frames = 0,
		.gen_start_by_resume = 0,
		.profile_gen_resumes = 1,
		.profile_tstate_set = 1,
		.profile_all_threads = 0,
		.profile_yield_op = 0,
		.profile_yield_back = 0,
		.profile_unwind_none = 0,
		.profile_return_ops = { 0, 0 },
		.thread_start_joinable = 0,
		.exceptions_by_trace = 1,
		.pending_needs_wake = 1,
	},
	{
		.minor = 11,
		.builds = VT_B_DEFAULT,
		/* the code is in the interpreter frame (f_frame); the eval hook gets that */
		.off = { OFF_OBJECTS, .tstate_profilefunc = 64, .frame_iframe = 24,
			 .iframe_code = 32, .iframe_owner = 69, .code_flags = 48,
			 .eval_code = 32 },
		.co_generator_like = CO_GENERATOR_LIKE,
		.sym_interp_get = "PyInterpreterState_Get",
		.sym_is_finalizing = "_Py_IsFinalizing",
		.code_name_attr = "co_qualname",
		.sym_eval_setter = "_PyInterpreterState_SetEvalFrameFunc",
		.sym_eval_getter = "_PyInterpreterState_GetEvalFrameFunc",
		.frame_code_via = VT_FC_IFRAME,
		.frame_layout_check = 1,
		.has_frame_getcode = 1,
		.has_monitoring = 0,
		.has_eval_hook = 1,
		.eval_takes_tstate = 1,
		/* 3.11.0-3.11.3 run a Python __getitem__ called by a subscript without the
		 * hook (CPython gh-104405, fixed in 3.11.4): those calls would be missing */
		.eval_min_micro = 4,
		.eval_gen_frames = 1,
		.gen_start_by_resume = 1,
		.profile_gen_resumes = 1,
		.profile_tstate_set = 1,
		.profile_all_threads = 0,
		.profile_yield_op = 0,
		.profile_yield_back = 0,
		.profile_unwind_none = 0,
		.profile_return_ops = { 0, 0 },
		.thread_start_joinable = 0,
		.exceptions_by_trace = 1,
		.pending_needs_wake = 1,
	},
	{
		.minor = 12,
		SINCE_3_12,
		.builds = VT_B_DEFAULT,
		.off = { OFF_OBJECTS, .tstate_profilefunc = 64, .code_flags = 48 },
		.sym_is_finalizing = "_Py_IsFinalizing",
		.profile_yield_op = 150,
		.profile_yield_back = 0,
		/* an unwind is a return of None (gh-110892, fixed in 3.13 only) */
		.profile_unwind_none = 1,
		.profile_return_ops = { 83, 121 }, /* RETURN_VALUE, RETURN_CONST */
		.thread_start_joinable = 0,
		.pending_needs_wake = 1,
	},
	{
		.minor = 13,
		SINCE_3_12,
		.builds = VT_B_DEFAULT | VT_B_DEBUG, /* python3.13-dbg: the same offsets */
		.off = { OFF_OBJECTS, .tstate_profilefunc = 80, .code_flags = 48 },
		.sym_is_finalizing = "Py_IsFinalizing",
		.profile_yield_op = 118,
		.profile_yield_back = 1, /* the frame is at the RESUME after the YIELD_VALUE */
		.profile_unwind_none = 0,
		.profile_return_ops = { 0, 0 },
		.thread_start_joinable = 1,
		/* 3.13 sets the main thread's _PY_CALLS_TO_DO_BIT from any thread */
		.pending_needs_wake = 0,
	},
	{
		/* the free-threaded build (3.13t, Py_GIL_DISABLED): a PyObject of 32 bytes
		 * (ob_tid, flags, ob_ref_local, ob_ref_shared before ob_type), so every object
		 * field is 16 bytes further; PyThreadState and PyCodeObject's fields as the
		 * default build's but co_flags (checked with offsetof against the headers of
		 * /var/cache/vt/python3.13t, scripts/python-ft.sh) */
		.minor = 13,
		SINCE_3_12,
		.builds = VT_B_FREETHREADED,
		.off = { .ob_type = 24, .tp_name = 40, .cfunc_ml = 32, .cfunc_self = 40,
			 .cfunc_module = 48, .descr_type = 32, .descr_method = 56,
			 .tstate_profilefunc = 80, .code_flags = 64 },
		.sym_is_finalizing = "Py_IsFinalizing",
		.profile_yield_op = 118,
		.profile_yield_back = 1,
		.profile_unwind_none = 0,
		.profile_return_ops = { 0, 0 },
		.thread_start_joinable = 1,
		.pending_needs_wake = 0,
	},
	{
		.minor = 14,
		SINCE_3_12,
		.builds = VT_B_DEFAULT | VT_B_DEBUG,
		.off = { OFF_OBJECTS, .tstate_profilefunc = 80, .code_flags = 48 },
		.sym_is_finalizing = "Py_IsFinalizing",
		.profile_yield_op = 120,
		.profile_yield_back = 0,
		.profile_unwind_none = 0,
		.profile_return_ops = { 0, 0 },
		.thread_start_joinable = 1,
		.pending_needs_wake = 0,
	},
	{
		.minor = 15,
		SINCE_3_12,
		.builds = VT_B_DEFAULT | VT_B_DEBUG,
		.off = { OFF_OBJECTS, .tstate_profilefunc = 104, .code_flags = 48 },
		.sym_is_finalizing = "Py_IsFinalizing",
		.profile_yield_op = 119,
		.profile_yield_back = 0,
		.profile_unwind_none = 0,
		.profile_return_ops = { 0, 0 },
		.thread_start_joinable = 1,
		.pending_needs_wake = 0,
	},
};

#define NVERSIONS (sizeof(g_versions) / sizeof(g_versions[0]))

/* the running interpreter's version, from Py_GetVersion() */
static int g_major, g_minor, g_micro;

int vt_pyver_parse(const char *ver)
{
	g_micro = 0;
	return sscanf(ver, "%d.%d.%d", &g_major, &g_minor, &g_micro) >= 2 ? 0 : -1;
}

int vt_pyver_use(int build)
{
	for (size_t i = 0; g_major == 3 && i < NVERSIONS; i++) {
		if (g_versions[i].minor != g_minor || !(g_versions[i].builds & (1 << build)))
			continue;
		vt_pyv = g_versions[i];
		vt_pyv.build = build;
		vt_pyv.micro = g_micro;
		return 0;
	}
	return -1;
}

int vt_pyver_range(int build, int *lo, int *hi)
{
	*lo = *hi = 0;
	for (size_t i = 0; i < NVERSIONS; i++) {
		if (!(g_versions[i].builds & (1 << build)))
			continue;
		if (!*lo)
			*lo = g_versions[i].minor;
		*hi = g_versions[i].minor;
	}
	return *lo ? 0 : -1;
}

/*
 * The build kind of the running interpreter. A free-threaded build says so in its
 * version ("3.13.0 experimental free-threading build (...)", "3.14.0 free-threading
 * build") and exports its biased reference counting; a debug build (Py_DEBUG) exports
 * the function its Py_DECREF calls on a negative count.
 */
int vt_pyver_build(const char *ver)
{
	if (strstr(ver, "free-threading") || vt_pysym("_Py_MergeZeroLocalRefcount"))
		return VT_BUILD_FREETHREADED;
	if (vt_pysym("_Py_NegativeRefcount"))
		return VT_BUILD_DEBUG;
	return VT_BUILD_DEFAULT;
}

const char *vt_pyver_build_name(int build)
{
	static const char *const name[] = { "default", "debug", "free-threaded" };

	return name[build];
}

void *vt_pysym(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}

int vt_pyapi_resolve(void)
{
#define NEED(field, name)                          \
	do {                                       \
		*(void **)&py.field = vt_pysym(name);   \
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
	NEED(True, "_Py_TrueStruct");
	NEED(False, "_Py_FalseStruct");
	NEED(Repr, "PyObject_Repr");
	NEED(BytesAsString, "PyBytes_AsString");
	NEED(BytesSize, "PyBytes_Size");
	NEED(Str, "PyObject_Str");
	NEED(CallMethod, "PyObject_CallMethod");
	NEED(InternFromString, "PyUnicode_InternFromString");
	NEED(Addr2Line, "PyCode_Addr2Line");
	NEED(UnicodeFromStringAndSize, "PyUnicode_FromStringAndSize");
	NEED(DictNext, "PyDict_Next");
	NEED(DictGetItemString, "PyDict_GetItemString");
	NEED(AsLongLongAndOverflow, "PyLong_AsLongLongAndOverflow");
	NEED(FloatAsDouble, "PyFloat_AsDouble");
	NEED(DoubleToString, "PyOS_double_to_string");
	NEED(MemFree, "PyMem_Free");
	NEED(ModuleNew, "PyModule_New");
	NEED(ModuleAddObject, "PyModule_AddObject");
	NEED(RunString, "PyRun_String");
	NEED(DictNew, "PyDict_New");
	NEED(DictSetItemString, "PyDict_SetItemString");
	NEED(EvalGetBuiltins, "PyEval_GetBuiltins");
	NEED(ObjectIsTrue, "PyObject_IsTrue");
	NEED(GetAttr, "PyObject_GetAttr");
	NEED(CallableCheck, "PyCallable_Check");
	NEED(DictCopy, "PyDict_Copy");
	NEED(LongType, "PyLong_Type");
	NEED(FloatType, "PyFloat_Type");
	NEED(BoolType, "PyBool_Type");
	NEED(DictType, "PyDict_Type");
	NEED(TupleType, "PyTuple_Type");
	NEED(ExcSystemExit, "PyExc_SystemExit");
	NEED(CFunctionType, "PyCFunction_Type");
	NEED(MethodDescrType, "PyMethodDescr_Type");
	NEED(ModuleType, "PyModule_Type");
	NEED(TypeType, "PyType_Type");
	NEED(UnicodeType, "PyUnicode_Type");
#undef NEED
	*(void **)&py.InterpGet = vt_pysym(vt_pyv.sym_interp_get);
	*(void **)&py.FrameGetCode = vt_pysym("PyFrame_GetCode");
	*(void **)&py.FrameGetBack = vt_pysym("PyFrame_GetBack");
	*(void **)&py.SetProfileTstate = vt_pysym("_PyEval_SetProfile"); /* 3.9-3.11: any thread */
	*(void **)&py.SetTrace = vt_pysym("PyEval_SetTrace");
	*(void **)&py.GenericAlloc = vt_pysym("PyType_GenericAlloc");
	*(void **)&py.SetProfileAllThreads = vt_pysym("PyEval_SetProfileAllThreads");
	*(void **)&py.WriteUnraisableMsg = vt_pysym("_PyErr_WriteUnraisableMsg"); /* to 3.12 */
	*(void **)&py.FormatUnraisable = vt_pysym("PyErr_FormatUnraisable");      /* 3.13+ */
	*(void **)&py.FrameGetLasti = vt_pysym("PyFrame_GetLasti");               /* 3.11+ */
	*(void **)&py.CodeGetCode = vt_pysym("PyCode_GetCode");
	*(void **)&py.FrameGetGenerator = vt_pysym("PyFrame_GetGenerator");
	*(void **)&py.CompileString = vt_pysym("Py_CompileString");
	*(void **)&py.EvalCode = vt_pysym("PyEval_EvalCode");
	*(void **)&py.GILStateEnsure = vt_pysym("PyGILState_Ensure");
	*(void **)&py.GILStateRelease = vt_pysym("PyGILState_Release");
	*(void **)&py.IsFinalizing = vt_pysym(vt_pyv.sym_is_finalizing);
	py.CMethodType = vt_pysym("PyCMethod_Type"); /* 3.9+ */
	return py.InterpGet ? 0 : -1;
}

/* the frame offsets, against the API, once (3.11 keeps the code in the interpreter frame) */
int vt_pyapi_frame_layout_ok(void)
{
	/* PyEval_GetFrame returns a borrowed frame of the running code: <module> here */
	void *(*get_frame)(void) = (void *(*)(void))vt_pysym("PyEval_GetFrame");
	void *f;
	PyObject *c;
	int ok;

	if (!vt_pyv.frame_layout_check)
		return 1;
	if (!py.FrameGetCode || !get_frame)
		return !vt_pyv.has_frame_getcode; /* none to compare with: the layout is fixed */
	f = get_frame();
	if (!f)
		return 1; /* nothing to compare against; the offsets match the headers */
	c = py.FrameGetCode(f);
	ok = c == vt_frame_code(f);
	if (c)
		py.DecRef(c);
	return ok;
}
