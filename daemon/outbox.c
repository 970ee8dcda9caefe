#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicfile.h"
#include "log.h"
#include "outbox.h"

#define JOURNAL		"outbox.jsonl"
/* Rewrite the journal when it holds this many lines per pending event. */
#define COMPACT_RATIO	4
#define COMPACT_MIN	256

static const char *const topic_names[] = { "event", "movement" };

/* What is published must be what an event is: one JSON object. */
static int
is_object(const char *text, size_t len)
{
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES |
	    JSON_DECODE_ANY, NULL);
	int ok = json_is_object(o);

	json_decref(o);
	return ok;
}

int
outbox_parse_line(const char *line, size_t len, struct outbox_record *rec)
{
	const char *p, *end = line + len;
	uint64_t seq = 0;
	int digits = 0;

	if (len < 3 || (line[0] != 'E' && line[0] != 'A') || line[1] != ' ')
		return -1;
	rec->kind = line[0];
	for (p = line + 2; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (seq > (UINT64_MAX - 9) / 10)
			return -1;
		seq = seq * 10 + (uint64_t)(*p - '0');
	}
	if (digits == 0 || seq == 0 || seq > OUTBOX_SEQ_MAX)
		return -1;
	rec->seq = seq;
	if (rec->kind == 'A')
		return p == end ? 0 : -1;
	/* E <seq> <topic> <priority> <json> */
	if (p == end || *p++ != ' ')
		return -1;
	if ((size_t)(end - p) > 6 && memcmp(p, "event ", 6) == 0) {
		rec->topic = OUTBOX_EVENT;
		p += 6;
	} else if ((size_t)(end - p) > 9 && memcmp(p, "movement ", 9) == 0) {
		rec->topic = OUTBOX_MOVEMENT;
		p += 9;
	} else
		return -1;
	if (end - p < 3 || *p < '0' || *p > '2' || p[1] != ' ')
		return -1;
	rec->priority = (enum outbox_priority)(*p - '0');
	p += 2;
	/* A NUL would cut the payload short wherever it is used as text. */
	if (*p != '{' || end[-1] != '}' || memchr(p, '\n', (size_t)(end - p)) ||
	    memchr(p, '\0', (size_t)(end - p)) || !is_object(p,
	    (size_t)(end - p)))
		return -1;
	rec->payload = p;
	rec->payload_len = (size_t)(end - p);
	return 0;
}

static int
grow(struct outbox *ob)
{
	size_t cap = ob->cap ? ob->cap * 2 : 64;
	struct outbox_entry *e;

	if (ob->n < ob->cap)
		return 0;
	if ((e = realloc(ob->e, cap * sizeof(*e))) == NULL)
		return -1;
	ob->e = e;
	ob->cap = cap;
	return 0;
}

/* Appended: pending entries stay in seq order (load() sorts its own). */
static int
add_entry(struct outbox *ob, uint64_t seq, enum outbox_topic topic,
    enum outbox_priority priority, const char *payload, size_t len)
{
	struct outbox_entry *e;
	char *payload_copy;

	if (grow(ob) == -1 || (payload_copy = malloc(len + 1)) == NULL)
		return -1;
	e = &ob->e[ob->n++];
	e->payload = payload_copy;
	memcpy(e->payload, payload, len);
	e->payload[len] = '\0';
	e->seq = seq;
	e->topic = topic;
	e->priority = priority;
	e->inflight = 0;
	e->on_disk = 0;
	e->mid = 0;
	return 0;
}

static void
remove_at(struct outbox *ob, size_t i)
{
	free(ob->e[i].payload);
	memmove(&ob->e[i], &ob->e[i + 1], (ob->n - i - 1) * sizeof(ob->e[0]));
	ob->n--;
}

