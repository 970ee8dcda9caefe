/* The outbox: survives restarts and torn writes, keeps order, bounded. */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "daemon/log.h"
#include "daemon/outbox.h"

static char dir[] = "/tmp/legwatch-outbox-XXXXXX";
static struct statedir sd;

/*
 * outbox.c's ftruncate() lands here.  No file system at hand refuses to
 * cut a file back on demand, so the test says when it fails (EIO, as a
 * dying SD card would).
 */
static int ftruncate_fails;

int
ftruncate(int fd, off_t length)
{
	static int (*real)(int, off_t);

	if (ftruncate_fails) {
		errno = EIO;
		return -1;
	}
	/* Where off_t is wider than long, the header named ftruncate64. */
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, sizeof(off_t) >
		    sizeof(long) ? "ftruncate64" : "ftruncate");
	assert_non_null(real);
	return real(fd, length);
}

/* A full disk, as even root meets it: the file cannot grow past bytes. */
static void
limit_file_size(rlim_t bytes)
{
	struct rlimit r;

	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &r), 0);
	r.rlim_cur = bytes == 0 ? r.rlim_max : bytes;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &r), 0);
}

static long
journal_size(void)
{
	char path[256];
	FILE *f;
	long size;

	snprintf(path, sizeof(path), "%s/outbox.jsonl", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	return size;
}

static int
setup(void **state)
{
	(void)state;
	char err[512];

	log_init("test", LOG_LVL_ERR);
	strcpy(dir, "/tmp/legwatch-outbox-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	return statedir_open(&sd, dir, err, sizeof(err));
}

static int
teardown(void **state)
{
	char path[256];

	(void)state;
	statedir_close(&sd);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	return 0;
}

static void
open_ok(struct outbox *ob, size_t max)
{
	char err[256];

	if (outbox_open(ob, &sd, max, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void
test_survives_a_restart_in_order(void **state)
{
	struct outbox ob;
	char payload[64];
	int i;

	(void)state;
	open_ok(&ob, 100);
	for (i = 0; i < 5; i++) {
		snprintf(payload, sizeof(payload), "{\"n\":%d}", i);
		assert_int_equal(outbox_push(&ob, i % 2 ? OUTBOX_MOVEMENT :
		    OUTBOX_EVENT, OUTBOX_NORMAL, payload), 0);
	}
	outbox_ack(&ob, 1);
	outbox_ack(&ob, 3);
	outbox_close(&ob);

	open_ok(&ob, 100);
	assert_int_equal(ob.n, 3);
	assert_string_equal(ob.e[0].payload, "{\"n\":1}");
	assert_int_equal(ob.e[0].topic, OUTBOX_MOVEMENT);
	assert_string_equal(ob.e[1].payload, "{\"n\":3}");
	assert_string_equal(ob.e[2].payload, "{\"n\":4}");
	/* New events come after the old ones. */
	assert_int_equal(outbox_push(&ob, OUTBOX_EVENT, OUTBOX_HIGH, "{}"), 0);
	assert_true(ob.e[3].seq > ob.e[2].seq);
	outbox_close(&ob);
}

/* The journal as a crash or a hand left it. */
static void
write_journal(const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/outbox.jsonl", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
test_torn_and_foreign_lines(void **state)
{
	struct outbox ob;

	(void)state;
	write_journal("E 1 event 1 {\"a\":1}\n"
	    "rubbish\n"
	    "E 2 planet 1 {\"a\":2}\n"
	    "E 3 movement 0 {\"a\":3}\n"
	    "A 99 x\n"
	    "E 4 event 2 {\"a\":4");		/* torn */
	open_ok(&ob, 100);
	assert_int_equal(ob.n, 2);
	assert_string_equal(ob.e[0].payload, "{\"a\":1}");
	assert_string_equal(ob.e[1].payload, "{\"a\":3}");
	/* Numbered anew from 1 at each start. */
	assert_int_equal(ob.e[0].seq, 1);
	assert_int_equal(ob.e[1].seq, 2);
	/* The torn line is gone from the file, not glued to the next. */
	assert_int_equal(outbox_push(&ob, OUTBOX_EVENT, OUTBOX_NORMAL,
	    "{\"b\":1}"), 0);
	outbox_close(&ob);
	open_ok(&ob, 100);
	assert_int_equal(ob.n, 3);
	assert_string_equal(ob.e[2].payload, "{\"b\":1}");
	outbox_close(&ob);
}

/*
 * The journal as it is on disk now, as a reader after a power cut would
 * see it: the seqs of its events (up to max) and how many whole lines it
 * cannot read.  A torn last line is what a crash leaves; it is not
 * counted.
 */
static int
journal_events(uint64_t *seq, int max, int *bad)
{
	char path[256], line[512];
	struct outbox_record rec;
	FILE *f;
	int n = 0;

	*bad = 0;
	snprintf(path, sizeof(path), "%s/outbox.jsonl", dir);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);

		if (len == 0 || line[len - 1] != '\n')
			break;
		if (outbox_parse_line(line, len - 1, &rec) == -1)
			(*bad)++;
		else if (rec.kind == 'E' && n < max)
			seq[n++] = rec.seq;
	}
	fclose(f);
	return n;
}

/*
 * The disk fills in the middle of an event's line and the half line
 * cannot be cut off again: the next append must not glue onto it (that
 * would lose both), so it writes the whole outbox anew from memory.  The
 * same for an acknowledgement torn that way: the next one must not land
 * after it.
 */
static void
test_torn_append_that_cannot_be_cut(void **state)
{
	struct outbox ob;
	char payload[64];
	uint64_t seq[8];
	int i, bad;

	(void)state;
	open_ok(&ob, 100);
	for (i = 1; i <= 3; i++) {
		snprintf(payload, sizeof(payload), "{\"n\":%d}", i);
		assert_int_equal(outbox_push(&ob, OUTBOX_EVENT,
		    OUTBOX_NORMAL, payload), 0);
	}
	limit_file_size((rlim_t)journal_size() + 8);
	ftruncate_fails = 1;
	assert_int_equal(outbox_push(&ob, OUTBOX_EVENT, OUTBOX_HIGH,
	    "{\"n\":4,\"long\":\"enough to be torn\"}"), -1);
	assert_int_equal(ob.torn_tail, 1);
	limit_file_size(0);
	ftruncate_fails = 0;
	assert_int_equal(outbox_push(&ob, OUTBOX_EVENT, OUTBOX_NORMAL,
	    "{\"n\":5}"), 0);
	assert_int_equal(ob.torn_tail, 0);
	/* On disk now, before anything else tidies it: 1-5, all whole. */
	assert_int_equal(journal_events(seq, 8, &bad), 5);
	assert_int_equal(bad, 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(seq[i], i + 1);

	/* An acknowledgement torn the same way (the disk still "works"). */
	limit_file_size((rlim_t)journal_size() + 2);
	ftruncate_fails = 1;
	outbox_ack(&ob, 1);
	assert_int_equal(ob.torn_tail, 1);
	limit_file_size(0);
	ftruncate_fails = 0;
	outbox_ack(&ob, 2);
	journal_events(seq, 8, &bad);
	assert_int_equal(bad, 0);
	outbox_close(&ob);

	open_ok(&ob, 100);
	assert_int_equal(ob.n, 3);
	assert_string_equal(ob.e[0].payload, "{\"n\":3}");
	assert_string_equal(ob.e[1].payload,
	    "{\"n\":4,\"long\":\"enough to be torn\"}");
	assert_int_equal(ob.e[1].priority, OUTBOX_HIGH);
	assert_string_equal(ob.e[2].payload, "{\"n\":5}");
	outbox_close(&ob);
}

/*
 * A journal found torn at start, on a disk too full to rewrite it and
 * unable to cut the torn line off: the first append rewrites it.
 */
static void
test_torn_at_start_that_cannot_be_cut(void **state)
{
	struct outbox ob;

	(void)state;
	write_journal("E 1 event 1 {\"a\":1}\n"
	    "E 2 event 2 {\"a\":2");			/* torn */
	limit_file_size(4);
	ftruncate_fails = 1;
	open_ok(&ob, 100);
	assert_int_equal(ob.n, 1);
	assert_int_equal(ob.torn_tail, 1);
	limit_file_size(0);
	ftruncate_fails = 0;
	assert_int_equal(outbox_push(&ob, OUTBOX_EVENT, OUTBOX_NORMAL,
	    "{\"b\":1}"), 0);
	outbox_close(&ob);
	open_ok(&ob, 100);
	assert_int_equal(ob.n, 2);
	assert_string_equal(ob.e[0].payload, "{\"a\":1}");
	assert_string_equal(ob.e[1].payload, "{\"b\":1}");
	outbox_close(&ob);
}

static void
test_full_drops_movements_first(void **state)
{
	struct outbox ob;

	(void)state;
	open_ok(&ob, 4);
	outbox_push(&ob, OUTBOX_EVENT, OUTBOX_HIGH, "{\"cramp\":1}");
	outbox_push(&ob, OUTBOX_MOVEMENT, OUTBOX_LOW, "{\"lm\":1}");
	outbox_push(&ob, OUTBOX_EVENT, OUTBOX_NORMAL, "{\"plm\":1}");
	outbox_push(&ob, OUTBOX_MOVEMENT, OUTBOX_LOW, "{\"lm\":2}");
	outbox_push(&ob, OUTBOX_EVENT, OUTBOX_NORMAL, "{\"plm\":2}");
	assert_int_equal(ob.n, 4);
	assert_string_equal(ob.e[1].payload, "{\"plm\":1}");
	outbox_push(&ob, OUTBOX_EVENT, OUTBOX_NORMAL, "{\"plm\":3}");
	outbox_push(&ob, OUTBOX_EVENT, OUTBOX_NORMAL, "{\"plm\":4}");
	/* Movements gone, then the oldest ordinary event; the cramp stays. */
	assert_string_equal(ob.e[0].payload, "{\"cramp\":1}");
	assert_string_equal(ob.e[1].payload, "{\"plm\":2}");
	assert_int_equal(ob.dropped, 3);
	outbox_close(&ob);
	open_ok(&ob, 4);
	assert_int_equal(ob.n, 4);
	outbox_close(&ob);
}

static void
test_full_of_cramps_keeps_them(void **state)
{
	struct outbox ob;

	(void)state;
	open_ok(&ob, 2);
	outbox_push(&ob, OUTBOX_EVENT, OUTBOX_HIGH, "{\"cramp\":1}");
	outbox_push(&ob, OUTBOX_EVENT, OUTBOX_HIGH, "{\"cramp\":2}");
	assert_int_equal(outbox_push(&ob, OUTBOX_MOVEMENT, OUTBOX_LOW,
	    "{\"lm\":1}"), 1);
	assert_int_equal(ob.n, 2);
	assert_string_equal(ob.e[0].payload, "{\"cramp\":1}");
	assert_string_equal(ob.e[1].payload, "{\"cramp\":2}");
	outbox_close(&ob);
}

static void
test_one_daemon_per_directory(void **state)
{
	struct outbox a, b;
	char err[256];

	(void)state;
	open_ok(&a, 10);
	assert_int_equal(outbox_open(&b, &sd, 10, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "another legwatchd"));
	outbox_close(&a);
	open_ok(&b, 10);
	outbox_close(&b);
}

static void
test_journal_stays_small(void **state)
{
	struct outbox ob;
	int i;

	(void)state;
	open_ok(&ob, 100);
	for (i = 0; i < 5000; i++) {
		outbox_push(&ob, OUTBOX_MOVEMENT, OUTBOX_LOW,
		    "{\"event_type\":\"leg_movement\"}");
		outbox_ack(&ob, ob.e[0].seq);
	}
	assert_int_equal(ob.n, 0);
	outbox_close(&ob);
	assert_true(journal_size() < 64 * 1024);
}

/*
 * The disk fills: what it refuses stays in memory, is counted by kind,
 * written when there is room again; at the close, what still cannot be
 * written is said lost and the close fails (the daemon's exit status).
 */
static void
test_unwritten_events_are_counted_and_said(void **state)
{
	struct outbox ob;
	size_t kinds[3];
	int i;

	(void)state;
	open_ok(&ob, 100);
	assert_int_equal(outbox_push(&ob, OUTBOX_EVENT, OUTBOX_NORMAL,
	    "{\"n\":1}"), 0);
	limit_file_size((rlim_t)journal_size());
	assert_int_equal(outbox_push(&ob, OUTBOX_MOVEMENT, OUTBOX_LOW,
	    "{\"n\":2}"), -1);
	assert_int_equal(outbox_push(&ob, OUTBOX_EVENT, OUTBOX_HIGH,
	    "{\"n\":3}"), -1);
	assert_int_equal(outbox_unwritten(&ob, kinds), 2);
	assert_true(kinds[0] == 1 && kinds[1] == 0 && kinds[2] == 1);
	assert_int_equal(outbox_retry(&ob, 1.0), -1);
	limit_file_size(0);
	assert_int_equal(outbox_retry(&ob, 2.0), 0);
	assert_int_equal(outbox_unwritten(&ob, kinds), 0);
	/* Full again at the stop. */
	limit_file_size((rlim_t)journal_size());
	for (i = 4; i < 7; i++)
		outbox_push(&ob, OUTBOX_MOVEMENT, OUTBOX_LOW, "{\"n\":4}");
	assert_int_equal(outbox_close(&ob), -1);
	limit_file_size(0);
	open_ok(&ob, 100);
	assert_int_equal(ob.n, 3);
	assert_int_equal(outbox_close(&ob), 0);
}

/* The state folder removed under the daemon: nothing lands nowhere. */
static void
test_folder_removed(void **state)
{
	struct outbox ob;
	size_t kinds[3];
	char cmd[128];

	(void)state;
	open_ok(&ob, 100);
	assert_int_equal(outbox_push(&ob, OUTBOX_EVENT, OUTBOX_NORMAL,
	    "{\"n\":1}"), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(outbox_push(&ob, OUTBOX_EVENT, OUTBOX_HIGH,
	    "{\"n\":2}"), -1);
	assert_int_equal(outbox_unwritten(&ob, kinds), 2);
	assert_int_equal(outbox_close(&ob), -1);
	assert_int_equal(mkdir(dir, 0700), 0);
}

/*
 * A journal far over the cap, out of order, as a hand or an attacker may
 * leave it: read in bounded memory, the surplus dropped as at run time
 * (movements first, then the oldest ordinary events; cramps stay), said.
 */
static void
test_huge_journal_is_bounded(void **state)
{
	struct outbox ob;
	struct rusage ru;
	char path[256];
	FILE *f;
	long i, n = 300000, normal, high, oldest;

	(void)state;
	snprintf(path, sizeof(path), "%s/outbox.jsonl", dir);
	assert_non_null(f = fopen(path, "w"));
	/* Newest first; every 1000th a cramp, every other a movement. */
	for (i = n; i > 0; i--)
		fprintf(f, "E %ld %s %d {\"n\":%ld,\"pad\":\"%0200d\"}\n", i,
		    i % 2 ? "movement" : "event", i % 1000 == 0 ? 2 :
		    i % 2 ? 0 : 1, i, 0);
	assert_int_equal(fclose(f), 0);
	open_ok(&ob, 5000);
	assert_int_equal(ob.n, 5000);
	assert_int_equal(ob.dropped, n - 5000);
	/* The 300 cramps and the newest 4700 ordinary events, in order. */
	for (i = n, normal = 0; normal < 4700; i--)
		normal += i % 2 == 0 && i % 1000 != 0;
	oldest = i + 1;
	for (i = 0, normal = high = 0; i < 5000; i++) {
		long at = atol(ob.e[i].payload + 5);

		assert_true(i == 0 || ob.e[i].seq > ob.e[i - 1].seq);
		assert_true(i == 0 || at > atol(ob.e[i - 1].payload + 5));
		high += ob.e[i].priority == OUTBOX_HIGH;
		if (ob.e[i].priority == OUTBOX_NORMAL) {
			normal++;
			assert_true(at >= oldest);
		}
	}
	assert_int_equal(high, 300);
	assert_int_equal(normal, 4700);
	/*
	 * The journal's 66 MB never all in memory at once: at most twice
	 * the cap of entries (the array doubles: 16384), and a small RSS
	 * (but under ASan, whose quarantine keeps what was freed).
	 */
	assert_true(ob.cap <= 16384);
#ifndef __SANITIZE_ADDRESS__
	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	assert_true(ru.ru_maxrss < 32 * 1024);
#else
	(void)ru;
#endif
	outbox_close(&ob);
	open_ok(&ob, 5000);
	assert_int_equal(ob.n, 5000);
	assert_int_equal(ob.dropped, 0);
	outbox_close(&ob);
}

/* Not a JSON object, or a seq that would wrap: not ours, skipped. */
static void
test_foreign_payloads_and_seqs(void **state)
{
	struct outbox ob;

	(void)state;
	write_journal("E 1 event 1 {not json}\n"
	    "E 2 event 1 {\"a\":1} {\"b\":2}\n"
	    "E 3 event 1 {\"a\":3}\n"
	    "E 18446744073709551615 event 1 {\"a\":4}\n"
	    "E 9223372036854775808 event 1 {\"a\":5}\n"
	    "E 9223372036854775807 event 1 {\"a\":6}\n"
	    "E 0 event 1 {\"a\":7}\n");
	open_ok(&ob, 100);
	assert_int_equal(ob.n, 2);
	assert_string_equal(ob.e[0].payload, "{\"a\":3}");
	assert_string_equal(ob.e[1].payload, "{\"a\":6}");
	/* Numbered anew: the next comes after, far from any wrap. */
	assert_int_equal(outbox_push(&ob, OUTBOX_EVENT, OUTBOX_NORMAL,
	    "{\"a\":8}"), 0);
	assert_int_equal(ob.e[2].seq, 3);
	outbox_close(&ob);
	open_ok(&ob, 100);
	assert_int_equal(ob.n, 3);
	assert_string_equal(ob.e[2].payload, "{\"a\":8}");
	outbox_close(&ob);
}

static void
test_parse_line(void **state)
{
	struct outbox_record r;

	(void)state;
	assert_int_equal(outbox_parse_line("A 12", 4, &r), 0);
	assert_true(r.kind == 'A' && r.seq == 12);
	assert_int_equal(outbox_parse_line("E 7 movement 0 {}", 17, &r), 0);
	assert_true(r.topic == OUTBOX_MOVEMENT && r.priority == OUTBOX_LOW);
	assert_int_equal(r.payload_len, 2);
	assert_int_equal(outbox_parse_line("A 99999999999999999999", 22, &r),
	    -1);
	assert_int_equal(outbox_parse_line("E 7 event 3 {}", 14, &r), -1);
	assert_int_equal(outbox_parse_line("E 7 event 1 x", 13, &r), -1);
	assert_int_equal(outbox_parse_line("A", 1, &r), -1);
	assert_int_equal(outbox_parse_line("A 0", 3, &r), -1);
	assert_int_equal(outbox_parse_line("A 9223372036854775808", 21, &r),
	    -1);
	assert_int_equal(outbox_parse_line("E 7 event 1 {\"a\"}", 18, &r),
	    -1);
	assert_int_equal(outbox_parse_line("E 7 event 1 {}{}", 16, &r), -1);
	assert_int_equal(outbox_parse_line("", 0, &r), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_survives_a_restart_in_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_and_foreign_lines,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_torn_append_that_cannot_be_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_torn_at_start_that_cannot_be_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_drops_movements_first,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_of_cramps_keeps_them,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_daemon_per_directory,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_stays_small,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unwritten_events_are_counted_and_said, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folder_removed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_huge_journal_is_bounded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_payloads_and_seqs,
		    setup, teardown),
		cmocka_unit_test(test_parse_line),
	};

	return cmocka_run_group_tests_name("outbox", tests, NULL, NULL);
}
