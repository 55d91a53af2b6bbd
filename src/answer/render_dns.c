/* SPDX-License-Identifier: MIT */
/*
 * DNS records for a mail domain, as zone-file text (suivant dns).
 *
 * Records come from the model alone: the service names (autoconfig,
 * autodiscover, _autodiscover._tcp) point at the target host; each imap,
 * pop3 and smtp server the domain gets (sv_provider_servers_for, so
 * per-domain servers replace provider-wide ones as in every answer)
 * becomes an SRV record under the RFC 6186 / RFC 8314 label of its
 * protocol and TLS mode (socket SSL: _imaps, _pop3s, _submissions; else
 * _imap, _pop3, _submission). SRV priorities follow the servers' order,
 * 0, 10, 20... counted separately for incoming and outgoing servers, so
 * that the provider's preference between IMAP and POP3 shows (RFC 6186
 * section 3.4). A label nothing is offered under gets "0 0 0 ." (the
 * service is decidedly not available). Host-name templates are expanded
 * with the domain; one that depends on the user (%EMAILLOCALPART%) has no
 * DNS form and becomes a note instead of a record.
 *
 * Every name written is a lower-case host name checked with
 * sv_is_hostname, so the text needs no escaping. Nothing is allocated.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "answer/render_dns.h"
#include "model/placeholder.h"

/* RFC 6186 / RFC 8314 labels, in the order they are written. */
static const struct srv_label {
	const char *name;
	enum sv_server_type type;
	bool tls;
} labels[] = {
	{ "_imaps._tcp", SV_SERVER_IMAP, true },
	{ "_imap._tcp", SV_SERVER_IMAP, false },
	{ "_pop3s._tcp", SV_SERVER_POP3, true },
	{ "_pop3._tcp", SV_SERVER_POP3, false },
	{ "_submissions._tcp", SV_SERVER_SMTP, true },
	{ "_submission._tcp", SV_SERVER_SMTP, false },
};

#define N_LABELS (sizeof(labels) / sizeof(*labels))

/* Pieces a valid template of SV_MODEL_MAX_TEMPLATE bytes can need. */
#define MAX_PIECES (SV_MODEL_MAX_TEMPLATE / 2 + 2)

const char *sv_dns_type_name(enum sv_dns_type t) {
	return t == SV_DNS_CNAME ? "CNAME" : t == SV_DNS_SRV ? "SRV" : "?";
}

static void note(struct sv_dns_zone *z, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct sv_dns_zone *z, const char *fmt, ...) {
	if (z->n_notes == SV_DNS_MAX_NOTES) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(z->notes[z->n_notes], sizeof(z->notes[0]), fmt, ap);
	va_end(ap);
	if (n >= 0) {
		z->n_notes++;
	}
}

/* "prefix.name" (prefix may be NULL) into out; false when too long. */
static bool join(char *out, size_t outsz, const char *prefix,
		const char *name) {
	int n = prefix != NULL ? snprintf(out, outsz, "%s.%s", prefix, name)
		: snprintf(out, outsz, "%s", name);
	return n > 0 && (size_t)n <= SV_DNS_NAME_MAX && (size_t)n < outsz;
}

/* Appends an absolute-name record; false (with a note) when too long. */
static struct sv_dns_record *add(struct sv_dns_zone *z, const char *prefix,
		enum sv_dns_type type, const char *target) {
	char owner[SV_DNS_NAME_MAX + 1];
	if (z->n_records == SV_DNS_MAX_RECORDS) {
		return NULL;
	}
	if (!join(owner, sizeof(owner), prefix, z->domain)) {
		note(z, "%s.%s: longer than %d characters, left out", prefix,
			z->domain, SV_DNS_NAME_MAX);
		return NULL;
	}
	struct sv_dns_record *r = &z->records[z->n_records++];
	memset(r, 0, sizeof(*r));
	snprintf(r->owner, sizeof(r->owner), "%s.", owner);
	r->type = type;
	if (strcmp(target, ".") == 0) {
		memcpy(r->target, ".", 2);
	} else {
		snprintf(r->target, sizeof(r->target), "%s.", target);
	}
	return r;
}

/* prefix.domain CNAME target, unless that is its own name. */
static void add_cname(struct sv_dns_zone *z, const char *prefix,
		const char *target) {
	char owner[SV_DNS_NAME_MAX + 1];
	if (join(owner, sizeof(owner), prefix, z->domain) &&
			strcmp(owner, target) == 0) {
		note(z, "%s is the service's own name: give it A/AAAA "
			"records (a CNAME to itself would loop)", owner);
		return;
	}
	add(z, prefix, SV_DNS_CNAME, target);
}

/*
 * The host name of s for domain: its template with %EMAILDOMAIN%
 * expanded, lower case. false (with a note) when it depends on the user
 * or does not make a host name.
 */
static bool expand_host(struct sv_dns_zone *z, const struct sv_server *s,
		char *out, size_t outsz) {
	struct sv_tpl_piece pieces[MAX_PIECES];
	size_t n = 0, len = 0;
	if (sv_placeholder_split(s->hostname, pieces, MAX_PIECES, &n, NULL)
			!= SV_OK) {
		note(z, "server %lld (%s): host name '%.64s' is not a valid "
			"template, left out", (long long)s->id,
			sv_server_type_name(s->type), s->hostname);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const char *p = pieces[i].lit;
		size_t k = pieces[i].lit_len;
		if (pieces[i].is_token) {
			if (pieces[i].token != SV_TOKEN_EMAILDOMAIN) {
				note(z, "server %lld (%s): host name %.64s "
					"depends on the user: no SRV record",
					(long long)s->id,
					sv_server_type_name(s->type),
					s->hostname);
				return false;
			}
			p = z->domain;
			k = strlen(z->domain);
		}
		if (k >= outsz - len) {
			note(z, "server %lld (%s): host name too long for %s",
				(long long)s->id, sv_server_type_name(s->type),
				z->domain);
			return false;
		}
		for (size_t c = 0; c < k; c++) {
			char ch = p[c];
			out[len++] = ch >= 'A' && ch <= 'Z' ?
				(char)(ch - 'A' + 'a') : ch;
		}
	}
	out[len] = '\0';
	if (!sv_is_hostname(out, true)) {
		note(z, "server %lld (%s): '%.64s' is not a host name, left "
			"out", (long long)s->id, sv_server_type_name(s->type),
			out);
		return false;
	}
	return true;
}

