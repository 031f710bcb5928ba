/*
 * interpose.c - the only file that exports symbols from libvt.so.
 *
 * - Py_Initialize, Py_InitializeEx, Py_InitializeFromConfig: programs that embed Python
 *   raise no cpython.run_* audit event, so tracing starts when these return. With
 *   semantic interposition they nest (Py_Initialize -> Py_InitializeEx -> ...), hence
 *   the depth counter; with -fno-semantic-interposition only the outer call is seen.
 * - Py_BytesMain, Py_Main, Py_RunMain: mark the python launcher (whose own internal
 *   init must not start tracing before site runs) and catch its exit status.
 * - _exit, _Exit: os._exit skips destructors; flush first.
 * - execve, execv, execvp, execvpe, fexecve: flush before the image is replaced, and put
 *   LD_PRELOAD and the VT_* settings back into the new environment when the caller left
 *   them out (env -i, a launcher that cleans its environment), unless
 *   VT_FOLLOW_CHILDREN=0. This also happens in processes that are not Python (bash, env),
 *   so that a Python started through them is traced.
 * - fork, posix_spawn, posix_spawnp: note the child's pid in the parent's stream, so the
 *   converter can draw where each child came from. (vfork cannot be wrapped: the child
 *   would return through a frame the parent still needs.)
 *
 * Every wrapper keeps errno as the real function leaves it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <wchar.h>

#include "preload/vt.h"


/* the real _exit (the constructor looks it up first thing) */
void (*vt_real__exit)(int) __attribute__((noreturn));

/* _exit/_Exit: destructors do not run, so flush here (os._exit goes through this). */
static void before_uexit(int status)
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
static void before_exec(void)
{
	int saved = errno;

	if (vt_state == VT_ST_TRACING && getpid() == vt_pid) {
		vt_flush_all(VT_END_EXEC, 0);
		vt_proc_exit(VT_EXIT_EXEC, 0);
	}
	errno = saved;
}

static void note_child(pid_t child)
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

