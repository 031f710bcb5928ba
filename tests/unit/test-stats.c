/*
 * test-stats.c - tools/stats.c: folded stacks (one line per stack, whatever the names hold)
 * and the summary table.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/stats.h"

/* the folded text of @fo */
static char *folded_text(struct vt_folded *fo)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(vt_folded_write(fo, f), 0);
	fclose(f);
	return buf;
}

TestSuite(folded);

Test(folded, plain_stacks)
{
	struct vt_folded *fo = vt_folded_new();
	uint32_t root = vt_folded_root(fo, "python3 app.py [42]; MainThread");
	uint32_t a = vt_folded_child(fo, root, "main");
	uint32_t b = vt_folded_child(fo, a, "work");
	char *text;

	vt_folded_weight(fo, a, 30);
	vt_folded_weight(fo, b, 70);
	vt_folded_weight(fo, vt_folded_child(fo, a, "work"), 5); /* the same node again */
	text = folded_text(fo);
	cr_assert_str_eq(text, "python3 app.py [42]: MainThread;main 30\n"
			       "python3 app.py [42]: MainThread;main;work 75\n");
	free(text);
	vt_folded_free(fo);
}

/* a name with a newline (co_name can be anything) must not split its stack in two */
Test(folded, names_with_newlines_semicolons_and_controls)
{
	struct vt_folded *fo = vt_folded_new();
	uint32_t root = vt_folded_root(fo, "py [1]; T");
	char *text, *line, *save = NULL;
	int lines = 0;

	vt_folded_weight(fo, vt_folded_child(fo, root, "a\nb"), 1);
	vt_folded_weight(fo, vt_folded_child(fo, root, "x;y"), 2);
	vt_folded_weight(fo, vt_folded_child(fo, root, "c:\\dir\\n"), 3);
	vt_folded_weight(fo, vt_folded_child(fo, root, "\x1b[31mred\r\t"), 4);
	text = folded_text(fo);
	cr_assert_str_eq(text, "py [1]: T;a\\nb 1\n"
			       "py [1]: T;x:y 2\n"
			       "py [1]: T;c:\\\\dir\\\\n 3\n"
			       "py [1]: T;\\x1b[31mred\\r\\t 4\n");
	/* every line: frames, one space, a count */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *sp = strrchr(line, ' ');

		cr_assert_not_null(sp, "%s", line);
		cr_assert_eq(strspn(sp + 1, "0123456789"), strlen(sp + 1), "%s", line);
		lines++;
	}
	cr_assert_eq(lines, 4);
	free(text);
	vt_folded_free(fo);
}

TestSuite(summary);

Test(summary, rows_add_up)
{
	struct vt_stats *s = vt_stats_new();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	vt_stats_add(s, "fib", "/tmp/fib.py:3", 0, 0, 350, 250);
	vt_stats_add(s, "fib", "/tmp/fib.py:3", 0, 0, 0, 100);
	vt_stats_add(s, "print", NULL, 0, 0, 70, 70);
	vt_stats_print(s, f, "calls", 0, "all processes");
	fclose(f);
	cr_assert(strstr(buf, "all processes: 3 calls of 2 functions, 0.000000420 s of self time"),
		  "%s", buf);
	cr_assert(strstr(buf, "         2   0.000000350   0.000000175   0.000000350   0.000000175  "
			      "fib (/tmp/fib.py:3)\n"), "%s", buf);
	free(buf);
	vt_stats_free(s);
}

/* -j: each converting thread's table, added up, gives what one table would */
Test(summary, merged_tables_add_up)
{
	struct vt_stats *a = vt_stats_new(), *b = vt_stats_new(), *one = vt_stats_new();
	char *sa, *sb, *t1, *t2;
	size_t n1, n2;
	FILE *f1 = open_memstream(&t1, &n1), *f2 = open_memstream(&t2, &n2);

	/* enough rows in b to make a's table grow while b is added to it */
	for (int i = 0; i < 3000; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%d", i);
		vt_stats_add(i % 3 ? b : a, name, "app.py:1", 0, 0, 10 + i, 5 + i);
		vt_stats_add(one, name, "app.py:1", 0, 0, 10 + i, 5 + i);
	}
	vt_stats_add_at(a, vt_stats_row(a, "g", NULL, 7, 0), 100, 40);
	vt_stats_add_at(b, vt_stats_row(b, "g", NULL, 7, 0), 50, 20);
	vt_stats_add(one, "g", NULL, 7, 0, 100, 40);
	vt_stats_add(one, "g", NULL, 7, 0, 50, 20);
	vt_stats_merge(a, b);
	vt_stats_print(a, f1, "self", 0, "t");
	vt_stats_print(one, f2, "self", 0, "t");
	fclose(f1);
	fclose(f2);
	cr_assert_str_eq(t1, t2);
	sa = strstr(t1, " g\n");
	sb = strstr(t1, "         2 ");
	cr_assert(sa && sb, "g counted twice: %s", t1);
	free(t1);
	free(t2);
	vt_stats_free(a);
	vt_stats_free(b);
	vt_stats_free(one);
}
