/*
 * libFuzzer: the MPU-6050 driver on the register model, with WHO_AM_I,
 * INT_STATUS, FIFO_COUNT and the FIFO's bytes as the input has them, over
 * drains at times the input picks (the wall clock may step back).
 *
 * Input: flags [who] faults, then per drain: op [status] [count hi lo]
 * dt, and op>>2 samples of 6 bytes pushed into the chip's FIFO.
 */
#include "driver_rig.h"

#define WHO_AM_I	0x75
#define PWR_MGMT_1	0x6b
#define INT_STATUS	0x3a
#define FIFO_COUNTH	0x72
#define FIFO_COUNTL	0x73
#define FIFO_SIZE	1024
/* Three samples' room kept free: fuller is reset, as if overflowed. */
#define FIFO_RESET_AT	(FIFO_SIZE - 18)

static int
be16(const uint8_t *p)
{
	return (int16_t)(uint16_t)(p[0] << 8 | p[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int rates[] = { 0, 1, 5, 25, 50, 100, 333, 1000 };
	static struct rig r;
	struct input in = { data, size };
	struct sensor_clock now = { 1.7e9, 100.0 };
	struct model_dev *d;
	uint8_t flags, who = 0x68, op, fifo[FIFO_SIZE];
	size_t count, fifo_len, want;
	double range, last_t = -INFINITY;
	int rc, i, k, pushes, fail_n, ovr_status, ovr_count, overflows;
	int skip;

	flags = in_byte(&in);
	rig_init(&r, &mpu6050_ops);
	r.c.accel.range_g = flags & 0x08 ? 3 : 2 << (flags & 3);
	r.c.accel.rate_hz = rates[flags >> 4 & 7];
	d = model_i2c_add(&r.sh.m, 0x68, MODEL_MPU6050);
	if (flags & 0x04)
		d->reg[WHO_AM_I] = who = in_byte(&in);
	rig_faults(&r, &in);
	rc = rig_open(&r, &now, who != 0x68 || r.c.accel.range_g == 3,
	    "WHO_AM_I 0x%02x, range %d g", who, r.c.accel.range_g);
	if (rc == 0 && r.s.fd != -1)
		broken("an fd without an interrupt line");
	if (rc == -1 && who != 0x68 && d->reg[PWR_MGMT_1] != 0x40)
		broken("open wrote to a chip that is not an MPU-6050");
	if (rc == -1) {
		rig_close(&r);
		return 0;
	}
	/* The accelerometer is up 30 ms later: the FIFO starts. */
	now.mono += 0.03;
	now.unix += 0.03;
	fail_n = r.sh.m.fail_n;
	if ((rc = rig_call(&r, mpu6050_ops.read, &now, "start")) == -1 &&
	    !rig_faulted(&r, fail_n))
		broken("the start failed with no cause: %s", r.s.error);
	if (rc == -1 || r.n != 0) {
		if (r.n != 0)
			broken("%d samples before the FIFO started", r.n);
		rig_close(&r);
		return 0;
	}
	skip = 1;	/* the DLPF settling */
	range = r.c.accel.range_g;
	while (in_more(&in)) {
		op = in_byte(&in);
		memset(r.sh.ovr_set, 0, sizeof(r.sh.ovr_set));
		ovr_status = op & 1;
		ovr_count = op & 2;
		if (ovr_status)
			shim_override(&r.sh, INT_STATUS, in_byte(&in));
		if (ovr_count) {
			shim_override(&r.sh, FIFO_COUNTH, in_byte(&in));
			shim_override(&r.sh, FIFO_COUNTL, in_byte(&in));
		}
		k = in_byte(&in);
		now.mono += (k & 0x3f) * 0.05;
		now.unix += (k & 0x3f) * 0.05 - (k & 0x40 ? 5 : 0);
		for (pushes = op >> 2; pushes > 0 && in_more(&in); pushes--)
			(void)model_mpu_push(d, (int)in_u16(&in),
			    (int)in_u16(&in), (int)in_u16(&in));

		/*
		 * What the chip holds and says, as the driver will see it
		 * (INT_STATUS's overflow bit is not trusted: the count is).
		 */
		count = ovr_count ? (size_t)r.sh.ovr_val[FIFO_COUNTH] << 8 |
		    r.sh.ovr_val[FIFO_COUNTL] : d->fifo_len;
		fifo_len = d->fifo_len;
		memcpy(fifo, d->fifo, fifo_len);
		memset(fifo + fifo_len, 0, sizeof(fifo) - fifo_len);
		overflows = (int)r.s.overflows;
		r.sh.fifo_reads = 0;
		fail_n = r.sh.m.fail_n;

		rc = rig_call(&r, mpu6050_ops.read, &now, "read");

		if (count > FIFO_SIZE && r.sh.fifo_reads != 0)
			broken("FIFO_COUNT %zu, yet %zu FIFO bytes read", count,
			    r.sh.fifo_reads);
		if (count <= FIFO_SIZE && r.sh.fifo_reads > count)
			broken("FIFO_COUNT %zu, yet %zu FIFO bytes read", count,
			    r.sh.fifo_reads);
		for (i = 0; i < r.n; i++) {
			for (k = 0; k < 3; k++)
				if (fabs(r.got[i].v[k]) > range)
					broken("%g g on a %g g range",
					    r.got[i].v[k], range);
			if (r.got[i].t < last_t)
				broken("time went back: %.9f after %.9f",
				    r.got[i].t, last_t);
			last_t = r.got[i].t;
		}
		if (rig_faulted(&r, fail_n))
			continue;
		if (count > FIFO_SIZE) {
			if (rc != -1 || strstr(r.s.error, "FIFO_COUNT") == NULL)
				broken("FIFO_COUNT %zu taken", count);
			continue;
		}
		if (rc == -1)
			broken("read failed with no cause: %s", r.s.error);
		if (count >= FIFO_RESET_AT) {
			if (r.n != 0 || (int)r.s.overflows != overflows + 1)
				broken("an overflow (count %zu) not handled: "
				    "%d samples, %lu overflows", count, r.n,
				    r.s.overflows);
			skip = 0;
			continue;
		}
		want = count / 6;
		if (r.sh.fifo_reads != want * 6 ||
		    (size_t)r.n != want - ((size_t)skip < want ? (size_t)skip :
		    want))
			broken("FIFO_COUNT %zu: %d samples from %zu bytes, "
			    "%d to drop", count, r.n, r.sh.fifo_reads, skip);
		k = (size_t)skip < want ? skip : (int)want;
		skip -= k;
		for (i = 0; i < r.n; i++)
			for (k = 0; k < 3; k++)
				if (r.got[i].v[k] != be16(fifo + 6 *
				    (i + (int)want - r.n) + 2 * k) * range /
				    32768.0)
					broken("sample %d axis %d: %g g from "
					    "0x%02x%02x", i, k, r.got[i].v[k],
					    fifo[6 * i + 2 * k],
					    fifo[6 * i + 2 * k + 1]);
	}
	fail_n = r.sh.m.fail_n;
	rig_close(&r);
	if (d->reg[PWR_MGMT_1] != 0x40 && !rig_faulted(&r, fail_n))
		broken("close left the chip awake");
	return 0;
}
