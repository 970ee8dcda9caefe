/*
 * legsim: simulate a night of ankle- or mattress-mounted accelerometer
 * data with a known truth, for the accuracy tests of legwatchd.
 *
 * The night is planned first.  Each activity (PLM series, isolated leg
 * movement, twitch, turn, cramp, toilet trip, sensor dropout) becomes a
 * block: a list of phases with durations in whole milliseconds.  The blocks
 * are shuffled and laid out with quiet between them.  Then, in time order,
 * every phase is expanded into at most one motion primitive ("prim": a
 * change of sensor orientation plus an acceleration signal under an
 * envelope) and the truth items are noted.  Last, one pass over the sample
 * grid renders what the sensor reads: the gravity reaction of the current
 * orientation, the motion of the prim in force, breathing (mattress), noise
 * and quantisation to 1/4096 g.
 *
 * Everything random comes from xoshiro256** streams seeded from --seed, one
 * stream per purpose, so the same seed and options give byte-identical
 * files and asking for a temperature file does not change the recording.
 */

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EX_USAGE	64

#define DEG		(M_PI / 180.0)
#define LSB_PER_G	4096.0	/* a 16-bit part at +-8 g */
#define NSINE		4	/* sinusoids per axis of a motion signal */

/*
 * Layout, in ms.  The night opens with a minute of quiet for detectors
 * to learn the noise floor.  Gaps between consecutive truth CLMs keep
 * RULE_GUARD_MS away from 10 s and 90 s so that detection jitter cannot
 * flip a rule; a block that would break this moves BUMP_MS later, paid
 * for by BUMP_RESERVE_MS of free time held back per block.
 */
#define LEAD_IN_MS	60000
#define LEAD_OUT_MS	30000
#define RULE_GUARD_MS	700
#define BUMP_MS		1500
#define BUMP_RESERVE_MS	2000
#define CRAMP_SERIES_MS	120000	/* cramps keep this far from PLM series */
#define SIT_LEAD_MS	30000	/* sitting up, then the test's hour starts */
#define SIT_MS		3600000
#define SIT_ALIGN_MS	60000	/* the hour starts on a whole minute */

enum stream { STREAM_PLAN = 1, STREAM_NOISE, STREAM_TEMP };

/* Random numbers: xoshiro256** seeded through splitmix64. */

struct rng {
	uint64_t	s[4];
	int		have_spare;
	double		spare;
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed, enum stream stream)
{
	uint64_t x;
	int i;

	x = seed ^ ((uint64_t)stream * 0xd1342543de82ef95ULL);
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	r->have_spare = 0;
	r->spare = 0;
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s, result, t;

	result = rotl(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1), 53 bits. */
static double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static double
rng_uniform(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unit(r);
}

/* Log-uniform: spreads scale-like quantities evenly over their decades. */
static double
rng_loguniform(struct rng *r, double lo, double hi)
{
	return exp(rng_uniform(r, log(lo), log(hi)));
}

/* Uniform integer in [lo, hi]. */
static int
rng_int(struct rng *r, int lo, int hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int)(rng_unit(r) * (hi - lo + 1));
}

static int
rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

static double
rng_sign(struct rng *r)
{
	return rng_chance(r, 0.5) ? 1.0 : -1.0;
}

/* Standard normal by Box-Muller; the second value is kept for next time. */
static double
rng_gauss(struct rng *r)
{
	double u1, u2, mag;

	if (r->have_spare) {
		r->have_spare = 0;
		return r->spare;
	}
	u1 = 1.0 - rng_unit(r);		/* (0, 1]: log() stays finite */
	u2 = rng_unit(r);
	mag = sqrt(-2.0 * log(u1));
	r->spare = mag * sin(2 * M_PI * u2);
	r->have_spare = 1;
	return mag * cos(2 * M_PI * u2);
}

static double
clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

static int64_t
ms_of(double seconds)
{
	return llround(seconds * 1000.0);
}

static void *
grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;

	if (n < *cap)
		return v;
	for (ncap = *cap ? *cap : 64; ncap <= n; ncap *= 2)
		;
	if ((v = reallocarray(v, ncap, size)) == NULL) {
		perror("legsim");
		exit(1);
	}
	*cap = ncap;
	return v;
}

/* What a night holds: per-profile ranges of activity counts. */

enum count {
	C_SERIES, C_LMS, C_TWITCHES, C_TURNS, C_LONG_TURNS, C_CRAMPS,
	C_TOILETS, C_DROPOUTS, NCOUNT
};

struct range {
	int	lo, hi;
};

struct profile {
	const char	*name;
	struct range	 count[NCOUNT];	/* per 8 h, except cramps: per night */
	struct range	 series_len;	/* leg movements in one PLM series */
	double		 noise_lo, noise_hi;
	int		 artefacts;	/* single-sample spikes, offset drift */
};

/*
 * Per profile: activity counts for an 8 h night (scaled to --hours, at
 * least 1 where the range starts at 1; cramps are per night, unscaled),
 * movements per PLM series, the range of the default noise (g, drawn
 * log-uniform) and whether spikes and drift are added.
 */
static const struct profile profiles[] = {
	/*  series  lms     twitch  turns   long   cramps toilet drop */
	{ "default",
	  { {0,5}, {5,40}, {5,60}, {6,20}, {0,4}, {0,2}, {0,2}, {0,2} },
	  {4,40}, 0.001, 0.02, 0 },
	{ "quiet",
	  { {0,1}, {2,10}, {2,15}, {3,10}, {0,2}, {0,0}, {0,1}, {0,1} },
	  {4,8}, 0.001, 0.02, 0 },
	{ "rls",
	  { {5,10}, {10,40}, {10,80}, {5,15}, {0,3}, {0,0}, {0,2}, {0,2} },
	  {25,80}, 0.001, 0.02, 0 },
	{ "cramps",
	  { {0,2}, {5,20}, {5,30}, {5,15}, {0,3}, {2,4}, {0,1}, {0,2} },
	  {4,15}, 0.001, 0.02, 0 },
	{ "mixed",
	  { {2,6}, {10,40}, {10,60}, {6,20}, {1,5}, {1,2}, {1,2}, {1,3} },
	  {4,60}, 0.001, 0.02, 0 },
	{ "restless-cramps",
	  { {4,8}, {10,40}, {10,60}, {5,15}, {0,3}, {2,3}, {0,1}, {0,2} },
	  {10,60}, 0.001, 0.02, 0 },
	{ "noisy",
	  { {2,6}, {10,40}, {10,60}, {6,20}, {1,5}, {1,2}, {1,2}, {1,3} },
	  {4,60}, 0.008, 0.02, 1 },
};

enum mount { MOUNT_ANKLE, MOUNT_MATTRESS };

static const char *const mount_names[] = { "ankle", "mattress" };

struct options {
	uint64_t		 seed;
	const char		*out_path, *truth_path, *temp_path;
	double			 hours, start;
	double			 noise;		/* < 0: from the seed */
	int			 rate;
	enum mount		 mount;
	const struct profile	*profile;
	int			 count[NCOUNT];		/* < 0: from seed */
	int			 axis;		/* 0-2 x y z: along the shin */
	int			 axis_sign;
	double			 drift;		/* g per hour, at most */
	int			 loose;		/* a loose strap */
	int			 sit;		/* a SIT hour */
	const char		*out2_path;	/* the other leg: two legs */
};

/* The plan: blocks of phases. */

enum phase_kind {
	PH_GAP, PH_LM, PH_TWITCH, PH_TURN, PH_CONTRACT, PH_HOLD, PH_STRETCH,
	PH_GETUP, PH_WALK, PH_STAND, PH_LIEDOWN, PH_DROPOUT, PH_SITUP
};

/* Which legs a phase moves: both, or one of two. */
enum side { SIDE_BOTH, SIDE_FIRST, SIDE_SECOND };

struct phase {
	enum phase_kind	kind;
	int64_t		dur_ms;
	int		weak;		/* PH_LM: a weak movement */
	enum side	side;
	int64_t		lag_ms;		/* both: the second leg starts later */
};

enum block_kind {
	BK_SERIES, BK_LM, BK_TWITCH, BK_TURN, BK_LONG_TURN, BK_CRAMP,
	BK_TOILET, BK_DROPOUT, BK_SIT
};

/* Lower drops first when a night is too short for everything asked. */
static const int block_priority[] = {
	[BK_TWITCH] = 0, [BK_LM] = 1, [BK_TURN] = 2, [BK_DROPOUT] = 3,
	[BK_LONG_TURN] = 4, [BK_TOILET] = 5, [BK_SERIES] = 6, [BK_CRAMP] = 7,
	[BK_SIT] = 8,
};

struct block {
	enum block_kind	 kind;
	struct phase	*phase;
	size_t		 nphase, phase_cap;
	int64_t		 start_ms, dur_ms, margin_ms;
	double		 amp_scale;	/* leg movement strength */
	double		 sign;		/* leg movement direction */
};

/* Rendering: poses and motion primitives. */

struct pose {
	double	pitch, roll;		/* degrees */
};

struct sines {
	double	amp[NSINE];		/* peak of each sinusoid */
	double	omega[NSINE];		/* rad/s */
	double	phase[NSINE];
};

struct prim {
	double		t0, t1;		/* s from the start of the night */
	struct pose	from, to;	/* resting pose before and after */
	double		tr0, tr1;	/* from -> to, s after t0 */
	double		ramp_in, ramp_out;	/* envelope edges, s */
	struct pose	bulge;		/* pose excursion at full envelope */
	struct sines	accel[3];	/* linear acceleration, g */
	struct sines	wobble[2];	/* pitch and roll wobble, degrees */
	double		irregular;	/* depth of slow amplitude modulation */
	double		mod_w1, mod_w2, mod_phase;
	int		bed_during, bed_after;	/* mattress: someone in bed */
};

enum truth_kind { T_LM, T_TWITCH, T_BODY, T_CRAMP, T_DROPOUT, T_SIT };

static const char *const truth_names[] = {
	"lm", "twitch", "body", "cramp", "dropout", "sit"
};

struct truth {
	enum truth_kind	 kind;
	int64_t		 start_ms, end_ms, hold_end_ms;	/* from night start */
	const char	*what;
	int		 leg;
};

struct dropout {
	int64_t		k0, k1;		/* samples [k0, k1) are missing */
};

enum posture { SUPINE, LEFT, RIGHT, PRONE, NPOSTURE };

static const double posture_roll[NPOSTURE] = { 0, 85, -85, 180 };

