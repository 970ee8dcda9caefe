#include <math.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

struct source {
	char			name[EVENT_NAME_MAX];
	enum source_kind	kind;
	int			leg_bit;	/* -1: not a leg sensor */
	double			last_temp;	/* SOURCE_TEMP */
	int			ended;		/* its input is over */
	int			dropped_out;	/* silent past gap_s, finished */
	double			first_t, last_t;
	double			active_s;	/* recording, without gaps */
	unsigned long		samples, sparse;	/* too far apart */
	union {
		struct leg		leg;
		struct motion_detector	motion;
	} u;
};

struct pipeline {
	struct source		*src;
	int			 nsrc;
	int			 nlegs;
	int			 nmotion;	/* switches among the legs */
	char			 legs_name[EVENT_NAME_MAX];
	struct plm_params	 plm_params;
	struct plm_scorer	 plm;
	struct bilateral	 bilateral;
	event_sink_fn		 sink;
	void			*ctx;

	double			 now;
	double			 first_t, last_t;
	double			 gap_s;		/* a dropout, for night hours */
	int			 night_start, night_end;	/* -1: none */
	int			 in_night;	/* -1: not known yet */
	double			 window_minute;	/* in_night's, by UTC minute */
	int			 cramps, bodies;
	double			 temp_min, temp_max;
	/* When the night going on ends, at night.end (Unix s), or NAN. */
	double			 night_ends;

	struct sit		 sit;
	int			 sit_at_min;	/* --sit HH:MM; -1: none */
	double			 sit_at;	/* ... as Unix time, once known */
};

static void	catch_up(struct pipeline *p);
static void	sit_due(struct pipeline *p);

struct pipeline *
pipeline_new(const struct source_conf *conf, int nsrc,
    const struct plm_params *plm, event_sink_fn sink, void *ctx)
{
	struct sit_params sitp;
	struct pipeline *p;
	int i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->src = calloc((size_t)(nsrc > 0 ? nsrc : 1),
	    sizeof(*p->src))) == NULL) {
		free(p);
		return NULL;
	}
	p->nsrc = nsrc;
	p->plm_params = *plm;
	plm_init(&p->plm, plm);
	bilateral_init(&p->bilateral, &p->plm_params);
	p->sink = sink;
	p->ctx = ctx;
	p->first_t = INFINITY;
	p->last_t = p->now = -INFINITY;
	p->temp_min = p->temp_max = NAN;
	p->gap_s = 1.0;
	p->night_start = p->night_end = p->in_night = -1;
	p->window_minute = NAN;
	p->night_ends = NAN;
	sit_params_default(&sitp);
	sit_init(&p->sit, &sitp, &p->plm_params);
	p->sit_at_min = -1;
	p->sit_at = NAN;
	for (i = 0; i < nsrc; i++) {
		struct source *s = &p->src[i];

		snprintf(s->name, sizeof(s->name), "%s", conf[i].name);
		s->kind = conf[i].kind;
		s->leg_bit = -1;
		s->last_temp = NAN;
		s->first_t = s->last_t = NAN;
		switch (s->kind) {
		case SOURCE_ACCEL:
			leg_init(&s->u.leg, &conf[i].leg);
			p->gap_s = conf[i].leg.move.gap_s;
			break;
		case SOURCE_MOTION:
			motion_init(&s->u.motion, &conf[i].motion);
			p->nmotion++;
			break;
		case SOURCE_TEMP:
			continue;
		}
		s->leg_bit = p->nlegs++;
		if (p->nlegs == 1)
			snprintf(p->legs_name, sizeof(p->legs_name), "%s",
			    s->name);
		else {
			size_t len = strlen(p->legs_name);

			snprintf(p->legs_name + len,
			    sizeof(p->legs_name) - len, "+%s", s->name);
		}
	}
	return p;
}

void
pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return;
	bilateral_free(&p->bilateral);
	free(p->src);
	free(p);
}

