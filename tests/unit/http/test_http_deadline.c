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

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/http_deadline.h"

static struct sockaddr_in v4(const char *a) {
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, a, &sin.sin_addr), 1);
	return sin;
}

static struct sv_http_conn *open_from(struct sv_http_deadline *d,
		unsigned listener, const char *a) {
	struct sockaddr_in sin = v4(a);
	struct sv_http_conn *c = sv_http_deadline_open(d, listener, -1,
		(const struct sockaddr *)&sin);
	assert_non_null(c);
	return c;
}

static void test_limits(void **state) {
	(void)state;
	atomic_ulong drops = 0;
	struct sv_err err;
	struct sv_http_deadline *d = sv_http_deadline_create(2, 3, 2, 60,
		&drops, &err);
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

static double now_s(void) {
	struct timespec t;
	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &t), 0);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Seconds from t0 until pair is shut down; polls, for a busy host. */
static double until_shut(const int pair[2], double t0) {
	while (!shut(pair)) {
		assert_true(now_s() - t0 < 5.0);
		sleep_ms(20);
	}
	return now_s() - t0;
}

static void test_janitor(void **state) {
	(void)state;
	atomic_ulong drops = 0;
	struct sv_err err;
	int late[2], done[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, late), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, done), 0);
	struct sv_http_deadline *d = sv_http_deadline_create(1, 10, 10, 1,
		&drops, &err);
	assert_non_null(d);
	double t0 = now_s();
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
	t0 = now_s();
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
