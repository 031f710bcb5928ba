/*
 * sink-speedscope.c - speedscope's own file format (-o x.speedscope.json): one evented
 * profile per thread (and per span track), its frames shared, with file and line.
 * speedscope imports this much faster than Chrome trace JSON, and its labels are the
 * bare function names.
 *
 * The schema is speedscope's file-format-schema.json: {"$schema", "shared": {"frames":
 * [{name, file, line}]}, "profiles": [{"type": "evented", "name", "unit", "startValue",
 * "endValue", "events": [{"type": "O"|"C", "frame", "at"}]}]}. The events of a profile
 * must nest and go forward in time. Slices reach a sink in time order of their end
 * (children before their parent), so each track's slices are kept until the end, and
 * there turned back into a tree, which is then walked to write the opens and closes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/json.h"
#include "tools/sink.h"
#include "tools/util.h"

/* a kept slice: its frame, its times relative to the trace's start, its place in the tree */
struct ss_slice {
	uint64_t start, end;
	uint32_t frame;
	uint32_t seq;   /* arrival order: the last tie-break of the sort */
	uint32_t child; /* first child + 1, 0 for none */
	uint32_t next;  /* next sibling + 1 */
};

/* one profile: a thread's calls, or a span track's spans */
struct ss_track {
	uint64_t pid, tid;
	char *name;
	struct ss_slice *sl;
	size_t n, cap;
};

/* a frame: name and "file:line" (loc), kept as one key for the dedup table */
struct ss_frame {
	char *name, *loc;
};

struct ss_sink {
	struct vt_sink base;
	char *out;
	struct ss_frame *frames;
	size_t nframes, cap_frames;
	uint32_t *table; /* open addressing: frame index + 1, 0 empty */
	size_t table_size;
	struct ss_track *tracks;
	size_t ntracks, cap_tracks;
	size_t last; /* the track of the previous slice, a guess that is usually right */
	struct { uint64_t pid; char *name; } *procs;
	size_t nprocs, cap_procs;
};

#define SS(s) ((struct ss_sink *)(s))

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h * 0x100000001b3ull;
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void table_grow(struct ss_sink *ss)
{
	size_t n = ss->table_size ? ss->table_size * 2 : 1024;

	free(ss->table);
	ss->table = xmalloc(n * sizeof(*ss->table));
	memset(ss->table, 0, n * sizeof(*ss->table));
	ss->table_size = n;
	for (size_t i = 0; i < ss->nframes; i++) {
		size_t k = hash_str(hash_str(0xcbf29ce484222325ull, ss->frames[i].name),
				    ss->frames[i].loc) & (n - 1);

		while (ss->table[k])
			k = (k + 1) & (n - 1);
		ss->table[k] = (uint32_t)i + 1;
	}
}

/* the index of the frame (@name, @loc), added when new */
static uint32_t frame_of(struct ss_sink *ss, const char *name, const char *loc)
{
	size_t k;

	if (2 * (ss->nframes + 1) > ss->table_size)
		table_grow(ss);
	k = hash_str(hash_str(0xcbf29ce484222325ull, name), loc) & (ss->table_size - 1);
	for (; ss->table[k]; k = (k + 1) & (ss->table_size - 1)) {
		struct ss_frame *f = &ss->frames[ss->table[k] - 1];

		if (same(f->name, name) && same(f->loc, loc))
			return ss->table[k] - 1;
	}
	if (ss->nframes == ss->cap_frames) {
		ss->cap_frames = ss->cap_frames ? 2 * ss->cap_frames : 256;
		ss->frames = xrealloc(ss->frames, ss->cap_frames * sizeof(*ss->frames));
	}
	ss->frames[ss->nframes].name = xstrndup(name, strlen(name));
	ss->frames[ss->nframes].loc = loc ? xstrndup(loc, strlen(loc)) : NULL;
	ss->table[k] = (uint32_t)++ss->nframes;
	return (uint32_t)ss->nframes - 1;
}

static void ss_def(struct vt_sink *s, struct vt_def *d)
{
	/* a C function's loc is NULL, a native one's its library: a file either way */
	d->sframe = frame_of(SS(s), d->name, d->loc) + 1;
}

static void ss_process(struct vt_sink *s, uint64_t pid, const char *name, int sort,
		       const char *label)
{
	struct ss_sink *ss = SS(s);

	(void)sort, (void)label;
	if (ss->nprocs == ss->cap_procs) {
		ss->cap_procs = ss->cap_procs ? 2 * ss->cap_procs : 16;
		ss->procs = xrealloc(ss->procs, ss->cap_procs * sizeof(*ss->procs));
	}
	ss->procs[ss->nprocs].pid = pid;
	ss->procs[ss->nprocs++].name = xstrndup(name ? name : "", name ? strlen(name) : 0);
}

