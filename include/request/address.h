/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_ADDRESS_H
#define SUIVANT_ADDRESS_H

#include <stddef.h>

#include "util/err.h"

/*
 * E-mail addresses and domain names from untrusted input (query strings,
 * Host headers, URL paths, command lines). Inputs carry an explicit length
 * so that an embedded NUL (a decoded %00) is seen and refused rather than
 * silently truncating the value.
 */

#define SV_ADDRESS_MAX 254   /* RFC 5321 path limit, octets */
#define SV_LOCALPART_MAX 64  /* RFC 5321 */
#define SV_DOMAIN_MAX 253    /* A-label form, no trailing dot */

struct sv_address {
	char local[SV_LOCALPART_MAX + 1];  /* as typed (case kept), UTF-8 */
	char domain[SV_DOMAIN_MAX + 1];    /* normalised: see sv_domain_normalize */
	char address[SV_ADDRESS_MAX + 1];  /* local "@" domain (normalised) */
};

/*
 * Normalises a domain name: valid UTF-8, no control characters nor
 * noncharacters (sv_utf8_is_noncharacter), one trailing dot removed,
 * converted to lower-case A-labels (IDNA2008 via libidn2, so
 * "Exämple.FR" gives "xn--exmple-cua.fr"), then checked for
 * host-name syntax (labels 1..63 of letters, digits, hyphens; total <= 253;
 * at least... one label). Writes into out (outsz >= SV_DOMAIN_MAX + 1).
 * Returns SV_OK, or SV_EINVAL / SV_ETOOBIG with a short reason in err
 * suitable for a 400 body ("domain: label longer than 63 octets").
 */
int sv_domain_normalize(const char *s, size_t len, char *out, size_t outsz,
	struct sv_err *err);

/*
 * Parses "local@domain": exactly one '@', local part 1..64 octets of valid
 * UTF-8 without control characters, noncharacters, spaces or any of
 * "(),:;<>[\] and double quote, no leading/trailing/double dot; domain as
 * sv_domain_normalize; whole input <= SV_ADDRESS_MAX octets.
 * Returns SV_OK or SV_EINVAL / SV_ETOOBIG with a short reason in err.
 */
int sv_address_parse(const char *s, size_t len, struct sv_address *out,
	struct sv_err *err);

#endif
