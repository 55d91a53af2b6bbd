/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/answer/render_ispdb.c (the export, issue #4): providers read by
 * the importer from the fixtures in tests/data/import are rendered and compared byte
 * for byte with tests/data/golden/ispdb/<case>.xml (SUIVANT_UPDATE_GOLDEN=1
 * rewrites them; review the diff); the rendered document is imported
 * again and must render to the very same bytes (export is the importer's
 * inverse). Servers bound to one domain are left out and counted;
 * allocation failures, in our allocations and libxml2's, give SV_ENOMEM
 * and an empty buffer, never a truncated document.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "answer/answer.h"
#include "answer/render_ispdb.h"
#include "import/import_mozilla.h"
#include "model/model.h"
#include "test_support.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "xml_testing.h"

#ifndef SV_SOURCE_ROOT
#error "SV_SOURCE_ROOT must name the source tree"
#endif

#define DATA_DIR SV_SOURCE_ROOT "/tests/data/import/"
#define GOLDEN_DIR SV_SOURCE_ROOT "/tests/data/golden/ispdb/"
#define OUT_MAX (1024 * 1024)

static struct sv_provider *import_path(const char *path) {
	struct sv_provider *pv = NULL;
	struct sv_err e = { "" };
	if (sv_import_mozilla_file(path, &pv, &e) != SV_OK) {
		fail_msg("%s", e.msg);
	}
	return pv;
}

static char *render(const struct sv_provider *pv, size_t *len,
		size_t *left_out) {
	struct sv_buf out;
	sv_buf_init(&out, OUT_MAX);
	struct sv_err e = { "" };
	if (sv_render_ispdb(pv, &out, left_out, &e) != SV_OK) {
		fail_msg("%s", e.msg);
	}
	char *s = sv_buf_take(&out, len);
	assert_non_null(s);
	return s;
}

static void check_golden(const char *name, const char *got, size_t len) {
	sv_test_golden_check(GOLDEN_DIR, name, ".xml", got, len);
}

/* The exported doc imported again: it must import. */
static struct sv_provider *reimport(const char *doc, size_t len) {
	struct sv_provider *again = NULL;
	struct sv_err e = { "" };
	if (sv_import_mozilla_memory(doc, len, "exported.xml", &again,
			&e) != SV_OK) {
		fail_msg("the export does not import: %s", e.msg);
	}
	return again;
}

/* Renders the fixture, checks the golden file and the fixpoint. */
static void golden_fixture(const char *name) {
	char path[512];
	snprintf(path, sizeof(path), DATA_DIR "%s.xml", name);
	struct sv_provider *pv = import_path(path);
	size_t len, left_out = 99;
	char *doc = render(pv, &len, &left_out);
	assert_int_equal(left_out, 0);
	check_golden(name, doc, len);

	/* import(export(pv)) exports to the same bytes */
	struct sv_provider *again = reimport(doc, len);
	size_t len2;
	char *doc2 = render(again, &len2, NULL);
	assert_int_equal(len2, len);
	assert_memory_equal(doc2, doc, len);
	assert_int_equal(again->n_servers, pv->n_servers);
	assert_int_equal(again->n_links, pv->n_links);
	assert_int_equal(again->n_services, pv->n_services);
	sv_free(doc2);
	sv_provider_destroy(again);
	sv_free(doc);
	sv_provider_destroy(pv);
}

static void test_full(void **state) {
	(void)state;
	golden_fixture("full");
}

static void test_minimal(void **state) {
	(void)state;
	golden_fixture("minimal");
}

/*
 * Calendars, address books and file shares: the draft's root-level
 * sections come back exactly as the file had them (the file is written
 * in the export's own layout), in their order, version 1.2.
 */
static void test_dav(void **state) {
	(void)state;
	golden_fixture("dav");
	size_t in_len = 0, out_len = 0;
	char *in = sv_test_read_file(DATA_DIR "dav.xml", &in_len);
	char *golden = sv_test_read_file(GOLDEN_DIR "dav.xml", &out_len);
	assert_non_null(in);
	assert_non_null(golden);
	assert_int_equal(out_len, in_len);
	assert_memory_equal(golden, in, in_len);
	sv_free(in);
	sv_free(golden);
}

/* t-online.de's <loginPageInfo waitForRedirectionURLPrefix>: the import
 * kept it, the export dropped it (issue 16). */
static void test_login_page_info_wait_redirect_exported(void **state) {
	(void)state;
	struct sv_provider *pv = import_path(SV_SOURCE_ROOT
		"/tests/data/roundtrip/t-online.de.xml");
	size_t len;
	char *doc = render(pv, &len, NULL);
	assert_non_null(strstr(doc, "<loginPageInfo url=\"https://accounts."
		"login.idm.telekom.com/oauth2/auth\" waitForRedirectionURLPrefix="
		"\"https://email.t-online.de/em\">"));
	struct sv_provider *again = reimport(doc, len);
	assert_string_equal(again->webmail.wait_redirect_prefix,
		pv->webmail.wait_redirect_prefix);
	sv_provider_destroy(again);
	sv_free(doc);
	sv_provider_destroy(pv);
}

/* What the public answer leaves out or fills in, the export keeps as is. */
static void test_admin_view(void **state) {
	(void)state;
	struct sv_provider *pv = import_path(DATA_DIR "full.xml");
	size_t len;
	char *doc = render(pv, &len, NULL);
	/* every domain, templates intact, URL and Exchange servers */
	sv_test_parts("admin view", doc, SV_TEST_PARTS(
		SV_TEST_HAS("<domain>example.org</domain>"),
		SV_TEST_HAS("<hostname>smtp.%EMAILDOMAIN%</hostname>"),
		SV_TEST_HAS("<incomingServer type=\"ews\">"),
		SV_TEST_HAS("<owaURL>https://exchange.example.net/"
			"owa/</owaURL>"),
		/* never a password, nor what the model does not keep */
		SV_TEST_LACKS("<password>"), SV_TEST_LACKS("inputField")));
	/* the relay without username stays without one */
	const char *relay = strstr(doc, "<hostname>relay.example.net");
	assert_non_null(relay);
	const char *end = strstr(relay, "</outgoingServer>");
	assert_non_null(end);
	const char *user = strstr(relay, "<username>");
	assert_true(user == NULL || user > end);
	/* the <enable> that was under clientConfig is in emailProvider */
	const char *const enable[] = { "settings/pop", "</emailProvider>" };
	sv_test_in_order("admin view", doc, enable, SV_TEST_LEN(enable));
	sv_free(doc);
	sv_provider_destroy(pv);
}

/* A server bound to one domain cannot be written: left out, counted. */
static void test_domain_servers_left_out(void **state) {
	(void)state;
	struct sv_provider *pv = import_path(DATA_DIR "minimal.xml");
	assert_int_equal(sv_provider_add_domain(pv, "other.example"), SV_OK);
	struct sv_server s = {
		.type = SV_SERVER_IMAP, .port = 993, .socket = SV_SOCKET_SSL,
		.auth = { SV_AUTH_PASSWORD_CLEARTEXT }, .n_auth = 1,
		.priority = 5,
		.pop3 = { .days_to_leave = -1, .check_interval_min = -1 },
	};
	s.hostname = sv_strdup("imap.other.example");
	s.domain = sv_strdup("other.example");
	assert_non_null(s.hostname);
	assert_non_null(s.domain);
	assert_int_equal(sv_provider_add_server(pv, &s, NULL), SV_OK);
	size_t len, left_out = 0;
	char *doc = render(pv, &len, &left_out);
	assert_int_equal(left_out, 1);
	sv_test_parts("domain servers", doc, SV_TEST_PARTS(
		SV_TEST_LACKS("imap.other.example"),
		SV_TEST_HAS("<!-- suivant: 1 server bound to a single "
			"domain not exported"),
		SV_TEST_HAS("<domain>other.example</domain>")));
	struct sv_provider *again = reimport(doc, len);
	assert_int_equal(again->n_servers, pv->n_servers - 1);
	sv_provider_destroy(again);
	sv_free(doc);
	sv_provider_destroy(pv);
}

static void test_bad_input(void **state) {
	(void)state;
	struct sv_provider *pv = sv_test_provider_new(NULL, NULL, NULL);
	struct sv_buf out;
	sv_buf_init(&out, OUT_MAX);
	struct sv_err e = { "" };
	assert_int_equal(sv_render_ispdb(pv, &out, NULL, &e), SV_EINVAL);
	assert_string_equal(e.msg, "export: provider without id");
	sv_provider_destroy(pv);

	/* the output limit: an empty buffer, never half a document */
	pv = import_path(DATA_DIR "full.xml");
	sv_buf_init(&out, 256);
	assert_int_equal(sv_render_ispdb(pv, &out, NULL, &e), SV_ETOOBIG);
	assert_null(out.data);
	sv_buf_finish(&out);
	sv_provider_destroy(pv);
}

static int render_full(void *ctx, struct sv_buf *out) {
	struct sv_err e = { "" };
	return sv_render_ispdb(ctx, out, NULL, &e);
}

static void test_alloc_failures(void **state) {
	(void)state;
	struct sv_provider *pv = import_path(DATA_DIR "full.xml");
	assert_true(sv_test_buf_alloc_loop("full", render_full, pv) > 10);
	sv_provider_destroy(pv);
	pv = import_path(DATA_DIR "dav.xml");
	assert_true(sv_test_buf_alloc_loop("dav", render_full, pv) > 10);
	sv_provider_destroy(pv);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_dav),
		cmocka_unit_test(test_admin_view),
		cmocka_unit_test(test_login_page_info_wait_redirect_exported),
		cmocka_unit_test(test_domain_servers_left_out),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, sv_test_xml_setup,
		sv_test_xml_teardown);
}
