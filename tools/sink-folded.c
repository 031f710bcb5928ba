/*
 * sink-folded.c - folded stacks for flame graphs ("process [pid]; thread;f;g <ns>"),
 * each stack weighted by the self time of its calls. The stack of a call is known when
 * it starts: each frame keeps its node (enter), and its self time is added at its end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sink.h"
#include "tools/stats.h"
#include "tools/util.h"

struct folded_sink {
	struct vt_sink base;
	struct vt_folded *fo;
	char *out;
};

#define FS(s) ((struct folded_sink *)(s))

static uint32_t folded_root(struct vt_sink *s, uint64_t pid, const char *proc,
			    const char *thread)
{
	char label[320];

	snprintf(label, sizeof(label), "%s [%llu]; %s", proc ? proc : "python",
		 (unsigned long long)pid, thread);
	return vt_folded_root(FS(s)->fo, label);
}

static uint32_t folded_enter(struct vt_sink *s, uint32_t parent, const struct vt_def *d)
{
	return vt_folded_child(FS(s)->fo, parent, d->name);
}

static void folded_slice(struct vt_sink *s, void *local, const struct vt_slice *sl)
{
	(void)local;
	if (sl->call)
		vt_folded_weight(FS(s)->fo, sl->node, sl->self);
}

static void folded_end(struct vt_sink *s)
{
	const char *out = FS(s)->out;
	FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;

	if (!f || vt_folded_write(FS(s)->fo, f) < 0 || (f != stdout && fclose(f) != 0))
		die("cannot write '%s': %s", out, strerror(errno));
}

static void folded_free(struct vt_sink *s)
{
	vt_folded_free(FS(s)->fo);
	free(FS(s)->out);
	free(s);
}

static const struct vt_sink_ops folded_ops = {
	.root = folded_root,
	.enter = folded_enter,
	.slice = folded_slice,
	.end = folded_end,
	.free = folded_free,
};

struct vt_sink *vt_sink_folded_new(const char *out)
{
	struct folded_sink *fs = xmalloc(sizeof(*fs));

	memset(fs, 0, sizeof(*fs));
	fs->base.ops = &folded_ops;
	fs->fo = vt_folded_new();
	fs->out = xstrndup(out, strlen(out));
	return &fs->base;
}
