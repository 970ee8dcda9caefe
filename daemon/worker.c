#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "worker.h"

/*
 * The jobs that are back and wait for the loop, oldest first, and how
 * many are out; the lock guards both and every job's dropped flag.
 */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct worker_job *back_first, *back_last;
static int nout;
static int wake_fd = -1;

int
worker_fd(void)
{
	if (wake_fd == -1)
		wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return wake_fd;
}

static void *
job_thread(void *arg)
{
	struct worker_job *job = arg;
	uint64_t one = 1;
	ssize_t r;
	int dropped;

	job->run(job);
	pthread_mutex_lock(&lock);
	nout--;
	if (!(dropped = job->dropped)) {
		job->next = NULL;
		if (back_last != NULL)
			back_last->next = job;
		else
			back_first = job;
		back_last = job;
	}
	pthread_mutex_unlock(&lock);
	if (dropped)
		job->drop(job);
	else {
		r = write(wake_fd, &one, sizeof(one));	/* cannot fill */
		(void)r;
	}
	return NULL;
}

int
worker_start(struct worker_job *job)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	if (worker_fd() == -1)
		return -1;
	job->next = NULL;
	job->dropped = 0;
	if ((rc = pthread_attr_init(&attr)) != 0) {
		errno = rc;
		return -1;
	}
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Signals are the loop's: the thread starts with all of them held. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_mutex_lock(&lock);
	nout++;
	pthread_mutex_unlock(&lock);
	rc = pthread_create(&tid, &attr, job_thread, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_lock(&lock);
		nout--;
		pthread_mutex_unlock(&lock);
		errno = rc;
		return -1;
	}
	return 0;
}

void
worker_readable(void)
{
	struct worker_job *job;
	uint64_t n;
	ssize_t r;

	r = read(wake_fd, &n, sizeof(n));	/* EAGAIN: a count read already */
	(void)r;
	/* One at a time: a done() may drop a job that is back too. */
	for (;;) {
		pthread_mutex_lock(&lock);
		if ((job = back_first) != NULL &&
		    (back_first = job->next) == NULL)
			back_last = NULL;
		pthread_mutex_unlock(&lock);
		if (job == NULL)
			return;
		job->done(job);
	}
}

void
worker_drop(struct worker_job *job)
{
	struct worker_job **p, *prev = NULL;
	int back = 0;

	pthread_mutex_lock(&lock);
	for (p = &back_first; *p != NULL; prev = *p, p = &(*p)->next)
		if (*p == job) {
			*p = job->next;
			if (back_last == job)
				back_last = prev;
			back = 1;
			break;
		}
	if (!back)
		job->dropped = 1;
	pthread_mutex_unlock(&lock);
	if (back)
		job->drop(job);
}

int
worker_busy(void)
{
	int busy;

	pthread_mutex_lock(&lock);
	busy = nout > 0 || back_first != NULL;
	pthread_mutex_unlock(&lock);
	return busy;
}
