/*
 * module.c - what Python code can ask of vt: the `vt` module (python/vt/__init__.py, built
 * into libvt.so, source.c) on top of the C module `_vt`.
 *
 * `import vt` is served by a finder at the END of sys.meta_path: a module or package named
 * vt that the program has on sys.path wins, and vt's own is the fallback. `_vt` goes into
 * sys.modules when tracing starts.
 */
#include <string.h>

#include "preload/py/py.h"

/* ---- the _vt module ---- */

static PyObject *none(void)
{
	py.IncRef(py.None);
	return py.None;
}

/* _vt.begin(name, kwargs) */
static PyObject *m_begin(PyObject *self, PyObject *args)
{
	(void)self;
	if (py.TupleSize(args) >= 1)
		vt_span_begin(py.TupleGetItem(args, 0),
			      py.TupleSize(args) >= 2 ? py.TupleGetItem(args, 1) : NULL);
	return none();
}

static PyObject *m_end(PyObject *self, PyObject *args)
{
	(void)self;
	(void)args;
	vt_span_end();
	return none();
}

static PyObject *m_counter(PyObject *self, PyObject *args)
{
	(void)self;
	if (py.TupleSize(args) >= 2)
		vt_emit_kv(1, py.TupleGetItem(args, 0), py.TupleGetItem(args, 1));
	return none();
}

static PyObject *m_instant(PyObject *self, PyObject *args)
{
	(void)self;
	if (py.TupleSize(args) >= 2)
		vt_emit_kv(0, py.TupleGetItem(args, 0), py.TupleGetItem(args, 1));
	return none();
}

static PyObject *m_pause(PyObject *self, PyObject *args)
{
	(void)self;
	(void)args;
	vt_recording_pause();
	return none();
}

static PyObject *m_resume(PyObject *self, PyObject *args)
{
	(void)self;
	(void)args;
	vt_recording_resume();
	return none();
}

static PyObject *m_thread_name(PyObject *self, PyObject *args)
{
	(void)self;
	if (py.TupleSize(args) >= 1)
		vt_set_thread_name(py.TupleGetItem(args, 0));
	return none();
}

static PyObject *m_flush(PyObject *self, PyObject *args)
{
	(void)self;
	(void)args;
	vt_flush_now();
	return none();
}

/* _vt.call(name, kwargs, func, args, kw): the span decorator's wrapper, in C */
static PyObject *m_call(PyObject *self, PyObject *args)
{
	(void)self;
	if (py.TupleSize(args) != 5)
		return NULL; /* private: vt's wrapper always passes five (a SystemError) */
	return vt_call_traced(py.TupleGetItem(args, 0), py.TupleGetItem(args, 1),
			      py.TupleGetItem(args, 2), py.TupleGetItem(args, 3),
			      py.TupleGetItem(args, 4));
}

static struct vt_methoddef g_methods[] = {
	{ "begin", (void *)m_begin, VT_METH_VARARGS, "begin(name, args): start a span" },
	{ "end", (void *)m_end, VT_METH_VARARGS, "end(): end the innermost span" },
	{ "counter", (void *)m_counter, VT_METH_VARARGS, "counter(name, values)" },
	{ "instant", (void *)m_instant, VT_METH_VARARGS, "instant(name, args)" },
	{ "pause", (void *)m_pause, VT_METH_VARARGS, "pause(): stop recording" },
	{ "resume", (void *)m_resume, VT_METH_VARARGS, "resume(): record again" },
	{ "thread_name", (void *)m_thread_name, VT_METH_VARARGS, "thread_name(name)" },
	{ "flush", (void *)m_flush, VT_METH_VARARGS, "flush(): write out what is buffered" },
	{ "call", (void *)m_call, VT_METH_VARARGS,
	  "call(name, kwargs, func, args, kw): func(*args, **kw) inside a span" },
};

/*
 * The finder: last in sys.meta_path, so that a `vt` of the program's own comes first. Its
 * code, like the module's, has the file name "<vt>": vt's own code, which the recorder
 * leaves out of the trace with all it runs (frames.c, skip_enter).
 */
static const char g_finder_src[] =
	"import sys\n"
	"class VtFinder:\n"
	"    '''vt's `vt` module, for programs traced by libvt.so that do not have one.'''\n"
	"    @classmethod\n"
	"    def find_spec(cls, name, path=None, target=None):\n"
	"        if name != 'vt':\n"
	"            return None\n"
	"        import importlib.util\n"
	"        return importlib.util.spec_from_loader('vt', cls, origin='libvt.so')\n"
	"    @staticmethod\n"
	"    def create_module(spec):\n"
	"        return None\n"
	"    @staticmethod\n"
	"    def exec_module(module):\n"
	"        exec(compile(SOURCE, '<vt>', 'exec'), module.__dict__)\n"
	"sys.meta_path.append(VtFinder)\n";

void vt_api_install(void)
{
	PyObject *mod = py.ModuleNew("_vt"), *name = NULL, *mods, *g = NULL, *src = NULL, *r;

	/* their calls are vt's own (names.c) */
	py_own.defs = g_methods;
	py_own.n = sizeof(g_methods) / sizeof(g_methods[0]);
	py_own.call_meth = (const void *)m_call;
	if (!mod)
		goto fail;
	name = py.UnicodeFromStringAndSize("_vt", 3);
	for (size_t i = 0; name && i < sizeof(g_methods) / sizeof(g_methods[0]); i++) {
		PyObject *f = py.CFunction_NewEx(&g_methods[i], NULL, name);

		if (!f || py.ModuleAddObject(mod, g_methods[i].ml_name, f) < 0) /* steals f */
			goto fail;
	}
	mods = py.SysGetObject("modules"); /* borrowed */
	if (!mods || py.DictSetItemString(mods, "_vt", mod) < 0)
		goto fail;
	g = py.DictNew();
	src = py.UnicodeFromStringAndSize(vt_api_source, (Py_ssize_t)strlen(vt_api_source));
	if (!g || !src || py.DictSetItemString(g, "__builtins__", py.EvalGetBuiltins()) < 0 ||
	    py.DictSetItemString(g, "SOURCE", src) < 0)
		goto fail;
	if (py.CompileString && py.EvalCode) {
		PyObject *code = py.CompileString(g_finder_src, "<vt>", VT_Py_file_input);

		r = code ? py.EvalCode(code, g, g) : NULL;
		if (code)
			py.DecRef(code);
	} else {
		r = py.RunString(g_finder_src, VT_Py_file_input, g, g);
	}
	if (!r)
		goto fail;
	py.DecRef(r);
	goto out;
fail:
	if (py.ErrOccurred())
		py.ErrClear();
	vt_log("cannot provide the vt module; vt.* calls will do nothing");
out:
	if (src)
		py.DecRef(src);
	if (g)
		py.DecRef(g);
	if (name)
		py.DecRef(name);
	if (mod)
		py.DecRef(mod);
}
