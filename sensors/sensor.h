/*
 * Hardware sensors behind one interface (design.md 5).  Each chip or source
 * is one file exposing a const struct sensor_ops; sensors/registry.c
 * lists them.  A driver never reads a clock: the loop hands it the time,
 * so tests drive it with exact times.  A driver never logs either: it
 * returns -1 with s->error ("what: why") and the loop reports the fault,
 * retries with back-off and keeps the other sensors going.
 */
#ifndef LEGWATCH_SENSOR_H
#define LEGWATCH_SENSOR_H

#include <limits.h>
#include <stddef.h>

#include "core/sample.h"
#include "gpio.h"
#include "recording.h"

struct i2c_bus;

#define SENSOR_ERR_MAX	256

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
	/*
	 * read may sleep in the kernel (1-Wire): the loop runs it on a
	 * thread of its own and takes its samples when it is back, stamped
	 * with that time.
	 */
	int			 blocking;
};

struct sensor {
	const struct sensor_ops		*ops;
	const char			*name;	/* the config's, for messages */
	const void			*settings; /* its type's settings */
	int				 index;	/* the pipeline's source */
	sensor_emit_fn			 emit;
	void				*ctx;

	int				 fd;	/* POLLIN wakes read, or -1 */
	double				 next_read; /* monotonic s, 0: none */
	/*
	 * Set by a driver whose read may come before next_read (a FIFO,
	 * drained whenever asked): the loop then reads it as soon as
	 * detection can decide an event, not at the next drain.  Cleared
	 * before each open.
	 */
	int				 drain_early;
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

/*
 * Each type's settings, as the configuration's sensor entries give them
 * (legwatchd.conf(5)); the registry holds their names, limits and
 * defaults.  Every I2C chip's start with where it is.
 */
struct i2c_settings {
	int	bus;		/* /dev/i2c-<bus> */
	int	address;	/* 7-bit; 0: the chip's usual one */
};

struct accel_settings {			/* mpu6050, adxl345 */
	struct i2c_settings	i2c;
	int			rate_hz;
	int			range_g;	/* full scale */
	char			chip[64];	/* the interrupt's GPIO chip */
	int			gpio_line;	/* its line, -1: none */
};

struct i2c_thermo_settings {		/* sht3x, bme280 */
	struct i2c_settings	i2c;
	double			interval_s;
};

struct ds18b20_settings {
	char	w1_device[32];		/* "28-..." or "auto" */
	double	interval_s;
};

struct gpio_motion_settings {
	char		chip[64];
	int		gpio_line;	/* -1: not given */
	int		active_low;
	enum gpio_bias	bias;
	int		debounce_ms;
};

struct replay_settings {		/* a recording, not a device */
	char	file[PATH_MAX];
	double	speed;			/* 0: as fast as it can */
};

/* Room for any type's settings, kept inline so a config copies whole. */
#define SENSOR_SETTINGS_MAX	(PATH_MAX + 64)

enum sensor_setting_kind {
	SETTING_INT,
	SETTING_DOUBLE,
	SETTING_BOOL,
	SETTING_STRING,
	SETTING_BIAS,		/* "pull-up", ... as an enum gpio_bias */
};

struct sensor_setting {
	const char			*name;
	enum sensor_setting_kind	 kind;
	size_t				 offset, size;
	double				 min, max;
	const int			*choices;	/* INT: only these, 0 ends */
};

struct sensor_type {
	const char			*name;		/* the config's type */
	const struct sensor_ops		*ops;		/* NULL: a recording */
	int				 legs;		/* takes mount, leg_axis */
	const struct sensor_setting	*settings;
	size_t				 nsettings;
	size_t				 settings_size;
	void	(*defaults)(void *settings);
	/*
	 * What the entry as a whole lacks or cannot have: 0, or -1 with
	 * why and *option set to the option it is about.
	 */
	int	(*check)(const void *settings, const char **option, char *why,
		    size_t whysz);
};

/* The registry: every type, by name or in order (i < sensor_ntypes). */
const struct sensor_type *sensor_type_find(const char *name);
const struct sensor_type *sensor_type_at(int i);
int	sensor_ntypes(void);

/* For drivers: formats s->error and returns -1. */
int	sensor_fail(struct sensor *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
