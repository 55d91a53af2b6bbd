/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_MODEL_H
#define SUIVANT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/name.h"

/*
 * The one in-memory description of a mail provider, modelled on Mozilla's
 * config-v1.1.xml so that nothing a real provider file says is lost.
 * Produced by the store (sv_store_load) and by the importer
 * (sv_import_mozilla_*), checked by one validator (sv_provider_validate),
 * consumed by every renderer. Plain data: no I/O here.
 *
 * Ownership: a struct sv_provider owns every string and array reachable
 * from it; sv_provider_destroy frees it all. Strings are UTF-8, NUL-
 * terminated; a NULL string means "absent" (distinct from "").
 */

/*
 * Limits shared by the validator, the importer and the CLI. Ids, domain
 * rows and server host names follow the name rule of util/name.h
 * (sv_is_domain_name, sv_is_domain_pattern, sv_is_hostname), included
 * here because every user of the model needs it.
 */
#define SV_MODEL_MAX_TEXT 4096    /* display names, descriptions, URLs */
#define SV_MODEL_MAX_TEMPLATE 255 /* host name and username templates */
#define SV_MODEL_MAX_AUTH 8       /* authentication methods per server */
#define SV_MODEL_MAX_SERVERS 64
#define SV_MODEL_MAX_SERVICES 32
#define SV_MODEL_MAX_URL 2048     /* a service's URL, in bytes */
#define SV_MODEL_MAX_DISPLAY_NAME 60  /* draft-ietf-mailmaint-autoconfig */
#define SV_MODEL_MAX_SHORT_NAME 20

enum sv_server_type {
	SV_SERVER_IMAP,
	SV_SERVER_POP3,
	SV_SERVER_SMTP,
	SV_SERVER_EXCHANGE, /* legacy: hostname + owaURL/ewsURL */
	SV_SERVER_EWS,      /* URL-based */
	SV_SERVER_OWA,      /* URL-based */
	SV_SERVER_GRAPH,    /* URL-based */
	SV_SERVER_TYPE_COUNT
};

enum sv_socket {
	SV_SOCKET_NONE = 0, /* absent (URL-based servers) */
	SV_SOCKET_PLAIN,
	SV_SOCKET_SSL,      /* implicit TLS */
	SV_SOCKET_STARTTLS,
};

/* Mozilla <authentication> values, spelled as in the XML. */
enum sv_auth {
	SV_AUTH_PASSWORD_CLEARTEXT,
	SV_AUTH_PASSWORD_ENCRYPTED,
	SV_AUTH_PLAIN,  /* deprecated alias of password-cleartext */
	SV_AUTH_SECURE, /* deprecated alias of password-encrypted */
	SV_AUTH_NTLM,
	SV_AUTH_GSSAPI,
	SV_AUTH_OAUTH2,
	SV_AUTH_TLS_CLIENT_CERT,
	SV_AUTH_NONE,              /* outgoing only */
	SV_AUTH_CLIENT_IP_ADDRESS, /* outgoing only */
	SV_AUTH_SMTP_AFTER_POP,    /* outgoing only */
	SV_AUTH_COUNT
};

/* An optional boolean: absent, false or true. */
enum sv_tristate { SV_UNSET = 0, SV_FALSE, SV_TRUE };

/* A text with an optional language tag (descr, instruction). */
struct sv_text {
	char *lang; /* owned; NULL = no lang attribute */
	char *text; /* owned; never NULL */
};

enum sv_link_kind {
	SV_LINK_DOCUMENTATION, /* <documentation url> + <descr lang> */
	SV_LINK_ENABLE,        /* <enable visiturl> + <instruction lang> */
	SV_LINK_INSTRUCTION,   /* legacy <instruction url> + <descr lang> */
	SV_LINK_KIND_COUNT
};

struct sv_link {
	enum sv_link_kind kind;
	char *url;              /* owned; never NULL */
	struct sv_text *texts;  /* owned array, document order */
	size_t n_texts;
};

struct sv_pop3_options {
	enum sv_tristate leave_on_server;
	int days_to_leave;        /* -1 = absent */
	enum sv_tristate download_on_biff;
	int check_interval_min;   /* -1 = absent */
};

