/* SPDX-License-Identifier: MIT */
/*
 * The operator's endpoints: /healthz (is a snapshot loaded, which one, how
 * old) and /metrics (Prometheus text exposition format 0.0.4). Their
 * routes are admin-only: the router (src/http/http_route.c) answers 403
 * to clients outside the --admin-allow networks (loopback by default)
 * before these run. Both are built per request into an sv_buf from the
 * relaxed atomic counters of struct sv_http_metrics and the request's
 * snapshot reference. Nothing here is on the mail clients' path.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "http/http_endpoints.h"
#include "http/http_metrics.h"
#include "http/http_mx.h"
#include "http/http_request.h"
#include "http/http_response.h"

#define ADMIN_MAX_BODY (64 * 1024)

/*
 * The heap in use, by glibc's own count: RSS also holds memory freed and
 * kept for reuse, so a leak shows more surely as this gauge rising
 * between two equally quiet moments (tests/hostile/run.py relies on it).
 */
static int write_heap(struct sv_buf *b) {
#ifdef __GLIBC__
	struct mallinfo2 mi = mallinfo2();
	return sv_buf_printf(b,
		"# HELP suivant_heap_inuse_bytes Heap memory allocated and "
		"not freed (glibc mallinfo2).\n"
		"# TYPE suivant_heap_inuse_bytes gauge\n"
		"suivant_heap_inuse_bytes %zu\n", mi.uordblks + mi.hblkhd);
#else
	(void)b;
	return SV_OK;
#endif
}

static long long age_seconds(const struct sv_http_metrics *m,
		long long *loaded_at) {
	*loaded_at = atomic_load(&m->loaded_at);
	long long age = (long long)time(NULL) - *loaded_at;
	return age > 0 ? age : 0;
}

