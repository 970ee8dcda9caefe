/*
 * /dev/i2c-N through the SMBus ioctl, the error text the chip drivers
 * share, and the FIFO accelerometers' time base.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/i2c.h>
#include <linux/i2c-dev.h>

#include "i2c.h"
#include "sensor.h"

static int
smbus(int fd, char rw, uint8_t cmd, int size, union i2c_smbus_data *data)
{
	struct i2c_smbus_ioctl_data args;

	args.read_write = rw;
	args.command = cmd;
	args.size = (uint32_t)size;
	args.data = data;
	return ioctl(fd, I2C_SMBUS, &args) == -1 ? -1 : 0;
}

static int
dev_select(struct i2c_bus *b, int addr)
{
	if (ioctl(b->fd, I2C_SLAVE, (unsigned long)addr) == -1)
		return -1;
	b->addr = addr;
	return 0;
}

static int
dev_read_byte(struct i2c_bus *b, uint8_t reg, uint8_t *val)
{
	union i2c_smbus_data d;

	if (smbus(b->fd, I2C_SMBUS_READ, reg, I2C_SMBUS_BYTE_DATA, &d) == -1)
		return -1;
	*val = d.byte;
	return 0;
}

static int
dev_write_byte(struct i2c_bus *b, uint8_t reg, uint8_t val)
{
	union i2c_smbus_data d;

	d.byte = val;
	return smbus(b->fd, I2C_SMBUS_WRITE, reg, I2C_SMBUS_BYTE_DATA, &d);
}

static int
dev_read_word(struct i2c_bus *b, uint8_t reg, uint16_t *val)
{
	union i2c_smbus_data d;

	if (smbus(b->fd, I2C_SMBUS_READ, reg, I2C_SMBUS_WORD_DATA, &d) == -1)
		return -1;
	*val = d.word;
	return 0;
}

static int
dev_write_word(struct i2c_bus *b, uint8_t reg, uint16_t val)
{
	union i2c_smbus_data d;

	d.word = val;
	return smbus(b->fd, I2C_SMBUS_WRITE, reg, I2C_SMBUS_WORD_DATA, &d);
}

static int
dev_read_block(struct i2c_bus *b, uint8_t reg, uint8_t *buf, size_t len)
{
	union i2c_smbus_data d;

	d.block[0] = (uint8_t)len;
	if (smbus(b->fd, I2C_SMBUS_READ, reg, I2C_SMBUS_I2C_BLOCK_DATA,
	    &d) == -1)
		return -1;
	/* The kernel says how many came; a short answer is no answer. */
	if (d.block[0] < len) {
		errno = EIO;
		return -1;
	}
	memcpy(buf, &d.block[1], len);
	return 0;
}

static int
dev_write_block(struct i2c_bus *b, uint8_t reg, const uint8_t *buf,
    size_t len)
{
	union i2c_smbus_data d;

	d.block[0] = (uint8_t)len;
	memcpy(&d.block[1], buf, len);
	return smbus(b->fd, I2C_SMBUS_WRITE, reg, I2C_SMBUS_I2C_BLOCK_DATA,
	    &d);
}

