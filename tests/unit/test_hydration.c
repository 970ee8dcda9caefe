/*
 * The hydration reminder scheduler (design.md 4.4) through whole simulated
 * days: exact wall and monotonic times, a tick every 1 or 10 s, Berlin's
 * calendar with its DST changes.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "daemon/hydration.h"

#define MIN		60.0
#define HOUR		3600.0
#define MAX_FIRED	128
#define MAX_DAYS	16
#define ANY		(-1)	/* any reason */

struct fired {
	double				wall;
	double				mono;
	struct hydration_reminder	r;
};

struct sim {
	struct hydration	h;
	struct hydration_clock	c;	/* now: the last tick's time */
	double			step;
	int			booted;	/* the first tick is done */
	int			flags;	/* the last tick's */
	struct fired		f[MAX_FIRED];
	int			nf;
	double			new_day[MAX_DAYS]; /* NEW_DAY ticks */
	int			nnew_day;
	int			nstepped;
	double			lit_off; /* when the LED last went out */
	/* A temperature sensor that reports every sensor_every s. */
	double			sensor_c, sensor_every, sensor_next;
};

static void
zone(const char *tz)
{
	struct tm tm;
	time_t summer = 1784095200;	/* 2026-07-15 06:00 UTC */

	setenv("TZ", tz, 1);
	tzset();
	/* Without tzdata glibc quietly takes UTC: say so, not a wrong DST. */
	if (strcmp(tz, "Europe/Berlin") == 0 && (localtime_r(&summer,
	    &tm) == NULL || tm.tm_gmtoff != 7200))
		fail_msg("time zone %s is not installed (the tzdata package)",
		    tz);
}

/* The Unix time of a local clock time. */
static double
local(int y, int mo, int d, int hh, int mm)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_isdst = -1;
	return (double)mktime(&tm);
}

/* "06-10 07:30:00 CEST", from one of four rotating buffers. */
static const char *
show(double wall)
{
	static char buf[4][40];
	static int i;
	time_t t = (time_t)floor(wall);
	struct tm tm;

	i = (i + 1) % 4;
	localtime_r(&t, &tm);
	strftime(buf[i], sizeof(buf[i]), "%m-%d %H:%M:%S %Z", &tm);
	return buf[i];
}

/* The daemon's defaults. */
static void
params(struct hydration_params *p)
{
	memset(p, 0, sizeof(*p));
	p->enabled = 1;
	p->goal_ml = 2000;
	p->glass_ml = 250;
	p->wake_min = 7 * 60;
	p->bed_min = 22 * 60 + 30;
	p->min_gap_min = 45;
	p->warm_c = 26;
	p->warm_pct_per_c = 10;
	p->morning = 1;
	p->evening = 1;
	p->evening_lead_min = 90;
	p->after_cramp = 1;
	p->snooze_min = 60;
	p->need_clock_sync = 1;
	p->night_start_min = 22 * 60 + 30;
	p->night_end_min = 7 * 60;
}

static void
dump(const struct sim *s)
{
	int i;

	fprintf(stderr, "%d reminders:\n", s->nf);
	for (i = 0; i < s->nf; i++)
		fprintf(stderr, "  %2d %s %-11s water %d goal %d quiet %d\n",
		    i, show(s->f[i].wall),
		    hydration_reason_name(s->f[i].r.reason),
		    s->f[i].r.water_ml, s->f[i].r.goal_ml, s->f[i].r.quiet);
}

static void
tick(struct sim *s)
{
	struct hydration_reminder r;

	if (!isnan(s->sensor_c) && s->c.wall >= s->sensor_next) {
		hydration_temperature(&s->h, 0, s->c.wall, s->sensor_c);
		s->sensor_next = s->c.wall + s->sensor_every;
	}
	memset(&r, 0, sizeof(r));
	s->flags = hydration_tick(&s->h, &s->c, &r);
	if (s->flags & HYDRATION_FIRED) {
		if (s->nf == MAX_FIRED) {
			dump(s);
			fail_msg("more than %d reminders", MAX_FIRED);
		}
		s->f[s->nf].wall = s->c.wall;
		s->f[s->nf].mono = s->c.mono;
		s->f[s->nf].r = r;
		s->nf++;
	}
	if (s->flags & HYDRATION_NEW_DAY) {
		if (s->nnew_day == MAX_DAYS)
			fail_msg("more than %d new days", MAX_DAYS);
		s->new_day[s->nnew_day++] = s->c.wall;
	}
	if (s->flags & HYDRATION_STEPPED)
		s->nstepped++;
	if ((s->flags & HYDRATION_LIT) && !hydration_lit(&s->h))
		s->lit_off = s->c.wall;
}

/* A daemon starting at wall (its first tick in run), monotonic 5000 s. */
static void
start(struct sim *s, const struct hydration_params *p, double wall,
    double step, int synced)
{
	memset(s, 0, sizeof(*s));
	hydration_init(&s->h, p);
	s->c.wall = wall;
	s->c.mono = 5000;
	s->c.synced = synced;
	s->step = step;
	s->lit_off = NAN;
	s->sensor_c = NAN;
}

/* Tick on, step by step, up to and including the tick at until. */
static void
run(struct sim *s, double until)
{
	if (!s->booted) {
		s->booted = 1;
		tick(s);
	}
	while (s->c.wall + s->step <= until) {
		s->c.wall += s->step;
		s->c.mono += s->step;
		tick(s);
	}
}

/* The day rolls over at wake: the count starts again. */
static void
expect_new_day(struct sim *s, double wake)
{
	run(s, wake);
	assert_true(s->flags & HYDRATION_NEW_DAY);
	assert_int_equal(hydration_water(&s->h), 0);
}

static void
drink(struct sim *s)
{
	assert_int_equal(hydration_drank(&s->h, &s->c), 0);
}

/* Reminders of a reason (ANY: all) with from <= wall < to. */
static int
count(const struct sim *s, int reason, double from, double to)
{
	int i, n = 0;

	for (i = 0; i < s->nf; i++)
		if ((reason == ANY || (int)s->f[i].r.reason == reason) &&
		    s->f[i].wall >= from && s->f[i].wall < to)
			n++;
	return n;
}

/* The first reminder at or after from; -1: none. */
static int
first_from(const struct sim *s, double from)
{
	int i;

	for (i = 0; i < s->nf; i++)
		if (s->f[i].wall >= from)
			return i;
	return -1;
}

