/*
 * The night as one SVG 1.1 document (report.h).  Everything is drawn
 * with presentation attributes (no style sheet) and fonts by name with
 * the generic sans-serif behind them, so that any viewer shows it alike
 * and nothing is fetched from elsewhere.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

enum mark_kind {
	MARK_LM,
	MARK_BODY,
	MARK_CRAMP,
	MARK_PLM,
};

struct mark {
	double		start, end;
	double		value;		/* peak_g; mean_imi of a series */
	int		count;		/* movements in a series */
	unsigned char	kind;
	unsigned char	row;
};

/* Readings close together share one point: their mean. */
struct temp_point {
	double	t0;		/* the first reading's time */
	double	tsum, csum;
	long	n;
};

struct temp_line {
	char			name[EVENT_NAME_MAX];
	struct temp_point	pt[REPORT_TEMP_POINTS];
	int			npt;
	double			gap;
	double			min, max;	/* of the readings themselves */
};

/* Night ends drawn as lines; a longer replay draws the first ones. */
#define NIGHTS_DRAWN	64

struct report {
	char			subtitle[512];
	char			row[REPORT_ROWS][EVENT_NAME_MAX];
	int			nrows;
	int			rows_shared;	/* more sensors than rows */
	struct mark		*mark;
	int			nmarks, cap;
	long			dropped;
	int			ncramps;
	struct temp_line	temp[REPORT_TEMP_SENSORS];
	int			ntemps;
	int			temps_left_out;
	struct night_figures	sum;		/* of the summaries fed */
	int			nsummaries;
	double			night_end[NIGHTS_DRAWN];
	double			lo, hi;		/* what was fed spans this */
};

/* The figures drawn, from the summaries or counted from the events. */
struct figures {
	struct night_figures	n;
	int			body;
	int			counted;	/* no summary was fed */
};

/* The page: one size, so nights compare side by side. */
#define W		1200.0
#define X0		150.0		/* the time axis, left */
#define X1		1170.0		/* and right */
#define PW		(X1 - X0)
#define CHART_Y		236.0		/* labels above the rows */
#define ROWS_Y		256.0
#define ROW_H		40.0
#define CRAMP_H		30.0
#define TEMP_GAP	14.0
#define TEMP_H		110.0

/* Minimum widths: a 1 s movement in 8 h is a fraction of a pixel. */
#define LM_MIN_W	2.0
#define BODY_MIN_W	3.0
#define CRAMP_MIN_W	4.0

#define C_LM		"#1f5fbf"
#define C_BODY		"#ef8f00"
#define C_PLM		"#7e57c2"
#define C_CRAMP		"#c62828"
#define C_GRID		"#d6d6d6"
#define C_TEXT		"#212121"
#define C_MUTED		"#616161"
#define C_NORMAL	"#66bb6a"
#define C_RAISED	"#ffca28"
#define C_SIGNIF	"#ef5350"

static const char *const temp_colour[REPORT_TEMP_SENSORS] = {
	"#00897b", "#6d4c41", "#3949ab", "#c2185b",
};

/* One reading a minute is plenty for a room; doubled when full. */
#define TEMP_GAP_S	60.0
/* A thermometer silent this long: the line breaks rather than lie. */
#define TEMP_BREAK_S	600.0

struct report *
report_new(void)
{
	struct report *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	report_clear(r);
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	free(r->mark);
	free(r);
}

void
report_clear(struct report *r)
{
	struct mark *keep = r->mark;
	int cap = r->cap;
	char subtitle[sizeof(r->subtitle)];

	/* The storage and the subtitle outlive a night; the rest does not. */
	memcpy(subtitle, r->subtitle, sizeof(subtitle));
	memset(r, 0, sizeof(*r));
	memcpy(r->subtitle, subtitle, sizeof(subtitle));
	r->mark = keep;
	r->cap = cap;
	r->lo = INFINITY;
	r->hi = -INFINITY;
	r->sum.temp_min_c = INFINITY;
	r->sum.temp_max_c = -INFINITY;
}

void
report_set_subtitle(struct report *r, const char *text)
{
	snprintf(r->subtitle, sizeof(r->subtitle), "%s",
	    text != NULL ? text : "");
}

static void
widen(struct report *r, double t)
{
	if (t < r->lo)
		r->lo = t;
	if (t > r->hi)
		r->hi = t;
}

static int
row_of(struct report *r, const char *sensor)
{
	int i;

	for (i = 0; i < r->nrows; i++)
		if (strcmp(r->row[i], sensor) == 0)
			return i;
	if (r->nrows < REPORT_ROWS) {
		snprintf(r->row[r->nrows], sizeof(r->row[0]), "%s", sensor);
		return r->nrows++;
	}
	r->rows_shared = 1;
	return REPORT_ROWS - 1;
}

static int
add_mark(struct report *r, enum mark_kind kind, const struct event *ev)
{
	struct mark *m;

	if (!isfinite(ev->start) || !isfinite(ev->end) || ev->end < ev->start)
		return 0;	/* nothing to place on the axis */
	if (r->nmarks == r->cap) {
		int cap = r->cap ? r->cap * 2 : 256;

		if (cap > REPORT_MARKS_MAX)
			cap = REPORT_MARKS_MAX;
		if (r->nmarks == cap ||
		    (m = realloc(r->mark, sizeof(*m) * (size_t)cap)) == NULL) {
			r->dropped++;
			return -1;
		}
		r->mark = m;
		r->cap = cap;
	}
	m = &r->mark[r->nmarks++];
	r->ncramps += kind == MARK_CRAMP;
	m->start = ev->start;
	m->end = ev->end;
	m->kind = (unsigned char)kind;
	m->count = ev->count;
	m->value = kind == MARK_PLM ? ev->mean_imi : ev->peak_g;
	/* Series and cramps have rows of their own. */
	m->row = kind == MARK_LM || kind == MARK_BODY ?
	    (unsigned char)row_of(r, ev->sensor) : 0;
	widen(r, ev->start);
	widen(r, ev->end);
	return 0;
}

