/* SPDX-License-Identifier: MIT */
/*
 * http_deadline: the connection counts behind --max-connections and
 * --max-per-ip, and the janitor that shuts down connections past their
 * request deadline (issue #7), on socket pairs instead of MHD.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "http/http_deadline.h"

#include "test_base.h"

static struct sv_http_conn *open_from(struct sv_http_deadline *d,
		unsigned listener, const char *a) {
	struct sockaddr_storage ss = sv_test_addr(a);
	struct sv_http_conn *c = sv_http_deadline_open(d, listener, -1,
		(const struct sockaddr *)&ss);
	assert_non_null(c);
	return c;
}

/* A connection opened on listener 0 from addr, and the verdict it gets. */
struct open_case {
	const char *addr;
	enum sv_http_over want;
};

/*
 * A deadline of one listener, limit connections, per_ip per client, a
 * 60 s timeout and policy p (NULL: the defaults), counting into drops.
 */
static struct sv_http_deadline *deadline(unsigned limit, unsigned per_ip,
		const struct sv_http_deadline_policy *p, atomic_ulong *drops) {
	struct sv_http_deadline *d = sv_http_deadline_create(
		&(struct sv_http_deadline_limits){ .listeners = 1,
			.limit = limit, .per_ip = per_ip, .timeout_s = 60 },
		drops, NULL);
	assert_non_null(d);
	if (p != NULL) {
		sv_http_deadline_set_policy(d, p);
	}
	return d;
}

/*
 * A deadline of 100 connections, per_ip per client and policy p (NULL:
 * the defaults) opens the n connections of c in order;
 * each must get its verdict (a failure names the address and its place).
 * All are closed in order.
 */
static void open_check_close(unsigned per_ip,
		const struct sv_http_deadline_policy *p,
		const struct open_case *c, size_t n) {
	atomic_ulong drops = 0;
	struct sv_http_deadline *d = deadline(100, per_ip, p, &drops);
	struct sv_http_conn *conn[16];
	assert_true(n <= SV_TEST_LEN(conn));
	for (size_t i = 0; i < n; i++) {
		conn[i] = open_from(d, 0, c[i].addr);
	}
	for (size_t i = 0; i < n; i++) {
		char what[64];
		snprintf(what, sizeof(what), "connection %zu from %s", i + 1,
			c[i].addr);
		sv_test_int_is(what, sv_http_deadline_over_limit(conn[i]),
			c[i].want);
	}
	for (size_t i = 0; i < n; i++) {
		sv_http_deadline_close(d, conn[i]);
	}
	sv_http_deadline_destroy(d);
}

