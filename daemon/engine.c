/*
 * The engine (engine.h): samples in, events out to every sink.  Nothing
 * here reads a clock; the caller's ticks carry the time.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicfile.h"
#include "edf.h"
#include "engine.h"
#include "hydration.h"
#include "hydstore.h"
#include "log.h"
#include "mqtt.h"
#include "nightstand.h"
#include "outbox.h"
#include "ratelimit.h"
#include "report.h"
#include "statefile.h"
#include "trend.h"
#include "sensors/gpio.h"

#define OUTBOX_MAX	5000
/* The LED lights this long at start, to show it works. */
#define LAMP_TEST_S	1.0
/* The LED blinks this long to say a button press was taken. */
#define FLASH_S		0.3
/* A button line that failed is asked for again after this long. */
#define BUTTON_RETRY_S	60.0
/*
 * Commands that write to disk (a glass, a snooze, the monitoring switch,
 * the button): a burst, then one a second; the rest are ignored and
 * counted in a line at most a minute.  The state they change is saved
 * at most once a second.
 */
#define CMD_BURST	10.0
#define CMD_RATE	1.0
#define CMD_SAY_S	60.0
#define SAVE_GAP_S	1.0
/* A thermometer's reading is current this long (s of the data's clock). */
#define TEMP_FRESH_S	600.0

/* Where held events or a picture wait until the run succeeded. */
struct pending_file {
	const char		*path;
	struct atomic_file	 af;
	int			 atomic;	/* af replaces a regular file */
	FILE			*f;		/* NULL: opened at the end */
	int			 spooled;	/* f is a spool, copied at the end */
};

/* What the state says of each source. */
struct source_seen {
	double	temp_t;		/* a thermometer's last reading, data s */
	double	temp_sent;	/* as the state last showed it; NAN: null */
	int	faulted;
};

struct engine {
	struct engine_conf	 ec;
	struct source_seen	*seen;		/* ec.nsrc of them */
	struct config		*conf;
	struct pipeline		*pl;
	int			 finished;
	int			 failed;
	double			 data_now;
	double			 last_tick;	/* a replay's, data s */

	/* Reminders, and what outlives a restart. */
	struct hydration	 hyd;
	double			 hyd_next;	/* a replay's, data s */
	int			 persist;	/* the state directory is ours */
	int			 hyd_save_failed;
	struct pacer		 hyd_save;	/* saves, at most 1/s */
	struct ratelimit	 cmds;		/* commands that write */
	double			 cmds_said;	/* mono s of the last line */
	int			 clock_synced;
	int			 monitoring;

	/* The nights. */
	struct trend		 trend;
	double			 plm_index_last_night;
	double			 hours_in_bed_last_night;
	struct engine_night	 night[ENGINE_NIGHTS_KEPT];
	int			 nights;
	struct engine_night	 tonight;
	struct report		*nightly;	/* tonight's, live */
	struct report		*report;	/* all of the input: report_path */
	struct edf		*edf;		/* all of the input: edf_path */
	struct edf		*nightly_edf;	/* tonight's, live */
	char			 nightly_edf_name[64];
	int			 edf_tonight;	/* opened in this window */
	int			 in_night;

	/* Sinks. */
	FILE			*events;
	struct pending_file	 held;		/* hold_events */
	struct pending_file	 picture;	/* report_path */
	struct outbox		 ob;
	int			 have_outbox;
	struct statedir		 sd;	/* opened once */
	struct mqtt		*mqtt;
	int			 state_dirty;

	/* The nightstand: LED, buzzer, button. */
	struct gpio_line	*led, *buzzer, *button;
	int			 led_on, buzzer_on;
	double			 lamp_test_until, flash_until;
	int			 flash_was_on;
	double			 button_retry;	/* mono s, 0: none */
	struct button		 btn;
	struct beeper		 beep;
	int			 sensor_problem;
	struct engine_clock	 clock;		/* the last one given */
	int			 closed;
};

static void	update_outputs(struct engine *e, double mono);

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
	case EVENT_SIT_RESULT:
		return OUTBOX_HIGH;
	default:
		return OUTBOX_NORMAL;
	}
}

/*
 * An EDF+ of the sources, in their order: name in the folder dirfd (the
 * state directory), or a path when dirfd is -1.
 */
