/*
 * The one list of sensor types: each with its driver, the settings its
 * configuration entry takes (names, kinds, limits) and their defaults.
 * The configuration parser and the manual-page test read it from here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sensor.h"

extern const struct sensor_ops mpu6050_ops, adxl345_ops, gpio_motion_ops,
    ds18b20_ops, sht3x_ops, bme280_ops;

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define SET(st, n, k, f, lo, hi) { n, k, offsetof(struct st, f), \
				    sizeof(((struct st *)0)->f), lo, hi, NULL }

static const int ranges_g[] = { 2, 4, 8, 16, 0 };

static const struct sensor_setting accel_settings[] = {
	SET(accel_settings, "bus", SETTING_INT, i2c.bus, 0, 255),
	SET(accel_settings, "address", SETTING_INT, i2c.address, 0x03, 0x77),
	SET(accel_settings, "rate_hz", SETTING_INT, rate_hz, 10, 400),
	{ "range_g", SETTING_INT, offsetof(struct accel_settings, range_g),
	    sizeof(int), 2, 16, ranges_g },
	SET(accel_settings, "chip", SETTING_STRING, chip, 0, 0),
	SET(accel_settings, "int_line", SETTING_INT, gpio_line, -1, 1023),
};

static const struct sensor_setting i2c_thermo_settings[] = {
	SET(i2c_thermo_settings, "bus", SETTING_INT, i2c.bus, 0, 255),
	SET(i2c_thermo_settings, "address", SETTING_INT, i2c.address, 0x03,
	    0x77),
	SET(i2c_thermo_settings, "interval_s", SETTING_DOUBLE, interval_s, 1,
	    3600),
};

static const struct sensor_setting ds18b20_settings[] = {
	SET(ds18b20_settings, "interval_s", SETTING_DOUBLE, interval_s, 1,
	    3600),
	SET(ds18b20_settings, "device", SETTING_STRING, w1_device, 0, 0),
};

static const struct sensor_setting gpio_motion_settings[] = {
	SET(gpio_motion_settings, "chip", SETTING_STRING, chip, 0, 0),
	SET(gpio_motion_settings, "line", SETTING_INT, gpio_line, 0, 1023),
	SET(gpio_motion_settings, "active_low", SETTING_BOOL, active_low, 0,
	    1),
	SET(gpio_motion_settings, "bias", SETTING_BIAS, bias, 0, 0),
	SET(gpio_motion_settings, "debounce_ms", SETTING_INT, debounce_ms, 0,
	    1000),
};

static const struct sensor_setting replay_settings[] = {
	SET(replay_settings, "file", SETTING_STRING, file, 0, 0),
	SET(replay_settings, "speed", SETTING_DOUBLE, speed, 0, 10000),
};

static void
accel_defaults(void *p)
{
	struct accel_settings *a = p;

	a->i2c.bus = 1;
	a->rate_hz = 50;
	a->range_g = 2;
	snprintf(a->chip, sizeof(a->chip), "auto");
	a->gpio_line = -1;
}

static void
i2c_thermo_defaults(void *p)
{
	struct i2c_thermo_settings *t = p;

	t->i2c.bus = 1;
	t->interval_s = 60;
}

static void
ds18b20_defaults(void *p)
{
	struct ds18b20_settings *w = p;

	snprintf(w->w1_device, sizeof(w->w1_device), "auto");
	w->interval_s = 60;
}

static void
gpio_motion_defaults(void *p)
{
	struct gpio_motion_settings *g = p;

	snprintf(g->chip, sizeof(g->chip), "auto");
	g->gpio_line = -1;
	g->debounce_ms = 50;
}

static void
replay_defaults(void *p)
{
	(void)p;	/* all zero: no file yet, as fast as it can */
}

static int
gpio_motion_check(const void *p, const char **option, char *why,
    size_t whysz)
{
	const struct gpio_motion_settings *g = p;

	*option = "line";
	if (g->gpio_line >= 0)
		return 0;
	snprintf(why, whysz, "a gpio_motion sensor needs the GPIO line it "
	    "is wired to (its offset on the chip: GPIO17 is line 17 on a "
	    "Raspberry Pi)");
	return -1;
}

/*
 * The ADXL345's datasheet: 800 Hz needs a 400 kHz bus and lower rates
 * scale with it; the Pi's I2C runs at 100 kHz.
 */
#define ADXL345_RATE_MAX	200	/* Hz, on a 100 kHz bus */

static int
adxl345_check(const void *p, const char **option, char *why, size_t whysz)
{
	const struct accel_settings *a = p;

	*option = "rate_hz";
	if (a->rate_hz <= ADXL345_RATE_MAX)
		return 0;
	snprintf(why, whysz, "%d Hz is more than an ADXL345 can send over a "
	    "100 kHz I2C bus (the Raspberry Pi's): at most %d", a->rate_hz,
	    ADXL345_RATE_MAX);
	return -1;
}

static int
replay_check(const void *p, const char **option, char *why, size_t whysz)
{
	const struct replay_settings *r = p;

	*option = "file";
	if (r->file[0] != '\0')
		return 0;
	snprintf(why, whysz, "a replay sensor needs the recording to play");
	return -1;
}

#define TYPE(n, ops, legs, st, set, def, check) \
	{ n, ops, legs, set, NITEMS(set), sizeof(struct st), def, check }

static const struct sensor_type types[] = {
	TYPE("mpu6050", &mpu6050_ops, 1, accel_settings, accel_settings,
	    accel_defaults, NULL),
	TYPE("adxl345", &adxl345_ops, 1, accel_settings, accel_settings,
	    accel_defaults, adxl345_check),
	TYPE("gpio_motion", &gpio_motion_ops, 0, gpio_motion_settings,
	    gpio_motion_settings, gpio_motion_defaults, gpio_motion_check),
	TYPE("ds18b20", &ds18b20_ops, 0, ds18b20_settings, ds18b20_settings,
	    ds18b20_defaults, NULL),
	TYPE("sht3x", &sht3x_ops, 0, i2c_thermo_settings,
	    i2c_thermo_settings, i2c_thermo_defaults, NULL),
	TYPE("bme280", &bme280_ops, 0, i2c_thermo_settings,
	    i2c_thermo_settings, i2c_thermo_defaults, NULL),
	TYPE("replay", NULL, 1, replay_settings, replay_settings,
	    replay_defaults, replay_check),
};

_Static_assert(sizeof(struct replay_settings) <= SENSOR_SETTINGS_MAX &&
    sizeof(struct accel_settings) <= SENSOR_SETTINGS_MAX &&
    sizeof(struct i2c_thermo_settings) <= SENSOR_SETTINGS_MAX &&
    sizeof(struct ds18b20_settings) <= SENSOR_SETTINGS_MAX &&
    sizeof(struct gpio_motion_settings) <= SENSOR_SETTINGS_MAX,
    "SENSOR_SETTINGS_MAX holds every type's settings");

const struct sensor_type *
sensor_type_find(const char *name)
{
	size_t i;

	for (i = 0; i < NITEMS(types); i++)
		if (strcmp(types[i].name, name) == 0)
			return &types[i];
	return NULL;
}

const struct sensor_type *
sensor_type_at(int i)
{
	return i >= 0 && (size_t)i < NITEMS(types) ? &types[i] : NULL;
}

int
sensor_ntypes(void)
{
	return (int)NITEMS(types);
}

int
sensor_fail(struct sensor *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return -1;
}
