#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <libconfig.h>

#include "config.h"

enum opt_kind {
	OPT_DOUBLE,
	OPT_INT,
	OPT_BOOL,
	OPT_STRING,
	OPT_CLOCK,	/* "HH:MM", stored as minutes after midnight */
	OPT_BIAS,	/* "pull-up", ... as an enum gpio_bias */
};

struct option {
	const char	*name;
	enum opt_kind	 kind;
	size_t		 offset;
	size_t		 size;		/* OPT_STRING: the buffer */
	double		 min, max;
};

#define DBL(n, f, lo, hi)	{ n, OPT_DOUBLE, offsetof(struct config, f), 0, lo, hi }
#define INT(n, f, lo, hi)	{ n, OPT_INT, offsetof(struct config, f), 0, lo, hi }
#define BOOL(n, f)		{ n, OPT_BOOL, offsetof(struct config, f), 0, 0, 1 }
#define STR(n, f)		{ n, OPT_STRING, offsetof(struct config, f), \
				    sizeof(((struct config *)0)->f), 0, 0 }
#define CLOCK(n, f)		{ n, OPT_CLOCK, offsetof(struct config, f), 0, 0, 1439 }
#define BIAS(n, f)		{ n, OPT_BIAS, offsetof(struct config, f), 0, 0, 0 }

static const struct option device_opts[] = {
	STR("id", device_id),
	STR("name", device_name),
};

static const struct option mqtt_opts[] = {
	BOOL("enabled", mqtt.enabled),
	STR("host", mqtt.host),
	INT("port", mqtt.port, 1, 65535),
	STR("client_id", mqtt.client_id),
	INT("keepalive", mqtt.keepalive, 5, 3600),
	STR("username", mqtt.username),
	STR("password_file", mqtt.password_file),
	STR("ca_file", mqtt.ca_file),
	STR("cert_file", mqtt.cert_file),
	STR("key_file", mqtt.key_file),
	STR("tls_version", mqtt.tls_version),
	STR("base_topic", mqtt.base_topic),
	STR("discovery_prefix", mqtt.discovery_prefix),
	BOOL("discovery", mqtt.discovery),
};

static const struct option storage_opts[] = {
	STR("state_dir", state_dir),
};

static const struct option night_opts[] = {
	CLOCK("start", night_start_min),
	CLOCK("end", night_end_min),
};

static const struct option hydration_opts[] = {
	BOOL("enabled", hydration.enabled),
	INT("goal_ml", hydration.goal_ml, 250, 6000),
	INT("glass_ml", hydration.glass_ml, 50, 1000),
	CLOCK("wake", hydration.wake_min),
	CLOCK("bed", hydration.bed_min),
	INT("min_gap_min", hydration.min_gap_min, 5, 600),
	DBL("warm_c", hydration.warm_c, 15, 45),
	DBL("warm_pct_per_c", hydration.warm_pct_per_c, 0, 50),
	BOOL("morning", hydration.morning),
	BOOL("evening", hydration.evening),
	INT("evening_lead_min", hydration.evening_lead_min, 30, 240),
	BOOL("after_cramp", hydration.after_cramp),
	INT("snooze_min", hydration.snooze_min, 5, 480),
	BOOL("need_clock_sync", hydration.need_clock_sync),
};

static const struct option outputs_opts[] = {
	STR("chip", outputs.chip),
	INT("led_line", outputs.led_line, -1, 1023),
	BOOL("led_active_low", outputs.led_active_low),
	INT("buzzer_line", outputs.buzzer_line, -1, 1023),
	BOOL("buzzer_active_low", outputs.buzzer_active_low),
	INT("button_line", outputs.button_line, -1, 1023),
	BOOL("button_active_low", outputs.button_active_low),
	BIAS("button_bias", outputs.button_bias),
	INT("button_debounce_ms", outputs.button_debounce_ms, 0, 1000),
};

static const struct option movement_opts[] = {
	DBL("window_s", leg.move.window_s, 0.05, 1.0),
	DBL("short_s", leg.move.short_s, 0.001, 0.5),
	DBL("smooth_s", leg.move.smooth_s, 0.001, 1.0),
	DBL("onset_k", leg.move.onset_k, 1.0, 100.0),
	DBL("offset_k", leg.move.offset_k, 0.5, 100.0),
	DBL("min_rise_g", leg.move.min_rise_g, 0.0, 2.0),
	DBL("quiet_s", leg.move.quiet_s, 0.1, 5.0),
	DBL("floor_tau_s", leg.move.floor_tau_s, 1.0, 3600.0),
	DBL("gap_s", leg.move.gap_s, 0.05, 60.0),
	DBL("max_s", leg.move.max_s, 30.0, 86400.0),
	DBL("debounce_s", motion.debounce_s, 0.0, 1.0),
};

