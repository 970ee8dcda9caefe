#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sysexits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <systemd/sd-daemon.h>

#include "fleet.h"
#include "hydstore.h"
#include "live.h"
#include "log.h"
#include "mqtt.h"
#include "nightstand.h"
#include "outbox.h"
#include "report.h"
#include "trend.h"


/*
 * Samples are taken in batches (a sensor FIFO's role): once a second
 * while the legs are still, often while a movement is going on, so that
 * its event goes out soon after it ends.
 */
#define BATCH_IDLE_S	1.0
#define BATCH_BUSY_S	0.05
#define TICK_S		1.0
/* At the end of the input, how long to wait for the broker to take all. */
#define DRAIN_S		10.0
#define OUTBOX_MAX	5000
/* The LED lights this long at start, to show it works. */
#define LAMP_TEST_S	1.0
/* The LED blinks this long to say a button press was taken. */
#define FLASH_S		0.3
/* A button line that failed is asked for again after this long. */
#define BUTTON_RETRY_S	60.0
/* systemd-timesyncd's word that the clock is synchronised. */
#define TIMESYNC_FLAG	"/run/systemd/timesync/synchronized"

struct live {
	struct config			*conf;
	struct replay_set		*rs;	/* NULL: hardware sensors */
	struct fleet			 fleet;
	int				 have_fleet;
	struct gpio_line		*led, *buzzer, *button;
	int				 led_on, buzzer_on;
	double				 lamp_test_until, flash_until;
	int				 flash_was_on;
	double				 button_retry;	/* mono s, 0: none */
	struct button			 btn;
	struct beeper			 beep;
	const struct source_conf	*src;
	int				 nsrc;
	struct pipeline			*pl;
	struct outbox			 ob;
	int				 have_outbox;
	struct mqtt			*mqtt;
	FILE				*events;
	const char			*events_path;
	int				 sigfd, tfd;

	double				 t0, mono0, speed;
	double				 data_now;
	int				 input_done, finished;
	double				 drain_until;
	double				 next_tick;
	double				 last_batch;

