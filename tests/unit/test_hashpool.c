/*
 * test_hashpool.c - shoal-web's password hashing pool on a real libevent
 * loop and real yescrypt: results come back on the loop's thread, right
 * and wrong passwords are told apart, the queue is bounded, and freeing
 * the pool ends every job exactly once.
 */
#include "shoal-build.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "lib/util.h"
#include "store/users.h"
#include "webui/hashpool.h"

#define NJOBS	20

struct outcome {
	int		 o_ran;		/* times done ran */
	int		 o_result;
	int		 o_on_loop;	/* done ran on the test's thread */
	char		*o_hash;
};

static pthread_t loop_thread;
static int left;
static struct event_base *base;

static void
on_done(int result, char *hash, void *arg)
{
	struct outcome *o = arg;

	o->o_ran++;
	o->o_result = result;
	o->o_hash = hash;
	o->o_on_loop = pthread_equal(pthread_self(), loop_thread);
	if (--left == 0)
		event_base_loopbreak(base);
}

static void
run_until_done(void)
{
	struct timeval bound = { 60, 0 };

	if (left > 0) {
		event_base_loopexit(base, &bound);
		event_base_dispatch(base);
	}
	assert_int_equal(left, 0);
}

static void
test_check_and_new(void **state)
{
	struct outcome right = { 0 }, wrong = { 0 }, made = { 0 };
	struct hashpool *hp;
	char *setting;

	(void)state;
	loop_thread = pthread_self();
	assert_non_null(base = event_base_new());
	assert_non_null(hp = hashpool_new(base, 2, 8));
	assert_non_null(setting = users_hash_new("long-enough-1"));
	assert_int_equal(hashpool_submit(hp, HASHPOOL_CHECK, "long-enough-1",
	    setting, on_done, &right), 0);
	assert_int_equal(hashpool_submit(hp, HASHPOOL_CHECK, "long-enough-2",
	    setting, on_done, &wrong), 0);
	assert_int_equal(hashpool_submit(hp, HASHPOOL_NEW, "another-pass-3",
	    NULL, on_done, &made), 0);
	left = 3;
	assert_int_equal(hashpool_pending(hp), 3);
	run_until_done();
	assert_int_equal(hashpool_pending(hp), 0);
	assert_int_equal(right.o_result, 1);
	assert_int_equal(wrong.o_result, 0);
	assert_int_equal(made.o_result, 0);
	assert_true(right.o_on_loop && wrong.o_on_loop && made.o_on_loop);
	assert_non_null(made.o_hash);
	assert_int_equal(users_hash_check("another-pass-3", made.o_hash), 1);
	str_free_secret(made.o_hash);
	str_free_secret(setting);
	hashpool_free(hp);
	event_base_free(base);
}

/* One thread, two places in the queue: a burst is refused beyond. */
static void
test_bounded(void **state)
{
	struct outcome o[NJOBS];
	struct hashpool *hp;
	char *setting;
	int i, accepted = 0;

	(void)state;
	memset(o, 0, sizeof(o));
	loop_thread = pthread_self();
	assert_non_null(base = event_base_new());
	assert_non_null(hp = hashpool_new(base, 1, 2));
	assert_non_null(setting = users_hash_new("long-enough-1"));
	left = 0;
	for (i = 0; i < NJOBS; i++)
		if (hashpool_submit(hp, HASHPOOL_CHECK, "guess", setting,
		    on_done, &o[i]) == 0) {
			accepted++;
			left++;
		}
	/* 1 running + 2 waiting, unless the thread was very quick */
	assert_true(accepted >= 2 && accepted < NJOBS);
	run_until_done();
	for (i = 0; i < NJOBS; i++)
		assert_true(o[i].o_ran <= 1);
	str_free_secret(setting);
	hashpool_free(hp);
	event_base_free(base);
}

/* Freeing the pool: waiting jobs are cancelled, every done runs once. */
static void
test_free_cancels(void **state)
{
	struct outcome o[5];
	struct hashpool *hp;
	char *setting;
	int i, cancelled = 0;

	(void)state;
	memset(o, 0, sizeof(o));
	loop_thread = pthread_self();
	assert_non_null(base = event_base_new());
	assert_non_null(hp = hashpool_new(base, 1, 8));
	assert_non_null(setting = users_hash_new("long-enough-1"));
	left = 5;
	for (i = 0; i < 5; i++)
		assert_int_equal(hashpool_submit(hp, HASHPOOL_CHECK,
		    "long-enough-1", setting, on_done, &o[i]), 0);
	hashpool_free(hp);
	for (i = 0; i < 5; i++) {
		assert_int_equal(o[i].o_ran, 1);
		assert_true(o[i].o_on_loop);
		if (o[i].o_result == HASHPOOL_CANCELLED)
			cancelled++;
		else
			assert_int_equal(o[i].o_result, 1);
	}
	/* at most the one job the thread had taken ran */
	assert_true(cancelled >= 4);
	str_free_secret(setting);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_and_new),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_free_cancels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
