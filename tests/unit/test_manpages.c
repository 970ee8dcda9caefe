/*
 * The manual pages say what the code does.  legwatchd.conf(5) documents
 * every option the parser knows and no other, each with the type, range
 * and sensor types the parser has and the default conf/legwatchd.conf
 * holds, and its examples load.  legwatchd(8) documents every option of
 * main.c's getopt table, every exit status the daemon returns, and every
 * event type with its fields.  The pages' conventions are in the comments
 * at their tops.  Run from the top of the source tree.
 */
#include <ctype.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/config.h"
#include "daemon/event.h"

#define CONF5	"man/legwatchd.conf.5"
#define PAGE8	"man/legwatchd.8"
#define EXAMPLE	"conf/legwatchd.conf"
#define MAIN_C	"daemon/main.c"
#define HYD_C	"daemon/hydration.c"

#define MAX_NAMES	256
#define MAX_TOKS	64
#define TOK_MAX		256
#define ALL_TYPES	((1u << sensor_ntypes()) - 1)

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		fail_msg("%s: cannot open it (run from the top of the tree)",
		    path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The next line of *p, without its newline; NULL at the end. */
static char *
next_line(char **p)
{
	char *line = *p, *nl;

	if (*line == '\0')
		return NULL;
	if ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else
		*p = line + strlen(line);
	return line;
}

/* A macro argument as it reads: \- is -, \(dq is ", \& is nothing. */
static void
unroff(const char *in, char *out, size_t outsz)
{
	size_t n = 0;

	while (*in != '\0' && n + 1 < outsz) {
		if (in[0] == '\\' && in[1] == '-') {
			out[n++] = '-';
			in += 2;
		} else if (in[0] == '\\' && in[1] == '&') {
			in += 2;
		} else if (in[0] == '\\' && in[1] == 'e') {
			out[n++] = '\\';
			in += 2;
		} else if (strncmp(in, "\\(dq", 4) == 0) {
			out[n++] = '"';
			in += 4;
		} else if (strncmp(in, "\\(en", 4) == 0) {
			out[n++] = '-';
			in += 4;
		} else
			out[n++] = *in++;
	}
	out[n] = '\0';
}

/* A macro line's words, unescaped; "quoted words" are one. */
static int
split(const char *line, char toks[][TOK_MAX], int max)
{
	char raw[TOK_MAX];
	int n = 0;

	while (*line != '\0' && n < max) {
		size_t len = 0;

		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0')
			break;
		if (*line == '"') {
			for (line++; *line != '\0' && *line != '"'; line++)
				if (len + 1 < sizeof(raw))
					raw[len++] = *line;
			if (*line == '"')
				line++;
		} else
			for (; *line != '\0' && *line != ' ' && *line != '\t';
			    line++)
				if (len + 1 < sizeof(raw))
					raw[len++] = *line;
		raw[len] = '\0';
		unroff(raw, toks[n++], TOK_MAX);
	}
	return n;
}

/* Ar, Ns, Oc, %A ...: a macro name, not an argument. */
static int
is_macro(const char *t)
{
	size_t n = strlen(t);

	return (n == 2 || n == 3) && (isupper((unsigned char)t[0]) ||
	    t[0] == '%') && islower((unsigned char)t[1]);
}

/* ---- legwatchd.conf(5) ---- */

struct names {
	char	name[MAX_NAMES][64];
	int	n;
};

static void
add_name(const char *name, void *ctx)
{
	struct names *nm = ctx;

	assert_true(nm->n < MAX_NAMES);
	snprintf(nm->name[nm->n++], sizeof(nm->name[0]), "%s", name);
}

static int
has_name(const struct names *nm, const char *name)
{
	int i;

	for (i = 0; i < nm->n; i++)
		if (strcmp(nm->name[i], name) == 0)
			return 1;
	return 0;
}

/* One ".It Ic NAME Pq ..." of the page. */
struct doc_opt {
	char		name[64];	/* "group.option", "sensors.option" */
	char		group[32];
	char		option[32];
	unsigned	types;		/* sensors: the types it is under */
	char		pq[TOK_MAX];	/* the Pq's words, unescaped */
	int		line;
};

struct doc {
	struct doc_opt	opt[MAX_NAMES];
	int		n;
	int		stray;		/* options outside any group */
};

static unsigned
types_named(char toks[][TOK_MAX], int n)
{
	unsigned types = 0;
	int i, t;

	for (i = 0; i < n; i++) {
		char w[TOK_MAX];
		size_t len;

		snprintf(w, sizeof(w), "%.*s", (int)sizeof(w) - 1, toks[i]);
		len = strlen(w);
		while (len > 0 && strchr(",.;:", w[len - 1]) != NULL)
			w[--len] = '\0';
		for (t = 0; t < sensor_ntypes(); t++)
			if (strcmp(w, sensor_type_at(t)->name) == 0)
				types |= 1u << t;
	}
	return types;
}

static void
read_conf5(struct doc *d, const struct names *known)
{
	char *text = slurp(CONF5), *p = text, *line;
	char toks[MAX_TOKS][TOK_MAX], group[32] = "";
	unsigned types = 0;
	int n, lineno = 0, i;

	memset(d, 0, sizeof(*d));
	while ((line = next_line(&p)) != NULL) {
		lineno++;
		if (strncmp(line, ".Sh ", 4) == 0) {
			group[0] = '\0';
			continue;
		}
		if (strncmp(line, ".Ss ", 4) == 0) {
			char prefix[40];

			n = split(line + 4, toks, MAX_TOKS);
			group[0] = '\0';
			if ((types = types_named(toks, n)) != 0) {
				snprintf(group, sizeof(group), "sensors");
				continue;
			}
			if (n == 0)
				continue;
			snprintf(prefix, sizeof(prefix), "%.38s.", toks[0]);
			for (i = 0; i < known->n; i++)
				if (strncmp(known->name[i], prefix,
				    strlen(prefix)) == 0)
					break;
			if (i < known->n)
				snprintf(group, sizeof(group), "%.31s",
				    toks[0]);
			if (strcmp(group, "sensors") == 0)
				types = ALL_TYPES;
			continue;
		}
		if (strncmp(line, ".It Ic ", 7) != 0)
			continue;
		n = split(line + 7, toks, MAX_TOKS);
		if (n == 0)
			continue;
		if (group[0] == '\0') {
			print_error(CONF5 ":%d: option %s is under no group's "
			    "heading\n", lineno, toks[0]);
			d->stray++;
			continue;
		}
		assert_true(d->n < MAX_NAMES);
		{
			struct doc_opt *o = &d->opt[d->n++];

			snprintf(o->group, sizeof(o->group), "%s", group);
			snprintf(o->option, sizeof(o->option), "%.31s",
			    toks[0]);
			snprintf(o->name, sizeof(o->name), "%.31s.%.31s",
			    group, toks[0]);
			o->types = strcmp(group, "sensors") == 0 ? types : 0;
			o->line = lineno;
			for (i = 1; i < n; i++)
				if (strcmp(toks[i], "Pq") == 0)
					break;
			for (i++; i < n; i++) {
				size_t len = strlen(o->pq);

				snprintf(o->pq + len, sizeof(o->pq) - len,
				    "%s%s", len ? " " : "", toks[i]);
			}
		}
	}
	free(text);
}

static int
documented(const struct doc *d, const char *name)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->opt[i].name, name) == 0)
			return 1;
	return 0;
}

