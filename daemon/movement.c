#include <math.h>
#include <string.h>

#include "movement.h"

/* The floor is learnt this fast at first, then follows at floor_tau_s. */
#define WARMUP_S	2.0
#define WARMUP_TAU_S	0.5
/* The fast measure is up when this many spreads above its floor. */
#define FAST_K		3.0

void
movement_params_default(struct movement_params *p)
{
	p->window_s = 0.5;
	p->short_s = 0.06;
	p->smooth_s = 0.08;
	p->onset_k = 6.0;
	p->offset_k = 3.0;
	p->min_rise_g = 0.004;
	p->quiet_s = 0.5;
	p->floor_tau_s = 30.0;
	p->gap_s = 1.0;
	p->max_s = 600.0;
}

static void
window_reset(struct movement_detector *md)
{
	md->head = md->count = md->short_count = 0;
	memset(md->sum, 0, sizeof(md->sum));
	memset(md->short_sum, 0, sizeof(md->short_sum));
	md->running = 0;
}

void
movement_init(struct movement_detector *md, const struct movement_params *p)
{
	memset(md, 0, sizeof(*md));
	md->p = *p;
	md->rise_start = md->quiet_since = NAN;
	md->warmup_tau = WARMUP_TAU_S;
	/*
	 * The activity outlasts the motion by part of the window (a long
	 * one only on a mattress, where the motion is faint) and by the
	 * smoothing; measured on simulated nights.
	 */
	md->tail_s = fmin(p->window_s * 0.8, 0.4) + p->smooth_s;
	md->lead_s = p->short_s / 2 + p->smooth_s;
	window_reset(md);
}

double
movement_onset_threshold(const struct movement_detector *md)
{
	double rise = md->p.onset_k * md->spread;

	return md->floor + (rise > md->p.min_rise_g ? rise : md->p.min_rise_g);
}

double
movement_offset_threshold(const struct movement_detector *md)
{
	double rise = md->p.offset_k * md->spread;
	double least = md->p.min_rise_g * md->p.offset_k / md->p.onset_k;

	return md->floor + (rise > least ? rise : least);
}

static unsigned
ring_index(const struct movement_detector *md, unsigned back)
{
	return (md->head + MOVEMENT_RING - back) % MOVEMENT_RING;
}

static void
window_push(struct movement_detector *md, double t, const double a[3],
    double motion[3])
{
	unsigned i, slot;

	/* Drop what fell out of the window, or the oldest if it is full. */
	while (md->count > 0) {
		unsigned tail = ring_index(md, md->count);

		if (md->count < MOVEMENT_RING &&
		    md->ring_t[tail] > t - md->p.window_s)
			break;
		for (i = 0; i < 3; i++)
			md->sum[i] -= md->ring_a[tail][i];
		md->count--;
	}
	/*
	 * After a pause in the data longer than the window, what fell out
	 * of it was in the short window too: out of both, or the short
	 * mean keeps samples that are gone and a still leg looks moving.
	 */
	while (md->short_count > md->count) {
		unsigned gone = ring_index(md, md->short_count);

		for (i = 0; i < 3; i++)
			md->short_sum[i] -= md->ring_a[gone][i];
		md->short_count--;
	}
	if (md->count == 0) {	/* no rounding left over from the old */
		memset(md->sum, 0, sizeof(md->sum));
		memset(md->short_sum, 0, sizeof(md->short_sum));
	}
	while (md->short_count > 0) {
		unsigned tail = ring_index(md, md->short_count);

		if (md->ring_t[tail] > t - md->p.short_s)
			break;
		for (i = 0; i < 3; i++)
			md->short_sum[i] -= md->ring_a[tail][i];
		md->short_count--;
	}
	slot = md->head;
	md->ring_t[slot] = t;
	md->head = (md->head + 1) % MOVEMENT_RING;
	md->count++;
	md->short_count++;
	{
		const double *past = md->ring_short[ring_index(md,
		    md->short_count + 1)];
		double f = 0;

		for (i = 0; i < 3; i++) {
			double m;

			md->ring_a[slot][i] = a[i];
			md->sum[i] += a[i];
			md->short_sum[i] += a[i];
			md->gravity[i] = md->sum[i] / md->count;
			m = md->short_sum[i] / md->short_count;
			md->ring_short[slot][i] = m;
			motion[i] = m - md->gravity[i];
			f += (m - past[i]) * (m - past[i]);
		}
		md->fast = md->count > md->short_count + 1 ? sqrt(f) : 0;
	}
}

static void
end_movement(struct movement_detector *md, double end, int cut,
    struct movement *out)
{
	int i;

	out->onset = md->onset;
	out->end = end > md->onset ? end : md->onset;
	out->peak_g = sqrt(md->peak_sq);
	memcpy(out->before, md->rest_gravity, sizeof(out->before));
	/* Where the leg came to rest: the quiet samples only. */
	if (!isnan(md->quiet_since) && md->quiet_n > 0)
		for (i = 0; i < 3; i++)
			out->after[i] = md->quiet_sum[i] / md->quiet_n;
	else
		memcpy(out->after, md->gravity, sizeof(out->after));
	out->cut = cut;
	md->moving = 0;
	md->quiet_since = md->rise_start = NAN;
}