	int				 monitoring;
	struct hydration		 hyd;
	double				 hyd_next;	/* a replay's clock */
	int				 hyd_persist, hyd_save_failed;
	int				 clock_synced;
	struct trend			 trend;
	struct report			*report;	/* tonight's picture */
	int				 in_night;	/* the data's clock */
	double				 plm_index_last_night;
	int				 state_dirty;
	int				 failed;
	uint64_t			 watchdog_usec;
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
due(const struct live *lv, double t)
{
	return lv->mono0 + (t - lv->t0) / lv->speed;
}

static enum outbox_priority
priority_of(const struct event *ev)
{
	switch (ev->type) {
	case EVENT_LEG_MOVEMENT:
	case EVENT_BODY_MOVEMENT:
		return OUTBOX_LOW;
	case EVENT_CRAMP_START:
	case EVENT_CRAMP:
	case EVENT_NIGHT_SUMMARY:
		return OUTBOX_HIGH;
	default:
		return OUTBOX_NORMAL;
	}
}

static void	save_trend(struct live *lv);
static void	write_report(struct live *lv, const struct event *summary);

static void
on_event(void *ctx, const struct event *ev)
{
	struct live *lv = ctx;
	char *json;

	if (lv->report != NULL)
		(void)report_event(lv->report, ev);
	if (ev->type == EVENT_NIGHT_SUMMARY) {
		lv->plm_index_last_night = ev->night.plm_index;
		if (trend_add(&lv->trend, ev->start, ev->night.hours,
		    ev->night.plm_index))
			save_trend(lv);
		write_report(lv, ev);
	}
	if (ev->type == EVENT_CRAMP)
		hydration_cramp(&lv->hyd);
	lv->state_dirty = 1;
	/* Switched off from Home Assistant: nothing about the legs. */
	if (!lv->monitoring && ev->type != EVENT_SENSOR_FAULT &&
	    ev->type != EVENT_SENSOR_OK)
		return;
	if ((json = event_to_json(ev)) == NULL) {
		log_err("cannot format a %s event", event_type_name(ev->type));
		return;
	}
	/* On disk for the broker first: a crash after it loses nothing. */
	if (lv->have_outbox) {
		outbox_push(&lv->ob, event_is_movement(ev) ? OUTBOX_MOVEMENT :
		    OUTBOX_EVENT, priority_of(ev), json);
		if (lv->mqtt != NULL)
			mqtt_kick(lv->mqtt);
	}
	if (lv->events != NULL && (fputs(json, lv->events) == EOF ||
	    fputc('\n', lv->events) == EOF || fflush(lv->events) == EOF)) {
		log_err("%s: cannot write events: %s", lv->events_path,
		    strerror(errno));
		lv->failed = 1;
	}
	free(json);
}

static char *
state_json(void *ctx)
{
	struct live *lv = ctx;
	struct night_figures n;
	json_t *o, *temps, *nights;
	double week = trend_median(&lv->trend);
	char *out;
	int i;

	pipeline_figures(lv->pl, &n);
	nights = json_array();
	for (i = 0; i < lv->trend.n; i++)
		json_array_append_new(nights,
		    json_real(round(lv->trend.plm_index[i] * 10) / 10));
	temps = json_object();
	for (i = 0; i < lv->nsrc; i++) {
		double c = pipeline_temperature(lv->pl, i);

		if (!isnan(c))
			json_object_set_new(temps, lv->src[i].name,
			    json_real(round(c * 100) / 100));
	}
	o = json_pack("{s:i,s:i,s:i,s:s,s:o,s:o,s:o,s:i,s:i,s:s,s:s,s:s,s:o}",
	    "lm_tonight", n.lm_count, "plm_tonight", n.plm_count,
	    "cramps_tonight", n.cramp_count,
	    "restless", pipeline_restless(lv->pl) ? "ON" : "OFF",
	    "plm_index_last_night", isnan(lv->plm_index_last_night) ?
	    json_null() : json_real(round(lv->plm_index_last_night * 10) / 10),
	    "plm_index_week", isnan(week) ? json_null() :
	    json_real(round(week * 10) / 10), "plm_index_nights", nights,
	    "water_today_ml", hydration_water(&lv->hyd),
	    "water_goal_ml", hydration_goal(&lv->hyd),
	    "reminder", hydration_lit(&lv->hyd) ? "ON" : "OFF",
	    "monitoring", lv->monitoring ? "ON" : "OFF",
	    "sensor_problem", lv->have_fleet && fleet_problem(&lv->fleet) ?
	    "ON" : "OFF", "temperature", temps);
	if (o == NULL)
		return NULL;
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return out;
}

static void
read_clocks(struct sensor_clock *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	c->unix = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	c->mono = mono_now();
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

/* The clock the scheduler goes by: a replay's data, or the system's. */
static void
hydration_clock(struct live *lv, struct hydration_clock *hc)
{
	struct sensor_clock now;

	if (lv->rs != NULL) {
		hc->wall = hc->mono = lv->data_now;
		hc->synced = 1;
		return;
	}
	/* Read together: a gap between them would look like a step. */
	read_clocks(&now);
	hc->wall = now.unix;
	hc->mono = now.mono;
	/* Once true, it stays: NTP out of reach leaves a good clock. */
	if (!lv->clock_synced && (lv->clock_synced = kernel_clock_synced()))
		log_info("the clock is synchronised: reminders by the time "
		    "of day begin");
	hc->synced = lv->clock_synced;
}

/*
 * The night's picture, report-YYYY-MM-DD.svg in the state directory (the
 * evening's date), replaced whole; a week of them is kept.
 */
static void
write_report(struct live *lv, const struct event *summary)
{
	char day[16], name[64], old[64], path[PATH_MAX], tmp[PATH_MAX + 8];
	int evening;
	FILE *f;

	if (lv->report == NULL)
		return;
	evening = trend_night(summary->start);
	if (hydration_day_string(evening, day, sizeof(day)) == -1)
		goto done;
	snprintf(name, sizeof(name), "report-%s.svg", day);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", lv->conf->state_dir,
	    name) >= sizeof(path))
		goto done;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		log_err("%s: %s", tmp, strerror(errno));
		goto done;
	}
	if (report_write(lv->report, f) == -1 || fflush(f) == EOF ||
	    fsync(fileno(f)) == -1) {
		log_err("%s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		goto done;
	}
	if (fclose(f) == EOF || rename(tmp, path) == -1) {
		log_err("%s: %s", path, strerror(errno));
		unlink(tmp);
		goto done;
	}
	log_info("the night's picture: %s", path);
	/* A week of pictures: the one from eight nights ago goes. */
	if (hydration_day_string(evening - 8, day, sizeof(day)) == 0 &&
	    (size_t)snprintf(old, sizeof(old), "report-%s.svg", day) <
	    sizeof(old) && (size_t)snprintf(path, sizeof(path), "%s/%s",
	    lv->conf->state_dir, old) < sizeof(path))
		(void)unlink(path);
done:
	report_clear(lv->report);
}

/* The night window began by the data's clock: the picture starts. */
static void
watch_night(struct live *lv)
{
	int in = pipeline_in_night(lv->pl);

	if (lv->report == NULL)
		return;
	if (in && !lv->in_night)
		report_clear(lv->report);
	lv->in_night = in;
}