static void
add_summary(struct report *r, const struct event *ev)
{
	const struct night_figures *n = &ev->night;
	struct night_figures *s = &r->sum;

	if (r->nsummaries < NIGHTS_DRAWN && isfinite(ev->end))
		r->night_end[r->nsummaries] = ev->end;
	r->nsummaries++;
	if (isfinite(ev->start) && isfinite(ev->end)) {
		widen(r, ev->start);
		widen(r, ev->end);
	}
	if (isfinite(n->hours))
		s->hours += n->hours;
	if (isfinite(n->hours_in_bed))
		s->hours_in_bed += n->hours_in_bed;
	s->lm_count += n->lm_count;
	s->plm_count += n->plm_count;
	s->plm_series += n->plm_series;
	s->cramp_count += n->cramp_count;
	if (n->temp_min_c < s->temp_min_c)
		s->temp_min_c = n->temp_min_c;
	if (n->temp_max_c > s->temp_max_c)
		s->temp_max_c = n->temp_max_c;
}

int
report_event(struct report *r, const struct event *ev)
{
	switch (ev->type) {
	case EVENT_LEG_MOVEMENT:
		return add_mark(r, MARK_LM, ev);
	case EVENT_BODY_MOVEMENT:
		return add_mark(r, MARK_BODY, ev);
	case EVENT_CRAMP:
		return add_mark(r, MARK_CRAMP, ev);
	case EVENT_PLM_SERIES:
		return add_mark(r, MARK_PLM, ev);
	case EVENT_NIGHT_SUMMARY:
		add_summary(r, ev);
		return 0;
	default:
		/* A cramp is drawn when it ended; reminders are not the night. */
		return 0;
	}
}

static struct temp_line *
temp_line_of(struct report *r, const char *sensor)
{
	struct temp_line *tl;
	int i;

	for (i = 0; i < r->ntemps; i++)
		if (strcmp(r->temp[i].name, sensor) == 0)
			return &r->temp[i];
	if (r->ntemps == REPORT_TEMP_SENSORS)
		return NULL;
	tl = &r->temp[r->ntemps++];
	snprintf(tl->name, sizeof(tl->name), "%s", sensor);
	tl->gap = TEMP_GAP_S;
	tl->min = INFINITY;
	tl->max = -INFINITY;
	return tl;
}

/* Full: neighbours become one point, and later readings share more. */
static void
temp_halve(struct temp_line *tl)
{
	int i, j;

	for (i = 0, j = 0; i < tl->npt; i += 2, j++) {
		tl->pt[j] = tl->pt[i];
		if (i + 1 < tl->npt) {
			tl->pt[j].tsum += tl->pt[i + 1].tsum;
			tl->pt[j].csum += tl->pt[i + 1].csum;
			tl->pt[j].n += tl->pt[i + 1].n;
		}
	}
	tl->npt = j;
	tl->gap *= 2;
}

int
report_temperature(struct report *r, const char *sensor, double t,
    double temp_c)
{
	struct temp_line *tl;
	struct temp_point *p;

	if (!isfinite(t) || !isfinite(temp_c))
		return 0;
	if ((tl = temp_line_of(r, sensor != NULL ? sensor : "")) == NULL) {
		r->temps_left_out = 1;
		return -1;
	}
	if (temp_c < tl->min)
		tl->min = temp_c;
	if (temp_c > tl->max)
		tl->max = temp_c;
	widen(r, t);
	p = tl->npt > 0 ? &tl->pt[tl->npt - 1] : NULL;
	if (p != NULL && t - p->t0 < tl->gap && t >= p->t0) {
		p->tsum += t;
		p->csum += temp_c;
		p->n++;
		return 0;
	}
	if (tl->npt == REPORT_TEMP_POINTS)
		temp_halve(tl);
	p = &tl->pt[tl->npt++];
	p->t0 = p->tsum = t;
	p->csum = temp_c;
	p->n = 1;
	return 0;
}

/* ---- Writing --------------------------------------------------------- */

struct page {
	FILE	*f;
	double	 lo, hi;	/* the time axis */
	double	 rows_y, rows_h;	/* the sensor rows */
	double	 cramp_y;
	double	 temp_y;
	double	 axis_y;
	double	 height;
	int	 nrows;
	int	 order[REPORT_ROWS];	/* the row drawn k-th */
	int	 pos[REPORT_ROWS];	/* where row i is drawn */
};

static double
xat(const struct page *pg, double t)
{
	return X0 + (t - pg->lo) / (pg->hi - pg->lo) * PW;
}

/*
 * Text as XML character data: the five specials escaped, and only valid
 * UTF-8 that XML allows passes (a file name can hold any bytes; a
 * viewer refuses the whole document for one bad one).  At most maxch
 * characters; longer text ends in an ellipsis.
 */