static void
track_floor(struct movement_detector *md, double dt, double tau)
{
	double k = smoothing(dt, tau);

	md->floor += (md->act - md->floor) * k;
	md->spread += (fabs(md->act - md->floor) - md->spread) * k;
	md->fast_floor += (md->fast - md->fast_floor) * k;
	md->fast_spread += (fabs(md->fast - md->fast_floor) -
	    md->fast_spread) * k;
}

enum movement_change
movement_feed(struct movement_detector *md, double t, const double a[3],
    struct movement *out)
{
	enum movement_change change = MOVEMENT_NONE;
	double dt, dev[3], d, on, off;

	dt = t - md->last_t;
	if (md->running && dt > md->p.gap_s) {
		if (md->moving) {
			end_movement(md, md->last_t, 1, out);
			change = MOVEMENT_END;
		}
		window_reset(md);
	}
	if (!md->running) {
		md->running = 1;
		md->ready_at = t + md->p.window_s +
		    (md->floor_known ? md->p.smooth_s * 3 : WARMUP_S);
		md->act = md->floor;
		dt = 0;
	}
	md->last_t = t;
	window_push(md, t, a, dev);
	d = sqrt(dev[0] * dev[0] + dev[1] * dev[1] + dev[2] * dev[2]);
	md->act += (d - md->act) * smoothing(dt, md->p.smooth_s);

	if (t < md->ready_at) {
		if (!md->floor_known)
			track_floor(md, dt, md->warmup_tau);
		memcpy(md->rest_gravity, md->gravity, sizeof(md->gravity));
		return change;
	}
	md->floor_known = 1;
	on = movement_onset_threshold(md);
	off = movement_offset_threshold(md);

	if (!md->moving) {
		if (md->act <= off) {
			md->rise_start = NAN;
			memcpy(md->rest_gravity, md->gravity,
			    sizeof(md->gravity));
		} else if (isnan(md->rise_start))
			md->rise_start = t;
		if (md->act > on) {
			md->moving = 1;
			/* Back by the filters' delay: motion began earlier. */
			md->onset = (isnan(md->rise_start) ? t :
			    md->rise_start) - md->lead_s;
			md->last_fast = md->onset;
			md->quiet_since = NAN;
			md->peak_sq = 0;
			return change;
		}
		if (md->act < on && !md->floor_frozen)
			track_floor(md, dt, md->p.floor_tau_s);
		return change;
	}

	{
		double g0 = a[0] - md->rest_gravity[0];
		double g1 = a[1] - md->rest_gravity[1];
		double g2 = a[2] - md->rest_gravity[2];
		double sq = g0 * g0 + g1 * g1 + g2 * g2;

		if (sq > md->peak_sq)
			md->peak_sq = sq;
	}
	if (md->act >= off)
		md->quiet_since = NAN;
	else {
		if (isnan(md->quiet_since)) {
			md->quiet_since = t;
			md->quiet_n = 0;
			memset(md->quiet_sum, 0, sizeof(md->quiet_sum));
		}
		md->quiet_sum[0] += a[0];
		md->quiet_sum[1] += a[1];
		md->quiet_sum[2] += a[2];
		md->quiet_n++;
	}
	if (md->fast > md->fast_floor + FAST_K * md->fast_spread)
		md->last_fast = t;
	if (!isnan(md->quiet_since) && t - md->quiet_since >= md->p.quiet_s) {
		double end = md->quiet_since - md->tail_s;

		/* Motion seen to stop earlier than the activity says. */
		if (md->last_fast > md->onset && md->last_fast < end)
			end = md->last_fast > end - md->p.window_s ?
			    md->last_fast : end - md->p.window_s;
		end_movement(md, end, 0, out);
		return MOVEMENT_END;
	}
	if (t - md->onset > md->p.max_s) {
		/* Activity that never settles is a floor set too low. */
		end_movement(md, t, 1, out);
		md->floor = md->act;
		md->spread = md->act * 0.1;
		return MOVEMENT_END;
	}
	return change;
}

void
movement_relearn(struct movement_detector *md, double t, double seconds)
{
	md->floor_known = 0;
	md->ready_at = t + seconds;
	md->warmup_tau = seconds / 4;
}

double
movement_end_due(const struct movement_detector *md)
{
	double quiet_from;

	if (!md->moving)
		return INFINITY;
	/* Not quiet yet: the quiet can begin with the next sample at best. */
	quiet_from = isnan(md->quiet_since) ? md->last_t : md->quiet_since;
	return fmin(quiet_from + md->p.quiet_s, md->onset + md->p.max_s);
}

int
movement_finish(struct movement_detector *md, struct movement *out)
{
	if (!md->moving)
		return 0;
	end_movement(md, isnan(md->quiet_since) ? md->last_t :
	    md->quiet_since - md->tail_s, 1, out);
	return 1;
}
