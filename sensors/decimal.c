#include <stdlib.h>
#include <string.h>

#include "decimal.h"

const double decimal_pow10[DECIMAL_POW10_MAX + 1] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

const char *
decimal_parse(const char *p, const char *end, double *out)
{
	const char *start = p, *q;
	uint64_t mant = 0;
	int ndigits, frac = 0, exp = 0, neg = 0;

	if ((q = decimal_parse_plain(p, end, out)) != NULL)
		return q;
	if (p < end && (*p == '-' || *p == '+'))
		neg = (*p++ == '-');
	q = p;
	p = decimal_digits(p, end, &mant);
	ndigits = (int)(p - q);
	if (p < end && *p == '.') {
		q = ++p;
		p = decimal_digits(p, end, &mant);
		frac = (int)(p - q);
		ndigits += frac;
	}
	if (ndigits == 0)
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0, edigits = 0;

		p++;
		if (p < end && (*p == '-' || *p == '+'))
			eneg = (*p++ == '-');
		for (; p < end && (unsigned)(*p - '0') < 10; p++, edigits++)
			if (exp < 100000)
				exp = exp * 10 + (*p - '0');
		if (edigits == 0)
			return NULL;
		if (eneg)
			exp = -exp;
	}
	exp -= frac;
	/* 19 digits cannot wrap 64 bits; more go the slow way. */
	if (DECIMAL_FAST && ndigits <= 19 && mant < DECIMAL_MANT_MAX &&
	    exp >= -DECIMAL_POW10_MAX && exp <= DECIMAL_POW10_MAX) {
		double v = (double)mant;

		v = exp < 0 ? v / decimal_pow10[-exp] :
		    v * decimal_pow10[exp];
		*out = neg ? -v : v;
	} else {
		char tmp[128];
		size_t n = (size_t)(p - start);

		/* Longer than any double needs, but exact all the same. */
		if (n >= sizeof(tmp)) {
			char *copy = strndup(start, n);

			if (copy == NULL)
				return NULL;
			*out = strtod(copy, NULL);
			free(copy);
		} else {
			memcpy(tmp, start, n);
			tmp[n] = '\0';
			*out = strtod(tmp, NULL);
		}
	}
	return p;
}
