/*
 * I2C chips through /dev/i2c-N (design.md 5).  Registers are reached only
 * with the SMBus ioctl (byte, word and I2C-block transfers of at most 32
 * bytes), which both the Raspberry Pi's controller and the kernel's
 * i2c-stub serve.  Plain read()/write() are there for the SHT3x alone:
 * its 16-bit commands and 6-byte answers have no SMBus form, so it cannot
 * be simulated by i2c-stub (which has no plain transfers).
 *
 * A bus is an ops table and its state so that unit tests can put an
 * in-process register model (tests/unit/model_i2c.c) where the device
 * would be.  Every operation returns 0, or -1 with errno kept.
 */
#ifndef LEGWATCH_I2C_H
#define LEGWATCH_I2C_H

#include <stddef.h>
#include <stdint.h>

struct sensor;
struct i2c_bus;

/* The most an SMBus I2C-block transfer carries. */
#define I2C_BLOCK_MAX	32

struct i2c_bus_ops {
	/* Later transfers go to this 7-bit address. */
	int	(*select)(struct i2c_bus *b, int addr);
	int	(*read_byte)(struct i2c_bus *b, uint8_t reg, uint8_t *val);
	int	(*write_byte)(struct i2c_bus *b, uint8_t reg, uint8_t val);
	/* SMBus words are little-endian: reg is the low byte. */
	int	(*read_word)(struct i2c_bus *b, uint8_t reg, uint16_t *val);
	int	(*write_word)(struct i2c_bus *b, uint8_t reg, uint16_t val);
	/* len 1..I2C_BLOCK_MAX */
	int	(*read_block)(struct i2c_bus *b, uint8_t reg, uint8_t *buf,
		    size_t len);
	int	(*write_block)(struct i2c_bus *b, uint8_t reg,
		    const uint8_t *buf, size_t len);
	/* Plain transfers, for the SHT3x only. */
	int	(*read)(struct i2c_bus *b, uint8_t *buf, size_t len);
	int	(*write)(struct i2c_bus *b, const uint8_t *buf, size_t len);
	void	(*close)(struct i2c_bus *b);
};

struct i2c_bus {
	const struct i2c_bus_ops	*ops;
	int				 addr;	/* selected, or -1 */
	int				 fd;	/* /dev/i2c-N, or -1 */
	void				*priv;	/* a model's state */
};

/* Opens /dev/i2c-<bus> for addr: NULL with errno on failure. */
struct i2c_bus	*i2c_open(int bus, int addr);
void		 i2c_close(struct i2c_bus *b);

/* Bounds-checked wrappers over the ops: -1 with errno. */
int	i2c_read_byte(struct i2c_bus *b, uint8_t reg, uint8_t *val);
int	i2c_write_byte(struct i2c_bus *b, uint8_t reg, uint8_t val);
int	i2c_read_word(struct i2c_bus *b, uint8_t reg, uint16_t *val);
int	i2c_write_word(struct i2c_bus *b, uint8_t reg, uint16_t val);
int	i2c_read_block(struct i2c_bus *b, uint8_t reg, uint8_t *buf,
	    size_t len);
int	i2c_write_block(struct i2c_bus *b, uint8_t reg, const uint8_t *buf,
	    size_t len);
int	i2c_read(struct i2c_bus *b, uint8_t *buf, size_t len);
int	i2c_write(struct i2c_bus *b, const uint8_t *buf, size_t len);

/*
 * For the chip drivers.  The sensor's bus: s->i2c (a test's model) with
 * addr selected, or /dev/i2c-<bus> of its settings opened for addr.  NULL with
 * s->error set.  i2c_sensor_close closes only what i2c_sensor_open
 * opened.
 */
struct i2c_bus	*i2c_sensor_open(struct sensor *s, int addr);
void		 i2c_sensor_close(struct sensor *s, struct i2c_bus *b);
/* "ankle: mpu6050 on /dev/i2c-1 0x68: <what>: <strerror(errno)>", -1 */
int	i2c_sensor_fail(struct sensor *s, int addr, const char *what);
/* The same without an errno: "...0x68: <fmt>", -1 */
int	i2c_sensor_failx(struct sensor *s, int addr, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * The time base of a FIFO accelerometer (shared by mpu6050.c and
 * adxl345.c).  The chip's clock runs at its own rate, so samples are
 * spaced evenly at the chip's period and the clock carries on from one
 * drain to the next; it is anchored (newest sample at now) on the first
 * drain, after a FIFO reset, and when it has drifted from the wall clock
 * by more than FIFO_CLOCK_SLACK periods.
 */
#define FIFO_CLOCK_SLACK	4
#define FIFO_CLOCK_MIN_SLACK	0.05	/* s, for fast rates */

/*
 * An accelerometer's interrupt pin on a GPIO line (its settings' chip
 * and gpio_line): requested for edges, its fd put in s->fd.  0, or -1
 * with s->error.
 */
struct gpio_line;
int	accel_irq_open(struct sensor *s, struct gpio_line **line);
/* Takes the edges that woke the loop, so that the fd goes quiet. */
int	accel_irq_clear(struct sensor *s, struct gpio_line *line);

/*
 * The full-scale code both accelerometers use for 2, 4, 8 and 16 g (0 is
 * the default, 2 g): 0..3 with *range_g set (when not NULL), or -1 with
 * s->error.
 */
int	accel_range_code(struct sensor *s, int addr, int *range_g);

struct fifo_clock {
	double	period;		/* s, the chip's actual rate */
	double	next_t;		/* unix s of the next sample; 0: unanchored */
	double	last_t;		/* unix s of the last sample handed out */
};

void	fifo_clock_init(struct fifo_clock *fc, double period);
/* A FIFO reset at now: the next drain anchors afresh. */
void	fifo_clock_restart(struct fifo_clock *fc);
/*
 * n samples drained at now: sets the first one's time and the spacing,
 * and moves the clock past them.  Times never go backwards.
 */
void	fifo_clock_place(struct fifo_clock *fc, int n, double now,
	    double *first, double *spacing);

#endif
