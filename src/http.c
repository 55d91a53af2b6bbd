/* SPDX-License-Identifier: MIT */
/*
 * The HTTP front end: one libmicrohttpd daemon per listen address, each
 * with an internal epoll thread pool, the route table, the per-request
 * state and the access log. Endpoints (src/http_<name>.c) turn a routed
 * request into a response; nothing here runs SQL or builds markup.
 *
 * A request's life, in MHD's callbacks:
 *  - on_uri (URI log callback, once per request, before the headers are
 *    parsed): allocates struct sv_http_req into *req_cls and keeps the raw
 *    path and the raw URL length (MHD hands the handler a decoded path
 *    only, where a %00 would silently cut the string).
 *  - on_request, first call (headers only): 414 for an overlong URL, 400
 *    for ambiguous Host or body framing (framing_ambiguous), 413
 *    for a declared body over SV_HTTP_MAX_BODY, else takes a snapshot
 *    reference (503 if none was published) and waits for the rest.
 *  - on_request, next calls: body chunks are counted; a POST's are kept
 *    in r->body (Autodiscover reads it; it is never logged), others are
 *    dropped; a chunked body that outgrows the cap drops the connection,
 *    as MHD 0.9.75 accepts a response only on the first call or after
 *    the whole request.
 *  - on_request, last call: routes and queues exactly one response.
 *  - on_completed: logs one access line, releases the snapshot reference
 *    (held until here so that answer bytes stay valid while MHD sends
 *    them) and frees the state.
 *
 * Fixed responses (errors) are built once in sv_http_start with
 * MHD_RESPMEM_PERSISTENT over string literals, shared by all threads and
 * destroyed after the daemons stop. struct sv_http owns the daemons, the
 * fixed responses, the TLS credentials (src/http_tls.c, whose current pair
 * is the front end's one file-scope variable: GnuTLS's callback takes no
 * user pointer) and the metrics counters (relaxed atomics, bumped in
 * on_completed, read by src/http_admin.c).
 *
 * Plain and TLS listeners are separate daemons with the same options; a
 * TLS daemon asks sv_http_tls_retrieve for its certificate at each
 * handshake, so SIGHUP swaps certificates without a restart.
 * sv_http_stop is graceful: MHD_quiesce_daemon closes the listening
 * sockets, requests in flight finish (bounded by the idle timeout), then
 * the daemons stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "http_internal.h"
#include "http_tls.h"
#include "log.h"

#define TEXT_PLAIN "text/plain; charset=utf-8"
#define ALLOWED_METHODS "GET, HEAD"
#define ALLOWED_METHODS_POST "GET, HEAD, POST"

struct sv_http {
	struct sv_snapshot_holder *holder; /* borrowed; outlives the server */
	struct sv_sign_cms *signer;        /* borrowed (cfg); may be NULL */
	struct sv_http_fixed fixed[SV_HTTP_FIXED_COUNT]; /* owned responses */
	struct MHD_Daemon *daemons[2 * SV_CONFIG_MAX_LISTEN]; /* owned */
	uint16_t ports[2 * SV_CONFIG_MAX_LISTEN];
	bool tls[2 * SV_CONFIG_MAX_LISTEN];
	size_t n_daemons;
	struct sv_http_tls *creds;         /* owned; NULL without TLS */
	struct sv_http_metrics metrics;
	unsigned grace_s;                  /* sv_http_stop's wait for
	                                    * in-flight requests */
};

/*
 * Routes: the decoded path is compared without regard to ASCII case,
 * exactly (MATCH_EXACT) or as a prefix whose remainder goes to the handler
 * (MATCH_PREFIX). Every route answers GET and HEAD only (ALLOWED_METHODS).
 */
enum match { MATCH_EXACT, MATCH_PREFIX };

struct route {
	const char *path;
	enum match match;
	sv_http_handler handler;
	int variant;
	const char *endpoint; /* metrics label */
};

