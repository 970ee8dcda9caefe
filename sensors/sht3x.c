/*
 * Sensirion SHT3x (SHT30/31/35) temperature over I2C.  Its commands are
 * 16-bit words and its answers 6 bytes with a CRC on each word, which no
 * SMBus transfer expresses: this is the one driver that uses plain
 * read()/write() on /dev/i2c-N, and so the one that i2c-stub cannot
 * simulate.
 *
 * A single-shot measurement without clock stretching takes up to 15.5 ms
 * (high repeatability), during which the chip refuses reads.  So read()
 * works in two steps through s->next_read: it sends the command and comes
 * back 20 ms later for the result; the loop never waits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "i2c.h"
#include "identify.h"
#include "sensor.h"

#define SHT_ADDR		0x44	/* ADDR pin low; 0x45 high */

#define SHT_MEASURE_HIGH	0x2400	/* single shot, no clock stretching */
#define SHT_READ_STATUS		0xf32d
#define SHT_CRC_POLY		0x31
#define SHT_CRC_INIT		0xff

#define MEASURE_S		0.02
#define INTERVAL_S		60.0
/* What a bedroom thermometer can sensibly read. */
#define TEMP_MIN		(-40.0)
#define TEMP_MAX		85.0

struct sht {
	struct i2c_bus	*bus;
	int		 addr;
	double		 interval_s;
	int		 measuring;	/* the command is out */
};

/* CRC-8, polynomial 0x31, initial 0xff: 0xbeef gives 0x92. */
uint8_t
sht_crc(const uint8_t *p, size_t len)
{
	uint8_t crc = SHT_CRC_INIT;
	size_t i;
	int bit;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (bit = 0; bit < 8; bit++)
			crc = (uint8_t)(crc & 0x80 ? crc << 1 ^ SHT_CRC_POLY :
			    crc << 1);
	}
	return crc;
}

static int
sht_command(struct i2c_bus *b, uint16_t cmd)
{
	uint8_t buf[2] = { (uint8_t)(cmd >> 8), (uint8_t)cmd };

	return i2c_write(b, buf, sizeof(buf));
}

static void
sht_close(struct sensor *s)
{
	struct sht *h = s->priv;

	if (h == NULL)
		return;
	i2c_sensor_close(s, h->bus);
	free(h);
	s->priv = NULL;
}

static int
sht_open(struct sensor *s, const struct sensor_clock *now)
{
	const struct i2c_thermo_settings *c = s->settings;
	struct sht *h;
	uint8_t st[3];

	s->fd = -1;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return sensor_fail(s, "sht3x: %s", strerror(errno));
	s->priv = h;
	h->addr = c->i2c.address ? c->i2c.address : SHT_ADDR;
	h->interval_s = c->interval_s > 0 ? c->interval_s : INTERVAL_S;
	if ((h->bus = i2c_sensor_open(s, h->addr)) == NULL)
		return -1;
	/*
	 * The chip has no ID register: a status word with a good CRC is
	 * what shows that an SHT3x answers.  No measurement is started.
	 */
	if (sht_command(h->bus, SHT_READ_STATUS) == -1)
		return i2c_sensor_fail(s, h->addr, "send read status");
	if (i2c_read(h->bus, st, sizeof(st)) == -1)
		return i2c_sensor_fail(s, h->addr, "read status");
	if (sht_crc(st, 2) != st[2])
		return i2c_sensor_failx(s, h->addr, "status CRC is 0x%02x, "
		    "expected 0x%02x: not an SHT3x, or a bad bus", st[2],
		    sht_crc(st, 2));
	s->next_read = now->mono;
	return 0;
}

static int
sht_read(struct sensor *s, const struct sensor_clock *now)
{
	struct sht *h = s->priv;
	struct sample smp;
	uint8_t buf[6];
	double t;

	if (!h->measuring) {
		if (sht_command(h->bus, SHT_MEASURE_HIGH) == -1)
			return i2c_sensor_fail(s, h->addr,
			    "start a measurement");
		h->measuring = 1;
		s->next_read = now->mono + MEASURE_S;
		return 0;
	}
	h->measuring = 0;
	s->next_read = now->mono + h->interval_s;
	if (i2c_read(h->bus, buf, sizeof(buf)) == -1)
		return i2c_sensor_fail(s, h->addr, "read the measurement");
	if (sht_crc(buf, 2) != buf[2])
		return i2c_sensor_failx(s, h->addr, "temperature CRC is "
		    "0x%02x, expected 0x%02x", buf[2], sht_crc(buf, 2));
	if (sht_crc(buf + 3, 2) != buf[5])
		return i2c_sensor_failx(s, h->addr, "humidity CRC is "
		    "0x%02x, expected 0x%02x", buf[5], sht_crc(buf + 3, 2));
	t = -45.0 + 175.0 * (buf[0] << 8 | buf[1]) / 65535.0;
	if (t < TEMP_MIN || t > TEMP_MAX)
		return i2c_sensor_failx(s, h->addr,
		    "%.2f °C is outside %.0f..%.0f °C", t, TEMP_MIN, TEMP_MAX);
	memset(&smp, 0, sizeof(smp));
	smp.t = now->unix;
	smp.v[0] = t;
	s->emit(s->ctx, s->index, &smp);
	return 0;
}

const struct sensor_ops sht3x_ops = {
	.type = "sht3x",
	.kind = REC_TEMP,
	.open = sht_open,
	.read = sht_read,
	.close = sht_close,
};
