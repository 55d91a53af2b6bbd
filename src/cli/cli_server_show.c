/* SPDX-License-Identifier: MIT */
/*
 * How `server list` shows servers, as JSON objects or table rows; shared
 * with `provider show`, which lists a provider's servers the same way so
 * that scripts can read both alike.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli_server_show.h"
#include "cli/cli_output.h"
#include "cli/cli_write.h"
#include "model/model.h"

/* The names of s's auth methods, in order, into names; names. */
static const char **auth_names(const struct sv_server *s,
		const char **names) {
	for (size_t i = 0; i < s->n_auth; i++) {
		names[i] = sv_auth_name(s->auth[i]);
	}
	return names;
}

struct json_t *sv_cli_server_json(const char *provider_id,
		const struct sv_server *s) {
	const char *names[SV_MODEL_MAX_AUTH];
	json_t *auth = sv_cli_json_names(auth_names(s, names), s->n_auth);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s?, s:o?, s:s?, s:o, s:s?,"
		" s:i, s:s?}",
		"id", (json_int_t)s->id, "provider", provider_id,
		"type", sv_server_type_name(s->type),
		"host", s->hostname,
		"port", s->port != 0 ? json_integer(s->port) : NULL,
		"socket", s->socket != SV_SOCKET_NONE ?
			sv_socket_name(s->socket) : NULL,
		"auth", auth, "username", s->username,
		"priority", s->priority, "domain", s->domain);
	if (o != NULL && s->url != NULL &&
			json_object_set_new(o, "url", json_string(s->url)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

void sv_cli_table_add_server(struct sv_cli_table *t, const char *pid,
		const struct sv_server *s) {
	char id[24], port[16], prio[16], auth[256] = "";
	snprintf(id, sizeof(id), "%lld", (long long)s->id);
	snprintf(port, sizeof(port), "%d", s->port);
	snprintf(prio, sizeof(prio), "%d", s->priority);
	const char *names[SV_MODEL_MAX_AUTH];
	sv_cli_join(auth, sizeof(auth), auth_names(s, names), s->n_auth);
	const char *cells[] = {
		id, pid, sv_server_type_name(s->type),
		s->hostname != NULL ? s->hostname : s->url,
		s->port != 0 ? port : NULL,
		s->socket != SV_SOCKET_NONE ? sv_socket_name(s->socket) : NULL,
		auth, s->username, prio, s->domain != NULL ? s->domain : "*all*",
	};
	sv_cli_table_add_owned(t, pid, cells);
}

int sv_cli_print_servers(const char *cmd, struct sv_provider **pvs,
		size_t n, bool json) {
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr != NULL && i < n; i++) {
			for (size_t k = 0; arr != NULL && k < pvs[i]->n_servers;
					k++) {
				arr = sv_cli_json_push(arr, sv_cli_server_json(
					pvs[i]->id, &pvs[i]->servers[k]));
			}
		}
		return sv_cli_print_json(cmd, arr);
	}
	struct sv_cli_table t;
	sv_cli_table_init(&t, 10);
	sv_cli_table_add(&t, (const char *const[]){ "ID", "PROVIDER", "TYPE",
		"HOST", "PORT", "SOCKET", "AUTH", "USERNAME", "PRIORITY",
		"DOMAIN" });
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < pvs[i]->n_servers; k++) {
			sv_cli_table_add_server(&t, pvs[i]->id,
				&pvs[i]->servers[k]);
		}
	}
	return sv_cli_table_emit(cmd, &t);
}
