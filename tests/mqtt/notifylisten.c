/*
 * Stands in for systemd's notification socket: prints every datagram
 * legwatchd sends (READY=1, WATCHDOG=1, ...) one per line, until killed
 * or until SECONDS have passed.
 * usage: notifylisten PATH SECONDS
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	char buf[4096];
	time_t until;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: notifylisten PATH SECONDS\n");
		return 64;
	}
	until = time(NULL) + atoi(argv[2]);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof(sun.sun_path))
		return 64;
	strcpy(sun.sun_path, argv[1]);
	unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("notifylisten");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (time(NULL) < until) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		for (char *p = buf; *p; p++)
			if (*p == '\n')
				*p = ' ';
		printf("%s\n", buf);
	}
	unlink(argv[1]);
	return 0;
}
