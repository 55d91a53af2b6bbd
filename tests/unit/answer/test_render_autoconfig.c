/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/answer/answer.c and src/answer/render_autoconfig.c: providers are built
 * in C with the model's appenders, rendered once, filled with and without
 * an address, and compared byte for byte with
 * tests/data/golden/autoconfig/<case>.xml (SUIVANT_UPDATE_GOLDEN=1 rewrites
 * them; review the diff). Every output is parsed back with libxml2 to prove
 * it well-formed. Allocation failures are injected in our allocations and,
 * routed through alloc.h by sv_answer_xml_memory_setup(), in libxml2's.
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
#include <libxml/xmlmemory.h>

#include "answer/answer.h"
#include "answer/render_autoconfig.h"
#include "model/model.h"
#include "test_support.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "xml_testing.h"

#ifndef SV_SOURCE_ROOT
#error "SV_SOURCE_ROOT must name the source tree"
#endif

#define GOLDEN_DIR SV_SOURCE_ROOT "/tests/data/golden/autoconfig/"
#define OUT_MAX (1024 * 1024)

/* ---- building providers ---- */

static void add_domain(struct sv_provider *pv, const char *name) {
	assert_int_equal(sv_provider_add_domain(pv, name), SV_OK);
}

static struct sv_link *add_link(struct sv_provider *pv,
		enum sv_link_kind kind, const char *url) {
	struct sv_link *l = NULL;
	assert_int_equal(sv_provider_add_link(pv, kind, url, &l), SV_OK);
	assert_non_null(l);
	return l;
}

static void add_text(struct sv_link *l, const char *lang, const char *text) {
	assert_int_equal(sv_link_add_text(l, lang, text), SV_OK);
}

#define IMAP_SSL(h, u) { .type = SV_SERVER_IMAP, .host = (h), \
	.port = 993, .socket = SV_SOCKET_SSL, .user = (u), \
	.auth = { SV_AUTH_PASSWORD_CLEARTEXT }, .n_auth = 1 }
#define SMTP_SSL(h, u) { .type = SV_SERVER_SMTP, .host = (h), \
	.port = 465, .socket = SV_SOCKET_SSL, .user = (u), \
	.auth = { SV_AUTH_PASSWORD_CLEARTEXT }, .n_auth = 1 }

/* imap + smtp, the least a client accepts. */
static struct sv_provider *minimal_provider(void) {
	struct sv_provider *pv = sv_test_provider_new("example.fr", "Example Mail",
		"Example");
	add_domain(pv, "example.fr");
	sv_test_add_server(pv, &(struct sv_test_server)IMAP_SSL("imap.example.fr",
		"%EMAILADDRESS%"));
	sv_test_add_server(pv, &(struct sv_test_server)SMTP_SSL("smtp.example.fr",
		"%EMAILADDRESS%"));
	return pv;
}

/* Everything the model can say, plus servers this format leaves out. */
static struct sv_provider *extras_provider(void) {
	struct sv_provider *pv = sv_test_provider_new("mail.example.com",
		"Example Mail Services", "ExMail");
	add_domain(pv, "example.com");
	add_domain(pv, "example.net");
	/* Every extra, a plain server beside TLS ones included: the admin
	 * opted in (test_plaintext_withheld covers the default). */
	pv->publish_plaintext = true;
	/* Written after the smtp server: incoming must still come first. */
	struct sv_server *smtp = sv_test_add_server(pv, &(struct sv_test_server){
		.type = SV_SERVER_SMTP, .host = "smtp.example.com",
		.port = 587, .socket = SV_SOCKET_STARTTLS, .user = NULL,
		.auth = { SV_AUTH_PASSWORD_ENCRYPTED,
			SV_AUTH_PASSWORD_CLEARTEXT }, .n_auth = 2 });
	smtp->restriction = sv_test_dup("client-IP-address");
	smtp->add_this_server = SV_TRUE;
	smtp->use_global_preferred_server = SV_FALSE;
	sv_test_add_server(pv, &(struct sv_test_server){
		.type = SV_SERVER_IMAP, .host = "imap.example.com",
		.port = 993, .socket = SV_SOCKET_SSL, .user = "%EMAILADDRESS%",
		.auth = { SV_AUTH_OAUTH2, SV_AUTH_PASSWORD_CLEARTEXT },
		.n_auth = 2 });
	struct sv_server *ews = sv_test_add_server(pv, &(struct sv_test_server){
		.type = SV_SERVER_EWS, .port = 0, .socket = SV_SOCKET_NONE,
		.auth = { SV_AUTH_PASSWORD_CLEARTEXT }, .n_auth = 1 });
	ews->url = sv_test_dup("https://ews.example.com/EWS/Exchange.asmx");
	struct sv_server *pop = sv_test_add_server(pv, &(struct sv_test_server){
		.type = SV_SERVER_POP3, .host = "pop.example.com",
		.port = 995, .socket = SV_SOCKET_SSL,
		.user = "%EMAILLOCALPART%",
		.auth = { SV_AUTH_PASSWORD_CLEARTEXT }, .n_auth = 1 });
	pop->has_pop3 = true;
	pop->pop3.leave_on_server = SV_TRUE;
	pop->pop3.days_to_leave = 7;
	pop->pop3.download_on_biff = SV_FALSE;
	pop->pop3.check_interval_min = 15;
	pop->use_global_preferred_server = SV_TRUE;
	struct sv_server *pop_plain = sv_test_add_server(pv, &(struct sv_test_server){
		.type = SV_SERVER_POP3, .host = "pop.example.com",
		.port = 110, .socket = SV_SOCKET_STARTTLS,
		.user = "%EMAILLOCALPART%",
		.auth = { SV_AUTH_PASSWORD_ENCRYPTED }, .n_auth = 1 });
	pop_plain->has_pop3 = true; /* given without options: left out */
	struct sv_server *exch = sv_test_add_server(pv, &(struct sv_test_server){
		.type = SV_SERVER_EXCHANGE, .host = "outlook.example.com",
		.port = 443, .socket = SV_SOCKET_SSL, .user = "%EMAILADDRESS%",
		.auth = { SV_AUTH_NTLM }, .n_auth = 1 });
	exch->owa_url = sv_test_dup("https://outlook.example.com/owa/");
	sv_test_add_server(pv, &(struct sv_test_server){
		.type = SV_SERVER_SMTP, .host = "relay.example.com",
		.port = 25, .socket = SV_SOCKET_PLAIN, .user = NULL,
		.auth = { SV_AUTH_CLIENT_IP_ADDRESS }, .n_auth = 1 });

