/*
 * Decimal numbers as recordings write them ("-0.0123", "1795000123.460",
 * "2E1"), read exactly: the value strtod(3) gives, to the last bit, in a
 * fraction of its time.
 *
 * Clinger's fast path: a mantissa below 2^53 and a power of ten up to
 * 10^22 are both exact doubles, so one division or multiplication, being
 * correctly rounded, gives the correctly rounded value.  Anything else
 * goes to strtod.  It needs double arithmetic done in double: not so on
 * the x87, where everything goes to strtod.
 */
#ifndef LEGWATCH_DECIMAL_H
#define LEGWATCH_DECIMAL_H

#include <float.h>
#include <stdint.h>

#define DECIMAL_MANT_MAX	(UINT64_C(1) << 53)
#define DECIMAL_POW10_MAX	22
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define DECIMAL_FAST	1
#else
#define DECIMAL_FAST	0
#endif

extern const double decimal_pow10[DECIMAL_POW10_MAX + 1];

/*
 * Reads [+-]digits[.digits][(e|E)[+-]digits] from p, not past end, with
 * at least one digit before the exponent.  Returns where the number
 * ends, or NULL if there is none there; nan, inf and hex are not numbers.
 */
const char *decimal_parse(const char *p, const char *end, double *out);

/*
 * Adds the digits at p to *mant, which wraps after 19 of them (the
 * caller counts).  Returns the end of the digits.  With end NULL the
 * text must end in a byte that is no digit, '.', 'e' or 'E' (a line's
 * newline): the hot loop then has one test a digit.
 */
static inline const char *
decimal_digits(const char *p, const char *end, uint64_t *mant)
{
	uint64_t m = *mant;
	unsigned d;

	while ((end == NULL || p < end) &&
	    (d = (unsigned)(unsigned char)*p - '0') < 10) {
		m = m * 10 + d;
		p++;
	}
	*mant = m;
	return p;
}

/*
 * The form recordings are written in, [-]digits[.digits] with at most 19
 * digits, inline for the hot loop; end as for decimal_digits.  Returns
 * NULL for anything else (an exponent, a plus, more digits, no number),
 * which decimal_parse reads.
 */
static inline const char *
decimal_parse_plain(const char *p, const char *end, double *out)
{
	const char *first;
	uint64_t mant = 0;
	int neg, nint, nfrac = 0;
	double v;

	neg = (end == NULL || p < end) && *p == '-';
	p += neg;
	first = p;
	p = decimal_digits(p, end, &mant);
	nint = (int)(p - first);
	if ((end == NULL || p < end) && *p == '.') {
		first = ++p;
		p = decimal_digits(p, end, &mant);
		nfrac = (int)(p - first);
	}
	/* 19 digits cannot wrap 64 bits. */
	if (!DECIMAL_FAST || nint + nfrac == 0 || nint + nfrac > 19 ||
	    nfrac > DECIMAL_POW10_MAX || mant >= DECIMAL_MANT_MAX ||
	    ((end == NULL || p < end) && (*p == 'e' || *p == 'E')))
		return NULL;
	v = (double)mant / decimal_pow10[nfrac];
	*out = neg ? -v : v;
	return p;
}

#endif
