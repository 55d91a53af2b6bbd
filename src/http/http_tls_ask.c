/* SPDX-License-Identifier: MIT */
/*
 * GET /tls/ask?domain=NAME: whether a TLS front end (Caddy's on-demand
 * TLS) may get a certificate for NAME (http_endpoints.h). Only the names
 * mail clients ask us under are worth one: autoconfig.DOMAIN (Thunderbird),
 * autodiscover.DOMAIN (Outlook, Apple, Android) and ua-auto-config.DOMAIN
 * (the autoconfig 1.2 draft), for a DOMAIN some row serves by name or by
 * its MX hosts. The MX stage may make the request wait for DNS, like any
 * other (src/http/http_mx.c).
 */
#include <string.h>

#include "http/http_endpoints.h"
#include "http/http_mx.h"
#include "http/http_request.h"
#include "http/http_response.h"

static const char *const prefixes[] = {
	"autoconfig.", "autodiscover.", "ua-auto-config.",
};

enum MHD_Result sv_http_tls_ask(const struct sv_http_call *call) {
	const char *v;
	size_t n;
	char name[SV_DOMAIN_MAX + 1];
	struct sv_err err;
	if (!sv_http_query_param(call->c, "domain", &v, &n)) {
		return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST,
			"domain", "missing");
	}
	if (sv_domain_normalize(v, n, name, sizeof(name), &err) != SV_OK) {
		return sv_http_queue_reason(call, MHD_HTTP_BAD_REQUEST,
			"domain", err.msg);
	}
	sv_http_note_domain(call, name);
	const char *domain = NULL;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		size_t k = strlen(prefixes[i]);
		if (strncmp(name, prefixes[i], k) == 0 && name[k] != '\0') {
			domain = name + k;
			break;
		}
	}
	struct sv_snapshot_match m;
	enum MHD_Result ret;
	int rc = domain != NULL ? sv_http_resolve(call, domain, &m, &ret) :
		SV_ENOTFOUND;
	if (rc == SV_EAGAIN) {
		return ret; /* waiting for DNS, or answered */
	}
	if (rc != SV_OK || strcmp(m.pattern, "*") == 0) {
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_NO_CONFIG);
	}
	struct sv_buf body;
	sv_buf_init(&body, 64);
	if (sv_buf_append_str(&body, "ok\n") != SV_OK) {
		sv_buf_finish(&body);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	return sv_http_queue_buf(call, MHD_HTTP_OK, &body,
		"text/plain; charset=utf-8", NULL, SV_HTTP_CACHE_NO_STORE);
}
