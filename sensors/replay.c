#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

/*
 * Read-ahead: the thread fills batches of samples in a ring, the caller
 * empties them.  A batch belongs to the thread from when the caller hands
 * it back (tail) until the thread hands it over (head), and to the caller
 * between; only head, tail and who waits are shared.  Small, to keep
 * memory flat (160 KB).
 *
 * Either side that finds nothing to do sleeps until half the ring is
 * there for it, not one batch: waking on every batch cost a sleep and a
 * wakeup per batch on each side, more time than reading the numbers.
 */
#define AHEAD_BATCH	512
#define AHEAD_BATCHES	8
#define AHEAD_HALF	(AHEAD_BATCHES / 2)

struct ahead_item {
	struct sample	s;
	int		idx;
	int		has_next;
};

struct ahead_batch {
	struct ahead_item	item[AHEAD_BATCH];
	int			n;
	int			end;	/* after the items: 0 more, 1 end, -1 */
};

struct replay_ahead {
	pthread_t		thread;
	pthread_mutex_t		lock;
	pthread_cond_t		room;		/* the thread waits on it */
	pthread_cond_t		filled;		/* the caller waits on it */
	unsigned		head, tail;	/* batches handed over, back */
	int			stop;
	int			thread_waits, caller_waits;
	int			ended;		/* the last batch is over */
	struct ahead_batch	batch[AHEAD_BATCHES];
	/* The thread's. */
	int			has_next[REPLAY_MAX];
	char			error[RECORDING_ERRSZ];
	/* The caller's. */
	struct ahead_batch	*held;
	int			pos;
};

static void
stem(const char *path, char *buf, size_t bufsz)
{
	const char *base = strrchr(path, '/');
	char *dot, *c;

	snprintf(buf, bufsz, "%s", base ? base + 1 : path);
	if ((dot = strrchr(buf, '.')) != NULL && dot != buf)
		*dot = '\0';
	/* A sensor's name goes into JSON and MQTT: keep it plain. */
	for (c = buf; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			*c = '_';
}

static int
name_taken(const struct replay_set *set, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(set->name[i], name) == 0)
			return 1;
	return 0;
}

/*
 * Events and MQTT topics tell sensors apart by name: a name already taken
 * ("a.csv" and "x/a.csv") gets the first free "-2", "-3"...
 */
static void
unique_name(struct replay_set *set, int i, const char *path)
{
	char base[REPLAY_NAME_MAX];
	int k;

	stem(path, base, sizeof(base));
	snprintf(set->name[i], sizeof(set->name[i]), "%s", base);
	/* At most i names are taken: one of -2 .. -(i + 2) is free. */
	for (k = 2; name_taken(set, i, set->name[i]); k++)
		snprintf(set->name[i], sizeof(set->name[i]), "%.24s-%d", base,
		    k % 100);
}

