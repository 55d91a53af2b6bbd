/* SPDX-License-Identifier: MIT */
/*
 * The web admin's forms that change providers. Every one follows one
 * recipe (run): in one transaction, compare the provider's version with
 * the one the form was built from (409 and the current values when they
 * differ: another admin, another tab or the command line changed it
 * meanwhile), make the change through the same store call as the
 * command line (which validates the whole edited provider with the one
 * validator), record it in the audit table, commit, tell the server to
 * reload, and answer 303 to the provider page. A refusal (the
 * validator's message, a domain another provider holds) rolls everything
 * back and shows the provider page with the message: nothing is stored.
 *
 * Fields are read here, named as the forms of admin_provider.c name them;
 * values are checked only as far as turning them into the model needs
 * (a number, a known keyword): the rest is the validator's job, so that
 * its message is the one the admin reads, as on the command line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store/store_audit.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/name.h"
#include "webadmin/admin_internal.h"

/* ------------------------------------------------------------------ */
/* Audit                                                              */

int sv_admin_audit(const struct sv_admin_req *rq, const char *what,
		const char *provider_id, const char *before, const char *after,
		struct sv_err *err) {
	struct sv_audit_entry e = {
		.at = (int64_t)rq->now, .actor = (char *)rq->session.user,
		.action = (char *)what, .provider_id = (char *)provider_id,
		.before_json = (char *)before, .after_json = (char *)after,
	};
	return sv_store_audit_add(rq->st, &e, err);
}

static json_t *names_json(const struct sv_provider *pv) {
	return json_pack("{s:s?, s:s?, s:s?, s:{s:s?, s:s?, s:s?, s:s?}}",
		"display_name", pv->display_name, "short_name",
		pv->short_name, "webmail", pv->webmail.login_page, "oauth2",
		"issuer", pv->oauth2.issuer, "scope", pv->oauth2.scope,
		"auth_url", pv->oauth2.auth_url, "token_url",
		pv->oauth2.token_url);
}

/* ------------------------------------------------------------------ */
/* The recipe                                                         */

/* One run of an action: what its change leaves for the audit and the
 * answer. */
struct action {
	const char *id;         /* the provider, from the form */
	struct sv_provider *pv; /* owned: as stored when the transaction
	                         * began (NULL for provider add) */
	char *before, *after;   /* owned JSON texts, or NULL */
	char *redirect_id;      /* owned: the page to show after, if not id */
};

struct sv_admin_action {
	const char *what;       /* the audit's action name */
	/* The change, inside the transaction: SV_OK with a's before and
	 * after set, or the refusal with err. */
	int (*change)(struct sv_admin_req *rq, struct action *a,
		struct sv_err *err);
	bool gone;              /* the provider is removed: back to the list */
	bool is_new;            /* no version to compare: provider add */
};

/* The status of a refusal: the admin's input (422), a conflict (409),
 * a provider that is not there (404), the database (500, 503). */
static unsigned status_of(int rc) {
	switch (rc) {
	case SV_EINVAL:
	case SV_ETOOBIG:
		return 422;
	case SV_EEXIST:
		return 409;
	case SV_ENOTFOUND:
		return 404;
	case SV_EBUSY:
		return 503;
	default:
		return 500;
	}
}

static int parse_int(const char *s, long long lo, long long hi,
		long long *out) {
	if (s == NULL || s[0] == '\0' || s[0] == '+' || s[0] == ' ') {
		return SV_EINVAL;
	}
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi) {
		return SV_EINVAL;
	}
	*out = v;
	return SV_OK;
}

/* Sets *dst to json's text (json's reference is taken); SV_ENOMEM with
 * err when json is NULL or memory is short. */
static int keep_json(char **dst, json_t *json, struct sv_err *err) {
	*dst = sv_admin_json_text(json);
	return *dst != NULL ? SV_OK : sv_errf(err, SV_ENOMEM, "out of memory");
}