/* Reminder i is for reason, at wall within one tick after when. */
static void
expect(const struct sim *s, int i, enum hydration_reason reason, double when)
{
	if (i < 0 || i >= s->nf) {
		dump(s);
		fail_msg("no reminder %d (%s at %s)", i,
		    hydration_reason_name(reason), show(when));
		return;		/* fail_msg does not return */
	}
	if (s->f[i].r.reason != reason || s->f[i].wall < when ||
	    s->f[i].wall >= when + s->step) {
		dump(s);
		fail_msg("reminder %d: %s at %s, expected %s at %s", i,
		    hydration_reason_name(s->f[i].r.reason),
		    show(s->f[i].wall), hydration_reason_name(reason),
		    show(when));
	}
}

/* Consecutive reminders are at least min_gap apart in real time. */
static void
expect_spaced(const struct sim *s)
{
	int i;

	for (i = 1; i < s->nf; i++)
		if (s->f[i].mono - s->f[i - 1].mono < 45 * MIN) {
			dump(s);
			fail_msg("reminders %d and %d %.0f s apart", i - 1, i,
			    s->f[i].mono - s->f[i - 1].mono);
		}
}

/*
 * A cool day, nothing drunk, a tick a second: the morning glass, then the
 * pace with the gap backing off x1, x2, x4, then one evening reminder; a
 * silent night.
 */
static void
test_cool_day_without_a_glass(void **state)
{
	struct hydration_params p;
	struct sim s;
	double wake, pace_end, bed, next_wake;
	int i;

	(void)state;
	zone("Europe/Berlin");
	wake = local(2026, 6, 10, 7, 0);
	pace_end = local(2026, 6, 10, 21, 0);
	bed = local(2026, 6, 10, 22, 30);
	next_wake = local(2026, 6, 11, 7, 0);
	params(&p);
	start(&s, &p, local(2026, 6, 10, 6, 0), 1, 1);
	run(&s, wake - 1);
	assert_int_equal(s.nf, 0);
	run(&s, wake);
	assert_true(s.flags & HYDRATION_NEW_DAY);
	assert_int_equal(hydration_goal(&s.h), 2000);

	run(&s, next_wake);
	/* The pace: 250 ml each 14 h / 8 = 105 min from 07:00 to 21:00. */
	expect(&s, 0, HYDRATION_MORNING, local(2026, 6, 10, 7, 30));
	/* 08:45 is the first moment a whole glass behind (gap x1). */
	expect(&s, 1, HYDRATION_PACE, local(2026, 6, 10, 8, 45));
	expect(&s, 2, HYDRATION_PACE, local(2026, 6, 10, 10, 15)); /* x2 */
	expect(&s, 3, HYDRATION_PACE, local(2026, 6, 10, 13, 15)); /* x4 */
	expect(&s, 4, HYDRATION_PACE, local(2026, 6, 10, 16, 15));
	expect(&s, 5, HYDRATION_PACE, local(2026, 6, 10, 19, 15));
	/* Evening at bed - 90 min: not backed off to right before sleep. */
	expect(&s, 6, HYDRATION_EVENING, pace_end);
	if (s.nf != 7) {
		dump(&s);
		fail_msg("%d reminders, expected 7", s.nf);
	}
	for (i = 0; i < s.nf; i++) {
		assert_int_equal(s.f[i].r.water_ml, 0);
		assert_int_equal(s.f[i].r.goal_ml, 2000);
		assert_int_equal(s.f[i].r.quiet, 0);
		/* A pace reminder only when a whole glass behind. */
		if (s.f[i].r.reason == HYDRATION_PACE)
			assert_true(2000 * (s.f[i].wall - wake) /
			    (pace_end - wake) >= 250);
	}
	expect_spaced(&s);
	/* The evening window has the evening reminder alone. */
	assert_int_equal(count(&s, ANY, pace_end, bed), 1);
	assert_int_equal(count(&s, HYDRATION_EVENING, pace_end, bed), 1);
	/* Its LED goes out after an hour; the night is dark and silent. */
	assert_true(s.lit_off == pace_end + HOUR);
	assert_int_equal(count(&s, ANY, bed, next_wake), 0);
	assert_false(hydration_lit(&s.h));
	/* The next day begins at 07:00 sharp. */
	assert_int_equal(s.nnew_day, 3);
	assert_true(s.new_day[1] == wake);
	assert_true(s.new_day[2] == next_wake);
}

/* Every glass on time: never a reminder, not even morning or evening. */
static void
test_glasses_on_time_need_no_reminder(void **state)
{
	struct hydration_params p;
	struct sim s;
	double wake;
	int k;

	(void)state;
	zone("Europe/Berlin");
	wake = local(2026, 6, 10, 7, 0);
	params(&p);
	start(&s, &p, local(2026, 6, 10, 6, 0), 10, 1);
	for (k = 0; k < 8; k++) {
		run(&s, wake + k * 105 * MIN);
		drink(&s);
	}
	run(&s, local(2026, 6, 11, 7, 0) - 10);
	if (s.nf != 0) {
		dump(&s);
		fail_msg("%d reminders on a day drunk to the pace", s.nf);
	}
	assert_int_equal(hydration_water(&s.h), 2000);
	assert_false(hydration_lit(&s.h));
	expect_new_day(&s, local(2026, 6, 11, 7, 0));
}

/*
 * Up to a glass behind the pace is fine: each glass 100 min late needs no
 * reminder, 110 min late gets one when a whole glass behind (105 min),
 * and the evening reminder comes at bed - 90 min when the day is short.
 */
static void
test_reminds_only_a_whole_glass_behind(void **state)
{
	struct hydration_params p;
	struct sim s;
	double wake;
	int k;

	(void)state;
	zone("Europe/Berlin");
	wake = local(2026, 6, 10, 7, 0);
	params(&p);
	start(&s, &p, wake - HOUR, 10, 1);
	run(&s, wake);
	drink(&s);
	for (k = 1; k < 8; k++) {
		run(&s, wake + (k * 105 + 100) * MIN);
		drink(&s);
	}
	run(&s, local(2026, 6, 11, 7, 0) - 10);
	if (s.nf != 0) {
		dump(&s);
		fail_msg("%d reminders, never a glass behind", s.nf);
	}
	assert_int_equal(hydration_water(&s.h), 2000);

	start(&s, &p, wake - HOUR, 10, 1);
	run(&s, wake);
	drink(&s);
	for (k = 1; k < 8; k++) {
		run(&s, wake + (k * 105 + 110) * MIN);
		drink(&s);
	}
	run(&s, local(2026, 6, 11, 7, 0) - 10);
	/* Glass k is a glass behind at wake + (k + 1) * 105 min. */
	for (k = 1; k < 7; k++) {
		expect(&s, k - 1, HYDRATION_PACE, wake + (k + 1) * 105 * MIN);
		assert_int_equal(s.f[k - 1].r.water_ml, 250 * k);
	}
	/* At 21:00 (bed - 90 min) the day is a glass short. */
	expect(&s, 6, HYDRATION_EVENING, local(2026, 6, 10, 21, 0));
	assert_int_equal(s.f[6].r.water_ml, 1750);
	assert_int_equal(s.nf, 7);
}

