/*
 * hashpool.c - yescrypt on a few threads, results back on the loop.
 *
 * hp_lock guards the two lists the threads share with the loop: jobs
 * waiting and jobs finished.  A thread takes the oldest waiting job,
 * hashes without the lock, puts the job on the finished list and bumps
 * the eventfd; the loop's callback takes the finished list whole and runs
 * each job's done.  hp_pending is the loop's own count (submitted, done
 * not run yet).
 */
#include "shoal-build.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>

#include "lib/log.h"
#include "lib/util.h"
#include "store/users.h"
#include "hashpool.h"

struct hashpool_job {
	enum hashpool_op	 j_op;
	char			*j_password;
	char			*j_setting;
	int			 j_result;
	char			*j_hash;	/* NEW's result */
	hashpool_done		 j_done;
	void			*j_arg;
	TAILQ_ENTRY(hashpool_job) j_entry;
};

TAILQ_HEAD(hashpool_jobs, hashpool_job);

struct hashpool {
	pthread_mutex_t		 hp_lock;
	pthread_cond_t		 hp_cond;
	struct hashpool_jobs	 hp_waiting;	/* hp_lock */
	struct hashpool_jobs	 hp_finished;	/* hp_lock */
	unsigned int		 hp_nwaiting;	/* hp_lock */
	int			 hp_stop;	/* hp_lock */
	unsigned int		 hp_queue_max;
	unsigned int		 hp_pending;	/* the loop's */
	int			 hp_efd;
	struct event		*hp_ev;
	pthread_t		*hp_threads;
	unsigned int		 hp_nthreads;
};

static void
job_free(struct hashpool_job *j)
{
	str_free_secret(j->j_password);
	str_free_secret(j->j_setting);
	str_free_secret(j->j_hash);
	free(j);
}

static void
job_run(struct hashpool_job *j)
{
	if (j->j_op == HASHPOOL_CHECK) {
		j->j_result = users_hash_check(j->j_password, j->j_setting);
		return;
	}
	j->j_hash = users_hash_new(j->j_password);
	j->j_result = j->j_hash != NULL ? 0 : -1;
}

/* The oldest waiting job, or NULL when the pool stops (lock held). */
static struct hashpool_job *
pool_take(struct hashpool *hp)
{
	struct hashpool_job *j;

	while (!hp->hp_stop && TAILQ_EMPTY(&hp->hp_waiting))
		pthread_cond_wait(&hp->hp_cond, &hp->hp_lock);
	if (hp->hp_stop)
		return NULL;
	j = TAILQ_FIRST(&hp->hp_waiting);
	TAILQ_REMOVE(&hp->hp_waiting, j, j_entry);
	hp->hp_nwaiting--;
	return j;
}

static void *
pool_thread(void *arg)
{
	struct hashpool *hp = arg;
	struct hashpool_job *j;
	uint64_t one = 1;

	pthread_mutex_lock(&hp->hp_lock);
	while ((j = pool_take(hp)) != NULL) {
		pthread_mutex_unlock(&hp->hp_lock);
		job_run(j);
		pthread_mutex_lock(&hp->hp_lock);
		TAILQ_INSERT_TAIL(&hp->hp_finished, j, j_entry);
		if (write(hp->hp_efd, &one, sizeof(one)) == -1 &&
		    errno != EAGAIN)
			log_warn("hash pool: eventfd");
	}
	pthread_mutex_unlock(&hp->hp_lock);
	return NULL;
}

/* Runs done for every job of list (on the loop) and frees them. */
static void
pool_deliver(struct hashpool *hp, struct hashpool_jobs *list)
{
	struct hashpool_job *j;
	char *hash;

	while ((j = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, j, j_entry);
		hash = j->j_hash;
		j->j_hash = NULL;
		hp->hp_pending--;
		j->j_done(j->j_result, hash, j->j_arg);
		job_free(j);
	}
}

/* Moves what the threads finished to a private list; the lock is short. */
static void
pool_collect(struct hashpool *hp, struct hashpool_jobs *out)
{
	TAILQ_INIT(out);
	pthread_mutex_lock(&hp->hp_lock);
	TAILQ_CONCAT(out, &hp->hp_finished, j_entry);
	pthread_mutex_unlock(&hp->hp_lock);
}

