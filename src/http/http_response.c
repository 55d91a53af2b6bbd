/* SPDX-License-Identifier: MIT */
/*
 * Responses: the fixed ones (errors, built once by sv_http_start with
 * MHD_RESPMEM_PERSISTENT over string literals and shared by every
 * thread) and the helpers every endpoint queues its answer through, which
 * record the status and length for the access line and lift the
 * request's deadline (the request is complete once answered).
 *
 * Answer bodies (struct sv_http_body) are recycled per thread: MHD calls
 * body_release when it frees a response, in the thread that serves the
 * connection, which puts the body on that thread's spare list (a
 * pthread-specific value: no lock), where the thread's next answer finds
 * it with its memory. Once a thread has answered, queueing an answer of
 * the same size or smaller allocates nothing of ours (libmicrohttpd
 * 0.9.75 still allocates the response object and its header entries).
 * A thread keeps at most SPARES_MAX bodies of at most SPARE_CAP_MAX
 * bytes; its spares are freed when it ends (the key's destructor), and
 * sv_http_stop frees those of its own thread.
 *
 * Why a copy into one buffer, and not an iovec over the compiled
 * answer's chunks: libmicrohttpd 0.9.75 sends an iovec response's
 * headers alone first (a second send(2), and the header pushed as a
 * segment of its own), and over TLS each iovec element as a TLS record
 * of its own; a buffer response goes out with its headers in one
 * writev(2) (one TLS record pair over TLS). Measured (tests/bench/
 * RESULTS.md, "iovec"): the 3,446-byte answer as 81 line segments costs
 * 1.8x the CPU per request of the copied buffer, and the copy itself
 * does not show beside a constant buffer.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "http/http_deadline.h"
#include "http/http_metrics.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

#define TEXT_PLAIN "text/plain; charset=utf-8"
#define SPARES_MAX 8                /* spare bodies kept per thread */
#define SPARE_CAP_MAX (64 * 1024)   /* larger ones are freed */
#define ALLOWED_METHODS "GET, HEAD"
#define ALLOWED_METHODS_POST "GET, HEAD, POST"
#define ALLOWED_METHODS_DAV "GET, HEAD, PROPFIND"

/* Body, status and extra headers of each fixed response. */
static const struct {
	unsigned status;
	const char *body;
	const char *header, *value; /* extra header, or NULL */
	const char *header2, *value2; /* another, or NULL */
} fixed_specs[SV_HTTP_FIXED_COUNT] = {
	[SV_HTTP_FIXED_BAD_REQUEST] = { 400, "bad request\n", NULL, NULL,
		NULL, NULL },
	/* "close": a request framed ambiguously may be followed by bytes
	 * a proxy read as part of it: none of them is read as a request */
	[SV_HTTP_FIXED_BAD_FRAMING] = { 400, "bad request\n",
		MHD_HTTP_HEADER_CONNECTION, "close", NULL, NULL },
	[SV_HTTP_FIXED_FOLDED] = { 400, "header lines folded onto the next "
		"line (obs-fold) are not accepted\n",
		MHD_HTTP_HEADER_CONNECTION, "close", NULL, NULL },
	[SV_HTTP_FIXED_NOT_FOUND] = { 404, "not found\n", NULL, NULL, NULL,
		NULL },
	[SV_HTTP_FIXED_NO_CONFIG] = { 404,
		"no configuration for this domain\n", NULL, NULL, NULL, NULL },
	[SV_HTTP_FIXED_NOT_ALLOWED] = { 405, "method not allowed\n",
		MHD_HTTP_HEADER_ALLOW, ALLOWED_METHODS, NULL, NULL },
	[SV_HTTP_FIXED_NOT_ALLOWED_POST] = { 405, "method not allowed\n",
		MHD_HTTP_HEADER_ALLOW, ALLOWED_METHODS_POST, NULL,
		NULL },
	[SV_HTTP_FIXED_NOT_ALLOWED_DAV] = { 405, "method not allowed\n",
		MHD_HTTP_HEADER_ALLOW, ALLOWED_METHODS_DAV, NULL,
		NULL },
	[SV_HTTP_FIXED_TOO_LARGE] = { 413, "request body too large\n",
		NULL, NULL, NULL, NULL },
	[SV_HTTP_FIXED_URI_TOO_LONG] = { 414, "URI too long\n", NULL, NULL,
		NULL, NULL },
	[SV_HTTP_FIXED_INTERNAL] = { 500, "internal error\n", NULL, NULL,
		NULL, NULL },
	[SV_HTTP_FIXED_UNAVAILABLE] = { 503, "service unavailable\n",
		MHD_HTTP_HEADER_RETRY_AFTER, "5", NULL, NULL },
	/* "close" makes MHD close the connection once this is sent */
	[SV_HTTP_FIXED_OVER_LIMIT] = { 503, "too many connections, retry "
		"later\n", MHD_HTTP_HEADER_RETRY_AFTER, "1",
		MHD_HTTP_HEADER_CONNECTION, "close" },
	[SV_HTTP_FIXED_DNS_BUSY] = { 503, "too many DNS look-ups in flight, "
		"retry later\n", MHD_HTTP_HEADER_RETRY_AFTER, "1", NULL, NULL },
};

