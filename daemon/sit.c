#include <math.h>
#include <string.h>

#include "sit.h"

#define DEG	(M_PI / 180.0)

void
sit_params_default(struct sit_params *p)
{
	p->duration_s = 3600.0;
	/* Outstretched legs on a mattress, knees a little bent. */
	p->level_deg = 30.0;
	p->upright_deg = 60.0;
	/* Sitting, the kneecaps point up; lying on the side turns them. */
	p->roll_deg = 60.0;
	/* Shifting on the pillow is no getting up. */
	p->off_s = 60.0;
	p->upright_s = 5.0;
}

const char *
sit_reason_name(enum sit_reason r)
{
	switch (r) {
	case SIT_VALID:
		return "";
	case SIT_GOT_UP:
		return "got up";
	case SIT_TOO_SHORT:
		return "too short";
	case SIT_SENSOR_FAULT:
		return "sensor fault";
	case SIT_POSTURE:
		return "posture";
	}
	return "";
}

void
sit_init(struct sit *s, const struct sit_params *p,
    const struct plm_params *plm)
{
	memset(s, 0, sizeof(*s));
	s->p = *p;
	plm_init(&s->plm, plm);
}

int
sit_start(struct sit *s, double now)
{
	struct plm_params pp = s->plm.p;

	if (s->running)
		return -1;
	plm_init(&s->plm, &pp);
	s->running = 1;
	s->start = now;
	s->end = now + s->p.duration_s;
	s->reason = SIT_VALID;
	s->posture_known = 0;
	s->off_since = s->up_since = NAN;
	return 0;
}

int
sit_running(const struct sit *s)
{
	return s->running;
}

double
sit_result_due(const struct sit *s)
{
	return s->running ? s->end : INFINITY;
}

/* The test is given up at t: it ends there, once what came before is in. */
static void
give_up(struct sit *s, double t, enum sit_reason why)
{
	if (s->reason != SIT_VALID)
		return;
	s->reason = why;
	if (t < s->end)
		s->end = t;
}

/* g without its part along the axis, unit; 0 if g lies along it. */
static int
across(const double g[3], const double axis[3], double out[3])
{
	double along = g[0] * axis[0] + g[1] * axis[1] + g[2] * axis[2], n;
	int i;

	for (i = 0; i < 3; i++)
		out[i] = g[i] - along * axis[i];
	n = sqrt(out[0] * out[0] + out[1] * out[1] + out[2] * out[2]);
	if (n < 1e-6)
		return 0;
	for (i = 0; i < 3; i++)
		out[i] /= n;
	return 1;
}

void
sit_posture(struct sit *s, double t, const double g[3],
    const double leg_axis[3])
{
	double gn = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
	double an = sqrt(leg_axis[0] * leg_axis[0] + leg_axis[1] *
	    leg_axis[1] + leg_axis[2] * leg_axis[2]);
	double axis[3], roll[3], elev, cosroll;
	int i, level, rolled = 0;

	if (!s->running || s->reason != SIT_VALID || t < s->start ||
	    t >= s->end || gn <= 0 || an <= 0)
		return;
	for (i = 0; i < 3; i++)
		axis[i] = leg_axis[i] / an;
	/* How steep the shin is: 0 lying flat, 90 standing. */
	elev = asin(fmin(1.0, fabs(g[0] * axis[0] + g[1] * axis[1] +
	    g[2] * axis[2]) / gn)) / DEG;
	if (!s->posture_known) {
		s->posture_known = 1;
		if (elev > s->p.level_deg || !across(g, axis, s->first_roll)) {
			give_up(s, t, SIT_POSTURE);
			return;
		}
	}
	if (across(g, axis, roll)) {
		cosroll = roll[0] * s->first_roll[0] + roll[1] *
		    s->first_roll[1] + roll[2] * s->first_roll[2];
		rolled = cosroll < cos(s->p.roll_deg * DEG);
	}
	level = elev <= s->p.level_deg && !rolled;
	if (elev >= s->p.upright_deg) {
		if (isnan(s->up_since))
			s->up_since = t;
		if (t - s->up_since >= s->p.upright_s) {
			give_up(s, s->up_since, SIT_GOT_UP);
			return;
		}
	} else
		s->up_since = NAN;
	if (level) {
		s->off_since = NAN;
		return;
	}
	if (isnan(s->off_since))
		s->off_since = t;
	if (t - s->off_since >= s->p.off_s)
		give_up(s, s->off_since, rolled && elev <= s->p.level_deg ?
		    SIT_POSTURE : SIT_GOT_UP);
}

void
sit_cancel(struct sit *s, double now)
{
	if (s->running && now < s->end)
		give_up(s, now, SIT_TOO_SHORT);
}

void
sit_fault(struct sit *s, double t)
{
	if (s->running && t >= s->start)
		give_up(s, t, SIT_SENSOR_FAULT);
}

void
sit_gap(struct sit *s, double from, double to)
{
	if (s->running && to > s->start && from < s->end)
		give_up(s, from > s->start ? from : s->start,
		    SIT_SENSOR_FAULT);
}

void
sit_item(struct sit *s, double onset, double end, int bilateral,
    int is_break)
{
	struct plm_series ps;

	if (!s->running || onset < s->start || onset >= s->end)
		return;
	if (is_break)
		(void)plm_add_break(&s->plm, &ps);
	else
		(void)plm_add_movement(&s->plm, onset, end, bilateral, &ps);
}

static void
result(struct sit *s, double end, enum sit_reason reason,
    struct sit_result *out)
{
	struct plm_series ps;
	double hours;

	(void)plm_finish(&s->plm, &ps);
	memset(out, 0, sizeof(*out));
	out->start = s->start;
	out->end = end;
	out->lm_count = s->plm.clm_total;
	out->plm_count = s->plm.plm_total;
	hours = (end - s->start) / 3600.0;
	out->lm_index = hours > 0 ? out->lm_count / hours : 0;
	out->plmw_index = hours > 0 ? out->plm_count / hours : 0;
	out->reason = reason;
	s->running = 0;
}

int
sit_tick(struct sit *s, double settled, struct sit_result *out)
{
	if (!s->running || settled < s->end)
		return 0;
	result(s, s->end, s->reason, out);
	return 1;
}

int
sit_stop(struct sit *s, double now, struct sit_result *out)
{
	if (!s->running)
		return 0;
	if (now > s->end)
		now = s->end;
	result(s, now, s->reason != SIT_VALID ? s->reason :
	    now < s->end ? SIT_TOO_SHORT : SIT_VALID, out);
	return 1;
}
