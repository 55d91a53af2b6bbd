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
 * retransmission time and the next deadline as its timeout.
 */
#include <arpa/inet.h>
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
#include "util/alloc.h"
#include "util/hash.h"
#include "util/log.h"

#define BUCKETS 1024 /* pending chains; more queries than this is rare */
#define TRIES 2      /* c-ares' own retries; our deadline comes first */
#define MAX_MX_RECORDS 64 /* MX records looked at per answer */

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

static int64_t now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* c-ares set-up and answers, shared with sv_mx_lookup_once           */

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_init_rc;

static void init_ares(void) {
	ares_init_rc = ares_library_init(ARES_LIB_INIT_ALL);
}

/*
 * "IP", "IP:PORT" or "[IPv6]:PORT" into the form c-ares takes
 * ("IP:PORT", "[IPv6]:PORT"); csv has room for 64 bytes.
 */
static int server_csv(const char *s, char *csv, size_t size,
		struct sv_err *err) {
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	size_t n;
	bool v6 = s[0] == '[';
	if (v6) {
		const char *end = strchr(s, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':')) {
			return sv_errf(err, SV_EINVAL, "--resolver: '%.64s': "
				"expected IP, IP:PORT or [IPv6]:PORT", s);
		}
		n = (size_t)(end - s - 1);
		port = end[1] == ':' ? end + 2 : NULL;
		s++;
	} else {
		const char *colon = strchr(s, ':');
		n = colon != NULL ? (size_t)(colon - s) : strlen(s);
		port = colon != NULL ? colon + 1 : NULL;
	}
	unsigned char addr[16];
	if (n >= sizeof(host)) {
		return sv_errf(err, SV_EINVAL, "--resolver: address too long");
	}
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) != 1) {
		return sv_errf(err, SV_EINVAL, "--resolver: '%.64s' is not a "
			"numeric IP address", host);
	}
	unsigned long p = 53;
	if (port != NULL) {
		char *end;
		errno = 0;
		p = port[0] >= '0' && port[0] <= '9' ?
			strtoul(port, &end, 10) : 0;
		if (errno != 0 || p == 0 || p > 65535 || *end != '\0') {
			return sv_errf(err, SV_EINVAL, "--resolver: port "
				"'%.16s' is not in 1..65535", port);
		}
	}
	int w = snprintf(csv, size, v6 ? "[%s]:%lu" : "%s:%lu", host, p);
	if (w < 0 || (size_t)w >= size) {
		return sv_errf(err, SV_EINVAL, "--resolver: too long");
	}
	return SV_OK;
}

int sv_mx_resolver_check_server(const char *server, struct sv_err *err) {
	char csv[64];
	return server_csv(server, csv, sizeof(csv), err);
}

static int channel_open(const char *server, unsigned timeout_ms,
		ares_channel *out, struct sv_err *err) {
	char csv[64];
	if (server != NULL && server_csv(server, csv, sizeof(csv), err) !=
			SV_OK) {
		return SV_EINVAL;
	}
	pthread_once(&ares_once, init_ares);
	if (ares_init_rc != ARES_SUCCESS) {
		return sv_errf(err, SV_EIO, "c-ares: %s",
			ares_strerror(ares_init_rc));
	}
	struct ares_options o = {
		.timeout = (int)timeout_ms,
		.tries = TRIES,
	};
	int rc = ares_init_options(out, &o, ARES_OPT_TIMEOUTMS |
		ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS) {
		return sv_errf(err, rc == ARES_ENOMEM ? SV_ENOMEM : SV_EIO,
			"c-ares: %s", ares_strerror(rc));
	}
	if (server != NULL &&
			(rc = ares_set_servers_ports_csv(*out, csv)) !=
			ARES_SUCCESS) {
		ares_destroy(*out);
		return sv_errf(err, SV_EIO, "c-ares: --resolver %s: %s", csv,
			ares_strerror(rc));
	}
	return SV_OK;
}

static unsigned get16(const unsigned char *p) {
	return (unsigned)p[0] << 8 | p[1];
}

/* Length of the (possibly compressed) name at p, or -1. */
static long name_len(const unsigned char *p, const unsigned char *abuf,
		int alen) {
	char *name = NULL;
	long enclen = 0;
	if (ares_expand_name(p, abuf, alen, &name, &enclen) != ARES_SUCCESS) {
		return -1;
	}
	ares_free_string(name);
	return enclen;
}

/* The smallest TTL of the answer's MX records (ares_parse_mx_reply does
 * not give them); SV_MX_TTL_MAX_S when there is none to read. */
