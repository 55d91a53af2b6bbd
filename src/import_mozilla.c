/* SPDX-License-Identifier: MIT */
/*
 * Mozilla provider files (config-v1.1.xml) into the model.
 *
 * The bytes are checked first (size cap, no NUL, no UTF-16/32 or EBCDIC
 * opening), then parsed by libxml2 into a tree with a parser context of our
 * own: no network, no DTD loading, no entity substitution. A DOCTYPE stops
 * the parser from its SAX callback before any declaration of the internal
 * subset is read, so entity expansion attacks never start. Errors arrive
 * through the context's structured error callback (never the process-wide
 * one) and only the first is kept, as "name:line: message".
 *
 * The tree is then mapped element by element onto a struct sv_provider.
 * Elements are matched by local name and only when they have no namespace;
 * anything else is ignored (the format's must-ignore rule). What we do
 * understand is taken strictly: an unknown server type, socket type,
 * authentication method or boolean, a bad port, a missing required child,
 * a duplicated single-valued child are errors naming the line, because
 * skipping them would lose data silently. Servers get priorities 10, 20...
 * in document order, incoming and outgoing interleaved as written.
 * Finally sv_provider_validate checks what the model requires.
 *
 * With the repair option (import_mozilla.h lists the cases) a few typos
 * whose fix is unambiguous are fixed where they are read, each reported
 * through the caller's callback with the element's line; everything else
 * stays as strict as without it. The fixes live in import_repair.c,
 * and import_line.c finds the line a model validator message is about;
 * import_internal.h is what the three files share.
 *
 * Ownership: the provider under construction is owned by struct imp until
 * it is handed to the caller; strings are copied out of the libxml2 tree
 * with alloc.h, so the tree is freed before returning on every path. No
 * global mutable state: several threads may import at once, provided
 * xmlInitParser() ran first.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "alloc.h"
#include "import_internal.h"
#include "import_mozilla.h"
#include "placeholder.h"
#include "xml_safe.h"

static const struct sv_import_options no_options = { .repair = false };

/* ------------------------------------------------------------------ */
/* Messages */

long imp_line_of(const xmlNode *n) {
	long line = xmlGetLineNo(n);
	return line > 0 ? line : 0;
}

