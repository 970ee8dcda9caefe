/*
 * The register model behind struct i2c_bus for the drivers' tests.  The
 * chips' behaviour is taken from their datasheets, not from the drivers:
 * an MPU-6050 pops FIFO_R_W without moving the register pointer and sets
 * FIFO_OFLOW_INT when it overwrites; an ADXL345 pops one FIFO entry per
 * read of its data registers and flags an overrun; an SHT3x answers
 * 16-bit commands with CRC'd words and NACKs anything else.
 */
#include <errno.h>
#include <string.h>

#include "model_i2c.h"

/* MPU-6050 */
#define MPU_FIFO_EN		0x23
#define MPU_INT_STATUS		0x3a
#define MPU_USER_CTRL		0x6a
#define MPU_PWR_MGMT_1		0x6b
#define MPU_FIFO_COUNTH		0x72
#define MPU_FIFO_COUNTL		0x73
#define MPU_FIFO_R_W		0x74
#define MPU_WHO_AM_I		0x75

/* BME280 */
#define BME_RESET		0xe0
#define BME_STATUS		0xf3
#define BME_CTRL_MEAS		0xf4
#define BME_CONFIG		0xf5

/* ADXL345 */
#define ADXL_DEVID		0x00
#define ADXL_BW_RATE		0x2c
#define ADXL_POWER_CTL		0x2d
#define ADXL_INT_SOURCE		0x30
#define ADXL_DATAX0		0x32
#define ADXL_DATAZ1		0x37
#define ADXL_FIFO_CTL		0x38
#define ADXL_FIFO_STATUS	0x39
#define ADXL_ENTRY		6
#define ADXL_ENTRIES		32

static struct model_dev *
find(struct i2c_bus *b)
{
	struct model_i2c *m = b->priv;
	int i;

	m->transfers++;
	if (m->fail_n > 0 && m->fail_skip > 0)
		m->fail_skip--;
	else if (m->fail_n > 0) {
		m->fail_n--;
		errno = m->fail_errno;
		return NULL;
	}
	for (i = 0; i < MODEL_DEVS; i++)
		if (m->dev[i].addr != 0 && m->dev[i].addr == b->addr)
			return &m->dev[i];
	/* Nobody acknowledges the address. */
	errno = EREMOTEIO;
	return NULL;
}

size_t
model_adxl_entries(const struct model_dev *d)
{
	return d->fifo_len / ADXL_ENTRY;
}

static uint8_t
reg_read(struct model_dev *d, uint8_t r)
{
	uint8_t v;

	switch (d->chip) {
	case MODEL_MPU6050:
		switch (r) {
		case MPU_FIFO_COUNTH:
			return (uint8_t)(d->fifo_len >> 8);
		case MPU_FIFO_COUNTL:
			return (uint8_t)d->fifo_len;
		case MPU_FIFO_R_W:
			if (d->fifo_len == 0)
				return 0;
			v = d->fifo[0];
			memmove(d->fifo, d->fifo + 1, --d->fifo_len);
			return v;
		case MPU_INT_STATUS:
			v = d->reg[r];
			d->reg[r] = 0;	/* cleared by the read */
			return v;
		}
		break;
	case MODEL_BME280:
		if (r == BME_STATUS && d->bme_nvm_busy > 0) {
			d->bme_nvm_busy--;
			return d->reg[r] | 0x01;
		}
		if (r == BME_RESET)
			return 0;
		break;
	case MODEL_ADXL345:
		switch (r) {
		case ADXL_INT_SOURCE:
			v = 0;
			if (d->fifo_len > 0)
				v |= 0x80;
			if (model_adxl_entries(d) >=
			    (d->reg[ADXL_FIFO_CTL] & 0x1fu))
				v |= 0x02;
			if (d->overrun)
				v |= 0x01;
			return v;
		case ADXL_FIFO_STATUS:
			return (uint8_t)model_adxl_entries(d);
		}
		if (r >= ADXL_DATAX0 && r <= ADXL_DATAZ1 && d->fifo_len > 0)
			return d->fifo[r - ADXL_DATAX0];
		break;
	default:
		break;
	}
	return d->reg[r];
}

