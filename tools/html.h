/*
 * html.h - writes the self-contained offline viewer: one HTML file holding viewer/ and the
 * trace in a compact columnar form (see viewer/README.md for the embedded format).
 *
 * vt-convert calls these in this order: vt_html_open, then any number of process, thread,
 * slice, instant, counter and flow calls (slices of one thread arrive in order of their
 * end time, threads one after another), then vt_html_close. Strings are copied.
 */
#ifndef VT_TOOLS_HTML_H
#define VT_TOOLS_HTML_H

#include <stddef.h>
#include <stdint.h>

struct vt_html;

/* slice flags */
#define VT_HTML_C 1           /* a C function (cat "c"), else Python */
#define VT_HTML_EXCEPTION 2   /* left by an exception */
#define VT_HTML_UNFINISHED 4  /* still open when the stream ended */
#define VT_HTML_YIELD 8       /* a generator suspension */
#define VT_HTML_CUT 16        /* began before the flight recorder's window: drawn from its edge */

/** vt_html_open - start an HTML output at @path. NULL with errno on failure. */
struct vt_html *vt_html_open(const char *path);

/** vt_html_process - a process track: name (command line), order among processes, label. */
void vt_html_process(struct vt_html *h, uint64_t pid, const char *name, int sort_index,
		     const char *label);

/** vt_html_thread - a thread track of process @pid. */
void vt_html_thread(struct vt_html *h, uint64_t pid, uint64_t tid, const char *name);

/**
 * vt_html_slice - one call: @start_ns relative to the trace origin, @dur_ns, the function's
 * @name, @loc ("file:line", or NULL for C functions) and VT_HTML_* @flags.
 */
void vt_html_slice(struct vt_html *h, uint64_t pid, uint64_t tid, const char *name,
		   const char *loc, uint64_t start_ns, uint64_t dur_ns, unsigned flags);

/**
 * vt_html_slice_args - the arguments of the slice given last to vt_html_slice, as a JSON
 * object text (@args, e.g. {"func_args":{"n":"5"},"return_value":"8"}); shown in the
 * details pane. Called only for slices that have any.
 */
void vt_html_slice_args(struct vt_html *h, const char *args);

/** vt_html_instant - an instant marker (vt's notes, process starts, exec). */
void vt_html_instant(struct vt_html *h, uint64_t pid, uint64_t tid, uint64_t ns,
		     const char *name);

/** vt_html_counter - one sample of a counter track @name of process @pid. */
void vt_html_counter(struct vt_html *h, uint64_t pid, const char *name, uint64_t ns,
		     double value);

/** vt_html_flow - an arrow from (pid, tid, ns) to (pid2, tid2, ns2). */
void vt_html_flow(struct vt_html *h, uint64_t pid, uint64_t tid, uint64_t ns, uint64_t pid2,
		  uint64_t tid2, uint64_t ns2);

/** vt_html_source - the text of the source file @path (@len bytes), shown beside its calls. */
void vt_html_source(struct vt_html *h, const char *path, const char *text, size_t len);

/** vt_html_source_left_out - the source of @path is not in the page, and @why. */
void vt_html_source_left_out(struct vt_html *h, const char *path, const char *why);

/**
 * vt_html_wrap - write the viewer with @data (@len bytes: a Chrome JSON file, plain or
 * gzip) in the place of the trace: the page opens it as it opens a picked file.
 * Returns 0, or -1 with errno.
 */
int vt_html_wrap(const char *path, const char *title, const uint8_t *data, size_t len);

/**
 * vt_html_close - write the file and free @h. @title names the trace. Returns 0, or -1
 * with errno when writing failed.
 */
int vt_html_close(struct vt_html *h, const char *title);

#endif /* VT_TOOLS_HTML_H */
