/*
 * legwatchd: the command line (docs/design.md 3.3).  It reads the options
 * and the configuration, says which sources feed the engine (recordings,
 * design.md 3.1, or the configured sensors), and runs the loop.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <sysexits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "log.h"
#include "engine.h"
#include "loop.h"
#include "mqtt.h"
#include "pipeline.h"
#include "worker.h"
#include "sensors/replay.h"
#include "sensors/sensor.h"

#ifndef LEGWATCH_VERSION
#define LEGWATCH_VERSION "0"
#endif

#define DEFAULT_CONFIG	"/etc/legwatch/legwatchd.conf"
#define MAX_REPLAYS	REPLAY_MAX


struct options {
	const char	*config_path;
	int		 check_config;
	const char	*replays[MAX_REPLAYS];
	/* The configured replay sensor each file plays, if any. */
	const struct sensor_conf *sensor[MAX_REPLAYS];
	int		 nreplays;
	double		 speed;
	const char	*events_path;
	const char	*record_path;
	const char	*report_path;
	const char	*edf_path;
	int		 sit_minute;	/* --sit HH:MM; -1 none */
	int		 verbosity;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: legwatchd [-c FILE] [--check-config] [--replay FILE]... [--speed X]\n"
"                 [--events FILE|-] [--report FILE|-] [--edf FILE]\n"
"                 [--record FILE] [--sit HH:MM] [-v|-q] [--version] [--help]\n"
"\n"
"  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
"      --check-config  check the configuration, report, and exit\n"
"      --replay FILE   analyse a recording instead of live sensors; repeat\n"
"                      for several sensors (t,ax,ay,az / t,motion / t,temp_c)\n"
"      --speed X       replay at X times real time (default: as fast as it can)\n"
"      --events FILE   write events as JSON lines to FILE (- for stdout)\n"
"      --report FILE   draw what the run analysed as one SVG picture: the\n"
"                      movements, PLM series, cramps, temperature and the\n"
"                      figures of every night window in them (- for stdout)\n"
"      --edf FILE      write what the run analysed as EDF+, as a sleep clinic\n"
"                      reads it: the sensors' signals, the events annotated\n"
"      --record FILE   write live samples to FILE in the recording format\n"
"      --sit HH:MM     score a suggested immobilization test starting at\n"
"                      that local time of the replayed recordings\n"
"  -v, --verbose       more log detail (repeat for debug)\n"
"  -q, --quiet         errors only\n"
"      --version       print the version\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 ok, 64 usage, 65 bad input data, 66 input missing,\n"
"72 legwatchd-live missing, 73 cannot create an output file, 74 cannot\n"
"write it, 78 bad configuration.\n");
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_CHECK = 256, OPT_REPLAY, OPT_SPEED, OPT_EVENTS, OPT_RECORD,
	    OPT_REPORT, OPT_EDF, OPT_SIT, OPT_VERSION };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "replay", required_argument, NULL, OPT_REPLAY },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "events", required_argument, NULL, OPT_EVENTS },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "edf", required_argument, NULL, OPT_EDF },
		{ "sit", required_argument, NULL, OPT_SIT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->sit_minute = -1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config_path = optarg;
			break;
		case OPT_CHECK:
			o->check_config = 1;
			break;
		case OPT_REPLAY:
			if (o->nreplays == MAX_REPLAYS) {
				log_err("at most %d --replay files", MAX_REPLAYS);
				return -1;
			}
			o->replays[o->nreplays++] = optarg;
			break;
		case OPT_SPEED:
			errno = 0;
			o->speed = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    !(o->speed >= 0.001 && o->speed <= 1e6)) {
				log_err("--speed: '%s' is not a factor from 0.001 "
				    "to 1000000", optarg);
				return -1;
			}
			break;
		case OPT_EVENTS:
			o->events_path = optarg;
			break;
		case OPT_RECORD:
			o->record_path = optarg;
			break;
		case OPT_REPORT:
			o->report_path = optarg;
			break;
		case OPT_EDF:
			o->edf_path = optarg;
			break;
		case OPT_SIT:
			if (config_parse_clock(optarg, &o->sit_minute) == -1) {
				log_err("--sit: '%s' is not a local time HH:MM "
				    "(00:00 to 23:59)", optarg);
				return -1;
			}
			break;
		case 'v':
			o->verbosity++;
			break;
		case 'q':
			o->verbosity = -1;
			break;
		case OPT_VERSION:
			printf("legwatchd %s\n", LEGWATCH_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			log_err("%s needs an argument", argv[optind - 1]);
			return -1;
		default:
			if (optopt != 0)
				log_err("unknown option '-%c'", optopt);
			else
				log_err("unknown option '%s'",
				    argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (o->speed > 0 && o->nreplays == 0) {
		log_err("--speed goes with --replay");
		return -1;
	}
	if (o->sit_minute >= 0 && o->nreplays == 0) {
		log_err("--sit goes with --replay (live: the sit START "
		    "command)");
		return -1;
	}
	if (o->edf_path != NULL && strcmp(o->edf_path, "-") == 0) {
		log_err("--edf: an EDF file is written whole at the end, "
		    "not to stdout: name a file");
		return -1;
	}
	if (o->report_path != NULL && o->events_path != NULL &&
	    strcmp(o->report_path, "-") == 0 &&
	    strcmp(o->events_path, "-") == 0) {
		log_err("--report - and --events - cannot both go to stdout");
		return -1;
	}
	return 0;
}

static void
local_clock(char *buf, size_t bufsz, double t, int with_date)
{
	time_t secs = (time_t)floor(t);
	struct tm tm;

	if (localtime_r(&secs, &tm) == NULL)
		snprintf(buf, bufsz, "?");
	else
		strftime(buf, bufsz, with_date ? "%Y-%m-%d %H:%M" : "%H:%M",
		    &tm);
}

static void
print_night(const struct engine_night *t)
{
	const struct night_figures *n = &t->summary.night;
	char from[32], to[32], at[16];
	int i;

	local_clock(from, sizeof(from), t->summary.start, 1);
	local_clock(to, sizeof(to), t->summary.end, 0);
	fprintf(stderr, "  recorded          %s to %s (%.1f h, %.1f h in bed)\n",
	    from, to, n->hours, n->hours_in_bed);
	fprintf(stderr, "  leg movements     %d\n", n->lm_count);
	fprintf(stderr, "  periodic (PLM)    %d in %d series\n", n->plm_count,
	    n->plm_series);
	fprintf(stderr, "  PLM index         %.1f per hour in bed (%s)\n",
	    n->plm_index, n->plm_index > 15 ? "above 15: clinically "
	    "significant for an adult" : n->plm_index > 5 ? "5 to 15: "
	    "raised" : "below 5: normal");
	fprintf(stderr, "  cramps            %d", n->cramp_count);
	for (i = 0; i < t->ncramps; i++) {
		local_clock(at, sizeof(at), t->cramp_start[i], 0);
		fprintf(stderr, "%s %s (%.0f min %02.0f s)", i ? "," : " at",
		    at, floor(t->cramp_len[i] / 60),
		    fmod(floor(t->cramp_len[i]), 60));
	}
	fprintf(stderr, "\n  body movements    %d (long turns, out of bed)\n",
	    n->body_count);
	if (!isnan(n->temp_min_c))
		fprintf(stderr, "  bedroom           %.1f to %.1f C\n",
		    n->temp_min_c, n->temp_max_c);
}

/* What a person reads after a replay: the figures and what they mean. */
static void
print_summary(const struct engine *e, const char *what)
{
	int i, nights = engine_nights(e), first = nights > ENGINE_NIGHTS_KEPT ?
	    nights - ENGINE_NIGHTS_KEPT : 0;

	if (nights == 0 || log_level() < LOG_LVL_NOTICE)
		return;
	fprintf(stderr, "\nNight summary for %s\n", what);
	if (nights > 1)
		fprintf(stderr, "The recording runs past the end of the night "
		    "window (night.end): one summary each.\n");
	for (i = first; i < nights; i++) {
		if (nights > 1)
			fprintf(stderr, "%d of %d:\n", i + 1, nights);
		print_night(engine_night(e, i));
	}
	fprintf(stderr, "One night says little: the trend over nights "
	    "matters more.  Not a medical device.\n");
}

static const struct sensor_conf *
find_sensor(const struct config *conf, const char *name)
{
	int i;

	for (i = 0; i < conf->nsensors; i++)
		if (strcmp(conf->sensors[i].name, name) == 0)
			return &conf->sensors[i];
	return NULL;
}

/* One source of detection: its kind, and its sensor's settings (or none). */
static void
set_source(struct source_conf *src, const char *name, enum recording_kind kind,
    const struct config *conf, const struct sensor_conf *sc)
{
	src->name = name;
	src->kind = kind == REC_ACCEL ? SOURCE_ACCEL :
	    kind == REC_MOTION ? SOURCE_MOTION : SOURCE_TEMP;
	config_leg_params(conf, sc, &src->leg);
	config_motion_params(conf, &src->motion);
}

/* Each recording is a source; a configured sensor of its name sets it up. */
static void
describe_sources(struct replay_set *rs, const struct options *o,
    const struct config *conf, struct source_conf *src)
{
	int i;

	for (i = 0; i < rs->n; i++) {
		const struct sensor_conf *sc = o->sensor[i];

		if (sc != NULL)
			snprintf(rs->name[i], sizeof(rs->name[i]), "%s",
			    sc->name);
		else
			sc = find_sensor(conf, rs->name[i]);
		enum recording_kind kind = rs->rec[i].kind;

		set_source(&src[i], rs->name[i], kind, conf, sc);
		log_info("%s: %s recording as sensor '%s'%s",
		    rs->rec[i].path, recording_header(kind), rs->name[i],
		    sc && sc->mount == MOUNT_MATTRESS ? " (mattress)" : "");
	}
}

/* "ankle.csv, bedroom.csv": the files' names, not where they live. */
static void
file_names(char *buf, size_t bufsz, const struct options *o, int base)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < o->nreplays && len < bufsz; i++) {
		const char *slash = strrchr(o->replays[i], '/');

		len += (size_t)snprintf(buf + len, bufsz - len, "%s%s",
		    i ? ", " : "", base && slash != NULL && slash[1] != '\0' ?
		    slash + 1 : o->replays[i]);
	}
}

