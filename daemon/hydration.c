#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "hydration.h"

/* The morning reminder: this long after wake, and not later than ... */
#define MORNING_DELAY_S		(30 * 60.0)
#define MORNING_LATEST_S	(2 * 3600.0)
/* An unanswered reminder's LED goes out after this long. */
#define LIT_DAY_S		3600.0
#define LIT_QUIET_S		1800.0
/* A reading older than this says nothing about the room now. */
#define TEMP_FRESH_S		1800.0
/* The wall clock moved this much against the monotonic one: a step. */
#define STEP_S			2.0
/* Longer between ticks than this is not time spent in the heat. */
#define HEAT_DT_MAX_S		300.0
/* Heat at most doubles the pace. */
#define HEAT_MULT_MAX		2.0
/* Heat's share of the goal is saved when it has grown this much. */
#define HEAT_SAVE_ML		25.0
#define UNANSWERED_MAX		100
/* A recording's clock is followed second by second, minute by minute
 * over a long gap, and not at all over a gap of weeks. */
#define FOLLOW_FINE_S		3600.0
#define FOLLOW_JUMP_S		(30 * 86400.0)

static const char *const reason_names[] = {
	[HYDRATION_PACE] = "pace",
	[HYDRATION_HEAT] = "heat",
	[HYDRATION_EVENING] = "evening",
	[HYDRATION_AFTER_CRAMP] = "after_cramp",
	[HYDRATION_MORNING] = "morning",
};

const char *
hydration_reason_name(enum hydration_reason r)
{
	return reason_names[r];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int
days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int
hydration_day_string(int day, char *buf, unsigned long bufsz)
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	return (unsigned long)snprintf(buf, bufsz, "%04d-%02d-%02d", y, m, d) <
	    bufsz ? 0 : -1;
}

int
hydration_day_parse(const char *s)
{
	int y, m, d, n = 0, day, y2, m2, d2;

	for (n = 0; n < 10; n++)
		if (s[n] == '\0' || (n == 4 || n == 7 ? s[n] != '-' :
		    !isdigit((unsigned char)s[n])))
			return -1;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] != '\0' ||
	    n != 10 || y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	day = days_from_civil(y, m, d);
	/* 2026-02-30 is not a day. */
	civil_from_days(day, &y2, &m2, &d2);
	return y2 == y && m2 == m && d2 == d ? day : -1;
}

/* The Unix time of a local clock time on a local date (DST included). */
static double
local_instant(int day, int minute)
{
	struct tm tm;
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_min = minute;	/* mktime carries it past midnight */
	tm.tm_isdst = -1;
	return (double)mktime(&tm);
}

/* Past 2038 a 32-bit time_t (armhf on Debian 12) cannot say the time. */
#define TIME_T_LIMIT	(sizeof(time_t) == 4 ? 2147483647.0 : 1e15)

static int
local_minute(double wall, int *day)
{
	time_t secs;
	struct tm tm;

	if (!(wall > -TIME_T_LIMIT && wall < TIME_T_LIMIT)) {
		*day = 0;
		return 0;
	}
	secs = (time_t)floor(wall);
	if (localtime_r(&secs, &tm) == NULL) {
		*day = 0;
		return 0;
	}
	*day = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return tm.tm_hour * 60 + tm.tm_min;
}

int
hydration_local_date(double wall)
{
	int day;

	(void)local_minute(wall, &day);
	return day;
}

/* The day a moment belongs to: the local date of the wake before it. */
static int
day_of(const struct hydration *h, double wall)
{
	int day, minute = local_minute(wall, &day);

	return minute < h->p.wake_min ? day - 1 : day;
}

static int
in_night(const struct hydration *h, double wall)
{
	int day, m = local_minute(wall, &day);
	int s = h->p.night_start_min, e = h->p.night_end_min;

	return s < e ? m >= s && m < e : m >= s || m < e;
}

static void
plan(struct hydration *h, int day)
{
	int awake = (h->p.bed_min - h->p.wake_min + 1440) % 1440;

	h->wake_t = local_instant(day, h->p.wake_min);
	h->bed_t = local_instant(day, h->p.wake_min + awake);
	h->pace_end_t = local_instant(day, h->p.wake_min + awake -
	    h->p.evening_lead_min);
	h->next_wake_t = local_instant(day + 1, h->p.wake_min);
}

void
hydration_init(struct hydration *h, const struct hydration_params *p)
{
	int i;

	memset(h, 0, sizeof(*h));
	h->p = *p;
	h->s.day = HYDRATION_NO_DAY;
	h->s.pace_from = NAN;
	h->s.last_reminder = h->s.snooze_until = h->s.last_answer = NAN;
	h->offset = h->last_wall = h->reminder_mono = NAN;
	for (i = 0; i < HYDRATION_TEMPS; i++)
		h->temp_c[i] = h->temp_t[i] = NAN;
}