static const struct route routes[] = {
	{ "/mail/config-v1.1.xml", MATCH_EXACT, sv_http_autoconfig,
		SV_HTTP_FROM_HOST, "autoconfig" },
	{ "/.well-known/autoconfig/mail/config-v1.1.xml", MATCH_EXACT,
		sv_http_autoconfig, SV_HTTP_FROM_HOST_RETRY,
		"autoconfig_well_known" },
	{ "/v1.1/", MATCH_PREFIX, sv_http_autoconfig, SV_HTTP_FROM_PATH,
		"ispdb" },
	{ "/autodiscover/autodiscover.xml", MATCH_EXACT, sv_http_autodiscover,
		0, "autodiscover_v1" },
	{ "/autodiscover/autodiscover.json", MATCH_EXACT,
		sv_http_autodiscover_json, SV_HTTP_AD_FROM_QUERY,
		"autodiscover_v2" },
	{ "/autodiscover/autodiscover.json/v1.0/", MATCH_PREFIX,
		sv_http_autodiscover_json, SV_HTTP_AD_FROM_PATH,
		"autodiscover_v2" },
	{ "/", MATCH_EXACT, sv_http_mobileconfig_page, 0, "profile_page" },
	{ "/email.mobileconfig", MATCH_EXACT, sv_http_mobileconfig, 0,
		"mobileconfig" },
	{ "/mobileconfig", MATCH_EXACT, sv_http_mobileconfig, 0,
		"mobileconfig" },
	{ "/mobileconfig/", MATCH_EXACT, sv_http_mobileconfig, 0,
		"mobileconfig" },
	{ "/healthz", MATCH_EXACT, sv_http_healthz, 0, "healthz" },
	{ "/metrics", MATCH_EXACT, sv_http_metrics_page, 0, "metrics" },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))
#define ENDPOINT_NONE N_ROUTES /* metrics row of unrouted requests */
_Static_assert(N_ROUTES + 1 <= SV_HTTP_ENDPOINTS, "metrics rows");

/*
 * Metrics rows are route indexes; routes sharing a label (autodiscover
 * v2, mobileconfig) are summed when scraped. "none": no route matched.
 */
const char *sv_http_endpoint_name(size_t i) {
	return i < N_ROUTES ? routes[i].endpoint : i == ENDPOINT_NONE ?
		"none" : NULL;
}

const unsigned sv_http_statuses[SV_HTTP_STATUSES - 2] = {
	200, 400, 403, 404, 405, 413, 414, 415, 431, 500, 503,
};

const unsigned long sv_http_latency_us[SV_HTTP_LATENCY_BUCKETS] = {
	250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	1000000,
};

static size_t status_slot(unsigned status) {
	if (status == 0) {
		return SV_HTTP_STATUSES - 1; /* none */
	}
	for (size_t i = 0; i < SV_HTTP_STATUSES - 2; i++) {
		if (sv_http_statuses[i] == status) {
			return i;
		}
	}
	return SV_HTTP_STATUSES - 2; /* other */
}

