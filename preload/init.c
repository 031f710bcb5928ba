/*
 * init.c - the constructor and destructor of libvt.so, and the VT_* settings.
 *
 * The constructor runs in every process that inherits LD_PRELOAD: bash, ls, compilers.
 * It reads the environment, makes sure the whole process tree shares one trace
 * directory, and asks the dynamic linker for PySys_AddAuditHook. Without it the process
 * is not Python and the library does nothing more.
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "preload/vt.h"


/*
 * Every VT_* setting, in one list: the parser below reads each one through its S_ index
 * (so a name it reads is a name in the list), and a VT_* variable that is neither here
 * nor reserved (check_names) gets a warning.
 */
#define SETTINGS(X)                                                                          \
	X(OUTPUT) X(DISABLE) X(FOLLOW_CHILDREN) X(INCLUDE_FILES) X(EXCLUDE_FILES) X(LOG)    \
	X(IGNORE_C) X(BUFFER_SIZE) X(HOOK) X(NATIVE) X(NATIVE_ARGS) X(WRITER) X(CLOCK)      \
	X(MODE) X(RING_SIZE) X(DUMP_ON_ERROR) X(START) X(SIGNAL) X(DELAY) X(DURATION)        \
	X(MAX_SIZE) X(PROCESSES) X(LOG_ARGS) X(LOG_RETURN) X(REPR_MAX) X(MAX_DEPTH)          \
	X(MIN_DURATION) X(IGNORE_FROZEN) X(LOG_EXCEPTIONS) X(LOG_GC)

enum setting {
#define X(n) S_##n,
	SETTINGS(X)
#undef X
	S_COUNT
};

static const char *const setting_name[S_COUNT] = {
#define X(n) "VT_" #n,
	SETTINGS(X)
#undef X
};

/*
 * vt attach: the library was loaded into a running interpreter (ctypes, by `vt attach`).
 * Its settings are then the NAME=value list vt_attach_begin was given, not the target's
 * environment, which vt neither reads nor changes.
 */
static int g_late;
#define ATTACH_VARS 64
static char *g_attach_vars[ATTACH_VARS + 1];

/* the value of @name in the NAME=value list @vars, or NULL */
static const char *var_in(char *const *vars, const char *name)
{
	size_t n = strlen(name);

	for (; vars && *vars; vars++)
		if (!strncmp(*vars, name, n) && (*vars)[n] == '=')
			return *vars + n + 1;
	return NULL;
}

VT_STARTUP static const char *env(enum setting s)
{
	if (g_late)
		return var_in(g_attach_vars, setting_name[s]);
	return getenv(setting_name[s]);
}

static void bad(const char *name, const char *val, const char *want)
{
	if (!vt_cfg.bad[0])
		snprintf(vt_cfg.bad, sizeof(vt_cfg.bad), "bad value %s='%.64s' (%s)", name, val,
			 want);
}

VT_STARTUP static int env_bool(enum setting s, int dflt)
{
	const char *v = env(s), *name = setting_name[s];

	if (!v || !*v)
		return dflt;
	if (!strcmp(v, "1"))
		return 1;
	if (!strcmp(v, "0"))
		return 0;
	bad(name, v, "expected 0 or 1");
	return dflt;
}

static size_t env_size(enum setting s, size_t dflt, size_t lo, size_t hi)
{
	const char *v = env(s), *name = setting_name[s];
	char *end;
	unsigned long long n;

	if (!v || !*v)
		return dflt;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (end == v || errno)
		goto fail;
	/* 512K, 4M, 1G, also written 4MB or 4MiB: binary units */
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	default: break;
	}
	if (*end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (*end || n < lo || n > hi)
		goto fail;
	return (size_t)n;
fail:
	bad(name, v, "expected a size such as 512K, 4M or 1G, in range");
	return dflt;
}

