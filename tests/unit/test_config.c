/*
 * The configuration: the documented example is complete and its values
 * are the defaults; every kind of mistake is refused with file, line and
 * option; a file is all or nothing.
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

#include "daemon/config.h"

#define EXAMPLE	"conf/legwatchd.conf"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

struct doc_check {
	const char	*text;
	int		 missing;
};

/* "group.option" is documented as "option =" inside "group = {". */
static void
check_documented(const char *name, void *ctx)
{
	struct doc_check *dc = ctx;
	char group[64], want[96];
	const char *dot = strchr(name, '.'), *at;

	snprintf(group, sizeof(group), "\n%.*s = ", (int)(dot - name), name);
	snprintf(want, sizeof(want), " %s = ", dot + 1);
	at = strstr(dc->text, group);
	if (at == NULL || strstr(at, want) == NULL) {
		print_error("%s is not documented in " EXAMPLE "\n", name);
		dc->missing++;
	}
}

static void
test_every_option_is_documented(void **state)
{
	struct doc_check dc = { slurp(EXAMPLE), 0 };

	(void)state;
	config_list_options(check_documented, &dc);
	assert_int_equal(dc.missing, 0);
	free((char *)dc.text);
}

static void
test_example_holds_the_defaults(void **state)
{
	static struct config def, ex;
	char err[CONFIG_ERR_MAX];

	(void)state;
	config_defaults(&def);
	if (config_load(&ex, EXAMPLE, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	/* What the example sets on purpose: its sensor list. */
	assert_int_equal(ex.nsensors, 1);
	memcpy(def.sensors, ex.sensors, sizeof(def.sensors));
	def.nsensors = ex.nsensors;
	memcpy(def.path, ex.path, sizeof(def.path));
	assert_memory_equal(&def.mqtt, &ex.mqtt, sizeof(def.mqtt));
	assert_memory_equal(&def.hydration, &ex.hydration,
	    sizeof(def.hydration));
	assert_memory_equal(&def.leg, &ex.leg, sizeof(def.leg));
	assert_memory_equal(&def.mattress, &ex.mattress, sizeof(def.mattress));
	assert_memory_equal(&def.plm, &ex.plm, sizeof(def.plm));
	assert_memory_equal(&def, &ex, sizeof(def));
}

static int
load_text(const char *text, struct config *c, char *err, size_t errsz)
{
	char path[] = "/tmp/legwatch-conf-XXXXXX";
	int fd = mkstemp(path), r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	r = config_load(c, path, err, errsz);
	if (r == -1) {
		/* Drop the random path: the rest says where. */
		memmove(err, err + strlen(path), strlen(err + strlen(path)) + 1);
	}
	unlink(path);
	return r;
}

static void
test_mistakes_name_line_and_option(void **state)
{
	static const struct {
		const char	*text;
		const char	*err;
	} cases[] = {
		{ "movement = {\n onset_k = 0.5;\n};\n",
		    ":2: movement.onset_k: 0.5 is outside 1..100" },
		{ "plm = { series_min = 4.5; };\n",
		    ":1: plm.series_min: expected a whole number" },
		{ "mqtt = { enabled = 1; };\n",
		    ":1: mqtt.enabled: expected true or false" },
		{ "mqtt = { base_topic = \"a/#\"; };\n",
		    ":1: mqtt.base_topic: \"a/#\" is not a topic prefix" },
		{ "mqtt = { cert_file = \"/x\"; };\n",
		    ":1: mqtt: cert_file and key_file go together" },
		{ "storage = { state_dir = \"var/lib\"; };\n",
		    ":1: storage.state_dir: \"var/lib\" is not an absolute path" },
		{ "night = { start = \"7:00\"; };\n",
		    ":1: night.start: \"7:00\" is not a time of day" },
		{ "\n\nbogus = 1;\n", ":3: bogus: unknown setting" },
		{ "sensors = ( { name = \"a b\"; type = \"replay\"; file = \"x\"; } );\n",
		    ":1: sensors[0].name: \"a b\"" },
		{ "sensors = ( { name = \"t\"; type = \"ds18b20\"; mount = \"ankle\"; } );\n",
		    ":1: sensors.t.mount: not an option of a ds18b20 sensor" },
		{ "sensors = ( { name = \"a\"; type = \"replay\"; file = \"x\"; leg_axis = \"w\"; } );\n",
		    ":1: sensors.a.leg_axis" },
		{ "mattress = { offset_k = 9.0; };\n",
		    ":1: mattress.offset_k: must be below onset_k" },
		{ "plm = { imi_min_s = 50.0; imi_max_s = 40.0; };\n",
		    ":1: plm.imi_min_s: must be below imi_max_s" },
		{ "sensors = (\n { name = \"a\"; type = \"adxl345\";\n rate_hz = 400; } );\n",
		    ":3: sensors.a.rate_hz: 400 Hz is more than an ADXL345 "
		    "can send over a 100 kHz I2C bus (the Raspberry Pi's): at "
		    "most 200" },
	};
	static struct config c;
	char err[CONFIG_ERR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (load_text(cases[i].text, &c, err, sizeof(err)) != -1)
			fail_msg("case %zu accepted", i);
		if (strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, err,
			    cases[i].err);
	}
}

static void
test_values_arrive(void **state)
{
	static struct config c;
	struct leg_params lp;
	char err[CONFIG_ERR_MAX];

	(void)state;
	assert_int_equal(load_text(
	    "device = { id = \"guest-room\"; };\n"
	    "sensors = ( { name = \"bed\"; type = \"replay\"; file = \"b.csv\";"
	    " mount = \"mattress\"; },\n"
	    "  { name = \"left\"; type = \"replay\"; file = \"l.csv\"; speed = 2;"
	    " leg_axis = \"-y\"; } );\n"
	    "movement = { onset_k = 8; };\n"
	    "mattress = { onset_k = 7.5; };\n"
	    "cramp = { hold_s = 12.5; end_quiet_s = 8.0; };\n"
	    "night = { start = \"23:15\"; end = \"06:45\"; };\n",
	    &c, err, sizeof(err)), 0);
	assert_string_equal(c.device_id, "guest-room");
	assert_int_equal(c.nsensors, 2);
	assert_int_equal(c.sensors[0].mount, MOUNT_MATTRESS);
	assert_true(config_replay(&c.sensors[1])->speed == 2.0);
	assert_true(c.sensors[1].axis[1] == -1.0 && c.sensors[1].axis[0] == 0);
	assert_true(c.leg.move.onset_k == 8.0);
	assert_int_equal(c.night_start_min, 23 * 60 + 15);
	assert_int_equal(c.night_end_min, 6 * 60 + 45);
	config_leg_params(&c, &c.sensors[0], &lp);
	assert_int_equal(lp.mount, MOUNT_MATTRESS);
	assert_true(lp.move.onset_k == 7.5);
	/* The shared settings reach mattress sensors too... */
	assert_true(lp.cramp.end_quiet_s == 8.0);
	/* ... but a mattress keeps its own hold. */
	assert_true(lp.cramp.hold_s == 12.0);
	config_leg_params(&c, &c.sensors[1], &lp);
	assert_int_equal(lp.mount, MOUNT_ANKLE);
	assert_true(lp.cramp.hold_s == 12.5);
	assert_true(lp.leg_axis[1] == -1.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_option_is_documented),
		cmocka_unit_test(test_example_holds_the_defaults),
		cmocka_unit_test(test_mistakes_name_line_and_option),
		cmocka_unit_test(test_values_arrive),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
