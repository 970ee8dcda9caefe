/* The nights' PLM trend: a week's median, nights named by their evening. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/hydration.h"
#include "daemon/statefile.h"
#include "daemon/trend.h"

/* 2026-11-01 22:30 UTC, and a day. */
#define EVENING	1793572200.0
#define DAY	86400.0

static void
test_median_of_a_week(void **state)
{
	static const double index[] = { 3, 40, 12, 8, 15, 9, 11, 60, 10 };
	struct trend t;
	int i;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	memset(&t, 0, sizeof(t));
	assert_true(isnan(trend_median(&t)));
	assert_int_equal(trend_add(&t, EVENING, 8.0, 3), 1);
	assert_true(trend_median(&t) == 3);
	assert_int_equal(trend_add(&t, EVENING + DAY, 8.0, 40), 1);
	assert_true(trend_median(&t) == 21.5);
	memset(&t, 0, sizeof(t));
	for (i = 0; i < 9; i++)
		assert_int_equal(trend_add(&t, EVENING + i * DAY, 7.5,
		    index[i]), 1);
	/* The last seven: 12 8 15 9 11 60 10; one bad night moves it little. */
	assert_int_equal(t.n, 7);
	assert_true(t.plm_index[0] == 12 && t.plm_index[6] == 10);
	assert_true(trend_median(&t) == 11);
}

static void
test_short_and_split_nights(void **state)
{
	struct trend t;
	char day[16];

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	memset(&t, 0, sizeof(t));
	/* Under two hours says too little. */
	assert_int_equal(trend_add(&t, EVENING, 1.5, 30), 0);
	assert_int_equal(trend_add(&t, EVENING, 8.0, NAN), 0);
	assert_int_equal(t.n, 0);
	/* A night begun before midnight or after is named by its evening. */
	assert_int_equal(trend_add(&t, EVENING + 3 * 3600, 4.0, 20), 1);
	assert_int_equal(hydration_day_string(t.day[0], day, sizeof(day)), 0);
	assert_string_equal(day, "2026-11-01");
	/* A restart split it: the longer part counts, once. */
	assert_int_equal(trend_add(&t, EVENING, 2.5, 5), 0);
	assert_int_equal(trend_add(&t, EVENING + 600, 6.0, 14), 1);
	assert_int_equal(t.n, 1);
	assert_true(t.plm_index[0] == 14);
}

static void
test_saved_and_loaded(void **state)
{
	char dir[] = "/tmp/legwatch-trend-XXXXXX", path[256], err[512];
	struct statedir sd;
	struct trend t, back;
	FILE *f;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(statedir_open(&sd, dir, err, sizeof(err)), 0);
	memset(&t, 0, sizeof(t));
	assert_int_equal(trend_load(&sd, &back, err, sizeof(err)), 0);
	for (i = 0; i < 3; i++)
		trend_add(&t, EVENING + i * DAY, 7.25, 10.04 + i);
	assert_int_equal(trend_save(&sd, &t, err, sizeof(err)), 0);
	assert_int_equal(trend_load(&sd, &back, err, sizeof(err)), 1);
	assert_int_equal(back.n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(back.day[i], t.day[i]);
		assert_true(fabs(back.plm_index[i] - (10.0 + i)) < 1e-9);
		assert_true(back.hours[i] == 7.25);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, TREND_FILE);
	assert_non_null(f = fopen(path, "w"));
	fputs("{\"nights\":[{\"night\":\"2026-11-01\",\"plm_index\":\"high\","
	    "\"hours\":8}]}", f);
	fclose(f);
	assert_int_equal(trend_load(&sd, &back, err, sizeof(err)), -2);
	assert_non_null(strstr(err, path));
	assert_int_equal(back.n, 0);
	assert_non_null(f = fopen(path, "w"));
	fputs("{\"nights\":", f);
	fclose(f);
	assert_int_equal(trend_load(&sd, &back, err, sizeof(err)), -2);
	assert_non_null(strstr(err, ":1:"));
	unlink(path);
	statedir_close(&sd);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median_of_a_week),
		cmocka_unit_test(test_short_and_split_nights),
		cmocka_unit_test(test_saved_and_loaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
