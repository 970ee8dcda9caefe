/*
 * A digital motion sensor on a GPIO line: a PIR module or a vibration
 * switch under the mattress.  Each level change is a sample (t,motion),
 * stamped by the kernel when the edge happened, not when it was read.
 */
#include <stdlib.h>

#include "gpio.h"
#include "sensor.h"

#define EDGES_PER_READ	16

struct motion_priv {
	struct gpio_line	*line;
};

static void
emit_level(struct sensor *s, double t, int level)
{
	struct sample smp = { t, { level, 0, 0 } };

	s->emit(s->ctx, s->index, &smp);
}

static int
motion_open(struct sensor *s, const struct sensor_clock *now)
{
	const struct gpio_motion_settings *c = s->settings;
	struct gpio_input_conf ic = {
		c->chip, (unsigned)c->gpio_line, c->active_low, c->bias,
		c->debounce_ms, "legwatchd"
	};
	struct motion_priv *p;
	char err[GPIO_ERR_MAX];
	int level;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return sensor_fail(s, "out of memory");
	s->priv = p;
	if ((p->line = gpio_request_input(&ic, err, sizeof(err))) == NULL)
		return sensor_fail(s, "%s", err);
	if ((level = gpio_get(p->line, err, sizeof(err))) == -1)
		return sensor_fail(s, "%s", err);
	s->fd = gpio_fd(p->line);
	s->next_read = 0;
	/* A recording of a switch starts with its level. */
	emit_level(s, now->unix, level);
	return 0;
}

static int
motion_read(struct sensor *s, const struct sensor_clock *now)
{
	struct motion_priv *p = s->priv;
	struct gpio_edge e[EDGES_PER_READ];
	char err[GPIO_ERR_MAX];
	double to_unix = now->unix - now->mono;
	int n, i;

	do {
		if ((n = gpio_read_edges(p->line, e, EDGES_PER_READ, err,
		    sizeof(err))) == -1)
			return sensor_fail(s, "%s", err);
		for (i = 0; i < n; i++)
			emit_level(s, e[i].mono + to_unix, e[i].active);
	} while (n == EDGES_PER_READ);
	return 0;
}

static void
motion_close(struct sensor *s)
{
	struct motion_priv *p = s->priv;

	if (p != NULL)
		gpio_release(p->line);
	free(p);
	s->priv = NULL;
	s->fd = -1;
}

const struct sensor_ops gpio_motion_ops = {
	.type = "gpio_motion",
	.kind = REC_MOTION,
	.open = motion_open,
	.read = motion_read,
	.close = motion_close,
};
