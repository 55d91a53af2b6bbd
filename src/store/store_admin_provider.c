/* SPDX-License-Identifier: MIT */
/*
 * The admin commands' mutations of providers and of their domains
 * (suivant provider|domain add|set|rm), by the recipe store_admin.c
 * describes; the server and service rows, and the helpers these share
 * with them, are in store_admin.c (store_internal.h).
 *
 * Ownership: loaded providers are owned here and destroyed before
 * returning; caller strings are borrowed for the call.
 */
#include "store/store_internal.h"
#include "util/alloc.h"

/* ------------------------------------------------------------------ */
/* Providers                                                          */

int sv_store_provider_add(struct sv_store *st, const struct sv_provider *pv,
		struct sv_err *err) {
	int rc = store_admin_validate(pv, err);
	for (size_t i = 0; rc == SV_OK && i < pv->n_servers; i++) {
		rc = store_admin_check_bound_domain(pv,
			pv->servers[i].domain, err);
	}
	if (rc != SV_OK) {
		return rc;
	}
	bool found = false;
	rc = store_write_begin(st, err);
	if (rc == SV_OK) {
		rc = store_query_one(st->db, "SELECT 1 FROM providers"
			" WHERE id = ?1", pv->id, 0, NULL, NULL, &found, err);
	}
	if (rc == SV_OK && found) {
		rc = sv_errf(err, SV_EEXIST, "provider %s already exists",
			pv->id);
	}
	if (rc == SV_OK) {
		struct store_putter p = { .db = st->db, .pv = pv };
		rc = store_put_rows(&p, err);
	}
	return store_write_end(st, rc, err);
}

static const char update_provider_sql[] =
	"UPDATE providers SET display_name = ?2, short_name = ?3,"
	" webmail_login_page = ?4, webmail_info_url = ?5,"
	" webmail_username = ?6, webmail_username_field_id = ?7,"
	" webmail_username_field_name = ?8, webmail_password_field_id = ?9,"
	" webmail_password_field_name = ?10, webmail_login_button_id = ?11,"
	" webmail_login_button_name = ?12, oauth2_issuer = ?13,"
	" oauth2_scope = ?14, oauth2_auth_url = ?15, oauth2_token_url = ?16,"
	" webmail_wait_redirect_prefix = ?17, publish_plaintext = ?18"
	" WHERE id = ?1";

