/*
 * Bosch BME280 temperature over I2C (humidity and pressure are skipped:
 * the samples carry temp_c only).  Forced mode, one measurement per
 * interval: read() starts it and comes back for the result through
 * s->next_read, so the loop never waits on the chip.  The temperature is
 * compensated with the datasheet's 32-bit integer formula, to the same
 * 0.01 °C the chip's reference code gives.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i2c.h"
#include "sensor.h"

#define BME_ADDR		0x76	/* SDO low; 0x77 high */
#define BME_ID			0x60

#define BME_CALIB_T		0x88	/* dig_T1..dig_P9, then dig_H1 */
#define BME_CALIB_T_LEN		26
#define BME_ID_REG		0xd0
#define BME_RESET		0xe0
#define  BME_RESET_CMD		0xb6
#define BME_CALIB_H		0xe1	/* dig_H2..dig_H6 */
#define BME_CALIB_H_LEN		7
#define BME_CTRL_HUM		0xf2
#define BME_STATUS		0xf3
#define  BME_STATUS_MEASURING	0x08
#define  BME_STATUS_IM_UPDATE	0x01	/* the NVM still being copied */
#define BME_CTRL_MEAS		0xf4	/* osrs_t 7:5, osrs_p 4:2, mode 1:0 */
#define  BME_MEAS_T1_FORCED	0x21	/* osrs_t x1, pressure off, forced */
#define BME_CONFIG		0xf5
#define BME_TEMP_MSB		0xfa	/* to temp_xlsb, 0xfc */

/* 20 bits of 0x80000: the temperature was skipped, not measured. */
#define BME_TEMP_SKIPPED	0x80000
/* The reset copies the calibration out of NVM: 2 ms, so 10 is ample. */
#define RESET_S			0.01

#define MEASURE_S		0.01	/* x1: at most 3.6 ms */
#define RETRY_S			0.01
#define RETRIES			10	/* still measuring after 0.1 s: fault */
#define INTERVAL_S		60.0
#define TEMP_MIN		(-40.0)
#define TEMP_MAX		85.0

struct bme {
	struct i2c_bus	*bus;
	int		 addr;
	double		 interval_s;
	uint16_t	 t1;
	int16_t		 t2, t3;
	int		 measuring;	/* started; how many looks so far */
	int		 resetting;	/* reset; how many looks so far */
};

static void
bme_close(struct sensor *s)
{
	struct bme *b = s->priv;

	if (b == NULL)
		return;
	i2c_sensor_close(s, b->bus);
	free(b);
	s->priv = NULL;
}

static int16_t
s16le(const uint8_t *p)
{
	int v = p[1] << 8 | p[0];

	return (int16_t)(v >= 0x8000 ? v - 0x10000 : v);
}

/* An arithmetic shift right, which C leaves to the compiler. */
static int64_t
asr(int64_t v, int n)
{
	return v >= 0 ? v >> n : -((-v - 1) >> n) - 1;
}

/*
 * The datasheet's bme280_compensate_T_int32: hundredths of °C.  Done in
 * 64 bits so that garbage calibration cannot overflow; for real values
 * every step fits in 32 bits and the result is the same.
 */
static long
bme_compensate(const struct bme *b, int32_t adc)
{
	int64_t var1, var2, d, t_fine;

	var1 = asr((asr(adc, 3) - ((int64_t)b->t1 << 1)) * b->t2, 11);
	d = asr(adc, 4) - b->t1;
	var2 = asr(asr(d * d, 12) * b->t3, 14);
	t_fine = var1 + var2;
	return (long)asr(t_fine * 5 + 128, 8);
}

static int
bme_open(struct sensor *s, const struct sensor_clock *now)
{
	const struct i2c_thermo_settings *c = s->settings;
	uint8_t id, cal[BME_CALIB_T_LEN], calh[BME_CALIB_H_LEN];
	struct bme *b;
	int i, zeros = 0, ones = 0;

	s->fd = -1;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return sensor_fail(s, "bme280: %s", strerror(errno));
	s->priv = b;
	b->addr = c->i2c.address ? c->i2c.address : BME_ADDR;
	b->interval_s = c->interval_s > 0 ? c->interval_s : INTERVAL_S;
	if ((b->bus = i2c_sensor_open(s, b->addr)) == NULL)
		return -1;
	if (i2c_read_byte(b->bus, BME_ID_REG, &id) == -1)
		return i2c_sensor_fail(s, b->addr, "read chip id");
	if (id != BME_ID)
		return i2c_sensor_failx(s, b->addr, "chip id is 0x%02x, "
		    "expected 0x%02x: not a BME280%s", id, BME_ID,
		    id == 0x58 ? " (0x58 is a BMP280)" : "");
	/* The trimming values are in NVM: the reset leaves them as they are. */
	if (i2c_read_block(b->bus, BME_CALIB_T, cal, sizeof(cal)) == -1 ||
	    i2c_read_block(b->bus, BME_CALIB_H, calh, sizeof(calh)) == -1)
		return i2c_sensor_fail(s, b->addr, "read calibration");
	/* dig_T1..dig_P9: an empty or floating bus reads all 0 or all 1. */
	for (i = 0; i < 24; i++) {
		zeros += cal[i] == 0x00;
		ones += cal[i] == 0xff;
	}
	if (zeros == 24 || ones == 24)
		return i2c_sensor_failx(s, b->addr, "calibration is all "
		    "0x%02x: no chip there", cal[0]);
	b->t1 = (uint16_t)(cal[1] << 8 | cal[0]);
	b->t2 = s16le(cal + 2);
	b->t3 = s16le(cal + 4);
	/*
	 * Whatever an earlier program left (normal mode, an IIR filter that
	 * would smooth readings a minute apart over a quarter of an hour)
	 * goes with a soft reset, as the kernel's bmp280 driver does.  Its
	 * 2 ms start-up is waited for through next_read, not here.
	 */
	if (i2c_write_byte(b->bus, BME_RESET, BME_RESET_CMD) == -1)
		return i2c_sensor_fail(s, b->addr, "reset");
	b->resetting = 1;
	s->next_read = now->mono + RESET_S;
	return 0;
}