static void
put_text(FILE *f, const char *s, size_t maxch)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t nch = 0;

	while (*p != '\0') {
		size_t len = 1, k;
		unsigned char c = *p;
		int ok = 1;

		if (nch == maxch) {
			fputs("\xe2\x80\xa6", f);
			return;
		}
		nch++;
		if (c < 0x80) {
			switch (c) {
			case '&': fputs("&amp;", f); break;
			case '<': fputs("&lt;", f); break;
			case '>': fputs("&gt;", f); break;
			case '"': fputs("&quot;", f); break;
			case '\'': fputs("&apos;", f); break;
			default:
				/* One line: controls (XML forbids most) as spaces. */
				fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
			}
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			ok = 0;
		for (k = 1; ok && k < len; k++)
			if ((p[k] & 0xc0) != 0x80)
				ok = 0;
		/* Overlong forms, surrogates, past U+10FFFF, U+FFFE/U+FFFF. */
		if (ok && ((c == 0xe0 && p[1] < 0xa0) ||
		    (c == 0xed && p[1] > 0x9f) ||
		    (c == 0xf0 && p[1] < 0x90) ||
		    (c == 0xf4 && p[1] > 0x8f) ||
		    (c == 0xef && p[1] == 0xbf && (p[2] == 0xbe ||
		    p[2] == 0xbf))))
			ok = 0;
		if (!ok) {
			fputs("\xef\xbf\xbd", f);	/* U+FFFD */
			p++;
			continue;
		}
		fwrite(p, 1, len, f);
		p += len;
	}
}