/* The reasons and local clock times of the reminders of [from, to). */
static int
day_pattern(const struct sim *s, double from, double to, int *out, int max)
{
	int i, n = 0;

	for (i = 0; i < s->nf && n < max; i++)
		if (s->f[i].wall >= from && s->f[i].wall < to) {
			time_t t = (time_t)s->f[i].wall;
			struct tm tm;

			localtime_r(&t, &tm);
			out[n++] = s->f[i].r.reason * 100000 +
			    tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
		}
	return n;
}

/* A warm room: more reminders, some for heat, a bigger goal. */
static void
test_hot_day(void **state)
{
	struct hydration_params p;
	struct sim cool, hot;
	double wake, bed;
	int i, heat = 0, cool_pat[32], n;

	(void)state;
	zone("Europe/Berlin");
	wake = local(2026, 7, 20, 7, 0);
	bed = local(2026, 7, 20, 22, 30);
	params(&p);
	start(&cool, &p, wake - HOUR, 10, 1);
	run(&cool, bed);
	start(&hot, &p, wake - HOUR, 10, 1);
	hot.sensor_c = 30;
	hot.sensor_every = 60;
	run(&hot, bed);

	if (hot.nf <= cool.nf) {
		dump(&cool);
		dump(&hot);
		fail_msg("hot day %d reminders, cool day %d", hot.nf, cool.nf);
	}
	for (i = 0; i < hot.nf; i++) {
		double grown = 800 * (hot.f[i].wall - wake) / (14 * HOUR);

		if (hot.f[i].r.reason == HYDRATION_HEAT)
			heat++;
		/* The goal grows by 40 % of its pace while it is warm. */
		assert_true(fabs(hot.f[i].r.goal_ml - 2000 - grown) <= 1);
		assert_int_equal(hot.f[i].r.water_ml, 0);
		assert_int_equal(hot.f[i].r.quiet, 0);
	}
	assert_true(heat >= 5);
	expect(&hot, 0, HYDRATION_MORNING, local(2026, 7, 20, 7, 30));
	expect(&hot, hot.nf - 1, HYDRATION_EVENING, local(2026, 7, 20, 21, 0));
	/* Heat shortens the backed-off gap 1.4 times: 90 min, then 180. */
	for (i = 2; i < hot.nf - 1; i++) {
		double gap = (i == 2 ? 90 : 180) * MIN / 1.4;

		expect(&hot, i, HYDRATION_HEAT, hot.f[i - 1].wall + gap);
	}
	/* 4 degrees over warm_c at 10 %/degree: 40 % more over 14 h. */
	assert_int_equal(hydration_goal(&hot.h), 2800);
	assert_int_equal(hydration_goal(&cool.h), 2000);

	/* A reading from 06:29 is 31 min old at wake: a cool day. */
	start(&hot, &p, wake - HOUR, 10, 1);
	run(&hot, wake - 31 * MIN);
	hydration_temperature(&hot.h, 3, hot.c.wall, 35);
	run(&hot, bed);
	n = day_pattern(&cool, wake, bed, cool_pat, 32);
	{
		int hot_pat[32];

		assert_int_equal(day_pattern(&hot, wake, bed, hot_pat, 32), n);
		assert_memory_equal(hot_pat, cool_pat, n * sizeof(int));
	}
	assert_int_equal(hydration_goal(&hot.h), 2000);

	/* The sensor stops at 12:00: heat counts until 12:30, then not. */
	start(&hot, &p, wake - HOUR, 10, 1);
	hot.sensor_c = 30;
	hot.sensor_every = 60;
	run(&hot, local(2026, 7, 20, 12, 0));
	hot.sensor_c = NAN;
	run(&hot, local(2026, 7, 20, 12, 30));
	/* 5.5 h at 40 %: 2000 * 0.4 * 5.5 / 14 = 314 ml. */
	assert_int_equal(hydration_goal(&hot.h), 2314);
	run(&hot, bed);
	assert_int_equal(hydration_goal(&hot.h), 2314);
}

/*
 * Around a DST change: the day from wake to wake lasts `hours`, the day
 * rolls over at 07:00 local, and each day's reminders come at the same
 * local times.  d is the date whose day (07:00 to 07:00) holds the change.
 */
static void
dst_days(int y, int mo, int d, int hours)
{
	struct hydration_params p;
	struct sim s;
	int i, n, pat[3][32], np[3];

	params(&p);
	start(&s, &p, local(y, mo, d - 1, 6, 0), 10, 1);
	for (i = 0; i < 3; i++) {
		double wake = local(y, mo, d - 1 + i, 7, 0);
		double next = local(y, mo, d + i, 7, 0);

		run(&s, local(y, mo, d - 1 + i, 12, 0));
		drink(&s);
		run(&s, next - 10);
		assert_int_equal(hydration_water(&s.h), 250);
		run(&s, next);
		assert_true(s.flags & HYDRATION_NEW_DAY);
		assert_int_equal(hydration_water(&s.h), 0);
		/* The morning glass at 07:30 local, DST or not. */
		n = first_from(&s, wake);
		expect(&s, n, HYDRATION_MORNING,
		    local(y, mo, d - 1 + i, 7, 30));
		np[i] = day_pattern(&s, wake, next, pat[i], 32);
	}
	/* New days: at the start, then 07:00 local on d-1, d, d+1, d+2. */
	assert_int_equal(s.nnew_day, 5);
	assert_true(s.new_day[1] == local(y, mo, d - 1, 7, 0));
	assert_true(s.new_day[2] - s.new_day[1] == 24 * HOUR);
	assert_true(s.new_day[3] - s.new_day[2] == hours * HOUR);
	assert_true(s.new_day[4] - s.new_day[3] == 24 * HOUR);
	assert_true(s.new_day[4] == local(y, mo, d + 2, 7, 0));
	/* The mornings are as far apart as the days. */
	assert_true(s.f[first_from(&s, s.new_day[2])].wall -
	    s.f[first_from(&s, s.new_day[1])].wall == 24 * HOUR);
	assert_true(s.f[first_from(&s, s.new_day[3])].wall -
	    s.f[first_from(&s, s.new_day[2])].wall == hours * HOUR);
	for (i = 1; i < 3; i++) {
		if (np[i] != np[0]) {
			dump(&s);
			fail_msg("day %d: %d reminders, day 0: %d", i, np[i],
			    np[0]);
		}
		assert_memory_equal(pat[i], pat[0], np[0] * sizeof(int));
	}
	assert_true(np[0] >= 3);
}

