/*
 * html-driver - feeds tools/html.c (the vt_html_* API of tools/html.h) without vt-convert:
 *
 *   html-driver synth N OUT.html [THREADS] [PROCS]   a synthetic trace of about N calls
 *   html-driver json IN.json OUT.html               a vt-convert JSON file (one event a line)
 *   html-driver empty OUT.html                      no process, thread or call at all
 *
 * `synth` writes nested calls in the order vt-convert does (each thread's calls by end
 * time, threads one after another), from a pool of Python and C function names, with
 * markers, a counter, spawn arrows between processes, the flags, arguments for top-level
 * calls, and a few hostile names (`</script><script>alert(1)</script>`, quotes, non-ASCII)
 * to prove the page stays inert.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/html.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 16) % n);
}

#define NNAMES 600
static char *names[NNAMES], *locs[NNAMES];
static int is_c[NNAMES];

static void make_names(void)
{
	static const char *const mods[] = { "app", "db", "http", "json", "re", "parser", "cache",
					    "worker", "util", "models", "views", "io" };
	static const char *const verbs[] = { "load", "parse", "render", "fetch", "compute", "save",
					     "handle", "encode", "decode", "update", "check", "build",
					     "resolve", "dispatch", "query", "merge" };
	static const char *const nouns[] = { "user", "items", "page", "token", "row", "config",
					     "request", "response", "tree", "block", "frame", "batch" };
	static const char *const cfn[] = { "len", "list.append", "dict.get", "str.join",
					   "time.sleep", "isinstance", "re.Pattern.match",
					   "json.dumps", "sorted", "sum", "_io.TextIOWrapper.write",
					   "math.sqrt" };
	for (int i = 0; i < NNAMES; i++) {
		char buf[256];

		if (i % 5 == 4) {
			snprintf(buf, sizeof(buf), "%s", cfn[(i / 5) % 12]);
			is_c[i] = 1;
			locs[i] = NULL;
		} else {
			const char *m = mods[i % 12];

			if (i % 3 == 0)
				snprintf(buf, sizeof(buf), "%c%s.%s_%s", m[0] - 32, m + 1, verbs[i % 16],
					 nouns[(i / 16) % 12]);
			else
				snprintf(buf, sizeof(buf), "%s_%s", verbs[i % 16], nouns[(i / 7) % 12]);
			locs[i] = malloc(64);
			snprintf(locs[i], 64, "/srv/%s/%s.py:%d", m, nouns[i % 12], 10 + i);
		}
		names[i] = strdup(buf);
	}
	/* hostile names: the page must show them as text */
	free(names[1]);
	names[1] = strdup("</script><script>alert(1)</script>");
	free(names[2]);
	names[2] = strdup("<img src=x onerror=alert(2)> \"quoted\" & 'single' \xc3\xa9t\xc3\xa9 \xe2\x86\x92");
}

struct gen {
	struct vt_html *h;
	uint64_t pid, tid;
	uint64_t budget; /* calls left for this thread */
	uint64_t emitted;
};

/* one call at @t lasting about @span ns, with children; returns its end */
static uint64_t gen_call(struct gen *g, int depth, uint64_t t, uint64_t span)
{
	uint32_t fn = depth == 0 ? (uint32_t)(3 + rnd(5)) : rnd(NNAMES);
	uint64_t now = t + 1 + rnd(40), end;
	unsigned flags = 0;

	if (g->budget)
		g->budget--;
	if (depth < 24 && span > 400 && g->budget) {
		/* children fill part of the span */
		uint32_t kids = 1 + rnd(depth < 3 ? 12 : 5);

		for (uint32_t k = 0; k < kids && g->budget; k++) {
			uint64_t part = span / (kids + 1);
			uint64_t child = part / 2 + rnd((uint32_t)(part / 2 + 1));

			now = gen_call(g, depth + 1, now + rnd((uint32_t)(part / 4 + 2)), child);
		}
	}
	end = now + 20 + rnd(60);
	if (end < t + span / 2)
		end = t + span / 2 + rnd((uint32_t)(span / 2 + 1));
	if (is_c[fn])
		flags |= VT_HTML_C;
	if (rnd(500) == 0)
		flags |= VT_HTML_EXCEPTION;
	if (rnd(400) == 0 && !is_c[fn])
		flags |= VT_HTML_YIELD;
	vt_html_slice(g->h, g->pid, g->tid, names[fn], locs[fn], t, end - t, flags);
	if (depth == 0) {
		/* arguments, as vt-convert passes them: top-level calls have some */
		char args[256];

		snprintf(args, sizeof(args),
			 "{\"func_args\":{\"n\":\"%llu\",\"tag\":\"'</script><b>x'\"},"
			 "\"return_value\":\"%llu\"}",
			 (unsigned long long)g->emitted, (unsigned long long)g->emitted * 2);
		vt_html_slice_args(g->h, args);
	}
	g->emitted++;
	return end;
}

