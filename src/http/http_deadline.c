/* SPDX-License-Identifier: MIT */
/*
 * Open connections: request deadlines and connection counts (see
 * include/http/http_deadline.h for the contract with the caller).
 *
 * MHD's own timeout is an inactivity timeout: a client that trickles one
 * header byte every few seconds keeps its connection for ever. Here every
 * connection carries an absolute deadline, in CLOCK_MONOTONIC
 * milliseconds, by which its request must be complete; a janitor thread
 * shuts down (SHUT_RDWR, never close: the descriptor stays MHD's) those
 * past it, and MHD then sees end of file and cleans up as usual. That
 * works the same under TLS, as the socket itself is shut down.
 *
 * Clients are counted by address prefix (/32 and /64 by default: one
 * IPv6 host usually holds a whole /64); a trusted proxy's connections
 * count toward the total only, and each under the client it forwards
 * once its request says who (sv_http_deadline_attach). Over the total, an
 * admin peer may still use one of the reserve connections, for /healthz
 * under a flood; refused connections that stay silent are shed after
 * SV_HTTP_DEADLINE_REFUSED_MS so that they hold no slot meanwhile.
 *
 * Entries live in a fixed array of hash buckets keyed by (listener,
 * address prefix), so counting a client's connections walks its own
 * bucket only; the janitor walks them all, four times a second, which for the
 * connection counts we allow is microseconds under the mutex. Entries
 * are allocated per connection (not per request), under no lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http/http_deadline.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/log.h"

#define BUCKETS 4096          /* power of two */
#define NONE INT64_MAX        /* deadline of a connection with no request
                               * pending: never */
#define LOG_MAX 16            /* warning lines per tick; the rest summed */
#define CLIENT_MAX 46         /* INET6_ADDRSTRLEN */

struct sv_http_conn {
	_Atomic int_least64_t deadline_ms; /* the one field written outside
	                              * the mutex (request path) */
	int fd;                    /* MHD's; only ever shut down here */
	unsigned listener;
	enum sv_http_over over;    /* fixed at open */
	bool proxy;                /* from a trusted proxy (fixed at open) */
	bool counted;              /* counts toward its key's --max-per-ip
	                            * (under the mutex) */
	atomic_bool dropped;       /* shut down already (written under the
	                            * mutex, read by the request path) */
	int family;                /* AF_INET, AF_INET6 or 0 (unknown) */
	uint8_t key[16];           /* the client's address prefix: what
	                            * --max-per-ip counts */
	uint32_t hash;
	char client[CLIENT_MAX];   /* numeric address, for the warning */
	struct sv_http_conn *prev, *next; /* bucket chain, under the mutex */
};

struct sv_http_deadline {
	pthread_mutex_t lock;      /* buckets, open counts, dropped flags,
	                            * stopping */
	pthread_cond_t wake;       /* signalled to stop the janitor */
	bool stopping;
	pthread_t janitor;
	struct sv_http_deadline_limits lim;
	int64_t timeout_ms;        /* lim's, in the unit of the deadlines */
	atomic_ulong *drops;       /* borrowed */
	unsigned *open;            /* [lim.listeners] counted connections */
	unsigned *reserved;        /* [lim.listeners] on the admin reserve */
	unsigned prefix4, prefix6, reserve;
	struct sv_config_net proxies[SV_CONFIG_MAX_ADMIN_NETS];
	size_t n_proxies;
	struct sv_config_net admin[SV_CONFIG_MAX_ADMIN_NETS];
	size_t n_admin;
	struct sv_http_conn *buckets[BUCKETS];
};

/* A default mutex fails only when misused: the registry is corrupt. */
static void lock(struct sv_http_deadline *d) {
	int rc = pthread_mutex_lock(&d->lock);
	if (rc != 0) {
		sv_log_warnx("request-timeout: lock: %s", strerror(rc));
		abort();
	}
}

static void unlock(struct sv_http_deadline *d) {
	int rc = pthread_mutex_unlock(&d->lock);
	if (rc != 0) {
		sv_log_warnx("request-timeout: unlock: %s", strerror(rc));
		abort();
	}
}

static int64_t ms_of(const struct timespec *t) {
	return (int64_t)t->tv_sec * 1000 + t->tv_nsec / 1000000;
}

static int64_t now_ms(void) {
	struct timespec t;
	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0) {
		return 0; /* cannot happen with CLOCK_MONOTONIC */
	}
	return ms_of(&t);
}