static const char *const cache_control[] = {
	[SV_HTTP_CACHE_NO_STORE] = "no-store",
	[SV_HTTP_CACHE_PRIVATE] = "private, max-age="
		SV_HTTP_STR(SV_HTTP_MAX_AGE),
	[SV_HTTP_CACHE_PUBLIC] = "public, max-age="
		SV_HTTP_STR(SV_HTTP_MAX_AGE),
};

int sv_http_add_headers(struct MHD_Response *resp, const char *content_type,
		const char *disposition, enum sv_http_cache cache) {
	if (MHD_add_response_header(resp, "X-Content-Type-Options",
			"nosniff") != MHD_YES ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CONTENT_TYPE, content_type) !=
				MHD_YES ||
			(disposition != NULL && MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CONTENT_DISPOSITION,
				disposition) != MHD_YES) ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CACHE_CONTROL,
				cache_control[cache]) != MHD_YES) {
		return SV_ENOMEM;
	}
	return SV_OK;
}

static int add_page_headers(struct MHD_Response *resp, const char *csp,
		bool vary_language) {
	if (MHD_add_response_header(resp, "Content-Security-Policy", csp) !=
			MHD_YES ||
			MHD_add_response_header(resp, "Referrer-Policy",
				"no-referrer") != MHD_YES ||
			(vary_language && MHD_add_response_header(resp,
				MHD_HTTP_HEADER_VARY, "Accept-Language") !=
				MHD_YES)) {
		return SV_ENOMEM;
	}
	return SV_OK;
}

int sv_http_add_page_headers(struct MHD_Response *resp,
		bool vary_language) {
	return add_page_headers(resp, SV_HTTP_PAGE_CSP, vary_language);
}

void sv_http_fixed_destroy(struct sv_http_fixed *fx) {
	for (size_t i = 0; i < SV_HTTP_FIXED_COUNT; i++) {
		if (fx[i].resp != NULL) {
			MHD_destroy_response(fx[i].resp);
			fx[i].resp = NULL;
		}
	}
}

int sv_http_fixed_create(struct sv_http_fixed *fx, struct sv_err *err) {
	for (size_t i = 0; i < SV_HTTP_FIXED_COUNT; i++) {
		size_t len = strlen(fixed_specs[i].body);
		/* PERSISTENT only aliases the bytes: literals outlive MHD */
		fx[i].resp = MHD_create_response_from_buffer(len,
			(void *)(uintptr_t)fixed_specs[i].body,
			MHD_RESPMEM_PERSISTENT);
		fx[i].status = fixed_specs[i].status;
		fx[i].len = len;
		if (fx[i].resp == NULL || sv_http_add_headers(fx[i].resp,
				TEXT_PLAIN, NULL, SV_HTTP_CACHE_NO_STORE) !=
				SV_OK ||
				(fixed_specs[i].header != NULL &&
				MHD_add_response_header(fx[i].resp,
					fixed_specs[i].header,
					fixed_specs[i].value) != MHD_YES) ||
				(fixed_specs[i].header2 != NULL &&
				MHD_add_response_header(fx[i].resp,
					fixed_specs[i].header2,
					fixed_specs[i].value2) != MHD_YES)) {
			sv_http_fixed_destroy(fx);
			return sv_errf(err, SV_ENOMEM,
				"http: cannot build fixed responses");
		}
	}
	return SV_OK;
}

