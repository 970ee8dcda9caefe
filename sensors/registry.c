/* Every hardware sensor driver, by the type name the config uses. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sensor.h"

extern const struct sensor_ops mpu6050_ops, adxl345_ops, gpio_motion_ops,
    ds18b20_ops, sht3x_ops, bme280_ops;

static const struct sensor_ops *const registry[] = {
	&mpu6050_ops,
	&adxl345_ops,
	&gpio_motion_ops,
	&ds18b20_ops,
	&sht3x_ops,
	&bme280_ops,
};

const struct sensor_ops *
sensor_lookup(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (strcmp(registry[i]->type, type) == 0)
			return registry[i];
	return NULL;
}

int
sensor_fail(struct sensor *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return -1;
}