/* a count (of frames): decimal digits only, no unit */
static uint32_t env_count(enum setting s, uint32_t dflt, uint32_t lo, uint32_t hi,
			  const char *want)
{
	const char *v = env(s), *name = setting_name[s];
	unsigned long long n = 0;
	const char *p;

	if (!v || !*v)
		return dflt;
	for (p = v; *p >= '0' && *p <= '9' && n <= hi; p++)
		n = n * 10 + (unsigned)(*p - '0');
	if (*p || n < lo || n > hi) {
		bad(name, v, want);
		return dflt;
	}
	return (uint32_t)n;
}

/* "30s", "500ms", "2m", "1h"; a bare number is seconds */
static uint64_t env_time(enum setting s)
{
	const char *v = env(s), *name = setting_name[s];
	uint64_t ns;

	if (!v || !*v)
		return 0;
	if (vt_parse_time(v, &ns) == 0)
		return ns;
	bad(name, v, "expected a time such as 30s, 500ms or 2m");
	return 0;
}

static int env_signal(enum setting s, int dflt)
{
	static const struct { const char *n; int s; } sigs[] = {
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "HUP", SIGHUP }, { "WINCH", SIGWINCH },
		{ "URG", SIGURG },   { "PROF", SIGPROF }, { "IO", SIGIO },
	};
	const char *v = env(s), *name = setting_name[s], *n;
	char *end;
	long x;

	if (!v || !*v)
		return dflt;
	n = strncmp(v, "SIG", 3) ? v : v + 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(n, sigs[i].n))
			return sigs[i].s;
	x = strtol(v, &end, 10);
	if (end != v && !*end && x > 0 && x < 65 && x != SIGKILL && x != SIGSTOP)
		return (int)x;
	bad(name, v, "expected a signal such as USR2 or a number");
	return dflt;
}

/*
 * Sets @name to @value for this process and its children. A program may bring its own
 * setenv: bash's works on its table of shell variables and bash takes its environment
 * from main's envp, which is environ's first array; there an existing entry is replaced
 * in place, by @entry (static storage for "NAME=value"). A new variable goes through
 * setenv.
 */
VT_STARTUP static void export_var(char *entry, size_t cap, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	if (g_late)
		return; /* attached: the target's environment is its own */
	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, name, nl) || (*e)[nl] != '=')
			continue;
		if (nl + 1 + vl < cap) {
			memcpy(entry, name, nl);
			entry[nl] = '=';
			memcpy(entry + nl + 1, value, vl + 1);
			*e = entry;
		}
		return;
	}
	setenv(name, value, 1);
}

/*
 * A VT_INCLUDE_FILES or VT_EXCLUDE_FILES list with each prefix made absolute (from the
 * current directory) and normalised, into @dst; exported again when that changed it, so
 * that a child started in another directory reads the same prefixes.
 */
VT_STARTUP static void path_list(enum setting s, char *dst, size_t cap, char *entry,
				 size_t entry_cap)
{
	const char *v = env(s), *name = setting_name[s], *p;
	char cwd[2048], one[2048];
	size_t n = 0;

	if (!v || !*v)
		return;
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = 0;
	for (p = v; *p;) {
		size_t l = strcspn(p, ":,");

		if (l && vt_path_norm(one, sizeof(one), cwd, p, l) == 0) {
			size_t ol = strlen(one);

			if (n + ol + 2 > cap) {
				bad(name, v, "too long");
				break;
			}
			if (n)
				dst[n++] = ':';
			memcpy(dst + n, one, ol + 1);
			n += ol;
		} else if (l) {
			bad(name, v, "a path too long");
		}
		p += l;
		p += *p != 0;
	}
	dst[n] = 0;
	if (strcmp(dst, v))
		export_var(entry, entry_cap, name, dst);
}

