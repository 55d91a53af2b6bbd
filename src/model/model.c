/* SPDX-License-Identifier: MIT */
/*
 * The provider model: construction, destruction and the names of its
 * enumerations. A provider owns every string and array reachable from it;
 * appenders copy their arguments, so callers keep what they pass in.
 * Arrays grow by doubling; counts never exceed what was allocated.
 */
#include <string.h>

#include "model/model.h"
#include "util/alloc.h"

static const char *const server_type_names[SV_SERVER_TYPE_COUNT] = {
	[SV_SERVER_IMAP] = "imap",
	[SV_SERVER_POP3] = "pop3",
	[SV_SERVER_SMTP] = "smtp",
	[SV_SERVER_EXCHANGE] = "exchange",
	[SV_SERVER_EWS] = "ews",
	[SV_SERVER_OWA] = "owa",
	[SV_SERVER_GRAPH] = "graph",
};

static const char *const socket_names[] = {
	[SV_SOCKET_NONE] = "",
	[SV_SOCKET_PLAIN] = "plain",
	[SV_SOCKET_SSL] = "SSL",
	[SV_SOCKET_STARTTLS] = "STARTTLS",
};

static const char *const auth_names[SV_AUTH_COUNT] = {
	[SV_AUTH_PASSWORD_CLEARTEXT] = "password-cleartext",
	[SV_AUTH_PASSWORD_ENCRYPTED] = "password-encrypted",
	[SV_AUTH_PLAIN] = "plain",
	[SV_AUTH_SECURE] = "secure",
	[SV_AUTH_NTLM] = "NTLM",
	[SV_AUTH_GSSAPI] = "GSSAPI",
	[SV_AUTH_OAUTH2] = "OAuth2",
	[SV_AUTH_TLS_CLIENT_CERT] = "TLS-client-cert",
	[SV_AUTH_NONE] = "none",
	[SV_AUTH_CLIENT_IP_ADDRESS] = "client-IP-address",
	[SV_AUTH_SMTP_AFTER_POP] = "smtp-after-pop",
};

static const char *const service_type_names[SV_SERVICE_TYPE_COUNT] = {
	[SV_SERVICE_CALDAV] = "caldav",
	[SV_SERVICE_CARDDAV] = "carddav",
	[SV_SERVICE_WEBDAV] = "webdav",
	[SV_SERVICE_ACTIVESYNC] = "activesync",
	[SV_SERVICE_EWS] = "ews",
	[SV_SERVICE_OWA] = "owa",
	[SV_SERVICE_JMAP] = "jmap",
	[SV_SERVICE_GRAPH] = "graph",
};

/* incomingServer type attributes; NULL: not an account type. */
static const char *const service_xml_names[SV_SERVICE_TYPE_COUNT] = {
	[SV_SERVICE_ACTIVESYNC] = "activeSync",
	[SV_SERVICE_EWS] = "ews",
	[SV_SERVICE_OWA] = "owa",
	[SV_SERVICE_JMAP] = "jmap",
	[SV_SERVICE_GRAPH] = "graph",
};

static const char *const service_auth_names[SV_SAUTH_COUNT] = {
	[SV_SAUTH_HTTP_BASIC] = "http-basic",
	[SV_SAUTH_HTTP_DIGEST] = "http-digest",
	[SV_SAUTH_OAUTH2] = "OAuth2",
};

static const char *const link_kind_names[SV_LINK_KIND_COUNT] = {
	[SV_LINK_DOCUMENTATION] = "documentation",
	[SV_LINK_ENABLE] = "enable",
	[SV_LINK_INSTRUCTION] = "instruction",
};

/* Index of s in names[0..n), or -1. Empty and absent names never match. */
static int find_name(const char *const *names, size_t n, const char *s) {
	for (size_t i = 0; i < n; i++) {
		if (names[i] != NULL && names[i][0] != '\0' &&
				strcmp(names[i], s) == 0) {
			return (int)i;
		}
	}
	return -1;
}

/*
 * Defines parse_fn, which sets *out to the value names (count entries)
 * gives s, or returns SV_EINVAL for an unknown name and leaves *out.
 */
#define ENUM_PARSE(type, names, count, parse_fn) \
	int parse_fn(const char *s, type *out) { \
		int i = find_name(names, (count), s); \
		if (i < 0) { \
			return SV_EINVAL; \
		} \
		*out = (type)i; \
		return SV_OK; \
	}

/* The same, and name_fn, which names a value ("?" outside the table). */
#define NAMED_ENUM(type, names, count, name_fn, parse_fn) \
	const char *name_fn(type v) { \
		return (unsigned)v < (count) ? names[v] : "?"; \
	} \
	ENUM_PARSE(type, names, count, parse_fn)

