#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	STR("ha_status_topic", mqtt.ha_status_topic),
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

/* The options every sensor entry has, besides its type's settings. */
static const char *const common_sensor_opts[] = {
	"name", "type", "mount", "leg_axis",
};

static const char *const bias_names[] = {
	[GPIO_BIAS_AS_IS] = "as-is",
	[GPIO_BIAS_DISABLE] = "disable",
	[GPIO_BIAS_PULL_UP] = "pull-up",
	[GPIO_BIAS_PULL_DOWN] = "pull-down",
};

void *
config_sensor_init(struct sensor_conf *sc, const char *name,
    const char *type)
{
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->name, sizeof(sc->name), "%s", name);
	sc->mount = MOUNT_ANKLE;
	snprintf(sc->leg_axis, sizeof(sc->leg_axis), "x");
	sc->axis[0] = 1;
	if ((sc->type = sensor_type_find(type)) == NULL)
		return NULL;
	sc->type->defaults(sc->settings.bytes);
	return sc->settings.bytes;
}

const struct replay_settings *
config_replay(const struct sensor_conf *sc)
{
	return sc->type->ops == NULL ?
	    (const struct replay_settings *)(const void *)sc->settings.bytes :
	    NULL;
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
	/* Home Assistant's own, whatever prefix its discovery uses. */
	snprintf(c->mqtt.ha_status_topic, sizeof(c->mqtt.ha_status_topic),
	    "homeassistant/status");
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

int
config_parse_clock(const char *str, int *minutes)
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
			if (config_parse_clock(str, (int *)(void *)field) == -1)
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

static const struct sensor_setting *
find_setting(const struct sensor_type *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nsettings; i++)
		if (strcmp(name, t->settings[i].name) == 0)
			return &t->settings[i];
	return NULL;
}

/* The option is some type's, or one every entry has. */
static int
known_sensor_option(const char *name)
{
	size_t i;
	int t;

	for (i = 0; i < NOPTS(common_sensor_opts); i++)
		if (strcmp(name, common_sensor_opts[i]) == 0)
			return 1;
	for (t = 0; t < sensor_ntypes(); t++)
		if (find_setting(sensor_type_at(t), name) != NULL)
			return 1;
	return 0;
}

static int
fail_choices(struct ctx *cx, const config_setting_t *s, const char *what,
    const int *choices)
{
	char list[128] = "";
	size_t used = 0;
	int i;

	for (i = 0; choices[i] != 0 && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used,
		    "%s%d", i == 0 ? "" : choices[i + 1] == 0 ? " or " : ", ",
		    choices[i]);
	return fail(cx, s, "%s: expected %s", what, list);
}

static int
set_setting(struct ctx *cx, void *settings, const struct sensor_setting *o,
    const config_setting_t *s, const char *what)
{
	char *field = (char *)settings + o->offset, str[CONFIG_STR_MAX];
	double v;
	int i;

	switch (o->kind) {
	case SETTING_INT:
		if (o->choices != NULL) {
			if (config_setting_type(s) != CONFIG_TYPE_INT)
				return fail_choices(cx, s, what, o->choices);
			v = number(s);
			for (i = 0; o->choices[i] != 0; i++)
				if (v == o->choices[i])
					break;
			if (o->choices[i] == 0)
				return fail_choices(cx, s, what, o->choices);
			*(int *)(void *)field = (int)v;
			return 0;
		}
		/* FALLTHROUGH */
	case SETTING_DOUBLE:
		if (!is_number(s) || (o->kind == SETTING_INT &&
		    config_setting_type(s) == CONFIG_TYPE_FLOAT))
			return fail(cx, s, "%s: expected a %s", what,
			    o->kind == SETTING_INT ? "whole number" : "number");
		v = number(s);
		if (!(v >= o->min && v <= o->max))
			return fail(cx, s, "%s: %g is outside %g..%g", what, v,
			    o->min, o->max);
		if (o->kind == SETTING_INT)
			*(int *)(void *)field = (int)v;
		else
			*(double *)(void *)field = v;
		return 0;
	case SETTING_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return fail(cx, s, "%s: expected true or false", what);
		*(int *)(void *)field = config_setting_get_bool(s);
		return 0;
	case SETTING_STRING:
		return get_string(cx, s, what, field, o->size);
	case SETTING_BIAS:
		if (get_string(cx, s, what, str, sizeof(str)) == -1)
			return -1;
		return parse_bias(cx, s, str, what, NULL,
		    (enum gpio_bias *)(void *)field);
	}
	return -1;
}

