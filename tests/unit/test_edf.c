/*
 * The EDF+ writer, read back with EDFlib's own reader: signals, rates,
 * values, start on a whole second, gaps filled and annotated, and every
 * annotation kept however many there are.
 */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <edflib.h>

#include "daemon/edf.h"

/* 2026-11-18 22:45:00.4 UTC: the file starts at 22:45:00. */
#define T0	1795041900.4

static char dir[64];
static char path[PATH_MAX];

static int
setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	snprintf(dir, sizeof(dir), "/tmp/test_edf.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/night.edf", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

static double
wave(double t, int axis)
{
	return 0.5 * sin(t * (1 + axis)) + (axis == 2 ? 0.9 : 0);
}

static struct event
movement(enum event_type type, const char *sensor, double start,
    double end)
{
	struct event ev;

	event_init(&ev, type, end, sensor);
	ev.start = start;
	ev.end = end;
	return ev;
}

static void
test_rates(void **state)
{
	(void)state;
	assert_int_equal(edf_rate(25), 25);
	assert_int_equal(edf_rate(50), 50);
	assert_int_equal(edf_rate(100), 100);
	assert_int_equal(edf_rate(12.5), 25);
	assert_int_equal(edf_rate(40), 50);
	assert_int_equal(edf_rate(400), 100);
	assert_int_equal(edf_rate(0), 25);
}

static void
test_annotation_texts(void **state)
{
	char buf[EDF_ANNOTATION_MAX + 1];
	struct event ev;

	(void)state;
	ev = movement(EVENT_LEG_MOVEMENT, "left", 1, 2);
	assert_int_equal(edf_annotation(&ev, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "Leg movement left");
	ev = movement(EVENT_PLM_SERIES, "", 1, 60);
	ev.count = 7;
	assert_int_equal(edf_annotation(&ev, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "PLM series, 7 LMs");
	event_init(&ev, EVENT_HYDRATION_REMINDER, 5, "");
	snprintf(ev.text, sizeof(ev.text), "pace");
	assert_int_equal(edf_annotation(&ev, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "Drink reminder (pace)");
	/* Latin-1 in the file: ASCII only. */
	ev = movement(EVENT_CRAMP, "k\xc3\xbc" "che", 1, 30);
	assert_int_equal(edf_annotation(&ev, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "Cramp k?che");
	event_init(&ev, EVENT_NIGHT_SUMMARY, 5, "");
	assert_int_equal(edf_annotation(&ev, buf, sizeof(buf)), 0);
	event_init(&ev, EVENT_CRAMP_START, 5, "left");
	assert_int_equal(edf_annotation(&ev, buf, sizeof(buf)), 0);
}

/* The reader gives fields blank-padded. */
static const char *
trimmed(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	return s;
}

static int
find_annotation(int h, long long n, const char *text, double onset,
    double duration)
{
	struct edf_annotation_struct a;
	long long i;

	for (i = 0; i < n; i++) {
		assert_int_equal(edf_get_annotation(h, (int)i, &a), 0);
		if (strcmp(a.annotation, text) != 0 ||
		    fabs((double)a.onset / EDFLIB_TIME_DIMENSION - onset) >
		    1e-4)
			continue;
		if (duration < 0 || fabs((double)a.duration_l /
		    EDFLIB_TIME_DIMENSION - duration) < 1e-4)
			return 1;
	}
	return 0;
}

/* Two legs at 50 Hz and 100 Hz, a thermometer every 10 s, for 60 s. */
static void
test_two_legs_and_a_thermometer(void **state)
{
	static const struct edf_source src[] = {
		{ "left", EDF_ACCEL }, { "right", EDF_ACCEL },
		{ "room", EDF_TEMP },
	};
	static const char *const labels[] = { "left ax", "left ay",
	    "left az", "right ax", "right ay", "right az", "room temp" };
	struct edf_hdr_struct *hdr;
	struct sample s;
	struct event ev;
	char err[512];
	double buf[100];
	struct edf *e;
	int i, k, h;

	(void)state;
	e = edf_open_path(path, src, 3, "Bedside \xc3\xa9 monitor", err,
	    sizeof(err));
	assert_non_null(e);
	for (i = 0; i < 60 * 100; i++) {
		s.t = T0 + i * 0.01;
		if (i % 2 == 0) {
			s.v[0] = wave(s.t, 0);
			s.v[1] = wave(s.t, 1);
			s.v[2] = wave(s.t, 2);
			edf_sample(e, 0, &s);
		}
		s.v[0] = -wave(s.t, 0);
		s.v[1] = -wave(s.t, 1);
		s.v[2] = -wave(s.t, 2);
		edf_sample(e, 1, &s);
		if (i % 1000 == 0) {
			s.v[0] = 20.5 + i / 1000;
			edf_sample(e, 2, &s);
		}
	}
	ev = movement(EVENT_LEG_MOVEMENT, "left", T0 + 10.25, T0 + 11.75);
	edf_event(e, &ev);
	ev = movement(EVENT_PLM_SERIES, "", T0 + 10.25, T0 + 55.5);
	ev.count = 4;
	edf_event(e, &ev);
	event_init(&ev, EVENT_SENSOR_FAULT, T0 + 30, "room");
	edf_event(e, &ev);
	assert_int_equal(edf_close(e, err, sizeof(err)), 0);

	hdr = calloc(1, sizeof(*hdr));
	assert_non_null(hdr);
	assert_int_equal(edfopen_file_readonly(path, hdr,
	    EDFLIB_READ_ALL_ANNOTATIONS), 0);
	h = hdr->handle;
	assert_int_equal(hdr->filetype, EDFLIB_FILETYPE_EDFPLUS);
	assert_int_equal(hdr->edfsignals, 7);
	for (i = 0; i < 7; i++)
		assert_string_equal(trimmed(hdr->signalparam[i].label),
		    labels[i]);
	assert_int_equal(hdr->signalparam[0].smp_in_datarecord, 50);
	assert_int_equal(hdr->signalparam[3].smp_in_datarecord, 100);
	assert_int_equal(hdr->signalparam[6].smp_in_datarecord, 1);
	assert_string_equal(trimmed(hdr->signalparam[0].physdimension), "g");
	assert_string_equal(trimmed(hdr->signalparam[6].physdimension),
	    "degC");
	assert_true(hdr->datarecord_duration == EDFLIB_TIME_DIMENSION);
	assert_true(hdr->starttime_subsecond == 0);
	assert_int_equal(hdr->starttime_hour, 22);
	assert_int_equal(hdr->starttime_minute, 45);
	assert_int_equal(hdr->starttime_second, 0);
	/* 22:45:00 to the last sample, 22:46:00.39. */
	assert_true(hdr->datarecords_in_file == 61);
	assert_string_equal(trimmed(hdr->equipment), "Bedside ? monitor");
	/* The samples where they were, within the 16-bit resolution. */
	edfseek(h, 0, 50 * 5, EDFSEEK_SET);
	assert_int_equal(edfread_physical_samples(h, 0, 50, buf), 50);
	for (k = 1; k < 50; k++)
		assert_true(fabs(buf[k] - wave(T0 - 0.4 + 5 + k * 0.02, 0)) <
		    0.002);
	edfseek(h, 5, 100 * 7, EDFSEEK_SET);
	assert_int_equal(edfread_physical_samples(h, 5, 100, buf), 100);
	for (k = 1; k < 100; k++)
		assert_true(fabs(buf[k] + wave(T0 - 0.4 + 7 + k * 0.01, 2)) <
		    0.002);
	/* The thermometer held: 20.5 from 0.4 s, 21.5 from 10.4 s. */
	assert_int_equal(edfread_physical_samples(h, 6, 20, buf), 20);
	assert_true(fabs(buf[1] - 20.5) < 0.01 && fabs(buf[10] - 20.5) <
	    0.01 && fabs(buf[11] - 21.5) < 0.01);
	assert_true(find_annotation(h, hdr->annotations_in_file,
	    "Leg movement left", 10.65, 1.5));
	assert_true(find_annotation(h, hdr->annotations_in_file,
	    "PLM series, 4 LMs", 10.65, 45.25));
	assert_true(find_annotation(h, hdr->annotations_in_file,
	    "Sensor fault room", 30.4, -1));
	assert_true(hdr->annotations_in_file == 3);
	edfclose_file(h);
	free(hdr);
}

/* A minute without samples: zeros, and said. */
static void
test_gap(void **state)
{
	static const struct edf_source src[] = { { "ankle", EDF_ACCEL } };
	struct edf_hdr_struct *hdr;
	struct sample s = { 0, { 0.1, 0.2, 0.97 } };
	char err[512];
	double buf[25 * 181];
	struct edf *e;
	int i;

	(void)state;
	assert_non_null(e = edf_open_path(path, src, 1, "x", err, sizeof(err)));
	for (i = 0; i < 25 * 180; i++) {
		s.t = T0 + i * 0.04;
		if (s.t < T0 + 60 || s.t >= T0 + 120)
			edf_sample(e, 0, &s);
	}
	assert_int_equal(edf_close(e, err, sizeof(err)), 0);
	hdr = calloc(1, sizeof(*hdr));
	assert_non_null(hdr);
	assert_int_equal(edfopen_file_readonly(path, hdr,
	    EDFLIB_READ_ALL_ANNOTATIONS), 0);
	/* 22:45:00 to the last sample, 22:48:00.36. */
	assert_true(hdr->datarecords_in_file == 181);
	assert_int_equal(edfread_physical_samples(hdr->handle, 2, 25 * 181,
	    buf), 25 * 181);
	assert_true(fabs(buf[25 * 60] - 0.97) < 0.001);
	assert_true(fabs(buf[25 * 61]) < 0.001);
	assert_true(fabs(buf[25 * 120]) < 0.001);
	assert_true(fabs(buf[25 * 121] - 0.97) < 0.001);
	assert_true(find_annotation(hdr->handle, hdr->annotations_in_file,
	    "No data ankle", 60.36, 60.04));
	assert_true(hdr->annotations_in_file == 1);
	edfclose_file(hdr->handle);
	free(hdr);
}

/* Far more annotations than records: none dropped. */
static void
test_many_annotations(void **state)
{
	static const struct edf_source src[] = { { "ankle", EDF_ACCEL } };
	struct edf_hdr_struct *hdr;
	struct sample s = { 0, { 0, 0, 1 } };
	struct event ev;
	char err[512], text[64];
	struct edf *e;
	int i;

	(void)state;
	assert_non_null(e = edf_open_path(path, src, 1, "x", err, sizeof(err)));
	for (i = 0; i < 100 * 30; i++) {
		s.t = T0 + i * 0.01;
		edf_sample(e, 0, &s);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(text, sizeof(text), "%d", i);
		ev = movement(EVENT_LEG_MOVEMENT, text, T0 + i * 0.03,
		    T0 + i * 0.03 + 0.5);
		edf_event(e, &ev);
	}
	assert_int_equal(edf_close(e, err, sizeof(err)), 0);
	hdr = calloc(1, sizeof(*hdr));
	assert_non_null(hdr);
	assert_int_equal(edfopen_file_readonly(path, hdr,
	    EDFLIB_READ_ALL_ANNOTATIONS), 0);
	assert_true(hdr->annotations_in_file == 1000);
	assert_true(find_annotation(hdr->handle, hdr->annotations_in_file,
	    "Leg movement 999", 999 * 0.03 + 0.4, 0.5));
	edfclose_file(hdr->handle);
	free(hdr);
}

/* A motion switch: its level held between changes, no gap. */
static void
test_motion_switch(void **state)
{
	static const struct edf_source src[] = { { "bed", EDF_MOTION } };
	static const double edge[][2] = { { 0, 0 }, { 5, 1 }, { 6.5, 0 },
	    { 6.5, 1 }, { 6.5, 0 }, { 20, 1 } };
	struct edf_hdr_struct *hdr;
	struct sample s = { 0, { 0, 0, 0 } };
	char err[512];
	double buf[25 * 21];
	struct edf *e;
	size_t i;

	(void)state;
	assert_non_null(e = edf_open_path(path, src, 1, "x", err, sizeof(err)));
	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		s.t = T0 + edge[i][0];
		s.v[0] = edge[i][1];
		edf_sample(e, 0, &s);
	}
	assert_int_equal(edf_close(e, err, sizeof(err)), 0);
	hdr = calloc(1, sizeof(*hdr));
	assert_non_null(hdr);
	assert_int_equal(edfopen_file_readonly(path, hdr,
	    EDFLIB_READ_ALL_ANNOTATIONS), 0);
	assert_string_equal(trimmed(hdr->signalparam[0].label), "bed motion");
	assert_int_equal(hdr->signalparam[0].smp_in_datarecord, 25);
	assert_true(hdr->datarecords_in_file == 21);
	assert_int_equal(edfread_physical_samples(hdr->handle, 0, 25 * 21,
	    buf), 25 * 21);
	/* 0.4 s after the file's start: 0 to 5.4 s, 1 to 6.9 s, 0 to 20.4. */
	assert_true(buf[25 * 3] < 0.001 && buf[25 * 5 + 15] > 0.999 &&
	    buf[25 * 7] < 0.001 && buf[25 * 20] < 0.001 &&
	    buf[25 * 20 + 15] > 0.999 && buf[25 * 21 - 1] > 0.999);
	assert_true(hdr->annotations_in_file == 0);
	edfclose_file(hdr->handle);
	free(hdr);
}

static void
test_errors(void **state)
{
	static const struct edf_source src[] = { { "ankle", EDF_ACCEL } };
	char err[512], bad[PATH_MAX], old[64];
	struct sample s = { 0, { 0, 0, 1 } };
	struct stat st;
	struct edf *e;
	FILE *f;

	(void)state;
	snprintf(bad, sizeof(bad), "%s/no/such/night.edf", dir);
	assert_null(edf_open_path(bad, src, 1, "x", err, sizeof(err)));
	assert_non_null(strstr(err, "/no/such"));
	/* Recordings years apart: an error, not a file of zeros. */
	assert_non_null(e = edf_open_path(path, src, 1, "x", err, sizeof(err)));
	s.t = T0;
	edf_sample(e, 0, &s);
	s.t = T0 + 3 * 365 * 86400.0;
	edf_sample(e, 0, &s);
	assert_int_equal(edf_close(e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 7 days"));
	assert_int_equal(stat(path, &st), -1);
	/* Nothing recorded: an error, and the old file stays as it was. */
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs("an earlier night", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_non_null(e = edf_open_path(path, src, 1, "x", err, sizeof(err)));
	assert_int_equal(edf_close(e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no samples"));
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(old, sizeof(old), f));
	fclose(f);
	assert_string_equal(old, "an earlier night");
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_annotation_texts),
		cmocka_unit_test_setup_teardown(test_two_legs_and_a_thermometer,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_annotations, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_motion_switch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
