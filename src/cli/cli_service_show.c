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

#include "cli/cli_service_show.h"
#include "cli/cli_output.h"
#include "cli/cli_write.h"
#include "model/model.h"

/* The names of s's auth methods, in order, into names; names. */
static const char **auth_names(const struct sv_service *s,
		const char **names) {
	for (size_t i = 0; i < s->n_auth; i++) {
		names[i] = sv_service_auth_name(s->auth[i]);
	}
	return names;
}

struct json_t *sv_cli_service_json(const char *provider_id,
		const struct sv_service *s) {
	const char *names[SV_MODEL_MAX_AUTH];
	json_t *auth = sv_cli_json_names(auth_names(s, names), s->n_auth);
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
	const char *names[SV_MODEL_MAX_AUTH];
	sv_cli_join(auth, sizeof(auth), auth_names(s, names), s->n_auth);
	const char *cells[] = {
		id, pid, sv_service_type_name(s->type), s->url, auth,
		s->username, prio, s->domain != NULL ? s->domain : "*all*",
	};
	sv_cli_table_add_owned(t, pid, cells);
}

int sv_cli_print_services(const char *cmd, struct sv_provider **pvs,
		size_t n, bool json) {
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr != NULL && i < n; i++) {
			for (size_t k = 0; arr != NULL &&
					k < pvs[i]->n_services; k++) {
				arr = sv_cli_json_push(arr, sv_cli_service_json(
					pvs[i]->id, &pvs[i]->services[k]));
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
