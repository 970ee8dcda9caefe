#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "event.h"

static const char *const type_names[EVENT_TYPE_COUNT] = {
	[EVENT_LEG_MOVEMENT] = "leg_movement",
	[EVENT_BODY_MOVEMENT] = "body_movement",
	[EVENT_PLM_SERIES] = "plm_series",
	[EVENT_CRAMP_START] = "cramp_start",
	[EVENT_CRAMP] = "cramp",
	[EVENT_NIGHT_SUMMARY] = "night_summary",
	[EVENT_HYDRATION_REMINDER] = "hydration_reminder",
	[EVENT_SENSOR_FAULT] = "sensor_fault",
	[EVENT_SENSOR_OK] = "sensor_ok",
	[EVENT_SIT_RESULT] = "sit_result",
};

const char *
event_type_name(enum event_type type)
{
	return type_names[type];
}

int
event_is_movement(const struct event *ev)
{
	return ev->type == EVENT_LEG_MOVEMENT ||
	    ev->type == EVENT_BODY_MOVEMENT;
}

void
event_init(struct event *ev, enum event_type type, double time,
    const char *sensor)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->time = time;
	ev->start = ev->end = NAN;
	ev->night.temp_min_c = ev->night.temp_max_c = NAN;
	snprintf(ev->sensor, sizeof(ev->sensor), "%s", sensor);
}

void
event_format_time(char *buf, unsigned long bufsz, double t)
{
	long long ms = llround(t * 1000.0);
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	if (ms < 0 || gmtime_r(&secs, &tm) == NULL) {
		snprintf(buf, bufsz, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* Times are exact to the millisecond in and out; so is every figure. */
static json_t *
json_ms(double v)
{
	if (!isfinite(v))
		return json_null();	/* not measured: a digital sensor */
	return json_real(round(v * 1000.0) / 1000.0);
}

static int
set(json_t *obj, const char *key, json_t *value)
{
	return json_object_set_new(obj, key, value);
}

static int
set_optional_temp(json_t *obj, const char *key, double v)
{
	return set(obj, key, isnan(v) ? json_null() :
	    json_real(round(v * 100.0) / 100.0));
}

/*
 * Words a phone notification or a speaker can use as they are.  Neutral:
 * water is not known to prevent cramps, and nothing here says it does.
 */
static const char *
reminder_message(const struct event *ev, char *buf, size_t bufsz)
{
	const char *r = ev->text;

	if (strcmp(r, "morning") == 0)
		snprintf(buf, bufsz, "Good morning: a glass of water to start "
		    "the day.");
	else if (strcmp(r, "evening") == 0)
		snprintf(buf, bufsz, "A small glass of water before bed: %d of "
		    "%d ml today.", ev->water_ml, ev->goal_ml);
	else if (strcmp(r, "after_cramp") == 0)
		snprintf(buf, bufsz, "The cramp has passed. Water is there if "
		    "you are thirsty.");
	else if (strcmp(r, "heat") == 0)
		snprintf(buf, bufsz, "The room is warm: time for a glass of "
		    "water (%d of %d ml today).", ev->water_ml, ev->goal_ml);
	else
		snprintf(buf, bufsz, "Time for a glass of water: %d of %d ml "
		    "today.", ev->water_ml, ev->goal_ml);
	return buf;
}

char *
event_to_json(const struct event *ev)
{
	const struct night_figures *n = &ev->night;
	char when[32], msg[128];
	json_t *obj;
	char *out = NULL;
	int r = 0;

	if ((obj = json_object()) == NULL)
		return NULL;
	event_format_time(when, sizeof(when), ev->time);
	r |= set(obj, "event_type", json_string(type_names[ev->type]));
	r |= set(obj, "time", json_string(when));
	if (ev->sensor[0] != '\0')
		r |= set(obj, "sensor", json_string(ev->sensor));
	if (!isnan(ev->start)) {
		r |= set(obj, "start", json_ms(ev->start));
		r |= set(obj, "end", json_ms(ev->end));
		/* From the rounded times, so that it is exactly end - start. */
		r |= set(obj, "duration", json_real((double)(llround(ev->end *
		    1000.0) - llround(ev->start * 1000.0)) / 1000.0));
	}
	switch (ev->type) {
	case EVENT_LEG_MOVEMENT:
		r |= set(obj, "peak_g", json_ms(ev->peak_g));
		r |= set(obj, "posture_change",
		    json_boolean(ev->posture_change));
		break;
	case EVENT_BODY_MOVEMENT:
	case EVENT_CRAMP:
		r |= set(obj, "peak_g", json_ms(ev->peak_g));
		break;
	case EVENT_PLM_SERIES:
		r |= set(obj, "count", json_integer(ev->count));
		r |= set(obj, "mean_imi", json_ms(ev->mean_imi));
		break;
	case EVENT_NIGHT_SUMMARY:
		r |= set(obj, "hours", json_ms(n->hours));
		r |= set(obj, "hours_in_bed", json_ms(n->hours_in_bed));
		r |= set(obj, "lm_count", json_integer(n->lm_count));
		r |= set(obj, "plm_count", json_integer(n->plm_count));
		r |= set(obj, "plm_index",
		    json_real(round(n->plm_index * 10.0) / 10.0));
		r |= set(obj, "plm_series", json_integer(n->plm_series));
		r |= set(obj, "cramp_count", json_integer(n->cramp_count));
		r |= set_optional_temp(obj, "temp_min_c", n->temp_min_c);
		r |= set_optional_temp(obj, "temp_max_c", n->temp_max_c);
		break;
	case EVENT_HYDRATION_REMINDER:
		r |= set(obj, "reason", json_string(ev->text));
		r |= set(obj, "water_today_ml", json_integer(ev->water_ml));
		r |= set(obj, "goal_ml", json_integer(ev->goal_ml));
		r |= set(obj, "quiet", json_boolean(ev->quiet));
		r |= set(obj, "message", json_string(reminder_message(ev,
		    msg, sizeof(msg))));
		break;
	case EVENT_SENSOR_FAULT:
	case EVENT_SENSOR_OK:
		r |= set(obj, "error", json_string(ev->text));
		break;
	case EVENT_SIT_RESULT:
		r |= set(obj, "lm_count", json_integer(ev->sit.lm_count));
		r |= set(obj, "plm_count", json_integer(ev->sit.plm_count));
		r |= set(obj, "lm_index",
		    json_real(round(ev->sit.lm_index * 10.0) / 10.0));
		r |= set(obj, "plmw_index",
		    json_real(round(ev->sit.plmw_index * 10.0) / 10.0));
		r |= set(obj, "valid", json_boolean(ev->sit.valid));
		if (!ev->sit.valid)
			r |= set(obj, "reason", json_string(ev->text));
		break;
	default:
		break;
	}
	if (r == 0)
		out = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER |
		    JSON_REAL_PRECISION(15));
	json_decref(obj);
	return out;
}