/*
 * The ADXL345 moves its FIFO on once a read of the data is over; an
 * MPU-6050 may take a sample between the count read and the drain.
 */
static void
read_done(struct model_dev *d, uint8_t first, size_t len)
{
	if (d->chip == MODEL_MPU6050 && d->race_n > 0 &&
	    first <= MPU_FIFO_COUNTL && first + len > MPU_FIFO_COUNTL) {
		for (; d->race_n > 0; d->race_n--, d->race_x++)
			(void)model_mpu_push(d, d->race_x, -d->race_x, 16384);
		return;
	}
	if (d->chip != MODEL_ADXL345 || d->fifo_len == 0)
		return;
	if (first + len <= ADXL_DATAX0 || first > ADXL_DATAZ1)
		return;
	memmove(d->fifo, d->fifo + ADXL_ENTRY, d->fifo_len - ADXL_ENTRY);
	d->fifo_len -= ADXL_ENTRY;
	d->overrun = 0;
}

static void
reg_write(struct model_dev *d, uint8_t r, uint8_t v)
{
	if (d->chip == MODEL_MPU6050) {
		if (r == MPU_PWR_MGMT_1 && (v & 0x80)) {
			/* Registers to their reset values, asleep. */
			memset(d->reg, 0, sizeof(d->reg));
			d->reg[MPU_WHO_AM_I] = 0x68;
			d->reg[MPU_PWR_MGMT_1] = 0x40;
			d->fifo_len = 0;
			return;
		}
		if (r == MPU_USER_CTRL && (v & 0x04)) {
			d->fifo_len = 0;
			v &= (uint8_t)~0x04;	/* self-clearing */
		}
		if (r == MPU_INT_STATUS || r == MPU_WHO_AM_I ||
		    r == MPU_FIFO_COUNTH || r == MPU_FIFO_COUNTL)
			return;		/* read-only */
	}
	if (d->chip == MODEL_BME280) {
		if (r == BME_RESET && v == 0xb6) {
			d->reg[0xf2] = 0;		/* ctrl_hum */
			d->reg[BME_CTRL_MEAS] = 0;
			d->reg[BME_CONFIG] = 0;
			d->bme_resets++;
			return;
		}
		/* The datasheet: may be ignored in normal mode; it is. */
		if (r == BME_CONFIG && (d->reg[BME_CTRL_MEAS] & 3) == 3)
			return;
		if (r == BME_RESET || r == 0xd0 || r == BME_STATUS)
			return;
	}
	if (d->chip == MODEL_ADXL345) {
		if (r == ADXL_FIFO_CTL && (v & 0xc0) == 0) {
			d->fifo_len = 0;
			d->overrun = 0;
		}
		if (r == ADXL_DEVID || r == ADXL_INT_SOURCE ||
		    r == ADXL_FIFO_STATUS)
			return;
		d->reg[r] = v;
		for (; d->race_n > 0; d->race_n--, d->race_x++)
			(void)model_adxl_push(d, d->race_x, -d->race_x, 0);
		return;
	}
	d->reg[r] = v;
}

static int
m_select(struct i2c_bus *b, int addr)
{
	if (addr < 0x03 || addr > 0x77) {
		errno = EINVAL;
		return -1;
	}
	if (addr == ((struct model_i2c *)b->priv)->busy_addr) {
		errno = EBUSY;
		return -1;
	}
	b->addr = addr;
	return 0;
}

static int
smbus_dev(struct i2c_bus *b, struct model_dev **dp)
{
	if ((*dp = find(b)) == NULL)
		return -1;
	/* An SHT3x has no registers: it NACKs an SMBus command byte. */
	if ((*dp)->chip == MODEL_SHT3X) {
		errno = EREMOTEIO;
		return -1;
	}
	return 0;
}

