/* SPDX-License-Identifier: MIT */
/*
 * Lints for `suivant check` (and the warnings of `server add|set`): the
 * validator's verdict, servability, and what is legal but most likely a
 * mistake (services over plain http included). Every finding goes
 * through the caller's report function with the provider, the server id
 * and the domain it is about; nothing is kept. Values quoted in messages come from the database, which only
 * holds validated text (the store's CHECKs refuse control characters in
 * host names), and are cut to a bounded length by the message buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "model/check.h"
#include "model/pacc.h"

/* Registered mail ports (RFC 6186, RFC 8314) and what they carry. */
static const struct port_rule {
	int port;
	enum sv_server_type type;
	bool tls;         /* implicit TLS (socket SSL) */
	const char *what;
	int twin;         /* the same service with the other TLS mode */
} port_rules[] = {
	{ 993, SV_SERVER_IMAP, true, "IMAP over SSL", 143 },
	{ 143, SV_SERVER_IMAP, false, "IMAP with STARTTLS", 993 },
	{ 995, SV_SERVER_POP3, true, "POP3 over SSL", 110 },
	{ 110, SV_SERVER_POP3, false, "POP3 with STARTTLS", 995 },
	{ 465, SV_SERVER_SMTP, true, "mail submission over SSL", 587 },
	{ 587, SV_SERVER_SMTP, false, "mail submission with STARTTLS", 465 },
	{ 25, SV_SERVER_SMTP, false, "SMTP (plain or STARTTLS)", 465 },
};

/*
 * Pairings that contradict a port's registration but that a provider is
 * known to run on purpose, each from public sources (db/README.md,
 * "Corrections to ISPDB data"): check reports them as notices, since
 * the data is right and "fixing" it would break every client. Host
 * names compare in any letter case.
 */
static const struct known_pairing {
	const char *host;
	enum sv_server_type type;
	int port;
	enum sv_socket socket;
	const char *why;
} known_pairings[] = {
	{ "mobile.charter.net", SV_SERVER_SMTP, 587, SV_SOCKET_SSL,
		"Charter (Spectrum) accepts only implicit TLS on 587" },
};

static const char *known_pairing(const struct sv_server *s) {
	for (size_t i = 0; i < sizeof(known_pairings) /
			sizeof(*known_pairings); i++) {
		const struct known_pairing *k = &known_pairings[i];
		if (k->type == s->type && k->port == s->port &&
				k->socket == s->socket &&
				strcasecmp(k->host, s->hostname) == 0) {
			return k->why;
		}
	}
	return NULL;
}

static const struct port_rule *rule_for_port(int port) {
	for (size_t i = 0; i < sizeof(port_rules) / sizeof(*port_rules); i++) {
		if (port_rules[i].port == port) {
			return &port_rules[i];
		}
	}
	return NULL;
}

bool sv_check_port_socket(enum sv_server_type type, int port,
		enum sv_socket socket, char *msg, size_t n) {
	const struct port_rule *r = rule_for_port(port);
	if (r == NULL || (type != SV_SERVER_IMAP && type != SV_SERVER_POP3 &&
			type != SV_SERVER_SMTP)) {
		return false;
	}
	if (r->type != type) {
		snprintf(msg, n, "port %d is %s, not %s", port, r->what,
			sv_server_type_name(type));
		return true;
	}
	bool tls = socket == SV_SOCKET_SSL;
	if (tls == r->tls) {
		return false;
	}
	const struct port_rule *twin = rule_for_port(r->twin);
	snprintf(msg, n, "%s on port %d, which is %s (%s is port %d)",
		sv_socket_name(socket), port, r->what,
		twin != NULL ? twin->what : "the other", r->twin);
	return true;
}

int sv_check_validate_draft(const struct sv_provider *pv,
		struct sv_err *err) {
	char any[] = "*";
	char *one[] = { any };
	struct sv_provider view = *pv; /* shallow: borrowed, not destroyed */
	if (view.n_domains == 0) {
		view.domains = one;
		view.n_domains = 1;
	}
	return sv_provider_validate(&view, err);
}

struct reporter {
	const struct sv_provider *pv;
	sv_check_report_fn report;
	void *ctx;
	size_t n;
};

