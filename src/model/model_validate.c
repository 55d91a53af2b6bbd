/* SPDX-License-Identifier: MIT */
/*
 * The one validator of the provider model, shared by the CLI, the importer,
 * the store and `suivant check`: every field of a provider in document
 * order, stopping at the first problem, reported as data (the field, its
 * index, a code) with a message that names the field ("server 2 (smtp):
 * port: 0 is not in 1..65535"). Indexes in messages count from 1, in the
 * data from 0. The checks of single values (text, URLs, templates,
 * language tags) are in model_value.c, names in util/name.c, the rules
 * for one server in model_validate_server.c.
 *
 * Values quoted in messages come from import files, the CLI or the
 * database, so they are shown escaped (controls and invalid UTF-8 as
 * \xNN) and cut short. Nothing here keeps state; everything is
 * thread-safe. The only allocation is a sorted view of a long domain list
 * for the duplicate check.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/model_validate_server.h"
#include "model/model_value.h"
#include "model/service_url.h"
#include "util/alloc.h"
#include "util/utf8.h"

/* Domain lists up to this long are checked for duplicates pairwise. */
#define PAIRWISE_MAX 64

/* Notes what the problem just written to p->err is about; returns rc. */
static int about(struct sv_problem *p, enum sv_field field, size_t index,
		int rc) {
	if (rc != SV_OK) {
		p->field = field;
		p->index = index;
		p->code = rc;
	}
	return rc;
}

/* No problem yet (without zeroing the message buffer: this runs once per
 * provider on every load). */
static void clear(struct sv_problem *p) {
	p->field = SV_FIELD_PROVIDER;
	p->index = 0;
	p->code = SV_OK;
	p->err.msg[0] = '\0';
}

static int cmp_domain_ref(const void *a, const void *b) {
	char *const *x = *(char *const *const *)a;
	char *const *y = *(char *const *const *)b;
	int c = strcmp(*x, *y);
	if (c != 0) {
		return c;
	}
	return x < y ? -1 : x > y; /* keep the first occurrence first */
}

static int duplicate_domain(const struct sv_provider *pv, size_t first,
		size_t second, struct sv_problem *p) {
	char buf[MODEL_SHOWN_MAX];
	return about(p, SV_FIELD_DOMAIN, second, sv_errf(&p->err, SV_EINVAL,
		"domain %zu: '%s' repeats domain %zu", second + 1,
		model_shown(pv->domains[second], buf, sizeof(buf)),
		first + 1));
}

/*
 * No domain twice. Pairwise for short lists; a hoster's long list is
 * sorted through an array of references so that messages still give
 * positions. SV_ENOMEM when that array cannot be allocated.
 */
static int check_unique_domains(const struct sv_provider *pv,
		struct sv_problem *p) {
	size_t n = pv->n_domains;
	if (n <= PAIRWISE_MAX) {
		for (size_t j = 1; j < n; j++) {
			for (size_t i = 0; i < j; i++) {
				if (strcmp(pv->domains[i], pv->domains[j]) ==
						0) {
					return duplicate_domain(pv, i, j, p);
				}
			}
		}
		return SV_OK;
	}
	char *const **refs = sv_calloc(n, sizeof(*refs));
	if (refs == NULL) {
		return about(p, SV_FIELD_DOMAINS, 0, sv_errf(&p->err,
			SV_ENOMEM, "domains: out of memory"));
	}
	for (size_t i = 0; i < n; i++) {
		refs[i] = &pv->domains[i];
	}
	qsort(refs, n, sizeof(*refs), cmp_domain_ref);
	int rc = SV_OK;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(*refs[i - 1], *refs[i]) == 0) {
			rc = duplicate_domain(pv, (size_t)(refs[i - 1] -
				pv->domains), (size_t)(refs[i] - pv->domains),
				p);
			break;
		}
	}
	sv_free(refs);
	return rc;
}

static int check_domains(const struct sv_provider *pv,
		struct sv_problem *p) {
	struct sv_err *err = &p->err;
	char buf[MODEL_SHOWN_MAX];
	if (pv->n_domains == 0) {
		return about(p, SV_FIELD_DOMAINS, 0, sv_errf(err, SV_EINVAL,
			"domains: none (at least one is required)"));
	}
	for (size_t i = 0; i < pv->n_domains; i++) {
		const char *d = pv->domains[i];
		if (d == NULL) {
			return about(p, SV_FIELD_DOMAIN, i, sv_errf(err,
				SV_EINVAL, "domain %zu: missing", i + 1));
		}
		if (sv_is_mx_prefixed(d) ? !sv_is_mx_row(d) :
				!sv_is_domain_pattern(d)) {
			return about(p, SV_FIELD_DOMAIN, i, sv_errf(err,
				SV_EINVAL, "domain %zu: '%s' is not a "
				"lower-case host name, '*.suffix' or '*'%s%s",
				i + 1, model_shown(d, buf, sizeof(buf)),
				sv_is_mx_prefixed(d) ? " after 'mx:'" : "",
				sv_name_numeric_tld_note(d, true)));
		}
	}
	return check_unique_domains(pv, p);
}

