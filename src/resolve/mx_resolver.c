/* SPDX-License-Identifier: MIT */
/*
 * The MX resolver: c-ares driven by one thread of ours (mx_resolver.h).
 *
 * State, and who touches it:
 *  - the c-ares channel and the cache's writer side: the thread only;
 *  - the pending queries (a hash of chains by domain, and a list for the
 *    deadline scan), each with its waiters, the queries not yet handed
 *    to c-ares (to_send), inflight and stopping: under lock, taken by
 *    askers (the request path's miss) and the thread, never while
 *    calling c-ares or a waiter;
 *  - a pending query is freed by the thread only, once c-ares has
 *    answered for it (or given up), so c-ares' callback argument is
 *    always valid.
 * The thread sleeps in poll(2) on c-ares' sockets and an eventfd that
 * askers write when they queue a query, with the earliest of c-ares'
 * retransmission time and the next deadline as its timeout. Opening the
 * channel and reading its answers: dns_query.c (resolve_internal.h).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/select.h> /* ares.h needs fd_set and struct timeval */
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <ares.h>
#include <arpa/nameser.h>

#include "resolve/mx_resolver.h"
#include "resolve/resolve_internal.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/log.h"

#define BUCKETS 1024 /* pending chains; more queries than this is rare */

struct pending {
	char domain[SV_DOMAIN_MAX + 1];
	uint32_t hash;
	struct pending *chain;         /* same bucket */
	struct pending *prev, *next;   /* every pending query */
	struct pending *send_next;     /* to_send */
	struct sv_mx_waiter *waiters;
	int64_t deadline_ms;
	struct sv_mx_resolver *r;
};

struct sv_mx_resolver {
	ares_channel channel;          /* the thread's */
	struct sv_mx_cache *cache;     /* written by the thread only */
	unsigned timeout_ms, max_inflight;
	int efd;                       /* eventfd: wakes the thread */
	pthread_t thread;
	bool joined;                   /* the thread has been stopped */
	pthread_mutex_t lock;
	struct pending *buckets[BUCKETS]; /* lock */
	struct pending *all;              /* lock */
	struct pending *to_send, **to_send_tail; /* lock */
	unsigned inflight;                /* lock */
	bool stopping;                    /* lock */
	atomic_bool stop;                 /* the thread's exit flag */
	atomic_ulong hits, misses, queries, timeouts, busy;
};

int sv_mx_resolver_check_server(const char *server, struct sv_err *err) {
	char csv[64];
	return sv_dns_server_csv(server, csv, sizeof(csv), err);
}

/* ------------------------------------------------------------------ */
/* The server's resolver                                              */

static struct pending **bucket_of(struct sv_mx_resolver *r, uint32_t h) {
	return &r->buckets[h % BUCKETS];
}

/* Under lock. */
static struct pending *find_pending(struct sv_mx_resolver *r,
		const char *domain, uint32_t h) {
	for (struct pending *p = *bucket_of(r, h); p != NULL; p = p->chain) {
		if (p->hash == h && strcmp(p->domain, domain) == 0) {
			return p;
		}
	}
	return NULL;
}

/* Under lock: takes p out of the table and the list; the waiters stay. */
static void unlink_pending(struct sv_mx_resolver *r, struct pending *p) {
	struct pending **pp = bucket_of(r, p->hash);
	while (*pp != p) {
		pp = &(*pp)->chain;
	}
	*pp = p->chain;
	if (p->prev != NULL) {
		p->prev->next = p->next;
	} else {
		r->all = p->next;
	}
	if (p->next != NULL) {
		p->next->prev = p->prev;
	}
	r->inflight--;
}

static void deliver(struct sv_mx_waiter *w, const struct sv_mx_hosts *h) {
	while (w != NULL) {
		struct sv_mx_waiter *next = w->next; /* w may go in done */
		w->done(w->ctx, h);
		w = next;
	}
}

static void store(struct sv_mx_resolver *r, const char *domain,
		const struct sv_mx_hosts *h, int64_t ttl_ms) {
	if (sv_mx_cache_put(r->cache, domain, h, sv_dns_now_ms() + ttl_ms) !=
			SV_OK) {
		sv_log_warnx("mx: %s: no memory to cache the answer", domain);
	}
}

/* c-ares' answer for one pending query (the thread, or ares_destroy). */
static void answered(void *arg, int status, int timeouts,
		unsigned char *abuf, int alen) {
	struct pending *p = arg;
	struct sv_mx_resolver *r = p->r;
	(void)timeouts;
	struct sv_mx_hosts h;
	int64_t ttl_ms;
	sv_dns_read_answer(status, abuf, alen, &h, &ttl_ms);
	bool gone = status == ARES_ECANCELLED || status == ARES_EDESTRUCTION;
	if (gone) {
		h.status = SV_MX_FAILED;
	} else {
		store(r, p->domain, &h, ttl_ms);
	}
	pthread_mutex_lock(&r->lock);
	unlink_pending(r, p);
	struct sv_mx_waiter *w = p->waiters;
	pthread_mutex_unlock(&r->lock);
	if (status == ARES_ETIMEOUT && w != NULL) {
		atomic_fetch_add_explicit(&r->timeouts, 1,
			memory_order_relaxed);
	}
	deliver(w, &h);
	sv_free(p);
}

