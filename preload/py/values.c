/*
 * values.c - the program's values as vt records them: arguments (VT_LOG_ARGS), return
 * values (VT_LOG_RETURN), the payload of spans, counters and instants; repr() that never
 * raises and is cut to VT_REPR_MAX. The thread's scratch, where such records are built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preload/py/py.h"

/* ---- arguments and return values (VT_LOG_ARGS, VT_LOG_RETURN) ---- */


/* the int attribute @attr of @obj (a code object, a frame), 0 if it has none */
long int_attr(PyObject *obj, const char *attr)
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
void describe_args(PyObject *code, struct vt_def *d)
{
	PyObject *names;
	long flags, n;
	size_t len = 0;

	if (!vt_cfg.log_args)
		return;
	flags = int_attr(code, "co_flags");
	d->gen = (flags & vt_pyv.co_generator_like) != 0;
	n = int_attr(code, "co_argcount") + int_attr(code, "co_kwonlyargcount") +
	    !!(flags & VT_CO_VARARGS) + !!(flags & VT_CO_VARKEYWORDS);
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

/* room in the thread's scratch for @n more bytes */
char *scratch(struct vt_thread *t, size_t n)
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
	if (vt_state != VT_ST_TRACING || t->dead || !vt_limit(t))
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
 * (1-3 after yield, yield from and await: gen_start_by_resume, 3.11+).
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
void write_args(struct vt_thread *t, void *frame, uint32_t id)
{
	const struct vt_def *d = vt_def(id);
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
	start = (uint8_t *)buf;
	p = vt_put_args_head(start, d->nargs);
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
		p = vt_put_kv_text(p, name, strlen(name), text, n);
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
void write_retval(struct vt_thread *t, PyObject *value)
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

/* utf-8 of a str, or NULL (no exception left) */
const char *utf8_of(PyObject *o, Py_ssize_t *len)
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

	if (v == py.None)
		return vt_put_nil(p);
	if (type == py.BoolType)
		return vt_put_bool(p, v == py.True);
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

		if (d != d || d > 1.7976931348623157e308 || d < -1.7976931348623157e308)
			return NULL; /* nan, inf: JSON has none, "nan" says more than null */
		return vt_put_double(p, d);
	}
	return NULL;
}

/*
 * A dict as [key, value, ...] into the thread's scratch: numbers as msgpack numbers when
 * @numbers (others left out), else JSON's own types as such (None, bools, ints, floats:
 * put_json_value) and text for the rest (a str as it is, anything else its repr).
 * Returns the length, or 0.
 */
size_t kv_payload(struct vt_thread *t, PyObject *dict, int numbers)
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
				p = vt_put_double(p, py.FloatAsDouble(v));
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
	vt_put_array32(start, 2 * count);
	off = (size_t)(p - start);
	return count ? off : 0;
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
		char *s = py.DoubleToString(py.FloatAsDouble(o), 'r', 0, VT_DTSF_ADD_DOT_0,
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