static struct ss_track *track_of(struct ss_sink *ss, uint64_t pid, uint64_t tid)
{
	if (ss->last < ss->ntracks && ss->tracks[ss->last].pid == pid &&
	    ss->tracks[ss->last].tid == tid)
		return &ss->tracks[ss->last];
	for (size_t i = ss->ntracks; i-- > 0;)
		if (ss->tracks[i].pid == pid && ss->tracks[i].tid == tid)
			return &ss->tracks[ss->last = i];
	if (ss->ntracks == ss->cap_tracks) {
		ss->cap_tracks = ss->cap_tracks ? 2 * ss->cap_tracks : 16;
		ss->tracks = xrealloc(ss->tracks, ss->cap_tracks * sizeof(*ss->tracks));
	}
	memset(&ss->tracks[ss->ntracks], 0, sizeof(ss->tracks[0]));
	ss->tracks[ss->ntracks].pid = pid;
	ss->tracks[ss->ntracks].tid = tid;
	ss->last = ss->ntracks;
	return &ss->tracks[ss->ntracks++];
}

static void ss_thread(struct vt_sink *s, void *local, uint64_t pid, uint64_t tid,
		      const char *name)
{
	struct ss_track *t = track_of(SS(s), pid, tid);

	(void)local;
	free(t->name);
	t->name = xstrndup(name ? name : "", name ? strlen(name) : 0);
}

static void ss_slice(struct vt_sink *s, void *local, const struct vt_slice *sl)
{
	struct ss_sink *ss = SS(s);
	struct ss_track *t = track_of(ss, sl->pid, sl->tid);
	struct ss_slice *k;

	(void)local;
	if (!sl->def->sframe)
		return; /* no def call for it: cannot be (the timeline defines first) */
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 1024;
		t->sl = xrealloc(t->sl, t->cap * sizeof(*t->sl));
	}
	k = &t->sl[t->n];
	k->start = sl->start > s->origin ? sl->start - s->origin : 0;
	k->end = sl->end > s->origin ? sl->end - s->origin : 0;
	if (k->end < k->start)
		k->end = k->start;
	k->frame = sl->def->sframe - 1;
	k->seq = (uint32_t)t->n++;
	k->child = k->next = 0;
}