static void __attribute__((noreturn)) exit_real(int status)
{
	if (vt_real__exit)
		vt_real__exit(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

/* PyStatus, by value, as in CPython 3.8-3.13 */
struct vt_pystatus {
	int type;
	const char *func;
	const char *err_msg;
	int exitcode;
};

/*
 * The real exec functions, resolved in the constructor: a vfork child (subprocess) calls
 * execv once per PATH entry, and dlsym there could block on a loader lock held by a
 * thread of the suspended parent.
 */
static void *real_execve, *real_execv, *real_execvp, *real_execvpe, *real_fexecve, *real_fork,
	*real_posix_spawn, *real_posix_spawnp;
#define VT_VARS_MAX 32
/* what every process keeps from its start for its children, in one page: a first touch
 * of each page is a page fault in every process under LD_PRELOAD */
static struct {
	/* this library's path, for LD_PRELOAD in children's environments */
	char libpath[2048];
	/* the VT_* settings this process started with: `env -i` clears environ before its
	 * exec; copied (a program may rewrite its environment's strings, as setproctitle
	 * does) into store, or with strdup when they do not fit */
	char *vars[VT_VARS_MAX + 1];
	char store[4096 - 2048 - (VT_VARS_MAX + 1) * sizeof(char *)];
} g_start __attribute__((aligned(4096)));
#define g_libpath g_start.libpath
#define g_vt_vars g_start.vars

VT_STARTUP void vt_interpose_resolve(void)
{
	Dl_info di;

	real_execve = dlsym(RTLD_NEXT, "execve");
	real_execv = dlsym(RTLD_NEXT, "execv");
	real_execvp = dlsym(RTLD_NEXT, "execvp");
	real_execvpe = dlsym(RTLD_NEXT, "execvpe");
	real_fexecve = dlsym(RTLD_NEXT, "fexecve");
	real_fork = dlsym(RTLD_NEXT, "fork");
	real_posix_spawn = dlsym(RTLD_NEXT, "posix_spawn");
	real_posix_spawnp = dlsym(RTLD_NEXT, "posix_spawnp");
	/* no snprintf or malloc here (more pages to fault in, and a heap to set up) */
	if (dladdr((void *)vt_interpose_resolve, &di) && di.dli_fname && di.dli_fname[0] == '/' &&
	    strlen(di.dli_fname) < sizeof(g_libpath))
		memcpy(g_libpath, di.dli_fname, strlen(di.dli_fname) + 1);
	for (size_t i = 0, n = 0, used = 0; environ && environ[i] && n < VT_VARS_MAX; i++) {
		size_t len = strlen(environ[i]) + 1;

		if (strncmp(environ[i], "VT_", 3) || !strchr(environ[i], '='))
			continue;
		if (used + len <= sizeof(g_start.store)) {
			g_vt_vars[n] = memcpy(g_start.store + used, environ[i], len);
			used += len;
		} else {
			g_vt_vars[n] = strdup(environ[i]);
		}
		if (g_vt_vars[n])
			n++;
	}
}

/* Entries a repaired environment may hold; beyond that it is passed on unchanged. */
#define ENV_MAX 1024

struct env_fix {
	char *envp[ENV_MAX + 40];
	char preload[sizeof(g_libpath) + 4096];
};

static int env_has(char *const envp[], const char *entry)
{
	size_t klen = (size_t)(strchr(entry, '=') - entry) + 1;

	for (size_t i = 0; envp[i]; i++)
		if (!strncmp(envp[i], entry, klen))
			return 1;
	return 0;
}

/*
 * fix_env - @envp with LD_PRELOAD naming this library and every VT_* variable this process
 * started with, or @envp itself when nothing is missing (or it cannot be repaired). No
 * malloc: this runs in vfork children. Storage comes from @fx.
 */
static char *const *fix_env(char *const envp[], struct env_fix *fx)
{
	const char *old = NULL;
	size_t n = 0, i;
	int missing = 0;

	if (!vt_cfg.follow || !g_libpath[0] || !envp)
		return envp;
	for (i = 0; envp[i]; i++) {
		if (!strncmp(envp[i], "LD_PRELOAD=", 11))
			old = envp[i] + 11;
	}
	if (i >= ENV_MAX)
		return envp;
	if (!old || !strstr(old, g_libpath))
		missing = 1;
	for (i = 0; g_vt_vars[i] && !missing; i++)
		if (!env_has(envp, g_vt_vars[i]))
			missing = 1;
	if (!missing)
		return envp;
	if (old && *old)
		snprintf(fx->preload, sizeof(fx->preload), "LD_PRELOAD=%s:%s", g_libpath, old);
	else
		snprintf(fx->preload, sizeof(fx->preload), "LD_PRELOAD=%s", g_libpath);
	for (i = 0; envp[i]; i++)
		if (strncmp(envp[i], "LD_PRELOAD=", 11))
			fx->envp[n++] = envp[i];
	fx->envp[n++] = fx->preload;
	for (i = 0; g_vt_vars[i] && n < ENV_MAX + 38; i++)
		if (!env_has(envp, g_vt_vars[i]))
			fx->envp[n++] = g_vt_vars[i];
	fx->envp[n] = NULL;
	return fx->envp;
}

#define REAL(type, name) ((type)dlsym(RTLD_NEXT, name))
/* an exec function: from the constructor, or looked up if it has not run yet */
#define REAL_EXEC(type, var, name) ((type)(var ? var : (var = dlsym(RTLD_NEXT, name))))

/* the interposed API, declared here because Python.h is not used */
VT_EXPORT void Py_Initialize(void);
VT_EXPORT void Py_InitializeEx(int initsigs);
VT_EXPORT struct vt_pystatus Py_InitializeFromConfig(const void *config);
VT_EXPORT int Py_BytesMain(int argc, char **argv);
VT_EXPORT int Py_Main(int argc, wchar_t **argv);
VT_EXPORT int Py_RunMain(void);

static void init_enter(void)
{
	vt_in_init++;
}

static void init_leave(void)
{
	if (--vt_in_init == 0)
		vt_python_embed_init_done();
}

VT_EXPORT void Py_Initialize(void)
{
	void (*real)(void) = REAL(void (*)(void), "Py_Initialize");

	if (!real)
		return;
	init_enter();
	real();
	init_leave();
}

VT_EXPORT void Py_InitializeEx(int initsigs)
{
	void (*real)(int) = REAL(void (*)(int), "Py_InitializeEx");

	if (!real)
		return;
	init_enter();
	real(initsigs);
	init_leave();
}

VT_EXPORT struct vt_pystatus Py_InitializeFromConfig(const void *config)
{
	struct vt_pystatus (*real)(const void *) =
		REAL(struct vt_pystatus (*)(const void *), "Py_InitializeFromConfig");
	struct vt_pystatus st = { 2, "Py_InitializeFromConfig", "vt: no real function", 1 };
	int saved;

	if (!real)
		return st;
	init_enter();
	st = real(config);
	saved = errno;
	init_leave();
	errno = saved;
	return st;
}

static int launcher_done(int code)
{
	vt_exit_code = code;
	vt_exit_code_known = 1;
	return code;
}

VT_EXPORT int Py_BytesMain(int argc, char **argv)
{
	int (*real)(int, char **) = REAL(int (*)(int, char **), "Py_BytesMain");

	vt_launcher = 1;
	if (!real)
		return 1;
	return launcher_done(real(argc, argv));
}

VT_EXPORT int Py_Main(int argc, wchar_t **argv)
{
	int (*real)(int, wchar_t **) = REAL(int (*)(int, wchar_t **), "Py_Main");

	vt_launcher = 1;
	if (!real)
		return 1;
	return launcher_done(real(argc, argv));
}

VT_EXPORT int Py_RunMain(void)
{
	int (*real)(void) = REAL(int (*)(void), "Py_RunMain");

	if (!real)
		return 1;
	return launcher_done(real());
}

VT_EXPORT void _exit(int status)
{
	before_uexit(status);
	exit_real(status);
}

VT_EXPORT void _Exit(int status)
{
	before_uexit(status);
	exit_real(status);
}

VT_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	int (*real)(const char *, char *const[], char *const[]) =
		REAL_EXEC(int (*)(const char *, char *const[], char *const[]), real_execve, "execve");
	struct env_fix fx;

	before_exec();
	return real(path, argv, fix_env(envp, &fx));
}

VT_EXPORT int execv(const char *path, char *const argv[])
{
	int (*real)(const char *, char *const[], char *const[]) =
		REAL_EXEC(int (*)(const char *, char *const[], char *const[]), real_execve, "execve");
	struct env_fix fx;

	before_exec();
	return real(path, argv, fix_env(environ, &fx));
}

VT_EXPORT int execvp(const char *file, char *const argv[])
{
	int (*real)(const char *, char *const[], char *const[]) =
		REAL_EXEC(int (*)(const char *, char *const[], char *const[]), real_execvpe, "execvpe");
	struct env_fix fx;

	before_exec();
	return real(file, argv, fix_env(environ, &fx));
}

VT_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	int (*real)(const char *, char *const[], char *const[]) =
		REAL_EXEC(int (*)(const char *, char *const[], char *const[]), real_execvpe, "execvpe");
	struct env_fix fx;

	before_exec();
	return real(file, argv, fix_env(envp, &fx));
}

