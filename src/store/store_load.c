/* SPDX-License-Identifier: MIT */
/*
 * The store's loader: rows to model. sv_store_load reads each table once,
 * in one read transaction, ordered so that rows arrive in model order
 * (providers by id, domains and links by position, servers and services
 * by priority then id); child rows find their provider by comparing with
 * the previous row's provider, else by binary search in the id-sorted
 * provider array, so loading stays linear in the number of rows. The same queries with
 * "WHERE provider_id = ?1" load a single provider (sv_store_load_provider,
 * the admin commands), so both views are built by the same code. Here:
 * providers, domains and links; servers and services in
 * store_load_server.c; the steps they share in store_loader.c.
 *
 * Ownership: the loader owns the providers it builds until it hands the
 * array to the caller; column texts are borrowed until the next step and
 * copied with sv_strdup.
 */
#include <string.h>

#include "store/store_internal.h"
#include "util/alloc.h"

/*
 * Ends a load of what ("domains") that stepped s until src: rc, else the
 * step's error unless s ran to its end. Finalizes s.
 */
static int load_end(struct store_loader *ld, sqlite3_stmt *s, int rc,
		int src, const char *what, struct sv_err *err) {
	if (rc == SV_OK && src != SQLITE_DONE) {
		rc = store_db_fail(ld->db, src, err, "store: load %s", what);
	}
	store_finalize(s);
	return rc;
}

#define PROVIDERS_SQL \
	"SELECT id, display_name, short_name, webmail_login_page," \
	" webmail_info_url, webmail_username," \
	" webmail_username_field_id, webmail_username_field_name," \
	" webmail_password_field_id, webmail_password_field_name," \
	" webmail_login_button_id, webmail_login_button_name," \
	" oauth2_issuer, oauth2_scope, oauth2_auth_url," \
	" oauth2_token_url, webmail_wait_redirect_prefix, publish_plaintext" \
	" FROM providers"

