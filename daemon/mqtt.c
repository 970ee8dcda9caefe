#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "discovery.h"
#include "log.h"
#include "mqtt.h"
#include "worker.h"

#define WINDOW		16	/* events in flight at once */
#define BACKOFF_MIN_S	1.0
#define BACKOFF_MAX_S	60.0
#define CMD_MAX		16	/* bytes of a command payload */
/*
 * What the broker may send us at most (MQTT 5): a command is 16 bytes,
 * so a huge one is dropped by the broker, never read into memory here.
 */
#define PACKET_MAX	4096
/* A broker that refuses events (MQTT 5 reason codes): offered again. */
#define REFUSED_MIN_S	5.0
#define REFUSED_MAX_S	300.0

enum link {
	LINK_DOWN,		/* waiting to try again */
	LINK_OPENING,		/* the connect is out on a worker */
	LINK_CONNECTING,	/* CONNECT sent, waiting for CONNACK */
	LINK_UP,
};

/*
 * The broker's connect, out on a worker (worker.h): the name lookup,
 * the TCP connect and the TLS setup all block.  While it is out the job
 * owns the mosquitto handle and the loop calls nothing of libmosquitto
 * on it; the callbacks, which the connect does not call, are the loop's.
 */
struct connect_job {
	struct worker_job	 job;
	struct mqtt		*m;
	struct mosquitto	*mosq;
	char			 host[CONFIG_STR_MAX];
	int			 port, keepalive, v5;
	int			 rc, err;
};

struct mqtt {
	struct mosquitto	*mosq;
	const struct config	*conf;
	struct outbox		*ob;
	struct mqtt_hooks	 hooks;
	char			 base[300];
	char			 topic_event[320], topic_movement[320];
	char			 topic_status[320], topic_state[320];
	char			 topic_set[320], topic_ha_status[300];
	enum link		 link;
	double			 retry_at, backoff;
	double			 announce_at;	/* discovery due (HA restart) */
	int			 inflight;
	int			 state_dirty;
	int			 said_down;	/* logged the outage once */
	int			 v311;		/* the broker has no MQTT 5 */
	struct connect_job	*opening;	/* the connect out, or NULL */
	int			 refused;	/* a PUBACK said no: hold */
	uint64_t		 refused_seq;	/* that event, until taken */
	double			 refused_until, refused_backoff;
	int			 said_refused;
	int			 falling_back;	/* to 3.1.1: the close is ours */
	unsigned		 bad_commands;
	char			 temps[CONFIG_MAX_SENSORS][CONFIG_NAME_MAX];
	int			 ntemps;
};

/* B/set/<name> and the payloads each takes. */
static const struct command {
	const char	*name;
	const char	*values[3];
} commands[] = {
	{ "drank", { "PRESS" } },
	{ "snooze", { "PRESS" } },
	{ "monitoring", { "ON", "OFF" } },
	{ "sit", { "START", "STOP" } },
};

static double
jitter(double s)
{
	/* +-25 %: a room full of devices does not reconnect in step. */
	return s * (0.75 + 0.5 * ((double)random() / RAND_MAX));
}

static void
schedule_retry(struct mqtt *m, double now)
{
	/*
	 * What is in flight stays so: libmosquitto sends it again itself
	 * after the reconnect, under the same message id.
	 */
	m->link = LINK_DOWN;
	m->retry_at = now + jitter(m->backoff);
	m->backoff = fmin(fmax(m->backoff * 2, BACKOFF_MIN_S), BACKOFF_MAX_S);
}

static void
publish_raw(struct mqtt *m, const char *topic, const char *payload,
    int retain)
{
	int rc = mosquitto_publish(m->mosq, NULL, topic, (int)strlen(payload),
	    payload, 1, retain);

	if (rc != MOSQ_ERR_SUCCESS)
		log_debug("mqtt: publish %s: %s", topic, mosquitto_strerror(rc));
}

