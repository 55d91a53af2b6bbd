/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/answer/render_dns.c (issue #3, `suivant dns`): which records a
 * domain gets, SRV labels and priorities from the servers it gets,
 * templates expanded with the domain, "." for services not offered,
 * notes instead of records for what has no DNS form, and the zone text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer/render_dns.h"
#include "util/alloc.h"

static struct sv_server *server(struct sv_provider *pv, int64_t id,
		enum sv_server_type type, const char *host, int port,
		enum sv_socket sock, int priority, const char *domain) {
	struct sv_server s = {
		.id = id, .type = type, .hostname = sv_strdup(host),
		.port = port, .socket = sock, .priority = priority,
		.username = sv_strdup("%EMAILADDRESS%"),
		.domain = domain != NULL ? sv_strdup(domain) : NULL,
		.pop3 = { SV_UNSET, -1, SV_UNSET, -1 },
	};
	s.auth[s.n_auth++] = SV_AUTH_PASSWORD_CLEARTEXT;
	struct sv_server *out = NULL;
	assert_int_equal(sv_provider_add_server(pv, &s, &out), SV_OK);
	return out;
}

/* hoster.example: *.customers.example, special.example with its own imap. */
static struct sv_provider *hoster(void) {
	struct sv_provider *pv = sv_provider_create();
	assert_non_null(pv);
	pv->id = sv_strdup("hoster.example");
	assert_int_equal(sv_provider_add_domain(pv, "hoster.example"), SV_OK);
	assert_int_equal(sv_provider_add_domain(pv, "*.customers.example"),
		SV_OK);
	assert_int_equal(sv_provider_add_domain(pv, "special.example"), SV_OK);
	server(pv, 1, SV_SERVER_IMAP, "Mail.%EMAILDOMAIN%", 993,
		SV_SOCKET_SSL, 0, NULL);
	server(pv, 2, SV_SERVER_SMTP, "smtp.hoster.example", 587,
		SV_SOCKET_STARTTLS, 0, NULL);
	server(pv, 3, SV_SERVER_POP3, "pop.hoster.example", 110,
		SV_SOCKET_PLAIN, 5, NULL);
	server(pv, 4, SV_SERVER_IMAP, "%EMAILLOCALPART%.special.example", 993,
		SV_SOCKET_SSL, 0, "special.example");
	return pv;
}

static const struct sv_dns_record *find(const struct sv_dns_zone *z,
		const char *owner, size_t nth) {
	for (size_t i = 0; i < z->n_records; i++) {
		if (strcmp(z->records[i].owner, owner) == 0 && nth-- == 0) {
			return &z->records[i];
		}
	}
	return NULL;
}

/* A new zone (free it) of sv_render_dns_records(pv, pattern, domain,
 * target, ttl), which must succeed. */
static struct sv_dns_zone *zone_of(const struct sv_provider *pv,
		const char *pattern, const char *domain, const char *target,
		long ttl) {
	struct sv_dns_zone *z = calloc(1, sizeof(*z));
	assert_non_null(z);
	struct sv_err err = { "" };
	assert_int_equal(sv_render_dns_records(pv, pattern, domain, target,
		ttl, z, &err), SV_OK);
	return z;
}

static void test_hoster_customer(void **state) {
	(void)state;
	struct sv_provider *pv = hoster();
	struct sv_dns_zone *z = zone_of(pv, "*.customers.example",
		"a.customers.example", NULL, 600);
	/* 3 service names, 2 servers, 4 "." mail labels, 4 "." DAV labels */
	assert_int_equal(z->n_records, 13);
	assert_int_equal(z->n_notes, 0);
	const struct sv_dns_record *r = find(z, "autoconfig.a.customers."
		"example.", 0);
	assert_non_null(r);
	assert_int_equal(r->type, SV_DNS_CNAME);
	assert_string_equal(r->target, "autoconfig.hoster.example.");
	r = find(z, "_autodiscover._tcp.a.customers.example.", 0);
	assert_int_equal(r->port, 443);
	assert_string_equal(r->target, "autodiscover.hoster.example.");
	r = find(z, "_imaps._tcp.a.customers.example.", 0);
	assert_int_equal(r->priority, 0);
	assert_int_equal(r->weight, 1);
	assert_int_equal(r->port, 993);
	assert_int_equal(r->server, 1);
	assert_string_equal(r->target, "mail.a.customers.example.");
	r = find(z, "_pop3._tcp.a.customers.example.", 0);
	assert_int_equal(r->priority, 10); /* imap first, then pop3 */
	assert_string_equal(r->target, "pop.hoster.example.");
	r = find(z, "_submission._tcp.a.customers.example.", 0);
	assert_int_equal(r->priority, 0);
	r = find(z, "_pop3s._tcp.a.customers.example.", 0);
	assert_string_equal(r->target, ".");
	assert_int_equal(r->port, 0);
	struct sv_buf out;
	sv_buf_init(&out, 1 << 16);
	assert_int_equal(sv_render_dns_zone(z, &out), SV_OK);
	assert_non_null(strstr(out.data, "\n_imaps._tcp.a.customers.example."
		"        600 IN SRV   0 1 993 mail.a.customers.example.\n"));
	assert_non_null(strstr(out.data, "_submissions._tcp.a.customers."
		"example.  600 IN SRV   0 0 0 .\n"));
	/* a buffer too small for the text: an error and an empty buffer */
	struct sv_buf small;
	sv_buf_init(&small, 64);
	assert_int_equal(sv_render_dns_zone(z, &small), SV_ETOOBIG);
	assert_null(small.data);
	sv_buf_finish(&out);
	free(z);
	sv_provider_destroy(pv);
}

static void test_notes_and_own_names(void **state) {
	(void)state;
	struct sv_provider *pv = hoster();
	/* special.example's imap depends on the user: a note, and "." */
	struct sv_dns_zone *z = zone_of(pv, "special.example",
		"special.example", "ac.service.example", 60);
	struct sv_err err = { "" };
	assert_int_equal(z->n_notes, 1);
	assert_non_null(strstr(z->notes[0], "server 4 (imap): host name "
		"%EMAILLOCALPART%.special.example depends on the user"));
	assert_string_equal(find(z, "_imaps._tcp.special.example.", 0)->target,
		".");
	assert_string_equal(find(z, "autodiscover.special.example.", 0)->target,
		"ac.service.example.");
	/* the provider's own domain: no CNAME to itself */
	assert_int_equal(sv_render_dns_records(pv, "hoster.example",
		"hoster.example", NULL, 60, z, &err), SV_OK);
	assert_null(find(z, "autoconfig.hoster.example.", 0));
	assert_null(find(z, "autodiscover.hoster.example.", 0));
	assert_non_null(find(z, "_autodiscover._tcp.hoster.example.", 0));
	assert_int_equal(z->n_notes, 2);
	/* names that would be too long are left out with a note */
	char longd[SV_DNS_NAME_MAX + 1];
	memset(longd, 'a', sizeof(longd) - 1);
	for (size_t i = 63; i < sizeof(longd) - 1; i += 64) {
		longd[i] = '.';
	}
	longd[sizeof(longd) - 1] = '\0';
	longd[sizeof(longd) - 2] = 'z';
	assert_int_equal(sv_render_dns_records(pv, "*", longd, NULL, 60, z,
		&err), SV_OK);
	assert_int_equal(z->n_records, 0);
	assert_true(z->n_notes > 0);
	/* refusals */
	assert_int_equal(sv_render_dns_records(pv, "*", "Upper.example", NULL,
		60, z, &err), SV_EINVAL);
	assert_int_equal(sv_render_dns_records(pv, "*", "x.example", "bad host",
		60, z, &err), SV_EINVAL);
	assert_int_equal(sv_render_dns_records(pv, "*", "x.example", NULL, -1,
		z, &err), SV_EINVAL);
	free(z);
	sv_provider_destroy(pv);
}

int main(void) {
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hoster_customer),
		cmocka_unit_test(test_notes_and_own_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
