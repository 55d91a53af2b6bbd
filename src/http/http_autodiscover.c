/* SPDX-License-Identifier: MIT */
/*
 * The Microsoft Autodiscover endpoints (PROTOCOLS.md 3 and 4).
 *
 * v1 ("POX"), /autodiscover/autodiscover.xml in any letter case: the POST
 * body is parsed by sv_autodiscover_request_parse (the safe XML parser,
 * 16 KiB cap) and its address goes to the answer pipeline
 * (src/http/http_answer.c), which fills the compiled Outlook answer with
 * it and answers this format's not-found and internal errors with Error
 * documents. Every outcome is a complete document or a fixed response,
 * never a partial one:
 *
 *   outcome                                   HTTP  Autodiscover
 *   settings                                  200   Response/Account
 *   GET or HEAD, Host's domain served         200   Response/Account,
 *                                                   without the address
 *   GET or HEAD, not served or no domain      404   text (a short body)
 *   GET or HEAD without a Host                400   text
 *   malformed body, no or bad EMailAddress    200   Error 600
 *   mobilesync schema, ActiveSync URL         200   Response/Action/
 *                                                   Settings/Server
 *   mobilesync schema, no ActiveSync URL      200   Error 601
 *   AcceptableResponseSchema another one      200   Error 601
 *   domain not served                         404   Error 500
 *   internal failure                          500   Error 603 (or the
 *                                                   fixed text 500)
 *   Content-Type other than XML or absent     415   text reason
 *   body over 16 KiB                          413   fixed text
 *
 * 200 for protocol errors is what Exchange does and what Outlook parses;
 * 404 for an unknown domain lets clients move on to their next candidate
 * URL, the way the Mozilla endpoints do. A GET is not Exchange's probe
 * (Exchange answers it Error 600 with 200): the clients that GET this
 * path (Delta Chat) take any 2xx document that parses as final, so a
 * GET gets real settings, from the Host as the Mozilla routes do, or a
 * 404 (README, "Autodiscover GET").
 *
 * v2, /autodiscover/autodiscover.json[/v1.0/ADDR]: JSON pointing at the
 * v1 endpoint of the address's domain (autodiscover.DOMAIN) for the
 * AutodiscoverV1 protocol; for ActiveSync and EWS the provider's own URL
 * of that service (a compiled answer), 404 JSON when it has none.
 *
 * Credentials: an Authorization header is never read, so never logged
 * and never refused: no request gets a 401 (Thunderbird's account hub
 * gives up on one).
 *
 * Privacy: the body and the Authorization header are never logged; only
 * the normalised domain goes to the access line, and debug lines carry
 * the parser's constant reasons (which never quote the body).
 */
#include <stdio.h>
#include <string.h>

#include "answer/render_autodiscover.h"
#include "answer/render_autodiscover_v2.h"
#include "http/http_answer.h"
#include "http/http_endpoints.h"
#include "http/http_mx.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "request/autodiscover_request.h"
#include "util/buf.h"
#include "util/log.h"

/* Largest v2 JSON answer or error. */
#define SMALL_ANSWER_MAX 4096
/* Longest Protocol value echoed in a v2 error message. */
#define PROTOCOL_ECHO_MAX 64
#define V2_PROTOCOL "AutodiscoverV1"
#define V2_PROTOCOLS "'AutodiscoverV1', 'ActiveSync', 'EWS'"

/* The v2 Protocol values besides AutodiscoverV1, and their answers. */
static const struct {
	const char *name;
	enum sv_format format;
} v2_protocols[] = {
	{ "ActiveSync", SV_FORMAT_AUTODISCOVER_V2_ACTIVESYNC },
	{ "EWS", SV_FORMAT_AUTODISCOVER_V2_EWS },
};

static bool is_ows(char c) {
	return c == ' ' || c == '\t';
}

/* s[0..*n) without leading and trailing OWS. */
static const char *trim_ows(const char *s, size_t *n) {
	while (*n > 0 && is_ows(s[0])) {
		s++;
		(*n)--;
	}
	while (*n > 0 && is_ows(s[*n - 1])) {
		(*n)--;
	}
	return s;
}

/*
 * Content-Type: absent, or text/xml or application/xml (any case) whose
 * charset parameter, if any, is UTF-8 (quoted or not); other parameters
 * are ignored.
 */