static void
emit_span(struct pipeline *p, enum event_type type, const char *sensor,
    double time, double start, double end, double peak_g, int posture)
{
	struct event ev;

	if (type == EVENT_BODY_MOVEMENT)
		p->bodies++;
	event_init(&ev, type, time, sensor);
	ev.start = start;
	ev.end = end;
	ev.peak_g = peak_g;
	ev.posture_change = posture;
	p->sink(p->ctx, &ev);
}

/*
 * The earliest onset any leg may still report.  A leg whose input ended,
 * or that has been silent past a dropout, or whose switch is stuck on
 * longer than any leg movement, holds nothing back.
 */
static double
settled_time(const struct pipeline *p)
{
	double t = p->now;
	int i;

	for (i = 0; i < p->nsrc; i++) {
		const struct source *s = &p->src[i];
		double st;

		if (s->ended || s->leg_bit < 0)
			continue;
		if (s->kind == SOURCE_ACCEL) {
			if (!s->u.leg.md.running ||
			    p->now - s->last_t > s->u.leg.p.move.gap_s)
				continue;
			st = leg_settled_time(&s->u.leg);
		} else {
			st = motion_settled_time(&s->u.motion);
			if (p->now - st > s->u.motion.p.lm_max_s +
			    p->plm_params.bilateral_gap_s)
				continue;
		}
		if (st < t)
			t = st;
	}
	return t;
}

static void
emit_series(struct pipeline *p, const struct plm_series *ps)
{
	struct event ev;

	event_init(&ev, EVENT_PLM_SERIES, p->now, p->legs_name);
	ev.start = ps->start;
	ev.end = ps->end;
	ev.count = ps->count;
	ev.mean_imi = ps->mean_imi;
	p->sink(p->ctx, &ev);
}

static void
emit_sit(struct pipeline *p, const struct sit_result *r)
{
	struct event ev;

	event_init(&ev, EVENT_SIT_RESULT, p->now, p->legs_name);
	ev.start = r->start;
	ev.end = r->end;
	ev.sit.lm_count = r->lm_count;
	ev.sit.plm_count = r->plm_count;
	ev.sit.lm_index = r->lm_index;
	ev.sit.plmw_index = r->plmw_index;
	ev.sit.valid = r->reason == SIT_VALID;
	snprintf(ev.text, sizeof(ev.text), "%s", sit_reason_name(r->reason));
	p->sink(p->ctx, &ev);
}

static void
score(struct pipeline *p, int finishing)
{
	struct plm_series ps;
	struct plm_item it;
	struct sit_result sr;
	double settled = finishing ? INFINITY : settled_time(p);
	/* With one leg nothing can join a movement: no need to wait. */
	double release = p->nlegs > 1 ? settled : INFINITY;

	while (bilateral_next(&p->bilateral, release, &it)) {
		int both = (it.legs & (it.legs - 1)) != 0;

		sit_item(&p->sit, it.onset, it.end, both, it.is_break);
		if (it.is_break ? plm_add_break(&p->plm, &ps) :
		    plm_add_movement(&p->plm, it.onset, it.end, both, &ps))
			emit_series(p, &ps);
	}
	if (finishing ? plm_finish(&p->plm, &ps) :
	    plm_tick(&p->plm, settled, &ps))
		emit_series(p, &ps);
	/* The data ended: the test is what it got, long enough or not. */
	if (finishing ? sit_stop(&p->sit, p->last_t, &sr) :
	    sit_tick(&p->sit, settled, &sr))
		emit_sit(p, &sr);
}

static void
to_scorer(struct pipeline *p, const struct source *s, double onset,
    double end, int is_break)
{
	struct plm_series ps;
	struct plm_item it;

	it.onset = onset;
	it.end = end;
	it.legs = 1u << s->leg_bit;
	it.is_break = is_break;
	it.parts = 1;
	if (bilateral_add(&p->bilateral, &it) == 0)
		return;
	/* Out of memory: score it alone rather than lose it. */
	if (is_break ? plm_add_break(&p->plm, &ps) :
	    plm_add_movement(&p->plm, onset, end, 0, &ps))
		emit_series(p, &ps);
}

