/* SPDX-License-Identifier: MIT */
/*
 * The Mozilla autoconfig endpoints (config-v1.1.xml, PROTOCOLS.md 1.1):
 * picks the domain to serve, then hands the request facts to the snapshot,
 * which fills the compiled answer. Nothing is rendered here.
 *
 * Domain to serve, first match wins:
 *  1. the emailaddress query parameter, form-decoded by MHD (so "+" is a
 *     space and is refused, "%2B" is a plus) and read with its length so
 *     that a decoded %00 is refused too; its local part and address become
 *     request facts (placeholders are expanded, the answer is private);
 *  2. without it, by route: the Host header minus a leading "autoconfig."
 *     (/mail/...), the Host header itself then minus "autoconfig." when
 *     that is unknown (/.well-known/...), or the path segment (/v1.1/D).
 * Every name goes through sv_domain_normalize (lower-case A-labels), which
 * is also why the "autoconfig." test below may be case-sensitive.
 */
#include <string.h>

#include "http/http_internal.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

#define EMAILADDRESS "emailaddress"
#define PREFIX "autoconfig."
#define PREFIX_LEN (sizeof(PREFIX) - 1)

/*
 * Host header: present, not an IP literal in brackets, an optional
 * ":PORT" of at most 5 digits removed, then normalised into out.
 */
static int host_domain(struct MHD_Connection *c, char *out,
		struct sv_err *err) {
	const char *h = NULL;
	size_t n = 0;
	if (MHD_lookup_connection_value_n(c, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_HOST, sizeof(MHD_HTTP_HEADER_HOST) - 1,
			&h, &n) != MHD_YES || h == NULL || n == 0) {
		return sv_errf(err, SV_EINVAL, "missing");
	}
	if (h[0] == '[') {
		return sv_errf(err, SV_EINVAL, "IP literals are not served");
	}
	for (size_t i = n; i > 0; i--) {
		if (h[i - 1] == ':') {
			size_t digits = n - i;
			if (digits > 5) {
				return sv_errf(err, SV_EINVAL, "bad port");
			}
			for (size_t k = i; k < n; k++) {
				if (h[k] < '0' || h[k] > '9') {
					return sv_errf(err, SV_EINVAL,
						"bad port");
				}
			}
			n = i - 1;
			break;
		}
	}
	return sv_domain_normalize(h, n, out, SV_DOMAIN_MAX + 1, err);
}

/* Removes a leading "autoconfig." from a normalised name, if more follows. */
static bool strip_prefix(char *domain) {
	size_t n = strlen(domain);
	if (n <= PREFIX_LEN || memcmp(domain, PREFIX, PREFIX_LEN) != 0) {
		return false;
	}
	memmove(domain, domain + PREFIX_LEN, n - PREFIX_LEN + 1);
	return true;
}

/* Queues the filled answer in out (taken over) as a 200. */
static enum MHD_Result queue_answer(const struct sv_http_call *call,
		struct sv_buf *out, const char *content_type, bool personal) {
	size_t len;
	char *body = sv_buf_take(out, &len);
	struct MHD_Response *resp = body == NULL ? NULL :
		MHD_create_response_from_buffer_with_free_callback(len, body,
			sv_free);
	if (resp == NULL) {
		sv_free(body);
		sv_log_warnx("autoconfig: %s: out of memory", call->r->domain);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	/* an answer filled with an address must not sit in shared caches */
	const char *cache = personal ?
		"private, max-age=" SV_HTTP_STR(SV_HTTP_MAX_AGE) :
		"public, max-age=" SV_HTTP_STR(SV_HTTP_MAX_AGE);
	enum MHD_Result ret;
	if (sv_http_common_headers(resp) != SV_OK ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CONTENT_TYPE, content_type) !=
				MHD_YES ||
			MHD_add_response_header(resp,
				MHD_HTTP_HEADER_CACHE_CONTROL, cache) !=
				MHD_YES) {
		sv_log_warnx("autoconfig: %s: out of memory", call->r->domain);
		ret = sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	} else {
		ret = sv_http_queue(call, MHD_HTTP_OK, resp, len);
	}
	MHD_destroy_response(resp); /* MHD holds its own reference */
	return ret;
}

/*
 * Fills the answer for facts->domain into out. SV_OK, SV_ENOTFOUND, or
 * another code (logged here, with the domain only).
 */
static int fill(const struct sv_http_call *call,
		const struct sv_answer_facts *facts, struct sv_buf *out,
		const char **content_type) {
	sv_http_note_domain(call, facts->domain);
	int rc = sv_snapshot_answer(call->r->snap, SV_FORMAT_AUTOCONFIG,
		facts, out, content_type);
	if (rc != SV_OK && rc != SV_ENOTFOUND) {
		sv_log_warnx("autoconfig: %s: %s", facts->domain,
			sv_rc_str(rc));
	}
	return rc;
}

static enum MHD_Result finish(const struct sv_http_call *call, int rc,
		struct sv_buf *out, const char *content_type, bool personal) {
	enum MHD_Result ret;
	if (rc == SV_OK && content_type != NULL) {
		ret = queue_answer(call, out, content_type, personal);
	} else if (rc == SV_ENOTFOUND) {
		ret = sv_http_queue_fixed(call, SV_HTTP_FIXED_NO_CONFIG);
	} else {
		ret = sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	sv_buf_finish(out);
	return ret;
}

enum MHD_Result sv_http_autoconfig(const struct sv_http_call *call) {
	struct sv_err err;
	struct sv_buf out;
	const char *content_type = NULL;
	sv_buf_init(&out, SV_HTTP_MAX_ANSWER);

	const char *ea = NULL;
	size_t ea_len = 0;
	if (sv_http_query_param(call->c, EMAILADDRESS, &ea, &ea_len)) {
		struct sv_address addr;
		if (sv_address_parse(ea, ea_len, &addr, &err) != SV_OK) {
			return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST,
				EMAILADDRESS, err.msg);
		}
		struct sv_answer_facts facts = {
			.domain = addr.domain,
			.address = addr.address,
			.local = addr.local,
		};
		int rc = fill(call, &facts, &out, &content_type);
		return finish(call, rc, &out, content_type, true);
	}

	char domain[SV_DOMAIN_MAX + 1];
	if (call->variant == SV_HTTP_FROM_PATH) {
		if (sv_domain_normalize(call->arg, call->arg_len, domain,
				sizeof(domain), &err) != SV_OK) {
			return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST,
				"path", err.msg);
		}
	} else if (host_domain(call->c, domain, &err) != SV_OK) {
		return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST, "Host",
			err.msg);
	}
	if (call->variant == SV_HTTP_FROM_HOST) {
		strip_prefix(domain);
	}
	struct sv_answer_facts facts = { .domain = domain };
	int rc = fill(call, &facts, &out, &content_type);
	if (rc == SV_ENOTFOUND && call->variant == SV_HTTP_FROM_HOST_RETRY &&
			strip_prefix(domain)) {
		sv_buf_finish(&out);
		rc = fill(call, &facts, &out, &content_type);
	}
	return finish(call, rc, &out, content_type, false);
}
