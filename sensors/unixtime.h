/*
 * The times this build can hold.  With a 32-bit time_t (armhf on Debian
 * 12, the 32-bit Raspberry Pi OS) the last second is 2038-01-19 03:14:07
 * UTC: a later time would wrap in localtime() and mktime() and land in
 * 1901, so a recording or a state file that has one is refused, saying
 * why, rather than read as another day.
 */
#ifndef LEGWATCH_UNIXTIME_H
#define LEGWATCH_UNIXTIME_H

#include <time.h>

#define UNIXTIME_32BIT_MAX	2147483647.0	/* 2038-01-19 03:14:07 UTC */
/* Days since 1970-01-01: 2038-01-18, not whole before it in UTC-12. */
#define UNIXTIME_32BIT_DAYS	24854
#define UNIXTIME_PAST		"past 2038-01-19 03:14:07 UTC, the last " \
				"time a 32-bit time_t (this build's) holds"

/* t (Unix s) can be held by this build's time_t. */
static inline int
unixtime_fits(double t)
{
	return sizeof(time_t) > 4 || t <= UNIXTIME_32BIT_MAX;
}

/* The local day (days since 1970-01-01) can be held. */
static inline int
unixtime_day_fits(int day)
{
	return sizeof(time_t) > 4 || day < UNIXTIME_32BIT_DAYS;
}

#endif
