/* SPDX-License-Identifier: MIT */
/*
 * The Apple configuration profile renderer (.mobileconfig, PROTOCOLS.md
 * 5) compiled into a struct sv_answer: an XML property list written once
 * with libxml2's text writer, DOCTYPE included, whose address-dependent
 * values are slots (answer.h). Pure: a provider in, an answer out.
 *
 * Choices, each for a device:
 *  - One com.apple.mail.managed payload carries one incoming and one
 *    outgoing server: the first imap server of the view, else its first
 *    pop3 server (IMAP keeps mail in sync across devices), and its first
 *    smtp server. The view is sv_provider_servers_for(), exactly as the
 *    Mozilla renderer's, so both answers name the same hosts.
 *  - *UseSSL is true for implicit TLS only. For STARTTLS and plain it is
 *    false: Apple's key means "connect with TLS", a STARTTLS server does
 *    not speak TLS on connect, and the device upgrades by itself when the
 *    server offers STARTTLS (the rule mox uses; PROTOCOLS.md 5).
 *  - Authentication: the server's first method Apple can express
 *    (sv_mobileconfig_auth). OAuth2 has no key here; providers that offer
 *    it also list a password method, which is then used.
 *  - Usernames are expanded through slots. A template that needs
 *    %REALNAME% is left out (the device asks) rather than sent as the
 *    literal token; so is the username of a server without
 *    authentication, which has nothing to log in with.
 *  - No password key, ever (IncomingPassword, OutgoingPassword belong in
 *    encrypted profiles only). OutgoingPasswordSameAsIncomingPassword is
 *    true when both servers log in, so that the user types it once.
 *  - Identifiers: "<reversed domain>.mobileconfig.<UUID>". The UUIDs are
 *    name-based on the address (answer.h), so the identifier is stable for
 *    an address (a new download replaces the installed profile), differs
 *    between addresses (two accounts at one provider coexist) and needs no
 *    escaping of the local part.
 *  - Keys are written in sorted order, as Apple's own tools write them.
 *  - Calendars and contacts: one com.apple.caldav.account and one
 *    com.apple.carddav.account payload after the mail payload, for the
 *    preferred caldav and carddav service of the view (an alternative
 *    would be a second account for the same data on the device). Host,
 *    port and CalDAVUseSSL come from the URL, CalDAVPrincipalURL is the
 *    whole URL expanded for the address, the username as for mail;
 *    identifiers and PayloadUUIDs are name-based per role ("caldav",
 *    "carddav"), so each payload replaces its own on a reinstall. No
 *    password key. A file share (webdav) has no Apple payload.
 *  - Exchange ActiveSync: a provider whose preferred incoming service is
 *    ActiveSync (its ActiveSync service, in the view, sorts before the
 *    first imap or pop3 server, or there is none) gets one
 *    com.apple.eas.account payload instead of the mail payload (the
 *    device would otherwise hold the same mailbox twice): Host and SSL
 *    from the service URL, EmailAddress, UserName as for mail, no
 *    password. Only for an https URL on port 443 whose path is
 *    /Microsoft-Server-ActiveSync, the one the device will use.
 *    Server and service priorities share one scale for this
 *    (the importer numbers URL-based accounts between the servers they
 *    sit between in the file).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/xmlwriter.h>

#include "answer/render_mobileconfig.h"
#include "answer/render_util.h"
#include "model/placeholder.h"
#include "model/service_url.h"

#define PLIST_PUBID "-//Apple//DTD PLIST 1.0//EN"
#define PLIST_SYSID "http://www.apple.com/DTDs/PropertyList-1.0.dtd"

const char *sv_mobileconfig_auth(const struct sv_server *s) {
	for (size_t i = 0; i < s->n_auth && i < SV_MODEL_MAX_AUTH; i++) {
		switch (s->auth[i]) {
		case SV_AUTH_PASSWORD_CLEARTEXT:
		case SV_AUTH_PLAIN:
			return "EmailAuthPassword";
		case SV_AUTH_PASSWORD_ENCRYPTED:
		case SV_AUTH_SECURE:
			return "EmailAuthCRAMMD5";
		case SV_AUTH_NTLM:
			return "EmailAuthNTLM";
		case SV_AUTH_NONE:
		case SV_AUTH_CLIENT_IP_ADDRESS:
		case SV_AUTH_SMTP_AFTER_POP:
			return "EmailAuthNone";
		case SV_AUTH_GSSAPI:
		case SV_AUTH_OAUTH2:
		case SV_AUTH_TLS_CLIENT_CERT:
		case SV_AUTH_COUNT:
			break;
		}
	}
	return "EmailAuthPassword";
}

static bool logs_in(const struct sv_server *s) {
	return strcmp(sv_mobileconfig_auth(s), "EmailAuthNone") != 0;
}

static int key(xmlTextWriterPtr w, const char *name) {
	return xmlTextWriterWriteElement(w, BAD_CAST "key", BAD_CAST name);
}

static int key_string(xmlTextWriterPtr w, const char *name,
		const char *value) {
	if (key(w, name) < 0) {
		return -1;
	}
	return xmlTextWriterWriteElement(w, BAD_CAST "string", BAD_CAST value);
}

static int key_integer(xmlTextWriterPtr w, const char *name, int value) {
	if (key(w, name) < 0) {
		return -1;
	}
	return xmlTextWriterWriteFormatElement(w, BAD_CAST "integer", "%d",
		value);
}

static int key_bool(xmlTextWriterPtr w, const char *name, bool value) {
	if (key(w, name) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST (value ? "true" :
				"false")) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

/* <key>name</key><string>SLOT</string> */
static int key_slot(struct sv_answer_builder *b, const char *name,
		enum sv_slot slot) {
	if (key(b->w, name) < 0 ||
			xmlTextWriterStartElement(b->w, BAD_CAST "string") < 0 ||
			sv_answer_builder_slot(b, slot) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(b->w);
}

/* <key>name</key><string>TEMPLATE, tokens as slots</string> */
static int key_template(struct sv_answer_builder *b, const char *name,
		const char *tpl) {
	if (key(b->w, name) < 0 ||
			xmlTextWriterStartElement(b->w, BAD_CAST "string") < 0 ||
			sv_answer_builder_template(b, tpl) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(b->w);
}

/* <key>PayloadIdentifier</key><string>REVDOMAIN.mobileconfig.UUID</string> */
static int key_identifier(struct sv_answer_builder *b, enum sv_slot uuid) {
	if (key(b->w, "PayloadIdentifier") < 0 ||
			xmlTextWriterStartElement(b->w, BAD_CAST "string") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_DOMAIN_REVERSED) < 0 ||
			xmlTextWriterWriteString(b->w,
				BAD_CAST ".mobileconfig.") < 0 ||
			sv_answer_builder_slot(b, uuid) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(b->w);
}

/*
 * The keys that name an account payload, in their sorted place:
 * PayloadDescription, PayloadDisplayName (display; NULL: the address),
 * PayloadIdentifier, PayloadType, PayloadUUID, PayloadVersion.
 */
static int key_payload(struct sv_answer_builder *b, const char *description,
		const char *display, const char *type, enum sv_slot uuid) {
	xmlTextWriterPtr w = b->w;
	if (key_string(w, "PayloadDescription", description) < 0 ||
			(display != NULL ? key_string(w, "PayloadDisplayName",
				display) : key_slot(b, "PayloadDisplayName",
				SV_SLOT_EMAILADDRESS)) < 0 ||
			key_identifier(b, uuid) < 0 ||
			key_string(w, "PayloadType", type) < 0 ||
			key_slot(b, "PayloadUUID", uuid) < 0) {
		return -1;
	}
	return key_integer(w, "PayloadVersion", 1);
}

/* "Incoming" + "HostName" -> "IncomingMailServerHostName", into k. */
static const char *kname(char *k, size_t n, const char *dir,
		const char *what) {
	int len = snprintf(k, n, "%sMailServer%s", dir, what);
	return len > 0 && (size_t)len < n ? k : "";
}

/* The keys of one server; dir is "Incoming" or "Outgoing". */
static int write_server(struct sv_answer_builder *b, const char *dir,
		const struct sv_server *s, bool with_username) {
	char k[64];
	/* A missing template means the address, as in the Mozilla answer. */
	const char *username = !sv_render_absent(s->username) ? s->username :
		"%EMAILADDRESS%";
	if (key_string(b->w, kname(k, sizeof(k), dir, "Authentication"),
				sv_mobileconfig_auth(s)) < 0 ||
			key_template(b, kname(k, sizeof(k), dir, "HostName"),
				s->hostname) < 0 ||
			key_integer(b->w, kname(k, sizeof(k), dir, "PortNumber"),
				s->port) < 0 ||
			key_bool(b->w, kname(k, sizeof(k), dir, "UseSSL"),
				s->socket == SV_SOCKET_SSL) < 0) {
		return -1;
	}
	if (with_username && key_template(b, kname(k, sizeof(k), dir,
			"Username"), username) < 0) {
		return -1;
	}
	return 0;
}

/* A calendar or address-book payload the renderer decided to write. */
struct dav_plan {
	const struct sv_service *s; /* borrowed; NULL = no such payload */
	struct sv_service_url u;    /* s->url's parts */
	char host[SV_MODEL_MAX_URL + 1]; /* the host template alone */
	bool user;                  /* write the username */
};

/* What the renderer decided before writing. */
struct plan {
	const struct sv_provider *pv;
	const char *display;        /* borrowed: display name, else id */
	struct dav_plan eas;        /* ActiveSync instead of mail, when its
	                             * .s is set: the rest of in/out unused */
	const struct sv_server *in; /* borrowed: imap or pop3 */
	const struct sv_server *out;/* borrowed: smtp */
	bool in_user, out_user;     /* write the usernames */
	struct dav_plan dav[2];     /* caldav, carddav */
};

/* What differs between the CalDAV and CardDAV payloads. */
static const struct dav_kind {
	enum sv_service_type type;
	const char *prefix;         /* of the keys: "CalDAV" */
	const char *payload_type;
	const char *description;
	enum sv_slot uuid;
} dav_kinds[2] = {
	{ SV_SERVICE_CALDAV, "CalDAV", "com.apple.caldav.account",
		"Calendrier / Calendar", SV_SLOT_UUID_CALDAV },
	{ SV_SERVICE_CARDDAV, "CardDAV", "com.apple.carddav.account",
		"Carnet d’adresses / Contacts", SV_SLOT_UUID_CARDDAV },
};

static int write_mail_payload(struct sv_answer_builder *b,
		const struct plan *p) {
	xmlTextWriterPtr w = b->w;
	bool imap = p->in->type == SV_SERVER_IMAP;
	if (xmlTextWriterStartElement(w, BAD_CAST "dict") < 0 ||
			key_string(w, "EmailAccountDescription", p->display) < 0 ||
			key_string(w, "EmailAccountType", imap ? "EmailTypeIMAP" :
				"EmailTypePOP") < 0 ||
			key_slot(b, "EmailAddress", SV_SLOT_EMAILADDRESS) < 0 ||
			write_server(b, "Incoming", p->in, p->in_user) < 0 ||
			write_server(b, "Outgoing", p->out, p->out_user) < 0 ||
			key_bool(w, "OutgoingPasswordSameAsIncomingPassword",
				logs_in(p->in) && logs_in(p->out)) < 0 ||
			key_payload(b, "Compte de messagerie / Mail account",
				NULL, "com.apple.mail.managed",
				SV_SLOT_UUID_MAIL) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

/* "CalDAV" + "HostName" -> "CalDAVHostName", into k. */
static const char *dav_key(char *k, size_t n, const struct dav_kind *kind,
		const char *what) {
	int len = snprintf(k, n, "%s%s", kind->prefix, what);
	return len > 0 && (size_t)len < n ? k : "";
}

/*
 * One com.apple.caldav.account or com.apple.carddav.account payload:
 * host, port and TLS from the service URL, the whole URL (expanded for
 * the address) as the principal URL, the username; never a password.
 */
static int write_dav_payload(struct sv_answer_builder *b,
		const struct plan *p, const struct dav_kind *kind,
		const struct dav_plan *d) {
	xmlTextWriterPtr w = b->w;
	char k[64];
	const char *username = !sv_render_absent(d->s->username) ?
		d->s->username : "%EMAILADDRESS%";
	if (xmlTextWriterStartElement(w, BAD_CAST "dict") < 0 ||
			key_string(w, dav_key(k, sizeof(k), kind,
				"AccountDescription"), p->display) < 0 ||
			key_template(b, dav_key(k, sizeof(k), kind, "HostName"),
				d->host) < 0 ||
			key_integer(w, dav_key(k, sizeof(k), kind, "Port"),
				sv_service_url_port(&d->u)) < 0 ||
			key(w, dav_key(k, sizeof(k), kind, "PrincipalURL")) < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "string") < 0 ||
			sv_answer_builder_url(b, d->s->url) < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			key_bool(w, dav_key(k, sizeof(k), kind, "UseSSL"),
				d->u.https) < 0 ||
			(d->user && key_template(b, dav_key(k, sizeof(k), kind,
				"Username"), username) < 0) ||
			key_payload(b, kind->description, kind->description,
				kind->payload_type, kind->uuid) < 0) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

/*
 * The com.apple.eas.account payload: Host (the URL's host template; the
 * device adds the fixed ActiveSync path), SSL from the scheme,
 * EmailAddress and UserName; never a password. Its identifier and UUID
 * are the mail role's: it stands for the mail account.
 */
static int write_eas_payload(struct sv_answer_builder *b,
		const struct plan *p) {
	xmlTextWriterPtr w = b->w;
	const struct dav_plan *d = &p->eas;
	const char *username = !sv_render_absent(d->s->username) ?
		d->s->username : "%EMAILADDRESS%";
	if (xmlTextWriterStartElement(w, BAD_CAST "dict") < 0 ||
			key_string(w, "AccountDescription", p->display) < 0 ||
			key_slot(b, "EmailAddress", SV_SLOT_EMAILADDRESS) < 0 ||
			key_template(b, "Host", d->host) < 0 ||
			key_payload(b, "Compte Exchange ActiveSync / Exchange "
				"ActiveSync account", NULL, "com.apple.eas.account",
				SV_SLOT_UUID_MAIL) < 0 ||
			key_bool(w, "SSL", d->u.https) < 0 ||
			(d->user && key_template(b, "UserName", username) < 0)) {
		return -1;
	}
	return xmlTextWriterEndElement(w);
}

/* The mail (or ActiveSync) payload, then the calendar and address-book
 * ones. */
static int write_payloads(struct sv_answer_builder *b, const struct plan *p) {
	if ((p->eas.s != NULL ? write_eas_payload(b, p) :
			write_mail_payload(b, p)) < 0) {
		return -1;
	}
	for (size_t i = 0; i < 2; i++) {
		if (p->dav[i].s != NULL && write_dav_payload(b, p,
				&dav_kinds[i], &p->dav[i]) < 0) {
			return -1;
		}
	}
	return 0;
}

static int write_document(struct sv_answer_builder *b, const void *ctx) {
	const struct plan *p = ctx;
	xmlTextWriterPtr w = b->w;
	/* The DOCTYPE on one line, as Apple writes it: indent only after. */
	if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
			xmlTextWriterWriteDTD(w, BAD_CAST "plist",
				BAD_CAST PLIST_PUBID, BAD_CAST PLIST_SYSID,
				NULL) < 0 ||
			xmlTextWriterWriteRaw(w, BAD_CAST "\n") < 0 ||
			xmlTextWriterSetIndent(w, 1) < 0 ||
			xmlTextWriterSetIndentString(w, BAD_CAST "\t") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "plist") < 0 ||
			xmlTextWriterWriteAttribute(w, BAD_CAST "version",
				BAD_CAST "1.0") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "dict") < 0 ||
			key(w, "PayloadContent") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "array") < 0 ||
			write_payloads(b, p) < 0 ||
			xmlTextWriterEndElement(w) < 0 || /* array */
			key(w, "PayloadDescription") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "string") < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST "Réglages de "
				"messagerie pour ") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_EMAILADDRESS) < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST
				" (mot de passe demandé à l’installation) / Mail "
				"settings for ") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_EMAILADDRESS) < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST
				" (password asked when installing)") < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			key(w, "PayloadDisplayName") < 0 ||
			xmlTextWriterStartElement(w, BAD_CAST "string") < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST p->display) < 0 ||
			xmlTextWriterWriteString(w, BAD_CAST " — ") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_EMAILADDRESS) < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			key_identifier(b, SV_SLOT_UUID_PROFILE) < 0 ||
			key_string(w, "PayloadOrganization", p->display) < 0 ||
			key_bool(w, "PayloadRemovalDisallowed", false) < 0 ||
			key_string(w, "PayloadType", "Configuration") < 0 ||
			key_slot(b, "PayloadUUID", SV_SLOT_UUID_PROFILE) < 0 ||
			key_integer(w, "PayloadVersion", 1) < 0 ||
			xmlTextWriterEndDocument(w) < 0) {
		return -1;
	}
	return 0;
}

