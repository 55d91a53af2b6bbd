/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_ADMIN_HTML_H
#define SUIVANT_ADMIN_HTML_H

#include "util/buf.h"
#include "util/err.h"

/*
 * HTML documents for the web admin, written by libxml2's text writer
 * (never by printf): every text and attribute value is escaped by it.
 * The output is HTML5 in XML-compatible syntax: void elements (input,
 * meta, link, br) end with "/>", every other element with its end tag,
 * even when empty (a "<td/>" would not end in an HTML parser).
 *
 * Errors are sticky: after the first failure (libxml2's, or out of
 * memory) every call does nothing, and sv_html_finish reports it, so page
 * code need not check each call. Attributes are given as name, value
 * pairs ending with a NULL name; a NULL value leaves that attribute out
 * (for optional ones such as "selected").
 */
struct sv_html;

/* A document that starts with <!DOCTYPE html>; NULL when out of memory. */
struct sv_html *sv_html_new(void);
/* Frees h, finished or not. NULL is a no-op. */
void sv_html_free(struct sv_html *h);

void sv_html_open(struct sv_html *h, const char *tag, ...)
	__attribute__((sentinel));
/* Closes the innermost open element. */
void sv_html_close(struct sv_html *h);
void sv_html_text(struct sv_html *h, const char *text);
void sv_html_textf(struct sv_html *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* An element holding text only: open with attributes, text, close. */
void sv_html_elem(struct sv_html *h, const char *tag, const char *text, ...)
	__attribute__((sentinel));

/*
 * Closes what is still open, appends the document to out and frees h.
 * SV_OK, or SV_ENOMEM / SV_ETOOBIG / SV_EINVAL (a writer failure) with
 * err set; out is then empty.
 */
int sv_html_finish(struct sv_html *h, struct sv_buf *out, struct sv_err *err);

#endif
