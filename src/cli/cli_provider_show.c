/* SPDX-License-Identifier: MIT */
/*
 * suivant provider show: one provider as an admin reads it (aligned
 * "field  value" lines, then its servers as `server list` shows them and
 * its services as `service list` does) or
 * as a script reads it (--json: every field, null when absent). Split
 * from cli_provider.c, which parses the command and loads the provider.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli_provider_show.h"
#include "cli/cli_output.h"
#include "cli/cli_server_show.h"
#include "cli/cli_service_show.h"

static const char cmd[] = "provider show";

static json_t *texts_json(const struct sv_link *l) {
	json_t *arr = json_array();
	for (size_t i = 0; arr != NULL && i < l->n_texts; i++) {
		arr = sv_cli_json_push(arr, json_pack("{s:s?, s:s}", "lang",
			l->texts[i].lang, "text", l->texts[i].text));
	}
	return arr;
}

/* Builds the whole object; NULL after any allocation failure. */
static json_t *provider_json(const struct sv_provider *pv, bool ok,
		const char *problem) {
	json_t *domains = json_array();
	json_t *servers = json_array();
	json_t *links = json_array();
	json_t *services = json_array();
	bool failed = domains == NULL || servers == NULL || links == NULL ||
		services == NULL;
	for (size_t i = 0; !failed && i < pv->n_domains; i++) {
		failed = json_array_append_new(domains,
			json_string(pv->domains[i])) != 0;
	}
	for (size_t i = 0; !failed && i < pv->n_servers; i++) {
		failed = json_array_append_new(servers,
			sv_cli_server_json(pv->id, &pv->servers[i])) != 0;
	}
	for (size_t i = 0; !failed && i < pv->n_services; i++) {
		failed = json_array_append_new(services,
			sv_cli_service_json(pv->id, &pv->services[i])) != 0;
	}
	for (size_t i = 0; !failed && i < pv->n_links; i++) {
		const struct sv_link *l = &pv->links[i];
		failed = json_array_append_new(links, json_pack(
			"{s:s, s:s, s:o}", "kind", sv_link_kind_name(l->kind),
			"url", l->url, "texts", texts_json(l))) != 0;
	}
	const struct sv_webmail *w = &pv->webmail;
	const struct sv_oauth2 *o = &pv->oauth2;
	json_t *webmail = w->login_page == NULL ? json_null() : json_pack(
		"{s:s, s:s?, s:s*, s:s?}", "login_page", w->login_page,
		"info_url", w->info_url, "wait_redirect_prefix",
		w->wait_redirect_prefix, "username", w->username);
	json_t *oauth2 = o->issuer == NULL ? json_null() : json_pack(
		"{s:s, s:s?, s:s?, s:s?}", "issuer", o->issuer, "scope",
		o->scope, "auth_url", o->auth_url, "token_url", o->token_url);
	if (failed) {
		json_decref(domains);
		json_decref(servers);
		json_decref(links);
		json_decref(services);
		json_decref(webmail);
		json_decref(oauth2);
		return NULL;
	}
	/* "o" takes over each reference, even when packing fails */
	return json_pack("{s:s, s:s?, s:s?, s:b, s:s?, s:b, s:o, s:o, s:o, s:o,"
		" s:o, s:o}", "id", pv->id, "name", pv->display_name,
		"short_name", pv->short_name, "served", ok,
		"problem", ok ? NULL : problem,
		"publish_plaintext", pv->publish_plaintext, "domains", domains,
		"servers", servers, "services", services, "links", links,
		"webmail", webmail, "oauth2", oauth2);
}

static void field(struct sv_cli_table *t, const char *name,
		const char *value) {
	if (value != NULL) {
		sv_cli_table_add(t, (const char *const[]){ name, value });
	}
}

static int print_text(const struct sv_provider *pv, bool ok,
		const char *problem) {
	struct sv_cli_table t;
	sv_cli_table_init(&t, 2);
	char line[SV_ERR_MSG_MAX + 16];
	field(&t, "id", pv->id);
	field(&t, "name", pv->display_name);
	field(&t, "short name", pv->short_name);
	snprintf(line, sizeof(line), "%s%s", ok ? "served" : "not served: ",
		ok ? "" : problem);
	field(&t, "status", line);
	field(&t, "plain servers", pv->publish_plaintext ?
		"published, even beside TLS ones (--publish-plaintext)" :
		"listed only where no TLS server of the type exists");
	for (size_t i = 0; i < pv->n_domains; i++) {
		field(&t, i == 0 ? "domains" : "", pv->domains[i]);
	}
	if (pv->n_domains == 0) {
		field(&t, "domains", "(none)");
	}
	for (size_t i = 0; i < pv->n_links; i++) {
		const struct sv_link *l = &pv->links[i];
		field(&t, sv_link_kind_name(l->kind), l->url);
		for (size_t k = 0; k < l->n_texts; k++) {
			snprintf(line, sizeof(line), "  %s: %s",
				l->texts[k].lang != NULL ? l->texts[k].lang :
				"(any)", l->texts[k].text);
			field(&t, "", line);
		}
	}
	field(&t, "webmail", pv->webmail.login_page);
	if (pv->webmail.login_page != NULL) {
		field(&t, "  username", pv->webmail.username);
	}
	field(&t, "oauth2 issuer", pv->oauth2.issuer);
	field(&t, "  scope", pv->oauth2.scope);
	field(&t, "  auth URL", pv->oauth2.auth_url);
	field(&t, "  token URL", pv->oauth2.token_url);
	int rc = sv_cli_table_print(&t, stdout);
	sv_cli_table_finish(&t);
	if (rc == SV_OK && pv->n_servers > 0 && puts("") != EOF) {
		sv_cli_table_init(&t, 9);
		sv_cli_table_add(&t, (const char *const[]){ "SERVER", "TYPE",
			"HOST", "PORT", "SOCKET", "AUTH", "USERNAME",
			"PRIORITY", "DOMAIN" });
		for (size_t i = 0; i < pv->n_servers; i++) {
			sv_cli_table_add_server(&t, NULL, &pv->servers[i]);
		}
		rc = sv_cli_table_print(&t, stdout);
		sv_cli_table_finish(&t);
	}
	if (rc == SV_OK && pv->n_services > 0 && puts("") != EOF) {
		sv_cli_table_init(&t, 7);
		sv_cli_table_add(&t, (const char *const[]){ "SERVICE", "TYPE",
			"URL", "AUTH", "USERNAME", "PRIORITY", "DOMAIN" });
		for (size_t i = 0; i < pv->n_services; i++) {
			sv_cli_table_add_service(&t, NULL, &pv->services[i]);
		}
		rc = sv_cli_table_print(&t, stdout);
		sv_cli_table_finish(&t);
	}
	if (rc != SV_OK) {
		sv_cli_error(cmd, "cannot print: %s", sv_rc_str(rc));
		return sv_cli_exit_code(rc);
	}
	return EX_OK;
}

int sv_cli_provider_show_print(const struct sv_provider *pv, bool json) {
	struct sv_err why = { "" };
	bool ok = sv_provider_validate(pv, &why) == SV_OK &&
		sv_provider_check_servable(pv, &why) == SV_OK;
	if (json) {
		return sv_cli_print_json(cmd, provider_json(pv, ok, why.msg));
	}
	return print_text(pv, ok, why.msg);
}