static int
dev_read(struct i2c_bus *b, uint8_t *buf, size_t len)
{
	ssize_t n = read(b->fd, buf, len);

	if (n == -1)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static int
dev_write(struct i2c_bus *b, const uint8_t *buf, size_t len)
{
	ssize_t n = write(b->fd, buf, len);

	if (n == -1)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static void
dev_close(struct i2c_bus *b)
{
	if (b->fd != -1)
		close(b->fd);
	free(b);
}

static const struct i2c_bus_ops dev_ops = {
	.select = dev_select,
	.read_byte = dev_read_byte,
	.write_byte = dev_write_byte,
	.read_word = dev_read_word,
	.write_word = dev_write_word,
	.read_block = dev_read_block,
	.write_block = dev_write_block,
	.read = dev_read,
	.write = dev_write,
	.close = dev_close,
};

struct i2c_bus *
i2c_open(int bus, int addr)
{
	struct i2c_bus *b;
	char path[32];
	int saved;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->ops = &dev_ops;
	b->addr = -1;
	snprintf(path, sizeof(path), "/dev/i2c-%d", bus);
	if ((b->fd = open(path, O_RDWR | O_CLOEXEC)) == -1 ||
	    dev_select(b, addr) == -1) {
		saved = errno;
		dev_close(b);
		errno = saved;
		return NULL;
	}
	return b;
}

void
i2c_close(struct i2c_bus *b)
{
	if (b != NULL)
		b->ops->close(b);
}

int
i2c_read_byte(struct i2c_bus *b, uint8_t reg, uint8_t *val)
{
	return b->ops->read_byte(b, reg, val);
}

int
i2c_write_byte(struct i2c_bus *b, uint8_t reg, uint8_t val)
{
	return b->ops->write_byte(b, reg, val);
}

int
i2c_read_word(struct i2c_bus *b, uint8_t reg, uint16_t *val)
{
	return b->ops->read_word(b, reg, val);
}

int
i2c_write_word(struct i2c_bus *b, uint8_t reg, uint16_t val)
{
	return b->ops->write_word(b, reg, val);
}

int
i2c_read_block(struct i2c_bus *b, uint8_t reg, uint8_t *buf, size_t len)
{
	if (len == 0 || len > I2C_BLOCK_MAX) {
		errno = EINVAL;
		return -1;
	}
	return b->ops->read_block(b, reg, buf, len);
}

int
i2c_write_block(struct i2c_bus *b, uint8_t reg, const uint8_t *buf,
    size_t len)
{
	if (len == 0 || len > I2C_BLOCK_MAX) {
		errno = EINVAL;
		return -1;
	}
	return b->ops->write_block(b, reg, buf, len);
}

int
i2c_read(struct i2c_bus *b, uint8_t *buf, size_t len)
{
	return b->ops->read(b, buf, len);
}

int
i2c_write(struct i2c_bus *b, const uint8_t *buf, size_t len)
{
	return b->ops->write(b, buf, len);
}

/* Every I2C chip's settings start with where it is (sensor.h). */
static const struct i2c_settings *
sensor_i2c(const struct sensor *s)
{
	return s->settings;
}

struct i2c_bus *
i2c_sensor_open(struct sensor *s, int addr)
{
	struct i2c_bus *b;

	if (s->i2c != NULL) {
		if (s->i2c->ops->select(s->i2c, addr) == -1) {
			i2c_sensor_fail(s, addr, "select address");
			return NULL;
		}
		return s->i2c;
	}
	if ((b = i2c_open(sensor_i2c(s)->bus, addr)) == NULL) {
		i2c_sensor_fail(s, addr, "open");
		return NULL;
	}
	return b;
}

void
i2c_sensor_close(struct sensor *s, struct i2c_bus *b)
{
	if (b != NULL && b != s->i2c)
		i2c_close(b);
}

int
i2c_sensor_fail(struct sensor *s, int addr, const char *what)
{
	const char *why = strerror(errno);

	return sensor_fail(s, "%s on /dev/i2c-%d 0x%02x: %s: %s",
	    s->ops->type, sensor_i2c(s)->bus, addr, what, why);
}

int
i2c_sensor_failx(struct sensor *s, int addr, const char *fmt, ...)
{
	char what[SENSOR_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sensor_fail(s, "%s on /dev/i2c-%d 0x%02x: %s",
	    s->ops->type, sensor_i2c(s)->bus, addr, what);
}

void
fifo_clock_init(struct fifo_clock *fc, double period)
{
	fc->period = period;
	fc->next_t = 0;
	fc->last_t = 0;
}

void
fifo_clock_restart(struct fifo_clock *fc)
{
	fc->next_t = 0;
}

void
fifo_clock_place(struct fifo_clock *fc, int n, double now, double *first,
    double *spacing)
{
	double p = fc->period, slack, drift;

	*spacing = p;
	if (n <= 0) {
		*first = fc->next_t;
		return;
	}
	slack = FIFO_CLOCK_SLACK * p;
	if (slack < FIFO_CLOCK_MIN_SLACK)
		slack = FIFO_CLOCK_MIN_SLACK;
	if (fc->next_t == 0)
		*first = now - (n - 1) * p;
	else {
		*first = fc->next_t;
		drift = fc->next_t + (n - 1) * p - now;
		/* Behind: the chip runs slow, or samples went missing. */
		if (drift < -slack)
			*first = now - (n - 1) * p;
		else if (drift > slack)
			*first = fc->last_t;	/* ahead: squeezed below */
	}
	/*
	 * Ahead of the wall clock, or anchored onto samples already handed
	 * out: moving back would reverse time, so this drain is spread
	 * evenly between the last sample and now.
	 */
	if (fc->last_t != 0 && *first <= fc->last_t) {
		*spacing = (now - fc->last_t) / n;
		*first = fc->last_t + *spacing;
		if (*spacing <= 0) {
			/* A wall clock stepped back: keep order, not time. */
			*spacing = p;
			*first = fc->last_t + p;
		}
	}
	fc->last_t = *first + (n - 1) * *spacing;
	fc->next_t = fc->last_t + p;
}

int
accel_irq_open(struct sensor *s, struct gpio_line **line)
{
	const struct accel_settings *c = s->settings;
	struct gpio_input_conf gc;
	char err[GPIO_ERR_MAX];

	memset(&gc, 0, sizeof(gc));
	gc.chip = c->chip;
	gc.offset = (unsigned)c->gpio_line;
	gc.bias = GPIO_BIAS_AS_IS;	/* the chip drives it push-pull */
	gc.debounce_ms = 0;		/* a pulse of tens of microseconds */
	gc.consumer = "legwatchd";
	if ((*line = gpio_request_input(&gc, err, sizeof(err))) == NULL)
		return sensor_fail(s, "%s interrupt: %s", s->ops->type, err);
	s->fd = gpio_fd(*line);
	return 0;
}

int
accel_irq_clear(struct sensor *s, struct gpio_line *line)
{
	struct gpio_edge edges[16];
	char err[GPIO_ERR_MAX];
	int n;

	do {
		if ((n = gpio_read_edges(line, edges, 16, err,
		    sizeof(err))) == -1)
			return sensor_fail(s, "%s interrupt: %s", s->ops->type,
			    err);
	} while (n == 16);
	return 0;
}

int
accel_range_code(struct sensor *s, int addr, int *range_g)
{
	const struct accel_settings *c = s->settings;
	int g = c->range_g ? c->range_g : 2, code;

	for (code = 0; code < 4; code++)
		if (g == 2 << code) {
			if (range_g != NULL)
				*range_g = g;
			return code;
		}
	return i2c_sensor_failx(s, addr,
	    "range %d g: the chip has 2, 4, 8 or 16", c->range_g);
}