static void
textf(FILE *f, size_t maxch, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
textf(FILE *f, size_t maxch, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put_text(f, buf, maxch);
}

#define HM	"%H:%M"

/* The ways a time is shown; literal formats, for the compiler to check. */
enum local_form {
	L_HM,		/* 23:05 */
	L_HMS,		/* 23:05:09 */
	L_YMDHM,	/* 2026-11-18 23:05 */
	L_ZONE,		/* CET, UTC+0100 */
};

static void
local_fmt(char *buf, size_t bufsz, enum local_form form, double t)
{
	time_t secs = (time_t)floor(t);
	struct tm tm;
	size_t n = 0;

	if (isfinite(t) && localtime_r(&secs, &tm) != NULL) {
		switch (form) {
		case L_HM:
			n = strftime(buf, bufsz, HM, &tm);
			break;
		case L_HMS:
			n = strftime(buf, bufsz, "%H:%M:%S", &tm);
			break;
		case L_YMDHM:
			n = strftime(buf, bufsz, "%Y-%m-%d %H:%M", &tm);
			break;
		case L_ZONE:
			n = strftime(buf, bufsz, "%Z, UTC%z", &tm);
			break;
		}
	}
	if (n == 0)
		snprintf(buf, bufsz, "?");
}

static void
clock_of(char *buf, size_t bufsz, double t, int seconds)
{
	local_fmt(buf, bufsz, seconds ? L_HMS : L_HM, t);
}

/* "4 min 03 s", "43 s", "1.2 s": as the summary on the terminal says. */
static void
duration_of(char *buf, size_t bufsz, double s)
{
	if (s < 10)
		snprintf(buf, bufsz, "%.1f s", s);
	else if (s < 60)
		snprintf(buf, bufsz, "%.0f s", floor(s));
	else
		snprintf(buf, bufsz, "%.0f min %02.0f s", floor(s / 60),
		    fmod(floor(s), 60));
}

static const char *
index_words(double idx)
{
	/* The thresholds and words of the summary on the terminal. */
	return idx > 15 ? "above 15: clinically significant for an adult" :
	    idx > 5 ? "5 to 15: raised" : "below 5: normal";
}

static void
figures_of(const struct report *r, struct figures *fg)
{
	int i, t;

	memset(fg, 0, sizeof(*fg));
	for (i = 0; i < r->nmarks; i++)
		fg->body += r->mark[i].kind == MARK_BODY;
	if (r->nsummaries > 0) {
		fg->n = r->sum;
		/* All PLMs over all the hours in bed, as each night's. */
		fg->n.plm_index = fg->n.hours_in_bed > 0 ? fg->n.plm_count /
		    fg->n.hours_in_bed : 0;
		if (!isfinite(fg->n.temp_min_c)) {
			fg->n.temp_min_c = NAN;
			fg->n.temp_max_c = NAN;
		}
		return;
	}
	/* No summary (a night cut short): count what was drawn. */
	fg->counted = 1;
	fg->n.temp_min_c = INFINITY;
	fg->n.temp_max_c = -INFINITY;
	for (i = 0; i < r->nmarks; i++) {
		const struct mark *m = &r->mark[i];

		fg->n.lm_count += m->kind == MARK_LM;
		fg->n.cramp_count += m->kind == MARK_CRAMP;
		if (m->kind == MARK_PLM) {
			fg->n.plm_series++;
			fg->n.plm_count += m->count;
		}
	}
	fg->n.hours = r->hi > r->lo ? (r->hi - r->lo) / 3600 : 0;
	/* Time out of bed is known only to a summary. */
	fg->n.hours_in_bed = fg->n.hours;
	fg->n.plm_index = fg->n.hours > 0 ? fg->n.plm_count / fg->n.hours : 0;
	for (t = 0; t < r->ntemps; t++) {
		if (r->temp[t].min < fg->n.temp_min_c)
			fg->n.temp_min_c = r->temp[t].min;
		if (r->temp[t].max > fg->n.temp_max_c)
			fg->n.temp_max_c = r->temp[t].max;
	}
	if (!isfinite(fg->n.temp_min_c))
		fg->n.temp_min_c = fg->n.temp_max_c = NAN;
}

/* A label on the left of the page and its value beside it. */
static void
figure_line(FILE *f, double y, const char *label)
{
	fprintf(f, "<text x=\"30\" y=\"%.0f\" fill=\"" C_MUTED "\">", y);
	put_text(f, label, 40);
	fprintf(f, "</text>\n<text x=\"175\" y=\"%.0f\" fill=\"" C_TEXT
	    "\">", y);
}

static void
draw_figures(const struct report *r, const struct page *pg,
    const struct figures *fg)
{
	const struct night_figures *n = &fg->n;
	FILE *f = pg->f;
	char from[32], to[32], at[16], len[32];
	double y = 96, sx, idx = n->plm_index;
	int i, shown;

	if (pg->hi - pg->lo > 86400)
		local_fmt(to, sizeof(to), L_YMDHM, r->hi);
	else
		clock_of(to, sizeof(to), r->hi, 0);
	local_fmt(from, sizeof(from), L_YMDHM, r->lo);
	figure_line(f, y, "Recorded");
	if (r->nsummaries > 1)
		textf(f, 100, "%s to %s (%.1f h, %.1f h in bed, in %d night "
		    "windows)", from, to, n->hours, n->hours_in_bed,
		    r->nsummaries);
	else
		textf(f, 80, "%s to %s (%.1f h, %.1f h in bed)", from, to,
		    n->hours, n->hours_in_bed);
	fputs("</text>\n", f);
	figure_line(f, y += 20, "Leg movements");
	fprintf(f, "%d</text>\n", n->lm_count);
	figure_line(f, y += 20, "Periodic (PLM)");
	fprintf(f, "%d in %d series</text>\n", n->plm_count, n->plm_series);
	figure_line(f, y += 20, "PLM index");
	fprintf(f, "<tspan font-weight=\"bold\">%.1f per hour in bed</tspan> "
	    "(%s)</text>\n", idx, index_words(idx));
	figure_line(f, y += 20, "Cramps");
	fprintf(f, "%d", n->cramp_count);
	for (i = 0, shown = 0; i < r->nmarks; i++) {
		const struct mark *m = &r->mark[i];

		if (m->kind != MARK_CRAMP)
			continue;
		if (shown == 3) {
			fputs(", \xe2\x80\xa6", f);
			break;
		}
		clock_of(at, sizeof(at), m->start, 0);
		duration_of(len, sizeof(len), m->end - m->start);
		fprintf(f, "%s %s (%s)", shown ? "," : " at", at, len);
		shown++;
	}
	fputs("</text>\n", f);
	figure_line(f, y += 20, "Body movements");
	fprintf(f, "%d (long turns, out of bed)</text>\n", fg->body);
	figure_line(f, y += 20, "Temperature");
	if (isnan(n->temp_min_c))
		fputs("no thermometer</text>\n", f);
	else
		fprintf(f, "%.1f to %.1f \xc2\xb0""C</text>\n", n->temp_min_c,
		    n->temp_max_c);
	if (fg->counted)
		fprintf(f, "<text x=\"30\" y=\"%.0f\" font-size=\"11\" "
		    "fill=\"" C_MUTED "\">No night summary yet: counted from "
		    "the movements drawn.</text>\n", y + 18);

	/* The index on the clinical scale: 0-5 normal, 5-15, over 15. */
	sx = 700;
	fprintf(f, "<g class=\"index-scale\">\n"
	    "<text x=\"%.0f\" y=\"86\" fill=\"" C_TEXT "\">PLM index per hour "
	    "in bed: "
	    "%.1f</text>\n", sx, idx);
#define SCALE_X(v)	(sx + (v) / 30.0 * 470.0)
	fprintf(f, "<rect x=\"%.1f\" y=\"104\" width=\"%.1f\" height=\"14\" "
	    "fill=\"" C_NORMAL "\"/>\n", SCALE_X(0), SCALE_X(5) - SCALE_X(0));
	fprintf(f, "<rect x=\"%.1f\" y=\"104\" width=\"%.1f\" height=\"14\" "
	    "fill=\"" C_RAISED "\"/>\n", SCALE_X(5), SCALE_X(15) - SCALE_X(5));
	fprintf(f, "<rect x=\"%.1f\" y=\"104\" width=\"%.1f\" height=\"14\" "
	    "fill=\"" C_SIGNIF "\"/>\n", SCALE_X(15),
	    SCALE_X(30) - SCALE_X(15));
	fprintf(f, "<g font-size=\"11\" fill=\"" C_MUTED "\">\n"
	    "<text x=\"%.1f\" y=\"132\">0</text>\n"
	    "<text x=\"%.1f\" y=\"132\" text-anchor=\"middle\">5</text>\n"
	    "<text x=\"%.1f\" y=\"132\" text-anchor=\"middle\">15</text>\n"
	    "<text x=\"%.1f\" y=\"132\" text-anchor=\"end\">30+</text>\n"
	    "<text x=\"%.1f\" y=\"146\">normal</text>\n"
	    "<text x=\"%.1f\" y=\"146\">raised</text>\n"
	    "<text x=\"%.1f\" y=\"146\">clinically significant (adult)"
	    "</text>\n</g>\n", SCALE_X(0), SCALE_X(5), SCALE_X(15), SCALE_X(30),
	    SCALE_X(0), SCALE_X(5) + 4, SCALE_X(15) + 4);
	/* Past the scale's end the marker waits at the end, the value said. */
	fprintf(f, "<path class=\"index-marker\" d=\"M%.1f 103 l-6 -9 h12 z\" "
	    "fill=\"" C_TEXT "\"><title>PLM index %.1f per hour</title>"
	    "</path>\n", SCALE_X(idx > 30 ? 30 : idx < 0 ? 0 : idx), idx);
#undef SCALE_X
	fprintf(f, "<text x=\"%.0f\" y=\"170\" font-size=\"11\" fill=\""
	    C_MUTED "\">Nights vary a lot: the trend over nights says more "
	    "than one night.</text>\n</g>\n", sx);
}

/* Tick steps of the time axis, in seconds: at most 12 labels. */
static const double tick_steps[] = {
	60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
};

/* At local hh:mm that are multiples of the step (DST and odd zones). */
static int
on_tick(double t, double step, struct tm *tm)
{
	time_t secs = (time_t)t;
	int mins;

	if (localtime_r(&secs, tm) == NULL || tm->tm_sec != 0)
		return 0;
	mins = tm->tm_hour * 60 + tm->tm_min;
	return mins % (int)(step / 60) == 0;
}

static void
tick_label(const struct page *pg, double t, const struct tm *tm,
    int *last_yday)
{
	FILE *f = pg->f;
	char buf[32];
	double x = xat(pg, t);

	fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
	    "y2=\"%.1f\" stroke=\"" C_GRID "\"/>\n", x, CHART_Y + 10, x,
	    pg->temp_y + TEMP_H);
	strftime(buf, sizeof(buf), HM, tm);
	fprintf(f, "<text class=\"hour\" x=\"%.1f\" y=\"%.1f\" "
	    "text-anchor=\"middle\" fill=\"" C_TEXT "\">%s</text>\n", x,
	    pg->axis_y, buf);
	/* The date under the first label and where a new day begins. */
	if (tm->tm_yday != *last_yday) {
		strftime(buf, sizeof(buf), "%a %d %b", tm);
		/* Wider than the time above it: kept on the page. */
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
		    "font-size=\"11\" fill=\"" C_MUTED "\">%s</text>\n",
		    x > W - 40 ? W - 40 : x, pg->axis_y + 15, buf);
		*last_yday = tm->tm_yday;
	}
}

