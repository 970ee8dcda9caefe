/*
 * The engine: everything that happens to a sample once it is read.  The
 * detection pipeline, the hydration reminders, the nights' trend, the
 * night's picture and the sinks (the events file, the outbox and its MQTT
 * client, the LED, buzzer and button) live behind this one object.
 *
 * It is fed samples and ticked with a clock, and knows nothing of where
 * they come from: a fast replay, a paced replay and a live run differ
 * only in their source and their clock (docs/design.md 2).
 *
 *  - In a replay (ec.replay) the recording's time is the only clock: the
 *    pipeline is ticked every ENGINE_TICK_S of data and the reminders
 *    follow the data second by second, all from engine_sample(), so a
 *    paced replay gives exactly the events of a fast one.  engine_tick()
 *    then only serves the sinks (MQTT, the LED).
 *  - Live, engine_tick() about once a second brings the pipeline to the
 *    sensors' time (clock->data) and the reminders to the wall clock.
 *
 * Wiring into it:
 *  - a new input: call engine_sample() in time order per source, its
 *    last sample flagged as the source's end;
 *  - a new sink of events: add it to engine.c's emit(), the one place
 *    every event passes (after the pipeline and the reminders made it);
 *  - a new night-end output (a nightly file): engine.c's night_ended(),
 *    called once per night_summary with the night's record;
 *  - an fd to watch (a command socket): engine_pollfds() and
 *    engine_service(), whose deadlines engine_next_wake() gives.
 */
#ifndef LEGWATCH_ENGINE_H
#define LEGWATCH_ENGINE_H

#include <poll.h>

#include "config.h"
#include "event.h"
#include "pipeline.h"

/* A replay's pipeline is ticked this often, in the data's seconds. */
#define ENGINE_TICK_S		0.25
/* Cramps whose times a night's record keeps, for the readable summary. */
#define ENGINE_NIGHT_CRAMPS	8

struct engine;

struct engine_conf {
	struct config			*conf;	/* reloads replace *conf */
	const struct source_conf	*src;	/* the sources, by index */
	int				 nsrc;
	int				 replay;	/* the data's clock */
	/*
	 * Events as JSON lines: NULL for none, "-" for stdout.  With
	 * hold_events they are held and written only at engine_close()
	 * when all went well (a regular file replaced whole, beside it),
	 * so bad input leaves no partial output; otherwise each is
	 * written and flushed as it comes.
	 */
	const char			*events_path;
	int				 hold_events;
	/* One picture of all the input, written at engine_close(). */
	const char			*report_path;
	const char			*report_subtitle;
	/* All the input as EDF+, written at engine_close(). */
	const char			*edf_path;
	/* The outbox and MQTT, when the configuration enables it. */
	int				 use_mqtt;
	/*
	 * A live night: the day's water and the trend kept in the state
	 * directory, a picture of each night there, the LED, buzzer and
	 * button lines.
	 */
	int				 live;
	/*
	 * A suggested immobilization test starts when the data's local
	 * clock first reads sit_minute after midnight (--sit HH:MM).
	 */
	int				 sit_at;
	int				 sit_minute;
};

/* The clocks of a tick.  In a replay all three are the data's time. */
struct engine_clock {
	double	data;		/* the samples' time reached, Unix s */
	double	wall;		/* CLOCK_REALTIME, Unix s */
	double	mono;		/* CLOCK_MONOTONIC, s */
	int	synced;		/* the wall clock is set from a time source */
};

/*
 * One night as the readable summary shows it: the figures are the
 * night_summary's own (computed once, by the pipeline); the cramps' times
 * come from the night's cramp events.
 */
struct engine_night {
	struct event	summary;
	int		ncramps;	/* kept: at most ENGINE_NIGHT_CRAMPS */
	double		cramp_start[ENGINE_NIGHT_CRAMPS];
	double		cramp_len[ENGINE_NIGHT_CRAMPS];
};

/*
 * NULL with the reason logged.  *status is the exit status to give up
 * with (EX_CANTCREAT when an output cannot be made, EX_CONFIG for a bad
 * MQTT setting, EX_SOFTWARE out of memory).
 */
struct engine	*engine_new(const struct engine_conf *ec,
		    const struct engine_clock *now, int *status);
/* A sample, in time order per source; last: the source ends with it. */
void		 engine_sample(struct engine *e, int source,
		    const struct sample *s, int last);
/* A sensor stopped working (faulted) or works again. */
void		 engine_fault(struct engine *e, int source, int faulted,
		    const char *error);
/* Whether a sensor is not working, for the LED. */
void		 engine_sensor_problem(struct engine *e, int problem);
void		 engine_tick(struct engine *e, const struct engine_clock *c);
/*
 * Live, detection up to the data's clock alone, as the tick does first:
 * for a decision due between ticks (a switch's movement ends after its
 * quiet time, with no sample to say so).
 */
void		 engine_advance(struct engine *e, const struct engine_clock *c);
/* The input ended: the last events and the night's summary. */
void		 engine_finish(struct engine *e);
/* Whatever the sinks still hold has gone out (or there is nothing). */
int		 engine_drained(const struct engine *e);
/* An event could not be written: the run must stop (EX_IOERR). */
int		 engine_failed(const struct engine *e);
/* The sample time an event now pending may be decided at (pipeline.h). */
double		 engine_decision_due(const struct engine *e);

int		 engine_pollfds(const struct engine *e, struct pollfd *pfd,
		    int max);
void		 engine_service(struct engine *e, const struct pollfd *pfd,
		    int n, const struct engine_clock *c);
/* The next monotonic time the engine has something to do, or INFINITY. */
double		 engine_next_wake(const struct engine *e, double mono);

/* SIGHUP: a new valid configuration; what cannot change now is kept. */
void		 engine_reload(struct engine *e, struct config *next);

/* The nights summarised so far (the last ENGINE_NIGHTS_KEPT of them). */
#define ENGINE_NIGHTS_KEPT	14
int		 engine_nights(const struct engine *e);
const struct engine_night *engine_night(const struct engine *e, int i);

/*
 * Ends the output: with ok, the held events and the report go into
 * place (or an exit status says why they could not); without, whatever
 * was begun is removed (a stop by a signal, bad input).  Returns 0 or an
 * exit status.  The nights stay readable until engine_free().
 */
int		 engine_close(struct engine *e, int ok);
void		 engine_free(struct engine *e);

#endif
