/*
 * The live daemon: one poll loop over a signalfd, a timerfd, the sensors'
 * fds and the MQTT socket.  Replayed recordings paced in real time can
 * stand in for sensors (--replay FILE --speed X, or a replay sensor with
 * a speed); their timestamps are then the clock for everything.
 */
#ifndef LEGWATCH_LIVE_H
#define LEGWATCH_LIVE_H

#include "config.h"
#include "pipeline.h"
#include "../sensors/replay.h"

/*
 * Runs until the input ends or SIGTERM/SIGINT: the recordings in rs, or
 * with rs NULL the configured hardware sensors (src[i] is sensors[i]),
 * their samples written to record_path when it is not NULL.  MQTT is
 * used when use_mqtt and the configuration enables it.  Returns an exit
 * status.
 */
int	live_run(struct config *conf, struct replay_set *rs,
	    const struct source_conf *src, int nsrc, const char *events_path,
	    const char *record_path, double speed, int use_mqtt);

#endif