static void emit(struct reporter *r, enum sv_check_severity sev,
		int64_t server, const char *domain, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void emit(struct reporter *r, enum sv_check_severity sev,
		int64_t server, const char *domain, const char *fmt, ...) {
	struct sv_check_problem p = {
		.severity = sev, .provider = r->pv->id, .server = server,
		.domain = domain,
	};
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(p.message, sizeof(p.message), fmt, ap);
	va_end(ap);
	if (len < 0) {
		p.message[0] = '\0';
	}
	r->n++;
	if (r->report != NULL) {
		r->report(&p, r->ctx);
	}
}

/* "server 12 (imap mail.example.net:993)" */
static void server_label(const struct sv_server *s, char *buf, size_t n) {
	if (s->hostname != NULL) {
		snprintf(buf, n, "server %lld (%s %s:%d)", (long long)s->id,
			sv_server_type_name(s->type), s->hostname, s->port);
	} else {
		snprintf(buf, n, "server %lld (%s)", (long long)s->id,
			sv_server_type_name(s->type));
	}
}

static bool same_text(const char *a, const char *b) {
	return (a == NULL && b == NULL) ||
		(a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool sends_password(const struct sv_server *s) {
	for (size_t i = 0; i < s->n_auth; i++) {
		if (s->auth[i] == SV_AUTH_PASSWORD_CLEARTEXT ||
				s->auth[i] == SV_AUTH_PLAIN) {
			return true;
		}
	}
	return false;
}

static void check_server(struct reporter *r, size_t i) {
	const struct sv_provider *pv = r->pv;
	const struct sv_server *s = &pv->servers[i];
	if (s->hostname == NULL || sv_server_type_is_url_based(s->type)) {
		return;
	}
	char label[SV_ERR_MSG_MAX / 2];
	char why[SV_ERR_MSG_MAX / 2];
	server_label(s, label, sizeof(label));
	if (sv_check_port_socket(s->type, s->port, s->socket, why,
			sizeof(why))) {
		const char *known = known_pairing(s);
		if (known != NULL) {
			emit(r, SV_CHECK_NOTICE, s->id, s->domain, "%s: %s; "
				"on purpose: %s", label, why, known);
		} else {
			emit(r, SV_CHECK_WARNING, s->id, s->domain, "%s: %s",
				label, why);
		}
	}
	if (s->socket == SV_SOCKET_PLAIN && sends_password(s)) {
		emit(r, SV_CHECK_NOTICE, s->id, s->domain, "%s: sends "
			"passwords unencrypted (socket plain with a clear-text "
			"password method)", label);
	}
	for (size_t j = 0; j < i; j++) {
		const struct sv_server *o = &pv->servers[j];
		if (o->type == s->type && o->port == s->port &&
				o->socket == s->socket &&
				same_text(o->hostname, s->hostname) &&
				same_text(o->domain, s->domain)) {
			emit(r, SV_CHECK_WARNING, s->id, s->domain,
				"%s: repeats server %lld", label,
				(long long)o->id);
			break;
		}
	}
}

/* A plain-http service (allowed by the admin) and a repeated service. */
static void check_service(struct reporter *r, size_t i) {
	const struct sv_service *s = &r->pv->services[i];
	if (s->insecure && s->url != NULL &&
			strncasecmp(s->url, "http:", 5) == 0) {
		emit(r, SV_CHECK_WARNING, 0, s->domain, "service %lld (%s %s): "
			"plain http (allowed with --allow-insecure): clients "
			"send passwords unencrypted", (long long)s->id,
			sv_service_type_name(s->type), s->url);
	}
	for (size_t j = 0; j < i; j++) {
		const struct sv_service *o = &r->pv->services[j];
		if (o->type == s->type && same_text(o->url, s->url) &&
				same_text(o->domain, s->domain)) {
			emit(r, SV_CHECK_WARNING, 0, s->domain, "service %lld "
				"(%s %s): repeats service %lld", (long long)s->id,
				sv_service_type_name(s->type), s->url,
				(long long)o->id);
			break;
		}
	}
}

static bool is_tls(enum sv_socket s) {
	return s == SV_SOCKET_SSL || s == SV_SOCKET_STARTTLS;
}

/*
 * The plaintext rule (sv_provider_servers_for) seen from one view: the
 * provider-wide one (domain NULL) or a domain's with servers of its own.
 * Warns where a type's only servers are plain (listed: nobody loses
 * their only way in; a notice once the admin said --publish-plaintext)
 * and where plain ones are published beside TLS ones (the same flag:
 * still a warning, as it breaks Thunderbird for Android); notes each
 * plain server left out.
 */
static void check_plaintext_view(struct reporter *r, const char *domain) {
	static const enum sv_server_type types[] = {
		SV_SERVER_IMAP, SV_SERVER_POP3, SV_SERVER_SMTP,
	};
	const struct sv_provider *pv = r->pv;
	const struct sv_server *sv[SV_MODEL_MAX_SERVERS];
	size_t n = sv_provider_servers_for(pv, domain, sv,
		SV_MODEL_MAX_SERVERS);
	char where[SV_DOMAIN_MAX + 16] = "";
	if (domain != NULL) {
		snprintf(where, sizeof(where), "domain %s: ", domain);
	}
	for (size_t t = 0; t < sizeof(types) / sizeof(*types); t++) {
		if (domain != NULL &&
				!sv_provider_domain_has_servers_of(pv, domain,
					types[t])) {
			continue; /* the provider-wide view's: reported there */
		}
		size_t tls = 0, plain = 0;
		for (size_t i = 0; i < n; i++) {
			if (sv[i]->type == types[t]) {
				tls += is_tls(sv[i]->socket);
				plain += sv[i]->socket == SV_SOCKET_PLAIN;
			}
		}
		const char *type = sv_server_type_name(types[t]);
		/* Thunderbird for Android reads imap and smtp only */
		const char *android = types[t] == SV_SERVER_POP3 ? "" :
			"; Thunderbird for Android refuses the whole answer";
		if (plain > 0 && tls == 0) {
			/* --publish-plaintext says the admin knows */
			emit(r, pv->publish_plaintext ? SV_CHECK_NOTICE :
				SV_CHECK_WARNING, 0, domain, "%sthe only %s "
				"server%s %s plain (no TLS): listed, as the only "
				"way in, but passwords travel unencrypted%s%s",
				where, type,
				plain == 1 ? "" : "s", plain == 1 ? "is" : "are",
				android, pv->publish_plaintext ?
				"; published on purpose (--publish-plaintext)" :
				"");
		} else if (plain > 0) {
			emit(r, SV_CHECK_WARNING, 0, domain, "%spublishes %zu "
				"plain %s server%s beside TLS ones "
				"(--publish-plaintext): a client may settle on the "
				"plain one%s", where, plain, type,
				plain == 1 ? "" : "s", android);
		}
	}
	const struct sv_server *out[SV_MODEL_MAX_SERVERS];
	n = sv_provider_plaintext_withheld(pv, domain, out,
		SV_MODEL_MAX_SERVERS);
	for (size_t i = 0; i < n; i++) {
		if ((out[i]->domain == NULL) != (domain == NULL)) {
			continue; /* a provider-wide one: reported once */
		}
		char label[SV_ERR_MSG_MAX / 2];
		server_label(out[i], label, sizeof(label));
		emit(r, SV_CHECK_NOTICE, out[i]->id, out[i]->domain, "%s: "
			"plain, left out of every answer beside the TLS %s "
			"server%s (RFC 8314; suivant provider set %s "
			"--publish-plaintext lists it)", label,
			sv_server_type_name(out[i]->type),
			out[i]->domain != NULL ? " of this domain" : "s",
			pv->id);
	}
}

/*
 * Whether PACC can say the view (model/pacc.h): a notice when not, since
 * its PACC request answers 404 and `suivant dns` prints no PACC records,
 * while every other format still serves it. A domain's view that fails
 * for the provider-wide view's reason (wide, "" when that one is
 * sayable) is not said twice.
 */
static void check_pacc_view(struct reporter *r, const char *domain,
		struct sv_err *why, const char *wide) {
	struct sv_pacc_view v;
	if (sv_pacc_view(r->pv, domain, &v, why) == SV_OK) {
		why->msg[0] = '\0';
	} else if (domain == NULL || strcmp(why->msg, wide) != 0) {
		emit(r, SV_CHECK_NOTICE, 0, domain, "%s%s%sno PACC document "
			"(404 at user-agent-configuration.json): %s",
			domain != NULL ? "domain " : "",
			domain != NULL ? domain : "", domain != NULL ? ": " : "",
			why->msg);
	}
}

size_t sv_check_provider(const struct sv_provider *pv,
		sv_check_report_fn report, void *ctx) {
	struct reporter r = { .pv = pv, .report = report, .ctx = ctx };
	struct sv_err err = { "" };
	if (pv->n_domains == 0) {
		emit(&r, SV_CHECK_ERROR, 0, NULL, "has no domain: no client "
			"reaches it (suivant domain add DOMAIN --provider %s)",
			pv->id);
	}
	if (sv_check_validate_draft(pv, &err) != SV_OK) {
		emit(&r, SV_CHECK_ERROR, 0, NULL, "invalid, not served: %s",
			err.msg);
		return r.n;
	}
	struct sv_problem why;
	if (pv->n_domains > 0 &&
			sv_provider_servable_problem(pv, &why) != SV_OK) {
		emit(&r, SV_CHECK_ERROR, 0, NULL, "not served, its %zu "
			"domain%s answer 404: %s", pv->n_domains,
			pv->n_domains == 1 ? "" : "s", why.err.msg);
	}
	if (pv->display_name == NULL) {
		emit(&r, SV_CHECK_WARNING, 0, NULL, "no display name: mail "
			"clients show the provider id (suivant provider set %s "
			"--name NAME)", pv->id);
	}
	for (size_t i = 0; i < pv->n_servers; i++) {
		check_server(&r, i);
	}
	for (size_t i = 0; i < pv->n_services; i++) {
		check_service(&r, i);
	}
	check_plaintext_view(&r, NULL);
	for (size_t i = 0; i < pv->n_domains; i++) {
		if (sv_provider_domain_has_servers(pv, pv->domains[i])) {
			check_plaintext_view(&r, pv->domains[i]);
		}
	}
	if (pv->n_domains > 0 && sv_provider_servable_problem(pv, &why) ==
			SV_OK) {
		struct sv_err wide, own;
		check_pacc_view(&r, NULL, &wide, "");
		for (size_t i = 0; i < pv->n_domains; i++) {
			if (sv_provider_domain_has_own(pv, pv->domains[i])) {
				check_pacc_view(&r, pv->domains[i], &own,
					wide.msg);
			}
		}
	}
	return r.n;
}