/* mount and leg_axis: how detection reads the sensor. */
static int
set_placement(struct ctx *cx, struct sensor_conf *sc, const char *name,
    const config_setting_t *s, const char *what)
{
	char str[CONFIG_STR_MAX];

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
		return 0;
	}
	if (get_string(cx, s, what, sc->leg_axis, sizeof(sc->leg_axis)) == -1 ||
	    config_parse_axis(sc->leg_axis, sc->axis) == -1)
		return fail(cx, s, "%s: expected \"x\", \"y\", \"z\", "
		    "\"-x\", \"-y\" or \"-z\"", what);
	return 0;
}

static int
parse_sensor(struct ctx *cx, struct config *c, const config_setting_t *es,
    int idx)
{
	struct sensor_conf *sc = &c->sensors[idx];
	const struct sensor_setting *set;
	const struct sensor_type *t;
	const config_setting_t *s;
	char what[64], str[CONFIG_STR_MAX], types[128], name[CONFIG_NAME_MAX];
	char why[CONFIG_ERR_MAX / 2];
	const char *opt;
	size_t used;
	int i, n;

	config_sensor_init(sc, "", "");
	sc->line = config_setting_source_line(es);
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
	snprintf(name, sizeof(name), "%s", sc->name);
	if (config_sensor_init(sc, name, str) == NULL) {
		for (i = 0, used = 0; i < sensor_ntypes() &&
		    used < sizeof(types); i++)
			used += (size_t)snprintf(types + used,
			    sizeof(types) - used, "%s%s", i ? ", " : "",
			    sensor_type_at(i)->name);
		return fail(cx, s, "%s: unknown type \"%s\" (%s)", what, str,
		    types);
	}
	t = sc->type;
	sc->line = config_setting_source_line(es);

	n = config_setting_length(es);
	for (i = 0; i < n; i++) {
		const char *opt_name;

		s = config_setting_get_elem(es, (unsigned)i);
		opt_name = config_setting_name(s);
		snprintf(what, sizeof(what), "sensors.%s.%s", sc->name,
		    opt_name);
		if (strcmp(opt_name, "name") == 0 ||
		    strcmp(opt_name, "type") == 0)
			continue;
		if (!known_sensor_option(opt_name))
			return fail(cx, s, "%s: unknown option", what);
		if (t->legs && (strcmp(opt_name, "mount") == 0 ||
		    strcmp(opt_name, "leg_axis") == 0)) {
			if (set_placement(cx, sc, opt_name, s, what) == -1)
				return -1;
			continue;
		}
		if ((set = find_setting(t, opt_name)) == NULL)
			return fail(cx, s, "%s: not an option of a %s sensor",
			    what, t->name);
		if (set_setting(cx, sc->settings.bytes, set, s, what) == -1)
			return -1;
	}
	if (t->check != NULL &&
	    t->check(sc->settings.bytes, &opt, why, sizeof(why)) == -1) {
		/* At the option if the entry has it, else at the entry. */
		s = config_setting_get_member(es, opt);
		return fail(cx, s ? s : es, "sensors.%s.%s: %s", sc->name,
		    opt, why);
	}
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

/*
 * Why s cannot go into an MQTT topic, client id or login, or a JSON
 * string (the discovery messages): NULL if it can.  UTF-8 as RFC 3629
 * has it, without control characters (which MQTT forbids in topics).
 */
static const char *
bad_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo, hi;
	int more;

	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return "a control character";
		if (*p < 0x80) {
			p++;
			continue;
		}
		lo = 0x80, hi = 0xbf;
		if (*p >= 0xc2 && *p <= 0xdf)
			more = 1;
		else if (*p >= 0xe0 && *p <= 0xef) {
			more = 2;
			lo = *p == 0xe0 ? 0xa0 : 0x80;	/* not overlong */
			hi = *p == 0xed ? 0x9f : 0xbf;	/* no surrogates */
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			more = 3;
			lo = *p == 0xf0 ? 0x90 : 0x80;
			hi = *p == 0xf4 ? 0x8f : 0xbf;	/* to U+10FFFF */
		} else
			return "invalid UTF-8";
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return "a control character";
		if (p[1] < lo || p[1] > hi)
			return "invalid UTF-8";
		for (p += 2; --more > 0; p++)
			if (*p < 0x80 || *p > 0xbf)
				return "invalid UTF-8";
	}
	return NULL;
}

