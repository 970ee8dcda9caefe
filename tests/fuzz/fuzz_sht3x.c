/*
 * libFuzzer: the SHT3x driver on the register model, with the status
 * word and each measurement's six bytes as the chip sends them (good or
 * bad CRCs), or as the input has them outright.  A temperature handed
 * out must come from words whose CRCs check (by the model's CRC, written
 * apart from the driver's) and be the datasheet's -45 + 175 * raw / 65535.
 *
 * Input: flags faults, status (2 bytes, or 3 raw), then per measurement:
 * op dt, and temperature and humidity words (4 bytes, or 6 raw).
 */
#include "driver_rig.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rig r;
	struct input in = { data, size };
	struct sensor_clock now = { 1.7e9, 100.0 };
	struct model_dev *d;
	uint8_t flags, op, st[3], ans[6];
	int rc, i, fail_n, good;
	double want;

	flags = in_byte(&in);
	rig_init(&r, &sht3x_ops);
	r.c.thermo.interval_s = flags & 0x02 ? 0 : 60;
	d = model_i2c_add(&r.sh.m, 0x44, MODEL_SHT3X);
	rig_faults(&r, &in);
	if (flags & 0x01) {
		for (i = 0; i < 3; i++)
			r.sh.raw[i] = st[i] = in_byte(&in);
		r.sh.raw_len = 3;
	} else {
		d->sht_status = (uint16_t)in_u16(&in);
		st[0] = (uint8_t)(d->sht_status >> 8);
		st[1] = (uint8_t)d->sht_status;
		st[2] = model_sht_crc(st, 2);
	}
	rc = rig_open(&r, &now, model_sht_crc(st, 2) != st[2],
	    "status %02x%02x with CRC %02x", st[0], st[1], st[2]);
	if (rc == -1) {
		rig_close(&r);
		return 0;
	}
	r.sh.raw_len = 0;
	while (in_more(&in)) {
		op = in_byte(&in);
		now.mono += in_byte(&in);
		now.unix = 1.7e9 + now.mono;
		if (op & 0x01) {
			for (i = 0; i < 6; i++)
				ans[i] = in_byte(&in);
			d->sht_bad_crc = 0;
		} else {
			d->sht_temp = (uint16_t)in_u16(&in);
			d->sht_hum = (uint16_t)in_u16(&in);
			d->sht_bad_crc = op >> 1 & 3;
			if (d->sht_bad_crc == 3)
				d->sht_bad_crc = 0;
			ans[0] = (uint8_t)(d->sht_temp >> 8);
			ans[1] = (uint8_t)d->sht_temp;
			ans[2] = model_sht_crc(ans, 2) ^
			    (d->sht_bad_crc == 1 ? 0x01 : 0);
			ans[3] = (uint8_t)(d->sht_hum >> 8);
			ans[4] = (uint8_t)d->sht_hum;
			ans[5] = model_sht_crc(ans + 3, 2) ^
			    (d->sht_bad_crc == 2 ? 0x80 : 0);
		}
		good = model_sht_crc(ans, 2) == ans[2] &&
		    model_sht_crc(ans + 3, 2) == ans[5];
		want = -45.0 + 175.0 * (ans[0] << 8 | ans[1]) / 65535.0;
		fail_n = r.sh.m.fail_n;
		/* The command, then the answer (raw only if it is asked). */
		rc = rig_call(&r, sht3x_ops.read, &now, "start");
		if (rc == 0 && r.n == 0) {
			if (op & 0x01) {
				memcpy(r.sh.raw, ans, 6);
				r.sh.raw_len = 6;
			}
			now.mono = r.s.next_read;
			now.unix = 1.7e9 + now.mono;
			rc = rig_call(&r, sht3x_ops.read, &now, "read");
			r.sh.raw_len = 0;
		}
		if (r.n > 1)
			broken("%d samples from one measurement", r.n);
		if (r.n == 1) {
			if (!good)
				broken("took %02x%02x %02x %02x%02x %02x: a "
				    "bad CRC", ans[0], ans[1], ans[2], ans[3],
				    ans[4], ans[5]);
			if (r.got[0].v[0] != want || r.got[0].v[0] < -40 ||
			    r.got[0].v[0] > 85)
				broken("%02x%02x gave %.4f °C, not %.4f",
				    ans[0], ans[1], r.got[0].v[0], want);
			if (r.got[0].t != now.unix)
				broken("sample at %f, now is %f", r.got[0].t,
				    now.unix);
		} else if (!rig_faulted(&r, fail_n) && good && want >= -40 &&
		    want <= 85)
			broken("%02x%02x (%.4f °C) with good CRCs refused: "
			    "rc %d %s", ans[0], ans[1], want, rc, r.s.error);
	}
	rig_close(&r);
	return 0;
}
