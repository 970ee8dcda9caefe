/*
 * An accelerometer that misbehaves while it still answers, and a wall
 * clock that steps, seen the way the daemon sees them: an MPU-6050 on the
 * in-process register model (model_i2c.c) read by the fleet
 * (daemon/fleet.c), its samples through the detection pipeline.  What a
 * user would check: no movement or cramp that did not happen, a real
 * movement still found afterwards, samples never going back in time; and
 * a movement's event out as soon as the FIFO holds what decides it.
 *
 * Covered elsewhere: bus errors, a wrong chip, a chip that stops
 * measuring (the stall detector) and thermometers that vanish or read
 * garbage in test_fleet.c; bad CRCs, power-on values and FIFO overflows
 * in test_drivers.c; clock steps for the drink reminders in
 * test_hydration.c.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/config.h"
#include "daemon/fleet.h"
#include "daemon/pipeline.h"
#include "model_i2c.h"

#define RATE		50
#define LSB_PER_G	16384.0		/* range 2 g */
#define T0		1800000000.0	/* the wall clock at mono 0 */
#define MAXEV		64

struct rig {
	struct config		conf;
	struct fleet		f;
	struct model_i2c	m;
	struct model_dev	*mpu;
	struct pipeline		*pl;
	struct source_conf	src;
	double			chip_t;		/* mono: what the chip has made */
	double			wall_off;	/* the wall clock's step */
	double			last_t;
	long			samples, out_of_order, same_time;
	struct event		ev[MAXEV];
	int			nev;
	int			faults;
	double			reported;	/* mono of the first event */
	size_t			max_held;	/* samples the fleet held back */
	uint32_t		rnd;
	/* What the chip measures, in g (before its noise). */
	double			x, y, z, noise_g;
	int			garbage;	/* random bytes in the FIFO */
	int			stuck;		/* one value, no noise */
	int			stuck_v[3];
	/* A leg movement from mono move_t0 for move_s: a shake on y. */
	double			move_t0, move_s;
};

static void
on_event(void *ctx, const struct event *ev)
{
	struct rig *r = ctx;

	if (r->nev == 0)
		r->reported = r->chip_t;
	if (r->nev < MAXEV)
		r->ev[r->nev] = *ev;
	r->nev++;
}

static void
on_sample(void *ctx, int index, const struct sample *s)
{
	struct rig *r = ctx;

	assert_int_equal(index, 0);
	if (r->samples > 0 && s->t < r->last_t)
		r->out_of_order++;
	if (r->samples > 0 && s->t == r->last_t)
		r->same_time++;
	r->last_t = s->t;
	r->samples++;
	pipeline_sample(r->pl, 0, s);
}

static void
on_fault(void *ctx, int index, int faulted, const char *error)
{
	struct rig *r = ctx;

	(void)index;
	(void)error;
	if (faulted)
		r->faults++;
}

/* Uniform in [0, 1): a fixed sequence, the same every run. */
static double
uniform(struct rig *r)
{
	r->rnd = r->rnd * 1664525u + 1013904223u;
	return (r->rnd >> 8) / 16777216.0;
}