void sv_admin_act(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp, const struct sv_admin_action *def) {
	struct sv_err err = { "" };
	struct action act = { .id = sv_admin_field(&rq->form, "id") };
	struct action *a = &act;
	const char *version = sv_admin_field(&rq->form, "version");
	if (a->id == NULL || (!def->is_new && version == NULL)) {
		sv_admin_send_error(rq, resp, 400, "Bad form",
			"the form lacks the provider or its version");
		return;
	}
	int rc = sv_store_begin(rq->st, &err);
	if (rc == SV_OK && !def->is_new) {
		char current[SV_ADMIN_VERSION_LEN + 1];
		rc = sv_store_load_provider(rq->st, a->id, &a->pv, &err);
		if (rc == SV_OK && sv_admin_provider_version(a->pv, current) !=
				SV_OK) {
			rc = sv_errf(&err, SV_ENOMEM, "out of memory");
		}
		if (rc == SV_OK && strcmp(current, version) != 0) {
			sv_store_rollback(rq->st);
			sv_provider_destroy(a->pv);
			sv_admin_view_provider(app, rq, resp, a->id, 409,
				"Not saved: this provider was changed since "
				"this page was loaded (by another admin, in "
				"another tab or from the command line). Below "
				"are its current values: make your change "
				"again.");
			return;
		}
	}
	if (rc == SV_OK) {
		rc = def->change(rq, a, &err);
	}
	if (rc == SV_OK) {
		rc = sv_admin_audit(rq, def->what, a->id, a->before, a->after,
			&err);
	}
	if (rc == SV_OK) {
		rc = sv_store_commit(rq->st, &err);
	}
	sv_store_rollback(rq->st);
	if (rc != SV_OK) {
		sv_log_info("admin: %s %s by %s refused: %s", def->what, a->id,
			rq->session.user, err.msg);
		if (def->is_new) {
			sv_admin_send_error(rq, resp, status_of(rc),
				"Not saved", err.msg);
		} else {
			sv_admin_view_provider(app, rq, resp, a->id,
				status_of(rc), err.msg);
		}
	} else {
		sv_log_info("admin: %s %s by %s", def->what, a->id,
			rq->session.user);
		if (app->changed != NULL) {
			app->changed(app->ctx);
		}
		if (def->gone) {
			sv_admin_redirect(resp, "/");
		} else {
			sv_admin_redirect_to(resp, "/provider", "id",
				a->redirect_id != NULL ? a->redirect_id :
				a->id);
		}
	}
	sv_provider_destroy(a->pv);
	sv_free(a->before);
	sv_free(a->after);
	sv_free(a->redirect_id);
}

/* An owned copy of the field name, NULL when empty or absent; false when
 * memory is short. */
static bool field_dup(const struct sv_admin_req *rq, const char *name,
		char **out) {
	const char *v = sv_admin_field_or(&rq->form, name);
	*out = NULL;
	return v[0] == '\0' || (*out = sv_strdup(v)) != NULL;
}

/* ------------------------------------------------------------------ */
/* Providers                                                          */

static int provider_add_change(struct sv_admin_req *rq, struct action *a,
		struct sv_err *err) {
	char id[SV_DOMAIN_MAX + 1];
	struct sv_err why = { "" };
	if (sv_domain_normalize(a->id, strlen(a->id), id, sizeof(id),
			&why) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "id: not a host name such as "
			"example.net: %s", why.msg);
	}
	struct sv_provider *pv = sv_provider_create();
	int rc = SV_ENOMEM;
	if (pv != NULL && (pv->id = sv_strdup(id)) != NULL &&
			field_dup(rq, "display_name", &pv->display_name) &&
			field_dup(rq, "short_name", &pv->short_name) &&
			(a->redirect_id = sv_strdup(id)) != NULL) {
		rc = sv_store_provider_add(rq->st, pv, err);
	} else {
		sv_errf(err, rc, "out of memory");
	}
	if (rc == SV_OK) {
		rc = keep_json(&a->after, names_json(pv), err);
	}
	sv_provider_destroy(pv);
	return rc;
}

const struct sv_admin_action sv_admin_provider_add = {
	.what = "provider add", .change = provider_add_change, .is_new = true,
};

