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
 * Calendar and address-book services get their RFC 6764 SRV records
 * the same way (add_dav_label), each label with a TXT "path=" record:
 * the path of the service URL's bare context (service_url.h), so a URL
 * that needs the user's address is published up to its last '/' before
 * it.
 *
 * PACC's two records come last (sv_render_dns_add_pacc), from the
 * document's bytes the caller filled: the TXT text is its SHA-256 in
 * base64 (GnuTLS), so the record changes with every byte of it.
 *
 * Every name written is a lower-case host name checked with
 * sv_is_hostname, and every TXT text is printable ASCII without '"' or
 * '\' (service_url.c; base64 has neither), so the text needs no
 * escaping. Nothing is allocated but GnuTLS's base64 text, freed at
 * once.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "answer/render_dns.h"
#include "model/pacc.h"
#include "model/placeholder.h"
#include "model/service_url.h"

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
	return t == SV_DNS_CNAME ? "CNAME" : t == SV_DNS_SRV ? "SRV" :
		t == SV_DNS_TXT ? "TXT" : "?";
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
	if (type == SV_DNS_TXT) {
		r->target[0] = '\0';
	} else if (strcmp(target, ".") == 0) {
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

/* RFC 6764 labels, in the order they are written. */
static const struct dav_label {
	const char *name;
	enum sv_service_type type;
	bool tls;
} dav_labels[SV_DNS_DAV_LABELS] = {
	{ "_caldavs._tcp", SV_SERVICE_CALDAV, true },
	{ "_caldav._tcp", SV_SERVICE_CALDAV, false },
	{ "_carddavs._tcp", SV_SERVICE_CARDDAV, true },
	{ "_carddav._tcp", SV_SERVICE_CARDDAV, false },
};

/*
 * Appends p[0..n) to out (used bytes *len, room outsz) with every
 * %EMAILDOMAIN% replaced by the zone's domain, lower-cased when lower;
 * false when it does not fit.
 */
static bool expand_domain(const struct sv_dns_zone *z, const char *p,
		size_t n, bool lower, char *out, size_t outsz, size_t *len) {
	const char *tok = sv_token_text(SV_TOKEN_EMAILDOMAIN);
	size_t tok_len = strlen(tok);
	for (size_t i = 0; i < n;) {
		const char *add = p + i;
		size_t k = 1;
		if (n - i >= tok_len && memcmp(p + i, tok, tok_len) == 0) {
			add = z->domain;
			k = strlen(z->domain);
			i += tok_len;
		} else {
			i++;
		}
		if (k >= outsz - *len) {
			return false;
		}
		for (size_t c = 0; c < k; c++) {
			char ch = add[c];
			out[(*len)++] = lower && ch >= 'A' && ch <= 'Z' ?
				(char)(ch - 'A' + 'a') : ch;
		}
	}
	out[*len] = '\0';
	return true;
}

/*
 * The SRV records of one RFC 6764 label, and the TXT "path=" record of
 * its first service (a label has one path: a later service whose path
 * differs gets a note), or "." when no service is offered under it.
 */
static void add_dav_label(struct sv_dns_zone *z, const struct dav_label *l,
		const struct sv_service *const *svc, size_t n) {
	int rank = 0;
	char first_path[SV_DNS_TXT_MAX + 1] = "";
	for (size_t i = 0; i < n; i++) {
		const struct sv_service *s = svc[i];
		struct sv_service_url u;
		char host[SV_DNS_NAME_MAX + 1];
		char path[SV_DNS_TXT_MAX + 1];
		size_t hlen = 0, plen = 0;
		if (s->type != l->type || s->url == NULL ||
				sv_service_url_parse(s->url, "url", &u, NULL) !=
				SV_OK || u.https != l->tls) {
			continue;
		}
		if (!expand_domain(z, u.host, u.host_len, true, host,
				sizeof(host), &hlen) || !sv_is_hostname(host,
				true)) {
			note(z, "service %lld (%s): host too long or not a "
				"host name for %s, left out", (long long)s->id,
				sv_service_type_name(s->type), z->domain);
			continue;
		}
		/* the context's path, without a query: RFC 6764 section 4 */
		size_t ctx = u.context_len - (size_t)(u.path - s->url);
		const char *q = memchr(u.path, '?', ctx);
		memcpy(path, "path=", 5);
		plen = 5;
		if (!expand_domain(z, u.path, q != NULL ?
				(size_t)(q - u.path) : ctx, false, path,
				sizeof(path), &plen)) {
			note(z, "service %lld (%s): its path does not fit a "
				"TXT string (%d bytes), left out",
				(long long)s->id, sv_service_type_name(s->type),
				SV_DNS_TXT_MAX);
			continue;
		}
		struct sv_dns_record *r = add(z, l->name, SV_DNS_SRV, host);
		if (r == NULL) {
			continue;
		}
		r->priority = 10 * rank++;
		r->weight = 1;
		r->port = sv_service_url_port(&u);
		r->service = s->id;
		if (first_path[0] == '\0') {
			memcpy(first_path, path, plen + 1);
		} else if (strcmp(first_path, path) != 0) {
			note(z, "service %lld (%s): %s differs from the first "
				"service's %s; DNS gives one path per label",
				(long long)s->id, sv_service_type_name(s->type),
				path, first_path);
		}
	}
	if (rank == 0) {
		add(z, l->name, SV_DNS_SRV, ".");
		return;
	}
	if (z->n_texts == SV_DNS_DAV_LABELS) {
		return;
	}
	struct sv_dns_record *r = add(z, l->name, SV_DNS_TXT, "");
	if (r != NULL) {
		memcpy(z->texts[z->n_texts], first_path,
			strlen(first_path) + 1);
		r->text = z->texts[z->n_texts++];
	}
}

static void add_dav(struct sv_dns_zone *z, const struct sv_provider *pv,
		const char *pattern) {
	const struct sv_service *svc[SV_MODEL_MAX_SERVICES];
	size_t n = sv_provider_services_for(pv, pattern, svc,
		SV_MODEL_MAX_SERVICES);
	for (size_t l = 0; l < SV_DNS_DAV_LABELS; l++) {
		add_dav_label(z, &dav_labels[l], svc, n);
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
	add_dav(z, pv, pattern);
	return SV_OK;
}

int sv_dns_pacc_text(const char *doc, size_t len, char *out, size_t outsz,
		struct sv_err *err) {
	unsigned char digest[32];
	gnutls_datum_t in = { digest, sizeof(digest) }, b64 = { NULL, 0 };
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, doc, len, digest) < 0 ||
			gnutls_base64_encode2(&in, &b64) < 0) {
		return sv_errf(err, SV_EIO, "dns: cannot compute the PACC "
			"document's SHA-256");
	}
	int n = snprintf(out, outsz, "%s%.*s", SV_PACC_TXT_PREFIX,
		(int)b64.size, (const char *)b64.data);
	gnutls_free(b64.data);
	if (n < 0 || (size_t)n >= outsz) {
		return sv_errf(err, SV_EIO, "dns: PACC TXT text too long");
	}
	return SV_OK;
}

