/* SPDX-License-Identifier: MIT */
/*
 * The server's settings: defaults, bounds and the listen-address parser.
 * Nothing here allocates or touches the network: sv_config_parse_listen
 * only turns text into a socket address (numeric forms only, so that no
 * resolver is consulted at start-up), and sv_config_check reports every
 * out-of-bounds field at once, OpenSMTPD style, so that an administrator
 * fixes a bad command line in one go. The struct borrows its strings from
 * argv.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http/config.h"
#include "resolve/mx_resolver.h"

#define PORT_MAX 65535UL

void sv_config_init(struct sv_config *cfg) {
	memset(cfg, 0, sizeof(*cfg));
	cfg->db_path = SV_CONFIG_DEFAULT_DB;
	cfg->n_listen = 0;
	cfg->threads = 0;
	cfg->conn_limit = SV_CONFIG_DEFAULT_CONN_LIMIT;
	cfg->per_ip_limit = SV_CONFIG_DEFAULT_PER_IP_LIMIT;
	cfg->timeout_s = SV_CONFIG_DEFAULT_TIMEOUT_S;
	cfg->request_timeout_s = SV_CONFIG_DEFAULT_REQUEST_TIMEOUT_S;
	cfg->conn_memory = SV_CONFIG_DEFAULT_CONN_MEMORY;
	cfg->admin_allow = SV_CONFIG_DEFAULT_ADMIN_ALLOW;
	cfg->admin_reserve = SV_CONFIG_DEFAULT_ADMIN_RESERVE;
	cfg->prefix4 = SV_CONFIG_DEFAULT_PREFIX4;
	cfg->prefix6 = SV_CONFIG_DEFAULT_PREFIX6;
	cfg->mx_cache = SV_MX_CACHE_DEFAULT;
	cfg->mx_max_inflight = SV_MX_INFLIGHT_DEFAULT;
}

/* Problems found by sv_config_check, joined with "; " into one line. */
struct problems {
	struct sv_err *err;
	size_t n;
	size_t used; /* bytes of err->msg in use */
};

static void problem(struct problems *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct problems *p, const char *fmt, ...) {
	p->n++;
	if (p->err == NULL || p->used >= sizeof(p->err->msg) - 1) {
		return;
	}
	char *dst = p->err->msg + p->used;
	size_t room = sizeof(p->err->msg) - p->used;
	if (p->n > 1) {
		int k = snprintf(dst, room, "; ");
		if (k < 0 || (size_t)k >= room) {
			p->used = sizeof(p->err->msg) - 1;
			return;
		}
		dst += k;
		room -= (size_t)k;
		p->used += (size_t)k;
	}
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= room) {
		p->used = sizeof(p->err->msg) - 1;
	} else {
		p->used += (size_t)k;
	}
}

