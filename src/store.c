/* SPDX-License-Identifier: MIT */
/*
 * The SQLite store: the only file that includes sqlite3.h.
 *
 * Opening checks that the file is ours (PRAGMA application_id) and not
 * newer than this binary (PRAGMA user_version), then applies the pending
 * migrations compiled in from schema/NNNN_name.sql, each in one BEGIN
 * IMMEDIATE transaction that also sets user_version, so a crash leaves
 * either the old or the new schema. Connections run with foreign keys on,
 * WAL (writers only: a read-only connection cannot change the journal
 * mode) and a busy timeout.
 *
 * sv_store_load reads each table once, in one read transaction, ordered so
 * that rows arrive in model order (providers by id, domains and links by
 * position, servers by priority then id); child rows find their provider
 * by comparing with the previous row's provider, else by binary search in
 * the id-sorted provider array, so loading stays linear in the number of
 * rows. sv_store_put_provider replaces a provider as a whole under a
 * SAVEPOINT, which nests inside a caller's transaction, and rolls back to
 * it on any failure.
 *
 * Ownership: a struct sv_store owns its sqlite3 connection. No prepared
 * statement outlives the call that prepared it, so sqlite3_close never
 * finds one. Strings bound with SQLITE_STATIC borrow from the caller's
 * provider for the duration of one sqlite3_step.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "alloc.h"
#include "bundle.h"
#include "store.h"

#define BUSY_TIMEOUT_MS 5000
#define SAVEPOINT_NAME "sv_put_provider"

struct sv_store {
	sqlite3 *db; /* owned */
	enum sv_store_mode mode;
};

/* ------------------------------------------------------------------ */
/* Errors and small statement helpers                                 */