static void
draw_axis(const struct page *pg)
{
	double span = pg->hi - pg->lo, step = 0;
	size_t i;
	struct tm tm;
	int last_yday = -1, days, k;

	for (i = 0; i < sizeof(tick_steps) / sizeof(tick_steps[0]); i++)
		if (span / tick_steps[i] <= 12) {
			step = tick_steps[i];
			break;
		}
	if (step > 0) {
		/* Every quarter hour is a candidate: zones are 15 min apart. */
		double grain = step < 3600 ? 60 : 900, g, t;

		/* Counted in whole grains: a sum of doubles would drift. */
		for (g = ceil(pg->lo / grain); (t = g * grain) <= pg->hi; g++)
			if (on_tick(t, step, &tm))
				tick_label(pg, t, &tm, &last_yday);
		return;
	}
	/* Days: each midnight, local, however long the day was. */
	days = (int)ceil(span / 86400 / 12);
	{
		time_t secs = (time_t)ceil(pg->lo);

		if (localtime_r(&secs, &tm) == NULL)
			return;
	}
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	for (k = 0; k < 400; k++) {
		struct tm at = tm;
		time_t m;

		at.tm_mday += k * days;
		at.tm_isdst = -1;
		if ((m = mktime(&at)) == (time_t)-1 || (double)m > pg->hi)
			break;
		tick_label(pg, (double)m, &at, &last_yday);
	}
}

static void
mark_title(FILE *f, const struct mark *m, const char *what,
    const char *sensor)
{
	char at[16], len[32];

	clock_of(at, sizeof(at), m->start, 1);
	duration_of(len, sizeof(len), m->end - m->start);
	fputs("<title>", f);
	textf(f, 200, "%s at %s, %s", what, at, len);
	if (m->kind == MARK_PLM)
		textf(f, 100, ", %d movements, %.0f s apart on average",
		    m->count, m->value);
	else if (isfinite(m->value))
		textf(f, 100, ", peak %.2f g", m->value);
	if (sensor != NULL && sensor[0] != '\0') {
		fputs(" (", f);
		put_text(f, sensor, EVENT_NAME_MAX);
		fputs(")", f);
	}
	fputs("</title>", f);
}

/* The sensor of a movement, unless its row is shared by several. */
static const char *
row_name(const struct report *r, const struct mark *m)
{
	return r->rows_shared && m->row == REPORT_ROWS - 1 ? NULL :
	    r->row[m->row];
}

/* Cramps labelled at most; a night of more is its figures' job. */
#define CRAMP_LABELS	32

/* [a, b] is inside the chart and clear of every extent placed. */
static int
label_free(double placed[][2], int n, double a, double b)
{
	int i;

	if (a < X0 || b > X1)
		return 0;
	for (i = 0; i < n; i++)
		if (a < placed[i][1] + 4 && b > placed[i][0] - 4)
			return 0;
	return 1;
}

