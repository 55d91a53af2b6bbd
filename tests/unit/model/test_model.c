/* SPDX-License-Identifier: MIT */
/*
 * The provider model: host-name and domain-pattern syntax, every rule of
 * sv_provider_validate both ways (starting from one valid provider and
 * breaking one field at a time), sv_provider_check_servable, and model.c's
 * appenders, names, per-domain server selection and stable sort.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "model/service_url.h"
#include "util/alloc.h"
#include "util/err.h"

#include "test_base.h"

/* Replaces *field by a copy of v (NULL clears it). */
static void set(char **field, const char *v) {
	sv_free(*field);
	*field = NULL;
	if (v != NULL) {
		*field = sv_strdup(v);
		assert_non_null(*field);
	}
}

/* Appends a server with one password method; SV_OK or SV_ENOMEM. */
static int add_srv(struct sv_provider *pv, enum sv_server_type t,
		const char *host, int port, enum sv_socket sock, int prio) {
	struct sv_server s;
	memset(&s, 0, sizeof(s));
	s.type = t;
	s.port = port;
	s.socket = sock;
	s.priority = prio;
	s.pop3.days_to_leave = -1;
	s.pop3.check_interval_min = -1;
	s.auth[0] = SV_AUTH_PASSWORD_CLEARTEXT;
	s.n_auth = 1;
	if (host != NULL && (s.hostname = sv_strdup(host)) == NULL) {
		return SV_ENOMEM;
	}
	if ((s.username = sv_strdup("%EMAILADDRESS%")) == NULL) {
		sv_server_finish(&s);
		return SV_ENOMEM;
	}
	int rc = sv_provider_add_server(pv, &s, NULL);
	if (rc != SV_OK) {
		sv_server_finish(&s);
	}
	return rc;
}

/*
 * A valid, servable provider: domains example.fr, example.com,
 * *.hoster.fr; server 1 imap, 2 smtp, 3 pop3 (with options); one
 * documentation link; a webmail page. NULL on allocation failure.
 */
static struct sv_provider *make_provider(void) {
	struct sv_provider *pv = sv_provider_create();
	struct sv_link *l;
	if (pv == NULL) {
		return NULL;
	}
	if ((pv->id = sv_strdup("example.fr")) == NULL ||
			(pv->display_name = sv_strdup("Example Mail")) == NULL ||
			(pv->short_name = sv_strdup("Example")) == NULL ||
			sv_provider_add_domain(pv, "example.fr") != SV_OK ||
			sv_provider_add_domain(pv, "example.com") != SV_OK ||
			sv_provider_add_domain(pv, "*.hoster.fr") != SV_OK ||
			add_srv(pv, SV_SERVER_IMAP, "imap.example.fr", 993,
				SV_SOCKET_SSL, 0) != SV_OK ||
			add_srv(pv, SV_SERVER_SMTP, "smtp.example.fr", 465,
				SV_SOCKET_SSL, 0) != SV_OK ||
			add_srv(pv, SV_SERVER_POP3, "pop.example.fr", 995,
				SV_SOCKET_SSL, 0) != SV_OK ||
			sv_provider_add_link(pv, SV_LINK_DOCUMENTATION,
				"https://aide.example.fr/", &l) != SV_OK ||
			sv_link_add_text(l, "fr", "Param\xc3\xa8tres") != SV_OK ||
			sv_link_add_text(l, NULL, "Settings") != SV_OK ||
			(pv->webmail.login_page =
				sv_strdup("https://webmail.example.fr/")) == NULL) {
		sv_provider_destroy(pv);
		return NULL;
	}
	struct sv_server *pop = &pv->servers[2];
	pop->has_pop3 = true;
	pop->pop3.leave_on_server = SV_TRUE;
	pop->pop3.days_to_leave = 7;
	return pv;
}

static int setup(void **state) {
	struct sv_provider *pv = make_provider();
	if (pv == NULL) {
		return -1;
	}
	*state = pv;
	return 0;
}

static int teardown(void **state) {
	sv_provider_destroy(*state);
	return 0;
}

static void expect_ok(const struct sv_provider *pv) {
	struct sv_err err = { .msg = "" };
	if (sv_provider_validate(pv, &err) != SV_OK) {
		fail_msg("unexpected: %s", err.msg);
	}
}

/* Expects SV_EINVAL and a message equal to msg. */
static void expect_msg(const struct sv_provider *pv, const char *msg) {
	struct sv_err err = { .msg = "" };
	assert_int_equal(sv_provider_validate(pv, &err), SV_EINVAL);
	assert_string_equal(err.msg, msg);
}

/* Expects SV_EINVAL and a message starting with prefix. */
static void expect_bad(const struct sv_provider *pv, const char *prefix) {
	struct sv_err err = { .msg = "" };
	assert_int_equal(sv_provider_validate(pv, &err), SV_EINVAL);
	if (strncmp(err.msg, prefix, strlen(prefix)) != 0) {
		fail_msg("message '%s' does not start with '%s'", err.msg,
			prefix);
	}
	assert_null(strchr(err.msg, '\n'));
}

/* ---- syntax ---------------------------------------------------------- */

static void test_is_hostname(void **state) {
	(void)state;
	static const char *const ok[] = {
		"a", "a.b", "example.fr", "xn--exmple-cua.fr", "a-b.c", "a--b.c",
		"0.fr", "1.2.3.4", "9a.b0",
	};
	static const char *const bad[] = {
		"", ".", "a.", ".a", "a..b", "-a", "a-", "a-.b", "a.-b", "a_b",
		"_dmarc.example.fr", "a b", "a\tb", "\xc3\xa4.fr", "*.a",
		"*", "a.b.", "a/b", "a:1", "a@b",
	};
	sv_test_hostnames(ok, SV_TEST_LEN(ok), bad, SV_TEST_LEN(bad));
	assert_true(sv_is_hostname("Example.FR", false));
	assert_false(sv_is_hostname("Example.FR", true));
	assert_false(sv_is_hostname("example.fR", true));

	char h[300];
	memset(h, 'x', 63);
	memcpy(h + 63, ".fr", 4);
	assert_true(sv_is_hostname(h, true));
	memset(h, 'x', 64);
	memcpy(h + 64, ".fr", 4);
	assert_false(sv_is_hostname(h, true));
	memcpy(h, "fr.", 3); /* a last label of 63, then 64 */
	memset(h + 3, 'x', 64);
	h[66] = '\0';
	assert_true(sv_is_hostname(h, true));
	h[66] = 'x';
	h[67] = '\0';
	assert_false(sv_is_hostname(h, true));
	assert_true(sv_is_hostname(sv_test_host_of(h, 253), true));
	assert_false(sv_is_hostname(sv_test_host_of(h, 254), true));
}

static void test_is_domain_pattern(void **state) {
	(void)state;
	static const char *const ok[] = {
		"*", "*.fr", "*.example.fr", "example.fr", "fr",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (!sv_is_domain_pattern(ok[i])) {
			fail_msg("'%s' refused", ok[i]);
		}
	}
	static const char *const bad[] = {
		"", "*.", "**", "*example.fr", "a.*.fr", "*.*.fr", "Foo.fr",
		"*.Foo.fr", "example.fr.", "* ", " *", "*.-a.fr", "*..fr",
		"\xc3\xa4.fr",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sv_is_domain_pattern(bad[i])) {
			fail_msg("'%s' accepted", bad[i]);
		}
	}
	assert_false(sv_is_domain_pattern(NULL));
	char h[300] = "*.";
	sv_test_host_of(h + 2, 253);
	assert_true(sv_is_domain_pattern(h));
	sv_test_host_of(h + 2, 254);
	assert_false(sv_is_domain_pattern(h));
}

/* ---- sv_provider_validate -------------------------------------------- */

static void test_valid_fixture(void **state) {
	struct sv_provider *pv = *state;
	expect_ok(pv);
	assert_int_equal(sv_provider_check_servable(pv, NULL), SV_OK);
	assert_int_equal(sv_provider_validate(pv, NULL), SV_OK);
}

static void test_id(void **state) {
	struct sv_provider *pv = *state;
	set(&pv->id, NULL);
	expect_msg(pv, "id: missing");
	set(&pv->id, "Example.fr");
	expect_msg(pv, "id: 'Example.fr' is not a lower-case host name");
	set(&pv->id, "example.fr.");
	expect_bad(pv, "id: ");
	set(&pv->id, "*.example.fr");
	expect_bad(pv, "id: ");
	set(&pv->id, "");
	expect_bad(pv, "id: ");
	/* a control character is shown escaped, never raw */
	set(&pv->id, "a\nb\x1b[0m");
	expect_msg(pv, "id: 'a\\x0Ab\\x1B[0m' is not a lower-case host name");
	set(&pv->id, "a\\b");
	expect_msg(pv, "id: 'a\\x5Cb' is not a lower-case host name");
	/* long values are cut */
	char h[300];
	memset(h, 'X', 299);
	h[299] = '\0';
	set(&pv->id, h);
	struct sv_err err = { .msg = "" };
	assert_int_equal(sv_provider_validate(pv, &err), SV_EINVAL);
	assert_non_null(strstr(err.msg, "...'"));
	assert_true(strlen(err.msg) < 120);
	set(&pv->id, "mail.example.fr");
	expect_ok(pv);
}

