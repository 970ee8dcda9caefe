/*
 * libFuzzer: the DS18B20 driver on a fake sysfs, its temperature file
 * holding whatever the input says.  A reading handed out must be what the
 * whole file says (an optional '-', digits, one optional newline: what
 * w1_therm writes) in millidegrees, within -40..85 °C, and 85.000 only
 * close to the reading before; a file like that, no longer than a line,
 * must not be refused.
 *
 * Input: flags, then the temperature file's contents one reading after
 * another, separated by 0xff bytes.
 */
#include <limits.h>
#include <sys/stat.h>

/* The longest file the driver reads whole (its buffer, less the NUL). */
#define LINE_MAX_BYTES	31
#include <unistd.h>

#include "driver_rig.h"

#define DEV		"28-000000000001"
#define OTHER		"28-000000000002"

static char root[64], devs[160];

static void
cleanup(void)
{
	char cmd[128];

	if (root[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", root);
	}
}

static void
put(const char *rel, const void *p, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", devs, rel);
	if ((f = fopen(path, "w")) == NULL)
		broken("%s: cannot write", path);
	if (len > 0 && fwrite(p, 1, len, f) != len)
		broken("%s: cannot write", path);
	if (fclose(f) != 0)
		broken("%s: cannot write", path);
}

/* The file as w1_therm writes it: 1 with *mc, or 0. */
static int
parse(const uint8_t *p, size_t len, long *mc)
{
	size_t i = 0;
	long v = 0;
	int neg = 0;

	if (len > 0 && p[len - 1] == '\n')
		len--;
	if (len > 0 && p[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == len)
		return 0;
	for (; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		if (v > (LONG_MAX - 9) / 10)
			return 0;	/* the driver may refuse it */
		v = v * 10 + (p[i] - '0');
	}
	*mc = neg ? -v : v;
	return 1;
}

/* The file's bytes for a message, escaped. */
static const char *
shown(const uint8_t *p, size_t len)
{
	static char buf[4 * 64 + 8];
	size_t i, at = 0;

	for (i = 0; i < len && i < 64; i++)
		at += (size_t)snprintf(buf + at, sizeof(buf) - at,
		    p[i] >= ' ' && p[i] <= '~' && p[i] != '\\' ? "%c" :
		    "\\x%02x", p[i]);
	if (i < len)
		snprintf(buf + at, sizeof(buf) - at, "...");
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rig r;
	struct sensor_clock now = { 1.7e9, 100.0 };
	const uint8_t *p, *end, *sep;
	char path[256];
	uint8_t flags;
	long mc = 0, last = 0;
	int rc, have_last = 0, ok, bulk, other;

	if (root[0] == '\0') {
		snprintf(root, sizeof(root), "%s/legwatch-fuzz-w1.XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(root) == NULL)
			broken("mkdtemp %s", root);
		atexit(cleanup);
		snprintf(devs, sizeof(devs), "%s/sys", root);
		mkdir(devs, 0755);
		snprintf(devs, sizeof(devs), "%s/sys/bus", root);
		mkdir(devs, 0755);
		snprintf(devs, sizeof(devs), "%s/sys/bus/w1", root);
		mkdir(devs, 0755);
		snprintf(devs, sizeof(devs), "%s/sys/bus/w1/devices", root);
		mkdir(devs, 0755);
		snprintf(path, sizeof(path), "%s/" DEV, devs);
		if (mkdir(path, 0755) == -1)
			broken("mkdir %s", path);
	}
	if (size == 0)
		return 0;
	flags = data[0];
	p = data + 1;
	end = data + size;
	/* A bus master with therm_bulk_read, a second thermometer. */
	bulk = flags & 0x02;
	other = flags & 0x04;
	snprintf(path, sizeof(path), "%s/therm_bulk_read", devs);
	if (bulk)
		put("therm_bulk_read", "", 0);
	else
		unlink(path);
	snprintf(path, sizeof(path), "%s/" OTHER, devs);
	if (other) {
		mkdir(path, 0755);
		put(OTHER "/temperature", "20000\n", 6);
	} else {
		unlink(strcat(path, "/temperature"));
		snprintf(path, sizeof(path), "%s/" OTHER, devs);
		rmdir(path);
	}
	put(DEV "/temperature", "", 0);

	rig_init(&r, &ds18b20_ops);
	r.s.i2c = NULL;
	r.s.sysfs_root = root;
	snprintf(r.c.w1.w1_device, sizeof(r.c.w1.w1_device), "%s",
	    flags & 0x01 ? "auto" : DEV);
	r.c.w1.interval_s = flags & 0x08 ? 0 : 30;
	rc = rig_call(&r, ds18b20_ops.open, &now, "open");
	if ((flags & 0x01) && other) {
		if (rc != -1 || strstr(r.s.error, "2 thermometers") == NULL)
			broken("auto with two thermometers: rc %d %s", rc,
			    r.s.error);
	} else if (rc != 0)
		broken("open failed: %s", r.s.error);
	if (rc == -1) {
		rig_close(&r);
		return 0;
	}
	while (p < end) {
		if ((sep = memchr(p, 0xff, (size_t)(end - p))) == NULL)
			sep = end;
		put(DEV "/temperature", p, (size_t)(sep - p));
		ok = parse(p, (size_t)(sep - p), &mc);
		now.mono = r.s.next_read;
		now.unix = 1.7e9 + now.mono;
		rc = rig_call(&r, ds18b20_ops.read, &now, "read");
		if (bulk) {
			if (rc != 0 || r.n != 0)
				broken("a bulk read's trigger: rc %d, %d "
				    "samples: %s", rc, r.n, r.s.error);
			now.mono = r.s.next_read;
			now.unix = 1.7e9 + now.mono;
			(void)rig_call(&r, ds18b20_ops.read, &now, "read");
		}
		if (r.n > 1)
			broken("%d samples from one reading", r.n);
		/*
		 * w1_therm writes a short line ("-55000\n" at most); one
		 * longer than the driver's line may be refused, but what is
		 * handed out must still be right.
		 */
		if (ok && (size_t)(sep - p) < LINE_MAX_BYTES &&
		    mc >= -40000 && mc <= 85000 &&
		    (mc != 85000 || (have_last && last >= 80000))) {
			if (r.n != 1)
				broken("\"%s\" refused: %s",
				    shown(p, (size_t)(sep - p)), r.s.error);
		} else if (r.n != 0 && !ok)
			broken("\"%s\" is not a reading, yet %.3f °C was "
			    "handed out", shown(p, (size_t)(sep - p)),
			    r.got[0].v[0]);
		else if (r.n != 0)
			broken("\"%s\" handed out as %.3f °C",
			    shown(p, (size_t)(sep - p)), r.got[0].v[0]);
		if (r.n == 1) {
			if (r.got[0].v[0] != mc / 1000.0)
				broken("\"%s\" handed out as %.3f °C",
				    shown(p, (size_t)(sep - p)),
				    r.got[0].v[0]);
			have_last = 1;
			last = mc;
		}
		p = sep < end ? sep + 1 : end;
	}
	rig_close(&r);
	return 0;
}
