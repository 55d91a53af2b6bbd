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
 * stays as strict as without it.
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
#include "import_mozilla.h"
#include "placeholder.h"
#include "xml_safe.h"

/* Room for a quoted excerpt of a bad value in a message. */
#define QUOTE_MAX 40

/* One import in progress. */
struct imp {
	const char *name;        /* borrowed: the file name for messages */
	struct sv_err *err;      /* borrowed; may be NULL */
	struct sv_provider *pv;  /* owned until handed to the caller */
	const struct sv_import_options *opt; /* borrowed; never NULL */
};

static const struct sv_import_options no_options = { .repair = false };

/* ------------------------------------------------------------------ */
/* Messages */

static long line_of(const xmlNode *n) {
	long line = xmlGetLineNo(n);
	return line > 0 ? line : 0;
}

/* Formats "name:line: message" into im->err and returns rc. */
__attribute__((format(printf, 4, 5)))
static int fail(const struct imp *im, long line, int rc, const char *fmt,
		...) {
	char msg[SV_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sv_errf(im->err, rc, "%s:%ld: %s", im->name, line, msg);
}

static int oom(const struct imp *im) {
	return sv_errf(im->err, SV_ENOMEM, "%s: out of memory", im->name);
}

/* Reports one repair as "name:line: repaired <message>". */
__attribute__((format(printf, 3, 4)))
static void repaired(const struct imp *im, long line, const char *fmt, ...) {
	if (im->opt->on_repair == NULL) {
		return;
	}
	char what[SV_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	char msg[SV_ERR_MSG_MAX + 64];
	snprintf(msg, sizeof(msg), "%s:%ld: repaired %s", im->name, line,
		what);
	im->opt->on_repair(im->opt->ctx, msg);
}

/*
 * Copies at most QUOTE_MAX bytes of s into out (QUOTE_MAX + 4 bytes) for a
 * message: control characters become '?', a longer value ends in "...".
 */
static const char *quote(const char *s, char *out) {
	size_t i = 0;
	for (; s[i] != '\0' && i < QUOTE_MAX; i++) {
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
static bool is_elem(const xmlNode *n, const char *name) {
	return n->type == XML_ELEMENT_NODE && n->ns == NULL &&
		strcmp((const char *)n->name, name) == 0;
}

static const char *elem_name(const xmlNode *n) {
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
		return oom(im);
	}
	if (s[0] == '\0') {
		sv_free(s);
		return fail(im, line_of(n), SV_EINVAL, "<%s> is empty",
			elem_name(n));
	}
	*out = s;
	return SV_OK;
}

/* Like text_of, for a single-valued field: a second one is an error. */
static int scalar(const struct imp *im, const xmlNode *n, char **field) {
	if (*field != NULL) {
		return fail(im, line_of(n), SV_EINVAL, "duplicate <%s>",
			elem_name(n));
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
			return oom(im);
		}
		if (required && s[0] == '\0') {
			sv_free(s);
			return fail(im, line_of(n), SV_EINVAL,
				"<%s %s> is empty", elem_name(n), name);
		}
		*out = s;
		return SV_OK;
	}
	if (required) {
		return fail(im, line_of(n), SV_EINVAL,
			"<%s> has no %s attribute", elem_name(n), name);
	}
	return SV_OK;
}

/* ------------------------------------------------------------------ */
/* Values */

/* "true"/"false" in any letter case into a tristate field. */
static int parse_bool(const struct imp *im, const xmlNode *n,
		enum sv_tristate *field) {
	if (*field != SV_UNSET) {
		return fail(im, line_of(n), SV_EINVAL, "duplicate <%s>",
			elem_name(n));
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
	char q[QUOTE_MAX + 4];
	rc = fail(im, line_of(n), SV_EINVAL, "%s: '%s' is not true or false",
		elem_name(n), quote(s, q));
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
		return fail(im, line_of(n), SV_EINVAL, "duplicate <%s>",
			elem_name(n));
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
	char q[QUOTE_MAX + 4];
	rc = fail(im, line_of(n), SV_EINVAL, "%s: '%s' is not in %ld..%ld",
		attr != NULL ? attr : elem_name(n), quote(s, q), min, max);
	sv_free(s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Servers */

static int map_pop3(const struct imp *im, const xmlNode *pop3,
		struct sv_server *s) {
	if (s->has_pop3) {
		return fail(im, line_of(pop3), SV_EINVAL, "duplicate <pop3>");
	}
	s->has_pop3 = true;
	int rc = SV_OK;
	for (const xmlNode *c = pop3->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (is_elem(c, "leaveMessagesOnServer")) {
			rc = parse_bool(im, c, &s->pop3.leave_on_server);
		} else if (is_elem(c, "daysToLeaveMessagesOnServer")) {
			rc = parse_number(im, c, NULL, 0, INT_MAX, -1,
				&s->pop3.days_to_leave);
		} else if (is_elem(c, "downloadOnBiff")) {
			rc = parse_bool(im, c, &s->pop3.download_on_biff);
		} else if (is_elem(c, "checkInterval")) {
			rc = parse_number(im, c, "minutes", 1, INT_MAX, -1,
				&s->pop3.check_interval_min);
		}
	}
	return rc;
}

/*
 * The length of the known token name (without its '%' signs) that starts
 * at p and is not followed by its closing '%' nor by more of a token
 * name, or 0. Such a run, after a '%', is a placeholder missing its end.
 */
static size_t unterminated_token(const char *p) {
	for (int t = 0; t < SV_TOKEN_COUNT; t++) {
		const char *name = sv_token_text((enum sv_token)t) + 1;
		size_t len = strlen(name) - 1; /* without the closing '%' */
		if (strncmp(p, name, len) != 0) {
			continue;
		}
		char next = p[len]; /* p holds at least len bytes + NUL */
		if (next != '%' && !(next >= 'A' && next <= 'Z') &&
				!(next >= '0' && next <= '9') && next != '_') {
			return len;
		}
	}
	return 0;
}

/* The length of the complete token ("%EMAILDOMAIN%") at p, or 0. */
static size_t token_len(const char *p) {
	for (int t = 0; t < SV_TOKEN_COUNT; t++) {
		const char *tok = sv_token_text((enum sv_token)t);
		size_t len = strlen(tok);
		if (strncmp(p, tok, len) == 0) {
			return len;
		}
	}
	return 0;
}

/*
 * With the repair option: closes every known placeholder that misses its
 * closing '%' in the template *tpl of element n ("%EMAILADDRESS" ->
 * "%EMAILADDRESS%"), replacing *tpl and reporting the repair. Complete
 * tokens are copied whole, so "%EMAILLOCALPART%%%EMAILDOMAIN%" is left
 * alone. Returns SV_OK or SV_ENOMEM.
 */
static int repair_template(const struct imp *im, const xmlNode *n,
		char **tpl) {
	const char *s = *tpl;
	size_t pct = 0; /* each '%' adds at most one byte */
	for (const char *p = strchr(s, '%'); p != NULL; p = strchr(p + 1, '%')) {
		pct++;
	}
	if (pct == 0) {
		return SV_OK;
	}
	char *fixed = sv_malloc(strlen(s) + pct + 1);
	if (fixed == NULL) {
		return oom(im);
	}
	size_t at = 0;
	bool changed = false;
	for (const char *p = s; *p != '\0';) {
		size_t k = *p == '%' ? token_len(p) : 0;
		size_t len = *p == '%' && k == 0 ? unterminated_token(p + 1) : 0;
		if (k > 0) {
			memcpy(fixed + at, p, k);
			at += k;
			p += k;
		} else if (len > 0) {
			memcpy(fixed + at, p, len + 1);
			at += len + 1;
			p += len + 1;
			fixed[at++] = '%';
			changed = true;
		} else {
			fixed[at++] = *p++;
		}
	}
	fixed[at] = '\0';
	if (!changed) {
		sv_free(fixed);
		return SV_OK;
	}
	char q1[QUOTE_MAX + 4], q2[QUOTE_MAX + 4];
	repaired(im, line_of(n), "%s: placeholder without its closing '%%': "
		"'%s' -> '%s'", elem_name(n), quote(s, q1), quote(fixed, q2));
	sv_free(*tpl);
	*tpl = fixed;
	return SV_OK;
}

/*
 * The template check, with the element's line in the message; with the
 * repair option, unterminated placeholders in *tpl are closed first.
 */
static int check_template(const struct imp *im, const xmlNode *n,
		char **tpl_io, bool hostname) {
	if (im->opt->repair) {
		int rc = repair_template(im, n, tpl_io);
		if (rc != SV_OK) {
			return rc;
		}
	}
	const char *tpl = *tpl_io;
	struct sv_err e = { .msg = "" };
	int rc = hostname ? sv_placeholder_validate_hostname(tpl, &e) :
		sv_placeholder_validate(tpl, &e);
	if (rc != SV_OK) {
		return fail(im, line_of(n), rc, "%s: %s", elem_name(n), e.msg);
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
	char q[QUOTE_MAX + 4];
	enum sv_auth a;
	if (sv_auth_parse(v, &a) != SV_OK) {
		rc = fail(im, line_of(n), SV_EINVAL,
			"authentication: unknown method '%s'", quote(v, q));
	} else if (s->n_auth == SV_MODEL_MAX_AUTH) {
		rc = fail(im, line_of(n), SV_EINVAL,
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
	char q[QUOTE_MAX + 4];
	int rc;
	if (is_elem(c, "hostname")) {
		if ((rc = scalar(im, c, &s->hostname)) != SV_OK) {
			return rc;
		}
		return check_template(im, c, &s->hostname, true);
	}
	if (is_elem(c, "port")) {
		return parse_number(im, c, NULL, 1, 65535, 0, &s->port);
	}
	if (is_elem(c, "socketType")) {
		if (s->socket != SV_SOCKET_NONE) {
			return fail(im, line_of(c), SV_EINVAL,
				"duplicate <socketType>");
		}
		char *v = NULL;
		if ((rc = text_of(im, c, &v)) != SV_OK) {
			return rc;
		}
		if (sv_socket_parse(v, &s->socket) != SV_OK) {
			rc = fail(im, line_of(c), SV_EINVAL, "socketType: '%s' "
				"is not plain, SSL or STARTTLS", quote(v, q));
		}
		sv_free(v);
		return rc;
	}
	if (is_elem(c, "username")) {
		if ((rc = scalar(im, c, &s->username)) != SV_OK) {
			return rc;
		}
		return check_template(im, c, &s->username, false);
	}
	if (is_elem(c, "authentication")) {
		return add_auth(im, c, s);
	}
	if (is_elem(c, "url")) {
		return scalar(im, c, &s->url);
	}
	if (is_elem(c, "owaURL")) {
		return scalar(im, c, &s->owa_url);
	}
	if (is_elem(c, "ewsURL")) {
		return scalar(im, c, &s->ews_url);
	}
	if (is_elem(c, "pop3")) {
		return map_pop3(im, c, s);
	}
	if (is_elem(c, "useGlobalPreferredServer")) {
		return parse_bool(im, c, &s->use_global_preferred_server);
	}
	if (is_elem(c, "addThisServer")) {
		return parse_bool(im, c, &s->add_this_server);
	}
	if (is_elem(c, "restriction")) {
		return scalar(im, c, &s->restriction);
	}
	return SV_OK; /* password, easURL, unknown: ignored */
}

/* What a server section must contain once all its children are read. */
static int check_server(const struct imp *im, const xmlNode *n,
		const struct sv_server *s) {
	const char *what = elem_name(n);
	const char *type = sv_server_type_name(s->type);
	long line = line_of(n);
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
		return fail(im, line, SV_EINVAL, "%s (%s) has no <%s>", what,
			type, missing);
	}
	return SV_OK;
}

static int map_server(struct imp *im, const xmlNode *n, bool outgoing) {
	struct sv_server s = {
		.port = 0,
		.pop3 = { .days_to_leave = -1, .check_interval_min = -1 },
	};
	char q[QUOTE_MAX + 4];
	char *type = NULL;
	int rc = attr_of(im, n, "type", true, &type);
	if (rc != SV_OK) {
		return rc;
	}
	if (sv_server_type_parse(type, &s.type) != SV_OK) {
		rc = fail(im, line_of(n), SV_EINVAL,
			"%s type '%s' is not supported", elem_name(n),
			quote(type, q));
	} else if (sv_server_type_is_outgoing(s.type) != outgoing) {
		rc = fail(im, line_of(n), SV_EINVAL,
			"%s type '%s' is not allowed here (%s)", elem_name(n),
			type, outgoing ? "smtp only" : "smtp is outgoing");
	} else if (im->pv->n_servers == SV_MODEL_MAX_SERVERS) {
		rc = fail(im, line_of(n), SV_EINVAL,
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
		rc = oom(im);
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
		return oom(im);
	}
	for (const xmlNode *c = n->children; c != NULL; c = c->next) {
		if (!is_elem(c, text_name)) {
			continue;
		}
		char *lang = NULL, *text = NULL;
		if ((rc = attr_of(im, c, "lang", false, &lang)) != SV_OK) {
			return rc;
		}
		if ((rc = text_of(im, c, &text)) == SV_OK &&
				sv_link_add_text(l, lang, text) != SV_OK) {
			rc = oom(im);
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
		return fail(im, line_of(n), SV_EINVAL, "duplicate <%s>",
			elem_name(n));
	}
	int rc = attr_of(im, n, "id", false, id);
	if (rc == SV_OK) {
		rc = attr_of(im, n, "name", false, name);
	}
	if (rc == SV_OK && *id == NULL && *name == NULL) {
		/* a bare <loginButton/>: kept as an empty id (header) */
		*id = sv_strdup("");
		if (*id == NULL) {
			rc = oom(im);
		}
	}
	return rc;
}

static int map_login_page_info(const struct imp *im, const xmlNode *n,
		struct sv_webmail *w) {
	if (w->info_url != NULL) {
		return fail(im, line_of(n), SV_EINVAL,
			"duplicate <loginPageInfo>");
	}
	int rc = attr_of(im, n, "url", true, &w->info_url);
	for (const xmlNode *c = n->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (is_elem(c, "username")) {
			rc = scalar(im, c, &w->username);
			if (rc == SV_OK) {
				rc = check_template(im, c, &w->username,
					false);
			}
		} else if (is_elem(c, "usernameField")) {
			rc = map_field(im, c, &w->username_field_id,
				&w->username_field_name);
		} else if (is_elem(c, "passwordField")) {
			rc = map_field(im, c, &w->password_field_id,
				&w->password_field_name);
		} else if (is_elem(c, "loginButton")) {
			rc = map_field(im, c, &w->login_button_id,
				&w->login_button_name);
		}
	}
	return rc;
}

static int map_webmail(struct imp *im, const xmlNode *n, bool *seen) {
	if (*seen) {
		return fail(im, line_of(n), SV_EINVAL, "duplicate <webMail>");
	}
	*seen = true;
	struct sv_webmail *w = &im->pv->webmail;
	int rc = SV_OK;
	for (const xmlNode *c = n->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (is_elem(c, "loginPage")) {
			if (w->login_page != NULL) {
				return fail(im, line_of(c), SV_EINVAL,
					"duplicate <loginPage>");
			}
			rc = attr_of(im, c, "url", true, &w->login_page);
		} else if (is_elem(c, "loginPageInfo")) {
			rc = map_login_page_info(im, c, w);
		}
	}
	if (rc == SV_OK && w->login_page == NULL) {
		rc = fail(im, line_of(n), SV_EINVAL,
			"<webMail> has no <loginPage>");
	}
	return rc;
}

static int map_oauth2(struct imp *im, const xmlNode *n, bool *seen) {
	if (*seen) {
		return fail(im, line_of(n), SV_EINVAL, "duplicate <oAuth2>");
	}
	*seen = true;
	struct sv_oauth2 *o = &im->pv->oauth2;
	int rc = SV_OK;
	for (const xmlNode *c = n->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (is_elem(c, "issuer")) {
			rc = scalar(im, c, &o->issuer);
		} else if (is_elem(c, "scope")) {
			rc = scalar(im, c, &o->scope);
		} else if (is_elem(c, "authURL")) {
			rc = scalar(im, c, &o->auth_url);
		} else if (is_elem(c, "tokenURL")) {
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
		return fail(im, line_of(n), SV_EINVAL,
			"<oAuth2> has no <%s>", missing);
	}
	return SV_OK;
}

/* ------------------------------------------------------------------ */
/* Provider and document */

/*
 * With the repair option: lower-cases the ASCII letters of *s in place
 * when that turns it into a value ok() accepts, and reports it as what.
 * SV_OK (repaired or not) or SV_ENOMEM.
 */
static int repair_case(const struct imp *im, const xmlNode *n, char *s,
		const char *what, bool (*ok)(const char *)) {
	if (!im->opt->repair || ok(s)) {
		return SV_OK;
	}
	char *low = sv_strdup(s);
	if (low == NULL) {
		return oom(im);
	}
	for (char *p = low; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			*p = (char)(*p - 'A' + 'a');
		}
	}
	if (ok(low)) { /* else not (only) a case problem: the error follows */
		char before[QUOTE_MAX + 4], after[QUOTE_MAX + 4];
		repaired(im, line_of(n), "%s in upper case: '%s' -> '%s'",
			what, quote(s, before), quote(low, after));
		memcpy(s, low, strlen(low) + 1); /* same length */
	}
	sv_free(low);
	return SV_OK;
}

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
	char q[QUOTE_MAX + 4];
	if (repair_case(im, n, d, "domain", sv_is_domain_pattern) != SV_OK) {
		sv_free(d);
		return SV_ENOMEM;
	}
	if (im->opt->repair && has_domain(im->pv, d)) {
		repaired(im, line_of(n), "domain listed twice: '%s' -> "
			"dropped", quote(d, q));
		sv_free(d);
		return SV_OK;
	}
	if (!sv_is_domain_pattern(d)) {
		rc = fail(im, line_of(n), SV_EINVAL, "domain: '%s' is not a "
			"lower-case domain name", quote(d, q));
	} else if (sv_provider_add_domain(im->pv, d) != SV_OK) {
		rc = oom(im);
	}
	sv_free(d);
	return rc;
}

/* Code points of a UTF-8 string (libxml2 hands us valid UTF-8). */
static size_t utf8_chars(const char *s) {
	size_t n = 0;
	for (; *s != '\0'; s++) {
		n += ((unsigned char)*s & 0xC0) != 0x80;
	}
	return n;
}

/*
 * With the repair option: drops a displayShortName over the limit (see
 * import_mozilla.h for why it is not cut).
 */
static void repair_short_name(struct imp *im, long line) {
	struct sv_provider *pv = im->pv;
	if (!im->opt->repair || pv->short_name == NULL ||
			utf8_chars(pv->short_name) <= SV_MODEL_MAX_SHORT_NAME) {
		return;
	}
	char q[QUOTE_MAX + 4];
	repaired(im, line, "displayShortName over %d characters: '%s' -> "
		"dropped", SV_MODEL_MAX_SHORT_NAME, quote(pv->short_name, q));
	sv_free(pv->short_name);
	pv->short_name = NULL;
}

static int map_provider(struct imp *im, const xmlNode *ep) {
	struct sv_provider *pv = im->pv;
	long short_line = line_of(ep);
	const xmlNode *typo = NULL; /* <displayNameShort>, with repair */
	int rc = attr_of(im, ep, "id", true, &pv->id);
	if (rc != SV_OK) {
		return rc;
	}
	rc = repair_case(im, ep, pv->id, "emailProvider id",
		is_lower_hostname);
	if (rc != SV_OK) {
		return rc;
	}
	if (!sv_is_hostname(pv->id, true)) {
		char q[QUOTE_MAX + 4];
		return fail(im, line_of(ep), SV_EINVAL, "emailProvider id "
			"'%s' is not a lower-case host name", quote(pv->id, q));
	}
	for (const xmlNode *c = ep->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (is_elem(c, "domain")) {
			rc = map_domain(im, c);
		} else if (is_elem(c, "displayName")) {
			rc = scalar(im, c, &pv->display_name);
		} else if (is_elem(c, "displayShortName")) {
			rc = scalar(im, c, &pv->short_name);
			short_line = line_of(c);
		} else if (is_elem(c, "displayNameShort") &&
				im->opt->repair && typo == NULL) {
			typo = c;
		} else if (is_elem(c, "incomingServer")) {
			rc = map_server(im, c, false);
		} else if (is_elem(c, "outgoingServer")) {
			rc = map_server(im, c, true);
		} else if (is_elem(c, "documentation")) {
			rc = map_link(im, c, SV_LINK_DOCUMENTATION, "url",
				"descr");
		} else if (is_elem(c, "enable")) {
			rc = map_link(im, c, SV_LINK_ENABLE, "visiturl",
				"instruction");
		} else if (is_elem(c, "instruction")) {
			rc = map_link(im, c, SV_LINK_INSTRUCTION, "url",
				"descr");
		}
	}
	if (rc == SV_OK && pv->n_domains == 0) {
		rc = fail(im, line_of(ep), SV_EINVAL,
			"<emailProvider> has no <domain>");
	}
	if (rc == SV_OK && typo != NULL && pv->short_name == NULL) {
		rc = text_of(im, typo, &pv->short_name);
		short_line = line_of(typo);
		if (rc == SV_OK) {
			repaired(im, short_line, "<displayNameShort> (a typo) "
				"-> <displayShortName>");
		}
	}
	if (rc == SV_OK) {
		repair_short_name(im, short_line);
	}
	return rc;
}

static int map_document(struct imp *im, const xmlDoc *doc) {
	const xmlNode *root = xmlDocGetRootElement(doc);
	if (root == NULL) {
		return fail(im, 1, SV_EINVAL, "no root element");
	}
	if (!is_elem(root, "clientConfig")) {
		if (root->ns != NULL && root->ns->href != NULL) {
			char q[QUOTE_MAX + 4];
			return fail(im, line_of(root), SV_EINVAL,
				"root element is %s in namespace '%s', "
				"expected clientConfig without namespace",
				elem_name(root),
				quote((const char *)root->ns->href, q));
		}
		return fail(im, line_of(root), SV_EINVAL,
			"root element is %s, expected clientConfig",
			elem_name(root));
	}
	long provider_line = 0;
	bool webmail = false, oauth2 = false;
	int rc = SV_OK;
	for (const xmlNode *c = root->children; c != NULL && rc == SV_OK;
			c = c->next) {
		if (is_elem(c, "emailProvider")) {
			if (provider_line != 0) {
				return fail(im, line_of(c), SV_EINVAL,
					"second <emailProvider> (the first "
					"is at line %ld)", provider_line);
			}
			provider_line = line_of(c) > 0 ? line_of(c) : 1;
			rc = map_provider(im, c);
		} else if (is_elem(c, "enable")) {
			/* misplaced by some ISPDB files; kept */
			rc = map_link(im, c, SV_LINK_ENABLE, "visiturl",
				"instruction");
		} else if (is_elem(c, "webMail")) {
			rc = map_webmail(im, c, &webmail);
		} else if (is_elem(c, "oAuth2")) {
			rc = map_oauth2(im, c, &oauth2);
		}
	}
	if (rc == SV_OK && provider_line == 0) {
		rc = fail(im, line_of(root), SV_EINVAL,
			"<clientConfig> has no <emailProvider>");
	}
	return rc;
}

/* The children of emailProvider that map_provider turns into links. */
static bool is_link_elem(const xmlNode *n) {
	return is_elem(n, "documentation") || is_elem(n, "enable") ||
		is_elem(n, "instruction");
}

/*
 * The line of the element a validator message is about, found again in the
 * tree. sv_provider_validate names the field first ("server 2 (smtp): ...",
 * "domain 3: ...", "link 1 (enable): ...", "webmail: ...", "id: ..."),
 * counting from 1 in model order, which is document order here because
 * every such element above added exactly one entry. 0 when the message
 * names nothing we can find; the caller then prints no line.
 */
static long validator_line(const xmlDoc *doc, const char *msg) {
	const xmlNode *root = xmlDocGetRootElement(doc);
	const xmlNode *ep = root != NULL ? root->children : NULL;
	while (ep != NULL && !is_elem(ep, "emailProvider")) {
		ep = ep->next;
	}
	if (ep == NULL) {
		return 0;
	}
	static const struct {
		const char *prefix; /* of the message */
		const char *elem;   /* a child of emailProvider, or NULL */
		bool indexed;       /* a number follows the prefix */
	} fields[] = {
		{ "id:", NULL, false },
		{ "display_name:", "displayName", false },
		{ "short_name:", "displayShortName", false },
		{ "domains:", NULL, false },
		{ "servers:", NULL, false },
		{ "domain ", "domain", true },
		{ "server ", "*server", true },
		{ "link ", "*link", true },
		{ "webmail:", "*webMail", false },
		{ "oauth2:", "*oAuth2", false },
	};
	size_t f = 0;
	size_t nf = sizeof(fields) / sizeof(fields[0]);
	while (f < nf && strncmp(msg, fields[f].prefix,
			strlen(fields[f].prefix)) != 0) {
		f++;
	}
	if (f == nf) {
		return 0;
	}
	const char *elem = fields[f].elem;
	if (elem == NULL) {
		return line_of(ep);
	}
	size_t want = 1;
	if (fields[f].indexed) {
		const char *p = msg + strlen(fields[f].prefix);
		want = 0;
		for (; *p >= '0' && *p <= '9' && want < 100000; p++) {
			want = want * 10 + (size_t)(*p - '0');
		}
		if (want == 0) {
			return 0;
		}
	}
	size_t seen = 0;
	if (strcmp(elem, "*webMail") == 0 || strcmp(elem, "*oAuth2") == 0) {
		for (const xmlNode *c = root->children; c != NULL;
				c = c->next) {
			if (is_elem(c, elem + 1)) {
				return line_of(c);
			}
		}
		return 0;
	}
	if (strcmp(elem, "*link") == 0) {
		/* links: in emailProvider, and <enable> under clientConfig */
		for (const xmlNode *c = root->children; c != NULL;
				c = c->next) {
			if (c == ep) {
				for (const xmlNode *l = ep->children; l != NULL;
						l = l->next) {
					if (is_link_elem(l) &&
							++seen == want) {
						return line_of(l);
					}
				}
			} else if (is_elem(c, "enable") && ++seen == want) {
				return line_of(c);
			}
		}
		return 0;
	}
	for (const xmlNode *c = ep->children; c != NULL; c = c->next) {
		bool match = strcmp(elem, "*server") == 0 ?
			is_elem(c, "incomingServer") ||
			is_elem(c, "outgoingServer") : is_elem(c, elem);
		if (match && ++seen == want) {
			return line_of(c);
		}
	}
	return 0;
}

/* Parses buf into *doc (owned, xmlFreeDoc) or reports why not. */
static int parse(const struct imp *im, const char *buf, size_t len,
		xmlDoc **doc) {
	struct sv_err e = { .msg = "" };
	long line = 1;
	int rc = sv_xml_parse(buf, len, SV_IMPORT_MAX_FILE, doc, &line, &e);
	if (rc == SV_ENOMEM) {
		return oom(im);
	}
	if (rc == SV_ETOOBIG) {
		return sv_errf(im->err, rc, "%s: %zu bytes, over the import "
			"limit of %d bytes", im->name, len, SV_IMPORT_MAX_FILE);
	}
	if (rc != SV_OK) {
		return fail(im, line, rc, "%s", e.msg);
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
		rc = oom(&im);
	} else {
		rc = map_document(&im, doc);
	}
	if (rc == SV_OK) {
		struct sv_err e = { .msg = "" };
		rc = sv_provider_validate(im.pv, &e);
		long line = rc != SV_OK ? validator_line(doc, e.msg) : 0;
		if (rc == SV_ENOMEM) {
			oom(&im);
		} else if (rc != SV_OK && line > 0) {
			fail(&im, line, rc, "%s", e.msg);
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