/* A chosen server the document cannot do without. */
static int check_server(const struct sv_provider *pv,
		const struct sv_server *s, struct sv_err *err) {
	const char *type = sv_server_type_name(s->type);
	struct sv_err why;
	if (sv_render_absent(s->hostname) ||
			sv_placeholder_validate_hostname(s->hostname, &why) !=
			SV_OK) {
		return sv_errf(err, SV_EINVAL, "mobileconfig: %s: %s server: "
			"bad or no host name", pv->id, type);
	}
	if (s->port < 1 || s->port > 65535) {
		return sv_errf(err, SV_EINVAL, "mobileconfig: %s: %s server: "
			"port %d is not in 1..65535", pv->id, type, s->port);
	}
	if (s->socket == SV_SOCKET_NONE ||
			(unsigned)s->socket > SV_SOCKET_STARTTLS) {
		return sv_errf(err, SV_EINVAL, "mobileconfig: %s: %s server "
			"without socket type", pv->id, type);
	}
	return SV_OK;
}

/* Whether to write s's username: it logs in and needs no %REALNAME%. */
static int plan_username(const struct sv_provider *pv,
		const struct sv_server *s, bool *out, struct sv_err *err) {
	bool realname = false;
	*out = false;
	if (!logs_in(s)) {
		return SV_OK;
	}
	if (!sv_render_absent(s->username) &&
			sv_placeholder_uses(s->username, SV_TOKEN_REALNAME,
				&realname, NULL) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "mobileconfig: %s: %s server: "
			"invalid username template", pv->id,
			sv_server_type_name(s->type));
	}
	*out = !realname;
	return SV_OK;
}

