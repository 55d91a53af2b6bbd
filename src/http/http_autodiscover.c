/* SPDX-License-Identifier: MIT */
/*
 * The Microsoft Autodiscover endpoints (PROTOCOLS.md 3 and 4).
 *
 * v1 ("POX"), /autodiscover/autodiscover.xml in any letter case: the POST
 * body is parsed by sv_autodiscover_request_parse (the safe XML parser,
 * 16 KiB cap), the address's domain is resolved in the snapshot and the
 * compiled Outlook answer is filled with the address. Every outcome is a
 * complete document or a fixed response, never a partial one:
 *
 *   outcome                                   HTTP  Autodiscover
 *   settings                                  200   Response/Account
 *   GET or HEAD (a client probing)            200   Error 600
 *   malformed body, no or bad EMailAddress    200   Error 600
 *   AcceptableResponseSchema not Outlook      200   Error 601
 *     (mobilesync included: the model has no ActiveSync URL)
 *   domain not served                         404   Error 500
 *   internal failure                          500   Error 603 (or the
 *                                                   fixed text 500)
 *   Content-Type other than XML or absent     415   text reason
 *   body over 16 KiB                          413   fixed text
 *
 * 200 for protocol errors is what Exchange does and what Outlook parses;
 * 404 for an unknown domain lets clients move on to their next candidate
 * URL, the way the Mozilla endpoints do.
 *
 * v2, /autodiscover/autodiscover.json[/v1.0/ADDR]: JSON pointing at the
 * v1 endpoint of the address's domain (autodiscover.DOMAIN), for the
 * AutodiscoverV1 protocol only.
 *
 * Privacy: the body and the Authorization header are never logged; only
 * the normalised domain goes to the access line, and debug lines carry
 * the parser's constant reasons (which never quote the body).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "answer/render_autodiscover.h"
#include "http/http_internal.h"
#include "request/autodiscover_request.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/log.h"

/* Largest error document or v2 JSON answer. */
#define SMALL_ANSWER_MAX 4096
/* Longest Protocol value echoed in a v2 error message. */
#define PROTOCOL_ECHO_MAX 64
#define V2_PROTOCOL "AutodiscoverV1"

/* Queues out's bytes (taken over, out emptied) with status and headers. */
static enum MHD_Result queue_body(const struct sv_http_call *call,
		unsigned status, struct sv_buf *out, const char *content_type,
		const char *cache) {
	size_t len;
	char *body = sv_buf_take(out, &len);
	struct MHD_Response *resp = body == NULL ? NULL :
		MHD_create_response_from_buffer_with_free_callback(len, body,
			sv_free);
	if (resp == NULL) {
		sv_free(body);
		sv_log_warnx("autodiscover: out of memory");
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	enum MHD_Result ret;
	if (sv_http_common_headers(resp) != SV_OK ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CONTENT_TYPE, content_type) !=
				MHD_YES ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CACHE_CONTROL, cache) !=
				MHD_YES) {
		sv_log_warnx("autodiscover: out of memory");
		ret = sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	} else {
		ret = sv_http_queue(call, status, resp, len);
	}
	MHD_destroy_response(resp); /* MHD holds its own reference */
	return ret;
}

/*
 * The Error element's Id: "identifies the server" ([MS-OXDSCLI]), so an
 * FNV-1a hash of the host name, the same for every answer of a machine.
 */
static uint32_t server_id(void) {
	char host[256];
	if (gethostname(host, sizeof(host)) != 0) {
		host[0] = '\0';
	}
	host[sizeof(host) - 1] = '\0';
	return sv_fnv1a32(SV_FNV1A32_INIT, host, strlen(host));
}

