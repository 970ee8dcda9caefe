#include <math.h>
#include <stdio.h>
#include <string.h>

#include "replay.h"

static void
stem(const char *path, char *buf, size_t bufsz)
{
	const char *base = strrchr(path, '/');
	char *dot, *c;


	snprintf(buf, bufsz, "%s", base ? base + 1 : path);
	if ((dot = strrchr(buf, '.')) != NULL && dot != buf)
		*dot = '\0';
	/* A sensor's name goes into JSON and MQTT: keep it plain. */
	for (c = buf; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			*c = '_';
}

int
replay_open(struct replay_set *set, const char *const *paths, int n,
    int *missing)
{
	int i, j, r;

	memset(set, 0, sizeof(*set));
	*missing = 0;
	if (n > REPLAY_MAX) {
		snprintf(set->error, sizeof(set->error), "at most %d recordings",
		    REPLAY_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (recording_open(&set->rec[i], paths[i]) == -1) {
			snprintf(set->error, sizeof(set->error), "%s",
			    set->rec[i].error);
			*missing = set->rec[i].open_errno != 0;
			goto fail;
		}
		set->n++;
		stem(paths[i], set->name[i], sizeof(set->name[i]));
		for (j = 0; j < i; j++)
			if (strcmp(set->name[j], set->name[i]) == 0)
				snprintf(set->name[i], sizeof(set->name[i]),
				    "%.24s-%d", set->name[j], (i + 1) % 100);
		if ((r = recording_read(&set->rec[i], &set->next[i])) == -1) {
			snprintf(set->error, sizeof(set->error), "%s",
			    set->rec[i].error);
			goto fail;
		}
		set->has_next[i] = r;
	}
	return 0;
fail:
	replay_close(set);
	return -1;
}

static int
earliest(const struct replay_set *set)
{
	int i, pick = -1;

	for (i = 0; i < set->n; i++)
		if (set->has_next[i] && (pick == -1 ||
		    set->next[i].t < set->next[pick].t))
			pick = i;
	return pick;
}

double
replay_peek(const struct replay_set *set)
{
	int pick = earliest(set);

	return pick == -1 ? NAN : set->next[pick].t;
}

int
replay_next(struct replay_set *set, int *idx, struct sample *s)
{
	int pick = earliest(set), r;

	if (pick == -1)
		return 0;
	*idx = pick;
	*s = set->next[pick];
	if ((r = recording_read(&set->rec[pick], &set->next[pick])) == -1) {
		snprintf(set->error, sizeof(set->error), "%s",
		    set->rec[pick].error);
		return -1;
	}
	set->has_next[pick] = r;
	return 1;
}

void
replay_close(struct replay_set *set)
{
	int i;

	for (i = 0; i < set->n; i++)
		recording_close(&set->rec[i]);
	set->n = 0;
}
