/*
 * py.h - what the files of preload/py/ share: their state (a few named structs), the
 * functions one file calls in another, and the hot path's helpers, inlined into every
 * callback (no call on the way of an event). Private to preload/py/; see README.md there
 * for the layers.
 */
#ifndef VT_PRELOAD_PY_PY_H
#define VT_PRELOAD_PY_PY_H

#include <stdint.h>

#include "preload/vt.h"
#include "preload/py/pyapi.h"

#pragma GCC visibility push(hidden)

struct vt_hook;

/* ---- state (defined in state.c) ---- */

/* the start gate and the recorder-side filters (filter.c) */
enum { GATE_NONE, GATE_FILE, GATE_PROMPT };
struct py_filter {
	/* features that need work on every event (the start gate, filters, the flight
	 * recorder's open-frame list) hide behind this one flag, so that without them the
	 * hot path pays a single predictable branch */
	int slow;
	/* VT_INCLUDE_FILES, VT_EXCLUDE_FILES, VT_MAX_DEPTH, VT_IGNORE_FROZEN */
	int filtering;
	int gate; /* GATE_*: what the user's first code is (see filter.c) */
	char gate_file[1024];
	uint32_t gate_depth, gate_skips;
};
extern struct py_filter py_f;

/* the hook in use and the recording window (hook.c) */
struct py_hooks {
	const struct vt_hook *cur; /* NULL until install */
	/* the hooks are installed and events are recorded (VT_START=signal, VT_DELAY: not
	 * yet); set through py_set_recording */
	volatile int recording;
	/* installing: audit events we cause ourselves are ignored meanwhile */
	int installing;
	/* when the recording window began (vt_now(), and CLOCK_MONOTONIC ns): frames open
	 * then are drawn from there */
	uint64_t window_start, window_mono;
	unsigned window_gen; /* windows begun so far */
	/* eval hook: nonzero while it records, and different in each window (eval_enter) */
	volatile int eval_token;
	/* the eval hook near the C stack's end: go on with another hook (install.c sets it,
	 * so that the eval hook names neither that hook nor what comes with it) */
	void (*give_way)(void);
};
extern struct py_hooks py_h;

/* sys.monitoring (hook-monitoring.c, and coexist.c's wrappers of its tool ids) */
struct py_mon {
	PyObject *mon; /* sys.monitoring, kept for the process */
	PyObject *real_use_tool, *real_free_tool; /* its own use_tool_id, free_tool_id */
	int tool;      /* the tool id in use, -1: none */
	long mask;     /* the events vt's callbacks listen to */
};
extern struct py_mon py_m;

/* this thread is calling PyEval_SetProfile itself: its audit event is not an eviction */
extern __thread int py_own_setprofile;

/* ---- names.c: the code-object cache, names of functions and threads ---- */

int64_t intern_code(PyObject *code);
int64_t code_id_slow(struct vt_thread *t, PyObject *code, struct vt_idc *c);
int64_t cfunc_id_slow(struct vt_thread *t, PyObject *callable, void *ml, int is_descr,
		      struct vt_idc *c);
int top_caller_rec(PyObject *code);
int is_type(PyObject *o);
void try_thread_name(struct vt_thread *t);

/* ---- source.c: vt's own Python source (python/vt/__init__.py), built in ---- */

extern const char vt_api_source[];
/* the _vt functions (module.c), for naming them vt's own: set when the module is made */
struct py_own_defs {
	const struct vt_methoddef *defs;
	size_t n;
	const void *call_meth; /* _vt.call's function */
};
extern struct py_own_defs py_own;

/* ---- values.c: reprs of arguments, return values and exceptions ---- */

long int_attr(PyObject *obj, const char *attr);
void describe_args(PyObject *code, struct vt_def *d);
char *scratch(struct vt_thread *t, size_t n);
void write_args(struct vt_thread *t, void *frame, uint32_t id);
void write_retval(struct vt_thread *t, PyObject *value);
const char *utf8_of(PyObject *o, Py_ssize_t *len);
size_t kv_payload(struct vt_thread *t, PyObject *dict, int numbers);

