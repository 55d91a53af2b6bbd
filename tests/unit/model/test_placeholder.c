/* SPDX-License-Identifier: MIT */
/*
 * Placeholder templates: splitting into literal and token pieces, the
 * errors Thunderbird would silently turn into a wrong login, and host-name
 * templates (PROTOCOLS.md 1.5).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "model/model.h"
#include "model/placeholder.h"
#include "util/err.h"

#include "test_base.h"

#define MAXP 16

static void expect_lit(const struct sv_tpl_piece *p, const char *text) {
	assert_false(p->is_token);
	assert_int_equal(p->lit_len, strlen(text));
	assert_memory_equal(p->lit, text, p->lit_len);
}

static void expect_tok(const struct sv_tpl_piece *p, enum sv_token t) {
	assert_true(p->is_token);
	assert_int_equal(p->token, t);
}

static void test_token_text(void **state) {
	(void)state;
	assert_string_equal(sv_token_text(SV_TOKEN_EMAILADDRESS),
		"%EMAILADDRESS%");
	assert_string_equal(sv_token_text(SV_TOKEN_EMAILLOCALPART),
		"%EMAILLOCALPART%");
	assert_string_equal(sv_token_text(SV_TOKEN_EMAILDOMAIN),
		"%EMAILDOMAIN%");
	assert_string_equal(sv_token_text(SV_TOKEN_REALNAME), "%REALNAME%");
}

static void test_split_each_token(void **state) {
	(void)state;
	struct sv_tpl_piece p[MAXP];
	size_t n = 99;
	for (int t = 0; t < SV_TOKEN_COUNT; t++) {
		assert_int_equal(sv_placeholder_split(sv_token_text(
			(enum sv_token)t), p, MAXP, &n, NULL), SV_OK);
		assert_int_equal(n, 1);
		expect_tok(&p[0], (enum sv_token)t);
	}
	/* all four in a row, no literal between them */
	const char *all = "%EMAILADDRESS%%EMAILLOCALPART%%EMAILDOMAIN%"
		"%REALNAME%";
	assert_int_equal(sv_placeholder_split(all, p, MAXP, &n, NULL), SV_OK);
	assert_int_equal(n, 4);
	expect_tok(&p[0], SV_TOKEN_EMAILADDRESS);
	expect_tok(&p[1], SV_TOKEN_EMAILLOCALPART);
	expect_tok(&p[2], SV_TOKEN_EMAILDOMAIN);
	expect_tok(&p[3], SV_TOKEN_REALNAME);
}

static void test_split_alice(void **state) {
	(void)state;
	struct sv_tpl_piece p[MAXP];
	size_t n = 0;
	const char *tpl = "%EMAILLOCALPART%%%EMAILDOMAIN%";
	assert_int_equal(sv_placeholder_split(tpl, p, MAXP, &n, NULL), SV_OK);
	assert_int_equal(n, 3);
	expect_tok(&p[0], SV_TOKEN_EMAILLOCALPART);
	expect_lit(&p[1], "%");
	assert_ptr_equal(p[1].lit, tpl + 16); /* borrowed from tpl */
	expect_tok(&p[2], SV_TOKEN_EMAILDOMAIN);
	assert_int_equal(sv_placeholder_validate(tpl, NULL), SV_OK);
}

static void test_split_literals(void **state) {
	(void)state;
	struct sv_tpl_piece p[MAXP];
	size_t n = 0;
	assert_int_equal(sv_placeholder_split("recent:%EMAILADDRESS%", p, MAXP,
		&n, NULL), SV_OK);
	assert_int_equal(n, 2);
	expect_lit(&p[0], "recent:");
	expect_tok(&p[1], SV_TOKEN_EMAILADDRESS);

	assert_int_equal(sv_placeholder_split("%EMAILLOCALPART%.%EMAILDOMAIN%"
		"-x", p, MAXP, &n, NULL), SV_OK);
	assert_int_equal(n, 4);
	expect_tok(&p[0], SV_TOKEN_EMAILLOCALPART);
	expect_lit(&p[1], ".");
	expect_tok(&p[2], SV_TOKEN_EMAILDOMAIN);
	expect_lit(&p[3], "-x");

	assert_int_equal(sv_placeholder_split("jean.dupont", p, MAXP, &n,
		NULL), SV_OK);
	assert_int_equal(n, 1);
	expect_lit(&p[0], "jean.dupont");

	assert_int_equal(sv_placeholder_split("", p, MAXP, &n, NULL), SV_OK);
	assert_int_equal(n, 0);
}

