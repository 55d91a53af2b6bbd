/* SPDX-License-Identifier: MIT */
/*
 * What PACC can say of a provider (model/pacc.h). The rule is "all or
 * nothing": a protocol the provider offers is said exactly, or the
 * provider gets no PACC document, because a client trusts this document
 * through a DNS digest and will not fall back to another mechanism for
 * what it leaves out. Extra servers of a type (an alternative on 143
 * beside 993) are not a loss: PACC names one host per protocol, the
 * preferred one.
 */
#include <stdio.h>
#include <string.h>

#include "model/pacc.h"
#include "model/placeholder.h"
#include "model/service_url.h"

/*
 * Each PACC protocol: its document key, the one model type it says (a
 * service type for the HTTP ones, else a server type), and for a text
 * protocol the implicit-TLS port PACC assumes.
 */
static const struct {
	const char *key;
	bool service;
	int type;
	int port;
} protocols[SV_PACC_PROTOCOL_COUNT] = {
	[SV_PACC_IMAP] = { "imap", false, SV_SERVER_IMAP, 993 },
	[SV_PACC_POP3] = { "pop3", false, SV_SERVER_POP3, 995 },
	[SV_PACC_SUBMIT] = { "submit", false, SV_SERVER_SMTP, 465 },
	[SV_PACC_JMAP] = { "jmap", true, SV_SERVICE_JMAP, 0 },
	[SV_PACC_CALDAV] = { "caldav", true, SV_SERVICE_CALDAV, 0 },
	[SV_PACC_CARDDAV] = { "carddav", true, SV_SERVICE_CARDDAV, 0 },
	[SV_PACC_WEBDAV] = { "webdav", true, SV_SERVICE_WEBDAV, 0 },
};

const char *sv_pacc_protocol_key(enum sv_pacc_protocol p) {
	return (unsigned)p < SV_PACC_PROTOCOL_COUNT ? protocols[p].key : "?";
}

/*
 * Which PACC protocol says a service type (service) or a server type, or
 * -1: PACC has no key for it. Such rows are left out and the rest of the
 * provider is still said: the legacy URL-typed server rows (Exchange,
 * EWS, OWA, Graph) an older import kept, and the ActiveSync, EWS, OWA and
 * Graph services (pacc-03).
 */
static int protocol_of(bool service, int type) {
	for (int p = 0; p < SV_PACC_PROTOCOL_COUNT; p++) {
		if (protocols[p].service == service &&
				protocols[p].type == type) {
			return p;
		}
	}
	return -1;
}

/* Whether text holds a token that needs the user's address. */
static bool needs_address(const char *text) {
	return strstr(text, sv_token_text(SV_TOKEN_EMAILADDRESS)) != NULL ||
		strstr(text, sv_token_text(SV_TOKEN_EMAILLOCALPART)) != NULL ||
		strstr(text, sv_token_text(SV_TOKEN_REALNAME)) != NULL;
}

/* UTF-8 characters of s (the validator checked it is UTF-8). */
static size_t chars(const char *s) {
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		n += (*p & 0xC0) != 0x80;
	}
	return n;
}

/* The methods of s PACC can state, into *password / *oauth. */
static void server_auth(const struct sv_server *s, bool *password,
		bool *oauth) {
	for (size_t i = 0; i < s->n_auth; i++) {
		switch (s->auth[i]) {
		case SV_AUTH_PASSWORD_CLEARTEXT:
		case SV_AUTH_PASSWORD_ENCRYPTED:
		case SV_AUTH_PLAIN:
		case SV_AUTH_SECURE:
			*password = true;
			break;
		case SV_AUTH_OAUTH2:
			*oauth = true;
			break;
		default: /* NTLM, GSSAPI, certificates, none...: no PACC word */
			break;
		}
	}
}

static void service_auth(const struct sv_service *s, bool *password,
		bool *oauth) {
	for (size_t i = 0; i < s->n_auth; i++) {
		if (s->auth[i] == SV_SAUTH_OAUTH2) {
			*oauth = true;
		} else {
			*password = true; /* HTTP Basic or Digest */
		}
	}
}

