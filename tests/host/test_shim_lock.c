/*
 * tests/host/test_shim_lock.c - the host tests' spinlock (host_spinlock.h,
 * tests/host/shim.c): it works as a lock, and each misuse stops the
 * program at once with a message that names the lock and where it was
 * taken: a thread taking a lock it holds, a wait longer than
 * KHOLAB_LOCK_WAIT, an unlock of a free lock, lockdep_assert_held()
 * without the lock.  Each misuse runs in a child process (it aborts);
 * the parent checks the signal and what the child wrote to stderr.
 *
 * SOURCES:
 * LDLIBS: -pthread
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <kernel/spinlock.h>
#include "shim.h"

struct holder {
	spinlock_t lock;
	int counter;
};

static struct holder h = { SPINLOCK_INIT, 0 };

/*
 * in_child - run @fn in a child process with stderr on a pipe; returns
 * what it wrote (static buffer) and sets *@sig to the signal that ended
 * it (0 if it exited).
 */
static const char *in_child(void (*fn)(void), int *sig)
{
	static char out[16384];
	int fds[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		setenv("KHOLAB_LOCK_WAIT", "0.3", 1);
		fn();
		_exit(0);
	}
	close(fds[1]);
	while (n < sizeof(out) - 1 && (r = read(fds[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	return out;
}

/* A lock taken and released by two threads in turn counts right. */
static void *add_many(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000; i++) {
		spin_lock(&h.lock);
		h.counter++;
		spin_unlock(&h.lock);
	}
	return NULL;
}

static void test_lock_excludes(void **state)
{
	pthread_t t;

	(void)state;
	spin_lock_init(&h.lock);
	h.counter = 0;
	assert_int_equal(pthread_create(&t, NULL, add_many, NULL), 0);
	add_many(NULL);
	pthread_join(t, NULL);
	assert_int_equal(h.counter, 200000);
	assert_true(spin_trylock(&h.lock));
	assert_false(spin_trylock(&h.lock));
	spin_unlock(&h.lock);
}

static void take_twice(void)
{
	spin_lock(&h.lock);
	spin_lock(&h.lock);
}

/* Taking a lock this thread holds stops at once, naming it and where it was taken. */
static void test_self_deadlock_named(void **state)
{
	int sig;
	const char *out;

	(void)state;
	spin_lock_init(&h.lock);
	out = in_child(take_twice, &sig);
	assert_int_equal(sig, SIGABRT);
	assert_non_null(strstr(out, "spin_lock(&h.lock) in take_twice() at tests/host/test_shim_lock.c:"));
	assert_non_null(strstr(out, "this thread already holds h.lock"));
	assert_non_null(strstr(out, "a missing spin_unlock(&h.lock)?"));
}

static void *hold_for_ever(void *arg)
{
	(void)arg;
	spin_lock(&h.lock);
	for (;;)
		pause();
	return NULL;
}

static void wait_too_long(void)
{
	pthread_t t;

	pthread_create(&t, NULL, hold_for_ever, NULL);
	while (!__atomic_load_n(&h.lock.locked, __ATOMIC_ACQUIRE))
		sched_yield();
	spin_lock(&h.lock);
}

/* A lock another thread does not release is reported after KHOLAB_LOCK_WAIT. */
static void test_wait_too_long_named(void **state)
{
	int sig;
	const char *out;

	(void)state;
	spin_lock_init(&h.lock);
	out = in_child(wait_too_long, &sig);
	assert_int_equal(sig, SIGABRT);
	assert_non_null(strstr(out, "spin_lock(&h.lock) in wait_too_long() at"));
	assert_non_null(strstr(out, "held by another thread since it took it in hold_for_ever() at"));
}

static void unlock_free(void)
{
	spin_unlock(&h.lock);
}

static void assert_unheld(void)
{
	lockdep_assert_held(&h.lock);
}

/* An unlock too many, and code that needs the lock without it, stop too. */
static void test_unlock_free_and_assert_held(void **state)
{
	int sig;
	const char *out;

	(void)state;
	spin_lock_init(&h.lock);
	out = in_child(unlock_free, &sig);
	assert_int_equal(sig, SIGABRT);
	assert_non_null(strstr(out, "spin_unlock(&h.lock) in unlock_free() at"));
	assert_non_null(strstr(out, "is not held"));
	out = in_child(assert_unheld, &sig);
	assert_int_equal(sig, SIGABRT);
	assert_non_null(strstr(out, "lockdep_assert_held(&h.lock) failed in assert_unheld()"));
	spin_lock(&h.lock);
	lockdep_assert_held(&h.lock);		/* held: nothing happens */
	spin_unlock(&h.lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_excludes),
		cmocka_unit_test(test_self_deadlock_named),
		cmocka_unit_test(test_wait_too_long_named),
		cmocka_unit_test(test_unlock_free_and_assert_held),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