static const struct option plm_opts[] = {
	DBL("lm_min_s", plm.lm_min_s, 0.1, 5.0),
	DBL("lm_max_s", plm.lm_max_s, 1.0, 60.0),
	DBL("imi_min_s", plm.imi_min_s, 1.0, 60.0),
	DBL("imi_max_s", plm.imi_max_s, 10.0, 600.0),
	INT("series_min", plm.series_min, 2, 20),
	DBL("bilateral_gap_s", plm.bilateral_gap_s, 0.0, 5.0),
	DBL("bilateral_max_s", plm.bilateral_max_s, 1.0, 60.0),
};

static const struct option cramp_opts[] = {
	DBL("hold_s", leg.cramp.hold_s, 2.0, 120.0),
	DBL("hold_tol_deg", leg.cramp.hold_tol_deg, 0.5, 45.0),
	DBL("min_angle_deg", leg.cramp.min_angle_deg, 1.0, 90.0),
	DBL("tremor_k", leg.cramp.tremor_k, 0.0, 50.0),
	DBL("hold_max_g", leg.cramp.hold_max_g, 0.001, 4.0),
	DBL("end_quiet_s", leg.cramp.end_quiet_s, 1.0, 600.0),
};

static const struct option posture_opts[] = {
	DBL("turn_deg", leg.turn_deg, 1.0, 180.0),
	DBL("flex_max_deg", leg.flex_max_deg, 1.0, 180.0),
	DBL("upright_deg", leg.upright_deg, 1.0, 89.0),
};

/* Mattress sensors: what differs from an ankle's settings. */
static const struct option mattress_opts[] = {
	DBL("window_s", mattress.move.window_s, 0.05, 5.0),
	DBL("short_s", mattress.move.short_s, 0.001, 1.0),
	DBL("smooth_s", mattress.move.smooth_s, 0.001, 2.0),
	DBL("onset_k", mattress.move.onset_k, 1.0, 100.0),
	DBL("offset_k", mattress.move.offset_k, 0.5, 100.0),
	DBL("min_rise_g", mattress.move.min_rise_g, 0.0, 2.0),
	DBL("floor_tau_s", mattress.move.floor_tau_s, 1.0, 3600.0),
	DBL("hold_s", mattress.cramp.hold_s, 2.0, 120.0),
	DBL("tremor_k", mattress.cramp.tremor_k, 0.0, 50.0),
	DBL("hold_max_g", mattress.cramp.hold_max_g, 0.001, 4.0),
	DBL("body_peak_g", mattress.body_peak_g, 0.001, 16.0),
};

#define NOPTS(a)	(sizeof(a) / sizeof((a)[0]))

static const struct group {
	const char		*name;
	const struct option	*opts;
	size_t			 nopts;
} groups[] = {
	{ "device", device_opts, NOPTS(device_opts) },
	{ "mqtt", mqtt_opts, NOPTS(mqtt_opts) },
	{ "storage", storage_opts, NOPTS(storage_opts) },
	{ "night", night_opts, NOPTS(night_opts) },
	{ "hydration", hydration_opts, NOPTS(hydration_opts) },
	{ "outputs", outputs_opts, NOPTS(outputs_opts) },
	{ "movement", movement_opts, NOPTS(movement_opts) },
	{ "plm", plm_opts, NOPTS(plm_opts) },
	{ "cramp", cramp_opts, NOPTS(cramp_opts) },
	{ "posture", posture_opts, NOPTS(posture_opts) },
	{ "mattress", mattress_opts, NOPTS(mattress_opts) },
};

/* Options of a sensor entry, and which types take them. */
#define FOR_ALL		0xffffu
#define FOR_REPLAY	(1u << SENSOR_REPLAY)
#define FOR_CHIP	((1u << SENSOR_MPU6050) | (1u << SENSOR_ADXL345))
#define FOR_ACCEL	(FOR_CHIP | FOR_REPLAY)
#define FOR_I2C		(FOR_CHIP | (1u << SENSOR_SHT3X) | (1u << SENSOR_BME280))
#define FOR_THERMO	((1u << SENSOR_DS18B20) | (1u << SENSOR_SHT3X) | \
			    (1u << SENSOR_BME280))
#define FOR_GPIO	(FOR_CHIP | (1u << SENSOR_GPIO_MOTION))
#define FOR_SWITCH	(1u << SENSOR_GPIO_MOTION)

