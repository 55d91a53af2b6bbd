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
 *   GET|HEAD /  (the Apple profile page)
 *   GET|HEAD /email.mobileconfig?email=ADDR, /mobileconfig[/]?emailaddress=
 *            (Apple profile, CMS-signed when cfg->signer is set)
 *   POST|GET|HEAD /autodiscover/autodiscover.xml  (Autodiscover v1, body
 *            read up to SV_HTTP_MAX_BODY, never logged)
 *   GET|HEAD /autodiscover/autodiscover.json?Email=ADDR&Protocol=P,
 *            /autodiscover/autodiscover.json/v1.0/ADDR?Protocol=P (v2)
 * (paths matched without regard to letter case; methods other than GET
 * and HEAD, and POST where listed, get 405, other paths 404). Answers come from the snapshot held
 * by the holder; no SQL, no rendering per request. One access line per
 * request goes to the log (method, path without query, status, domain:
 * never the query nor the address).
 */

/*
 * Request limits (named so tests can aim at N and N + 1). The URL cap is
 * well below the connection memory (SV_CONFIG_MIN_CONN_MEMORY), so that an
 * overlong URL reaches us and gets our 414, and well above an e-mail
 * address (SV_ADDRESS_MAX, 3 x 254 bytes when fully %-encoded), so that an
 * overlong address gets a 400 that names it.
 */
#define SV_HTTP_MAX_URL 2048        /* path + query, bytes -> 414 */
#define SV_HTTP_MAX_BODY (16 * 1024) /* request body -> 413 */
#define SV_HTTP_MAX_ANSWER (1024 * 1024) /* one answer document -> 500 */
#define SV_HTTP_MAX_AGE 300          /* Cache-Control max-age of answers */

struct sv_http;

/*
 * Binds every cfg->listen address (or the default) and starts serving from
 * h, which must outlive the server. One libmicrohttpd daemon per address,
 * each with an internal epoll thread pool of cfg->threads (0 = online
 * CPUs). cfg is read during the call only, but for cfg->signer (may be
 * NULL), which is borrowed and must outlive the server. Returns NULL with err set when
 * an address is invalid or cannot be bound (nothing is left running).
 * Dual to sv_http_stop().
 */
struct sv_http *sv_http_start(const struct sv_config *cfg,
	struct sv_snapshot_holder *h, struct sv_err *err);
/* Number of listeners, and the port listener i is bound to. */
size_t sv_http_listener_count(const struct sv_http *srv);
uint16_t sv_http_port(const struct sv_http *srv, size_t i);
/* Stops accepting, finishes or drops in-flight requests, frees. NULL ok. */
void sv_http_stop(struct sv_http *srv);

#endif
