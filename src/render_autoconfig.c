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
 * Element order inside a server, stable for golden files: hostname, port,
 * socketType, username, authentication..., pop3, restriction,
 * addThisServer, useGlobalPreferredServer.
 */
#include <stdbool.h>

#include <libxml/xmlwriter.h>

#include "render_autoconfig.h"

/* Element with escaped text; value must not be NULL. */
static int text_el(xmlTextWriterPtr w, const char *name, const char *value) {
	return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST value);
}

/* True when s is NULL or "": both mean "absent" in an element. */
static bool absent(const char *s) {
	return s == NULL || s[0] == '\0';
}

/*
 * Element with escaped text, or nothing when value is absent: Thunderbird's
 * JXON reads an empty element as the boolean true, which then becomes the
 * string "true" (a username of "true", for one).
 */
static int opt_text_el(xmlTextWriterPtr w, const char *name,
		const char *value) {
	return !absent(value) ? text_el(w, name, value) : 0;
}

static int attr(xmlTextWriterPtr w, const char *name, const char *value) {
	return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value);
}

static int opt_attr(xmlTextWriterPtr w, const char *name, const char *value) {
	return value != NULL ? attr(w, name, value) : 0;
}

static int tristate_el(xmlTextWriterPtr w, const char *name,
		enum sv_tristate t) {
	if (t == SV_UNSET) {
		return 0;
	}
	return text_el(w, name, t == SV_TRUE ? "true" : "false");
}

/* Element whose text is a placeholder template (tokens become slots). */
static int template_el(struct sv_answer_builder *b, const char *name,
		const char *tpl) {
	if (xmlTextWriterStartElement(b->w, BAD_CAST name) < 0 ||
			sv_answer_builder_template(b, tpl) < 0 ||
			xmlTextWriterEndElement(b->w) < 0) {
		return -1;
	}
	return 0;
}

/*
 * <pop3> with the options that are set. Nothing at all when none is: an
 * empty <pop3/> is the JXON value true, and Thunderbird's readFromXML then
 * throws on `"leaveMessagesOnServer" in true` (seen with the Thunderbird
 * oracle).
 */