static void
save_trend(struct live *lv)
{
	char err[512];

	if (lv->hyd_persist && trend_save(lv->conf->state_dir, &lv->trend,
	    err, sizeof(err)) == -1)
		log_err("%s", err);
}

static void
save_hydration(struct live *lv)
{
	char err[512];

	if (!lv->hyd_persist)
		return;
	if (hydstore_save(lv->conf->state_dir, &lv->hyd.s, err,
	    sizeof(err)) == -1) {
		if (!lv->hyd_save_failed)
			log_err("%s (the count is kept and saved at the next "
			    "change)", err);
		lv->hyd_save_failed = 1;
	} else if (lv->hyd_save_failed) {
		log_notice("%s/%s: saved again", lv->conf->state_dir,
		    HYDSTORE_FILE);
		lv->hyd_save_failed = 0;
	}
}

/* Today's water and the last reminder, as they were before a restart. */
static void
load_hydration(struct live *lv)
{
	struct hydration_saved saved;
	char err[512], path[PATH_MAX], bad[PATH_MAX + 8];
	int r;

	if (mkdir(lv->conf->state_dir, 0750) == -1 && errno != EEXIST) {
		log_err("storage.state_dir: %s: %s; the day's water count "
		    "will not outlive a restart", lv->conf->state_dir,
		    strerror(errno));
		return;
	}
	lv->hyd_persist = 1;
	if (trend_load(lv->conf->state_dir, &lv->trend, err,
	    sizeof(err)) < 0)
		log_err("%s; the nights' trend starts afresh", err);
	if ((r = hydstore_load(lv->conf->state_dir, &saved, err,
	    sizeof(err))) == 1) {
		hydration_restore(&lv->hyd, &saved);
		lv->monitoring = !hydration_paused(&lv->hyd);
		if (!lv->monitoring)
			log_notice("monitoring is off, as it was switched");
		return;
	}
	if (r == 0)
		return;
	if (r == -1) {
		log_err("%s; the day's count starts afresh", err);
		return;
	}
	/* Kept for a look, out of the way of the next save. */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", lv->conf->state_dir,
	    HYDSTORE_FILE) >= sizeof(path))
		path[0] = '\0';
	snprintf(bad, sizeof(bad), "%s.bad", path);
	log_err("%s; the day's count starts afresh%s", err,
	    rename(path, bad) == 0 ? " (the file is kept as " HYDSTORE_FILE
	    ".bad)" : "");
}

static void
update_outputs(struct live *lv, double now);

static void
on_reminder(void *ctx, const struct hydration_reminder *r, double wall)
{
	struct live *lv = ctx;
	struct event ev;

	hydration_event(r, wall, &ev);
	log_info("hydration reminder (%s): %d of %d ml today",
	    ev.text, r->water_ml, r->goal_ml);
	on_event(lv, &ev);
	if (!r->quiet && lv->buzzer != NULL)
		beeper_start(&lv->beep, mono_now());
}

static void
hydration_done(struct live *lv, int flags, double mono)
{
	/* The LED and buzzer first: saving may wait for the disk. */
	update_outputs(lv, mono);
	if (flags & HYDRATION_CHANGED)
		save_hydration(lv);
	if (flags & (HYDRATION_CHANGED | HYDRATION_LIT | HYDRATION_NEW_DAY))
		lv->state_dirty = 1;
}

static void
hydration_news(int flags, const struct hydration *h)
{
	if (flags & HYDRATION_STEPPED)
		log_notice("the wall clock stepped: reminders keep their "
		    "spacing and the day's count stays");
	if (flags & HYDRATION_NEW_DAY)
		log_info("a new day: %d ml so far", hydration_water(h));
}

/* The scheduler's turn: up to the data's time in a replay, now live. */
static void
hydration_step(struct live *lv, double mono)
{
	struct hydration_clock hc;
	struct hydration_reminder r;
	int f;

	if (lv->rs != NULL) {
		f = hydration_follow(&lv->hyd, &lv->hyd_next, lv->data_now,
		    on_reminder, lv);
		hydration_news(f, &lv->hyd);
	} else {
		hydration_clock(lv, &hc);
		f = hydration_tick(&lv->hyd, &hc, &r);
		hydration_news(f, &lv->hyd);
		if (f & HYDRATION_FIRED)
			on_reminder(lv, &r, hc.wall);
	}
	hydration_done(lv, f, mono);
}