static uint32_t min_mx_ttl(const unsigned char *abuf, int alen) {
	uint32_t ttl = SV_MX_TTL_MAX_S;
	if (alen < HFIXEDSZ) {
		return ttl;
	}
	const unsigned char *p = abuf + HFIXEDSZ, *end = abuf + alen;
	unsigned qd = get16(abuf + 4), an = get16(abuf + 6);
	for (unsigned i = 0; i < qd; i++) {
		long n = name_len(p, abuf, alen);
		if (n < 0 || end - p < n + QFIXEDSZ) {
			return ttl;
		}
		p += n + QFIXEDSZ;
	}
	for (unsigned i = 0; i < an; i++) {
		long n = name_len(p, abuf, alen);
		if (n < 0 || end - p < n + RRFIXEDSZ) {
			return ttl;
		}
		p += n;
		unsigned type = get16(p);
		uint32_t t = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
			(uint32_t)p[6] << 8 | p[7];
		unsigned rdlen = get16(p + 8);
		if (end - p < RRFIXEDSZ + (long)rdlen) {
			return ttl;
		}
		if (type == ns_t_mx && t < ttl) {
			ttl = t;
		}
		p += RRFIXEDSZ + rdlen;
	}
	return ttl;
}

/*
 * An answer (c-ares status and buffer) as hosts, most preferred first,
 * and how long to keep it. Records are sorted by preference, ties in
 * answer order; invalid host names are skipped.
 */
static void read_answer(int status, const unsigned char *abuf, int alen,
		struct sv_mx_hosts *out, int64_t *ttl_ms) {
	*ttl_ms = (int64_t)SV_MX_FAILURE_S * 1000;
	if (status == ARES_ENODATA || status == ARES_ENOTFOUND) {
		sv_mx_hosts_init(out, SV_MX_NONE);
		*ttl_ms = (int64_t)SV_MX_NEGATIVE_S * 1000;
		return;
	}
	if (status == ARES_ETIMEOUT) {
		sv_mx_hosts_init(out, SV_MX_TIMEOUT);
		return;
	}
	struct ares_mx_reply *mx = NULL;
	if (status != ARES_SUCCESS ||
			(status = ares_parse_mx_reply(abuf, alen, &mx)) !=
			ARES_SUCCESS) {
		sv_mx_hosts_init(out, status == ARES_ENODATA ? SV_MX_NONE :
			SV_MX_FAILED);
		if (status == ARES_ENODATA) {
			*ttl_ms = (int64_t)SV_MX_NEGATIVE_S * 1000;
		}
		return;
	}
	const struct ares_mx_reply *recs[MAX_MX_RECORDS];
	size_t n = 0;
	for (const struct ares_mx_reply *m = mx; m != NULL &&
			n < MAX_MX_RECORDS; m = m->next) {
		size_t i = n++;
		while (i > 0 && recs[i - 1]->priority > m->priority) {
			recs[i] = recs[i - 1];
			i--;
		}
		recs[i] = m;
	}
	sv_mx_hosts_init(out, SV_MX_FOUND);
	for (size_t i = 0; i < n && out->n < SV_MX_MAX_HOSTS; i++) {
		char host[SV_DOMAIN_MAX + 1];
		const char *h = recs[i]->host;
		if (h == NULL || sv_domain_normalize(h, strlen(h), host,
				sizeof(host), NULL) != SV_OK) {
			continue; /* "." (null MX, RFC 7505) lands here too */
		}
		sv_mx_hosts_add(out, host);
	}
	ares_free_data(mx);
	if (out->n == 0) {
		out->status = SV_MX_NONE;
		*ttl_ms = (int64_t)SV_MX_NEGATIVE_S * 1000;
		return;
	}
	uint32_t ttl = min_mx_ttl(abuf, alen);
	ttl = ttl < 1 ? 1 : ttl > SV_MX_TTL_MAX_S ? SV_MX_TTL_MAX_S : ttl;
	*ttl_ms = (int64_t)ttl * 1000;
}

/* poll(2) entries for the channel's sockets after fds[first]; returns
 * the count. */
static nfds_t ares_pollfds(ares_channel ch, struct pollfd *fds) {
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	/* ares.h's ARES_GETSOCK_WRITABLE shifts a signed 1 by up to 31 */
	unsigned bits = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
	nfds_t n = 0;
	for (unsigned i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		short ev = (short)((bits & 1u << i ? POLLIN : 0) |
			(bits & 1u << (i + ARES_GETSOCK_MAXNUM) ? POLLOUT : 0));
		if (ev != 0) {
			fds[n].fd = socks[i];
			fds[n].events = ev;
			fds[n].revents = 0;
			n++;
		}
	}
	return n;
}