int sv_config_check(const struct sv_config *cfg, struct sv_err *err) {
	struct problems p = { .err = err };
	if (err != NULL) {
		err->msg[0] = '\0';
	}
	if (cfg->db_path == NULL || cfg->db_path[0] == '\0') {
		problem(&p, "db: empty path");
	}
	if (cfg->n_listen > SV_CONFIG_MAX_LISTEN) {
		problem(&p, "listen: %zu addresses, at most %d", cfg->n_listen,
			SV_CONFIG_MAX_LISTEN);
	}
	size_t n = cfg->n_listen < SV_CONFIG_MAX_LISTEN ?
		cfg->n_listen : SV_CONFIG_MAX_LISTEN;
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		unsigned len;
		struct sv_err e;
		if (sv_config_parse_listen(cfg->listen[i], &ss, &len, &e) !=
				SV_OK) {
			problem(&p, "%s", e.msg);
		}
	}
	if (cfg->n_listen_tls > SV_CONFIG_MAX_LISTEN) {
		problem(&p, "listen-tls: %zu addresses, at most %d",
			cfg->n_listen_tls, SV_CONFIG_MAX_LISTEN);
	}
	n = cfg->n_listen_tls < SV_CONFIG_MAX_LISTEN ?
		cfg->n_listen_tls : SV_CONFIG_MAX_LISTEN;
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		unsigned len;
		struct sv_err e;
		if (sv_config_parse_listen(cfg->listen_tls[i], &ss, &len,
				&e) != SV_OK) {
			problem(&p, "%s", e.msg);
		}
	}
	if (cfg->n_listen_tls != 0 &&
			(cfg->tls_cert == NULL || cfg->tls_key == NULL)) {
		problem(&p, "tls: --listen-tls needs --tls-cert and --tls-key");
	}
	if (cfg->n_listen_tls == 0 &&
			(cfg->tls_cert != NULL || cfg->tls_key != NULL)) {
		problem(&p, "tls: --tls-cert and --tls-key need --listen-tls");
	}
	if (cfg->threads > SV_CONFIG_MAX_THREADS) {
		problem(&p, "threads: %u is not in 0..%d", cfg->threads,
			SV_CONFIG_MAX_THREADS);
	}
	if (cfg->conn_limit < 1 || cfg->conn_limit > SV_CONFIG_MAX_CONN_LIMIT) {
		problem(&p, "connection limit: %u is not in 1..%d",
			cfg->conn_limit, SV_CONFIG_MAX_CONN_LIMIT);
	}
	if (cfg->per_ip_limit < 1 || cfg->per_ip_limit > cfg->conn_limit) {
		problem(&p, "per-IP limit: %u is not in 1..%u",
			cfg->per_ip_limit, cfg->conn_limit);
	}
	if (cfg->timeout_s < 1 || cfg->timeout_s > SV_CONFIG_MAX_TIMEOUT_S) {
		problem(&p, "timeout: %u s is not in 1..%d", cfg->timeout_s,
			SV_CONFIG_MAX_TIMEOUT_S);
	}
	if (cfg->request_timeout_s < 1 ||
			cfg->request_timeout_s > SV_CONFIG_MAX_TIMEOUT_S) {
		problem(&p, "request timeout: %u s is not in 1..%d",
			cfg->request_timeout_s, SV_CONFIG_MAX_TIMEOUT_S);
	}
	if (cfg->conn_memory < SV_CONFIG_MIN_CONN_MEMORY ||
			cfg->conn_memory > SV_CONFIG_MAX_CONN_MEMORY) {
		problem(&p, "connection memory: %zu bytes is not in %d..%d",
			cfg->conn_memory, SV_CONFIG_MIN_CONN_MEMORY,
			SV_CONFIG_MAX_CONN_MEMORY);
	}
	struct sv_config_net nets[SV_CONFIG_MAX_ADMIN_NETS];
	size_t n_nets;
	struct sv_err e;
	if (cfg->admin_allow != NULL && sv_config_parse_nets(cfg->admin_allow,
			nets, &n_nets, &e) != SV_OK) {
		problem(&p, "%s", e.msg);
	}
	if (cfg->trusted_proxy != NULL && sv_config_parse_net_list(
			"trusted-proxy", cfg->trusted_proxy, nets, &n_nets,
			&e) != SV_OK) {
		problem(&p, "%s", e.msg);
	}
	if (cfg->admin_reserve > SV_CONFIG_MAX_ADMIN_RESERVE) {
		problem(&p, "admin reserve: %u is not in 0..%d",
			cfg->admin_reserve, SV_CONFIG_MAX_ADMIN_RESERVE);
	}
	if (cfg->prefix4 < 1 || cfg->prefix4 > 32) {
		problem(&p, "IPv4 prefix: %u is not in 1..32", cfg->prefix4);
	}
	if (cfg->prefix6 < 1 || cfg->prefix6 > 128) {
		problem(&p, "IPv6 prefix: %u is not in 1..128", cfg->prefix6);
	}
	if ((cfg->sign_cert == NULL) != (cfg->sign_key == NULL)) {
		problem(&p, "signing: --sign-cert and --sign-key go together");
	}
	if (cfg->sign_chain != NULL && cfg->sign_cert == NULL) {
		problem(&p, "signing: --sign-chain needs --sign-cert");
	}
	if (cfg->mx_cache < 1 || cfg->mx_cache > SV_MX_CACHE_MAX) {
		problem(&p, "mx cache: %u domains is not in 1..%d",
			cfg->mx_cache, SV_MX_CACHE_MAX);
	}
	if (cfg->mx_max_inflight < 1 ||
			cfg->mx_max_inflight > SV_MX_INFLIGHT_MAX) {
		problem(&p, "mx max in flight: %u is not in 1..%d",
			cfg->mx_max_inflight, SV_MX_INFLIGHT_MAX);
	}
	if (cfg->resolver != NULL &&
			sv_mx_resolver_check_server(cfg->resolver, &e) != SV_OK) {
		problem(&p, "%s", e.msg);
	}
	return p.n == 0 ? SV_OK : SV_EINVAL;
}

