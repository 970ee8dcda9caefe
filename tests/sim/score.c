/*
 * score: compare legwatchd's events for a simulated night with legsim's
 * truth and print one row of accuracy figures.
 *
 * Leg movements are matched one to one, greedily by largest overlap.  The
 * truth PLM count is computed here from the truth leg movements by the
 * WASM 2016 rules, independently of the daemon's code.  Cramps are found
 * when a detected cramp overlaps them.  With --check the night fails when
 * the figures miss the bars the accuracy test holds the daemon to; every
 * cramp must be found only when the night's noise is at most
 * --cramp-noise-max (the level documented for its mount and rate), and
 * the night_summary's hours_in_bed must leave out the time out of bed
 * (score_in_bed()).
 *
 * Exit: 0 fine, 1 a --check bar missed, 2 bad input, 64 usage.
 */

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EX_USAGE	64
#define EX_BADINPUT	2

#define LM_F1_MIN	0.97	/* --check: leg movement F1 at least this */
#define PLM_ERR_MAX	0.05	/* --check: PLM count within 5 % of truth */
/* --check: mean timing errors of matched leg movements, ms */
#define ONSET_MS_MAX	300.0
#define OFFSET_MS_MAX	600.0

/* WASM 2016, in milliseconds. */
#define CLM_MIN_MS	500
#define CLM_MAX_MS	10000
#define IMI_MIN_MS	10000
#define IMI_MAX_MS	90000
#define SERIES_MIN	4
#define BILATERAL_GAP_MS	500	/* closer movements of two legs: one */
#define BILATERAL_MAX_MS	15000
#define BILATERAL_PARTS	4	/* monolateral movements in one, at most */

struct span {
	double	start, end;	/* Unix seconds */
	double	extra;		/* cramp: hold_end */
	int	leg;		/* its sensor's number; -1: any */
};

struct spans {
	struct span	*v;
	size_t		 n, cap;
};

/* Truth items that matter to the PLM rules, in time order. */
enum mark { MARK_LM, MARK_BREAK };

struct marked {
	double		start, end;
	enum mark	kind;
	int		leg;
	int		both;		/* a bilateral movement */
};

struct marks {
	struct marked	*v;
	size_t		 n, cap;
};

struct truth {
	double		start, end;	/* the night */
	long		rate;
	char		mount[32];
	double		noise;
	int		have_night;
	struct spans	lm, body, cramp;
	struct marks	plm_input;
	int		have_sit;	/* an immobilization test */
	double		sit_start, sit_end;
	int		two_legs;	/* items name their sensor */
	/* Out of bed on an ankle: toilet trips by leg (index leg + 1). */
	double		toilet_s[3];
	int		toilet_n[3];
	double		away_max_s;	/* every body movement and cramp */
};

struct events {
	struct spans	lm, body, cramp;
	struct spans	cramp_start;	/* start = end = the event's time */
	long		plm_count;	/* sum of plm_series counts */
	long		summary_plm;	/* night_summary plm_count */
	double		summary_hours, summary_in_bed, summary_index;
	int		have_summary;
	int		have_sit;	/* sit_result */
	long		sit_lm, sit_plm;
	int		sit_valid;
	double		sit_start;
};

struct result {
	const char	*name;
	double		 hours, noise;
	long		 rate;
	const char	*mount;
	size_t		 lm_truth, tp, fp, fn;
	double		 precision, recall, f1, onset_ms, offset_ms;
	long		 plm_truth, plm_det;
	const char	*summary;	/* "ok", "DIFF" or "none" */
	int		 in_bed_ok;	/* hours_in_bed and plm_index agree */
	double		 out_of_bed_s, out_lo_s, out_hi_s;
	size_t		 cramp_truth, cramp_found, cramp_false, cramp_early;
	size_t		 body_truth, body_det;
	int		 sit;		/* 0 none, 1 scored, -1 no result */
	long		 sit_lm_truth, sit_lm_det, sit_plm_truth, sit_plm_det;
	int		 sit_valid;
};

static void *
grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;

	if (n < *cap)
		return v;
	for (ncap = *cap ? *cap : 64; ncap <= n; ncap *= 2)
		;
	if ((v = reallocarray(v, ncap, size)) == NULL) {
		perror("score");
		exit(EX_BADINPUT);
	}
	*cap = ncap;
	return v;
}

/*
 * Two leg sensors: the truth names each item's sensor as the daemon
 * names it, and items are matched within their sensor.  The names, in
 * the order first seen; the item being read is cur_leg's (-1: any).
 */