enum MHD_Result sv_http_healthz(const struct sv_http_call *call) {
	const struct sv_snapshot *s = call->r->snap;
	long long loaded_at;
	long long age = age_seconds(call->metrics, &loaded_at);
	struct sv_buf b;
	sv_buf_init(&b, 1024);
	if (sv_buf_printf(&b, "{\"status\":\"ok\",\"generation\":%llu,"
			"\"loaded_at\":%lld,\"age_seconds\":%lld,"
			"\"providers\":%zu,\"domains\":%zu}\n",
			(unsigned long long)sv_snapshot_generation(s), loaded_at,
			age, sv_snapshot_provider_count(s),
			sv_snapshot_domain_count(s)) != SV_OK) {
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	return sv_http_queue_buf(call, MHD_HTTP_OK, &b, "application/json",
		NULL, SV_HTTP_CACHE_NO_STORE);
}

static unsigned long load(atomic_ulong *v) {
	return atomic_load_explicit(v, memory_order_relaxed);
}

static int status_label(size_t slot, char *out, size_t size) {
	if (slot < SV_HTTP_STATUSES - 2) {
		return snprintf(out, size, "%u", sv_http_statuses[slot]);
	}
	return snprintf(out, size, "%s", slot == SV_HTTP_STATUSES - 2 ?
		"other" : "none");
}

/* suivant_requests_total{endpoint,status}, counts that are not zero. */
static int write_requests(struct sv_buf *b, struct sv_http_metrics *m) {
	int rc = sv_buf_append_str(b,
		"# HELP suivant_requests_total Requests answered, by endpoint "
		"and HTTP status (none: the connection ended first).\n"
		"# TYPE suivant_requests_total counter\n");
	for (size_t e = 0; rc == SV_OK && e < SV_HTTP_ENDPOINTS; e++) {
		for (size_t st = 0; rc == SV_OK && st < SV_HTTP_STATUSES; st++) {
			unsigned long n = load(&m->requests[e][st]);
			char label[16];
			status_label(st, label, sizeof(label));
			if (n != 0) {
				rc = sv_buf_printf(b, "suivant_requests_total"
					"{endpoint=\"%s\",status=\"%s\"} %lu\n",
					sv_http_endpoint_name(e), label, n);
			}
		}
	}
	return rc;
}

static int write_latency(struct sv_buf *b, struct sv_http_metrics *m) {
	int rc = sv_buf_append_str(b,
		"# HELP suivant_request_duration_seconds From the request line "
		"to the last byte queued.\n"
		"# TYPE suivant_request_duration_seconds histogram\n");
	unsigned long cum = 0;
	for (size_t i = 0; rc == SV_OK && i < SV_HTTP_LATENCY_BUCKETS; i++) {
		cum += load(&m->latency[i]);
		rc = sv_buf_printf(b, "suivant_request_duration_seconds_bucket"
			"{le=\"%g\"} %lu\n", sv_http_latency_us[i] / 1e6, cum);
	}
	cum += load(&m->latency[SV_HTTP_LATENCY_BUCKETS]);
	if (rc == SV_OK) {
		rc = sv_buf_printf(b, "suivant_request_duration_seconds_bucket"
			"{le=\"+Inf\"} %lu\n"
			"suivant_request_duration_seconds_sum %.6f\n"
			"suivant_request_duration_seconds_count %lu\n", cum,
			load(&m->latency_sum_us) / 1e6, cum);
	}
	return rc;
}

enum MHD_Result sv_http_metrics_page(const struct sv_http_call *call) {
	struct sv_http_metrics *m = call->metrics;
	const struct sv_snapshot *s = call->r->snap;
	long long loaded_at;
	long long age = age_seconds(m, &loaded_at);
	struct sv_buf b;
	sv_buf_init(&b, ADMIN_MAX_BODY);
	int rc = write_requests(&b, m);
	if (rc == SV_OK) {
		rc = write_latency(&b, m);
	}
	if (rc == SV_OK) {
		rc = sv_buf_printf(&b,
			"# HELP suivant_reloads_total Data reloads, by result.\n"
			"# TYPE suivant_reloads_total counter\n"
			"suivant_reloads_total{result=\"ok\"} %lu\n"
			"suivant_reloads_total{result=\"failed\"} %lu\n"
			"# HELP suivant_tls_reloads_total Certificate reloads "
			"(SIGHUP), by result.\n"
			"# TYPE suivant_tls_reloads_total counter\n"
			"suivant_tls_reloads_total{result=\"ok\"} %lu\n"
			"suivant_tls_reloads_total{result=\"failed\"} %lu\n"
			"# HELP suivant_request_timeouts_total Connections "
			"closed for not sending a whole request within "
			"--request-timeout.\n"
			"# TYPE suivant_request_timeouts_total counter\n"
			"suivant_request_timeouts_total %lu\n"
			"# HELP suivant_connections_refused_total Connections "
			"answered 503 for being over a limit, by limit.\n"
			"# TYPE suivant_connections_refused_total counter\n"
			"suivant_connections_refused_total"
			"{limit=\"max_connections\"} %lu\n"
			"suivant_connections_refused_total"
			"{limit=\"max_per_ip\"} %lu\n"
			"# HELP suivant_connections_open Client connections "
			"accepted and not yet closed.\n"
			"# TYPE suivant_connections_open gauge\n"
			"suivant_connections_open %ld\n"
			"# HELP suivant_snapshot_generation Generation of the "
			"data being served.\n"
			"# TYPE suivant_snapshot_generation gauge\n"
			"suivant_snapshot_generation %llu\n"
			"# HELP suivant_snapshot_age_seconds Since the data being "
			"served was loaded.\n"
			"# TYPE suivant_snapshot_age_seconds gauge\n"
			"suivant_snapshot_age_seconds %lld\n"
			"# HELP suivant_snapshot_providers Providers served.\n"
			"# TYPE suivant_snapshot_providers gauge\n"
			"suivant_snapshot_providers %zu\n"
			"# HELP suivant_snapshot_domains Domain rows served.\n"
			"# TYPE suivant_snapshot_domains gauge\n"
			"suivant_snapshot_domains %zu\n",
			load(&m->reloads[1]), load(&m->reloads[0]),
			load(&m->tls_reloads[1]), load(&m->tls_reloads[0]),
			load(&m->deadline_drops), load(&m->over_limit[0]),
			load(&m->over_limit[1]),
			atomic_load_explicit(&m->open_connections,
				memory_order_relaxed),
			(unsigned long long)sv_snapshot_generation(s), age,
			sv_snapshot_provider_count(s),
			sv_snapshot_domain_count(s));
	}
	if (rc == SV_OK) {
		rc = sv_http_mx_metrics(call->mx, &b);
	}
	if (rc == SV_OK) {
		rc = write_heap(&b);
	}
	if (rc != SV_OK) {
		sv_buf_finish(&b);
		return sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
	}
	return sv_http_queue_buf(call, MHD_HTTP_OK, &b,
		"text/plain; version=0.0.4; charset=utf-8", NULL,
		SV_HTTP_CACHE_NO_STORE);
}