int sv_render_dns_add_pacc(struct sv_dns_zone *z, const char *target,
		const char *doc, size_t len, struct sv_err *err) {
	char to[SV_DNS_NAME_MAX + 1];
	if (target != NULL && !sv_is_domain_name(target)) {
		return sv_errf(err, SV_EINVAL, "dns: target '%.64s' is not a "
			"lower-case host name", target);
	}
	if (doc == NULL) {
		note(z, "no PACC document for %s (suivant check says why): no "
			"%s records", z->domain, SV_PACC_HOST_LABEL);
		return SV_OK;
	}
	if (z->n_texts == SV_DNS_DAV_LABELS + 1) {
		return sv_errf(err, SV_EINVAL, "dns: PACC records added twice");
	}
	char *text = z->texts[z->n_texts];
	int rc = sv_dns_pacc_text(doc, len, text, sizeof(z->texts[0]), err);
	if (rc != SV_OK) {
		return rc;
	}
	if (join(to, sizeof(to), target != NULL ? NULL : "autoconfig",
			target != NULL ? target : z->provider)) {
		add_cname(z, SV_PACC_HOST_LABEL, to);
	} else {
		note(z, "%s.%s: no target name fits", SV_PACC_HOST_LABEL,
			z->domain);
	}
	struct sv_dns_record *r = add(z, SV_PACC_TXT_LABEL, SV_DNS_TXT, "");
	if (r != NULL) {
		r->text = text;
		z->n_texts++;
	}
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
	bool headed = false, dav_headed = false, pacc_headed = false;
	for (size_t i = 0; rc == SV_OK && i < z->n_records; i++) {
		const struct sv_dns_record *r = &z->records[i];
		if (!headed && r->type == SV_DNS_SRV &&
				strncmp(r->owner, "_autodiscover.", 14) != 0) {
			rc = sv_buf_printf(out, "; mail services (RFC 6186, "
				"RFC 8314); target \".\" = not offered\n");
			headed = true;
		}
		if (rc == SV_OK && !dav_headed && (strncmp(r->owner,
				"_caldav", 7) == 0 || strncmp(r->owner,
				"_carddav", 8) == 0)) {
			rc = sv_buf_printf(out, "; calendars and contacts "
				"(RFC 6764); target \".\" = not offered\n");
			dav_headed = true;
		}
		if (rc == SV_OK && !pacc_headed && (strncmp(r->owner,
				SV_PACC_HOST_LABEL ".", 15) == 0 ||
				strncmp(r->owner, SV_PACC_TXT_LABEL ".", 16) ==
				0)) {
			rc = sv_buf_printf(out, "; PACC (%s): the TXT record "
				"holds the SHA-256 of the document's exact "
				"bytes; rerun after every change\n",
				SV_PACC_DRAFT);
			pacc_headed = true;
		}
		if (rc == SV_OK && r->type == SV_DNS_TXT) {
			rc = sv_buf_printf(out, "%-*s %ld IN TXT   \"%s\"\n",
				(int)width, r->owner, z->ttl, r->text);
		} else if (rc == SV_OK && r->type == SV_DNS_CNAME) {
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
