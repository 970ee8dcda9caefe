/*
 * Analog Devices ADXL345 accelerometer over I2C, in full resolution (the
 * same 256 LSB/g on every range) with its 32-sample FIFO in stream mode.
 * Each FIFO entry is read as one 6-byte block from DATAX0: the chip pops
 * an entry at the end of every read of the data registers.
 *
 * The FIFO holds 0.64 s at 50 Hz, so without an interrupt line it is
 * drained every 0.32 s there (about once a second at 25 Hz or less).
 * With the INT1 pin wired to settings->gpio_line, the watermark interrupt
 * (half full) wakes the daemon and the timer is only a safety poll.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gpio.h"
#include "i2c.h"
#include "sensor.h"

#define ADXL_ADDR		0x53	/* SDO/ALT ADDRESS low */
#define ADXL_ID			0xe5

#define ADXL_DEVID		0x00
#define ADXL_BW_RATE		0x2c	/* rate code in bits 3:0 */
#define ADXL_POWER_CTL		0x2d
#define  ADXL_POWER_MEASURE	0x08
#define ADXL_INT_ENABLE		0x2e
#define ADXL_INT_MAP		0x2f	/* 0: INT1 */
#define ADXL_INT_SOURCE		0x30
#define  ADXL_INT_WATERMARK	0x02
#define  ADXL_INT_OVERRUN	0x01
#define ADXL_DATA_FORMAT	0x31	/* INT_INVERT 0: active high */
#define  ADXL_FORMAT_FULL_RES	0x08
#define ADXL_DATAX0		0x32	/* to DATAZ1, 0x37, little-endian */
#define ADXL_FIFO_CTL		0x38
#define  ADXL_FIFO_BYPASS	0x00
#define  ADXL_FIFO_STREAM	0x80
#define ADXL_FIFO_STATUS	0x39
#define  ADXL_FIFO_ENTRIES	0x3f

#define ADXL_FIFO_SIZE		32
/* 32 in the FIFO and one more in the data registers. */
#define ADXL_ENTRIES_MAX	33
#define ADXL_WATERMARK		16
#define ADXL_SAMPLE_BYTES	6
/* Full resolution: 256 LSB/g typical (the datasheet's 3.9 mg/LSB). */
#define ADXL_LSB_PER_G		256.0

#define DRAIN_S			1.0
#define SAFETY_POLL_S		2.0

/*
 * The datasheet: 800 Hz needs a 400 kHz bus and lower rates scale with
 * it, so the Raspberry Pi's 100 kHz carries 200 Hz at most.
 */
#define ADXL_RATE_MAX		200

struct adxl {
	struct i2c_bus		*bus;
	int			 addr;
	double			 rate;
	double			 drain_s;
	struct fifo_clock	 clock;
	struct gpio_line	*line;
	int			 configured;
	int			 limit;	/* counts: the chip gives -limit..limit-1 */
};

static int
le16(const uint8_t *p)
{
	int v = p[1] << 8 | p[0];

	return v >= 0x8000 ? v - 0x10000 : v;
}

/* Rate code c runs at 3200 / 2^(15 - c) Hz: the nearest to rate_hz. */
static int
adxl_rate_code(int rate_hz, double *rate)
{
	int code, best = 0;
	double r, err, best_err = -1;

	for (code = 0; code <= 15; code++) {
		r = 3200.0 / (double)(1 << (15 - code));
		err = r > rate_hz ? r - rate_hz : rate_hz - r;
		if (best_err < 0 || err < best_err) {
			best = code;
			best_err = err;
			*rate = r;
		}
	}
	return best;
}

/*
 * After an overrun, as the datasheet and the kernel's adxl345 driver do
 * it: standby, so that no sample lands while the FIFO empties (one that
 * does sets the overrun again), every entry read out, INT_SOURCE read to
 * clear what is latched, then measuring again.
 */
