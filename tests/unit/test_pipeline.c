/*
 * The pipeline with two ankle sensors (daemon/pipeline.c), driven with
 * exact times.  A paced replay and the live loop take their samples at
 * the moment pipeline_decision_due() names, so an event decided before
 * it would wait for the next batch, up to a second late: every event must
 * come at or after the bound said before the sample that decided it.  At
 * rest there is no bound.  Movements on one leg (held for the other leg's
 * bilateral gap), on both within the gap (one bilateral movement), far
 * apart, and PLM series ended by a movement too soon or by 90 s without
 * one (before the series' own bound, the end of such a series waited for
 * the next batch).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/pipeline.h"

#define RATE	50
#define T0	1800000000.0
#define MAXEV	64

struct rig {
	struct pipeline	*p;
	uint64_t	 rng;
	double		 t;		/* seconds after T0 */
	/* Each leg's shakes: [from, to) seconds after T0. */
	double		 shake[2][16][2];
	int		 nshake[2];
	struct event	 ev[MAXEV];
	double		 ev_t[MAXEV];	/* the sample that decided it */
	int		 nev;
	double		 due;		/* the bound before this sample */
	int		 early, finite_seen;
	char		 early_what[160];
};

static void
on_event(void *ctx, const struct event *ev)
{
	struct rig *r = ctx;

	if (r->nev < MAXEV) {
		r->ev[r->nev] = *ev;
		r->ev_t[r->nev] = r->t;
	}
	r->nev++;
	if (ev->type != EVENT_NIGHT_SUMMARY && r->due > T0 + r->t &&
	    r->early++ == 0)
		snprintf(r->early_what, sizeof(r->early_what),
		    "%s at %.2f s, the bound %.2f s", event_type_name(ev->type),
		    r->t, r->due - T0);
}

static double
gauss(struct rig *r)
{
	double u1, u2;

	r->rng = r->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	u1 = ((r->rng >> 11) + 1.0) / 9007199254740993.0;
	r->rng = r->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	u2 = (r->rng >> 11) / 9007199254740992.0;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void
rig_init(struct rig *r)
{
	struct source_conf src[2];
	struct plm_params plm;
	int i;

	memset(r, 0, sizeof(*r));
	memset(src, 0, sizeof(src));
	for (i = 0; i < 2; i++) {
		src[i].name = i == 0 ? "left" : "right";
		src[i].kind = SOURCE_ACCEL;
		leg_params_default(&src[i].leg);
	}
	plm_params_default(&plm);
	assert_non_null(r->p = pipeline_new(src, 2, &plm, on_event, r));
	r->rng = 4242;
}

static void
shake(struct rig *r, int leg, double from, double seconds)
{
	int n = r->nshake[leg]++;

	assert_true(n < 16);
	r->shake[leg][n][0] = from;
	r->shake[leg][n][1] = from + seconds;
}

static double
shaking(const struct rig *r, int leg, double t)
{
	int i;

	for (i = 0; i < r->nshake[leg]; i++)
		if (t >= r->shake[leg][i][0] && t < r->shake[leg][i][1])
			return 0.3 * sin(2 * M_PI * 3 * (t - r->shake[leg][i][0]));
	return 0;
}

/* Both legs' samples up to seconds, in time order, lying still but for
 * the shakes, each sample checked against the bound before it. */
static void
run(struct rig *r, double seconds)
{
	while (r->t < seconds - 1e-9) {
		int leg;

		for (leg = 0; leg < 2; leg++) {
			struct sample s;

			s.t = T0 + r->t;
			s.v[0] = 0.004 * gauss(r);
			s.v[1] = shaking(r, leg, r->t) + 0.004 * gauss(r);
			s.v[2] = 1.0 + 0.004 * gauss(r);
			r->due = pipeline_decision_due(r->p);
			if (isfinite(r->due))
				r->finite_seen++;
			pipeline_sample(r->p, leg, &s);
		}
		r->t += 1.0 / RATE;
	}
}

static int
count(const struct rig *r, enum event_type type, const char *sensor)
{
	int i, n = 0;

	for (i = 0; i < r->nev && i < MAXEV; i++)
		n += r->ev[i].type == type && (sensor == NULL ||
		    strcmp(r->ev[i].sensor, sensor) == 0);
	return n;
}

static void
dump(const struct rig *r)
{
	int i;

	for (i = 0; i < r->nev && i < MAXEV; i++)
		print_message("  %s %s %.2f-%.2f decided at %.2f\n",
		    event_type_name(r->ev[i].type), r->ev[i].sensor,
		    r->ev[i].start - T0, r->ev[i].end - T0, r->ev_t[i]);
}

static void
check_bound(const struct rig *r)
{
	if (r->early > 0) {
		dump(r);
		fail_msg("%d events before their bound; the first: %s",
		    r->early, r->early_what);
	}
}

/*
 * One leg moves: its movement waits for the other leg's bilateral gap,
 * and the bound says when that is over.  Then nothing is pending.
 */
static void
test_one_leg(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r);
	run(&r, 60);
	assert_true(isinf(pipeline_decision_due(r.p)));
	shake(&r, 0, 60, 1.5);
	run(&r, 90);
	assert_int_equal(count(&r, EVENT_LEG_MOVEMENT, NULL), 1);
	assert_true(isinf(pipeline_decision_due(r.p)));
	assert_true(r.finite_seen > 0);
	check_bound(&r);
	pipeline_free(r.p);
}