#define MAX_LEGS	8
static char	 leg_names[MAX_LEGS][64];
static int	 nleg_names, cur_leg = -1;

static int
leg_of(const char *name)
{
	int i;

	for (i = 0; i < nleg_names; i++)
		if (strcmp(leg_names[i], name) == 0)
			return i;
	if (nleg_names == MAX_LEGS)
		return -1;
	snprintf(leg_names[nleg_names], sizeof leg_names[0], "%s", name);
	return nleg_names++;
}

static void
spans_push(struct spans *s, double start, double end, double extra)
{
	s->v = grow(s->v, &s->cap, s->n, sizeof *s->v);
	s->v[s->n].start = start;
	s->v[s->n].end = end;
	s->v[s->n].extra = extra;
	s->v[s->n].leg = cur_leg;
	s->n++;
}

static void
marks_push(struct marks *m, double start, double end, enum mark kind)
{
	m->v = grow(m->v, &m->cap, m->n, sizeof *m->v);
	m->v[m->n].start = start;
	m->v[m->n].end = end;
	m->v[m->n].kind = kind;
	m->v[m->n].leg = cur_leg;
	m->v[m->n].both = 0;
	m->n++;
}

static int
cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

static int
cmp_marked(const void *a, const void *b)
{
	const struct marked *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* A break and a movement starting together: the break wins. */
	return (int)y->kind - (int)x->kind;
}

/* qsort() wants a valid pointer even for no elements. */
static void
spans_sort(struct spans *s)
{
	if (s->n > 0)
		qsort(s->v, s->n, sizeof *s->v, cmp_span);
}

/* ---- Reading JSON Lines ---- */

struct reader {
	const char	*path;
	FILE		*f;
	char		*line;
	size_t		 cap;
	unsigned long	 lineno;
};

static void bad_input(const struct reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

static void
bad_input(const struct reader *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "score: %s:%lu: ", r->path, r->lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EX_BADINPUT);
}

static void
reader_open(struct reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->path = path;
	if ((r->f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "score: %s: %s\n", path, strerror(errno));
		exit(EX_BADINPUT);
	}
}

static int
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* The next non-blank line as a JSON object, or NULL at the end. */
static json_t *
reader_next(struct reader *r)
{
	json_error_t err;
	json_t *obj;

	for (;;) {
		ssize_t len;

		errno = 0;
		if ((len = getline(&r->line, &r->cap, r->f)) == -1) {
			if (ferror(r->f))
				bad_input(r, "read error: %s", strerror(errno));
			return NULL;
		}
		r->lineno++;
		if ((size_t)len != strlen(r->line))
			bad_input(r, "%s", "NUL byte in line");
		if (!blank(r->line))
			break;
	}
	if ((obj = json_loads(r->line, JSON_REJECT_DUPLICATES, &err)) == NULL)
		bad_input(r, "bad JSON: %s", err.text);
	if (!json_is_object(obj)) {
		json_decref(obj);
		bad_input(r, "%s", "not a JSON object");
	}
	return obj;
}

static void
reader_close(struct reader *r)
{
	free(r->line);
	fclose(r->f);
}

static double
get_number(const struct reader *r, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_number(v))
		bad_input(r, "missing or non-numeric \"%s\"", key);
	if (!isfinite(json_number_value(v)))
		bad_input(r, "\"%s\" is not finite", key);
	return json_number_value(v);
}

static long
get_count(const struct reader *r, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		bad_input(r, "missing or bad \"%s\" (a count)", key);
	return (long)json_integer_value(v);
}

static const char *
get_string(const struct reader *r, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		bad_input(r, "missing or non-string \"%s\"", key);
	return json_string_value(v);
}

/* A span with start <= end; the caller frees obj. */
static struct span
get_span(const struct reader *r, json_t *obj)
{
	struct span s;

	s.start = get_number(r, obj, "start");
	s.end = get_number(r, obj, "end");
	s.extra = 0;
	s.leg = cur_leg;
	if (s.end < s.start)
		bad_input(r, "%s", "\"end\" before \"start\"");
	return s;
}

/* ---- Truth ---- */

static void
truth_night(const struct reader *r, json_t *obj, struct truth *t)
{
	struct span s = get_span(r, obj);

	if (t->have_night)
		bad_input(r, "%s", "a second \"night\" line");
	t->have_night = 1;
	t->start = s.start;
	t->end = s.end;
	t->rate = (long)get_number(r, obj, "rate");
	snprintf(t->mount, sizeof t->mount, "%s",
	    get_string(r, obj, "mount"));
	t->noise = get_number(r, obj, "noise");
}

