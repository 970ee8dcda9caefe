#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "statefile.h"

json_t *
statefile_time(double t)
{
	return isnan(t) ? json_null() : json_real(round(t * 1000) / 1000);
}

int
statefile_write(const char *dir, const char *name, json_t *o, char *err,
    unsigned long errsz)
{
	char path[PATH_MAX], tmp[PATH_MAX] = "";
	char *text = NULL;
	size_t len;
	int fd = -1, dfd, rc = -1;

	/* One daemon per state directory: a fixed name, overwritten if a
	 * crash left it. */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path) || (size_t)snprintf(tmp, sizeof(tmp), "%s.new",
	    path) >= sizeof(tmp)) {
		snprintf(err, errsz, "%s/%s: path too long", dir, name);
		goto done;
	}
	if (o == NULL || (text = json_dumps(o, JSON_INDENT(1) |
	    JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))) == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto done;
	}
	len = strlen(text);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) == -1) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		goto done;
	}
	errno = 0;
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) == -1) {
		snprintf(err, errsz, "%s: %s", tmp, errno ? strerror(errno) :
		    "short write");
		goto done;
	}
	if (close(fd) == -1 || (fd = -1, rename(tmp, path) == -1)) {
		fd = -1;
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto done;
	}
	tmp[0] = '\0';
	/* The rename itself reaches the disk with the directory. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	if (rc == -1 && tmp[0] != '\0')
		unlink(tmp);
	free(text);
	json_decref(o);
	return rc;
}

int
statefile_read(const char *dir, const char *name, char *buf, size_t *len,
    char *path, size_t pathsz, char *err, unsigned long errsz)
{
	FILE *f;
	size_t n;

	if ((size_t)snprintf(path, pathsz, "%s/%s", dir, name) >= pathsz) {
		snprintf(err, errsz, "%s/%s: path too long", dir, name);
		return -1;
	}
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, STATEFILE_MAX, f);
	if (ferror(f)) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	if (n == STATEFILE_MAX) {
		snprintf(err, errsz, "%s: larger than %d bytes: not a state "
		    "file", path, STATEFILE_MAX);
		return -2;
	}
	buf[n] = '\0';
	*len = n;
	return 1;
}
