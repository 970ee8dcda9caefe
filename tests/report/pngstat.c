/*
 * pngstat: what a PNG shows, in numbers, for a test to judge a rendered
 * picture by: its size, how many pixels are not white, how many colours,
 * and how many pixels are near each colour asked about.  A screenshot
 * of a failed page is blank or one block of text; a drawn night has its
 * marks' colours.  Its own inflate, so the test needs no image library.
 *
 * usage: pngstat FILE [RRGGBB]...
 * prints "size W H", "nonwhite N", "colours N", then "RRGGBB N" each;
 * exit 0, or 1 for a file it cannot read (said on stderr).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A pixel is near a colour asked about within this, on each channel. */
#define NEAR	10

struct inflate {
	const uint8_t	*in;
	size_t		 inlen, inpos;
	uint32_t	 bitbuf;
	int		 bitcnt;
	uint8_t		*out;
	size_t		 outlen, outpos;
};

struct huffman {
	short	count[16];	/* codes of each length */
	short	symbol[288];	/* symbols in code order */
};

static int
getbits(struct inflate *s, int need)
{
	uint32_t val = s->bitbuf;

	while (s->bitcnt < need) {
		if (s->inpos == s->inlen)
			return -1;
		val |= (uint32_t)s->in[s->inpos++] << s->bitcnt;
		s->bitcnt += 8;
	}
	s->bitbuf = val >> need;
	s->bitcnt -= need;
	return (int)(val & ((1u << need) - 1));
}

/* Codes are sent most significant bit first, one bit at a time. */
static int
decode(struct inflate *s, const struct huffman *h)
{
	int code = 0, first = 0, index = 0, len;

	for (len = 1; len < 16; len++) {
		int bit;

		if ((bit = getbits(s, 1)) < 0)
			return -1;
		code |= bit;
		if (code - h->count[len] < first)
			return h->symbol[index + (code - first)];
		index += h->count[len];
		first += h->count[len];
		first <<= 1;
		code <<= 1;
	}
	return -1;
}

static int
construct(struct huffman *h, const short *length, int n)
{
	short offs[16];
	int len, sym, left = 1;

	memset(h->count, 0, sizeof(h->count));
	for (sym = 0; sym < n; sym++)
		h->count[length[sym]]++;
	for (len = 1; len < 16; len++) {
		left <<= 1;
		left -= h->count[len];
		if (left < 0)
			return -1;	/* more codes than lengths allow */
	}
	offs[1] = 0;
	for (len = 1; len < 15; len++)
		offs[len + 1] = (short)(offs[len] + h->count[len]);
	for (sym = 0; sym < n; sym++)
		if (length[sym] != 0)
			h->symbol[offs[length[sym]]++] = (short)sym;
	return 0;
}

static int
put(struct inflate *s, uint8_t b)
{
	if (s->outpos == s->outlen)
		return -1;
	s->out[s->outpos++] = b;
	return 0;
}

