/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_RESOLVE_H
#define SUIVANT_CLI_RESOLVE_H

#include "snapshot/snapshot.h"
#include "util/err.h"
#include "util/name.h"

/*
 * The contract of src/cli/cli_resolve.c: the resolution of a domain as
 * `serve` does it, for the commands that show it (lookup, dns). The
 * snapshot is borrowed; the match points into it.
 */

/* What the MX stage of sv_cli_resolve found. */
struct sv_cli_mx {
	const char *status;           /* static: "found", "none", "failed",
	                               * "timeout" (sv_mx_status_name), or
	                               * NULL when no MX look-up was needed */
	char host[SV_DOMAIN_MAX + 1]; /* the MX host that matched an MX row,
	                               * or "" */
};

/*
 * Resolves domain in snap as `serve` does: exact row, longest
 * "*.suffix", then (when snap has MX rows) domain's MX hosts, asked of
 * resolver ("IP[:PORT]"; NULL: the system's) in one blocking query of
 * at most 2 s, then "*". SV_OK with *m (m->mx_host, when an MX row
 * matched, points into mx->host), SV_ENOTFOUND, or SV_EIO / SV_EINVAL /
 * SV_ENOMEM with err set when the DNS cannot be asked.
 */
int sv_cli_resolve(const struct sv_snapshot *snap, const char *domain,
	const char *resolver, struct sv_snapshot_match *m,
	struct sv_cli_mx *mx, struct sv_err *err);

#endif
