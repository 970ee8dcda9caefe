/*
 * Maxim DS18B20 1-Wire thermometer through the kernel's w1_therm sysfs
 * files: <root>/sys/bus/w1/devices/28-<serial>/temperature, in millidegrees.
 *
 * Reading that file makes the kernel convert and wait (750 ms at 12
 * bits) inside read(); where the bus master has therm_bulk_read (Linux
 * 5.10 on), the write of "trigger" there sleeps just as long, and the
 * value is read a second later.  Either way a read blocks, so the driver
 * says so (blocking): the daemon runs it off its loop, where a stall
 * would overflow an accelerometer's FIFO.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sensor.h"

#define W1_DEVICES		"/sys/bus/w1/devices"
#define W1_FAMILY		"28-"	/* DS18B20 */
#define POWER_ON_MC		85000	/* the scratchpad before a conversion */
/* Farther than this from the last reading, 85 °C is the power-on value. */
#define POWER_ON_JUMP_MC	5000
#define TEMP_MIN_MC		(-40000)
#define TEMP_MAX_MC		85000
#define CONVERT_S		1.0	/* 750 ms at 12 bits, and some */
#define INTERVAL_S		60.0

struct w1 {
	char		 dev[64];
	char		 temp[PATH_MAX];	/* .../28-xxx/temperature */
	char		 bulk[PATH_MAX];	/* the master's, or "" */
	double		 interval_s;
	int		 converting;
	int		 have_last;
	long		 last_mc;
};

static int
w1_fail(struct sensor *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
w1_fail(struct sensor *s, const char *fmt, ...)
{
	const struct ds18b20_settings *set = s->settings;
	struct w1 *w = s->priv;
	char what[SENSOR_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sensor_fail(s, "ds18b20 %s: %s",
	    w != NULL && w->dev[0] ? w->dev : set->w1_device, what);
}

/* "auto": the one 28-* device there is. */
static int
w1_find(struct sensor *s, const char *dir, char *dev, size_t devsz)
{
	char found[SENSOR_ERR_MAX / 2] = "", first[64] = "";
	struct dirent *de;
	size_t used = 0, len;
	int n = 0, r;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return w1_fail(s, "%s: %s (is the w1-gpio overlay on?)", dir,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, W1_FAMILY, strlen(W1_FAMILY)) != 0)
			continue;
		len = strlen(de->d_name);
		if (n++ == 0 && len < sizeof(first))
			memcpy(first, de->d_name, len + 1);
		r = snprintf(found + used, sizeof(found) - used, "%s%s",
		    used ? ", " : "", de->d_name);
		if (r > 0 && (size_t)r < sizeof(found) - used)
			used += (size_t)r;
	}
	closedir(d);
	if (n == 0)
		return w1_fail(s, "no " W1_FAMILY "* thermometer in %s", dir);
	if (n == 1 && (first[0] == '\0' || strlen(first) >= devsz))
		return w1_fail(s, "%s: name too long", found);
	if (n > 1)
		return w1_fail(s, "%d thermometers in %s (%s): name one in "
		    "w1_device", n, dir, found);
	memcpy(dev, first, strlen(first) + 1);
	return 0;
}

static void
w1_close(struct sensor *s)
{
	free(s->priv);
	s->priv = NULL;
}

static int
w1_open(struct sensor *s, const struct sensor_clock *now)
{
	const struct ds18b20_settings *c = s->settings;
	const char *root = s->sysfs_root ? s->sysfs_root : "";
	char dir[PATH_MAX], devdir[PATH_MAX], real[PATH_MAX], *slash;
	struct stat st;
	struct w1 *w;

	s->fd = -1;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return sensor_fail(s, "ds18b20: %s", strerror(errno));
	s->priv = w;
	w->interval_s = c->interval_s > 0 ? c->interval_s : INTERVAL_S;
	snprintf(dir, sizeof(dir), "%s" W1_DEVICES, root);
	if (strcmp(c->w1_device, "auto") == 0) {
		if (w1_find(s, dir, w->dev, sizeof(w->dev)) == -1)
			return -1;
	} else
		snprintf(w->dev, sizeof(w->dev), "%s", c->w1_device);
	if ((size_t)snprintf(devdir, sizeof(devdir), "%s/%s", dir,
	    w->dev) >= sizeof(devdir) ||
	    (size_t)snprintf(w->temp, sizeof(w->temp), "%s/temperature",
	    devdir) >= sizeof(w->temp))
		return w1_fail(s, "%s: path too long", dir);
	if (stat(devdir, &st) == -1)
		return w1_fail(s, "%s: %s", devdir, strerror(errno));
	/* The device's directory sits in its bus master's. */
	if (realpath(devdir, real) != NULL &&
	    (slash = strrchr(real, '/')) != NULL) {
		*slash = '\0';
		if ((size_t)snprintf(w->bulk, sizeof(w->bulk),
		    "%s/therm_bulk_read", real) >= sizeof(w->bulk) ||
		    access(w->bulk, W_OK) == -1)
			w->bulk[0] = '\0';
	}
	s->next_read = now->mono;
	return 0;
}