/* A glass (short press, Home Assistant's button) or a snooze (long). */
static void
acknowledge(struct live *lv, int snooze, const char *via)
{
	struct hydration_clock hc;
	double mono = mono_now();

	hydration_clock(lv, &hc);
	if (snooze) {
		hydration_snooze(&lv->hyd, &hc);
		log_notice("reminders snoozed for %d min (%s)",
		    lv->conf->hydration.snooze_min, via);
	} else if (hydration_drank(&lv->hyd, &hc) == -1) {
		log_warn("a glass from %s not logged: %d ml today is past any "
		    "day's drinking", via, hydration_water(&lv->hyd));
		return;
	} else
		log_info("a glass logged (%s): %d ml today", via,
		    hydration_water(&lv->hyd));
	/* What it will show once the press is taken, blinked against. */
	lv->flash_was_on = lv->have_fleet && fleet_problem(&lv->fleet);
	lv->flash_until = mono + FLASH_S;
	hydration_done(lv, HYDRATION_CHANGED, mono);
}

static void
on_command(void *ctx, const char *name, const char *value)
{
	struct live *lv = ctx;

	if (strcmp(name, "drank") == 0)
		acknowledge(lv, 0, "Home Assistant");
	else if (strcmp(name, "snooze") == 0)
		acknowledge(lv, 1, "Home Assistant");
	else if (strcmp(name, "monitoring") == 0) {
		lv->monitoring = strcmp(value, "ON") == 0;
		hydration_pause(&lv->hyd, !lv->monitoring);
		log_notice("monitoring switched %s", value);
		hydration_done(lv, HYDRATION_CHANGED, mono_now());
	}
	lv->state_dirty = 1;
}

static struct mqtt *
new_client(struct live *lv, const struct config *conf,
    const struct mqtt_hooks *hooks)
{
	const char *temps[REPLAY_MAX];
	struct mqtt *m;
	char err[512];
	int i, ntemps = 0;

	for (i = 0; i < lv->nsrc; i++)
		if (lv->src[i].kind == SOURCE_TEMP)
			temps[ntemps++] = lv->src[i].name;
	if ((m = mqtt_new(conf, &lv->ob, hooks, temps, ntemps, err,
	    sizeof(err))) == NULL)
		log_err("%s", err);
	return m;
}

static int
start_mqtt(struct live *lv)
{
	struct mqtt_hooks hooks = { on_command, state_json, lv };

	return (lv->mqtt = new_client(lv, lv->conf, &hooks)) == NULL ? -1 : 0;
}

static int
open_outbox(struct live *lv, const char *state_dir)
{
	char err[512];

	if (mkdir(state_dir, 0750) == -1 && errno != EEXIST) {
		log_err("storage.state_dir: %s: %s", state_dir,
		    strerror(errno));
		return -1;
	}
	if (outbox_open(&lv->ob, state_dir, OUTBOX_MAX, err,
	    sizeof(err)) == -1) {
		log_err("%s", err);
		return -1;
	}
	lv->have_outbox = 1;
	return 0;
}

static int
mqtt_settings_differ(const struct mqtt_conf *a, const struct mqtt_conf *b)
{
	return memcmp(a, b, sizeof(*a)) != 0;
}

