/*
 * Chips told by their ID registers, for legwatch-probe.  A read of one
 * register is all it does at each address: nothing is written to a chip
 * that is not the one expected there.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "i2c.h"
#include "identify.h"

#define SHT_READ_STATUS		0xf32d

struct known {
	const char	*type;		/* the config's name */
	const char	*name;		/* the chip's */
	const char	*reg_name;
	int		 addr[2];
	int		 reg;		/* -1: the SHT3x's status command */
	uint8_t		 id;
};

static const struct known known[] = {
	{ "sht3x", "SHT3x", "status", { 0x44, 0x45 }, -1, 0 },
	{ "adxl345", "ADXL345", "DEVID", { 0x1d, 0x53 }, 0x00, 0xe5 },
	{ "mpu6050", "MPU-6050", "WHO_AM_I", { 0x68, 0x69 }, 0x75, 0x68 },
	{ "bme280", "BME280", "chip id", { 0x76, 0x77 }, 0xd0, 0x60 },
};

/* What else answers with that ID, for the message. */
static const char *
lookalike(const struct known *k, uint8_t id)
{
	if (strcmp(k->type, "mpu6050") == 0)
		return id == 0x70 ? " (0x70 is an MPU-6500)" :
		    id == 0x71 ? " (0x71 is an MPU-9250)" :
		    id == 0x98 ? " (0x98 is an ICM-20689)" :
		    " (an RTC such as the DS3231 also sits at 0x68)";
	if (strcmp(k->type, "bme280") == 0)
		return id == 0x58 ? " (0x58 is a BMP280)" :
		    id == 0x61 ? " (0x61 is a BME680)" : "";
	return "";
}

static void
look(struct i2c_bus *b, const struct known *k, int addr, struct chip_seen *c)
{
	uint8_t id, st[3], cmd[2] = { SHT_READ_STATUS >> 8,
	    SHT_READ_STATUS & 0xff };

	memset(c, 0, sizeof(*c));
	c->addr = addr;
	c->type = k->type;
	c->verdict = CHIP_NONE;
	if (b->ops->select(b, addr) == -1) {
		if (errno == EBUSY) {
			c->verdict = CHIP_BUSY;
			snprintf(c->what, sizeof(c->what), "in use by a kernel "
			    "driver (a dtoverlay for the %s?): legwatch cannot "
			    "reach it", k->name);
		}
		return;
	}
	if (k->reg == -1) {
		if (i2c_write(b, cmd, sizeof(cmd)) == -1 ||
		    i2c_read(b, st, sizeof(st)) == -1)
			return;
		if (sht_crc(st, 2) != st[2]) {
			c->verdict = CHIP_WRONG;
			snprintf(c->what, sizeof(c->what), "answers, but its "
			    "status has a bad CRC: not an %s", k->name);
			return;
		}
		c->verdict = CHIP_FOUND;
		snprintf(c->what, sizeof(c->what), "%s (status 0x%04x, CRC "
		    "good)", k->name, (unsigned)(st[0] << 8 | st[1]));
		return;
	}
	if (i2c_read_byte(b, (uint8_t)k->reg, &id) == -1)
		return;
	if (id != k->id) {
		c->verdict = CHIP_WRONG;
		snprintf(c->what, sizeof(c->what), "something answers, but "
		    "its %s is 0x%02x, not the %s's 0x%02x%s", k->reg_name, id,
		    k->name, k->id, lookalike(k, id));
		return;
	}
	c->verdict = CHIP_FOUND;
	snprintf(c->what, sizeof(c->what), "%s (%s 0x%02x)", k->name,
	    k->reg_name, id);
}

int
identify_bus(struct i2c_bus *b, struct chip_seen *out, int max)
{
	size_t i, j;
	int n = 0;

	struct chip_seen tmp;
	int k;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		for (j = 0; j < 2 && n < max; j++)
			look(b, &known[i], known[i].addr[j], &out[n++]);
	/* In address order, as i2cdetect shows them. */
	for (k = 1; k < n; k++)
		for (j = (size_t)k; j > 0 && out[j - 1].addr > out[j].addr;
		    j--) {
			tmp = out[j];
			out[j] = out[j - 1];
			out[j - 1] = tmp;
		}
	return n;
}
