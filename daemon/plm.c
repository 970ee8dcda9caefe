#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plm.h"

void
plm_params_default(struct plm_params *p)
{
	p->lm_min_s = 0.5;
	p->lm_max_s = 10.0;
	p->imi_min_s = 10.0;
	p->imi_max_s = 90.0;
	p->series_min = 4;
	p->bilateral_gap_s = 0.5;
	p->bilateral_max_s = 15.0;
	p->bilateral_max_parts = 4;
}

static long long
ms(double seconds)
{
	return llround(seconds * 1000.0);
}

enum lm_length
lm_length(double onset, double end, double min_s, double max_s)
{
	long long dur = ms(end) - ms(onset);

	if (dur < ms(min_s))
		return LM_TOO_SHORT;
	return dur > ms(max_s) ? LM_TOO_LONG : LM_CANDIDATE;
}

void
plm_init(struct plm_scorer *s, const struct plm_params *p)
{
	memset(s, 0, sizeof(*s));
	s->p = *p;
	s->imi_max_ms = ms(p->imi_max_s);
}

/* Closes the running run; a series if it is long enough. */
static int
close_run(struct plm_scorer *s, struct plm_series *out)
{
	int series = s->count >= s->p.series_min;

	if (series) {
		out->start = s->first_onset;
		out->end = s->last_end;
		out->count = s->count;
		out->mean_imi = (double)s->imi_sum_ms / 1000.0 /
		    (double)(s->count - 1);
		s->plm_total += s->count;
		s->series_total++;
	}
	s->count = 0;
	s->imi_sum_ms = 0;
	return series;
}

static void
begin_run(struct plm_scorer *s, double onset, double end)
{
	s->count = 1;
	s->first_onset = s->last_onset = onset;
	s->last_onset_ms = ms(onset);
	s->last_end = end;
	s->imi_sum_ms = 0;
}

int
plm_add_movement(struct plm_scorer *s, double onset, double end,
    int bilateral, struct plm_series *out)
{
	enum lm_length len = lm_length(onset, end, s->p.lm_min_s,
	    bilateral ? s->p.bilateral_max_s : s->p.lm_max_s);
	long long imi;
	int ended = 0;

	if (len == LM_TOO_SHORT)
		return 0;
	if (len == LM_TOO_LONG)
		return close_run(s, out);
	s->clm_total++;
	if (s->count == 0) {
		begin_run(s, onset, end);
		return 0;
	}
	imi = ms(onset) - s->last_onset_ms;
	if (imi >= ms(s->p.imi_min_s) && imi <= s->imi_max_ms) {
		s->count++;
		s->imi_sum_ms += imi;
		s->last_onset = onset;
		s->last_onset_ms = ms(onset);
		s->last_end = end;
		return 0;
	}
	ended = close_run(s, out);
	begin_run(s, onset, end);
	return ended;
}

int
plm_add_break(struct plm_scorer *s, struct plm_series *out)
{
	return close_run(s, out);
}

int
plm_tick(struct plm_scorer *s, double settled, struct plm_series *out)
{
	/* Called for every sample: one rounding, not three. */
	if (s->count > 0 && ms(settled) - s->last_onset_ms > s->imi_max_ms)
		return close_run(s, out);
	return 0;
}

int
plm_finish(struct plm_scorer *s, struct plm_series *out)
{
	return close_run(s, out);
}

int
plm_in_series(const struct plm_scorer *s)
{
	return s->count >= s->p.series_min;
}

/* plm_tick's ms(settled) > last + max: half a ms before it rounds so. */
double
plm_run_end_due(const struct plm_scorer *s)
{
	if (s->count == 0)
		return INFINITY;
	return (double)(s->last_onset_ms + s->imi_max_ms) / 1000.0;
}

double
plm_series_end_due(const struct plm_scorer *s)
{
	return plm_in_series(s) ? plm_run_end_due(s) : INFINITY;
}

void
bilateral_init(struct bilateral *b, const struct plm_params *p)
{
	memset(b, 0, sizeof(*b));
	b->p = p;
}

void
bilateral_free(struct bilateral *b)
{
	free(b->pending);
	b->pending = NULL;
	b->n = b->cap = 0;
}

static void
take(struct bilateral *b, int i)
{
	memmove(&b->pending[i], &b->pending[i + 1],
	    (size_t)(b->n - i - 1) * sizeof(b->pending[0]));
	b->n--;
}

int
bilateral_add(struct bilateral *b, const struct plm_item *it)
{
	int i;

	if (b->n == b->cap) {
		int cap = b->cap ? b->cap * 2 : 16;
		struct plm_item *p = realloc(b->pending,
		    (size_t)cap * sizeof(*p));

		if (p == NULL)
			return -1;
		b->pending = p;
		b->cap = cap;
	}
	for (i = b->n; i > 0 && b->pending[i - 1].onset > it->onset; i--)
		b->pending[i] = b->pending[i - 1];
	b->pending[i] = *it;
	if (b->pending[i].parts < 1)
		b->pending[i].parts = 1;
	b->n++;
	return 0;
}

/* Less than the gap apart, or overlapping: one movement of both legs. */
static int
touches(const struct plm_item *group, const struct plm_item *it, long long gap)
{
	return ms(it->onset) - ms(group->end) < gap;
}

int
bilateral_next(struct bilateral *b, double settled, struct plm_item *out)
{
	long long gap = ms(b->p->bilateral_gap_s);
	int i, grew;

	if (b->n == 0)
		return 0;
	/*
	 * Grow the first item by every item that touches it from another
	 * leg; once both legs are in, by anything that touches it.
	 */
	do {
		struct plm_item *first = &b->pending[0];
		int both = (first->legs & (first->legs - 1)) != 0;

		grew = 0;
		for (i = 1; i < b->n; i++) {
			struct plm_item *it = &b->pending[i];

			if (!touches(first, it, gap))
				break;
			if (!both && (it->legs & ~first->legs) == 0)
				continue;
			if (it->end > first->end)
				first->end = it->end;
			first->legs |= it->legs;
			first->is_break |= it->is_break;
			first->parts += it->parts;
			take(b, i);
			grew = 1;
			break;
		}
	} while (grew);
	if (isfinite(settled) && ms(settled) - ms(b->pending[0].end) <= gap)
		return 0;	/* another leg may still add to it */
	*out = b->pending[0];
	take(b, 0);
	/* A longer chain is not one movement the rules can judge. */
	if (out->parts > b->p->bilateral_max_parts)
		out->is_break = 1;
	return 1;
}