static void
leg_items(struct pipeline *p, const struct source *s,
    const struct leg_out *out)
{
	int i;

	for (i = 0; i < out->n; i++) {
		const struct leg_item *it = &out->item[i];

		switch (it->kind) {
		case LEG_LM:
			emit_span(p, EVENT_LEG_MOVEMENT, s->name, it->time,
			    it->start, it->end, it->peak_g, it->posture_change);
			to_scorer(p, s, it->start, it->end, 0);
			break;
		case LEG_BODY:
			emit_span(p, EVENT_BODY_MOVEMENT, s->name, it->time,
			    it->start, it->end, it->peak_g, 0);
			to_scorer(p, s, it->start, it->end, 1);
			break;
		case LEG_CRAMP_START: {
			struct event ev;

			event_init(&ev, EVENT_CRAMP_START, it->time, s->name);
			p->sink(p->ctx, &ev);
			break;
		}
		case LEG_CRAMP:
			p->cramps++;
			emit_span(p, EVENT_CRAMP, s->name, it->time,
			    it->start, it->end, it->peak_g, 0);
			to_scorer(p, s, it->start, it->end, 1);
			break;
		}
	}
}

static void
motion_item(struct pipeline *p, const struct source *s,
    const struct motion_movement *m)
{
	/* A switch cannot tell the leg's orientation. */
	emit_span(p, m->body ? EVENT_BODY_MOVEMENT : EVENT_LEG_MOVEMENT,
	    s->name, p->now, m->onset, m->end, NAN, 0);
	to_scorer(p, s, m->onset, m->end, m->body);
}

static void	night_over(struct pipeline *p);
static double	local_minute_after(double t, int minute);

/*
 * The data stopped before night.end and comes back after it, however
 * much later: the night that was going on ends where its data did, and
 * the gap belongs to no night.
 */
static void
night_in_gap(struct pipeline *p, double t)
{
	int i;

	p->now = t;
	catch_up(p);
	night_over(p);
	p->first_t = t;
	for (i = 0; i < p->nsrc; i++)
		p->src[i].first_t = NAN;
	p->night_ends = local_minute_after(t, p->night_end);
}

static void
advance(struct pipeline *p, double t)
{
	if (t > p->now)
		p->now = t;
	if (t < p->first_t)
		p->first_t = t;
	if (t > p->last_t)
		p->last_t = t;
}

/*
 * The first instant after t when the local clock reads minute (of the day),
 * by the local calendar (DST and all); INFINITY when there is none.
 */
static double
local_minute_after(double t, int minute)
{
	time_t secs = (time_t)floor(t), at;
	struct tm tm;
	int day;

	if (localtime_r(&secs, &tm) == NULL)
		return INFINITY;
	for (day = 0; day < 3; day++) {
		struct tm e = tm;

		e.tm_mday += day;
		e.tm_hour = minute / 60;
		e.tm_min = minute % 60;
		e.tm_sec = 0;
		e.tm_isdst = -1;
		if ((at = mktime(&e)) != (time_t)-1 && (double)at > t)
			return (double)at;
	}
	return INFINITY;
}

/*
 * --sit HH:MM: the first time at or after the data's start (to the whole
 * second) when the local clock reads HH:MM, found once.
 */
static void
sit_due(struct pipeline *p)
{
	struct sit_result sr;

	if (p->sit_at_min < 0)
		return;
	if (isnan(p->sit_at))
		p->sit_at = local_minute_after(floor(p->now) - 1, p->sit_at_min);
	if (p->now < p->sit_at)
		return;
	p->sit_at_min = -1;
	if (sit_running(&p->sit) && sit_stop(&p->sit, p->sit_at, &sr))
		emit_sit(p, &sr);
	(void)sit_start(&p->sit, p->sit_at);
}

/*
 * Whether catch_up() can change anything at this sample.  With one leg
 * sensor, an accelerometer, and a run of CLMs going on, only the run's
 * end can happen, and not before plm_run_end_due(): a sixth of a night's
 * detection went into finding that out at every sample.  A switch ends
 * its movements in catch_up().
 */
static int
catch_up_due(const struct pipeline *p)
{
	if (p->nlegs > 1 || p->bilateral.n > 0 || sit_running(&p->sit))
		return 1;
	if (p->plm.count == 0)
		return 0;
	return p->nmotion > 0 || p->now >= plm_run_end_due(&p->plm);
}