/*
 * The preferred service of type t that override_domain gets, if any,
 * with its URL's parts.
 */
static int plan_dav(const struct sv_provider *pv, const char *override_domain,
		enum sv_service_type t, struct dav_plan *d,
		struct sv_err *err) {
	int rc = sv_render_first_service("mobileconfig", pv, override_domain,
		t, &d->s, err);
	if (rc != SV_OK || d->s == NULL) {
		return rc;
	}
	struct sv_err why;
	if (d->s->url == NULL || sv_service_url_parse(d->s->url, "url", &d->u,
			&why) != SV_OK || d->u.host_len >= sizeof(d->host)) {
		return sv_errf(err, SV_EINVAL, "mobileconfig: %s: %s service: "
			"bad or no URL", pv->id, sv_service_type_name(t));
	}
	memcpy(d->host, d->u.host, d->u.host_len);
	d->host[d->u.host_len] = '\0';
	bool realname = false;
	if (!sv_render_absent(d->s->username) &&
			sv_placeholder_uses(d->s->username, SV_TOKEN_REALNAME,
				&realname, NULL) != SV_OK) {
		return sv_errf(err, SV_EINVAL, "mobileconfig: %s: %s service: "
			"invalid username template", pv->id,
			sv_service_type_name(t));
	}
	d->user = !realname;
	return SV_OK;
}

