/*
 * Recordings played as sensors: several files merged by time, each one
 * sensor named after its file.  The reader of one file is recording.c.
 */
#ifndef LEGWATCH_REPLAY_H
#define LEGWATCH_REPLAY_H

#include "recording.h"

#define REPLAY_MAX	16
#define REPLAY_NAME_MAX	32

struct replay_set {
	struct recording	rec[REPLAY_MAX];
	struct sample		next[REPLAY_MAX];
	int			has_next[REPLAY_MAX];
	char			name[REPLAY_MAX][REPLAY_NAME_MAX];
	int			n;
	char			error[RECORDING_ERRSZ];
};

/*
 * Opens every file and reads its first sample.  Returns 0, or -1 with
 * set->error, *missing set when a file could not be opened at all.
 */
int	replay_open(struct replay_set *set, const char *const *paths, int n,
	    int *missing);
/* The earliest sample of all: 1 with *idx and *s, 0 at the end, -1. */
int	replay_next(struct replay_set *set, int *idx, struct sample *s);
/* The time of the sample replay_next would give; NAN at the end. */
double	replay_peek(const struct replay_set *set);
void	replay_close(struct replay_set *set);

#endif