/* VT_OUTPUT made absolute; by default ./vt-trace-<UTC time>-<pid> of the first process */
VT_STARTUP static void output_dir(void)
{
	const char *v = env(S_OUTPUT);
	char cwd[2048];

	if (v && !*v) {
		/* left as it is, so that the Python processes below say so too */
		bad(setting_name[S_OUTPUT], v, "expected a directory");
		return;
	}
	if (v && v[0] == '/') {
		size_t n = strlen(v);

		/* no snprintf here: its code is three more pages to fault in for every process */
		if (n < sizeof(vt_cfg.output))
			memcpy(vt_cfg.output, v, n + 1);
		else
			bad(setting_name[S_OUTPUT], v, "too long");
		return;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/tmp");
	if (v) {
		snprintf(vt_cfg.output, sizeof(vt_cfg.output), "%s/%s", cwd, v);
	} else {
		struct tm tm;
		time_t now = time(NULL);

		gmtime_r(&now, &tm);
		snprintf(vt_cfg.output, sizeof(vt_cfg.output),
			 "%s/vt-trace-%04d%02d%02d-%02d%02d%02d-%d", cwd, tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)getpid());
	}
	/* children of this process (bash scripts, subprocesses) join the same directory */
	static char entry[sizeof(vt_cfg.output) + 16];

	export_var(entry, sizeof(entry), setting_name[S_OUTPUT], vt_cfg.output);
}

/*
 * VT_* names that are vt's own without being settings: those of vt's tools and test suites
 * (the programs they trace inherit them), and REPORTED.
 */
#define REPORTED "VT_UNKNOWN_REPORTED"
static const char *const reserved_name[] = {
	"VT_ATTACH_TIMEOUT", "VT_BUILD", "VT_CHROMIUM", "VT_CONVERT", "VT_CONVERT_SAN", "VT_LIB", "VT_PRELOAD_EXTRA",
	"VT_PYTHONS", "VT_STRESS_SECONDS", "VT_VALGRIND", REPORTED,
};

/* names that habit (VizTracer's options, mostly) suggests, where the distance picks badly */
static const struct {
	const char *name;
	enum setting s;
} habit[] = {
	{ "VT_DIR", S_OUTPUT },		{ "VT_OUTPUT_DIR", S_OUTPUT },
	{ "VT_OUTPUT_FILE", S_OUTPUT },	{ "VT_OUT", S_OUTPUT },
	{ "VT_FILE", S_OUTPUT },	{ "VT_PATH", S_OUTPUT },
	{ "VT_TRACER_ENTRIES", S_RING_SIZE }, { "VT_RING", S_RING_SIZE },
	{ "VT_MAX_STACK_DEPTH", S_MAX_DEPTH }, { "VT_DEPTH", S_MAX_DEPTH },
	{ "VT_INCLUDE", S_INCLUDE_FILES }, { "VT_EXCLUDE", S_EXCLUDE_FILES },
	{ "VT_IGNORE_C_FUNCTION", S_IGNORE_C }, { "VT_LOG_FUNC_RETVAL", S_LOG_RETURN },
	{ "VT_FOLLOW", S_FOLLOW_CHILDREN }, { "VT_BUFFER", S_BUFFER_SIZE },
	{ "VT_MIN_DUR", S_MIN_DURATION },
};

/* does @name (@len bytes) equal one of the @n strings of @list? */
VT_STARTUP static int in_list(const char *name, size_t len, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && !memcmp(list[i], name, len))
			return 1;
	return 0;
}

