/*
 * The suggested immobilization test (daemon/sit.h) with exact times: what
 * it counts, when it is over, and each reason it is not valid.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/sit.h"

#define T0	1795000000.0
#define DEG	(M_PI / 180.0)

static const double shin[3] = { 1, 0, 0 };

struct run {
	struct sit		sit;
	struct sit_result	res;
	int			done;
};

static void
start(struct run *r)
{
	struct sit_params sp;
	struct plm_params pp;

	memset(r, 0, sizeof(*r));
	sit_params_default(&sp);
	plm_params_default(&pp);
	sit_init(&r->sit, &sp, &pp);
	assert_int_equal(sit_start(&r->sit, T0), 0);
	assert_int_equal(sit_running(&r->sit), 1);
}

/* The shin `elev` degrees from horizontal, rolled `roll` about itself. */
static void
pose(struct run *r, double t, double elev, double roll)
{
	double g[3];

	g[0] = sin(elev * DEG);
	g[1] = cos(elev * DEG) * sin(roll * DEG);
	g[2] = cos(elev * DEG) * cos(roll * DEG);
	sit_posture(&r->sit, T0 + t, g, shin);
}

/* Sitting still from t0 to t1, a posture report a second. */
static void
sit_still(struct run *r, double t0, double t1, double elev, double roll)
{
	double t;

	for (t = t0; t < t1; t += 1.0)
		pose(r, t, elev, roll);
}

static void
tick(struct run *r, double settled)
{
	if (!r->done && sit_tick(&r->sit, T0 + settled, &r->res))
		r->done = 1;
}

/* n movements of 2 s, `imi` apart from `first`. */
static void
train(struct run *r, double first, int n, double imi)
{
	int i;

	for (i = 0; i < n; i++)
		sit_item(&r->sit, T0 + first + i * imi, T0 + first + i * imi +
		    2.0, 0, 0);
}

static void
test_a_valid_hour(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	sit_still(&r, 0, 3600, 10, 5);
	train(&r, 100, 30, 20);		/* 30 PLMs */
	sit_item(&r.sit, T0 + 2000, T0 + 2001, 0, 0);	/* one alone */
	train(&r, 3000, 3, 20);		/* three: no series */
	tick(&r, 3599.9);
	assert_int_equal(r.done, 0);	/* not yet due */
	tick(&r, 3600);
	assert_int_equal(r.done, 1);
	assert_int_equal(sit_running(&r.sit), 0);
	assert_int_equal(r.res.reason, SIT_VALID);
	assert_true(r.res.start == T0 && r.res.end == T0 + 3600);
	assert_int_equal(r.res.lm_count, 34);
	assert_int_equal(r.res.plm_count, 30);
	assert_true(fabs(r.res.lm_index - 34) < 1e-9);
	assert_true(fabs(r.res.plmw_index - 30) < 1e-9);
}

/* Only the hour counts: a series that goes on past it is cut there. */
static void
test_only_the_hour_counts(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	sit_item(&r.sit, T0 - 30, T0 - 28, 0, 0);	/* before */
	sit_still(&r, 0, 3600, 0, 0);
	train(&r, 3540, 6, 15);		/* 3540, 3555, 3570, 3585, 3600.. */
	tick(&r, 3700);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res.lm_count, 4);
	assert_int_equal(r.res.plm_count, 4);
	/* A second start is refused while one runs, allowed after. */
	assert_int_equal(sit_start(&r.sit, T0 + 4000), 0);
}

static void
test_refused_while_running(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	assert_int_equal(sit_start(&r.sit, T0 + 10), -1);
	assert_true(r.sit.start == T0);
}

static void
test_getting_up_ends_it(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	sit_still(&r, 0, 600, 5, 0);
	train(&r, 100, 5, 20);
	sit_still(&r, 600, 604, 85, 0);	/* 4 s standing: not yet */
	sit_still(&r, 604, 700, 5, 0);
	tick(&r, 700);
	assert_int_equal(r.done, 0);
	sit_still(&r, 1000, 1010, 85, 0);	/* standing from 1000 */
	tick(&r, 1010);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res.reason, SIT_GOT_UP);
	assert_true(r.res.end == T0 + 1000);
	assert_int_equal(r.res.plm_count, 5);
	assert_true(fabs(r.res.plmw_index - 5 / (1000 / 3600.0)) < 1e-9);
	assert_string_equal(sit_reason_name(r.res.reason), "got up");
}

/* Knees drawn up a minute or more: the test is given up. */
static void
test_leaving_the_posture(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	sit_still(&r, 0, 300, 10, 0);
	sit_still(&r, 300, 359, 45, 0);	/* 59 s: shifting */
	sit_still(&r, 359, 800, 10, 0);
	sit_still(&r, 800, 870, 45, 0);	/* 60 s and more */
	tick(&r, 870);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res.reason, SIT_GOT_UP);
	assert_true(r.res.end == T0 + 800);

	/* Lying down on the side: the leg rolls about the shin. */
	start(&r);
	sit_still(&r, 0, 300, 10, 0);
	sit_still(&r, 300, 400, 10, 80);
	tick(&r, 400);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res.reason, SIT_POSTURE);
	assert_true(r.res.end == T0 + 300);
}