/*
 * Whether the run may talk to a broker: the sensors live, or a paced
 * replay with a configuration standing in for them.  Not only when MQTT
 * is on now: a reload can turn it on.
 */
static int
uses_broker(const struct options *o, int replay)
{
	return !replay || (o->speed > 0 && o->config_path != NULL);
}

/*
 * legwatchd is linked without MQTT, so that offline analysis loads
 * neither libmosquitto nor the TLS libraries under it, a third of its
 * memory (design.md 2.4).  A run that may talk to a broker goes on in
 * legwatchd-live, installed beside it, with the same arguments in the
 * same process (systemd's pid, the signals).  Returns only on failure,
 * with the exit status, or 0 where this is legwatchd-live.
 */
static int
exec_live(char **argv)
{
	char self[PATH_MAX], live[PATH_MAX + sizeof("/legwatchd-live")];
	const char *slash;
	ssize_t n;

	if (mqtt_linked())
		return 0;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1) {
		log_err("/proc/self/exe: %s: cannot find legwatchd-live, "
		    "which a run with MQTT needs", strerror(errno));
		return EX_OSFILE;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	(void)snprintf(live, sizeof(live), "%.*s/legwatchd-live",
	    slash != NULL ? (int)(slash - self) : 0, self);
	log_flush();
	execv(live, argv);
	log_err("%s: %s: a run with MQTT needs it beside legwatchd", live,
	    strerror(errno));
	return EX_OSFILE;
}

