#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"

int
sdnotify(const char *fmt, ...)
{
	struct sockaddr_un sun;
	const char *path = getenv("NOTIFY_SOCKET");
	char msg[512];
	socklen_t len;
	size_t n;
	va_list ap;
	int fd, r, saved;

	if (path == NULL || path[0] == '\0')
		return 0;
	/* A path, or '@' for the abstract namespace; nothing else here. */
	if ((path[0] != '/' && path[0] != '@') ||
	    (n = strlen(path)) >= sizeof(sun.sun_path)) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	va_start(ap, fmt);
	r = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= sizeof(msg)) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (path[0] == '/'));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	r = sendto(fd, msg, (size_t)r, MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    len) == -1 ? -1 : 1;
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int
sdnotify_watchdog(uint64_t *usec)
{
	const char *s = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (s == NULL || *s == '\0')
		return 0;
	/* Meant for another process (one we started, say): not for us. */
	if (pid != NULL && *pid != '\0' &&
	    strtol(pid, &end, 10) != (long)getpid())
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0)
		return 0;
	*usec = v;
	return 1;
}