/* n copies of the UTF-8 character u. */
static char *chars_of(char *buf, size_t bufsz, const char *u, size_t n) {
	size_t k = strlen(u);
	assert_true(n * k < bufsz);
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + i * k, u, k);
	}
	buf[n * k] = '\0';
	return buf;
}

static void test_names(void **state) {
	struct sv_provider *pv = *state;
	char b[512];
	/* lengths count characters, not bytes */
	set(&pv->display_name, chars_of(b, sizeof(b), "\xc3\xa9", 60));
	expect_ok(pv);
	set(&pv->display_name, chars_of(b, sizeof(b), "\xc3\xa9", 61));
	expect_msg(pv,
		"display_name: 61 characters is more than the 60 allowed");
	set(&pv->display_name, chars_of(b, sizeof(b), "\xe2\x82\xac", 60));
	expect_ok(pv);
	set(&pv->display_name, chars_of(b, sizeof(b), "x", 61));
	expect_bad(pv, "display_name: ");
	set(&pv->display_name, "");
	expect_bad(pv, "display_name: empty");
	set(&pv->display_name, "Example\nMail");
	expect_msg(pv, "display_name: control character U+000A at byte 8");
	set(&pv->display_name, "Example\xc2\x85");
	expect_bad(pv, "display_name: control character U+0085");
	set(&pv->display_name, "Ex\xc3" "ample");
	expect_msg(pv, "display_name: invalid UTF-8 at byte 3");
	set(&pv->display_name, "Ex\xed\xa0\x80");
	expect_bad(pv, "display_name: invalid UTF-8");
	set(&pv->display_name, NULL);
	expect_ok(pv);

	set(&pv->short_name, chars_of(b, sizeof(b), "\xc3\xa9", 20));
	expect_ok(pv);
	set(&pv->short_name, chars_of(b, sizeof(b), "\xc3\xa9", 21));
	expect_msg(pv,
		"short_name: 21 characters is more than the 20 allowed");
	set(&pv->short_name, "a\tb");
	expect_bad(pv, "short_name: control character");
	set(&pv->short_name, "\xc0\xaf");
	expect_bad(pv, "short_name: invalid UTF-8");
	set(&pv->short_name, NULL);
	expect_ok(pv);
}

static void test_domains(void **state) {
	struct sv_provider *pv = *state;
	set(&pv->domains[2], "Foo.fr");
	expect_msg(pv, "domain 3: 'Foo.fr' is not a lower-case host name, "
		"'*.suffix' or '*'");
	set(&pv->domains[2], "*");
	expect_ok(pv);
	set(&pv->domains[2], "*.*.fr");
	expect_bad(pv, "domain 3: ");
	set(&pv->domains[2], "example.fr");
	expect_msg(pv, "domain 3: 'example.fr' repeats domain 1");
	set(&pv->domains[2], NULL);
	expect_msg(pv, "domain 3: missing");
	set(&pv->domains[2], "*.example.fr"); /* not a duplicate of 1 */
	expect_ok(pv);

	for (size_t i = 0; i < pv->n_domains; i++) {
		sv_free(pv->domains[i]);
	}
	pv->n_domains = 0;
	expect_msg(pv, "domains: none (at least one is required)");
}

/* A hoster's long list goes through the sorted path. */
static void test_many_domains(void **state) {
	struct sv_provider *pv = *state;
	char d[32];
	for (int i = 0; i < 500; i++) {
		snprintf(d, sizeof(d), "d%d.fr", i);
		assert_int_equal(sv_provider_add_domain(pv, d), SV_OK);
	}
	expect_ok(pv);
	/* the message gives both positions, first occurrence first */
	assert_int_equal(sv_provider_add_domain(pv, "d250.fr"), SV_OK);
	expect_msg(pv, "domain 504: 'd250.fr' repeats domain 254");
	set(&pv->domains[pv->n_domains - 1], "d250.com");
	expect_ok(pv);
	set(&pv->domains[pv->n_domains - 1], "example.com");
	expect_msg(pv, "domain 504: 'example.com' repeats domain 2");
	/* the sorted view is allocated: failure is reported, not a crash */
	struct sv_err err = { .msg = "" };
	sv_alloc_fail_after(0);
	int rc = sv_provider_validate(pv, &err);
	sv_alloc_fail_after(-1);
	assert_int_equal(rc, SV_ENOMEM);
	/* 64 domains are checked pairwise, 65 through the sorted view */
	struct sv_provider *small = make_provider();
	assert_non_null(small);
	for (int i = 3; i < 64; i++) {
		snprintf(d, sizeof(d), "d%d.fr", i);
		assert_int_equal(sv_provider_add_domain(small, d), SV_OK);
	}
	assert_int_equal(small->n_domains, 64);
	sv_alloc_fail_after(0);
	rc = sv_provider_validate(small, &err);
	sv_alloc_fail_after(-1);
	assert_int_equal(rc, SV_OK);
	assert_int_equal(sv_provider_add_domain(small, "d3.fr"), SV_OK);
	expect_msg(small, "domain 65: 'd3.fr' repeats domain 4");
	sv_provider_destroy(small);
}

static void test_server_count(void **state) {
	struct sv_provider *pv = *state;
	while (pv->n_servers < SV_MODEL_MAX_SERVERS) {
		assert_int_equal(add_srv(pv, SV_SERVER_SMTP, "smtp.example.fr",
			587, SV_SOCKET_STARTTLS, 5), SV_OK);
	}
	expect_ok(pv);
	assert_int_equal(add_srv(pv, SV_SERVER_SMTP, "smtp.example.fr", 587,
		SV_SOCKET_STARTTLS, 5), SV_OK);
	expect_msg(pv, "servers: 65 is more than the 64 allowed");
}

static void test_port(void **state) {
	struct sv_provider *pv = *state;
	struct sv_server *s = &pv->servers[1];
	s->port = 0;
	expect_msg(pv, "server 2 (smtp): port: 0 is not in 1..65535");
	s->port = 65536;
	expect_msg(pv, "server 2 (smtp): port: 65536 is not in 1..65535");
	s->port = -1;
	expect_bad(pv, "server 2 (smtp): port: ");
	s->port = 1;
	expect_ok(pv);
	s->port = 65535;
	expect_ok(pv);
}

static void test_hostname(void **state) {
	struct sv_provider *pv = *state;
	struct sv_server *s = &pv->servers[0];
	set(&s->hostname, NULL);
	expect_msg(pv, "server 1 (imap): hostname: missing");
	set(&s->hostname, "mail_x.example.fr");
	expect_bad(pv, "server 1 (imap): hostname: ");
	set(&s->hostname, "mail.%EMAILDOMAIN");
	expect_bad(pv, "server 1 (imap): hostname: ");
	set(&s->hostname, "imap.example.fr\n");
	expect_bad(pv, "server 1 (imap): hostname: ");
	set(&s->hostname, "");
	expect_bad(pv, "server 1 (imap): hostname: ");
	set(&s->hostname, "mail.%EMAILDOMAIN%");
	expect_ok(pv);
	set(&s->hostname, "IMAP.Example.fr");
	expect_ok(pv);
	set(&s->hostname, "imap.example.fr");
	expect_ok(pv);
}

static void test_socket(void **state) {
	struct sv_provider *pv = *state;
	struct sv_server *s = &pv->servers[2];
	s->socket = SV_SOCKET_NONE;
	expect_msg(pv,
		"server 3 (pop3): socket: missing (plain, SSL or STARTTLS)");
	s->socket = (enum sv_socket)9;
	expect_bad(pv, "server 3 (pop3): socket: ");
	s->socket = SV_SOCKET_PLAIN;
	expect_ok(pv);
	s->socket = SV_SOCKET_STARTTLS;
	expect_ok(pv);
}

static void test_type(void **state) {
	struct sv_provider *pv = *state;
	pv->servers[0].type = SV_SERVER_TYPE_COUNT;
	expect_bad(pv, "server 1: type: ");
	pv->servers[0].type = (enum sv_server_type)-1;
	expect_bad(pv, "server 1: type: ");
}