/* Reads the start of a file named by an option: 0, or -1 with why. */
static int
peek_file(const char *path, char *buf, size_t bufsz, size_t *len,
    const char **why)
{
	struct stat st;
	ssize_t n;
	int fd;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		*why = strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		close(fd);
		return -1;
	}
	while (*len < bufsz - 1 && (n = read(fd, buf + *len, bufsz - 1 -
	    *len)) > 0)
		*len += (size_t)n;
	buf[*len] = '\0';
	close(fd);
	return 0;
}

/*
 * The files MQTT reads: the password, and PEM files that must hold begin
 * (and end, when set).
 */
static const struct {
	const char	*name;
	size_t		 offset;
	const char	*begin, *end, *what;
} mqtt_files[] = {
	{ "password_file", offsetof(struct mqtt_conf, password_file), NULL,
	    NULL, NULL },
	{ "ca_file", offsetof(struct mqtt_conf, ca_file),
	    "-----BEGIN CERTIFICATE-----", NULL, "a PEM certificate" },
	{ "cert_file", offsetof(struct mqtt_conf, cert_file),
	    "-----BEGIN CERTIFICATE-----", NULL, "a PEM certificate" },
	{ "key_file", offsetof(struct mqtt_conf, key_file),
	    "-----BEGIN ", "PRIVATE KEY-----", "a PEM private key" },
};

/* How much of path is its folder, the slash included; 0 for none. */
static int
folder_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash == NULL ? 0 : (int)(slash - path) + 1;
}

/* The setting at path, or the file for a message without a line. */
static const config_setting_t *
at(const char *path, config_t *cf)
{
	const config_setting_t *s = config_lookup(cf, path);

	return s != NULL ? s : config_root_setting(cf);
}

/*
 * A relative file MQTT reads is taken from the configuration file's
 * folder, as an @include is: the service runs in /, a hand in the
 * folder, and both must read the same file.
 */
static int
anchor_mqtt_files(struct ctx *cx, struct config *c, config_t *cf)
{
	int dirlen = folder_len(c->path);
	char joined[PATH_MAX], opt[32], *file;
	size_t i;

	for (i = 0; dirlen > 0 && i < NOPTS(mqtt_files); i++) {
		file = (char *)&c->mqtt + mqtt_files[i].offset;
		if (file[0] == '\0' || file[0] == '/')
			continue;
		snprintf(opt, sizeof(opt), "mqtt.%s", mqtt_files[i].name);
		if (snprintf(joined, sizeof(joined), "%.*s%s", dirlen, c->path,
		    file) >= (int)sizeof(joined))
			return fail(cx, at(opt, cf), "%s: %s: too long with "
			    "the configuration's folder before it", opt, file);
		memcpy(file, joined, strlen(joined) + 1);
	}
	return 0;
}

