/*
 * The night report (daemon/report.h): known events in, and out an SVG
 * whose elements are the movements, series and cramps fed, whose text
 * is escaped, and which is well-formed XML any viewer will open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "daemon/report.h"

/* 2026-11-18 23:00 UTC */
#define T0	1795042800.0

static void
zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* The document report_write gives; the caller frees it. */
static char *
render(const struct report *r)
{
	char *doc = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&doc, &len);

	assert_non_null(f);
	assert_int_equal(report_write(r, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(doc);
	assert_int_equal(strlen(doc), len);
	return doc;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void
feed(struct report *r, enum event_type type, const char *sensor,
    double start, double end)
{
	struct event ev;

	event_init(&ev, type, end, sensor);
	ev.start = start;
	ev.end = end;
	ev.peak_g = 0.21;
	assert_int_equal(report_event(r, &ev), 0);
}

/* The next summary's time out of bed, hours. */
static double out_of_bed_h;

static void
summary(struct report *r, double start, double end, int lm, int plm,
    int series, int cramps, double tmin, double tmax)
{
	struct event ev;

	event_init(&ev, EVENT_NIGHT_SUMMARY, end, "");
	ev.start = start;
	ev.end = end;
	ev.night.hours = (end - start) / 3600;
	ev.night.hours_in_bed = ev.night.hours - out_of_bed_h;
	out_of_bed_h = 0;
	ev.night.lm_count = lm;
	ev.night.plm_count = plm;
	ev.night.plm_index = plm / ev.night.hours_in_bed;
	ev.night.plm_series = series;
	ev.night.cramp_count = cramps;
	ev.night.temp_min_c = tmin;
	ev.night.temp_max_c = tmax;
	assert_int_equal(report_event(r, &ev), 0);
}

/* ---- A small XML well-formedness checker ------------------------------ */

struct xml {
	const char	*p;
	char		 why[160];
};

static int
xml_fail(struct xml *x, const char *why)
{
	snprintf(x->why, sizeof(x->why), "%s at '%.40s'", why, x->p);
	return -1;
}

static int
name_start(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	    c == ':';
}

static int
name_char(int c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static size_t
xml_name(const char *p)
{
	size_t n = 0;

	if (!name_start((unsigned char)p[0]))
		return 0;
	while (name_char((unsigned char)p[n]))
		n++;
	return n;
}

/* One of the five named entities or a character reference. */
static int
xml_entity(struct xml *x)
{
	static const char *const named[] = { "&amp;", "&lt;", "&gt;",
	    "&quot;", "&apos;" };
	size_t i;
	const char *q;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strncmp(x->p, named[i], strlen(named[i])) == 0) {
			x->p += strlen(named[i]);
			return 0;
		}
	if (strncmp(x->p, "&#", 2) != 0)
		return xml_fail(x, "bare &");
	q = x->p + 2;
	if (*q == 'x')
		q++;
	if (strspn(q, "0123456789abcdefABCDEF") == 0 ||
	    q[strspn(q, "0123456789abcdefABCDEF")] != ';')
		return xml_fail(x, "bad character reference");
	x->p = q + strspn(q, "0123456789abcdefABCDEF") + 1;
	return 0;
}

/* Character data up to the next tag. */
static int
xml_text(struct xml *x)
{
	while (*x->p != '\0' && *x->p != '<') {
		if (*x->p == '&') {
			if (xml_entity(x) == -1)
				return -1;
		} else
			x->p++;
	}
	return 0;
}

/* A start tag's attributes: name="value", each name once. */
static int
xml_attrs(struct xml *x)
{
	char seen[32][40];
	int nseen = 0, i;

	for (;;) {
		size_t n, ws = strspn(x->p, " \t\r\n");
		char quote;

		x->p += ws;
		if (*x->p == '>' || strncmp(x->p, "/>", 2) == 0)
			return 0;
		if (ws == 0)
			return xml_fail(x, "no space before an attribute");
		if ((n = xml_name(x->p)) == 0 || n >= sizeof(seen[0]))
			return xml_fail(x, "bad attribute name");
		for (i = 0; i < nseen; i++)
			if (strlen(seen[i]) == n &&
			    strncmp(seen[i], x->p, n) == 0)
				return xml_fail(x, "attribute twice");
		if (nseen < 32) {
			memcpy(seen[nseen], x->p, n);
			seen[nseen++][n] = '\0';
		}
		x->p += n;
		if (*x->p++ != '=')
			return xml_fail(x, "attribute without =");
		quote = *x->p++;
		if (quote != '"' && quote != '\'')
			return xml_fail(x, "unquoted attribute");
		while (*x->p != quote) {
			if (*x->p == '\0' || *x->p == '<')
				return xml_fail(x, "bad attribute value");
			if (*x->p == '&') {
				if (xml_entity(x) == -1)
					return -1;
			} else
				x->p++;
		}
		x->p++;
	}
}

/* Well-formed: one root, tags balanced and named alike, text escaped. */
static int
xml_check(struct xml *x, const char *doc, const char **root)
{
	const char *stack[64];
	size_t len[64];
	int depth = 0, roots = 0;

	x->p = doc;
	x->why[0] = '\0';
	if (strncmp(x->p, "<?xml ", 6) == 0) {
		const char *end = strstr(x->p, "?>");

		if (end == NULL)
			return xml_fail(x, "unended declaration");
		x->p = end + 2;
	}
	for (;;) {
		size_t n;

		if (depth == 0) {
			x->p += strspn(x->p, " \t\r\n");
			if (*x->p == '\0')
				break;
			if (*x->p != '<')
				return xml_fail(x, "text outside the root");
		} else if (xml_text(x) == -1)
			return -1;
		if (*x->p == '\0')
			return xml_fail(x, "document ends inside an element");
		if (strncmp(x->p, "<!--", 4) == 0) {
			const char *end = strstr(x->p + 4, "--");

			if (end == NULL || end[2] != '>')
				return xml_fail(x, "bad comment");
			x->p = end + 3;
			continue;
		}
		if (x->p[1] == '/') {
			x->p += 2;
			n = xml_name(x->p);
			if (depth == 0 || n != len[depth - 1] ||
			    strncmp(x->p, stack[depth - 1], n) != 0)
				return xml_fail(x, "end tag does not match");
			depth--;
			x->p += n;
			if (*x->p++ != '>')
				return xml_fail(x, "bad end tag");
			continue;
		}
		x->p++;
		if ((n = xml_name(x->p)) == 0)
			return xml_fail(x, "bad tag name");
		if (depth == 0 && roots++ > 0)
			return xml_fail(x, "a second root");
		if (depth == 0 && root != NULL)
			*root = x->p;
		if (depth == 64)
			return xml_fail(x, "too deep");
		stack[depth] = x->p;
		len[depth] = n;
		x->p += n;
		if (xml_attrs(x) == -1)
			return -1;
		if (*x->p == '/')
			x->p += 2;	/* empty element */
		else {
			x->p++;
			depth++;
		}
	}
	return roots == 1 ? 0 : xml_fail(x, "no root");
}

/* Valid UTF-8 with no character XML forbids. */
static int
utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		int len, k;

		if (*p < 0x80) {
			if (*p < 0x20 && *p != '\t' && *p != '\n' &&
			    *p != '\r')
				return 0;
			p++;
			continue;
		}
		len = *p >= 0xf0 && *p <= 0xf4 ? 4 : *p >= 0xe0 ? 3 :
		    *p >= 0xc2 && *p <= 0xdf ? 2 : 0;
		if (len == 0 || (len == 4 && *p > 0xf4))
			return 0;
		for (k = 1; k < len; k++)
			if ((p[k] & 0xc0) != 0x80)
				return 0;
		if ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] > 0x9f) ||
		    (*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] > 0x8f))
			return 0;
		p += len;
	}
	return 1;
}

