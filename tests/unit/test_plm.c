/* The WASM 2016 rules at their edges (design.md 4.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/plm.h"

#define T0	1795000000.0

struct run {
	struct plm_scorer	s;
	struct plm_series	last;
	int			series;
};

static void
start(struct run *r)
{
	struct plm_params p;

	plm_params_default(&p);
	plm_init(&r->s, &p);
	r->series = 0;
}

static void
lm(struct run *r, double onset, double dur)
{
	struct plm_series ps;

	if (plm_add_movement(&r->s, T0 + onset, T0 + onset + dur, 0, &ps)) {
		r->last = ps;
		r->series++;
	}
}

static void
brk(struct run *r)
{
	struct plm_series ps;

	if (plm_add_break(&r->s, &ps)) {
		r->last = ps;
		r->series++;
	}
}

static void
finish(struct run *r)
{
	struct plm_series ps;

	if (plm_finish(&r->s, &ps)) {
		r->last = ps;
		r->series++;
	}
}

/* n movements of duration dur, imi apart, from onset 0. */
static void
train(struct run *r, int n, double imi, double dur)
{
	int i;

	for (i = 0; i < n; i++)
		lm(r, i * imi, dur);
}

static void
test_four_is_a_series_three_is_not(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	train(&r, 3, 20, 2);
	finish(&r);
	assert_int_equal(r.series, 0);
	assert_int_equal(r.s.plm_total, 0);
	assert_int_equal(r.s.clm_total, 3);

	start(&r);
	train(&r, 4, 20, 2);
	finish(&r);
	assert_int_equal(r.series, 1);
	assert_int_equal(r.last.count, 4);
	assert_true(r.last.mean_imi == 20.0);
	assert_true(r.last.start == T0);
	assert_true(r.last.end == T0 + 62);
}

