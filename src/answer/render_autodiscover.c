/* SPDX-License-Identifier: MIT */
/*
 * Microsoft Autodiscover renderers (PROTOCOLS.md 3 and 4).
 *
 * The v1 Outlook settings document is compiled once per provider (and per
 * domain with servers of its own) into a struct sv_answer, like the
 * Mozilla one, from the same server selection (sv_provider_servers_for):
 * the two answers cannot disagree on host, port, TLS mode or login. POX
 * clients substitute nothing, so every address-dependent text is a slot
 * and the HTTP layer always fills the answer with the request's address.
 *
 * The answer to a GET (sv_render_autodiscover_domain) is the same
 * document without what needs the address: clients that probe with a
 * GET (Delta Chat) send none, read only Type, Server, Port and SSL, and
 * substitute nothing, so no token may be left in it half expanded; its
 * CalDAV and CardDAV entries are those whose URL needs no address.
 *
 * Choices, each for a client:
 *  - Default namespace declarations only, no prefixes: Thunderbird
 *    matches element names literally, so <a:Autodiscover> would be
 *    unknown to it (PROTOCOLS.md 3.3).
 *  - TLS (3.5): implicit TLS is SSL=on + Encryption=SSL, STARTTLS is
 *    SSL=on + Encryption=TLS, plain is SSL=off + Encryption=None; never
 *    SSL=off with TLS, which Thunderbird reads as plain text. Both SSL
 *    and Encryption are always written (older Outlook reads only SSL).
 *  - SPA is written explicitly: Microsoft's default is "on", Thunderbird's
 *    "off". "on" only where the data says no clear-text password.
 *  - User/DisplayName is the address: the server never knows the user's
 *    name, and [MS-OXDSCLI] wants a User element on success.
 *  - Calendars and address books: CalDAV and CardDAV <Protocol> entries
 *    after the mail ones, in the shape mailcow's Autodiscover answer
 *    gives eM Client (write_dav_protocol). Outlook schema only: the
 *    mobilesync schema never gets them (it gets Error 601, as before).
 *    Thunderbird reads only the types it knows and skips these.
 *  - Error documents are small and carry the time of day, so they are
 *    written per request (still with the writer, through a builder so
 *    that libxml2's silent allocation failures are caught, answer.h).
 *
 * The v2 JSON answers are in render_autodiscover_v2.c.
 */
#include <stdbool.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "answer/render_autodiscover.h"
#include "answer/render_util.h"
#include "model/placeholder.h"
#include "request/autodiscover_ns.h"
#include "util/alloc.h"

/* Longest v2 JSON document: the URL holds a domain of <= 253 bytes. */
static int text_el(xmlTextWriterPtr w, const char *name, const char *value) {
	return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST value);
}

static int on_off_el(xmlTextWriterPtr w, const char *name, bool on) {
	return text_el(w, name, on ? "on" : "off");
}

/*
 * <name>text</name>, the text's tokens as slots: a URL's percent-encoded
 * (url), a template's as they are.
 */
static int slotted_el(struct sv_answer_builder *b, const char *name,
		const char *text, bool url) {
	if (xmlTextWriterStartElement(b->w, BAD_CAST name) < 0 ||
			(url ? sv_answer_builder_url(b, text) :
				sv_answer_builder_template(b, text)) < 0 ||
			xmlTextWriterEndElement(b->w) < 0) {
		return -1;
	}
	return 0;
}

/* Element whose text is a placeholder template (tokens become slots). */
static int template_el(struct sv_answer_builder *b, const char *name,
		const char *tpl) {
	return slotted_el(b, name, tpl, false);
}

/* What POX can say about a server's authentication. */
struct pox_auth {
	bool required;  /* AuthRequired */
	bool spa;       /* SPA: no clear-text password */
	bool smtp_last; /* SMTPLast: smtp-after-pop */
};

