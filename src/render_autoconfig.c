/* SPDX-License-Identifier: MIT */
/*
 * The Mozilla autoconfig renderer (config-v1.1.xml, PROTOCOLS.md section 1)
 * compiled into a struct sv_answer: the document is written once with
 * libxml2's text writer, and the request's domain and address parts become
 * slots (answer.h). Pure: a provider in, an answer out; no I/O.
 *
 * Choices that go beyond "write what the model says", each for a client:
 *  - Only imap and pop3 incoming servers and smtp outgoing servers are
 *    written. exchange/ews/owa/graph servers are left out of the public
 *    answer: the project's conformance rules allow only imap/pop3
 *    (PROTOCOLS.md 8, item 14), KMail and older clients know nothing else,
 *    and Exchange clients are served by Autodiscover. Thunderbird would
 *    skip what it cannot use, but a server list is the client's menu.
 *  - Incoming servers come first, then outgoing ones, each group in the
 *    provider's priority order (the first valid entry is the client's
 *    default, PROTOCOLS.md 2).
 *  - No empty text elements: Thunderbird's JXON reads <x></x> as the
 *    boolean true, so an empty username would become the login "true" and
 *    an empty <pop3/> makes readFromXML throw. Empty strings are absent.
 *  - <username> is always written (item 15). A server without a username
 *    template (NULL or "") gets %EMAILADDRESS%: Thunderbird turns a
 *    missing username into the literal string "undefined" (incoming, and
 *    outgoing with a password method), while the full address is what it
 *    would guess itself and what most providers use. For outgoing servers
 *    without authentication clients ignore the value.
 *  - <displayName> (when NULL or "") falls back to the provider id:
 *    Thunderbird labels an account without one "undefined" (item 12).
 *  - <pop3> options only on pop3 servers (item 23); <restriction> and
 *    <addThisServer> only on outgoing servers. Never a <password> (24).
 *
 * The element writers are shared with the export (render_mozilla.c, in
 * its public view), which fixes the element order inside a server, stable
 * for golden files: hostname, port, socketType, username,
 * authentication..., pop3, restriction, addThisServer,
 * useGlobalPreferredServer.
 */
#include <stdbool.h>

#include <libxml/xmlwriter.h>

#include "render_autoconfig.h"
#include "render_mozilla.h"

/* True when s is NULL or "": both mean "absent" in an element. */
static bool absent(const char *s) {
	return s == NULL || s[0] == '\0';
}

static int attr(xmlTextWriterPtr w, const char *name, const char *value) {
	return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value);
}

/* The template hook of the shared writers: tokens become slots. */
static int template_slots(void *ctx, const char *tpl) {
	return sv_answer_builder_template(ctx, tpl);
}

static int write_document(struct sv_answer_builder *b,
		const struct sv_provider *pv, const struct sv_server *const *sv,
		size_t n) {
	xmlTextWriterPtr w = b->w;
	const struct sv_mozilla_writer mw = {
		.w = w,
		.view = SV_MOZILLA_PUBLIC,
		.template_text = template_slots,
		.ctx = b,
	};
	const char *display = !absent(pv->display_name) ? pv->display_name
		: pv->id;
	if (xmlTextWriterSetIndent(w, 1) < 0 ||
			xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
			xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "clientConfig") < 0 ||
			attr(w, "version", "1.1") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "emailProvider") < 0 ||
			attr(w, "id", pv->id) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "domain") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_DOMAIN) < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			xmlTextWriterWriteElement(w, BAD_CAST "displayName",
				BAD_CAST display) < 0 ||
			(!absent(pv->short_name) && xmlTextWriterWriteElement(w,
				BAD_CAST "displayShortName",
				BAD_CAST pv->short_name) < 0)) {
		return -1;
	}
	for (int pass = 0; pass < 2; pass++) { /* incoming, then outgoing */
		for (size_t i = 0; i < n; i++) {
			bool outgoing = sv_server_type_is_outgoing(sv[i]->type);
			if (outgoing != (pass == 1)) {
				continue;
			}
			if (sv_render_mozilla_server(&mw, sv[i]) < 0) {
				return -1;
			}
		}
	}
	for (size_t i = 0; i < pv->n_links; i++) {
		if (sv_render_mozilla_link(&mw, &pv->links[i]) < 0) {
			return -1;
		}
	}
	if (xmlTextWriterEndElement(w) < 0 || /* emailProvider */
			sv_render_mozilla_webmail(&mw, &pv->webmail) < 0 ||
			sv_render_mozilla_oauth2(&mw, &pv->oauth2) < 0 ||
			xmlTextWriterEndDocument(w) < 0) {
		return -1;
	}
	return 0;
}

