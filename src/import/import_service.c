/* SPDX-License-Identifier: MIT */
/*
 * The Mozilla importer's root-level service sections of
 * draft-ietf-mailmaint-autoconfig-06 onto sv_service: <calendar
 * type="caldav">, <addressbook type="carddav"> and <fileShare
 * type="webdav">, each with <url>, <username> and <authentication>
 * (system="http" Basic or Digest, or OAuth2). Services get priorities 10,
 * 20... in document order, the provider's preference.
 *
 * URL-based mail accounts, <incomingServer type="activeSync|ews|owa|jmap|
 * graph"> inside <emailProvider> with a <url>, are services too
 * (imp_map_account): the same URL, username and HTTP methods. There
 * Thunderbird's spellings are read as well: password-cleartext (and its
 * alias plain) is HTTP Basic, which is what Thunderbird sends for it,
 * and the generic method the answers write after system="http" Basic
 * for Thunderbird (render_mozilla.c) is that same method again, not a
 * second one.
 *
 * Stalwart (legacy_autoconfig.rs) writes an earlier draft's spellings:
 * <addressBook>, <serverURL> and <authentication>http-basic</...>. With
 * the repair option each is read as the draft's and reported; without it
 * each is an error saying so, rather than a section silently ignored.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "import/import_internal.h"
#include "util/alloc.h"

/* The draft's element of each service type. */
static const struct {
	const char *element;
	enum sv_service_type type;
} sections[] = {
	{ "calendar", SV_SERVICE_CALDAV },
	{ "addressbook", SV_SERVICE_CARDDAV },
	{ "fileShare", SV_SERVICE_WEBDAV },
};

bool imp_is_service_elem(const xmlNode *n) {
	for (size_t i = 0; i < sizeof(sections) / sizeof(*sections); i++) {
		if (imp_is_elem(n, sections[i].element)) {
			return true;
		}
	}
	return imp_is_elem(n, "addressBook");
}

/* An earlier draft's spelling (Stalwart's): repaired or refused. */
static int old_spelling(const struct imp *im, const xmlNode *n,
		const char *what, const char *from, const char *to) {
	if (!im->opt->repair) {
		return imp_fail(im, imp_line_of(n), SV_EINVAL, "%s '%s' is an "
			"earlier draft's spelling (Stalwart's) of '%s': "
			"import with --repair to read it so", what, from, to);
	}
	imp_repaired(im, imp_line_of(n), "%s in an earlier draft's spelling: "
		"'%s' -> '%s'", what, from, to);
	return SV_OK;
}

static int add_auth(const struct imp *im, const xmlNode *n,
		struct sv_service *s, bool account) {
	char *v = NULL, *system = NULL;
	char q[IMP_QUOTE_MAX + 4];
	int rc = imp_text_of(im, n, &v);
	if (rc == SV_OK) {
		rc = imp_attr_of(im, n, "system", false, &system);
	}
	enum sv_service_auth a = SV_SAUTH_COUNT;
	if (rc != SV_OK) {
		/* reported */
	} else if (system != NULL && strcmp(system, "http") != 0) {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL, "authentication: "
			"system '%s' is not supported here (http)",
			imp_quote(system, q));
	} else if (system != NULL) {
		a = strcmp(v, "Basic") == 0 ? SV_SAUTH_HTTP_BASIC :
			strcmp(v, "Digest") == 0 ? SV_SAUTH_HTTP_DIGEST :
			SV_SAUTH_COUNT;
		if (a == SV_SAUTH_COUNT) {
			rc = imp_fail(im, imp_line_of(n), SV_EINVAL,
				"authentication system=\"http\": '%s' is not "
				"Basic or Digest", imp_quote(v, q));
		}
	} else if (strcmp(v, "OAuth2") == 0) {
		a = SV_SAUTH_OAUTH2;
	} else if (account && (strcmp(v, "password-cleartext") == 0 ||
			strcmp(v, "plain") == 0)) {
		a = SV_SAUTH_HTTP_BASIC;
	} else if (strcmp(v, "http-basic") == 0 ||
			strcmp(v, "http-digest") == 0) {
		a = v[5] == 'b' ? SV_SAUTH_HTTP_BASIC : SV_SAUTH_HTTP_DIGEST;
		rc = old_spelling(im, n, "authentication", v, a ==
			SV_SAUTH_HTTP_BASIC ? "system=\"http\" Basic" :
			"system=\"http\" Digest");
	} else {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL, "authentication: "
			"unknown method '%s' (system=\"http\" Basic or Digest, "
			"or OAuth2)", imp_quote(v, q));
	}
	for (size_t i = 0; rc == SV_OK && account &&
			a == SV_SAUTH_HTTP_BASIC && i < s->n_auth; i++) {
		if (s->auth[i] == a) { /* Basic and its generic spelling */
			sv_free(v);
			sv_free(system);
			return SV_OK;
		}
	}
	if (rc == SV_OK && s->n_auth == SV_MODEL_MAX_AUTH) {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL,
			"authentication: more than %d methods",
			SV_MODEL_MAX_AUTH);
	}
	if (rc == SV_OK) {
		s->auth[s->n_auth++] = a;
	}
	sv_free(v);
	sv_free(system);
	return rc;
}