static void test_limits(void **state) {
	(void)state;
	atomic_ulong drops = 0;
	struct sv_err err;
	struct sv_http_deadline *d = sv_http_deadline_create(
		&(struct sv_http_deadline_limits){ .listeners = 2, .limit = 3,
			.per_ip = 2, .timeout_s = 60 }, &drops, &err);
	assert_non_null(d);
	struct sv_http_conn *a1 = open_from(d, 0, "192.0.2.1");
	struct sv_http_conn *a2 = open_from(d, 0, "192.0.2.1");
	struct sv_http_conn *a3 = open_from(d, 0, "192.0.2.1");
	struct sv_http_conn *b1 = open_from(d, 0, "192.0.2.2");
	struct sv_http_conn *c1 = open_from(d, 0, "192.0.2.3");
	/* the other listener counts apart */
	struct sv_http_conn *o1 = open_from(d, 1, "192.0.2.1");
	assert_int_equal(sv_http_deadline_over_limit(a1), SV_HTTP_OVER_NONE);
	assert_int_equal(sv_http_deadline_over_limit(a2), SV_HTTP_OVER_NONE);
	assert_int_equal(sv_http_deadline_over_limit(a3),
		SV_HTTP_OVER_PER_IP);
	assert_int_equal(sv_http_deadline_over_limit(b1), SV_HTTP_OVER_NONE);
	assert_int_equal(sv_http_deadline_over_limit(c1), SV_HTTP_OVER_TOTAL);
	assert_int_equal(sv_http_deadline_over_limit(o1), SV_HTTP_OVER_NONE);
	/* refused connections hold no slot; closing a counted one frees
	 * one, for the same address too */
	sv_http_deadline_close(d, a3);
	sv_http_deadline_close(d, c1);
	sv_http_deadline_close(d, a1);
	struct sv_http_conn *a4 = open_from(d, 0, "192.0.2.1");
	assert_int_equal(sv_http_deadline_over_limit(a4), SV_HTTP_OVER_NONE);
	struct sv_http_conn *c2 = open_from(d, 0, "192.0.2.3");
	assert_int_equal(sv_http_deadline_over_limit(c2), SV_HTTP_OVER_TOTAL);
	/* an unknown address is one address */
	sv_http_deadline_close(d, a4);
	struct sv_http_conn *u = sv_http_deadline_open(d, 0, -1, NULL);
	assert_non_null(u);
	assert_int_equal(sv_http_deadline_over_limit(u), SV_HTTP_OVER_NONE);
	assert_null(sv_http_deadline_open(d, 2, -1, NULL)); /* no listener */
	sv_http_deadline_close(d, u);
	sv_http_deadline_close(d, c2);
	sv_http_deadline_close(d, a2);
	sv_http_deadline_close(d, b1);
	sv_http_deadline_close(d, o1);
	sv_http_deadline_close(d, NULL);
	sv_http_deadline_destroy(d);
	sv_http_deadline_destroy(NULL);
	assert_int_equal(atomic_load(&drops), 0);
}

static void sleep_ms(long ms) {
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&t, &t) != 0 && errno == EINTR) {
	}
}

/* Whether the server side of pair was shut down: the peer reads EOF. */
static bool shut(const int pair[2]) {
	char ch;
	ssize_t n = recv(pair[1], &ch, 1, MSG_DONTWAIT);
	if (n < 0) {
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		return false;
	}
	return n == 0;
}

/* Seconds from t0 until pair is shut down; polls, for a busy host. */
static double until_shut(const int pair[2], double t0) {
	while (!shut(pair)) {
		assert_true(sv_test_now_s() - t0 < 5.0);
		sleep_ms(20);
	}
	return sv_test_now_s() - t0;
}

static struct sv_config_net net(const char *cidr) {
	struct sv_config_net n[SV_CONFIG_MAX_ADMIN_NETS];
	size_t k = 0;
	assert_int_equal(sv_config_parse_nets(cidr, n, &k, NULL), SV_OK);
	assert_int_equal(k, 1);
	return n[0];
}

/* Issue #16: one IPv6 host holds a /64, so that is one client. */
static void test_per_ip_prefix_ipv6_64(void **state) {
	(void)state;
	static const struct open_case c[] = {
		{ "2001:db8:1:2::1", SV_HTTP_OVER_NONE },
		{ "2001:db8:1:2:ffff::9", SV_HTTP_OVER_NONE },
		{ "2001:db8:1:2:abcd::1", SV_HTTP_OVER_PER_IP },
		{ "2001:db8:1:3::1", SV_HTTP_OVER_NONE },
	};
	open_check_close(2, NULL, c, SV_TEST_LEN(c));
}

/* --ipv4-prefix 24 and --ipv6-prefix 128 change what one client is. */
static void test_per_ip_prefix_options(void **state) {
	(void)state;
	const struct sv_http_deadline_policy p = { .prefix4 = 24,
		.prefix6 = 128 };
	static const struct open_case c[] = {
		{ "192.0.2.1", SV_HTTP_OVER_NONE },
		{ "192.0.2.200", SV_HTTP_OVER_PER_IP },
		{ "192.0.3.1", SV_HTTP_OVER_NONE },
		{ "2001:db8::1", SV_HTTP_OVER_NONE },
		{ "2001:db8::2", SV_HTTP_OVER_NONE },
	};
	open_check_close(1, &p, c, SV_TEST_LEN(c));
}