static void test_exchange(void **state) {
	struct sv_provider *pv = *state;
	struct sv_server *s = &pv->servers[0];
	s->type = SV_SERVER_EXCHANGE;
	set(&s->owa_url, "https://outlook.example.fr/owa/");
	set(&s->ews_url, "https://outlook.example.fr/ews/exchange.asmx");
	expect_ok(pv);
	set(&s->ews_url, "outlook.example.fr");
	expect_bad(pv, "server 1 (exchange): ews URL: ");
	set(&s->ews_url, NULL);
	s->socket = SV_SOCKET_NONE;
	expect_bad(pv, "server 1 (exchange): socket: ");
	s->socket = SV_SOCKET_SSL;
	set(&s->hostname, NULL);
	expect_bad(pv, "server 1 (exchange): hostname: missing");
	set(&s->hostname, "outlook.example.fr");
	s->port = 0;
	expect_bad(pv, "server 1 (exchange): port: ");
	s->port = 443;
	expect_ok(pv);
	s->type = SV_SERVER_IMAP;
	expect_bad(pv, "server 1 (imap): owa/ews URL: ");
}

static void test_url_servers(void **state) {
	struct sv_provider *pv = *state;
	const enum sv_server_type types[] = {
		SV_SERVER_EWS, SV_SERVER_OWA, SV_SERVER_GRAPH,
	};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(add_srv(pv, types[i], NULL, 0, SV_SOCKET_NONE,
			0), SV_OK);
		struct sv_server *s = &pv->servers[pv->n_servers - 1];
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "server %zu (%s): ",
			pv->n_servers, sv_server_type_name(types[i]));
		char msg[128];
		snprintf(msg, sizeof(msg), "%surl: missing", prefix);
		expect_msg(pv, msg);
		set(&s->url, "https://outlook.example.fr/ews/exchange.asmx");
		expect_ok(pv);
		set(&s->url, "HTTP://outlook.example.fr/");
		expect_ok(pv);
		set(&s->url, "ftp://outlook.example.fr/");
		expect_bad(pv, prefix);
		set(&s->url, "https://");
		expect_bad(pv, prefix);
		set(&s->url, "https:///path");
		expect_bad(pv, prefix);
		set(&s->url, "https://a b/");
		expect_bad(pv, prefix);
		set(&s->url, "https://a/\tb");
		expect_bad(pv, prefix);
		set(&s->url, "");
		expect_bad(pv, prefix);
		set(&s->url, "https://graph.example.fr/");
		expect_ok(pv);
		/* TCP fields have no meaning here */
		set(&s->hostname, "graph.example.fr");
		expect_bad(pv, prefix);
		set(&s->hostname, NULL);
		s->port = 443;
		expect_bad(pv, prefix);
		s->port = 0;
		s->socket = SV_SOCKET_SSL;
		expect_bad(pv, prefix);
		s->socket = SV_SOCKET_NONE;
		/* outgoing-only methods stay outgoing-only */
		s->auth[0] = SV_AUTH_NONE;
		expect_bad(pv, prefix);
		s->auth[0] = SV_AUTH_OAUTH2;
		expect_ok(pv);
	}
	/* and a TCP server with a url */
	set(&pv->servers[0].url, "https://imap.example.fr/");
	expect_msg(pv, "server 1 (imap): url: only ews, owa and graph servers "
		"have one");
}

static void test_username(void **state) {
	struct sv_provider *pv = *state;
	struct sv_server *s = &pv->servers[1];
	set(&s->username, "%EMAILADDRESS");
	expect_bad(pv, "server 2 (smtp): username: ");
	set(&s->username, "%FOO%");
	expect_bad(pv, "server 2 (smtp): username: ");
	set(&s->username, "jean\r\n");
	expect_bad(pv, "server 2 (smtp): username: control character");
	set(&s->username, "j\xc3");
	expect_bad(pv, "server 2 (smtp): username: invalid UTF-8");
	char t[SV_MODEL_MAX_TEMPLATE + 2];
	memset(t, 'u', SV_MODEL_MAX_TEMPLATE);
	t[SV_MODEL_MAX_TEMPLATE] = '\0';
	set(&s->username, t);
	expect_ok(pv);
	t[SV_MODEL_MAX_TEMPLATE] = 'u';
	t[SV_MODEL_MAX_TEMPLATE + 1] = '\0';
	set(&s->username, t);
	expect_bad(pv, "server 2 (smtp): username: 256 bytes");
	static const char *const ok[] = {
		"%EMAILLOCALPART%%%EMAILDOMAIN%", "recent:%EMAILADDRESS%",
		"%EMAILLOCALPART%", "", "j\xc3\xa9r\xc3\xb4me", "50%",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		set(&s->username, ok[i]);
		expect_ok(pv);
	}
	set(&s->username, NULL);
	expect_ok(pv);
}

static void test_auth(void **state) {
	struct sv_provider *pv = *state;
	struct sv_server *imap = &pv->servers[0];
	struct sv_server *smtp = &pv->servers[1];
	struct sv_server *pop = &pv->servers[2];
	imap->n_auth = 0;
	expect_msg(pv, "server 1 (imap): authentication: none (at least one "
		"is required)");
	/* the eight methods that are not outgoing-only, on an imap server */
	for (size_t i = 0; i < SV_MODEL_MAX_AUTH; i++) {
		imap->auth[i] = (enum sv_auth)i;
	}
	imap->n_auth = SV_MODEL_MAX_AUTH;
	expect_ok(pv);
	imap->n_auth = SV_MODEL_MAX_AUTH + 1;
	expect_msg(pv, "server 1 (imap): authentication: 9 methods is more "
		"than the 8 allowed");
	imap->n_auth = 2;
	imap->auth[1] = SV_AUTH_PASSWORD_CLEARTEXT;
	expect_msg(pv, "server 1 (imap): authentication 2: password-cleartext "
		"is already listed");
	imap->auth[1] = (enum sv_auth)SV_AUTH_COUNT;
	expect_bad(pv, "server 1 (imap): authentication 2: unknown value");
	imap->auth[1] = SV_AUTH_NONE;
	expect_msg(pv, "server 1 (imap): authentication 2: none is for "
		"outgoing (smtp) servers only");
	imap->auth[1] = SV_AUTH_OAUTH2;
	expect_ok(pv);
	pop->auth[0] = SV_AUTH_CLIENT_IP_ADDRESS;
	expect_bad(pv, "server 3 (pop3): authentication 1: client-IP-address");
	pop->auth[0] = SV_AUTH_SMTP_AFTER_POP;
	expect_bad(pv, "server 3 (pop3): authentication 1: smtp-after-pop");
	pop->auth[0] = SV_AUTH_PASSWORD_ENCRYPTED;
	expect_ok(pv);
	smtp->auth[0] = SV_AUTH_NONE;
	smtp->auth[1] = SV_AUTH_CLIENT_IP_ADDRESS;
	smtp->auth[2] = SV_AUTH_SMTP_AFTER_POP;
	smtp->n_auth = 3;
	expect_ok(pv);
	/* aliases are distinct values, not duplicates */
	smtp->auth[0] = SV_AUTH_PLAIN;
	smtp->auth[1] = SV_AUTH_PASSWORD_CLEARTEXT;
	smtp->n_auth = 2;
	expect_ok(pv);
}

static void test_pop3_options(void **state) {
	struct sv_provider *pv = *state;
	struct sv_server *imap = &pv->servers[0];
	struct sv_server *pop = &pv->servers[2];
	imap->has_pop3 = true;
	expect_msg(pv, "server 1 (imap): pop3: options are for pop3 servers "
		"only");
	imap->has_pop3 = false;
	pop->pop3.days_to_leave = -2;
	expect_bad(pv, "server 3 (pop3): pop3: days to leave: -2");
	pop->pop3.days_to_leave = -1;
	expect_ok(pv);
	pop->pop3.days_to_leave = 0;
	expect_ok(pv);
	pop->pop3.check_interval_min = 0;
	expect_bad(pv, "server 3 (pop3): pop3: check interval: 0");
	pop->pop3.check_interval_min = -5;
	expect_bad(pv, "server 3 (pop3): pop3: check interval: -5");
	pop->pop3.check_interval_min = 1;
	expect_ok(pv);
	pop->pop3.check_interval_min = -1;
	pop->pop3.download_on_biff = (enum sv_tristate)7;
	expect_bad(pv, "server 3 (pop3): pop3: ");
	pop->pop3.download_on_biff = SV_FALSE;
	expect_ok(pv);
	/* without has_pop3 the option fields are not looked at */
	pop->has_pop3 = false;
	pop->pop3.days_to_leave = -9;
	expect_ok(pv);
}

