/*
 * An in-process I2C bus for the chip drivers' unit tests: a 256-byte
 * register file per address, like the kernel's i2c-stub, plus what the
 * drivers rely on beyond plain memory: the MPU-6050's and the ADXL345's
 * FIFOs, the SHT3x's commands and CRCs, the BME280's reset and config,
 * and injected faults.
 */
#ifndef LEGWATCH_MODEL_I2C_H
#define LEGWATCH_MODEL_I2C_H

#include <stddef.h>
#include <stdint.h>

#include "sensors/i2c.h"

enum model_chip {
	MODEL_PLAIN,		/* registers only (i2c-stub) */
	MODEL_BME280,
	MODEL_MPU6050,
	MODEL_ADXL345,
	MODEL_SHT3X,
};

#define MODEL_DEVS		4
#define MODEL_FIFO_BYTES	1024

struct model_dev {
	int		 addr;		/* 0: a free slot */
	enum model_chip	 chip;
	uint8_t		 reg[256];
	/* MPU-6050: bytes; ADXL345: 6-byte entries */
	uint8_t		 fifo[MODEL_FIFO_BYTES];
	size_t		 fifo_len;
	int		 overrun;	/* ADXL345 */
	/*
	 * Samples the chip takes at the worst moment (x counting up from
	 * race_x, as the tests' pushes do), each once: an MPU-6050's right
	 * after FIFO_COUNT is read, before the driver drains; an
	 * ADXL345's right after the driver's next register write.
	 */
	int		 race_n, race_x;
	/* BME280: status reads that still show the NVM copy after a reset */
	int		 bme_nvm_busy, bme_resets;
	/* SHT3x */
	uint16_t	 sht_temp, sht_hum, sht_status;
	int		 sht_bad_crc;	/* 1: temperature's, 2: humidity's */
	uint8_t		 out[6];	/* the answer waiting */
	size_t		 out_len;
	uint16_t	 last_cmd;
	int		 commands;
};

struct model_i2c {
	struct i2c_bus		bus;	/* what a test puts in s->i2c */
	struct model_dev	dev[MODEL_DEVS];
	int			fail_n;	/* the next fail_n transfers fail */
	int			fail_errno;
	int			fail_skip;	/* after this many good ones */
	int			busy_addr;	/* a kernel driver holds it */
	unsigned long		transfers;
};

void		 model_i2c_init(struct model_i2c *m);
/* A chip at addr with its power-on registers (ID and so on). */
struct model_dev *model_i2c_add(struct model_i2c *m, int addr,
		    enum model_chip chip);
/* The next n transfers fail with err (EREMOTEIO, ETIMEDOUT...). */
void		 model_i2c_fail(struct model_i2c *m, int n, int err);
/* The same after skip transfers that work. */
void		 model_i2c_fail_after(struct model_i2c *m, int skip, int n,
		    int err);

/*
 * One accelerometer sample taken by the chip, if it is measuring into
 * its FIFO (1), or not (0).  A full FIFO loses its oldest data and
 * flags the overflow the way the chip does; an ADXL345 in bypass mode
 * keeps the newest sample alone and flags the overrun when it replaces
 * one not read.
 */
int		 model_mpu_push(struct model_dev *d, int x, int y, int z);
int		 model_adxl_push(struct model_dev *d, int x, int y, int z);
size_t		 model_adxl_entries(const struct model_dev *d);

/*
 * The SHT3x's CRC-8 (poly 0x31, init 0xff), written apart from the
 * driver's so that each checks the other.
 */
uint8_t		 model_sht_crc(const uint8_t *p, size_t len);

#endif
