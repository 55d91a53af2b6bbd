/* SPDX-License-Identifier: MIT */
/*
 * Routing: the route table, the raw path's percent-decoding, and the
 * checks a route's row asks for (method, admin client). MHD hands the
 * handler a decoded path cut at the first %00, so routing works on the
 * raw path kept by sv_http_on_uri (src/http/http_connection.c) and
 * decodes it here, NUL bytes included. Each row names its metrics row (enum sv_http_endpoint).
 */
#include <string.h>

#include "http/http_client.h"
#include "http/http_endpoints.h"
#include "http/http_metrics.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "http/http_route.h"

/*
 * Routes: the decoded path is compared without regard to ASCII case (an
 * admin route's byte for byte), exactly (MATCH_EXACT), exactly or with one
 * trailing '/' (MATCH_DIR: the same resource), or as a prefix whose
 * remainder goes to the handler (MATCH_PREFIX). Everything the router decides about a route is a column
 * of its row: which methods it takes (others get 405 with the matching
 * Allow), whether the remainder is private (an address: the access line
 * shows the prefix and a '*'), whether it is for the operator only (403
 * outside --admin-allow), and for the routes that serve a compiled answer,
 * its format (the handler hands it to sv_http_answer). Serving a new
 * format the way an existing route does is one more row.
 */
enum match { MATCH_EXACT, MATCH_DIR, MATCH_PREFIX };

enum methods {
	GET_HEAD,      /* ALLOWED_METHODS */
	GET_HEAD_POST, /* ALLOWED_METHODS_POST */
	GET_HEAD_PROPFIND, /* ALLOWED_METHODS_DAV: RFC 6764 section 5 */
};

#define ROUTE_PRIVATE_ARG 0x1 /* the remainder is an address: not logged */
#define ROUTE_ADMIN 0x2       /* --admin-allow clients only, else 403;
                               * matched in its exact letter case */

#define NO_FORMAT SV_FORMAT_COUNT /* the route serves no compiled answer */

struct route {
	const char *path;
	enum match match;
	sv_http_handler handler;
	int variant;           /* the handler's own (call->variant) */
	enum sv_format format; /* the answer served (call->format), for the
	                        * handlers that serve one */
	enum methods methods;
	unsigned flags;        /* ROUTE_* */
	enum sv_http_endpoint endpoint; /* metrics row */
};