static void test_outgoing_options(void **state) {
	struct sv_provider *pv = *state;
	struct sv_server *imap = &pv->servers[0];
	struct sv_server *smtp = &pv->servers[1];
	smtp->add_this_server = SV_TRUE;
	set(&smtp->restriction, "client-IP-address");
	smtp->use_global_preferred_server = SV_FALSE;
	expect_ok(pv);
	imap->add_this_server = SV_FALSE;
	expect_bad(pv, "server 1 (imap): addThisServer: ");
	imap->add_this_server = SV_UNSET;
	set(&imap->restriction, "client-IP-address");
	expect_bad(pv, "server 1 (imap): restriction: ");
	set(&imap->restriction, NULL);
	imap->use_global_preferred_server = SV_TRUE;
	expect_ok(pv);
	set(&smtp->restriction, "client\x01");
	expect_bad(pv, "server 2 (smtp): restriction: control character");
	set(&smtp->restriction, "");
	expect_bad(pv, "server 2 (smtp): restriction: empty");
	set(&smtp->restriction, NULL);
	smtp->use_global_preferred_server = (enum sv_tristate)3;
	expect_bad(pv, "server 2 (smtp): ");
}

static void test_server_domain(void **state) {
	struct sv_provider *pv = *state;
	struct sv_server *smtp = &pv->servers[1];
	set(&smtp->domain, "example.com");
	expect_ok(pv);
	set(&smtp->domain, "*.hoster.fr");
	expect_ok(pv);
	set(&smtp->domain, "other.fr");
	expect_msg(pv, "server 2 (smtp): domain: 'other.fr' is not one of "
		"the provider's domains");
	set(&smtp->domain, "Example.com");
	expect_bad(pv, "server 2 (smtp): domain: ");
	set(&smtp->domain, "");
	expect_bad(pv, "server 2 (smtp): domain: ");
}

static void test_links(void **state) {
	struct sv_provider *pv = *state;
	struct sv_link *l = &pv->links[0];
	set(&l->url, "");
	expect_bad(pv, "link 1 (documentation): url: empty");
	set(&l->url, NULL);
	expect_msg(pv, "link 1 (documentation): url: missing");
	set(&l->url, "aide.example.fr");
	expect_bad(pv, "link 1 (documentation): url: ");
	set(&l->url, "javascript:alert(1)");
	expect_bad(pv, "link 1 (documentation): url: ");
	set(&l->url, "http://aide.example.fr/a?b=c#d");
	expect_ok(pv);
	set(&l->texts[0].lang, "f r");
	expect_msg(pv, "link 1 (documentation): text 1: lang: 'f r' is not a "
		"language tag");
	set(&l->texts[0].lang, "");
	expect_bad(pv, "link 1 (documentation): text 1: lang: ");
	set(&l->texts[0].lang, "pt-BR");
	expect_ok(pv);
	set(&l->texts[1].text, "Set\ntings");
	expect_bad(pv, "link 1 (documentation): text 2: control character");
	set(&l->texts[1].text, "\xe0\x80\xaf");
	expect_bad(pv, "link 1 (documentation): text 2: invalid UTF-8");
	char big[SV_MODEL_MAX_TEXT + 2];
	memset(big, 't', SV_MODEL_MAX_TEXT);
	big[SV_MODEL_MAX_TEXT] = '\0';
	set(&l->texts[1].text, big);
	expect_ok(pv);
	big[SV_MODEL_MAX_TEXT] = 't';
	big[SV_MODEL_MAX_TEXT + 1] = '\0';
	set(&l->texts[1].text, big);
	expect_msg(pv, "link 1 (documentation): text 2: 4097 bytes is more "
		"than the 4096 allowed");
	set(&l->texts[1].text, NULL);
	expect_msg(pv, "link 1 (documentation): text 2: missing");
	set(&l->texts[1].text, "");
	expect_ok(pv);
	l->kind = SV_LINK_KIND_COUNT;
	expect_bad(pv, "link 1: kind: ");
	l->kind = SV_LINK_ENABLE;
	expect_ok(pv);
	set(&l->url, "https://aide.example.fr/\x7f");
	expect_bad(pv, "link 1 (enable): url: control character");
}

static void test_webmail(void **state) {
	struct sv_provider *pv = *state;
	struct sv_webmail *w = &pv->webmail;
	set(&w->info_url, "https://webmail.example.fr/info");
	set(&w->username, "%EMAILLOCALPART%");
	set(&w->username_field_id, "user");
	set(&w->password_field_name, "pass");
	set(&w->login_button_id, "go");
	expect_ok(pv);
	set(&w->username, "%EMAILLOCALPART");
	expect_bad(pv, "webmail: username: ");
	set(&w->username, "%EMAILLOCALPART%");
	set(&w->login_page, "webmail");
	expect_bad(pv, "webmail: login page: ");
	set(&w->login_page, "https://webmail.example.fr/");
	set(&w->info_url, "info");
	expect_bad(pv, "webmail: login page info: ");
	set(&w->info_url, "https://webmail.example.fr/info");
	set(&w->wait_redirect_prefix, "https://webmail.example.fr/inbox");
	expect_ok(pv);
	set(&w->wait_redirect_prefix, "inbox");
	expect_bad(pv, "webmail: redirection URL prefix: ");
	set(&w->wait_redirect_prefix, "https://webmail.example.fr/inbox");
	/* an attribute of <loginPageInfo>: never without it */
	set(&w->info_url, NULL);
	expect_bad(pv, "webmail: redirection URL prefix: set without a login "
		"page info URL");
	set(&w->wait_redirect_prefix, NULL);
	set(&w->password_field_name, "pa\x1bss");
	expect_bad(pv, "webmail: password field name: control character");
	set(&w->password_field_name, NULL);
	expect_ok(pv);
	set(&w->login_page, NULL);
	expect_bad(pv, "webmail: login page: missing");
	set(&w->username, NULL);
	set(&w->username_field_id, NULL);
	set(&w->login_button_id, NULL);
	expect_ok(pv); /* no webmail at all */
}

static void test_oauth2(void **state) {
	struct sv_provider *pv = *state;
	struct sv_oauth2 *o = &pv->oauth2;
	set(&o->issuer, "accounts.example.fr");
	set(&o->scope, "https://mail.example.fr/ openid");
	set(&o->auth_url, "https://accounts.example.fr/o/auth");
	set(&o->token_url, "https://accounts.example.fr/o/token");
	expect_ok(pv);
	set(&o->token_url, "token");
	expect_bad(pv, "oauth2: token URL: ");
	set(&o->token_url, NULL);
	set(&o->auth_url, "https://a/\n");
	expect_bad(pv, "oauth2: auth URL: ");
	set(&o->auth_url, NULL);
	set(&o->scope, "a\x01");
	expect_bad(pv, "oauth2: scope: ");
	set(&o->scope, "mail");
	set(&o->issuer, "");
	expect_bad(pv, "oauth2: issuer: empty");
	set(&o->issuer, NULL);
	expect_bad(pv, "oauth2: issuer: missing");
	set(&o->scope, NULL);
	expect_ok(pv);
}

/* ---- sv_provider_check_servable -------------------------------------- */

static void test_servable(void **state) {
	struct sv_provider *pv = *state;
	struct sv_err err = { .msg = "" };
	assert_int_equal(sv_provider_check_servable(pv, &err), SV_OK);
	/* smtp bound to one domain only: not usable by the others */
	set(&pv->servers[1].domain, "example.com");
	assert_int_equal(sv_provider_check_servable(pv, &err), SV_EINVAL);
	assert_string_equal(err.msg,
		"provider example.fr has no outgoing (smtp) server");
	set(&pv->servers[1].domain, NULL);
	/* pop3 alone is enough for incoming */
	pv->servers[0].type = SV_SERVER_SMTP;
	assert_int_equal(sv_provider_check_servable(pv, &err), SV_OK);
	pv->servers[2].type = SV_SERVER_SMTP;
	assert_int_equal(sv_provider_check_servable(pv, &err), SV_EINVAL);
	assert_string_equal(err.msg,
		"provider example.fr has no incoming (imap or pop3) server");
	/* a URL-based or exchange server does not count */
	pv->servers[2].type = SV_SERVER_EXCHANGE;
	assert_int_equal(sv_provider_check_servable(pv, &err), SV_EINVAL);
	pv->servers[2].type = SV_SERVER_IMAP;
	set(&pv->servers[2].domain, "example.fr");
	assert_int_equal(sv_provider_check_servable(pv, &err), SV_EINVAL);
	set(&pv->servers[2].domain, NULL);
	assert_int_equal(sv_provider_check_servable(pv, NULL), SV_OK);
	/* no servers at all: valid (an admin is still adding them) but not
	 * servable */
	for (size_t i = 0; i < pv->n_servers; i++) {
		sv_server_finish(&pv->servers[i]);
	}
	pv->n_servers = 0;
	expect_ok(pv);
	assert_int_equal(sv_provider_check_servable(pv, &err), SV_EINVAL);
	assert_string_equal(err.msg,
		"provider example.fr has no incoming (imap or pop3) server");
}

