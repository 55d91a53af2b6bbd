/* SPDX-License-Identifier: MIT */
/*
 * The web admin's page of one provider: its status, names, domains and
 * servers, each with the form that edits it (admin_actions.c runs those
 * forms), and the form that removes it. The page is a list of sections
 * (provider_sections): a new part of the model (services, for instance)
 * is one more section function with its form, and one more action in
 * admin_actions.c. Every form carries the provider's version, so that a
 * change made meanwhile elsewhere is refused (409), not overwritten.
 */
#include <stdio.h>
#include <string.h>

#include "webadmin/admin_internal.h"

struct provider_page {
	struct sv_html *h;
	const struct sv_admin_req *rq;
	const struct sv_provider *pv;
	char version[SV_ADMIN_VERSION_LEN + 1];
};

/* A form to action with the provider's id and version. */
static void provider_form(const struct provider_page *p, const char *action) {
	sv_admin_form(p->h, p->rq, action, false);
	sv_admin_hidden(p->h, "id", p->pv->id);
	sv_admin_hidden(p->h, "version", p->version);
}

static void section_status(const struct provider_page *p) {
	struct sv_html *h = p->h;
	sv_html_open(h, "p", NULL);
	sv_admin_status_cell(h, p->pv);
	sv_html_text(h, " · ");
	char href[SV_DOMAIN_MAX + 16];
	snprintf(href, sizeof(href), "/export?id=%s", p->pv->id);
	sv_html_elem(h, "a", "Export the provider file", "href", href, NULL);
	sv_html_close(h);
}

static void section_names(const struct provider_page *p) {
	struct sv_html *h = p->h;
	const struct sv_provider *pv = p->pv;
	sv_admin_section(h, "Names and extras");
	provider_form(p, "/provider/set");
	sv_html_open(h, "div", "class", "row", NULL);
	sv_admin_input(h, "Display name", "display_name", pv->display_name,
		"text");
	sv_admin_input(h, "Short name", "short_name", pv->short_name, "text");
	sv_admin_input(h, "Webmail login page", "webmail", pv->webmail.login_page,
		"url");
	sv_html_close(h);
	sv_html_open(h, "div", "class", "row", NULL);
	sv_admin_input(h, "OAuth2 issuer", "oauth2_issuer", pv->oauth2.issuer,
		"text");
	sv_admin_input(h, "OAuth2 scope", "oauth2_scope", pv->oauth2.scope,
		"text");
	sv_admin_input(h, "OAuth2 authorization URL", "oauth2_auth_url",
		pv->oauth2.auth_url, "url");
	sv_admin_input(h, "OAuth2 token URL", "oauth2_token_url",
		pv->oauth2.token_url, "url");
	sv_html_close(h);
	sv_admin_form_end(h, "Save names and extras", NULL);
	if (pv->n_links > 0) {
		sv_html_elem(h, "h2", "Links", NULL);
		sv_html_open(h, "ul", NULL);
		for (size_t i = 0; i < pv->n_links; i++) {
			sv_html_open(h, "li", NULL);
			sv_html_textf(h, "%s: ",
				sv_link_kind_name(pv->links[i].kind));
			sv_html_elem(h, "span", pv->links[i].url, NULL);
			sv_html_close(h);
		}
		sv_html_close(h);
		sv_html_elem(h, "p", "Links are edited through the provider "
			"file (export, edit, import).", NULL);
	}
	sv_html_close(h);
}

static void section_domains(const struct provider_page *p) {
	struct sv_html *h = p->h;
	const struct sv_provider *pv = p->pv;
	sv_admin_section(h, "Domains");
	sv_html_open(h, "ul", "class", "plain", NULL);
	for (size_t i = 0; i < pv->n_domains; i++) {
		sv_html_open(h, "li", NULL);
		sv_html_elem(h, "span", pv->domains[i], NULL);
		provider_form(p, "/domain/rm");
		sv_admin_hidden(h, "domain", pv->domains[i]);
		sv_admin_form_end(h, "Remove", "quiet");
		sv_html_close(h);
	}
	sv_html_close(h);
	provider_form(p, "/domain/add");
	sv_html_open(h, "div", "class", "row", NULL);
	sv_admin_input(h, "New domain (example.fr, *.example.fr or *)",
		"domain", "", "text");
	sv_admin_row_form_end(h, "Add domain");
	sv_html_close(h);
}

static void select_field(struct sv_html *h, const char *label,
		const char *name, const char *const *values, size_t n,
		const char *current) {
	sv_html_open(h, "label", NULL);
	sv_html_text(h, label);
	sv_html_open(h, "select", "name", name, NULL);
	for (size_t i = 0; i < n; i++) {
		sv_html_elem(h, "option", values[i], "value", values[i],
			"selected",
			current != NULL && strcmp(current, values[i]) == 0 ?
			"selected" : NULL, NULL);
	}
	sv_html_close(h);
	sv_html_close(h);
}

