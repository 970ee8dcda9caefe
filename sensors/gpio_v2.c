/*
 * GPIO lines through libgpiod 2.x (Debian 13 and later): gpio.h.
 *
 * Edge events carry CLOCK_MONOTONIC kernel timestamps, asked for
 * explicitly (it is also the kernel's default); the main loop maps them to
 * wall-clock time.  With active-low the kernel reports edges and levels in
 * logical terms: a rising edge is the line becoming active.  Debounce is
 * the kernel's, which does it in software where the chip cannot, so
 * gpio_read_edges only drops an edge that repeats the last level.  The
 * kernel still drops edges past its queue (EVENT_BUF here) during a
 * stall: gpio_edges_read then reads the level.
 *
 * A chip is named as gpiochipN or N (opened in /dev), by path, by label,
 * or "auto"; labels are sought over /dev/gpiochip* in the order of their
 * numbers (gpiochip2 before gpiochip10), the first match wins.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gpiod.h>

#include "gpio.h"

#define DEV_DIR		"/dev"
/* Edges read at once, and queued in the kernel between two reads. */
#define EVENT_BUF	64
#define CHIP_NAME_MAX	64

struct gpio_line {
	struct gpiod_line_request	*req;
	struct gpiod_edge_event_buffer	*events;	/* inputs only */
	unsigned			 offset;
	struct gpio_edges		 edges;	/* level: -1 */
	/* "gpiochip0", for messages. */
	char				 chip[CHIP_NAME_MAX];
};

static void
line_err(char *err, size_t errsz, const char *chip, unsigned offset,
    const char *what, int e)
{
	snprintf(err, errsz, "%s line %u: %s: %s", chip, offset, what,
	    strerror(e));
}

