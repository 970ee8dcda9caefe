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
	int			 cramps;
	double			 temp_min, temp_max;
};

static void	catch_up(struct pipeline *p);

struct pipeline *
pipeline_new(const struct source_conf *conf, int nsrc,
    const struct plm_params *plm, event_sink_fn sink, void *ctx)
{
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
    double time, double start, double end, double peak_g)
{
	struct event ev;

	event_init(&ev, type, time, sensor);
	ev.start = start;
	ev.end = end;
	ev.peak_g = peak_g;
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
score(struct pipeline *p, int finishing)
{
	struct plm_series ps;
	struct plm_item it;
	double settled = finishing ? INFINITY : settled_time(p);
	/* With one leg nothing can join a movement: no need to wait. */
	double release = p->nlegs > 1 ? settled : INFINITY;

	while (bilateral_next(&p->bilateral, release, &it)) {
		int both = (it.legs & (it.legs - 1)) != 0;

		if (it.is_break ? plm_add_break(&p->plm, &ps) :
		    plm_add_movement(&p->plm, it.onset, it.end, both, &ps))
			emit_series(p, &ps);
	}
	if (finishing ? plm_finish(&p->plm, &ps) :
	    plm_tick(&p->plm, settled, &ps))
		emit_series(p, &ps);
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
			    it->start, it->end, it->peak_g);
			to_scorer(p, s, it->start, it->end, 0);
			break;
		case LEG_BODY:
			emit_span(p, EVENT_BODY_MOVEMENT, s->name, it->time,
			    it->start, it->end, it->peak_g);
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
			    it->start, it->end, it->peak_g);
			to_scorer(p, s, it->start, it->end, 1);
			break;
		}
	}
}

static void
motion_item(struct pipeline *p, const struct source *s,
    const struct motion_movement *m)
{
	emit_span(p, m->body ? EVENT_BODY_MOVEMENT : EVENT_LEG_MOVEMENT,
	    s->name, p->now, m->onset, m->end, NAN);
	to_scorer(p, s, m->onset, m->end, m->body);
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

void
pipeline_sample(struct pipeline *p, int idx, const struct sample *smp)
{
	struct source *s = &p->src[idx];
	struct motion_movement mm;
	struct leg_out out;

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
	switch (s->kind) {
	case SOURCE_ACCEL:
		leg_feed(&s->u.leg, smp->t, smp->v, &out);
		if (out.n > 0)
			leg_items(p, s, &out);
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
	if (p->nlegs > 1 || p->bilateral.n > 0 || p->plm.count > 0)
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

static void emit_summary(struct pipeline *p);

/* The night window is over: its summary, and tonight starts afresh. */
static void
night_over(struct pipeline *p)
{
	int i;

	score(p, 0);
	emit_summary(p);
	p->plm.clm_total = p->plm.plm_total = p->plm.series_total = 0;
	p->cramps = 0;
	p->temp_min = p->temp_max = NAN;
	p->first_t = p->now;
	for (i = 0; i < p->nsrc; i++) {
		p->src[i].first_t = p->src[i].last_t;
		p->src[i].active_s = 0;
	}
}

void
pipeline_tick(struct pipeline *p, double now)
{
	int in;

	if (now > p->now)
		p->now = now;
	catch_up(p);
	if (p->night_start < 0 || !isfinite(p->now))
		return;
	in = in_window(p->now, p->night_start, p->night_end);
	if (p->in_night == 1 && !in)
		night_over(p);
	p->in_night = in;
}

/*
 * The hours the legs were watched: for an accelerometer the time it
 * recorded, dropouts left out; a switch only reports changes, so its
 * span.  Without a leg sensor, the span of all input.
 */
static double
watched_seconds(const struct pipeline *p)
{
	double best = -1;
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
	}
	if (best < 0)
		best = p->last_t > p->first_t ? p->last_t - p->first_t : 0;
	return best;
}

void
pipeline_figures(const struct pipeline *p, struct night_figures *n)
{
	double span = watched_seconds(p);

	memset(n, 0, sizeof(*n));
	n->hours = span / 3600.0;
	n->lm_count = p->plm.clm_total;
	n->plm_count = p->plm.plm_total;
	n->plm_index = n->hours > 0 ? n->plm_count / n->hours : 0;
	n->plm_series = p->plm.series_total;
	n->cramp_count = p->cramps;
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

int
pipeline_busy(const struct pipeline *p)
{
	int i;

	for (i = 0; i < p->nsrc; i++) {
		const struct source *s = &p->src[i];

		if (s->kind == SOURCE_ACCEL && (s->u.leg.md.moving ||
		    s->u.leg.state != LEG_IDLE))
			return 1;
		if (s->kind == SOURCE_MOTION && s->u.motion.moving)
			return 1;
	}
	return p->bilateral.n > 0;
}
