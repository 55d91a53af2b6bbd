/* SPDX-License-Identifier: MIT */
/*
 * The Mozilla importer's <incomingServer> and <outgoingServer> sections
 * (with the <pop3> options) onto sv_server. Servers get priorities 10,
 * 20... in document order, incoming and outgoing interleaved as written,
 * because that order is the provider's preference. A section missing what
 * its type needs is an error here, where its line is still known, rather
 * than a vaguer one from the model validator later.
 */
#include <limits.h>
#include <stdbool.h>

#include <libxml/tree.h>

#include "import/import_internal.h"
#include "util/alloc.h"

static int map_pop3(const struct imp *im, const xmlNode *pop3,
		struct sv_server *s) {
	if (s->has_pop3) {
		return imp_duplicate(im, pop3);
	}
	s->has_pop3 = true;
	int rc = SV_OK;
	for (const xmlNode *c = pop3->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (imp_is_elem(c, "leaveMessagesOnServer")) {
			rc = imp_parse_bool(im, c, &s->pop3.leave_on_server);
		} else if (imp_is_elem(c, "daysToLeaveMessagesOnServer")) {
			rc = imp_parse_number(im, c, NULL, 0, INT_MAX, -1,
				&s->pop3.days_to_leave);
		} else if (imp_is_elem(c, "downloadOnBiff")) {
			rc = imp_parse_bool(im, c, &s->pop3.download_on_biff);
		} else if (imp_is_elem(c, "checkInterval")) {
			rc = imp_parse_number(im, c, "minutes", 1, INT_MAX, -1,
				&s->pop3.check_interval_min);
		}
	}
	return rc;
}

static int add_auth(const struct imp *im, const xmlNode *n,
		struct sv_server *s) {
	char *v = NULL;
	int rc = imp_text_of(im, n, &v);
	if (rc != SV_OK) {
		return rc;
	}
	char q[IMP_QUOTE_MAX + 4];
	enum sv_auth a;
	if (sv_auth_parse(v, &a) != SV_OK) {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL,
			"authentication: unknown method '%s'", imp_quote(v, q));
	} else if (s->n_auth == SV_MODEL_MAX_AUTH) {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL,
			"authentication: more than %d methods",
			SV_MODEL_MAX_AUTH);
	} else {
		s->auth[s->n_auth++] = a;
	}
	sv_free(v);
	return rc;
}

/* One child of incomingServer/outgoingServer. */
static int map_server_child(const struct imp *im, const xmlNode *c,
		struct sv_server *s) {
	char q[IMP_QUOTE_MAX + 4];
	int rc;
	if (imp_is_elem(c, "hostname")) {
		return imp_scalar_template(im, c, &s->hostname, true);
	}
	if (imp_is_elem(c, "port")) {
		return imp_parse_number(im, c, NULL, 1, 65535, 0, &s->port);
	}
	if (imp_is_elem(c, "socketType")) {
		if (s->socket != SV_SOCKET_NONE) {
			return imp_duplicate(im, c);
		}
		char *v = NULL;
		if ((rc = imp_text_of(im, c, &v)) != SV_OK) {
			return rc;
		}
		if (sv_socket_parse(v, &s->socket) != SV_OK) {
			rc = imp_fail(im, imp_line_of(c), SV_EINVAL,
				"socketType: '%s' is not plain, SSL or "
				"STARTTLS", imp_quote(v, q));
		}
		sv_free(v);
		return rc;
	}
	if (imp_is_elem(c, "username")) {
		return imp_scalar_template(im, c, &s->username, false);
	}
	if (imp_is_elem(c, "authentication")) {
		return add_auth(im, c, s);
	}
	if (imp_is_elem(c, "pop3")) {
		return map_pop3(im, c, s);
	}
	if (imp_is_elem(c, "useGlobalPreferredServer")) {
		return imp_parse_bool(im, c, &s->use_global_preferred_server);
	}
	if (imp_is_elem(c, "addThisServer")) {
		return imp_parse_bool(im, c, &s->add_this_server);
	}
	const struct imp_scalar_field fields[] = {
		{ "url", &s->url }, { "owaURL", &s->owa_url },
		{ "ewsURL", &s->ews_url }, { "restriction", &s->restriction },
	};
	/* password, easURL, unknown: ignored */
	return imp_scalar_field(im, c, fields, sizeof(fields) / sizeof(*fields));
}

/* What a server section must contain once all its children are read. */
static int check_server(const struct imp *im, const xmlNode *n,
		const struct sv_server *s) {
	const char *what = imp_elem_name(n);
	const char *type = sv_server_type_name(s->type);
	long line = imp_line_of(n);
	const char *missing = NULL;
	if (sv_server_type_is_url_based(s->type)) {
		if (s->url == NULL) {
			missing = "url";
		}
	} else if (s->hostname == NULL) {
		missing = "hostname";
	} else if (s->port == 0) {
		missing = "port";
	} else if (s->socket == SV_SOCKET_NONE) {
		missing = "socketType";
	}
	if (missing == NULL && s->n_auth == 0) {
		missing = "authentication";
	}
	if (missing != NULL) {
		return imp_fail(im, line, SV_EINVAL, "%s (%s) has no <%s>",
			what, type, missing);
	}
	return SV_OK;
}

int imp_map_server(struct imp *im, const xmlNode *n, bool outgoing) {
	struct sv_server s = {
		.port = 0,
		.pop3 = { .days_to_leave = -1, .check_interval_min = -1 },
	};
	char q[IMP_QUOTE_MAX + 4];
	char *type = NULL;
	int rc = imp_attr_of(im, n, "type", true, &type);
	if (rc != SV_OK) {
		return rc;
	}
	if (sv_server_type_parse(type, &s.type) != SV_OK) {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL,
			"%s type '%s' is not supported", imp_elem_name(n),
			imp_quote(type, q));
	} else if (sv_server_type_is_outgoing(s.type) != outgoing) {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL,
			"%s type '%s' is not allowed here (%s)",
			imp_elem_name(n), type,
			outgoing ? "smtp only" : "smtp is outgoing");
	} else {
		rc = imp_room(im, n, im->pv->n_servers, SV_MODEL_MAX_SERVERS,
			"servers");
	}
	sv_free(type);
	if (rc != SV_OK) {
		return rc;
	}
	s.priority = 10 * (int)(im->pv->n_servers + 1);
	for (const xmlNode *c = n->children; c != NULL && rc == SV_OK;
			c = c->next) {
		rc = map_server_child(im, c, &s);
	}
	if (rc == SV_OK) {
		rc = check_server(im, n, &s);
	}
	if (rc == SV_OK && sv_provider_add_server(im->pv, &s, NULL) != SV_OK) {
		rc = imp_oom(im);
	}
	sv_server_finish(&s); /* zeroed when moved into pv */
	return rc;
}
