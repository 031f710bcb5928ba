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
 * - execve, execv, execvp, execvpe, fexecve: flush before the image is replaced.
 *
 * Every wrapper keeps errno as the real function leaves it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>
#include <wchar.h>

#include "preload/vt.h"


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
static void *real_execve, *real_execv, *real_execvp, *real_execvpe, *real_fexecve;

void vt_interpose_resolve(void)
{
	real_execve = dlsym(RTLD_NEXT, "execve");
	real_execv = dlsym(RTLD_NEXT, "execv");
	real_execvp = dlsym(RTLD_NEXT, "execvp");
	real_execvpe = dlsym(RTLD_NEXT, "execvpe");
	real_fexecve = dlsym(RTLD_NEXT, "fexecve");
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
	vt_before_uexit(status);
	vt_exit_real(status);
}

VT_EXPORT void _Exit(int status)
{
	vt_before_uexit(status);
	vt_exit_real(status);
}

VT_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	int (*real)(const char *, char *const[], char *const[]) =
		REAL_EXEC(int (*)(const char *, char *const[], char *const[]), real_execve, "execve");

	vt_before_exec();
	return real(path, argv, envp);
}

VT_EXPORT int execv(const char *path, char *const argv[])
{
	int (*real)(const char *, char *const[]) =
		REAL_EXEC(int (*)(const char *, char *const[]), real_execv, "execv");

	vt_before_exec();
	return real(path, argv);
}

VT_EXPORT int execvp(const char *file, char *const argv[])
{
	int (*real)(const char *, char *const[]) =
		REAL_EXEC(int (*)(const char *, char *const[]), real_execvp, "execvp");

	vt_before_exec();
	return real(file, argv);
}

VT_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	int (*real)(const char *, char *const[], char *const[]) =
		REAL_EXEC(int (*)(const char *, char *const[], char *const[]), real_execvpe, "execvpe");

	vt_before_exec();
	return real(file, argv, envp);
}

VT_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	int (*real)(int, char *const[], char *const[]) =
		REAL_EXEC(int (*)(int, char *const[], char *const[]), real_fexecve, "fexecve");

	vt_before_exec();
	return real(fd, argv, envp);
}