static void
test_dst_spring_forward_day_of_23_hours(void **state)
{
	(void)state;
	zone("Europe/Berlin");
	/* 2026-03-29 02:00 CET becomes 03:00 CEST. */
	assert_true(local(2026, 3, 29, 7, 0) - local(2026, 3, 28, 7, 0) ==
	    23 * HOUR);
	dst_days(2026, 3, 28, 23);
}

static void
test_dst_fall_back_day_of_25_hours(void **state)
{
	(void)state;
	zone("Europe/Berlin");
	/* 2026-10-25 03:00 CEST becomes 02:00 CET. */
	dst_days(2026, 10, 24, 25);
}

/*
 * The wall clock jumps 3 h ahead at 12:00; the monotonic one runs on.
 * Two reminders (10:30, 11:15) were ignored, so the next waits 90 min
 * of real time: the jump is not time that passed.
 */
static void
test_clock_step_forward(void **state)
{
	struct hydration_params p;
	struct sim s;
	double at15;

	(void)state;
	zone("Europe/Berlin");
	params(&p);
	start(&s, &p, local(2026, 6, 10, 6, 0), 10, 1);
	run(&s, local(2026, 6, 10, 7, 10));
	drink(&s);
	run(&s, local(2026, 6, 10, 12, 0));
	/* No morning reminder after a glass; a glass behind at 10:30. */
	expect(&s, 0, HYDRATION_PACE, local(2026, 6, 10, 10, 30));
	expect(&s, 1, HYDRATION_PACE, local(2026, 6, 10, 11, 15));
	assert_int_equal(s.nf, 2);
	assert_int_equal(s.nstepped, 0);

	s.c.wall += 3 * HOUR;
	at15 = local(2026, 6, 10, 15, 0) + 10;
	run(&s, at15);
	assert_true(s.flags & HYDRATION_STEPPED);
	assert_false(s.flags & HYDRATION_NEW_DAY);
	assert_false(s.flags & HYDRATION_FIRED);
	assert_int_equal(hydration_water(&s.h), 250);
	/* Three hours more behind the pace: one reminder at most, no burst. */
	run(&s, local(2026, 6, 10, 22, 30));
	assert_true(count(&s, ANY, at15, at15 + 45 * MIN) <= 1);
	/* 11:15 + 90 min of real time is 15:45 on the stepped clock. */
	expect(&s, 2, HYDRATION_PACE, local(2026, 6, 10, 15, 45));
	assert_true(s.f[2].mono - s.f[1].mono == 90 * MIN);
	expect_spaced(&s);
	assert_int_equal(s.nstepped, 1);
	assert_int_equal(hydration_water(&s.h), 250);
	assert_int_equal(count(&s, HYDRATION_EVENING, local(2026, 6, 10, 21, 0),
	    local(2026, 6, 10, 22, 30)), 1);
	assert_int_equal(count(&s, HYDRATION_MORNING, 0, INFINITY), 0);
	/* The day still ends at the next 07:00. */
	run(&s, local(2026, 6, 11, 7, 0));
	assert_true(s.flags & HYDRATION_NEW_DAY);
	assert_int_equal(s.nnew_day, 3);
	assert_int_equal(hydration_water(&s.h), 0);
}

/* The wall clock is set back from 09:00 to 06:30, over the wake time. */
static void
test_clock_set_back_over_wake_keeps_the_day(void **state)
{
	struct hydration_params p;
	struct sim s;
	int n;

	(void)state;
	zone("Europe/Berlin");
	params(&p);
	start(&s, &p, local(2026, 6, 10, 6, 0), 10, 1);
	run(&s, local(2026, 6, 10, 8, 0));
	drink(&s);
	run(&s, local(2026, 6, 10, 8, 50));
	drink(&s);
	run(&s, local(2026, 6, 10, 9, 0));
	assert_int_equal(s.nnew_day, 2);
	n = s.nf;

	s.c.wall = local(2026, 6, 10, 6, 30) - 10;
	run(&s, local(2026, 6, 10, 6, 30));
	assert_true(s.flags & HYDRATION_STEPPED);
	assert_false(s.flags & HYDRATION_NEW_DAY);
	assert_int_equal(hydration_water(&s.h), 500);
	/* 06:30 to 07:00 again is night; 07:00 again is no new day. */
	run(&s, local(2026, 6, 10, 7, 0) - 10);
	assert_int_equal(s.nf, n);
	run(&s, local(2026, 6, 10, 9, 0));
	assert_int_equal(hydration_water(&s.h), 500);
	assert_int_equal(s.nnew_day, 2);
	/* The pace follows the clock: 500 ml is a glass behind at 12:15. */
	run(&s, local(2026, 6, 10, 12, 30));
	assert_int_equal(s.nf, n + 1);
	expect(&s, n, HYDRATION_PACE, local(2026, 6, 10, 12, 15));
	assert_int_equal(s.f[n].r.water_ml, 500);
	/* One morning reminder for the day, and never a burst. */
	run(&s, local(2026, 6, 11, 7, 0) - 10);
	assert_int_equal(count(&s, HYDRATION_MORNING, 0, INFINITY), 1);
	expect_spaced(&s);
	assert_int_equal(hydration_water(&s.h), 500);
	assert_int_equal(s.nnew_day, 2);
	assert_int_equal(s.nstepped, 1);
	expect_new_day(&s, local(2026, 6, 11, 7, 0));
}

/* A whole day with the clock not known to be right: no reminders. */
static void
test_unsynced_clock_gives_no_reminders(void **state)
{
	struct hydration_params p;
	struct sim s;

	(void)state;
	zone("Europe/Berlin");
	params(&p);
	start(&s, &p, local(2026, 6, 10, 6, 0), 10, 0);
	run(&s, local(2026, 6, 10, 9, 0));
	drink(&s);
	run(&s, local(2026, 6, 10, 15, 0));
	drink(&s);
	assert_int_equal(hydration_water(&s.h), 500);
	run(&s, local(2026, 6, 11, 6, 0));
	if (s.nf != 0) {
		dump(&s);
		fail_msg("%d reminders with an unsynced clock", s.nf);
	}
	assert_int_equal(s.nnew_day, 0);
	assert_int_equal(hydration_water(&s.h), 500);

	/* Synced at 06:00: still the day of 06-10, both glasses in it. */
	s.c.synced = 1;
	run(&s, local(2026, 6, 11, 6, 0) + 10);
	assert_true(s.flags & HYDRATION_NEW_DAY);
	assert_int_equal(hydration_water(&s.h), 500);
	expect_new_day(&s, local(2026, 6, 11, 7, 0));
	run(&s, local(2026, 6, 11, 9, 0));
	expect(&s, 0, HYDRATION_MORNING, local(2026, 6, 11, 7, 30));
}

/*
 * A boot at 06:00 with the clock 10 h behind (the last shutdown's time);
 * glasses at 06:30, 07:15 and 07:45; at 08:00 the clock syncs with a step
 * into the next day: the 06:30 glass was before that day's wake.
 */
