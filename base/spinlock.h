/*
 * base/spinlock.h - a test-and-set spinlock for the state the CPUs share
 * (GCC __atomic builtins: acquire on lock, release on unlock).  Never held
 * across a guest entry; the lock order is in core/smp.h.
 */
#ifndef BASE_SPINLOCK_H
#define BASE_SPINLOCK_H

/* Called while a CPU waits for a lock (core/smp.c: it acknowledges the
 * TLB shootdowns aimed at it, so that two CPUs waiting for each other's
 * lock and acknowledgement cannot deadlock).  NULL: plain spinning. */
__attribute__((weak)) void (*spin_wait_hook)(void);

typedef struct {
	volatile int locked;
} spinlock_t;

#define SPINLOCK_INIT	{ 0 }

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			if (spin_wait_hook)
				spin_wait_hook();
			__builtin_ia32_pause();
		}
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif /* BASE_SPINLOCK_H */
