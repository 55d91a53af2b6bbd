/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/answer/render_settings.c (issue 23): the table's order
 * (preferred servers, then the alternatives, never a plain server beside
 * a TLS one), the page filled for an address and for a domain alone (the
 * words, never a token), escaping of everything a provider or an address
 * holds, links that are only web links, the warnings and notes, the text
 * output walking the same table, the error pages, and allocation
 * failures (SV_ENOMEM and nothing out, never a truncated page).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <libxml/parser.h>

#include "answer/answer.h"
#include "answer/render_settings.h"
#include "answer/render_settings_text.h"
#include "model/model.h"
#include "test_support.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "xml_testing.h"

static const char doctype[] = "<!DOCTYPE html>\n";

/* Appends a server whose login is the local part and a password in the
 * clear. */
static void server(struct sv_provider *pv, enum sv_server_type type,
		const char *host, int port, enum sv_socket sock) {
	sv_test_add_server(pv, &(struct sv_test_server){ type, host, port,
		sock, "%EMAILLOCALPART%", { SV_AUTH_PASSWORD_CLEARTEXT }, 1,
		NULL });
}

/* A provider like Free: IMAP SSL, POP3 SSL, SMTP SSL then STARTTLS, the
 * username the local part; a plain IMAP server that must not show. */
static struct sv_provider *free_like(void) {
	struct sv_provider *pv = sv_test_provider_new("free.example",
		"Free", NULL);
	assert_int_equal(sv_provider_add_domain(pv, "free.example"), SV_OK);
	server(pv, SV_SERVER_IMAP, "imap.free.example", 993, SV_SOCKET_SSL);
	server(pv, SV_SERVER_IMAP, "plain.free.example", 143, SV_SOCKET_PLAIN);
	server(pv, SV_SERVER_POP3, "pop.free.example", 995, SV_SOCKET_SSL);
	server(pv, SV_SERVER_SMTP, "smtp.free.example", 465, SV_SOCKET_SSL);
	sv_test_add_server(pv, &(struct sv_test_server){ SV_SERVER_SMTP,
		"smtp.free.example", 587, SV_SOCKET_STARTTLS, "%EMAILLOCALPART%",
		{ SV_AUTH_OAUTH2, SV_AUTH_PASSWORD_ENCRYPTED }, 2, NULL });
	return pv;
}

/* HTML, and well-formed XML after its doctype: every element closed,
 * every value escaped. */
static void check_page(const char *s, size_t len) {
	assert_int_equal(strlen(s), len);
	assert_memory_equal(s, doctype, sizeof(doctype) - 1);
	xmlDocPtr doc = xmlReadMemory(s + sizeof(doctype) - 1,
		(int)(len - (sizeof(doctype) - 1)), "page.html", "UTF-8",
		XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		fail_msg("not well-formed:\n%s", s);
	}
	xmlFreeDoc(doc);
}

static char *page(sv_test_answer_fn fn, const struct sv_provider *pv,
		const struct sv_answer_facts *f) {
	size_t len;
	char *s = sv_test_render_fill(fn, SV_SETTINGS_CONTENT_TYPE, pv, NULL,
		f, &len);
	check_page(s, len);
	return s;
}

/* The page in French and in English, as sv_test_expect_parts renders. */
static const struct sv_test_renderer fr_page = { sv_render_settings_fr,
	SV_SETTINGS_CONTENT_TYPE, check_page, NULL, NULL };
static const struct sv_test_renderer en_page = { sv_render_settings_en,
	SV_SETTINGS_CONTENT_TYPE, check_page, NULL, NULL };

/* Where part first occurs in s, or fails. */
static size_t at(const char *s, const char *part) {
	const char *p = strstr(s, part);
	if (p == NULL) {
		fail_msg("missing %s", part);
	}
	return (size_t)(p - s);
}

static void test_table_order(void **state) {
	struct sv_provider *pv = *state;
	struct sv_settings_table t;
	struct sv_err e = { "" };
	assert_int_equal(sv_settings_table_build(pv, NULL, &t, &e), SV_OK);
	assert_int_equal(t.n_preferred, 2);
	assert_string_equal(t.preferred[0]->hostname, "imap.free.example");
	assert_int_equal(t.preferred[1]->port, 465);
	/* the plain IMAP server beside a TLS one is left out, as in
	 * every answer */
	assert_int_equal(t.n_others, 2);
	assert_int_equal(t.others[0]->type, SV_SERVER_POP3);
	assert_int_equal(t.others[1]->port, 587);
	assert_int_equal(t.n_services, 0);
}

