/*
 * The loop: one poll() over a signalfd, a timerfd, the input's fds and
 * the engine's, and the clocks.  The input is a replay (paced by speed,
 * or as fast as it can) or the configured sensors; either way its
 * samples go to one engine (engine.h).  SIGTERM and SIGINT stop it,
 * SIGHUP reloads the configuration.
 */
#ifndef LEGWATCH_LOOP_H
#define LEGWATCH_LOOP_H

#include "config.h"
#include "engine.h"
#include "sensors/replay.h"

/* Another fd to watch (a worker's): fn runs when it is readable. */
struct loop_fd {
	int	  fd;
	void	(*fn)(void *ctx);
	void	 *ctx;
};

#define LOOP_FDS_MAX	4

struct loop_conf {
	struct config		*conf;
	struct engine		*engine;
	/* A replay, or NULL for the configured hardware sensors. */
	struct replay_set	*rs;
	double			 speed;		/* a replay's; 0: no pacing */
	const char		*record_path;	/* the sensors', or NULL */
	struct loop_fd		 fds[LOOP_FDS_MAX];
	int			 nfds;
};

/*
 * Runs until the input ends (and the engine's sinks are drained), or a
 * signal stops it: *signo is then the signal, else 0.  Returns 0 or an
 * exit status.
 */
int	loop_run(const struct loop_conf *lc, int *signo);

/*
 * Holds SIGTERM, SIGINT and SIGHUP back (hold 1) until the loop reads
 * them, or lets them act at once again (hold 0).  Held from the start, a
 * stop or reload that comes while the daemon sets up waits for the loop
 * instead of killing the process by the signal's default action.
 */
int	loop_hold_signals(int hold);

/* The clocks now, read together (a gap between them would look like a
 * step of the wall clock). */
void	loop_clock(struct engine_clock *c);

#endif