static void
assert_svg(const char *doc)
{
	struct xml x;
	const char *root = NULL;

	if (xml_check(&x, doc, &root) == -1)
		fail_msg("not well-formed XML: %s", x.why);
	assert_non_null(root);
	assert_int_equal(strncmp(root, "svg ", 4), 0);
	assert_non_null(strstr(doc, "xmlns=\"http://www.w3.org/2000/svg\""));
	assert_non_null(strstr(doc, "version=\"1.1\""));
	assert_true(utf8_ok(doc));
	/* Self-contained: nothing fetched, nothing run. */
	assert_null(strstr(doc, "href"));
	assert_null(strstr(doc, "<script"));
	assert_null(strstr(doc, "@import"));
	assert_null(strstr(doc, "url("));
	assert_non_null(strstr(doc, "Not a medical device"));
}

/* The checker itself refuses what it should. */
static void
test_checker_refuses_bad_xml(void **state)
{
	static const char *const bad[] = {
		"<svg><g></svg></g>",
		"<svg><text>a < b</text></svg>",
		"<svg><text>fish & chips</text></svg>",
		"<svg a=\"1\" a=\"2\"/>",
		"<svg a=1/>",
		"<svg/><svg/>",
		"<svg>",
		"<svg><!-- a -- b --></svg>",
		"text<svg/>",
	};
	struct xml x;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (xml_check(&x, bad[i], NULL) != -1)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(xml_check(&x, "<?xml version=\"1.0\"?>\n<svg a=\"&amp;"
	    "&#233;\"><g/><!-- c --><text>x &lt; y</text></svg>\n", NULL), 0);
	assert_false(utf8_ok("a\xff"));
	assert_false(utf8_ok("\xc0\xaf"));
	assert_true(utf8_ok("Zo\xc3\xab"));
}

