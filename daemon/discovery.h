/*
 * Home Assistant MQTT discovery (DESIGN 3.5): one device whose entities
 * appear by themselves.  Per-entity config topics, retained; unique ids
 * made from the device id, so they stay the same across restarts and
 * reloads.
 */
#ifndef LEGWATCH_DISCOVERY_H
#define LEGWATCH_DISCOVERY_H

#include <stddef.h>

#include "config.h"

struct discovery_msg {
	char	 topic[512];
	char	*payload;		/* malloc'd JSON */
};

/*
 * Builds the messages; temps names the temperature sensors.  Returns the
 * count, or -1 (out of memory).  Free with discovery_free.
 */
int	discovery_build(const struct config *conf, const char *const *temps,
	    int ntemps, struct discovery_msg **out);
void	discovery_free(struct discovery_msg *msgs, int n);
/* "<base_topic>/<device id>" */
void	discovery_base(const struct config *conf, char *buf, size_t bufsz);

#endif
