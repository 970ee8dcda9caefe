#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "discovery.h"

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
};

static const struct entity entities[] = {
	{ "sensor", "plm_tonight", "PLMs tonight", "plm_tonight", NULL, NULL,
	    "measurement", "mdi:shoe-print", NULL },
	{ "sensor", "lm_tonight", "Leg movements tonight", "lm_tonight", NULL,
	    NULL, "measurement", "mdi:walk", NULL },
	{ "sensor", "cramps_tonight", "Cramps tonight", "cramps_tonight", NULL,
	    NULL, "measurement", "mdi:flash-alert", NULL },
	{ "sensor", "plm_index_last_night", "PLM index last night",
	    "plm_index_last_night", "/h", NULL, "measurement",
	    "mdi:chart-bell-curve", NULL },
	{ "sensor", "plm_index_week", "PLM index, 7-night median",
	    "plm_index_week", "/h", NULL, "measurement",
	    "mdi:chart-timeline-variant", NULL },
	{ "sensor", "water_today", "Water today", "water_today_ml", "mL",
	    "volume", "total_increasing", "mdi:cup-water", NULL },
	{ "binary_sensor", "restless", "Restless now", "restless", NULL, NULL,
	    NULL, "mdi:run", NULL },
	{ "binary_sensor", "reminder", "Drink reminder", "reminder", NULL,
	    NULL, NULL, "mdi:cup-water", NULL },
	{ "binary_sensor", "sensor_problem", "Sensor problem",
	    "sensor_problem", NULL, "problem", NULL, NULL, NULL },
	{ "switch", "monitoring", "Monitoring", "monitoring", NULL, NULL, NULL,
	    "mdi:bed-clock", "monitoring" },
	{ "button", "drank", "Drank a glass", NULL, NULL, NULL, NULL,
	    "mdi:cup-water", "drank" },
	{ "button", "snooze", "Snooze reminder", NULL, NULL, NULL, NULL,
	    "mdi:alarm-snooze", "snooze" },
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
		json_object_set_new(o, "payload_press", json_string("PRESS"));
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
	    "{s:s,s:s,s:[s,s,s,s,s,s,s],s:s}", "name", "Events",
	    "state_topic", topic, "event_types", "plm_series", "cramp_start",
	    "cramp", "night_summary", "hydration_reminder", "sensor_fault",
	    "sensor_ok", "icon", "mdi:bell-ring")) == -1)
		goto fail;
	for (i = 0; i < ntemps; i++) {
		snprintf(object, sizeof(object), "temperature_%s", temps[i]);
		snprintf(name, sizeof(name), "Temperature %s", temps[i]);
		snprintf(topic, sizeof(topic), "%s/state", base);
		snprintf(tmpl, sizeof(tmpl),
		    "{{ value_json.temperature['%s'] }}", temps[i]);
		if (add(msgs, &n, conf, "sensor", object, json_pack(
		    "{s:s,s:s,s:s,s:s,s:s,s:s}", "name", name, "state_topic",
		    topic, "value_template", tmpl, "unit_of_measurement", "°C",
		    "device_class", "temperature", "state_class",
		    "measurement")) == -1)
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