static void
draw_rows(const struct report *r, const struct page *pg)
{
	FILE *f = pg->f;
	double y, x, w, top = pg->rows_y, bottom = pg->rows_y + pg->rows_h;
	double placed[2 * CRAMP_LABELS][2];
	int i, nplaced = 0;

	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
	    "fill=\"#fafafa\" stroke=\"" C_GRID "\"/>\n", X0, top, PW,
	    bottom + CRAMP_H - top);
	for (i = 0; i < pg->nrows; i++) {
		int row = pg->order[i];

		y = top + i * ROW_H;
		if (i > 0)
			fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" "
			    "y2=\"%.0f\" stroke=\"" C_GRID "\"/>\n", X0, y, X1,
			    y);
		fprintf(f, "<text class=\"row\" x=\"%.0f\" y=\"%.0f\" "
		    "text-anchor=\"end\" fill=\"" C_TEXT "\">", X0 - 10,
		    y + ROW_H / 2 + 4);
		if (r->nrows == 0)
			fputs("movements", f);
		else if (r->rows_shared && row == REPORT_ROWS - 1)
			fputs("other sensors", f);
		else
			put_text(f, r->row[row], 18);
		fputs("</text>\n", f);
	}
	fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" "
	    "stroke=\"" C_GRID "\"/>\n<text class=\"row\" x=\"%.0f\" "
	    "y=\"%.0f\" text-anchor=\"end\" fill=\"" C_CRAMP "\">cramps"
	    "</text>\n", X0, bottom, X1, bottom, X0 - 10,
	    bottom + CRAMP_H / 2 + 4);

	/* Series behind the movements they are made of. */
	fputs("<g fill=\"" C_PLM "\">\n", f);
	for (i = 0; i < r->nmarks; i++) {
		const struct mark *m = &r->mark[i];

		if (m->kind != MARK_PLM)
			continue;
		x = xat(pg, m->start);
		w = xat(pg, m->end) - x;
		fprintf(f, "<rect class=\"plm\" x=\"%.1f\" y=\"%.0f\" "
		    "width=\"%.1f\" height=\"%.0f\" fill-opacity=\"0.22\">",
		    x, CHART_Y + 6, w < 1 ? 1 : w, bottom - CHART_Y - 6);
		mark_title(f, m, "PLM series", NULL);
		fputs("</rect>\n", f);
		if (w >= 20)
			fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" "
			    "fill=\"#4527a0\">%s%d</text>\n", x + 3,
			    CHART_Y + 17, w >= 110 ? "PLM series: " : "",
			    m->count);
	}
	fputs("</g>\n", f);

	fputs("<g fill=\"" C_BODY "\">\n", f);
	for (i = 0; i < r->nmarks; i++) {
		const struct mark *m = &r->mark[i];

		if (m->kind != MARK_BODY)
			continue;
		x = xat(pg, m->start);
		w = xat(pg, m->end) - x;
		fprintf(f, "<rect class=\"bm\" x=\"%.1f\" y=\"%.0f\" "
		    "width=\"%.1f\" height=\"%.0f\">", x, top +
		    pg->pos[m->row] * ROW_H + 4, w < BODY_MIN_W ? BODY_MIN_W : w,
		    ROW_H - 8);
		mark_title(f, m, "body movement", row_name(r, m));
		fputs("</rect>\n", f);
	}
	fputs("</g>\n<g fill=\"" C_LM "\">\n", f);
	for (i = 0; i < r->nmarks; i++) {
		const struct mark *m = &r->mark[i];

		if (m->kind != MARK_LM)
			continue;
		x = xat(pg, m->start);
		w = xat(pg, m->end) - x;
		fprintf(f, "<rect class=\"lm\" x=\"%.1f\" y=\"%.0f\" "
		    "width=\"%.1f\" height=\"%.0f\">", x, top +
		    pg->pos[m->row] * ROW_H + 11, w < LM_MIN_W ? LM_MIN_W : w,
		    ROW_H - 22);
		mark_title(f, m, "leg movement", row_name(r, m));
		fputs("</rect>\n", f);
	}
	fputs("</g>\n<g fill=\"" C_CRAMP "\">\n", f);
	for (i = 0; i < r->nmarks; i++) {
		const struct mark *m = &r->mark[i];

		if (m->kind != MARK_CRAMP)
			continue;
		x = xat(pg, m->start);
		w = xat(pg, m->end) - x;
		if (w < CRAMP_MIN_W)
			w = CRAMP_MIN_W;
		y = bottom + 5;
		fprintf(f, "<rect class=\"cramp\" x=\"%.1f\" y=\"%.0f\" "
		    "width=\"%.1f\" height=\"%.0f\">", x, y, w, CRAMP_H - 10);
		mark_title(f, m, "cramp", NULL);
		/* A marker above the rows too: it ends any series. */
		fprintf(f, "</rect>\n<path class=\"cramp-marker\" "
		    "d=\"M%.1f %.0f l-6 -10 h12 z\"/>\n", x, top - 1);
		if (nplaced < CRAMP_LABELS) {
			placed[nplaced][0] = x;
			placed[nplaced++][1] = x + w;
		}
	}
	/*
	 * Each cramp's time and length beside it, right or left, where it
	 * covers no other cramp or label; where neither fits, its tooltip
	 * and the figures above say it.
	 */
	for (i = 0; i < r->nmarks && r->ncramps <= CRAMP_LABELS; i++) {
		const struct mark *m = &r->mark[i];
		char at[16], len[32];
		double tw;

		if (m->kind != MARK_CRAMP)
			continue;
		clock_of(at, sizeof(at), m->start, 0);
		duration_of(len, sizeof(len), m->end - m->start);
		tw = (strlen(at) + strlen(len) + 2) * 7.0;
		x = xat(pg, m->start);
		w = xat(pg, m->end) - x;
		if (w < CRAMP_MIN_W)
			w = CRAMP_MIN_W;
		if (label_free(placed, nplaced, x + w + 4, x + w + 4 + tw)) {
			placed[nplaced][0] = x + w + 4;
			placed[nplaced++][1] = x + w + 4 + tw;
			fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\">"
			    "%s, %s</text>\n", x + w + 4, bottom + 19, at, len);
		} else if (label_free(placed, nplaced, x - 4 - tw, x - 4)) {
			placed[nplaced][0] = x - 4 - tw;
			placed[nplaced++][1] = x - 4;
			fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" "
			    "text-anchor=\"end\">%s, %s</text>\n", x - 4,
			    bottom + 19, at, len);
		}
	}
	fputs("</g>\n", f);
}

/* Steps for the temperature axis: at most 5 labels. */
static const double temp_steps[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50 };