static void
truth_item(const struct reader *r, json_t *obj, struct truth *t)
{
	const char *type = get_string(r, obj, "type");
	struct span s;

	if (strcmp(type, "night") == 0) {
		truth_night(r, obj, t);
		return;
	}
	s = get_span(r, obj);
	{
		json_t *sensor = json_object_get(obj, "sensor");

		cur_leg = json_is_string(sensor) ?
		    leg_of(json_string_value(sensor)) : -1;
		t->two_legs |= cur_leg >= 0;
	}
	if (strcmp(type, "lm") == 0) {
		spans_push(&t->lm, s.start, s.end, 0);
		marks_push(&t->plm_input, s.start, s.end, MARK_LM);
	} else if (strcmp(type, "body") == 0) {
		json_t *what = json_object_get(obj, "what");

		spans_push(&t->body, s.start, s.end, 0);
		marks_push(&t->plm_input, s.start, s.end, MARK_BREAK);
		t->away_max_s += s.end - s.start;
		if (json_is_string(what) && cur_leg < 2 &&
		    strcmp(json_string_value(what), "toilet") == 0) {
			t->toilet_s[cur_leg + 1] += s.end - s.start;
			t->toilet_n[cur_leg + 1]++;
		}
	} else if (strcmp(type, "cramp") == 0) {
		t->away_max_s += s.end - s.start;
		spans_push(&t->cramp, s.start, s.end,
		    get_number(r, obj, "hold_end"));
		marks_push(&t->plm_input, s.start, s.end, MARK_BREAK);
	} else if (strcmp(type, "sit") == 0) {
		if (t->have_sit)
			bad_input(r, "%s", "a second \"sit\" line");
		t->have_sit = 1;
		t->sit_start = s.start;
		t->sit_end = s.end;
	} else if (strcmp(type, "twitch") != 0 &&
	    strcmp(type, "dropout") != 0)
		bad_input(r, "unknown truth type \"%s\"", type);
}

static void
read_truth(const char *path, struct truth *t)
{
	struct reader r;
	json_t *obj;

	reader_open(&r, path);
	while ((obj = reader_next(&r)) != NULL) {
		truth_item(&r, obj, t);
		json_decref(obj);
	}
	if (!t->have_night)
		bad_input(&r, "%s", "no \"night\" line");
	reader_close(&r);
	spans_sort(&t->lm);
	spans_sort(&t->body);
	spans_sort(&t->cramp);
	if (t->plm_input.n > 0)
		qsort(t->plm_input.v, t->plm_input.n, sizeof *t->plm_input.v,
		    cmp_marked);
}

/* ---- Events ---- */

static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

static int
expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

/* "2026-11-18T22:45:00.123Z" to Unix seconds; -1 when malformed. */
static int
parse_iso8601(const char *s, double *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec;
	double frac = 0, scale = 0.1;
	time_t t;

	if (digits(&s, 4, &y) || expect(&s, '-') || digits(&s, 2, &mo) ||
	    expect(&s, '-') || digits(&s, 2, &d) || expect(&s, 'T') ||
	    digits(&s, 2, &h) || expect(&s, ':') || digits(&s, 2, &mi) ||
	    expect(&s, ':') || digits(&s, 2, &sec))
		return -1;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10)
			frac += (*s - '0') * scale;
	}
	if (expect(&s, 'Z') || *s != '\0')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = (double)t + frac;
	return 0;
}

static double
get_time(const struct reader *r, json_t *obj)
{
	const char *iso = get_string(r, obj, "time");
	double t;

	if (parse_iso8601(iso, &t) == -1)
		bad_input(r, "\"time\" is not ISO 8601 UTC: \"%s\"", iso);
	return t;
}