/* Decimal digits only (strtoul alone would take spaces, signs and "0x"). */
static int parse_port(const char *s, const char *whole, unsigned *out,
		struct sv_err *err) {
	if (s[0] < '0' || s[0] > '9') {
		return sv_errf(err, SV_EINVAL,
			"listen: '%.80s': port is not a number", whole);
	}
	for (const char *q = s; *q != '\0'; q++) {
		if (*q < '0' || *q > '9') {
			return sv_errf(err, SV_EINVAL,
				"listen: '%.80s': port is not a number", whole);
		}
	}
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > PORT_MAX) {
		return sv_errf(err, SV_EINVAL,
			"listen: '%.80s': port is not in 0..65535", whole);
	}
	*out = (unsigned)v;
	return SV_OK;
}

/*
 * Splits s into host (size INET6_ADDRSTRLEN) and *port; *v6 tells which
 * family the brackets asked for. A bare "PORT" means 127.0.0.1.
 */
static int split_listen(const char *s, char *host, const char **port,
		bool *v6, struct sv_err *err) {
	const char *h = s, *end = NULL;
	*v6 = s[0] == '[';
	if (*v6) {
		h = s + 1;
		end = strchr(s, ']');
		if (end == NULL || end[1] != ':') {
			return sv_errf(err, SV_EINVAL, "listen: '%.80s': "
				"expected [IPV6]:PORT", s);
		}
	} else {
		end = strrchr(s, ':');
		if (end == NULL) { /* "PORT" alone */
			memcpy(host, "127.0.0.1", sizeof("127.0.0.1"));
			*port = s;
			return SV_OK;
		}
		if (memchr(s, ':', (size_t)(end - s)) != NULL) {
			return sv_errf(err, SV_EINVAL, "listen: '%.80s': IPv6 "
				"addresses go in brackets ([::1]:8080)", s);
		}
	}
	size_t n = (size_t)(end - h);
	if (n == 0 || n >= INET6_ADDRSTRLEN) {
		return sv_errf(err, SV_EINVAL, "listen: '%.80s': bad address",
			s);
	}
	memcpy(host, h, n);
	host[n] = '\0';
	*port = end + (*v6 ? 2 : 1);
	return SV_OK;
}

int sv_config_parse_listen(const char *s, struct sockaddr_storage *out,
		unsigned *out_len, struct sv_err *err) {
	if (s == NULL || s[0] == '\0') {
		return sv_errf(err, SV_EINVAL, "listen: empty address");
	}
	char host[INET6_ADDRSTRLEN];
	const char *port = NULL;
	bool v6 = false;
	int rc = split_listen(s, host, &port, &v6, err);
	if (rc != SV_OK) {
		return rc;
	}
	unsigned p;
	rc = parse_port(port, s, &p, err);
	if (rc != SV_OK) {
		return rc;
	}
	union {
		struct sockaddr_storage ss;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} a;
	memset(&a, 0, sizeof(a));
	void *addr;
	unsigned len;
	if (v6) {
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_port = htons((uint16_t)p);
		addr = &a.in6.sin6_addr;
		len = (unsigned)sizeof(a.in6);
	} else {
		a.in.sin_family = AF_INET;
		a.in.sin_port = htons((uint16_t)p);
		addr = &a.in.sin_addr;
		len = (unsigned)sizeof(a.in);
	}
	/* inet_pton, unlike inet_aton, refuses "127.1" and octal */
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) != 1) {
		return sv_errf(err, SV_EINVAL, "listen: '%.80s': %s", s, v6 ?
			"bad IPv6 address" : "bad IPv4 address (numeric only)");
	}
	*out = a.ss;
	*out_len = len;
	return SV_OK;
}

