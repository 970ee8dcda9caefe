/*
 * The chip drivers against the in-process register model (model_i2c.c)
 * and a temporary sysfs: IDs checked, registers configured, raw bytes
 * turned into exact g and °C, FIFOs drained in order with exact times,
 * overflows seen, bad CRCs and power-on values refused, and faults named
 * with the sensor and the errno text.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sensors/sensor.h"
#include "daemon/movement.h"
#include "daemon/movewatch.h"
#include "sensors/gpio.h"
#include "sensors/identify.h"
#include "model_gpio.h"
#include "model_i2c.h"

extern const struct sensor_ops mpu6050_ops, adxl345_ops, sht3x_ops,
    bme280_ops, ds18b20_ops;

#define MAXGOT	512
#define EXACT	1e-9	/* times: sums of periods, exact to rounding */

struct got {
	int		n;
	int		index;
	struct sample	s[MAXGOT];
};

struct rig {
	struct model_i2c	m;
	union {				/* the type's settings */
		struct accel_settings		accel;
		struct i2c_thermo_settings	thermo;
		struct ds18b20_settings		w1;
	}			c;
	struct sensor		s;
	struct got		g;
};

static void
collect(void *ctx, int index, const struct sample *smp)
{
	struct got *g = ctx;

	assert_true(g->n < MAXGOT);
	g->index = index;
	g->s[g->n++] = *smp;
}

static struct rig *
rig_new(const struct sensor_ops *ops, const char *type)
{
	struct rig *r = calloc(1, sizeof(*r));
	const struct sensor_type *t;

	assert_non_null(r);
	model_i2c_init(&r->m);
	t = sensor_type_find(type);
	assert_non_null(t);
	assert_ptr_equal(t->ops, ops);
	t->defaults(&r->c);
	r->s.ops = ops;
	r->s.name = "ankle";
	r->s.settings = &r->c;
	r->s.index = 3;
	r->s.emit = collect;
	r->s.ctx = &r->g;
	r->s.fd = -1;
	r->s.i2c = &r->m.bus;
	return r;
}

static void
rig_free(struct rig *r)
{
	r->s.ops->close(&r->s);
	assert_null(r->s.priv);
	free(r);
}

static struct sensor_clock
at(double unix, double mono)
{
	struct sensor_clock c = { unix, mono };

	return c;
}

/* ---- MPU-6050 ---- */

#define MPU_SMPLRT_DIV		0x19
#define MPU_CONFIG		0x1a
#define MPU_ACCEL_CONFIG	0x1c
#define MPU_FIFO_EN		0x23
#define MPU_INT_ENABLE		0x38
#define MPU_USER_CTRL		0x6a
#define MPU_PWR_MGMT_1		0x6b
#define MPU_PWR_MGMT_2		0x6c
#define MPU_WHO_AM_I		0x75

/*
 * Opened at now, and started 30 ms later when the accelerometer is up;
 * the chip's first sample after the start (x 9999) is the DLPF settling,
 * dropped by the driver.  now is left at the start.
 */
static void
mpu_start(struct rig *r, struct model_dev *d, struct sensor_clock *now)
{
	assert_int_equal(mpu6050_ops.open(&r->s, now), 0);
	now->unix += 0.03;
	now->mono += 0.03;
	assert_true(fabs(r->s.next_read - now->mono) < EXACT);
	assert_int_equal(mpu6050_ops.read(&r->s, now), 0);
	assert_int_equal(model_mpu_push(d, 9999, 9999, 9999), 1);
}

static void
test_mpu_wrong_id(void **state)
{
	struct rig *r = rig_new(&mpu6050_ops, "mpu6050");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x68, MODEL_MPU6050);

	(void)state;
	d->reg[MPU_WHO_AM_I] = 0x70;	/* an MPU-6500 */
	assert_int_equal(mpu6050_ops.open(&r->s, &now), -1);
	assert_string_equal(r->s.error, "mpu6050 on /dev/i2c-1 0x68: "
	    "WHO_AM_I is 0x70, expected 0x68: not an MPU-6050");
	/* Not ours: nothing was written to it. */
	assert_int_equal(d->reg[MPU_PWR_MGMT_1], 0x40);
	rig_free(r);
}

static void
test_mpu_absent(void **state)
{
	struct rig *r = rig_new(&mpu6050_ops, "mpu6050");
	struct sensor_clock now = at(1000, 50);

	(void)state;
	model_i2c_add(&r->m, 0x69, MODEL_MPU6050);	/* AD0 high */
	assert_int_equal(mpu6050_ops.open(&r->s, &now), -1);
	assert_string_equal(r->s.error, "mpu6050 on /dev/i2c-1 0x68: "
	    "read WHO_AM_I: Remote I/O error");
	rig_free(r);
	/* Named by its address, it is found. */
	r = rig_new(&mpu6050_ops, "mpu6050");
	model_i2c_add(&r->m, 0x69, MODEL_MPU6050);
	r->c.accel.i2c.address = 0x69;
	assert_int_equal(mpu6050_ops.open(&r->s, &now), 0);
	rig_free(r);
}

static void
test_mpu_config(void **state)
{
	static const struct {
		int	range, rate;
		uint8_t	afs, div, dlpf;
		double	drain;
	} t[] = {
		{ 0, 0, 0x00, 19, 4, 1.0 },	/* defaults: 2 g, 50 Hz */
		/* 170 samples fill the FIFO: drained when half full. */
		{ 8, 100, 0x10, 9, 3, 0.85 },
		{ 16, 1000, 0x18, 0, 1, 0.085 },
		{ 4, 30, 0x08, 32, 5, 1.0 },	/* 30.30 Hz is the nearest */
		{ 2, 5, 0x00, 199, 6, 1.0 },
	};
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d;
	struct rig *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = rig_new(&mpu6050_ops, "mpu6050");
		d = model_i2c_add(&r->m, 0x68, MODEL_MPU6050);
		r->c.accel.range_g = t[i].range;
		r->c.accel.rate_hz = t[i].rate;
		now = at(1000, 50);
		assert_int_equal(mpu6050_ops.open(&r->s, &now), 0);
		/* Awake, the FIFO off until the accelerometer is up. */
		assert_int_equal(d->reg[MPU_USER_CTRL], 0x00);
		assert_int_equal(d->reg[MPU_PWR_MGMT_1], 0x00);
		assert_true(fabs(r->s.next_read - 50.03) < EXACT);
		assert_int_equal(model_mpu_push(d, 1, 2, 3), 0);
		now = at(1000.03, 50.03);
		assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
		assert_int_equal(d->reg[MPU_ACCEL_CONFIG], t[i].afs);
		assert_int_equal(d->reg[MPU_SMPLRT_DIV], t[i].div);
		assert_int_equal(d->reg[MPU_CONFIG], t[i].dlpf);
		assert_int_equal(d->reg[MPU_FIFO_EN], 0x08);
		assert_int_equal(d->reg[MPU_USER_CTRL], 0x40);
		assert_int_equal(d->reg[MPU_PWR_MGMT_1], 0x00);
		assert_int_equal(d->reg[MPU_PWR_MGMT_2], 0x07);
		assert_int_equal(d->reg[MPU_INT_ENABLE], 0x00);
		assert_int_equal(r->s.fd, -1);
		/* Drained as often as if it had started at once. */
		assert_true(fabs(r->s.next_read - (50 + t[i].drain)) < EXACT);
		rig_free(r);
	}
	r = rig_new(&mpu6050_ops, "mpu6050");
	model_i2c_add(&r->m, 0x68, MODEL_MPU6050);
	r->c.accel.range_g = 3;
	assert_int_equal(mpu6050_ops.open(&r->s, &now), -1);
	assert_string_equal(r->s.error, "mpu6050 on /dev/i2c-1 0x68: "
	    "range 3 g: the chip has 2, 4, 8 or 16");
	rig_free(r);
}

