/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_RENDER_DNS_H
#define SUIVANT_RENDER_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "util/buf.h"
#include "util/err.h"

/*
 * The DNS records a mail domain needs (PROTOCOLS.md section 6):
 * autoconfig and autodiscover CNAMEs to the service, the Autodiscover SRV
 * record, and the RFC 6186 / RFC 8314 SRV records of the servers the
 * domain gets (sv_provider_servers_for), host-name templates expanded
 * with the domain, target "." for each service not offered; and the RFC
 * 6764 records of its calendar and address-book services
 * (sv_provider_services_for): _caldavs._tcp / _carddavs._tcp SRV records
 * (_caldav / _carddav for a plain-http service) with a TXT "path=..."
 * record each (section 4), "." for the labels not offered. Pure: model
 * in, records and zone-file text out.
 */

#define SV_DNS_NAME_MAX 253    /* presentation form, no trailing dot */
#define SV_DNS_DEFAULT_TTL 3600
#define SV_DNS_MAX_TTL 2147483647L /* RFC 2181 section 8 */
/* 3 service records, the servers, a "." record per mail SRV label, the
 * DAV services, a "." or a TXT record per DAV label. */
#define SV_DNS_DAV_LABELS 4
#define SV_DNS_MAX_RECORDS (3 + SV_MODEL_MAX_SERVERS + 6 + \
	SV_MODEL_MAX_SERVICES + SV_DNS_DAV_LABELS + 2)
#define SV_DNS_MAX_NOTES (3 + SV_MODEL_MAX_SERVERS + SV_MODEL_MAX_SERVICES)
/* One TXT character-string (RFC 1035 3.3: a length byte, 255 at most). */
#define SV_DNS_TXT_MAX 255

enum sv_dns_type { SV_DNS_CNAME, SV_DNS_SRV, SV_DNS_TXT };

struct sv_dns_record {
	char owner[SV_DNS_NAME_MAX + 2];  /* absolute, trailing dot */
	enum sv_dns_type type;
	int priority, weight, port;       /* SRV only */
	char target[SV_DNS_NAME_MAX + 2]; /* absolute, or "."; "" for TXT */
	const char *text;                 /* TXT only: borrowed from the
	                                   * zone's texts, no quotes */
	int64_t server;                   /* the server it comes from, or 0 */
	int64_t service;                  /* the service it comes from, or 0 */
};

struct sv_dns_zone {
	char domain[SV_DNS_NAME_MAX + 1]; /* the mail domain */
	const char *provider;             /* borrowed: the provider's id */
	const char *pattern;              /* borrowed: the matching row */
	long ttl;
	struct sv_dns_record records[SV_DNS_MAX_RECORDS];
	size_t n_records;
	/* the TXT records' texts ("path=/dav/", PACC's "v=UAAC1; ..."):
	 * printable ASCII without '"' or '\' (service URLs hold none, nor
	 * base64), so quoting is enough */
	char texts[SV_DNS_DAV_LABELS + 1][SV_DNS_TXT_MAX + 1];
	size_t n_texts;
	/* what could not be published, and why (zone comments) */
	char notes[SV_DNS_MAX_NOTES][SV_ERR_MSG_MAX];
	size_t n_notes;
};

/*
 * Fills z (caller's storage; it is large: allocate it) with the records
 * for domain (a normalised host name), served by pv through its domain
 * row pattern (the row domain matched: "x.fr", "*.x.fr" or "*"). target
 * is the host name of this autoconfiguration service (no trailing dot),
 * or NULL for autoconfig.<provider id> / autodiscover.<provider id>. A
 * CNAME that would point at its own name is left out with a note.
 * Borrows pv and pattern for z's life. SV_EINVAL for a domain or target
 * that is not a host name, or a ttl outside 0..SV_DNS_MAX_TTL.
 */
int sv_render_dns_records(const struct sv_provider *pv, const char *pattern,
	const char *domain, const char *target, long ttl,
	struct sv_dns_zone *z, struct sv_err *err);

/*
 * PACC's records (model/pacc.h) after those of sv_render_dns_records:
 * ua-auto-config.DOMAIN CNAME to the service (target as there: NULL is
 * autoconfig.<provider id>) and _ua-auto-config.DOMAIN TXT
 * "v=UAAC1; a=sha256; d=<base64 of the SHA-256 of doc[0..len)>", doc
 * being exactly the bytes `serve` sends for DOMAIN (the filled
 * SV_FORMAT_PACC answer); doc NULL (no PACC document) adds a note
 * saying so instead. SV_OK, SV_EINVAL (target not a host name), SV_EIO
 * when the digest cannot be computed.
 */
int sv_render_dns_add_pacc(struct sv_dns_zone *z, const char *target,
	const char *doc, size_t len, struct sv_err *err);

/*
 * The TXT text of PACC's record for doc[0..len) into out (room for
 * SV_DNS_TXT_MAX + 1). SV_OK or SV_EIO.
 */
int sv_dns_pacc_text(const char *doc, size_t len, char *out, size_t outsz,
	struct sv_err *err);

/*
 * Appends z as zone-file text (RFC 1035 master file lines with absolute
 * names, one record per line, columns aligned, notes as ';' comments) to
 * out. SV_OK, or sv_buf_append's error (out is then empty).
 */
int sv_render_dns_zone(const struct sv_dns_zone *z, struct sv_buf *out);

/* "CNAME", "SRV" or "TXT". */
const char *sv_dns_type_name(enum sv_dns_type t);

#endif
