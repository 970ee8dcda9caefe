#include <math.h>
#include <string.h>

#include "leg.h"
#include "plm.h"

/* Movements closer than this belong to one bout (a cramp's onset). */
#define BOUT_GAP_S		10.0
/* The tremor must follow the rotation at once. */
#define HOLD_ARM_S		1.0
/* ... and the hold come this soon after the movement leading in began. */
#define HOLD_REACH_S		10.0
#define POSTURE_TAU_S		1.0
/* After the body moved, a mattress's floor needs this long to settle. */
#define MATTRESS_SETTLE_S	60.0
/* ... and this long to learn it anew: a few breaths. */
#define MATTRESS_RELEARN_S	12.0
/* Mattress movements closer than this may be one tremor. */
#define MATTRESS_BOUT_S		2.0
/* No cramp lasts longer: past this the tremor is a lost floor. */
#define CRAMP_MAX_S		900.0
/* The held orientation may drift this slowly. */
#define ANCHOR_TAU_S		2.0
/* The hold's activity is averaged in blocks this long. */
#define HOLD_BLOCK_S		1.0
/*
 * A second of activity is noisier than the hold's quartile: a cramp goes
 * on while it is this much further up.
 */
#define TREMOR_GOES_ON_K	2.0
/* Tremor is judged on the activity averaged this long. */
#define TREMOR_TAU_S		1.0
/* Further than this from rest after a movement, the leg is still lifted. */
#define DISPLACED_DEG		3.0
#define DEG			(M_PI / 180.0)

void
leg_params_default(struct leg_params *p)
{
	movement_params_default(&p->move);
	p->cramp.hold_s = 9.0;
	p->cramp.hold_tol_deg = 6.0;
	p->cramp.min_angle_deg = 15.0;
	p->cramp.tremor_k = 0.6;
	p->cramp.hold_max_g = 0.06;
	p->cramp.end_quiet_s = 5.0;
	p->mount = MOUNT_ANKLE;
	p->leg_axis[0] = 1;
	p->leg_axis[1] = p->leg_axis[2] = 0;
	p->lm_min_s = 0.5;
	p->lm_max_s = 10.0;
	p->turn_deg = 15.0;
	p->flex_max_deg = 45.0;
	p->upright_deg = 25.0;
	p->body_peak_g = 0.06;
}

void
leg_params_mattress(struct leg_params *p)
{
	leg_params_default(p);
	p->mount = MOUNT_MATTRESS;
	p->move.window_s = 1.0;
	p->move.smooth_s = 0.25;
	p->move.onset_k = 5.0;
	p->move.offset_k = 2.5;
	p->move.min_rise_g = 0.0005;
	p->cramp.hold_s = 12.0;
	p->cramp.tremor_k = 1.5;
	p->cramp.hold_max_g = 0.008;
}

void
leg_init(struct leg *leg, const struct leg_params *p)
{
	double tol = 2.0 * sin(p->cramp.hold_tol_deg * DEG / 2.0);

	memset(leg, 0, sizeof(*leg));
	leg->p = *p;
	movement_init(&leg->md, &p->move);
	leg->cos_turn = cos(p->turn_deg * DEG);
	leg->cos_flex = cos(p->flex_max_deg * DEG);
	leg->cos_displaced = cos(DISPLACED_DEG * DEG);
	leg->cos_upright = cos(p->upright_deg * DEG);
	leg->cos_cramp = cos(p->cramp.min_angle_deg * DEG);
	leg->hold_tol_sq = tol * tol;
	/* The rotation's own activity lasts this long into the hold. */
	leg->hold_settle_s = p->move.window_s + 4 * p->move.smooth_s +
	    p->move.short_s;
	leg->last_end = leg->last_big_end = -INFINITY;
	leg->state = LEG_IDLE;
}

static double
cos_between(const double a[3], const double b[3])
{
	double ab = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
	double aa = a[0] * a[0] + a[1] * a[1] + a[2] * a[2];
	double bb = b[0] * b[0] + b[1] * b[1] + b[2] * b[2];

	if (aa <= 0 || bb <= 0)
		return 1.0;
	return ab / sqrt(aa * bb);
}

static int
is_upright(const struct leg *leg, const double g[3])
{
	return leg->p.mount == MOUNT_ANKLE &&
	    cos_between(g, leg->p.leg_axis) >= leg->cos_upright;
}

static struct leg_item *
put(struct leg_out *out, enum leg_item_kind kind, double start, double end,
    double peak_g, double time)
{
	struct leg_item *it;

	if (out->n == LEG_OUT_MAX)
		return NULL;	/* cannot happen: sized for a full queue */
	it = &out->item[out->n++];
	it->kind = kind;
	it->start = start;
	it->end = end;
	it->peak_g = peak_g;
	it->time = time;
	it->posture_change = 0;
	return it;
}

