/*
 * native.c - native calls on the timeline (VT_NATIVE), through libffi closures in GOTs.
 *
 *   VT_NATIVE="read write open:libc; deflate:libz; myfunc(int,ptr,size)->ssize:libfoo"
 *
 * Each function named is looked up in the library given (a loaded object whose file name
 * starts with it: libc matches libc.so.6) and gets a libffi closure with its signature,
 * from the table below or from the user. Every loaded object that calls it through its
 * GOT (the interpreter, extension modules, other libraries; objects loaded later through
 * dlopen too) gets the closure's address in that GOT slot. The closure records a native
 * call on the calling thread's stream (a C call of a NATIVE definition: it nests under
 * the Python frame or builtin that made it), calls the function with the same cif,
 * records the return and leaves errno as the callee left it. Slots that no traced
 * function uses are never touched, so untraced calls cost nothing. At exit the original
 * entries are put back.
 *
 * A native call can come without the GIL (os.read releases it). The thread's own buffer
 * is written then too: other threads write into it only with the GIL held (pause, flush,
 * exit), and take the buffer's small lock (vt_xlock) for that, as the closure does. Such
 * an event is skipped when the thread has work pending that needs Python (its name, a
 * fork child's stack) or when filters or the flight recorder are on.
 *
 * The signatures cannot be checked: a wrong one passes wrong arguments. The table holds
 * only signatures known to be right for glibc and zlib on x86-64.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <ffi.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "preload/vt.h"

#define NATIVE_MAX 64
#define ARGS_MAX 10

/* argument and return types */
enum ntype { T_VOID, T_INT, T_UINT, T_LONG, T_ULONG, T_SIZE, T_SSIZE, T_PTR, T_DOUBLE };

static const struct {
	const char *name;
	enum ntype type;
} g_types[] = {
	{ "void", T_VOID }, { "int", T_INT }, { "uint", T_UINT }, { "long", T_LONG },
	{ "ulong", T_ULONG }, { "size", T_SIZE }, { "ssize", T_SSIZE }, { "ptr", T_PTR },
	{ "str", T_PTR }, { "double", T_DOUBLE }, { "i32", T_INT }, { "u32", T_UINT },
	{ "i64", T_LONG }, { "u64", T_ULONG },
};

/*
 * Signatures known to be right (glibc and zlib, x86-64): "(type name, ...)->type"; a
 * "..." before the last argument marks where a variadic function's fixed ones end.
 */