/* ---- problems as data ------------------------------------------------ */

/*
 * Expects the first problem of pv to be about field (and index, from 0),
 * with code SV_EINVAL and the message sv_provider_validate gives.
 */
static void expect_problem(const struct sv_provider *pv,
		enum sv_field field, size_t index, const char *prefix) {
	struct sv_problem p;
	struct sv_err err = { .msg = "" };
	assert_int_equal(sv_provider_problem(pv, &p), SV_EINVAL);
	assert_int_equal(p.code, SV_EINVAL);
	assert_int_equal(p.field, field);
	assert_int_equal(p.index, index);
	assert_int_equal(sv_provider_validate(pv, &err), SV_EINVAL);
	assert_string_equal(p.err.msg, err.msg);
	if (strncmp(p.err.msg, prefix, strlen(prefix)) != 0) {
		fail_msg("message '%s' does not start with '%s'", p.err.msg,
			prefix);
	}
}

static void test_problem_data(void **state) {
	struct sv_provider *pv = *state;
	struct sv_problem p;
	assert_int_equal(sv_provider_problem(pv, &p), SV_OK);
	assert_int_equal(p.code, SV_OK);

	set(&pv->id, "Example.fr");
	expect_problem(pv, SV_FIELD_ID, 0, "id: ");
	set(&pv->id, "example.fr");
	set(&pv->display_name, "");
	expect_problem(pv, SV_FIELD_DISPLAY_NAME, 0, "display_name: ");
	set(&pv->display_name, NULL);
	set(&pv->short_name, "");
	expect_problem(pv, SV_FIELD_SHORT_NAME, 0, "short_name: ");
	set(&pv->short_name, NULL);
	set(&pv->domains[2], "Hoster.fr");
	expect_problem(pv, SV_FIELD_DOMAIN, 2, "domain 3: ");
	/* a repeat is about the second occurrence */
	set(&pv->domains[2], "example.fr");
	expect_problem(pv, SV_FIELD_DOMAIN, 2, "domain 3: 'example.fr' "
		"repeats domain 1");
	set(&pv->domains[2], "*.hoster.fr");
	pv->servers[1].port = 0;
	expect_problem(pv, SV_FIELD_SERVER, 1, "server 2 (smtp): port: ");
	pv->servers[1].port = 465;
	set(&pv->links[0].url, "ftp://x/");
	expect_problem(pv, SV_FIELD_LINK, 0, "link 1 (documentation): url: ");
	set(&pv->links[0].url, "https://x/");
	set(&pv->webmail.login_page, "x");
	expect_problem(pv, SV_FIELD_WEBMAIL, 0, "webmail: ");
	set(&pv->webmail.login_page, NULL);
	set(&pv->oauth2.scope, "mail");
	expect_problem(pv, SV_FIELD_OAUTH2, 0, "oauth2: ");
	set(&pv->oauth2.scope, NULL);
	expect_ok(pv);

	/* the servable check: about the provider, without naming it */
	set(&pv->servers[1].domain, "example.com");
	assert_int_equal(sv_provider_servable_problem(pv, &p), SV_EINVAL);
	assert_int_equal(p.field, SV_FIELD_PROVIDER);
	assert_string_equal(p.err.msg, "has no outgoing (smtp) server");
	set(&pv->servers[1].domain, NULL);
	assert_int_equal(sv_provider_servable_problem(pv, &p), SV_OK);

	/* no memory for the duplicate check of a long list */
	char d[32];
	for (int i = 0; i < 100; i++) {
		snprintf(d, sizeof(d), "d%d.fr", i);
		assert_int_equal(sv_provider_add_domain(pv, d), SV_OK);
	}
	sv_alloc_fail_after(0);
	int rc = sv_provider_problem(pv, &p);
	sv_alloc_fail_after(-1);
	assert_int_equal(rc, SV_ENOMEM);
	assert_int_equal(p.code, SV_ENOMEM);
	assert_int_equal(p.field, SV_FIELD_DOMAINS);
	pv->n_domains = 0; /* the extra ones are still freed by destroy */
	expect_problem(pv, SV_FIELD_DOMAINS, 0, "domains: none");
	pv->n_domains = 103;
}

/* Names an older version stored against the rule: refused with why. */
static void test_numeric_tld_rows(void **state) {
	struct sv_provider *pv = *state;
	set(&pv->id, "example.123");
	expect_msg(pv, "id: 'example.123' is not a lower-case host name "
		"(its top-level label is all digits)");
	set(&pv->id, "example.fr");
	set(&pv->domains[2], "*.42");
	expect_msg(pv, "domain 3: '*.42' is not a lower-case host name, "
		"'*.suffix' or '*' (its top-level label is all digits)");
	set(&pv->domains[2], "1.2.3.4");
	expect_problem(pv, SV_FIELD_DOMAIN, 2, "domain 3: '1.2.3.4' ");
	set(&pv->domains[2], "*.hoster.fr");
	set(&pv->servers[0].hostname, "IMAP.example.123");
	expect_msg(pv, "server 1 (imap): hostname: 'IMAP.example.123' is not "
		"a host name (its top-level label is all digits)");
	/* a server may be named by its IPv4 address */
	set(&pv->servers[0].hostname, "192.0.2.1");
	expect_ok(pv);
	set(&pv->servers[0].hostname, "192.0.2.256");
	expect_problem(pv, SV_FIELD_SERVER, 0, "server 1 (imap): hostname: ");
}

/* ---- model.c --------------------------------------------------------- */

static void test_names_round_trip(void **state) {
	(void)state;
	for (int t = 0; t < SV_SERVER_TYPE_COUNT; t++) {
		enum sv_server_type out = SV_SERVER_TYPE_COUNT;
		const char *name = sv_server_type_name((enum sv_server_type)t);
		assert_int_equal(sv_server_type_parse(name, &out), SV_OK);
		assert_int_equal(out, t);
	}
	for (int a = 0; a < SV_AUTH_COUNT; a++) {
		enum sv_auth out = SV_AUTH_COUNT;
		const char *name = sv_auth_name((enum sv_auth)a);
		assert_int_equal(sv_auth_parse(name, &out), SV_OK);
		assert_int_equal(out, a);
	}
	for (int k = 0; k < SV_LINK_KIND_COUNT; k++) {
		enum sv_link_kind out = SV_LINK_KIND_COUNT;
		const char *name = sv_link_kind_name((enum sv_link_kind)k);
		assert_int_equal(sv_link_kind_parse(name, &out), SV_OK);
		assert_int_equal(out, k);
	}
	for (int s = SV_SOCKET_PLAIN; s <= SV_SOCKET_STARTTLS; s++) {
		enum sv_socket out = SV_SOCKET_NONE;
		const char *name = sv_socket_name((enum sv_socket)s);
		assert_int_equal(sv_socket_parse(name, &out), SV_OK);
		assert_int_equal(out, s);
	}
	assert_string_equal(sv_server_type_name(SV_SERVER_IMAP), "imap");
	assert_string_equal(sv_socket_name(SV_SOCKET_SSL), "SSL");
	assert_string_equal(sv_auth_name(SV_AUTH_PASSWORD_CLEARTEXT),
		"password-cleartext");
	assert_string_equal(sv_auth_name(SV_AUTH_OAUTH2), "OAuth2");
	assert_string_equal(sv_auth_name(SV_AUTH_CLIENT_IP_ADDRESS),
		"client-IP-address");
	assert_string_equal(sv_link_kind_name(SV_LINK_DOCUMENTATION),
		"documentation");
	/* exact, case-sensitive */
	enum sv_server_type t;
	enum sv_socket so;
	enum sv_auth a;
	enum sv_link_kind k;
	assert_int_equal(sv_server_type_parse("IMAP", &t), SV_EINVAL);
	assert_int_equal(sv_server_type_parse("imap ", &t), SV_EINVAL);
	assert_int_equal(sv_server_type_parse("", &t), SV_EINVAL);
	assert_int_equal(sv_socket_parse("ssl", &so), SV_EINVAL);
	assert_int_equal(sv_socket_parse("", &so), SV_EINVAL);
	assert_int_equal(sv_socket_parse("PLAIN", &so), SV_EINVAL);
	assert_int_equal(sv_auth_parse("oauth2", &a), SV_EINVAL);
	assert_int_equal(sv_auth_parse("OAuth", &a), SV_EINVAL);
	assert_int_equal(sv_link_kind_parse("Documentation", &k), SV_EINVAL);
	/* out-of-range values have a printable name */
	assert_non_null(sv_server_type_name(SV_SERVER_TYPE_COUNT));
	assert_non_null(sv_auth_name(SV_AUTH_COUNT));
	assert_non_null(sv_socket_name((enum sv_socket)42));
	assert_non_null(sv_link_kind_name(SV_LINK_KIND_COUNT));
}

