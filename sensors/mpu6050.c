/*
 * InvenSense MPU-6050 accelerometer (gyroscope unused) over I2C.  The
 * accelerometer fills the chip's 1024-byte FIFO at the configured rate
 * and the daemon drains it in I2C-block reads, so it wakes a few times a
 * second at most, not at the sample rate.
 *
 * The chip has no FIFO watermark interrupt (only data ready, which fires
 * every sample, and FIFO overflow).  With an interrupt line the overflow
 * interrupt is used: a lost edge costs nothing, a caught one resets the
 * FIFO at once; draining stays on the timer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpio.h"
#include "i2c.h"
#include "sensor.h"

#define MPU_ADDR		0x68
#define MPU_ID			0x68	/* WHO_AM_I whatever AD0 is */

#define MPU_SMPLRT_DIV		0x19	/* rate = 1 kHz / (1 + div) */
#define MPU_CONFIG		0x1a	/* DLPF_CFG in bits 2:0 */
#define MPU_ACCEL_CONFIG	0x1c	/* AFS_SEL in bits 4:3 */
#define MPU_FIFO_EN		0x23
#define  MPU_FIFO_EN_ACCEL	0x08
#define MPU_INT_PIN_CFG		0x37	/* 0: active high, push-pull, pulse */
#define MPU_INT_ENABLE		0x38
#define  MPU_INT_FIFO_OFLOW	0x10
#define MPU_INT_STATUS		0x3a	/* cleared by reading it */
#define MPU_USER_CTRL		0x6a
#define  MPU_USER_FIFO_EN	0x40
#define  MPU_USER_FIFO_RESET	0x04
#define MPU_PWR_MGMT_1		0x6b
#define  MPU_PWR_SLEEP		0x40
#define MPU_PWR_MGMT_2		0x6c
#define  MPU_PWR_STBY_GYRO	0x07	/* the gyroscope is not needed */
#define MPU_FIFO_COUNTH		0x72
#define MPU_FIFO_R_W		0x74
#define MPU_WHO_AM_I		0x75

#define MPU_FIFO_SIZE		1024
#define MPU_SAMPLE_BYTES	6	/* X, Y, Z, each big-endian */
/*
 * A sample can land between the count read and the drain: with fewer
 * than three samples' room left the FIFO is reset rather than drained,
 * as the kernel's inv_mpu6050 does, since one that overflows then
 * drops bytes off the front and every sample after is torn.
 */
#define MPU_FIFO_RESET_AT	(MPU_FIFO_SIZE - 3 * MPU_SAMPLE_BYTES)
/* Whole samples per block read. */
#define MPU_CHUNK		(I2C_BLOCK_MAX / MPU_SAMPLE_BYTES * \
				    MPU_SAMPLE_BYTES)
/*
 * Woken, the chip takes 5-10 ms before its registers answer and the
 * accelerometer 20 ms more before its samples are good (the kernel's
 * INV_MPU6050_REG_UP_TIME and ACCEL_UP_TIME): the FIFO starts after
 * that, through s->next_read, so the loop never waits.  The first
 * sample after the start is still the DLPF settling: dropped.
 */
#define MPU_WAKE_S		0.030
#define MPU_SKIP_SAMPLES	1

#define DRAIN_S			1.0	/* about once a second */

struct mpu {
	struct i2c_bus		*bus;
	int			 addr;
	int			 range_g;
	double			 rate;		/* Hz, what the chip does */
	double			 drain_s;
	struct fifo_clock	 clock;
	struct gpio_line	*line;
	int			 configured;	/* it is ours to put to sleep */
	int			 waking;	/* the FIFO starts next read */
	double			 first_drain;	/* mono s, as if from open */
	int			 skip;		/* samples still to drop */
};

/* A big-endian two's complement word. */
static int
be16(const uint8_t *p)
{
	int v = p[0] << 8 | p[1];

	return v >= 0x8000 ? v - 0x10000 : v;
}

/*
 * The divider giving the rate nearest to the one asked for.  The DLPF is
 * on, so the base is 1 kHz.
 */
static int
mpu_divider(int rate_hz)
{
	int div, best = 0;
	double err, best_err = -1;

	for (div = 0; div <= 255; div++) {
		err = 1000.0 / (1 + div) - rate_hz;
		if (err < 0)
			err = -err;
		if (best_err < 0 || err < best_err) {
			best = div;
			best_err = err;
		}
	}
	return best;
}

