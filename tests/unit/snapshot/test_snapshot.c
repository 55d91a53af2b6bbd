/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for snapshot.c: resolution order (exact, longest *.suffix,
 * catch-all), per-domain answers, skipped providers, the holder's
 * reference counting and allocation failures during a build.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <libxml/parser.h>

#include "answer/render_autoconfig.h"
#include "answer/render_mobileconfig.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_holder.h"
#include "util/alloc.h"
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

/* A snapshot of pv alone (build, which takes pv). */
static struct sv_snapshot *build_one(struct sv_provider *pv) {
	return build(&pv, 1, NULL);
}

/* A snapshot of one provider, id, that serves domain alone. */
static struct sv_snapshot *build_single(const char *id, const char *domain) {
	const char *d[] = { domain, NULL };
	return build_one(provider(id, d));
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

/* The row a domain with these MX hosts resolves to, or its rc as text. */
static const char *resolve_mx(const struct sv_snapshot *s, const char *d,
		const char *const *hosts, size_t n, const char **mx_host) {
	struct sv_snapshot_match m;
	const struct sv_snapshot_mx mx = { .hosts = hosts, .n = n };
	int rc = sv_snapshot_resolve(s, d, hosts != NULL ? &mx : NULL, &m);
	if (rc != SV_OK) {
		return rc == SV_EAGAIN ? "again" : "none";
	}
	*mx_host = m.mx_host;
	return m.pattern;
}

/*
 * MX rows come after the domain's own rows and before "*"; the first MX
 * host (in preference order) that matches any MX row decides, by its
 * exact MX row, else its longest "mx:*.suffix" one.
 */
static void test_mx_rows(void **state) {
	(void)state;
	const char *a[] = { "own.example", "mx:*.mx.hoster.example",
		"mx:mail.hoster.example", NULL };
	const char *b[] = { "mx:*.eu.mx.hoster.example", "*.sub.example",
		NULL };
	const char *c[] = { "*", NULL };
	struct sv_provider *list[] = {
		provider("a.example", a), provider("b.example", b),
		provider("c.example", c),
	};
	struct sv_snapshot *s = build(list, 3, NULL);
	assert_true(sv_snapshot_has_mx_rows(s));
	assert_int_equal(sv_snapshot_domain_count(s), 6);
	const char *mx = NULL;
	const char *in[] = { "a.mx.hoster.example" };
	const char *eu[] = { "x.eu.mx.hoster.example" };
	const char *exact[] = { "elsewhere.example", "mail.hoster.example" };
	const char *out[] = { "mail.elsewhere.example" };
	/* unknown MX: ask; own rows never need them */
	assert_string_equal(resolve_mx(s, "cust.example", NULL, 0, &mx),
		"again");
	assert_string_equal(resolve_mx(s, "own.example", NULL, 0, &mx),
		"own.example");
	assert_string_equal(resolve_mx(s, "x.sub.example", in, 1, &mx),
		"*.sub.example");
	assert_null(mx);
	assert_string_equal(resolve_mx(s, "cust.example", in, 1, &mx),
		"mx:*.mx.hoster.example");
	assert_string_equal(mx, "a.mx.hoster.example");
	assert_string_equal(resolve_mx(s, "cust.example", eu, 1, &mx),
		"mx:*.eu.mx.hoster.example");
	assert_string_equal(resolve_mx(s, "cust.example", exact, 2, &mx),
		"mx:mail.hoster.example");
	assert_string_equal(mx, "mail.hoster.example");
	/* no MX host matches, or none at all: the catch-all */
	assert_string_equal(resolve_mx(s, "cust.example", out, 1, &mx), "*");
	assert_null(mx);
	assert_string_equal(resolve_mx(s, "cust.example", out, 0, &mx), "*");
	/* the suffix of an MX row needs a label of its own */
	const char *bare[] = { "mx.hoster.example" };
	assert_string_equal(resolve_mx(s, "cust.example", bare, 1, &mx), "*");
	/* lookup skips the MX stage */
	assert_string_equal(resolve(s, "cust.example"), "*");
	sv_snapshot_release(s);

	s = build_single("d.example", "mx:*.mx.hoster.example");
	assert_string_equal(resolve_mx(s, "cust.example", out, 1, &mx),
		"none");
	sv_snapshot_release(s);
}

static void test_not_found_without_catch_all(void **state) {
	(void)state;
	struct sv_snapshot *s = build_single("a.example", "example.fr");
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
	struct sv_snapshot *s = build_one(provider("hoster.example", a));
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

/*
 * Every format has a name that parses back to it and an answer for every
 * served domain, filled from the facts of an address the way both front
 * ends build them (sv_answer_facts_of_address); all but the answer to an
 * Autodiscover GET and PACC's, which hold nothing of the address, name
 * it.
 */
static void test_every_format_named_and_answered(void **state) {
	(void)state;
	struct sv_snapshot *s = build_single("a.example", "example.fr");
	struct sv_address addr;
	snprintf(addr.local, sizeof(addr.local), "Jean");
	snprintf(addr.domain, sizeof(addr.domain), "example.fr");
	snprintf(addr.address, sizeof(addr.address), "Jean@example.fr");
	struct sv_answer_facts facts = sv_answer_facts_of_address(&addr);
	assert_ptr_equal(facts.domain, addr.domain);
	assert_ptr_equal(facts.address, addr.address);
	assert_ptr_equal(facts.local, addr.local);
	struct sv_buf out;
	sv_buf_init(&out, 1 << 16);
	for (int f = 0; f < SV_FORMAT_COUNT; f++) {
		const char *name = sv_format_name((enum sv_format)f);
		enum sv_format back = SV_FORMAT_COUNT;
		assert_non_null(name);
		assert_int_equal(sv_format_parse(name, &back), SV_OK);
		assert_int_equal(back, f);
		const char *ct = NULL;
		sv_buf_reset(&out);
		if (f == SV_FORMAT_CALDAV || f == SV_FORMAT_CARDDAV ||
				f == SV_FORMAT_AUTODISCOVER_MOBILESYNC ||
				f == SV_FORMAT_AUTODISCOVER_V2_ACTIVESYNC ||
				f == SV_FORMAT_AUTODISCOVER_V2_EWS) {
			/* no calendar, contacts, ActiveSync nor EWS service:
			 * nothing to say */
			assert_int_equal(sv_snapshot_answer(s,
				(enum sv_format)f, &facts, &out, &ct),
				SV_ENOTFOUND);
			continue;
		}
		assert_int_equal(sv_snapshot_answer(s, (enum sv_format)f,
			&facts, &out, &ct), SV_OK);
		assert_non_null(ct);
		if (f == SV_FORMAT_AUTODISCOVER_DOMAIN ||
				f == SV_FORMAT_PACC) {
			/* the answer to a GET, PACC's for every user:
			 * never the address */
			assert_null(strstr(out.data, "Jean"));
			continue;
		}
		assert_non_null(strstr(out.data, "Jean@example.fr"));
	}
	assert_null(sv_format_name(SV_FORMAT_COUNT));
	enum sv_format none;
	assert_int_equal(sv_format_parse("Autoconfig", &none), SV_EINVAL);
	assert_int_equal(sv_format_parse("", &none), SV_EINVAL);
	sv_buf_finish(&out);
	sv_snapshot_release(s);
}

static void test_domain_override_has_own_answer(void **state) {
	(void)state;
	const char *a[] = { "example.fr", "big.example", NULL };
	struct sv_provider *pv = provider("a.example", a);
	add_server(pv, SV_SERVER_IMAP, "imap.big.example", 143, "big.example",
		5);
	struct sv_snapshot *s = build_one(pv);
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
	struct sv_snapshot_holder h;
	assert_int_equal(sv_snapshot_holder_init(&h), SV_OK);
	assert_null(sv_snapshot_holder_acquire(&h));
	sv_snapshot_holder_publish(&h,
		build_single("one.example", "one.example"));
	struct sv_snapshot *in_flight = sv_snapshot_holder_acquire(&h);
	sv_snapshot_holder_publish(&h,
		build_single("two.example", "two.example"));
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

/* The compact index at a size where the tables grow and probe sequences
 * collide: every row found, near misses not, suffix rules intact, and a
 * duplicate row ignored (the first provider keeps it). */
static void test_index_many_rows(void **state) {
	(void)state;
	enum { N = 3000 };
	static char names[N + 3][32];
	const char *a[N / 2 + 2], *b[N / 2 + 3];
	size_t na = 0, nb = 0;
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "d%zu.example", i);
		if (i % 2 == 0) {
			a[na++] = names[i];
		} else {
			b[nb++] = names[i];
		}
	}
	snprintf(names[N], sizeof(names[N]), "*.example");
	snprintf(names[N + 1], sizeof(names[N + 1]), "*.d7.example");
	a[na++] = names[N];
	b[nb++] = names[N + 1];
	b[nb++] = names[0]; /* already a's: ignored */
	a[na] = NULL;
	b[nb] = NULL;
	struct sv_provider *list[] = {
		provider("a.example", a), provider("b.example", b),
	};
	struct sv_snapshot *s = build(list, 2, NULL);
	assert_int_equal(sv_snapshot_domain_count(s), N + 2);
	for (size_t i = 0; i < N; i++) {
		struct sv_snapshot_match m;
		assert_int_equal(sv_snapshot_lookup(s, names[i], &m), SV_OK);
		assert_string_equal(m.pattern, names[i]);
		assert_string_equal(m.provider->id,
			i % 2 == 0 ? "a.example" : "b.example");
	}
	/* prefixes and extensions of stored names fall to the suffix rows */
	assert_string_equal(resolve(s, "d1.exampl.example"), "*.example");
	assert_string_equal(resolve(s, "xd1.example"), "*.example");
	assert_string_equal(resolve(s, "mx.d7.example"), "*.d7.example");
	assert_string_equal(resolve(s, "a.mx.d7.example"), "*.d7.example");
	assert_string_equal(resolve(s, "mx.d8.example"), "*.example");
	assert_null(resolve(s, "example"));
	assert_null(resolve(s, "d1.exampl"));
	assert_null(resolve(s, "d1.examplex"));
	assert_null(resolve(s, "d7.example.org"));
	sv_snapshot_release(s);
}

static char *filled(const struct sv_answer *a, const char *domain) {
	struct sv_buf out;
	sv_buf_init(&out, 1 << 16);
	const struct sv_answer_facts f = { .domain = domain,
		.address = "jean&co@example.fr", .local = NULL };
	assert_int_equal(sv_answer_fill(a, &f, &out), SV_OK);
	char *copy = sv_strndup(out.data, out.len);
	sv_buf_finish(&out);
	return copy;
}

/* Interning keeps every byte and stores each distinct line once. */
static void test_answer_interning(void **state) {
	(void)state;
	const char *d1[] = { "one.example", NULL };
	const char *d2[] = { "two.example", NULL };
	struct sv_provider *p1 = provider("one.example", d1);
	struct sv_provider *p2 = provider("two.example", d2);
	struct sv_answer_pool *pool = sv_answer_pool_create();
	assert_non_null(pool);
	struct sv_answer *ans[4];
	char *want[4];
	struct sv_err err = { "" };
	assert_int_equal(sv_render_autoconfig(p1, NULL, &ans[0], &err), SV_OK);
	assert_int_equal(sv_render_autoconfig(p2, NULL, &ans[1], &err), SV_OK);
	assert_int_equal(sv_render_autoconfig(p1, NULL, &ans[2], &err), SV_OK);
	assert_int_equal(sv_render_mobileconfig(p2, NULL, &ans[3], &err),
		SV_OK);
	for (size_t i = 0; i < 4; i++) {
		want[i] = filled(ans[i], "x.example");
	}
	assert_int_equal(sv_answer_intern(pool, &ans[0]), SV_OK);
	size_t after_one = sv_answer_pool_chunks(pool);
	assert_true(after_one > 5); /* one chunk per line */
	assert_int_equal(sv_answer_intern(pool, &ans[1]), SV_OK);
	size_t after_two = sv_answer_pool_chunks(pool);
	/* the second provider differs in its id and name lines only */
	assert_true(after_two > after_one);
	assert_true(after_two - after_one <= 4);
	assert_int_equal(sv_answer_intern(pool, &ans[2]), SV_OK);
	assert_int_equal(sv_answer_pool_chunks(pool), after_two);
	assert_int_equal(ans[2]->n_ops, ans[0]->n_ops);
	assert_memory_equal(ans[2]->ops, ans[0]->ops,
		ans[0]->n_ops * sizeof(ans[0]->ops[0]));
	sv_answer_pool_seal(pool);
	assert_int_equal(sv_answer_intern(pool, &ans[3]), SV_OK);
	for (size_t i = 0; i < 4; i++) {
		char *got = filled(ans[i], "x.example");
		assert_string_equal(got, want[i]);
		assert_ptr_equal(ans[i]->pool, pool);
		sv_free(got);
		sv_free(want[i]);
		sv_answer_destroy(ans[i]);
	}
	assert_true(sv_answer_pool_bytes(pool) > 0);
	sv_answer_pool_destroy(pool);
	sv_provider_destroy(p1);
	sv_provider_destroy(p2);
}

/* Kept objects (snapshot.h): what the free functions were given. */
static int kept_freed[4];
static void free_kept(void *obj) {
	int *which = obj;
	kept_freed[*which]++;
}
static void free_other(void *obj) {
	(void)obj;
	fail_msg("a slot asked with another free function was used");
}

/* One slot per compiled answer, shared by the domains it serves, NULL
 * where there is no answer or another free function; what is stored is
 * freed once, with the snapshot, after its last reference. */
static void test_kept_slots(void **state) {
	(void)state;
	const char *a[] = { "example.fr", "other.fr", "big.example", NULL };
	struct sv_provider *pv = provider("a.example", a);
	add_server(pv, SV_SERVER_IMAP, "imap.big.example", 143, "big.example",
		5);
	struct sv_provider *list[] = { pv };
	struct sv_snapshot *s = build(list, 1, NULL);
	struct sv_snapshot_match m1, m2, m3;
	assert_int_equal(sv_snapshot_lookup(s, "example.fr", &m1), SV_OK);
	assert_int_equal(sv_snapshot_lookup(s, "other.fr", &m2), SV_OK);
	assert_int_equal(sv_snapshot_lookup(s, "big.example", &m3), SV_OK);
	_Atomic(void *) *wide = sv_snapshot_kept_slot(s, &m1,
		SV_FORMAT_AUTOCONFIG, free_kept);
	assert_non_null(wide);
	assert_null(atomic_load(wide));
	assert_ptr_equal(sv_snapshot_kept_slot(s, &m2, SV_FORMAT_AUTOCONFIG,
		free_kept), wide);
	_Atomic(void *) *own = sv_snapshot_kept_slot(s, &m3,
		SV_FORMAT_AUTOCONFIG, free_kept);
	assert_non_null(own);
	assert_ptr_not_equal(own, wide);
	_Atomic(void *) *mobile = sv_snapshot_kept_slot(s, &m1,
		SV_FORMAT_MOBILECONFIG, free_kept);
	assert_non_null(mobile);
	assert_ptr_not_equal(mobile, wide);
	assert_null(sv_snapshot_kept_slot(s, &m1,
		SV_FORMAT_AUTODISCOVER_MOBILESYNC, free_kept)); /* no answer */
	assert_null(sv_snapshot_kept_slot(s, &m1, SV_FORMAT_COUNT,
		free_kept));
	assert_null(sv_snapshot_kept_slot(s, &m1, SV_FORMAT_AUTOCONFIG,
		free_other));
	static int one = 1, two = 2;
	void *none = NULL;
	assert_true(atomic_compare_exchange_strong(wide, &none, &one));
	none = NULL;
	assert_true(atomic_compare_exchange_strong(own, &none, &two));
	/* asked again (the next request): the same slot, what it holds */
	assert_ptr_equal(atomic_load(sv_snapshot_kept_slot(s, &m2,
		SV_FORMAT_AUTOCONFIG, free_kept)), &one);
	/* the budget: charges fit up to the bound, none beyond it */
	assert_true(sv_snapshot_kept_charge(s, SV_SNAPSHOT_KEPT_MAX - 10));
	assert_false(sv_snapshot_kept_charge(s, 20));
	assert_true(sv_snapshot_kept_charge(s, 10));
	assert_false(sv_snapshot_kept_charge(s, 1));
	assert_false(sv_snapshot_kept_charge(s, (size_t)-1));
	/* a request's reference keeps them; the last one frees them, once */
	struct sv_snapshot *in_flight = sv_snapshot_retain(s);
	memset(kept_freed, 0, sizeof(kept_freed));
	sv_snapshot_release(s);
	assert_int_equal(kept_freed[1] + kept_freed[2], 0);
	sv_snapshot_release(in_flight);
	assert_int_equal(kept_freed[1], 1);
	assert_int_equal(kept_freed[2], 1);
	assert_int_equal(kept_freed[0] + kept_freed[3], 0);
}

/* Creators racing for one slot (compare-and-swap, the losers free their
 * own): one object kept, every thread ends up with it, freed once. Run
 * under ThreadSanitizer by tests/run-all's build-tsan. */
#define RACERS 8
struct racer {
	struct sv_snapshot *s;
	pthread_barrier_t *go;
	int mine;
	void *got;
	bool won;
};

static void *race(void *arg) {
	struct racer *r = arg;
	struct sv_snapshot_match m;
	if (sv_snapshot_lookup(r->s, "example.fr", &m) != SV_OK) {
		return NULL;
	}
	pthread_barrier_wait(r->go);
	_Atomic(void *) *slot = sv_snapshot_kept_slot(r->s, &m,
		SV_FORMAT_AUTOCONFIG, free_kept);
	if (slot == NULL) {
		return NULL;
	}
	void *seen = atomic_load(slot);
	if (seen == NULL) {
		r->won = atomic_compare_exchange_strong(slot, &seen, &r->mine);
	}
	r->got = r->won ? &r->mine : seen;
	return NULL;
}

static void test_kept_slot_race(void **state) {
	(void)state;
	const char *a[] = { "example.fr", NULL };
	struct sv_provider *list[] = { provider("a.example", a) };
	struct sv_snapshot *s = build(list, 1, NULL);
	pthread_barrier_t go;
	assert_int_equal(pthread_barrier_init(&go, NULL, RACERS), 0);
	struct racer r[RACERS];
	pthread_t t[RACERS];
	for (int i = 0; i < RACERS; i++) {
		r[i] = (struct racer){ .s = s, .go = &go, .mine = 3 };
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	int won = 0;
	void *kept = NULL;
	for (int i = 0; i < RACERS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		won += r[i].won;
		kept = r[i].won ? r[i].got : kept;
	}
	assert_int_equal(won, 1);
	for (int i = 0; i < RACERS; i++) {
		assert_ptr_equal(r[i].got, kept);
	}
	pthread_barrier_destroy(&go);
	memset(kept_freed, 0, sizeof(kept_freed));
	sv_snapshot_release(s);
	assert_int_equal(kept_freed[3], 1);
}

int main(void) {
	assert_int_equal(sv_answer_xml_memory_setup(), SV_OK);
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, sv_test_xml_quiet);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolution_order),
		cmocka_unit_test(test_index_many_rows),
		cmocka_unit_test(test_answer_interning),
		cmocka_unit_test(test_not_found_without_catch_all),
		cmocka_unit_test(test_answer_fills_requested_domain),
		cmocka_unit_test(test_every_format_named_and_answered),
		cmocka_unit_test(test_domain_override_has_own_answer),
		cmocka_unit_test(test_bad_providers_are_skipped),
		cmocka_unit_test(test_empty_snapshot),
		cmocka_unit_test(test_mx_rows),
		cmocka_unit_test(test_holder_keeps_old_snapshot_alive),
		cmocka_unit_test(test_build_alloc_failures),
		cmocka_unit_test(test_kept_slots),
		cmocka_unit_test(test_kept_slot_race),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
