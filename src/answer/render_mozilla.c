/* SPDX-License-Identifier: MIT */
/*
 * Element writers shared by the two Mozilla renderers: the public answer
 * (render_autoconfig.c) and the admin's export (render_ispdb.c). See
 * render_mozilla.h for what each view writes; the reasons for the public
 * view's choices are at the top of render_autoconfig.c.
 *
 * Pure: model structs in, libxml2 writer calls out. All XML text goes
 * through the writer, which escapes it; templates go through the caller's
 * hook so that the public answer can cut them into slots.
 */
#include <stdbool.h>

#include "answer/render_mozilla.h"

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
 * string "true" (a username of "true", for one); and the importer refuses
 * empty elements, so the export must not write them either.
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

/* Element whose text is a placeholder template (see the hook). */
static int template_el(const struct sv_mozilla_writer *mw, const char *name,
		const char *tpl) {
	if (xmlTextWriterStartElement(mw->w, BAD_CAST name) < 0) {
		return -1;
	}
	int rc = mw->template_text != NULL ? mw->template_text(mw->ctx, tpl)
		: xmlTextWriterWriteString(mw->w, BAD_CAST tpl);
	if (rc < 0 || xmlTextWriterEndElement(mw->w) < 0) {
		return -1;
	}
	return 0;
}

static bool pop3_empty(const struct sv_pop3_options *o) {
	return o->leave_on_server == SV_UNSET && o->days_to_leave < 0 &&
		o->download_on_biff == SV_UNSET && o->check_interval_min < 0;
}

/*
 * <pop3> with the options that are set. The public view writes nothing at
 * all when none is: an empty <pop3/> is the JXON value true, and
 * Thunderbird's readFromXML then throws on `"leaveMessagesOnServer" in
 * true` (seen with the Thunderbird oracle). The admin view keeps it: the
 * source file had it.
 */