static int synth(uint64_t n, const char *out, int threads, int procs)
{
	struct vt_html *h = vt_html_open(out);
	uint64_t per = n / (uint64_t)(threads * procs) + 1, total = 0;

	if (!h) {
		fprintf(stderr, "html-driver: %s: %s\n", out, strerror(errno));
		return 1;
	}
	make_names();
	for (int p = 0; p < procs; p++) {
		uint64_t pid = 1000 + (uint64_t)p * 10;
		char name[128], label[64];

		snprintf(name, sizeof(name), "/usr/bin/python3 /srv/app/%s.py --port 80%02d",
			 p ? "worker" : "main", p);
		snprintf(label, sizeof(label), "pid %llu, exit 0", (unsigned long long)pid);
		vt_html_process(h, pid, name, p, label);
		for (int t = 0; t < threads; t++) {
			struct gen g = { h, pid, pid + (uint64_t)t, per, 0 };
			uint64_t now = 1000 + (uint64_t)p * 5000000 + (uint64_t)t * 700000;
			char tname[64];

			while (g.budget) {
				/* a top-level call of 2-40 ms with gaps */
				now = gen_call(&g, 0, now, 2000000 + rnd(38000000)) + 1000 + rnd(400000);
			}
			if (t == 0 && p == 0) {
				/* an open frame at the end, like a killed program */
				vt_html_slice(h, pid, pid, "main", "/srv/app/main.py:1", 100, now - 100,
					      VT_HTML_UNFINISHED);
				g.emitted++;
			}
			snprintf(tname, sizeof(tname), t ? "worker-%d" : "MainThread", t);
			vt_html_thread(h, pid, pid + (uint64_t)t, tname);
			vt_html_instant(h, pid, pid + (uint64_t)t, now / 2, "vt: note halfway");
			total += g.emitted;
		}
		for (int s = 0; s < 200; s++)
			vt_html_counter(h, pid, "rss MiB", (uint64_t)s * 1000000,
					50 + 30 * (double)(s % 40) / 40 + p);
		if (p)
			vt_html_flow(h, 1000, 1000, 1000 + (uint64_t)p * 5000000 - 200000, pid, pid,
				     1000 + (uint64_t)p * 5000000 + 50);
		if (p)
			vt_html_instant(h, 1000, 1000, 1000 + (uint64_t)p * 5000000 - 200000,
					"start process");
	}
	if (vt_html_close(h, "synthetic </title><script>alert(3)</script> trace")) {
		fprintf(stderr, "html-driver: %s: %s\n", out, strerror(errno));
		return 1;
	}
	fprintf(stderr, "html-driver: %llu calls -> %s\n", (unsigned long long)total, out);
	return 0;
}

/* ---- vt-convert's JSON: one event per line, fields in a fixed order ---- */

/* the JSON string value of "key": copied unescaped into @out, or NULL */
static char *jstr(const char *line, const char *key, char *out, size_t cap)
{
	char pat[32];
	const char *p;
	size_t o = 0;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(line, pat);
	if (!p)
		return NULL;
	for (p += strlen(pat); *p && *p != '"' && o + 8 < cap; p++) {
		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'n': out[o++] = '\n'; break;
			case 't': out[o++] = '\t'; break;
			case 'r': out[o++] = '\r'; break;
			case 'b': out[o++] = '\b'; break;
			case 'f': out[o++] = '\f'; break;
			case 'u': {
				unsigned v = 0;

				if (sscanf(p + 1, "%4x", &v) != 1)
					v = '?';
				p += 4;
				if (v < 0x80) {
					out[o++] = (char)v;
				} else if (v < 0x800) {
					out[o++] = (char)(0xc0 | v >> 6);
					out[o++] = (char)(0x80 | (v & 63));
				} else {
					out[o++] = (char)(0xe0 | v >> 12);
					out[o++] = (char)(0x80 | ((v >> 6) & 63));
					out[o++] = (char)(0x80 | (v & 63));
				}
				break;
			}
			default: out[o++] = *p;
			}
			continue;
		}
		out[o++] = *p;
	}
	out[o] = 0;
	return out;
}

static int jnum(const char *line, const char *key, double *v)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (!p)
		return 0;
	*v = strtod(p + strlen(pat), NULL);
	return 1;
}

/* a call's "args" object, as it is (file and flags included), to vt_html_slice_args */
static void json_args(struct vt_html *h, const char *line)
{
	const char *p = strstr(line, "\"args\":{"), *s;
	int depth = 0, str = 0;

	if (!p)
		return;
	for (s = p += 7; *p; p++) {
		if (str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				str = 0;
		} else if (*p == '"') {
			str = 1;
		} else if (*p == '{') {
			depth++;
		} else if (*p == '}' && !--depth) {
			char *obj = strndup(s, (size_t)(p + 1 - s));

			vt_html_slice_args(h, obj);
			free(obj);
			return;
		}
	}
}

static uint64_t ns_of(double us)
{
	return (uint64_t)(us * 1000.0 + 0.5);
}

