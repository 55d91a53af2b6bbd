/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_NAME_H
#define SUIVANT_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/*
 * The one answer to "what is a valid domain": host names, domain rows
 * ("*.suffix", "*") and the normalisation of typed names into lower-case
 * A-labels. Requests (address.c), the provider model (its validator), the
 * importer and the command line all go through here, so that the database
 * cannot hold a domain that no request can reach.
 *
 * A host name is dot-separated labels of 1..SV_LABEL_MAX letters, digits
 * and hyphens, no hyphen at either end of a label, at most SV_DOMAIN_MAX
 * octets, no trailing dot (RFC 1035 2.3.1, RFC 1123 2.1), and its
 * top-level (last) label is not all digits:
 *  - RFC 1123 2.1 lets a label start with a digit only because "a valid
 *    host name can never have the dotted-decimal form #.#.#.#, since at
 *    least the highest-level component label will be alphabetic";
 *  - RFC 3696 2 states the rule outright: top-level domain names are not
 *    all-numeric, so that a name is never mistaken for an address;
 *  - the WHATWG URL host parser, which mail clients use to build
 *    https://autoconfig.<domain>/..., reads a host whose last label is a
 *    number as an IPv4 address and fails when it is not one, so such a
 *    domain could never be asked for anyway.
 * Where a server is named (a provider's <hostname>), an IPv4 address in
 * dotted-decimal form is accepted beside host names: it is an address, not
 * a name (RFC 1123 2.1 asks software to tell them apart this way).
 *
 * Databases written before this rule may hold a name it refuses; the
 * model's validator then names the row and adds
 * SV_NAME_NUMERIC_TLD_NOTE to its message, so that `suivant check` and
 * the loader report it instead of serving or dropping it silently.
 *
 * Everything here is stateless and thread-safe; nothing allocates but
 * libidn2 inside sv_domain_normalize (freed before it returns). The names
 * predate this module (callers and tests use them), hence no common
 * prefix.
 */

#define SV_DOMAIN_MAX 253   /* octets in A-label form, no trailing dot */
#define SV_LABEL_MAX 63     /* octets of one label (RFC 1035 2.3.4) */
/* A domain row: "*." and a host name. */
#define SV_DOMAIN_PATTERN_MAX (2 + SV_DOMAIN_MAX)

/*
 * An MX row: "mx:HOST" or "mx:*.SUFFIX" serves every mail domain whose
 * MX records name HOST, or a host below SUFFIX (the hoster's own mail
 * servers). It names mail servers, not mail domains, so it is no host
 * name itself: a row of its own kind, beside the domain patterns.
 */
#define SV_MX_ROW_PREFIX "mx:"
#define SV_MX_ROW_PREFIX_LEN 3
/* Any domain row, an MX row included: "mx:*." and a host name. */
#define SV_DOMAIN_ROW_MAX (SV_MX_ROW_PREFIX_LEN + SV_DOMAIN_PATTERN_MAX)

/* A lower-case host name (above). NULL is false. */
bool sv_is_domain_name(const char *s);

/*
 * What a server may be named by: a host name (any letter case unless
 * lower_only, as Thunderbird lower-cases literal host names itself) or an
 * IPv4 address in dotted-decimal form (four numbers 0..255 without
 * leading zeros, as inet_pton reads them). NULL is false.
 */
bool sv_is_hostname(const char *s, bool lower_only);

/* A domain row: a lower-case host name, "*.<host name>" or "*". */
bool sv_is_domain_pattern(const char *s);

/* An MX row: "mx:" and a lower-case host name or "*.<host name>". */
bool sv_is_mx_row(const char *s);
/* Whether s starts with "mx:" (a row meant as an MX row, valid or not). */
bool sv_is_mx_prefixed(const char *s);
/* A row a provider may list: sv_is_domain_pattern or sv_is_mx_row. */
bool sv_is_domain_row(const char *s);

/*
 * SV_NAME_NUMERIC_TLD_NOTE when s (a host name, or a domain row: "*." is
 * skipped; upper-case letters allowed unless lower_only) has the syntax of
 * a host name but an all-digit top-level label, "" otherwise.
 * Appended to the message that refuses s, it tells an admin why a name
 * that older versions stored is refused now; every other refusal keeps
 * its message unchanged.
 */
#define SV_NAME_NUMERIC_TLD_NOTE " (its top-level label is all digits)"
const char *sv_name_numeric_tld_note(const char *s, bool lower_only);

/*
 * Normalises a domain name typed by someone (a request, a command line):
 * s[0..len) is valid UTF-8 without NUL, control characters nor
 * noncharacters (sv_utf8_check), one trailing dot is removed, the name is
 * converted to lower-case A-labels (IDNA2008 with UTS #46 non-transitional
 * mapping via libidn2, so "Exämple.FR" gives "xn--exmple-cua.fr"; an
 * all-ASCII name is only lower-cased, so "xn--" labels are taken as
 * given), then checked as a host name (above). Address literals ("[...]")
 * are refused. Writes into out (outsz >= SV_DOMAIN_MAX + 1; out is ""
 * on failure). Returns SV_OK, or SV_EINVAL / SV_ETOOBIG / SV_ENOMEM with
 * a short reason in err that never echoes the input, suitable for a 400
 * body ("domain: label longer than 63 octets").
 */
int sv_domain_normalize(const char *s, size_t len, char *out, size_t outsz,
	struct sv_err *err);

/*
 * A domain row typed by someone: "*", "*.NAME" or "NAME", NAME through
 * sv_domain_normalize. Writes into out (outsz >= SV_DOMAIN_PATTERN_MAX +
 * 1). Returns as sv_domain_normalize. With keep_numeric_tld, a NAME
 * refused only for its all-digit top-level label is kept: the form a row
 * stored before the rule has, so that it can still be named to remove it.
 */
int sv_domain_pattern_normalize(const char *s, size_t len,
	bool keep_numeric_tld, char *out, size_t outsz, struct sv_err *err);

/*
 * Any row typed by someone: "mx:" (in any letter case) and "HOST" or
 * "*.SUFFIX" through sv_domain_pattern_normalize, giving "mx:host" or
 * "mx:*.suffix" ("mx:*" is refused: it would match every mail server);
 * anything else as sv_domain_pattern_normalize. outsz >=
 * SV_DOMAIN_ROW_MAX + 1. Returns as sv_domain_normalize.
 */
int sv_domain_row_normalize(const char *s, size_t len, bool keep_numeric_tld,
	char *out, size_t outsz, struct sv_err *err);

#endif
