/* What both libgpiod implementations share. */
#include <string.h>

#include "gpio.h"

/*
 * The chips that carry the Raspberry Pi's 40-pin header, by the label
 * their kernel driver gives them: the numbering of gpiochips changes
 * between models and kernels, the labels do not.
 */
static const char *const header_labels[] = {
	"pinctrl-bcm2835",	/* Pi 1-3, Zero */
	"pinctrl-bcm2711",	/* Pi 4, 400, CM4 */
	"pinctrl-rp1",		/* Pi 5 */
};

int
gpio_chip_is_header(const char *label)
{
	size_t i;

	for (i = 0; i < sizeof(header_labels) / sizeof(header_labels[0]); i++)
		if (strcmp(label, header_labels[i]) == 0)
			return 1;
	return 0;
}

/* The level after out[0..k), or before them all. */
static int
level_after(const struct gpio_edge *out, int k, int before)
{
	return k > 0 ? out[k - 1].active : before;
}

int
gpio_edges_read(struct gpio_edges *st, const struct gpio_edge_io *io,
    void *line, struct gpio_edge *out, int max)
{
	struct gpio_edge raw[64];
	int i, k = 0, n, want;

	while (k < max) {
		want = max - k;
		if (want > io->queue)
			want = io->queue;
		if (want > (int)(sizeof(raw) / sizeof(raw[0])))
			want = (int)(sizeof(raw) / sizeof(raw[0]));
		if ((n = io->read(line, raw, want)) == -1)
			return -1;
		st->queued += n;
		for (i = 0; i < n; i++) {
			/* An edge undone within the debounce time was a
			 * bounce. */
			if (k > 0 && out[k - 1].active != raw[i].active &&
			    raw[i].mono - out[k - 1].mono < st->debounce_s) {
				k--;
				continue;
			}
			if (raw[i].active == level_after(out, k, st->level))
				continue;	/* no change after all */
			out[k++] = raw[i];
		}
		if (n < want)
			break;		/* the queue is empty */
	}
	st->level = level_after(out, k, st->level);
	if (k == max)
		return k;
	/*
	 * As many edges as the kernel keeps came since the queue was last
	 * empty, so some may have been dropped, the last one among them:
	 * the level now says where the line ended up.
	 */
	if (st->queued >= io->queue) {
		if ((n = io->get(line)) == -1)
			return -1;
		if (n != st->level) {
			out[k].mono = io->now(line);
			out[k++].active = n;
			st->level = n;
		}
	}
	st->queued = 0;
	return k;
}
