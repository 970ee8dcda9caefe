/*
 * Hardware sensors behind one interface (DESIGN 5).  Each chip or source
 * is one file exposing a const struct sensor_ops; sensors/registry.c
 * lists them.  A driver never reads a clock: the loop hands it the time,
 * so tests drive it with exact times.  A driver never logs either: it
 * returns -1 with s->error ("what: why") and the loop reports the fault,
 * retries with back-off and keeps the other sensors going.
 */
#ifndef LEGWATCH_SENSOR_H
#define LEGWATCH_SENSOR_H

#include <stddef.h>

#include "recording.h"

struct sensor_conf;
struct i2c_bus;

#define SENSOR_ERR_MAX	256

/* The loop's notion of now, both clocks read together. */
struct sensor_clock {
	double	unix;		/* CLOCK_REALTIME, the samples' time base */
	double	mono;		/* CLOCK_MONOTONIC, what kernel edge stamps use */
};

struct sensor;

typedef void (*sensor_emit_fn)(void *ctx, int index, const struct sample *s);

struct sensor_ops {
	const char		*type;		/* the config's type name */
	enum recording_kind	 kind;		/* what its samples are */
	/*
	 * Opens the device, checks the chip's ID and configures it; sets
	 * s->fd when it has something to poll and s->next_read.  0, or -1
	 * with s->error; close is called either way.
	 */
	int	(*open)(struct sensor *s, const struct sensor_clock *now);
	/*
	 * Takes what the device has (s->fd readable, or s->next_read
	 * passed) and hands each sample to s->emit in time order; sets the
	 * next s->next_read.  0, or -1 with s->error: the device failed.
	 */
	int	(*read)(struct sensor *s, const struct sensor_clock *now);
	void	(*close)(struct sensor *s);
};

struct sensor {
	const struct sensor_ops		*ops;
	const struct sensor_conf	*conf;
	int				 index;	/* the pipeline's source */
	sensor_emit_fn			 emit;
	void				*ctx;

	int				 fd;	/* POLLIN wakes read, or -1 */
	double				 next_read; /* monotonic s, 0: none */
	void				*priv;	/* the driver's own state */
	char				 error[SENSOR_ERR_MAX];
	/* FIFO overflows: samples lost, the driver's time base restarted. */
	unsigned long			 overflows;

	/*
	 * Seams for tests: an I2C bus to use instead of /dev/i2c-<bus>
	 * (an in-process register model), and a directory for sysfs paths.
	 */
	struct i2c_bus			*i2c;
	const char			*sysfs_root;	/* NULL: "/" */
};

/* The registry: the driver for a config type name, or NULL. */
const struct sensor_ops	*sensor_lookup(const char *type);

/* For drivers: formats s->error and returns -1. */
int	sensor_fail(struct sensor *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