	struct sv_link *l = add_link(pv, SV_LINK_DOCUMENTATION,
		"https://help.example.com/mail");
	add_text(l, "en", "Mail settings");
	add_text(l, "fr", "Paramètres de messagerie");
	l = add_link(pv, SV_LINK_ENABLE, "https://example.com/settings");
	add_text(l, "en", "Enable IMAP in the settings first.");
	add_text(l, NULL, "No language given.");
	l = add_link(pv, SV_LINK_INSTRUCTION, "https://example.com/howto");
	add_text(l, "de", "Anleitung");
	l = add_link(pv, SV_LINK_DOCUMENTATION, "https://example.com/faq");
	(void)l; /* a link without any text */

	struct sv_webmail *wm = &pv->webmail;
	wm->login_page = sv_test_dup("https://webmail.example.com/");
	wm->info_url = sv_test_dup("https://webmail.example.com/login?a=1&b=2");
	wm->username = sv_test_dup("%EMAILADDRESS%");
	wm->username_field_id = sv_test_dup("user");
	wm->username_field_name = sv_test_dup("login");
	wm->password_field_name = sv_test_dup("pass");
	wm->login_button_id = sv_test_dup("submit");

	struct sv_oauth2 *o = &pv->oauth2;
	o->issuer = sv_test_dup("login.example.com");
	o->scope = sv_test_dup("https://mail.example.com/ offline_access");
	o->auth_url = sv_test_dup("https://login.example.com/authorize");
	o->token_url = sv_test_dup("https://login.example.com/token");
	return pv;
}

/* Templates in host names and usernames (PROTOCOLS.md 1.5 and 7). */
static struct sv_provider *templates_provider(void) {
	struct sv_provider *pv = sv_test_provider_new("hoster.example", "Hoster", NULL);
	add_domain(pv, "*.fr");
	sv_test_add_server(pv, &(struct sv_test_server)IMAP_SSL("mail.%EMAILDOMAIN%",
		"%EMAILLOCALPART%%%EMAILDOMAIN%"));
	sv_test_add_server(pv, &(struct sv_test_server){
		.type = SV_SERVER_POP3, .host = "pop.%EMAILDOMAIN%",
		.port = 995, .socket = SV_SOCKET_SSL,
		.user = "recent:%EMAILADDRESS%",
		.auth = { SV_AUTH_PASSWORD_CLEARTEXT }, .n_auth = 1 });
	sv_test_add_server(pv, &(struct sv_test_server){
		.type = SV_SERVER_IMAP, .host = "imap.hoster.example",
		.port = 143, .socket = SV_SOCKET_STARTTLS,
		.user = "%REALNAME%",
		.auth = { SV_AUTH_PASSWORD_CLEARTEXT }, .n_auth = 1 });
	sv_test_add_server(pv, &(struct sv_test_server)SMTP_SSL("smtp.%EMAILDOMAIN%",
		"%EMAILLOCALPART%.%EMAILDOMAIN%"));
	return pv;
}

/* Provider-wide imap + smtp; other.fr has its own imap server. */
static struct sv_provider *override_provider(void) {
	struct sv_provider *pv = sv_test_provider_new("example.fr", "Example Mail",
		NULL);
	add_domain(pv, "example.fr");
	add_domain(pv, "other.fr");
	sv_test_add_server(pv, &(struct sv_test_server)IMAP_SSL("imap.example.fr",
		"%EMAILADDRESS%"));
	sv_test_add_server(pv, &(struct sv_test_server)SMTP_SSL("smtp.example.fr",
		"%EMAILADDRESS%"));
	struct sv_test_server own = IMAP_SSL("imap.other.fr", "%EMAILLOCALPART%");
	own.domain = "other.fr";
	sv_test_add_server(pv, &own);
	return pv;
}

