/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_ADDRESS_H
#define SUIVANT_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "util/err.h"
#include "util/name.h"

/*
 * E-mail addresses from untrusted input (query strings, URL paths, command
 * lines). Inputs carry an explicit length so that an embedded NUL (a
 * decoded %00) is seen and refused rather than silently truncating the
 * value. Domain names alone (Host headers, DOMAIN arguments) go through
 * sv_domain_normalize (util/name.h, included for it and SV_DOMAIN_MAX).
 */

#define SV_ADDRESS_MAX 254   /* RFC 5321 path limit, octets */
#define SV_LOCALPART_MAX 64  /* RFC 5321 */

struct sv_address {
	char local[SV_LOCALPART_MAX + 1];  /* as typed (case kept), UTF-8 */
	char domain[SV_DOMAIN_MAX + 1];    /* normalised: see sv_domain_normalize */
	char address[SV_ADDRESS_MAX + 1];  /* local "@" domain (normalised) */
};

/*
 * Parses "local@domain": exactly one '@', local part 1..64 octets of valid
 * UTF-8 without control characters, noncharacters, spaces or any of
 * "(),:;<>[\] and double quote, no leading/trailing/double dot; domain as
 * sv_domain_normalize; whole input <= SV_ADDRESS_MAX octets.
 * Returns SV_OK or SV_EINVAL / SV_ETOOBIG with a short reason in err.
 */
int sv_address_parse(const char *s, size_t len, struct sv_address *out,
	struct sv_err *err);

/*
 * Evolution 3.46 never sends the user's address: it asks for
 * "EVOLUTIONUSER@" DOMAIN (with an emailmd5 parameter, the MD5 of the
 * real address) and fills the answer's %EMAILADDRESS% and
 * %EMAILLOCALPART% with the real address itself.
 */
#define SV_ADDRESS_EVOLUTION_USER "EVOLUTIONUSER"

/* True when a's local part is Evolution's stand-in (exact case). */
static inline bool sv_address_is_evolution_user(const struct sv_address *a) {
	return strcmp(a->local, SV_ADDRESS_EVOLUTION_USER) == 0;
}

#endif
