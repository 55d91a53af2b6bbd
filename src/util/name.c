/* SPDX-License-Identifier: MIT */
/*
 * Host names, domain rows and the normalisation of typed domain names:
 * the one rule every layer applies (name.h says which, and why an
 * all-digit top-level label is refused). One scanner decides; the
 * predicates and the normaliser only say its verdict differently.
 *
 * Non-ASCII names go through libidn2 (IDNA2008 + UTS #46 non-transitional,
 * NFC input). No state, no allocation of our own: thread-safe.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <idn2.h>

#include "util/err.h"
#include "util/name.h"
#include "util/utf8.h"

/*
 * Longest typed name worth looking at: a U-label has no more code points
 * than its A-label has octets, and a code point is at most 4 octets; plus
 * one trailing dot. Anything longer cannot normalise to <= SV_DOMAIN_MAX.
 */
#define DOMAIN_INPUT_MAX (4 * SV_DOMAIN_MAX + 1)

/* What the scanner found first, in the order the checks are made. */
enum verdict {
	NAME_OK,
	NAME_EMPTY,
	NAME_TOO_LONG,
	NAME_EMPTY_LABEL,
	NAME_LONG_LABEL,
	NAME_HYPHEN,       /* a label starts or ends with '-' */
	NAME_CHAR,         /* not a letter, digit, hyphen or dot */
	NAME_NUMERIC_TLD,  /* all of the above fine, last label all digits */
};

static bool is_ldh(char c, bool lower_only) {
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		(!lower_only && c >= 'A' && c <= 'Z');
}

/*
 * Host-name syntax of the NUL-terminated s: the first problem met, the
 * length first, then label by label and character by character, the
 * top-level label last.
 */
static enum verdict scan(const char *s, bool lower_only) {
	size_t total = strlen(s);
	if (total == 0) {
		return NAME_EMPTY;
	}
	if (total > SV_DOMAIN_MAX) {
		return NAME_TOO_LONG;
	}
	const char *label = s;
	bool all_digits = true;
	for (const char *p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			size_t n = (size_t)(p - label);
			if (n == 0) {
				return NAME_EMPTY_LABEL;
			}
			if (n > SV_LABEL_MAX) {
				return NAME_LONG_LABEL;
			}
			if (label[0] == '-' || p[-1] == '-') {
				return NAME_HYPHEN;
			}
			if (*p == '\0') {
				break;
			}
			label = p + 1;
			all_digits = true;
			continue;
		}
		if (!is_ldh(*p, lower_only)) {
			return NAME_CHAR;
		}
		if (*p < '0' || *p > '9') {
			all_digits = false;
		}
	}
	return all_digits ? NAME_NUMERIC_TLD : NAME_OK;
}

/* The reason for a verdict other than NAME_OK, as a 400 body says it. */
static int refuse(enum verdict v, struct sv_err *err) {
	switch (v) {
	case NAME_EMPTY:
		return sv_errf(err, SV_EINVAL, "domain: empty");
	case NAME_TOO_LONG:
		return sv_errf(err, SV_ETOOBIG, "domain: longer than %d octets",
			SV_DOMAIN_MAX);
	case NAME_EMPTY_LABEL:
		return sv_errf(err, SV_EINVAL, "domain: empty label");
	case NAME_LONG_LABEL:
		return sv_errf(err, SV_ETOOBIG,
			"domain: label longer than %d octets", SV_LABEL_MAX);
	case NAME_HYPHEN:
		return sv_errf(err, SV_EINVAL,
			"domain: label starts or ends with a hyphen");
	case NAME_CHAR:
		return sv_errf(err, SV_EINVAL, "domain: only letters, digits, "
			"hyphens and dots are allowed");
	case NAME_NUMERIC_TLD:
		return sv_errf(err, SV_EINVAL,
			"domain: top-level label is all digits");
	case NAME_OK:
		break;
	}
	return SV_OK;
}

bool sv_is_domain_name(const char *s) {
	return s != NULL && scan(s, true) == NAME_OK;
}

bool sv_is_hostname(const char *s, bool lower_only) {
	if (s == NULL) {
		return false;
	}
	enum verdict v = scan(s, lower_only);
	if (v == NAME_NUMERIC_TLD) {
		unsigned char addr[4];
		return inet_pton(AF_INET, s, addr) == 1;
	}
	return v == NAME_OK;
}

bool sv_is_domain_pattern(const char *s) {
	if (s == NULL) {
		return false;
	}
	if (strcmp(s, "*") == 0) {
		return true;
	}
	return sv_is_domain_name(s[0] == '*' && s[1] == '.' ? s + 2 : s);
}

bool sv_is_mx_prefixed(const char *s) {
	return s != NULL && strncmp(s, SV_MX_ROW_PREFIX,
		SV_MX_ROW_PREFIX_LEN) == 0;
}

bool sv_is_mx_row(const char *s) {
	if (!sv_is_mx_prefixed(s)) {
		return false;
	}
	s += SV_MX_ROW_PREFIX_LEN;
	return sv_is_domain_name(s[0] == '*' && s[1] == '.' ? s + 2 : s);
}

bool sv_is_domain_row(const char *s) {
	return sv_is_domain_pattern(s) || sv_is_mx_row(s);
}

const char *sv_name_numeric_tld_note(const char *s, bool lower_only) {
	if (s == NULL) {
		return "";
	}
	if (sv_is_mx_prefixed(s)) {
		s += SV_MX_ROW_PREFIX_LEN;
	}
	if (s[0] == '*' && s[1] == '.') {
		s += 2;
	}
	return scan(s, lower_only) == NAME_NUMERIC_TLD ?
		SV_NAME_NUMERIC_TLD_NOTE : "";
}