static void
event_item(const struct reader *r, json_t *obj, struct events *e)
{
	const char *type = get_string(r, obj, "event_type");
	double time = get_time(r, obj);	/* every event has one */
	json_t *sensor = json_object_get(obj, "sensor");
	struct span s;

	cur_leg = json_is_string(sensor) ?
	    leg_of(json_string_value(sensor)) : -1;

	if (strcmp(type, "leg_movement") == 0) {
		s = get_span(r, obj);
		spans_push(&e->lm, s.start, s.end, 0);
	} else if (strcmp(type, "body_movement") == 0) {
		s = get_span(r, obj);
		spans_push(&e->body, s.start, s.end, 0);
	} else if (strcmp(type, "cramp") == 0) {
		s = get_span(r, obj);
		spans_push(&e->cramp, s.start, s.end, 0);
	} else if (strcmp(type, "cramp_start") == 0) {
		spans_push(&e->cramp_start, time, time, 0);
	} else if (strcmp(type, "plm_series") == 0) {
		(void)get_span(r, obj);
		e->plm_count += get_count(r, obj, "count");
	} else if (strcmp(type, "sit_result") == 0) {
		json_t *v = json_object_get(obj, "valid");

		if (e->have_sit)
			bad_input(r, "%s", "a second sit_result");
		if (!json_is_boolean(v))
			bad_input(r, "%s", "\"valid\" is not true or false");
		s = get_span(r, obj);
		e->have_sit = 1;
		e->sit_start = s.start;
		e->sit_lm = get_count(r, obj, "lm_count");
		e->sit_plm = get_count(r, obj, "plm_count");
		e->sit_valid = json_is_true(v);
	} else if (strcmp(type, "night_summary") == 0) {
		if (e->have_summary)
			bad_input(r, "%s", "a second night_summary");
		e->have_summary = 1;
		e->summary_plm = get_count(r, obj, "plm_count");
		e->summary_hours = get_number(r, obj, "hours");
		e->summary_in_bed = get_number(r, obj, "hours_in_bed");
		e->summary_index = get_number(r, obj, "plm_index");
	}
	/* Other events (reminders, sensor faults) are not scored. */
}

static void
read_events(const char *path, struct events *e)
{
	struct reader r;
	json_t *obj;

	reader_open(&r, path);
	while ((obj = reader_next(&r)) != NULL) {
		event_item(&r, obj, e);
		json_decref(obj);
	}
	reader_close(&r);
	spans_sort(&e->lm);
	spans_sort(&e->body);
	spans_sort(&e->cramp);
	spans_sort(&e->cramp_start);
}

/* ---- Scoring ---- */

static double
overlap(const struct span *a, const struct span *b)
{
	return fmin(a->end, b->end) - fmax(a->start, b->start);
}

struct pair {
	size_t	truth, det;
	double	overlap;
};

static int
cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->overlap != y->overlap)
		return x->overlap > y->overlap ? -1 : 1;
	if (x->truth != y->truth)
		return x->truth < y->truth ? -1 : 1;
	return x->det < y->det ? -1 : x->det > y->det;
}

