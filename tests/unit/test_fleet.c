/*
 * The live sensors as a fleet (daemon/fleet.c), driven with exact times:
 * an MPU-6050 on the in-process register model and a DS18B20 in a
 * temporary sysfs.  Faults injected at the bus (EREMOTEIO, ETIMEDOUT),
 * a wrong chip ID and a 1-Wire device that vanishes are each reported
 * once as a fault, retried with back-off, reported once as working again
 * when they come back, and never stop the other sensor.  So is a chip
 * that goes on handing in samples frozen to one value.
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/config.h"
#include "daemon/fleet.h"
#include "daemon/worker.h"
#include "model_i2c.h"

#define MPU_USER_CTRL	0x6a
#define MPU_PWR_MGMT_1	0x6b
#define MPU_WHO_AM_I	0x75
#define ANKLE		0
#define ROOM		1

struct report {
	int	index, faulted;
	char	error[SENSOR_ERR_MAX];
	double	t;
};

struct rig {
	struct config		conf;
	struct fleet		f;
	struct model_i2c	m;
	struct model_dev	*mpu;
	char			root[64], dev[160];
	int			samples[2];
	double			chip_t;
	double			last_t;
	int			out_of_order;
	int			chip_dead;
	int			chip_frozen;	/* one value, no noise; 2: */
						/* another at each setup */
	int			setups;		/* times the fleet opened it */
	int			was_open;
	struct report		rep[16];
	int			nrep;
};

static void
on_sample(void *ctx, int index, const struct sample *s)
{
	struct rig *r = ctx;

	r->samples[index]++;
	/* Detection sees every sensor's samples in one time order. */
	if (s->t < r->last_t)
		r->out_of_order++;
	r->last_t = s->t;
}

static void
on_fault(void *ctx, int index, int faulted, const char *error)
{
	struct rig *r = ctx;
	struct report *p = &r->rep[r->nrep++];

	assert_true(r->nrep <= 16);
	p->index = index;
	p->faulted = faulted;
	p->t = r->last_t;
	snprintf(p->error, sizeof(p->error), "%s", error);
}