/* Started with the legs down or the knees drawn up: no test at all. */
static void
test_wrong_posture_at_the_start(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	pose(&r, 0, 40, 0);
	tick(&r, 0);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res.reason, SIT_POSTURE);
	assert_int_equal(r.res.lm_count, 0);
	assert_true(r.res.lm_index == 0);
}

static void
test_stopped_early_is_too_short(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	sit_still(&r, 0, 1800, 10, 0);
	train(&r, 60, 6, 30);
	sit_cancel(&r.sit, T0 + 1800);
	/* A movement that began before the stop still counts. */
	sit_item(&r.sit, T0 + 1799, T0 + 1801, 0, 0);
	sit_item(&r.sit, T0 + 1805, T0 + 1806, 0, 0);	/* after: not */
	tick(&r, 1800.5);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res.reason, SIT_TOO_SHORT);
	assert_int_equal(r.res.lm_count, 7);
	assert_true(fabs(r.res.lm_index - 14) < 1e-9);

	/* The data ends early: at once, too short. */
	start(&r);
	sit_still(&r, 0, 900, 10, 0);
	assert_int_equal(sit_stop(&r.sit, T0 + 900, &r.res), 1);
	assert_int_equal(r.res.reason, SIT_TOO_SHORT);
	assert_true(r.res.end == T0 + 900);
	/* ... or after the hour: valid. */
	start(&r);
	sit_still(&r, 0, 3600, 10, 0);
	assert_int_equal(sit_stop(&r.sit, T0 + 3700, &r.res), 1);
	assert_int_equal(r.res.reason, SIT_VALID);
	assert_true(r.res.end == T0 + 3600);
}

static void
test_sensor_fault_spoils_it(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	sit_still(&r, 0, 1200, 10, 0);
	sit_fault(&r.sit, T0 + 1200);
	tick(&r, 1200);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res.reason, SIT_SENSOR_FAULT);
	assert_string_equal(sit_reason_name(r.res.reason), "sensor fault");
	/* The first reason stands. */
	start(&r);
	sit_fault(&r.sit, T0 + 100);
	sit_cancel(&r.sit, T0 + 200);
	tick(&r, 300);
	assert_int_equal(r.res.reason, SIT_SENSOR_FAULT);
}

/* A hole in the data within the hour, or across its start. */
static void
test_gap_in_the_data_spoils_it(void **state)
{
	struct run r;

	(void)state;
	start(&r);
	sit_still(&r, 0, 600, 10, 0);
	sit_gap(&r.sit, T0 + 600, T0 + 1200);
	sit_still(&r, 1200, 3600, 10, 0);
	tick(&r, 3700);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res.reason, SIT_SENSOR_FAULT);
	assert_true(r.res.end == T0 + 600);
	start(&r);
	sit_gap(&r.sit, T0 - 30, T0 + 30);
	tick(&r, 3700);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res.reason, SIT_SENSOR_FAULT);
	assert_true(r.res.end == T0);
	/* Before the test or after its hour: no matter. */
	start(&r);
	sit_gap(&r.sit, T0 - 60, T0 - 10);
	sit_still(&r, 0, 3600, 10, 0);
	sit_gap(&r.sit, T0 + 3600, T0 + 3700);
	tick(&r, 3700);
	/* Finished, and valid: a result never given would read as valid. */
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res.reason, SIT_VALID);
}

/* Any axis along the shin: the posture is judged about that axis. */
static void
test_any_axis_along_the_shin(void **state)
{
	static const double axis_z[3] = { 0, 0, -2 };
	struct run r;
	double g[3];

	(void)state;
	start(&r);
	/* Shin along -z, lying flat: gravity across it, on y. */
	g[0] = 0;
	g[1] = 1;
	g[2] = 0;
	sit_posture(&r.sit, T0, g, axis_z);
	g[2] = sin(80 * DEG);		/* standing */
	g[1] = cos(80 * DEG);
	sit_posture(&r.sit, T0 + 10, g, axis_z);
	sit_posture(&r.sit, T0 + 16, g, axis_z);
	tick(&r, 20);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.res.reason, SIT_GOT_UP);
	assert_true(r.res.end == T0 + 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_valid_hour),
		cmocka_unit_test(test_only_the_hour_counts),
		cmocka_unit_test(test_refused_while_running),
		cmocka_unit_test(test_getting_up_ends_it),
		cmocka_unit_test(test_leaving_the_posture),
		cmocka_unit_test(test_wrong_posture_at_the_start),
		cmocka_unit_test(test_stopped_early_is_too_short),
		cmocka_unit_test(test_sensor_fault_spoils_it),
		cmocka_unit_test(test_gap_in_the_data_spoils_it),
		cmocka_unit_test(test_any_axis_along_the_shin),
	};

	return cmocka_run_group_tests_name("sit", tests, NULL, NULL);
}