/* The widest accelerometer bandwidth still below half the rate. */
static int
mpu_dlpf(double rate)
{
	static const double bw[] = { 0, 184, 94, 44, 21, 10, 5 };
	int cfg;

	for (cfg = 1; cfg < 6; cfg++)
		if (bw[cfg] < rate / 2)
			break;
	return cfg;
}

static int
mpu_fifo_reset(struct mpu *m)
{
	if (i2c_write_byte(m->bus, MPU_USER_CTRL, MPU_USER_FIFO_RESET) == -1)
		return -1;
	return i2c_write_byte(m->bus, MPU_USER_CTRL, MPU_USER_FIFO_EN);
}

static void
mpu_close(struct sensor *s)
{
	struct mpu *m = s->priv;

	if (m == NULL)
		return;
	/* Leaves the chip asleep rather than filling its FIFO for no one. */
	if (m->configured)
		(void)i2c_write_byte(m->bus, MPU_PWR_MGMT_1, MPU_PWR_SLEEP);
	i2c_sensor_close(s, m->bus);
	if (m->line != NULL)
		gpio_release(m->line);
	free(m);
	s->priv = NULL;
	s->fd = -1;
}

static int
mpu_open(struct sensor *s, const struct sensor_clock *now)
{
	const struct accel_settings *c = s->settings;
	struct mpu *m;
	uint8_t id, afs;
	/* Whole samples: a partial one waits for the next drain. */
	int div, afs_code, fifo_samples = MPU_FIFO_SIZE / MPU_SAMPLE_BYTES;

	s->fd = -1;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return sensor_fail(s, "mpu6050: %s", strerror(errno));
	s->priv = m;
	m->addr = c->i2c.address ? c->i2c.address : MPU_ADDR;
	if ((afs_code = accel_range_code(s, m->addr, &m->range_g)) == -1)
		return -1;
	afs = (uint8_t)afs_code;
	div = mpu_divider(c->rate_hz > 0 ? c->rate_hz : 50);
	m->rate = 1000.0 / (1 + div);
	/* Drained before it is half full, whatever the rate. */
	m->drain_s = fifo_samples / m->rate / 2;
	if (m->drain_s > DRAIN_S)
		m->drain_s = DRAIN_S;
	fifo_clock_init(&m->clock, 1.0 / m->rate);

	if ((m->bus = i2c_sensor_open(s, m->addr)) == NULL)
		return -1;
	if (i2c_read_byte(m->bus, MPU_WHO_AM_I, &id) == -1)
		return i2c_sensor_fail(s, m->addr, "read WHO_AM_I");
	if (id != MPU_ID)
		return i2c_sensor_failx(s, m->addr, "WHO_AM_I is 0x%02x, "
		    "expected 0x%02x: not an MPU-6050", id, MPU_ID);
	/*
	 * Every register it uses is written below, which clears whatever
	 * an earlier run left as well as a reset would, without the reset's
	 * 100 ms wait that would stall the loop.  Awake on the internal
	 * oscillator: the gyroscope stays off.
	 */
	m->configured = 1;
	if (i2c_write_byte(m->bus, MPU_PWR_MGMT_1, 0x00) == -1 ||
	    i2c_write_byte(m->bus, MPU_PWR_MGMT_2, MPU_PWR_STBY_GYRO) == -1 ||
	    i2c_write_byte(m->bus, MPU_CONFIG,
	    (uint8_t)mpu_dlpf(m->rate)) == -1 ||
	    i2c_write_byte(m->bus, MPU_SMPLRT_DIV, (uint8_t)div) == -1 ||
	    i2c_write_byte(m->bus, MPU_ACCEL_CONFIG, (uint8_t)(afs << 3)) == -1)
		return i2c_sensor_fail(s, m->addr, "configure");
	if (c->gpio_line >= 0) {
		if (accel_irq_open(s, &m->line) == -1)
			return -1;
		if (i2c_write_byte(m->bus, MPU_INT_PIN_CFG, 0x00) == -1 ||
		    i2c_write_byte(m->bus, MPU_INT_ENABLE,
		    MPU_INT_FIFO_OFLOW) == -1)
			return i2c_sensor_fail(s, m->addr,
			    "configure the interrupt");
	} else if (i2c_write_byte(m->bus, MPU_INT_ENABLE, 0x00) == -1)
		return i2c_sensor_fail(s, m->addr, "configure");
	/* Nothing goes into the FIFO until the accelerometer is up. */
	if (i2c_write_byte(m->bus, MPU_USER_CTRL, 0x00) == -1 ||
	    i2c_write_byte(m->bus, MPU_FIFO_EN, MPU_FIFO_EN_ACCEL) == -1)
		return i2c_sensor_fail(s, m->addr, "configure");
	m->waking = 1;
	m->first_drain = now->mono + m->drain_s;
	s->next_read = now->mono + MPU_WAKE_S;
	return 0;
}

