/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/model/check.c (issue #3, `suivant check`): the port/socket
 * lint, validation of providers that have no domain yet, and the
 * problems reported for whole providers, with their severity, server id
 * and message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "model/check.h"
#include "model/pacc.h"
#include "util/alloc.h"

static struct sv_provider *provider(const char *id, const char *domain) {
	struct sv_provider *pv = sv_provider_create();
	assert_non_null(pv);
	pv->id = sv_strdup(id);
	pv->display_name = sv_strdup("Name");
	if (domain != NULL) {
		assert_int_equal(sv_provider_add_domain(pv, domain), SV_OK);
	}
	return pv;
}

static struct sv_server *server(struct sv_provider *pv, int64_t id,
		enum sv_server_type type, const char *host, int port,
		enum sv_socket sock) {
	struct sv_server s = {
		.id = id, .type = type, .hostname = sv_strdup(host),
		.port = port, .socket = sock,
		.username = sv_strdup("%EMAILADDRESS%"),
		.pop3 = { SV_UNSET, -1, SV_UNSET, -1 },
	};
	s.auth[s.n_auth++] = SV_AUTH_PASSWORD_CLEARTEXT;
	struct sv_server *out = NULL;
	assert_int_equal(sv_provider_add_server(pv, &s, &out), SV_OK);
	return out;
}

/* server() bound to domain. */
static void domain_server(struct sv_provider *pv, int64_t id,
		enum sv_server_type type, const char *host, int port,
		enum sv_socket sock, const char *domain) {
	struct sv_server *s = server(pv, id, type, host, port, sock);
	s->domain = sv_strdup(domain);
	assert_non_null(s->domain);
}

/* p.example, also serving own.example, with server 1: imap.p.example on
 * 993 over SSL. */
static struct sv_provider *p_example(void) {
	struct sv_provider *pv = provider("p.example", "p.example");
	assert_int_equal(sv_provider_add_domain(pv, "own.example"), SV_OK);
	server(pv, 1, SV_SERVER_IMAP, "imap.p.example", 993, SV_SOCKET_SSL);
	return pv;
}

struct found {
	struct sv_check_problem p[16];
	size_t n;
};

static void collect(const struct sv_check_problem *p, void *ctx) {
	struct found *f = ctx;
	assert_true(f->n < 16);
	f->p[f->n++] = *p;
}

/* Problem i of f must have severity sev and be about server id server. */
static void expect_problem(const struct found *f, size_t i,
		enum sv_check_severity sev, int64_t server) {
	assert_true(i < f->n);
	assert_int_equal(f->p[i].severity, sev);
	assert_int_equal(f->p[i].server, server);
}

/*
 * Problem i of f must be about domain (NULL: the provider-wide view) and
 * its message must hold part.
 */
static void expect_said(const struct found *f, size_t i, const char *domain,
		const char *part) {
	assert_true(i < f->n);
	if (domain == NULL) {
		assert_null(f->p[i].domain);
	} else {
		assert_string_equal(f->p[i].domain, domain);
	}
	if (strstr(f->p[i].message, part) == NULL) {
		fail_msg("problem %zu: \"%s\" lacks \"%s\"", i, f->p[i].message,
			part);
	}
}

static void test_port_socket(void **state) {
	(void)state;
	/* whether the pairing is flagged, and the message when msg is set */
	static const struct {
		enum sv_server_type type;
		int port;
		enum sv_socket socket;
		bool flagged;
		const char *msg;
	} cases[] = {
		{ SV_SERVER_IMAP, 993, SV_SOCKET_SSL, false, NULL },
		{ SV_SERVER_IMAP, 143, SV_SOCKET_STARTTLS, false, NULL },
		{ SV_SERVER_IMAP, 143, SV_SOCKET_PLAIN, false, NULL },
		{ SV_SERVER_SMTP, 25, SV_SOCKET_PLAIN, false, NULL },
		{ SV_SERVER_SMTP, 25, SV_SOCKET_STARTTLS, false, NULL },
		{ SV_SERVER_IMAP, 10993, SV_SOCKET_SSL, false, NULL },
		{ SV_SERVER_EWS, 993, SV_SOCKET_NONE, false, NULL },
		{ SV_SERVER_IMAP, 143, SV_SOCKET_SSL, true, "SSL on port 143, "
			"which is IMAP with STARTTLS (IMAP over SSL is port "
			"993)" },
		{ SV_SERVER_POP3, 995, SV_SOCKET_STARTTLS, true, "STARTTLS on "
			"port 995, which is POP3 over SSL (POP3 with STARTTLS "
			"is port 110)" },
		{ SV_SERVER_SMTP, 25, SV_SOCKET_SSL, true, NULL },
		{ SV_SERVER_SMTP, 465, SV_SOCKET_PLAIN, true, NULL },
		{ SV_SERVER_IMAP, 995, SV_SOCKET_SSL, true,
			"port 995 is POP3 over SSL, not imap" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char msg[SV_ERR_MSG_MAX] = "";
		bool got = sv_check_port_socket(cases[i].type, cases[i].port,
			cases[i].socket, msg, sizeof(msg));
		if (got != cases[i].flagged || (cases[i].msg != NULL &&
				strcmp(msg, cases[i].msg) != 0)) {
			fail_msg("case %zu (%s port %d, %s): %s \"%s\"", i + 1,
				sv_server_type_name(cases[i].type),
				cases[i].port, sv_socket_name(cases[i].socket),
				got ? "flagged" : "not flagged",
				got ? msg : "");
		}
	}
	/* a short buffer is cut, never overrun */
	char tiny[8];
	assert_true(sv_check_port_socket(SV_SERVER_SMTP, 587, SV_SOCKET_SSL,
		tiny, sizeof(tiny)));
	assert_int_equal(strlen(tiny), 7);
}

static void test_validate_draft(void **state) {
	(void)state;
	struct sv_err err = { "" };
	struct sv_provider *pv = provider("p.example", NULL);
	assert_int_equal(sv_provider_validate(pv, &err), SV_EINVAL);
	assert_int_equal(sv_check_validate_draft(pv, &err), SV_OK);
	server(pv, 7, SV_SERVER_IMAP, "mail.%EMAILDOMAIN", 993, SV_SOCKET_SSL);
	assert_int_equal(sv_check_validate_draft(pv, &err), SV_EINVAL);
	assert_string_equal(err.msg, "server 1 (imap): hostname: placeholder "
		"%EMAILDOMAIN is missing its closing '%'");
	sv_provider_destroy(pv);
}

static void test_problems(void **state) {
	(void)state;
	struct found f = { .n = 0 };
	/* clean */
	struct sv_provider *pv = provider("p.example", "p.example");
	server(pv, 1, SV_SERVER_IMAP, "imap.p.example", 993, SV_SOCKET_SSL);
	server(pv, 2, SV_SERVER_SMTP, "smtp.p.example", 587,
		SV_SOCKET_STARTTLS);
	/* PACC says submission on 465 only: a notice, nothing else */
	assert_int_equal(sv_check_provider(pv, collect, &f), 1);
	assert_int_equal(f.p[0].severity, SV_CHECK_NOTICE);
	assert_string_equal(f.p[0].message, "no PACC document (404 at "
		"user-agent-configuration.json): submit: its servers use "
		"STARTTLS, no TLS or another port, and PACC says only implicit "
		"TLS on port 465 (" SV_PACC_DRAFT ")");
	f.n = 0;
	pv->servers[1].port = 465;
	pv->servers[1].socket = SV_SOCKET_SSL;
	assert_int_equal(sv_check_provider(pv, collect, &f), 0);
	/* a template with an unknown token (as the sqlite3 shell could
	 * store it): one error, nothing else */
	sv_free(pv->servers[0].hostname);
	pv->servers[0].hostname = sv_strdup("mail.%FOO%.example");
	assert_int_equal(sv_check_provider(pv, collect, &f), 1);
	assert_int_equal(f.p[0].severity, SV_CHECK_ERROR);
	assert_string_equal(f.p[0].provider, "p.example");
	assert_non_null(strstr(f.p[0].message, "invalid, not served: server 1 "
		"(imap): hostname: unknown placeholder %FOO%"));
	sv_provider_destroy(pv);

	/* no outgoing server, wrong pairing, duplicate, plain password */
	f.n = 0;
	pv = provider("q.example", "q.example");
	assert_int_equal(sv_provider_add_domain(pv, "*.q.example"), SV_OK);
	sv_free(pv->display_name);
	pv->display_name = NULL;
	server(pv, 10, SV_SERVER_IMAP, "imap.q.example", 143, SV_SOCKET_SSL);
	server(pv, 11, SV_SERVER_POP3, "pop.q.example", 110, SV_SOCKET_PLAIN);
	server(pv, 12, SV_SERVER_POP3, "pop.q.example", 110, SV_SOCKET_PLAIN);
	assert_int_equal(sv_check_provider(pv, collect, &f), 7);
	assert_int_equal(f.p[0].severity, SV_CHECK_ERROR);
	assert_string_equal(f.p[0].message, "not served, its 2 domains answer "
		"404: has no outgoing (smtp) server");
	assert_int_equal(f.p[1].severity, SV_CHECK_WARNING);
	assert_non_null(strstr(f.p[1].message, "no display name"));
	assert_int_equal(f.p[2].server, 10);
	assert_string_equal(f.p[2].message, "server 10 (imap imap.q.example:"
		"143): SSL on port 143, which is IMAP with STARTTLS (IMAP over "
		"SSL is port 993)");
	expect_problem(&f, 3, SV_CHECK_NOTICE, 11);
	assert_int_equal(f.p[4].severity, SV_CHECK_NOTICE);
	assert_int_equal(f.p[5].severity, SV_CHECK_WARNING);
	assert_string_equal(f.p[5].message, "server 12 (pop3 pop.q.example:"
		"110): repeats server 11");
	assert_int_equal(f.p[6].severity, SV_CHECK_WARNING);
	assert_string_equal(f.p[6].message, "the only pop3 servers are plain "
		"(no TLS): listed, as the only way in, but passwords travel "
		"unencrypted");
	sv_provider_destroy(pv);

	/* no domain: said first, the rest still checked */
	f.n = 0;
	pv = provider("r.example", NULL);
	server(pv, 20, SV_SERVER_SMTP, "smtp.r.example", 587, SV_SOCKET_SSL);
	assert_int_equal(sv_check_provider(pv, collect, &f), 2);
	assert_non_null(strstr(f.p[0].message, "has no domain"));
	assert_non_null(strstr(f.p[1].message, "SSL on port 587"));
	/* without a report function, problems are only counted */
	assert_int_equal(sv_check_provider(pv, NULL, NULL), 2);
	sv_provider_destroy(pv);
}

/*
 * The plaintext rule as check reports it: a withheld plain server is a
 * notice in its own view, a plain-only type a warning (a notice once the
 * admin publishes plaintext on purpose), plain beside TLS published a
 * warning.
 */
static void test_plaintext(void **state) {
	(void)state;
	struct found f = { .n = 0 };
	struct sv_provider *pv = p_example();
	server(pv, 2, SV_SERVER_IMAP, "imap.p.example", 143, SV_SOCKET_PLAIN);
	server(pv, 3, SV_SERVER_SMTP, "smtp.p.example", 587, SV_SOCKET_PLAIN);
	domain_server(pv, 4, SV_SERVER_SMTP, "smtp.own.example", 465,
		SV_SOCKET_SSL, "own.example");
	domain_server(pv, 5, SV_SERVER_SMTP, "smtp.own.example", 587,
		SV_SOCKET_PLAIN, "own.example");
	/* 6 and the provider-wide view's PACC notice (own.example's view
	 * has smtp on 465: PACC can say it) */
	assert_int_equal(sv_check_provider(pv, collect, &f), 7);
	expect_said(&f, 6, NULL, "no PACC document");
	/* servers 2, 3 and 5 send passwords in the clear: notices 0-2 */
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(f.p[i].severity, SV_CHECK_NOTICE);
		assert_non_null(strstr(f.p[i].message, "sends passwords"));
	}
	assert_int_equal(f.p[3].severity, SV_CHECK_WARNING);
	assert_null(f.p[3].domain);
	assert_string_equal(f.p[3].message, "the only smtp server is plain "
		"(no TLS): listed, as the only way in, but passwords travel "
		"unencrypted; Thunderbird for Android refuses the whole answer");
	expect_problem(&f, 4, SV_CHECK_NOTICE, 2);
	assert_string_equal(f.p[4].message, "server 2 (imap imap.p.example:"
		"143): plain, left out of every answer beside the TLS imap "
		"servers (RFC 8314; suivant provider set p.example "
		"--publish-plaintext lists it)");
	expect_problem(&f, 5, SV_CHECK_NOTICE, 5);
	expect_said(&f, 5, "own.example", "beside the TLS smtp server "
		"of this domain");

	f.n = 0;
	pv->publish_plaintext = true;
	assert_int_equal(sv_check_provider(pv, collect, &f), 7);
	assert_int_equal(f.p[3].severity, SV_CHECK_WARNING);
	assert_string_equal(f.p[3].message, "publishes 1 plain imap server "
		"beside TLS ones (--publish-plaintext): a client may settle on "
		"the plain one; Thunderbird for Android refuses the whole "
		"answer");
	assert_int_equal(f.p[4].severity, SV_CHECK_NOTICE);
	assert_non_null(strstr(f.p[4].message, "the only smtp server is plain"));
	assert_non_null(strstr(f.p[4].message, "published on purpose"));
	/* own.example's view differs in smtp only: said once, there */
	assert_int_equal(f.p[5].severity, SV_CHECK_WARNING);
	expect_said(&f, 5, "own.example", "domain own.example: "
		"publishes 1 plain smtp");
	sv_provider_destroy(pv);
}

/* A pairing a provider runs on purpose is a notice; the same pairing
 * elsewhere, or another on that host, stays a warning. */
static void test_known_pairing(void **state) {
	(void)state;
	struct found f = { .n = 0 };
	struct sv_provider *pv = provider("charter.net", "charter.net");
	server(pv, 1, SV_SERVER_IMAP, "mobile.charter.net", 993,
		SV_SOCKET_SSL);
	server(pv, 2, SV_SERVER_SMTP, "Mobile.Charter.net", 587,
		SV_SOCKET_SSL);
	/* and PACC cannot say submission on 587 */
	assert_int_equal(sv_check_provider(pv, collect, &f), 2);
	assert_non_null(strstr(f.p[1].message, "no PACC document"));
	expect_problem(&f, 0, SV_CHECK_NOTICE, 2);
	assert_string_equal(f.p[0].message, "server 2 (smtp Mobile.Charter.net"
		":587): SSL on port 587, which is mail submission with STARTTLS "
		"(mail submission over SSL is port 465); on purpose: Charter "
		"(Spectrum) accepts only implicit TLS on 587");
	f.n = 0;
	server(pv, 3, SV_SERVER_SMTP, "mobile.charter.net", 465,
		SV_SOCKET_STARTTLS);
	server(pv, 4, SV_SERVER_SMTP, "smtp.charter.net", 587, SV_SOCKET_SSL);
	assert_int_equal(sv_check_provider(pv, collect, &f), 4);
	expect_problem(&f, 1, SV_CHECK_WARNING, 3);
	expect_problem(&f, 2, SV_CHECK_WARNING, 4);
	sv_provider_destroy(pv);
}

/* PACC's notice (model/pacc.h): once per reason, the provider-wide view
 * first, a domain's own view only when its reason differs. */
static void test_pacc_notice(void **state) {
	(void)state;
	struct found f = { .n = 0 };
	struct sv_provider *pv = p_example();
	assert_int_equal(sv_provider_add_domain(pv, "web.example"), SV_OK);
	server(pv, 2, SV_SERVER_SMTP, "smtp.p.example", 587,
		SV_SOCKET_STARTTLS);
	/* own.example's imap does not change the smtp reason: said once */
	domain_server(pv, 3, SV_SERVER_IMAP, "imap.own.example", 993,
		SV_SOCKET_SSL, "own.example");
	/* web.example's smtp on 465 makes its view sayable: nothing */
	domain_server(pv, 4, SV_SERVER_SMTP, "smtp.web.example", 465,
		SV_SOCKET_SSL, "web.example");
	assert_int_equal(sv_check_provider(pv, collect, &f), 1);
	expect_said(&f, 0, NULL, "submit: its servers use STARTTLS");
	/* a reason of its own is said for the domain */
	f.n = 0;
	sv_free(pv->servers[2].hostname);
	pv->servers[2].hostname = sv_strdup("%EMAILLOCALPART%.own.example");
	assert_int_equal(sv_check_provider(pv, collect, &f), 2);
	expect_said(&f, 1, "own.example", "domain own.example: no PACC "
		"document (404 at user-agent-configuration.json): imap: a host "
		"name that needs the user's address");
	sv_provider_destroy(pv);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_socket),
		cmocka_unit_test(test_validate_draft),
		cmocka_unit_test(test_problems),
		cmocka_unit_test(test_plaintext),
		cmocka_unit_test(test_known_pairing),
		cmocka_unit_test(test_pacc_notice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