/* Text that libxml2 must escape, and non-ASCII it must keep. */
static struct sv_provider *escaping_provider(void) {
	struct sv_provider *pv = sv_test_provider_new("example.jp",
		"Tom & Jerry <Mail> é 日本", "T&J \"Mail\"");
	add_domain(pv, "example.jp");
	sv_test_add_server(pv, &(struct sv_test_server)IMAP_SSL("imap.example.jp",
		"user&<x>'\"%EMAILADDRESS%"));
	sv_test_add_server(pv, &(struct sv_test_server)SMTP_SSL("smtp.example.jp",
		"%EMAILADDRESS%"));
	struct sv_link *l = add_link(pv, SV_LINK_DOCUMENTATION,
		"https://example.jp/help?a=1&b=<2>&c=\"3\"");
	add_text(l, "ja", "設定 & <ヘルプ> 'quote' \"dq\"");
	add_text(l, "fr", "Réglages > avancés");
	return pv;
}

/* ---- rendering, filling, golden files ---- */

static const struct sv_answer_facts no_address = {
	.domain = "example.fr", .address = NULL, .local = NULL };

static char *render_fill(const struct sv_provider *pv, const char *override,
		const struct sv_answer_facts *f, size_t *len) {
	return sv_test_render_fill(sv_render_autoconfig,
		SV_AUTOCONFIG_CONTENT_TYPE, pv, override, f, len);
}

