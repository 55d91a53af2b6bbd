/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_PACC_H
#define SUIVANT_PACC_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "util/err.h"

/*
 * What a provider's PACC document may say (Provider Auto-Configuration,
 * draft-ietf-mailmaint-pacc), decided once here for the renderer
 * (answer/render_pacc.h), `suivant check` (its notice) and `suivant dns`
 * (whether to print the PACC records). Model layer: no I/O, no state,
 * no allocation.
 *
 * The pinned revision: the JSON keys, the allowed ports and the TXT
 * record syntax below are those of this draft. A later revision is a
 * change of this constant and of this module, reviewed as such (every
 * published digest changes with the bytes).
 */
#define SV_PACC_DRAFT "draft-ietf-mailmaint-pacc-03"

/* The path a client asks on https://ua-auto-config.<domain>/ */
#define SV_PACC_PATH "/.well-known/user-agent-configuration.json"
/* The host-name label of the document's host, and of its TXT record. */
#define SV_PACC_HOST_LABEL "ua-auto-config"
#define SV_PACC_TXT_LABEL "_ua-auto-config"
/* The TXT record's text before the digest: version and algorithm tags;
 * the digest is the standard base64 (RFC 4648 section 4, padded) of the
 * SHA-256 of the exact bytes served. */
#define SV_PACC_TXT_PREFIX "v=UAAC1; a=sha256; d="
#define SV_PACC_CONTENT_TYPE "application/json"

/*
 * The PACC protocols, in the order of the document's keys (jansson sorts
 * them anyway). IMAP, POP3 and submission are said by host alone, so
 * only implicit TLS on the default port (993, 995, 465) can be said;
 * JMAP (its session URL), CalDAV, CardDAV and WebDAV by an https URL on
 * port 443 whose path is a context (more than "/").
 */
enum sv_pacc_protocol {
	SV_PACC_IMAP,
	SV_PACC_POP3,
	SV_PACC_SUBMIT,
	SV_PACC_JMAP,
	SV_PACC_CALDAV,
	SV_PACC_CARDDAV,
	SV_PACC_WEBDAV,
	SV_PACC_PROTOCOL_COUNT
};

/* The document's key of a protocol: "imap", "pop3", "submit"... */
const char *sv_pacc_protocol_key(enum sv_pacc_protocol p);

/*
 * One provider view in PACC terms: for each protocol the server or
 * service it names (NULL: not offered), and the authentication it
 * states. Pointers borrow from the provider.
 */
struct sv_pacc_view {
	const struct sv_server *server[SV_PACC_PROTOCOL_COUNT];   /* imap,
	                        * pop3, submit; the host template (only
	                        * %EMAILDOMAIN% in it) */
	const struct sv_service *service[SV_PACC_PROTOCOL_COUNT]; /* jmap,
	                        * caldav, carddav, webdav; the URL template */
	bool password;          /* some protocol takes a password */
	const char *oauth_issuer; /* pv->oauth2.issuer when some protocol
	                        * takes OAuth2; else NULL */
	const char *oauth_scheme; /* what goes before it to make the
	                        * issuer's URL: "https://" for Mozilla's
	                        * host name, "" for an https URL */
	const char *name;       /* info.provider.name */
	const char *short_name; /* info.provider.shortName, or NULL */
	const char *documentation; /* info.help.documentation, or NULL */
};

/*
 * Fills *out with what the PACC document for domain's view says
 * (sv_provider_servers_for / sv_provider_services_for with domain; NULL
 * is the provider-wide view). SV_OK, or SV_EINVAL with why the provider
 * cannot be said in PACC in err (one line, not naming the provider):
 * a type it offers whose every server is STARTTLS, plain or on another
 * port; a host or URL that needs the user's address (PACC has none: the
 * document is the same for every user, never half-expanded); a service
 * over plain http, on another port or at "/"; a protocol with no method
 * PACC can state (password or OAuth2 with an issuer); no display name,
 * or one over 60 characters (a short name over 20); no protocol at all.
 * Never shortens: the document says everything the rule keeps, or
 * nothing. Types PACC has no key for (Exchange, EWS, OWA, Graph, and
 * any added later until this module learns them) are left out.
 */
int sv_pacc_view(const struct sv_provider *pv, const char *domain,
	struct sv_pacc_view *out, struct sv_err *err);

/*
 * Whether text (one TXT record's text) is a PACC record: tags "t=value"
 * separated by ';', spaces around them ignored, in any order, unknown
 * tags ignored (as clients read it), each of v, a, d at most once, with
 * v=UAAC1, a=sha256 and a d. Then *digest and *digest_len give d's
 * value, borrowed from text. A record `dns` prints (SV_PACC_TXT_PREFIX
 * and the digest) is one; "v=UAAC1;d=X;a=sha256" is the same record.
 */
bool sv_pacc_txt_digest(const char *text, const char **digest,
	size_t *digest_len);

#endif
