/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_MX_H
#define SUIVANT_HTTP_MX_H

/*
 * A request's wait for an MX look-up (src/http/http_mx.c). Private to
 * the HTTP front end (src/http/, and its unit tests).
 */

#include <microhttpd.h>

struct sv_buf;            /* util/buf.h */
struct sv_http_call;      /* http/http_request.h */
struct sv_http_mx;        /* a request's DNS wait, in http_mx.c */
struct sv_mx_resolver;    /* resolve/mx_resolver.h */
struct sv_snapshot_match; /* snapshot/snapshot.h */

/*
 * Resolves a mail domain for this request as sv_snapshot_resolve does,
 * its MX hosts taken from the cache or, on a miss, from a DNS query the
 * request waits for without holding its thread: the connection is
 * suspended and resumed by the answer, and MHD then runs the handler
 * again, which calls this again and gets the answer kept in the request.
 * Returns SV_OK with *m (m->mx_host is not kept: NULL), SV_ENOTFOUND, or
 * SV_EAGAIN: the handler returns *ret at once, the request now waiting
 * for DNS with nothing queued, or already answered (over
 * --mx-max-inflight: 503 with Retry-After; out of memory: 500). Notes the
 * MX stage's outcome in call->r->mx_note.
 */
int sv_http_resolve(const struct sv_http_call *call, const char *domain,
	struct sv_snapshot_match *m, enum MHD_Result *ret);
/* Frees a request's DNS wait (completion only: never while it waits). */
void sv_http_mx_free(struct sv_http_mx *x);
/* The MX lines of /metrics, into b. */
int sv_http_mx_metrics(struct sv_mx_resolver *mx, struct sv_buf *b);

#endif
