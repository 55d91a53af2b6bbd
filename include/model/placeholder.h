/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_PLACEHOLDER_H
#define SUIVANT_PLACEHOLDER_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/*
 * Mozilla placeholder templates: "%EMAILLOCALPART%", "mail.%EMAILDOMAIN%",
 * "recent:%EMAILADDRESS%", "%EMAILLOCALPART%%%EMAILDOMAIN%" (Alice's
 * "jean%aliceadsl.fr"). A template is literal text and tokens; a '%' that
 * does not start a known token is literal only when it is not followed by
 * an upper-case run closed by '%' (so "%EMAILADDRESS" or "%FOO%" is an
 * error, while "a%b" is not).
 */
enum sv_token {
	SV_TOKEN_EMAILADDRESS,
	SV_TOKEN_EMAILLOCALPART,
	SV_TOKEN_EMAILDOMAIN,
	SV_TOKEN_REALNAME,
	SV_TOKEN_COUNT
};

/* "%EMAILADDRESS%" etc. */
const char *sv_token_text(enum sv_token t);

/* One piece of a template: literal bytes, or a token. */
struct sv_tpl_piece {
	bool is_token;
	enum sv_token token;  /* when is_token */
	const char *lit;      /* borrowed from the template, when !is_token */
	size_t lit_len;
};

/*
 * Splits tpl into at most max pieces (borrowing tpl). Returns the number of
 * pieces through *n. SV_EINVAL (with the offending text in err) for an
 * unknown or unterminated token such as "%EMAILADDRESS" or "%FOO%", or
 * SV_ETOOBIG when more than max pieces would be needed.
 */
int sv_placeholder_split(const char *tpl, struct sv_tpl_piece *pieces,
	size_t max, size_t *n, struct sv_err *err);

/* A username (or any text) template: sv_placeholder_split succeeds. */
int sv_placeholder_validate(const char *tpl, struct sv_err *err);

/*
 * Whether the template tpl (which must pass sv_placeholder_validate,
 * else its error) holds token, e.g. %REALNAME%, which a renderer that
 * never knows the user's name must leave out.
 */
int sv_placeholder_uses(const char *tpl, enum sv_token token, bool *out,
	struct sv_err *err);

/*
 * A host-name template: valid template, and either a host name or an
 * IPv4 address (sv_is_hostname, util/name.h) or Thunderbird's pattern
 * [A-Za-z0-9.-]*(%[A-Z0-9]+%[A-Za-z0-9.-]*)+ with known tokens only.
 */
int sv_placeholder_validate_hostname(const char *tpl, struct sv_err *err);

/* True when tpl contains at least one token. */
bool sv_placeholder_has_token(const char *tpl);

#endif
