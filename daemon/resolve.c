#define _GNU_SOURCE		/* getaddrinfo_a, RTLD_NEXT */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "resolve.h"

struct lookup {
	struct gaicb	 cb;
	struct addrinfo	 hints;
	char		 host[256];
};

/*
 * The name and the address libmosquitto's lookup gets instead, set only
 * while it connects (resolve_pin).
 */
static char pinned_host[256], pinned_addr[64];
static int (*real_getaddrinfo)(const char *, const char *,
    const struct addrinfo *, struct addrinfo **);

/* Lookups glibc could not cancel: freed once they are over. */
#define ABANDONED_MAX	8
static struct lookup *abandoned[ABANDONED_MAX];

static void
free_lookup(struct lookup *l)
{
	if (l->cb.ar_result != NULL)
		freeaddrinfo(l->cb.ar_result);
	free(l);
}

static void
reap_abandoned(void)
{
	int i;

	for (i = 0; i < ABANDONED_MAX; i++)
		if (abandoned[i] != NULL &&
		    gai_error(&abandoned[i]->cb) != EAI_INPROGRESS) {
			free_lookup(abandoned[i]);
			abandoned[i] = NULL;
		}
}

int
resolve_is_numeric(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	return inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
}

int
resolve_start(struct resolve *r, const char *host, char *err, size_t errsz)
{
	struct gaicb *list[1];
	struct lookup *l;
	int rc;

	resolve_cancel(r);
	reap_abandoned();
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errsz, "%s: out of memory", host);
		return -1;
	}
	snprintf(l->host, sizeof(l->host), "%s", host);
	snprintf(r->host, sizeof(r->host), "%s", host);
	l->hints.ai_family = AF_UNSPEC;
	l->hints.ai_socktype = SOCK_STREAM;
	l->hints.ai_flags = AI_ADDRCONFIG;
	l->cb.ar_name = l->host;
	l->cb.ar_request = &l->hints;
	list[0] = &l->cb;
	if ((rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL)) != 0) {
		snprintf(err, errsz, "%s: %s", host, gai_strerror(rc));
		free(l);
		return -1;
	}
	r->req = l;
	return 0;
}

int
resolve_poll(struct resolve *r, char *err, size_t errsz)
{
	struct lookup *l = r->req;
	struct addrinfo *ai;
	int rc, n = 0, k;

	if (l == NULL) {
		snprintf(err, errsz, "no lookup going on");
		return -1;
	}
	if ((rc = gai_error(&l->cb)) == EAI_INPROGRESS)
		return 0;
	r->req = NULL;
	if (rc != 0) {
		snprintf(err, errsz, "%s: %s", l->host, rc == EAI_SYSTEM ?
		    "lookup failed" : gai_strerror(rc));
		free_lookup(l);
		return -1;
	}
	for (ai = l->cb.ar_result; ai != NULL; ai = ai->ai_next)
		n++;
	/* Several addresses: each attempt takes the next. */
	for (ai = l->cb.ar_result, k = n > 0 ? r->turn % n : 0; k > 0; k--)
		ai = ai->ai_next;
	if (ai == NULL || getnameinfo(ai->ai_addr, ai->ai_addrlen, r->addr,
	    sizeof(r->addr), NULL, 0, NI_NUMERICHOST) != 0) {
		snprintf(err, errsz, "%s: no usable address", l->host);
		free_lookup(l);
		return -1;
	}
	free_lookup(l);
	return 1;
}

void
resolve_cancel(struct resolve *r)
{
	struct lookup *l = r->req;

	if (l == NULL)
		return;
	r->req = NULL;
	if (gai_cancel(&l->cb) == EAI_NOTCANCELED) {
		int i;

		/* glibc's thread still writes to it: freed when it is done. */
		reap_abandoned();
		for (i = 0; i < ABANDONED_MAX; i++)
			if (abandoned[i] == NULL) {
				abandoned[i] = l;
				return;
			}
		return;	/* too many hanging at once: let this one be */
	}
	free_lookup(l);
}

void
resolve_pin(const struct resolve *r)
{
	if (real_getaddrinfo == NULL)
		*(void **)&real_getaddrinfo = dlsym(RTLD_NEXT, "getaddrinfo");
	snprintf(pinned_host, sizeof(pinned_host), "%s", r->host);
	snprintf(pinned_addr, sizeof(pinned_addr), "%s", r->addr);
}

void
resolve_unpin(void)
{
	pinned_host[0] = pinned_addr[0] = '\0';
}

void
resolve_next(struct resolve *r)
{
	r->turn++;
}

/*
 * libmosquitto resolves the host it connects to with a blocking
 * getaddrinfo() on every (re)connect.  This definition, exported from
 * the executable (see the Makefile's dynamic list), comes before libc's:
 * for the pinned name it hands back the address the loop looked up
 * already; for anything else it is libc's own.
 */
int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	struct addrinfo h;

	if (real_getaddrinfo == NULL && (*(void **)&real_getaddrinfo =
	    dlsym(RTLD_NEXT, "getaddrinfo")) == NULL)
		return EAI_SYSTEM;
	if (node == NULL || pinned_host[0] == '\0' ||
	    strcmp(node, pinned_host) != 0)
		return real_getaddrinfo(node, service, hints, res);
	if (hints != NULL)
		h = *hints;
	else
		memset(&h, 0, sizeof(h));
	h.ai_flags |= AI_NUMERICHOST;
	h.ai_flags &= ~AI_CANONNAME;
	return real_getaddrinfo(pinned_addr, service, &h, res);
}