enum MHD_Result sv_http_queue(const struct sv_http_call *call,
		unsigned status, struct MHD_Response *resp, size_t len) {
	enum MHD_Result ret = MHD_queue_response(call->c, status, resp);
	if (call->r->conn != NULL) { /* answered: the request is complete */
		sv_http_deadline_disarm(call->r->conn);
	}
	if (ret == MHD_YES) {
		call->r->status = status;
		call->r->bytes = len;
	}
	return ret;
}

enum MHD_Result sv_http_queue_fixed(const struct sv_http_call *call,
		enum sv_http_fixed_id id) {
	const struct sv_http_fixed *f = &call->fixed[id];
	return sv_http_queue(call, f->status, f->resp, f->len);
}

/* What a client error falls back to when memory is short: still a client
 * error, without its details. */
static enum sv_http_fixed_id fallback(unsigned status) {
	return status == 400 ? SV_HTTP_FIXED_BAD_REQUEST :
		SV_HTTP_FIXED_INTERNAL;
}

/*
 * Queues RESP (LEN body bytes) with its headers, or the fallback for
 * STATUS when RESP is NULL (its body already released by the caller) or
 * its headers do not fit. Consumes RESP either way: destroying it runs
 * the body's free callback.
 */
static enum MHD_Result queue_made(const struct sv_http_call *call,
		unsigned status, struct MHD_Response *resp, size_t len,
		const char *content_type, const char *disposition,
		enum sv_http_cache cache, bool page) {
	if (resp != NULL && sv_http_add_headers(resp, content_type,
			disposition, cache) == SV_OK &&
			(!page || add_page_headers(resp, SV_HTTP_SETTINGS_CSP,
				true) == SV_OK)) {
		enum MHD_Result ret = sv_http_queue(call, status, resp, len);
		MHD_destroy_response(resp); /* MHD holds its own reference */
		return ret;
	}
	if (resp != NULL) {
		MHD_destroy_response(resp);
	}
	sv_log_warnx("%s: %s: out of memory",
		sv_http_endpoint_name(call->r->endpoint),
		call->r->domain[0] != '\0' ? call->r->domain : "-");
	return sv_http_queue_fixed(call, fallback(status));
}

/* A response over body's bytes (taken over), or NULL (bytes freed). */
static struct MHD_Response *response_of_buf(struct sv_buf *body,
		size_t *len) {
	char *bytes = sv_buf_take(body, len);
	struct MHD_Response *resp = bytes == NULL ? NULL :
		MHD_create_response_from_buffer_with_free_callback(*len, bytes,
			sv_free);
	if (resp == NULL) {
		sv_free(bytes);
	}
	return resp;
}

enum MHD_Result sv_http_queue_page_buf(const struct sv_http_call *call,
		unsigned status, struct sv_buf *body, enum sv_http_cache cache) {
	size_t len;
	struct MHD_Response *resp = response_of_buf(body, &len);
	return queue_made(call, status, resp, len, SV_HTTP_TEXT_HTML, NULL,
		cache, true);
}

enum MHD_Result sv_http_queue_static(const struct sv_http_call *call,
		const char *bytes, size_t len, const char *content_type,
		enum sv_http_cache cache) {
	/* PERSISTENT only aliases the bytes: static ones outlive MHD */
	struct MHD_Response *resp = MHD_create_response_from_buffer(len,
		(void *)(uintptr_t)bytes, MHD_RESPMEM_PERSISTENT);
	return queue_made(call, MHD_HTTP_OK, resp, len, content_type, NULL,
		cache, false);
}

enum MHD_Result sv_http_queue_buf(const struct sv_http_call *call,
		unsigned status, struct sv_buf *body, const char *content_type,
		const char *disposition, enum sv_http_cache cache) {
	size_t len;
	struct MHD_Response *resp = response_of_buf(body, &len);
	return queue_made(call, status, resp, len, content_type, disposition,
		cache, false);
}

/* This thread's spare list: the head, with its length in a count
 * field of the head (kept in the key's value, so no global list). */
static pthread_key_t spares_key;
static bool spares_ok;                 /* the key exists */
static pthread_once_t spares_once = PTHREAD_ONCE_INIT;

