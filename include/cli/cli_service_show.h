/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_SERVICE_SHOW_H
#define SUIVANT_CLI_SERVICE_SHOW_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

/*
 * The contract of src/cli/cli_service_show.c: how `service list` (and
 * `provider show`) show a service, as JSON or as a table row. The
 * services are borrowed; a JSON value returned is a new reference, the
 * caller's.
 */

struct json_t;
struct sv_cli_table;
struct sv_provider;

/*
 * A service as `service list --json` shows it: id, provider, type, url,
 * auth (array), username, priority, domain (null = every domain of the
 * provider), insecure. A new reference, or NULL on allocation failure.
 */
struct json_t *sv_cli_service_json(const char *provider_id,
	const struct sv_service *s);

/*
 * Appends s to a `service list` table: ID, PROVIDER (left out when
 * provider_id is NULL), TYPE, URL, AUTH, USERNAME, PRIORITY, DOMAIN
 * ("*all*" when not bound to one).
 */
void sv_cli_table_add_service(struct sv_cli_table *t,
	const char *provider_id, const struct sv_service *s);

/* Prints the services of pvs as `service list` does; an exit code. */
int sv_cli_print_services(const char *cmd, struct sv_provider **pvs,
	size_t n, bool json);

#endif
