/* SPDX-License-Identifier: MIT */
/*
 * The store's errors and statement helpers, shared by its files
 * (include/store/store_internal.h): SQLite result codes to enum sv_rc,
 * messages with sqlite3_errmsg, prepare, step, finalize and binders.
 */
#include <stdarg.h>
#include <stdio.h>

#include "store/store_internal.h"

/* ------------------------------------------------------------------ */
/* Errors and small statement helpers                                 */

/* Maps an SQLite result code (primary or extended) to an enum sv_rc. */
int store_rc_of(int src) {
	switch (src & 0xff) {
	case SQLITE_OK:
		return SV_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return SV_EBUSY;
	case SQLITE_NOMEM:
		return SV_ENOMEM;
	case SQLITE_CONSTRAINT:
		return SV_EINVAL;
	default:
		return SV_EDB;
	}
}

static int db_vfail(sqlite3 *db, int src, struct sv_err *err,
		const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static int db_vfail(sqlite3 *db, int src, struct sv_err *err,
		const char *fmt, va_list ap) {
	char what[SV_ERR_MSG_MAX];
	if (vsnprintf(what, sizeof(what), fmt, ap) < 0) {
		what[0] = '\0';
	}
	int rc = store_rc_of(src);
	return sv_errf(err, rc == SV_OK ? SV_EDB : rc, "%s: %s", what,
		sqlite3_errmsg(db));
}

/* "<formatted what>: <sqlite3_errmsg>", with the rc mapped from src. */
int store_db_fail(sqlite3 *db, int src, struct sv_err *err,
		const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	int rc = db_vfail(db, src, err, fmt, ap);
	va_end(ap);
	return rc;
}

int store_exec(sqlite3 *db, const char *sql, struct sv_err *err,
		const char *what) {
	int src = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		return store_db_fail(db, src, err, "%s", what);
	}
	return SV_OK;
}

/*
 * For cleanup paths that already carry an error: runs sql and drops its
 * result, because a second error cannot be reported and the first one is
 * the one that matters (e.g. ROLLBACK after SQLite already rolled back).
 */
void store_exec_quiet(sqlite3 *db, const char *sql) {
	int src = sqlite3_exec(db, sql, NULL, NULL, NULL);
	(void)src;
}

int store_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out,
		struct sv_err *err) {
	int src = sqlite3_prepare_v2(db, sql, -1, out, NULL);
	if (src != SQLITE_OK) {
		*out = NULL;
		return store_db_fail(db, src, err, "store: prepare");
	}
	return SV_OK;
}

/*
 * sqlite3_finalize returns the error of the statement's last step, which
 * the caller has already handled; NULL is a no-op.
 */
void store_finalize(sqlite3_stmt *s) {
	int src = sqlite3_finalize(s);
	(void)src;
}

/* Steps s, which must not return rows, and resets it for the next use. */
int store_step_done(sqlite3 *db, sqlite3_stmt *s, struct sv_err *err,
		const char *fmt, ...) {
	int src = sqlite3_step(s);
	int rc = SV_OK;
	if (src != SQLITE_DONE) {
		va_list ap;
		va_start(ap, fmt);
		rc = db_vfail(db, src == SQLITE_ROW ? SQLITE_MISUSE : src, err,
			fmt, ap);
		va_end(ap);
	}
	int rsrc = sqlite3_reset(s);
	if (rc == SV_OK && rsrc != SQLITE_OK) {
		rc = store_db_fail(db, rsrc, err, "store: reset");
	}
	return rc;
}

/* Runs a statement that yields one integer (a PRAGMA or a count). */
int store_query_int(sqlite3 *db, const char *sql, int64_t *out,
		struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = store_prepare(db, sql, &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
	} else {
		rc = store_db_fail(db,
			src == SQLITE_DONE ? SQLITE_ERROR : src, err,
			"store: %s", sql);
	}
	store_finalize(s);
	return rc;
}

/*
 * Binders: each does nothing once *src holds an error, so that a run of
 * binds is checked once at its end. NULL strings bind SQL NULL.
 */
void store_bind_text(sqlite3_stmt *s, int i, const char *v, int *src) {
	if (*src != SQLITE_OK) {
		return;
	}
	*src = v != NULL ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC)
		: sqlite3_bind_null(s, i);
}

void store_bind_int(sqlite3_stmt *s, int i, int64_t v, int *src) {
	if (*src == SQLITE_OK) {
		*src = sqlite3_bind_int64(s, i, v);
	}
}

/* v binds NULL when it equals absent (port 0, POP3 counts -1). */
void store_bind_int_or_null(sqlite3_stmt *s, int i, int64_t v,
		int64_t absent, int *src) {
	if (*src == SQLITE_OK) {
		*src = v == absent ? sqlite3_bind_null(s, i)
			: sqlite3_bind_int64(s, i, v);
	}
}

void store_bind_tristate(sqlite3_stmt *s, int i, enum sv_tristate t,
		int *src) {
	if (*src != SQLITE_OK) {
		return;
	}
	switch (t) {
	case SV_UNSET:
		*src = sqlite3_bind_null(s, i);
		break;
	case SV_FALSE:
		*src = sqlite3_bind_int(s, i, 0);
		break;
	case SV_TRUE:
		*src = sqlite3_bind_int(s, i, 1);
		break;
	default:
		*src = SQLITE_RANGE;
		break;
	}
}