/* The person and the sensor as the plan unfolds in time. */
struct body {
	enum posture	posture;
	struct pose	base;		/* the posture's, unsettled */
	struct pose	leg;		/* ankle sensor */
	struct pose	mat_empty;	/* mattress sensor, nobody in bed */
	struct pose	mat_load;	/* tilt a lying person adds to it */
	int		in_bed;
};

struct night {
	uint64_t		 seed;
	const struct profile	*profile;
	enum mount		 mount;
	int			 rate;
	double			 noise;
	int64_t			 start_ms, len_ms, nsamples;
	double			 max_hz;	/* highest motion frequency */
	struct pose		 first_pose;
	double			 breath_amp, breath_hz, breath_phase;
	double			 drift[3];	/* g over the night */
	double			 drift_h[3];	/* g per hour, steady */
	double			 spike_mean_s;	/* 0: no spikes */
	int			 axis, axis_sign;
	double			 loose_deg;	/* strap wobble, 0: tight */
};

struct sim {
	struct rng	 rng;
	struct night	 night;
	struct body	 body;
	struct block	*block;
	size_t		 nblock, block_cap;
	struct prim	*prim;
	size_t		 nprim, prim_cap;
	struct truth	*truth;
	size_t		 ntruth, truth_cap;
	struct dropout	*drop;
	size_t		 ndrop, drop_cap;
	int		 ndropped;	/* blocks that did not fit */
	int		 leg;		/* the leg being emitted: 0, 1 */
	int		 nlegs;
	const char	*sensor[2];	/* the daemon's names for them */
};

/* ---- Command line ---- */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: legsim [--seed N] --out FILE --truth FILE "
	    "[--temp-out FILE]\n"
	    "    [--hours H] [--rate HZ] [--mount ankle|mattress]\n"
	    "    [--noise G] [--start UNIX] [--profile NAME]\n"
	    "    [--plm-series N] [--lms N] [--twitches N] [--turns N]\n"
	    "    [--long-turns N] [--cramps N] [--toilet N] [--dropouts N]\n"
	    "    [--leg-axis [-]x|y|z] [--drift G_PER_H] [--loose] [--sit]\n"
	    "    [--out2 FILE (a second leg)]\n"
	    "profiles:");
	for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
		fprintf(stderr, " %s", profiles[i].name);
	fputc('\n', stderr);
	exit(EX_USAGE);
}

static double
parse_number(const char *s, const char *what, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v >= lo && v <= hi)) {
		fprintf(stderr, "legsim: --%s: '%s' is not a number in "
		    "%g..%g\n", what, s, lo, hi);
		exit(EX_USAGE);
	}
	return v;
}

static int
parse_count(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < 0 || v > 10000) {
		fprintf(stderr, "legsim: --%s: '%s' is not a count in "
		    "0..10000\n", what, s);
		exit(EX_USAGE);
	}
	return (int)v;
}

static uint64_t
parse_seed(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || *s == '-') {
		fprintf(stderr, "legsim: --seed: '%s' is not an unsigned "
		    "integer\n", s);
		exit(EX_USAGE);
	}
	return v;
}

static const struct profile *
find_profile(const char *name)
{
	for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	fprintf(stderr, "legsim: unknown profile '%s'\n", name);
	usage();
	return NULL;
}

static const char *
option_name(const struct option *opts, int val)
{
	for (; opts->name != NULL; opts++)
		if (opts->val == val)
			return opts->name;
	return "?";
}

enum {
	OPT_SEED = 256, OPT_OUT, OPT_TRUTH, OPT_TEMP, OPT_HOURS, OPT_RATE,
	OPT_MOUNT, OPT_NOISE, OPT_START, OPT_PROFILE, OPT_AXIS, OPT_DRIFT,
	OPT_LOOSE, OPT_SIT, OPT_OUT2,
	OPT_N		/* OPT_N + enum count: --plm-series etc. */
};

static void
parse_options(int argc, char *argv[], struct options *o)
{
	static const struct option longopts[] = {
		{ "seed",	required_argument, NULL, OPT_SEED },
		{ "out",	required_argument, NULL, OPT_OUT },
		{ "truth",	required_argument, NULL, OPT_TRUTH },
		{ "temp-out",	required_argument, NULL, OPT_TEMP },
		{ "hours",	required_argument, NULL, OPT_HOURS },
		{ "rate",	required_argument, NULL, OPT_RATE },
		{ "mount",	required_argument, NULL, OPT_MOUNT },
		{ "noise",	required_argument, NULL, OPT_NOISE },
		{ "start",	required_argument, NULL, OPT_START },
		{ "profile",	required_argument, NULL, OPT_PROFILE },
		{ "plm-series",	required_argument, NULL, OPT_N + C_SERIES },
		{ "lms",	required_argument, NULL, OPT_N + C_LMS },
		{ "twitches",	required_argument, NULL, OPT_N + C_TWITCHES },
		{ "turns",	required_argument, NULL, OPT_N + C_TURNS },
		{ "long-turns",	required_argument, NULL, OPT_N + C_LONG_TURNS },
		{ "cramps",	required_argument, NULL, OPT_N + C_CRAMPS },
		{ "toilet",	required_argument, NULL, OPT_N + C_TOILETS },
		{ "dropouts",	required_argument, NULL, OPT_N + C_DROPOUTS },
		{ "leg-axis",	required_argument, NULL, OPT_AXIS },
		{ "drift",	required_argument, NULL, OPT_DRIFT },
		{ "loose",	no_argument,	   NULL, OPT_LOOSE },
		{ "sit",	no_argument,	   NULL, OPT_SIT },
		{ "out2",	required_argument, NULL, OPT_OUT2 },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, i;

	memset(o, 0, sizeof *o);
	o->seed = 1;
	o->hours = 8;
	o->rate = 50;
	o->noise = -1;
	o->start = 1795034700;
	o->profile = &profiles[0];
	o->axis_sign = 1;
	for (i = 0; i < NCOUNT; i++)
		o->count[i] = -1;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SEED:
			o->seed = parse_seed(optarg);
			break;
		case OPT_OUT:
			o->out_path = optarg;
			break;
		case OPT_TRUTH:
			o->truth_path = optarg;
			break;
		case OPT_TEMP:
			o->temp_path = optarg;
			break;
		case OPT_HOURS:
			o->hours = parse_number(optarg, "hours", 0.05, 48);
			break;
		case OPT_RATE:
			o->rate = (int)parse_number(optarg, "rate", 10, 250);
			if (1000 % o->rate != 0) {
				fprintf(stderr, "legsim: --rate: a whole "
				    "number of milliseconds apart: 10, 20, "
				    "25, 40, 50, 100, 125, 200 or 250\n");
				exit(EX_USAGE);
			}
			break;
		case OPT_MOUNT:
			if (strcmp(optarg, "ankle") == 0)
				o->mount = MOUNT_ANKLE;
			else if (strcmp(optarg, "mattress") == 0)
				o->mount = MOUNT_MATTRESS;
			else {
				fprintf(stderr, "legsim: --mount: ankle or "
				    "mattress\n");
				exit(EX_USAGE);
			}
			break;
		case OPT_NOISE:
			o->noise = parse_number(optarg, "noise", 0, 0.5);
			break;
		case OPT_START:
			o->start = parse_number(optarg, "start", 0, 4e9);
			break;
		case OPT_PROFILE:
			o->profile = find_profile(optarg);
			break;
		case OPT_AXIS: {
			const char *a = optarg;

			o->axis_sign = 1;
			if (*a == '-' || *a == '+')
				o->axis_sign = *a++ == '-' ? -1 : 1;
			if (a[0] < 'x' || a[0] > 'z' || a[1] != '\0') {
				fprintf(stderr, "legsim: --leg-axis: x, y, z, "
				    "-x, -y or -z\n");
				exit(EX_USAGE);
			}
			o->axis = a[0] - 'x';
			break;
		}
		case OPT_DRIFT:
			o->drift = parse_number(optarg, "drift", 0, 1);
			break;
		case OPT_LOOSE:
			o->loose = 1;
			break;
		case OPT_SIT:
			o->sit = 1;
			break;
		case OPT_OUT2:
			o->out2_path = optarg;
			break;
		case 'h':
			usage();
			break;
		default:
			if (c >= OPT_N && c < OPT_N + NCOUNT) {
				o->count[c - OPT_N] = parse_count(optarg,
				    option_name(longopts, c));
				break;
			}
			usage();
		}
	}
	if (optind != argc || o->out_path == NULL || o->truth_path == NULL)
		usage();
	if (o->out2_path != NULL && o->mount != MOUNT_ANKLE) {
		fprintf(stderr, "legsim: --out2: two legs need --mount "
		    "ankle\n");
		exit(EX_USAGE);
	}
}

/* ---- Poses ---- */

static double
wrap180(double a)
{
	a = fmod(a + 180.0, 360.0);
	if (a < 0)
		a += 360.0;
	return a - 180.0;
}

/* Gravity reaction in the sensor frame: what a still sensor reads. */
static void
pose_gravity(struct pose p, double g[3])
{
	double cp = cos(p.pitch * DEG);

	g[0] = sin(p.pitch * DEG);
	g[1] = cp * sin(p.roll * DEG);
	g[2] = cp * cos(p.roll * DEG);
}

/* A lying pose of the ankle sensor: posture roll, extra roll, knee bend. */
static struct pose
posture_pose(struct rng *r, enum posture posture)
{
	struct pose q;

	q.roll = posture_roll[posture] + rng_uniform(r, -15, 15);
	/* Mostly the leg stretched out; now and then the knee drawn up. */
	q.pitch = rng_chance(r, 0.75) ? rng_uniform(r, 0, 15) :
	    rng_uniform(r, 15, 40);
	return q;
}

/* Roll is kept unwrapped next to `from` so transitions take the short way. */
static struct pose
pose_near(struct pose to, struct pose from)
{
	to.roll = from.roll + wrap180(to.roll - from.roll);
	return to;
}

static enum posture
random_posture(struct rng *r)
{
	double u = rng_unit(r);

	return u < 0.4 ? SUPINE : u < 0.65 ? LEFT : u < 0.9 ? RIGHT : PRONE;
}

/*
 * Turning over ends in a new posture whose roll differs by at least 60
 * degrees: a new resting orientation is what tells a turn from a leg
 * movement.
 */
static void
body_turn(struct rng *r, struct body *b)
{
	enum posture p;
	struct pose q;
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		p = random_posture(r);
		q = posture_pose(r, p);
		if (fabs(wrap180(q.roll - b->leg.roll)) >= 60)
			break;
	}
	b->posture = p;
	b->base = b->leg = pose_near(q, b->leg);
}

