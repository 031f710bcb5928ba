/*
 * frames.c - the frames that vt did not see enter: those open when recording starts (a
 * STACK record names them), those a fork child inherits; vt's own frames, left out of
 * the trace; and the work a thread does at its next event when flagged (t->pending).
 */
#include <stdlib.h>
#include <string.h>

#include "preload/py/hook.h"

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
		if (t->pos >= vt_limit(t))
			break; /* keep the headroom for the event itself */
	}
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
void name_open_frames(struct vt_thread *t, int ev, uint64_t at, int keep_pre)
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
	if (n && at == py_h.window_start)
		vt_chunk_rebase(t, at, py_h.window_mono);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = root < i ? VT_PRE_OWN : VT_PRE_UNNAMED;
		int64_t ref;

		/* no room to name more: the rest stay unnamed */
		room = room && t->pos + VT_REC_DEF_MAX + VT_REC_ALIAS_MAX + 5 * (size_t)(i + 1) + 64 <= cap;
		if (root > i && room) {
			ref = code_id(t, vt_frame_code(t->pre[i]));
			if (is_own_ref(ref)) {
				uint8_t fl = vt_def((uint32_t)ref)->flags;

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
	t->npre = keep_pre ? n : 0;
	t->pre_armed = t->npre > 0;
	if (root != UINT32_MAX && !keep_pre) {
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
void pre_rearm(struct vt_thread *t)
{
	if (t->npre && !t->pre_armed) {
		t->pre_armed = 1;
		t->pending = 1;
		vt_set_limit(t, 0); /* see vt_pending_hook */
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
void skip_enter(struct vt_thread *t, uint32_t id)
{
	t->vskip = 1;
	t->vskip_wrap = !(vt_def(id)->flags & VT_DEFF_VTCALL) ? 0 : vt_def(id)->kind == VT_DEF_C ? 2 : 1;
	t->vuntil = 0;
	t->pending = 1;
	vt_set_limit(t, 0); /* see vt_pending_hook */
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
int caller_is_own(void)
{
	void *f = py.GetFrame();
	PyObject *code = f ? vt_frame_code(f) : NULL;
	int64_t id = code ? vt_intern_find(code) : -1;

	if (code && id < 0)
		id = intern_code(code);
	return id >= 0 && (vt_def(id)->flags & VT_DEFF_VT);
}

int pending_work(struct vt_thread *t, int ev)
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
		py_h.cur->name_stack(t, ev, py_h.window_start);
	}
	if (t->name_tries)
		try_thread_name(t);
	if (t->pre_armed && !PY_EVAL_MODE) {
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