static bool content_type_ok(struct MHD_Connection *c) {
	const char *v;
	size_t n;
	if (!sv_http_header(c, MHD_HTTP_HEADER_CONTENT_TYPE, &v, &n)) {
		return true;
	}
	const char *semi = memchr(v, ';', n);
	size_t tn = semi != NULL ? (size_t)(semi - v) : n;
	const char *t = trim_ows(v, &tn);
	if (!sv_http_caseeq_lit(t, tn, "text/xml") &&
			!sv_http_caseeq_lit(t, tn, "application/xml")) {
		return false;
	}
	while (semi != NULL) {
		const char *p = semi + 1;
		size_t left = n - (size_t)(p - v);
		semi = memchr(p, ';', left);
		size_t pn = semi != NULL ? (size_t)(semi - p) : left;
		p = trim_ows(p, &pn);
		const char *eq = memchr(p, '=', pn);
		if (eq == NULL) {
			continue;
		}
		size_t kn = (size_t)(eq - p), vn = pn - kn - 1;
		const char *k = trim_ows(p, &kn);
		const char *val = trim_ows(eq + 1, &vn);
		if (!sv_http_caseeq_lit(k, kn, "charset")) {
			continue;
		}
		if (vn >= 2 && val[0] == '"' && val[vn - 1] == '"') {
			val++;
			vn -= 2;
		}
		if (!sv_http_caseeq_lit(val, vn, "utf-8") &&
				!sv_http_caseeq_lit(val, vn, "utf8")) {
			return false;
		}
	}
	return true;
}

/* Removes a leading prefix from a normalised name, if more follows. */
static bool strip_prefix(char *domain, const char *prefix) {
	size_t n = strlen(domain), p = strlen(prefix);
	if (n <= p || memcmp(domain, prefix, p) != 0) {
		return false;
	}
	memmove(domain, domain + p, n - p + 1);
	return true;
}

/*
 * GET or HEAD: a probe without a body (Delta Chat's third step). The
 * domain is the Host's, minus "autodiscover." or "autoconfig."; a served
 * one gets its settings without an address, anything else the short 404
 * that lets the client move on to its next source.
 */
static enum MHD_Result autodiscover_get(const struct sv_http_call *call) {
	char domain[SV_DOMAIN_MAX + 1];
	struct sv_err err;
	const char *host;
	size_t host_len;
	if (MHD_lookup_connection_value_n(call->c, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_HOST, sizeof(MHD_HTTP_HEADER_HOST) - 1,
			&host, &host_len) != MHD_YES || host_len == 0) {
		return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST, "Host",
			"missing");
	}
	if (sv_http_host_domain(call->c, domain, &err) != SV_OK) {
		/* an IP literal or no host name: nothing is served there */
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_NO_CONFIG);
	}
	if (!strip_prefix(domain, "autodiscover.")) {
		strip_prefix(domain, "autoconfig.");
	}
	const struct sv_answer_facts facts = { .domain = domain };
	return sv_http_answer(call, SV_FORMAT_AUTODISCOVER_DOMAIN, &facts);
}

enum MHD_Result sv_http_autodiscover(const struct sv_http_call *call) {
	if (strcmp(call->r->method, MHD_HTTP_METHOD_POST) != 0) {
		return autodiscover_get(call);
	}
	if (!content_type_ok(call->c)) {
		return sv_http_queue_reason(call,
			MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Type",
			"must be text/xml or application/xml, in UTF-8");
	}
	struct sv_autodiscover_request req;
	struct sv_err err;
	int rc = sv_autodiscover_request_parse(call->r->body.data,
		call->r->body.len, &req, &err);
	if (rc == SV_ETOOBIG) {
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_TOO_LARGE);
	}
	if (rc == SV_EINVAL) {
		sv_log_debug("autodiscover: error 600: %s", err.msg);
		return sv_http_autodiscover_error(call,
			SV_AUTODISCOVER_ERROR_INVALID, MHD_HTTP_OK);
	}
	if (rc != SV_OK) {
		sv_log_warnx("autodiscover: %s", err.msg);
		return sv_http_autodiscover_error(call,
			SV_AUTODISCOVER_ERROR_INTERNAL,
			MHD_HTTP_INTERNAL_SERVER_ERROR);
	}
	sv_http_note_domain(call, req.address.domain);
	if (req.schema == SV_AUTODISCOVER_SCHEMA_OTHER) {
		return sv_http_autodiscover_error(call,
			SV_AUTODISCOVER_ERROR_SCHEMA, MHD_HTTP_OK);
	}
	const struct sv_answer_facts facts =
		sv_answer_facts_of_address(&req.address);
	return sv_http_answer(call, req.schema ==
		SV_AUTODISCOVER_SCHEMA_MOBILESYNC ?
		SV_FORMAT_AUTODISCOVER_MOBILESYNC : call->format, &facts);
}

