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
