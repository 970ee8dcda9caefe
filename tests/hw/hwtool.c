/*
 * hwtool: the guest's stopwatch for make check-hw (linked statically; the
 * guest's busybox has no sub-second clock).
 *
 *   hwtool now                    CLOCK_REALTIME, s with 6 decimals
 *   hwtool pulse PULLFILE SECS    writes "pull-up" to PULLFILE, waits SECS
 *                                 (CLOCK_MONOTONIC), writes "pull-down";
 *                                 prints "START END DURATION SLACK": the
 *                                 realtime of both writes, the monotonic
 *                                 time between them, and the longer write
 *                                 (the edges happened within them)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "hwtool: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = write(fd, s, strlen(s));
	if (n < 0)
		fprintf(stderr, "hwtool: %s: %s\n", path, strerror(errno));
	close(fd);
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "now") == 0) {
		printf("%.6f\n", now(CLOCK_REALTIME));
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "pulse") == 0) {
		double secs = strtod(argv[3], NULL), m0, m0b, r0, m1, m1b, r1;
		double until_s;
		struct timespec until;

		r0 = now(CLOCK_REALTIME);
		m0 = now(CLOCK_MONOTONIC);
		if (put(argv[2], "pull-up") < 0)
			return 1;
		m0b = now(CLOCK_MONOTONIC);
		until_s = m0 + secs;
		until.tv_sec = (time_t)until_s;
		until.tv_nsec = (long)((until_s - (double)until.tv_sec) * 1e9);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until,
		    NULL) == EINTR)
			;
		r1 = now(CLOCK_REALTIME);
		m1 = now(CLOCK_MONOTONIC);
		if (put(argv[2], "pull-down") < 0)
			return 1;
		m1b = now(CLOCK_MONOTONIC);
		/* The edges happened within the writes: so much is unsure. */
		printf("%.6f %.6f %.6f %.6f\n", r0, r1, m1 - m0,
		    m0b - m0 > m1b - m1 ? m0b - m0 : m1b - m1);
		return 0;
	}
	fprintf(stderr, "usage: hwtool now | hwtool pulse PULLFILE SECS\n");
	return 64;
}