/*
 * Both legs within the bilateral gap, then apart by more than it; a
 * series of 5, 20 s apart, alternating one leg and both, ended by a
 * movement 5 s after its last (scored when the other leg's gap is over);
 * and a second series, ended by 90 s with none.  Every event at or after
 * its bound.
 */
static void
test_both_legs_and_two_series(void **state)
{
	static const double gap[] = { 0.3, 0.0, -0.2, 0.45, 0.1 };
	struct rig r;
	int i;

	(void)state;
	rig_init(&r);
	shake(&r, 0, 60, 1.5);
	shake(&r, 1, 60.2, 1.0);	/* within the gap: one movement */
	shake(&r, 0, 80, 1.0);
	shake(&r, 1, 83, 1.2);		/* 2 s after the first ends */
	for (i = 0; i < 5; i++) {
		double at = 120 + 20 * i;

		shake(&r, 0, at, 1.2);
		if (i % 2 == 0)
			shake(&r, 1, at + 1.2 + gap[i], 0.8);
	}
	for (i = 0; i < 5; i++)
		shake(&r, 0, 205 + 20 * i, 1.0);
	run(&r, 420);	/* the second series ends 90 s after its last */
	if (count(&r, EVENT_PLM_SERIES, NULL) != 2 ||
	    count(&r, EVENT_LEG_MOVEMENT, NULL) < 13) {
		dump(&r);
		fail_msg("expected two PLM series, at least 13 leg movements");
	}
	assert_true(isinf(pipeline_decision_due(r.p)));
	check_bound(&r);
	pipeline_finish(r.p);
	pipeline_free(r.p);
}

/* The immobilization test's result comes when its hour is over. */
static void
test_sit_result(void **state)
{
	struct rig r;

	(void)state;
	rig_init(&r);
	run(&r, 60);
	assert_int_equal(pipeline_sit_start(r.p, T0 + r.t), 0);
	assert_true(pipeline_decision_due(r.p) > T0 + r.t + 3000);
	shake(&r, 0, 600, 1.5);
	run(&r, 3800);
	if (count(&r, EVENT_SIT_RESULT, NULL) != 1) {
		dump(&r);
		fail_msg("expected one sit_result");
	}
	assert_true(isinf(pipeline_decision_due(r.p)));
	check_bound(&r);
	pipeline_free(r.p);
}

/*
 * A motion switch: a PLM series, then the switch held on across the
 * series' end (a body movement).  The end waits for the switch, which
 * only its data can end: the bound must not stay in the past meanwhile,
 * or the loop would take batches every 50 ms for as long as it is held.
 */
static void
switch_level(struct rig *r, double t, int on)
{
	struct sample s;

	for (; r->t < t; r->t = fmin(r->t + 0.25, t)) {
		r->due = pipeline_decision_due(r->p);
		pipeline_tick(r->p, T0 + r->t);
	}
	memset(&s, 0, sizeof(s));
	s.t = T0 + t;
	s.v[0] = on;
	r->due = pipeline_decision_due(r->p);
	pipeline_sample(r->p, 0, &s);
}

static void
test_switch_held_past_a_series_end(void **state)
{
	struct source_conf src;
	struct plm_params plm;
	struct rig r;
	int i;

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(&src, 0, sizeof(src));
	src.name = "legs";
	src.kind = SOURCE_MOTION;
	src.motion.debounce_s = 0.05;
	src.motion.quiet_s = 0.5;
	src.motion.lm_min_s = 0.5;
	src.motion.lm_max_s = 10;
	plm_params_default(&plm);
	assert_non_null(r.p = pipeline_new(&src, 1, &plm, on_event, &r));
	switch_level(&r, 10, 0);
	for (i = 0; i < 5; i++) {
		switch_level(&r, 60 + 20 * i, 1);
		switch_level(&r, 61 + 20 * i, 0);
	}
	/* The last onset at 140: the series could end at 230. */
	switch_level(&r, 229, 1);
	switch_level(&r, 235, 1);
	assert_true(pipeline_decision_due(r.p) > T0 + r.t);
	switch_level(&r, 250, 0);
	switch_level(&r, 260, 0);
	if (count(&r, EVENT_PLM_SERIES, NULL) != 1 ||
	    count(&r, EVENT_BODY_MOVEMENT, NULL) != 1) {
		dump(&r);
		fail_msg("expected a PLM series and a body movement");
	}
	check_bound(&r);
	pipeline_free(r.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_leg),
		cmocka_unit_test(test_both_legs_and_two_series),
		cmocka_unit_test(test_sit_result),
		cmocka_unit_test(test_switch_held_past_a_series_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
