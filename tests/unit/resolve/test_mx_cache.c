/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for mx_cache.c: answers in and out, replacement, expiry,
 * the bound (CLOCK keeps what is used), tombstones and rebuilds, and
 * readers racing the writer (run under ThreadSanitizer by tests/run-all).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "resolve/mx_cache.h"

#include "test_base.h"

static struct sv_mx_hosts found(const char *a, const char *b) {
	struct sv_mx_hosts h;
	sv_mx_hosts_init(&h, SV_MX_FOUND);
	assert_int_equal(sv_mx_hosts_add(&h, a), SV_OK);
	if (b != NULL) {
		assert_int_equal(sv_mx_hosts_add(&h, b), SV_OK);
	}
	return h;
}

static void test_put_get_replace_expire(void **state) {
	(void)state;
	struct sv_err err;
	assert_null(sv_mx_cache_create(0, &err));
	struct sv_mx_cache *c = sv_mx_cache_create(10, &err);
	assert_non_null(c);
	struct sv_mx_hosts out, h = found("mx1.hoster.example",
		"mx2.hoster.example");
	assert_false(sv_mx_cache_get(c, "a.example", 0, &out));
	assert_int_equal(sv_mx_cache_put(c, "a.example", &h, 1000), SV_OK);
	assert_true(sv_mx_cache_get(c, "a.example", 999, &out));
	assert_int_equal(out.status, SV_MX_FOUND);
	assert_int_equal(out.n, 2);
	assert_string_equal(sv_mx_hosts_get(&out, 0), "mx1.hoster.example");
	assert_string_equal(sv_mx_hosts_get(&out, 1), "mx2.hoster.example");
	assert_false(sv_mx_cache_get(c, "a.example", 1000, &out)); /* expired */
	assert_false(sv_mx_cache_get(c, "b.example", 0, &out));
	sv_mx_hosts_init(&h, SV_MX_NONE);
	assert_int_equal(sv_mx_cache_put(c, "a.example", &h, 5000), SV_OK);
	assert_int_equal(sv_mx_cache_size(c), 1);
	assert_true(sv_mx_cache_get(c, "a.example", 1000, &out));
	assert_int_equal(out.status, SV_MX_NONE);
	assert_int_equal(out.n, 0);
	sv_mx_cache_reclaim(c);
	char longer[SV_DOMAIN_MAX + 2];
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(sv_mx_cache_put(c, longer, &h, 1), SV_EINVAL);
	sv_mx_cache_destroy(c);
}

static void test_hosts_bounds(void **state) {
	(void)state;
	struct sv_mx_hosts h;
	sv_mx_hosts_init(&h, SV_MX_FOUND);
	for (int i = 0; i < SV_MX_MAX_HOSTS; i++) {
		char name[32];
		snprintf(name, sizeof(name), "mx%d.example", i);
		assert_int_equal(sv_mx_hosts_add(&h, name), SV_OK);
	}
	assert_int_equal(sv_mx_hosts_add(&h, "one.more"), SV_ETOOBIG);
	assert_string_equal(sv_mx_hosts_get(&h, 7), "mx7.example");
	assert_string_equal(sv_mx_status_name(SV_MX_TIMEOUT), "timeout");
}

/* Over the bound, the entries used since the hand passed stay. */
static void test_bound_keeps_used_entries(void **state) {
	(void)state;
	struct sv_err err;
	struct sv_mx_cache *c = sv_mx_cache_create(100, &err);
	struct sv_mx_hosts out, h = found("mx.example", NULL);
	char name[64];
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 100; i++) {
			snprintf(name, sizeof(name), "d%d-%d.example", round, i);
			assert_int_equal(sv_mx_cache_put(c, name, &h, 1000000),
				SV_OK);
			/* the hot one is used all the time */
			assert_true(round == 0 && i == 0 ? true :
				sv_mx_cache_get(c, "d0-0.example", 0, &out));
		}
		assert_true(sv_mx_cache_size(c) <= 100);
		sv_mx_cache_reclaim(c);
	}
	assert_int_equal(sv_mx_cache_size(c), 100);
	assert_true(sv_mx_cache_get(c, "d0-0.example", 0, &out));
	assert_true(sv_mx_cache_get(c, "d49-99.example", 0, &out));
	assert_false(sv_mx_cache_get(c, "d0-1.example", 0, &out));
	sv_mx_cache_destroy(c);
}

struct race {
	struct sv_mx_cache *c;
	_Atomic int stop;
	unsigned long hits;
};

static void *reader(void *arg) {
	struct race *r = arg;
	struct sv_mx_hosts out;
	char name[64];
	for (unsigned i = 0; !r->stop; i++) {
		snprintf(name, sizeof(name), "d%u.example", i % 300);
		if (sv_mx_cache_get(r->c, name, 0, &out)) {
			/* an entry is never seen half-written */
			assert_int_equal(out.n, 1);
			assert_string_equal(sv_mx_hosts_get(&out, 0),
				"mx.example");
			r->hits++;
		}
	}
	return NULL;
}

/* Four readers while the writer inserts, replaces, evicts, rebuilds and
 * reclaims: no reader sees a freed or torn entry (ASan, TSan). */
static void test_readers_race_the_writer(void **state) {
	(void)state;
	struct sv_err err;
	struct race r[4] = { { .c = sv_mx_cache_create(64, &err) } };
	assert_non_null(r[0].c);
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		r[i].c = r[0].c;
		assert_int_equal(pthread_create(&t[i], NULL, reader, &r[i]), 0);
	}
	struct sv_mx_hosts h = found("mx.example", NULL);
	char name[64];
	for (unsigned i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "d%u.example", (i * 7) % 300);
		assert_int_equal(sv_mx_cache_put(r[0].c, name, &h, 1), SV_OK);
		if (i % 16 == 0) {
			sv_mx_cache_reclaim(r[0].c);
		}
	}
	for (int i = 0; i < 4; i++) {
		r[i].stop = 1;
		pthread_join(t[i], NULL);
	}
	sv_mx_cache_reclaim(r[0].c);
	assert_true(sv_mx_cache_size(r[0].c) <= 64);
	sv_mx_cache_destroy(r[0].c);
}

SV_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_put_get_replace_expire),
	cmocka_unit_test(test_hosts_bounds),
	cmocka_unit_test(test_bound_keeps_used_entries),
	cmocka_unit_test(test_readers_race_the_writer),
)