/* Queues the Error document for code with HTTP status. */
static enum MHD_Result queue_error(const struct sv_http_call *call,
		enum sv_autodiscover_error code, unsigned status) {
	struct timespec now;
	if (clock_gettime(CLOCK_REALTIME, &now) != 0) {
		now.tv_sec = 0;
		now.tv_nsec = 0;
	}
	struct sv_buf out;
	struct sv_err err;
	sv_buf_init(&out, SMALL_ANSWER_MAX);
	if (sv_render_autodiscover_error(code, &now, server_id(), &out,
			&err) != SV_OK) {
		sv_log_warnx("%s", err.msg);
		sv_buf_finish(&out);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	enum MHD_Result ret = queue_body(call, status, &out,
		SV_AUTODISCOVER_CONTENT_TYPE, "no-store");
	sv_buf_finish(&out);
	return ret;
}

static bool is_ows(char c) {
	return c == ' ' || c == '\t';
}

/* ASCII case-insensitive equality of s[0..n) and the literal lit. */
static bool caseeq(const char *s, size_t n, const char *lit) {
	return strlen(lit) == n && sv_http_ascii_caseeq(s, lit, n);
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
	const char *v = NULL;
	size_t n = 0;
	if (MHD_lookup_connection_value_n(c, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_CONTENT_TYPE,
			sizeof(MHD_HTTP_HEADER_CONTENT_TYPE) - 1, &v, &n) !=
			MHD_YES || v == NULL) {
		return true;
	}
	const char *semi = memchr(v, ';', n);
	size_t tn = semi != NULL ? (size_t)(semi - v) : n;
	const char *t = trim_ows(v, &tn);
	if (!caseeq(t, tn, "text/xml") && !caseeq(t, tn, "application/xml")) {
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
		if (!caseeq(k, kn, "charset")) {
			continue;
		}
		if (vn >= 2 && val[0] == '"' && val[vn - 1] == '"') {
			val++;
			vn -= 2;
		}
		if (!caseeq(val, vn, "utf-8") && !caseeq(val, vn, "utf8")) {
			return false;
		}
	}
	return true;
}

enum MHD_Result sv_http_autodiscover(const struct sv_http_call *call) {
	if (strcmp(call->r->method, MHD_HTTP_METHOD_POST) != 0) {
		/* GET or HEAD: what Exchange answers a probe without a body */
		return queue_error(call, SV_AUTODISCOVER_ERROR_INVALID,
			MHD_HTTP_OK);
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
		return queue_error(call, SV_AUTODISCOVER_ERROR_INVALID,
			MHD_HTTP_OK);
	}
	if (rc != SV_OK) {
		sv_log_warnx("autodiscover: %s", err.msg);
		return queue_error(call, SV_AUTODISCOVER_ERROR_INTERNAL,
			MHD_HTTP_INTERNAL_SERVER_ERROR);
	}
	sv_http_note_domain(call, req.address.domain);
	if (req.schema != SV_AUTODISCOVER_SCHEMA_OUTLOOK) {
		return queue_error(call, SV_AUTODISCOVER_ERROR_SCHEMA,
			MHD_HTTP_OK);
	}
	const struct sv_answer_facts facts = {
		.domain = req.address.domain,
		.address = req.address.address,
		.local = req.address.local,
	};
	struct sv_buf out;
	const char *content_type = NULL;
	sv_buf_init(&out, SV_HTTP_MAX_ANSWER);
	rc = sv_snapshot_answer(call->r->snap, SV_FORMAT_AUTODISCOVER, &facts,
		&out, &content_type);
	enum MHD_Result ret;
	if (rc == SV_OK && content_type != NULL) {
		/* personal (it names the address) and answers a POST */
		ret = queue_body(call, MHD_HTTP_OK, &out, content_type,
			"no-store");
	} else if (rc == SV_ENOTFOUND) {
		ret = queue_error(call, SV_AUTODISCOVER_ERROR_NO_ADDRESS,
			MHD_HTTP_NOT_FOUND);
	} else {
		sv_log_warnx("autodiscover: %s: %s", req.address.domain,
			sv_rc_str(rc));
		ret = queue_error(call, SV_AUTODISCOVER_ERROR_INTERNAL,
			MHD_HTTP_INTERNAL_SERVER_ERROR);
	}
	sv_buf_finish(&out);
	return ret;
}

/* ---- v2 ---- */

/* A query parameter matched without regard to case. */
struct param {
	const char *name;
	const char *value; /* borrowed from MHD; NULL until seen */
	size_t len;
	unsigned seen;
};

struct params {
	struct param email, protocol;
};

static enum MHD_Result on_param(void *cls, enum MHD_ValueKind kind,
		const char *key, size_t key_size, const char *value,
		size_t value_size) {
	struct params *ps = cls;
	(void)kind;
	struct param *all[] = { &ps->email, &ps->protocol };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (caseeq(key, key_size, all[i]->name)) {
			all[i]->seen++;
			all[i]->value = value != NULL ? value : "";
			all[i]->len = value != NULL ? value_size : 0;
		}
	}
	return MHD_YES;
}