static void
test_conf5_has_every_option_and_no_other(void **state)
{
	static struct names known;
	static struct doc d;
	int i, bad = 0;

	(void)state;
	known.n = 0;
	config_list_options(add_name, &known);
	assert_true(known.n > 50);
	read_conf5(&d, &known);
	for (i = 0; i < known.n; i++)
		if (!documented(&d, known.name[i])) {
			print_error("%s is not documented in " CONF5 "\n",
			    known.name[i]);
			bad++;
		}
	for (i = 0; i < d.n; i++)
		if (!has_name(&known, d.opt[i].name)) {
			print_error(CONF5 ":%d: %s is no option the parser "
			    "knows\n", d.opt[i].line, d.opt[i].name);
			bad++;
		}
	assert_int_equal(bad + d.stray, 0);
}

static int
load_text(const char *text, char *err, size_t errsz)
{
	static struct config c;
	char path[] = "/tmp/legwatch-man-XXXXXX";
	char pw[] = "/tmp/legwatch-man-pw-XXXXXX", copy[4096];
	const char *at, *end;
	int fd = mkstemp(path), r;

	assert_true(fd >= 0);
	/*
	 * The password file an example names is read with the rest: a
	 * stand-in of our own takes its place.
	 */
	pw[0] = '\0';
	if ((at = strstr(text, "password_file = \"")) != NULL &&
	    (end = strchr(at + 17, '"')) != NULL && end > at + 17) {
		int pfd;

		strcpy(pw, "/tmp/legwatch-man-pw-XXXXXX");
		assert_true((pfd = mkstemp(pw)) >= 0);
		assert_int_equal(write(pfd, "secret\n", 7), 7);
		close(pfd);
		assert_true(snprintf(copy, sizeof(copy), "%.*s%s%s",
		    (int)(at + 17 - text), text, pw, end) < (int)sizeof(copy));
		text = copy;
	}
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	err[0] = '\0';
	r = config_load(&c, path, err, errsz);
	unlink(path);
	if (pw[0] != '\0')
		unlink(pw);
	return r;
}