static ssize_t
find(const struct outbox *ob, uint64_t seq)
{
	size_t lo = 0, hi = ob->n;

	/* Pending entries stay in seq order. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ob->e[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ob->n && ob->e[lo].seq == seq ? (ssize_t)lo : -1;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_entry(int fd, const struct outbox_entry *e)
{
	char head[64];
	int n = snprintf(head, sizeof(head), "E %" PRIu64 " %s %d ", e->seq,
	    topic_names[e->topic], (int)e->priority);

	if (write_all(fd, head, (size_t)n) == -1 ||
	    write_all(fd, e->payload, strlen(e->payload)) == -1 ||
	    write_all(fd, "\n", 1) == -1)
		return -1;
	return 0;
}

/* Writes what is pending to a new journal and swaps it in. */
static int
compact(struct outbox *ob)
{
	struct atomic_file af;
	char err[PATH_MAX + 64];
	size_t i;
	int fd;

	if (atomic_begin(&af, ob->sd->fd, ob->sd->path, JOURNAL, 0600, err,
	    sizeof(err)) == -1)
		return -1;
	for (i = 0; i < ob->n; i++)
		if (write_entry(af.fd, &ob->e[i]) == -1) {
			int e = errno;

			atomic_abort(&af);
			errno = e;
			return -1;
		}
	if ((fd = atomic_commit(&af, 1, err, sizeof(err))) == -1) {
		int e = errno;

		atomic_abort(&af);
		errno = e;
		return -1;
	}
	for (i = 0; i < ob->n; i++)
		ob->e[i].on_disk = 1;
	if (ob->fd >= 0)
		close(ob->fd);
	/* Appends from here on: the file was opened for writing only. */
	ob->fd = fd;
	if (fcntl(fd, F_SETFL, O_APPEND) == -1 ||
	    lseek(fd, 0, SEEK_END) == -1)
		ob->torn_tail = 1;
	ob->journal_lines = ob->n;
	return 0;
}

static void
maybe_compact(struct outbox *ob)
{
	if (ob->journal_lines < COMPACT_MIN ||
	    ob->journal_lines < COMPACT_RATIO * (ob->n + 1))
		return;
	if (compact(ob) == -1) {
		if (!ob->compact_failed++)
			log_warn("%s: cannot rewrite the outbox: %s", ob->path,
			    strerror(errno));
	} else
		ob->compact_failed = 0;
}

/*
 * Loading: the journal's events in the order read, each seq found by a
 * small hash (slot), acknowledged ones marked dead (no payload).  Bounded
 * by the cap: when the array holds twice the cap, the dead go and the
 * surplus is dropped, so that a journal of any size costs the same.
 */
static size_t
home(const struct outbox *ob, uint64_t seq)
{
	return (size_t)(seq * 0x9e3779b97f4a7c15ULL >> 17) & (ob->slots - 1);
}

static size_t
slot_of(const struct outbox *ob, uint64_t seq)
{
	size_t mask = ob->slots - 1, h = home(ob, seq);

	while (ob->slot[h] != UINT32_MAX && ob->e[ob->slot[h]].seq != seq)
		h = (h + 1) & mask;
	return h;
}

static int
rehash(struct outbox *ob, size_t want)
{
	size_t slots = 64, i;

	while (slots < want * 2)
		slots *= 2;
	if (slots != ob->slots) {
		uint32_t *sl = realloc(ob->slot, slots * sizeof(*sl));

		if (sl == NULL)
			return -1;
		ob->slot = sl;
		ob->slots = slots;
	}
	memset(ob->slot, 0xff, ob->slots * sizeof(*ob->slot));
	for (i = 0; i < ob->n; i++)
		if (ob->e[i].payload != NULL)
			ob->slot[slot_of(ob, ob->e[i].seq)] = (uint32_t)i;
	return 0;
}

/* Linear probing: the entries after it that it displaced move back. */
static void
slot_remove(struct outbox *ob, size_t i)
{
	size_t mask = ob->slots - 1, j = i, k;

	for (;;) {
		ob->slot[i] = UINT32_MAX;
		for (;;) {
			j = (j + 1) & mask;
			if (ob->slot[j] == UINT32_MAX)
				return;
			k = home(ob, ob->e[ob->slot[j]].seq);
			/* Stays if its home lies cyclically in (i, j]. */
			if (i <= j ? i < k && k <= j : i < k || k <= j)
				continue;
			ob->slot[i] = ob->slot[j];
			i = j;
			break;
		}
	}
}

static int
by_seq(const void *a, const void *b)
{
	const struct outbox_entry *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The dead go, the rest in seq order; more than the cap, and the oldest
 * of the lowest priority go first, as make_room() does at run time.
 */
static void
settle(struct outbox *ob, unsigned long gone[3])
{
	size_t i, kept = 0, count[3] = { 0, 0, 0 }, drop[3], over;
	int p;

	for (i = 0; i < ob->n; i++)
		if (ob->e[i].payload != NULL) {
			count[ob->e[i].priority]++;
			ob->e[kept++] = ob->e[i];
		}
	ob->n = kept;
	if (ob->n > 1)
		qsort(ob->e, ob->n, sizeof(ob->e[0]), by_seq);
	over = ob->n > ob->max ? ob->n - ob->max : 0;
	for (p = OUTBOX_LOW; p <= OUTBOX_HIGH; p++) {
		drop[p] = over < count[p] ? over : count[p];
		over -= drop[p];
		gone[p] += drop[p];
	}
	for (i = kept = 0; i < ob->n; i++) {
		if (drop[ob->e[i].priority] > 0) {
			drop[ob->e[i].priority]--;
			free(ob->e[i].payload);
			continue;
		}
		ob->e[kept++] = ob->e[i];
	}
	ob->n = kept;
}

/* One journal line: 0, 1 not a record, -1 out of memory. */
static int
load_line(struct outbox *ob, const char *line, size_t len,
    unsigned long gone[3])
{
	struct outbox_record rec;
	size_t h;

	if (outbox_parse_line(line, len, &rec) == -1)
		return 1;
	ob->journal_lines++;
	h = slot_of(ob, rec.seq);
	if (rec.kind == 'A') {
		if (ob->slot[h] != UINT32_MAX) {
			free(ob->e[ob->slot[h]].payload);
			ob->e[ob->slot[h]].payload = NULL;
			slot_remove(ob, h);
		}
		return 0;
	}
	if (ob->slot[h] != UINT32_MAX)
		return 0;		/* the first of two is kept */
	if (ob->n >= 2 * ob->max + 64) {
		settle(ob, gone);
		if (rehash(ob, 2 * ob->max + 64) == -1)
			return -1;
		h = slot_of(ob, rec.seq);
	}
	if (add_entry(ob, rec.seq, rec.topic, rec.priority, rec.payload,
	    rec.payload_len) == -1)
		return -1;
	ob->slot[h] = (uint32_t)(ob->n - 1);
	return 0;
}

static int
load(struct outbox *ob, char *err, size_t errsz)
{
	unsigned long gone[3] = { 0, 0, 0 };
	char *buf = NULL, *line, *nl;
	size_t len = 0, bad = 0, lineno = 0, skipping = 0;
	long long offset = 0, skip_from = 0;	/* of buf[0], of a long one */
	ssize_t n;
	int r;

	if ((buf = malloc(OUTBOX_LINE_MAX + 1)) == NULL ||
	    rehash(ob, 2 * ob->max + 64) == -1)
		goto nomem;
	for (;;) {
		n = read(ob->fd, buf + len, OUTBOX_LINE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errsz, "%s: %s", ob->path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		for (line = buf; (nl = memchr(line, '\n',
		    (size_t)(buf + len - line))) != NULL; line = nl + 1) {
			lineno++;
			if (skipping) {		/* the end of a long one */
				skipping = 0;
				r = 1;
			} else if ((r = load_line(ob, line, (size_t)(nl -
			    line), gone)) == -1)
				goto nomem;
			if (r == 1 && bad++ < 5)
				log_warn("%s:%zu: not an outbox record; "
				    "skipped", ob->path, lineno);
		}
		offset += line - buf;
		len -= (size_t)(line - buf);
		memmove(buf, line, len);
		if (len == OUTBOX_LINE_MAX + 1) {
			/* Longer than any of ours: skipped to its end. */
			if (!skipping)
				skip_from = offset;
			skipping = 1;
			offset += (long long)len;
			len = 0;
		}
	}
	if (len > 0 || skipping) {
		/* Torn by a crash mid-write: it was never pushed. */
		ob->torn_at = skipping ? skip_from : offset;
		log_warn("%s:%zu: dropping an incomplete last line",
		    ob->path, lineno + 1);
	}
	if (bad > 5)
		log_warn("%s: %zu lines in all were not outbox records",
		    ob->path, bad);
	settle(ob, gone);
	if (gone[0] + gone[1] + gone[2] > 0) {
		ob->dropped += gone[0] + gone[1] + gone[2];
		log_warn("%s: more than the %zu events an outbox keeps: the "
		    "oldest dropped (%lu movements, %lu events, %lu cramps or "
		    "summaries)", ob->path, ob->max, gone[0], gone[1],
		    gone[2]);
	}
	free(buf);
	free(ob->slot);
	ob->slot = NULL;
	ob->slots = 0;
	return 0;
nomem:
	snprintf(err, errsz, "%s: out of memory", ob->path);
fail:
	free(buf);
	free(ob->slot);
	ob->slot = NULL;
	ob->slots = 0;
	return -1;
}

int
outbox_open(struct outbox *ob, const struct statedir *sd, size_t max,
    char *err, size_t errsz)
{
	size_t i;
	int renumbered = 0;

	memset(ob, 0, sizeof(*ob));
	ob->fd = ob->lock_fd = -1;
	ob->sd = sd;
	ob->torn_at = -1;
	ob->max = max;
	ob->next_seq = 1;
	ob->disk_ok = 1;
	if ((size_t)snprintf(ob->path, sizeof(ob->path), "%s/%s", sd->path,
	    JOURNAL) >= sizeof(ob->path)) {
		snprintf(err, errsz, "%s: path too long", sd->path);
		return -1;
	}
	if ((ob->lock_fd = statedir_file(sd, "lock", O_RDWR | O_CREAT, err,
	    errsz)) == -1)
		return -1;
	if (flock(ob->lock_fd, LOCK_EX | LOCK_NB) == -1) {
		snprintf(err, errsz, "%s: %s", sd->path, errno ==
		    EWOULDBLOCK ? "another legwatchd uses this state "
		    "directory" : strerror(errno));
		close(ob->lock_fd);
		ob->lock_fd = -1;
		return -1;
	}
	if ((ob->fd = statedir_file(sd, JOURNAL, O_RDWR | O_CREAT | O_APPEND,
	    err, errsz)) == -1) {
		outbox_close(ob);
		return -1;
	}
	if (load(ob, err, errsz) == -1) {
		outbox_close(ob);
		return -1;
	}
	/* Numbered anew from 1: a journal's seqs never come near a wrap. */
	for (i = 0; i < ob->n; i++) {
		renumbered |= ob->e[i].seq != i + 1;
		ob->e[i].seq = i + 1;
	}
	ob->next_seq = ob->n + 1;
	/*
	 * Start clean: no torn line for the next append to glue onto, and
	 * the numbers on disk the ones in memory.  Until that is written,
	 * nothing is appended (the next write is this rewrite).
	 */
	if (compact(ob) == -1) {
		log_warn("%s: cannot rewrite the outbox: %s", ob->path,
		    strerror(errno));
		if (renumbered || (ob->torn_at >= 0 &&
		    ftruncate(ob->fd, ob->torn_at) == -1))
			ob->torn_tail = 1;
	}
	for (i = 0; i < ob->n; i++)
		ob->e[i].on_disk = 1;	/* read from it */
	if (ob->n > 0)
		log_notice("%s: %zu events waiting from before", ob->path,
		    ob->n);
	return 0;
}

size_t
outbox_unwritten(const struct outbox *ob, size_t kinds[3])
{
	size_t i, n = 0;

	kinds[0] = kinds[1] = kinds[2] = 0;
	for (i = 0; i < ob->n; i++)
		if (!ob->e[i].on_disk) {
			kinds[ob->e[i].priority]++;
			n++;
		}
	return n;
}

static int	append_unwritten(struct outbox *ob);

int
outbox_retry(struct outbox *ob, double now)
{
	size_t kinds[3], n;

	if (ob->fd < 0 || (ob->disk_ok && !ob->torn_tail))
		return 0;
	if (append_unwritten(ob) == 0)
		return 0;
	/* Said now and then: how much a power cut would take. */
	if ((n = outbox_unwritten(ob, kinds)) > 0 && !(now < ob->next_say)) {
		log_warn("%s: %s: %zu events only in memory so far (%zu "
		    "movements, %zu events, %zu cramps or summaries)",
		    ob->path, strerror(ob->disk_errno), n, kinds[0], kinds[1],
		    kinds[2]);
		ob->next_say = now + OUTBOX_SAY_S;
	}
	return -1;
}

int
outbox_close(struct outbox *ob)
{
	size_t i, kinds[3], lost = 0;

	/* What the disk refused so far, once more; then a tidy journal. */
	if (ob->fd >= 0 && (!ob->disk_ok || ob->torn_tail))
		(void)append_unwritten(ob);
	if (ob->fd >= 0 && ob->disk_ok && !ob->torn_tail &&
	    ob->journal_lines > ob->n)
		(void)compact(ob);
	if (ob->e != NULL && (lost = outbox_unwritten(ob, kinds)) > 0)
		log_err("%s: %s: %zu events are lost, never written (%zu "
		    "movements, %zu events, %zu cramps or summaries)",
		    ob->path, strerror(ob->disk_errno), lost, kinds[0],
		    kinds[1], kinds[2]);

	for (i = 0; ob->e != NULL && i < ob->n; i++)
		free(ob->e[i].payload);
	free(ob->e);
	free(ob->slot);
	ob->slot = NULL;
	ob->e = NULL;
	ob->n = ob->cap = 0;
	if (ob->fd >= 0)
		close(ob->fd);
	ob->fd = -1;
	if (ob->lock_fd >= 0)
		close(ob->lock_fd);
	ob->lock_fd = -1;
	return lost > 0 ? -1 : 0;
}


static const char *const priority_names[] = { "movement", "event",
    "cramp or summary" };

/*
 * Full: the oldest of the lowest priority goes, never one in flight; if
 * everything waiting matters more than the new event, the new one goes.
 * Returns 1 when that is the new one.
 */
static int
make_room(struct outbox *ob, enum outbox_priority incoming)
{
	int prio;
	size_t i;

	for (prio = OUTBOX_LOW; prio <= OUTBOX_HIGH; prio++)
		for (i = 0; i < ob->n; i++) {
			if ((int)ob->e[i].priority != prio ||
			    ob->e[i].inflight)
				continue;
			if (ob->dropped++ % 100 == 0)
				log_warn("outbox full (%zu events): dropping "
				    "the oldest %s; %lu dropped so far",
				    ob->max, priority_names[
				    prio > (int)incoming ? (int)incoming : prio],
				    ob->dropped);
			if (prio > (int)incoming)
				return 1;
			outbox_ack(ob, ob->e[i].seq);
			return 0;
		}
	return 0;
}

int
outbox_push(struct outbox *ob, enum outbox_topic topic,
    enum outbox_priority priority, const char *payload)
{
	if (ob->n >= ob->max && make_room(ob, priority))
		return 1;
	if (add_entry(ob, ob->next_seq++, topic, priority, payload,
	    strlen(payload)) == -1) {
		log_err("outbox: out of memory");
		return -1;
	}
	return append_unwritten(ob);
}

/*
 * Undoes a failed append: no torn line for the next one to glue onto.
 * If even that fails, the next append rewrites the whole file instead.
 */
static void
cut_back(struct outbox *ob, off_t at)
{
	if (at < 0 || ftruncate(ob->fd, at) == -1)
		ob->torn_tail = 1;
}

/*
 * The journal or its folder removed under the daemon: what is appended
 * to the open file goes nowhere.  All is kept in memory, the journal
 * written anew when it can be, and what never is, said lost at the end.
 */
static int
journal_gone(struct outbox *ob)
{
	struct stat st;
	size_t i;

	if (fstat(ob->fd, &st) == 0 && st.st_nlink > 0)
		return 0;
	for (i = 0; i < ob->n; i++)
		ob->e[i].on_disk = 0;
	ob->torn_tail = 1;
	errno = ENOENT;
	return 1;
}

/*
 * Appends what is not on disk yet (after a full disk, the events kept in
 * memory meanwhile), oldest first, and syncs.  Returns 0 or -1.
 */
static int
append_unwritten(struct outbox *ob)
{
	size_t i, first = ob->n, kinds[3];
	off_t at;

	/* A torn line could not be cut off: everything anew, from memory. */
	if (ob->torn_tail) {
		if (compact(ob) == -1)
			goto fail;
		ob->torn_tail = 0;
	}
	for (i = 0; i < ob->n; i++) {
		if (ob->e[i].on_disk)
			continue;
		at = lseek(ob->fd, 0, SEEK_END);
		if (write_entry(ob->fd, &ob->e[i]) == -1) {
			cut_back(ob, at);
			goto fail;
		}
		ob->e[i].on_disk = 1;
		ob->journal_lines++;
		if (i < first)
			first = i;
	}
	if (fdatasync(ob->fd) == -1 || journal_gone(ob)) {
		for (i = first; i < ob->n; i++)
			ob->e[i].on_disk = 0;	/* not known to be there */
		goto fail;
	}
	if (!ob->disk_ok)
		log_notice("%s: writing again; the %zu events held in memory "
		    "meanwhile are on disk", ob->path, ob->kept);
	ob->disk_ok = 1;
	ob->kept = 0;
	return 0;
fail:
	ob->disk_errno = errno;
	if (ob->disk_ok)
		log_err("%s: %s; events are kept in memory until it can be "
		    "written", ob->path, strerror(errno));
	ob->disk_ok = 0;
	ob->kept = outbox_unwritten(ob, kinds);
	return -1;
}

void
outbox_ack(struct outbox *ob, uint64_t seq)
{
	ssize_t i = find(ob, seq);
	char line[32];
	int n;

	if (i < 0)
		return;
	remove_at(ob, (size_t)i);
	/* Not synced: a lost acknowledgement is a repeat, not a loss. */
	n = snprintf(line, sizeof(line), "A %" PRIu64 "\n", seq);
	if (ob->disk_ok && !ob->torn_tail) {
		off_t at = lseek(ob->fd, 0, SEEK_END);

		if (write_all(ob->fd, line, (size_t)n) == 0)
			ob->journal_lines++;
		else
			cut_back(ob, at);
	}
	if (ob->disk_ok)
		maybe_compact(ob);
}

void
outbox_unsend(struct outbox *ob)
{
	size_t i;

	for (i = 0; i < ob->n; i++)
		ob->e[i].inflight = 0;
}