struct sv_server {
	int64_t id;                 /* store row id; 0 when not stored */
	enum sv_server_type type;
	char *hostname;             /* owned template; NULL for URL types */
	int port;                   /* 1..65535; 0 for URL types */
	enum sv_socket socket;
	char *username;             /* owned template; NULL = absent */
	enum sv_auth auth[SV_MODEL_MAX_AUTH]; /* preference order */
	size_t n_auth;
	int priority;               /* lower first; ties keep document order */
	char *domain;               /* owned; NULL = every domain of the
	                             * provider, else only this one (replaces
	                             * provider-wide servers of the same type) */
	char *url;                  /* owned; URL-based types */
	char *owa_url, *ews_url;    /* owned; type exchange */
	struct sv_pop3_options pop3;/* meaningful for pop3 only */
	bool has_pop3;              /* a <pop3> element was given */
	enum sv_tristate use_global_preferred_server;
	enum sv_tristate add_this_server; /* outgoing */
	char *restriction;          /* owned; outgoing, e.g. client-IP-address */
};

/*
 * URL-based services beside mail: calendars, address books, file shares
 * (draft-ietf-mailmaint-autoconfig-06 root-level sections). One table in
 * the store holds every URL-based service type (schema/0009_services.sql
 * lists the Exchange, ActiveSync, JMAP and Graph ones too), so a new type
 * is a row in this enum and in the name tables of model.c.
 */
enum sv_service_type {
	SV_SERVICE_CALDAV,  /* <calendar type="caldav"> */
	SV_SERVICE_CARDDAV, /* <addressbook type="carddav"> */
	SV_SERVICE_WEBDAV,  /* <fileShare type="webdav"> */
	/* Mail accounts reached by a URL: <incomingServer type="..."> with a
	 * <url> inside <emailProvider> (sv_service_type_is_account), https
	 * only. */
	SV_SERVICE_ACTIVESYNC, /* type="activeSync": Exchange ActiveSync */
	SV_SERVICE_EWS,     /* type="ews": Exchange Web Services */
	SV_SERVICE_OWA,     /* type="owa": Outlook on the web */
	SV_SERVICE_JMAP,    /* type="jmap": RFC 8620 session URL */
	SV_SERVICE_GRAPH,   /* type="graph": Microsoft Graph */
	SV_SERVICE_TYPE_COUNT
};

/* HTTP authentication of a service, spelled as in the store and the CLI. */
enum sv_service_auth {
	SV_SAUTH_HTTP_BASIC,  /* "http-basic": <authentication system="http">
	                       * Basic</authentication> */
	SV_SAUTH_HTTP_DIGEST, /* "http-digest": system="http" Digest */
	SV_SAUTH_OAUTH2,      /* "OAuth2": Bearer (no system attribute) */
	SV_SAUTH_COUNT
};

struct sv_service {
	int64_t id;                 /* store row id; 0 when not stored */
	enum sv_service_type type;
	char *url;                  /* owned template (sv_service_url_parse):
	                             * https unless insecure, placeholders */
	char *username;             /* owned template; NULL = absent (the
	                             * answers then use %EMAILADDRESS%) */
	enum sv_service_auth auth[SV_MODEL_MAX_AUTH]; /* preference order */
	size_t n_auth;
	int priority;               /* lower first; ties keep document order */
	char *domain;               /* owned; NULL = every domain of the
	                             * provider, else only this one (replaces
	                             * provider-wide services of its type) */
	bool insecure;              /* the admin allowed plain http
	                             * (--allow-insecure); `check` warns */
};

struct sv_webmail {
	char *login_page;        /* owned; NULL = no <webMail> at all */
	char *info_url;          /* owned; NULL = no <loginPageInfo> */
	char *wait_redirect_prefix; /* owned; NULL = none; its
	                          * waitForRedirectionURLPrefix: the URL the
	                          * login form redirects to once logged in */
	char *username;          /* owned template */
	char *username_field_id, *username_field_name;  /* owned */
	char *password_field_id, *password_field_name;  /* owned */
	char *login_button_id, *login_button_name;      /* owned */
};

struct sv_oauth2 {
	char *issuer;    /* owned; NULL = no <oAuth2> */
	char *scope;
	char *auth_url;
	char *token_url;
};

struct sv_provider {
	char *id;                  /* host-name form, lower case */
	char *display_name;        /* owned; may be NULL */
	char *short_name;          /* owned; may be NULL */
	char **domains;            /* owned array of owned names, in order:
	                            * exact names, "*.suffix", or "*" */
	size_t n_domains;
	struct sv_server *servers; /* owned array, sorted by priority */
	size_t n_servers;
	struct sv_service *services; /* owned array, sorted by priority */
	size_t n_services;
	struct sv_link *links;     /* owned array, document order */
	size_t n_links;
	struct sv_webmail webmail;
	struct sv_oauth2 oauth2;
	bool publish_plaintext;    /* answers list plain (no TLS) servers even
	                            * beside TLS ones of the same type; false:
	                            * they are left out (RFC 8314), see
	                            * sv_provider_servers_for */
};