/* One child of a service section (or account: an incomingServer). */
static int map_child(const struct imp *im, const xmlNode *c,
		struct sv_service *s, bool account) {
	int rc;
	if (imp_is_elem(c, "url")) {
		return imp_scalar(im, c, &s->url);
	}
	if (imp_is_elem(c, "serverURL")) {
		if ((rc = old_spelling(im, c, "element", "serverURL", "url")) !=
				SV_OK) {
			return rc;
		}
		return imp_scalar(im, c, &s->url);
	}
	if (imp_is_elem(c, "username")) {
		if ((rc = imp_scalar(im, c, &s->username)) != SV_OK) {
			return rc;
		}
		return imp_check_template(im, c, &s->username, false);
	}
	if (imp_is_elem(c, "authentication")) {
		return add_auth(im, c, s, account);
	}
	return SV_OK; /* password, unknown: ignored */
}

/*
 * The children of section n read into *s (its type and priority set),
 * checked for what it needs and moved into im->pv, or freed.
 */
static int add_service(struct imp *im, const xmlNode *n,
		const char *element, struct sv_service *s, bool account) {
	int rc = SV_OK;
	for (const xmlNode *c = n->children; c != NULL && rc == SV_OK;
			c = c->next) {
		rc = map_child(im, c, s, account);
	}
	if (rc == SV_OK && (s->url == NULL || s->n_auth == 0)) {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL, "%s (%s) has no "
			"<%s>", element, sv_service_type_name(s->type),
			s->url == NULL ? "url" : "authentication");
	}
	if (rc == SV_OK && im->opt->allow_insecure && s->url != NULL &&
			strncasecmp(s->url, "http:", 5) == 0) {
		s->insecure = true; /* else the validator refuses it, with why */
	}
	if (rc == SV_OK && sv_provider_add_service(im->pv, s, NULL) !=
			SV_OK) {
		rc = imp_oom(im);
	}
	sv_service_finish(s); /* zeroed when moved into pv */
	return rc;
}

int imp_map_service(struct imp *im, const xmlNode *n) {
	struct sv_service s = { .type = SV_SERVICE_TYPE_COUNT };
	char q[IMP_QUOTE_MAX + 4];
	const char *element = imp_elem_name(n);
	int rc = SV_OK;
	if (imp_is_elem(n, "addressBook")) {
		element = "addressbook";
		rc = old_spelling(im, n, "element", "addressBook",
			"addressbook");
	}
	char *type = NULL;
	if (rc == SV_OK) {
		rc = imp_attr_of(im, n, "type", true, &type);
	}
	for (size_t i = 0; rc == SV_OK &&
			i < sizeof(sections) / sizeof(*sections); i++) {
		if (strcmp(element, sections[i].element) == 0 &&
				strcmp(type, sv_service_type_name(
					sections[i].type)) == 0) {
			s.type = sections[i].type;
		}
	}
	if (rc == SV_OK && s.type == SV_SERVICE_TYPE_COUNT) {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL, "%s type '%s' is "
			"not supported (calendar caldav, addressbook carddav, "
			"fileShare webdav)", element, imp_quote(type, q));
	} else if (rc == SV_OK) {
		rc = imp_room(im, n, im->pv->n_services, SV_MODEL_MAX_SERVICES,
			"services");
	}
	sv_free(type);
	if (rc != SV_OK) {
		return rc;
	}
	s.priority = 10 * (int)(im->pv->n_services + 1);
	return add_service(im, n, element, &s, false);
}


/* The account type of an incomingServer, when it is one. */
static bool account_type(const xmlNode *n, enum sv_service_type *out) {
	if (!imp_is_elem(n, "incomingServer")) {
		return false;
	}
	xmlChar *type = xmlGetProp(n, BAD_CAST "type");
	bool is = type != NULL &&
		sv_service_type_parse_xml((const char *)type, out) == SV_OK;
	xmlFree(type);
	return is;
}

bool imp_is_account_elem(const xmlNode *n) {
	enum sv_service_type t;
	return account_type(n, &t);
}

int imp_map_account(struct imp *im, const xmlNode *n) {
	struct sv_service s = { .type = SV_SERVICE_TYPE_COUNT };
	if (!account_type(n, &s.type)) {
		return imp_oom(im); /* read once already: only memory fails */
	}
	int rc = imp_room(im, n, im->pv->n_services, SV_MODEL_MAX_SERVICES,
		"services");
	if (rc != SV_OK) {
		return rc;
	}
	/* between the servers before it (10, 20...) and the next one: the
	 * file's order among mail servers and accounts, which is the
	 * provider's preference (render_mobileconfig.c compares them) */
	s.priority = 10 * (int)(im->pv->n_servers + 1) - 5;
	return add_service(im, n, "incomingServer", &s, true);
}