/* The fields of a server form, filled from s (NULL: a new server). */
static void server_fields(const struct provider_page *p,
		const struct sv_server *s) {
	struct sv_html *h = p->h;
	static const char *const types[] = { "imap", "pop3", "smtp",
		"exchange", "ews", "owa", "graph" };
	static const char *const sockets[] = { "SSL", "STARTTLS", "plain" };
	char port[16] = "", prio[16] = "0", auth[256] = "";
	size_t used = 0;
	if (s != NULL) {
		if (s->port != 0) {
			snprintf(port, sizeof(port), "%d", s->port);
		}
		snprintf(prio, sizeof(prio), "%d", s->priority);
		for (size_t i = 0; i < s->n_auth && used < sizeof(auth); i++) {
			int k = snprintf(auth + used, sizeof(auth) - used,
				"%s%s", i > 0 ? ", " : "",
				sv_auth_name(s->auth[i]));
			used += k > 0 ? (size_t)k : 0;
		}
	} else {
		snprintf(auth, sizeof(auth), "password-cleartext");
	}
	sv_html_open(h, "div", "class", "row", NULL);
	select_field(h, "Type", "type", types, sizeof(types) / sizeof(*types),
		s != NULL ? sv_server_type_name(s->type) : "imap");
	sv_admin_input(h, "Host", "host", s != NULL ? s->hostname : "",
		"text");
	sv_admin_input(h, "Port", "port", port, "text");
	select_field(h, "Security", "socket", sockets,
		sizeof(sockets) / sizeof(*sockets), s != NULL &&
		s->socket != SV_SOCKET_NONE ? sv_socket_name(s->socket) : "SSL");
	sv_html_close(h);
	sv_html_open(h, "div", "class", "row", NULL);
	sv_admin_input(h, "Username", "username", s != NULL ? s->username :
		"%EMAILADDRESS%", "text");
	sv_admin_input(h, "Authentication (comma-separated)", "auth", auth,
		"text");
	sv_admin_input(h, "Priority", "priority", prio, "text");
	sv_admin_input(h, "Only for domain (empty: all)", "domain",
		s != NULL ? s->domain : "", "text");
	sv_html_close(h);
	if (s == NULL || sv_server_type_is_url_based(s->type)) {
		sv_html_open(h, "div", "class", "row", NULL);
		sv_admin_input(h, "URL (ews, owa, graph)", "url", s != NULL ?
			s->url : "", "url");
		sv_html_close(h);
	}
}

static void section_servers(const struct provider_page *p) {
	struct sv_html *h = p->h;
	const struct sv_provider *pv = p->pv;
	sv_admin_section(h, "Servers");
	for (size_t i = 0; i < pv->n_servers; i++) {
		const struct sv_server *s = &pv->servers[i];
		char id[24], legend[64];
		snprintf(id, sizeof(id), "%lld", (long long)s->id);
		snprintf(legend, sizeof(legend), "Server %s (%s)", id,
			sv_server_type_name(s->type));
		sv_html_open(h, "fieldset", NULL);
		sv_html_elem(h, "legend", legend, NULL);
		provider_form(p, "/server/set");
		sv_admin_hidden(h, "server", id);
		server_fields(p, s);
		sv_admin_form_end(h, "Save server", NULL);
		provider_form(p, "/server/rm");
		sv_admin_hidden(h, "server", id);
		sv_admin_form_end(h, "Remove server", "quiet");
		sv_html_close(h);
	}
	sv_html_open(h, "fieldset", NULL);
	sv_html_elem(h, "legend", "New server", NULL);
	provider_form(p, "/server/add");
	server_fields(p, NULL);
	sv_admin_form_end(h, "Add server", NULL);
	sv_html_close(h);
	sv_html_close(h);
}

static void section_remove(const struct provider_page *p) {
	struct sv_html *h = p->h;
	sv_admin_section(h, "Remove this provider");
	provider_form(p, "/provider/rm");
	sv_html_open(h, "label", NULL);
	sv_html_text(h, "Type the provider id to confirm");
	sv_html_open(h, "input", "type", "text", "name", "confirm", "value",
		"", NULL);
	sv_html_close(h);
	sv_html_close(h);
	sv_admin_form_end(h, "Remove provider, its domains and servers",
		"danger");
	sv_html_close(h);
}

/* The parts of the provider page, in order. */
static void (*const provider_sections[])(const struct provider_page *) = {
	section_status, section_names, section_domains, section_servers,
	section_remove,
};

void sv_admin_view_provider(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp, const char *id, unsigned status,
		const char *notice) {
	(void)app;
	struct sv_err err = { "" };
	struct sv_provider *pv = NULL;
	struct provider_page p = { .rq = rq };
	int rc = id != NULL ? sv_store_load_provider(rq->st, id, &pv, &err) :
		sv_errf(&err, SV_ENOTFOUND, "no provider given");
	if (rc == SV_OK && sv_admin_provider_version(pv, p.version) !=
			SV_OK) {
		rc = sv_errf(&err, SV_ENOMEM, "out of memory");
	}
	if (rc == SV_ENOTFOUND) {
		sv_admin_send_error(rq, resp, 404, "No such provider",
			notice != NULL ? notice : err.msg);
		sv_provider_destroy(pv);
		return;
	}
	if (rc != SV_OK) {
		sv_admin_db_error(rq, resp, rc, &err);
		sv_provider_destroy(pv);
		return;
	}
	char title[SV_DOMAIN_MAX + 16];
	snprintf(title, sizeof(title), "Provider %s", pv->id);
	p.h = sv_admin_page(rq, title);
	p.pv = pv;
	if (p.h != NULL) {
		if (notice != NULL) {
			sv_admin_notice(p.h, status >= 400 ? "error" : "ok",
				notice);
		}
		for (size_t i = 0; i < sizeof(provider_sections) /
				sizeof(*provider_sections); i++) {
			provider_sections[i](&p);
		}
	}
	sv_admin_send_page(resp, p.h, status);
	sv_provider_destroy(pv);
}
