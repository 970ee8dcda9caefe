/*
 * The hardware sensors of a live run: opened through the driver registry,
 * read when their fd wakes or their time comes, retried with back-off when
 * they fail, and recorded (--record) as they go.  A failing sensor never
 * stops the others; its fault and its return are reported once each.
 */
#ifndef LEGWATCH_FLEET_H
#define LEGWATCH_FLEET_H

#include <poll.h>
#include <stdio.h>

#include "config.h"
#include "sensors/sensor.h"

/* A sensor stopped (faulted = 1, with why) or came back (faulted = 0). */
typedef void (*fleet_fault_fn)(void *ctx, int index, int faulted,
    const char *error);

struct fleet_read;

struct fleet_member {
	struct sensor	 s;
	int		 open;
	/*
	 * A blocking driver's read out on a worker (worker.h): while it
	 * is, the job holds the sensor and the loop leaves s alone.
	 */
	struct fleet_read *out;
	int		 failures;	/* in a row */
	int		 reported;	/* a sensor_fault went out */
	double		 retry_at;	/* monotonic */
	double		 last_t;	/* of the last sample */
	double		 data_mono;	/* when a sample last came */
	/*
	 * The run of bit-identical accelerometer samples going on: when its
	 * first and last came in (monotonic), or NAN.
	 */
	double		 same_since, same_last;
	double		 same_v[3];
	int		 just_opened;	/* no sample since it was opened */
	int		 varied;	/* two since then differed */
	unsigned long	 overflows_seen;
	int		 said_unrecordable;
	FILE		*rec;
	char		 rec_path[PATH_MAX];
};

struct held {
	int		index;
	unsigned long	seq;
	struct sample	s;
};

struct fleet {
	struct fleet_member	 m[CONFIG_MAX_SENSORS];
	struct held		*held;	/* samples not yet handed on */
	size_t			 nheld, held_cap;
	unsigned long		 seq;
	int			 n;
	sensor_emit_fn		 emit;
	fleet_fault_fn		 fault;
	void			*ctx;
	int			 record_failed;
	double			 now_mono;	/* of the service going on */
	/*
	 * The samples' clock is the wall clock, but never set back: a step
	 * back would put new samples before the ones held and stall the
	 * whole stream until the wall clock caught up.  Forward steps (NTP
	 * after boot) are taken.  wall - mono, the largest seen.
	 */
	double			 wall_offset;
};

/*
 * Sets up one member per configured sensor (none opened yet) and the
 * recording files: record is a directory (one <sensor>.csv each) or,
 * with one sensor, a file.  0, or -1 with err.
 */
int	fleet_init(struct fleet *f, const struct config *conf,
	    const char *record, sensor_emit_fn emit, fleet_fault_fn fault,
	    void *ctx, char *err, size_t errsz);
/*
 * Opens what is closed and due, reads what is due or readable, and hands
 * detection the samples of all sensors in time order, up to the time all
 * of them have reached (fleet_data_time).
 */
void	fleet_service(struct fleet *f, const struct sensor_clock *now,
	    const struct pollfd *pfd, int npfd);
/* The fds to poll; returns how many were added (at most max). */
int	fleet_pollfds(const struct fleet *f, struct pollfd *pfd, int max);
/* When the next read or retry is due (monotonic), or INFINITY. */
double	fleet_next_wake(const struct fleet *f);
/*
 * Detection can decide an event once it has the samples up to t (the
 * samples' clock, as engine_decision_due gives it): every sensor that may
 * be drained early (sensor.h) is read as soon as its FIFO holds them, not
 * at its next drain, but not before not_before (monotonic), so that a
 * decision still short of samples cannot spin the loop.  Returns that
 * monotonic time, or INFINITY when t is.
 */
double	fleet_want_data(struct fleet *f, double t, double not_before);
/*
 * The time up to which every working sensor has handed in its samples:
 * accelerometers deliver a FIFO's worth at once, so "now" for detection
 * lags the clock by their drain interval.
 */
double	fleet_data_time(const struct fleet *f, const struct sensor_clock *now);
/* Some sensor is not working. */
int	fleet_problem(const struct fleet *f);
/*
 * Pushes the recordings to disk; -1 once one could not be written (the
 * run should stop: a recording with holes is not one).
 */
int	fleet_flush(struct fleet *f);
void	fleet_close(struct fleet *f);

#endif
