/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for snapshot.c: resolution order (exact, longest *.suffix,
 * catch-all), per-domain answers, skipped providers, the holder's
 * reference counting and allocation failures during a build.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <libxml/parser.h>

#include "alloc.h"
#include "snapshot.h"
#include "xml_testing.h"

static void add_server(struct sv_provider *pv, enum sv_server_type type,
		const char *host, int port, const char *domain, int priority) {
	struct sv_server s = { 0 };
	s.type = type;
	s.hostname = sv_strdup(host);
	s.port = port;
	s.socket = SV_SOCKET_SSL;
	s.username = sv_strdup("%EMAILADDRESS%");
	s.auth[0] = SV_AUTH_PASSWORD_CLEARTEXT;
	s.n_auth = 1;
	s.priority = priority;
	s.domain = domain != NULL ? sv_strdup(domain) : NULL;
	assert_int_equal(sv_provider_add_server(pv, &s, NULL), SV_OK);
}

/* A servable provider with the given domains (NULL-terminated). */
static struct sv_provider *provider(const char *id, const char **domains) {
	struct sv_provider *pv = sv_provider_create();
	assert_non_null(pv);
	pv->id = sv_strdup(id);
	pv->display_name = sv_strdup(id);
	for (const char **d = domains; *d != NULL; d++) {
		assert_int_equal(sv_provider_add_domain(pv, *d), SV_OK);
	}
	add_server(pv, SV_SERVER_IMAP, "imap.%EMAILDOMAIN%", 993, NULL, 10);
	add_server(pv, SV_SERVER_SMTP, "smtp.example.net", 465, NULL, 20);
	return pv;
}

static struct sv_snapshot *build(struct sv_provider **list, size_t n,
		size_t *skipped) {
	struct sv_provider **pvs = sv_calloc(n, sizeof(*pvs));
	assert_non_null(pvs);
	memcpy(pvs, list, n * sizeof(*pvs));
	struct sv_err err = { "" };
	struct sv_snapshot *s = sv_snapshot_build(pvs, n, 7, skipped, NULL,
		&err);
	assert_non_null(s);
	return s;
}

static const char *resolve(const struct sv_snapshot *s, const char *d) {
	struct sv_snapshot_match m;
	if (sv_snapshot_lookup(s, d, &m) != SV_OK) {
		return NULL;
	}
	return m.pattern;
}

static void test_resolution_order(void **state) {
	(void)state;
	const char *a[] = { "example.fr", "*.example.fr", NULL };
	const char *b[] = { "*.deep.example.fr", NULL };
	const char *c[] = { "*", NULL };
	struct sv_provider *list[] = {
		provider("a.example", a), provider("b.example", b),
		provider("c.example", c),
	};
	struct sv_snapshot *s = build(list, 3, NULL);
	assert_int_equal(sv_snapshot_provider_count(s), 3);
	assert_int_equal(sv_snapshot_domain_count(s), 4);
	assert_int_equal(sv_snapshot_generation(s), 7);
	assert_string_equal(resolve(s, "example.fr"), "example.fr");
	assert_string_equal(resolve(s, "mx.example.fr"), "*.example.fr");
	assert_string_equal(resolve(s, "a.b.example.fr"), "*.example.fr");
	/* The longest suffix wins, */
	assert_string_equal(resolve(s, "x.deep.example.fr"),
		"*.deep.example.fr");
	/* but a wildcard needs at least one label of its own. */
	assert_string_equal(resolve(s, "deep.example.fr"), "*.example.fr");
	assert_string_equal(resolve(s, "other.org"), "*");
	assert_string_equal(resolve(s, "fr"), "*");
	sv_snapshot_release(s);
}

static void test_not_found_without_catch_all(void **state) {
	(void)state;
	const char *a[] = { "example.fr", NULL };
	struct sv_provider *list[] = { provider("a.example", a) };
	struct sv_snapshot *s = build(list, 1, NULL);
	struct sv_snapshot_match m;
	assert_int_equal(sv_snapshot_lookup(s, "example.com", &m),
		SV_ENOTFOUND);
	assert_int_equal(sv_snapshot_lookup(s, "xexample.fr", &m),
		SV_ENOTFOUND);
	assert_int_equal(sv_snapshot_lookup(s, "", &m), SV_ENOTFOUND);
	sv_snapshot_release(s);
}

