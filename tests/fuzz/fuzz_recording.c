/*
 * libFuzzer: the recording parser, header and rows of every kind, a
 * whole file through the reader, and the number reader against strtod.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sensors/decimal.h"
#include "sensors/recording.h"
#include "invariant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where decimal_parse reads a number, strtod reads the same, bit for bit. */
static void
check_number(const char *text, size_t size)
{
	char copy[80], *want_end;
	const char *got;
	double v, want;

	if (size >= sizeof(copy) || memchr(text, '\0', size) != NULL)
		return;
	memcpy(copy, text, size);
	copy[size] = '\0';
	if ((got = decimal_parse(copy, copy + size, &v)) == NULL)
		return;
	/* strtod reads more: "0x1p3" is hex to it, "0" and more to us. */
	if (*got == 'x' || *got == 'X')
		return;
	want = strtod(copy, &want_end);
	if (got != want_end || memcmp(&v, &want, sizeof(v)) != 0)
		broken("'%s': decimal_parse %.17g (%td bytes), strtod %.17g "
		    "(%td bytes)", copy, v, got - copy, want,
		    want_end - copy);
}

/* The input as a file: every row given is in time order and in range. */
static void
check_file(const uint8_t *data, size_t size)
{
	struct recording rec;
	struct sample s;
	char path[64];
	double last = -INFINITY;
	int fd, r;

	if ((fd = memfd_create("recording", 0)) == -1)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (recording_open(&rec, path) == 0) {
		while ((r = recording_read(&rec, &s)) == 1) {
			if (!(s.t >= last) || !isfinite(s.v[0]) ||
			    !isfinite(s.v[1]) || !isfinite(s.v[2]))
				broken("row %lu: t %.17g after %.17g, %g %g %g",
				    rec.line, s.t, last, s.v[0], s.v[1],
				    s.v[2]);
			last = s.t;
		}
		if (r == -1 && strncmp(rec.error, path, strlen(path)) != 0)
			broken("an error without the file's name: %s",
			    rec.error);
		recording_close(&rec);
	} else if (strncmp(rec.error, path, strlen(path)) != 0)
		broken("an error without the file's name: %s", rec.error);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum recording_kind kind;
	struct sample s;
	char why[200];
	int k;

	(void)recording_parse_header((const char *)data, size, &kind);
	for (k = REC_ACCEL; k <= REC_TEMP; k++)
		(void)recording_parse_row((enum recording_kind)k,
		    (const char *)data, size, &s, why, sizeof(why));
	check_number((const char *)data, size);
	check_file(data, size);
	return 0;
}
