/* SPDX-License-Identifier: MIT */
/*
 * One-row queries and keyed writes for the admin mutations
 * (store_admin.c): a statement with its one parameter ?1, bound to a
 * text or an integer key, run once; statements bound from arrays, and
 * rows collected into arrays, for the web admin's tables
 * (store_account.c, store_audit.c). Kept apart so that the callers read
 * as what they do, not as SQLite plumbing.
 */
#include <stdbool.h>
#include <string.h>

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

int store_query_must(sqlite3 *db, const char *sql, const char *key,
		int64_t ikey, char **text, const char *what,
		struct sv_err *err) {
	bool found;
	if (text != NULL) {
		*text = NULL;
	}
	int rc = store_query_one(db, sql, key, ikey, text, NULL, &found, err);
	if (rc == SV_OK && !found) {
		rc = key != NULL ?
			sv_errf(err, SV_ENOTFOUND, "no %s %s", what, key) :
			sv_errf(err, SV_ENOTFOUND, "no %s %lld", what,
				(long long)ikey);
	}
	return rc;
}

int store_count_of(sqlite3 *db, const char *sql, const char *key,
		int64_t *out, struct sv_err *err) {
	bool found;
	*out = 0;
	return store_query_one(db, sql, key, 0, NULL, out, &found, err);
}

int store_prepare_bound(sqlite3 *db, const char *sql, const char *const *t,
		int nt, const int64_t *v, int nv, sqlite3_stmt **s,
		struct sv_err *err) {
	int rc = store_prepare(db, sql, s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = SQLITE_OK;
	for (int i = 0; i < nt; i++) {
		store_bind_text(*s, i + 1, t[i], &src);
	}
	for (int i = 0; i < nv; i++) {
		store_bind_int(*s, nt + i + 1, v[i], &src);
	}
	if (src != SQLITE_OK) {
		rc = store_db_fail(db, src, err, "store: bind");
		store_finalize(*s);
		*s = NULL;
	}
	return rc;
}

int store_run_bound(sqlite3 *db, const char *sql, const char *const *t,
		int nt, const int64_t *v, int nv, int64_t *changes,
		const char *what, struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = store_prepare_bound(db, sql, t, nt, v, nv, &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	rc = store_step_done(db, s, err, "%s", what);
	store_finalize(s);
	if (rc == SV_OK && changes != NULL) {
		*changes = sqlite3_changes64(db);
	}
	return rc;
}

int store_collect(sqlite3 *db, sqlite3_stmt *s, size_t size,
		int (*row)(sqlite3_stmt *s, void *elem, struct sv_err *err),
		void (*drop)(void *list, size_t n), void **out, size_t *n,
		const char *what, struct sv_err *err) {
	unsigned char *list = NULL;
	size_t count = 0;
	int rc = SV_OK, src;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		unsigned char *grown = sv_reallocarray(list, count + 1, size);
		if (grown == NULL) {
			rc = sv_errf(err, SV_ENOMEM, "store: out of memory");
			break;
		}
		list = grown;
		memset(list + count * size, 0, size);
		rc = row(s, list + count++ * size, err);
		if (rc != SV_OK) {
			break;
		}
	}
	if (rc == SV_OK && src != SQLITE_DONE) {
		rc = store_db_fail(db, src, err, "store: %s", what);
	}
	store_finalize(s);
	if (rc != SV_OK) {
		drop(list, count);
		list = NULL;
		count = 0;
	}
	*out = list;
	*n = count;
	return rc;
}