NAMED_ENUM(enum sv_server_type, server_type_names, SV_SERVER_TYPE_COUNT,
	sv_server_type_name, sv_server_type_parse)
NAMED_ENUM(enum sv_socket, socket_names, SV_SOCKET_STARTTLS + 1,
	sv_socket_name, sv_socket_parse)
NAMED_ENUM(enum sv_auth, auth_names, SV_AUTH_COUNT,
	sv_auth_name, sv_auth_parse)
NAMED_ENUM(enum sv_link_kind, link_kind_names, SV_LINK_KIND_COUNT,
	sv_link_kind_name, sv_link_kind_parse)
NAMED_ENUM(enum sv_service_type, service_type_names, SV_SERVICE_TYPE_COUNT,
	sv_service_type_name, sv_service_type_parse)
NAMED_ENUM(enum sv_service_auth, service_auth_names, SV_SAUTH_COUNT,
	sv_service_auth_name, sv_service_auth_parse)
/* Account services by their incomingServer type attribute. */
ENUM_PARSE(enum sv_service_type, service_xml_names, SV_SERVICE_TYPE_COUNT,
	sv_service_type_parse_xml)

bool sv_service_type_is_account(enum sv_service_type t) {
	return (unsigned)t < SV_SERVICE_TYPE_COUNT &&
		service_xml_names[t] != NULL;
}

const char *sv_service_type_xml_name(enum sv_service_type t) {
	return (unsigned)t < SV_SERVICE_TYPE_COUNT ? service_xml_names[t] :
		NULL;
}

bool sv_server_type_is_outgoing(enum sv_server_type t) {
	return t == SV_SERVER_SMTP;
}

bool sv_server_type_is_url_based(enum sv_server_type t) {
	return t == SV_SERVER_EWS || t == SV_SERVER_OWA || t == SV_SERVER_GRAPH;
}

bool sv_auth_is_outgoing_only(enum sv_auth a) {
	return a == SV_AUTH_NONE || a == SV_AUTH_CLIENT_IP_ADDRESS ||
		a == SV_AUTH_SMTP_AFTER_POP;
}

struct sv_provider *sv_provider_create(void) {
	return sv_calloc(1, sizeof(struct sv_provider));
}

void sv_server_finish(struct sv_server *s) {
	if (s == NULL) {
		return;
	}
	sv_free(s->hostname);
	sv_free(s->username);
	sv_free(s->domain);
	sv_free(s->url);
	sv_free(s->owa_url);
	sv_free(s->ews_url);
	sv_free(s->restriction);
	memset(s, 0, sizeof(*s));
}

void sv_service_finish(struct sv_service *s) {
	if (s == NULL) {
		return;
	}
	sv_free(s->url);
	sv_free(s->username);
	sv_free(s->domain);
	memset(s, 0, sizeof(*s));
}

void sv_webmail_finish(struct sv_webmail *w) {
	sv_free(w->login_page);
	sv_free(w->info_url);
	sv_free(w->wait_redirect_prefix);
	sv_free(w->username);
	sv_free(w->username_field_id);
	sv_free(w->username_field_name);
	sv_free(w->password_field_id);
	sv_free(w->password_field_name);
	sv_free(w->login_button_id);
	sv_free(w->login_button_name);
	memset(w, 0, sizeof(*w));
}

void sv_oauth2_finish(struct sv_oauth2 *o) {
	sv_free(o->issuer);
	sv_free(o->scope);
	sv_free(o->auth_url);
	sv_free(o->token_url);
	memset(o, 0, sizeof(*o));
}

static void link_finish(struct sv_link *l) {
	sv_free(l->url);
	for (size_t i = 0; i < l->n_texts; i++) {
		sv_free(l->texts[i].lang);
		sv_free(l->texts[i].text);
	}
	sv_free(l->texts);
}

void sv_provider_destroy(struct sv_provider *pv) {
	if (pv == NULL) {
		return;
	}
	sv_free(pv->id);
	sv_free(pv->display_name);
	sv_free(pv->short_name);
	for (size_t i = 0; i < pv->n_domains; i++) {
		sv_free(pv->domains[i]);
	}
	sv_free(pv->domains);
	for (size_t i = 0; i < pv->n_servers; i++) {
		sv_server_finish(&pv->servers[i]);
	}
	sv_free(pv->servers);
	for (size_t i = 0; i < pv->n_services; i++) {
		sv_service_finish(&pv->services[i]);
	}
	sv_free(pv->services);
	for (size_t i = 0; i < pv->n_links; i++) {
		link_finish(&pv->links[i]);
	}
	sv_free(pv->links);
	sv_webmail_finish(&pv->webmail);
	sv_oauth2_finish(&pv->oauth2);
	sv_free(pv);
}

