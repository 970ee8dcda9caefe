/*
 * libFuzzer: a whole outbox journal as a power cut, a full disk or a hand
 * edit may leave it, read by outbox_open from a state directory (the real
 * reader: the file, its torn last line, the rewrite).  What loads must be
 * a clean set (seq order, no duplicates, seqs far from a wrap, payloads
 * one JSON object each, no more than the cap) and must survive the
 * rewrite: closed and opened again, the same events.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon/log.h"
#include "daemon/outbox.h"
#include "invariant.h"

/* Small, so that inputs of a few KB go over it (and its pruning). */
#define FUZZ_CAP	16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static struct statedir sd;

static void
cleanup(void)
{
	char cmd[128];

	if (dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
}

static void
check(const struct outbox *ob)
{
	size_t i, len;
	json_t *o;

	if (ob->n > ob->max)
		broken("%zu events loaded, over the cap of %zu", ob->n,
		    ob->max);
	for (i = 0; i < ob->n; i++) {
		const struct outbox_entry *e = &ob->e[i];

		if (e->seq == 0 || e->seq > OUTBOX_SEQ_MAX)
			broken("event seq %" PRIu64, e->seq);
		o = json_loads(e->payload, JSON_DECODE_ANY, NULL);
		if (!json_is_object(o))
			broken("event %" PRIu64 ": not a JSON object: \"%s\"",
			    e->seq, e->payload);
		json_decref(o);

		len = strlen(e->payload);
		if (i > 0 && e->seq <= ob->e[i - 1].seq)
			broken("event %" PRIu64 " after %" PRIu64, e->seq,
			    ob->e[i - 1].seq);
		if (e->seq >= ob->next_seq)
			broken("event %" PRIu64 ", next_seq %" PRIu64, e->seq,
			    ob->next_seq);
		if (len < 2 || e->payload[0] != '{' ||
		    e->payload[len - 1] != '}' || strchr(e->payload, '\n'))
			broken("event %" PRIu64 ": payload \"%s\"", e->seq,
			    e->payload);
		if ((unsigned)e->topic > OUTBOX_MOVEMENT ||
		    (unsigned)e->priority > OUTBOX_HIGH || e->inflight)
			broken("event %" PRIu64 ": topic %d priority %d "
			    "inflight %d", e->seq, (int)e->topic,
			    (int)e->priority, e->inflight);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct outbox ob;
	struct outbox_entry *was;
	char path[128], err[512];
	size_t i, n;
	FILE *f;

	if (dir[0] == '\0') {
		log_init("fuzz_outboxfile", LOG_LVL_ERR);
		snprintf(dir, sizeof(dir), "%s/legwatch-fuzz-outbox.XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(dir) == NULL)
			broken("mkdtemp %s", dir);
		atexit(cleanup);
		if (statedir_open(&sd, dir, err, sizeof(err)) == -1)
			broken("%s", err);
	}
	snprintf(path, sizeof(path), "%s/outbox.jsonl", dir);
	if ((f = fopen(path, "w")) == NULL ||
	    (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		broken("%s: cannot write", path);
	if (outbox_open(&ob, &sd, FUZZ_CAP, err, sizeof(err)) == -1)
		broken("outbox_open: %s", err);
	check(&ob);
	/* What it holds, to compare once it has been rewritten and read. */
	n = ob.n;
	if ((was = calloc(n + 1, sizeof(*was))) == NULL)
		broken("out of memory");
	for (i = 0; i < n; i++) {
		was[i] = ob.e[i];
		if ((was[i].payload = strdup(ob.e[i].payload)) == NULL)
			broken("out of memory");
	}
	outbox_close(&ob);
	if (outbox_open(&ob, &sd, FUZZ_CAP, err, sizeof(err)) == -1)
		broken("outbox_open again: %s", err);
	check(&ob);
	if (ob.n != n)
		broken("%zu events read, %zu after the rewrite", n, ob.n);
	for (i = 0; i < n; i++)
		if (ob.e[i].seq != was[i].seq || ob.e[i].topic != was[i].topic ||
		    ob.e[i].priority != was[i].priority ||
		    strcmp(ob.e[i].payload, was[i].payload) != 0)
			broken("event %" PRIu64 " changed in the rewrite: "
			    "\"%s\" read back as %" PRIu64 " \"%s\"",
			    was[i].seq, was[i].payload, ob.e[i].seq,
			    ob.e[i].payload);
	outbox_close(&ob);
	for (i = 0; i < n; i++)
		free(was[i].payload);
	free(was);
	return 0;
}
