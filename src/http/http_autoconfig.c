/* SPDX-License-Identifier: MIT */
/*
 * The Mozilla autoconfig endpoints (config-v1.1.xml, PROTOCOLS.md 1.1):
 * picks the domain to serve, then hands the request facts and the route's
 * format to the answer pipeline (src/http/http_answer.c). Nothing is
 * rendered or queued here but the 400s about the request.
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
 *
 * Evolution's request (an emailmd5 parameter, or the stand-in address
 * EVOLUTIONUSER@DOMAIN, request/address.h) gets the Evolution form of
 * the answer (SV_FORMAT_EVOLUTION: one server per type, render_autoconfig.h)
 * filled by sv_answer_facts_of_evolution; every other request is answered
 * as before.
 */
#include <string.h>

#include "http/http_answer.h"
#include "http/http_endpoints.h"
#include "http/http_request.h"
#include "http/http_response.h"

#define EMAILADDRESS "emailaddress"
#define EMAILMD5 "emailmd5"
#define PREFIX "autoconfig."
#define PREFIX_LEN (sizeof(PREFIX) - 1)

/* Removes a leading "autoconfig." from a normalised name, if more follows. */
static bool strip_prefix(char *domain) {
	size_t n = strlen(domain);
	if (n <= PREFIX_LEN || memcmp(domain, PREFIX, PREFIX_LEN) != 0) {
		return false;
	}
	memmove(domain, domain + PREFIX_LEN, n - PREFIX_LEN + 1);
	return true;
}

enum MHD_Result sv_http_autoconfig(const struct sv_http_call *call) {
	static const char *const names[] = { EMAILADDRESS };
	struct sv_err err;
	struct sv_address addr;
	const char *md5; /* its value does not matter, only its presence */
	size_t md5_len;
	bool mozilla = call->format == SV_FORMAT_AUTOCONFIG;
	bool evolution = mozilla &&
		sv_http_query_param(call->c, EMAILMD5, &md5, &md5_len);
	int rc = sv_http_query_address(call->c, names, 1, &addr, &err);
	if (rc == SV_OK) {
		evolution = evolution ||
			(mozilla && sv_address_is_evolution_user(&addr));
		struct sv_answer_facts facts = evolution ?
			sv_answer_facts_of_evolution(&addr) :
			sv_answer_facts_of_address(&addr);
		return sv_http_answer(call, evolution ? SV_FORMAT_EVOLUTION :
			call->format, &facts);
	}
	if (rc != SV_ENOTFOUND) {
		return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST,
			EMAILADDRESS, err.msg);
	}

	enum sv_format format = evolution ? SV_FORMAT_EVOLUTION : call->format;
	char domain[SV_DOMAIN_MAX + 1];
	if (call->variant == SV_HTTP_FROM_PATH) {
		if (sv_domain_normalize(call->arg, call->arg_len, domain,
				sizeof(domain), &err) != SV_OK) {
			return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST,
				"path", err.msg);
		}
	} else if (sv_http_host_domain(call->c, domain, &err) != SV_OK) {
		return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST, "Host",
			err.msg);
	}
	if (call->variant == SV_HTTP_FROM_HOST) {
		strip_prefix(domain);
	} else if (call->variant == SV_HTTP_FROM_HOST_RETRY) {
		/* the Host itself when it is served, else without the prefix */
		struct sv_snapshot_match m;
		if (sv_snapshot_lookup(call->r->snap, domain, &m) != SV_OK ||
				m.answers[format] == NULL) {
			strip_prefix(domain);
		}
	}
	struct sv_answer_facts facts = { .domain = domain };
	return sv_http_answer(call, format, &facts);
}
