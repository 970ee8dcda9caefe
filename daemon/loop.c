/*
 * The loop (loop.h): poll, clocks and signals.  What a sample means is
 * the engine's business; here is only when things happen.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "fleet.h"
#include "log.h"
#include "loop.h"
#include "sdnotify.h"
#include "worker.h"

/* The engine's housekeeping (MQTT state, reminders live) runs this often. */
#define TICK_S		1.0
/*
 * ... give or take this much, to share a wakeup with a batch, a sensor's
 * read or anything else due near it: at rest the loop then wakes once a
 * second, not twice.
 */
#define TICK_SLACK_S	0.5
/*
 * A paced replay hands samples over in batches, as a sensor's FIFO does:
 * once a second, and besides at the moment a pending event can first be
 * decided (a movement's end: quiet_s after the quiet began), so that it
 * goes out as soon as it is known, at no more wakeups than that.  Live,
 * the FIFOs are read early for that moment the same way.  Never two
 * batches closer than BATCH_MIN_S.
 */
#define BATCH_IDLE_S	1.0
#define BATCH_MIN_S	0.05
/* A fast replay looks at its signals between this many samples. */
#define FAST_BATCH	4096
/* At the end of the input, how long to wait for the broker to take all. */
#define DRAIN_S		10.0
/* systemd-timesyncd's word that the clock is synchronised. */
#define TIMESYNC_FLAG	"/run/systemd/timesync/synchronized"
#define POLL_MAX	(4 + CONFIG_MAX_SENSORS + LOOP_FDS_MAX)

