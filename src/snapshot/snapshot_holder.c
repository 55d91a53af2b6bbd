/* SPDX-License-Identifier: MIT */
/*
 * The holder of a running server's current snapshot: publish swaps it,
 * every request acquires it without a lock. The scheme, and why it is
 * correct, is in snapshot/snapshot_holder.h. It uses the snapshot only
 * through its reference counting (snapshot.h).
 */
#include <sched.h>
#include <stdatomic.h>

#include "snapshot/snapshot_holder.h"
#include "util/err.h"

int sv_snapshot_holder_init(struct sv_snapshot_holder *h) {
	atomic_init(&h->current, NULL);
	atomic_init(&h->phase, 0);
	atomic_init(&h->readers[0], 0);
	atomic_init(&h->readers[1], 0);
	return pthread_mutex_init(&h->publish_lock, NULL) == 0 ? SV_OK :
		SV_ENOMEM;
}

void sv_snapshot_holder_finish(struct sv_snapshot_holder *h) {
	sv_snapshot_release(atomic_exchange(&h->current, NULL));
	pthread_mutex_destroy(&h->publish_lock);
}

/* Waits until no acquire is counted in readers[k] (see snapshot.h). */
static void drain(struct sv_snapshot_holder *h, unsigned k) {
	atomic_store(&h->phase, k ^ 1);
	while (atomic_load(&h->readers[k]) != 0) {
		sched_yield(); /* a reader was preempted inside acquire */
	}
}

void sv_snapshot_holder_publish(struct sv_snapshot_holder *h,
		struct sv_snapshot *s) {
	pthread_mutex_lock(&h->publish_lock);
	struct sv_snapshot *old = atomic_exchange(&h->current, s);
	unsigned k = atomic_load(&h->phase);
	drain(h, k);
	drain(h, k ^ 1);
	pthread_mutex_unlock(&h->publish_lock);
	sv_snapshot_release(old); /* outside the lock: may free a lot */
}

/*
 * The stress test (tests/unit/snapshot/test_snapshot_stress.c) compiles
 * its own copy of this file with SV_SNAPSHOT_RACE_HOOK, to stretch the
 * window between reading current and counting a reference, where a wrong
 * scheme lets a publisher free the snapshot: two instructions otherwise,
 * which no test would hit. Compiled out everywhere else.
 */
#ifdef SV_SNAPSHOT_RACE_HOOK
void sv_snapshot_race_hook(const struct sv_snapshot *s);
#define RACE_WINDOW(s) sv_snapshot_race_hook(s)
#else
#define RACE_WINDOW(s) ((void)0)
#endif

struct sv_snapshot *sv_snapshot_holder_acquire(struct sv_snapshot_holder *h) {
	/* Which counter does not matter for safety, only for the
	 * publisher's progress: relaxed. The rest is seq_cst
	 * (snapshot_holder.h). */
	unsigned k = atomic_load_explicit(&h->phase, memory_order_relaxed);
	atomic_fetch_add(&h->readers[k], 1);
	struct sv_snapshot *s = atomic_load(&h->current);
	RACE_WINDOW(s);
	if (s != NULL) {
		sv_snapshot_retain(s);
	}
	atomic_fetch_sub(&h->readers[k], 1);
	return s;
}