/* post order: by end, an inner slice (later start) before the one around it */
static int by_end(const void *a, const void *b)
{
	const struct ss_slice *x = a, *y = b;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	if (x->start != y->start)
		return x->start > y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* the output, buffered by stdio; write errors are found at fclose */
static void put_u64(FILE *f, uint64_t v)
{
	char b[24];
	int i = sizeof(b);

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite(b + i, 1, sizeof(b) - (size_t)i, f);
}

static void put_str(FILE *f, const char *s)
{
	size_t n = strlen(s);
	char stack[512], *buf = vt_json_escape_bound(n) <= sizeof(stack) ? stack :
				xmalloc(vt_json_escape_bound(n));

	fwrite(buf, 1, vt_json_escape(buf, s, n), f);
	if (buf != stack)
		free(buf);
}

static void put_event(FILE *f, char type, uint32_t frame, uint64_t at, int *first)
{
	fputs(*first ? "\n{\"type\":\"" : ",\n{\"type\":\"", f);
	*first = 0;
	fputc(type, f);
	fputs("\",\"frame\":", f);
	put_u64(f, frame);
	fputs(",\"at\":", f);
	put_u64(f, at);
	fputc('}', f);
}

/* the tree of @t's slices (sorted into post order), then its events, depth first */
static void write_events(FILE *f, struct ss_track *t, uint64_t *first_at, uint64_t *last_at)
{
	struct ss_slice *sl = t->sl;
	uint32_t *stack = xmalloc((t->n + 1) * sizeof(*stack));
	size_t depth = 0, nroots;
	uint64_t at = 0;
	int first = 1;

	qsort(sl, t->n, sizeof(*sl), by_end);
	for (size_t i = 0; i < t->n; i++) {
		/* the slices on the stack that started inside this one are its children */
		while (depth && sl[stack[depth - 1]].start >= sl[i].start) {
			uint32_t c = stack[--depth];

			sl[c].next = sl[i].child;
			sl[i].child = c + 1;
		}
		stack[depth++] = (uint32_t)i;
	}
	/* the roots, in time order, linked as siblings under a virtual root */
	nroots = depth;
	for (size_t i = nroots; i-- > 1;)
		sl[stack[i - 1]].next = stack[i] + 1;
	*first_at = nroots ? sl[stack[0]].start : 0;
	/* walk: the stack holds the open slices; on each, its next child to visit */
	depth = 0;
	for (uint32_t cur = nroots ? stack[0] + 1 : 0; cur;) {
		struct ss_slice *x = &sl[cur - 1];

		at = x->start > at ? x->start : at;
		put_event(f, 'O', x->frame, at, &first);
		if (x->child) {
			stack[depth++] = cur - 1;
			cur = x->child;
			continue;
		}
		/* a leaf: close it, and every parent whose last child it was */
		for (;;) {
			at = x->end > at ? x->end : at;
			put_event(f, 'C', x->frame, at, &first);
			if (x->next) {
				cur = x->next;
				break;
			}
			if (!depth) {
				cur = 0;
				break;
			}
			x = &sl[stack[--depth]];
		}
	}
	*last_at = at;
	free(stack);
}

static const char *proc_name(const struct ss_sink *ss, uint64_t pid)
{
	for (size_t i = 0; i < ss->nprocs; i++)
		if (ss->procs[i].pid == pid)
			return ss->procs[i].name;
	return "";
}

static void ss_end(struct vt_sink *s)
{
	struct ss_sink *ss = SS(s);
	FILE *f = strcmp(ss->out, "-") ? fopen(ss->out, "w") : stdout;
	char name[512];
	int nprof = 0;

	if (!f)
		die("cannot write '%s': %s", ss->out, strerror(errno));
	fputs("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
	      "\"exporter\":\"vt-convert\",\"activeProfileIndex\":0,\"profiles\":[", f);
	for (size_t i = 0; i < ss->ntracks; i++) {
		struct ss_track *t = &ss->tracks[i];
		uint64_t a, b;

		if (!t->n)
			continue;
		snprintf(name, sizeof(name), "%s (tid %llu) in %s [pid %llu]",
			 t->name && *t->name ? t->name : "thread", (unsigned long long)t->tid,
			 *proc_name(ss, t->pid) ? proc_name(ss, t->pid) : "python",
			 (unsigned long long)t->pid);
		fputs(nprof++ ? ",\n{\"type\":\"evented\",\"name\":" : "\n{\"type\":\"evented\",\"name\":", f);
		put_str(f, name);
		fputs(",\"unit\":\"nanoseconds\",\"events\":[", f);
		write_events(f, t, &a, &b);
		fputs("],\"startValue\":", f);
		put_u64(f, a);
		fputs(",\"endValue\":", f);
		put_u64(f, b);
		fputc('}', f);
	}
	fputs("],\n\"shared\":{\"frames\":[", f);
	for (size_t i = 0; i < ss->nframes; i++) {
		const struct ss_frame *fr = &ss->frames[i];
		const char *colon = fr->loc ? strrchr(fr->loc, ':') : NULL;

		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", f);
		put_str(f, fr->name);
		if (colon && colon[1] >= '0' && colon[1] <= '9') {
			char *file = xstrndup(fr->loc, (size_t)(colon - fr->loc));

			fputs(",\"file\":", f);
			put_str(f, file);
			fputs(",\"line\":", f);
			put_u64(f, strtoull(colon + 1, NULL, 10));
			free(file);
		} else if (fr->loc) {
			fputs(",\"file\":", f);
			put_str(f, fr->loc);
		}
		fputc('}', f);
	}
	fputs("]},\"name\":", f);
	put_str(f, ss->nprocs ? ss->procs[0].name : "vt trace");
	fputs("}\n", f);
	if (ferror(f) || (f != stdout ? fclose(f) : fflush(f)) != 0)
		die("cannot write '%s': %s", ss->out, strerror(errno ? errno : EIO));
}

static void ss_free(struct vt_sink *s)
{
	struct ss_sink *ss = SS(s);

	for (size_t i = 0; i < ss->nframes; i++) {
		free(ss->frames[i].name);
		free(ss->frames[i].loc);
	}
	for (size_t i = 0; i < ss->ntracks; i++) {
		free(ss->tracks[i].name);
		free(ss->tracks[i].sl);
	}
	for (size_t i = 0; i < ss->nprocs; i++)
		free(ss->procs[i].name);
	free(ss->frames);
	free(ss->table);
	free(ss->tracks);
	free(ss->procs);
	free(ss->out);
	free(ss);
}

static const struct vt_sink_ops ss_ops = {
	.def = ss_def,
	.process = ss_process,
	.thread = ss_thread,
	.slice = ss_slice,
	.end = ss_end,
	.free = ss_free,
};

struct vt_sink *vt_sink_speedscope_new(const char *out, uint64_t origin)
{
	struct ss_sink *ss = xmalloc(sizeof(*ss));

	memset(ss, 0, sizeof(*ss));
	ss->base.ops = &ss_ops;
	ss->base.origin = origin;
	ss->out = xstrndup(out, strlen(out));
	return &ss->base;
}
