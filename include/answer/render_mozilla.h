/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_MOZILLA_H
#define SUIVANT_RENDER_MOZILLA_H

#include <libxml/xmlwriter.h>

#include "model/model.h"

/*
 * The element writers of a Mozilla config-v1.1.xml document, shared by the
 * public answer (render_autoconfig.c) and the admin's export
 * (render_ispdb.c): both describe the same provider, so a server, a link,
 * the webmail and the OAuth2 block are written by one function each, and
 * the two views differ only where a flag says so.
 *
 * SV_MOZILLA_PUBLIC, what mail clients get (render_autoconfig.h says
 * why): a missing username is written as %EMAILADDRESS%; empty strings
 * are left out; <pop3> only on pop3 servers and only with an option set;
 * <restriction> and <addThisServer> only on outgoing servers; url,
 * owaURL and ewsURL never (only imap/pop3/smtp are public).
 *
 * SV_MOZILLA_ADMIN, the export: exactly what the model holds, so that
 * importing the document gives the same provider back: absent values stay
 * absent (no username is no <username>), URL-based servers get <url>,
 * exchange servers <owaURL>/<ewsURL>, a <pop3> element is written whenever
 * the source had one (even empty), extras wherever the model has them.
 *
 * Element order inside a server, in both views: hostname, port,
 * socketType, username, authentication..., url, owaURL, ewsURL, pop3,
 * restriction, addThisServer, useGlobalPreferredServer.
 *
 * Services (calendars, address books, file shares) are the root-level
 * sections of draft-ietf-mailmaint-autoconfig-06, written after
 * <emailProvider>: <calendar type="caldav">, <addressbook
 * type="carddav">, <fileShare type="webdav">, each with <url>, its
 * <authentication> list (http-basic and http-digest as
 * <authentication system="http">Basic|Digest</authentication>, OAuth2
 * without the attribute) and <username>, in the draft example's order. A
 * document with any of them says version="1.2" (SV_MOZILLA_VERSION),
 * one without keeps "1.1". The public view writes a missing username as
 * %EMAILADDRESS%, as for servers.
 *
 * Every function returns 0 or -1 like the libxml2 writer (-1: a writer
 * call failed or the template hook did); the caller owns the writer and
 * ends the document. None allocates outside libxml2 and the hook.
 */
enum sv_mozilla_view {
	SV_MOZILLA_PUBLIC,
	SV_MOZILLA_ADMIN,
};

struct sv_mozilla_writer {
	xmlTextWriterPtr w;          /* borrowed */
	enum sv_mozilla_view view;
	/*
	 * Writes a placeholder template (hostname, username, webmail
	 * username) as the text of the element just started; returns 0 or
	 * -1. NULL writes the template literally, placeholders intact (the
	 * export). The public answer turns tokens into slots here.
	 */
	int (*template_text)(void *ctx, const char *tpl);
	/* The same for a service URL (NULL: literally). */
	int (*url_text)(void *ctx, const char *tpl);
	void *ctx;                   /* passed to both hooks */
};

/* The clientConfig version of a document with n_services services. */
#define SV_MOZILLA_VERSION(n_services) ((n_services) > 0 ? "1.2" : "1.1")

/*
 * <calendar>, <addressbook> or <fileShare type="..."> for s; for a
 * URL-based account (sv_service_type_is_account) <incomingServer
 * type="ews|activeSync|owa|jmap|graph"> with <url>, <username> and its
 * methods (system="http" Basic followed by password-cleartext, which is
 * what Thunderbird reads), written inside <emailProvider> after the
 * other servers by the caller (never by sv_render_mozilla_tail).
 */
int sv_render_mozilla_service(const struct sv_mozilla_writer *mw,
	const struct sv_service *s);

/* <incomingServer> or <outgoingServer type="..."> for s. */
int sv_render_mozilla_server(const struct sv_mozilla_writer *mw,
	const struct sv_server *s);
/*
 * <documentation url><descr lang/>..., <enable visiturl><instruction
 * lang/>... or the legacy <instruction url><descr lang/>...
 */
int sv_render_mozilla_link(const struct sv_mozilla_writer *mw,
	const struct sv_link *l);
/* <webMail>, or nothing when wm has no login page. */
int sv_render_mozilla_webmail(const struct sv_mozilla_writer *mw,
	const struct sv_webmail *wm);
/* <oAuth2>, or nothing when o has no issuer. */
int sv_render_mozilla_oauth2(const struct sv_mozilla_writer *mw,
	const struct sv_oauth2 *o);
/*
 * What follows the servers in both documents: pv's links, the end of
 * <emailProvider>, the n services that are not URL-based accounts (the
 * document's choice among pv's, in priority order; borrowed), <webMail>, <oAuth2> and the end of the
 * document.
 */
int sv_render_mozilla_tail(const struct sv_mozilla_writer *mw,
	const struct sv_provider *pv, const struct sv_service *const *services,
	size_t n);

#endif