/* Proves well-formedness and the shape every answer shares. */
static void check_xml(const char *doc, size_t len) {
	const char *decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	assert_true(len >= strlen(decl));
	assert_memory_equal(doc, decl, strlen(decl)); /* no BOM either */
	assert_null(strstr(doc, "<password>")); /* <passwordField> is fine */
	assert_null(strstr(doc, "<password "));
	assert_null(strstr(doc, "<password/"));
	xmlDocPtr d = xmlReadMemory(doc, (int)len, "answer.xml", NULL,
		XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(d);
	xmlNodePtr root = xmlDocGetRootElement(d);
	assert_non_null(root);
	assert_string_equal((const char *)root->name, "clientConfig");
	assert_null(root->ns);
	xmlFreeDoc(d);
}

/* The renderer under test, and its Evolution form. */
static const struct sv_test_renderer renderer = { sv_render_autoconfig,
	SV_AUTOCONFIG_CONTENT_TYPE, check_xml, GOLDEN_DIR, ".xml" };
static const struct sv_test_renderer evolution = {
	sv_render_autoconfig_evolution, SV_AUTOCONFIG_CONTENT_TYPE, check_xml,
	NULL, NULL };

/*
 * Renders pv, fills it without an address (whose answer must also hold
 * or lack the n parts p) and with one, and compares both with their
 * golden files: name, and name-address.
 */
static void golden_parts_case(const char *name, const struct sv_provider *pv,
		const char *override, const char *domain, const char *address,
		const char *local, const struct sv_test_part *p, size_t n) {
	struct sv_answer_facts f = { .domain = domain };
	sv_test_golden_parts(&renderer, name, pv, override, &f, p, n);

	char with[128];
	int w = snprintf(with, sizeof(with), "%s-address", name);
	assert_true(w > 0 && (size_t)w < sizeof(with));
	f.address = address;
	f.local = local;
	sv_test_golden_parts(&renderer, with, pv, override, &f, NULL, 0);
}

/* Renders pv, fills it without and with an address, checks both. */
static void golden_case(const char *name, const struct sv_provider *pv,
		const char *override, const char *domain, const char *address,
		const char *local) {
	golden_parts_case(name, pv, override, domain, address, local, NULL, 0);
}

/* ---- the builder on its own ---- */

/* Builds "<a k="v">SLOT</a>" by hand and checks the cut. */
static void test_slot_closes_start_tag(void **state) {
	(void)state;
	for (int indent = 0; indent < 2; indent++) {
		struct sv_answer_builder b;
		assert_int_equal(sv_answer_builder_init(&b, "text/x"), SV_OK);
		assert_true(xmlTextWriterSetIndent(b.w, indent) >= 0);
		assert_true(xmlTextWriterStartDocument(b.w, NULL, "UTF-8",
			NULL) >= 0);
		assert_true(xmlTextWriterStartElement(b.w, BAD_CAST "r") >= 0);
		assert_true(xmlTextWriterStartElement(b.w, BAD_CAST "a") >= 0);
		assert_true(xmlTextWriterWriteAttribute(b.w, BAD_CAST "k",
			BAD_CAST "v") >= 0);
		assert_int_equal(sv_answer_builder_slot(&b, SV_SLOT_DOMAIN), 0);
		assert_int_equal(sv_answer_builder_slot(&b,
			SV_SLOT_EMAILLOCALPART), 0);
		assert_true(xmlTextWriterEndElement(b.w) >= 0);
		assert_true(xmlTextWriterStartElement(b.w, BAD_CAST "e") >= 0);
		assert_int_equal(sv_answer_builder_template(&b, ""), 0);
		assert_true(xmlTextWriterEndElement(b.w) >= 0);
		assert_true(xmlTextWriterEndDocument(b.w) >= 0);
		struct sv_answer *a = NULL;
		assert_int_equal(sv_answer_builder_finish(&b, &a, NULL), SV_OK);
		assert_non_null(a);
		/* literal, slot, slot, literal */
		assert_int_equal(a->n_ops, 4);
		assert_int_equal(a->ops[1], SV_ANSWER_OP_SLOT | SV_SLOT_DOMAIN);
		assert_int_equal(a->ops[2],
			SV_ANSWER_OP_SLOT | SV_SLOT_EMAILLOCALPART);
		assert_true((a->ops[0] & SV_ANSWER_OP_SLOT) == 0);

		struct sv_buf out;
		sv_buf_init(&out, 4096);
		const struct sv_answer_facts f = { .domain = "d.fr",
			.address = "x<y@d.fr", .local = "x<y" };
		assert_int_equal(sv_answer_fill(a, &f, &out), SV_OK);
		const char *want = indent
			? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<r>\n <a k=\"v\">d.frx&lt;y</a>\n <e></e>\n</r>\n"
			: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			  "<r><a k=\"v\">d.frx&lt;y</a><e></e></r>\n";
		assert_string_equal(out.data, want);
		sv_buf_finish(&out);
		sv_answer_destroy(a);
	}
}

static void test_builder_abandon_and_destroy_null(void **state) {
	(void)state;
	struct sv_answer_builder b;
	memset(&b, 0, sizeof(b));
	sv_answer_builder_abandon(&b); /* zeroed: no-op */
	sv_answer_builder_abandon(NULL);
	sv_answer_destroy(NULL);
	assert_int_equal(sv_answer_builder_init(&b, "t"), SV_OK);
	assert_true(xmlTextWriterStartElement(b.w, BAD_CAST "x") >= 0);
	sv_answer_builder_abandon(&b); /* half-written: frees all */
	assert_null(b.w);
}

/* A template the builder cannot split fails the whole answer. */
static void test_builder_bad_template(void **state) {
	(void)state;
	struct sv_answer_builder b;
	assert_int_equal(sv_answer_builder_init(&b, "t"), SV_OK);
	assert_true(xmlTextWriterStartElement(b.w, BAD_CAST "x") >= 0);
	assert_int_equal(sv_answer_builder_template(&b, "%FOO%"), -1);
	assert_int_equal(b.failed, SV_EINVAL);
	assert_int_equal(sv_answer_builder_slot(&b, SV_SLOT_DOMAIN), -1);
	static struct sv_answer sentinel;
	struct sv_answer *a = &sentinel; /* must be reset to NULL */
	struct sv_err err = { "" };
	assert_int_equal(sv_answer_builder_finish(&b, &a, &err), SV_EINVAL);
	assert_null(a);
	assert_true(err.msg[0] != '\0');
}

/* ---- golden cases ---- */

static void test_minimal(void **state) {
	struct sv_provider *pv = *state;
	golden_case("minimal", pv, NULL, "example.fr", "jean.dupont@example.fr",
		"jean.dupont");
}

static void test_every_extra(void **state) {
	golden_parts_case("extras", *state, NULL, "example.net",
		"ann@example.net", "ann", SV_TEST_PARTS(
		/* Left out: URL-based and exchange servers. */
		SV_TEST_LACKS("ews"), SV_TEST_LACKS("exchange"),
		SV_TEST_LACKS("owa"),
		/* An empty <pop3/> makes Thunderbird's readFromXML throw. */
		SV_TEST_LACKS("<pop3/>"),
		/* Only the requested domain, never the provider's list. */
		SV_TEST_LACKS("example.com</domain>")));
}

/* By default the plain relay beside the STARTTLS smtp server is left
 * out (model.h, sv_provider_servers_for); the rest is unchanged. */
static void test_plaintext_withheld(void **state) {
	struct sv_provider *pv = *state;
	pv->publish_plaintext = false;
	const struct sv_answer_facts f = { .domain = "example.net" };
	sv_test_expect_parts(&renderer, "plaintext withheld", pv, NULL, &f,
		SV_TEST_PARTS(
		SV_TEST_LACKS("relay.example.com"),
		SV_TEST_LACKS("<socketType>plain</socketType>"),
		SV_TEST_HAS("<hostname>smtp.example.com</hostname>")));
}

/*
 * Evolution's form (issue 17): the first server of each type only, in
 * the usual order, %EMAILDOMAIN% written as the requested domain even
 * without an address, the address tokens kept for Evolution to fill.
 */
static void test_evolution(void **state) {
	struct sv_provider *pv = *state;
	size_t len;
	const struct sv_answer_facts f = { .domain = "client.fr" };
	char *doc = sv_test_render_fill(sv_render_autoconfig_evolution,
		SV_AUTOCONFIG_CONTENT_TYPE, pv, NULL, &f, &len);
	sv_test_parts("evolution", doc, SV_TEST_PARTS(
		/* imap (the SSL one, not the later STARTTLS one), pop3, smtp */
		SV_TEST_HAS("<hostname>mail.client.fr</hostname>"),
		SV_TEST_LACKS("imap.hoster.example"),
		SV_TEST_HAS("<hostname>pop.client.fr</hostname>"),
		SV_TEST_HAS("<hostname>smtp.client.fr</hostname>"),
		SV_TEST_LACKS("%EMAILDOMAIN%"),
		SV_TEST_HAS("<username>%EMAILLOCALPART%%client.fr</username>"),
		SV_TEST_HAS("<username>recent:%EMAILADDRESS%</username>")));
	const char *const order[] = { "type=\"imap\"", "type=\"pop3\"",
		"type=\"smtp\"" };
	sv_test_in_order("evolution", doc, order, SV_TEST_LEN(order));
	assert_null(strstr(strstr(doc, order[0]) + 1, order[0]));
	sv_free(doc);
	/* with an address (a newer Evolution sends it): filled */
	const struct sv_answer_facts a = { .domain = "client.fr",
		.address = "jean@client.fr", .local = "jean" };
	sv_test_expect_parts(&evolution, "evolution with an address", pv,
		NULL, &a, SV_TEST_PARTS(
		SV_TEST_HAS("<username>jean%client.fr</username>"),
		SV_TEST_LACKS("%EMAIL")));
}

static void test_templates(void **state) {
	struct sv_provider *pv = *state;
	golden_case("templates", pv, NULL, "client.fr", "jean@client.fr",
		"jean");
	/* Spot checks, so the golden file is not the only witness. */
	const struct sv_answer_facts f = { .domain = "client.fr",
		.address = "jean@client.fr", .local = "jean" };
	sv_test_expect_parts(&renderer, "templates with an address", pv, NULL,
		&f, SV_TEST_PARTS(
		SV_TEST_HAS("<hostname>mail.client.fr</hostname>"),
		SV_TEST_HAS("<username>jean%client.fr</username>"),
		SV_TEST_HAS("<username>recent:jean@client.fr</username>"),
		SV_TEST_HAS("<username>%REALNAME%</username>"),
		SV_TEST_HAS("<username>jean.client.fr</username>")));
	sv_test_expect_parts(&renderer, "templates", pv, NULL, &no_address,
		SV_TEST_PARTS(
		SV_TEST_HAS("<hostname>mail.%EMAILDOMAIN%</hostname>"),
		SV_TEST_HAS("<username>%EMAILLOCALPART%%%EMAILDOMAIN%"
			"</username>")));
}

static void test_special_address(void **state) {
	struct sv_provider *pv = *state;
	const struct sv_answer_facts f = { .domain = "example.fr",
		.address = "o'brien&co@example.fr", .local = "o'brien&co" };
	sv_test_golden_parts(&renderer, "special-address", pv, NULL, &f,
		SV_TEST_PARTS(
		SV_TEST_HAS("<username>o&apos;brien&amp;co%example.fr"
			"</username>"),
		SV_TEST_HAS("<username>recent:o&apos;brien&amp;co@example.fr"
			"</username>")));

	/* Without local, the part before the last '@' is used. */
	const struct sv_answer_facts g = { .domain = "example.fr",
		.address = "\"a@b\"@example.fr", .local = NULL };
	size_t len;
	char *doc = render_fill(pv, NULL, &g, &len);
	assert_non_null(strstr(doc,
		"<username>&quot;a@b&quot;%example.fr</username>"));
	check_xml(doc, len);
	sv_free(doc);
}

static void test_override_domain(void **state) {
	struct sv_provider *pv = *state;
	golden_case("override", pv, "other.fr", "other.fr", "paul@other.fr",
		"paul");
	const struct sv_answer_facts f = { .domain = "other.fr" };
	sv_test_expect_parts(&renderer, "override other.fr", pv, "other.fr", &f,
		SV_TEST_PARTS(
		SV_TEST_HAS("imap.other.fr"), SV_TEST_LACKS("imap.example.fr"),
		SV_TEST_HAS("smtp.example.fr")));
	/* The provider-wide answer never shows a domain's own servers. */
	sv_test_expect_parts(&renderer, "provider-wide", pv, NULL, &no_address,
		SV_TEST_PARTS(
		SV_TEST_LACKS("imap.other.fr"), SV_TEST_HAS("imap.example.fr")));
}

static void test_text_escaping(void **state) {
	golden_parts_case("escaping", *state, NULL, "example.jp",
		"a.b@example.jp", "a.b", SV_TEST_PARTS(
		SV_TEST_HAS("<displayName>Tom &amp; Jerry &lt;Mail&gt; é 日本"
			"</displayName>"),
		SV_TEST_HAS("url=\"https://example.jp/help?a=1&amp;"
			"b=&lt;2&gt;&amp;c=&quot;3&quot;\""),
		SV_TEST_HAS("設定 &amp; &lt;ヘルプ&gt;"),
		/* The writer's literal run next to a slot. */
		SV_TEST_HAS("<username>user&amp;&lt;x&gt;'&quot;"
			"%EMAILADDRESS%</username>")));
}

/* ---- limits and failures ---- */

static void test_fill_too_big(void **state) {
	struct sv_answer *a = sv_test_render(sv_render_autoconfig, *state);
	const struct sv_answer_facts f = { .domain = "client.fr",
		.address = "jean@client.fr", .local = "jean" };
	struct sv_buf out;
	sv_buf_init(&out, 16);
	assert_int_equal(sv_answer_fill(a, &f, &out), SV_ETOOBIG);
	assert_null(out.data);
	assert_int_equal(out.len, 0);

	/* Exactly fitting (max counts the NUL) and one byte short. */
	sv_buf_init(&out, OUT_MAX);
	assert_int_equal(sv_answer_fill(a, &f, &out), SV_OK);
	size_t need = out.len + 1;
	sv_buf_finish(&out);
	sv_buf_init(&out, need);
	assert_int_equal(sv_answer_fill(a, &f, &out), SV_OK);
	sv_buf_finish(&out);
	sv_buf_init(&out, need - 1);
	assert_int_equal(sv_answer_fill(a, &f, &out), SV_ETOOBIG);
	assert_null(out.data);
	/* Too big inside an escaped slot value. */
	const struct sv_answer_facts g = { .domain = "client.fr",
		.address = "&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&@client.fr",
		.local = "&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&" };
	sv_buf_init(&out, need + 60);
	assert_int_equal(sv_answer_fill(a, &g, &out), SV_ETOOBIG);
	assert_null(out.data);
	sv_answer_destroy(a);
}

static void test_fill_rejects_control_bytes(void **state) {
	struct sv_answer *a = sv_test_render(sv_render_autoconfig, *state);
	const struct sv_answer_facts f = { .domain = "client.fr",
		.address = "je\ran@client.fr", .local = "je\ran" };
	struct sv_buf out;
	sv_buf_init(&out, OUT_MAX);
	assert_int_equal(sv_buf_append_str(&out, "prefix"), SV_OK);
	assert_int_equal(sv_answer_fill(a, &f, &out), SV_EINVAL);
	assert_null(out.data); /* nothing partial */
	/* Tab and newline are XML text; they pass. */
	const struct sv_answer_facts g = { .domain = "client.fr",
		.address = "je\tan@client.fr", .local = "je\nan" };
	assert_int_equal(sv_answer_fill(a, &g, &out), SV_OK);
	sv_buf_finish(&out);
	sv_answer_destroy(a);
}

static void test_render_rejects_bad_data(void **state) {
	struct sv_provider *pv = *state;
	static struct sv_answer sentinel;
	struct sv_answer *a = &sentinel; /* must be reset to NULL */
	struct sv_err err = { "" };
	sv_free(pv->servers[0].hostname);
	pv->servers[0].hostname = sv_test_dup("mail.%FOO%");
	assert_int_equal(sv_render_autoconfig(pv, NULL, &a, &err), SV_EINVAL);
	assert_null(a);
	assert_non_null(strstr(err.msg, "example.fr"));

	sv_free(pv->servers[0].hostname);
	pv->servers[0].hostname = NULL;
	assert_int_equal(sv_render_autoconfig(pv, NULL, &a, &err), SV_EINVAL);
	assert_non_null(strstr(err.msg, "hostname"));
	pv->servers[0].hostname = sv_test_dup("imap.example.fr");

	pv->servers[1].port = 65536;
	assert_int_equal(sv_render_autoconfig(pv, NULL, &a, &err), SV_EINVAL);
	pv->servers[1].port = 465;
	pv->servers[1].socket = SV_SOCKET_NONE;
	assert_int_equal(sv_render_autoconfig(pv, NULL, &a, &err), SV_EINVAL);
	pv->servers[1].socket = SV_SOCKET_SSL;
	pv->servers[1].n_auth = 0;
	assert_int_equal(sv_render_autoconfig(pv, NULL, &a, &err), SV_EINVAL);
	pv->servers[1].n_auth = 1;
	assert_int_equal(sv_render_autoconfig(pv, NULL, &a, &err), SV_OK);
	sv_answer_destroy(a);
}

/*
 * Absent or empty names: no empty elements, which Thunderbird reads as the
 * string "true"; the display name falls back to the id, the username to
 * the address.
 */
static void test_absent_and_empty_values(void **state) {
	(void)state;
	for (int empty = 0; empty < 2; empty++) {
		struct sv_provider *pv = minimal_provider();
		sv_free(pv->display_name);
		pv->display_name = empty ? sv_test_dup("") : NULL;
		sv_free(pv->short_name);
		pv->short_name = empty ? sv_test_dup("") : NULL;
		sv_free(pv->servers[0].username);
		pv->servers[0].username = empty ? sv_test_dup("") : NULL;
		sv_free(pv->servers[1].username);
		pv->servers[1].username = NULL;
		pv->webmail.login_page = sv_test_dup(empty ? "" : "https://w/");
		pv->webmail.info_url = sv_test_dup("https://w/login");
		pv->webmail.username = empty ? sv_test_dup("") : NULL;
		size_t len;
		char *doc = render_fill(pv, NULL, &no_address, &len);
		sv_test_parts(empty ? "empty values" : "absent values", doc,
			SV_TEST_PARTS(
			SV_TEST_HAS("<displayName>example.fr</displayName>"),
			SV_TEST_LACKS("displayShortName"),
			SV_TEST_LACKS("></"))); /* no empty element */
		const char *u = "<username>%EMAILADDRESS%</username>";
		const char *first = strstr(doc, u);
		assert_non_null(first);
		assert_non_null(strstr(first + 1, u)); /* both servers */
		if (empty) {
			assert_null(strstr(doc, "webMail"));
		} else {
			assert_non_null(strstr(doc, "<loginPageInfo "
				"url=\"https://w/login\"/>"));
		}
		check_xml(doc, len);
		sv_free(doc);
		sv_provider_destroy(pv);
	}
}

/*
 * Calendars, address books and file shares: the root-level sections after
 * emailProvider and version 1.2; a domain with a calendar of its own gets
 * that one instead of the provider-wide ones; an address is
 * percent-encoded inside a URL ('/' and '%' of the local part cannot
 * change the path), and left as placeholders without one.
 */
static struct sv_provider *dav_provider(void) {
	struct sv_provider *pv = minimal_provider();
	add_domain(pv, "example.org");
	sv_test_add_service(pv, SV_SERVICE_CALDAV,
		"https://dav.%EMAILDOMAIN%/cal/%EMAILADDRESS%/", NULL, NULL);
	struct sv_service *card = sv_test_add_service(pv, SV_SERVICE_CARDDAV,
		"https://dav.example.fr/card/?u=%EMAILLOCALPART%&x=1",
		"%EMAILLOCALPART%", NULL);
	card->auth[0] = SV_SAUTH_OAUTH2;
	card->auth[1] = SV_SAUTH_HTTP_DIGEST;
	card->n_auth = 2;
	sv_test_add_service(pv, SV_SERVICE_WEBDAV, "https://files.example.fr/",
		"%EMAILADDRESS%", NULL);
	sv_test_add_service(pv, SV_SERVICE_CALDAV, "https://cal.example.org/",
		NULL, "example.org");
	return pv;
}

static void test_dav(void **state) {
	struct sv_provider *pv = *state;
	golden_case("dav", pv, NULL, "example.fr", "jean/x%41@example.fr",
		"jean/x%41");
	golden_case("dav-override", pv, "example.org", "example.org",
		"ann@example.org", "ann");
	const struct sv_answer_facts f = { .domain = "example.fr",
		.address = "jean/x%41@example.fr", .local = "jean/x%41" };
	sv_test_renderer_alloc_case(&renderer, pv, &f);
}

static void test_alloc_failures(void **state) {
	struct sv_provider *pv = *state;
	const struct sv_answer_facts f = { .domain = "example.net",
		.address = "ann@example.net", .local = "ann" };
	sv_test_renderer_alloc_case(&renderer, pv, &f);
}

/*
 * One-shot failures in libxml2: the allocation number n of libxml2 fails
 * and the following ones succeed again, which is where libxml2 2.9.14's
 * writer loses text without an error (answer.h). The hooks wrap the
 * counting ones of sv_answer_xml_memory_setup(), so the builder sees the
 * failure and every such render must end in SV_ENOMEM.
 */
static xmlFreeFunc inner_free;
static xmlMallocFunc inner_malloc;
static xmlReallocFunc inner_realloc;
static xmlStrdupFunc inner_strdup;
static long oneshot = -1; /* libxml2 allocations left before the failure */
static bool oneshot_hit;

static bool oneshot_now(void) {
	if (oneshot < 0 || oneshot-- > 0) {
		return false;
	}
	oneshot_hit = true;
	sv_alloc_fail_after(0); /* the inner hook fails and counts it */
	return true;
}

static void *os_malloc(size_t n) {
	bool now = oneshot_now();
	void *p = inner_malloc(n);
	if (now) {
		sv_alloc_fail_after(-1);
	}
	return p;
}

static void *os_realloc(void *old, size_t n) {
	bool now = oneshot_now();
	void *p = inner_realloc(old, n);
	if (now) {
		sv_alloc_fail_after(-1);
	}
	return p;
}

static char *os_strdup(const char *str) {
	bool now = oneshot_now();
	char *p = inner_strdup(str);
	if (now) {
		sv_alloc_fail_after(-1);
	}
	return p;
}

/* A small document through the bare writer; 0 when every call was >= 0. */
static int bare_writer_doc(char **out) {
	*out = NULL;
	xmlBufferPtr xb = xmlBufferCreate();
	xmlTextWriterPtr w = xb != NULL ? xmlNewTextWriterMemory(xb, 0) : NULL;
	int rc = 0;
	if (w == NULL || xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "a") < 0 ||
			xmlTextWriterWriteElement(w, BAD_CAST "b",
				BAD_CAST "Tom & Jerry") < 0 ||
			xmlTextWriterEndDocument(w) < 0) {
		rc = -1;
	}
	xmlFreeTextWriter(w);
	if (rc == 0) {
		*out = sv_strdup((const char *)xmlBufferContent(xb));
		assert_non_null(*out);
	}
	xmlBufferFree(xb);
	return rc;
}