/* From the first method POX can express; see render_autodiscover.h. */
static struct pox_auth map_auth(const struct sv_server *s) {
	struct pox_auth a = { .required = true };
	for (size_t i = 0; i < s->n_auth && i < SV_MODEL_MAX_AUTH; i++) {
		switch (s->auth[i]) {
		case SV_AUTH_PASSWORD_CLEARTEXT:
		case SV_AUTH_PLAIN:
			return a;
		case SV_AUTH_PASSWORD_ENCRYPTED:
		case SV_AUTH_SECURE:
		case SV_AUTH_NTLM:
		case SV_AUTH_GSSAPI:
			a.spa = true;
			return a;
		case SV_AUTH_NONE:
		case SV_AUTH_CLIENT_IP_ADDRESS:
			a.required = false;
			return a;
		case SV_AUTH_SMTP_AFTER_POP:
			a.required = false;
			a.smtp_last = true;
			return a;
		case SV_AUTH_OAUTH2:
		case SV_AUTH_TLS_CLIENT_CERT:
		default:
			break; /* not expressible: look further */
		}
	}
	return a; /* nothing expressible: a password is the best guess */
}

/* The login template of a server: a missing one is the address. */
static const char *login_of(const struct sv_server *s) {
	return !sv_render_absent(s->username) ? s->username : "%EMAILADDRESS%";
}

#define TOKEN_BIT(t) (1u << (t))
/* The tokens only a request's address can fill. */
#define ADDRESS_TOKENS (TOKEN_BIT(SV_TOKEN_EMAILADDRESS) | \
	TOKEN_BIT(SV_TOKEN_EMAILLOCALPART))

/*
 * Whether a valid template uses one of the tokens in mask (TOKEN_BIT):
 * 1 yes, 0 no, -1 when it does not split (invalid, caught by the
 * builder's own split too).
 */
static int uses_token(const char *tpl, unsigned mask) {
	struct sv_tpl_piece pieces[SV_MODEL_MAX_TEMPLATE + 1];
	size_t n = 0;
	if (sv_placeholder_split(tpl, pieces, SV_MODEL_MAX_TEMPLATE + 1, &n,
			NULL) != SV_OK) {
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (pieces[i].is_token &&
				(mask & TOKEN_BIT(pieces[i].token)) != 0) {
			return 1;
		}
	}
	return 0;
}

static const char *type_name(enum sv_server_type t) {
	switch (t) {
	case SV_SERVER_IMAP: return "IMAP";
	case SV_SERVER_POP3: return "POP3";
	default: return "SMTP";
	}
}

/*
 * One <Protocol>. incoming_login is the first incoming server's login
 * template (for UsePOPAuth), or NULL when there is none. Without an
 * address (the answer to a GET), a login that needs one is left out like
 * a %REALNAME% one: the client uses its own default, the address.
 */
static int write_protocol(struct sv_answer_builder *b,
		const struct sv_server *s, const char *incoming_login,
		bool no_address) {
	xmlTextWriterPtr w = b->w;
	const char *login = login_of(s);
	struct pox_auth a = map_auth(s);
	bool ssl = s->socket != SV_SOCKET_PLAIN;
	const char *enc = s->socket == SV_SOCKET_SSL ? "SSL"
		: s->socket == SV_SOCKET_STARTTLS ? "TLS" : "None";
	int realname = uses_token(login, TOKEN_BIT(SV_TOKEN_REALNAME) |
		(no_address ? ADDRESS_TOKENS : 0));
	if (realname < 0) {
		b->failed = SV_EINVAL;
		return -1;
	}
	if (xmlTextWriterStartElement(w, BAD_CAST "Protocol") < 0 ||
			text_el(w, "Type", type_name(s->type)) < 0 ||
			template_el(b, "Server", s->hostname) < 0 ||
			xmlTextWriterWriteFormatElement(w, BAD_CAST "Port",
				"%d", s->port) < 0 ||
			(realname == 0 &&
				template_el(b, "LoginName", login) < 0) ||
			on_off_el(w, "DomainRequired", false) < 0 ||
			on_off_el(w, "SPA", a.spa) < 0 ||
			on_off_el(w, "SSL", ssl) < 0 ||
			text_el(w, "Encryption", enc) < 0 ||
			on_off_el(w, "AuthRequired", a.required) < 0) {
		return -1;
	}
	if (s->type == SV_SERVER_SMTP) {
		bool same = a.required && incoming_login != NULL &&
			strcmp(login, incoming_login) == 0;
		if (on_off_el(w, "UsePOPAuth", same) < 0 ||
				on_off_el(w, "SMTPLast", a.smtp_last) < 0) {
			return -1;
		}
	}
	return xmlTextWriterEndElement(w);
}

