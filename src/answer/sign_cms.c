/* SPDX-License-Identifier: MIT */
/*
 * CMS signing of Apple profiles with GnuTLS's PKCS #7 API. The signer
 * keeps the parsed certificate, key and chain for the life of the server;
 * each signing builds a fresh gnutls_pkcs7_t, signs with
 * GNUTLS_PKCS7_EMBED_DATA (the profile travels inside the signature, as
 * devices expect), GNUTLS_PKCS7_INCLUDE_CERT and GNUTLS_PKCS7_INCLUDE_TIME,
 * adds the chain, and exports DER, which is copied into the caller's
 * sv_buf (GnuTLS allocates with its own allocator; the copy is ours and
 * can be freed with sv_free like every other response body).
 *
 * Ownership: struct sv_sign_cms owns the GnuTLS objects, the subject
 * string and the lock. GnuTLS's library initialisation runs from its own
 * constructor (3.3 and later), so there is no global set-up here.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/pkcs7.h>
#include <gnutls/x509.h>

#include "answer/sign_cms.h"
#include "util/alloc.h"

/* Enough for any key id GnuTLS computes (SHA-512 is 64 bytes). */
#define KEY_ID_MAX 64

struct sv_sign_cms {
	gnutls_x509_crt_t crt;     /* owned: the signing certificate */
	gnutls_privkey_t key;      /* owned: its private key */
	gnutls_x509_crt_t *chain;  /* owned (gnutls_free), and each entry */
	unsigned n_chain;
	char *subject;             /* owned: crt's subject DN, for logs */
	time_t expires;            /* crt's notAfter */
	pthread_mutex_t lock;      /* serialises sv_sign_cms_sign */
	bool lock_ready;           /* lock was initialised */
};

/* Reads a whole file with GnuTLS (which knows how to free it). */
static int load(const char *what, const char *path, gnutls_datum_t *d,
		struct sv_err *err) {
	d->data = NULL;
	d->size = 0;
	int rc = gnutls_load_file(path, d);
	if (rc < 0) {
		return sv_errf(err, rc == GNUTLS_E_MEMORY_ERROR ? SV_ENOMEM :
			SV_EIO, "%s: %s: cannot read the file", what, path);
	}
	return SV_OK;
}

/* Imports d into obj (a certificate or a key) in format fmt. */
typedef int import_fn(void *obj, const gnutls_datum_t *d,
	gnutls_x509_crt_fmt_t fmt);

static int import_cert(void *obj, const gnutls_datum_t *d,
		gnutls_x509_crt_fmt_t fmt) {
	return gnutls_x509_crt_import(obj, d, fmt);
}

static int import_key(void *obj, const gnutls_datum_t *d,
		gnutls_x509_crt_fmt_t fmt) {
	return gnutls_privkey_import_x509_raw(obj, d, fmt, NULL, 0);
}

/*
 * Reads the file of option what and imports it into obj as PEM, else as
 * DER; the error says the file is not `is` ("a certificate").
 */
static int load_one(const char *what, const char *is, const char *path,
		import_fn *import, void *obj, struct sv_err *err) {
	gnutls_datum_t d;
	int rc = load(what, path, &d, err);
	if (rc != SV_OK) {
		return rc;
	}
	int g = import(obj, &d, GNUTLS_X509_FMT_PEM);
	if (g < 0) {
		g = import(obj, &d, GNUTLS_X509_FMT_DER);
	}
	gnutls_free(d.data);
	if (g < 0) {
		return sv_errf(err, SV_EINVAL, "%s: %s: not %s (%s)", what,
			path, is, gnutls_strerror(g));
	}
	return SV_OK;
}

static int load_cert(const char *path, gnutls_x509_crt_t crt,
		struct sv_err *err) {
	return load_one("sign-cert", "a certificate", path, import_cert, crt,
		err);
}

static int load_key(const char *path, gnutls_privkey_t key,
		struct sv_err *err) {
	return load_one("sign-key", "an unencrypted private key", path,
		import_key, key, err);
}

static int load_chain(const char *path, struct sv_sign_cms *s,
		struct sv_err *err) {
	gnutls_datum_t d;
	int rc = load("sign-chain", path, &d, err);
	if (rc != SV_OK) {
		return rc;
	}
	int g = gnutls_x509_crt_list_import2(&s->chain, &s->n_chain, &d,
		GNUTLS_X509_FMT_PEM, 0);
	gnutls_free(d.data);
	if (g < 0 || s->n_chain == 0) {
		if (g >= 0) {
			gnutls_free(s->chain); /* an empty list, if any */
		}
		s->chain = NULL;
		s->n_chain = 0;
		return sv_errf(err, SV_EINVAL, "sign-chain: %s: no PEM "
			"certificate (%s)", path, g < 0 ? gnutls_strerror(g) :
			"empty");
	}
	return SV_OK;
}

/* The key must be the certificate's: compare their public key ids. */
static int check_pair(struct sv_sign_cms *s, const char *cert_path,
		const char *key_path, struct sv_err *err) {
	unsigned char cid[KEY_ID_MAX], kid[KEY_ID_MAX];
	size_t clen = sizeof(cid), klen = sizeof(kid);
	gnutls_pubkey_t pub = NULL;
	int rc = SV_OK;
	if (gnutls_pubkey_init(&pub) < 0) {
		return sv_errf(err, SV_ENOMEM, "sign-key: out of memory");
	}
	if (gnutls_pubkey_import_privkey(pub, s->key, 0, 0) < 0 ||
			gnutls_pubkey_get_key_id(pub, 0, kid, &klen) < 0 ||
			gnutls_x509_crt_get_key_id(s->crt, 0, cid, &clen) < 0) {
		rc = sv_errf(err, SV_EINVAL, "sign-key: %s: cannot compare "
			"with %s", key_path, cert_path);
	} else if (clen != klen || memcmp(cid, kid, clen) != 0) {
		rc = sv_errf(err, SV_EINVAL, "sign-key: %s is not the key of "
			"the certificate in %s", key_path, cert_path);
	}
	gnutls_pubkey_deinit(pub);
	return rc;
}

