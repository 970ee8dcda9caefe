#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "hydstore.h"
#include "statefile.h"
#include "sensors/unixtime.h"

int
hydstore_save(const struct statedir *sd, const struct hydration_saved *s,
    char *err, unsigned long errsz)
{
	char day[16];

	/* Before the clock is known the day is not either. */
	if (s->day == HYDRATION_NO_DAY ||
	    hydration_day_string(s->day, day, sizeof(day)) == -1)
		day[0] = '\0';
	return statefile_write(sd, HYDSTORE_FILE, json_pack(
	    "{s:o,s:i,s:o,s:o,s:o,s:o,s:o,s:b,s:b,s:i,s:b}",
	    "day", day[0] ? json_string(day) : json_null(),
	    "water_ml", s->water_ml,
	    "heat_ml", json_real(round(s->heat_ml * 10) / 10),
	    "pace_from", statefile_time(s->pace_from),
	    "last_reminder", statefile_time(s->last_reminder),
	    "last_answer", statefile_time(s->last_answer),
	    "snooze_until", statefile_time(s->snooze_until),
	    "morning_done", s->morning_done, "evening_done", s->evening_done,
	    "unanswered", s->unanswered, "paused", s->paused), err, errsz);
}

/*
 * A time field: a number or null (none); -1 if it is something else, -2
 * if this build cannot hold it (unixtime.h).
 */
static int
get_time(json_t *o, const char *key, double *out)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v)) {
		*out = NAN;
		return 0;
	}
	if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
	    json_number_value(v) < 0)
		return -1;
	*out = json_number_value(v);
	return unixtime_fits(*out) ? 0 : -2;
}

#define BAD_TIME(rc, key)	((rc) == -2 ? key ": " UNIXTIME_PAST : \
				    key ": expected a Unix time or null")

int
hydstore_parse(const char *text, size_t len, const char *path,
    struct hydration_saved *s, char *err, unsigned long errsz)
{
	json_error_t je;
	json_t *o, *v;
	const char *bad = NULL;
	int rc = -1, t;

	if ((o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(err, errsz, "%s:%d: %s", path, je.line, je.text);
		return -2;
	}
	memset(s, 0, sizeof(*s));
	if (!json_is_object(o))
		bad = "not a JSON object";
	else if (json_is_null(v = json_object_get(o, "day")) ? (s->day =
	    HYDRATION_NO_DAY, 0) : !json_is_string(v) ||
	    (s->day = hydration_day_parse(json_string_value(v))) < 0)
		bad = "day: expected \"YYYY-MM-DD\" or null";
	else if (s->day != HYDRATION_NO_DAY && !unixtime_day_fits(s->day))
		bad = "day: " UNIXTIME_PAST;
	else if (!json_is_integer(v = json_object_get(o, "water_ml")) ||
	    json_integer_value(v) < 0 ||
	    json_integer_value(v) > HYDRATION_WATER_MAX)
		bad = "water_ml: expected a whole number of ml, 0..20000";
	else if (s->water_ml = (int)json_integer_value(v),
	    !json_is_number(v = json_object_get(o, "heat_ml")) ||
	    !(json_number_value(v) >= 0 && json_number_value(v) <= 10000))
		bad = "heat_ml: expected a number of ml, 0..10000";
	else if (s->heat_ml = json_number_value(v),
	    (t = get_time(o, "pace_from", &s->pace_from)) != 0)
		bad = BAD_TIME(t, "pace_from");
	else if ((t = get_time(o, "last_reminder", &s->last_reminder)) != 0)
		bad = BAD_TIME(t, "last_reminder");
	else if ((t = get_time(o, "last_answer", &s->last_answer)) != 0)
		bad = BAD_TIME(t, "last_answer");
	else if ((t = get_time(o, "snooze_until", &s->snooze_until)) != 0)
		bad = BAD_TIME(t, "snooze_until");
	else if (!json_is_boolean(v = json_object_get(o, "morning_done")))
		bad = "morning_done: expected true or false";
	else if (s->morning_done = json_is_true(v),
	    !json_is_boolean(v = json_object_get(o, "evening_done")))
		bad = "evening_done: expected true or false";
	else if (s->evening_done = json_is_true(v),
	    !json_is_integer(v = json_object_get(o, "unanswered")) ||
	    json_integer_value(v) < 0 || json_integer_value(v) > 100)
		bad = "unanswered: expected a whole number, 0..100";
	else if (s->unanswered = (int)json_integer_value(v),
	    !json_is_boolean(v = json_object_get(o, "paused")))
		bad = "paused: expected true or false";
	else {
		s->paused = json_is_true(v);
		rc = 1;
	}
	if (bad != NULL) {
		snprintf(err, errsz, "%s: %s", path, bad);
		rc = -2;
	}
	json_decref(o);
	return rc;
}

int
hydstore_load(const struct statedir *sd, struct hydration_saved *s,
    char *err, unsigned long errsz)
{
	char path[PATH_MAX], text[STATEFILE_MAX];
	size_t len;
	int r;

	if ((r = statefile_read(sd, HYDSTORE_FILE, text, &len, path,
	    sizeof(path), err, errsz)) != 1)
		return r;
	return hydstore_parse(text, len, path, s, err, errsz);
}