enum sensor_opt_kind {
	SOPT_SPECIAL,		/* parsed by its own code below */
	SOPT_INT,
	SOPT_DOUBLE,
	SOPT_BOOL,
	SOPT_STRING,
};

#define SOPT(n, t, k, f, lo, hi) { n, t, k, offsetof(struct sensor_conf, f), \
				    sizeof(((struct sensor_conf *)0)->f), lo, hi }

static const struct sensor_option {
	const char		*name;
	unsigned		 types;
	enum sensor_opt_kind	 kind;
	size_t			 offset, size;
	double			 min, max;
} sensor_opts[] = {
	{ "name", FOR_ALL, SOPT_SPECIAL, 0, 0, 0, 0 },
	{ "type", FOR_ALL, SOPT_SPECIAL, 0, 0, 0, 0 },
	SOPT("file", FOR_REPLAY, SOPT_STRING, file, 0, 0),
	SOPT("speed", FOR_REPLAY, SOPT_DOUBLE, speed, 0, 10000),
	{ "mount", FOR_ACCEL, SOPT_SPECIAL, 0, 0, 0, 0 },
	{ "leg_axis", FOR_ACCEL, SOPT_SPECIAL, 0, 0, 0, 0 },
	SOPT("bus", FOR_I2C, SOPT_INT, bus, 0, 255),
	SOPT("address", FOR_I2C, SOPT_INT, address, 0x03, 0x77),
	SOPT("rate_hz", FOR_CHIP, SOPT_INT, rate_hz, 10, 400),
	{ "range_g", FOR_CHIP, SOPT_SPECIAL, 0, 0, 0, 0 },
	SOPT("interval_s", FOR_THERMO, SOPT_DOUBLE, interval_s, 1, 3600),
	SOPT("chip", FOR_GPIO, SOPT_STRING, chip, 0, 0),
	SOPT("line", FOR_SWITCH, SOPT_INT, gpio_line, 0, 1023),
	SOPT("int_line", FOR_CHIP, SOPT_INT, gpio_line, -1, 1023),
	SOPT("active_low", FOR_SWITCH, SOPT_BOOL, active_low, 0, 1),
	{ "bias", FOR_SWITCH, SOPT_SPECIAL, 0, 0, 0, 0 },
	SOPT("debounce_ms", FOR_SWITCH, SOPT_INT, debounce_ms, 0, 1000),
	SOPT("device", 1u << SENSOR_DS18B20, SOPT_STRING, w1_device, 0, 0),
};

static const char *const bias_names[] = {
	[GPIO_BIAS_AS_IS] = "as-is",
	[GPIO_BIAS_DISABLE] = "disable",
	[GPIO_BIAS_PULL_UP] = "pull-up",
	[GPIO_BIAS_PULL_DOWN] = "pull-down",
};

static const char *const type_names[SENSOR_TYPE_COUNT] = {
	[SENSOR_MPU6050] = "mpu6050",
	[SENSOR_ADXL345] = "adxl345",
	[SENSOR_GPIO_MOTION] = "gpio_motion",
	[SENSOR_DS18B20] = "ds18b20",
	[SENSOR_SHT3X] = "sht3x",
	[SENSOR_BME280] = "bme280",
	[SENSOR_REPLAY] = "replay",
};

const char *
sensor_type_name(enum sensor_type type)
{
	return type_names[type];
}

int
sensor_type_from_name(const char *name, enum sensor_type *type)
{
	int i;

	for (i = 0; i < SENSOR_TYPE_COUNT; i++)
		if (strcmp(name, type_names[i]) == 0) {
			*type = (enum sensor_type)i;
			return 0;
		}
	return -1;
}