/* Hands the queued queries to c-ares. */
static void send_queued(struct sv_mx_resolver *r) {
	pthread_mutex_lock(&r->lock);
	struct pending *p = r->to_send;
	r->to_send = NULL;
	r->to_send_tail = &r->to_send;
	pthread_mutex_unlock(&r->lock);
	while (p != NULL) {
		struct pending *next = p->send_next; /* p may go at once */
		atomic_fetch_add_explicit(&r->queries, 1, memory_order_relaxed);
		ares_query(r->channel, p->domain, ns_c_in, ns_t_mx, answered,
			p);
		p = next;
	}
}

/*
 * Waiters past their query's deadline get SV_MX_TIMEOUT (cached for
 * SV_MX_FAILURE_S); the query stays in flight, so that its answer, if
 * it comes, is cached, and it keeps counting against max_inflight.
 * Returns the ms to the next deadline (at most max).
 */
static int expire(struct sv_mx_resolver *r, int max) {
	int64_t now = sv_dns_now_ms(), next = now + max;
	struct sv_mx_hosts h;
	sv_mx_hosts_init(&h, SV_MX_TIMEOUT);
	for (;;) {
		struct sv_mx_waiter *w = NULL;
		char domain[SV_DOMAIN_MAX + 1];
		pthread_mutex_lock(&r->lock);
		for (struct pending *p = r->all; p != NULL; p = p->next) {
			if (p->waiters != NULL && p->deadline_ms <= now) {
				w = p->waiters;
				p->waiters = NULL;
				memcpy(domain, p->domain, sizeof(domain));
				break;
			}
			if (p->waiters != NULL && p->deadline_ms < next) {
				next = p->deadline_ms;
			}
		}
		pthread_mutex_unlock(&r->lock);
		if (w == NULL) {
			break;
		}
		atomic_fetch_add_explicit(&r->timeouts, 1,
			memory_order_relaxed);
		store(r, domain, &h, (int64_t)SV_MX_FAILURE_S * 1000);
		deliver(w, &h);
	}
	return (int)(next - now);
}

static void *run(void *arg) {
	struct sv_mx_resolver *r = arg;
	struct pollfd fds[1 + ARES_GETSOCK_MAXNUM];
	while (!atomic_load(&r->stop)) {
		int wait = expire(r, 1000);
		fds[0].fd = r->efd;
		fds[0].events = POLLIN;
		fds[0].revents = 0;
		nfds_t n = sv_dns_ares_pollfds(r->channel, fds + 1);
		wait = sv_dns_ares_wait_ms(r->channel, wait);
		if (poll(fds, n + 1, wait) < 0 && errno != EINTR) {
			sv_log_warn("mx: poll");
		}
		if (fds[0].revents & POLLIN) {
			uint64_t v;
			if (read(r->efd, &v, sizeof(v)) < 0 &&
					errno != EAGAIN) {
				sv_log_warn("mx: eventfd");
			}
		}
		sv_dns_ares_handle(r->channel, fds + 1, n);
		send_queued(r);
		sv_mx_cache_reclaim(r->cache);
	}
	/* Stopping: no ask gets in any more; every waiter is answered. */
	pthread_mutex_lock(&r->lock);
	struct pending *unsent = r->to_send;
	r->to_send = NULL;
	pthread_mutex_unlock(&r->lock);
	struct sv_mx_hosts h;
	sv_mx_hosts_init(&h, SV_MX_FAILED);
	while (unsent != NULL) {
		struct pending *next = unsent->send_next;
		pthread_mutex_lock(&r->lock);
		unlink_pending(r, unsent);
		pthread_mutex_unlock(&r->lock);
		deliver(unsent->waiters, &h);
		sv_free(unsent);
		unsent = next;
	}
	ares_cancel(r->channel); /* answered() for each query in flight */
	return NULL;
}

static void wake(struct sv_mx_resolver *r) {
	uint64_t one = 1;
	if (write(r->efd, &one, sizeof(one)) < 0 && errno != EAGAIN) {
		sv_log_warn("mx: eventfd");
	}
}

