/*
 * Checks Home Assistant discovery messages as a subscriber received them
 * (mosquitto_sub -v: "topic payload" per line): each is JSON with a
 * unique_id of the device, availability on B/status, the device block,
 * topics under B, entity categories Home Assistant takes (the sensor
 * problem diagnostic, the monitoring switch config) and one decimal
 * shown for PLM indexes and temperatures.  Prints what it checked; exits 1 on a mistake.
 * usage: discocheck BASE DEVICE_ID < lines
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static int failures;

static void
bad(const char *topic, const char *what)
{
	fprintf(stderr, "discocheck: %s: %s\n", topic, what);
	failures++;
}

static int
prefixed(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int
main(int argc, char **argv)
{
	char line[65536], status[512], uid_prefix[128], ident[128];
	const char *base, *id;
	int n = 0, sensors, components[5] = { 0 };
	static const char *const kinds[] = { "sensor", "binary_sensor",
	    "switch", "button", "event" };

	if (argc != 3) {
		fprintf(stderr, "usage: discocheck BASE DEVICE_ID\n");
		return 64;
	}
	base = argv[1];
	id = argv[2];
	snprintf(status, sizeof(status), "%s/status", base);
	snprintf(uid_prefix, sizeof(uid_prefix), "legwatch_%s_", id);
	snprintf(ident, sizeof(ident), "legwatch_%s", id);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *sp = strchr(line, ' ');
		json_error_t err;
		json_t *o, *dev;
		const char *topic = line, *s;
		size_t k;

		if (sp == NULL || strstr(line, "/config ") == NULL)
			continue;
		*sp = '\0';
		n++;
		if ((o = json_loads(sp + 1, 0, &err)) == NULL) {
			bad(topic, err.text);
			continue;
		}
		sensors = components[0];
		for (k = 0; k < 5; k++) {
			char want[64];

			snprintf(want, sizeof(want), "/%s/%s/", kinds[k], id);
			if (strstr(topic, want) != NULL)
				components[k]++;
		}
		if (!prefixed(json_string_value(json_object_get(o,
		    "unique_id")), uid_prefix))
			bad(topic, "unique_id is not the device's");
		if ((s = json_string_value(json_object_get(o,
		    "availability_topic"))) == NULL || strcmp(s, status) != 0)
			bad(topic, "availability is not on B/status");
		if (json_string_value(json_object_get(o, "name")) == NULL)
			bad(topic, "no name");
		dev = json_object_get(o, "device");
		if (!json_is_object(dev) || json_string_value(json_array_get(
		    json_object_get(dev, "identifiers"), 0)) == NULL ||
		    strcmp(json_string_value(json_array_get(json_object_get(dev,
		    "identifiers"), 0)), ident) != 0)
			bad(topic, "no device block with the device's id");
		if (!json_is_object(json_object_get(o, "origin")))
			bad(topic, "no origin block");
		if ((s = json_string_value(json_object_get(o, "state_topic"))) &&
		    !prefixed(s, base))
			bad(topic, "state_topic outside B");
		if ((s = json_string_value(json_object_get(o,
		    "command_topic"))) && !prefixed(s, base))
			bad(topic, "command_topic outside B");
		/* Home Assistant refuses a sensor in the config category. */
		s = json_string_value(json_object_get(o, "entity_category"));
		if (s != NULL && strcmp(s, "diagnostic") != 0 &&
		    (strcmp(s, "config") != 0 || components[0] > sensors))
			bad(topic, "an entity_category Home Assistant refuses");
		if (ends(topic, "/sensor_problem/config") &&
		    (s == NULL || strcmp(s, "diagnostic") != 0))
			bad(topic, "the sensor problem is not diagnostic");
		if (ends(topic, "/monitoring/config") &&
		    (s == NULL || strcmp(s, "config") != 0))
			bad(topic, "the monitoring switch is not config");
		if ((strstr(topic, "/plm_index_") != NULL ||
		    strstr(topic, "/temperature_") != NULL) &&
		    json_integer_value(json_object_get(o,
		    "suggested_display_precision")) != 1)
			bad(topic, "no display precision of one decimal");
		if (json_object_get(o, "suggested_display_precision") &&
		    components[0] == sensors)
			bad(topic, "a display precision on a non-sensor");
		/* The immobilization test's buttons send what B/set/sit takes. */
		s = json_string_value(json_object_get(o, "payload_press"));
		if ((ends(topic, "/sit_start/config") && (s == NULL ||
		    strcmp(s, "START") != 0)) || (ends(topic,
		    "/sit_stop/config") && (s == NULL || strcmp(s, "STOP") != 0)))
			bad(topic, "the test's button does not say START/STOP");
		json_decref(o);
	}
	printf("discovery: %d configs (sensor %d, binary_sensor %d, switch %d,"
	    " button %d, event %d)\n", n, components[0], components[1],
	    components[2], components[3], components[4]);
	if (components[0] < 6 || components[1] != 4 || components[2] != 1 ||
	    components[3] != 4 || components[4] != 1)
		bad("discovery", "not every entity was announced");
	return failures ? 1 : 0;
}
