/*
 * A GPIO line as the kernel keeps it, behind struct gpio_edge_io for the
 * tests of sensors/gpio_chip.c: the pin's level, and a queue of edges of
 * fixed size that drops the newest edge when it is full, as gpiolib-cdev
 * does ("event FIFO is full - event dropped").
 */
#ifndef LEGWATCH_MODEL_GPIO_H
#define LEGWATCH_MODEL_GPIO_H

#include "sensors/gpio.h"

#define MODEL_GPIO_QUEUE_MAX	64

struct model_gpio {
	struct gpio_edge_io	io;	/* what a test hands gpio_edges_read */
	int			level;	/* the pin's logical level */
	struct gpio_edge	queue[MODEL_GPIO_QUEUE_MAX];
	int			queued;
	unsigned long		dropped;
	double			now;	/* CLOCK_MONOTONIC, s */
	unsigned long		reads, gets;
};

/* A line at level whose kernel keeps queue edges (16: the v1 uAPI). */
void	model_gpio_init(struct model_gpio *g, int queue, int level);
/* The pin goes to level at mono (and the model's now with it). */
void	model_gpio_edge(struct model_gpio *g, double mono, int level);

#endif