/* Behind a trusted proxy the proxy is not capped; the clients it
 * forwards are, one by one, and a client may move between requests. */
static void test_trusted_proxy_attach(void **state) {
	(void)state;
	atomic_ulong drops = 0;
	struct sv_config_net proxy = net("127.0.0.1");
	const struct sv_http_deadline_policy p = { .prefix4 = 32,
		.prefix6 = 64, .proxies = &proxy, .n_proxies = 1 };
	struct sv_http_deadline *d = deadline(100, 2, &p, &drops);
	struct sv_http_conn *c[10];
	for (size_t i = 0; i < 10; i++) { /* ten times --max-per-ip */
		c[i] = open_from(d, 0, "127.0.0.1");
		assert_int_equal(sv_http_deadline_over_limit(c[i]),
			SV_HTTP_OVER_NONE);
		assert_true(sv_http_deadline_is_proxy(c[i]));
	}
	static const struct {
		size_t conn;
		const char *client; /* NULL: unknown */
		enum sv_http_over want;
	} steps[] = {
		{ 0, "198.51.100.7", SV_HTTP_OVER_NONE },
		{ 1, "198.51.100.7", SV_HTTP_OVER_NONE },
		{ 2, "198.51.100.7", SV_HTTP_OVER_PER_IP },
		/* the same connection again: it is not counted twice */
		{ 1, "198.51.100.7", SV_HTTP_OVER_NONE },
		/* c[1]'s next request is bob's (.8): alice has room again */
		{ 1, "198.51.100.8", SV_HTTP_OVER_NONE },
		{ 2, "198.51.100.7", SV_HTTP_OVER_NONE },
		/* an unknown client is one client */
		{ 3, NULL, SV_HTTP_OVER_NONE },
		{ 4, NULL, SV_HTTP_OVER_NONE },
		{ 5, NULL, SV_HTTP_OVER_PER_IP },
	};
	for (size_t i = 0; i < SV_TEST_LEN(steps); i++) {
		struct sockaddr_storage ss;
		const struct sockaddr *sa = NULL;
		if (steps[i].client != NULL) {
			ss = sv_test_addr(steps[i].client);
			sa = (const struct sockaddr *)&ss;
		}
		char what[80];
		snprintf(what, sizeof(what), "step %zu: c[%zu] attached to %s",
			i + 1, steps[i].conn, steps[i].client ? steps[i].client :
			"an unknown client");
		sv_test_int_is(what, sv_http_deadline_attach(d,
			c[steps[i].conn], sa), steps[i].want);
	}
	struct sockaddr_storage alice = sv_test_addr("198.51.100.7");
	const struct sockaddr *sa = (const struct sockaddr *)&alice;
	/* a direct client is capped at open as before */
	struct sv_http_conn *x1 = open_from(d, 0, "198.51.100.7");
	assert_int_equal(sv_http_deadline_over_limit(x1),
		SV_HTTP_OVER_PER_IP);
	assert_false(sv_http_deadline_is_proxy(x1));
	assert_int_equal(sv_http_deadline_attach(d, x1, sa),
		SV_HTTP_OVER_PER_IP);
	sv_http_deadline_close(d, x1);
	for (size_t i = 0; i < 10; i++) {
		sv_http_deadline_close(d, c[i]);
	}
	sv_http_deadline_destroy(d);
}

/* Over --max-connections admin peers get the reserve, others nothing;
 * a silent refused connection is shed after SV_HTTP_DEADLINE_REFUSED_MS,
 * without counting as a request timeout. */