/* What the parser says of a value for the option (for a sensor, of type). */
static void
probe(const struct doc_opt *o, int type, const char *value,
    char *err, size_t errsz)
{
	char text[512];

	if (strcmp(o->group, "sensors") == 0)
		snprintf(text, sizeof(text), "sensors = ( { name = \"probe\"; "
		    "type = \"%s\"; %s = %s; } );\n", sensor_type_at(type)->name,
		    o->option, value);
	else
		snprintf(text, sizeof(text), "%s = { %s = %s; };\n", o->group,
		    o->option, value);
	load_text(text, err, errsz);
}

static int
first_type(unsigned types)
{
	int t;

	for (t = 0; t < sensor_ntypes(); t++)
		if (types & (1u << t))
			return t;
	return sensor_ntypes() - 1;
}

/* "LO..HI" among the words: 1 with both, 0 without one. */
static int
find_range(const char *words, double *lo, double *hi)
{
	char buf[TOK_MAX], *tok, *save = NULL, *end;

	snprintf(buf, sizeof(buf), "%s", words);
	for (tok = strtok_r(buf, " ,;()", &save); tok != NULL;
	    tok = strtok_r(NULL, " ,;()", &save)) {
		char *dots = strstr(tok, "..");

		if (dots == NULL || dots == tok)
			continue;
		*dots = '\0';
		*lo = strtod(tok, &end);
		if (*end != '\0')
			continue;
		*hi = strtod(dots + 2, &end);
		if (*end != '\0')
			continue;
		return 1;
	}
	return 0;
}

static int
word_is(const char *words, const char *w)
{
	size_t n = strlen(w);

	return strncmp(words, w, n) == 0 && (words[n] == ' ' ||
	    words[n] == ',' || words[n] == '\0');
}