static void test_predicates(void **state) {
	(void)state;
	for (int t = 0; t < SV_SERVER_TYPE_COUNT; t++) {
		assert_int_equal(sv_server_type_is_outgoing((enum sv_server_type)t),
			t == SV_SERVER_SMTP);
		assert_int_equal(sv_server_type_is_url_based(
			(enum sv_server_type)t), t == SV_SERVER_EWS ||
			t == SV_SERVER_OWA || t == SV_SERVER_GRAPH);
	}
	for (int a = 0; a < SV_AUTH_COUNT; a++) {
		assert_int_equal(sv_auth_is_outgoing_only((enum sv_auth)a),
			a == SV_AUTH_NONE || a == SV_AUTH_CLIENT_IP_ADDRESS ||
			a == SV_AUTH_SMTP_AFTER_POP);
	}
}

/* Hostnames of the servers in out[0..n), joined by spaces. */
static const char *hosts(const struct sv_server *const *out, size_t n,
		char *buf, size_t bufsz) {
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(buf + o, bufsz - o, "%s%s", i ? " " : "",
			out[i]->hostname);
		assert_true(k > 0 && (size_t)k < bufsz - o);
		o += (size_t)k;
	}
	return buf;
}

/* sv_provider_servers_for() and sv_provider_plaintext_withheld(). */
typedef size_t (*view_fn)(const struct sv_provider *pv, const char *domain,
	const struct sv_server **out, size_t max);

/* A server of the view tests; domain NULL: provider-wide. */
struct view_server {
	enum sv_server_type type;
	int port;
	enum sv_socket socket;
	const char *host, *domain;
};

/* Appends the n servers s, in order, each of priority 0. */
static void add_servers(struct sv_provider *pv, const struct view_server *s,
		size_t n) {
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(add_srv(pv, s[i].type, s[i].host, s[i].port,
			s[i].socket, 0), SV_OK);
		set(&pv->servers[pv->n_servers - 1].domain, s[i].domain);
	}
}

/*
 * The view fn gives of domain, at most max servers, must be the hosts
 * want (joined by spaces); returns its count.
 */
static size_t expect_view(view_fn fn, const struct sv_provider *pv,
		const char *domain, size_t max, const char *want) {
	const struct sv_server *out[SV_MODEL_MAX_SERVERS];
	char buf[256], what[128];
	assert_true(max <= SV_MODEL_MAX_SERVERS);
	size_t n = fn(pv, domain, out, max);
	snprintf(what, sizeof(what), "%s(%s, max %zu)",
		fn == sv_provider_servers_for ? "servers_for" :
		"plaintext_withheld", domain ? domain : "NULL", max);
	sv_test_str_is(what, hosts(out, n, buf, sizeof(buf)), want);
	return n;
}

static void test_servers_for(void **state) {
	struct sv_provider *pv = *state;
	const struct sv_server *out[SV_MODEL_MAX_SERVERS];
	const size_t max = SV_MODEL_MAX_SERVERS;
	const view_fn view = sv_provider_servers_for;
	/* example.com has its own imap and smtp; *.hoster.fr its own pop3 */
	static const struct view_server own[] = {
		{ SV_SERVER_IMAP, 993, SV_SOCKET_SSL, "imap.example.com",
			"example.com" },
		{ SV_SERVER_SMTP, 465, SV_SOCKET_SSL, "smtp1.example.com",
			"example.com" },
		{ SV_SERVER_SMTP, 587, SV_SOCKET_STARTTLS, "smtp2.example.com",
			"example.com" },
		{ SV_SERVER_POP3, 995, SV_SOCKET_SSL, "pop.hoster.fr",
			"*.hoster.fr" },
	};
	add_servers(pv, own, SV_TEST_LEN(own));
	assert_int_equal(pv->n_servers, 7);
	expect_ok(pv);
	assert_int_equal(sv_provider_check_servable(pv, NULL), SV_OK);

	expect_view(view, pv, NULL, max,
		"imap.example.fr smtp.example.fr pop.example.fr");
	expect_view(view, pv, "example.fr", max,
		"imap.example.fr smtp.example.fr pop.example.fr");
	/* the domain's imap and smtps replace the provider-wide ones of those
	 * types; the provider-wide pop3 stays */
	expect_view(view, pv, "example.com", max, "pop.example.fr "
		"imap.example.com smtp1.example.com smtp2.example.com");
	expect_view(view, pv, "*.hoster.fr", max,
		"imap.example.fr smtp.example.fr pop.hoster.fr");
	/* an unknown domain gets the provider-wide view */
	assert_int_equal(sv_provider_servers_for(pv, "unknown.fr", out, max),
		3);
	/* max bounds the output */
	assert_int_equal(expect_view(view, pv, "example.com", 2,
		"pop.example.fr imap.example.com"), 2);
	assert_int_equal(sv_provider_servers_for(pv, NULL, out, 0), 0);
	/* priority order after sorting: the domain's smtp2 first */
	pv->servers[5].priority = -1;
	sv_provider_sort_servers(pv);
	expect_view(view, pv, "example.com", max, "smtp2.example.com "
		"pop.example.fr imap.example.com smtp1.example.com");

	assert_true(sv_provider_domain_has_servers(pv, "example.com"));
	assert_true(sv_provider_domain_has_servers(pv, "*.hoster.fr"));
	assert_false(sv_provider_domain_has_servers(pv, "example.fr"));
	assert_false(sv_provider_domain_has_servers(pv, "x.hoster.fr"));
	assert_false(sv_provider_domain_has_servers(pv, NULL));
	assert_true(sv_provider_domain_has_servers_of(pv, "example.com",
		SV_SERVER_SMTP));
	assert_false(sv_provider_domain_has_servers_of(pv, "example.com",
		SV_SERVER_POP3));
	assert_true(sv_provider_domain_has_servers_of(pv, "*.hoster.fr",
		SV_SERVER_POP3));
}

/*
 * Never a downgrade (RFC 8314): a plain server is left out of a view that
 * has a TLS server of its type, unless the provider publishes plaintext;
 * a type whose only servers are plain keeps them. Views count apart: a
 * domain with its own TLS smtp hides the provider-wide plain one only by
 * overriding it, and its own plain one beside its TLS one is withheld.
 */
static void test_servers_for_plaintext(void **state) {
	(void)state;
	struct sv_provider *pv = sv_provider_create();
	assert_non_null(pv);
	set(&pv->id, "p.example");
	assert_int_equal(sv_provider_add_domain(pv, "p.example"), SV_OK);
	assert_int_equal(sv_provider_add_domain(pv, "own.example"), SV_OK);
	const struct sv_server *out[SV_MODEL_MAX_SERVERS];
	const size_t max = SV_MODEL_MAX_SERVERS;
	const view_fn view = sv_provider_servers_for;
	const view_fn withheld = sv_provider_plaintext_withheld;
	/* imap: plain first, then SSL; pop3: plain only; smtp: STARTTLS,
	 * plain; own.example: its own smtp, plain then SSL */
	static const struct view_server servers[] = {
		{ SV_SERVER_IMAP, 143, SV_SOCKET_PLAIN, "plain.imap", NULL },
		{ SV_SERVER_IMAP, 993, SV_SOCKET_SSL, "ssl.imap", NULL },
		{ SV_SERVER_POP3, 110, SV_SOCKET_PLAIN, "plain.pop", NULL },
		{ SV_SERVER_SMTP, 587, SV_SOCKET_STARTTLS, "tls.smtp", NULL },
		{ SV_SERVER_SMTP, 25, SV_SOCKET_PLAIN, "plain.smtp", NULL },
		{ SV_SERVER_SMTP, 25, SV_SOCKET_PLAIN, "own.plain",
			"own.example" },
		{ SV_SERVER_SMTP, 465, SV_SOCKET_SSL, "own.ssl",
			"own.example" },
	};
	add_servers(pv, servers, SV_TEST_LEN(servers));
	expect_ok(pv);

	expect_view(view, pv, NULL, max, "ssl.imap plain.pop tls.smtp");
	expect_view(withheld, pv, NULL, max, "plain.imap plain.smtp");
	expect_view(view, pv, "own.example", max,
		"ssl.imap plain.pop own.ssl");
	expect_view(withheld, pv, "own.example", max,
		"plain.imap own.plain");
	/* a domain whose only smtp is plain keeps it */
	pv->servers[6].socket = SV_SOCKET_PLAIN;
	expect_view(view, pv, "own.example", max,
		"ssl.imap plain.pop own.plain own.ssl");
	pv->servers[6].socket = SV_SOCKET_SSL;
	/* the admin opted in: everything, nothing withheld */
	pv->publish_plaintext = true;
	expect_view(view, pv, NULL, max,
		"plain.imap ssl.imap plain.pop tls.smtp plain.smtp");
	assert_int_equal(sv_provider_plaintext_withheld(pv, NULL, out, max),
		0);
	sv_provider_destroy(pv);
}

