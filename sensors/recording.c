#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decimal.h"
#include "recording.h"
#include "unixtime.h"

/* Far outside what any sensor of ours reports: such a value is corrupt. */
#define ACCEL_LIMIT_G	32.0
#define TEMP_MIN_C	(-60.0)
#define TEMP_MAX_C	150.0
#define TIME_MAX_S	4102444800.0	/* 2100-01-01 */

static const struct {
	const char		*header;
	enum recording_kind	 kind;
	int			 columns;
	const char		*names[4];
} layouts[] = {
	{ "t,ax,ay,az", REC_ACCEL, 4, { "t", "ax", "ay", "az" } },
	{ "t,motion", REC_MOTION, 2, { "t", "motion" } },
	{ "t,temp_c", REC_TEMP, 2, { "t", "temp_c" } },
};

const char *
recording_header(enum recording_kind kind)
{
	return layouts[kind].header;
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/*
 * Copies bytes for an error message: printable ASCII as it is, anything
 * else as \xHH, so a hostile file cannot send escapes to a terminal.
 * At most max bytes of the input; "..." when there is more.
 */
static void
escape_bytes(char *dst, size_t dstsz, const char *p, size_t len, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0;

	for (i = 0; i < len && i < max; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (n + 1 >= dstsz)
				break;
			dst[n++] = (char)c;
		} else {
			if (n + 4 >= dstsz)
				break;
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[c >> 4];
			dst[n++] = hex[c & 15];
		}
	}
	if (i < len && n + 4 <= dstsz)
		dst[n++] = '.', dst[n++] = '.', dst[n++] = '.';
	dst[n] = '\0';
}

/* A token (up to its comma) for an error message. */
static void
quote_token(char *dst, size_t dstsz, const char *p, const char *end)
{
	const char *comma = memchr(p, ',', (size_t)(end - p));

	escape_bytes(dst, dstsz, p, (size_t)((comma ? comma : end) - p), 24);
}

int
recording_parse_header(const char *line, size_t len, enum recording_kind *kind)
{
	size_t i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		const char *p = line, *end = line + len;
		int col;

		for (col = 0; col < layouts[i].columns; col++) {
			size_t n = strlen(layouts[i].names[col]);

			while (p < end && is_blank(*p))
				p++;
			if ((size_t)(end - p) < n ||
			    memcmp(p, layouts[i].names[col], n) != 0)
				break;
			p += n;
			while (p < end && is_blank(*p))
				p++;
			if (col + 1 < layouts[i].columns) {
				if (p >= end || *p != ',')
					break;
				p++;
			}
		}
		if (col == layouts[i].columns && p == end) {
			*kind = layouts[i].kind;
			return 0;
		}
	}
	return -1;
}

