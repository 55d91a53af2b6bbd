/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_H
#define SUIVANT_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/config.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_holder.h"
#include "util/err.h"

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
 *   GET|HEAD /healthz, /metrics  (cfg->admin_allow clients only, else
 *            403; never a request with proxy headers from a peer that is
 *            not in cfg->trusted_proxy)
 * (paths matched without regard to letter case, but for the two admin
 * paths, which are matched exactly as written; methods other than GET
 * and HEAD, and POST where listed, get 405, other paths 404). Answers come from the snapshot held
 * by the holder; no SQL, no rendering per request. One access line per
 * request goes to the log (method, path without query, status, domain:
 * never the query nor the address).
 *
 * Connections: over cfg->conn_limit on a listener (unless an admin client
 * takes one of cfg->admin_reserve, for admin paths only), or
 * cfg->per_ip_limit from one client (an address prefix:
 * cfg->prefix4/prefix6; behind a trusted proxy, the client it forwards)
 * on it, a connection's request is answered 503 (Retry-After, Connection:
 * close); a request not complete within
 * cfg->request_timeout_s of the accept (or of the previous response on a
 * kept-alive connection) has its connection closed by a janitor thread,
 * TLS or not.
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
 * Binds every cfg->listen address (or the default when neither listen nor
 * listen_tls is given) and every cfg->listen_tls address (TLS 1.2/1.3 with
 * cfg->tls_cert and cfg->tls_key, SV_HTTP_TLS_PRIORITIES), and starts
 * serving from h, which must outlive the server. One libmicrohttpd daemon
 * per address,
 * each with an internal epoll thread pool of cfg->threads (0 = online
 * CPUs). cfg is read during the call only, but for cfg->signer (may be
 * NULL), which is borrowed and must outlive the server. Returns NULL with err set when
 * an address is invalid or cannot be bound (nothing is left running).
 * Dual to sv_http_stop().
 */
struct sv_http *sv_http_start(const struct sv_config *cfg,
	struct sv_snapshot_holder *h, struct sv_err *err);
/*
 * A test hook (tests/fuzz/fuzz_http.c): the same front end with no
 * listener and no thread of its own, driven by the caller. cfg's listen
 * addresses are ignored (one unnamed listener). sv_http_add_connection
 * hands it a connected socket fd (closed by the server) whose peer is sa;
 * SV_OK or SV_EIO (fd closed). sv_http_run processes whatever is ready
 * and returns without waiting; sv_http_stop as for sv_http_start. One
 * thread only.
 */
struct sockaddr;
struct sv_http *sv_http_start_driven(const struct sv_config *cfg,
	struct sv_snapshot_holder *h, struct sv_err *err);
int sv_http_add_connection(struct sv_http *srv, int fd,
	const struct sockaddr *sa, unsigned sa_len);
void sv_http_run(struct sv_http *srv);
/*
 * Number of listeners (plain ones first, then TLS ones, each in the order
 * given), the port listener i is bound to, and whether it speaks TLS.
 */
size_t sv_http_listener_count(const struct sv_http *srv);
uint16_t sv_http_port(const struct sv_http *srv, size_t i);
bool sv_http_is_tls(const struct sv_http *srv, size_t i);
/*
 * Re-reads the TLS certificate and key given to sv_http_start (SIGHUP).
 * New handshakes use the new pair; connections are not dropped. On failure
 * the old pair stays and err says why. SV_OK when there is no TLS
 * listener. Call from one thread only.
 */
int sv_http_reload_tls(struct sv_http *srv, struct sv_err *err);
/*
 * Loads and checks a TLS certificate chain and key as sv_http_start would
 * (before anything is bound): SV_OK, SV_EIO when a file cannot be read,
 * SV_EINVAL when it is not PEM or the key does not match, with err set.
 * Not while a server with TLS listeners runs.
 */
int sv_http_check_tls(const char *cert, const char *key, struct sv_err *err);
/*
 * Tells the server a data reload was attempted (for /metrics) and, when
 * ok, that the snapshot it serves was just published (/healthz's age).
 * Thread-safe. NULL ok.
 */
void sv_http_note_reload(struct sv_http *srv, bool ok);
/*
 * Graceful stop: closes the listening sockets at once, waits for open
 * connections to finish their requests (at most cfg->timeout_s seconds,
 * the idle timeout that also ends idle keep-alive connections), then
 * closes what is left, stops the janitor thread and frees. NULL ok.
 */
void sv_http_stop(struct sv_http *srv);

#endif
