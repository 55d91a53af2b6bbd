/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_HTTP_SERVER_INTERNAL_H
#define SUIVANT_HTTP_SERVER_INTERNAL_H

/*
 * Private to src/http/http.c, which starts and stops the daemons, and
 * src/http/http_connection.c, whose callbacks those daemons call with a
 * struct sv_http (or, for connection notifications, a struct listener)
 * as their closure: both files read the server's fields, which no other
 * file may see (http/http.h keeps struct sv_http opaque).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/config.h"
#include "http/http_metrics.h"
#include "http/http_response.h"

struct MHD_Daemon;
struct sv_http_deadline;   /* http/http_deadline.h */
struct sv_http_tls;        /* http/http_tls.h */
struct sv_mx_resolver;     /* resolve/mx_resolver.h */
struct sv_sign_cms;        /* answer/sign_cms.h */
struct sv_snapshot_holder; /* snapshot/snapshot.h */

/* What a daemon's connection notifications need. */
struct listener {
	struct sv_http *srv; /* the server it belongs to */
	struct sv_http_tls *tls; /* borrowed from srv; NULL if plain */
	unsigned index;
};

struct sv_http {
	struct sv_snapshot_holder *holder; /* borrowed; outlives the server */
	struct sv_sign_cms *signer;        /* borrowed (cfg); may be NULL */
	struct sv_http_fixed fixed[SV_HTTP_FIXED_COUNT]; /* owned responses */
	struct MHD_Daemon *daemons[2 * SV_CONFIG_MAX_LISTEN]; /* owned */
	uint16_t ports[2 * SV_CONFIG_MAX_LISTEN];
	bool tls[2 * SV_CONFIG_MAX_LISTEN];
	size_t n_daemons;
	struct listener listeners[2 * SV_CONFIG_MAX_LISTEN];
	struct sv_http_tls *creds;         /* owned; NULL without TLS */
	struct sv_http_deadline *reg;      /* owned; outlives the daemons */
	struct sv_http_metrics metrics;
	struct sv_mx_resolver *mx;         /* owned: MX rows' look-ups */
	unsigned grace_s;                  /* sv_http_stop's wait for
	                                    * in-flight requests */
};

#endif