/* First detection that could reach back to `start`. */
static size_t
first_candidate(const struct spans *det, double start, double longest)
{
	size_t lo = 0, hi = det->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (det->v[mid].start < start - longest)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * One-to-one matching, greedy by largest overlap: every overlapping
 * (truth, detection) pair is a candidate; the largest overlaps are taken
 * first, each item at most once.
 */
static void
match_lms(const struct spans *truth, const struct spans *det,
    struct result *res)
{
	struct pair *pairs = NULL;
	size_t npairs = 0, cap = 0, i, j;
	unsigned char *tused, *dused;
	double longest = 0, on = 0, off = 0, ov;

	for (i = 0; i < det->n; i++)
		longest = fmax(longest, det->v[i].end - det->v[i].start);
	for (j = 0; j < truth->n; j++) {
		for (i = first_candidate(det, truth->v[j].start, longest);
		    i < det->n && det->v[i].start < truth->v[j].end; i++) {
			if ((ov = overlap(&truth->v[j], &det->v[i])) <= 0)
				continue;
			if (truth->v[j].leg >= 0 &&
			    truth->v[j].leg != det->v[i].leg)
				continue;	/* the other leg's */
			pairs = grow(pairs, &cap, npairs, sizeof *pairs);
			pairs[npairs++] = (struct pair){ j, i, ov };
		}
	}
	if (npairs > 0)
		qsort(pairs, npairs, sizeof *pairs, cmp_pair);
	tused = calloc(truth->n + 1, 1);
	dused = calloc(det->n + 1, 1);
	if (tused == NULL || dused == NULL) {
		perror("score");
		exit(EX_BADINPUT);
	}
	res->tp = 0;
	for (i = 0; i < npairs; i++) {
		if (tused[pairs[i].truth] || dused[pairs[i].det])
			continue;
		tused[pairs[i].truth] = dused[pairs[i].det] = 1;
		res->tp++;
		on += fabs(det->v[pairs[i].det].start -
		    truth->v[pairs[i].truth].start);
		off += fabs(det->v[pairs[i].det].end -
		    truth->v[pairs[i].truth].end);
	}
	res->lm_truth = truth->n;
	res->fp = det->n - res->tp;
	res->fn = truth->n - res->tp;
	res->onset_ms = res->tp ? 1000 * on / (double)res->tp : 0;
	res->offset_ms = res->tp ? 1000 * off / (double)res->tp : 0;
	/* Nothing to find and nothing claimed is a perfect score. */
	res->precision = det->n ? (double)res->tp / (double)det->n : 1;
	res->recall = truth->n ? (double)res->tp / (double)truth->n : 1;
	res->f1 = res->precision + res->recall > 0 ? 2 * res->precision *
	    res->recall / (res->precision + res->recall) : 0;
	free(pairs);
	free(tused);
	free(dused);
}

static int64_t
ms(double seconds)
{
	return llround(seconds * 1000);
}

/*
 * WASM 2016: a CLM lasts 0.5-10 s; shorter movements are ignored
 * entirely; a longer one, a body movement or a cramp ends the running
 * series.  A series is at least 4 consecutive CLMs whose onset-to-onset
 * intervals are all within 10-90 s; an interval outside ends it and its
 * CLM may begin the next.
 */
static long
truth_plm_count(const struct marks *m)
{
	long total = 0, run = 0;
	int64_t last_onset = 0, imi;

	for (size_t i = 0; i < m->n; i++) {
		const struct marked *x = &m->v[i];
		int64_t dur = ms(x->end) - ms(x->start);

		if (x->kind == MARK_LM && dur < CLM_MIN_MS)
			continue;
		if (x->kind == MARK_BREAK || dur > (x->both ?
		    BILATERAL_MAX_MS : CLM_MAX_MS)) {
			total += run >= SERIES_MIN ? run : 0;
			run = 0;
			continue;
		}
		imi = ms(x->start) - last_onset;
		if (run > 0 && imi >= IMI_MIN_MS && imi <= IMI_MAX_MS)
			run++;
		else {
			total += run >= SERIES_MIN ? run : 0;
			run = 1;
		}
		last_onset = ms(x->start);
	}
	return total + (run >= SERIES_MIN ? run : 0);
}

/*
 * WASM 2016 with two legs: movements of different legs that overlap or
 * lie less than 0.5 s apart are one; once both legs are in, anything
 * that touches joins.  One that combines more than 4 monolateral
 * movements is no CLM: a break.  In and out in onset order.
 */
static void
bilateral_marks(const struct marks *in, struct marks *out)
{
	struct marked g = { 0, 0, MARK_LM, -1, 0 };
	unsigned legs = 0;
	int parts = 0;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i <= in->n; i++) {
		const struct marked *x = i < in->n ? &in->v[i] : NULL;
		unsigned bit = x != NULL && x->leg >= 0 ? 1u << x->leg : 0;

		if (x != NULL && parts > 0 && ms(x->start) - ms(g.end) <
		    BILATERAL_GAP_MS && ((legs & (legs - 1)) != 0 ||
		    (bit & ~legs) != 0)) {
			if (x->end > g.end)
				g.end = x->end;
			if (x->kind == MARK_BREAK)
				g.kind = MARK_BREAK;
			legs |= bit;
			parts++;
			continue;
		}
		if (parts > 0) {
			g.both = (legs & (legs - 1)) != 0;
			if (parts > BILATERAL_PARTS)
				g.kind = MARK_BREAK;
			out->v = grow(out->v, &out->cap, out->n,
			    sizeof *out->v);
			out->v[out->n++] = g;
		}
		if (x == NULL)
			break;
		g = *x;
		legs = bit;
		parts = 1;
	}
}

/*
 * The test's hour as the rules score it alone: the movements whose onset
 * lies in it; *lms gets the CLMs among them.
 */
static long
truth_sit_plm(const struct truth *t, long *lms)
{
	struct marks m = { NULL, 0, 0 };
	long plm;

	*lms = 0;
	for (size_t i = 0; i < t->plm_input.n; i++) {
		const struct marked *x = &t->plm_input.v[i];
		int64_t dur = ms(x->end) - ms(x->start);

		if (x->start < t->sit_start || x->start >= t->sit_end)
			continue;
		marks_push(&m, x->start, x->end, x->kind);
		*lms += x->kind == MARK_LM && dur >= CLM_MIN_MS &&
		    dur <= (x->both ? BILATERAL_MAX_MS : CLM_MAX_MS);
	}
	plm = truth_plm_count(&m);
	free(m.v);
	return plm;
}

