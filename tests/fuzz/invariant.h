/*
 * A fuzz target's invariant, broken: said on stderr, then abort(), which
 * libFuzzer counts as a crash and keeps the input of.
 */
#ifndef LEGWATCH_FUZZ_INVARIANT_H
#define LEGWATCH_FUZZ_INVARIANT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void	broken(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

static void
broken(const char *fmt, ...)
{
	va_list ap;

	fputs("INVARIANT BROKEN: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#endif