/* Lying down after being up: any posture. */
static void
body_lie_down(struct rng *r, struct body *b)
{
	b->posture = random_posture(r);
	b->base = b->leg = pose_near(posture_pose(r, b->posture), b->leg);
}

/*
 * Shin vertical: x reads about +1 g.  Standing, the front of the shin
 * faces forward (roll near 0), so a stride swings the shin in x and z.
 */
static struct pose
upright_pose(struct rng *r, struct pose from)
{
	struct pose q;

	q.pitch = rng_uniform(r, 82, 90);
	q.roll = rng_uniform(r, -15, 15);
	return pose_near(q, from);
}

/*
 * After a leg movement the leg comes back within 2 degrees of where it
 * was, drawn back towards the posture's pose so long series do not wander.
 */
static struct pose
settle(struct rng *r, struct pose cur, struct pose base)
{
	double dp, dr, n;

	dp = rng_uniform(r, -1.5, 1.5) - 0.3 * (cur.pitch - base.pitch);
	dr = rng_uniform(r, -1.0, 1.0) - 0.3 * (cur.roll - base.roll);
	n = hypot(dp, dr);
	if (n > 1.9) {
		dp *= 1.9 / n;
		dr *= 1.9 / n;
	}
	cur.pitch += dp;
	cur.roll += dr;
	return cur;
}

/* The foot forced into plantar flexion: 20-50 degrees, pitch and/or roll. */
static struct pose
cramp_pose(struct rng *r, struct pose cur)
{
	double a, mode, phi, dp;

	a = rng_uniform(r, 20, 50);
	mode = rng_unit(r);
	if (mode < 0.5)
		phi = 0;
	else if (mode < 0.7)
		phi = 90;
	else
		phi = rng_uniform(r, 20, 70);
	dp = rng_sign(r) * a * cos(phi * DEG);
	/* Lying, the shin does not end up standing: the other way then. */
	if (cur.pitch + dp > 55)
		dp = -dp;
	cur.pitch += dp;
	cur.roll += rng_sign(r) * a * sin(phi * DEG);
	return cur;
}

/* A small tilt in a random direction. */
static struct pose
tilt(struct rng *r, double deg)
{
	struct pose q;
	double dir = rng_uniform(r, 0, 2 * M_PI);

	q.pitch = deg * cos(dir);
	q.roll = deg * sin(dir);
	return q;
}

static struct pose
pose_add(struct pose a, struct pose b)
{
	a.pitch += b.pitch;
	a.roll += b.roll;
	return a;
}

/*
 * A person lying on the mattress tilts the sensor by at most 1.5 degrees
 * on top of the empty bed's 1.5, so the sensor stays within 3 degrees of
 * level; a turn changes that load by at most 2 degrees.
 */
static struct pose
new_mat_load(struct rng *r, struct pose old, double max_step)
{
	for (int tries = 0; tries < 1000; tries++) {
		struct pose q = tilt(r, rng_uniform(r, 0, 1.5));

		if (hypot(q.pitch - old.pitch, q.roll - old.roll) <= max_step)
			return q;
	}
	return old;
}

/* ---- Motion signals ---- */

static double
sines_eval(const struct sines *s, double u)
{
	double v = 0;

	for (int i = 0; i < NSINE; i++)
		if (s->amp[i] != 0)
			v += s->amp[i] * sin(s->omega[i] * u + s->phase[i]);
	return v;
}

static void
sines_set(struct rng *r, struct sines *s, int i, double amp, double hz)
{
	s->amp[i] = amp;
	s->omega[i] = 2 * M_PI * hz;
	s->phase[i] = rng_uniform(r, 0, 2 * M_PI);
}

/*
 * A band-limited signal: NSINE sinusoids in a random sub-band of
 * [lo, hi] Hz whose amplitudes add up to `amp`, so the peak never exceeds
 * it.  The band is capped below the Nyquist frequency of the night.
 */
static void
sines_band(struct rng *r, struct sines *s, double amp, double lo, double hi,
    double max_hz)
{
	double w[NSINE], sum = 0, blo, bhi;
	int i;

	hi = fmin(hi, max_hz);
	lo = fmin(lo, hi);
	blo = rng_uniform(r, lo, lo + (hi - lo) / 2);
	bhi = rng_uniform(r, fmin(blo + 1, hi), hi);
	for (i = 0; i < NSINE; i++)
		sum += w[i] = rng_uniform(r, 0.3, 1);
	for (i = 0; i < NSINE; i++)
		sines_set(r, s, i, amp * w[i] / sum,
		    rng_uniform(r, blo, bhi));
}

/* Vibration on all three axes; the strongest axis peaks at `amp`. */
static void
accel_band(struct rng *r, struct sines acc[3], double amp, double lo,
    double hi, double max_hz, int vertical)
{
	double w[3], wmax = 0;
	int a;

	for (a = 0; a < 3; a++) {
		w[a] = rng_uniform(r, 0.3, 1);
		if (vertical && a != 2)
			w[a] = rng_uniform(r, 0.2, 0.5);
		wmax = fmax(wmax, w[a]);
	}
	if (vertical)
		w[2] = wmax = 1;
	for (a = 0; a < 3; a++)
		sines_band(r, &acc[a], amp * w[a] / wmax, lo, hi, max_hz);
}

static void
set_irregular(struct rng *r, struct prim *p, double depth)
{
	p->irregular = depth;
	p->mod_w1 = 2 * M_PI * rng_uniform(r, 0.1, 0.6);
	p->mod_w2 = 2 * M_PI * rng_uniform(r, 0.05, 0.3);
	p->mod_phase = rng_uniform(r, 0, 2 * M_PI);
}

static double
raised_cos(double x)
{
	return 0.5 - 0.5 * cos(M_PI * x);
}

static double
prim_envelope(const struct prim *p, double u)
{
	double len = p->t1 - p->t0;

	if (u < p->ramp_in)
		return raised_cos(u / p->ramp_in);
	if (u > len - p->ramp_out)
		return raised_cos((len - u) / p->ramp_out);
	return 1;
}

static double
prim_transition(const struct prim *p, double u)
{
	double x;

	if (u <= p->tr0)
		return 0;
	if (u >= p->tr1)
		return 1;
	x = (u - p->tr0) / (p->tr1 - p->tr0);
	return x * x * (3 - 2 * x);
}

/* Sensor reading (without noise) at time t inside the prim. */
static void
prim_eval(const struct prim *p, double t, double out[3])
{
	struct pose q;
	double u = t - p->t0, env, s, mod, g[3];
	int a;

	env = prim_envelope(p, u);
	s = prim_transition(p, u);
	q.pitch = p->from.pitch + (p->to.pitch - p->from.pitch) * s +
	    env * (p->bulge.pitch + sines_eval(&p->wobble[0], u));
	q.roll = p->from.roll + (p->to.roll - p->from.roll) * s +
	    env * (p->bulge.roll + sines_eval(&p->wobble[1], u));
	pose_gravity(q, g);
	mod = 1 - p->irregular * (0.5 + 0.5 *
	    sin(p->mod_w1 * u + p->mod_phase) * sin(p->mod_w2 * u + 1));
	for (a = 0; a < 3; a++)
		out[a] = g[a] + env * mod * sines_eval(&p->accel[a], u);
}

/* ---- Building the plan's output: prims and truth ---- */

static struct pose
mat_pose(const struct body *b)
{
	return b->in_bed ? pose_add(b->mat_empty, b->mat_load) : b->mat_empty;
}

static struct pose
current_pose(const struct sim *s)
{
	if (s->night.mount == MOUNT_ANKLE)
		return s->body.leg;
	return mat_pose(&s->body);
}

/* A prim that starts and ends in the current pose; callers refine it. */
static struct prim *
prim_push(struct sim *s, int64_t t_ms, int64_t dur_ms)
{
	struct prim *p;

	s->prim = grow(s->prim, &s->prim_cap, s->nprim, sizeof *s->prim);
	p = &s->prim[s->nprim++];
	memset(p, 0, sizeof *p);
	p->t0 = t_ms / 1000.0;
	p->t1 = (t_ms + dur_ms) / 1000.0;
	p->from = p->to = current_pose(s);
	p->tr0 = 0;
	p->tr1 = p->t1 - p->t0;
	p->bed_during = p->bed_after = s->body.in_bed;
	if (s->night.loose_deg > 0 && s->night.mount == MOUNT_ANKLE) {
		/* The sensor rocks on a loose strap while the leg moves. */
		struct rng *r = &s->rng;

		sines_set(r, &p->wobble[0], 3, s->night.loose_deg *
		    rng_uniform(r, 0.5, 1), fmin(rng_uniform(r, 3, 7),
		    s->night.max_hz));
		sines_set(r, &p->wobble[1], 3, s->night.loose_deg *
		    rng_uniform(r, 0.3, 0.8), fmin(rng_uniform(r, 3, 7),
		    s->night.max_hz));
	}
	return p;
}

static void
truth_push(struct sim *s, enum truth_kind kind, int64_t start, int64_t end,
    const char *what)
{
	struct truth *t;

	s->truth = grow(s->truth, &s->truth_cap, s->ntruth, sizeof *s->truth);
	t = &s->truth[s->ntruth++];
	t->kind = kind;
	t->start_ms = start;
	t->end_ms = end;
	t->hold_end_ms = 0;
	t->what = what;
	t->leg = s->leg;
}

/*
 * Large irregular motion: turning over, stretching, getting up, lying
 * down.  Callers first move the body to where the motion ends; the prim
 * goes from `from` (the pose before) to that pose.  The pose wobbles on
 * the way and the acceleration swells and fades at random.  On the
 * mattress someone is in bed during such a motion, breathing.
 */
static void
big_move(struct sim *s, int64_t t_ms, int64_t dur_ms, struct pose from)
{
	struct rng *r = &s->rng;
	struct prim *p;
	double dur = dur_ms / 1000.0, amp, wobble_deg;
	int ankle = s->night.mount == MOUNT_ANKLE;

	amp = ankle ? rng_uniform(r, 0.1, 0.5) : rng_uniform(r, 0.05, 0.3);
	wobble_deg = ankle ? rng_uniform(r, 3, 20) : rng_uniform(r, 0.1, 0.5);
	p = prim_push(s, t_ms, dur_ms);
	p->from = from;
	p->to = pose_near(current_pose(s), from);
	p->bed_during = 1;
	p->ramp_in = p->ramp_out = fmin(0.3, dur / 4);
	p->tr0 = dur * rng_uniform(r, 0.05, 0.2);
	p->tr1 = dur * rng_uniform(r, 0.8, 0.95);
	accel_band(r, p->accel, amp, 0.5, 6, s->night.max_hz, !ankle);
	for (int i = 0; i < 2; i++) {
		sines_set(r, &p->wobble[i], 0,
		    wobble_deg * rng_uniform(r, 0.3, 0.7),
		    rng_uniform(r, 0.2, 0.8));
		sines_set(r, &p->wobble[i], 1,
		    wobble_deg * rng_uniform(r, 0.1, 0.3),
		    rng_uniform(r, 0.8, 1.5));
	}
	set_irregular(r, p, rng_uniform(r, 0.3, 0.6));
}

