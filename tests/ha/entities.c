/*
 * What Home Assistant learns from legwatchd, for tests/ha/check.sh: the
 * entities its MQTT discovery announces with the default configuration
 * and a thermometer of each name given, and the JSON of one event of each
 * type as it goes out on B/event.  One line each:
 *
 *   device <device id>
 *   entity <default_entity_id> <state_class, or ->
 *   event_type <one of the event entity's event_types>
 *   event <event JSON>
 *
 * Exits 1 when discovery cannot be built or says less than it should.
 * usage: ha-entities [THERMOMETER...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/config.h"
#include "daemon/discovery.h"
#include "daemon/event.h"

static int
list_discovery(const struct config *conf, char **temps, int ntemps)
{
	struct discovery_msg *msgs;
	int i, n, bad = 0;

	n = discovery_build(conf, (const char *const *)temps, ntemps, &msgs);
	if (n == -1) {
		fprintf(stderr, "ha-entities: discovery_build failed\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		json_error_t err;
		json_t *o = json_loads(msgs[i].payload, 0, &err), *types;
		const char *id, *uid, *sc;
		size_t k;

		if (o == NULL) {
			fprintf(stderr, "ha-entities: %s: %s\n", msgs[i].topic,
			    err.text);
			bad = 1;
			continue;
		}
		id = json_string_value(json_object_get(o, "default_entity_id"));
		uid = json_string_value(json_object_get(o, "unique_id"));
		sc = json_string_value(json_object_get(o, "state_class"));
		if (id == NULL || uid == NULL) {
			fprintf(stderr, "ha-entities: %s: no default_entity_id "
			    "or unique_id\n", msgs[i].topic);
			bad = 1;
		} else
			printf("entity %s %s\n", id, sc ? sc : "-");
		types = json_object_get(o, "event_types");
		for (k = 0; k < json_array_size(types); k++)
			printf("event_type %s\n",
			    json_string_value(json_array_get(types, k)));
		json_decref(o);
	}
	discovery_free(msgs, n);
	return bad;
}

/* One event of each type, its fields set as their producers set them. */
static int
list_events(void)
{
	const double t = 1795037136.98;		/* 2026-11-18T21:25:36.980Z */
	int type, bad = 0;

	for (type = 0; type < EVENT_TYPE_COUNT; type++) {
		struct event ev;
		char *json;

		event_init(&ev, (enum event_type)type, t + 12, "ankle");
		switch (type) {
		case EVENT_LEG_MOVEMENT:
		case EVENT_BODY_MOVEMENT:
		case EVENT_CRAMP:
		case EVENT_PLM_SERIES:
			ev.start = t;
			ev.end = t + 11.5;
			ev.peak_g = 0.21;
			ev.count = 5;
			ev.mean_imi = 22.5;
			break;
		case EVENT_NIGHT_SUMMARY:
			ev.start = t - 8 * 3600;
			ev.end = t;
			ev.sensor[0] = '\0';
			ev.night.hours = 8;
			ev.night.plm_index = 6.5;
			break;
		case EVENT_HYDRATION_REMINDER:
			ev.sensor[0] = '\0';
			snprintf(ev.text, sizeof(ev.text), "after_cramp");
			ev.water_ml = 750;
			ev.goal_ml = 2000;
			ev.quiet = 1;
			break;
		case EVENT_SENSOR_FAULT:
		case EVENT_SENSOR_OK:
			snprintf(ev.text, sizeof(ev.text), "no answer");
			break;
		default:
			break;
		}
		if ((json = event_to_json(&ev)) == NULL) {
			fprintf(stderr, "ha-entities: cannot format a %s event\n",
			    event_type_name((enum event_type)type));
			bad = 1;
			continue;
		}
		printf("event %s\n", json);
		free(json);
	}
	return bad;
}

int
main(int argc, char **argv)
{
	static struct config conf;
	int bad;

	config_defaults(&conf);
	printf("device %s\n", conf.device_id);
	bad = list_discovery(&conf, argv + 1, argc - 1);
	bad |= list_events();
	if (fflush(stdout) == EOF)
		bad = 1;
	return bad;
}