static void
worker_woke(void *ctx)
{
	(void)ctx;
	worker_readable();
}

/*
 * One engine, fed by a replay (rs) or the configured sensors (rs NULL)
 * through the loop.  A fast replay holds its events until all the input
 * proved good; stopped by a signal it leaves nothing behind and dies of
 * that signal.
 */
static int
run(const struct options *o, struct config *conf, struct replay_set *rs,
    const struct source_conf *src, int nsrc)
{
	struct engine_conf ec;
	struct loop_conf lc;
	struct engine_clock now;
	struct engine *e;
	char files[512], what[512];
	int rc, crc, signo, fast = rs != NULL && o->speed <= 0;

	file_names(files, sizeof(files), o, 1);
	memset(&ec, 0, sizeof(ec));
	ec.conf = conf;
	ec.src = src;
	ec.nsrc = nsrc;
	ec.replay = rs != NULL;
	ec.events_path = o->events_path;
	ec.hold_events = fast;
	ec.report_path = o->report_path;
	ec.report_subtitle = files;
	ec.edf_path = o->edf_path;
	ec.use_mqtt = uses_broker(o, rs != NULL);
	ec.live = rs == NULL;
	ec.sit_at = o->sit_minute >= 0;
	ec.sit_minute = o->sit_minute;
	memset(&lc, 0, sizeof(lc));
	lc.conf = conf;
	lc.rs = rs;
	lc.speed = o->speed;
	lc.record_path = o->record_path;
	/*
	 * The calls that may block go to a worker (a broker's connect, a
	 * thermometer's read, a reload's parse); the loop hears them back.
	 */
	if (!fast && worker_fd() >= 0)
		lc.fds[lc.nfds++] = (struct loop_fd){ worker_fd(), worker_woke,
		    NULL };

	loop_clock(&now);
	if ((e = engine_new(&ec, &now, &rc)) == NULL)
		return rc;
	/*
	 * Reading and parsing on another core, if there is one; a paced
	 * replay reads as it goes, waking no thread between its batches.
	 */
	if (fast)
		(void)replay_read_ahead(rs);
	lc.engine = e;
	rc = loop_run(&lc, &signo);
	crc = engine_close(e, rc == 0 && !(fast && signo != 0));
	if (rc == 0)
		rc = crc;
	if (rc == 0 && rs != NULL && signo == 0) {
		file_names(what, sizeof(what), o, 0);
		print_summary(e, what);
	}
	engine_free(e);
	log_flush();
	if (fast && signo != 0) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, signo);
		signal(signo, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(signo);
	}
	return rc;
}

