/*
 * test-path.c - preload/path.c: the normalised file names that VT_INCLUDE_FILES and
 * VT_EXCLUDE_FILES match with.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "preload/vt.h"

static const char *norm(const char *base, const char *path)
{
	static char out[64];

	cr_assert_eq(vt_path_norm(out, sizeof(out), base, path, strlen(path)), 0, "%s", path);
	return out;
}

Test(path, absolute_names_lose_dot_components)
{
	cr_assert_str_eq(norm("/cwd", "/work/main/../shared/bench/fib.py"),
			 "/work/shared/bench/fib.py");
	cr_assert_str_eq(norm("/cwd", "/a/./b//c.py"), "/a/b/c.py");
	cr_assert_str_eq(norm("/cwd", "/../../x.py"), "/x.py");
	cr_assert_str_eq(norm("/cwd", "/a/b/.."), "/a");
	cr_assert_str_eq(norm("/cwd", "/"), "/");
	cr_assert_str_eq(norm("/cwd", "/.."), "/");
}

Test(path, relative_names_start_from_the_base)
{
	cr_assert_str_eq(norm("/srv/app", "x.py"), "/srv/app/x.py");
	cr_assert_str_eq(norm("/srv/app", "./lib/x.py"), "/srv/app/lib/x.py");
	cr_assert_str_eq(norm("/srv/app/", "../lib"), "/srv/lib");
	cr_assert_str_eq(norm("/srv/app", "."), "/srv/app");
	cr_assert_str_eq(norm("/", "x.py"), "/x.py");
	cr_assert_str_eq(norm("", "x.py"), "/x.py");
}

Test(path, a_trailing_slash_stays_so_a_prefix_names_a_directory)
{
	cr_assert_str_eq(norm("/cwd", "/srv/lib/"), "/srv/lib/");
	cr_assert_str_eq(norm("/cwd", "lib/"), "/cwd/lib/");
	cr_assert_str_eq(norm("/cwd", "/srv/lib/../"), "/srv/");
}

Test(path, pseudo_file_names_are_kept)
{
	cr_assert_str_eq(norm("/cwd", "<frozen importlib._bootstrap>"),
			 "<frozen importlib._bootstrap>");
	cr_assert_str_eq(norm("/cwd", "<string>"), "<string>");
}

Test(path, only_len_bytes_are_read)
{
	char out[32];

	cr_assert_eq(vt_path_norm(out, sizeof(out), "/b", "/x/y.py:/other", 7), 0);
	cr_assert_str_eq(out, "/x/y.py");
}

Test(path, a_name_that_does_not_fit_is_refused)
{
	char out[8];

	cr_assert_eq(vt_path_norm(out, sizeof(out), "/b", "/abcdefgh", 9), -1);
	cr_assert_eq(vt_path_norm(out, sizeof(out), "/b", "<abcdefgh>", 10), -1);
	cr_assert_eq(vt_path_norm(out, sizeof(out), "/b", "/abcdef/", 8), -1);
	cr_assert_eq(vt_path_norm(out, sizeof(out), "/b", "/abcde/", 7), 0);
	cr_assert_str_eq(out, "/abcde/");
	cr_assert_eq(vt_path_norm(out, sizeof(out), "/b", "/abc", 4), 0);
	cr_assert_str_eq(out, "/abc");
}
