/* SPDX-License-Identifier: MIT */
/*
 * The loader's shared steps (store_load.c, store_load_server.c): the
 * query for every provider or for one, column readers that copy or check
 * what SQLite gives, and the provider a child row belongs to.
 *
 * Ownership: column texts are borrowed until the next step and copied
 * with sv_strdup.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/alloc.h"

/*
 * Prepares the query for every provider (all), or the one for ld->only
 * (one: the same query with "WHERE ... = ?1") with ?1 bound.
 */
int store_load_prepare(struct store_loader *ld, const char *all,
		const char *one, sqlite3_stmt **out, struct sv_err *err) {
	int rc = store_prepare(ld->db, ld->only != NULL ? one : all, out, err);
	if (rc != SV_OK || ld->only == NULL) {
		return rc;
	}
	int src = SQLITE_OK;
	store_bind_text(*out, 1, ld->only, &src);
	if (src != SQLITE_OK) {
		rc = store_db_fail(ld->db, src, err, "store: load: bind");
		store_finalize(*out);
		*out = NULL;
	}
	return rc;
}

/*
 * Column i as a borrowed string valid until the next step, or NULL for SQL
 * NULL. A string with an embedded NUL would be silently cut: refuse it.
 */
int store_col_text(struct store_loader *ld, sqlite3_stmt *s, int i,
		const char **out, struct sv_err *err) {
	*out = NULL;
	if (sqlite3_column_type(s, i) == SQLITE_NULL) {
		return SV_OK;
	}
	const char *t = (const char *)sqlite3_column_text(s, i);
	if (t == NULL) {
		return store_db_fail(ld->db, SQLITE_NOMEM, err, "store: load");
	}
	int len = sqlite3_column_bytes(s, i);
	if (len < 0 || strlen(t) != (size_t)len) {
		return sv_errf(err, SV_EDB, "store: %s: NUL byte in text",
			sqlite3_column_name(s, i));
	}
	*out = t;
	return SV_OK;
}

/* Copies column i into *dst (which must be NULL), NULL staying NULL. */
int store_col_dup(struct store_loader *ld, sqlite3_stmt *s, int i,
		char **dst, struct sv_err *err) {
	const char *t;
	int rc = store_col_text(ld, s, i, &t, err);
	if (rc != SV_OK || t == NULL) {
		return rc;
	}
	*dst = sv_strdup(t);
	return *dst != NULL ? SV_OK
		: sv_errf(err, SV_ENOMEM, "store: load: out of memory");
}

/* Column i as an int in lo..hi; SQL NULL gives absent. */
int store_col_int(sqlite3_stmt *s, int i, int lo, int hi, int absent,
		int *out, struct sv_err *err) {
	if (sqlite3_column_type(s, i) == SQLITE_NULL) {
		*out = absent;
		return SV_OK;
	}
	int64_t v = sqlite3_column_int64(s, i);
	if (v < lo || v > hi) {
		return sv_errf(err, SV_EDB, "store: %s: %lld out of range",
			sqlite3_column_name(s, i), (long long)v);
	}
	*out = (int)v;
	return SV_OK;
}

int store_col_tristate(sqlite3_stmt *s, int i, enum sv_tristate *out,
		struct sv_err *err) {
	int v = -1;
	int rc = store_col_int(s, i, 0, 1, -1, &v, err);
	if (rc == SV_OK) {
		*out = v < 0 ? SV_UNSET : v == 0 ? SV_FALSE : SV_TRUE;
	}
	return rc;
}

static int cmp_provider(const void *key, const void *elem) {
	const struct sv_provider *const *pv = elem;
	return strcmp(key, (*pv)->id);
}

/*
 * The provider with this id. Child rows come grouped by provider, so the
 * last one found nearly always matches. A row whose provider is missing
 * (written with foreign keys off) makes the load fail.
 */
int store_find_provider(struct store_loader *ld, const char *id,
		struct sv_provider **out, struct sv_err *err) {
	if (id == NULL) {
		return sv_errf(err, SV_EDB, "store: row without provider");
	}
	if (ld->last < ld->n && strcmp(ld->pvs[ld->last]->id, id) == 0) {
		*out = ld->pvs[ld->last];
		return SV_OK;
	}
	struct sv_provider **p = bsearch(id, ld->pvs, ld->n,
		sizeof(*ld->pvs), cmp_provider);
	if (p == NULL) {
		return sv_errf(err, SV_EDB, "store: no provider %s", id);
	}
	ld->last = (size_t)(p - ld->pvs);
	*out = *p;
	return SV_OK;
}