void
pipeline_sample(struct pipeline *p, int idx, const struct sample *smp)
{
	struct source *s = &p->src[idx];
	struct motion_movement mm;
	struct leg_out out;
	double prev = s->last_t;

	if (smp->t >= p->night_ends && smp->t - p->last_t > p->gap_s)
		night_in_gap(p, smp->t);
	advance(p, smp->t);
	if (isnan(s->first_t))
		s->first_t = smp->t;
	else if (smp->t - s->last_t <= p->gap_s)
		s->active_s += smp->t - s->last_t;
	if (s->kind == SOURCE_ACCEL && !isnan(s->last_t)) {
		s->samples++;
		if (smp->t - s->last_t > s->u.leg.p.move.window_s / 4)
			s->sparse++;
	}
	s->last_t = smp->t;
	s->dropped_out = 0;
	sit_due(p);
	/*
	 * A leg sensor's gap in a replay, which the data's clock jumps over
	 * (live, the silence itself gives up the test): an hour with a hole
	 * in it is no test.
	 */
	if (s->kind == SOURCE_ACCEL && !isnan(prev) &&
	    smp->t - prev > s->u.leg.p.move.gap_s)
		sit_gap(&p->sit, prev, smp->t);
	switch (s->kind) {
	case SOURCE_ACCEL:
		leg_feed(&s->u.leg, smp->t, smp->v, &out);
		if (out.n > 0)
			leg_items(p, s, &out);
		if (sit_running(&p->sit) && s->u.leg.p.mount == MOUNT_ANKLE)
			sit_posture(&p->sit, smp->t, s->u.leg.slow_gravity,
			    s->u.leg.p.leg_axis);
		break;
	case SOURCE_MOTION:
		if (motion_feed(&s->u.motion, smp->t, smp->v[0] != 0, &mm))
			motion_item(p, s, &mm);
		break;
	case SOURCE_TEMP:
		s->last_temp = smp->v[0];
		if (isnan(p->temp_min) || smp->v[0] < p->temp_min)
			p->temp_min = smp->v[0];
		if (isnan(p->temp_max) || smp->v[0] > p->temp_max)
			p->temp_max = smp->v[0];
		return;
	}
	if (catch_up_due(p))
		catch_up(p);
}

/*
 * Brings every source up to now: a switch's movement ends after its quiet
 * time whether or not the switch reports again, and a silent leg sensor
 * is finished.  Then the scorer may take what is settled.
 */
static void
catch_up(struct pipeline *p)
{
	struct motion_movement mm;
	struct leg_out out;
	double now = p->now;
	int i;

	for (i = 0; i < p->nsrc; i++) {
		struct source *s = &p->src[i];

		if (s->kind == SOURCE_MOTION && !s->ended &&
		    motion_tick(&s->u.motion, now, &mm))
			motion_item(p, s, &mm);
		/*
		 * A leg sensor gone silent: what it was doing ends where its
		 * data ends, now, not when it comes back.
		 */
		if (s->kind == SOURCE_ACCEL && !s->ended && !s->dropped_out &&
		    !isnan(s->last_t) && now - s->last_t > s->u.leg.p.move.gap_s) {
			s->dropped_out = 1;
			sit_fault(&p->sit, s->last_t);
			leg_finish(&s->u.leg, &out);
			leg_items(p, s, &out);
		}
	}
	score(p, 0);
}

void
pipeline_set_night(struct pipeline *p, int start_min, int end_min)
{
	p->night_start = start_min;
	p->night_end = end_min;
	p->night_ends = NAN;
	p->window_minute = NAN;
}

static int
in_window(double t, int start, int end)
{
	time_t secs = (time_t)floor(t);
	struct tm tm;
	int min;

	if (localtime_r(&secs, &tm) == NULL)
		return 0;
	min = tm.tm_hour * 60 + tm.tm_min;
	return start < end ? min >= start && min < end :
	    min >= start || min < end;
}

