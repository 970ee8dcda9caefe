/*
 * The night as EDF+ (the European Data Format that polysomnographs write
 * and sleep clinics read), written with EDFlib: each accelerometer's
 * three axes in g, each thermometer in degC held at 1 Hz, each motion
 * switch's level held at 25 Hz, and every event as an annotation with its
 * onset and duration.
 *
 * An EDF has one data-record length for all signals and a whole number of
 * samples of each in a record: records of 1 s, accelerometers at 25, 50 or
 * 100 Hz (other rates resampled to the nearest), thermometers at 1 Hz.
 * The file starts on a whole second.  EDFlib writes continuous EDF+ only,
 * so a stretch without samples (over a second for an accelerometer, five
 * minutes for a thermometer) is written as zeros and annotated
 * "No data <sensor>".
 *
 * Samples are resampled as they come and spooled, 2 bytes a sample, to an
 * unlinked file beside the target: memory stays small however long the
 * night.  The EDF is written at edf_close, when the number of annotations
 * is known (EDFlib must be told the number of annotation signals before
 * the first sample, and silently drops what does not fit), through the
 * atomic writer (daemon/atomicfile.h): a file of its own made beside the
 * target, never through a link, renamed over it.  Header fields are
 * ASCII.
 */
#ifndef LEGWATCH_EDF_H
#define LEGWATCH_EDF_H

#include <stddef.h>

#include "event.h"
#include "sensors/recording.h"

enum edf_kind {
	EDF_ACCEL,		/* ax, ay, az in g */
	EDF_TEMP,		/* degC */
	EDF_MOTION,		/* the level, 0 or 1, one sample per change */
};

struct edf_source {
	const char	*name;
	enum edf_kind	 kind;
};

#define EDF_ANNOTATION_MAX	40	/* EDFlib cuts an annotation there */

struct edf;

/*
 * The file name in the folder dirfd (kept open: a dup), dir for
 * messages.  equipment names the device in the header (ASCII is kept,
 * the rest replaced).  NULL with err set when the spool cannot be made.
 */
struct edf	*edf_open(int dirfd, const char *dir, const char *name,
		    const struct edf_source *src, int nsrc,
		    const char *equipment, char *err, size_t errsz);
/* The same for any path: its folder is opened here. */
struct edf	*edf_open_path(const char *path, const struct edf_source *src,
		    int nsrc, const char *equipment, char *err, size_t errsz);
/* A source's samples come in time order; one later than its last. */
void		 edf_sample(struct edf *e, int source, const struct sample *s);
/* Any event; those that are not annotated are ignored. */
void		 edf_event(struct edf *e, const struct event *ev);
/*
 * Writes the file and frees e: 0, or -1 with err naming the file (the
 * target is then left as it was).
 */
int		 edf_close(struct edf *e, char *err, size_t errsz);
/* Frees e, writing nothing. */
void		 edf_discard(struct edf *e);

/* The pure parts, for the tests. */
/* The EDF's rate for an input rate: 25, 50 or 100 Hz. */
int		 edf_rate(double input_hz);
/* The annotation of an event into buf; 0 when it is not annotated. */
int		 edf_annotation(const struct event *ev, char *buf, size_t bufsz);

#endif