/* The type and range the page gives are the parser's. */
static void
test_conf5_types_and_ranges_are_the_parsers(void **state)
{
	static struct names known;
	static struct doc d;
	char err[CONFIG_ERR_MAX];
	int i, bad = 0;

	(void)state;
	known.n = 0;
	config_list_options(add_name, &known);
	read_conf5(&d, &known);
	for (i = 0; i < d.n; i++) {
		const struct doc_opt *o = &d.opt[i];
		int t = first_type(o->types);
		const char *at;
		double lo, hi, plo = 0, phi = 0;
		int doc_range, parser_range = 0;
		const char *kind;

		if (strcmp(o->group, "sensors") == 0 &&
		    (strcmp(o->option, "name") == 0 ||
		    strcmp(o->option, "type") == 0))
			continue;	/* not to be probed; both strings */
		if (!has_name(&known, o->name))
			continue;	/* said by the test above */
		probe(o, t, "1000000000", err, sizeof(err));
		if ((at = strstr(err, "is outside ")) != NULL) {
			kind = "numeric";
			parser_range = find_range(at + 11, &plo, &phi);
		} else if (strstr(err, "expected true or false") != NULL)
			kind = "boolean";
		else if (strstr(err, "expected a \"string\"") != NULL ||
		    strstr(err, "expected \"") != NULL)
			kind = "string";	/* or one of these strings */
		else if (strstr(err, "expected 2, 4, 8 or 16") != NULL)
			kind = "numeric";
		else {
			print_error(CONF5 ":%d: %s: the parser took 1000000000 "
			    "(%s)\n", o->line, o->name, err[0] ? err : "no "
			    "error");
			bad++;
			continue;
		}
		if (strcmp(kind, "numeric") == 0) {
			int whole;

			probe(o, t, "0.5", err, sizeof(err));
			whole = strstr(err, "whole number") != NULL ||
			    strstr(err, "expected 2, 4, 8 or 16") != NULL;
			kind = whole ? "integer" : "number";
		} else if (strcmp(kind, "string") == 0) {
			probe(o, t, "\"99:99\"", err, sizeof(err));
			if (strstr(err, "time of day") != NULL)
				kind = "time";
		}
		if (!word_is(o->pq, kind)) {
			print_error(CONF5 ":%d: %s: the page says \"%s\", the "
			    "parser takes a %s\n", o->line, o->name, o->pq,
			    kind);
			bad++;
		}
		doc_range = find_range(o->pq, &lo, &hi);
		if (doc_range != parser_range) {
			print_error(CONF5 ":%d: %s: %s\n", o->line, o->name,
			    parser_range ? "the parser has a range the page "
			    "does not give" : "the page gives a range the "
			    "parser does not have");
			bad++;
		} else if (doc_range && (lo != plo || hi != phi)) {
			print_error(CONF5 ":%d: %s: the page says %g..%g, the "
			    "parser %g..%g\n", o->line, o->name, lo, hi, plo,
			    phi);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* A sensor option is under the headings of exactly the types that take it. */
static void
test_conf5_sensor_options_under_their_types(void **state)
{
	static struct names known;
	static struct doc d;
	char err[CONFIG_ERR_MAX];
	int i, j, t, bad = 0;

	(void)state;
	known.n = 0;
	config_list_options(add_name, &known);
	read_conf5(&d, &known);
	for (i = 0; i < known.n; i++) {
		const char *opt;
		unsigned doc = 0, parser = 0;
		struct doc_opt o;

		if (strncmp(known.name[i], "sensors.", 8) != 0)
			continue;
		opt = known.name[i] + 8;
		for (j = 0; j < d.n; j++)
			if (strcmp(d.opt[j].name, known.name[i]) == 0)
				doc |= d.opt[j].types;
		memset(&o, 0, sizeof(o));
		snprintf(o.group, sizeof(o.group), "sensors");
		snprintf(o.option, sizeof(o.option), "%s", opt);
		if (strcmp(opt, "name") == 0 || strcmp(opt, "type") == 0)
			parser = ALL_TYPES;
		else
			for (t = 0; t < sensor_ntypes(); t++) {
				probe(&o, t, "1000000000",
				    err, sizeof(err));
				if (strstr(err, "not an option of") == NULL)
					parser |= 1u << t;
			}
		if (doc == parser || doc == 0)	/* 0: said above */
			continue;
		for (t = 0; t < sensor_ntypes(); t++)
			if ((doc ^ parser) & (1u << t)) {
				print_error(CONF5 ": sensors.%s: %s a %s "
				    "sensor's option, but the page says it %s\n",
				    opt, parser & (1u << t) ? "is" : "is not",
				    sensor_type_at(t)->name,
				    doc & (1u << t) ? "is" : "is not");
				bad++;
			}
	}
	assert_int_equal(bad, 0);
}

/* "OPTION = VALUE;" inside "GROUP = {" of the example: VALUE. */
static int
example_value(const char *example, const char *group, const char *option,
    char *out, size_t outsz)
{
	char head[64], want[64];
	const char *at, *end;

	snprintf(head, sizeof(head), "\n%s = {", group);
	snprintf(want, sizeof(want), " %s = ", option);
	if ((at = strstr(example, head)) == NULL ||
	    (at = strstr(at, want)) == NULL ||
	    (end = strchr(at, ';')) == NULL)
		return -1;
	at += strlen(want);
	snprintf(out, outsz, "%.*s", (int)(end - at), at);
	return 0;
}

/*
 * The defaults the page gives are those of the example configuration,
 * which test_config holds to config_defaults().
 */
static void
test_conf5_defaults_are_the_examples(void **state)
{
	static struct names known;
	static struct doc d;
	char *example = slurp(EXAMPLE);
	int i, bad = 0;

	(void)state;
	known.n = 0;
	config_list_options(add_name, &known);
	read_conf5(&d, &known);
	for (i = 0; i < d.n; i++) {
		const struct doc_opt *o = &d.opt[i];
		char want[TOK_MAX];
		const char *def = strstr(o->pq, "default ");

		if (strcmp(o->group, "sensors") == 0) {
			if (def == NULL && strstr(o->pq, "required") == NULL) {
				print_error(CONF5 ":%d: %s: neither a default "
				    "nor required\n", o->line, o->name);
				bad++;
			}
			continue;
		}
		if (def == NULL) {
			print_error(CONF5 ":%d: %s: no default\n", o->line,
			    o->name);
			bad++;
			continue;
		}
		def += 8;
		if (example_value(example, o->group, o->option, want,
		    sizeof(want)) == -1) {
			print_error(EXAMPLE ": no %s\n", o->name);
			bad++;
		} else if (strcmp(def, want) != 0) {
			print_error(CONF5 ":%d: %s: default %s, but "
			    EXAMPLE " has %s\n", o->line, o->name, def, want);
			bad++;
		}
	}
	free(example);
	assert_int_equal(bad, 0);
}

/* Every configuration the page shows loads. */
static void
test_conf5_examples_load(void **state)
{
	char *text = slurp(CONF5), *p = text, *line;
	char block[4096], err[CONFIG_ERR_MAX];
	size_t len = 0;
	int in = 0, blocks = 0, bad = 0, lineno = 0, start = 0;

	(void)state;
	while ((line = next_line(&p)) != NULL) {
		lineno++;
		if (strncmp(line, ".Bd -literal", 12) == 0) {
			in = 1;
			len = 0;
			block[0] = '\0';
			start = lineno;
		} else if (in && strcmp(line, ".Ed") == 0) {
			in = 0;
			blocks++;
			if (load_text(block, err, sizeof(err)) == -1) {
				print_error(CONF5 ":%d: the example does not "
				    "load: %s\n", start, err);
				bad++;
			}
		} else if (in) {
			char plain[512];

			unroff(line, plain, sizeof(plain));
			len += (size_t)snprintf(block + len, sizeof(block) -
			    len, "%s\n", plain);
			assert_true(len < sizeof(block));
		}
	}
	free(text);
	assert_true(blocks >= 2);
	assert_int_equal(bad, 0);
}

/* ---- legwatchd(8) ---- */

struct flags {
	char	flag[64][40];	/* "-c", "--config" */
	int	n;
};

/* The flags of "Fl ..." in a macro line's words. */
static void
line_flags(char toks[][TOK_MAX], int n, struct flags *f)
{
	int i, j;

	for (i = 0; i < n; i++) {
		if (strcmp(toks[i], "Fl") != 0)
			continue;
		for (j = i + 1; j < n && !is_macro(toks[j]); j++) {
			const char *t = toks[j];

			if (t[0] == '-' && t[1] != '\0') {
				if (f->n < 64)
					snprintf(f->flag[f->n++],
					    sizeof(f->flag[0]), "-%s", t);
			} else if (isalnum((unsigned char)t[0])) {
				for (; *t != '\0' && f->n < 64; t++)
					snprintf(f->flag[f->n++],
					    sizeof(f->flag[0]), "-%c", *t);
			}
		}
		i = j - 1;
	}
}

static int
has_flag(const struct flags *f, const char *flag)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->flag[i], flag) == 0)
			return 1;
	return 0;
}