/*
 * Makes room for one more element in *arr (count n, element size sz),
 * growing to a power of two. Returns SV_OK or SV_ENOMEM (arr untouched).
 */
static int grow(void *arr, size_t n, size_t sz) {
	void **p = arr;
	if ((n & (n - 1)) != 0 && n != 0) {
		return SV_OK; /* n is not a power of two: room remains */
	}
	size_t cap = n == 0 ? 1 : n * 2;
	void *d = sv_reallocarray(*p, cap, sz);
	if (d == NULL) {
		return SV_ENOMEM;
	}
	*p = d;
	return SV_OK;
}

int sv_provider_add_domain(struct sv_provider *pv, const char *name) {
	char *copy = sv_strdup(name);
	if (copy == NULL || grow(&pv->domains, pv->n_domains,
			sizeof(*pv->domains)) != SV_OK) {
		sv_free(copy);
		return SV_ENOMEM;
	}
	pv->domains[pv->n_domains++] = copy;
	return SV_OK;
}

/*
 * Moves *src (sz bytes) to the end of *arr (count *n), leaving src zeroed;
 * the new element, or NULL (SV_ENOMEM: nothing moved).
 */
static void *append_moved(void *arr, size_t *n, void *src, size_t sz) {
	if (grow(arr, *n, sz) != SV_OK) {
		return NULL;
	}
	unsigned char *dst = (unsigned char *)*(void **)arr + (*n)++ * sz;
	memcpy(dst, src, sz);
	memset(src, 0, sz);
	return dst;
}

int sv_provider_add_server(struct sv_provider *pv, struct sv_server *s,
		struct sv_server **out) {
	struct sv_server *dst = append_moved(&pv->servers, &pv->n_servers, s,
		sizeof(*s));
	if (dst != NULL && out != NULL) {
		*out = dst;
	}
	return dst != NULL ? SV_OK : SV_ENOMEM;
}

int sv_provider_add_service(struct sv_provider *pv, struct sv_service *s,
		struct sv_service **out) {
	struct sv_service *dst = append_moved(&pv->services,
		&pv->n_services, s, sizeof(*s));
	if (dst != NULL && out != NULL) {
		*out = dst;
	}
	return dst != NULL ? SV_OK : SV_ENOMEM;
}