static void
test_mpu_convert(void **state)
{
	static const struct {
		int	range;
		int	raw;
		double	g;
	} t[] = {
		{ 2, 16384, 1.0 },
		{ 2, -16384, -1.0 },
		{ 2, 32767, 1.99993896484375 },
		{ 2, -32768, -2.0 },
		{ 2, 1, 0.00006103515625 },
		{ 4, 8192, 1.0 },
		{ 8, -4096, -1.0 },
		{ 16, 2048, 1.0 },
		{ 16, 1, 0.00048828125 },
		{ 16, -32768, -16.0 },
	};
	struct sensor_clock now;
	struct model_dev *d;
	struct rig *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = rig_new(&mpu6050_ops, "mpu6050");
		d = model_i2c_add(&r->m, 0x68, MODEL_MPU6050);
		r->c.accel.range_g = t[i].range;
		now = at(1000, 50);
		mpu_start(r, d, &now);
		assert_int_equal(model_mpu_push(d, t[i].raw, 0, -t[i].raw), 1);
		now = at(1001, 51);
		assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
		assert_int_equal(r->g.n, 1);
		assert_true(r->g.s[0].v[0] == t[i].g);
		assert_true(r->g.s[0].v[1] == 0.0);
		/* -(-32768) does not fit: the chip's word wraps. */
		if (t[i].raw != -32768)
			assert_true(r->g.s[0].v[2] == -t[i].g);
		assert_true(r->g.s[0].t == 1001.0);
		rig_free(r);
	}
}

/* n samples of x = first, first + 1, ... */
static void
mpu_push_n(struct model_dev *d, int first, int n)
{
	int i;

	for (i = 0; i < n; i++)
		assert_int_equal(model_mpu_push(d, first + i, -(first + i),
		    16384), 1);
}

/* The got samples from `from` on: x counting up from x0, times t0 + k p. */
static void
check_run(const struct got *g, int from, int n, int x0, double t0,
    double p, double scale)
{
	int k;

	assert_int_equal(g->n, from + n);
	for (k = 0; k < n; k++) {
		const struct sample *smp = &g->s[from + k];

		assert_true(smp->v[0] == (x0 + k) * scale);
		assert_true(smp->v[1] == -(x0 + k) * scale);
		if (fabs(smp->t - (t0 + k * p)) > EXACT)
			fail_msg("sample %d: t %.9f, expected %.9f", from + k,
			    smp->t, t0 + k * p);
	}
}

static void
test_mpu_fifo_times(void **state)
{
	struct rig *r = rig_new(&mpu6050_ops, "mpu6050");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x68, MODEL_MPU6050);
	const double sc = 2 / 32768.0, p = 0.02;
	double step;

	(void)state;
	mpu_start(r, d, &now);
	/* Only the settling sample yet: nothing handed out. */
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 0);
	assert_int_equal(d->fifo_len, 0);

	/* First drain: the newest at now, the rest 20 ms apart before. */
	mpu_push_n(d, 0, 50);
	now = at(1001, 51);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.index, 3);
	check_run(&r->g, 0, 50, 0, 1001 - 49 * p, p, sc);
	assert_true(fabs(r->s.next_read - 52) < EXACT);
	assert_int_equal(d->fifo_len, 0);

	/* The sample clock carries on. */
	mpu_push_n(d, 50, 50);
	now = at(1002, 52);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	check_run(&r->g, 50, 50, 50, 1001 + p, p, sc);

	/* Two samples short of now: within the slack, still carried on. */
	mpu_push_n(d, 100, 48);
	now = at(1003, 53);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	check_run(&r->g, 100, 48, 100, 1002 + p, p, sc);

	/* Twelve short (0.24 s behind): anchored to now again. */
	mpu_push_n(d, 148, 40);
	now = at(1004, 54);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	check_run(&r->g, 148, 40, 148, 1004 - 39 * p, p, sc);

	/*
	 * Ten too many (0.2 s ahead): going back would reverse time, so
	 * the 60 are spread over the second since the last one.
	 */
	mpu_push_n(d, 188, 60);
	now = at(1005, 55);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	step = 1.0 / 60;
	check_run(&r->g, 188, 60, 188, 1004 + step, step, sc);
	assert_true(fabs(r->g.s[247].t - 1005) < EXACT);
	rig_free(r);
}

static void
test_mpu_fifo_full_drain(void **state)
{
	struct rig *r = rig_new(&mpu6050_ops, "mpu6050");
	struct sensor_clock now = at(2000, 10);
	struct model_dev *d = model_i2c_add(&r->m, 0x68, MODEL_MPU6050);
	unsigned long before;

	(void)state;
	r->c.accel.rate_hz = 100;
	mpu_start(r, d, &now);
	/*
	 * 166 samples and the settling one, 1002 bytes: the most short of
	 * the three samples' room the FIFO keeps free.
	 */
	mpu_push_n(d, -85, 166);
	now = at(2001.7, 11.7);
	before = r->m.transfers;
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	check_run(&r->g, 0, 166, -85, 2001.7 - 165 * 0.01, 0.01,
	    2 / 32768.0);
	/* Status, count, then 30-byte blocks: 34 of them. */
	assert_int_equal(r->m.transfers - before, 2 + 34);
	assert_int_equal(r->s.overflows, 0);
	rig_free(r);
}

static void
test_mpu_overflow(void **state)
{
	struct rig *r = rig_new(&mpu6050_ops, "mpu6050");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x68, MODEL_MPU6050);

	(void)state;
	mpu_start(r, d, &now);
	mpu_push_n(d, 0, 20);
	now = at(1000.4, 50.4);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 20);
	/* 171 samples do not fit in 1024 bytes. */
	mpu_push_n(d, 20, 171);
	assert_int_equal(d->fifo_len, 1024);
	now = at(1004, 54);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	assert_int_equal(r->s.overflows, 1);
	assert_int_equal(r->g.n, 20);		/* the torn FIFO dropped */
	assert_int_equal(d->fifo_len, 0);	/* and reset */
	assert_int_equal(d->reg[MPU_USER_CTRL], 0x40);
	/* Time starts again at the next drain: a gap, not a smear. */
	mpu_push_n(d, 500, 10);
	now = at(1005, 55);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	check_run(&r->g, 20, 10, 500, 1005 - 9 * 0.02, 0.02, 2 / 32768.0);
	assert_int_equal(r->s.overflows, 1);
	rig_free(r);
}

static void
test_mpu_wake(void **state)
{
	struct rig *r = rig_new(&mpu6050_ops, "mpu6050");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x68, MODEL_MPU6050);

	(void)state;
	assert_int_equal(mpu6050_ops.open(&r->s, &now), 0);
	/* What the chip measures while it starts stays out of the FIFO. */
	assert_int_equal(model_mpu_push(d, 32767, 32767, 32767), 0);
	assert_true(fabs(r->s.next_read - 50.03) < EXACT);
	now = at(1000.03, 50.03);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 0);
	/* The first sample after the start is dropped, the rest kept. */
	assert_int_equal(model_mpu_push(d, -32768, 32767, 0), 1);
	mpu_push_n(d, 7, 5);
	now = at(1001, 51);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	check_run(&r->g, 0, 5, 7, 1001 - 4 * 0.02, 0.02, 2 / 32768.0);
	rig_free(r);
}