struct loop {
	const struct loop_conf	*lc;
	struct engine		*e;
	struct fleet		 fleet;
	int			 have_fleet;
	int			 sigfd, tfd;
	double			 t0, mono0;	/* a paced replay's start */
	double			 last_batch;
	double			 decide_at;	/* live: data for a decision */
	double			 next_tick;
	double			 drain_until;
	int			 input_done, finished, synced;
	int			 neng, nfleet;	/* their fds polled */
	uint64_t		 watchdog_usec;
	struct reload_job	*reloading;	/* a parse out on a worker */
	int			 reload_again;	/* a SIGHUP came meanwhile */
	int			 reloaded;	/* the engine may be new */
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
loop_clock(struct engine_clock *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	c->wall = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	c->mono = mono_now();
	c->data = c->wall;
	c->synced = 0;
}

/* Whether the kernel's clock is set from a time source (NTP, GPS). */
static int
kernel_clock_synced(void)
{
	struct timex tx;
	int st;

	memset(&tx, 0, sizeof(tx));
	if ((st = adjtimex(&tx)) != -1 && st != TIME_ERROR &&
	    !(tx.status & STA_UNSYNC))
		return 1;
	/* adjtimex may be filtered in a sandbox: timesyncd's flag then. */
	return access(TIMESYNC_FLAG, F_OK) == 0;
}

/* All the clocks of a tick, the data's from the input. */
static void
read_clocks(struct loop *l, struct engine_clock *c)
{
	struct sensor_clock sc;

	loop_clock(c);
	if (l->have_fleet) {
		sc.unix = c->wall;
		sc.mono = c->mono;
		c->data = fleet_data_time(&l->fleet, &sc);
	}
	/* Once true, it stays: NTP out of reach leaves a good clock. */
	if (!l->synced && l->lc->rs == NULL)
		l->synced = kernel_clock_synced();
	c->synced = l->synced;
}

/* When a replayed sample is due by the monotonic clock. */
static double
due(const struct loop *l, double t)
{
	return l->lc->speed > 0 ? l->mono0 + (t - l->t0) / l->lc->speed :
	    -INFINITY;
}

/* Feeds every replayed sample that is due; -1 on bad input. */
static int
feed_due(struct loop *l, double now)
{
	struct replay_set *rs = l->lc->rs;
	struct sample smp;
	int idx, n, r = 1;
	double t;

	if (l->lc->speed <= 0) {
		/* As fast as it can: a batch, then a look at the signals. */
		for (n = 0; n < FAST_BATCH &&
		    (r = replay_next(rs, &idx, &smp)) == 1; n++)
			engine_sample(l->e, idx, &smp, !rs->has_next[idx]);
	} else {
		/* What is due; at the end or a bad row replay_next says. */
		while ((isnan(t = replay_peek(rs)) || due(l, t) <= now) &&
		    (r = replay_next(rs, &idx, &smp)) == 1)
			engine_sample(l->e, idx, &smp, !rs->has_next[idx]);
	}
	if (r == -1) {
		log_err("%s", rs->error);
		return -1;
	}
	if (r == 0)
		l->input_done = 1;
	l->last_batch = now;
	return 0;
}

static double
next_wake(const struct loop *l, double now)
{
	double wake = INFINITY, t;

	if (l->lc->rs != NULL && !l->input_done &&
	    !isnan(t = replay_peek(l->lc->rs))) {
		double d = due(l, t);

		if (l->lc->speed > 0) {
			double batch = l->last_batch + BATCH_IDLE_S;
			double decide = due(l, engine_decision_due(l->e));

			if (decide < batch)
				batch = fmax(decide,
				    l->last_batch + BATCH_MIN_S);
			if (d < batch)
				d = batch;
		}
		if (d < wake)
			wake = d;
	}
	if (l->have_fleet && (t = fleet_next_wake(&l->fleet)) < wake)
		wake = t;
	if (l->have_fleet && l->decide_at < wake)
		wake = l->decide_at;
	if ((t = engine_next_wake(l->e, now)) < wake)
		wake = t;
	if (l->finished && l->drain_until < wake)
		wake = l->drain_until;
	/* The tick waits for a wakeup due within its slack after it. */
	if (wake > l->next_tick + TICK_SLACK_S)
		wake = l->next_tick;
	return wake > now ? wake : now;
}

static void
arm(int tfd, double when)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)floor(when);
	its.it_value.tv_nsec = (long)((when - floor(when)) * 1e9);
	if (its.it_value.tv_sec <= 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Detection up to the data's time, for a decision due between ticks. */
static void
advance(struct loop *l)
{
	struct engine_clock c;

	read_clocks(l, &c);
	engine_advance(l->e, &c);
}

static void
tick(struct loop *l)
{
	struct engine_clock c;

	read_clocks(l, &c);
	engine_tick(l->e, &c);
	if (l->have_fleet && fleet_flush(&l->fleet) == -1)
		l->finished = -1;
	if (l->watchdog_usec > 0)
		sdnotify("WATCHDOG=1");
}

/*
 * SIGHUP: a new configuration, swapped in only when it is valid.  It is
 * parsed on a worker (worker.h): libconfig takes quadratic time over a
 * group's members (60,000 of them: 20 s), and the loop goes on meanwhile.
 * The job owns its path and the struct it fills; the loop applies it when
 * it is back.
 */
struct reload_job {
	struct worker_job	 job;
	struct loop		*l;
	char			 path[PATH_MAX];
	struct config		 next;
	int			 rc;
	char			 err[CONFIG_ERR_MAX];
};

static void reload(struct loop *);

static void
reload_run(struct worker_job *job)
{
	struct reload_job *rj = (struct reload_job *)job;

	rj->rc = config_load(&rj->next, rj->path, rj->err, sizeof(rj->err));
}

static void
reload_drop(struct worker_job *job)
{
	free(job);
}

static void
reload_done(struct worker_job *job)
{
	struct reload_job *rj = (struct reload_job *)job;
	struct loop *l = rj->l;

	l->reloading = NULL;
	if (rj->rc == -1) {
		log_err("reload refused, the running configuration stays: %s",
		    rj->err);
		sdnotify("READY=1\nSTATUS=reload refused: see the log");
	} else {
		engine_reload(l->e, &rj->next);
		sdnotify("READY=1\nSTATUS=running");
	}
	free(rj);
	l->reloaded = 1;
	if (l->reload_again) {	/* the file may have changed since */
		l->reload_again = 0;
		reload(l);
	}
}

static void
reload(struct loop *l)
{
	struct config *conf = l->lc->conf;
	struct reload_job *rj;
	struct timespec ts;

	if (l->reloading != NULL) {
		l->reload_again = 1;
		return;
	}
	/* systemd 253+ wants to know when the reload began. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sdnotify("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	if (conf->path[0] == '\0') {
		log_notice("reload: running without a configuration file, "
		    "nothing to read");
		sdnotify("READY=1");
		return;
	}
	if ((rj = calloc(1, sizeof(*rj))) == NULL) {
		log_err("reload refused, the running configuration stays: %s",
		    strerror(errno));
		sdnotify("READY=1\nSTATUS=reload refused: see the log");
		return;
	}
	rj->job.run = reload_run;
	rj->job.done = reload_done;
	rj->job.drop = reload_drop;
	rj->l = l;
	snprintf(rj->path, sizeof(rj->path), "%s", conf->path);
	if (worker_start(&rj->job) == -1) {
		/* No thread to be had: parsed here, the loop waits. */
		reload_run(&rj->job);
		l->reloading = rj;
		reload_done(&rj->job);
		return;
	}
	l->reloading = rj;
}