static int
overlaps_any(const struct span *s, const struct spans *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (overlap(s, &set->v[i]) > 0)
			return 1;
	return 0;
}

/* Was the cramp announced (cramp_start) while it was still going on? */
static int
announced_early(const struct span *cramp, const struct spans *starts)
{
	for (size_t i = 0; i < starts->n; i++)
		if (starts->v[i].start >= cramp->start &&
		    starts->v[i].start < cramp->end)
			return 1;
	return 0;
}

static void
score_cramps(const struct truth *t, const struct events *e,
    struct result *res)
{
	size_t i;

	res->cramp_truth = t->cramp.n;
	for (i = 0; i < t->cramp.n; i++) {
		if (!overlaps_any(&t->cramp.v[i], &e->cramp))
			continue;
		res->cramp_found++;
		res->cramp_early += announced_early(&t->cramp.v[i],
		    &e->cramp_start);
	}
	for (i = 0; i < e->cramp.n; i++)
		res->cramp_false += !overlaps_any(&e->cramp.v[i], &t->cramp);
}

/*
 * The time out of bed the summary leaves out of hours_in_bed: on an ankle
 * at least each toilet trip less its sitting up and lying down (the shin
 * is upright only for part of them), at most every body movement and
 * cramp (a cramp may be walked off); a mattress cannot tell, and leaves
 * nothing out.  The PLM index is PLMs per hour in bed.
 */
#define IN_BED_TRIP_S	45.0	/* per trip: its sitting up, lying down */
#define IN_BED_SLACK_S	60.0
#define JSON_HOURS_S	3.6	/* the summary's hours, to 0.001 h */

static void
score_in_bed(const struct truth *t, const struct events *e,
    struct result *res)
{
	double index;
	int i;

	res->in_bed_ok = 1;
	if (!e->have_summary)
		return;
	res->out_of_bed_s = (e->summary_hours - e->summary_in_bed) * 3600;
	if (strncmp(t->mount, "ankle", 5) == 0) {	/* one or two */
		res->out_lo_s = 0;
		for (i = 0; i < 3; i++)
			if (t->toilet_s[i] - IN_BED_TRIP_S * t->toilet_n[i] >
			    res->out_lo_s)
				res->out_lo_s = t->toilet_s[i] -
				    IN_BED_TRIP_S * t->toilet_n[i];
		res->out_hi_s = t->away_max_s + IN_BED_SLACK_S;
	} else {
		res->out_lo_s = 0;
		res->out_hi_s = 0;
	}
	if (res->out_of_bed_s < res->out_lo_s - JSON_HOURS_S ||
	    res->out_of_bed_s > res->out_hi_s + JSON_HOURS_S)
		res->in_bed_ok = 0;
	index = e->summary_in_bed > 0 ?
	    (double)e->summary_plm / e->summary_in_bed : 0;
	/* plm_index to 0.1, hours_in_bed to 0.001 h */
	if (fabs(e->summary_index - index) > 0.05 + 0.001 * index /
	    (e->summary_in_bed > 0 ? e->summary_in_bed : 1) + 1e-6)
		res->in_bed_ok = 0;
}

static void
score_night(struct truth *t, const struct events *e,
    struct result *res)
{
	res->hours = (t->end - t->start) / 3600;
	res->rate = t->rate;
	res->mount = t->mount;
	res->noise = t->noise;
	match_lms(&t->lm, &e->lm, res);
	if (t->two_legs) {
		struct marks merged;

		bilateral_marks(&t->plm_input, &merged);
		free(t->plm_input.v);
		t->plm_input = merged;
	}
	res->plm_truth = truth_plm_count(&t->plm_input);
	res->plm_det = e->plm_count;
	if (!e->have_summary)
		res->summary = "none";
	else
		res->summary = e->summary_plm == e->plm_count ? "ok" : "DIFF";
	score_in_bed(t, e, res);
	score_cramps(t, e, res);
	res->body_truth = t->body.n;
	res->body_det = e->body.n;
	if (t->have_sit) {
		res->sit = e->have_sit ? 1 : -1;
		res->sit_plm_truth = truth_sit_plm(t, &res->sit_lm_truth);
		res->sit_lm_det = e->sit_lm;
		res->sit_plm_det = e->sit_plm;
		res->sit_valid = e->sit_valid && fabs(e->sit_start -
		    t->sit_start) < 0.001;
	}
}

