#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "discovery.h"
#include "log.h"
#include "statefile.h"

/* What was announced, in the state directory: what to remove later. */
#define ANNOUNCED_FILE	"discovery.json"

#ifndef LEGWATCH_VERSION
#define LEGWATCH_VERSION "0"
#endif

struct entity {
	const char	*component;
	const char	*object;	/* unique within the device */
	const char	*name;
	const char	*value;		/* state key in B/state, or NULL */
	const char	*unit;
	const char	*device_class;
	const char	*state_class;
	const char	*icon;
	const char	*command;	/* B/set/<command>, or NULL */
	const char	*category;	/* entity_category, or NULL */
	int		 precision;	/* suggested decimals, -1 none */
	const char	*press;		/* a button's payload; NULL: PRESS */
};

static const struct entity entities[] = {
	{ "sensor", "plm_tonight", "PLMs tonight", "plm_tonight", NULL, NULL,
	    "measurement", "mdi:shoe-print", NULL, NULL, 0, NULL },
	{ "sensor", "lm_tonight", "Leg movements tonight", "lm_tonight", NULL,
	    NULL, "measurement", "mdi:walk", NULL, NULL, 0, NULL },
	{ "sensor", "cramps_tonight", "Cramps tonight", "cramps_tonight", NULL,
	    NULL, "measurement", "mdi:flash-alert", NULL, NULL, 0, NULL },
	{ "sensor", "plm_index_last_night", "PLM index last night",
	    "plm_index_last_night", "/h", NULL, "measurement",
	    "mdi:chart-bell-curve", NULL, NULL, 1, NULL },
	{ "sensor", "plm_index_week", "PLM index, 7-night median",
	    "plm_index_week", "/h", NULL, "measurement",
	    "mdi:chart-timeline-variant", NULL, NULL, 1, NULL },
	/* What the index is per: out-of-bed time is left out. */
	{ "sensor", "hours_in_bed_last_night", "Hours in bed last night",
	    "hours_in_bed_last_night", "h", "duration", "measurement",
	    "mdi:bed", NULL, NULL, 1, NULL },
	/* The suggested immobilization test: START, STOP, running. */
	{ "binary_sensor", "sit_running", "Immobilization test running",
	    "sit_running", NULL, "running", NULL, "mdi:seat-recline-normal",
	    NULL, NULL, -1, NULL },
	{ "button", "sit_start", "Start immobilization test", NULL, NULL,
	    NULL, NULL, "mdi:timer-play-outline", "sit", NULL, -1, "START" },
	{ "button", "sit_stop", "Stop immobilization test", NULL, NULL,
	    NULL, NULL, "mdi:timer-stop-outline", "sit", NULL, -1, "STOP" },
	{ "sensor", "water_today", "Water today", "water_today_ml", "mL",
	    "volume", "total_increasing", "mdi:cup-water", NULL, NULL, 0, NULL },
	{ "binary_sensor", "restless", "Restless now", "restless", NULL, NULL,
	    NULL, "mdi:run", NULL, NULL, -1, NULL },
	{ "binary_sensor", "reminder", "Drink reminder", "reminder", NULL,
	    NULL, NULL, "mdi:cup-water", NULL, NULL, -1, NULL },
	/* The device's health, not the sleeper's: HA lists it apart. */
	{ "binary_sensor", "sensor_problem", "Sensor problem",
	    "sensor_problem", NULL, "problem", NULL, NULL, NULL, "diagnostic",
	    -1, NULL },
	/* A setting of the device, not a reading. */
	{ "switch", "monitoring", "Monitoring", "monitoring", NULL, NULL, NULL,
	    "mdi:bed-clock", "monitoring", "config", -1, NULL },
	{ "button", "drank", "Drank a glass", NULL, NULL, NULL, NULL,
	    "mdi:cup-water", "drank", NULL, -1, NULL },
	{ "button", "snooze", "Snooze reminder", NULL, NULL, NULL, NULL,
	    "mdi:alarm-snooze", "snooze", NULL, -1, NULL },
};

void
discovery_base(const struct config *conf, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s/%s", conf->mqtt.base_topic, conf->device_id);
}

