/*
 * tests/host/host_spinlock.h - kernel/spinlock.h in host tests.
 *
 * include/kernel/spinlock.h includes this instead of its own code when
 * KHOLAB_HOST_TEST is defined, so the kernel sources a host test compiles
 * take their locks here.  The lock works like the kernel's (a
 * test-and-test-and-set lock counting contended acquisitions) and also
 * records who holds it and where it was taken (the lock expression,
 * file and line, captured by the spin_lock() macro), so that the shim
 * (tests/host/shim.c) can stop a test with a clear message instead of
 * spinning until a time limit:
 *
 *  - a thread that takes a lock it already holds (a self-deadlock, most
 *    often a missing spin_unlock() on some return path) aborts at once:
 *	shim: spin_lock(&z->lock) in rmqueue() at mm/page_alloc.c:127: this
 *	thread already holds that lock (0x...): it took it in rmqueue() at
 *	mm/page_alloc.c:127 and never released it: a missing spin_unlock()? ...
 *  - a thread that waits more than $KHOLAB_LOCK_WAIT seconds (default 5)
 *    for a lock another thread holds aborts, naming the lock and where the
 *    holder took it;
 *  - spin_unlock() of a lock nobody holds aborts (an unlock too many);
 *  - lockdep_assert_held(&lock), a no-op in the kernel, aborts when the
 *    calling thread does not hold the lock (code that must run under it).
 *
 * Each abort prints the stack of the thread (ASan's stack trace).
 */
#ifndef TESTS_HOST_HOST_SPINLOCK_H
#define TESTS_HOST_HOST_SPINLOCK_H

#include <kholab/types.h>

/* Where a lock operation is written: the lock expression, file, function, line. */
struct shim_lock_site {
	const char *expr, *file, *func;
	int line;
};

typedef struct {
	volatile u32 locked;
	u32 contended;		/* acquisitions that had to wait */
	/* host only: the holding thread (0: none) and where it took the lock */
	unsigned long owner;
	struct shim_lock_site taken;
} spinlock_t;

#define SPINLOCK_INIT { 0, 0, 0, { NULL, NULL, NULL, 0 } }

/* spin_lock_init - an unlocked lock. */
static inline void spin_lock_init(spinlock_t *l)
{
	l->locked = 0;
	l->contended = 0;
	l->owner = 0;
	l->taken = (struct shim_lock_site){ NULL, NULL, NULL, 0 };
}

/* The shim's implementation (tests/host/shim.c); kernel code uses the macros. */
bool shim_spin_trylock(spinlock_t *l, struct shim_lock_site site);
void shim_spin_lock(spinlock_t *l, struct shim_lock_site site);
void shim_spin_unlock(spinlock_t *l, struct shim_lock_site site);
void shim_lock_assert_held(spinlock_t *l, struct shim_lock_site site);

#define SHIM_LOCK_SITE(l)	((struct shim_lock_site){ #l, __FILE__, __func__, __LINE__ })
#define spin_trylock(l)		shim_spin_trylock((l), SHIM_LOCK_SITE(l))
#define spin_lock(l)		shim_spin_lock((l), SHIM_LOCK_SITE(l))
#define spin_unlock(l)		shim_spin_unlock((l), SHIM_LOCK_SITE(l))
/* lockdep_assert_held - abort unless this thread holds @l (the kernel's is a no-op). */
#define lockdep_assert_held(l)	shim_lock_assert_held((l), SHIM_LOCK_SITE(l))

#endif /* TESTS_HOST_HOST_SPINLOCK_H */
