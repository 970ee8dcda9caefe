/*
 * MQTT (design.md 3.5), driven from the daemon's own poll loop: no library
 * thread.  Events go out from the outbox in order with QoS 1 and leave it
 * on PUBACK.  Status, discovery and state are re-sent on every connect.
 * A broker that is away is retried with capped, jittered back-off; the
 * connect (the name lookup, TCP and TLS) runs on a worker (worker.h), so
 * it never blocks the loop.  MQTT 5 where the broker has it: the broker
 * is told the largest packet we take (4 KiB: commands are 16 bytes), and
 * a PUBACK that refuses an event (not authorised, quota) leaves it in
 * the outbox, offered again later; 3.1.1 where it has not.
 */
#ifndef LEGWATCH_MQTT_H
#define LEGWATCH_MQTT_H

#include "config.h"
#include "outbox.h"

struct mqtt;

struct mqtt_hooks {
	/* A checked command from B/set/<name>. */
	void	(*command)(void *ctx, const char *name, const char *value);
	/* The retained state as JSON (malloc'd), for B/state. */
	char	*(*state)(void *ctx);
	void	*ctx;
};

/*
 * Whether this image has MQTT: legwatchd-live links mqtt.c, legwatchd
 * links nomqtt.c and goes on in legwatchd-live for a run that needs it.
 */
int		 mqtt_linked(void);
/* temps names the temperature sensors, for their discovery. */
struct mqtt	*mqtt_new(const struct config *conf, struct outbox *ob,
		    const struct mqtt_hooks *hooks, const char *const *temps,
		    int ntemps, char *err, size_t errsz);
void		 mqtt_free(struct mqtt *m);
/* The configuration moved (a reload copied a new one into place). */
void		 mqtt_set_conf(struct mqtt *m, const struct config *conf);
/* The socket to poll, -1 while there is none; and whether for writing. */
int		 mqtt_fd(const struct mqtt *m);
int		 mqtt_want_write(const struct mqtt *m);
void		 mqtt_readable(struct mqtt *m, double now);
void		 mqtt_writable(struct mqtt *m, double now);
/* Keepalive, reconnects, sending what waits; now is CLOCK_MONOTONIC. */
void		 mqtt_tick(struct mqtt *m, double now);
/* When the next tick is wanted, CLOCK_MONOTONIC seconds. */
double		 mqtt_next_tick(const struct mqtt *m);
/* New events in the outbox, a new state: send them. */
void		 mqtt_kick(struct mqtt *m);
void		 mqtt_state_changed(struct mqtt *m);
int		 mqtt_connected(const struct mqtt *m);
/* Nothing waits or is in flight. */
int		 mqtt_drained(const struct mqtt *m);
/* Publishes "offline" and disconnects cleanly, if connected. */
void		 mqtt_shutdown(struct mqtt *m);

/* Parses B/set/<name> payloads strictly; 0 and the value, or -1. */
int		 mqtt_parse_command(const char *base, const char *topic,
		    const void *payload, int len, char *name, size_t namesz,
		    char *value, size_t valuesz);

#endif