/*
 * A movement on its own: too short, a leg movement, or the body.  WASM
 * 2016 goes by duration alone: a turn of lm_min_s to lm_max_s is a
 * candidate leg movement like any other, marked as a posture change.  On
 * a mattress the leg's orientation is unknown; a movement strong enough
 * to be the whole body's stands for it.
 */
static void
classify(const struct leg *leg, const struct movement *m, double now,
    struct leg_out *out)
{
	enum lm_length len = lm_length(m->onset, m->end, leg->p.lm_min_s,
	    leg->p.lm_max_s);
	struct leg_item *it;

	if (len == LM_TOO_SHORT)
		return;
	if (len == LM_TOO_LONG) {
		put(out, LEG_BODY, m->onset, m->end, m->peak_g, now);
		return;
	}
	if ((it = put(out, LEG_LM, m->onset, m->end, m->peak_g, now)) == NULL)
		return;
	if (leg->p.mount == MOUNT_ANKLE)
		it->posture_change = cos_between(m->before, m->after) <
		    leg->cos_turn;
	else
		it->posture_change = m->peak_g >= leg->p.body_peak_g;
}

static void
settle_resolve(struct leg *leg, double now, struct leg_out *out)
{
	int i;

	for (i = 0; i < leg->queued; i++)
		classify(leg, &leg->queue[i], now, out);
	leg->queued = 0;
	leg->state = LEG_IDLE;
}

static void
episode_begin(struct leg *leg, int cramp, double start, double end,
    double peak)
{
	int i;

	for (i = 0; i < leg->queued; i++) {
		if (leg->queue[i].onset < start)
			start = leg->queue[i].onset;
		if (leg->queue[i].peak_g > peak)
			peak = leg->queue[i].peak_g;
		if (leg->queue[i].end > end)
			end = leg->queue[i].end;
	}
	leg->queued = 0;
	leg->state = LEG_EPISODE;
	leg->episode_cramp = cramp;
	leg->episode_start = start;
	leg->episode_end = end;
	leg->episode_peak = peak;
	leg->hold_armed = 0;
}

static void
episode_end(struct leg *leg, double now, struct leg_out *out)
{
	put(out, leg->episode_cramp ? LEG_CRAMP : LEG_BODY,
	    leg->episode_start, leg->episode_end, leg->episode_peak, now);
	leg->state = LEG_IDLE;
}

/*
 * The leg lifted, held still for a moment, and came back to where it
 * rested: one leg movement, as an EMG would see it, not a turn and a turn
 * back.  Returns 1 when the queue was merged with m and classified.
 */
static int
held_flexion(struct leg *leg, const struct movement *m, double now,
    struct leg_out *out)
{
	struct movement whole = leg->queue[0];
	int i;

	if (m->end - whole.onset > leg->p.lm_max_s ||
	    cos_between(m->after, whole.before) < leg->cos_turn)
		return 0;
	for (i = 0; i < leg->queued; i++) {
		if (cos_between(leg->queue[i].after, whole.before) <
		    leg->cos_flex)
			return 0;
		if (leg->queue[i].peak_g > whole.peak_g)
			whole.peak_g = leg->queue[i].peak_g;
	}
	if (m->peak_g > whole.peak_g)
		whole.peak_g = m->peak_g;
	whole.end = m->end;
	memcpy(whole.after, m->after, sizeof(whole.after));
	leg->queued = 0;
	leg->state = LEG_IDLE;
	classify(leg, &whole, now, out);
	return 1;
}

