/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_DNS_QUERY_H
#define SUIVANT_DNS_QUERY_H

#include <stddef.h>

#include "resolve/mx_cache.h"
#include "util/err.h"

/*
 * Blocking one-shot DNS queries for the command line, with c-ares: each
 * opens its own channel, asks once and waits at most timeout_ms. The
 * server's resolver (mx_resolver.h) never blocks and does not use them.
 */

/*
 * One blocking look-up, for the command line (lookup, dns): the MX hosts
 * of domain through server (as mx_resolver.h's opts->server) within
 * timeout_ms. SV_OK with *out (whatever its status), or SV_EIO /
 * SV_EINVAL / SV_ENOMEM with err set when c-ares cannot be used.
 */
int sv_mx_lookup_once(const char *server, const char *domain,
	unsigned timeout_ms, struct sv_mx_hosts *out, struct sv_err *err);

/*
 * The records of one name and type as a server answers them, for `suivant
 * dns check`, which compares a zone with what `suivant dns` prints: CNAME
 * and SRV targets as names without the trailing dot ("." for the root),
 * TXT records' character-strings joined. Records of other types in the
 * answer (a CNAME followed to the record asked) are skipped; at most
 * SV_RR_MAX are kept.
 */
#define SV_RR_MAX 32
#define SV_RR_TEXT_MAX 1024
#define SV_RR_TYPE_CNAME 5
#define SV_RR_TYPE_TXT 16
#define SV_RR_TYPE_SRV 33

enum sv_rr_status {
	SV_RR_ANSWERED,  /* n records (at least one) */
	SV_RR_NO_NAME,   /* NXDOMAIN */
	SV_RR_NO_DATA,   /* the name exists, no record of the type */
	SV_RR_TIMED_OUT, /* no answer within the time */
	SV_RR_FAILED,    /* SERVFAIL, REFUSED, a malformed answer... */
};

struct sv_rr {
	int priority, weight, port;            /* SRV */
	char target[256];                      /* CNAME, SRV */
	char text[SV_RR_TEXT_MAX + 1];         /* TXT */
};

struct sv_rrset {
	enum sv_rr_status status;
	size_t n;
	struct sv_rr rr[SV_RR_MAX];
};

/*
 * One blocking query of type (SV_RR_TYPE_*) for name through server (as
 * sv_mx_lookup_once) within timeout_ms. SV_OK with *out (whatever its
 * status; out is large: allocate it), or SV_EINVAL (another type, a bad
 * server), SV_EIO / SV_ENOMEM when c-ares cannot be used.
 */
int sv_rr_query_once(const char *server, const char *name, int type,
	unsigned timeout_ms, struct sv_rrset *out, struct sv_err *err);

#endif
