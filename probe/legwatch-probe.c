/*
 * legwatch-probe: is it wired right?  For a person at the Pi with the
 * sensor in hand, before going to bed: whether I2C and 1-Wire are on,
 * whether this user may open the devices (and the command that fixes it),
 * which of legwatch's chips answer on each I2C bus (told by their ID
 * registers), each configured sensor read live, a leg movement seen, and
 * a configuration snippet for what was found.  The exit status says
 * whether every configured sensor works.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <math.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/leg.h"
#include "daemon/movewatch.h"
#include "sensors/i2c.h"
#include "sensors/identify.h"
#include "sensors/sensor.h"

#define DEFAULT_CONFIG	"/etc/legwatch/legwatchd.conf"
#define READ_S		2.0	/* each sensor read live this long */
#define STILL_S		4.0	/* the detector learns the sensor at rest */
#define MOVE_S		15.0	/* default wait for the movement */
#define MAX_BUSES	16
#define MAX_FOUND	(MAX_BUSES * IDENTIFY_ADDRS)

#define EX_OK		0
#define EX_FAULT	1	/* a configured sensor does not work */
#define EX_USAGE	64
#define EX_CONFIG	78

struct found {
	int		bus;
	struct chip_seen c;
};

struct probe {
	const char	*dev;		/* "/dev" */
	const char	*sys;		/* "/sys" */
	struct found	 found[MAX_FOUND];
	int		 nfound;
	char		 w1[8][32];	/* DS18B20s on the 1-Wire bus */
	int		 nw1;
	int		 faults;	/* configured sensors that fail */
};

struct got {
	long		n;
	struct sample	last;
	struct move_watch *watch;
	int		moved;
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct sensor_clock
clock_now(void)
{
	struct sensor_clock c;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	c.unix = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	c.mono = mono_now();
	return c;
}

static const char *
user_name(void)
{
	struct passwd *pw = getpwuid(getuid());

	return pw != NULL ? pw->pw_name : "$USER";
}

/*
 * Whether this user may open path read-write; if not, prints why (after
 * lead) and the command that fixes it (after indent).  1: may, 0: may
 * not.
 */
static int
may_open(const char *path, const char *lead, const char *indent)
{
	struct stat st;
	struct group *gr;
	int fd;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) != -1) {
		close(fd);
		return 1;
	}
	if (errno != EACCES && errno != EPERM) {
		printf("%s%s: %s\n", lead, path, strerror(errno));
		return 0;
	}
	gr = stat(path, &st) == 0 ? getgrgid(st.st_gid) : NULL;
	printf("%s%s: you (%s) may not open it (mode %03o, group %s)\n",
	    lead, path, user_name(), (unsigned)st.st_mode & 0777,
	    gr != NULL ? gr->gr_name : "?");
	if (gr != NULL && strcmp(gr->gr_name, "root") != 0)
		printf("%s  fix: sudo usermod -aG %s %s, then log in again "
		    "(the service's user legwatch is in it already)\n", indent,
		    gr->gr_name, user_name());
	else
		printf("%s  fix: give the device a group you are in (a udev "
		    "rule), or run this as root\n", indent);
	return 0;
}

static int
i2c_number(const struct dirent *d)
{
	char *end;
	long n;

	if (strncmp(d->d_name, "i2c-", 4) != 0)
		return 0;
	n = strtol(d->d_name + 4, &end, 10);
	return end != d->d_name + 4 && *end == '\0' && n >= 0 && n < 256;
}

static int
by_bus(const struct dirent **a, const struct dirent **b)
{
	return atoi((*a)->d_name + 4) - atoi((*b)->d_name + 4);
}