int
config_parse_axis(const char *s, double axis[3])
{
	int sign = 1;

	if (*s == '-' || *s == '+')
		sign = (*s++ == '-') ? -1 : 1;
	if (s[0] < 'x' || s[0] > 'z' || s[1] != '\0')
		return -1;
	axis[0] = axis[1] = axis[2] = 0;
	axis[s[0] - 'x'] = sign;
	return 0;
}

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->device_id, sizeof(c->device_id), "bedroom");
	snprintf(c->device_name, sizeof(c->device_name),
	    "Bedside leg monitor");
	c->mqtt.enabled = 1;
	snprintf(c->mqtt.host, sizeof(c->mqtt.host), "127.0.0.1");
	c->mqtt.port = 1883;
	c->mqtt.keepalive = 60;
	snprintf(c->mqtt.base_topic, sizeof(c->mqtt.base_topic), "legwatch");
	snprintf(c->mqtt.discovery_prefix, sizeof(c->mqtt.discovery_prefix),
	    "homeassistant");
	c->mqtt.discovery = 1;
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/legwatch");
	c->night_start_min = 22 * 60 + 30;
	c->night_end_min = 7 * 60;
	c->hydration.enabled = 1;
	c->hydration.goal_ml = 2000;
	c->hydration.glass_ml = 250;
	c->hydration.wake_min = 7 * 60;
	c->hydration.bed_min = 22 * 60 + 30;
	c->hydration.min_gap_min = 45;
	c->hydration.warm_c = 26.0;
	c->hydration.warm_pct_per_c = 10.0;
	c->hydration.morning = 1;
	c->hydration.evening = 1;
	c->hydration.evening_lead_min = 90;
	c->hydration.after_cramp = 1;
	c->hydration.snooze_min = 60;
	c->hydration.need_clock_sync = 1;
	c->hydration.night_start_min = c->night_start_min;
	c->hydration.night_end_min = c->night_end_min;
	leg_params_default(&c->leg);
	leg_params_mattress(&c->mattress);
	plm_params_default(&c->plm);
	c->motion.debounce_s = 0.05;
	snprintf(c->outputs.chip, sizeof(c->outputs.chip), "auto");
	c->outputs.led_line = c->outputs.buzzer_line = -1;
	c->outputs.button_line = -1;
	c->outputs.button_active_low = 1;	/* a button to ground */
	c->outputs.button_bias = GPIO_BIAS_PULL_UP;
	c->outputs.button_debounce_ms = 30;
}

struct ctx {
	const char	*path;
	char		*err;
	size_t		 errsz;
};

static int fail(struct ctx *cx, const config_setting_t *s, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static int
fail(struct ctx *cx, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = s ? config_setting_source_file(s) : NULL;
	char msg[CONFIG_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s != NULL && config_setting_source_line(s) > 0)
		snprintf(cx->err, cx->errsz, "%s:%u: %s",
		    file ? file : cx->path, config_setting_source_line(s),
		    msg);
	else
		snprintf(cx->err, cx->errsz, "%s: %s", cx->path, msg);
	return -1;
}

static int
is_number(const config_setting_t *s)
{
	int t = config_setting_type(s);

	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 ||
	    t == CONFIG_TYPE_FLOAT;
}

static double
number(const config_setting_t *s)
{
	if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
		return config_setting_get_float(s);
	return (double)config_setting_get_int64(s);
}

static int
parse_clock(const char *str, int *minutes)
{
	int h, m;
	char tail;

	if (strlen(str) != 5 || !isdigit((unsigned char)str[0]) ||
	    !isdigit((unsigned char)str[1]) || str[2] != ':' ||
	    !isdigit((unsigned char)str[3]) || !isdigit((unsigned char)str[4]) ||
	    sscanf(str, "%2d:%2d%c", &h, &m, &tail) != 2 || h > 23 || m > 59)
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

/* "group.name", or what alone when name is NULL. */
static int
parse_bias(struct ctx *cx, const config_setting_t *s, const char *str,
    const char *what, const char *name, enum gpio_bias *out)
{
	size_t i;

	for (i = 0; i < NOPTS(bias_names); i++)
		if (strcmp(str, bias_names[i]) == 0) {
			*out = (enum gpio_bias)i;
			return 0;
		}
	return fail(cx, s, "%s%s%s: \"%s\" is not \"as-is\", \"disable\", "
	    "\"pull-up\" or \"pull-down\"", what, name ? "." : "",
	    name ? name : "", str);
}

static int
set_option(struct ctx *cx, struct config *c, const char *group,
    const struct option *o, const config_setting_t *s)
{
	char *field = (char *)c + o->offset;
	const char *str;
	double v;

	switch (o->kind) {
	case OPT_DOUBLE:
	case OPT_INT:
		if (!is_number(s))
			return fail(cx, s, "%s.%s: expected a number", group,
			    o->name);
		v = number(s);
		if (o->kind == OPT_INT &&
		    config_setting_type(s) == CONFIG_TYPE_FLOAT)
			return fail(cx, s, "%s.%s: expected a whole number",
			    group, o->name);
		if (!(v >= o->min && v <= o->max))
			return fail(cx, s, "%s.%s: %g is outside %g..%g", group,
			    o->name, v, o->min, o->max);
		if (o->kind == OPT_INT)
			*(int *)(void *)field = (int)v;
		else
			*(double *)(void *)field = v;
		return 0;
	case OPT_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return fail(cx, s, "%s.%s: expected true or false",
			    group, o->name);
		*(int *)(void *)field = config_setting_get_bool(s);
		return 0;
	case OPT_BIAS:
	case OPT_STRING:
	case OPT_CLOCK:
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return fail(cx, s, "%s.%s: expected a \"string\"",
			    group, o->name);
		str = config_setting_get_string(s);
		if (o->kind == OPT_CLOCK) {
			if (parse_clock(str, (int *)(void *)field) == -1)
				return fail(cx, s, "%s.%s: \"%s\" is not a "
				    "time of day \"HH:MM\"", group, o->name,
				    str);
			return 0;
		}
		if (o->kind == OPT_BIAS)
			return parse_bias(cx, s, str, group, o->name,
			    (enum gpio_bias *)(void *)field);
		if (strlen(str) >= o->size)
			return fail(cx, s, "%s.%s: longer than %zu characters",
			    group, o->name, o->size - 1);
		memcpy(field, str, strlen(str) + 1);
		return 0;
	}
	return -1;
}

static int
parse_group(struct ctx *cx, struct config *c, const struct group *g,
    const config_setting_t *gs)
{
	int i, n = config_setting_length(gs);
	size_t j;

	if (config_setting_type(gs) != CONFIG_TYPE_GROUP)
		return fail(cx, gs, "%s: expected a group { ... }", g->name);
	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(gs,
		    (unsigned)i);
		const char *name = config_setting_name(s);

		for (j = 0; j < g->nopts; j++)
			if (strcmp(name, g->opts[j].name) == 0)
				break;
		if (j == g->nopts)
			return fail(cx, s, "%s.%s: unknown option", g->name,
			    name);
		if (set_option(cx, c, g->name, &g->opts[j], s) == -1)
			return -1;
	}
	return 0;
}

static int
valid_name(const char *s, int lower_only)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (!(isdigit(ch) || ch == '_' || ch == '-' ||
		    (lower_only ? islower(ch) : isalpha(ch))))
			return 0;
	}
	return 1;
}