static void
movement_ended(struct leg *leg, const struct movement *m, double now,
    struct leg_out *out)
{
	leg->last_end = m->end;
	leg->last_onset = m->onset;
	if (m->peak_g >= leg->p.body_peak_g) {
		leg->last_big_end = m->end;
		/* In or out of bed: breathing on the mattress or not. */
		if (leg->p.mount == MOUNT_MATTRESS)
			movement_relearn(&leg->md, now, MATTRESS_RELEARN_S);
	}
	switch (leg->state) {
	case LEG_EPISODE:
		if (m->end > leg->episode_end)
			leg->episode_end = m->end;
		if (m->peak_g > leg->episode_peak)
			leg->episode_peak = m->peak_g;
		return;
	case LEG_SETTLING:
		if (is_upright(leg, m->after)) {
			episode_begin(leg, 0, m->onset, m->end, m->peak_g);
			return;
		}
		if (leg->p.mount == MOUNT_ANKLE &&
		    held_flexion(leg, m, now, out))
			return;
		if (leg->queued == LEG_QUEUE)
			settle_resolve(leg, now, out);
		else {
			leg->queue[leg->queued++] = *m;
			if (leg->p.mount == MOUNT_MATTRESS)
				leg->settle_until = m->end + MATTRESS_BOUT_S;
			return;
		}
		break;
	case LEG_IDLE:
		break;
	}
	if (is_upright(leg, m->after)) {
		episode_begin(leg, 0, m->onset, m->end, m->peak_g);
		return;
	}
	if (leg->p.mount == MOUNT_ANKLE && !m->cut &&
	    cos_between(m->before, m->after) < leg->cos_displaced) {
		/*
		 * The leg did not come back: wait and see whether it is
		 * held (a cramp), comes back (a held flexion) or stays (a
		 * turn).
		 */
		leg->state = LEG_SETTLING;
		leg->queue[0] = *m;
		leg->queued = 1;
		if (cos_between(m->before, m->after) < leg->cos_cramp)
			leg->settle_until = m->end + 2.0 * leg->p.cramp.hold_s;
		else
			leg->settle_until = m->onset + leg->p.lm_max_s +
			    leg->p.move.quiet_s;
		return;
	}
	if (leg->p.mount == MOUNT_MATTRESS && !m->cut) {
		/* Tremor comes and goes: is more of it about to follow? */
		leg->state = LEG_SETTLING;
		leg->queue[0] = *m;
		leg->queued = 1;
		leg->settle_until = m->end + MATTRESS_BOUT_S;
		return;
	}
	classify(leg, m, now, out);
}

/*
 * On a mattress a cramp's tremor arrives faint, near the sensor's noise,
 * with no orientation to go by: it shows as the activity, averaged over
 * a second, staying above the floor nearly all the time for hold_s.
 * Restless legs leave gaps of several seconds between movements.
 */
static void
mattress_hold(struct leg *leg, double t, struct leg_out *out)
{
	const struct movement_detector *md = &leg->md;
	int above = leg->tremor > md->floor + leg->p.cramp.tremor_k *
	    md->spread;
	double mean;

	if (md->moving && md->peak_sq >= leg->p.body_peak_g *
	    leg->p.body_peak_g) {
		leg->hold_armed = 0;	/* the body, not a held leg */
		return;
	}
	if (!leg->hold_armed) {
		/* Lying down again brings breathing the floor has not seen. */
		if (!above || t - leg->last_big_end < MATTRESS_SETTLE_S)
			return;
		leg->hold_armed = 1;
		leg->hold_since = leg->hold_up = t;
		leg->hold_sum = 0;
		leg->hold_n = leg->hold_above = 0;
	}
	leg->hold_sum += md->act;
	leg->hold_n++;
	if (above) {
		leg->hold_above++;
		leg->hold_up = t;
	} else if (t - leg->hold_up > MATTRESS_BOUT_S) {
		leg->hold_armed = 0;	/* it stopped */
		return;
	}
	if (t - leg->hold_since < leg->p.cramp.hold_s)
		return;
	leg->hold_armed = 0;
	mean = leg->hold_sum / (double)leg->hold_n;
	if (10 * leg->hold_above < 9 * leg->hold_n ||
	    mean > leg->p.cramp.hold_max_g)
		return;
	if (leg->state == LEG_IDLE)
		leg->queued = 0;
	/* The tremor went on until hold_up, whenever the last movement was. */
	episode_begin(leg, 1, leg->hold_since - TREMOR_TAU_S,
	    md->moving ? t : fmax(leg->last_end, leg->hold_up),
	    sqrt(md->peak_sq));
	put(out, LEG_CRAMP_START, leg->episode_start, t, leg->episode_peak, t);
}

