/*
 * gotwatch.c - preloaded after libvt.so by tests/native/run.sh. Says whether this
 * object's GOT entry for write() holds libc's write: while the program runs
 * (gotwatch_patched(), called through ctypes: 1 when vt traces write) and from its
 * destructor, which the loader runs after libvt.so's, once vt has finished: the entry
 * must be libc's again, and the write() made there must work.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void *, size_t);

/* built with -fPIC -O0: the address of write is read from this object's GOT */
int gotwatch_patched(void)
{
	write_fn got = write;

	return (void *)got != dlsym(RTLD_DEFAULT, "write");
}

__attribute__((destructor)) static void gotwatch_fini(void)
{
	static const char restored[] = "gotwatch: write is libc's again at exit\n";
	static const char patched[] = "gotwatch: write is still patched at exit\n";
	const char *m = gotwatch_patched() ? patched : restored;

	write(1, m, strlen(m));
}
