/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_MOBILECONFIG_H
#define SUIVANT_RENDER_MOBILECONFIG_H

#include "answer/answer.h"
#include "model/model.h"
#include "util/err.h"

#define SV_MOBILECONFIG_CONTENT_TYPE "application/x-apple-aspen-config"

/*
 * Renders pv as an Apple configuration profile (PROTOCOLS.md 5): an XML
 * property list, UTF-8, with the plist DOCTYPE, holding one
 * com.apple.mail.managed payload for the requested address, then one
 * com.apple.caldav.account and one com.apple.carddav.account payload for
 * the preferred caldav and carddav service of the view, if any
 * (render_mobileconfig.c says which keys, and why only one each). The
 * servers
 * are those sv_provider_servers_for(pv, override_domain) gives, as for
 * the Mozilla answer: the first imap server, else the first pop3 server,
 * and the first smtp server (priority order). Host names and usernames
 * are templates whose address tokens become slots, so they come out
 * expanded; a username that needs %REALNAME% (never known here) is left
 * out, and so is the username of a server without authentication, for
 * the device to ask. No password key is ever written.
 *
 * Address-dependent values are slots: the top-level and mail payload
 * identifiers are "<reversed domain>.mobileconfig.<UUID>" with
 * SV_SLOT_DOMAIN_REVERSED and SV_SLOT_UUID_PROFILE / SV_SLOT_UUID_MAIL,
 * the PayloadUUIDs are those UUIDs (answer.h: stable per address, unique
 * per role), EmailAddress is the address. The answer must therefore be
 * filled with an address (sv_answer_fill gives SV_EINVAL without one).
 *
 * override_domain: NULL for the provider-wide answer, else a domain of pv
 * that has its own servers. On success *out is an owned answer (free with
 * sv_answer_destroy) whose content type is SV_MOBILECONFIG_CONTENT_TYPE.
 * SV_EINVAL when the view has no incoming or no smtp server or a chosen
 * server is incomplete (no host name, port out of range, no socket type,
 * invalid template); SV_ENOMEM; err says which. Pure and thread-safe.
 */
sv_answer_renderer sv_render_mobileconfig;

/*
 * Apple's names for what the model says (exposed for tests and other
 * renderers): "EmailAuthPassword" etc. for the first method of s that has
 * an Apple equivalent (password-cleartext and plain: EmailAuthPassword;
 * password-encrypted and secure: EmailAuthCRAMMD5; NTLM: EmailAuthNTLM;
 * none, client-IP-address and smtp-after-pop: EmailAuthNone), skipping
 * OAuth2, GSSAPI and TLS-client-cert, which Apple's mail payload cannot
 * express; EmailAuthPassword when no method maps. Static strings.
 */
const char *sv_mobileconfig_auth(const struct sv_server *s);

#endif
