/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_CLIENT_H
#define SUIVANT_HTTP_CLIENT_H

/*
 * Who a request comes from, behind trusted proxies
 * (src/http/http_client.c). Private to the HTTP front end (src/http/,
 * and its unit tests).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <microhttpd.h>

struct sv_http_metrics; /* http/http_metrics.h */
struct sv_http_req;     /* http/http_request.h */

/*
 * Who a request comes from, on its first handler call: the peer, unless
 * the peer is one of m->proxies (--trusted-proxy) and the request carries
 * X-Forwarded-For; then the client is the last address of the last such
 * header that is not a trusted proxy itself (what the nearest untrusted
 * hop connected from: the addresses before it are the client's word).
 * Fills r->client_sa (AF_UNSPEC when a trusted proxy forwarded
 * something that is not an address); sets r->forwarded
 * when a peer that is not trusted sends X-Forwarded-For, Forwarded or
 * X-Real-IP: such a request came through a proxy we were not told of.
 */
void sv_http_client_identify(struct MHD_Connection *c,
	const struct sv_http_metrics *m, struct sv_http_req *r);
/* r->client_sa = peer (an IPv4 or IPv6 address; else AF_UNSPEC): who a
 * request ended before its headers is logged as. */
void sv_http_client_peer(struct sv_http_req *r, const struct sockaddr *peer);
/* Whether r's client may read the admin routes (m->admin), forwarded
 * requests from an untrusted peer never. */
bool sv_http_client_is_admin(const struct sv_http_metrics *m,
	const struct sv_http_req *r);
/* The numeric text of sa (AF_INET or AF_INET6; IPv4-mapped IPv6 as IPv4)
 * into out (size >= 46), or "-". */
void sv_http_client_text(const struct sockaddr *sa, char *out, size_t size);

#endif