/* Allocates a zeroed provider; NULL on allocation failure. */
struct sv_provider *sv_provider_create(void);
/* Frees pv and everything it owns. NULL is a no-op. */
void sv_provider_destroy(struct sv_provider *pv);
/* Frees what s owns and zeroes it (for servers not yet in a provider). */
void sv_server_finish(struct sv_server *s);
/* The same for a service. */
void sv_service_finish(struct sv_service *s);
/* Frees every string of w and zeroes it: a provider without webmail. */
void sv_webmail_finish(struct sv_webmail *w);
/* Frees every string of o and zeroes it: a provider without OAuth2. */
void sv_oauth2_finish(struct sv_oauth2 *o);

/*
 * Appenders: copy their string arguments (the caller keeps its own) and
 * return SV_OK or SV_ENOMEM. They do not validate; sv_provider_validate
 * does. sv_provider_add_server moves *s into pv (s is zeroed after), and
 * returns a pointer to the stored copy through out (may be NULL), valid
 * until the next sv_provider_add_server on pv.
 */
int sv_provider_add_domain(struct sv_provider *pv, const char *name);
int sv_provider_add_server(struct sv_provider *pv, struct sv_server *s,
	struct sv_server **out);
int sv_provider_add_link(struct sv_provider *pv, enum sv_link_kind kind,
	const char *url, struct sv_link **out);
int sv_link_add_text(struct sv_link *l, const char *lang, const char *text);
/* Moves *s into pv like sv_provider_add_server (out may be NULL). */
int sv_provider_add_service(struct sv_provider *pv, struct sv_service *s,
	struct sv_service **out);
/* Stable sort of servers by priority (document order breaks ties). */
void sv_provider_sort_servers(struct sv_provider *pv);
/* The same for services. */
void sv_provider_sort_services(struct sv_provider *pv);

/*
 * The servers a client of domain gets, in priority order, written to out
 * (capacity max, SV_MODEL_MAX_SERVERS is always enough): the provider-wide
 * servers (domain NULL), except those of a type for which domain has
 * servers of its own, plus domain's own servers. domain NULL gives the
 * provider-wide view. Returns the count. Pointers borrow from pv.
 *
 * Never a downgrade: an imap, pop3 or smtp server with socket plain is
 * left out when the view holds an SSL or STARTTLS server of the same
 * type (RFC 8314: a client given both may settle on the plain one, and
 * Thunderbird for Android refuses a whole document that lists one),
 * unless pv->publish_plaintext. A type whose only servers are plain
 * keeps them: nobody loses their only way in. Every answer (autoconfig,
 * Autodiscover, Apple profiles, DNS records, the static export, lookup)
 * takes its servers from here, so the rule holds in all of them.
 */
size_t sv_provider_servers_for(const struct sv_provider *pv,
	const char *domain, const struct sv_server **out, size_t max);
/*
 * The servers sv_provider_servers_for(pv, domain) leaves out by the rule
 * above, in priority order, written to out (capacity max); their count.
 * 0 when pv->publish_plaintext. For `suivant check`.
 */
size_t sv_provider_plaintext_withheld(const struct sv_provider *pv,
	const char *domain, const struct sv_server **out, size_t max);
/* True when pv lists domain row name among its domains. */
bool sv_provider_has_domain(const struct sv_provider *pv, const char *name);
/* True when some server of pv is bound to exactly this domain. */
bool sv_provider_domain_has_servers(const struct sv_provider *pv,
	const char *domain);
/* The same for servers of type t only: those replace the provider-wide
 * servers of that type in domain's view. */
bool sv_provider_domain_has_servers_of(const struct sv_provider *pv,
	const char *domain, enum sv_server_type t);
/*
 * The services a client of domain gets, as sv_provider_servers_for
 * chooses servers: provider-wide ones except those of a type domain has
 * services of its own for, plus domain's own; priority order. out holds
 * max (SV_MODEL_MAX_SERVICES is always enough); returns the count.
 */
size_t sv_provider_services_for(const struct sv_provider *pv,
	const char *domain, const struct sv_service **out, size_t max);
/*
 * True when some server or service of pv is bound to exactly this domain:
 * the domain then gets answers of its own.
 */
bool sv_provider_domain_has_own(const struct sv_provider *pv,
	const char *domain);

