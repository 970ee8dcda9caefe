/*
 * The nightstand's button and buzzer, as pure logic: edges and times in,
 * actions and levels out.  A short press logs a glass; holding the button
 * snoozes, said the moment the hold is long enough, so the user knows to
 * let go.
 */
#ifndef LEGWATCH_NIGHTSTAND_H
#define LEGWATCH_NIGHTSTAND_H

#define BUTTON_LONG_S	1.5
/* Shorter is a glitch, not a finger. */
#define BUTTON_MIN_S	0.03
/* A press this soon after a release is the contact bouncing. */
#define BUTTON_SETTLE_S	0.25

enum button_action {
	BUTTON_NONE,
	BUTTON_SHORT,		/* drank a glass */
	BUTTON_LONG,		/* snooze */
};

struct button {
	int	pressed;
	double	down_at;	/* monotonic s */
	double	up_at;
	int	long_done;	/* this press has snoozed already */
};

void			button_init(struct button *b);
enum button_action	button_edge(struct button *b, double t, int active);
/* The hold became long: call at button_deadline(). */
enum button_action	button_poll(struct button *b, double now);
/* When the hold turns long, or INFINITY. */
double			button_deadline(const struct button *b);

/* A short pattern of beeps: on, off, on, ... durations in seconds. */
struct beeper {
	int	step;		/* -1: silent */
	double	next;		/* monotonic s of the next change */
};

void	beeper_init(struct beeper *b);
void	beeper_start(struct beeper *b, double now);
/* The level the buzzer should have now (1 on). */
int	beeper_poll(struct beeper *b, double now);
/* The next change, or INFINITY. */
double	beeper_deadline(const struct beeper *b);

#endif
