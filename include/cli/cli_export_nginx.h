/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_EXPORT_NGINX_H
#define SUIVANT_CLI_EXPORT_NGINX_H

#include <stdbool.h>

#include "snapshot/snapshot.h"
#include "util/buf.h"

/*
 * The contract of src/cli/cli_export_nginx.c: the nginx configuration
 * that `export-static` (cli_export_static.c) writes beside its files.
 * The snapshot is borrowed; the buffers are the caller's.
 */

/* The markers in the address slots of the files under DIR/address/,
 * which the nginx configuration fills from the request. */
#define FILL_ADDRESS "sv-fill-emailaddress"
#define FILL_LOCAL "sv-fill-emaillocalpart"
#define FILL_DOMAIN "sv-fill-emaildomain"

/*
 * The nginx maps of Host to the redirect targets: one line per exported
 * domain that has a caldav (carddav) service, "HOST TARGET;". A host
 * "autoconfig.D" or "autodiscover.D" that has no entry of its own gets
 * D's, as serve strips those prefixes (http_wellknown.c). The caller
 * owns the buffers (sv_buf_init, sv_buf_finish).
 */
struct sv_cli_dav_maps {
	struct sv_buf lines[2];  /* caldav, carddav */
	bool failed;             /* out of memory */
};

/* Adds domain's targets to the maps (pass 0: the domain itself; pass 1:
 * its autoconfig. and autodiscover. names, unless exported themselves). */
void sv_cli_nginx_map_domain(const struct sv_snapshot *snap,
	struct sv_cli_dav_maps *dm, const char *domain, int pass);
/*
 * Appends DIR/nginx.conf to b: a header, the redirect maps of dm, the
 * request maps, the map of the exported domains (known: one line
 * "    DOMAIN DOMAIN;" each), then a server block listening on listen
 * whose root is root. SV_OK, or SV_ENOMEM.
 */
int sv_cli_nginx_conf(struct sv_buf *b, const struct sv_cli_dav_maps *dm,
	const struct sv_buf *known, const char *listen, const char *root);

#endif
