/*
 * The fast number reader against strtod(3), bit for bit: on millions of
 * random decimals (from a fixed seed) and on the cases at the edges of
 * its fast path, where a wrong shortcut would round differently.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sensors/decimal.h"

#define RANDOM_CASES	2000000

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned
below(unsigned n)
{
	return (unsigned)(next_random() % n);
}

/* One string, compared every way it can be read. */
static void
compare(const char *text)
{
	size_t len = strlen(text);
	const char *end = text + len, *got;
	char *want_end;
	double want, v;

	want = strtod(text, &want_end);
	got = decimal_parse(text, end, &v);
	if (got != want_end || memcmp(&v, &want, sizeof(v)) != 0)
		fail_msg("'%s': decimal_parse read %td bytes, %.17g; strtod "
		    "%td, %.17g", text, got ? got - text : -1, got ? v : 0,
		    want_end - text, want);
	/* The inline reader, bounded and at a line's end, when it reads. */
	if ((got = decimal_parse_plain(text, end, &v)) != NULL &&
	    (got != want_end || memcmp(&v, &want, sizeof(v)) != 0))
		fail_msg("'%s': decimal_parse_plain gave %.17g", text, v);
	if ((got = decimal_parse_plain(text, NULL, &v)) != NULL &&
	    (got != want_end || memcmp(&v, &want, sizeof(v)) != 0))
		fail_msg("'%s': decimal_parse_plain at a line's end gave "
		    "%.17g", text, v);
}

static size_t
put_digits(char *p, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		p[i] = (char)('0' + below(10));
	return n;
}

static void
test_random_decimals(void **state)
{
	char text[96];
	long i;

	(void)state;
	for (i = 0; i < RANDOM_CASES; i++) {
		size_t n = 0;
		unsigned nint, nfrac, shape = below(8);

		if (below(3) == 0)
			text[n++] = below(4) ? '-' : '+';
		/* Mostly the lengths recordings have; sometimes far more. */
		nint = shape < 6 ? below(11) : below(25);
		nfrac = shape < 6 ? below(9) : below(30);
		if (nint + nfrac == 0)
			nint = 1;
		if (below(4) == 0)	/* leading zeros */
			while (n < 12 && below(2))
				text[n++] = '0';
		n += put_digits(text + n, nint);
		if (nfrac > 0 || below(8) == 0) {
			text[n++] = '.';
			n += put_digits(text + n, nfrac);
		}
		if (shape == 7 || below(16) == 0) {
			text[n++] = below(2) ? 'e' : 'E';
			if (below(2))
				text[n++] = below(2) ? '-' : '+';
			n += (size_t)snprintf(text + n, 8, "%u",
			    below(4) ? below(30) : below(400));
		}
		text[n] = '\0';
		compare(text);
	}
}

static void
test_edges(void **state)
{
	static const char *cases[] = {
		"0", "-0", "+0", "0.0", "-0.000", "00000000000000000000.5",
		".5", "5.", "-.5", "1", "9", "10",
		/* 2^53 and its neighbours: the last exact mantissas */
		"9007199254740991", "9007199254740992", "9007199254740993",
		"9007199254740994", "9007199254740995", "900719925474099.3",
		"0.9007199254740993", "18014398509481985",
		/* 19 and 20 digits: the last that cannot wrap, and past it */
		"9999999999999999999", "18446744073709551615",
		"18446744073709551616", "99999999999999999999",
		"1844674407370955161.5",
		/* the largest exact powers of ten, and just past */
		"1e22", "1e23", "1e-22", "1e-23", "9007199254740991e22",
		"9007199254740991e-22", "9007199254740991e23",
		"123456789012345e-22", "0.1e-21", "1e+22", "10e21",
		"0.1", "0.2", "0.3", "0.7", "1.1", "2.675", "1.005",
		"0.30000000000000004", "1795034700.010", "1795034700.001",
		"4102444799.999", "4102444800", "-0.0481", "0.9999999999999999",
		/* the ends of the doubles */
		"2.2250738585072014e-308", "2.2250738585072011e-308",
		"4.9406564584124654e-324", "2.4703282292062327e-324",
		"2.4703282292062328e-324", "1.7976931348623157e308",
		"1.7976931348623159e308", "1e400", "1e-400", "1e99999",
		"0.000000000000000000000000000000000000000000000000001",
		"123456789012345678901234567890.123456789012345678901234567890",
		"1.00000000000000011102230246251565404236316680908203125",
		"1.00000000000000011102230246251565404236316680908203124",
		"1.00000000000000011102230246251565404236316680908203126",
		"2E1", "2e-0", "1e0001", "7.0e-10", "1.e5", ".1e1",
		/* not all of it a number */
		"1,5", "1 ", "12abc", "-1.5.5", "0.5-1",
	};
	static const char *refused[] = {
		"", "-", "+", ".", "-.", "e5", ".e5", "inf", "nan", "-inf",
		"infinity", "NaN", "0x10" /* 0, then x */, "x1", " 1", ",1",
		/* an exponent without digits is a mistake, not "1" */
		"1e", "1e+", "1e-x", "2.5E",
	};
	/* What a recording holds: the inline reader must take these itself. */
	static const char *plain[] = {
		"1795034700.010", "-0.0481", "0.1", "5.", "0", "-0",
		"16384", "900719925474099", "0.000061",
	};
	double v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		compare(cases[i]);
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		const char *p = plain[i], *end = p + strlen(p);

		if (decimal_parse_plain(p, end, &v) != end ||
		    decimal_parse_plain(p, NULL, &v) != end)
			fail_msg("'%s' not read by decimal_parse_plain", p);
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *p = refused[i], *end = p + strlen(p);
		const char *got = decimal_parse(p, end, &v);

		/* "0x10" is the number 0 followed by something else. */
		if (strcmp(p, "0x10") == 0) {
			assert_ptr_equal(got, p + 1);
			continue;
		}
		if (got != NULL)
			fail_msg("'%s' read as a number", p);
		if (decimal_parse_plain(p, end, &v) != NULL ||
		    decimal_parse_plain(p, NULL, &v) != NULL)
			fail_msg("'%s' read as a plain number", p);
	}
}

/* Never past the end it is given, even in the middle of a number. */
static void
test_stops_at_end(void **state)
{
	const char *text = "1795034700.0109", *exponent = "2e5";
	double v;

	(void)state;
	assert_ptr_equal(decimal_parse(text, text + 14, &v), text + 14);
	assert_true(v == 1795034700.010);
	assert_ptr_equal(decimal_parse(text, text + 11, &v), text + 11);
	assert_true(v == 1795034700.0);
	assert_ptr_equal(decimal_parse(exponent, exponent + 1, &v),
	    exponent + 1);
	assert_true(v == 2.0);
	assert_null(decimal_parse(text, text, &v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_stops_at_end),
		cmocka_unit_test(test_random_decimals),
	};

	return cmocka_run_group_tests_name("decimal", tests, NULL, NULL);
}
