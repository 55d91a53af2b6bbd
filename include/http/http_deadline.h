/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_DEADLINE_H
#define SUIVANT_HTTP_DEADLINE_H

/*
 * The registry of open connections, private to the HTTP front end: it
 * enforces the request deadline (--request-timeout) and keeps the
 * connection counts behind --max-connections and --max-per-ip. It knows
 * descriptors and socket addresses, not libmicrohttpd:
 * src/http/http_connection.c feeds it from MHD's connection
 * notifications.
 *
 * Contract with the caller, which makes the janitor's shutdown(2) safe:
 * sv_http_deadline_close must be called before the descriptor given to
 * sv_http_deadline_open is closed (MHD 0.9.75 delivers
 * MHD_CONNECTION_NOTIFY_CLOSED before it closes the socket). The janitor
 * only shuts descriptors down while holding the registry's mutex, and
 * close takes that mutex, so it never touches a reused descriptor.
 *
 * Threads: open and close take the mutex (once per connection); the
 * request path only calls sv_http_deadline_disarm and _rearm, which are
 * lock-free atomic stores on the entry; sv_http_deadline_over_limit reads
 * a field fixed at open. The janitor thread wakes every
 * SV_HTTP_DEADLINE_TICK_MS and shuts down (SHUT_RDWR) every connection
 * past its deadline, logs one warning line with the client's address and
 * adds one to *drops.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "http/config.h"
#include "util/err.h"

#define SV_HTTP_DEADLINE_TICK_MS 250
/* A connection refused for being over a limit gets its 503 if it sends a
 * request within this long (at most the request timeout), else it is shut
 * down: refused connections must not hold the slots, MHD's own included,
 * that the admin reserve and the next clients need. */
#define SV_HTTP_DEADLINE_REFUSED_MS 1000

struct sockaddr;
struct sv_http_deadline;
struct sv_http_conn;

/* Why a connection is refused (served one 503, then closed). */
enum sv_http_over {
	SV_HTTP_OVER_NONE,
	SV_HTTP_OVER_TOTAL,  /* listener already at --max-connections */
	SV_HTTP_OVER_PER_IP, /* its address already at --max-per-ip */
	SV_HTTP_OVER_RESERVE, /* over --max-connections, let in on the admin
	                      * reserve: admin routes only, 503 for others */
};

/*
 * Who counts as one client, and who gets special treatment. Clients are
 * counted by address prefix (prefix4 bits of IPv4, prefix6 of IPv6): one
 * IPv6 host usually holds a whole /64. A peer in proxies (trusted
 * proxies) is many clients: its connections count toward
 * --max-connections only, and sv_http_deadline_attach counts each under
 * the client it forwards. A peer in admin may use the reserve connections
 * kept above --max-connections. The arrays are copied.
 */
struct sv_http_deadline_policy {
	unsigned prefix4;      /* 1..32 */
	unsigned prefix6;      /* 1..128 */
	const struct sv_config_net *proxies;
	size_t n_proxies;      /* at most SV_CONFIG_MAX_ADMIN_NETS */
	const struct sv_config_net *admin;
	size_t n_admin;        /* at most SV_CONFIG_MAX_ADMIN_NETS */
	unsigned reserve;      /* connections per listener over the limit
	                        * for admin peers */
};

/* What a registry enforces (the serve options they come from). */
struct sv_http_deadline_limits {
	unsigned listeners;    /* how many listeners it counts for */
	unsigned limit;        /* connections per listener in all
	                        * (--max-connections) */
	unsigned per_ip;       /* per client address (--max-per-ip) */
	unsigned timeout_s;    /* for a whole request (--request-timeout) */
};

/*
 * A registry enforcing lim (copied), with the default policy; *drops
 * (borrowed, must outlive the registry) counts the connections the
 * janitor shut down. Starts the janitor. NULL with err set on failure.
 * Dual to sv_http_deadline_destroy().
 */
struct sv_http_deadline *sv_http_deadline_create(
	const struct sv_http_deadline_limits *lim, atomic_ulong *drops,
	struct sv_err *err);
/*
 * Sets the policy (the default: /32 and /64, no proxy, no reserve, which
 * is what an all-zero policy gives).
 * Before the first sv_http_deadline_open only.
 */
void sv_http_deadline_set_policy(struct sv_http_deadline *d,
	const struct sv_http_deadline_policy *p);
/*
 * Stops and joins the janitor, then frees. Every connection must have
 * been closed (sv_http_deadline_close) before. NULL ok.
 */
void sv_http_deadline_destroy(struct sv_http_deadline *d);

/*
 * Registers a new connection of listener (below the limits' listeners)
 * on fd from sa (may be NULL: then it shares one "unknown" address) with
 * its deadline armed. A connection over a limit is registered too (with
 * a deadline of SV_HTTP_DEADLINE_REFUSED_MS at most) but not counted,
 * and sv_http_deadline_over_limit says why; one on the admin reserve is
 * counted apart.
 * Returns the entry (owned by the registry), or NULL when out of memory.
 */
struct sv_http_conn *sv_http_deadline_open(struct sv_http_deadline *d,
	unsigned listener, int fd, const struct sockaddr *sa);
/* Unregisters and frees conn before its descriptor closes. NULL ok. */
void sv_http_deadline_close(struct sv_http_deadline *d,
	struct sv_http_conn *conn);

/* Set once by sv_http_deadline_open; safe from any thread. */
enum sv_http_over sv_http_deadline_over_limit(const struct sv_http_conn *c);
/* Whether conn's peer is a trusted proxy (fixed at open). */
bool sv_http_deadline_is_proxy(const struct sv_http_conn *conn);
/*
 * For a connection from a trusted proxy that is within the limits, at
 * each request: client (NULL: unknown, one "unknown" client) is who the
 * proxy forwards it for. The connection counts under client's prefix for
 * --max-per-ip from now on (the janitor's warning names client too);
 * SV_HTTP_OVER_PER_IP when that client is already at its limit (then the
 * connection is not counted under it: answer 503 and close). Returns
 * conn's own verdict for other connections. Takes the mutex.
 */
enum sv_http_over sv_http_deadline_attach(struct sv_http_deadline *d,
	struct sv_http_conn *conn, const struct sockaddr *client);
/* Whether the janitor has shut conn down; safe from any thread. */
bool sv_http_deadline_dropped(const struct sv_http_conn *conn);
/* The request is complete (a response is queued): no deadline. */
void sv_http_deadline_disarm(struct sv_http_conn *conn);
/* The response is sent: the next request must be complete by now
 * (CLOCK_MONOTONIC) plus the timeout. */
void sv_http_deadline_rearm(struct sv_http_deadline *d,
	struct sv_http_conn *conn, const struct timespec *now);

#endif