static void test_sort_stable(void **state) {
	(void)state;
	struct sv_provider *pv = sv_provider_create();
	assert_non_null(pv);
	static const int prio[] = { 2, 1, 2, 1, 0, 2, -3 };
	char h[16];
	for (size_t i = 0; i < sizeof(prio) / sizeof(prio[0]); i++) {
		snprintf(h, sizeof(h), "h%zu.p%d", i, prio[i] < 0 ? 9 : prio[i]);
		assert_int_equal(add_srv(pv, SV_SERVER_IMAP, h, 993,
			SV_SOCKET_SSL, prio[i]), SV_OK);
	}
	sv_provider_sort_servers(pv);
	expect_view(sv_provider_servers_for, pv, NULL, SV_MODEL_MAX_SERVERS,
		"h6.p9 h4.p0 h1.p1 h3.p1 h0.p2 h2.p2 h5.p2");
	/* sorting a sorted list changes nothing; empty is fine */
	sv_provider_sort_servers(pv);
	expect_view(sv_provider_servers_for, pv, NULL, SV_MODEL_MAX_SERVERS,
		"h6.p9 h4.p0 h1.p1 h3.p1 h0.p2 h2.p2 h5.p2");
	sv_provider_destroy(pv);
	pv = sv_provider_create();
	assert_non_null(pv);
	sv_provider_sort_servers(pv);
	sv_provider_destroy(pv);
}

static void test_appenders(void **state) {
	(void)state;
	struct sv_provider *pv = sv_provider_create();
	assert_non_null(pv);
	char d[32];
	for (int i = 0; i < 100; i++) {
		snprintf(d, sizeof(d), "d%d.fr", i);
		assert_int_equal(sv_provider_add_domain(pv, d), SV_OK);
	}
	assert_int_equal(pv->n_domains, 100);
	assert_string_equal(pv->domains[0], "d0.fr");
	assert_string_equal(pv->domains[99], "d99.fr");
	/* the caller keeps its own string */
	assert_ptr_not_equal(pv->domains[99], d);
	struct sv_server s;
	memset(&s, 0, sizeof(s));
	s.type = SV_SERVER_SMTP;
	s.hostname = sv_strdup("smtp.example.fr");
	struct sv_server *stored = NULL;
	assert_int_equal(sv_provider_add_server(pv, &s, &stored), SV_OK);
	assert_null(s.hostname); /* moved */
	assert_ptr_equal(stored, &pv->servers[0]);
	assert_string_equal(stored->hostname, "smtp.example.fr");
	struct sv_link *l = NULL;
	assert_int_equal(sv_provider_add_link(pv, SV_LINK_ENABLE,
		"https://x.fr/", &l), SV_OK);
	assert_int_equal(l->kind, SV_LINK_ENABLE);
	assert_int_equal(sv_link_add_text(l, NULL, "t"), SV_OK);
	assert_null(l->texts[0].lang);
	sv_provider_destroy(pv);
	sv_provider_destroy(NULL);
	sv_server_finish(NULL);
	struct sv_server zero;
	memset(&zero, 0, sizeof(zero));
	sv_server_finish(&zero);
}

/* Clearing webmail or OAuth2 frees their strings (ASan: no leak) and
 * leaves every field unset. */
static void test_finish_parts(void **state) {
	(void)state;
	static const struct sv_webmail no_webmail;
	static const struct sv_oauth2 no_oauth2;
	struct sv_webmail w = { .login_page = sv_strdup("https://m.fr/"),
		.login_button_name = sv_strdup("go") };
	struct sv_oauth2 o = { .issuer = sv_strdup("https://m.fr"),
		.token_url = sv_strdup("https://m.fr/token") };
	assert_true(w.login_page != NULL && w.login_button_name != NULL &&
		o.issuer != NULL && o.token_url != NULL);
	sv_webmail_finish(&w);
	sv_oauth2_finish(&o);
	assert_memory_equal(&w, &no_webmail, sizeof(w));
	assert_memory_equal(&o, &no_oauth2, sizeof(o));
}

/* Every allocation of the fixture fails in turn: a clean NULL, no leak. */
static void test_alloc_failures(void **state) {
	(void)state;
	for (long n = 0;; n++) {
		sv_alloc_fail_after(n);
		struct sv_provider *pv = make_provider();
		sv_alloc_fail_after(-1);
		if (pv != NULL) {
			assert_true(n > 5);
			expect_ok(pv);
			sv_provider_destroy(pv);
			break;
		}
		assert_true(n < 1000);
	}
	/* a failed appender leaves the provider as it was */
	struct sv_provider *pv = make_provider();
	assert_non_null(pv);
	sv_alloc_fail_after(0);
	assert_int_equal(sv_provider_add_domain(pv, "x.fr"), SV_ENOMEM);
	sv_alloc_fail_after(-1);
	assert_int_equal(pv->n_domains, 3);
	expect_ok(pv);
	sv_provider_destroy(pv);
}

/* ---- services ---------------------------------------------------------- */

/* Adds a caldav service with url (copied) to pv; the stored copy. */
static struct sv_service *add_svc(struct sv_provider *pv, const char *url) {
	struct sv_service s = { .type = SV_SERVICE_CALDAV, .n_auth = 1,
		.auth = { SV_SAUTH_HTTP_BASIC } };
	s.url = sv_strdup(url);
	assert_non_null(s.url);
	struct sv_service *out = NULL;
	assert_int_equal(sv_provider_add_service(pv, &s, &out), SV_OK);
	return out;
}