/* main.c's options: "--long" with its short form, if any, and the shorts. */
struct getopt_table {
	char	lng[32][40];
	char	shrt[32];	/* the long one's short letter, or 0 */
	int	n;
	char	shorts[32];
};

static void
read_main(struct getopt_table *g)
{
	char *text = slurp(MAIN_C), *at, *end;
	size_t k = 0;

	memset(g, 0, sizeof(*g));
	if ((at = strstr(text, "getopt_long(argc, argv, \"")) == NULL)
		fail_msg(MAIN_C ": no getopt_long(argc, argv, \"...\"");
	for (at += 25; *at != '"' && *at != '\0'; at++)
		if (*at != ':' && k + 1 < sizeof(g->shorts))
			g->shorts[k++] = *at;
	if ((at = strstr(text, "longopts[] = {")) == NULL ||
	    (end = strstr(at, "{ NULL")) == NULL)
		fail_msg(MAIN_C ": no longopts[] = { ... { NULL ... }");
	while ((at = strstr(at, "{ \"")) != NULL && at < end) {
		char *q = strchr(at + 3, '"'), *close = strchr(at, '}');

		assert_non_null(q);
		assert_non_null(close);
		assert_true(g->n < 32);
		snprintf(g->lng[g->n], sizeof(g->lng[0]), "--%.*s",
		    (int)(q - at - 3), at + 3);
		/* The value: 'c' is the short option's. */
		{
			char *quote = memchr(q + 1, '\'', (size_t)(close - q));

			g->shrt[g->n] = quote != NULL ? quote[1] : 0;
		}
		g->n++;
		at = close;
	}
	free(text);
	assert_true(g->n > 0);
}