static void
announce(struct mqtt *m)
{
	const char *temps[CONFIG_MAX_SENSORS];
	struct discovery_msg *msgs;
	int i, n;

	if (!m->conf->mqtt.discovery)
		return;
	for (i = 0; i < m->ntemps; i++)
		temps[i] = m->temps[i];
	if ((n = discovery_build(m->conf, temps, m->ntemps, &msgs)) == -1) {
		log_err("mqtt: cannot build the discovery messages");
		return;
	}
	n = discovery_retire(m->ob->sd, &msgs, n);
	for (i = 0; i < n; i++)
		publish_raw(m, msgs[i].topic, msgs[i].payload, 1);
	discovery_free(msgs, n);
}

static void
send_state(struct mqtt *m)
{
	char *json;

	if (m->hooks.state == NULL || (json = m->hooks.state(m->hooks.ctx)) ==
	    NULL)
		return;
	publish_raw(m, m->topic_state, json, 1);
	free(json);
	m->state_dirty = 0;
}

/*
 * Whether mosquitto_publish took a QoS 1 message (libmosquitto 2.0,
 * lib/actions.c).  It checks the message, gives it an id, then queues
 * it, and only then tries to write it: an error from the write (no
 * connection yet, a connection lost: MOSQ_ERR_NO_CONN, _CONN_LOST,
 * _ERRNO) leaves it queued, and the library sends it after the next
 * connect under the same id, its PUBACK coming to on_publish.  Offering
 * it again would send it twice more with every try.  An error before
 * the id (mid still 0) means not taken; so does MOSQ_ERR_NOMEM, which
 * comes before the queue but for one rare case, where QoS 1 allows the
 * second copy.
 */
static int
publish_taken(int rc, int mid)
{
	return rc == MOSQ_ERR_SUCCESS || (mid != 0 && rc != MOSQ_ERR_NOMEM);
}

/* Sends what waits in the outbox, in order, a window at a time. */
static void
pump(struct mqtt *m)
{
	size_t i;

	if (m->refused)
		return;
	/*
	 * Once the broker refused an event, one at a time until it takes
	 * it: what follows must not overtake it.
	 */
	for (i = 0; i < m->ob->n && m->inflight < (m->refused_seq != 0 ? 1 :
	    WINDOW); i++) {
		struct outbox_entry *e = &m->ob->e[i];
		int rc, mid = 0;

		if (e->inflight)
			continue;
		rc = mosquitto_publish(m->mosq, &mid, e->topic ==
		    OUTBOX_MOVEMENT ? m->topic_movement : m->topic_event,
		    (int)strlen(e->payload), e->payload, 1, false);
		if (!publish_taken(rc, mid)) {
			log_debug("mqtt: publish: %s", mosquitto_strerror(rc));
			return;
		}
		if (rc != MOSQ_ERR_SUCCESS)
			log_debug("mqtt: publish: %s; queued, it goes out on "
			    "the next connect", mosquitto_strerror(rc));
		e->inflight = 1;
		e->mid = mid;
		m->inflight++;
	}
}

static void
on_connect(struct mosquitto *mosq, void *obj, int rc, int flags,
    const mosquitto_property *props)
{
	struct mqtt *m = obj;

	(void)mosq;
	(void)flags;
	(void)props;
	if (!m->v311 && (rc == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION ||
	    rc == CONNACK_REFUSED_PROTOCOL_VERSION)) {
		log_notice("mqtt: %s:%d speaks MQTT 3.1.1, not 5: it cannot "
		    "say when it refuses an event", m->conf->mqtt.host,
		    m->conf->mqtt.port);
		m->v311 = 1;
		mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION,
		    MQTT_PROTOCOL_V311);
		m->backoff = 0;		/* at once, in the old tongue */
		m->falling_back = 1;	/* the close that follows is no news */
		m->link = LINK_CONNECTING;
		return;
	}
	if (rc != 0) {
		/* Refused: bad credentials, not authorised...: keep trying. */
		if (!m->said_down)
			log_err("mqtt: %s:%d refused the connection: %s",
			    m->conf->mqtt.host, m->conf->mqtt.port,
			    m->v311 ? mosquitto_connack_string(rc) :
			    mosquitto_reason_string(rc));
		m->said_down = 1;
		m->link = LINK_CONNECTING;	/* the disconnect follows */
		return;
	}
	log_notice("mqtt: connected to %s:%d", m->conf->mqtt.host,
	    m->conf->mqtt.port);
	m->link = LINK_UP;
	m->backoff = BACKOFF_MIN_S;
	m->refused = 0;
	m->said_down = 0;
	publish_raw(m, m->topic_status, "online", 1);
	mosquitto_subscribe(m->mosq, NULL, m->topic_set, 1);
	if (m->conf->mqtt.discovery)
		mosquitto_subscribe(m->mosq, NULL, m->topic_ha_status, 1);
	announce(m);
	send_state(m);
	pump(m);
}