static void test_answer_fills_requested_domain(void **state) {
	(void)state;
	const char *a[] = { "*.hoster.example", "hoster.example", NULL };
	struct sv_provider *list[] = { provider("hoster.example", a) };
	struct sv_snapshot *s = build(list, 1, NULL);
	struct sv_answer_facts facts = { .domain = "shop.hoster.example" };
	struct sv_buf out;
	const char *ct = NULL;
	sv_buf_init(&out, 1 << 16);
	assert_int_equal(sv_snapshot_answer(s, SV_FORMAT_AUTOCONFIG, &facts,
		&out, &ct), SV_OK);
	assert_string_equal(ct, "text/xml; charset=utf-8");
	assert_non_null(strstr(out.data,
		"<domain>shop.hoster.example</domain>"));
	assert_null(strstr(out.data, "<domain>hoster.example</domain>"));
	assert_non_null(strstr(out.data,
		"<hostname>imap.%EMAILDOMAIN%</hostname>"));
	sv_buf_reset(&out);
	facts.address = "jean@shop.hoster.example";
	facts.local = "jean";
	assert_int_equal(sv_snapshot_answer(s, SV_FORMAT_AUTOCONFIG, &facts,
		&out, &ct), SV_OK);
	assert_non_null(strstr(out.data,
		"<hostname>imap.shop.hoster.example</hostname>"));
	assert_non_null(strstr(out.data,
		"<username>jean@shop.hoster.example</username>"));
	sv_buf_reset(&out);
	facts.domain = "unknown.example";
	assert_int_equal(sv_snapshot_answer(s, SV_FORMAT_AUTOCONFIG, &facts,
		&out, &ct), SV_ENOTFOUND);
	assert_int_equal(sv_snapshot_answer(s, SV_FORMAT_COUNT, &facts,
		&out, &ct), SV_EINVAL);
	sv_buf_finish(&out);
	sv_snapshot_release(s);
}

static void test_domain_override_has_own_answer(void **state) {
	(void)state;
	const char *a[] = { "example.fr", "big.example", NULL };
	struct sv_provider *pv = provider("a.example", a);
	add_server(pv, SV_SERVER_IMAP, "imap.big.example", 143, "big.example",
		5);
	struct sv_provider *list[] = { pv };
	struct sv_snapshot *s = build(list, 1, NULL);
	struct sv_snapshot_match wide, own;
	assert_int_equal(sv_snapshot_lookup(s, "example.fr", &wide), SV_OK);
	assert_int_equal(sv_snapshot_lookup(s, "big.example", &own), SV_OK);
	assert_ptr_not_equal(wide.answers[SV_FORMAT_AUTOCONFIG],
		own.answers[SV_FORMAT_AUTOCONFIG]);
	struct sv_answer_facts facts = { .domain = "big.example" };
	struct sv_buf out;
	const char *ct;
	sv_buf_init(&out, 1 << 16);
	assert_int_equal(sv_snapshot_answer(s, SV_FORMAT_AUTOCONFIG, &facts,
		&out, &ct), SV_OK);
	assert_non_null(strstr(out.data, "imap.big.example"));
	assert_null(strstr(out.data, "imap.%EMAILDOMAIN%"));
	assert_non_null(strstr(out.data, "smtp.example.net"));
	sv_buf_finish(&out);
	sv_snapshot_release(s);
}

static int warnings;
static void count_warning(const char *id, const char *reason) {
	(void)id;
	(void)reason;
	warnings++;
}