static void test_service_urls(void **state) {
	struct sv_provider *pv = *state;
	static const char *const good[] = {
		"https://dav.example.fr/",
		"HTTPS://dav.%EMAILDOMAIN%/cal/%EMAILADDRESS%/",
		"https://dav.example.fr:8443/remote.php/dav?u=%EMAILLOCALPART%",
		"https://192.0.2.7/dav/%2Fx",
		"https://%EMAILDOMAIN%/.well-known/caldav",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		struct sv_service *s = add_svc(pv, good[i]);
		expect_ok(pv);
		sv_service_finish(s);
		pv->n_services--;
	}
	/* a url, and the start of the message that refuses it */
	static const struct sv_test_str_case bad[] = {
		{ "http://dav.example.fr/", "service 1 (caldav): url: plain "
			"http is refused" },
		{ "ftp://dav.example.fr/", "service 1 (caldav): url: "
			"'ftp://dav.example.fr/' is not an http or https URL" },
		{ "https://dav.example.fr", "service 1 (caldav): url: "
			"'https://dav.example.fr' has no path" },
		{ "https://dav.example.fr?x", "service 1 (caldav): url: "
			"'https://dav.example.fr?x' has no path" },
		{ "https://u:p@dav.example.fr/", "service 1 (caldav): url: "
			"'https://u:p@dav.example.fr/' has user information" },
		{ "https://dav.example.fr/#cal", "service 1 (caldav): url: "
			"'https://dav.example.fr/#cal' has a fragment" },
		{ "https://dav..example.fr/", "service 1 (caldav): url: "
			"'https://dav..example.fr/': the host is not a host name" },
		{ "https://dav.example.123/", "service 1 (caldav): url: "
			"'https://dav.example.123/': the host is not a host name "
			"(its top-level label is all digits)" },
		{ "https://[::1]/", "service 1 (caldav): url: 'https://[::1]/': "
			"an IP literal" },
		{ "https://dav.example.fr:0/", "service 1 (caldav): url: "
			"'https://dav.example.fr:0/': the port" },
		{ "https://dav.example.fr:99999/", "service 1 (caldav): url: "
			"'https://dav.example.fr:99999/': the port" },
		{ "https://%EMAILLOCALPART%.example.fr/", "service 1 (caldav): "
			"url: 'https://%EMAILLOCALPART%.example.fr/': only "
			"%EMAILDOMAIN% may appear in the host" },
		{ "https://dav.example.fr/%REALNAME%/", "service 1 (caldav): "
			"url: 'https://dav.example.fr/%REALNAME%/': %REALNAME% "
			"cannot appear in a URL" },
		{ "https://dav.example.fr/%FOO%/", "service 1 (caldav): url: "
			"unknown placeholder %FOO%" },
		{ "https://dav.example.fr/%zz", "service 1 (caldav): url: "
			"'https://dav.example.fr/%zz': '%' is neither" },
		{ "https://dav.example.fr/a b", "service 1 (caldav): url: "
			"'https://dav.example.fr/a b': byte 0x20 at 25" },
		{ "https://dav.example.fr/\xc3\xa9", "service 1 (caldav): url: "
			"'https://dav.example.fr/\xc3\xa9': byte 0xC3 at 24" },
		{ "", "service 1 (caldav): url: empty" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct sv_service *s = add_svc(pv, bad[i].in);
		expect_bad(pv, bad[i].want);
		sv_service_finish(s);
		pv->n_services--;
	}
	/* 2048 bytes is the limit. */
	char long_url[SV_MODEL_MAX_URL + 2];
	memset(long_url, 'a', sizeof(long_url));
	memcpy(long_url, "https://d.fr/", 13);
	long_url[SV_MODEL_MAX_URL] = '\0';
	struct sv_service *s = add_svc(pv, long_url);
	expect_ok(pv);
	sv_service_finish(s);
	pv->n_services--;
	long_url[SV_MODEL_MAX_URL] = 'a';
	long_url[SV_MODEL_MAX_URL + 1] = '\0';
	s = add_svc(pv, long_url);
	expect_msg(pv, "service 1 (caldav): url: 2049 bytes is more than the "
		"2048 allowed");
	/* plain http, when the admin allowed it */
	sv_free(s->url);
	s->url = sv_strdup("http://dav.example.fr/");
	s->insecure = true;
	expect_ok(pv);
	/* auth list, username, domain */
	s->n_auth = 0;
	expect_msg(pv, "service 1 (caldav): authentication: 0 methods (1..8)");
	s->n_auth = 2;
	s->auth[1] = SV_SAUTH_HTTP_BASIC;
	expect_msg(pv, "service 1 (caldav): authentication 2: http-basic is "
		"already listed");
	s->n_auth = 1;
	s->username = sv_strdup("%EMAILADDRESS");
	expect_bad(pv, "service 1 (caldav): username: placeholder "
		"%EMAILADDRESS is missing");
	sv_free(s->username);
	s->username = NULL;
	s->domain = sv_strdup("other.fr");
	expect_msg(pv, "service 1 (caldav): domain: 'other.fr' is not one of "
		"the provider's domains");
	sv_free(s->domain);
	s->domain = sv_strdup("example.com");
	expect_ok(pv);
	struct sv_problem p;
	s->type = SV_SERVICE_TYPE_COUNT;
	assert_int_equal(sv_provider_problem(pv, &p), SV_EINVAL);
	assert_int_equal(p.field, SV_FIELD_SERVICE);
	assert_int_equal(p.index, 0);
}

static void test_service_context(void **state) {
	(void)state;
	static const struct {
		const char *url, *context;
		int port;
	} cases[] = {
		{ "https://dav.%EMAILDOMAIN%/cal/%EMAILADDRESS%/",
			"https://dav.%EMAILDOMAIN%/cal/", 443 },
		{ "https://d.fr/%EMAILLOCALPART%", "https://d.fr/", 443 },
		{ "https://d.fr:8443/a/b?u=%EMAILADDRESS%",
			"https://d.fr:8443/a/b", 8443 },
		{ "http://d.fr/a/b/c", "http://d.fr/a/b/c", 80 },
		{ "https://d.fr/%EMAILDOMAIN%/x%EMAILLOCALPART%/y",
			"https://d.fr/%EMAILDOMAIN%/", 443 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct sv_service_url u;
		assert_int_equal(sv_service_url_parse(cases[i].url, "url", &u,
			NULL), SV_OK);
		assert_int_equal(u.context_len, strlen(cases[i].context));
		assert_memory_equal(cases[i].url, cases[i].context,
			u.context_len);
		assert_int_equal(sv_service_url_port(&u), cases[i].port);
	}
}

static void test_services_for(void **state) {
	struct sv_provider *pv = *state;
	add_svc(pv, "https://a.fr/")->priority = 5;
	add_svc(pv, "https://b.fr/");
	struct sv_service *own = add_svc(pv, "https://c.fr/");
	own->domain = sv_strdup("example.com");
	struct sv_service *card = add_svc(pv, "https://d.fr/");
	card->type = SV_SERVICE_CARDDAV;
	sv_provider_sort_services(pv);
	expect_ok(pv);
	const struct sv_service *out[SV_MODEL_MAX_SERVICES];
	size_t n = sv_provider_services_for(pv, NULL, out,
		SV_MODEL_MAX_SERVICES);
	assert_int_equal(n, 3);
	assert_string_equal(out[0]->url, "https://b.fr/");
	assert_string_equal(out[2]->url, "https://a.fr/");
	n = sv_provider_services_for(pv, "example.com", out,
		SV_MODEL_MAX_SERVICES);
	assert_int_equal(n, 2); /* its own caldav replaces both; carddav */
	assert_string_equal(out[0]->url, "https://c.fr/");
	assert_string_equal(out[1]->url, "https://d.fr/");
	assert_true(sv_provider_domain_has_own(pv, "example.com"));
	assert_false(sv_provider_domain_has_own(pv, "example.fr"));
	assert_false(sv_provider_domain_has_servers(pv, "example.com"));
}

/* Issue 19: the URL-based account types, their names and their rule. */
static void test_account_services(void **state) {
	struct sv_provider *pv = *state;
	static const struct {
		enum sv_service_type t;
		const char *name, *xml;
	} types[] = {
		{ SV_SERVICE_ACTIVESYNC, "activesync", "activeSync" },
		{ SV_SERVICE_EWS, "ews", "ews" },
		{ SV_SERVICE_OWA, "owa", "owa" },
		{ SV_SERVICE_JMAP, "jmap", "jmap" },
		{ SV_SERVICE_GRAPH, "graph", "graph" },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
		enum sv_service_type back = SV_SERVICE_TYPE_COUNT;
		assert_true(sv_service_type_is_account(types[i].t));
		assert_string_equal(sv_service_type_name(types[i].t),
			types[i].name);
		assert_string_equal(sv_service_type_xml_name(types[i].t),
			types[i].xml);
		assert_int_equal(sv_service_type_parse(types[i].name, &back),
			SV_OK);
		assert_int_equal(back, types[i].t);
		back = SV_SERVICE_TYPE_COUNT;
		assert_int_equal(sv_service_type_parse_xml(types[i].xml, &back),
			SV_OK);
		assert_int_equal(back, types[i].t);
	}
	enum sv_service_type t;
	assert_false(sv_service_type_is_account(SV_SERVICE_CALDAV));
	assert_false(sv_service_type_is_account(SV_SERVICE_TYPE_COUNT));
	assert_null(sv_service_type_xml_name(SV_SERVICE_WEBDAV));
	assert_int_equal(sv_service_type_parse_xml("calendar", &t), SV_EINVAL);
	assert_int_equal(sv_service_type_parse_xml("activesync", &t),
		SV_EINVAL); /* the attribute is case-sensitive */
	assert_int_equal(sv_service_type_parse_xml("exchange", &t), SV_EINVAL);

	/* https only, even where the admin allowed plain http */
	struct sv_service *s = add_svc(pv, "https://mail.%EMAILDOMAIN%/"
		"Microsoft-Server-ActiveSync");
	s->type = SV_SERVICE_ACTIVESYNC;
	expect_ok(pv);
	sv_free(s->url);
	s->url = sv_strdup("http://mail.example.fr/EWS/Exchange.asmx");
	s->type = SV_SERVICE_EWS;
	s->insecure = true;
	expect_bad(pv, "service 1 (ews): url: plain http is refused: ews "
		"clients send the password with every request and accept "
		"https only");
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_hostname),
		cmocka_unit_test(test_is_domain_pattern),
		T(test_valid_fixture),
		T(test_id),
		T(test_names),
		T(test_domains),
		T(test_many_domains),
		T(test_server_count),
		T(test_port),
		T(test_hostname),
		T(test_socket),
		T(test_type),
		T(test_exchange),
		T(test_url_servers),
		T(test_username),
		T(test_auth),
		T(test_pop3_options),
		T(test_outgoing_options),
		T(test_server_domain),
		T(test_links),
		T(test_webmail),
		T(test_oauth2),
		T(test_servable),
		T(test_problem_data),
		T(test_numeric_tld_rows),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_predicates),
		T(test_servers_for),
		cmocka_unit_test(test_servers_for_plaintext),
		T(test_service_urls),
		cmocka_unit_test(test_service_context),
		T(test_services_for),
		cmocka_unit_test(test_sort_stable),
		cmocka_unit_test(test_appenders),
		cmocka_unit_test(test_finish_parts),
		cmocka_unit_test(test_alloc_failures),
		T(test_account_services),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