static void
test_sync_step_into_the_next_day_keeps_glasses_after_wake(void **state)
{
	struct hydration_params p;
	struct sim s;
	double real, stale;
	int i;

	(void)state;
	zone("Europe/Berlin");
	real = local(2026, 6, 11, 6, 0);
	stale = real - 10 * HOUR;
	params(&p);
	start(&s, &p, stale, 10, 0);
	run(&s, stale + 30 * MIN);
	drink(&s);
	run(&s, stale + 75 * MIN);
	drink(&s);
	run(&s, stale + 105 * MIN);
	drink(&s);
	assert_int_equal(hydration_water(&s.h), 750);
	/* The stale clock ran through 20:00-22:00: no evening reminder. */
	run(&s, stale + 2 * HOUR - 10);
	assert_int_equal(s.nf, 0);

	s.c.wall = real + 2 * HOUR - 20;
	s.c.synced = 1;
	run(&s, real + 2 * HOUR - 10);
	assert_true(s.flags & HYDRATION_STEPPED);
	assert_true(s.flags & HYDRATION_NEW_DAY);
	assert_int_equal(hydration_water(&s.h), 500);
	{
		char day[16];

		assert_int_equal(hydration_day_string(s.h.s.day, day,
		    sizeof(day)), 0);
		assert_string_equal(day, "2026-06-11");
	}
	/* Reminders from now on, with the two glasses counted. */
	run(&s, local(2026, 6, 11, 22, 30));
	assert_true(s.nf > 0);
	assert_int_equal(count(&s, HYDRATION_MORNING, 0, INFINITY), 0);
	for (i = 0; i < s.nf; i++)
		assert_int_equal(s.f[i].r.water_ml, 500);
	expect_spaced(&s);
}

/*
 * A restart with the saved state of the day and a clock not synced yet
 * (2 h behind): no reminders by it; a glass meanwhile counts; once synced
 * the day goes on with its count.
 */
static void
test_restart_unsynced_keeps_the_day_and_waits(void **state)
{
	struct hydration_params p;
	struct hydration_saved saved;
	struct sim a, b;
	double real;

	(void)state;
	zone("Europe/Berlin");
	params(&p);
	start(&a, &p, local(2026, 6, 10, 6, 0), 10, 1);
	run(&a, local(2026, 6, 10, 7, 35));
	expect(&a, 0, HYDRATION_MORNING, local(2026, 6, 10, 7, 30));
	saved = a.h.s;

	real = local(2026, 6, 10, 14, 0);
	start(&b, &p, real - 2 * HOUR, 10, 0);
	b.c.mono = 20;
	hydration_restore(&b.h, &saved);
	run(&b, real - HOUR);
	drink(&b);
	/* 12:00-13:00 by the stale clock is far behind the pace: silence. */
	run(&b, real - 10);
	assert_int_equal(b.nf, 0);
	assert_int_equal(hydration_water(&b.h), 250);

	b.c.wall = real + HOUR - 10;
	b.c.synced = 1;
	run(&b, real + HOUR);
	assert_true(b.flags & HYDRATION_STEPPED);
	assert_false(b.flags & HYDRATION_NEW_DAY);
	assert_int_equal(hydration_water(&b.h), 250);
	run(&b, local(2026, 6, 10, 22, 30));
	assert_true(b.nf > 0);
	assert_true(count(&b, ANY, real + HOUR, real + HOUR + 45 * MIN) <= 1);
	assert_int_equal(count(&b, HYDRATION_MORNING, 0, INFINITY), 0);
	assert_int_equal(b.f[0].r.water_ml, 250);
	expect_spaced(&b);
}

/* A night window wider than bed to wake is silent all through. */
static void
test_night_window(void **state)
{
	struct hydration_params p;
	struct sim s;

	(void)state;
	zone("Europe/Berlin");
	params(&p);
	p.night_start_min = 21 * 60;
	p.night_end_min = 7 * 60 + 45;
	start(&s, &p, local(2026, 6, 10, 6, 0), 10, 1);
	run(&s, local(2026, 6, 11, 12, 0));
	assert_int_equal(count(&s, ANY, local(2026, 6, 10, 21, 0),
	    local(2026, 6, 11, 7, 45)), 0);
	/* The morning glass waits for the night's end; no evening at all. */
	expect(&s, 0, HYDRATION_MORNING, local(2026, 6, 10, 7, 45));
	expect(&s, 1, HYDRATION_PACE, local(2026, 6, 10, 8, 45));
	expect(&s, 2, HYDRATION_PACE, local(2026, 6, 10, 10, 15));
	expect(&s, 3, HYDRATION_PACE, local(2026, 6, 10, 13, 15));
	expect(&s, 4, HYDRATION_PACE, local(2026, 6, 10, 16, 15));
	expect(&s, 5, HYDRATION_PACE, local(2026, 6, 10, 19, 15));
	expect(&s, 6, HYDRATION_MORNING, local(2026, 6, 11, 7, 45));
	assert_int_equal(count(&s, HYDRATION_EVENING, 0, INFINITY), 0);
}

/* A cramp in the night: one quiet reminder, its LED out after 30 min. */
static void
test_night_cramp(void **state)
{
	struct hydration_params p;
	struct sim s;
	double t2;

	(void)state;
	zone("Europe/Berlin");
	t2 = local(2026, 6, 11, 2, 0);
	params(&p);
	start(&s, &p, local(2026, 6, 10, 22, 30), 10, 1);
	run(&s, t2);
	assert_int_equal(s.nf, 0);
	hydration_cramp(&s.h);
	run(&s, t2 + 10);
	assert_true(s.flags & HYDRATION_FIRED);
	assert_true(s.flags & HYDRATION_LIT);
	expect(&s, 0, HYDRATION_AFTER_CRAMP, t2 + 10);
	assert_int_equal(s.f[0].r.quiet, 1);
	assert_int_equal(s.f[0].r.water_ml, 0);
	assert_int_equal(s.f[0].r.goal_ml, 2000);
	assert_string_equal(hydration_reason_name(s.f[0].r.reason),
	    "after_cramp");
	assert_true(hydration_lit(&s.h));

	/* Ten minutes later another cramp of the cluster: no reminder. */
	run(&s, t2 + 10 * MIN);
	hydration_cramp(&s.h);
	run(&s, t2 + 30 * MIN);
	assert_int_equal(s.nf, 1);
	assert_true(hydration_lit(&s.h));
	run(&s, t2 + 31 * MIN);
	assert_false(hydration_lit(&s.h));
	assert_true(s.lit_off == s.f[0].wall + 30 * MIN);

	run(&s, local(2026, 6, 11, 7, 0) - 10);
	assert_int_equal(s.nf, 1);

	/* A cramp an hour after the first is a new cluster. */
	start(&s, &p, local(2026, 6, 10, 22, 30), 10, 1);
	run(&s, t2);
	hydration_cramp(&s.h);
	run(&s, t2 + HOUR);
	hydration_cramp(&s.h);
	run(&s, local(2026, 6, 11, 7, 0) - 10);
	assert_int_equal(s.nf, 2);
	expect(&s, 1, HYDRATION_AFTER_CRAMP, t2 + HOUR + 10);
	assert_int_equal(s.f[1].r.quiet, 1);

	/* after_cramp = 0: the night stays dark. */
	p.after_cramp = 0;
	start(&s, &p, local(2026, 6, 10, 22, 30), 10, 1);
	run(&s, t2);
	hydration_cramp(&s.h);
	run(&s, local(2026, 6, 11, 7, 0) - 10);
	assert_int_equal(s.nf, 0);
}

