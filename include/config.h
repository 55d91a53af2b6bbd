/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CONFIG_H
#define SUIVANT_CONFIG_H

#include <stddef.h>

#include "err.h"

/*
 * Everything `suivant serve` can be told, one commented field per tunable
 * with its default next to it. sv_config_init sets the defaults;
 * sv_config_check reports the first problem.
 */

#define SV_CONFIG_DEFAULT_DB "suivant.db"
#define SV_CONFIG_DEFAULT_LISTEN "127.0.0.1:8080"
#define SV_CONFIG_MAX_LISTEN 8
#define SV_CONFIG_DEFAULT_CONN_LIMIT 4096
#define SV_CONFIG_DEFAULT_PER_IP_LIMIT 64
#define SV_CONFIG_DEFAULT_TIMEOUT_S 10
#define SV_CONFIG_DEFAULT_CONN_MEMORY (32 * 1024)

struct sv_config {
	const char *db_path;      /* borrowed (argv); default SV_CONFIG_DEFAULT_DB */
	const char *listen[SV_CONFIG_MAX_LISTEN]; /* borrowed "ADDR:PORT" */
	size_t n_listen;          /* 0 = SV_CONFIG_DEFAULT_LISTEN */
	unsigned threads;         /* worker threads per listener; 0 = cores */
	unsigned conn_limit;      /* total connections per listener */
	unsigned per_ip_limit;    /* connections per client address */
	unsigned timeout_s;       /* idle connection timeout, seconds */
	size_t conn_memory;       /* per-connection memory (headers), bytes */
};

void sv_config_init(struct sv_config *cfg);
int sv_config_check(const struct sv_config *cfg, struct sv_err *err);

/*
 * Parses "ADDR:PORT", "[V6ADDR]:PORT" or "PORT" (meaning 127.0.0.1) into a
 * socket address. PORT 0 asks the kernel for a free port. Returns SV_OK or
 * SV_EINVAL with the reason.
 */
struct sockaddr_storage;
int sv_config_parse_listen(const char *s, struct sockaddr_storage *out,
	unsigned *out_len, struct sv_err *err);

#endif
