/*
 * The hydration state on disk: today's water and the last reminder, in
 * <state_dir>/hydration.json, replaced atomically so that a crash or a
 * power cut leaves the old file or the new one, never a torn one.
 */
#ifndef LEGWATCH_HYDSTORE_H
#define LEGWATCH_HYDSTORE_H

#include <stddef.h>

#include "hydration.h"
#include "statefile.h"

#define HYDSTORE_FILE	"hydration.json"

/*
 * 1 loaded, 0 no file yet; -1 it cannot be read, -2 it is not a state
 * file; either with err naming the file and what is wrong.
 */
int	hydstore_load(const struct statedir *sd, struct hydration_saved *s,
	    char *err, unsigned long errsz);
/* The file's text: 1, or -2 with err naming path and what is wrong. */
int	hydstore_parse(const char *text, size_t len, const char *path,
	    struct hydration_saved *s, char *err, unsigned long errsz);
/* 0, or -1 with err; the old file stays on failure. */
int	hydstore_save(const struct statedir *sd, const struct hydration_saved *s,
	    char *err, unsigned long errsz);

#endif