/* ---- Output ---- */

static void
print_header(void)
{
	printf("%-16s %5s %4s %-8s %6s | %5s %5s %4s %4s %5s %5s %5s |"
	    " %6s %6s | %5s %5s %6s %4s | %5s %5s %5s %5s | %4s %4s |"
	    " %5s %5s %5s %5s\n",
	    "night", "hours", "rate", "mount", "noise",
	    "lm", "tp", "fp", "fn", "prec", "rec", "f1",
	    "on_ms", "off_ms",
	    "plm", "det", "err%", "sum",
	    "cramp", "found", "false", "early",
	    "body", "det", "sitlm", "det", "sitpl", "det");
}

static void
print_row(const struct result *r)
{
	char err[16], sit[40];

	if (r->sit == 0)
		snprintf(sit, sizeof sit, "%5s %5s %5s %5s", "-", "-", "-",
		    "-");
	else if (r->sit < 0)
		snprintf(sit, sizeof sit, "%5ld %5s %5ld %5s", r->sit_lm_truth,
		    "none", r->sit_plm_truth, "none");
	else
		snprintf(sit, sizeof sit, "%5ld %5ld %5ld %5ld",
		    r->sit_lm_truth, r->sit_lm_det, r->sit_plm_truth,
		    r->sit_plm_det);
	if (r->plm_truth > 0)
		snprintf(err, sizeof err, "%+.1f", 100.0 *
		    (double)(r->plm_det - r->plm_truth) / (double)r->plm_truth);
	else
		snprintf(err, sizeof err, "%s", r->plm_det ? "inf" : "0.0");
	printf("%-16s %5.2f %4ld %-8s %6.4f | %5zu %5zu %4zu %4zu %5.3f %5.3f "
	    "%5.3f | %6.0f %6.0f | %5ld %5ld %6s %4s | %5zu %5zu %5zu %5zu |"
	    " %4zu %4zu | %s\n",
	    r->name, r->hours, r->rate, r->mount, r->noise,
	    r->lm_truth, r->tp, r->fp, r->fn, r->precision, r->recall, r->f1,
	    r->onset_ms, r->offset_ms,
	    r->plm_truth, r->plm_det, err, r->summary,
	    r->cramp_truth, r->cramp_found, r->cramp_false, r->cramp_early,
	    r->body_truth, r->body_det, sit);
}

/* The bars of --check; prints each miss on stderr. */
static int
check_night(const struct result *r, double cramp_noise_max)
{
	int cramps_due = r->noise <= cramp_noise_max;

	int failed = 0;

	if (r->f1 < LM_F1_MIN) {
		fprintf(stderr, "score: %s: leg movement F1 %.3f < %.2f "
		    "(TP %zu, FP %zu, FN %zu)\n", r->name, r->f1, LM_F1_MIN,
		    r->tp, r->fp, r->fn);
		failed = 1;
	}
	if (fabs((double)(r->plm_det - r->plm_truth)) >
	    PLM_ERR_MAX * (double)r->plm_truth) {
		fprintf(stderr, "score: %s: PLM count %ld, truth %ld: more "
		    "than %.0f %% off\n", r->name, r->plm_det, r->plm_truth,
		    100 * PLM_ERR_MAX);
		failed = 1;
	}
	if (strcmp(r->summary, "DIFF") == 0) {
		fprintf(stderr, "score: %s: night_summary plm_count differs "
		    "from the sum of plm_series counts (%ld)\n", r->name,
		    r->plm_det);
		failed = 1;
	}
	if (!r->in_bed_ok) {
		fprintf(stderr, "score: %s: night_summary leaves %.0f s out of "
		    "bed (truth: %.0f-%.0f s), or its plm_index is not PLMs "
		    "per hour in bed\n", r->name, r->out_of_bed_s, r->out_lo_s,
		    r->out_hi_s);
		failed = 1;
	}
	if (cramps_due && r->cramp_found < r->cramp_truth) {
		fprintf(stderr, "score: %s: %zu of %zu cramps missed\n",
		    r->name, r->cramp_truth - r->cramp_found, r->cramp_truth);
		failed = 1;
	}
	if (r->onset_ms > ONSET_MS_MAX || r->offset_ms > OFFSET_MS_MAX) {
		fprintf(stderr, "score: %s: leg movements timed %.0f ms (onset) "
		    "and %.0f ms (offset) off on average; at most %.0f and "
		    "%.0f\n", r->name, r->onset_ms, r->offset_ms,
		    ONSET_MS_MAX, OFFSET_MS_MAX);
		failed = 1;
	}
	if (cramps_due && r->cramp_early < r->cramp_found) {
		fprintf(stderr, "score: %s: %zu cramps announced (cramp_start) "
		    "only after they ended\n", r->name,
		    r->cramp_found - r->cramp_early);
		failed = 1;
	}
	if (r->sit < 0) {
		fprintf(stderr, "score: %s: no sit_result\n", r->name);
		failed = 1;
	} else if (r->sit > 0 && (!r->sit_valid ||
	    fabs((double)(r->sit_plm_det - r->sit_plm_truth)) >
	    PLM_ERR_MAX * (double)r->sit_plm_truth ||
	    fabs((double)(r->sit_lm_det - r->sit_lm_truth)) >
	    PLM_ERR_MAX * (double)r->sit_lm_truth)) {
		fprintf(stderr, "score: %s: immobilization test %s, %ld LMs "
		    "and %ld PLMs (truth %ld and %ld)\n", r->name,
		    r->sit_valid ? "valid" : "NOT valid or not at its time",
		    r->sit_lm_det, r->sit_plm_det, r->sit_lm_truth,
		    r->sit_plm_truth);
		failed = 1;
	}
	if (r->cramp_false > 0) {
		fprintf(stderr, "score: %s: %zu false cramps\n", r->name,
		    r->cramp_false);
		failed = 1;
	}
	return failed;
}

