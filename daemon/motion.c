#include <math.h>
#include <string.h>

#include "motion.h"
#include "plm.h"

void
motion_init(struct motion_detector *m, const struct motion_params *p)
{
	memset(m, 0, sizeof(*m));
	m->p = *p;
	m->quiet_since = NAN;
	m->last_t = -INFINITY;
}

static int
finish_movement(struct motion_detector *m, double end,
    struct motion_movement *out)
{
	enum lm_length len = lm_length(m->onset, end, m->p.lm_min_s,
	    m->p.lm_max_s);

	m->moving = 0;
	m->quiet_since = NAN;
	if (len == LM_TOO_SHORT)
		return 0;
	out->onset = m->onset;
	out->end = end;
	out->body = len == LM_TOO_LONG;
	return 1;
}

int
motion_tick(struct motion_detector *m, double now, struct motion_movement *out)
{
	if (now > m->last_t)
		m->last_t = now;
	if (m->moving && !isnan(m->quiet_since) &&
	    now - m->quiet_since >= m->p.quiet_s)
		return finish_movement(m, m->quiet_since, out);
	return 0;
}

int
motion_feed(struct motion_detector *m, double t, int level,
    struct motion_movement *out)
{
	int ended = motion_tick(m, t, out);

	if (level == m->level)
		return ended;
	m->level = level;
	if (level) {
		m->rise = t;
		if (!m->moving) {
			m->moving = 1;
			m->onset = t;
		}
		m->quiet_since = NAN;
	} else if (m->moving) {
		if (t - m->rise < m->p.debounce_s && m->onset == m->rise) {
			/* A bounce on its own is no movement. */
			m->moving = 0;
			m->quiet_since = NAN;
		} else
			m->quiet_since = t;
	}
	return ended;
}

int
motion_finish(struct motion_detector *m, struct motion_movement *out)
{
	if (!m->moving)
		return 0;
	return finish_movement(m, isnan(m->quiet_since) ? m->last_t :
	    m->quiet_since, out);
}

double
motion_end_due(const struct motion_detector *m)
{
	if (!m->moving || isnan(m->quiet_since))
		return INFINITY;
	return m->quiet_since + m->p.quiet_s;
}

double
motion_settled_time(const struct motion_detector *m)
{
	return m->moving ? m->onset : m->last_t;
}