/* The x and width of the n-th element that starts with tag. */
static void
geometry(const char *doc, const char *tag, int n, double *x, double *w)
{
	const char *p = doc;

	while (n-- >= 0) {
		assert_non_null(p = strstr(p, tag));
		p += strlen(tag);
	}
	assert_non_null(strstr(p, " x=\""));
	*x = strtod(strstr(p, " x=\"") + 4, NULL);
	if (w != NULL)
		*w = strtod(strstr(p, " width=\"") + 8, NULL);
}

/*
 * An hour's night with every kind of mark: six leg movements of the
 * left leg make a series, the right leg moves once, two body movements,
 * a cramp, the room's temperature each minute, and events the picture
 * has no place for.
 */
static struct report *
known_night(void)
{
	struct report *r = report_new();
	struct event ev;
	int i;

	assert_non_null(r);
	report_set_subtitle(r, "left.csv, right.csv, bedroom.csv");
	for (i = 0; i <= 60; i++)
		assert_int_equal(report_temperature(r, "bedroom", T0 + i * 60,
		    20.5 - i / 60.0), 0);
	feed(r, EVENT_BODY_MOVEMENT, "left", T0 + 120, T0 + 150);
	for (i = 0; i < 6; i++)
		feed(r, EVENT_LEG_MOVEMENT, "left", T0 + 600 + i * 20,
		    T0 + 602 + i * 20);
	event_init(&ev, EVENT_PLM_SERIES, T0 + 800, "left+right");
	ev.start = T0 + 600;
	ev.end = T0 + 702;
	ev.count = 6;
	ev.mean_imi = 20;
	assert_int_equal(report_event(r, &ev), 0);
	feed(r, EVENT_LEG_MOVEMENT, "right", T0 + 1500, T0 + 1501.5);
	event_init(&ev, EVENT_CRAMP_START, T0 + 1810, "left");
	assert_int_equal(report_event(r, &ev), 0);
	feed(r, EVENT_CRAMP, "left", T0 + 1800, T0 + 2043);
	event_init(&ev, EVENT_HYDRATION_REMINDER, T0 + 2044, "");
	assert_int_equal(report_event(r, &ev), 0);
	event_init(&ev, EVENT_SENSOR_FAULT, T0 + 2100, "right");
	assert_int_equal(report_event(r, &ev), 0);
	feed(r, EVENT_BODY_MOVEMENT, "right", T0 + 3000, T0 + 3004);
	summary(r, T0, T0 + 3600, 7, 6, 1, 1, 19.5, 20.5);
	return r;
}