/* Snooze holds reminders and puts the LED out; a glass puts it out. */
static void
test_snooze_and_a_glass(void **state)
{
	struct hydration_params p;
	struct sim s;
	double snooze;
	int i;

	(void)state;
	zone("Europe/Berlin");
	snooze = local(2026, 6, 10, 8, 20);
	params(&p);
	start(&s, &p, local(2026, 6, 10, 6, 0), 10, 1);
	run(&s, snooze);
	expect(&s, 0, HYDRATION_MORNING, local(2026, 6, 10, 7, 30));
	assert_true(hydration_lit(&s.h));
	hydration_snooze(&s.h, &s.c);
	assert_false(hydration_lit(&s.h));
	/* The pace reminder due at 08:45 waits for the snooze's end. */
	run(&s, snooze + 60 * MIN - 10);
	assert_int_equal(s.nf, 1);
	run(&s, snooze + 60 * MIN);
	expect(&s, 1, HYDRATION_PACE, snooze + 60 * MIN);
	assert_true(hydration_lit(&s.h));
	run(&s, snooze + 65 * MIN);
	drink(&s);
	assert_false(hydration_lit(&s.h));
	assert_int_equal(hydration_water(&s.h), 250);
	run(&s, local(2026, 6, 10, 22, 30));
	assert_true(s.nf > 2);
	for (i = 2; i < s.nf; i++)
		assert_int_equal(s.f[i].r.water_ml, 250);
	expect_spaced(&s);

	/* Snoozed at night: a cramp gives no reminder either. */
	start(&s, &p, local(2026, 6, 10, 23, 0), 10, 1);
	run(&s, local(2026, 6, 11, 1, 50));
	hydration_snooze(&s.h, &s.c);
	run(&s, local(2026, 6, 11, 2, 0));
	hydration_cramp(&s.h);
	run(&s, local(2026, 6, 11, 3, 0));
	assert_int_equal(s.nf, 0);
}

/* A glass adds glass_ml, whatever its size. */
static void
test_glass_size(void **state)
{
	struct hydration_params p;
	struct sim s;

	(void)state;
	zone("Europe/Berlin");
	params(&p);
	p.glass_ml = 330;
	start(&s, &p, local(2026, 6, 10, 7, 10), 10, 1);
	run(&s, local(2026, 6, 10, 7, 20));
	drink(&s);
	drink(&s);
	drink(&s);
	assert_int_equal(hydration_water(&s.h), 990);
	run(&s, local(2026, 6, 10, 22, 30));
	/* No morning reminder after a glass, and 990 ml is ahead till 12:00. */
	assert_int_equal(count(&s, HYDRATION_MORNING, 0, INFINITY), 0);
	assert_int_equal(count(&s, ANY, 0, local(2026, 6, 10, 12, 0)), 0);
}

/*
 * With a 330 ml glass the count must stop at or below HYDRATION_WATER_MAX:
 * a saved water_ml above it is refused on load, and the day's count
 * would be lost at the next restart.
 */
static void
test_water_never_passes_the_max(void **state)
{
	struct hydration_params p;
	struct sim s;
	int i, refused = 0;

	(void)state;
	zone("Europe/Berlin");
	params(&p);
	p.glass_ml = 330;
	start(&s, &p, local(2026, 6, 10, 9, 0), 10, 1);
	run(&s, local(2026, 6, 10, 9, 0));
	for (i = 0; i < 100; i++) {
		if (hydration_drank(&s.h, &s.c) == -1)
			refused++;
		assert_true(hydration_water(&s.h) <= HYDRATION_WATER_MAX);
	}
	assert_true(refused > 0);
}

/* Monitoring paused: not a reminder, not even after a cramp. */
static void
test_pause(void **state)
{
	struct hydration_params p;
	struct sim s;

	(void)state;
	zone("Europe/Berlin");
	params(&p);
	start(&s, &p, local(2026, 6, 10, 6, 0), 10, 1);
	hydration_pause(&s.h, 1);
	run(&s, local(2026, 6, 11, 2, 0));
	hydration_cramp(&s.h);
	run(&s, local(2026, 6, 11, 7, 0));
	assert_int_equal(s.nf, 0);
	assert_false(hydration_lit(&s.h));
	/* Monitoring back on: the next morning is as usual. */
	hydration_pause(&s.h, 0);
	run(&s, local(2026, 6, 11, 9, 0));
	expect(&s, 0, HYDRATION_MORNING, local(2026, 6, 11, 7, 30));

	/* enabled = 0 is as silent. */
	p.enabled = 0;
	start(&s, &p, local(2026, 6, 10, 6, 0), 10, 1);
	run(&s, local(2026, 6, 11, 2, 0));
	hydration_cramp(&s.h);
	run(&s, local(2026, 6, 11, 7, 0));
	assert_int_equal(s.nf, 0);
}

/* Restarted from a state saved at start, run to next's 06:59:50. */
static void
restarted(struct sim *b, const struct hydration_params *p,
    const struct hydration_saved *saved, double start_at, double next)
{
	start(b, p, start_at, 10, 1);
	b->c.mono = 12;	/* a new boot */
	hydration_restore(&b->h, saved);
	assert_int_equal(hydration_water(&b->h), saved->water_ml);
	run(b, next - 10);
}

/*
 * Restarts the same day: at 07:40, after the morning reminder (nothing
 * drunk), and at 10:05, after two glasses.  The count stays, the morning
 * reminder is not repeated, and the reminders are those of a day without
 * a restart.
 */
