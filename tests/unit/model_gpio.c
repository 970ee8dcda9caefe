/*
 * The kernel's side of a GPIO line for the edge reader's tests: edges
 * queue up to the queue's size and the newest are dropped past it, while
 * the pin's level follows every edge, dropped or not.
 */
#include <string.h>

#include "model_gpio.h"

static int
m_read(void *line, struct gpio_edge *raw, int max)
{
	struct model_gpio *g = line;
	int n = g->queued < max ? g->queued : max;

	g->reads++;
	memcpy(raw, g->queue, (size_t)n * sizeof(raw[0]));
	memmove(g->queue, g->queue + n, (size_t)(g->queued - n) *
	    sizeof(g->queue[0]));
	g->queued -= n;
	return n;
}

static int
m_get(void *line)
{
	struct model_gpio *g = line;

	g->gets++;
	return g->level;
}

static double
m_now(void *line)
{
	return ((struct model_gpio *)line)->now;
}

void
model_gpio_init(struct model_gpio *g, int queue, int level)
{
	memset(g, 0, sizeof(*g));
	g->io.read = m_read;
	g->io.get = m_get;
	g->io.now = m_now;
	g->io.queue = queue < MODEL_GPIO_QUEUE_MAX ? queue :
	    MODEL_GPIO_QUEUE_MAX;
	g->level = level;
}

void
model_gpio_edge(struct model_gpio *g, double mono, int level)
{
	g->now = mono;
	if (level == g->level)
		return;
	g->level = level;
	if (g->queued == g->io.queue) {
		g->dropped++;
		return;
	}
	g->queue[g->queued].mono = mono;
	g->queue[g->queued++].active = level;
}
