/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_SETTINGS_H
#define SUIVANT_RENDER_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "answer/answer.h"
#include "model/model.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * The settings page: the help-desk table a person copies by hand into a
 * client that does not configure itself (an old Outlook, a printer, a
 * NAS), made from the same provider as every other answer. One model of
 * the table (struct sv_settings_table: which servers and services, in
 * which order) and two outputs: the HTML page, compiled once per provider
 * and language like every answer (GET /settings, `suivant lookup
 * --format settings-html`), and plain text for a terminal (`suivant
 * lookup --format settings`, render_settings_text.h).
 *
 * The page is HTML written with libxml2's text writer (every value
 * escaped by it), no script, no inline style: it links its stylesheet
 * (sv_settings_css, print rules included) as "settings.css", relative
 * like its other links so that a copy under any prefix finds it; served
 * with a strict Content-Security-Policy (style-src 'self'). Request
 * facts go into slots: the address, the local part (usernames), the
 * domain. Without an address the slots hold the words of
 * sv_render_settings_absent («votre adresse», <the part before the @>),
 * given by the caller in facts->absent.
 */

#define SV_SETTINGS_CONTENT_TYPE "text/html; charset=utf-8"
#define SV_SETTINGS_CSS_CONTENT_TYPE "text/css; charset=utf-8"

/*
 * The stylesheet every settings page links (GET /settings.css, and
 * settings.css in `suivant export-static`'s directory): the same bytes
 * for every page, provider and language. Static; its length is
 * sizeof(sv_settings_css) - 1.
 */
extern const char sv_settings_css[];
extern const size_t sv_settings_css_len;

enum sv_settings_lang {
	SV_SETTINGS_FR, SV_SETTINGS_EN,
	SV_SETTINGS_LANG_COUNT
};

/* The table: what a person must type, in the order they need it. */
struct sv_settings_table {
	/* preferred[0..n_preferred): the first incoming and the first
	 * outgoing server, what a client would take itself; others: the
	 * rest, incoming first, each group in priority order. Borrowed from
	 * the provider. */
	const struct sv_server *preferred[2];
	size_t n_preferred;
	const struct sv_server *others[SV_MODEL_MAX_SERVERS];
	size_t n_others;
	const struct sv_service *services[SV_MODEL_MAX_SERVICES];
	size_t n_services;
};

/*
 * The table of pv for override_domain (NULL: the provider-wide view), by
 * sv_render_select_servers and sv_provider_services_for, so the page
 * never lists a server the other answers leave out. SV_OK, or the
 * checks' SV_EINVAL / SV_ETOOBIG with err set.
 */
int sv_settings_table_build(const struct sv_provider *pv,
	const char *override_domain, struct sv_settings_table *t,
	struct sv_err *err);

/* Whether a person types a username for s: not when it takes mail
 * without any (outgoing servers that know the client by its IP). */
bool sv_settings_needs_username(const struct sv_server *s);

/* Whether s offers OAuth2 (the table then notes that it needs an app
 * that supports it). */
bool sv_settings_has_oauth2(const struct sv_server *s);

/* Renderers (answer.h's sv_answer_renderer): the page in French, in
 * English. */
sv_answer_renderer sv_render_settings_fr;
sv_answer_renderer sv_render_settings_en;

/*
 * The words the page and the text show for the address slots when the
 * request named only a domain, for facts->absent (static, indexed by
 * enum sv_slot): «votre adresse» / <your address>, «la partie avant le
 * @» / <the part before the @> (marked, so that nobody types them as
 * they are), and "" for the URL slots (the page's link
 * to the other language then carries the domain alone).
 */
const char *const *sv_render_settings_absent(enum sv_settings_lang lang);

/*
 * The page's error pages, built per request: status 404 (domain, a
 * normalised name, is not served) or 400 (reason says what is wrong
 * with the request; bytes outside printable ASCII are shown as '?').
 * Appended to out; SV_OK, SV_EINVAL for another status, SV_ENOMEM or
 * SV_ETOOBIG (out emptied).
 */
int sv_render_settings_error(enum sv_settings_lang lang, unsigned status,
	const char *detail, struct sv_buf *out, struct sv_err *err);

#endif