static void
test_restore_same_day(void **state)
{
	struct hydration_params p;
	struct hydration_saved at0735, at1000;
	struct sim a, b;
	double next, bed;
	int pa[32], pb[32], n;

	(void)state;
	zone("Europe/Berlin");
	next = local(2026, 6, 11, 7, 0);
	bed = local(2026, 6, 10, 22, 30);
	params(&p);
	start(&a, &p, local(2026, 6, 10, 6, 0), 10, 1);
	run(&a, local(2026, 6, 10, 7, 35));
	expect(&a, 0, HYDRATION_MORNING, local(2026, 6, 10, 7, 30));
	at0735 = a.h.s;
	run(&a, local(2026, 6, 10, 9, 0));
	drink(&a);
	run(&a, local(2026, 6, 10, 9, 30));
	drink(&a);
	run(&a, local(2026, 6, 10, 10, 0));
	at1000 = a.h.s;
	run(&a, next - 10);

	restarted(&b, &p, &at0735, local(2026, 6, 10, 7, 40), next);
	assert_int_equal(b.nnew_day, 0);
	assert_int_equal(count(&b, HYDRATION_MORNING, 0, INFINITY), 0);
	/* The pace as without the restart, the backoff carried over. */
	expect(&b, 0, HYDRATION_PACE, local(2026, 6, 10, 8, 45));
	expect(&b, 1, HYDRATION_PACE, local(2026, 6, 10, 10, 15));
	expect(&b, 2, HYDRATION_PACE, local(2026, 6, 10, 13, 15));
	assert_int_equal(b.f[0].r.water_ml, 0);

	restarted(&b, &p, &at1000, local(2026, 6, 10, 10, 5), next);
	assert_int_equal(b.nnew_day, 0);
	assert_int_equal(hydration_water(&b.h), 500);
	assert_int_equal(count(&b, HYDRATION_MORNING, 0, INFINITY), 0);
	assert_true(b.nf > 0);
	assert_int_equal(b.f[0].r.water_ml, 500);
	n = day_pattern(&a, local(2026, 6, 10, 10, 5), bed, pa, 32);
	assert_int_equal(day_pattern(&b, local(2026, 6, 10, 10, 5), bed, pb,
	    32), n);
	assert_memory_equal(pa, pb, n * sizeof(int));
	run(&b, next);
	assert_true(b.flags & HYDRATION_NEW_DAY);
	assert_int_equal(hydration_water(&b.h), 0);
}

/* A state saved yesterday: today starts at 0. */
static void
test_restore_earlier_day(void **state)
{
	struct hydration_params p;
	struct hydration_saved saved;
	struct sim a, b;
	char day[16];
	int k;

	(void)state;
	zone("Europe/Berlin");
	params(&p);
	start(&a, &p, local(2026, 6, 9, 6, 0), 10, 1);
	for (k = 0; k < 6; k++) {
		run(&a, local(2026, 6, 9, 8 + 2 * k, 0));
		drink(&a);
	}
	run(&a, local(2026, 6, 10, 1, 0));
	saved = a.h.s;
	assert_int_equal(saved.water_ml, 1500);
	assert_int_equal(hydration_day_string(saved.day, day, sizeof(day)), 0);
	/* 01:00 belongs to the day that began at 07:00 the day before. */
	assert_string_equal(day, "2026-06-09");

	start(&b, &p, local(2026, 6, 10, 7, 50), 10, 1);
	b.c.mono = 12;
	hydration_restore(&b.h, &saved);
	run(&b, local(2026, 6, 10, 7, 50));
	assert_true(b.flags & HYDRATION_NEW_DAY);
	assert_int_equal(hydration_water(&b.h), 0);
	assert_int_equal(hydration_day_string(b.h.s.day, day, sizeof(day)), 0);
	assert_string_equal(day, "2026-06-10");
	/* Today's morning reminder was not given yet: it comes now. */
	expect(&b, 0, HYDRATION_MORNING, local(2026, 6, 10, 7, 50));
	assert_int_equal(b.f[0].r.water_ml, 0);
}