/* Starts the document: declaration, Autodiscover, Response in ns. */
static int start_document(xmlTextWriterPtr w, const char *response_ns) {
	if (xmlTextWriterSetIndent(w, 1) < 0 ||
			xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
			xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "Autodiscover") < 0 ||
			xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns",
				BAD_CAST SV_AUTODISCOVER_NS_RESPONSE) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "Response") < 0) {
		return -1;
	}
	if (response_ns != NULL && xmlTextWriterWriteAttribute(w,
			BAD_CAST "xmlns", BAD_CAST response_ns) < 0) {
		return -1;
	}
	return 0;
}

/*
 * A calendar or address-book <Protocol> in the shape mailcow's answer
 * gives eM Client: Type CalDAV or CardDAV, Server the whole URL
 * (expanded: POX clients substitute nothing), DomainRequired off,
 * LoginName. No Port nor SSL: the URL says both. Without an address
 * (the answer to a GET) a service whose URL needs one is left out and a
 * login that needs one too, as write_protocol() does.
 */
static int write_dav_protocol(struct sv_answer_builder *b,
		const struct sv_service *s, bool no_address) {
	xmlTextWriterPtr w = b->w;
	const char *login = !sv_render_absent(s->username) ? s->username :
		"%EMAILADDRESS%";
	int realname = uses_token(login, TOKEN_BIT(SV_TOKEN_REALNAME) |
		(no_address ? ADDRESS_TOKENS : 0));
	int url_needs = no_address ? uses_token(s->url, ADDRESS_TOKENS) : 0;
	if (realname < 0 || url_needs < 0) {
		b->failed = SV_EINVAL;
		return -1;
	}
	if (url_needs > 0) {
		return 0;
	}
	if (xmlTextWriterStartElement(w, BAD_CAST "Protocol") < 0 ||
			text_el(w, "Type", s->type == SV_SERVICE_CALDAV ?
				"CalDAV" : "CardDAV") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "Server") < 0 ||
			sv_answer_builder_url(b, s->url) < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			on_off_el(w, "DomainRequired", false) < 0 ||
			(realname == 0 &&
				template_el(b, "LoginName", login) < 0)) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

/* <name>URL</name>, the URL's tokens as slots (percent-encoded). */
static int url_el(struct sv_answer_builder *b, const char *name,
		const char *url) {
	return slotted_el(b, name, url, true);
}

/* The service s when its URL can be written here (no_address: the
 * answer to a GET, where a URL that needs the address cannot); NULL when
 * s is NULL or cannot. -1 in *bad for an invalid template. */
static const struct sv_service *usable(const struct sv_service *s,
		bool no_address, int *bad) {
	if (s == NULL || !no_address) {
		return s;
	}
	int needs = uses_token(s->url, ADDRESS_TOKENS);
	if (needs < 0) {
		*bad = -1;
	}
	return needs == 0 ? s : NULL;
}

