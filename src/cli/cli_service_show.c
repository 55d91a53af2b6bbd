/* SPDX-License-Identifier: MIT */
/*
 * How `service list` shows services, as JSON objects or table rows;
 * shared with `provider show`, which lists a provider's services the same
 * way (as cli_server_show.c does for servers).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli.h"
#include "model/model.h"

struct json_t *sv_cli_service_json(const char *provider_id,
		const struct sv_service *s) {
	json_t *auth = json_array();
	for (size_t i = 0; auth != NULL && i < s->n_auth; i++) {
		if (json_array_append_new(auth, json_string(
				sv_service_auth_name(s->auth[i]))) != 0) {
			json_decref(auth);
			auth = NULL;
		}
	}
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s?, s:i, s:s?, s:b}",
		"id", (json_int_t)s->id, "provider", provider_id,
		"type", sv_service_type_name(s->type), "url", s->url,
		"auth", auth, "username", s->username,
		"priority", s->priority, "domain", s->domain,
		"insecure", s->insecure);
}

void sv_cli_table_add_service(struct sv_cli_table *t, const char *pid,
		const struct sv_service *s) {
	char id[24], prio[16], auth[128] = "";
	snprintf(id, sizeof(id), "%lld", (long long)s->id);
	snprintf(prio, sizeof(prio), "%d", s->priority);
	size_t len = 0;
	for (size_t i = 0; i < s->n_auth; i++) {
		int n = snprintf(auth + len, sizeof(auth) - len, "%s%s",
			i > 0 ? "," : "", sv_service_auth_name(s->auth[i]));
		if (n < 0 || (size_t)n >= sizeof(auth) - len) {
			break;
		}
		len += (size_t)n;
	}
	const char *cells[] = {
		id, pid, sv_service_type_name(s->type), s->url, auth,
		s->username, prio, s->domain != NULL ? s->domain : "*all*",
	};
	if (pid == NULL) { /* no provider column */
		memmove(&cells[1], &cells[2], sizeof(cells) - 2 * sizeof(*cells));
	}
	sv_cli_table_add(t, cells);
}

int sv_cli_print_services(const char *cmd, struct sv_provider **pvs,
		size_t n, bool json) {
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr != NULL && i < n; i++) {
			for (size_t k = 0; k < pvs[i]->n_services; k++) {
				if (json_array_append_new(arr,
						sv_cli_service_json(pvs[i]->id,
						&pvs[i]->services[k])) != 0) {
					json_decref(arr);
					arr = NULL;
					break;
				}
			}
		}
		return sv_cli_print_json(cmd, arr);
	}
	struct sv_cli_table t;
	sv_cli_table_init(&t, 8);
	sv_cli_table_add(&t, (const char *const[]){ "ID", "PROVIDER", "TYPE",
		"URL", "AUTH", "USERNAME", "PRIORITY", "DOMAIN" });
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < pvs[i]->n_services; k++) {
			sv_cli_table_add_service(&t, pvs[i]->id,
				&pvs[i]->services[k]);
		}
	}
	return sv_cli_table_emit(cmd, &t);
}