static json_t *
device_block(const struct config *conf)
{
	char ident[64];

	snprintf(ident, sizeof(ident), "legwatch_%s", conf->device_id);
	return json_pack("{s:[s],s:s,s:s,s:s,s:s}", "identifiers", ident,
	    "name", conf->device_name, "manufacturer", "legwatch",
	    "model", "legwatchd", "sw_version", LEGWATCH_VERSION);
}

static int
add(struct discovery_msg *msgs, int *n, const struct config *conf,
    const char *component, const char *object, json_t *obj)
{
	char base[300], uid[128], ctopic[400], entity[160];
	struct discovery_msg *m = &msgs[*n];
	json_t *o;

	discovery_base(conf, base, sizeof(base));
	snprintf(uid, sizeof(uid), "legwatch_%s_%s", conf->device_id, object);
	snprintf(ctopic, sizeof(ctopic), "%s/status", base);
	if (obj == NULL)
		return -1;
	snprintf(entity, sizeof(entity), "%s.%s", component, uid);
	/* object_id for older Home Assistant, default_entity_id for newer. */
	o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:{s:s,s:s}}", "unique_id", uid,
	    "object_id", uid, "default_entity_id", entity,
	    "availability_topic", ctopic,
	    "device", device_block(conf), "origin", "name", "legwatch", "sw",
	    LEGWATCH_VERSION);
	if (o == NULL || json_object_update(obj, o) == -1) {
		json_decref(o);
		json_decref(obj);
		return -1;
	}
	json_decref(o);
	snprintf(m->topic, sizeof(m->topic), "%s/%s/%s/%s/config",
	    conf->mqtt.discovery_prefix, component, conf->device_id, object);
	m->payload = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(obj);
	if (m->payload == NULL)
		return -1;
	(*n)++;
	return 0;
}

static json_t *
entity_config(const struct entity *e, const char *base)
{
	char topic[400], tmpl[128];
	json_t *o = json_pack("{s:s}", "name", e->name);

	if (o == NULL)
		return NULL;
	if (e->value != NULL) {
		snprintf(topic, sizeof(topic), "%s/state", base);
		snprintf(tmpl, sizeof(tmpl), "{{ value_json.%s }}", e->value);
		json_object_set_new(o, "state_topic", json_string(topic));
		json_object_set_new(o, "value_template", json_string(tmpl));
	}
	if (e->command != NULL) {
		snprintf(topic, sizeof(topic), "%s/set/%s", base, e->command);
		json_object_set_new(o, "command_topic", json_string(topic));
	}
	if (strcmp(e->component, "button") == 0)
		json_object_set_new(o, "payload_press", json_string(
		    e->press != NULL ? e->press : "PRESS"));
	if (strcmp(e->component, "switch") == 0 ||
	    strcmp(e->component, "binary_sensor") == 0) {
		json_object_set_new(o, "payload_on", json_string("ON"));
		json_object_set_new(o, "payload_off", json_string("OFF"));
	}
	if (e->unit)
		json_object_set_new(o, "unit_of_measurement",
		    json_string(e->unit));
	if (e->device_class)
		json_object_set_new(o, "device_class",
		    json_string(e->device_class));
	if (e->state_class)
		json_object_set_new(o, "state_class",
		    json_string(e->state_class));
	if (e->icon)
		json_object_set_new(o, "icon", json_string(e->icon));
	if (e->category)
		json_object_set_new(o, "entity_category",
		    json_string(e->category));
	/* Home Assistant takes it for sensors only. */
	if (e->precision >= 0 && strcmp(e->component, "sensor") == 0)
		json_object_set_new(o, "suggested_display_precision",
		    json_integer(e->precision));
	return o;
}