/* Sets *dst to an owned copy of the field (NULL when empty). */
static int set_field(const struct sv_admin_req *rq, const char *name,
		char **dst) {
	char *v;
	if (!field_dup(rq, name, &v)) {
		return SV_ENOMEM;
	}
	sv_free(*dst);
	*dst = v;
	return SV_OK;
}

/* Frees and clears each of the n strings. */
static void clear_strings(char **const *fields, size_t n) {
	for (size_t i = 0; i < n; i++) {
		sv_free(*fields[i]);
		*fields[i] = NULL;
	}
}

static int provider_set_change(struct sv_admin_req *rq, struct action *a,
		struct sv_err *err) {
	struct sv_provider *pv = a->pv;
	int rc = keep_json(&a->before, names_json(pv), err);
	struct sv_webmail *w = &pv->webmail;
	struct sv_oauth2 *o = &pv->oauth2;
	static const char *const names[] = { "display_name", "short_name",
		"webmail", "oauth2_issuer", "oauth2_scope", "oauth2_auth_url",
		"oauth2_token_url" };
	char **const fields[] = { &pv->display_name, &pv->short_name,
		&w->login_page, &o->issuer, &o->scope, &o->auth_url,
		&o->token_url };
	for (size_t i = 0; rc == SV_OK && i < sizeof(fields) / sizeof(*fields);
			i++) {
		rc = set_field(rq, names[i], fields[i]);
	}
	if (rc == SV_OK && w->login_page == NULL) {
		/* no webmail details without its login page */
		sv_webmail_finish(w);
	}
	if (rc == SV_ENOMEM) {
		rc = sv_errf(err, rc, "out of memory");
	}
	if (rc == SV_OK) {
		rc = sv_store_provider_set(rq->st, pv, err);
	}
	if (rc == SV_OK) {
		rc = keep_json(&a->after, names_json(pv), err);
	}
	return rc;
}

const struct sv_admin_action sv_admin_provider_set = {
	.what = "provider set", .change = provider_set_change,
};

static int provider_rm_change(struct sv_admin_req *rq, struct action *a,
		struct sv_err *err) {
	if (strcmp(sv_admin_field_or(&rq->form, "confirm"), a->id) != 0) {
		return sv_errf(err, SV_EINVAL, "not removed: type the "
			"provider id %s to confirm", a->id);
	}
	if ((a->before = sv_admin_provider_json(a->pv)) == NULL) {
		return sv_errf(err, SV_ENOMEM, "out of memory");
	}
	return sv_store_provider_rm(rq->st, a->id, NULL, err);
}

const struct sv_admin_action sv_admin_provider_rm = {
	.what = "provider rm", .change = provider_rm_change, .gone = true,
};

/* ------------------------------------------------------------------ */
/* Domains                                                            */

/* The form's domain row, normalised as `domain add` does, into out. */
static int form_domain(const struct sv_admin_req *rq, bool keep_old,
		char *out, size_t size, struct sv_err *err) {
	const char *d = sv_admin_field_or(&rq->form, "domain");
	struct sv_err why = { "" };
	if (sv_domain_pattern_normalize(d, strlen(d), keep_old, out, size,
			&why) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "domain: not a domain name, "
			"'*.suffix' or '*': %s", why.msg);
	}
	return SV_OK;
}

static int domain_add_change(struct sv_admin_req *rq, struct action *a,
		struct sv_err *err) {
	char name[SV_DOMAIN_PATTERN_MAX + 1];
	int rc = form_domain(rq, false, name, sizeof(name), err);
	if (rc == SV_OK) {
		rc = sv_store_domain_add(rq->st, a->id, name, err);
	}
	if (rc == SV_OK) {
		rc = keep_json(&a->after, json_pack("{s:s}", "domain", name),
			err);
	}
	return rc;
}

const struct sv_admin_action sv_admin_domain_add = {
	.what = "domain add", .change = domain_add_change,
};