static const struct {
	const char *name, *sig;
} g_known[] = {
	{ "read", "(int fd, ptr buf, size n)->ssize" },
	{ "write", "(int fd, ptr buf, size n)->ssize" },
	{ "pread", "(int fd, ptr buf, size n, long off)->ssize" },
	{ "pread64", "(int fd, ptr buf, size n, long off)->ssize" },
	{ "pwrite", "(int fd, ptr buf, size n, long off)->ssize" },
	{ "pwrite64", "(int fd, ptr buf, size n, long off)->ssize" },
	{ "readv", "(int fd, ptr iov, int iovcnt)->ssize" },
	{ "writev", "(int fd, ptr iov, int iovcnt)->ssize" },
	{ "open", "(ptr path, int flags, ... uint mode)->int" },
	{ "open64", "(ptr path, int flags, ... uint mode)->int" },
	{ "openat", "(int dirfd, ptr path, int flags, ... uint mode)->int" },
	{ "openat64", "(int dirfd, ptr path, int flags, ... uint mode)->int" },
	{ "close", "(int fd)->int" },
	{ "fsync", "(int fd)->int" },
	{ "fdatasync", "(int fd)->int" },
	{ "lseek", "(int fd, long off, int whence)->long" },
	{ "lseek64", "(int fd, long off, int whence)->long" },
	{ "dup", "(int fd)->int" },
	{ "dup2", "(int fd, int fd2)->int" },
	{ "pipe", "(ptr fds)->int" },
	{ "unlink", "(ptr path)->int" },
	{ "mkdir", "(ptr path, uint mode)->int" },
	{ "rmdir", "(ptr path)->int" },
	{ "rename", "(ptr from, ptr to)->int" },
	{ "ftruncate", "(int fd, long len)->int" },
	{ "socket", "(int domain, int type, int protocol)->int" },
	{ "connect", "(int fd, ptr addr, uint len)->int" },
	{ "accept", "(int fd, ptr addr, ptr len)->int" },
	{ "accept4", "(int fd, ptr addr, ptr len, int flags)->int" },
	{ "bind", "(int fd, ptr addr, uint len)->int" },
	{ "listen", "(int fd, int backlog)->int" },
	{ "recv", "(int fd, ptr buf, size n, int flags)->ssize" },
	{ "send", "(int fd, ptr buf, size n, int flags)->ssize" },
	{ "recvfrom", "(int fd, ptr buf, size n, int flags, ptr addr, ptr len)->ssize" },
	{ "sendto", "(int fd, ptr buf, size n, int flags, ptr addr, uint len)->ssize" },
	{ "poll", "(ptr fds, ulong nfds, int timeout)->int" },
	{ "select", "(int nfds, ptr r, ptr w, ptr e, ptr timeout)->int" },
	{ "epoll_wait", "(int epfd, ptr events, int max, int timeout)->int" },
	{ "nanosleep", "(ptr req, ptr rem)->int" },
	{ "clock_nanosleep", "(int clock, int flags, ptr req, ptr rem)->int" },
	{ "getpid", "()->int" },
	{ "getppid", "()->int" },
	{ "fork", "()->int" },
	{ "waitpid", "(int pid, ptr status, int options)->int" },
	{ "deflate", "(ptr strm, int flush)->int" },
	{ "inflate", "(ptr strm, int flush)->int" },
	{ "deflateEnd", "(ptr strm)->int" },
	{ "inflateEnd", "(ptr strm)->int" },
	{ "deflateInit2_", "(ptr strm, int level, int method, int wbits, int memlevel, int strategy, ptr version, int size)->int" },
	{ "inflateInit2_", "(ptr strm, int wbits, ptr version, int size)->int" },
	{ "compress2", "(ptr dest, ptr destlen, ptr src, ulong srclen, int level)->int" },
	{ "uncompress", "(ptr dest, ptr destlen, ptr src, ulong srclen)->int" },
	{ "crc32", "(ulong crc, ptr buf, uint len)->ulong" },
	{ "adler32", "(ulong adler, ptr buf, uint len)->ulong" },
};

struct native {
	char name[64];
	char lib[64];        /* the library's file name starts with this */
	void *real;          /* the function, once its library is loaded */
	ffi_cif cif;
	ffi_type *atypes[ARGS_MAX];
	enum ntype types[ARGS_MAX], rtype;
	char anames[ARGS_MAX][16];
	int nargs, nfixed;   /* nfixed < nargs: variadic */
	ffi_closure *closure;
	void *code;          /* what GOT slots point at */
	uint32_t id;         /* its DEF id, -1 before install */
	int ready;
	char path[256];      /* its library's path, while it is being resolved */
};

static struct native g_nat[NATIVE_MAX];
static int g_nnat;
static int g_on;         /* slots patched: the closures record */
/* the Python hooks record, without filters, the start gate or the flight recorder: set
 * from above (preload/py, vt_native_live), so that this file calls nothing there */
static volatile int g_live;
static pthread_mutex_t g_patch_lock = PTHREAD_MUTEX_INITIALIZER;
static void *(*real_dlopen)(const char *, int);
static __thread int t_busy; /* this thread is inside vt's own recording */

/* patched slots, to put back at exit */
struct patched {
	void **slot;
	void *old;
	int relro;
};
static struct patched *g_slots;
static size_t g_nslots, g_slots_cap;

