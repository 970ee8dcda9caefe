/* The first leg movement after a start time, for legwatch-probe. */
#include <string.h>

#include "movewatch.h"

void
move_watch_init(struct move_watch *w, const struct movement_params *p,
    double start)
{
	memset(w, 0, sizeof(*w));
	movement_init(&w->md, p);
	w->start = start;
}

int
move_watch_feed(struct move_watch *w, double t, const double a[3])
{
	struct movement m;

	if (w->seconds > 0)
		return 1;
	if (movement_feed(&w->md, t, a, &m) != MOVEMENT_END ||
	    m.onset < w->start)
		return 0;
	w->seconds = m.end - m.onset;
	return 1;
}