static int
w1_trigger(struct sensor *s, struct w1 *w)
{
	int fd;
	ssize_t n;

	if ((fd = open(w->bulk, O_WRONLY | O_CLOEXEC)) == -1)
		return w1_fail(s, "%s: %s", w->bulk, strerror(errno));
	n = write(fd, "trigger\n", 8);
	if (n != 8) {
		if (n >= 0)
			errno = EIO;
		w1_fail(s, "%s: %s", w->bulk, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The reading in millidegrees, or -1 with s->error. */
static int
w1_value(struct sensor *s, struct w1 *w, long *mc)
{
	char buf[32], *end;
	ssize_t n;
	int fd, saved;

	if ((fd = open(w->temp, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENODEV)
			return w1_fail(s, "gone (%s: %s)", w->temp,
			    strerror(errno));
		return w1_fail(s, "%s: %s", w->temp, strerror(errno));
	}
	n = read(fd, buf, sizeof(buf) - 1);
	saved = errno;
	close(fd);
	if (n == -1)
		return w1_fail(s, "read %s: %s", w->temp, strerror(saved));
	/* The kernel writes a short line: a full buffer is not one. */
	if (n == (ssize_t)sizeof(buf) - 1)
		return w1_fail(s, "%s: longer than a temperature", w->temp);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n == 0)
		return w1_fail(s, "empty reading from %s", w->temp);
	if (strlen(buf) != (size_t)n)
		return w1_fail(s, "%s: a NUL byte in the reading", w->temp);
	errno = 0;
	*mc = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf ||
	    !(buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9'))) {
		for (end = buf; *end; end++)
			if (*end < ' ' || *end > '~')
				*end = '?';
		return w1_fail(s, "not a temperature: \"%s\"", buf);
	}
	return 0;
}

static int
w1_read(struct sensor *s, const struct sensor_clock *now)
{
	struct w1 *w = s->priv;
	struct sample smp;
	long mc = 0, jump;

	if (w->bulk[0] && !w->converting) {
		s->next_read = now->mono + CONVERT_S;
		if (w1_trigger(s, w) == -1)
			return -1;
		w->converting = 1;
		return 0;
	}
	w->converting = 0;
	s->next_read = now->mono + w->interval_s;
	if (w1_value(s, w, &mc) == -1)
		return -1;
	/*
	 * 85 °C is what the scratchpad holds before any conversion (a
	 * brown-out, a conversion that never ran): believed only close to
	 * a reading just as warm.
	 */
	jump = w->have_last ? labs(mc - w->last_mc) : LONG_MAX;
	if (mc == POWER_ON_MC && jump > POWER_ON_JUMP_MC)
		return w1_fail(s, "85.000 °C is the power-on value, not a "
		    "measurement");
	if (mc < TEMP_MIN_MC || mc > TEMP_MAX_MC)
		return w1_fail(s, "%.3f °C is outside %d..%d °C", mc / 1000.0,
		    TEMP_MIN_MC / 1000, TEMP_MAX_MC / 1000);
	w->have_last = 1;
	w->last_mc = mc;
	memset(&smp, 0, sizeof(smp));
	smp.t = now->unix;
	smp.v[0] = mc / 1000.0;
	s->emit(s->ctx, s->index, &smp);
	return 0;
}

const struct sensor_ops ds18b20_ops = {
	.type = "ds18b20",
	.kind = REC_TEMP,
	.blocking = 1,
	.open = w1_open,
	.read = w1_read,
	.close = w1_close,
};
