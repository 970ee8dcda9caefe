/*
 * Checks Home Assistant discovery messages as a subscriber received them
 * (mosquitto_sub -v: "topic payload" per line): each is JSON with a
 * unique_id of the device, availability on B/status, the device block,
 * and topics under B.  Prints what it checked; exits 1 on a mistake.
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

int
main(int argc, char **argv)
{
	char line[65536], status[512], uid_prefix[128], ident[128];
	const char *base, *id;
	int n = 0, components[5] = { 0 };
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
		json_decref(o);
	}
	printf("discovery: %d configs (sensor %d, binary_sensor %d, switch %d,"
	    " button %d, event %d)\n", n, components[0], components[1],
	    components[2], components[3], components[4]);
	if (components[0] < 5 || components[1] != 3 || components[2] != 1 ||
	    components[3] != 2 || components[4] != 1)
		bad("discovery", "not every entity was announced");
	return failures ? 1 : 0;
}
