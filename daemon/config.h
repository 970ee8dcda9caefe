/*
 * The configuration (design.md 3.4): one libconfig file parsed and checked
 * in full into a struct config.  A reload builds a new one and swaps it in
 * only when it is valid.
 */
#ifndef LEGWATCH_CONFIG_H
#define LEGWATCH_CONFIG_H

#include <limits.h>
#include <stddef.h>

#include "hydration.h"
#include "leg.h"
#include "motion.h"
#include "plm.h"
#include "sensors/gpio.h"
#include "sensors/sensor.h"

#define CONFIG_MAX_SENSORS	16
#define CONFIG_NAME_MAX		32
#define CONFIG_STR_MAX		256
#define CONFIG_ERR_MAX		512

/*
 * A sensor entry: what detection needs of it, and its type's own
 * settings (sensors/sensor.h), parsed by the registry's description.
 */
struct sensor_conf {
	char				 name[CONFIG_NAME_MAX];
	const struct sensor_type	*type;
	enum mount			 mount;
	char				 leg_axis[4];	/* "x", "-y", ... */
	double				 axis[3];
	int				 line;		/* in the config file */
	union {
		max_align_t		 align;
		unsigned char		 bytes[SENSOR_SETTINGS_MAX];
	}				 settings;
};

/* The nightstand: the reminder LED, the buzzer and the button. */
struct outputs_conf {
	char		chip[64];
	int		led_line;	/* -1: none */
	int		led_active_low;
	int		buzzer_line;
	int		buzzer_active_low;
	int		button_line;
	int		button_active_low;
	enum gpio_bias	button_bias;
	int		button_debounce_ms;
};

struct mqtt_conf {
	int	enabled;
	char	host[CONFIG_STR_MAX];
	int	port;
	char	client_id[CONFIG_STR_MAX];
	int	keepalive;
	char	username[CONFIG_STR_MAX];
	char	password_file[PATH_MAX];
	char	ca_file[PATH_MAX];
	char	cert_file[PATH_MAX];
	char	key_file[PATH_MAX];
	char	tls_version[16];
	char	base_topic[CONFIG_STR_MAX];
	char	discovery_prefix[CONFIG_STR_MAX];
	char	ha_status_topic[CONFIG_STR_MAX]; /* Home Assistant's birth */
	int	discovery;
};

struct config {
	char			path[PATH_MAX];
	char			device_id[CONFIG_NAME_MAX];
	char			device_name[CONFIG_STR_MAX];
	struct sensor_conf	sensors[CONFIG_MAX_SENSORS];
	int			nsensors;
	struct mqtt_conf	mqtt;
	char			state_dir[PATH_MAX];
	int			night_start_min;
	int			night_end_min;
	struct hydration_params	hydration; /* with the night window */
	struct outputs_conf	outputs;
	struct leg_params	leg;	/* movement, cramp and posture */
	struct leg_params	mattress; /* the same for mattress sensors */
	struct plm_params	plm;
	struct motion_params	motion;
};

void		 config_defaults(struct config *conf);
/* 0, or -1 with "FILE:LINE: option: what is wrong" in err. */
int		 config_load(struct config *conf, const char *path, char *err,
		    unsigned long errsz);
/*
 * A sensor entry of that name and type with the type's defaults, as a
 * file that says no more would give: its settings, or NULL for a type
 * there is none of.
 */
void		*config_sensor_init(struct sensor_conf *sc, const char *name,
		    const char *type);
/* A replay entry's settings; NULL for a device. */
const struct replay_settings *config_replay(const struct sensor_conf *sc);
/* Per-sensor detection parameters: the defaults with the sensor's mount. */
void		 config_leg_params(const struct config *conf,
		    const struct sensor_conf *sc, struct leg_params *out);
/* A digital motion sensor's parameters. */
void		 config_motion_params(const struct config *conf,
		    struct motion_params *out);
/* Every option name, "group.option", for the manual-page check. */
void		 config_list_options(void (*fn)(const char *name, void *ctx),
		    void *ctx);
/* Sets a sensor's axis from "x", "-y", ...; -1 if it is none of those. */
int		 config_parse_axis(const char *s, double axis[3]);
/* "HH:MM" (00:00 to 23:59) to minutes after midnight: 0, or -1. */
int		 config_parse_clock(const char *str, int *minutes);

#endif
