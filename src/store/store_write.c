/* SPDX-License-Identifier: MIT */
/*
 * The store's writer: model to rows. sv_store_put_provider replaces a
 * provider as a whole (delete with cascade, then insert every row) under
 * the savepoint of store_write_begin, which nests inside a caller's
 * transaction, and rolls back to it on any failure. The admin mutations
 * (store_admin.c) reuse the same INSERTs through struct store_putter, one
 * row set at a time; with keep_ids a rewritten server keeps its row id.
 *
 * Ownership: a putter borrows its provider and owns its prepared
 * statements until store_putter_finish. Strings are bound SQLITE_STATIC:
 * they borrow from the provider for one sqlite3_step.
 */
#include <string.h>

#include "store/store_internal.h"
#include "util/alloc.h"

static const char *const put_sql[PUT_COUNT] = {
	[PUT_OWNER] = "SELECT provider_id FROM domains WHERE name = ?1"
		" UNION ALL SELECT provider_id FROM domain_mx WHERE name = ?1",
	[PUT_DELETE] = "DELETE FROM providers WHERE id = ?1",
	[PUT_PROVIDER] = "INSERT INTO providers (id, display_name,"
		" short_name, webmail_login_page, webmail_info_url,"
		" webmail_username, webmail_username_field_id,"
		" webmail_username_field_name, webmail_password_field_id,"
		" webmail_password_field_name, webmail_login_button_id,"
		" webmail_login_button_name, oauth2_issuer, oauth2_scope,"
		" oauth2_auth_url, oauth2_token_url,"
		" webmail_wait_redirect_prefix, publish_plaintext)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" ?13, ?14, ?15, ?16, ?17, ?18)",
	[PUT_DOMAIN] = "INSERT INTO domains (name, provider_id, position)"
		" VALUES (?1, ?2, ?3)",
	[PUT_DOMAIN_MX] = "INSERT INTO domain_mx (name, provider_id,"
		" position) VALUES (?1, ?2, ?3)",
	/* id NULL: SQLite picks a new one (AUTOINCREMENT: never reused) */
	[PUT_SERVER] = "INSERT INTO servers (provider_id, type, hostname,"
		" port, socket, username, priority, domain, url, owa_url,"
		" ews_url, has_pop3, pop3_leave_on_server, pop3_days_to_leave,"
		" pop3_download_on_biff, pop3_check_interval_min,"
		" use_global_preferred_server, add_this_server, restriction,"
		" id)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
	[PUT_AUTH] = "INSERT INTO server_auth (server_id, position, method)"
		" VALUES (?1, ?2, ?3)",
	[PUT_LINK] = "INSERT INTO links (provider_id, kind, position, url)"
		" VALUES (?1, ?2, ?3, ?4)",
	[PUT_TEXT] = "INSERT INTO link_texts (link_id, position, lang, text)"
		" VALUES (?1, ?2, ?3, ?4)",
	[PUT_SERVICE] = "INSERT INTO services (provider_id, type, url,"
		" username, priority, domain, insecure, id)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[PUT_SERVICE_AUTH] = "INSERT INTO service_auth (service_id, position,"
		" method) VALUES (?1, ?2, ?3)",
};

int store_putter_prepare(struct store_putter *p, struct sv_err *err) {
	int rc = SV_OK;
	for (size_t i = 0; rc == SV_OK && i < PUT_COUNT; i++) {
		rc = store_prepare(p->db, put_sql[i], &p->s[i], err);
	}
	return rc;
}

int store_putter_prepare_cached(struct sv_store *st, struct store_putter *p,
		struct sv_err *err) {
	if (st->put_cache == NULL) {
		sqlite3_stmt **cache = sv_calloc(PUT_COUNT, sizeof(*cache));
		if (cache == NULL) {
			return sv_errf(err, SV_ENOMEM, "store: out of memory");
		}
		int rc = SV_OK;
		for (size_t i = 0; rc == SV_OK && i < PUT_COUNT; i++) {
			rc = store_prepare(p->db, put_sql[i], &cache[i], err);
		}
		if (rc != SV_OK) {
			for (size_t i = 0; i < PUT_COUNT; i++) {
				store_finalize(cache[i]);
			}
			sv_free(cache);
			return rc;
		}
		st->put_cache = cache;
	}
	memcpy(p->s, st->put_cache, sizeof(p->s));
	p->cached = true;
	return SV_OK;
}