static void test_literal_percent(void **state) {
	(void)state;
	struct sv_tpl_piece p[MAXP];
	size_t n = 0;
	static const char *const ok[] = {
		"50%", "a%b", "%", "%%", "100%%", "%a%", "%emailaddress%",
		"%1", "x%-y%", "%EMAILADDRESS%%",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct sv_err err = { .msg = "" };
		if (sv_placeholder_validate(ok[i], &err) != SV_OK) {
			fail_msg("'%s' refused: %s", ok[i], err.msg);
		}
	}
	assert_int_equal(sv_placeholder_split("50%", p, MAXP, &n, NULL), SV_OK);
	assert_int_equal(n, 1);
	expect_lit(&p[0], "50%");
	/* lower-case names are literal for Thunderbird too (it is
	 * case-sensitive), so they are not tokens here either */
	assert_int_equal(sv_placeholder_split("%emaildomain%", p, MAXP, &n,
		NULL), SV_OK);
	assert_int_equal(n, 1);
	assert_false(p[0].is_token);
	assert_int_equal(sv_placeholder_split("%EMAILADDRESS%%", p, MAXP, &n,
		NULL), SV_OK);
	assert_int_equal(n, 2);
	expect_tok(&p[0], SV_TOKEN_EMAILADDRESS);
	expect_lit(&p[1], "%");
}

static void test_bad_tokens(void **state) {
	(void)state;
	struct sv_err err = { .msg = "" };
	struct sv_tpl_piece p[MAXP];
	size_t n = 0;
	/* ISPDB office365.com has this one */
	assert_int_equal(sv_placeholder_split("%EMAILADDRESS", p, MAXP, &n,
		&err), SV_EINVAL);
	assert_non_null(strstr(err.msg, "%EMAILADDRESS"));
	assert_int_equal(sv_placeholder_validate("%FOO%", &err), SV_EINVAL);
	assert_non_null(strstr(err.msg, "%FOO%"));
	static const char *const bad[] = {
		"%EMAILADDRESS", "%EMAILDOMAIN", "%EMAILLOCALPART", "%REALNAME",
		"x%EMAILDOMAIN.fr", "recent:%EMAILADDRESS", "%FOO%", "%A%",
		"%FOO1%", "%A_B%", "a%EMAILADDRESSX%", "%EMAILADDRESS%%FOO%",
		"%EMAIL",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sv_placeholder_validate(bad[i], NULL) != SV_EINVAL) {
			fail_msg("'%s' accepted", bad[i]);
		}
	}
	/* the message quotes a bounded part of a very long run */
	char longrun[120];
	longrun[0] = '%';
	memset(longrun + 1, 'A', 100);
	longrun[101] = '%';
	longrun[102] = '\0';
	assert_int_equal(sv_placeholder_validate(longrun, &err), SV_EINVAL);
	assert_true(strlen(err.msg) < sizeof(err.msg) - 1);
}

static void test_too_many_pieces(void **state) {
	(void)state;
	struct sv_tpl_piece p[MAXP];
	size_t n = 0;
	struct sv_err err = { .msg = "" };
	const char *tpl = "%EMAILLOCALPART%%%EMAILDOMAIN%";
	assert_int_equal(sv_placeholder_split(tpl, p, 3, &n, NULL), SV_OK);
	assert_int_equal(sv_placeholder_split(tpl, p, 2, &n, &err),
		SV_ETOOBIG);
	assert_true(err.msg[0] != '\0');
	assert_int_equal(sv_placeholder_split("abc", p, 0, &n, NULL),
		SV_ETOOBIG);
	assert_int_equal(sv_placeholder_split("", p, 0, &n, NULL), SV_OK);
	assert_int_equal(n, 0);
	/* a trailing literal is a piece too */
	assert_int_equal(sv_placeholder_split("%EMAILDOMAIN%x", p, 1, &n,
		NULL), SV_ETOOBIG);
}

static void test_template_length(void **state) {
	(void)state;
	char t[SV_MODEL_MAX_TEMPLATE + 2];
	memset(t, 'u', SV_MODEL_MAX_TEMPLATE);
	t[SV_MODEL_MAX_TEMPLATE] = '\0';
	assert_int_equal(sv_placeholder_validate(t, NULL), SV_OK);
	t[SV_MODEL_MAX_TEMPLATE] = 'u';
	t[SV_MODEL_MAX_TEMPLATE + 1] = '\0';
	assert_int_equal(sv_placeholder_validate(t, NULL), SV_EINVAL);
	/* the densest valid template still fits the internal piece array */
	char dense[SV_MODEL_MAX_TEMPLATE + 1] = "";
	size_t o = 0;
	while (o + 11 <= SV_MODEL_MAX_TEMPLATE) {
		memcpy(dense + o, "x%REALNAME%", 11);
		o += 11;
	}
	dense[o] = '\0';
	assert_int_equal(sv_placeholder_validate(dense, NULL), SV_OK);
}