static void
test_mpu_count_race(void **state)
{
	struct rig *r = rig_new(&mpu6050_ops, "mpu6050");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x68, MODEL_MPU6050);

	(void)state;
	mpu_start(r, d, &now);
	/*
	 * 1008 bytes when the count is read, and three samples land before
	 * the drain: the FIFO overflows and loses two bytes off its front,
	 * so a drain would read every sample torn.  Reset instead.
	 */
	mpu_push_n(d, 0, 167);
	d->race_n = 3;
	d->race_x = 167;
	now = at(1004, 54);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	assert_int_equal(d->race_n, 0);
	assert_int_equal(r->g.n, 0);
	assert_int_equal(r->s.overflows, 1);
	assert_int_equal(d->fifo_len, 0);
	/*
	 * 1002 bytes, the most that is drained: the three that land in
	 * between fit, and come whole with the next drain.
	 */
	mpu_push_n(d, 1000, 167);
	d->race_n = 3;
	d->race_x = 1167;
	now = at(1008, 58);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	check_run(&r->g, 0, 167, 1000, 1008 - 166 * 0.02, 0.02,
	    2 / 32768.0);
	now = at(1008.06, 58.06);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), 0);
	check_run(&r->g, 167, 3, 1167, 1008.02, 0.02, 2 / 32768.0);
	assert_int_equal(r->s.overflows, 1);
	rig_free(r);
}

static void
test_mpu_faults(void **state)
{
	struct rig *r = rig_new(&mpu6050_ops, "mpu6050");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x68, MODEL_MPU6050);

	(void)state;
	model_i2c_fail(&r->m, 1, ETIMEDOUT);
	assert_int_equal(mpu6050_ops.open(&r->s, &now), -1);
	assert_string_equal(r->s.error, "mpu6050 on /dev/i2c-1 0x68: "
	    "read WHO_AM_I: Connection timed out");
	mpu6050_ops.close(&r->s);

	mpu_start(r, d, &now);
	model_i2c_fail(&r->m, 1, EREMOTEIO);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "mpu6050 on /dev/i2c-1 0x68: "
	    "read INT_STATUS: Remote I/O error");
	/* The FIFO's data read fails: status and count went through. */
	mpu_push_n(d, 0, 10);
	model_i2c_fail_after(&r->m, 2, 1, ETIMEDOUT);
	assert_int_equal(mpu6050_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "mpu6050 on /dev/i2c-1 0x68: "
	    "read FIFO: Connection timed out");
	assert_int_equal(r->g.n, 0);
	rig_free(r);
}

/* ---- ADXL345 ---- */

#define ADXL_DEVID		0x00
#define ADXL_BW_RATE		0x2c
#define ADXL_POWER_CTL		0x2d
#define ADXL_INT_ENABLE		0x2e
#define ADXL_DATA_FORMAT	0x31
#define ADXL_FIFO_CTL		0x38

static void
test_adxl_wrong_id(void **state)
{
	struct rig *r = rig_new(&adxl345_ops, "adxl345");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x53, MODEL_ADXL345);

	(void)state;
	d->reg[ADXL_DEVID] = 0xe6;
	assert_int_equal(adxl345_ops.open(&r->s, &now), -1);
	assert_string_equal(r->s.error, "adxl345 on /dev/i2c-1 0x53: "
	    "DEVID is 0xe6, expected 0xe5: not an ADXL345");
	assert_int_equal(d->reg[ADXL_POWER_CTL], 0);
	rig_free(r);
}

static void
test_adxl_config(void **state)
{
	static const struct {
		int	range, rate;
		uint8_t	format, code;
		double	drain;
	} t[] = {
		{ 0, 0, 0x08, 0x09, 0.32 },	/* 2 g, 50 Hz */
		{ 4, 100, 0x09, 0x0a, 0.16 },
		{ 8, 30, 0x0a, 0x08, 0.64 },	/* 25 Hz is the nearest */
		{ 16, 10, 0x0b, 0x07, 1.0 },	/* 12.5 Hz */
	};
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d;
	struct rig *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = rig_new(&adxl345_ops, "adxl345");
		d = model_i2c_add(&r->m, 0x53, MODEL_ADXL345);
		r->c.accel.range_g = t[i].range;
		r->c.accel.rate_hz = t[i].rate;
		assert_int_equal(adxl345_ops.open(&r->s, &now), 0);
		assert_int_equal(d->reg[ADXL_DATA_FORMAT], t[i].format);
		assert_int_equal(d->reg[ADXL_BW_RATE], t[i].code);
		assert_int_equal(d->reg[ADXL_FIFO_CTL], 0x80 | 16);
		assert_int_equal(d->reg[ADXL_POWER_CTL], 0x08);
		assert_int_equal(d->reg[ADXL_INT_ENABLE], 0);
		assert_true(fabs(r->s.next_read - (50 + t[i].drain)) < EXACT);
		rig_free(r);
	}
	/* 200 Hz is the most a 100 kHz bus carries; 400 Hz is refused. */
	r = rig_new(&adxl345_ops, "adxl345");
	d = model_i2c_add(&r->m, 0x53, MODEL_ADXL345);
	r->c.accel.rate_hz = 200;
	assert_int_equal(adxl345_ops.open(&r->s, &now), 0);
	assert_int_equal(d->reg[ADXL_BW_RATE], 0x0b);
	rig_free(r);
	r = rig_new(&adxl345_ops, "adxl345");
	d = model_i2c_add(&r->m, 0x53, MODEL_ADXL345);
	r->c.accel.rate_hz = 400;
	assert_int_equal(adxl345_ops.open(&r->s, &now), -1);
	assert_string_equal(r->s.error, "adxl345 on /dev/i2c-1 0x53: "
	    "400 Hz is more than a 100 kHz I2C bus carries (at most 200 Hz)");
	assert_int_equal(d->reg[ADXL_POWER_CTL], 0);
	rig_free(r);
}

/* A word the chip cannot give on its range is the bus, not the leg. */
static void
test_adxl_past_range(void **state)
{
	struct rig *r = rig_new(&adxl345_ops, "adxl345");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x53, MODEL_ADXL345);

	(void)state;
	r->c.accel.range_g = 2;
	assert_int_equal(adxl345_ops.open(&r->s, &now), 0);
	model_adxl_push(d, 511, -512, 256);
	model_adxl_push(d, 1024, 0, 256);
	now = at(1000.5, 50.5);
	assert_int_equal(adxl345_ops.read(&r->s, &now), -1);
	assert_non_null(strstr(r->s.error, "reads 1024, past the 2 g range"));
	assert_int_equal(r->g.n, 0);
	rig_free(r);
}

static void
test_adxl_fifo(void **state)
{
	static const struct {
		int	raw;
		double	g;
	} conv[] = {
		{ 256, 1.0 }, { -256, -1.0 }, { 1, 0.00390625 },
		{ 4095, 15.99609375 }, { -4095, -15.99609375 }, { 0, 0.0 },
	};
	struct rig *r = rig_new(&adxl345_ops, "adxl345");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x53, MODEL_ADXL345);
	size_t i;
	int k;

	(void)state;
	r->c.accel.range_g = 16;
	assert_int_equal(adxl345_ops.open(&r->s, &now), 0);
	for (i = 0; i < sizeof(conv) / sizeof(conv[0]); i++)
		assert_int_equal(model_adxl_push(d, conv[i].raw, -conv[i].raw,
		    256), 1);
	now = at(1000.5, 50.5);
	assert_int_equal(adxl345_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 6);
	for (i = 0; i < 6; i++) {
		assert_true(r->g.s[i].v[0] == conv[i].g);
		assert_true(r->g.s[i].v[1] == -conv[i].g);
		assert_true(r->g.s[i].v[2] == 1.0);
		assert_true(fabs(r->g.s[i].t - (1000.5 - (5 - (int)i) *
		    0.02)) < EXACT);
	}
	assert_int_equal(model_adxl_entries(d), 0);
	assert_true(fabs(r->s.next_read - 50.82) < EXACT);

	/* 16 more, read 0.32 s on: carried on, 20 ms apart. */
	for (k = 0; k < 16; k++)
		model_adxl_push(d, k, -k, 0);
	now = at(1000.82, 50.82);
	assert_int_equal(adxl345_ops.read(&r->s, &now), 0);
	check_run(&r->g, 6, 16, 0, 1000.52, 0.02, 1 / 256.0);
	rig_free(r);
}