/* Queues {"ErrorCode","ErrorMessage"} with status. */
static enum MHD_Result queue_v2_error(const struct sv_http_call *call,
		unsigned status, const char *code, const char *message) {
	struct sv_buf out;
	struct sv_err err;
	sv_buf_init(&out, SMALL_ANSWER_MAX);
	if (sv_render_autodiscover_v2_error(code, message, &out, &err) !=
			SV_OK) {
		sv_log_warnx("%s", err.msg);
		sv_buf_finish(&out);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	enum MHD_Result ret = queue_body(call, status, &out,
		SV_AUTODISCOVER_JSON_CONTENT_TYPE, "no-store");
	sv_buf_finish(&out);
	return ret;
}

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
		const struct param *p) {
	char msg[256];
	if (p->seen == 1 && echoable(p->value, p->len)) {
		snprintf(msg, sizeof(msg), "The given protocol value '%.*s' is "
			"invalid. Supported values are '" V2_PROTOCOL "'.",
			(int)p->len, p->value);
	} else {
		snprintf(msg, sizeof(msg), "The protocol value is missing or "
			"invalid. Supported values are '" V2_PROTOCOL "'.");
	}
	return queue_v2_error(call, MHD_HTTP_BAD_REQUEST, "InvalidProtocol",
		msg);
}

enum MHD_Result sv_http_autodiscover_json(const struct sv_http_call *call) {
	struct params ps = {
		.email = { .name = "Email" },
		.protocol = { .name = "Protocol" },
	};
	MHD_get_connection_values_n(call->c, MHD_GET_ARGUMENT_KIND, on_param,
		&ps);
	if (ps.protocol.seen != 1 || !caseeq(ps.protocol.value,
			ps.protocol.len, V2_PROTOCOL)) {
		return bad_protocol(call, &ps.protocol);
	}
	const char *a = ps.email.value;
	size_t alen = ps.email.len;
	if (call->variant == SV_HTTP_AD_FROM_PATH) {
		a = call->arg;
		alen = call->arg_len;
	} else if (ps.email.seen != 1) {
		return queue_v2_error(call, MHD_HTTP_BAD_REQUEST,
			"InvalidEmail", ps.email.seen == 0 ?
			"The Email parameter is missing." :
			"The Email parameter is given more than once.");
	}
	struct sv_address addr;
	struct sv_err err;
	if (sv_address_parse(a, alen, &addr, &err) != SV_OK) {
		/* address.h's reasons are constant phrases, never the input */
		return queue_v2_error(call, MHD_HTTP_BAD_REQUEST,
			"InvalidEmail", err.msg);
	}
	sv_http_note_domain(call, addr.domain);
	struct sv_snapshot_match m;
	if (sv_snapshot_lookup(call->r->snap, addr.domain, &m) != SV_OK) {
		return queue_v2_error(call, MHD_HTTP_NOT_FOUND, "NotFound",
			"No configuration for this domain.");
	}
	struct sv_buf out;
	sv_buf_init(&out, SMALL_ANSWER_MAX);
	if (sv_render_autodiscover_v2(addr.domain, &out, &err) != SV_OK) {
		sv_log_warnx("%s", err.msg);
		sv_buf_finish(&out);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	enum MHD_Result ret = queue_body(call, MHD_HTTP_OK, &out,
		SV_AUTODISCOVER_JSON_CONTENT_TYPE,
		"private, max-age=" SV_HTTP_STR(SV_HTTP_MAX_AGE));
	sv_buf_finish(&out);
	return ret;
}