static void
report_config(const struct config *conf)
{
	int i;

	printf("%s: ok\n", conf->path);
	printf("device %s (\"%s\"), %d sensor%s\n", conf->device_id,
	    conf->device_name, conf->nsensors, conf->nsensors == 1 ? "" : "s");
	for (i = 0; i < conf->nsensors; i++) {
		const struct replay_settings *rp = config_replay(&conf->sensors[i]);

		printf("  %-12s %s%s%s\n", conf->sensors[i].name,
		    conf->sensors[i].type->name, rp ? " " : "",
		    rp ? rp->file : "");
	}
	if (conf->mqtt.enabled)
		printf("mqtt %s:%d, topics under %s/%s\n", conf->mqtt.host,
		    conf->mqtt.port, conf->mqtt.base_topic, conf->device_id);
	else
		printf("mqtt off\n");
}

/* How many of the configured sensors are hardware (not replay). */
static int
count_hardware(const struct config *conf)
{
	int i, n = 0;

	for (i = 0; i < conf->nsensors; i++)
		n += config_replay(&conf->sensors[i]) == NULL;
	return n;
}

/*
 * What a run from the configuration alone (no --replay) needs beyond a
 * file without mistakes; --check-config says the same.  0, or EX_CONFIG
 * after saying what is wrong.
 */
static int
check_runnable(const struct options *o, const struct config *conf)
{
	int hw = count_hardware(conf);

	if (o->nreplays > 0)
		return 0;
	if (conf->nsensors == 0) {
		log_err("%s: no sensors configured", conf->path);
		return EX_CONFIG;
	}
	if (hw > 0 && hw < conf->nsensors) {
		log_err("%s: replay sensors and hardware sensors cannot be "
		    "mixed", conf->path);
		return EX_CONFIG;
	}
	return 0;
}

