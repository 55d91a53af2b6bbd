/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_ANSWER_H
#define SUIVANT_HTTP_ANSWER_H

/*
 * The answer pipeline (src/http/http_answer.c): (format, facts) to a
 * queued response, and the formats' error answers. Private to the HTTP
 * front end (src/http/, and its unit tests).
 */

#include <microhttpd.h>

#include "answer/render_autodiscover.h"
#include "snapshot/snapshot.h"

struct sv_answer_facts; /* answer/answer.h */
struct sv_http_call;    /* http/http_request.h */

/*
 * The answer pipeline's last step, for every endpoint that serves a
 * compiled answer: notes facts->domain, fills the snapshot's answer of
 * format for facts (signed where the format is, when call->signer is
 * set) and queues it: 200, the answer's Content-Type, Cache-Control
 * no-store for a POST, private when facts carry an address, else public
 * (and a download's Content-Disposition); for a redirect format (caldav,
 * carddav) 301 with the filled answer as Location and no body. A domain
 * not served gets the
 * format's 404 and a failure its 500 (the fixed text responses, or
 * Autodiscover Error documents for SV_FORMAT_AUTODISCOVER, or the HTML
 * 404 page for the settings pages, which also get the page headers:
 * CSP, Referrer-Policy, Vary: Accept-Language).
 */
enum MHD_Result sv_http_answer(const struct sv_http_call *call,
	enum sv_format format, const struct sv_answer_facts *facts);
/*
 * Queues the HTML error page of a page format (SV_FORMAT_SETTINGS, _EN:
 * render_settings.h) in its language: status 404 (detail: the domain) or
 * 400 (detail: the reason), no-store. A format without pages: the fixed
 * 500, logged.
 */
enum MHD_Result sv_http_page_error(const struct sv_http_call *call,
	enum sv_format format, unsigned status, const char *detail);
/* Queues the Autodiscover v1 Error document for code with HTTP status
 * (no-store). */
enum MHD_Result sv_http_autodiscover_error(const struct sv_http_call *call,
	enum sv_autodiscover_error code, unsigned status);
/* Queues the v2 JSON error {"ErrorCode":code,"ErrorMessage":message}
 * with status (no-store). */
enum MHD_Result sv_http_autodiscover_v2_error(const struct sv_http_call *call,
	unsigned status, const char *code, const char *message);

#endif
