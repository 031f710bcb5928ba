/*
 * python.c - finding CPython in the process, installing the hook, and the callbacks.
 *
 * libvt.so is not linked against libpython: a static python executable (Debian's
 * /usr/bin/python3) would get a second runtime. Every Python symbol is looked up with
 * dlsym(RTLD_DEFAULT) instead, and objects are handled as opaque pointers. The few
 * struct fields read directly (ob_type, PyCFunctionObject.m_ml/m_self/m_module,
 * PyMethodDescrObject.d_type/d_method, the frame's code on 3.8-3.11) have the same
 * offsets on every CPython from 3.8 to 3.13; see the table in py/pyapi.c.
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
#include <stddef.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/vt.h"

#include "preload/py/pyapi.h"

int vt_launcher;
int vt_in_init;
char vt_pyversion[32];

/* installing: audit events we cause ourselves are ignored meanwhile */
static int g_installing;
/* the hooks are installed and events are recorded (VT_START=signal, VT_DELAY: not yet) */
static volatile int g_recording;
/* sys.monitoring callbacks registered; the events they listen to */
static int g_monitoring_ready;
static long g_mon_mask;
/* this thread is calling PyEval_SetProfile itself: its audit event is not an eviction */
static __thread int t_own_setprofile;
/* 1 in PyEval_SetProfile mode, 0 in sys.monitoring mode */
static int g_profile_mode;
/* the frame-evaluation hook records (3.8-3.11; chosen at start, left when deep) */
static int g_eval_mode;
/* sys.monitoring tool id in use */
static int g_tool = -1;
/* the original _thread.start_new_thread, kept alive while patched */
static PyObject *g_real_start_thread;
/* threading._active, for thread names (borrowed from the module, which lives on) */
static PyObject *g_threading_active;


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

static uint8_t filter_flags(const char *file);
static void describe_args(PyObject *code, struct vt_def *d);

/* VT_DEFF_VT for vt's own code (file "<vt>": the vt module and its finder; or a copy of
 * the module on the program's path), with VT_DEFF_VTCALL for the span decorator's
 * wrapper (python/vt/__init__.py) */
static uint8_t vt_code_flags(PyObject *code, const char *file)
{
	PyObject *h = NULL;
	Py_ssize_t len = 0;
	const char *name;
	uint8_t f;

	if (strcmp(file, "<vt>") && !vt_api_is_copy(file))
		return 0;
	name = attr_utf8(code, "co_name", &h, &len);
	f = VT_DEFF_VT | (name && len == 11 && !memcmp(name, "_vt_wrapper", 11) ? VT_DEFF_VTCALL : 0);
	if (h)
		py.DecRef(h);
	return f;
}
struct vt_thread;
static void record_exception(struct vt_thread *t, PyObject *exc, PyObject *code, int line);

static int64_t intern_code(PyObject *code)
{
	PyObject *et, *ev, *tb, *h1 = NULL, *h2 = NULL, *h3 = NULL;
	const char *name, *file;
	Py_ssize_t nlen = 0, flen = 0;
	long line = 0;
	int64_t id;

	py.ErrFetch(&et, &ev, &tb);
	name = attr_utf8(code, vt_pyv.code_name_attr, &h1, &nlen);
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
	if (id >= 0) {
		py.IncRef(code); /* pinned: its address is never reused during the trace */
		vt_defs[id].flags = filter_flags(vt_defs[id].file) | vt_code_flags(code, vt_defs[id].file);
		describe_args(code, &vt_defs[id]);
	}
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
	int own;

	if (!mname)
		mname = "<unknown>";
	py.ErrFetch(&et, &ev, &tb);
	if (is_descr) {
		cls = FIELD(callable, vt_pyv.off.descr_type, PyObject *);
		n = qualify(buf, sizeof(buf), cls, mname);
	} else {
		PyObject *self = FIELD(callable, vt_pyv.off.cfunc_self, PyObject *);
		PyObject *mod = FIELD(callable, vt_pyv.off.cfunc_module, PyObject *);

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
	if (id >= 0 && (own = vt_api_owns(ml)))
		vt_defs[id].flags = VT_DEFF_VT | (own == 2 ? VT_DEFF_VTCALL : 0); /* _vt.*: vt's own */
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

/* the record helpers are inlined into every callback: a call and its push/pop cost
 * 1-3% of fib's run time */
#define HOT static inline __attribute__((always_inline))

/* the delta to @now, read by the caller first thing so the clock's latency overlaps the
 * rest of the callback's work */
static inline void stamp_at(struct vt_thread *t, uint64_t now, uint64_t *dt)
{
#ifdef VT_CLOCK_TWICE
	/* libvt-clock2.so (`make bench` only) shows what the clock costs in place: one more
	 * read per event, apart from the first (two in a row would wait for each other),
	 * its value dropped, so the records are the same as libvt.so's */
	(void)vt_now();
#endif
	*dt = vt_delta(t, now);
}

static inline void stamp(struct vt_thread *t, uint64_t *dt)
{
	stamp_at(t, vt_now(), dt);
}

/*
 * A function's reference on the hot path: its id in the low 32 bits and, above them, the
 * value v its short-form calls write in this chunk (an alias slot or VT_ALIAS_SLOTS + id);
 * negative when it has no id.
 */
static inline int64_t idc_ref(const struct vt_idc *c)
{
	return (int64_t)((uint64_t)c->v << 32 | c->id);
}

/* @id's value v for short-form calls (@is_c: of a C function) in @t's chunk: its alias
 * slot, bound here (an ALIAS record) when the chunk has not called it yet */
static uint32_t alias_of(struct vt_thread *t, uint32_t id, int is_c)
{
	const size_t mask = sizeof(t->amap) / sizeof(t->amap[0]) - 1;
	size_t i = (size_t)(id * 0x9e3779b1u >> 24) & mask;
	struct vt_amap *m;

	for (;; i = (i + 1) & mask) {
		m = &t->amap[i];
		if (m->gen != t->agen)
			break; /* free in this chunk: at most half the map is ever used */
		if (m->id == id)
			return m->v;
	}
	if (t->nalias[is_c] >= VT_ALIAS_SLOTS)
		return VT_ALIAS_SLOTS + id; /* the chunk's slots are taken: the id itself */
	m->gen = t->agen;
	m->id = id;
	m->v = t->nalias[is_c]++;
	t->pos = (size_t)(vt_put_alias(t->buf + t->pos, m->v << 1 | (uint32_t)is_c, id) - t->buf);
	return m->v;
}

/* the reference (idc_ref) of a function of vt's own: negative, not -1 (a failure) */
#define VT_V_OWN 0xffffffffu
static inline int is_own_ref(int64_t ref)
{
	return ref != -1 && (uint32_t)((uint64_t)ref >> 32) == VT_V_OWN;
}

/* @id (of @key, or -1), its DEF and alias put in @t's stream and kept in the cache slot
 * @c; returns its reference (idc_ref). vt's own functions (VT_DEFF_VT) get neither, and a
 * negative reference (is_own_ref): the hot path's test for a failed lookup sends them to
 * skip_enter, so they cost the other functions nothing. */
static int64_t id_cache_fill(struct vt_thread *t, struct vt_idc *c, void *key, int64_t id,
			     int is_c)
{
	if (id < 0)
		return id;
	if (VT_UNLIKELY(vt_defs[id].flags & VT_DEFF_VT)) {
		c->key = key;
		c->id = (uint32_t)id;
		c->v = VT_V_OWN;
		return idc_ref(c);
	}
	vt_define(t, (uint32_t)id);
	c->key = key;
	c->id = (uint32_t)id;
	c->v = alias_of(t, (uint32_t)id, is_c);
	return idc_ref(c);
}

/* @code's reference (idc_ref), its DEF in @t's stream */
static int64_t code_id_slow(struct vt_thread *t, PyObject *code, struct vt_idc *c)
{
	int64_t id = vt_intern_find(code);

	if (VT_UNLIKELY(id < 0))
		id = intern_code(code);
	return id_cache_fill(t, c, code, id, 0);
}

static inline int64_t code_id(struct vt_thread *t, PyObject *code)
{
	struct vt_idc *c = vt_id_slot(t, code);

	if (VT_LIKELY(c->key == code))
		return idc_ref(c); /* defined and aliased in this chunk when it was cached */
	return code_id_slow(t, code, c);
}

/* ---- arguments and return values (VT_LOG_ARGS, VT_LOG_RETURN) ---- */

#define CO_VARARGS 0x04
#define CO_VARKEYWORDS 0x08

/* the int attribute @attr of @obj (a code object, a frame), 0 if it has none */
static long int_attr(PyObject *obj, const char *attr)
{
	PyObject *v = py.GetAttrString(obj, attr);
	long x = v ? py.AsLong(v) : 0;

	if (v)
		py.DecRef(v);
	if (py.ErrOccurred())
		py.ErrClear();
	return x;
}

/* the argument names of a code object, once, when it is interned */
static void describe_args(PyObject *code, struct vt_def *d)
{
	PyObject *names;
	long flags, n;
	size_t len = 0;

	if (!vt_cfg.log_args)
		return;
	flags = int_attr(code, "co_flags");
	d->gen = (flags & vt_pyv.co_generator_like) != 0;
	n = int_attr(code, "co_argcount") + int_attr(code, "co_kwonlyargcount") +
	    !!(flags & CO_VARARGS) + !!(flags & CO_VARKEYWORDS);
	names = n > 0 ? py.GetAttrString(code, "co_varnames") : NULL;
	if (!names) {
		py.ErrClear();
		return;
	}
	if (n > py.TupleSize(names))
		n = py.TupleSize(names);
	d->argnames = malloc(4096);
	for (long i = 0; d->argnames && i < n && i < 64; i++) {
		Py_ssize_t l = 0;
		const char *a = py.AsUTF8AndSize(py.TupleGetItem(names, i), &l);

		if (!a || len + (size_t)l + 1 > 4096)
			break;
		memcpy(d->argnames + len, a, (size_t)l + 1);
		len += (size_t)l + 1;
		d->nargs++;
	}
	if (py.ErrOccurred())
		py.ErrClear();
	py.DecRef(names);
}

/*
 * vt runs Python code of the program's (repr, str) inside a callback: the events that
 * code raises are not the program's, and a garbage collection or a RAISE in it must not
 * write into the record being built. The thread's limit is held at 0 meanwhile, so every
 * event lands in vt_make_room, which drops it.
 */
static void enter_vt(struct vt_thread *t)
{
	if (t->in_vt++ == 0) {
		t->saved_limit = t->limit;
		t->limit = 0;
	}
}

static void leave_vt(struct vt_thread *t)
{
	if (--t->in_vt == 0)
		t->limit = vt_state == VT_ST_TRACING && !t->dead && !t->pending ? t->saved_limit : 0;
}

/* room in the thread's scratch for @n more bytes */
static char *scratch(struct vt_thread *t, size_t n)
{
	if (t->scratch_cap < n) {
		char *p = realloc(t->scratch, n);

		if (!p)
			return NULL;
		t->scratch = p;
		t->scratch_cap = n;
	}
	return t->scratch;
}

/*
 * Copy a record built in the scratch into the buffer. Python code ran while it was built
 * (repr), so the thread may have been flushed or stopped meanwhile: check again.
 */
static void put_scratch(struct vt_thread *t, size_t n)
{
	if (vt_state != VT_ST_TRACING || t->dead || !t->limit)
		return;
	if (t->pos + n + 64 > vt_cfg.chunk_size) {
		vt_flush(t);
		if (t->pos + n + 64 > vt_cfg.chunk_size)
			return;
	}
	memcpy(t->buf + t->pos, t->scratch, n);
	t->pos += n;
}

/*
 * Profile mode sees a generator's every resumption as a call (profile_gen_resumes). Its
 * first start: f_lasti is -1 (up to 3.10), or it points at a RESUME whose argument is 0
 * (1-3 after yield, yield from and await: gen_start_by_resume, 3.11).
 */
static int generator_first_start(void *frame)
{
	long lasti = int_attr(frame, "f_lasti");
	PyObject *code, *bytes;
	Py_ssize_t len = 0;
	int first = 0;
	const char *b;

	if (lasti < 0 || !vt_pyv.gen_start_by_resume)
		return lasti < 0;
	code = py.GetAttrString(frame, "f_code");
	bytes = code ? py.GetAttrString(code, "co_code") : NULL;
	if (bytes && (b = py.BytesAsString(bytes)) && (len = py.BytesSize(bytes)) > lasti + 1)
		first = b[lasti + 1] == 0;
	if (bytes)
		py.DecRef(bytes);
	if (code)
		py.DecRef(code);
	if (py.ErrOccurred())
		py.ErrClear();
	return first;
}

/* the ARGS record of a Python call: each argument's repr(), from the frame's locals */
static void write_args(struct vt_thread *t, void *frame, uint32_t id)
{
	const struct vt_def *d = &vt_defs[id];
	size_t cap = 16 + (size_t)d->nargs * (vt_cfg.repr_max + 300);
	PyObject *et, *ev, *tb, *locals;
	const char *name;
	uint8_t *p, *start;
	char *buf;

	if (!d->nargs || !frame || !(buf = scratch(t, cap + vt_cfg.repr_max + 16)))
		return;
	enter_vt(t);
	py.ErrFetch(&et, &ev, &tb);
	if (d->gen && vt_pyv.profile_gen_resumes && !generator_first_start(frame))
		goto out; /* a generator resumed: its arguments were recorded when it started */
	locals = py.GetAttrString(frame, "f_locals");
	if (!locals) {
		py.ErrClear();
		goto out;
	}
	buf = t->scratch;
	p = start = (uint8_t *)buf;
	*p++ = 0x92;
	*p++ = VT_REC_ARGS;
	p = vt_put_array(p, 2u * d->nargs);
	name = d->argnames;
	for (uint16_t i = 0; i < d->nargs; i++) {
		PyObject *v = py.GetItemString(locals, name);
		char *text = t->scratch + cap; /* past the record being built */
		size_t n;

		if (v) {
			n = vt_repr_into(v, text, vt_cfg.repr_max + 16);
			py.DecRef(v);
		} else {
			py.ErrClear();
			n = (size_t)snprintf(text, 32, "<unbound>");
		}
		p = vt_put_str(p, name, strlen(name));
		p = vt_put_str(p, text, n);
		name += strlen(name) + 1;
	}
	py.DecRef(locals);
	py.ErrRestore(et, ev, tb);
	leave_vt(t);
	put_scratch(t, (size_t)(p - start));
	return;
out:
	py.ErrRestore(et, ev, tb);
	leave_vt(t);
}

/* the RETVAL record before a return */
static void write_retval(struct vt_thread *t, PyObject *value)
{
	PyObject *et, *ev, *tb;
	char *buf = scratch(t, 2 * vt_cfg.repr_max + 64);
	size_t n;
	uint8_t *p;

	if (!buf || !value)
		return;
	enter_vt(t);
	py.ErrFetch(&et, &ev, &tb);
	n = vt_repr_into(value, buf + vt_cfg.repr_max + 32, vt_cfg.repr_max + 16);
	py.ErrRestore(et, ev, tb);
	leave_vt(t);
	buf = t->scratch; /* in case the repr's own code grew it */
	p = vt_put_retval((uint8_t *)buf, buf + vt_cfg.repr_max + 32, n);
	put_scratch(t, (size_t)(p - (uint8_t *)buf));
}

/* recorder-side filters (VT_INCLUDE_FILES, VT_EXCLUDE_FILES, VT_MAX_DEPTH, VT_IGNORE_FROZEN) */
static int g_filtering;
static int filter_call(struct vt_thread *t, uint32_t id, int is_c);
static int filter_ret(struct vt_thread *t);

/* does @file start with one of the prefixes in @list (separated by ':' or ',')? */
static int path_in(const char *file, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ":,");

		if (n && !strncmp(file, p, n))
			return 1;
		p += n;
		p += *p != 0;
	}
	return 0;
}

