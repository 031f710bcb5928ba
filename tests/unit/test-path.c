/*
 * test-path.c - preload/path.c: the normalised file names that VT_INCLUDE_FILES and
 * VT_EXCLUDE_FILES match with.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "preload/vt.h"

struct norm_case {
	const char *base, *path, *want;
};

/* each @cases[i].path, normalised from its base, is its want */
static void check(const struct norm_case *cases, size_t n)
{
	char out[64];

	for (size_t i = 0; i < n; i++) {
		const struct norm_case *c = &cases[i];

		cr_assert_eq(vt_path_norm(out, sizeof(out), c->base, c->path, strlen(c->path)), 0,
			     "%s", c->path);
		cr_assert_str_eq(out, c->want, "%s from %s", c->path, c->base);
	}
}

#define CHECK(cases) check(cases, sizeof(cases) / sizeof(cases[0]))

Test(path, absolute_names_lose_dot_components)
{
	static const struct norm_case cases[] = {
		{ "/cwd", "/work/main/../shared/bench/fib.py", "/work/shared/bench/fib.py" },
		{ "/cwd", "/a/./b//c.py", "/a/b/c.py" },
		{ "/cwd", "/../../x.py", "/x.py" },
		{ "/cwd", "/a/b/..", "/a" },
		{ "/cwd", "/", "/" },
		{ "/cwd", "/..", "/" },
	};

	CHECK(cases);
}

Test(path, relative_names_start_from_the_base)
{
	static const struct norm_case cases[] = {
		{ "/srv/app", "x.py", "/srv/app/x.py" },
		{ "/srv/app", "./lib/x.py", "/srv/app/lib/x.py" },
		{ "/srv/app/", "../lib", "/srv/lib" },
		{ "/srv/app", ".", "/srv/app" },
		{ "/", "x.py", "/x.py" },
		{ "", "x.py", "/x.py" },
	};

	CHECK(cases);
}

Test(path, a_trailing_slash_stays_so_a_prefix_names_a_directory)
{
	static const struct norm_case cases[] = {
		{ "/cwd", "/srv/lib/", "/srv/lib/" },
		{ "/cwd", "lib/", "/cwd/lib/" },
		{ "/cwd", "/srv/lib/../", "/srv/" },
	};

	CHECK(cases);
}

Test(path, pseudo_and_empty_names_are_kept)
{
	static const struct norm_case cases[] = {
		{ "/cwd", "<frozen importlib._bootstrap>", "<frozen importlib._bootstrap>" },
		{ "/cwd", "<string>", "<string>" },
		{ "/cwd", "", "" },
	};

	CHECK(cases);
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
