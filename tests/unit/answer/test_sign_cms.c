/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/answer/sign_cms.c (issue #6): a throw-away key and self-signed
 * certificate are made with GnuTLS in a temporary directory; profiles
 * signed with them must verify with GnuTLS's own PKCS #7 verifier and
 * embed the exact bytes; bad files, a key of another certificate and a
 * chain file without certificates are refused with a message naming the
 * file. (tests/mobileconfig/run.py verifies with openssl too, with a real
 * CA and intermediate.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/pkcs7.h>
#include <gnutls/x509.h>

#include "answer/sign_cms.h"
#include "util/alloc.h"
#include "util/buf.h"

#include "test_base.h"

static char dir[] = "/tmp/sv-sign-cms-XXXXXX";
static char cert_path[128], key_path[128], other_key_path[128];
static char chain_path[128], junk_path[128], empty_chain_path[128];

static void write_file(const char *path, const void *data, size_t len) {
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void make_path(char *out, const char *name) {
	int n = snprintf(out, 128, "%s/%s", dir, name);
	assert_true(n > 0 && n < 128);
}

static gnutls_x509_privkey_t new_key(const char *path) {
	gnutls_x509_privkey_t key;
	assert_int_equal(gnutls_x509_privkey_init(&key), 0);
	assert_int_equal(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	gnutls_datum_t pem;
	assert_int_equal(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM,
		&pem), 0);
	write_file(path, pem.data, pem.size);
	gnutls_free(pem.data);
	return key;
}

/* A self-signed signing certificate for key, written as PEM to path. */
static void new_cert(gnutls_x509_privkey_t key, const char *path,
		const char *cn) {
	gnutls_x509_crt_t crt;
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
	unsigned char serial[] = { 0x01, 0x23 };
	assert_int_equal(gnutls_x509_crt_set_serial(crt, serial,
		sizeof(serial)), 0);
	time_t now = time(NULL);
	assert_int_equal(gnutls_x509_crt_set_activation_time(crt, now - 60),
		0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(crt,
		now + 86400), 0);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(crt,
		GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned)strlen(cn)), 0);
	assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
	assert_int_equal(gnutls_x509_crt_set_key_usage(crt,
		GNUTLS_KEY_DIGITAL_SIGNATURE), 0);
	assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key,
		GNUTLS_DIG_SHA256, 0), 0);
	gnutls_datum_t pem;
	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM,
		&pem), 0);
	write_file(path, pem.data, pem.size);
	gnutls_free(pem.data);
	gnutls_x509_crt_deinit(crt);
}

static int setup(void **state) {
	(void)state;
	if (mkdtemp(dir) == NULL) {
		return -1;
	}
	make_path(cert_path, "sign.pem");
	make_path(key_path, "sign.key");
	make_path(other_key_path, "other.key");
	make_path(chain_path, "chain.pem");
	make_path(junk_path, "junk.txt");
	make_path(empty_chain_path, "empty.pem");
	gnutls_x509_privkey_t key = new_key(key_path);
	new_cert(key, cert_path, "suivant unit signer");
	gnutls_x509_privkey_deinit(key);
	key = new_key(other_key_path);
	new_cert(key, chain_path, "suivant unit intermediate");
	gnutls_x509_privkey_deinit(key);
	write_file(junk_path, "not a certificate\n", 18);
	write_file(empty_chain_path, "", 0);
	return 0;
}

static int teardown(void **state) {
	(void)state;
	const char *paths[] = { cert_path, key_path, other_key_path,
		chain_path, junk_path, empty_chain_path };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		unlink(paths[i]);
	}
	rmdir(dir);
	return 0;
}

/* Verifies der with GnuTLS and checks it embeds data; returns #certs. */
static unsigned verify(const struct sv_buf *der, const char *data) {
	gnutls_pkcs7_t p7;
	assert_int_equal(gnutls_pkcs7_init(&p7), 0);
	const gnutls_datum_t in = { (unsigned char *)der->data,
		(unsigned)der->len };
	assert_int_equal(gnutls_pkcs7_import(p7, &in, GNUTLS_X509_FMT_DER), 0);
	gnutls_datum_t raw;
	assert_int_equal(gnutls_pkcs7_get_crt_raw2(p7, 0, &raw), 0);
	gnutls_x509_crt_t signer;
	assert_int_equal(gnutls_x509_crt_init(&signer), 0);
	assert_int_equal(gnutls_x509_crt_import(signer, &raw,
		GNUTLS_X509_FMT_DER), 0);
	gnutls_free(raw.data);
	assert_int_equal(gnutls_pkcs7_verify_direct(p7, signer, 0, NULL, 0),
		0);
	gnutls_datum_t embedded;
	assert_int_equal(gnutls_pkcs7_get_embedded_data(p7, 0, &embedded), 0);
	assert_int_equal(embedded.size, strlen(data));
	assert_memory_equal(embedded.data, data, embedded.size);
	gnutls_free(embedded.data);
	unsigned n = (unsigned)gnutls_pkcs7_get_crt_count(p7);
	gnutls_x509_crt_deinit(signer);
	gnutls_pkcs7_deinit(p7);
	return n;
}