/* Lines of a ".Sh NAME" section, NUL-separated in *out (malloc'd). */
static char *
section(const char *page, const char *name)
{
	char *text = slurp(page), *p = text, *line, *out;
	char head[64];
	size_t len = 0;
	int in = 0;

	out = calloc(1, strlen(text) + 2);
	assert_non_null(out);
	snprintf(head, sizeof(head), ".Sh %s", name);
	while ((line = next_line(&p)) != NULL) {
		if (strncmp(line, ".Sh ", 4) == 0) {
			in = strcmp(line, head) == 0;
			continue;
		}
		if (in && line[0] != '\0') {	/* NUL ends the lines */
			memcpy(out + len, line, strlen(line) + 1);
			len += strlen(line) + 1;
		}
	}
	out[len] = '\0';
	free(text);
	return out;
}

static void
test_8_has_every_command_line_option(void **state)
{
	static struct getopt_table g;
	char *text = slurp(PAGE8), *p = text, *line, *syn, *l;
	char toks[MAX_TOKS][TOK_MAX], flag[8];
	static struct flags items[64], synopsis;
	int nitems = 0, lineno = 0, i, j, bad = 0, found;

	(void)state;
	read_main(&g);
	while ((line = next_line(&p)) != NULL) {
		lineno++;
		if (strncmp(line, ".It Fl ", 7) != 0)
			continue;
		assert_true(nitems < 64);
		memset(&items[nitems], 0, sizeof(items[0]));
		line_flags(toks, split(line + 1, toks, MAX_TOKS),
		    &items[nitems]);
		for (i = 0; i < items[nitems].n; i++) {
			const char *f = items[nitems].flag[i];
			int known = 0;

			for (j = 0; j < g.n; j++)
				known |= strcmp(f, g.lng[j]) == 0;
			if (f[1] != '-' && strchr(g.shorts, f[1]) != NULL)
				known = 1;
			if (!known) {
				print_error(PAGE8 ":%d: %s is no option of "
				    MAIN_C "\n", lineno, f);
				bad++;
			}
		}
		nitems++;
	}
	memset(&synopsis, 0, sizeof(synopsis));
	syn = section(PAGE8, "SYNOPSIS");
	for (l = syn; *l != '\0'; l += strlen(l) + 1)
		if (l[0] == '.')
			line_flags(toks, split(l + 1, toks, MAX_TOKS),
			    &synopsis);
	free(syn);
	for (j = 0; j < g.n; j++) {
		found = 0;
		for (i = 0; i < nitems; i++) {
			if (!has_flag(&items[i], g.lng[j]))
				continue;
			found = 1;
			snprintf(flag, sizeof(flag), "-%c", g.shrt[j]);
			if (g.shrt[j] != 0 && !has_flag(&items[i], flag)) {
				print_error(PAGE8 ": %s's item does not name "
				    "%s\n", g.lng[j], flag);
				bad++;
			}
		}
		if (!found) {
			print_error(PAGE8 ": %s is not documented (no .It Fl "
			    "item)\n", g.lng[j]);
			bad++;
		}
		snprintf(flag, sizeof(flag), "-%c", g.shrt[j]);
		if (!has_flag(&synopsis, g.lng[j]) && (g.shrt[j] == 0 ||
		    !has_flag(&synopsis, flag))) {
			print_error(PAGE8 ": %s is not in the SYNOPSIS\n",
			    g.lng[j]);
			bad++;
		}
	}
	for (i = 0; g.shorts[i] != '\0'; i++) {
		snprintf(flag, sizeof(flag), "-%c", g.shorts[i]);
		for (found = 0, j = 0; j < nitems; j++)
			found |= has_flag(&items[j], flag);
		if (!found) {
			print_error(PAGE8 ": %s is not documented\n", flag);
			bad++;
		}
	}
	free(text);
	assert_int_equal(bad, 0);
}

static const struct {
	const char	*name;
	int		 code;
} sysexits[] = {
	{ "EX_USAGE", EX_USAGE }, { "EX_DATAERR", EX_DATAERR },
	{ "EX_NOINPUT", EX_NOINPUT }, { "EX_NOUSER", EX_NOUSER },
	{ "EX_NOHOST", EX_NOHOST }, { "EX_UNAVAILABLE", EX_UNAVAILABLE },
	{ "EX_SOFTWARE", EX_SOFTWARE }, { "EX_OSERR", EX_OSERR },
	{ "EX_OSFILE", EX_OSFILE }, { "EX_CANTCREAT", EX_CANTCREAT },
	{ "EX_IOERR", EX_IOERR }, { "EX_TEMPFAIL", EX_TEMPFAIL },
	{ "EX_PROTOCOL", EX_PROTOCOL }, { "EX_NOPERM", EX_NOPERM },
	{ "EX_CONFIG", EX_CONFIG }, { "EX_OK", EX_OK },
};

