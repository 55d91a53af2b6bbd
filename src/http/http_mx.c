/* SPDX-License-Identifier: MIT */
/*
 * The MX stage of a request: a domain that no exact or "*.suffix" row
 * serves, in a snapshot with MX rows, is served by the MX row its MX
 * hosts match (snapshot.h). The hosts come from the resolver's cache
 * (lock-free) or, on a miss, from a DNS query during which the request
 * holds no thread:
 *
 *   handler -> sv_http_resolve: miss -> MHD_suspend_connection, ask
 *   resolver thread: answer -> kept in the request -> MHD_resume_connection
 *   MHD runs the handler again -> sv_http_resolve finds the answer kept
 *
 * The connection is suspended before the resolver can know of it (the
 * ask takes the resolver's mutex after the suspension), so a resume never
 * comes first, which MHD does not allow. A request keeps its answer
 * itself rather than reading it back from the cache, which may have
 * evicted it already.
 */
#include <stdio.h>
#include <string.h>

#include "http/http_mx.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "resolve/mx_resolver.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

struct sv_http_mx {
	struct sv_mx_waiter waiter;
	struct MHD_Connection *c;
	char domain[SV_DOMAIN_MAX + 1];
	bool done;              /* the answer (or rc) is in */
	int rc;                 /* SV_OK: hosts holds the answer; else why
	                         * there is none (SV_EBUSY, SV_ENOMEM) */
	struct sv_mx_hosts hosts;
};

void sv_http_mx_free(struct sv_http_mx *x) {
	sv_free(x);
}

/* The resolver's thread: keep the answer, wake the request. */
static void answered(void *ctx, const struct sv_mx_hosts *h) {
	struct sv_http_mx *x = ctx;
	memcpy(&x->hosts, h, sizeof(*h));
	x->rc = SV_OK;
	x->done = true;
	/* MHD's mutex orders these stores before the handler's reads */
	MHD_resume_connection(x->c);
}

/* Suspends the request until domain's MX answer is in. */
static int wait_for(const struct sv_http_call *call, const char *domain,
		enum MHD_Result *ret) {
	struct sv_http_req *r = call->r;
	if (r->mx == NULL && (r->mx = sv_calloc(1, sizeof(*r->mx))) == NULL) {
		*ret = sv_http_queue_fixed(call, SV_HTTP_FIXED_INTERNAL);
		return SV_EAGAIN;
	}
	struct sv_http_mx *x = r->mx;
	snprintf(x->domain, sizeof(x->domain), "%s", domain);
	x->done = false;
	x->c = call->c;
	x->waiter = (struct sv_mx_waiter){ .done = answered, .ctx = x };
	MHD_suspend_connection(call->c);
	int rc = sv_mx_resolver_ask(call->mx, domain, &x->waiter);
	if (rc != SV_OK) { /* no answer will come: handle it when resumed */
		x->rc = rc;
		x->done = true;
		MHD_resume_connection(call->c);
	}
	*ret = MHD_YES;
	return SV_EAGAIN;
}

int sv_http_resolve(const struct sv_http_call *call, const char *domain,
		struct sv_snapshot_match *m, enum MHD_Result *ret) {
	struct sv_http_req *r = call->r;
	int rc = sv_snapshot_resolve(r->snap, domain, NULL, m);
	if (rc != SV_EAGAIN) {
		return rc;
	}
	struct sv_mx_hosts cached;
	const struct sv_mx_hosts *h = NULL;
	if (r->mx != NULL && r->mx->done &&
			strcmp(r->mx->domain, domain) == 0) {
		if (r->mx->rc != SV_OK) {
			r->mx_note = r->mx->rc == SV_EBUSY ? "busy" : "failed";
			*ret = sv_http_queue_fixed(call, r->mx->rc == SV_EBUSY ?
				SV_HTTP_FIXED_DNS_BUSY : SV_HTTP_FIXED_INTERNAL);
			return SV_EAGAIN;
		}
		h = &r->mx->hosts;
	} else if (call->mx != NULL &&
			sv_mx_resolver_cached(call->mx, domain, &cached)) {
		h = &cached;
	} else if (call->mx != NULL) {
		return wait_for(call, domain, ret);
	} else {
		sv_mx_hosts_init(&cached, SV_MX_FAILED); /* no resolver */
		h = &cached;
	}
	const char *hosts[SV_MX_MAX_HOSTS];
	for (size_t i = 0; i < h->n; i++) {
		hosts[i] = sv_mx_hosts_get(h, i);
	}
	const struct sv_snapshot_mx view = { .hosts = hosts,
		.n = h->status == SV_MX_FOUND ? h->n : 0 };
	rc = sv_snapshot_resolve(r->snap, domain, &view, m);
	r->mx_note = h->status != SV_MX_FOUND ? sv_mx_status_name(h->status) :
		rc == SV_OK && m->mx_host != NULL ? "match" : "nomatch";
	if (rc == SV_OK) {
		m->mx_host = NULL; /* it pointed into h */
	}
	return rc;
}

int sv_http_mx_metrics(struct sv_mx_resolver *mx, struct sv_buf *b) {
	struct sv_mx_stats st = { 0 };
	if (mx != NULL) {
		sv_mx_resolver_stats(mx, &st);
	}
	return sv_buf_printf(b,
		"# HELP suivant_mx_cache_lookups_total MX cache look-ups by "
		"requests, by result.\n"
		"# TYPE suivant_mx_cache_lookups_total counter\n"
		"suivant_mx_cache_lookups_total{result=\"hit\"} %lu\n"
		"suivant_mx_cache_lookups_total{result=\"miss\"} %lu\n"
		"# HELP suivant_mx_cache_size Domains whose MX answer is "
		"cached.\n"
		"# TYPE suivant_mx_cache_size gauge\n"
		"suivant_mx_cache_size %zu\n"
		"# HELP suivant_mx_queries_total DNS MX queries sent.\n"
		"# TYPE suivant_mx_queries_total counter\n"
		"suivant_mx_queries_total %lu\n"
		"# HELP suivant_mx_timeouts_total DNS MX queries not answered "
		"within the resolver timeout.\n"
		"# TYPE suivant_mx_timeouts_total counter\n"
		"suivant_mx_timeouts_total %lu\n"
		"# HELP suivant_mx_busy_total Requests answered 503 for being "
		"over --mx-max-inflight.\n"
		"# TYPE suivant_mx_busy_total counter\n"
		"suivant_mx_busy_total %lu\n"
		"# HELP suivant_mx_inflight DNS MX queries outstanding.\n"
		"# TYPE suivant_mx_inflight gauge\n"
		"suivant_mx_inflight %lu\n",
		st.hits, st.misses, st.size, st.queries, st.timeouts, st.busy,
		st.inflight);
}
