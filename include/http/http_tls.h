/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_TLS_H
#define SUIVANT_HTTP_TLS_H

/*
 * Private to the HTTP front end (src/http/http.c, http_connection.c and
 * http_tls.c): the TLS listeners' credentials. Kept apart from the other
 * headers of src/http/ so that the endpoint files do not see GnuTLS's
 * names.
 */

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "util/err.h"

/* GnuTLS priorities of every TLS listener: TLS 1.2 and 1.3 only. */
#define SV_HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct sv_http_tls;

/*
 * Loads the PEM certificate chain cert (leaf first, at most 16) and its
 * unencrypted PEM key, checks that they belong together and makes them
 * the pair sv_http_tls_retrieve() hands out. The paths are copied. At most
 * one exists at a time (GnuTLS's callback has no user pointer). NULL with
 * err and *rc on a file that cannot be read (SV_EIO), is not PEM or a key
 * that does not match (SV_EINVAL), or SV_ENOMEM; *rc is SV_OK otherwise. Dual to sv_http_tls_destroy().
 */
struct sv_http_tls *sv_http_tls_create(const char *cert, const char *key,
	int *rc, struct sv_err *err);
/*
 * Re-reads both files; on success the next handshakes use the new pair
 * and a new session-ticket key (SV_OK). On failure (SV_EIO unreadable, SV_EINVAL invalid or mismatched,
 * SV_ENOMEM) the current pair stays. Not thread-safe against itself: one
 * caller (the serve loop).
 */
int sv_http_tls_reload(struct sv_http_tls *t, struct sv_err *err);
/*
 * A new TLS connection's session, before its handshake: turns session
 * tickets on with the current ticket key (replacing the key first when
 * it is older than its period; see src/http/http_tls.c for the rotation
 * and why it is sound). Thread-safe and lock-free. SV_OK, or SV_EINVAL
 * when GnuTLS refused (the connection then works without tickets).
 * A successful sv_http_tls_reload() also replaces the ticket key.
 */
int sv_http_tls_session_start(struct sv_http_tls *t, gnutls_session_t s);
/* Frees every pair ever loaded; only after the TLS daemons stopped. */
void sv_http_tls_destroy(struct sv_http_tls *t);
/* MHD_OPTION_HTTPS_CERT_CALLBACK: the current pair, thread-safe. */
int sv_http_tls_retrieve(gnutls_session_t s, const gnutls_datum_t *ca_rdn,
	int nreqs, const gnutls_pk_algorithm_t *algos, int nalgos,
	gnutls_pcert_st **pcert, unsigned int *pcert_length,
	gnutls_privkey_t *privkey);

#endif