static int
codes(struct inflate *s, const struct huffman *lencode,
    const struct huffman *distcode)
{
	static const short lbase[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13,
	    15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
	    163, 195, 227, 258 };
	static const short lext[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1,
	    2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
	static const int dbase[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33,
	    49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
	    4097, 6145, 8193, 12289, 16385, 24577 };
	static const short dext[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4,
	    5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };
	for (;;) {
		int sym, dsym, e;
		size_t len, dist;

		if ((sym = decode(s, lencode)) < 0)
			return -1;
		if (sym < 256) {
			if (put(s, (uint8_t)sym) == -1)
				return -1;
			continue;
		}
		if (sym == 256)
			return 0;
		if ((sym -= 257) >= 29 || (e = getbits(s, lext[sym])) < 0)
			return -1;
		len = (size_t)(lbase[sym] + e);
		if ((dsym = decode(s, distcode)) < 0 || dsym >= 30 ||
		    (e = getbits(s, dext[dsym])) < 0)
			return -1;
		dist = (size_t)(dbase[dsym] + e);
		if (dist > s->outpos)
			return -1;
		while (len-- > 0)
			if (put(s, s->out[s->outpos - dist]) == -1)
				return -1;
	}
}

static int
stored(struct inflate *s)
{
	unsigned len;

	s->bitbuf = 0;
	s->bitcnt = 0;
	if (s->inpos + 4 > s->inlen)
		return -1;
	len = s->in[s->inpos] | (unsigned)s->in[s->inpos + 1] << 8;
	if ((s->in[s->inpos + 2] | (unsigned)s->in[s->inpos + 3] << 8) !=
	    (~len & 0xffff))
		return -1;
	s->inpos += 4;
	if (s->inpos + len > s->inlen)
		return -1;
	while (len-- > 0)
		if (put(s, s->in[s->inpos++]) == -1)
			return -1;
	return 0;
}

static int
fixed(struct inflate *s)
{
	struct huffman lencode, distcode;
	short lengths[288];
	int i;

	for (i = 0; i < 144; i++)
		lengths[i] = 8;
	for (; i < 256; i++)
		lengths[i] = 9;
	for (; i < 280; i++)
		lengths[i] = 7;
	for (; i < 288; i++)
		lengths[i] = 8;
	construct(&lencode, lengths, 288);
	for (i = 0; i < 30; i++)
		lengths[i] = 5;
	construct(&distcode, lengths, 30);
	return codes(s, &lencode, &distcode);
}

static int
dynamic(struct inflate *s)
{
	static const short order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11,
	    4, 12, 3, 13, 2, 14, 1, 15 };
	struct huffman lencode, distcode;
	short lengths[320];
	int nlen, ndist, ncode, i;

	if ((nlen = getbits(s, 5)) < 0 || (ndist = getbits(s, 5)) < 0 ||
	    (ncode = getbits(s, 4)) < 0)
		return -1;
	nlen += 257;
	ndist += 1;
	ncode += 4;
	if (nlen > 286 || ndist > 30)
		return -1;
	for (i = 0; i < 19; i++) {
		int v = i < ncode ? getbits(s, 3) : 0;

		if (v < 0)
			return -1;
		lengths[order[i]] = (short)v;
	}
	if (construct(&lencode, lengths, 19) == -1)
		return -1;
	for (i = 0; i < nlen + ndist;) {
		int sym, len, rep;

		if ((sym = decode(s, &lencode)) < 0)
			return -1;
		if (sym < 16) {
			lengths[i++] = (short)sym;
			continue;
		}
		len = 0;
		if (sym == 16) {
			if (i == 0)
				return -1;
			len = lengths[i - 1];
			rep = getbits(s, 2);
			rep = rep < 0 ? -1 : 3 + rep;
		} else if (sym == 17) {
			rep = getbits(s, 3);
			rep = rep < 0 ? -1 : 3 + rep;
		} else {
			rep = getbits(s, 7);
			rep = rep < 0 ? -1 : 11 + rep;
		}
		if (rep < 0 || i + rep > nlen + ndist)
			return -1;
		while (rep-- > 0)
			lengths[i++] = (short)len;
	}
	if (construct(&lencode, lengths, nlen) == -1 ||
	    construct(&distcode, lengths + nlen, ndist) == -1)
		return -1;
	return codes(s, &lencode, &distcode);
}