/* ---- filter.c: the start gate and the filters ---- */

uint8_t filter_flags(const char *file);
void slow_update(void);
int call_allowed(struct vt_thread *t, uint32_t id, int is_c);
int ret_allowed(struct vt_thread *t);

/* ---- frames.c: the frames open at a start, vt's own frames, pending work ---- */

/* @keep_pre: the hook never sees those frames return (the eval hook) */
void name_open_frames(struct vt_thread *t, int ev, uint64_t at, int keep_pre);
void pre_rearm(struct vt_thread *t);
void skip_enter(struct vt_thread *t, uint32_t id);
int caller_is_own(void);
int pending_work(struct vt_thread *t, int ev);

/* ---- events.c: marks, spans, counters, instants, exceptions, gc ---- */

void put_mark(struct vt_thread *t, const char *text);
void record_exception(struct vt_thread *t, PyObject *exc, PyObject *code, int line);

/* ---- the hooks' own (hook-profile.c, hook-monitoring.c), for coexist.c above them ---- */

int py_profile_arm(int all_threads);
int py_prof_cb(PyObject *obj, void *frame, int what, PyObject *arg);
int py_mon_take(int avoid);
/* vt detach: give the tool id back */
void py_mon_release(void);
PyObject *py_mon_attr(const char *name);
PyObject *py_call_taking(PyObject *fn, PyObject *args);
int py_call_ok(PyObject *fn, PyObject *args);

/* ---- coexist.c: other profilers and sys.monitoring tools (install.c calls them) ---- */

void py_patch_setprofile(void);
void py_wrap_tool_ids(void);
void py_watch_profile_slot(const char *event);
void py_tool6_unsure(void);

/* ---- control.c ---- */

int py_take_signal(void);
void py_timer_thread_start(void);
void py_timer_set(uint64_t at, int start);

/* ---- module.c ---- */

/** vt_api_install - make `import vt` (and `_vt`) find vt's module. GIL held. */
void vt_api_install(void);

/* ---- what module.c (the vt module) asks of the files below it ---- */

/** vt_api_is_copy - 1 when @file is a copy of vt's module (python/vt/__init__.py, the
 * same bytes as the one built in: `make install`'s, or a checkout's on the path). */
int vt_api_is_copy(const char *file);
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


#pragma GCC visibility pop

/* recording on or off; native calls record only then, and without the slow features */
static inline void py_set_recording(int on)
{
	py_h.recording = on;
	vt_native_live(on && !py_f.slow);
}

/* libvt-nop.so: the same hooks, returning at once (the overhead floor) */
#ifdef VT_NOP
#define NOP_RETURN(v) return v
#else
#define NOP_RETURN(v) do { } while (0)
#endif

/* ---- the hot path ---- */

/* the record helpers are inlined into every callback: a call and its push/pop cost
 * 1-3% of fib's run time */
#define HOT static inline __attribute__((always_inline))

/* the delta to @now, read by the caller first thing so the clock's latency overlaps the
 * rest of the callback's work */