/*
 * A leg movement: the shin rotates in pitch (rise, hold, return) with
 * vibration under the same envelope.  On the mattress only an attenuated
 * vibration and a tiny tilt arrive.
 */
static void
emit_lm(struct sim *s, const struct block *b, const struct phase *ph,
    int64_t t_ms)
{
	struct rng *r = &s->rng;
	struct prim *p;
	double dur = ph->dur_ms / 1000.0, vib;
	int mattress = s->night.mount == MOUNT_MATTRESS;

	p = prim_push(s, t_ms, ph->dur_ms);
	p->ramp_in = rng_uniform(r, 0.15, fmin(1, 0.4 * dur));
	p->ramp_out = rng_uniform(r, 0.15, fmin(1, 0.4 * dur));
	if (!mattress) {
		double rot = ph->weak ? rng_uniform(r, 3, 6) :
		    clamp(rng_uniform(r, 5, 35) * b->amp_scale, 3, 35);
		vib = ph->weak ? rng_uniform(r, 0.01, 0.02) :
		    clamp(rng_uniform(r, 0.01, 0.1) * b->amp_scale, 0.01, 0.1);
		/* Mostly the series' direction, now and then the other. */
		p->bulge.pitch = rng_chance(r, 0.85) ? b->sign * rot :
		    -b->sign * rot;
		p->bulge.roll = rot * rng_uniform(r, -0.2, 0.2);
		p->to = settle(r, s->body.leg, s->body.base);
		p->tr0 = dur - p->ramp_out;
		s->body.leg = p->to;
	} else {
		vib = ph->weak ? rng_uniform(r, 0.004, 0.008) :
		    clamp(rng_uniform(r, 0.004, 0.03) * b->amp_scale,
		    0.004, 0.03);
		p->bulge = tilt(r, rng_uniform(r, 0.05, 0.3));
	}
	accel_band(r, p->accel, vib, 1, 8, s->night.max_hz, mattress);
	/* A movement the cramp seizes in the middle of is part of it. */
	if (b->kind != BK_CRAMP)
		truth_push(s, T_LM, t_ms, t_ms + ph->dur_ms, NULL);
}

/* A twitch: a brief jerk, too short for the scoring rules. */
static void
emit_twitch(struct sim *s, const struct phase *ph, int64_t t_ms)
{
	struct rng *r = &s->rng;
	struct prim *p;
	double dur = ph->dur_ms / 1000.0;

	p = prim_push(s, t_ms, ph->dur_ms);
	p->ramp_in = p->ramp_out = dur / 2;
	if (s->night.mount == MOUNT_ANKLE) {
		p->bulge = tilt(r, rng_uniform(r, 0.5, 2));
		accel_band(r, p->accel, rng_uniform(r, 0.02, 0.1), 3, 10,
		    s->night.max_hz, 0);
	} else
		accel_band(r, p->accel, rng_uniform(r, 0.003, 0.015), 3, 10,
		    s->night.max_hz, 1);
	truth_push(s, T_TWITCH, t_ms, t_ms + ph->dur_ms, NULL);
}

static int
leg_moves(const struct sim *s, const struct block *b, enum phase_kind kind)
{
	for (size_t i = 0; i < b->nphase; i++)
		if (b->phase[i].kind == kind)
			return b->phase[i].side == SIDE_BOTH ||
			    (int)b->phase[i].side == s->leg + 1;
	return 0;
}

static void
emit_turn(struct sim *s, const struct block *b, const struct phase *ph,
    int64_t t_ms)
{
	struct rng *r = &s->rng;
	struct pose from = current_pose(s);

	body_turn(r, &s->body);
	s->body.mat_load = new_mat_load(r, s->body.mat_load, 2);
	big_move(s, t_ms, ph->dur_ms, from);
	/*
	 * WASM 2016 goes by duration: a short turn is a leg movement; on
	 * the leg a cramp seizes as it turns, part of the cramp.
	 */
	if (b->kind != BK_CRAMP || !leg_moves(s, b, PH_HOLD))
		truth_push(s, b->kind == BK_LONG_TURN ? T_BODY : T_LM, t_ms,
		    t_ms + ph->dur_ms, b->kind == BK_LONG_TURN ? "long_turn" :
		    "turn");
}

/* The cramp's onset: a sudden rotation within a fraction of a second. */
static void
emit_contract(struct sim *s, const struct phase *ph, int64_t t_ms)
{
	struct rng *r = &s->rng;
	struct prim *p;
	double dur = ph->dur_ms / 1000.0;

	p = prim_push(s, t_ms, ph->dur_ms);
	p->ramp_in = fmin(0.05, dur / 4);
	p->ramp_out = dur / 3;
	if (s->night.mount == MOUNT_ANKLE) {
		p->to = s->body.leg = cramp_pose(r, s->body.leg);
		accel_band(r, p->accel, rng_uniform(r, 0.03, 0.15), 2, 10,
		    s->night.max_hz, 0);
	} else
		accel_band(r, p->accel, rng_uniform(r, 0.005, 0.03), 2, 10,
		    s->night.max_hz, 1);
}

/* The held contraction: fine tremor and a slow wobble under 3 degrees. */
static void
emit_hold(struct sim *s, const struct phase *ph, int64_t t_ms)
{
	struct rng *r = &s->rng;
	struct prim *p;
	double dur = ph->dur_ms / 1000.0, hz, amp, w[3];
	int a, ankle = s->night.mount == MOUNT_ANKLE;

	p = prim_push(s, t_ms, ph->dur_ms);
	p->ramp_in = 0.2;
	p->ramp_out = fmin(1, dur / 4);
	hz = fmin(rng_uniform(r, 5, 10), s->night.max_hz);
	amp = ankle ? rng_uniform(r, 0.01, 0.05) : rng_uniform(r, 0.003, 0.01);
	for (a = 0; a < 3; a++)
		w[a] = ankle ? rng_uniform(r, 0.4, 1) :
		    a == 2 ? 1 : rng_uniform(r, 0.2, 0.5);
	for (a = 0; a < 3; a++) {
		/* Two close frequencies beat: tremor is not a pure tone. */
		sines_set(r, &p->accel[a], 0, amp * w[a] * 0.7, hz);
		sines_set(r, &p->accel[a], 1, amp * w[a] * 0.3,
		    fmin(hz + rng_uniform(r, 0.2, 0.8), s->night.max_hz));
	}
	if (ankle) {
		double wob = rng_uniform(r, 0.5, 2.8);
		double dir = rng_uniform(r, 0, M_PI / 2);

		sines_set(r, &p->wobble[0], 0, wob * cos(dir),
		    rng_uniform(r, 0.05, 0.3));
		sines_set(r, &p->wobble[1], 0, wob * sin(dir),
		    rng_uniform(r, 0.05, 0.3));
	}
	set_irregular(r, p, rng_uniform(r, 0.1, 0.4));
}

/*
 * Stretching and massaging after the hold.  It ends upright when the
 * person stands up next, else lying in the same or a new posture.
 */
static void
emit_stretch(struct sim *s, const struct phase *ph, int64_t t_ms,
    int stands_next)
{
	struct rng *r = &s->rng;
	struct pose from = current_pose(s);

	if (stands_next) {
		s->body.leg = upright_pose(r, s->body.leg);
		s->body.in_bed = 0;
	} else {
		if (rng_chance(r, 0.5))
			body_turn(r, &s->body);
		else
			s->body.base = s->body.leg = pose_near(posture_pose(r,
			    s->body.posture), s->body.leg);
		s->body.mat_load = new_mat_load(r, s->body.mat_load, 2);
	}
	big_move(s, t_ms, ph->dur_ms, from);
}

static void
emit_get_up(struct sim *s, const struct phase *ph, int64_t t_ms)
{
	struct pose from = current_pose(s);

	s->body.leg = upright_pose(&s->rng, s->body.leg);
	s->body.in_bed = 0;
	big_move(s, t_ms, ph->dur_ms, from);
}

static void
emit_lie_down(struct sim *s, const struct phase *ph, int64_t t_ms)
{
	struct rng *r = &s->rng;
	struct pose from = current_pose(s);

	body_lie_down(r, &s->body);
	s->body.in_bed = 1;
	s->body.mat_load = new_mat_load(r, s->body.mat_load, 3);
	big_move(s, t_ms, ph->dur_ms, from);
}

/*
 * Walking, shin near vertical: steps at 1.5-2.3 Hz with harmonics on the
 * long axis, the stride (half the step rate) forward, and the shin
 * swinging in pitch.  The mattress sees nothing of it.
 */
static void
emit_walk(struct sim *s, const struct phase *ph, int64_t t_ms)
{
	struct rng *r = &s->rng;
	struct prim *p;
	double dur = ph->dur_ms / 1000.0, f, peak;

	if (s->night.mount == MOUNT_MATTRESS)
		return;
	p = prim_push(s, t_ms, ph->dur_ms);
	p->ramp_in = p->ramp_out = fmin(0.8, dur / 4);
	f = rng_uniform(r, 1.5, 2.3);
	peak = rng_uniform(r, 0.3, 1.0);
	sines_set(r, &p->accel[0], 0, 0.5 * peak, f);
	sines_set(r, &p->accel[0], 1, 0.3 * peak, 2 * f);
	sines_set(r, &p->accel[0], 2, 0.2 * peak, 3 * f);
	sines_set(r, &p->accel[2], 0, 0.4 * peak, f / 2);
	sines_set(r, &p->accel[2], 1, 0.25 * peak, f);
	sines_set(r, &p->accel[2], 2, 0.15 * peak, 1.5 * f);
	sines_set(r, &p->accel[1], 0, 0.15 * peak, f / 2);
	sines_set(r, &p->accel[1], 1, 0.1 * peak, f);
	sines_set(r, &p->wobble[0], 0, rng_uniform(r, 10, 25), f / 2);
	sines_set(r, &p->wobble[1], 0, rng_uniform(r, 2, 5), f / 2);
	set_irregular(r, p, rng_uniform(r, 0.05, 0.2));
}