static void count_request(struct sv_http_metrics *m,
		const struct sv_http_req *r, unsigned long us) {
	size_t e = r->endpoint < SV_HTTP_ENDPOINTS ? r->endpoint :
		ENDPOINT_NONE;
	atomic_fetch_add_explicit(&m->requests[e][status_slot(r->status)], 1,
		memory_order_relaxed);
	size_t b = 0;
	while (b < SV_HTTP_LATENCY_BUCKETS && us > sv_http_latency_us[b]) {
		b++;
	}
	atomic_fetch_add_explicit(&m->latency[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->latency_sum_us, us,
		memory_order_relaxed);
}

/* Routes that take POST too (ALLOWED_METHODS_POST): Autodiscover v1. */
static bool route_takes_post(const struct route *rt) {
	return rt->handler == sv_http_autodiscover;
}

/* Prefix routes whose remainder is an address, kept out of the log. */
static bool route_arg_is_private(const struct route *rt) {
	return rt->handler == sv_http_autodiscover_json &&
		rt->match == MATCH_PREFIX;
}

/* Body, status and extra header of each fixed response. */
static const struct {
	unsigned status;
	const char *body;
	const char *header, *value; /* extra header, or NULL */
} fixed_specs[SV_HTTP_FIXED_COUNT] = {
	[SV_HTTP_FIXED_BAD_REQUEST] = { 400, "bad request\n", NULL, NULL },
	[SV_HTTP_FIXED_NOT_FOUND] = { 404, "not found\n", NULL, NULL },
	[SV_HTTP_FIXED_NO_CONFIG] = { 404,
		"no configuration for this domain\n", NULL, NULL },
	[SV_HTTP_FIXED_NOT_ALLOWED] = { 405, "method not allowed\n",
		MHD_HTTP_HEADER_ALLOW, ALLOWED_METHODS },
	[SV_HTTP_FIXED_NOT_ALLOWED_POST] = { 405, "method not allowed\n",
		MHD_HTTP_HEADER_ALLOW, ALLOWED_METHODS_POST },
	[SV_HTTP_FIXED_TOO_LARGE] = { 413, "request body too large\n",
		NULL, NULL },
	[SV_HTTP_FIXED_URI_TOO_LONG] = { 414, "URI too long\n", NULL, NULL },
	[SV_HTTP_FIXED_INTERNAL] = { 500, "internal error\n", NULL, NULL },
	[SV_HTTP_FIXED_UNAVAILABLE] = { 503, "service unavailable\n",
		MHD_HTTP_HEADER_RETRY_AFTER, "5" },
};

int sv_http_common_headers(struct MHD_Response *resp) {
	if (MHD_add_response_header(resp, "X-Content-Type-Options",
			"nosniff") != MHD_YES) {
		return SV_ENOMEM;
	}
	return SV_OK;
}

bool sv_http_query_param(struct MHD_Connection *c, const char *name,
		const char **v, size_t *n) {
	*v = NULL;
	*n = 0;
	if (MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND, name,
			strlen(name), v, n) != MHD_YES) {
		return false;
	}
	if (*v == NULL) { /* "?name" without "=" */
		*v = "";
		*n = 0;
	}
	return true;
}

void sv_http_note_domain(const struct sv_http_call *call, const char *d) {
	size_t n = strlen(d);
	n = n < sizeof(call->r->domain) - 1 ? n : sizeof(call->r->domain) - 1;
	memcpy(call->r->domain, d, n);
	call->r->domain[n] = '\0';
}

/* Headers of every plain-text error: not worth caching, never sniffed. */
static int text_headers(struct MHD_Response *resp) {
	if (sv_http_common_headers(resp) != SV_OK ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CONTENT_TYPE, TEXT_PLAIN) !=
				MHD_YES ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") !=
				MHD_YES) {
		return SV_ENOMEM;
	}
	return SV_OK;
}

/* Dual to fixed_create(). Safe on a zeroed or half-built array. */
static void fixed_destroy(struct sv_http_fixed *fx) {
	for (size_t i = 0; i < SV_HTTP_FIXED_COUNT; i++) {
		if (fx[i].resp != NULL) {
			MHD_destroy_response(fx[i].resp);
			fx[i].resp = NULL;
		}
	}
}

static int fixed_create(struct sv_http_fixed *fx, struct sv_err *err) {
	for (size_t i = 0; i < SV_HTTP_FIXED_COUNT; i++) {
		size_t len = strlen(fixed_specs[i].body);
		/* PERSISTENT only aliases the bytes: literals outlive MHD */
		fx[i].resp = MHD_create_response_from_buffer(len,
			(void *)(uintptr_t)fixed_specs[i].body,
			MHD_RESPMEM_PERSISTENT);
		fx[i].status = fixed_specs[i].status;
		fx[i].len = len;
		if (fx[i].resp == NULL || text_headers(fx[i].resp) != SV_OK ||
				(fixed_specs[i].header != NULL &&
				MHD_add_response_header(fx[i].resp,
					fixed_specs[i].header,
					fixed_specs[i].value) != MHD_YES)) {
			fixed_destroy(fx);
			return sv_errf(err, SV_ENOMEM,
				"http: cannot build fixed responses");
		}
	}
	return SV_OK;
}

