/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_ROUTE_H
#define SUIVANT_HTTP_ROUTE_H

/*
 * Routing (src/http/http_route.c). Private to the HTTP front end
 * (src/http/, and its unit tests).
 */

#include <stddef.h>

#include <microhttpd.h>

struct sv_http_call; /* http/http_request.h */

/*
 * Last handler call, the whole request in: finds the route of the raw
 * path in call->r (sets call->r->endpoint, and hides the address of a
 * private prefix route from the log), checks the method (405) and, for an
 * admin-only route, the client (403), and runs the route's handler with
 * its variant and format, or queues 404. src/http/http_route.c.
 */
enum MHD_Result sv_http_route(struct sv_http_call *call, const char *method);
/*
 * At the request line: the private prefix route (an address follows it)
 * the raw path raw[0..n) is under, matched as the router would (after
 * percent-decoding, in any letter case), or NULL. The access line shows
 * that prefix and a '*' instead of the path.
 */
const char *sv_http_route_private_prefix(const char *raw, size_t n);
/* In a message about a request (MHD's diagnostics name its path): what
 * follows a private prefix route becomes one '*', the rest of the text
 * dropped. text is NUL-terminated and changed in place. */
void sv_http_route_mask_private(char *text);

#endif