/* Levenshtein distance between @a (@an bytes, the first 63 counted) and @b */
VT_STARTUP static unsigned distance(const char *a, size_t an, const char *b)
{
	unsigned row[64];
	size_t bn = strlen(b);

	if (an > 63)
		an = 63;
	if (bn > 63)
		bn = 63;
	for (size_t j = 0; j <= bn; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= an; i++) {
		unsigned diag = row[0], up;

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= bn; j++) {
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[bn];
}

/* the setting closest to the unknown @name (@len bytes) */
VT_STARTUP static const char *closest(const char *name, size_t len)
{
	size_t best = 0;
	unsigned d = ~0u;

	for (size_t i = 0; i < sizeof(habit) / sizeof(habit[0]); i++)
		if (strlen(habit[i].name) == len && !memcmp(habit[i].name, name, len))
			return setting_name[habit[i].s];
	for (size_t i = 0; i < S_COUNT; i++) {
		unsigned di = distance(name, len, setting_name[i]);

		if (di < d)
			d = di, best = i;
	}
	return setting_name[best];
}

/*
 * One vt: line naming each VT_* variable that is not a setting, with the setting closest to
 * it; tracing goes on. Once per process tree: the first process that finds one says so and
 * exports REPORTED, which its descendants inherit (put back by the exec wrappers as any
 * VT_* variable is), so they stay quiet.
 */
VT_STARTUP static void check_names(void)
{
	static char entry[sizeof(REPORTED) + 2];
	char line[900];
	size_t n = 0, count = 0;

	if (!g_late && getenv(REPORTED))
		return;
	for (char **e = g_late ? g_attach_vars : environ; e && *e; e++) {
		const char *name = *e;
		size_t len = strcspn(name, "=");
		int w;

		if (strncmp(name, "VT_", 3) || !name[len] ||
		    in_list(name, len, setting_name, S_COUNT) ||
		    in_list(name, len, reserved_name, sizeof(reserved_name) / sizeof(reserved_name[0])))
			continue;
		w = snprintf(line + n, sizeof(line) - n, "%s%.*s (closest: %s)", count ? ", " : "",
			     (int)(len < 64 ? len : 64), name, closest(name, len));
		count++;
		if (w < 0 || (size_t)w >= sizeof(line) - n)
			break; /* the line is full: what fits is said */
		n += (size_t)w;
	}
	if (!count)
		return;
	vt_log("unknown setting%s ignored: %s", count > 1 ? "s" : "", line);
	export_var(entry, sizeof(entry), REPORTED, "1");
}

/*
 * The VT_* settings. A process that is not Python (@python 0: bash, a launcher) only
 * needs what its children inherit from it: the trace directory and whether to follow
 * them; the rest is read where there is an interpreter to trace.
 */
VT_STARTUP static void read_config(int python)
{
	static char include_entry[sizeof(vt_cfg.include) + 32], exclude_entry[sizeof(include_entry)];
	const char *v;

	vt_cfg.disable = env_bool(S_DISABLE, 0);
	vt_cfg.follow = env_bool(S_FOLLOW_CHILDREN, 1);
	/* before a child's cd: a relative prefix means the same files in every process; and
	 * before output_dir, whose setenv of a new VT_OUTPUT may give environ a new array */
	path_list(S_INCLUDE_FILES, vt_cfg.include, sizeof(vt_cfg.include), include_entry,
		  sizeof(include_entry));
	path_list(S_EXCLUDE_FILES, vt_cfg.exclude, sizeof(vt_cfg.exclude), exclude_entry,
		  sizeof(exclude_entry));
	output_dir();
	v = env(S_LOG);
	if (v && *v && strcmp(v, "stderr"))
		snprintf(vt_cfg.log, sizeof(vt_cfg.log), "%s", v);
	/* last: its setenv of a new variable may give environ a new array too */
	if (!vt_cfg.disable)
		check_names();
	if (!python)
		return;
	vt_cfg.ignore_c = env_bool(S_IGNORE_C, 0);
	vt_cfg.chunk_size = env_size(S_BUFFER_SIZE, VT_CHUNK_DEFAULT, 64u << 10, 64u << 20);
	v = env(S_HOOK);
	if (v && *v && strcmp(v, "monitoring") && strcmp(v, "profile") && strcmp(v, "eval"))
		bad(setting_name[S_HOOK], v, "expected monitoring, profile or eval");
	vt_cfg.use_profile = v && !strcmp(v, "profile");
	vt_cfg.use_eval = !v || !*v ? -1 : !strcmp(v, "eval");
	v = env(S_NATIVE);
	if (v && *v) {
		char why[160];

		if (strlen(v) >= sizeof(vt_cfg.native))
			bad(setting_name[S_NATIVE], v, "too long");
		else if (vt_native_parse(v, why, sizeof(why)) < 0)
			bad(setting_name[S_NATIVE], v, why);
		else
			snprintf(vt_cfg.native, sizeof(vt_cfg.native), "%s", v);
	}
	vt_cfg.native_args = env_bool(S_NATIVE_ARGS, 0);
	v = env(S_WRITER);
	if (v && *v && strcmp(v, "thread") && strcmp(v, "inline"))
		bad(setting_name[S_WRITER], v, "expected thread or inline");
	vt_cfg.inline_writes = v && !strcmp(v, "inline");
	v = env(S_CLOCK);
	if (v && *v && strcmp(v, "tsc") && strcmp(v, "ns"))
		bad(setting_name[S_CLOCK], v, "expected tsc or ns");
	vt_cfg.clock_ns = v && !strcmp(v, "ns");
	v = env(S_MODE);
	if (v && *v && strcmp(v, "ring") && strcmp(v, "stream"))
		bad(setting_name[S_MODE], v, "expected stream or ring");
	vt_cfg.ring = v && !strcmp(v, "ring");
	vt_cfg.ring_size = env_size(S_RING_SIZE, 64u << 20, 64u << 10, (size_t)1 << 40);
	vt_cfg.dump_on_error = env_bool(S_DUMP_ON_ERROR, 0);
	v = env(S_START);
	if (v && *v && strcmp(v, "signal") && strcmp(v, "now"))
		bad(setting_name[S_START], v, "expected now or signal");
	vt_cfg.start_signal = v && !strcmp(v, "signal");
	vt_cfg.signum = env_signal(S_SIGNAL, SIGUSR2);
	vt_cfg.delay_ns = env_time(S_DELAY);
	vt_cfg.duration_ns = env_time(S_DURATION);
	vt_cfg.max_size = env_size(S_MAX_SIZE, 0, 1u << 16, (size_t)1 << 50);
	v = env(S_PROCESSES);
	if (v)
		snprintf(vt_cfg.processes, sizeof(vt_cfg.processes), "%s", v);
	vt_cfg.log_args = env_bool(S_LOG_ARGS, 0);
	vt_cfg.log_return = env_bool(S_LOG_RETURN, 0);
	vt_cfg.repr_max = env_size(S_REPR_MAX, 256, 8, 65536);
	vt_cfg.max_depth = env_count(S_MAX_DEPTH, 0, 1, 100000,
				     "expected a number of frames, 1 to 100000");
	vt_cfg.min_dur_ns = env_time(S_MIN_DURATION);
	vt_cfg.ignore_frozen = env_bool(S_IGNORE_FROZEN, 0);
	vt_cfg.log_exceptions = env_bool(S_LOG_EXCEPTIONS, 0);
	vt_cfg.log_gc = env_bool(S_LOG_GC, 0);
}

static void atfork_child(void)
{
	vt_pid = getpid();
	vt_token = vt_mono_ns();
	vt_intern_atfork_child();
	vt_threads_atfork_child();
	/* the child's process file is written with its first thread file: a child that only
	 * execs (subprocess) leaves no files */
	vt_proc_atfork_child();
	vt_control_atfork_child();
	vt_native_atfork_child();
}

/*
 * Every process under LD_PRELOAD runs this, so for one that is not Python it touches as
 * few pages as it can: each first touch is a page fault, 15-20 us on a VM. The start-up
 * code is cold (VT_STARTUP): the compiler puts it together in .text.unlikely.
 */
/* a weak reference, as PySys_AddAuditHook's (install.c) */
extern int Py_IsInitialized(void) __attribute__((weak));

VT_STARTUP __attribute__((constructor)) static void vt_init(void)
{
	int saved = errno, python = vt_python_present();

	if (python && Py_IsInitialized && Py_IsInitialized()) {
		/* loaded into a running interpreter (vt attach): vt_attach_begin does the rest */
		g_late = 1;
		return;
	}
	*(void **)&vt_real__exit = dlsym(RTLD_NEXT, "_exit");
	if (python) {
		vt_pid = getpid();
		vt_token = vt_mono_ns();
	}
	read_config(python);
	vt_interpose_resolve(); /* after read_config: it snapshots VT_OUTPUT too */
	if (python)
		vt_python_probe();
	if (vt_state == VT_ST_WAITING) {
		vt_threads_atfork_register();
		pthread_atfork(NULL, NULL, atfork_child);
	}
	errno = saved;
}

/*
 * vt attach: take @settings (NAME=value lines) as the VT_* settings, read them, and find
 * the interpreter (vt_python_probe, without its audit hook). 0 when it is ready for
 * py_attach_start, else -1 with one vt: line said.
 */
int vt_attach_begin(const char *settings)
{
	static char store[16384];
	size_t n = 0, len = settings ? strlen(settings) : 0;

	if (!g_late) {
		vt_log("this process already runs under vt's preload: start it with "
		       "VT_START=signal and send the signal (kill -USR2 PID) instead");
		return -1;
	}
	if (vt_state == VT_ST_TRACING) {
		vt_log("vt is already attached to this process");
		return -1;
	}
	if (len >= sizeof(store)) {
		vt_log("vt attach: the VT_* settings are too long");
		return -1;
	}
	vt_log_no_stderr = 1;
	memcpy(store, settings ? settings : "", len + 1);
	for (char *p = store; *p && n < ATTACH_VARS;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = 0;
		if (!strncmp(p, "VT_", 3) && strchr(p, '='))
			g_attach_vars[n++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	g_attach_vars[n] = NULL;
	memset(&vt_cfg, 0, sizeof(vt_cfg));
	vt_state = VT_ST_INERT;
	vt_pid = getpid();
	vt_token = vt_mono_ns();
	read_config(1);
	if (vt_cfg.bad[0]) {
		vt_log("%s", vt_cfg.bad);
		return -1;
	}
	if (vt_cfg.start_signal || vt_cfg.delay_ns || vt_cfg.ring || vt_cfg.native[0] ||
	    vt_cfg.processes[0] || vt_cfg.use_profile || vt_cfg.use_eval == 1 || vt_cfg.disable) {
		vt_log("VT_START, VT_DELAY, VT_MODE=ring, VT_NATIVE, VT_PROCESSES, VT_HOOK and "
		       "VT_DISABLE do not apply to vt attach; unset them");
		return -1;
	}
	vt_attaching = 1;
	vt_python_probe();
	return vt_state == VT_ST_WAITING ? 0 : -1;
}

/*
 * vt attach (tools/vt): the script it has the target run loads this library with ctypes
 * and calls these, with the GIL. vt_attach: @settings are VT_* lines (NAME=value), @dir
 * the session directory (its file stop ends the recording; vt writes detached there),
 * @duration_ms 0 or when to stop. 0 when recording, -1 when not (one vt: line in VT_LOG's
 * file said why). vt_detach stops it now.
 */
VT_EXPORT int vt_attach(const char *settings, const char *dir, long long duration_ms);
VT_EXPORT int vt_detach(void);

VT_EXPORT int vt_attach(const char *settings, const char *dir, long long duration_ms)
{
	int saved = errno, rc;

	rc = vt_attach_begin(settings) == 0 ? py_attach(dir, duration_ms) : -1;
	if (rc < 0) {
		vt_state = VT_ST_INERT;
		vt_log_close();
	}
	errno = saved;
	return rc;
}

VT_EXPORT int vt_detach(void)
{
	int saved = errno;

	py_detach();
	errno = saved;
	return 0;
}

VT_STARTUP __attribute__((destructor)) static void vt_fini(void)
{
	int saved = errno;

	if (vt_state == VT_ST_TRACING && getpid() == vt_pid) {
		vt_native_restore();
		vt_flush_all(VT_END_EXIT, 0);
		if (vt_exit_code_known)
			vt_proc_exit(VT_EXIT_CODE, vt_exit_code);
		else
			vt_proc_exit(VT_EXIT_UNKNOWN, 0);
	}
	errno = saved;
}