static void
test_adxl_overflow(void **state)
{
	struct rig *r = rig_new(&adxl345_ops, "adxl345");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x53, MODEL_ADXL345);
	int k;

	(void)state;
	assert_int_equal(adxl345_ops.open(&r->s, &now), 0);
	/* 32 fit. */
	for (k = 0; k < 32; k++)
		model_adxl_push(d, k, -k, 0);
	now = at(1000.7, 50.7);
	assert_int_equal(adxl345_ops.read(&r->s, &now), 0);
	check_run(&r->g, 0, 32, 0, 1000.7 - 31 * 0.02, 0.02, 1 / 256.0);
	assert_int_equal(r->s.overflows, 0);
	/* 33 do not. */
	for (k = 0; k < 33; k++)
		model_adxl_push(d, k, -k, 0);
	now = at(1001.5, 51.5);
	assert_int_equal(adxl345_ops.read(&r->s, &now), 0);
	assert_int_equal(r->s.overflows, 1);
	assert_int_equal(r->g.n, 32);
	assert_int_equal(model_adxl_entries(d), 0);
	assert_int_equal(d->reg[ADXL_FIFO_CTL], 0x80 | 16);
	for (k = 0; k < 4; k++)
		model_adxl_push(d, 100 + k, -(100 + k), 0);
	now = at(1002, 52);
	assert_int_equal(adxl345_ops.read(&r->s, &now), 0);
	check_run(&r->g, 32, 4, 100, 1002 - 3 * 0.02, 0.02, 1 / 256.0);
	rig_free(r);
}

/*
 * A sample that lands while the overrun is cleared sets it again unless
 * the chip is in standby: cleared as the datasheet says, it stays clear.
 */
static void
test_adxl_overrun_clear(void **state)
{
	struct rig *r = rig_new(&adxl345_ops, "adxl345");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x53, MODEL_ADXL345);
	int k;

	(void)state;
	assert_int_equal(adxl345_ops.open(&r->s, &now), 0);
	for (k = 0; k < 40; k++)
		model_adxl_push(d, k, -k, 0);
	d->race_n = 2;
	d->race_x = 500;
	now = at(1001, 51);
	assert_int_equal(adxl345_ops.read(&r->s, &now), 0);
	assert_int_equal(r->s.overflows, 1);
	assert_int_equal(r->g.n, 0);
	assert_int_equal(d->race_n, 0);
	assert_int_equal(model_adxl_entries(d), 0);
	assert_int_equal(d->overrun, 0);
	assert_int_equal(d->reg[ADXL_POWER_CTL], 0x08);
	assert_int_equal(d->reg[ADXL_FIFO_CTL], 0x80 | 16);
	/* Measuring again: the next samples come whole, no second reset. */
	for (k = 0; k < 4; k++)
		model_adxl_push(d, 100 + k, -(100 + k), 0);
	now = at(1001.32, 51.32);
	assert_int_equal(adxl345_ops.read(&r->s, &now), 0);
	check_run(&r->g, 0, 4, 100, 1001.32 - 3 * 0.02, 0.02, 1 / 256.0);
	assert_int_equal(r->s.overflows, 1);
	rig_free(r);
}

static void
test_adxl_faults(void **state)
{
	struct rig *r = rig_new(&adxl345_ops, "adxl345");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x1d, MODEL_ADXL345);

	(void)state;
	r->c.accel.i2c.address = 0x1d;
	r->c.accel.i2c.bus = 3;
	assert_int_equal(adxl345_ops.open(&r->s, &now), 0);
	model_adxl_push(d, 1, 2, 3);
	model_i2c_fail(&r->m, 1, EREMOTEIO);
	assert_int_equal(adxl345_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "adxl345 on /dev/i2c-3 0x1d: "
	    "read INT_SOURCE: Remote I/O error");
	model_i2c_fail_after(&r->m, 2, 1, ETIMEDOUT);
	assert_int_equal(adxl345_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "adxl345 on /dev/i2c-3 0x1d: "
	    "read FIFO: Connection timed out");
	rig_free(r);
}

/* ---- SHT3x ---- */

static void
test_sht_crc(void **state)
{
	const uint8_t beef[2] = { 0xbe, 0xef };

	(void)state;
	/* The datasheet's example, so the model's CRC is the chip's. */
	assert_int_equal(model_sht_crc(beef, 2), 0x92);
}

static void
test_sht_measure(void **state)
{
	static const struct {
		uint16_t	raw;
		double		c;
	} t[] = {
		{ 0x6666, 25.0 },		/* 175 * 26214 / 65535 = 70 */
		{ 0x4000, -1.2493324177920186 },
		{ 0x8000, 42.50133516441596 },
		{ 0x2ea1, -13.124284733348592 },
	};
	struct rig *r = rig_new(&sht3x_ops, "sht3x");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x44, MODEL_SHT3X);
	size_t i;

	(void)state;
	assert_int_equal(sht3x_ops.open(&r->s, &now), 0);
	/* Open only asks for the status: no measurement yet. */
	assert_int_equal(d->commands, 1);
	assert_int_equal(d->last_cmd, 0xf32d);
	assert_true(r->s.next_read == 50);
	d->sht_hum = 0xbeef;	/* its CRC is the datasheet's 0x92 */
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		d->sht_temp = t[i].raw;
		now = at(1000 + 60 * i, 50 + 60 * i);
		assert_int_equal(sht3x_ops.read(&r->s, &now), 0);
		assert_int_equal(d->last_cmd, 0x2400);
		assert_int_equal(r->g.n, (int)i);
		assert_true(fabs(r->s.next_read - (now.mono + 0.02)) < EXACT);
		now.unix += 0.02;
		now.mono += 0.02;
		assert_int_equal(sht3x_ops.read(&r->s, &now), 0);
		assert_int_equal(r->g.n, (int)i + 1);
		assert_true(fabs(r->g.s[i].v[0] - t[i].c) < 1e-12);
		assert_true(r->g.s[i].t == now.unix);
		assert_true(fabs(r->s.next_read - (now.mono + 60)) < EXACT);
	}
	assert_true(r->g.s[0].v[0] == 25.0);
	rig_free(r);
}

static void
test_sht_errors(void **state)
{
	struct rig *r = rig_new(&sht3x_ops, "sht3x");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = model_i2c_add(&r->m, 0x44, MODEL_SHT3X);
	char want[SENSOR_ERR_MAX];
	uint8_t w[2] = { 0x66, 0x66 };

	(void)state;
	r->c.thermo.interval_s = 30;
	assert_int_equal(sht3x_ops.open(&r->s, &now), 0);
	d->sht_temp = 0x6666;
	d->sht_hum = 0x8000;

	/*
	 * A bad CRC on either word is an error, and the next read starts
	 * a new measurement.
	 */
	d->sht_bad_crc = 1;
	assert_int_equal(sht3x_ops.read(&r->s, &now), 0);
	assert_int_equal(sht3x_ops.read(&r->s, &now), -1);
	snprintf(want, sizeof(want), "sht3x on /dev/i2c-1 0x44: "
	    "temperature CRC is 0x%02x, expected 0x%02x",
	    model_sht_crc(w, 2) ^ 1, model_sht_crc(w, 2));
	assert_string_equal(r->s.error, want);
	assert_true(fabs(r->s.next_read - 80) < EXACT);
	d->sht_bad_crc = 2;
	assert_int_equal(sht3x_ops.read(&r->s, &now), 0);
	assert_int_equal(d->commands, 3);
	assert_int_equal(sht3x_ops.read(&r->s, &now), -1);
	assert_non_null(strstr(r->s.error, "humidity CRC is"));
	d->sht_bad_crc = 0;
	assert_int_equal(r->g.n, 0);

	/* Out of the range a bedroom has: 130 °C, -45 °C. */
	d->sht_temp = 0xffff;
	assert_int_equal(sht3x_ops.read(&r->s, &now), 0);
	assert_int_equal(sht3x_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "sht3x on /dev/i2c-1 0x44: "
	    "130.00 °C is outside -40..85 °C");
	d->sht_temp = 0;
	assert_int_equal(sht3x_ops.read(&r->s, &now), 0);
	assert_int_equal(sht3x_ops.read(&r->s, &now), -1);
	assert_non_null(strstr(r->s.error, "-45.00 °C is outside"));

	/* The chip lost the measurement (a reset): the read is NACKed. */
	d->sht_temp = 0x6666;
	assert_int_equal(sht3x_ops.read(&r->s, &now), 0);
	d->out_len = 0;
	assert_int_equal(sht3x_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "sht3x on /dev/i2c-1 0x44: "
	    "read the measurement: Remote I/O error");
	model_i2c_fail(&r->m, 1, ETIMEDOUT);
	assert_int_equal(sht3x_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "sht3x on /dev/i2c-1 0x44: "
	    "start a measurement: Connection timed out");
	/* And it recovers. */
	assert_int_equal(sht3x_ops.read(&r->s, &now), 0);
	assert_int_equal(sht3x_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 1);
	assert_true(r->g.s[0].v[0] == 25.0);
	rig_free(r);

	/* Nothing at 0x44, or something that is no SHT3x. */
	r = rig_new(&sht3x_ops, "sht3x");
	assert_int_equal(sht3x_ops.open(&r->s, &now), -1);
	assert_string_equal(r->s.error, "sht3x on /dev/i2c-1 0x44: "
	    "send read status: Remote I/O error");
	rig_free(r);
	r = rig_new(&sht3x_ops, "sht3x");
	model_i2c_add(&r->m, 0x44, MODEL_PLAIN);
	assert_int_equal(sht3x_ops.open(&r->s, &now), -1);
	assert_string_equal(r->s.error, "sht3x on /dev/i2c-1 0x44: "
	    "send read status: Operation not supported");
	rig_free(r);
}