static struct edf *
open_edf(struct engine *e, int dirfd, const char *name)
{
	struct edf_source *es;
	char err[PATH_MAX + 256];
	struct edf *edf = NULL;
	int i, n = e->ec.nsrc;

	if ((es = calloc((size_t)(n > 0 ? n : 1), sizeof(*es))) == NULL) {
		log_err("out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		es[i].name = e->ec.src[i].name;
		es[i].kind = e->ec.src[i].kind == SOURCE_TEMP ? EDF_TEMP :
		    e->ec.src[i].kind == SOURCE_MOTION ? EDF_MOTION :
		    EDF_ACCEL;
	}
	edf = dirfd >= 0 ? edf_open(dirfd, e->sd.path, name, es, n,
	    e->conf->device_name, err, sizeof(err)) : edf_open_path(name, es,
	    n, e->conf->device_name, err, sizeof(err));
	if (edf == NULL)
		log_err("%s: %s", dirfd >= 0 ? "the night's EDF" : "--edf",
		    err);
	free(es);
	return edf;
}

/* report-<evening's date>.EXT, the name of a night's file: 0, or -1. */
static int
nightly_name(int evening, const char *ext, char *buf, size_t bufsz)
{
	char day[16];

	if (hydration_day_string(evening, day, sizeof(day)) == -1)
		return -1;
	return (size_t)snprintf(buf, bufsz, "report-%s.%s", day, ext) <
	    bufsz ? 0 : -1;
}

/* A week of a night's files: the one from eight nights ago goes. */
static void
prune_nightly(struct engine *e, int evening, const char *ext)
{
	char old[64];

	if (nightly_name(evening - 8, ext, old, sizeof(old)) == 0)
		(void)unlinkat(e->sd.fd, old, 0);
}

/*
 * The night's picture, report-YYYY-MM-DD.svg in the state directory (the
 * evening's date), replaced whole; a week of them is kept.
 */
static void
write_nightly_picture(struct engine *e, const struct event *summary)
{
	struct atomic_file af;
	char name[64], err[PATH_MAX + 128];
	int evening = trend_night(summary->start);
	FILE *f;

	if (nightly_name(evening, "svg", name, sizeof(name)) == -1)
		goto done;
	if (atomic_begin(&af, e->sd.fd, e->sd.path, name, 0640, err,
	    sizeof(err)) == -1) {
		log_err("%s", err);
		goto done;
	}
	if ((f = atomic_stream(&af, "w")) == NULL ||
	    report_write(e->nightly, f) == -1) {
		log_err("%s: %s", af.path, strerror(errno));
		atomic_abort(&af);
		goto done;
	}
	if (atomic_commit(&af, 0, err, sizeof(err)) == -1) {
		log_err("%s", err);
		atomic_abort(&af);
		goto done;
	}
	log_info("the night's picture: %s/%s", e->sd.path, name);
	prune_nightly(e, evening, "svg");
done:
	report_clear(e->nightly);
}

/*
 * Tonight's EDF+, report-YYYY-MM-DD.edf beside the picture: the signals
 * spool from the start of the night window (or of the daemon) and the
 * file is written when the window ends; a week of them is kept.
 */
static void
open_nightly_edf(struct engine *e)
{
	if (nightly_name(trend_night(e->data_now), "edf", e->nightly_edf_name,
	    sizeof(e->nightly_edf_name)) == -1)
		return;
	e->nightly_edf = open_edf(e, e->sd.fd, e->nightly_edf_name);
}

static void
write_nightly_edf(struct engine *e, const struct event *summary)
{
	char err[PATH_MAX + 256];
	struct edf *edf = e->nightly_edf;

	e->nightly_edf = NULL;
	if (edf_close(edf, err, sizeof(err)) == -1) {
		log_err("the night's EDF: %s", err);
		return;
	}
	log_info("the night's EDF: %s/%s", e->sd.path, e->nightly_edf_name);
	prune_nightly(e, trend_night(summary->start), "edf");
}

static void
save_trend(struct engine *e)
{
	char err[512];

	if (e->persist && trend_save(&e->sd, &e->trend, err,
	    sizeof(err)) == -1)
		log_err("%s", err);
}

/*
 * A night_summary: the night's figures, computed once by the pipeline,
 * go to the trend, the nightly picture and the nights' record.  A nightly
 * file of any other kind is written from here.
 */
static void
night_ended(struct engine *e, const struct event *summary)
{
	e->tonight.summary = *summary;
	e->night[e->nights++ % ENGINE_NIGHTS_KEPT] = e->tonight;
	memset(&e->tonight, 0, sizeof(e->tonight));
	e->plm_index_last_night = summary->night.plm_index;
	e->hours_in_bed_last_night = summary->night.hours_in_bed;
	if (trend_add(&e->trend, summary->start, summary->night.hours,
	    summary->night.plm_index))
		save_trend(e);
	if (e->nightly != NULL)
		write_nightly_picture(e, summary);
	if (e->nightly_edf != NULL)
		write_nightly_edf(e, summary);
}

static void
write_event(struct engine *e, const char *json)
{
	if (e->events == NULL || e->failed)
		return;
	if (fputs(json, e->events) == EOF || fputc('\n', e->events) == EOF ||
	    (!e->ec.hold_events && fflush(e->events) == EOF)) {
		log_err("%s: cannot write events: %s", e->ec.events_path,
		    errno ? strerror(errno) : "output error");
		e->failed = 1;
	}
}

/* Every event passes here, from the pipeline and the reminders alike. */
static void
emit(void *ctx, const struct event *ev)
{
	struct engine *e = ctx;
	char *json;

	/* What they cannot keep (memory) the pictures themselves say. */
	if (e->report != NULL)
		(void)report_event(e->report, ev);
	if (e->nightly != NULL)
		(void)report_event(e->nightly, ev);
	if (e->edf != NULL)
		edf_event(e->edf, ev);
	if (e->nightly_edf != NULL)
		edf_event(e->nightly_edf, ev);
	switch (ev->type) {
	case EVENT_CRAMP:
		hydration_cramp(&e->hyd);
		if (e->tonight.ncramps < ENGINE_NIGHT_CRAMPS) {
			e->tonight.cramp_start[e->tonight.ncramps] = ev->start;
			e->tonight.cramp_len[e->tonight.ncramps++] =
			    ev->end - ev->start;
		}
		break;
	case EVENT_NIGHT_SUMMARY:
		night_ended(e, ev);
		break;
	case EVENT_SIT_RESULT:
		log_notice("immobilization test: %d leg movements, %d periodic "
		    "(PLMW index %.1f)%s%s", ev->sit.lm_count, ev->sit.plm_count,
		    ev->sit.plmw_index, ev->sit.valid ? "" : "; not valid: ",
		    ev->sit.valid ? "" : ev->text);
		break;
	default:
		break;
	}
	e->state_dirty = 1;
	/*
	 * Switched off from Home Assistant: nothing about the legs but the
	 * result of a test asked for.
	 */
	if (!e->monitoring && ev->type != EVENT_SENSOR_FAULT &&
	    ev->type != EVENT_SENSOR_OK && ev->type != EVENT_SIT_RESULT)
		return;
	if ((json = event_to_json(ev)) == NULL) {
		log_err("cannot format a %s event", event_type_name(ev->type));
		if (e->ec.hold_events)
			e->failed = 1;
		return;
	}
	/* On disk for the broker first: a crash after it loses nothing. */
	if (e->have_outbox) {
		outbox_push(&e->ob, event_is_movement(ev) ? OUTBOX_MOVEMENT :
		    OUTBOX_EVENT, priority_of(ev), json);
		if (e->mqtt != NULL)
			mqtt_kick(e->mqtt);
	}
	write_event(e, json);
	free(json);
}

static void
on_reminder(void *ctx, const struct hydration_reminder *r, double wall)
{
	struct engine *e = ctx;
	struct event ev;

	hydration_event(r, wall, &ev);
	log_info("hydration reminder (%s): %d of %d ml today", ev.text,
	    r->water_ml, r->goal_ml);
	if (!r->quiet && e->buzzer != NULL)
		beeper_start(&e->beep, e->clock.mono);
	/*
	 * Sound and light before the event is written: the write may wait
	 * for the disk, and the first beep, timed from now, would be cut
	 * short by as much.
	 */
	update_outputs(e, e->clock.mono);
	emit(e, &ev);
}

static void
save_hydration(struct engine *e)
{
	char err[512];

	if (!e->persist)
		return;
	if (hydstore_save(&e->sd, &e->hyd.s, err, sizeof(err)) == -1) {
		if (!e->hyd_save_failed)
			log_err("%s (the count is kept and saved when it can "
			    "be)", err);
		e->hyd_save_failed = 1;
		pacer_want(&e->hyd_save);	/* again in a second */
	} else if (e->hyd_save_failed) {
		log_notice("%s/%s: saved again", e->sd.path, HYDSTORE_FILE);
		e->hyd_save_failed = 0;
	}
}

/* The state folder, opened once: every file in it through this. */
static int
open_state(struct engine *e, const char *state_dir, char *err, size_t errsz)
{
	return e->sd.fd >= 0 ? 0 : statedir_open(&e->sd, state_dir, err,
	    errsz);
}

/* A change to save: now, or when a second has passed since the last. */
static void
save_due(struct engine *e)
{
	if (pacer_ready(&e->hyd_save, e->clock.mono, SAVE_GAP_S))
		save_hydration(e);
}

/* Today's water, the last reminder and the trend, as before a restart. */
static void
load_state(struct engine *e)
{
	struct hydration_saved saved;
	char err[PATH_MAX + 128];
	int r;

	if (open_state(e, e->conf->state_dir, err, sizeof(err)) == -1) {
		log_err("storage.state_dir: %s; the day's water count "
		    "will not outlive a restart", err);
		return;
	}
	e->persist = 1;
	if (trend_load(&e->sd, &e->trend, err, sizeof(err)) < 0)
		log_err("%s; the nights' trend starts afresh", err);
	if ((r = hydstore_load(&e->sd, &saved, err, sizeof(err))) == 1) {
		hydration_restore(&e->hyd, &saved);
		e->monitoring = !hydration_paused(&e->hyd);
		if (!e->monitoring)
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
	log_err("%s; the day's count starts afresh%s", err,
	    renameat(e->sd.fd, HYDSTORE_FILE, e->sd.fd, HYDSTORE_FILE
	    ".bad") == 0 ? " (the file is kept as " HYDSTORE_FILE ".bad)" :
	    "");
}

static void
hydration_done(struct engine *e, int flags)
{
	if (flags & HYDRATION_STEPPED)
		log_notice("the wall clock stepped: reminders keep their "
		    "spacing and the day's count stays");
	if (flags & HYDRATION_NEW_DAY)
		log_info("a new day: %d ml so far", hydration_water(&e->hyd));
	/* The LED and buzzer first: saving may wait for the disk. */
	update_outputs(e, e->clock.mono);
	if (flags & HYDRATION_CHANGED) {
		pacer_want(&e->hyd_save);
		save_due(e);
	}
	if (flags & (HYDRATION_CHANGED | HYDRATION_LIT | HYDRATION_NEW_DAY))
		e->state_dirty = 1;
}

/* The clock the reminders go by now: the data's in a replay. */
static void
hydration_clock(const struct engine *e, struct hydration_clock *hc)
{
	if (e->ec.replay) {
		hc->wall = hc->mono = e->data_now;
		hc->synced = 1;
	} else {
		hc->wall = e->clock.wall;
		hc->mono = e->clock.mono;
		hc->synced = e->clock_synced;
	}
}

/* A command that writes to disk: 1 if it may go ahead now. */
static int
command_allowed(struct engine *e)
{
	return ratelimit_take(&e->cmds, e->clock.mono, CMD_RATE, CMD_BURST);
}

/* A glass (short press, Home Assistant's button) or a snooze (long). */
static void
acknowledge(struct engine *e, int snooze, const char *via)
{
	struct hydration_clock hc;

	if (!command_allowed(e))
		return;
	hydration_clock(e, &hc);
	if (snooze) {
		hydration_snooze(&e->hyd, &hc);
		log_notice("reminders snoozed for %d min (%s)",
		    e->conf->hydration.snooze_min, via);
	} else if (hydration_drank(&e->hyd, &hc) == -1) {
		log_warn("a glass from %s not logged: %d ml today is past any "
		    "day's drinking", via, hydration_water(&e->hyd));
		return;
	} else
		log_info("a glass logged (%s): %d ml today", via,
		    hydration_water(&e->hyd));
	/* What it will show once the press is taken, blinked against. */
	e->flash_was_on = e->sensor_problem;
	e->flash_until = e->clock.mono + FLASH_S;
	hydration_done(e, HYDRATION_CHANGED);
}

/*
 * The suggested immobilization test, from Home Assistant: it runs on the
 * sensors' time, as everything the pipeline does.
 */
static void
sit_command(struct engine *e, int start)
{
	double now = isnan(e->data_now) ? e->clock.wall : e->data_now;

	if (!start) {
		if (pipeline_sit_running(e->pl))
			log_notice("immobilization test stopped");
		pipeline_sit_stop(e->pl, now);
	} else if (pipeline_sit_start(e->pl, now) == -1)
		log_notice("an immobilization test is running already");
	else
		log_notice("immobilization test started: 60 minutes sitting "
		    "up, legs outstretched");
	update_outputs(e, e->clock.mono);
}

static void
on_command(void *ctx, const char *name, const char *value)
{
	struct engine *e = ctx;

	if (strcmp(name, "drank") == 0)
		acknowledge(e, 0, "Home Assistant");
	else if (strcmp(name, "snooze") == 0)
		acknowledge(e, 1, "Home Assistant");
	else if (strcmp(name, "monitoring") == 0) {
		if (!command_allowed(e))
			return;
		e->monitoring = strcmp(value, "ON") == 0;
		hydration_pause(&e->hyd, !e->monitoring);
		log_notice("monitoring switched %s", value);
		hydration_done(e, HYDRATION_CHANGED);
	} else if (strcmp(name, "sit") == 0)
		sit_command(e, strcmp(value, "START") == 0);
	e->state_dirty = 1;
}

/* A thermometer's reading as the state shows it; NAN for null. */
static double
temp_shown(const struct engine *e, int i)
{
	double c = pipeline_temperature(e->pl, i);

	if (isnan(c) || e->seen[i].faulted || !(e->data_now -
	    e->seen[i].temp_t <= TEMP_FRESH_S))
		return NAN;
	return round(c * 100) / 100;
}

/* A reading came, changed, went stale or faulted: the state again. */
static void
watch_temperatures(struct engine *e)
{
	double c, sent;
	int i;

	for (i = 0; i < e->ec.nsrc; i++) {
		if (e->ec.src[i].kind != SOURCE_TEMP)
			continue;
		c = temp_shown(e, i);
		sent = e->seen[i].temp_sent;
		if (isnan(c) != isnan(sent) || (!isnan(c) && c != sent))
			e->state_dirty = 1;
	}
}

static char *
state_json(void *ctx)
{
	struct engine *e = ctx;
	struct night_figures n;
	json_t *o, *temps, *nights;
	double week = trend_median(&e->trend);
	char *out;
	int i;

	pipeline_figures(e->pl, &n);
	nights = json_array();
	for (i = 0; i < e->trend.n; i++)
		json_array_append_new(nights,
		    json_real(round(e->trend.plm_index[i] * 10) / 10));
	/*
	 * Every thermometer, null without a current reading (none yet, in
	 * fault, or gone quiet): Home Assistant's template then says
	 * "unknown" instead of failing or showing an old value.
	 */
	temps = json_object();
	for (i = 0; i < e->ec.nsrc; i++) {
		if (e->ec.src[i].kind != SOURCE_TEMP)
			continue;
		e->seen[i].temp_sent = temp_shown(e, i);
		json_object_set_new(temps, e->ec.src[i].name,
		    isnan(e->seen[i].temp_sent) ? json_null() :
		    json_real(e->seen[i].temp_sent));
	}
	o = json_pack("{s:i,s:i,s:i,s:s,s:o,s:o,s:o,s:o,s:i,s:i,s:s,s:s,s:s,"
	    "s:s,s:o}",
	    "lm_tonight", n.lm_count, "plm_tonight", n.plm_count,
	    "cramps_tonight", n.cramp_count,
	    "restless", pipeline_restless(e->pl) ? "ON" : "OFF",
	    "plm_index_last_night", isnan(e->plm_index_last_night) ?
	    json_null() : json_real(round(e->plm_index_last_night * 10) / 10),
	    "hours_in_bed_last_night", isnan(e->hours_in_bed_last_night) ?
	    json_null() : json_real(round(e->hours_in_bed_last_night * 10) /
	    10),
	    "plm_index_week", isnan(week) ? json_null() :
	    json_real(round(week * 10) / 10), "plm_index_nights", nights,
	    "water_today_ml", hydration_water(&e->hyd),
	    "water_goal_ml", hydration_goal(&e->hyd),
	    "reminder", hydration_lit(&e->hyd) ? "ON" : "OFF",
	    "monitoring", e->monitoring ? "ON" : "OFF",
	    "sensor_problem", e->sensor_problem ? "ON" : "OFF",
	    "sit_running", pipeline_sit_running(e->pl) ? "ON" : "OFF",
	    "temperature", temps);
	if (o == NULL)
		return NULL;
	/* 15 digits: 20.33 is written so, not as 20.329999999999998. */
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(15));
	json_decref(o);
	return out;
}

static struct mqtt *
new_client(struct engine *e, const struct config *conf)
{
	struct mqtt_hooks hooks = { on_command, state_json, e };
	const char *temps[CONFIG_MAX_SENSORS];
	struct mqtt *m;
	char err[512];
	int i, ntemps = 0;

	for (i = 0; i < e->ec.nsrc && ntemps < CONFIG_MAX_SENSORS; i++)
		if (e->ec.src[i].kind == SOURCE_TEMP)
			temps[ntemps++] = e->ec.src[i].name;
	if ((m = mqtt_new(conf, &e->ob, &hooks, temps, ntemps, err,
	    sizeof(err))) == NULL)
		log_err("%s", err);
	return m;
}

static int
open_outbox(struct engine *e, const char *state_dir)
{
	char err[PATH_MAX + 128];

	if (open_state(e, state_dir, err, sizeof(err)) == -1) {
		log_err("storage.state_dir: %s", err);
		return -1;
	}
	if (outbox_open(&e->ob, &e->sd, OUTBOX_MAX, err,
	    sizeof(err)) == -1) {
		log_err("%s", err);
		return -1;
	}
	e->have_outbox = 1;
	return 0;
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
update_outputs(struct engine *e, double mono)
{
	/* ... or a test is running: the LED says so until it is over. */
	int on = mono < e->lamp_test_until || hydration_lit(&e->hyd) ||
	    e->sensor_problem || pipeline_sit_running(e->pl);
	int buzz = beeper_poll(&e->beep, mono);

	/* A blink against whatever it shows: on when off, off when on. */
	if (mono < e->flash_until)
		on = !e->flash_was_on;
	/* A write that failed is tried again at the next chance. */
	if (e->led != NULL && on != e->led_on &&
	    set_output(e->led, on, "outputs.led_line") == 0)
		e->led_on = on;
	if (e->buzzer != NULL && buzz != e->buzzer_on &&
	    set_output(e->buzzer, buzz, "outputs.buzzer_line") == 0)
		e->buzzer_on = buzz;
}

static void
open_button(struct engine *e)
{
	const struct outputs_conf *o = &e->conf->outputs;
	struct gpio_input_conf bc = { o->chip, (unsigned)o->button_line,
	    o->button_active_low, o->button_bias, o->button_debounce_ms,
	    "legwatchd" };
	char err[GPIO_ERR_MAX];

	e->button_retry = 0;
	if ((e->button = gpio_request_input(&bc, err, sizeof(err))) == NULL) {
		log_err("outputs.button_line: %s; trying again in %.0f s", err,
		    BUTTON_RETRY_S);
		e->button_retry = e->clock.mono + BUTTON_RETRY_S;
	}
}

/*
 * The LED, buzzer and button; a line that cannot be had is logged, not
 * fatal: the reminders still go to Home Assistant.
 */
static void
open_outputs(struct engine *e)
{
	const struct outputs_conf *o = &e->conf->outputs;
	char err[GPIO_ERR_MAX];

	if (o->led_line >= 0) {
		if ((e->led = gpio_request_output(o->chip,
		    (unsigned)o->led_line, o->led_active_low, 1, "legwatchd",
		    err, sizeof(err))) == NULL)
			log_err("outputs.led_line: %s", err);
		else {
			e->led_on = 1;
			e->lamp_test_until = e->clock.mono + LAMP_TEST_S;
		}
	}
	if (o->buzzer_line >= 0 && (e->buzzer = gpio_request_output(o->chip,
	    (unsigned)o->buzzer_line, o->buzzer_active_low, 0, "legwatchd",
	    err, sizeof(err))) == NULL)
		log_err("outputs.buzzer_line: %s", err);
	if (o->button_line >= 0)
		open_button(e);
}

static void
read_button(struct engine *e)
{
	struct gpio_edge edges[16];
	char err[GPIO_ERR_MAX];
	int i, n;

	if ((n = gpio_read_edges(e->button, edges, 16, err,
	    sizeof(err))) == -1) {
		/* Not polled while it fails: asked for again in a while. */
		log_err("outputs.button_line: %s; trying again in %.0f s", err,
		    BUTTON_RETRY_S);
		gpio_release(e->button);
		e->button = NULL;
		button_init(&e->btn);
		e->button_retry = e->clock.mono + BUTTON_RETRY_S;
		return;
	}
	for (i = 0; i < n; i++)
		switch (button_edge(&e->btn, edges[i].mono, edges[i].active)) {
		case BUTTON_SHORT:
			acknowledge(e, 0, "the button");
			break;
		case BUTTON_LONG:
			acknowledge(e, 1, "the button held");
			break;
		case BUTTON_NONE:
			break;
		}
}

/*
 * A regular file is replaced whole at the end (atomicfile.h); stdout, a
 * device or a FIFO (whose open would wait for its reader) is written to
 * at the end, from a spool when the content comes early.
 */
static int
pending_open(struct pending_file *pf, const char *path, int spool)
{
	char err[PATH_MAX + 128];
	struct stat st;
	int out = strcmp(path, "-") == 0;

	memset(pf, 0, sizeof(*pf));
	pf->path = path;
	if (!out && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		log_err("%s: %s", path, strerror(EISDIR));
		return -1;
	}
	if (out || (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) {
		if (spool && (pf->f = tmpfile()) == NULL) {
			log_err("cannot make a temporary file for %s: %s",
			    path, strerror(errno));
			return -1;
		}
		pf->spooled = spool;
		return 0;
	}
	if (atomic_begin_path(&pf->af, path, 0644, err, sizeof(err)) == -1) {
		log_err("%s", err);
		return -1;
	}
	pf->atomic = 1;
	if ((pf->f = atomic_stream(&pf->af, "w")) == NULL) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
copy_spool(FILE *spool, FILE *dst)
{
	char buf[8192];
	size_t n;

	rewind(spool);
	while ((n = fread(buf, 1, sizeof(buf), spool)) > 0)
		if (fwrite(buf, 1, n, dst) != n)
			return -1;
	return ferror(spool) ? -1 : 0;
}

/*
 * The content out to its place but for the rename: from the spool, or
 * written now by write_fn.  0, or an exit status with the reason logged
 * as "PATH: what: why".
 */
static int
pending_finish(struct pending_file *pf, const char *what,
    int (*write_fn)(const void *, FILE *), const void *arg)
{
	FILE *dst;
	int bad;

	errno = 0;
	if (pf->atomic)
		bad = (write_fn != NULL && write_fn(arg, pf->f) == -1) ||
		    fflush(pf->f) == EOF;
	else {
		if (strcmp(pf->path, "-") == 0)
			dst = stdout;
		else if ((dst = fopen(pf->path, "w")) == NULL) {
			log_err("%s: %s", pf->path, strerror(errno));
			return EX_CANTCREAT;
		}
		bad = pf->spooled ? fflush(pf->f) == EOF ||
		    copy_spool(pf->f, dst) == -1 : write_fn(arg, dst) == -1;
		bad |= fflush(dst) == EOF;
		bad |= dst != stdout && fclose(dst) == EOF;
	}
	if (bad) {
		log_err("%s: %s: %s", pf->path, what, errno ? strerror(errno) :
		    "output error");
		return EX_IOERR;
	}
	return 0;
}

/* Into place, synced, folder and all: 0, or -1 with the reason logged. */
static int
pending_commit(struct pending_file *pf)
{
	char err[PATH_MAX + 128];

	if (!pf->atomic)
		return 0;
	pf->f = NULL;		/* the atomic file's own */
	pf->atomic = 0;
	if (atomic_commit(&pf->af, 0, err, sizeof(err)) == -1) {
		log_err("%s", err);
		atomic_abort(&pf->af);
		return -1;
	}
	return 0;
}

/* Whatever did not succeed leaves nothing behind. */
static void
pending_discard(struct pending_file *pf)
{
	if (pf->atomic)
		atomic_abort(&pf->af);
	else if (pf->f != NULL)
		fclose(pf->f);
	pf->f = NULL;
	pf->atomic = 0;
}

static int
open_events(struct engine *e)
{
	const char *path = e->ec.events_path;

	if (path == NULL)
		return 0;
	if (e->ec.hold_events) {
		if (pending_open(&e->held, path, 1) == -1)
			return -1;
		e->events = e->held.f;
	} else if (strcmp(path, "-") == 0)
		e->events = stdout;
	else if ((e->events = fopen(path, "w")) == NULL) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct engine *
engine_new(const struct engine_conf *ec, const struct engine_clock *now,
    int *status)
{
	struct engine *e;
	int i;

	*status = EX_SOFTWARE;
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		log_err("out of memory");
		return NULL;
	}
	e->ec = *ec;
	e->conf = ec->conf;
	if ((e->seen = calloc((size_t)(ec->nsrc > 0 ? ec->nsrc : 1),
	    sizeof(*e->seen))) == NULL) {
		log_err("out of memory");
		free(e);
		return NULL;
	}
	for (i = 0; i < ec->nsrc; i++)
		e->seen[i].temp_sent = NAN;
	e->sd.fd = -1;
	e->clock = *now;
	pacer_init(&e->hyd_save);
	ratelimit_init(&e->cmds, CMD_BURST);
	e->cmds_said = -INFINITY;
	e->monitoring = 1;
	e->plm_index_last_night = NAN;
	e->hours_in_bed_last_night = NAN;
	e->last_tick = -INFINITY;
	e->data_now = NAN;
	e->hyd_next = NAN;
	hydration_init(&e->hyd, &e->conf->hydration);
	button_init(&e->btn);
	beeper_init(&e->beep);
	if (open_events(e) == -1) {
		*status = EX_CANTCREAT;
		goto fail;
	}
	if (ec->report_path != NULL &&
	    pending_open(&e->picture, ec->report_path, 0) == -1) {
		*status = EX_CANTCREAT;
		goto fail;
	}
	if (ec->edf_path != NULL && (e->edf = open_edf(e, -1,
	    ec->edf_path)) == NULL) {
		*status = EX_CANTCREAT;
		goto fail;
	}
	if ((e->pl = pipeline_new(ec->src, ec->nsrc, &e->conf->plm, emit,
	    e)) == NULL) {
		log_err("out of memory");
		goto fail;
	}
	pipeline_set_night(e->pl, e->conf->night_start_min,
	    e->conf->night_end_min);
	if (ec->sit_at)
		pipeline_sit_at(e->pl, ec->sit_minute);
	if (ec->use_mqtt && e->conf->mqtt.enabled) {
		if (open_outbox(e, e->conf->state_dir) == -1) {
			*status = EX_CANTCREAT;
			goto fail;
		}
		if ((e->mqtt = new_client(e, e->conf)) == NULL) {
			*status = EX_CONFIG;
			goto fail;
		}
	}
	if (ec->live) {
		open_outputs(e);
		load_state(e);
	}
	/* A picture of everything, and of each night where state is kept. */
	if (ec->report_path != NULL) {
		if ((e->report = report_new()) == NULL) {
			log_err("out of memory");
			goto fail;
		}
		report_set_subtitle(e->report, ec->report_subtitle);
	}
	if (ec->live && e->persist) {
		if ((e->nightly = report_new()) == NULL) {
			log_err("out of memory");
			goto fail;
		}
		report_set_subtitle(e->nightly, e->conf->device_name);
		e->in_night = 1;	/* a start at night draws the rest */
	}
	return e;
fail:
	engine_free(e);
	return NULL;
}

/* The night window began by the data's clock: tonight's picture starts. */
static void
watch_night(struct engine *e)
{
	int in = pipeline_in_night(e->pl);

	if (e->nightly != NULL && in && !e->in_night)
		report_clear(e->nightly);
	if (e->nightly != NULL && in && !e->edf_tonight &&
	    !isnan(e->data_now)) {
		open_nightly_edf(e);
		e->edf_tonight = 1;
	}
	if (!in)
		e->edf_tonight = 0;
	e->in_night = in;
}

void
engine_sample(struct engine *e, int idx, const struct sample *s, int last)
{
	if (e->ec.replay) {
		e->data_now = s->t;
		/* The reminders that day would have given, in time order. */
		if (!(s->t < e->hyd_next))	/* its next second, or NAN */
			hydration_done(e, hydration_follow(&e->hyd,
			    &e->hyd_next, s->t, on_reminder, e));
	}
	if (e->ec.src[idx].kind == SOURCE_TEMP) {
		e->seen[idx].temp_t = s->t;
		hydration_temperature(&e->hyd, idx, s->t, s->v[0]);
		if (e->report != NULL)
			(void)report_temperature(e->report,
			    e->ec.src[idx].name, s->t, s->v[0]);
		if (e->nightly != NULL)
			(void)report_temperature(e->nightly,
			    e->ec.src[idx].name, s->t, s->v[0]);
	}
	if (e->edf != NULL)
		edf_sample(e->edf, idx, s);
	if (e->nightly_edf != NULL)
		edf_sample(e->nightly_edf, idx, s);
	pipeline_sample(e->pl, idx, s);
	if (last)
		pipeline_source_end(e->pl, idx);
	/* A replay's clock is its data: the tick comes after the sample. */
	if (e->ec.replay && s->t - e->last_tick >= ENGINE_TICK_S) {
		pipeline_tick(e->pl, s->t);
		e->last_tick = s->t;
		watch_night(e);
	}
}

void
engine_fault(struct engine *e, int idx, int faulted, const char *error)
{
	struct event ev;

	/* In step with the other events, which carry the data's time. */
	event_init(&ev, faulted ? EVENT_SENSOR_FAULT : EVENT_SENSOR_OK,
	    isnan(e->data_now) ? e->clock.wall : e->data_now,
	    e->ec.src[idx].name);
	snprintf(ev.text, sizeof(ev.text), "%s", error);
	/* A thermometer in fault has no current reading. */
	e->seen[idx].faulted = faulted;
	emit(e, &ev);
	/* A leg sensor gone spoils a test that runs. */
	if (faulted && e->ec.src[idx].kind != SOURCE_TEMP)
		pipeline_sit_fault(e->pl, ev.time);
}

void
engine_sensor_problem(struct engine *e, int problem)
{
	if (problem != e->sensor_problem)
		e->state_dirty = 1;
	e->sensor_problem = problem;
}

void
engine_advance(struct engine *e, const struct engine_clock *c)
{
	e->clock = *c;
	if (e->ec.replay || e->finished)
		return;
	if (isnan(e->data_now) || c->data > e->data_now)
		e->data_now = c->data;
	pipeline_tick(e->pl, e->data_now);
	watch_night(e);
}

void
engine_tick(struct engine *e, const struct engine_clock *c)
{
	struct hydration_reminder r;
	struct hydration_clock hc;
	int f;

	engine_advance(e, c);
	if (!e->ec.replay && !e->finished) {
		/* Once true, it stays: NTP out of reach leaves a good clock. */
		if (!e->clock_synced && (e->clock_synced = c->synced))
			log_info("the clock is synchronised: reminders by the "
			    "time of day begin");
		hydration_clock(e, &hc);
		f = hydration_tick(&e->hyd, &hc, &r);
		if (f & HYDRATION_FIRED)
			on_reminder(e, &r, hc.wall);
		hydration_done(e, f);
	}
	save_due(e);
	if (c->mono >= e->cmds_said + CMD_SAY_S) {
		unsigned long n = ratelimit_refused(&e->cmds);

		if (n > 0) {
			log_warn("commands come faster than one a second: %lu "
			    "ignored", n);
			e->cmds_said = c->mono;
		}
	}
	/* What the disk refused, tried again; said now and then. */
	if (e->have_outbox)
		(void)outbox_retry(&e->ob, c->mono);
	watch_temperatures(e);
	if (e->mqtt != NULL) {
		if (e->state_dirty) {
			mqtt_state_changed(e->mqtt);
			e->state_dirty = 0;
		}
		mqtt_tick(e->mqtt, c->mono);
	}
	update_outputs(e, c->mono);
}

void
engine_finish(struct engine *e)
{
	const char *slow;

	if (e->finished)
		return;
	pipeline_finish(e->pl);
	e->finished = 1;
	e->state_dirty = 1;
	if ((slow = pipeline_too_slow(e->pl)) != NULL)
		log_warn("%s: the samples are too far apart to see leg "
		    "movements (at least %.0f a second are needed)", slow,
		    4 / e->conf->leg.move.window_s);
}

int
engine_drained(const struct engine *e)
{
	return e->mqtt == NULL || mqtt_drained(e->mqtt);
}

int
engine_failed(const struct engine *e)
{
	return e->failed;
}

double
engine_decision_due(const struct engine *e)
{
	return pipeline_decision_due(e->pl);
}

int
engine_pollfds(const struct engine *e, struct pollfd *pfd, int max)
{
	int n = 0;

	if (e->mqtt != NULL && mqtt_fd(e->mqtt) >= 0 && n < max)
		pfd[n++] = (struct pollfd){ mqtt_fd(e->mqtt), POLLIN |
		    (mqtt_want_write(e->mqtt) ? POLLOUT : 0), 0 };
	if (e->button != NULL && n < max)
		pfd[n++] = (struct pollfd){ gpio_fd(e->button), POLLIN, 0 };
	return n;
}

void
engine_service(struct engine *e, const struct pollfd *pfd, int n,
    const struct engine_clock *c)
{
	double mono = c->mono;
	int i;

	e->clock = *c;
	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (e->button != NULL && pfd[i].fd == gpio_fd(e->button))
			read_button(e);
		else if (e->mqtt != NULL && pfd[i].fd == mqtt_fd(e->mqtt)) {
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				mqtt_readable(e->mqtt, mono);
			if (e->mqtt != NULL && mqtt_fd(e->mqtt) >= 0 &&
			    (pfd[i].revents & POLLOUT))
				mqtt_writable(e->mqtt, mono);
		}
	}
	/* A reconnect may be due before the next tick. */
	if (e->mqtt != NULL && mqtt_next_tick(e->mqtt) > 0 &&
	    mono >= mqtt_next_tick(e->mqtt))
		mqtt_tick(e->mqtt, mono);
	if (e->button_retry > 0 && mono >= e->button_retry)
		open_button(e);
	if (button_poll(&e->btn, mono) == BUTTON_LONG)
		acknowledge(e, 1, "the button held");
	update_outputs(e, mono);
}

double
engine_next_wake(const struct engine *e, double mono)
{
	double wake = INFINITY, t;

	if (mono < e->lamp_test_until)
		wake = e->lamp_test_until;
	if (mono < e->flash_until && e->flash_until < wake)
		wake = e->flash_until;
	if ((t = button_deadline(&e->btn)) < wake)
		wake = t;
	if (e->button_retry > 0 && e->button_retry < wake)
		wake = e->button_retry;
	if ((t = beeper_deadline(&e->beep)) < wake)
		wake = t;
	if (e->mqtt != NULL && (t = mqtt_next_tick(e->mqtt)) > 0 && t < wake)
		wake = t;
	return wake;
}

/* Whether a part of the configuration the running engine holds changed. */
#define DIFFERS(a, b, field)	\
	(memcmp(&(a)->field, &(b)->field, sizeof((a)->field)) != 0)

static int
sensors_differ(const struct config *a, const struct config *b)
{
	int i;

	if (a->nsensors != b->nsensors)
		return 1;
	for (i = 0; i < a->nsensors; i++) {
		struct sensor_conf x = a->sensors[i], y = b->sensors[i];

		/*
		 * Where it was written is not a change to it.  config_load
		 * zeroes the struct, padding included, before it fills it in.
		 */
		x.line = y.line = 0;
		/* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
		if (memcmp(&x, &y, sizeof(x)) != 0)
			return 1;
	}
	return 0;
}

void
engine_reload(struct engine *e, struct config *next)
{
	int mqtt_changed, kept;

	/*
	 * The sensors, their detection and the output lines stay as they
	 * are: the running drivers and detectors hold on to them.  Whole-
	 * struct compares are exact: config_load zeroes the struct, padding
	 * included, before it fills it in.
	 */
	/* NOLINTBEGIN(bugprone-suspicious-memory-comparison) */
	kept = sensors_differ(next, e->conf) ||
	    DIFFERS(next, e->conf, outputs) || DIFFERS(next, e->conf, leg) ||
	    DIFFERS(next, e->conf, mattress) || DIFFERS(next, e->conf, plm) ||
	    DIFFERS(next, e->conf, motion) ||
	    DIFFERS(next, e->conf, state_dir);
	/* NOLINTEND(bugprone-suspicious-memory-comparison) */
	memcpy(next->sensors, e->conf->sensors, sizeof(next->sensors));
	next->nsensors = e->conf->nsensors;
	next->outputs = e->conf->outputs;
	next->leg = e->conf->leg;
	next->mattress = e->conf->mattress;
	next->plm = e->conf->plm;
	next->motion = e->conf->motion;
	memcpy(next->state_dir, e->conf->state_dir, sizeof(next->state_dir));
	if (kept)
		log_notice("reload: changes to sensors, outputs, detection and "
		    "storage take effect at the next start (systemctl restart "
		    "legwatchd)");
	/* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison) */
	mqtt_changed = DIFFERS(next, e->conf, mqtt) ||
	    strcmp(next->device_id, e->conf->device_id) != 0;
	if (mqtt_changed && e->ec.use_mqtt && next->mqtt.enabled) {
		/* The new client first: a bad file keeps the old one. */
		struct mqtt *fresh;

		if ((!e->have_outbox && open_outbox(e, next->state_dir) ==
		    -1) || (fresh = new_client(e, next)) == NULL) {
			log_err("reload refused, the running configuration "
			    "stays");
			return;
		}
		if (e->mqtt != NULL) {
			mqtt_shutdown(e->mqtt);
			mqtt_free(e->mqtt);
		}
		e->mqtt = fresh;
	} else if (mqtt_changed && e->mqtt != NULL) {
		mqtt_shutdown(e->mqtt);
		mqtt_free(e->mqtt);
		e->mqtt = NULL;
	}
	*e->conf = *next;
	hydration_set_params(&e->hyd, &e->conf->hydration);
	pipeline_set_night(e->pl, e->conf->night_start_min,
	    e->conf->night_end_min);
	if (e->mqtt != NULL)
		mqtt_set_conf(e->mqtt, e->conf);
	log_notice("configuration reloaded from %s", e->conf->path);
}

int
engine_nights(const struct engine *e)
{
	return e->nights;
}

const struct engine_night *
engine_night(const struct engine *e, int i)
{
	return &e->night[i % ENGINE_NIGHTS_KEPT];
}

static int
write_picture(const void *arg, FILE *f)
{
	return report_write(arg, f);
}

int
engine_close(struct engine *e, int ok)
{
	int rc = 0;

	if (ok && e->failed)
		rc = EX_IOERR;
	/* The picture before the events go into place: both or none. */
	if (ok && rc == 0 && e->ec.report_path != NULL)
		rc = pending_finish(&e->picture, "cannot write the report",
		    write_picture, e->report);
	if (e->edf != NULL) {
		char err[PATH_MAX + 256];
		struct edf *edf = e->edf;

		e->edf = NULL;
		if (!ok || rc != 0)
			edf_discard(edf);
		else if (edf_close(edf, err, sizeof(err)) == -1) {
			log_err("--edf: %s", err);
			rc = EX_IOERR;
		}
	}
	if (ok && rc == 0 && e->ec.hold_events && e->events != NULL &&
	    (rc = pending_finish(&e->held, "cannot write events", NULL,
	    NULL)) == 0 && pending_commit(&e->held) == -1)
		rc = EX_IOERR;
	if (ok && rc == 0 && e->ec.report_path != NULL &&
	    pending_commit(&e->picture) == -1)
		rc = EX_IOERR;
	if (e->ec.hold_events)
		e->events = NULL;
	pending_discard(&e->held);
	pending_discard(&e->picture);
	if (e->events != NULL && e->events != stdout &&
	    fclose(e->events) == EOF && ok && rc == 0) {
		log_err("%s: cannot write events: %s", e->ec.events_path,
		    strerror(errno));
		rc = EX_IOERR;
	}
	e->events = NULL;
	/* A change not saved yet, saved now. */
	if (e->hyd_save.due)
		save_hydration(e);
	/*
	 * The broker's last words, then the outbox: what the disk refused so
	 * far is written if it can be, or said lost, and the exit says so.
	 */
	if (e->mqtt != NULL) {
		mqtt_shutdown(e->mqtt);
		mqtt_free(e->mqtt);
		e->mqtt = NULL;
	}
	if (e->have_outbox) {
		e->have_outbox = 0;
		if (outbox_close(&e->ob) == -1 && rc == 0)
			rc = EX_IOERR;
	}
	e->closed = 1;
	return rc;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	if (!e->closed)
		(void)engine_close(e, 0);
	if (e->led != NULL) {
		set_output(e->led, 0, "outputs.led_line");
		gpio_release(e->led);
	}
	if (e->buzzer != NULL) {
		set_output(e->buzzer, 0, "outputs.buzzer_line");
		gpio_release(e->buzzer);
	}
	gpio_release(e->button);
	/* engine_close() let go of the broker and the outbox. */
	statedir_close(&e->sd);
	pipeline_free(e->pl);
	report_free(e->report);
	report_free(e->nightly);
	edf_discard(e->edf);
	edf_discard(e->nightly_edf);
	free(e->seen);
	free(e);
}