/* Bit 0 is status 0; bit c - 63 is the sysexits code c (64..78). */
static int
code_bit(int code)
{
	return code == 0 ? 0 : code - 63;
}

/* The sysexits codes the daemon's sources name, as a bit set. */
static uint64_t
codes_used(void)
{
	static const char *const dirs[] = { "daemon/*.c", "sensors/*.c" };
	uint64_t used = 1;	/* 0 */
	glob_t gl;
	size_t i, k;
	int d;

	for (d = 0; d < 2; d++) {
		if (glob(dirs[d], 0, NULL, &gl) != 0)
			fail_msg("%s: no files (run from the top of the tree)",
			    dirs[d]);
		for (i = 0; i < gl.gl_pathc; i++) {
			char *text = slurp(gl.gl_pathv[i]), *at = text;

			while ((at = strstr(at, "EX_")) != NULL) {
				if (at > text && (isalnum((unsigned char)
				    at[-1]) || at[-1] == '_')) {
					at += 3;
					continue;
				}
				for (k = 0; k < sizeof(sysexits) /
				    sizeof(sysexits[0]); k++) {
					size_t n = strlen(sysexits[k].name);

					if (strncmp(at, sysexits[k].name,
					    n) == 0 && !isalnum((unsigned char)
					    at[n]) && at[n] != '_')
						used |= 1ull << code_bit(
						    sysexits[k].code);
				}
				at += 3;
			}
			free(text);
		}
		globfree(&gl);
	}
	return used;
}

static int
bit_code(int bit)
{
	return bit == 0 ? 0 : bit + 63;
}

