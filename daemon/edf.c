#define _GNU_SOURCE		/* O_TMPFILE */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <edflib.h>

#include "atomicfile.h"
#include "edf.h"

#ifndef LEGWATCH_VERSION
#define LEGWATCH_VERSION "0"
#endif

#define RECORD_S	1	/* data-record length, s */
#define TEMP_HZ		1
#define MOTION_HZ	25
/* Samples further apart than this are a stretch without data. */
#define ACCEL_GAP_S	1.0
#define TEMP_GAP_S	300.0
/* The input rate is judged from the first samples. */
#define RATE_SAMPLES	16
#define ACCEL_RANGE_G	8.0	/* +-: beyond any leg's kick */
#define TEMP_MIN_C	(-40.0)	/* the thermometers' own range */
#define TEMP_MAX_C	85.0
#define DIG_MIN		(-32768)
#define DIG_MAX		32767
#define LABEL_MAX	16	/* EDF's field widths */
/* A week: longer is recordings far apart, whose gap would fill a disk. */
#define SPAN_MAX_S	(7 * 86400.0)
#define ANNOT_SIGNALS_MAX 64	/* EDFlib's */

struct track {
	char		 name[LABEL_MAX + 1];
	enum edf_kind	 kind;
	int		 nch;		/* 3 axes, or 1 */
	int		 rate;		/* output Hz; 0 until judged */
	double		 gap_s;
	double		 pmin, pmax;	/* physical range */
	FILE		*spool;		/* frames of nch int16, from t0 */
	long long	 frames;	/* written */
	int		 have_prev;
	struct sample	 prev;
	struct sample	 first[RATE_SAMPLES];
	int		 nfirst;	/* held until the rate is judged */
};

struct annotation {
	double	start;		/* Unix s */
	double	duration;	/* s, or < 0 */
	char	text[EDF_ANNOTATION_MAX + 1];
};

struct edf {
	int			 dirfd;		/* the target's folder */
	char			 dir[PATH_MAX];	/* for messages */
	char			 name[NAME_MAX + 1];
	char			 equipment[81];
	struct track		*tracks;
	int			 ntracks;
	double			 t0;		/* NAN until the first sample */
	double			 t_end;		/* the last time anything had */
	struct annotation	*annots;
	size_t			 nannots, annots_cap;
	int			 failed;	/* errno of a spool write */
	int			 too_long;	/* past SPAN_MAX_S */
};

int
edf_rate(double hz)
{
	/* The nearest of the rates that fill whole 1 s records. */
	if (!(hz >= 37.5))	/* NAN too */
		return 25;
	return hz < 75 ? 50 : 100;
}