/* the filter flags of a Python function, decided once when its code object is interned */
static uint8_t filter_flags(const char *file)
{
	static char cwd[1024];
	char norm[4096];

	if (vt_cfg.ignore_frozen && !strncmp(file, "<frozen", 7))
		return VT_DEFF_SKIP;
	if (!vt_cfg.exclude[0] && !vt_cfg.include[0])
		return 0;
	/* the prefixes are absolute and normalised: so is the name they are matched with
	 * ("/app/../lib/x.py", "./x.py", or a relative name of 3.8's __main__) */
	if (file[0] && file[0] != '/' && file[0] != '<' && !cwd[0] && !getcwd(cwd, sizeof(cwd)))
		cwd[0] = 0;
	if (vt_path_norm(norm, sizeof(norm), cwd, file, strlen(file)) == 0)
		file = norm;
	if (vt_cfg.exclude[0] && path_in(file, vt_cfg.exclude))
		return VT_DEFF_SKIP;
	if (vt_cfg.include[0] && !path_in(file, vt_cfg.include))
		return VT_DEFF_HIDE;
	return 0;
}

/*
 * A C call belongs to the Python frame that makes it: it is recorded only when that frame
 * is. That frame is the newest one open (only Python code makes the calls that the hooks
 * report), so its verdict is at fstack[d - 1]; at depth 0 vt has not seen it enter
 * (tracing started under it, or the start gate opened deeper down) and rec_ccall left its
 * code's verdict in t->c_top.
 */
static int filter_call(struct vt_thread *t, uint32_t id, int is_c)
{
	uint32_t d = t->fdepth++;
	int rec = 1;

	if (!t->fstack)
		t->fstack = calloc(VT_FILTER_MAX, 1); /* once per thread; NULL: all recorded */
	if (t->skip_from)
		rec = 0;
	else if (is_c)
		rec = !d ? t->c_top : d - 1 < VT_FILTER_MAX && t->fstack ? t->fstack[d - 1] : 1;
	else if (vt_defs[id].flags & VT_DEFF_SKIP)
		rec = 0, t->skip_from = d + 1;
	else if (vt_defs[id].flags & VT_DEFF_HIDE)
		rec = 0;
	if (rec && vt_cfg.max_depth && d >= vt_cfg.max_depth)
		rec = 0;
	if (d < VT_FILTER_MAX && t->fstack)
		t->fstack[d] = (uint8_t)rec;
	return rec;
}

static int filter_ret(struct vt_thread *t)
{
	uint32_t d;

	if (!t->fdepth)
		return 1; /* a frame from before tracing began: the converter drops it */
	d = --t->fdepth;
	if (t->skip_from == d + 1)
		t->skip_from = 0;
	return d < VT_FILTER_MAX && t->fstack ? t->fstack[d] : 1;
}

/*
 * Features that need work on every event (the start gate, filters, the flight
 * recorder's open-frame list) hide behind this one flag, so that without them the hot
 * path pays a single predictable branch.
 */
static int g_slow;

/*
 * The start gate. CPython runs a little of its own code between the cpython.run_* event
 * and the user's first line (the __main__ loader for a script, linecache for -c on 3.13,
 * site's readline hook before the prompt). Calls at the top level are dropped, with all
 * they call, until one whose code comes from the user's source: the script's file,
 * "<string>", or for the prompt "<stdin>" or "<python-input-N>". After a
 * few top-level calls that do not match, the gate opens anyway: better a few extra calls
 * than a lost trace. A match deeper down opens it too: 3.13's PyREPL runs the user's input
 * from inside its own loop.
 */
enum { GATE_NONE, GATE_FILE, GATE_PROMPT };
static int g_gate;
static char g_gate_file[1024];
static uint32_t g_gate_depth, g_gate_skips;

int vt_recording_now(void)
{
	return g_recording;
}

int vt_slow_now(void)
{
	return g_slow;
}

static void slow_update(void)
{
	g_filtering = vt_cfg.include[0] || vt_cfg.exclude[0] || vt_cfg.max_depth ||
		      vt_cfg.ignore_frozen;
	g_slow = g_gate != GATE_NONE || vt_cfg.ring || g_filtering;
}

static int gate_match(uint32_t id)
{
	const char *f = vt_defs[id].file;
	size_t fl = vt_defs[id].file_len, gl = strlen(g_gate_file);

	if (vt_defs[id].kind != VT_DEF_PY)
		return 0;
	if (g_gate == GATE_PROMPT) /* <stdin>, <stdin>-0 (3.13), <python-input-0> (PyREPL) */
		return !strncmp(f, "<stdin>", 7) || !strncmp(f, "<python-input-", 14);
	/* a module body at the top is the user's, however its path was spelled (./x.py,
	 * ../x.py, a symlink: CPython may have made it absolute) */
	if (!g_gate_depth && vt_defs[id].name_len == 8 && !memcmp(vt_defs[id].name, "<module>", 8))
		return 1;
	if (fl == gl && !memcmp(f, g_gate_file, gl))
		return 1;
	/* a relative path on the command line, made absolute in co_filename */
	return g_gate_file[0] != '/' && fl > gl && f[fl - gl - 1] == '/' &&
	       !memcmp(f + fl - gl, g_gate_file, gl);
}

/*
 * CPython's own preamble between the run event and the user's code: importlib (frozen),
 * linecache (3.13's -c) and site (the prompt's readline hook). Any other call at the top
 * opens a file gate: a zipapp or anything else run through runpy is traced from there,
 * rather than risk dropping the user's whole program.
 */
static int preamble(uint32_t id)
{
	const char *f = vt_defs[id].file;
	size_t n = vt_defs[id].file_len;

	static const char lc[] = "/linecache.py", site[] = "/site.py";

	return !strncmp(f, "<frozen", 7) ||
	       (n >= sizeof(lc) - 1 && !strcmp(f + n - (sizeof(lc) - 1), lc)) ||
	       (n >= sizeof(site) - 1 && !strcmp(f + n - (sizeof(site) - 1), site));
}