/* ---- BME280 ---- */

#define BME_ID_REG		0xd0
#define BME_CTRL_HUM		0xf2
#define BME_STATUS		0xf3
#define BME_CTRL_MEAS		0xf4
#define BME_CONFIG		0xf5
#define BME_TEMP_MSB		0xfa

/*
 * Bosch's worked compensation example (in the BMP280 datasheet, whose
 * temperature formula and calibration registers the BME280 shares):
 * T1 27504, T2 26435, T3 -1000, P1..P9.
 */
static struct model_dev *
bme_model(struct rig *r)
{
	static const uint16_t cal[12] = {
		27504, 26435, (uint16_t)-1000,
		36477, (uint16_t)-10685, 3024, 2855, 140, (uint16_t)-7,
		15500, (uint16_t)-14600, 6000,
	};
	struct model_dev *d = model_i2c_add(&r->m, 0x76, MODEL_BME280);
	int i;

	for (i = 0; i < 12; i++) {
		d->reg[0x88 + 2 * i] = (uint8_t)cal[i];
		d->reg[0x89 + 2 * i] = (uint8_t)(cal[i] >> 8);
	}
	d->reg[0xa1] = 75;	/* dig_H1, unused */
	return d;
}

static void
bme_adc(struct model_dev *d, uint32_t adc)
{
	d->reg[BME_TEMP_MSB] = (uint8_t)(adc >> 12);
	d->reg[BME_TEMP_MSB + 1] = (uint8_t)(adc >> 4);
	d->reg[BME_TEMP_MSB + 2] = (uint8_t)(adc << 4);
}

static void
test_bme_measure(void **state)
{
	struct rig *r = rig_new(&bme280_ops, "bme280");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = bme_model(r);

	(void)state;
	assert_int_equal(bme280_ops.open(&r->s, &now), 0);
	assert_int_equal(d->bme_resets, 1);
	assert_int_equal(d->reg[BME_CTRL_MEAS], 0x00);	/* asleep */
	assert_int_equal(d->reg[BME_CTRL_HUM], 0x00);
	assert_true(fabs(r->s.next_read - 50.01) < EXACT);

	/* adc_T 519888 gives 25.08 °C in the datasheet's example. */
	bme_adc(d, 519888);
	assert_int_equal(d->reg[BME_TEMP_MSB], 0x7e);
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_int_equal(d->reg[BME_CTRL_MEAS], 0x21);	/* forced, T x1 */
	assert_true(fabs(r->s.next_read - 50.01) < EXACT);
	/* Still measuring: looked at again 10 ms on. */
	d->reg[BME_STATUS] = 0x08;
	now = at(1000.01, 50.01);
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 0);
	assert_true(fabs(r->s.next_read - 50.02) < EXACT);
	d->reg[BME_STATUS] = 0x00;
	now = at(1000.02, 50.02);
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 1);
	assert_true(r->g.s[0].v[0] == 25.08);
	assert_true(r->g.s[0].t == 1000.02);
	assert_true(fabs(r->s.next_read - 110.02) < EXACT);

	/* Below zero (the shifts of negative numbers): -12.64 °C. */
	bme_adc(d, 400000);
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 2);
	assert_true(r->g.s[1].v[0] == -12.64);

	/* Skipped (0x80000) and out of range (-44.36 °C) are errors. */
	bme_adc(d, 0x80000);
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_int_equal(bme280_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "bme280 on /dev/i2c-1 0x76: "
	    "no temperature measured (0x80000)");
	bme_adc(d, 300000);
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_int_equal(bme280_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "bme280 on /dev/i2c-1 0x76: "
	    "-44.36 °C is outside -40..85 °C");
	assert_int_equal(r->g.n, 2);
	rig_free(r);
}

static void
test_bme_stuck(void **state)
{
	struct rig *r = rig_new(&bme280_ops, "bme280");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = bme_model(r);
	int i;

	(void)state;
	r->c.thermo.interval_s = 10;
	assert_int_equal(bme280_ops.open(&r->s, &now), 0);
	bme_adc(d, 519888);
	d->reg[BME_STATUS] = 0x08;
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	/* Nine more looks 10 ms apart, then it is a fault. */
	for (i = 0; i < 9; i++) {
		now.mono += 0.01;
		assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	}
	now.mono += 0.01;
	assert_int_equal(bme280_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "bme280 on /dev/i2c-1 0x76: "
	    "still measuring after 100 ms");
	assert_true(fabs(r->s.next_read - (now.mono + 10)) < EXACT);
	/* It starts over. */
	d->reg[BME_STATUS] = 0;
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 0);
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_true(r->g.s[0].v[0] == 25.08);
	rig_free(r);
}

/*
 * A chip another program left measuring in normal mode with its IIR
 * filter on, where config writes may be ignored: reset, waited for, and
 * set up in sleep mode, the filter is off.
 */
static void
test_bme_left_running(void **state)
{
	struct rig *r = rig_new(&bme280_ops, "bme280");
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d = bme_model(r);

	(void)state;
	d->reg[BME_CTRL_MEAS] = 0x27;	/* T x1, P x1, normal */
	d->reg[BME_CONFIG] = 0x10;	/* IIR filter 16 */
	assert_int_equal(bme280_ops.open(&r->s, &now), 0);
	assert_int_equal(d->bme_resets, 1);
	/* Still copying its NVM at the first two looks. */
	d->bme_nvm_busy = 2;
	now = at(1000.01, 50.01);
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_true(fabs(r->s.next_read - 50.02) < EXACT);
	now = at(1000.02, 50.02);
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_int_equal(d->reg[BME_CTRL_MEAS], 0x00);
	now = at(1000.03, 50.03);
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_int_equal(d->reg[BME_CONFIG], 0x00);
	assert_int_equal(d->reg[BME_CTRL_MEAS], 0x21);	/* forced, T x1 */
	bme_adc(d, 519888);
	now = at(1000.04, 50.04);
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 1);
	assert_true(r->g.s[0].v[0] == 25.08);
	rig_free(r);

	/* A reset that never ends is a fault, not a wait for ever. */
	r = rig_new(&bme280_ops, "bme280");
	d = bme_model(r);
	now = at(1000, 50);
	assert_int_equal(bme280_ops.open(&r->s, &now), 0);
	d->bme_nvm_busy = 1000;
	while (bme280_ops.read(&r->s, &now) == 0)
		now.mono = r->s.next_read;
	assert_string_equal(r->s.error, "bme280 on /dev/i2c-1 0x76: "
	    "still starting 100 ms after a reset");
	assert_int_equal(r->g.n, 0);
	rig_free(r);
}

