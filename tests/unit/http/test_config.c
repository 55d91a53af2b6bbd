/* SPDX-License-Identifier: MIT */
/*
 * config: the --admin-allow network lists (issue #7), at their bounds, and
 * the TLS option pairing checked by sv_config_check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "http/config.h"

#include "test_base.h"

static bool match(const char *nets, const struct sockaddr *sa) {
	struct sv_config_net n[SV_CONFIG_MAX_ADMIN_NETS];
	size_t k = 0;
	struct sv_err err;
	assert_int_equal(sv_config_parse_nets(nets, n, &k, &err), SV_OK);
	return sv_config_net_match(n, k, sa);
}

static void test_default_is_loopback(void **state) {
	(void)state;
	struct sockaddr_storage a = sv_test_addr("127.0.0.1"),
		b = sv_test_addr("127.255.0.9"), c = sv_test_addr("10.0.0.1"),
		d = sv_test_addr("::1"), e = sv_test_addr("::2"),
		f = sv_test_addr("::ffff:127.0.0.1"),
		g = sv_test_addr("::ffff:10.0.0.1");
	const char *def = SV_CONFIG_DEFAULT_ADMIN_ALLOW;
	assert_true(match(def, (struct sockaddr *)&a));
	assert_true(match(def, (struct sockaddr *)&b));
	assert_false(match(def, (struct sockaddr *)&c));
	assert_true(match(def, (struct sockaddr *)&d));
	assert_false(match(def, (struct sockaddr *)&e));
	assert_true(match(def, (struct sockaddr *)&f)); /* v4-mapped */
	assert_false(match(def, (struct sockaddr *)&g));
	assert_false(match(def, NULL));
}

static void test_prefix_bounds(void **state) {
	(void)state;
	struct sockaddr_storage a = sv_test_addr("192.0.2.7"),
		b = sv_test_addr("192.0.2.8");
	assert_true(match("192.0.2.7/32", (struct sockaddr *)&a));
	assert_false(match("192.0.2.7/32", (struct sockaddr *)&b));
	assert_true(match("192.0.2.7", (struct sockaddr *)&a));
	assert_true(match("0.0.0.0/0", (struct sockaddr *)&b));
	assert_true(match("192.0.2.0/29", (struct sockaddr *)&a));
	assert_false(match("192.0.2.0/29", (struct sockaddr *)&b));
	struct sockaddr_storage c = sv_test_addr("2001:db8::1");
	assert_true(match("2001:db8::/32,10.0.0.0/8", (struct sockaddr *)&c));
	assert_false(match("10.0.0.0/8", (struct sockaddr *)&c));
}

static void test_refusals(void **state) {
	(void)state;
	static const char *bad[] = {
		"", ",", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.1/8",
		"example.org", "10.0.0.0/8,", "10.0.0.0/+8", "10.0.0.0/8x",
		"127.1", "[::1]",
		"1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,"
		"1.1.1.8,1.1.1.9,1.1.1.10,1.1.1.11,1.1.1.12,1.1.1.13,1.1.1.14,"
		"1.1.1.15,1.1.1.16,1.1.1.17",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sv_config_net n[SV_CONFIG_MAX_ADMIN_NETS];
		size_t k = 0;
		struct sv_err err;
		assert_int_equal(sv_config_parse_nets(bad[i], n, &k, &err),
			SV_EINVAL);
	}
	/* 16 networks is the maximum, and fits */
	struct sv_config_net n[SV_CONFIG_MAX_ADMIN_NETS];
	size_t k = 0;
	assert_int_equal(sv_config_parse_nets("1.1.1.1,1.1.1.2,1.1.1.3,"
		"1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8,1.1.1.9,1.1.1.10,"
		"1.1.1.11,1.1.1.12,1.1.1.13,1.1.1.14,1.1.1.15,1.1.1.16", n, &k,
		NULL), SV_OK);
	assert_int_equal(k, 16);
}

static void test_tls_pairing(void **state) {
	(void)state;
	struct sv_config cfg;
	struct sv_err err;
	sv_config_init(&cfg);
	assert_int_equal(sv_config_check(&cfg, &err), SV_OK);
	cfg.listen_tls[cfg.n_listen_tls++] = "127.0.0.1:0";
	assert_int_equal(sv_config_check(&cfg, &err), SV_EINVAL);
	cfg.tls_cert = "c.pem";
	assert_int_equal(sv_config_check(&cfg, &err), SV_EINVAL);
	cfg.tls_key = "k.pem";
	assert_int_equal(sv_config_check(&cfg, &err), SV_OK);
	cfg.n_listen_tls = 0;
	assert_int_equal(sv_config_check(&cfg, &err), SV_EINVAL);
	cfg.admin_allow = "10.0.0.1/8";
	cfg.listen_tls[cfg.n_listen_tls++] = "127.0.0.1:0";
	assert_int_equal(sv_config_check(&cfg, &err), SV_EINVAL);
}

SV_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_default_is_loopback),
	cmocka_unit_test(test_prefix_bounds),
	cmocka_unit_test(test_refusals),
	cmocka_unit_test(test_tls_pairing),
)
