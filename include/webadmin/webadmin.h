/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_WEBADMIN_H
#define SUIVANT_WEBADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/snapshot.h"
#include "snapshot/snapshot_holder.h"
#include "util/err.h"

/*
 * The web admin: provider rows in a browser, for the accounts of
 * `suivant admin-user`. Its own libmicrohttpd daemon on its own address
 * (serve --admin-listen), never reachable through the public listeners,
 * which know none of its paths. One internal thread: pages are built per
 * request from the database (never on the mail clients' path), writes go
 * through the same store and validator calls as the command line.
 *
 * Paths (exact, case-sensitive; anything else is 404):
 *   GET  /login, POST /login, POST /logout, GET /style.css
 *   GET  / (the provider list; ?q= searches ids and domains)
 *   GET  /provider?id=ID, /export?id=ID, /lookup?address=A, /check,
 *        /audit, /import
 *   POST /provider/add, /provider/set, /provider/rm, /domain/add,
 *        /domain/rm, /server/add, /server/set, /server/rm,
 *        /import (multipart/form-data: a dry run), /import/commit
 * Without a session, pages answer 303 to /login. Every POST but /login
 * needs the session's CSRF token, and none may come from another origin
 * (403). Every answer carries a strict Content-Security-Policy (no
 * script at all), X-Frame-Options: DENY and Cache-Control: no-store.
 */

#define SV_WEBADMIN_MAX_FORM (64 * 1024)   /* url-encoded body -> 413 */
#define SV_WEBADMIN_MAX_UPLOAD (1024 * 1024 + 64 * 1024) /* multipart */

struct sv_webadmin_config {
	const char *listen;     /* "ADDR:PORT" (http/config.h's forms) */
	const char *db_path;    /* the served database */
	const char *tls_cert;   /* PEM chain and key: HTTPS when both are */
	const char *tls_key;    /* set; required unless listen is loopback */
	unsigned timeout_s;     /* idle connection timeout */
	struct sv_snapshot_holder *holder; /* the public listeners' data,
	                         * for "what does a client get"; borrowed */
	/* Called after each committed change, so that the public listeners
	 * reload at once rather than at the watcher's next poll. May be NULL;
	 * ctx is handed to it. */
	void (*changed)(void *ctx);
	void *ctx;
};

struct sv_webadmin;

/*
 * Checks cfg without binding: the address parses, and is loopback unless
 * cert and key are given. SV_OK or SV_EINVAL with the reason.
 */
int sv_webadmin_check(const struct sv_webadmin_config *cfg,
	struct sv_err *err);
/*
 * Binds and starts serving. cfg's strings are copied; holder and ctx
 * are borrowed and must outlive the server. NULL with err set (nothing
 * left running) when the address is refused or cannot be bound, or a
 * certificate file cannot be read.
 */
struct sv_webadmin *sv_webadmin_start(const struct sv_webadmin_config *cfg,
	struct sv_err *err);
/* The bound port, and whether it speaks HTTPS. */
uint16_t sv_webadmin_port(const struct sv_webadmin *wa);
bool sv_webadmin_is_tls(const struct sv_webadmin *wa);
/* Closes the listener and every connection, then frees. NULL ok. */
void sv_webadmin_stop(struct sv_webadmin *wa);

#endif