/*
 * The files MQTT reads when the client is made, checked now: a file that
 * is missing or not what it should be is a mistake in the configuration,
 * found by --check-config and refused by a reload alike.
 */
static int
check_mqtt_files(struct ctx *cx, const struct mqtt_conf *m, config_t *cf)
{
	char buf[65536], opt[32];
	const char *path, *why;
	size_t i, len, line;

	if (m->password_file[0] != '\0') {
		if (m->username[0] == '\0')
			return fail(cx, at("mqtt.password_file", cf),
			    "mqtt.password_file: set without mqtt.username, "
			    "it would not be used");
		if (peek_file(m->password_file, buf, 1024, &len, &why) == -1)
			return fail(cx, at("mqtt.password_file", cf),
			    "mqtt.password_file: %s: %s", m->password_file,
			    why);
		line = strcspn(buf, "\r\n");
		buf[line] = '\0';
		if (line == 0 || line > 255 || memchr(buf, '\0', line) ||
		    bad_text(buf) != NULL)
			return fail(cx, at("mqtt.password_file", cf),
			    "mqtt.password_file: %s: not a password file (the "
			    "password alone on its first line, 1 to 255 "
			    "characters, no control characters)",
			    m->password_file);
	}
	for (i = 0; i < NOPTS(mqtt_files); i++) {
		path = (const char *)m + mqtt_files[i].offset;
		if (path[0] == '\0' || mqtt_files[i].begin == NULL)
			continue;
		snprintf(opt, sizeof(opt), "mqtt.%s", mqtt_files[i].name);
		if (peek_file(path, buf, sizeof(buf), &len, &why) == -1)
			return fail(cx, at(opt, cf), "%s: %s: %s", opt, path,
			    why);
		if (strstr(buf, mqtt_files[i].begin) == NULL ||
		    (mqtt_files[i].end != NULL && strstr(buf,
		    mqtt_files[i].end) == NULL))
			return fail(cx, at(opt, cf), "%s: %s: not %s (%s...)",
			    opt, path, mqtt_files[i].what,
			    mqtt_files[i].begin);
	}
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
	{
		static const struct {
			const char	*name;
			size_t		 offset;
		} texts[] = {
			{ "device.name", offsetof(struct config, device_name) },
			{ "mqtt.host", offsetof(struct config, mqtt.host) },
			{ "mqtt.client_id", offsetof(struct config,
			    mqtt.client_id) },
			{ "mqtt.username", offsetof(struct config,
			    mqtt.username) },
			{ "mqtt.base_topic", offsetof(struct config,
			    mqtt.base_topic) },
			{ "mqtt.discovery_prefix", offsetof(struct config,
			    mqtt.discovery_prefix) },
		};
		const char *why;
		size_t i;

		/* Before they are quoted in a message below. */
		for (i = 0; i < NOPTS(texts); i++)
			if ((why = bad_text((const char *)c +
			    texts[i].offset)) != NULL)
				return fail(cx, AT(texts[i].name), "%s: %s "
				    "(MQTT and Home Assistant take UTF-8 "
				    "text)", texts[i].name, why);
	}
	if (!valid_topic(c->mqtt.base_topic))
		return fail(cx, AT("mqtt.base_topic"), "mqtt.base_topic: \"%s\" "
		    "is not a topic prefix (no + or #, no / at either end)",
		    c->mqtt.base_topic);
	if (!valid_topic(c->mqtt.discovery_prefix))
		return fail(cx, AT("mqtt.discovery_prefix"),
		    "mqtt.discovery_prefix: \"%s\" is not a topic prefix",
		    c->mqtt.discovery_prefix);
	if (!valid_topic(c->mqtt.ha_status_topic))
		return fail(cx, AT("mqtt.ha_status_topic"),
		    "mqtt.ha_status_topic: \"%s\" is not a topic",
		    c->mqtt.ha_status_topic);
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
	if (anchor_mqtt_files(cx, c, cf) == -1 ||
	    (c->mqtt.enabled && check_mqtt_files(cx, &c->mqtt, cf) == -1))
		return -1;
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

/*
 * The file's text, its relative @include paths made paths from its own
 * folder: the service runs in /, a hand in the folder, and both must
 * read the same.  (libconfig 1.5 can only put one folder before every
 * include, absolute ones too.)  NULL if it cannot be read.
 */
static char *
read_config_text(const char *path)
{
	const char *line, *q;
	size_t dirlen = (size_t)folder_len(path);
	size_t len = 0, cap = 0, n, out = 0, extra = 0;
	char *in = NULL, *text, *b;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	do {
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			if ((b = realloc(in, cap + 1)) == NULL)
				goto fail;
			in = b;
		}
		len += n = fread(in + len, 1, cap - len, f);
	} while (n > 0);
	if (ferror(f))
		goto fail;
	fclose(f);
	f = NULL;
	in[len] = '\0';
	for (line = in; line != NULL; line = strchr(line, '\n'),
	    line = line ? line + 1 : NULL)
		extra += dirlen;	/* at most one include a line */
	if ((text = malloc(len + extra + 1)) == NULL)
		goto fail;
	for (line = in; *line != '\0'; line = q) {
		const char *p = line + strspn(line, " \t");

		q = strchr(line, '\n');
		q = q ? q + 1 : line + strlen(line);
		memcpy(text + out, line, (size_t)(q - line));
		if (strncmp(p, "@include", 8) != 0 || dirlen == 0)
			goto next;
		p += 8 + strspn(p + 8, " \t");
		if (*p != '"' || p[1] == '/')
			goto next;
		/* The folder goes in after the quote. */
		n = (size_t)(p + 1 - line);
		memcpy(text + out + n, path, dirlen);
		memcpy(text + out + n + dirlen, p + 1, (size_t)(q - p - 1));
		out += dirlen;
next:
		out += (size_t)(q - line);
	}
	text[out] = '\0';
	free(in);
	return text;
fail:
	if (f != NULL)
		fclose(f);
	free(in);
	return NULL;
}

