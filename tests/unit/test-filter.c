/*
 * test-filter.c - tools/filter.c: which calls vt-convert keeps.
 */
#include <criterion/criterion.h>

#include "tools/filter.h"

Test(filter, none_keeps_everything)
{
	struct vt_filter f = vt_filter_none();

	cr_assert(vt_filter_call(&f, 0, 5, 5, 1000, 0, 0));
	cr_assert(vt_filter_thread(&f, 1, 2));
	cr_assert(!vt_filter_match(&f, "x"));
	cr_assert(!vt_filter_any(&f));
}

Test(filter, pid_and_tid_lists)
{
	static const uint64_t pids[] = { 10, 20 }, tids[] = { 21 };
	struct vt_filter f = vt_filter_none();

	f.pids = pids;
	f.npids = 2;
	cr_assert(vt_filter_thread(&f, 20, 99));
	cr_assert(!vt_filter_thread(&f, 30, 99));
	f.tids = tids;
	f.ntids = 1;
	cr_assert(vt_filter_thread(&f, 20, 21));
	cr_assert(!vt_filter_thread(&f, 20, 22));
	cr_assert(vt_filter_any(&f));
}

Test(filter, min_dur_from_the_command_line_wins_over_the_process)
{
	struct vt_filter f = vt_filter_none();

	cr_assert(!vt_filter_call(&f, 0, 0, 9, 0, 0, 10));  /* VT_MIN_DURATION 10 */
	cr_assert(vt_filter_call(&f, 0, 0, 10, 0, 0, 10));
	f.min_dur = 2;
	f.min_dur_set = 1;
	cr_assert(vt_filter_call(&f, 0, 0, 9, 0, 0, 10));
	cr_assert(!vt_filter_call(&f, 0, 0, 1, 0, 0, 10));
}

Test(filter, max_depth_counts_from_zero)
{
	struct vt_filter f = vt_filter_none();

	f.max_depth = 2;
	cr_assert(vt_filter_call(&f, 0, 0, 1, 1, 0, 0));
	cr_assert(!vt_filter_call(&f, 0, 0, 1, 2, 0, 0));
}

Test(filter, match_is_a_glob_kept_for_callees)
{
	struct vt_filter f = vt_filter_none();

	f.match = "handle_*";
	cr_assert(vt_filter_match(&f, "handle_get"));
	cr_assert(!vt_filter_match(&f, "main"));
	cr_assert(!vt_filter_call(&f, 0, 0, 1, 0, 0, 0));
	cr_assert(vt_filter_call(&f, 0, 0, 1, 0, 1, 0));
}

Test(filter, window_keeps_calls_that_overlap_it_and_cuts_them)
{
	struct vt_filter f = vt_filter_none();
	uint64_t s, e;

	f.from = 100;
	f.to = 200;
	cr_assert(!vt_filter_call(&f, 1000, 1000, 1099, 0, 0, 0)); /* ends before */
	cr_assert(vt_filter_call(&f, 1000, 1000, 1100, 0, 0, 0));  /* touches the start */
	cr_assert(vt_filter_call(&f, 1000, 1200, 1300, 0, 0, 0));  /* starts at the end */
	cr_assert(!vt_filter_call(&f, 1000, 1201, 1300, 0, 0, 0)); /* starts after */
	s = 1050;
	e = 1250;
	vt_filter_cut(&f, 1000, &s, &e);
	cr_assert_eq(s, 1100);
	cr_assert_eq(e, 1200);
	s = 1150;
	e = 1160;
	vt_filter_cut(&f, 1000, &s, &e);
	cr_assert_eq(s, 1150);
	cr_assert_eq(e, 1160);
}
