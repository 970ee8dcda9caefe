#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fleet.h"
#include "log.h"
#include "worker.h"

/*
 * A first failure is retried soon (an I2C glitch, a bounced cable): only
 * a second one in a row is a fault worth telling.  Then the retries back
 * off, never further apart than a minute.
 */
#define RETRY_FIRST_S	0.5
#define RETRY_MIN_S	1.0
#define RETRY_MAX_S	60.0
#define FAULT_AFTER	2
/*
 * A FIFO read early for a decision comes this long after the sample
 * wanted, which the chip may stamp a little before the read.
 */
#define EARLY_SLACK_S	0.02
/* A working sensor that hands in nothing holds detection back this long. */
#define DATA_LAG_MAX_S	5.0
/*
 * An accelerometer that answers but whose FIFO stays empty this long has
 * been reset (a power glitch leaves it asleep): opened again, it is set
 * up again.
 */
#define STALL_S		10.0
/*
 * A working accelerometer is never still to the last bit: its noise is
 * several LSB on every axis, sample to sample.  One reading, bit for bit,
 * this long is a chip whose data registers are stuck: set up again, and
 * a fault if that does not help.
 */
#define FROZEN_S	30.0
/*
 * No reading is not the same reading: a pause in the samples this long
 * (the chip stalled and was set up again) starts the run afresh.  Shorter
 * than STALL_S, longer than the pause a setup again after a frozen run
 * makes, so that a chip still stuck after it is a fault at once.
 */
#define SAME_PAUSE_S	(STALL_S / 2)

/*
 * Samples wait here until every working sensor has handed in what it
 * measured up to their time: an accelerometer's FIFO brings a second's
 * worth at once, and detection must see all sources in time order.
 */
static void
hold(struct fleet *f, int index, const struct sample *s)
{
	if (f->nheld == f->held_cap) {
		size_t cap = f->held_cap ? f->held_cap * 2 : 1024;
		struct held *h = realloc(f->held, cap * sizeof(*h));

		if (h == NULL) {	/* hand it on out of turn, not lose it */
			f->emit(f->ctx, index, s);
			return;
		}
		f->held = h;
		f->held_cap = cap;
	}
	f->held[f->nheld].index = index;
	f->held[f->nheld].seq = f->seq++;
	f->held[f->nheld].s = *s;
	f->nheld++;
}

