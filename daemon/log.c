#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

/*
 * The same message again within this long is counted, not printed: a
 * fault that repeats every second must not fill the journal.
 */
#define REPEAT_WINDOW_S	60.0
#define LOG_LINE_MAX	1024

static const char *log_progname = "legwatchd";
static int log_threshold = LOG_LVL_NOTICE;
/* The journal keeps levels from a "<N>" prefix; a terminal wants words. */
static int log_to_journal;

static struct {
	char	text[LOG_LINE_MAX];
	int	level;
	double	printed;	/* monotonic s */
	int	repeats;	/* held back since */
} last;

void
log_init(const char *progname, int level)
{
	log_progname = progname;
	log_threshold = level;
	log_to_journal = getenv("JOURNAL_STREAM") != NULL;
}

int
log_level(void)
{
	return log_threshold;
}

static void
put(int level, const char *text)
{
	static const char *const words[] = {
		[LOG_LVL_ERR] = "error: ",
		[LOG_LVL_WARNING] = "warning: ",
		[LOG_LVL_NOTICE] = "",
		[LOG_LVL_INFO] = "",
		[LOG_LVL_DEBUG] = "debug: ",
	};

	if (log_to_journal)
		fprintf(stderr, "<%d>%s\n", level, text);
	else
		fprintf(stderr, "%s: %s%s\n", log_progname, words[level], text);
}

/* What was held back is said once the run of repeats ends. */
static void
say_repeats(void)
{
	char text[96];

	if (last.repeats == 0)
		return;
	snprintf(text, sizeof(text), "(the message before was repeated %d "
	    "time%s)", last.repeats, last.repeats == 1 ? "" : "s");
	put(last.level, text);
	last.repeats = 0;
}

void
log_flush(void)
{
	say_repeats();
	last.text[0] = '\0';
}

void
log_msg(int level, const char *fmt, ...)
{
	char text[LOG_LINE_MAX];
	struct timespec ts;
	double now;
	va_list ap;

	if (level > log_threshold)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	if (level <= LOG_LVL_WARNING && level == last.level &&
	    strcmp(text, last.text) == 0 && now - last.printed < REPEAT_WINDOW_S) {
		last.repeats++;
		return;
	}
	say_repeats();
	put(level, text);
	snprintf(last.text, sizeof(last.text), "%s", text);
	last.level = level;
	last.printed = now;
}
