#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "outbox.h"

#define JOURNAL		"outbox.jsonl"
/* Rewrite the journal when it holds this many lines per pending event. */
#define COMPACT_RATIO	4
#define COMPACT_MIN	256

static const char *const topic_names[] = { "event", "movement" };

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
	if (digits == 0)
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
	    memchr(p, '\0', (size_t)(end - p)))
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

static int
add_entry(struct outbox *ob, uint64_t seq, enum outbox_topic topic,
    enum outbox_priority priority, const char *payload, size_t len)
{
	struct outbox_entry *e;

	size_t at = ob->n;
	char *payload_copy;

	if (grow(ob) == -1 || (payload_copy = malloc(len + 1)) == NULL)
		return -1;
	/* Kept in seq order; a journal may hold them in any order. */
	while (at > 0 && ob->e[at - 1].seq > seq)
		at--;
	memmove(&ob->e[at + 1], &ob->e[at], (ob->n - at) * sizeof(ob->e[0]));
	e = &ob->e[at];
	e->payload = payload_copy;
	memcpy(e->payload, payload, len);
	e->payload[len] = '\0';
	e->seq = seq;
	e->topic = topic;
	e->priority = priority;
	e->inflight = 0;
	e->on_disk = 0;
	e->mid = 0;
	ob->n++;
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

/* The rename itself must reach the disk too. */
static void
sync_dir(const char *path)
{
	char dir[sizeof(((struct outbox *)0)->path)];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return;
	*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	(void)fsync(fd);
	close(fd);
}

/* Writes what is pending to a new journal and swaps it in. */
static int
compact(struct outbox *ob)
{
	char tmp[sizeof(ob->path) + 8];
	size_t i;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", ob->path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	    -1)
		return -1;
	for (i = 0; i < ob->n; i++)
		if (write_entry(fd, &ob->e[i]) == -1)
			goto fail;
	if (fdatasync(fd) == -1 || rename(tmp, ob->path) == -1)
		goto fail;
	sync_dir(ob->path);
	for (i = 0; i < ob->n; i++)
		ob->e[i].on_disk = 1;
	if (ob->fd >= 0)
		close(ob->fd);
	ob->fd = fd;
	if (lseek(fd, 0, SEEK_END) == -1)
		return -1;
	ob->journal_lines = ob->n;
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return -1;
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

static int
load(struct outbox *ob, char *err, size_t errsz)
{
	struct outbox_record rec;
	char *buf = NULL, *line, *nl;
	size_t cap = 0, len = 0, bad = 0, lineno = 0;
	ssize_t n;

	for (;;) {
		if (len == cap) {
			char *b = realloc(buf, cap ? cap * 2 : 65536);

			if (b == NULL)
				goto nomem;
			buf = b;
			cap = cap ? cap * 2 : 65536;
		}
		n = read(ob->fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errsz, "%s: %s", ob->path,
			    strerror(errno));
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(buf + len - line));
		lineno++;
		if (nl == NULL) {
			/* Torn by a crash mid-write: it was never pushed. */
			ob->torn_at = (long long)(line - buf);
			log_warn("%s:%zu: dropping an incomplete last line",
			    ob->path, lineno);
			break;
		}
		if (outbox_parse_line(line, (size_t)(nl - line), &rec) == -1) {
			if (bad++ < 5)
				log_warn("%s:%zu: not an outbox record; "
				    "skipped", ob->path, lineno);
			continue;
		}
		ob->journal_lines++;
		if (rec.seq >= ob->next_seq)
			ob->next_seq = rec.seq + 1;
		if (rec.kind == 'A') {
			ssize_t i = find(ob, rec.seq);

			if (i >= 0)
				remove_at(ob, (size_t)i);
		} else if (find(ob, rec.seq) < 0) {
			if (add_entry(ob, rec.seq, rec.topic, rec.priority,
			    rec.payload, rec.payload_len) == -1)
				goto nomem;
		}
	}
	free(buf);
	return 0;
nomem:
	free(buf);
	snprintf(err, errsz, "%s: out of memory", ob->path);
	return -1;
}

int
outbox_open(struct outbox *ob, const char *dir, size_t max, char *err,
    size_t errsz)
{
	size_t i;

	memset(ob, 0, sizeof(*ob));
	ob->fd = ob->lock_fd = -1;
	ob->torn_at = -1;
	ob->max = max;
	ob->next_seq = 1;
	ob->disk_ok = 1;
	if ((size_t)snprintf(ob->path, sizeof(ob->path), "%s/%s", dir,
	    JOURNAL) >= sizeof(ob->path)) {
		snprintf(err, errsz, "%s: path too long", dir);
		return -1;
	}
	{
		char lock[sizeof(ob->path)];

		snprintf(lock, sizeof(lock), "%s/lock", dir);
		if ((ob->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC,
		    0600)) == -1) {
			snprintf(err, errsz, "%s: %s", lock, strerror(errno));
			return -1;
		}
		if (flock(ob->lock_fd, LOCK_EX | LOCK_NB) == -1) {
			snprintf(err, errsz, "%s: %s", dir, errno ==
			    EWOULDBLOCK ? "another legwatchd uses this state "
			    "directory" : strerror(errno));
			close(ob->lock_fd);
			ob->lock_fd = -1;
			return -1;
		}
	}
	if ((ob->fd = open(ob->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errsz, "%s: %s", ob->path, strerror(errno));
		return -1;
	}
	if (load(ob, err, errsz) == -1) {
		outbox_close(ob);
		return -1;
	}
	/* Start clean: no torn line for the next append to glue onto. */
	if (compact(ob) == -1) {
		log_warn("%s: cannot rewrite the outbox: %s", ob->path,
		    strerror(errno));
		if (ob->torn_at >= 0 && ftruncate(ob->fd, ob->torn_at) == -1)
			ob->torn_tail = 1;
	}
	for (i = 0; i < ob->n; i++)
		ob->e[i].on_disk = 1;	/* read from it */
	if (ob->n > 0)
		log_notice("%s: %zu events waiting from before", ob->path,
		    ob->n);
	return 0;
}

void
outbox_close(struct outbox *ob)
{
	size_t i;

	/* Leave a tidy journal: only what is still pending. */
	if (ob->fd >= 0 && ob->journal_lines > ob->n)
		(void)compact(ob);

	for (i = 0; i < ob->n; i++)
		free(ob->e[i].payload);
	free(ob->e);
	ob->e = NULL;
	ob->n = ob->cap = 0;
	if (ob->fd >= 0)
		close(ob->fd);
	ob->fd = -1;
	if (ob->lock_fd >= 0)
		close(ob->lock_fd);
	ob->lock_fd = -1;
}

static int	append_unwritten(struct outbox *ob);

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
 * Appends what is not on disk yet (after a full disk, the events kept in
 * memory meanwhile), oldest first, and syncs.  Returns 0 or -1.
 */
static int
append_unwritten(struct outbox *ob)
{
	size_t i, first = ob->n;
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
	if (fdatasync(ob->fd) == -1) {
		for (i = first; i < ob->n; i++)
			ob->e[i].on_disk = 0;	/* not known to be there */
		goto fail;
	}
	if (!ob->disk_ok)
		log_notice("%s: writing again", ob->path);
	ob->disk_ok = 1;
	return 0;
fail:
	if (ob->disk_ok)
		log_err("%s: %s; events are kept in memory until it can be "
		    "written", ob->path, strerror(errno));
	ob->disk_ok = 0;
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