static ffi_type *ffi_of(enum ntype t)
{
	switch (t) {
	case T_VOID: return &ffi_type_void;
	case T_INT: return &ffi_type_sint32;
	case T_UINT: return &ffi_type_uint32;
	case T_LONG: case T_SSIZE: return &ffi_type_sint64;
	case T_ULONG: case T_SIZE: return &ffi_type_uint64;
	case T_PTR: return &ffi_type_pointer;
	case T_DOUBLE: return &ffi_type_double;
	}
	return &ffi_type_void;
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* a type name at *s; advances; -1 when unknown */
static int parse_type(const char **s, enum ntype *t)
{
	const char *p = skip_ws(*s);
	size_t n = 0;

	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9'))
		n++;
	for (size_t i = 0; i < sizeof(g_types) / sizeof(g_types[0]); i++) {
		if (strlen(g_types[i].name) == n && !strncmp(p, g_types[i].name, n)) {
			*t = g_types[i].type;
			*s = p + n;
			return 0;
		}
	}
	return -1;
}

/* "(type [name], ..., [... type [name]])->type" into @f; 0, or -1 with @why */
static int parse_sig(struct native *f, const char *s, const char **why)
{
	s = skip_ws(s);
	if (*s++ != '(') {
		*why = "a signature starts with '('";
		return -1;
	}
	f->nargs = 0;
	f->nfixed = -1;
	s = skip_ws(s);
	while (*s && *s != ')') {
		if (f->nargs == ARGS_MAX) {
			*why = "more than 10 arguments";
			return -1;
		}
		if (!strncmp(s, "...", 3)) {
			f->nfixed = f->nargs;
			s = skip_ws(s + 3);
		}
		if (parse_type(&s, &f->types[f->nargs]) < 0 || f->types[f->nargs] == T_VOID) {
			*why = "unknown argument type (int uint long ulong size ssize ptr double)";
			return -1;
		}
		s = skip_ws(s);
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_') {
			size_t n = 0;

			while (s[n] && s[n] != ',' && s[n] != ')' && s[n] != ' ' && n < 15)
				n++;
			memcpy(f->anames[f->nargs], s, n);
			f->anames[f->nargs][n] = 0;
			s = skip_ws(s + n);
		} else {
			snprintf(f->anames[f->nargs], sizeof(f->anames[0]), "a%d", f->nargs);
		}
		f->nargs++;
		if (*s == ',')
			s = skip_ws(s + 1);
		else if (*s != ')') {
			*why = "expected ',' or ')' in the signature";
			return -1;
		}
	}
	if (*s++ != ')') {
		*why = "a signature ends with ')'";
		return -1;
	}
	if (f->nfixed < 0)
		f->nfixed = f->nargs;
	f->rtype = T_INT;
	s = skip_ws(s);
	if (!strncmp(s, "->", 2)) {
		s += 2;
		if (parse_type(&s, &f->rtype) < 0) {
			*why = "unknown return type";
			return -1;
		}
	}
	if (*skip_ws(s)) {
		*why = "unexpected text after the signature";
		return -1;
	}
	return 0;
}

