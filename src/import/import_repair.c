/* SPDX-License-Identifier: MIT */
/*
 * The importer's --repair fixes (import_mozilla.h lists the cases): a few
 * typos whose fix is unambiguous are fixed where import_mozilla.c reads
 * them, each reported through the caller's callback with the element's
 * line. Every function here does nothing unless the caller asked for
 * repairs, so the strict import stays exactly as strict.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "import/import_internal.h"
#include "model/placeholder.h"
#include "util/alloc.h"

/* Reports one repair as "name:line: repaired <message>". */
void imp_repaired(const struct imp *im, long line, const char *fmt, ...) {
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
int imp_repair_template(const struct imp *im, const xmlNode *n,
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
		return imp_oom(im);
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
	char q1[IMP_QUOTE_MAX + 4], q2[IMP_QUOTE_MAX + 4];
	imp_repaired(im, imp_line_of(n), "%s: placeholder without its "
		"closing '%%': '%s' -> '%s'", imp_elem_name(n),
		imp_quote(s, q1), imp_quote(fixed, q2));
	sv_free(*tpl);
	*tpl = fixed;
	return SV_OK;
}

/*
 * With the repair option: lower-cases the ASCII letters of *s in place
 * when that turns it into a value ok() accepts, and reports it as what.
 * SV_OK (repaired or not) or SV_ENOMEM.
 */
int imp_repair_case(const struct imp *im, const xmlNode *n, char *s,
		const char *what, bool (*ok)(const char *)) {
	if (!im->opt->repair || ok(s)) {
		return SV_OK;
	}
	char *low = sv_strdup(s);
	if (low == NULL) {
		return imp_oom(im);
	}
	for (char *p = low; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			*p = (char)(*p - 'A' + 'a');
		}
	}
	if (ok(low)) { /* else not (only) a case problem: the error follows */
		char before[IMP_QUOTE_MAX + 4], after[IMP_QUOTE_MAX + 4];
		imp_repaired(im, imp_line_of(n),
			"%s in upper case: '%s' -> '%s'",
			what, imp_quote(s, before), imp_quote(low, after));
		memcpy(s, low, strlen(low) + 1); /* same length */
	}
	sv_free(low);
	return SV_OK;
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
void imp_repair_short_name(struct imp *im, long line) {
	struct sv_provider *pv = im->pv;
	if (!im->opt->repair || pv->short_name == NULL ||
			utf8_chars(pv->short_name) <= SV_MODEL_MAX_SHORT_NAME) {
		return;
	}
	char q[IMP_QUOTE_MAX + 4];
	imp_repaired(im, line, "displayShortName over %d characters: '%s' -> "
		"dropped", SV_MODEL_MAX_SHORT_NAME,
		imp_quote(pv->short_name, q));
	sv_free(pv->short_name);
	pv->short_name = NULL;
}