VT_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	int (*real)(int, char *const[], char *const[]) =
		REAL_EXEC(int (*)(int, char *const[], char *const[]), real_fexecve, "fexecve");
	struct env_fix fx;

	before_exec();
	return real(fd, argv, fix_env(envp, &fx));
}

VT_EXPORT pid_t fork(void)
{
	pid_t (*real)(void) = REAL_EXEC(pid_t (*)(void), real_fork, "fork");
	pid_t pid = real();

	if (pid > 0) {
		int saved = errno;

		note_child(pid);
		errno = saved;
	}
	return pid;
}

typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			const posix_spawnattr_t *, char *const[], char *const[]);

static int spawn(spawn_fn real, pid_t *pid, const char *path,
		 const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		 char *const argv[], char *const envp[])
{
	struct env_fix fx;
	pid_t child = 0;
	int rc = real(&child, path, fa, attr, argv, fix_env(envp, &fx));

	if (rc == 0) {
		int saved = errno;

		if (pid)
			*pid = child;
		note_child(child);
		errno = saved;
	}
	return rc;
}

VT_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			  const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn(REAL_EXEC(spawn_fn, real_posix_spawn, "posix_spawn"), pid, path, fa, attr,
		     argv, envp);
}

VT_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return spawn(REAL_EXEC(spawn_fn, real_posix_spawnp, "posix_spawnp"), pid, file, fa, attr,
		     argv, envp);
}