/*
 * Whether now is in the night window, looked up once a minute: a time
 * zone's offset is whole minutes, so the local minute turns with the
 * UTC one, and the tick comes several times a second.  Within the
 * minute of the last tick, that tick's answer (in_night) stands.
 */
static int
in_night_window(struct pipeline *p)
{
	double minute = floor(p->now / 60);

	if (minute == p->window_minute)
		return p->in_night;
	p->window_minute = minute;
	return in_window(p->now, p->night_start, p->night_end);
}

static void emit_summary(struct pipeline *p);

/* The night window is over: its summary, and tonight starts afresh. */
static void
night_over(struct pipeline *p)
{
	int i;

	score(p, 0);
	emit_summary(p);
	p->plm.clm_total = p->plm.plm_total = p->plm.series_total = 0;
	p->cramps = p->bodies = 0;
	p->temp_min = p->temp_max = NAN;
	p->first_t = p->now;
	for (i = 0; i < p->nsrc; i++) {
		p->src[i].first_t = p->src[i].last_t;
		p->src[i].active_s = 0;
		if (p->src[i].kind == SOURCE_ACCEL)
			p->src[i].u.leg.upright_s = 0;
	}
}

/*
 * A night ends at night.end, whether the data's clock is seen outside the
 * window then or, after a gap in the data, only in a later night.
 */
void
pipeline_tick(struct pipeline *p, double now)
{
	int in;

	if (now > p->now)
		p->now = now;
	sit_due(p);
	catch_up(p);
	if (p->night_start < 0 || !isfinite(p->now))
		return;
	if (isnan(p->night_ends) && isfinite(p->first_t))
		p->night_ends = local_minute_after(p->first_t, p->night_end);
	in = in_night_window(p);
	if ((p->in_night == 1 && !in) || p->now >= p->night_ends) {
		night_over(p);
		p->night_ends = local_minute_after(p->now, p->night_end);
	}
	p->in_night = in;
}

/*
 * The hours the legs were watched: for an accelerometer the time it
 * recorded, dropouts left out; a switch only reports changes, so its
 * span.  Without a leg sensor, the span of all input.
 */
static double
watched_seconds(const struct pipeline *p, double *in_bed)
{
	double best = -1, out_of_bed = 0;
	int i;

	for (i = 0; i < p->nsrc; i++) {
		const struct source *s = &p->src[i];
		double w;

		if (s->leg_bit < 0 || isnan(s->first_t))
			continue;
		w = s->kind == SOURCE_ACCEL ? s->active_s :
		    s->last_t - s->first_t;
		if (w > best)
			best = w;
		/* Out of bed: the shin upright, on any ankle. */
		if (s->kind == SOURCE_ACCEL &&
		    s->u.leg.upright_s > out_of_bed)
			out_of_bed = s->u.leg.upright_s;
	}
	if (best < 0)
		best = p->last_t > p->first_t ? p->last_t - p->first_t : 0;
	*in_bed = best > out_of_bed ? best - out_of_bed : 0;
	return best;
}

void
pipeline_figures(const struct pipeline *p, struct night_figures *n)
{
	double in_bed, span = watched_seconds(p, &in_bed);

	memset(n, 0, sizeof(*n));
	n->hours = span / 3600.0;
	n->hours_in_bed = in_bed / 3600.0;
	n->lm_count = p->plm.clm_total;
	n->plm_count = p->plm.plm_total;
	n->plm_index = n->hours_in_bed > 0 ? n->plm_count / n->hours_in_bed :
	    0;
	n->plm_series = p->plm.series_total;
	n->cramp_count = p->cramps;
	n->body_count = p->bodies;
	n->temp_min_c = p->temp_min;
	n->temp_max_c = p->temp_max;
}

/* What the source was doing ends with its input. */
static void
finish_source(struct pipeline *p, struct source *s)
{
	struct motion_movement mm;
	struct leg_out out;

	if (s->ended)
		return;
	s->ended = 1;
	if (s->kind == SOURCE_ACCEL) {
		leg_finish(&s->u.leg, &out);
		leg_items(p, s, &out);
	} else if (s->kind == SOURCE_MOTION &&
	    motion_finish(&s->u.motion, &mm))
		motion_item(p, s, &mm);
}