/* Configured replay sensors play like --replay files. */
static int
replays_from_config(struct options *o, const struct config *conf)
{
	int i;

	for (i = 0; i < conf->nsensors; i++) {
		const struct replay_settings *rp = config_replay(&conf->sensors[i]);

		o->sensor[o->nreplays] = &conf->sensors[i];
		o->replays[o->nreplays++] = rp->file;
		if (rp->speed > 0)
			o->speed = rp->speed;
	}
	if (o->nreplays == 0) {
		log_err("%s: no sensors configured", conf->path);
		return -1;
	}
	return 0;
}

/* The configured hardware sensors, live. */
static int
run_sensors(const struct options *o, struct config *conf)
{
	struct source_conf src[CONFIG_MAX_SENSORS];
	int i;

	for (i = 0; i < conf->nsensors; i++) {
		const struct sensor_conf *sc = &conf->sensors[i];
		const struct sensor_ops *ops;

		if ((ops = sc->type->ops) == NULL) {
			log_err("%s:%d: sensors.%s: this build has no %s "
			    "driver", conf->path, sc->line, sc->name,
			    sc->type->name);
			return EX_CONFIG;
		}
		set_source(&src[i], sc->name, ops->kind, conf, sc);
	}
	return run(o, conf, NULL, src, conf->nsensors);
}

int
main(int argc, char **argv)
{
	static struct config conf;
	static struct replay_set rs;
	struct source_conf src[REPLAY_MAX];
	struct options o;
	int missing, rc, hw;
	char err[CONFIG_ERR_MAX];
	int level;

	/*
	 * Before anything else: systemd may stop or reload the daemon
	 * while it sets up, and the loop answers that cleanly.
	 */
	(void)loop_hold_signals(1);
	log_init("legwatchd", LOG_LVL_NOTICE);
	if (parse_args(argc, argv, &o) == -1) {
		fprintf(stderr, "Try 'legwatchd --help'.\n");
		return EX_USAGE;
	}
	level = o.verbosity < 0 ? LOG_LVL_ERR : LOG_LVL_NOTICE + o.verbosity;
	log_init("legwatchd", level > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : level);

	if (o.config_path == NULL && (o.check_config || o.nreplays == 0))
		o.config_path = DEFAULT_CONFIG;
	if (o.config_path != NULL) {
		if (config_load(&conf, o.config_path, err, sizeof(err)) == -1) {
			log_err("%s", err);
			return EX_CONFIG;
		}
	} else
		config_defaults(&conf);
	if ((rc = check_runnable(&o, &conf)) != 0)
		return rc;
	if (o.check_config) {
		report_config(&conf);
		return 0;
	}
	if (o.nreplays == 0 && (hw = count_hardware(&conf)) > 0) {
		if (hw < conf.nsensors) {
			log_err("%s: replay sensors and hardware sensors cannot "
			    "be mixed", conf.path);
			return EX_CONFIG;
		}
		if ((rc = exec_live(argv)) != 0)
			return rc;
		return run_sensors(&o, &conf);
	}
	if (o.record_path != NULL) {
		log_err("--record: recording needs hardware sensors in the "
		    "configuration; a replay is a recording already");
		return EX_USAGE;
	}
	if (o.nreplays == 0 && replays_from_config(&o, &conf) == -1)
		return EX_CONFIG;
	if (uses_broker(&o, 1) && (rc = exec_live(argv)) != 0)
		return rc;
	/*
	 * Offline, an interrupt ends the run there and then, leaving
	 * nothing (run()), also while a file on a pipe keeps it waiting.
	 */
	if (o.speed <= 0)
		(void)loop_hold_signals(0);
	if (replay_open(&rs, o.replays, o.nreplays, &missing) == -1) {
		log_err("%s", rs.error);
		return missing ? EX_NOINPUT : EX_DATAERR;
	}
	describe_sources(&rs, &o, &conf, src);
	rc = run(&o, &conf, &rs, src, rs.n);
	replay_close(&rs);
	return rc;
}
