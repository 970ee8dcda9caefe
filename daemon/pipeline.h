/*
 * The detection pipeline: samples from every source in, events out.
 * Leg sensors feed their own classifier; their candidate movements meet
 * in one PLM scorer (bilateral when there are two legs).  Pure: the
 * caller hands in samples with their time and receives events through
 * the sink; nothing here reads a clock, a file or a socket.
 */
#ifndef LEGWATCH_PIPELINE_H
#define LEGWATCH_PIPELINE_H

#include "event.h"
#include "leg.h"
#include "motion.h"
#include "plm.h"
#include "sit.h"
#include "core/sample.h"

enum source_kind {
	SOURCE_ACCEL,
	SOURCE_MOTION,
	SOURCE_TEMP,
};

struct source_conf {
	const char		*name;
	enum source_kind	 kind;
	struct leg_params	 leg;		/* SOURCE_ACCEL */
	struct motion_params	 motion;	/* SOURCE_MOTION */
};

typedef void (*event_sink_fn)(void *ctx, const struct event *ev);

struct pipeline;

struct pipeline	*pipeline_new(const struct source_conf *src, int nsrc,
		    const struct plm_params *plm, event_sink_fn sink,
		    void *ctx);
void		 pipeline_free(struct pipeline *p);
void		 pipeline_sample(struct pipeline *p, int source,
		    const struct sample *s);
/* Time passes without samples (digital sensors, series that ended). */
void		 pipeline_tick(struct pipeline *p, double now);
/*
 * The night window in local time, minutes after midnight: when the
 * data's clock leaves it, the night's summary is emitted and tonight's
 * counts start again.  Without it, one summary at the end.
 */
void		 pipeline_set_night(struct pipeline *p, int start_min,
		    int end_min);
/*
 * An accelerometer whose samples come too far apart for the movement
 * detector's windows (most of them), or NULL.
 */
const char	*pipeline_too_slow(const struct pipeline *p);
/*
 * The earliest sample time at which an event now pending can be decided
 * (a movement's end, a cramp's, a bilateral pair's, a PLM series' end,
 * an immobilization test's result); INFINITY when none can, or only the
 * data can tell when.
 */
double		 pipeline_decision_due(const struct pipeline *p);
/* One source's input ended (its file, or the sensor is gone for good). */
void		 pipeline_source_end(struct pipeline *p, int source);
/* The input ended: finish everything and emit the night's summary. */
void		 pipeline_finish(struct pipeline *p);
void		 pipeline_figures(const struct pipeline *p,
		    struct night_figures *out);
/* The data's clock is inside the night window (as of the last tick). */
int		 pipeline_in_night(const struct pipeline *p);
/* A PLM series is running now. */
int		 pipeline_restless(const struct pipeline *p);
/*
 * The suggested immobilization test (sit.h): started at the first time
 * the data's local clock reads `minute` after midnight (--sit HH:MM), or
 * now (B/set/sit START; -1 when one is running); stopped early (STOP,
 * then given as too short); a leg sensor's fault spoils it.  Its
 * sit_result event comes once the hour is scored.
 */
void		 pipeline_sit_at(struct pipeline *p, int minute);
int		 pipeline_sit_start(struct pipeline *p, double now);
void		 pipeline_sit_stop(struct pipeline *p, double now);
void		 pipeline_sit_fault(struct pipeline *p, double now);
int		 pipeline_sit_running(const struct pipeline *p);
/* The last reading of a temperature source, NAN if none. */
double		 pipeline_temperature(const struct pipeline *p, int source);

#endif
