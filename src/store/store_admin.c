/* SPDX-License-Identifier: MIT */
/*
 * The admin commands' mutations (suivant provider|domain|server|service
 * ...): the server and service rows here, providers and their domains in
 * store_admin_provider.c.
 *
 * Each one follows the same recipe, inside store_write_begin/end (the
 * caller's transaction or its own BEGIN IMMEDIATE, plus a savepoint):
 * check that what it names exists, load the affected provider
 * (store_load with a filter: one provider's rows, not the whole
 * database), apply the change to the model in memory, validate the
 * result with sv_provider_validate, then write only the rows that change.
 * Validating the whole edited provider means the CLI, the importer and
 * `suivant check` share one validator; writing only the changed rows
 * keeps server ids stable (a rewritten server is deleted and inserted
 * again under its own id), and keeps `domain add` cheap for a hoster with
 * many domains.
 *
 * The one departure from sv_provider_validate: a provider may have no
 * domain yet (sv_check_validate_draft), because admins create a provider
 * first and add its domains after.
 *
 * Ownership: loaded providers are owned here and destroyed before
 * returning; caller strings are borrowed for the call.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "model/check.h"
#include "store/store_internal.h"
#include "util/alloc.h"

/* ------------------------------------------------------------------ */
/* Validation                                                         */

/*
 * The validator names servers and services by their position ("server 3
 * (imap): ..."), which means nothing to an admin: name them by their id,
 * as `server list` shows them, or "new server" for one not stored yet.
 */
static void name_rows(enum store_kind k,
		const struct sv_provider *pv, struct sv_err *err) {
	const char *what = store_kind_what(k);
	size_t len = strlen(what);
	unsigned long n = 0;
	int used = 0;
	if (err == NULL || strncmp(err->msg, what, len) != 0 ||
			err->msg[len] != ' ' || sscanf(err->msg + len + 1,
			"%lu (%n", &n, &used) != 1 || used == 0 || n == 0 ||
			n > store_kind_count(k, pv)) {
		return;
	}
	char rest[SV_ERR_MSG_MAX];
	snprintf(rest, sizeof(rest), "%s", err->msg + len + used);
	int64_t id = *store_kind_id(k, store_kind_row(k, pv, n - 1));
	if (id != 0) {
		sv_errf(err, SV_EINVAL, "%s %lld %s", what, (long long)id,
			rest);
	} else {
		sv_errf(err, SV_EINVAL, "new %s %s", what, rest);
	}
}

/*
 * sv_provider_validate, except that pv may have no domain yet
 * (sv_check_validate_draft), with servers and services named by their
 * ids.
 */
int store_admin_validate(const struct sv_provider *pv, struct sv_err *err) {
	int rc = sv_check_validate_draft(pv, err);
	if (rc == SV_EINVAL) {
		name_rows(STORE_SERVER, pv, err);
		name_rows(STORE_SERVICE, pv, err);
	}
	return rc;
}

/* A server or service bound to domain needs that domain to be pv's. */
int store_admin_check_bound_domain(const struct sv_provider *pv,
		const char *domain, struct sv_err *err) {
	if (domain == NULL || sv_provider_has_domain(pv, domain)) {
		return SV_OK;
	}
	return sv_errf(err, SV_EINVAL, "domain: %s is not a domain of "
		"provider %s (see suivant domain list --provider %s)",
		domain, pv->id, pv->id);
}

/* ------------------------------------------------------------------ */
/* Reads                                                              */

