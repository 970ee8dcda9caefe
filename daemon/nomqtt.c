/*
 * MQTT in the image that has none: legwatchd, which offline analysis
 * runs, is linked with this in place of mqtt.c and so loads neither
 * libmosquitto nor the TLS libraries under it (design.md 2.4).  A run
 * that talks to a broker goes on in legwatchd-live (main.c), so no
 * client is ever made here: with none, nothing below is reached.
 */
#include <stdio.h>

#include "mqtt.h"

int
mqtt_linked(void)
{
	return 0;
}

struct mqtt *
mqtt_new(const struct config *conf, struct outbox *ob,
    const struct mqtt_hooks *hooks, const char *const *temps, int ntemps,
    char *err, size_t errsz)
{
	(void)conf, (void)ob, (void)hooks, (void)temps, (void)ntemps;
	snprintf(err, errsz, "mqtt: this legwatchd has no MQTT; "
	    "legwatchd-live has");
	return NULL;
}

void
mqtt_free(struct mqtt *m)
{
	(void)m;
}

void
mqtt_set_conf(struct mqtt *m, const struct config *conf)
{
	(void)m, (void)conf;
}

int
mqtt_fd(const struct mqtt *m)
{
	(void)m;
	return -1;
}

int
mqtt_want_write(const struct mqtt *m)
{
	(void)m;
	return 0;
}

void
mqtt_readable(struct mqtt *m, double now)
{
	(void)m, (void)now;
}

void
mqtt_writable(struct mqtt *m, double now)
{
	(void)m, (void)now;
}

void
mqtt_tick(struct mqtt *m, double now)
{
	(void)m, (void)now;
}

double
mqtt_next_tick(const struct mqtt *m)
{
	(void)m;
	return 0;
}

void
mqtt_kick(struct mqtt *m)
{
	(void)m;
}

void
mqtt_state_changed(struct mqtt *m)
{
	(void)m;
}

int
mqtt_connected(const struct mqtt *m)
{
	(void)m;
	return 0;
}

int
mqtt_drained(const struct mqtt *m)
{
	(void)m;
	return 1;
}

void
mqtt_shutdown(struct mqtt *m)
{
	(void)m;
}
