/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_SERVER_SHOW_H
#define SUIVANT_CLI_SERVER_SHOW_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

/*
 * The contract of src/cli/cli_server_show.c: how `server list` (and
 * `provider show`) show a server, as JSON or as a table row. The servers
 * are borrowed; a JSON value returned is a new reference, the caller's.
 */

struct json_t;
struct sv_provider;

/*
 * A server as `server list --json` shows it: id, provider, type, host,
 * port, socket, auth (array), username, priority, domain (null = every
 * domain of the provider), url for URL-based servers. A new reference,
 * or NULL on allocation failure.
 */
struct json_t *sv_cli_server_json(const char *provider_id,
	const struct sv_server *s);

/*
 * Appends s to a `server list` table: ID, PROVIDER (left out when
 * provider_id is NULL), TYPE, HOST, PORT, SOCKET, AUTH, USERNAME,
 * PRIORITY, DOMAIN ("*all*" when not bound to one).
 */
struct sv_cli_table;
void sv_cli_table_add_server(struct sv_cli_table *t,
	const char *provider_id, const struct sv_server *s);

/*
 * Prints the servers of pvs (n providers) as `server list` does: a JSON
 * array of sv_cli_server_json objects, or a table. An exit code.
 */
int sv_cli_print_servers(const char *cmd, struct sv_provider **pvs,
	size_t n, bool json);

#endif