static void test_admin_reserve(void **state) {
	(void)state;
	atomic_ulong drops = 0;
	struct sv_config_net admin = net("192.0.2.100");
	const struct sv_http_deadline_policy p = { .prefix4 = 32,
		.prefix6 = 64, .admin = &admin, .n_admin = 1, .reserve = 1 };
	struct sv_http_deadline *d = deadline(2, 2, &p, &drops);
	struct sv_http_conn *a = open_from(d, 0, "192.0.2.1");
	struct sv_http_conn *b = open_from(d, 0, "192.0.2.2");
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct sockaddr_storage ss = sv_test_addr("192.0.2.3");
	struct sv_http_conn *c = sv_http_deadline_open(d, 0, sv[0],
		(const struct sockaddr *)&ss);
	assert_non_null(c);
	struct sv_http_conn *m1 = open_from(d, 0, "192.0.2.100");
	struct sv_http_conn *m2 = open_from(d, 0, "192.0.2.100");
	assert_int_equal(sv_http_deadline_over_limit(c), SV_HTTP_OVER_TOTAL);
	assert_int_equal(sv_http_deadline_over_limit(m1),
		SV_HTTP_OVER_RESERVE);
	assert_int_equal(sv_http_deadline_over_limit(m2), SV_HTTP_OVER_TOTAL);
	sv_http_deadline_close(d, m1); /* the reserve slot comes back */
	m1 = open_from(d, 0, "192.0.2.100");
	assert_int_equal(sv_http_deadline_over_limit(m1),
		SV_HTTP_OVER_RESERVE);
	/* c said nothing: shut down within a second and a tick */
	char byte;
	struct timeval tv = { 3, 0 };
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv,
		sizeof(tv)), 0);
	assert_int_equal(read(sv[1], &byte, 1), 0);
	assert_true(sv_http_deadline_dropped(c));
	assert_int_equal(atomic_load(&drops), 0);
	sv_http_deadline_close(d, c);
	sv_http_deadline_close(d, m1);
	sv_http_deadline_close(d, m2);
	sv_http_deadline_close(d, a);
	sv_http_deadline_close(d, b);
	sv_http_deadline_destroy(d);
	close(sv[0]);
	close(sv[1]);
}

static void test_janitor(void **state) {
	(void)state;
	atomic_ulong drops = 0;
	struct sv_err err;
	int late[2], done[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, late), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, done), 0);
	struct sv_http_deadline *d = sv_http_deadline_create(
		&(struct sv_http_deadline_limits){ .listeners = 1, .limit = 10,
			.per_ip = 10, .timeout_s = 1 }, &drops, &err);
	assert_non_null(d);
	double t0 = sv_test_now_s();
	struct sv_http_conn *cl = sv_http_deadline_open(d, 0, late[0], NULL);
	struct sv_http_conn *cd = sv_http_deadline_open(d, 0, done[0], NULL);
	assert_non_null(cl);
	assert_non_null(cd);
	sv_http_deadline_disarm(cd); /* its request came in time */
	sleep_ms(500);
	assert_false(shut(late));
	assert_false(sv_http_deadline_dropped(cl));
	assert_true(until_shut(late, t0) >= 1.0); /* 1 s deadline */
	assert_true(sv_http_deadline_dropped(cl));
	assert_false(shut(done));
	assert_false(sv_http_deadline_dropped(cd));
	assert_int_equal(atomic_load(&drops), 1);
	/* its response sent, the kept-alive connection gets a new clock */
	struct timespec now;
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &now), 0);
	t0 = sv_test_now_s();
	sv_http_deadline_rearm(d, cd, &now);
	sleep_ms(500);
	assert_false(shut(done));
	assert_true(until_shut(done, t0) >= 1.0);
	assert_int_equal(atomic_load(&drops), 2); /* each counted once */
	sv_http_deadline_close(d, cl);
	sv_http_deadline_close(d, cd);
	sv_http_deadline_destroy(d);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(close(late[i]), 0);
		assert_int_equal(close(done[i]), 0);
	}
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_janitor),
		cmocka_unit_test(test_per_ip_prefix_ipv6_64),
		cmocka_unit_test(test_per_ip_prefix_options),
		cmocka_unit_test(test_trusted_proxy_attach),
		cmocka_unit_test(test_admin_reserve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