int
discovery_build(const struct config *conf, const char *const *temps,
    int ntemps, struct discovery_msg **out)
{
	size_t nent = sizeof(entities) / sizeof(entities[0]);
	struct discovery_msg *msgs;
	char base[300], topic[400], tmpl[160], object[96], name[96];
	int i, n = 0;

	if ((msgs = calloc(nent + 1 + (size_t)ntemps, sizeof(*msgs))) == NULL)
		return -1;
	discovery_base(conf, base, sizeof(base));
	for (i = 0; i < (int)nent; i++)
		if (add(msgs, &n, conf, entities[i].component,
		    entities[i].object, entity_config(&entities[i], base)) == -1)
			goto fail;
	/* Events are an event entity; movements are not (too many). */
	snprintf(topic, sizeof(topic), "%s/event", base);
	if (add(msgs, &n, conf, "event", "events", json_pack(
	    "{s:s,s:s,s:[s,s,s,s,s,s,s,s],s:s}", "name", "Events",
	    "state_topic", topic, "event_types", "plm_series", "cramp_start",
	    "cramp", "night_summary", "hydration_reminder", "sensor_fault",
	    "sensor_ok", "sit_result", "icon", "mdi:bell-ring")) == -1)
		goto fail;
	for (i = 0; i < ntemps; i++) {
		snprintf(object, sizeof(object), "temperature_%s", temps[i]);
		snprintf(name, sizeof(name), "Temperature %s", temps[i]);
		snprintf(topic, sizeof(topic), "%s/state", base);
		snprintf(tmpl, sizeof(tmpl),
		    "{{ value_json.temperature['%s'] }}", temps[i]);
		if (add(msgs, &n, conf, "sensor", object, json_pack(
		    "{s:s,s:s,s:s,s:s,s:s,s:s,s:i}", "name", name, "state_topic",
		    topic, "value_template", tmpl, "unit_of_measurement", "°C",
		    "device_class", "temperature", "state_class",
		    "measurement", "suggested_display_precision", 1)) == -1)
			goto fail;
	}
	*out = msgs;
	return n;
fail:
	discovery_free(msgs, n);
	return -1;
}

void
discovery_free(struct discovery_msg *msgs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(msgs[i].payload);
	free(msgs);
}

static int
announced(const struct discovery_msg *msgs, int n, const char *topic)
{
	int i;

	for (i = 0; i < n; i++)
		if (msgs[i].payload[0] != '\0' &&
		    strcmp(msgs[i].topic, topic) == 0)
			return 1;
	return 0;
}

static void
remember(const struct statedir *sd, const struct discovery_msg *msgs,
    int n)
{
	char err[512];
	json_t *o, *topics;
	int i;

	if ((topics = json_array()) == NULL)
		return;
	for (i = 0; i < n; i++)
		if (msgs[i].payload[0] != '\0')
			json_array_append_new(topics, json_string(msgs[i].topic));
	if ((o = json_pack("{s:o}", "announced", topics)) == NULL)
		return;
	/* Prefixes of hundreds of bytes may not fit. */
	if (statefile_write(sd, ANNOUNCED_FILE, o, err, sizeof(err)) == -1)
		log_warn("%s; entities removed later may stay in Home "
		    "Assistant", err);
}

int
discovery_retire(const struct statedir *sd, struct discovery_msg **msgs,
    int n)
{
	char text[STATEFILE_MAX + 1], path[PATH_MAX], err[512];
	struct discovery_msg *m;
	json_error_t je;
	json_t *o, *topics, *t;
	size_t len, i;
	int r;

	r = statefile_read(sd, ANNOUNCED_FILE, text, &len, path,
	    sizeof(path), err, sizeof(err));
	if (r < 0)
		log_warn("%s; entities no longer announced may stay in Home "
		    "Assistant", err);
	if (r != 1)
		goto save;
	if ((o = json_loadb(text, len, 0, &je)) == NULL) {
		log_warn("%s:%d: %s; ignored", path, je.line, je.text);
		goto save;
	}
	topics = json_object_get(o, "announced");
	if (!json_is_array(topics))
		log_warn("%s: announced: expected a list of topics; ignored",
		    path);
	json_array_foreach(topics, i, t) {
		const char *topic = json_string_value(t);

		if (topic == NULL || strlen(topic) >= sizeof(m->topic) ||
		    announced(*msgs, n, topic))
			continue;
		if ((m = realloc(*msgs, (size_t)(n + 1) * sizeof(*m))) == NULL)
			break;
		*msgs = m;
		snprintf(m[n].topic, sizeof(m[n].topic), "%s", topic);
		if ((m[n].payload = strdup("")) == NULL)
			break;
		log_info("mqtt: %s is no longer announced: removed", topic);
		n++;
	}
	json_decref(o);
save:
	remember(sd, *msgs, n);
	return n;
}
