#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "statefile.h"

json_t *
statefile_time(double t)
{
	return isnan(t) ? json_null() : json_real(round(t * 1000) / 1000);
}

int
statedir_open(struct statedir *sd, const char *path, char *err,
    size_t errsz)
{
	struct stat st;

	sd->fd = -1;
	if ((size_t)snprintf(sd->path, sizeof(sd->path), "%s", path) >=
	    sizeof(sd->path)) {
		snprintf(err, errsz, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	if (mkdir(path, 0750) == -1 && errno != EEXIST) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((sd->fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		int e = errno;

		if ((e == ELOOP || e == ENOTDIR) && lstat(path, &st) == 0 &&
		    S_ISLNK(st.st_mode))
			snprintf(err, errsz, "%s: a symbolic link: refused "
			    "(the state folder must be a real folder)", path);
		else
			snprintf(err, errsz, "%s: %s", path, strerror(e));
		return -1;
	}
	/* A crash between writing and renaming left these. */
	atomic_sweep(sd->fd);
	return 0;
}

void
statedir_close(struct statedir *sd)
{
	if (sd->fd >= 0)
		close(sd->fd);
	sd->fd = -1;
}

int
statedir_file(const struct statedir *sd, const char *name, int flags,
    char *err, size_t errsz)
{
	struct stat st;
	const char *why = NULL;
	int fd, e;

	/* O_NONBLOCK: a FIFO put there must not hold the open. */
	if ((fd = openat(sd->fd, name, flags | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK, 0600)) == -1) {
		e = errno;
		if (e == ELOOP || (e == ENXIO && fstatat(sd->fd, name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)))
			snprintf(err, errsz, "%s/%s: %s: refused", sd->path,
			    name, e == ELOOP ? "a symbolic link" :
			    "not a regular file");
		else
			snprintf(err, errsz, "%s/%s: %s", sd->path, name,
			    strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) == -1 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file: refused";
	else if (st.st_uid != geteuid()) {
		snprintf(err, errsz, "%s/%s: owned by uid %u, not by uid %u "
		    "that legwatchd runs as: refused", sd->path, name,
		    (unsigned)st.st_uid, (unsigned)geteuid());
		why = "";
	} else if (st.st_nlink > 1)
		why = "a file with other names (hard links): refused";
	if (why != NULL) {
		if (why[0] != '\0')
			snprintf(err, errsz, "%s/%s: %s", sd->path, name, why);
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

int
statefile_write(const struct statedir *sd, const char *name, json_t *o,
    char *err, size_t errsz)
{
	struct atomic_file af;
	char *text = NULL;
	FILE *f;
	int rc = -1;

	if (o == NULL || (text = json_dumps(o, JSON_INDENT(1) |
	    JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))) == NULL) {
		snprintf(err, errsz, "%s/%s: out of memory", sd->path, name);
		goto done;
	}
	/* What could not be read back is not written: the old file stays. */
	if (strlen(text) + 1 >= STATEFILE_MAX) {
		snprintf(err, errsz, "%s/%s: %zu bytes, more than a state file "
		    "may hold (%d)", sd->path, name, strlen(text) + 1,
		    STATEFILE_MAX - 1);
		goto done;
	}
	if (atomic_begin(&af, sd->fd, sd->path, name, 0640, err, errsz) == -1)
		goto done;
	if ((f = atomic_stream(&af, "w")) == NULL) {
		snprintf(err, errsz, "%s: %s", af.path, strerror(errno));
		atomic_abort(&af);
		goto done;
	}
	if (fputs(text, f) == EOF || fputc('\n', f) == EOF ||
	    atomic_commit(&af, 0, err, errsz) == -1) {
		if (ferror(f))
			snprintf(err, errsz, "%s: %s", af.path,
			    strerror(errno));
		atomic_abort(&af);
		goto done;
	}
	rc = 0;
done:
	free(text);
	json_decref(o);
	return rc;
}

int
statefile_read(const struct statedir *sd, const char *name, char *buf,
    size_t *len, char *path, size_t pathsz, char *err, size_t errsz)
{
	size_t n = 0;
	ssize_t r;
	int fd;

	if ((size_t)snprintf(path, pathsz, "%s/%s", sd->path, name) >=
	    pathsz) {
		snprintf(err, errsz, "%s/%s: path too long", sd->path, name);
		return -1;
	}
	if ((fd = statedir_file(sd, name, O_RDONLY, err, errsz)) == -1)
		return errno == ENOENT ? 0 : -1;
	while (n < STATEFILE_MAX) {
		if ((r = read(fd, buf + n, STATEFILE_MAX - n)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n == STATEFILE_MAX) {
		snprintf(err, errsz, "%s: larger than %d bytes: not a state "
		    "file", path, STATEFILE_MAX);
		return -2;
	}
	buf[n] = '\0';
	*len = n;
	return 1;
}