int
config_load(struct config *c, const char *path, char *err,
    unsigned long errsz)
{
	struct ctx cx = { path, err, errsz };
	const config_setting_t *root, *s;
	char *text = NULL;
	config_t cf;
	size_t j;
	int i, n, r = -1;

	config_defaults(c);
	if (strlen(path) >= sizeof(c->path)) {
		snprintf(err, errsz, "%.100s...: path too long (%zu bytes)",
		    path, strlen(path));
		return -1;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	config_init(&cf);
	if ((text = read_config_text(path)) == NULL) {
		snprintf(err, errsz, "%s: cannot read the file", path);
		goto done;
	}
	if (config_read_string(&cf, text) != CONFIG_TRUE) {
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
	free(text);
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
	int t, u;

	for (i = 0; i < NOPTS(groups); i++)
		for (j = 0; j < groups[i].nopts; j++) {
			snprintf(name, sizeof(name), "%s.%s", groups[i].name,
			    groups[i].opts[j].name);
			fn(name, ctx);
		}
	for (j = 0; j < NOPTS(common_sensor_opts); j++) {
		snprintf(name, sizeof(name), "sensors.%s",
		    common_sensor_opts[j]);
		fn(name, ctx);
	}
	for (t = 0; t < sensor_ntypes(); t++) {
		const struct sensor_type *type = sensor_type_at(t);

		for (j = 0; j < type->nsettings; j++) {
			const char *opt = type->settings[j].name;

			for (u = 0; u < t; u++)
				if (find_setting(sensor_type_at(u), opt))
					break;
			if (u < t)
				continue;	/* listed already */
			snprintf(name, sizeof(name), "sensors.%s", opt);
			fn(name, ctx);
		}
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