/* ---- v2 ---- */

/* True when s[0..n) is short printable ASCII: safe to quote back. */
static bool echoable(const char *s, size_t n) {
	if (n == 0 || n > PROTOCOL_ECHO_MAX) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '\'') {
			return false;
		}
	}
	return true;
}

static enum MHD_Result bad_protocol(const struct sv_http_call *call,
		const struct sv_http_param *p) {
	char msg[256];
	if (p->seen == 1 && echoable(p->value, p->len)) {
		snprintf(msg, sizeof(msg), "The given protocol value '%.*s' is "
			"invalid. Supported values are " V2_PROTOCOLS ".",
			(int)p->len, p->value);
	} else {
		snprintf(msg, sizeof(msg), "The protocol value is missing or "
			"invalid. Supported values are " V2_PROTOCOLS ".");
	}
	return sv_http_autodiscover_v2_error(call, MHD_HTTP_BAD_REQUEST,
		"InvalidProtocol", msg);
}

enum MHD_Result sv_http_autodiscover_json(const struct sv_http_call *call) {
	struct sv_http_param ps[] = {
		{ .name = "Email" },
		{ .name = "Protocol" },
	};
	const struct sv_http_param *email = &ps[0], *protocol = &ps[1];
	sv_http_query_params_anycase(call->c, ps, sizeof(ps) / sizeof(ps[0]));
	int service = -1; /* index in v2_protocols, or -1: AutodiscoverV1 */
	for (size_t i = 0; protocol->seen == 1 &&
			i < sizeof(v2_protocols) / sizeof(*v2_protocols); i++) {
		if (sv_http_caseeq_lit(protocol->value, protocol->len,
				v2_protocols[i].name)) {
			service = (int)i;
		}
	}
	if (protocol->seen != 1 || (service < 0 && !sv_http_caseeq_lit(
			protocol->value, protocol->len, V2_PROTOCOL))) {
		return bad_protocol(call, protocol);
	}
	const char *a = email->value;
	size_t alen = email->len;
	if (call->variant == SV_HTTP_AD_FROM_PATH) {
		a = call->arg;
		alen = call->arg_len;
	} else if (email->seen != 1) {
		return sv_http_autodiscover_v2_error(call,
			MHD_HTTP_BAD_REQUEST, "InvalidEmail", email->seen == 0 ?
			"The Email parameter is missing." :
			"The Email parameter is given more than once.");
	}
	struct sv_address addr;
	struct sv_err err;
	if (sv_address_parse(a, alen, &addr, &err) != SV_OK) {
		/* address.h's reasons are constant phrases, never the input */
		return sv_http_autodiscover_v2_error(call,
			MHD_HTTP_BAD_REQUEST, "InvalidEmail", err.msg);
	}
	if (service >= 0) {
		const struct sv_answer_facts facts =
			sv_answer_facts_of_address(&addr);
		return sv_http_answer(call, v2_protocols[service].format,
			&facts);
	}
	sv_http_note_domain(call, addr.domain);
	struct sv_snapshot_match m;
	enum MHD_Result waiting;
	int rc = sv_http_resolve(call, addr.domain, &m, &waiting);
	if (rc == SV_EAGAIN) {
		return waiting; /* waiting for DNS, or answered */
	}
	if (rc != SV_OK) {
		return sv_http_autodiscover_v2_error(call,
			MHD_HTTP_NOT_FOUND, "NotFound",
			"No configuration for this domain.");
	}
	struct sv_buf out;
	sv_buf_init(&out, SMALL_ANSWER_MAX);
	rc = sv_render_autodiscover_v2(addr.domain, &out, &err);
	/* names the address's domain, asked for with the address */
	return sv_http_queue_rendered(call, rc, &err, MHD_HTTP_OK, &out,
		SV_AUTODISCOVER_JSON_CONTENT_TYPE, SV_HTTP_CACHE_PRIVATE);
}