/* "gpiochip" and digits: a name in /dev. */
static int
chip_dev_name(const char *s)
{
	const char *p;

	if (strncmp(s, "gpiochip", 8) != 0 || s[8] == '\0')
		return 0;
	for (p = s + 8; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

static int
chip_filter(const struct dirent *d)
{
	return chip_dev_name(d->d_name);
}

/* By number: gpiochip2 before gpiochip10. */
static int
chip_order(const struct dirent **a, const struct dirent **b)
{
	size_t la = strlen((*a)->d_name), lb = strlen((*b)->d_name);

	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * The chip whose label is want, or for "auto" the one that carries the
 * Raspberry Pi's header; the first one in /dev, by number.
 */
static struct gpiod_chip *
open_by_label(const char *want, char *err, size_t errsz)
{
	struct dirent **names;
	struct gpiod_chip *chip, *found = NULL;
	struct gpiod_chip_info *info;
	char path[sizeof(DEV_DIR) + 256], unopened[128] = "";
	const char *label;
	int auto_ = strcmp(want, "auto") == 0;
	int i, n, match;

	if ((n = scandir(DEV_DIR, &names, chip_filter, chip_order)) == -1) {
		snprintf(err, errsz, "%s: %s", DEV_DIR, strerror(errno));
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (found != NULL)
			continue;
		snprintf(path, sizeof(path), DEV_DIR "/%s", names[i]->d_name);
		if ((chip = gpiod_chip_open(path)) == NULL) {
			if (unopened[0] == '\0')
				snprintf(unopened, sizeof(unopened),
				    " (%.32s: %s)", names[i]->d_name,
				    strerror(errno));
			continue;
		}
		match = 0;
		if ((info = gpiod_chip_get_info(chip)) != NULL) {
			label = gpiod_chip_info_get_label(info);
			match = auto_ ? gpio_chip_is_header(label) :
			    strcmp(label, want) == 0;
			gpiod_chip_info_free(info);
		}
		if (match)
			found = chip;
		else
			gpiod_chip_close(chip);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (found == NULL) {
		if (auto_)
			snprintf(err, errsz, "GPIO chip \"auto\": no "
			    "Raspberry Pi header chip (pinctrl-bcm2835, "
			    "-bcm2711 or -rp1) found; name the chip%s",
			    unopened);
		else
			snprintf(err, errsz, "GPIO chip \"%s\": no chip has "
			    "this name or label%s", want, unopened);
	}
	return found;
}

/* The chip, and its name for messages. */
static struct gpiod_chip *
open_chip(const char *spec, char *name, size_t namesz, char *err,
    size_t errsz)
{
	struct gpiod_chip *chip;
	struct gpiod_chip_info *info;
	char path[sizeof(DEV_DIR) + CHIP_NAME_MAX];
	size_t digits;

	if (spec == NULL || *spec == '\0')
		spec = "auto";
	digits = strspn(spec, "0123456789");
	if (spec[0] == '/' || chip_dev_name(spec) ||
	    (digits > 0 && digits < 12 && spec[digits] == '\0')) {
		/* A path, a name in /dev, or a number as libgpiod 1.x took. */
		if (spec[0] == '/')
			chip = gpiod_chip_open(spec);
		else {
			snprintf(path, sizeof(path), DEV_DIR "/%s%.*s",
			    digits > 0 ? "gpiochip" : "", 40, spec);
			chip = gpiod_chip_open(path);
		}
		if (chip == NULL) {
			snprintf(err, errsz, "GPIO chip \"%s\": %s", spec,
			    strerror(errno));
			return NULL;
		}
	} else if ((chip = open_by_label(spec, err, errsz)) == NULL)
		return NULL;
	if ((info = gpiod_chip_get_info(chip)) == NULL) {
		snprintf(err, errsz, "GPIO chip \"%s\": %s", spec,
		    strerror(errno));
		gpiod_chip_close(chip);
		return NULL;
	}
	snprintf(name, namesz, "%s", gpiod_chip_info_get_name(info));
	gpiod_chip_info_free(info);
	return chip;
}

static struct gpio_line *
request_line(const char *spec, unsigned offset,
    struct gpiod_line_settings *ls, const char *consumer, int input,
    char *err, size_t errsz)
{
	struct gpio_line *l;
	struct gpiod_chip *chip;
	struct gpiod_chip_info *info;
	struct gpiod_line_config *lc = NULL;
	struct gpiod_request_config *rc = NULL;
	size_t nlines;
	int e;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errsz, "GPIO chip \"%s\": out of memory",
		    spec != NULL ? spec : "auto");
		return NULL;
	}
	l->offset = offset;
	l->edges.level = -1;
	if ((chip = open_chip(spec, l->chip, sizeof(l->chip), err,
	    errsz)) == NULL) {
		free(l);
		return NULL;
	}
	/* The kernel would say only EINVAL. */
	if ((info = gpiod_chip_get_info(chip)) != NULL) {
		nlines = gpiod_chip_info_get_num_lines(info);
		gpiod_chip_info_free(info);
		if (offset >= nlines) {
			snprintf(err, errsz, "%s line %u: the chip has %zu "
			    "lines", l->chip, offset, nlines);
			goto fail;
		}
	}
	if ((lc = gpiod_line_config_new()) == NULL ||
	    (rc = gpiod_request_config_new()) == NULL) {
		line_err(err, errsz, l->chip, offset, "request", errno);
		goto fail;
	}
	if (gpiod_line_config_add_line_settings(lc, &offset, 1, ls) == -1) {
		line_err(err, errsz, l->chip, offset, "settings", errno);
		goto fail;
	}
	gpiod_request_config_set_consumer(rc,
	    consumer != NULL ? consumer : "legwatchd");
	if (input) {
		gpiod_request_config_set_event_buffer_size(rc, EVENT_BUF);
		if ((l->events = gpiod_edge_event_buffer_new(EVENT_BUF)) ==
		    NULL) {
			line_err(err, errsz, l->chip, offset, "request", errno);
			goto fail;
		}
	}
	if ((l->req = gpiod_chip_request_lines(chip, rc, lc)) == NULL) {
		line_err(err, errsz, l->chip, offset, "request", errno);
		goto fail;
	}
	/* The request keeps its own descriptor. */
	gpiod_request_config_free(rc);
	gpiod_line_config_free(lc);
	gpiod_chip_close(chip);
	return l;
fail:
	e = errno;
	if (rc != NULL)
		gpiod_request_config_free(rc);
	if (lc != NULL)
		gpiod_line_config_free(lc);
	gpiod_chip_close(chip);
	if (l->events != NULL)
		gpiod_edge_event_buffer_free(l->events);
	free(l);
	errno = e;
	return NULL;
}

static int
set_bias(struct gpiod_line_settings *ls, enum gpio_bias bias)
{
	enum gpiod_line_bias b;

	switch (bias) {
	case GPIO_BIAS_AS_IS:
		b = GPIOD_LINE_BIAS_AS_IS;
		break;
	case GPIO_BIAS_DISABLE:
		b = GPIOD_LINE_BIAS_DISABLED;
		break;
	case GPIO_BIAS_PULL_UP:
		b = GPIOD_LINE_BIAS_PULL_UP;
		break;
	case GPIO_BIAS_PULL_DOWN:
		b = GPIOD_LINE_BIAS_PULL_DOWN;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	return gpiod_line_settings_set_bias(ls, b);
}

struct gpio_line *
gpio_request_input(const struct gpio_input_conf *c, char *err, size_t errsz)
{
	struct gpiod_line_settings *ls;
	struct gpio_line *l;
	const char *chip = c->chip != NULL ? c->chip : "auto";

	if ((ls = gpiod_line_settings_new()) == NULL) {
		line_err(err, errsz, chip, c->offset, "request", errno);
		return NULL;
	}
	if (gpiod_line_settings_set_direction(ls,
	    GPIOD_LINE_DIRECTION_INPUT) == -1 ||
	    gpiod_line_settings_set_edge_detection(ls,
	    GPIOD_LINE_EDGE_BOTH) == -1 ||
	    gpiod_line_settings_set_event_clock(ls,
	    GPIOD_LINE_CLOCK_MONOTONIC) == -1) {
		line_err(err, errsz, chip, c->offset, "settings", errno);
		gpiod_line_settings_free(ls);
		return NULL;
	}
	if (set_bias(ls, c->bias) == -1) {
		line_err(err, errsz, chip, c->offset, "bias", errno);
		gpiod_line_settings_free(ls);
		return NULL;
	}
	gpiod_line_settings_set_active_low(ls, c->active_low != 0);
	if (c->debounce_ms > 0)
		gpiod_line_settings_set_debounce_period_us(ls,
		    (unsigned long)c->debounce_ms * 1000UL);
	l = request_line(c->chip, c->offset, ls, c->consumer, 1, err, errsz);
	gpiod_line_settings_free(ls);
	return l;
}

struct gpio_line *
gpio_request_output(const char *chip, unsigned offset, int active_low,
    int value, const char *consumer, char *err, size_t errsz)
{
	struct gpiod_line_settings *ls;
	struct gpio_line *l;

	if ((ls = gpiod_line_settings_new()) == NULL) {
		line_err(err, errsz, chip != NULL ? chip : "auto", offset,
		    "request", errno);
		return NULL;
	}
	gpiod_line_settings_set_active_low(ls, active_low != 0);
	if (gpiod_line_settings_set_direction(ls,
	    GPIOD_LINE_DIRECTION_OUTPUT) == -1 ||
	    gpiod_line_settings_set_output_value(ls, value ?
	    GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) == -1) {
		line_err(err, errsz, chip != NULL ? chip : "auto", offset,
		    "settings", errno);
		gpiod_line_settings_free(ls);
		return NULL;
	}
	l = request_line(chip, offset, ls, consumer, 0, err, errsz);
	gpiod_line_settings_free(ls);
	return l;
}

int
gpio_fd(const struct gpio_line *l)
{
	return gpiod_line_request_get_fd(l->req);
}

static int
v2_read(void *line, struct gpio_edge *raw, int max)
{
	struct gpio_line *l = line;
	struct gpiod_edge_event *ev;
	uint64_t ns;
	int i, n;

	if (max > EVENT_BUF)
		max = EVENT_BUF;
	/* The read blocks when nothing waits: look first. */
	switch (gpiod_line_request_wait_edge_events(l->req, 0)) {
	case 0:
		return 0;
	case 1:
		break;
	default:
		return errno == EINTR ? 0 : -1;
	}
	n = gpiod_line_request_read_edge_events(l->req, l->events,
	    (size_t)max);
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	for (i = 0; i < n; i++) {
		ev = gpiod_edge_event_buffer_get_event(l->events,
		    (unsigned long)i);
		ns = gpiod_edge_event_get_timestamp_ns(ev);
		raw[i].mono = (double)(ns / 1000000000U) +
		    (double)(ns % 1000000000U) / 1e9;
		raw[i].active = gpiod_edge_event_get_event_type(ev) ==
		    GPIOD_EDGE_EVENT_RISING_EDGE;
	}
	return n;
}

static int
v2_get(void *line)
{
	struct gpio_line *l = line;
	enum gpiod_line_value v;

	v = gpiod_line_request_get_value(l->req, l->offset);
	if (v == GPIOD_LINE_VALUE_ERROR)
		return -1;
	return v == GPIOD_LINE_VALUE_ACTIVE;
}

static double
v2_now(void *line)
{
	struct timespec ts;

	(void)line;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The kernel keeps EVENT_BUF edges for the request (asked for below). */
static const struct gpio_edge_io v2_io = {
	v2_read, v2_get, v2_now, EVENT_BUF
};

int
gpio_read_edges(struct gpio_line *l, struct gpio_edge *out, int max,
    char *err, size_t errsz)
{
	int n;

	if (l->events == NULL) {
		snprintf(err, errsz, "%s line %u: not an input", l->chip,
		    l->offset);
		return -1;
	}
	if (max <= 0)
		return 0;
	/*
	 * Without debounce a fast bounce can give two edges of one kind
	 * (the kernel reads the level late): gpio_edges_read drops the
	 * second as no change.
	 */
	if ((n = gpio_edges_read(&l->edges, &v2_io, l, out, max)) == -1) {
		line_err(err, errsz, l->chip, l->offset, "read events", errno);
		return -1;
	}
	return n;
}

int
gpio_get(struct gpio_line *l, char *err, size_t errsz)
{
	enum gpiod_line_value v;

	v = gpiod_line_request_get_value(l->req, l->offset);
	if (v == GPIOD_LINE_VALUE_ERROR) {
		line_err(err, errsz, l->chip, l->offset, "read", errno);
		return -1;
	}
	/* An edge already waiting for this level is no change. */
	l->edges.level = v == GPIOD_LINE_VALUE_ACTIVE;
	return l->edges.level;
}

int
gpio_set(struct gpio_line *l, int value, char *err, size_t errsz)
{
	if (gpiod_line_request_set_value(l->req, l->offset, value ?
	    GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) == -1) {
		line_err(err, errsz, l->chip, l->offset, "write", errno);
		return -1;
	}
	return 0;
}

void
gpio_release(struct gpio_line *l)
{
	if (l == NULL)
		return;
	gpiod_line_request_release(l->req);
	if (l->events != NULL)
		gpiod_edge_event_buffer_free(l->events);
	free(l);
}

const char *
gpio_backend(void)
{
	static char name[32];

	if (name[0] == '\0')
		snprintf(name, sizeof(name), "libgpiod %s",
		    gpiod_api_version());
	return name;
}
