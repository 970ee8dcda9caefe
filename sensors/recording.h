/*
 * Recordings (design.md 3.1): a CSV header naming the columns, then one row
 * per sample in time order.  The reader streams through a fixed buffer so
 * memory stays flat however long the night is.
 */
#ifndef LEGWATCH_RECORDING_H
#define LEGWATCH_RECORDING_H

#include <stddef.h>

#include "core/sample.h"

enum recording_kind {
	REC_ACCEL,		/* t,ax,ay,az in g */
	REC_MOTION,		/* t,motion: one row per level change */
	REC_TEMP,		/* t,temp_c */
};

#define RECORDING_BUFSZ		(64 * 1024)
#define RECORDING_ERRSZ		768

struct recording {
	const char		*path;
	int			 fd;
	enum recording_kind	 kind;
	unsigned long		 line;		/* of the last line handed out */
	unsigned long		 rows;
	double			 last_t;
	char			*buf;
	size_t			 start, end;	/* unread bytes in buf */
	int			 eof;
	int			 open_errno;	/* open(2) failed: why */
	char			 error[RECORDING_ERRSZ];
};

/* All return -1 with rec->error set ("FILE:LINE: what") on bad input. */
int	recording_open(struct recording *rec, const char *path);
int	recording_read(struct recording *rec, struct sample *s); /* 1, 0 */
void	recording_close(struct recording *rec);
const char *recording_header(enum recording_kind kind);

/* The pure parts, for tests and the fuzzer. */
int	recording_parse_header(const char *line, size_t len,
	    enum recording_kind *kind);
int	recording_parse_row(enum recording_kind kind, const char *line,
	    size_t len, struct sample *s, char *why, size_t whysz);

#endif