/* FNV-1a over the listener and the key bytes. */
static uint32_t hash_of(unsigned listener, int family, const uint8_t *a) {
	uint8_t head[2] = { (uint8_t)listener, (uint8_t)family };
	uint32_t h = sv_fnv1a32(SV_FNV1A32_INIT, head, sizeof(head));
	return sv_fnv1a32(h, a, 16);
}

/*
 * Fills family, key (the address cut to its prefix), hash and client
 * (the whole address, for the warning) from sa; IPv4-mapped IPv6 is IPv4.
 */
static void set_address(const struct sv_http_deadline *d,
		struct sv_http_conn *c, const struct sockaddr *sa) {
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	uint8_t addr[16] = { 0 };
	c->family = 0;
	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		memcpy(addr, &in->sin_addr, 4);
		c->family = AF_INET;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		if (memcmp(&in6->sin6_addr, mapped, sizeof(mapped)) == 0) {
			memcpy(addr, (const uint8_t *)&in6->sin6_addr + 12, 4);
			c->family = AF_INET;
		} else {
			memcpy(addr, &in6->sin6_addr, 16);
			c->family = AF_INET6;
		}
	}
	if (c->family == 0 || inet_ntop(c->family, addr, c->client,
			(socklen_t)sizeof(c->client)) == NULL) {
		snprintf(c->client, sizeof(c->client), "-");
	}
	unsigned bits = c->family == AF_INET ? d->prefix4 :
		c->family == AF_INET6 ? d->prefix6 : 0;
	memset(c->key, 0, sizeof(c->key));
	memcpy(c->key, addr, bits / 8);
	if (bits % 8 != 0) {
		c->key[bits / 8] = (uint8_t)(addr[bits / 8] &
			(0xff00 >> (bits % 8)));
	}
	c->hash = hash_of(c->listener, c->family, c->key);
}

static bool same_client(const struct sv_http_conn *a,
		const struct sv_http_conn *b) {
	return a->listener == b->listener && a->family == b->family &&
		memcmp(a->key, b->key, sizeof(a->key)) == 0;
}

/* Connections counted under c's key, c itself aside. Under the mutex. */
static unsigned count_same(const struct sv_http_deadline *d,
		const struct sv_http_conn *c) {
	unsigned same = 0;
	for (const struct sv_http_conn *o = d->buckets[c->hash &
			(BUCKETS - 1)]; o != NULL; o = o->next) {
		same += o != c && o->counted && same_client(o, c);
	}
	return same;
}

static void link_entry(struct sv_http_deadline *d, struct sv_http_conn *c) {
	struct sv_http_conn **head = &d->buckets[c->hash & (BUCKETS - 1)];
	c->prev = NULL;
	c->next = *head;
	if (*head != NULL) {
		(*head)->prev = c;
	}
	*head = c;
}

static void unlink_entry(struct sv_http_deadline *d, struct sv_http_conn *c) {
	if (c->prev != NULL) {
		c->prev->next = c->next;
	} else {
		d->buckets[c->hash & (BUCKETS - 1)] = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	}
}

/* One tick: shut down what is past its deadline, log after unlocking. */
static void sweep(struct sv_http_deadline *d) {
	char clients[LOG_MAX][CLIENT_MAX];
	size_t n = 0, more = 0;
	int64_t now = now_ms();
	for (size_t b = 0; b < BUCKETS; b++) {
		for (struct sv_http_conn *c = d->buckets[b]; c != NULL;
				c = c->next) {
			if (atomic_load_explicit(&c->dropped,
					memory_order_relaxed) ||
					now < atomic_load_explicit(
					&c->deadline_ms, memory_order_relaxed)) {
				continue;
			}
			/* a refused connection that said nothing in time is
			 * shed quietly: no slow request to count or log */
			bool refused = c->over == SV_HTTP_OVER_TOTAL ||
				c->over == SV_HTTP_OVER_PER_IP;
			/* counted first: who sees the end of file may read
			 * the counter at once */
			if (!refused) {
				atomic_fetch_add_explicit(d->drops, 1,
					memory_order_relaxed);
			}
			/* before the shutdown whose effect the request
			 * path sees first */
			atomic_store_explicit(&c->dropped, true,
				memory_order_release);
			/* ENOTCONN (the peer already left) is no matter:
			 * MHD notices either way */
			(void)shutdown(c->fd, SHUT_RDWR);
			if (refused) {
				continue;
			}
			if (n < LOG_MAX) {
				memcpy(clients[n++], c->client, CLIENT_MAX);
			} else {
				more++;
			}
		}
	}
	unlock(d);
	for (size_t i = 0; i < n; i++) {
		sv_log_warnx("request-timeout: request not complete within "
			"%lld s, connection closed: client=%s",
			(long long)(d->timeout_ms / 1000), clients[i]);
	}
	if (more != 0) {
		sv_log_warnx("request-timeout: %zu more connections closed",
			more);
	}
	lock(d);
}