static void
test_bme_no_chip(void **state)
{
	struct sensor_clock now = at(1000, 50);
	struct model_dev *d;
	struct rig *r;
	int i;

	(void)state;
	r = rig_new(&bme280_ops, "bme280");
	d = bme_model(r);
	d->reg[BME_ID_REG] = 0x58;
	assert_int_equal(bme280_ops.open(&r->s, &now), -1);
	assert_string_equal(r->s.error, "bme280 on /dev/i2c-1 0x76: "
	    "chip id is 0x58, expected 0x60: not a BME280 (0x58 is a BMP280)");
	rig_free(r);

	r = rig_new(&bme280_ops, "bme280");
	d = model_i2c_add(&r->m, 0x76, MODEL_PLAIN);
	d->reg[BME_ID_REG] = 0x60;
	assert_int_equal(bme280_ops.open(&r->s, &now), -1);
	assert_string_equal(r->s.error, "bme280 on /dev/i2c-1 0x76: "
	    "calibration is all 0x00: no chip there");
	rig_free(r);

	r = rig_new(&bme280_ops, "bme280");
	r->c.thermo.i2c.address = 0x77;
	d = model_i2c_add(&r->m, 0x77, MODEL_PLAIN);
	d->reg[BME_ID_REG] = 0x60;
	for (i = 0x88; i <= 0xa1; i++)
		d->reg[i] = 0xff;
	assert_int_equal(bme280_ops.open(&r->s, &now), -1);
	assert_string_equal(r->s.error, "bme280 on /dev/i2c-1 0x77: "
	    "calibration is all 0xff: no chip there");
	rig_free(r);

	r = rig_new(&bme280_ops, "bme280");
	bme_model(r);
	assert_int_equal(bme280_ops.open(&r->s, &now), 0);
	model_i2c_fail(&r->m, 1, ETIMEDOUT);
	assert_int_equal(bme280_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "bme280 on /dev/i2c-1 0x76: "
	    "read status: Connection timed out");
	/* Status, three writes and config read back, then the start. */
	model_i2c_fail_after(&r->m, 5, 1, ETIMEDOUT);
	assert_int_equal(bme280_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "bme280 on /dev/i2c-1 0x76: "
	    "start a measurement: Connection timed out");
	assert_int_equal(bme280_ops.read(&r->s, &now), 0);
	model_i2c_fail(&r->m, 1, EREMOTEIO);
	assert_int_equal(bme280_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "bme280 on /dev/i2c-1 0x76: "
	    "read status: Remote I/O error");
	rig_free(r);
}

/* ---- DS18B20 ---- */

struct w1dir {
	char	root[64];
	char	devs[128];
};

static void
w1_setup(struct w1dir *w)
{
	char cmd[256];

	memset(w, 0, sizeof(*w));
	snprintf(w->root, sizeof(w->root), "/tmp/legwatch-w1.XXXXXX");
	assert_non_null(mkdtemp(w->root));
	snprintf(w->devs, sizeof(w->devs), "%s/sys/bus/w1/devices", w->root);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", w->devs);
	assert_int_equal(system(cmd), 0);
}

static void
w1_teardown(struct w1dir *w)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", w->root);
	assert_int_equal(system(cmd), 0);
}

/* Writes "<dir>/<name>/temperature" (a new device's directory too). */
static void
w1_put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/temperature", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static struct rig *
w1_rig(const struct w1dir *w, const char *dev)
{
	struct rig *r = rig_new(&ds18b20_ops, "ds18b20");

	r->s.i2c = NULL;
	r->s.sysfs_root = w->root;
	snprintf(r->c.w1.w1_device, sizeof(r->c.w1.w1_device), "%s", dev);
	return r;
}

static void
test_w1_read(void **state)
{
	struct sensor_clock now = at(1000, 50);
	struct w1dir w = { "", "" };
	struct rig *r;
	char want[SENSOR_ERR_MAX];

	(void)state;
	w1_setup(&w);
	w1_put(w.devs, "28-00000a1b2c3d", "21437\n");
	assert_int_equal(mkdir(strcat(strcpy(want, w.devs),
	    "/w1_bus_master1"), 0755), 0);
	r = w1_rig(&w, "auto");
	r->c.w1.interval_s = 30;
	assert_int_equal(ds18b20_ops.open(&r->s, &now), 0);
	assert_true(r->s.next_read == 50);
	assert_int_equal(ds18b20_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 1);
	assert_true(r->g.s[0].v[0] == 21.437);
	assert_true(r->g.s[0].t == 1000);
	assert_true(r->s.next_read == 80);
	assert_int_equal(r->g.index, 3);

	/* Below zero, and without a newline. */
	w1_put(w.devs, "28-00000a1b2c3d", "-1062");
	assert_int_equal(ds18b20_ops.read(&r->s, &now), 0);
	assert_true(r->g.s[1].v[0] == -1.062);

	/* Garbage, nothing, and the impossible are errors. */
	w1_put(w.devs, "28-00000a1b2c3d", "21x37\n");
	assert_int_equal(ds18b20_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "ds18b20 28-00000a1b2c3d: "
	    "not a temperature: \"21x37\"");
	w1_put(w.devs, "28-00000a1b2c3d", "");
	assert_int_equal(ds18b20_ops.read(&r->s, &now), -1);
	snprintf(want, sizeof(want), "ds18b20 28-00000a1b2c3d: "
	    "empty reading from %s/28-00000a1b2c3d/temperature", w.devs);
	assert_string_equal(r->s.error, want);
	w1_put(w.devs, "28-00000a1b2c3d", "127937\n");
	assert_int_equal(ds18b20_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "ds18b20 28-00000a1b2c3d: "
	    "127.937 °C is outside -40..85 °C");
	assert_int_equal(r->g.n, 2);
	rig_free(r);
	w1_teardown(&w);
}

static void
test_w1_power_on(void **state)
{
	struct sensor_clock now = at(1000, 50);
	struct w1dir w = { "", "" };
	struct rig *r;

	(void)state;
	w1_setup(&w);
	w1_put(w.devs, "28-000000000001", "85000\n");
	r = w1_rig(&w, "28-000000000001");
	assert_int_equal(ds18b20_ops.open(&r->s, &now), 0);
	/* The first reading. */
	assert_int_equal(ds18b20_ops.read(&r->s, &now), -1);
	assert_string_equal(r->s.error, "ds18b20 28-000000000001: "
	    "85.000 °C is the power-on value, not a measurement");
	w1_put(w.devs, "28-000000000001", "21500\n");
	assert_int_equal(ds18b20_ops.read(&r->s, &now), 0);
	/* A jump. */
	w1_put(w.devs, "28-000000000001", "85000\n");
	assert_int_equal(ds18b20_ops.read(&r->s, &now), -1);
	assert_non_null(strstr(r->s.error, "power-on value"));
	/* Close to a reading as warm, it is believed. */
	w1_put(w.devs, "28-000000000001", "82000\n");
	assert_int_equal(ds18b20_ops.read(&r->s, &now), 0);
	w1_put(w.devs, "28-000000000001", "85000\n");
	assert_int_equal(ds18b20_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 3);
	assert_true(r->g.s[0].v[0] == 21.5);
	assert_true(r->g.s[1].v[0] == 82.0);
	assert_true(r->g.s[2].v[0] == 85.0);
	rig_free(r);
	w1_teardown(&w);
}