enum MHD_Result sv_http_queue(const struct sv_http_call *call,
		unsigned status, struct MHD_Response *resp, size_t len) {
	enum MHD_Result ret = MHD_queue_response(call->c, status, resp);
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

enum MHD_Result sv_http_queue_reason(const struct sv_http_call *call,
		unsigned status, const char *what, const char *reason) {
	char esc[SV_ERR_MSG_MAX];
	struct sv_buf b;
	sv_buf_init(&b, 2 * SV_ERR_MSG_MAX);
	sv_log_escape(reason, esc, sizeof(esc));
	if (sv_buf_printf(&b, "%s: %s\n", what, esc) != SV_OK) {
		return sv_http_queue_fixed(call, status == 400 ?
			SV_HTTP_FIXED_BAD_REQUEST : SV_HTTP_FIXED_INTERNAL);
	}
	size_t len;
	char *body = sv_buf_take(&b, &len);
	struct MHD_Response *resp = body == NULL ? NULL :
		MHD_create_response_from_buffer_with_free_callback(len, body,
			sv_free);
	if (resp == NULL) {
		sv_free(body);
		return sv_http_queue_fixed(call, status == 400 ?
			SV_HTTP_FIXED_BAD_REQUEST : SV_HTTP_FIXED_INTERNAL);
	}
	enum MHD_Result ret;
	if (text_headers(resp) != SV_OK) {
		ret = sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	} else {
		ret = sv_http_queue(call, status, resp, len);
	}
	MHD_destroy_response(resp); /* MHD holds its own reference */
	return ret;
}

static int hexval(unsigned char ch) {
	if (ch >= '0' && ch <= '9') {
		return ch - '0';
	}
	if (ch >= 'a' && ch <= 'f') {
		return ch - 'a' + 10;
	}
	if (ch >= 'A' && ch <= 'F') {
		return ch - 'A' + 10;
	}
	return -1;
}

/*
 * Percent-decodes n bytes of in into out (room for n bytes: decoding never
 * grows) and returns the decoded length. A '%' not followed by two hex
 * digits stays literal, as MHD does; NUL bytes are kept and counted.
 */
static size_t pct_decode(const char *in, size_t n, char *out) {
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (in[i] == '%' && n - i >= 3 &&
				(hi = hexval((unsigned char)in[i + 1])) >= 0 &&
				(lo = hexval((unsigned char)in[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	return o;
}

/* ASCII case-insensitive comparison of n bytes (locale-independent). */
static bool ascii_caseeq(const char *a, const char *b, size_t n) {
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z') {
			x = (unsigned char)(x - 'A' + 'a');
		}
		if (y >= 'A' && y <= 'Z') {
			y = (unsigned char)(y - 'A' + 'a');
		}
		if (x != y) {
			return false;
		}
	}
	return true;
}

static const struct route *find_route(const char *path, size_t len,
		const char **arg, size_t *arg_len) {
	for (size_t i = 0; i < N_ROUTES; i++) {
		const struct route *rt = &routes[i];
		size_t n = strlen(rt->path);
		if (rt->match == MATCH_EXACT ? len != n : len < n) {
			continue;
		}
		if (ascii_caseeq(path, rt->path, n)) {
			*arg = path + n;
			*arg_len = len - n;
			return rt;
		}
	}
	return NULL;
}

/* Last handler call: the whole request is in; answer it. */
static enum MHD_Result route(struct sv_http_call *call, const char *method) {
	char path[SV_HTTP_MAX_URL + 1];
	size_t len = pct_decode(call->r->path, call->r->path_len, path);
	path[len] = '\0';
	const struct route *rt = find_route(path, len, &call->arg,
		&call->arg_len);
	if (rt == NULL) {
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_NOT_FOUND);
	}
	call->r->endpoint = (size_t)(rt - routes);
	if (route_arg_is_private(rt)) { /* log the prefix and a '*' only */
		size_t n = strlen(rt->path);
		n = n < SV_HTTP_MAX_URL ? n : SV_HTTP_MAX_URL - 1;
		memcpy(call->r->path, rt->path, n);
		call->r->path[n++] = '*';
		call->r->path[n] = '\0';
		call->r->path_len = n;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
			strcmp(method, MHD_HTTP_METHOD_HEAD) != 0 &&
			!(route_takes_post(rt) &&
				strcmp(method, MHD_HTTP_METHOD_POST) == 0)) {
		return sv_http_queue_fixed(call, route_takes_post(rt) ?
			SV_HTTP_FIXED_NOT_ALLOWED_POST :
			SV_HTTP_FIXED_NOT_ALLOWED);
	}
	call->variant = rt->variant;
	return rt->handler(call); /* HEAD is GET: MHD drops the body */
}

/* Content-Length over the cap (MHD has already checked its syntax). */
static bool declared_body_too_large(struct MHD_Connection *c) {
	const char *v = NULL;
	size_t n = 0;
	if (MHD_lookup_connection_value_n(c, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_CONTENT_LENGTH,
			sizeof(MHD_HTTP_HEADER_CONTENT_LENGTH) - 1, &v, &n) !=
			MHD_YES || v == NULL) {
		return false;
	}
	size_t val = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9') {
			return true; /* not a length we understand: refuse */
		}
		if (val > SV_HTTP_MAX_BODY) {
			return true; /* stop before any overflow */
		}
		val = val * 10 + (size_t)(v[i] - '0');
	}
	return val > SV_HTTP_MAX_BODY;
}