/* Maps an SQLite result code (primary or extended) to an enum sv_rc. */
static int rc_of(int src) {
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

/* "<formatted what>: <sqlite3_errmsg>", with the rc mapped from src. */
static int db_fail(sqlite3 *db, int src, struct sv_err *err,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int db_fail(sqlite3 *db, int src, struct sv_err *err,
		const char *fmt, ...) {
	char what[SV_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n < 0) {
		what[0] = '\0';
	}
	int rc = rc_of(src);
	return sv_errf(err, rc == SV_OK ? SV_EDB : rc, "%s: %s", what,
		sqlite3_errmsg(db));
}

static int exec(sqlite3 *db, const char *sql, struct sv_err *err,
		const char *what) {
	int src = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		return db_fail(db, src, err, "%s", what);
	}
	return SV_OK;
}

/*
 * For cleanup paths that already carry an error: runs sql and drops its
 * result, because a second error cannot be reported and the first one is
 * the one that matters (e.g. ROLLBACK after SQLite already rolled back).
 */
static void exec_quiet(sqlite3 *db, const char *sql) {
	int src = sqlite3_exec(db, sql, NULL, NULL, NULL);
	(void)src;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out,
		struct sv_err *err) {
	int src = sqlite3_prepare_v2(db, sql, -1, out, NULL);
	if (src != SQLITE_OK) {
		*out = NULL;
		return db_fail(db, src, err, "store: prepare");
	}
	return SV_OK;
}

/*
 * sqlite3_finalize returns the error of the statement's last step, which
 * the caller has already handled; NULL is a no-op.
 */
static void finalize(sqlite3_stmt *s) {
	int src = sqlite3_finalize(s);
	(void)src;
}

/* Steps s, which must not return rows, and resets it for the next use. */
static int step_done(sqlite3 *db, sqlite3_stmt *s, struct sv_err *err,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int step_done(sqlite3 *db, sqlite3_stmt *s, struct sv_err *err,
		const char *fmt, ...) {
	int src = sqlite3_step(s);
	int rc = SV_OK;
	if (src != SQLITE_DONE) {
		char what[SV_ERR_MSG_MAX];
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		if (n < 0) {
			what[0] = '\0';
		}
		rc = db_fail(db, src == SQLITE_ROW ? SQLITE_MISUSE : src, err,
			"%s", what);
	}
	int rsrc = sqlite3_reset(s);
	if (rc == SV_OK && rsrc != SQLITE_OK) {
		rc = db_fail(db, rsrc, err, "store: reset");
	}
	return rc;
}

/* Runs a statement that yields one integer (a PRAGMA or a count). */
static int query_int(sqlite3 *db, const char *sql, int64_t *out,
		struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = prepare(db, sql, &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
	} else {
		rc = db_fail(db, src == SQLITE_DONE ? SQLITE_ERROR : src, err,
			"store: %s", sql);
	}
	finalize(s);
	return rc;
}

/*
 * Binders: each does nothing once *src holds an error, so that a run of
 * binds is checked once at its end. NULL strings bind SQL NULL.
 */
static void bind_text(sqlite3_stmt *s, int i, const char *v, int *src) {
	if (*src != SQLITE_OK) {
		return;
	}
	*src = v != NULL ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC)
		: sqlite3_bind_null(s, i);
}

static void bind_int(sqlite3_stmt *s, int i, int64_t v, int *src) {
	if (*src == SQLITE_OK) {
		*src = sqlite3_bind_int64(s, i, v);
	}
}

/* v binds NULL when it equals absent (port 0, POP3 counts -1). */
static void bind_int_or_null(sqlite3_stmt *s, int i, int64_t v,
		int64_t absent, int *src) {
	if (*src == SQLITE_OK) {
		*src = v == absent ? sqlite3_bind_null(s, i)
			: sqlite3_bind_int64(s, i, v);
	}
}

static void bind_tristate(sqlite3_stmt *s, int i, enum sv_tristate t,
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

/* ------------------------------------------------------------------ */
/* Migrations                                                         */

/* "0001_init.sql" -> 1. Returns 0 for a name without a "N_" prefix. */
static int migration_version(const char *name) {
	if (name == NULL || name[0] < '0' || name[0] > '9') {
		return 0;
	}
	errno = 0;
	char *end;
	long v = strtol(name, &end, 10);
	if (errno != 0 || *end != '_' || v <= 0 || v > INT_MAX) {
		return 0;
	}
	return (int)v;
}

int sv_store_schema_version(void) {
	int max = 0;
	for (size_t i = 0; i < sv_embedded_schema_count; i++) {
		int v = migration_version(sv_embedded_schema[i].name);
		max = v > max ? v : max;
	}
	return max;
}

/* Applies migration m (version v) in its own transaction, if still due. */
static int apply_migration(sqlite3 *db, const struct sv_embedded_file *m,
		int v, struct sv_err *err) {
	int rc = exec(db, "BEGIN IMMEDIATE", err, "store: migrate: begin");
	if (rc != SV_OK) {
		return rc;
	}
	/* Another process may have migrated since we looked. */
	int64_t now = 0;
	rc = query_int(db, "PRAGMA user_version", &now, err);
	if (rc != SV_OK || now >= v) {
		goto done;
	}
	rc = exec(db, m->data, err, m->name);
	if (rc != SV_OK) {
		goto done;
	}
	/* The data must satisfy the constraints of the new schema. */
	sqlite3_stmt *s;
	rc = prepare(db, "PRAGMA foreign_key_check", &s, err);
	if (rc != SV_OK) {
		goto done;
	}
	int src = sqlite3_step(s);
	finalize(s);
	if (src != SQLITE_DONE) {
		rc = src == SQLITE_ROW
			? sv_errf(err, SV_EDB, "%s: foreign key violations",
				m->name)
			: db_fail(db, src, err, "%s: foreign_key_check",
				m->name);
		goto done;
	}
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	rc = exec(db, sql, err, "store: migrate: user_version");
	if (rc != SV_OK) {
		goto done;
	}
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %ld",
		(long)SV_STORE_APPLICATION_ID);
	rc = exec(db, sql, err, "store: migrate: application_id");
done:
	if (rc == SV_OK) {
		rc = exec(db, "COMMIT", err, "store: migrate: commit");
	}
	if (rc != SV_OK && !sqlite3_get_autocommit(db)) {
		exec_quiet(db, "ROLLBACK");
	}
	return rc;
}

static int migrate(sqlite3 *db, int64_t current, struct sv_err *err) {
	int prev = 0;
	for (size_t i = 0; i < sv_embedded_schema_count; i++) {
		const struct sv_embedded_file *m = &sv_embedded_schema[i];
		int v = migration_version(m->name);
		if (v <= prev) { /* a build bug: bad name or order */
			return sv_errf(err, SV_EDB,
				"store: embedded migration %s: bad name or order",
				m->name != NULL ? m->name : "(null)");
		}
		prev = v;
		if (v <= current) {
			continue;
		}
		int rc = apply_migration(db, m, v, err);
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

/* ------------------------------------------------------------------ */
/* Open and close                                                     */

/* Refuses databases that are not ours, or not usable by this binary. */
static int check_identity(sqlite3 *db, const char *path,
		enum sv_store_mode mode, int64_t *version, struct sv_err *err) {
	int64_t app_id = 0, n_objects = 0;
	int rc = query_int(db, "PRAGMA application_id", &app_id, err);
	if (rc == SV_OK) {
		rc = query_int(db, "PRAGMA user_version", version, err);
	}
	if (rc == SV_OK) {
		rc = query_int(db, "SELECT count(*) FROM sqlite_master",
			&n_objects, err);
	}
	if (rc != SV_OK) {
		/* e.g. "file is not a database": say which file */
		char msg[SV_ERR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", err != NULL ? err->msg : "");
		return sv_errf(err, rc, "%s: %s", path, msg);
	}
	bool blank = app_id == 0 && *version == 0 && n_objects == 0;
	if (app_id != SV_STORE_APPLICATION_ID
			&& !(blank && mode == SV_STORE_CREATE)) {
		return sv_errf(err, SV_EDB, "%s: not a suivant database%s",
			path, blank ? " (empty: run suivant init)" : "");
	}
	int known = sv_store_schema_version();
	if (*version < 0 || *version > known) {
		return sv_errf(err, SV_EDB,
			"%s: schema version %lld was made by a newer suivant "
			"(this one knows up to %d)", path, (long long)*version,
			known);
	}
	if (mode == SV_STORE_READONLY && *version < known) {
		return sv_errf(err, SV_EDB,
			"%s: schema version %lld is older than this suivant's "
			"(%d): open it read-write once to migrate", path,
			(long long)*version, known);
	}
	return SV_OK;
}

int sv_store_open_rc(const char *path, enum sv_store_mode mode,
		struct sv_store **out, struct sv_err *err) {
	*out = NULL;
	if (path == NULL) {
		return sv_errf(err, SV_EINVAL, "store: no database path");
	}
	int flags;
	switch (mode) {
	case SV_STORE_READONLY:
		flags = SQLITE_OPEN_READONLY;
		break;
	case SV_STORE_READWRITE:
		flags = SQLITE_OPEN_READWRITE;
		break;
	case SV_STORE_CREATE:
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
		break;
	default:
		return sv_errf(err, SV_EINVAL, "store: bad open mode %d",
			(int)mode);
	}
	if (mode != SV_STORE_CREATE) {
		struct stat sb;
		if (stat(path, &sb) != 0) {
			int e = errno;
			if (e == ENOENT || e == ENOTDIR) {
				return sv_errf(err, SV_ENOTFOUND,
					"%s: no such database", path);
			}
			return sv_errf(err, SV_EDB, "%s: %s", path,
				strerror(e));
		}
	}
	struct sv_store *st = sv_calloc(1, sizeof(*st));
	if (st == NULL) {
		return sv_errf(err, SV_ENOMEM, "store: out of memory");
	}
	st->mode = mode;
	int rc;
	int src = sqlite3_open_v2(path, &st->db, flags | SQLITE_OPEN_NOMUTEX,
		NULL);
	if (src != SQLITE_OK) {
		rc = db_fail(st->db, src, err, "%s", path);
		goto fail;
	}
	src = sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	if (src != SQLITE_OK) {
		rc = db_fail(st->db, src, err, "%s: busy_timeout", path);
		goto fail;
	}
	int64_t version = 0;
	rc = check_identity(st->db, path, mode, &version, err);
	if (rc != SV_OK) {
		goto fail;
	}
	if (mode != SV_STORE_READONLY) {
		/*
		 * Only now that the file is known to be ours. The answer is
		 * "memory" for ":memory:", and a file system without shared
		 * memory keeps the old mode: both still work.
		 */
		sqlite3_stmt *s;
		rc = prepare(st->db, "PRAGMA journal_mode = WAL", &s, err);
		if (rc != SV_OK) {
			goto fail;
		}
		src = sqlite3_step(s);
		finalize(s);
		if (src != SQLITE_ROW) {
			rc = db_fail(st->db, src, err, "%s: journal_mode",
				path);
			goto fail;
		}
		/* Migrations may rebuild tables: the SQLite-documented
		 * procedure runs them with foreign keys off and checks with
		 * foreign_key_check before committing. */
		rc = exec(st->db, "PRAGMA foreign_keys = OFF", err,
			"store: foreign_keys");
		if (rc == SV_OK) {
			rc = migrate(st->db, version, err);
		}
		if (rc != SV_OK) {
			goto fail;
		}
	}
	rc = exec(st->db, "PRAGMA foreign_keys = ON", err,
		"store: foreign_keys");
	if (rc == SV_OK && mode == SV_STORE_READONLY) {
		/* SQLITE_OPEN_READONLY still lets BEGIN IMMEDIATE through */
		rc = exec(st->db, "PRAGMA query_only = ON", err,
			"store: query_only");
	}
	if (rc != SV_OK) {
		goto fail;
	}
	*out = st;
	return SV_OK;
fail:
	sv_store_close(st);
	return rc;
}

struct sv_store *sv_store_open(const char *path, enum sv_store_mode mode,
		struct sv_err *err) {
	struct sv_store *st;
	return sv_store_open_rc(path, mode, &st, err) == SV_OK ? st : NULL;
}

void sv_store_close(struct sv_store *st) {
	if (st == NULL) {
		return;
	}
	/* Fails only with unfinalized statements, which would be our bug. */
	int src = sqlite3_close(st->db);
	assert(src == SQLITE_OK);
	(void)src;
	sv_free(st);
}

/* ------------------------------------------------------------------ */
/* Transactions                                                       */

int sv_store_begin(struct sv_store *st, struct sv_err *err) {
	if (st->mode == SV_STORE_READONLY) {
		return sv_errf(err, SV_EDB, "store: opened read-only");
	}
	return exec(st->db, "BEGIN IMMEDIATE", err, "store: begin");
}

int sv_store_commit(struct sv_store *st, struct sv_err *err) {
	int rc = exec(st->db, "COMMIT", err, "store: commit");
	if (rc != SV_OK && !sqlite3_get_autocommit(st->db)) {
		/* all or nothing: never leave the caller inside it */
		exec_quiet(st->db, "ROLLBACK");
	}
	return rc;
}

void sv_store_rollback(struct sv_store *st) {
	if (st != NULL && !sqlite3_get_autocommit(st->db)) {
		exec_quiet(st->db, "ROLLBACK");
	}
}

/* ------------------------------------------------------------------ */
/* Load                                                               */

struct loader {
	sqlite3 *db;
	struct sv_provider **pvs; /* owned, sorted by id */
	size_t n, cap;
	size_t last;              /* index of the last provider found */
};

/*
 * Column i as a borrowed string valid until the next step, or NULL for SQL
 * NULL. A string with an embedded NUL would be silently cut: refuse it.
 */
static int col_text(struct loader *ld, sqlite3_stmt *s, int i,
		const char **out, struct sv_err *err) {
	*out = NULL;
	if (sqlite3_column_type(s, i) == SQLITE_NULL) {
		return SV_OK;
	}
	const char *t = (const char *)sqlite3_column_text(s, i);
	if (t == NULL) {
		return db_fail(ld->db, SQLITE_NOMEM, err, "store: load");
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
static int col_dup(struct loader *ld, sqlite3_stmt *s, int i, char **dst,
		struct sv_err *err) {
	const char *t;
	int rc = col_text(ld, s, i, &t, err);
	if (rc != SV_OK || t == NULL) {
		return rc;
	}
	*dst = sv_strdup(t);
	return *dst != NULL ? SV_OK
		: sv_errf(err, SV_ENOMEM, "store: load: out of memory");
}

/* Column i as an int in lo..hi; SQL NULL gives absent. */
static int col_int(sqlite3_stmt *s, int i, int lo, int hi, int absent,
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

static int col_tristate(sqlite3_stmt *s, int i, enum sv_tristate *out,
		struct sv_err *err) {
	int v = -1;
	int rc = col_int(s, i, 0, 1, -1, &v, err);
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
static int find_provider(struct loader *ld, const char *id,
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

static int load_providers(struct loader *ld, struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = prepare(ld->db,
		"SELECT id, display_name, short_name, webmail_login_page,"
		" webmail_info_url, webmail_username,"
		" webmail_username_field_id, webmail_username_field_name,"
		" webmail_password_field_id, webmail_password_field_name,"
		" webmail_login_button_id, webmail_login_button_name,"
		" oauth2_issuer, oauth2_scope, oauth2_auth_url,"
		" oauth2_token_url"
		" FROM providers ORDER BY id", &s, err);
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
		};
		for (size_t i = 0; rc == SV_OK && i < sizeof(dst) / sizeof(*dst);
				i++) {
			rc = col_dup(ld, s, (int)i, dst[i], err);
		}
		if (rc == SV_OK && (pv->id == NULL || (ld->n > 1
				&& strcmp(ld->pvs[ld->n - 2]->id, pv->id) >= 0))) {
			/* bsearch relies on strcmp order */
			rc = sv_errf(err, SV_EDB,
				"store: provider ids out of order");
		}
	}
	if (rc == SV_OK && src != SQLITE_DONE) {
		rc = db_fail(ld->db, src, err, "store: load providers");
	}
	finalize(s);
	return rc;
}

static int load_domains(struct loader *ld, struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = prepare(ld->db, "SELECT provider_id, name FROM domains"
		" ORDER BY provider_id, position", &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = SQLITE_DONE;
	while (rc == SV_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		const char *pid = NULL, *name = NULL;
		struct sv_provider *pv = NULL;
		rc = col_text(ld, s, 0, &pid, err);
		if (rc == SV_OK) {
			rc = find_provider(ld, pid, &pv, err);
		}
		if (rc == SV_OK) {
			rc = col_text(ld, s, 1, &name, err);
		}
		if (rc == SV_OK && name == NULL) {
			rc = sv_errf(err, SV_EDB, "store: NULL domain");
		}
		if (rc == SV_OK && sv_provider_add_domain(pv, name) != SV_OK) {
			rc = sv_errf(err, SV_ENOMEM,
				"store: load: out of memory");
		}
	}
	if (rc == SV_OK && src != SQLITE_DONE) {
		rc = db_fail(ld->db, src, err, "store: load domains");
	}
	finalize(s);
	return rc;
}

/* Server columns, in the order of the SELECT in load_servers. */
enum {
	SC_ID, SC_PROVIDER, SC_TYPE, SC_HOSTNAME, SC_PORT, SC_SOCKET,
	SC_USERNAME, SC_PRIORITY, SC_DOMAIN, SC_URL, SC_OWA_URL, SC_EWS_URL,
	SC_HAS_POP3, SC_LEAVE, SC_DAYS, SC_BIFF, SC_INTERVAL, SC_GLOBAL,
	SC_ADD_THIS, SC_RESTRICTION, SC_METHOD,
};

/* Fills a zeroed s from the server columns of the current row. */
static int read_server(struct loader *ld, sqlite3_stmt *st,
		struct sv_server *s, struct sv_err *err) {
	const char *t;
	s->id = sqlite3_column_int64(st, SC_ID);
	int rc = col_text(ld, st, SC_TYPE, &t, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (t == NULL || sv_server_type_parse(t, &s->type) != SV_OK) {
		return sv_errf(err, SV_EDB, "store: server %lld: bad type",
			(long long)s->id);
	}
	rc = col_text(ld, st, SC_SOCKET, &t, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (t == NULL) {
		s->socket = SV_SOCKET_NONE;
	} else if (sv_socket_parse(t, &s->socket) != SV_OK) {
		return sv_errf(err, SV_EDB, "store: server %lld: bad socket",
			(long long)s->id);
	}
	int has_pop3 = 0;
	if ((rc = col_int(st, SC_PORT, 1, 65535, 0, &s->port, err))
			!= SV_OK
		|| (rc = col_int(st, SC_PRIORITY, INT_MIN, INT_MAX, 0,
			&s->priority, err)) != SV_OK
		|| (rc = col_int(st, SC_HAS_POP3, 0, 1, 0, &has_pop3, err))
			!= SV_OK
		|| (rc = col_tristate(st, SC_LEAVE,
			&s->pop3.leave_on_server, err)) != SV_OK
		|| (rc = col_int(st, SC_DAYS, 0, INT_MAX, -1,
			&s->pop3.days_to_leave, err)) != SV_OK
		|| (rc = col_tristate(st, SC_BIFF,
			&s->pop3.download_on_biff, err)) != SV_OK
		|| (rc = col_int(st, SC_INTERVAL, 0, INT_MAX, -1,
			&s->pop3.check_interval_min, err)) != SV_OK
		|| (rc = col_tristate(st, SC_GLOBAL,
			&s->use_global_preferred_server, err)) != SV_OK
		|| (rc = col_tristate(st, SC_ADD_THIS, &s->add_this_server,
			err)) != SV_OK) {
		return rc;
	}
	s->has_pop3 = has_pop3 != 0;
	if ((rc = col_dup(ld, st, SC_HOSTNAME, &s->hostname, err)) != SV_OK
		|| (rc = col_dup(ld, st, SC_USERNAME, &s->username, err))
			!= SV_OK
		|| (rc = col_dup(ld, st, SC_DOMAIN, &s->domain, err)) != SV_OK
		|| (rc = col_dup(ld, st, SC_URL, &s->url, err)) != SV_OK
		|| (rc = col_dup(ld, st, SC_OWA_URL, &s->owa_url, err))
			!= SV_OK
		|| (rc = col_dup(ld, st, SC_EWS_URL, &s->ews_url, err))
			!= SV_OK
		|| (rc = col_dup(ld, st, SC_RESTRICTION, &s->restriction,
			err)) != SV_OK) {
		return rc;
	}
	return SV_OK;
}

/* Moves *s (if it holds a server) into its provider. */
static int flush_server(struct sv_provider *pv, struct sv_server *s,
		struct sv_err *err) {
	if (pv == NULL) {
		return SV_OK;
	}
	if (sv_provider_add_server(pv, s, NULL) != SV_OK) {
		return sv_errf(err, SV_ENOMEM, "store: load: out of memory");
	}
	return SV_OK;
}

/*
 * Servers and their auth methods in one pass: the LEFT JOIN yields one row
 * per method (or one row with a NULL method), grouped by server.
 */
static int load_servers(struct loader *ld, struct sv_err *err) {
	sqlite3_stmt *st;
	int rc = prepare(ld->db,
		"SELECT s.id, s.provider_id, s.type, s.hostname, s.port,"
		" s.socket, s.username, s.priority, s.domain, s.url,"
		" s.owa_url, s.ews_url, s.has_pop3, s.pop3_leave_on_server,"
		" s.pop3_days_to_leave, s.pop3_download_on_biff,"
		" s.pop3_check_interval_min, s.use_global_preferred_server,"
		" s.add_this_server, s.restriction, a.method"
		" FROM servers AS s"
		" LEFT JOIN server_auth AS a ON a.server_id = s.id"
		" ORDER BY s.provider_id, s.priority, s.id, a.position",
		&st, err);
	if (rc != SV_OK) {
		return rc;
	}
	struct sv_server cur = { 0 };
	struct sv_provider *cur_pv = NULL; /* NULL: cur holds nothing */
	int src = SQLITE_DONE;
	while (rc == SV_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, SC_ID);
		if (cur_pv == NULL || id != cur.id) {
			rc = flush_server(cur_pv, &cur, err);
			cur_pv = NULL;
			sv_server_finish(&cur);
			const char *pid = NULL;
			struct sv_provider *pv = NULL;
			if (rc == SV_OK) {
				rc = col_text(ld, st, SC_PROVIDER, &pid, err);
			}
			if (rc == SV_OK) {
				rc = find_provider(ld, pid, &pv, err);
			}
			if (rc == SV_OK) {
				cur_pv = pv;
				rc = read_server(ld, st, &cur, err);
			}
		}
		const char *m = NULL;
		if (rc == SV_OK) {
			rc = col_text(ld, st, SC_METHOD, &m, err);
		}
		if (rc != SV_OK || m == NULL) {
			continue;
		}
		if (cur.n_auth == SV_MODEL_MAX_AUTH) {
			rc = sv_errf(err, SV_EDB,
				"store: server %lld: too many auth methods",
				(long long)cur.id);
		} else if (sv_auth_parse(m, &cur.auth[cur.n_auth]) != SV_OK) {
			rc = sv_errf(err, SV_EDB,
				"store: server %lld: bad auth method",
				(long long)cur.id);
		} else {
			cur.n_auth++;
		}
	}
	if (rc == SV_OK && src != SQLITE_DONE) {
		rc = db_fail(ld->db, src, err, "store: load servers");
	}
	if (rc == SV_OK) {
		rc = flush_server(cur_pv, &cur, err);
	}
	sv_server_finish(&cur);
	finalize(st);
	return rc;
}

/* Links and their texts in one pass, like load_servers. */
static int load_links(struct loader *ld, struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = prepare(ld->db,
		"SELECT l.id, l.provider_id, l.kind, l.url, t.lang, t.text"
		" FROM links AS l"
		" LEFT JOIN link_texts AS t ON t.link_id = l.id"
		" ORDER BY l.provider_id, l.position, t.position", &s, err);
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
			if ((rc = col_text(ld, s, 1, &pid, err)) != SV_OK
				|| (rc = find_provider(ld, pid, &pv, err))
					!= SV_OK
				|| (rc = col_text(ld, s, 2, &kind, err)) != SV_OK
				|| (rc = col_text(ld, s, 3, &url, err))
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
		if ((rc = col_text(ld, s, 4, &lang, err)) != SV_OK
			|| (rc = col_text(ld, s, 5, &text, err)) != SV_OK) {
			break;
		}
		if (text != NULL && sv_link_add_text(cur, lang, text) != SV_OK) {
			rc = sv_errf(err, SV_ENOMEM,
				"store: load: out of memory");
		}
	}
	if (rc == SV_OK && src != SQLITE_DONE) {
		rc = db_fail(ld->db, src, err, "store: load links");
	}
	finalize(s);
	return rc;
}

int sv_store_load(struct sv_store *st, struct sv_provider ***out, size_t *n,
		struct sv_err *err) {
	*out = NULL;
	*n = 0;
	/* A caller's open transaction already gives a consistent view. */
	bool own = sqlite3_get_autocommit(st->db) != 0;
	if (own) {
		int rc = exec(st->db, "BEGIN", err, "store: load: begin");
		if (rc != SV_OK) {
			return rc;
		}
	}
	struct loader ld = { .db = st->db };
	int rc = load_providers(&ld, err);
	if (rc == SV_OK) {
		rc = load_domains(&ld, err);
	}
	if (rc == SV_OK) {
		rc = load_servers(&ld, err);
	}
	if (rc == SV_OK) {
		rc = load_links(&ld, err);
	}
	if (own) {
		if (rc == SV_OK) {
			rc = exec(st->db, "COMMIT", err, "store: load: commit");
		}
		if (rc != SV_OK && !sqlite3_get_autocommit(st->db)) {
			exec_quiet(st->db, "ROLLBACK");
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

void sv_store_free_providers(struct sv_provider **pvs, size_t n) {
	if (pvs == NULL) {
		return;
	}
	for (size_t i = 0; i < n; i++) {
		sv_provider_destroy(pvs[i]);
	}
	sv_free(pvs);
}

/* ------------------------------------------------------------------ */
/* Put                                                                */

enum {
	PUT_OWNER, PUT_DELETE, PUT_PROVIDER, PUT_DOMAIN, PUT_SERVER,
	PUT_AUTH, PUT_LINK, PUT_TEXT, PUT_COUNT
};

static const char *const put_sql[PUT_COUNT] = {
	[PUT_OWNER] = "SELECT provider_id FROM domains WHERE name = ?1",
	[PUT_DELETE] = "DELETE FROM providers WHERE id = ?1",
	[PUT_PROVIDER] = "INSERT INTO providers (id, display_name,"
		" short_name, webmail_login_page, webmail_info_url,"
		" webmail_username, webmail_username_field_id,"
		" webmail_username_field_name, webmail_password_field_id,"
		" webmail_password_field_name, webmail_login_button_id,"
		" webmail_login_button_name, oauth2_issuer, oauth2_scope,"
		" oauth2_auth_url, oauth2_token_url)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" ?13, ?14, ?15, ?16)",
	[PUT_DOMAIN] = "INSERT INTO domains (name, provider_id, position)"
		" VALUES (?1, ?2, ?3)",
	[PUT_SERVER] = "INSERT INTO servers (provider_id, type, hostname,"
		" port, socket, username, priority, domain, url, owa_url,"
		" ews_url, has_pop3, pop3_leave_on_server, pop3_days_to_leave,"
		" pop3_download_on_biff, pop3_check_interval_min,"
		" use_global_preferred_server, add_this_server, restriction)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
	[PUT_AUTH] = "INSERT INTO server_auth (server_id, position, method)"
		" VALUES (?1, ?2, ?3)",
	[PUT_LINK] = "INSERT INTO links (provider_id, kind, position, url)"
		" VALUES (?1, ?2, ?3, ?4)",
	[PUT_TEXT] = "INSERT INTO link_texts (link_id, position, lang, text)"
		" VALUES (?1, ?2, ?3, ?4)",
};

struct putter {
	sqlite3 *db;
	const struct sv_provider *pv;
	sqlite3_stmt *s[PUT_COUNT];
};

static int bind_fail(struct putter *p, int src, struct sv_err *err,
		const char *what) {
	return db_fail(p->db, src, err, "provider %s: %s: bind", p->pv->id,
		what);
}

/* SV_EEXIST when a domain of pv is owned by another provider. */
static int check_owners(struct putter *p, struct sv_err *err) {
	sqlite3_stmt *s = p->s[PUT_OWNER];
	for (size_t i = 0; i < p->pv->n_domains; i++) {
		const char *name = p->pv->domains[i];
		int src = SQLITE_OK;
		bind_text(s, 1, name, &src);
		if (src != SQLITE_OK) {
			return bind_fail(p, src, err, "domain");
		}
		int rc = SV_OK;
		src = sqlite3_step(s);
		if (src == SQLITE_ROW) {
			const char *owner =
				(const char *)sqlite3_column_text(s, 0);
			if (owner == NULL) {
				rc = db_fail(p->db, SQLITE_NOMEM, err,
					"store: domain owner");
			} else if (strcmp(owner, p->pv->id) != 0) {
				rc = sv_errf(err, SV_EEXIST,
					"domain %s belongs to provider %s",
					name, owner);
			}
		} else if (src != SQLITE_DONE) {
			rc = db_fail(p->db, src, err, "domain %s", name);
		}
		src = sqlite3_reset(s);
		if (rc == SV_OK && src != SQLITE_OK) {
			rc = db_fail(p->db, src, err, "domain %s", name);
		}
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

static int put_provider_row(struct putter *p, struct sv_err *err) {
	const struct sv_provider *pv = p->pv;
	const struct sv_webmail *w = &pv->webmail;
	const struct sv_oauth2 *o = &pv->oauth2;
	const char *const v[] = {
		pv->id, pv->display_name, pv->short_name,
		w->login_page, w->info_url, w->username,
		w->username_field_id, w->username_field_name,
		w->password_field_id, w->password_field_name,
		w->login_button_id, w->login_button_name,
		o->issuer, o->scope, o->auth_url, o->token_url,
	};
	sqlite3_stmt *s = p->s[PUT_PROVIDER];
	int src = SQLITE_OK;
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		bind_text(s, (int)i + 1, v[i], &src);
	}
	if (src != SQLITE_OK) {
		return bind_fail(p, src, err, "provider");
	}
	return step_done(p->db, s, err, "provider %s", pv->id);
}

static int put_domains(struct putter *p, struct sv_err *err) {
	sqlite3_stmt *s = p->s[PUT_DOMAIN];
	for (size_t i = 0; i < p->pv->n_domains; i++) {
		int src = SQLITE_OK;
		bind_text(s, 1, p->pv->domains[i], &src);
		bind_text(s, 2, p->pv->id, &src);
		bind_int(s, 3, (int64_t)i, &src);
		if (src != SQLITE_OK) {
			return bind_fail(p, src, err, "domain");
		}
		int rc = step_done(p->db, s, err, "provider %s: domain %s",
			p->pv->id, p->pv->domains[i]);
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

static int put_server(struct putter *p, size_t idx, struct sv_err *err) {
	const struct sv_server *sv = &p->pv->servers[idx];
	const char *type = sv_server_type_name(sv->type);
	sqlite3_stmt *s = p->s[PUT_SERVER];
	int src = SQLITE_OK;
	bind_text(s, 1, p->pv->id, &src);
	bind_text(s, 2, type, &src);
	bind_text(s, 3, sv->hostname, &src);
	bind_int_or_null(s, 4, sv->port, 0, &src);
	bind_text(s, 5, sv->socket == SV_SOCKET_NONE ? NULL
		: sv_socket_name(sv->socket), &src);
	bind_text(s, 6, sv->username, &src);
	bind_int(s, 7, sv->priority, &src);
	bind_text(s, 8, sv->domain, &src);
	bind_text(s, 9, sv->url, &src);
	bind_text(s, 10, sv->owa_url, &src);
	bind_text(s, 11, sv->ews_url, &src);
	/* Without a <pop3> element the options mean nothing (the validator
	 * ignores them): store them absent. */
	const struct sv_pop3_options none = {
		SV_UNSET, -1, SV_UNSET, -1
	};
	const struct sv_pop3_options *o = sv->has_pop3 ? &sv->pop3 : &none;
	bind_int(s, 12, sv->has_pop3 ? 1 : 0, &src);
	bind_tristate(s, 13, o->leave_on_server, &src);
	bind_int_or_null(s, 14, o->days_to_leave, -1, &src);
	bind_tristate(s, 15, o->download_on_biff, &src);
	bind_int_or_null(s, 16, o->check_interval_min, -1, &src);
	bind_tristate(s, 17, sv->use_global_preferred_server, &src);
	bind_tristate(s, 18, sv->add_this_server, &src);
	bind_text(s, 19, sv->restriction, &src);
	if (src != SQLITE_OK) {
		return bind_fail(p, src, err, "server");
	}
	int rc = step_done(p->db, s, err, "provider %s: server %zu (%s)",
		p->pv->id, idx + 1, type != NULL ? type : "?");
	if (rc != SV_OK) {
		return rc;
	}
	int64_t id = sqlite3_last_insert_rowid(p->db);
	s = p->s[PUT_AUTH];
	for (size_t i = 0; i < sv->n_auth; i++) {
		bind_int(s, 1, id, &src);
		bind_int(s, 2, (int64_t)i, &src);
		bind_text(s, 3, sv_auth_name(sv->auth[i]), &src);
		if (src != SQLITE_OK) {
			return bind_fail(p, src, err, "authentication");
		}
		rc = step_done(p->db, s, err,
			"provider %s: server %zu: authentication %zu",
			p->pv->id, idx + 1, i + 1);
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

static int put_link(struct putter *p, size_t idx, struct sv_err *err) {
	const struct sv_link *l = &p->pv->links[idx];
	sqlite3_stmt *s = p->s[PUT_LINK];
	int src = SQLITE_OK;
	bind_text(s, 1, p->pv->id, &src);
	bind_text(s, 2, sv_link_kind_name(l->kind), &src);
	bind_int(s, 3, (int64_t)idx, &src);
	bind_text(s, 4, l->url, &src);
	if (src != SQLITE_OK) {
		return bind_fail(p, src, err, "link");
	}
	int rc = step_done(p->db, s, err, "provider %s: link %zu", p->pv->id,
		idx + 1);
	if (rc != SV_OK) {
		return rc;
	}
	int64_t id = sqlite3_last_insert_rowid(p->db);
	s = p->s[PUT_TEXT];
	for (size_t i = 0; i < l->n_texts; i++) {
		bind_int(s, 1, id, &src);
		bind_int(s, 2, (int64_t)i, &src);
		bind_text(s, 3, l->texts[i].lang, &src);
		bind_text(s, 4, l->texts[i].text, &src);
		if (src != SQLITE_OK) {
			return bind_fail(p, src, err, "link text");
		}
		rc = step_done(p->db, s, err, "provider %s: link %zu: text %zu",
			p->pv->id, idx + 1, i + 1);
		if (rc != SV_OK) {
			return rc;
		}
	}
	return SV_OK;
}

/* The body of sv_store_put_provider, inside its savepoint. */
static int put_rows(struct putter *p, struct sv_err *err) {
	int rc = SV_OK;
	for (size_t i = 0; rc == SV_OK && i < PUT_COUNT; i++) {
		rc = prepare(p->db, put_sql[i], &p->s[i], err);
	}
	if (rc == SV_OK) {
		rc = check_owners(p, err);
	}
	if (rc == SV_OK) {
		/* cascades to domains, servers, server_auth, links, texts */
		int src = SQLITE_OK;
		bind_text(p->s[PUT_DELETE], 1, p->pv->id, &src);
		rc = src != SQLITE_OK ? bind_fail(p, src, err, "delete")
			: step_done(p->db, p->s[PUT_DELETE], err,
				"provider %s: delete", p->pv->id);
	}
	if (rc == SV_OK) {
		rc = put_provider_row(p, err);
	}
	if (rc == SV_OK) {
		rc = put_domains(p, err);
	}
	for (size_t i = 0; rc == SV_OK && i < p->pv->n_servers; i++) {
		rc = put_server(p, i, err);
	}
	for (size_t i = 0; rc == SV_OK && i < p->pv->n_links; i++) {
		rc = put_link(p, i, err);
	}
	for (size_t i = 0; i < PUT_COUNT; i++) {
		finalize(p->s[i]);
		p->s[i] = NULL;
	}
	return rc;
}

int sv_store_put_provider(struct sv_store *st, const struct sv_provider *pv,
		struct sv_err *err) {
	int rc = sv_provider_validate(pv, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (st->mode == SV_STORE_READONLY) {
		return sv_errf(err, SV_EDB, "store: opened read-only");
	}
	/*
	 * Our own transaction is IMMEDIATE: a deferred one would read first
	 * and could then fail to upgrade to a write lock (SQLITE_BUSY without
	 * the busy handler) if another connection wrote in between.
	 */
	bool own = sqlite3_get_autocommit(st->db) != 0;
	if (own) {
		rc = exec(st->db, "BEGIN IMMEDIATE", err, "store: put: begin");
		if (rc != SV_OK) {
			return rc;
		}
	}
	rc = exec(st->db, "SAVEPOINT " SAVEPOINT_NAME, err,
		"store: put: savepoint");
	if (rc == SV_OK) {
		struct putter p = { .db = st->db, .pv = pv };
		rc = put_rows(&p, err);
		if (rc == SV_OK) {
			rc = exec(st->db, "RELEASE " SAVEPOINT_NAME, err,
				"store: put: release");
		}
		if (rc != SV_OK) {
			/* Fails only when SQLite already rolled back the
			 * whole transaction (e.g. on SQLITE_FULL). */
			exec_quiet(st->db, "ROLLBACK TO " SAVEPOINT_NAME);
			exec_quiet(st->db, "RELEASE " SAVEPOINT_NAME);
		}
	}
	if (own) {
		if (rc == SV_OK) {
			rc = exec(st->db, "COMMIT", err, "store: put: commit");
		}
		if (rc != SV_OK && !sqlite3_get_autocommit(st->db)) {
			exec_quiet(st->db, "ROLLBACK");
		}
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Queries                                                            */

int sv_store_count_providers(struct sv_store *st, int64_t *out,
		struct sv_err *err) {
	return query_int(st->db, "SELECT count(*) FROM providers", out, err);
}

int sv_store_data_version(struct sv_store *st, int64_t *out,
		struct sv_err *err) {
	return query_int(st->db, "PRAGMA data_version", out, err);
}