/*
 * A service: its URL (service_url.h; plain http only when the admin
 * allowed it), username template, auth list and domain.
 */
static int check_service(const struct sv_provider *pv, size_t i,
		struct sv_err *err) {
	const struct sv_service *s = &pv->services[i];
	char w[64], where[96];
	if ((unsigned)s->type >= SV_SERVICE_TYPE_COUNT) {
		return sv_errf(err, SV_EINVAL, "service %zu: type: unknown "
			"value %d", i + 1, (int)s->type);
	}
	snprintf(w, sizeof(w), "service %zu (%s)", i + 1,
		sv_service_type_name(s->type));
	if (s->url == NULL) {
		return sv_errf(err, SV_EINVAL, "%s: url: missing", w);
	}
	snprintf(where, sizeof(where), "%s: url", w);
	struct sv_service_url u;
	int rc = sv_service_url_parse(s->url, where, &u, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (!u.https && sv_service_type_is_account(s->type)) {
		return sv_errf(err, SV_EINVAL, "%s: plain http is refused: "
			"%s clients send the password with every request and "
			"accept https only", where,
			sv_service_type_name(s->type));
	}
	if (!u.https && !s->insecure) {
		return sv_errf(err, SV_EINVAL, "%s: plain http is refused: "
			"clients would send passwords unencrypted (use https, "
			"or allow it with --allow-insecure)", where);
	}
	if (s->username != NULL) {
		snprintf(where, sizeof(where), "%s: username", w);
		if ((rc = model_check_template(s->username, where, err)) !=
				SV_OK) {
			return rc;
		}
	}
	if (s->n_auth == 0 || s->n_auth > SV_MODEL_MAX_AUTH) {
		return sv_errf(err, SV_EINVAL, "%s: authentication: %zu "
			"methods (1..%d)", w, s->n_auth, SV_MODEL_MAX_AUTH);
	}
	for (size_t k = 0; k < s->n_auth; k++) {
		if ((unsigned)s->auth[k] >= SV_SAUTH_COUNT) {
			return sv_errf(err, SV_EINVAL, "%s: authentication "
				"%zu: unknown value %d", w, k + 1,
				(int)s->auth[k]);
		}
		for (size_t j = 0; j < k; j++) {
			if (s->auth[j] == s->auth[k]) {
				return sv_errf(err, SV_EINVAL, "%s: "
					"authentication %zu: %s is already "
					"listed", w, k + 1,
					sv_service_auth_name(s->auth[k]));
			}
		}
	}
	if (s->domain != NULL && !sv_provider_has_domain(pv, s->domain)) {
		char buf[MODEL_SHOWN_MAX];
		return sv_errf(err, SV_EINVAL,
			"%s: domain: '%s' is not one of the provider's "
			"domains", w, model_shown(s->domain, buf, sizeof(buf)));
	}
	return SV_OK;
}

static int check_link(const struct sv_provider *pv, size_t i,
		struct sv_err *err) {
	const struct sv_link *l = &pv->links[i];
	char w[48];
	char where[80];
	if ((unsigned)l->kind >= SV_LINK_KIND_COUNT) {
		return sv_errf(err, SV_EINVAL,
			"link %zu: kind: unknown value %d", i + 1,
			(int)l->kind);
	}
	snprintf(w, sizeof(w), "link %zu (%s)", i + 1,
		sv_link_kind_name(l->kind));
	int rc = model_check_required(l->url, w, "url", model_check_url, err);
	if (rc != SV_OK) {
		return rc;
	}
	for (size_t j = 0; j < l->n_texts; j++) {
		const struct sv_text *t = &l->texts[j];
		char buf[MODEL_SHOWN_MAX];
		if (t->lang != NULL && !model_is_lang(t->lang)) {
			return sv_errf(err, SV_EINVAL,
				"%s: text %zu: lang: '%s' is not a "
				"language tag", w, j + 1,
				model_shown(t->lang, buf, sizeof(buf)));
		}
		if (t->text == NULL) {
			return sv_errf(err, SV_EINVAL,
				"%s: text %zu: missing", w, j + 1);
		}
		snprintf(where, sizeof(where), "%s: text %zu", w, j + 1);
		rc = model_check_text(t->text, SV_MODEL_MAX_TEXT, where, NULL,
			err);
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

/* One optional text field of a group, and what it must be when set. */
struct field {
	const char *name; /* "webmail: login page": messages */
	const char *value;
	enum { AS_TEXT, AS_URL, AS_TEMPLATE } as;
};

/* Checks the set fields of f (n of them) in order; the first problem. */
static int check_fields(const struct field *f, size_t n, struct sv_err *err) {
	int rc = SV_OK;
	for (size_t i = 0; i < n && rc == SV_OK; i++) {
		if (f[i].value == NULL) {
			continue;
		}
		switch (f[i].as) {
		case AS_URL:
			rc = model_check_url(f[i].value, f[i].name, err);
			break;
		case AS_TEMPLATE:
			rc = model_check_template(f[i].value, f[i].name, err);
			break;
		default:
			rc = model_check_text(f[i].value, SV_MODEL_MAX_TEXT,
				f[i].name, NULL, err);
		}
	}
	return rc;
}

/*
 * Whether f[0], the key of a group (webmail, oauth2) of n fields, is
 * missing: then *rc is SV_OK, or SV_EINVAL when another field is set.
 */
static bool key_missing(const struct field *f, size_t n, const char *group,
		int *rc, struct sv_err *err) {
	if (f[0].value != NULL) {
		return false;
	}
	*rc = SV_OK;
	for (size_t i = 1; i < n && *rc == SV_OK; i++) {
		if (f[i].value != NULL) {
			*rc = sv_errf(err, SV_EINVAL, "%s: missing while other "
				"%s fields are set", f[0].name, group);
		}
	}
	return true;
}

static int check_webmail(const struct sv_webmail *wm, struct sv_err *err) {
	const struct field f[] = {
		{ "webmail: login page", wm->login_page, AS_URL },
		{ "webmail: login page info", wm->info_url, AS_URL },
		{ "webmail: redirection URL prefix", wm->wait_redirect_prefix,
			AS_URL },
		{ "webmail: username", wm->username, AS_TEMPLATE },
		{ "webmail: username field id", wm->username_field_id,
			AS_TEXT },
		{ "webmail: username field name", wm->username_field_name,
			AS_TEXT },
		{ "webmail: password field id", wm->password_field_id,
			AS_TEXT },
		{ "webmail: password field name", wm->password_field_name,
			AS_TEXT },
		{ "webmail: login button id", wm->login_button_id, AS_TEXT },
		{ "webmail: login button name", wm->login_button_name,
			AS_TEXT },
	};
	size_t n = sizeof(f) / sizeof(f[0]);
	int rc;
	if (key_missing(f, n, "webmail", &rc, err) ||
			(rc = check_fields(f, 2, err)) != SV_OK) {
		return rc;
	}
	/* an attribute of <loginPageInfo>: without it, never written out */
	if (wm->wait_redirect_prefix != NULL && wm->info_url == NULL) {
		return sv_errf(err, SV_EINVAL, "webmail: redirection URL "
			"prefix: set without a login page info URL");
	}
	return check_fields(f + 2, n - 2, err);
}

static int check_oauth2(const struct sv_oauth2 *o, struct sv_err *err) {
	const struct field f[] = {
		{ "oauth2: issuer", o->issuer, AS_TEXT },
		{ "oauth2: scope", o->scope, AS_TEXT },
		{ "oauth2: auth URL", o->auth_url, AS_URL },
		{ "oauth2: token URL", o->token_url, AS_URL },
	};
	size_t n = sizeof(f) / sizeof(f[0]);
	int rc;
	if (key_missing(f, n, "oauth2", &rc, err) ||
			(rc = check_fields(f, 1, err)) != SV_OK) {
		return rc;
	}
	if (o->issuer[0] == '\0') {
		return sv_errf(err, SV_EINVAL, "oauth2: issuer: empty");
	}
	return check_fields(f + 1, n - 1, err);
}

int sv_provider_problem(const struct sv_provider *pv,
		struct sv_problem *p) {
	assert(pv != NULL && p != NULL);
	clear(p);
	struct sv_err *err = &p->err;
	char buf[MODEL_SHOWN_MAX];
	int rc;
	if (pv->id == NULL) {
		return about(p, SV_FIELD_ID, 0,
			sv_errf(err, SV_EINVAL, "id: missing"));
	}
	if (!sv_is_domain_name(pv->id)) {
		return about(p, SV_FIELD_ID, 0, sv_errf(err, SV_EINVAL,
			"id: '%s' is not a lower-case host name%s",
			model_shown(pv->id, buf, sizeof(buf)),
			sv_name_numeric_tld_note(pv->id, true)));
	}
	if (pv->display_name != NULL && (rc = model_check_name(pv->display_name,
			SV_MODEL_MAX_DISPLAY_NAME, "display_name",
			err)) != SV_OK) {
		return about(p, SV_FIELD_DISPLAY_NAME, 0, rc);
	}
	if (pv->short_name != NULL && (rc = model_check_name(pv->short_name,
			SV_MODEL_MAX_SHORT_NAME, "short_name", err)) != SV_OK) {
		return about(p, SV_FIELD_SHORT_NAME, 0, rc);
	}
	if ((rc = check_domains(pv, p)) != SV_OK) {
		return rc;
	}
	/* The provider's rows, each list in turn: its size, then each row. */
	const struct {
		size_t n;
		int max;                 /* 0: no limit */
		const char *what;        /* the list, in the limit's message */
		enum sv_field list, row; /* what a problem is about */
		int (*check)(const struct sv_provider *pv, size_t i,
			struct sv_err *err);
	} rows[] = {
		{ pv->n_servers, SV_MODEL_MAX_SERVERS, "servers",
			SV_FIELD_SERVERS, SV_FIELD_SERVER, model_check_server },
		{ pv->n_links, 0, "links", SV_FIELD_LINK, SV_FIELD_LINK,
			check_link },
		{ pv->n_services, SV_MODEL_MAX_SERVICES, "services",
			SV_FIELD_SERVICES, SV_FIELD_SERVICE, check_service },
	};
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		if (rows[k].max != 0 && rows[k].n > (size_t)rows[k].max) {
			return about(p, rows[k].list, 0, sv_errf(err,
				SV_EINVAL, "%s: %zu is more than the %d "
				"allowed", rows[k].what, rows[k].n,
				rows[k].max));
		}
		for (size_t i = 0; i < rows[k].n; i++) {
			if ((rc = rows[k].check(pv, i, err)) != SV_OK) {
				return about(p, rows[k].row, i, rc);
			}
		}
	}
	if ((rc = check_webmail(&pv->webmail, err)) != SV_OK) {
		return about(p, SV_FIELD_WEBMAIL, 0, rc);
	}
	if ((rc = check_oauth2(&pv->oauth2, err)) != SV_OK) {
		return about(p, SV_FIELD_OAUTH2, 0, rc);
	}
	return SV_OK;
}

int sv_provider_validate(const struct sv_provider *pv, struct sv_err *err) {
	struct sv_problem p;
	int rc = sv_provider_problem(pv, &p);
	if (rc != SV_OK && err != NULL) {
		*err = p.err;
	}
	return rc;
}

int sv_provider_servable_problem(const struct sv_provider *pv,
		struct sv_problem *p) {
	assert(pv != NULL && p != NULL);
	clear(p);
	/* Per-domain servers only replace provider-wide ones of the same
	 * type, so the provider-wide view is the one every domain relies on. */
	bool incoming = false;
	bool outgoing = false;
	for (size_t i = 0; i < pv->n_servers; i++) {
		const struct sv_server *s = &pv->servers[i];
		if (s->domain != NULL) {
			continue;
		}
		if (s->type == SV_SERVER_IMAP || s->type == SV_SERVER_POP3) {
			incoming = true;
		} else if (s->type == SV_SERVER_SMTP) {
			outgoing = true;
		}
	}
	if (!incoming) {
		return about(p, SV_FIELD_PROVIDER, 0, sv_errf(&p->err,
			SV_EINVAL, "has no incoming (imap or pop3) server"));
	}
	if (!outgoing) {
		return about(p, SV_FIELD_PROVIDER, 0, sv_errf(&p->err,
			SV_EINVAL, "has no outgoing (smtp) server"));
	}
	return SV_OK;
}

int sv_provider_check_servable(const struct sv_provider *pv,
		struct sv_err *err) {
	struct sv_problem p;
	int rc = sv_provider_servable_problem(pv, &p);
	if (rc == SV_OK) {
		return SV_OK;
	}
	char buf[MODEL_SHOWN_MAX];
	const char *id = pv->id != NULL ?
		model_shown(pv->id, buf, sizeof(buf)) : "(no id)";
	return sv_errf(err, rc, "provider %s %s", id, p.err.msg);
}
