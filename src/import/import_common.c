/* SPDX-License-Identifier: MIT */
/*
 * What every file of the Mozilla importer uses: the "name:line: message"
 * errors, quoted excerpts of bad values, and access to libxml2's tree
 * (elements are matched by local name and only without a namespace).
 * Below the mapping files, which call it and are never called by it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>

#include "import/import_internal.h"

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

int imp_room(const struct imp *im, const xmlNode *n, size_t count,
		int max, const char *what) {
	return count < (size_t)max ? SV_OK : imp_fail(im, imp_line_of(n),
		SV_EINVAL, "more than %d %s", max, what);
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

int imp_duplicate(const struct imp *im, const xmlNode *n) {
	return imp_fail(im, imp_line_of(n), SV_EINVAL, "duplicate <%s>",
		imp_elem_name(n));
}