static void
unlight(struct hydration *h)
{
	h->lit = 0;
}

void
hydration_set_params(struct hydration *h, const struct hydration_params *p)
{
	h->p = *p;
	if (!h->p.enabled)
		unlight(h);
	if (h->s.day != HYDRATION_NO_DAY)
		plan(h, h->s.day);
}

void
hydration_restore(struct hydration *h, const struct hydration_saved *s)
{
	h->s = h->disk = *s;
	h->restored = 1;
	if (h->s.water_ml < 0)
		h->s.water_ml = 0;
	if (h->s.water_ml > HYDRATION_WATER_MAX)
		h->s.water_ml = HYDRATION_WATER_MAX;
	h->saved_heat = h->s.heat_ml;
	if (h->s.day != HYDRATION_NO_DAY)
		plan(h, h->s.day);
}

int
hydration_water(const struct hydration *h)
{
	return h->s.water_ml;
}

int
hydration_lit(const struct hydration *h)
{
	return h->lit;
}

int
hydration_goal(const struct hydration *h)
{
	return h->p.goal_ml + (int)lround(h->s.heat_ml);
}

int
hydration_paused(const struct hydration *h)
{
	return h->s.paused;
}

void
hydration_pause(struct hydration *h, int paused)
{
	h->s.paused = paused;
	if (paused)
		unlight(h);
}

void
hydration_event(const struct hydration_reminder *r, double wall,
    struct event *ev)
{
	event_init(ev, EVENT_HYDRATION_REMINDER, wall, "");
	snprintf(ev->text, sizeof(ev->text), "%s", reason_names[r->reason]);
	ev->water_ml = r->water_ml;
	ev->goal_ml = r->goal_ml;
	ev->quiet = r->quiet;
}

void
hydration_cramp(struct hydration *h)
{
	h->cramp_pending = 1;
}

void
hydration_temperature(struct hydration *h, int source, double wall,
    double celsius)
{
	if (source < 0 || source >= HYDRATION_TEMPS || !isfinite(celsius))
		return;
	h->temp_c[source] = celsius;
	h->temp_t[source] = wall;
}

int
hydration_drank(struct hydration *h, const struct hydration_clock *c)
{
	if (h->s.water_ml + h->p.glass_ml > HYDRATION_WATER_MAX)
		return -1;
	h->s.water_ml += h->p.glass_ml;
	h->s.unanswered = 0;
	h->s.last_answer = c->wall;
	unlight(h);
	/* Which day it belongs to is decided once the clock is known. */
	if (!h->synced && h->npending < HYDRATION_PENDING)
		h->pending[h->npending++] = c->mono;
	return 0;
}

void
hydration_snooze(struct hydration *h, const struct hydration_clock *c)
{
	h->s.snooze_until = c->wall + h->p.snooze_min * 60.0;
	h->s.unanswered = 0;
	h->s.last_answer = c->wall;
	unlight(h);
}

/*
 * Times restored from before a restart were measured on a clock that was
 * right then: a step before the first sync corrects this boot's clock,
 * not them.
 */
static void
shift_time(double *t, double restored, int keep_restored, double step)
{
	if (!(keep_restored && *t == restored))
		*t += step;
}

/* The wall clock stepped: what was measured on it moves with it. */
static void
shift(struct hydration *h, double step)
{
	int keep = h->restored && !h->synced, i;

	shift_time(&h->s.last_reminder, h->disk.last_reminder, keep, step);
	shift_time(&h->s.last_answer, h->disk.last_answer, keep, step);
	shift_time(&h->s.snooze_until, h->disk.snooze_until, keep, step);
	/* A day left behind stays in step with the clock for its return. */
	h->stash.last_reminder += step;
	h->stash.last_answer += step;
	h->stash.snooze_until += step;
	h->lit_until += step;
	h->last_wall += step;
	for (i = 0; i < HYDRATION_TEMPS; i++)
		h->temp_t[i] += step;
}

/* How much the warmest fresh reading speeds things up: 1 when cool. */
static double
heat_factor(const struct hydration *h, double wall)
{
	double warmest = -INFINITY, f;
	int i;

	for (i = 0; i < HYDRATION_TEMPS; i++)
		if (!isnan(h->temp_c[i]) && wall - h->temp_t[i] <= TEMP_FRESH_S &&
		    h->temp_c[i] > warmest)
			warmest = h->temp_c[i];
	if (warmest <= h->p.warm_c)
		return 1.0;
	f = 1.0 + h->p.warm_pct_per_c / 100.0 * (warmest - h->p.warm_c);
	return f > HEAT_MULT_MAX ? HEAT_MULT_MAX : f;
}