static void ares_handle(ares_channel ch, const struct pollfd *fds,
		nfds_t n) {
	for (nfds_t i = 0; i < n; i++) {
		if (fds[i].revents == 0) {
			continue;
		}
		ares_socket_t rd = fds[i].revents & (POLLIN | POLLERR |
			POLLHUP) ? fds[i].fd : ARES_SOCKET_BAD;
		ares_socket_t wr = fds[i].revents & POLLOUT ? fds[i].fd :
			ARES_SOCKET_BAD;
		ares_process_fd(ch, rd, wr);
	}
	ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
}

/* c-ares' wait before its next retransmission, in ms, at most max. */
static int ares_wait_ms(ares_channel ch, int max) {
	struct timeval maxtv = { max / 1000, (max % 1000) * 1000 }, tv;
	struct timeval *t = ares_timeout(ch, &maxtv, &tv);
	long ms = (long)t->tv_sec * 1000 + (t->tv_usec + 999) / 1000;
	return ms < max ? (int)ms : max;
}

/* ------------------------------------------------------------------ */
/* The one-shot look-ups (command line)                                */

struct once {
	bool done;
	/* reads the answer into ctx */
	void (*read)(void *ctx, int status, const unsigned char *abuf,
		int alen);
	void *ctx;
};

static void once_cb(void *arg, int status, int timeouts,
		unsigned char *abuf, int alen) {
	struct once *o = arg;
	(void)timeouts;
	if (!o->done) { /* ares_destroy calls back with ARES_EDESTRUCTION */
		o->read(o->ctx, status, abuf, alen);
		o->done = true;
	}
}

/* One query of type for name through server, answered into o within
 * timeout_ms; *timed_out when it was not. SV_OK, or channel_open's. */
static int query_once(const char *server, const char *name, int type,
		unsigned timeout_ms, struct once *o, bool *timed_out,
		struct sv_err *err) {
	ares_channel ch;
	int rc = channel_open(server, timeout_ms, &ch, err);
	if (rc != SV_OK) {
		return rc;
	}
	int64_t deadline = now_ms() + timeout_ms;
	ares_query(ch, name, ns_c_in, type, once_cb, o);
	while (!o->done) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			break;
		}
		struct pollfd fds[ARES_GETSOCK_MAXNUM];
		nfds_t n = ares_pollfds(ch, fds);
		if (poll(fds, n, ares_wait_ms(ch, (int)left)) < 0 &&
				errno != EINTR) {
			break;
		}
		ares_handle(ch, fds, n);
	}
	*timed_out = !o->done;
	o->done = true;
	ares_destroy(ch);
	return SV_OK;
}

static void read_mx_once(void *ctx, int status, const unsigned char *abuf,
		int alen) {
	int64_t ttl;
	read_answer(status, abuf, alen, ctx, &ttl);
}

int sv_mx_lookup_once(const char *server, const char *domain,
		unsigned timeout_ms, struct sv_mx_hosts *out,
		struct sv_err *err) {
	struct once o = { .read = read_mx_once, .ctx = out };
	bool timed_out;
	int rc = query_once(server, domain, ns_t_mx, timeout_ms, &o,
		&timed_out, err);
	if (rc == SV_OK && timed_out) {
		sv_mx_hosts_init(out, SV_MX_TIMEOUT);
	}
	return rc;
}

/* The expanded name at p into out (size n, "." for the root); false
 * when it does not parse or fit. */
static bool copy_name(const unsigned char *p, const unsigned char *abuf,
		int alen, char *out, size_t n) {
	char *name = NULL;
	long enclen = 0;
	if (ares_expand_name(p, abuf, alen, &name, &enclen) != ARES_SUCCESS) {
		return false;
	}
	int w = snprintf(out, n, "%s", name[0] != '\0' ? name : ".");
	ares_free_string(name);
	return w > 0 && (size_t)w < n;
}

/* One answer record's data (rd[0..len)) of type into rr; false when
 * it does not parse. */