static void test_libxml2_oneshot_failures(void **state) {
	struct sv_provider *pv = *state;
	const struct sv_answer_facts f = { .domain = "example.net",
		.address = "ann@example.net", .local = "ann" };
	size_t want_len;
	char *want = render_fill(pv, NULL, &f, &want_len);
	char *bare_want;
	assert_int_equal(bare_writer_doc(&bare_want), 0);

	assert_int_equal(xmlMemGet(&inner_free, &inner_malloc, &inner_realloc,
		&inner_strdup), 0);
	assert_int_equal(xmlMemSetup(inner_free, os_malloc, os_realloc,
		os_strdup), 0);
	xmlSetGenericErrorFunc(NULL, sv_test_xml_quiet);

	/* What the bare writer does (informational: upstream behaviour). */
	int silent = 0, tries = 0;
	for (long n = 0;; n++, tries++) {
		char *got;
		oneshot = n;
		oneshot_hit = false;
		int rc = bare_writer_doc(&got);
		oneshot = -1;
		if (!oneshot_hit) {
			assert_int_equal(rc, 0);
			sv_free(got);
			break;
		}
		if (rc == 0 && strcmp(got, bare_want) != 0) {
			silent++;
		}
		sv_free(got);
	}
	print_message("libxml2: %d of %d one-shot allocation failures "
		"corrupted the bare writer's output without an error\n",
		silent, tries);

	/* The builder turns every one of them into SV_ENOMEM. */
	for (long n = 0;; n++) {
		struct sv_answer *a = NULL;
		oneshot = n;
		oneshot_hit = false;
		int rc = sv_render_autoconfig(pv, NULL, &a, NULL);
		oneshot = -1;
		if (!oneshot_hit) {
			assert_int_equal(rc, SV_OK);
			sv_answer_destroy(a);
			break;
		}
		if (rc != SV_ENOMEM) {
			sv_answer_destroy(a);
			fail_msg("libxml2 allocation %ld failed, render gave %d",
				n, rc);
		}
		assert_null(a);
	}

	xmlSetGenericErrorFunc(NULL, NULL);
	assert_int_equal(xmlMemSetup(inner_free, inner_malloc, inner_realloc,
		inner_strdup), 0);
	sv_free(bare_want);
	sv_free(want);
}