static void
draw_temperature(const struct report *r, const struct page *pg)
{
	FILE *f = pg->f;
	double y0 = pg->temp_y, lo = INFINITY, hi = -INFINITY, step = 50, c;
	double x, y, prev_t = 0;
	size_t i;
	int s, k;

	/* Its degrees take the left margin: the names go inside. */
	fprintf(f, "<g class=\"temperature\">\n<rect x=\"%.0f\" y=\"%.0f\" "
	    "width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\" stroke=\""
	    C_GRID "\"/>\n<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" "
	    "fill=\"" C_TEXT "\">temperature</text>\n", X0, y0, PW, TEMP_H,
	    X0 + 6, y0 + 14);
	for (s = 0; s < r->ntemps; s++) {
		if (r->temp[s].min < lo)
			lo = r->temp[s].min;
		if (r->temp[s].max > hi)
			hi = r->temp[s].max;
	}
	if (r->ntemps == 0 || !isfinite(lo)) {
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" "
		    "fill=\"" C_MUTED "\">No thermometer in this recording."
		    "</text>\n</g>\n", X0 + PW / 2, y0 + TEMP_H / 2 + 4);
		return;
	}
	for (i = 0; i < sizeof(temp_steps) / sizeof(temp_steps[0]); i++)
		if ((hi - lo) / temp_steps[i] <= 4) {
			step = temp_steps[i];
			break;
		}
	lo = floor(lo / step) * step;
	hi = ceil(hi / step) * step;
	if (hi - lo < step) {
		lo -= step;
		hi += step;
	}
	/* The axis, in degrees: its own scale, beside the rows. */
	for (k = 0; k <= 12; k++) {
		c = lo + k * step;
		if (c > hi + step / 2)
			break;
		y = y0 + TEMP_H - 8 - (c - lo) / (hi - lo) * (TEMP_H - 16);
		fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" "
		    "stroke=\"#eeeeee\"/>\n<text x=\"%.0f\" y=\"%.1f\" "
		    "text-anchor=\"end\" font-size=\"11\" fill=\"" C_MUTED
		    "\">%.*f \xc2\xb0""C</text>\n", X0, y, X1, y, X0 - 6, y + 4,
		    step < 1 ? 1 : 0, c);
	}
	for (s = 0; s < r->ntemps; s++) {
		const struct temp_line *tl = &r->temp[s];

		fprintf(f, "<path class=\"temp\" fill=\"none\" stroke=\"%s\" "
		    "stroke-width=\"2\" stroke-linejoin=\"round\" d=\"",
		    temp_colour[s]);
		for (k = 0; k < tl->npt; k++) {
			double t = tl->pt[k].tsum / tl->pt[k].n;

			c = tl->pt[k].csum / tl->pt[k].n;
			x = xat(pg, t);
			y = y0 + TEMP_H - 8 - (c - lo) / (hi - lo) *
			    (TEMP_H - 16);
			fprintf(f, "%s%.1f %.1f", k == 0 || t - prev_t >
			    fmax(TEMP_BREAK_S, 3 * tl->gap) ? (k ? " M" : "M") :
			    " L", x, y);
			prev_t = t;
		}
		/* One reading alone is a dot, not an invisible line. */
		if (tl->npt == 1)
			fputs(" h1", f);
		fputs("\"><title>", f);
		put_text(f, tl->name, EVENT_NAME_MAX);
		fprintf(f, ": %.1f to %.1f \xc2\xb0""C</title></path>\n",
		    tl->min, tl->max);
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" "
		    "fill=\"%s\">", X0 + 86 + s * 150, y0 + 14, temp_colour[s]);
		put_text(f, tl->name, 20);
		fputs("</text>\n", f);
	}
	if (r->temps_left_out)
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" fill=\""
		    C_MUTED "\" text-anchor=\"end\">more thermometers than "
		    "drawn</text>\n", X1 - 6, y0 + 14);
	fputs("</g>\n", f);
}

static void
draw_night_ends(const struct report *r, const struct page *pg)
{
	FILE *f = pg->f;
	int i, n = r->nsummaries < NIGHTS_DRAWN ? r->nsummaries : NIGHTS_DRAWN;

	/* The last summary ends the report: no line needed there. */
	for (i = 0; i < n; i++) {
		double x = xat(pg, r->night_end[i]);

		if (i == r->nsummaries - 1 || r->night_end[i] >= pg->hi)
			continue;
		fprintf(f, "<line class=\"night-end\" x1=\"%.1f\" y1=\"%.0f\" "
		    "x2=\"%.1f\" y2=\"%.0f\" stroke=\"#424242\" "
		    "stroke-dasharray=\"6 4\"/>\n<text x=\"%.1f\" y=\"%.0f\" "
		    "font-size=\"11\" text-anchor=\"end\" fill=\"#424242\">"
		    "night %d ends</text>\n", x, CHART_Y + 6, x,
		    pg->temp_y + TEMP_H, x - 3, CHART_Y + 30 - 12, i + 1);
	}
}

static void
draw_legend(const struct page *pg, double y)
{
	FILE *f = pg->f;

	fprintf(f, "<g class=\"legend\" font-size=\"12\" fill=\"" C_TEXT "\">\n"
	    "<rect x=\"%.0f\" y=\"%.0f\" width=\"3\" height=\"14\" fill=\""
	    C_LM "\"/><text x=\"%.0f\" y=\"%.0f\">leg movement</text>\n"
	    "<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"14\" fill=\""
	    C_BODY "\"/><text x=\"%.0f\" y=\"%.0f\">body movement</text>\n"
	    "<rect x=\"%.0f\" y=\"%.0f\" width=\"24\" height=\"14\" fill=\""
	    C_PLM "\" fill-opacity=\"0.22\"/><text x=\"%.0f\" y=\"%.0f\">"
	    "periodic leg movements (PLM series)</text>\n"
	    "<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"14\" fill=\""
	    C_CRAMP "\"/><text x=\"%.0f\" y=\"%.0f\">cramp</text>\n"
	    "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\""
	    "%s\" stroke-width=\"2\"/><text x=\"%.0f\" y=\"%.0f\">"
	    "temperature</text>\n"
	    "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\""
	    "#424242\" stroke-dasharray=\"6 4\"/><text x=\"%.0f\" y=\"%.0f\">"
	    "end of a night window</text>\n</g>\n",
	    X0, y - 11, X0 + 8, y,
	    X0 + 120, y - 11, X0 + 140, y,
	    X0 + 255, y - 11, X0 + 285, y,
	    X0 + 520, y - 11, X0 + 540, y,
	    X0 + 600, y - 4, X0 + 624, y - 4, temp_colour[0], X0 + 630, y,
	    X0 + 730, y - 4, X0 + 760, y - 4, X0 + 766, y);
}

