/*
 * Home Assistant discovery: categories and display precision, and the
 * configs of entities no longer announced removed (remembered in the
 * state directory, so across restarts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "daemon/config.h"
#include "daemon/discovery.h"
#include "daemon/statefile.h"

static const struct discovery_msg *
find(const struct discovery_msg *msgs, int n, const char *topic)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(msgs[i].topic, topic) == 0)
			return &msgs[i];
	return NULL;
}

static json_t *
config_of(const struct discovery_msg *msgs, int n, const char *topic)
{
	const struct discovery_msg *m = find(msgs, n, topic);

	assert_non_null(m);
	return json_loads(m->payload, 0, NULL);
}

static void
test_categories_and_precision(void **state)
{
	const char *temps[] = { "room" };
	struct discovery_msg *msgs;
	struct config conf;
	json_t *o;
	int n;

	(void)state;
	config_defaults(&conf);
	n = discovery_build(&conf, temps, 1, &msgs);
	assert_int_equal(n, 18);
	o = config_of(msgs, n,
	    "homeassistant/binary_sensor/bedroom/sensor_problem/config");
	assert_string_equal(json_string_value(json_object_get(o,
	    "entity_category")), "diagnostic");
	json_decref(o);
	o = config_of(msgs, n, "homeassistant/switch/bedroom/monitoring/config");
	assert_string_equal(json_string_value(json_object_get(o,
	    "entity_category")), "config");
	json_decref(o);
	o = config_of(msgs, n,
	    "homeassistant/sensor/bedroom/temperature_room/config");
	assert_int_equal(json_integer_value(json_object_get(o,
	    "suggested_display_precision")), 1);
	json_decref(o);
	o = config_of(msgs, n,
	    "homeassistant/sensor/bedroom/plm_index_week/config");
	assert_int_equal(json_integer_value(json_object_get(o,
	    "suggested_display_precision")), 1);
	assert_null(json_object_get(o, "entity_category"));
	json_decref(o);
	/* Home Assistant takes no display precision on a button. */
	o = config_of(msgs, n, "homeassistant/button/bedroom/drank/config");
	assert_null(json_object_get(o, "suggested_display_precision"));
	json_decref(o);
	/* The immobilization test's buttons send what B/set/sit takes. */
	o = config_of(msgs, n, "homeassistant/button/bedroom/sit_start/config");
	assert_string_equal(json_string_value(json_object_get(o,
	    "payload_press")), "START");
	assert_string_equal(json_string_value(json_object_get(o,
	    "command_topic")), "legwatch/bedroom/set/sit");
	json_decref(o);
	o = config_of(msgs, n, "homeassistant/button/bedroom/sit_stop/config");
	assert_string_equal(json_string_value(json_object_get(o,
	    "payload_press")), "STOP");
	json_decref(o);
	/* What the PLM index is per, with the index's one decimal. */
	o = config_of(msgs, n,
	    "homeassistant/sensor/bedroom/hours_in_bed_last_night/config");
	assert_int_equal(json_integer_value(json_object_get(o,
	    "suggested_display_precision")), 1);
	assert_string_equal(json_string_value(json_object_get(o,
	    "value_template")), "{{ value_json.hours_in_bed_last_night }}");
	json_decref(o);
	discovery_free(msgs, n);
}

static void
test_removed_entities(void **state)
{
	const char *two[] = { "room", "hall" }, *one[] = { "room" };
	const char *hall = "homeassistant/sensor/bedroom/temperature_hall/config";
	char dir[] = "/tmp/test_discovery.XXXXXX", path[300], err[512];
	struct discovery_msg *msgs;
	struct statedir sd;
	struct config conf;
	FILE *f;
	int n, n0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(statedir_open(&sd, dir, err, sizeof(err)), 0);
	config_defaults(&conf);
	/* The first start: nothing to remove. */
	n0 = n = discovery_build(&conf, two, 2, &msgs);
	n = discovery_retire(&sd, &msgs, n);
	assert_int_equal(n, n0);
	discovery_free(msgs, n);
	/* Restarted without the hall's thermometer: its config goes. */
	n0 = n = discovery_build(&conf, one, 1, &msgs);
	n = discovery_retire(&sd, &msgs, n);
	assert_int_equal(n, n0 + 1);
	assert_non_null(find(msgs, n, hall));
	assert_string_equal(find(msgs, n, hall)->payload, "");
	discovery_free(msgs, n);
	/* Once: the next time it is not removed again. */
	n0 = n = discovery_build(&conf, one, 1, &msgs);
	assert_int_equal(discovery_retire(&sd, &msgs, n), n0);
	discovery_free(msgs, n);
	/* Another device id: every config of the old one goes. */
	snprintf(conf.device_id, sizeof(conf.device_id), "guest");
	n0 = n = discovery_build(&conf, one, 1, &msgs);
	n = discovery_retire(&sd, &msgs, n);
	assert_int_equal(n, n0 + n0);
	assert_string_equal(find(msgs, n,
	    "homeassistant/sensor/bedroom/temperature_room/config")->payload,
	    "");
	discovery_free(msgs, n);
	/* A damaged file is ignored (and replaced), never fatal. */
	snprintf(path, sizeof(path), "%s/discovery.json", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("{\"announced\": [\"x\", 3", f);
	fclose(f);
	n0 = n = discovery_build(&conf, one, 1, &msgs);
	assert_int_equal(discovery_retire(&sd, &msgs, n), n0);
	discovery_free(msgs, n);
	/* Replaced: without the thermometer, its config is known to go. */
	n0 = n = discovery_build(&conf, one, 0, &msgs);
	n = discovery_retire(&sd, &msgs, n);
	assert_int_equal(n, n0 + 1);
	assert_non_null(find(msgs, n,
	    "homeassistant/sensor/guest/temperature_room/config"));
	assert_string_equal(find(msgs, n,
	    "homeassistant/sensor/guest/temperature_room/config")->payload,
	    "");
	discovery_free(msgs, n);
	assert_int_equal(unlink(path), 0);
	statedir_close(&sd);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_categories_and_precision),
		cmocka_unit_test(test_removed_entities),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