/*
 * Once the reset is over: sleep mode, then (the datasheet: config may be
 * ignored in normal mode) no filter, humidity off, ctrl_hum before
 * ctrl_meas; config is read back to be sure it took.
 */
static int
bme_configure(struct sensor *s, struct bme *b, const struct sensor_clock *now)
{
	uint8_t st, config;

	if (i2c_read_byte(b->bus, BME_STATUS, &st) == -1)
		return i2c_sensor_fail(s, b->addr, "read status");
	if (st & BME_STATUS_IM_UPDATE) {
		if (b->resetting++ > RETRIES)
			return i2c_sensor_failx(s, b->addr, "still starting "
			    "%d ms after a reset",
			    (int)(RETRIES * RESET_S * 1000 + 0.5));
		s->next_read = now->mono + RESET_S;
		return 0;
	}
	if (i2c_write_byte(b->bus, BME_CTRL_MEAS, 0x00) == -1 ||
	    i2c_write_byte(b->bus, BME_CTRL_HUM, 0x00) == -1 ||
	    i2c_write_byte(b->bus, BME_CONFIG, 0x00) == -1 ||
	    i2c_read_byte(b->bus, BME_CONFIG, &config) == -1)
		return i2c_sensor_fail(s, b->addr, "configure");
	if ((config & 0xfc) != 0)
		return i2c_sensor_failx(s, b->addr, "config reads 0x%02x "
		    "after writing 0x00 in sleep mode", config);
	b->resetting = 0;
	return 0;
}

static int
bme_read(struct sensor *s, const struct sensor_clock *now)
{
	struct bme *b = s->priv;
	struct sample smp;
	uint8_t st, raw[3];
	int32_t adc;
	double t;

	if (b->resetting) {
		if (bme_configure(s, b, now) == -1)
			return -1;
		if (b->resetting)
			return 0;
	}
	if (!b->measuring) {
		if (i2c_write_byte(b->bus, BME_CTRL_MEAS,
		    BME_MEAS_T1_FORCED) == -1)
			return i2c_sensor_fail(s, b->addr,
			    "start a measurement");
		b->measuring = 1;
		s->next_read = now->mono + MEASURE_S;
		return 0;
	}
	if (i2c_read_byte(b->bus, BME_STATUS, &st) == -1) {
		b->measuring = 0;
		return i2c_sensor_fail(s, b->addr, "read status");
	}
	if (st & BME_STATUS_MEASURING) {
		if (b->measuring++ >= RETRIES) {
			b->measuring = 0;
			s->next_read = now->mono + b->interval_s;
			return i2c_sensor_failx(s, b->addr,
			    "still measuring after %d ms",
			    (int)(RETRIES * RETRY_S * 1000 + 0.5));
		}
		s->next_read = now->mono + RETRY_S;
		return 0;
	}
	b->measuring = 0;
	s->next_read = now->mono + b->interval_s;
	if (i2c_read_block(b->bus, BME_TEMP_MSB, raw, sizeof(raw)) == -1)
		return i2c_sensor_fail(s, b->addr, "read temperature");
	adc = (int32_t)raw[0] << 12 | (int32_t)raw[1] << 4 | raw[2] >> 4;
	if (adc == BME_TEMP_SKIPPED)
		return i2c_sensor_failx(s, b->addr,
		    "no temperature measured (0x80000)");
	t = bme_compensate(b, adc) / 100.0;
	if (t < TEMP_MIN || t > TEMP_MAX)
		return i2c_sensor_failx(s, b->addr,
		    "%.2f °C is outside %.0f..%.0f °C", t, TEMP_MIN,
		    TEMP_MAX);
	memset(&smp, 0, sizeof(smp));
	smp.t = now->unix;
	smp.v[0] = t;
	s->emit(s->ctx, s->index, &smp);
	return 0;
}

const struct sensor_ops bme280_ops = {
	.type = "bme280",
	.kind = REC_TEMP,
	.open = bme_open,
	.read = bme_read,
	.close = bme_close,
};