static void
test_8_exit_status_lists_every_code(void **state)
{
	char *sec = section(PAGE8, "EXIT STATUS"), *l, *end;
	uint64_t used = codes_used(), doc = 0;
	int bit, bad = 0;

	(void)state;
	for (l = sec; *l != '\0'; l += strlen(l) + 1) {
		long code;

		if (strncmp(l, ".It ", 4) != 0)
			continue;
		code = strtol(l + 4, &end, 10);
		if (end == l + 4 || (code != 0 && (code < 64 || code > 78))) {
			print_error(PAGE8 ": EXIT STATUS: \"%s\" is not 0 or a "
			    "sysexits code\n", l);
			bad++;
			continue;
		}
		doc |= 1ull << code_bit((int)code);
	}
	free(sec);
	for (bit = 0; bit < 64; bit++) {
		if ((used & ~doc) & (1ull << bit)) {
			print_error(PAGE8 ": exit status %d is returned but "
			    "not documented\n", bit_code(bit));
			bad++;
		}
		if ((doc & ~used) & (1ull << bit)) {
			print_error(PAGE8 ": exit status %d is documented but "
			    "never returned\n", bit_code(bit));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The words of the lines from ".It Cm type" to the next ".It Cm". */
static int
event_item(const char *sec, const char *type, char *out, size_t outsz)
{
	char head[64];
	const char *l;
	size_t len = 0;
	int in = 0, found = 0;

	snprintf(head, sizeof(head), ".It Cm %s", type);
	out[0] = '\0';
	for (l = sec; *l != '\0'; l += strlen(l) + 1) {
		if (strncmp(l, ".It Cm ", 7) == 0) {
			in = strcmp(l, head) == 0;
			found |= in;
			continue;
		}
		if (in && len + strlen(l) + 2 < outsz)
			len += (size_t)snprintf(out + len, outsz - len, "%s\n",
			    l);
	}
	return found;
}

/* " Va key" or ".Va key" (with a trailing delimiter) in the text. */
static int
names_field(const char *text, const char *key)
{
	char toks[MAX_TOKS][TOK_MAX], line[512];
	const char *l = text, *nl;
	int n, i;

	while (*l != '\0') {
		nl = strchr(l, '\n');
		snprintf(line, sizeof(line), "%.*s", nl ? (int)(nl - l) :
		    (int)strlen(l), l);
		l = nl ? nl + 1 : l + strlen(l);
		if (line[0] != '.')
			continue;
		n = split(line + 1, toks, MAX_TOKS);
		for (i = 0; i + 1 < n; i++)
			if (strcmp(toks[i], "Va") == 0 &&
			    strcmp(toks[i + 1], key) == 0)
				return 1;
	}
	return 0;
}

static void
test_8_documents_every_event_and_field(void **state)
{
	static const char *const common[] = { "event_type", "time", "sensor",
	    "start", "end", "duration" };
	char *sec = section(PAGE8, "EVENTS"), *hyd, *at, *end;
	char item[8192], lead[8192] = "";
	const char *l;
	size_t len = 0, k;
	int t, bad = 0, nitems = 0;

	(void)state;
	/* The common fields: the Va items before the first event's. */
	for (l = sec; *l != '\0' && strncmp(l, ".It Cm ", 7) != 0;
	    l += strlen(l) + 1)
		len += (size_t)snprintf(lead + len, sizeof(lead) - len,
		    "%s\n", l);
	for (k = 0; k < sizeof(common) / sizeof(common[0]); k++)
		if (!names_field(lead, common[k])) {
			print_error(PAGE8 ": EVENTS: the common field %s is "
			    "not described before the events\n", common[k]);
			bad++;
		}
	for (l = sec; *l != '\0'; l += strlen(l) + 1)
		nitems += strncmp(l, ".It Cm ", 7) == 0;
	if (nitems != EVENT_TYPE_COUNT) {
		print_error(PAGE8 ": EVENTS: %d .It Cm items, %d event "
		    "types\n", nitems, EVENT_TYPE_COUNT);
		bad++;
	}
	for (t = 0; t < EVENT_TYPE_COUNT; t++) {
		const char *name = event_type_name((enum event_type)t);
		struct event ev;
		char *json, *key;

		if (!event_item(sec, name, item, sizeof(item))) {
			print_error(PAGE8 ": EVENTS: no .It Cm %s\n", name);
			bad++;
			continue;
		}
		/* Every field this type can have: spanning, with a sensor. */
		event_init(&ev, (enum event_type)t, 1795037138.5, "ankle");
		ev.start = 1795037136.98;
		ev.end = 1795037138.16;
		snprintf(ev.text, sizeof(ev.text), "pace");
		json = event_to_json(&ev);
		assert_non_null(json);
		for (at = json; (key = strstr(at, "\"")) != NULL; ) {
			char *q = strchr(key + 1, '"'), field[64];
			int is_common = 0;

			assert_non_null(q);
			at = q + 1;
			if (*at != ':')
				continue;	/* a value, not a key */
			snprintf(field, sizeof(field), "%.*s",
			    (int)(q - key - 1), key + 1);
			for (k = 0; k < sizeof(common) / sizeof(common[0]); k++)
				is_common |= strcmp(field, common[k]) == 0;
			if (!is_common && !names_field(item, field)) {
				print_error(PAGE8 ": EVENTS: %s's field %s is "
				    "not named (Va %s)\n", name, field, field);
				bad++;
			}
		}
		free(json);
	}
	/* A reminder's reasons, as hydration.c names them. */
	if (!event_item(sec, "hydration_reminder", item, sizeof(item)))
		item[0] = '\0';
	hyd = slurp(HYD_C);
	if ((at = strstr(hyd, "reason_names[] = {")) == NULL ||
	    (end = strstr(at, "};")) == NULL)
		fail_msg(HYD_C ": no reason_names[] = { ... };");
	for (k = 0; (at = strchr(at, '"')) != NULL && at < end; k++) {
		char reason[64], want[80];
		char *q = strchr(at + 1, '"');

		assert_non_null(q);
		snprintf(reason, sizeof(reason), "%.*s", (int)(q - at - 1),
		    at + 1);
		snprintf(want, sizeof(want), "Cm %s", reason);
		if (strstr(item, want) == NULL) {
			print_error(PAGE8 ": hydration_reminder: the reason "
			    "%s is not named (Cm %s)\n", reason, reason);
			bad++;
		}
		at = q + 1;
	}
	assert_true(k >= 5);
	free(hyd);
	free(sec);
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf5_has_every_option_and_no_other),
		cmocka_unit_test(test_conf5_types_and_ranges_are_the_parsers),
		cmocka_unit_test(test_conf5_sensor_options_under_their_types),
		cmocka_unit_test(test_conf5_defaults_are_the_examples),
		cmocka_unit_test(test_conf5_examples_load),
		cmocka_unit_test(test_8_has_every_command_line_option),
		cmocka_unit_test(test_8_exit_status_lists_every_code),
		cmocka_unit_test(test_8_documents_every_event_and_field),
	};

	return cmocka_run_group_tests_name("manpages", tests, NULL, NULL);
}
