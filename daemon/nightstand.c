#include <math.h>

#include "nightstand.h"

/* Two short beeps: enough to notice, too short to startle. */
static const double beep_pattern[] = { 0.15, 0.15, 0.15 };
#define BEEP_STEPS	((int)(sizeof(beep_pattern) / sizeof(beep_pattern[0])))

enum button_action
button_edge(struct button *b, double t, int active)
{
	if (active) {
		if (!b->pressed && !(t - b->up_at < BUTTON_SETTLE_S)) {
			b->pressed = 1;
			b->down_at = t;
			b->long_done = 0;
		}
		return BUTTON_NONE;
	}
	if (!b->pressed)
		return BUTTON_NONE;	/* a release without its press */
	b->pressed = 0;
	if (t - b->down_at < BUTTON_MIN_S)
		return BUTTON_NONE;
	b->up_at = t;
	if (b->long_done)
		return BUTTON_NONE;
	return t - b->down_at >= BUTTON_LONG_S ? BUTTON_LONG : BUTTON_SHORT;
}

enum button_action
button_poll(struct button *b, double now)
{
	if (!b->pressed || b->long_done || now - b->down_at < BUTTON_LONG_S)
		return BUTTON_NONE;
	b->long_done = 1;
	return BUTTON_LONG;
}

double
button_deadline(const struct button *b)
{
	return b->pressed && !b->long_done ? b->down_at + BUTTON_LONG_S :
	    INFINITY;
}

void
button_init(struct button *b)
{
	b->pressed = b->long_done = 0;
	b->down_at = b->up_at = -INFINITY;
}

void
beeper_init(struct beeper *b)
{
	b->step = -1;
	b->next = INFINITY;
}

void
beeper_start(struct beeper *b, double now)
{
	b->step = 0;
	b->next = now + beep_pattern[0];
}

int
beeper_poll(struct beeper *b, double now)
{
	while (b->step >= 0 && now >= b->next) {
		if (++b->step >= BEEP_STEPS) {
			beeper_init(b);
			break;
		}
		b->next += beep_pattern[b->step];
	}
	/* Even steps sound, odd ones are the pauses. */
	return b->step >= 0 && b->step % 2 == 0;
}

double
beeper_deadline(const struct beeper *b)
{
	return b->next;
}
