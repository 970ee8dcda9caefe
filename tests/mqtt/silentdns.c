/*
 * A name server that takes queries and never answers: a UDP socket bound
 * to ADDR:53 that nobody reads.  For the test of a name lookup that
 * hangs (an unreachable port would fail the lookup at once instead).
 * usage: silentdns ADDR
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: silentdns ADDR\n");
		return 64;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(53);
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "silentdns: %s: not an IPv4 address\n", argv[1]);
		return 64;
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("silentdns");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;)
		pause();
}