static void test_has_token(void **state) {
	(void)state;
	static const struct sv_test_pred_case cases[] = {
		{ "%EMAILADDRESS%", true }, { "mail.%EMAILDOMAIN%", true },
		{ "50%%EMAILDOMAIN%", true }, { "imap.free.fr", false },
		{ "50%", false }, { "%emaildomain%", false }, { "", false },
	};
	sv_test_pred_is("sv_placeholder_has_token", sv_placeholder_has_token,
		cases, SV_TEST_LEN(cases));
}

static void test_hostname_templates(void **state) {
	(void)state;
	static const char *const ok[] = {
		"imap.free.fr", "mail.%EMAILDOMAIN%", "mail.%EMAILDOMAIN%.x",
		"%EMAILDOMAIN%", "imap-1.%EMAILDOMAIN%", "localhost",
		/* Thunderbird lower-cases literal host names itself */
		"IMAP.Free.fr",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct sv_err err = { .msg = "" };
		if (sv_placeholder_validate_hostname(ok[i], &err) != SV_OK) {
			fail_msg("'%s' refused: %s", ok[i], err.msg);
		}
	}
	static const char *const bad[] = {
		"", "mail_x.%EMAILDOMAIN%", "mail_x.free.fr", "imap .free.fr",
		"imap.free.fr.", ".imap.free.fr", "imap..free.fr",
		"-imap.free.fr", "imap-.free.fr", "%REALNAME%.free.fr",
		"mail.%EMAILDOMAIN", "mail.%FOO%", "mail.%EMAILDOMAIN%/x",
		"imap.free.fr:993", "imap.fr\n", "\xc3\xa4.fr",
		"[1.2.3.4]", "mail.%emaildomain%",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sv_err err = { .msg = "" };
		if (sv_placeholder_validate_hostname(bad[i], &err) !=
				SV_EINVAL) {
			fail_msg("'%s' accepted", bad[i]);
		}
		assert_true(err.msg[0] != '\0');
		assert_null(strchr(err.msg, '\n'));
	}
}

static void test_hostname_limits(void **state) {
	(void)state;
	/* labels of 63 and 64 without a token: sv_is_hostname decides */
	char h[300];
	memset(h, 'a', 63);
	memcpy(h + 63, ".fr", 4);
	assert_int_equal(sv_placeholder_validate_hostname(h, NULL), SV_OK);
	memset(h, 'a', 64);
	memcpy(h + 64, ".fr", 4);
	assert_int_equal(sv_placeholder_validate_hostname(h, NULL), SV_EINVAL);
	/* 253 octets is a host name, 254 is not */
	size_t o = 0;
	while (253 - o > 64) {
		memset(h + o, 'a', 63);
		o += 63;
		h[o++] = '.';
	}
	memset(h + o, 'b', 253 - o);
	h[253] = '\0';
	assert_int_equal(sv_placeholder_validate_hostname(h, NULL), SV_OK);
	h[253] = 'b';
	h[254] = '\0';
	assert_int_equal(sv_placeholder_validate_hostname(h, NULL), SV_EINVAL);
	/* a template longer than SV_MODEL_MAX_TEMPLATE */
	memset(h, 'a', sizeof(h) - 1);
	memcpy(h, "%EMAILDOMAIN%", 13);
	h[SV_MODEL_MAX_TEMPLATE] = '\0';
	assert_int_equal(sv_placeholder_validate_hostname(h, NULL), SV_OK);
	h[SV_MODEL_MAX_TEMPLATE] = 'a';
	h[SV_MODEL_MAX_TEMPLATE + 1] = '\0';
	assert_int_equal(sv_placeholder_validate_hostname(h, NULL), SV_EINVAL);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_text),
		cmocka_unit_test(test_split_each_token),
		cmocka_unit_test(test_split_alice),
		cmocka_unit_test(test_split_literals),
		cmocka_unit_test(test_literal_percent),
		cmocka_unit_test(test_bad_tokens),
		cmocka_unit_test(test_too_many_pieces),
		cmocka_unit_test(test_template_length),
		cmocka_unit_test(test_has_token),
		cmocka_unit_test(test_hostname_templates),
		cmocka_unit_test(test_hostname_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
