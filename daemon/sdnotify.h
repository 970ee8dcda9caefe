/*
 * systemd's readiness protocol (sd_notify(3)): a datagram to the socket
 * in $NOTIFY_SOCKET, and the watchdog's period from $WATCHDOG_USEC.  Ours
 * rather than libsystemd's, which brings five more libraries into every
 * run, offline ones too, for these few lines.
 */
#ifndef LEGWATCH_SDNOTIFY_H
#define LEGWATCH_SDNOTIFY_H

#include <stdint.h>

/*
 * Sends "READY=1" and the like (printf format).  Returns 1 when sent, 0
 * when not run by systemd, -1 on error (errno).
 */
int	sdnotify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 1 with *usec when systemd wants watchdog pings from us, 0 if not. */
int	sdnotify_watchdog(uint64_t *usec);

#endif