/*
 * Sitting up in bed for the immobilization test: the legs stay
 * outstretched, the shin near horizontal with the kneecap up.
 */
static void
emit_sit_up(struct sim *s, const struct phase *ph, int64_t t_ms)
{
	struct rng *r = &s->rng;
	struct pose from = current_pose(s), q;

	q.pitch = rng_uniform(r, 0, 10);
	q.roll = rng_uniform(r, -10, 10);
	s->body.posture = SUPINE;
	s->body.base = s->body.leg = pose_near(q, s->body.leg);
	s->body.mat_load = new_mat_load(r, s->body.mat_load, 2);
	big_move(s, t_ms, ph->dur_ms, from);
	truth_push(s, T_LM, t_ms, t_ms + ph->dur_ms, "sit_up");
	if (s->leg == 0)
		truth_push(s, T_SIT, t_ms + SIT_LEAD_MS, t_ms + SIT_LEAD_MS +
		    SIT_MS, NULL);
}

static void
emit_dropout(struct sim *s, const struct phase *ph, int64_t t_ms)
{
	struct dropout *d;
	int64_t step = 1000 / s->night.rate, k0, k1;

	/* Align to the sample grid so the truth names real sample times. */
	k0 = (t_ms + step - 1) / step;
	k1 = k0 + ph->dur_ms / step;
	s->drop = grow(s->drop, &s->drop_cap, s->ndrop, sizeof *s->drop);
	d = &s->drop[s->ndrop++];
	d->k0 = k0;
	d->k1 = k1;
	truth_push(s, T_DROPOUT, k0 * step, k1 * step, NULL);
}


static int
block_has(const struct block *b, enum phase_kind kind)
{
	for (size_t i = 0; i < b->nphase; i++)
		if (b->phase[i].kind == kind)
			return 1;
	return 0;
}

static void
emit_phase(struct sim *s, const struct block *b, size_t i, int64_t t_ms)
{
	const struct phase *ph = &b->phase[i];
	struct phase lagged;

	if ((ph->side == SIDE_FIRST && s->leg != 0) ||
	    (ph->side == SIDE_SECOND && s->leg != 1))
		return;		/* the other leg's: this one lies still */
	if (s->leg == 1 && ph->lag_ms > 0) {
		lagged = *ph;
		lagged.dur_ms -= ph->lag_ms;
		t_ms += ph->lag_ms;
		ph = &lagged;
	}
	switch (ph->kind) {
	case PH_GAP:
	case PH_STAND:
		break;		/* quiet: the pose holds, only noise */
	case PH_LM:
		emit_lm(s, b, ph, t_ms);
		break;
	case PH_TWITCH:
		emit_twitch(s, ph, t_ms);
		break;
	case PH_TURN:
		emit_turn(s, b, ph, t_ms);
		break;
	case PH_CONTRACT:
		emit_contract(s, ph, t_ms);
		break;
	case PH_HOLD:
		emit_hold(s, ph, t_ms);
		break;
	case PH_STRETCH:
		emit_stretch(s, ph, t_ms, block_has(b, PH_WALK));
		break;
	case PH_GETUP:
		emit_get_up(s, ph, t_ms);
		break;
	case PH_WALK:
		emit_walk(s, ph, t_ms);
		break;
	case PH_LIEDOWN:
		emit_lie_down(s, ph, t_ms);
		break;
	case PH_DROPOUT:
		emit_dropout(s, ph, t_ms);
		break;
	case PH_SITUP:
		emit_sit_up(s, ph, t_ms);
		break;
	}
}

/*
 * A mattress cannot tell out of bed from in it: getting in or out is a
 * movement like any other, a leg movement by the rules when it lasts
 * 0.5-10 s.
 */
static enum truth_kind
by_duration(int64_t start_ms, int64_t end_ms)
{
	return end_ms - start_ms <= 10000 ? T_LM : T_BODY;
}

/*
 * Truth for cramps and toilet trips, from their phase boundaries.  On the
 * ankle the whole episode is one item.  The mattress cannot follow a
 * person out of bed: the cramp ends when they leave it, and getting up and
 * lying down are separate body movements.
 */
static void
block_truth(struct sim *s, const struct block *b)
{
	int64_t t = b->start_ms, hold_end = 0, stretch_end = 0;
	int64_t up0 = 0, up1 = 0, down0 = 0, down1 = 0;
	int ankle = s->night.mount == MOUNT_ANKLE, stands;

	for (size_t i = 0; i < b->nphase; i++) {
		int64_t end = t + b->phase[i].dur_ms;

		switch (b->phase[i].kind) {
		case PH_HOLD:
			hold_end = end;
			break;
		case PH_STRETCH:
			stretch_end = end;
			break;
		case PH_GETUP:
			up0 = t;
			up1 = end;
			break;
		case PH_LIEDOWN:
			down0 = t;
			down1 = end;
			break;
		default:
			break;
		}
		t = end;
	}
	stands = block_has(b, PH_WALK);
	if (b->kind == BK_CRAMP && !leg_moves(s, b, PH_HOLD)) {
		/* The other leg: no cramp, but up and walking with it. */
		int64_t from = b->start_ms;

		for (size_t k = 0; k < b->nphase &&
		    b->phase[k].kind != PH_STRETCH; k++)
			from += b->phase[k].dur_ms;
		if (stretch_end == 0)
			return;		/* it passed with no stretching */

		if (stands)
			truth_push(s, T_BODY, from, t, "with_cramp");
		else
			truth_push(s, by_duration(from, stretch_end), from,
			    stretch_end, "with_cramp");
		return;
	}
	if (b->kind == BK_CRAMP) {
		truth_push(s, T_CRAMP, b->start_ms,
		    ankle || !stands ? t : stretch_end, NULL);
		s->truth[s->ntruth - 1].hold_end_ms = hold_end;
		if (!ankle && stands)
			truth_push(s, by_duration(down0, down1), down0, down1,
			    "lie_down");
	} else if (b->kind == BK_TOILET) {
		if (ankle)
			truth_push(s, T_BODY, b->start_ms, t, "toilet");
		else {
			truth_push(s, by_duration(up0, up1), up0, up1,
			    "get_up");
			truth_push(s, by_duration(down0, down1), down0, down1,
			    "lie_down");
		}
	}
}

static void
emit_block(struct sim *s, const struct block *b)
{
	int64_t t = b->start_ms;

	for (size_t i = 0; i < b->nphase; i++) {
		emit_phase(s, b, i, t);
		t += b->phase[i].dur_ms;
	}
	block_truth(s, b);
}

/* ---- Planning: blocks ---- */

static struct block *
block_new(struct sim *s, enum block_kind kind, int64_t margin_ms)
{
	struct block *b;

	s->block = grow(s->block, &s->block_cap, s->nblock, sizeof *s->block);
	b = &s->block[s->nblock++];
	memset(b, 0, sizeof *b);
	b->kind = kind;
	b->margin_ms = margin_ms;
	b->amp_scale = 1;
	b->sign = 1;
	return b;
}

static void
block_add(struct block *b, enum phase_kind kind, int64_t dur_ms, int weak)
{
	b->phase = grow(b->phase, &b->phase_cap, b->nphase, sizeof *b->phase);
	b->phase[b->nphase].kind = kind;
	b->phase[b->nphase].dur_ms = dur_ms;
	b->phase[b->nphase].weak = weak;
	b->phase[b->nphase].side = SIDE_BOTH;
	b->phase[b->nphase].lag_ms = 0;
	b->nphase++;
	b->dur_ms += dur_ms;
}

/* A leg movement lasts 0.7-7 s: well clear of the 0.5 s and 10 s rules. */
static int64_t
draw_lm_ms(struct rng *r, double mean, double spread)
{
	for (int tries = 0; tries < 100; tries++) {
		double d = mean * exp(spread * rng_gauss(r));

		if (d >= 0.7 && d <= 7)
			return ms_of(d);
	}
	return ms_of(rng_uniform(r, 0.7, 7));
}

/* An IMI in [10.7, 89.3] s: clear of the 10 s and 90 s rules. */
static int64_t
draw_imi_ms(struct rng *r, double mean, double jitter)
{
	for (int tries = 0; tries < 1000; tries++) {
		int64_t imi = ms_of(mean + jitter * rng_gauss(r));

		if (imi >= 10000 + RULE_GUARD_MS &&
		    imi <= 90000 - RULE_GUARD_MS)
			return imi;
	}
	return ms_of(clamp(mean, 10.7, 89.3));
}

/*
 * A PLM series: n movements whose IMIs scatter around a per-series mean
 * that may drift over the series; strength and direction are per series.
 */
static void
build_series(struct sim *s, int n)
{
	struct rng *r = &s->rng;
	struct block *b = block_new(s, BK_SERIES, 5000);
	double mean_imi, jitter, drift, mean_dur, spread;

	mean_imi = rng_uniform(r, 12, 60);
	jitter = mean_imi * rng_uniform(r, 0.02, 0.25);
	drift = rng_uniform(r, -0.3, 0.3);
	mean_dur = rng_loguniform(r, 0.9, 5);
	spread = rng_uniform(r, 0.1, 0.5);
	b->amp_scale = rng_loguniform(r, 0.4, 2);
	b->sign = rng_sign(r);
	for (int k = 0; k < n; k++) {
		int64_t lm = draw_lm_ms(r, mean_dur, spread);
		double mu;

		block_add(b, PH_LM, lm, rng_chance(r, 0.2));
		if (k == n - 1)
			break;
		mu = mean_imi * (1 + drift * ((double)k / (n - 1) - 0.5));
		block_add(b, PH_GAP, draw_imi_ms(r, mu, jitter) - lm, 0);
	}
}

static void
build_single(struct sim *s, enum block_kind kind)
{
	struct rng *r = &s->rng;
	struct block *b;

	switch (kind) {
	case BK_LM:
		b = block_new(s, kind, 5000);
		b->amp_scale = rng_loguniform(r, 0.5, 1.5);
		b->sign = rng_sign(r);
		block_add(b, PH_LM, ms_of(rng_loguniform(r, 0.7, 7)),
		    rng_chance(r, 0.2));
		break;
	case BK_TWITCH:
		b = block_new(s, kind, 5000);
		block_add(b, PH_TWITCH, ms_of(rng_uniform(r, 0.1, 0.3)), 0);
		break;
	case BK_TURN:
		b = block_new(s, kind, 15000);
		/* Clear of the 0.5 s and 10 s rules, as leg movements. */
		block_add(b, PH_TURN, ms_of(rng_uniform(r, 0.8, 9)), 0);
		break;
	case BK_LONG_TURN:
		b = block_new(s, kind, 15000);
		block_add(b, PH_TURN, ms_of(rng_uniform(r, 12, 30)), 0);
		break;
	case BK_DROPOUT: {
		/*
		 * Half are short, as samples lost to a FIFO overflow or a
		 * sensor set up again (under a second or so), half a sensor
		 * gone for a while.
		 */
		double u = rng_uniform(r, 0, 1);

		b = block_new(s, kind, 20000);
		block_add(b, PH_DROPOUT, ms_of(u < 0.5 ? 0.3 + u * 1.8 :
		    2 + (u - 0.5) * 56), 0);
		break;
	}
	default:
		abort();
	}
}