static bool read_rr(int type, const unsigned char *rd, size_t len,
		const unsigned char *abuf, int alen, struct sv_rr *rr) {
	memset(rr, 0, sizeof(*rr));
	if (type == ns_t_cname) {
		return copy_name(rd, abuf, alen, rr->target,
			sizeof(rr->target));
	}
	if (type == ns_t_srv) {
		if (len < 7) {
			return false;
		}
		rr->priority = (int)get16(rd);
		rr->weight = (int)get16(rd + 2);
		rr->port = (int)get16(rd + 4);
		return copy_name(rd + 6, abuf, alen, rr->target,
			sizeof(rr->target));
	}
	/* TXT: its character-strings, joined (RFC 7208 3.3 reads them so,
	 * and PACC's digest is one) */
	size_t o = 0;
	for (size_t i = 0; i < len; i += 1 + rd[i]) {
		size_t k = rd[i];
		if (i + 1 + k > len || k >= sizeof(rr->text) - o) {
			return false;
		}
		memcpy(rr->text + o, rd + i + 1, k);
		o += k;
	}
	rr->text[o] = '\0';
	return true;
}

struct rr_query {
	int type;
	struct sv_rrset *out;
};

static void read_rrset(void *ctx, int status, const unsigned char *abuf,
		int alen) {
	struct rr_query *q = ctx;
	struct sv_rrset *out = q->out;
	out->n = 0;
	out->status = status == ARES_SUCCESS ? SV_RR_ANSWERED :
		status == ARES_ENOTFOUND ? SV_RR_NO_NAME :
		status == ARES_ENODATA ? SV_RR_NO_DATA :
		status == ARES_ETIMEOUT ? SV_RR_TIMED_OUT : SV_RR_FAILED;
	if (status != ARES_SUCCESS) {
		return;
	}
	const unsigned char *p = abuf + HFIXEDSZ, *end = abuf + alen;
	unsigned qd = alen >= HFIXEDSZ ? get16(abuf + 4) : 0;
	unsigned an = alen >= HFIXEDSZ ? get16(abuf + 6) : 0;
	out->status = alen >= HFIXEDSZ ? SV_RR_NO_DATA : SV_RR_FAILED;
	for (unsigned i = 0; i < qd + an; i++) {
		long l = name_len(p, abuf, alen);
		if (l < 0 || end - p < l + (i < qd ? 4 : 10)) {
			out->status = SV_RR_FAILED;
			return;
		}
		p += l;
		if (i < qd) {
			p += 4;
			continue;
		}
		int type = (int)get16(p);
		size_t len = get16(p + 8);
		p += 10;
		if ((size_t)(end - p) < len) {
			out->status = SV_RR_FAILED;
			return;
		}
		if (type == q->type && out->n < SV_RR_MAX &&
				read_rr(type, p, len, abuf, alen,
				&out->rr[out->n])) {
			out->n++;
			out->status = SV_RR_ANSWERED;
		}
		p += len;
	}
}

int sv_rr_query_once(const char *server, const char *name, int type,
		unsigned timeout_ms, struct sv_rrset *out, struct sv_err *err) {
	if (type != ns_t_cname && type != ns_t_srv && type != ns_t_txt) {
		return sv_errf(err, SV_EINVAL, "record type %d not supported",
			type);
	}
	struct rr_query q = { type, out };
	struct once o = { .read = read_rrset, .ctx = &q };
	bool timed_out;
	out->n = 0;
	out->status = SV_RR_FAILED;
	int rc = query_once(server, name, type, timeout_ms, &o, &timed_out,
		err);
	if (rc == SV_OK && timed_out) {
		out->status = SV_RR_TIMED_OUT;
	}
	return rc;
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
	if (sv_mx_cache_put(r->cache, domain, h, now_ms() + ttl_ms) !=
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
	read_answer(status, abuf, alen, &h, &ttl_ms);
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
	int64_t now = now_ms(), next = now + max;
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
		nfds_t n = ares_pollfds(r->channel, fds + 1);
		wait = ares_wait_ms(r->channel, wait);
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
		ares_handle(r->channel, fds + 1, n);
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
	if (channel_open(opts->server, r->timeout_ms, &r->channel, err) !=
			SV_OK) {
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
	bool hit = sv_mx_cache_get(r->cache, domain, now_ms(), out);
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
			p->deadline_ms = now_ms() + r->timeout_ms;
		}
	} else if (r->stopping || r->inflight >= r->max_inflight) {
		rc = SV_EBUSY;
	} else if ((p = sv_calloc(1, sizeof(*p))) == NULL) {
		rc = SV_ENOMEM;
	} else {
		memcpy(p->domain, domain, len + 1);
		p->hash = h;
		p->r = r;
		p->deadline_ms = now_ms() + r->timeout_ms;
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