static int write_pop3(const struct sv_mozilla_writer *mw,
		const struct sv_pop3_options *o) {
	xmlTextWriterPtr w = mw->w;
	if (mw->view == SV_MOZILLA_PUBLIC && pop3_empty(o)) {
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

/* hostname, port, socketType: the public view's servers always have them. */
static int write_endpoint(const struct sv_mozilla_writer *mw,
		const struct sv_server *s) {
	xmlTextWriterPtr w = mw->w;
	bool admin = mw->view == SV_MOZILLA_ADMIN;
	if ((!admin || !absent(s->hostname)) &&
			template_el(mw, "hostname", s->hostname) < 0) {
		return -1;
	}
	if ((!admin || s->port != 0) && xmlTextWriterWriteFormatElement(w,
			BAD_CAST "port", "%d", s->port) < 0) {
		return -1;
	}
	if ((!admin || s->socket != SV_SOCKET_NONE) &&
			text_el(w, "socketType", sv_socket_name(s->socket)) < 0) {
		return -1;
	}
	return 0;
}

int sv_render_mozilla_server(const struct sv_mozilla_writer *mw,
		const struct sv_server *s) {
	xmlTextWriterPtr w = mw->w;
	bool admin = mw->view == SV_MOZILLA_ADMIN;
	bool outgoing = sv_server_type_is_outgoing(s->type);
	/*
	 * Public: a missing username is the address (render_autoconfig.c
	 * says why). Admin: absent stays absent.
	 */
	const char *username = !absent(s->username) ? s->username
		: admin ? NULL : "%EMAILADDRESS%";
	if (xmlTextWriterStartElement(w, BAD_CAST (outgoing ? "outgoingServer"
				: "incomingServer")) < 0 ||
			attr(w, "type", sv_server_type_name(s->type)) < 0 ||
			write_endpoint(mw, s) < 0 ||
			(username != NULL &&
				template_el(mw, "username", username) < 0)) {
		return -1;
	}
	for (size_t i = 0; i < s->n_auth; i++) {
		if (text_el(w, "authentication", sv_auth_name(s->auth[i])) < 0) {
			return -1;
		}
	}
	if (admin && (opt_text_el(w, "url", s->url) < 0 ||
			opt_text_el(w, "owaURL", s->owa_url) < 0 ||
			opt_text_el(w, "ewsURL", s->ews_url) < 0)) {
		return -1;
	}
	bool pop3 = admin || s->type == SV_SERVER_POP3;
	if (pop3 && s->has_pop3 && write_pop3(mw, &s->pop3) < 0) {
		return -1;
	}
	if ((admin || outgoing) && (
			opt_text_el(w, "restriction", s->restriction) < 0 ||
			tristate_el(w, "addThisServer", s->add_this_server) < 0)) {
		return -1;
	}
	if (tristate_el(w, "useGlobalPreferredServer",
			s->use_global_preferred_server) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

/* The root-level element of each service type. */
static const char *const service_elements[SV_SERVICE_TYPE_COUNT] = {
	[SV_SERVICE_CALDAV] = "calendar",
	[SV_SERVICE_CARDDAV] = "addressbook",
	[SV_SERVICE_WEBDAV] = "fileShare",
};

/* <url> with the service's URL template, through the hook. */
static int url_el(const struct sv_mozilla_writer *mw, const char *url) {
	xmlTextWriterPtr w = mw->w;
	if (xmlTextWriterStartElement(w, BAD_CAST "url") < 0 ||
			(mw->url_text != NULL ? mw->url_text(mw->ctx, url) :
				xmlTextWriterWriteString(w, BAD_CAST url)) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

/*
 * One <authentication>: http-basic and http-digest as the draft's
 * system="http" Basic|Digest, OAuth2 bare. For an account, Basic is
 * followed by password-cleartext, the generic method Thunderbird reads
 * (its readFromXML drops a server whose every method it cannot
 * translate, and it cannot read one with an attribute); the importer
 * reads the pair back as the one method.
 */
static int service_auth_el(xmlTextWriterPtr w, enum sv_service_auth a,
		bool account) {
	const char *http = a == SV_SAUTH_HTTP_BASIC ? "Basic" :
		a == SV_SAUTH_HTTP_DIGEST ? "Digest" : NULL;
	if (xmlTextWriterStartElement(w, BAD_CAST "authentication") < 0 ||
			(http != NULL && attr(w, "system", "http") < 0) ||
			xmlTextWriterWriteString(w, BAD_CAST (http != NULL ?
				http : sv_service_auth_name(a))) < 0 ||
			xmlTextWriterEndElement(w) < 0) {
		return -1;
	}
	if (account && a == SV_SAUTH_HTTP_BASIC &&
			text_el(w, "authentication", "password-cleartext") < 0) {
		return -1;
	}
	return 0;
}

/*
 * <incomingServer type="ews|activeSync|..."> inside <emailProvider>:
 * <url>, <username>, <authentication>..., the draft's URL-based server.
 */
static int write_account(const struct sv_mozilla_writer *mw,
		const struct sv_service *s, const char *username) {
	xmlTextWriterPtr w = mw->w;
	if (xmlTextWriterStartElement(w, BAD_CAST "incomingServer") < 0 ||
			attr(w, "type", sv_service_type_xml_name(s->type)) < 0 ||
			url_el(mw, s->url) < 0 ||
			(username != NULL &&
				template_el(mw, "username", username) < 0)) {
		return -1;
	}
	for (size_t i = 0; i < s->n_auth; i++) {
		if (service_auth_el(w, s->auth[i], true) < 0) {
			return -1;
		}
	}
	return xmlTextWriterEndElement(w);
}

int sv_render_mozilla_service(const struct sv_mozilla_writer *mw,
		const struct sv_service *s) {
	xmlTextWriterPtr w = mw->w;
	if ((unsigned)s->type >= SV_SERVICE_TYPE_COUNT) {
		return -1;
	}
	const char *username = !absent(s->username) ? s->username :
		mw->view == SV_MOZILLA_ADMIN ? NULL : "%EMAILADDRESS%";
	if (sv_service_type_is_account(s->type)) {
		return write_account(mw, s, username);
	}
	if (xmlTextWriterStartElement(w,
				BAD_CAST service_elements[s->type]) < 0 ||
			attr(w, "type", sv_service_type_name(s->type)) < 0 ||
			url_el(mw, s->url) < 0) {
		return -1;
	}
	for (size_t i = 0; i < s->n_auth; i++) {
		if (service_auth_el(w, s->auth[i], false) < 0) {
			return -1;
		}
	}
	if (username != NULL && template_el(mw, "username", username) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

int sv_render_mozilla_link(const struct sv_mozilla_writer *mw,
		const struct sv_link *l) {
	xmlTextWriterPtr w = mw->w;
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

/*
 * <usernameField id name/> and its siblings, when either is set; an empty
 * value is the bare element (import_mozilla.h), not an empty attribute.
 */
static int field_el(xmlTextWriterPtr w, const char *name, const char *id,
		const char *nm) {
	if (id == NULL && nm == NULL) {
		return 0;
	}
	if (xmlTextWriterStartElement(w, BAD_CAST name) < 0 ||
			(!absent(id) && attr(w, "id", id) < 0) ||
			(!absent(nm) && attr(w, "name", nm) < 0)) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

int sv_render_mozilla_webmail(const struct sv_mozilla_writer *mw,
		const struct sv_webmail *wm) {
	xmlTextWriterPtr w = mw->w;
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
				(wm->wait_redirect_prefix != NULL &&
					attr(w, "waitForRedirectionURLPrefix",
						wm->wait_redirect_prefix) < 0) ||
				(!absent(wm->username) &&
					template_el(mw, "username",
						wm->username) < 0) ||
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

int sv_render_mozilla_oauth2(const struct sv_mozilla_writer *mw,
		const struct sv_oauth2 *o) {
	xmlTextWriterPtr w = mw->w;
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

int sv_render_mozilla_tail(const struct sv_mozilla_writer *mw,
		const struct sv_provider *pv,
		const struct sv_service *const *services, size_t n) {
	for (size_t i = 0; i < pv->n_links; i++) {
		if (sv_render_mozilla_link(mw, &pv->links[i]) < 0) {
			return -1;
		}
	}
	if (xmlTextWriterEndElement(mw->w) < 0) { /* emailProvider */
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!sv_service_type_is_account(services[i]->type) &&
				sv_render_mozilla_service(mw, services[i]) < 0) {
			return -1;
		}
	}
	if (sv_render_mozilla_webmail(mw, &pv->webmail) < 0 ||
			sv_render_mozilla_oauth2(mw, &pv->oauth2) < 0 ||
			xmlTextWriterEndDocument(mw->w) < 0) {
		return -1;
	}
	return 0;
}
