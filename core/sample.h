/*
 * What every part of legwatch speaks: a sample with its time, and the
 * two clocks the loop reads together.  Drivers, the recording reader and
 * the detection core all include this, and nothing else of each other.
 */
#ifndef LEGWATCH_SAMPLE_H
#define LEGWATCH_SAMPLE_H

struct sample {
	double	t;		/* Unix time, s */
	double	v[3];		/* ax,ay,az in g; or motion level; or temp_c */
};

/* The loop's notion of now, both clocks read together. */
struct sensor_clock {
	double	unix;		/* CLOCK_REALTIME, the samples' time base */
	double	mono;		/* CLOCK_MONOTONIC, what kernel edge stamps use */
};

#endif
