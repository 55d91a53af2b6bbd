/* SPDX-License-Identifier: MIT */
/*
 * Servers and services, the two kinds of row a provider holds by id with
 * their auth methods: what differs between them, looked up by kind, so
 * that loading, writing and editing them are written once.
 */
#include "store/store_internal.h"

const char *store_kind_what(enum store_kind k) {
	return k == STORE_SERVER ? "server" : "service";
}

size_t store_kind_size(enum store_kind k) {
	return k == STORE_SERVER ? sizeof(struct sv_server)
		: sizeof(struct sv_service);
}

size_t store_kind_count(enum store_kind k, const struct sv_provider *pv) {
	return k == STORE_SERVER ? pv->n_servers : pv->n_services;
}

void *store_kind_row(enum store_kind k, const struct sv_provider *pv,
		size_t i) {
	return k == STORE_SERVER ? (void *)&pv->servers[i]
		: (void *)&pv->services[i];
}

int64_t *store_kind_id(enum store_kind k, const void *row) {
	return k == STORE_SERVER ? &((struct sv_server *)row)->id
		: &((struct sv_service *)row)->id;
}

size_t *store_kind_n_auth(enum store_kind k, const void *row) {
	return k == STORE_SERVER ? &((struct sv_server *)row)->n_auth
		: &((struct sv_service *)row)->n_auth;
}

const char *store_kind_type_name(enum store_kind k, const void *row) {
	return k == STORE_SERVER ?
		sv_server_type_name(((const struct sv_server *)row)->type) :
		sv_service_type_name(((const struct sv_service *)row)->type);
}

int store_kind_type_parse(enum store_kind k, void *row, const char *name) {
	return k == STORE_SERVER ?
		sv_server_type_parse(name, &((struct sv_server *)row)->type) :
		sv_service_type_parse(name, &((struct sv_service *)row)->type);
}

const char *store_kind_auth_name(enum store_kind k, const void *row,
		size_t i) {
	return k == STORE_SERVER ?
		sv_auth_name(((const struct sv_server *)row)->auth[i]) :
		sv_service_auth_name(((const struct sv_service *)row)->auth[i]);
}

int store_kind_auth_parse(enum store_kind k, void *row, size_t i,
		const char *name) {
	return k == STORE_SERVER ?
		sv_auth_parse(name, &((struct sv_server *)row)->auth[i]) :
		sv_service_auth_parse(name,
			&((struct sv_service *)row)->auth[i]);
}

int store_kind_move(enum store_kind k, struct sv_provider *pv, void *row) {
	return k == STORE_SERVER ? sv_provider_add_server(pv, row, NULL)
		: sv_provider_add_service(pv, row, NULL);
}

void store_kind_finish(enum store_kind k, void *row) {
	if (k == STORE_SERVER) {
		sv_server_finish(row);
	} else {
		sv_service_finish(row);
	}
}
