/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_AUTODISCOVER_H
#define SUIVANT_RENDER_AUTODISCOVER_H

#include <stdint.h>
#include <time.h>

#include "answer/answer.h"
#include "model/model.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * Microsoft Autodiscover renderers (PROTOCOLS.md 3 and 4): the v1 "POX"
 * Outlook settings document compiled into a struct sv_answer and the v1
 * Error documents (the v2 JSON answers: render_autodiscover_v2.h). Pure:
 * model and facts in, bytes out. XML comes from libxml2's writer only.
 */

#define SV_AUTODISCOVER_CONTENT_TYPE "text/xml; charset=utf-8"

/*
 * Renders pv as the Outlook-schema (responseschema/2006a) settings answer
 * for the servers that apply to override_domain (sv_provider_servers_for,
 * the same selection as the Mozilla answer; NULL = provider-wide):
 *
 *   Autodiscover (responseschema/2006, default namespace, no prefixes)
 *     Response (outlook/responseschema/2006a)
 *       User: DisplayName and AutoDiscoverSMTPAddress = the address
 *       Account: AccountType email, Action settings, then one Protocol
 *         per imap and pop3 server, then per smtp server, each group in
 *         priority order (exchange and URL-based servers are left out):
 *         Type, Server, Port, LoginName, DomainRequired off, SPA, SSL,
 *         Encryption, AuthRequired, and for SMTP UsePOPAuth and SMTPLast;
 *         then one Protocol per caldav and carddav service the domain
 *         gets (sv_provider_services_for), in priority order: Type
 *         CalDAV or CardDAV, Server the whole URL (address parts
 *         percent-encoded), DomainRequired off, LoginName (mailcow's
 *         shape, which eM Client reads); no WebDAV.
 *
 * Host names and login names are templates whose EMAIL* tokens become
 * slots, so the answer must be filled with an address (POX clients do no
 * substitution; every request carries one). A missing username is the
 * address. TLS: SSL -> SSL on + Encryption SSL, STARTTLS -> SSL on +
 * Encryption TLS, plain -> SSL off + Encryption None. Authentication, from
 * the first method of the server's list that POX can say (OAuth2 and
 * TLS-client-cert cannot be said and are passed over): password-cleartext
 * or plain -> SPA off; password-encrypted, secure, NTLM or GSSAPI -> SPA
 * on (no clear-text password); none or client-IP-address -> AuthRequired
 * off; smtp-after-pop -> AuthRequired off + SMTPLast on. UsePOPAuth is on
 * when authentication is required and the login template equals the first
 * incoming server's. A login template holding %REALNAME% (which the server
 * never knows) gives no LoginName: the client uses its own default.
 *
 * On success *out is an owned answer (sv_answer_destroy) with content type
 * SV_AUTODISCOVER_CONTENT_TYPE. SV_EINVAL for a provider the writer cannot
 * express (no id, bad port, socket or template), SV_ENOMEM.
 */
sv_answer_renderer sv_render_autodiscover;

/*
 * The same settings for a request without an address (a GET on the POX
 * path, answered from the Host): the document sv_render_autodiscover
 * writes minus what depends on the address, so that it is filled with
 * the domain alone and never holds a half-expanded token: no User
 * element, no LoginName whose template needs the address (as for
 * %REALNAME%: the client uses its own default), %EMAILDOMAIN% written as
 * SV_SLOT_DOMAIN. A provider with a server host name that needs the
 * address has no such answer: SV_OK with *out NULL (the domain then
 * answers 404, and clients move on). Errors as sv_render_autodiscover.
 */
sv_answer_renderer sv_render_autodiscover_domain;

/*
 * The mobilesync (ActiveSync) schema's answer for pv's first ActiveSync
 * service (sv_provider_services_for): Response in the mobilesync
 * namespace with Culture, User (DisplayName and EMailAddress: slots of
 * the address) and Action/Settings/Server (Type MobileSync, Url and Name:
 * the service's URL, its tokens as URL slots). SV_OK with *out NULL for
 * a provider without ActiveSync: those domains get Error 601. Errors as
 * sv_render_autodiscover.
 */
sv_answer_renderer sv_render_autodiscover_mobilesync;

/*
 * Autodiscover v1 error codes ([MS-OXDSCLI] 2.2.4.2.1.3) the server sends.
 * 500 goes in an outlook/responseschema/2006a Response (it is about the
 * user), the others in a responseschema/2006 one (about the request).
 */
enum sv_autodiscover_error {
	SV_AUTODISCOVER_ERROR_NO_ADDRESS = 500, /* domain not served */
	SV_AUTODISCOVER_ERROR_INVALID = 600,    /* bad request */
	SV_AUTODISCOVER_ERROR_SCHEMA = 601,     /* schema not available */
	SV_AUTODISCOVER_ERROR_INTERNAL = 603,   /* server failure */
};

/*
 * Appends the Error document for code to out:
 *   Autodiscover/Response/Error Time="HH:MM:SS.fffffff" Id="id"
 *     ErrorCode, Message (a fixed English phrase), DebugData (empty)
 * Time is when (UTC time of day, 100 ns digits); nothing from the request
 * is ever written. SV_OK, SV_EINVAL for an unknown code, SV_ETOOBIG or
 * SV_ENOMEM (out is then empty: never a partial document). Thread-safe.
 */
int sv_render_autodiscover_error(enum sv_autodiscover_error code,
	const struct timespec *when, uint32_t id, struct sv_buf *out,
	struct sv_err *err);

#endif