struct sv_mx_resolver *sv_mx_resolver_create(
		const struct sv_mx_resolver_opts *opts, struct sv_err *err) {
	struct sv_mx_resolver *r = sv_calloc(1, sizeof(*r));
	if (r == NULL) {
		sv_errf(err, SV_ENOMEM, "mx: out of memory");
		return NULL;
	}
	r->efd = -1;
	r->timeout_ms = opts->timeout_ms != 0 ? opts->timeout_ms :
		SV_MX_TIMEOUT_MS;
	r->max_inflight = opts->max_inflight != 0 ? opts->max_inflight :
		SV_MX_INFLIGHT_DEFAULT;
	r->to_send_tail = &r->to_send;
	atomic_init(&r->stop, false);
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		sv_free(r);
		sv_errf(err, SV_ENOMEM, "mx: no mutex");
		return NULL;
	}
	r->cache = sv_mx_cache_create(opts->cache_max != 0 ? opts->cache_max :
		SV_MX_CACHE_DEFAULT, err);
	if (r->cache == NULL) {
		goto fail;
	}
	if (sv_dns_channel_open(opts->server, r->timeout_ms, &r->channel,
			err) != SV_OK) {
		sv_mx_cache_destroy(r->cache);
		r->cache = NULL;
		goto fail;
	}
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	bool started = r->efd >= 0 &&
		pthread_create(&r->thread, NULL, run, r) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!started) {
		sv_errf(err, SV_ENOMEM, "mx: cannot start the resolver thread");
		ares_destroy(r->channel);
		sv_mx_cache_destroy(r->cache);
		r->cache = NULL;
		goto fail;
	}
	return r;
fail:
	if (r->efd >= 0) {
		close(r->efd);
	}
	pthread_mutex_destroy(&r->lock);
	sv_free(r);
	return NULL;
}

void sv_mx_resolver_stop(struct sv_mx_resolver *r) {
	if (r == NULL || r->joined) {
		return;
	}
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_mutex_unlock(&r->lock);
	atomic_store(&r->stop, true);
	wake(r);
	pthread_join(r->thread, NULL);
	r->joined = true;
}

void sv_mx_resolver_destroy(struct sv_mx_resolver *r) {
	if (r == NULL) {
		return;
	}
	sv_mx_resolver_stop(r);
	ares_destroy(r->channel);
	close(r->efd);
	sv_mx_cache_destroy(r->cache);
	pthread_mutex_destroy(&r->lock);
	sv_free(r);
}

bool sv_mx_resolver_cached(struct sv_mx_resolver *r, const char *domain,
		struct sv_mx_hosts *out) {
	bool hit = sv_mx_cache_get(r->cache, domain, sv_dns_now_ms(), out);
	atomic_fetch_add_explicit(hit ? &r->hits : &r->misses, 1,
		memory_order_relaxed);
	return hit;
}

int sv_mx_resolver_ask(struct sv_mx_resolver *r, const char *domain,
		struct sv_mx_waiter *w) {
	size_t len = strlen(domain);
	if (len > SV_DOMAIN_MAX) {
		return SV_EINVAL;
	}
	uint32_t h = sv_fnv1a32(SV_FNV1A32_INIT, domain, len);
	bool queued = false;
	int rc = SV_OK;
	pthread_mutex_lock(&r->lock);
	struct pending *p = r->stopping ? NULL : find_pending(r, domain, h);
	if (p != NULL) {
		if (p->waiters == NULL) { /* past its deadline: a new one */
			p->deadline_ms = sv_dns_now_ms() + r->timeout_ms;
		}
	} else if (r->stopping || r->inflight >= r->max_inflight) {
		rc = SV_EBUSY;
	} else if ((p = sv_calloc(1, sizeof(*p))) == NULL) {
		rc = SV_ENOMEM;
	} else {
		memcpy(p->domain, domain, len + 1);
		p->hash = h;
		p->r = r;
		p->deadline_ms = sv_dns_now_ms() + r->timeout_ms;
		p->chain = *bucket_of(r, h);
		*bucket_of(r, h) = p;
		p->next = r->all;
		if (r->all != NULL) {
			r->all->prev = p;
		}
		r->all = p;
		*r->to_send_tail = p;
		r->to_send_tail = &p->send_next;
		r->inflight++;
		queued = true;
	}
	if (rc == SV_OK) {
		w->next = p->waiters;
		p->waiters = w;
	}
	pthread_mutex_unlock(&r->lock);
	if (rc == SV_EBUSY) {
		atomic_fetch_add_explicit(&r->busy, 1, memory_order_relaxed);
	}
	if (queued) {
		wake(r);
	}
	return rc;
}

void sv_mx_resolver_stats(struct sv_mx_resolver *r, struct sv_mx_stats *out) {
	out->hits = atomic_load_explicit(&r->hits, memory_order_relaxed);
	out->misses = atomic_load_explicit(&r->misses, memory_order_relaxed);
	out->size = sv_mx_cache_size(r->cache);
	out->queries = atomic_load_explicit(&r->queries,
		memory_order_relaxed);
	out->timeouts = atomic_load_explicit(&r->timeouts,
		memory_order_relaxed);
	out->busy = atomic_load_explicit(&r->busy, memory_order_relaxed);
	pthread_mutex_lock(&r->lock);
	out->inflight = r->inflight;
	pthread_mutex_unlock(&r->lock);
}