static void spares_free(void *head) {
	struct sv_http_body *b = head;
	while (b != NULL) {
		struct sv_http_body *next = b->next;
		sv_buf_finish(&b->buf);
		sv_free(b);
		b = next;
	}
}

static void spares_init(void) {
	spares_ok = pthread_key_create(&spares_key, spares_free) == 0;
}

struct sv_http_body *sv_http_body_get(void) {
	pthread_once(&spares_once, spares_init);
	struct sv_http_body *b = spares_ok ?
		pthread_getspecific(spares_key) : NULL;
	if (b != NULL) {
		struct sv_http_body *next = b->next;
		if (next != NULL) {
			next->n_spares = b->n_spares - 1;
		}
		if (pthread_setspecific(spares_key, next) == 0) {
			b->next = NULL;
			sv_buf_reset(&b->buf);
			return b;
		}
		/* cannot happen once the key has a value: keep the list */
	}
	b = sv_malloc(sizeof(*b));
	if (b != NULL) {
		sv_buf_init(&b->buf, SV_HTTP_MAX_ANSWER);
		b->next = NULL;
		b->n_spares = 0;
	}
	return b;
}

void sv_http_body_put(struct sv_http_body *b) {
	if (b == NULL) {
		return;
	}
	struct sv_http_body *head = spares_ok ?
		pthread_getspecific(spares_key) : NULL;
	unsigned n = head != NULL ? head->n_spares : 0;
	if (spares_ok && n < SPARES_MAX && b->buf.cap <= SPARE_CAP_MAX) {
		b->next = head;
		b->n_spares = n + 1;
		if (pthread_setspecific(spares_key, b) == 0) {
			return;
		}
	}
	sv_buf_finish(&b->buf);
	sv_free(b);
}

void sv_http_body_spares_free(void) {
	if (spares_ok) {
		spares_free(pthread_getspecific(spares_key));
		(void)pthread_setspecific(spares_key, NULL); /* with a valid
			* key and NULL, it cannot fail */
	}
}

/* MHD frees the response: its body goes back to this thread. */
static void body_release(void *cls) {
	sv_http_body_put(cls);
}

enum MHD_Result sv_http_queue_body(const struct sv_http_call *call,
		unsigned status, struct sv_http_body *b,
		const char *content_type, const char *disposition,
		enum sv_http_cache cache) {
	return sv_http_queue_body_as(call, status, b, content_type,
		disposition, cache, false);
}

enum MHD_Result sv_http_queue_body_as(const struct sv_http_call *call,
		unsigned status, struct sv_http_body *b,
		const char *content_type, const char *disposition,
		enum sv_http_cache cache, bool page) {
	size_t len = b->buf.len;
	/* MHD takes (NULL, 0) for an empty body */
	struct MHD_Response *resp =
		MHD_create_response_from_buffer_with_free_callback_cls(len,
			b->buf.data, body_release, b);
	if (resp == NULL) {
		sv_http_body_put(b);
	}
	return queue_made(call, status, resp, len, content_type, disposition,
		cache, page);
}

enum MHD_Result sv_http_queue_rendered(const struct sv_http_call *call,
		int rc, const struct sv_err *err, unsigned status,
		struct sv_buf *body, const char *content_type,
		enum sv_http_cache cache) {
	enum MHD_Result ret;
	if (rc != SV_OK) {
		sv_log_warnx("%s", err->msg);
		ret = sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	} else {
		ret = sv_http_queue_buf(call, status, body, content_type, NULL,
			cache);
	}
	sv_buf_finish(body);
	return ret;
}

enum MHD_Result sv_http_queue_reason(const struct sv_http_call *call,
		unsigned status, const char *what, const char *reason) {
	char esc[SV_ERR_MSG_MAX];
	struct sv_buf b;
	sv_buf_init(&b, 2 * SV_ERR_MSG_MAX);
	sv_log_escape(reason, esc, sizeof(esc));
	if (sv_buf_printf(&b, "%s: %s\n", what, esc) != SV_OK) {
		return sv_http_queue_fixed(call, fallback(status));
	}
	return sv_http_queue_buf(call, status, &b, TEXT_PLAIN, NULL,
		SV_HTTP_CACHE_NO_STORE);
}
