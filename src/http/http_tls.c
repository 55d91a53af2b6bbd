/* SPDX-License-Identifier: MIT */
/*
 * TLS credentials of the HTTPS listeners, re-readable while serving.
 *
 * libmicrohttpd hands GnuTLS a certificate-retrieve callback
 * (MHD_OPTION_HTTPS_CERT_CALLBACK) instead of fixed PEM bytes, so a
 * certificate renewed on disk is picked up on SIGHUP without restarting a
 * daemon or dropping a connection: sv_http_tls_reload() loads and checks
 * the new pair off the request path, then swaps one atomic pointer; the
 * next handshake uses it, handshakes in progress keep the pair they got.
 *
 * GnuTLS's callback has no user pointer, so the current pair is the one
 * file-scope variable of the front end; hence at most one struct
 * sv_http_tls exists at a time (one process, one certificate). GnuTLS
 * does not free what the callback returns, and a session may use it after
 * the handshake, so replaced pairs are kept (a few KiB each, one per
 * reload) until sv_http_tls_destroy(), which runs after the daemons stop.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "http/http_tls.h"
#include "util/alloc.h"

#define MAX_CHAIN 16 /* certificates in one chain file */

/* One certificate chain and its key, immutable once published. */
struct creds {
	gnutls_pcert_st pcert[MAX_CHAIN]; /* owned, n of them */
	unsigned n;
	gnutls_privkey_t key;  /* owned */
	struct creds *older;   /* owned: the pair this one replaced */
};

struct sv_http_tls {
	char *cert_path; /* owned copies: argv outlives us, but be safe */
	char *key_path;
	struct creds *newest; /* owned; head of the ->older list */
};

static _Atomic(struct creds *) current; /* borrowed from the sv_http_tls */
static atomic_bool exists;

static void creds_free(struct creds *cr) {
	while (cr != NULL) {
		struct creds *older = cr->older;
		for (unsigned i = 0; i < cr->n; i++) {
			gnutls_pcert_deinit(&cr->pcert[i]);
		}
		if (cr->key != NULL) {
			gnutls_privkey_deinit(cr->key);
		}
		sv_free(cr);
		cr = older;
	}
}

/* The pair must belong together: let GnuTLS's own check say so. */
static int check_pair(const gnutls_datum_t *c, const gnutls_datum_t *k,
		const char *cert, struct sv_err *err) {
	gnutls_certificate_credentials_t x;
	if (gnutls_certificate_allocate_credentials(&x) < 0) {
		return sv_errf(err, SV_ENOMEM, "tls: out of memory");
	}
	int g = gnutls_certificate_set_x509_key_mem2(x, c, k,
		GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(x);
	if (g < 0) {
		return sv_errf(err, SV_EINVAL, "tls: %s and its key: %s", cert,
			gnutls_strerror(g));
	}
	return SV_OK;
}

/* Reads and checks a pair; NULL with *rc (SV_EIO, SV_EINVAL, SV_ENOMEM). */
static struct creds *creds_load(const char *cert, const char *key, int *rc,
		struct sv_err *err) {
	gnutls_datum_t c = { NULL, 0 }, k = { NULL, 0 };
	struct creds *cr = NULL;
	int g;
	if ((g = gnutls_load_file(cert, &c)) < 0) {
		*rc = sv_errf(err, SV_EIO, "tls: %s: cannot read (%s)", cert,
			gnutls_strerror(g));
		goto fail;
	}
	if ((g = gnutls_load_file(key, &k)) < 0) {
		*rc = sv_errf(err, SV_EIO, "tls: %s: cannot read (%s)", key,
			gnutls_strerror(g));
		goto fail;
	}
	if ((*rc = check_pair(&c, &k, cert, err)) != SV_OK) {
		goto fail;
	}
	if ((cr = sv_calloc(1, sizeof(*cr))) == NULL) {
		*rc = sv_errf(err, SV_ENOMEM, "tls: out of memory");
		goto fail;
	}
	unsigned n = MAX_CHAIN;
	g = gnutls_pcert_list_import_x509_raw(cr->pcert, &n, &c,
		GNUTLS_X509_FMT_PEM, 0);
	if (g < 0 || n == 0) {
		*rc = sv_errf(err, SV_EINVAL, "tls: %s: not a PEM certificate chain "
			"of at most %d certificates (%s)", cert, MAX_CHAIN,
			gnutls_strerror(g));
		goto fail;
	}
	cr->n = n;
	if (gnutls_privkey_init(&cr->key) < 0) {
		cr->key = NULL;
		*rc = sv_errf(err, SV_ENOMEM, "tls: out of memory");
		goto fail;
	}
	g = gnutls_privkey_import_x509_raw(cr->key, &k, GNUTLS_X509_FMT_PEM,
		NULL, 0);
	if (g < 0) {
		*rc = sv_errf(err, SV_EINVAL, "tls: %s: not an unencrypted PEM key "
			"(%s)", key, gnutls_strerror(g));
		goto fail;
	}
	gnutls_free(c.data);
	gnutls_memset(k.data, 0, k.size);
	gnutls_free(k.data);
	return cr;
fail:
	creds_free(cr);
	gnutls_free(c.data);
	if (k.data != NULL) {
		gnutls_memset(k.data, 0, k.size);
	}
	gnutls_free(k.data);
	return NULL;
}

int sv_http_tls_retrieve(gnutls_session_t s, const gnutls_datum_t *ca_rdn,
		int nreqs, const gnutls_pk_algorithm_t *algos, int nalgos,
		gnutls_pcert_st **pcert, unsigned int *pcert_length,
		gnutls_privkey_t *privkey) {
	(void)s;
	(void)ca_rdn;
	(void)nreqs;
	(void)algos;
	(void)nalgos;
	struct creds *cr = atomic_load(&current);
	if (cr == NULL) {
		return -1;
	}
	*pcert = cr->pcert;
	*pcert_length = cr->n;
	*privkey = cr->key;
	return 0;
}

struct sv_http_tls *sv_http_tls_create(const char *cert, const char *key,
		int *rc, struct sv_err *err) {
	*rc = SV_OK;
	if (atomic_exchange(&exists, true)) {
		*rc = sv_errf(err, SV_EINVAL, "tls: one set of credentials "
			"only");
		return NULL;
	}
	struct sv_http_tls *t = sv_calloc(1, sizeof(*t));
	if (t == NULL || (t->cert_path = sv_strdup(cert)) == NULL ||
			(t->key_path = sv_strdup(key)) == NULL) {
		*rc = sv_errf(err, SV_ENOMEM, "tls: out of memory");
		goto fail;
	}
	if ((t->newest = creds_load(cert, key, rc, err)) == NULL) {
		goto fail;
	}
	atomic_store(&current, t->newest);
	return t;
fail:
	sv_http_tls_destroy(t);
	atomic_store(&exists, false);
	return NULL;
}

int sv_http_tls_reload(struct sv_http_tls *t, struct sv_err *err) {
	int rc = SV_OK;
	struct creds *cr = creds_load(t->cert_path, t->key_path, &rc, err);
	if (cr == NULL) {
		return rc;
	}
	cr->older = t->newest;
	t->newest = cr;
	atomic_store(&current, cr);
	return SV_OK;
}

void sv_http_tls_destroy(struct sv_http_tls *t) {
	if (t == NULL) {
		return;
	}
	atomic_store(&current, NULL);
	creds_free(t->newest);
	sv_free(t->cert_path);
	sv_free(t->key_path);
	sv_free(t);
	atomic_store(&exists, false);
}
