/*
 * vt.h - internal interfaces of libvt.so (never installed, never included by tools/).
 *
 * One section per file, bottom-up in the order of preload/README.md's layers: each
 * file calls only what the sections above its own declare (upper layers are reached
 * through the hook pointers (vt_*_hook, vt_ring_hooks) that they set).
 *
 * Rules for everything in preload/: never exit or abort, never write to the host's
 * stdout, keep errno as found, call Python only with the GIL held and only after the
 * interpreter is ready, and do no malloc, syscall or lock per call/return event.
 */
#ifndef VT_PRELOAD_VT_H
#define VT_PRELOAD_VT_H

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/format.h"

#define VT_EXPORT __attribute__((visibility("default")))
#define VT_LIKELY(x) __builtin_expect(!!(x), 1)
#define VT_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* code that runs once in every process (the constructor's): kept together, in the
 * section of cold code, so that a process that is not Python faults in few pages of it */
#define VT_STARTUP __attribute__((cold))

/* Open frames whose filter decision a thread remembers (deeper ones count as recorded) */
#define VT_FILTER_MAX 4096

/* Open frames a ring-mode thread remembers by id */
#define VT_SHADOW_MAX 1024

/* Raw bytes per chunk before compression, unless VT_BUFFER_SIZE says otherwise. */
#define VT_CHUNK_DEFAULT (512u << 10)
/* Room kept free at the end of a chunk so a DEF plus one event always fits. */
#define VT_CHUNK_HEADROOM (VT_REC_DEF_MAX + VT_REC_ALIAS_MAX + 256)

/* ---- process-wide configuration and state (state.c; init.c fills vt_cfg) ---- */

struct vt_config {
	int disable;       /* VT_DISABLE=1 */
	int ignore_c;      /* VT_IGNORE_C=1 */
	int follow;        /* VT_FOLLOW_CHILDREN (default 1) */
	int use_profile;   /* VT_HOOK=profile: PyEval_SetProfile on every version */
	int inline_writes; /* VT_WRITER=inline: compress and write on the traced thread */
	int clock_ns;      /* VT_CLOCK=ns: CLOCK_MONOTONIC rather than the TSC */
	char native[2048]; /* VT_NATIVE: native functions to trace, "" = none */
	int native_args;   /* VT_NATIVE_ARGS=1: their integer arguments and results */
	int use_eval;      /* VT_HOOK=eval: the frame-evaluation hook (3.8-3.11, no C calls);
			    * -1 when VT_HOOK is unset: chosen by version and settings */
	size_t chunk_size; /* VT_BUFFER_SIZE */
	char output[4096]; /* VT_OUTPUT, absolute */
	char log[4096];    /* VT_LOG: path, or "" for stderr */
	char bad[512];     /* first bad VT_* setting, reported if this process is Python */
	int ring;          /* VT_MODE=ring: keep the newest events in memory, write on demand */
	size_t ring_size;  /* VT_RING_SIZE: compressed bytes kept per process */
	int dump_on_error; /* VT_DUMP_ON_ERROR=1: write the ring on a fatal signal */
	int start_signal;  /* VT_START=signal: record only between signals */
	int signum;        /* VT_SIGNAL (default SIGUSR2) */
	uint64_t delay_ns; /* VT_DELAY: start recording this long after start-up */
	uint64_t duration_ns; /* VT_DURATION: stop this long after recording starts */
	uint64_t max_size; /* VT_MAX_SIZE: bytes for the whole trace directory, 0: no cap */
	char processes[512]; /* VT_PROCESSES: glob on the command line, "" = every process */
	int log_args;      /* VT_LOG_ARGS=1: arguments of Python calls, as repr() text */
	int log_return;    /* VT_LOG_RETURN=1: return values */
	size_t repr_max;   /* VT_REPR_MAX: bytes of repr() text kept (default 256) */
	char include[2048]; /* VT_INCLUDE_FILES: path prefixes, ':' or ',' separated */
	char exclude[2048]; /* VT_EXCLUDE_FILES */
	uint32_t max_depth; /* VT_MAX_DEPTH: 0 = no limit */
	uint64_t min_dur_ns; /* VT_MIN_DURATION: the converter's default --min-dur */
	int ignore_frozen; /* VT_IGNORE_FROZEN=1 */
	int log_exceptions; /* VT_LOG_EXCEPTIONS=1 */
	int log_gc;        /* VT_LOG_GC=1 */
};