static int domain_rm_change(struct sv_admin_req *rq, struct action *a,
		struct sv_err *err) {
	char name[SV_DOMAIN_PATTERN_MAX + 1];
	char *owner = NULL;
	struct sv_store_removed gone = { 0 };
	int rc = form_domain(rq, true, name, sizeof(name), err);
	if (rc == SV_OK) {
		rc = sv_store_domain_owner(rq->st, name, &owner, err);
	}
	if (rc == SV_OK && strcmp(owner, a->id) != 0) {
		rc = sv_errf(err, SV_EINVAL, "%s is a domain of provider %s, "
			"not of %s", name, owner, a->id);
	}
	if (rc == SV_OK) {
		rc = sv_store_domain_rm(rq->st, name, NULL, &gone, err);
	}
	if (rc == SV_OK) {
		rc = keep_json(&a->before, json_pack("{s:s, s:I}", "domain",
			name, "servers_removed", (json_int_t)gone.servers), err);
	}
	sv_free(owner);
	return rc;
}

const struct sv_admin_action sv_admin_domain_rm = {
	.what = "domain rm", .change = domain_rm_change,
};

/* ------------------------------------------------------------------ */
/* Servers                                                            */

static int parse_auth(const char *list, struct sv_server *s,
		struct sv_err *err) {
	s->n_auth = 0;
	const char *p = list;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',') {
			p++;
		}
		size_t n = strcspn(p, ", ");
		if (n == 0) {
			break;
		}
		char word[32];
		enum sv_auth m;
		if (n >= sizeof(word)) {
			return sv_errf(err, SV_EINVAL, "authentication: unknown "
				"method");
		}
		memcpy(word, p, n);
		word[n] = '\0';
		if (sv_auth_parse(word, &m) != SV_OK) {
			return sv_errf(err, SV_EINVAL, "authentication: '%s' is "
				"not a method (password-cleartext, "
				"password-encrypted, OAuth2, NTLM, GSSAPI, "
				"TLS-client-cert; smtp: none, client-IP-address, "
				"smtp-after-pop)", word);
		}
		if (s->n_auth == SV_MODEL_MAX_AUTH) {
			return sv_errf(err, SV_EINVAL, "authentication: at most "
				"%d methods", SV_MODEL_MAX_AUTH);
		}
		s->auth[s->n_auth++] = m;
		p += n;
	}
	return SV_OK;
}

/*
 * The form's server fields over *s (a stored server being edited, or a
 * zeroed one): type, host, port, socket, username, authentication,
 * priority, domain, url. What the form does not show (POP3 options,
 * restrictions, Exchange URLs) is kept while the type allows it.
 */
static int form_server(const struct sv_admin_req *rq, struct sv_server *s,
		struct sv_err *err) {
	const struct sv_admin_fields *f = &rq->form;
	enum sv_server_type type;
	if (sv_server_type_parse(sv_admin_field_or(f, "type"), &type) !=
			SV_OK) {
		return sv_errf(err, SV_EINVAL, "type: imap, pop3, smtp, "
			"exchange, ews, owa or graph");
	}
	s->type = type;
	bool url_based = sv_server_type_is_url_based(type);
	long long port = 0, priority = 0;
	const char *port_s = sv_admin_field_or(f, "port");
	if (!url_based && port_s[0] != '\0' &&
			parse_int(port_s, INT32_MIN, INT32_MAX, &port) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "port: not a number");
	}
	s->port = url_based ? 0 : (int)port;
	if (parse_int(sv_admin_field_or(f, "priority"), INT32_MIN, INT32_MAX,
			&priority) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "priority: not a number");
	}
	s->priority = (int)priority;
	s->socket = SV_SOCKET_NONE;
	if (!url_based && sv_socket_parse(sv_admin_field_or(f, "socket"),
			&s->socket) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "security: SSL, STARTTLS or "
			"plain");
	}
	int rc = parse_auth(sv_admin_field_or(f, "auth"), s, err);
	if (rc != SV_OK) {
		return rc;
	}
	char domain[SV_DOMAIN_PATTERN_MAX + 1];
	const char *d = sv_admin_field_or(f, "domain");
	sv_free(s->domain);
	s->domain = NULL;
	if (d[0] != '\0') {
		if ((rc = form_domain(rq, true, domain, sizeof(domain), err)) !=
				SV_OK) {
			return rc;
		}
		if ((s->domain = sv_strdup(domain)) == NULL) {
			return sv_errf(err, SV_ENOMEM, "out of memory");
		}
	}
	/* a URL-based server has a url and no host, the others the reverse */
	char **const unused[] = { url_based ? &s->hostname : &s->url };
	clear_strings(unused, 1);
	if (set_field(rq, url_based ? "url" : "host", url_based ? &s->url :
			&s->hostname) != SV_OK ||
			set_field(rq, "username", &s->username) != SV_OK) {
		return sv_errf(err, SV_ENOMEM, "out of memory");
	}
	if (type != SV_SERVER_POP3) {
		s->has_pop3 = false;
		s->pop3 = (struct sv_pop3_options){ .days_to_leave = -1,
			.check_interval_min = -1 };
	}
	if (type != SV_SERVER_SMTP) {
		char **const outgoing[] = { &s->restriction };
		s->add_this_server = SV_UNSET;
		clear_strings(outgoing, 1);
	}
	if (type != SV_SERVER_EXCHANGE) {
		char **const exchange[] = { &s->owa_url, &s->ews_url };
		clear_strings(exchange, 2);
	}
	return SV_OK;
}

