/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_AUTOCONFIG_H
#define SUIVANT_RENDER_AUTOCONFIG_H

#include "answer/answer.h"
#include "model/model.h"
#include "util/err.h"

#define SV_AUTOCONFIG_CONTENT_TYPE "text/xml; charset=utf-8"

/*
 * Renders pv as the public Mozilla autoconfig answer (config-v1.1.xml):
 * XML declaration (UTF-8), clientConfig version="1.1" (1.2 when the
 * domain gets services: render_mozilla.h), one emailProvider
 * with pv's id, one <domain> holding SV_SLOT_DOMAIN (the requested domain
 * only: a hoster's customer list is never leaked), displayName and
 * displayShortName when known, the servers that apply to override_domain
 * (sv_provider_servers_for) in priority order with hostname and username
 * as templates (sv_answer_builder_template), every extra in the data
 * (pop3 options, documentation, enable, instruction, webMail, oAuth2),
 * and after emailProvider the calendar, addressbook and fileShare
 * sections of the services that apply to override_domain
 * (sv_provider_services_for), URLs through sv_answer_builder_url.
 * Never a <password>. All XML comes from libxml2's writer.
 *
 * override_domain: NULL for the provider-wide answer, else a domain of pv
 * that has its own servers. On success *out is an owned answer.
 */
sv_answer_renderer sv_render_autoconfig;

/*
 * The same document for Evolution, which keeps the last server of each
 * type (render_autoconfig.c says why): one imap, one pop3 and one smtp
 * server at most, the first of each type in the selection above (the
 * one every other client uses first), and %EMAILDOMAIN% written as
 * SV_SLOT_DOMAIN, the requested domain, so that the answer filled
 * without an address holds no token Evolution would empty.
 */
sv_answer_renderer sv_render_autoconfig_evolution;

#endif