/* Reason for a libidn2 failure, without echoing the input. */
static int idn2_failure(int rc, struct sv_err *err) {
	switch (rc) {
	case IDN2_MALLOC:
		return sv_errf(err, SV_ENOMEM, "domain: out of memory");
	case IDN2_TOO_BIG_DOMAIN:
		return refuse(NAME_TOO_LONG, err);
	case IDN2_TOO_BIG_LABEL:
	case IDN2_PUNYCODE_BIG_OUTPUT:
		return refuse(NAME_LONG_LABEL, err);
	default:
		return sv_errf(err, SV_EINVAL,
			"domain: not a valid internationalised name");
	}
}

/* Checks the normalised name and copies it to out (room checked). */
static int take(const char *name, bool keep_numeric_tld, char *out,
		struct sv_err *err) {
	enum verdict v = scan(name, true);
	if (v == NAME_NUMERIC_TLD && keep_numeric_tld) {
		v = NAME_OK;
	}
	if (v != NAME_OK) {
		return refuse(v, err);
	}
	memcpy(out, name, strlen(name) + 1);
	return SV_OK;
}

static int normalize(const char *s, size_t len, bool keep_numeric_tld,
		char *out, size_t outsz, struct sv_err *err) {
	if (outsz < SV_DOMAIN_MAX + 1) {
		return sv_errf(err, SV_ETOOBIG,
			"domain: no room for the result");
	}
	out[0] = '\0';
	if (s == NULL || len == 0) {
		return refuse(NAME_EMPTY, err);
	}
	if (len > DOMAIN_INPUT_MAX) {
		return refuse(NAME_TOO_LONG, err);
	}
	bool ascii = true;
	int rc = sv_utf8_check(s, len, "domain", &ascii, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (s[len - 1] == '.') {
		len--; /* the root: "example.fr." names "example.fr" */
	}
	if (len == 0) {
		return refuse(NAME_EMPTY, err);
	}
	if (s[0] == '[') {
		return sv_errf(err, SV_EINVAL,
			"domain: address literals are not accepted");
	}

	char low[DOMAIN_INPUT_MAX + 1];
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		low[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	low[len] = '\0';
	if (ascii) {
		return take(low, keep_numeric_tld, out, err);
	}

	uint8_t *alabel = NULL;
	int irc = idn2_lookup_u8((const uint8_t *)low, &alabel,
		IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (irc != IDN2_OK) {
		idn2_free(alabel);
		return idn2_failure(irc, err);
	}
	/* TR46 maps case already; lower-case again so the contract does not
	 * depend on the library's mapping tables. */
	for (uint8_t *p = alabel; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			*p = (uint8_t)(*p - 'A' + 'a');
		}
	}
	rc = take((const char *)alabel, keep_numeric_tld, out, err);
	idn2_free(alabel);
	return rc;
}

int sv_domain_normalize(const char *s, size_t len, char *out, size_t outsz,
		struct sv_err *err) {
	return normalize(s, len, false, out, outsz, err);
}

int sv_domain_pattern_normalize(const char *s, size_t len,
		bool keep_numeric_tld, char *out, size_t outsz,
		struct sv_err *err) {
	if (outsz < SV_DOMAIN_PATTERN_MAX + 1) {
		return sv_errf(err, SV_ETOOBIG,
			"domain: no room for the result");
	}
	out[0] = '\0';
	if (s == NULL) {
		return normalize(NULL, 0, false, out, outsz, err);
	}
	if (len == 1 && s[0] == '*') {
		memcpy(out, "*", 2);
		return SV_OK;
	}
	bool wild = len >= 2 && s[0] == '*' && s[1] == '.';
	size_t skip = wild ? 2 : 0;
	int rc = normalize(s + skip, len - skip, keep_numeric_tld, out + skip,
		outsz - skip, err);
	if (rc == SV_OK && wild) {
		memcpy(out, "*.", 2);
	}
	return rc;
}

int sv_domain_row_normalize(const char *s, size_t len, bool keep_numeric_tld,
		char *out, size_t outsz, struct sv_err *err) {
	if (outsz < SV_DOMAIN_ROW_MAX + 1) {
		return sv_errf(err, SV_ETOOBIG,
			"domain: no room for the result");
	}
	bool mx = s != NULL && len >= SV_MX_ROW_PREFIX_LEN &&
		(s[0] == 'm' || s[0] == 'M') && (s[1] == 'x' || s[1] == 'X') &&
		s[2] == ':';
	if (!mx) {
		return sv_domain_pattern_normalize(s, len, keep_numeric_tld, out,
			outsz, err);
	}
	s += SV_MX_ROW_PREFIX_LEN;
	len -= SV_MX_ROW_PREFIX_LEN;
	out[0] = '\0';
	if (len == 1 && s[0] == '*') {
		return sv_errf(err, SV_EINVAL,
			"domain: 'mx:*' would match every mail server");
	}
	int rc = sv_domain_pattern_normalize(s, len, keep_numeric_tld,
		out + SV_MX_ROW_PREFIX_LEN, outsz - SV_MX_ROW_PREFIX_LEN, err);
	if (rc == SV_OK) {
		memcpy(out, SV_MX_ROW_PREFIX, SV_MX_ROW_PREFIX_LEN);
	} else {
		out[0] = '\0';
	}
	return rc;
}