static void test_bad_providers_are_skipped(void **state) {
	(void)state;
	const char *a[] = { "good.example", NULL };
	const char *b[] = { "nosmtp.example", NULL };
	const char *c[] = { "good.example", "other.example", NULL };
	struct sv_provider *nosmtp = provider("nosmtp.example", b);
	sv_server_finish(&nosmtp->servers[1]);
	nosmtp->n_servers = 1;
	struct sv_provider *pvs_list[] = {
		provider("good.example", a), nosmtp,
		provider("dup.example", c),
	};
	struct sv_provider **pvs = sv_calloc(3, sizeof(*pvs));
	assert_non_null(pvs);
	memcpy(pvs, pvs_list, sizeof(pvs_list));
	size_t skipped = 99;
	warnings = 0;
	struct sv_err err;
	struct sv_snapshot *s = sv_snapshot_build(pvs, 3, 1, &skipped,
		count_warning, &err);
	assert_non_null(s);
	assert_int_equal(skipped, 1);
	assert_int_equal(warnings, 2); /* no smtp; duplicate domain row */
	assert_null(resolve(s, "nosmtp.example"));
	struct sv_snapshot_match m;
	assert_int_equal(sv_snapshot_lookup(s, "good.example", &m), SV_OK);
	assert_string_equal(m.provider->id, "good.example");
	assert_string_equal(resolve(s, "other.example"), "other.example");
	sv_snapshot_release(s);
}

static void test_empty_snapshot(void **state) {
	(void)state;
	struct sv_err err;
	struct sv_snapshot *s = sv_snapshot_build(NULL, 0, 1, NULL, NULL,
		&err);
	assert_non_null(s);
	assert_null(resolve(s, "example.fr"));
	sv_snapshot_release(s);
	sv_snapshot_release(NULL);
}

static void test_holder_keeps_old_snapshot_alive(void **state) {
	(void)state;
	const char *a[] = { "one.example", NULL };
	const char *b[] = { "two.example", NULL };
	struct sv_provider *l1[] = { provider("one.example", a) };
	struct sv_provider *l2[] = { provider("two.example", b) };
	struct sv_snapshot_holder h;
	assert_int_equal(sv_snapshot_holder_init(&h), SV_OK);
	assert_null(sv_snapshot_holder_acquire(&h));
	sv_snapshot_holder_publish(&h, build(l1, 1, NULL));
	struct sv_snapshot *in_flight = sv_snapshot_holder_acquire(&h);
	sv_snapshot_holder_publish(&h, build(l2, 1, NULL));
	/* A request that started before the swap still sees its data. */
	assert_string_equal(resolve(in_flight, "one.example"), "one.example");
	assert_null(resolve(in_flight, "two.example"));
	sv_snapshot_release(in_flight); /* last reference: freed (ASan) */
	struct sv_snapshot *now = sv_snapshot_holder_acquire(&h);
	assert_string_equal(resolve(now, "two.example"), "two.example");
	sv_snapshot_release(now);
	sv_snapshot_holder_finish(&h);
}

static void test_build_alloc_failures(void **state) {
	(void)state;
	for (long n = 0;; n++) {
		const char *a[] = { "example.fr", "*.example.fr", "*", NULL };
		struct sv_provider *pv = provider("a.example", a);
		add_server(pv, SV_SERVER_IMAP, "imap.x.example", 993,
			"example.fr", 5);
		struct sv_provider **pvs = sv_calloc(1, sizeof(*pvs));
		assert_non_null(pvs);
		pvs[0] = pv;
		struct sv_err err;
		sv_alloc_fail_after(n);
		struct sv_snapshot *s = sv_snapshot_build(pvs, 1, 1, NULL,
			NULL, &err);
		sv_alloc_fail_after(-1);
		if (s != NULL) {
			assert_string_equal(resolve(s, "x.example.fr"),
				"*.example.fr");
			sv_snapshot_release(s);
			break;
		}
		assert_true(n < 10000);
	}
}

int main(void) {
	assert_int_equal(sv_answer_xml_memory_setup(), SV_OK);
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, sv_test_xml_quiet);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolution_order),
		cmocka_unit_test(test_not_found_without_catch_all),
		cmocka_unit_test(test_answer_fills_requested_domain),
		cmocka_unit_test(test_domain_override_has_own_answer),
		cmocka_unit_test(test_bad_providers_are_skipped),
		cmocka_unit_test(test_empty_snapshot),
		cmocka_unit_test(test_holder_keeps_old_snapshot_alive),
		cmocka_unit_test(test_build_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