static int
adxl_fifo_reset(struct adxl *a)
{
	uint8_t status, src, entry[ADXL_SAMPLE_BYTES];
	int i, n;

	if (i2c_write_byte(a->bus, ADXL_POWER_CTL, 0) == -1 ||
	    i2c_read_byte(a->bus, ADXL_FIFO_STATUS, &status) == -1)
		return -1;
	n = status & ADXL_FIFO_ENTRIES;
	if (n > ADXL_ENTRIES_MAX)
		n = ADXL_ENTRIES_MAX;
	for (i = 0; i < n; i++)
		if (i2c_read_block(a->bus, ADXL_DATAX0, entry,
		    sizeof(entry)) == -1)
			return -1;
	if (i2c_read_byte(a->bus, ADXL_INT_SOURCE, &src) == -1)
		return -1;
	return i2c_write_byte(a->bus, ADXL_POWER_CTL, ADXL_POWER_MEASURE);
}

static void
adxl_close(struct sensor *s)
{
	struct adxl *a = s->priv;

	if (a == NULL)
		return;
	if (a->configured)
		(void)i2c_write_byte(a->bus, ADXL_POWER_CTL, 0);
	i2c_sensor_close(s, a->bus);
	if (a->line != NULL)
		gpio_release(a->line);
	free(a);
	s->priv = NULL;
	s->fd = -1;
}

static int
adxl_open(struct sensor *s, const struct sensor_clock *now)
{
	const struct accel_settings *c = s->settings;
	struct adxl *a;
	uint8_t id, range, code;
	int range_code;

	s->fd = -1;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return sensor_fail(s, "adxl345: %s", strerror(errno));
	s->priv = a;
	a->addr = c->i2c.address ? c->i2c.address : ADXL_ADDR;
	if ((range_code = accel_range_code(s, a->addr, NULL)) == -1)
		return -1;
	range = (uint8_t)range_code;
	/* Full resolution: 256 counts a g on every range. */
	a->limit = (2 << range_code) * 256;
	code = (uint8_t)adxl_rate_code(c->rate_hz > 0 ? c->rate_hz : 50,
	    &a->rate);
	if (a->rate > ADXL_RATE_MAX)
		return i2c_sensor_failx(s, a->addr, "%.0f Hz is more than a "
		    "100 kHz I2C bus carries (at most %d Hz)", a->rate,
		    ADXL_RATE_MAX);
	a->drain_s = ADXL_FIFO_SIZE / a->rate / 2;
	if (a->drain_s > DRAIN_S)
		a->drain_s = DRAIN_S;
	fifo_clock_init(&a->clock, 1.0 / a->rate);

	if ((a->bus = i2c_sensor_open(s, a->addr)) == NULL)
		return -1;
	if (i2c_read_byte(a->bus, ADXL_DEVID, &id) == -1)
		return i2c_sensor_fail(s, a->addr, "read DEVID");
	if (id != ADXL_ID)
		return i2c_sensor_failx(s, a->addr, "DEVID is 0x%02x, "
		    "expected 0x%02x: not an ADXL345", id, ADXL_ID);
	a->configured = 1;
	/* Configured in standby, as the datasheet advises. */
	if (i2c_write_byte(a->bus, ADXL_POWER_CTL, 0) == -1 ||
	    i2c_write_byte(a->bus, ADXL_DATA_FORMAT,
	    ADXL_FORMAT_FULL_RES | range) == -1 ||
	    i2c_write_byte(a->bus, ADXL_BW_RATE, code) == -1 ||
	    i2c_write_byte(a->bus, ADXL_INT_MAP, 0) == -1)
		return i2c_sensor_fail(s, a->addr, "configure");
	if (c->gpio_line >= 0) {
		if (accel_irq_open(s, &a->line) == -1)
			return -1;
		if (i2c_write_byte(a->bus, ADXL_INT_ENABLE,
		    ADXL_INT_WATERMARK | ADXL_INT_OVERRUN) == -1)
			return i2c_sensor_fail(s, a->addr,
			    "configure the interrupt");
	} else if (i2c_write_byte(a->bus, ADXL_INT_ENABLE, 0) == -1)
		return i2c_sensor_fail(s, a->addr, "configure");
	/* Bypass empties the FIFO of what an earlier run left. */
	if (i2c_write_byte(a->bus, ADXL_FIFO_CTL, ADXL_FIFO_BYPASS) == -1 ||
	    i2c_write_byte(a->bus, ADXL_FIFO_CTL,
	    ADXL_FIFO_STREAM | ADXL_WATERMARK) == -1)
		return i2c_sensor_fail(s, a->addr, "enable the FIFO");
	if (i2c_write_byte(a->bus, ADXL_POWER_CTL, ADXL_POWER_MEASURE) == -1)
		return i2c_sensor_fail(s, a->addr, "start measuring");
	s->next_read = now->mono + (a->line != NULL ? SAFETY_POLL_S :
	    a->drain_s);
	s->drain_early = 1;	/* stream mode: read whenever asked */
	return 0;
}