static void
test_every_mark_is_drawn(void **state)
{
	struct report *r;
	char *doc;
	double bx, bw, x, w, prev = 0;
	int i;

	(void)state;
	zone("UTC");
	r = known_night();
	doc = render(r);
	assert_svg(doc);
	assert_int_equal(count(doc, "<rect class=\"lm\""), 7);
	assert_int_equal(count(doc, "<rect class=\"bm\""), 2);
	assert_int_equal(count(doc, "<rect class=\"plm\""), 1);
	assert_int_equal(count(doc, "<rect class=\"cramp\""), 1);
	assert_int_equal(count(doc, "class=\"cramp-marker\""), 1);
	assert_int_equal(count(doc, "<path class=\"temp\""), 1);
	assert_int_equal(count(doc, "class=\"night-end\""), 0);
	/* One row for each leg, named, left above right. */
	assert_int_equal(count(doc, "<text class=\"row\""), 3);
	assert_true(strstr(doc, ">left</text>") < strstr(doc, ">right</text>"));
	assert_non_null(strstr(doc, ">cramps</text>"));

	/* The series' band lies over its movements' onsets, in order. */
	geometry(doc, "<rect class=\"plm\"", 0, &bx, &bw);
	for (i = 0; i < 6; i++) {
		geometry(doc, "<rect class=\"lm\"", i, &x, &w);
		assert_true(x >= bx - 0.05 && x <= bx + bw + 0.05);
		/* Two seconds in an hour, widened to be seen. */
		assert_true(w == 2.0);
		assert_true(x > prev);
		prev = x;
	}
	/* 10 min into an hour on 1020 px: 170 px right of the axis start. */
	geometry(doc, "<rect class=\"lm\"", 0, &x, &w);
	assert_true(fabs(x - (150 + 1020.0 / 6)) < 0.1);
	geometry(doc, "<rect class=\"cramp\"", 0, &x, &w);
	assert_true(fabs(w - 243 * 1020.0 / 3600) < 0.1);

	/* What each mark is, on hovering over it. */
	assert_non_null(strstr(doc, "<title>leg movement at 23:10:00, 2.0 s, "
	    "peak 0.21 g (left)</title>"));
	assert_non_null(strstr(doc, "<title>PLM series at 23:10:00, 1 min "
	    "42 s, 6 movements, 20 s apart on average</title>"));
	assert_non_null(strstr(doc, "<title>cramp at 23:30:00, 4 min 03 s"));
	assert_non_null(strstr(doc, ">23:30, 4 min 03 s</text>"));

	/* The figures, with the thresholds' words. */
	assert_non_null(strstr(doc, ">2026-11-18 23:00 to 00:00 (1.0 h, 1.0 h in bed)<"));
	assert_non_null(strstr(doc, ">7</text>"));
	assert_non_null(strstr(doc, ">6 in 1 series</text>"));
	assert_non_null(strstr(doc, "6.0 per hour in bed</tspan> (5 to 15: raised)"));
	assert_non_null(strstr(doc, "1 at 23:30 (4 min 03 s)"));
	assert_non_null(strstr(doc, ">2 (long turns, out of bed)<"));
	assert_non_null(strstr(doc, ">19.5 to 20.5 \xc2\xb0" "C<"));
	assert_non_null(strstr(doc, "left.csv, right.csv, bedroom.csv"));
	assert_non_null(strstr(doc, "times are local (UTC, UTC+0000)"));
	/* Labels, local: every 5 minutes in an hour's night. */
	assert_non_null(strstr(doc, ">23:00</text>"));
	assert_non_null(strstr(doc, ">23:55</text>"));
	assert_non_null(strstr(doc, ">00:00</text>"));
	assert_non_null(strstr(doc, ">Wed 18 Nov</text>"));
	assert_non_null(strstr(doc, ">Thu 19 Nov</text>"));
	assert_int_equal(count(doc, "<text class=\"hour\""), 13);
	free(doc);
	report_free(r);
}

