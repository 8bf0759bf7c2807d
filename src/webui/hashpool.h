/*
 * hashpool.h - password hashing off shoal-web's event loop: a bounded
 * pool of joinable threads.
 *
 * A yescrypt hash costs about 50 ms of CPU and 16 MiB; on the loop it
 * would stall every other client for that long, per login.  A job (check
 * a password against a setting, or make a new hash) is queued to one of a
 * few threads (fewer than the CPUs, so the loop keeps one), which touch
 * nothing but the job (the store stays on the loop).  The result comes
 * back through an eventfd: done runs on the loop, never on a thread.
 *
 * Bounded: at most queue_max jobs wait; hashpool_submit() refuses more
 * (the caller answers 429), so a login flood costs at most `threads`
 * CPUs and a queue, and never the loop.
 */
#ifndef SHOAL_HASHPOOL_H
#define SHOAL_HASHPOOL_H

struct event_base;
struct hashpool;

enum hashpool_op {
	HASHPOOL_CHECK,		/* users_hash_check(password, setting) */
	HASHPOOL_NEW,		/* users_hash_new(password) */
};

#define HASHPOOL_CANCELLED	(-2)	/* result of a job dropped at exit */

/*
 * A job's end, on the loop.  CHECK: result 1 match, 0 no match, -1 error.
 * NEW: result 0 with hash set (the callee owns it: str_free_secret()), or
 * -1.  Either: HASHPOOL_CANCELLED when hashpool_free() dropped the job.
 */
typedef void (*hashpool_done)(int result, char *hash, void *arg);

/* threads >= 1 workers, queue_max >= 1 waiting jobs.  NULL (logged). */
struct hashpool *hashpool_new(struct event_base *, unsigned int threads,
    unsigned int queue_max);
/*
 * Queues a job; copies password (wiped when done) and setting (CHECK
 * only, may be NULL for NEW).  0, or -1 when the queue is full or memory
 * is short: done will not run.
 */
int hashpool_submit(struct hashpool *, enum hashpool_op,
    const char *password, const char *setting, hashpool_done done,
    void *arg);
/* Jobs queued or running (for tests and the status of a shutdown). */
unsigned int hashpool_pending(const struct hashpool *);
/*
 * Stops the pool: waiting jobs are dropped (their done runs with
 * HASHPOOL_CANCELLED), running ones finish (their done runs normally),
 * the threads are joined, all before it returns.  NULL is a no-op.
 */
void hashpool_free(struct hashpool *);

#endif