static int read_subject(struct sv_sign_cms *s, struct sv_err *err) {
	gnutls_datum_t dn = { NULL, 0 };
	if (gnutls_x509_crt_get_dn3(s->crt, &dn, 0) < 0) {
		s->subject = sv_strdup("(no subject)");
	} else {
		s->subject = sv_strndup((const char *)dn.data, dn.size);
		gnutls_free(dn.data);
	}
	if (s->subject == NULL) {
		return sv_errf(err, SV_ENOMEM, "sign-cert: out of memory");
	}
	return SV_OK;
}

struct sv_sign_cms *sv_sign_cms_create(const char *cert_path,
		const char *key_path, const char *chain_path,
		struct sv_err *err) {
	struct sv_sign_cms *s = sv_calloc(1, sizeof(*s));
	if (s == NULL) {
		sv_errf(err, SV_ENOMEM, "sign: out of memory");
		return NULL;
	}
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		sv_errf(err, SV_ENOMEM, "sign: cannot create a lock");
		goto fail;
	}
	s->lock_ready = true;
	if (gnutls_x509_crt_init(&s->crt) < 0) {
		s->crt = NULL;
		sv_errf(err, SV_ENOMEM, "sign: out of memory");
		goto fail;
	}
	if (gnutls_privkey_init(&s->key) < 0) {
		s->key = NULL;
		sv_errf(err, SV_ENOMEM, "sign: out of memory");
		goto fail;
	}
	if (load_cert(cert_path, s->crt, err) != SV_OK ||
			load_key(key_path, s->key, err) != SV_OK ||
			check_pair(s, cert_path, key_path, err) != SV_OK ||
			(chain_path != NULL &&
				load_chain(chain_path, s, err) != SV_OK) ||
			read_subject(s, err) != SV_OK) {
		goto fail;
	}
	s->expires = gnutls_x509_crt_get_expiration_time(s->crt);
	return s;
fail:
	sv_sign_cms_destroy(s);
	return NULL;
}

void sv_sign_cms_destroy(struct sv_sign_cms *s) {
	if (s == NULL) {
		return;
	}
	for (unsigned i = 0; i < s->n_chain; i++) {
		gnutls_x509_crt_deinit(s->chain[i]);
	}
	gnutls_free(s->chain);
	if (s->key != NULL) {
		gnutls_privkey_deinit(s->key);
	}
	if (s->crt != NULL) {
		gnutls_x509_crt_deinit(s->crt);
	}
	if (s->lock_ready) {
		pthread_mutex_destroy(&s->lock);
	}
	sv_free(s->subject);
	sv_free(s);
}

/* Signs under the lock; *der receives GnuTLS-allocated DER. */
static int sign_locked(struct sv_sign_cms *s, const gnutls_datum_t *data,
		gnutls_datum_t *der, struct sv_err *err) {
	gnutls_pkcs7_t p7 = NULL;
	int g = gnutls_pkcs7_init(&p7);
	if (g < 0) {
		return sv_errf(err, SV_ENOMEM, "sign: out of memory");
	}
	g = gnutls_pkcs7_sign(p7, s->crt, s->key, data, NULL, NULL,
		GNUTLS_DIG_SHA256, GNUTLS_PKCS7_EMBED_DATA |
		GNUTLS_PKCS7_INCLUDE_CERT | GNUTLS_PKCS7_INCLUDE_TIME);
	for (unsigned i = 0; g >= 0 && i < s->n_chain; i++) {
		g = gnutls_pkcs7_set_crt(p7, s->chain[i]);
	}
	if (g >= 0) {
		g = gnutls_pkcs7_export2(p7, GNUTLS_X509_FMT_DER, der);
	}
	gnutls_pkcs7_deinit(p7);
	if (g < 0) {
		return sv_errf(err, g == GNUTLS_E_MEMORY_ERROR ? SV_ENOMEM :
			SV_EINVAL, "sign: %s", gnutls_strerror(g));
	}
	return SV_OK;
}

int sv_sign_cms_sign(struct sv_sign_cms *s, const void *data, size_t len,
		struct sv_buf *out, struct sv_err *err) {
	if (len > 0xffffffffu) { /* gnutls_datum_t sizes are unsigned int */
		sv_buf_finish(out);
		return sv_errf(err, SV_ETOOBIG, "sign: document too large");
	}
	const gnutls_datum_t in = {
		.data = (unsigned char *)(uintptr_t)data,
		.size = (unsigned)len,
	};
	gnutls_datum_t der = { NULL, 0 };
	pthread_mutex_lock(&s->lock);
	int rc = sign_locked(s, &in, &der, err);
	pthread_mutex_unlock(&s->lock);
	if (rc != SV_OK) {
		sv_buf_finish(out);
		return rc;
	}
	rc = sv_buf_append(out, der.data, der.size);
	gnutls_free(der.data);
	if (rc != SV_OK) {
		return sv_errf(err, rc, "sign: %s", sv_rc_str(rc));
	}
	return SV_OK;
}

time_t sv_sign_cms_expires(const struct sv_sign_cms *s) {
	return s->expires;
}

const char *sv_sign_cms_subject(const struct sv_sign_cms *s) {
	return s->subject;
}
