/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_INTERNAL_H
#define SUIVANT_HTTP_INTERNAL_H

/*
 * Private to the HTTP front end: shared by src/http/http.c (daemons,
 * request state), http_route.c (routing), http_request.c (reading a
 * request), http_answer.c (the answer pipeline: format and facts to a
 * queued response), http_response.c (fixed responses, queueing),
 * http_metrics.c (access line, counters) and the endpoint files
 * http_<name>.c, which read their request, then hand (format, facts) to
 * sv_http_answer. Nothing else includes this header (nor microhttpd.h).
 */

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <microhttpd.h>

#include "answer/render_autodiscover.h"
#include "answer/sign_cms.h"
#include "http/http.h"
#include "request/address.h"
#include "resolve/mx_resolver.h"
#include "snapshot/snapshot.h"
#include "util/buf.h"

#define SV_HTTP_XSTR(x) #x
#define SV_HTTP_STR(x) SV_HTTP_XSTR(x) /* SV_HTTP_STR(300) is "300" */

/* Fixed responses: built once by sv_http_start, shared by every thread. */
enum sv_http_fixed_id {
	SV_HTTP_FIXED_BAD_REQUEST,  /* 400, when no better reason exists */
	SV_HTTP_FIXED_BAD_FRAMING,  /* 400 + Connection: close: framing a
	                             * proxy could read otherwise */
	SV_HTTP_FIXED_FOLDED,       /* 400 + Connection: close: a header
	                             * line folded onto the next (obs-fold) */
	SV_HTTP_FIXED_NOT_FOUND,    /* 404, unknown path */
	SV_HTTP_FIXED_NO_CONFIG,    /* 404, unknown domain */
	SV_HTTP_FIXED_NOT_ALLOWED,  /* 405 + Allow: GET, HEAD */
	SV_HTTP_FIXED_NOT_ALLOWED_POST, /* 405 + Allow: GET, HEAD, POST */
	SV_HTTP_FIXED_NOT_ALLOWED_DAV,  /* 405 + Allow: GET, HEAD, PROPFIND */
	SV_HTTP_FIXED_TOO_LARGE,    /* 413 */
	SV_HTTP_FIXED_URI_TOO_LONG, /* 414 */
	SV_HTTP_FIXED_INTERNAL,     /* 500, details in the log only */
	SV_HTTP_FIXED_UNAVAILABLE,  /* 503, no snapshot published yet */
	SV_HTTP_FIXED_OVER_LIMIT,   /* 503 + Retry-After: 1 + Connection:
	                             * close, over a connection limit */
	SV_HTTP_FIXED_DNS_BUSY,     /* 503 + Retry-After: 1, over
	                             * --mx-max-inflight DNS queries */
	SV_HTTP_FIXED_COUNT
};

struct sv_http_fixed {
	struct MHD_Response *resp; /* owned by struct sv_http */
	unsigned status;
	size_t len;                /* body length, for the access log */
};

/* Builds fx[SV_HTTP_FIXED_COUNT]; on failure nothing is left built. */
int sv_http_fixed_create(struct sv_http_fixed *fx, struct sv_err *err);
/* Dual to sv_http_fixed_create; safe on a zeroed or half-built array.
 * Only once no daemon can queue them any more. */
void sv_http_fixed_destroy(struct sv_http_fixed *fx);

/*
 * The metrics rows: one per endpoint label, in the order /metrics lists
 * them. Several routes may share one (the two Autodiscover v2 forms, the
 * three profile paths). Names: sv_http_endpoint_name (http_metrics.c).
 */
enum sv_http_endpoint {
	SV_HTTP_EP_AUTOCONFIG,
	SV_HTTP_EP_AUTOCONFIG_WELL_KNOWN,
	SV_HTTP_EP_ISPDB,
	SV_HTTP_EP_AUTODISCOVER_V1,
	SV_HTTP_EP_AUTODISCOVER_V2,
	SV_HTTP_EP_PROFILE_PAGE,
	SV_HTTP_EP_MOBILECONFIG,
	SV_HTTP_EP_WELL_KNOWN_DAV,
	SV_HTTP_EP_PACC,
	SV_HTTP_EP_HEALTHZ,
	SV_HTTP_EP_METRICS,
	SV_HTTP_EP_TLS_ASK,
	SV_HTTP_EP_SETTINGS,
	SV_HTTP_EP_NONE, /* no route matched */
	SV_HTTP_ENDPOINTS
};