void
pipeline_finish(struct pipeline *p)
{
	int i;

	for (i = 0; i < p->nsrc; i++)
		finish_source(p, &p->src[i]);
	score(p, 1);
	emit_summary(p);
}

static void
emit_summary(struct pipeline *p)
{
	struct event ev;
	double end = p->last_t < p->now ? p->last_t : p->now;

	event_init(&ev, EVENT_NIGHT_SUMMARY, end, "");
	if (p->first_t <= end) {
		ev.start = p->first_t;
		ev.end = end;
	}
	pipeline_figures(p, &ev.night);
	p->sink(p->ctx, &ev);
}

void
pipeline_sit_at(struct pipeline *p, int minute)
{
	p->sit_at_min = minute;
	p->sit_at = NAN;
}

int
pipeline_sit_start(struct pipeline *p, double now)
{
	if (now > p->now)
		p->now = now;
	return sit_start(&p->sit, p->now);
}

void
pipeline_sit_stop(struct pipeline *p, double now)
{
	if (now > p->now)
		p->now = now;
	sit_cancel(&p->sit, p->now);
	score(p, 0);
}

void
pipeline_sit_fault(struct pipeline *p, double now)
{
	sit_fault(&p->sit, now);
}

int
pipeline_sit_running(const struct pipeline *p)
{
	return sit_running(&p->sit);
}

int
pipeline_restless(const struct pipeline *p)
{
	return plm_in_series(&p->plm);
}

double
pipeline_temperature(const struct pipeline *p, int source)
{
	return p->src[source].kind == SOURCE_TEMP ? p->src[source].last_temp :
	    NAN;
}

void
pipeline_source_end(struct pipeline *p, int idx)
{
	finish_source(p, &p->src[idx]);
	score(p, 0);
}

int
pipeline_in_night(const struct pipeline *p)
{
	return p->in_night == 1;
}

const char *
pipeline_too_slow(const struct pipeline *p)
{
	int i;

	for (i = 0; i < p->nsrc; i++)
		if (p->src[i].kind == SOURCE_ACCEL &&
		    p->src[i].sparse * 2 > p->src[i].samples)
			return p->src[i].name;
	return NULL;
}

/*
 * A bound of the scorer's waits for the legs' settled time as well: a
 * switch held on since before it holds it back until the switch is
 * taken for stuck (settled_time), and a leg still busy until its own
 * bound, so that one already past is left to that bound.  Past, with no
 * leg busy, only the samples of this moment from the others are due.
 */
static double
scorer_due(const struct pipeline *p, int busy, double due)
{
	int i;

	for (i = 0; i < p->nsrc && isfinite(due); i++) {
		const struct source *s = &p->src[i];

		if (s->kind == SOURCE_MOTION && !s->ended &&
		    s->u.motion.moving && s->u.motion.onset < due)
			due = fmax(due, s->u.motion.onset +
			    s->u.motion.p.lm_max_s +
			    p->plm_params.bilateral_gap_s);
	}
	return due <= p->now && busy ? INFINITY : due;
}

double
pipeline_decision_due(const struct pipeline *p)
{
	double t = INFINITY;
	int i, busy;

	for (i = 0; i < p->nsrc; i++) {
		const struct source *s = &p->src[i];

		if (s->ended)
			continue;
		if (s->kind == SOURCE_ACCEL)
			t = fmin(t, leg_decision_due(&s->u.leg));
		else if (s->kind == SOURCE_MOTION)
			t = fmin(t, motion_end_due(&s->u.motion));
	}
	busy = isfinite(t);
	/*
	 * The other leg has until then to join the first item waiting; a
	 * series ends, and a test gives its result, at a known time.
	 */
	if (p->bilateral.n > 0)
		t = fmin(t, scorer_due(p, busy, p->bilateral.pending[0].end +
		    p->plm_params.bilateral_gap_s));
	t = fmin(t, scorer_due(p, busy, plm_series_end_due(&p->plm)));
	return fmin(t, scorer_due(p, busy, sit_result_due(&p->sit)));
}
