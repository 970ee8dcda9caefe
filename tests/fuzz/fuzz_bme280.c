/*
 * libFuzzer: the BME280 driver on the register model, with the chip id,
 * the whole calibration block, the status and the raw temperature as the
 * input has them.  Whatever the calibration, the compensation must not
 * overflow (UBSan) and a temperature handed out must be the datasheet's:
 * the same as its 32-bit integer formula wherever that formula does not
 * overflow, and near its floating-point one always.
 *
 * Input: flags [id] faults, 26 + 7 calibration bytes, then per
 * measurement: dt, raw temperature (3 bytes), then status bytes until one
 * without the measuring bit (at most 12).
 */
#include "driver_rig.h"

#define ID_REG		0xd0
#define CALIB_T		0x88
#define CALIB_H		0xe1
#define STATUS		0xf3
#define TEMP_MSB	0xfa
#define MEASURING	0x08
#define IM_UPDATE	0x01

/* v >> n of a two's complement int32, as the datasheet's compiler does. */
static int64_t
shr(int64_t v, int n)
{
	int64_t d = (int64_t)1 << n;

	return v >= 0 ? v / d : -((-v + d - 1) / d);
}

/* bme280_compensate_T_int32 as the datasheet has it; 0 if it overflows. */
static int
datasheet_int32(int32_t adc, unsigned t1, int t2, int t3, long *centi)
{
	int64_t a, b, var1, var2, t_fine, t;

	a = shr(adc, 3) - ((int64_t)t1 << 1);
	if (a * t2 < INT32_MIN || a * t2 > INT32_MAX)
		return 0;
	var1 = shr(a * t2, 11);
	b = shr(adc, 4) - (int64_t)t1;
	if (b * b > INT32_MAX)
		return 0;
	var2 = shr(b * b, 12);
	if (var2 * t3 < INT32_MIN || var2 * t3 > INT32_MAX)
		return 0;
	var2 = shr(var2 * t3, 14);
	t_fine = var1 + var2;
	if (t_fine < INT32_MIN || t_fine > INT32_MAX ||
	    t_fine * 5 + 128 < INT32_MIN || t_fine * 5 + 128 > INT32_MAX)
		return 0;
	t = shr(t_fine * 5 + 128, 8);
	*centi = (long)t;
	return 1;
}

/* bme280_compensate_T_double. */
static double
datasheet_double(int32_t adc, unsigned t1, int t2, int t3)
{
	double var1, var2;

	var1 = (adc / 16384.0 - t1 / 1024.0) * t2;
	var2 = (adc / 131072.0 - t1 / 8192.0) * (adc / 131072.0 - t1 / 8192.0) *
	    t3;
	return (var1 + var2) / 5120.0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rig r;
	struct input in = { data, size };
	struct sensor_clock now = { 1.7e9, 100.0 };
	struct model_dev *d;
	uint8_t flags, id = 0x60, *cal, st = 0;
	unsigned t1;
	int t2, t3, rc, i, zeros = 0, ones = 0, fail_n, looks, faulted;
	int32_t adc;
	long centi;
	double want;

	flags = in_byte(&in);
	rig_init(&r, &bme280_ops);
	r.c.thermo.interval_s = flags & 0x02 ? 0 : 30;
	d = model_i2c_add(&r.sh.m, 0x76, MODEL_PLAIN);
	if (flags & 0x01)
		id = in_byte(&in);
	d->reg[ID_REG] = id;
	rig_faults(&r, &in);
	cal = d->reg + CALIB_T;
	for (i = 0; i < 26; i++)
		cal[i] = in_byte(&in);
	for (i = 0; i < 7; i++)
		d->reg[CALIB_H + i] = in_byte(&in);
	for (i = 0; i < 24; i++) {
		zeros += cal[i] == 0x00;
		ones += cal[i] == 0xff;
	}
	t1 = (unsigned)(cal[1] << 8 | cal[0]);
	t2 = (int16_t)(uint16_t)(cal[3] << 8 | cal[2]);
	t3 = (int16_t)(uint16_t)(cal[5] << 8 | cal[4]);

	rc = rig_open(&r, &now, id != 0x60 || zeros == 24 || ones == 24,
	    "chip id 0x%02x, calibration %d bytes 0x00, %d 0xff", id, zeros,
	    ones);
	if (rc == -1) {
		rig_close(&r);
		return 0;
	}
	while (in_more(&in)) {
		now.mono += in_byte(&in);
		now.unix = 1.7e9 + now.mono;
		d->reg[TEMP_MSB] = in_byte(&in);
		d->reg[TEMP_MSB + 1] = in_byte(&in);
		d->reg[TEMP_MSB + 2] = in_byte(&in);
		adc = (int32_t)d->reg[TEMP_MSB] << 12 |
		    (int32_t)d->reg[TEMP_MSB + 1] << 4 |
		    d->reg[TEMP_MSB + 2] >> 4;
		fail_n = r.sh.m.fail_n;
		/* The first call starts a measurement, the next ones look. */
		rc = rig_call(&r, bme280_ops.read, &now, "start");
		for (looks = 0; rc == 0 && r.n == 0 && looks < 12; looks++) {
			/* Bit 0, the reset's NVM copy, is the unit tests'. */
			d->reg[STATUS] = st = in_byte(&in) & ~IM_UPDATE;
			now.mono = r.s.next_read;
			now.unix = 1.7e9 + now.mono;
			rc = rig_call(&r, bme280_ops.read, &now, "read");
			if (!(st & MEASURING))
				break;
		}
		faulted = rig_faulted(&r, fail_n);
		if (r.n == 1) {
			if (adc == 0x80000)
				broken("the skipped value 0x80000 taken");
			if (r.got[0].v[0] < -40 || r.got[0].v[0] > 85)
				broken("%.2f °C handed out", r.got[0].v[0]);
			if (r.got[0].t != now.unix)
				broken("sample at %f, now is %f", r.got[0].t,
				    now.unix);
			if (datasheet_int32(adc, t1, t2, t3, &centi) &&
			    r.got[0].v[0] != centi / 100.0)
				broken("adc 0x%05x T1 %u T2 %d T3 %d: %.2f °C, "
				    "the datasheet's int32 formula %.2f",
				    (unsigned)adc, t1, t2, t3, r.got[0].v[0],
				    centi / 100.0);
			want = datasheet_double(adc, t1, t2, t3);
			if (fabs(r.got[0].v[0] - want) > 0.1)
				broken("adc 0x%05x T1 %u T2 %d T3 %d: %.2f °C, "
				    "the datasheet's double formula %.4f",
				    (unsigned)adc, t1, t2, t3, r.got[0].v[0],
				    want);
		} else if (r.n > 1)
			broken("%d samples from one measurement", r.n);
		else if (!faulted && rc == 0 && !(st & MEASURING))
			broken("a finished measurement gave nothing");
		else if (!faulted && rc == -1 && adc != 0x80000 &&
		    !(st & MEASURING)) {
			want = datasheet_double(adc, t1, t2, t3);
			if (want > -39.9 && want < 84.9)
				broken("adc 0x%05x T1 %u T2 %d T3 %d (%.4f °C) "
				    "refused: %s", (unsigned)adc, t1, t2, t3,
				    want, r.s.error);
		}
	}
	rig_close(&r);
	return 0;
}