struct sv_http_conn; /* include/http/http_deadline.h */
struct sv_http_mx;   /* src/http/http_mx.c: a request's DNS wait */

/*
 * Per-request state. It lives inside its connection's state (src/http/
 * http.c), one request at a time, from the request line (URI log
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
	                            * not answer it correctly (http.c) */
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
	 * its comment says (http.c, on_uri). */
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

/*
 * Counters for /metrics, shared by every thread: relaxed atomics, no lock
 * (a scrape may see one request counted and its latency not yet: fine).
 */
#define SV_HTTP_STATUSES 14      /* see sv_http_status_slot() */
#define SV_HTTP_LATENCY_BUCKETS 11 /* finite upper bounds, seconds */

struct sv_http_metrics {
	atomic_ulong requests[SV_HTTP_ENDPOINTS][SV_HTTP_STATUSES];
	atomic_ulong latency[SV_HTTP_LATENCY_BUCKETS + 1]; /* per bucket, the
	                              * last one +Inf; made cumulative when
	                              * scraped */
	atomic_ulong latency_sum_us;
	atomic_ulong reloads[2];   /* data reloads: [0] failed, [1] done */
	atomic_ulong tls_reloads[2]; /* certificate reloads, the same */
	atomic_ulong deadline_drops; /* connections shut down for not
	                            * sending a whole request in time */
	atomic_long open_connections; /* accepted and not yet closed, over
	                            * every listener */
	atomic_ulong over_limit[2]; /* 503s for being over a limit:
	                            * [0] --max-connections, [1] --max-per-ip */
	atomic_llong loaded_at;    /* CLOCK_REALTIME seconds of the current
	                            * snapshot's publication */
	struct sv_config_net admin[SV_CONFIG_MAX_ADMIN_NETS]; /* who may read
	                            * /healthz and /metrics */
	size_t n_admin;
	struct sv_config_net proxies[SV_CONFIG_MAX_ADMIN_NETS]; /* trusted
	                            * proxies (--trusted-proxy), whose
	                            * X-Forwarded-For names the client */
	size_t n_proxies;
};

/* Status codes counted apart; others count as "other", none as "none". */
extern const unsigned sv_http_statuses[SV_HTTP_STATUSES - 2];
/* Upper bounds of the latency buckets, in microseconds. */
extern const unsigned long sv_http_latency_us[SV_HTTP_LATENCY_BUCKETS];
/* The label of metrics row e ("autoconfig", ..., "none"). */
const char *sv_http_endpoint_name(enum sv_http_endpoint e);
/*
 * Once a request has ended (completed or not), at now (CLOCK_MONOTONIC):
 * writes its access line and counts it. src/http/http_metrics.c.
 */
void sv_http_account(struct sv_http_metrics *m, const struct sv_http_req *r,
	enum MHD_RequestTerminationCode toe, const struct timespec *now);

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

/*
 * Last handler call, the whole request in: finds the route of the raw
 * path in call->r (sets call->r->endpoint, and hides the address of a
 * private prefix route from the log), checks the method (405) and, for an
 * admin-only route, the client (403), and runs the route's handler with
 * its variant and format, or queues 404. src/http/http_route.c.
 */
enum MHD_Result sv_http_route(struct sv_http_call *call, const char *method);
/*
 * At the request line: the private prefix route (an address follows it)
 * the raw path raw[0..n) is under, matched as the router would (after
 * percent-decoding, in any letter case), or NULL. The access line shows
 * that prefix and a '*' instead of the path.
 */
const char *sv_http_route_private_prefix(const char *raw, size_t n);
/* In a message about a request (MHD's diagnostics name its path): what
 * follows a private prefix route becomes one '*', the rest of the text
 * dropped. text is NUL-terminated and changed in place. */
void sv_http_route_mask_private(char *text);

/*
 * First handler call, headers only (src/http/http_framing.c). Whether the
 * declared Content-Length is over SV_HTTP_MAX_BODY or not a plain number
 * (then 413); whether Host or the body's framing is ambiguous (several
 * Host or Content-Length headers, Transfer-Encoding other than a lone
 * "chunked" or beside Content-Length, white space before a colon: then
 * 400, as RFC 9112 asks, because a proxy in front could read the request
 * differently from us).
 */