static const char profile[] = "<?xml version=\"1.0\"?>\n<plist "
	"version=\"1.0\"><dict/></plist>\n";

static void test_sign_and_verify(void **state) {
	(void)state;
	struct sv_err err = { "" };
	struct sv_sign_cms *s = sv_sign_cms_create(cert_path, key_path, NULL,
		&err);
	if (s == NULL) {
		fail_msg("create: %s", err.msg);
	}
	assert_non_null(strstr(sv_sign_cms_subject(s), "suivant unit signer"));
	assert_true(sv_sign_cms_expires(s) > time(NULL));
	struct sv_buf out;
	sv_buf_init(&out, 64 * 1024);
	assert_int_equal(sv_sign_cms_sign(s, profile, strlen(profile), &out,
		&err), SV_OK);
	assert_int_equal((unsigned char)out.data[0], 0x30); /* DER SEQUENCE */
	assert_int_equal(verify(&out, profile), 1);
	sv_buf_finish(&out);
	/* the output limit is the caller's */
	sv_buf_init(&out, 64);
	assert_int_equal(sv_sign_cms_sign(s, profile, strlen(profile), &out,
		&err), SV_ETOOBIG);
	assert_null(out.data);
	sv_sign_cms_destroy(s);
	sv_sign_cms_destroy(NULL);
}

static void test_chain_included(void **state) {
	(void)state;
	struct sv_err err = { "" };
	struct sv_sign_cms *s = sv_sign_cms_create(cert_path, key_path,
		chain_path, &err);
	assert_non_null(s);
	struct sv_buf out;
	sv_buf_init(&out, 64 * 1024);
	assert_int_equal(sv_sign_cms_sign(s, profile, strlen(profile), &out,
		&err), SV_OK);
	assert_int_equal(verify(&out, profile), 2);
	sv_buf_finish(&out);
	sv_sign_cms_destroy(s);
}

static void test_refusals(void **state) {
	(void)state;
	struct sv_err err = { "" };
	assert_null(sv_sign_cms_create("/nonexistent/x.pem", key_path, NULL,
		&err));
	assert_non_null(strstr(err.msg, "/nonexistent/x.pem"));
	assert_null(sv_sign_cms_create(junk_path, key_path, NULL, &err));
	assert_non_null(strstr(err.msg, "not a certificate"));
	assert_null(sv_sign_cms_create(cert_path, junk_path, NULL, &err));
	assert_non_null(strstr(err.msg, "private key"));
	assert_null(sv_sign_cms_create(cert_path, other_key_path, NULL, &err));
	assert_non_null(strstr(err.msg, "is not the key"));
	assert_null(sv_sign_cms_create(cert_path, key_path, empty_chain_path,
		&err));
	assert_non_null(strstr(err.msg, "sign-chain"));
	assert_null(sv_sign_cms_create(cert_path, key_path, junk_path, &err));
	assert_null(sv_sign_cms_create(junk_path, key_path, NULL, NULL));
	assert_non_null(strstr(err.msg, "sign-chain")); /* err untouched */
}

/* Our allocations fail one by one: NULL / SV_ENOMEM, never a crash. */
static void test_alloc_failures(void **state) {
	(void)state;
	struct sv_sign_cms *s = NULL;
	for (long n = 0; s == NULL; n++) {
		sv_alloc_fail_after(n);
		s = sv_sign_cms_create(cert_path, key_path, chain_path, NULL);
		sv_alloc_fail_after(-1);
		assert_true(n < 100);
	}
	for (long n = 0;; n++) {
		struct sv_buf out;
		sv_buf_init(&out, 64 * 1024);
		sv_alloc_fail_after(n);
		int rc = sv_sign_cms_sign(s, profile, strlen(profile), &out,
			NULL);
		sv_alloc_fail_after(-1);
		if (rc == SV_OK) {
			assert_int_equal(verify(&out, profile), 2);
			sv_buf_finish(&out);
			break;
		}
		assert_int_equal(rc, SV_ENOMEM);
		assert_null(out.data);
	}
	sv_sign_cms_destroy(s);
}

SV_TEST_MAIN(setup, teardown,
	cmocka_unit_test(test_sign_and_verify),
	cmocka_unit_test(test_chain_included),
	cmocka_unit_test(test_refusals),
	cmocka_unit_test(test_alloc_failures),
)