/* The kernel's name for an adapter: "SMBus stub driver". */
static void
adapter_name(const struct probe *p, int bus, char *buf, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/bus/i2c/devices/i2c-%d/name", p->sys,
	    bus);
	buf[0] = '\0';
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(buf, (int)len, f) != NULL)
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void
scan_bus(struct probe *p, int bus)
{
	struct chip_seen seen[IDENTIFY_ADDRS];
	struct i2c_bus *b;
	int i, n, any = 0;

	/* 0x03: the lowest address, for the open; each look selects its own. */
	if ((b = i2c_open(bus, 0x03)) == NULL) {
		printf("    cannot scan: %s\n", strerror(errno));
		return;
	}
	n = identify_bus(b, seen, IDENTIFY_ADDRS);
	i2c_close(b);
	for (i = 0; i < n; i++) {
		if (seen[i].verdict == CHIP_NONE)
			continue;
		any = 1;
		printf("    0x%02x  %s\n", seen[i].addr, seen[i].what);
		if (p->nfound < MAX_FOUND) {
			p->found[p->nfound].bus = bus;
			p->found[p->nfound++].c = seen[i];
		}
	}
	if (!any)
		printf("    none of legwatch's chips (MPU-6050, ADXL345, "
		    "BME280, SHT3x) answers\n");
}

static void
check_i2c(struct probe *p)
{
	struct dirent **names;
	char path[256], adapter[128];
	int i, n, bus;

	if ((n = scandir(p->dev, &names, i2c_number, by_bus)) == -1)
		n = 0;
	if (n == 0) {
		snprintf(path, sizeof(path), "%s/bus/i2c/devices", p->sys);
		printf("I2C      not enabled: no %s/i2c-*\n", p->dev);
		if (access(path, F_OK) == 0)
			printf("         fix: sudo raspi-config nonint do_i2c 0 "
			    "(or dtparam=i2c_arm=on in /boot/firmware/"
			    "config.txt), reboot; or sudo modprobe i2c-dev\n");
		else
			printf("         fix: sudo raspi-config nonint do_i2c 0 "
			    "(or dtparam=i2c_arm=on in /boot/firmware/"
			    "config.txt), then reboot\n");
		free(names);
		return;
	}
	for (i = 0; i < n; i++) {
		bus = atoi(names[i]->d_name + 4);
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", p->dev,
		    names[i]->d_name) >= sizeof(path)) {
			free(names[i]);
			continue;
		}
		adapter_name(p, bus, adapter, sizeof(adapter));
		printf("%s %s%s%s%s\n", i == 0 ? "I2C     " : "        ", path,
		    adapter[0] ? " (" : "", adapter, adapter[0] ? ")" : "");
		if (may_open(path, "    ", "    "))
			scan_bus(p, bus);
		free(names[i]);
	}
	free(names);
}

static void
check_w1(struct probe *p)
{
	char path[256];
	struct dirent *d;
	DIR *dir;
	int i, master = 0;

	snprintf(path, sizeof(path), "%s/bus/w1/devices", p->sys);
	if ((dir = opendir(path)) != NULL) {
		while ((d = readdir(dir)) != NULL) {
			if (strncmp(d->d_name, "w1_bus_master", 13) == 0)
				master = 1;
			/* 28-: the DS18B20's family code. */
			if (strncmp(d->d_name, "28-", 3) == 0 && p->nw1 < 8 &&
			    strlen(d->d_name) < sizeof(p->w1[0]))
				memcpy(p->w1[p->nw1++], d->d_name,
				    strlen(d->d_name) + 1);
		}
		closedir(dir);
	}
	if (!master) {
		printf("1-Wire   not enabled: no bus master in %s\n", path);
		printf("         fix: sudo raspi-config nonint do_onewire 0 "
		    "(or dtoverlay=w1-gpio in /boot/firmware/config.txt: "
		    "GPIO4), then reboot\n");
		return;
	}
	printf("1-Wire   enabled: %d DS18B20%s", p->nw1, p->nw1 ? ":" : "");
	for (i = 0; i < p->nw1; i++)
		printf(" %s", p->w1[i]);
	printf("\n");
}

static int
is_gpiochip(const struct dirent *d)
{
	return strncmp(d->d_name, "gpiochip", 8) == 0;
}

static void
check_gpio(const struct probe *p)
{
	struct dirent **names;
	char path[256];
	int i, n, denied = 0;

	if ((n = scandir(p->dev, &names, is_gpiochip, alphasort)) <= 0) {
		printf("GPIO     no %s/gpiochip*\n", p->dev);
		if (n == 0)
			free(names);
		return;
	}
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", p->dev,
		    names[i]->d_name) >= sizeof(path)) {
			free(names[i]);
			continue;
		}
		if (!denied && !may_open(path, "GPIO     ", "       "))
			denied = 1;
		free(names[i]);
	}
	free(names);
	if (!denied)
		printf("GPIO     %d chip%s, you may open them\n", n,
		    n == 1 ? "" : "s");
}

