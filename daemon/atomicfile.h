/*
 * Every file legwatch replaces whole goes through here: written to a
 * temporary file beside it (a random name, created exclusively, never
 * through a symbolic link), synced, renamed over the old one, and the
 * folder synced so that the rename itself is on disk.  A crash or a power
 * cut leaves the old file or the new one, never a torn one.
 */
#ifndef LEGWATCH_ATOMICFILE_H
#define LEGWATCH_ATOMICFILE_H

#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

/* Temporary names: ".<name>.tmp-XXXXXXXX", swept by atomic_sweep(). */
#define ATOMIC_TMP_TAG	".tmp-"

struct atomic_file {
	int	 dirfd;
	int	 own_dirfd;		/* opened by atomic_begin_path() */
	int	 fd;			/* the temporary file, or -1 */
	FILE	*f;			/* atomic_stream()'s, or NULL */
	char	 name[NAME_MAX + 1];	/* the final name, in dirfd */
	char	 tmp[NAME_MAX + 1];	/* "" once renamed or removed */
	char	 path[PATH_MAX];	/* for messages */
	char	 dirpath[PATH_MAX];
};

/*
 * A replacement for name in the folder dirfd (dirpath is for messages).
 * 0, or -1 with err naming the file.
 */
/*
 * A new file STEM<8 hex digits> in dirfd, made with O_CREAT | O_EXCL |
 * O_NOFOLLOW and flags, its name in name: its descriptor, or -1 (errno).
 */
int	atomic_create_unique(int dirfd, const char *stem, int flags,
	    mode_t mode, char *name, size_t namesz);
int	atomic_begin(struct atomic_file *af, int dirfd, const char *dirpath,
	    const char *name, mode_t mode, char *err, size_t errsz);
/* The same for any path: its folder is opened here. */
int	atomic_begin_path(struct atomic_file *af, const char *path,
	    mode_t mode, char *err, size_t errsz);
/*
 * The temporary file's path, for a library that opens files by name
 * (EDFlib): what it writes there is synced by atomic_commit() through
 * af's own descriptor, the same file.
 */
int	atomic_tmp_path(const struct atomic_file *af, char *buf, size_t bufsz);
/* The temporary file as a stdio stream, owned by af. */
FILE	*atomic_stream(struct atomic_file *af, const char *mode);
/*
 * Finishes, renames into place and syncs the folder: 0, or -1 with err
 * (the old file stays).  With keep, the file stays open, its descriptor
 * returned instead of 0 (the caller's to close).
 */
int	atomic_commit(struct atomic_file *af, int keep, char *err,
	    size_t errsz);
/* Whatever was not committed leaves nothing behind. */
void	atomic_abort(struct atomic_file *af);
/* Removes what a crash left of temporary files in dirfd. */
void	atomic_sweep(int dirfd);

#endif