static int
by_time(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	if (x->s.t != y->s.t)
		return x->s.t < y->s.t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Hands on, in time order, what is up to time t. */
static void
release(struct fleet *f, double t)
{
	size_t i, n;

	if (f->nheld == 0)
		return;
	qsort(f->held, f->nheld, sizeof(*f->held), by_time);
	for (n = 0; n < f->nheld && f->held[n].s.t <= t; n++)
		f->emit(f->ctx, f->held[n].index, &f->held[n].s);
	for (i = n; i < f->nheld; i++)
		f->held[i - n] = f->held[i];
	f->nheld -= n;
}

/*
 * The run of bit-identical readings going on, timed by when they came in
 * (the steady clock: the wall clock may step while a chip is stuck).  A
 * reading that differs from the one before it, both read since the chip
 * was last set up, shows the chip measures.
 */
static void
track_sameness(struct fleet *f, struct fleet_member *m,
    const struct sample *s)
{
	if (!isnan(m->same_last) && f->now_mono - m->same_last > SAME_PAUSE_S)
		m->same_since = NAN;
	if (isnan(m->same_since) || s->v[0] != m->same_v[0] ||
	    s->v[1] != m->same_v[1] || s->v[2] != m->same_v[2]) {
		if (!isnan(m->same_since) && !m->just_opened)
			m->varied = 1;
		m->same_since = f->now_mono;
		memcpy(m->same_v, s->v, sizeof(m->same_v));
	}
	m->same_last = f->now_mono;
	m->just_opened = 0;
}

static void
member_emit(void *ctx, int index, const struct sample *in)
{
	struct fleet *f = ctx;
	struct fleet_member *m = &f->m[index];
	struct sample s = *in;

	/* Edge stamps mapped to Unix time may step back by a slew. */
	if (!isnan(m->last_t) && s.t < m->last_t)
		s.t = m->last_t;
	m->last_t = s.t;
	m->data_mono = f->now_mono;
	if (m->rec != NULL) {
		char row[160], why[128];
		int len;

		if (m->s.ops->kind == REC_ACCEL)
			len = snprintf(row, sizeof(row), "%.6f,%.6f,%.6f,%.6f",
			    s.t, s.v[0], s.v[1], s.v[2]);
		else if (m->s.ops->kind == REC_MOTION)
			len = snprintf(row, sizeof(row), "%.6f,%d", s.t,
			    s.v[0] != 0);
		else
			len = snprintf(row, sizeof(row), "%.6f,%.3f", s.t,
			    s.v[0]);
		/*
		 * Detection gets the sample as a replay of the recording
		 * will read it back, so the two give the same events.
		 */
		if (recording_parse_row(m->s.ops->kind, row, (size_t)len, &s,
		    why, sizeof(why)) == -1) {
			if (!m->said_unrecordable)
				log_warn("%s: samples dropped, they cannot be "
				    "recorded: %s", m->s.name, why);
			m->said_unrecordable = 1;
			return;
		}
		if (fprintf(m->rec, "%s\n", row) < 0 && !f->record_failed) {
			log_err("%s: %s", m->rec_path, strerror(errno));
			f->record_failed = 1;
		}
	}
	if (m->s.ops->kind == REC_ACCEL)
		track_sameness(f, m, &s);
	else
		m->varied = 1;
	hold(f, index, &s);
}

static int
open_recording(struct fleet_member *m, const char *path, char *err,
    size_t errsz)
{
	snprintf(m->rec_path, sizeof(m->rec_path), "%s", path);
	/* A restart goes on with the night's file, never wipes it. */
	if ((m->rec = fopen(path, "a")) == NULL) {
		snprintf(err, errsz, "--record: %s: %s", path, strerror(errno));
		return -1;
	}
	if (ftell(m->rec) == 0)
		fprintf(m->rec, "# legwatchd %s: sensor %s (%s)\n%s\n",
		    LEGWATCH_VERSION, m->s.name, m->s.ops->type,
		    recording_header(m->s.ops->kind));
	return 0;
}

int
fleet_init(struct fleet *f, const struct config *conf, const char *record,
    sensor_emit_fn emit, fleet_fault_fn fault, void *ctx, char *err,
    size_t errsz)
{
	struct stat st;
	int i, record_dir = 0;

	memset(f, 0, sizeof(*f));
	f->wall_offset = -INFINITY;
	f->emit = emit;
	f->fault = fault;
	f->ctx = ctx;
	if (record != NULL) {
		record_dir = stat(record, &st) == 0 && S_ISDIR(st.st_mode);
		if (!record_dir && conf->nsensors > 1) {
			snprintf(err, errsz, "--record %s: %d sensors make one "
			    "recording each: give a directory", record,
			    conf->nsensors);
			return -1;
		}
	}
	for (i = 0; i < conf->nsensors; i++) {
		const struct sensor_conf *sc = &conf->sensors[i];
		struct fleet_member *m = &f->m[i];

		if ((m->s.ops = sc->type->ops) == NULL) {
			snprintf(err, errsz, "%s:%d: sensors.%s: no driver for "
			    "%s sensors", conf->path, sc->line, sc->name,
			    sc->type->name);
			goto fail;
		}
		m->s.name = sc->name;
		m->s.settings = sc->settings.bytes;
		m->s.index = i;
		m->s.emit = member_emit;
		m->s.ctx = f;
		m->s.fd = -1;
		m->last_t = NAN;
		m->same_since = m->same_last = NAN;
		f->n++;
		if (record != NULL) {
			char path[PATH_MAX];

			if (record_dir)
				snprintf(path, sizeof(path), "%s/%s.csv", record,
				    sc->name);
			else
				snprintf(path, sizeof(path), "%s", record);
			if (open_recording(m, path, err, errsz) == -1)
				goto fail;
		}
	}
	return 0;
fail:
	fleet_close(f);
	return -1;
}

static void
failed(struct fleet *f, struct fleet_member *m, const struct sensor_clock *now)
{
	double wait;

	if (m->open)
		m->s.ops->close(&m->s);
	m->open = 0;
	m->s.fd = -1;
	m->failures++;
	if (m->failures < FAULT_AFTER)
		wait = RETRY_FIRST_S;
	else
		wait = fmin(RETRY_MIN_S * ldexp(1, m->failures - FAULT_AFTER),
		    RETRY_MAX_S);
	m->retry_at = now->mono + wait;
	if (m->failures >= FAULT_AFTER && !m->reported) {
		log_err("%s: %s (retrying)", m->s.name, m->s.error);
		m->reported = 1;
		f->fault(f->ctx, m->s.index, 1, m->s.error);
	} else
		log_info("%s: %s (retry in %.1f s)", m->s.name,
		    m->s.error, wait);
}

static void
working(struct fleet *f, struct fleet_member *m)
{
	m->failures = 0;
	if (m->reported) {
		log_notice("%s: working again", m->s.name);
		m->reported = 0;
		f->fault(f->ctx, m->s.index, 0, "");
	}
}

/*
 * What a blocking driver's read brings: a reading or two; more are
 * dropped (counted as an overflow).
 */
#define OFF_LOOP_MAX	8

struct fleet_read {
	struct worker_job	 job;
	struct fleet		*f;
	int			 index;
	struct sensor		 s;	/* the member's, while out */
	struct sensor_clock	 now;
	int			 rc;
	int			 back;
	int			 n;
	struct sample		 got[OFF_LOOP_MAX];
};

static void
off_loop_emit(void *ctx, int index, const struct sample *s)
{
	struct fleet_read *r = ctx;

	(void)index;
	if (r->n < OFF_LOOP_MAX)
		r->got[r->n++] = *s;
	else
		r->s.overflows++;
}

static void
off_loop_run(struct worker_job *job)
{
	struct fleet_read *r = (struct fleet_read *)job;

	r->rc = r->s.ops->read(&r->s, &r->now);
}

/* Back on the loop: the next fleet_service takes it. */
static void
off_loop_done(struct worker_job *job)
{
	((struct fleet_read *)job)->back = 1;
}

/* The fleet closed while it was out: the sensor is the job's to close. */
static void
off_loop_drop(struct worker_job *job)
{
	struct fleet_read *r = (struct fleet_read *)job;

	r->s.ops->close(&r->s);
	free(r);
}

static void finish_read(struct fleet *, struct fleet_member *,
    const struct sensor_clock *, int);

/*
 * Sends a blocking driver's read to a worker.  Where no thread can be
 * had, it runs here: late samples beat none.
 */
static void
read_off_loop(struct fleet *f, struct fleet_member *m,
    const struct sensor_clock *now)
{
	struct fleet_read *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto here;
	r->job.run = off_loop_run;
	r->job.done = off_loop_done;
	r->job.drop = off_loop_drop;
	r->f = f;
	r->index = m->s.index;
	r->s = m->s;
	r->s.emit = off_loop_emit;
	r->s.ctx = r;
	r->now = *now;
	if (worker_start(&r->job) == -1) {
		log_warn("%s: no thread for the read (%s): it blocks the loop",
		    m->s.name, strerror(errno));
		free(r);
		goto here;
	}
	m->out = r;
	return;
here:
	finish_read(f, m, now, m->s.ops->read(&m->s, now));
}

/*
 * A read that came back: the sensor is the member's again, and its
 * samples are stamped now, when they arrived, so that they never fall
 * behind what detection was handed meanwhile.
 */
static void
take_back(struct fleet *f, struct fleet_member *m,
    const struct sensor_clock *now)
{
	struct fleet_read *r = m->out;
	int i;

	m->out = NULL;
	m->s = r->s;
	m->s.emit = member_emit;
	m->s.ctx = f;
	for (i = 0; i < r->n; i++) {
		r->got[i].t = now->unix;
		member_emit(f, m->s.index, &r->got[i]);
	}
	finish_read(f, m, now, r->rc);
	free(r);
}

static void
read_member(struct fleet *f, struct fleet_member *m,
    const struct sensor_clock *now)
{
	if (m->s.ops->blocking)
		read_off_loop(f, m, now);
	else
		finish_read(f, m, now, m->s.ops->read(&m->s, now));
}

/* What a read's outcome says of the sensor. */
static void
finish_read(struct fleet *f, struct fleet_member *m,
    const struct sensor_clock *now, int rc)
{
	if (rc == -1) {
		failed(f, m, now);
		return;
	}
	if (m->s.ops->kind == REC_ACCEL && now->mono - m->data_mono > STALL_S) {
		sensor_fail(&m->s, "%s: no samples for %.0f s", m->s.ops->type,
		    now->mono - m->data_mono);
		failed(f, m, now);
		return;
	}
	/* Judged on fresh samples: a read that brought none says nothing. */
	if (m->s.ops->kind == REC_ACCEL && m->data_mono == now->mono &&
	    m->same_last - m->same_since >= FROZEN_S) {
		sensor_fail(&m->s, "%s: the same reading, to the last bit, for "
		    "%.0f s: its data is stuck", m->s.ops->type,
		    m->same_last - m->same_since);
		failed(f, m, now);
		return;
	}
	if (m->s.overflows != m->overflows_seen) {
		log_warn("%s: the sensor's FIFO overflowed: samples were lost "
		    "(%lu times so far)", m->s.name, m->s.overflows);
		m->overflows_seen = m->s.overflows;
	}
	/*
	 * A sensor proves itself with samples, not answers; an
	 * accelerometer with samples that change.
	 */
	if (m->data_mono == now->mono && m->varied)
		working(f, m);
}

/* The samples' clock now: the wall clock, never stepping back. */
static struct sensor_clock
steady(const struct fleet *f, const struct sensor_clock *now)
{
	struct sensor_clock c = *now;

	c.unix = fmax(now->unix, now->mono + f->wall_offset);
	return c;
}

void
fleet_service(struct fleet *f, const struct sensor_clock *wall,
    const struct pollfd *pfd, int npfd)
{
	struct sensor_clock clock;
	const struct sensor_clock *now = &clock;
	int i, j;

	f->wall_offset = fmax(f->wall_offset, wall->unix - wall->mono);
	clock = steady(f, wall);
	f->now_mono = now->mono;	/* when the samples come in */
	for (i = 0; i < f->n; i++) {
		struct fleet_member *m = &f->m[i];
		int readable = 0;

		if (m->out != NULL) {
			if (m->out->back)
				take_back(f, m, now);
			continue;
		}
		if (!m->open) {
			if (now->mono < m->retry_at)
				continue;
			m->s.error[0] = '\0';
			m->s.overflows = m->overflows_seen = 0;
			m->s.drain_early = 0;
			m->varied = 0;
			m->just_opened = 1;
			m->data_mono = now->mono;
			if (m->s.ops->open(&m->s, now) == -1) {
				m->open = 1;	/* close what open left */
				failed(f, m, now);
				continue;
			}
			m->open = 1;
			log_info("%s: %s sensor open", m->s.name,
			    m->s.ops->type);
			/*
			 * Nothing it measures predates this: until its first
			 * samples, detection waits for them from here.
			 */
			if (isnan(m->last_t) || m->last_t < now->unix)
				m->last_t = now->unix;
			/* A switch hands in its level when it opens. */
			if (m->data_mono == now->mono && m->s.next_read == 0)
				working(f, m);
			continue;
		}
		for (j = 0; j < npfd; j++)
			if (m->s.fd >= 0 && pfd[j].fd == m->s.fd &&
			    pfd[j].revents != 0)
				readable = 1;
		if (readable || (m->s.next_read > 0 &&
		    now->mono >= m->s.next_read))
			read_member(f, m, now);
	}
	release(f, fleet_data_time(f, now));
}

int
fleet_pollfds(const struct fleet *f, struct pollfd *pfd, int max)
{
	int i, n = 0;

	for (i = 0; i < f->n && n < max; i++)
		if (f->m[i].open && f->m[i].out == NULL && f->m[i].s.fd >= 0)
			pfd[n++] = (struct pollfd){ f->m[i].s.fd, POLLIN, 0 };
	return n;
}

double
fleet_next_wake(const struct fleet *f)
{
	double wake = INFINITY;
	int i;

	for (i = 0; i < f->n; i++) {
		const struct fleet_member *m = &f->m[i];
		double t = m->open ? m->s.next_read : m->retry_at;

		if (m->out != NULL && m->out->back)
			return 0;	/* to be taken now */
		if (m->out != NULL)
			continue;	/* the worker's fd wakes the loop */
		if ((!m->open || t > 0) && t < wake)
			wake = t;
	}
	return wake;
}

double
fleet_want_data(struct fleet *f, double t, double not_before)
{
	double at;
	int i;

	/* No clock pair seen yet: nothing has been read either. */
	if (!isfinite(t) || !isfinite(f->wall_offset))
		return INFINITY;
	at = fmax(t - f->wall_offset + EARLY_SLACK_S, not_before);
	for (i = 0; i < f->n; i++) {
		struct fleet_member *m = &f->m[i];

		if (m->open && m->out == NULL && m->s.drain_early &&
		    m->s.next_read > at)
			m->s.next_read = at;
	}
	return at;
}

double
fleet_data_time(const struct fleet *f, const struct sensor_clock *wall)
{
	struct sensor_clock clock = steady(f, wall);
	const struct sensor_clock *now = &clock;
	double t = now->unix;
	int i;

	for (i = 0; i < f->n; i++) {
		const struct fleet_member *m = &f->m[i];

		if (m->open && m->s.ops->kind == REC_ACCEL &&
		    !isnan(m->last_t) && m->last_t < t)
			t = m->last_t;
	}
	return fmax(t, now->unix - DATA_LAG_MAX_S);
}

int
fleet_problem(const struct fleet *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->m[i].reported)
			return 1;
	return 0;
}

int
fleet_flush(struct fleet *f)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->m[i].rec != NULL && fflush(f->m[i].rec) == EOF &&
		    !f->record_failed) {
			log_err("%s: %s", f->m[i].rec_path, strerror(errno));
			f->record_failed = 1;
		}
	return f->record_failed ? -1 : 0;
}

void
fleet_close(struct fleet *f)
{
	int i;

	for (i = 0; i < f->n; i++) {
		struct fleet_member *m = &f->m[i];

		if (m->out != NULL && m->out->back)
			off_loop_drop(&m->out->job);
		else if (m->out != NULL)	/* its sensor goes with it */
			worker_drop(&m->out->job);
		else if (m->open && m->s.ops != NULL)
			m->s.ops->close(&m->s);
		m->out = NULL;
		m->open = 0;
		if (m->rec != NULL && fclose(m->rec) == EOF)
			log_err("%s: %s", m->rec_path, strerror(errno));
		m->rec = NULL;
	}
	/* What waits goes to detection: the run ends here. */
	release(f, INFINITY);
	free(f->held);
	f->held = NULL;
	f->nheld = f->held_cap = 0;
	f->n = 0;
}
