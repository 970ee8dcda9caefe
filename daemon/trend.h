/*
 * The PLM index over the last nights: one night says little (nights vary
 * a lot), the median of a week is what a doctor asks about.  Kept in
 * <state_dir>/nights.json, replaced whole.
 */
#ifndef LEGWATCH_TREND_H
#define LEGWATCH_TREND_H

struct statedir;

#define TREND_NIGHTS	7
/* A shorter night's index is too noisy to count. */
#define TREND_MIN_HOURS	2.0
#define TREND_FILE	"nights.json"

struct trend {
	int	n;
	int	day[TREND_NIGHTS];	/* the evening's local date, oldest first */
	double	plm_index[TREND_NIGHTS];
	double	hours[TREND_NIGHTS];
};

/* The night begun at start, named by its evening's local date. */
int	trend_night(double start);
/*
 * A night's summary: start is when it began (Unix s, its local date names
 * the night).  Returns 1 if the trend changed.
 */
int	trend_add(struct trend *t, double start, double hours,
	    double plm_index);
/* The median of the nights held, NAN without any. */
double	trend_median(const struct trend *t);
/* 1 loaded, 0 no file, -1 unreadable, -2 not a trend file; err says. */
int	trend_load(const struct statedir *sd, struct trend *t, char *err,
	    unsigned long errsz);
int	trend_save(const struct statedir *sd, const struct trend *t,
	    char *err, unsigned long errsz);

#endif