/* Records what a protocol's methods add to v; false when none is
 * statable. */
static bool take_auth(const struct sv_provider *pv, bool password,
		bool oauth, struct sv_pacc_view *v) {
	const char *is = pv->oauth2.issuer;
	/* Mozilla's <issuer> is a host name; an OAuth issuer identifier
	 * (RFC 8414, which oauth-public points to) is that host's https
	 * URL. One already written as an https URL is kept as it is. */
	bool url = is != NULL && strncmp(is, "https://", 8) == 0 &&
		!needs_address(is);
	bool host = is != NULL && sv_is_hostname(is, false);
	bool issuer = oauth && (url || host);
	v->password |= password;
	if (issuer) {
		v->oauth_issuer = is;
		v->oauth_scheme = url ? "" : "https://";
	}
	return password || issuer;
}

static int say_servers(const struct sv_provider *pv, const char *domain,
		struct sv_pacc_view *v, struct sv_err *err) {
	const struct sv_server *servers[SV_MODEL_MAX_SERVERS];
	size_t n = sv_provider_servers_for(pv, domain, servers,
		SV_MODEL_MAX_SERVERS);
	bool offered[SV_PACC_PROTOCOL_COUNT] = { false };
	const char *why[SV_PACC_PROTOCOL_COUNT] = { NULL };
	for (size_t i = 0; i < n; i++) {
		const struct sv_server *s = servers[i];
		int p = protocol_of(false, (int)s->type);
		if (p < 0) {
			continue;
		}
		offered[p] = true;
		bool password = false, oauth = false;
		server_auth(s, &password, &oauth);
		if (v->server[p] != NULL) {
			continue;
		} else if (s->socket != SV_SOCKET_SSL ||
				s->port != protocols[p].port) {
			why[p] = NULL; /* the port rule: said below */
		} else if (s->hostname == NULL || needs_address(s->hostname)) {
			why[p] = "a host name that needs the user's address";
		} else if (!take_auth(pv, password, oauth, v)) {
			why[p] = "no password or OAuth2 (with an issuer) login";
		} else {
			v->server[p] = s;
		}
	}
	for (int p = 0; p < SV_PACC_PROTOCOL_COUNT; p++) {
		if (offered[p] && v->server[p] == NULL) {
			if (why[p] != NULL) {
				return sv_errf(err, SV_EINVAL, "%s: %s (%s)",
					sv_pacc_protocol_key(p), why[p],
					SV_PACC_DRAFT);
			}
			return sv_errf(err, SV_EINVAL, "%s: its servers use "
				"STARTTLS, no TLS or another port, and PACC "
				"says only implicit TLS on port %d (%s)",
				sv_pacc_protocol_key(p), protocols[p].port,
				SV_PACC_DRAFT);
		}
	}
	return SV_OK;
}

static int say_services(const struct sv_provider *pv, const char *domain,
		struct sv_pacc_view *v, struct sv_err *err) {
	const struct sv_service *svc[SV_MODEL_MAX_SERVICES];
	size_t n = sv_provider_services_for(pv, domain, svc,
		SV_MODEL_MAX_SERVICES);
	for (size_t i = 0; i < n; i++) {
		const struct sv_service *s = svc[i];
		int p = protocol_of(true, (int)s->type);
		if (p < 0 || v->service[p] != NULL) {
			continue;
		}
		struct sv_service_url u;
		bool password = false, oauth = false;
		service_auth(s, &password, &oauth);
		const char *why = NULL;
		if (s->url == NULL || sv_service_url_parse(s->url, "url", &u,
				NULL) != SV_OK || !u.https) {
			why = "not an https URL";
		} else if (sv_service_url_port(&u) != 443) {
			why = "not on port 443";
		} else if (needs_address(s->url)) {
			why = "its URL needs the user's address";
		} else if (u.path[0] != '/' || u.path[1] == '\0' ||
				u.path[1] == '?') {
			why = "no context path (the URL's path is \"/\")";
		} else if (!take_auth(pv, password, oauth, v)) {
			why = "no password or OAuth2 (with an issuer) login";
		}
		if (why != NULL) {
			return sv_errf(err, SV_EINVAL, "%s: service %lld: %s "
				"(PACC, %s, needs https on 443 with a context "
				"path)", sv_pacc_protocol_key(p),
				(long long)s->id, why, SV_PACC_DRAFT);
		}
		v->service[p] = s;
	}
	return SV_OK;
}