static double
gauss(struct rig *r)
{
	double u = uniform(r) + 1e-12, v = uniform(r);

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static int
lsb(double g)
{
	long v = lround(g * LSB_PER_G);

	return v > 32767 ? 32767 : v < -32768 ? -32768 : (int)v;
}

static struct rig *
rig_new(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct accel_settings *accel;
	struct plm_params plm;
	char err[256];

	assert_non_null(r);
	config_defaults(&r->conf);
	assert_non_null(accel = config_sensor_init(&r->conf.sensors[0],
	    "ankle", "mpu6050"));
	accel->rate_hz = RATE;
	r->conf.nsensors = 1;
	r->src.name = "ankle";
	r->src.kind = SOURCE_ACCEL;
	leg_params_default(&r->src.leg);
	plm_params_default(&plm);
	assert_non_null(r->pl = pipeline_new(&r->src, 1, &plm, on_event, r));
	model_i2c_init(&r->m);
	assert_non_null(r->mpu = model_i2c_add(&r->m, 0x68, MODEL_MPU6050));
	if (fleet_init(&r->f, &r->conf, NULL, on_sample, on_fault, r, err,
	    sizeof(err)) == -1)
		fail_msg("%s", err);
	r->f.m[0].s.i2c = &r->m.bus;
	r->chip_t = 10;
	r->rnd = 7;
	/* Lying, the shin level: gravity across it, a real chip's noise. */
	r->z = 1.0;
	r->noise_g = 0.004;
	r->move_t0 = -1;
	return r;
}

static void
rig_free(struct rig *r)
{
	fleet_close(&r->f);
	pipeline_free(r->pl);
	free(r);
}

/* One sample as the chip makes it at mono t. */
static void
chip_sample(struct rig *r, double t)
{
	double x = r->x, y = r->y, z = r->z;

	if (r->stuck) {
		model_mpu_push(r->mpu, r->stuck_v[0], r->stuck_v[1],
		    r->stuck_v[2]);
		return;
	}
	if (r->garbage) {
		model_mpu_push(r->mpu, (int)(uniform(r) * 65536) - 32768,
		    (int)(uniform(r) * 65536) - 32768,
		    (int)(uniform(r) * 65536) - 32768);
		return;
	}
	if (r->move_t0 >= 0 && t >= r->move_t0 && t < r->move_t0 + r->move_s)
		y += 0.3 * sin(2 * M_PI * 3 * (t - r->move_t0));
	model_mpu_push(r->mpu, lsb(x + r->noise_g * gauss(r)),
	    lsb(y + r->noise_g * gauss(r)), lsb(z + r->noise_g * gauss(r)));
}

/* The loop's turn at mono t, the wall clock T0 + t + the step. */
static void
service(struct rig *r, double t)
{
	struct sensor_clock c = { T0 + t + r->wall_off, t };
	long n;

	for (n = lround(r->chip_t * RATE); n < lround(t * RATE); n++)
		chip_sample(r, (double)n / RATE);
	r->chip_t = t;
	fleet_service(&r->f, &c, NULL, 0);
	if (r->f.nheld > r->max_held)
		r->max_held = r->f.nheld;
	pipeline_tick(r->pl, fleet_data_time(&r->f, &c));
}

/* The loop every 0.25 s from t0 to t1 (mono). */
static void
run(struct rig *r, double t0, double t1)
{
	double t;

	for (t = t0; t <= t1 + 1e-9; t += 0.25)
		service(r, t);
}

static int
count(const struct rig *r, enum event_type type)
{
	int i, n = 0;

	for (i = 0; i < r->nev && i < MAXEV; i++)
		n += r->ev[i].type == type;
	return n;
}

static void
dump(const struct rig *r)
{
	int i;

	for (i = 0; i < r->nev && i < MAXEV; i++)
		print_message("  %s %.2f-%.2f peak %.3f\n",
		    event_type_name(r->ev[i].type), r->ev[i].start - T0,
		    r->ev[i].end - T0, r->ev[i].peak_g);
}

/* Only these movements (leg, body), no cramp, no PLM series. */
static void
expect(const struct rig *r, int lm, int body)
{
	if (count(r, EVENT_LEG_MOVEMENT) != lm ||
	    count(r, EVENT_BODY_MOVEMENT) != body ||
	    count(r, EVENT_CRAMP_START) + count(r, EVENT_CRAMP) +
	    count(r, EVENT_PLM_SERIES) != 0) {
		dump(r);
		fail_msg("expected %d leg and %d body movements only", lm,
		    body);
	}
}

/* The control: the rig finds a shake of 1.5 s as one leg movement. */
static void
test_a_movement_is_found(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	r->move_t0 = 200.93;
	r->move_s = 1.5;
	run(r, 10, 300);
	expect(r, 1, 0);
	assert_int_equal(r->faults, 0);
	assert_int_equal(r->out_of_order, 0);
	rig_free(r);
}

/*
 * The loop's turns as loop.c takes them: at a read, at the tick (once a
 * second, sharing a turn with a read within half a second of it) or,
 * early, when an event can be decided, its FIFO then read.  Returns how
 * many turns there were.
 */
static int
run_as_loop(struct rig *r, double t0, double t1, int early)
{
	double t = t0, tick = t0, at = INFINITY;
	int turns = 0;

	while (t <= t1) {
		service(r, t);
		turns++;
		if (t >= tick - 0.5) {
			tick += 1.0;
			if (tick - 0.5 < t)
				tick = t + 1.0;
		}
		if (early)
			at = fleet_want_data(&r->f,
			    pipeline_decision_due(r->pl), t + 0.05);
		t = fmin(fleet_next_wake(&r->f), at);
		if (t > tick + 0.5)
			t = tick;
	}
	return turns;
}

/* A rig with a shake of 1.5 s from mono move_t0. */
static struct rig *
rig_shaken(double move_t0)
{
	struct rig *r = rig_new();

	r->move_t0 = move_t0;
	r->move_s = 1.5;
	return r;
}

/*
 * Live, a movement's event goes out as soon as the samples that decide it
 * are in the FIFO, not at the drain up to a second later: within 0.1 s of
 * a loop that reads the chip at every sample, at a few turns more than
 * the drains alone.  At several phases of the movement to the drains.
 */
static void
test_decided_when_the_data_can_tell(void **state)
{
	static const double phase[] = { 0, 0.3, 0.55, 0.8 };
	struct rig *r;
	double at_once, at_drain, late = 0;
	int i, n, turns, drain_turns;

	(void)state;
	for (i = 0; i < (int)(sizeof(phase) / sizeof(phase[0])); i++) {
		r = rig_shaken(200 + phase[i]);
		for (n = 0; n <= (300 - 10) * RATE; n++) {
			double t = 10 + (double)n / RATE;

			fleet_want_data(&r->f, T0 + t - 1, t);	/* read now */
			service(r, t);
		}
		expect(r, 1, 0);
		at_once = r->reported;
		rig_free(r);

		r = rig_shaken(200 + phase[i]);
		drain_turns = run_as_loop(r, 10, 300, 0);
		expect(r, 1, 0);
		at_drain = r->reported;
		rig_free(r);

		r = rig_shaken(200 + phase[i]);
		turns = run_as_loop(r, 10, 300, 1);
		expect(r, 1, 0);
		print_message("phase %.2f: reported %.3f s after a loop "
		    "reading every sample (drains alone: %.3f s), in %d "
		    "turns (drains alone: %d)\n", phase[i],
		    r->reported - at_once, at_drain - at_once, turns,
		    drain_turns);
		/* A sample may be read the moment it is made. */
		assert_true(r->reported >= at_once - 1.5 / RATE);
		assert_true(r->reported <= at_once + 0.1);
		assert_true(turns <= drain_turns + 10);
		assert_int_equal(r->out_of_order, 0);
		late = fmax(late, at_drain - at_once);
		rig_free(r);
	}
	/* The drains alone are late: what this test tells apart. */
	assert_true(late > 0.5);
}

/*
 * A chip whose FIFO repeats one value for ever (frozen data registers,
 * a latched converter): no movement, no cramp, whatever the value, and
 * a lying-still value of exactly zero spread does not make the noise of
 * rounding look like movement.  The fleet tells it as a fault, once,
 * about half a minute in (test_fleet.c has the timing and the return).
 */
static void
stuck_at(int x, int y, int z, int from_start)
{
	struct rig *r = rig_new();
	const int v[3] = { x, y, z };
	long n;

	r->stuck_v[0] = x;
	r->stuck_v[1] = y;
	r->stuck_v[2] = z;
	if (from_start) {
		r->stuck = 1;
		run(r, 10, 610);
	} else {
		run(r, 10, 120);
		r->stuck = 1;
		run(r, 120.25, 720);
	}
	pipeline_finish(r->pl);
	/* A jump to a stuck value is one change, never a cramp. */
	if (from_start)
		expect(r, 0, 0);
	else if (count(r, EVENT_LEG_MOVEMENT) + count(r, EVENT_BODY_MOVEMENT)
	    > 1 || count(r, EVENT_CRAMP_START) + count(r, EVENT_CRAMP) +
	    count(r, EVENT_PLM_SERIES) != 0) {
		dump(r);
		fail_msg("a stuck value after rest gave more than one change");
	}
	assert_int_equal(r->out_of_order, 0);
	assert_true(r->samples >= 40 * RATE);
	assert_int_equal(r->faults, 1);
	rig_free(r);

	/*
	 * A recording of such a chip, replayed (no fleet to stop it): ten
	 * minutes of the value straight into detection, after two minutes
	 * of a real chip or none.
	 */
	r = rig_new();
	for (n = from_start ? 10 * RATE : 0; n < 730 * RATE; n++) {
		struct sample smp;
		int i;

		smp.t = T0 + (double)n / RATE;
		for (i = 0; i < 3; i++)
			smp.v[i] = (!from_start && n < 120 * RATE ?
			    lsb(i == 2 ? 1.0 : 0.0) +
			    lsb(r->noise_g * gauss(r)) : v[i]) / LSB_PER_G;
		on_sample(r, 0, &smp);
		if (n % (RATE / 4) == 0)
			pipeline_tick(r->pl, smp.t);
	}
	pipeline_finish(r->pl);
	if (count(r, EVENT_LEG_MOVEMENT) + count(r, EVENT_BODY_MOVEMENT) >
	    (from_start ? 0 : 1) || count(r, EVENT_CRAMP_START) +
	    count(r, EVENT_CRAMP) + count(r, EVENT_PLM_SERIES) != 0) {
		dump(r);
		fail_msg("ten minutes of a stuck value, replayed: events");
	}
	rig_free(r);
}

static void
test_stuck_at_rest(void **state)
{
	(void)state;
	stuck_at(0, 0, 16384, 1);
}

static void
test_stuck_at_zero(void **state)
{
	(void)state;
	stuck_at(0, 0, 0, 1);		/* "free fall" for ever */
}

static void
test_stuck_at_full_scale(void **state)
{
	(void)state;
	stuck_at(32767, 32767, 32767, 1);	/* saturated: 3.5 g */
}

static void
test_sticks_during_the_night(void **state)
{
	(void)state;
	stuck_at(0, 0, 16384, 0);	/* the same as rest, minus noise */
	stuck_at(0, 8000, 14000, 0);	/* turned ~30 degrees, frozen */
	stuck_at(0, 0, 0, 0);
}

/*
 * Random bytes from the FIFO for a minute (a chip gone mad, a bus that
 * reads noise): no cramp and no PLM series come of it, and once it reads
 * sense again, a real leg movement is found again.
 */
static void
test_garbage_then_sense(void **state)
{
	struct rig *r = rig_new();
	int before;

	(void)state;
	run(r, 10, 100);
	r->garbage = 1;
	run(r, 100.25, 160);
	r->garbage = 0;
	run(r, 160.25, 400);
	if (count(r, EVENT_CRAMP_START) + count(r, EVENT_CRAMP) +
	    count(r, EVENT_PLM_SERIES) != 0) {
		dump(r);
		fail_msg("garbage gave a cramp or a PLM series");
	}
	before = count(r, EVENT_LEG_MOVEMENT);
	r->move_t0 = 500;
	r->move_s = 1.5;
	run(r, 400.25, 600);
	if (count(r, EVENT_LEG_MOVEMENT) != before + 1) {
		dump(r);
		fail_msg("the leg movement after the garbage was not found");
	}
	assert_int_equal(r->out_of_order, 0);
	rig_free(r);
}

/*
 * The wall clock steps (NTP after a boot without a clock, or set by
 * hand) while the leg lies still: no movement comes of the step, the
 * samples never go back in time, and a leg movement 60 s later is found
 * and told within seconds, as without the step (cramp_start and
 * "restless now" are only worth something at once).
 */
static void
clock_step(double step)
{
	struct rig *r = rig_new();

	run(r, 10, 200);
	r->wall_off = step;
	r->move_t0 = 260;
	r->move_s = 1.5;
	run(r, 200.25, 400);
	if (count(r, EVENT_LEG_MOVEMENT) != 1 || r->nev != 1) {
		dump(r);
		fail_msg("clock step %+.0f s: %d events, %d leg movements "
		    "(want the one; the fleet held back up to %zu samples)",
		    step, r->nev, count(r, EVENT_LEG_MOVEMENT), r->max_held);
	}
	if (r->reported > r->move_t0 + r->move_s + 10)
		fail_msg("clock step %+.0f s: the movement was told %.0f s "
		    "after it ended", step, r->reported - r->move_t0 -
		    r->move_s);
	/* Detection waits for at most a few seconds of samples. */
	assert_true(r->max_held <= 10 * RATE);
	assert_int_equal(r->out_of_order, 0);
	assert_int_equal(r->faults, 0);
	rig_free(r);
}

static void
test_clock_steps_forward(void **state)
{
	struct rig *r;

	(void)state;
	clock_step(3600);
	/* Stamped by the clock after the step. */
	r = rig_new();
	run(r, 10, 200);
	r->wall_off = 3600;
	r->move_t0 = 260;
	r->move_s = 1.5;
	run(r, 200.25, 300);
	assert_int_equal(r->nev, 1);
	assert_true(fabs(r->ev[0].start - (T0 + 260 + 3600)) < 2);
	rig_free(r);
}

/*
 * Set back by S seconds, the wall clock would leave the samples' times
 * S seconds ahead of it: the fleet must not hold every sample until the
 * clock catches up (120 s back: detection 120 s late for good; 1 h back:
 * nothing for an hour and 180000 samples held).
 */
static void
test_clock_steps_back(void **state)
{
	(void)state;
	clock_step(-120);
	clock_step(-3600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_movement_is_found),
		cmocka_unit_test(test_decided_when_the_data_can_tell),
		cmocka_unit_test(test_stuck_at_rest),
		cmocka_unit_test(test_stuck_at_zero),
		cmocka_unit_test(test_stuck_at_full_scale),
		cmocka_unit_test(test_sticks_during_the_night),
		cmocka_unit_test(test_garbage_then_sense),
		cmocka_unit_test(test_clock_steps_forward),
		cmocka_unit_test(test_clock_steps_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