static void
on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;

	(void)mosq;
	(void)rc;
	if (m->link == LINK_OPENING)
		return;	/* never from the connect; if so, it says it itself */
	if (m->link == LINK_UP)
		log_warn("mqtt: lost the connection to %s:%d; events wait in "
		    "the outbox", m->conf->mqtt.host, m->conf->mqtt.port);
	m->link = LINK_DOWN;
	m->retry_at = -1;	/* the next tick schedules it */
}

static void
on_publish(struct mosquitto *mosq, void *obj, int mid, int reason,
    const mosquitto_property *props)
{
	struct mqtt *m = obj;
	size_t i;

	(void)mosq;
	(void)props;
	for (i = 0; i < m->ob->n; i++) {
		struct outbox_entry *e = &m->ob->e[i];

		if (!e->inflight || e->mid != mid)
			continue;
		m->inflight--;
		if (reason < 0x80) {
			if (e->seq == m->refused_seq) {
				log_notice("mqtt: the broker takes events again");
				m->refused_seq = 0;
				m->refused_backoff = 0;
				m->said_refused = 0;
			}
			outbox_ack(m->ob, e->seq);
			return;
		}
		/*
		 * Taken but not delivered (not authorised, quota...): the
		 * event stays and is offered again later.
		 */
		e->inflight = 0;
		if (!m->said_refused)
			log_err("mqtt: %s:%d refused an event on %s: %s; events "
			    "wait in the outbox", m->conf->mqtt.host,
			    m->conf->mqtt.port, e->topic == OUTBOX_MOVEMENT ?
			    m->topic_movement : m->topic_event,
			    mosquitto_reason_string(reason));
		m->said_refused = 1;
		m->refused = 1;
		if (m->refused_seq == 0 || e->seq < m->refused_seq)
			m->refused_seq = e->seq;
		m->refused_until = 0;	/* the next tick sets it */
		return;
	}
}

int
mqtt_parse_command(const char *base, const char *topic, const void *payload,
    int len, char *name, size_t namesz, char *value, size_t valuesz)
{
	size_t blen = strlen(base), i;
	const char *cmd, *const *v;
	int j;

	if (strncmp(topic, base, blen) != 0 ||
	    strncmp(topic + blen, "/set/", 5) != 0)
		return -1;
	cmd = topic + blen + 5;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		return -1;
	if (len < 1 || len > CMD_MAX || (size_t)len >= valuesz ||
	    strlen(cmd) >= namesz)
		return -1;
	for (j = 0; j < len; j++)
		if (((const char *)payload)[j] < 0x21 ||
		    ((const char *)payload)[j] > 0x7e)
			return -1;
	memcpy(value, payload, (size_t)len);
	value[len] = '\0';
	for (v = commands[i].values; *v != NULL; v++)
		if (strcmp(value, *v) == 0)
			break;
	if (*v == NULL)
		return -1;
	snprintf(name, namesz, "%s", cmd);
	return 0;
}

