/*
 * The leg classifier on synthetic signals with exact times: onset and
 * offset timing, twitches, turning over, a cramp with tremor, getting up.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/leg.h"

#define RATE	50.0
#define T0	1795000000.0
#define DEG	(M_PI / 180.0)

struct sig {
	struct leg	leg;
	double		t;		/* seconds from T0 */
	uint64_t	rng;
	double		noise;
	double		pitch, roll;	/* the leg's resting orientation */
	struct leg_item	items[64];
	int		n;
	/* Items decided before leg_decision_due() said they could be. */
	int		early;
	char		early_what[128];
};

static double
gauss(struct sig *s)
{
	double u1, u2;

	s->rng = s->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	u1 = ((s->rng >> 11) + 1.0) / 9007199254740993.0;
	s->rng = s->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	u2 = (s->rng >> 11) / 9007199254740992.0;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void
sig_init(struct sig *s, double noise)
{
	struct leg_params p;

	memset(s, 0, sizeof(*s));
	leg_params_default(&p);
	leg_init(&s->leg, &p);
	s->rng = 12345;
	s->noise = noise;
}

/* One sample with the leg at (pitch, roll) plus extra acceleration. */
static void
sample(struct sig *s, double pitch, double roll, double extra)
{
	struct leg_out out;
	double a[3], due = leg_decision_due(&s->leg);
	int i, upright = s->leg.upright;

	a[0] = sin(pitch) + extra;
	a[1] = cos(pitch) * sin(roll) + extra * 0.5;
	a[2] = cos(pitch) * cos(roll);
	for (i = 0; i < 3; i++)
		a[i] += s->noise * gauss(s);
	leg_feed(&s->leg, T0 + s->t, a, &out);
	for (i = 0; i < out.n && s->n < 64; i++)
		s->items[s->n++] = out.item[i];
	/*
	 * A paced replay wakes at the bound, so an item it comes after is
	 * late by the batch.  Getting back into bed is told by the data.
	 */
	if (out.n > 0 && due > T0 + s->t && !(upright &&
	    out.item[0].kind == LEG_BODY) && s->early++ == 0)
		snprintf(s->early_what, sizeof(s->early_what),
		    "kind %d at %.2f s, due %.2f s", out.item[0].kind, s->t,
		    due - T0);
	s->t += 1.0 / RATE;
}

static void
rest(struct sig *s, double seconds)
{
	double end = s->t + seconds;

	while (s->t < end - 1e-9)
		sample(s, s->pitch, s->roll, 0);
}

/* A leg movement: the leg lifts by deg and returns, with vibration. */
static void
flex(struct sig *s, double seconds, double deg, double vib)
{
	double start = s->t, end = s->t + seconds;

	while (s->t < end - 1e-9) {
		double x = (s->t - start) / seconds;
		double env = sin(M_PI * x);

		sample(s, s->pitch + deg * DEG * env, s->roll,
		    vib * env * sin(2 * M_PI * 4.0 * (s->t - start)));
	}
}

static void
finish(struct sig *s)
{
	struct leg_out out;
	int i;

	if (s->early > 0)
		fail_msg("%d items before their time: %s", s->early,
		    s->early_what);

	leg_finish(&s->leg, &out);
	for (i = 0; i < out.n && s->n < 64; i++)
		s->items[s->n++] = out.item[i];
}

static int
count(const struct sig *s, enum leg_item_kind kind)
{
	int i, n = 0;

	for (i = 0; i < s->n; i++)
		n += s->items[i].kind == kind;
	return n;
}

static void
test_leg_movement_times(void **state)
{
	struct sig s;

	(void)state;
	sig_init(&s, 0.004);
	rest(&s, 60);
	/* At rest nothing is pending: a paced replay sleeps its second. */
	assert_true(isinf(leg_decision_due(&s.leg)));
	flex(&s, 2.0, 20, 0.05);	/* 60.00 .. 62.00 */
	/* Still moving: not before the offset's quiet could be over. */
	assert_true(leg_decision_due(&s.leg) >= T0 + s.t - 1.0 / RATE +
	    s.leg.p.move.quiet_s);
	rest(&s, 30);
	assert_true(isinf(leg_decision_due(&s.leg)));
	finish(&s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.items[0].kind, LEG_LM);
	assert_int_equal(s.items[0].posture_change, 0);
	assert_true(s.leg.upright_s == 0);
	assert_true(fabs(s.items[0].start - (T0 + 60.0)) <= 0.25);
	assert_true(fabs(s.items[0].end - (T0 + 62.0)) <= 0.25);
	/* Known soon after the offset rule's 0.5 s of quiet. */
	assert_true(s.items[0].time <= T0 + 62.0 + 1.5);
}

static void
test_twitch_is_ignored(void **state)
{
	struct sig s;

	(void)state;
	sig_init(&s, 0.004);
	rest(&s, 60);
	flex(&s, 0.2, 10, 0.05);
	rest(&s, 30);
	finish(&s);
	if (s.n != 0)
		fail_msg("kind %d %.3f..%.3f", s.items[0].kind,
		    s.items[0].start - T0, s.items[0].end - T0);
}

static void
test_noise_alone_is_quiet(void **state)
{
	struct sig s;

	(void)state;
	sig_init(&s, 0.02);		/* a noisy sensor, a quiet night */
	rest(&s, 1800);
	finish(&s);
	assert_int_equal(s.n, 0);
}

/* Rolls the leg about the shin by deg in `seconds`, as turning over. */
static void
roll_over(struct sig *s, double seconds, double deg)
{
	double start = s->t, roll0 = s->roll;

	while (s->t < start + seconds - 1e-9) {
		double x = (s->t - start) / seconds;

		sample(s, s->pitch, roll0 + deg * DEG * x,
		    0.2 * sin(2 * M_PI * 3 * s->t));
	}
	s->roll = roll0 + deg * DEG;
}

/* WASM 2016 goes by duration: a turn of 0.5-10 s is a leg movement. */
static void
check_turn(double seconds, double deg, enum leg_item_kind want, int posture)
{
	struct sig s;

	sig_init(&s, 0.004);
	rest(&s, 60);
	roll_over(&s, seconds, deg);
	rest(&s, 60);
	finish(&s);
	if (s.n != 1)
		fail_msg("%.1f s, %.0f deg: %d items", seconds, deg, s.n);
	if (s.items[0].kind != want)
		fail_msg("%.1f s, %.0f deg: kind %d, %.3f..%.3f", seconds, deg,
		    s.items[0].kind, s.items[0].start - T0,
		    s.items[0].end - T0);
	assert_int_equal(s.items[0].posture_change, posture);
	assert_int_equal(count(&s, LEG_CRAMP), 0);
}

static void
test_turning_over_is_a_leg_movement_up_to_10_s(void **state)
{
	(void)state;
	check_turn(4.0, 90, LEG_LM, 1);		/* onto the side */
	check_turn(1.0, 60, LEG_LM, 1);		/* a quick one */
	check_turn(9.0, 180, LEG_LM, 1);	/* a slow one, onto the front */
	check_turn(3.0, 20, LEG_LM, 1);		/* just past turn_deg */
	check_turn(3.0, 10, LEG_LM, 0);		/* short of it */
	/* Near the limits: the same rule as any other movement. */
	check_turn(0.7, 45, LEG_LM, 1);
	check_turn(9.6, 90, LEG_LM, 1);
}

static void
test_turning_over_longer_is_a_body_movement(void **state)
{
	(void)state;
	check_turn(10.5, 90, LEG_BODY, 0);
	check_turn(11.0, 90, LEG_BODY, 0);
	check_turn(25.0, 180, LEG_BODY, 0);
}

/* After a minute at rest the foot is forced down 35 degrees in 0.4 s. */
static double
forced_down(struct sig *s)
{
	double start;

	sig_init(s, 0.004);
	rest(s, 60);
	start = s->t;
	while (s->t < start + 0.4)
		sample(s, 35 * DEG * (s->t - start) / 0.4, 0, 0);
	return start;
}

static void
test_cramp_with_tremor(void **state)
{
	struct sig s;
	double start;

	(void)state;
	start = forced_down(&s);
	while (s.t < start + 30)	/* held, with tremor */
		sample(&s, 35 * DEG, 0, 0.03 * sin(2 * M_PI * 7 * s.t));
	while (s.t < start + 45)	/* stretching */
		sample(&s, 30 * DEG * sin(0.7 * s.t), 0,
		    0.3 * sin(2 * M_PI * 1.3 * s.t));
	rest(&s, 60);
	finish(&s);
	assert_int_equal(count(&s, LEG_CRAMP_START), 1);
	assert_int_equal(count(&s, LEG_CRAMP), 1);
	assert_int_equal(count(&s, LEG_LM), 0);
	assert_int_equal(s.items[0].kind, LEG_CRAMP_START);
	/* Recognised while still going on, about hold_s in. */
	assert_true(s.items[0].time < T0 + start + 15);
	assert_true(fabs(s.items[1].start - (T0 + start)) <= 0.3);
	assert_true(fabs(s.items[1].end - (T0 + start + 45)) <= 1.0);
}

/*
 * A long turn over whose end slows into a near hold, still shaking: the
 * orientation settles gently, with no contraction's jump into it.
 */
static void
test_slow_end_of_a_turn_is_no_cramp(void **state)
{
	struct sig s;
	double start, x, roll;

	(void)state;
	sig_init(&s, 0.004);
	rest(&s, 60);
	start = s.t;
	while (s.t < start + 30) {	/* 90 degrees, easing out */
		x = (s.t - start) / 18;
		roll = x < 1 ? 90 * (1 - (1 - x) * (1 - x)) : 90;
		sample(&s, 0, roll * DEG, (x < 0.6 ? 0.2 : 0.03) *
		    sin(2 * M_PI * 7 * s.t));
	}
	s.roll = 90 * DEG;
	rest(&s, 60);
	finish(&s);
	assert_int_equal(count(&s, LEG_CRAMP_START), 0);
	assert_int_equal(count(&s, LEG_CRAMP), 0);
	assert_int_equal(count(&s, LEG_BODY), 1);
}

/* The foot forced down from where it is now, by 35 degrees in 0.4 s. */
static void
contract(struct sig *s)
{
	double start = s->t, from = s->pitch;

	while (s->t < start + 0.4)
		sample(s, from + 35 * DEG * (s->t - start) / 0.4, s->roll, 0);
	s->pitch = from + 35 * DEG;
}

/* Held with tremor for `seconds`, stretched, then lying still. */
static void
hold_and_stretch(struct sig *s, double seconds)
{
	double start = s->t;

	while (s->t < start + seconds)
		sample(s, s->pitch, s->roll, 0.03 * sin(2 * M_PI * 7 * s->t));
	start = s->t;
	while (s->t < start + 15)
		sample(s, 30 * DEG * sin(0.7 * s->t), s->roll,
		    0.3 * sin(2 * M_PI * 1.3 * s->t));
	s->pitch = 0;
	rest(s, 60);
}

static void
check_one_cramp(const struct sig *s, double from)
{
	if (count(s, LEG_CRAMP) != 1 || count(s, LEG_CRAMP_START) != 1) {
		int i;

		for (i = 0; i < s->n; i++)
			print_message("kind %d %.2f..%.2f\n", s->items[i].kind,
			    s->items[i].start - T0, s->items[i].end - T0);
		fail_msg("%d cramps", count(s, LEG_CRAMP));
	}
	assert_int_equal(count(s, LEG_LM), 0);
	assert_int_equal(count(s, LEG_BODY), 0);
	assert_true(fabs(s->items[1].start - (T0 + from)) <= 0.5);
}

/* A restless movement, and the cramp seizes the leg as it ends. */
static void
test_cramp_during_a_movement(void **state)
{
	struct sig s;
	double from;

	(void)state;
	sig_init(&s, 0.004);
	rest(&s, 60);
	from = s.t;
	flex(&s, 1.5, 15, 0.05);
	contract(&s);
	hold_and_stretch(&s, 30);
	finish(&s);
	check_one_cramp(&s, from);
}

/* Turning onto the side, and the cramp comes at the end of it. */
static void
test_cramp_after_turning_over(void **state)
{
	struct sig s;
	double from;

	(void)state;
	sig_init(&s, 0.004);
	rest(&s, 60);
	from = s.t;
	roll_over(&s, 3, 80);
	contract(&s);
	hold_and_stretch(&s, 30);
	finish(&s);
	check_one_cramp(&s, from);
}

/* The cramp passes by itself: the foot stays down, then rests. */
static void
test_cramp_then_lying_still(void **state)
{
	struct sig s;
	double from;

	(void)state;
	from = forced_down(&s);
	s.pitch = 35 * DEG;
	while (s.t < from + 25)
		sample(&s, s.pitch, 0, 0.03 * sin(2 * M_PI * 7 * s.t));
	rest(&s, 120);
	finish(&s);
	check_one_cramp(&s, from);
	/* Over once still: not stretched out to the end of the data. */
	assert_true(s.items[1].end - (T0 + from) < 30);
}

/* The cramp wakes the person, who gets up and walks it off. */
static void
test_cramp_then_walking(void **state)
{
	struct sig s;
	double from, start;

	(void)state;
	from = forced_down(&s);
	s.pitch = 35 * DEG;
	while (s.t < from + 20)		/* held, with tremor */
		sample(&s, s.pitch, 0, 0.03 * sin(2 * M_PI * 7 * s.t));
	start = s.t;
	while (s.t < start + 6)		/* sitting up, legs down */
		sample(&s, (35 + 55 * (s.t - start) / 6) * DEG, 0,
		    0.2 * sin(2 * M_PI * 2 * s.t));
	while (s.t < start + 90)	/* walking */
		sample(&s, 90 * DEG, 0, 0.5 * sin(2 * M_PI * 2 * s.t));
	start = s.t;
	while (s.t < start + 8)		/* lying down again */
		sample(&s, 90 * DEG * (1 - (s.t - start) / 8), 0,
		    0.2 * sin(2 * M_PI * 2 * s.t));
	s.pitch = 0;
	rest(&s, 120);
	finish(&s);
	check_one_cramp(&s, from);
	/* The walk belongs to it, up to lying still again. */
	if (!(s.items[1].end > T0 + start - 2 &&
	    s.items[1].end < T0 + start + 12))
		fail_msg("the cramp ends %.1f s after it began",
		    s.items[1].end - (T0 + from));
}

/*
 * Restless legs: kicks, flexions, a foot that shifts and settles, a
 * fidget that leaves the foot turned; none of it is a cramp, and the
 * short ones are leg movements.
 */
static void
test_restless_movements_are_no_cramp(void **state)
{
	static const struct {
		double	seconds, deg, vib;
	} kicks[] = {
		{ 1.0, 30, 0.10 }, { 2.5, 20, 0.05 }, { 4.0, 40, 0.20 },
		{ 0.8, 15, 0.30 }, { 6.0, 25, 0.05 }, { 1.5, 35, 0.10 },
	};
	struct sig s;
	size_t i;

	(void)state;
	sig_init(&s, 0.004);
	rest(&s, 60);
	for (i = 0; i < sizeof(kicks) / sizeof(kicks[0]); i++) {
		flex(&s, kicks[i].seconds, kicks[i].deg, kicks[i].vib);
		rest(&s, 20);
	}
	roll_over(&s, 2.0, 30);		/* the foot left turned */
	rest(&s, 20);
	roll_over(&s, 1.5, -30);	/* and back */
	rest(&s, 60);
	finish(&s);
	assert_int_equal(count(&s, LEG_CRAMP), 0);
	assert_int_equal(count(&s, LEG_CRAMP_START), 0);
	assert_int_equal(count(&s, LEG_LM), 8);
}

static void
test_held_posture_without_tremor_is_no_cramp(void **state)
{
	struct sig s;

	(void)state;
	forced_down(&s);
	s.pitch = 35 * DEG;		/* and lies still that way */
	rest(&s, 120);
	finish(&s);
	assert_int_equal(count(&s, LEG_CRAMP), 0);
	assert_int_equal(count(&s, LEG_CRAMP_START), 0);
}

static void
test_getting_up_is_one_body_movement(void **state)
{
	struct sig s;
	double start;

	(void)state;
	sig_init(&s, 0.004);
	rest(&s, 60);
	start = s.t;
	while (s.t < start + 8)		/* sitting up, legs down */
		sample(&s, 90 * DEG * (s.t - start) / 8, 0,
		    0.2 * sin(2 * M_PI * 2 * s.t));
	while (s.t < start + 60)	/* walking */
		sample(&s, 90 * DEG, 0, 0.5 * sin(2 * M_PI * 2 * s.t));
	s.pitch = 90 * DEG;
	rest(&s, 120);			/* standing still */
	start = s.t;
	while (s.t < start + 10)	/* lying down again */
		sample(&s, 90 * DEG * (1 - (s.t - start) / 10), 0,
		    0.2 * sin(2 * M_PI * 2 * s.t));
	s.pitch = 0;
	rest(&s, 60);
	finish(&s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.items[0].kind, LEG_BODY);
	assert_true(s.items[0].end - s.items[0].start > 190);
	/*
	 * Out of bed: the shin within 25 degrees of vertical from 5.8 s into
	 * sitting up until 2.8 s into lying down, 187 s, less the posture's
	 * smoothing and what the steps shake off it.
	 */
	if (!(s.leg.upright_s > 170 && s.leg.upright_s < 192))
		fail_msg("out of bed %.1f s", s.leg.upright_s);
}

/*
 * Pauses in the data (samples lost to a FIFO overflow, a sensor set up
 * again) of every length around the window and the gap limit: a still
 * leg stays still across them, and a movement after one is still found.
 */
static void
test_pauses_in_the_data_are_not_movement(void **state)
{
	static const double pauses[] = { 0.3, 0.55, 0.7, 0.9, 0.99, 1.0,
	    1.01, 1.5, 3.0, 20.0 };
	struct sig s;
	size_t i;

	(void)state;
	sig_init(&s, 0.004);
	rest(&s, 60);
	for (i = 0; i < sizeof(pauses) / sizeof(pauses[0]); i++) {
		s.t += pauses[i];
		rest(&s, 15);
	}
	if (s.n != 0)
		fail_msg("a pause made a %s at %.2f s", s.items[0].kind ==
		    LEG_LM ? "leg movement" : "body movement or cramp",
		    s.items[0].start - T0);
	/* Noiseless, as a frozen chip: the same. */
	sig_init(&s, 0);
	rest(&s, 60);
	for (i = 0; i < sizeof(pauses) / sizeof(pauses[0]); i++) {
		s.t += pauses[i];
		rest(&s, 15);
	}
	assert_int_equal(s.n, 0);
	flex(&s, 1.5, 20, 0.1);
	rest(&s, 30);
	finish(&s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.items[0].kind, LEG_LM);
}

/*
 * On a mattress: a leg movement, minutes of quiet, then the faint tremor
 * of a cramp for two minutes.  One cramp, from the tremor's start to its
 * end, never ending before it began.  (The simulated bench nights 23 and
 * 25 are where a real mattress tremor, fainter against a noisier floor,
 * once gave cramps that ended before they began; this clean signal does
 * not, so it guards the whole rather than that case.)
 */
static void
test_mattress_cramp_long_after_a_movement(void **state)
{
	struct leg_params p;
	struct sig s;
	double start, end;
	int i, cramps = 0;

	(void)state;
	sig_init(&s, 0.001);
	leg_params_mattress(&p);
	leg_init(&s.leg, &p);
	rest(&s, 120);
	flex(&s, 1.5, 0, 0.05);
	rest(&s, 180);
	start = s.t;
	while (s.t < start + 120)
		sample(&s, s.pitch, s.roll,
		    0.003 * sin(2 * M_PI * 6 * (s.t - start)));
	end = s.t;
	rest(&s, 120);
	finish(&s);
	for (i = 0; i < s.n; i++) {
		if (s.items[i].end < s.items[i].start)
			fail_msg("an item ends at %.2f s, before its start "
			    "%.2f s", s.items[i].end - T0,
			    s.items[i].start - T0);
		if (s.items[i].kind != LEG_CRAMP)
			continue;
		cramps++;
		assert_true(fabs(s.items[i].start - (T0 + start)) <= 3.0);
		assert_true(fabs(s.items[i].end - (T0 + end)) <= 3.0);
	}
	assert_int_equal(cramps, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leg_movement_times),
		cmocka_unit_test(test_twitch_is_ignored),
		cmocka_unit_test(test_noise_alone_is_quiet),
		cmocka_unit_test(test_turning_over_is_a_leg_movement_up_to_10_s),
		cmocka_unit_test(test_turning_over_longer_is_a_body_movement),
		cmocka_unit_test(test_slow_end_of_a_turn_is_no_cramp),
		cmocka_unit_test(test_cramp_during_a_movement),
		cmocka_unit_test(test_cramp_after_turning_over),
		cmocka_unit_test(test_cramp_then_lying_still),
		cmocka_unit_test(test_cramp_with_tremor),
		cmocka_unit_test(test_cramp_then_walking),
		cmocka_unit_test(test_restless_movements_are_no_cramp),
		cmocka_unit_test(test_held_posture_without_tremor_is_no_cramp),
		cmocka_unit_test(test_getting_up_is_one_body_movement),
		cmocka_unit_test(test_pauses_in_the_data_are_not_movement),
		cmocka_unit_test(test_mattress_cramp_long_after_a_movement),
	};

	return cmocka_run_group_tests_name("leg", tests, NULL, NULL);
}
