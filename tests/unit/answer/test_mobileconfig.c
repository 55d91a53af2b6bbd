/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/answer/render_mobileconfig.c and the slots it added to
 * src/answer/answer.c (issue #6): providers built in C, rendered, filled for an
 * address and compared byte for byte with
 * tests/data/golden/mobileconfig/<case>.plist (SUIVANT_UPDATE_GOLDEN=1
 * rewrites them; review the diff); every output is parsed back with
 * libxml2 (plist DOCTYPE, root, no password key). The UUIDs expected below
 * were computed with Python's uuid.uuid5, an independent implementation.
 * Allocation failures are injected in our allocations and libxml2's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "answer/answer.h"
#include "answer/render_mobileconfig.h"
#include "model/model.h"
#include "test_support.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "xml_testing.h"

#ifndef SV_SOURCE_ROOT
#error "SV_SOURCE_ROOT must name the source tree"
#endif

#define GOLDEN_DIR SV_SOURCE_ROOT "/tests/data/golden/mobileconfig/"

/* uuid.uuid5(NAMESPACE, "profile:" / "mail:" + "jean.dupont@example.fr") */
#define JEAN_PROFILE "2C74CC80-32E7-55A6-98FA-D256D2EF791B"
#define JEAN_MAIL "5888E339-0C5A-5781-B1A9-F887F1EB5AFA"

/* ---- building providers ---- */

static struct sv_provider *provider_new(const char *id, const char *display,
		const char *domain) {
	struct sv_provider *pv = sv_test_provider_new(id, display, NULL);
	assert_int_equal(sv_provider_add_domain(pv, domain), SV_OK);
	return pv;
}

#define SERVER(t, h, p, s, u, a) { .type = (t), .host = (h), .port = (p), \
	.socket = (s), .user = (u), .auth = { a }, .n_auth = 1 }
#define PW SV_AUTH_PASSWORD_CLEARTEXT

/* imap + smtp with implicit TLS, login = the full address. */
static struct sv_provider *minimal_provider(void) {
	struct sv_provider *pv = provider_new("example.fr", "Example Mail",
		"example.fr");
	sv_test_add_server(pv, &(struct sv_test_server)SERVER(SV_SERVER_IMAP,
		"imap.example.fr", 993, SV_SOCKET_SSL, "%EMAILADDRESS%", PW));
	sv_test_add_server(pv, &(struct sv_test_server)SERVER(SV_SERVER_SMTP,
		"smtp.example.fr", 465, SV_SOCKET_SSL, "%EMAILADDRESS%", PW));
	return pv;
}

/*
 * A hoster: pop3 listed before imap, templates everywhere, STARTTLS,
 * OAuth2 before a password, and a domain with its own imap server.
 */
static struct sv_provider *hoster_provider(void) {
	struct sv_provider *pv = provider_new("hoster.example",
		"Hoster & <Co> é", "*.example.fr");
	assert_int_equal(sv_provider_add_domain(pv, "own.example.fr"), SV_OK);
	sv_test_add_server(pv, &(struct sv_test_server)SERVER(SV_SERVER_POP3,
		"pop.%EMAILDOMAIN%", 995, SV_SOCKET_SSL, "%EMAILLOCALPART%", PW));
	sv_test_add_server(pv, &(struct sv_test_server){ .type = SV_SERVER_IMAP,
		.host = "mail.%EMAILDOMAIN%", .port = 143,
		.socket = SV_SOCKET_STARTTLS,
		.user = "%EMAILLOCALPART%%%EMAILDOMAIN%",
		.auth = { SV_AUTH_OAUTH2, SV_AUTH_PASSWORD_ENCRYPTED },
		.n_auth = 2 });
	sv_test_add_server(pv, &(struct sv_test_server)SERVER(SV_SERVER_SMTP,
		"smtp.%EMAILDOMAIN%", 587, SV_SOCKET_STARTTLS, NULL, PW));
	struct sv_test_server own = SERVER(SV_SERVER_IMAP, "imap.own.example.fr",
		993, SV_SOCKET_SSL, "%EMAILADDRESS%", PW);
	own.domain = "own.example.fr";
	sv_test_add_server(pv, &own);
	return pv;
}

/* ---- rendering and checking ---- */