static int
get_string(struct ctx *cx, const config_setting_t *s, const char *what,
    char *dst, size_t dstsz)
{
	const char *str;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(cx, s, "%s: expected a \"string\"", what);
	str = config_setting_get_string(s);
	if (strlen(str) >= dstsz)
		return fail(cx, s, "%s: longer than %zu characters", what,
		    dstsz - 1);
	memcpy(dst, str, strlen(str) + 1);
	return 0;
}

static int
set_sensor_option(struct ctx *cx, struct sensor_conf *sc,
    const struct sensor_option *o, const config_setting_t *s,
    const char *what)
{
	char *field = (char *)sc + o->offset, str[CONFIG_STR_MAX];
	const char *name = o->name;
	double v;

	switch (o->kind) {
	case SOPT_INT:
	case SOPT_DOUBLE:
		if (!is_number(s) || (o->kind == SOPT_INT &&
		    config_setting_type(s) == CONFIG_TYPE_FLOAT))
			return fail(cx, s, "%s: expected a %s", what,
			    o->kind == SOPT_INT ? "whole number" : "number");
		v = number(s);
		if (!(v >= o->min && v <= o->max))
			return fail(cx, s, "%s: %g is outside %g..%g", what, v,
			    o->min, o->max);
		if (o->kind == SOPT_INT)
			*(int *)(void *)field = (int)v;
		else
			*(double *)(void *)field = v;
		return 0;
	case SOPT_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return fail(cx, s, "%s: expected true or false", what);
		*(int *)(void *)field = config_setting_get_bool(s);
		return 0;
	case SOPT_STRING:
		return get_string(cx, s, what, field, o->size);
	case SOPT_SPECIAL:
		break;
	}
	if (strcmp(name, "mount") == 0) {
		if (get_string(cx, s, what, str, sizeof(str)) == -1)
			return -1;
		if (strcmp(str, "ankle") == 0)
			sc->mount = MOUNT_ANKLE;
		else if (strcmp(str, "mattress") == 0)
			sc->mount = MOUNT_MATTRESS;
		else
			return fail(cx, s, "%s: \"%s\" is not ankle or "
			    "mattress", what, str);
	} else if (strcmp(name, "leg_axis") == 0) {
		if (get_string(cx, s, what, sc->leg_axis,
		    sizeof(sc->leg_axis)) == -1 ||
		    config_parse_axis(sc->leg_axis, sc->axis) == -1)
			return fail(cx, s, "%s: expected \"x\", \"y\", "
			    "\"z\", \"-x\", \"-y\" or \"-z\"", what);
	} else if (strcmp(name, "range_g") == 0) {
		if (config_setting_type(s) != CONFIG_TYPE_INT ||
		    ((v = number(s)) != 2 && v != 4 && v != 8 && v != 16))
			return fail(cx, s, "%s: expected 2, 4, 8 or 16", what);
		sc->range_g = (int)v;
	} else if (strcmp(name, "bias") == 0) {
		if (get_string(cx, s, what, str, sizeof(str)) == -1)
			return -1;
		return parse_bias(cx, s, str, what, NULL, &sc->bias);
	}
	return 0;
}

