/* SPDX-License-Identifier: MIT */
/*
 * The c-ares side of the resolver (dns_query.h, resolve_internal.h):
 * opening a channel on --resolver's server, reading an MX answer into
 * hosts and a cache lifetime, driving a channel with poll(2), and the
 * blocking one-shot queries of the command line (lookup, dns, dns check)
 * built on them. The server's resolver thread (mx_resolver.c) drives its
 * own channel with the same helpers; the waiters and the single-flight
 * bookkeeping are its, not this file's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h> /* ares.h needs fd_set and struct timeval */
#include <sys/time.h>
#include <time.h>

#include <ares.h>
#include <arpa/nameser.h>

#include "resolve/dns_query.h"
#include "resolve/mx_resolver.h"
#include "resolve/resolve_internal.h"

#define TRIES 2      /* c-ares' own retries; our deadline comes first */
#define MAX_MX_RECORDS 64 /* MX records looked at per answer */

int64_t sv_dns_now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* c-ares set-up and answers, shared with mx_resolver.c               */

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_init_rc;

static void init_ares(void) {
	ares_init_rc = ares_library_init(ARES_LIB_INIT_ALL);
}

/*
 * "IP", "IP:PORT" or "[IPv6]:PORT" into the form c-ares takes
 * ("IP:PORT", "[IPv6]:PORT"); csv has room for 64 bytes.
 */
int sv_dns_server_csv(const char *s, char *csv, size_t size,
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

int sv_dns_channel_open(const char *server, unsigned timeout_ms,
		ares_channel *out, struct sv_err *err) {
	char csv[64];
	if (server != NULL && sv_dns_server_csv(server, csv, sizeof(csv),
			err) != SV_OK) {
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
void sv_dns_read_answer(int status, const unsigned char *abuf, int alen,
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
nfds_t sv_dns_ares_pollfds(ares_channel ch, struct pollfd *fds) {
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

void sv_dns_ares_handle(ares_channel ch, const struct pollfd *fds,
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
int sv_dns_ares_wait_ms(ares_channel ch, int max) {
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
 * timeout_ms; *timed_out when it was not. SV_OK, or sv_dns_channel_open's. */
static int query_once(const char *server, const char *name, int type,
		unsigned timeout_ms, struct once *o, bool *timed_out,
		struct sv_err *err) {
	ares_channel ch;
	int rc = sv_dns_channel_open(server, timeout_ms, &ch, err);
	if (rc != SV_OK) {
		return rc;
	}
	int64_t deadline = sv_dns_now_ms() + timeout_ms;
	ares_query(ch, name, ns_c_in, type, once_cb, o);
	while (!o->done) {
		int64_t left = deadline - sv_dns_now_ms();
		if (left <= 0) {
			break;
		}
		struct pollfd fds[ARES_GETSOCK_MAXNUM];
		nfds_t n = sv_dns_ares_pollfds(ch, fds);
		if (poll(fds, n, sv_dns_ares_wait_ms(ch, (int)left)) < 0 &&
				errno != EINTR) {
			break;
		}
		sv_dns_ares_handle(ch, fds, n);
	}
	*timed_out = !o->done;
	o->done = true;
	ares_destroy(ch);
	return SV_OK;
}

static void read_mx_once(void *ctx, int status, const unsigned char *abuf,
		int alen) {
	int64_t ttl;
	sv_dns_read_answer(status, abuf, alen, ctx, &ttl);
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
