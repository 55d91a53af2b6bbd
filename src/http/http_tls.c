/* SPDX-License-Identifier: MIT */
/*
 * TLS credentials of the HTTPS listeners, re-readable while serving, and
 * the session-ticket key that lets clients resume.
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
 *
 * Session tickets (RFC 5077 for TLS 1.2, RFC 8446 4.6.1 for 1.3): a
 * client that comes back resumes with a ticket instead of a full
 * handshake (no certificate signature; a resumed TLS 1.2 handshake has no
 * key exchange at all), half the CPU of a full ECDSA handshake and a
 * fifth of an RSA-2048 one here (tests/bench/RESULTS.md). GnuTLS turns
 * them on per session, from a 64-byte master key, which it copies; the
 * front end calls sv_http_tls_session_start() for each new TLS connection,
 * before the handshake (MHD's connection notification).
 *
 * Why the key is sound to keep in memory:
 *  - it is random (gnutls_rnd, GNUTLS_RND_KEY), made at start, never
 *    written anywhere, and shared by no other process;
 *  - it is replaced by a fresh random key every TICKET_ROTATE_S seconds
 *    (by the first handshake after the period ends) and on every
 *    successful certificate reload, and the old key's bytes are
 *    overwritten. GnuTLS derives the key that encrypts tickets from the
 *    master key and the time (stek.c, SHA3-512 per period), so a master
 *    key could decrypt every ticket made under it: replacing it bounds
 *    what a leak of this process's memory exposes to the tickets of the
 *    last period, and tickets made before a rotation simply fail to
 *    decrypt (the client does a full handshake). nginx's default, one
 *    random key for the life of the process, is weaker;
 *  - tickets are announced for TICKET_ROTATE_S seconds, so clients do not
 *    keep them much longer than they can work;
 *  - TLS 1.3 resumption with an OpenSSL or GnuTLS client uses
 *    psk_dhe_ke, a fresh ECDHE share, so even a stolen ticket key does
 *    not decrypt recorded TLS 1.3 traffic; a TLS 1.2 resumption reuses
 *    the master secret, which is what the rotation bounds;
 *  - no 0-RTT (early data is not enabled), so no replay.
 * The key is read by every MHD thread at connection start and written by
 * whoever rotates it: a sequence lock over eight atomic words (readers
 * never wait on a lock and never see a torn key; one writer at a time,
 * chosen by a compare-and-swap).
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "http/http_tls.h"
#include "util/alloc.h"

#define MAX_CHAIN 16 /* certificates in one chain file */
#define TICKET_ROTATE_S 3600 /* a ticket key's life, and a ticket's */
#define TICKET_WORDS 8 /* 64 bytes: GnuTLS's master key size */

/* One certificate chain and its key, immutable once published. */
struct creds {
	gnutls_pcert_st pcert[MAX_CHAIN]; /* owned, n of them */
	unsigned n;
	gnutls_privkey_t key;  /* owned */
	struct creds *older;   /* owned: the pair this one replaced */
};

/* The session-ticket master key under a sequence lock (see the top). */
struct ticket_key {
	atomic_uint seq;              /* odd while a writer is at work */
	_Atomic uint64_t words[TICKET_WORDS];
	_Atomic long long made;       /* CLOCK_MONOTONIC seconds */
	atomic_bool writing;          /* a writer was chosen */
};

struct sv_http_tls {
	char *cert_path; /* owned copies: argv outlives us, but be safe */
	char *key_path;
	struct creds *newest; /* owned; head of the ->older list */
	struct ticket_key ticket;
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

static long long mono_s(void) {
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		return 0; /* cannot happen with CLOCK_MONOTONIC */
	}
	return (long long)ts.tv_sec;
}

/*
 * Writes a fresh random key, unless another thread is writing one (then
 * that one will do). SV_OK, or SV_EIO when the random generator failed
 * (the old key stays: still random, only older).
 */
static int ticket_rotate(struct ticket_key *tk) {
	if (atomic_exchange(&tk->writing, true)) {
		return SV_OK;
	}
	uint64_t w[TICKET_WORDS];
	int rc = SV_OK;
	if (gnutls_rnd(GNUTLS_RND_KEY, w, sizeof(w)) < 0) {
		rc = SV_EIO;
	} else {
		unsigned s = atomic_load_explicit(&tk->seq,
			memory_order_relaxed);
		atomic_store_explicit(&tk->seq, s + 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
		for (size_t i = 0; i < TICKET_WORDS; i++) {
			atomic_store_explicit(&tk->words[i], w[i],
				memory_order_relaxed);
		}
		atomic_store_explicit(&tk->seq, s + 2, memory_order_release);
		atomic_store(&tk->made, mono_s());
	}
	gnutls_memset(w, 0, sizeof(w));
	atomic_store(&tk->writing, false);
	return rc;
}

/* A consistent copy of the current key. */
static void ticket_read(struct ticket_key *tk, uint64_t w[TICKET_WORDS]) {
	unsigned s1, s2;
	do {
		s1 = atomic_load_explicit(&tk->seq, memory_order_acquire);
		for (size_t i = 0; i < TICKET_WORDS; i++) {
			w[i] = atomic_load_explicit(&tk->words[i],
				memory_order_relaxed);
		}
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load_explicit(&tk->seq, memory_order_relaxed);
	} while ((s1 & 1) != 0 || s1 != s2);
}

int sv_http_tls_session_start(struct sv_http_tls *t, gnutls_session_t s) {
	if (mono_s() - atomic_load(&t->ticket.made) >= TICKET_ROTATE_S) {
		(void)ticket_rotate(&t->ticket); /* SV_EIO: the old key stays */
	}
	uint64_t w[TICKET_WORDS];
	ticket_read(&t->ticket, w);
	const gnutls_datum_t key = { (unsigned char *)w, sizeof(w) };
	int g = gnutls_session_ticket_enable_server(s, &key); /* copies */
	gnutls_memset(w, 0, sizeof(w));
	if (g < 0) {
		return SV_EINVAL;
	}
	/* the ticket lifetime hint, and how long GnuTLS accepts one */
	gnutls_db_set_cache_expiration(s, TICKET_ROTATE_S);
	return SV_OK;
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
	if (ticket_rotate(&t->ticket) != SV_OK) {
		*rc = sv_errf(err, SV_EIO, "tls: no random bytes for the "
			"session-ticket key");
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
	/* sessions made under the replaced certificate are not resumed;
	 * on SV_EIO the old key stays, as on any missed rotation */
	(void)ticket_rotate(&t->ticket);
	return SV_OK;
}

void sv_http_tls_destroy(struct sv_http_tls *t) {
	if (t == NULL) {
		return;
	}
	atomic_store(&current, NULL);
	creds_free(t->newest);
	for (size_t i = 0; i < TICKET_WORDS; i++) { /* nothing of it stays */
		atomic_store(&t->ticket.words[i], 0);
	}
	sv_free(t->cert_path);
	sv_free(t->key_path);
	sv_free(t);
	atomic_store(&exists, false);
}