/* What the pace asks for by then, heat aside: 0 before the pace starts. */
static double
expected(const struct hydration *h, double t)
{
	double from = h->s.pace_from > h->wake_t ? h->s.pace_from : h->wake_t;
	double to = t < h->pace_end_t ? t : h->pace_end_t;

	if (to <= from)
		return 0;
	return h->p.goal_ml * (to - from) / (h->pace_end_t - h->wake_t);
}

static void
new_day(struct hydration *h, int day, const struct hydration_clock *c)
{
	int i;

	h->s.day = day;
	plan(h, day);
	h->s.water_ml = 0;
	/* Glasses from before the clock was known, if they fall today. */
	for (i = 0; i < h->npending; i++)
		if (c->wall - (c->mono - h->pending[i]) >= h->wake_t)
			h->s.water_ml += h->p.glass_ml;
	h->s.heat_ml = h->saved_heat = 0;
	/* Unseen hours are not held against the day. */
	h->s.pace_from = c->wall > h->wake_t ? c->wall : h->wake_t;
	h->s.morning_done = h->s.evening_done = 0;
	h->s.unanswered = 0;
	h->s.snooze_until = NAN;
	unlight(h);
}

/*
 * The day for the clock's new reading.  A clock set back over the wake
 * keeps the day and its count; one that steps to a day it stepped away
 * from finds that day as it was; a day two or more behind the one held
 * means the held one came from a clock gone wrong.
 */
static int
follow_day(struct hydration *h, const struct hydration_clock *c, int stepped)
{
	struct hydration_saved held;
	int day = day_of(h, c->wall);

	if (day == h->s.day)
		return 0;
	if (h->have_stash && h->stash.day == day) {
		held = h->s;
		h->s = h->stash;
		h->stash = held;
		h->s.paused = held.paused;
		plan(h, day);
		unlight(h);
		return HYDRATION_CHANGED;
	}
	if (h->s.day != HYDRATION_NO_DAY && day == h->s.day - 1)
		return 0;
	if ((h->have_stash = stepped && h->s.day != HYDRATION_NO_DAY))
		h->stash = h->s;
	new_day(h, day, c);
	return HYDRATION_NEW_DAY | HYDRATION_CHANGED;
}

/* Ignored reminders space out: the gap doubles twice, then stays. */
static double
gap_s(const struct hydration *h)
{
	int n = h->s.unanswered;

	return h->p.min_gap_min * 60.0 * (n >= 3 ? 4 : n == 2 ? 2 : 1);
}

static int
fire(struct hydration *h, enum hydration_reason reason, int quiet,
    double wall, double mono, struct hydration_reminder *out)
{
	out->reason = reason;
	out->water_ml = h->s.water_ml;
	out->goal_ml = hydration_goal(h);
	out->quiet = quiet;
	h->s.last_reminder = wall;
	h->reminder_mono = mono;
	if (h->s.unanswered < UNANSWERED_MAX)
		h->s.unanswered++;
	h->lit = 1;
	h->lit_until = wall + (quiet ? LIT_QUIET_S : LIT_DAY_S);
	/* A day's reminder does not shine into the night. */
	if (!quiet && wall < h->bed_t && h->lit_until > h->bed_t)
		h->lit_until = h->bed_t;
	return HYDRATION_FIRED | HYDRATION_CHANGED;
}

/* The waking day's reminders: morning, pace or heat, evening. */
static int
day_reminder(struct hydration *h, double wall, double mono, double heat,
    struct hydration_reminder *out)
{
	/* From the last reminder, or the last answer if that came later. */
	double last = isnan(h->s.last_answer) || h->s.last_reminder >
	    h->s.last_answer ? h->s.last_reminder : h->s.last_answer;
	double since = isnan(last) ? INFINITY : wall - last;
	double gap = gap_s(h), glass = h->p.glass_ml;
	int water = h->s.water_ml;

	if (!h->s.morning_done) {
		if (!h->p.morning || water > 0 ||
		    wall >= h->wake_t + MORNING_LATEST_S) {
			h->s.morning_done = 1;
			return HYDRATION_CHANGED;
		}
		if (wall >= h->wake_t + MORNING_DELAY_S &&
		    since >= h->p.min_gap_min * 60.0) {
			h->s.morning_done = 1;
			return fire(h, HYDRATION_MORNING, 0, wall, mono, out);
		}
	}
	if (wall < h->pace_end_t) {
		double base = expected(h, wall);

		if (base - water >= glass && since >= gap)
			return fire(h, HYDRATION_PACE, 0, wall, mono, out);
		if (base + h->s.heat_ml - water >= glass && since >= gap / heat)
			return fire(h, HYDRATION_HEAT, 0, wall, mono, out);
		return 0;
	}
	if (!h->p.evening || h->s.evening_done)
		return 0;
	/* Short of the day's goal by half a glass or more: one glass now. */
	if (expected(h, h->pace_end_t) + h->s.heat_ml - water < glass / 2) {
		h->s.evening_done = 1;
		return HYDRATION_CHANGED;
	}
	/* The plain gap: backed off, it would come right before sleep. */
	if (since < h->p.min_gap_min * 60.0)
		return 0;
	h->s.evening_done = 1;
	return fire(h, HYDRATION_EVENING, 0, wall, mono, out);
}