/*
 * Rows in name order, so that left is above right whichever leg moved
 * first; a row shared by the sensors past the last stays last.
 */
static void
order_rows(const struct report *r, struct page *pg)
{
	int i, j, n = r->rows_shared ? r->nrows - 1 : r->nrows;

	for (i = 0; i < REPORT_ROWS; i++)
		pg->order[i] = i;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(r->row[pg->order[j - 1]],
		    r->row[pg->order[j]]) > 0; j--) {
			int t = pg->order[j];

			pg->order[j] = pg->order[j - 1];
			pg->order[j - 1] = t;
		}
	for (i = 0; i < REPORT_ROWS; i++)
		pg->pos[pg->order[i]] = i;
}

int
report_write(const struct report *r, FILE *f)
{
	struct page pg;
	struct figures fg;
	char from[32], to[32], zone[64];
	int i, nlm = 0, nbody = 0, nseries = 0;

	memset(&pg, 0, sizeof(pg));
	pg.f = f;
	pg.lo = r->lo;
	pg.hi = r->hi;
	if (!(pg.lo <= pg.hi)) {
		/* Nothing fed: an empty night, still a valid picture. */
		pg.lo = 0;
		pg.hi = 3600;
	}
	/* Under ten minutes the axis would be all labels. */
	if (pg.hi - pg.lo < 600)
		pg.hi = pg.lo + 600;
	pg.nrows = r->nrows > 0 ? r->nrows : 1;
	order_rows(r, &pg);
	pg.rows_y = ROWS_Y;
	pg.rows_h = pg.nrows * ROW_H;
	pg.cramp_y = pg.rows_y + pg.rows_h;
	pg.temp_y = pg.cramp_y + CRAMP_H + TEMP_GAP;
	pg.axis_y = pg.temp_y + TEMP_H + 18;
	pg.height = pg.axis_y + 80;
	figures_of(r, &fg);
	for (i = 0; i < r->nmarks; i++) {
		nlm += r->mark[i].kind == MARK_LM;
		nbody += r->mark[i].kind == MARK_BODY;
		nseries += r->mark[i].kind == MARK_PLM;
	}

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	    "font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\" "
	    "font-size=\"13\">\n", W, pg.height, W, pg.height);
	local_fmt(from, sizeof(from), L_YMDHM, pg.lo);
	local_fmt(to, sizeof(to), L_YMDHM, pg.hi);
	local_fmt(zone, sizeof(zone), L_ZONE, pg.lo);
	fputs("<title>", f);
	textf(f, 200, "Night report, %s to %s", from, to);
	fputs("</title>\n<desc>", f);
	/* The figures in words, for a screen reader and for grep. */
	textf(f, 400, "%d leg movements; %d periodic leg movements in %d "
	    "series; PLM index %.1f per hour in bed (%s); %d cramps; %d body "
	    "movements", fg.n.lm_count, fg.n.plm_count, fg.n.plm_series,
	    fg.n.plm_index, index_words(fg.n.plm_index), fg.n.cramp_count,
	    fg.body);
	if (!isnan(fg.n.temp_min_c))
		textf(f, 100, "; temperature %.1f to %.1f \xc2\xb0""C",
		    fg.n.temp_min_c, fg.n.temp_max_c);
	fputs(". Not a medical device.</desc>\n", f);
	fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
	    W, pg.height);

	fputs("<text x=\"30\" y=\"36\" font-size=\"22\" font-weight=\"bold\" "
	    "fill=\"" C_TEXT "\">Night report</text>\n", f);
	fprintf(f, "<text x=\"%.0f\" y=\"36\" font-size=\"15\" "
	    "font-weight=\"bold\" text-anchor=\"end\" fill=\"#b71c1c\">"
	    "Not a medical device</text>\n", X1);
	fputs("<text x=\"30\" y=\"60\" fill=\"" C_MUTED "\">", f);
	if (r->subtitle[0] != '\0') {
		put_text(f, r->subtitle, 150);
		fputs(" \xc2\xb7 ", f);
	}
	textf(f, 100, "times are local (%s)", zone);
	fputs("</text>\n", f);
	draw_figures(r, &pg, &fg);
	draw_rows(r, &pg);
	draw_temperature(r, &pg);
	draw_axis(&pg);
	draw_night_ends(r, &pg);
	if (r->dropped > 0)
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\" "
		    "font-size=\"11\" fill=\"#b71c1c\">%ld more not drawn (out "
		    "of room)</text>\n", X1, CHART_Y - 4, r->dropped);
	draw_legend(&pg, pg.axis_y + 44);
	fprintf(f, "<text x=\"30\" y=\"%.0f\" font-size=\"11\" fill=\""
	    C_MUTED "\">Not a medical device: it counts what a sensor sees; a "
	    "doctor makes a diagnosis.</text>\n<!-- drawn: %d leg movements, "
	    "%d body movements, %d PLM series -->\n</svg>\n", pg.axis_y + 68,
	    nlm, nbody, nseries);
	if (fflush(f) == EOF || ferror(f))
		return -1;
	return 0;
}
