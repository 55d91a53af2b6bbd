/* SPDX-License-Identifier: MIT */
/*
 * Who a request comes from. Directly connected clients are their peer
 * address. Behind a proxy every request comes from the proxy: only for a
 * peer named by --trusted-proxy is X-Forwarded-For believed, and only its
 * right end (each proxy appends the address it was connected from; what
 * lies left of the nearest untrusted hop is whatever the client wrote).
 * The client found this way is the one the access line shows, the one
 * --max-per-ip counts and the one --admin-allow judges. A request that
 * carries proxy headers from a peer we do not trust came through a proxy
 * we were not told of: it is never an admin request, whatever its peer
 * (a proxy on loopback must not make every client look local).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "http/http_client.h"
#include "http/http_metrics.h"
#include "http/http_request.h"

/* a[0..4) as inet_ntop writes an IPv4 address, into out (16 bytes or
 * more); by hand because glibc's inet_ntop formats one with sprintf, and
 * this runs once a request (the access line). */
static void ipv4_text(const uint8_t *a, char *out) {
	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];
		if (v >= 100) {
			*out++ = (char)('0' + v / 100);
		}
		if (v >= 10) {
			*out++ = (char)('0' + v / 10 % 10);
		}
		*out++ = (char)('0' + v % 10);
		*out++ = i < 3 ? '.' : '\0';
	}
}

void sv_http_client_text(const struct sockaddr *sa, char *out, size_t size) {
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	const void *bytes = NULL;
	int family = AF_UNSPEC;
	if (sa != NULL && sa->sa_family == AF_INET) {
		bytes = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		family = AF_INET;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const uint8_t *a = (const uint8_t *)&((const struct sockaddr_in6 *)
			(const void *)sa)->sin6_addr;
		bool v4 = memcmp(a, mapped, sizeof(mapped)) == 0;
		bytes = v4 ? a + 12 : a;
		family = v4 ? AF_INET : AF_INET6;
	}
	if (bytes != NULL && family == AF_INET && size >= INET_ADDRSTRLEN) {
		ipv4_text(bytes, out);
	} else if (bytes == NULL || inet_ntop(family, bytes, out,
			(socklen_t)size) == NULL) {
		snprintf(out, size, "-");
	}
}

/* One address of a list: optional blanks, then IPv4 or IPv6 (bare or in
 * brackets), then optional blanks; nothing else (no port, no name). */
static bool parse_one(const char *s, size_t n, struct sockaddr_storage *out) {
	while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
		n--;
	}
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	char text[INET6_ADDRSTRLEN];
	if (n == 0 || n >= sizeof(text)) {
		return false;
	}
	memcpy(text, s, n);
	text[n] = '\0';
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)out;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)out;
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		return true;
	}
	return false;
}

/*
 * The client in an X-Forwarded-For list v[0..n): from the right, the
 * first address that is not a trusted proxy. False when an address on
 * the way is not one (the list is then nobody's word).
 */
static bool forwarded_client(const struct sv_http_metrics *m, const char *v,
		size_t n, struct sockaddr_storage *out) {
	size_t end = n;
	for (;;) {
		size_t start = end;
		while (start > 0 && v[start - 1] != ',') {
			start--;
		}
		if (!parse_one(v + start, end - start, out)) {
			return false;
		}
		if (start == 0 || !sv_config_net_match(m->proxies, m->n_proxies,
				(const struct sockaddr *)out)) {
			return true; /* the leftmost is the client, trusted or not */
		}
		end = start - 1;
	}
}

struct proxy_headers {
	const char *xff;  /* the last X-Forwarded-For */
	size_t xff_len;
	bool any;         /* X-Forwarded-For, Forwarded or X-Real-IP seen */
};

static enum MHD_Result on_header(void *cls, enum MHD_ValueKind kind,
		const char *key, size_t key_size, const char *value,
		size_t value_size) {
	struct proxy_headers *p = cls;
	(void)kind;
	if (sv_http_caseeq_lit(key, key_size, "X-Forwarded-For")) {
		p->xff = value != NULL ? value : "";
		p->xff_len = value != NULL ? value_size : 0;
		p->any = true;
	} else if (sv_http_caseeq_lit(key, key_size, "Forwarded") ||
			sv_http_caseeq_lit(key, key_size, "X-Real-IP")) {
		p->any = true;
	}
	return MHD_YES;
}

void sv_http_client_peer(struct sv_http_req *r, const struct sockaddr *peer) {
	memset(&r->client_sa, 0, sizeof(r->client_sa));
	r->client_sa.ss_family = AF_UNSPEC;
	if (peer != NULL && (peer->sa_family == AF_INET ||
			peer->sa_family == AF_INET6)) {
		memcpy(&r->client_sa, peer, peer->sa_family == AF_INET ?
			sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	}
}

void sv_http_client_identify(struct MHD_Connection *c,
		const struct sv_http_metrics *m, struct sv_http_req *r) {
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
		MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *peer = ci != NULL ? ci->client_addr : NULL;
	sv_http_client_peer(r, peer);
	struct proxy_headers p = { 0 };
	MHD_get_connection_values_n(c, MHD_HEADER_KIND, on_header, &p);
	if (p.any && !sv_config_net_match(m->proxies, m->n_proxies, peer)) {
		r->forwarded = true;
	} else if (p.xff != NULL && !forwarded_client(m, p.xff, p.xff_len,
			&r->client_sa)) {
		memset(&r->client_sa, 0, sizeof(r->client_sa));
		r->client_sa.ss_family = AF_UNSPEC;
	}
}

bool sv_http_client_is_admin(const struct sv_http_metrics *m,
		const struct sv_http_req *r) {
	return !r->forwarded && sv_config_net_match(m->admin, m->n_admin,
		(const struct sockaddr *)&r->client_sa);
}
