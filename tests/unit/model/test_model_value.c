/* SPDX-License-Identifier: MIT */
/*
 * model_value.c's model_check_required (a missing field's message, the
 * field's name handed to its check, the check's own verdict) and the two
 * template checks built on one helper: model_check_template and
 * model_check_hostname.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "model/model_value.h"
#include "util/err.h"

/* What the last call of record_check saw. */
static char seen_s[64];
static char seen_where[160];
static int calls;

static int record_check(const char *s, const char *where,
		struct sv_err *err) {
	calls++;
	strcpy(seen_s, s);
	strcpy(seen_where, where);
	return strcmp(s, "bad") == 0 ?
		sv_errf(err, SV_EINVAL, "%s: refused", where) : SV_OK;
}

static void test_missing(void **state) {
	(void)state;
	struct sv_err err = { .msg = "" };
	calls = 0;
	assert_int_equal(model_check_required(NULL, "server 1 (imap)",
		"hostname", record_check, &err), SV_EINVAL);
	assert_string_equal(err.msg, "server 1 (imap): hostname: missing");
	assert_int_equal(calls, 0);
	/* no message wanted */
	assert_int_equal(model_check_required(NULL, "w", "url", record_check,
		NULL), SV_EINVAL);
	assert_int_equal(calls, 0);
}

static void test_checked_with_where(void **state) {
	(void)state;
	struct sv_err err = { .msg = "" };
	calls = 0;
	assert_int_equal(model_check_required("imap.example.com",
		"server 2 (imap)", "hostname", record_check, &err), SV_OK);
	assert_int_equal(calls, 1);
	assert_string_equal(seen_s, "imap.example.com");
	assert_string_equal(seen_where, "server 2 (imap): hostname");
	assert_string_equal(err.msg, "");
	/* an empty value is set: checked, not missing */
	assert_int_equal(model_check_required("", "w", "url", record_check,
		&err), SV_OK);
	assert_int_equal(calls, 2);
	assert_string_equal(seen_where, "w: url");
}

static void test_check_refuses(void **state) {
	(void)state;
	struct sv_err err = { .msg = "" };
	assert_int_equal(model_check_required("bad", "link 1 (enable)", "url",
		record_check, &err), SV_EINVAL);
	assert_string_equal(err.msg, "link 1 (enable): url: refused");
	/* a real check: model_check_url, whose messages start with where */
	assert_int_equal(model_check_required("ftp://x", "link 1 (enable)",
		"url", model_check_url, &err), SV_EINVAL);
	assert_int_equal(strncmp(err.msg, "link 1 (enable): url: ", 22), 0);
	assert_int_equal(model_check_required("https://x.example/",
		"link 1 (enable)", "url", model_check_url, &err), SV_OK);
}

/* A long w is cut to where's 127 bytes, never overflowing it. */
static void test_long_where(void **state) {
	(void)state;
	char w[200];
	memset(w, 'w', sizeof(w) - 1);
	w[sizeof(w) - 1] = '\0';
	assert_int_equal(model_check_required("ok", w, "url", record_check,
		NULL), SV_OK);
	assert_int_equal(strlen(seen_where), 127);
}

static void test_templates(void **state) {
	(void)state;
	struct sv_err err = { .msg = "" };
	assert_int_equal(model_check_template("%EMAILLOCALPART%", "u", &err),
		SV_OK);
	assert_int_equal(model_check_hostname("mail.example.com", "h", &err),
		SV_OK);
	assert_int_equal(model_check_hostname("%EMAILDOMAIN%", "h", &err),
		SV_OK);
	/* a username may be any text; a host name may not */
	assert_int_equal(model_check_template("a user", "u", &err), SV_OK);
	assert_int_equal(model_check_hostname("a host", "s: hostname", &err),
		SV_EINVAL);
	assert_int_equal(strncmp(err.msg, "s: hostname: ", 13), 0);
	/* both refuse an unknown token, and say where */
	assert_int_equal(model_check_template("%FOO%", "s: username", &err),
		SV_EINVAL);
	assert_int_equal(strncmp(err.msg, "s: username: ", 13), 0);
	assert_int_equal(model_check_hostname("%FOO%.example", "h", &err),
		SV_EINVAL);
	assert_int_equal(strncmp(err.msg, "h: ", 3), 0);
	/* and text that is not valid UTF-8, through model_check_text */
	assert_int_equal(model_check_hostname("\xff.example", "h", &err),
		SV_EINVAL);
	assert_int_equal(model_check_template("\xff", "u", &err), SV_EINVAL);
	/* through model_check_required, a missing host */
	assert_int_equal(model_check_required(NULL, "server 1 (imap)",
		"hostname", model_check_hostname, &err), SV_EINVAL);
	assert_string_equal(err.msg, "server 1 (imap): hostname: missing");
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_checked_with_where),
		cmocka_unit_test(test_check_refuses),
		cmocka_unit_test(test_long_where),
		cmocka_unit_test(test_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
