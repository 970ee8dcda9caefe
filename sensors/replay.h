/*
 * Recordings played as sensors: several files merged by time, each one
 * sensor named after its file.  The reader of one file is recording.c.
 */
#ifndef LEGWATCH_REPLAY_H
#define LEGWATCH_REPLAY_H

#include "recording.h"

#define REPLAY_MAX	16
#define REPLAY_NAME_MAX	32

struct replay_ahead;

struct replay_set {
	struct recording	rec[REPLAY_MAX];
	struct sample		next[REPLAY_MAX];
	int			has_next[REPLAY_MAX];
	char			name[REPLAY_MAX][REPLAY_NAME_MAX];
	int			n;
	char			error[RECORDING_ERRSZ];
	struct replay_ahead	*ahead;		/* a thread reads ahead */
};

/*
 * Opens every file and reads its first sample.  Returns 0, or -1 with
 * set->error, *missing set when a file could not be opened at all.
 */
int	replay_open(struct replay_set *set, const char *const *paths, int n,
	    int *missing);
/* The earliest sample of all: 1 with *idx and *s, 0 at the end, -1. */
int	replay_next(struct replay_set *set, int *idx, struct sample *s);
/*
 * The time of the sample replay_next would give; NAN at the end (and,
 * reading ahead, at a bad row: replay_next then says what is wrong).
 */
double	replay_peek(struct replay_set *set);
/*
 * From now on a thread reads and parses the files while the caller
 * analyses: replay_next and replay_peek give the same as before, and
 * has_next is kept.  Returns 0, or -1 and all stays as it was.
 */
int	replay_read_ahead(struct replay_set *set);
void	replay_close(struct replay_set *set);

#endif
