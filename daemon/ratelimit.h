/*
 * Flood control for what a command costs: a token bucket for commands
 * that write to disk (a glass, a snooze, the monitoring switch, the
 * button), and a pacer that coalesces the state saves they ask for.
 * Pure logic: the time (any steady clock, in s) is an argument.
 */
#ifndef LEGWATCH_RATELIMIT_H
#define LEGWATCH_RATELIMIT_H

struct ratelimit {
	double		tokens;
	double		last;		/* when tokens was counted; NAN: never */
	unsigned long	refused;	/* since ratelimit_refused() */
};

void	ratelimit_init(struct ratelimit *rl, double burst);
/*
 * 1: go ahead; 0: too fast, counted.  At most burst at once, then rate a
 * second.
 */
int	ratelimit_take(struct ratelimit *rl, double now, double rate,
	    double burst);
/* How many were refused since the last call, and resets the count. */
unsigned long ratelimit_refused(struct ratelimit *rl);

struct pacer {
	int	due;			/* a write is wanted */
	double	last;			/* the last one; NAN: none yet */
};

void	pacer_init(struct pacer *p);
void	pacer_want(struct pacer *p);
/* 1: write now (it is taken as done; pacer_want() again if it fails). */
int	pacer_ready(struct pacer *p, double now, double gap);

#endif