static void
test_text_is_escaped(void **state)
{
	struct report *r = report_new();
	char *doc;

	(void)state;
	zone("UTC");
	/* Any bytes a file may be named with. */
	report_set_subtitle(r, "<script>&\"'\x01 Zo\xc3\xab \xff\xfe "
	    "\xc0\xaf \xed\xa0\x80 \xef\xbf\xbf.csv");
	feed(r, EVENT_LEG_MOVEMENT, "a<b&\"c'", T0 + 10, T0 + 11);
	assert_int_equal(report_temperature(r, "t]]>", T0, 20), 0);
	doc = render(r);
	assert_svg(doc);
	assert_non_null(strstr(doc, "&lt;script&gt;&amp;&quot;&apos;  Zo\xc3\xab "
	    "\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd.csv"));
	assert_non_null(strstr(doc, ">a&lt;b&amp;&quot;c&apos;</text>"));
	assert_non_null(strstr(doc, "(a&lt;b&amp;&quot;c&apos;)</title>"));
	assert_non_null(strstr(doc, ">t]]&gt;</text>"));
	assert_null(strstr(doc, "<script"));
	assert_null(strstr(doc, "a<b"));
	free(doc);
	report_free(r);
}

/* A long name is cut, at a character, with an ellipsis. */
static void
test_long_text_is_cut(void **state)
{
	struct report *r = report_new();
	char name[600], *doc;
	int i;

	(void)state;
	for (i = 0; i + 2 < (int)sizeof(name); i += 2)
		memcpy(name + i, "\xc3\xab", 2);	/* ë, 2 bytes each */
	name[i] = '\0';
	report_set_subtitle(r, name);
	doc = render(r);
	assert_svg(doc);
	assert_non_null(strstr(doc, "\xc3\xab\xc3\xab\xe2\x80\xa6 \xc2\xb7 "));
	free(doc);
	report_free(r);
}

static void
check_index(double idx, const char *words, double marker_x)
{
	struct report *r = report_new();
	char *doc, want[64];

	/* idx PLMs in an hour. */
	summary(r, T0, T0 + 3600, (int)idx, (int)idx, 1, 0, NAN, NAN);
	doc = render(r);
	assert_svg(doc);
	if (strstr(doc, words) == NULL)
		fail_msg("index %.1f: no '%s'", idx, words);
	snprintf(want, sizeof(want), "PLM index per hour in bed: %.1f<", idx);
	assert_non_null(strstr(doc, want));
	snprintf(want, sizeof(want), "class=\"index-marker\" d=\"M%.1f 103",
	    marker_x);
	if (strstr(doc, want) == NULL)
		fail_msg("index %.1f: no '%s'", idx, want);
	assert_non_null(strstr(doc, ">no thermometer<"));
	assert_non_null(strstr(doc, "No thermometer in this recording."));
	free(doc);
	report_free(r);
}

