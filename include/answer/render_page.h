/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_PAGE_H
#define SUIVANT_RENDER_PAGE_H

#include "util/buf.h"
#include "util/err.h"

/*
 * The part of the profile page ("/", src/http/http_mobileconfig.c) that
 * is about one address, once a person typed it: a QR code of the
 * address's profile URL, drawn as inline SVG, that a phone's camera
 * opens, and the same download as a link. Built per request, so it is
 * bounded: url at most SV_PAGE_MAX_URL bytes (QR version 40 at most,
 * 177 modules), the whole fragment well under SV_HTTP_MAX_ANSWER.
 *
 * Appends to out an HTML fragment written with libxml2's text writer
 * (every value escaped by it):
 *   <section class="qr"> <h2>French<br><span lang="en">English</span></h2>
 *     <p>... the address ...</p>
 *     <svg viewBox role="img" aria-label> one white rect, one black path
 *       (a 4-module quiet zone; crisp edges) </svg>
 *     <p><a href="HREF">...</a></p> </section>
 * address is shown as text; url (absolute, percent-encoded) is what the
 * code holds; href (relative, percent-encoded) is the link's target.
 * SV_OK; SV_EINVAL when url is empty, too long or does not fit a QR
 * code; SV_ENOMEM, or SV_ETOOBIG (out's limit). out is emptied on
 * failure. Thread-safe.
 */
#define SV_PAGE_MAX_URL 2048

int sv_render_page_qr(const char *address, const char *url,
	const char *href, struct sv_buf *out, struct sv_err *err);

#endif
