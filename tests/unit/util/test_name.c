/* SPDX-License-Identifier: MIT */
/*
 * The name rule (name.c): the predicates, the normaliser and the domain-row
 * normaliser give one answer for every name (what a request can reach is
 * what the database may hold), the all-digit top-level label is refused
 * everywhere and explained by the note, IPv4 addresses are hosts but not
 * domains, and limits hold at N and N + 1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/err.h"
#include "util/name.h"

#include "test_base.h"

/*
 * One call of a normaliser, fn(in, strlen(in), keep, out, outsz, &err),
 * and what it must give: rc, then out and err.msg where want and msg are
 * not NULL.
 */
struct norm_case {
	int (*fn)(const char *s, size_t len, bool keep, char *out,
		size_t outsz, struct sv_err *err);
	const char *in;
	bool keep;
	int rc;
	const char *want, *msg;
};

static void check_norm(const struct norm_case *c, size_t n, size_t outsz) {
	char out[SV_DOMAIN_ROW_MAX + 1];
	assert_true(outsz <= sizeof(out));
	for (size_t i = 0; i < n; i++) {
		struct sv_err err = { "" };
		sv_test_int_is(c[i].in, c[i].fn(c[i].in, strlen(c[i].in),
			c[i].keep, out, outsz, &err), c[i].rc);
		if (c[i].want != NULL) {
			sv_test_str_is(c[i].in, out, c[i].want);
		}
		if (c[i].msg != NULL) {
			sv_test_str_is(c[i].in, err.msg, c[i].msg);
		}
	}
}

/* Names already in normal form, and whether the rule accepts them. */
static const struct {
	const char *name;
	bool ok;
} names[] = {
	{ "example.fr", true }, { "fr", true }, { "a", true },
	{ "0.fr", true }, { "9a.b0", true }, { "a--b.c", true },
	{ "xn--exmple-cua.fr", true }, { "123.example", true },
	{ "example.123", false }, { "123", false }, { "1.2.3.4", false },
	{ "256.1.1.1", false }, { "a.0", false }, { "example.fr.1", false },
	{ "-a.fr", false }, { "a-.fr", false }, { "a..fr", false },
	{ ".fr", false }, { "a_b.fr", false }, { "", false },
};

static size_t n_names(void) {
	return sizeof(names) / sizeof(names[0]);
}

static void test_one_rule(void **state) {
	(void)state;
	for (size_t i = 0; i < n_names(); i++) {
		const char *s = names[i].name;
		char out[SV_DOMAIN_PATTERN_MAX + 1];
		bool normal = sv_domain_normalize(s, strlen(s), out,
			sizeof(out), NULL) == SV_OK;
		if (normal) {
			assert_string_equal(out, s);
		}
		bool row = sv_domain_pattern_normalize(s, strlen(s), false,
			out, sizeof(out), NULL) == SV_OK;
		if (sv_is_domain_name(s) != names[i].ok ||
				sv_is_domain_pattern(s) != names[i].ok ||
				normal != names[i].ok || row != names[i].ok) {
			fail_msg("'%s': the predicates and the normalisers "
				"disagree", s);
		}
	}
}

static void test_numeric_tld(void **state) {
	(void)state;
	struct sv_err err = { "" };
	char out[SV_DOMAIN_PATTERN_MAX + 1];
	assert_int_equal(sv_domain_normalize("Example.123.", 12, out,
		sizeof(out), &err), SV_EINVAL);
	assert_string_equal(err.msg, "domain: top-level label is all digits");
	assert_string_equal(out, "");
	/* after IDNA too */
	assert_int_equal(sv_domain_normalize("\xc3\xa9t\xc3\xa9.42", 8, out,
		sizeof(out), &err), SV_EINVAL);
	assert_string_equal(err.msg, "domain: top-level label is all digits");
	assert_false(sv_is_domain_pattern("*.123"));
	assert_false(sv_is_domain_pattern("*.a.123"));
	assert_int_equal(sv_domain_pattern_normalize("*.a.123", 7, false, out,
		sizeof(out), &err), SV_EINVAL);
	assert_string_equal(err.msg, "domain: top-level label is all digits");

	/* rows stored before the rule can still be named, as stored, and
	 * nothing else is let through */
	static const struct norm_case stored[] = {
		{ sv_domain_pattern_normalize, "Example.123.", true, SV_OK,
			"example.123", NULL },
		{ sv_domain_pattern_normalize, "*.A.123", true, SV_OK,
			"*.a.123", NULL },
		{ sv_domain_pattern_normalize, "\xc3\xa9t\xc3\xa9.42", true,
			SV_OK, "xn--t-9fab.42", NULL },
		{ sv_domain_pattern_normalize, "a_b.123", true, SV_EINVAL, NULL,
			"domain: only letters, digits, hyphens and dots are "
			"allowed" },
	};
	check_norm(stored, SV_TEST_LEN(stored), sizeof(out));
}