int sv_pacc_view(const struct sv_provider *pv, const char *domain,
		struct sv_pacc_view *out, struct sv_err *err) {
	memset(out, 0, sizeof(*out));
	int rc = say_servers(pv, domain, out, err);
	if (rc == SV_OK) {
		rc = say_services(pv, domain, out, err);
	}
	if (rc != SV_OK) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	bool any = false;
	for (int p = 0; p < SV_PACC_PROTOCOL_COUNT; p++) {
		any |= out->server[p] != NULL || out->service[p] != NULL;
	}
	const char *name = pv->display_name, *sname = pv->short_name;
	const char *fail = NULL;
	if (!any) {
		fail = "no protocol PACC can say";
	} else if (name == NULL || name[0] == '\0') {
		fail = "no display name (info.provider.name is required)";
	} else if (chars(name) > SV_MODEL_MAX_DISPLAY_NAME) {
		fail = "display name over 60 characters (info.provider.name)";
	} else if (sname != NULL && chars(sname) > SV_MODEL_MAX_SHORT_NAME) {
		fail = "short name over 20 characters "
			"(info.provider.shortName)";
	} else if (needs_address(name) || (sname != NULL &&
			needs_address(sname))) {
		fail = "a display name that needs the user's address";
	}
	if (fail != NULL) {
		memset(out, 0, sizeof(*out));
		return sv_errf(err, SV_EINVAL, "%s (PACC, %s)", fail,
			SV_PACC_DRAFT);
	}
	out->name = name;
	out->short_name = sname != NULL && sname[0] != '\0' ? sname : NULL;
	for (size_t i = 0; i < pv->n_links; i++) {
		const struct sv_link *l = &pv->links[i];
		if (l->kind == SV_LINK_DOCUMENTATION &&
				strncmp(l->url, "https://", 8) == 0 &&
				strchr(l->url, '%') == NULL) {
			out->documentation = l->url;
			break;
		}
	}
	return SV_OK;
}

/* text[0..n) without the spaces and tabs around it */
static void trim(const char **text, size_t *n) {
	while (*n > 0 && (**text == ' ' || **text == '\t')) {
		(*text)++;
		(*n)--;
	}
	while (*n > 0 && ((*text)[*n - 1] == ' ' || (*text)[*n - 1] == '\t')) {
		(*n)--;
	}
}

bool sv_pacc_txt_digest(const char *text, const char **digest,
		size_t *digest_len) {
	static const char *const tags[] = { "v", "a", "d" };
	const char *value[3] = { NULL, NULL, NULL };
	size_t len[3] = { 0, 0, 0 };
	const char *p = text;
	while (p != NULL) {
		const char *end = strchr(p, ';');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		if (eq != NULL) {
			const char *tag = p, *v = eq + 1;
			size_t tag_n = (size_t)(eq - p);
			size_t v_n = n - tag_n - 1;
			trim(&tag, &tag_n);
			trim(&v, &v_n);
			for (size_t i = 0; i < 3; i++) {
				if (tag_n != 1 || tag[0] != tags[i][0]) {
					continue;
				}
				if (value[i] != NULL) {
					return false; /* said twice */
				}
				value[i] = v;
				len[i] = v_n;
			}
		}
		p = end != NULL ? end + 1 : NULL;
	}
	if (value[0] == NULL || len[0] != 5 || memcmp(value[0], "UAAC1", 5) ||
			value[1] == NULL || len[1] != 6 ||
			memcmp(value[1], "sha256", 6) || value[2] == NULL) {
		return false;
	}
	*digest = value[2];
	*digest_len = len[2];
	return true;
}
