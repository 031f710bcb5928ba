/*
 * mkviewer - build-time generator: inlines the viewer's style sheet and scripts into
 * index.html and writes the page as C source, cut at the title and the data markers, for
 * tools/html.c:
 *
 *   const char *const vt_viewer_part[3];   page up to the title, up to the data, the rest
 *
 * usage: mkviewer viewer/index.html > viewer-assets.c
 *
 * index.html keeps working on its own: it loads the style by <link rel="stylesheet"
 * href="..."> and the code by one run of <script src="..."></script> lines, one a module,
 * in the order they must run (viewer/README.md). That run is the only list of the modules:
 * here the link line becomes <style>...</style>, and the run of script lines becomes ONE
 * <script> holding every module in that order, inside one function, so that they share one
 * scope and leave nothing global (the page must hold a single script element). Paths are
 * relative to index.html. Fails if a script or the style could close its element early, if
 * a file is missing, if the scripts are not one run, or if a marker is missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0, cap = 0, r;

	if (!f) {
		perror(path);
		exit(1);
	}
	do {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			p = realloc(p, cap + 1);
			if (!p) {
				fprintf(stderr, "mkviewer: out of memory\n");
				exit(1);
			}
		}
		r = fread(p + n, 1, cap - n, f);
		n += r;
	} while (r);
	if (ferror(f)) {
		perror(path);
		exit(1);
	}
	fclose(f);
	p[n] = 0;
	*len = n;
	return p;
}

static const char *find_ci(const char *s, const char *end, const char *what)
{
	size_t n = strlen(what);

	for (; s + n <= end; s++)
		if (!strncasecmp(s, what, n))
			return s;
	return NULL;
}

/* the output page, before cutting */
static char *page;
static size_t page_len, page_cap;

static void add(const char *s, size_t n)
{
	if (page_len + n + 1 > page_cap) {
		page_cap = (page_len + n + 1) * 2;
		page = realloc(page, page_cap);
		if (!page) {
			fprintf(stderr, "mkviewer: out of memory\n");
			exit(1);
		}
	}
	memcpy(page + page_len, s, n);
	page_len += n;
	page[page_len] = 0;
}

static void emit_c_string(const char *s, size_t n)
{
	size_t col = 0;

	fputs("\t\"", stdout);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n') {
			fputs("\\n\"\n\t\"", stdout);
			col = 0;
			continue;
		}
		if (c == '\\' || c == '"')
			printf("\\%c", c);
		else if (c == '?') /* no trigraphs */
			fputs("\\?", stdout);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\%03o", c);
		else
			putchar(c);
		if (++col >= 200) {
			fputs("\"\n\t\"", stdout);
			col = 0;
		}
	}
	fputs("\"", stdout);
}

/* the value of attribute `name="` on the line [p, le), or NULL; copied to out */
static const char *attr(const char *p, const char *le, const char *name, char *out, size_t cap)
{
	const char *a = find_ci(p, le, name), *q;

	if (!a)
		return NULL;
	a += strlen(name);
	q = memchr(a, '"', (size_t)(le - a));
	if (!q || (size_t)(q - a) + 1 > cap || q == a)
		return NULL;
	memcpy(out, a, (size_t)(q - a));
	out[q - a] = 0;
	return out;
}

/* a file named in index.html, relative to its directory */
static char *slurp_rel(const char *dir, size_t dirlen, const char *name, size_t *len,
		       char *path, size_t cap)
{
	if (name[0] == '/' || strstr(name, "..") || strchr(name, ':') ||
	    dirlen + strlen(name) + 1 > cap) {
		fprintf(stderr, "mkviewer: %.*s%s: not a file beside index.html\n", (int)dirlen, dir,
			name);
		exit(1);
	}
	memcpy(path, dir, dirlen);
	strcpy(path + dirlen, name);
	return slurp(path, len);
}