int vt_native_parse(const char *spec, char *err, size_t errlen)
{
	const char *p = spec;

	g_nnat = 0;
	while (*p) {
		const char *end = strchr(p, ';'), *colon;
		size_t glen = end ? (size_t)(end - p) : strlen(p);
		char group[1024], *lib, *q;

		if (glen >= sizeof(group)) {
			snprintf(err, errlen, "a group is too long");
			return -1;
		}
		memcpy(group, p, glen);
		group[glen] = 0;
		p += glen + (end ? 1 : 0);
		if (!*skip_ws(group))
			continue;
		/* the library: after the last ':' outside parentheses */
		colon = strrchr(group, ':');
		if (!colon || strchr(colon, ')')) {
			snprintf(err, errlen, "'%.40s' names no library (FUNCS:LIB)", skip_ws(group));
			return -1;
		}
		lib = (char *)skip_ws(colon + 1);
		group[colon - group] = 0;
		for (q = lib + strlen(lib); q > lib && (q[-1] == ' ' || q[-1] == '\t'); q--)
			q[-1] = 0;
		if (!*lib || strlen(lib) >= sizeof(g_nat[0].lib) || strchr(lib, '/')) {
			snprintf(err, errlen, "bad library name '%.40s'", lib);
			return -1;
		}
		/* the functions: separated by spaces outside parentheses */
		q = group;
		while (*(q = (char *)skip_ws(q))) {
			struct native *f;
			size_t n = 0;
			int depth = 0;
			const char *why = NULL;
			char one[512];

			while (q[n] && (depth || (q[n] != ' ' && q[n] != '\t'))) {
				depth += q[n] == '(' ? 1 : q[n] == ')' ? -1 : 0;
				n++;
			}
			if (n >= sizeof(one) || g_nnat == NATIVE_MAX) {
				snprintf(err, errlen, n >= sizeof(one) ? "a function is too long"
								     : "more than 64 functions");
				return -1;
			}
			memcpy(one, q, n);
			one[n] = 0;
			q += n;
			f = &g_nat[g_nnat];
			memset(f, 0, sizeof(*f));
			n = strcspn(one, "(");
			if (!n || n >= sizeof(f->name)) {
				snprintf(err, errlen, "bad function name '%.40s'", one);
				return -1;
			}
			memcpy(f->name, one, n);
			f->name[n] = 0;
			for (size_t i = 0; i < n; i++) {
				char c = f->name[i];

				if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				      (c >= '0' && c <= '9') || c == '_')) {
					snprintf(err, errlen, "bad function name '%.40s'", one);
					return -1;
				}
			}
			if (one[n]) {
				if (parse_sig(f, one + n, &why) < 0) {
					snprintf(err, errlen, "%s: %s", f->name, why);
					return -1;
				}
			} else {
				size_t k;

				for (k = 0; k < sizeof(g_known) / sizeof(g_known[0]); k++)
					if (!strcmp(g_known[k].name, f->name))
						break;
				if (k == sizeof(g_known) / sizeof(g_known[0])) {
					snprintf(err, errlen,
						 "%s: no known signature; give one: %s(int,ptr,size)->ssize",
						 f->name, f->name);
					return -1;
				}
				if (parse_sig(f, g_known[k].sig, &why) < 0) {
					snprintf(err, errlen, "%s: %s", f->name, why);
					return -1;
				}
			}
			snprintf(f->lib, sizeof(f->lib), "%s", lib);
			f->id = UINT32_MAX;
			g_nnat++;
		}
	}
	if (!g_nnat) {
		snprintf(err, errlen, "no function named");
		return -1;
	}
	return 0;
}

/* ---- recording ---- */

/* one argument or return value as text */
static size_t show(char *buf, size_t cap, enum ntype t, const void *v)
{
	switch (t) {
	case T_INT: return (size_t)snprintf(buf, cap, "%d", *(const int32_t *)v);
	case T_UINT: return (size_t)snprintf(buf, cap, "%u", *(const uint32_t *)v);
	case T_LONG: case T_SSIZE: return (size_t)snprintf(buf, cap, "%lld", (long long)*(const int64_t *)v);
	case T_ULONG: case T_SIZE:
		return (size_t)snprintf(buf, cap, "%llu", (unsigned long long)*(const uint64_t *)v);
	case T_PTR: return (size_t)snprintf(buf, cap, "%p", *(void *const *)v);
	case T_DOUBLE: return (size_t)snprintf(buf, cap, "%g", *(const double *)v);
	case T_VOID: break;
	}
	return 0;
}

/* the DEF of @f in @t's stream, from our own copy of its strings (no GIL needed) */
static int define(struct vt_thread *t, const struct native *f)
{
	if (vt_defined(t, f->id))
		return 0;
	return vt_define_with(t, f->id, VT_DEF_NATIVE, f->name, strlen(f->name), f->lib,
			      strlen(f->lib), 0);
}

/* room for a native record: never runs the pending work (it needs the GIL) */
static int native_room(struct vt_thread *t)
{
	if (VT_LIKELY(t->pos < vt_limit(t)))
		return 1;
	if (t->pending || t->in_vt || t->dead || vt_state != VT_ST_TRACING || !vt_limit(t))
		return 0;
	vt_flush(t);
	return t->pos < vt_limit(t);
}