/*
 * A cramp: contraction, hold, stretching (or, now and then, lying still
 * at once); then with p = 0.6 standing and walking with pauses, and
 * lying down again.
 */
static void
build_cramp(struct sim *s)
{
	struct rng *r = &s->rng;
	struct block *b = block_new(s, BK_CRAMP, 15000);
	double walk, w[4], wsum = 0, u;
	int pauses, i;

	/*
	 * Now and then the contraction seizes the leg as it turns over, or
	 * in the middle of a restless movement.
	 */
	u = rng_unit(r);
	if (u < 0.2)
		block_add(b, PH_TURN, ms_of(rng_uniform(r, 2, 6)), 0);
	else if (u < 0.35)
		block_add(b, PH_LM, ms_of(rng_uniform(r, 1, 3)), 0);
	block_add(b, PH_CONTRACT, ms_of(rng_uniform(r, 0.2, 0.8)), 0);
	block_add(b, PH_HOLD, ms_of(rng_uniform(r, 10, 150)), 0);
	/* Now and then it passes by itself, and the leg lies still. */
	if (rng_chance(r, 0.15))
		return;
	block_add(b, PH_STRETCH, ms_of(rng_uniform(r, 5, 40)), 0);
	if (!rng_chance(r, 0.6))
		return;
	walk = rng_uniform(r, 20, 180);
	pauses = rng_int(r, 0, 3);
	while (pauses > 0 && walk < 6.0 * (pauses + 1))
		pauses--;
	for (i = 0; i <= pauses; i++)
		wsum += w[i] = rng_uniform(r, 0.3, 1);
	for (i = 0; i <= pauses; i++) {
		/* Each stretch of walking lasts at least 5 s. */
		block_add(b, PH_WALK, ms_of(5 + (walk - 5.0 * (pauses + 1)) *
		    w[i] / wsum), 0);
		if (i < pauses)
			block_add(b, PH_STAND, ms_of(rng_uniform(r, 5, 30)), 0);
	}
	block_add(b, PH_LIEDOWN, ms_of(rng_uniform(r, 5, 15)), 0);
}

/*
 * The suggested immobilization test: sitting up, an hour awake with the
 * legs outstretched and now and then restless (series of leg movements
 * and single ones, PLMW indexes from under 20 to over 100), lying down.
 */
static void
build_sit(struct sim *s)
{
	struct rng *r = &s->rng;
	struct block *b = block_new(s, BK_SIT, 20000);
	int64_t situp = ms_of(rng_uniform(r, 3, 8)), t = 0, lm, gap;
	double mean_imi = rng_uniform(r, 12, 40), mean_dur;
	int n, k;

	b->amp_scale = rng_loguniform(r, 0.5, 1.5);
	b->sign = rng_sign(r);
	mean_dur = rng_loguniform(r, 0.9, 4);
	block_add(b, PH_SITUP, situp, 0);
	block_add(b, PH_GAP, SIT_LEAD_MS - situp + 5000, 0);
	t = 5000;			/* into the hour */
	while (t < SIT_MS - 240000) {
		n = rng_chance(r, 0.7) ? rng_int(r, 4, 30) : 1;
		for (k = 0; k < n && t < SIT_MS - 120000; k++) {
			lm = draw_lm_ms(r, mean_dur, 0.3);
			block_add(b, PH_LM, lm, rng_chance(r, 0.2));
			gap = draw_imi_ms(r, mean_imi, mean_imi * 0.15);
			if (k == n - 1)
				gap = ms_of(rng_uniform(r, 100, 400));
			block_add(b, PH_GAP, gap - lm, 0);
			t += gap;
		}
	}
	block_add(b, PH_GAP, SIT_MS - t + 15000, 0);
	block_add(b, PH_TURN, ms_of(rng_uniform(r, 2, 8)), 0);
}

static void
build_toilet(struct sim *s)
{
	struct rng *r = &s->rng;
	struct block *b = block_new(s, BK_TOILET, 15000);

	block_add(b, PH_GETUP, ms_of(rng_uniform(r, 8, 20)), 0);
	block_add(b, PH_WALK, ms_of(rng_uniform(r, 10, 60)), 0);
	block_add(b, PH_STAND, ms_of(rng_uniform(r, 30, 300)), 0);
	block_add(b, PH_WALK, ms_of(rng_uniform(r, 10, 60)), 0);
	block_add(b, PH_LIEDOWN, ms_of(rng_uniform(r, 10, 20)), 0);
}

/*
 * Put a twitch between two movements of a series, at least 2 s from
 * both.  Returns 0 when the chosen gap is too short.
 */
static int
twitch_into_series(struct sim *s, struct block *b, int64_t tw)
{
	struct rng *r = &s->rng;
	size_t i;
	int64_t gap, before;

	i = (size_t)rng_int(r, 0, (int)b->nphase - 1);
	if (b->phase[i].kind != PH_GAP)
		return 0;
	gap = b->phase[i].dur_ms;
	if (gap < tw + 4000)
		return 0;
	before = 2000 + (int64_t)(rng_unit(r) * (double)(gap - tw - 4000));
	b->phase = grow(b->phase, &b->phase_cap, b->nphase + 1,
	    sizeof *b->phase);
	memmove(&b->phase[i + 3], &b->phase[i + 1],
	    (b->nphase - i - 1) * sizeof *b->phase);
	b->nphase += 2;
	b->phase[i].dur_ms = before;
	b->phase[i + 1] = (struct phase){ PH_TWITCH, tw, 0, SIDE_BOTH, 0 };
	b->phase[i + 2] = (struct phase){ PH_GAP, gap - before - tw, 0, SIDE_BOTH,
	    0 };
	return 1;
}

static void
build_twitch(struct sim *s, size_t nseries)
{
	struct rng *r = &s->rng;

	if (nseries > 0 && rng_chance(r, 0.3)) {
		int64_t tw = ms_of(rng_uniform(r, 0.1, 0.3));
		struct block *b = &s->block[rng_int(r, 0, (int)nseries - 1)];

		if (twitch_into_series(s, b, tw))
			return;
	}
	build_single(s, BK_TWITCH);
}

/* Counts: drawn from the profile, scaled to the night, or as given. */
static void
draw_counts(struct rng *r, const struct options *o, int count[NCOUNT])
{
	for (int i = 0; i < NCOUNT; i++) {
		const struct range *rg = &o->profile->count[i];
		int v = rng_int(r, rg->lo, rg->hi);
		double scale = i == C_CRAMPS ? 1 : o->hours / 8;

		count[i] = (int)lround(v * scale);
		if (rg->lo >= 1 && count[i] < 1)
			count[i] = 1;
		if (o->count[i] >= 0)
			count[i] = o->count[i];
	}
}

static void
build_blocks(struct sim *s, const struct options *o, const int count[NCOUNT])
{
	const struct profile *pf = o->profile;
	struct rng *r = &s->rng;
	int i;

	/* Series first: they sit at the front for twitches to find. */
	for (i = 0; i < count[C_SERIES]; i++)
		build_series(s, rng_int(r, pf->series_len.lo,
		    pf->series_len.hi));
	for (i = 0; i < count[C_LMS]; i++)
		build_single(s, BK_LM);
	for (i = 0; i < count[C_TWITCHES]; i++)
		build_twitch(s, (size_t)count[C_SERIES]);
	for (i = 0; i < count[C_TURNS]; i++)
		build_single(s, BK_TURN);
	for (i = 0; i < count[C_LONG_TURNS]; i++)
		build_single(s, BK_LONG_TURN);
	for (i = 0; i < count[C_CRAMPS]; i++)
		build_cramp(s);
	for (i = 0; i < count[C_TOILETS]; i++)
		build_toilet(s);
	for (i = 0; i < count[C_DROPOUTS]; i++)
		build_single(s, BK_DROPOUT);
	if (o->sit)
		build_sit(s);
}

static void
shuffle_blocks(struct sim *s)
{
	for (size_t i = s->nblock; i > 1; i--) {
		size_t j = (size_t)(rng_unit(&s->rng) * (double)i);
		struct block tmp = s->block[i - 1];

		s->block[i - 1] = s->block[j];
		s->block[j] = tmp;
	}
}

static int
is_pair(const struct block *a, const struct block *b, enum block_kind x,
    enum block_kind y)
{
	return (a->kind == x && b->kind == y) || (a->kind == y && b->kind == x);
}

static int64_t
required_gap(const struct block *a, const struct block *b)
{
	int64_t g = a->margin_ms > b->margin_ms ? a->margin_ms : b->margin_ms;

	if (is_pair(a, b, BK_CRAMP, BK_SERIES) && g < CRAMP_SERIES_MS)
		g = CRAMP_SERIES_MS;
	return g;
}

/* Time left over once every block and every required gap is placed. */
static int64_t
free_time(const struct sim *s)
{
	int64_t used = LEAD_IN_MS + LEAD_OUT_MS;

	for (size_t i = 0; i < s->nblock; i++) {
		used += s->block[i].dur_ms + BUMP_RESERVE_MS;
		if (s->block[i].kind == BK_SIT)
			used += SIT_ALIGN_MS;
		if (i > 0)
			used += required_gap(&s->block[i - 1], &s->block[i]);
	}
	if (s->nblock > 0) {
		/* The edges need the blocks' margins too. */
		used += s->block[0].margin_ms;
		used += s->block[s->nblock - 1].margin_ms;
	}
	return s->night.len_ms - used;
}

static void
block_free(struct block *b)
{
	free(b->phase);
	b->phase = NULL;
}

/* Drop the last movement (and what precedes it) of a series. */
static void
series_shorten(struct block *b)
{
	while (b->nphase > 0) {
		b->nphase--;
		b->dur_ms -= b->phase[b->nphase].dur_ms;
		if (b->nphase > 0 && b->phase[b->nphase - 1].kind == PH_LM)
			break;
	}
}

static size_t
count_lms(const struct block *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->nphase; i++)
		n += b->phase[i].kind == PH_LM;
	return n;
}

