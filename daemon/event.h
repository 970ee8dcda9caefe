/* The event stream (design.md 3.2): what every sink receives. */
#ifndef LEGWATCH_EVENT_H
#define LEGWATCH_EVENT_H

enum event_type {
	EVENT_LEG_MOVEMENT,
	EVENT_BODY_MOVEMENT,
	EVENT_PLM_SERIES,
	EVENT_CRAMP_START,
	EVENT_CRAMP,
	EVENT_NIGHT_SUMMARY,
	EVENT_HYDRATION_REMINDER,
	EVENT_SENSOR_FAULT,
	EVENT_SENSOR_OK,
	EVENT_SIT_RESULT,
	EVENT_TYPE_COUNT
};

#define EVENT_NAME_MAX	32
#define EVENT_TEXT_MAX	160

struct night_figures {
	double	hours;		/* the legs were watched */
	double	hours_in_bed;	/* ... less the time out of bed */
	int	lm_count;
	int	plm_count;
	double	plm_index;	/* per hour in bed */
	int	plm_series;
	int	cramp_count;
	int	body_count;	/* not in the JSON: the readable summary's */
	double	temp_min_c;	/* NAN without a temperature sensor */
	double	temp_max_c;
};

/* A suggested immobilization test. */
struct sit_figures {
	int	lm_count;
	int	plm_count;
	double	lm_index;	/* per hour of the test */
	double	plmw_index;
	int	valid;		/* else text says why not */
};

struct event {
	enum event_type		type;
	double			time;	/* when it was known, Unix s */
	double			start;	/* NAN for events that do not span */
	double			end;
	char			sensor[EVENT_NAME_MAX];
	double			peak_g;		/* movements and cramps */
	int			posture_change;	/* leg_movement */
	int			count;		/* plm_series */
	double			mean_imi;	/* plm_series */
	struct night_figures	night;		/* night_summary */
	struct sit_figures	sit;		/* sit_result */
	int			water_ml;	/* hydration_reminder */
	int			goal_ml;
	int			quiet;		/* LED only */
	char			text[EVENT_TEXT_MAX]; /* reason, error */
};

const char	*event_type_name(enum event_type type);
int		 event_is_movement(const struct event *ev);
void		 event_init(struct event *ev, enum event_type type, double time,
		    const char *sensor);
/* One line of JSON without the newline; malloc'd, NULL if out of memory. */
char		*event_to_json(const struct event *ev);
/* "2026-11-18T22:45:00.123Z" */
void		 event_format_time(char *buf, unsigned long bufsz, double t);

#endif