/* Formats "name:line: message" into im->err and returns rc. */
int imp_fail(const struct imp *im, long line, int rc, const char *fmt,
		...) {
	char msg[SV_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sv_errf(im->err, rc, "%s:%ld: %s", im->name, line, msg);
}

int imp_oom(const struct imp *im) {
	return sv_errf(im->err, SV_ENOMEM, "%s: out of memory", im->name);
}

/*
 * Copies at most IMP_QUOTE_MAX bytes of s into out (IMP_QUOTE_MAX + 4
 * bytes) for a message: control characters become '?', a longer value
 * ends in "...".
 */
const char *imp_quote(const char *s, char *out) {
	size_t i = 0;
	for (; s[i] != '\0' && i < IMP_QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (s[i] != '\0') {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

/* ------------------------------------------------------------------ */
/* Tree access */

/* An element without a namespace called name. */
bool imp_is_elem(const xmlNode *n, const char *name) {
	return n->type == XML_ELEMENT_NODE && n->ns == NULL &&
		strcmp((const char *)n->name, name) == 0;
}

const char *imp_elem_name(const xmlNode *n) {
	return (const char *)n->name;
}

static bool is_xml_space(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * The concatenated text and CDATA nodes of the sibling list first, as an
 * owned string (sv_free), with surrounding XML white space removed when
 * trim. Child elements and comments are skipped. NULL on allocation
 * failure.
 */
static char *list_text(const xmlNode *first, bool trim) {
	size_t len = 0;
	for (const xmlNode *c = first; c != NULL; c = c->next) {
		if ((c->type == XML_TEXT_NODE ||
				c->type == XML_CDATA_SECTION_NODE) &&
				c->content != NULL) {
			len += strlen((const char *)c->content);
		}
	}
	char *s = sv_malloc(len + 1);
	if (s == NULL) {
		return NULL;
	}
	size_t at = 0;
	for (const xmlNode *c = first; c != NULL; c = c->next) {
		if ((c->type == XML_TEXT_NODE ||
				c->type == XML_CDATA_SECTION_NODE) &&
				c->content != NULL) {
			size_t n = strlen((const char *)c->content);
			memcpy(s + at, c->content, n);
			at += n;
		}
	}
	s[at] = '\0';
	if (trim) {
		size_t b = 0;
		while (b < at && is_xml_space(s[b])) {
			b++;
		}
		while (at > b && is_xml_space(s[at - 1])) {
			at--;
		}
		memmove(s, s + b, at - b);
		s[at - b] = '\0';
	}
	return s;
}

/*
 * The trimmed text of element n into *out (owned). An empty text is an
 * error naming the element. Returns SV_OK, SV_EINVAL or SV_ENOMEM.
 */
static int text_of(const struct imp *im, const xmlNode *n, char **out) {
	char *s = list_text(n->children, true);
	if (s == NULL) {
		return imp_oom(im);
	}
	if (s[0] == '\0') {
		sv_free(s);
		return imp_fail(im, imp_line_of(n), SV_EINVAL, "<%s> is empty",
			imp_elem_name(n));
	}
	*out = s;
	return SV_OK;
}

/* Like text_of, for a single-valued field: a second one is an error. */
static int scalar(const struct imp *im, const xmlNode *n, char **field) {
	if (*field != NULL) {
		return imp_fail(im, imp_line_of(n), SV_EINVAL, "duplicate <%s>",
			imp_elem_name(n));
	}
	return text_of(im, n, field);
}

/*
 * Attribute name (no namespace) of element n: *out receives an owned copy,
 * or NULL when absent. When required, absence or an empty value is an
 * error.
 */
static int attr_of(const struct imp *im, const xmlNode *n, const char *name,
		bool required, char **out) {
	*out = NULL;
	for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
		if (a->ns != NULL || strcmp((const char *)a->name, name) != 0) {
			continue;
		}
		char *s = list_text(a->children, false);
		if (s == NULL) {
			return imp_oom(im);
		}
		if (required && s[0] == '\0') {
			sv_free(s);
			return imp_fail(im, imp_line_of(n), SV_EINVAL,
				"<%s %s> is empty", imp_elem_name(n), name);
		}
		*out = s;
		return SV_OK;
	}
	if (required) {
		return imp_fail(im, imp_line_of(n), SV_EINVAL,
			"<%s> has no %s attribute", imp_elem_name(n), name);
	}
	return SV_OK;
}

/* ------------------------------------------------------------------ */
/* Values */

/* "true"/"false" in any letter case into a tristate field. */
static int parse_bool(const struct imp *im, const xmlNode *n,
		enum sv_tristate *field) {
	if (*field != SV_UNSET) {
		return imp_fail(im, imp_line_of(n), SV_EINVAL, "duplicate <%s>",
			imp_elem_name(n));
	}
	char *s = NULL;
	int rc = text_of(im, n, &s);
	if (rc != SV_OK) {
		return rc;
	}
	static const char *const words[] = { "false", "true" };
	for (size_t w = 0; w < 2; w++) {
		size_t i = 0;
		for (; words[w][i] != '\0'; i++) {
			char c = s[i];
			if (c >= 'A' && c <= 'Z') {
				c = (char)(c - 'A' + 'a');
			}
			if (c != words[w][i]) {
				break;
			}
		}
		if (words[w][i] == '\0' && s[i] == '\0') {
			*field = w == 1 ? SV_TRUE : SV_FALSE;
			sv_free(s);
			return SV_OK;
		}
	}
	char q[IMP_QUOTE_MAX + 4];
	rc = imp_fail(im, imp_line_of(n), SV_EINVAL,
		"%s: '%s' is not true or false", imp_elem_name(n),
		imp_quote(s, q));
	sv_free(s);
	return rc;
}

/*
 * Strict decimal: digits only (no sign, no spaces, no leading '+'), value in
 * min..max. Returns false when s is not such a number.
 */
static bool parse_decimal(const char *s, long min, long max, long *out) {
	if (*s == '\0') {
		return false;
	}
	long v = 0;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			return false;
		}
		if (v > (max - (*p - '0')) / 10) {
			return false; /* past max: also stops overflow */
		}
		v = v * 10 + (*p - '0');
	}
	if (v < min) {
		return false;
	}
	*out = v;
	return true;
}

/*
 * A number held by element n (or by attribute attr of n when attr is not
 * NULL) into *field, which must still hold unset (a duplicate is an error).
 */
static int parse_number(const struct imp *im, const xmlNode *n,
		const char *attr, long min, long max, int unset, int *field) {
	if (*field != unset) {
		return imp_fail(im, imp_line_of(n), SV_EINVAL, "duplicate <%s>",
			imp_elem_name(n));
	}
	char *s = NULL;
	int rc = attr != NULL ? attr_of(im, n, attr, true, &s) :
		text_of(im, n, &s);
	if (rc != SV_OK) {
		return rc;
	}
	long v;
	if (parse_decimal(s, min, max, &v)) {
		*field = (int)v;
		sv_free(s);
		return SV_OK;
	}
	char q[IMP_QUOTE_MAX + 4];
	rc = imp_fail(im, imp_line_of(n), SV_EINVAL,
		"%s: '%s' is not in %ld..%ld",
		attr != NULL ? attr : imp_elem_name(n), imp_quote(s, q), min,
		max);
	sv_free(s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Servers */

static int map_pop3(const struct imp *im, const xmlNode *pop3,
		struct sv_server *s) {
	if (s->has_pop3) {
		return imp_fail(im, imp_line_of(pop3), SV_EINVAL,
			"duplicate <pop3>");
	}
	s->has_pop3 = true;
	int rc = SV_OK;
	for (const xmlNode *c = pop3->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (imp_is_elem(c, "leaveMessagesOnServer")) {
			rc = parse_bool(im, c, &s->pop3.leave_on_server);
		} else if (imp_is_elem(c, "daysToLeaveMessagesOnServer")) {
			rc = parse_number(im, c, NULL, 0, INT_MAX, -1,
				&s->pop3.days_to_leave);
		} else if (imp_is_elem(c, "downloadOnBiff")) {
			rc = parse_bool(im, c, &s->pop3.download_on_biff);
		} else if (imp_is_elem(c, "checkInterval")) {
			rc = parse_number(im, c, "minutes", 1, INT_MAX, -1,
				&s->pop3.check_interval_min);
		}
	}
	return rc;
}

/*
 * The template check, with the element's line in the message; with the
 * repair option, unterminated placeholders in *tpl are closed first.
 */
static int check_template(const struct imp *im, const xmlNode *n,
		char **tpl_io, bool hostname) {
	if (im->opt->repair) {
		int rc = imp_repair_template(im, n, tpl_io);
		if (rc != SV_OK) {
			return rc;
		}
	}
	const char *tpl = *tpl_io;
	struct sv_err e = { .msg = "" };
	int rc = hostname ? sv_placeholder_validate_hostname(tpl, &e) :
		sv_placeholder_validate(tpl, &e);
	if (rc != SV_OK) {
		return imp_fail(im, imp_line_of(n), rc, "%s: %s",
			imp_elem_name(n), e.msg);
	}
	return SV_OK;
}

static int add_auth(const struct imp *im, const xmlNode *n,
		struct sv_server *s) {
	char *v = NULL;
	int rc = text_of(im, n, &v);
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
		if ((rc = scalar(im, c, &s->hostname)) != SV_OK) {
			return rc;
		}
		return check_template(im, c, &s->hostname, true);
	}
	if (imp_is_elem(c, "port")) {
		return parse_number(im, c, NULL, 1, 65535, 0, &s->port);
	}
	if (imp_is_elem(c, "socketType")) {
		if (s->socket != SV_SOCKET_NONE) {
			return imp_fail(im, imp_line_of(c), SV_EINVAL,
				"duplicate <socketType>");
		}
		char *v = NULL;
		if ((rc = text_of(im, c, &v)) != SV_OK) {
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
		if ((rc = scalar(im, c, &s->username)) != SV_OK) {
			return rc;
		}
		return check_template(im, c, &s->username, false);
	}
	if (imp_is_elem(c, "authentication")) {
		return add_auth(im, c, s);
	}
	if (imp_is_elem(c, "url")) {
		return scalar(im, c, &s->url);
	}
	if (imp_is_elem(c, "owaURL")) {
		return scalar(im, c, &s->owa_url);
	}
	if (imp_is_elem(c, "ewsURL")) {
		return scalar(im, c, &s->ews_url);
	}
	if (imp_is_elem(c, "pop3")) {
		return map_pop3(im, c, s);
	}
	if (imp_is_elem(c, "useGlobalPreferredServer")) {
		return parse_bool(im, c, &s->use_global_preferred_server);
	}
	if (imp_is_elem(c, "addThisServer")) {
		return parse_bool(im, c, &s->add_this_server);
	}
	if (imp_is_elem(c, "restriction")) {
		return scalar(im, c, &s->restriction);
	}
	return SV_OK; /* password, easURL, unknown: ignored */
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

static int map_server(struct imp *im, const xmlNode *n, bool outgoing) {
	struct sv_server s = {
		.port = 0,
		.pop3 = { .days_to_leave = -1, .check_interval_min = -1 },
	};
	char q[IMP_QUOTE_MAX + 4];
	char *type = NULL;
	int rc = attr_of(im, n, "type", true, &type);
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
	} else if (im->pv->n_servers == SV_MODEL_MAX_SERVERS) {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL,
			"more than %d servers", SV_MODEL_MAX_SERVERS);
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

/* ------------------------------------------------------------------ */
/* Links, webmail, OAuth2 */

/*
 * <documentation url> / <enable visiturl> / <instruction url>, whose texts
 * are the children called text_name with an optional lang attribute.
 */
static int map_link(struct imp *im, const xmlNode *n, enum sv_link_kind kind,
		const char *url_attr, const char *text_name) {
	char *url = NULL;
	int rc = attr_of(im, n, url_attr, true, &url);
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
		if ((rc = attr_of(im, c, "lang", false, &lang)) != SV_OK) {
			return rc;
		}
		if ((rc = text_of(im, c, &text)) == SV_OK &&
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
		return imp_fail(im, imp_line_of(n), SV_EINVAL, "duplicate <%s>",
			imp_elem_name(n));
	}
	int rc = attr_of(im, n, "id", false, id);
	if (rc == SV_OK) {
		rc = attr_of(im, n, "name", false, name);
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
		return imp_fail(im, imp_line_of(n), SV_EINVAL,
			"duplicate <loginPageInfo>");
	}
	int rc = attr_of(im, n, "url", true, &w->info_url);
	for (const xmlNode *c = n->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (imp_is_elem(c, "username")) {
			rc = scalar(im, c, &w->username);
			if (rc == SV_OK) {
				rc = check_template(im, c, &w->username,
					false);
			}
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

static int map_webmail(struct imp *im, const xmlNode *n, bool *seen) {
	if (*seen) {
		return imp_fail(im, imp_line_of(n), SV_EINVAL,
			"duplicate <webMail>");
	}
	*seen = true;
	struct sv_webmail *w = &im->pv->webmail;
	int rc = SV_OK;
	for (const xmlNode *c = n->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (imp_is_elem(c, "loginPage")) {
			if (w->login_page != NULL) {
				return imp_fail(im, imp_line_of(c), SV_EINVAL,
					"duplicate <loginPage>");
			}
			rc = attr_of(im, c, "url", true, &w->login_page);
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

static int map_oauth2(struct imp *im, const xmlNode *n, bool *seen) {
	if (*seen) {
		return imp_fail(im, imp_line_of(n), SV_EINVAL,
			"duplicate <oAuth2>");
	}
	*seen = true;
	struct sv_oauth2 *o = &im->pv->oauth2;
	int rc = SV_OK;
	for (const xmlNode *c = n->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (imp_is_elem(c, "issuer")) {
			rc = scalar(im, c, &o->issuer);
		} else if (imp_is_elem(c, "scope")) {
			rc = scalar(im, c, &o->scope);
		} else if (imp_is_elem(c, "authURL")) {
			rc = scalar(im, c, &o->auth_url);
		} else if (imp_is_elem(c, "tokenURL")) {
			rc = scalar(im, c, &o->token_url);
		}
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

/* ------------------------------------------------------------------ */
/* Provider and document */

static bool is_lower_hostname(const char *s) {
	return sv_is_hostname(s, true);
}

/* True when pv already lists domain d. */
static bool has_domain(const struct sv_provider *pv, const char *d) {
	for (size_t i = 0; i < pv->n_domains; i++) {
		if (strcmp(pv->domains[i], d) == 0) {
			return true;
		}
	}
	return false;
}

static int map_domain(struct imp *im, const xmlNode *n) {
	char *d = NULL;
	int rc = text_of(im, n, &d);
	if (rc != SV_OK) {
		return rc;
	}
	char q[IMP_QUOTE_MAX + 4];
	if (imp_repair_case(im, n, d, "domain", sv_is_domain_pattern) !=
			SV_OK) {
		sv_free(d);
		return SV_ENOMEM;
	}
	if (im->opt->repair && has_domain(im->pv, d)) {
		imp_repaired(im, imp_line_of(n), "domain listed twice: '%s' -> "
			"dropped", imp_quote(d, q));
		sv_free(d);
		return SV_OK;
	}
	if (!sv_is_domain_pattern(d)) {
		rc = imp_fail(im, imp_line_of(n), SV_EINVAL, "domain: '%s' is "
			"not a lower-case domain name", imp_quote(d, q));
	} else if (sv_provider_add_domain(im->pv, d) != SV_OK) {
		rc = imp_oom(im);
	}
	sv_free(d);
	return rc;
}

static int map_provider(struct imp *im, const xmlNode *ep) {
	struct sv_provider *pv = im->pv;
	long short_line = imp_line_of(ep);
	const xmlNode *typo = NULL; /* <displayNameShort>, with repair */
	int rc = attr_of(im, ep, "id", true, &pv->id);
	if (rc != SV_OK) {
		return rc;
	}
	rc = imp_repair_case(im, ep, pv->id, "emailProvider id",
		is_lower_hostname);
	if (rc != SV_OK) {
		return rc;
	}
	if (!sv_is_hostname(pv->id, true)) {
		char q[IMP_QUOTE_MAX + 4];
		return imp_fail(im, imp_line_of(ep), SV_EINVAL,
			"emailProvider id '%s' is not a lower-case host name",
			imp_quote(pv->id, q));
	}
	for (const xmlNode *c = ep->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (imp_is_elem(c, "domain")) {
			rc = map_domain(im, c);
		} else if (imp_is_elem(c, "displayName")) {
			rc = scalar(im, c, &pv->display_name);
		} else if (imp_is_elem(c, "displayShortName")) {
			rc = scalar(im, c, &pv->short_name);
			short_line = imp_line_of(c);
		} else if (imp_is_elem(c, "displayNameShort") &&
				im->opt->repair && typo == NULL) {
			typo = c;
		} else if (imp_is_elem(c, "incomingServer")) {
			rc = map_server(im, c, false);
		} else if (imp_is_elem(c, "outgoingServer")) {
			rc = map_server(im, c, true);
		} else if (imp_is_elem(c, "documentation")) {
			rc = map_link(im, c, SV_LINK_DOCUMENTATION, "url",
				"descr");
		} else if (imp_is_elem(c, "enable")) {
			rc = map_link(im, c, SV_LINK_ENABLE, "visiturl",
				"instruction");
		} else if (imp_is_elem(c, "instruction")) {
			rc = map_link(im, c, SV_LINK_INSTRUCTION, "url",
				"descr");
		}
	}
	if (rc == SV_OK && pv->n_domains == 0) {
		rc = imp_fail(im, imp_line_of(ep), SV_EINVAL,
			"<emailProvider> has no <domain>");
	}
	if (rc == SV_OK && typo != NULL && pv->short_name == NULL) {
		rc = text_of(im, typo, &pv->short_name);
		short_line = imp_line_of(typo);
		if (rc == SV_OK) {
			imp_repaired(im, short_line, "<displayNameShort> "
				"(a typo) -> <displayShortName>");
		}
	}
	if (rc == SV_OK) {
		imp_repair_short_name(im, short_line);
	}
	return rc;
}

static int map_document(struct imp *im, const xmlDoc *doc) {
	const xmlNode *root = xmlDocGetRootElement(doc);
	if (root == NULL) {
		return imp_fail(im, 1, SV_EINVAL, "no root element");
	}
	if (!imp_is_elem(root, "clientConfig")) {
		if (root->ns != NULL && root->ns->href != NULL) {
			char q[IMP_QUOTE_MAX + 4];
			return imp_fail(im, imp_line_of(root), SV_EINVAL,
				"root element is %s in namespace '%s', "
				"expected clientConfig without namespace",
				imp_elem_name(root),
				imp_quote((const char *)root->ns->href, q));
		}
		return imp_fail(im, imp_line_of(root), SV_EINVAL,
			"root element is %s, expected clientConfig",
			imp_elem_name(root));
	}
	long provider_line = 0;
	bool webmail = false, oauth2 = false;
	int rc = SV_OK;
	for (const xmlNode *c = root->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (imp_is_elem(c, "emailProvider")) {
			if (provider_line != 0) {
				return imp_fail(im, imp_line_of(c), SV_EINVAL,
					"second <emailProvider> (the first "
					"is at line %ld)", provider_line);
			}
			provider_line = imp_line_of(c) > 0 ? imp_line_of(c) : 1;
			rc = map_provider(im, c);
		} else if (imp_is_elem(c, "enable")) {
			/* misplaced by some ISPDB files; kept */
			rc = map_link(im, c, SV_LINK_ENABLE, "visiturl",
				"instruction");
		} else if (imp_is_elem(c, "webMail")) {
			rc = map_webmail(im, c, &webmail);
		} else if (imp_is_elem(c, "oAuth2")) {
			rc = map_oauth2(im, c, &oauth2);
		}
	}
	if (rc == SV_OK && provider_line == 0) {
		rc = imp_fail(im, imp_line_of(root), SV_EINVAL,
			"<clientConfig> has no <emailProvider>");
	}
	return rc;
}

/* Parses buf into *doc (owned, xmlFreeDoc) or reports why not. */
static int parse(const struct imp *im, const char *buf, size_t len,
		xmlDoc **doc) {
	struct sv_err e = { .msg = "" };
	long line = 1;
	int rc = sv_xml_parse(buf, len, SV_IMPORT_MAX_FILE, doc, &line, &e);
	if (rc == SV_ENOMEM) {
		return imp_oom(im);
	}
	if (rc == SV_ETOOBIG) {
		return sv_errf(im->err, rc, "%s: %zu bytes, over the import "
			"limit of %d bytes", im->name, len, SV_IMPORT_MAX_FILE);
	}
	if (rc != SV_OK) {
		return imp_fail(im, line, rc, "%s", e.msg);
	}
	return SV_OK;
}

int sv_import_mozilla_memory(const char *buf, size_t len, const char *name,
		struct sv_provider **out, struct sv_err *err) {
	return sv_import_mozilla_memory_ex(buf, len, name, NULL, out, err);
}

int sv_import_mozilla_memory_ex(const char *buf, size_t len,
		const char *name, const struct sv_import_options *opt,
		struct sv_provider **out, struct sv_err *err) {
	struct imp im = {
		.name = name != NULL ? name : "<memory>",
		.err = err,
		.opt = opt != NULL ? opt : &no_options,
	};
	xmlDoc *doc;
	int rc = parse(&im, buf, len, &doc);
	if (rc != SV_OK) {
		return rc;
	}
	im.pv = sv_provider_create();
	if (im.pv == NULL) {
		rc = imp_oom(&im);
	} else {
		rc = map_document(&im, doc);
	}
	if (rc == SV_OK) {
		struct sv_err e = { .msg = "" };
		rc = sv_provider_validate(im.pv, &e);
		long line = rc != SV_OK ? imp_validator_line(doc, e.msg) : 0;
		if (rc == SV_ENOMEM) {
			imp_oom(&im);
		} else if (rc != SV_OK && line > 0) {
			imp_fail(&im, line, rc, "%s", e.msg);
		} else if (rc != SV_OK) {
			sv_errf(err, rc, "%s: %s", im.name, e.msg);
		}
	}
	xmlFreeDoc(doc);
	if (rc != SV_OK) {
		sv_provider_destroy(im.pv);
		return rc;
	}
	*out = im.pv;
	return SV_OK;
}

int sv_import_mozilla_file(const char *path, struct sv_provider **out,
		struct sv_err *err) {
	return sv_import_mozilla_file_ex(path, NULL, out, err);
}

int sv_import_mozilla_file_ex(const char *path,
		const struct sv_import_options *opt, struct sv_provider **out,
		struct sv_err *err) {
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		return sv_errf(err, e == ENOENT ? SV_ENOTFOUND : SV_EIO,
			"%s: %s", path, strerror(e));
	}
	char *buf = NULL;
	size_t len = 0;
	int rc = SV_OK;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		rc = sv_errf(err, SV_EIO, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = sv_errf(err, SV_EINVAL, "%s: not a regular file", path);
		goto done;
	}
	if (st.st_size > SV_IMPORT_MAX_FILE) {
		rc = sv_errf(err, SV_ETOOBIG, "%s: %lld bytes, over the "
			"import limit of %d bytes", path,
			(long long)st.st_size, SV_IMPORT_MAX_FILE);
		goto done;
	}
	/* one byte more than announced, to notice a file that grew */
	size_t cap = (size_t)st.st_size + 1;
	if ((buf = sv_malloc(cap)) == NULL) {
		rc = sv_errf(err, SV_ENOMEM, "%s: out of memory", path);
		goto done;
	}
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			rc = sv_errf(err, SV_EIO, "%s: %s", path,
				strerror(errno));
			goto done;
		}
		if (n == 0) {
			break;
		}
		len += (size_t)n;
	}
	if (len == cap) {
		rc = sv_errf(err, SV_EIO, "%s: file changed while being read",
			path);
		goto done;
	}
	rc = sv_import_mozilla_memory_ex(buf, len, path, opt, out, err);
done:
	sv_free(buf);
	close(fd);
	return rc;
}
