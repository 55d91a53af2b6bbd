/* SPDX-License-Identifier: MIT */
/*
 * sv_address_parse and sv_domain_normalize: every limit at N and N + 1,
 * embedded NUL, controls, invalid UTF-8, dots, '@' counts, IDNA, address
 * literals, and reasons that never echo the input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "request/address.h"
#include "util/err.h"

#include "test_base.h"

/* Parses a NUL-terminated literal (its strlen is the length). */
static int parse(const char *s, struct sv_address *a, struct sv_err *err) {
	return sv_address_parse(s, strlen(s), a, err);
}

static int norm(const char *s, char *out, struct sv_err *err) {
	return sv_domain_normalize(s, strlen(s), out, SV_DOMAIN_MAX + 1, err);
}

/* Fills buf with n copies of c, NUL-terminated; returns buf. */
static char *rep(char *buf, char c, size_t n) {
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* Appends s to the string in buf (size sz); the tests size buf enough. */
static void cat(char *buf, size_t sz, const char *s) {
	size_t o = strlen(buf);
	size_t n = strlen(s);
	assert_true(o + n < sz);
	memcpy(buf + o, s, n + 1);
}

/* Expects rc and a reason that does not contain needle (the input). */
static void expect_fail(const char *s, size_t len, int rc,
		const char *needle) {
	struct sv_address a;
	struct sv_err err = { .msg = "" };
	assert_int_equal(sv_address_parse(s, len, &a, &err), rc);
	assert_true(err.msg[0] != '\0');
	assert_null(strchr(err.msg, '\n'));
	assert_string_equal(a.address, "");
	assert_string_equal(a.local, "");
	assert_string_equal(a.domain, "");
	if (needle != NULL) {
		assert_null(strstr(err.msg, needle));
	}
}

static void expect_bad(const char *s) {
	expect_fail(s, strlen(s), SV_EINVAL, NULL);
}

static void test_simple(void **state) {
	(void)state;
	struct sv_address a;
	struct sv_err err = { .msg = "" };
	assert_int_equal(parse("Jean.Dupont@Example.FR", &a, &err), SV_OK);
	assert_string_equal(a.local, "Jean.Dupont"); /* case kept */
	assert_string_equal(a.domain, "example.fr");
	assert_string_equal(a.address, "Jean.Dupont@example.fr");
	assert_int_equal(parse("a@b.c", &a, NULL), SV_OK);
	assert_string_equal(a.address, "a@b.c");
	assert_int_equal(parse("x@localhost", &a, NULL), SV_OK);
	/* atext specials that RFC 5322 allows unquoted */
	assert_int_equal(parse("!#$%&'*+-/=?^_`{|}~@x.fr", &a, NULL), SV_OK);
	assert_string_equal(a.local, "!#$%&'*+-/=?^_`{|}~");
	assert_int_equal(parse("jean+tag@x.fr", &a, NULL), SV_OK);
	assert_int_equal(parse("j.e.a.n@x-y.fr", &a, NULL), SV_OK);
}

static void test_trailing_dot(void **state) {
	(void)state;
	struct sv_address a;
	assert_int_equal(parse("a@example.fr.", &a, NULL), SV_OK);
	assert_string_equal(a.domain, "example.fr");
	assert_string_equal(a.address, "a@example.fr");
	expect_bad("a@example.fr..");
	expect_bad("a@.");
	char out[SV_DOMAIN_MAX + 1];
	assert_int_equal(norm("Example.FR.", out, NULL), SV_OK);
	assert_string_equal(out, "example.fr");
	assert_int_equal(norm(".", out, NULL), SV_EINVAL);
	assert_int_equal(norm("..", out, NULL), SV_EINVAL);
}

static void test_empty(void **state) {
	(void)state;
	struct sv_address a;
	expect_fail("", 0, SV_EINVAL, NULL);
	assert_int_equal(sv_address_parse(NULL, 0, &a, NULL), SV_EINVAL);
	expect_bad("@x.fr");
	expect_bad("a@");
	expect_bad("@");
	char out[SV_DOMAIN_MAX + 1];
	assert_int_equal(sv_domain_normalize("", 0, out, sizeof(out), NULL),
		SV_EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(sv_domain_normalize(NULL, 0, out, sizeof(out), NULL),
		SV_EINVAL);
}

static void test_at_count(void **state) {
	(void)state;
	struct sv_err err = { .msg = "" };
	struct sv_address a;
	assert_int_equal(parse("jean.example.fr", &a, &err), SV_EINVAL);
	assert_string_equal(err.msg, "address: no '@'");
	assert_int_equal(parse("a@b@x.fr", &a, &err), SV_EINVAL);
	assert_string_equal(err.msg, "address: more than one '@'");
	expect_bad("a@@x.fr");
	expect_bad("a@x.fr@");
	expect_bad("\"a@b\"@x.fr");
}

static void test_local_limit(void **state) {
	(void)state;
	char local[80];
	char s[160];
	struct sv_address a;
	snprintf(s, sizeof(s), "%s@x.fr", rep(local, 'l', 64));
	assert_int_equal(parse(s, &a, NULL), SV_OK);
	assert_string_equal(a.local, local);
	snprintf(s, sizeof(s), "%s@x.fr", rep(local, 'l', 65));
	expect_fail(s, strlen(s), SV_ETOOBIG, NULL);
	/* 64 octets of UTF-8: 32 two-octet characters */
	s[0] = '\0';
	for (int i = 0; i < 32; i++) {
		cat(s, sizeof(s), "\xc3\xa9"); /* é */
	}
	cat(s, sizeof(s), "@x.fr");
	assert_int_equal(parse(s, &a, NULL), SV_OK);
	memmove(s + 1, s, strlen(s) + 1);
	s[0] = 'e';
	expect_fail(s, strlen(s), SV_ETOOBIG, NULL);
}

static void test_label_limit(void **state) {
	(void)state;
	char label[80];
	char s[160];
	char out[SV_DOMAIN_MAX + 1];
	struct sv_err err = { .msg = "" };
	snprintf(s, sizeof(s), "%s.fr", rep(label, 'x', 63));
	assert_int_equal(norm(s, out, NULL), SV_OK);
	assert_string_equal(out, s);
	snprintf(s, sizeof(s), "%s.fr", rep(label, 'x', 64));
	assert_int_equal(norm(s, out, &err), SV_ETOOBIG);
	assert_string_equal(err.msg, "domain: label longer than 63 octets");
	snprintf(s, sizeof(s), "a@fr.%s", rep(label, 'x', 63));
	struct sv_address a;
	assert_int_equal(parse(s, &a, NULL), SV_OK);
	snprintf(s, sizeof(s), "a@fr.%s", rep(label, 'x', 64));
	expect_fail(s, strlen(s), SV_ETOOBIG, NULL);
}

static void test_domain_limit(void **state) {
	(void)state;
	char d[300];
	char out[SV_DOMAIN_MAX + 1];
	struct sv_err err = { .msg = "" };
	assert_int_equal(norm(sv_test_host_of(d, 253), out, NULL), SV_OK);
	assert_int_equal(strlen(out), 253);
	cat(d, sizeof(d), "."); /* 254 octets with the root dot: still 253 */
	assert_int_equal(norm(d, out, NULL), SV_OK);
	assert_int_equal(strlen(out), 253);
	assert_int_equal(norm(sv_test_host_of(d, 254), out, &err), SV_ETOOBIG);
	assert_string_equal(err.msg, "domain: longer than 253 octets");
	assert_string_equal(out, "");
	/* far beyond anything that could normalise */
	char big[2048];
	memset(big, 'a', sizeof(big));
	assert_int_equal(sv_domain_normalize(big, sizeof(big), out,
		sizeof(out), NULL), SV_ETOOBIG);
}

static void test_address_limit(void **state) {
	(void)state;
	char local[80];
	char d[300];
	char s[400];
	struct sv_address a;
	/* 64 + 1 + 189 = 254 */
	snprintf(s, sizeof(s), "%s@%s", rep(local, 'l', 64),
		sv_test_host_of(d, 189));
	assert_int_equal(strlen(s), 254);
	assert_int_equal(parse(s, &a, NULL), SV_OK);
	assert_string_equal(a.address, s);
	snprintf(s, sizeof(s), "%s@%s", local, sv_test_host_of(d, 190));
	assert_int_equal(strlen(s), 255);
	expect_fail(s, strlen(s), SV_ETOOBIG, NULL);
	/* a trailing dot counts in the input */
	snprintf(s, sizeof(s), "%s@%s.", local, sv_test_host_of(d, 189));
	expect_fail(s, strlen(s), SV_ETOOBIG, NULL);
}

static void test_embedded_nul(void **state) {
	(void)state;
	struct sv_err err = { .msg = "" };
	struct sv_address a;
	static const char in1[] = "jean\0evil@x.fr";
	assert_int_equal(sv_address_parse(in1, sizeof(in1) - 1, &a, &err),
		SV_EINVAL);
	assert_string_equal(err.msg, "address: contains a NUL byte");
	static const char in2[] = "jean@x.fr\0.evil.com";
	expect_fail(in2, sizeof(in2) - 1, SV_EINVAL, "evil");
	static const char in3[] = "jean@x.fr\0";
	expect_fail(in3, sizeof(in3) - 1, SV_EINVAL, NULL);
	char out[SV_DOMAIN_MAX + 1];
	assert_int_equal(sv_domain_normalize(in2 + 5, sizeof(in2) - 6, out,
		sizeof(out), &err), SV_EINVAL);
	assert_string_equal(err.msg, "domain: contains a NUL byte");
	/* the length is what counts: a shorter length sees a valid name */
	assert_int_equal(sv_domain_normalize(in2 + 5, 4, out, sizeof(out),
		NULL), SV_OK);
	assert_string_equal(out, "x.fr");
}

static void test_controls_and_spaces(void **state) {
	(void)state;
	expect_bad("jean@x.fr\r\n");
	expect_bad("jean\r\nBcc: evil@x.fr");
	expect_bad("je\nan@x.fr");
	expect_bad("je\tan@x.fr");
	expect_bad("jean@x\t.fr");
	expect_bad("je an@x.fr");
	expect_bad("jean@x .fr");
	expect_bad(" jean@x.fr");
	expect_bad("jean@x.fr ");
	expect_bad("je\x7f" "an@x.fr");
	expect_bad("jean@x\x7f.fr");
	expect_bad("je\xc2\x85" "an@x.fr"); /* U+0085 NEL, a C1 control */
	expect_bad("jean@\xc3\xa4\xc2\x9f.fr");
	expect_bad("\x1b[31mjean@x.fr");
	struct sv_err err = { .msg = "" };
	struct sv_address a;
	assert_int_equal(parse("je\rn@x.fr", &a, &err), SV_EINVAL);
	assert_string_equal(err.msg, "address: contains a control character");
}

/* Found by fuzz_placeholder: U+FFFE in a local part made an answer that
 * is not well-formed XML (U+FFFE and U+FFFF are not XML characters). */
static void test_noncharacters(void **state) {
	(void)state;
	expect_bad("je\xef\xbf\xbe" "an@x.fr");     /* U+FFFE */
	expect_bad("\xef\xbf\xbf@x.fr");            /* U+FFFF */
	expect_bad("je\xef\xb7\x90" "an@x.fr");     /* U+FDD0 */
	expect_bad("je\xef\xb7\xaf" "an@x.fr");     /* U+FDEF */
	expect_bad("je\xf0\x9f\xbf\xbe" "an@x.fr"); /* U+1FFFE */
	expect_bad("je\xf4\x8f\xbf\xbf" "an@x.fr"); /* U+10FFFF */
	expect_bad("jean@x\xef\xbf\xbe.fr");
	struct sv_err err = { .msg = "" };
	struct sv_address a;
	assert_int_equal(parse("\xef\xbf\xbe@x.fr", &a, &err), SV_EINVAL);
	assert_string_equal(err.msg,
		"address: contains the noncharacter U+FFFE");
	/* their neighbours are characters */
	assert_int_equal(parse("je\xef\xbf\xbd" "an@x.fr", &a, &err),
		SV_OK);                              /* U+FFFD */
	assert_int_equal(parse("je\xef\xb7\x8f" "an@x.fr", &a, &err),
		SV_OK);                              /* U+FDCF */
	assert_int_equal(parse("je\xef\xb7\xb0" "an@x.fr", &a, &err),
		SV_OK);                              /* U+FDF0 */
	assert_int_equal(parse("je\xf0\x9f\xbf\xbd" "an@x.fr", &a, &err),
		SV_OK);                              /* U+1FFFD */
}

static void test_local_specials(void **state) {
	(void)state;
	const char *specials = "(),:;<>[\\]\"";
	for (const char *p = specials; *p != '\0'; p++) {
		char s[32];
		snprintf(s, sizeof(s), "je%can@x.fr", *p);
		expect_bad(s);
	}
}

static void test_invalid_utf8(void **state) {
	(void)state;
	static const char *const bad[] = {
		"\xc0\xaf",         /* overlong '/' */
		"\xc1\xbf",         /* overlong */
		"\xe0\x80\xaf",     /* overlong, 3 octets */
		"\xf0\x80\x80\xaf", /* overlong, 4 octets */
		"\xed\xa0\x80",     /* surrogate U+D800 */
		"\xed\xbf\xbf",     /* surrogate U+DFFF */
		"\xf4\x90\x80\x80", /* U+110000 */
		"\xf5\x80\x80\x80",
		"\xff",
		"\x80",             /* lone continuation */
		"\xc3",             /* truncated */
		"\xe2\x82",         /* truncated */
		"\xc3\x28",         /* bad continuation */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char s[64];
		struct sv_err err = { .msg = "" };
		snprintf(s, sizeof(s), "je%s@x.fr", bad[i]);
		expect_bad(s);
		snprintf(s, sizeof(s), "jean@x%s.fr", bad[i]);
		expect_bad(s);
		snprintf(s, sizeof(s), "jean@x.fr%s", bad[i]); /* at the end */
		expect_bad(s);
		char out[SV_DOMAIN_MAX + 1];
		snprintf(s, sizeof(s), "x%s.fr", bad[i]);
		assert_int_equal(norm(s, out, &err), SV_EINVAL);
		assert_string_equal(err.msg, "domain: invalid UTF-8");
	}
	/* the edges around surrogates, and the largest character (U+10FFFF
	 * itself is a noncharacter, see test_noncharacters) */
	struct sv_address a;
	assert_int_equal(parse("\xed\x9f\xbf@x.fr", &a, NULL), SV_OK);
	assert_int_equal(parse("\xee\x80\x80@x.fr", &a, NULL), SV_OK);
	assert_int_equal(parse("\xf4\x8f\xbf\xbd@x.fr", &a, NULL), SV_OK);
}

static void test_dots(void **state) {
	(void)state;
	expect_bad(".jean@x.fr");
	expect_bad("jean.@x.fr");
	expect_bad("je..an@x.fr");
	expect_bad(".@x.fr");
	expect_bad("jean@.x.fr");
	expect_bad("jean@x..fr");
	struct sv_address a;
	assert_int_equal(parse("j.e@x.fr", &a, NULL), SV_OK);
}

static void test_domain_syntax(void **state) {
	(void)state;
	static const struct {
		const char *in;
		int rc;
	} cases[] = {
		{ "a-b.fr", SV_OK }, { "a--b.fr", SV_OK }, { "0a.fr", SV_OK },
		{ "1.2.3.fr", SV_OK }, { "-a.fr", SV_EINVAL },
		{ "a-.fr", SV_EINVAL }, { "a.fr-", SV_EINVAL },
		{ "a_b.fr", SV_EINVAL }, { "a*b.fr", SV_EINVAL },
		{ "*.fr", SV_EINVAL }, { "a/b.fr", SV_EINVAL },
		{ "a%2eb.fr", SV_EINVAL },
		/* ASCII "xn--" labels pass as given (lower-cased) */
		{ "XN--EXMPLE-CUA.FR", SV_OK },
	};
	char out[SV_DOMAIN_MAX + 1];
	for (size_t i = 0; i < SV_TEST_LEN(cases); i++) {
		sv_test_int_is(cases[i].in, norm(cases[i].in, out, NULL),
			cases[i].rc);
	}
	assert_string_equal(out, "xn--exmple-cua.fr");
}

static void test_ip_literals(void **state) {
	(void)state;
	struct sv_err err = { .msg = "" };
	struct sv_address a;
	assert_int_equal(parse("jean@[1.2.3.4]", &a, &err), SV_EINVAL);
	assert_string_equal(err.msg,
		"domain: address literals are not accepted");
	expect_bad("jean@[IPv6:::1]");
	expect_bad("jean@1.2.3.4");
	expect_bad("jean@1.2.3.4.");
	expect_bad("jean@10");
}

static void test_idn(void **state) {
	(void)state;
	struct sv_address a;
	char out[SV_DOMAIN_MAX + 1];
	assert_int_equal(parse("jean@ex\xc3\xa4mple.fr", &a, NULL), SV_OK);
	assert_string_equal(a.domain, "xn--exmple-cua.fr");
	assert_string_equal(a.address, "jean@xn--exmple-cua.fr");
	/* upper-case Ä and ASCII upper case around it */
	assert_int_equal(norm("EX\xc3\x84MPLE.FR", out, NULL), SV_OK);
	assert_string_equal(out, "xn--exmple-cua.fr");
	assert_int_equal(norm("Ex\xc3\xa4mple.Fr.", out, NULL), SV_OK);
	assert_string_equal(out, "xn--exmple-cua.fr");
	/* NFC: a + combining diaeresis is the same name */
	assert_int_equal(norm("exa\xcc\x88mple.fr", out, NULL), SV_OK);
	assert_string_equal(out, "xn--exmple-cua.fr");
	/* non-transitional: sharp s is kept, not mapped to "ss" */
	assert_int_equal(norm("stra\xc3\x9f" "e.de", out, NULL), SV_OK);
	assert_string_equal(out, "xn--strae-oqa.de");
	/* local part kept as typed, UTF-8 */
	assert_int_equal(parse("J\xc3\xa9r\xc3\xb4me@x.fr", &a, NULL), SV_OK);
	assert_string_equal(a.local, "J\xc3\xa9r\xc3\xb4me");
	/* invalid IDNA: ZWJ out of context, underscore, space, symbols */
	assert_int_equal(norm("a\xe2\x80\x8d" "b\xc3\xa4.fr", out, NULL),
		SV_EINVAL);
	assert_int_equal(norm("a_\xc3\xa4.fr", out, NULL), SV_EINVAL);
	assert_int_equal(norm("a \xc3\xa4.fr", out, NULL), SV_EINVAL);
	assert_int_equal(norm("\xe2\x98\x83.fr", out, NULL), SV_EINVAL);
	assert_int_equal(norm("\xc3\xa4..fr", out, NULL), SV_EINVAL);
	assert_int_equal(norm(".\xc3\xa4.fr", out, NULL), SV_EINVAL);
}

static void test_idn_growth(void **state) {
	(void)state;
	char d[400];
	char out[SV_DOMAIN_MAX + 1];
	struct sv_err err = { .msg = "" };
	/* 31 labels "ä" (xn--4ca, 7 octets) + dots = 248, then the tail:
	 * 5 octets make 253, 6 make 254, although the UTF-8 is far shorter. */
	d[0] = '\0';
	for (int i = 0; i < 31; i++) {
		cat(d, sizeof(d), "\xc3\xa4.");
	}
	size_t base = strlen(d);
	assert_true(base < 100);
	cat(d, sizeof(d), "abcde");
	assert_int_equal(norm(d, out, NULL), SV_OK);
	assert_int_equal(strlen(out), 253);
	d[base] = '\0';
	cat(d, sizeof(d), "abcdef");
	assert_int_equal(norm(d, out, &err), SV_ETOOBIG);
	assert_string_equal(err.msg, "domain: longer than 253 octets");
	/* a U-label whose A-label is 63 octets ("xn--4ca" + 56 'a'), then 64 */
	d[0] = '\0';
	for (int i = 0; i < 57; i++) {
		cat(d, sizeof(d), "\xc3\xa4");
	}
	cat(d, sizeof(d), ".fr");
	assert_int_equal(norm(d, out, NULL), SV_OK);
	assert_int_equal(strlen(out), 63 + 3);
	memmove(d + 2, d, strlen(d) + 1);
	memcpy(d, "\xc3\xa4", 2);
	assert_int_equal(norm(d, out, &err), SV_ETOOBIG);
	assert_string_equal(err.msg, "domain: label longer than 63 octets");
	/* the address as a whole may also grow past 254 */
	char local[80];
	char s[400];
	d[0] = '\0';
	for (int i = 0; i < 30; i++) {
		cat(d, sizeof(d), "\xc3\xa4.");
	}
	cat(d, sizeof(d), "fr"); /* 240 octets once converted */
	snprintf(s, sizeof(s), "%s@%s", rep(local, 'l', 20), d);
	assert_true(strlen(s) <= 254);
	expect_fail(s, strlen(s), SV_ETOOBIG, NULL);
}

static void test_reason_never_echoes(void **state) {
	(void)state;
	expect_fail("<script>@x.fr", 13, SV_EINVAL, "script");
	expect_fail("a@<script>.fr", 13, SV_EINVAL, "script");
	expect_fail("a@scr\xc3\xa4ipt_.fr", 15, SV_EINVAL, "scr");
	expect_fail("a@b@script", 10, SV_EINVAL, "script");
}

static void test_out_reset_on_error(void **state) {
	(void)state;
	struct sv_address a;
	assert_int_equal(parse("a@x.fr", &a, NULL), SV_OK);
	assert_int_equal(parse("a@x..fr", &a, NULL), SV_EINVAL);
	assert_string_equal(a.address, "");
	char out[SV_DOMAIN_MAX + 1] = "stale";
	assert_int_equal(norm("x..fr", out, NULL), SV_EINVAL);
	assert_string_equal(out, "");
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_trailing_dot),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_at_count),
		cmocka_unit_test(test_local_limit),
		cmocka_unit_test(test_label_limit),
		cmocka_unit_test(test_domain_limit),
		cmocka_unit_test(test_address_limit),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_controls_and_spaces),
		cmocka_unit_test(test_noncharacters),
		cmocka_unit_test(test_local_specials),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_dots),
		cmocka_unit_test(test_domain_syntax),
		cmocka_unit_test(test_ip_literals),
		cmocka_unit_test(test_idn),
		cmocka_unit_test(test_idn_growth),
		cmocka_unit_test(test_reason_never_echoes),
		cmocka_unit_test(test_out_reset_on_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
