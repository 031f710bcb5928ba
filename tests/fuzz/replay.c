/*
 * replay.c - a main() for the fuzz targets without libFuzzer (lz4's standaloneengine.c):
 * feeds every file named on the command line, and every file in every directory named
 * there, to LLVMFuzzerTestOneInput, so that `make test` replays the saved corpus with
 * the ordinary compiler (and its sanitizers).
 *
 *   replay-TARGET [-v] FILE|DIR...
 *
 * With -v it prints "RUN path" before and "OK path" after each input (flushed), so a
 * runner can tell which input crashed and carry on with the next. Files are fed in
 * name order. Exit status: 0 when every input ran, 1 on a usage or I/O error; a failing
 * input aborts (or a sanitizer ends the process).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

/* the targets that need set-up define it; the others get this one */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int g_verbose;
static unsigned long g_count;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "replay: cannot read '%s': %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	/* exactly @len bytes on the heap, as libFuzzer passes them: overreads are caught */
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || (len && fread(buf, 1, (size_t)len, f) != (size_t)len)) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	if (g_verbose) {
		printf("RUN %s\n", path);
		fflush(stdout);
	}
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	if (g_verbose) {
		printf("OK %s\n", path);
		fflush(stdout);
	}
	g_count++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	if (!(d = opendir(path))) {
		fprintf(stderr, "replay: '%s': %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		if (asprintf(&names[n], "%s/%s", path, e->d_name) < 0)
			abort();
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && run_file(names[i]) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0, first = 1;

	if (argc > 1 && !strcmp(argv[1], "-v")) {
		g_verbose = 1;
		first = 2;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: %s [-v] FILE|DIR...\n", argv[0]);
		return 1;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = first; i < argc; i++)
		if (run_path(argv[i]) < 0)
			rc = 1;
	fprintf(stderr, "replay: %lu inputs\n", g_count);
	return rc;
}