static void
test_w1_vanish(void **state)
{
	struct sensor_clock now = at(1000, 50);
	char path[160], want[SENSOR_ERR_MAX];
	struct w1dir w = { "", "" };
	struct rig *r;

	(void)state;
	w1_setup(&w);
	w1_put(w.devs, "28-000000000002", "19000\n");
	r = w1_rig(&w, "28-000000000002");
	assert_int_equal(ds18b20_ops.open(&r->s, &now), 0);
	assert_int_equal(ds18b20_ops.read(&r->s, &now), 0);
	/* Unplugged: the kernel removes the directory. */
	snprintf(path, sizeof(path), "%s/28-000000000002/temperature",
	    w.devs);
	assert_int_equal(unlink(path), 0);
	*strrchr(path, '/') = '\0';
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(ds18b20_ops.read(&r->s, &now), -1);
	snprintf(want, sizeof(want), "ds18b20 28-000000000002: gone "
	    "(%s/temperature: No such file or directory)", path);
	assert_string_equal(r->s.error, want);
	/* The loop closes it and tries again later: still gone. */
	ds18b20_ops.close(&r->s);
	assert_int_equal(ds18b20_ops.open(&r->s, &now), -1);
	snprintf(want, sizeof(want), "ds18b20 28-000000000002: %s: "
	    "No such file or directory", path);
	assert_string_equal(r->s.error, want);
	ds18b20_ops.close(&r->s);
	/* Plugged back in, it reads again. */
	w1_put(w.devs, "28-000000000002", "19250\n");
	assert_int_equal(ds18b20_ops.open(&r->s, &now), 0);
	assert_int_equal(ds18b20_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 2);
	assert_true(r->g.s[1].v[0] == 19.25);
	rig_free(r);
	w1_teardown(&w);
}

static void
test_w1_auto(void **state)
{
	struct sensor_clock now = at(1000, 50);
	char want[SENSOR_ERR_MAX];
	struct w1dir w = { "", "" };
	struct rig *r;

	(void)state;
	w1_setup(&w);
	/* Other families are not thermometers of this kind. */
	w1_put(w.devs, "10-000000000009", "20000\n");
	r = w1_rig(&w, "auto");
	assert_int_equal(ds18b20_ops.open(&r->s, &now), -1);
	snprintf(want, sizeof(want), "ds18b20 auto: no 28-* "
	    "thermometer in %s", w.devs);
	assert_string_equal(r->s.error, want);
	rig_free(r);

	w1_put(w.devs, "28-00000000000a", "20000\n");
	w1_put(w.devs, "28-00000000000b", "20000\n");
	r = w1_rig(&w, "auto");
	assert_int_equal(ds18b20_ops.open(&r->s, &now), -1);
	snprintf(want, sizeof(want), "ds18b20 auto: 2 thermometers "
	    "in %s (", w.devs);
	assert_memory_equal(r->s.error, want, strlen(want));
	assert_non_null(strstr(r->s.error, "28-00000000000a"));
	assert_non_null(strstr(r->s.error, "28-00000000000b"));
	assert_non_null(strstr(r->s.error, "): name one in w1_device"));
	rig_free(r);
	w1_teardown(&w);

	/* No 1-Wire bus at all. */
	r = w1_rig(&w, "auto");
	assert_int_equal(ds18b20_ops.open(&r->s, &now), -1);
	snprintf(want, sizeof(want), "ds18b20 auto: %s: No such file "
	    "or directory (is the w1-gpio overlay on?)", w.devs);
	assert_string_equal(r->s.error, want);
	rig_free(r);
}

/*
 * As the kernel lays it out: the device's directory in its bus master's,
 * which has therm_bulk_read; the bus's devices/ holds a link to it.
 */
static void
test_w1_bulk(void **state)
{
	struct sensor_clock now = at(1000, 50);
	char master[256], link[512], buf[32];
	struct w1dir w = { "", "" };
	struct rig *r;
	FILE *f;

	(void)state;
	w1_setup(&w);
	snprintf(master, sizeof(master), "%s/sys/devices/w1_bus_master1",
	    w.root);
	snprintf(link, sizeof(link), "mkdir -p %s", master);
	assert_int_equal(system(link), 0);
	w1_put(master, "28-000000000003", "23125\n");
	snprintf(link, sizeof(link), "%s/therm_bulk_read", master);
	assert_non_null(f = fopen(link, "w"));
	fclose(f);
	snprintf(link, sizeof(link), "%s/28-000000000003", w.devs);
	assert_int_equal(symlink("../../../devices/w1_bus_master1/"
	    "28-000000000003", link), 0);

	r = w1_rig(&w, "auto");
	r->c.w1.interval_s = 20;
	assert_int_equal(ds18b20_ops.open(&r->s, &now), 0);
	/* First the conversion is started, then its result collected. */
	assert_int_equal(ds18b20_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 0);
	assert_true(r->s.next_read == 51);
	snprintf(link, sizeof(link), "%s/therm_bulk_read", master);
	assert_non_null(f = fopen(link, "r"));
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "trigger\n");
	now = at(1001, 51);
	assert_int_equal(ds18b20_ops.read(&r->s, &now), 0);
	assert_int_equal(r->g.n, 1);
	assert_true(r->g.s[0].v[0] == 23.125);
	assert_true(r->g.s[0].t == 1001);
	assert_true(r->s.next_read == 71);
	rig_free(r);
	w1_teardown(&w);
}

/* ---- GPIO edges: the kernel's queue of 16 (v1) or 64 (v2) ---- */

/* Every edge the reader hands out, read as a caller does: again while
 * it returns max. */
static int
gpio_take(struct gpio_edges *st, struct model_gpio *g, int max,
    struct gpio_edge *out, int room)
{
	int n, k = 0;

	do {
		assert_true(k + max <= room);
		n = gpio_edges_read(st, &g->io, g, out + k, max);
		assert_true(n >= 0 && n <= max);
		k += n;
	} while (n == max);
	return k;
}

static void
test_gpio_bounce_overflow(void **state)
{
	struct gpio_edges st = { 0.010, 0, 0 };
	struct gpio_edge out[64];
	struct model_gpio g;
	int i, n;

	(void)state;
	/*
	 * A switch closing bounces 21 times 2 ms apart while the daemon
	 * stalls: the kernel keeps the first 16, which end open, and the
	 * switch is closed.
	 */
	model_gpio_init(&g, 16, 0);
	for (i = 1; i <= 21; i++)
		model_gpio_edge(&g, 100 + i * 0.002, i % 2);
	assert_int_equal(g.dropped, 5);
	g.now = 100.5;
	n = gpio_take(&st, &g, 16, out, 64);
	/* The bounces cancel; the level read says where it ended. */
	assert_int_equal(n, 1);
	assert_int_equal(out[0].active, 1);
	assert_true(out[0].mono == 100.5);
	assert_int_equal(st.level, 1);
	assert_int_equal(g.gets, 1);
	/* Opening again is an edge like any other. */
	model_gpio_edge(&g, 101, 0);
	assert_int_equal(gpio_take(&st, &g, 16, out, 64), 1);
	assert_int_equal(out[0].active, 0);
	assert_true(out[0].mono == 101);
	assert_int_equal(g.gets, 1);
}

static void
test_gpio_no_overflow(void **state)
{
	struct gpio_edges st = { 0, 0, 0 };
	struct gpio_edge out[64];
	struct model_gpio g;
	int i;

	(void)state;
	/* Fewer edges than the queue keeps: no level read. */
	model_gpio_init(&g, 16, 0);
	for (i = 1; i <= 15; i++)
		model_gpio_edge(&g, 10 + i, i % 2);
	assert_int_equal(gpio_take(&st, &g, 16, out, 64), 15);
	assert_int_equal(g.gets, 0);
	for (i = 0; i < 15; i++) {
		assert_true(out[i].mono == 11 + i);
		assert_int_equal(out[i].active, (i + 1) % 2);
	}
	/* A full queue that lost nothing: the level agrees, no edge added. */
	for (i = 1; i <= 16; i++)
		model_gpio_edge(&g, 30 + i, (i + 1) % 2);
	assert_int_equal(g.dropped, 0);
	assert_int_equal(gpio_take(&st, &g, 16, out, 64), 16);
	assert_int_equal(g.gets, 1);
	assert_int_equal(out[15].active, 1);
	assert_true(out[15].mono == 46);
}