static void test_page_for_address(void **state) {
	struct sv_provider *pv = *state;
	struct sv_answer_facts f = { .domain = "free.example",
		.address = "jean.dupont@free.example", .local = "jean.dupont" };
	char *s = page(sv_render_settings_fr, pv, &f);
	sv_test_parts("page for an address (fr)", s, SV_TEST_PARTS(
		SV_TEST_HAS("<html lang=\"fr\">"),
		SV_TEST_HAS("<h3>Réception (IMAP)</h3>"),
		SV_TEST_HAS("<dt>Serveur</dt><dd><code>imap.free.example"
			"</code></dd>\n<dt>Port</dt><dd><code>993</code></dd>\n"
			"<dt>Sécurité</dt><dd>SSL/TLS</dd>"),
		SV_TEST_HAS("<dt>Identifiant</dt><dd><code>jean.dupont</code>"),
		SV_TEST_HAS("<dd>STARTTLS</dd>"),
		SV_TEST_HAS("OAuth2 ou mot de passe chiffré<br/><span "
			"class=\"note\">OAuth2 demande une application"),
		SV_TEST_HAS("href=\"settings?domain=free.example&amp;email="
			"jean.dupont@free.example&amp;lang=en\""),
		SV_TEST_LACKS("plain.free.example"),
		SV_TEST_LACKS("<script")));
	/* preferred first, then the alternatives */
	assert_true(at(s, "Serveurs recommandés") < at(s, "<code>993"));
	assert_true(at(s, "<code>465") < at(s, "Autres possibilités"));
	assert_true(at(s, "Autres possibilités") < at(s, "<code>995"));
	assert_true(at(s, "<code>995") < at(s, "<code>587"));
	sv_free(s);

	sv_test_expect_parts(&en_page, "page for an address (en)", pv, NULL, &f,
		SV_TEST_PARTS(
		SV_TEST_HAS("<html lang=\"en\">"),
		SV_TEST_HAS("<dt>Username</dt><dd><code>jean.dupont</code>"),
		SV_TEST_HAS("OAuth2 or encrypted password"),
		SV_TEST_HAS("&amp;lang=fr\"")));
}

static void test_page_for_domain(void **state) {
	struct sv_provider *pv = *state;
	struct sv_answer_facts f = { .domain = "free.example",
		.absent = sv_render_settings_absent(SV_SETTINGS_FR) };
	sv_test_expect_parts(&fr_page, "page for a domain (fr)", pv, NULL, &f,
		SV_TEST_PARTS(
		SV_TEST_HAS("<code>«la partie avant le @»</code>"),
		SV_TEST_HAS("<strong>«votre adresse»</strong>"),
		SV_TEST_HAS("email=&amp;lang=en\""),
		SV_TEST_LACKS("%EMAIL")));
	f.absent = sv_render_settings_absent(SV_SETTINGS_EN);
	sv_test_expect_parts(&en_page, "page for a domain (en)", pv, NULL, &f,
		SV_TEST_PARTS(
		SV_TEST_HAS("<code>&lt;the part before the @&gt;</code>")));
}

