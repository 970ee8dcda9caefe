/*
 * Samples to movements (design.md 4.1).  The mean of the last short_s (sensor
 * noise averaged out) minus the mean of the last window_s (gravity) is a
 * band-pass of the motion; its length, smoothed, is the activity.  Its
 * resting level (the floor) and spread are tracked at rest, so thresholds
 * follow the sensor, the mount and the night.
 * Onset: activity clearly above the floor.  Offset: the start of at least
 * quiet_s with activity back near it.  Pure: time comes in with the data.
 */
#ifndef LEGWATCH_MOVEMENT_H
#define LEGWATCH_MOVEMENT_H

struct movement_params {
	double	window_s;	/* gravity estimate: mean over this long */
	double	short_s;	/* motion estimate: mean over this long */
	double	smooth_s;	/* activity smoothing time constant */
	double	onset_k;	/* onset: floor + onset_k * spread ... */
	double	offset_k;	/* offset: floor + offset_k * spread */
	double	min_rise_g;	/* ... but never less than this above it */
	double	quiet_s;	/* offset needs this long near the floor */
	double	floor_tau_s;	/* how fast the floor follows the sensor */
	double	gap_s;		/* a longer gap in the data is a dropout */
	double	max_s;		/* a movement this long means a lost floor */
};

void	movement_params_default(struct movement_params *p);

/* How far a running average moves toward a new value dt later. */
static inline double
smoothing(double dt, double tau)
{
	return dt > 0 ? dt / (tau + dt) : 0.0;	/* no time, no change */
}

/* A finished movement. */
struct movement {
	double	onset, end;
	double	peak_g;		/* largest |a - resting gravity| */
	double	before[3];	/* gravity at rest before the onset */
	double	after[3];	/* gravity at rest after the end */
	int	cut;		/* ended by a gap in the data or a reset */
};

enum movement_change {
	MOVEMENT_NONE,
	MOVEMENT_END,
};

#define MOVEMENT_RING	512	/* window_s at up to 2 kHz */

struct movement_detector {
	struct movement_params	p;
	double			on_floor_min, off_floor_min;

	/* The window for the gravity estimate. */
	double			ring_t[MOVEMENT_RING];
	double			ring_a[MOVEMENT_RING][3];
	double			ring_short[MOVEMENT_RING][3];	/* means */
	unsigned		head, count;
	unsigned		short_count;
	double			sum[3], short_sum[3];

	double			last_t;
	int			running;	/* seen a sample since reset */
	double			ready_at;	/* window full and warmed up */
	int			floor_known;
	int			floor_frozen;	/* set by the caller */
	double			warmup_tau;

	double			act;		/* smoothed activity, g */
	double			floor, spread;
	/*
	 * The change of the short mean over short_s has almost no tail: it
	 * dates the end of a movement the activity smears out.
	 */
	double			fast, fast_floor, fast_spread;
	double			last_fast;	/* last time it was up */
	double			gravity[3];	/* mean over the window */
	double			rest_gravity[3];

	int			moving;
	double			onset;
	double			rise_start;	/* NAN unless rising */
	double			quiet_since;	/* NAN unless quiet */
	double			quiet_sum[3];	/* samples since then */
	long			quiet_n;
	double			peak_sq;
	double			tail_s;		/* activity lag behind motion */
	double			lead_s;		/* ... and behind its onset */
};

void	movement_init(struct movement_detector *md,
	    const struct movement_params *p);
/*
 * Feeds one sample.  Returns MOVEMENT_END with *out filled when a movement
 * ended (at this sample or, with a gap, at the sample before it).
 */
enum movement_change movement_feed(struct movement_detector *md, double t,
	    const double a[3], struct movement *out);
/* The floor changed (someone lay down on a mattress): learn it anew. */
void	movement_relearn(struct movement_detector *md, double t,
	    double seconds);
/* Ends a movement in progress at the last sample (end of data). */
int	movement_finish(struct movement_detector *md, struct movement *out);
/*
 * The earliest sample time at which the movement going on can end (after
 * quiet_s of quiet, or cut at max_s); INFINITY at rest.
 */
double	movement_end_due(const struct movement_detector *md);
double	movement_onset_threshold(const struct movement_detector *md);
double	movement_offset_threshold(const struct movement_detector *md);

#endif
