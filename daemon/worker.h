/*
 * Calls that may block, kept off the loop.  A name lookup and the
 * broker's connect, a 1-Wire read (the kernel sleeps 750 ms in it), a
 * configuration parse (libconfig is quadratic in a group's members):
 * the loop hands each to a thread of its own and goes on polling; when
 * the call is over the loop hears it through one fd in its poll and
 * finishes the job itself.
 *
 * The narrow message: a job goes out whole and comes back whole.  While
 * it is out, its run() touches only the job (and what the job alone
 * owns: the mosquitto handle of a connect, the sensor of a read), and
 * the loop touches none of that; nothing else is shared.  Logging from
 * run() is not allowed (log.c is the loop's), nor is any other module's
 * state.  done() runs on the loop, in the order jobs finished.
 *
 * When the loop no longer wants a job that is still out (a reload
 * replaced the broker settings, the daemon stops), it drops it: the
 * thread then calls drop() instead, on its own, to free what the job
 * owns.  A thread blocked for good (a name server that never answers)
 * never holds up the loop or the exit.
 */
#ifndef LEGWATCH_WORKER_H
#define LEGWATCH_WORKER_H

struct worker_job {
	void	(*run)(struct worker_job *job);		/* on its thread */
	void	(*done)(struct worker_job *job);	/* back on the loop */
	void	(*drop)(struct worker_job *job);	/* on its thread */
	/* The worker's own. */
	struct worker_job	*next;
	int			 dropped;
};

/*
 * The fd the loop polls (POLLIN: jobs are back); -1 with errno when the
 * worker cannot be set up.
 */
int	worker_fd(void);
/*
 * Starts the job on a thread of its own.  0, or -1 with errno (then
 * nothing of the job ran and it is the caller's again).
 */
int	worker_start(struct worker_job *job);
/* The fd was readable: done() for every job that is back. */
void	worker_readable(void);
/*
 * The loop gives up a job still out: its drop() runs when its call is
 * over.  A job that is back already and waits for done() is dropped at
 * once, here.
 */
void	worker_drop(struct worker_job *job);
/* Jobs out or waiting for done(). */
int	worker_busy(void);

#endif