/* The form's server id, which must be one of a's provider's servers:
 * loads it (*pv, owned, holds *s) and keeps it as a's before. */
static int form_server_of(struct sv_admin_req *rq, struct action *a,
		struct sv_provider **pv, struct sv_server **s,
		struct sv_err *err) {
	long long sid;
	size_t idx = 0;
	if (parse_int(sv_admin_field(&rq->form, "server"), 1, INT64_MAX,
			&sid) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "server: not a server id");
	}
	int rc = sv_store_load_server(rq->st, sid, pv, &idx, err);
	if (rc == SV_OK && strcmp((*pv)->id, a->id) != 0) {
		rc = sv_errf(err, SV_EINVAL, "server %lld belongs to provider "
			"%s, not to %s", sid, (*pv)->id, a->id);
	}
	if (rc == SV_OK) {
		*s = &(*pv)->servers[idx];
		rc = keep_json(&a->before, sv_admin_server_json(*s), err);
	}
	return rc;
}

static int server_add_change(struct sv_admin_req *rq, struct action *a,
		struct sv_err *err) {
	struct sv_server s = { .pop3 = { .days_to_leave = -1,
		.check_interval_min = -1 } };
	int rc = form_server(rq, &s, err);
	int64_t id = 0;
	if (rc == SV_OK) {
		rc = sv_store_server_add(rq->st, a->id, &s, &id, err);
	}
	s.id = id;
	if (rc == SV_OK) {
		rc = keep_json(&a->after, sv_admin_server_json(&s), err);
	}
	sv_server_finish(&s);
	return rc;
}

const struct sv_admin_action sv_admin_server_add = {
	.what = "server add", .change = server_add_change,
};

static int server_set_change(struct sv_admin_req *rq, struct action *a,
		struct sv_err *err) {
	struct sv_provider *pv = NULL;
	struct sv_server *s = NULL;
	int rc = form_server_of(rq, a, &pv, &s, err);
	if (rc == SV_OK) {
		rc = form_server(rq, s, err);
	}
	if (rc == SV_OK) {
		rc = sv_store_server_set(rq->st, s, err);
	}
	if (rc == SV_OK) {
		rc = keep_json(&a->after, sv_admin_server_json(s), err);
	}
	sv_provider_destroy(pv);
	return rc;
}

const struct sv_admin_action sv_admin_server_set = {
	.what = "server set", .change = server_set_change,
};

static int server_rm_change(struct sv_admin_req *rq, struct action *a,
		struct sv_err *err) {
	struct sv_provider *pv = NULL;
	struct sv_server *s = NULL;
	int rc = form_server_of(rq, a, &pv, &s, err);
	if (rc == SV_OK) {
		rc = sv_store_server_rm(rq->st, s->id, NULL, err);
	}
	sv_provider_destroy(pv);
	return rc;
}

const struct sv_admin_action sv_admin_server_rm = {
	.what = "server rm", .change = server_rm_change,
};