static void
on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message
    *msg)
{
	struct mqtt *m = obj;
	char name[32], value[CMD_MAX + 1];

	(void)mosq;
	if (strcmp(msg->topic, m->topic_ha_status) == 0) {
		/* Home Assistant restarted: tell it again, in a moment. */
		if (msg->payloadlen == 6 && memcmp(msg->payload, "online",
		    6) == 0 && m->announce_at == 0)
			m->announce_at = 1;	/* the next tick sets the time */
		return;
	}
	if (msg->retain) {
		/* A button pressed long ago is not pressed again. */
		if (m->bad_commands++ < 10)
			log_warn("mqtt: ignoring a retained message on %s",
			    msg->topic);
		return;
	}
	if (mqtt_parse_command(m->base, msg->topic, msg->payload,
	    msg->payloadlen, name, sizeof(name), value, sizeof(value)) == -1) {
		if (m->bad_commands++ < 10)
			log_warn("mqtt: ignoring %d bytes on %s: not a command "
			    "(drank PRESS, snooze PRESS, monitoring ON/OFF, "
			    "sit START/STOP)",
			    msg->payloadlen, msg->topic);
		return;
	}
	log_info("mqtt: command %s %s", name, value);
	if (m->hooks.command != NULL)
		m->hooks.command(m->hooks.ctx, name, value);
}

static int
read_password(const char *path, char *buf, size_t bufsz, char *err,
    size_t errsz)
{
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "mqtt.password_file: %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("mqtt.password_file: %s can be read by others "
		    "(chmod 600 it)", path);
	n = read(fd, buf, bufsz - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errsz, "mqtt.password_file: %s: %s", path,
		    strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int
setup_tls(struct mqtt *m, char *err, size_t errsz)
{
	const struct mqtt_conf *c = &m->conf->mqtt;
	int rc;

	if (c->ca_file[0] == '\0')
		return 0;
	rc = mosquitto_tls_set(m->mosq, c->ca_file, NULL,
	    c->cert_file[0] ? c->cert_file : NULL,
	    c->key_file[0] ? c->key_file : NULL, NULL);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_tls_opts_set(m->mosq, 1,
		    c->tls_version[0] ? c->tls_version : NULL, NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, errsz, "mqtt: TLS (ca_file %s): %s", c->ca_file,
		    rc == MOSQ_ERR_ERRNO ? strerror(errno) :
		    mosquitto_strerror(rc));
		return -1;
	}
	return 0;
}

struct mqtt *
mqtt_new(const struct config *conf, struct outbox *ob,
    const struct mqtt_hooks *hooks, const char *const *temps, int ntemps,
    char *err, size_t errsz)
{
	const struct mqtt_conf *c = &conf->mqtt;
	char client_id[CONFIG_STR_MAX + 16], password[256];
	struct mqtt *m;
	int i;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errsz, "mqtt: out of memory");
		return NULL;
	}
	m->conf = conf;
	m->ob = ob;
	/* A new client: nothing of the old one's is in flight any more. */
	outbox_unsend(ob);
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	m->hooks = *hooks;
	m->backoff = BACKOFF_MIN_S;
	m->link = LINK_DOWN;
	discovery_base(conf, m->base, sizeof(m->base));
	snprintf(m->topic_event, sizeof(m->topic_event), "%s/event", m->base);
	snprintf(m->topic_movement, sizeof(m->topic_movement), "%s/movement",
	    m->base);
	snprintf(m->topic_status, sizeof(m->topic_status), "%s/status",
	    m->base);
	snprintf(m->topic_state, sizeof(m->topic_state), "%s/state", m->base);
	snprintf(m->topic_set, sizeof(m->topic_set), "%s/set/+", m->base);
	snprintf(m->topic_ha_status, sizeof(m->topic_ha_status), "%s",
	    c->ha_status_topic);
	for (i = 0; i < ntemps && i < CONFIG_MAX_SENSORS; i++)
		snprintf(m->temps[m->ntemps++], CONFIG_NAME_MAX, "%s", temps[i]);
	if (c->client_id[0])
		snprintf(client_id, sizeof(client_id), "%s", c->client_id);
	else
		snprintf(client_id, sizeof(client_id), "legwatch-%s",
		    conf->device_id);

	mosquitto_lib_init();
	if ((m->mosq = mosquitto_new(client_id, true, m)) == NULL) {
		snprintf(err, errsz, "mqtt: %s", strerror(errno));
		goto fail;
	}
	/* MQTT 5: a PUBACK then says whether the event was taken. */
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION,
	    MQTT_PROTOCOL_V5);
	mosquitto_connect_v5_callback_set(m->mosq, on_connect);
	mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
	mosquitto_publish_v5_callback_set(m->mosq, on_publish);
	mosquitto_message_callback_set(m->mosq, on_message);
	if (mosquitto_will_set(m->mosq, m->topic_status, 7, "offline", 1,
	    true) != MOSQ_ERR_SUCCESS) {
		snprintf(err, errsz, "mqtt: cannot set the last will");
		goto fail;
	}
	if (c->username[0]) {
		password[0] = '\0';
		if (c->password_file[0] && read_password(c->password_file,
		    password, sizeof(password), err, errsz) == -1)
			goto fail;
		mosquitto_username_pw_set(m->mosq, c->username,
		    c->password_file[0] ? password : NULL);
		explicit_bzero(password, sizeof(password));
	}
	if (setup_tls(m, err, errsz) == -1)
		goto fail;
	return m;
