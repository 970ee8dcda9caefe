/*
 * legwatchd: command line and wiring.  Recordings (DESIGN 3.1) are merged
 * by time and fed through the detection pipeline; events go to the sinks.
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
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "hydration.h"
#include "log.h"
#include "live.h"
#include "pipeline.h"
#include "report.h"
#include "../sensors/replay.h"
#include "../sensors/sensor.h"

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
	int		 verbosity;
};

/* What the night looked like, for the readable summary. */
/* One night, for the readable summary. */
struct tally {
	struct event	summary;
	int		body;
	int		cramps;
	double		cramp_start[8];
	double		cramp_len[8];
};

#define NIGHTS_SHOWN	14

struct sink {
	FILE		*out;		/* events, or the spool for them */
	int		 failed;
	struct tally	 night[NIGHTS_SHOWN];	/* the last ones */
	int		 nights;		/* summaries so far */
	struct tally	 tally;			/* the night going on */
	struct hydration hyd;			/* the recording's day */
	struct report	*report;		/* --report, or NULL */
};

/*
 * Where the report goes: a temporary file beside it, renamed into place
 * when the replay succeeded; stdout for "-"; a device or a FIFO written
 * to directly, at the end.
 */
struct report_out {
	const char	*path;
	char		 tmp[PATH_MAX];	/* "" when written directly */
	FILE		*f;		/* NULL: opened at the end */
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: legwatchd [-c FILE] [--check-config] [--replay FILE]... [--speed X]\n"
"                 [--events FILE|-] [--report FILE|-] [--record FILE] [-v|-q]\n"
"                 [--version] [--help]\n"
"\n"
"  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
"      --check-config  check the configuration, report, and exit\n"
"      --replay FILE   analyse a recording instead of live sensors; repeat\n"
"                      for several sensors (t,ax,ay,az / t,motion / t,temp_c)\n"
"      --speed X       replay at X times real time (default: as fast as it can)\n"
"      --events FILE   write events as JSON lines to FILE (- for stdout)\n"
"      --report FILE   draw the replayed recordings as one SVG picture: the\n"
"                      movements, PLM series, cramps, temperature and the\n"
"                      figures of every night window in them (- for stdout)\n"
"      --record FILE   write live samples to FILE in the recording format\n"
"  -v, --verbose       more log detail (repeat for debug)\n"
"  -q, --quiet         errors only\n"
"      --version       print the version\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 ok, 64 usage, 65 bad input data, 66 input missing,\n"
"73 cannot create an output file, 74 cannot write it, 78 bad configuration.\n");
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_CHECK = 256, OPT_REPLAY, OPT_SPEED, OPT_EVENTS, OPT_RECORD,
	    OPT_REPORT, OPT_VERSION };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "replay", required_argument, NULL, OPT_REPLAY },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "events", required_argument, NULL, OPT_EVENTS },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
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
	if (o->report_path != NULL && o->speed > 0) {
		log_err("--report: a report of a paced replay (--speed) is not "
		    "supported yet; leave out --speed");
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
sink_event(void *ctx, const struct event *ev)
{
	struct sink *sk = ctx;
	struct tally *t = &sk->tally;
	char *json;

	/* What it cannot keep (memory) the picture itself says. */
	if (sk->report != NULL)
		(void)report_event(sk->report, ev);
	switch (ev->type) {
	case EVENT_BODY_MOVEMENT:
		t->body++;
		break;
	case EVENT_CRAMP:
		hydration_cramp(&sk->hyd);
		if (t->cramps < 8) {
			t->cramp_start[t->cramps] = ev->start;
			t->cramp_len[t->cramps] = ev->end - ev->start;
		}
		t->cramps++;
		break;
	case EVENT_NIGHT_SUMMARY:
		t->summary = *ev;
		sk->night[sk->nights++ % NIGHTS_SHOWN] = *t;
		memset(t, 0, sizeof(*t));
		break;
	default:
		break;
	}
	if (sk->out == NULL || sk->failed)
		return;
	if ((json = event_to_json(ev)) == NULL) {
		log_err("cannot format a %s event", event_type_name(ev->type));
		sk->failed = 1;
		return;
	}
	if (fputs(json, sk->out) == EOF || fputc('\n', sk->out) == EOF)
		sk->failed = 1;
	free(json);
}

static void
sink_reminder(void *ctx, const struct hydration_reminder *r, double wall)
{
	struct event ev;

	hydration_event(r, wall, &ev);
	sink_event(ctx, &ev);
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
print_night(const struct tally *t)
{
	const struct night_figures *n = &t->summary.night;
	char from[32], to[32], at[16];
	int i;

	local_clock(from, sizeof(from), t->summary.start, 1);
	local_clock(to, sizeof(to), t->summary.end, 0);
	fprintf(stderr, "  recorded          %s to %s (%.1f h)\n", from, to,
	    n->hours);
	fprintf(stderr, "  leg movements     %d\n", n->lm_count);
	fprintf(stderr, "  periodic (PLM)    %d in %d series\n", n->plm_count,
	    n->plm_series);
	fprintf(stderr, "  PLM index         %.1f per hour (%s)\n",
	    n->plm_index, n->plm_index > 15 ? "above 15: clinically "
	    "significant for an adult" : n->plm_index > 5 ? "5 to 15: "
	    "raised" : "below 5: normal");
	fprintf(stderr, "  cramps            %d", n->cramp_count);
	for (i = 0; i < t->cramps && i < 8; i++) {
		local_clock(at, sizeof(at), t->cramp_start[i], 0);
		fprintf(stderr, "%s %s (%.0f min %02.0f s)", i ? "," : " at",
		    at, floor(t->cramp_len[i] / 60),
		    fmod(floor(t->cramp_len[i]), 60));
	}
	fprintf(stderr, "\n  body movements    %d (turning over, getting up)\n",
	    t->body);
	if (!isnan(n->temp_min_c))
		fprintf(stderr, "  bedroom           %.1f to %.1f C\n",
		    n->temp_min_c, n->temp_max_c);
}

/* What a person reads after a replay: the figures and what they mean. */
static void
print_summary(const struct sink *sk, const char *what)
{
	int i, first = sk->nights > NIGHTS_SHOWN ? sk->nights - NIGHTS_SHOWN :
	    0;

	if (sk->nights == 0 || log_level() < LOG_LVL_NOTICE)
		return;
	fprintf(stderr, "\nNight summary for %s\n", what);
	if (sk->nights > 1)
		fprintf(stderr, "The recording runs past the end of the night "
		    "window (night.end): one summary each.\n");
	for (i = first; i < sk->nights; i++) {
		if (sk->nights > 1)
			fprintf(stderr, "%d of %d:\n", i + 1, sk->nights);
		print_night(&sk->night[i % NIGHTS_SHOWN]);
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
 * Opened before the analysis, as the events are, so that a place that
 * cannot be written is said at once and not after a long night.
 */
static int
report_open(struct report_out *ro, const char *path)
{
	struct stat st;
	int fd;

	memset(ro, 0, sizeof(*ro));
	ro->path = path;
	if (strcmp(path, "-") == 0) {
		ro->f = stdout;
		return 0;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		log_err("%s: %s", path, strerror(EISDIR));
		return -1;
	}
	/* A FIFO's open would wait for its reader: that is done at the end. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return 0;
	if ((size_t)snprintf(ro->tmp, sizeof(ro->tmp), "%s.XXXXXX", path) >=
	    sizeof(ro->tmp)) {
		ro->tmp[0] = '\0';
		log_err("%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	if ((fd = mkstemp(ro->tmp)) == -1) {
		ro->tmp[0] = '\0';
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if ((ro->f = fdopen(fd, "w")) == NULL) {
		log_err("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	(void)fchmod(fd, 0644);
	return 0;
}

/* The picture, whole, into its temporary file (or straight out). */
static int
report_save(struct report_out *ro, const struct report *rep)
{
	int special = ro->f == NULL;

	if (special && (ro->f = fopen(ro->path, "w")) == NULL) {
		log_err("%s: %s", ro->path, strerror(errno));
		return EX_CANTCREAT;
	}
	errno = 0;
	if (report_write(rep, ro->f) == -1 ||
	    (ro->tmp[0] != '\0' && fsync(fileno(ro->f)) == -1)) {
		log_err("%s: cannot write the report: %s", ro->path,
		    errno ? strerror(errno) : "output error");
		return EX_IOERR;
	}
	if (ro->f != stdout) {
		FILE *f = ro->f;

		ro->f = NULL;
		if (fclose(f) == EOF) {
			log_err("%s: cannot write the report: %s", ro->path,
			    strerror(errno));
			return EX_IOERR;
		}
	}
	return 0;
}

static int
report_commit(struct report_out *ro)
{
	if (ro->tmp[0] == '\0')
		return 0;
	if (rename(ro->tmp, ro->path) == -1) {
		log_err("%s: cannot write the report: %s", ro->path,
		    strerror(errno));
		return EX_IOERR;
	}
	ro->tmp[0] = '\0';
	return 0;
}

/* Whatever did not succeed leaves nothing behind. */
static void
report_discard(struct report_out *ro)
{
	if (ro->f != NULL && ro->f != stdout)
		fclose(ro->f);
	ro->f = NULL;
	if (ro->tmp[0] != '\0')
		unlink(ro->tmp);
	ro->tmp[0] = '\0';
}

/* "ankle.csv, bedroom.csv": the files' names, not where they live. */
static void
report_subtitle(struct report *rep, const struct options *o)
{
	char buf[512] = "";
	size_t len = 0;
	int i;

	for (i = 0; i < o->nreplays && len < sizeof(buf); i++) {
		const char *slash = strrchr(o->replays[i], '/');

		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    i ? ", " : "", slash != NULL && slash[1] != '\0' ?
		    slash + 1 : o->replays[i]);
	}
	report_set_subtitle(rep, buf);
}

/*
 * As fast as it can: events are spooled and only written once all the
 * input has proved good, so bad input leaves no partial output.
 */
static int
run_replay(const struct options *o, const struct config *conf,
    struct replay_set *rs)
{
	struct source_conf src[REPLAY_MAX];
	struct pipeline *pl = NULL;
	struct sink sk;
	struct report_out ro;
	struct sample smp;
	FILE *dst = NULL;
	char tmp[PATH_MAX] = "";
	const char *slow;
	double last_tick = -INFINITY, hyd_next = NAN;
	struct stat st;
	int idx, r, rc = EX_SOFTWARE, rrc, special = 0;

	memset(&sk, 0, sizeof(sk));
	memset(&ro, 0, sizeof(ro));
	describe_sources(rs, o, conf, src);
	/*
	 * Events go to a temporary file beside the destination, renamed into
	 * place only when all the input proved good: bad input leaves no
	 * partial output, and an unwritable place is known at once.
	 */
	/*
	 * A device or a pipe (/dev/null, a FIFO) is written to, never
	 * renamed over: only a regular file is replaced whole.
	 */
	if (o->events_path != NULL && strcmp(o->events_path, "-") != 0 &&
	    stat(o->events_path, &st) == 0 && !S_ISREG(st.st_mode))
		special = 1;
	if (o->events_path != NULL && strcmp(o->events_path, "-") != 0 &&
	    !special) {
		int fd;

		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX",
		    o->events_path) >= sizeof(tmp) ||
		    (fd = mkstemp(tmp)) == -1 ||
		    (sk.out = fdopen(fd, "w+")) == NULL) {
			log_err("%s: %s", o->events_path, strerror(errno));
			return EX_CANTCREAT;
		}
		(void)fchmod(fd, 0644);
	} else if (o->events_path != NULL && (sk.out = tmpfile()) == NULL) {
		log_err("cannot make a temporary file for events: %s",
		    strerror(errno));
		return EX_CANTCREAT;
	}
	if (o->report_path != NULL) {
		if (report_open(&ro, o->report_path) == -1) {
			rc = EX_CANTCREAT;
			goto done;
		}
		if ((sk.report = report_new()) == NULL) {
			log_err("out of memory");
			goto done;
		}
		report_subtitle(sk.report, o);
	}
	if ((pl = pipeline_new(src, rs->n, &conf->plm, sink_event, &sk)) ==
	    NULL) {
		log_err("out of memory");
		goto done;
	}
	pipeline_set_night(pl, conf->night_start_min, conf->night_end_min);
	hydration_init(&sk.hyd, &conf->hydration);
	while ((r = replay_next(rs, &idx, &smp)) == 1 && !sk.failed) {
		/* The reminders that day would have given, in time order. */
		if (!(smp.t < hyd_next))	/* its next second, or NAN */
			hydration_follow(&sk.hyd, &hyd_next, smp.t,
			    sink_reminder, &sk);
		if (src[idx].kind == SOURCE_TEMP) {
			hydration_temperature(&sk.hyd, idx, smp.t, smp.v[0]);
			if (sk.report != NULL)
				(void)report_temperature(sk.report,
				    rs->name[idx], smp.t, smp.v[0]);
		}
		pipeline_sample(pl, idx, &smp);
		if (!rs->has_next[idx])
			pipeline_source_end(pl, idx);
		if (smp.t - last_tick >= 0.25) {
			pipeline_tick(pl, smp.t);
			last_tick = smp.t;
		}
	}
	if (r == -1) {
		log_err("%s", rs->error);
		rc = EX_DATAERR;
		goto done;
	}
	pipeline_finish(pl);
	if ((slow = pipeline_too_slow(pl)) != NULL)
		log_warn("%s: the samples are too far apart to see leg "
		    "movements (at least %.0f a second are needed)", slow,
		    4 / conf->leg.move.window_s);
	/* Before the events go into place: either both are written or none. */
	if (sk.report != NULL && !sk.failed &&
	    (rrc = report_save(&ro, sk.report)) != 0) {
		rc = rrc;
		goto done;
	}
	if (sk.out != NULL && !sk.failed) {
		if (tmp[0] == '\0') {
			if (!special)
				dst = stdout;
			else if ((dst = fopen(o->events_path, "w")) == NULL) {
				log_err("%s: %s", o->events_path,
				    strerror(errno));
				rc = EX_CANTCREAT;
				goto done;
			}
			if (fflush(sk.out) == EOF ||
			    copy_spool(sk.out, dst) == -1 || fflush(dst) == EOF)
				sk.failed = 1;
			if (special && fclose(dst) == EOF)
				sk.failed = 1;
		} else if (fflush(sk.out) == EOF ||
		    fsync(fileno(sk.out)) == -1 ||
		    rename(tmp, o->events_path) == -1)
			sk.failed = 1;
		else
			tmp[0] = '\0';
	}
	if (sk.failed) {
		log_err("%s: cannot write events: %s", o->events_path,
		    errno ? strerror(errno) : "output error");
		rc = EX_IOERR;
		goto done;
	}
	if ((rrc = report_commit(&ro)) != 0) {
		rc = rrc;
		goto done;
	}
	{
		char what[256] = "";
		size_t len = 0;
		int i;

		for (i = 0; i < o->nreplays && len < sizeof(what); i++)
			len += (size_t)snprintf(what + len, sizeof(what) - len,
			    "%s%s", i ? ", " : "", o->replays[i]);
		print_summary(&sk, what);
	}
	rc = 0;
done:
	pipeline_free(pl);
	report_discard(&ro);
	report_free(sk.report);
	if (sk.out != NULL)
		fclose(sk.out);
	if (tmp[0] != '\0')
		unlink(tmp);
	return rc;
}

static void
report_config(const struct config *conf)
{
	int i;

	printf("%s: ok\n", conf->path);
	printf("device %s (\"%s\"), %d sensor%s\n", conf->device_id,
	    conf->device_name, conf->nsensors, conf->nsensors == 1 ? "" : "s");
	for (i = 0; i < conf->nsensors; i++)
		printf("  %-12s %s%s%s\n", conf->sensors[i].name,
		    sensor_type_name(conf->sensors[i].type),
		    conf->sensors[i].file[0] ? " " : "", conf->sensors[i].file);
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
		n += conf->sensors[i].type != SENSOR_REPLAY;
	return n;
}

/* Configured replay sensors play like --replay files. */
static int
replays_from_config(struct options *o, const struct config *conf)
{
	int i;

	for (i = 0; i < conf->nsensors; i++) {
		o->sensor[o->nreplays] = &conf->sensors[i];
		o->replays[o->nreplays++] = conf->sensors[i].file;
		if (conf->sensors[i].speed > 0)
			o->speed = conf->sensors[i].speed;
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

		if ((ops = sensor_lookup(sensor_type_name(sc->type))) == NULL) {
			log_err("%s:%d: sensors.%s: this build has no %s "
			    "driver", conf->path, sc->line, sc->name,
			    sensor_type_name(sc->type));
			return EX_CONFIG;
		}
		set_source(&src[i], sc->name, ops->kind, conf, sc);
	}
	return live_run(conf, NULL, src, conf->nsensors, o->events_path,
	    o->record_path, 1, 1);
}

int
main(int argc, char **argv)
{
	static struct config conf;
	static struct replay_set rs;
	struct options o;
	int missing, rc, hw;
	char err[CONFIG_ERR_MAX];
	int level;

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
		if (o.report_path != NULL) {
			log_err("--report: a report of a live night is not "
			    "supported yet; it draws a replay (--replay FILE)");
			return EX_USAGE;
		}
		return run_sensors(&o, &conf);
	}
	if (o.record_path != NULL) {
		log_err("--record: recording needs hardware sensors in the "
		    "configuration; a replay is a recording already");
		return EX_USAGE;
	}
	if (o.nreplays == 0 && replays_from_config(&o, &conf) == -1)
		return EX_CONFIG;
	/* A configured replay sensor may be paced: live, in all but name. */
	if (o.report_path != NULL && o.speed > 0) {
		log_err("--report: a report of a paced replay (speed in %s) is "
		    "not supported yet", conf.path);
		return EX_USAGE;
	}
	if (replay_open(&rs, o.replays, o.nreplays, &missing) == -1) {
		log_err("%s", rs.error);
		return missing ? EX_NOINPUT : EX_DATAERR;
	}
	if (o.speed > 0) {
		struct source_conf src[REPLAY_MAX];

		describe_sources(&rs, &o, &conf, src);
		rc = live_run(&conf, &rs, src, rs.n, o.events_path, NULL,
		    o.speed, o.config_path != NULL);
	} else
		rc = run_replay(&o, &conf, &rs);
	replay_close(&rs);
	return rc;
}
