/*
 * Which of the chips legwatch knows answers on an I2C bus, told by its ID
 * register (never by its address alone: an RTC sits at the MPU-6050's
 * 0x68, a BMP280 at the BME280's 0x76), for legwatch-probe.
 */
#ifndef LEGWATCH_IDENTIFY_H
#define LEGWATCH_IDENTIFY_H

#include <stddef.h>
#include <stdint.h>

struct i2c_bus;

enum chip_verdict {
	CHIP_NONE,	/* nothing answers */
	CHIP_FOUND,	/* the chip, by its ID */
	CHIP_WRONG,	/* something answers, with another ID */
	CHIP_BUSY,	/* a kernel driver holds the address */
};

struct chip_seen {
	int			 addr;
	enum chip_verdict	 verdict;
	const char		*type;	/* the config's type name for addr */
	char			 what[160];
};

/* Addresses legwatch's chips can have: at most this many. */
#define IDENTIFY_ADDRS	8

/*
 * Looks at every address a known chip can have on the open bus b (its
 * address is changed).  Fills out[] in address order, one entry per
 * address (CHIP_NONE included); returns how many.
 */
int	identify_bus(struct i2c_bus *b, struct chip_seen *out, int max);

/* The SHT3x's CRC-8 (poly 0x31, init 0xff), shared with sht3x.c. */
uint8_t	sht_crc(const uint8_t *p, size_t len);

#endif