fail:
	mqtt_free(m);
	return NULL;
}

void
mqtt_free(struct mqtt *m)
{
	if (m == NULL)
		return;
	if (m->opening != NULL) {
		/*
		 * The handle is the connect's: destroyed when it is over.
		 * The library stays set up for it meanwhile.
		 */
		m->opening->m = NULL;
		worker_drop(&m->opening->job);
	} else {
		if (m->mosq != NULL)
			mosquitto_destroy(m->mosq);
		mosquitto_lib_cleanup();
	}
	free(m);
}

int
mqtt_fd(const struct mqtt *m)
{
	return m->link == LINK_DOWN || m->link == LINK_OPENING ? -1 :
	    mosquitto_socket(m->mosq);
}

int
mqtt_want_write(const struct mqtt *m)
{
	return mqtt_fd(m) >= 0 && mosquitto_want_write(m->mosq);
}

static void
link_down(struct mqtt *m, const char *why, double now)
{
	if (!m->said_down) {
		log_warn("mqtt: %s:%d: %s; trying again with back-off",
		    m->conf->mqtt.host, m->conf->mqtt.port, why);
		m->said_down = 1;
	}
	schedule_retry(m, now);
}

static void
link_failed(struct mqtt *m, int rc, double now)
{
	if (m->falling_back) {
		m->falling_back = 0;
		schedule_retry(m, now);
		return;
	}
	link_down(m, rc == MOSQ_ERR_ERRNO ? strerror(errno) :
	    mosquitto_strerror(rc), now);
}

void
mqtt_readable(struct mqtt *m, double now)
{
	int rc = mosquitto_loop_read(m->mosq, 1);

	if (rc != MOSQ_ERR_SUCCESS || m->link == LINK_DOWN)
		link_failed(m, rc, now);
	else
		pump(m);
}

void
mqtt_writable(struct mqtt *m, double now)
{
	int rc = mosquitto_loop_write(m->mosq, 1);

	if (rc != MOSQ_ERR_SUCCESS)
		link_failed(m, rc, now);
}

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* On the worker: everything here may block. */
static void
connect_run(struct worker_job *job)
{
	struct connect_job *cj = (struct connect_job *)job;
	mosquitto_property *props = NULL;

	/* MQTT 5: the broker keeps anything larger than a command away. */
	if (cj->v5 && (cj->rc = mosquitto_property_add_int32(&props,
	    MQTT_PROP_MAXIMUM_PACKET_SIZE, PACKET_MAX)) != MOSQ_ERR_SUCCESS)
		return;
	errno = 0;
	cj->rc = mosquitto_connect_bind_v5(cj->mosq, cj->host, cj->port,
	    cj->keepalive, NULL, props);
	cj->err = errno;
	mosquitto_property_free_all(&props);
}

/* The client went away while its connect was out. */
static void
connect_drop(struct worker_job *job)
{
	struct connect_job *cj = (struct connect_job *)job;

	mosquitto_destroy(cj->mosq);
	free(cj);
}

/* Back on the loop: the handle is the client's again. */
static void
connect_done(struct worker_job *job)
{
	struct connect_job *cj = (struct connect_job *)job;
	struct mqtt *m = cj->m;
	double now = mono_now();
	int rc = cj->rc;

	m->opening = NULL;
	errno = cj->err;
	free(cj);
	if (rc != MOSQ_ERR_SUCCESS) {
		m->link = LINK_DOWN;
		link_failed(m, rc, now);
		return;
	}
	m->link = LINK_CONNECTING;
	m->retry_at = now + m->conf->mqtt.keepalive;	/* CONNACK timeout */
}