/*
 * The Exchange <Protocol> entries, from the provider's EWS, OWA and
 * ActiveSync URLs: EXCH and EXPR with EwsUrl (and ASUrl when there is
 * ActiveSync) when it has EWS, WEB with Internal/OWAUrl when it has OWA;
 * nothing without them. The OWAUrl's AuthenticationMethod attribute is
 * needed by Thunderbird (it reads the URL as OWAUrl.value, there only
 * when the element has an attribute): Basic when the OWA service takes
 * a password, else Fba (a login page).
 */
static int write_exchange_protocols(struct sv_answer_builder *b,
		const struct sv_service *const *svc, size_t n,
		bool no_address) {
	xmlTextWriterPtr w = b->w;
	int bad = 0;
	const struct sv_service *ews = usable(sv_render_first_of(svc, n,
		SV_SERVICE_EWS), no_address, &bad);
	const struct sv_service *owa = usable(sv_render_first_of(svc, n,
		SV_SERVICE_OWA), no_address, &bad);
	const struct sv_service *as = usable(sv_render_first_of(svc, n,
		SV_SERVICE_ACTIVESYNC), no_address, &bad);
	if (bad < 0) {
		b->failed = SV_EINVAL;
		return -1;
	}
	static const char *const types[] = { "EXCH", "EXPR" };
	for (size_t i = 0; ews != NULL && i < 2; i++) {
		if (xmlTextWriterStartElement(w, BAD_CAST "Protocol") < 0 ||
				text_el(w, "Type", types[i]) < 0 ||
				(as != NULL && url_el(b, "ASUrl", as->url) < 0) ||
				url_el(b, "EwsUrl", ews->url) < 0 ||
				xmlTextWriterEndElement(w) < 0) {
			return -1;
		}
	}
	if (owa == NULL) {
		return 0;
	}
	bool basic = false;
	for (size_t i = 0; i < owa->n_auth; i++) {
		basic = basic || owa->auth[i] == SV_SAUTH_HTTP_BASIC;
	}
	if (xmlTextWriterStartElement(w, BAD_CAST "Protocol") < 0 ||
			text_el(w, "Type", "WEB") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "Internal") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "OWAUrl") < 0 ||
			xmlTextWriterWriteAttribute(w,
				BAD_CAST "AuthenticationMethod",
				BAD_CAST (basic ? "Basic" : "Fba")) < 0 ||
			sv_answer_builder_url(b, owa->url) < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			xmlTextWriterEndElement(w) < 0) {
		return -1;
	}
	return 0;
}

/* What write_settings() writes: the chosen servers and services. */
struct selection {
	const struct sv_server *sv[SV_MODEL_MAX_SERVERS]; /* borrowed */
	size_t n;
	const struct sv_service *svc[SV_MODEL_MAX_SERVICES]; /* borrowed */
	size_t n_svc;
	bool no_address; /* the answer to a GET: no User, no login that
	                  * needs the address, %EMAILDOMAIN% filled */
};

/* <User>: the address twice ([MS-OXDSCLI] wants it on success). */
static int write_user(struct sv_answer_builder *b) {
	xmlTextWriterPtr w = b->w;
	if (xmlTextWriterStartElement(w, BAD_CAST "User") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "DisplayName") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_EMAILADDRESS) < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			xmlTextWriterStartElement(w,
				BAD_CAST "AutoDiscoverSMTPAddress") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_EMAILADDRESS) < 0 ||
			xmlTextWriterEndElement(w) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(w); /* User */
}