/* Names as written in Mozilla XML and in the database. */
const char *sv_server_type_name(enum sv_server_type t);  /* "imap" */
const char *sv_socket_name(enum sv_socket s);            /* "SSL" */
const char *sv_auth_name(enum sv_auth a);       /* "password-cleartext" */
const char *sv_link_kind_name(enum sv_link_kind k);     /* "documentation" */
/* Parsers: exact, case-sensitive match; SV_OK or SV_EINVAL. */
int sv_server_type_parse(const char *s, enum sv_server_type *out);
int sv_socket_parse(const char *s, enum sv_socket *out);
int sv_auth_parse(const char *s, enum sv_auth *out);
int sv_link_kind_parse(const char *s, enum sv_link_kind *out);
bool sv_server_type_is_outgoing(enum sv_server_type t);
bool sv_server_type_is_url_based(enum sv_server_type t);
bool sv_auth_is_outgoing_only(enum sv_auth a);
/* "caldav", "carddav", "webdav", "activesync", "ews", "owa", "jmap",
 * "graph" (the store's and the CLI's names); "?" out of range. */
const char *sv_service_type_name(enum sv_service_type t);
/*
 * The URL-based mail account types (activesync, ews, owa, jmap, graph):
 * written as <incomingServer type="..."> with a <url> in provider files
 * and autoconfig answers, never over plain http.
 */
bool sv_service_type_is_account(enum sv_service_type t);
/* Their incomingServer type attribute as Thunderbird spells it
 * ("activeSync", "ews", ...); NULL for the other types. */
const char *sv_service_type_xml_name(enum sv_service_type t);
/* The account type of that attribute (exact, case-sensitive); SV_OK or
 * SV_EINVAL. */
int sv_service_type_parse_xml(const char *s, enum sv_service_type *out);
/* "http-basic", "http-digest", "OAuth2"; "?" out of range. */
const char *sv_service_auth_name(enum sv_service_auth a);
/* Exact, case-sensitive; SV_OK or SV_EINVAL. */
int sv_service_type_parse(const char *s, enum sv_service_type *out);
int sv_service_auth_parse(const char *s, enum sv_service_auth *out);

/* ---- model_validate.c: the one validator ---- */

/* What a problem the validator finds is about. */
enum sv_field {
	SV_FIELD_PROVIDER,     /* the provider as a whole */
	SV_FIELD_ID,
	SV_FIELD_DISPLAY_NAME,
	SV_FIELD_SHORT_NAME,
	SV_FIELD_DOMAINS,      /* the list: none, or no memory to check it */
	SV_FIELD_DOMAIN,       /* domains[index] */
	SV_FIELD_SERVERS,      /* the list: too many */
	SV_FIELD_SERVER,       /* servers[index] */
	SV_FIELD_LINK,         /* links[index] */
	SV_FIELD_SERVICES,     /* the list: too many */
	SV_FIELD_SERVICE,      /* services[index] */
	SV_FIELD_WEBMAIL,
	SV_FIELD_OAUTH2,
};

/*
 * A problem as data, so that callers can place it (the importer finds the
 * element's line from field and index) without reading its English text.
 */
struct sv_problem {
	enum sv_field field;
	size_t index;       /* from 0, for SV_FIELD_DOMAIN, _SERVER, _LINK;
	                     * else 0 */
	int code;           /* an enum sv_rc: SV_EINVAL, or SV_ENOMEM */
	struct sv_err err;  /* the message, which names the field first and
	                     * counts from 1 ("domain 3: ...") */
};

/*
 * Checks everything the store's CHECK constraints check and more: id and
 * domains well-formed (util/name.h) and unique, ports in range, socket
 * types present on TCP servers, templates valid (sv_placeholder_validate),
 * auth lists non-empty with outgoing-only methods only on outgoing
 * servers, server domains among pv's domains, services (their URL through
 * sv_service_url_parse, https only unless the service is insecure, their
 * username template, auth list and domain), text lengths, field by field
 * in document order. Returns SV_OK, or the first problem's code with *p
 * filled ("server 2 (smtp): port: 0 is not in 1..65535" has field
 * SV_FIELD_SERVER and index 1). SV_ENOMEM only when a long domain list
 * cannot be sorted for the duplicate check.
 */
int sv_provider_problem(const struct sv_provider *pv, struct sv_problem *p);

/* sv_provider_problem with the message alone, into err (may be NULL). */
int sv_provider_validate(const struct sv_provider *pv, struct sv_err *err);

/*
 * What a client needs on top of a valid provider: at least one imap or pop3
 * server and at least one smtp server usable by every domain (Thunderbird
 * rejects the whole file otherwise). An admin may store a provider that is
 * not servable yet (while adding its servers); the snapshot skips it.
 * SV_OK, or SV_EINVAL with field SV_FIELD_PROVIDER and a message about pv
 * that does not name it ("has no outgoing (smtp) server").
 */
int sv_provider_servable_problem(const struct sv_provider *pv,
	struct sv_problem *p);

/*
 * sv_provider_servable_problem with the message naming the provider
 * ("provider example.fr has no outgoing (smtp) server") into err.
 */
int sv_provider_check_servable(const struct sv_provider *pv,
	struct sv_err *err);

#endif