static void
test_gpio_overflow_small_reads(void **state)
{
	struct gpio_edges st = { 0, 0, 0 };
	struct gpio_edge out[80];
	struct model_gpio g;
	int i;

	(void)state;
	/* A caller reading 4 at a time still learns of the lost edge. */
	model_gpio_init(&g, 16, 0);
	for (i = 1; i <= 17; i++)
		model_gpio_edge(&g, 10 + i, i % 2);
	g.now = 40;
	assert_int_equal(gpio_take(&st, &g, 4, out, 80), 17);
	assert_int_equal(out[15].active, 0);
	assert_int_equal(out[16].active, 1);
	assert_true(out[16].mono == 40);
	/* libgpiod 2: a kernel queue of 64, and 70 edges in a stall. */
	memset(&st, 0, sizeof(st));
	model_gpio_init(&g, 64, 0);
	for (i = 1; i <= 71; i++)
		model_gpio_edge(&g, 10 + i, i % 2);
	g.now = 90;
	assert_int_equal(gpio_take(&st, &g, 16, out, 80), 65);
	assert_int_equal(out[63].active, 0);
	assert_int_equal(out[64].active, 1);
	assert_true(out[64].mono == 90);
	assert_int_equal(g.level, 1);
}

/* ---- legwatch-probe: chips by their IDs, a movement seen ---- */

static const struct chip_seen *
seen_at(const struct chip_seen *c, int n, int addr)
{
	/* Not NULL after the failure: gcc's sanitized -O2 build would warn
	 * of a read through it in the callers, fail_msg() returning or not. */
	static const struct chip_seen not_looked_at;
	int i;

	for (i = 0; i < n; i++)
		if (c[i].addr == addr)
			return &c[i];
	fail_msg("0x%02x not looked at", addr);
	return &not_looked_at;
}

static void
test_identify(void **state)
{
	struct chip_seen c[IDENTIFY_ADDRS];
	struct model_i2c m;
	struct model_dev *d;
	int n, i;

	(void)state;
	model_i2c_init(&m);
	model_i2c_add(&m, 0x68, MODEL_MPU6050);
	d = model_i2c_add(&m, 0x69, MODEL_MPU6050);
	d->reg[MPU_WHO_AM_I] = 0x70;
	d = model_i2c_add(&m, 0x77, MODEL_PLAIN);
	d->reg[0xd0] = 0x58;
	model_i2c_add(&m, 0x44, MODEL_SHT3X);
	m.busy_addr = 0x53;
	n = identify_bus(&m.bus, c, IDENTIFY_ADDRS);
	assert_int_equal(n, 8);
	for (i = 1; i < n; i++)
		assert_true(c[i].addr > c[i - 1].addr);
	assert_int_equal(seen_at(c, n, 0x68)->verdict, CHIP_FOUND);
	assert_string_equal(seen_at(c, n, 0x68)->what,
	    "MPU-6050 (WHO_AM_I 0x68)");
	assert_string_equal(seen_at(c, n, 0x68)->type, "mpu6050");
	assert_int_equal(seen_at(c, n, 0x69)->verdict, CHIP_WRONG);
	assert_string_equal(seen_at(c, n, 0x69)->what, "something answers, "
	    "but its WHO_AM_I is 0x70, not the MPU-6050's 0x68 (0x70 is an "
	    "MPU-6500)");
	assert_int_equal(seen_at(c, n, 0x77)->verdict, CHIP_WRONG);
	assert_non_null(strstr(seen_at(c, n, 0x77)->what, "0x58 is a BMP280"));
	assert_int_equal(seen_at(c, n, 0x76)->verdict, CHIP_NONE);
	assert_int_equal(seen_at(c, n, 0x1d)->verdict, CHIP_NONE);
	assert_int_equal(seen_at(c, n, 0x53)->verdict, CHIP_BUSY);
	assert_int_equal(seen_at(c, n, 0x44)->verdict, CHIP_FOUND);
	assert_string_equal(seen_at(c, n, 0x44)->what,
	    "SHT3x (status 0x8010, CRC good)");
	assert_int_equal(seen_at(c, n, 0x45)->verdict, CHIP_NONE);
	/* Nothing was written to the chip that is not the one expected. */
	assert_int_equal(d->reg[0xf4], 0);
}

/* 50 Hz at the ankle: still, a shake of 1.4 s, still. */
static void
test_move_watch(void **state)
{
	struct movement_params p;
	struct move_watch w;
	double a[3], t;
	int i, seen = 0;

	(void)state;
	movement_params_default(&p);
	move_watch_init(&w, &p, 1000 + 8);
	for (i = 0; i < 50 * 30; i++) {
		t = 1000 + i / 50.0;
		a[0] = 0.002 * ((i * 7) % 5 - 2);
		a[1] = 0.002 * ((i * 3) % 5 - 2);
		a[2] = 1.0;
		if (t >= 1012 && t < 1013.4) {
			a[0] += 0.4 * sin(2 * M_PI * 3 * (t - 1012));
			a[2] += 0.3 * sin(2 * M_PI * 2 * (t - 1012));
		}
		if (move_watch_feed(&w, t, a) && !seen) {
			seen = 1;
			assert_true(t > 1013.4);
		}
	}
	assert_int_equal(seen, 1);
	if (fabs(w.seconds - 1.4) > 0.3)
		fail_msg("a shake of 1.4 s seen as %.2f s", w.seconds);
	/* Nothing but rest: nothing seen. */
	move_watch_init(&w, &p, 1000 + 8);
	a[0] = a[1] = 0;
	a[2] = 1;
	for (i = 0; i < 50 * 30; i++)
		assert_int_equal(move_watch_feed(&w, 1000 + i / 50.0, a), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mpu_wrong_id),
		cmocka_unit_test(test_mpu_absent),
		cmocka_unit_test(test_mpu_config),
		cmocka_unit_test(test_mpu_convert),
		cmocka_unit_test(test_mpu_fifo_times),
		cmocka_unit_test(test_mpu_fifo_full_drain),
		cmocka_unit_test(test_mpu_overflow),
		cmocka_unit_test(test_mpu_wake),
		cmocka_unit_test(test_mpu_count_race),
		cmocka_unit_test(test_mpu_faults),
		cmocka_unit_test(test_adxl_wrong_id),
		cmocka_unit_test(test_adxl_config),
		cmocka_unit_test(test_adxl_fifo),
		cmocka_unit_test(test_adxl_past_range),
		cmocka_unit_test(test_adxl_overflow),
		cmocka_unit_test(test_adxl_overrun_clear),
		cmocka_unit_test(test_adxl_faults),
		cmocka_unit_test(test_sht_crc),
		cmocka_unit_test(test_sht_measure),
		cmocka_unit_test(test_sht_errors),
		cmocka_unit_test(test_bme_measure),
		cmocka_unit_test(test_bme_stuck),
		cmocka_unit_test(test_bme_left_running),
		cmocka_unit_test(test_bme_no_chip),
		cmocka_unit_test(test_w1_read),
		cmocka_unit_test(test_w1_power_on),
		cmocka_unit_test(test_w1_vanish),
		cmocka_unit_test(test_w1_auto),
		cmocka_unit_test(test_w1_bulk),
		cmocka_unit_test(test_gpio_bounce_overflow),
		cmocka_unit_test(test_identify),
		cmocka_unit_test(test_move_watch),
		cmocka_unit_test(test_gpio_no_overflow),
		cmocka_unit_test(test_gpio_overflow_small_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