static void
put_temperature(struct rig *r, const char *text)
{
	char path[200];
	FILE *fp;

	mkdir(r->dev, 0755);
	snprintf(path, sizeof(path), "%s/temperature", r->dev);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static struct rig *
rig_new(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct ds18b20_settings *w1;
	char cmd[200], err[256];

	assert_non_null(r);
	config_defaults(&r->conf);
	assert_non_null(config_sensor_init(&r->conf.sensors[ANKLE], "ankle",
	    "mpu6050"));
	assert_non_null(w1 = config_sensor_init(&r->conf.sensors[ROOM],
	    "room", "ds18b20"));
	w1->interval_s = 1;
	snprintf(w1->w1_device, sizeof(w1->w1_device), "28-00000a1b2c3d");
	r->conf.nsensors = 2;

	snprintf(r->root, sizeof(r->root), "/tmp/legwatch-fleet.XXXXXX");
	assert_non_null(mkdtemp(r->root));
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/sys/bus/w1/devices", r->root);
	assert_int_equal(system(cmd), 0);
	snprintf(r->dev, sizeof(r->dev), "%s/sys/bus/w1/devices/%s", r->root,
	    w1->w1_device);
	put_temperature(r, "21437\n");

	model_i2c_init(&r->m);
	assert_non_null(r->mpu = model_i2c_add(&r->m, 0x68, MODEL_MPU6050));
	if (fleet_init(&r->f, &r->conf, NULL, on_sample, on_fault, r, err,
	    sizeof(err)) == -1)
		fail_msg("%s", err);
	r->f.m[ANKLE].s.i2c = &r->m.bus;
	r->f.m[ROOM].s.sysfs_root = r->root;
	r->chip_t = 10;
	return r;
}

static void
rig_free(struct rig *r)
{
	char cmd[200];

	fleet_close(&r->f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", r->root);
	assert_int_equal(system(cmd), 0);
	free(r);
}

/*
 * The thermometer's read went to a worker: waits until it is back, so
 * that the next service takes it, as the loop would when the worker's
 * fd woke it.
 */
static void
settle(void)
{
	struct pollfd pfd;

	while (worker_busy()) {
		pfd.fd = worker_fd();
		pfd.events = POLLIN;
		assert_true(poll(&pfd, 1, 5000) == 1);
		worker_readable();
	}
}

/* Services the fleet at mono time t (Unix time 1.8e9 + t). */
static void
service(struct rig *r, double t)
{
	struct sensor_clock c = { 1800000000.0 + t, t };
	long n;

	/*
	 * The chip samples at 50 Hz whatever the driver does, with a few
	 * LSB of noise, as a real one has.
	 */
	for (n = lround(r->chip_t * 50); n < lround(t * 50) && !r->chip_dead;
	    n++)
		if (r->chip_frozen)
			model_mpu_push(r->mpu, 120 + (r->chip_frozen == 2 ?
			    r->setups : 0), -40, 16300);
		else
			model_mpu_push(r->mpu, (int)(n % 7) - 3,
			    (int)(n % 5) - 2, 16384 + (int)(n % 11) - 5);
	r->chip_t = t;
	fleet_service(&r->f, &c, NULL, 0);
	settle();
	if (r->f.m[ANKLE].open && !r->was_open)
		r->setups++;
	r->was_open = r->f.m[ANKLE].open;
}

/* Runs the fleet every 0.25 s from t0 to t1. */
static void
run(struct rig *r, double t0, double t1)
{
	double t;

	for (t = t0; t <= t1 + 1e-9; t += 0.25)
		service(r, t);
}

static void
test_both_work(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	run(r, 10, 14);
	assert_int_equal(r->nrep, 0);
	assert_true(r->samples[ANKLE] >= 150);
	assert_true(r->samples[ROOM] >= 3);
	assert_false(fleet_problem(&r->f));
	assert_int_equal(r->out_of_order, 0);
	rig_free(r);
}

/* One bus error is retried at once and not reported: a glitch. */
static void
test_glitch_is_not_a_fault(void **state)
{
	struct rig *r = rig_new();
	unsigned long before;

	(void)state;
	run(r, 10, 12);
	model_i2c_fail(&r->m, 1, EREMOTEIO);
	before = r->m.transfers;
	run(r, 12.25, 16);
	assert_true(r->m.transfers > before);
	assert_int_equal(r->nrep, 0);
	assert_false(fleet_problem(&r->f));
	rig_free(r);
}

static void
bus_fault_and_return(int err, const char *text)
{
	struct rig *r = rig_new();
	int room_before, ankle_before;
	unsigned long tries;

	run(r, 10, 12);
	model_i2c_fail(&r->m, 1000000, err);
	room_before = r->samples[ROOM];
	ankle_before = r->samples[ANKLE];
	run(r, 12.25, 20);
	/* Reported once, naming the sensor's bus and the errno's text. */
	assert_int_equal(r->nrep, 1);
	assert_int_equal(r->rep[0].index, ANKLE);
	assert_int_equal(r->rep[0].faulted, 1);
	assert_non_null(strstr(r->rep[0].error, text));
	assert_non_null(strstr(r->rep[0].error, "mpu6050"));
	assert_true(fleet_problem(&r->f));
	assert_int_equal(r->samples[ANKLE], ankle_before);
	/* The thermometer went on. */
	assert_true(r->samples[ROOM] >= room_before + 6);

	/* Back-off: the retries thin out (1, 2, 4 ... s apart). */
	tries = r->m.transfers;
	run(r, 20.25, 21);
	assert_true(r->m.transfers - tries <= 12);

	/* It comes back: one sensor_ok, samples again. */
	r->m.fail_n = 0;
	run(r, 21.25, 60);
	assert_int_equal(r->nrep, 2);
	assert_int_equal(r->rep[1].index, ANKLE);
	assert_int_equal(r->rep[1].faulted, 0);
	assert_true(r->rep[1].t > r->rep[0].t);
	assert_false(fleet_problem(&r->f));
	assert_int_equal(r->out_of_order, 0);
	assert_true(r->samples[ANKLE] > ankle_before);
	rig_free(r);
}

static void
test_remote_io_error(void **state)
{
	(void)state;
	bus_fault_and_return(EREMOTEIO, "Remote I/O error");
}

static void
test_timeout(void **state)
{
	(void)state;
	bus_fault_and_return(ETIMEDOUT, "timed out");
}

/* Another chip answers where the MPU-6050 should be. */
static void
test_wrong_id(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	r->mpu->reg[MPU_WHO_AM_I] = 0x00;
	run(r, 10, 14);
	assert_int_equal(r->nrep, 1);
	assert_int_equal(r->rep[0].index, ANKLE);
	assert_int_equal(r->rep[0].faulted, 1);
	assert_non_null(strstr(r->rep[0].error, "0x68"));
	assert_true(r->samples[ROOM] >= 3);
	r->mpu->reg[MPU_WHO_AM_I] = 0x68;
	run(r, 14.25, 40);
	assert_int_equal(r->nrep, 2);
	assert_int_equal(r->rep[1].faulted, 0);
	rig_free(r);
}

/*
 * A chip that answers but has gone to sleep (a reset) is set up again:
 * reopened once, it works, so nothing is reported.
 */
static void
test_silent_chip_is_set_up_again(void **state)
{
	struct rig *r = rig_new();
	int before;

	(void)state;
	run(r, 10, 12);
	r->mpu->reg[MPU_PWR_MGMT_1] = 0x40;	/* asleep, as after power-on */
	r->mpu->reg[MPU_USER_CTRL] = 0;		/* FIFO off */
	before = r->samples[ANKLE];
	run(r, 12.25, 22);
	assert_int_equal(r->samples[ANKLE], before);
	run(r, 22.25, 40);
	assert_int_equal(r->nrep, 0);
	assert_int_equal(r->mpu->reg[MPU_PWR_MGMT_1] & 0x40, 0);
	assert_true(r->samples[ANKLE] > before + 100);
	rig_free(r);
}

/* A chip that stays asleep however often it is set up is a fault. */
static void
test_chip_that_never_measures(void **state)
{
	struct rig *r = rig_new();
	double t;

	(void)state;
	run(r, 10, 12);
	r->chip_dead = 1;	/* answers, never measures */
	run(r, 12.25, 40);
	assert_int_equal(r->nrep, 1);
	assert_int_equal(r->rep[0].index, ANKLE);
	assert_non_null(strstr(r->rep[0].error, "no samples for"));
	assert_true(fleet_problem(&r->f));
	/*
	 * Its last readings were all alike, but no reading is not the same
	 * reading: every retry, a minute apart at last, says no samples.
	 */
	for (t = 40.25; t < 400; t += 0.25) {
		service(r, t);
		if (strstr(r->f.m[ANKLE].s.error, "same reading") != NULL)
			fail_msg("at %.2f s: %s", t, r->f.m[ANKLE].s.error);
	}
	assert_int_equal(r->nrep, 1);
	rig_free(r);
}

/*
 * A chip that goes on handing in one reading, bit for bit (its data
 * registers stuck): not a fault for the first 30 s of it, then set up
 * again, then a fault; a working one again once its readings move.
 */
static void
test_frozen_chip(void **state)
{
	struct rig *r = rig_new();
	unsigned long who;
	int room_before;

	(void)state;
	run(r, 10, 20);
	r->chip_frozen = 1;
	room_before = r->samples[ROOM];
	run(r, 20.25, 48);
	assert_int_equal(r->nrep, 0);
	who = r->m.transfers;
	run(r, 48.25, 60);
	assert_int_equal(r->nrep, 1);
	assert_int_equal(r->rep[0].index, ANKLE);
	assert_int_equal(r->rep[0].faulted, 1);
	assert_non_null(strstr(r->rep[0].error, "the same reading"));
	assert_true(r->rep[0].t >= 1800000000.0 + 50);
	assert_true(r->rep[0].t < 1800000000.0 + 53);
	assert_true(fleet_problem(&r->f));
	assert_true(r->m.transfers > who);	/* set up again */
	assert_true(r->samples[ROOM] >= room_before + 30);
	/* It moves again: one sensor_ok. */
	r->chip_frozen = 0;
	run(r, 60.25, 130);
	assert_int_equal(r->nrep, 2);
	assert_int_equal(r->rep[1].faulted, 0);
	assert_false(fleet_problem(&r->f));
	assert_int_equal(r->out_of_order, 0);
	rig_free(r);
}

/*
 * A chip still on one reading that then goes to sleep and is set up
 * again: the time without samples is not more of the same reading, so
 * the 30 s start again from its first samples after the setup.
 */
static void
test_pause_starts_the_run_afresh(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	run(r, 10, 20);
	r->chip_frozen = 1;
	run(r, 20.25, 30);
	r->mpu->reg[MPU_PWR_MGMT_1] = 0x40;	/* asleep, as after power-on */
	r->mpu->reg[MPU_USER_CTRL] = 0;		/* FIFO off */
	run(r, 30.25, 70);
	assert_int_equal(r->nrep, 0);
	assert_true(r->setups >= 2);
	/* Still the same reading: a fault once it has lasted 30 s. */
	run(r, 70.25, 80);
	assert_int_equal(r->nrep, 1);
	assert_non_null(strstr(r->rep[0].error, "the same reading"));
	assert_true(r->rep[0].t >= 1800000000.0 + 71);
	rig_free(r);
}

/*
 * Stuck on another value after each setup: a setup that changes the
 * reading once is no sign of life, so it is still a fault.
 */
static void
test_frozen_anew_at_each_setup(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	run(r, 10, 20);
	r->chip_frozen = 2;
	run(r, 20.25, 130);
	assert_true(r->setups >= 3);
	assert_int_equal(r->nrep, 1);
	assert_int_equal(r->rep[0].faulted, 1);
	assert_non_null(strstr(r->rep[0].error, "the same reading"));
	assert_true(fleet_problem(&r->f));
	rig_free(r);
}

/*
 * A chip that failed on the bus and comes back stuck: answering and
 * handing in one reading is not working again.
 */
static void
test_comes_back_frozen(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	run(r, 10, 12);
	model_i2c_fail(&r->m, 1000000, EREMOTEIO);
	run(r, 12.25, 20);
	assert_int_equal(r->nrep, 1);
	r->chip_frozen = 1;
	r->m.fail_n = 0;
	run(r, 20.25, 200);
	assert_int_equal(r->nrep, 1);
	assert_true(fleet_problem(&r->f));
	r->chip_frozen = 0;
	run(r, 200.25, 300);
	assert_int_equal(r->nrep, 2);
	assert_int_equal(r->rep[1].faulted, 0);
	rig_free(r);
}

/* Thirty seconds of one reading with noise around it is no fault. */
static void
test_quiet_chip_is_not_frozen(void **state)
{
	struct rig *r = rig_new();

	(void)state;
	run(r, 10, 20);
	r->chip_frozen = 1;
	run(r, 20.25, 45);
	r->chip_frozen = 0;
	run(r, 45.25, 60);
	r->chip_frozen = 1;
	run(r, 60.25, 85);
	assert_int_equal(r->nrep, 0);
	assert_false(fleet_problem(&r->f));
	rig_free(r);
}

static void
test_w1_device_vanishes(void **state)
{
	struct rig *r = rig_new();
	char cmd[220];
	int ankle_before;

	(void)state;
	run(r, 10, 12);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", r->dev);
	assert_int_equal(system(cmd), 0);
	ankle_before = r->samples[ANKLE];
	run(r, 12.25, 20);
	assert_int_equal(r->nrep, 1);
	assert_int_equal(r->rep[0].index, ROOM);
	assert_int_equal(r->rep[0].faulted, 1);
	assert_non_null(strstr(r->rep[0].error, "28-00000a1b2c3d"));
	/* The accelerometer went on. */
	assert_true(r->samples[ANKLE] >= ankle_before + 350);
	put_temperature(r, "20500\n");
	run(r, 20.25, 60);
	assert_int_equal(r->nrep, 2);
	assert_int_equal(r->rep[1].index, ROOM);
	assert_int_equal(r->rep[1].faulted, 0);
	rig_free(r);
}

/*
 * A thermometer measured in two steps (trigger, then read) whose readings
 * are always bad: answering the trigger does not make it a working one.
 */
static void
test_thermometer_always_bad(void **state)
{
	struct rig *r = rig_new();
	char path[200];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/sys/bus/w1/devices/therm_bulk_read",
	    r->root);
	assert_non_null(fp = fopen(path, "w"));
	fclose(fp);
	put_temperature(r, "garbage\n");
	run(r, 10, 40);
	assert_int_equal(r->nrep, 1);
	assert_int_equal(r->rep[0].index, ROOM);
	assert_int_equal(r->rep[0].faulted, 1);
	assert_true(fleet_problem(&r->f));
	assert_int_equal(r->samples[ROOM], 0);
	put_temperature(r, "20500\n");
	run(r, 40.25, 120);
	assert_int_equal(r->nrep, 2);
	assert_int_equal(r->rep[1].faulted, 0);
	assert_true(r->samples[ROOM] > 0);
	rig_free(r);
}

/*
 * A DS18B20 whose read takes 750 ms, as the kernel's w1_therm converts
 * inside it: here its temperature file is a FIFO that a thread fills
 * that late after each open.  Beside it an ADXL345 at 50 Hz, whose
 * 32-sample FIFO holds 0.64 s, is served in real time: with the read on
 * the loop, every reading would overflow it.
 */
#define SLOW_READ_S	0.75

/*
 * Detection waits on a decision due at a sample time: the accelerometer's
 * FIFO is read as soon as it holds that sample, not at its next drain a
 * second later; never before not_before, so that a decision short of
 * samples cannot spin the loop; and never a sensor that cannot be drained
 * early (a chip still waking, a thermometer).
 */
#define UNIX0	1800000000.0

static void
test_drained_early_for_a_decision(void **state)
{
	struct rig *r = rig_new();
	struct fleet_member *ankle = &r->f.m[ANKLE], *room = &r->f.m[ROOM];
	double now, wanted, room_read, drain;

	(void)state;
	service(r, 10);
	assert_true(ankle->open);
	/* Waking (30 ms): its FIFO is not on yet, the read stays. */
	drain = ankle->s.next_read;
	fleet_want_data(&r->f, UNIX0 + 10.001, 10);
	assert_true(ankle->s.next_read == drain);

	run(r, 10.25, 12);
	now = 12;
	drain = ankle->s.next_read;
	room_read = room->s.next_read;
	assert_true(drain > now + 0.5);
	assert_true(ankle->s.drain_early);

	/* Nothing pending: nothing moves. */
	fleet_want_data(&r->f, INFINITY, now + 0.05);
	assert_true(fleet_next_wake(&r->f) == fmin(drain, room_read));

	wanted = UNIX0 + now + 0.3;
	fleet_want_data(&r->f, wanted, now + 0.05);
	assert_true(fabs(ankle->s.next_read - (now + 0.32)) < 1e-6);
	assert_true(room->s.next_read == room_read);
	/* A later want leaves the earlier read where it is. */
	fleet_want_data(&r->f, wanted + 0.2, now + 0.05);
	assert_true(fabs(ankle->s.next_read - (now + 0.32)) < 1e-6);

	assert_true(fleet_next_wake(&r->f) <= now + 0.32 + 1e-6);
	service(r, ankle->s.next_read);
	assert_true(ankle->last_t >= wanted);
	assert_true(r->last_t >= wanted);	/* handed on to detection */
	assert_true(ankle->s.next_read > now + 1.0);

	/* Wanted from the past (short of samples): not before not_before. */
	now = r->chip_t;
	fleet_want_data(&r->f, UNIX0 + now - 5, now + 0.05);
	assert_true(fabs(ankle->s.next_read - (now + 0.05)) < 1e-6);
	assert_int_equal(r->nrep, 0);
	assert_int_equal(r->out_of_order, 0);
	rig_free(r);
}

static volatile int slow_stop;

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *
slow_thermometer(void *arg)
{
	const char *path = arg;
	struct timespec late = { 0, (long)(SLOW_READ_S * 1e9) };
	struct timespec nap = { 0, 5000000 };
	ssize_t n;
	int fd;

	while (!slow_stop) {
		/* No reader yet: ENXIO. */
		if ((fd = open(path, O_WRONLY | O_NONBLOCK)) == -1) {
			nanosleep(&nap, NULL);
			continue;
		}
		nanosleep(&late, NULL);
		n = write(fd, "21437\n", 6);	/* EPIPE: a reader gone */
		(void)n;
		close(fd);
		nanosleep(&nap, NULL);	/* the reader closes its end */
	}
	return NULL;
}

static void
test_slow_thermometer_stalls_nothing(void **state)
{
	static struct config conf;
	struct ds18b20_settings *w1;
	struct model_i2c m;
	struct model_dev *adxl;
	struct fleet f;
	struct rig r;
	struct pollfd pfd;
	pthread_t tid;
	char root[64], dev[200], fifo[240], cmd[300], err[256];
	double t0, t;
	long pushed = 0, n;

	(void)state;
	memset(&r, 0, sizeof(r));
	config_defaults(&conf);
	assert_non_null(config_sensor_init(&conf.sensors[ANKLE], "ankle",
	    "adxl345"));
	assert_non_null(w1 = config_sensor_init(&conf.sensors[ROOM], "room",
	    "ds18b20"));
	w1->interval_s = 1;
	snprintf(w1->w1_device, sizeof(w1->w1_device), "28-00000a1b2c3d");
	conf.nsensors = 2;
	snprintf(root, sizeof(root), "/tmp/legwatch-fleet.XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(dev, sizeof(dev), "%s/sys/bus/w1/devices/%s", root,
	    w1->w1_device);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s", dev);
	assert_int_equal(system(cmd), 0);
	snprintf(fifo, sizeof(fifo), "%s/temperature", dev);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	model_i2c_init(&m);
	assert_non_null(adxl = model_i2c_add(&m, 0x53, MODEL_ADXL345));
	if (fleet_init(&f, &conf, NULL, on_sample, on_fault, &r, err,
	    sizeof(err)) == -1)
		fail_msg("%s", err);
	f.m[ANKLE].s.i2c = &m.bus;
	f.m[ROOM].s.sysfs_root = root;
	slow_stop = 0;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pthread_create(&tid, NULL, slow_thermometer, fifo),
	    0);

	/* Four seconds of the loop: the chip samples as time goes. */
	t0 = mono();
	while ((t = mono() - t0) < 4.0) {
		struct sensor_clock c = { 1800000000.0 + t, 10 + t };

		for (n = lround(t * 50); pushed < n; pushed++)
			model_adxl_push(adxl, (int)(pushed % 7) - 3,
			    (int)(pushed % 5) - 2, 256 + (int)(pushed % 11));
		fleet_service(&f, &c, NULL, 0);
		pfd.fd = worker_fd();
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 20) == 1)
			worker_readable();
	}
	assert_int_equal(f.m[ANKLE].s.overflows, 0);
	assert_true(r.samples[ANKLE] >= 150);
	/* The readings came: one a second, each 0.75 s after its start. */
	assert_true(r.samples[ROOM] >= 2);
	assert_int_equal(r.nrep, 0);
	fleet_close(&f);
	slow_stop = 1;
	pthread_join(tid, NULL);
	settle();	/* a read dropped while out */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_work),
		cmocka_unit_test(test_glitch_is_not_a_fault),
		cmocka_unit_test(test_remote_io_error),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_wrong_id),
		cmocka_unit_test(test_silent_chip_is_set_up_again),
		cmocka_unit_test(test_chip_that_never_measures),
		cmocka_unit_test(test_frozen_chip),
		cmocka_unit_test(test_pause_starts_the_run_afresh),
		cmocka_unit_test(test_frozen_anew_at_each_setup),
		cmocka_unit_test(test_comes_back_frozen),
		cmocka_unit_test(test_quiet_chip_is_not_frozen),
		cmocka_unit_test(test_w1_device_vanishes),
		cmocka_unit_test(test_thermometer_always_bad),
		cmocka_unit_test(test_slow_thermometer_stalls_nothing),
		cmocka_unit_test(test_drained_early_for_a_decision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
