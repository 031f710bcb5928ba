/*
 * sources.h - the source files of a trace's Python functions, embedded in the HTML viewer
 * (shown beside a clicked call). sink-html.c names the files as functions are defined;
 * at the end the files are read, each up to VT_SOURCE_FILE_MAX and all up to a total cap,
 * and what is left out is said in the page and in one warning.
 */
#ifndef VT_TOOLS_SOURCES_H
#define VT_TOOLS_SOURCES_H

#include <stddef.h>

#include "tools/html.h"

/* one file's cap: bigger ones are left out (said) */
#define VT_SOURCE_FILE_MAX (1u << 20)
/* all files' cap by default (vt-convert --sources-max) */
#define VT_SOURCES_MAX_DEFAULT (16u << 20)

struct vt_sources;

/** vt_sources_new - an empty set of files, @total_max bytes of text at most. */
struct vt_sources *vt_sources_new(size_t total_max);
/** vt_sources_want - the file of a function at @loc ("file:line"); names in <> are none. */
void vt_sources_want(struct vt_sources *s, const char *loc);
/** vt_sources_write - read the files, in path order, into @h; warns about those left out. */
void vt_sources_write(struct vt_sources *s, struct vt_html *h);
void vt_sources_free(struct vt_sources *s);

#endif /* VT_TOOLS_SOURCES_H */
