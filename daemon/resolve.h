/*
 * The broker's host name looked up without blocking the loop.  glibc's
 * getaddrinfo_a() does the lookup (nsswitch included, so "homeassistant.local"
 * works through mDNS); the loop polls for the answer.  libmosquitto then
 * connects to the name it was given, which TLS needs for the server name
 * and the certificate check, and its own blocking getaddrinfo() call for
 * that name is answered with the address found here (resolve.c).
 */
#ifndef LEGWATCH_RESOLVE_H
#define LEGWATCH_RESOLVE_H

#include <stddef.h>

struct resolve {
	void	*req;		/* the glibc request, NULL when idle */
	char	 host[256];
	char	 addr[64];	/* the numeric address found */
	int	 turn;		/* which of several addresses to take */
};

/* 1: host is an address already, nothing to look up. */
int	resolve_is_numeric(const char *host);
/* Starts a lookup.  0, or -1 with err. */
int	resolve_start(struct resolve *r, const char *host, char *err,
	    size_t errsz);
/*
 * 1 with r->addr set, 0 while the lookup goes
 * on, -1 with err when it failed.
 */
int	resolve_poll(struct resolve *r, char *err, size_t errsz);
/*
 * While pinned, libmosquitto's lookup of r->host is answered with
 * r->addr: pin just around its connect call, which does the lookup.
 */
void	resolve_pin(const struct resolve *r);
void	resolve_unpin(void);
/* Abandons a lookup that takes too long. */
void	resolve_cancel(struct resolve *r);
/* The next address of several, for the next attempt. */
void	resolve_next(struct resolve *r);

#endif
