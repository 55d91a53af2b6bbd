/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_REQUEST_H
#define SUIVANT_HTTP_REQUEST_H

/*
 * A request as the handlers see it (src/http/http_request.c): its
 * state, what a route handler gets, and the helpers that read it (query
 * parameters, headers, the Host's domain). Private to the HTTP front
 * end (src/http/, and its unit tests).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "http/http.h"
#include "http/http_metrics.h"
#include "request/address.h"
#include "snapshot/snapshot.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/name.h"

struct sv_http_fixed; /* http/http_response.h */
struct sv_mx_resolver; /* resolve/mx_resolver.h */
struct sv_sign_cms;    /* answer/sign_cms.h */

struct sv_http_conn; /* include/http/http_deadline.h */
struct sv_http_mx;   /* src/http/http_mx.c: a request's DNS wait */

/*
 * Per-request state. It lives inside its connection's state (src/http/
 * http_connection.c), one request at a time, from the request line (URI log
 * callback) until the request ends: the completion callback, or the
 * connection's close when MHD ends it without one (MHD 0.9.75 does when
 * it gives up on a request's headers), so nothing is left behind
 * whatever way a connection ends.
 */
struct sv_http_req {
	struct sv_http_conn *conn; /* borrowed: the connection's entry in the
	                            * deadline registry (outlives the
	                            * request), or NULL when out of memory */
	struct sv_snapshot *snap;  /* owned reference, taken on the first
	                            * handler call, released when it ends */
	struct timespec t0;        /* request line seen (CLOCK_MONOTONIC) */
	size_t url_len;            /* raw request-target length, path+query */
	size_t path_len;           /* bytes in path */
	const char *log_prefix;    /* the private prefix route the path is
	                            * under (an address follows it): logged as
	                            * this and a '*', decided at the request
	                            * line so that no refusal logs the address */
	bool started;              /* the access handler has run once */
	bool refused;              /* shut down unanswered: MHD 0.9.75 could
	                            * not answer it correctly
	                            * (http_connection.c) */
	bool reserve;              /* on a connection of the admin reserve:
	                            * admin routes only */
	bool forwarded;            /* carries a proxy's client headers
	                            * (X-Forwarded-For...) from a peer that
	                            * is not a trusted proxy: never admin */
	size_t body_len;           /* request body bytes seen */
	struct sv_buf body;        /* a POST's body (at most SV_HTTP_MAX_BODY
	                            * bytes); other bodies are discarded.
	                            * Never logged: Autodiscover clients send
	                            * addresses, and credentials next to them */
	unsigned status;           /* queued status; 0 = none yet */
	size_t bytes;              /* queued response body length */
	char method[16];           /* truncated copy, for the access log */
	enum sv_http_endpoint endpoint; /* metrics row; SV_HTTP_EP_NONE
	                            * until a route matched */
	struct sv_http_mx *mx;     /* owned: the DNS wait, from the first MX
	                            * cache miss to completion; or NULL */
	const char *mx_note;       /* static: what the MX stage found, for
	                            * the access line ("match", "nomatch",
	                            * "none", "failed", "timeout", "busy"); NULL
	                            * when the domain needed no MX look-up */
	/* From here on, a new request is not zeroed (2.4 KB a request, on
	 * a plain GET's path): each field is written before it is read, as
	 * its comment says (http_connection.c, sv_http_on_uri). */
	struct sockaddr_storage client_sa; /* the client: the peer, or the
	                            * address a trusted proxy forwarded
	                            * (http_client.c); ss_family AF_UNSPEC
	                            * when unknown; written as text only
	                            * by the access line. Set from the peer
	                            * at the request line */
	char domain[SV_DOMAIN_MAX + 1]; /* the domain answered for, or "";
	                            * "" from the request line */
	char path[SV_HTTP_MAX_URL + 1]; /* raw (still %-encoded) path without
	                            * the query, cut at SV_HTTP_MAX_URL bytes,
	                            * copied at the request line. For routing
	                            * only: the access line shows log_prefix
	                            * instead when set */
};

/* What a route handler gets. Everything is borrowed for the call. */
struct sv_http_call {
	struct MHD_Connection *c;
	struct sv_http_req *r;
	const struct sv_http_fixed *fixed; /* [SV_HTTP_FIXED_COUNT] */
	int variant;      /* the route's variant, meaning is the handler's */
	enum sv_format format; /* the route's format, for handlers that serve
	                  * a compiled answer (SV_FORMAT_COUNT otherwise) */
	const char *arg;  /* decoded path after a prefix route; may hold NUL
	                   * bytes (a decoded %00): use arg_len */
	size_t arg_len;
	struct sv_sign_cms *signer; /* Apple profile signer, or NULL */
	struct sv_http_metrics *metrics;
	struct sv_mx_resolver *mx;  /* MX look-ups (sv_http_resolve) */
};

typedef enum MHD_Result (*sv_http_handler)(const struct sv_http_call *call);

/* ASCII case-insensitive comparison of n bytes (locale-independent). */
bool sv_http_ascii_caseeq(const char *a, const char *b, size_t n);
/* The same for s[0..n) and the whole of the string lit. */
bool sv_http_caseeq_lit(const char *s, size_t n, const char *lit);
/*
 * The query parameter name (exact name) with its percent-decoded value
 * and length (a decoded %00 stays, so use n); "?name" without "=" gives
 * "" and 0. False when absent. *v is MHD's, valid for the request.
 */
bool sv_http_query_param(struct MHD_Connection *c, const char *name,
	const char **v, size_t *n);
/*
 * The request header name (MHD matches it in any case) and its length;
 * false when absent. *v is MHD's, valid for the request.
 */
bool sv_http_header(struct MHD_Connection *c, const char *name,
	const char **v, size_t *n);
/* A query parameter matched by name in any ASCII letter case. */
struct sv_http_param {
	const char *name;  /* set by the caller */
	const char *value; /* MHD's, valid for the request; NULL until seen */
	size_t len;
	unsigned seen;     /* times given: the last one is in value */
};
/* Fills ps[0..n) from the query string. */
void sv_http_query_params_anycase(struct MHD_Connection *c,
	struct sv_http_param *ps, size_t n);
/*
 * The address in the first of the query parameters names[0..n) that is
 * given (several given must hold the same bytes), parsed by
 * sv_address_parse. SV_OK; SV_ENOTFOUND when none is given; SV_EINVAL or
 * SV_ETOOBIG with a reason in err (a 400's).
 */
int sv_http_query_address(struct MHD_Connection *c,
	const char *const *names, size_t n, struct sv_address *addr,
	struct sv_err *err);
/*
 * The domain the Host header names: present, not an IP literal in
 * brackets, an optional ":PORT" of at most 5 digits removed, then
 * normalised (sv_domain_normalize) into out[SV_DOMAIN_MAX + 1]. SV_OK, or
 * SV_EINVAL / SV_ETOOBIG with a reason in err (a 400's).
 */
int sv_http_host_domain(struct MHD_Connection *c, char *out,
	struct sv_err *err);
/* Records the domain answered for, for the access log and metrics; d is
 * a normalised LDH name (safe to log), cut to fit. */
void sv_http_note_domain(const struct sv_http_call *call, const char *d);

#endif