static int
parse_sensor(struct ctx *cx, struct config *c, const config_setting_t *es,
    int idx)
{
	struct sensor_conf *sc = &c->sensors[idx];
	const config_setting_t *s;
	char what[64], str[CONFIG_STR_MAX];
	int i, n;
	size_t j;

	memset(sc, 0, sizeof(*sc));
	sc->line = config_setting_source_line(es);
	sc->mount = MOUNT_ANKLE;
	snprintf(sc->leg_axis, sizeof(sc->leg_axis), "x");
	sc->axis[0] = 1;
	sc->bus = 1;
	sc->rate_hz = 50;
	sc->range_g = 2;
	sc->interval_s = 60;
	snprintf(sc->chip, sizeof(sc->chip), "auto");
	sc->gpio_line = -1;
	sc->debounce_ms = 50;
	snprintf(sc->w1_device, sizeof(sc->w1_device), "auto");
	if (config_setting_type(es) != CONFIG_TYPE_GROUP)
		return fail(cx, es, "sensors[%d]: expected a group { ... }",
		    idx);
	if ((s = config_setting_get_member(es, "name")) == NULL)
		return fail(cx, es, "sensors[%d]: missing name", idx);
	if (get_string(cx, s, "sensors[].name", sc->name,
	    sizeof(sc->name)) == -1)
		return -1;
	if (!valid_name(sc->name, 0))
		return fail(cx, s, "sensors[%d].name: \"%s\": use letters, "
		    "digits, _ and -", idx, sc->name);
	for (i = 0; i < idx; i++)
		if (strcmp(c->sensors[i].name, sc->name) == 0)
			return fail(cx, s, "sensors.%s: a second sensor of "
			    "that name (the first is on line %d)", sc->name,
			    c->sensors[i].line);
	snprintf(what, sizeof(what), "sensors.%s.type", sc->name);
	if ((s = config_setting_get_member(es, "type")) == NULL)
		return fail(cx, es, "sensors.%s: missing type", sc->name);
	if (get_string(cx, s, what, str, sizeof(str)) == -1)
		return -1;
	if (sensor_type_from_name(str, &sc->type) == -1)
		return fail(cx, s, "%s: unknown type \"%s\" (mpu6050, adxl345, "
		    "gpio_motion, ds18b20, sht3x, bme280, replay)", what, str);

	n = config_setting_length(es);
	for (i = 0; i < n; i++) {
		const char *name;

		s = config_setting_get_elem(es, (unsigned)i);
		name = config_setting_name(s);
		snprintf(what, sizeof(what), "sensors.%s.%s", sc->name, name);
		for (j = 0; j < NOPTS(sensor_opts); j++)
			if (strcmp(name, sensor_opts[j].name) == 0)
				break;
		if (j == NOPTS(sensor_opts))
			return fail(cx, s, "%s: unknown option", what);
		if ((sensor_opts[j].types & (1u << sc->type)) == 0)
			return fail(cx, s, "%s: not an option of a %s sensor",
			    what, type_names[sc->type]);
		if (set_sensor_option(cx, sc, &sensor_opts[j], s, what) == -1)
			return -1;
	}
	if (sc->type == SENSOR_REPLAY && sc->file[0] == '\0')
		return fail(cx, es, "sensors.%s.file: a replay sensor needs "
		    "the recording to play", sc->name);
	if (sc->type == SENSOR_GPIO_MOTION && sc->gpio_line < 0)
		return fail(cx, es, "sensors.%s.line: a gpio_motion sensor "
		    "needs the GPIO line it is wired to (its offset on the "
		    "chip: GPIO17 is line 17 on a Raspberry Pi)", sc->name);
	return 0;
}

static int
parse_sensors(struct ctx *cx, struct config *c, const config_setting_t *ls)
{
	int i, n;

	if (config_setting_type(ls) != CONFIG_TYPE_LIST)
		return fail(cx, ls, "sensors: expected a list ( { ... }, ... )");
	n = config_setting_length(ls);
	if (n > CONFIG_MAX_SENSORS)
		return fail(cx, ls, "sensors: %d sensors, at most %d", n,
		    CONFIG_MAX_SENSORS);
	for (i = 0; i < n; i++)
		if (parse_sensor(cx, c, config_setting_get_elem(ls,
		    (unsigned)i), i) == -1)
			return -1;
	c->nsensors = n;
	return 0;
}