static int
adxl_read(struct sensor *s, const struct sensor_clock *now)
{
	struct adxl *a = s->priv;
	uint8_t buf[ADXL_ENTRIES_MAX][ADXL_SAMPLE_BYTES], src, status;
	double first, spacing;
	struct sample smp;
	int i, n;

	s->next_read = now->mono + (a->line != NULL ? SAFETY_POLL_S :
	    a->drain_s);
	if (a->line != NULL && accel_irq_clear(s, a->line) == -1)
		return -1;
	if (i2c_read_byte(a->bus, ADXL_INT_SOURCE, &src) == -1)
		return i2c_sensor_fail(s, a->addr, "read INT_SOURCE");
	if (i2c_read_byte(a->bus, ADXL_FIFO_STATUS, &status) == -1)
		return i2c_sensor_fail(s, a->addr, "read FIFO_STATUS");
	/*
	 * Overrun: the FIFO filled and the chip may have written over
	 * samples not read yet.  Which ones is unknown, so the time base
	 * starts again and the gap shows as a dropout.
	 */
	if (src & ADXL_INT_OVERRUN) {
		if (adxl_fifo_reset(a) == -1)
			return i2c_sensor_fail(s, a->addr,
			    "reset the FIFO");
		s->overflows++;
		fifo_clock_restart(&a->clock);
		return 0;
	}
	n = status & ADXL_FIFO_ENTRIES;
	if (n > ADXL_ENTRIES_MAX)
		return i2c_sensor_failx(s, a->addr,
		    "FIFO_STATUS says %d entries; it holds %d", n,
		    ADXL_ENTRIES_MAX);
	for (i = 0; i < n; i++)
		if (i2c_read_block(a->bus, ADXL_DATAX0, buf[i],
		    ADXL_SAMPLE_BYTES) == -1)
			return i2c_sensor_fail(s, a->addr, "read FIFO");
	/* Past full scale is the bus, not the leg. */
	for (i = 0; i < n * 3; i++) {
		int v = le16(buf[i / 3] + 2 * (i % 3));

		if (v >= a->limit || v < -a->limit)
			return i2c_sensor_failx(s, a->addr, "a sample reads %d, "
			    "past the %d g range", v, a->limit / 256);
	}
	fifo_clock_place(&a->clock, n, now->unix, &first, &spacing);
	for (i = 0; i < n; i++) {
		smp.t = first + i * spacing;
		smp.v[0] = le16(buf[i]) / ADXL_LSB_PER_G;
		smp.v[1] = le16(buf[i] + 2) / ADXL_LSB_PER_G;
		smp.v[2] = le16(buf[i] + 4) / ADXL_LSB_PER_G;
		s->emit(s->ctx, s->index, &smp);
	}
	return 0;
}

const struct sensor_ops adxl345_ops = {
	.type = "adxl345",
	.kind = REC_ACCEL,
	.open = adxl_open,
	.read = adxl_read,
	.close = adxl_close,
};