/* Servers this format can carry: imap, pop3, smtp (see the top). */
static bool is_public(enum sv_server_type t) {
	return t == SV_SERVER_IMAP || t == SV_SERVER_POP3 || t == SV_SERVER_SMTP;
}

/*
 * What the writer would otherwise turn into a broken document; the snapshot
 * only renders validated providers, so this guards direct callers.
 */
static int check_server(const struct sv_provider *pv,
		const struct sv_server *s, struct sv_err *err) {
	const char *type = sv_server_type_name(s->type);
	if (absent(s->hostname)) {
		return sv_errf(err, SV_EINVAL, "autoconfig: %s: %s server "
			"without hostname", pv->id, type);
	}
	if (s->port < 1 || s->port > 65535) {
		return sv_errf(err, SV_EINVAL, "autoconfig: %s: %s server: "
			"port %d is not in 1..65535", pv->id, type, s->port);
	}
	if (s->socket == SV_SOCKET_NONE ||
			(unsigned)s->socket > SV_SOCKET_STARTTLS) {
		return sv_errf(err, SV_EINVAL, "autoconfig: %s: %s server "
			"without socket type", pv->id, type);
	}
	if (s->n_auth == 0 || s->n_auth > SV_MODEL_MAX_AUTH) {
		return sv_errf(err, SV_EINVAL, "autoconfig: %s: %s server: "
			"%zu authentication methods", pv->id, type, s->n_auth);
	}
	return SV_OK;
}

int sv_render_autoconfig(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	*out = NULL;
	if (pv->id == NULL) {
		return sv_errf(err, SV_EINVAL, "autoconfig: provider without id");
	}
	if (pv->n_servers > SV_MODEL_MAX_SERVERS) {
		return sv_errf(err, SV_ETOOBIG, "autoconfig: %s: more than %d "
			"servers", pv->id, SV_MODEL_MAX_SERVERS);
	}
	const struct sv_server *all[SV_MODEL_MAX_SERVERS];
	const struct sv_server *sv[SV_MODEL_MAX_SERVERS];
	size_t n_all = sv_provider_servers_for(pv, override_domain, all,
		SV_MODEL_MAX_SERVERS);
	size_t n = 0;
	for (size_t i = 0; i < n_all; i++) {
		if (!is_public(all[i]->type)) {
			continue;
		}
		int rc = check_server(pv, all[i], err);
		if (rc != SV_OK) {
			return rc;
		}
		sv[n++] = all[i];
	}

	struct sv_answer_builder b;
	int rc = sv_answer_builder_init(&b, SV_AUTOCONFIG_CONTENT_TYPE);
	if (rc != SV_OK) {
		return sv_errf(err, rc, "autoconfig: %s: out of memory", pv->id);
	}
	if (write_document(&b, pv, sv, n) < 0) {
		/* Template errors are the builder's; a writer error is memory. */
		rc = b.failed != 0 ? b.failed : SV_ENOMEM;
		sv_answer_builder_abandon(&b);
		return sv_errf(err, rc, "autoconfig: %s: cannot write the "
			"document: %s", pv->id, sv_rc_str(rc));
	}
	rc = sv_answer_builder_finish(&b, out, NULL);
	if (rc != SV_OK) {
		return sv_errf(err, rc, "autoconfig: %s: cannot compile the "
			"answer: %s", pv->id, sv_rc_str(rc));
	}
	return SV_OK;
}