static int
valid_topic(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[0] != '/' && s[n - 1] != '/' &&
	    strpbrk(s, "+#") == NULL;
}

/* What single options cannot say about themselves. */
static int
check_whole(struct ctx *cx, struct config *c, config_t *cf)
{
	const config_setting_t *root = config_root_setting(cf);
	const config_setting_t *s;

#define AT(path)	((s = config_lookup(cf, path)) ? s : root)
	/* A pair of options: point at whichever the file has. */
#define AT2(a, b)	((s = config_lookup(cf, a)) ? s : AT(b))
	if (!valid_name(c->device_id, 1))
		return fail(cx, AT("device.id"), "device.id: \"%s\": use lower "
		    "case letters, digits, _ and - (it names MQTT topics)",
		    c->device_id);
	if (!valid_topic(c->mqtt.base_topic))
		return fail(cx, AT("mqtt.base_topic"), "mqtt.base_topic: \"%s\" "
		    "is not a topic prefix (no + or #, no / at either end)",
		    c->mqtt.base_topic);
	if (!valid_topic(c->mqtt.discovery_prefix))
		return fail(cx, AT("mqtt.discovery_prefix"),
		    "mqtt.discovery_prefix: \"%s\" is not a topic prefix",
		    c->mqtt.discovery_prefix);
	if (c->mqtt.host[0] == '\0')
		return fail(cx, AT("mqtt.host"), "mqtt.host: empty");
	if (c->mqtt.tls_version[0] != '\0' &&
	    strcmp(c->mqtt.tls_version, "tlsv1.2") != 0 &&
	    strcmp(c->mqtt.tls_version, "tlsv1.3") != 0)
		return fail(cx, AT("mqtt.tls_version"), "mqtt.tls_version: "
		    "\"%s\" is not tlsv1.2 or tlsv1.3", c->mqtt.tls_version);
	if ((c->mqtt.cert_file[0] == '\0') != (c->mqtt.key_file[0] == '\0'))
		return fail(cx, AT(c->mqtt.cert_file[0] ? "mqtt.cert_file" :
		    "mqtt.key_file"), "mqtt: cert_file and key_file go "
		    "together");
	if (c->state_dir[0] != '/')
		return fail(cx, AT("storage.state_dir"), "storage.state_dir: "
		    "\"%s\" is not an absolute path", c->state_dir);
	if (c->night_start_min == c->night_end_min)
		return fail(cx, AT("night.end"), "night: start and end are the "
		    "same time");
	if (c->hydration.glass_ml > c->hydration.goal_ml)
		return fail(cx, AT("hydration.glass_ml"), "hydration.glass_ml: "
		    "larger than goal_ml");
	if (c->hydration.wake_min == c->hydration.bed_min)
		return fail(cx, AT("hydration.bed"), "hydration: wake and bed "
		    "are the same time");
	if ((c->hydration.bed_min - c->hydration.wake_min + 1440) % 1440 <
	    c->hydration.evening_lead_min + 60)
		return fail(cx, AT2("hydration.evening_lead_min",
		    "hydration.bed"), "hydration: from wake to bed must be at "
		    "least an hour more than evening_lead_min (%d min)",
		    c->hydration.evening_lead_min);
	if (c->outputs.button_line >= 0 &&
	    (c->outputs.button_line == c->outputs.led_line ||
	    c->outputs.button_line == c->outputs.buzzer_line))
		return fail(cx, AT("outputs.button_line"), "outputs.button_line: "
		    "line %d is the LED's or the buzzer's already",
		    c->outputs.button_line);
	if (c->outputs.led_line >= 0 &&
	    c->outputs.led_line == c->outputs.buzzer_line)
		return fail(cx, AT("outputs.buzzer_line"), "outputs.buzzer_line: "
		    "line %d is the LED's already", c->outputs.buzzer_line);
	if (c->leg.move.offset_k >= c->leg.move.onset_k)
		return fail(cx, AT2("movement.offset_k", "movement.onset_k"), "movement.offset_k: "
		    "must be below onset_k (the hysteresis)");
	if (c->mattress.move.offset_k >= c->mattress.move.onset_k)
		return fail(cx, AT2("mattress.offset_k", "mattress.onset_k"), "mattress.offset_k: "
		    "must be below onset_k (the hysteresis)");
	if (c->leg.move.short_s >= c->leg.move.window_s)
		return fail(cx, AT2("movement.short_s", "movement.window_s"), "movement.short_s: "
		    "must be below window_s");
	if (c->mattress.move.short_s >= c->mattress.move.window_s)
		return fail(cx, AT2("mattress.short_s", "mattress.window_s"), "mattress.short_s: "
		    "must be below window_s");
	if (c->plm.lm_min_s >= c->plm.lm_max_s)
		return fail(cx, AT2("plm.lm_min_s", "plm.lm_max_s"), "plm.lm_min_s: must be "
		    "below lm_max_s");
	if (c->plm.imi_min_s >= c->plm.imi_max_s)
		return fail(cx, AT2("plm.imi_min_s", "plm.imi_max_s"), "plm.imi_min_s: must be "
		    "below imi_max_s");
	if (c->plm.bilateral_max_s < c->plm.lm_max_s)
		return fail(cx, AT("plm.bilateral_max_s"), "plm.bilateral_max_s: "
		    "must be at least lm_max_s");
#undef AT2
#undef AT
	return 0;
}