/*
 * Requests whose Host or body framing a proxy in front could read
 * differently (request smuggling; RFC 9112 3.2, 5.1, 6.1, 6.3): several
 * Host or Content-Length headers, Transfer-Encoding with Content-Length,
 * a transfer coding other than "chunked" alone (MHD 0.9.75 would wait for
 * such a body until the timeout), white space before a header's colon
 * (MHD 0.9.75 keeps "Host " as a name of its own). Answered 400; MHD
 * closes the connection as the body is not read.
 */
struct framing {
	unsigned host, length, te;
	bool chunked, space;
};

static bool header_is(const char *key, const char *name) {
	size_t n = strlen(name);
	return strlen(key) == n && ascii_caseeq(key, name, n);
}

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind,
		const char *key, const char *value) {
	struct framing *f = cls;
	(void)kind;
	size_t n = strlen(key);
	if (n > 0 && (key[n - 1] == ' ' || key[n - 1] == '\t')) {
		f->space = true;
	}
	if (header_is(key, MHD_HTTP_HEADER_HOST)) {
		f->host++;
	} else if (header_is(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		f->length++;
	} else if (header_is(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		f->te++;
		f->chunked = value != NULL && header_is(value, "chunked");
	}
	return MHD_YES;
}

static bool framing_ambiguous(struct MHD_Connection *c) {
	struct framing f = { 0 };
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
	return f.host > 1 || f.length > 1 || f.space ||
		(f.te > 0 && (f.length > 0 || f.te > 1 || !f.chunked));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
		const char *url, const char *method, const char *version,
		const char *data, size_t *size, void **req_cls) {
	struct sv_http *srv = cls;
	struct sv_http_req *r = *req_cls;
	(void)url; /* decoded by MHD, cut at a %00: we route on r->path */
	(void)version;
	if (r == NULL) { /* on_uri() ran out of memory */
		return MHD_NO;
	}
	struct sv_http_call call = { .c = c, .r = r, .fixed = srv->fixed,
		.signer = srv->signer, .metrics = &srv->metrics };
	if (!r->started) { /* first call: headers only */
		r->started = true;
		size_t mlen = strlen(method);
		mlen = mlen < sizeof(r->method) - 1 ? mlen :
			sizeof(r->method) - 1;
		memcpy(r->method, method, mlen);
		r->method[mlen] = '\0';
		if (r->url_len > SV_HTTP_MAX_URL) {
			return sv_http_queue_fixed(&call,
				SV_HTTP_FIXED_URI_TOO_LONG);
		}
		if (framing_ambiguous(c)) {
			return sv_http_queue_fixed(&call,
				SV_HTTP_FIXED_BAD_REQUEST);
		}
		if (declared_body_too_large(c)) {
			return sv_http_queue_fixed(&call,
				SV_HTTP_FIXED_TOO_LARGE);
		}
		r->snap = sv_snapshot_holder_acquire(srv->holder);
		if (r->snap == NULL) {
			return sv_http_queue_fixed(&call,
				SV_HTTP_FIXED_UNAVAILABLE);
		}
		/* max counts the NUL: SV_HTTP_MAX_BODY bytes fit */
		sv_buf_init(&r->body, SV_HTTP_MAX_BODY + 1);
		return MHD_YES;
	}
	if (*size != 0) { /* a body chunk: counted, capped, kept if POST */
		if (*size > SV_HTTP_MAX_BODY - r->body_len) {
			return MHD_NO; /* chunked body over the cap */
		}
		if (strcmp(method, MHD_HTTP_METHOD_POST) == 0 &&
				sv_buf_append(&r->body, data, *size) != SV_OK) {
			return MHD_NO; /* out of memory */
		}
		r->body_len += *size;
		*size = 0;
		return MHD_YES;
	}
	return route(&call, method);
}

/* The peer's numeric address, or "-". */
static void client_address(struct MHD_Connection *c, char *out, size_t size) {
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
		MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	const void *bytes = NULL;
	if (sa != NULL && sa->sa_family == AF_INET) {
		bytes = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		bytes = &((const struct sockaddr_in6 *)(const void *)sa)->
			sin6_addr;
	}
	if (bytes == NULL ||
			inet_ntop(sa->sa_family, bytes, out, (socklen_t)size) ==
			NULL) {
		snprintf(out, size, "-");
	}
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
	(void)cls;
	(void)c;
	struct sv_http_req *r = sv_calloc(1, sizeof(*r));
	if (r == NULL) {
		return NULL;
	}
	r->endpoint = ENDPOINT_NONE;
	client_address(c, r->client, sizeof(r->client));
	if (clock_gettime(CLOCK_MONOTONIC, &r->t0) != 0) {
		r->t0.tv_sec = 0;
		r->t0.tv_nsec = 0;
	}
	size_t n = strlen(uri);
	const char *q = memchr(uri, '?', n);
	size_t plen = q != NULL ? (size_t)(q - uri) : n;
	r->url_len = n;
	r->path_len = plen < SV_HTTP_MAX_URL ? plen : SV_HTTP_MAX_URL;
	memcpy(r->path, uri, r->path_len);
	r->path[r->path_len] = '\0';
	return r;
}

static const char *termination_name(enum MHD_RequestTerminationCode toe) {
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		return NULL;
	case MHD_REQUEST_TERMINATED_WITH_ERROR:
		return "error";
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return "timeout";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return "shutdown";
	case MHD_REQUEST_TERMINATED_READ_ERROR:
		return "read-error";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		return "client-abort";
	}
	return "unknown";
}

/*
 * The access line: client address, method, path without the query (which
 * may carry an address), status, body bytes, milliseconds, domain; never
 * the query, the body or a header. Request text is escaped; the domain is
 * a normalised LDH name or empty.
 */
static unsigned long log_access(const struct sv_http_req *r,
		enum MHD_RequestTerminationCode toe) {
	char method[4 * sizeof(r->method)];
	char path[256];
	struct timespec t1;
	long us = 0;
	if (clock_gettime(CLOCK_MONOTONIC, &t1) == 0 && r->t0.tv_sec != 0) {
		us = (long)(t1.tv_sec - r->t0.tv_sec) * 1000000 +
			(t1.tv_nsec - r->t0.tv_nsec) / 1000;
	}
	us = us > 0 ? us : 0;
	long ms = us / 1000;
	struct sv_log_access a = {
		.client = r->client[0] != '\0' ? r->client : "-",
		.method = r->method[0] != '\0' ?
			sv_log_escape(r->method, method, sizeof(method)) : "-",
		.path = sv_log_escape(r->path, path, sizeof(path)),
		.status = r->status,
		.bytes = r->bytes,
		.ms = ms,
		.domain = r->domain[0] != '\0' ? r->domain : "-",
		.end = termination_name(toe),
	};
	sv_log_access(&a);
	return (unsigned long)us;
}

static void on_completed(void *cls, struct MHD_Connection *c,
		void **req_cls, enum MHD_RequestTerminationCode toe) {
	struct sv_http *srv = cls;
	(void)c;
	struct sv_http_req *r = *req_cls;
	if (r == NULL) {
		return;
	}
	*req_cls = NULL;
	count_request(&srv->metrics, r, log_access(r, toe));
	sv_buf_finish(&r->body);
	sv_snapshot_release(r->snap);
	sv_free(r);
}

/* MHD's own diagnostics: one escaped line each, through our logger. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
	char msg[512], esc[512];
	(void)cls;
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0) {
		return;
	}
	size_t len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r')) {
		msg[--len] = '\0';
	}
	sv_log_warnx("mhd: %s", sv_log_escape(msg, esc, sizeof(esc)));
}

static unsigned online_cpus(void) {
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1) {
		return 1;
	}
	return n > SV_CONFIG_MAX_THREADS ? SV_CONFIG_MAX_THREADS :
		(unsigned)n;
}

/* Options every daemon gets, plain or TLS (a macro: MHD takes varargs). */
#define COMMON_OPTIONS(srv, cfg, ss, threads) \
	/* first, or MHD logs the options' problems its own way */ \
	MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, (void *)NULL, \
	MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&(ss), \
	MHD_OPTION_THREAD_POOL_SIZE, (threads), \
	MHD_OPTION_CONNECTION_LIMIT, (cfg)->conn_limit, \
	MHD_OPTION_PER_IP_CONNECTION_LIMIT, (cfg)->per_ip_limit, \
	MHD_OPTION_CONNECTION_TIMEOUT, (cfg)->timeout_s, \
	MHD_OPTION_CONNECTION_MEMORY_LIMIT, (cfg)->conn_memory, \
	MHD_OPTION_STRICT_FOR_CLIENT, (int)1, \
	MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)(srv), \
	MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)(srv)