/* SIGHUP: a new configuration, swapped in only when it is valid. */
static void
reload(struct live *lv, int use_mqtt)
{
	static struct config next;
	char err[CONFIG_ERR_MAX];
	int mqtt_changed, kept = 0;

	{
		struct timespec ts;

		/* systemd 253+ wants to know when the reload began. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		    (unsigned long long)ts.tv_sec * 1000000ULL +
		    (unsigned long long)ts.tv_nsec / 1000ULL);
	}
	if (lv->conf->path[0] == '\0') {
		log_notice("reload: running without a configuration file, "
		    "nothing to read");
		sd_notify(0, "READY=1");
		return;
	}
	if (config_load(&next, lv->conf->path, err, sizeof(err)) == -1) {
		log_err("reload refused, the running configuration stays: %s",
		    err);
		sd_notify(0, "READY=1\nSTATUS=reload refused: see the log");
		return;
	}
	/*
	 * The sensors, their detection and the output lines stay as they
	 * are: the running drivers and detectors hold on to them.
	 */
	/*
	 * Whole-struct compares are exact: config_load zeroes the struct,
	 * padding included, before it fills it in.
	 */
	/* NOLINTBEGIN(bugprone-suspicious-memory-comparison) */
#define KEEP_RUNNING(field) do {					\
	if (memcmp(&next.field, &lv->conf->field,			\
	    sizeof(next.field)) != 0)					\
		kept = 1;						\
	memcpy(&next.field, &lv->conf->field, sizeof(next.field));	\
} while (0)
	KEEP_RUNNING(sensors);
	KEEP_RUNNING(nsensors);
	KEEP_RUNNING(outputs);
	KEEP_RUNNING(leg);
	KEEP_RUNNING(mattress);
	KEEP_RUNNING(plm);
	KEEP_RUNNING(motion);
	KEEP_RUNNING(state_dir);	/* the outbox and the day's water */
#undef KEEP_RUNNING
	/* NOLINTEND(bugprone-suspicious-memory-comparison) */
	if (kept)
		log_notice("reload: changes to sensors, outputs, detection and "
		    "storage take effect at the next start (systemctl restart "
		    "legwatchd)");
	mqtt_changed = mqtt_settings_differ(&next.mqtt, &lv->conf->mqtt) ||
	    strcmp(next.device_id, lv->conf->device_id) != 0;
	if (mqtt_changed && use_mqtt && next.mqtt.enabled) {
		/* The new client first: a bad file keeps the old one. */
		struct mqtt_hooks hooks = { on_command, state_json, lv };
		struct mqtt *fresh;

		if (!lv->have_outbox && open_outbox(lv, next.state_dir) == -1) {
			log_err("reload refused, the running configuration "
			    "stays");
			sd_notify(0, "READY=1");
			return;
		}
		if ((fresh = new_client(lv, &next, &hooks)) == NULL) {
			log_err("reload refused, the running configuration "
			    "stays");
			sd_notify(0, "READY=1");
			return;
		}
		if (lv->mqtt != NULL) {
			mqtt_shutdown(lv->mqtt);
			mqtt_free(lv->mqtt);
		}
		lv->mqtt = fresh;
	} else if (mqtt_changed && lv->mqtt != NULL) {
		mqtt_shutdown(lv->mqtt);
		mqtt_free(lv->mqtt);
		lv->mqtt = NULL;
	}
	*lv->conf = next;
	hydration_set_params(&lv->hyd, &lv->conf->hydration);
	pipeline_set_night(lv->pl, lv->conf->night_start_min,
	    lv->conf->night_end_min);
	if (lv->mqtt != NULL)
		mqtt_set_conf(lv->mqtt, lv->conf);
	log_notice("configuration reloaded from %s", lv->conf->path);
	sd_notify(0, "READY=1\nSTATUS=running");
}

static void
arm(int tfd, double when)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (when <= 0)
		when = 1e-9;
	its.it_value.tv_sec = (time_t)floor(when);
	its.it_value.tv_nsec = (long)((when - floor(when)) * 1e9);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void
on_sample(void *ctx, int index, const struct sample *s)
{
	struct live *lv = ctx;

	if (lv->src[index].kind == SOURCE_TEMP) {
		hydration_temperature(&lv->hyd, index, s->t, s->v[0]);
		if (lv->report != NULL)
			(void)report_temperature(lv->report,
			    lv->src[index].name, s->t, s->v[0]);
	}
	pipeline_sample(lv->pl, index, s);
}

/* Feeds every sample that is due; returns -1 on bad input. */
static int
feed_due(struct live *lv, double now)
{
	struct sample smp;
	int idx;

	while (!lv->input_done) {
		double t = replay_peek(lv->rs);

		if (isnan(t)) {
			lv->input_done = 1;
			break;
		}
		if (due(lv, t) > now)
			break;
		if (replay_next(lv->rs, &idx, &smp) == -1) {
			log_err("%s", lv->rs->error);
			return -1;
		}
		lv->data_now = smp.t;
		/* Reminders in their place among the other events. */
		hydration_step(lv, now);
		on_sample(lv, idx, &smp);
		if (!lv->rs->has_next[idx])
			pipeline_source_end(lv->pl, idx);
	}
	lv->last_batch = now;
	return 0;
}

/* The data's clock: a replay's timestamps, or the sensors'. */
static double
data_time(struct live *lv, double now)
{
	struct sensor_clock c;
	double t, next;

	if (lv->rs == NULL) {
		read_clocks(&c);
		return fleet_data_time(&lv->fleet, &c);
	}
	t = lv->t0 + (now - lv->mono0) * lv->speed;
	next = replay_peek(lv->rs);
	/* Never ahead of a sample not yet taken. */
	if (!isnan(next) && t > next)
		t = next;
	return t;
}

static int
set_output(struct gpio_line *l, int on, const char *what)
{
	char err[GPIO_ERR_MAX];

	if (l != NULL && gpio_set(l, on, err, sizeof(err)) == -1) {
		log_err("%s: %s", what, err);
		return -1;
	}
	return 0;
}

/*
 * The LED asks for attention: a reminder waits, or a sensor is not
 * working.  It blinks off-on briefly to take a button press.  The buzzer
 * plays its beeps.
 */