static int native_enter(struct vt_thread *t, const struct native *f, void **args, uint64_t now)
{
	uint64_t dt;
	uint8_t *p;

	if (!native_room(t) || define(t, f) < 0)
		return 0;
	dt = vt_delta(t, now);
	/* by its id, not an alias slot: this may run without the GIL, beside the thread's
	 * own callbacks, which own the slots */
	t->pos = (size_t)(vt_put_call(t->buf + t->pos, VT_REC_CCALL, f->id, dt) - t->buf);
	t->events++;
	if (vt_cfg.native_args && f->nargs) {
		char text[40];

		p = vt_put_args_head(t->buf + t->pos, (uint32_t)f->nargs);
		for (int i = 0; i < f->nargs; i++) {
			size_t n = show(text, sizeof(text), f->types[i], args[i]);

			p = vt_put_kv_text(p, f->anames[i], strlen(f->anames[i]), text, n);
		}
		t->pos = (size_t)(p - t->buf);
	}
	return 1;
}

static void native_leave(struct vt_thread *t, const struct native *f, const void *ret,
			 uint64_t now)
{
	uint64_t dt;

	if (t->dead || t->pos >= vt_cfg.chunk_size - VT_CHUNK_HEADROOM / 2)
		return; /* stopped or full meanwhile: the converter ends the frame */
	if (vt_cfg.native_args && f->rtype != T_VOID) {
		char text[40];
		ffi_arg r = *(const ffi_arg *)ret;
		int32_t r32 = (int32_t)r;
		uint32_t u32 = (uint32_t)r;
		size_t n;

		/* libffi widens a small integer result to ffi_arg */
		if (f->rtype == T_INT)
			n = show(text, sizeof(text), T_INT, &r32);
		else if (f->rtype == T_UINT)
			n = show(text, sizeof(text), T_UINT, &u32);
		else
			n = show(text, sizeof(text), f->rtype, ret);
		t->pos = (size_t)(vt_put_retval(t->buf + t->pos, text, n) - t->buf);
	}
	dt = vt_delta(t, now);
	t->pos = (size_t)(vt_put_dt_rec(t->buf + t->pos, VT_REC_CRET, dt) - t->buf);
	t->events++;
}

static void closure_main(ffi_cif *cif, void *ret, void **args, void *ud)
{
	struct native *f = ud;
	struct vt_thread *t = vt_t;
	int rec = 0, err;

	(void)cif;
	if (t && g_on && !t_busy && vt_state == VT_ST_TRACING && g_live) {
		t_busy = 1;
		vt_xlock(t);
		rec = native_enter(t, f, args, vt_now());
		vt_xunlock(t);
		t_busy = 0;
	}
	ffi_call(&f->cif, FFI_FN(f->real), ret, args);
	err = errno;
	if (rec) {
		uint64_t now = vt_now();

		t_busy = 1;
		vt_xlock(t);
		native_leave(t, f, ret, now);
		vt_xunlock(t);
		t_busy = 0;
	}
	errno = err;
}

/* ---- patching ---- */

static int lib_matches(const char *path, const char *lib)
{
	const char *base = strrchr(path, '/');
	size_t n = strlen(lib);

	base = base ? base + 1 : path;
	return !strncmp(base, lib, n) && (base[n] == '.' || base[n] == '-' || base[n] == 0);
}

/* the loaded object each traced function's library is (its path, in f->path) */
static int find_lib(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	if (!info->dlpi_name || !info->dlpi_name[0])
		return 0;
	for (int i = 0; i < g_nnat; i++)
		if (!g_nat[i].ready && !g_nat[i].path[0] && lib_matches(info->dlpi_name, g_nat[i].lib))
			snprintf(g_nat[i].path, sizeof(g_nat[i].path), "%s", info->dlpi_name);
	return 0;
}

/* resolve the functions whose library is loaded now, and make their closures (outside
 * dl_iterate_phdr, which holds the loader's lock) */