/* A zlib stream (RFC 1950/1951) into out, which must fit it exactly. */
static int
zinflate(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen)
{
	struct inflate s;
	int last;

	if (inlen < 2 || (in[0] & 0x0f) != 8 ||
	    ((unsigned)in[0] << 8 | in[1]) % 31 != 0 || (in[1] & 0x20))
		return -1;
	memset(&s, 0, sizeof(s));
	s.in = in + 2;
	s.inlen = inlen - 2;
	s.out = out;
	s.outlen = outlen;
	do {
		int type, r;

		if ((last = getbits(&s, 1)) < 0 || (type = getbits(&s, 2)) < 0)
			return -1;
		r = type == 0 ? stored(&s) : type == 1 ? fixed(&s) :
		    type == 2 ? dynamic(&s) : -1;
		if (r == -1)
			return -1;
	} while (!last);
	return s.outpos == outlen ? 0 : -1;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int
paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

static int
fail(const char *path, const char *why)
{
	fprintf(stderr, "pngstat: %s: %s\n", path, why);
	return 1;
}

int
main(int argc, char **argv)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
	    '\n' };
	const char *path;
	FILE *f;
	uint8_t *file = NULL, *idat = NULL, *raw, *seen, plte[768];
	size_t flen = 0, cap = 0, ilen = 0, pos, stride, x, y;
	uint32_t w = 0, h = 0;
	int depth = 0, ctype = -1, bpp, i, nplte = 0;
	unsigned long nonwhite = 0, colours = 0;
	unsigned long near[64] = { 0 };
	unsigned want[64][3];
	int nwant = argc - 2;

	if (argc < 2 || nwant > 64) {
		fprintf(stderr, "usage: pngstat FILE [RRGGBB]...\n");
		return 2;
	}
	path = argv[1];
	for (i = 0; i < nwant; i++) {
		unsigned long v;
		char *end;

		v = strtoul(argv[i + 2], &end, 16);
		if (*end != '\0' || strlen(argv[i + 2]) != 6)
			return fail(argv[i + 2], "not a colour RRGGBB");
		want[i][0] = (unsigned)(v >> 16) & 0xff;
		want[i][1] = (unsigned)(v >> 8) & 0xff;
		want[i][2] = (unsigned)v & 0xff;
	}
	if ((f = fopen(path, "rb")) == NULL)
		return fail(path, "cannot open");
	for (;;) {
		uint8_t *more;
		size_t n;

		if (flen == cap) {
			if ((more = realloc(file, cap * 2 + 65536)) == NULL)
				return fail(path, "out of memory");
			file = more;
			cap = cap * 2 + 65536;
		}
		if ((n = fread(file + flen, 1, cap - flen, f)) == 0)
			break;
		flen += n;
	}
	fclose(f);
	if (flen < 8 || memcmp(file, sig, 8) != 0)
		return fail(path, "not a PNG");
	/* The chunks: IHDR first, the image data, PLTE for a palette. */
	for (pos = 8; pos + 12 <= flen;) {
		uint32_t clen = be32(file + pos);
		const uint8_t *type = file + pos + 4, *data = file + pos + 8;

		if (clen > flen - pos - 12)
			return fail(path, "truncated chunk");
		if (memcmp(type, "IHDR", 4) == 0 && clen >= 13) {
			w = be32(data);
			h = be32(data + 4);
			depth = data[8];
			ctype = data[9];
			if (data[12] != 0)
				return fail(path, "interlaced");
		} else if (memcmp(type, "PLTE", 4) == 0 && clen <= 768) {
			memcpy(plte, data, clen);
			nplte = (int)(clen / 3);
		} else if (memcmp(type, "IDAT", 4) == 0) {
			uint8_t *more = realloc(idat, ilen + clen + 1);

			if (more == NULL)
				return fail(path, "out of memory");
			idat = more;
			memcpy(idat + ilen, data, clen);
			ilen += clen;
		} else if (memcmp(type, "IEND", 4) == 0)
			break;
		pos += 12 + (size_t)clen;
	}
	if (depth != 8 || (ctype != 2 && ctype != 6 && ctype != 3 &&
	    ctype != 0))
		return fail(path, "not an 8-bit grey, RGB, RGBA or palette PNG");
	if (w == 0 || h == 0 || w > 20000 || h > 20000 || idat == NULL)
		return fail(path, "no image");
	bpp = ctype == 6 ? 4 : ctype == 2 ? 3 : 1;
	stride = (size_t)w * (size_t)bpp;
	if ((raw = malloc((stride + 1) * h)) == NULL ||
	    (seen = calloc(1 << 21, 1)) == NULL)
		return fail(path, "out of memory");
	if (zinflate(idat, ilen, raw, (stride + 1) * h) == -1)
		return fail(path, "bad image data");
	/* Undo each row's filter, in place: the row above is done already. */
	for (y = 0; y < h; y++) {
		uint8_t *row = raw + y * (stride + 1) + 1;
		const uint8_t *up = y ? row - (stride + 1) : NULL;
		int filter = row[-1];

		for (x = 0; x < stride; x++) {
			int a = x >= (size_t)bpp ? row[x - (size_t)bpp] : 0;
			int b = up ? up[x] : 0;
			int c = up && x >= (size_t)bpp ? up[x - (size_t)bpp] : 0;

			switch (filter) {
			case 0: break;
			case 1: row[x] = (uint8_t)(row[x] + a); break;
			case 2: row[x] = (uint8_t)(row[x] + b); break;
			case 3: row[x] = (uint8_t)(row[x] + (a + b) / 2); break;
			case 4: row[x] = (uint8_t)(row[x] + paeth(a, b, c));
				break;
			default:
				return fail(path, "bad row filter");
			}
		}
		for (x = 0; x < w; x++) {
			const uint8_t *p = row + x * (size_t)bpp;
			unsigned r, g, bl;
			uint32_t rgb;

			if (ctype == 3) {
				if (p[0] >= nplte)
					return fail(path, "bad palette index");
				r = plte[3 * p[0]];
				g = plte[3 * p[0] + 1];
				bl = plte[3 * p[0] + 2];
			} else if (ctype == 0)
				r = g = bl = p[0];
			else {
				r = p[0];
				g = p[1];
				bl = p[2];
			}
			/* Transparent is white: what a page behind it shows. */
			if (ctype == 6 && p[3] == 0)
				r = g = bl = 255;
			nonwhite += r < 245 || g < 245 || bl < 245;
			rgb = r << 16 | g << 8 | bl;
			if (!(seen[rgb >> 3] & (1u << (rgb & 7)))) {
				seen[rgb >> 3] |= (uint8_t)(1u << (rgb & 7));
				colours++;
			}
			for (i = 0; i < nwant; i++)
				near[i] += abs((int)r - (int)want[i][0]) <= NEAR &&
				    abs((int)g - (int)want[i][1]) <= NEAR &&
				    abs((int)bl - (int)want[i][2]) <= NEAR;
		}
	}
	printf("size %lu %lu\nnonwhite %lu\ncolours %lu\n", (unsigned long)w,
	    (unsigned long)h, nonwhite, colours);
	for (i = 0; i < nwant; i++)
		printf("%s %lu\n", argv[i + 2], near[i]);
	free(seen);
	free(raw);
	free(idat);
	free(file);
	return 0;
}
