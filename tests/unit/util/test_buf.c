/* SPDX-License-Identifier: MIT */
/* Unit tests for buf.c: the hard cap, growth, take and failure states. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * Appends s to a new buffer capped at cap: the result must be want; a
 * refused append leaves the buffer empty, an accepted one holds s within
 * the cap.
 */
static void expect_append(size_t cap, const char *s, int want) {
	struct sv_buf b;
	sv_buf_init(&b, cap);
	assert_int_equal(sv_buf_append(&b, s, strlen(s)), want);
	if (want == SV_OK) {
		assert_string_equal(b.data, s);
		assert_true(b.len + 1 <= b.cap && b.cap <= cap);
	} else {
		assert_null(b.data);
		assert_int_equal(b.len, 0);
	}
	sv_buf_finish(&b);
}

static void test_cap_is_hard(void **state) {
	(void)state;
	struct sv_buf b;
	sv_buf_init(&b, 8);
	assert_int_equal(sv_buf_append(&b, "1234567", 7), SV_OK);
	assert_string_equal(b.data, "1234567");
	assert_int_equal(sv_buf_append(&b, "x", 1), SV_ETOOBIG);
	assert_null(b.data); /* failure empties the buffer */
	assert_int_equal(b.len, 0);
	sv_buf_finish(&b);
}

static void test_exact_fit_then_one_more(void **state) {
	(void)state;
	expect_append(4, "abcd", SV_ETOOBIG);
	expect_append(5, "abcd", SV_OK); /* its cap: exactly 5 */
}

static void test_zero_max_refuses(void **state) {
	(void)state;
	expect_append(0, "", SV_ETOOBIG);
}

static void test_growth_keeps_content(void **state) {
	(void)state;
	struct sv_buf b;
	sv_buf_init(&b, 1 << 20);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(sv_buf_append_str(&b, "0123456789"), SV_OK);
	}
	assert_int_equal(b.len, 10000);
	assert_true(b.cap > b.len);
	assert_memory_equal(b.data + 9990, "0123456789", 10);
	assert_int_equal(b.data[b.len], '\0');
	sv_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	sv_buf_finish(&b);
	sv_buf_finish(NULL); /* no-op */
}

static void test_printf_small_and_large(void **state) {
	(void)state;
	struct sv_buf b;
	sv_buf_init(&b, 4096);
	assert_int_equal(sv_buf_printf(&b, "%s=%d", "port", 993), SV_OK);
	assert_string_equal(b.data, "port=993");
	char big[1000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(sv_buf_printf(&b, "[%s]", big), SV_OK);
	assert_int_equal(b.len, 8 + 1001);
	assert_int_equal(sv_buf_printf(&b, "%s%s%s%s", big, big, big, big),
		SV_ETOOBIG);
	assert_null(b.data);
	sv_buf_finish(&b);
}

static void test_take(void **state) {
	(void)state;
	struct sv_buf b;
	size_t len = 99;
	sv_buf_init(&b, 64);
	char *empty = sv_buf_take(&b, &len); /* empty buffer: "" */
	assert_non_null(empty);
	assert_string_equal(empty, "");
	assert_int_equal(len, 0);
	sv_free(empty);
	assert_int_equal(sv_buf_append_str(&b, "hello"), SV_OK);
	char *s = sv_buf_take(&b, &len);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	assert_null(b.data);
	sv_free(s);
}

static void test_alloc_failure_empties(void **state) {
	(void)state;
	struct sv_buf b;
	sv_buf_init(&b, 1024);
	assert_int_equal(sv_buf_append_str(&b, "abc"), SV_OK);
	sv_alloc_fail_after(0);
	char big[200] = { 0 };
	memset(big, 'y', sizeof(big) - 1);
	int rc = sv_buf_append_str(&b, big);
	sv_alloc_fail_after(-1);
	assert_int_equal(rc, SV_ENOMEM);
	assert_null(b.data);
	sv_alloc_fail_after(0);
	assert_null(sv_buf_take(&b, NULL)); /* "" needs an allocation */
	sv_alloc_fail_after(-1);
	sv_buf_finish(&b);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_is_hard),
		cmocka_unit_test(test_exact_fit_then_one_more),
		cmocka_unit_test(test_zero_max_refuses),
		cmocka_unit_test(test_growth_keeps_content),
		cmocka_unit_test(test_printf_small_and_large),
		cmocka_unit_test(test_take),
		cmocka_unit_test(test_alloc_failure_empties),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
