/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_SNAPSHOT_HOLDER_H
#define SUIVANT_SNAPSHOT_HOLDER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "snapshot/snapshot.h"

/*
 * The current snapshot of a running server, read by every request without
 * a lock. publish swaps atomically; acquire returns the current snapshot
 * with a reference the caller must release (sv_snapshot_release), or NULL
 * before the first publish. A snapshot replaced by publish is freed when
 * its last reference goes: the holder's own at once, unless a request
 * still holds it.
 *
 * Why a plain atomic pointer is not enough: a reader that loads current
 * and then adds its reference may be overtaken, between the two, by a
 * publisher that swaps current and drops the last reference: the reader
 * then counts on freed memory. The holder closes that window with reader
 * counts, as in read-copy-update's grace periods (SRCU):
 *
 *   acquire: k = phase; readers[k]++; s = current; s->refs++; readers[k]--
 *   publish: old = exchange(current, s); for each k in turn, flip phase
 *            away from k and wait until readers[k] is seen at 0; release
 *            old
 *
 * Correct because every one of these operations is sequentially
 * consistent (one total order S): a reader that loaded old did so before
 * the exchange (else it would have loaded s or later), so its increment
 * of readers[k] also precedes the exchange, and precedes the publisher's
 * wait on readers[k]. Until that reader's decrement, readers[k] cannot be
 * 0, so the wait ends only after the decrement, which comes after the
 * reader's refs++; the decrement (release) is read by the wait (acquire),
 * so refs++ happens before the publisher's release of old: refs cannot
 * reach 0 while a reader is between loading old and counting itself. A
 * reader that comes later loads s. Both counters are waited for because a
 * reader may have read phase long ago, whichever it is. The flip only
 * keeps the wait short: new readers count in the other counter, so the
 * one waited for only drains.
 *
 * Cost: acquire is wait-free (three atomic read-modify-writes, no
 * system call, never blocked by a publisher); publish waits for readers
 * already inside acquire's few instructions, yielding meanwhile.
 * Publishers are serialised by a mutex that acquire never takes.
 */
struct sv_snapshot_holder {
	_Atomic(struct sv_snapshot *) current; /* the holder's reference */
	atomic_uint phase;             /* which readers[] acquire counts in */
	atomic_size_t readers[2];      /* acquires between their count and
	                                * their reference */
	pthread_mutex_t publish_lock;  /* one publish at a time */
};

int sv_snapshot_holder_init(struct sv_snapshot_holder *h);
/* Releases the current snapshot. Call after every reader has stopped. */
void sv_snapshot_holder_finish(struct sv_snapshot_holder *h);
/*
 * Takes over the caller's reference to s and makes it current; releases
 * the previous one once no acquire can still be taking a reference to it
 * (which may free it). Thread-safe; never blocks acquire.
 */
void sv_snapshot_holder_publish(struct sv_snapshot_holder *h,
	struct sv_snapshot *s);
/* Thread-safe and lock-free: the request path. */
struct sv_snapshot *sv_snapshot_holder_acquire(struct sv_snapshot_holder *h);

#endif
