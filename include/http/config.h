/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CONFIG_H
#define SUIVANT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/*
 * Everything `suivant serve` can be told, one commented field per tunable
 * with its default next to it. sv_config_init sets the defaults;
 * sv_config_check reports every problem it finds in one message.
 */

#define SV_CONFIG_DEFAULT_DB "suivant.db"
#define SV_CONFIG_DEFAULT_LISTEN "127.0.0.1:8080"
#define SV_CONFIG_MAX_LISTEN 8
#define SV_CONFIG_DEFAULT_CONN_LIMIT 4096
#define SV_CONFIG_DEFAULT_PER_IP_LIMIT 64
#define SV_CONFIG_DEFAULT_TIMEOUT_S 10
#define SV_CONFIG_DEFAULT_REQUEST_TIMEOUT_S 15
#define SV_CONFIG_DEFAULT_CONN_MEMORY (32 * 1024)

/* Bounds enforced by sv_config_check (inclusive). */
#define SV_CONFIG_MAX_THREADS 256
#define SV_CONFIG_MAX_CONN_LIMIT 65536
#define SV_CONFIG_MAX_TIMEOUT_S 3600
/* Headers of a request must fit; MHD also needs room for its own work. */
#define SV_CONFIG_MIN_CONN_MEMORY (8 * 1024)
#define SV_CONFIG_MAX_CONN_MEMORY (1024 * 1024)

/* Who may read /healthz and /metrics, by default: loopback only. */
#define SV_CONFIG_DEFAULT_ADMIN_ALLOW "127.0.0.0/8,::1/128"
#define SV_CONFIG_MAX_ADMIN_NETS 16
/* Connections kept over --max-connections for admin clients. */
#define SV_CONFIG_DEFAULT_ADMIN_RESERVE 8
#define SV_CONFIG_MAX_ADMIN_RESERVE 1024
/* Address prefixes that make one client for --max-per-ip. */
#define SV_CONFIG_DEFAULT_PREFIX4 32
#define SV_CONFIG_DEFAULT_PREFIX6 64

struct sv_sign_cms;

struct sv_config {
	const char *db_path;      /* borrowed (argv); default SV_CONFIG_DEFAULT_DB */
	const char *listen[SV_CONFIG_MAX_LISTEN]; /* borrowed "ADDR:PORT" */
	size_t n_listen;          /* 0 (and no listen_tls) =
	                           * SV_CONFIG_DEFAULT_LISTEN */
	const char *listen_tls[SV_CONFIG_MAX_LISTEN]; /* borrowed "ADDR:PORT"
	                           * served over TLS (1.2 and 1.3 only) */
	size_t n_listen_tls;
	const char *tls_cert;     /* borrowed; PEM certificate chain of the
	                           * TLS listeners, leaf first; re-read by
	                           * sv_http_reload_tls (SIGHUP) */
	const char *tls_key;      /* borrowed; its PEM private key */
	unsigned threads;         /* worker threads per listener; 0 = cores */
	unsigned conn_limit;      /* total connections per listener */
	unsigned per_ip_limit;    /* connections per client address */
	unsigned timeout_s;       /* idle connection timeout, seconds */
	unsigned request_timeout_s; /* a whole request (headers and body)
	                           * must arrive within this many seconds of
	                           * the accept, or of the previous response
	                           * on a kept-alive connection */
	size_t conn_memory;       /* per-connection memory (headers), bytes */
	const char *admin_allow;  /* borrowed; "CIDR[,CIDR]..." allowed to
	                           * read /healthz and /metrics; default
	                           * SV_CONFIG_DEFAULT_ADMIN_ALLOW */
	unsigned admin_reserve;   /* connections per listener kept over
	                           * conn_limit for admin_allow clients
	                           * (admin routes only) */
	const char *trusted_proxy; /* borrowed; "CIDR[,CIDR]..." of proxies
	                           * whose X-Forwarded-For names the client,
	                           * or NULL (none) */
	unsigned prefix4;         /* IPv4 prefix bits of one client for
	                           * per_ip_limit (1..32) */
	unsigned prefix6;         /* IPv6 prefix bits, the same (1..128) */
	const char *sign_cert;    /* borrowed; certificate that signs Apple
	                           * profiles; NULL = profiles unsigned */
	const char *sign_key;     /* borrowed; its key (with sign_cert only) */
	const char *sign_chain;   /* borrowed; intermediates, or NULL */
	struct sv_sign_cms *signer; /* borrowed; loaded from the three paths
	                           * by `serve` before sv_http_start and freed
	                           * after sv_http_stop; NULL = unsigned */
	const char *resolver;     /* borrowed; "IP[:PORT]" of the DNS server
	                           * MX rows are checked with; NULL = the
	                           * system's (resolve/mx_resolver.h) */
	unsigned mx_cache;        /* domains whose MX answer is cached
	                           * (SV_MX_CACHE_DEFAULT) */
	unsigned mx_max_inflight; /* DNS queries outstanding at once; more
	                           * get 503 (SV_MX_INFLIGHT_DEFAULT) */
};

