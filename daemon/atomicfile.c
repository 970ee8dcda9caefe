#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

#define TRIES	16

static void
say(char *err, size_t errsz, const char *path, int e)
{
	snprintf(err, errsz, "%s: %s", path, strerror(e));
}

int
atomic_create_unique(int dirfd, const char *stem, int flags, mode_t mode,
    char *name, size_t namesz)
{
	unsigned char rnd[4];
	int fd, i;

	/* A random name made here: nobody can have put a link there. */
	for (i = 0; i < TRIES; i++) {
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return -1;
		if ((size_t)snprintf(name, namesz, "%s%02x%02x%02x%02x", stem,
		    rnd[0], rnd[1], rnd[2], rnd[3]) >= namesz) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if ((fd = openat(dirfd, name, flags | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, mode)) >= 0)
			return fd;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

int
atomic_begin(struct atomic_file *af, int dirfd, const char *dirpath,
    const char *name, mode_t mode, char *err, size_t errsz)
{
	char stem[sizeof(af->tmp)];

	memset(af, 0, sizeof(*af));
	af->dirfd = dirfd;
	af->fd = -1;
	if ((size_t)snprintf(af->path, sizeof(af->path), "%s/%s", dirpath,
	    name) >= sizeof(af->path) || (size_t)snprintf(af->dirpath,
	    sizeof(af->dirpath), "%s", dirpath) >= sizeof(af->dirpath) ||
	    strchr(name, '/') != NULL ||
	    (size_t)snprintf(af->name, sizeof(af->name), "%s", name) >=
	    sizeof(af->name) || strlen(name) + sizeof(ATOMIC_TMP_TAG) + 9 >
	    sizeof(af->tmp)) {
		snprintf(err, errsz, "%s/%s: %s", dirpath, name,
		    strerror(ENAMETOOLONG));
		return -1;
	}
	snprintf(stem, sizeof(stem), ".%s" ATOMIC_TMP_TAG, name);
	if ((af->fd = atomic_create_unique(dirfd, stem, O_WRONLY, mode,
	    af->tmp, sizeof(af->tmp))) == -1) {
		say(err, errsz, af->path, errno);
		af->tmp[0] = '\0';
		return -1;
	}
	/* The umask would narrow what a reader of the output may do. */
	(void)fchmod(af->fd, mode);
	return 0;
}

int
atomic_begin_path(struct atomic_file *af, const char *path, mode_t mode,
    char *err, size_t errsz)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/'), *name;
	int dirfd;

	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
		name = path;
	} else if ((size_t)(slash - path) >= sizeof(dir)) {
		memset(af, 0, sizeof(*af));
		af->fd = af->dirfd = -1;
		say(err, errsz, path, ENAMETOOLONG);
		return -1;
	} else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash == path ? 1 : slash - path] = '\0';
		name = slash + 1;
	}
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		memset(af, 0, sizeof(*af));
		af->fd = af->dirfd = -1;
		say(err, errsz, path, errno);
		return -1;
	}
	if (atomic_begin(af, dirfd, dir, name, mode, err, errsz) == -1) {
		close(dirfd);
		af->dirfd = -1;
		return -1;
	}
	/* Messages name the path as it was given. */
	snprintf(af->path, sizeof(af->path), "%s", path);
	af->own_dirfd = 1;
	return 0;
}

int
atomic_tmp_path(const struct atomic_file *af, char *buf, size_t bufsz)
{
	if (af->tmp[0] == '\0' || (size_t)snprintf(buf, bufsz, "%s/%s",
	    af->dirpath, af->tmp) >= bufsz)
		return -1;
	return 0;
}

FILE *
atomic_stream(struct atomic_file *af, const char *mode)
{
	if (af->f == NULL && af->fd >= 0)
		af->f = fdopen(af->fd, mode);
	return af->f;
}

/* Flushed and synced; closed unless keep. */
static int
sync_file(struct atomic_file *af, int keep, char *err, size_t errsz)
{
	int e;

	if (af->fd < 0)
		return 0;
	errno = 0;
	if ((af->f != NULL && fflush(af->f) == EOF) || fsync(af->fd) == -1) {
		e = errno ? errno : EIO;
		goto fail;
	}
	if (keep)
		return 0;
	if (af->f != NULL) {
		e = fclose(af->f) == EOF ? errno : 0;
		af->f = NULL;
	} else
		e = close(af->fd) == -1 ? errno : 0;
	af->fd = -1;
	if (e == 0 || e == EINTR)
		return 0;
fail:
	say(err, errsz, af->path, e);
	return -1;
}

int
atomic_commit(struct atomic_file *af, int keep, char *err, size_t errsz)
{
	int fd;

	if (af->tmp[0] == '\0') {
		say(err, errsz, af->path, EBADF);
		return -1;
	}
	if (sync_file(af, keep, err, errsz) == -1)
		return -1;
	if (renameat(af->dirfd, af->tmp, af->dirfd, af->name) == -1) {
		say(err, errsz, af->path, errno);
		return -1;
	}
	af->tmp[0] = '\0';
	/*
	 * The rename itself reaches the disk with the folder.  It is done
	 * now whatever this says: a folder that cannot be synced (some file
	 * systems) leaves it to the kernel's next writeback.
	 */
	(void)fsync(af->dirfd);
	fd = af->fd;
	if (keep && af->f != NULL) {
		/* The stream goes, the descriptor is the caller's. */
		if ((fd = dup(af->fd)) == -1)
			say(err, errsz, af->path, errno);
		fclose(af->f);
		af->f = NULL;
	}
	af->fd = -1;
	atomic_abort(af);
	return keep ? fd : 0;
}

void
atomic_abort(struct atomic_file *af)
{
	if (af->f != NULL)
		fclose(af->f);
	else if (af->fd >= 0)
		close(af->fd);
	af->f = NULL;
	af->fd = -1;
	if (af->tmp[0] != '\0' && af->dirfd >= 0)
		(void)unlinkat(af->dirfd, af->tmp, 0);
	af->tmp[0] = '\0';
	if (af->own_dirfd && af->dirfd >= 0)
		close(af->dirfd);
	af->own_dirfd = 0;
	af->dirfd = -1;
}

void
atomic_sweep(int dirfd)
{
	struct dirent *d;
	struct stat st;
	DIR *dp;
	int fd;

	if ((fd = dup(dirfd)) == -1)
		return;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((d = readdir(dp)) != NULL)
		if (d->d_name[0] == '.' && strstr(d->d_name,
		    ATOMIC_TMP_TAG) != NULL && fstatat(dirfd, d->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == geteuid())
			(void)unlinkat(dirfd, d->d_name, 0);
	closedir(dp);
}