bool sv_http_body_too_large(struct MHD_Connection *c);
bool sv_http_framing_ambiguous(struct MHD_Connection *c);
/*
 * Whether a header line was folded onto the next (obs-fold, RFC 9112
 * 5.2): MHD 0.9.75 glues the continuation onto the header's *name*
 * ("Content-Length:\r\n 53" becomes a header "Content-Length53" with an
 * empty value), so that the framing check above never sees the header a
 * proxy in front may have read. Such a name is the one thing MHD builds
 * outside the raw header block, which starts at method (the access
 * handler's method argument points into it) and is
 * MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE bytes long: a header whose name
 * lies outside that block was folded. First handler call only.
 */
bool sv_http_header_folded(struct MHD_Connection *c, const char *method);
/* Whether the request has a chunked body (the framing check has refused
 * every other Transfer-Encoding). */
bool sv_http_body_chunked(struct MHD_Connection *c);

/*
 * Queues resp with status, records both for the access log and lifts
 * the request deadline (src/http/http_deadline.c). Does not
 * take the caller's reference: the caller still destroys a dynamic
 * response after queueing it (MHD keeps its own).
 */
enum MHD_Result sv_http_queue(const struct sv_http_call *call,
	unsigned status, struct MHD_Response *resp, size_t len);
/* Queues one of the fixed responses. */
enum MHD_Result sv_http_queue_fixed(const struct sv_http_call *call,
	enum sv_http_fixed_id id);
/*
 * Queues a text/plain answer "<what>: <reason>\n" with status. reason is
 * escaped (sv_log_escape: control bytes, quotes and non-ASCII as \xHH), so
 * request bytes are never echoed raw. Falls back to the fixed 400 or 500
 * response when memory is short.
 */
enum MHD_Result sv_http_queue_reason(const struct sv_http_call *call,
	unsigned status, const char *what, const char *reason);

/* Cache-Control of a response. */
enum sv_http_cache {
	SV_HTTP_CACHE_NO_STORE, /* errors, admin pages, answers to a POST */
	SV_HTTP_CACHE_PRIVATE,  /* made for one address: "private, max-age" */
	SV_HTTP_CACHE_PUBLIC,   /* the same for everyone: "public, max-age" */
};

/*
 * Adds, in this order, the headers of every response we build:
 * X-Content-Type-Options: nosniff, Content-Type, Content-Disposition
 * (unless disposition is NULL), Cache-Control. SV_OK or SV_ENOMEM.
 */
int sv_http_add_headers(struct MHD_Response *resp, const char *content_type,
	const char *disposition, enum sv_http_cache cache);
/*
 * Queues body's bytes (taken over: body is left empty, MHD frees them)
 * with status and the headers above. When memory is short: a warning
 * naming the endpoint, and the fixed 400 (status 400) or 500 instead.
 */
enum MHD_Result sv_http_queue_buf(const struct sv_http_call *call,
	unsigned status, struct sv_buf *body, const char *content_type,
	const char *disposition, enum sv_http_cache cache);
/*
 * An answer's body, recycled per thread (src/http/http_response.c): MHD
 * gives it back when it frees the response, to the spare list of the
 * thread that frees it, so that a thread that keeps answering keeps
 * reusing the same few buffers and, once warm, allocates nothing of ours.
 */
struct sv_http_body {
	struct sv_buf buf;         /* the bytes (max SV_HTTP_MAX_ANSWER):
	                            * reset, not freed, between uses */
	struct sv_http_body *next; /* in a spare list */
	unsigned n_spares;         /* the list's length, kept by its head */
};
/* A body with an empty buf: one of this thread's spares, or a new one.
 * NULL when out of memory. Lock-free. */
struct sv_http_body *sv_http_body_get(void);
/* Gives b back: to this thread's spares, or freed. NULL is a no-op. */
void sv_http_body_put(struct sv_http_body *b);
/* Frees the calling thread's spares (a daemon's threads free theirs
 * when they end); sv_http_stop calls it after the daemons stopped. */
void sv_http_body_spares_free(void);
/*
 * Pages for people (the profile page at "/", the settings page): HTML
 * whose only resource is its style (the profile page's inline, the
 * settings page's settings.css), whose one form stays on this site,
 * never framed, sending no Referer to the links it holds.
 */
#define SV_HTTP_TEXT_HTML "text/html; charset=utf-8"
#define SV_HTTP_PAGE_CSP "default-src 'none'; style-src 'unsafe-inline'; " \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
/* The settings pages': their only resource is settings.css, from here. */
#define SV_HTTP_SETTINGS_CSP "default-src 'none'; style-src 'self'; " \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
/* Adds Content-Security-Policy SV_HTTP_PAGE_CSP, Referrer-Policy
 * no-referrer and, with vary_language (a page chosen by
 * Accept-Language), Vary: Accept-Language. SV_OK or SV_ENOMEM. */