int sv_store_load_provider(struct sv_store *st, const char *id,
		struct sv_provider **out, struct sv_err *err) {
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	*out = NULL;
	int rc = store_load(st, id, &pvs, &n, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (n == 0) {
		sv_free(pvs);
		return sv_errf(err, SV_ENOTFOUND, "no provider %s", id);
	}
	*out = pvs[0]; /* n is 1: ids are unique */
	sv_free(pvs);
	return SV_OK;
}

/*
 * Loads the provider that owns row id of what's table ("server",
 * "service": a constant; the table is its plural), into *out (owned).
 */
static int load_owner(struct sv_store *st, const char *what, int64_t id,
		struct sv_provider **out, struct sv_err *err) {
	char sql[64], *owner = NULL;
	snprintf(sql, sizeof(sql), "SELECT provider_id FROM %ss WHERE id = ?1",
		what);
	int rc = store_query_must(st->db, sql, NULL, id, &owner, what, err);
	if (rc == SV_OK) {
		rc = sv_store_load_provider(st, owner, out, err);
	}
	sv_free(owner);
	return rc;
}

/* The row existed but did not load: only a concurrent writer outside
 * any transaction could do that. */
static int vanished(struct sv_provider **out, const char *what, int64_t id,
		struct sv_err *err) {
	sv_provider_destroy(*out);
	*out = NULL;
	return sv_errf(err, SV_EDB, "store: %s %lld vanished", what,
		(long long)id);
}

/* sv_store_load_server and sv_store_load_service. */
static int load_row(struct sv_store *st, enum store_kind k,
		int64_t id, struct sv_provider **out, size_t *idx,
		struct sv_err *err) {
	*out = NULL;
	int rc = load_owner(st, store_kind_what(k), id, out, err);
	if (rc != SV_OK) {
		return rc;
	}
	for (size_t i = 0; i < store_kind_count(k, *out); i++) {
		if (*store_kind_id(k, store_kind_row(k, *out, i)) == id) {
			*idx = i;
			return SV_OK;
		}
	}
	return vanished(out, store_kind_what(k), id, err);
}

/* Writes row idx of pv (keeping its id when keep_ids). */
static int put_one(struct sv_store *st, enum store_kind k,
		struct sv_provider *pv, size_t idx, bool keep_ids, int64_t *id,
		struct sv_err *err) {
	struct store_putter p = { .db = st->db, .pv = pv,
		.keep_ids = keep_ids };
	int rc = store_putter_prepare(&p, err);
	if (rc == SV_OK) {
		rc = store_put_row(&p, k, idx, id, err);
	}
	store_putter_finish(&p);
	return rc;
}

/* sv_store_server_add and sv_store_service_add; domain is row's. */
static int row_add(struct sv_store *st, enum store_kind k,
		const char *provider_id, const void *row, const char *domain,
		int64_t *id, struct sv_err *err) {
	struct sv_provider *pv = NULL;
	int rc = store_write_begin(st, err);
	if (rc == SV_OK) {
		rc = sv_store_load_provider(st, provider_id, &pv, err);
	}
	if (rc == SV_OK) {
		rc = store_admin_check_bound_domain(pv, domain, err);
	}
	union store_row empty; /* the new slot's row, until row is copied in */
	memset(&empty, 0, sizeof(empty));
	if (rc == SV_OK && store_kind_move(k, pv, &empty) != SV_OK) {
		rc = sv_errf(err, SV_ENOMEM, "store: out of memory");
	}
	if (rc == SV_OK) {
		/* row in the new slot, borrowed until cleared, with id 0
		 * ("new server" in messages) */
		size_t idx = store_kind_count(k, pv) - 1;
		void *slot = store_kind_row(k, pv, idx);
		memcpy(slot, row, store_kind_size(k));
		*store_kind_id(k, slot) = 0;
		rc = store_admin_validate(pv, err);
		if (rc == SV_OK) {
			rc = put_one(st, k, pv, idx, false, id, err);
		}
		memset(slot, 0, store_kind_size(k));
	}
	sv_provider_destroy(pv);
	return store_write_end(st, rc, err);
}

/* sv_store_server_set and sv_store_service_set; domain is row's. */
static int row_set(struct sv_store *st, enum store_kind k,
		const void *row, const char *domain, struct sv_err *err) {
	struct sv_provider *pv = NULL;
	size_t idx = 0;
	int64_t id = *store_kind_id(k, row);
	int rc = store_write_begin(st, err);
	if (rc == SV_OK) {
		rc = load_row(st, k, id, &pv, &idx, err);
	}
	if (rc == SV_OK) {
		rc = store_admin_check_bound_domain(pv, domain, err);
	}
	if (rc == SV_OK) {
		/* row in place of the stored one, borrowed until restored */
		union store_row saved;
		void *slot = store_kind_row(k, pv, idx);
		memcpy(&saved, slot, store_kind_size(k));
		memcpy(slot, row, store_kind_size(k));
		rc = store_admin_validate(pv, err);
		if (rc == SV_OK) {
			char sql[64];
			snprintf(sql, sizeof(sql), "DELETE FROM %ss WHERE "
				"id = ?1", store_kind_what(k));
			rc = store_run_keyed(st->db, sql, NULL, id, err);
		}
		if (rc == SV_OK) {
			rc = put_one(st, k, pv, idx, true, NULL, err);
		}
		memcpy(slot, &saved, store_kind_size(k));
	}
	sv_provider_destroy(pv);
	return store_write_end(st, rc, err);
}

int sv_store_load_server(struct sv_store *st, int64_t id,
		struct sv_provider **out, size_t *idx, struct sv_err *err) {
	return load_row(st, STORE_SERVER, id, out, idx, err);
}

int sv_store_domain_owner(struct sv_store *st, const char *name,
		char **provider_id, struct sv_err *err) {
	return store_query_must(st->db, "SELECT provider_id FROM domains"
		" WHERE name = ?1 UNION ALL SELECT provider_id FROM domain_mx"
		" WHERE name = ?1", name, 0, provider_id, "domain", err);
}

/* ------------------------------------------------------------------ */
/* Servers                                                            */

int sv_store_server_add(struct sv_store *st, const char *provider_id,
		const struct sv_server *s, int64_t *id, struct sv_err *err) {
	return row_add(st, STORE_SERVER, provider_id, s, s->domain, id, err);
}

int sv_store_server_set(struct sv_store *st, const struct sv_server *s,
		struct sv_err *err) {
	return row_set(st, STORE_SERVER, s, s->domain, err);
}

/*
 * Ends a removal's write (store_write_end) and, when it succeeded, hands
 * owner, the removed row's provider id, to *provider_id (may be NULL);
 * owner is freed otherwise.
 */
int store_admin_end_handing_owner(struct sv_store *st, int rc, char *owner,
		char **provider_id, struct sv_err *err) {
	rc = store_write_end(st, rc, err);
	if (rc == SV_OK && provider_id != NULL) {
		*provider_id = owner;
		owner = NULL;
	}
	sv_free(owner);
	return rc;
}

/*
 * Removes row id of kind k; *provider_id (may be NULL) receives its former
 * owner.
 */
static int rm_row(struct sv_store *st, enum store_kind k, int64_t id,
		char **provider_id, struct sv_err *err) {
	const char *what = store_kind_what(k); /* its table is the plural */
	char sql[64], *owner = NULL;
	int rc = store_write_begin(st, err);
	if (rc == SV_OK) {
		snprintf(sql, sizeof(sql), "SELECT provider_id FROM %ss"
			" WHERE id = ?1", what);
		rc = store_query_must(st->db, sql, NULL, id, &owner, what,
			err);
	}
	if (rc == SV_OK) {
		snprintf(sql, sizeof(sql), "DELETE FROM %ss WHERE id = ?1",
			what);
		rc = store_run_keyed(st->db, sql, NULL, id, err);
	}
	return store_admin_end_handing_owner(st, rc, owner, provider_id, err);
}

int sv_store_server_rm(struct sv_store *st, int64_t id, char **provider_id,
		struct sv_err *err) {
	return rm_row(st, STORE_SERVER, id, provider_id, err);
}

/* ------------------------------------------------------------------ */
/* Services                                                           */

int sv_store_load_service(struct sv_store *st, int64_t id,
		struct sv_provider **out, size_t *idx, struct sv_err *err) {
	return load_row(st, STORE_SERVICE, id, out, idx, err);
}

int sv_store_service_add(struct sv_store *st, const char *provider_id,
		const struct sv_service *s, int64_t *id, struct sv_err *err) {
	return row_add(st, STORE_SERVICE, provider_id, s, s->domain, id, err);
}

int sv_store_service_set(struct sv_store *st, const struct sv_service *s,
		struct sv_err *err) {
	return row_set(st, STORE_SERVICE, s, s->domain, err);
}

int sv_store_service_rm(struct sv_store *st, int64_t id, char **provider_id,
		struct sv_err *err) {
	return rm_row(st, STORE_SERVICE, id, provider_id, err);
}