int
hydration_tick(struct hydration *h, const struct hydration_clock *c,
    struct hydration_reminder *out)
{
	int flags = 0, was_lit = h->lit;
	double wall = c->wall, heat, since;

	if (!isnan(h->offset) && fabs(wall - c->mono - h->offset) > STEP_S) {
		shift(h, wall - c->mono - h->offset);
		flags |= HYDRATION_STEPPED;
	}
	h->offset = wall - c->mono;
	if (!h->synced && (c->synced || !h->p.need_clock_sync)) {
		h->synced = 1;
		/*
		 * Times from before a restart were shifted with the boot's
		 * clock step: none may lie ahead of now by more than it can.
		 */
		if (h->s.last_reminder > wall)
			h->s.last_reminder = wall;
		if (h->s.last_answer > wall)
			h->s.last_answer = wall;
		if (h->s.snooze_until > wall + h->p.snooze_min * 60.0)
			h->s.snooze_until = wall + h->p.snooze_min * 60.0;
	}
	if (h->synced && (h->s.day == HYDRATION_NO_DAY ||
	    wall >= h->next_wake_t || wall < h->wake_t ||
	    (flags & HYDRATION_STEPPED)))
		flags |= follow_day(h, c, flags & HYDRATION_STEPPED);
	if (h->synced)
		h->npending = 0;
	if (h->lit && wall >= h->lit_until)
		unlight(h);

	heat = heat_factor(h, wall);
	if (h->synced && h->s.day != HYDRATION_NO_DAY &&
	    !isnan(h->last_wall) &&
	    wall - h->last_wall > 0 && wall - h->last_wall <= HEAT_DT_MAX_S &&
	    wall >= h->wake_t && wall < h->pace_end_t && heat > 1.0) {
		h->s.heat_ml += h->p.goal_ml / (h->pace_end_t - h->wake_t) *
		    (heat - 1.0) * (wall - h->last_wall);
		if (h->s.heat_ml > h->p.goal_ml)
			h->s.heat_ml = h->p.goal_ml;
		if (h->s.heat_ml - h->saved_heat >= HEAT_SAVE_ML) {
			h->saved_heat = h->s.heat_ml;
			flags |= HYDRATION_CHANGED;
		}
	}
	h->last_wall = wall;

	if (h->s.paused || !h->p.enabled ||
	    (!isnan(h->s.snooze_until) && wall < h->s.snooze_until)) {
		h->cramp_pending = 0;
		goto done;
	}
	/* Measured on the steady clock: right before the wall clock is. */
	since = !isnan(h->reminder_mono) ? c->mono - h->reminder_mono :
	    h->synced && !isnan(h->s.last_reminder) ? wall -
	    h->s.last_reminder : INFINITY;
	if (h->cramp_pending) {
		h->cramp_pending = 0;
		/* Cramps come in clusters: one reminder for the cluster. */
		if (h->p.after_cramp && since >= h->p.min_gap_min * 60.0) {
			flags |= fire(h, HYDRATION_AFTER_CRAMP, 1, wall, c->mono, out);
			goto done;
		}
	}
	/* Nothing by the wall clock until it is known to be right. */
	if (!h->synced || h->s.day == HYDRATION_NO_DAY || wall < h->wake_t ||
	    wall >= h->bed_t || in_night(h, wall))
		goto done;
	flags |= day_reminder(h, wall, c->mono, heat, out);
done:
	if (h->lit != was_lit)
		flags |= HYDRATION_LIT;
	return flags;
}

int
hydration_follow(struct hydration *h, double *next, double t,
    hydration_fire_fn fn, void *ctx)
{
	struct hydration_clock c = { 0, 0, 1 };
	struct hydration_reminder r;
	int flags = 0, f;

	if (isnan(*next) || t - *next > FOLLOW_JUMP_S)
		*next = t;
	while (*next <= t) {
		c.wall = c.mono = *next;
		if ((f = hydration_tick(h, &c, &r)) & HYDRATION_FIRED)
			fn(ctx, &r, c.wall);
		flags |= f;
		*next += t - *next > FOLLOW_FINE_S ? 60.0 : 1.0;
	}
	return flags;
}