/*
 * The connect (a name lookup, TCP, TLS, CONNECT) goes to a worker;
 * without a thread it is tried again later.
 */
static void
try_connect(struct mqtt *m, double now)
{
	const struct mqtt_conf *c = &m->conf->mqtt;
	struct connect_job *cj;

	if ((cj = calloc(1, sizeof(*cj))) == NULL) {
		link_down(m, strerror(errno), now);
		return;
	}
	cj->job.run = connect_run;
	cj->job.done = connect_done;
	cj->job.drop = connect_drop;
	cj->m = m;
	cj->mosq = m->mosq;
	snprintf(cj->host, sizeof(cj->host), "%s", c->host);
	cj->port = c->port;
	cj->keepalive = c->keepalive;
	cj->v5 = !m->v311;
	if (worker_start(&cj->job) == -1) {
		free(cj);
		link_down(m, strerror(errno), now);
		return;
	}
	m->opening = cj;
	m->link = LINK_OPENING;
}

void
mqtt_tick(struct mqtt *m, double now)
{
	int rc;

	switch (m->link) {
	case LINK_DOWN:
		if (m->retry_at < 0)
			schedule_retry(m, now);
		else if (now >= m->retry_at)
			try_connect(m, now);
		return;
	case LINK_OPENING:
		return;		/* connect_done takes it on */
	case LINK_CONNECTING:
		if (now >= m->retry_at) {
			link_failed(m, MOSQ_ERR_CONN_LOST, now);
			return;
		}
		break;
	case LINK_UP:
		break;
	}
	if ((rc = mosquitto_loop_misc(m->mosq)) != MOSQ_ERR_SUCCESS) {
		link_failed(m, rc, now);
		return;
	}
	if (m->link != LINK_UP)
		return;
	if (m->announce_at == 1)
		m->announce_at = now + 1 + 4 * ((double)random() / RAND_MAX);
	if (m->announce_at > 1 && now >= m->announce_at) {
		m->announce_at = 0;
		announce(m);
		send_state(m);
	}
	if (m->state_dirty)
		send_state(m);
	if (m->refused && m->refused_until == 0) {
		m->refused_backoff = fmin(fmax(m->refused_backoff * 2,
		    REFUSED_MIN_S), REFUSED_MAX_S);
		m->refused_until = now + jitter(m->refused_backoff);
	} else if (m->refused && now >= m->refused_until)
		m->refused = 0;
	pump(m);
}

double
mqtt_next_tick(const struct mqtt *m)
{
	if (m->link == LINK_DOWN)
		return m->retry_at;
	return -1;	/* the regular tick will do */
}

void
mqtt_kick(struct mqtt *m)
{
	if (m->link == LINK_UP)
		pump(m);
}

void
mqtt_state_changed(struct mqtt *m)
{
	m->state_dirty = 1;
	if (m->link == LINK_UP)
		send_state(m);
}

int
mqtt_linked(void)
{
	return 1;
}

int
mqtt_connected(const struct mqtt *m)
{
	return m->link == LINK_UP;
}

int
mqtt_drained(const struct mqtt *m)
{
	return m->ob->n == 0 && m->inflight == 0;
}

void
mqtt_shutdown(struct mqtt *m)
{
	int i;

	if (m->link != LINK_UP)
		return;
	m->link = LINK_DOWN;
	publish_raw(m, m->topic_status, "offline", 1);
	/* A little time to get it out; the will covers the rest. */
	for (i = 0; i < 20 && mosquitto_want_write(m->mosq); i++)
		if (mosquitto_loop_write(m->mosq, 1) != MOSQ_ERR_SUCCESS)
			break;
	mosquitto_disconnect(m->mosq);
	(void)mosquitto_loop_write(m->mosq, 1);
}

void
mqtt_set_conf(struct mqtt *m, const struct config *conf)
{
	m->conf = conf;
}
