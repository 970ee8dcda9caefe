/*
 * The state folder and the small JSON files in it (today's water, the
 * nights' trend).  The folder is opened once and every file in it through
 * that descriptor, never through a symbolic link: a file there that is a
 * link, is not a regular file, has other names, or is not the running
 * user's is refused, so that whoever can write the folder cannot make
 * legwatch (perhaps run as root) create, truncate or read anything
 * outside it.  Each state file is replaced whole (daemon/atomicfile.h).
 */
#ifndef LEGWATCH_STATEFILE_H
#define LEGWATCH_STATEFILE_H

#include <limits.h>
#include <stddef.h>

#include <jansson.h>

/* Larger than any state we write: anything bigger is not ours. */
#define STATEFILE_MAX	8192

struct statedir {
	int	fd;			/* -1 when not open */
	char	path[PATH_MAX];		/* for messages */
};

/*
 * Opens the folder, made (0750) if missing; its last component may not
 * be a symbolic link.  0, or -1 with err naming it.
 */
int	statedir_open(struct statedir *sd, const char *path, char *err,
	    size_t errsz);
void	statedir_close(struct statedir *sd);
/*
 * Opens name in the folder (flags as open(2); O_NOFOLLOW is added):
 * the descriptor, or -1 with err naming the file and errno set (ENOENT:
 * no such file, without O_CREAT).
 */
int	statedir_file(const struct statedir *sd, const char *name, int flags,
	    char *err, size_t errsz);

/*
 * Takes o (decref'd).  0, or -1 with err naming the file; the old stays.
 * Text that statefile_read could not read back whole is refused.
 */
int	statefile_write(const struct statedir *sd, const char *name,
	    json_t *o, char *err, size_t errsz);
/*
 * 1 with the text in buf (NUL-terminated, *len bytes), 0 no such file,
 * -1 it cannot be read (or is refused), -2 it is too large to be ours;
 * err says which.  path gets "dir/name" for messages.
 */
int	statefile_read(const struct statedir *sd, const char *name, char *buf,
	    size_t *len, char *path, size_t pathsz, char *err, size_t errsz);
/* A time in a state file: a number or null. */
json_t	*statefile_time(double t);

#endif