static void
collect(void *ctx, int index, const struct sample *s)
{
	struct got *g = ctx;

	(void)index;
	g->n++;
	g->last = *s;
	if (g->watch != NULL && !g->moved && move_watch_feed(g->watch,
	    s->t, s->v))
		g->moved = 1;
}

/* Runs the driver until secs have passed or until g->moved. */
static int
run_sensor(struct sensor *s, struct got *g, double secs)
{
	struct sensor_clock now;
	struct pollfd pfd;
	double until = mono_now() + secs, wait;

	for (;;) {
		now = clock_now();
		if (now.mono >= until || g->moved)
			return 0;
		wait = until - now.mono;
		if (s->next_read > 0 && s->next_read - now.mono < wait)
			wait = s->next_read - now.mono;
		pfd.fd = s->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (wait > 0 && poll(&pfd, s->fd >= 0 ? 1 : 0,
		    (int)ceil(wait * 1000)) == -1 && errno != EINTR)
			return sensor_fail(s, "poll: %s", strerror(errno));
		now = clock_now();
		if ((s->fd >= 0 && (pfd.revents & POLLIN)) ||
		    (s->next_read > 0 && now.mono >= s->next_read))
			if (s->ops->read(s, &now) == -1)
				return -1;
	}
}

static void
show_reading(const struct sensor *s, const struct got *g)
{
	switch (s->ops->kind) {
	case REC_ACCEL:
		printf("%+.2f %+.2f %+.2f g, %ld samples in %.0f s",
		    g->last.v[0], g->last.v[1], g->last.v[2], g->n, READ_S);
		break;
	case REC_TEMP:
		printf("%.2f °C", g->last.v[0]);
		break;
	default:
		printf("%s", g->last.v[0] != 0 ? "active" : "inactive");
		break;
	}
}

/* 1: the sensor works. */
static int
check_sensor(const struct config *c, const struct sensor_conf *sc,
    int move, double move_s)
{
	struct sensor s;
	struct got g;
	struct move_watch watch;
	struct leg_params lp;
	struct sensor_clock now;
	int ok = 0;

	memset(&s, 0, sizeof(s));
	memset(&g, 0, sizeof(g));
	printf("  %-8s %s: ", sc->name, sc->type->name);
	fflush(stdout);
	if ((s.ops = sc->type->ops) == NULL) {
		printf("a recording, nothing to check\n");
		return 1;
	}
	s.name = sc->name;
	s.settings = sc->settings.bytes;
	s.emit = collect;
	s.ctx = &g;
	s.fd = -1;
	now = clock_now();
	if (s.ops->open(&s, &now) == -1 || run_sensor(&s, &g, READ_S) == -1) {
		printf("FAILED: %s\n", s.error);
		goto done;
	}
	if (g.n == 0) {
		printf("FAILED: no reading in %.0f s\n", READ_S);
		goto done;
	}
	show_reading(&s, &g);
	printf("\n");
	ok = 1;
	if (!move || s.ops->kind != REC_ACCEL)
		goto done;
	config_leg_params(c, sc, &lp);
	printf("  %-8s keep it still for %.0f s...\n", "", STILL_S);
	fflush(stdout);
	move_watch_init(&watch, &lp.move, clock_now().unix + STILL_S);
	g.watch = &watch;
	if (run_sensor(&s, &g, STILL_S) == -1) {
		printf("  %-8s FAILED: %s\n", "", s.error);
		ok = 0;
		goto done;
	}
	printf("  %-8s now move the foot (%.0f s)...\n", "", move_s);
	fflush(stdout);
	if (run_sensor(&s, &g, move_s) == -1) {
		printf("  %-8s FAILED: %s\n", "", s.error);
		ok = 0;
	} else if (g.moved)
		printf("  %-8s leg movement seen: %.1f s\n", "", watch.seconds);
	else {
		printf("  %-8s no leg movement seen in %.0f s: is the sensor "
		    "fixed to the leg, and is it this one?\n", "", move_s);
		ok = 0;
	}
done:
	if (s.ops != NULL)
		s.ops->close(&s);
	return ok;
}