extern struct vt_config vt_cfg;

/* Tracing state of this process. */
enum vt_state {
	VT_ST_INERT = 0,   /* not Python, disabled, or failed: do nothing */
	VT_ST_WAITING,     /* Python found; waiting for the interpreter to be ready */
	VT_ST_TRACING,     /* hook installed, events flowing */
	VT_ST_STOPPED,     /* stopped after an error; events are counted as lost */
};

extern volatile int vt_state;
/* pid of the process that owns the buffers (a vfork child must not touch them) */
extern pid_t vt_pid;
/* token of this process image: the constructor's monotonic ns; exec gives a new one */
extern uint64_t vt_token;
/* clock anchors taken in the constructor */
extern uint64_t vt_clock0, vt_mono0, vt_real0;
/* "3.11.7" etc. (py/install.c fills it) */
extern char vt_pyversion[32];
/* exit status reported by an interposed Py_BytesMain/Py_Main/Py_RunMain, if known */
extern int vt_exit_code_known;
extern int vt_exit_code;
/* recording starts later than the program (VT_START=signal, VT_DELAY) */
extern int vt_windowed;
/* Python threads run in parallel (a free-threaded CPython): what one thread would do to
 * another's buffer is asked of that thread instead (vt_threads_flush_live) */
extern int vt_parallel;

/* ---- clock (clock.c) ---- */

/* 1 when timestamps come from rdtsc, 0 when from CLOCK_MONOTONIC */
extern int vt_use_tsc;
/* estimated ticks per second, in vt's tick (vt_tsc), 0 when unknown */
extern uint64_t vt_tsc_hz;

static inline uint64_t vt_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

uint64_t vt_mono_ns(void);
uint64_t vt_real_ns(void);
/** vt_clock_init - choose the clock (rdtsc when the TSC is invariant). */
void vt_clock_init(void);

/*
 * vt's tick: 2^vt_tsc_shift TSC ticks, the coarsest that is still at most 1 ns (chosen
 * when tracing starts, from the TSC's rate). Coarser ticks make smaller deltas: on fib a
 * record's delta then fits one byte, where raw ticks needed one or two.
 */
extern unsigned vt_tsc_shift;
/** vt_tsc - the TSC in vt's tick unit */
static inline uint64_t vt_tsc(void)
{
	return vt_rdtsc() >> vt_tsc_shift;
}
/** vt_tsc_unit - choose vt's tick from the TSC's rate @raw_hz (0: unknown); returns the
 * ticks per second in that unit and scales vt_clock0 to it. Before any other tick. */
uint64_t vt_tsc_unit(uint64_t raw_hz);

static inline uint64_t vt_now(void)
{
	return VT_LIKELY(vt_use_tsc) ? vt_tsc() : vt_mono_ns();
}

/* ---- logging, and stopping after an error (log.c) ---- */

/** vt_log - print "vt: <message>" to VT_LOG or stderr. Keeps errno. */
void vt_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** vt_log_raw - async-signal-safe: write the text as is, with write(2) only. */
void vt_log_raw(const char *msg);
/** vt_stop - stop tracing after an error: one message, then count events as lost. */
void vt_stop(const char *why);
/* vt attach: a line that VT_LOG's file cannot take is dropped, not written to stderr */
extern int vt_log_no_stderr;
/** vt_log_close - close VT_LOG's file (vt detach); the next line opens it again. */
void vt_log_close(void);
/* what vt_stop calls to make every thread take its slow path (thread.c sets it) */
extern void (*vt_stop_hook)(void);

/* ---- file names (path.c) ---- */

/** vt_path_norm - @path made absolute (from @base) and normalised, without touching the
 * file system. */
int vt_path_norm(char *dst, size_t cap, const char *base, const char *path, size_t len);

/* ---- intern table (intern.c): key pointer -> id; lock-free lookups, locked inserts ---- */

