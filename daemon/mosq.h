/*
 * libmosquitto, loaded when MQTT is first used rather than at start: the
 * offline analysis then never maps it and the TLS libraries it pulls in,
 * and stays small.  libmosq.<name> is mosquitto_<name>.
 */
#ifndef LEGWATCH_MOSQ_H
#define LEGWATCH_MOSQ_H

#include <stddef.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#define MOSQ_FUNCTIONS(X)						\
	X(lib_init) X(lib_cleanup) X(new) X(destroy) X(int_option)	\
	X(connect_v5_callback_set) X(disconnect_callback_set)		\
	X(publish_v5_callback_set) X(message_callback_set) X(will_set)	\
	X(username_pw_set) X(tls_set) X(tls_opts_set)			\
	X(connect_async) X(reconnect_async) X(disconnect) X(socket)	\
	X(want_write) X(loop_read) X(loop_write) X(loop_misc)		\
	X(publish) X(subscribe) X(strerror) X(connack_string)		\
	X(reason_string)

struct mosq_api {
#define MOSQ_POINTER(name)	__typeof__(&mosquitto_##name) name;
	MOSQ_FUNCTIONS(MOSQ_POINTER)
#undef MOSQ_POINTER
};

extern struct mosq_api libmosq;

/* 0, or -1 with err set when the library cannot be loaded. */
int	mosq_load(char *err, size_t errsz);

#endif
