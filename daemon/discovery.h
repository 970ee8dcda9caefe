/*
 * Home Assistant MQTT discovery (design.md 3.5): one device whose entities
 * appear by themselves.  Per-entity config topics, retained; unique ids
 * made from the device id, so they stay the same across restarts and
 * reloads.
 */
#ifndef LEGWATCH_DISCOVERY_H
#define LEGWATCH_DISCOVERY_H

#include <stddef.h>

#include "config.h"

struct statedir;

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
/*
 * The configs announced before (remembered in the state folder) that msgs
 * no longer holds are added to it with an empty payload: retained, that
 * removes them from the broker and the entities from Home Assistant.
 * What msgs announces is remembered in their place.  Returns the new count;
 * trouble with the file is logged, not fatal.
 */
int	discovery_retire(const struct statedir *sd,
	    struct discovery_msg **msgs, int n);
/* "<base_topic>/<device id>" */
void	discovery_base(const struct config *conf, char *buf, size_t bufsz);

#endif