/*
 * Make the night hold the plan: first shorten PLM series when they fill
 * much of the night, then drop whole blocks, least important first.
 */
static void
fit_blocks(struct sim *s)
{
	size_t i, victim;

	while (free_time(s) < 0 && s->nblock > 0) {
		int64_t series_ms = 0;
		size_t longest = s->nblock;

		for (i = 0; i < s->nblock; i++) {
			if (s->block[i].kind != BK_SERIES)
				continue;
			series_ms += s->block[i].dur_ms;
			if (count_lms(&s->block[i]) > 4 && (longest ==
			    s->nblock || s->block[i].dur_ms >
			    s->block[longest].dur_ms))
				longest = i;
		}
		if (longest < s->nblock &&
		    series_ms > s->night.len_ms * 4 / 10) {
			series_shorten(&s->block[longest]);
			continue;
		}
		victim = 0;
		for (i = 1; i < s->nblock; i++)
			if (block_priority[s->block[i].kind] <=
			    block_priority[s->block[victim].kind])
				victim = i;
		block_free(&s->block[victim]);
		memmove(&s->block[victim], &s->block[victim + 1],
		    (s->nblock - victim - 1) * sizeof *s->block);
		s->nblock--;
		s->ndropped++;
	}
}

/*
 * Onset of the block's first or last leg movement, a short turn
 * included; -1 if none.
 */
static int64_t
lm_onset(const struct block *b, int last)
{
	int64_t t = 0, found = -1;

	for (size_t i = 0; i < b->nphase; i++) {
		if (b->phase[i].kind == PH_LM || b->phase[i].kind ==
		    PH_SITUP || (b->kind != BK_LONG_TURN &&
		    b->phase[i].kind == PH_TURN)) {
			found = t;
			if (!last)
				break;
		}
		t += b->phase[i].dur_ms;
	}
	return found;
}

static int
near_rule(int64_t gap_ms)
{
	return llabs(gap_ms - 10000) < RULE_GUARD_MS ||
	    llabs(gap_ms - 90000) < RULE_GUARD_MS;
}

/*
 * Spread the free time over the gaps at random (a flat Dirichlet split),
 * then lay the blocks out in order.  A block whose first leg movement
 * would sit within the guard of 10 s or 90 s after the previous one moves
 * later by BUMP_MS, paid for by the reserve.
 */
static void
layout_blocks(struct sim *s)
{
	struct rng *r = &s->rng;
	int64_t free_ms, t, last_lm = -1;
	double *w, wsum = 0;
	size_t i, n = s->nblock;

	free_ms = free_time(s);
	if (free_ms < 0)
		free_ms = 0;
	if ((w = calloc(n + 1, sizeof *w)) == NULL) {
		perror("legsim");
		exit(1);
	}
	for (i = 0; i <= n; i++)
		wsum += w[i] = -log(1.0 - rng_unit(r));
	t = LEAD_IN_MS + (n > 0 ? s->block[0].margin_ms : 0);
	for (i = 0; i < n; i++) {
		struct block *b = &s->block[i];
		int64_t first = lm_onset(b, 0);

		if (i > 0)
			t += required_gap(&s->block[i - 1], b);
		t += (int64_t)((double)free_ms * w[i] / wsum);	/* slack */
		if (first >= 0 && last_lm >= 0 &&
		    near_rule(t + first - last_lm))
			t += BUMP_MS;
		if (b->kind == BK_SIT) {
			/* --sit HH:MM starts on a whole minute. */
			int64_t at = s->night.start_ms + t + SIT_LEAD_MS;

			t += (SIT_ALIGN_MS - at % SIT_ALIGN_MS) % SIT_ALIGN_MS;
			if (last_lm >= 0 && near_rule(t + first - last_lm))
				t += SIT_ALIGN_MS;
		}
		b->start_ms = t;
		if (first >= 0)
			last_lm = t + lm_onset(b, 1);
		t += b->dur_ms;
	}
	free(w);
}

/* ---- The night ---- */

static void
init_night(struct sim *s, const struct options *o)
{
	struct night *n = &s->night;
	struct rng *r = &s->rng;
	int a;

	n->seed = o->seed;
	n->profile = o->profile;
	n->mount = o->mount;
	n->rate = o->rate;
	n->start_ms = llround(o->start * 1000);
	n->nsamples = llround(o->hours * 3600 * o->rate);
	n->len_ms = n->nsamples * (1000 / o->rate);
	/* Keep motion well under Nyquist; 25 Hz still carries 10 Hz tremor. */
	n->max_hz = 0.42 * o->rate;
	n->noise = rng_loguniform(r, o->profile->noise_lo,
	    o->profile->noise_hi);
	n->noise = round(n->noise * 10000) / 10000;
	if (o->noise >= 0)
		n->noise = o->noise;
	n->breath_amp = rng_uniform(r, 0.0005, 0.002);
	n->breath_hz = rng_uniform(r, 0.2, 0.3);
	n->breath_phase = rng_uniform(r, 0, 2 * M_PI);
	for (a = 0; a < 3; a++)
		n->drift[a] = o->profile->artefacts ?
		    rng_uniform(r, -0.007, 0.007) : 0;
	n->spike_mean_s = o->profile->artefacts ? rng_uniform(r, 20, 200) : 0;
	n->axis = o->axis;
	n->axis_sign = o->axis_sign;
	if (o->drift > 0) {
		/* A steady offset creep in a random direction. */
		double d[3], len = 0;

		for (a = 0; a < 3; a++) {
			d[a] = rng_gauss(r);
			len += d[a] * d[a];
		}
		len = sqrt(len);
		for (a = 0; a < 3; a++)
			n->drift_h[a] = o->drift * rng_uniform(r, 0.5, 1) *
			    d[a] / len;
	}
	if (o->loose)
		n->loose_deg = rng_uniform(r, 1.5, 4);
}

static void
init_body(struct sim *s)
{
	struct body *b = &s->body;
	struct rng *r = &s->rng;

	b->posture = random_posture(r);
	b->base = b->leg = posture_pose(r, b->posture);
	b->mat_empty = tilt(r, rng_uniform(r, 0, 1.5));
	b->mat_load = tilt(r, rng_uniform(r, 0, 1.5));
	b->in_bed = 1;
	s->night.first_pose = current_pose(s);
}

static int
cmp_truth(const void *a, const void *b)
{
	const struct truth *x = a, *y = b;

	if (x->start_ms != y->start_ms)
		return x->start_ms < y->start_ms ? -1 : 1;
	if (x->end_ms != y->end_ms)
		return x->end_ms < y->end_ms ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/*
 * Two legs: restless movements are half of both legs at once (the second
 * up to 0.4 s later), half of one; twitches of one; a cramp takes one
 * leg, and the other only joins the stretching and walking.  Turning
 * over, getting up and lying down move both.
 */
static void
assign_sides(struct sim *s)
{
	struct rng *r = &s->rng;

	for (size_t i = 0; i < s->nblock; i++) {
		struct block *b = &s->block[i];
		enum side cramp_leg = rng_chance(r, 0.5) ? SIDE_FIRST :
		    SIDE_SECOND;

		for (size_t k = 0; k < b->nphase; k++) {
			struct phase *ph = &b->phase[k];

			switch (ph->kind) {
			case PH_LM:
				if (b->kind == BK_CRAMP) {
					ph->side = cramp_leg;
					break;
				}
				if (rng_chance(r, 0.5)) {
					ph->side = SIDE_BOTH;
					ph->lag_ms = ms_of(rng_uniform(r, 0,
					    0.4));
				} else
					ph->side = rng_chance(r, 0.5) ?
					    SIDE_FIRST : SIDE_SECOND;
				break;
			case PH_TWITCH:
				ph->side = rng_chance(r, 0.5) ? SIDE_FIRST :
				    SIDE_SECOND;
				break;
			case PH_CONTRACT:
			case PH_HOLD:
				ph->side = cramp_leg;
				break;
			default:
				break;
			}
		}
	}
}

static void
emit_leg(struct sim *s, int leg)
{
	s->leg = leg;
	s->nprim = 0;
	init_body(s);
	for (size_t i = 0; i < s->nblock; i++)
		emit_block(s, &s->block[i]);
}

static void
plan_night(struct sim *s, const struct options *o)
{
	int count[NCOUNT];

	rng_seed(&s->rng, o->seed, STREAM_PLAN);
	init_night(s, o);
	draw_counts(&s->rng, o, count);
	build_blocks(s, o, count);
	shuffle_blocks(s);
	fit_blocks(s);
	layout_blocks(s);
	if (s->nlegs == 2)
		assign_sides(s);
	emit_leg(s, 0);
	if (s->ndropped > 0)
		fprintf(stderr, "legsim: the night is too short for all "
		    "activities: %d left out\n", s->ndropped);
}

/* ---- Output ---- */

/* Writes digits of v (>= 0) with at least `width` digits; returns length. */
static size_t
put_uint(char *p, uint64_t v, int width)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 || (int)n < width);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* Milliseconds as seconds with three decimals, like "%.3f". */
static size_t
put_ms(char *p, int64_t ms)
{
	size_t n = 0;

	if (ms < 0) {
		p[n++] = '-';
		ms = -ms;
	}
	n += put_uint(p + n, (uint64_t)ms / 1000, 1);
	p[n++] = '.';
	n += put_uint(p + n, (uint64_t)ms % 1000, 3);
	return n;
}

/*
 * A quantised reading q/4096 g printed like "%.4f".  q * 625 / 256 is
 * the value in units of 1e-4 g, exact in a double; nearbyint() rounds
 * ties to even, as printf does with exact decimal ties.
 */
static size_t
put_reading(char *p, long q)
{
	double tenk = nearbyint((double)q * 625.0 / 256.0);
	uint64_t m;
	size_t n = 0;

	if (tenk < 0) {
		p[n++] = '-';
		tenk = -tenk;
	}
	m = (uint64_t)tenk;
	n += put_uint(p + n, m / 10000, 1);
	p[n++] = '.';
	n += put_uint(p + n, m % 10000, 4);
	return n;
}

static long
quantise(double g)
{
	return (long)clamp(nearbyint(g * LSB_PER_G), -32768, 32767);
}

/* Slow breathing of the person on the mattress. */
static double
breathing(const struct night *n, double t)
{
	double ph = 2 * M_PI * n->breath_hz * t + n->breath_phase +
	    0.8 * sin(2 * M_PI * t / 97.0);

	return n->breath_amp * (1 + 0.2 * sin(2 * M_PI * t / 311.0)) * sin(ph);
}

