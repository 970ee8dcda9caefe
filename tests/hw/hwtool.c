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
 *   hwtool press PULLFILE SECS [GAP SECS]...
 *                                 an active-low button with a pull-up:
 *                                 "pull-down" (pressed) for SECS, then
 *                                 "pull-up" (released); each GAP SECS pair
 *                                 waits GAP released and presses again for
 *                                 SECS; prints "START END DURATION" of
 *                                 each press (realtime, monotonic length)
 *   hwtool watch VALUEFILE SECS   samples VALUEFILE (a gpio-sim line's
 *                                 value) about every 0.5 ms for SECS;
 *                                 prints "REALTIME LEVEL" at the start and
 *                                 at every change, then "end REALTIME
 *                                 SAMPLES MAXGAP" (the longest time
 *                                 between two samples: so much is unsure)
 *   hwtool clock                  the kernel clock's NTP state: "synced" or
 *                                 "unsynced", adjtimex's state and status
 *   hwtool sync                   marks the kernel clock synchronised as an
 *                                 NTP daemon does (adjtimex: STA_UNSYNC
 *                                 cleared, small maximum and estimated
 *                                 error); prints the state before and after
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
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

static void sleep_until(double mono)
{
	struct timespec until;

	until.tv_sec = (time_t)mono;
	until.tv_nsec = (long)((mono - (double)until.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until,
	    NULL) == EINTR)
		;
}

/*
 * A press's bounce must come within the daemon's debounce window and a
 * pulse must last what it says, even when the VM's one CPU is busy with
 * the daemon: a realtime priority lets the writes land when they are
 * due.  Only for these two, which mostly sleep; the watcher samples too
 * often to be let ahead of the daemon it watches.
 */
static void take_realtime(void)
{
	struct sched_param sp = { .sched_priority = 10 };

	if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
		fprintf(stderr, "hwtool: no realtime priority: %s\n",
		    strerror(errno));
}

/* An active-low button: pressed pulls the line down. */
static int press(int argc, char **argv)
{
	double next = now(CLOCK_MONOTONIC), r0, m0, m1;
	int i;

	for (i = 3; i < argc; i += 2) {
		if (i > 3)
			next += strtod(argv[i - 1], NULL);	/* the gap */
		sleep_until(next);
		r0 = now(CLOCK_REALTIME);
		m0 = now(CLOCK_MONOTONIC);
		if (put(argv[2], "pull-down") < 0)
			return 1;
		next = m0 + strtod(argv[i], NULL);
		sleep_until(next);
		m1 = now(CLOCK_MONOTONIC);
		if (put(argv[2], "pull-up") < 0)
			return 1;
		printf("%.6f %.6f %.6f\n", r0, r0 + (m1 - m0), m1 - m0);
		next = m1;
	}
	return 0;
}

static int sample(const char *path)
{
	char c = '?';
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = '?';
	close(fd);
	return c == '0' ? 0 : c == '1' ? 1 : -1;
}

static int watch(const char *path, double secs)
{
	double m0 = now(CLOCK_MONOTONIC), last = m0, gap = 0, m;
	struct timespec half = { 0, 500000 };
	long n = 0;
	int v, prev = -2;

	do {
		m = now(CLOCK_MONOTONIC);
		if ((v = sample(path)) < 0) {
			fprintf(stderr, "hwtool: %s: cannot read a level\n",
			    path);
			return 1;
		}
		if (m - last > gap)
			gap = m - last;
		last = m;
		n++;
		if (v != prev)
			printf("%.6f %d\n", now(CLOCK_REALTIME), v);
		prev = v;
		nanosleep(&half, NULL);
	} while (m - m0 < secs);
	printf("end %.6f %ld %.6f\n", now(CLOCK_REALTIME), n, gap);
	return 0;
}

static void clock_state(const char *what, int st, const struct timex *tx)
{
	printf("%s%s state %d status 0x%x maxerror %ld esterror %ld",
	    what, st != TIME_ERROR && !(tx->status & STA_UNSYNC) ? "synced" :
	    "unsynced", st, (unsigned)tx->status, (long)tx->maxerror,
	    (long)tx->esterror);
}

static int clock_cmd(int set)
{
	struct timex tx;
	int st;

	memset(&tx, 0, sizeof(tx));
	if ((st = adjtimex(&tx)) == -1) {
		perror("hwtool: adjtimex");
		return 1;
	}
	clock_state(set ? "before: " : "", st, &tx);
	if (set) {
		memset(&tx, 0, sizeof(tx));
		if ((st = adjtimex(&tx)) == -1) {
			perror("hwtool: adjtimex");
			return 1;
		}
		/* What an NTP daemon does once its source is good. */
		tx.modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR;
		tx.status &= ~STA_UNSYNC;
		tx.maxerror = 1000;	/* us */
		tx.esterror = 100;
		if (adjtimex(&tx) == -1) {
			perror("\nhwtool: adjtimex(ADJ_STATUS)");
			return 1;
		}
		memset(&tx, 0, sizeof(tx));
		st = adjtimex(&tx);
		clock_state("; after: ", st, &tx);
		putchar('\n');
		return st == TIME_ERROR || (tx.status & STA_UNSYNC) ? 1 : 0;
	}
	putchar('\n');
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "now") == 0) {
		printf("%.6f\n", now(CLOCK_REALTIME));
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "pulse") == 0) {
		double secs = strtod(argv[3], NULL), m0, m0b, r0, m1, m1b, r1;

		take_realtime();
		r0 = now(CLOCK_REALTIME);
		m0 = now(CLOCK_MONOTONIC);
		if (put(argv[2], "pull-up") < 0)
			return 1;
		m0b = now(CLOCK_MONOTONIC);
		sleep_until(m0 + secs);
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
	if (argc >= 4 && argc % 2 == 0 && strcmp(argv[1], "press") == 0) {
		take_realtime();
		return press(argc, argv);
	}
	if (argc == 4 && strcmp(argv[1], "watch") == 0)
		return watch(argv[2], strtod(argv[3], NULL));
	if (argc == 2 && strcmp(argv[1], "clock") == 0)
		return clock_cmd(0);
	if (argc == 2 && strcmp(argv[1], "sync") == 0)
		return clock_cmd(1);
	fprintf(stderr, "usage: hwtool now | pulse PULLFILE SECS | "
	    "press PULLFILE SECS [GAP SECS]... |\n"
	    "       watch VALUEFILE SECS | clock | sync\n");
	return 64;
}