static void test_note(void **state) {
	(void)state;
	assert_string_equal(sv_name_numeric_tld_note("example.123", true),
		SV_NAME_NUMERIC_TLD_NOTE);
	assert_string_equal(sv_name_numeric_tld_note("*.example.123", true),
		SV_NAME_NUMERIC_TLD_NOTE);
	assert_string_equal(sv_name_numeric_tld_note("1.2.3.4", true),
		SV_NAME_NUMERIC_TLD_NOTE);
	assert_string_equal(sv_name_numeric_tld_note("Mail.123", false),
		SV_NAME_NUMERIC_TLD_NOTE);
	/* other refusals keep their message as it was */
	assert_string_equal(sv_name_numeric_tld_note("Mail.123", true), "");
	assert_string_equal(sv_name_numeric_tld_note("a..123", true), "");
	assert_string_equal(sv_name_numeric_tld_note("example.fr", true), "");
	assert_string_equal(sv_name_numeric_tld_note("", true), "");
	assert_string_equal(sv_name_numeric_tld_note(NULL, true), "");
}

static void test_hostname(void **state) {
	(void)state;
	/* servers may be named by an IPv4 address, never by a near miss */
	static const char *const ok[] = {
		"1.2.3.4", "0.0.0.0", "255.255.255.255", "imap.free.fr",
		"localhost", "10.0.0.fr",
	};
	static const char *const bad[] = {
		"1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04",
		"123", "mail.123", "1..2.3", "1.2.3.4.", "",
	};
	sv_test_hostnames(ok, SV_TEST_LEN(ok), bad, SV_TEST_LEN(bad));
	assert_true(sv_is_hostname("IMAP.Free.FR", false));
	assert_false(sv_is_hostname("IMAP.Free.FR", true));
	/* an address is not a domain: no request names one */
	assert_false(sv_is_domain_name("1.2.3.4"));
	assert_false(sv_is_domain_name(NULL));
}