static void
update_outputs(struct live *lv, double now)
{
	int on = now < lv->lamp_test_until || hydration_lit(&lv->hyd) ||
	    (lv->have_fleet && fleet_problem(&lv->fleet));
	int buzz = beeper_poll(&lv->beep, now);

	/* A blink against whatever it shows: on when off, off when on. */
	if (now < lv->flash_until)
		on = !lv->flash_was_on;

	/* A write that failed is tried again at the next chance. */
	if (lv->led != NULL && on != lv->led_on &&
	    set_output(lv->led, on, "outputs.led_line") == 0)
		lv->led_on = on;
	if (lv->buzzer != NULL && buzz != lv->buzzer_on &&
	    set_output(lv->buzzer, buzz, "outputs.buzzer_line") == 0)
		lv->buzzer_on = buzz;
}

static void
read_button(struct live *lv)
{
	struct gpio_edge edges[16];
	char err[GPIO_ERR_MAX];
	int i, n;

	if ((n = gpio_read_edges(lv->button, edges, 16, err,
	    sizeof(err))) == -1) {
		/* Not polled while it fails: asked for again in a while. */
		log_err("outputs.button_line: %s; trying again in %.0f s", err,
		    BUTTON_RETRY_S);
		gpio_release(lv->button);
		lv->button = NULL;
		button_init(&lv->btn);
		lv->button_retry = mono_now() + BUTTON_RETRY_S;
		return;
	}
	for (i = 0; i < n; i++)
		switch (button_edge(&lv->btn, edges[i].mono,
		    edges[i].active)) {
		case BUTTON_SHORT:
			acknowledge(lv, 0, "the button");
			break;
		case BUTTON_LONG:
			acknowledge(lv, 1, "the button held");
			break;
		case BUTTON_NONE:
			break;
		}
}

static void
tick(struct live *lv, double now)
{
	double t = data_time(lv, now);

	if (t > lv->data_now)
		lv->data_now = t;
	if (!lv->finished)
		pipeline_tick(lv->pl, lv->data_now);
	watch_night(lv);
	if (lv->have_fleet && fleet_flush(&lv->fleet) == -1)
		lv->failed = 1;
	/* A replay's clock ends with its recording. */
	if (!lv->finished)
		hydration_step(lv, now);
	if (lv->mqtt != NULL) {
		if (lv->state_dirty) {
			mqtt_state_changed(lv->mqtt);
			lv->state_dirty = 0;
		}
		mqtt_tick(lv->mqtt, now);
	}
	if (lv->watchdog_usec > 0)
		sd_notify(0, "WATCHDOG=1");
}

static double
next_wake(const struct live *lv, double now)
{
	double wake = lv->next_tick, t;

	if (lv->rs != NULL && !lv->input_done &&
	    !isnan(t = replay_peek(lv->rs))) {
		double d = due(lv, t);

		double batch = pipeline_busy(lv->pl) ? BATCH_BUSY_S :
		    BATCH_IDLE_S;

		if (d < lv->last_batch + batch)
			d = lv->last_batch + batch;
		if (d < wake)
			wake = d;
	}
	if (lv->have_fleet && (t = fleet_next_wake(&lv->fleet)) < wake)
		wake = t;
	if (now < lv->lamp_test_until && lv->lamp_test_until < wake)
		wake = lv->lamp_test_until;
	if (now < lv->flash_until && lv->flash_until < wake)
		wake = lv->flash_until;
	if ((t = button_deadline(&lv->btn)) < wake)
		wake = t;
	if (lv->button_retry > 0 && lv->button_retry < wake)
		wake = lv->button_retry;
	if ((t = beeper_deadline(&lv->beep)) < wake)
		wake = t;
	if (lv->mqtt != NULL && (t = mqtt_next_tick(lv->mqtt)) > 0 &&
	    t < wake)
		wake = t;
	if (lv->finished && lv->drain_until < wake)
		wake = lv->drain_until;
	return wake > now ? wake : now;
}

static void
on_fault(void *ctx, int index, int faulted, const char *error)
{
	struct live *lv = ctx;
	struct event ev;

	/* In step with the other events, which carry the data's time. */
	event_init(&ev, faulted ? EVENT_SENSOR_FAULT : EVENT_SENSOR_OK,
	    lv->data_now, lv->src[index].name);
	snprintf(ev.text, sizeof(ev.text), "%s", error);
	on_event(lv, &ev);
}

static void
open_button(struct live *lv)
{
	const struct outputs_conf *o = &lv->conf->outputs;
	struct gpio_input_conf bc = { o->chip, (unsigned)o->button_line,
	    o->button_active_low, o->button_bias, o->button_debounce_ms,
	    "legwatchd" };
	char err[GPIO_ERR_MAX];

	lv->button_retry = 0;
	if ((lv->button = gpio_request_input(&bc, err, sizeof(err))) == NULL) {
		log_err("outputs.button_line: %s; trying again in %.0f s", err,
		    BUTTON_RETRY_S);
		lv->button_retry = mono_now() + BUTTON_RETRY_S;
	}
}

