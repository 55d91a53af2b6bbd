/* SPDX-License-Identifier: MIT */
/*
 * E-mail addresses and domain names from untrusted input. Everything is
 * length-aware (an embedded NUL is an error, never a terminator), bounded
 * before any copy, and refused rather than repaired: the only changes made
 * are the ones a lookup needs (one trailing dot dropped, lower case, IDNA
 * A-labels). Reasons in err are short constant phrases that never echo the
 * input, so that the HTTP layer can put them in a 400 body as they are.
 *
 * Non-ASCII domains go through libidn2 (IDNA2008 + TR46 non-transitional,
 * NFC input); an all-ASCII domain is only lower-cased and syntax-checked,
 * so "xn--" labels are taken as given. No state, no allocation of our own:
 * thread-safe.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <idn2.h>

#include "request/address.h"
#include "util/err.h"
#include "util/utf8.h"

/*
 * Longest input worth looking at: a U-label has no more code points than
 * its A-label has octets, and a code point is at most 4 octets; plus one
 * trailing dot. Anything longer cannot normalise to <= SV_DOMAIN_MAX.
 */
#define DOMAIN_INPUT_MAX (4 * SV_DOMAIN_MAX + 1)
#define LABEL_MAX 63


/*
 * Checks that s[0..len) is valid UTF-8 without NUL, control characters or
 * noncharacters; what names the value in the message. *ascii tells whether
 * every byte is below 0x80.
 */
static int check_chars(const char *s, size_t len, const char *what,
		bool *ascii, struct sv_err *err) {
	const unsigned char *p = (const unsigned char *)s;
	bool only_ascii = true;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = sv_utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			return sv_errf(err, SV_EINVAL, "%s: invalid UTF-8",
				what);
		}
		if (cp == 0) {
			return sv_errf(err, SV_EINVAL,
				"%s: contains a NUL byte", what);
		}
		if (sv_utf8_is_control(cp)) {
			return sv_errf(err, SV_EINVAL,
				"%s: contains a control character", what);
		}
		if (sv_utf8_is_noncharacter(cp)) {
			return sv_errf(err, SV_EINVAL,
				"%s: contains the noncharacter U+%04X", what,
				(unsigned)cp);
		}
		if (cp >= 0x80) {
			only_ascii = false;
		}
		i += n;
	}
	*ascii = only_ascii;
	return SV_OK;
}

static bool is_ldh(unsigned char c) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-';
}

/*
 * Host-name syntax of a NUL-terminated lower-case ASCII name (the result
 * of normalisation): labels of 1..63 letters, digits and hyphens, no
 * hyphen at either end, <= SV_DOMAIN_MAX octets, and a top-level label
 * that is not all digits (RFC 3696 section 2), so that a dotted IPv4
 * address is not taken for a domain.
 */
static int check_hostname(const char *name, struct sv_err *err) {
	size_t total = strlen(name);
	if (total == 0) {
		return sv_errf(err, SV_EINVAL, "domain: empty");
	}
	if (total > SV_DOMAIN_MAX) {
		return sv_errf(err, SV_ETOOBIG, "domain: longer than %d octets",
			SV_DOMAIN_MAX);
	}
	const char *label = name;
	bool all_digits = true;
	for (const char *p = name;; p++) {
		if (*p == '.' || *p == '\0') {
			size_t n = (size_t)(p - label);
			if (n == 0) {
				return sv_errf(err, SV_EINVAL,
					"domain: empty label");
			}
			if (n > LABEL_MAX) {
				return sv_errf(err, SV_ETOOBIG,
					"domain: label longer than %d octets",
					LABEL_MAX);
			}
			if (label[0] == '-' || p[-1] == '-') {
				return sv_errf(err, SV_EINVAL,
					"domain: label starts or ends with "
					"a hyphen");
			}
			if (*p == '\0') {
				break;
			}
			label = p + 1;
			all_digits = true;
			continue;
		}
		if (!is_ldh((unsigned char)*p)) {
			return sv_errf(err, SV_EINVAL,
				"domain: only letters, digits, hyphens and "
				"dots are allowed");
		}
		if (*p < '0' || *p > '9') {
			all_digits = false;
		}
	}
	if (all_digits) {
		return sv_errf(err, SV_EINVAL,
			"domain: top-level label is all digits");
	}
	return SV_OK;
}

/* Reason for a libidn2 failure, without echoing the input. */
static int idn2_failure(int rc, struct sv_err *err) {
	switch (rc) {
	case IDN2_MALLOC:
		return sv_errf(err, SV_ENOMEM, "domain: out of memory");
	case IDN2_TOO_BIG_DOMAIN:
		return sv_errf(err, SV_ETOOBIG, "domain: longer than %d octets",
			SV_DOMAIN_MAX);
	case IDN2_TOO_BIG_LABEL:
	case IDN2_PUNYCODE_BIG_OUTPUT:
		return sv_errf(err, SV_ETOOBIG,
			"domain: label longer than %d octets", LABEL_MAX);
	default:
		return sv_errf(err, SV_EINVAL,
			"domain: not a valid internationalised name");
	}
}