static void
test_day_string_round_trip(void **state)
{
	static const char *const bad[] = {
		"2026-02-30", "2026-1-01", "", "2026-02-29", "2026-13-01",
		"2026-00-10", "2026-01-00", "2026-01-32", "2026-04-31",
		"2026-01-01x", "2026/01/01", "1969-12-31", "26-01-01",
		"2026-01-01 ",
	};
	char buf[16];
	int day;
	size_t i;

	(void)state;
	assert_int_equal(hydration_day_parse("1970-01-01"), 0);
	assert_int_equal(hydration_day_parse("2026-01-01"), 20454);
	assert_int_equal(hydration_day_parse("2024-02-29"), 19782);
	assert_int_equal(hydration_day_parse("2000-02-29"), 11016);
	for (day = 0; day < 50000; day += 7) {
		assert_int_equal(hydration_day_string(day, buf, sizeof(buf)),
		    0);
		assert_int_equal(hydration_day_parse(buf), day);
	}
	assert_int_equal(hydration_day_string(20454, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2026-01-01");
	assert_int_equal(hydration_day_string(20784, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2026-11-27");
	/* Ten characters and the NUL. */
	assert_int_equal(hydration_day_string(20454, buf, 11), 0);
	assert_int_equal(hydration_day_string(20454, buf, 10), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hydration_day_parse(bad[i]) != -1)
			fail_msg("\"%s\" parsed as day %d", bad[i],
			    hydration_day_parse(bad[i]));
}

/*
 * sscanf's %2d would take a sign and skip blanks: "2026-01-+1",
 * "2026-+1-01" and "2026- 1-01" are ten characters too.
 */
static void
test_day_parse_takes_digits_only(void **state)
{
	static const char *const bad[] = {
		"2026-01-+1", "2026-+1-01", "2026- 1-01", "2026-01- 1",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hydration_day_parse(bad[i]) != -1)
			fail_msg("\"%s\" parsed as day %d", bad[i],
			    hydration_day_parse(bad[i]));
}


/*
 * A reminder answered late, still a glass behind: the glass does not set
 * off the next reminder at once; that waits min_gap from the glass.
 */
static void
test_a_late_glass_is_not_answered_by_a_reminder(void **state)
{
	struct hydration_params p;
	struct sim s;
	double at15;
	int n;

	(void)state;
	params(&p);
	p.morning = 0;
	start(&s, &p, local(2026, 6, 10, 6, 0), 10, 1);
	at15 = local(2026, 6, 10, 15, 0);
	run(&s, at15);
	n = s.nf;
	assert_true(n >= 3);
	drink(&s);
	run(&s, at15 + 45 * MIN - 10);
	assert_int_equal(s.nf, n);
	assert_false(hydration_lit(&s.h));
	/* Still behind: the next comes a gap after the glass. */
	run(&s, at15 + 50 * MIN);
	expect(&s, n, HYDRATION_PACE, at15 + 45 * MIN);
	assert_int_equal(s.f[n].r.water_ml, 250);
}

/*
 * Snoozed at 21:00 for an hour; the power goes at 21:05; the Pi boots
 * the next morning at 07:00 with its clock at 21:05 (fake-hwclock) and
 * NTP steps it.  The snooze is not carried into the new morning: the
 * morning reminder comes at 07:30 as always.  A clock that booted at
 * 1970 does not make the snooze last for decades either.
 */
static void
test_a_saved_snooze_does_not_outlive_the_boot_step(void **state)
{
	struct hydration_params p;
	struct hydration_saved saved;
	struct sim a, b;
	double boot = local(2026, 6, 11, 7, 0);

	(void)state;
	params(&p);
	start(&a, &p, local(2026, 6, 10, 20, 0), 10, 1);
	run(&a, local(2026, 6, 10, 21, 0));
	hydration_snooze(&a.h, &a.c);
	run(&a, local(2026, 6, 10, 21, 5));
	saved = a.h.s;

	start(&b, &p, local(2026, 6, 10, 21, 5), 10, 0);
	b.c.mono = 12;
	hydration_restore(&b.h, &saved);
	run(&b, local(2026, 6, 10, 21, 6));
	/* NTP: the true time, and the kernel says so. */
	b.c.wall = boot + 60;
	b.c.synced = 1;
	run(&b, local(2026, 6, 11, 8, 0));
	assert_true(b.nstepped >= 1);
	expect(&b, first_from(&b, boot), HYDRATION_MORNING,
	    local(2026, 6, 11, 7, 30));

	start(&b, &p, 86400.0, 10, 0);
	b.c.mono = 12;
	hydration_restore(&b.h, &saved);
	run(&b, 86400.0 + 60);
	b.c.wall = boot + 60;
	b.c.synced = 1;
	run(&b, local(2026, 6, 11, 8, 0));
	/* A new day: no snooze at all. */
	if (!isnan(b.h.s.snooze_until))
		fail_msg("snooze until %s", show(b.h.s.snooze_until));
	expect(&b, first_from(&b, boot), HYDRATION_MORNING,
	    local(2026, 6, 11, 7, 30));
}

/*
 * The clock steps 30 h back and then forward again, or 22 h forward and
 * back: the day and its count (four glasses by noon) come back with the
 * clock.
 */
static void
test_a_clock_that_steps_away_and_back_keeps_the_count(void **state)
{
	struct hydration_params p;
	struct sim s;
	double noon = local(2026, 6, 10, 12, 0);
	int i, n;

	(void)state;
	params(&p);
	start(&s, &p, local(2026, 6, 10, 6, 0), 10, 1);
	for (i = 0; i < 4; i++) {
		run(&s, local(2026, 6, 10, 7, 0) + i * 105 * MIN);
		drink(&s);
	}
	run(&s, noon);
	assert_int_equal(hydration_water(&s.h), 1000);
	n = s.nf;
	s.c.wall -= 30 * HOUR;
	run(&s, noon - 30 * HOUR + 10 * MIN);
	s.c.wall += 30 * HOUR;
	run(&s, noon + 30 * MIN);
	assert_int_equal(hydration_water(&s.h), 1000);
	/* On the pace all along: no reminder. */
	run(&s, local(2026, 6, 10, 14, 0));
	assert_int_equal(s.nf, n);

	s.c.wall += 22 * HOUR;
	run(&s, local(2026, 6, 11, 12, 10));
	assert_int_equal(hydration_water(&s.h), 0);
	s.c.wall -= 22 * HOUR;
	run(&s, local(2026, 6, 10, 14, 30));
	assert_int_equal(hydration_water(&s.h), 1000);
	/* The day goes on: a glass behind (1250 ml) at 15:45. */
	run(&s, local(2026, 6, 10, 16, 0));
	expect(&s, first_from(&s, local(2026, 6, 10, 14, 30)), HYDRATION_PACE,
	    local(2026, 6, 10, 15, 45));
}

/*
 * Rebooted before NTP, with a reminder saved from later than the boot's
 * clock: a cramp still gets its quiet reminder (spaced on the steady
 * clock, not against a time the clock has not reached).
 */
static void
test_a_cramp_before_the_clock_is_known(void **state)
{
	struct hydration_params p;
	struct hydration_saved saved;
	struct sim s;

	(void)state;
	params(&p);
	memset(&saved, 0, sizeof(saved));
	saved.day = hydration_day_parse("2026-06-10");
	saved.pace_from = saved.last_answer = saved.snooze_until = NAN;
	saved.last_reminder = local(2026, 6, 10, 23, 0);
	start(&s, &p, local(2026, 6, 10, 3, 0), 10, 0);
	hydration_restore(&s.h, &saved);
	run(&s, local(2026, 6, 10, 3, 1));
	hydration_cramp(&s.h);
	run(&s, local(2026, 6, 10, 3, 2));
	assert_int_equal(s.nf, 1);
	assert_int_equal(s.f[0].r.reason, HYDRATION_AFTER_CRAMP);
	assert_true(s.f[0].r.quiet);
}

static int
berlin(void **state)
{
	(void)state;
	zone("Europe/Berlin");
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cool_day_without_a_glass),
		cmocka_unit_test(test_glasses_on_time_need_no_reminder),
		cmocka_unit_test(test_reminds_only_a_whole_glass_behind),
		cmocka_unit_test(test_hot_day),
		cmocka_unit_test(test_dst_spring_forward_day_of_23_hours),
		cmocka_unit_test(test_dst_fall_back_day_of_25_hours),
		cmocka_unit_test(test_clock_step_forward),
		cmocka_unit_test(test_clock_set_back_over_wake_keeps_the_day),
		cmocka_unit_test(test_unsynced_clock_gives_no_reminders),
		cmocka_unit_test(
		    test_sync_step_into_the_next_day_keeps_glasses_after_wake),
		cmocka_unit_test(test_restart_unsynced_keeps_the_day_and_waits),
		cmocka_unit_test(test_night_window),
		cmocka_unit_test(test_night_cramp),
		cmocka_unit_test(test_snooze_and_a_glass),
		cmocka_unit_test(test_glass_size),
		cmocka_unit_test(test_water_never_passes_the_max),
		cmocka_unit_test(test_pause),
		cmocka_unit_test(test_restore_same_day),
		cmocka_unit_test(test_restore_earlier_day),
		cmocka_unit_test(test_day_string_round_trip),
		cmocka_unit_test(test_day_parse_takes_digits_only),
		cmocka_unit_test(
		    test_a_late_glass_is_not_answered_by_a_reminder),
		cmocka_unit_test(
		    test_a_saved_snooze_does_not_outlive_the_boot_step),
		cmocka_unit_test(
		    test_a_clock_that_steps_away_and_back_keeps_the_count),
		cmocka_unit_test(test_a_cramp_before_the_clock_is_known),
	};

	return cmocka_run_group_tests_name("hydration", tests, berlin, NULL);
}
