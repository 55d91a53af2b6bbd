/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_UTF8_H
#define SUIVANT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/*
 * Decodes the UTF-8 sequence at p (n > 0 bytes available) into *cp and
 * returns its length, or 0 when it is not valid RFC 3629 UTF-8 (overlong
 * forms, surrogates, code points above U+10FFFF, truncated sequences).
 */
size_t sv_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

/* C0 controls, DEL and C1 controls. */
bool sv_utf8_is_control(uint32_t cp);

/*
 * Unicode noncharacters: U+FDD0..U+FDEF and the last two code points of
 * every plane. U+FFFE and U+FFFF are not XML 1.0 characters, so a document
 * carrying one is not well-formed; the others are for a program's own use
 * and never part of an address or a name someone typed. Text we may serve
 * (addresses, provider values) refuses them all.
 */
bool sv_utf8_is_noncharacter(uint32_t cp);

/*
 * Checks that untrusted s[0..len) is valid UTF-8 without NUL, control
 * characters or noncharacters; what names the value in the reason
 * ("address: contains a NUL byte"), which never quotes the input.
 * *ascii tells whether every byte is below 0x80. SV_OK or SV_EINVAL.
 */
int sv_utf8_check(const char *s, size_t len, const char *what, bool *ascii,
	struct sv_err *err);

#endif
