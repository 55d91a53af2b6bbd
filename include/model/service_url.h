/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_SERVICE_URL_H
#define SUIVANT_SERVICE_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/*
 * The URL of a service (struct sv_service.url): one parser for the
 * validator, which refuses what it refuses, and for the renderers that
 * need its parts (Apple's host, port and SSL keys, the RFC 6764 redirect
 * and TXT path, the DNS SRV target). Model layer: no I/O, no state, no
 * allocation.
 *
 * Accepted: "http(s)://" (scheme in any letter case), a host, an optional
 * ":PORT" (1..65535), then a path starting with '/', then an optional
 * query; at most SV_MODEL_MAX_URL bytes of printable ASCII without space,
 * '"', '<', '>', '\', '^', '`', '{', '|', '}' (RFC 3986: anything else is
 * percent-encoded, non-ASCII host names are written as A-labels). Refused:
 * userinfo ('@' before the path), a fragment ('#'), IP literals in
 * brackets, a '%' that is neither a placeholder token nor followed by two
 * hex digits, %REALNAME% anywhere (the server never knows it), and tokens
 * other than %EMAILDOMAIN% in the host (SRV records and the .well-known
 * redirect name one host per domain). The host, with %EMAILDOMAIN%
 * expanded to a sample domain, must be a host name or an IPv4 address
 * (util/name.h: sv_is_hostname).
 */

struct sv_service_url {
	bool https;          /* else plain http */
	const char *host;    /* borrowed from the URL: the host template */
	size_t host_len;
	int port;            /* the explicit port, or 0 for the default */
	const char *path;    /* borrowed: from the path's '/' to the end
	                      * (query included) */
	size_t context_len;  /* bytes of the URL that make its bare
	                      * context (below) */
};

/*
 * Parses url into *out. SV_OK, or SV_EINVAL with a message in err that
 * starts with where and quotes the URL escaped ("--url: 'ftp://x' is not
 * an http or https URL").
 */
int sv_service_url_parse(const char *url, const char *where,
	struct sv_service_url *out, struct sv_err *err);

/* The URL's port: the explicit one, else its scheme's (443 or 80). */
int sv_service_url_port(const struct sv_service_url *u);

/*
 * The bare context of a service URL, what is left of it when no address
 * is known (a .well-known redirect, a DNS TXT path): its first
 * context_len bytes. That is the URL itself when no %EMAILADDRESS% or
 * %EMAILLOCALPART% occurs in it, else the URL cut before the query when
 * the first such token is in the query, else cut after the last '/'
 * before that token: "https://dav.%EMAILDOMAIN%/cal/%EMAILADDRESS%/"
 * gives "https://dav.%EMAILDOMAIN%/cal/". It always keeps the scheme,
 * the host and at least the path's first '/', never half a token.
 */

#endif
