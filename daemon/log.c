#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static const char *log_progname = "legwatchd";
static int log_threshold = LOG_LVL_NOTICE;
/* The journal keeps levels from a "<N>" prefix; a terminal wants words. */
static int log_to_journal;

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

void
log_msg(int level, const char *fmt, ...)
{
	static const char *const words[] = {
		[LOG_LVL_ERR] = "error: ",
		[LOG_LVL_WARNING] = "warning: ",
		[LOG_LVL_NOTICE] = "",
		[LOG_LVL_INFO] = "",
		[LOG_LVL_DEBUG] = "debug: ",
	};
	va_list ap;

	if (level > log_threshold)
		return;
	if (log_to_journal)
		fprintf(stderr, "<%d>", level);
	else
		fprintf(stderr, "%s: %s", log_progname, words[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
