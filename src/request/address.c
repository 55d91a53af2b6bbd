/* SPDX-License-Identifier: MIT */
/*
 * E-mail addresses from untrusted input. Everything is length-aware (an
 * embedded NUL is an error, never a terminator), bounded before any copy,
 * and refused rather than repaired: the only changes made are the ones a
 * lookup needs, which the domain's normalisation makes (util/name.h).
 * Reasons in err are short constant phrases that never echo the input, so
 * that the HTTP layer can put them in a 400 body as they are. No state, no
 * allocation of our own: thread-safe.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "request/address.h"
#include "util/err.h"
#include "util/name.h"
#include "util/utf8.h"

/* Characters RFC 5322 allows only inside a quoted local part. */
static bool is_local_special(uint32_t cp) {
	return cp != 0 && cp < 0x80 && strchr(" (),:;<>[\\]\"", (int)cp);
}

/*
 * The local part: 1..64 octets, see sv_address_parse, which has checked
 * the whole address as UTF-8 already: the specials are ASCII, and no
 * byte of a multi-byte sequence is, so bytes can be tested one by one.
 */
static int check_local(const char *s, size_t len, struct sv_err *err) {
	if (len == 0) {
		return sv_errf(err, SV_EINVAL, "local part: empty");
	}
	if (len > SV_LOCALPART_MAX) {
		return sv_errf(err, SV_ETOOBIG,
			"local part: longer than %d octets", SV_LOCALPART_MAX);
	}
	for (size_t i = 0; i < len; i++) {
		if (is_local_special((unsigned char)s[i])) {
			return sv_errf(err, SV_EINVAL,
				"local part: character not allowed");
		}
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
	int rc = sv_utf8_check(s, len, "address", &ascii, err);
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