/* ASCII only (EDF's header is Latin-1, names come as UTF-8). */
static void
ascii(char *dst, size_t dstsz, const char *src)
{
	size_t n = 0;

	for (; *src != '\0' && n + 1 < dstsz; src++) {
		unsigned char c = (unsigned char)*src;

		if ((c & 0xc0) == 0x80)
			continue;	/* the rest of a UTF-8 character */
		dst[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[n] = '\0';
}

int
edf_annotation(const struct event *ev, char *buf, size_t bufsz)
{
	char name[EVENT_NAME_MAX];

	ascii(name, sizeof(name), ev->sensor);
	switch (ev->type) {
	case EVENT_LEG_MOVEMENT:
		snprintf(buf, bufsz, "Leg movement %s", name);
		break;
	case EVENT_BODY_MOVEMENT:
		snprintf(buf, bufsz, "Body movement %s", name);
		break;
	case EVENT_PLM_SERIES:
		snprintf(buf, bufsz, "PLM series, %d LMs", ev->count);
		break;
	case EVENT_CRAMP:
		snprintf(buf, bufsz, "Cramp %s", name);
		break;
	case EVENT_HYDRATION_REMINDER:
		snprintf(buf, bufsz, "Drink reminder (%s)", ev->text);
		break;
	case EVENT_SENSOR_FAULT:
		snprintf(buf, bufsz, "Sensor fault %s", name);
		break;
	case EVENT_SENSOR_OK:
		snprintf(buf, bufsz, "Sensor back %s", name);
		break;
	default:
		/* A cramp is annotated whole when it ends; a summary is
		 * the file itself. */
		return 0;
	}
	return 1;
}

static void
annotate(struct edf *e, double start, double duration, const char *text)
{
	struct annotation *a;
	size_t cap;

	if (e->nannots == e->annots_cap) {
		cap = e->annots_cap ? e->annots_cap * 2 : 256;
		if ((a = realloc(e->annots, cap * sizeof(*a))) == NULL) {
			e->failed = ENOMEM;
			return;
		}
		e->annots = a;
		e->annots_cap = cap;
	}
	a = &e->annots[e->nannots++];
	a->start = start;
	a->duration = duration;
	snprintf(a->text, sizeof(a->text), "%s", text);
	if (start + fmax(duration, 0) > e->t_end)
		e->t_end = start + fmax(duration, 0);
}

static void
no_data(struct edf *e, const struct track *tr, double from, double to)
{
	char text[EDF_ANNOTATION_MAX + 1];

	snprintf(text, sizeof(text), "No data %s", tr->name);
	annotate(e, from, to - from, text);
}

static short
digital(const struct track *tr, double v)
{
	double d = (v - tr->pmin) / (tr->pmax - tr->pmin) *
	    ((double)DIG_MAX - DIG_MIN) + DIG_MIN;

	if (!(d >= DIG_MIN))	/* NAN too */
		return DIG_MIN;
	return d > DIG_MAX ? DIG_MAX : (short)lround(d);
}

static void
put_frame(struct edf *e, struct track *tr, const double *v)
{
	short frame[3] = { 0 };
	int c;

	for (c = 0; c < tr->nch; c++)
		frame[c] = digital(tr, v[c]);
	if (!e->failed && fwrite(frame, sizeof(frame[0]), (size_t)tr->nch,
	    tr->spool) != (size_t)tr->nch)
		e->failed = errno ? errno : EIO;
	tr->frames++;
}

static double
frame_time(const struct edf *e, const struct track *tr, long long k)
{
	return e->t0 + (double)k / tr->rate;
}

/*
 * Frames up to time t (included when at): from prev to s, interpolated
 * for an accelerometer, held for a thermometer; zeros across a gap.
 */
static void
fill_to(struct edf *e, struct track *tr, const struct sample *s)
{
	static const double zero[3];
	int gap = !tr->have_prev || s->t - tr->prev.t > tr->gap_s;
	double t, v[3], w;
	int c;

	while ((t = frame_time(e, tr, tr->frames)) <= s->t + 1e-9) {
		if (t >= s->t - 1e-9)
			put_frame(e, tr, s->v);
		else if (gap || t < tr->prev.t)
			put_frame(e, tr, zero);
		else if (tr->kind != EDF_ACCEL)	/* held */
			put_frame(e, tr, tr->prev.v);
		else {
			w = (t - tr->prev.t) / (s->t - tr->prev.t);
			for (c = 0; c < 3; c++)
				v[c] = tr->prev.v[c] + w * (s->v[c] -
				    tr->prev.v[c]);
			put_frame(e, tr, v);
		}
	}
}

static void
feed(struct edf *e, struct track *tr, const struct sample *s)
{
	double from = tr->have_prev ? tr->prev.t : e->t0;

	if (tr->have_prev && s->t <= tr->prev.t) {
		/* A switch's level changed back at once: the last holds. */
		if (tr->kind == EDF_MOTION && s->t == tr->prev.t)
			tr->prev = *s;
		return;
	}
	if (s->t - from > tr->gap_s)
		no_data(e, tr, from, s->t);
	fill_to(e, tr, s);
	tr->prev = *s;
	tr->have_prev = 1;
	if (s->t > e->t_end)
		e->t_end = s->t;
}

static int
by_time(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The rate judged from the samples held; they are then fed. */
static void
judge_rate(struct edf *e, struct track *tr)
{
	double dt[RATE_SAMPLES];
	int i, n = 0;

	for (i = 1; i < tr->nfirst; i++)
		if (tr->first[i].t > tr->first[i - 1].t)
			dt[n++] = tr->first[i].t - tr->first[i - 1].t;
	if (n > 0)
		qsort(dt, (size_t)n, sizeof(dt[0]), by_time);
	tr->rate = edf_rate(n > 0 ? 1 / dt[n / 2] : 0);
	for (i = 0; i < tr->nfirst; i++)
		feed(e, tr, &tr->first[i]);
	tr->nfirst = 0;
}

void
edf_sample(struct edf *e, int source, const struct sample *s)
{
	struct track *tr;

	if (source < 0 || source >= e->ntracks || !isfinite(s->t))
		return;
	tr = &e->tracks[source];
	if (isnan(e->t0))
		e->t0 = floor(s->t);	/* a whole second */
	if (s->t < e->t0)
		return;
	if (s->t - e->t0 > SPAN_MAX_S) {
		e->too_long = 1;
		return;
	}
	if (tr->rate == 0) {
		if (tr->nfirst > 0 && s->t <= tr->first[tr->nfirst - 1].t)
			return;
		tr->first[tr->nfirst++] = *s;
		if (tr->nfirst == RATE_SAMPLES)
			judge_rate(e, tr);
		return;
	}
	feed(e, tr, s);
}

void
edf_event(struct edf *e, const struct event *ev)
{
	char text[EDF_ANNOTATION_MAX + 1];

	if (!edf_annotation(ev, text, sizeof(text)) || e->too_long)
		return;
	if (isfinite(ev->start) && isfinite(ev->end) && ev->end >= ev->start)
		annotate(e, ev->start, ev->end - ev->start, text);
	else
		annotate(e, ev->time, -1, text);
}

/*
 * An unlinked file in the folder, for a track's samples: on the target's
 * file system, so no RAM disk fills, and gone whatever happens.
 */
static FILE *
spool_file(const struct edf *e, char *err, size_t errsz)
{
	char name[64];
	FILE *f;
	int fd;

	fd = openat(e->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	/* A file system without O_TMPFILE: a random name, at once gone. */
	if (fd == -1 && (fd = atomic_create_unique(e->dirfd, ".edf-spool-",
	    O_RDWR, 0600, name, sizeof(name))) >= 0)
		(void)unlinkat(e->dirfd, name, 0);
	if (fd == -1 || (f = fdopen(fd, "w+")) == NULL) {
		snprintf(err, errsz, "%s: a spool for the samples: %s", e->dir,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	return f;
}

struct edf *
edf_open(int dirfd, const char *dir, const char *name,
    const struct edf_source *src, int nsrc, const char *equipment, char *err,
    size_t errsz)
{
	struct edf *e;
	struct track *tr;
	int i;

	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->tracks = calloc((size_t)(nsrc > 0 ? nsrc : 1),
	    sizeof(*e->tracks))) == NULL) {
		snprintf(err, errsz, "%s/%s: out of memory", dir, name);
		free(e);
		return NULL;
	}
	e->dirfd = -1;
	e->t0 = NAN;
	e->t_end = -INFINITY;
	if ((e->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) == -1) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((size_t)snprintf(e->dir, sizeof(e->dir), "%s", dir) >=
	    sizeof(e->dir) || (size_t)snprintf(e->name, sizeof(e->name),
	    "%s", name) >= sizeof(e->name)) {
		snprintf(err, errsz, "%s/%s: %s", dir, name,
		    strerror(ENAMETOOLONG));
		goto fail;
	}
	ascii(e->equipment, sizeof(e->equipment), equipment);
	for (i = 0; i < nsrc; i++) {
		tr = &e->tracks[i];
		ascii(tr->name, sizeof(tr->name), src[i].name);
		tr->kind = src[i].kind;
		if (tr->kind == EDF_TEMP) {
			tr->nch = 1;
			tr->rate = TEMP_HZ;
			tr->gap_s = TEMP_GAP_S;
			tr->pmin = TEMP_MIN_C;
			tr->pmax = TEMP_MAX_C;
		} else if (tr->kind == EDF_MOTION) {
			/* Only changes come: a level holds until the next. */
			tr->nch = 1;
			tr->rate = MOTION_HZ;
			tr->gap_s = INFINITY;
			tr->pmin = 0;
			tr->pmax = 1;
		} else {
			tr->nch = 3;
			tr->gap_s = ACCEL_GAP_S;
			tr->pmin = -ACCEL_RANGE_G;
			tr->pmax = ACCEL_RANGE_G;
		}
		if ((tr->spool = spool_file(e, err, errsz)) == NULL)
			goto fail;
		e->ntracks++;
	}
	return e;
fail:
	edf_discard(e);
	return NULL;
}

struct edf *
edf_open_path(const char *path, const struct edf_source *src, int nsrc,
    const char *equipment, char *err, size_t errsz)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/'), *name = path;
	struct edf *e;
	int dirfd;

	snprintf(dir, sizeof(dir), ".");
	if (slash != NULL) {
		if ((size_t)(slash - path) >= sizeof(dir)) {
			snprintf(err, errsz, "%s: %s", path,
			    strerror(ENAMETOOLONG));
			return NULL;
		}
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash == path ? 1 : slash - path] = '\0';
		name = slash + 1;
	}
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	e = edf_open(dirfd, dir, name, src, nsrc, equipment, err, errsz);
	close(dirfd);
	return e;
}

void
edf_discard(struct edf *e)
{
	int i;

	if (e == NULL)
		return;
	for (i = 0; i < e->ntracks; i++)
		fclose(e->tracks[i].spool);
	if (e->dirfd >= 0)
		close(e->dirfd);
	free(e->tracks);
	free(e->annots);
	free(e);
}

/* Each track to the file's end: held briefly, then zeros. */
static void
finish_tracks(struct edf *e, long long records)
{
	static const double zero[3];
	struct track *tr;
	double end = e->t0 + (double)records * RECORD_S, t;
	int i;

	for (i = 0; i < e->ntracks; i++) {
		tr = &e->tracks[i];
		if (tr->kind == EDF_MOTION)
			;	/* no change is news too: the level holds */
		else if (!tr->have_prev)
			no_data(e, tr, e->t0, end);
		else if (end - tr->prev.t > tr->gap_s)
			no_data(e, tr, tr->prev.t, end);
		while (tr->frames < records * tr->rate * RECORD_S) {
			t = frame_time(e, tr, tr->frames);
			put_frame(e, tr, tr->have_prev && t - tr->prev.t <=
			    tr->gap_s ? tr->prev.v : zero);
		}
	}
}

static int
set_signals(int h, const struct edf *e)
{
	static const char *const axis[] = { "ax", "ay", "az" };
	static const char *const units[] = { "g", "degC", "" };
	static const char *const transducers[] = { "accelerometer",
	    "thermometer", "motion switch" };
	const struct track *tr;
	char label[LABEL_MAX + 8];
	int i, c, sig = 0, r = 0;

	for (i = 0; i < e->ntracks; i++) {
		tr = &e->tracks[i];
		for (c = 0; c < tr->nch; c++, sig++) {
			if (tr->kind == EDF_TEMP)
				snprintf(label, sizeof(label), "%.11s temp",
				    tr->name);
			else if (tr->kind == EDF_MOTION)
				snprintf(label, sizeof(label), "%.9s motion",
				    tr->name);
			else
				snprintf(label, sizeof(label), "%.13s %s",
				    tr->name, axis[c % 3]);
			r |= edf_set_samplefrequency(h, sig, tr->rate *
			    RECORD_S);
			r |= edf_set_physical_maximum(h, sig, tr->pmax);
			r |= edf_set_physical_minimum(h, sig, tr->pmin);
			r |= edf_set_digital_maximum(h, sig, DIG_MAX);
			r |= edf_set_digital_minimum(h, sig, DIG_MIN);
			r |= edf_set_label(h, sig, label);
			r |= edf_set_physical_dimension(h, sig,
			    units[tr->kind]);
			r |= edf_set_transducer(h, sig, transducers[tr->kind]);
		}
	}
	return r;
}

static int
set_header(int h, const struct edf *e, int annot_signals)
{
	time_t t = (time_t)e->t0;
	struct tm tm;
	int r = 0;

	/* Local time, as a polysomnograph's clock says. */
	if (localtime_r(&t, &tm) == NULL)
		return -1;
	r |= edf_set_startdatetime(h, tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	r |= edf_set_datarecord_duration(h, RECORD_S * 100000);
	r |= edf_set_equipment(h, e->equipment);
	r |= edf_set_recording_additional(h, "legwatchd " LEGWATCH_VERSION);
	r |= edf_set_number_of_annotation_signals(h, annot_signals);
	return r;
}

static int
write_annotation(int h, const struct edf *e, const struct annotation *a)
{
	double onset = fmax(a->start - e->t0, 0), dur = a->duration;

	if (dur >= 0 && a->start < e->t0)
		dur = fmax(dur - (e->t0 - a->start), 0);
#ifdef LEGWATCH_EDF_HR
	/* EDFlib 1.25 on: microseconds. */
	return edfwrite_annotation_latin1_hr(h, llround(onset * 1e6),
	    dur >= 0 ? llround(dur * 1e6) : -1, a->text);
#else
	return edfwrite_annotation_latin1(h, llround(onset * 1e4),
	    dur >= 0 ? llround(dur * 1e4) : -1, a->text);
#endif
}

static int
write_records(int h, struct edf *e, long long records)
{
	short *frame = NULL, *chan = NULL;
	struct track *tr;
	long long r;
	int i, c, k, n, rc = -1;

	for (i = 0; i < e->ntracks; i++)
		if (fflush(e->tracks[i].spool) == EOF ||
		    fseek(e->tracks[i].spool, 0, SEEK_SET) == -1)
			return -1;
	/* At most 100 frames of 3 a record. */
	if ((frame = malloc(100 * 3 * sizeof(*frame))) == NULL ||
	    (chan = malloc(100 * sizeof(*chan))) == NULL)
		goto done;
	for (r = 0; r < records; r++)
		for (i = 0; i < e->ntracks; i++) {
			tr = &e->tracks[i];
			n = tr->rate * RECORD_S;
			if (fread(frame, sizeof(*frame) * (size_t)tr->nch,
			    (size_t)n, tr->spool) != (size_t)n)
				goto done;
			for (c = 0; c < tr->nch; c++) {
				for (k = 0; k < n; k++)
					chan[k] = frame[k * tr->nch + c];
				if (edfwrite_digital_short_samples(h, chan))
					goto done;
			}
		}
	rc = 0;
done:
	free(frame);
	free(chan);
	return rc;
}

/*
 * EDFlib opens by path: the temporary file the atomic writer made
 * exclusively, reached through its own descriptor, so that nothing put
 * in the folder meanwhile is followed; by its name where /proc is
 * missing.
 */
static int
edflib_create(const struct atomic_file *af, int nsig)
{
	char path[PATH_MAX];
	int h;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", af->fd);
	if ((h = edfopen_file_writeonly(path, EDFLIB_FILETYPE_EDFPLUS,
	    nsig)) >= 0 || access("/proc/self/fd", F_OK) == 0 ||
	    atomic_tmp_path(af, path, sizeof(path)) == -1)
		return h;
	return edfopen_file_writeonly(path, EDFLIB_FILETYPE_EDFPLUS, nsig);
}

int
edf_close(struct edf *e, char *err, size_t errsz)
{
	struct atomic_file af;
	char path[PATH_MAX + NAME_MAX + 2];
	long long records;
	size_t i;
	int h = -1, begun = 0, nsig = 0, annot_signals, t, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", e->dir, e->name);
	if (isnan(e->t0)) {
		snprintf(err, errsz, "%s: no samples to write", path);
		goto done;
	}
	if (e->too_long) {
		snprintf(err, errsz, "%s: the recordings span more than %.0f "
		    "days, mostly without samples; write the nights one by "
		    "one", path, SPAN_MAX_S / 86400);
		goto done;
	}
	/* Samples held to judge a rate may reach further. */
	for (t = 0; t < e->ntracks; t++)
		if (e->tracks[t].rate == 0)
			judge_rate(e, &e->tracks[t]);
	records = (long long)ceil(e->t_end - e->t0 - 1e-9);
	if (records < 1)
		records = 1;
	finish_tracks(e, records);
	if (e->failed) {
		snprintf(err, errsz, "%s: spooling the samples: %s", path,
		    strerror(e->failed));
		goto done;
	}
	/* One annotation per record in each annotation signal. */
	annot_signals = (int)(((long long)e->nannots + records - 1) / records);
	if (annot_signals < 1)
		annot_signals = 1;
	if (annot_signals > ANNOT_SIGNALS_MAX) {
		snprintf(err, errsz, "%s: %zu annotations in %lld s: more "
		    "than EDF+ holds", path, e->nannots, records);
		goto done;
	}
	for (t = 0; t < e->ntracks; t++)
		nsig += e->tracks[t].nch;
	if (nsig == 0) {
		snprintf(err, errsz, "%s: no signals to write", path);
		goto done;
	}
	if (atomic_begin(&af, e->dirfd, e->dir, e->name, 0644, err,
	    errsz) == -1)
		goto done;
	begun = 1;
	if ((h = edflib_create(&af, nsig)) < 0) {
		snprintf(err, errsz, "%s: EDFlib cannot create it (error %d)",
		    path, h);
		goto done;
	}
	if (set_signals(h, e) || set_header(h, e, annot_signals)) {
		snprintf(err, errsz, "%s: EDFlib refused the header", path);
		goto done;
	}
	for (i = 0; i < e->nannots; i++)
		if (write_annotation(h, e, &e->annots[i])) {
			snprintf(err, errsz, "%s: EDFlib refused an "
			    "annotation", path);
			goto done;
		}
	if (write_records(h, e, records) == -1) {
		snprintf(err, errsz, "%s: cannot write the samples", path);
		goto done;
	}
	t = edfclose_file(h);
	h = -1;
	if (t != 0) {
		snprintf(err, errsz, "%s: cannot finish the file", path);
		goto done;
	}
	if (atomic_commit(&af, 0, err, errsz) == -1)
		goto done;
	rc = 0;
done:
	if (h >= 0)
		edfclose_file(h);
	if (rc == -1 && begun)
		atomic_abort(&af);
	edf_discard(e);
	return rc;
}
