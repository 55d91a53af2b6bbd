/* SPDX-License-Identifier: MIT */
/*
 * The Mozilla importer's sections besides servers: the links
 * (<documentation>, <enable>, <instruction>), <webMail> and <oAuth2>.
 * Each single-valued section or child seen twice is an error, since
 * keeping either copy would drop the other silently.
 */
#include <stdbool.h>

#include <libxml/tree.h>

#include "import/import_internal.h"
#include "util/alloc.h"

/*
 * <documentation url> / <enable visiturl> / <instruction url>, whose texts
 * are the children called text_name with an optional lang attribute.
 */
int imp_map_link(struct imp *im, const xmlNode *n, enum sv_link_kind kind,
		const char *url_attr, const char *text_name) {
	char *url = NULL;
	int rc = imp_attr_of(im, n, url_attr, true, &url);
	if (rc != SV_OK) {
		return rc;
	}
	struct sv_link *l;
	rc = sv_provider_add_link(im->pv, kind, url, &l);
	sv_free(url);
	if (rc != SV_OK) {
		return imp_oom(im);
	}
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (!imp_is_elem(c, text_name)) {
			continue;
		}
		char *lang = NULL, *text = NULL;
		if ((rc = imp_attr_of(im, c, "lang", false, &lang)) != SV_OK) {
			return rc;
		}
		if ((rc = imp_text_of(im, c, &text)) == SV_OK &&
				sv_link_add_text(l, lang, text) != SV_OK) {
			rc = imp_oom(im);
		}
		sv_free(lang);
		sv_free(text);
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

/* <usernameField id name/> and its siblings. */
static int map_field(const struct imp *im, const xmlNode *n, char **id,
		char **name) {
	if (*id != NULL || *name != NULL) {
		return imp_duplicate(im, n);
	}
	int rc = imp_attr_of(im, n, "id", false, id);
	if (rc == SV_OK) {
		rc = imp_attr_of(im, n, "name", false, name);
	}
	if (rc == SV_OK && *id == NULL && *name == NULL) {
		/* a bare <loginButton/>: kept as an empty id (header) */
		*id = sv_strdup("");
		if (*id == NULL) {
			rc = imp_oom(im);
		}
	}
	return rc;
}

static int map_login_page_info(const struct imp *im, const xmlNode *n,
		struct sv_webmail *w) {
	if (w->info_url != NULL) {
		return imp_duplicate(im, n);
	}
	int rc = imp_attr_of(im, n, "url", true, &w->info_url);
	if (rc == SV_OK) {
		rc = imp_attr_of(im, n, "waitForRedirectionURLPrefix", false,
			&w->wait_redirect_prefix);
	}
	for (const xmlNode *c = n->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (imp_is_elem(c, "username")) {
			rc = imp_scalar_template(im, c, &w->username, false);
		} else if (imp_is_elem(c, "usernameField")) {
			rc = map_field(im, c, &w->username_field_id,
				&w->username_field_name);
		} else if (imp_is_elem(c, "passwordField")) {
			rc = map_field(im, c, &w->password_field_id,
				&w->password_field_name);
		} else if (imp_is_elem(c, "loginButton")) {
			rc = map_field(im, c, &w->login_button_id,
				&w->login_button_name);
		}
	}
	return rc;
}

int imp_map_webmail(struct imp *im, const xmlNode *n, bool *seen) {
	struct sv_webmail *w = &im->pv->webmail;
	int rc = imp_once(im, n, seen);
	for (const xmlNode *c = n->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (imp_is_elem(c, "loginPage")) {
			if (w->login_page != NULL) {
				return imp_duplicate(im, c);
			}
			rc = imp_attr_of(im, c, "url", true, &w->login_page);
		} else if (imp_is_elem(c, "loginPageInfo")) {
			rc = map_login_page_info(im, c, w);
		}
	}
	if (rc == SV_OK && w->login_page == NULL) {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL,
			"<webMail> has no <loginPage>");
	}
	return rc;
}

int imp_map_oauth2(struct imp *im, const xmlNode *n, bool *seen) {
	struct sv_oauth2 *o = &im->pv->oauth2;
	const struct imp_scalar_field fields[] = {
		{ "issuer", &o->issuer }, { "scope", &o->scope },
		{ "authURL", &o->auth_url }, { "tokenURL", &o->token_url },
	};
	int rc = imp_once(im, n, seen);
	for (const xmlNode *c = n->children; c != NULL && rc == SV_OK;
			c = c->next) {
		rc = imp_scalar_field(im, c, fields,
			sizeof(fields) / sizeof(*fields));
	}
	if (rc != SV_OK) {
		return rc;
	}
	const char *missing = o->issuer == NULL ? "issuer" :
		o->scope == NULL ? "scope" :
		o->auth_url == NULL ? "authURL" :
		o->token_url == NULL ? "tokenURL" : NULL;
	if (missing != NULL) {
		return imp_fail(im, imp_line_of(n), SV_EINVAL,
			"<oAuth2> has no <%s>", missing);
	}
	return SV_OK;
}
