/*
 * The nightstand: the button's presses, holds and bounces; the buzzer's
 * beeps; and the hydration state file (atomic, checked on load).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/hydstore.h"
#include "daemon/nightstand.h"

static void
test_short_press_is_a_glass(void **state)
{
	struct button b;

	(void)state;
	button_init(&b);
	assert_int_equal(button_edge(&b, 100.0, 1), BUTTON_NONE);
	assert_int_equal(button_poll(&b, 100.5), BUTTON_NONE);
	assert_true(button_deadline(&b) == 100.0 + BUTTON_LONG_S);
	assert_int_equal(button_edge(&b, 100.4, 0), BUTTON_SHORT);
	assert_true(isinf(button_deadline(&b)));
	/* The next press, well after: a second glass. */
	assert_int_equal(button_edge(&b, 102.0, 1), BUTTON_NONE);
	assert_int_equal(button_edge(&b, 102.2, 0), BUTTON_SHORT);
}

static void
test_hold_snoozes_once_while_held(void **state)
{
	struct button b;

	(void)state;
	button_init(&b);
	button_edge(&b, 10.0, 1);
	assert_int_equal(button_poll(&b, 11.49), BUTTON_NONE);
	assert_int_equal(button_poll(&b, 11.5), BUTTON_LONG);
	/* Held on: no second snooze, and letting go is not a glass. */
	assert_int_equal(button_poll(&b, 20.0), BUTTON_NONE);
	assert_true(isinf(button_deadline(&b)));
	assert_int_equal(button_edge(&b, 25.0, 0), BUTTON_NONE);
	/* A hold whose poll came late is still a snooze at release. */
	button_edge(&b, 30.0, 1);
	assert_int_equal(button_edge(&b, 32.0, 0), BUTTON_LONG);
}

static void
test_bounces_and_glitches_are_not_glasses(void **state)
{
	struct button b;

	(void)state;
	button_init(&b);
	/* 10 ms: a glitch. */
	button_edge(&b, 5.0, 1);
	assert_int_equal(button_edge(&b, 5.01, 0), BUTTON_NONE);
	/* A release without a press, a press twice. */
	assert_int_equal(button_edge(&b, 6.0, 0), BUTTON_NONE);
	button_edge(&b, 7.0, 1);
	button_edge(&b, 7.1, 1);
	assert_int_equal(button_edge(&b, 7.3, 0), BUTTON_SHORT);
	/* The contact bounces 50 ms after the release: ignored. */
	assert_int_equal(button_edge(&b, 7.35, 1), BUTTON_NONE);
	assert_int_equal(button_edge(&b, 7.45, 0), BUTTON_NONE);
	/* Settled: a real press again. */
	button_edge(&b, 8.0, 1);
	assert_int_equal(button_edge(&b, 8.2, 0), BUTTON_SHORT);
}

static void
test_two_beeps(void **state)
{
	struct beeper bp;
	double t;
	int level, changes = 0, last = 0, on_ms = 0;

	(void)state;
	beeper_init(&bp);
	assert_int_equal(beeper_poll(&bp, 0), 0);
	assert_true(isinf(beeper_deadline(&bp)));
	beeper_start(&bp, 50.0);
	for (t = 50.0; t < 51.0; t += 0.001) {
		level = beeper_poll(&bp, t + 1e-9);
		if (level != last)
			changes++;
		on_ms += level;
		last = level;
	}
	/* on (start), off, on, off: two beeps of 150 ms. */
	assert_int_equal(changes, 4);
	assert_in_range(on_ms, 299, 301);
	assert_int_equal(beeper_poll(&bp, 60.0), 0);
	assert_true(isinf(beeper_deadline(&bp)));
}

/* --- the state file ---------------------------------------------------- */

static char dir[] = "/tmp/legwatch-hyd-XXXXXX";
static struct statedir sd;

