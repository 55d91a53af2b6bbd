/* SPDX-License-Identifier: MIT */
/*
 * Placeholder templates. Thunderbird substitutes the four tokens by plain
 * string replacement and leaves anything else literally, so a typo such as
 * "%EMAILADDRESS" (no closing '%') silently becomes a wrong login. We
 * refuse such templates on write instead: a '%' followed by an upper-case
 * run is either a known token or an error when the run is closed by '%' or
 * is a known token name missing its '%'. Any other '%' is literal, which
 * keeps Alice's "%EMAILLOCALPART%%%EMAILDOMAIN%" (a literal '%' between
 * two tokens) valid.
 */
#include <stdbool.h>
#include <string.h>

#include "model/model.h"
#include "model/placeholder.h"
#include "util/name.h"

static const char *const token_texts[SV_TOKEN_COUNT] = {
	[SV_TOKEN_EMAILADDRESS] = "%EMAILADDRESS%",
	[SV_TOKEN_EMAILLOCALPART] = "%EMAILLOCALPART%",
	[SV_TOKEN_EMAILDOMAIN] = "%EMAILDOMAIN%",
	[SV_TOKEN_REALNAME] = "%REALNAME%",
};

const char *sv_token_text(enum sv_token t) {
	return (unsigned)t < SV_TOKEN_COUNT ? token_texts[t] : "";
}

static bool is_token_char(char c) {
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The token starting at p, or -1. */
static int token_at(const char *p) {
	for (int t = 0; t < SV_TOKEN_COUNT; t++) {
		size_t n = strlen(token_texts[t]);
		if (strncmp(p, token_texts[t], n) == 0) {
			return t;
		}
	}
	return -1;
}

/* True when the run [p, p + n) is a token name without its closing '%'. */
static bool is_unterminated_token(const char *p, size_t n) {
	for (int t = 0; t < SV_TOKEN_COUNT; t++) {
		const char *name = token_texts[t] + 1;
		size_t len = strlen(name) - 1;
		if (n >= 5 && n <= len && strncmp(p, name, n) == 0) {
			return true;
		}
	}
	return false;
}

static int add_piece(struct sv_tpl_piece *pieces, size_t max, size_t *n,
		struct sv_tpl_piece piece, struct sv_err *err) {
	if (*n >= max) {
		return sv_errf(err, SV_ETOOBIG, "template has too many parts");
	}
	pieces[(*n)++] = piece;
	return SV_OK;
}

int sv_placeholder_split(const char *tpl, struct sv_tpl_piece *pieces,
		size_t max, size_t *n, struct sv_err *err) {
	*n = 0;
	const char *lit = tpl;
	const char *p = tpl;
	while (*p != '\0') {
		if (*p != '%') {
			p++;
			continue;
		}
		int t = token_at(p);
		if (t < 0) {
			size_t run = 0;
			while (is_token_char(p[1 + run])) {
				run++;
			}
			if (run > 0 && p[1 + run] == '%') {
				return sv_errf(err, SV_EINVAL,
					"unknown placeholder %%%.*s%% (known: "
					"%%EMAILADDRESS%%, %%EMAILLOCALPART%%, "
					"%%EMAILDOMAIN%%, %%REALNAME%%)",
					run > 40 ? 40 : (int)run, p + 1);
			}
			if (is_unterminated_token(p + 1, run)) {
				return sv_errf(err, SV_EINVAL,
					"placeholder %%%.*s is missing its "
					"closing '%%'", (int)run, p + 1);
			}
			p++; /* a literal '%' */
			continue;
		}
		int rc;
		if (p > lit) {
			struct sv_tpl_piece piece = {
				.is_token = false, .lit = lit,
				.lit_len = (size_t)(p - lit) };
			if ((rc = add_piece(pieces, max, n, piece, err)) != SV_OK) {
				return rc;
			}
		}
		struct sv_tpl_piece piece = {
			.is_token = true, .token = (enum sv_token)t };
		if ((rc = add_piece(pieces, max, n, piece, err)) != SV_OK) {
			return rc;
		}
		p += strlen(token_texts[t]);
		lit = p;
	}
	if (p > lit) {
		struct sv_tpl_piece piece = {
			.is_token = false, .lit = lit,
			.lit_len = (size_t)(p - lit) };
		return add_piece(pieces, max, n, piece, err);
	}
	return SV_OK;
}

/* Pieces a valid template of SV_MODEL_MAX_TEMPLATE bytes can need. */
#define MAX_PIECES (SV_MODEL_MAX_TEMPLATE / 2 + 2)

/*
 * sv_placeholder_split of a template of at most SV_MODEL_MAX_TEMPLATE
 * bytes (what names it when it is longer) into pieces[MAX_PIECES].
 */
static int split_template(const char *tpl, const char *what,
		struct sv_tpl_piece *pieces, size_t *n, struct sv_err *err) {
	if (strlen(tpl) > SV_MODEL_MAX_TEMPLATE) {
		return sv_errf(err, SV_EINVAL, "%s longer than %d bytes", what,
			SV_MODEL_MAX_TEMPLATE);
	}
	return sv_placeholder_split(tpl, pieces, MAX_PIECES, n, err);
}

int sv_placeholder_validate(const char *tpl, struct sv_err *err) {
	struct sv_tpl_piece pieces[MAX_PIECES];
	size_t n;
	return split_template(tpl, "template", pieces, &n, err);
}

int sv_placeholder_uses(const char *tpl, enum sv_token token, bool *out,
		struct sv_err *err) {
	struct sv_tpl_piece pieces[MAX_PIECES];
	size_t n = 0;
	*out = false;
	int rc = split_template(tpl, "template", pieces, &n, err);
	for (size_t i = 0; rc == SV_OK && i < n; i++) {
		if (pieces[i].is_token && pieces[i].token == token) {
			*out = true;
		}
	}
	return rc;
}

static bool is_host_char(char c) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '.' || c == '-';
}

int sv_placeholder_validate_hostname(const char *tpl, struct sv_err *err) {
	struct sv_tpl_piece pieces[MAX_PIECES];
	size_t n;
	if (tpl[0] == '\0') {
		return sv_errf(err, SV_EINVAL, "host name is empty");
	}
	int rc = split_template(tpl, "host name", pieces, &n, err);
	if (rc != SV_OK) {
		return rc;
	}
	bool has_token = false;
	for (size_t i = 0; i < n; i++) {
		if (pieces[i].is_token) {
			if (pieces[i].token == SV_TOKEN_REALNAME) {
				return sv_errf(err, SV_EINVAL, "%%REALNAME%% "
					"cannot appear in a host name");
			}
			has_token = true;
			continue;
		}
		for (size_t k = 0; k < pieces[i].lit_len; k++) {
			if (!is_host_char(pieces[i].lit[k])) {
				return sv_errf(err, SV_EINVAL, "host name: "
					"character '%c' not allowed (letters, "
					"digits, '.', '-' and placeholders)",
					pieces[i].lit[k] >= 0x20 &&
					pieces[i].lit[k] < 0x7f ?
					pieces[i].lit[k] : '?');
			}
		}
	}
	if (!has_token && !sv_is_hostname(tpl, false)) {
		return sv_errf(err, SV_EINVAL, "'%.64s' is not a host name%s",
			tpl, sv_name_numeric_tld_note(tpl, false));
	}
	return SV_OK;
}

bool sv_placeholder_has_token(const char *tpl) {
	for (const char *p = strchr(tpl, '%'); p != NULL;
			p = strchr(p + 1, '%')) {
		if (token_at(p) >= 0) {
			return true;
		}
	}
	return false;
}