/*
 * Whether Apple's EAS payload can say this URL: it has a Host key only,
 * and the device connects to https://HOST/Microsoft-Server-ActiveSync,
 * so another port or path cannot be said (the mail payload is used).
 */
static bool eas_expressible(const struct sv_service_url *u) {
	static const char path[] = "/Microsoft-Server-ActiveSync";
	const size_t n = sizeof(path) - 1;
	return u->https && (u->port == 0 || u->port == 443) &&
		strncasecmp(u->path, path, n) == 0 &&
		(u->path[n] == '\0' || u->path[n] == '/');
}

static int make_plan(const struct sv_provider *pv,
		const char *override_domain, struct plan *p, struct sv_err *err) {
	const struct sv_server *sv[SV_MODEL_MAX_SERVERS];
	size_t n = sv_provider_servers_for(pv, override_domain, sv,
		SV_MODEL_MAX_SERVERS);
	const struct sv_server *pop = NULL;
	memset(p, 0, sizeof(*p));
	p->pv = pv;
	p->display = !sv_render_absent(pv->display_name) ? pv->display_name : pv->id;
	for (size_t i = 0; i < n; i++) {
		if (sv[i]->type == SV_SERVER_IMAP && p->in == NULL) {
			p->in = sv[i];
		} else if (sv[i]->type == SV_SERVER_POP3 && pop == NULL) {
			pop = sv[i];
		} else if (sv[i]->type == SV_SERVER_SMTP && p->out == NULL) {
			p->out = sv[i];
		}
	}
	if (p->in == NULL) {
		p->in = pop;
	}
	int rc = plan_dav(pv, override_domain, SV_SERVICE_ACTIVESYNC, &p->eas,
		err);
	if (rc == SV_OK && p->eas.s != NULL && ((p->in != NULL &&
			p->eas.s->priority >= p->in->priority) ||
			!eas_expressible(&p->eas.u))) {
		p->eas.s = NULL; /* mail is preferred, or the only way */
	}
	if (rc == SV_OK && p->eas.s != NULL) {
		p->in = p->out = NULL;
	} else if (rc == SV_OK && (p->in == NULL || p->out == NULL)) {
		return sv_errf(err, SV_EINVAL, "mobileconfig: %s: needs an imap "
			"or pop3 server and an smtp server (or ActiveSync)",
			pv->id);
	}
	if (rc == SV_OK && p->in != NULL) {
		rc = check_server(pv, p->in, err);
	}
	if (rc == SV_OK && p->out != NULL) {
		rc = check_server(pv, p->out, err);
	}
	if (rc == SV_OK && p->in != NULL) {
		rc = plan_username(pv, p->in, &p->in_user, err);
	}
	if (rc == SV_OK && p->out != NULL) {
		rc = plan_username(pv, p->out, &p->out_user, err);
	}
	for (size_t i = 0; rc == SV_OK && i < 2; i++) {
		rc = plan_dav(pv, override_domain, dav_kinds[i].type,
			&p->dav[i], err);
	}
	return rc;
}

int sv_render_mobileconfig(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	*out = NULL;
	int rc = sv_render_check_provider("mobileconfig", pv, err);
	if (rc != SV_OK) {
		return rc;
	}
	struct plan p;
	rc = make_plan(pv, override_domain, &p, err);
	if (rc != SV_OK) {
		return rc;
	}
	return sv_render_answer("mobileconfig", pv->id,
		SV_MOBILECONFIG_CONTENT_TYPE, write_document, &p, out, err);
}