struct vt_def {
	char *name;
	char *file;
	uint32_t name_len, file_len;
	uint32_t line;
	uint8_t kind;
	uint8_t flags;     /* VT_DEFF_* */
	uint8_t gen;       /* a generator or coroutine: arguments on its first start only */
	uint16_t nargs;    /* with VT_LOG_ARGS: how many names argnames holds */
	char *argnames;    /* NUL-separated argument names, or NULL */
};

/* what the recorder-side filters say about a function */
enum { VT_DEFF_SKIP = 1, /* excluded: it and everything it calls are not recorded */
       VT_DEFF_HIDE = 2, /* not included: not recorded, but what it calls may be */
       VT_DEFF_VT = 4,   /* vt's own code (the vt module, its finder, _vt's functions):
			  * it and what it calls are never recorded (py/frames.c, skip_enter) */
       VT_DEFF_VTCALL = 8 /* with VT_DEFF_VT: the span decorator's wrapper, which runs
			   * the program's function through _vt.call */ };

/* definitions by id: read them through vt_def(), which any thread may call while another
 * adds (the array is replaced by a bigger copy, never changed under a reader) */
extern struct vt_def *vt_defs;
extern uint32_t vt_ndefs;

/** vt_def - the definition of @id, an id the caller got from the table. */
static inline const struct vt_def *vt_def(uint32_t id)
{
	return &__atomic_load_n(&vt_defs, __ATOMIC_ACQUIRE)[id];
}

/** vt_intern_count - how many ids there are (every one below it is complete). */
static inline uint32_t vt_intern_count(void)
{
	return __atomic_load_n(&vt_ndefs, __ATOMIC_ACQUIRE);
}

/** vt_intern_find - id of @key, or -1 if not interned yet. No lock. */
int64_t vt_intern_find(void *key);
/**
 * vt_intern_prepare - a definition with copies of these strings, the rest zero, for the
 * caller to complete (flags, argnames) before vt_intern_publish. 0, or -1 when out of
 * memory (nothing kept).
 */
int vt_intern_prepare(struct vt_def *d, unsigned kind, const char *name, size_t name_len,
		      const char *file, size_t file_len, uint32_t line);
/** vt_intern_discard - free what a prepared definition holds. */
void vt_intern_discard(struct vt_def *d);
/**
 * vt_intern_publish - give @key a new id with the prepared definition @d (which the table
 * takes: @d is emptied). When another thread gave @key an id first, that id, and @d is
 * freed; *@added says which. -1 when out of memory.
 */
int64_t vt_intern_publish(void *key, struct vt_def *d, int *added);
/**
 * vt_intern_add - give @key a new id with the given DEF strings (copied), flags 0.
 * Returns the id, or -1 when out of memory.
 */
int64_t vt_intern_add(void *key, unsigned kind, const char *name, size_t name_len,
		      const char *file, size_t file_len, uint32_t line);
/** vt_intern_atfork_child - the insert lock, free in a fork child. */
void vt_intern_atfork_child(void);
/** vt_intern_reset - forget everything (after a failed start). */
void vt_intern_reset(void);

/* ---- vt's files: fd-safe I/O, the trace directory, the size cap (file.c) ---- */

/* which file a descriptor of vt's was opened on, and how much vt wrote to it */
struct vt_fileid {
	dev_t dev;
	ino_t ino;
	uint64_t size;
};

/**
 * vt_block_signals - block the signals vt flushes on (SIGTERM, SIGHUP) while a chunk is
 * being written, so that the handler never finds this thread half-way through a write.
 * Returns the old mask for vt_restore_signals. Costs two syscalls per chunk, not per event.
 */
sigset_t vt_block_signals(void);
void vt_restore_signals(const sigset_t *old);

/**
 * vt_reserve - claim @bytes of the run's VT_MAX_SIZE before writing them. -1 when they do
 * not fit: recording stops (with a marker) and the bytes must not be written.
 */
int vt_reserve(size_t bytes);
/**
 * vt_open_file - create a new 0600 file in the trace directory (made on first use), never
 * following links, and say in @id what it is. On failure, one vt: line and tracing stops.
 */
int vt_open_file(const char *name, struct vt_fileid *id);
/**
 * vt_reopen_file - open @name of the trace directory again to append to it, when it is
 * still the file @id, cut back to the @id->size bytes written whole (a write the program
 * cut short by closing vt's descriptor). -1 (errno) when not. The caller must be the
 * only one writing to the file.
 */
