/* SPDX-License-Identifier: MIT */
/*
 * hash.c: FNV-1a gives the published values (its results are seen
 * outside, as Autodiscover Error Ids, so they must never change), and
 * hashing in pieces is hashing the whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/hash.h"

static uint32_t fnv(const char *s) {
	return sv_fnv1a32(SV_FNV1A32_INIT, s, strlen(s));
}

static void test_known_values(void **state) {
	(void)state;
	/* the reference test vectors of FNV-1a, 32 bits */
	assert_int_equal(fnv(""), 0x811c9dc5u);
	assert_int_equal(fnv("a"), 0xe40c292cu);
	assert_int_equal(fnv("foobar"), 0xbf9cf968u);
	/* bytes, not characters: a NUL and a high byte count as any other */
	assert_int_equal(sv_fnv1a32(SV_FNV1A32_INIT, "\0", 1), 0x050c5d1fu);
	assert_int_not_equal(sv_fnv1a32(SV_FNV1A32_INIT, "\xff", 1),
		sv_fnv1a32(SV_FNV1A32_INIT, "\x7f", 1));
}

static void test_pieces(void **state) {
	(void)state;
	const char *s = "mail.example.fr";
	size_t n = strlen(s);
	for (size_t cut = 0; cut <= n; cut++) {
		uint32_t h = sv_fnv1a32(SV_FNV1A32_INIT, s, cut);
		assert_int_equal(sv_fnv1a32(h, s + cut, n - cut), fnv(s));
	}
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_pieces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