static int load_providers(struct store_loader *ld, struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = store_load_prepare(ld, PROVIDERS_SQL " ORDER BY id",
		PROVIDERS_SQL " WHERE id = ?1", &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = SQLITE_DONE;
	while (rc == SV_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		if (ld->n == ld->cap) {
			size_t cap = ld->cap != 0 ? ld->cap * 2 : 16;
			struct sv_provider **p = sv_reallocarray(ld->pvs, cap,
				sizeof(*p));
			if (p == NULL) {
				rc = sv_errf(err, SV_ENOMEM,
					"store: load: out of memory");
				break;
			}
			ld->pvs = p;
			ld->cap = cap;
		}
		struct sv_provider *pv = sv_provider_create();
		if (pv == NULL) {
			rc = sv_errf(err, SV_ENOMEM,
				"store: load: out of memory");
			break;
		}
		ld->pvs[ld->n++] = pv; /* owned by ld from here */
		struct sv_webmail *w = &pv->webmail;
		struct sv_oauth2 *o = &pv->oauth2;
		char **dst[] = {
			&pv->id, &pv->display_name, &pv->short_name,
			&w->login_page, &w->info_url, &w->username,
			&w->username_field_id, &w->username_field_name,
			&w->password_field_id, &w->password_field_name,
			&w->login_button_id, &w->login_button_name,
			&o->issuer, &o->scope, &o->auth_url, &o->token_url,
			&w->wait_redirect_prefix,
		};
		for (size_t i = 0; rc == SV_OK && i < sizeof(dst) / sizeof(*dst);
				i++) {
			rc = store_col_dup(ld, s, (int)i, dst[i], err);
		}
		int plain = 0;
		if (rc == SV_OK) {
			rc = store_col_int(s, (int)(sizeof(dst) / sizeof(*dst)),
				0, 1, 0, &plain, err);
			pv->publish_plaintext = plain == 1;
		}
		if (rc == SV_OK && (pv->id == NULL || (ld->n > 1
				&& strcmp(ld->pvs[ld->n - 2]->id, pv->id) >= 0))) {
			/* bsearch relies on strcmp order */
			rc = sv_errf(err, SV_EDB,
				"store: provider ids out of order");
		}
	}
	return load_end(ld, s, rc, src, "providers", err);
}

/* Domain rows and MX rows (schema/0007) share one position sequence;
 * SQLite merges the two ordered scans. */
#define DOMAINS_SQL(where) \
	"SELECT provider_id, name, position FROM domains" where \
	" UNION ALL SELECT provider_id, name, position FROM domain_mx" where

static int load_domains(struct store_loader *ld, struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = store_load_prepare(ld, DOMAINS_SQL("") " ORDER BY 1, 3",
		DOMAINS_SQL(" WHERE provider_id = ?1") " ORDER BY 3", &s,
		err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = SQLITE_DONE;
	while (rc == SV_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		const char *pid = NULL, *name = NULL;
		struct sv_provider *pv = NULL;
		rc = store_col_text(ld, s, 0, &pid, err);
		if (rc == SV_OK) {
			rc = store_find_provider(ld, pid, &pv, err);
		}
		if (rc == SV_OK) {
			rc = store_col_text(ld, s, 1, &name, err);
		}
		if (rc == SV_OK && name == NULL) {
			rc = sv_errf(err, SV_EDB, "store: NULL domain");
		}
		if (rc == SV_OK && sv_provider_add_domain(pv, name) != SV_OK) {
			rc = sv_errf(err, SV_ENOMEM,
				"store: load: out of memory");
		}
	}
	return load_end(ld, s, rc, src, "domains", err);
}

#define LINKS_SQL \
	"SELECT l.id, l.provider_id, l.kind, l.url, t.lang, t.text" \
	" FROM links AS l" \
	" LEFT JOIN link_texts AS t ON t.link_id = l.id"

/* Links and their texts in one pass, like store_load_rows. */
static int load_links(struct store_loader *ld, struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = store_load_prepare(ld, LINKS_SQL
		" ORDER BY l.provider_id, l.position, t.position",
		LINKS_SQL " WHERE l.provider_id = ?1"
		" ORDER BY l.position, t.position", &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	struct sv_link *cur = NULL; /* borrowed from its provider */
	int64_t cur_id = 0;
	int src = SQLITE_DONE;
	while (rc == SV_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		const char *pid = NULL, *kind = NULL, *url = NULL;
		const char *lang = NULL, *text = NULL;
		if (cur == NULL || id != cur_id) {
			struct sv_provider *pv = NULL;
			enum sv_link_kind k;
			cur = NULL;
			if ((rc = store_col_text(ld, s, 1, &pid, err)) != SV_OK
				|| (rc = store_find_provider(ld, pid, &pv, err))
					!= SV_OK
				|| (rc = store_col_text(ld, s, 2, &kind, err))
					!= SV_OK
				|| (rc = store_col_text(ld, s, 3, &url, err))
					!= SV_OK) {
				break;
			}
			if (kind == NULL || url == NULL
					|| sv_link_kind_parse(kind, &k) != SV_OK) {
				rc = sv_errf(err, SV_EDB,
					"store: link %lld: bad kind or url",
					(long long)id);
				break;
			}
			if (sv_provider_add_link(pv, k, url, &cur) != SV_OK) {
				rc = sv_errf(err, SV_ENOMEM,
					"store: load: out of memory");
				break;
			}
			cur_id = id;
		}
		if ((rc = store_col_text(ld, s, 4, &lang, err)) != SV_OK
			|| (rc = store_col_text(ld, s, 5, &text, err))
				!= SV_OK) {
			break;
		}
		if (text != NULL && sv_link_add_text(cur, lang, text) != SV_OK) {
			rc = sv_errf(err, SV_ENOMEM,
				"store: load: out of memory");
		}
	}
	return load_end(ld, s, rc, src, "links", err);
}

int store_load(struct sv_store *st, const char *only,
		struct sv_provider ***out, size_t *n, struct sv_err *err) {
	*out = NULL;
	*n = 0;
	/* A caller's open transaction already gives a consistent view. */
	bool own = sqlite3_get_autocommit(st->db) != 0;
	if (own) {
		int rc = store_exec(st->db, "BEGIN", err, "store: load: begin");
		if (rc != SV_OK) {
			return rc;
		}
	}
	struct store_loader ld = { .db = st->db, .only = only };
	int rc = load_providers(&ld, err);
	if (rc == SV_OK) {
		rc = load_domains(&ld, err);
	}
	if (rc == SV_OK) {
		rc = store_load_rows(&ld, STORE_SERVER, err);
	}
	if (rc == SV_OK) {
		rc = store_load_rows(&ld, STORE_SERVICE, err);
	}
	if (rc == SV_OK) {
		rc = load_links(&ld, err);
	}
	if (own) {
		if (rc == SV_OK) {
			rc = store_exec(st->db, "COMMIT", err,
				"store: load: commit");
		}
		if (rc != SV_OK && !sqlite3_get_autocommit(st->db)) {
			store_exec_quiet(st->db, "ROLLBACK");
		}
	}
	if (rc != SV_OK) {
		sv_store_free_providers(ld.pvs, ld.n);
		return rc;
	}
	*out = ld.pvs;
	*n = ld.n;
	return SV_OK;
}

int sv_store_load(struct sv_store *st, struct sv_provider ***out, size_t *n,
		struct sv_err *err) {
	return store_load(st, NULL, out, n, err);
}

void sv_store_free_providers(struct sv_provider **pvs, size_t n) {
	if (pvs == NULL) {
		return;
	}
	for (size_t i = 0; i < n; i++) {
		sv_provider_destroy(pvs[i]);
	}
	sv_free(pvs);
}