int vt_reopen_file(const char *name, const struct vt_fileid *id);
/** vt_write_all - write(2) the whole buffer, retrying short writes. 0 or -1 (errno). */
int vt_write_all(int fd, const void *buf, size_t len);

/* how many times in a row vt opens one of its files again when the program closed or
 * took the descriptor under it (os.closerange from another thread) */
#define VT_FD_TRIES 16
/**
 * vt_close_file - close @fd if it still is the file @id: the program may have closed it
 * and opened one of its own on the number, which vt must leave alone.
 */
void vt_close_file(int fd, const struct vt_fileid *id);
/**
 * vt_write_file - vt_write_all to one of vt's own files, after checking that @fd still is
 * that file (a program that closed every descriptor and opened its own, or dup2'd over
 * vt's, must never get vt's bytes: errno ESTALE) and that the write stays under the
 * process's RLIMIT_FSIZE (EFBIG, without the SIGXFSZ that would kill the program).
 */
int vt_write_file(int fd, struct vt_fileid *id, const void *buf, size_t len);
/**
 * vt_write_again - vt_write_file to @name of the trace directory through *@fd; when the
 * program took the descriptor (ESTALE), open the file again by name (vt_reopen_file, the
 * new descriptor in *@fd) and write again, up to VT_FD_TRIES times in a row.
 */
int vt_write_again(int *fd, struct vt_fileid *id, const char *name, const void *buf,
		   size_t len);
/** vt_file_error - what a failed write's errno means, for a vt: line */
const char *vt_file_error(int err);
/** vt_header - the file prefix and a header map for a thread or process file; its length */
size_t vt_header(uint8_t buf[VT_HEADER_BUF], const char *kind, pid_t tid);
/* the size cap is reached: leave @note in the process file (proc.c sets it) */
extern void (*vt_cap_hook)(const char *note);
/** vt_file_atfork_child - reset the directory lock in a fork child. */
void vt_file_atfork_child(void);
/** vt_file_reset - forget the trace directory and its size counter (a new attach). */
void vt_file_reset(void);

/* ---- process file (proc.c) ---- */

/** vt_proc_start - write the process file with pid, ppid, argv, exe, Python version. */
void vt_proc_start(void);
/** vt_proc_exit - append the exit record (how: enum vt_exit_how) and close the file. */
void vt_proc_exit(unsigned how, int64_t code);
/** vt_proc_mark - a note from vt in the process file (shown by vt-convert). */
void vt_proc_mark(const char *text);
/** vt_proc_atfork_child - forget the parent's process file in a fork child. */
void vt_proc_atfork_child(void);

/* ---- per-thread state: struct vt_thread (thread.c makes it, writer.c flushes it) ---- */

/* entries of a thread's id cache (a power of 2) */
#define VT_IDC_SIZE 64