static void
pool_ready(evutil_socket_t fd, short what, void *arg)
{
	struct hashpool *hp = arg;
	struct hashpool_jobs done;
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_warn("hash pool: eventfd");
	pool_collect(hp, &done);
	pool_deliver(hp, &done);
}

/* Starts the threads with every signal blocked (the loop takes them). */
static int
pool_start_threads(struct hashpool *hp, unsigned int n)
{
	sigset_t all, old;
	int rc = 0;

	if ((hp->hp_threads = calloc(n, sizeof(pthread_t))) == NULL)
		return -1;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (; hp->hp_nthreads < n; hp->hp_nthreads++) {
		if ((errno = pthread_create(&hp->hp_threads[hp->hp_nthreads],
		    NULL, pool_thread, hp)) != 0) {
			log_warn("hash pool: pthread_create");
			rc = -1;
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

struct hashpool *
hashpool_new(struct event_base *base, unsigned int threads,
    unsigned int queue_max)
{
	struct hashpool *hp;

	if ((hp = calloc(1, sizeof(*hp))) == NULL) {
		log_warn("hash pool");
		return NULL;
	}
	hp->hp_efd = -1;
	pthread_mutex_init(&hp->hp_lock, NULL);
	pthread_cond_init(&hp->hp_cond, NULL);
	TAILQ_INIT(&hp->hp_waiting);
	TAILQ_INIT(&hp->hp_finished);
	hp->hp_queue_max = queue_max;
	if ((hp->hp_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_warn("hash pool: eventfd");
		goto fail;
	}
	if ((hp->hp_ev = event_new(base, hp->hp_efd, EV_READ | EV_PERSIST,
	    pool_ready, hp)) == NULL || event_add(hp->hp_ev, NULL) == -1) {
		log_warnx("hash pool: cannot watch the eventfd");
		goto fail;
	}
	if (pool_start_threads(hp, threads) == -1)
		goto fail;
	return hp;
fail:
	hashpool_free(hp);
	return NULL;
}

int
hashpool_submit(struct hashpool *hp, enum hashpool_op op,
    const char *password, const char *setting, hashpool_done done,
    void *arg)
{
	struct hashpool_job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->j_password = strdup(password)) == NULL ||
	    (setting != NULL && (j->j_setting = strdup(setting)) == NULL)) {
		if (j != NULL)
			job_free(j);
		return -1;
	}
	j->j_op = op;
	j->j_done = done;
	j->j_arg = arg;
	pthread_mutex_lock(&hp->hp_lock);
	if (hp->hp_stop || hp->hp_nwaiting >= hp->hp_queue_max) {
		pthread_mutex_unlock(&hp->hp_lock);
		job_free(j);
		return -1;
	}
	TAILQ_INSERT_TAIL(&hp->hp_waiting, j, j_entry);
	hp->hp_nwaiting++;
	hp->hp_pending++;
	pthread_cond_signal(&hp->hp_cond);
	pthread_mutex_unlock(&hp->hp_lock);
	return 0;
}

unsigned int
hashpool_pending(const struct hashpool *hp)
{
	return hp->hp_pending;
}

void
hashpool_free(struct hashpool *hp)
{
	struct hashpool_jobs dropped, done;
	struct hashpool_job *j;
	unsigned int i;

	if (hp == NULL)
		return;
	TAILQ_INIT(&dropped);
	pthread_mutex_lock(&hp->hp_lock);
	hp->hp_stop = 1;
	TAILQ_CONCAT(&dropped, &hp->hp_waiting, j_entry);
	hp->hp_nwaiting = 0;
	pthread_cond_broadcast(&hp->hp_cond);
	pthread_mutex_unlock(&hp->hp_lock);
	for (i = 0; i < hp->hp_nthreads; i++)
		pthread_join(hp->hp_threads[i], NULL);
	TAILQ_FOREACH(j, &dropped, j_entry)
		j->j_result = HASHPOOL_CANCELLED;
	pool_collect(hp, &done);
	pool_deliver(hp, &done);
	pool_deliver(hp, &dropped);
	if (hp->hp_ev != NULL)
		event_free(hp->hp_ev);
	if (hp->hp_efd != -1)
		close(hp->hp_efd);
	free(hp->hp_threads);
	pthread_cond_destroy(&hp->hp_cond);
	pthread_mutex_destroy(&hp->hp_lock);
	free(hp);
}
