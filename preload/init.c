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

struct vt_config vt_cfg;
volatile int vt_state = VT_ST_INERT;
pid_t vt_pid;
uint64_t vt_token;
uint64_t vt_clock0, vt_mono0, vt_real0;
void (*vt_real__exit)(int) __attribute__((noreturn));

int vt_exit_code_known;
int vt_exit_code;


static void bad(const char *name, const char *val, const char *want)
{
	if (!vt_cfg.bad[0])
		snprintf(vt_cfg.bad, sizeof(vt_cfg.bad), "bad value %s='%.64s' (%s)", name, val,
			 want);
}

VT_STARTUP static int env_bool(const char *name, int dflt)
{
	const char *v = getenv(name);

	if (!v || !*v)
		return dflt;
	if (!strcmp(v, "1"))
		return 1;
	if (!strcmp(v, "0"))
		return 0;
	bad(name, v, "expected 0 or 1");
	return dflt;
}

static size_t env_size(const char *name, size_t dflt, size_t lo, size_t hi)
{
	const char *v = getenv(name);
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
static uint32_t env_count(const char *name, uint32_t dflt, uint32_t lo, uint32_t hi,
			  const char *want)
{
	const char *v = getenv(name);
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
static uint64_t env_time(const char *name)
{
	const char *v = getenv(name);
	uint64_t ns;

	if (!v || !*v)
		return 0;
	if (vt_parse_time(v, &ns) == 0)
		return ns;
	bad(name, v, "expected a time such as 30s, 500ms or 2m");
	return 0;
}

static int env_signal(const char *name, int dflt)
{
	static const struct { const char *n; int s; } sigs[] = {
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "HUP", SIGHUP }, { "WINCH", SIGWINCH },
		{ "URG", SIGURG },   { "PROF", SIGPROF }, { "IO", SIGIO },
	};
	const char *v = getenv(name), *n;
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
VT_STARTUP static void path_list(const char *name, char *dst, size_t cap, char *entry,
				 size_t entry_cap)
{
	const char *v = getenv(name), *p;
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
	const char *v = getenv("VT_OUTPUT");
	char cwd[2048];

	if (v && !*v) {
		/* left as it is, so that the Python processes below say so too */
		bad("VT_OUTPUT", v, "expected a directory");
		return;
	}
	if (v && v[0] == '/') {
		size_t n = strlen(v);

		/* no snprintf here: its code is three more pages to fault in for every process */
		if (n < sizeof(vt_cfg.output))
			memcpy(vt_cfg.output, v, n + 1);
		else
			bad("VT_OUTPUT", v, "too long");
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

	export_var(entry, sizeof(entry), "VT_OUTPUT", vt_cfg.output);
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

	vt_cfg.disable = env_bool("VT_DISABLE", 0);
	vt_cfg.follow = env_bool("VT_FOLLOW_CHILDREN", 1);
	/* before a child's cd: a relative prefix means the same files in every process; and
	 * before output_dir, whose setenv of a new VT_OUTPUT may give environ a new array */
	path_list("VT_INCLUDE_FILES", vt_cfg.include, sizeof(vt_cfg.include), include_entry,
		  sizeof(include_entry));
	path_list("VT_EXCLUDE_FILES", vt_cfg.exclude, sizeof(vt_cfg.exclude), exclude_entry,
		  sizeof(exclude_entry));
	output_dir();
	if (!python)
		return;
	vt_cfg.ignore_c = env_bool("VT_IGNORE_C", 0);
	vt_cfg.chunk_size = env_size("VT_BUFFER_SIZE", VT_CHUNK_DEFAULT, 64u << 10, 64u << 20);
	v = getenv("VT_HOOK");
	if (v && *v && strcmp(v, "monitoring") && strcmp(v, "profile") && strcmp(v, "eval"))
		bad("VT_HOOK", v, "expected monitoring, profile or eval");
	vt_cfg.use_profile = v && !strcmp(v, "profile");
	vt_cfg.use_eval = !v || !*v ? -1 : !strcmp(v, "eval");
	v = getenv("VT_NATIVE");
	if (v && *v) {
		char why[160];

		if (strlen(v) >= sizeof(vt_cfg.native))
			bad("VT_NATIVE", v, "too long");
		else if (vt_native_parse(v, why, sizeof(why)) < 0)
			bad("VT_NATIVE", v, why);
		else
			snprintf(vt_cfg.native, sizeof(vt_cfg.native), "%s", v);
	}
	vt_cfg.native_args = env_bool("VT_NATIVE_ARGS", 0);
	v = getenv("VT_WRITER");
	if (v && *v && strcmp(v, "thread") && strcmp(v, "inline"))
		bad("VT_WRITER", v, "expected thread or inline");
	vt_cfg.inline_writes = v && !strcmp(v, "inline");
	v = getenv("VT_CLOCK");
	if (v && *v && strcmp(v, "tsc") && strcmp(v, "ns"))
		bad("VT_CLOCK", v, "expected tsc or ns");
	v = getenv("VT_LOG");
	if (v && *v && strcmp(v, "stderr"))
		snprintf(vt_cfg.log, sizeof(vt_cfg.log), "%s", v);
	v = getenv("VT_MODE");
	if (v && *v && strcmp(v, "ring") && strcmp(v, "stream"))
		bad("VT_MODE", v, "expected stream or ring");
	vt_cfg.ring = v && !strcmp(v, "ring");
	vt_cfg.ring_size = env_size("VT_RING_SIZE", 64u << 20, 64u << 10, (size_t)1 << 40);
	vt_cfg.dump_on_error = env_bool("VT_DUMP_ON_ERROR", 0);
	v = getenv("VT_START");
	if (v && *v && strcmp(v, "signal") && strcmp(v, "now"))
		bad("VT_START", v, "expected now or signal");
	vt_cfg.start_signal = v && !strcmp(v, "signal");
	vt_cfg.signum = env_signal("VT_SIGNAL", SIGUSR2);
	vt_cfg.delay_ns = env_time("VT_DELAY");
	vt_cfg.duration_ns = env_time("VT_DURATION");
	vt_cfg.max_size = env_size("VT_MAX_SIZE", 0, 1u << 16, (size_t)1 << 50);
	v = getenv("VT_PROCESSES");
	if (v)
		snprintf(vt_cfg.processes, sizeof(vt_cfg.processes), "%s", v);
	vt_cfg.log_args = env_bool("VT_LOG_ARGS", 0);
	vt_cfg.log_return = env_bool("VT_LOG_RETURN", 0);
	vt_cfg.repr_max = env_size("VT_REPR_MAX", 256, 8, 65536);
	vt_cfg.max_depth = env_count("VT_MAX_DEPTH", 0, 1, 100000,
				     "expected a number of frames, 1 to 100000");
	vt_cfg.min_dur_ns = env_time("VT_MIN_DURATION");
	vt_cfg.ignore_frozen = env_bool("VT_IGNORE_FROZEN", 0);
	vt_cfg.log_exceptions = env_bool("VT_LOG_EXCEPTIONS", 0);
	vt_cfg.log_gc = env_bool("VT_LOG_GC", 0);
}

static void atfork_child(void)
{
	vt_pid = getpid();
	vt_token = vt_mono_ns();
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
VT_STARTUP __attribute__((constructor)) static void vt_init(void)
{
	int saved = errno, python = vt_python_present();

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

/* _exit/_Exit: destructors do not run, so flush here (os._exit goes through this). */
void vt_before_uexit(int status)
{
	int saved = errno;

	if (vt_state == VT_ST_TRACING && getpid() == vt_pid) {
		vt_native_restore();
		vt_flush_all(VT_END_UEXIT, 0);
		vt_proc_exit(VT_EXIT_CODE, status);
	}
	errno = saved;
}

/* exec: the image and its buffers are about to vanish; write out what is buffered. */
void vt_before_exec(void)
{
	int saved = errno;

	if (vt_state == VT_ST_TRACING && getpid() == vt_pid) {
		vt_flush_all(VT_END_EXEC, 0);
		vt_proc_exit(VT_EXIT_EXEC, 0);
	}
	errno = saved;
}

void vt_note_child(pid_t child)
{
	struct vt_thread *t = vt_t;

	if (vt_state != VT_ST_TRACING || getpid() != vt_pid || !t || t->dead || !vt_room(t, 0))
		return;
	{
		uint64_t c = vt_now(), dt = c > t->last ? c - t->last : 0;

		if (c > t->last)
			t->last = c;
		t->pos = (size_t)(vt_put_fork(t->buf + t->pos, dt, (uint32_t)child) - t->buf);
	}
}

void vt_exit_real(int status)
{
	if (vt_real__exit)
		vt_real__exit(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}