/* 1 when this call is recorded; @is_c: a C call */
static int call_allowed(struct vt_thread *t, uint32_t id, int is_c)
{
	if (g_gate) {
		/* the user's code may start deep inside the REPL's own (3.13's PyREPL) */
		if (gate_match(id) || (!g_gate_depth && (++g_gate_skips > 8 ||
							 (g_gate == GATE_FILE && !preamble(id))))) {
			g_gate = GATE_NONE;
			slow_update();
		} else {
			g_gate_depth++;
			return 0;
		}
	}
	if (g_filtering)
		return filter_call(t, id, is_c);
	return 1;
}

static int ret_allowed(struct vt_thread *t)
{
	if (g_gate) {
		if (g_gate_depth)
			g_gate_depth--;
		return 0;
	}
	if (g_filtering)
		return filter_ret(t);
	return 1;
}

/*
 * The clock, read first thing in a callback: on 3.12/3.13 (Python only) that is 2-4%
 * faster than after the id lookup, as the read overlaps the callback's other work. With
 * filters, the start gate or the flight recorder on (g_slow) it is 0 there and read in
 * rec_call/rec_ret once the event is known to be recorded: a filtered event reads no
 * clock (Debian's fib with every call excluded: 3.45x -> 3.24x, floor 2.95x).
 */
static inline uint64_t early_now(void)
{
	return VT_UNLIKELY(g_slow) ? 0 : vt_now();
}

static void skip_enter(struct vt_thread *t, uint32_t id);

/* 1 when the call of @ref (idc_ref) was recorded; @now 0: read the clock here */
HOT int rec_call(struct vt_thread *t, unsigned kind, int64_t ref, uint64_t now)
{
	uint32_t id = (uint32_t)ref;
	uint64_t dt;

	if (VT_UNLIKELY(ref < 0)) {
		if (is_own_ref(ref))
			skip_enter(t, id); /* vt's own code: not the program's */
		else
			t->lost++;
		return 0;
	}
	if (VT_UNLIKELY(g_slow) && !call_allowed(t, id, kind == VT_REC_CCALL))
		return 0;
	if (VT_UNLIKELY(!now))
		now = vt_now();
	stamp_at(t, now, &dt);
	t->pos = (size_t)(vt_put_id_rec(t->buf + t->pos, kind,
					kind == VT_REC_RESUME ? id : (uint32_t)(ref >> 32), dt) -
			  t->buf);
	t->events++;
	if (VT_UNLIKELY(vt_cfg.ring))
		vt_shadow_push(t, id);
	return 1;
}

/*
 * Would the frame running @code be recorded, by its own file? For a C call made at depth 0
 * (see filter_call): looked up in the table, not through the thread's cache, so that
 * nothing is written in the stream before the event. Not its callers': an excluded caller
 * above it went unseen too.
 */
static int top_caller_rec(PyObject *code)
{
	int64_t id;

	if (!code)
		return 1;
	id = vt_intern_find(code);
	if (id < 0)
		id = intern_code(code);
	return id < 0 || !(vt_defs[id].flags & (VT_DEFF_SKIP | VT_DEFF_HIDE));
}


/* the call of the C function @ref by the code of @frame (profile hook) or @code (sys.monitoring) */
static inline int rec_ccall(struct vt_thread *t, int64_t ref, uint64_t now, void *frame,
			    PyObject *code)
{
	if (VT_UNLIKELY(g_slow) && g_filtering && !t->fdepth)
		t->c_top = top_caller_rec(code ? code : frame ? vt_frame_code(frame) : NULL);
	return rec_call(t, VT_REC_CCALL, ref, now);
}

HOT void rec_ret(struct vt_thread *t, unsigned kind, uint64_t now, PyObject *retval)
{
	uint64_t dt;

	if (VT_UNLIKELY(g_slow) && !ret_allowed(t))
		return;
	if (VT_UNLIKELY(!now))
		now = vt_now();
	if (VT_UNLIKELY(retval != NULL) && vt_cfg.log_return)
		write_retval(t, retval);
	stamp_at(t, now, &dt);
	t->pos = (size_t)(vt_put_dt_rec(t->buf + t->pos, kind, dt) - t->buf);
	t->events++;
	if (VT_UNLIKELY(vt_cfg.ring))
		vt_shadow_pop(t);
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
			codes[n++] = vt_frame_code(f);
		f = vt_frame_back(f);
	}
	while (n-- > 0) {
		int64_t ref = codes[n] ? code_id(t, codes[n]) : -1;
		uint64_t dt;

		if (ref < 0)
			continue;
		stamp(t, &dt);
		t->pos = (size_t)(vt_put_id_rec(t->buf + t->pos, VT_REC_CALL, (uint32_t)(ref >> 32),
						dt) - t->buf);
		if (vt_cfg.ring)
			vt_shadow_push(t, (uint32_t)ref);
		if (t->pos >= t->limit)
			break; /* keep the headroom for the event itself */
	}
}

static void put_mark(struct vt_thread *t, const char *text);

/* when the recording window began (vt_now(), and CLOCK_MONOTONIC ns): frames open then
 * are drawn from there */
static uint64_t g_window_start, g_window_mono;
/* windows begun so far */
static unsigned g_window_gen;
/* eval hook: nonzero while it records, and different in each window (see eval_enter) */
static volatile int g_eval_token;

static void eval_token_update(void)
{
	g_eval_token = g_recording && g_eval_mode ? (int)((g_window_gen & 0xfffffffu) << 2 | 1) : 0;
}

/* the frames on this thread's stack into t->pre, outermost first; their number */
static uint32_t walk_stack(struct vt_thread *t)
{
	void *f = py.GetFrame();
	uint32_t n = 0;

	while (f && n < 100000) {
		if (n == t->pre_cap) {
			uint32_t cap = t->pre_cap ? 2 * t->pre_cap : 256;
			void **fr = realloc(t->pre, cap * sizeof(*fr));
			uint32_t *ids;

			if (fr)
				t->pre = fr;
			ids = fr ? realloc(t->pre_ids, cap * sizeof(*ids)) : NULL;
			if (!ids)
				break; /* out of memory: the outermost frames go unnamed */
			t->pre_ids = ids;
			t->pre_cap = cap;
		}
		t->pre[n++] = f;
		f = vt_frame_back(f);
	}
	for (uint32_t i = 0; i < n / 2; i++) {
		void *x = t->pre[i];

		t->pre[i] = t->pre[n - 1 - i];
		t->pre[n - 1 - i] = x;
	}
	return n;
}

/* what t->pre_ids holds for a frame that the STACK record does not name */
#define VT_PRE_UNNAMED 0xffffffffu /* the program's, with no room left to name it */
#define VT_PRE_WRAPPER 0xfffffffeu /* the span decorator's wrapper, running the program's
				    * function (_vt.call): left out, the frames above are named */
#define VT_PRE_OWN 0xfffffffdu     /* vt's own code, or what it runs: left out */

/*
 * Recording (re)started, or the profile hook came back from another profiler: the frames
 * on the stack were entered unseen. Write a STACK record with their ids (outermost
 * first; DEFs before it) at @at, so the converter names them and draws them from there.
 * On a call event (@ev VT_EV_CALL) the newest frame is the one being entered, which the
 * event records. The eval hook never sees these frames return: it keeps them in t->pre
 * and ends them as the frames it sees entered show them gone (pre_check).
 *
 * vt's own frames are left out: from the first one up (unless it is the span decorator's
 * wrapper running the program's function), everything is vt's, and the thread goes on
 * skipping it (skip_event) until that frame returns.
 */
static void name_open_frames(struct vt_thread *t, int ev, uint64_t at)
{
	const size_t cap = vt_cfg.chunk_size - VT_CHUNK_HEADROOM;
	uint32_t all = walk_stack(t), n = all, named = 0, depth = 0, root = UINT32_MAX;
	int wrap = 0, room = 1;
	uint32_t *ids;
	uint64_t dt;

	if (ev == VT_EV_CALL && n)
		n--;
	/* the DEFs and the list go into this chunk: start a new one when it is half full */
	if (n && t->pos > cap / 2)
		vt_flush(t);
	/* a thread that runs for the first time since recording started (it was waiting):
	 * its buffer is new, its frames are older */
	if (n && at == g_window_start)
		vt_chunk_rebase(t, at, g_window_mono);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = root < i ? VT_PRE_OWN : VT_PRE_UNNAMED;
		int64_t ref;

		/* no room to name more: the rest stay unnamed */
		room = room && t->pos + VT_REC_DEF_MAX + VT_REC_ALIAS_MAX + 5 * (size_t)(i + 1) + 64 <= cap;
		if (root > i && room) {
			ref = code_id(t, vt_frame_code(t->pre[i]));
			if (is_own_ref(ref)) {
				uint8_t fl = vt_defs[(uint32_t)ref].flags;

				/* the wrapper with a frame above it runs the program's function */
				if ((fl & VT_DEFF_VTCALL) && (i + 1 < all || ev == VT_EV_ENTER)) {
					v = VT_PRE_WRAPPER;
				} else {
					root = i;
					wrap = (fl & VT_DEFF_VTCALL) != 0;
					v = VT_PRE_OWN;
				}
			} else if (ref >= 0) {
				v = (uint32_t)ref;
			}
		}
		t->pre_ids[i] = v;
	}
	/* the list names the program's frames up to the first it cannot name */
	ids = (uint32_t *)scratch(t, (size_t)n * sizeof(*ids) + 4);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = t->pre_ids[i];

		if (v == VT_PRE_WRAPPER || v == VT_PRE_OWN)
			continue;
		if (ids && v != VT_PRE_UNNAMED && named == depth)
			ids[named++] = v;
		depth++;
	}
	if (!ids)
		named = 0;
	stamp_at(t, at, &dt);
	t->pos = (size_t)(vt_put_stack_ids(t->buf + t->pos, dt, depth, ids, named) - t->buf);
	if (vt_cfg.ring) {
		/* the flight recorder's chunks start with these frames */
		t->sdepth = 0;
		for (uint32_t i = 0; i < named; i++)
			vt_shadow_push(t, ids[i]);
	}
	t->npre = g_eval_mode ? n : 0;
	t->pre_armed = t->npre > 0;
	if (root != UINT32_MAX && !g_eval_mode) {
		/* inside vt's own code: its frames (and the C function returning now) end
		 * unseen by the program; the eval hook never sees them end (pre_check) */
		t->vskip = n - root + (ev == VT_EV_CRET);
		t->vskip_wrap = wrap;
		t->vuntil = 0;
	}
}

/*
 * Eval hook: a frame is entered right above the frames that were open when recording
 * started (t->pre), whose returns the hook never sees. The frame that calls it tells
 * which of them are still open: those above it have ended (unseen); end them now. Safe
 * at any depth: a caller that is not one of them ends none. Returns 1 when that caller
 * is vt's own code.
 */
