/*
 * One leg sensor's movements classified (design.md 4.1-4.3): leg movements
 * (every movement of lm_min_s to lm_max_s, a turn of the leg included, as
 * WASM 2016 goes by duration), body movements (longer ones, and time out
 * of bed) and cramps.  A cramp is a sudden change of orientation that is
 * then held, with fine tremor, for cramp.hold_s; everything up to lying
 * still again belongs to it (stretching, standing, walking).  A movement
 * that leaves the leg in a new orientation is held back until it is clear
 * whether a cramp follows.  Pure: time comes in with the samples.
 */
#ifndef LEGWATCH_LEG_H
#define LEGWATCH_LEG_H

#include "movement.h"

enum mount {
	MOUNT_ANKLE,
	MOUNT_MATTRESS,
};

struct cramp_params {
	double	hold_s;		/* the contraction is held this long */
	double	hold_tol_deg;	/* held: the orientation stays this close */
	double	min_angle_deg;	/* the foot forced this far from rest */
	double	tremor_k;	/* tremor: activity mostly > floor + k*spread */
	double	hold_max_g;	/* ... and below this: held, not thrashing */
	double	end_quiet_s;	/* over when lying still this long */
};

struct leg_params {
	struct movement_params	move;
	struct cramp_params	cramp;
	enum mount		mount;
	double			leg_axis[3];	/* along the shin, unit */
	double			lm_min_s;	/* CLM duration limits */
	double			lm_max_s;
	double			turn_deg;	/* a posture change */
	double			flex_max_deg;	/* a held flexion, not a turn */
	double			upright_deg;	/* leg this near vertical */
	double			body_peak_g;	/* mattress: body movement */
};

void	leg_params_default(struct leg_params *p);
/* A mattress passes on a fraction of the leg's motion, and no posture. */
void	leg_params_mattress(struct leg_params *p);

enum leg_item_kind {
	LEG_LM,
	LEG_BODY,
	LEG_CRAMP_START,
	LEG_CRAMP,
};

struct leg_item {
	enum leg_item_kind	kind;
	double			start, end;
	double			peak_g;
	double			time;		/* when it became known */
	int			posture_change;	/* LEG_LM: rests anew */
};

#define LEG_QUEUE	8
#define LEG_HOLD_BLOCKS	128	/* one a second of cramp.hold_s */
#define LEG_OUT_MAX	(LEG_QUEUE + 4)

struct leg_out {
	struct leg_item	item[LEG_OUT_MAX];
	int		n;
};

enum leg_state {
	LEG_IDLE,
	LEG_SETTLING,	/* a new orientation: a cramp, or a turn? */
	LEG_EPISODE,	/* a cramp, or out of bed */
};

struct leg {
	struct leg_params		p;
	struct movement_detector	md;
	double				cos_turn, cos_upright, cos_cramp;
	double				cos_flex, cos_displaced;
	double				hold_tol_sq;
	double				hold_settle_s;

	double				slow_gravity[3]; /* posture */
	int				upright;
	double				upright_s;	/* out of bed */
	double				last_end;	/* of any movement */
	double				last_onset;
	double				last_big_end;	/* of a body movement */

	/* The bout: movements with less than a short pause between. */
	double				bout_onset;
	double				bout_rest[3];

	/* The held-contraction recognizer. */
	int				hold_armed;
	double				hold_move_onset; /* leading in */
	double				hold_anchor[3];
	double				hold_since;
	double				hold_sum;
	long				hold_n;
	long				hold_above;	/* with tremor */
	double				block_sum;
	long				block_n;
	double				block_mean[LEG_HOLD_BLOCKS];
	int				nblocks;
	double				tremor;		/* mattress: slow activity */
	double				tremor_up;	/* last time above */
	double				hold_up;	/* mattress: the same */

	enum leg_state			state;
	struct movement			queue[LEG_QUEUE];
	int				queued;
	double				settle_until;

	int				episode_cramp;
	double				episode_start, episode_end;
	double				episode_peak;
};

void	leg_init(struct leg *leg, const struct leg_params *p);
void	leg_feed(struct leg *leg, double t, const double a[3],
	    struct leg_out *out);
/* End of data: whatever is in progress is finished now. */
void	leg_finish(struct leg *leg, struct leg_out *out);
/* The earliest onset that may still be reported. */
double	leg_settled_time(const struct leg *leg);
/*
 * The earliest sample time at which an event now pending (a movement's
 * end, a settling, a hold, an episode's end) can be decided; INFINITY when
 * none is, or when only the data can tell (the leg is upright).
 */
double	leg_decision_due(const struct leg *leg);

#endif
