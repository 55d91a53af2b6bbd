/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for http_client.c's client text: IPv4 written by hand gives
 * inet_ntop's bytes for every octet value in every position, plain and
 * IPv4-mapped; IPv6 and unknown families as before.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "http/http_client.h"

static void check_v4(const uint8_t a[4]) {
	char want[INET_ADDRSTRLEN], got[46];
	assert_non_null(inet_ntop(AF_INET, a, want, sizeof(want)));
	struct sockaddr_in in = { .sin_family = AF_INET };
	memcpy(&in.sin_addr, a, 4);
	sv_http_client_text((const struct sockaddr *)&in, got, sizeof(got));
	assert_string_equal(got, want);
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	in6.sin6_addr.s6_addr[10] = 0xff;
	in6.sin6_addr.s6_addr[11] = 0xff;
	memcpy(in6.sin6_addr.s6_addr + 12, a, 4);
	memset(got, 'x', sizeof(got));
	sv_http_client_text((const struct sockaddr *)&in6, got, sizeof(got));
	assert_string_equal(got, want);
}

static void test_ipv4_as_inet_ntop(void **state) {
	(void)state;
	for (unsigned v = 0; v < 256; v++) {
		for (int pos = 0; pos < 4; pos++) {
			uint8_t a[4] = { 1, 22, 233, 4 };
			a[pos] = (uint8_t)v;
			check_v4(a);
		}
		uint8_t same[4] = { (uint8_t)v, (uint8_t)v, (uint8_t)v,
			(uint8_t)v };
		check_v4(same);
	}
}

static void test_ipv6_and_unknown(void **state) {
	(void)state;
	char got[46];
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::ff00:42:8329",
		&in6.sin6_addr), 1);
	sv_http_client_text((const struct sockaddr *)&in6, got, sizeof(got));
	assert_string_equal(got, "2001:db8::ff00:42:8329");
	struct sockaddr_storage none = { .ss_family = AF_UNSPEC };
	sv_http_client_text((const struct sockaddr *)&none, got, sizeof(got));
	assert_string_equal(got, "-");
	sv_http_client_text(NULL, got, sizeof(got));
	assert_string_equal(got, "-");
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_as_inet_ntop),
		cmocka_unit_test(test_ipv6_and_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