void store_putter_finish(struct store_putter *p) {
	for (size_t i = 0; i < PUT_COUNT; i++) {
		if (p->cached && p->s[i] != NULL) {
			/* results already handled; SQLITE_STATIC strings must
			 * not stay bound past their provider */
			int src = sqlite3_reset(p->s[i]);
			(void)src;
			src = sqlite3_clear_bindings(p->s[i]);
			(void)src;
		} else {
			store_finalize(p->s[i]);
		}
		p->s[i] = NULL;
	}
	p->cached = false;
}

static int bind_fail(struct store_putter *p, int src, struct sv_err *err,
		const char *what) {
	return store_db_fail(p->db, src, err, "provider %s: %s: bind",
		p->pv->id, what);
}

/* SV_EEXIST when a domain of pv is owned by another provider. */
int store_put_check_owners(struct store_putter *p, struct sv_err *err) {
	sqlite3_stmt *s = p->s[PUT_OWNER];
	for (size_t i = 0; i < p->pv->n_domains; i++) {
		const char *name = p->pv->domains[i];
		int src = SQLITE_OK;
		store_bind_text(s, 1, name, &src);
		if (src != SQLITE_OK) {
			return bind_fail(p, src, err, "domain");
		}
		int rc = SV_OK;
		src = sqlite3_step(s);
		if (src == SQLITE_ROW) {
			const char *owner =
				(const char *)sqlite3_column_text(s, 0);
			if (owner == NULL) {
				rc = store_db_fail(p->db, SQLITE_NOMEM, err,
					"store: domain owner");
			} else if (strcmp(owner, p->pv->id) != 0) {
				rc = sv_errf(err, SV_EEXIST,
					"domain %s belongs to provider %s",
					name, owner);
			}
		} else if (src != SQLITE_DONE) {
			rc = store_db_fail(p->db, src, err, "domain %s", name);
		}
		src = sqlite3_reset(s);
		if (rc == SV_OK && src != SQLITE_OK) {
			rc = store_db_fail(p->db, src, err, "domain %s", name);
		}
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

void store_bind_provider_row(sqlite3_stmt *s, const struct sv_provider *pv,
		int *src) {
	const struct sv_webmail *w = &pv->webmail;
	const struct sv_oauth2 *o = &pv->oauth2;
	const char *const v[] = {
		pv->id, pv->display_name, pv->short_name,
		w->login_page, w->info_url, w->username,
		w->username_field_id, w->username_field_name,
		w->password_field_id, w->password_field_name,
		w->login_button_id, w->login_button_name,
		o->issuer, o->scope, o->auth_url, o->token_url,
		w->wait_redirect_prefix,
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		store_bind_text(s, (int)i + 1, v[i], src);
	}
	store_bind_int(s, (int)(sizeof(v) / sizeof(*v)) + 1,
		pv->publish_plaintext ? 1 : 0, src);
}

int store_put_provider_row(struct store_putter *p, struct sv_err *err) {
	sqlite3_stmt *s = p->s[PUT_PROVIDER];
	int src = SQLITE_OK;
	store_bind_provider_row(s, p->pv, &src);
	if (src != SQLITE_OK) {
		return bind_fail(p, src, err, "provider");
	}
	return store_step_done(p->db, s, err, "provider %s", p->pv->id);
}

static int put_domains(struct store_putter *p, struct sv_err *err) {
	for (size_t i = 0; i < p->pv->n_domains; i++) {
		sqlite3_stmt *s = p->s[sv_is_mx_prefixed(p->pv->domains[i]) ?
			PUT_DOMAIN_MX : PUT_DOMAIN];
		int src = SQLITE_OK;
		store_bind_text(s, 1, p->pv->domains[i], &src);
		store_bind_text(s, 2, p->pv->id, &src);
		store_bind_int(s, 3, (int64_t)i, &src);
		if (src != SQLITE_OK) {
			return bind_fail(p, src, err, "domain");
		}
		int rc = store_step_done(p->db, s, err,
			"provider %s: domain %s", p->pv->id,
			p->pv->domains[i]);
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

/* Binds server sv's own columns of PUT_SERVER, ?3 .. ?20. */
static void bind_server(const struct store_putter *p,
		const struct sv_server *sv, int *src) {
	sqlite3_stmt *s = p->s[PUT_SERVER];
	store_bind_text(s, 3, sv->hostname, src);
	store_bind_int_or_null(s, 4, sv->port, 0, src);
	store_bind_text(s, 5, sv->socket == SV_SOCKET_NONE ? NULL
		: sv_socket_name(sv->socket), src);
	store_bind_text(s, 6, sv->username, src);
	store_bind_int(s, 7, sv->priority, src);
	store_bind_text(s, 8, sv->domain, src);
	store_bind_text(s, 9, sv->url, src);
	store_bind_text(s, 10, sv->owa_url, src);
	store_bind_text(s, 11, sv->ews_url, src);
	/* Without a <pop3> element the options mean nothing (the validator
	 * ignores them): store them absent. */
	const struct sv_pop3_options none = {
		SV_UNSET, -1, SV_UNSET, -1
	};
	const struct sv_pop3_options *o = sv->has_pop3 ? &sv->pop3 : &none;
	store_bind_int(s, 12, sv->has_pop3 ? 1 : 0, src);
	store_bind_tristate(s, 13, o->leave_on_server, src);
	store_bind_int_or_null(s, 14, o->days_to_leave, -1, src);
	store_bind_tristate(s, 15, o->download_on_biff, src);
	store_bind_int_or_null(s, 16, o->check_interval_min, -1, src);
	store_bind_tristate(s, 17, sv->use_global_preferred_server, src);
	store_bind_tristate(s, 18, sv->add_this_server, src);
	store_bind_text(s, 19, sv->restriction, src);
	store_bind_int_or_null(s, 20, p->keep_ids ? sv->id : 0, 0, src);
}

/* Binds service sv's own columns of PUT_SERVICE, ?3 .. ?8. */
static void bind_service(const struct store_putter *p,
		const struct sv_service *sv, int *src) {
	sqlite3_stmt *s = p->s[PUT_SERVICE];
	store_bind_text(s, 3, sv->url, src);
	store_bind_text(s, 4, sv->username, src);
	store_bind_int(s, 5, sv->priority, src);
	store_bind_text(s, 6, sv->domain, src);
	store_bind_int(s, 7, sv->insecure ? 1 : 0, src);
	store_bind_int_or_null(s, 8, p->keep_ids ? sv->id : 0, 0, src);
}

/* Each kind's insert, the insert of its methods, and what a failed bind
 * of a method is called. */
static const struct {
	int row_stmt, auth_stmt;
	const char *auth_what;
} put_kinds[] = {
	[STORE_SERVER] = { PUT_SERVER, PUT_AUTH, "authentication" },
	[STORE_SERVICE] = {
		PUT_SERVICE, PUT_SERVICE_AUTH, "service authentication"
	},
};

/* Inserts the auth methods of row idx of kind k, stored as row_id. */
static int put_methods(struct store_putter *p, enum store_kind k,
		size_t idx, int64_t row_id, struct sv_err *err) {
	const void *row = store_kind_row(k, p->pv, idx);
	sqlite3_stmt *s = p->s[put_kinds[k].auth_stmt];
	size_t n_auth = *store_kind_n_auth(k, row);
	for (size_t i = 0; i < n_auth; i++) {
		int src = SQLITE_OK;
		store_bind_int(s, 1, row_id, &src);
		store_bind_int(s, 2, (int64_t)i, &src);
		store_bind_text(s, 3, store_kind_auth_name(k, row, i), &src);
		if (src != SQLITE_OK) {
			return bind_fail(p, src, err, put_kinds[k].auth_what);
		}
		int rc = store_step_done(p->db, s, err,
			"provider %s: %s %zu: authentication %zu", p->pv->id,
			store_kind_what(k), idx + 1, i + 1);
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

int store_put_row(struct store_putter *p, enum store_kind k, size_t idx,
		int64_t *id, struct sv_err *err) {
	const void *row = store_kind_row(k, p->pv, idx);
	const char *what = store_kind_what(k);
	const char *type = store_kind_type_name(k, row);
	sqlite3_stmt *s = p->s[put_kinds[k].row_stmt];
	int src = SQLITE_OK;
	if (k == STORE_SERVER) {
		bind_server(p, row, &src);
	} else {
		bind_service(p, row, &src);
	}
	store_bind_text(s, 1, p->pv->id, &src);
	store_bind_text(s, 2, type, &src);
	if (src != SQLITE_OK) {
		return bind_fail(p, src, err, what);
	}
	int rc = store_step_done(p->db, s, err, "provider %s: %s %zu (%s)",
		p->pv->id, what, idx + 1, type != NULL ? type : "?");
	if (rc != SV_OK) {
		return rc;
	}
	int64_t row_id = sqlite3_last_insert_rowid(p->db);
	if (id != NULL) {
		*id = row_id;
	}
	return put_methods(p, k, idx, row_id, err);
}

int store_put_link(struct store_putter *p, size_t idx,
		struct sv_err *err) {
	const struct sv_link *l = &p->pv->links[idx];
	sqlite3_stmt *s = p->s[PUT_LINK];
	int src = SQLITE_OK;
	store_bind_text(s, 1, p->pv->id, &src);
	store_bind_text(s, 2, sv_link_kind_name(l->kind), &src);
	store_bind_int(s, 3, (int64_t)idx, &src);
	store_bind_text(s, 4, l->url, &src);
	if (src != SQLITE_OK) {
		return bind_fail(p, src, err, "link");
	}
	int rc = store_step_done(p->db, s, err, "provider %s: link %zu",
		p->pv->id, idx + 1);
	if (rc != SV_OK) {
		return rc;
	}
	int64_t id = sqlite3_last_insert_rowid(p->db);
	s = p->s[PUT_TEXT];
	for (size_t i = 0; i < l->n_texts; i++) {
		store_bind_int(s, 1, id, &src);
		store_bind_int(s, 2, (int64_t)i, &src);
		store_bind_text(s, 3, l->texts[i].lang, &src);
		store_bind_text(s, 4, l->texts[i].text, &src);
		if (src != SQLITE_OK) {
			return bind_fail(p, src, err, "link text");
		}
		rc = store_step_done(p->db, s, err,
			"provider %s: link %zu: text %zu",
			p->pv->id, idx + 1, i + 1);
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

int store_put_rows(struct store_putter *p, struct sv_err *err) {
	int rc = p->s[0] != NULL ? SV_OK : store_putter_prepare(p, err);
	if (rc == SV_OK) {
		rc = store_put_check_owners(p, err);
	}
	if (rc == SV_OK) {
		/* cascades to domains, servers, services, their auth
		 * rows, links, texts */
		int src = SQLITE_OK;
		store_bind_text(p->s[PUT_DELETE], 1, p->pv->id, &src);
		rc = src != SQLITE_OK ? bind_fail(p, src, err, "delete")
			: store_step_done(p->db, p->s[PUT_DELETE], err,
				"provider %s: delete", p->pv->id);
	}
	if (rc == SV_OK) {
		rc = store_put_provider_row(p, err);
	}
	if (rc == SV_OK) {
		rc = put_domains(p, err);
	}
	for (enum store_kind k = STORE_SERVER; k <= STORE_SERVICE; k++) {
		for (size_t i = 0; rc == SV_OK &&
				i < store_kind_count(k, p->pv); i++) {
			rc = store_put_row(p, k, i, NULL, err);
		}
	}
	for (size_t i = 0; rc == SV_OK && i < p->pv->n_links; i++) {
		rc = store_put_link(p, i, err);
	}
	store_putter_finish(p);
	return rc;
}

int sv_store_put_provider(struct sv_store *st, const struct sv_provider *pv,
		struct sv_err *err) {
	int rc = sv_provider_validate(pv, err);
	if (rc != SV_OK) {
		return rc;
	}
	struct store_putter p = { .db = st->db, .pv = pv };
	rc = store_write_begin(st, err);
	if (rc == SV_OK) {
		rc = store_putter_prepare_cached(st, &p, err);
	}
	if (rc == SV_OK) {
		rc = store_put_rows(&p, err);
	}
	return store_write_end(st, rc, err);
}
