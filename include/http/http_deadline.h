/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_DEADLINE_H
#define SUIVANT_HTTP_DEADLINE_H

/*
 * The registry of open connections, private to the HTTP front end: it
 * enforces the request deadline (--request-timeout) and keeps the
 * connection counts behind --max-connections and --max-per-ip. It knows
 * descriptors and socket addresses, not libmicrohttpd: src/http/http.c feeds it
 * from MHD's connection notifications.
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

#include "util/err.h"

#define SV_HTTP_DEADLINE_TICK_MS 250

struct sockaddr;
struct sv_http_deadline;
struct sv_http_conn;

/* Why a connection is refused (served one 503, then closed). */
enum sv_http_over {
	SV_HTTP_OVER_NONE,
	SV_HTTP_OVER_TOTAL,  /* listener already at --max-connections */
	SV_HTTP_OVER_PER_IP, /* its address already at --max-per-ip */
};

/*
 * A registry for n_listeners listeners, each allowing limit connections
 * in all and per_ip per client address; a request must be complete
 * within timeout_s seconds. *drops (borrowed, must outlive the registry)
 * counts the connections the janitor shut down. Starts the janitor.
 * NULL with err set on failure. Dual to sv_http_deadline_destroy().
 */
struct sv_http_deadline *sv_http_deadline_create(unsigned n_listeners,
	unsigned limit, unsigned per_ip, unsigned timeout_s,
	atomic_ulong *drops, struct sv_err *err);
/*
 * Stops and joins the janitor, then frees. Every connection must have
 * been closed (sv_http_deadline_close) before. NULL ok.
 */
void sv_http_deadline_destroy(struct sv_http_deadline *d);

/*
 * Registers a new connection of listener (< n_listeners) on fd from sa
 * (may be NULL: then it shares one "unknown" address) with its deadline
 * armed. A connection over a limit is registered too (its deadline
 * applies) but not counted, and sv_http_deadline_over_limit says why.
 * Returns the entry (owned by the registry), or NULL when out of memory.
 */
struct sv_http_conn *sv_http_deadline_open(struct sv_http_deadline *d,
	unsigned listener, int fd, const struct sockaddr *sa);
/* Unregisters and frees conn before its descriptor closes. NULL ok. */
void sv_http_deadline_close(struct sv_http_deadline *d,
	struct sv_http_conn *conn);

/* Set once by sv_http_deadline_open; safe from any thread. */
enum sv_http_over sv_http_deadline_over_limit(const struct sv_http_conn *c);
/* Whether the janitor has shut conn down; safe from any thread. */
bool sv_http_deadline_dropped(const struct sv_http_conn *conn);
/* The request is complete (a response is queued): no deadline. */
void sv_http_deadline_disarm(struct sv_http_conn *conn);
/* The response is sent: the next request must be complete by now
 * (CLOCK_MONOTONIC) plus the timeout. */
void sv_http_deadline_rearm(struct sv_http_deadline *d,
	struct sv_http_conn *conn, const struct timespec *now);

#endif
