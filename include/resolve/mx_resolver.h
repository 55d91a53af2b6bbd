/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_MX_RESOLVER_H
#define SUIVANT_MX_RESOLVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolve/mx_cache.h"
#include "util/err.h"

/*
 * MX look-ups for MX rows, with c-ares (README: why c-ares). A server's
 * resolver owns one thread running c-ares' event loop and the answer
 * cache (mx_cache.h), whose only writer that thread is. Requests:
 *  - read the cache (sv_mx_resolver_cached: lock-free, never blocks);
 *  - on a miss, ask (sv_mx_resolver_ask) and wait without a thread: the
 *    HTTP front end suspends the connection, and the answer's callback,
 *    run on the resolver's thread, resumes it.
 * Asking takes the resolver's mutex for a few instructions (the miss
 * path only, which then waits for the network anyway): one query in
 * flight per domain (a second asker joins the first's waiters), at most
 * max_inflight queries at once (over it SV_EBUSY: the caller answers 503
 * with Retry-After), a deadline of timeout_ms per query (then the
 * waiters get SV_MX_TIMEOUT; a late answer is still cached).
 *
 * Cache lifetimes: the MX records' smallest TTL, at most
 * SV_MX_TTL_MAX_S (at least 1 s); no MX host SV_MX_NEGATIVE_S; a failure
 * or a timeout SV_MX_FAILURE_S, so that a dead DNS server costs one
 * wait per domain and period, not one per request.
 */

#define SV_MX_TTL_MAX_S 3600
#define SV_MX_NEGATIVE_S 300
#define SV_MX_FAILURE_S 30
#define SV_MX_TIMEOUT_MS 2000
#define SV_MX_INFLIGHT_DEFAULT 256
#define SV_MX_INFLIGHT_MAX 65536

struct sv_mx_resolver_opts {
	const char *server;      /* "IP", "IP:PORT" or "[IPv6]:PORT";
	                          * NULL: the system's (/etc/resolv.conf) */
	size_t cache_max;        /* domains cached; 0: SV_MX_CACHE_DEFAULT */
	unsigned max_inflight;   /* 0: SV_MX_INFLIGHT_DEFAULT */
	unsigned timeout_ms;     /* 0: SV_MX_TIMEOUT_MS */
};

/*
 * Checks a --resolver value as sv_mx_resolver_create will read it:
 * SV_OK, or SV_EINVAL with the reason.
 */
int sv_mx_resolver_check_server(const char *server, struct sv_err *err);

/* What a request waits with: owned by the asker, who keeps it alive
 * until done has been called. */
struct sv_mx_waiter {
	/* Called once, on the resolver's thread, with the answer (borrowed
	 * for the call). */
	void (*done)(void *ctx, const struct sv_mx_hosts *h);
	void *ctx;
	struct sv_mx_waiter *next; /* the resolver's */
};

/* Counters for /metrics (relaxed reads: a scrape may be a little off). */
struct sv_mx_stats {
	unsigned long hits, misses;  /* cache look-ups by requests */
	size_t size;                 /* domains cached */
	unsigned long queries;       /* DNS queries sent */
	unsigned long timeouts;      /* queries past their deadline */
	unsigned long busy;          /* asks refused over max_inflight */
	unsigned long inflight;      /* queries outstanding now */
};

struct sv_mx_resolver;

/*
 * Sets up c-ares and the cache and starts the thread (every signal
 * blocked in it). NULL with err set (SV_EINVAL: a bad option; SV_EIO:
 * c-ares cannot start; SV_ENOMEM).
 */
struct sv_mx_resolver *sv_mx_resolver_create(
	const struct sv_mx_resolver_opts *opts, struct sv_err *err);
/*
 * Stops the thread: every waiter still waiting gets SV_MX_FAILED (so that
 * every suspended request is resumed), later asks get SV_EBUSY; the cache
 * stays readable, so that requests still running may use r until
 * sv_mx_resolver_destroy. Idempotent; NULL is a no-op.
 */
void sv_mx_resolver_stop(struct sv_mx_resolver *r);
/* Stops r if need be and frees it: once no request can use it. NULL ok. */
void sv_mx_resolver_destroy(struct sv_mx_resolver *r);

/* The request path: the cached answer for domain (normalised): true with
 * *out, or false (a miss: ask). Lock-free. */
bool sv_mx_resolver_cached(struct sv_mx_resolver *r, const char *domain,
	struct sv_mx_hosts *out);
/*
 * Asks for domain's MX hosts: SV_OK, and w->done will be called once
 * from the resolver's thread (possibly before this returns); SV_EBUSY
 * when max_inflight queries are out and none for domain (w is not
 * kept); SV_ENOMEM; SV_EINVAL for a domain longer than SV_DOMAIN_MAX.
 */
int sv_mx_resolver_ask(struct sv_mx_resolver *r, const char *domain,
	struct sv_mx_waiter *w);

void sv_mx_resolver_stats(struct sv_mx_resolver *r, struct sv_mx_stats *out);

#endif
