/*
 * sources.c - the source files of a trace's Python functions, for the HTML viewer: the
 * files named in the functions' "file:line", read when the page is written, each up to
 * a cap and all together up to another. What is left out is said, file by file in the
 * page and in one warning line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/sources.h"
#include "tools/util.h"

struct vt_sources {
	char **path;
	size_t n, cap;
	uint32_t *table; /* open addressing: index + 1, 0 empty */
	size_t table_size;
	size_t total_max;
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

static void rehash(struct vt_sources *s)
{
	size_t size = s->table_size ? 2 * s->table_size : 256;

	free(s->table);
	s->table = xmalloc(size * sizeof(*s->table));
	memset(s->table, 0, size * sizeof(*s->table));
	s->table_size = size;
	for (size_t i = 0; i < s->n; i++) {
		size_t k = hash(s->path[i], strlen(s->path[i])) & (size - 1);

		while (s->table[k])
			k = (k + 1) & (size - 1);
		s->table[k] = (uint32_t)i + 1;
	}
}

struct vt_sources *vt_sources_new(size_t total_max)
{
	struct vt_sources *s = xmalloc(sizeof(*s));

	memset(s, 0, sizeof(*s));
	s->total_max = total_max;
	return s;
}

void vt_sources_want(struct vt_sources *s, const char *loc)
{
	const char *colon = strrchr(loc, ':');
	size_t n = colon ? (size_t)(colon - loc) : strlen(loc), k;

	if (!n || loc[0] == '<')
		return; /* <string>, <stdin>, <frozen ...>: no file */
	if (2 * (s->n + 1) > s->table_size)
		rehash(s);
	for (k = hash(loc, n) & (s->table_size - 1); s->table[k]; k = (k + 1) & (s->table_size - 1)) {
		const char *p = s->path[s->table[k] - 1];

		if (strlen(p) == n && !memcmp(p, loc, n))
			return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->path = xrealloc(s->path, s->cap * sizeof(*s->path));
	}
	s->path[s->n] = xstrndup(loc, n);
	s->table[k] = (uint32_t)++s->n;
}

/* "512 bytes", "40.0 KB", "1.5 MB" */
static void fmt_size(char *buf, size_t cap, double n)
{
	if (n < 1e3)
		snprintf(buf, cap, "%.0f bytes", n);
	else if (n < 1e6)
		snprintf(buf, cap, "%.1f KB", n / 1e3);
	else
		snprintf(buf, cap, "%.1f MB", n / 1e6);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* @path's text (its size in *len), or NULL with the reason in @why */
static char *read_file(const char *path, size_t cap, size_t *len, char *why, size_t why_cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, why_cap, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_cap, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > cap) {
		char a[32], b[32];

		fmt_size(a, sizeof(a), (double)st.st_size);
		fmt_size(b, sizeof(b), (double)cap);
		snprintf(why, why_cap, "%s, over the cap of %s for one file", a, b);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*len = got;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

void vt_sources_write(struct vt_sources *s, struct vt_html *h)
{
	size_t total = 0, left = 0;
	char first[3][300];

	qsort(s->path, s->n, sizeof(*s->path), by_path);
	for (size_t i = 0; i < s->n; i++) {
		char why[160] = "";
		size_t len = 0;
		char *text = read_file(s->path[i], VT_SOURCE_FILE_MAX, &len, why, sizeof(why));

		if (text && len > s->total_max - total) {
			char cap[32];

			free(text);
			text = NULL;
			fmt_size(cap, sizeof(cap), (double)s->total_max);
			snprintf(why, sizeof(why), "over the cap of %s for all sources (--sources-max)",
				 cap);
		}
		if (text) {
			vt_html_source(h, s->path[i], text, len);
			total += len;
			free(text);
			continue;
		}
		vt_html_source_left_out(h, s->path[i], why);
		if (left < 3)
			snprintf(first[left], sizeof(first[left]), "%.200s (%.80s)", s->path[i], why);
		left++;
	}
	if (left)
		warning("sources: %zu of %zu files are not in the page: %s%s%s%s%s", left, s->n,
			first[0], left > 1 ? "; " : "", left > 1 ? first[1] : "", left > 2 ? "; " : "",
			left > 2 ? first[2] : "");
}

void vt_sources_free(struct vt_sources *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->path[i]);
	free(s->path);
	free(s->table);
	free(s);
}
