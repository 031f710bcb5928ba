/*
 * api.c - what Python code can ask of vt: the `vt` module (python/vt/__init__.py, built
 * into libvt.so) on top of the C module `_vt`, safe repr() for arguments and return
 * values, and garbage-collection spans.
 *
 * `import vt` is served by a finder at the END of sys.meta_path: a module or package named
 * vt that the program has on sys.path wins, and vt's own is the fallback. `_vt` goes into
 * sys.modules when tracing starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/py/pyapi.h"

/* python/vt/__init__.py, built in (see the Makefile); NUL-terminated */
__asm__(".section .rodata\n"
	".global vt_api_source\n"
	".hidden vt_api_source\n"
	"vt_api_source:\n"
	".incbin \"python/vt/__init__.py\"\n"
	".byte 0\n"
	".previous\n");
extern const char vt_api_source[];

int vt_api_is_copy(const char *file)
{
	static char last[1024];
	static int last_is;
	static const char tail[] = "/vt/__init__.py";
	size_t flen = strlen(file), n = strlen(vt_api_source);
	char *buf = NULL;
	ssize_t got = -1;
	int fd;

	if (flen < sizeof(tail) - 1 || strcmp(file + flen - (sizeof(tail) - 1), tail))
		return 0;
	if (!strcmp(file, last))
		return last_is; /* each function of the file asks: read it once */
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (buf = malloc(n + 1)))
		got = read(fd, buf, n + 1); /* one byte more: a longer file differs */
	last_is = got == (ssize_t)n && !memcmp(buf, vt_api_source, n);
	free(buf);
	if (fd >= 0)
		close(fd);
	snprintf(last, sizeof(last), "%s", file);
	return last_is;
}

/* ---- repr() that never raises, never runs long in C, and is cut to VT_REPR_MAX ---- */

static size_t cut_utf8(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--; /* do not split a character */
	return max;
}

static size_t text_into(PyObject *(*fn)(PyObject *), PyObject *o, char *buf, size_t cap)
{
	PyObject *r = fn(o), *et, *ev, *tb;
	const char *s;
	Py_ssize_t len = 0;
	size_t n;

	if (!r) {
		/* a __repr__ that raised (or recursed): say so, leave no exception behind */
		const char *tname = "?";

		py.ErrFetch(&et, &ev, &tb);
		if (et)
			tname = vt_tp_name(et);
		n = (size_t)snprintf(buf, cap, "<repr failed: %s>", tname);
		if (et)
			py.DecRef(et);
		if (ev)
			py.DecRef(ev);
		if (tb)
			py.DecRef(tb);
		return n < cap ? n : cap - 1;
	}
	s = TYPE_OF(r) == py.UnicodeType ? py.AsUTF8AndSize(r, &len) : NULL;
	if (!s) {
		py.ErrClear();
		py.DecRef(r);
		return (size_t)snprintf(buf, cap, "<repr failed>");
	}
	n = cut_utf8(s, (size_t)len, vt_cfg.repr_max);
	if (n + 4 > cap)
		n = cut_utf8(s, n, cap - 4);
	memcpy(buf, s, n);
	if (n < (size_t)len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	py.DecRef(r);
	return n;
}

size_t vt_repr_into(PyObject *o, char *buf, size_t cap)
{
	void *type = TYPE_OF(o);

	/* the common cases in C: no Python code runs for them */
	if (o == py.None)
		return (size_t)snprintf(buf, cap, "None");
	if (type == py.BoolType)
		return (size_t)snprintf(buf, cap, o == py.True ? "True" : "False");
	if (type == py.LongType) {
		int overflow = 0;
		long long v = py.AsLongLongAndOverflow(o, &overflow);

		if (!overflow && !(v == -1 && py.ErrOccurred()))
			return (size_t)snprintf(buf, cap, "%lld", v);
		py.ErrClear();
	}
	if (type == py.FloatType) {
		char *s = py.DoubleToString(py.FloatAsDouble(o), 'r', 0, 2 /* Py_DTSF_ADD_DOT_0 */,
					    NULL);
		size_t n;

		if (s) {
			n = (size_t)snprintf(buf, cap, "%s", s);
			py.MemFree(s);
			return n < cap ? n : cap - 1;
		}
		py.ErrClear();
	}
	return text_into(py.Repr, o, buf, cap);
}

size_t vt_str_into(PyObject *o, char *buf, size_t cap)
{
	return text_into(py.Str, o, buf, cap);
}

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

int vt_api_owns(const void *ml)
{
	const struct vt_methoddef *m = ml;
	size_t n = sizeof(g_methods) / sizeof(g_methods[0]);

	if ((const char *)ml < (const char *)g_methods || (const char *)ml >= (const char *)(g_methods + n))
		return 0;
	return m->ml_meth == (void *)m_call ? 2 : 1;
}

/*
 * The finder: last in sys.meta_path, so that a `vt` of the program's own comes first. Its
 * code, like the module's, has the file name "<vt>": vt's own code, which the recorder
 * leaves out of the trace with all it runs (python.c, skip_enter).
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
		PyObject *code = py.CompileString(g_finder_src, "<vt>", 257 /* Py_file_input */);

		r = code ? py.EvalCode(code, g, g) : NULL;
		if (code)
			py.DecRef(code);
	} else {
		r = py.RunString(g_finder_src, 257 /* Py_file_input */, g, g);
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

/* ---- garbage collection as spans (VT_LOG_GC=1) ---- */

/* gc.callbacks entry: (phase, info) */
static PyObject *on_gc(PyObject *self, PyObject *args)
{
	PyObject *phase = py.TupleSize(args) >= 2 ? py.TupleGetItem(args, 0) : NULL;
	PyObject *info = phase ? py.TupleGetItem(args, 1) : NULL;
	const char *s = phase && TYPE_OF(phase) == py.UnicodeType ? py.AsUTF8AndSize(phase, NULL)
								   : NULL;

	(void)self;
	if (!s || !info) {
		py.ErrClear();
		return none();
	}
	if (!strcmp(s, "start"))
		vt_span_begin(NULL, info); /* NULL: the "gc" span */
	else
		vt_span_end_with(info);
	return none();
}

static struct vt_methoddef g_gc_def = { "vt_gc_callback", (void *)on_gc, VT_METH_VARARGS, NULL };

void vt_gc_install(void)
{
	PyObject *gc = py.ImportModule("gc"), *cbs = NULL, *f = NULL, *r = NULL;

	if (gc)
		cbs = py.GetAttrString(gc, "callbacks");
	if (cbs)
		f = py.CFunction_NewEx(&g_gc_def, NULL, NULL);
	if (f)
		r = py.CallMethod(cbs, "append", "(O)", f);
	if (!r) {
		py.ErrClear();
		vt_log("cannot hook garbage collection (VT_LOG_GC)");
	} else {
		py.DecRef(r);
	}
	if (f)
		py.DecRef(f);
	if (cbs)
		py.DecRef(cbs);
	if (gc)
		py.DecRef(gc);
}
