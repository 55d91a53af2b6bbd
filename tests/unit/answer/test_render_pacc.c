/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/model/pacc.c and src/answer/render_pacc.c (issue #19):
 * what PACC can say of a provider (all or nothing, with the reason), and
 * the document's exact bytes: sorted keys, no white space, the same on
 * every build, %EMAILDOMAIN% the only slot.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "answer/render_dns.h"
#include "answer/render_pacc.h"
#include "model/pacc.h"
#include "util/alloc.h"

#include "test_support.h"

static struct sv_provider *provider(void) {
	struct sv_provider *pv = sv_test_provider_new("p.example", "P Mail",
		NULL);
	assert_int_equal(sv_provider_add_domain(pv, "p.example"), SV_OK);
	return pv;
}

static struct sv_server *server(struct sv_provider *pv,
		enum sv_server_type type, const char *host, int port,
		enum sv_socket sock, enum sv_auth auth) {
	const struct sv_test_server sp = { type, host, port, sock, NULL,
		{ auth }, 1, NULL };
	return sv_test_add_server(pv, &sp);
}

/* A sayable provider: imap 993, smtp 465. */
static struct sv_provider *sayable(void) {
	struct sv_provider *pv = provider();
	server(pv, SV_SERVER_IMAP, "imap.%EMAILDOMAIN%", 993, SV_SOCKET_SSL,
		SV_AUTH_PASSWORD_CLEARTEXT);
	server(pv, SV_SERVER_SMTP, "smtp.p.example", 465, SV_SOCKET_SSL,
		SV_AUTH_PASSWORD_ENCRYPTED);
	return pv;
}

/* The document pv's answer gives for domain, into out (size n). */
static int document(const struct sv_provider *pv, const char *domain,
		char *out, size_t n) {
	struct sv_answer *a = NULL;
	struct sv_err err = { "" };
	int rc = sv_render_pacc(pv, NULL, &a, &err);
	if (rc != SV_OK || a == NULL) {
		return rc != SV_OK ? rc : SV_ENOTFOUND;
	}
	struct sv_buf b;
	sv_buf_init(&b, 1 << 16);
	struct sv_answer_facts f = { .domain = domain };
	rc = sv_answer_fill(a, &f, &b);
	assert_int_equal(rc, SV_OK);
	assert_true(b.len < n);
	memcpy(out, b.data, b.len + 1);
	assert_string_equal(a->content_type, "application/json");
	sv_buf_finish(&b);
	sv_answer_destroy(a);
	return SV_OK;
}

/* sv_pacc_view's refusal for pv, which must contain want. */
static void refused(const struct sv_provider *pv, const char *want) {
	struct sv_pacc_view v;
	struct sv_err err = { "" };
	char doc[4096];
	assert_int_equal(sv_pacc_view(pv, NULL, &v, &err), SV_EINVAL);
	if (strstr(err.msg, want) == NULL) {
		fail_msg("'%s' lacks '%s'", err.msg, want);
	}
	assert_int_equal(document(pv, "p.example", doc, sizeof(doc)),
		SV_ENOTFOUND);
}

static void test_exact_bytes(void **state) {
	(void)state;
	struct sv_provider *pv = sayable();
	pv->short_name = sv_strdup("P");
	pv->oauth2.issuer = sv_strdup("login.p.example");
	pv->servers[1].auth[pv->servers[1].n_auth++] = SV_AUTH_OAUTH2;
	sv_test_add_service(pv, SV_SERVICE_CALDAV,
		"https://dav.%EMAILDOMAIN%/cal/", NULL, NULL);
	sv_test_add_service(pv, SV_SERVICE_WEBDAV,
		"https://files.p.example:443/f/", NULL, NULL);
	/* an alternative PACC cannot say is not a loss: 993 is said */
	server(pv, SV_SERVER_IMAP, "imap.p.example", 143, SV_SOCKET_STARTTLS,
		SV_AUTH_PASSWORD_CLEARTEXT);
	/* nor a type PACC has no key for (the default branch) */
	struct sv_server *ews = server(pv, SV_SERVER_EWS, NULL, 0,
		SV_SOCKET_NONE, SV_AUTH_PASSWORD_CLEARTEXT);
	ews->url = sv_strdup("https://ews.p.example/EWS/Exchange.asmx");
	char doc[4096], again[4096];
	assert_int_equal(document(pv, "shop.example", doc, sizeof(doc)),
		SV_OK);
	assert_string_equal(doc, "{\"authentication\":{\"oauth-public\":"
		"{\"issuer\":\"https://login.p.example\"},\"password\":true},"
		"\"info\":{\"provider\":{\"name\":\"P Mail\",\"shortName\":\"P\"}},"
		"\"protocols\":{\"caldav\":{\"url\":\"https://dav.shop.example/"
		"cal/\"},\"imap\":{\"host\":\"imap.shop.example\"},\"submit\":"
		"{\"host\":\"smtp.p.example\"},\"webdav\":{\"url\":"
		"\"https://files.p.example:443/f/\"}}}");
	assert_int_equal(document(pv, "shop.example", again, sizeof(again)),
		SV_OK);
	assert_string_equal(doc, again);
	/* the digest `suivant dns` publishes: SHA-256, standard base64 */
	char txt[SV_DNS_TXT_MAX + 1];
	struct sv_err err = { "" };
	assert_int_equal(sv_dns_pacc_text("abc", 3, txt, sizeof(txt), &err),
		SV_OK);
	assert_string_equal(txt, "v=UAAC1; a=sha256; "
		"d=ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
	sv_provider_destroy(pv);
}

/* JMAP is said by its session URL like the DAV services; the account
 * types PACC has no key for (ActiveSync, EWS) are left out, the rest of
 * the provider still said; a JMAP URL off port 443 is refused. */
static void test_jmap_and_accounts(void **state) {
	(void)state;
	struct sv_provider *pv = sayable();
	sv_test_add_service(pv, SV_SERVICE_ACTIVESYNC,
		"https://eas.p.example/Microsoft-Server-ActiveSync", NULL, NULL);
	sv_test_add_service(pv, SV_SERVICE_JMAP,
		"https://jmap.%EMAILDOMAIN%/jmap/", NULL, NULL);
	sv_test_add_service(pv, SV_SERVICE_EWS,
		"https://ews.p.example/EWS/Exchange.asmx", NULL, NULL);
	char doc[4096];
	assert_int_equal(document(pv, "shop.example", doc, sizeof(doc)),
		SV_OK);
	assert_string_equal(doc, "{\"authentication\":{\"password\":true},"
		"\"info\":{\"provider\":{\"name\":\"P Mail\"}},"
		"\"protocols\":{\"imap\":{\"host\":\"imap.shop.example\"},"
		"\"jmap\":{\"url\":\"https://jmap.shop.example/jmap/\"},"
		"\"submit\":{\"host\":\"smtp.p.example\"}}}");
	sv_provider_destroy(pv);
	pv = sayable();
	sv_test_add_service(pv, SV_SERVICE_JMAP,
		"https://jmap.p.example:8443/jmap/", NULL, NULL);
	refused(pv, "jmap: service");
	sv_provider_destroy(pv);
}

static void test_unsayable(void **state) {
	(void)state;
	/* STARTTLS submission only */
	struct sv_provider *pv = sayable();
	pv->servers[1].port = 587;
	pv->servers[1].socket = SV_SOCKET_STARTTLS;
	refused(pv, "submit: its servers use STARTTLS, no TLS or another "
		"port, and PACC says only implicit TLS on port 465");
	sv_provider_destroy(pv);
	/* implicit TLS on another port */
	pv = sayable();
	pv->servers[0].port = 1993;
	refused(pv, "imap: its servers use STARTTLS");
	sv_provider_destroy(pv);
	/* a host that needs the address */
	pv = sayable();
	sv_free(pv->servers[0].hostname);
	pv->servers[0].hostname = sv_strdup("%EMAILLOCALPART%.imap.p.example");
	refused(pv, "imap: a host name that needs the user's address");
	sv_provider_destroy(pv);
	/* a login PACC has no word for */
	pv = sayable();
	pv->servers[0].auth[0] = SV_AUTH_GSSAPI;
	refused(pv, "imap: no password or OAuth2 (with an issuer) login");
	pv->servers[0].auth[0] = SV_AUTH_OAUTH2; /* no issuer */
	refused(pv, "imap: no password or OAuth2");
	sv_provider_destroy(pv);
	/* services: address, plain http, port, no context path; a url,
	 * and why it is refused */
	static const struct sv_test_str_case bad[] = {
		{ "https://dav.p.example/%EMAILADDRESS%/", "needs the user's "
			"address" },
		{ "https://dav.p.example/c/?u=%EMAILLOCALPART%", "needs the "
			"user's address" },
		{ "http://dav.p.example/c/", "not an https URL" },
		{ "https://dav.p.example:8443/c/", "not on port 443" },
		{ "https://dav.p.example/", "no context path" },
		{ "https://dav.p.example/?x=1", "no context path" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		pv = sayable();
		sv_test_add_service(pv, SV_SERVICE_CARDDAV, bad[i].in, NULL,
			NULL);
		refused(pv, bad[i].want);
		sv_provider_destroy(pv);
	}
	/* names: required, never shortened (the validator refuses these
	 * too; data written around it still gets no document) */
	pv = sayable();
	sv_free(pv->display_name);
	pv->display_name = NULL;
	refused(pv, "no display name");
	pv->display_name = sv_strdup("123456789 123456789 123456789 "
		"123456789 123456789 123456789 1");
	refused(pv, "display name over 60 characters");
	sv_free(pv->display_name);
	/* 60 two-byte characters are 60 characters */
	char name[121];
	for (size_t i = 0; i < 60; i++) {
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	}
	name[120] = '\0';
	pv->display_name = sv_strdup(name);
	pv->short_name = sv_strdup("123456789 123456789 1");
	refused(pv, "short name over 20 characters");
	sv_free(pv->short_name);
	pv->short_name = sv_strdup("%EMAILLOCALPART%");
	refused(pv, "display name that needs the user's address");
	sv_free(pv->short_name);
	pv->short_name = NULL;
	char doc[4096];
	assert_int_equal(document(pv, "p.example", doc, sizeof(doc)), SV_OK);
	sv_provider_destroy(pv);
	/* nothing PACC can say at all */
	pv = provider();
	struct sv_server *ews = server(pv, SV_SERVER_EWS, NULL, 0,
		SV_SOCKET_NONE, SV_AUTH_PASSWORD_CLEARTEXT);
	ews->url = sv_strdup("https://ews.p.example/EWS/Exchange.asmx");
	refused(pv, "no protocol PACC can say");
	sv_provider_destroy(pv);
}

/* A domain with servers of its own has a view of its own. */
static void test_domain_view(void **state) {
	(void)state;
	struct sv_provider *pv = sayable();
	assert_int_equal(sv_provider_add_domain(pv, "own.example"), SV_OK);
	struct sv_server *own = server(pv, SV_SERVER_SMTP, "smtp.own.example",
		587, SV_SOCKET_STARTTLS, SV_AUTH_PASSWORD_CLEARTEXT);
	own->domain = sv_strdup("own.example");
	struct sv_pacc_view v;
	struct sv_err err = { "" };
	assert_int_equal(sv_pacc_view(pv, NULL, &v, &err), SV_OK);
	assert_ptr_equal(v.server[SV_PACC_SUBMIT], &pv->servers[1]);
	assert_null(v.server[SV_PACC_POP3]);
	assert_int_equal(sv_pacc_view(pv, "own.example", &v, &err),
		SV_EINVAL);
	assert_non_null(strstr(err.msg, "submit:"));
	assert_string_equal(sv_pacc_protocol_key(SV_PACC_SUBMIT), "submit");
	assert_string_equal(sv_pacc_protocol_key(SV_PACC_PROTOCOL_COUNT),
		"?");
	sv_provider_destroy(pv);
}

/* Every allocation failure while rendering is SV_ENOMEM or no answer,
 * never a crash or a leak (ASan). jansson allocates with malloc, so
 * only the builder's allocations fail here. */
static void test_alloc_failures(void **state) {
	(void)state;
	struct sv_provider *pv = sayable();
	for (long n = 0; n < 200; n++) {
		struct sv_answer *a = NULL;
		struct sv_err err = { "" };
		sv_alloc_fail_after(n);
		int rc = sv_render_pacc(pv, NULL, &a, &err);
		sv_alloc_fail_after(-1);
		assert_true(rc == SV_OK || rc == SV_ENOMEM);
		sv_answer_destroy(a);
		if (rc == SV_OK) {
			break;
		}
	}
	sv_provider_destroy(pv);
}

/* The TXT record as clients read it: tags in any order, spaces around
 * them, unknown ones ignored; v, a and d required, each once. */
static void test_txt_digest(void **state) {
	(void)state;
	/* a TXT record's text, and the digest read (NULL: refused) */
	static const struct sv_test_str_case cases[] = {
		{ SV_PACC_TXT_PREFIX "abc=", "abc=" },
		{ "v=UAAC1;a=sha256;d=abc=", "abc=" },
		{ " d = abc= ; x=1; a=sha256 ;v=UAAC1;", "abc=" },
		{ "v=UAAC1; a=sha256; d=", "" },
		{ "v=UAAC1; a=sha256", NULL },
		{ "v=UAAC2; a=sha256; d=abc=", NULL },
		{ "v=UAAC1; a=sha512; d=abc=", NULL },
		{ "v=UAAC1; a=sha256; d=abc=; d=def=", NULL },
		{ "v=UAAC1; v=UAAC1; a=sha256; d=abc=", NULL },
		{ "V=UAAC1; a=sha256; d=abc=", NULL },
		{ "path=/cal/", NULL },
		{ "", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *d = NULL;
		size_t n = 0;
		bool is = sv_pacc_txt_digest(cases[i].in, &d, &n);
		if (cases[i].want == NULL) {
			assert_false(is);
			continue;
		}
		assert_true(is);
		assert_int_equal(n, strlen(cases[i].want));
		assert_memory_equal(d, cases[i].want, n);
	}
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_unsayable),
		cmocka_unit_test(test_jmap_and_accounts),
		cmocka_unit_test(test_domain_view),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_txt_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