/*
 * The LED, buzzer and button; a line that cannot be had is logged, not
 * fatal: the reminders still go to Home Assistant.
 */
static void
open_outputs(struct live *lv, double now)
{
	const struct outputs_conf *o = &lv->conf->outputs;
	char err[GPIO_ERR_MAX];

	if (o->led_line >= 0) {
		if ((lv->led = gpio_request_output(o->chip,
		    (unsigned)o->led_line, o->led_active_low, 1, "legwatchd",
		    err, sizeof(err))) == NULL)
			log_err("outputs.led_line: %s", err);
		else {
			lv->led_on = 1;
			lv->lamp_test_until = now + LAMP_TEST_S;
		}
	}
	if (o->buzzer_line >= 0 && (lv->buzzer = gpio_request_output(o->chip,
	    (unsigned)o->buzzer_line, o->buzzer_active_low, 0, "legwatchd",
	    err, sizeof(err))) == NULL)
		log_err("outputs.buzzer_line: %s", err);
	if (o->button_line >= 0)
		open_button(lv);
}

static int
setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int
live_run(struct config *conf, struct replay_set *rs,
    const struct source_conf *src, int nsrc, const char *events_path,
    const char *record_path, double speed, int use_mqtt)
{
	struct live lv;
	struct pollfd pfd[4 + CONFIG_MAX_SENSORS];
	int rc = EX_SOFTWARE, stop = 0;

	memset(&lv, 0, sizeof(lv));
	lv.conf = conf;
	lv.rs = rs;
	lv.src = src;
	lv.nsrc = nsrc;
	lv.speed = speed;
	lv.monitoring = 1;
	lv.plm_index_last_night = NAN;
	hydration_init(&lv.hyd, &conf->hydration);
	lv.hyd_next = NAN;
	button_init(&lv.btn);
	beeper_init(&lv.beep);
	lv.events_path = events_path;
	lv.sigfd = lv.tfd = -1;

	if (events_path != NULL) {
		if (strcmp(events_path, "-") == 0)
			lv.events = stdout;
		else if ((lv.events = fopen(events_path, "w")) == NULL) {
			log_err("%s: %s", events_path, strerror(errno));
			return EX_CANTCREAT;
		}
	}
	if ((lv.pl = pipeline_new(src, nsrc, &conf->plm, on_event, &lv)) ==
	    NULL) {
		log_err("out of memory");
		goto done;
	}
	pipeline_set_night(lv.pl, conf->night_start_min, conf->night_end_min);
	if (use_mqtt && conf->mqtt.enabled) {
		if (open_outbox(&lv, conf->state_dir) == -1) {
			rc = EX_CANTCREAT;
			goto done;
		}
		if (start_mqtt(&lv) == -1) {
			rc = EX_CONFIG;
			goto done;
		}
	}
	if ((lv.sigfd = setup_signals()) == -1 ||
	    (lv.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) == -1) {
		log_err("signalfd/timerfd: %s", strerror(errno));
		goto done;
	}
	if (sd_watchdog_enabled(0, &lv.watchdog_usec) <= 0)
		lv.watchdog_usec = 0;

	lv.mono0 = mono_now();
	if (rs == NULL) {
		char err[512];

		if (fleet_init(&lv.fleet, conf, record_path, on_sample,
		    on_fault, &lv, err, sizeof(err)) == -1) {
			log_err("%s", err);
			rc = EX_CANTCREAT;
			goto done;
		}
		lv.have_fleet = 1;
		open_outputs(&lv, lv.mono0);
		load_hydration(&lv);
		/* A picture of each night, where the state is kept. */
		if (lv.hyd_persist && (lv.report = report_new()) != NULL) {
			report_set_subtitle(lv.report, conf->device_name);
			lv.in_night = 1;	/* a start at night draws the rest */
		}
		lv.t0 = data_time(&lv, lv.mono0);
	} else if (isnan(lv.t0 = replay_peek(rs)))
		lv.t0 = 0;
	lv.data_now = lv.t0;
	lv.next_tick = lv.mono0;
	lv.last_batch = lv.mono0 - BATCH_IDLE_S;
	sd_notify(0, "READY=1\nSTATUS=running");

	while (!stop) {
		double now = mono_now();
		int n = 0, i, reloaded = 0;

		if (rs != NULL && feed_due(&lv, now) == -1) {
			rc = EX_DATAERR;
			break;
		}
		if (lv.input_done && !lv.finished) {
			pipeline_finish(lv.pl);
			lv.finished = 1;
			lv.drain_until = now + DRAIN_S;
			lv.state_dirty = 1;
			lv.next_tick = now;
		}
		if (now >= lv.next_tick) {
			tick(&lv, now);
			lv.next_tick = now + TICK_S;
		} else if (lv.mqtt != NULL && mqtt_next_tick(lv.mqtt) > 0 &&
		    now >= mqtt_next_tick(lv.mqtt))
			mqtt_tick(lv.mqtt, now);	/* a reconnect is due */
		if (lv.failed) {
			rc = EX_IOERR;
			break;
		}
		if (lv.finished && (lv.mqtt == NULL ||
		    mqtt_drained(lv.mqtt) || now >= lv.drain_until)) {
			if (lv.mqtt != NULL && !mqtt_drained(lv.mqtt))
				log_warn("%zu events still wait in the outbox "
				    "for the broker", lv.ob.n);
			rc = 0;
			break;
		}
		arm(lv.tfd, next_wake(&lv, now));
		pfd[n++] = (struct pollfd){ lv.sigfd, POLLIN, 0 };
		pfd[n++] = (struct pollfd){ lv.tfd, POLLIN, 0 };
		if (lv.mqtt != NULL && mqtt_fd(lv.mqtt) >= 0)
			pfd[n++] = (struct pollfd){ mqtt_fd(lv.mqtt), POLLIN |
			    (mqtt_want_write(lv.mqtt) ? POLLOUT : 0), 0 };
		if (lv.button != NULL)
			pfd[n++] = (struct pollfd){ gpio_fd(lv.button), POLLIN,
			    0 };
		if (lv.have_fleet)
			n += fleet_pollfds(&lv.fleet, pfd + n,
			    (int)(sizeof(pfd) / sizeof(pfd[0])) - n);
		if (poll(pfd, (nfds_t)n, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == lv.sigfd) {
				struct signalfd_siginfo si;

				while (read(lv.sigfd, &si, sizeof(si)) ==
				    sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						reload(&lv, use_mqtt);
						reloaded = 1;
					}
					else {
						log_notice("stopping (signal "
						    "%u)", si.ssi_signo);
						stop = 1;
						rc = 0;
					}
				}
				if (reloaded)
					break;	/* the client may be new */
			} else if (pfd[i].fd == lv.tfd) {
				uint64_t ticks;

				/* Only to clear it: the loop reads the clock. */
				if (read(lv.tfd, &ticks, sizeof(ticks)) == -1 &&
				    errno != EAGAIN)
					log_err("timerfd: %s", strerror(errno));
			} else if (lv.button != NULL &&
			    pfd[i].fd == gpio_fd(lv.button)) {
				read_button(&lv);
			} else if (lv.mqtt != NULL &&
			    pfd[i].fd == mqtt_fd(lv.mqtt)) {
				double t = mono_now();

				if (pfd[i].revents & (POLLIN | POLLERR |
				    POLLHUP))
					mqtt_readable(lv.mqtt, t);
				if (lv.mqtt != NULL && mqtt_fd(lv.mqtt) >= 0 &&
				    (pfd[i].revents & POLLOUT))
					mqtt_writable(lv.mqtt, t);
			}
		}
		if (lv.have_fleet && !reloaded) {
			struct sensor_clock c;

			read_clocks(&c);
			fleet_service(&lv.fleet, &c, pfd, n);
		}
		now = mono_now();
		if (lv.button_retry > 0 && now >= lv.button_retry)
			open_button(&lv);
		if (button_poll(&lv.btn, now) == BUTTON_LONG)
			acknowledge(&lv, 1, "the button held");
		update_outputs(&lv, now);
	}
	sd_notify(0, "STOPPING=1");
done:
	if (lv.have_fleet)
		fleet_close(&lv.fleet);
	if (lv.led != NULL) {
		set_output(lv.led, 0, "outputs.led_line");
		gpio_release(lv.led);
	}
	if (lv.buzzer != NULL) {
		set_output(lv.buzzer, 0, "outputs.buzzer_line");
		gpio_release(lv.buzzer);
	}
	gpio_release(lv.button);
	if (lv.mqtt != NULL) {
		mqtt_shutdown(lv.mqtt);
		mqtt_free(lv.mqtt);
	}
	if (lv.have_outbox)
		outbox_close(&lv.ob);
	pipeline_free(lv.pl);
	report_free(lv.report);
	if (lv.events != NULL && lv.events != stdout && fclose(lv.events) ==
	    EOF && rc == 0)
		rc = EX_IOERR;
	if (lv.sigfd >= 0)
		close(lv.sigfd);
	if (lv.tfd >= 0)
		close(lv.tfd);
	log_flush();
	return rc;
}