static int
m_read_block(struct i2c_bus *b, uint8_t reg, uint8_t *buf, size_t len)
{
	struct model_dev *d;
	unsigned r = reg;
	size_t i;

	if (smbus_dev(b, &d) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		buf[i] = reg_read(d, (uint8_t)r);
		/* FIFO_R_W is read again and again in a burst. */
		if (!(d->chip == MODEL_MPU6050 && r == MPU_FIFO_R_W))
			r = (r + 1) & 0xff;
	}
	read_done(d, reg, len);
	return 0;
}

static int
m_write_block(struct i2c_bus *b, uint8_t reg, const uint8_t *buf,
    size_t len)
{
	struct model_dev *d;
	size_t i;

	if (smbus_dev(b, &d) == -1)
		return -1;
	for (i = 0; i < len; i++)
		reg_write(d, (uint8_t)(reg + i), buf[i]);
	return 0;
}

static int
m_read_byte(struct i2c_bus *b, uint8_t reg, uint8_t *val)
{
	return m_read_block(b, reg, val, 1);
}

static int
m_write_byte(struct i2c_bus *b, uint8_t reg, uint8_t val)
{
	return m_write_block(b, reg, &val, 1);
}

static int
m_read_word(struct i2c_bus *b, uint8_t reg, uint16_t *val)
{
	uint8_t w[2];

	if (m_read_block(b, reg, w, 2) == -1)
		return -1;
	*val = (uint16_t)(w[1] << 8 | w[0]);
	return 0;
}

static int
m_write_word(struct i2c_bus *b, uint8_t reg, uint16_t val)
{
	uint8_t w[2] = { (uint8_t)val, (uint8_t)(val >> 8) };

	return m_write_block(b, reg, w, 2);
}

uint8_t
model_sht_crc(const uint8_t *p, size_t len)
{
	unsigned crc = 0xff, i, j;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (j = 0; j < 8; j++) {
			crc <<= 1;
			if (crc & 0x100)
				crc ^= 0x31;
		}
		crc &= 0xff;
	}
	return (uint8_t)crc;
}

static void
sht_word(uint8_t *out, uint16_t w)
{
	out[0] = (uint8_t)(w >> 8);
	out[1] = (uint8_t)w;
	out[2] = model_sht_crc(out, 2);
}

static int
m_write(struct i2c_bus *b, const uint8_t *buf, size_t len)
{
	struct model_dev *d;
	uint16_t cmd;

	if ((d = find(b)) == NULL)
		return -1;
	/* Like i2c-stub: plain transfers reach only an SHT3x here. */
	if (d->chip != MODEL_SHT3X) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (len != 2) {
		errno = EREMOTEIO;
		return -1;
	}
	cmd = (uint16_t)(buf[0] << 8 | buf[1]);
	d->last_cmd = cmd;
	d->commands++;
	switch (cmd) {
	case 0x2400:		/* single shot, high, no stretching */
		sht_word(d->out, d->sht_temp);
		sht_word(d->out + 3, d->sht_hum);
		if (d->sht_bad_crc == 1)
			d->out[2] ^= 0x01;
		if (d->sht_bad_crc == 2)
			d->out[5] ^= 0x80;
		d->out_len = 6;
		return 0;
	case 0xf32d:		/* read status */
		sht_word(d->out, d->sht_status);
		d->out_len = 3;
		return 0;
	case 0x30a2:		/* soft reset */
		d->out_len = 0;
		return 0;
	}
	errno = EREMOTEIO;
	return -1;
}

static int
m_read(struct i2c_bus *b, uint8_t *buf, size_t len)
{
	struct model_dev *d;

	if ((d = find(b)) == NULL)
		return -1;
	if (d->chip != MODEL_SHT3X) {
		errno = EOPNOTSUPP;
		return -1;
	}
	/* Nothing measured, or measuring still: the read is NACKed. */
	if (d->out_len == 0 || len > d->out_len) {
		errno = EREMOTEIO;
		return -1;
	}
	memcpy(buf, d->out, len);
	d->out_len = 0;
	return 0;
}

static void
m_close(struct i2c_bus *b)
{
	(void)b;
}

