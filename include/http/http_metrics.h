/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_METRICS_H
#define SUIVANT_HTTP_METRICS_H

/*
 * The counters behind /metrics and the access line
 * (src/http/http_metrics.c). Private to the HTTP front end (src/http/,
 * and its unit tests).
 */

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

#include <microhttpd.h>

#include "http/config.h"

struct sv_http_req; /* http/http_request.h */

/*
 * The metrics rows: one per endpoint label, in the order /metrics lists
 * them. Several routes may share one (the two Autodiscover v2 forms, the
 * three profile paths). Names: sv_http_endpoint_name (http_metrics.c).
 */
enum sv_http_endpoint {
	SV_HTTP_EP_AUTOCONFIG,
	SV_HTTP_EP_AUTOCONFIG_WELL_KNOWN,
	SV_HTTP_EP_ISPDB,
	SV_HTTP_EP_AUTODISCOVER_V1,
	SV_HTTP_EP_AUTODISCOVER_V2,
	SV_HTTP_EP_PROFILE_PAGE,
	SV_HTTP_EP_MOBILECONFIG,
	SV_HTTP_EP_WELL_KNOWN_DAV,
	SV_HTTP_EP_PACC,
	SV_HTTP_EP_HEALTHZ,
	SV_HTTP_EP_METRICS,
	SV_HTTP_EP_TLS_ASK,
	SV_HTTP_EP_SETTINGS,
	SV_HTTP_EP_NONE, /* no route matched */
	SV_HTTP_ENDPOINTS
};

/*
 * Counters for /metrics, shared by every thread: relaxed atomics, no lock
 * (a scrape may see one request counted and its latency not yet: fine).
 */
#define SV_HTTP_STATUSES 14      /* see sv_http_status_slot() */
#define SV_HTTP_LATENCY_BUCKETS 11 /* finite upper bounds, seconds */

struct sv_http_metrics {
	atomic_ulong requests[SV_HTTP_ENDPOINTS][SV_HTTP_STATUSES];
	atomic_ulong latency[SV_HTTP_LATENCY_BUCKETS + 1]; /* per bucket, the
	                              * last one +Inf; made cumulative when
	                              * scraped */
	atomic_ulong latency_sum_us;
	atomic_ulong reloads[2];   /* data reloads: [0] failed, [1] done */
	atomic_ulong tls_reloads[2]; /* certificate reloads, the same */
	atomic_ulong deadline_drops; /* connections shut down for not
	                            * sending a whole request in time */
	atomic_long open_connections; /* accepted and not yet closed, over
	                            * every listener */
	atomic_ulong over_limit[2]; /* 503s for being over a limit:
	                            * [0] --max-connections, [1] --max-per-ip */
	atomic_llong loaded_at;    /* CLOCK_REALTIME seconds of the current
	                            * snapshot's publication */
	struct sv_config_net admin[SV_CONFIG_MAX_ADMIN_NETS]; /* who may read
	                            * /healthz and /metrics */
	size_t n_admin;
	struct sv_config_net proxies[SV_CONFIG_MAX_ADMIN_NETS]; /* trusted
	                            * proxies (--trusted-proxy), whose
	                            * X-Forwarded-For names the client */
	size_t n_proxies;
};

/* Status codes counted apart; others count as "other", none as "none". */
extern const unsigned sv_http_statuses[SV_HTTP_STATUSES - 2];
/* Upper bounds of the latency buckets, in microseconds. */
extern const unsigned long sv_http_latency_us[SV_HTTP_LATENCY_BUCKETS];
/* The label of metrics row e ("autoconfig", ..., "none"). */
const char *sv_http_endpoint_name(enum sv_http_endpoint e);
/*
 * Once a request has ended (completed or not), at now (CLOCK_MONOTONIC):
 * writes its access line and counts it. src/http/http_metrics.c.
 */
void sv_http_account(struct sv_http_metrics *m, const struct sv_http_req *r,
	enum MHD_RequestTerminationCode toe, const struct timespec *now);

#endif