static const struct sv_answer_facts jean = { .domain = "example.fr",
	.address = "jean.dupont@example.fr", .local = "jean.dupont" };

/* Well-formed, plist DOCTYPE, root <plist version="1.0">, no password. */
static void check_plist(const char *doc, size_t len) {
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
		"\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
		"<plist version=\"1.0\">\n";
	assert_true(len > sizeof(head));
	assert_memory_equal(doc, head, sizeof(head) - 1);
	assert_null(strstr(doc, "<key>IncomingPassword</key>"));
	assert_null(strstr(doc, "<key>OutgoingPassword</key>"));
	assert_null(strstr(doc, "%EMAIL"));
	xmlDocPtr d = xmlReadMemory(doc, (int)len, "profile.plist", NULL,
		XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(d);
	assert_non_null(d->intSubset);
	assert_string_equal((const char *)d->intSubset->name, "plist");
	assert_string_equal((const char *)d->intSubset->ExternalID,
		"-//Apple//DTD PLIST 1.0//EN");
	xmlNodePtr root = xmlDocGetRootElement(d);
	assert_string_equal((const char *)root->name, "plist");
	xmlFreeDoc(d);
}

/* "<key>K</key>\n<tabs><VALUE>": a key of the mail payload, its value. */
#define KEY(k, value) SV_TEST_HAS("<key>" k "</key>\n\t\t\t\t" value)

/* The renderer under test: profiles, checked by check_plist. */
static const struct sv_test_renderer renderer = { sv_render_mobileconfig,
	SV_MOBILECONFIG_CONTENT_TYPE, check_plist, GOLDEN_DIR, ".plist" };

/* ---- tests ---- */

static void test_minimal_golden(void **state) {
	struct sv_provider *pv = *state;
	sv_test_golden_parts(&renderer, "minimal", pv, NULL, &jean,
		SV_TEST_PARTS(
		KEY("EmailAccountType", "<string>EmailTypeIMAP</string>"),
		KEY("IncomingMailServerUseSSL", "<true/>"),
		KEY("IncomingMailServerPortNumber", "<integer>993</integer>"),
		KEY("IncomingMailServerUsername",
			"<string>jean.dupont@example.fr</string>"),
		KEY("OutgoingPasswordSameAsIncomingPassword", "<true/>"),
		KEY("PayloadUUID", "<string>" JEAN_MAIL "</string>"),
		KEY("PayloadIdentifier",
			"<string>fr.example.mobileconfig." JEAN_MAIL "</string>"),
		SV_TEST_HAS("<key>PayloadUUID</key>\n\t\t<string>"
			JEAN_PROFILE "</string>"),
		SV_TEST_HAS("<string>fr.example.mobileconfig."
			JEAN_PROFILE "</string>")));
}

/*
 * A calendar and an address book: one payload each after the mail
 * payload, the preferred service of each type only (a second caldav
 * would be a second account for one calendar), host, port and SSL from
 * the URL, the whole URL expanded (percent-encoded) as principal URL,
 * name-based UUIDs of their own, no password; no payload for a file
 * share.
 */
static void test_dav_golden(void **state) {
	struct sv_provider *pv = *state;
	sv_test_add_service(pv, SV_SERVICE_WEBDAV, "https://files.example.fr/",
		NULL, NULL);
	sv_test_add_service(pv, SV_SERVICE_CALDAV,
		"https://dav.%EMAILDOMAIN%/cal/%EMAILADDRESS%/", NULL, NULL);
	sv_test_add_service(pv, SV_SERVICE_CARDDAV,
		"http://card.example.fr:8080/ab/", "%EMAILLOCALPART%",
		NULL)->insecure = true;
	sv_test_add_service(pv, SV_SERVICE_CALDAV, "https://other.example.fr/",
		NULL, NULL);
	const struct sv_answer_facts f = { .domain = "example.fr",
		.address = "jean+cal@example.fr", .local = "jean+cal" };
	sv_test_golden_parts(&renderer, "dav", pv, NULL, &f, SV_TEST_PARTS(
		KEY("CalDAVHostName", "<string>dav.example.fr</string>"),
		KEY("CalDAVPort", "<integer>443</integer>"),
		KEY("CalDAVUseSSL", "<true/>"),
		KEY("CalDAVPrincipalURL",
			"<string>https://dav.example.fr/"
			"cal/jean+cal@example.fr/</string>"),
		KEY("CardDAVHostName", "<string>card.example.fr</string>"),
		KEY("CardDAVPort", "<integer>8080</integer>"),
		KEY("CardDAVUseSSL", "<false/>"),
		KEY("CardDAVUsername", "<string>jean+cal</string>"),
		KEY("PayloadType",
			"<string>com.apple.caldav.account"
			"</string>"),
		SV_TEST_LACKS("other.example.fr"),
		SV_TEST_LACKS("files.example.fr"),
		SV_TEST_LACKS("Password</key>\n\t\t\t\t<string>")));
	sv_test_renderer_alloc_case(&renderer, pv, &f);
}

/* IMAP over an earlier POP3, templates expanded, STARTTLS, OAuth2. */
static void test_hoster_golden(void **state) {
	struct sv_provider *pv = *state;
	const struct sv_answer_facts f = { .domain = "shop.example.fr",
		.address = "o'brien&co@shop.example.fr", .local = "o'brien&co" };
	sv_test_golden_parts(&renderer, "hoster", pv, NULL, &f, SV_TEST_PARTS(
		KEY("EmailAccountType", "<string>EmailTypeIMAP</string>"),
		KEY("EmailAccountDescription",
			"<string>Hoster &amp; &lt;Co&gt; é</string>"),
		KEY("IncomingMailServerHostName",
			"<string>mail.shop.example.fr</string>"),
		KEY("IncomingMailServerUseSSL", "<false/>"),
		KEY("IncomingMailServerAuthentication",
			"<string>EmailAuthCRAMMD5</string>"),
		KEY("IncomingMailServerUsername",
			"<string>o&apos;brien&amp;co%shop.example.fr</string>"),
		KEY("OutgoingMailServerHostName",
			"<string>smtp.shop.example.fr</string>"),
		KEY("OutgoingMailServerUsername",
			"<string>o&apos;brien&amp;co@shop.example.fr</string>"),
		SV_TEST_HAS("<string>fr.example.shop.mobileconfig."),
		SV_TEST_LACKS("pop.")));

	/* own.example.fr has its own imap server: that answer uses it. */
	const struct sv_answer_facts g = { .domain = "own.example.fr",
		.address = "a@own.example.fr", .local = "a" };
	sv_test_expect_parts(&renderer, "own domain", pv, "own.example.fr", &g,
		SV_TEST_PARTS(
		KEY("IncomingMailServerHostName",
			"<string>imap.own.example.fr</string>"),
		KEY("IncomingMailServerUseSSL", "<true/>"),
		KEY("OutgoingMailServerHostName",
			"<string>smtp.own.example.fr</string>")));
}

static void test_pop_only_and_no_login(void **state) {
	(void)state;
	struct sv_provider *pv = provider_new("pop.example", NULL,
		"example.fr");
	sv_test_add_server(pv, &(struct sv_test_server)SERVER(SV_SERVER_POP3,
		"pop.example.fr", 110, SV_SOCKET_PLAIN, "%EMAILLOCALPART%",
		SV_AUTH_PASSWORD_ENCRYPTED));
	sv_test_add_server(pv, &(struct sv_test_server)SERVER(SV_SERVER_SMTP,
		"relay.example.fr", 25, SV_SOCKET_PLAIN, "%EMAILADDRESS%",
		SV_AUTH_CLIENT_IP_ADDRESS));
	sv_test_expect_parts(&renderer, "pop only", pv, NULL, &jean,
		SV_TEST_PARTS(
		KEY("EmailAccountType", "<string>EmailTypePOP</string>"),
		/* no display name: the id, as the Mozilla answer does */
		KEY("EmailAccountDescription", "<string>pop.example</string>"),
		KEY("IncomingMailServerUsername",
			"<string>jean.dupont</string>"),
		KEY("OutgoingMailServerAuthentication",
			"<string>EmailAuthNone</string>"),
		KEY("OutgoingPasswordSameAsIncomingPassword", "<false/>"),
		SV_TEST_LACKS("OutgoingMailServerUsername")));
	sv_provider_destroy(pv);
}

static void test_realname_username_left_out(void **state) {
	struct sv_provider *pv = *state;
	sv_free(pv->servers[1].username);
	pv->servers[1].username = sv_test_dup("%REALNAME%");
	sv_free(pv->servers[0].username);
	/* "%EMAILDOMAIN%REALNAME%" holds no %REALNAME% token */
	pv->servers[0].username = sv_test_dup("%EMAILDOMAIN%REALNAME%");
	sv_test_expect_parts(&renderer, "realname", pv, NULL, &jean,
		SV_TEST_PARTS(
		SV_TEST_LACKS("OutgoingMailServerUsername"),
		SV_TEST_LACKS("<string>%REALNAME%</string>"),
		KEY("IncomingMailServerUsername",
			"<string>example.frREALNAME%</string>")));
}

static void test_auth_mapping(void **state) {
	(void)state;
	static const struct {
		enum sv_auth auth[3];
		size_t n;
		const char *want;
	} cases[] = {
		{ { SV_AUTH_PASSWORD_CLEARTEXT }, 1, "EmailAuthPassword" },
		{ { SV_AUTH_PLAIN }, 1, "EmailAuthPassword" },
		{ { SV_AUTH_PASSWORD_ENCRYPTED }, 1, "EmailAuthCRAMMD5" },
		{ { SV_AUTH_SECURE }, 1, "EmailAuthCRAMMD5" },
		{ { SV_AUTH_NTLM }, 1, "EmailAuthNTLM" },
		{ { SV_AUTH_NONE }, 1, "EmailAuthNone" },
		{ { SV_AUTH_CLIENT_IP_ADDRESS }, 1, "EmailAuthNone" },
		{ { SV_AUTH_SMTP_AFTER_POP }, 1, "EmailAuthNone" },
		{ { SV_AUTH_OAUTH2, SV_AUTH_NTLM }, 2, "EmailAuthNTLM" },
		{ { SV_AUTH_GSSAPI, SV_AUTH_TLS_CLIENT_CERT,
			SV_AUTH_PASSWORD_ENCRYPTED }, 3, "EmailAuthCRAMMD5" },
		{ { SV_AUTH_OAUTH2 }, 1, "EmailAuthPassword" },
		{ { SV_AUTH_PASSWORD_CLEARTEXT, SV_AUTH_NTLM }, 2,
			"EmailAuthPassword" },
		{ { 0 }, 0, "EmailAuthPassword" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sv_server s;
		memset(&s, 0, sizeof(s));
		memcpy(s.auth, cases[i].auth, sizeof(cases[i].auth));
		s.n_auth = cases[i].n;
		assert_string_equal(sv_mobileconfig_auth(&s), cases[i].want);
	}
}

/* The UUID and reversed-domain slots on their own. */
static void test_uuid_slots(void **state) {
	(void)state;
	struct sv_answer_builder b;
	assert_int_equal(sv_answer_builder_init(&b, "t"), SV_OK);
	assert_true(xmlTextWriterStartElement(b.w, BAD_CAST "r") >= 0);
	assert_int_equal(sv_answer_builder_slot(&b, SV_SLOT_DOMAIN_REVERSED), 0);
	assert_true(xmlTextWriterWriteString(b.w, BAD_CAST " ") >= 0);
	assert_int_equal(sv_answer_builder_slot(&b, SV_SLOT_UUID_PROFILE), 0);
	assert_true(xmlTextWriterWriteString(b.w, BAD_CAST " ") >= 0);
	assert_int_equal(sv_answer_builder_slot(&b, SV_SLOT_UUID_MAIL), 0);
	assert_true(xmlTextWriterEndDocument(b.w) >= 0);
	struct sv_answer *a = NULL;
	assert_int_equal(sv_answer_builder_finish(&b, &a, NULL), SV_OK);
	struct sv_buf out;
	sv_buf_init(&out, 4096);

	assert_int_equal(sv_answer_fill(a, &jean, &out), SV_OK);
	assert_non_null(strstr(out.data, "<r>fr.example " JEAN_PROFILE " "
		JEAN_MAIL "</r>"));
	/* The local part's letter case does not matter; the domain arrives
	 * normalised. Without local, the part before the last '@' is used. */
	const struct sv_answer_facts upper = { .domain = "example.fr",
		.address = "Jean.DUPONT@example.fr", .local = NULL };
	sv_buf_reset(&out);
	assert_int_equal(sv_answer_fill(a, &upper, &out), SV_OK);
	assert_non_null(strstr(out.data, JEAN_PROFILE " " JEAN_MAIL));
	/* one label; many labels */
	const struct sv_answer_facts one = { .domain = "localhost",
		.address = "x@localhost" };
	sv_buf_reset(&out);
	assert_int_equal(sv_answer_fill(a, &one, &out), SV_OK);
	assert_non_null(strstr(out.data, "<r>localhost "));
	const struct sv_answer_facts deep = { .domain = "a.b.c.d.example",
		.address = "x@a.b.c.d.example" };
	sv_buf_reset(&out);
	assert_int_equal(sv_answer_fill(a, &deep, &out), SV_OK);
	assert_non_null(strstr(out.data, "<r>example.d.c.b.a "));
	/* UUIDs need an address, of at most 254 bytes. */
	const struct sv_answer_facts none = { .domain = "example.fr" };
	assert_int_equal(sv_answer_fill(a, &none, &out), SV_EINVAL);
	assert_null(out.data);
	char big[300];
	memset(big, 'a', sizeof(big));
	memcpy(big + 243, "@example.fr", 12); /* 254 bytes + NUL */
	const struct sv_answer_facts max = { .domain = "example.fr",
		.address = big };
	assert_int_equal(strlen(big), 254);
	assert_int_equal(sv_answer_fill(a, &max, &out), SV_OK);
	sv_buf_finish(&out);
	memset(big, 'a', sizeof(big));
	memcpy(big + 244, "@example.fr", 12); /* 255 bytes */
	assert_int_equal(sv_answer_fill(a, &max, &out), SV_EINVAL);
	assert_null(out.data);
	sv_answer_destroy(a);
}

static void test_render_rejects_bad_data(void **state) {
	struct sv_provider *pv = *state;
	pv->servers[1].type = SV_SERVER_EWS; /* no smtp left */
	sv_test_render_refused(sv_render_mobileconfig, pv, "smtp");
	pv->servers[1].type = SV_SERVER_SMTP;
	sv_test_refused_port_socket(sv_render_mobileconfig, pv, 0, "port");
	char **host = &pv->servers[0].hostname;
	sv_test_refused_with(sv_render_mobileconfig, pv, host, "mail.%FOO%",
		NULL);
	sv_test_refused_with(sv_render_mobileconfig, pv, host, NULL, NULL);
	sv_test_refused_with(sv_render_mobileconfig, pv,
		&pv->servers[1].username, "%BAD%", "username");
	sv_free(pv->servers[1].username);
	pv->servers[1].username = NULL; /* absent: the address */
	sv_test_render_ok(sv_render_mobileconfig, pv);
}

/*
 * Fails the nth allocation (ours and libxml2's) for n = 0, 1, ... until
 * render and fill succeed: each attempt is SV_ENOMEM or SV_OK, leaks
 * nothing, and success gives the reference bytes.
 */
static void test_alloc_failures(void **state) {
	struct sv_provider *pv = *state;
	const struct sv_answer_facts f = { .domain = "shop.example.fr",
		.address = "ann@shop.example.fr", .local = "ann" };
	long failures = sv_test_renderer_alloc_case(&renderer, pv, &f);
	assert_true(failures > 10); /* the loop did reach the renderer */
}

/* The providers the fixtures give the tests (SV_TEST_WITH). */
static struct sv_test_maker hoster_provider_maker = { hoster_provider };
static struct sv_test_maker minimal_provider_maker = { minimal_provider };

SV_TEST_MAIN(sv_test_xml_setup, sv_test_xml_teardown,
	SV_TEST_WITH(test_minimal_golden, minimal_provider_maker),
	SV_TEST_WITH(test_hoster_golden, hoster_provider_maker),
	SV_TEST_WITH(test_dav_golden, minimal_provider_maker),
	cmocka_unit_test(test_pop_only_and_no_login),
	SV_TEST_WITH(test_realname_username_left_out, minimal_provider_maker),
	cmocka_unit_test(test_auth_mapping),
	cmocka_unit_test(test_uuid_slots),
	SV_TEST_WITH(test_render_rejects_bad_data, minimal_provider_maker),
	SV_TEST_WITH(test_alloc_failures, hoster_provider_maker),
)
