/* Digital motion sensors: bounce, the 0.5 s offset rule, long movements. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/motion.h"

#define T0	1795000000.0

static void
init(struct motion_detector *m)
{
	struct motion_params p = { 0.05, 0.5, 0.5, 10.0 };

	motion_init(m, &p);
}

static void
test_pulse_is_a_movement_when_quiet_follows(void **state)
{
	struct motion_detector m;
	struct motion_movement mm;

	(void)state;
	init(&m);
	assert_true(isinf(motion_end_due(&m)));
	assert_int_equal(motion_feed(&m, T0 + 10, 1, &mm), 0);
	/* On: only the switch can tell when it ends. */
	assert_true(isinf(motion_end_due(&m)));
	assert_int_equal(motion_feed(&m, T0 + 12, 0, &mm), 0);
	assert_true(motion_settled_time(&m) == T0 + 10);
	assert_true(motion_end_due(&m) == T0 + 12.5);
	/* Not over until 0.5 s of quiet. */
	assert_int_equal(motion_tick(&m, T0 + 12.49, &mm), 0);
	assert_int_equal(motion_tick(&m, T0 + 12.5, &mm), 1);
	assert_true(mm.onset == T0 + 10 && mm.end == T0 + 12);
	assert_int_equal(mm.body, 0);
	assert_true(isinf(motion_end_due(&m)));
}

static void
test_gaps_under_half_a_second_join(void **state)
{
	struct motion_detector m;
	struct motion_movement mm;

	(void)state;
	init(&m);
	motion_feed(&m, T0 + 10, 1, &mm);
	motion_feed(&m, T0 + 11, 0, &mm);
	motion_feed(&m, T0 + 11.4, 1, &mm);	/* 0.4 s later: the same */
	motion_feed(&m, T0 + 12, 0, &mm);
	assert_int_equal(motion_feed(&m, T0 + 13, 1, &mm), 1); /* 1 s: new */
	assert_true(mm.onset == T0 + 10 && mm.end == T0 + 12);
	motion_feed(&m, T0 + 13.3, 0, &mm);
	/* 0.3 s: too short to count, ignored entirely. */
	assert_int_equal(motion_finish(&m, &mm), 0);
}

static void
test_bounce_is_no_movement(void **state)
{
	struct motion_detector m;
	struct motion_movement mm;

	(void)state;
	init(&m);
	motion_feed(&m, T0 + 10, 1, &mm);
	motion_feed(&m, T0 + 10.02, 0, &mm);
	assert_int_equal(m.moving, 0);
	assert_int_equal(motion_tick(&m, T0 + 20, &mm), 0);
}

static void
test_long_movement_is_the_body(void **state)
{
	struct motion_detector m;
	struct motion_movement mm;

	(void)state;
	init(&m);
	motion_feed(&m, T0 + 10, 1, &mm);
	motion_feed(&m, T0 + 20.01, 0, &mm);
	assert_int_equal(motion_tick(&m, T0 + 21, &mm), 1);
	assert_int_equal(mm.body, 1);
	motion_feed(&m, T0 + 30, 1, &mm);
	motion_feed(&m, T0 + 40, 0, &mm);
	assert_int_equal(motion_tick(&m, T0 + 41, &mm), 1);
	assert_int_equal(mm.body, 0);	/* exactly 10 s is a leg movement */
}

static void
test_end_of_data_while_active(void **state)
{
	struct motion_detector m;
	struct motion_movement mm;

	(void)state;
	init(&m);
	motion_feed(&m, T0 + 10, 1, &mm);
	motion_tick(&m, T0 + 13, &mm);
	assert_int_equal(motion_finish(&m, &mm), 1);
	assert_true(mm.end == T0 + 13);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pulse_is_a_movement_when_quiet_follows),
		cmocka_unit_test(test_gaps_under_half_a_second_join),
		cmocka_unit_test(test_bounce_is_no_movement),
		cmocka_unit_test(test_long_movement_is_the_body),
		cmocka_unit_test(test_end_of_data_while_active),
	};

	return cmocka_run_group_tests_name("motion", tests, NULL, NULL);
}