int
replay_open(struct replay_set *set, const char *const *paths, int n,
    int *missing)
{
	int i, r;

	memset(set, 0, sizeof(*set));
	*missing = 0;
	if (n > REPLAY_MAX) {
		snprintf(set->error, sizeof(set->error), "at most %d recordings",
		    REPLAY_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (recording_open(&set->rec[i], paths[i]) == -1) {
			snprintf(set->error, sizeof(set->error), "%s",
			    set->rec[i].error);
			*missing = set->rec[i].open_errno != 0;
			goto fail;
		}
		set->n++;
		unique_name(set, i, paths[i]);
		if ((r = recording_read(&set->rec[i], &set->next[i])) == -1) {
			snprintf(set->error, sizeof(set->error), "%s",
			    set->rec[i].error);
			goto fail;
		}
		set->has_next[i] = r;
	}
	return 0;
fail:
	replay_close(set);
	return -1;
}

static struct ahead_item *ahead_front(struct replay_set *set, int *r);

static int
earliest(const struct replay_set *set, const int *has_next)
{
	int i, pick = -1;

	for (i = 0; i < set->n; i++)
		if (has_next[i] && (pick == -1 ||
		    set->next[i].t < set->next[pick].t))
			pick = i;
	return pick;
}

double
replay_peek(struct replay_set *set)
{
	struct ahead_item *it;
	int pick, r;

	if (set->ahead != NULL)
		return (it = ahead_front(set, &r)) != NULL ? it->s.t : NAN;
	pick = earliest(set, set->has_next);
	return pick == -1 ? NAN : set->next[pick].t;
}

/* The earliest sample, and the next one of its file read in its place. */
static int
read_next(struct replay_set *set, int *has_next, char *error, int *idx,
    struct sample *s)
{
	int pick = earliest(set, has_next), r;

	if (pick == -1)
		return 0;
	*idx = pick;
	*s = set->next[pick];
	if ((r = recording_read(&set->rec[pick], &set->next[pick])) == -1) {
		snprintf(error, RECORDING_ERRSZ, "%s", set->rec[pick].error);
		return -1;
	}
	has_next[pick] = r;
	return 1;
}

static void *
read_ahead(void *arg)
{
	struct replay_set *set = arg;
	struct replay_ahead *ra = set->ahead;
	struct ahead_batch *b;
	int r, stop;

	do {
		pthread_mutex_lock(&ra->lock);
		if (ra->head - ra->tail == AHEAD_BATCHES) {
			ra->thread_waits = 1;
			while (ra->head - ra->tail > AHEAD_HALF && !ra->stop)
				pthread_cond_wait(&ra->room, &ra->lock);
			ra->thread_waits = 0;
		}
		stop = ra->stop;
		pthread_mutex_unlock(&ra->lock);
		if (stop)
			break;
		b = &ra->batch[ra->head % AHEAD_BATCHES];
		b->n = b->end = 0;
		while (b->n < AHEAD_BATCH) {
			struct ahead_item *it = &b->item[b->n];

			if ((r = read_next(set, ra->has_next, ra->error,
			    &it->idx, &it->s)) != 1) {
				b->end = r == 0 ? 1 : -1;
				break;
			}
			it->has_next = ra->has_next[it->idx];
			b->n++;
		}
		pthread_mutex_lock(&ra->lock);
		ra->head++;
		ra->ended = b->end != 0;
		if (ra->caller_waits &&
		    (ra->head - ra->tail >= AHEAD_HALF || ra->ended))
			pthread_cond_signal(&ra->filled);
		pthread_mutex_unlock(&ra->lock);
	} while (b->end == 0);
	return NULL;
}

int
replay_read_ahead(struct replay_set *set)
{
	struct replay_ahead *ra;
	sigset_t all, old;
	int r;

	if (set->ahead != NULL || (ra = calloc(1, sizeof(*ra))) == NULL)
		return -1;
	memcpy(ra->has_next, set->has_next, sizeof(ra->has_next));
	if (pthread_mutex_init(&ra->lock, NULL) != 0) {
		free(ra);
		return -1;
	}
	if (pthread_cond_init(&ra->room, NULL) != 0) {
		pthread_mutex_destroy(&ra->lock);
		free(ra);
		return -1;
	}
	if (pthread_cond_init(&ra->filled, NULL) != 0) {
		pthread_cond_destroy(&ra->room);
		pthread_mutex_destroy(&ra->lock);
		free(ra);
		return -1;
	}
	set->ahead = ra;
	/* Signals are the caller's to take. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&ra->thread, NULL, read_ahead, set);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		set->ahead = NULL;
		pthread_cond_destroy(&ra->filled);
		pthread_cond_destroy(&ra->room);
		pthread_mutex_destroy(&ra->lock);
		free(ra);
		return -1;
	}
	return 0;
}

/*
 * The caller's next item, waiting for the thread if it must; NULL at the
 * end (*r 0) or at a bad row (*r -1).
 */
static struct ahead_item *
ahead_front(struct replay_set *set, int *r)
{
	struct replay_ahead *ra = set->ahead;

	for (;;) {
		if (ra->held == NULL) {
			pthread_mutex_lock(&ra->lock);
			if (ra->head == ra->tail) {
				ra->caller_waits = 1;
				while (ra->head - ra->tail < AHEAD_HALF &&
				    !ra->ended)
					pthread_cond_wait(&ra->filled,
					    &ra->lock);
				ra->caller_waits = 0;
			}
			pthread_mutex_unlock(&ra->lock);
			ra->held = &ra->batch[ra->tail % AHEAD_BATCHES];
			ra->pos = 0;
		}
		if (ra->pos < ra->held->n)
			return &ra->held->item[ra->pos];
		if (ra->held->end != 0) {
			*r = ra->held->end == 1 ? 0 : -1;
			return NULL;
		}
		pthread_mutex_lock(&ra->lock);
		ra->tail++;
		if (ra->thread_waits && ra->head - ra->tail <= AHEAD_HALF)
			pthread_cond_signal(&ra->room);
		pthread_mutex_unlock(&ra->lock);
		ra->held = NULL;
	}
}

static int
next_ahead(struct replay_set *set, int *idx, struct sample *s)
{
	struct ahead_item *it;
	int r;

	if ((it = ahead_front(set, &r)) == NULL) {
		if (r == -1)
			snprintf(set->error, sizeof(set->error), "%s",
			    set->ahead->error);
		return r;
	}
	set->ahead->pos++;
	*idx = it->idx;
	*s = it->s;
	set->has_next[it->idx] = it->has_next;
	return 1;
}

int
replay_next(struct replay_set *set, int *idx, struct sample *s)
{
	if (set->ahead != NULL)
		return next_ahead(set, idx, s);
	return read_next(set, set->has_next, set->error, idx, s);
}

static void
stop_ahead(struct replay_set *set)
{
	struct replay_ahead *ra = set->ahead;

	pthread_mutex_lock(&ra->lock);
	ra->stop = 1;
	pthread_cond_signal(&ra->room);
	pthread_mutex_unlock(&ra->lock);
	pthread_join(ra->thread, NULL);
	pthread_cond_destroy(&ra->filled);
	pthread_cond_destroy(&ra->room);
	pthread_mutex_destroy(&ra->lock);
	free(ra);
	set->ahead = NULL;
}

void
replay_close(struct replay_set *set)
{
	int i;

	if (set->ahead != NULL)
		stop_ahead(set);
	for (i = 0; i < set->n; i++)
		recording_close(&set->rec[i]);
	set->n = 0;
}
