/*
 * The suggested immobilization test (SIT): the person sits up in bed,
 * legs outstretched, awake, for an hour; leg movements and periodic leg
 * movements in that hour, per hour (the PLMW index), are scored by the
 * same WASM 2016 rules as the night.
 *
 * What an ankle sensor can tell of the posture is the shin's orientation:
 * near horizontal (legs outstretched) or not (knees drawn up, legs over
 * the edge of the bed, standing), and how far the leg has rolled about
 * the shin since the start (lying on the side).  It cannot tell sitting
 * up from lying on the back: the shin lies the same way in both.
 *
 * Pure: the caller hands in the time with everything.
 */
#ifndef LEGWATCH_SIT_H
#define LEGWATCH_SIT_H

#include "plm.h"

struct sit_params {
	double	duration_s;	/* the test: 3600 */
	double	level_deg;	/* the shin within this of horizontal */
	double	upright_deg;	/* the shin this steep: standing */
	double	roll_deg;	/* rolled this far since the start: lying */
	double	off_s;		/* out of the posture this long: given up */
	double	upright_s;	/* standing this long: got up */
};

void	sit_params_default(struct sit_params *p);

enum sit_reason {
	SIT_VALID,
	SIT_GOT_UP,		/* stood up, or left the posture */
	SIT_TOO_SHORT,		/* stopped, or the data ended, early */
	SIT_SENSOR_FAULT,	/* a leg sensor failed or dropped out */
	SIT_POSTURE,		/* not sitting with the legs outstretched */
};

const char	*sit_reason_name(enum sit_reason r);

struct sit_result {
	double		start, end;
	int		lm_count, plm_count;
	double		lm_index, plmw_index;	/* per hour of the test */
	enum sit_reason	reason;
};

struct sit {
	struct sit_params	p;
	struct plm_scorer	plm;
	int			running;
	double			start, end;	/* end: when it is due */
	enum sit_reason		reason;		/* SIT_VALID while fine */
	int			posture_known;	/* an ankle sensor spoke */
	double			first_roll[3];	/* the leg's roll at start */
	double			off_since;	/* NAN while in posture */
	double			up_since;	/* NAN unless standing */
};

void	sit_init(struct sit *s, const struct sit_params *p,
	    const struct plm_params *plm);
/* Starts a test at `now`; a running one goes on.  0, or -1 if running. */
int	sit_start(struct sit *s, double now);
int	sit_running(const struct sit *s);
/* When sit_tick's `settled` gives the running test's result; INFINITY. */
double	sit_result_due(const struct sit *s);
/*
 * The leg's gravity (its resting orientation, smoothed) and the axis
 * along the shin, from an ankle sensor, at time t.
 */
void	sit_posture(struct sit *s, double t, const double g[3],
	    const double leg_axis[3]);
/* A leg sensor failed or its data stopped. */
void	sit_fault(struct sit *s, double t);
/*
 * A leg sensor's data had a gap from `from` to `to` (a recording's lost
 * samples): the hour was not all watched, so the test is not valid.
 */
void	sit_gap(struct sit *s, double from, double to);
/*
 * A scored item in onset order, as the night's scorer receives it:
 * a movement (bilateral or not) or a break.
 */
void	sit_item(struct sit *s, double onset, double end, int bilateral,
	    int is_break);
/*
 * Returns 1 with *out filled when the test is over: due and no movement
 * with an onset before its end can still come (`settled`), or given up
 * (then at once).
 */
int	sit_tick(struct sit *s, double settled, struct sit_result *out);
/* Cancelled (STOP) at `now`: sit_tick gives it, too short, when settled. */
void	sit_cancel(struct sit *s, double now);
/* The data ended at `now`: the test so far, at once. */
int	sit_stop(struct sit *s, double now, struct sit_result *out);

#endif
