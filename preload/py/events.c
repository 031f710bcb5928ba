/*
 * events.c - records that are not calls: the program's spans, counters, instants and
 * thread names (through the vt module), _vt.call (the span decorator), exceptions
 * (VT_LOG_EXCEPTIONS), garbage-collection passes (VT_LOG_GC) and vt's own marks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preload/py/hook.h"

PyObject *vt_call_traced(PyObject *name, PyObject *kwargs, PyObject *func, PyObject *a,
			 PyObject *kw)
{
	struct vt_thread *t = vt_t;
	unsigned gen = py_h.window_gen;
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
	if (t && !t->in_vt && py_h.recording && !t->evicted && !t->vskip && !t->vuntil) {
		if (lifted == 2)
			until = 3;
		else if (PY_EVAL_MODE)
			until = lifted && gen == py_h.window_gen;
		else
			until = lifted || caller_is_own() ? 1 : 3;
	}
	if (until) {
		t->vuntil = until;
		t->pending = 1;
		vt_set_limit(t, 0);
	}
	py.ErrFetch(&et, &ev, &tb);
	vt_span_end();
	py.ErrRestore(et, ev, tb);
	return r;
}

void put_mark(struct vt_thread *t, const char *text)
{
	uint64_t dt;

	stamp(t, &dt);
	t->pos = (size_t)(vt_put_text_rec(t->buf + t->pos, VT_REC_MARK, dt, text, strlen(text)) -
			  t->buf);
}

/* ---- events from the program: spans, counters, instants, names (module.c) ---- */

/* the thread's buffer if it records now, with room for @n more bytes (flushed if need be) */
static struct vt_thread *room_for(size_t n)
{
	struct vt_thread *t = vt_thread_cur();

	if (!t || !py_h.recording || !vt_room(t, 0) || n + 64 > vt_cfg.chunk_size)
		return NULL;
	if (t->pos + n + 64 > vt_cfg.chunk_size)
		vt_flush(t);
	return t->pos + n + 64 <= vt_cfg.chunk_size ? t : NULL;
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

	if (!t || t->in_vt || !py_h.recording || !vt_room(t, 0))
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
	p = vt_put_span_b(t->buf + t->pos, dt, (uint32_t)id, t->scratch, n);
	t->pos = (size_t)(p - t->buf);
	t->spans_open++;
}

void vt_span_end_with(PyObject *info)
{
	struct vt_thread *t = vt_thread_cur();
	size_t n;
	uint64_t dt;
	uint8_t *p;

	if (!t || t->in_vt || !t->spans_open || !py_h.recording || !vt_room(t, 0))
		return;
	n = info ? kv_payload(t, info, 0) : 0;
	if (!room_for(n + 16) || t != vt_t)
		return;
	stamp(t, &dt);
	p = vt_put_span_e(t->buf + t->pos, dt, t->scratch, n);
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
	p = vt_put_kv_rec(t->buf + t->pos, kind, dt, name, nlen, t->scratch, n);
	t->pos = (size_t)(p - t->buf);
}

void vt_emit_kv(int counter, PyObject *name, PyObject *kwargs)
{
	struct vt_thread *t = vt_thread_cur();
	Py_ssize_t len = 0;
	const char *s;
	char copy[VT_DEF_STR_MAX];
	size_t n;

	if (!t || t->in_vt || !py_h.recording || !vt_room(t, 0) || !(s = utf8_of(name, &len)))
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
void record_exception(struct vt_thread *t, PyObject *exc, PyObject *code, int line)
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


/* ---- garbage collection as spans (VT_LOG_GC=1) ---- */

/* gc.callbacks entry: (phase, info) */
static PyObject *none(void)
{
	py.IncRef(py.None);
	return py.None;
}

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
