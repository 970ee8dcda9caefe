/*
 * The state folder as a hostile service account could leave it for a
 * daemon run as root: links, FIFOs, hard links and files of another user
 * where the state files go are refused, named; nothing outside the
 * folder is created, truncated or read.  And the one atomic writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/atomicfile.h"
#include "daemon/hydstore.h"
#include "daemon/statefile.h"
#include "daemon/trend.h"

static char dir[] = "/tmp/legwatch-state-XXXXXX";
static char outside[] = "/tmp/legwatch-outside-XXXXXX";
static struct statedir sd;

static int
setup(void **state)
{
	char err[512];

	(void)state;
	strcpy(dir, "/tmp/legwatch-state-XXXXXX");
	strcpy(outside, "/tmp/legwatch-outside-XXXXXX");
	if (mkdtemp(dir) == NULL || mkdtemp(outside) == NULL)
		return -1;
	return statedir_open(&sd, dir, err, sizeof(err));
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	statedir_close(&sd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, outside);
	return system(cmd) == 0 ? 0 : -1;
}

/* A file outside the folder, with text in it. */
static void
victim(const char *name, const char *text, char *path, size_t pathsz)
{
	FILE *f;

	snprintf(path, pathsz, "%s/%s", outside, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
link_in(const char *name, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(symlink(target, path), 0);
}

static char *
contents(const char *path)
{
	static char buf[512];
	FILE *f;
	size_t n;

	assert_non_null(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
entries(const char *d)
{
	struct dirent *e;
	DIR *dp;
	int n = 0;

	assert_non_null(dp = opendir(d));
	while ((e = readdir(dp)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(dp);
	return n;
}

static struct hydration_saved
some_water(void)
{
	struct hydration_saved s;

	memset(&s, 0, sizeof(s));
	s.day = hydration_day_parse("2026-11-27");
	s.water_ml = 500;
	s.pace_from = s.last_reminder = s.snooze_until = s.last_answer = 0;
	return s;
}

/* The old fixed temporary names, planted as links: never followed. */
static void
test_old_temporary_names_are_not_followed(void **state)
{
	struct hydration_saved s = some_water();
	char path[512], err[512];

	(void)state;
	victim("passwd", "root:x:0:0\n", path, sizeof(path));
	link_in("hydration.json.new", path);
	assert_int_equal(hydstore_save(&sd, &s, err, sizeof(err)), 0);
	assert_string_equal(contents(path), "root:x:0:0\n");
	/* The state file is a file of its own, not the link renamed. */
	snprintf(path, sizeof(path), "%s/hydration.json", dir);
	assert_non_null(strstr(contents(path), "\"water_ml\": 500"));
}

/* A link where a state file is read: not read, refused and named. */
static void
test_links_to_secrets_are_refused(void **state)
{
	struct hydration_saved back;
	struct trend t;
	char path[512], err[512], want[600];

	(void)state;
	victim("secret", "{\"day\": \"the secret words\"}", path,
	    sizeof(path));
	link_in(HYDSTORE_FILE, path);
	link_in(TREND_FILE, path);
	assert_int_equal(hydstore_load(&sd, &back, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/%s: a symbolic link: refused", dir,
	    HYDSTORE_FILE);
	assert_string_equal(err, want);
	assert_int_equal(trend_load(&sd, &t, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/%s: a symbolic link: refused", dir,
	    TREND_FILE);
	assert_string_equal(err, want);
	assert_null(strstr(err, "secret"));
}

static void
test_fifo_and_hard_link_are_refused(void **state)
{
	struct hydration_saved back;
	char path[512], err[512], want[600];
	struct trend t;

	(void)state;
	/* A FIFO would hold the open until a writer came. */
	snprintf(path, sizeof(path), "%s/%s", dir, HYDSTORE_FILE);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(hydstore_load(&sd, &back, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/%s: not a regular file: refused",
	    dir, HYDSTORE_FILE);
	assert_string_equal(err, want);
	/* A second name for a file elsewhere. */
	victim("other", "{\"nights\": []}", path, sizeof(path));
	snprintf(want, sizeof(want), "%s/%s", dir, TREND_FILE);
	if (link(path, want) == -1)
		skip();		/* another file system */
	assert_int_equal(trend_load(&sd, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "hard links"));
}

/* As root: a file the service account owns is not root's to trust. */
static void
test_files_of_another_user_are_refused(void **state)
{
	struct hydration_saved back, s = some_water();
	char path[512], err[512], want[600];

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(hydstore_save(&sd, &s, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, HYDSTORE_FILE);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(hydstore_load(&sd, &back, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/%s: owned by uid 65534, not by uid "
	    "0 that legwatchd runs as: refused", dir, HYDSTORE_FILE);
	assert_string_equal(err, want);
}

static void
test_a_linked_folder_is_refused(void **state)
{
	struct statedir other;
	char path[512], err[512], want[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink(outside, path), 0);
	assert_int_equal(statedir_open(&other, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: a symbolic link: refused (the "
	    "state folder must be a real folder)", path);
	assert_string_equal(err, want);
	assert_int_equal(entries(outside), 0);
}

/*
 * The writer: random temporary names, made exclusively; a failure
 * leaves nothing behind; what a crash left is swept at the next start.
 */
static void
test_atomic_writer(void **state)
{
	struct atomic_file a, b;
	struct statedir again;
	char err[512], path[512];
	FILE *f;

	(void)state;
	assert_int_equal(atomic_begin(&a, sd.fd, dir, "x", 0600, err,
	    sizeof(err)), 0);
	assert_int_equal(atomic_begin(&b, sd.fd, dir, "x", 0600, err,
	    sizeof(err)), 0);
	assert_string_not_equal(a.tmp, b.tmp);
	assert_non_null(f = atomic_stream(&a, "w"));
	fputs("first\n", f);
	assert_int_equal(atomic_commit(&a, 0, err, sizeof(err)), 0);
	atomic_abort(&b);
	snprintf(path, sizeof(path), "%s/x", dir);
	assert_string_equal(contents(path), "first\n");
	assert_int_equal(entries(dir), 1);
	/* A crash between write and rename. */
	assert_int_equal(atomic_begin(&a, sd.fd, dir, "x", 0600, err,
	    sizeof(err)), 0);
	close(a.fd);
	assert_int_equal(entries(dir), 2);
	assert_int_equal(statedir_open(&again, dir, err, sizeof(err)), 0);
	statedir_close(&again);
	assert_int_equal(entries(dir), 1);
	/* Any path: its folder opened for it. */
	snprintf(path, sizeof(path), "%s/out.txt", outside);
	assert_int_equal(atomic_begin_path(&a, path, 0644, err, sizeof(err)),
	    0);
	assert_int_equal(write(a.fd, "out\n", 4), 4);
	assert_int_equal(atomic_commit(&a, 0, err, sizeof(err)), 0);
	assert_string_equal(contents(path), "out\n");
	assert_int_equal(entries(outside), 1);
	assert_int_equal(atomic_begin_path(&a, "/nonexistent/out.txt", 0644,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/out.txt: No such file or "
	    "directory");
}

/* Unique names, as the EDF's spool takes them without O_TMPFILE. */
static void
test_unique_names(void **state)
{
	char n1[32], n2[32];
	int f1, f2;

	(void)state;
	f1 = atomic_create_unique(sd.fd, ".spool-", O_RDWR, 0600, n1,
	    sizeof(n1));
	f2 = atomic_create_unique(sd.fd, ".spool-", O_RDWR, 0600, n2,
	    sizeof(n2));
	assert_true(f1 >= 0 && f2 >= 0);
	assert_string_not_equal(n1, n2);
	assert_int_equal(strncmp(n1, ".spool-", 7), 0);
	assert_int_equal(strlen(n1), 15);
	close(f1);
	close(f2);
	assert_int_equal(unlinkat(sd.fd, n1, 0), 0);
	assert_int_equal(unlinkat(sd.fd, n2, 0), 0);
	assert_int_equal(atomic_create_unique(sd.fd, ".spool-", O_RDWR, 0600,
	    n1, 10), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

/* A state too large to read back is not written; the old file stays. */
static void
test_too_large_is_refused(void **state)
{
	char err[512], buf[STATEFILE_MAX + 1], path[512], rpath[512];
	json_t *big = json_array();
	size_t len;
	int i;

	(void)state;
	assert_int_equal(statefile_write(&sd, "s.json", json_pack("{s:i}",
	    "n", 1), err, sizeof(err)), 0);
	for (i = 0; i < 1000; i++)
		json_array_append_new(big, json_string("0123456789"));
	assert_int_equal(statefile_write(&sd, "s.json", json_pack("{s:o}",
	    "n", big), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "s.json: "));
	assert_non_null(strstr(err, "more than a state file may hold"));
	snprintf(path, sizeof(path), "%s/s.json", dir);
	assert_non_null(strstr(contents(path), "\"n\": 1"));
	assert_int_equal(statefile_read(&sd, "s.json", buf, &len, rpath,
	    sizeof(rpath), err, sizeof(err)), 1);
	assert_int_equal(entries(dir), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_old_temporary_names_are_not_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_links_to_secrets_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_fifo_and_hard_link_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_files_of_another_user_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_linked_folder_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_writer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_too_large_is_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unique_names, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("statefile", tests, NULL, NULL);
}