/* Below 5 normal, above 15 significant; the marker on the scale. */
static void
test_index_thresholds(void **state)
{
	(void)state;
	zone("UTC");
	/* The scale: 0 at x 700, 30 per hour at 1170. */
	check_index(0, "(below 5: normal)", 700);
	check_index(4, "(below 5: normal)", 700 + 4 * 470 / 30.0);
	check_index(5, "(below 5: normal)", 700 + 5 * 470 / 30.0);
	check_index(6, "(5 to 15: raised)", 700 + 6 * 470 / 30.0);
	check_index(15, "(5 to 15: raised)", 700 + 15 * 470 / 30.0);
	check_index(16, "(above 15: clinically significant for an adult)",
	    700 + 16 * 470 / 30.0);
	/* Off the scale: the marker waits at its end. */
	check_index(90, "(above 15: clinically significant", 1170);
}

/* A recording past the night window: figures over all, nights marked. */
static void
test_several_nights_add_up(void **state)
{
	struct report *r = report_new();
	char *doc;

	(void)state;
	zone("UTC");
	feed(r, EVENT_LEG_MOVEMENT, "ankle", T0 + 100, T0 + 101);
	summary(r, T0, T0 + 8 * 3600, 40, 30, 2, 1, 17.0, 19.0);
	out_of_bed_h = 1.0;
	summary(r, T0 + 8 * 3600, T0 + 10 * 3600, 10, 6, 1, 0, 16.5, 18.0);
	doc = render(r);
	assert_svg(doc);
	assert_non_null(strstr(doc, "(10.0 h, 9.0 h in bed, in 2 night "
	    "windows)"));
	assert_non_null(strstr(doc, ">50</text>"));
	assert_non_null(strstr(doc, ">36 in 3 series<"));
	/*
	 * All PLMs over all hours in bed (36 in 9 h), not a mean of the
	 * nights' indexes, nor over the hour out of bed (3.6).
	 */
	assert_non_null(strstr(doc, "4.0 per hour in bed"));
	assert_non_null(strstr(doc, ">1</text>"));
	assert_non_null(strstr(doc, ">16.5 to 19.0 \xc2\xb0" "C<"));
	assert_int_equal(count(doc, "class=\"night-end\""), 1);
	assert_non_null(strstr(doc, ">night 1 ends</text>"));
	/* Ten hours: a label every hour. */
	assert_int_equal(count(doc, "<text class=\"hour\""), 11);
	free(doc);
	report_free(r);
}

/* A night cut short (live, before its summary): counted from the marks. */
static void
test_without_summary_counts_marks(void **state)
{
	struct report *r = report_new();
	struct event ev;
	char *doc;

	(void)state;
	zone("UTC");
	feed(r, EVENT_LEG_MOVEMENT, "ankle", T0, T0 + 1);
	feed(r, EVENT_LEG_MOVEMENT, "ankle", T0 + 30, T0 + 31);
	event_init(&ev, EVENT_PLM_SERIES, T0 + 7200, "ankle");
	ev.start = T0 + 60;
	ev.end = T0 + 200;
	ev.count = 5;
	assert_int_equal(report_event(r, &ev), 0);
	feed(r, EVENT_CRAMP, "ankle", T0 + 3000, T0 + 3600);
	assert_int_equal(report_temperature(r, "room", T0, 18.0), 0);
	assert_int_equal(report_temperature(r, "room", T0 + 60, 21.0), 0);
	doc = render(r);
	assert_svg(doc);
	assert_non_null(strstr(doc, "No night summary yet"));
	assert_non_null(strstr(doc, ">2</text>"));
	assert_non_null(strstr(doc, ">5 in 1 series<"));
	assert_non_null(strstr(doc, "5.0 per hour"));
	assert_non_null(strstr(doc, ">1 at 23:50 (10 min 00 s)<"));
	assert_non_null(strstr(doc, ">18.0 to 21.0 \xc2\xb0" "C<"));
	free(doc);
	report_free(r);
}

static void
test_empty_night(void **state)
{
	struct report *r = report_new();
	char *doc;

	(void)state;
	zone("UTC");
	doc = render(r);
	assert_svg(doc);
	assert_int_equal(count(doc, "<rect class="), 0);
	assert_non_null(strstr(doc, ">movements</text>"));
	free(doc);
	report_free(r);
}