static const struct route routes[] = {
	/* path, match, handler, variant, format, methods, flags, endpoint */
	{ "/mail/config-v1.1.xml", MATCH_EXACT, sv_http_autoconfig,
		SV_HTTP_FROM_HOST, SV_FORMAT_AUTOCONFIG, GET_HEAD, 0,
		SV_HTTP_EP_AUTOCONFIG },
	{ "/.well-known/autoconfig/mail/config-v1.1.xml", MATCH_EXACT,
		sv_http_autoconfig, SV_HTTP_FROM_HOST_RETRY,
		SV_FORMAT_AUTOCONFIG, GET_HEAD, 0, SV_HTTP_EP_AUTOCONFIG_WELL_KNOWN },
	{ "/v1.1/", MATCH_PREFIX, sv_http_autoconfig, SV_HTTP_FROM_PATH,
		SV_FORMAT_AUTOCONFIG, GET_HEAD, 0, SV_HTTP_EP_ISPDB },
	{ "/autodiscover/autodiscover.xml", MATCH_EXACT, sv_http_autodiscover,
		0, SV_FORMAT_AUTODISCOVER, GET_HEAD_POST, 0,
		SV_HTTP_EP_AUTODISCOVER_V1 },
	{ "/autodiscover/autodiscover.json", MATCH_EXACT,
		sv_http_autodiscover_json, SV_HTTP_AD_FROM_QUERY,
		NO_FORMAT, GET_HEAD, 0, SV_HTTP_EP_AUTODISCOVER_V2 },
	{ "/autodiscover/autodiscover.json/v1.0/", MATCH_PREFIX,
		sv_http_autodiscover_json, SV_HTTP_AD_FROM_PATH,
		NO_FORMAT, GET_HEAD, ROUTE_PRIVATE_ARG,
		SV_HTTP_EP_AUTODISCOVER_V2 },
	{ "/", MATCH_EXACT, sv_http_mobileconfig_page, 0, NO_FORMAT,
		GET_HEAD, 0, SV_HTTP_EP_PROFILE_PAGE },
	{ "/settings", MATCH_EXACT, sv_http_settings, 0, SV_FORMAT_SETTINGS,
		GET_HEAD, 0, SV_HTTP_EP_SETTINGS },
	{ "/settings.css", MATCH_EXACT, sv_http_settings_css, 0, NO_FORMAT,
		GET_HEAD, 0, SV_HTTP_EP_SETTINGS },
	{ "/email.mobileconfig", MATCH_EXACT, sv_http_mobileconfig, 0,
		SV_FORMAT_MOBILECONFIG, GET_HEAD, 0, SV_HTTP_EP_MOBILECONFIG },
	{ "/mobileconfig", MATCH_DIR, sv_http_mobileconfig, 0,
		SV_FORMAT_MOBILECONFIG, GET_HEAD, 0, SV_HTTP_EP_MOBILECONFIG },
	{ "/.well-known/caldav", MATCH_DIR, sv_http_wellknown_dav, 0,
		SV_FORMAT_CALDAV, GET_HEAD_PROPFIND, 0,
		SV_HTTP_EP_WELL_KNOWN_DAV },
	{ "/.well-known/carddav", MATCH_DIR, sv_http_wellknown_dav, 0,
		SV_FORMAT_CARDDAV, GET_HEAD_PROPFIND, 0,
		SV_HTTP_EP_WELL_KNOWN_DAV },
	{ "/.well-known/user-agent-configuration.json", MATCH_EXACT,
		sv_http_pacc, 0, SV_FORMAT_PACC, GET_HEAD, 0, SV_HTTP_EP_PACC },
	{ "/healthz", MATCH_EXACT, sv_http_healthz, 0, NO_FORMAT,
		GET_HEAD, ROUTE_ADMIN, SV_HTTP_EP_HEALTHZ },
	{ "/metrics", MATCH_EXACT, sv_http_metrics_page, 0, NO_FORMAT,
		GET_HEAD, ROUTE_ADMIN, SV_HTTP_EP_METRICS },
	{ "/tls/ask", MATCH_EXACT, sv_http_tls_ask, 0, NO_FORMAT,
		GET_HEAD, ROUTE_ADMIN, SV_HTTP_EP_TLS_ASK },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

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

static bool method_allowed(const struct route *rt, const char *method) {
	return strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 ||
		(rt->methods == GET_HEAD_POST &&
			strcmp(method, MHD_HTTP_METHOD_POST) == 0) ||
		(rt->methods == GET_HEAD_PROPFIND &&
			strcmp(method, MHD_HTTP_METHOD_PROPFIND) == 0);
}

/* The 405 of each method set, with its Allow header. */
static const enum sv_http_fixed_id not_allowed[] = {
	[GET_HEAD] = SV_HTTP_FIXED_NOT_ALLOWED,
	[GET_HEAD_POST] = SV_HTTP_FIXED_NOT_ALLOWED_POST,
	[GET_HEAD_PROPFIND] = SV_HTTP_FIXED_NOT_ALLOWED_DAV,
};

/*
 * Whether the decoded path[0..len) is rt's, or under it for a prefix
 * route: in any letter case (clients and users type paths every way),
 * but an admin route only as written, byte for byte, so that the one
 * spelling a proxy in front must keep away is the one suivant serves.
 */
static bool route_matches(const struct route *rt, const char *path,
		size_t len) {
	size_t n = strlen(rt->path);
	if (rt->match == MATCH_DIR && len == n + 1 && path[n] == '/') {
		len = n;
	}
	if (rt->match == MATCH_PREFIX ? len < n : len != n) {
		return false;
	}
	return (rt->flags & ROUTE_ADMIN) ? memcmp(path, rt->path, n) == 0 :
		sv_http_ascii_caseeq(path, rt->path, n);
}

static const struct route *find_route(const char *path, size_t len,
		const char **arg, size_t *arg_len) {
	for (size_t i = 0; i < N_ROUTES; i++) {
		const struct route *rt = &routes[i];
		if (route_matches(rt, path, len)) {
			size_t n = strlen(rt->path);
			*arg = path + n;
			*arg_len = len - n;
			return rt;
		}
	}
	return NULL;
}

/* The longest prefix route path, for sv_http_route_private_prefix. */
#define PREFIX_MAX 64

const char *sv_http_route_private_prefix(const char *raw, size_t n) {
	/* decoding never grows: PREFIX_MAX * 3 raw bytes hold a
	 * PREFIX_MAX-byte decoded prefix, however it is encoded */
	char path[PREFIX_MAX * 3];
	size_t len = pct_decode(raw, n < sizeof(path) ? n : sizeof(path),
		path);
	for (size_t i = 0; i < N_ROUTES; i++) {
		const struct route *rt = &routes[i];
		if ((rt->flags & ROUTE_PRIVATE_ARG) && rt->match == MATCH_PREFIX &&
				route_matches(rt, path, len)) {
			return rt->path;
		}
	}
	return NULL;
}

/* Last handler call: the whole request is in; answer it. */
enum MHD_Result sv_http_route(struct sv_http_call *call,
		const char *method) {
	char path[SV_HTTP_MAX_URL + 1];
	size_t len = pct_decode(call->r->path, call->r->path_len, path);
	path[len] = '\0';
	const struct route *rt = find_route(path, len, &call->arg,
		&call->arg_len);
	if (rt == NULL) {
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_NOT_FOUND);
	}
	if (call->r->reserve && !(rt->flags & ROUTE_ADMIN)) {
		/* let in over --max-connections for monitoring only: the
		 * refusal counts as one of the limit's, endpoint none */
		atomic_fetch_add_explicit(&call->metrics->over_limit[0], 1,
			memory_order_relaxed);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_OVER_LIMIT);
	}
	call->r->endpoint = rt->endpoint;
	if (!method_allowed(rt, method)) {
		return sv_http_queue_fixed(call, not_allowed[rt->methods]);
	}
	if ((rt->flags & ROUTE_ADMIN) &&
			!sv_http_client_is_admin(call->metrics, call->r)) {
		return sv_http_queue_reason(call, MHD_HTTP_FORBIDDEN,
			sv_http_endpoint_name(rt->endpoint),
			"not allowed from this address (see --admin-allow)");
	}
	call->variant = rt->variant;
	call->format = rt->format;
	return rt->handler(call); /* HEAD is GET: MHD drops the body */
}

void sv_http_route_mask_private(char *text) {
	size_t len = strlen(text);
	for (size_t i = 0; i < N_ROUTES; i++) {
		const struct route *rt = &routes[i];
		size_t n = strlen(rt->path);
		if (!(rt->flags & ROUTE_PRIVATE_ARG)) {
			continue;
		}
		for (size_t at = 0; at + n <= len; at++) {
			if (sv_http_ascii_caseeq(text + at, rt->path, n) &&
					at + n < len) {
				text[at + n] = '*';
				text[at + n + 1] = '\0';
				len = at + n + 1;
				break;
			}
		}
	}
}