static int64_t
next_spike(struct rng *r, const struct night *n, int64_t k)
{
	double gap = -log(1.0 - rng_unit(r)) * n->spike_mean_s * n->rate;

	return k + 1 + (int64_t)gap;
}

/* Where the renderer is in the prim list. */
struct cursor {
	size_t	prim;
	double	rest[3];	/* gravity reaction of the pose between prims */
	int	bed;		/* someone in bed between prims */
};

/*
 * The noise-free reading at time t.  Between prims the sensor rests in
 * the pose the last prim ended in.  Time only moves forward.
 */
static void
reading_at(const struct sim *s, struct cursor *c, double t, double v[3])
{
	const struct prim *p;
	int bed;

	while (c->prim < s->nprim && s->prim[c->prim].t1 <= t) {
		pose_gravity(s->prim[c->prim].to, c->rest);
		c->bed = s->prim[c->prim].bed_after;
		c->prim++;
	}
	p = c->prim < s->nprim ? &s->prim[c->prim] : NULL;
	if (p != NULL && t >= p->t0) {
		prim_eval(p, t, v);
		bed = p->bed_during;
	} else {
		memcpy(v, c->rest, sizeof c->rest);
		bed = c->bed;
	}
	if (s->night.mount == MOUNT_MATTRESS && bed) {
		double b = breathing(&s->night, t);

		v[2] += b;
		v[0] += 0.2 * b;
	}
}

/* What the part adds: white noise; on noisy nights drift and spikes. */
static void
add_sensor_errors(const struct night *n, struct rng *nr, int64_t k,
    int64_t *spike, double v[3])
{
	double u = (double)k / (double)n->nsamples;
	int a;

	for (a = 0; a < 3; a++) {
		v[a] += n->noise * rng_gauss(nr);
		v[a] += n->drift[a] * (u + 0.3 * sin(M_PI * u));
		v[a] += n->drift_h[a] * (double)k / n->rate / 3600.0;
	}
	if (*spike >= 0 && k >= *spike) {
		a = rng_int(nr, 0, 2);
		v[a] += rng_sign(nr) * rng_uniform(nr, 0.01, 0.05);
		*spike = next_spike(nr, n, k);
	}
}

static size_t
format_row(char *line, int64_t t_ms, const double v[3])
{
	size_t len;

	len = put_ms(line, t_ms);
	for (int a = 0; a < 3; a++) {
		line[len++] = ',';
		len += put_reading(line + len, quantise(v[a]));
	}
	line[len++] = '\n';
	return len;
}

/*
 * The model's x lies along the shin; the part may be mounted with any
 * axis there (leg_axis).  A rotation, never a mirror: the axes turn
 * cyclically, and a negative axis turns the part over about the next.
 */
static void
to_sensor_axes(const struct night *n, double v[3])
{
	double w[3];
	int a;

	if (n->axis == 0 && n->axis_sign > 0)
		return;
	for (a = 0; a < 3; a++)
		w[(a + n->axis) % 3] = v[a];
	if (n->axis_sign < 0) {
		w[n->axis] = -w[n->axis];
		w[(n->axis + 1) % 3] = -w[(n->axis + 1) % 3];
	}
	memcpy(v, w, sizeof(w));
}

/* One pass over the sample grid, skipping the dropouts. */
static int
render(FILE *out, const struct sim *s)
{
	const struct night *n = &s->night;
	struct cursor c = { 0, { 0, 0, 0 }, 1 };
	struct rng nr;
	int64_t k, step = 1000 / n->rate, spike = -1;
	size_t di = 0, len;
	double v[3];
	char line[128];

	rng_seed(&nr, n->seed, STREAM_NOISE);
	pose_gravity(n->first_pose, c.rest);
	if (n->spike_mean_s > 0)
		spike = next_spike(&nr, n, 0);
	fputs("t,ax,ay,az\n", out);
	for (k = 0; k < n->nsamples; k++) {
		while (di < s->ndrop && k >= s->drop[di].k1)
			di++;
		if (di < s->ndrop && k >= s->drop[di].k0)
			continue;
		reading_at(s, &c, (double)(k * step) / 1000.0, v);
		to_sensor_axes(n, v);
		add_sensor_errors(n, &nr, k, &spike, v);
		len = format_row(line, n->start_ms + k * step, v);
		if (fwrite(line, 1, len, out) != len)
			return -1;
	}
	return 0;
}

static void
print_ms(FILE *f, int64_t ms)
{
	char buf[32];
	size_t n = put_ms(buf, ms);

	fwrite(buf, 1, n, f);
}

static void
write_truth(FILE *f, const struct sim *s)
{
	const struct night *n = &s->night;

	fputs("{\"type\":\"night\",\"start\":", f);
	print_ms(f, n->start_ms);
	fputs(",\"end\":", f);
	print_ms(f, n->start_ms + n->len_ms);
	fprintf(f, ",\"rate\":%d,\"mount\":\"%s\",\"noise\":%g,"
	    "\"seed\":%llu,\"profile\":\"%s\",\"leg_axis\":\"%s%c\","
	    "\"drift_g_per_h\":%g,\"loose_deg\":%.1f}\n", n->rate,
	    s->nlegs == 2 ? "ankles" : mount_names[n->mount], n->noise,
	    (unsigned long long)n->seed, n->profile->name, n->axis_sign < 0 ? "-" : "", 'x' + n->axis,
	    sqrt(n->drift_h[0] * n->drift_h[0] + n->drift_h[1] *
	    n->drift_h[1] + n->drift_h[2] * n->drift_h[2]), n->loose_deg);
	for (size_t i = 0; i < s->ntruth; i++) {
		const struct truth *t = &s->truth[i];

		fprintf(f, "{\"type\":\"%s\",\"start\":", truth_names[t->kind]);
		print_ms(f, n->start_ms + t->start_ms);
		fputs(",\"end\":", f);
		print_ms(f, n->start_ms + t->end_ms);
		if (t->kind == T_CRAMP) {
			fputs(",\"hold_end\":", f);
			print_ms(f, n->start_ms + t->hold_end_ms);
		}
		if (t->what != NULL)
			fprintf(f, ",\"what\":\"%s\"", t->what);
		if (s->nlegs == 2)
			fprintf(f, ",\"sensor\":\"%s\"", s->sensor[t->leg]);
		fputs("}\n", f);
	}
}

/*
 * Bedroom temperature every minute: a start between 17 and 26 degC, a
 * trend over the night, heating cycles and a slow random walk, kept in
 * 16..28 degC.
 */
static void
write_temperature(FILE *f, const struct night *n)
{
	struct rng r;
	double base, trend, cyc_amp, cyc_s, cyc_ph, walk = 0;

	rng_seed(&r, n->seed, STREAM_TEMP);
	base = rng_uniform(&r, 17, 26);
	trend = rng_uniform(&r, -3, 1) / 8.0;	/* degC per hour */
	cyc_amp = rng_uniform(&r, 0, 0.8);
	cyc_s = rng_uniform(&r, 1800, 7200);
	cyc_ph = rng_uniform(&r, 0, 2 * M_PI);
	fputs("t,temp_c\n", f);
	for (int64_t m = 0; m <= n->len_ms; m += 60000) {
		double h = (double)m / 3.6e6, v;

		walk = 0.97 * walk + 0.05 * rng_gauss(&r);
		v = base + trend * h + walk + cyc_amp *
		    sin(2 * M_PI * (double)m / 1000.0 / cyc_s + cyc_ph);
		print_ms(f, n->start_ms + m);
		fprintf(f, ",%.2f\n", clamp(v, 16, 28));
	}
}

static FILE *
open_out(const char *path, char *buf, size_t bufsize)
{
	FILE *f;

	if (strcmp(path, "-") == 0)
		f = stdout;
	else if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "legsim: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (buf != NULL)
		setvbuf(f, buf, _IOFBF, bufsize);
	return f;
}

static void
close_out(FILE *f, const char *path)
{
	if (ferror(f) || fclose(f) == EOF) {
		fprintf(stderr, "legsim: %s: write error: %s\n", path,
		    strerror(errno));
		exit(1);
	}
}

/*
 * The daemon names a replayed sensor after its file: the base name
 * without the part from its last '.', other characters than letters,
 * digits, '_' and '-' made '_'.
 */
static char *
sensor_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name, *dot, *c;

	if ((name = strdup(base != NULL ? base + 1 : path)) == NULL) {
		perror("legsim");
		exit(1);
	}
	if ((dot = strrchr(name, '.')) != NULL && dot != name)
		*dot = '\0';
	for (c = name; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			*c = '_';
	return name;
}

static void
sim_free(struct sim *s)
{
	for (size_t i = 0; i < s->nblock; i++)
		block_free(&s->block[i]);
	free(s->block);
	free(s->prim);
	free(s->truth);
	free(s->drop);
	free((char *)s->sensor[0]);
	free((char *)s->sensor[1]);
}

int
main(int argc, char *argv[])
{
	static char outbuf[1 << 20];
	struct options o;
	struct sim s;
	FILE *f;

	parse_options(argc, argv, &o);
	memset(&s, 0, sizeof s);
	s.nlegs = o.out2_path != NULL ? 2 : 1;
	s.sensor[0] = sensor_name(o.out_path);
	s.sensor[1] = o.out2_path != NULL ? sensor_name(o.out2_path) : NULL;
	plan_night(&s, &o);

	f = open_out(o.out_path, outbuf, sizeof outbuf);
	if (render(f, &s) == -1) {
		fprintf(stderr, "legsim: %s: %s\n", o.out_path,
		    strerror(errno));
		return 1;
	}
	close_out(f, o.out_path);
	if (o.out2_path != NULL) {
		emit_leg(&s, 1);
		s.night.seed ^= 0x5eed;	/* the other part's own noise */
		f = open_out(o.out2_path, outbuf, sizeof outbuf);
		if (render(f, &s) == -1) {
			fprintf(stderr, "legsim: %s: %s\n", o.out2_path,
			    strerror(errno));
			return 1;
		}
		close_out(f, o.out2_path);
		s.night.seed ^= 0x5eed;
	}
	if (s.ntruth > 0)	/* qsort() wants a valid pointer even for 0 */
		qsort(s.truth, s.ntruth, sizeof *s.truth, cmp_truth);

	f = open_out(o.truth_path, NULL, 0);
	write_truth(f, &s);
	close_out(f, o.truth_path);

	if (o.temp_path != NULL) {
		f = open_out(o.temp_path, NULL, 0);
		write_temperature(f, &s.night);
		close_out(f, o.temp_path);
	}
	sim_free(&s);
	return 0;
}
