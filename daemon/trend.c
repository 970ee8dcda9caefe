#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hydration.h"
#include "statefile.h"
#include "trend.h"
#include "sensors/unixtime.h"

int
trend_night(double start)
{
	/* Before midnight or after, a night is named by its evening. */
	return hydration_local_date(start - 12 * 3600.0);
}

int
trend_add(struct trend *t, double start, double hours, double plm_index)
{
	int day = trend_night(start), i;

	if (!(hours >= TREND_MIN_HOURS) || !isfinite(plm_index))
		return 0;
	for (i = 0; i < t->n; i++)
		if (t->day[i] == day) {
			/* A restart split the night: the longer part. */
			if (hours <= t->hours[i])
				return 0;
			t->plm_index[i] = plm_index;
			t->hours[i] = hours;
			return 1;
		}
	if (t->n == TREND_NIGHTS) {
		memmove(t->day, t->day + 1, (TREND_NIGHTS - 1) *
		    sizeof(t->day[0]));
		memmove(t->plm_index, t->plm_index + 1, (TREND_NIGHTS - 1) *
		    sizeof(t->plm_index[0]));
		memmove(t->hours, t->hours + 1, (TREND_NIGHTS - 1) *
		    sizeof(t->hours[0]));
		t->n--;
	}
	t->day[t->n] = day;
	t->plm_index[t->n] = plm_index;
	t->hours[t->n] = hours;
	t->n++;
	return 1;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
trend_median(const struct trend *t)
{
	double v[TREND_NIGHTS];

	if (t->n == 0)
		return NAN;
	memcpy(v, t->plm_index, (size_t)t->n * sizeof(v[0]));
	qsort(v, (size_t)t->n, sizeof(v[0]), by_value);
	return t->n % 2 ? v[t->n / 2] : (v[t->n / 2 - 1] + v[t->n / 2]) / 2;
}

int
trend_save(const struct statedir *sd, const struct trend *t, char *err,
    unsigned long errsz)
{
	json_t *nights = json_array(), *o;
	char day[16];
	int i;

	for (i = 0; i < t->n; i++) {
		if (hydration_day_string(t->day[i], day, sizeof(day)) == -1)
			continue;
		json_array_append_new(nights, json_pack("{s:s,s:f,s:f}",
		    "night", day, "plm_index", round(t->plm_index[i] * 10) /
		    10, "hours", round(t->hours[i] * 1000) / 1000));
	}
	o = json_pack("{s:o}", "nights", nights);
	return statefile_write(sd, TREND_FILE, o, err, errsz);
}

int
trend_load(const struct statedir *sd, struct trend *t, char *err,
    unsigned long errsz)
{
	char path[PATH_MAX], text[STATEFILE_MAX];
	json_error_t je;
	json_t *o, *nights, *n;
	const char *bad = NULL;
	size_t len, i;
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = statefile_read(sd, TREND_FILE, text, &len, path,
	    sizeof(path), err, errsz)) != 1)
		return r;
	if ((o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(err, errsz, "%s:%d: %s", path, je.line, je.text);
		return -2;
	}
	if (!json_is_array(nights = json_object_get(o, "nights")) ||
	    json_array_size(nights) > TREND_NIGHTS)
		bad = "nights: expected a list of at most 7 nights";
	json_array_foreach(nights, i, n) {
		json_t *d = json_object_get(n, "night"),
		    *p = json_object_get(n, "plm_index"),
		    *h = json_object_get(n, "hours");

		if (bad != NULL)
			break;
		if (!json_is_string(d) || !json_is_number(p) ||
		    !json_is_number(h) || (t->day[t->n] =
		    hydration_day_parse(json_string_value(d))) < 0 ||
		    !(json_number_value(p) >= 0 && json_number_value(p) < 1e4) ||
		    !(json_number_value(h) >= 0 && json_number_value(h) <= 48))
			bad = "nights: each is {\"night\": \"YYYY-MM-DD\", "
			    "\"plm_index\": N, \"hours\": N}";
		else if (!unixtime_day_fits(t->day[t->n]))
			bad = "nights: a night " UNIXTIME_PAST;
		else {
			t->plm_index[t->n] = json_number_value(p);
			t->hours[t->n] = json_number_value(h);
			t->n++;
		}
	}
	json_decref(o);
	if (bad != NULL) {
		memset(t, 0, sizeof(*t));
		snprintf(err, errsz, "%s: %s", path, bad);
		return -2;
	}
	return 1;
}