static void test_escaping_and_links(void **state) {
	(void)state;
	struct sv_provider *pv = sv_test_provider_new("evil.example",
		"<script>alert(1)</script> & \"co\"", NULL);
	assert_int_equal(sv_provider_add_domain(pv, "evil.example"), SV_OK);
	sv_test_add_server(pv, &(struct sv_test_server){ SV_SERVER_IMAP,
		"imap.evil.example", 143, SV_SOCKET_PLAIN, "x<&>%EMAILADDRESS%",
		{ SV_AUTH_PASSWORD_CLEARTEXT }, 1, NULL });
	sv_test_add_server(pv, &(struct sv_test_server){ SV_SERVER_SMTP,
		"smtp.evil.example", 25, SV_SOCKET_PLAIN, NULL,
		{ SV_AUTH_CLIENT_IP_ADDRESS }, 1, NULL });
	struct sv_link *l;
	assert_int_equal(sv_provider_add_link(pv, SV_LINK_DOCUMENTATION,
		"javascript:alert(1)", &l), SV_OK);
	assert_int_equal(sv_link_add_text(l, "fr", "<b>clic</b>"), SV_OK);
	assert_int_equal(sv_provider_add_link(pv, SV_LINK_ENABLE,
		"https://evil.example/?a=1&b=\"2\"", &l), SV_OK);
	assert_int_equal(sv_link_add_text(l, "en", "English"), SV_OK);
	assert_int_equal(sv_link_add_text(l, "fr", "Français"), SV_OK);
	struct sv_answer_facts f = { .domain = "evil.example",
		.address = "a&b'c\"d@evil.example" };
	sv_test_expect_parts(&fr_page, "escaping and links", pv, NULL, &f,
		SV_TEST_PARTS(
		SV_TEST_LACKS("<script"),
		SV_TEST_LACKS("<b>"),
		SV_TEST_LACKS("href=\"javascript"),
		SV_TEST_HAS("&lt;script&gt;alert(1)&lt;/script&gt; &amp; "
			"&quot;co&quot;"),
		SV_TEST_HAS("<code>x&lt;&amp;&gt;a&amp;b&apos;c&quot;d@"
			"evil.example</code>"),
		SV_TEST_HAS("Documentation du fournisseur: <code>"
			"javascript:alert(1)</code> — &lt;b&gt;clic&lt;/b&gt;"),
		SV_TEST_HAS("href=\"https://evil.example/?a=1&amp;b=&quot;2"
			"&quot;\""),
		SV_TEST_HAS("— Français</li>"),
		/* the address in the language link is percent-encoded */
		SV_TEST_HAS("email=a%26b%27c%22d@evil.example&amp;lang=en"),
		/* plain IMAP with a password, plain SMTP by IP address */
		SV_TEST_HAS("<span class=\"warn\">attention : le mot de passe "
			"circule en clair</span>"),
		SV_TEST_HAS("<span class=\"warn\">attention : rien n’est "
			"chiffré</span>"),
		SV_TEST_HAS("<dd>aucune (selon l’adresse IP)</dd></dl>")));
	sv_provider_destroy(pv);
}

static void test_services(void **state) {
	struct sv_provider *pv = *state;
	sv_test_add_service(pv, SV_SERVICE_CALDAV,
		"https://dav.free.example/cal/%EMAILLOCALPART%/", NULL, NULL);
	sv_test_add_service(pv, SV_SERVICE_CARDDAV,
		"https://dav.free.example/card/", "%EMAILLOCALPART%", NULL);
	struct sv_answer_facts f = { .domain = "free.example",
		.address = "j/x@free.example", .local = "j/x" };
	sv_test_expect_parts(&en_page, "services", pv, NULL, &f,
		SV_TEST_PARTS(
		SV_TEST_HAS("<h3>Calendar (CalDAV)</h3><dl>\n<dt>Address (URL)"
			"</dt><dd><code>https://dav.free.example/cal/j%2Fx/</code></dd>"
			"\n<dt>Authentication</dt><dd>password (HTTP Basic)</dd>"
			"\n<dt>Username</dt><dd><code>j/x@free.example</code>"),
		SV_TEST_HAS("<h3>Contacts (CardDAV)</h3>"),
		SV_TEST_HAS("<dt>Username</dt><dd><code>j/x</code></dd></dl>")));
}

