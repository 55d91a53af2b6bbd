/* SPDX-License-Identifier: MIT */
/*
 * The value checks of the provider rules in model_validate.c: text, name,
 * URL, template and language-tag checks with the escaped excerpts their
 * messages quote (model_value.h). Host names and domain rows are the
 * name module's (util/name.h). Stateless and thread-safe.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "model/model_value.h"
#include "model/placeholder.h"
#include "util/utf8.h"

/* BCP 47 tags are at most 35 characters in practice (RFC 5646 4.4.1). */
#define LANG_MAX 35

/*
 * Writes a printable, bounded copy of s into buf for an error message:
 * valid non-control UTF-8 is kept, other bytes become \xNN, and a long
 * value is cut with "...". Returns buf.
 */
const char *model_shown(const char *s, char *buf, size_t bufsz) {
	assert(bufsz >= 8);
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	size_t o = 0;
	size_t room = bufsz - 4; /* keep space for "..." and the NUL */
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = sv_utf8_decode(p + i, n - i, &cp);
		if (k != 0 && !sv_utf8_is_control(cp) && cp != '\\') {
			if (o + k > room) {
				break;
			}
			memcpy(buf + o, p + i, k);
			o += k;
			i += k;
			continue;
		}
		if (o + 4 > room) {
			break;
		}
		snprintf(buf + o, 5, "\\x%02X", p[i]);
		o += 4;
		i++;
	}
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/*
 * A text field: valid UTF-8, no control character nor noncharacter (see
 * sv_utf8_is_noncharacter), at most max_bytes bytes. where names the
 * field. *chars (may be NULL) receives the number of code points.
 */
int model_check_text(const char *s, size_t max_bytes, const char *where,
		size_t *chars, struct sv_err *err) {
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	if (n > max_bytes) {
		return sv_errf(err, SV_EINVAL,
			"%s: %zu bytes is more than the %zu allowed", where, n,
			max_bytes);
	}
	size_t count = 0;
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = sv_utf8_decode(p + i, n - i, &cp);
		if (k == 0) {
			return sv_errf(err, SV_EINVAL,
				"%s: invalid UTF-8 at byte %zu", where, i + 1);
		}
		if (sv_utf8_is_control(cp)) {
			return sv_errf(err, SV_EINVAL,
				"%s: control character U+%04X at byte %zu",
				where, (unsigned)cp, i + 1);
		}
		if (sv_utf8_is_noncharacter(cp)) {
			return sv_errf(err, SV_EINVAL,
				"%s: noncharacter U+%04X at byte %zu",
				where, (unsigned)cp, i + 1);
		}
		count++;
		i += k;
	}
	if (chars != NULL) {
		*chars = count;
	}
	return SV_OK;
}

/* A name shown to users: non-empty text of at most max characters. */
int model_check_name(const char *s, size_t max, const char *where,
		struct sv_err *err) {
	size_t chars = 0;
	int rc = model_check_text(s, SV_MODEL_MAX_TEXT, where, &chars, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (chars == 0) {
		return sv_errf(err, SV_EINVAL,
			"%s: empty (leave it unset instead)", where);
	}
	if (chars > max) {
		return sv_errf(err, SV_EINVAL,
			"%s: %zu characters is more than the %zu allowed",
			where, chars, max);
	}
	return SV_OK;
}

bool model_has_prefix_nocase(const char *s, const char *prefix) {
	for (; *prefix != '\0'; s++, prefix++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		if (c != *prefix) {
			return false;
		}
	}
	return true;
}

/*
 * An http or https URL with a non-empty authority; a text (model_check_text)
 * with no space either. Placeholders are allowed: they are plain text.
 */
int model_check_url(const char *s, const char *where, struct sv_err *err) {
	char buf[MODEL_SHOWN_MAX];
	int rc = model_check_text(s, SV_MODEL_MAX_TEXT, where, NULL, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (s[0] == '\0') {
		return sv_errf(err, SV_EINVAL, "%s: empty", where);
	}
	const char *rest;
	if (model_has_prefix_nocase(s, "https://")) {
		rest = s + 8;
	} else if (model_has_prefix_nocase(s, "http://")) {
		rest = s + 7;
	} else {
		return sv_errf(err, SV_EINVAL,
			"%s: '%s' is not an http or https URL", where,
			model_shown(s, buf, sizeof(buf)));
	}
	if (rest[0] == '\0' || rest[0] == '/' || rest[0] == '?' ||
			rest[0] == '#') {
		return sv_errf(err, SV_EINVAL, "%s: '%s' has no host", where,
			model_shown(s, buf, sizeof(buf)));
	}
	if (strchr(s, ' ') != NULL) {
		return sv_errf(err, SV_EINVAL,
			"%s: '%s' contains a space (write %%20)", where,
			model_shown(s, buf, sizeof(buf)));
	}
	return SV_OK;
}

/* Text of at most SV_MODEL_MAX_TEMPLATE bytes that valid() accepts. */
static int check_template_with(const char *s, const char *where,
		int (*valid)(const char *tpl, struct sv_err *err),
		struct sv_err *err) {
	int rc = model_check_text(s, SV_MODEL_MAX_TEMPLATE, where, NULL, err);
	if (rc != SV_OK) {
		return rc;
	}
	struct sv_err sub = { .msg = "" };
	if (valid(s, &sub) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "%s: %s", where, sub.msg);
	}
	return SV_OK;
}

int model_check_template(const char *s, const char *where,
		struct sv_err *err) {
	return check_template_with(s, where, sv_placeholder_validate, err);
}

int model_check_hostname(const char *s, const char *where,
		struct sv_err *err) {
	return check_template_with(s, where, sv_placeholder_validate_hostname,
		err);
}

int model_check_required(const char *s, const char *w, const char *name,
		model_check_fn *check, struct sv_err *err) {
	if (s == NULL) {
		return sv_errf(err, SV_EINVAL, "%s: %s: missing", w, name);
	}
	char where[128];
	snprintf(where, sizeof(where), "%s: %s", w, name);
	return check(s, where, err);
}

/* A language tag: 1..35 letters, digits and hyphens, a letter first. */
bool model_is_lang(const char *s) {
	size_t n = strlen(s);
	if (n == 0 || n > LANG_MAX ||
			!((s[0] >= 'a' && s[0] <= 'z') ||
			(s[0] >= 'A' && s[0] <= 'Z'))) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '-')) {
			return false;
		}
	}
	return true;
}