/* The providers the fixtures give the tests (SV_TEST_WITH). */
static struct sv_test_maker dav_provider_maker = { dav_provider };
static struct sv_test_maker escaping_provider_maker = { escaping_provider };
static struct sv_test_maker extras_provider_maker = { extras_provider };
static struct sv_test_maker minimal_provider_maker = { minimal_provider };
static struct sv_test_maker override_provider_maker = { override_provider };
static struct sv_test_maker templates_provider_maker = { templates_provider };

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_closes_start_tag),
		cmocka_unit_test(test_builder_abandon_and_destroy_null),
		cmocka_unit_test(test_builder_bad_template),
		SV_TEST_WITH(test_minimal, minimal_provider_maker),
		SV_TEST_WITH(test_every_extra, extras_provider_maker),
		SV_TEST_WITH(test_plaintext_withheld, extras_provider_maker),
		SV_TEST_WITH(test_evolution, templates_provider_maker),
		SV_TEST_WITH(test_templates, templates_provider_maker),
		SV_TEST_WITH(test_special_address, templates_provider_maker),
		SV_TEST_WITH(test_override_domain, override_provider_maker),
		SV_TEST_WITH(test_dav, dav_provider_maker),
		SV_TEST_WITH(test_text_escaping, escaping_provider_maker),
		SV_TEST_WITH(test_fill_too_big, templates_provider_maker),
		SV_TEST_WITH(test_fill_rejects_control_bytes, templates_provider_maker),
		SV_TEST_WITH(test_render_rejects_bad_data, minimal_provider_maker),
		cmocka_unit_test(test_absent_and_empty_values),
		SV_TEST_WITH(test_alloc_failures, extras_provider_maker),
		SV_TEST_WITH(test_libxml2_oneshot_failures, extras_provider_maker),
	};
	return cmocka_run_group_tests(tests, sv_test_xml_setup,
		sv_test_xml_teardown);
}