static int listen_one(struct sv_http *srv, const struct sv_config *cfg,
		const char *addr, bool tls, struct sv_err *err) {
	struct sockaddr_storage ss;
	unsigned ss_len;
	int rc = sv_config_parse_listen(addr, &ss, &ss_len, err);
	if (rc != SV_OK) {
		return rc;
	}
	/* ITC: MHD_quiesce_daemon needs it, for a graceful stop */
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
		MHD_USE_ITC;
	if (ss.ss_family == AF_INET6) {
		flags |= MHD_USE_IPv6;
	}
	unsigned threads = cfg->threads != 0 ? cfg->threads : online_cpus();
	/* MHD splits the connection limit among the pool's threads and
	 * refuses to start when one would get none */
	threads = threads < cfg->conn_limit ? threads : cfg->conn_limit;
	struct MHD_Daemon *d;
	if (tls) {
		d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL,
			on_request, srv,
			COMMON_OPTIONS(srv, cfg, ss, threads),
			MHD_OPTION_HTTPS_CERT_CALLBACK, sv_http_tls_retrieve,
			MHD_OPTION_HTTPS_PRIORITIES, SV_HTTP_TLS_PRIORITIES,
			MHD_OPTION_END);
	} else {
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
			COMMON_OPTIONS(srv, cfg, ss, threads),
			MHD_OPTION_END);
	}
	if (d == NULL) {
		return sv_errf(err, SV_EIO, "%s: %.80s: cannot start the "
			"server (address in use or not available?)",
			tls ? "listen-tls" : "listen", addr);
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d,
		MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL || info->port == 0) {
		MHD_stop_daemon(d);
		return sv_errf(err, SV_EIO, "listen: %.80s: cannot find the "
			"bound port", addr);
	}
	srv->daemons[srv->n_daemons] = d;
	srv->ports[srv->n_daemons] = info->port;
	srv->tls[srv->n_daemons] = tls;
	srv->n_daemons++;
	return SV_OK;
}

