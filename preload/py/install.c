/*
 * install.c - finding CPython in the process, choosing the process (VT_PROCESSES) and the
 * hook, and installing it.
 *
 * When the hook is installed:
 *  - `python ...`: at the first cpython.run_* audit event (after site, before user code),
 *    through an audit hook registered before Py_Initialize (PEP 578). This works for
 *    static and shared builds alike.
 *  - programs that embed Python: when an interposed Py_Initialize* returns.
 *
 * Which hook (hook.h):
 *  - with sys.monitoring (3.12+): a free tool id of its own (hook-monitoring.c);
 *  - 3.8-3.11, VT_IGNORE_C=1 with no arguments, returns or exceptions asked for, or
 *    VT_HOOK=eval: the frame-evaluation hook (hook-eval.c);
 *  - else PyEval_SetProfile in each thread (hook-profile.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/py/hook.h"

int vt_launcher;
int vt_in_init;
int vt_attaching;

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

/*
 * The frame-evaluation hook records Python functions only, without arguments, return
 * values or exceptions: it is the default on 3.8-3.11 with VT_IGNORE_C=1 and none of
 *  those, and VT_HOOK=eval asks for it (3.12+ refuse it, see hook-eval.c).
 */
static int want_eval(void)
{
	static const char *const why[] = { NULL, "VT_LOG_ARGS", "VT_LOG_RETURN", "VT_LOG_EXCEPTIONS" };
	int no = vt_cfg.log_args ? 1 : vt_cfg.log_return ? 2 : vt_cfg.log_exceptions ? 3 : 0;

	if (!vt_pyv.has_eval_hook || vt_cfg.use_profile || vt_cfg.use_eval == 0)
		return 0;
	if (vt_cfg.use_eval == -1)
		return vt_cfg.ignore_c && !no && vt_py_eval_by_default();
	if (no) {
		vt_log("VT_HOOK=eval cannot record what %s asks for; using PyEval_SetProfile",
		       why[no]);
		return 0;
	}
	vt_cfg.ignore_c = 1; /* it sees no C calls; nor will the profile hook after a switch */
	return 1;
}

/*
 * The eval hook, deep in the C stack, goes on with the profile hook (hook-eval.c): with
 * sys.setprofile wrapped, as when the profile hook is chosen at the start.
 */
static void eval_gives_way(void)
{
	py_hook_switch(&vt_hook_profile, py_patch_setprofile);
}

static void install(void)
{
	if (vt_state != VT_ST_WAITING || !is_main_interpreter())
		return;
	py_h.installing = 1;
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
	py_h.give_way = eval_gives_way;
	if (vt_pyv.has_monitoring && !vt_cfg.use_profile && vt_hook_monitoring.install() == 0) {
		py_wrap_tool_ids(); /* the program's calls of them behave as without vt */
		py_h.cur = &vt_hook_monitoring;
		py_set_recording(1);
		if (!vt_cfg.ignore_c)
			py_patch_setprofile();
		py_h.cur->start();
	} else if (want_eval() && vt_hook_eval.install() == 0) {
		vt_stack_guards = 1; /* before any thread's first event */
		py_h.cur = &vt_hook_eval;
		py_set_recording(1);
		py_h.cur->start();
	} else {
		if (vt_pyv.has_monitoring && !vt_cfg.use_profile)
			vt_log("no free sys.monitoring tool id (3 and 4 are taken); using "
			       "PyEval_SetProfile");
		else if (vt_cfg.use_eval == 1 && vt_pyv.has_eval_hook)
			vt_log("the frame-evaluation hook is not available (another tool uses "
			       "it); using PyEval_SetProfile");
		py_h.cur = &vt_hook_profile;
		vt_hook_profile.install();
		py_patch_setprofile();
		py_set_recording(1);
		py_profile_arm(vt_pyv.profile_all_threads && py.SetProfileAllThreads);
	}
	/* recording later: by signal, or after VT_DELAY; until then no hook costs anything */
	if (vt_cfg.start_signal || vt_cfg.delay_ns) {
		vt_windowed = 1;
		py_hooks_off();
	}
	if (vt_cfg.ring)
		vt_ring_init();
	if ((vt_cfg.start_signal || vt_cfg.ring) && py_take_signal() < 0) {
		vt_state = VT_ST_INERT;
		goto out;
	}
	if (vt_cfg.delay_ns || vt_cfg.duration_ns) {
		py_timer_thread_start();
		if (vt_cfg.delay_ns)
			py_timer_set(vt_mono0 + vt_cfg.delay_ns, 1);
		else if (!vt_cfg.start_signal)
			py_timer_set(vt_mono_ns() + vt_cfg.duration_ns, 0);
	}
	vt_signals_install();
	on_exit(on_exit_status, NULL);
	vt_native_install(); /* last: vt's own start-up calls above are not traced */
out:
	py_h.installing = 0;
}