static int pre_check(struct vt_thread *t)
{
	void *caller = py.GetFrame();
	uint32_t j = caller ? t->npre : 0; /* no caller: the thread's stack is empty */
	uint64_t dt;

	if (caller)
		while (j && t->pre[j - 1] != caller)
			j--;
	if (caller && !j)
		return 0; /* called from a frame entered since: nothing of theirs ended */
	while (t->npre > j && t->pos + 16 < vt_cfg.chunk_size - VT_CHUNK_HEADROOM) {
		uint32_t v = t->pre_ids[t->npre - 1];

		if (v != VT_PRE_WRAPPER && v != VT_PRE_OWN) {
			stamp(t, &dt);
			t->pos = (size_t)(vt_put_dt_rec(t->buf + t->pos, VT_REC_RET, dt) - t->buf);
			t->events++;
			if (vt_cfg.ring)
				vt_shadow_pop(t);
		}
		t->npre--;
	}
	/* called from vt's own code: the new frame is vt's too */
	return j && t->pre_ids[j - 1] == VT_PRE_OWN;
}

/* eval hook: the frame that disarmed the check has left; look again at the next entry */
static void pre_rearm(struct vt_thread *t)
{
	if (t->npre && !t->pre_armed) {
		t->pre_armed = 1;
		t->pending = 1;
		t->limit = 0; /* see vt_pending_hook */
	}
}

/*
 * ---- vt's own code ----
 *
 * The vt module (python/vt/__init__.py, file "<vt>"), its finder and the _vt functions
 * are vt's: the trace shows the program, so their calls, and everything they call, are
 * left out. Their code objects and PyMethodDefs carry VT_DEFF_VT, decided once when they
 * are interned, and their id cache entries a negative reference, so a call of one takes
 * the hot path's branch for a failed lookup into skip_enter and costs the rest nothing.
 * From there the thread takes the slow path (t->pending) and counts the calls and
 * returns of vt's code (skip_event) until the first one returns; vt's own records
 * (spans, counters, instants) still go in.
 *
 * The span decorator's wrapper is vt's too, but the function it wraps is the program's:
 * the wrapper hands it to _vt.call, which lifts the skip while the function runs
 * (vt_call_traced) and then drops the wrapper's own return (t->vuntil). A copy of the
 * vt module that the program has on its path is the program's code, recorded as such;
 * only its calls of _vt.* are vt's (t->vskip_wrap 2 for _vt.call's).
 */
static void skip_enter(struct vt_thread *t, uint32_t id)
{
	t->vskip = 1;
	t->vskip_wrap = !(vt_defs[id].flags & VT_DEFF_VTCALL) ? 0 : vt_defs[id].kind == VT_DEF_C ? 2 : 1;
	t->vuntil = 0;
	t->pending = 1;
	t->limit = 0; /* see vt_pending_hook */
}

/* an event while vt's own code runs: 1 when it is vt's (dropped, not lost) */
static int skip_event(struct vt_thread *t, int ev)
{
	if (ev == VT_EV_NONE)
		return 0; /* a span, counter or instant of the program's, made by vt's code */
	if (!t->vskip && t->vuntil == 3) {
		/* a wrapper of the program's own called _vt.call: only its C return is vt's */
		t->vuntil = 0;
		return ev == VT_EV_CRET;
	}
	switch (ev) {
	case VT_EV_CALL:
	case VT_EV_ENTER:
	case VT_EV_CCALL:
		t->vskip++;
		return 1;
	case VT_EV_RET:
	case VT_EV_CRET:
		if (t->vskip) {
			if (--t->vskip == 0)
				t->vskip_wrap = 0;
			return 1;
		}
		/* _vt.call returned: its C return (if it was seen to start), then the
		 * wrapper's return; anything else means they were not seen */
		if (ev == VT_EV_CRET && t->vuntil == 1) {
			t->vuntil = 2;
			return 1;
		}
		t->vuntil = 0;
		return ev == VT_EV_RET;
	default:
		return 1; /* an exception raised in vt's code */
	}
}

/* the frame running now is of vt's own code (no record is written) */
static int caller_is_own(void)
{
	void *f = py.GetFrame();
	PyObject *code = f ? vt_frame_code(f) : NULL;
	int64_t id = code ? vt_intern_find(code) : -1;

	if (code && id < 0)
		id = intern_code(code);
	return id >= 0 && (vt_defs[id].flags & VT_DEFF_VT);
}

PyObject *vt_call_traced(PyObject *name, PyObject *kwargs, PyObject *func, PyObject *a,
			 PyObject *kw)
{
	struct vt_thread *t = vt_t;
	unsigned gen = g_window_gen;
	int lifted = 0, until = 0;
	PyObject *r, *et, *ev, *tb;

	vt_span_begin(name, kwargs);
	/* called by vt's wrapper (1), or by a wrapper of the program's (2), whose own
	 * events (and this call's) are all that is skipped: the function is the program's */
	if (t && !t->vuntil && ((t->vskip_wrap == 1 && t->vskip && t->vskip <= 2) ||
				(t->vskip_wrap == 2 && t->vskip == 1))) {
		lifted = t->vskip_wrap;
		t->vskip = 0;
		t->vskip_wrap = 0; /* the limit comes back at the next event (pending_work) */
	}
	r = py.Call(func, a, kw && kw != py.None ? kw : NULL);
	t = vt_t;
	/* vt's wrapper returns next, and this call's C return comes first if it was seen
	 * to start: drop them where the hook will see them (the eval hook sees the exit of
	 * a frame of this window only, and one entered while recording). Not lifted: the
	 * wrapper began while vt did not record; whose it is, its code says */
	if (t && !t->in_vt && g_recording && !t->evicted && !t->vskip && !t->vuntil) {
		if (lifted == 2)
			until = 3;
		else if (g_eval_mode)
			until = lifted && gen == g_window_gen;
		else
			until = lifted || caller_is_own() ? 1 : 3;
	}
	if (until) {
		t->vuntil = until;
		t->pending = 1;
		t->limit = 0;
	}
	py.ErrFetch(&et, &ev, &tb);
	vt_span_end();
	py.ErrRestore(et, ev, tb);
	return r;
}

static int pending_work(struct vt_thread *t, int ev)
{
	int r = 1, drop = 0, counted = 0;

	if (t->resync) {
		t->resync = 0;
		write_inherited_stack(t, ev == VT_EV_CALL);
	}
	if (t->resync_stack) {
		t->resync_stack = 0;
		/* and the filters have not seen them enter: what they knew of the frames open
		 * when recording stopped is stale (those frames have since returned unseen) */
		t->fdepth = 0;
		t->skip_from = 0;
		name_open_frames(t, ev, g_window_start);
	}
	if (t->name_tries)
		try_thread_name(t);
	if (t->pre_armed && !g_eval_mode) {
		t->pre_armed = 0; /* the eval hook was left for the profile hook, which sees
				   * every frame return */
		t->npre = 0;
	}
	if (t->pre_armed && ev == VT_EV_ENTER) {
		t->pre_armed = 0;
		r = 2; /* look again when this frame returns */
		if (pre_check(t) && !t->vskip && !t->vuntil) {
			t->vskip = 1; /* called from vt's own code: vt's too */
			t->vskip_wrap = 0;
			drop = counted = 1;
		}
	}
	if (!counted && (t->vskip || t->vuntil))
		drop = skip_event(t, ev);
	t->pending = t->resync || t->resync_stack || t->name_tries || t->pre_armed || t->vskip ||
		     t->vuntil;
	return drop ? 0 : r;
}

static int64_t cfunc_id_slow(struct vt_thread *t, PyObject *callable, void *ml, int is_descr,
			     struct vt_idc *c)
{
	int64_t id = vt_intern_find(ml);

	if (VT_UNLIKELY(id < 0))
		id = intern_cfunc(ml, callable, is_descr);
	return id_cache_fill(t, c, ml, id, 1);
}

static inline int64_t cfunc_id(struct vt_thread *t, PyObject *callable, void *ml, int is_descr)
{
	struct vt_idc *c = vt_id_slot(t, ml);

	if (VT_LIKELY(c->key == ml))
		return idc_ref(c);
	return cfunc_id_slow(t, callable, ml, is_descr, c);
}


/* what each PyTrace_* event is, for vt_room */
static const uint8_t g_ev_of[8] = { VT_EV_CALL, VT_EV_OTHER, VT_EV_OTHER, VT_EV_RET,
				    VT_EV_CCALL, VT_EV_CRET, VT_EV_CRET, VT_EV_OTHER };