static void make_closures(void)
{
	dl_iterate_phdr(find_lib, NULL);
	for (int i = 0; i < g_nnat; i++) {
		struct native *f = &g_nat[i];
		void *h;

		if (f->ready || !f->path[0])
			continue;
		h = real_dlopen(f->path, RTLD_LAZY | RTLD_NOLOAD);
		f->path[0] = 0;
		if (!h)
			continue;
		f->real = dlsym(h, f->name);
		dlclose(h);
		if (!f->real)
			continue;
		for (int k = 0; k < f->nargs; k++)
			f->atypes[k] = ffi_of(f->types[k]);
		if ((f->nfixed < f->nargs
			     ? ffi_prep_cif_var(&f->cif, FFI_DEFAULT_ABI, (unsigned)f->nfixed,
						(unsigned)f->nargs, ffi_of(f->rtype), f->atypes)
			     : ffi_prep_cif(&f->cif, FFI_DEFAULT_ABI, (unsigned)f->nargs,
					    ffi_of(f->rtype), f->atypes)) != FFI_OK)
			continue;
		f->closure = ffi_closure_alloc(sizeof(ffi_closure), &f->code);
		if (!f->closure)
			continue;
		if (ffi_prep_closure_loc(f->closure, &f->cif, closure_main, f, f->code) != FFI_OK) {
			ffi_closure_free(f->closure);
			f->closure = NULL;
			continue;
		}
		f->ready = 1;
	}
}

static void remember(void **slot, void *old, int relro)
{
	if (g_nslots == g_slots_cap) {
		size_t cap = g_slots_cap ? g_slots_cap * 2 : 64;
		struct patched *n = realloc(g_slots, cap * sizeof(*n));

		if (!n)
			return;
		g_slots = n;
		g_slots_cap = cap;
	}
	g_slots[g_nslots++] = (struct patched){ slot, old, relro };
}

/* store @val in @slot, making a RELRO page writable only for that moment */
static int store_slot(void **slot, void *val, int relro)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *page = (void *)((uintptr_t)slot & ~(uintptr_t)(pg - 1));

	if (relro && mprotect(page, (size_t)pg, PROT_READ | PROT_WRITE) < 0)
		return -1;
	__atomic_store_n(slot, val, __ATOMIC_RELEASE);
	if (relro)
		mprotect(page, (size_t)pg, PROT_READ);
	return 0;
}

/* @p lies in one of the object's loaded segments */
static int in_object(const struct dl_phdr_info *info, const void *p)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (uintptr_t)p >= lo && (uintptr_t)p < lo + ph->p_memsz)
			return 1;
	}
	return 0;
}

static int self_object(const struct dl_phdr_info *info)
{
	Dl_info di;

	return dladdr((void *)vt_native_parse, &di) && di.dli_fbase &&
	       (uintptr_t)di.dli_fbase == (uintptr_t)info->dlpi_addr;
}

