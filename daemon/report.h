/*
 * The night as a picture: one self-contained SVG 1.1 file (no fonts,
 * scripts or images from elsewhere) with the movements on a time axis,
 * PLM series as shaded bands, cramps marked, the temperature on its own
 * axis, hour labels in local time, and the night's figures.
 *
 * Fed incrementally, so a live daemon can keep one through a night and
 * write it when the night ends: every event goes to report_event()
 * (those the picture does not use are ignored), every temperature
 * reading to report_temperature(), then, after the night_summary,
 * report_write() and report_clear().  The time axis spans whatever was
 * fed, so a live caller clears at the night window's start too, or the
 * day's temperatures widen it.  Pure: nothing here reads a clock, a file
 * or a socket; times are the events' own, shown in the process's time
 * zone (TZ, through localtime_r).
 *
 * The picture covers everything fed since report_new() or report_clear().
 * The figures are those of the night_summary events fed: with several
 * (a recording that runs past the night window) they are added up over
 * all of them, the PLM index is all PLMs over all hours, and each night's
 * end is drawn as a dashed line.  Without any summary the figures are
 * counted from the events themselves, over the time they span.
 *
 * Memory stays bounded however long the input: at most REPORT_MARKS_MAX
 * movements, cramps and series are kept (more are counted and said in the
 * picture), and each thermometer keeps at most REPORT_TEMP_POINTS points
 * by averaging neighbours when it fills up.
 */
#ifndef LEGWATCH_REPORT_H
#define LEGWATCH_REPORT_H

#include <stdio.h>

#include "event.h"

#define REPORT_MARKS_MAX	100000
#define REPORT_TEMP_POINTS	1024
#define REPORT_TEMP_SENSORS	4	/* lines drawn; more are left out */
#define REPORT_ROWS		4	/* sensor rows; more share the last */

struct report;

struct report	*report_new(void);
void		 report_free(struct report *r);
/* Forget everything fed: the next night starts. */
void		 report_clear(struct report *r);
/* A line under the title: the files, or the device's name. */
void		 report_set_subtitle(struct report *r, const char *text);
/* 0, or -1 when it could not be kept (out of memory, or full). */
int		 report_event(struct report *r, const struct event *ev);
int		 report_temperature(struct report *r, const char *sensor,
		    double t, double temp_c);
/* The whole SVG document to f: 0, or -1 when writing failed. */
int		 report_write(const struct report *r, FILE *f);

#endif
