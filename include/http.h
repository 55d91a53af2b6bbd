/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_H
#define SUIVANT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "snapshot.h"

/*
 * The HTTP front end (libmicrohttpd, internal epoll thread pool). Routes:
 *   GET|HEAD /mail/config-v1.1.xml[?emailaddress=ADDR]
 *   GET|HEAD /.well-known/autoconfig/mail/config-v1.1.xml[?emailaddress=]
 *   GET|HEAD /v1.1/DOMAIN
 * (paths matched without regard to letter case). Answers come from the
 * snapshot held by the holder; no SQL, no rendering per request.
 */

/* Request limits (named so tests can aim at N and N + 1). */
#define SV_HTTP_MAX_URL 2048        /* path + query, bytes -> 414 */
#define SV_HTTP_MAX_BODY (16 * 1024) /* request body -> 413 */

struct sv_http;

/*
 * Binds every cfg->listen address (or the default) and starts serving from
 * h, which must outlive the server. Returns NULL with err set when an
 * address is invalid or cannot be bound. Dual to sv_http_stop().
 */
struct sv_http *sv_http_start(const struct sv_config *cfg,
	struct sv_snapshot_holder *h, struct sv_err *err);
/* Number of listeners, and the port listener i is bound to. */
size_t sv_http_listener_count(const struct sv_http *srv);
uint16_t sv_http_port(const struct sv_http *srv, size_t i);
/* Stops accepting, finishes or drops in-flight requests, frees. NULL ok. */
void sv_http_stop(struct sv_http *srv);

#endif