struct vt_thread {
	uint8_t *buf;          /* raw chunk being filled */
	size_t pos;            /* bytes used in buf */
	size_t chunk_base;     /* pos right after the chunk's opening SYNC */
	size_t limit;          /* flush when pos passes this */
	uint64_t last;         /* clock of the last record: the delta base */
	uint8_t *defined;      /* bitmap: ids whose DEF is already in this thread's stream */
	uint32_t defined_bits; /* capacity of the bitmap, in ids */
	int fd;                /* this thread's file, -1 until the first flush */
	struct vt_fileid fid;  /* what fd was opened on */
	pid_t tid;
	pid_t pid;             /* process that created this buffer */
	uint64_t lost;         /* events dropped and not yet reported */
	uint64_t events;       /* events recorded */
	int dead;              /* flushed for good (thread or process ended) */
	int ended;             /* its thread ended: a spare for the next new thread once its
				* flight-recorder chunks are gone (thread.c) */
	int name_tries;        /* left attempts to find this thread's Python name */
	int resync;            /* a fork child: write the inherited stack at the next event */
	int resync_stack;      /* recording restarted: write a STACK record at the next event */
	int pre_armed;         /* eval hook: the next frame entered is right above the frames
				* open when recording started (py/frames.c, pre_check) */
	int pending;           /* name_tries || resync || pre_armed || vskip || vuntil: the
				* one flag the hot path tests */
	uint32_t vskip;        /* vt's own code runs (the vt module): the events open in it,
				* none recorded (py/frames.c, skip_event) */
	int vskip_wrap;        /* that code began with the span decorator's wrapper (1), or
				* with _vt.call called by a wrapper of the program's own (2) */
	int vuntil;            /* _vt.call returned: its C return (1) and vt's wrapper's return
				* are vt's (2: the C return was seen); 3: its C return only */
	int fresh;             /* the chunk being filled is the thread's first (vt_chunk_rebase) */
	int flush_req;         /* vt_parallel: another thread asked for a flush (atomic; done in
				* vt_make_room at this thread's next event) */
	/* interned keys (code objects, C functions' PyMethodDefs) whose DEF is already in
	 * this thread's stream, and their ids: a direct-mapped cache (vt_id_slot), so most
	 * events find their id without the process-wide table */
	struct vt_idc {
		void *key;
		uint32_t id;
		uint32_t v;     /* what a short-form call writes for it in this chunk: an
				 * alias slot, or VT_ALIAS_SLOTS + id (format.h) */
	} idc[VT_IDC_SIZE];
	/* the chunk's alias slots, bound in the order the chunk first calls its functions
	 * (Python and C functions each have their own): a map id -> v, whose entries count
	 * only while their gen is the chunk's; chunk_start clears the cache above */
	uint32_t agen;
	uint32_t nalias[2];
	struct vt_amap {
		uint32_t gen, id, v;
	} amap[4 * VT_ALIAS_SLOTS];
	uintptr_t stack_guard;  /* eval hook: below this address the C stack is nearly full */
	volatile int flushing; /* a flush is in progress (signal handlers skip it) */
	int xlock;             /* taken by native calls (maybe without the GIL) and by other
				* threads writing into this buffer (with the GIL) */
	int evicted;           /* another profiler replaced our hook in this thread */
	void *install_frame;   /* the frame whose profiler install was audited last (only
				* compared, never used), and its f_lasti then */
	long install_lasti;
	uint32_t *shadow;      /* ring mode: ids of the open frames, to start each chunk with */
	uint32_t sdepth;       /* open frames (may exceed VT_SHADOW_MAX; then only counted) */
	struct vt_ring_chunk *ring_head, *ring_tail; /* ring mode: kept chunks, oldest first */
	uint32_t fdepth;       /* filters: frames open, recorded or not */
	uint32_t skip_from;    /* filters: depth + 1 of an excluded frame being skipped, or 0 */
	uint8_t *fstack;       /* filters: 1 per open frame that was recorded (VT_FILTER_MAX) */
	int c_top;             /* filters: a C call at depth 0 is recorded (see rec_ccall) */
	void *last_exc;        /* VT_LOG_EXCEPTIONS: the last exception noted (not a reference) */
	int in_vt;             /* running Python code for vt (repr): its own events are dropped */
	size_t saved_limit;    /* limit while in_vt holds it at 0 */
	uint32_t spans_open;   /* SPAN_B records not yet ended */
	/* the frames on the stack when recording started, outermost first (a walk's scratch;
	 * with the eval hook, which never sees them return, kept until they end: npre) */
	void **pre;
	uint32_t *pre_ids;     /* their ids (VT_PRE_* for frames of vt's own code) */
	uint32_t npre, pre_cap;
	char *scratch;         /* VT_LOG_ARGS/RETURN: records built here before they are copied */
	size_t scratch_cap;
	uint8_t *ibuf;         /* background writer: the chunk handed to it (or a spare) */
	size_t ilen;           /* bytes of it */
	uint64_t ievents;      /* events in it */
	volatile int inflight; /* ibuf is queued or being written */
	uint64_t ilost;        /* events of chunks the writer could not write (atomic) */
	struct vt_thread *wnext; /* in the writer's queue */
	char *cbuf;            /* compressed output */
	size_t cbuf_cap;
	void *lz4state;
	struct vt_thread *next; /* in the process-wide list */
};

extern __thread struct vt_thread *vt_t __attribute__((tls_model("initial-exec")));

/*
 * A thread's limit is its own, but another thread may set it to 0 to send it to its slow
 * path (vt_stop, a stack resync, a flush request): relaxed atomics, which compile to the
 * plain load and store they were (the hot path's one compare is unchanged).
 */
