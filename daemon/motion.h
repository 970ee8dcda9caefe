/*
 * Movements from a digital motion sensor (PIR, vibration switch): the
 * active level is the movement.  Pulses shorter than debounce_s are
 * contact bounce; active periods less than quiet_s apart are one
 * movement, as with the accelerometer's offset rule.
 */
#ifndef LEGWATCH_MOTION_H
#define LEGWATCH_MOTION_H

struct motion_params {
	double	debounce_s;
	double	quiet_s;
	double	lm_min_s;
	double	lm_max_s;
};

struct motion_movement {
	double	onset, end;
	int	body;		/* over lm_max_s */
};

struct motion_detector {
	struct motion_params	p;
	int			level;
	double			rise;		/* of the current pulse */
	int			moving;
	double			onset;
	double			quiet_since;	/* NAN while active */
	double			last_t;
};

void	motion_init(struct motion_detector *m, const struct motion_params *p);
/* Each returns 1 with *out filled when a movement ended. */
int	motion_feed(struct motion_detector *m, double t, int level,
	    struct motion_movement *out);
int	motion_tick(struct motion_detector *m, double now,
	    struct motion_movement *out);
int	motion_finish(struct motion_detector *m, struct motion_movement *out);
double	motion_settled_time(const struct motion_detector *m);
/* When the movement going on can end, once the switch is off; else INFINITY. */
double	motion_end_due(const struct motion_detector *m);

#endif