static int write_settings(struct sv_answer_builder *b, const void *ctx) {
	const struct selection *sel = ctx;
	const struct sv_server *const *sv = sel->sv;
	size_t n = sel->n;
	xmlTextWriterPtr w = b->w;
	b->domain_token_is_domain = sel->no_address;
	if (start_document(w, SV_AUTODISCOVER_NS_OUTLOOK) < 0 ||
			(!sel->no_address && write_user(b) < 0) ||
			xmlTextWriterStartElement(w, BAD_CAST "Account") < 0 ||
			text_el(w, "AccountType", "email") < 0 ||
			text_el(w, "Action", "settings") < 0) {
		return -1;
	}
	if (write_exchange_protocols(b, sel->svc, sel->n_svc,
			sel->no_address) < 0) {
		return -1;
	}
	const char *incoming_login = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!sv_server_type_is_outgoing(sv[i]->type)) {
			incoming_login = login_of(sv[i]);
			break;
		}
	}
	for (size_t i = 0; i < n; i++) { /* incoming first already */
		if (write_protocol(b, sv[i], incoming_login,
				sel->no_address) < 0) {
			return -1;
		}
	}
	for (size_t i = 0; i < sel->n_svc; i++) { /* no WebDAV type in POX */
		enum sv_service_type t = sel->svc[i]->type;
		if ((t == SV_SERVICE_CALDAV || t == SV_SERVICE_CARDDAV) &&
				write_dav_protocol(b, sel->svc[i],
					sel->no_address) < 0) {
			return -1;
		}
	}
	return xmlTextWriterEndDocument(w) < 0 ? -1 : 0;
}

int sv_render_autodiscover(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	*out = NULL;
	struct selection sel = { .no_address = false };
	int rc = sv_render_select_servers("autodiscover", pv, override_domain,
		0, sel.sv, &sel.n, err);
	if (rc != SV_OK) {
		return rc;
	}
	sel.n_svc = sv_provider_services_for(pv, override_domain, sel.svc,
		SV_MODEL_MAX_SERVICES);
	return sv_render_answer("autodiscover", pv->id,
		SV_AUTODISCOVER_CONTENT_TYPE, write_settings, &sel, out, err);
}

int sv_render_autodiscover_domain(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	*out = NULL;
	struct selection sel = { .no_address = true };
	int rc = sv_render_select_servers("autodiscover-domain", pv,
		override_domain, 0, sel.sv, &sel.n, err);
	if (rc != SV_OK) {
		return rc;
	}
	sel.n_svc = sv_provider_services_for(pv, override_domain, sel.svc,
		SV_MODEL_MAX_SERVICES);
	for (size_t i = 0; i < sel.n; i++) {
		int needs = uses_token(sel.sv[i]->hostname, ADDRESS_TOKENS);
		if (needs != 0) {
			/* no host without the address: no answer (404), or
			 * an invalid template, which the builder reports */
			if (needs > 0) {
				return SV_OK;
			}
			break;
		}
	}
	return sv_render_answer("autodiscover-domain", pv->id,
		SV_AUTODISCOVER_CONTENT_TYPE, write_settings, &sel, out, err);
}

/* ---- mobilesync (ActiveSync) ---- */

/*
 * The mobilesync schema's settings (PROTOCOLS.md 3.8): Culture, User
 * (DisplayName and EMailAddress, the address), Action/Settings/Server
 * with Type MobileSync, Url and Name (the same URL, as Exchange writes
 * it).
 */
static int write_mobilesync(struct sv_answer_builder *b, const void *ctx) {
	const struct sv_service *as = ctx;
	xmlTextWriterPtr w = b->w;
	if (start_document(w, SV_AUTODISCOVER_NS_MOBILESYNC) < 0 ||
			text_el(w, "Culture", "en:us") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "User") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "DisplayName") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_EMAILADDRESS) < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "EMailAddress") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_EMAILADDRESS) < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			xmlTextWriterEndElement(w) < 0 || /* User */
			xmlTextWriterStartElement(w, BAD_CAST "Action") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "Settings") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "Server") < 0 ||
			text_el(w, "Type", "MobileSync") < 0 ||
			url_el(b, "Url", as->url) < 0 ||
			url_el(b, "Name", as->url) < 0) {
		return -1;
	}
	return xmlTextWriterEndDocument(w) < 0 ? -1 : 0;
}