/* what the user's first code will be called, from the run event that starts tracing */
static void set_gate(const char *what, PyObject *args)
{
	PyObject *a = args && py.TupleSize(args) > 0 ? py.TupleGetItem(args, 0) : NULL;
	const char *s = NULL;
	Py_ssize_t len = 0;

	py_f.gate = GATE_FILE;
	if (!strcmp(what, "file") || !strcmp(what, "startup")) {
		if (a && TYPE_OF(a) == py.UnicodeType)
			s = py.AsUTF8AndSize(a, &len);
		if (!s) {
			py.ErrClear();
			py_f.gate = GATE_NONE;
			return;
		}
		snprintf(py_f.gate_file, sizeof(py_f.gate_file), "%.*s", (int)len, s);
	} else if (!strcmp(what, "command")) {
		snprintf(py_f.gate_file, sizeof(py_f.gate_file), "<string>");
	} else if (!strcmp(what, "stdin") || !strcmp(what, "interactivehook")) {
		py_f.gate = GATE_PROMPT;
	} else {
		py_f.gate = GATE_NONE; /* -m: runpy's frames lead to the module, keep them */
	}
}

static int audit_hook(const char *event, PyObject *args, void *data)
{
	(void)data;
	if (VT_LIKELY(vt_state != VT_ST_WAITING) || py_h.installing) {
		if (PY_PROFILE_MODE && vt_state == VT_ST_TRACING && !py_h.installing) {
			int saved = errno;

			py_watch_profile_slot(event);
			errno = saved;
		} else if (vt_pyv.has_monitoring && !strcmp(event, "sys.setprofile")) {
			py_tool6_unsure(); /* see other_tool_sees_calls */
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

/* the one line for an interpreter the table has no entry for */
static void unsupported(int build)
{
	int lo, hi;

	if (build == VT_BUILD_DEFAULT) {
		vt_pyver_range(build, &lo, &hi);
		vt_log("Python %s is not supported (3.%d to 3.%d); tracing off", vt_pyversion, lo,
		       hi);
	} else if (vt_pyver_range(build, &lo, &hi) < 0) {
		vt_log("Python %s is a %s build, which vt does not support yet; tracing off",
		       vt_pyversion, vt_pyver_build_name(build));
	} else if (lo == hi) {
		vt_log("Python %s is a %s build, which vt supports for 3.%d only; tracing off",
		       vt_pyversion, vt_pyver_build_name(build), lo);
	} else {
		vt_log("Python %s is a %s build, which vt supports for 3.%d to 3.%d only; tracing "
		       "off", vt_pyversion, vt_pyver_build_name(build), lo, hi);
	}
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
	int build;

	*(void **)&py.AddAuditHook = vt_pysym("PySys_AddAuditHook");
	if (!py.AddAuditHook)
		return; /* not Python (or older than 3.8): stay inert */
	*(void **)&py.GetVersion = vt_pysym("Py_GetVersion");
	ver = py.GetVersion ? py.GetVersion() : NULL; /* a static string, safe before init */
	if (!ver || vt_pyver_parse(ver) < 0)
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
	build = vt_pyver_build(ver);
	if (vt_pyver_use(build) < 0) {
		unsupported(build);
		return;
	}
	vt_parallel = build == VT_BUILD_FREETHREADED;
	if (vt_pyapi_resolve() < 0) {
		vt_log("Python %s: a C API function is missing; tracing off", vt_pyversion);
		return;
	}
	vt_clock_init();
	vt_clock0 = vt_now();
	vt_mono0 = vt_mono_ns();
	vt_real0 = vt_real_ns();
	vt_state = VT_ST_WAITING;
	if (vt_attaching)
		return; /* vt attach: an audit hook could never be removed; attach.c starts */
	if (py.AddAuditHook(audit_hook, NULL) != 0) {
		vt_state = VT_ST_INERT;
		vt_log("cannot add the audit hook; tracing off");
	}
}

