/*
 * state.c - the state the files of preload/py/ share (declared in py.h): defined here, at
 * the bottom, so that a file that reads it depends on no file above its own layer.
 */
#include "preload/py/py.h"

/* the start gate and the filters (filter.c) */
struct py_filter py_f;
/* the hook in use and the recording window (hook.c, install.c) */
struct py_hooks py_h;
/* sys.monitoring (hook-monitoring.c, coexist.c) */
struct py_mon py_m = { .tool = -1 };
/* the _vt functions (module.c sets them, names.c reads them) */
struct py_own_defs py_own;
/* this thread is calling PyEval_SetProfile itself (hook-profile.c, coexist.c) */
__thread int py_own_setprofile;
