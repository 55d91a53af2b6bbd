/* SPDX-License-Identifier: MIT */
/*
 * UTF-8 decoding shared by every validator of untrusted text (addresses,
 * domain names, provider texts): one definition of "valid UTF-8", and
 * the check of typed values that refuses what no name may hold.
 */
#include "util/err.h"
#include "util/utf8.h"

/*
 * Decodes the UTF-8 sequence at p (n > 0 bytes available) into *cp and
 * returns its length, or 0 when it is not valid RFC 3629 UTF-8 (overlong
 * forms, surrogates, code points above U+10FFFF, truncated sequences).
 */
size_t sv_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp) {
	unsigned char c = p[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1Fu;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0Fu;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07u;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len) {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			return 0;
		}
		v = v << 6 | (p[i] & 0x3Fu);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		return 0;
	}
	*cp = v;
	return len;
}

bool sv_utf8_is_control(uint32_t cp) {
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

bool sv_utf8_is_noncharacter(uint32_t cp) {
	return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

int sv_utf8_check(const char *s, size_t len, const char *what, bool *ascii,
		struct sv_err *err) {
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
