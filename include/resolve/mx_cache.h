/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_MX_CACHE_H
#define SUIVANT_MX_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/name.h"

/*
 * What the DNS said about a mail domain's MX records, and the cache of
 * those answers that requests read.
 *
 * The cache is bounded and concurrent with one writer (the resolver's
 * thread, mx_resolver.h) and any number of readers (the server's
 * workers), and a reader takes no lock:
 *  - the table is open addressing (linear probing) over atomic pointers
 *    to immutable entries; the writer inserts, replaces and removes
 *    (tombstones) by storing pointers, and rebuilds the table into a new
 *    array when tombstones pile up, publishing it with one atomic store;
 *  - what the writer unlinks (an entry replaced or evicted, an old
 *    array) is freed only after a grace period: readers count themselves
 *    in one of two counters for the few instructions of a look-up, and
 *    the writer waits until both have been seen at zero, exactly as the
 *    snapshot holder does (snapshot.h has the argument);
 *  - eviction is CLOCK (second chance), the approximation of LRU that
 *    needs no list: a reader marks the entry it used (a relaxed store,
 *    only when the mark is not already set, so a warm entry's cache line
 *    is not written on every hit) and the writer's hand clears marks and
 *    evicts the first entry found unmarked.
 * A warm hit is then: two atomic increments on the reader counters, a
 * hash, one or two probes, a copy of the entry's few bytes. A sharded
 * cache with a short critical section per shard would be simpler, but
 * every hit would take a mutex that the writer (and other readers) also
 * take: the request path would wait for another thread, which
 * GUIDE.md rules out.
 */

enum sv_mx_status {
	SV_MX_FOUND,   /* at least one MX host */
	SV_MX_NONE,    /* no MX host: NXDOMAIN, no MX record, or the null
	                * MX "." of RFC 7505 */
	SV_MX_FAILED,  /* the resolver failed (SERVFAIL, refused...) */
	SV_MX_TIMEOUT, /* no answer within the resolver's timeout */
};

/* "found", "none", "failed", "timeout". */
const char *sv_mx_status_name(enum sv_mx_status s);

/* Hosts kept per domain, most preferred first. */
#define SV_MX_MAX_HOSTS 8

/*
 * One answer: status and, for SV_MX_FOUND, the hosts (normalised names,
 * sv_domain_normalize) in preference order, NUL-terminated in names at
 * the offsets off[]. A plain value: copy it with memcpy.
 */
struct sv_mx_hosts {
	enum sv_mx_status status;
	size_t n;
	uint16_t off[SV_MX_MAX_HOSTS];
	uint16_t len;  /* bytes used in names */
	char names[SV_MX_MAX_HOSTS * (SV_DOMAIN_MAX + 1)];
};

/* Empties h and sets its status. */
void sv_mx_hosts_init(struct sv_mx_hosts *h, enum sv_mx_status status);
/* Appends host (normalised); SV_ETOOBIG when SV_MX_MAX_HOSTS are in. */
int sv_mx_hosts_add(struct sv_mx_hosts *h, const char *host);
/* Host i (i < h->n). */
const char *sv_mx_hosts_get(const struct sv_mx_hosts *h, size_t i);

/* Bounds of --mx-cache. */
#define SV_MX_CACHE_DEFAULT 100000
#define SV_MX_CACHE_MAX 10000000

struct sv_mx_cache;

/* A cache of at most max (1..SV_MX_CACHE_MAX) domains; NULL with err. */
struct sv_mx_cache *sv_mx_cache_create(size_t max, struct sv_err *err);
/* Frees c and every entry. Only once no reader or writer uses it. */
void sv_mx_cache_destroy(struct sv_mx_cache *c);

/*
 * Reader, any thread, lock-free: the answer for domain (normalised) into
 * *out when one is cached and expires after now_ms (CLOCK_MONOTONIC
 * milliseconds): true; else false (absent or expired).
 */
bool sv_mx_cache_get(struct sv_mx_cache *c, const char *domain,
	int64_t now_ms, struct sv_mx_hosts *out);

/*
 * Writer, one thread only. Stores h for domain until expires_ms,
 * replacing its previous answer and, over the bound, evicting another
 * domain's. SV_OK, SV_ENOMEM (nothing changed) or SV_EINVAL (a domain
 * longer than SV_DOMAIN_MAX).
 */
int sv_mx_cache_put(struct sv_mx_cache *c, const char *domain,
	const struct sv_mx_hosts *h, int64_t expires_ms);
/*
 * Writer: frees what was unlinked since the last call, once no reader
 * can still be reading it (waits for the look-ups in progress, which are
 * a few instructions each). Call after a batch of puts.
 */
void sv_mx_cache_reclaim(struct sv_mx_cache *c);

/* Domains cached now (any thread; a relaxed read). */
size_t sv_mx_cache_size(struct sv_mx_cache *c);

#endif