static int update_provider_row(sqlite3 *db, const struct sv_provider *pv,
		struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = store_prepare(db, update_provider_sql, &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = SQLITE_OK;
	store_bind_provider_row(s, pv, &src);
	rc = src != SQLITE_OK ? store_db_fail(db, src, err, "store: bind")
		: store_step_done(db, s, err, "provider %s", pv->id);
	store_finalize(s);
	return rc;
}

int sv_store_provider_set(struct sv_store *st, const struct sv_provider *pv,
		struct sv_err *err) {
	struct sv_provider *stored = NULL;
	int rc = store_write_begin(st, err);
	if (rc == SV_OK) {
		rc = sv_store_load_provider(st, pv->id, &stored, err);
	}
	/* pv's provider-level fields with the stored domains and servers */
	struct sv_provider view = *pv;
	if (rc == SV_OK) {
		view.domains = stored->domains;
		view.n_domains = stored->n_domains;
		view.servers = stored->servers;
		view.n_servers = stored->n_servers;
		rc = store_admin_validate(&view, err);
	}
	if (rc == SV_OK) {
		rc = update_provider_row(st->db, &view, err);
	}
	if (rc == SV_OK) { /* cascades to link_texts */
		rc = store_run_keyed(st->db,
			"DELETE FROM links WHERE provider_id = ?1", pv->id, 0,
			err);
	}
	if (rc == SV_OK && view.n_links > 0) {
		struct store_putter p = { .db = st->db, .pv = &view };
		rc = store_putter_prepare(&p, err);
		for (size_t i = 0; rc == SV_OK && i < view.n_links; i++) {
			rc = store_put_link(&p, i, err);
		}
		store_putter_finish(&p);
	}
	sv_provider_destroy(stored);
	return store_write_end(st, rc, err);
}

/*
 * Counts into *r what the removal of provider key, or of domain row key
 * (by_domain), takes with it: one query per count, in order, until one
 * fails; a count without a query for that removal is left as it is.
 */
static int count_removed(sqlite3 *db, const char *key, bool by_domain,
		struct sv_store_removed *r, struct sv_err *err) {
	const struct {
		const char *by_provider, *by_domain; /* ?1 is the key */
		int64_t *n;
	} q[] = {
		{ "SELECT (SELECT count(*) FROM domains WHERE provider_id = ?1)"
			" + (SELECT count(*) FROM domain_mx"
			" WHERE provider_id = ?1)", NULL, &r->domains },
		{ "SELECT count(*) FROM servers WHERE provider_id = ?1",
			"SELECT count(*) FROM servers WHERE domain = ?1",
			&r->servers },
		{ "SELECT count(*) FROM links WHERE provider_id = ?1", NULL,
			&r->links },
		{ "SELECT count(*) FROM services WHERE provider_id = ?1",
			"SELECT count(*) FROM services WHERE domain = ?1",
			&r->services },
	};
	int rc = SV_OK;
	for (size_t i = 0; i < sizeof(q) / sizeof(*q) && rc == SV_OK; i++) {
		const char *sql = by_domain ? q[i].by_domain : q[i].by_provider;
		if (sql != NULL) {
			rc = store_count_of(db, sql, key, q[i].n, err);
		}
	}
	return rc;
}

int sv_store_provider_rm(struct sv_store *st, const char *id,
		struct sv_store_removed *out, struct sv_err *err) {
	struct sv_store_removed r = { 0 };
	int rc = store_write_begin(st, err);
	if (rc == SV_OK) {
		rc = store_query_must(st->db, "SELECT 1 FROM providers"
			" WHERE id = ?1", id, 0, NULL, "provider", err);
	}
	if (rc == SV_OK) {
		rc = count_removed(st->db, id, false, &r, err);
	}
	if (rc == SV_OK) { /* cascades to everything the provider owns */
		rc = store_run_keyed(st->db,
			"DELETE FROM providers WHERE id = ?1", id, 0, err);
	}
	rc = store_write_end(st, rc, err);
	if (rc == SV_OK && out != NULL) {
		*out = r;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Domains                                                            */

/* SV_EEXIST naming the owner when domain row name exists. */
static int check_domain_free(sqlite3 *db, const char *name,
		struct sv_err *err) {
	char *owner = NULL;
	bool found;
	int rc = store_query_one(db, "SELECT provider_id FROM domains"
		" WHERE name = ?1 UNION ALL SELECT provider_id FROM domain_mx"
		" WHERE name = ?1", name, 0, &owner, NULL, &found, err);
	if (rc == SV_OK && found) {
		rc = sv_errf(err, SV_EEXIST, "domain %s already belongs to "
			"provider %s", name, owner);
	}
	sv_free(owner);
	return rc;
}

static int insert_domain(sqlite3 *db, const char *provider_id,
		const char *name, struct sv_err *err) {
	int64_t pos = 0;
	int rc = store_count_of(db, "SELECT coalesce(max(p) + 1, 0) FROM"
		" (SELECT max(position) AS p FROM domains WHERE provider_id = ?1"
		" UNION ALL SELECT max(position) FROM domain_mx"
		" WHERE provider_id = ?1)", provider_id, &pos, err);
	if (rc != SV_OK) {
		return rc;
	}
	sqlite3_stmt *s;
	rc = store_prepare(db, sv_is_mx_prefixed(name) ?
		"INSERT INTO domain_mx (name, provider_id, position)"
		" VALUES (?1, ?2, ?3)" :
		"INSERT INTO domains (name, provider_id, position)"
		" VALUES (?1, ?2, ?3)", &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = SQLITE_OK;
	store_bind_text(s, 1, name, &src);
	store_bind_text(s, 2, provider_id, &src);
	store_bind_int(s, 3, pos, &src);
	rc = src != SQLITE_OK ? store_db_fail(db, src, err, "store: bind")
		: store_step_done(db, s, err, "domain %s", name);
	store_finalize(s);
	return rc;
}

int sv_store_domain_add(struct sv_store *st, const char *provider_id,
		const char *name, struct sv_err *err) {
	struct sv_provider *pv = NULL;
	int rc = store_write_begin(st, err);
	if (rc == SV_OK) {
		rc = sv_store_load_provider(st, provider_id, &pv, err);
	}
	if (rc == SV_OK) {
		rc = check_domain_free(st->db, name, err);
	}
	if (rc == SV_OK && sv_provider_add_domain(pv, name) != SV_OK) {
		rc = sv_errf(err, SV_ENOMEM, "store: out of memory");
	}
	if (rc == SV_OK) {
		rc = store_admin_validate(pv, err);
	}
	if (rc == SV_OK) {
		rc = insert_domain(st->db, provider_id, name, err);
	}
	sv_provider_destroy(pv);
	return store_write_end(st, rc, err);
}

int sv_store_domain_rm(struct sv_store *st, const char *name,
		char **provider_id, struct sv_store_removed *out,
		struct sv_err *err) {
	struct sv_store_removed r = { .domains = 1 };
	char *owner = NULL;
	int rc = store_write_begin(st, err);
	if (rc == SV_OK) {
		rc = sv_store_domain_owner(st, name, &owner, err);
	}
	if (rc == SV_OK) {
		rc = count_removed(st->db, name, true, &r, err);
	}
	if (rc == SV_OK) { /* cascades to the servers and services bound
	                    * to it */
		rc = store_run_keyed(st->db, sv_is_mx_prefixed(name) ?
			"DELETE FROM domain_mx WHERE name = ?1" :
			"DELETE FROM domains WHERE name = ?1", name, 0, err);
	}
	rc = store_admin_end_handing_owner(st, rc, owner, provider_id, err);
	if (rc == SV_OK && out != NULL) {
		*out = r;
	}
	return rc;
}
