#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recording.h"

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

static const double exact_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
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

/* Copies a token for an error message, printable characters only. */
static void
quote_token(char *dst, size_t dstsz, const char *p, const char *end)
{
	size_t n = 0;

	while (p < end && *p != ',' && n + 4 < dstsz && n < 24) {
		dst[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
		p++;
	}
	if (p < end && *p != ',' && n + 4 < dstsz)
		dst[n++] = '.', dst[n++] = '.', dst[n++] = '.';
	dst[n] = '\0';
}

/*
 * Decimal numbers as recordings write them ("-0.0123", "1795000123.460",
 * "1e-3").  The common case is exact integer arithmetic and one division
 * by an exact power of ten, which is correctly rounded; anything longer
 * goes to strtod.  nan, inf and hex are not numbers here.
 */
static const char *
parse_number(const char *p, const char *end, double *out)
{
	const char *start = p, *digits_start, *dot = NULL;
	uint64_t mant = 0;
	int digits, frac = 0, exp = 0, neg = 0;

	if (p < end && (*p == '-' || *p == '+'))
		neg = (*p++ == '-');
	digits_start = p;
	for (; p < end && (unsigned)(*p - '0') < 10; p++)
		mant = mant * 10 + (unsigned)(*p - '0');
	if (p < end && *p == '.') {
		dot = p++;
		for (; p < end && (unsigned)(*p - '0') < 10; p++)
			mant = mant * 10 + (unsigned)(*p - '0');
		frac = (int)(p - dot - 1);
	}
	digits = (int)(p - digits_start) - (dot != NULL);
	if (digits == 0)
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0, edigits = 0;

		p++;
		if (p < end && (*p == '-' || *p == '+'))
			eneg = (*p++ == '-');
		for (; p < end && (unsigned)(*p - '0') < 10; p++, edigits++)
			if (exp < 10000)
				exp = exp * 10 + (*p - '0');
		if (edigits == 0)
			return NULL;
		if (eneg)
			exp = -exp;
	}
	exp -= frac;
	/* 19 digits cannot overflow 64 bits; more go the slow way. */
	if (digits <= 19 && mant < (1ULL << 53) && exp >= -22 && exp <= 22) {
		double v = (double)mant;

		v = exp < 0 ? v / exact_pow10[-exp] : v * exact_pow10[exp];
		*out = neg ? -v : v;
	} else {
		char tmp[64];
		size_t n = (size_t)(p - start);

		if (n >= sizeof(tmp))
			return NULL;
		memcpy(tmp, start, n);
		tmp[n] = '\0';
		*out = strtod(tmp, NULL);
	}
	return p;
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

static int
check_value(enum recording_kind kind, int col, double v, const char *name,
    char *why, size_t whysz)
{
	if (col == 0) {
		if (!(v >= 0 && v < TIME_MAX_S))
			return row_error(why, whysz,
			    "t: %.17g is not a Unix time in seconds", v);
		return 0;
	}
	switch (kind) {
	case REC_ACCEL:
		if (!(fabs(v) <= ACCEL_LIMIT_G))
			return row_error(why, whysz,
			    "%s: %g g is outside +-%g g", name, v,
			    ACCEL_LIMIT_G);
		break;
	case REC_MOTION:
		if (v != 0 && v != 1)
			return row_error(why, whysz,
			    "motion: %g is not 0 or 1", v);
		break;
	case REC_TEMP:
		if (!(v >= TEMP_MIN_C && v <= TEMP_MAX_C))
			return row_error(why, whysz,
			    "temp_c: %g is outside %g..%g degrees C", v,
			    TEMP_MIN_C, TEMP_MAX_C);
		break;
	}
	return 0;
}

int
recording_parse_row(enum recording_kind kind, const char *line, size_t len,
    struct sample *s, char *why, size_t whysz)
{
	const char *p = line, *end = line + len;
	int col, columns = layouts[kind].columns;

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
		next = parse_number(p, end, &v);
		if (next != NULL)
			while (next < end && is_blank(*next))
				next++;
		if (next == NULL || (next < end && *next != ',')) {
			char tok[32];

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
		rec_error(rec, 1, "unknown header '%.*s'; expected t,ax,ay,az "
		    "or t,motion or t,temp_c", len > 40 ? 40 : (int)len,
		    line);
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
	const char *line = NULL;
	size_t len = 0;
	int r;

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
