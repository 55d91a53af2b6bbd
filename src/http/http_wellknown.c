/* SPDX-License-Identifier: MIT */
/*
 * The RFC 6764 bootstrap paths, /.well-known/caldav and
 * /.well-known/carddav: a calendar or contacts client (Thunderbird's
 * CardDAV discovery, DAVx5, Apple's) asks them on the mail domain's own
 * host, which a hoster proxies here (deploy/nginx-dav.conf). The domain
 * is the Host's; the answer pipeline (http_answer.c) turns the route's
 * format into the 301 or the 404. The request's query and path suffix are
 * never read, so nothing but the resolved domain can reach Location.
 *
 * PACC's /.well-known/user-agent-configuration.json is asked on
 * ua-auto-config.<domain>, a name the domain's zone points here (`suivant
 * dns`); the prefix is always taken off, since the document must be the
 * one its TXT digest was computed for, whatever row ("*" included) the
 * prefixed name itself would match.
 */
#include <string.h>

#include "http/http_answer.h"
#include "http/http_endpoints.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "model/pacc.h"

/* Names a client may reach this service by instead of the domain. */
static const char *const prefixes[] = { "autoconfig.", "autodiscover." };

enum MHD_Result sv_http_wellknown_dav(const struct sv_http_call *call) {
	struct sv_err err;
	char domain[SV_DOMAIN_MAX + 1];
	if (sv_http_host_domain(call->c, domain, &err) != SV_OK) {
		return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST, "Host",
			err.msg);
	}
	struct sv_snapshot_match m;
	if (sv_snapshot_lookup(call->r->snap, domain, &m) != SV_OK ||
			m.answers[call->format] == NULL) {
		for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes);
				i++) {
			size_t k = strlen(prefixes[i]), n = strlen(domain);
			if (n > k && memcmp(domain, prefixes[i], k) == 0) {
				memmove(domain, domain + k, n - k + 1);
				break;
			}
		}
	}
	struct sv_answer_facts facts = { .domain = domain };
	return sv_http_answer(call, call->format, &facts);
}

enum MHD_Result sv_http_pacc(const struct sv_http_call *call) {
	static const char prefix[] = SV_PACC_HOST_LABEL ".";
	struct sv_err err;
	char domain[SV_DOMAIN_MAX + 1];
	if (sv_http_host_domain(call->c, domain, &err) != SV_OK) {
		return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST, "Host",
			err.msg);
	}
	size_t k = sizeof(prefix) - 1, n = strlen(domain);
	if (n > k && memcmp(domain, prefix, k) == 0) {
		memmove(domain, domain + k, n - k + 1);
	}
	struct sv_answer_facts facts = { .domain = domain };
	return sv_http_answer(call, call->format, &facts);
}