/* What the movement and cramp groups say holds for mattress sensors too. */
static void
share_settings(struct config *c)
{
	struct leg_params *m = &c->mattress;
	const struct leg_params *a = &c->leg;

	m->move.quiet_s = a->move.quiet_s;
	m->move.gap_s = a->move.gap_s;
	m->move.max_s = a->move.max_s;
	m->cramp.end_quiet_s = a->cramp.end_quiet_s;
}

int
config_load(struct config *c, const char *path, char *err,
    unsigned long errsz)
{
	struct ctx cx = { path, err, errsz };
	const config_setting_t *root, *s;
	config_t cf;
	size_t j;
	int i, n, r = -1;

	config_defaults(c);
	if (strlen(path) >= sizeof(c->path)) {
		snprintf(err, errsz, "%s: path too long", path);
		return -1;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	config_init(&cf);
	if (config_read_file(&cf, path) != CONFIG_TRUE) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			snprintf(err, errsz, "%s: cannot read the file", path);
		else
			snprintf(err, errsz, "%s:%d: %s",
			    config_error_file(&cf) ? config_error_file(&cf) :
			    path, config_error_line(&cf),
			    config_error_text(&cf));
		goto done;
	}
	root = config_root_setting(&cf);
	n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		const char *name;

		s = config_setting_get_elem(root, (unsigned)i);
		name = config_setting_name(s);
		if (strcmp(name, "sensors") == 0) {
			if (parse_sensors(&cx, c, s) == -1)
				goto done;
			continue;
		}
		for (j = 0; j < NOPTS(groups); j++)
			if (strcmp(name, groups[j].name) == 0)
				break;
		if (j == NOPTS(groups)) {
			fail(&cx, s, "%s: unknown setting (device, sensors, "
			    "mqtt, storage, night, hydration, outputs, movement, plm, "
			    "cramp, posture, mattress)", name);
			goto done;
		}
		if (parse_group(&cx, c, &groups[j], s) == -1)
			goto done;
	}
	share_settings(c);
	c->hydration.night_start_min = c->night_start_min;
	c->hydration.night_end_min = c->night_end_min;
	r = check_whole(&cx, c, &cf);
done:
	config_destroy(&cf);
	return r;
}

void
config_leg_params(const struct config *c, const struct sensor_conf *sc,
    struct leg_params *out)
{
	*out = sc != NULL && sc->mount == MOUNT_MATTRESS ? c->mattress : c->leg;
	out->lm_min_s = c->plm.lm_min_s;
	out->lm_max_s = c->plm.lm_max_s;
	if (sc != NULL)
		memcpy(out->leg_axis, sc->axis, sizeof(out->leg_axis));
}

void
config_list_options(void (*fn)(const char *name, void *ctx), void *ctx)
{
	char name[64];
	size_t i, j;

	for (i = 0; i < NOPTS(groups); i++)
		for (j = 0; j < groups[i].nopts; j++) {
			snprintf(name, sizeof(name), "%s.%s", groups[i].name,
			    groups[i].opts[j].name);
			fn(name, ctx);
		}
	for (j = 0; j < NOPTS(sensor_opts); j++) {
		snprintf(name, sizeof(name), "sensors.%s", sensor_opts[j].name);
		fn(name, ctx);
	}
}

void
config_motion_params(const struct config *c, struct motion_params *out)
{
	*out = c->motion;
	out->lm_min_s = c->plm.lm_min_s;
	out->lm_max_s = c->plm.lm_max_s;
	out->quiet_s = c->leg.move.quiet_s;
}
