/*
 * Small JSON files in the state directory (today's water, the nights'
 * trend), each replaced whole: written beside, synced, renamed over, the
 * directory synced.  A crash or a power cut leaves the old file or the
 * new one, never a torn one.
 */
#ifndef LEGWATCH_STATEFILE_H
#define LEGWATCH_STATEFILE_H

#include <jansson.h>

/* Larger than any state we write: anything bigger is not ours. */
#define STATEFILE_MAX	8192

/* Takes o (decref'd).  0, or -1 with err naming the file; the old stays. */
int	statefile_write(const char *dir, const char *name, json_t *o,
	    char *err, unsigned long errsz);
/*
 * 1 with the text in buf (NUL-terminated, *len bytes), 0 no such file,
 * -1 it cannot be read, -2 it is too large to be ours; err says which.
 * path gets "dir/name" for messages.
 */
int	statefile_read(const char *dir, const char *name, char *buf,
	    size_t *len, char *path, size_t pathsz, char *err,
	    unsigned long errsz);
/* A time in a state file: a number or null. */
json_t	*statefile_time(double t);

#endif