/* "ankle", "ankle2"... for accelerometers, "room"... for thermometers. */
static const char *
name_for(const char *type, int *accels, int *thermos, char *buf,
    size_t len)
{
	int accel = strcmp(type, "mpu6050") == 0 ||
	    strcmp(type, "adxl345") == 0;
	int n = accel ? ++*accels : ++*thermos;

	if (n == 1)
		snprintf(buf, len, "%s", accel ? "ankle" : "room");
	else
		snprintf(buf, len, "%s%d", accel ? "ankle" : "room", n);
	return buf;
}

static void
snippet(const struct probe *p)
{
	int i, accels = 0, thermos = 0, n = 0;
	char name[32];

	printf("\nConfiguration for what was found (legwatchd.conf(5)):\n");
	printf("sensors = (\n");
	for (i = 0; i < p->nfound; i++) {
		const struct chip_seen *c = &p->found[i].c;

		if (c->verdict != CHIP_FOUND)
			continue;
		printf("%s  { name = \"%s\"; type = \"%s\"; bus = %d; "
		    "address = 0x%02x; }", n++ ? ",\n" : "",
		    name_for(c->type, &accels, &thermos, name, sizeof(name)),
		    c->type, p->found[i].bus, c->addr);
	}
	for (i = 0; i < p->nw1; i++)
		printf("%s  { name = \"%s\"; type = \"ds18b20\"; device = "
		    "\"%s\"; }", n++ ? ",\n" : "", name_for("ds18b20",
		    &accels, &thermos, name, sizeof(name)), p->w1[i]);
	if (n == 0)
		printf("  # nothing found to configure");
	printf("\n);\n");
}

static void
usage(void)
{
	fprintf(stderr, "usage: legwatch-probe [-n] [-c file] [-t seconds]\n"
	    "  -c FILE     the configuration whose sensors to read (default "
	    DEFAULT_CONFIG ")\n"
	    "  -n          no movement check (no one at the sensor)\n"
	    "  -t SECONDS  how long to wait for the movement (default 15)\n");
	exit(EX_USAGE);
}

int
main(int argc, char **argv)
{
	static struct probe p;
	static struct config conf;
	const char *path = DEFAULT_CONFIG;
	char err[CONFIG_ERR_MAX], *end;
	double move_s = MOVE_S;
	int ch, i, move = 1, explicit = 0;

	while ((ch = getopt(argc, argv, "c:nt:")) != -1)
		switch (ch) {
		case 'c':
			path = optarg;
			explicit = 1;
			break;
		case 'n':
			move = 0;
			break;
		case 't':
			move_s = strtod(optarg, &end);
			if (*end != '\0' || !(move_s >= 1 && move_s <= 600)) {
				fprintf(stderr, "legwatch-probe: -t %s: seconds, "
				    "1..600\n", optarg);
				return EX_USAGE;
			}
			break;
		default:
			usage();
		}
	if (optind != argc)
		usage();
	p.dev = "/dev";
	p.sys = "/sys";
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("legwatch-probe %s: is it wired right?\n\n", LEGWATCH_VERSION);
	check_i2c(&p);
	check_w1(&p);
	check_gpio(&p);

	if (access(path, F_OK) == -1 && !explicit) {
		printf("\nNo configuration at %s: nothing configured to read.\n",
		    path);
		snippet(&p);
		return EX_OK;
	}
	if (config_load(&conf, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "legwatch-probe: %s\n", err);
		return EX_CONFIG;
	}
	printf("\nConfigured sensors (%s):\n", path);
	for (i = 0; i < conf.nsensors; i++)
		if (!check_sensor(&conf, &conf.sensors[i], move, move_s))
			p.faults++;
	if (conf.nsensors == 0)
		printf("  none\n");
	snippet(&p);
	if (p.faults > 0) {
		printf("\n%d of %d configured sensor%s do%s not work.\n",
		    p.faults, conf.nsensors, conf.nsensors == 1 ? "" : "s",
		    p.faults == 1 ? "es" : "");
		return EX_FAULT;
	}
	printf("\nEvery configured sensor works.\n");
	return EX_OK;
}