static int
setup(void **state)
{
	char err[512];

	(void)state;
	strcpy(dir, "/tmp/legwatch-hyd-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	return statedir_open(&sd, dir, err, sizeof(err));
}

static int
teardown(void **state)
{
	char path[512];
	struct dirent *d;
	DIR *dp;

	(void)state;
	statedir_close(&sd);
	if ((dp = opendir(dir)) != NULL) {
		while ((d = readdir(dp)) != NULL)
			if (strcmp(d->d_name, ".") != 0 &&
			    strcmp(d->d_name, "..") != 0) {
				snprintf(path, sizeof(path), "%s/%s", dir,
				    d->d_name);
				unlink(path);
			}
		closedir(dp);
	}
	chmod(dir, 0700);
	rmdir(dir);
	return 0;
}

static void
put(const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" HYDSTORE_FILE, dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static int
files_in_dir(void)
{
	struct dirent *d;
	DIR *dp;
	int n = 0;

	assert_non_null(dp = opendir(dir));
	/* Temporary files too: they begin with a dot. */
	while ((d = readdir(dp)) != NULL)
		n += strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
	closedir(dp);
	return n;
}

static void
test_state_round_trip(void **state)
{
	struct hydration_saved s, back;
	char err[512];

	(void)state;
	assert_int_equal(hydstore_load(&sd, &back, err, sizeof(err)), 0);
	memset(&s, 0, sizeof(s));
	s.day = hydration_day_parse("2026-11-27");
	s.water_ml = 750;
	s.heat_ml = 112.5;
	s.pace_from = 1795676400.0;
	s.last_reminder = 1795690000.25;
	s.snooze_until = NAN;
	s.last_answer = 1795689000.5;
	s.morning_done = 1;
	s.unanswered = 2;
	s.paused = 1;
	assert_int_equal(hydstore_save(&sd, &s, err, sizeof(err)), 0);
	/* Only the file itself: no temporary left behind. */
	assert_int_equal(files_in_dir(), 1);
	assert_int_equal(hydstore_load(&sd, &back, err, sizeof(err)), 1);
	assert_int_equal(back.day, s.day);
	assert_int_equal(back.water_ml, 750);
	assert_true(back.heat_ml == 112.5);
	assert_true(back.pace_from == s.pace_from);
	assert_true(back.last_reminder == s.last_reminder);
	assert_true(isnan(back.snooze_until));
	assert_int_equal(back.morning_done, 1);
	assert_int_equal(back.evening_done, 0);
	assert_int_equal(back.unanswered, 2);
	assert_true(back.last_answer == s.last_answer);
	assert_int_equal(back.paused, 1);
	/* Before the clock is known: no day, and that reads back too. */
	s.day = HYDRATION_NO_DAY;
	assert_int_equal(hydstore_save(&sd, &s, err, sizeof(err)), 0);
	assert_int_equal(hydstore_load(&sd, &back, err, sizeof(err)), 1);
	assert_int_equal(back.day, HYDRATION_NO_DAY);
	s.day = hydration_day_parse("2026-11-27");
	/* A second save replaces the first. */
	s.water_ml = 1000;
	assert_int_equal(hydstore_save(&sd, &s, err, sizeof(err)), 0);
	assert_int_equal(hydstore_load(&sd, &back, err, sizeof(err)), 1);
	assert_int_equal(back.water_ml, 1000);
	assert_int_equal(files_in_dir(), 1);
}

static void
expect_refused(const char *text, const char *says)
{
	struct hydration_saved back;
	char err[512];

	put(text);
	assert_int_equal(hydstore_load(&sd, &back, err, sizeof(err)), -2);
	if (strstr(err, says) == NULL || strstr(err, HYDSTORE_FILE) == NULL)
		fail_msg("\"%s\" gave \"%s\", wanted \"%s\"", text, err, says);
}

static void
test_bad_state_files_are_named(void **state)
{
	static const char good_tail[] = "\"heat_ml\":0,\"pace_from\":null,"
	    "\"last_reminder\":null,\"last_answer\":null,\"snooze_until\":"
	    "null,\"morning_done\":false,\"evening_done\":false,"
	    "\"unanswered\":0,\"paused\":false}";
	char text[512];

	(void)state;
	expect_refused("{\"day\":\"2026-11-27\",", ":1:");
	expect_refused("", "");
	expect_refused("[1,2]", "not a JSON object");
	snprintf(text, sizeof(text), "{\"day\":\"2026-02-30\",\"water_ml\":0,%s",
	    good_tail);
	expect_refused(text, "day:");
	snprintf(text, sizeof(text), "{\"day\":\"2026-11-27\",\"water_ml\":"
	    "-250,%s", good_tail);
	expect_refused(text, "water_ml:");
	snprintf(text, sizeof(text), "{\"day\":\"2026-11-27\",\"water_ml\":"
	    "2.5,%s", good_tail);
	expect_refused(text, "water_ml:");
	expect_refused("{\"day\":\"2026-11-27\",\"water_ml\":250,\"heat_ml\":0,"
	    "\"pace_from\":\"noon\",\"last_reminder\":null,\"snooze_until\":"
	    "null,\"morning_done\":false,\"evening_done\":false,"
	    "\"unanswered\":0}", "pace_from:");
	expect_refused("{\"day\":\"2026-11-27\",\"water_ml\":250,\"heat_ml\":0,"
	    "\"pace_from\":null,\"last_reminder\":null,\"last_answer\":null,"
	    "\"snooze_until\":null,\"morning_done\":1,\"evening_done\":false,"
	    "\"unanswered\":0,\"paused\":false}", "morning_done:");
	snprintf(text, sizeof(text), "{\"day\":\"2026-11-27\",\"water_ml\":0,%s",
	    good_tail);
	text[strlen(text) - strlen(",\"paused\":false}")] = '\0';
	strcat(text, "}");
	expect_refused(text, "paused:");
	expect_refused("{\"day\":\"2026-11-27\",\"day\":\"2026-11-28\"}", ":1:");
	/* The good form is taken. */
	{
		struct hydration_saved back;
		char err[512];

		snprintf(text, sizeof(text), "{\"day\":\"2026-11-27\","
		    "\"water_ml\":500,%s", good_tail);
		put(text);
		assert_int_equal(hydstore_load(&sd, &back, err, sizeof(err)),
		    1);
		assert_int_equal(back.water_ml, 500);
	}
}

/*
 * Past 2038 a 32-bit time_t (armhf on Debian 12) cannot hold a time or
 * a day of the state file: refused there, saying why, never wrapped.
 */
static void
test_state_past_2038(void **state)
{
	static const char *const cases[][2] = {
		{ "{\"day\":\"2038-02-01\",\"water_ml\":0,\"heat_ml\":0,"
		    "\"pace_from\":null,", "day: past 2038-01-19" },
		{ "{\"day\":\"2026-11-27\",\"water_ml\":0,\"heat_ml\":0,"
		    "\"pace_from\":2147483648,", "pace_from: past 2038-01-19" },
	};
	static const char tail[] = "\"last_reminder\":null,\"last_answer\":"
	    "null,\"snooze_until\":null,\"morning_done\":false,"
	    "\"evening_done\":false,\"unanswered\":0,\"paused\":false}";
	struct hydration_saved back;
	char text[512], err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", cases[i][0], tail);
		if (sizeof(time_t) == 4) {
			expect_refused(text, cases[i][1]);
			continue;
		}
		put(text);
		if (hydstore_load(&sd, &back, err, sizeof(err)) != 1)
			fail_msg("case %zu: %s", i, err);
	}
}

static void
test_failed_save_keeps_the_old_file(void **state)
{
	struct hydration_saved s, back;
	struct rlimit was, tiny;
	char err[512];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.day = hydration_day_parse("2026-11-27");
	s.water_ml = 500;
	s.pace_from = s.last_reminder = s.snooze_until = s.last_answer = NAN;
	assert_int_equal(hydstore_save(&sd, &s, err, sizeof(err)), 0);
	/* A full disk, as even root meets it: writes past 16 bytes fail. */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	tiny = was;
	tiny.rlim_cur = 16;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &tiny), 0);
	s.water_ml = 750;
	assert_int_equal(hydstore_save(&sd, &s, err, sizeof(err)), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	assert_non_null(strstr(err, dir));
	assert_int_equal(hydstore_load(&sd, &back, err, sizeof(err)), 1);
	assert_int_equal(back.water_ml, 500);
	assert_int_equal(files_in_dir(), 1);
	/* Nowhere to write at all. */
	{
		struct statedir none;

		assert_int_equal(statedir_open(&none, "/nonexistent/legwatch",
		    err, sizeof(err)), -1);
		assert_non_null(strstr(err, "/nonexistent/legwatch"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_press_is_a_glass),
		cmocka_unit_test(test_hold_snoozes_once_while_held),
		cmocka_unit_test(test_bounces_and_glitches_are_not_glasses),
		cmocka_unit_test(test_two_beeps),
		cmocka_unit_test_setup_teardown(test_state_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_state_files_are_named,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_past_2038, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_failed_save_keeps_the_old_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
