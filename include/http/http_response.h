/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_RESPONSE_H
#define SUIVANT_HTTP_RESPONSE_H

/*
 * Responses (src/http/http_response.c): the fixed responses built once,
 * queueing with the headers every response gets, the pages' headers and
 * the recycled answer bodies. Private to the HTTP front end (src/http/,
 * and its unit tests).
 */

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "util/buf.h"
#include "util/err.h"

struct sv_http_call; /* http/http_request.h */

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

#endif
