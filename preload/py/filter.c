/*
 * filter.c - which events are recorded: the start gate (CPython's own preamble before the
 * user's code is left out) and the recorder-side filters (VT_INCLUDE_FILES,
 * VT_EXCLUDE_FILES, VT_MAX_DEPTH, VT_IGNORE_FROZEN). All behind py_f.slow on the hot path.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload/py/py.h"

/* recorder-side filters (VT_INCLUDE_FILES, VT_EXCLUDE_FILES, VT_MAX_DEPTH, VT_IGNORE_FROZEN) */

/* does @file start with one of the prefixes in @list (separated by ':' or ',')? */
static int path_in(const char *file, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ":,");

		if (n && !strncmp(file, p, n))
			return 1;
		p += n;
		p += *p != 0;
	}
	return 0;
}

/* the filter flags of a Python function, decided once when its code object is interned */
uint8_t filter_flags(const char *file)
{
	static char cwd[1024];
	char norm[4096];

	if (vt_cfg.ignore_frozen && !strncmp(file, "<frozen", 7))
		return VT_DEFF_SKIP;
	if (!vt_cfg.exclude[0] && !vt_cfg.include[0])
		return 0;
	/* the prefixes are absolute and normalised: so is the name they are matched with
	 * ("/app/../lib/x.py", "./x.py", or a relative name of 3.8's __main__) */
	if (file[0] && file[0] != '/' && file[0] != '<' && !cwd[0] && !getcwd(cwd, sizeof(cwd)))
		cwd[0] = 0;
	if (vt_path_norm(norm, sizeof(norm), cwd, file, strlen(file)) == 0)
		file = norm;
	if (vt_cfg.exclude[0] && path_in(file, vt_cfg.exclude))
		return VT_DEFF_SKIP;
	if (vt_cfg.include[0] && !path_in(file, vt_cfg.include))
		return VT_DEFF_HIDE;
	return 0;
}

/*
 * A C call belongs to the Python frame that makes it: it is recorded only when that frame
 * is. That frame is the newest one open (only Python code makes the calls that the hooks
 * report), so its verdict is at fstack[d - 1]; at depth 0 vt has not seen it enter
 * (tracing started under it, or the start gate opened deeper down) and rec_ccall left its
 * code's verdict in t->c_top.
 */
static int filter_call(struct vt_thread *t, uint32_t id, int is_c)
{
	uint32_t d = t->fdepth++;
	int rec = 1;

	if (!t->fstack)
		t->fstack = calloc(VT_FILTER_MAX, 1); /* once per thread; NULL: all recorded */
	if (t->skip_from)
		rec = 0;
	else if (is_c)
		rec = !d ? t->c_top : d - 1 < VT_FILTER_MAX && t->fstack ? t->fstack[d - 1] : 1;
	else if (vt_def(id)->flags & VT_DEFF_SKIP)
		rec = 0, t->skip_from = d + 1;
	else if (vt_def(id)->flags & VT_DEFF_HIDE)
		rec = 0;
	if (rec && vt_cfg.max_depth && d >= vt_cfg.max_depth)
		rec = 0;
	if (d < VT_FILTER_MAX && t->fstack)
		t->fstack[d] = (uint8_t)rec;
	return rec;
}

static int filter_ret(struct vt_thread *t)
{
	uint32_t d;

	if (!t->fdepth)
		return 1; /* a frame from before tracing began: the converter drops it */
	d = --t->fdepth;
	if (t->skip_from == d + 1)
		t->skip_from = 0;
	return d < VT_FILTER_MAX && t->fstack ? t->fstack[d] : 1;
}


/*
 * The start gate. CPython runs a little of its own code between the cpython.run_* event
 * and the user's first line (the __main__ loader for a script, linecache for -c on 3.13,
 * site's readline hook before the prompt). Calls at the top level are dropped, with all
 * they call, until one whose code comes from the user's source: the script's file,
 * "<string>", or for the prompt "<stdin>" (numbered from 3.13 on) or "<python-input-N>".
 * After a few top-level calls that do not match, the gate opens anyway: better a few
 * extra calls than a lost trace. A match deeper down opens it too: 3.13's PyREPL runs the
 * user's input from inside its own loop.
 */

void slow_update(void)
{
	py_f.filtering = vt_cfg.include[0] || vt_cfg.exclude[0] || vt_cfg.max_depth ||
		      vt_cfg.ignore_frozen;
	py_f.slow = py_f.gate != GATE_NONE || vt_cfg.ring || py_f.filtering;
	vt_native_live(py_h.recording && !py_f.slow);
}

static int gate_match(uint32_t id)
{
	const char *f = vt_def(id)->file;
	size_t fl = vt_def(id)->file_len, gl = strlen(py_f.gate_file);

	if (vt_def(id)->kind != VT_DEF_PY)
		return 0;
	/* each statement typed is compiled on its own: <stdin> (3.8-3.12), <stdin>-N (3.13.0),
	 * <stdin-N> (later 3.13, 3.14, 3.15), <python-input-N> (PyREPL, 3.13 on) */
	if (py_f.gate == GATE_PROMPT)
		return !strncmp(f, "<stdin", 6) || !strncmp(f, "<python-input-", 14);
	/* a module body at the top is the user's, however its path was spelled (./x.py,
	 * ../x.py, a symlink: CPython may have made it absolute) */
	if (!py_f.gate_depth && vt_def(id)->name_len == 8 && !memcmp(vt_def(id)->name, "<module>", 8))
		return 1;
	if (fl == gl && !memcmp(f, py_f.gate_file, gl))
		return 1;
	/* a relative path on the command line, made absolute in co_filename */
	return py_f.gate_file[0] != '/' && fl > gl && f[fl - gl - 1] == '/' &&
	       !memcmp(f + fl - gl, py_f.gate_file, gl);
}

/*
 * CPython's own preamble between the run event and the user's code: importlib (frozen),
 * linecache (3.13's -c) and site (the prompt's readline hook). Any other call at the top
 * opens a file gate: a zipapp or anything else run through runpy is traced from there,
 * rather than risk dropping the user's whole program.
 */
static int preamble(uint32_t id)
{
	const char *f = vt_def(id)->file;
	size_t n = vt_def(id)->file_len;

	static const char lc[] = "/linecache.py", site[] = "/site.py";

	return !strncmp(f, "<frozen", 7) ||
	       (n >= sizeof(lc) - 1 && !strcmp(f + n - (sizeof(lc) - 1), lc)) ||
	       (n >= sizeof(site) - 1 && !strcmp(f + n - (sizeof(site) - 1), site));
}

/* 1 when this call is recorded; @is_c: a C call */
int call_allowed(struct vt_thread *t, uint32_t id, int is_c)
{
	if (py_f.gate) {
		/* the user's code may start deep inside the REPL's own (3.13's PyREPL) */
		if (gate_match(id) || (!py_f.gate_depth && (++py_f.gate_skips > 8 ||
							 (py_f.gate == GATE_FILE && !preamble(id))))) {
			py_f.gate = GATE_NONE;
			slow_update();
		} else {
			py_f.gate_depth++;
			return 0;
		}
	}
	if (py_f.filtering)
		return filter_call(t, id, is_c);
	return 1;
}

int ret_allowed(struct vt_thread *t)
{
	if (py_f.gate) {
		if (py_f.gate_depth)
			py_f.gate_depth--;
		return 0;
	}
	if (py_f.filtering)
		return filter_ret(t);
	return 1;
}