static int write_pop3(xmlTextWriterPtr w, const struct sv_pop3_options *o) {
	if (o->leave_on_server == SV_UNSET && o->days_to_leave < 0 &&
			o->download_on_biff == SV_UNSET &&
			o->check_interval_min < 0) {
		return 0;
	}
	if (xmlTextWriterStartElement(w, BAD_CAST "pop3") < 0 ||
			tristate_el(w, "leaveMessagesOnServer",
				o->leave_on_server) < 0) {
		return -1;
	}
	if (o->days_to_leave >= 0 && xmlTextWriterWriteFormatElement(w,
			BAD_CAST "daysToLeaveMessagesOnServer", "%d",
			o->days_to_leave) < 0) {
		return -1;
	}
	if (tristate_el(w, "downloadOnBiff", o->download_on_biff) < 0) {
		return -1;
	}
	if (o->check_interval_min >= 0 && (
			xmlTextWriterStartElement(w, BAD_CAST "checkInterval") < 0 ||
			xmlTextWriterWriteFormatAttribute(w, BAD_CAST "minutes",
				"%d", o->check_interval_min) < 0 ||
			xmlTextWriterEndElement(w) < 0)) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

static int write_server(struct sv_answer_builder *b,
		const struct sv_server *s) {
	xmlTextWriterPtr w = b->w;
	bool outgoing = sv_server_type_is_outgoing(s->type);
	/* See the top of the file for why a missing username is the address. */
	const char *username = !absent(s->username) ? s->username
		: "%EMAILADDRESS%";
	if (xmlTextWriterStartElement(w, BAD_CAST (outgoing ? "outgoingServer"
				: "incomingServer")) < 0 ||
			attr(w, "type", sv_server_type_name(s->type)) < 0 ||
			template_el(b, "hostname", s->hostname) < 0 ||
			xmlTextWriterWriteFormatElement(w, BAD_CAST "port", "%d",
				s->port) < 0 ||
			text_el(w, "socketType", sv_socket_name(s->socket)) < 0 ||
			template_el(b, "username", username) < 0) {
		return -1;
	}
	for (size_t i = 0; i < s->n_auth; i++) {
		if (text_el(w, "authentication", sv_auth_name(s->auth[i])) < 0) {
			return -1;
		}
	}
	if (s->type == SV_SERVER_POP3 && s->has_pop3 &&
			write_pop3(w, &s->pop3) < 0) {
		return -1;
	}
	if (outgoing && (opt_text_el(w, "restriction", s->restriction) < 0 ||
			tristate_el(w, "addThisServer", s->add_this_server) < 0)) {
		return -1;
	}
	if (tristate_el(w, "useGlobalPreferredServer",
			s->use_global_preferred_server) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

/*
 * <documentation url><descr lang/>..., <enable visiturl><instruction
 * lang/>..., or the legacy <instruction url><descr lang/>...
 */
static int write_link(xmlTextWriterPtr w, const struct sv_link *l) {
	const char *el, *url_attr, *text_el_name;
	switch (l->kind) {
	case SV_LINK_ENABLE:
		el = "enable";
		url_attr = "visiturl";
		text_el_name = "instruction";
		break;
	case SV_LINK_INSTRUCTION:
		el = "instruction";
		url_attr = "url";
		text_el_name = "descr";
		break;
	case SV_LINK_DOCUMENTATION:
	default:
		el = "documentation";
		url_attr = "url";
		text_el_name = "descr";
		break;
	}
	if (xmlTextWriterStartElement(w, BAD_CAST el) < 0 ||
			attr(w, url_attr, l->url) < 0) {
		return -1;
	}
	for (size_t i = 0; i < l->n_texts; i++) {
		const struct sv_text *t = &l->texts[i];
		if (xmlTextWriterStartElement(w, BAD_CAST text_el_name) < 0 ||
				opt_attr(w, "lang", t->lang) < 0 ||
				xmlTextWriterWriteString(w, BAD_CAST t->text) < 0 ||
				xmlTextWriterEndElement(w) < 0) {
			return -1;
		}
	}
	return xmlTextWriterEndElement(w);
}

/* <usernameField id name/> and its siblings, when either is known. */
static int field_el(xmlTextWriterPtr w, const char *name, const char *id,
		const char *nm) {
	if (id == NULL && nm == NULL) {
		return 0;
	}
	if (xmlTextWriterStartElement(w, BAD_CAST name) < 0 ||
			opt_attr(w, "id", id) < 0 || opt_attr(w, "name", nm) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

static int write_webmail(struct sv_answer_builder *b,
		const struct sv_webmail *wm) {
	xmlTextWriterPtr w = b->w;
	if (absent(wm->login_page)) {
		return 0;
	}
	if (xmlTextWriterStartElement(w, BAD_CAST "webMail") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "loginPage") < 0 ||
			attr(w, "url", wm->login_page) < 0 ||
			xmlTextWriterEndElement(w) < 0) {
		return -1;
	}
	if (wm->info_url != NULL) {
		if (xmlTextWriterStartElement(w, BAD_CAST "loginPageInfo") < 0 ||
				attr(w, "url", wm->info_url) < 0 ||
				(!absent(wm->username) &&
					template_el(b, "username", wm->username) < 0) ||
				field_el(w, "usernameField", wm->username_field_id,
					wm->username_field_name) < 0 ||
				field_el(w, "passwordField", wm->password_field_id,
					wm->password_field_name) < 0 ||
				field_el(w, "loginButton", wm->login_button_id,
					wm->login_button_name) < 0 ||
				xmlTextWriterEndElement(w) < 0) {
			return -1;
		}
	}
	return xmlTextWriterEndElement(w);
}

static int write_oauth2(xmlTextWriterPtr w, const struct sv_oauth2 *o) {
	if (absent(o->issuer)) {
		return 0;
	}
	if (xmlTextWriterStartElement(w, BAD_CAST "oAuth2") < 0 ||
			text_el(w, "issuer", o->issuer) < 0 ||
			opt_text_el(w, "scope", o->scope) < 0 ||
			opt_text_el(w, "authURL", o->auth_url) < 0 ||
			opt_text_el(w, "tokenURL", o->token_url) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

static int write_document(struct sv_answer_builder *b,
		const struct sv_provider *pv, const struct sv_server *const *sv,
		size_t n) {
	xmlTextWriterPtr w = b->w;
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
			text_el(w, "displayName", display) < 0 ||
			opt_text_el(w, "displayShortName", pv->short_name) < 0) {
		return -1;
	}
	for (int pass = 0; pass < 2; pass++) { /* incoming, then outgoing */
		for (size_t i = 0; i < n; i++) {
			bool outgoing = sv_server_type_is_outgoing(sv[i]->type);
			if (outgoing != (pass == 1)) {
				continue;
			}
			if (write_server(b, sv[i]) < 0) {
				return -1;
			}
		}
	}
	for (size_t i = 0; i < pv->n_links; i++) {
		if (write_link(w, &pv->links[i]) < 0) {
			return -1;
		}
	}
	if (xmlTextWriterEndElement(w) < 0 || /* emailProvider */
			write_webmail(b, &pv->webmail) < 0 ||
			write_oauth2(w, &pv->oauth2) < 0 ||
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
