/* Logging: levels for the journal, words for a terminal, repeats held. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/log.h"

static char path[] = "/tmp/legwatch-log-XXXXXX";

/* Runs fn with stderr going to a file; returns what it wrote. */
static char *
captured(void (*fn)(void))
{
	static char buf[8192];
	int fd, saved;
	ssize_t n;

	strcpy(path, "/tmp/legwatch-log-XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static void
repeats(void)
{
	int i;

	for (i = 0; i < 5; i++)
		log_err("ankle: %s", "no answer");
	log_err("room: no answer");
	for (i = 0; i < 3; i++)
		log_notice("a glass logged");
	log_warn("room: no answer");
	log_warn("room: no answer");
	log_flush();
}

static void
test_repeated_errors_are_counted(void **state)
{
	const char *out;

	(void)state;
	unsetenv("JOURNAL_STREAM");
	log_init("legwatchd", LOG_LVL_INFO);
	out = captured(repeats);
	assert_string_equal(out,
	    "legwatchd: error: ankle: no answer\n"
	    "legwatchd: error: (the message before was repeated 4 times)\n"
	    "legwatchd: error: room: no answer\n"
	    "legwatchd: a glass logged\n"
	    "legwatchd: a glass logged\n"
	    "legwatchd: a glass logged\n"
	    "legwatchd: warning: room: no answer\n"
	    "legwatchd: warning: (the message before was repeated 1 time)\n");
}

static void
levels(void)
{
	log_err("bad");
	log_info("said");
	log_debug("not said");
	log_flush();
}

static void
test_journal_levels(void **state)
{
	(void)state;
	setenv("JOURNAL_STREAM", "8:1234", 1);
	log_init("legwatchd", LOG_LVL_INFO);
	assert_string_equal(captured(levels), "<3>bad\n<6>said\n");
	unsetenv("JOURNAL_STREAM");
	log_init("legwatchd", LOG_LVL_ERR);
	assert_string_equal(captured(levels), "legwatchd: error: bad\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeated_errors_are_counted),
		cmocka_unit_test(test_journal_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
