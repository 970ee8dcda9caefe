/*
 * libFuzzer: the ADXL345 driver on the register model, with DEVID,
 * INT_SOURCE, FIFO_STATUS and the FIFO's entries as the input has them,
 * over drains at times the input picks (the wall clock may step back).
 * In full resolution the chip's words are sign-extended from 10 bits at
 * 2 g to 13 at 16 g, so no sample from it lies outside the range.
 *
 * Input: flags [devid] faults, then per drain: op [int_source]
 * [fifo_status] dt, 6 bytes for the idle data registers, and op>>3
 * entries of 6 bytes pushed into the chip's FIFO.
 */
#include "driver_rig.h"

#define DEVID		0x00
#define POWER_CTL	0x2d
#define INT_SOURCE	0x30
#define DATAX0		0x32
#define FIFO_STATUS	0x39
#define ENTRIES_MAX	33

/*
 * -DFUZZ_ADXL_ANY_RANGE leaves out the range check, to fuzz the rest
 * while a sample outside the range is a known, open bug.
 */
#ifdef FUZZ_ADXL_ANY_RANGE
static const int range_checked = 0;
#else
static const int range_checked = 1;
#endif

static int
le16(const uint8_t *p)
{
	return (int16_t)(uint16_t)(p[1] << 8 | p[0]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int rates[] = { 0, 1, 6, 25, 50, 100, 400, 3200 };
	static struct rig r;
	struct input in = { data, size };
	struct sensor_clock now = { 1.7e9, 100.0 };
	struct model_dev *d;
	uint8_t flags, id = 0xe5, op, src, status, want[ENTRIES_MAX][6];
	size_t have;
	double range, last_t = -INFINITY;
	int rc, i, k, n, pushes, fail_n, ovr_src, ovr_status, overflows, past;

	flags = in_byte(&in);
	rig_init(&r, &adxl345_ops);
	r.c.accel.range_g = flags & 0x08 ? 32 : 2 << (flags & 3);
	r.c.accel.rate_hz = rates[flags >> 4 & 7];
	d = model_i2c_add(&r.sh.m, 0x53, MODEL_ADXL345);
	if (flags & 0x04)
		d->reg[DEVID] = id = in_byte(&in);
	rig_faults(&r, &in);
	/* Past 200 Hz is more than a 100 kHz bus carries: refused. */
	rc = rig_open(&r, &now, id != 0xe5 || r.c.accel.range_g == 32 ||
	    r.c.accel.rate_hz > 200, "DEVID 0x%02x, range %d g, %d Hz", id,
	    r.c.accel.range_g, r.c.accel.rate_hz);
	if (rc == -1 && id != 0xe5 && d->reg[POWER_CTL] != 0)
		broken("open wrote to a chip that is not an ADXL345");
	if (rc == -1) {
		rig_close(&r);
		return 0;
	}
	range = r.c.accel.range_g;
	while (in_more(&in)) {
		op = in_byte(&in);
		memset(r.sh.ovr_set, 0, sizeof(r.sh.ovr_set));
		ovr_src = op & 1;
		ovr_status = op & 2;
		if (ovr_src)
			shim_override(&r.sh, INT_SOURCE, in_byte(&in));
		if (ovr_status)
			shim_override(&r.sh, FIFO_STATUS, in_byte(&in));
		k = in_byte(&in);
		now.mono += (k & 0x3f) * 0.02;
		now.unix += (k & 0x3f) * 0.02 - (k & 0x40 ? 5 : 0);
		for (i = 0; i < 6; i++)
			d->reg[DATAX0 + i] = in_byte(&in);
		for (pushes = op >> 3; pushes > 0 && in_more(&in); pushes--)
			(void)model_adxl_push(d, (int)in_u16(&in),
			    (int)in_u16(&in), (int)in_u16(&in));

		/*
		 * What the driver will see: entries from the FIFO while it
		 * has them, then the data registers as they stand.
		 */
		have = model_adxl_entries(d);
		src = ovr_src ? r.sh.ovr_val[INT_SOURCE] :
		    (uint8_t)(d->overrun ? 0x01 : 0);
		status = ovr_status ? r.sh.ovr_val[FIFO_STATUS] :
		    (uint8_t)have;
		for (i = 0; i < ENTRIES_MAX; i++)
			memcpy(want[i], (size_t)i < have ? d->fifo + 6 * i :
			    d->reg + DATAX0, 6);
		overflows = (int)r.s.overflows;
		fail_n = r.sh.m.fail_n;

		rc = rig_call(&r, adxl345_ops.read, &now, "read");

		for (i = 0; i < r.n; i++) {
			for (k = 0; k < 3; k++)
				if (!(r.got[i].v[k] >= -range &&
				    r.got[i].v[k] < range) && range_checked)
					broken("%g g on a %g g range (sample "
					    "%d axis %d of FIFO_STATUS 0x%02x)",
					    r.got[i].v[k], range, i, k,
					    status);
			if (r.got[i].t < last_t)
				broken("time went back: %.9f after %.9f",
				    r.got[i].t, last_t);
			last_t = r.got[i].t;
		}
		if (rig_faulted(&r, fail_n))
			continue;
		if (src & 0x01) {
			if (rc != 0 || r.n != 0 ||
			    (int)r.s.overflows != overflows + 1)
				broken("an overrun not handled: rc %d, %d "
				    "samples, %lu overflows", rc, r.n,
				    r.s.overflows);
			continue;
		}
		n = status & 0x3f;
		if (n > ENTRIES_MAX) {
			if (rc != -1)
				broken("FIFO_STATUS 0x%02x taken", status);
			continue;
		}
		/* A word the chip cannot give on its range is refused. */
		for (i = 0, past = 0; i < n && i < ENTRIES_MAX; i++)
			for (k = 0; k < 3; k++)
				if (le16(want[i] + 2 * k) >= range * 256 ||
				    le16(want[i] + 2 * k) < -range * 256)
					past = 1;
		if (past && range_checked) {
			if (rc != -1 || strstr(r.s.error, "past the") == NULL)
				broken("a word past the %g g range taken", range);
			continue;
		}
		if (rc == -1)
			broken("read failed with no cause: %s", r.s.error);
		if (r.n != n)
			broken("FIFO_STATUS 0x%02x: %d samples", status, r.n);
		for (i = 0; i < r.n; i++)
			for (k = 0; k < 3; k++)
				if (r.got[i].v[k] != le16(want[i] + 2 * k) /
				    256.0)
					broken("sample %d axis %d: %g g from "
					    "0x%02x%02x", i, k, r.got[i].v[k],
					    want[i][2 * k + 1], want[i][2 * k]);
	}
	fail_n = r.sh.m.fail_n;
	rig_close(&r);
	if (d->reg[POWER_CTL] != 0 && !rig_faulted(&r, fail_n))
		broken("close left the chip measuring");
	return 0;
}
