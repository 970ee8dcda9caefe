/*
 * Periodic leg movements by the WASM 2016 rules (design.md 4.2).  Candidate
 * leg movements (CLMs) come in onset order; a series is at least
 * series_min consecutive CLMs whose onset-to-onset intervals all lie in
 * [imi_min_s, imi_max_s].  Durations and intervals are compared in whole
 * milliseconds so that the rules hold exactly at their edges.
 */
#ifndef LEGWATCH_PLM_H
#define LEGWATCH_PLM_H

struct plm_params {
	double	lm_min_s;	/* 0.5: shorter is ignored entirely */
	double	lm_max_s;	/* 10: longer is not a CLM, ends a series */
	double	imi_min_s;	/* 10 */
	double	imi_max_s;	/* 90 */
	int	series_min;	/* 4 */
	double	bilateral_gap_s;	/* 0.5: two legs, one movement */
	double	bilateral_max_s;	/* 15: a bilateral CLM's limit */
	int	bilateral_max_parts;	/* 4 monolateral movements at most */
};

void	plm_params_default(struct plm_params *p);

/*
 * A movement's length against the CLM limits, in whole milliseconds of
 * its rounded times: every part of legwatchd judges it the same way.
 */
enum lm_length {
	LM_TOO_SHORT,		/* ignored entirely */
	LM_CANDIDATE,
	LM_TOO_LONG,		/* not a CLM; ends a series */
};

enum lm_length	lm_length(double onset, double end, double min_s,
		    double max_s);

struct plm_series {
	double	start;		/* onset of the first CLM */
	double	end;		/* end of the last */
	int	count;
	double	mean_imi;
};

struct plm_scorer {
	struct plm_params	p;
	int			count;		/* CLMs in the running run */
	double			first_onset, last_onset, last_end;
	long long		imi_sum_ms;
	/* last_onset and p.imi_max_s in whole ms, for plm_tick's sake. */
	long long		last_onset_ms, imi_max_ms;
	/* The night so far. */
	int			clm_total, plm_total, series_total;
};

void	plm_init(struct plm_scorer *s, const struct plm_params *p);
/*
 * Each returns 1 with *out filled when a series ended.  A movement is
 * judged by its duration: ignored, a CLM, or (over lm_max_s) a break.
 */
int	plm_add_movement(struct plm_scorer *s, double onset, double end,
	    int bilateral, struct plm_series *out);
int	plm_add_break(struct plm_scorer *s, struct plm_series *out);
/* No CLM with an onset before `settled` can still arrive. */
int	plm_tick(struct plm_scorer *s, double settled, struct plm_series *out);
int	plm_finish(struct plm_scorer *s, struct plm_series *out);
/* A series is running now (restless legs). */
int	plm_in_series(const struct plm_scorer *s);
/*
 * A `settled` before this cannot end the run of CLMs going on (a series
 * or not; imi_max_s after its last onset, no CLM having come); INFINITY
 * when none runs.  Half a millisecond early, so that no rounding of the
 * caller's can pass the end unseen.
 */
double	plm_run_end_due(const struct plm_scorer *s);
/* The same for a run that is a series, whose end is an event. */
double	plm_series_end_due(const struct plm_scorer *s);

/*
 * Two or more leg sensors: movements of different legs that overlap or
 * lie less than bilateral_gap_s apart are one movement.  Items wait here
 * until no other leg can still add to them.  One that combines more than
 * bilateral_max_parts monolateral movements is no CLM and ends the
 * series, as one over bilateral_max_s does (WASM 2016; MATPLM's default
 * of 4).
 */
struct plm_item {
	double		onset, end;
	unsigned	legs;		/* bit per leg sensor */
	int		is_break;	/* a body movement or a cramp */
	int		parts;		/* monolateral movements; 0 is 1 */
};

struct bilateral {
	const struct plm_params	*p;
	struct plm_item		*pending;
	int			 n, cap;
};

void	bilateral_init(struct bilateral *b, const struct plm_params *p);
void	bilateral_free(struct bilateral *b);
/* -1 when out of memory (the item is then scored at once). */
int	bilateral_add(struct bilateral *b, const struct plm_item *it);
/*
 * Returns 1 with the next merged item once `settled` (no onset before it
 * can still arrive) allows it.
 */
int	bilateral_next(struct bilateral *b, double settled,
	    struct plm_item *out);

#endif