static bool label_matches(const struct srv_label *l,
		const struct sv_server *s) {
	return s->type == l->type && (s->socket == SV_SOCKET_SSL) == l->tls;
}

static void add_srv(struct sv_dns_zone *z, const struct sv_provider *pv,
		const char *pattern) {
	const struct sv_server *servers[SV_MODEL_MAX_SERVERS];
	int priority[SV_MODEL_MAX_SERVERS];
	size_t n = sv_provider_servers_for(pv, pattern, servers,
		SV_MODEL_MAX_SERVERS);
	int in_rank = 0, out_rank = 0;
	for (size_t i = 0; i < n; i++) {
		bool out = sv_server_type_is_outgoing(servers[i]->type);
		priority[i] = 10 * (out ? out_rank++ : in_rank++);
	}
	for (size_t l = 0; l < N_LABELS; l++) {
		bool offered = false;
		for (size_t i = 0; i < n; i++) {
			const struct sv_server *s = servers[i];
			char host[SV_DNS_NAME_MAX + 1];
			if (!label_matches(&labels[l], s) || s->hostname == NULL
					|| !expand_host(z, s, host,
					sizeof(host))) {
				continue;
			}
			struct sv_dns_record *r = add(z, labels[l].name,
				SV_DNS_SRV, host);
			if (r != NULL) {
				r->priority = priority[i];
				r->weight = 1;
				r->port = s->port;
				r->server = s->id;
				offered = true;
			}
		}
		if (!offered) {
			add(z, labels[l].name, SV_DNS_SRV, ".");
		}
	}
}

int sv_render_dns_records(const struct sv_provider *pv, const char *pattern,
		const char *domain, const char *target, long ttl,
		struct sv_dns_zone *z, struct sv_err *err) {
	memset(z, 0, sizeof(*z));
	if (!sv_is_domain_name(domain)) {
		return sv_errf(err, SV_EINVAL, "dns: '%.64s' is not a "
			"lower-case host name", domain);
	}
	if (target != NULL && !sv_is_domain_name(target)) {
		return sv_errf(err, SV_EINVAL, "dns: target '%.64s' is not a "
			"lower-case host name", target);
	}
	if (ttl < 0 || ttl > SV_DNS_MAX_TTL) {
		return sv_errf(err, SV_EINVAL, "dns: ttl %ld is not in "
			"0..%ld", ttl, SV_DNS_MAX_TTL);
	}
	snprintf(z->domain, sizeof(z->domain), "%s", domain);
	z->provider = pv->id;
	z->pattern = pattern;
	z->ttl = ttl;
	char ac[SV_DNS_NAME_MAX + 1], ad[SV_DNS_NAME_MAX + 1];
	bool ac_ok = join(ac, sizeof(ac), target != NULL ? NULL :
		"autoconfig", target != NULL ? target : pv->id);
	bool ad_ok = join(ad, sizeof(ad), target != NULL ? NULL :
		"autodiscover", target != NULL ? target : pv->id);
	if (ac_ok) {
		add_cname(z, "autoconfig", ac);
	} else {
		note(z, "autoconfig.%s: no target name fits", pv->id);
	}
	if (ad_ok) {
		add_cname(z, "autodiscover", ad);
		struct sv_dns_record *r = add(z, "_autodiscover._tcp",
			SV_DNS_SRV, ad);
		if (r != NULL) {
			r->port = 443;
		}
	} else {
		note(z, "autodiscover.%s: no target name fits", pv->id);
	}
	add_srv(z, pv, pattern);
	return SV_OK;
}

int sv_render_dns_zone(const struct sv_dns_zone *z, struct sv_buf *out) {
	size_t width = 0;
	for (size_t i = 0; i < z->n_records; i++) {
		size_t w = strlen(z->records[i].owner);
		width = w > width ? w : width;
	}
	int rc = sv_buf_printf(out, "; suivant dns: %s, served by provider "
		"%s (domain row %s)\n", z->domain, z->provider, z->pattern);
	for (size_t i = 0; rc == SV_OK && i < z->n_notes; i++) {
		rc = sv_buf_printf(out, "; note: %s\n", z->notes[i]);
	}
	bool headed = false;
	for (size_t i = 0; rc == SV_OK && i < z->n_records; i++) {
		const struct sv_dns_record *r = &z->records[i];
		if (!headed && r->type == SV_DNS_SRV &&
				strncmp(r->owner, "_autodiscover.", 14) != 0) {
			rc = sv_buf_printf(out, "; mail services (RFC 6186, "
				"RFC 8314); target \".\" = not offered\n");
			headed = true;
		}
		if (rc == SV_OK && r->type == SV_DNS_CNAME) {
			rc = sv_buf_printf(out, "%-*s %ld IN CNAME %s\n",
				(int)width, r->owner, z->ttl, r->target);
		} else if (rc == SV_OK) {
			rc = sv_buf_printf(out, "%-*s %ld IN SRV   %d %d %d "
				"%s\n", (int)width, r->owner, z->ttl,
				r->priority, r->weight, r->port, r->target);
		}
	}
	return rc;
}
