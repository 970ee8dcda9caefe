/*
 * sensors/gpio.h on libgpiod 1.x (Debian 12, Raspberry Pi OS bookworm).
 * The v1 character-device API has no debounce: bounce that arrives in
 * one read is dropped here, the rest by the motion detector's own
 * debounce time.  The kernel queues 16 edges per line, so a bouncing
 * switch during a stall can overflow it: gpio_edges_read then reads the
 * level.  Edge timestamps are CLOCK_MONOTONIC (Linux >= 5.7).
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gpiod.h>

#include "gpio.h"

#define EDGE_BATCH	16

struct gpio_line {
	struct gpiod_chip	*chip;
	struct gpiod_line	*line;
	char			 name[80];	/* "gpiochip1 line 3" */
	struct gpio_edges	 edges;
};

static int
fail(char *err, size_t errsz, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t errsz, const char *what, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	n = (size_t)snprintf(err, errsz, "%s: ", what);
	if (n < errsz) {
		va_start(ap, fmt);
		vsnprintf(err + n, errsz - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
chip_number(const struct dirent *d)
{
	char *end;
	long n;

	if (strncmp(d->d_name, "gpiochip", 8) != 0)
		return -1;
	n = strtol(d->d_name + 8, &end, 10);
	return end == d->d_name + 8 || *end != '\0' || n < 0 || n > 9999 ?
	    -1 : (int)n;
}

static int
is_chip(const struct dirent *d)
{
	return chip_number(d) >= 0;
}

static int
by_number(const struct dirent **a, const struct dirent **b)
{
	return chip_number(*a) - chip_number(*b);
}

/*
 * The first chip, in number order (gpiochip2 before gpiochip10), whose
 * label matches: the Pi's header chip for "auto", else the label given.
 */
static struct gpiod_chip *
open_by_label(const char *label)
{
	struct dirent **names;
	struct gpiod_chip *chip = NULL;
	int i, n, unopened = 0;

	if ((n = scandir("/dev", &names, is_chip, by_number)) == -1)
		return NULL;
	for (i = 0; i < n; i++) {
		if (chip == NULL &&
		    (chip = gpiod_chip_open_by_name(names[i]->d_name)) == NULL &&
		    unopened == 0)
			unopened = errno;
		else if (chip != NULL && !(label == NULL ?
		    gpio_chip_is_header(gpiod_chip_label(chip)) :
		    strcmp(gpiod_chip_label(chip), label) == 0)) {
			gpiod_chip_close(chip);
			chip = NULL;
		}
		free(names[i]);
	}
	free(names);
	/* Not found, perhaps because a chip could not be opened: say so. */
	if (chip == NULL)
		errno = unopened ? unopened : ENODEV;
	return chip;
}

static struct gpio_line *
open_line(const char *chip, unsigned offset, char *err, size_t errsz)
{
	struct gpio_line *l;
	char what[80];

	if (chip == NULL || chip[0] == '\0')
		chip = "auto";
	snprintf(what, sizeof(what), "GPIO chip \"%s\"", chip);
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		fail(err, errsz, what, "out of memory");
		return NULL;
	}
	l->edges.level = -1;
	if (strcmp(chip, "auto") == 0)
		l->chip = open_by_label(NULL);
	else if (chip[0] == '/' || strncmp(chip, "gpiochip", 8) == 0 ||
	    strspn(chip, "0123456789") == strlen(chip))
		l->chip = gpiod_chip_open_lookup(chip);
	else
		l->chip = open_by_label(chip);
	if (l->chip == NULL) {
		if (strcmp(chip, "auto") == 0 && errno == ENODEV)
			fail(err, errsz, what, "no Raspberry Pi header chip "
			    "(pinctrl-bcm2835, -bcm2711 or -rp1) found; name "
			    "the chip");
		else if (errno == ENODEV || errno == ENOENT)
			fail(err, errsz, what, "no chip has this name, path "
			    "or label");
		else
			fail(err, errsz, what, "%s", strerror(errno));
		free(l);
		return NULL;
	}
	snprintf(l->name, sizeof(l->name), "%s line %u",
	    gpiod_chip_name(l->chip), offset);
	if (offset >= gpiod_chip_num_lines(l->chip)) {
		fail(err, errsz, l->name, "the chip has %u lines",
		    gpiod_chip_num_lines(l->chip));
		goto bad;
	}
	if ((l->line = gpiod_chip_get_line(l->chip, offset)) == NULL) {
		fail(err, errsz, l->name, "%s", strerror(errno));
		goto bad;
	}
	return l;
bad:
	gpiod_chip_close(l->chip);
	free(l);
	return NULL;
}

static int
bias_flags(enum gpio_bias bias)
{
	switch (bias) {
	case GPIO_BIAS_DISABLE:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
	case GPIO_BIAS_PULL_UP:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
	case GPIO_BIAS_PULL_DOWN:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
	default:
		return 0;
	}
}

struct gpio_line *
gpio_request_input(const struct gpio_input_conf *c, char *err, size_t errsz)
{
	struct gpiod_line_request_config rc;
	struct gpio_line *l;
	int fd, fl;

	if ((l = open_line(c->chip, c->offset, err, errsz)) == NULL)
		return NULL;
	memset(&rc, 0, sizeof(rc));
	rc.consumer = c->consumer;
	rc.request_type = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES;
	rc.flags = bias_flags(c->bias) |
	    (c->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0);
	if (gpiod_line_request(l->line, &rc, 0) == -1) {
		fail(err, errsz, l->name, "request: %s", strerror(errno));
		goto bad;
	}
	/* Read only on POLLIN, yet a read must never block the loop. */
	fd = gpiod_line_event_get_fd(l->line);
	if (fd < 0 || (fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		fail(err, errsz, l->name, "event fd: %s", strerror(errno));
		goto bad;
	}
	l->edges.debounce_s = c->debounce_ms / 1000.0;
	return l;
bad:
	gpio_release(l);
	return NULL;
}

struct gpio_line *
gpio_request_output(const char *chip, unsigned offset, int active_low,
    int value, const char *consumer, char *err, size_t errsz)
{
	struct gpiod_line_request_config rc;
	struct gpio_line *l;

	if ((l = open_line(chip, offset, err, errsz)) == NULL)
		return NULL;
	memset(&rc, 0, sizeof(rc));
	rc.consumer = consumer;
	rc.request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT;
	rc.flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
	if (gpiod_line_request(l->line, &rc, value != 0) == -1) {
		fail(err, errsz, l->name, "request: %s", strerror(errno));
		gpio_release(l);
		return NULL;
	}
	return l;
}

int
gpio_fd(const struct gpio_line *l)
{
	return gpiod_line_event_get_fd(l->line);
}

/* The kernel's queue of a v1 line event handle (GPIOEVENT_QUEUE_SIZE). */
#define KERNEL_QUEUE	16

static int
v1_read(void *line, struct gpio_edge *raw, int max)
{
	struct gpio_line *l = line;
	struct gpiod_line_event ev[EDGE_BATCH];
	int i, n;

	if (max > EDGE_BATCH)
		max = EDGE_BATCH;
	n = gpiod_line_event_read_multiple(l->line, ev, (unsigned)max);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	for (i = 0; i < n; i++) {
		raw[i].mono = (double)ev[i].ts.tv_sec +
		    (double)ev[i].ts.tv_nsec / 1e9;
		raw[i].active = ev[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
	}
	return n;
}

static int
v1_get(void *line)
{
	return gpiod_line_get_value(((struct gpio_line *)line)->line);
}

static double
v1_now(void *line)
{
	struct timespec ts;

	(void)line;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct gpio_edge_io v1_io = {
	v1_read, v1_get, v1_now, KERNEL_QUEUE
};

int
gpio_read_edges(struct gpio_line *l, struct gpio_edge *out, int max,
    char *err, size_t errsz)
{
	int n;

	if ((n = gpio_edges_read(&l->edges, &v1_io, l, out, max)) == -1)
		return fail(err, errsz, l->name, "read events: %s",
		    strerror(errno));
	return n;
}

int
gpio_get(struct gpio_line *l, char *err, size_t errsz)
{
	int v;

	if ((v = gpiod_line_get_value(l->line)) == -1)
		return fail(err, errsz, l->name, "read: %s", strerror(errno));
	/* An edge already waiting for this level is no change. */
	l->edges.level = v;
	return v;
}

int
gpio_set(struct gpio_line *l, int value, char *err, size_t errsz)
{
	if (gpiod_line_set_value(l->line, value != 0) == -1)
		return fail(err, errsz, l->name, "write: %s", strerror(errno));
	return 0;
}

void
gpio_release(struct gpio_line *l)
{
	if (l == NULL)
		return;
	if (l->line != NULL && gpiod_line_is_requested(l->line))
		gpiod_line_release(l->line);
	if (l->chip != NULL)
		gpiod_chip_close(l->chip);
	free(l);
}

const char *
gpio_backend(void)
{
	static char buf[48];

	snprintf(buf, sizeof(buf), "libgpiod %s", gpiod_version_string());
	return buf;
}
