/*
 * What the chip drivers' fuzz targets share: a driver opened on the unit
 * tests' register model (tests/unit/model_i2c.c) through a thin bus in
 * front of it that can make chosen registers, or an SHT3x's answer, read
 * as the fuzz input says, the way a glitching bus or a broken chip would;
 * the fuzz input read as a stream of bytes; and the invariants every
 * driver keeps (an error is -1 with a message, a sample is finite).  A
 * broken invariant is reported on stderr and aborts, which libFuzzer
 * counts as a crash.
 */
#ifndef LEGWATCH_FUZZ_DRIVER_RIG_H
#define LEGWATCH_FUZZ_DRIVER_RIG_H

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensors/i2c.h"
#include "sensors/sensor.h"
#include "tests/unit/model_i2c.h"
#include "invariant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const struct sensor_ops mpu6050_ops, adxl345_ops, sht3x_ops,
    bme280_ops, ds18b20_ops;

/* ---- the fuzz input, a byte at a time (0 once it runs out) ---- */

struct input {
	const uint8_t	*p;
	size_t		 left;
};

static inline int
in_more(const struct input *in)
{
	return in->left > 0;
}

static inline uint8_t
in_byte(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static inline unsigned
in_u16(struct input *in)
{
	unsigned hi = in_byte(in);

	return hi << 8 | in_byte(in);
}

/* ---- the bus in front of the model ---- */

struct shim {
	struct i2c_bus		 bus;		/* what s->i2c points to */
	struct model_i2c	 m;
	/* Registers whose reads the input decides, chip-side effects kept. */
	uint8_t			 ovr_set[256], ovr_val[256];
	/* An SHT3x's plain-read answer as the input has it. */
	uint8_t			 raw[6];
	size_t			 raw_len;
	/* MPU-6050 FIFO_R_W bytes popped since the last look. */
	size_t			 fifo_reads;
};

#define SHIM_MPU_FIFO_R_W	0x74

static inline struct shim *
shim_of(struct i2c_bus *b)
{
	return b->priv;
}

static inline struct i2c_bus *
model_bus(struct i2c_bus *b)
{
	struct shim *sh = shim_of(b);

	sh->m.bus.addr = b->addr;
	return &sh->m.bus;
}

static int
shim_select(struct i2c_bus *b, int addr)
{
	struct i2c_bus *mb = model_bus(b);

	if (mb->ops->select(mb, addr) == -1)
		return -1;
	b->addr = addr;
	return 0;
}

static int
shim_read_block(struct i2c_bus *b, uint8_t reg, uint8_t *buf, size_t len)
{
	struct shim *sh = shim_of(b);
	struct i2c_bus *mb = model_bus(b);
	const struct model_dev *d = NULL;
	unsigned r = reg;
	size_t i;
	int k;

	if (mb->ops->read_block(mb, reg, buf, len) == -1)
		return -1;
	for (k = 0; k < MODEL_DEVS; k++)
		if (sh->m.dev[k].addr == b->addr)
			d = &sh->m.dev[k];
	for (i = 0; i < len; i++) {
		if (sh->ovr_set[r])
			buf[i] = sh->ovr_val[r];
		if (d != NULL && d->chip == MODEL_MPU6050 &&
		    r == SHIM_MPU_FIFO_R_W)
			sh->fifo_reads++;
		else
			r = (r + 1) & 0xff;
	}
	return 0;
}

static int
shim_write_block(struct i2c_bus *b, uint8_t reg, const uint8_t *buf,
    size_t len)
{
	struct i2c_bus *mb = model_bus(b);

	return mb->ops->write_block(mb, reg, buf, len);
}

static int
shim_read_byte(struct i2c_bus *b, uint8_t reg, uint8_t *val)
{
	return shim_read_block(b, reg, val, 1);
}

static int
shim_write_byte(struct i2c_bus *b, uint8_t reg, uint8_t val)
{
	return shim_write_block(b, reg, &val, 1);
}

static int
shim_read_word(struct i2c_bus *b, uint8_t reg, uint16_t *val)
{
	uint8_t w[2];

	if (shim_read_block(b, reg, w, 2) == -1)
		return -1;
	*val = (uint16_t)(w[1] << 8 | w[0]);
	return 0;
}

static int
shim_write_word(struct i2c_bus *b, uint8_t reg, uint16_t val)
{
	uint8_t w[2] = { (uint8_t)val, (uint8_t)(val >> 8) };

	return shim_write_block(b, reg, w, 2);
}

static int
shim_read(struct i2c_bus *b, uint8_t *buf, size_t len)
{
	struct shim *sh = shim_of(b);
	struct i2c_bus *mb = model_bus(b);

	if (mb->ops->read(mb, buf, len) == -1)
		return -1;
	if (sh->raw_len > 0) {
		memcpy(buf, sh->raw, len < sh->raw_len ? len : sh->raw_len);
		sh->raw_len = 0;
	}
	return 0;
}

static int
shim_write(struct i2c_bus *b, const uint8_t *buf, size_t len)
{
	struct i2c_bus *mb = model_bus(b);

	return mb->ops->write(mb, buf, len);
}

static void
shim_close(struct i2c_bus *b)
{
	(void)b;
}

static const struct i2c_bus_ops shim_ops = {
	.select = shim_select,
	.read_byte = shim_read_byte,
	.write_byte = shim_write_byte,
	.read_word = shim_read_word,
	.write_word = shim_write_word,
	.read_block = shim_read_block,
	.write_block = shim_write_block,
	.read = shim_read,
	.write = shim_write,
	.close = shim_close,
};

static inline void
shim_override(struct shim *sh, uint8_t reg, uint8_t val)
{
	sh->ovr_set[reg] = 1;
	sh->ovr_val[reg] = val;
}

/* ---- a driver on the shim ---- */

#define RIG_MAXGOT	1024

struct rig {
	struct shim		sh;
	union {				/* the type's settings */
		struct accel_settings		accel;
		struct i2c_thermo_settings	thermo;
		struct ds18b20_settings		w1;
	}			c;
	struct sensor		s;
	int			n;		/* samples, this call */
	int			total;
	struct sample		got[RIG_MAXGOT];
};

static void
rig_collect(void *ctx, int index, const struct sample *smp)
{
	struct rig *r = ctx;

	if (index != r->s.index)
		broken("sample for source %d, the sensor is %d", index,
		    r->s.index);
	if (r->n >= RIG_MAXGOT)
		broken("more than %d samples from one read", RIG_MAXGOT);
	if (!isfinite(smp->t) || !isfinite(smp->v[0]) ||
	    !isfinite(smp->v[1]) || !isfinite(smp->v[2]))
		broken("a sample that is not finite: t %g v %g %g %g",
		    smp->t, smp->v[0], smp->v[1], smp->v[2]);
	r->got[r->n++] = *smp;
	r->total++;
}

static inline void
rig_init(struct rig *r, const struct sensor_ops *ops)
{
	memset(r, 0, sizeof(*r));
	model_i2c_init(&r->sh.m);
	r->sh.bus.ops = &shim_ops;
	r->sh.bus.addr = -1;
	r->sh.bus.fd = -1;
	r->sh.bus.priv = &r->sh;
	sensor_type_find(ops->type)->defaults(&r->c);
	r->s.ops = ops;
	r->s.name = "fuzz";
	r->s.settings = &r->c;
	r->s.index = 2;
	r->s.emit = rig_collect;
	r->s.ctx = r;
	r->s.fd = -1;
	r->s.i2c = &r->sh.bus;
}

/*
 * The input may make some transfers fail: the next one after a few that
 * work, with an errno a real bus gives.
 */
static inline void
rig_faults(struct rig *r, struct input *in)
{
	static const int errs[] = { EREMOTEIO, ETIMEDOUT, EIO, ENXIO };
	uint8_t f = in_byte(in);

	if (f & 0x80)
		model_i2c_fail_after(&r->sh.m, f & 0x1f, 1 + (f >> 6 & 1),
		    errs[f >> 5 & 3]);
}

/* One op: -1 must come with a message, 0 with none written. */
static inline int
rig_call(struct rig *r, int (*op)(struct sensor *,
    const struct sensor_clock *), const struct sensor_clock *now,
    const char *what)
{
	int rc;

	r->n = 0;
	r->s.error[0] = '\0';
	rc = op(&r->s, now);
	if (rc != 0 && rc != -1)
		broken("%s returned %d", what, rc);
	if (rc == -1 && r->s.error[0] == '\0')
		broken("%s failed without a message", what);
	if (rc == -1 && memchr(r->s.error, '\0', sizeof(r->s.error)) == NULL)
		broken("%s: the message is not terminated", what);
	if (rc == -1 && r->n != 0)
		broken("%s failed after handing out %d samples", what, r->n);
	if (rc == 0 && (!isfinite(r->s.next_read) ||
	    r->s.next_read < now->mono))
		broken("%s: next_read %g is before now %g", what,
		    r->s.next_read, now->mono);
	return rc;
}

/* Was a fault injected during the last call? */
static inline int
rig_faulted(const struct rig *r, int fail_n_before)
{
	return r->sh.m.fail_n != fail_n_before;
}

/*
 * The chip's open, with what every open must do: refuse what it must (a
 * wrong chip ID, an impossible setting, bad calibration: refuse, said by
 * fmt), and fail for no other cause than a bus fault the input made.
 * rig_call's checks too.
 */
static inline int
rig_open(struct rig *r, const struct sensor_clock *now, int refuse,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static inline int
rig_open(struct rig *r, const struct sensor_clock *now, int refuse,
    const char *fmt, ...)
{
	int fail_n = r->sh.m.fail_n, rc;
	char what[128];
	va_list ap;

	rc = rig_call(r, r->s.ops->open, now, "open");
	if (refuse && rc != -1) {
		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		broken("open took %s", what);
	}
	if (!refuse && rc == -1 && !rig_faulted(r, fail_n))
		broken("open failed with no cause: %s", r->s.error);
	return rc;
}

static inline void
rig_close(struct rig *r)
{
	r->s.ops->close(&r->s);
	if (r->s.priv != NULL)
		broken("close left priv set");
}

#endif
