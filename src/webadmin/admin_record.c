/* SPDX-License-Identifier: MIT */
/*
 * What the web admin records of a provider: its JSON, every field of the
 * model (include/model/model.h), for the audit trail; and its
 * fingerprint, the "version" every form carries: the SHA-256 of that
 * JSON. Computed from the provider as loaded, so any change to its rows
 * changes it, whoever made it (the web admin, the command line, an
 * import), and nothing is stored for it: imports pay nothing. A write
 * compares the fingerprint of the provider it is about to change with
 * the form's, in its transaction. A field added to the model must be
 * added here, or a change to it alone would not be seen.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "util/alloc.h"
#include "webadmin/admin_internal.h"

/* json's text (compact, keys in insertion order), owned; takes json's
 * reference. NULL when json is NULL or memory is short. */
char *sv_admin_json_text(json_t *json) {
	if (json == NULL) {
		return NULL;
	}
	char *text = json_dumps(json, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(json);
	return text; /* jansson allocates with sv_malloc (main.c) */
}

/* Appends each of n strings (NULL: none) to a new array. */
static json_t *string_array(const char *const *v, size_t n) {
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < n; i++) {
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

/* An absent count (-1) or tristate (SV_UNSET) is null. */
static json_t *count_json(int v) {
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *tristate_json(enum sv_tristate t) {
	return t == SV_UNSET ? json_null() : json_boolean(t == SV_TRUE);
}

json_t *sv_admin_server_json(const struct sv_server *s) {
	const char *auth[SV_MODEL_MAX_AUTH];
	for (size_t i = 0; i < s->n_auth && i < SV_MODEL_MAX_AUTH; i++) {
		auth[i] = sv_auth_name(s->auth[i]);
	}
	json_t *pop3 = !s->has_pop3 ? json_null() : json_pack("{s:o, s:o, "
		"s:o, s:o}", "leave_on_server",
		tristate_json(s->pop3.leave_on_server), "days_to_leave",
		count_json(s->pop3.days_to_leave), "download_on_biff",
		tristate_json(s->pop3.download_on_biff), "check_interval_min",
		count_json(s->pop3.check_interval_min));
	return json_pack("{s:I, s:s, s:s?, s:i, s:s?, s:s?, s:o, s:i, s:s?, "
		"s:s?, s:s?, s:s?, s:o, s:o, s:o, s:s?}", "id", (json_int_t)s->id,
		"type", sv_server_type_name(s->type), "host", s->hostname,
		"port", s->port, "socket", s->socket != SV_SOCKET_NONE ?
		sv_socket_name(s->socket) : NULL, "username", s->username,
		"auth", string_array(auth, s->n_auth), "priority", s->priority,
		"domain", s->domain, "url", s->url, "owa_url", s->owa_url,
		"ews_url", s->ews_url, "pop3", pop3,
		"use_global_preferred_server",
		tristate_json(s->use_global_preferred_server),
		"add_this_server", tristate_json(s->add_this_server),
		"restriction", s->restriction);
}

static json_t *link_json(const struct sv_link *l) {
	json_t *texts = json_array();
	for (size_t i = 0; texts != NULL && i < l->n_texts; i++) {
		if (json_array_append_new(texts, json_pack("{s:s?, s:s}",
				"lang", l->texts[i].lang, "text",
				l->texts[i].text)) != 0) {
			json_decref(texts);
			texts = NULL;
		}
	}
	return json_pack("{s:s, s:s, s:o}", "kind",
		sv_link_kind_name(l->kind), "url", l->url, "texts", texts);
}

static json_t *servers_json(const struct sv_provider *pv) {
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < pv->n_servers; i++) {
		if (json_array_append_new(a,
				sv_admin_server_json(&pv->servers[i])) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

static json_t *links_json(const struct sv_provider *pv) {
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < pv->n_links; i++) {
		if (json_array_append_new(a, link_json(&pv->links[i])) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

char *sv_admin_provider_json(const struct sv_provider *pv) {
	const struct sv_webmail *w = &pv->webmail;
	const struct sv_oauth2 *o = &pv->oauth2;
	json_t *json = json_pack("{s:s, s:s?, s:s?, s:b, s:o, s:o, s:o, "
		"s:{s:s?, s:s?, s:s*, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, "
		"s:s?}, "
		"s:{s:s?, s:s?, s:s?, s:s?}}",
		"id", pv->id, "display_name", pv->display_name,
		"short_name", pv->short_name,
		"publish_plaintext", pv->publish_plaintext,
		"domains", string_array((const char *const *)pv->domains,
			pv->n_domains),
		"servers", servers_json(pv), "links", links_json(pv),
		"webmail", "login_page", w->login_page, "info_url", w->info_url,
		"wait_redirect_prefix", w->wait_redirect_prefix,
		"username", w->username, "username_field_id",
		w->username_field_id, "username_field_name",
		w->username_field_name, "password_field_id",
		w->password_field_id, "password_field_name",
		w->password_field_name, "login_button_id", w->login_button_id,
		"login_button_name", w->login_button_name,
		"oauth2", "issuer", o->issuer, "scope", o->scope, "auth_url",
		o->auth_url, "token_url", o->token_url);
	return sv_admin_json_text(json);
}

int sv_admin_provider_version(const struct sv_provider *pv,
		char out[SV_ADMIN_VERSION_LEN + 1]) {
	char *json = sv_admin_provider_json(pv);
	char digest[SV_SESSION_HEX + 1];
	int rc = json != NULL ? sv_admin_sha256_hex(json, digest) : SV_ENOMEM;
	sv_free(json);
	if (rc == SV_OK) {
		memcpy(out, digest, SV_ADMIN_VERSION_LEN);
		out[SV_ADMIN_VERSION_LEN] = '\0';
	}
	return rc;
}