int sv_http_add_page_headers(struct MHD_Response *resp, bool vary_language);
/* sv_http_queue_buf for a settings page: SV_HTTP_TEXT_HTML, the page
 * headers with SV_HTTP_SETTINGS_CSP (and Vary: Accept-Language). */
enum MHD_Result sv_http_queue_page_buf(const struct sv_http_call *call,
	unsigned status, struct sv_buf *body, enum sv_http_cache cache);
/* Queues 200 over bytes[0..len), static (never freed, never copied),
 * with the headers of sv_http_add_headers; the fixed 500 when memory is
 * short. */
enum MHD_Result sv_http_queue_static(const struct sv_http_call *call,
	const char *bytes, size_t len, const char *content_type,
	enum sv_http_cache cache);
/*
 * Queues b's bytes with status and the headers of sv_http_add_headers.
 * b is taken over: MHD gives it back (sv_http_body_put) when it frees the
 * response. When memory is short: a warning naming the endpoint, and the
 * fixed 400 (status 400) or 500 instead.
 */
enum MHD_Result sv_http_queue_body(const struct sv_http_call *call,
	unsigned status, struct sv_http_body *b, const char *content_type,
	const char *disposition, enum sv_http_cache cache);
/* The same, with the settings page's headers (sv_http_queue_page_buf's)
 * when page is set. */
enum MHD_Result sv_http_queue_body_as(const struct sv_http_call *call,
	unsigned status, struct sv_http_body *b, const char *content_type,
	const char *disposition, enum sv_http_cache cache, bool page);
/*
 * For a body a renderer just wrote, rc being its result: SV_OK queues it
 * as sv_http_queue_buf does; otherwise err's message is logged and the
 * fixed 500 queued. body is finished either way.
 */
enum MHD_Result sv_http_queue_rendered(const struct sv_http_call *call,
	int rc, const struct sv_err *err, unsigned status,
	struct sv_buf *body, const char *content_type,
	enum sv_http_cache cache);

/* src/http/http_client.c */

/*
 * Who a request comes from, on its first handler call: the peer, unless
 * the peer is one of m->proxies (--trusted-proxy) and the request carries
 * X-Forwarded-For; then the client is the last address of the last such
 * header that is not a trusted proxy itself (what the nearest untrusted
 * hop connected from: the addresses before it are the client's word).
 * Fills r->client_sa (AF_UNSPEC when a trusted proxy forwarded
 * something that is not an address); sets r->forwarded
 * when a peer that is not trusted sends X-Forwarded-For, Forwarded or
 * X-Real-IP: such a request came through a proxy we were not told of.
 */
void sv_http_client_identify(struct MHD_Connection *c,
	const struct sv_http_metrics *m, struct sv_http_req *r);
/* r->client_sa = peer (an IPv4 or IPv6 address; else AF_UNSPEC): who a
 * request ended before its headers is logged as. */
void sv_http_client_peer(struct sv_http_req *r, const struct sockaddr *peer);
/* Whether r's client may read the admin routes (m->admin), forwarded
 * requests from an untrusted peer never. */
bool sv_http_client_is_admin(const struct sv_http_metrics *m,
	const struct sv_http_req *r);
/* The numeric text of sa (AF_INET or AF_INET6; IPv4-mapped IPv6 as IPv4)
 * into out (size >= 46), or "-". */
void sv_http_client_text(const struct sockaddr *sa, char *out, size_t size);

/* src/http/http_request.c */

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

/* src/http/http_mx.c */

/*
 * Resolves a mail domain for this request as sv_snapshot_resolve does,
 * its MX hosts taken from the cache or, on a miss, from a DNS query the
 * request waits for without holding its thread: the connection is
 * suspended and resumed by the answer, and MHD then runs the handler
 * again, which calls this again and gets the answer kept in the request.
 * Returns SV_OK with *m (m->mx_host is not kept: NULL), SV_ENOTFOUND, or
 * SV_EAGAIN: the handler returns *ret at once, the request now waiting
 * for DNS with nothing queued, or already answered (over
 * --mx-max-inflight: 503 with Retry-After; out of memory: 500). Notes the
 * MX stage's outcome in call->r->mx_note.
 */
int sv_http_resolve(const struct sv_http_call *call, const char *domain,
	struct sv_snapshot_match *m, enum MHD_Result *ret);