static int from_json(const char *in, const char *out)
{
	FILE *f = fopen(in, "r");
	struct vt_html *h;
	char *line = NULL, name[4096], loc[4096], tmp[4096];
	size_t cap = 0;
	struct { double id; double pid, tid, ts; int have; } flows[256];
	int nflows = 0;

	if (!f) {
		fprintf(stderr, "html-driver: %s: %s\n", in, strerror(errno));
		return 1;
	}
	h = vt_html_open(out);
	if (!h) {
		fprintf(stderr, "html-driver: %s: %s\n", out, strerror(errno));
		return 1;
	}
	/* process metadata comes first in vt-convert's output; collect it per pid */
	while (getline(&line, &cap, f) > 0) {
		double pid = 0, tid = 0, ts = 0, dur = 0, id = 0;
		char ph[16];

		if (!jstr(line, "ph", ph, sizeof(ph)))
			continue;
		jnum(line, "pid", &pid);
		jnum(line, "tid", &tid);
		jnum(line, "ts", &ts);
		if (ph[0] == 'X') {
			unsigned flags = 0;
			int has_loc = jstr(line, "file", loc, sizeof(loc)) != NULL;

			jstr(line, "name", name, sizeof(name));
			jnum(line, "dur", &dur);
			if (strstr(line, "\"cat\":\"c\""))
				flags |= VT_HTML_C;
			if (strstr(line, "\"exception\":true"))
				flags |= VT_HTML_EXCEPTION;
			if (strstr(line, "\"unfinished\":true"))
				flags |= VT_HTML_UNFINISHED;
			if (strstr(line, "\"yield\":true"))
				flags |= VT_HTML_YIELD;
			vt_html_slice(h, (uint64_t)pid, (uint64_t)tid, name, has_loc ? loc : NULL,
				      ns_of(ts), ns_of(dur), flags);
			if (strstr(line, "\"func_args\":") || strstr(line, "\"return_value\":") ||
			    strstr(line, "\"cat\":\"span\""))
				json_args(h, line);
		} else if (ph[0] == 'M') {
			jstr(line, "name", name, sizeof(name));
			if (!strcmp(name, "thread_name") && jstr(line + strlen("{\"ph\":\"M\",\"name\":\"thread_name\""), "name", tmp, sizeof(tmp)))
				vt_html_thread(h, (uint64_t)pid, (uint64_t)tid, tmp);
			else if (!strcmp(name, "process_name") && jstr(line + 40, "name", tmp, sizeof(tmp)))
				vt_html_process(h, (uint64_t)pid, tmp, 0, NULL);
		} else if (ph[0] == 'i') {
			jstr(line, "name", name, sizeof(name));
			vt_html_instant(h, (uint64_t)pid, (uint64_t)tid, ns_of(ts), name);
		} else if (ph[0] == 'C') {
			double v = 0;

			jstr(line, "name", name, sizeof(name));
			if (jnum(line, "value", &v))
				vt_html_counter(h, (uint64_t)pid, name, ns_of(ts), v);
		} else if ((ph[0] == 's' || ph[0] == 'f') && jnum(line, "id", &id)) {
			int k;

			for (k = 0; k < nflows && flows[k].id != id; k++)
				;
			if (ph[0] == 's' && k == nflows && nflows < 256) {
				flows[nflows].id = id;
				flows[nflows].pid = pid;
				flows[nflows].tid = tid;
				flows[nflows].ts = ts;
				nflows++;
			} else if (ph[0] == 'f' && k < nflows) {
				vt_html_flow(h, (uint64_t)flows[k].pid, (uint64_t)flows[k].tid,
					     ns_of(flows[k].ts), (uint64_t)pid, (uint64_t)tid, ns_of(ts));
			}
		}
	}
	/* process sort index and labels: a second look at the M lines */
	rewind(f);
	{
		int sort = 0;
		double lpid = -1;

		while (getline(&line, &cap, f) > 0) {
			double pid = 0, si = 0;
			char pname[4096];

			if (strncmp(line, "{\"ph\":\"M\"", 9))
				continue;
			jnum(line, "pid", &pid);
			if (strstr(line, "\"process_name\"") && jstr(line + 40, "name", pname, sizeof(pname))) {
				lpid = pid;
				strcpy(name, pname);
				continue;
			}
			if (strstr(line, "\"process_sort_index\"") && jnum(line, "sort_index", &si))
				sort = (int)si;
			if (strstr(line, "\"process_labels\"") && pid == lpid &&
			    jstr(line, "labels", tmp, sizeof(tmp)))
				vt_html_process(h, (uint64_t)pid, name, sort, tmp);
		}
	}
	free(line);
	fclose(f);
	if (vt_html_close(h, in)) {
		fprintf(stderr, "html-driver: %s: %s\n", out, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "synth"))
		return synth(strtoull(argv[2], NULL, 10), argv[3], argc > 4 ? atoi(argv[4]) : 4,
			     argc > 5 ? atoi(argv[5]) : 2);
	if (argc == 3 && !strcmp(argv[1], "empty")) {
		struct vt_html *h = vt_html_open(argv[2]);

		return !h || vt_html_close(h, NULL);
	}
	if (argc == 4 && !strcmp(argv[1], "json"))
		return from_json(argv[2], argv[3]);
	fprintf(stderr, "usage: html-driver synth N OUT.html [THREADS] [PROCS]\n"
			"       html-driver json IN.json OUT.html\n"
			"       html-driver empty OUT.html\n");
	return 2;
}