static void *janitor_main(void *arg) {
	struct sv_http_deadline *d = arg;
	lock(d);
	while (!d->stopping) {
		struct timespec until;
		if (clock_gettime(CLOCK_MONOTONIC, &until) != 0) {
			until.tv_sec = 0; /* cannot happen: just sweep */
			until.tv_nsec = 0;
		}
		until.tv_nsec += SV_HTTP_DEADLINE_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		int rc = pthread_cond_timedwait(&d->wake, &d->lock, &until);
		if (rc != 0 && rc != ETIMEDOUT) {
			sv_log_warnx("request-timeout: janitor wait: %s",
				strerror(rc));
		}
		if (!d->stopping) {
			sweep(d);
		}
	}
	unlock(d);
	return NULL;
}

struct sv_http_deadline *sv_http_deadline_create(
		const struct sv_http_deadline_limits *lim, atomic_ulong *drops,
		struct sv_err *err) {
	size_t n = lim->listeners != 0 ? lim->listeners : 1;
	struct sv_http_deadline *d = sv_calloc(1, sizeof(*d));
	unsigned *open = sv_calloc(n, sizeof(*open));
	unsigned *reserved = sv_calloc(n, sizeof(*reserved));
	if (d == NULL || open == NULL || reserved == NULL) {
		sv_free(d);
		sv_free(open);
		sv_free(reserved);
		sv_errf(err, SV_ENOMEM, "http: out of memory");
		return NULL;
	}
	d->open = open;
	d->reserved = reserved;
	d->lim = *lim;
	d->timeout_ms = (int64_t)lim->timeout_s * 1000;
	d->drops = drops;
	sv_http_deadline_set_policy(d,
		&(const struct sv_http_deadline_policy){ 0 });
	pthread_condattr_t ca;
	int rc = pthread_mutex_init(&d->lock, NULL);
	if (rc != 0) {
		goto fail_mutex;
	}
	/* the janitor's timed wait counts in CLOCK_MONOTONIC, like the
	 * deadlines: a clock step must not stall it */
	if ((rc = pthread_condattr_init(&ca)) != 0) {
		goto fail_attr;
	}
	rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (rc == 0) {
		rc = pthread_cond_init(&d->wake, &ca);
	}
	(void)pthread_condattr_destroy(&ca); /* cannot fail once inited */
	if (rc != 0) {
		goto fail_attr;
	}
	if ((rc = pthread_create(&d->janitor, NULL, janitor_main, d)) != 0) {
		(void)pthread_cond_destroy(&d->wake); /* unused: cannot fail */
		goto fail_attr;
	}
	return d;
fail_attr:
	(void)pthread_mutex_destroy(&d->lock); /* unused: cannot fail */
fail_mutex:
	sv_free(d->open);
	sv_free(d->reserved);
	sv_free(d);
	sv_errf(err, SV_EIO, "http: cannot start the request-timeout "
		"janitor: %s", strerror(rc));
	return NULL;
}

void sv_http_deadline_destroy(struct sv_http_deadline *d) {
	if (d == NULL) {
		return;
	}
	lock(d);
	d->stopping = true;
	int rc = pthread_cond_signal(&d->wake);
	unlock(d);
	if (rc != 0) { /* the janitor still sees stopping within a tick */
		sv_log_warnx("request-timeout: janitor wake: %s",
			strerror(rc));
	}
	rc = pthread_join(d->janitor, NULL);
	if (rc != 0) {
		sv_log_warnx("request-timeout: janitor join: %s", strerror(rc));
	}
	/* neither can fail here: the janitor is gone, nothing waits */
	(void)pthread_cond_destroy(&d->wake);
	(void)pthread_mutex_destroy(&d->lock);
	sv_free(d->open);
	sv_free(d->reserved);
	sv_free(d);
}

