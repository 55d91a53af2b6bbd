/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_FRAMING_H
#define SUIVANT_HTTP_FRAMING_H

/*
 * Header checks of a request's first handler call
 * (src/http/http_framing.c). Private to the HTTP front end (src/http/,
 * and its unit tests).
 */

#include <stdbool.h>

#include <microhttpd.h>

/*
 * First handler call, headers only (src/http/http_framing.c). Whether the
 * declared Content-Length is over SV_HTTP_MAX_BODY or not a plain number
 * (then 413); whether Host or the body's framing is ambiguous (several
 * Host or Content-Length headers, Transfer-Encoding other than a lone
 * "chunked" or beside Content-Length, white space before a colon: then
 * 400, as RFC 9112 asks, because a proxy in front could read the request
 * differently from us).
 */
bool sv_http_body_too_large(struct MHD_Connection *c);
bool sv_http_framing_ambiguous(struct MHD_Connection *c);
/*
 * Whether a header line was folded onto the next (obs-fold, RFC 9112
 * 5.2): MHD 0.9.75 glues the continuation onto the header's *name*
 * ("Content-Length:\r\n 53" becomes a header "Content-Length53" with an
 * empty value), so that the framing check above never sees the header a
 * proxy in front may have read. Such a name is the one thing MHD builds
 * outside the raw header block, which starts at method (the access
 * handler's method argument points into it) and is
 * MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE bytes long: a header whose name
 * lies outside that block was folded. First handler call only.
 */
bool sv_http_header_folded(struct MHD_Connection *c, const char *method);
/* Whether the request has a chunked body (the framing check has refused
 * every other Transfer-Encoding). */
bool sv_http_body_chunked(struct MHD_Connection *c);

#endif