static inline void stamp_at(struct vt_thread *t, uint64_t now, uint64_t *dt)
{
#ifdef VT_BENCH_NOCLOCK
	/* scripts/bench-breakdown.sh's "no clock" build: no read, a short call's delta */
	now = t->last + 8;
#endif
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

/* the reference (idc_ref) of a function of vt's own: negative, not -1 (a failure) */
#define VT_V_OWN 0xffffffffu
static inline int is_own_ref(int64_t ref)
{
	return ref != -1 && (uint32_t)((uint64_t)ref >> 32) == VT_V_OWN;
}

static inline int64_t code_id(struct vt_thread *t, PyObject *code)
{
	struct vt_idc *c = vt_id_slot(t, code);

	if (VT_LIKELY(c->key == code))
		return idc_ref(c); /* defined and aliased in this chunk when it was cached */
	return code_id_slow(t, code, c);
}

/*
 * vt runs Python code of the program's (repr, str) inside a callback: the events that
 * code raises are not the program's, and a garbage collection or a RAISE in it must not
 * write into the record being built. The thread's limit is held at 0 meanwhile, so every
 * event lands in vt_make_room, which drops it.
 */
static inline void enter_vt(struct vt_thread *t)
{
	if (t->in_vt++ == 0) {
		t->saved_limit = vt_limit(t);
		vt_set_limit(t, 0);
	}
}

static inline void leave_vt(struct vt_thread *t)
{
	if (--t->in_vt == 0)
		vt_set_limit(t, vt_state == VT_ST_TRACING && !t->dead && !t->pending ? t->saved_limit : 0);
}

/*
 * The clock, read first thing in a callback: on 3.12/3.13 (Python only) that is 2-4%
 * faster than after the id lookup, as the read overlaps the callback's other work. With
 * filters, the start gate or the flight recorder on (py_f.slow) it is 0 there and read in
 * rec_call/rec_ret once the event is known to be recorded: a filtered event reads no
 * clock (Debian's fib with every call excluded: 3.45x -> 3.24x, floor 2.95x).
 */
static inline uint64_t early_now(void)
{
#ifdef VT_BENCH_NOCLOCK
	return !py_f.slow; /* not 0, which would read the clock later */
#endif
	return VT_UNLIKELY(py_f.slow) ? 0 : vt_now();
}

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
	if (VT_UNLIKELY(py_f.slow) && !call_allowed(t, id, kind == VT_REC_CCALL))
		return 0;
	if (VT_UNLIKELY(!now))
		now = vt_now();
	stamp_at(t, now, &dt);
#ifndef VT_BENCH_NOENC /* scripts/bench-breakdown.sh's "no records" build */
	t->pos = (size_t)(vt_put_id_rec(t->buf + t->pos, kind,
					kind == VT_REC_RESUME ? id : (uint32_t)(ref >> 32), dt) -
			  t->buf);
#endif
	t->events++;
	if (VT_UNLIKELY(vt_cfg.ring))
		vt_shadow_push(t, id);
	return 1;
}

/* the call of the C function @ref by the code of @frame (profile hook) or @code (sys.monitoring) */
static inline int rec_ccall(struct vt_thread *t, int64_t ref, uint64_t now, void *frame,
			    PyObject *code)
{
	if (VT_UNLIKELY(py_f.slow) && py_f.filtering && !t->fdepth)
		t->c_top = top_caller_rec(code ? code : frame ? vt_frame_code(frame) : NULL);
	return rec_call(t, VT_REC_CCALL, ref, now);
}

HOT void rec_ret(struct vt_thread *t, unsigned kind, uint64_t now, PyObject *retval)
{
	uint64_t dt;

	if (VT_UNLIKELY(py_f.slow) && !ret_allowed(t))
		return;
	if (VT_UNLIKELY(!now))
		now = vt_now();
	if (VT_UNLIKELY(retval != NULL) && vt_cfg.log_return)
		write_retval(t, retval);
	stamp_at(t, now, &dt);
#ifndef VT_BENCH_NOENC
	t->pos = (size_t)(vt_put_dt_rec(t->buf + t->pos, kind, dt) - t->buf);
#endif
	t->events++;
	if (VT_UNLIKELY(vt_cfg.ring))
		vt_shadow_pop(t);
}

static inline int64_t cfunc_id(struct vt_thread *t, PyObject *callable, void *ml, int is_descr)
{
	struct vt_idc *c = vt_id_slot(t, ml);

	if (VT_LIKELY(c->key == ml))
		return idc_ref(c);
	return cfunc_id_slow(t, callable, ml, is_descr, c);
}


#endif /* VT_PRELOAD_PY_PY_H */