/* One "ADDR[/PREFIX]" of n bytes (no NUL) into out. */
static int parse_net(const char *what, const char *s, size_t n,
		struct sv_config_net *out, struct sv_err *err) {
	char text[INET6_ADDRSTRLEN + 5];
	if (n == 0 || n >= sizeof(text)) {
		return sv_errf(err, SV_EINVAL, "%s: '%.*s': not a "
			"network", what, (int)(n < 60 ? n : 60), s);
	}
	memcpy(text, s, n);
	text[n] = '\0';
	char *slash = strchr(text, '/');
	unsigned long prefix = 0;
	if (slash != NULL) {
		char *end;
		*slash = '\0';
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' ||
				errno != 0) {
			return sv_errf(err, SV_EINVAL, "%s: '%.*s': "
				"bad prefix length", what, (int)n, s);
		}
	}
	memset(out, 0, sizeof(*out));
	unsigned bits;
	if (inet_pton(AF_INET, text, out->addr) == 1) {
		out->family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, text, out->addr) == 1) {
		out->family = AF_INET6;
		bits = 128;
	} else {
		return sv_errf(err, SV_EINVAL, "%s: '%.*s': not a "
			"numeric address", what, (int)n, s);
	}
	if (slash == NULL) {
		prefix = bits;
	}
	if (prefix > bits) {
		return sv_errf(err, SV_EINVAL, "%s: '%.*s': prefix "
			"over %u", what, (int)n, s, bits);
	}
	out->prefix = (unsigned)prefix;
	for (unsigned i = out->prefix; i < bits; i++) {
		if (out->addr[i / 8] & (0x80 >> (i % 8))) {
			return sv_errf(err, SV_EINVAL, "%s: '%.*s': "
				"host bits set below the prefix", what,
				(int)n, s);
		}
	}
	return SV_OK;
}

int sv_config_parse_nets(const char *s, struct sv_config_net *out, size_t *n,
		struct sv_err *err) {
	return sv_config_parse_net_list("admin-allow", s, out, n, err);
}

int sv_config_parse_net_list(const char *what, const char *s,
		struct sv_config_net *out, size_t *n, struct sv_err *err) {
	size_t k = 0;
	const char *p = s;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (k == SV_CONFIG_MAX_ADMIN_NETS) {
			return sv_errf(err, SV_EINVAL, "%s: at most "
				"%d networks", what, SV_CONFIG_MAX_ADMIN_NETS);
		}
		int rc = parse_net(what, p, len, &out[k], err);
		if (rc != SV_OK) {
			return rc;
		}
		k++;
		if (comma == NULL) {
			break;
		}
		p = comma + 1;
	}
	*n = k;
	return SV_OK;
}

void sv_config_address_text(const struct sockaddr *sa, char *out,
		size_t size) {
	const void *bytes = NULL;
	if (sa != NULL && sa->sa_family == AF_INET) {
		bytes = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		bytes = &((const struct sockaddr_in6 *)(const void *)sa)->
			sin6_addr;
	}
	if (bytes == NULL || inet_ntop(sa->sa_family, bytes, out,
			(socklen_t)size) == NULL) {
		snprintf(out, size, "-");
	}
}

static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits) {
	for (unsigned i = 0; i < bits; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));
		if ((a[i / 8] & m) != (b[i / 8] & m)) {
			return false;
		}
	}
	return true;
}

bool sv_config_net_match(const struct sv_config_net *nets, size_t n,
		const struct sockaddr *sa) {
	uint8_t a[16];
	int family;
	if (sa == NULL) {
		return false;
	}
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		memcpy(a, &in->sin_addr, 4);
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 0xff, 0xff };
		if (memcmp(&in6->sin6_addr, mapped, 12) == 0) {
			memcpy(a, (const uint8_t *)&in6->sin6_addr + 12, 4);
			family = AF_INET;
		} else {
			memcpy(a, &in6->sin6_addr, 16);
			family = AF_INET6;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (nets[i].family == family &&
				prefix_eq(nets[i].addr, a, nets[i].prefix)) {
			return true;
		}
	}
	return false;
}
