#include <math.h>

#include "ratelimit.h"

void
ratelimit_init(struct ratelimit *rl, double burst)
{
	rl->tokens = burst;
	rl->last = NAN;
	rl->refused = 0;
}

int
ratelimit_take(struct ratelimit *rl, double now, double rate, double burst)
{
	/* A clock that went back refills nothing. */
	if (!isnan(rl->last) && now > rl->last)
		rl->tokens += (now - rl->last) * rate;
	if (isnan(rl->last) || now > rl->last)
		rl->last = now;
	if (rl->tokens > burst)
		rl->tokens = burst;
	if (rl->tokens < 1) {
		rl->refused++;
		return 0;
	}
	rl->tokens -= 1;
	return 1;
}

unsigned long
ratelimit_refused(struct ratelimit *rl)
{
	unsigned long n = rl->refused;

	rl->refused = 0;
	return n;
}

void
pacer_init(struct pacer *p)
{
	p->due = 0;
	p->last = NAN;
}

void
pacer_want(struct pacer *p)
{
	p->due = 1;
}

int
pacer_ready(struct pacer *p, double now, double gap)
{
	if (!p->due || (!isnan(p->last) && now >= p->last &&
	    now - p->last < gap))
		return 0;
	p->due = 0;
	p->last = now;
	return 1;
}