static inline size_t vt_limit(const struct vt_thread *t)
{
	return __atomic_load_n(&t->limit, __ATOMIC_RELAXED);
}

static inline void vt_set_limit(struct vt_thread *t, size_t v)
{
	__atomic_store_n(&t->limit, v, __ATOMIC_RELAXED);
}

/** vt_delta - the time from @t's last record to @now (never back in time), which becomes the last. */
static inline uint64_t vt_delta(struct vt_thread *t, uint64_t now)
{
	uint64_t dt;

	if (VT_UNLIKELY(now < t->last))
		now = t->last;
	dt = now - t->last;
	t->last = now;
	return dt;
}


/* vt_xlock - the buffer lock between a native call's recording and another thread */
static inline void vt_xlock(struct vt_thread *t)
{
	while (__atomic_exchange_n(&t->xlock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

/* vt_xtrylock - for a signal handler: a bounded wait; 0 when not taken */
static inline int vt_xtrylock(struct vt_thread *t)
{
	for (int i = 0; i < 10000; i++) {
		if (!__atomic_exchange_n(&t->xlock, 1, __ATOMIC_ACQUIRE))
			return 1;
		sched_yield();
	}
	return 0;
}

static inline void vt_xunlock(struct vt_thread *t)
{
	__atomic_store_n(&t->xlock, 0, __ATOMIC_RELEASE);
}

/* ---- a thread's chunks, its file, the writer thread (writer.c) ---- */

/** vt_flush - compress and write the buffer; starts the next chunk with a SYNC. */
void vt_flush(struct vt_thread *t);
/* What asks vt_room for room: an event of the program, or a record of vt's own (NONE).
 * The hot path never looks at it; the slow path's pending work does. */
enum vt_ev {
	VT_EV_NONE = 0,  /* a record of vt's (span, counter, mark, name), not an event */
	VT_EV_CALL = 1,  /* a Python frame entered, already on the thread's stack */
	VT_EV_ENTER = 2, /* a Python frame entered, not on the stack yet (eval hook) */
	VT_EV_RET = 3,   /* a Python frame left */
	VT_EV_CCALL = 4, /* a C function called */
	VT_EV_CRET = 5,  /* a C function returned or raised */
	VT_EV_OTHER = 6, /* another event of the program's (an exception) */
};

/**
 * vt_make_room - slow path of vt_room: pending work, then flush; 0 when this event must
 * be dropped (counted as lost unless the pending work dropped it on purpose), else what
 * the pending work returned (1, or 2: see vt_pending_hook).
 */
int vt_make_room(struct vt_thread *t, int ev);

/*
 * Work to do before a thread's next event (its Python name, a fork child's inherited
 * stack, the frames open when recording starts). While any is pending, the thread's
 * limit is 0, so the hot path's one compare sends it to vt_make_room, which calls this
 * (py/frames.c) and restores the limit. @ev: enum vt_ev. Returns 0 when the event is to be
 * dropped (not lost: vt's own), 1 to go on, 2 to go on when the event entered a frame
 * right above the frames open when recording started (eval hook: see pre_check).
 */
extern int (*vt_pending_hook)(struct vt_thread *t, int ev);

/** vt_room - nonzero when one more event (and a DEF) fits; flushes when the chunk is
 * full. @ev: enum vt_ev. */
static inline int vt_room(struct vt_thread *t, int ev)
{
	if (VT_LIKELY(t->pos < vt_limit(t)))
		return 1;
	return vt_make_room(t, ev);
}

/** vt_thread_finish - write an END record, flush and close (reason: enum vt_end_reason). */
void vt_thread_finish(struct vt_thread *t, unsigned reason);
/** vt_thread_finish_running - the same for another thread that may be running (with
 * vt_parallel), from a copy of its complete records: its buffer is left alone. */
void vt_thread_finish_running(struct vt_thread *t, unsigned reason);
/** vt_thread_file - open @t's file and write its header, once. 0 or -1. */
int vt_thread_file(struct vt_thread *t);
/**
 * vt_thread_write - append @len bytes to @t's open file; if the program closed or took
 * its descriptor, open the file again by name (vt_write_again). 0 or -1 (errno).
 */
int vt_thread_write(struct vt_thread *t, const void *buf, size_t len);
/**
 * vt_chunk_rebase - start @t's first chunk, still empty, earlier: at @c (@mono in
 * CLOCK_MONOTONIC ns), before the thread's first record (the frames it had open when
 * recording started begin there). 0, or -1 when the chunk is not the thread's first, not
 * empty, or not later than @c.
 */
int vt_chunk_rebase(struct vt_thread *t, uint64_t c, uint64_t mono);
/** vt_chunk_start - start @t's next chunk (SYNC, and OPEN in ring mode) now. */
void vt_chunk_start(struct vt_thread *t);
/** vt_wait_written - wait until @t has no chunk with the writer (in a signal handler: 2 s
 * at most). */
void vt_wait_written(struct vt_thread *t);
/** vt_writer_stop - let the writer thread finish what it has and exit (before fork). */
void vt_writer_stop(void);
/** vt_writer_from_signal - from now on wait for the writer by polling (a fatal signal). */
void vt_writer_from_signal(void);
/** vt_writer_atfork_child - a fork child has no writer thread and an empty queue. */
void vt_writer_atfork_child(void);

/* The flight recorder (ring.c), above: its vt_ring_init sets these in ring mode. */
struct vt_ring_hooks {
	/* keep a compressed chunk (header included) of @t in memory. 0 or -1 */
	int (*store)(struct vt_thread *t, const void *chunk, size_t len);
	/* write every thread's kept chunks (vt_flush_all) */
	void (*dump)(int from_signal);
	/* free @t's kept chunks (a fork child) */
	void (*forget)(struct vt_thread *t);
};
extern struct vt_ring_hooks vt_ring_hooks;

/* ---- per-thread state: made, listed, flushed together (thread.c) ---- */

/** vt_thread_get - this thread's buffer, created on first use; NULL if it cannot be. */
struct vt_thread *vt_thread_new(void);

static inline struct vt_thread *vt_thread_cur(void)
{
	struct vt_thread *t = vt_t;

	if (VT_LIKELY(t))
		return t;
	return vt_thread_new();
}

/** vt_flush_all - finish every buffer of this process (exit, _exit, exec, fatal signal). */
void vt_flush_all(unsigned reason, int from_signal);
/** vt_threads_atfork_child - forget the parent's buffers in a fork child. */
void vt_threads_atfork_child(void);
/* a signal handler may dump the ring (SIGTERM, or a crash with VT_DUMP_ON_ERROR=1) */
extern volatile int vt_dump_in_signal;
/* the buffer list, for ring.c */
int vt_threads_lock(int from_signal);
void vt_threads_unlock(void);
struct vt_thread *vt_threads_first(void);

static inline void vt_shadow_push(struct vt_thread *t, uint32_t id)
{
	if (t->sdepth < VT_SHADOW_MAX)
		t->shadow[t->sdepth] = id;
	t->sdepth++;
}

static inline void vt_shadow_pop(struct vt_thread *t)
{
	if (t->sdepth)
		t->sdepth--;
}

/** vt_threads_resync_stack - every recording thread names its open frames at its next event. */
void vt_threads_resync_stack(void);
/** vt_threads_revive - a new attach: the buffers of live threads start new files. */
void vt_threads_revive(void);
/** vt_threads_flush_live - write out every live thread's buffer (vt.flush()). GIL held. */
void vt_threads_flush_live(void);
/** vt_threads_pause - recording stops: close every thread's open frames now, and flush. */
void vt_threads_pause(void);
/** vt_control_atfork_child - restart the VT_DELAY/VT_DURATION timer in a fork child. */
/** vt_define - make sure @id's DEF is in @t's stream. Cold path. */
void vt_define_slow(struct vt_thread *t, uint32_t id);
/**
 * vt_define_with - write the DEF of @id into @t's stream from these strings and mark it
 * written there: for definitions kept outside the intern table (native.c). -1 when the
 * bitmap cannot grow (nothing written).
 */
int vt_define_with(struct vt_thread *t, uint32_t id, unsigned kind, const char *name,
		   size_t name_len, const char *file, size_t file_len, uint32_t line);
/* the frame-evaluation hook is in use: threads compute their stack_guard */
extern int vt_stack_guards;

/** vt_id_slot - @t's id cache entry for @key (objects are 16-byte aligned and
 * PyMethodDefs 32 bytes long: the low 4 bits say little). */
static inline struct vt_idc *vt_id_slot(struct vt_thread *t, const void *key)
{
	uintptr_t k = (uintptr_t)key;

	return &t->idc[((k >> 4) ^ (k >> 10)) & (VT_IDC_SIZE - 1)];
}

/** vt_defined - @id's DEF is already in @t's stream. */
static inline int vt_defined(const struct vt_thread *t, uint32_t id)
{
	return id < t->defined_bits && (t->defined[id >> 3] & (1u << (id & 7)));
}

static inline void vt_define(struct vt_thread *t, uint32_t id)
{
	if (VT_LIKELY(vt_defined(t, id)))
		return;
	vt_define_slow(t, id);
}

/** vt_threads_atfork_register - lock the buffer list around fork. */
void vt_threads_atfork_register(void);

/* ---- flight recorder (ring.c) ---- */

/** vt_ring_store - keep a compressed chunk (header included) of @t in memory. 0 or -1. */
int vt_ring_store(struct vt_thread *t, const void *chunk, size_t len);
/** vt_ring_dump - write every thread's kept chunks to its file, then forget them. */
void vt_ring_dump(int from_signal);
/** vt_ring_dump_now - the same for a running process (VT_SIGNAL): buffers first. GIL held. */
void vt_ring_dump_now(void);
/** vt_ring_init - the dump's scratch buffers (ring mode, at start). */
void vt_ring_init(void);
/** vt_ring_forget - free @t's kept chunks (a fork child). */
void vt_ring_forget(struct vt_thread *t);

/* ---- CPython: hooks, values, the vt module, control, native calls (preload/py/, native.c) ---- */

/** vt_native_parse - check VT_NATIVE and keep it; -1 with a reason in @err. */
int vt_native_parse(const char *spec, char *err, size_t errlen);
/** vt_native_install - patch the GOTs (the interpreter is up; the GIL is held). */
void vt_native_install(void);
/** vt_native_restore - put the original GOT entries back (exit). */
void vt_native_restore(void);
void vt_native_atfork_child(void);
/** vt_native_live - the Python hooks record, without filters, gate or ring (preload/py). */
void vt_native_live(int on);

/* ---- Python side (py/install.c, py/control.c, py/signals.c) ---- */

/** vt_python_present - CPython's PySys_AddAuditHook is in this process (3.8+). */
int vt_python_present(void);
/** vt_python_probe - constructor step: find CPython in this process, register the audit hook. */
void vt_python_probe(void);
/** vt_python_embed_init_done - an interposed Py_Initialize* returned. */
void vt_python_embed_init_done(void);
/** vt_signals_install - catch SIGTERM/SIGHUP/... left at their default to flush first. */
void vt_signals_install(void);

/* set by the interposed Py_BytesMain/Py_Main: this is the python launcher */
extern int vt_launcher;
/* depth of interposed Py_Initialize* calls in progress */
extern int vt_in_init;
/* vt attach: vt_python_probe registers no audit hook */
extern int vt_attaching;
/** vt_attach_begin - vt attach: read @settings (VT_* lines), find CPython (init.c). */
int vt_attach_begin(const char *settings);
/** py_attach - start recording every thread (py/attach.c); 0 or -1. GIL held. */
int py_attach(const char *dir, long long duration_ms);
/** py_detach - stop it, leaving the process as it was. GIL held. */
void py_detach(void);

/** vt_control_atfork_child - restart the VT_DELAY/VT_DURATION timer in a fork child. */
void vt_control_atfork_child(void);
/* ---- entry points: exported wrappers (interpose.c), constructor (init.c) ---- */


extern void (*vt_real__exit)(int) __attribute__((noreturn));
/* exit status reported by an interposed Py_BytesMain/Py_Main/Py_RunMain, if known */
/** vt_interpose_resolve - look up the real exec functions (constructor). */
void vt_interpose_resolve(void);
/** vt_threads_atfork_register - lock the buffer list around fork. */
#endif /* VT_PRELOAD_VT_H */
