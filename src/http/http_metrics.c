/* SPDX-License-Identifier: MIT */
/*
 * Accounting of finished requests: the access line and the /metrics
 * counters (relaxed atomics in struct sv_http_metrics, read by
 * src/http/http_admin.c). Called once per request from the completion
 * callback; no lock, no allocation.
 */
#include <stdio.h>
#include <string.h>

#include "http/http_client.h"
#include "http/http_metrics.h"
#include "http/http_request.h"
#include "util/log.h"

const unsigned sv_http_statuses[SV_HTTP_STATUSES - 2] = {
	200, 301, 400, 403, 404, 405, 413, 414, 415, 431, 500, 503,
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

static const char *const endpoint_names[SV_HTTP_ENDPOINTS] = {
	[SV_HTTP_EP_AUTOCONFIG] = "autoconfig",
	[SV_HTTP_EP_AUTOCONFIG_WELL_KNOWN] = "autoconfig_well_known",
	[SV_HTTP_EP_ISPDB] = "ispdb",
	[SV_HTTP_EP_AUTODISCOVER_V1] = "autodiscover_v1",
	[SV_HTTP_EP_AUTODISCOVER_V2] = "autodiscover_v2",
	[SV_HTTP_EP_PROFILE_PAGE] = "profile_page",
	[SV_HTTP_EP_MOBILECONFIG] = "mobileconfig",
	[SV_HTTP_EP_WELL_KNOWN_DAV] = "well_known_dav",
	[SV_HTTP_EP_PACC] = "pacc",
	[SV_HTTP_EP_HEALTHZ] = "healthz",
	[SV_HTTP_EP_METRICS] = "metrics",
	[SV_HTTP_EP_TLS_ASK] = "tls_ask",
	[SV_HTTP_EP_SETTINGS] = "settings",
	[SV_HTTP_EP_NONE] = "none",
};

const char *sv_http_endpoint_name(enum sv_http_endpoint e) {
	return e < SV_HTTP_ENDPOINTS ? endpoint_names[e] : "none";
}

static void count_request(struct sv_http_metrics *m,
		const struct sv_http_req *r, unsigned long us) {
	size_t e = r->endpoint < SV_HTTP_ENDPOINTS ? r->endpoint :
		SV_HTTP_EP_NONE;
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

static const char *termination_name(const struct sv_http_req *r,
		enum MHD_RequestTerminationCode toe) {
	if (r->refused) {
		return "refused";
	}
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
		enum MHD_RequestTerminationCode toe, const struct timespec *t1) {
	char method[4 * sizeof(r->method)];
	char path[256];
	long us = 0;
	if (r->t0.tv_sec != 0) {
		us = (long)(t1->tv_sec - r->t0.tv_sec) * 1000000 +
			(t1->tv_nsec - r->t0.tv_nsec) / 1000;
	}
	us = us > 0 ? us : 0;
	long ms = us / 1000;
	char masked[96]; /* a route path and a '*' */
	char client[46]; /* INET6_ADDRSTRLEN; once a request, here */
	sv_http_client_text((const struct sockaddr *)&r->client_sa, client,
		sizeof(client));
	if (r->log_prefix != NULL) { /* an address follows: not logged */
		snprintf(masked, sizeof(masked), "%s*", r->log_prefix);
	}
	struct sv_log_access a = {
		.client = client,
		.method = r->method[0] != '\0' ?
			sv_log_escape(r->method, method, sizeof(method)) : "-",
		.path = sv_log_escape(r->log_prefix != NULL ? masked : r->path,
			path, sizeof(path)),
		.status = r->status,
		.bytes = r->bytes,
		.ms = ms,
		.domain = r->domain[0] != '\0' ? r->domain : "-",
		.end = termination_name(r, toe),
		.mx = r->mx_note,
	};
	sv_log_access(&a);
	return (unsigned long)us;
}


void sv_http_account(struct sv_http_metrics *m, const struct sv_http_req *r,
		enum MHD_RequestTerminationCode toe, const struct timespec *now) {
	count_request(m, r, log_access(r, toe, now));
}