void sv_http_deadline_set_policy(struct sv_http_deadline *d,
		const struct sv_http_deadline_policy *p) {
	d->prefix4 = p->prefix4 >= 1 && p->prefix4 <= 32 ? p->prefix4 : 32;
	d->prefix6 = p->prefix6 >= 1 && p->prefix6 <= 128 ? p->prefix6 : 64;
	d->n_proxies = p->n_proxies < SV_CONFIG_MAX_ADMIN_NETS ?
		p->n_proxies : SV_CONFIG_MAX_ADMIN_NETS;
	/* a policy without proxies or admin nets may leave their arrays
	 * NULL, which memcpy may not be given even for 0 bytes */
	if (d->n_proxies > 0) {
		memcpy(d->proxies, p->proxies,
			d->n_proxies * sizeof(d->proxies[0]));
	}
	d->n_admin = p->n_admin < SV_CONFIG_MAX_ADMIN_NETS ?
		p->n_admin : SV_CONFIG_MAX_ADMIN_NETS;
	if (d->n_admin > 0) {
		memcpy(d->admin, p->admin, d->n_admin * sizeof(d->admin[0]));
	}
	d->reserve = p->reserve;
}

struct sv_http_conn *sv_http_deadline_open(struct sv_http_deadline *d,
		unsigned listener, int fd, const struct sockaddr *sa) {
	if (listener >= d->lim.listeners) {
		return NULL;
	}
	struct sv_http_conn *c = sv_calloc(1, sizeof(*c));
	if (c == NULL) {
		return NULL;
	}
	c->fd = fd;
	c->listener = listener;
	set_address(d, c, sa);
	c->proxy = sv_config_net_match(d->proxies, d->n_proxies, sa);
	bool admin = sv_config_net_match(d->admin, d->n_admin, sa);
	int64_t now = now_ms();
	lock(d);
	if (d->open[listener] >= d->lim.limit) {
		if (admin && d->reserved[listener] < d->reserve) {
			c->over = SV_HTTP_OVER_RESERVE;
			d->reserved[listener]++;
		} else {
			c->over = SV_HTTP_OVER_TOTAL;
		}
	} else if (!c->proxy && count_same(d, c) >= d->lim.per_ip) {
		c->over = SV_HTTP_OVER_PER_IP;
	} else {
		c->over = SV_HTTP_OVER_NONE;
		c->counted = !c->proxy; /* a proxy's count per request */
		d->open[listener]++;
	}
	int64_t wait = d->timeout_ms;
	if ((c->over == SV_HTTP_OVER_TOTAL || c->over == SV_HTTP_OVER_PER_IP) &&
			wait > SV_HTTP_DEADLINE_REFUSED_MS) {
		wait = SV_HTTP_DEADLINE_REFUSED_MS;
	}
	atomic_init(&c->deadline_ms, now + wait);
	atomic_init(&c->dropped, false);
	link_entry(d, c);
	unlock(d);
	return c;
}

void sv_http_deadline_close(struct sv_http_deadline *d,
		struct sv_http_conn *c) {
	if (c == NULL) {
		return;
	}
	lock(d);
	unlink_entry(d, c);
	if (c->over == SV_HTTP_OVER_NONE) {
		d->open[c->listener]--;
	} else if (c->over == SV_HTTP_OVER_RESERVE) {
		d->reserved[c->listener]--;
	}
	unlock(d);
	sv_free(c);
}

enum sv_http_over sv_http_deadline_attach(struct sv_http_deadline *d,
		struct sv_http_conn *c, const struct sockaddr *client) {
	if (!c->proxy || c->over != SV_HTTP_OVER_NONE) {
		return c->over;
	}
	lock(d);
	unlink_entry(d, c);
	set_address(d, c, client);
	c->counted = count_same(d, c) < d->lim.per_ip;
	link_entry(d, c);
	unlock(d);
	return c->counted ? SV_HTTP_OVER_NONE : SV_HTTP_OVER_PER_IP;
}

bool sv_http_deadline_is_proxy(const struct sv_http_conn *c) {
	return c->proxy;
}

enum sv_http_over sv_http_deadline_over_limit(const struct sv_http_conn *c) {
	return c->over;
}

bool sv_http_deadline_dropped(const struct sv_http_conn *conn) {
	return atomic_load_explicit(&conn->dropped, memory_order_acquire);
}

void sv_http_deadline_disarm(struct sv_http_conn *c) {
	atomic_store_explicit(&c->deadline_ms, NONE, memory_order_relaxed);
}

void sv_http_deadline_rearm(struct sv_http_deadline *d,
		struct sv_http_conn *c, const struct timespec *now) {
	atomic_store_explicit(&c->deadline_ms, ms_of(now) + d->timeout_ms,
		memory_order_relaxed);
}
