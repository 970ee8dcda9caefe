/*
 * legwatch-probe's "leg movement seen: 1.4 s": the first movement the
 * detector finds in an accelerometer's samples after the person was asked
 * to move.  Pure: time comes in with the samples.
 */
#ifndef LEGWATCH_MOVEWATCH_H
#define LEGWATCH_MOVEWATCH_H

#include "movement.h"

struct move_watch {
	struct movement_detector md;
	double			 start;	/* movements before it are ignored */
	double			 seconds;	/* its length once seen, or 0 */
};

void	move_watch_init(struct move_watch *w, const struct movement_params *p,
	    double start);
/* Feeds a sample; 1 once a movement is seen (w->seconds), else 0. */
int	move_watch_feed(struct move_watch *w, double t, const double a[3]);

#endif
