/* SPDX-License-Identifier: MIT */
/*
 * The Mozilla importer's readers of element texts, attributes and values
 * (booleans, bounded numbers, placeholder templates). They are taken
 * strictly, and every failure names the element's line, because a value
 * skipped silently would be data lost; the mapping files (import_server.c,
 * import_extras.c, import_mozilla.c) only say where each value goes.
 */
#include <stdbool.h>
#include <string.h>

#include <libxml/tree.h>

#include "import/import_internal.h"
#include "model/placeholder.h"
#include "util/alloc.h"

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
int imp_text_of(const struct imp *im, const xmlNode *n, char **out) {
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
int imp_scalar(const struct imp *im, const xmlNode *n, char **field) {
	if (*field != NULL) {
		return imp_duplicate(im, n);
	}
	return imp_text_of(im, n, field);
}

int imp_scalar_field(const struct imp *im, const xmlNode *n,
		const struct imp_scalar_field *fields, size_t count) {
	for (size_t i = 0; i < count; i++) {
		if (imp_is_elem(n, fields[i].name)) {
			return imp_scalar(im, n, fields[i].field);
		}
	}
	return SV_OK;
}

int imp_once(const struct imp *im, const xmlNode *n, bool *seen) {
	if (*seen) {
		return imp_duplicate(im, n);
	}
	*seen = true;
	return SV_OK;
}

/*
 * Attribute name (no namespace) of element n: *out receives an owned copy,
 * or NULL when absent. When required, absence or an empty value is an
 * error.
 */
int imp_attr_of(const struct imp *im, const xmlNode *n, const char *name,
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
int imp_parse_bool(const struct imp *im, const xmlNode *n,
		enum sv_tristate *field) {
	if (*field != SV_UNSET) {
		return imp_duplicate(im, n);
	}
	char *s = NULL;
	int rc = imp_text_of(im, n, &s);
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
int imp_parse_number(const struct imp *im, const xmlNode *n,
		const char *attr, long min, long max, int unset, int *field) {
	if (*field != unset) {
		return imp_duplicate(im, n);
	}
	char *s = NULL;
	int rc = attr != NULL ? imp_attr_of(im, n, attr, true, &s) :
		imp_text_of(im, n, &s);
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

/*
 * The template check, with the element's line in the message; with the
 * repair option, unterminated placeholders in *tpl are closed first.
 */
int imp_check_template(const struct imp *im, const xmlNode *n,
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

int imp_scalar_template(const struct imp *im, const xmlNode *n,
		char **field, bool hostname) {
	int rc = imp_scalar(im, n, field);
	return rc != SV_OK ? rc : imp_check_template(im, n, field, hostname);
}
