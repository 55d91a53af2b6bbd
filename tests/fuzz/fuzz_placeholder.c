/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: placeholder templates and their expansion. The input
 * is "HOSTNAME\nUSERNAME\nADDRESS": both templates go through the
 * placeholder functions, then into a small provider (an IMAP server with
 * those templates, an SMTP server); when the validator accepts it, the
 * autoconfig, Autodiscover and Apple answers are rendered and filled for
 * ADDRESS (when sv_address_parse accepts it; autoconfig also without an
 * address) and each filled document must be well-formed XML (issue #8).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "answer/answer.h"
#include "answer/render_autoconfig.h"
#include "answer/render_autodiscover.h"
#include "answer/render_mobileconfig.h"
#include "model/model.h"
#include "model/placeholder.h"
#include "request/address.h"
#include "util/alloc.h"
#include "util/buf.h"

/* A NUL-terminated copy of [p, p + n), or NULL. */
static char *dup_n(const uint8_t *p, size_t n) {
	char *s = sv_malloc(n + 1);
	if (s != NULL) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static void split_check(const char *tpl) {
	struct sv_tpl_piece pieces[16];
	size_t n = 0;
	struct sv_err err;
	int rc = sv_placeholder_split(tpl, pieces, 16, &n, &err);
	if (rc == SV_OK) {
		size_t total = 0;
		for (size_t i = 0; i < n; i++) {
			total += pieces[i].is_token ?
				strlen(sv_token_text(pieces[i].token)) :
				pieces[i].lit_len;
		}
		if (n > 16 || total != strlen(tpl)) {
			abort(); /* the pieces must cover the template */
		}
	}
	(void)sv_placeholder_validate(tpl, &err);
	(void)sv_placeholder_validate_hostname(tpl, &err);
	(void)sv_placeholder_has_token(tpl);
}

static void fill_check(const struct sv_answer *a,
		const struct sv_answer_facts *f) {
	struct sv_buf out;
	sv_buf_init(&out, 4 * 1024 * 1024);
	int rc = sv_answer_fill(a, f, &out);
	if (rc == SV_OK) {
		xmlDocPtr doc = xmlReadMemory(out.data, (int)out.len, NULL,
			NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
			XML_PARSE_NOWARNING);
		if (doc == NULL) {
			abort(); /* expansion broke the document */
		}
		xmlFreeDoc(doc);
	} else if (f->address != NULL) {
		abort(); /* a parsed address must always fill */
	}
	sv_buf_finish(&out);
}

typedef int (*render_fn)(const struct sv_provider *, const char *,
	struct sv_answer **, struct sv_err *);

static void render_check(const struct sv_provider *pv, render_fn render,
		const struct sv_answer_facts *with, bool needs_address) {
	struct sv_answer *a = NULL;
	struct sv_err err;
	if (render(pv, NULL, &a, &err) != SV_OK || a == NULL) {
		return; /* refused, or no answer of this kind (a GET's) */
	}
	if (with->address != NULL) {
		fill_check(a, with);
	}
	if (!needs_address) {
		struct sv_answer_facts bare = { .domain = "example.fr" };
		fill_check(a, &bare);
	}
	sv_answer_destroy(a);
}

static struct sv_provider *make_provider(const char *host, const char *user) {
	struct sv_provider *pv = sv_provider_create();
	if (pv == NULL || (pv->id = sv_strdup("example.fr")) == NULL ||
			sv_provider_add_domain(pv, "example.fr") != SV_OK) {
		sv_provider_destroy(pv);
		return NULL;
	}
	struct sv_server imap = { .type = SV_SERVER_IMAP, .port = 993,
		.socket = SV_SOCKET_SSL, .n_auth = 1, .priority = 10,
		.auth = { SV_AUTH_PASSWORD_CLEARTEXT } };
	struct sv_server smtp = { .type = SV_SERVER_SMTP, .port = 465,
		.socket = SV_SOCKET_SSL, .n_auth = 1, .priority = 20,
		.auth = { SV_AUTH_PASSWORD_CLEARTEXT } };
	imap.hostname = sv_strdup(host);
	imap.username = sv_strdup(user);
	smtp.hostname = sv_strdup(host);
	smtp.username = sv_strdup(user);
	if (imap.hostname == NULL || imap.username == NULL ||
			smtp.hostname == NULL || smtp.username == NULL ||
			sv_provider_add_server(pv, &imap, NULL) != SV_OK ||
			sv_provider_add_server(pv, &smtp, NULL) != SV_OK) {
		sv_server_finish(&imap);
		sv_server_finish(&smtp);
		sv_provider_destroy(pv);
		return NULL;
	}
	return pv;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	const uint8_t *end = data + size;
	const uint8_t *nl1 = memchr(data, '\n', size);
	if (nl1 == NULL) {
		char *tpl = dup_n(data, size);
		if (tpl != NULL) {
			split_check(tpl);
		}
		sv_free(tpl);
		return 0;
	}
	const uint8_t *u = nl1 + 1;
	const uint8_t *nl2 = memchr(u, '\n', (size_t)(end - u));
	const uint8_t *ue = nl2 != NULL ? nl2 : end;
	const uint8_t *addr = nl2 != NULL ? nl2 + 1 : end;
	char *host = dup_n(data, (size_t)(nl1 - data));
	char *user = dup_n(u, (size_t)(ue - u));
	if (host == NULL || user == NULL) {
		goto done;
	}
	split_check(host);
	split_check(user);
	struct sv_address a;
	struct sv_err err;
	struct sv_answer_facts with = { .domain = "example.fr" };
	if (sv_address_parse((const char *)addr, (size_t)(end - addr), &a,
			&err) == SV_OK) {
		with.domain = a.domain;
		with.address = a.address;
		with.local = a.local;
	}
	struct sv_provider *pv = make_provider(host, user);
	if (pv != NULL && sv_provider_validate(pv, &err) == SV_OK) {
		render_check(pv, sv_render_autoconfig, &with, false);
		render_check(pv, sv_render_autodiscover, &with, true);
		render_check(pv, sv_render_mobileconfig, &with, true);
		render_check(pv, sv_render_autoconfig_evolution, &with, false);
		render_check(pv, sv_render_autodiscover_domain, &with, false);
	}
	sv_provider_destroy(pv);
done:
	sv_free(host);
	sv_free(user);
	return 0;
}
