/*
 * names.c - what the trace calls things: code objects and C functions interned once
 * (their DEF records and the per-thread id cache behind code_id/cfunc_id), and thread
 * names. The cold path: first sight of a code object, a C function, a thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preload/py/py.h"

/* threading._active, for thread names (borrowed from the module, which lives on) */
static PyObject *g_threading_active;

/* ---- naming (cold path: first sight of a code object or C function) ---- */

/* 1 when @ml is the PyMethodDef of a _vt function, 2 for _vt.call's */
static int own_def(const void *ml)
{
	const struct vt_methoddef *m = ml;

	if (!py_own.defs || m < py_own.defs || m >= py_own.defs + py_own.n)
		return 0;
	return m->ml_meth == py_own.call_meth ? 2 : 1;
}

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

int64_t intern_code(PyObject *code)
{
	PyObject *et, *ev, *tb, *h1 = NULL, *h2 = NULL, *h3 = NULL;
	const char *name, *file;
	Py_ssize_t nlen = 0, flen = 0;
	long line = 0;
	int64_t id;
	struct vt_def d;
	int added;

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
	/* complete before it is published: other threads may look it up at once */
	if (vt_intern_prepare(&d, VT_DEF_PY, name, (size_t)nlen, file, (size_t)flen,
			      line > 0 ? (uint32_t)line : 0) < 0) {
		id = -1;
	} else {
		d.flags = filter_flags(d.file) | vt_code_flags(code, d.file);
		describe_args(code, &d);
		id = vt_intern_publish(code, &d, &added);
		if (added)
			py.IncRef(code); /* pinned: its address is never reused during the trace */
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

int is_type(PyObject *o)
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
	struct vt_def d;
	int own, added;

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
	if (vt_intern_prepare(&d, VT_DEF_C, buf, n, "", 0, 0) < 0)
		return -1;
	if ((own = own_def(ml)))
		d.flags = VT_DEFF_VT | (own == 2 ? VT_DEFF_VTCALL : 0); /* _vt.*: vt's own */
	return vt_intern_publish(ml, &d, &added);
}

/* ---- thread names ---- */

void try_thread_name(struct vt_thread *t)
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

/* @id (of @key, or -1), its DEF and alias put in @t's stream and kept in the cache slot
 * @c; returns its reference (idc_ref). vt's own functions (VT_DEFF_VT) get neither, and a
 * negative reference (is_own_ref): the hot path's test for a failed lookup sends them to
 * skip_enter, so they cost the other functions nothing. */
static int64_t id_cache_fill(struct vt_thread *t, struct vt_idc *c, void *key, int64_t id,
			     int is_c)
{
	if (id < 0)
		return id;
	if (VT_UNLIKELY(vt_def(id)->flags & VT_DEFF_VT)) {
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
int64_t code_id_slow(struct vt_thread *t, PyObject *code, struct vt_idc *c)
{
	int64_t id = vt_intern_find(code);

	if (VT_UNLIKELY(id < 0))
		id = intern_code(code);
	return id_cache_fill(t, c, code, id, 0);
}

/*
 * Would the frame running @code be recorded, by its own file? For a C call made at depth 0
 * (see filter_call): looked up in the table, not through the thread's cache, so that
 * nothing is written in the stream before the event. Not its callers': an excluded caller
 * above it went unseen too.
 */
int top_caller_rec(PyObject *code)
{
	int64_t id;

	if (!code)
		return 1;
	id = vt_intern_find(code);
	if (id < 0)
		id = intern_code(code);
	return id < 0 || !(vt_def(id)->flags & (VT_DEFF_SKIP | VT_DEFF_HIDE));
}


int64_t cfunc_id_slow(struct vt_thread *t, PyObject *callable, void *ml, int is_descr,
			     struct vt_idc *c)
{
	int64_t id = vt_intern_find(ml);

	if (VT_UNLIKELY(id < 0))
		id = intern_cfunc(ml, callable, is_descr);
	return id_cache_fill(t, c, ml, id, 1);
}

