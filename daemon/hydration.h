/*
 * The hydration reminder scheduler (design.md 4.4).  Pure: the caller hands
 * in the time (wall clock and monotonic), temperatures, cramps and glasses;
 * reminders come out.  Nothing here reads a clock, a file or a socket; the
 * local time zone (with its DST) is the only thing it takes from the
 * system.
 *
 * The day runs from wake to the next wake, in local time.  Reminders
 * follow the pace: by any time of the waking day the goal's share for
 * that time should have been drunk.  Heat raises the pace and shortens
 * the gap; pace reminders stop evening_lead_min before bed, when one
 * gentle evening reminder may come; the night is silent but for one quiet
 * reminder (LED only) after a cramp.
 */
#ifndef LEGWATCH_HYDRATION_H
#define LEGWATCH_HYDRATION_H

#include <limits.h>

#define HYDRATION_TEMPS		16	/* temperature sources */
#define HYDRATION_PENDING	64	/* glasses while the clock is unknown */
#define HYDRATION_WATER_MAX	20000	/* past any day's drinking */
#define HYDRATION_NO_DAY	INT_MIN	/* the day is not known yet */

struct hydration_params {
	int	enabled;
	int	goal_ml;
	int	glass_ml;
	int	wake_min;		/* minutes after local midnight */
	int	bed_min;
	int	min_gap_min;
	double	warm_c;
	double	warm_pct_per_c;		/* pace up, gap down, per degree */
	int	morning;		/* a glass soon after waking */
	int	evening;		/* one gentle reminder before bed */
	int	evening_lead_min;	/* it comes this long before bed */
	int	after_cramp;		/* a quiet one after a cramp */
	int	snooze_min;
	int	need_clock_sync;
	int	night_start_min;	/* the night window: silence */
	int	night_end_min;
};

enum hydration_reason {
	HYDRATION_PACE,
	HYDRATION_HEAT,
	HYDRATION_EVENING,
	HYDRATION_AFTER_CRAMP,
	HYDRATION_MORNING,
};

struct hydration_reminder {
	enum hydration_reason	reason;
	int			water_ml;	/* today so far */
	int			goal_ml;	/* today's, heat included */
	int			quiet;		/* LED only, no buzzer */
};

/* A clock reading: wall (Unix s), monotonic (s), and whether wall is true. */
struct hydration_clock {
	double	wall;
	double	mono;
	int	synced;
};

/* What outlives a restart (the state directory keeps it). */
struct hydration_saved {
	int	day;		/* local date of the day's wake, days since
				   1970, or HYDRATION_NO_DAY */
	int	water_ml;
	double	heat_ml;	/* the day's goal raised by heat */
	double	pace_from;	/* Unix s: the pace counts from here */
	double	last_reminder;	/* Unix s, NAN: none yet */
	double	last_answer;	/* Unix s of the last glass or snooze, NAN */
	double	snooze_until;	/* Unix s, NAN: not snoozed */
	int	morning_done;
	int	evening_done;
	int	unanswered;	/* reminders since the last glass or snooze */
	int	paused;		/* monitoring switched off */
};

struct hydration {
	struct hydration_params	p;
	struct hydration_saved	s;
	/* As restored after a restart (restored: there was one). */
	struct hydration_saved	disk;
	int			restored;
	/* The day a clock step left, kept should the clock step back. */
	struct hydration_saved	stash;
	int			have_stash;
	/* The current day's instants (Unix s), from the local calendar. */
	double			wake_t, pace_end_t, bed_t, next_wake_t;
	int			synced;		/* the wall clock was true once */
	double			offset;		/* wall - mono: steps show */
	double			last_wall;
	double			saved_heat;	/* heat_ml when last saved */
	double			reminder_mono;	/* the last reminder, NAN */
	int			cramp_pending;
	int			lit;		/* a reminder waits: LED on */
	double			lit_until;
	double			temp_c[HYDRATION_TEMPS];
	double			temp_t[HYDRATION_TEMPS];
	double			pending[HYDRATION_PENDING]; /* mono s */
	int			npending;
};

/* What a tick did. */
#define HYDRATION_FIRED		0x01	/* *out holds a reminder */
#define HYDRATION_CHANGED	0x02	/* the saved state changed: save it */
#define HYDRATION_STEPPED	0x04	/* the wall clock stepped */
#define HYDRATION_NEW_DAY	0x08	/* the day rolled over at wake */
#define HYDRATION_LIT		0x10	/* the LED's state changed */

void		 hydration_init(struct hydration *h,
		    const struct hydration_params *p);
/* New settings (a reload); the day's count and times stay. */
void		 hydration_set_params(struct hydration *h,
		    const struct hydration_params *p);
/* The state from before a restart; call before the first tick. */
void		 hydration_restore(struct hydration *h,
		    const struct hydration_saved *s);
/* At most one reminder per tick; call about once a second. */
int		 hydration_tick(struct hydration *h,
		    const struct hydration_clock *c,
		    struct hydration_reminder *out);
void		 hydration_temperature(struct hydration *h, int source,
		    double wall, double celsius);
/*
 * A recording's clock (a replay): ticks at every second up to t, from
 * *next (NAN at first), which it advances.  Returns the tick flags ored.
 */
typedef void (*hydration_fire_fn)(void *ctx,
		    const struct hydration_reminder *r, double wall);
int		 hydration_follow(struct hydration *h, double *next, double t,
		    hydration_fire_fn fn, void *ctx);
/* A cramp ended. */
void		 hydration_cramp(struct hydration *h);
/* A glass was drunk: 0, or -1 when the count is past any day's drinking. */
int		 hydration_drank(struct hydration *h,
		    const struct hydration_clock *c);
void		 hydration_snooze(struct hydration *h,
		    const struct hydration_clock *c);
void		 hydration_pause(struct hydration *h, int paused);
int		 hydration_water(const struct hydration *h);
int		 hydration_paused(const struct hydration *h);
/* A reminder waits for an answer: the LED is on. */
int		 hydration_lit(const struct hydration *h);
/* The day's goal with heat, ml. */
int		 hydration_goal(const struct hydration *h);
const char	*hydration_reason_name(enum hydration_reason r);
/* The reminder as the event every sink takes. */
struct event;
void		 hydration_event(const struct hydration_reminder *r,
		    double wall, struct event *ev);
/* "2026-11-27" for a saved day; 0, or -1 when buf is too small. */
int		 hydration_day_string(int day, char *buf, unsigned long bufsz);
/* The local date of a moment, days since 1970. */
int		 hydration_local_date(double wall);
/* The day from "2026-11-27"; -1 if it is not such a date. */
int		 hydration_day_parse(const char *s);

#endif