static void test_text_same_table(void **state) {
	struct sv_provider *pv = *state;
	struct sv_answer_facts f = { .domain = "free.example",
		.address = "jean@free.example", .local = "jean" };
	struct sv_buf out;
	struct sv_err e = { "" };
	sv_buf_init(&out, SV_TEST_OUT_MAX);
	assert_int_equal(sv_render_settings_text(pv, NULL, &f, SV_SETTINGS_FR,
		&out, &e), SV_OK);
	assert_string_equal(out.data,
		"Paramètres de messagerie : Free — jean@free.example "
		"(free.example)\n"
		"\nServeurs recommandés\n"
		"  Réception (IMAP)\n"
		"    Serveur : imap.free.example\n"
		"    Port : 993\n"
		"    Sécurité : SSL/TLS\n"
		"    Authentification : mot de passe normal\n"
		"    Identifiant : jean\n"
		"  Envoi (SMTP)\n"
		"    Serveur : smtp.free.example\n"
		"    Port : 465\n"
		"    Sécurité : SSL/TLS\n"
		"    Authentification : mot de passe normal\n"
		"    Identifiant : jean\n"
		"\nAutres possibilités\n"
		"  Réception (POP3)\n"
		"    Serveur : pop.free.example\n"
		"    Port : 995\n"
		"    Sécurité : SSL/TLS\n"
		"    Authentification : mot de passe normal\n"
		"    Identifiant : jean\n"
		"  Envoi (SMTP)\n"
		"    Serveur : smtp.free.example\n"
		"    Port : 587\n"
		"    Sécurité : STARTTLS\n"
		"    Authentification : OAuth2 ou mot de passe chiffré\n"
		"      (OAuth2 demande une application qui le prend en charge ;"
		" sinon, choisissez le mot de passe.)\n"
		"    Identifiant : jean\n");
	sv_buf_finish(&out);
	/* the domain alone: the words */
	struct sv_answer_facts d = { .domain = "free.example" };
	sv_buf_init(&out, SV_TEST_OUT_MAX);
	assert_int_equal(sv_render_settings_text(pv, NULL, &d, SV_SETTINGS_EN,
		&out, &e), SV_OK);
	sv_test_parts("text for a domain", out.data, SV_TEST_PARTS(
		SV_TEST_HAS("    Username: <the part before "
			"the @>\n"),
		SV_TEST_LACKS("%EMAIL")));
	sv_buf_finish(&out);
}

static void test_error_pages(void **state) {
	(void)state;
	struct sv_buf out;
	struct sv_err e = { "" };
	sv_buf_init(&out, SV_TEST_OUT_MAX);
	assert_int_equal(sv_render_settings_error(SV_SETTINGS_EN, 404,
		"nowhere.example", &out, &e), SV_OK);
	sv_test_parts("error 404", out.data, SV_TEST_PARTS(
		SV_TEST_HAS("<h1>Unknown domain</h1>"),
		SV_TEST_HAS("<strong>nowhere.example</strong>")));
	sv_buf_finish(&out);
	sv_buf_init(&out, SV_TEST_OUT_MAX);
	assert_int_equal(sv_render_settings_error(SV_SETTINGS_FR, 400,
		"bad <\xff\x01> byte", &out, &e), SV_OK);
	assert_non_null(strstr(out.data, "<strong>bad &lt;??&gt; byte"
		"</strong>"));
	sv_buf_finish(&out);
	sv_buf_init(&out, SV_TEST_OUT_MAX);
	assert_int_equal(sv_render_settings_error(SV_SETTINGS_FR, 500, "x",
		&out, &e), SV_EINVAL);
	assert_null(out.data);
	sv_buf_finish(&out);
}

static void test_refused(void **state) {
	struct sv_provider *pv = *state;
	pv->servers[0].port = 0;
	sv_test_render_refused(sv_render_settings_fr, pv, "port 0");
}

static int error_page(void *ctx, struct sv_buf *out) {
	struct sv_err e = { "" };
	return sv_render_settings_error(SV_SETTINGS_FR, 404, ctx, out, &e);
}

static void test_alloc_failures(void **state) {
	struct sv_provider *pv = *state;
	sv_test_add_service(pv, SV_SERVICE_CALDAV,
		"https://dav.free.example/cal/", NULL, NULL);
	struct sv_answer_facts f = { .domain = "free.example",
		.address = "jean@free.example" };
	assert_true(sv_test_answer_alloc_case(sv_render_settings_fr,
		SV_SETTINGS_CONTENT_TYPE, pv, &f) > 0);
	assert_true(sv_test_buf_alloc_loop("settings 404", error_page,
		"nowhere.example") > 0);
}

/* The providers the fixtures give the tests (SV_TEST_WITH). */
static struct sv_test_maker free_like_maker = { free_like };

SV_TEST_MAIN(sv_test_xml_setup, sv_test_xml_teardown,
	SV_TEST_WITH(test_table_order, free_like_maker),
	SV_TEST_WITH(test_page_for_address, free_like_maker),
	SV_TEST_WITH(test_page_for_domain, free_like_maker),
	cmocka_unit_test(test_escaping_and_links),
	SV_TEST_WITH(test_services, free_like_maker),
	SV_TEST_WITH(test_text_same_table, free_like_maker),
	cmocka_unit_test(test_error_pages),
	SV_TEST_WITH(test_refused, free_like_maker),
	SV_TEST_WITH(test_alloc_failures, free_like_maker),
)
