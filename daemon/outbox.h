/*
 * The outbox: every event waits here, on disk in the state directory,
 * until the broker has acknowledged it (design.md 3.5).  One append-only
 * journal: "E" lines add an event, "A" lines say it went out.  A torn
 * last line (power cut, kill -9) is dropped on load.  When the journal is
 * mostly acknowledged it is rewritten with what is still pending.  It is
 * bounded: when full, the oldest movements go first, then ordinary
 * events, cramps and night summaries last.
 */
#ifndef LEGWATCH_OUTBOX_H
#define LEGWATCH_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "statefile.h"

/*
 * Sequence numbers are renumbered from 1 at each start: one above this
 * in a journal is not ours (it would wrap), nor is 0.
 */
#define OUTBOX_SEQ_MAX	((uint64_t)INT64_MAX)
/* A journal line longer than this is not ours either. */
#define OUTBOX_LINE_MAX	65536

enum outbox_topic {
	OUTBOX_EVENT,		/* B/event */
	OUTBOX_MOVEMENT,	/* B/movement */
};

enum outbox_priority {
	OUTBOX_LOW,		/* movements: the first to go when full */
	OUTBOX_NORMAL,
	OUTBOX_HIGH,		/* cramps and night summaries */
};

struct outbox_entry {
	uint64_t		 seq;
	enum outbox_topic	 topic;
	enum outbox_priority	 priority;
	char			*payload;
	int			 inflight;	/* published, no PUBACK yet */
	int			 on_disk;	/* written to the journal */
	int			 mid;		/* the MQTT message id then */
};

struct outbox {
	char			 path[PATH_MAX];	/* the journal's */
	const struct statedir	*sd;		/* its folder (borrowed) */
	int			 fd;
	int			 lock_fd;	/* one daemon per state_dir */
	struct outbox_entry	*e;		/* pending, oldest first */
	size_t			 n, cap, max;
	uint64_t		 next_seq;
	size_t			 journal_lines;
	int			 disk_ok;	/* the last write worked */
	int			 compact_failed;
	long long		 torn_at;	/* offset of a torn last line */
	int			 torn_tail;	/* one is there still: rewrite */
	unsigned long		 dropped;
	int			 disk_errno;	/* why the last write failed */
	size_t			 kept;		/* only in memory then */
	double			 next_say;	/* outbox_retry() speaks */
	/* While loading: where each pending seq is in e (see load()). */
	uint32_t		*slot;
	size_t			 slots;
};

/* A journal line, parsed; for the loader and the fuzzer. */
struct outbox_record {
	char			 kind;		/* 'E' or 'A' */
	uint64_t		 seq;
	enum outbox_topic	 topic;
	enum outbox_priority	 priority;
	const char		*payload;	/* E: into the line */
	size_t			 payload_len;
};

/*
 * 0, or -1: not a record (the payload must be one JSON object on one
 * line, the seq 1..OUTBOX_SEQ_MAX).
 */
int	outbox_parse_line(const char *line, size_t len,
	    struct outbox_record *rec);

/*
 * Takes the state folder's lock and reads the journal: 0, or -1 with err
 * set.  What could not be read is logged and skipped; beyond max
 * events, the surplus is dropped as at run time, and said.
 */
int	outbox_open(struct outbox *ob, const struct statedir *sd, size_t max,
	    char *err, size_t errsz);
/*
 * Writes what the disk refused so far, if it can, and closes: 0, or -1
 * after saying how many events (and which kinds) are lost.
 */
int	outbox_close(struct outbox *ob);
/*
 * While the disk refuses, the loop calls this now and then (now: any
 * clock in s): 0 when everything is on disk again, or -1, saying at
 * most every OUTBOX_SAY_S how many events are only in memory.
 */
#define OUTBOX_SAY_S	60.0
int	outbox_retry(struct outbox *ob, double now);
/* Events only in memory: the number, and by priority in kinds. */
size_t	outbox_unwritten(const struct outbox *ob, size_t kinds[3]);
/*
 * Adds an event.  It is on disk (fdatasync) when this returns 0; with a
 * failing disk it is still kept in memory and -1 is returned.  When the
 * outbox is full and everything in it matters more, the new event is the
 * one dropped (1).
 */
int	outbox_push(struct outbox *ob, enum outbox_topic topic,
	    enum outbox_priority priority, const char *payload);
/* The broker has it: forget it. */
void	outbox_ack(struct outbox *ob, uint64_t seq);
/* Nothing is in flight any more (the connection was lost). */
void	outbox_unsend(struct outbox *ob);

#endif
