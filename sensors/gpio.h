/*
 * GPIO lines through libgpiod: one small interface, two implementations
 * chosen at build time (gpio_v1.c for libgpiod 1.x, gpio_v2.c for 2.x).
 * Chips are found by name ("gpiochip0"), path ("/dev/gpiochip0"), label
 * ("pinctrl-bcm2711") or "auto": the Raspberry Pi's header chip, found by
 * its label, never by number.
 */
#ifndef LEGWATCH_GPIO_H
#define LEGWATCH_GPIO_H

#include <stddef.h>

enum gpio_bias {
	GPIO_BIAS_AS_IS,
	GPIO_BIAS_DISABLE,
	GPIO_BIAS_PULL_UP,
	GPIO_BIAS_PULL_DOWN,
};

struct gpio_line;

struct gpio_edge {
	double	mono;		/* kernel timestamp, CLOCK_MONOTONIC s */
	int	active;		/* the line became active (1) or inactive (0) */
};

struct gpio_input_conf {
	const char	*chip;
	unsigned	 offset;
	int		 active_low;
	enum gpio_bias	 bias;
	int		 debounce_ms;	/* in the kernel where it can */
	const char	*consumer;
};

#define GPIO_ERR_MAX	256

/* Both edges, with kernel timestamps.  NULL with err on failure. */
struct gpio_line *gpio_request_input(const struct gpio_input_conf *c,
		    char *err, size_t errsz);
struct gpio_line *gpio_request_output(const char *chip, unsigned offset,
		    int active_low, int value, const char *consumer,
		    char *err, size_t errsz);
/* POLLIN when edges wait. */
int		 gpio_fd(const struct gpio_line *l);
/*
 * The edges that wait, at most max, oldest first; debounced in software
 * where the kernel cannot.  When the kernel's queue may have overflowed,
 * the line's level is read once the queue is empty and a change the
 * queue lost ends the edges, stamped when it was seen.  Returns how many
 * (call again while it returns max), or -1 with err.
 */
int		 gpio_read_edges(struct gpio_line *l, struct gpio_edge *out,
		    int max, char *err, size_t errsz);
/* The logical level now (active = 1), or -1 with err. */
int		 gpio_get(struct gpio_line *l, char *err, size_t errsz);
int		 gpio_set(struct gpio_line *l, int value, char *err,
		    size_t errsz);
void		 gpio_release(struct gpio_line *l);
/* "libgpiod 1.6.3" */
const char	*gpio_backend(void);

/* Shared by both implementations. */
int		 gpio_chip_is_header(const char *label);

/*
 * The kernel's queue of a line's edges, as both implementations read it
 * (gpio_chip.c), apart from libgpiod so that a test can put a model line
 * behind it.  The kernel keeps a fixed number of edges per line and drops
 * the newest when the queue is full, so after a stall the last edge, the
 * one that says where the line is now, can be the one lost.
 */
struct gpio_edge_io {
	/* At most max queued edges, oldest first: how many, 0 when none
	 * wait, or -1 with errno. */
	int	(*read)(void *line, struct gpio_edge *raw, int max);
	/* The logical level now, or -1 with errno. */
	int	(*get)(void *line);
	/* CLOCK_MONOTONIC now, s. */
	double	(*now)(void *line);
	int	queue;		/* the edges the kernel keeps for the line */
};

struct gpio_edges {
	double	debounce_s;	/* bounce dropped here (v1 only) */
	int	level;		/* the last level handed out, or -1 */
	int	queued;		/* edges read since the queue was empty */
};

/*
 * gpio_read_edges on io: out gets at most max edges.  Returns how many,
 * max meaning that more may wait (call again), or -1 with errno.
 */
int		 gpio_edges_read(struct gpio_edges *st,
		    const struct gpio_edge_io *io, void *line,
		    struct gpio_edge *out, int max);

#endif
