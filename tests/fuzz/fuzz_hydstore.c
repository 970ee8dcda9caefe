/*
 * libFuzzer: the hydration state file, as a power cut or a hand edit may
 * leave it, then a day of the scheduler from whatever it held.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/hydstore.h"
#include "invariant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct hydration_params p = { 1, 2000, 250, 420, 1350,
	    45, 26.0, 10.0, 1, 1, 90, 1, 60, 1, 1350, 420 };
	struct hydration_saved s;
	struct hydration h;
	struct hydration_clock c;
	struct hydration_reminder r;
	char err[512];
	double t0;
	int i;

	if (hydstore_parse((const char *)data, size, "hydration.json", &s, err,
	    sizeof(err)) != 1)
		return 0;
	if (s.water_ml < 0 || s.water_ml > HYDRATION_WATER_MAX ||
	    (s.day < 0 && s.day != HYDRATION_NO_DAY))
		broken("loaded water_ml %d day %d", s.water_ml, s.day);
	setenv("TZ", "Europe/Berlin", 1);
	hydration_init(&h, &p);
	hydration_restore(&h, &s);
	/* From the saved reminder's time when it has one, else a fixed day. */
	t0 = !isnan(s.last_reminder) && s.last_reminder < 4e9 ?
	    s.last_reminder : 1795000000.0;
	for (i = 0; i < 48; i++) {
		c.wall = t0 + i * 1800.0;
		c.mono = i * 1800.0;
		c.synced = 1;
		if (i == 20)
			hydration_cramp(&h);
		(void)hydration_tick(&h, &c, &r);
		if (hydration_water(&h) < 0 ||
		    hydration_water(&h) > HYDRATION_WATER_MAX)
			broken("after %d half hours, water %d ml", i,
			    hydration_water(&h));
	}
	return 0;
}