int sv_render_autodiscover_mobilesync(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	*out = NULL;
	const struct sv_service *as;
	int rc = sv_render_first_service("mobilesync", pv, override_domain,
		SV_SERVICE_ACTIVESYNC, &as, err);
	if (rc != SV_OK || as == NULL) {
		return rc; /* no ActiveSync: Error 601 (http_answer.c) */
	}
	return sv_render_answer("mobilesync", pv->id,
		SV_AUTODISCOVER_CONTENT_TYPE, write_mobilesync, as, out, err);
}

/* ---- error documents ---- */

static const char *error_message(enum sv_autodiscover_error code) {
	switch (code) {
	case SV_AUTODISCOVER_ERROR_NO_ADDRESS:
		return "The e-mail address cannot be found.";
	case SV_AUTODISCOVER_ERROR_INVALID:
		return "Invalid Request";
	case SV_AUTODISCOVER_ERROR_SCHEMA:
		return "The requested schema is not available.";
	case SV_AUTODISCOVER_ERROR_INTERNAL:
		return "Internal Server Error";
	}
	return NULL;
}

static int write_error(xmlTextWriterPtr w, enum sv_autodiscover_error code,
		const struct tm *tm, long frac, uint32_t id) {
	const char *ns = code == SV_AUTODISCOVER_ERROR_NO_ADDRESS ?
		SV_AUTODISCOVER_NS_OUTLOOK : NULL;
	if (start_document(w, ns) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "Error") < 0 ||
			xmlTextWriterWriteFormatAttribute(w, BAD_CAST "Time",
				"%02d:%02d:%02d.%07ld", tm->tm_hour, tm->tm_min,
				tm->tm_sec, frac) < 0 ||
			xmlTextWriterWriteFormatAttribute(w, BAD_CAST "Id",
				"%lu", (unsigned long)id) < 0 ||
			xmlTextWriterWriteFormatElement(w, BAD_CAST "ErrorCode",
				"%d", (int)code) < 0 ||
			text_el(w, "Message", error_message(code)) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "DebugData") < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			xmlTextWriterEndDocument(w) < 0) {
		return -1;
	}
	return 0;
}

int sv_render_autodiscover_error(enum sv_autodiscover_error code,
		const struct timespec *when, uint32_t id, struct sv_buf *out,
		struct sv_err *err) {
	if (error_message(code) == NULL) {
		sv_buf_finish(out);
		return sv_errf(err, SV_EINVAL, "autodiscover: no error code %d",
			(int)code);
	}
	struct tm tm;
	if (gmtime_r(&when->tv_sec, &tm) == NULL || when->tv_nsec < 0 ||
			when->tv_nsec >= 1000000000L) {
		sv_buf_finish(out);
		return sv_errf(err, SV_EINVAL, "autodiscover: bad time");
	}
	struct sv_answer_builder b;
	int rc = sv_answer_builder_init(&b, SV_AUTODISCOVER_CONTENT_TYPE);
	if (rc != SV_OK) {
		sv_buf_finish(out);
		return sv_errf(err, rc, "autodiscover: out of memory");
	}
	if (write_error(b.w, code, &tm, when->tv_nsec / 100, id) < 0) {
		sv_answer_builder_abandon(&b);
		sv_buf_finish(out);
		return sv_errf(err, SV_ENOMEM, "autodiscover: cannot write the "
			"error document");
	}
	struct sv_answer *a = NULL;
	rc = sv_answer_builder_finish(&b, &a, NULL);
	if (rc != SV_OK) {
		sv_buf_finish(out);
		return sv_errf(err, rc, "autodiscover: cannot write the error "
			"document: %s", sv_rc_str(rc));
	}
	const struct sv_answer_facts none = { .domain = "" };
	rc = sv_answer_fill(a, &none, out); /* no slots: a copy */
	sv_answer_destroy(a);
	if (rc != SV_OK) {
		return sv_errf(err, rc, "autodiscover: error document: %s",
			sv_rc_str(rc));
	}
	return SV_OK;
}
