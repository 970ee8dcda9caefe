/* Commands that write to disk, limited; the saves they ask for, paced. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/ratelimit.h"

/* A flood: 100,000 in 10 s lets through the burst and one a second. */
static void
test_flood_is_limited(void **state)
{
	struct ratelimit rl;
	int i, passed = 0;

	(void)state;
	ratelimit_init(&rl, 10);
	for (i = 0; i < 100000; i++)
		passed += ratelimit_take(&rl, 1000.0 + i * 1e-4, 1, 10);
	assert_int_equal(passed, 10 + 9);
	assert_int_equal(ratelimit_refused(&rl), 100000 - 19);
	assert_int_equal(ratelimit_refused(&rl), 0);
	/* A person's presses, seconds apart, all go through. */
	for (i = 0; i < 20; i++)
		assert_int_equal(ratelimit_take(&rl, 1020.0 + 2 * i, 1, 10), 1);
	/* A clock that goes back does not refill. */
	ratelimit_init(&rl, 2);
	assert_int_equal(ratelimit_take(&rl, 50, 1, 2), 1);
	assert_int_equal(ratelimit_take(&rl, 50, 1, 2), 1);
	assert_int_equal(ratelimit_take(&rl, 10, 1, 2), 0);
	assert_int_equal(ratelimit_take(&rl, 50.5, 1, 2), 0);
	assert_int_equal(ratelimit_take(&rl, 51, 1, 2), 1);
}

/* Saves asked for 10,000 times in 10 s are done at most once a second. */
static void
test_saves_are_coalesced(void **state)
{
	struct pacer p;
	int i, saves = 0;

	(void)state;
	pacer_init(&p);
	assert_int_equal(pacer_ready(&p, 5, 1), 0);	/* nothing wanted */
	for (i = 0; i < 10000; i++) {
		pacer_want(&p);
		saves += pacer_ready(&p, 5 + i * 1e-3, 1);
	}
	assert_true(saves >= 10 && saves <= 11);
	/* The last change is not lost: it goes when the second is up. */
	assert_int_equal(pacer_ready(&p, 16, 1), 1);
	assert_int_equal(pacer_ready(&p, 17, 1), 0);
	/* The first of a quiet spell goes at once. */
	pacer_want(&p);
	assert_int_equal(pacer_ready(&p, 30, 1), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_is_limited),
		cmocka_unit_test(test_saves_are_coalesced),
	};

	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