static const struct i2c_bus_ops model_ops = {
	.select = m_select,
	.read_byte = m_read_byte,
	.write_byte = m_write_byte,
	.read_word = m_read_word,
	.write_word = m_write_word,
	.read_block = m_read_block,
	.write_block = m_write_block,
	.read = m_read,
	.write = m_write,
	.close = m_close,
};

void
model_i2c_init(struct model_i2c *m)
{
	memset(m, 0, sizeof(*m));
	m->bus.ops = &model_ops;
	m->bus.addr = -1;
	m->bus.fd = -1;
	m->bus.priv = m;
}

struct model_dev *
model_i2c_add(struct model_i2c *m, int addr, enum model_chip chip)
{
	struct model_dev *d = NULL;
	int i;

	for (i = 0; i < MODEL_DEVS && d == NULL; i++)
		if (m->dev[i].addr == 0)
			d = &m->dev[i];
	if (d == NULL)
		return NULL;
	memset(d, 0, sizeof(*d));
	d->addr = addr;
	d->chip = chip;
	switch (chip) {
	case MODEL_MPU6050:
		d->reg[MPU_WHO_AM_I] = 0x68;
		d->reg[MPU_PWR_MGMT_1] = 0x40;
		break;
	case MODEL_ADXL345:
		d->reg[ADXL_DEVID] = 0xe5;
		d->reg[ADXL_BW_RATE] = 0x0a;
		break;
	case MODEL_SHT3X:
		d->sht_status = 0x8010;	/* alert pending, reset seen */
		break;
	case MODEL_BME280:
		d->reg[0xd0] = 0x60;
		break;
	case MODEL_PLAIN:
		break;
	}
	return d;
}

void
model_i2c_fail(struct model_i2c *m, int n, int err)
{
	model_i2c_fail_after(m, 0, n, err);
}

void
model_i2c_fail_after(struct model_i2c *m, int skip, int n, int err)
{
	m->fail_skip = skip;
	m->fail_n = n;
	m->fail_errno = err;
}

int
model_mpu_push(struct model_dev *d, int x, int y, int z)
{
	int v[3] = { x, y, z }, i;

	if ((d->reg[MPU_PWR_MGMT_1] & 0x40) ||
	    !(d->reg[MPU_USER_CTRL] & 0x40) || !(d->reg[MPU_FIFO_EN] & 0x08))
		return 0;
	for (i = 0; i < 3; i++) {
		if (d->fifo_len == MODEL_FIFO_BYTES) {
			/* Full: the oldest byte goes. */
			memmove(d->fifo, d->fifo + 1, --d->fifo_len);
			d->reg[MPU_INT_STATUS] |= 0x10;
		}
		d->fifo[d->fifo_len++] = (uint8_t)((unsigned)v[i] >> 8);
		if (d->fifo_len == MODEL_FIFO_BYTES) {
			memmove(d->fifo, d->fifo + 1, --d->fifo_len);
			d->reg[MPU_INT_STATUS] |= 0x10;
		}
		d->fifo[d->fifo_len++] = (uint8_t)v[i];
	}
	return 1;
}

int
model_adxl_push(struct model_dev *d, int x, int y, int z)
{
	int v[3] = { x, y, z }, i;
	uint8_t *e;

	if (!(d->reg[ADXL_POWER_CTL] & 0x08))
		return 0;
	/* Bypass: the data registers alone, overwritten. */
	if ((d->reg[ADXL_FIFO_CTL] & 0xc0) == 0 && d->fifo_len > 0) {
		d->fifo_len = 0;
		d->overrun = 1;
	}
	if (model_adxl_entries(d) == ADXL_ENTRIES) {
		memmove(d->fifo, d->fifo + ADXL_ENTRY,
		    d->fifo_len - ADXL_ENTRY);
		d->fifo_len -= ADXL_ENTRY;
		d->overrun = 1;
	}
	e = d->fifo + d->fifo_len;
	for (i = 0; i < 3; i++) {
		e[2 * i] = (uint8_t)v[i];
		e[2 * i + 1] = (uint8_t)((unsigned)v[i] >> 8);
	}
	d->fifo_len += ADXL_ENTRY;
	return 1;
}