/* Local time: a night across the end of summer time has two 02:00s. */
static void
test_hours_are_local(void **state)
{
	struct report *r = report_new();
	char *doc;

	(void)state;
	zone("Europe/Berlin");
	/* 2026-10-24 22:00 CEST to 2026-10-25 06:00 CET: 9 hours. */
	summary(r, 1792872000, 1792872000 + 9 * 3600, 0, 0, 0, 0, NAN, NAN);
	doc = render(r);
	assert_svg(doc);
	assert_int_equal(count(doc, ">02:00</text>"), 2);
	assert_non_null(strstr(doc, ">22:00</text>"));
	assert_non_null(strstr(doc, ">06:00</text>"));
	assert_non_null(strstr(doc, "(CEST, UTC+0200)"));
	free(doc);
	report_free(r);

	/* Half an hour off UTC: labels on the local hour all the same. */
	zone("Asia/Kolkata");
	r = report_new();
	summary(r, T0, T0 + 10 * 3600, 0, 0, 0, 0, NAN, NAN);
	doc = render(r);
	assert_svg(doc);
	assert_non_null(strstr(doc, ">05:00</text>"));
	assert_non_null(strstr(doc, ">14:00</text>"));
	assert_null(strstr(doc, ">04:30</text>"));
	assert_null(strstr(doc, ">05:30</text>"));
	assert_int_equal(count(doc, "<text class=\"hour\""), 10);
	free(doc);
	report_free(r);
	zone("UTC");
}

/* A week replayed: a label each day at most, dates under them. */
static void
test_a_week(void **state)
{
	struct report *r = report_new();
	char *doc;

	(void)state;
	zone("UTC");
	summary(r, T0, T0 + 7 * 86400, 0, 0, 0, 0, NAN, NAN);
	doc = render(r);
	assert_svg(doc);
	assert_int_equal(count(doc, "<text class=\"hour\""), 7);
	assert_int_equal(count(doc, ">12:00</text>"), 0);
	assert_non_null(strstr(doc, ">Tue 24 Nov</text>"));
	assert_non_null(strstr(doc, "to 2026-11-25 23:00 (168.0 h, 168.0 h in bed)"));
	free(doc);
	report_free(r);
}

/* Long and dense readings: the points stay bounded, gaps stay gaps. */
static void
test_temperature_bounded(void **state)
{
	struct report *r = report_new();
	const char *d;
	char *doc;
	int i, points;

	(void)state;
	zone("UTC");
	/* 55 hours at one reading a second... */
	for (i = 0; i < 200000; i++)
		assert_int_equal(report_temperature(r, "room", T0 + i,
		    20 + sin(i / 3600.0)), 0);
	/* ...then silence for two hours, and an hour more. */
	for (i = 0; i < 3600; i++)
		assert_int_equal(report_temperature(r, "room",
		    T0 + 207200 + i, 20), 0);
	doc = render(r);
	assert_svg(doc);
	assert_non_null(d = strstr(doc, "<path class=\"temp\""));
	d = strstr(d, " d=\"") + 4;
	points = 0;
	for (; *d != '"'; d++)
		points += *d == 'M' || *d == 'L';
	assert_true(points > 100 && points <= REPORT_TEMP_POINTS);
	assert_non_null(strstr(strstr(doc, "<path class=\"temp\""), " M"));
	assert_non_null(strstr(doc, ">19.0 to 21.0 \xc2\xb0" "C<"));
	free(doc);
	report_free(r);
}