/* Frees a request's DNS wait (completion only: never while it waits). */
void sv_http_mx_free(struct sv_http_mx *x);
/* The MX lines of /metrics, into b. */
int sv_http_mx_metrics(struct sv_mx_resolver *mx, struct sv_buf *b);

/* src/http/http_tls_ask.c */

/*
 * GET|HEAD /tls/ask?domain=NAME (admin-only route): 200 "ok" when NAME
 * is "autoconfig.", "autodiscover." or "ua-auto-config." followed by a
 * domain served by an exact, "*.suffix" or MX row; 404 otherwise (the
 * catch-all "*" does not count: a certificate for every name pointed at
 * us is what a CA's rate limits would punish); 400 without a valid
 * domain parameter. Caddy's on-demand TLS asks this before it gets a
 * certificate (deploy/Caddyfile).
 */
enum MHD_Result sv_http_tls_ask(const struct sv_http_call *call);

/* src/http/http_answer.c */

/*
 * The answer pipeline's last step, for every endpoint that serves a
 * compiled answer: notes facts->domain, fills the snapshot's answer of
 * format for facts (signed where the format is, when call->signer is
 * set) and queues it: 200, the answer's Content-Type, Cache-Control
 * no-store for a POST, private when facts carry an address, else public
 * (and a download's Content-Disposition); for a redirect format (caldav,
 * carddav) 301 with the filled answer as Location and no body. A domain
 * not served gets the
 * format's 404 and a failure its 500 (the fixed text responses, or
 * Autodiscover Error documents for SV_FORMAT_AUTODISCOVER, or the HTML
 * 404 page for the settings pages, which also get the page headers:
 * CSP, Referrer-Policy, Vary: Accept-Language).
 */
enum MHD_Result sv_http_answer(const struct sv_http_call *call,
	enum sv_format format, const struct sv_answer_facts *facts);
/*
 * Queues the HTML error page of a page format (SV_FORMAT_SETTINGS, _EN:
 * render_settings.h) in its language: status 404 (detail: the domain) or
 * 400 (detail: the reason), no-store. A format without pages: the fixed
 * 500, logged.
 */
enum MHD_Result sv_http_page_error(const struct sv_http_call *call,
	enum sv_format format, unsigned status, const char *detail);
/* Queues the Autodiscover v1 Error document for code with HTTP status
 * (no-store). */
enum MHD_Result sv_http_autodiscover_error(const struct sv_http_call *call,
	enum sv_autodiscover_error code, unsigned status);
/* Queues the v2 JSON error {"ErrorCode":code,"ErrorMessage":message}
 * with status (no-store). */
enum MHD_Result sv_http_autodiscover_v2_error(const struct sv_http_call *call,
	unsigned status, const char *code, const char *message);

/* src/http/http_autoconfig.c */

/* Where the autoconfig endpoints take the domain from without an address. */
enum sv_http_autoconfig_from {
	SV_HTTP_FROM_HOST,       /* Host minus a leading "autoconfig." */
	SV_HTTP_FROM_HOST_RETRY, /* Host, then Host minus "autoconfig." */
	SV_HTTP_FROM_PATH,       /* the path after the route prefix */
};

/*
 * GET|HEAD of a config-v1.1.xml: the domain comes from the emailaddress
 * query parameter when present (400 if malformed), else as variant says;
 * then sv_http_answer with call->format (200, 404 for an unknown domain,
 * 500).
 */
enum MHD_Result sv_http_autoconfig(const struct sv_http_call *call);

/* src/http/http_mobileconfig.c */

/*
 * GET|HEAD of an Apple profile: the address comes from the query
 * parameter email or emailaddress (either name; both given must agree),
 * 400 when missing or malformed; then sv_http_answer with call->format
 * (for SV_FORMAT_MOBILECONFIG: 200 application/x-apple-aspen-config with
 * Content-Disposition attachment; filename="<domain>.mobileconfig",
 * CMS-signed when call->signer is set; 404 for an unknown domain, 500).
 */
enum MHD_Result sv_http_mobileconfig(const struct sv_http_call *call);
/*
 * GET|HEAD /: a static HTML page (French and English) with a form that
 * asks for an address and downloads its profile, no request data in it;
 * with ?email=ADDR (a valid address; anything else gets the static page)
 * the same page with a QR code of ADDR's profile URL on the Host
 * (render_page.h), made for that request (Cache-Control private).
 */
enum MHD_Result sv_http_mobileconfig_page(const struct sv_http_call *call);