/* Sets every field to its default. Cannot fail. */
void sv_config_init(struct sv_config *cfg);

/*
 * Checks every field against its bounds (threads <= SV_CONFIG_MAX_THREADS,
 * limits >= 1, per-IP limit <= connection limit, both timeouts 1..3600 s,
 * the admin reserve <= SV_CONFIG_MAX_ADMIN_RESERVE, prefixes 1..32 and
 * 1..128, both network lists parse, memory
 * in SV_CONFIG_MIN_CONN_MEMORY..SV_CONFIG_MAX_CONN_MEMORY, every listen
 * address parses, sign_cert and sign_key given together, sign_chain only
 * with them, tls_cert and tls_key given exactly when listen_tls is,
 * mx_cache in 1..SV_MX_CACHE_MAX, mx_max_inflight in
 * 1..SV_MX_INFLIGHT_MAX, resolver a numeric IP[:PORT]). Returns SV_OK, or SV_EINVAL with every problem found,
 * separated by "; ", in err (truncated to one line if need be).
 */
int sv_config_check(const struct sv_config *cfg, struct sv_err *err);

/*
 * Parses "ADDR:PORT", "[V6ADDR]:PORT" or "PORT" (meaning 127.0.0.1) into a
 * socket address. ADDR is numeric only (dotted quad, or IPv6 in brackets;
 * no host names, no zone ids); PORT is 0..65535 in decimal digits, and 0
 * asks the kernel for a free port. *out_len receives the size of the
 * address actually written (sockaddr_in or sockaddr_in6). Returns SV_OK or
 * SV_EINVAL with the reason; out is untouched on failure.
 */
struct sockaddr_storage;

/* One client network of an allow list. */
struct sv_config_net {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t addr[16];    /* network bytes (4 used for AF_INET) */
	unsigned prefix;     /* 0..32 or 0..128 */
};

/*
 * Parses a comma-separated list of "ADDR/PREFIX" or "ADDR" (a host) into
 * out[SV_CONFIG_MAX_ADMIN_NETS]; numeric addresses only. Host bits set
 * below the prefix are refused (a typo, most often). SV_OK with *n, or
 * SV_EINVAL with the reason, which starts with what (the option's name).
 * sv_config_parse_nets is the same for "admin-allow".
 */
int sv_config_parse_net_list(const char *what, const char *s,
	struct sv_config_net *out, size_t *n, struct sv_err *err);
int sv_config_parse_nets(const char *s, struct sv_config_net *out, size_t *n,
	struct sv_err *err);
/* Whether the socket address sa (AF_INET or AF_INET6) is in one of nets;
 * an IPv4-mapped IPv6 address counts as IPv4. */
struct sockaddr;
bool sv_config_net_match(const struct sv_config_net *nets, size_t n,
	const struct sockaddr *sa);

int sv_config_parse_listen(const char *s, struct sockaddr_storage *out,
	unsigned *out_len, struct sv_err *err);

/* The numeric text of sa (AF_INET or AF_INET6; may be NULL) into out
 * (size INET6_ADDRSTRLEN or more), or "-". */
void sv_config_address_text(const struct sockaddr *sa, char *out,
	size_t size);

#endif