static void
test_duration_edges(void **state)
{
	static const struct {
		double	dur;
		int	clm;	/* counts as a CLM */
		int	breaks;	/* ends the series */
	} cases[] = {
		{ 0.49, 0, 0 }, { 0.5, 1, 0 }, { 10.0, 1, 0 }, { 10.01, 0, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;

		/* Two CLMs, the movement under test, two more, 20 s apart. */
		start(&r);
		lm(&r, 0, 2);
		lm(&r, 20, 2);
		lm(&r, 40, cases[i].dur);
		lm(&r, 60, 2);
		lm(&r, 80, 2);
		finish(&r);
		if (cases[i].breaks) {
			/* 0,20 | break | 60,80: no run of four. */
			assert_int_equal(r.series, 0);
			assert_int_equal(r.s.clm_total, 4);
		} else if (cases[i].clm) {
			assert_int_equal(r.series, 1);
			assert_int_equal(r.last.count, 5);
		} else {
			/* Ignored entirely: 0,20,60,80 has IMIs 20,40,20. */
			assert_int_equal(r.series, 1);
			assert_int_equal(r.last.count, 4);
			assert_int_equal(r.s.clm_total, 4);
		}
	}
}

/*
 * The one length rule every part uses (the leg classifier, whether or not
 * the posture changed, the motion switch, the scorer), in whole ms.
 */
static void
test_lm_length_edges(void **state)
{
	(void)state;
	assert_int_equal(lm_length(T0, T0 + 0.49, 0.5, 10), LM_TOO_SHORT);
	assert_int_equal(lm_length(T0, T0 + 0.4994, 0.5, 10), LM_TOO_SHORT);
	assert_int_equal(lm_length(T0, T0 + 0.5, 0.5, 10), LM_CANDIDATE);
	assert_int_equal(lm_length(T0, T0 + 10.0, 0.5, 10), LM_CANDIDATE);
	assert_int_equal(lm_length(T0, T0 + 10.0004, 0.5, 10), LM_CANDIDATE);
	assert_int_equal(lm_length(T0, T0 + 10.01, 0.5, 10), LM_TOO_LONG);
	/* Bilateral: up to 15 s, still at least 0.5 s. */
	assert_int_equal(lm_length(T0, T0 + 15.0, 0.5, 15), LM_CANDIDATE);
	assert_int_equal(lm_length(T0, T0 + 15.01, 0.5, 15), LM_TOO_LONG);
	assert_int_equal(lm_length(T0, T0 + 0.49, 0.5, 15), LM_TOO_SHORT);
}

static void
test_ignored_movement_does_not_shorten_the_imi(void **state)
{
	struct run r;

	(void)state;
	/* A 0.3 s twitch 5 s after a CLM must not count as an IMI of 5 s. */
	start(&r);
	lm(&r, 0, 2);
	lm(&r, 5, 0.3);
	lm(&r, 15, 2);
	lm(&r, 30, 2);
	lm(&r, 45, 2);
	finish(&r);
	assert_int_equal(r.series, 1);
	assert_int_equal(r.last.count, 4);
}

static void
test_imi_edges(void **state)
{
	static const struct {
		double	imi;
		int	series;
	} cases[] = {
		{ 9.99, 0 }, { 10.0, 1 }, { 90.0, 1 }, { 90.01, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run r;

		start(&r);
		train(&r, 4, cases[i].imi, 0.6);
		finish(&r);
		assert_int_equal(r.series, cases[i].series);
		if (cases[i].series) {
			assert_int_equal(r.last.count, 4);
			assert_true(r.last.mean_imi == cases[i].imi);
		}
	}
}

static void
test_short_imi_clm_begins_the_next_series(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	train(&r, 5, 20, 2);		/* 0..80: a series of 5 */
	lm(&r, 85, 2);			/* IMI 5: ends it, begins the next */
	lm(&r, 105, 2);
	lm(&r, 125, 2);
	lm(&r, 145, 2);
	assert_int_equal(r.series, 1);
	assert_int_equal(r.last.count, 5);
	finish(&r);
	assert_int_equal(r.series, 2);
	assert_int_equal(r.last.count, 4);
	assert_true(r.last.start == T0 + 85);
	assert_int_equal(r.s.plm_total, 9);
	assert_int_equal(r.s.series_total, 2);
}

static void
test_long_imi_clm_begins_the_next_series(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	train(&r, 4, 30, 1);		/* 0..90 */
	lm(&r, 90 + 90.01, 1);		/* too late: a new run */
	lm(&r, 90 + 90.01 + 30, 1);
	lm(&r, 90 + 90.01 + 60, 1);
	lm(&r, 90 + 90.01 + 90, 1);
	finish(&r);
	assert_int_equal(r.series, 2);
	assert_int_equal(r.s.plm_total, 8);
}

static void
test_long_movement_ends_the_series(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	train(&r, 6, 20, 2);
	lm(&r, 130, 12);		/* over 10 s: not a CLM, ends it */
	assert_int_equal(r.series, 1);
	assert_int_equal(r.last.count, 6);
	/* The next CLM begins a new run, IMI from the long one not counted. */
	lm(&r, 150, 2);
	lm(&r, 170, 2);
	lm(&r, 190, 2);
	finish(&r);
	assert_int_equal(r.series, 1);	/* 150,170,190: only three */
	assert_int_equal(r.s.clm_total, 9);
}

static void
test_break_ends_the_series(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	train(&r, 3, 20, 2);
	brk(&r);			/* a cramp between */
	lm(&r, 60, 2);
	lm(&r, 80, 2);
	finish(&r);
	assert_int_equal(r.series, 0);
}

static void
test_tick_ends_a_series_when_no_clm_can_continue_it(void **state)
{
	struct plm_series ps;
	struct run r;

	(void)state;
	start(&r);
	train(&r, 4, 20, 2);		/* last onset at 60 */
	assert_int_equal(plm_in_series(&r.s), 1);
	assert_int_equal(plm_tick(&r.s, T0 + 150, &ps), 0);	/* 90 s */
	assert_int_equal(plm_tick(&r.s, T0 + 150.001, &ps), 1);
	assert_int_equal(ps.count, 4);
	assert_int_equal(plm_in_series(&r.s), 0);
}

static void
test_bilateral_merge(void **state)
{
	struct plm_params p;
	struct bilateral b;
	struct plm_item it, out;

	(void)state;
	plm_params_default(&p);
	bilateral_init(&b, &p);
	/* Left 100-108, right 108.4-112: 0.4 s apart, one 12 s movement. */
	it = (struct plm_item){ T0 + 100, T0 + 108, 1, 0, 0 };
	bilateral_add(&b, &it);
	it = (struct plm_item){ T0 + 108.4, T0 + 112, 2, 0, 0 };
	bilateral_add(&b, &it);
	/* Not yet: another leg could still join until 112.5. */
	assert_int_equal(bilateral_next(&b, T0 + 112.2, &out), 0);
	assert_int_equal(bilateral_next(&b, T0 + 113, &out), 1);
	assert_true(out.onset == T0 + 100 && out.end == T0 + 112);
	assert_int_equal(out.legs, 3);
	assert_int_equal(bilateral_next(&b, T0 + 113, &out), 0);

	/* 0.6 s apart: two movements. */
	it = (struct plm_item){ T0 + 200, T0 + 202, 1, 0, 0 };
	bilateral_add(&b, &it);
	it = (struct plm_item){ T0 + 202.6, T0 + 204, 2, 0, 0 };
	bilateral_add(&b, &it);
	assert_int_equal(bilateral_next(&b, T0 + 300, &out), 1);
	assert_true(out.end == T0 + 202 && out.legs == 1);
	assert_int_equal(bilateral_next(&b, T0 + 300, &out), 1);
	assert_true(out.onset == T0 + 202.6 && out.legs == 2);

	/* Exactly 0.5 s apart is not "less than 0.5 s": two movements. */
	it = (struct plm_item){ T0 + 400, T0 + 402, 1, 0, 0 };
	bilateral_add(&b, &it);
	it = (struct plm_item){ T0 + 402.5, T0 + 404, 2, 0, 0 };
	bilateral_add(&b, &it);
	assert_int_equal(bilateral_next(&b, T0 + 500, &out), 1);
	assert_true(out.end == T0 + 402 && out.legs == 1);
	assert_int_equal(bilateral_next(&b, T0 + 500, &out), 1);

	/* A chain left, right, left is one movement of both legs. */
	it = (struct plm_item){ T0 + 600, T0 + 602, 1, 0, 0 };
	bilateral_add(&b, &it);
	it = (struct plm_item){ T0 + 601.8, T0 + 604, 2, 0, 0 };
	bilateral_add(&b, &it);
	it = (struct plm_item){ T0 + 604.3, T0 + 606, 1, 0, 0 };
	bilateral_add(&b, &it);
	assert_int_equal(bilateral_next(&b, T0 + 700, &out), 1);
	assert_true(out.onset == T0 + 600 && out.end == T0 + 606);
	assert_int_equal(out.legs, 3);
	assert_int_equal(bilateral_next(&b, T0 + 700, &out), 0);
	bilateral_free(&b);
}

static void
test_bilateral_clm_up_to_15_s(void **state)
{
	struct run r;
	struct plm_series ps;

	(void)state;
	start(&r);
	/* Bilateral CLMs of 14.99 and 15.0 s count; a 15.01 s one breaks. */
	assert_int_equal(plm_add_movement(&r.s, T0, T0 + 14.99, 1, &ps), 0);
	assert_int_equal(plm_add_movement(&r.s, T0 + 20, T0 + 35, 1, &ps), 0);
	assert_int_equal(plm_add_movement(&r.s, T0 + 40, T0 + 42, 0, &ps), 0);
	assert_int_equal(plm_add_movement(&r.s, T0 + 60, T0 + 75.01, 1,
	    &ps), 0);
	assert_int_equal(r.s.count, 0);
	assert_int_equal(r.s.clm_total, 3);
	/* The same 12 s from one leg alone is not a CLM. */
	assert_int_equal(plm_add_movement(&r.s, T0 + 100, T0 + 112, 0,
	    &ps), 0);
	assert_int_equal(r.s.clm_total, 3);
}

/* Alternating legs, each 1.5 s, 0.2 s apart: one chain of n movements. */
static struct plm_item
chain(struct bilateral *b, double onset, int n)
{
	struct plm_item it, out;
	int i;

	for (i = 0; i < n; i++) {
		it = (struct plm_item){ onset + i * 1.7, onset + i * 1.7 + 1.5,
		    1u << (i % 2), 0, 0 };
		assert_int_equal(bilateral_add(b, &it), 0);
	}
	assert_int_equal(bilateral_next(b, onset + 100, &out), 1);
	assert_int_equal(bilateral_next(b, onset + 100, &it), 0);
	return out;
}

static void
test_bilateral_combines_at_most_four(void **state)
{
	struct plm_params p;
	struct bilateral b;
	struct plm_item out;

	(void)state;
	plm_params_default(&p);
	bilateral_init(&b, &p);
	/* Four monolateral movements, 6.6 s: one bilateral CLM. */
	out = chain(&b, T0 + 100, 4);
	assert_int_equal(out.parts, 4);
	assert_int_equal(out.legs, 3);
	assert_int_equal(out.is_break, 0);
	assert_true(out.onset == T0 + 100 && out.end == T0 + 100 + 3 * 1.7 +
	    1.5);
	/* Five, 8.3 s, well under 15 s: no CLM; it ends the series. */
	out = chain(&b, T0 + 200, 5);
	assert_int_equal(out.parts, 5);
	assert_int_equal(out.is_break, 1);
	/* Two on one leg: no bilateral movement, each its own. */
	out = (struct plm_item){ T0 + 300, T0 + 301, 1, 0, 0 };
	bilateral_add(&b, &out);
	out = (struct plm_item){ T0 + 301.2, T0 + 302, 1, 0, 0 };
	bilateral_add(&b, &out);
	assert_int_equal(bilateral_next(&b, T0 + 400, &out), 1);
	assert_int_equal(out.parts, 1);
	assert_int_equal(bilateral_next(&b, T0 + 400, &out), 1);
	assert_int_equal(out.parts, 1);
	bilateral_free(&b);
}

/* The limit is a setting: a chain of three passes at 3, not at 2. */
static void
test_bilateral_parts_limit_is_the_setting(void **state)
{
	struct plm_params p;
	struct bilateral b;
	struct plm_item out;

	(void)state;
	plm_params_default(&p);
	p.bilateral_max_parts = 3;
	bilateral_init(&b, &p);
	out = chain(&b, T0 + 100, 3);
	assert_int_equal(out.is_break, 0);
	p.bilateral_max_parts = 2;
	out = chain(&b, T0 + 200, 3);
	assert_int_equal(out.is_break, 1);
	bilateral_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_is_a_series_three_is_not),
		cmocka_unit_test(test_duration_edges),
		cmocka_unit_test(test_lm_length_edges),
		cmocka_unit_test(test_ignored_movement_does_not_shorten_the_imi),
		cmocka_unit_test(test_imi_edges),
		cmocka_unit_test(test_short_imi_clm_begins_the_next_series),
		cmocka_unit_test(test_long_imi_clm_begins_the_next_series),
		cmocka_unit_test(test_long_movement_ends_the_series),
		cmocka_unit_test(test_break_ends_the_series),
		cmocka_unit_test(test_tick_ends_a_series_when_no_clm_can_continue_it),
		cmocka_unit_test(test_bilateral_merge),
		cmocka_unit_test(test_bilateral_clm_up_to_15_s),
		cmocka_unit_test(test_bilateral_combines_at_most_four),
		cmocka_unit_test(test_bilateral_parts_limit_is_the_setting),
	};

	return cmocka_run_group_tests_name("plm", tests, NULL, NULL);
}