/* The value a quarter of v lies below: most of the blocks are above. */
static double
lower_quartile(const double *v, int n)
{
	double sorted[LEG_HOLD_BLOCKS], x;
	int i, j;

	if (n <= 0)
		return 0;
	memcpy(sorted, v, (size_t)n * sizeof(sorted[0]));
	for (i = 1; i < n; i++) {
		x = sorted[i];
		for (j = i; j > 0 && sorted[j - 1] > x; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = x;
	}
	return sorted[n / 4];
}

/*
 * The held contraction: the orientation stays within hold_tol_deg of an
 * anchor for hold_s, with the mean activity above the floor (tremor) but
 * below thrashing, at least min_angle_deg away from where the leg rested
 * before the bout.  On a mattress there is no orientation to speak of:
 * the hold is low-level activity almost all the time, in movements less
 * than MATTRESS_BOUT_S apart.
 */
static void
hold_update(struct leg *leg, double t, double dt, struct leg_out *out)
{
	const struct movement_detector *md = &leg->md;
	const double *g = md->gravity;
	double dx, dy, dz, mean;
	int ok;

	if (leg->p.mount == MOUNT_MATTRESS) {
		mattress_hold(leg, t, out);
		return;
	}
	dx = g[0] - leg->hold_anchor[0];
	dy = g[1] - leg->hold_anchor[1];
	dz = g[2] - leg->hold_anchor[2];
	if (dx * dx + dy * dy + dz * dz > leg->hold_tol_sq) {
		memcpy(leg->hold_anchor, g, sizeof(leg->hold_anchor));
		leg->hold_since = t;
		leg->hold_sum = leg->block_sum = 0;
		leg->hold_n = leg->block_n = 0;
		leg->nblocks = 0;
		leg->hold_armed = md->moving ||
		    t - leg->last_end <= HOLD_ARM_S;
		leg->hold_move_onset = md->moving ? md->onset :
		    leg->last_onset;
	} else if (leg->hold_armed) {
		/* Follow a slow wobble; only a jump breaks the hold. */
		double k = smoothing(dt, ANCHOR_TAU_S);

		leg->hold_anchor[0] += dx * k;
		leg->hold_anchor[1] += dy * k;
		leg->hold_anchor[2] += dz * k;
	}
	if (!leg->hold_armed)
		return;
	if (t - leg->hold_since >= leg->hold_settle_s) {
		leg->hold_sum += md->act;
		leg->hold_n++;
		leg->block_sum += md->act;
		leg->block_n++;
		if (t - leg->hold_since - leg->hold_settle_s >=
		    (leg->nblocks + 1) * HOLD_BLOCK_S &&
		    leg->nblocks < LEG_HOLD_BLOCKS) {
			leg->block_mean[leg->nblocks++] = leg->block_sum /
			    (double)leg->block_n;
			leg->block_sum = 0;
			leg->block_n = 0;
		}
	}
	if (t - leg->hold_since < leg->p.cramp.hold_s || leg->nblocks < 3)
		return;
	leg->hold_armed = 0;
	mean = leg->hold_sum / (double)leg->hold_n;
	/*
	 * Tremor near the sensor's noise shows only in activity averaged
	 * over seconds, steady to a fraction of the spread.  It lasts: three
	 * quarters of the hold's seconds must show it, so the end of a turn
	 * or a twitch in a quiet hold does not pass.
	 */
	ok = lower_quartile(leg->block_mean, leg->nblocks) >= md->floor +
	    leg->p.cramp.tremor_k * md->spread &&
	    mean <= leg->p.cramp.hold_max_g &&
	    (md->moving || leg->state == LEG_SETTLING) &&
	    !leg->upright;
	/*
	 * A contraction seizes the leg soon after the movement that leads
	 * into the hold began, even one it interrupts; a hold reached only
	 * late in a long movement is the slow end of turning over.
	 */
	if (ok)
		ok = cos_between(leg->hold_anchor, leg->bout_rest) <
		    leg->cos_cramp &&
		    leg->hold_since - leg->hold_move_onset <= HOLD_REACH_S;
	if (!ok)
		return;
	episode_begin(leg, 1, leg->bout_onset,
	    md->moving ? t : leg->last_end, md->moving ?
	    sqrt(md->peak_sq) : 0);
	put(out, LEG_CRAMP_START, leg->episode_start, t, leg->episode_peak, t);
}

/*
 * Activity averaged over a second, against the floor: a faint tremor the
 * movement detector does not see.  It must not become the floor while it
 * lasts.
 */
static void
track_tremor(struct leg *leg, double t, double dt)
{
	struct movement_detector *md = &leg->md;
	int up;

	leg->tremor += (md->act - leg->tremor) * smoothing(dt, TREMOR_TAU_S);
	/* Faint activity only, not what is left of a movement. */
	up = !md->moving && t - leg->last_end >= TREMOR_TAU_S &&
	    leg->tremor > md->floor + TREMOR_GOES_ON_K *
	    leg->p.cramp.tremor_k * md->spread &&
	    leg->tremor < movement_onset_threshold(md);
	if (up)
		leg->tremor_up = t;
	/* Nor while a hold is judged: a faint tremor would raise it. */
	md->floor_frozen = (leg->state == LEG_EPISODE && leg->episode_cramp) ||
	    leg->hold_armed;
}

static void
track_posture(struct leg *leg, double dt)
{
	const double *g = leg->md.gravity;
	double k = smoothing(dt, POSTURE_TAU_S);
	int i;

	for (i = 0; i < 3; i++)
		leg->slow_gravity[i] += (g[i] - leg->slow_gravity[i]) * k;
	leg->upright = is_upright(leg, leg->slow_gravity);
	if (leg->upright)
		leg->upright_s += dt;
}

void
leg_feed(struct leg *leg, double t, const double a[3], struct leg_out *out)
{
	struct movement m;
	enum movement_change change;
	double dt = leg->md.running ? t - leg->md.last_t : 0;

	out->n = 0;
	change = movement_feed(&leg->md, t, a, &m);
	if (dt > leg->p.move.gap_s || dt <= 0)
		memcpy(leg->slow_gravity, leg->md.gravity,
		    sizeof(leg->slow_gravity));
	else
		track_posture(leg, dt);
	track_tremor(leg, t, dt);
	if (change == MOVEMENT_END) {
		/* The average starts afresh: no movement's force in it. */
		if (leg->tremor > movement_onset_threshold(&leg->md))
			leg->tremor = leg->md.act;
		movement_ended(leg, &m, t, out);
		if (m.cut && leg->state == LEG_EPISODE &&
		    leg->last_end < t - leg->p.move.gap_s) {
			/* The data stopped in the middle of an episode. */
			episode_end(leg, t, out);
		}
	}
	if (leg->md.moving && change != MOVEMENT_END &&
	    leg->md.onset - leg->last_end >= BOUT_GAP_S &&
	    leg->md.onset > leg->bout_onset) {
		leg->bout_onset = leg->md.onset;
		memcpy(leg->bout_rest, leg->md.rest_gravity,
		    sizeof(leg->bout_rest));
	}
	if (leg->state != LEG_EPISODE)
		hold_update(leg, t, dt, out);

	switch (leg->state) {
	case LEG_SETTLING:
		if (!leg->md.moving && t >= leg->settle_until &&
		    !(leg->hold_armed && leg->p.mount == MOUNT_MATTRESS))
			settle_resolve(leg, t, out);
		break;
	case LEG_EPISODE:
		if (leg->episode_cramp &&
		    leg->tremor_up - TREMOR_TAU_S > leg->episode_end)
			leg->episode_end = leg->tremor_up - TREMOR_TAU_S;
		if ((!leg->md.moving && !leg->upright &&
		    t - leg->episode_end >= leg->p.cramp.end_quiet_s) ||
		    (leg->episode_cramp &&
		    t - leg->episode_start > CRAMP_MAX_S))
			episode_end(leg, t, out);
		break;
	case LEG_IDLE:
		break;
	}
}

void
leg_finish(struct leg *leg, struct leg_out *out)
{
	struct movement m;
	double now = leg->md.last_t;

	out->n = 0;
	if (movement_finish(&leg->md, &m))
		movement_ended(leg, &m, now, out);
	if (leg->state == LEG_SETTLING)
		settle_resolve(leg, now, out);
	else if (leg->state == LEG_EPISODE)
		episode_end(leg, now, out);
}

double
leg_decision_due(const struct leg *leg)
{
	double t = movement_end_due(&leg->md);
	int held_on_mattress = leg->hold_armed &&
	    leg->p.mount == MOUNT_MATTRESS;

	if (leg->hold_armed && leg->state != LEG_EPISODE)
		t = fmin(t, leg->hold_since + leg->p.cramp.hold_s);
	switch (leg->state) {
	case LEG_SETTLING:
		if (leg->md.moving)
			break;
		/* A mattress's hold keeps it open until the tremor stops. */
		t = fmin(t, held_on_mattress ? fmax(leg->settle_until,
		    leg->hold_up + MATTRESS_BOUT_S) : leg->settle_until);
		break;
	case LEG_EPISODE:
		if (leg->episode_cramp)
			t = fmin(t, leg->episode_start + CRAMP_MAX_S);
		if (!leg->md.moving && !leg->upright)
			t = fmin(t, leg->episode_end +
			    leg->p.cramp.end_quiet_s);
		break;
	case LEG_IDLE:
		break;
	}
	return t;
}

double
leg_settled_time(const struct leg *leg)
{
	double t = leg->md.last_t;

	if (leg->md.moving && leg->md.onset < t)
		t = leg->md.onset;
	if (leg->state == LEG_SETTLING && leg->queue[0].onset < t)
		t = leg->queue[0].onset;
	if (leg->state == LEG_EPISODE && leg->episode_start < t)
		t = leg->episode_start;
	if (leg->bout_onset < t && leg->hold_armed)
		t = leg->bout_onset;
	return t;
}