/* "dir/night07.truth.jsonl" -> "night07" */
static char *
default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name, *dot;

	name = strdup(base ? base + 1 : path);
	if (name == NULL) {
		perror("score");
		exit(EX_BADINPUT);
	}
	if ((dot = strchr(name, '.')) != NULL && dot != name)
		*dot = '\0';
	return name;
}

static void
truth_free(struct truth *t)
{
	free(t->lm.v);
	free(t->body.v);
	free(t->cramp.v);
	free(t->plm_input.v);
}

static void
events_free(struct events *e)
{
	free(e->lm.v);
	free(e->body.v);
	free(e->cramp.v);
	free(e->cramp_start.v);
}

static void
usage(void)
{
	fprintf(stderr, "usage: score --truth FILE --events FILE "
	    "[--name LABEL] [--header]\n"
	    "             [--check [--cramp-noise-max G]]\n"
	    "       score --header\n");
	exit(EX_USAGE);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "truth",	required_argument, NULL, 't' },
		{ "events",	required_argument, NULL, 'e' },
		{ "name",	required_argument, NULL, 'n' },
		{ "header",	no_argument,	   NULL, 'H' },
		{ "check",	no_argument,	   NULL, 'c' },
		{ "cramp-noise-max", required_argument, NULL, 'm' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *truth_path = NULL, *events_path = NULL, *name = NULL;
	struct truth t;
	struct events e;
	struct result res;
	char *auto_name = NULL;
	int c, header = 0, check = 0, failed = 0;
	double cramp_noise_max = INFINITY;
	char *end;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			truth_path = optarg;
			break;
		case 'e':
			events_path = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'H':
			header = 1;
			break;
		case 'c':
			check = 1;
			break;
		case 'm':
			errno = 0;
			cramp_noise_max = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    !(cramp_noise_max >= 0)) {
				fprintf(stderr, "score: --cramp-noise-max: '%s' "
				    "is not a noise level in g\n", optarg);
				return EX_USAGE;
			}
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (header && truth_path == NULL && events_path == NULL) {
		print_header();	/* a table's head before its rows */
		return 0;
	}
	if (truth_path == NULL || events_path == NULL)
		usage();

	memset(&t, 0, sizeof t);
	memset(&e, 0, sizeof e);
	memset(&res, 0, sizeof res);
	read_truth(truth_path, &t);
	read_events(events_path, &e);
	if (name == NULL)
		name = auto_name = default_name(truth_path);
	res.name = name;
	score_night(&t, &e, &res);
	if (header)
		print_header();
	print_row(&res);
	if (fflush(stdout) == EOF) {
		perror("score: stdout");
		return EX_BADINPUT;
	}
	if (!e.have_summary)
		fprintf(stderr, "score: %s: no night_summary event\n", name);
	if (check)
		failed = check_night(&res, cramp_noise_max);

	free(auto_name);
	truth_free(&t);
	events_free(&e);
	return failed;
}