static void test_patterns(void **state) {
	(void)state;
	/* a pattern, and the normal form it is given */
	static const struct sv_test_str_case rows[] = {
		{ "*", "*" }, { "*.Example.FR.", "*.example.fr" },
		{ "Example.FR", "example.fr" },
		{ "*.b\xc3\xbc" "cher.de", "*.xn--bcher-kva.de" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char out[SV_DOMAIN_PATTERN_MAX + 1];
		struct sv_err err = { "" };
		assert_int_equal(sv_domain_pattern_normalize(rows[i].in,
			strlen(rows[i].in), false, out, sizeof(out), &err),
			SV_OK);
		assert_string_equal(out, rows[i].want);
		assert_true(sv_is_domain_pattern(out));
	}
	static const char *const bad[] = {
		"", "*.", "**", "*example.fr", "a.*.fr", "*.*.fr", "* ",
		"*.-a.fr", "*..fr", ".", "*.[1.2.3.4]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[SV_DOMAIN_PATTERN_MAX + 1] = "stale";
		struct sv_err err = { "" };
		if (sv_domain_pattern_normalize(bad[i], strlen(bad[i]), false,
				out, sizeof(out), &err) == SV_OK) {
			fail_msg("'%s' accepted as '%s'", bad[i], out);
		}
		assert_string_equal(out, "");
		assert_true(strncmp(err.msg, "domain: ", 8) == 0);
	}
	char out[SV_DOMAIN_PATTERN_MAX + 1];
	assert_int_equal(sv_domain_pattern_normalize(NULL, 0, false, out,
		sizeof(out), NULL), SV_EINVAL);
	/* "*" needs two bytes; any row needs SV_DOMAIN_PATTERN_MAX + 1 */
	assert_int_equal(sv_domain_pattern_normalize("*", 1, false, out,
		SV_DOMAIN_PATTERN_MAX, NULL), SV_ETOOBIG);
	/* a length, not a terminator: "*.fr" read as "*" */
	assert_int_equal(sv_domain_pattern_normalize("*.fr", 1, false, out,
		sizeof(out), NULL), SV_OK);
	assert_string_equal(out, "*");
}

/*
 * A name of exactly n octets (n >= 2, n % 64 != 0): labels of 63 'a'
 * between dots, the last one ending in 'b'.
 */
static char *name_of(char *buf, size_t n) {
	memset(buf, 'a', n);
	for (size_t dot = SV_LABEL_MAX; dot < n; dot += SV_LABEL_MAX + 1) {
		buf[dot] = '.';
	}
	buf[n - 1] = 'b';
	buf[n] = '\0';
	return buf;
}

static void test_limits(void **state) {
	(void)state;
	char h[SV_DOMAIN_PATTERN_MAX + 8] = "*.";
	char out[SV_DOMAIN_PATTERN_MAX + 1];
	name_of(h + 2, SV_DOMAIN_MAX);
	assert_true(sv_is_domain_name(h + 2));
	assert_true(sv_is_domain_pattern(h));
	assert_int_equal(sv_domain_pattern_normalize(h, strlen(h), false, out,
		sizeof(out), NULL), SV_OK);
	assert_string_equal(out, h);
	name_of(h + 2, SV_DOMAIN_MAX + 1);
	assert_false(sv_is_domain_name(h + 2));
	assert_false(sv_is_domain_pattern(h));
	struct sv_err err = { "" };
	assert_int_equal(sv_domain_pattern_normalize(h, strlen(h), false, out,
		sizeof(out), &err), SV_ETOOBIG);
	assert_string_equal(err.msg, "domain: longer than 253 octets");

	memset(h, 'x', SV_LABEL_MAX);
	memcpy(h + SV_LABEL_MAX, ".fr", 4);
	assert_true(sv_is_domain_name(h));
	memset(h, 'x', SV_LABEL_MAX + 1);
	memcpy(h + SV_LABEL_MAX + 1, ".fr", 4);
	assert_false(sv_is_domain_name(h));
	assert_false(sv_is_hostname(h, false));
}

/* MX rows: "mx:" and a host name or "*.suffix", typed in any case. */
static void test_mx_rows(void **state) {
	(void)state;
	char out[SV_DOMAIN_ROW_MAX + 1];
	struct sv_err err = { "" };
	static const struct sv_test_pred_case mx[] = {
		{ "mx:mail.hoster.example", true },
		{ "mx:*.mx.hoster.example", true }, { "mx:*", false },
		{ "mx:", false }, { "MX:mail.hoster.example", false },
		{ "mx:Mail.example", false },
	};
	sv_test_pred_is("sv_is_mx_row", sv_is_mx_row, mx, SV_TEST_LEN(mx));
	assert_false(sv_is_domain_pattern("mx:mail.hoster.example"));
	static const struct sv_test_pred_case row[] = {
		{ "mx:mail.hoster.example", true },
		{ "*.hoster.example", true }, { "mx:a..b", false },
	};
	sv_test_pred_is("sv_is_domain_row", sv_is_domain_row, row,
		SV_TEST_LEN(row));
	static const struct norm_case rows[] = {
		{ sv_domain_row_normalize, "MX:*.MX.Hoster.Example.", false,
			SV_OK, "mx:*.mx.hoster.example", NULL },
		{ sv_domain_row_normalize, "mx:Ex\xc3\xa4mple.fr", false, SV_OK,
			"mx:xn--exmple-cua.fr", NULL },
		{ sv_domain_row_normalize, "*.x.fr", false, SV_OK, "*.x.fr",
			NULL },
		{ sv_domain_row_normalize, "mx:*", false, SV_EINVAL, "", NULL },
		{ sv_domain_row_normalize, "mx:", false, SV_EINVAL, NULL, NULL },
		{ sv_domain_row_normalize, "mx:a..b", false, SV_EINVAL, NULL,
			"domain: empty label" },
	};
	check_norm(rows, SV_TEST_LEN(rows), sizeof(out));
	assert_int_equal(sv_domain_row_normalize("mx:a.fr", 7, false, out,
		SV_DOMAIN_PATTERN_MAX + 1, &err), SV_ETOOBIG);
	assert_string_equal(sv_name_numeric_tld_note("mx:*.a.42", true),
		SV_NAME_NUMERIC_TLD_NOTE);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_rule),
		cmocka_unit_test(test_numeric_tld),
		cmocka_unit_test(test_note),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_mx_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
