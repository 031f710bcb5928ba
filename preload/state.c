/*
 * state.c - the process-wide configuration and state that every layer reads: the VT_*
 * settings (filled by init.c), the tracing state, the process's identity and clock
 * anchors, the Python version. Data only.
 *
 * Layer: the bottom: it calls nothing.
 */
#include "preload/vt.h"

struct vt_config vt_cfg;
volatile int vt_state = VT_ST_INERT;
pid_t vt_pid;
uint64_t vt_token;
uint64_t vt_clock0, vt_mono0, vt_real0;
int vt_exit_code_known;
int vt_exit_code;
char vt_pyversion[32];
int vt_windowed;
/* Python threads run in parallel: a free-threaded build (vt.h) */
int vt_parallel;