/* Sensors past the rows share the last; thermometers past the lines. */
static void
test_many_sensors(void **state)
{
	struct report *r = report_new();
	char name[16], *doc;
	int i;

	(void)state;
	zone("UTC");
	for (i = 0; i < REPORT_ROWS + 2; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		feed(r, EVENT_LEG_MOVEMENT, name, T0 + i * 60, T0 + i * 60 + 1);
	}
	for (i = 0; i < REPORT_TEMP_SENSORS; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		assert_int_equal(report_temperature(r, name, T0, 20 + i), 0);
	}
	assert_int_equal(report_temperature(r, "one-too-many", T0, 30), -1);
	doc = render(r);
	assert_svg(doc);
	assert_int_equal(count(doc, "<rect class=\"lm\""), REPORT_ROWS + 2);
	assert_int_equal(count(doc, "<text class=\"row\""), REPORT_ROWS + 1);
	assert_non_null(strstr(doc, ">other sensors</text>"));
	assert_int_equal(count(doc, "<path class=\"temp\""),
	    REPORT_TEMP_SENSORS);
	assert_non_null(strstr(doc, "more thermometers than drawn"));
	free(doc);
	report_free(r);
}

/* A live night ends: the next starts from nothing, the subtitle kept. */
static void
test_clear_starts_a_new_night(void **state)
{
	struct report *r;
	char *doc;

	(void)state;
	zone("UTC");
	r = known_night();
	report_clear(r);
	feed(r, EVENT_BODY_MOVEMENT, "right", T0 + 86400, T0 + 86410);
	doc = render(r);
	assert_svg(doc);
	assert_int_equal(count(doc, "<rect class=\"lm\""), 0);
	assert_int_equal(count(doc, "<rect class=\"bm\""), 1);
	assert_int_equal(count(doc, "<path class=\"temp\""), 0);
	assert_non_null(strstr(doc, "left.csv, right.csv, bedroom.csv"));
	assert_non_null(strstr(doc, ">right</text>"));
	assert_null(strstr(doc, ">left</text>"));
	free(doc);
	report_free(r);
}

/* Marks that cannot be placed are left out, not drawn at nowhere. */
static void
test_odd_events_are_ignored(void **state)
{
	struct report *r = report_new();
	struct event ev;
	char *doc;

	(void)state;
	zone("UTC");
	event_init(&ev, EVENT_LEG_MOVEMENT, T0, "ankle");	/* no span */
	assert_int_equal(report_event(r, &ev), 0);
	feed(r, EVENT_LEG_MOVEMENT, "ankle", T0 + 10, T0 + 5);
	feed(r, EVENT_LEG_MOVEMENT, "ankle", T0, INFINITY);
	assert_int_equal(report_temperature(r, "room", NAN, 20), 0);
	assert_int_equal(report_temperature(r, "room", T0, NAN), 0);
	doc = render(r);
	assert_svg(doc);
	assert_int_equal(count(doc, "<rect class="), 0);
	free(doc);
	report_free(r);
}

static void
test_write_error_is_said(void **state)
{
	struct report *r;
	FILE *f;

	(void)state;
	zone("UTC");
	r = known_night();
	/* Opened for reading: every write fails. */
	assert_non_null(f = fopen("/dev/null", "r"));
	assert_int_equal(report_write(r, f), -1);
	fclose(f);
	report_free(r);
	report_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker_refuses_bad_xml),
		cmocka_unit_test(test_every_mark_is_drawn),
		cmocka_unit_test(test_text_is_escaped),
		cmocka_unit_test(test_long_text_is_cut),
		cmocka_unit_test(test_index_thresholds),
		cmocka_unit_test(test_several_nights_add_up),
		cmocka_unit_test(test_without_summary_counts_marks),
		cmocka_unit_test(test_empty_night),
		cmocka_unit_test(test_hours_are_local),
		cmocka_unit_test(test_a_week),
		cmocka_unit_test(test_temperature_bounded),
		cmocka_unit_test(test_many_sensors),
		cmocka_unit_test(test_clear_starts_a_new_night),
		cmocka_unit_test(test_odd_events_are_ignored),
		cmocka_unit_test(test_write_error_is_said),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