int sv_domain_normalize(const char *s, size_t len, char *out, size_t outsz,
		struct sv_err *err) {
	if (outsz < SV_DOMAIN_MAX + 1) {
		return sv_errf(err, SV_ETOOBIG, "domain: no room for the result");
	}
	out[0] = '\0';
	if (s == NULL || len == 0) {
		return sv_errf(err, SV_EINVAL, "domain: empty");
	}
	if (len > DOMAIN_INPUT_MAX) {
		return sv_errf(err, SV_ETOOBIG, "domain: longer than %d octets",
			SV_DOMAIN_MAX);
	}
	bool ascii = true;
	int rc = check_chars(s, len, "domain", &ascii, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (s[len - 1] == '.') {
		len--; /* the root: "example.fr." names "example.fr" */
	}
	if (len == 0) {
		return sv_errf(err, SV_EINVAL, "domain: empty");
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
		rc = check_hostname(low, err);
		if (rc == SV_OK) {
			memcpy(out, low, len + 1);
		}
		return rc;
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
	size_t n = strlen((const char *)alabel);
	for (size_t i = 0; i < n; i++) {
		if (alabel[i] >= 'A' && alabel[i] <= 'Z') {
			alabel[i] = (uint8_t)(alabel[i] - 'A' + 'a');
		}
	}
	rc = check_hostname((const char *)alabel, err);
	if (rc == SV_OK) {
		memcpy(out, alabel, n + 1);
	}
	idn2_free(alabel);
	return rc;
}

/* Characters RFC 5322 allows only inside a quoted local part. */
static bool is_local_special(uint32_t cp) {
	return cp != 0 && cp < 0x80 && strchr(" (),:;<>[\\]\"", (int)cp);
}

/* The local part: 1..64 octets, see sv_address_parse. */
static int check_local(const char *s, size_t len, struct sv_err *err) {
	if (len == 0) {
		return sv_errf(err, SV_EINVAL, "local part: empty");
	}
	if (len > SV_LOCALPART_MAX) {
		return sv_errf(err, SV_ETOOBIG,
			"local part: longer than %d octets", SV_LOCALPART_MAX);
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = sv_utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			return sv_errf(err, SV_EINVAL,
				"local part: invalid UTF-8");
		}
		if (is_local_special(cp)) {
			return sv_errf(err, SV_EINVAL,
				"local part: character not allowed");
		}
		i += n;
	}
	if (s[0] == '.' || s[len - 1] == '.') {
		return sv_errf(err, SV_EINVAL,
			"local part: starts or ends with a dot");
	}
	for (size_t j = 1; j < len; j++) {
		if (s[j] == '.' && s[j - 1] == '.') {
			return sv_errf(err, SV_EINVAL,
				"local part: two dots in a row");
		}
	}
	return SV_OK;
}

int sv_address_parse(const char *s, size_t len, struct sv_address *out,
		struct sv_err *err) {
	assert(out != NULL);
	memset(out, 0, sizeof(*out));
	if (s == NULL || len == 0) {
		return sv_errf(err, SV_EINVAL, "address: empty");
	}
	if (len > SV_ADDRESS_MAX) {
		return sv_errf(err, SV_ETOOBIG,
			"address: longer than %d octets", SV_ADDRESS_MAX);
	}
	bool ascii = true;
	int rc = check_chars(s, len, "address", &ascii, err);
	if (rc != SV_OK) {
		return rc;
	}
	const char *at = memchr(s, '@', len);
	if (at == NULL) {
		return sv_errf(err, SV_EINVAL, "address: no '@'");
	}
	size_t llen = (size_t)(at - s);
	if (memchr(at + 1, '@', len - llen - 1) != NULL) {
		return sv_errf(err, SV_EINVAL, "address: more than one '@'");
	}
	rc = check_local(s, llen, err);
	if (rc != SV_OK) {
		return rc;
	}
	char domain[SV_DOMAIN_MAX + 1];
	rc = sv_domain_normalize(at + 1, len - llen - 1, domain,
		sizeof(domain), err);
	if (rc != SV_OK) {
		return rc;
	}
	size_t dlen = strlen(domain);
	if (llen + 1 + dlen > SV_ADDRESS_MAX) { /* punycode grew it */
		return sv_errf(err, SV_ETOOBIG,
			"address: longer than %d octets once normalised",
			SV_ADDRESS_MAX);
	}
	memcpy(out->local, s, llen);
	out->local[llen] = '\0';
	memcpy(out->domain, domain, dlen + 1);
	memcpy(out->address, s, llen);
	out->address[llen] = '@';
	memcpy(out->address + llen + 1, domain, dlen + 1);
	return SV_OK;
}