struct sv_http *sv_http_start(const struct sv_config *cfg,
		struct sv_snapshot_holder *h, struct sv_err *err) {
	if (sv_config_check(cfg, err) != SV_OK) {
		return NULL;
	}
	struct sv_http *srv = sv_calloc(1, sizeof(*srv));
	if (srv == NULL) {
		sv_errf(err, SV_ENOMEM, "http: out of memory");
		return NULL;
	}
	srv->holder = h;
	srv->signer = cfg->signer;
	srv->grace_s = cfg->timeout_s;
	atomic_store(&srv->metrics.loaded_at, (long long)time(NULL));
	if (sv_config_parse_nets(cfg->admin_allow != NULL ? cfg->admin_allow :
			SV_CONFIG_DEFAULT_ADMIN_ALLOW, srv->metrics.admin,
			&srv->metrics.n_admin, err) != SV_OK) {
		goto fail;
	}
	if (fixed_create(srv->fixed, err) != SV_OK) {
		goto fail;
	}
	size_t n = cfg->n_listen != 0 || cfg->n_listen_tls != 0 ?
		cfg->n_listen : 1;
	for (size_t i = 0; i < n; i++) {
		const char *addr = cfg->n_listen != 0 ? cfg->listen[i] :
			SV_CONFIG_DEFAULT_LISTEN;
		if (listen_one(srv, cfg, addr, false, err) != SV_OK) {
			goto fail;
		}
	}
	if (cfg->n_listen_tls != 0) {
		int rc;
		srv->creds = sv_http_tls_create(cfg->tls_cert, cfg->tls_key,
			&rc, err);
		if (srv->creds == NULL) {
			goto fail;
		}
	}
	for (size_t i = 0; i < cfg->n_listen_tls; i++) {
		if (listen_one(srv, cfg, cfg->listen_tls[i], true, err) !=
				SV_OK) {
			goto fail;
		}
	}
	return srv;
fail:
	sv_http_stop(srv);
	return NULL;
}