/* PyEval_SetProfile callback (3.8-3.11, and 3.12+ when no monitoring tool id is free) */
static int prof_cb(PyObject *obj, void *frame, int what, PyObject *arg)
{
#ifdef VT_NOP
	return 0;
#endif
	uint64_t now = early_now();
	struct vt_thread *t = vt_thread_cur();
	int is_descr;
	void *ml;

	(void)obj;
	if (VT_UNLIKELY(!t) || !g_recording || !vt_room(t, g_ev_of[what & 7]))
		return 0;
	switch (what) {
	case PT_CALL: {
		int64_t id = code_id(t, vt_frame_code(frame));

		if (rec_call(t, VT_REC_CALL, id, now) && VT_UNLIKELY(vt_cfg.log_args))
			write_args(t, frame, (uint32_t)id);
		break;
	}
	case PT_RETURN:
		rec_ret(t, arg ? VT_REC_RET : VT_REC_UNWIND, now, arg);
		break;
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
static void *g_eval_default;   /* _PyEval_EvalFrameDefault */
static void **g_eval_slot38;   /* 3.8: &interp->eval_frame (no setter) */
static void (*g_eval_setter)(void *interp, void *fn); /* 3.9+ */
static void *(*g_eval_getter)(void *interp);
static void profile_mode_setup(void);
static void hooks_on(void);
static void hooks_off(void);
static void eval_set(int on);

/* Deep in the C stack: go on with the profile hook (see above). Holds the GIL. */
static void eval_to_profile(void)
{
	static const char why[] = "vt: the C stack is nearly full (a deep recursion): "
				  "switched from the frame-evaluation hook to the profile hook";

	/* not a pause: the frames open stay open. The profile hook sees them return; the
	 * eval hook's exits are ignored from here (g_eval_token 0) */
	g_recording = 0;
	eval_token_update();
	eval_set(0);
	g_eval_mode = 0;
	profile_mode_setup();
	hooks_on(); /* each thread names its open frames (STACK) at its next event: the
		     * converter has them already, and goes on with them */
	vt_proc_mark(why);
}

/*
 * The entry of a frame. Returns 0 when its exit is not to be looked at, else the
 * window's token (g_eval_token) with bit 1 set when the pre_check is to be armed again
 * at its exit: a frame of the current window only, as frames entered before it (while
 * not recording) never show their exit (see name_open_frames).
 */
static inline int eval_enter(void *frame)
{
	uint64_t now = early_now();
	struct vt_thread *t = vt_thread_cur();
	int tok = g_eval_token, r;
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

	if (VT_UNLIKELY((on & ~2) != g_eval_token) || VT_UNLIKELY(!t))
		return; /* not recording, or entered in an earlier window */
	if (vt_room(t, VT_EV_RET))
		rec_ret(t, result ? VT_REC_RET : VT_REC_UNWIND, now, NULL);
	if (VT_UNLIKELY(on & 2))
		pre_rearm(t);
}

static PyObject *eval_hook39(void *tstate, void *frame, int throwflag)
{
#ifdef VT_NOP
	return ((vt_eval39)g_eval_default)(tstate, frame, throwflag);
#endif
	int on = eval_enter(frame);
	PyObject *r = ((vt_eval39)g_eval_default)(tstate, frame, throwflag);

	if (on)
		eval_leave(r, on);
	return r;
}

static PyObject *eval_hook38(void *frame, int throwflag)
{
#ifdef VT_NOP
	return ((vt_eval38)g_eval_default)(frame, throwflag);
#endif
	int on = eval_enter(frame);
	PyObject *r = ((vt_eval38)g_eval_default)(frame, throwflag);

	if (on)
		eval_leave(r, on);
	return r;
}

static void *eval_current(void)
{
	return vt_pyv.eval_takes_tstate ? g_eval_getter(py.InterpMain()) : *g_eval_slot38;
}

/* 1 when the eval hook can be installed: the API is there and nobody else uses it */
static int eval_available(void)
{
	if (!vt_pyv.has_eval_hook || !(g_eval_default = vt_pysym("_PyEval_EvalFrameDefault")))
		return 0;
	if (vt_pyv.eval_takes_tstate) {
		*(void **)&g_eval_setter = vt_pysym(vt_pyv.sym_eval_setter);
		*(void **)&g_eval_getter = vt_pysym(vt_pyv.sym_eval_getter);
		if (!g_eval_setter || !g_eval_getter)
			return 0;
	} else {
		/* 3.8 has no setter: the field holds _PyEval_EvalFrameDefault (its offset is
		 * 568 in 3.8's PyInterpreterState, which is over 2 KiB); find it, once */
		void **p = py.InterpMain();

		for (int i = 0; i < 128; i++) {
			if (p[i] != g_eval_default)
				continue;
			if (g_eval_slot38)
				return 0; /* twice: not sure which */
			g_eval_slot38 = &p[i];
		}
		if (!g_eval_slot38)
			return 0;
	}
	/* a debugger or JIT has its own there: leave it alone */
	return eval_current() == g_eval_default;
}

static void eval_set(int on)
{
	void *ours = vt_pyv.eval_takes_tstate ? (void *)eval_hook39 : (void *)eval_hook38;
	void *fn = !on ? g_eval_default : ours;

	if (!on && eval_current() != ours)
		return; /* someone put theirs in our place: theirs stays */
	if (vt_pyv.eval_takes_tstate)
		g_eval_setter(py.InterpMain(), fn); /* 3.11 stores the default as NULL */
	else
		*g_eval_slot38 = fn;
}

/*
 * ---- sys.monitoring callbacks (3.12+) ----
 *
 * Each has the vectorcall signature, @nargsf possibly carrying
 * PY_VECTORCALL_ARGUMENTS_OFFSET, so the same function serves as the vectorcall slot of a
 * vt callback object (mon_callable) and, as a fallback, as a METH_FASTCALL|METH_KEYWORDS
 * builtin (whose nargs never has that bit).
 */
#define MON_ARGS PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames
#define MON_NARGS ((Py_ssize_t)(nargsf & ~((size_t)1 << 63)))
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
struct vt_cbobj {
	Py_ssize_t ob_refcnt;  /* PyObject_HEAD of a 3.12/3.13 build without free threading */
	void *ob_type;
	void *vectorcall;
};

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

/* the values of CPython's headers (typeslots.h, object.h, structmember.h) */
#define VT_Py_tp_call 50
#define VT_Py_tp_doc 56
#define VT_Py_tp_members 72
#define VT_TPFLAGS_DISALLOW_INSTANTIATION (1u << 7)
#define VT_TPFLAGS_IMMUTABLETYPE (1u << 8)
#define VT_TPFLAGS_HAVE_VECTORCALL (1u << 11)
#define VT_TPFLAGS_HAVE_VERSION_TAG (1u << 18)
#define VT_T_PYSSIZET 19
#define VT_READONLY 1

static void *g_cb_type;

/* a callable object that runs @def's function through vectorcall; NULL when it cannot be
 * made (the caller falls back to a builtin function) */
static PyObject *mon_callable(struct vt_methoddef *def)
{
	struct vt_cbobj *o;

	if (!g_cb_type) {
		static struct vt_memberdef members[] = {
			{ "__vectorcalloffset__", VT_T_PYSSIZET,
			  (Py_ssize_t)offsetof(struct vt_cbobj, vectorcall), VT_READONLY, NULL },
			{ NULL, 0, 0, 0, NULL },
		};
		struct vt_type_slot slots[] = {
			{ VT_Py_tp_call, vt_pysym("PyVectorcall_Call") },
			{ VT_Py_tp_members, members },
			{ VT_Py_tp_doc, "a sys.monitoring callback of vt's" },
			{ 0, NULL },
		};
		struct vt_type_spec spec = {
			"vt.callback", (int)sizeof(struct vt_cbobj), 0,
			VT_TPFLAGS_HAVE_VERSION_TAG | VT_TPFLAGS_HAVE_VECTORCALL |
				VT_TPFLAGS_IMMUTABLETYPE | VT_TPFLAGS_DISALLOW_INSTANTIATION,
			slots,
		};
		PyObject *(*from_spec)(struct vt_type_spec *) = vt_pysym("PyType_FromSpec");

		if (!from_spec || !slots[0].pfunc || !py.GenericAlloc)
			return NULL;
		g_cb_type = from_spec(&spec); /* kept for the process */
		if (!g_cb_type) {
			py.ErrClear();
			return NULL;
		}
	}
	o = (struct vt_cbobj *)py.GenericAlloc(g_cb_type, 0);
	if (!o) {
		py.ErrClear();
		return NULL;
	}
	o->vectorcall = def->ml_meth;
	return (PyObject *)o;
}

/* @def as a callback object, or as a builtin function when that cannot be made */
static PyObject *mon_callback(struct vt_methoddef *def)
{
	PyObject *cb = mon_callable(def);

	return cb ? cb : py.CFunction_NewEx(def, NULL, NULL);
}

/* sys.monitoring.@name, a new reference; NULL with the exception cleared */
static PyObject *mon_attr(const char *name)
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
static PyObject *call_taking(PyObject *fn, PyObject *args)
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
	PyObject *r = call_taking(mon_attr("set_events"), py.BuildValue("(il)", g_tool, mask));

	if (!r)
		return -1;
	py.DecRef(r);
	return 0;
}

/* sys.monitoring and its own use_tool_id/free_tool_id (vt wraps the module's: see below) */
static PyObject *g_mon, *g_real_use_tool, *g_real_free_tool;

/* @fn(*@args) (@args' reference is taken): 0, or -1 with the exception cleared */
static int call_ok(PyObject *fn, PyObject *args)
{
	PyObject *r;

	if (fn)
		py.IncRef(fn); /* call_taking takes one */
	r = call_taking(fn, args);
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
static int mon_take(int avoid)
{
	static const int tools[] = { 4, 3 };
	PyObject *events = g_mon ? py.GetAttrString(g_mon, "events") : NULL;
	size_t i, nev = sizeof(mon_defs) / sizeof(mon_defs[0]);
	long mask = 0;

	g_tool = -1;
	for (i = 0; i < 2 && g_tool < 0 && events; i++)
		if (tools[i] != avoid &&
		    call_ok(g_real_use_tool, py.BuildValue("(is)", tools[i], "vt")) == 0)
			g_tool = tools[i];
	if (g_tool < 0)
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
		fn = py.GetAttrString(g_mon, "register_callback");
		if (call_ok(fn, cb && fn ? py.BuildValue("(iOO)", g_tool, ev, cb) : NULL) < 0) {
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
		fn = py.GetAttrString(g_mon, "register_callback");
		mask |= py.AsLong(ev);
		if (call_ok(fn, cb && fn ? py.BuildValue("(iOO)", g_tool, ev, cb) : NULL) < 0) {
			py.DecRef(ev);
			goto fail;
		}
		py.DecRef(ev);
		py.DecRef(fn);
		py.DecRef(cb);
	}
	g_mon_mask = mask;
	g_monitoring_ready = 1;
	if (g_recording && set_mon_events(mask) < 0)
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
	int old = g_tool;

	(void)self;
	if (want == -1 && py.ErrOccurred())
		py.ErrClear();
	if (old >= 0 && want == old) {
		struct vt_thread *t = vt_thread_cur();

		call_ok(g_real_free_tool, py.BuildValue("(i)", old));
		if (mon_take(old) < 0 && t && vt_room(t, 0))
			put_mark(t, "vt: paused, the program took vt's sys.monitoring tool id");
	}
	return py.CallObject(g_real_use_tool, args);
}

static PyObject *wrap_free_tool(PyObject *self, PyObject *args)
{
	PyObject *id = py.TupleSize(args) >= 1 ? py.TupleGetItem(args, 0) : NULL;
	long which = id ? py.AsLong(id) : -1;
	PyObject *r;

	(void)self;
	if (which == -1 && py.ErrOccurred())
		py.ErrClear();
	r = py.CallObject(g_real_free_tool, args);
	if (r && g_tool >= 0 && which == g_tool) {
		/* taking an id back would show in the program's own sys.monitoring.get_tool():
		 * stop, and say so in the trace */
		struct vt_thread *t = vt_thread_cur();

		g_tool = -1;
		if (t && vt_room(t, 0))
			put_mark(t, "vt: stopped, the program freed vt's sys.monitoring tool id");
	}
	return r;
}

static struct vt_methoddef wrap_use_def = { "use_tool_id", (void *)wrap_use_tool,
					    VT_METH_VARARGS, NULL };
static struct vt_methoddef wrap_free_def = { "free_tool_id", (void *)wrap_free_tool,
					     VT_METH_VARARGS, NULL };

/* Returns 0 when sys.monitoring is set up, -1 when no tool id is free or it failed. */
static int install_monitoring(void)
{
	PyObject *sys = py.ImportModule("sys"), *name, *w;

	g_mon = sys ? py.GetAttrString(sys, "monitoring") : NULL; /* kept for the process */
	if (sys)
		py.DecRef(sys);
	if (!g_mon) {
		py.ErrClear();
		return -1;
	}
	g_real_use_tool = py.GetAttrString(g_mon, "use_tool_id");
	g_real_free_tool = py.GetAttrString(g_mon, "free_tool_id");
	if (!g_real_use_tool || !g_real_free_tool || mon_take(-1) < 0) {
		py.ErrClear();
		return -1;
	}
	name = py.UnicodeFromStringAndSize("sys.monitoring", 14);
	w = name ? py.CFunction_NewEx(&wrap_use_def, NULL, name) : NULL;
	if (w) {
		py.SetAttrString(g_mon, "use_tool_id", w);
		py.DecRef(w);
	}
	w = name ? py.CFunction_NewEx(&wrap_free_def, NULL, name) : NULL;
	if (w) {
		py.SetAttrString(g_mon, "free_tool_id", w);
		py.DecRef(w);
	}
	if (name)
		py.DecRef(name);
	if (py.ErrOccurred())
		py.ErrClear();
	return 0;
}

/* PyEval_SetProfile(prof_cb) for this thread, without taking its audit event for an eviction */
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
	if (what != PT_EXCEPTION || !arg || !g_recording || py.TupleSize(arg) < 2)
		return 0;
	t = vt_thread_cur();
	if (t && vt_room(t, VT_EV_OTHER))
		record_exception(t, py.TupleGetItem(arg, 1), vt_frame_code(frame),
				 (int)int_attr(frame, "f_lineno"));
	return 0;
}

/* 0, or -1 when CPython refused (3.11: inside another profile function's install) */
static int arm_profile(int all_threads)
{
	int rc = 0;

	t_own_setprofile = 1;
	if (all_threads) {
		py.SetProfileAllThreads(prof_cb, NULL);
	} else if (py.SetProfileTstate && vt_pyv.profile_tstate_set) {
		/* the private call reports a refusal instead of printing it as unraisable */
		rc = py.SetProfileTstate(py.TstateGet(), prof_cb, NULL);
		if (rc < 0)
			py.ErrClear();
	} else {
		py.SetProfile(prof_cb, NULL);
	}
	if (vt_cfg.log_exceptions && vt_pyv.exceptions_by_trace && py.SetTrace && rc == 0)
		py.SetTrace(trace_cb, NULL);
	t_own_setprofile = 0;
	return rc;
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
 * once they release it (the slot is empty again at a later audit event), recording the
 * frames open then, so the converter can pair calls and returns again.
 */
/* the slot is free again: take it back, and name the frames open now */
static void take_back(struct vt_thread *t)
{
	void *fn = *vt_profile_slot(py.TstateGet());

	if (fn || t_own_setprofile || py.ErrOccurred() || !t->evicted || !g_recording ||
	    !vt_room(t, 0) || install_running(t))
		return; /* still theirs, or not a safe moment: try at a later event */
	if (arm_profile(0) < 0)
		return; /* refused: still inside someone's install; try at a later event */
	t->evicted = 0;
	name_open_frames(t, VT_EV_NONE, vt_now());
	put_mark(t, "vt: resumed, the other profiler released the hook");
}

static volatile int g_takeback_queued;
/* the main thread's profile slot when the program's sys.setprofile was audited, and how
 * often the pending call looked since */
static void *g_slot_at_audit;
static int g_takeback_tries;

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
	if (slot == g_slot_at_audit && ++g_takeback_tries < 64) {
		py.AddPendingCall(take_back_main, NULL); /* not over yet: look again */
		return 0;
	}
	g_takeback_queued = 0;
	if (t && slot != g_slot_at_audit)
		take_back(t);
	return 0;
}

static void watch_profile_slot(const char *event)
{
	struct vt_thread *t = vt_t;
	int setprofile = !strcmp(event, "sys.setprofile");

	if (!t || t->dead || !g_recording || !vt_room(t, 0))
		return;
	if (setprofile && !t_own_setprofile) {
		note_install(t);
		if (!t->evicted) {
			t->evicted = 1;
			put_mark(t, "vt: paused, another profiler took the hook (sys.setprofile)");
		}
		/* it may be a release (cProfile.disable): look again right after it, in
		 * the main thread; other threads look at their next audited operation */
		if (t->tid == vt_pid && !g_takeback_queued) {
			g_takeback_queued = 1;
			g_takeback_tries = 0;
			g_slot_at_audit = *vt_profile_slot(py.TstateGet());
			py.AddPendingCall(take_back_main, NULL);
		}
		return;
	}
	/* never inside someone's PyEval_SetProfile: it would refuse theirs or ours */
	if (t->evicted && !setprofile)
		take_back(t);
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
	/* bad arguments: let the real function raise exactly its own TypeError */
	if (!py.TypeIsSubtype(TYPE_OF(fargs), py.TupleType) ||
	    (kw && !py.TypeIsSubtype(TYPE_OF(kw), py.DictType)))
		return py.CallObject(g_real_start_thread, args);
	boot = py.BuildValue("(OOO)", func, fargs, kw ? kw : py.None);
	if (!boot)
		return NULL;
	bootfn = py.CFunction_NewEx(&thread_boot_def, boot, NULL);
	py.DecRef(boot);
	if (!bootfn)
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
static PyObject *g_real_setprofile, *g_real_setprofile_all;
static PyObject *g_setprofile_wrapper, *g_setprofile_all_wrapper;
/* the program's function, while skip_stray holds the slot */
static __thread vt_tracefunc t_profile_next;

static int skip_stray(PyObject *obj, void *frame, int what, PyObject *arg)
{
	vt_tracefunc next = t_profile_next;

	*vt_profile_slot(py.TstateGet()) = (void *)next;
	t_profile_next = NULL;
	if ((what == PT_C_RETURN || what == PT_C_EXCEPTION) &&
	    (arg == g_setprofile_wrapper || arg == g_setprofile_all_wrapper))
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
static int g_tool6_on, g_tool6_unsure;

static int any_profile_function(void)
{
	for (void *ts = py.ThreadHead(py.InterpMain()); ts; ts = py.ThreadNext(ts)) {
		void *fn = *vt_profile_slot(ts);

		if (fn && fn != (void *)prof_cb)
			return 1;
	}
	return 0;
}

static void tool6_update(void)
{
	g_tool6_on = any_profile_function();
	g_tool6_unsure = 0;
}

static int other_tool_asked(void);

static int other_tool_sees_calls(void)
{
	if (g_tool6_unsure)
		tool6_update();
	return g_tool6_on || other_tool_asked();
}

static int other_tool_asked(void)
{
	static const char *const names[] = { "CALL", "C_RETURN", "C_RAISE" };
	PyObject *events = mon_attr("events");
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
		PyObject *r = tool == g_tool ? NULL :
			      call_taking(mon_attr("get_events"), py.BuildValue("(i)", tool));

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
	int stray = g_profile_mode ? before == (void *)prof_cb :
		    !before && g_recording && !g_eval_mode && !vt_cfg.ignore_c;

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
	return setprofile_through(g_real_setprofile, arg);
}

static PyObject *setprofile_all_wrap(PyObject *self, PyObject *arg)
{
	(void)self;
	return setprofile_through(g_real_setprofile_all, arg);
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

static void patch_setprofile(void)
{
	static struct vt_methoddef sp_def = { "setprofile", (void *)setprofile_wrap, VT_METH_O,
					      NULL };
	static struct vt_methoddef spall_def = { "_setprofileallthreads",
						 (void *)setprofile_all_wrap, VT_METH_O, NULL };
	PyObject *sys = py.ImportModule("sys");

	if (sys && !g_setprofile_wrapper) {
		g_setprofile_wrapper = wrap_sys_function(sys, "setprofile", &sp_def,
							 &g_real_setprofile);
		if (vt_pyv.profile_all_threads)
			g_setprofile_all_wrapper = wrap_sys_function(
				sys, "_setprofileallthreads", &spall_def, &g_real_setprofile_all);
	}
	if (sys)
		py.DecRef(sys);
	if (py.ErrOccurred())
		py.ErrClear();
}

/* ---- events from the program: spans, counters, instants, names (api.c) ---- */

/* the thread's buffer if it records now, with room for @n more bytes (flushed if need be) */
static struct vt_thread *room_for(size_t n)
{
	struct vt_thread *t = vt_thread_cur();

	if (!t || !g_recording || !vt_room(t, 0) || n + 64 > vt_cfg.chunk_size)
		return NULL;
	if (t->pos + n + 64 > vt_cfg.chunk_size)
		vt_flush(t);
	return t->pos + n + 64 <= vt_cfg.chunk_size ? t : NULL;
}

/* utf-8 of a str, or NULL (no exception left) */
static const char *utf8_of(PyObject *o, Py_ssize_t *len)
{
	const char *s = o && TYPE_OF(o) == py.UnicodeType ? py.AsUTF8AndSize(o, len) : NULL;

	if (!s)
		py.ErrClear();
	return s;
}

/*
 * A value that JSON has a type for, as msgpack: None, True/False, an int that fits in 64
 * bits, a finite float (exact types only: a subclass may have its own repr). Returns the
 * new end, or NULL for anything else (the caller writes its text).
 */
static uint8_t *put_json_value(uint8_t *p, PyObject *v)
{
	void *type = TYPE_OF(v);

	if (v == py.None) {
		*p++ = 0xc0;
		return p;
	}
	if (type == py.BoolType) {
		*p++ = v == py.True ? 0xc3 : 0xc2;
		return p;
	}
	if (type == py.LongType) {
		int overflow = 0;
		long long x = py.AsLongLongAndOverflow(v, &overflow);

		if (overflow || (x == -1 && py.ErrOccurred())) {
			py.ErrClear();
			return NULL; /* its digits, as text */
		}
		return vt_put_int(p, x);
	}
	if (type == py.FloatType) {
		double d = py.FloatAsDouble(v);
		uint64_t bits;

		if (d != d || d > 1.7976931348623157e308 || d < -1.7976931348623157e308)
			return NULL; /* nan, inf: JSON has none, "nan" says more than null */
		memcpy(&bits, &d, sizeof(bits));
		*p++ = 0xcb;
		p = vt_put_be32(p, (uint32_t)(bits >> 32));
		return vt_put_be32(p, (uint32_t)bits);
	}
	return NULL;
}

/*
 * A dict as [key, value, ...] into the thread's scratch: numbers as msgpack numbers when
 * @numbers (others left out), else JSON's own types as such (None, bools, ints, floats:
 * put_json_value) and text for the rest (a str as it is, anything else its repr).
 * Returns the length, or 0.
 */
static size_t kv_payload(struct vt_thread *t, PyObject *dict, int numbers)
{
	Py_ssize_t pos = 0, klen;
	PyObject *k, *v;
	uint32_t count = 0;
	size_t cap = 8 + 64 * (vt_cfg.repr_max + 300), off;
	uint8_t *p, *start;
	char *buf;

	if (!dict || !py.TypeIsSubtype(TYPE_OF(dict), py.DictType) || !(buf = scratch(t, cap)))
		return 0;
	enter_vt(t);
	start = (uint8_t *)buf;
	p = start + 5; /* room for the array header, written last */
	while (count < 64 && py.DictNext(dict, &pos, &k, &v)) {
		const char *ks = utf8_of(k, &klen);
		char *text = buf + cap - vt_cfg.repr_max - 32;
		size_t n;

		if (!ks)
			continue;
		if (numbers) {
			void *type = TYPE_OF(v);

			if (type != py.LongType && type != py.FloatType)
				continue;
			p = vt_put_str(p, ks, (size_t)klen);
			if (type == py.LongType) {
				int overflow = 0;
				long long x = py.AsLongLongAndOverflow(v, &overflow);

				if (overflow || (x == -1 && py.ErrOccurred())) {
					py.ErrClear();
					x = 0;
				}
				p = vt_put_int(p, x);
			} else {
				double d = py.FloatAsDouble(v);
				uint64_t bits;

				memcpy(&bits, &d, sizeof(bits));
				*p++ = 0xcb;
				p = vt_put_be32(p, (uint32_t)(bits >> 32));
				p = vt_put_be32(p, (uint32_t)bits);
			}
		} else {
			Py_ssize_t vlen = 0;
			const char *vs = TYPE_OF(v) == py.UnicodeType ? utf8_of(v, &vlen) : NULL;
			uint8_t *typed;

			p = vt_put_str(p, ks, (size_t)klen);
			typed = vs ? NULL : put_json_value(p, v);
			if (typed) {
				p = typed;
			} else {
				if (vs && (size_t)vlen > vt_cfg.repr_max)
					vlen = (Py_ssize_t)vt_cfg.repr_max;
				n = vs ? (size_t)vlen : vt_repr_into(v, text, vt_cfg.repr_max + 16);
				p = vt_put_str(p, vs ? vs : text, n);
				/* repr() may have run Python code: the scratch is still ours */
			}
		}
		count++;
	}
	leave_vt(t);
	/* the array header: always the 5-byte form, so the start is known up front */
	start[0] = 0xdd;
	vt_put_be32(start + 1, 2 * count);
	off = (size_t)(p - start);
	return count ? off : 0;
}

/* spans are not frames: they go on a track of their own (the converter's), so that a span
 * begun inside __enter__ and ended inside __exit__ does not upset the frames' nesting */
void vt_span_begin(PyObject *name, PyObject *kwargs)
{
	static char gc_key; /* the "gc" span's key in the intern table */
	struct vt_thread *t = vt_thread_cur();
	const char *s;
	Py_ssize_t len = 0;
	int64_t id;
	void *key;
	PyObject *interned = NULL;
	size_t n;
	uint64_t dt;
	uint8_t *p;

	if (!t || t->in_vt || !g_recording || !vt_room(t, 0))
		return;
	if (!name) {
		key = &gc_key;
		s = "gc";
		len = 2;
	} else {
		if (!(s = utf8_of(name, &len)))
			return;
		/* one id per distinct name: the interned str is the key */
		interned = py.InternFromString(s);
		if (!interned) {
			py.ErrClear();
			return;
		}
		key = interned;
	}
	id = vt_intern_find(key);
	if (id < 0) {
		id = vt_intern_add(key, VT_DEF_SPAN, s, (size_t)len, "", 0, 0);
		if (id >= 0 && interned)
			interned = NULL; /* the table keeps the reference */
	}
	if (interned)
		py.DecRef(interned);
	if (id < 0)
		return;
	n = kwargs ? kv_payload(t, kwargs, 0) : 0;
	if (!room_for(n + 32) || t != vt_t)
		return;
	vt_define(t, (uint32_t)id);
	stamp(t, &dt);
	p = t->buf + t->pos;
	*p++ = 0x94;
	*p++ = VT_REC_SPAN_B;
	p = vt_put_uint(p, dt);
	p = vt_put_uint(p, (uint64_t)id);
	if (n) {
		memcpy(p, t->scratch, n);
		p += n;
	} else {
		*p++ = 0x90;
	}
	t->pos = (size_t)(p - t->buf);
	t->spans_open++;
}

void vt_span_end_with(PyObject *info)
{
	struct vt_thread *t = vt_thread_cur();
	size_t n;
	uint64_t dt;
	uint8_t *p;

	if (!t || t->in_vt || !t->spans_open || !g_recording || !vt_room(t, 0))
		return;
	n = info ? kv_payload(t, info, 0) : 0;
	if (!room_for(n + 16) || t != vt_t)
		return;
	stamp(t, &dt);
	p = t->buf + t->pos;
	*p++ = 0x93;
	*p++ = VT_REC_SPAN_E;
	p = vt_put_uint(p, dt);
	if (n) {
		memcpy(p, t->scratch, n);
		p += n;
	} else {
		*p++ = 0x90;
	}
	t->pos = (size_t)(p - t->buf);
	t->spans_open--;
}

void vt_span_end(void)
{
	vt_span_end_with(NULL);
}

/* [kind, dt, name, payload] with the payload in the scratch */
static void write_timed_kv(struct vt_thread *t, unsigned kind, const char *name, size_t nlen,
			   size_t n)
{
	uint64_t dt;
	uint8_t *p;

	if (nlen > VT_DEF_STR_MAX)
		nlen = VT_DEF_STR_MAX;
	if (!room_for(n + nlen + 32) || t != vt_t)
		return;
	stamp(t, &dt);
	p = t->buf + t->pos;
	*p++ = 0x94;
	*p++ = (uint8_t)kind;
	p = vt_put_uint(p, dt);
	p = vt_put_str(p, name, nlen);
	if (n) {
		memcpy(p, t->scratch, n);
		p += n;
	} else {
		*p++ = 0x90; /* [] */
	}
	t->pos = (size_t)(p - t->buf);
}

void vt_emit_kv(int counter, PyObject *name, PyObject *kwargs)
{
	struct vt_thread *t = vt_thread_cur();
	Py_ssize_t len = 0;
	const char *s;
	char copy[VT_DEF_STR_MAX];
	size_t n;

	if (!t || t->in_vt || !g_recording || !vt_room(t, 0) || !(s = utf8_of(name, &len)))
		return;
	/* the values' repr() may run Python code: keep our own copy of the name */
	len = len > (Py_ssize_t)sizeof(copy) ? (Py_ssize_t)sizeof(copy) : len;
	memcpy(copy, s, (size_t)len);
	n = kv_payload(t, kwargs, counter);
	if (counter && !n)
		return; /* a counter with no number: nothing to draw */
	write_timed_kv(t, counter ? VT_REC_COUNTER : VT_REC_INSTANT, copy, (size_t)len, n);
}

void vt_set_thread_name(PyObject *name)
{
	Py_ssize_t len = 0;
	const char *s = utf8_of(name, &len);
	struct vt_thread *t;
	uint64_t dt;

	if (!s || !(t = room_for((size_t)len + 32)))
		return;
	t->name_tries = 0; /* the program named it: do not look further */
	stamp(t, &dt);
	t->pos = (size_t)(vt_put_text_rec(t->buf + t->pos, VT_REC_TNAME, dt, s, (size_t)len) -
			  t->buf);
}

/* an exception was raised: an instant with its type, message and where */
static void record_exception(struct vt_thread *t, PyObject *exc, PyObject *code, int line)
{
	char text[512], where[1200];
	const char *tname, *file = "?";
	Py_ssize_t flen = 1;
	PyObject *fobj = NULL, *et, *ev, *tb, *dict;
	int exc_is_type = is_type(exc);

	if (!exc || exc == t->last_exc || t->in_vt)
		return;
	t->last_exc = exc;
	enter_vt(t);
	py.ErrFetch(&et, &ev, &tb);
	tname = vt_tp_name(exc_is_type ? exc : (PyObject *)TYPE_OF(exc));
	if (code && (fobj = py.GetAttrString(code, "co_filename")))
		file = utf8_of(fobj, &flen);
	if (!file) {
		file = "?";
		flen = 1;
	}
	snprintf(where, sizeof(where), "%.*s:%d", (int)flen, file, line);
	if (fobj)
		py.DecRef(fobj);
	dict = py.DictNew();
	if (dict) {
		PyObject *a = py.UnicodeFromStringAndSize(tname, (Py_ssize_t)strlen(tname));
		size_t n = exc_is_type ? 0 : vt_str_into(exc, text, sizeof(text));
		PyObject *b = py.UnicodeFromStringAndSize(text, (Py_ssize_t)n);
		PyObject *c = py.UnicodeFromStringAndSize(where, (Py_ssize_t)strlen(where));

		if (a && b && c) {
			py.DictSetItemString(dict, "type", a);
			py.DictSetItemString(dict, "message", b);
			py.DictSetItemString(dict, "where", c);
			n = kv_payload(t, dict, 0);
			leave_vt(t);
			write_timed_kv(t, VT_REC_INSTANT, "exception", 9, n);
			enter_vt(t);
		}
		if (a)
			py.DecRef(a);
		if (b)
			py.DecRef(b);
		if (c)
			py.DecRef(c);
		py.DecRef(dict);
	}
	if (py.ErrOccurred())
		py.ErrClear();
	py.ErrRestore(et, ev, tb);
	leave_vt(t);
}

/* ---- recording on and off (VT_START=signal, VT_DELAY, VT_DURATION) ---- */

/* the profile hook into (or out of) every thread of the main interpreter */
static void profile_all_threads(vt_tracefunc fn)
{
	void *me = py.TstateGet(), *ts;

	t_own_setprofile = 1;
	if (vt_pyv.profile_all_threads && py.SetProfileAllThreads) {
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
	g_window_start = vt_now();
	g_window_mono = vt_use_tsc ? vt_mono_ns() : g_window_start;
	g_window_gen++;
	if (g_gate != GATE_NONE) {
		/* the program runs already: its first events are its own (a return of a frame
		 * open now must not go to the start gate) */
		g_gate = GATE_NONE;
		slow_update();
	}
	g_recording = 1;
	eval_token_update();
	/* threads that already record name their open frames when they next run */
	vt_threads_resync_stack();
	if (g_eval_mode)
		eval_set(1);
	else if (g_profile_mode)
		profile_all_threads(prof_cb);
	else if (set_mon_events(g_mon_mask) < 0)
		vt_log("cannot enable sys.monitoring events; no events are recorded");
}

static void hooks_off(void)
{
	if (!g_recording)
		return;
	g_recording = 0;
	eval_token_update();
	if (g_eval_mode)
		eval_set(0);
	else if (g_profile_mode)
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

void vt_recording_pause(void)
{
	recording_stop();
}

void vt_recording_resume(void)
{
	recording_start();
}

void vt_flush_now(void)
{
	if (vt_cfg.ring)
		vt_ring_dump_now();
	else
		vt_threads_flush_live();
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
 * Make the main thread notice a pending call added from the timer thread.
 *
 * Py_AddPendingCall queues the call and sets the "calls to do" flag, but the main thread
 * only looks at that flag when the interpreter's eval_breaker is set. On 3.9-3.12 the
 * function that sets it, COMPUTE_EVAL_BREAKER (ceval.c / ceval_gil.c), counts pending
 * calls only when the thread that calls it can run them: `calls_to_do &&
 * _Py_ThreadCanHandlePendingCalls()` (3.9-3.11), `_Py_IsMainThread() && ...
 * pending_mainthread.calls_to_do` (3.12), and both are false in vt's timer thread. So
 * eval_breaker stays 0, and the call waits until the main thread recomputes it itself:
 * when it takes the GIL back (time.sleep, I/O) or handles a signal. A CPU-bound loop
 * never does, and VT_DELAY/VT_DURATION never fired there. 3.8 sets eval_breaker
 * unconditionally, and 3.13 sets the main thread's _PY_CALLS_TO_DO_BIT from any thread.
 *
 * The timer thread takes the GIL for a moment (PyGILState_Ensure/Release: public API,
 * a thread state that lives for that moment and runs no Python code). Asking for the
 * GIL sets gil_drop_request, which sets eval_breaker for any thread; the main thread
 * gives the GIL up at its next check, and when it takes it back take_gil recomputes
 * eval_breaker in the main thread, which now counts the pending call (3.9-3.11 run it
 * even before giving the GIL up). A main thread that is already waiting (sleep, I/O)
 * just goes on waiting; it recomputes when it wakes, as before.
 */
static void wake_main(void)
{
	int s;

	if (!vt_pyv.pending_needs_wake || !py.GILStateEnsure || !py.GILStateRelease ||
	    !py.IsInitialized() || (py.IsFinalizing && py.IsFinalizing()))
		return;
	s = py.GILStateEnsure();
	py.GILStateRelease(s);
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
			wake_main();
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
	/* _signal: the C module under signal.py, already loaded; importing signal.py (and enum) would cost milliseconds of start-up */
	PyObject *mod = py.ImportModule("_signal"), *get, *set, *old = NULL, *dfl, *h, *a, *r;
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

/* profile mode: hook new threads first, so that importing _thread is not traced */
static void profile_mode_setup(void)
{
	g_profile_mode = 1;
	patch_thread_start();
	patch_setprofile();
}

/*
 * The frame-evaluation hook records Python functions only, without arguments, return
 * values or exceptions: it is the default on 3.8-3.11 with VT_IGNORE_C=1 and none of
 * those, and VT_HOOK=eval asks for it (3.12+ refuse it, see above).
 */
static int want_eval(void)
{
	static const char *const why[] = { NULL, "VT_LOG_ARGS", "VT_LOG_RETURN", "VT_LOG_EXCEPTIONS" };
	int no = vt_cfg.log_args ? 1 : vt_cfg.log_return ? 2 : vt_cfg.log_exceptions ? 3 : 0;

	int micro = 0;

	if (!vt_pyv.has_eval_hook || vt_cfg.use_profile || vt_cfg.use_eval == 0)
		return 0;
	/* eval_min_micro: see pyapi.c */
	sscanf(vt_pyversion, "%*d.%*d.%d", &micro);
	if (vt_cfg.use_eval == -1)
		return vt_cfg.ignore_c && !no && micro >= vt_pyv.eval_min_micro;
	if (no) {
		vt_log("VT_HOOK=eval cannot record what %s asks for; using PyEval_SetProfile",
		       why[no]);
		return 0;
	}
	vt_cfg.ignore_c = 1; /* it sees no C calls; nor will the profile hook after a switch */
	return 1;
}

static void install(void)
{
	if (vt_state != VT_ST_WAITING || !is_main_interpreter())
		return;
	g_installing = 1;
	vt_tsc_hz = 0;
	if (vt_use_tsc) {
		/* ticks per second over the interpreter's start-up (at least milliseconds);
		 * until here vt_clock0 is in raw TSC ticks */
		uint64_t c = vt_rdtsc(), m = vt_mono_ns(), hz = 0;

		if (m > vt_mono0 + 100000)
			hz = (uint64_t)((double)(c - vt_clock0) * 1e9 / (double)(m - vt_mono0));
		vt_tsc_hz = vt_tsc_unit(hz);
	}
	vt_pending_hook = pending_work;
	slow_update();
	vt_state = VT_ST_TRACING;
	vt_proc_start();
	if (vt_state != VT_ST_TRACING)
		goto out;
	/* before any hook: their own Python code is not traced */
	vt_api_install();
	if (vt_cfg.log_gc)
		vt_gc_install();
	if (!vt_pyapi_frame_layout_ok()) {
		vt_log("unexpected frame layout in Python %s; tracing off", vt_pyversion);
		vt_state = VT_ST_INERT;
		goto out;
	}
	if (!vt_pyv.has_eval_hook && vt_cfg.use_eval == 1)
		vt_log("VT_HOOK=eval is for Python 3.8-3.11 (3.12+ would count each call "
		       "against the C recursion limit); using sys.monitoring");
	if (vt_pyv.has_monitoring && !vt_cfg.use_profile && install_monitoring() == 0) {
		g_profile_mode = 0;
		g_recording = 1;
		if (!vt_cfg.ignore_c)
			patch_setprofile();
		if (set_mon_events(g_mon_mask) < 0)
			vt_log("cannot enable sys.monitoring events; no events are recorded");
	} else if (want_eval() && eval_available()) {
		vt_stack_guards = 1; /* before any thread's first event */
		g_eval_mode = 1;
		g_recording = 1;
		eval_token_update();
		eval_set(1);
	} else {
		if (vt_pyv.has_monitoring && !vt_cfg.use_profile)
			vt_log("no free sys.monitoring tool id (3 and 4 are taken); using "
			       "PyEval_SetProfile");
		else if (vt_cfg.use_eval == 1 && vt_pyv.has_eval_hook)
			vt_log("the frame-evaluation hook is not available (another tool uses "
			       "it); using PyEval_SetProfile");
		profile_mode_setup();
		g_recording = 1;
		arm_profile(vt_pyv.profile_all_threads && py.SetProfileAllThreads);
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
	vt_native_install(); /* last: vt's own start-up calls above are not traced */
out:
	g_installing = 0;
}

/* what the user's first code will be called, from the run event that starts tracing */
static void set_gate(const char *what, PyObject *args)
{
	PyObject *a = args && py.TupleSize(args) > 0 ? py.TupleGetItem(args, 0) : NULL;
	const char *s = NULL;
	Py_ssize_t len = 0;

	g_gate = GATE_FILE;
	if (!strcmp(what, "file") || !strcmp(what, "startup")) {
		if (a && TYPE_OF(a) == py.UnicodeType)
			s = py.AsUTF8AndSize(a, &len);
		if (!s) {
			py.ErrClear();
			g_gate = GATE_NONE;
			return;
		}
		snprintf(g_gate_file, sizeof(g_gate_file), "%.*s", (int)len, s);
	} else if (!strcmp(what, "command")) {
		snprintf(g_gate_file, sizeof(g_gate_file), "<string>");
	} else if (!strcmp(what, "stdin") || !strcmp(what, "interactivehook")) {
		g_gate = GATE_PROMPT;
	} else {
		g_gate = GATE_NONE; /* -m: runpy's frames lead to the module, keep them */
	}
}

static int audit_hook(const char *event, PyObject *args, void *data)
{
	(void)data;
	if (VT_LIKELY(vt_state != VT_ST_WAITING) || g_installing) {
		if (g_profile_mode && vt_state == VT_ST_TRACING && !g_installing) {
			int saved = errno;

			watch_profile_slot(event);
			errno = saved;
		} else if (vt_pyv.has_monitoring && !strcmp(event, "sys.setprofile")) {
			g_tool6_unsure = 1; /* see other_tool_sees_calls */
		}
		return 0;
	}
	/* run_file, run_module, run_command, run_stdin, run_startup, run_interactivehook:
	 * the interpreter is fully initialised and user code is next */
	if (event[0] == 'c' && !strncmp(event, "cpython.run_", 12)) {
		int saved = errno;

		set_gate(event + 12, args);
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

/*
 * A weak reference, bound by the loader as it binds the rest: no dlsym at start-up, whose
 * failure in a process without Python (most of them) allocates its error message.
 */
extern int PySys_AddAuditHook(vt_audithook, void *) __attribute__((weak));

int vt_python_present(void)
{
	return PySys_AddAuditHook != NULL;
}

VT_STARTUP void vt_python_probe(void)
{
	const char *ver;
	int major = 0, minor = 0, lo, hi;
	const struct vt_pyver *v;

	*(void **)&py.AddAuditHook = vt_pysym("PySys_AddAuditHook");
	if (!py.AddAuditHook)
		return; /* not Python (or older than 3.8): stay inert */
	*(void **)&py.GetVersion = vt_pysym("Py_GetVersion");
	ver = py.GetVersion ? py.GetVersion() : NULL; /* a static string, safe before init */
	if (!ver || sscanf(ver, "%d.%d", &major, &minor) != 2)
		return;
	snprintf(vt_pyversion, sizeof(vt_pyversion), "%.*s", (int)strcspn(ver, " "), ver);
	if (vt_cfg.bad[0]) {
		vt_log("%s; tracing off", vt_cfg.bad);
		return;
	}
	if (vt_cfg.disable)
		return;
	if (vt_cfg.processes[0] && !process_selected())
		return; /* VT_PROCESSES: not one of ours; its children may be */
	if (!(v = vt_pyver_find(major, minor, VT_BUILD_DEFAULT))) {
		vt_pyver_range(&lo, &hi);
		vt_log("Python %s is not supported (3.%d to 3.%d); tracing off", vt_pyversion, lo,
		       hi);
		return;
	}
	vt_pyv = *v;
	vt_py_minor = minor;
	if (vt_pyapi_resolve() < 0) {
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

/* a crash signal's handler from before vt (faulthandler under -X faulthandler), chained */
static struct sigaction g_prev[65];
static int g_has_prev[65];

static int is_crash(int sig)
{
	return sig != SIGTERM && sig != SIGHUP;
}

static void on_signal(int sig)
{
	int saved = errno;
	struct sigaction sa;
	sigset_t set;

	/* the flight recorder writes its window on a crash only with VT_DUMP_ON_ERROR=1 */
	vt_dump_in_signal = !is_crash(sig) || vt_cfg.dump_on_error;
	vt_flush_all(VT_END_SIGNAL, 1);
	vt_proc_exit(VT_EXIT_SIGNAL, sig);
	if (sig < 65 && g_has_prev[sig]) {
		/* the earlier handler runs next, as if vt were not there: the signal is blocked
		 * while this handler runs, so raising it now delivers it on return */
		sigaction(sig, &g_prev[sig], NULL);
		raise(sig);
		errno = saved;
		return;
	}
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

		int sig = g_sigs[i];

		if (sigaction(sig, NULL, &old) < 0 || old.sa_handler == SIG_IGN)
			continue;
		if (old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) {
			/* the program's own SIGTERM or SIGHUP handler: leave it alone. A crash
			 * handler (faulthandler): flush first, then hand the crash to it */
			if (!is_crash(sig))
				continue;
			g_prev[sig] = old;
			g_has_prev[sig] = 1;
		}
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigfillset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sigaction(sig, &sa, NULL);
	}
}
