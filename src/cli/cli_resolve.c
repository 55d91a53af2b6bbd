/* SPDX-License-Identifier: MIT */
/*
 * Resolving a mail domain on the command line the way `serve` does, MX
 * rows included: `lookup` and `dns` say what a client would get, so they
 * ask the DNS when the answer depends on it (one blocking query: nothing
 * else waits for a command).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli_resolve.h"
#include "resolve/dns_query.h"
#include "resolve/mx_resolver.h"

int sv_cli_resolve(const struct sv_snapshot *snap, const char *domain,
		const char *resolver, struct sv_snapshot_match *m,
		struct sv_cli_mx *mx, struct sv_err *err) {
	mx->status = NULL;
	mx->host[0] = '\0';
	int rc = sv_snapshot_resolve(snap, domain, NULL, m);
	if (rc != SV_EAGAIN) {
		return rc;
	}
	struct sv_mx_hosts h;
	rc = sv_mx_lookup_once(resolver, domain, SV_MX_TIMEOUT_MS, &h, err);
	if (rc != SV_OK) {
		return rc;
	}
	const char *hosts[SV_MX_MAX_HOSTS];
	for (size_t i = 0; i < h.n; i++) {
		hosts[i] = sv_mx_hosts_get(&h, i);
	}
	const struct sv_snapshot_mx view = { .hosts = hosts,
		.n = h.status == SV_MX_FOUND ? h.n : 0 };
	mx->status = sv_mx_status_name(h.status);
	rc = sv_snapshot_resolve(snap, domain, &view, m);
	if (rc == SV_OK && m->mx_host != NULL) {
		snprintf(mx->host, sizeof(mx->host), "%s", m->mx_host);
		m->mx_host = mx->host;
	}
	return rc;
}