static int row_error(char *why, size_t whysz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
row_error(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	return -1;
}

/* Whether a value may be in column col; check_value says why not. */
static int
in_range(enum recording_kind kind, int col, double v)
{
	if (col == 0)
		return v >= 0 && v < TIME_MAX_S && unixtime_fits(v);
	switch (kind) {
	case REC_ACCEL:
		return fabs(v) <= ACCEL_LIMIT_G;
	case REC_MOTION:
		return v == 0 || v == 1;
	case REC_TEMP:
		return v >= TEMP_MIN_C && v <= TEMP_MAX_C;
	}
	return 0;
}

static int
check_value(enum recording_kind kind, int col, double v, const char *name,
    char *why, size_t whysz)
{
	if (in_range(kind, col, v))
		return 0;
	if (col == 0 && !(v >= 0 && v < TIME_MAX_S))
		return row_error(why, whysz,
		    "t: %.17g is not a Unix time in seconds", v);
	if (col == 0)
		return row_error(why, whysz, "t: %.17g is %s", v,
		    UNIXTIME_PAST);
	switch (kind) {
	case REC_ACCEL:
		return row_error(why, whysz, "%s: %g g is outside +-%g g",
		    name, v, ACCEL_LIMIT_G);
	case REC_MOTION:
		return row_error(why, whysz, "motion: %g is not 0 or 1", v);
	case REC_TEMP:
		return row_error(why, whysz,
		    "temp_c: %g is outside %g..%g degrees C", v, TEMP_MIN_C,
		    TEMP_MAX_C);
	}
	return -1;
}

/*
 * The common row, quickly: numbers between single commas, no blanks, all
 * in range, and the byte at end readable and no digit (the newline).
 * Anything else is left to the full reading below, which says what is
 * wrong; both read numbers the same way.
 */
static inline __attribute__((always_inline)) const char *
plain_value(enum recording_kind kind, int col, const char *p, double *v)
{
	if ((p = decimal_parse_plain(p, NULL, v)) == NULL ||
	    !in_range(kind, col, *v))
		return NULL;
	return p;
}

/*
 * Each value is stored once, where it belongs: kept in an array indexed
 * by the column and copied out sixteen bytes at a time, the copy waited
 * for the eight-byte stores to reach the cache, a third of the time the
 * thread reading a recording spent.
 */
static inline __attribute__((always_inline)) int
plain_row_of(enum recording_kind kind, int columns, const char *p,
    const char *end, struct sample *s)
{
	double t, v0, v1 = 0, v2 = 0;

	if ((p = plain_value(kind, 0, p, &t)) == NULL || *p++ != ',' ||
	    (p = plain_value(kind, 1, p, &v0)) == NULL)
		return -1;
	if (columns == 4 && (*p++ != ',' ||
	    (p = plain_value(kind, 2, p, &v1)) == NULL || *p++ != ',' ||
	    (p = plain_value(kind, 3, p, &v2)) == NULL))
		return -1;
	if (p != end)
		return -1;
	s->t = t;
	s->v[0] = v0;
	s->v[1] = v1;
	s->v[2] = v2;
	return 0;
}

/* One for each kind, so that the compiler knows the columns. */
static int
plain_row(enum recording_kind kind, const char *p, const char *end,
    struct sample *s)
{
	switch (kind) {
	case REC_ACCEL:
		return plain_row_of(REC_ACCEL, 4, p, end, s);
	case REC_MOTION:
		return plain_row_of(REC_MOTION, 2, p, end, s);
	case REC_TEMP:
		return plain_row_of(REC_TEMP, 2, p, end, s);
	}
	return -1;
}

int
recording_parse_row(enum recording_kind kind, const char *line, size_t len,
    struct sample *s, char *why, size_t whysz)
{
	const char *p = line, *end = line + len;
	int col, columns = layouts[kind].columns;
	char copy[128];

	if (len < sizeof(copy)) {
		memcpy(copy, line, len);
		copy[len] = '\n';
		if (plain_row(kind, copy, copy + len, s) == 0)
			return 0;
	}
	for (col = 0; col < columns; col++) {
		const char *name = layouts[kind].names[col];
		const char *next;
		double v;

		while (p < end && is_blank(*p))
			p++;
		if (p == end || *p == ',')
			return row_error(why, whysz, "%s: missing value "
			    "(expected %d columns: %s)", name, columns,
			    layouts[kind].header);
		next = decimal_parse(p, end, &v);
		if (next != NULL)
			while (next < end && is_blank(*next))
				next++;
		if (next == NULL || (next < end && *next != ',')) {
			char tok[4 * 24 + 4];

			quote_token(tok, sizeof(tok), p, end);
			return row_error(why, whysz, "%s: not a number: '%s'",
			    name, tok);
		}
		if (check_value(kind, col, v, name, why, whysz) == -1)
			return -1;
		if (col == 0)
			s->t = v;
		else
			s->v[col - 1] = v;
		p = next;
		if (col + 1 < columns) {
			if (p == end)
				return row_error(why, whysz,
				    "%d columns where the header has %d (%s)",
				    col + 1, columns, layouts[kind].header);
			p++;
		}
	}
	if (p != end)
		return row_error(why, whysz,
		    "more columns than the header's %d (%s)", columns,
		    layouts[kind].header);
	for (col = columns - 1; col < 3; col++)
		s->v[col] = 0;
	return 0;
}

static int rec_error(struct recording *rec, int with_line, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static int
rec_error(struct recording *rec, int with_line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (with_line)
		snprintf(rec->error, sizeof(rec->error), "%.400s:%lu: %s",
		    rec->path, rec->line, msg);
	else
		snprintf(rec->error, sizeof(rec->error), "%.400s: %s", rec->path,
		    msg);
	return -1;
}

/* A carriage return inside what should be one line: CR-only endings. */
static int
cr_only(const char *p, size_t len)
{
	const char *cr = memchr(p, '\r', len);

	return cr != NULL && cr + 1 < p + len;
}

static int
cr_error(struct recording *rec)
{
	return rec_error(rec, 1, "lines end with a carriage return alone "
	    "(old Mac line endings); lines must end with LF or CR LF");
}

/*
 * Hands out the next line that is not blank and not a comment, without
 * its line ending.  Returns 1, 0 at the end of the file, or -1.
 */
static int
next_line(struct recording *rec, const char **linep, size_t *lenp)
{
	for (;;) {
		char *line = rec->buf + rec->start;
		char *nl = memchr(line, '\n', rec->end - rec->start);
		size_t len;

		if (nl == NULL) {
			ssize_t n;

			if (rec->eof) {
				if (rec->start == rec->end)
					return 0;
				rec->line++;
				if (cr_only(line, rec->end - rec->start))
					return cr_error(rec);
				return rec_error(rec, 1, "truncated line "
				    "(the file does not end with a newline)");
			}
			if (rec->start > 0) {
				memmove(rec->buf, line, rec->end - rec->start);
				rec->end -= rec->start;
				rec->start = 0;
			}
			if (rec->end == RECORDING_BUFSZ) {
				rec->line++;
				if (cr_only(line, rec->end))
					return cr_error(rec);
				return rec_error(rec, 1, "line longer than "
				    "%d bytes", RECORDING_BUFSZ);
			}
			n = read(rec->fd, rec->buf + rec->end,
			    RECORDING_BUFSZ - rec->end);
			if (n == -1) {
				if (errno == EINTR)
					continue;
				return rec_error(rec, 0, "read: %s",
				    strerror(errno));
			}
			if (n == 0)
				rec->eof = 1;
			rec->end += (size_t)n;
			continue;
		}
		rec->line++;
		rec->start = (size_t)(nl - rec->buf) + 1;
		len = (size_t)(nl - line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		while (len > 0 && is_blank(line[len - 1]))
			len--;
		/* A byte order mark, as some editors write, is not data. */
		if (rec->line == 1 && len >= 3 &&
		    memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			line += 3;
			len -= 3;
		}
		{
			size_t lead = 0;

			while (lead < len && is_blank(line[lead]))
				lead++;
			if (lead == len || line[lead] == '#')
				continue;
		}
		*linep = line;
		*lenp = len;
		return 1;
	}
}

int
recording_open(struct recording *rec, const char *path)
{
	struct stat st;
	const char *line;
	size_t len;
	int r;

	memset(rec, 0, sizeof(*rec));
	rec->path = path;
	rec->last_t = -INFINITY;
	if ((rec->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		rec->open_errno = errno;
		rec_error(rec, 0, "%s", strerror(errno));
		return -1;
	}
	/* A directory opens but cannot be read: it is missing input. */
	if (fstat(rec->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rec->open_errno = EISDIR;
		rec_error(rec, 0, "%s", strerror(EISDIR));
		goto fail;
	}
	(void)posix_fadvise(rec->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((rec->buf = malloc(RECORDING_BUFSZ)) == NULL) {
		rec_error(rec, 0, "out of memory");
		goto fail;
	}
	if ((r = next_line(rec, &line, &len)) == -1)
		goto fail;
	if (r == 0) {
		rec_error(rec, 0, "empty file: no header line (expected "
		    "t,ax,ay,az or t,motion or t,temp_c)");
		goto fail;
	}
	if (recording_parse_header(line, len, &rec->kind) == -1) {
		char shown[4 * 40 + 4];

		escape_bytes(shown, sizeof(shown), line, len, 40);
		rec_error(rec, 1, "unknown header '%s'; expected t,ax,ay,az "
		    "or t,motion or t,temp_c", shown);
		goto fail;
	}
	return 0;
fail:
	recording_close(rec);
	return -1;
}

int
recording_read(struct recording *rec, struct sample *s)
{
	char why[200];
	const char *line, *nl;
	size_t len = 0;
	int r;

	/*
	 * Most lines are a plain row, whole in the buffer: read it there.
	 * Anything else (a comment, a blank, an error, the buffer's end)
	 * takes the long way, which says what is wrong.
	 */
	line = rec->buf + rec->start;
	if ((nl = memchr(line, '\n', rec->end - rec->start)) != NULL) {
		const char *end = nl;

		if (end > line && end[-1] == '\r')
			end--;
		if (plain_row(rec->kind, line, end, s) == 0 &&
		    s->t >= rec->last_t) {
			rec->line++;
			rec->start = (size_t)(nl - rec->buf) + 1;
			rec->last_t = s->t;
			rec->rows++;
			return 1;
		}
	}
	if ((r = next_line(rec, &line, &len)) != 1) {
		if (r == 0 && rec->rows == 0)
			return rec_error(rec, 1, "no samples after the header");
		return r;
	}
	if (recording_parse_row(rec->kind, line, len, s, why,
	    sizeof(why)) == -1)
		return rec_error(rec, 1, "%s", why);
	if (s->t < rec->last_t)
		return rec_error(rec, 1, "time goes backwards (%.3f after "
		    "%.3f)", s->t, rec->last_t);
	rec->last_t = s->t;
	rec->rows++;
	return 1;
}

void
recording_close(struct recording *rec)
{
	if (rec->fd >= 0)
		(void)close(rec->fd);
	rec->fd = -1;
	free(rec->buf);
	rec->buf = NULL;
}