/* patch the GOT slots of one loaded object */
static int patch_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	const ElfW(Phdr) *ph = info->dlpi_phdr;
	uintptr_t base = info->dlpi_addr, relro_lo = 0, relro_hi = 0;
	const ElfW(Dyn) *dyn = NULL;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL, *name = info->dlpi_name ? info->dlpi_name : "";
	const ElfW(Rela) *rel[2] = { NULL, NULL };
	size_t relsz[2] = { 0, 0 };

	(void)size;
	(void)arg;
	/* never ourselves (nor the loader, the vDSO, or libffi, which the closures use) */
	if (self_object(info) || strstr(name, "ld-linux") || strstr(name, "linux-vdso") ||
	    strstr(name, "libffi"))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(base + ph[i].p_vaddr);
		else if (ph[i].p_type == PT_GNU_RELRO) {
			relro_lo = base + ph[i].p_vaddr;
			relro_hi = relro_lo + ph[i].p_memsz;
		}
	}
	if (!dyn)
		return 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t v = dyn->d_un.d_ptr;

		/* the loader relocated these in place; in an object it did not, add the base */
		if ((dyn->d_tag == DT_SYMTAB || dyn->d_tag == DT_STRTAB || dyn->d_tag == DT_JMPREL ||
		     dyn->d_tag == DT_RELA) && v < base)
			v += base;
		switch (dyn->d_tag) {
		case DT_SYMTAB: symtab = (const ElfW(Sym) *)v; break;
		case DT_STRTAB: strtab = (const char *)v; break;
		case DT_JMPREL: rel[0] = (const ElfW(Rela) *)v; break;
		case DT_PLTRELSZ: relsz[0] = dyn->d_un.d_val; break;
		case DT_RELA: rel[1] = (const ElfW(Rela) *)v; break;
		case DT_RELASZ: relsz[1] = dyn->d_un.d_val; break;
		}
	}
	if (!symtab || !strtab)
		return 0;
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; rel[k] && i < relsz[k] / sizeof(ElfW(Rela)); i++) {
			const ElfW(Rela) *r = &rel[k][i];
			unsigned type = (unsigned)ELF64_R_TYPE(r->r_info);
			const char *sname;
			void **slot, *cur;
			int relro;

			if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT)
				continue;
			sname = strtab + symtab[ELF64_R_SYM(r->r_info)].st_name;
			for (int n = 0; n < g_nnat; n++) {
				struct native *f = &g_nat[n];

				if (!f->ready || strcmp(f->name, sname))
					continue;
				slot = (void **)(base + r->r_offset);
				cur = *slot;
				if (cur == f->code)
					break; /* done before */
				/* bound to this library's function, or not bound yet (lazy binding:
				 * the slot points back into this object's PLT) and the global scope
				 * would bind it to that function; else something interposes it, and
				 * it is left alone */
				if (cur != f->real && !(in_object(info, cur) &&
							dlsym(RTLD_DEFAULT, f->name) == f->real))
					break;
				relro = (uintptr_t)slot >= relro_lo && (uintptr_t)slot < relro_hi;
				if (store_slot(slot, f->code, relro) == 0)
					remember(slot, cur, relro);
				break;
			}
		}
	}
	return 0;
}

static void patch_all(void)
{
	pthread_mutex_lock(&g_patch_lock);
	make_closures();
	dl_iterate_phdr(patch_object, NULL);
	pthread_mutex_unlock(&g_patch_lock);
}

void vt_native_live(int on)
{
	g_live = on;
}

void vt_native_install(void)
{
	if (!vt_cfg.native[0] || !g_nnat)
		return;
	if (!real_dlopen)
		*(void **)&real_dlopen = dlsym(RTLD_NEXT, "dlopen");
	if (!real_dlopen)
		return;
	for (int i = 0; i < g_nnat; i++) {
		/* a key of our own: the entry of the table */
		int64_t id = vt_intern_add(&g_nat[i], VT_DEF_NATIVE, g_nat[i].name,
					   strlen(g_nat[i].name), g_nat[i].lib, strlen(g_nat[i].lib), 0);

		if (id < 0) {
			vt_log("VT_NATIVE: out of memory; native calls are not recorded");
			return;
		}
		g_nat[i].id = (uint32_t)id;
	}
	g_on = 1;
	patch_all();
}

void vt_native_restore(void)
{
	if (!g_on)
		return;
	pthread_mutex_lock(&g_patch_lock);
	g_on = 0;
	for (size_t i = g_nslots; i-- > 0;)
		store_slot(g_slots[i].slot, g_slots[i].old, g_slots[i].relro);
	g_nslots = 0;
	pthread_mutex_unlock(&g_patch_lock);
}

void vt_native_atfork_child(void)
{
	pthread_mutex_init(&g_patch_lock, NULL);
}

/* dlopen: objects loaded later get their slots patched too */
VT_EXPORT void *dlopen(const char *file, int mode)
{
	void *h;

	if (!real_dlopen)
		*(void **)&real_dlopen = dlsym(RTLD_NEXT, "dlopen");
	if (!real_dlopen)
		return NULL;
	h = real_dlopen(file, mode);
	if (h && g_on) {
		int saved = errno;

		patch_all();
		errno = saved;
	}
	return h;
}
