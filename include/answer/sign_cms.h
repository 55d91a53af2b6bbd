/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_SIGN_CMS_H
#define SUIVANT_SIGN_CMS_H

#include <stddef.h>
#include <time.h>

#include "util/buf.h"
#include "util/err.h"

/*
 * CMS (PKCS #7) signing of Apple configuration profiles with GnuTLS: a
 * signer is loaded once at start-up (certificate, private key, optional
 * intermediate certificates) and then signs any number of documents, each
 * as a DER SignedData that embeds the document (not detached), includes
 * the signer's certificate and the chain, and carries a signing time,
 * with SHA-256. That is what `openssl smime -sign -nodetach -outform der`
 * makes and what Apple devices verify (PROTOCOLS.md 5).
 *
 * The signing key is its own: nothing here touches a TLS key.
 */

struct sv_sign_cms;

/*
 * Loads the signer. cert_path: the signing certificate (PEM or DER);
 * key_path: its private key (PEM or DER, PKCS #1 or PKCS #8, not
 * encrypted: protect the file instead); chain_path: NULL, or a PEM file
 * with one or more intermediate certificates to send along. Refuses a key
 * that does not belong to the certificate. Returns the signer (free with
 * sv_sign_cms_destroy), or NULL with err naming the file and the problem
 * (SV_EIO: unreadable; SV_EINVAL: not a certificate or key, or a
 * mismatch; SV_ENOMEM). Start-up only: reads files.
 */
struct sv_sign_cms *sv_sign_cms_create(const char *cert_path,
	const char *key_path, const char *chain_path, struct sv_err *err);

/* Dual to sv_sign_cms_create(). NULL is a no-op. */
void sv_sign_cms_destroy(struct sv_sign_cms *s);

/*
 * Appends to out the DER SignedData embedding the len bytes at data.
 * Returns SV_OK, SV_ETOOBIG / SV_ENOMEM (out is then empty, see sv_buf),
 * or SV_EINVAL when GnuTLS refuses (err says why). Thread-safe: signings
 * are serialised by a lock inside s (GnuTLS does not promise that one key
 * may sign from several threads at once).
 */
int sv_sign_cms_sign(struct sv_sign_cms *s, const void *data, size_t len,
	struct sv_buf *out, struct sv_err *err);

/* The signing certificate's notAfter (devices treat an expired one as
 * unsigned), and its subject DN for logs (borrowed from s). */
time_t sv_sign_cms_expires(const struct sv_sign_cms *s);
const char *sv_sign_cms_subject(const struct sv_sign_cms *s);

#endif