size_t sv_http_listener_count(const struct sv_http *srv) {
	return srv != NULL ? srv->n_daemons : 0;
}

uint16_t sv_http_port(const struct sv_http *srv, size_t i) {
	return srv != NULL && i < srv->n_daemons ? srv->ports[i] : 0;
}

bool sv_http_is_tls(const struct sv_http *srv, size_t i) {
	return srv != NULL && i < srv->n_daemons && srv->tls[i];
}

int sv_http_reload_tls(struct sv_http *srv, struct sv_err *err) {
	if (srv == NULL || srv->creds == NULL) {
		return SV_OK;
	}
	int rc = sv_http_tls_reload(srv->creds, err);
	atomic_fetch_add(&srv->metrics.tls_reloads[rc == SV_OK], 1);
	return rc;
}

int sv_http_check_tls(const char *cert, const char *key, struct sv_err *err) {
	int rc = SV_OK;
	struct sv_http_tls *t = sv_http_tls_create(cert, key, &rc, err);
	sv_http_tls_destroy(t);
	return rc;
}

void sv_http_note_reload(struct sv_http *srv, bool ok) {
	if (srv == NULL) {
		return;
	}
	atomic_fetch_add(&srv->metrics.reloads[ok], 1);
	if (ok) {
		atomic_store(&srv->metrics.loaded_at, (long long)time(NULL));
	}
}

/* Connections still open on every daemon. */
static unsigned open_connections(const struct sv_http *srv) {
	unsigned n = 0;
	for (size_t i = 0; i < srv->n_daemons; i++) {
		const union MHD_DaemonInfo *info = MHD_get_daemon_info(
			srv->daemons[i], MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		n += info != NULL ? info->num_connections : 0;
	}
	return n;
}

void sv_http_stop(struct sv_http *srv) {
	if (srv == NULL) {
		return;
	}
	/* Stop accepting first (the listening sockets close now, so a
	 * restarted instance can bind), then let in-flight requests finish:
	 * idle keep-alive connections end by the idle timeout, which bounds
	 * the wait. */
	for (size_t i = 0; i < srv->n_daemons; i++) {
		MHD_socket fd = MHD_quiesce_daemon(srv->daemons[i]);
		if (fd != MHD_INVALID_SOCKET) {
			close(fd);
		}
	}
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned left;
	while (srv->n_daemons > 0 && (left = open_connections(srv)) > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= (time_t)srv->grace_s) {
			sv_log_warnx("stop: %u connections still open after "
				"%u s, closing them", left, srv->grace_s);
			break;
		}
		const struct timespec tick = { 0, 20 * 1000 * 1000L };
		nanosleep(&tick, NULL);
	}
	/* completion callbacks run here and release snapshot references */
	for (size_t i = 0; i < srv->n_daemons; i++) {
		MHD_stop_daemon(srv->daemons[i]);
		srv->daemons[i] = NULL;
	}
	srv->n_daemons = 0;
	fixed_destroy(srv->fixed); /* only once no daemon can queue them */
	sv_http_tls_destroy(srv->creds); /* no handshake can use them now */
	sv_free(srv);
}