int sv_provider_add_link(struct sv_provider *pv, enum sv_link_kind kind,
		const char *url, struct sv_link **out) {
	char *copy = sv_strdup(url);
	if (copy == NULL || grow(&pv->links, pv->n_links,
			sizeof(*pv->links)) != SV_OK) {
		sv_free(copy);
		return SV_ENOMEM;
	}
	struct sv_link *l = &pv->links[pv->n_links++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->url = copy;
	if (out != NULL) {
		*out = l;
	}
	return SV_OK;
}

int sv_link_add_text(struct sv_link *l, const char *lang, const char *text) {
	char *lang_copy = lang != NULL ? sv_strdup(lang) : NULL;
	char *text_copy = sv_strdup(text);
	if ((lang != NULL && lang_copy == NULL) || text_copy == NULL ||
			grow(&l->texts, l->n_texts, sizeof(*l->texts)) != SV_OK) {
		sv_free(lang_copy);
		sv_free(text_copy);
		return SV_ENOMEM;
	}
	l->texts[l->n_texts].lang = lang_copy;
	l->texts[l->n_texts].text = text_copy;
	l->n_texts++;
	return SV_OK;
}

void sv_provider_sort_servers(struct sv_provider *pv) {
	/* Insertion sort: stable, and providers have a handful of servers. */
	for (size_t i = 1; i < pv->n_servers; i++) {
		struct sv_server key = pv->servers[i];
		size_t j = i;
		while (j > 0 && pv->servers[j - 1].priority > key.priority) {
			pv->servers[j] = pv->servers[j - 1];
			j--;
		}
		pv->servers[j] = key;
	}
}

void sv_provider_sort_services(struct sv_provider *pv) {
	for (size_t i = 1; i < pv->n_services; i++) {
		struct sv_service key = pv->services[i];
		size_t j = i;
		while (j > 0 && pv->services[j - 1].priority > key.priority) {
			pv->services[j] = pv->services[j - 1];
			j--;
		}
		pv->services[j] = key;
	}
}

bool sv_provider_has_domain(const struct sv_provider *pv, const char *name) {
	for (size_t i = 0; i < pv->n_domains; i++) {
		if (strcmp(pv->domains[i], name) == 0) {
			return true;
		}
	}
	return false;
}

bool sv_provider_domain_has_servers(const struct sv_provider *pv,
		const char *domain) {
	for (size_t i = 0; i < pv->n_servers; i++) {
		const char *d = pv->servers[i].domain;
		if (d != NULL && domain != NULL && strcmp(d, domain) == 0) {
			return true;
		}
	}
	return false;
}

bool sv_provider_domain_has_servers_of(const struct sv_provider *pv,
		const char *domain, enum sv_server_type t) {
	for (size_t i = 0; i < pv->n_servers; i++) {
		const struct sv_server *s = &pv->servers[i];
		if (s->type == t && s->domain != NULL &&
				strcmp(s->domain, domain) == 0) {
			return true;
		}
	}
	return false;
}

/* Whether s belongs to domain's view (before the plaintext rule). */
static bool in_view(const struct sv_provider *pv, const char *domain,
		const struct sv_server *s) {
	if (s->domain == NULL) {
		return domain == NULL ||
			!sv_provider_domain_has_servers_of(pv, domain,
				s->type);
	}
	return domain != NULL && strcmp(s->domain, domain) == 0;
}

/* The mail types the plaintext rule is about. */
static bool is_mail_type(enum sv_server_type t) {
	return t == SV_SERVER_IMAP || t == SV_SERVER_POP3 ||
		t == SV_SERVER_SMTP;
}

/*
 * Whether s is withheld from domain's view: a plain mail server while the
 * view has an SSL or STARTTLS one of its type, and pv does not publish
 * plain alternatives (model.h).
 */
static bool withheld(const struct sv_provider *pv, const char *domain,
		const struct sv_server *s) {
	if (pv->publish_plaintext || s->socket != SV_SOCKET_PLAIN ||
			!is_mail_type(s->type)) {
		return false;
	}
	for (size_t i = 0; i < pv->n_servers; i++) {
		const struct sv_server *o = &pv->servers[i];
		if (o->type == s->type && (o->socket == SV_SOCKET_SSL ||
				o->socket == SV_SOCKET_STARTTLS) &&
				in_view(pv, domain, o)) {
			return true;
		}
	}
	return false;
}

/* The servers of domain's view that withheld() holds back (or the others). */
static size_t view_servers(const struct sv_provider *pv, const char *domain,
		bool held_back, const struct sv_server **out, size_t max) {
	size_t n = 0;
	for (size_t i = 0; i < pv->n_servers && n < max; i++) {
		const struct sv_server *s = &pv->servers[i];
		if (in_view(pv, domain, s) &&
				withheld(pv, domain, s) == held_back) {
			out[n++] = s;
		}
	}
	return n;
}

size_t sv_provider_servers_for(const struct sv_provider *pv,
		const char *domain, const struct sv_server **out, size_t max) {
	return view_servers(pv, domain, false, out, max);
}

size_t sv_provider_plaintext_withheld(const struct sv_provider *pv,
		const char *domain, const struct sv_server **out, size_t max) {
	return view_servers(pv, domain, true, out, max);
}

/* True when domain has a service of its own of type t. */
static bool domain_overrides_service(const struct sv_provider *pv,
		const char *domain, enum sv_service_type t) {
	for (size_t i = 0; i < pv->n_services; i++) {
		const struct sv_service *s = &pv->services[i];
		if (s->type == t && s->domain != NULL &&
				strcmp(s->domain, domain) == 0) {
			return true;
		}
	}
	return false;
}

size_t sv_provider_services_for(const struct sv_provider *pv,
		const char *domain, const struct sv_service **out, size_t max) {
	size_t n = 0;
	for (size_t i = 0; i < pv->n_services && n < max; i++) {
		const struct sv_service *s = &pv->services[i];
		bool take;
		if (s->domain == NULL) {
			take = domain == NULL ||
				!domain_overrides_service(pv, domain, s->type);
		} else {
			take = domain != NULL && strcmp(s->domain, domain) == 0;
		}
		if (take) {
			out[n++] = s;
		}
	}
	return n;
}

bool sv_provider_domain_has_own(const struct sv_provider *pv,
		const char *domain) {
	if (domain == NULL) {
		return false;
	}
	if (sv_provider_domain_has_servers(pv, domain)) {
		return true;
	}
	for (size_t i = 0; i < pv->n_services; i++) {
		const char *d = pv->services[i].domain;
		if (d != NULL && strcmp(d, domain) == 0) {
			return true;
		}
	}
	return false;
}
