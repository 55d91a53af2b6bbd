/* SPDX-License-Identifier: MIT */
/*
 * One-row queries and keyed writes for the admin mutations
 * (store_admin.c): a statement with its one parameter ?1, bound to a
 * text or an integer key, run once. Kept apart so that store_admin.c
 * reads as the mutations' recipe, not as SQLite plumbing.
 */
#include <stdbool.h>

#include "store/store_internal.h"
#include "util/alloc.h"

/*
 * Prepares sql into *s and binds ?1 to key (text) or, when key is NULL,
 * to ikey; *src receives the bind's SQLite code. SV_OK or the prepare's
 * error (then there is no statement to finalize).
 */
static int prepare_keyed(sqlite3 *db, const char *sql, const char *key,
		int64_t ikey, sqlite3_stmt **s, int *src, struct sv_err *err) {
	int rc = store_prepare(db, sql, s, err);
	if (rc != SV_OK) {
		return rc;
	}
	*src = SQLITE_OK;
	if (key != NULL) {
		store_bind_text(*s, 1, key, src);
	} else {
		store_bind_int(*s, 1, ikey, src);
	}
	return SV_OK;
}

/*
 * Runs sql with ?1 bound to key (text) or, when key is NULL, to ikey.
 * When a row comes, *out receives column 0: as an owned string through
 * text (may be NULL), as an integer through num (may be NULL); *found
 * tells whether a row came.
 */
int store_query_one(sqlite3 *db, const char *sql, const char *key,
		int64_t ikey, char **text, int64_t *num, bool *found,
		struct sv_err *err) {
	sqlite3_stmt *s;
	int src;
	*found = false;
	int rc = prepare_keyed(db, sql, key, ikey, &s, &src, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (src == SQLITE_OK) {
		src = sqlite3_step(s);
	}
	if (src == SQLITE_ROW) {
		*found = true;
		if (num != NULL) {
			*num = sqlite3_column_int64(s, 0);
		}
		if (text != NULL) {
			const char *t = (const char *)sqlite3_column_text(s, 0);
			*text = t != NULL ? sv_strdup(t) : NULL;
			if (*text == NULL) {
				rc = sv_errf(err, SV_ENOMEM,
					"store: out of memory");
			}
		}
	} else if (src != SQLITE_DONE) {
		rc = store_db_fail(db, src, err, "store: query");
	}
	store_finalize(s);
	return rc;
}

/* Runs a DELETE or UPDATE-like statement with ?1 bound to key or ikey. */
int store_run_keyed(sqlite3 *db, const char *sql, const char *key,
		int64_t ikey, struct sv_err *err) {
	sqlite3_stmt *s;
	int src;
	int rc = prepare_keyed(db, sql, key, ikey, &s, &src, err);
	if (rc != SV_OK) {
		return rc;
	}
	rc = src != SQLITE_OK ? store_db_fail(db, src, err, "store: bind")
		: store_step_done(db, s, err, "store: write");
	store_finalize(s);
	return rc;
}

int store_count_of(sqlite3 *db, const char *sql, const char *key,
		int64_t *out, struct sv_err *err) {
	bool found;
	*out = 0;
	return store_query_one(db, sql, key, 0, NULL, out, &found, err);
}