int main(int argc, char **argv)
{
	static const char *const marks[2] = { "<!--VT:TITLE-->", "<!--VT:DATA-->" };
	size_t hl, dirlen;
	char *html;
	const char *p, *end, *cut[2], *slash;
	char name[256], path[4096];
	int line = 0, nscripts = 0, in_scripts = 0, runs = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: mkviewer viewer/index.html > out.c\n");
		return 2;
	}
	html = slurp(argv[1], &hl);
	slash = strrchr(argv[1], '/');
	dirlen = slash ? (size_t)(slash - argv[1]) + 1 : 0;
	/* inline line by line */
	p = html;
	end = html + hl;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl + 1 : end;
		int is_script = find_ci(p, le, "<script") != NULL;

		line++;
		if (in_scripts && !is_script) {
			add("})();\n</script>\n", 16);
			in_scripts = 0;
		}
		if (find_ci(p, le, "rel=\"stylesheet\"")) {
			size_t cl;
			char *css;

			if (!attr(p, le, "href=\"", name, sizeof(name))) {
				fprintf(stderr, "mkviewer: %s:%d: a stylesheet link without href\n",
					argv[1], line);
				return 1;
			}
			css = slurp_rel(argv[1], dirlen, name, &cl, path, sizeof(path));
			if (find_ci(css, css + cl, "</style")) {
				fprintf(stderr, "mkviewer: %s must not contain '</style'\n", path);
				return 1;
			}
			add("<style>\n", 8);
			add(css, cl);
			add("</style>\n", 9);
			free(css);
		} else if (is_script) {
			size_t jl;
			char *js;

			if (!attr(p, le, "src=\"", name, sizeof(name)) ||
			    !find_ci(p, le, "</script>")) {
				fprintf(stderr, "mkviewer: %s:%d: a script must be one line "
					"<script src=\"...\"></script>\n", argv[1], line);
				return 1;
			}
			if (!in_scripts) {
				if (runs++) {
					fprintf(stderr, "mkviewer: %s:%d: the scripts must be one run "
						"of lines, with nothing between them\n", argv[1], line);
					return 1;
				}
				add("<script>\n'use strict';\n(function () {\n", 38);
				in_scripts = 1;
			}
			js = slurp_rel(argv[1], dirlen, name, &jl, path, sizeof(path));
			if (find_ci(js, js + jl, "</script") || find_ci(js, js + jl, "<!--")) {
				fprintf(stderr, "mkviewer: %s must not contain '</script' or '<!--'\n",
					path);
				return 1;
			}
			add("// ---- ", 8);
			add(name, strlen(name));
			add("\n", 1);
			add(js, jl);
			if (jl && js[jl - 1] != '\n')
				add("\n", 1);
			free(js);
			nscripts++;
		} else {
			add(p, (size_t)(le - p));
		}
		p = le;
	}
	if (in_scripts)
		add("})();\n</script>\n", 16);
	if (!nscripts) {
		fprintf(stderr, "mkviewer: %s: no <script src=\"...\"> line\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		cut[i] = strstr(i ? cut[0] : page, marks[i]);
		if (!cut[i]) {
			fprintf(stderr, "mkviewer: %s: marker %s missing\n", argv[1], marks[i]);
			return 1;
		}
	}
	puts("/* generated by viewer/mkviewer.c from viewer/index.html and the style and scripts"
	     " it names: do not edit */");
	puts("static const char part0[] =");
	emit_c_string(page, (size_t)(cut[0] - page));
	puts(";\nstatic const char part1[] =");
	emit_c_string(cut[0] + strlen(marks[0]), (size_t)(cut[1] - cut[0] - strlen(marks[0])));
	puts(";\nstatic const char part2[] =");
	emit_c_string(cut[1] + strlen(marks[1]),
		      (size_t)(page + page_len - cut[1] - strlen(marks[1])));
	puts(";\nextern const char *const vt_viewer_part[3];");
	puts("const char *const vt_viewer_part[3] = { part0, part1, part2 };");
	free(html);
	free(page);
	return 0;
}