/* 1 when a stop was asked for (its number in *signo), 0 otherwise. */
static int
read_signals(struct loop *l, int *signo, int *reloaded)
{
	struct signalfd_siginfo si;

	while (read(l->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(l);
			*reloaded = 1;
		} else {
			log_notice("stopping (signal %u)", si.ssi_signo);
			*signo = (int)si.ssi_signo;
			return 1;
		}
	}
	return 0;
}

static void
loop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

int
loop_hold_signals(int hold)
{
	sigset_t set;

	loop_signals(&set);
	return sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static int
setup_signals(void)
{
	sigset_t set;

	if (loop_hold_signals(1) == -1)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	loop_signals(&set);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void
fleet_sample(void *ctx, int index, const struct sample *s)
{
	engine_sample(ctx, index, s, 0);
}

static void
fleet_fault(void *ctx, int index, int faulted, const char *error)
{
	engine_fault(ctx, index, faulted, error);
}

/* Feeds and ticks what is due: RUNNING, or the exit status to stop with. */
#define RUNNING		(-1)
static int
step(struct loop *l, double now)
{
	if (l->lc->rs != NULL && feed_due(l, now) == -1)
		return EX_DATAERR;
	if (l->input_done && !l->finished) {
		engine_finish(l->e);
		l->finished = 1;
		l->drain_until = now + DRAIN_S;
		l->next_tick = now;
	}
	/* ... and comes early with one due within its slack before it. */
	if (now >= l->next_tick - TICK_SLACK_S) {
		tick(l);
		/*
		 * On a grid, so that coming early does not tick more often;
		 * after a stall, a new grid from now.
		 */
		l->next_tick += TICK_S;
		if (l->next_tick - TICK_SLACK_S < now)
			l->next_tick = now + TICK_S;
	} else if (l->have_fleet && now >= l->decide_at)
		advance(l);
	if (engine_failed(l->e) || l->finished == -1)
		return EX_IOERR;
	if (l->finished && (engine_drained(l->e) || now >= l->drain_until)) {
		if (!engine_drained(l->e))
			log_warn("events still wait in the outbox for the "
			    "broker");
		return 0;
	}
	return RUNNING;
}

/* The fds to poll, in this order: signals, timer, extra, engine, fleet. */
static int
gather(struct loop *l, struct pollfd *pfd)
{
	int i, n = 0;

	pfd[n++] = (struct pollfd){ l->sigfd, POLLIN, 0 };
	pfd[n++] = (struct pollfd){ l->tfd, POLLIN, 0 };
	for (i = 0; i < l->lc->nfds; i++)
		pfd[n++] = (struct pollfd){ l->lc->fds[i].fd, POLLIN, 0 };
	n += l->neng = engine_pollfds(l->e, pfd + n, POLL_MAX - n);
	l->nfleet = 0;
	if (l->have_fleet)
		n += l->nfleet = fleet_pollfds(&l->fleet, pfd + n,
		    POLL_MAX - n);
	return n;
}

/* What poll() found: 1 when a signal says stop (its number in *signo). */
static int
dispatch(struct loop *l, const struct pollfd *pfd, int *signo)
{
	const struct pollfd *eng = pfd + 2 + l->lc->nfds;
	struct engine_clock c;
	uint64_t ticks;
	int i, reloaded = 0;

	if ((pfd[0].revents & POLLIN) && read_signals(l, signo, &reloaded))
		return 1;
	/* Only to clear it: the loop reads the clock. */
	if ((pfd[1].revents & POLLIN) &&
	    read(l->tfd, &ticks, sizeof(ticks)) != sizeof(ticks))
		ticks = 0;
	for (i = 0; i < l->lc->nfds; i++)
		if (pfd[2 + i].revents != 0)
			l->lc->fds[i].fn(l->lc->fds[i].ctx);
	/* The client may be new after a reload: its fd is polled anew. */
	if (reloaded || l->reloaded) {
		l->reloaded = 0;
		return 0;
	}
	read_clocks(l, &c);
	engine_service(l->e, eng, l->neng, &c);
	if (l->have_fleet) {
		struct sensor_clock sc = { c.wall, c.mono };

		fleet_service(&l->fleet, &sc, eng + l->neng, l->nfleet);
		engine_sensor_problem(l->e, fleet_problem(&l->fleet));
	}
	return 0;
}

/*
 * The daemon's life: set up, then feed, tick, wait and dispatch until the
 * input ends or a signal says stop.
 */
int
loop_run(const struct loop_conf *lc, int *signo)
{
	struct loop l;
	struct pollfd pfd[POLL_MAX];
	int n, rc = EX_SOFTWARE, fast = lc->rs != NULL && lc->speed <= 0;
	char err[512];

	memset(&l, 0, sizeof(l));
	l.lc = lc;
	l.e = lc->engine;
	*signo = 0;
	l.sigfd = setup_signals();
	l.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l.sigfd == -1 || l.tfd == -1) {
		log_err("signalfd/timerfd: %s", strerror(errno));
		goto cleanup;
	}
	if (lc->rs == NULL) {
		if (fleet_init(&l.fleet, lc->conf, lc->record_path,
		    fleet_sample, fleet_fault, l.e, err, sizeof(err)) == -1) {
			log_err("%s", err);
			rc = EX_CANTCREAT;
			goto cleanup;
		}
		l.have_fleet = 1;
	} else if (isnan(l.t0 = replay_peek(lc->rs)))
		l.t0 = 0;
	if (!fast && sdnotify_watchdog(&l.watchdog_usec) <= 0)
		l.watchdog_usec = 0;
	l.mono0 = l.next_tick = mono_now();
	l.last_batch = l.mono0 - BATCH_IDLE_S;
	l.decide_at = INFINITY;
	if (!fast)
		sdnotify("READY=1\nSTATUS=running");

	while ((rc = step(&l, mono_now())) == RUNNING) {
		n = gather(&l, pfd);
		/* A fast replay only looks at its signals between batches. */
		if (!fast) {
			double now = mono_now();

			if (l.have_fleet)
				l.decide_at = fleet_want_data(&l.fleet,
				    engine_decision_due(l.e),
				    now + BATCH_MIN_S);
			arm(l.tfd, next_wake(&l, now));
		}
		if (poll(pfd, (nfds_t)n, fast ? 0 : -1) == -1 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			rc = EX_SOFTWARE;
			break;
		}
		if (dispatch(&l, pfd, signo)) {
			rc = 0;
			break;
		}
	}
	if (!fast)
		sdnotify("STOPPING=1");
cleanup:
	if (l.reloading != NULL)
		worker_drop(&l.reloading->job);
	if (l.have_fleet)
		fleet_close(&l.fleet);
	if (l.sigfd >= 0)
		close(l.sigfd);
	if (l.tfd >= 0)
		close(l.tfd);
	return rc;
}
