/*
 * kernel/spinlock.h - test-and-test-and-set spinlocks.
 *
 * Interrupts are not taken by kholab, so a lock never needs to disable
 * them.  Each lock counts how often an acquirer found it held
 * (@contended), which the deferred-init work reports as lock contention.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#ifdef KHOLAB_HOST_TEST
/* Host tests: the same lock, plus its holder and a clear abort on a deadlock. */
#include "host_spinlock.h"	/* tests/host/ */
#else

#include <kholab/types.h>

typedef struct {
	volatile u32 locked;
	u32 contended;		/* acquisitions that had to wait */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

/* spin_lock_init - an unlocked lock. */
static inline void spin_lock_init(spinlock_t *l)
{
	l->locked = 0;
	l->contended = 0;
}

/* spin_trylock - take @l if free; true on success. */
static inline bool spin_trylock(spinlock_t *l)
{
	return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

/* spin_lock - take @l, spinning on plain reads while it is held. */
static inline void spin_lock(spinlock_t *l)
{
	if (spin_trylock(l))
		return;
	__atomic_fetch_add(&l->contended, 1, __ATOMIC_RELAXED);
	do {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
	} while (!spin_trylock(l));
}

/* spin_unlock - release @l. */
static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/*
 * lockdep_assert_held - documents that the caller must hold @l.  Nothing
 * in the kernel (no owner is recorded); the host tests' lock checks it.
 */
#define lockdep_assert_held(l)	((void)(l))

#endif /* !KHOLAB_HOST_TEST */
#endif /* KERNEL_SPINLOCK_H */