/* src/http/http_settings.c */

/*
 * GET|HEAD /settings?email=ADDR or ?domain=DOM: the settings page in
 * French or English (?lang=, else Accept-Language, else French) through
 * sv_http_answer; the domain form shows words for the address parts.
 * 400 page for a missing or malformed address or domain, 404 page for a
 * domain not served.
 */
enum MHD_Result sv_http_settings(const struct sv_http_call *call);
/* GET|HEAD /settings.css: the pages' stylesheet (sv_settings_css), the
 * same for everyone (public cache), like the profile page. */
enum MHD_Result sv_http_settings_css(const struct sv_http_call *call);

/* src/http/http_autodiscover.c */

/* Where the Autodiscover v2 endpoint takes the address from. */
enum sv_http_autodiscover_from {
	SV_HTTP_AD_FROM_QUERY, /* ?Email=ADDR */
	SV_HTTP_AD_FROM_PATH,  /* the path after .../autodiscover.json/v1.0/ */
};

/*
 * /autodiscover/autodiscover.xml (Autodiscover v1, "POX"): POST with a
 * request body (text/xml, application/xml or no Content-Type; 415
 * otherwise) gets the Outlook settings document (200), or an Error
 * document: 600 (malformed body, missing address; HTTP 200), 601 (schema
 * other than Outlook; HTTP 200), 500 (domain not served; HTTP 404), 603
 * (internal failure; HTTP 500). GET and HEAD are answered from the
 * Host, minus "autodiscover." or "autoconfig.": the domain's settings
 * without an address (SV_FORMAT_AUTODISCOVER_DOMAIN, 200), or the fixed
 * 404 for a domain not served or a Host that names none (400 without a
 * Host). The body is read from call->r->body and never logged. The
 * settings are sv_http_answer's for call->format.
 */
enum MHD_Result sv_http_autodiscover(const struct sv_http_call *call);
/*
 * GET|HEAD /autodiscover/autodiscover.json?Email=ADDR&Protocol=P and
 * .../autodiscover.json/v1.0/ADDR?Protocol=P (Autodiscover v2): parameter
 * names in any letter case, P = AutodiscoverV1 (any case) gets 200 JSON
 * {"Protocol","Url"} naming https://autodiscover.DOMAIN/autodiscover/
 * autodiscover.xml; P ActiveSync or EWS (any case): the provider's URL
 * of that service (sv_http_answer, formats AUTODISCOVER_V2_*), 404 JSON
 * when it has none; another or no P, a missing, repeated or malformed
 * address: 400 JSON {"ErrorCode","ErrorMessage"}; unknown domain 404 JSON.
 */
enum MHD_Result sv_http_autodiscover_json(const struct sv_http_call *call);

/* src/http/http_wellknown.c */

/*
 * GET, HEAD or PROPFIND (its body, if any, is read up to the cap and
 * ignored) of /.well-known/caldav or /.well-known/carddav (RFC 6764
 * section 5): the domain is the Host header's (400 when malformed), else,
 * when that has nothing of call->format, the Host without a leading
 * "autoconfig." or "autodiscover."; then sv_http_answer with call->format:
 * 301 to the stored service's bare context, 404 when the domain has no
 * such service. No query parameter is read: nothing of the request but
 * its resolved domain reaches the Location header.
 */
enum MHD_Result sv_http_wellknown_dav(const struct sv_http_call *call);

/*
 * GET or HEAD of PACC's /.well-known/user-agent-configuration.json
 * (model/pacc.h): the domain is the Host header's (400 when malformed)
 * without a leading "ua-auto-config.", the name clients ask it on (the
 * bare domain works too); then sv_http_answer with call->format: the
 * compiled JSON, the same bytes `suivant dns` hashes into the TXT
 * record, or 404 when the domain is not served or PACC cannot say its
 * provider. No query parameter is read.
 */
enum MHD_Result sv_http_pacc(const struct sv_http_call *call);

/* src/http/http_admin.c */

/*
 * GET|HEAD /healthz: 200 JSON {"status":"ok","generation","loaded_at",
 * "age_seconds","providers","domains"} about the snapshot being served;
 * /metrics: Prometheus text format 0.0.4 (requests by endpoint and
 * status, a latency histogram, reloads, snapshot size and age). Both 403
 * to clients outside call->metrics->admin.
 */
enum MHD_Result sv_http_healthz(const struct sv_http_call *call);
enum MHD_Result sv_http_metrics_page(const struct sv_http_call *call);

#endif