static int
mpu_read(struct sensor *s, const struct sensor_clock *now)
{
	struct mpu *m = s->priv;
	uint8_t buf[MPU_FIFO_SIZE], cnt[2], status;
	size_t count, len, at, chunk;
	double first, spacing, scale;
	struct sample smp;
	int i, n, skip;

	s->next_read = now->mono + m->drain_s;
	if (m->waking) {
		if (mpu_fifo_reset(m) == -1)
			return i2c_sensor_fail(s, m->addr, "enable the FIFO");
		m->waking = 0;
		s->drain_early = 1;	/* up: its FIFO can be read any time */
		m->skip = MPU_SKIP_SAMPLES;
		fifo_clock_restart(&m->clock);
		if (m->first_drain > now->mono)
			s->next_read = m->first_drain;
		return 0;
	}
	if (m->line != NULL && accel_irq_clear(s, m->line) == -1)
		return -1;
	/*
	 * Read for its side effect, clearing the interrupt: its overflow
	 * bit is not trusted, since some chips keep it set (the kernel
	 * looks at the count alone).
	 */
	if (i2c_read_byte(m->bus, MPU_INT_STATUS, &status) == -1)
		return i2c_sensor_fail(s, m->addr, "read INT_STATUS");
	if (i2c_read_block(m->bus, MPU_FIFO_COUNTH, cnt, 2) == -1)
		return i2c_sensor_fail(s, m->addr, "read FIFO_COUNT");
	count = (size_t)cnt[0] << 8 | cnt[1];
	if (count > MPU_FIFO_SIZE)
		return i2c_sensor_failx(s, m->addr,
		    "FIFO_COUNT %zu is more than the FIFO holds", count);
	/*
	 * Full, the FIFO overwrites its oldest bytes, so what is left no
	 * longer starts on a sample: drop it all and start time again.
	 * Nearly full counts as full (MPU_FIFO_RESET_AT).
	 */
	if (count >= MPU_FIFO_RESET_AT) {
		if (mpu_fifo_reset(m) == -1)
			return i2c_sensor_fail(s, m->addr,
			    "reset the FIFO");
		s->overflows++;
		m->skip = 0;	/* the settling sample went with the rest */
		fifo_clock_restart(&m->clock);
		return 0;
	}
	len = count / MPU_SAMPLE_BYTES * MPU_SAMPLE_BYTES;
	for (at = 0; at < len; at += chunk) {
		chunk = len - at < MPU_CHUNK ? len - at : MPU_CHUNK;
		if (i2c_read_block(m->bus, MPU_FIFO_R_W, buf + at,
		    chunk) == -1)
			return i2c_sensor_fail(s, m->addr, "read FIFO");
	}
	n = (int)(len / MPU_SAMPLE_BYTES);
	skip = n < m->skip ? n : m->skip;
	m->skip -= skip;
	n -= skip;
	fifo_clock_place(&m->clock, n, now->unix, &first, &spacing);
	scale = m->range_g / 32768.0;
	for (i = 0; i < n; i++) {
		const uint8_t *p = buf + (i + skip) * MPU_SAMPLE_BYTES;

		smp.t = first + i * spacing;
		smp.v[0] = be16(p) * scale;
		smp.v[1] = be16(p + 2) * scale;
		smp.v[2] = be16(p + 4) * scale;
		s->emit(s->ctx, s->index, &smp);
	}
	return 0;
}

const struct sensor_ops mpu6050_ops = {
	.type = "mpu6050",
	.kind = REC_ACCEL,
	.open = mpu_open,
	.read = mpu_read,
	.close = mpu_close,
};
