/* SPDX-License-Identifier: MIT */
/*
 * The SQLite store: opening, migrations, transactions and the statement
 * helpers that the other store files share (include/store/store_internal.h).
 * Only the store's files include sqlite3.h: this one, store_load.c (rows
 * to model), store_write.c (model to rows) and store_admin.c (the admin
 * mutations).
 *
 * Opening checks that the file is ours (PRAGMA application_id) and not
 * newer than this binary (PRAGMA user_version), then applies the pending
 * migrations compiled in from schema/NNNN_name.sql, each in one BEGIN
 * IMMEDIATE transaction that also sets user_version, so a crash leaves
 * either the old or the new schema. Connections run with foreign keys on,
 * WAL (writers only: a read-only connection cannot change the journal
 * mode) and a busy timeout.
 *
 * Every write call runs under a SAVEPOINT (store_write_begin/end), inside
 * the caller's transaction when one is open, else inside its own BEGIN
 * IMMEDIATE one, and rolls back to it on any failure.
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
#include <time.h>

#include "store/store_schema.h"
#include "store/store_internal.h"
#include "model/service_url.h"
#include "util/alloc.h"

#define BUSY_TIMEOUT_MS 5000
#define SAVEPOINT_NAME "sv_write"
/* The largest -wal file a rolled-back write leaves behind (wal_trim),
 * and what journal_size_limit lets SQLite keep when it restarts the WAL. */
#define WAL_KEEP_BYTES 1048576
#define WAL_KEEP_SQL "1048576"
/* How long a writer retries truncating the WAL after a commit, and how
 * often (wal_trim). */
#define WAL_TRIM_MS 1000
#define WAL_TRIM_STEP_MS 20

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
	int rc = store_exec(db, "BEGIN IMMEDIATE", err,
		"store: migrate: begin");
	if (rc != SV_OK) {
		return rc;
	}
	/* Another process may have migrated since we looked. */
	int64_t now = 0;
	rc = store_query_int(db, "PRAGMA user_version", &now, err);
	if (rc != SV_OK || now >= v) {
		goto done;
	}
	rc = store_exec(db, m->data, err, m->name);
	if (rc != SV_OK) {
		goto done;
	}
	/* The data must satisfy the constraints of the new schema. */
	sqlite3_stmt *s;
	rc = store_prepare(db, "PRAGMA foreign_key_check", &s, err);
	if (rc != SV_OK) {
		goto done;
	}
	int src = sqlite3_step(s);
	store_finalize(s);
	if (src != SQLITE_DONE) {
		rc = src == SQLITE_ROW
			? sv_errf(err, SV_EDB, "%s: foreign key violations",
				m->name)
			: store_db_fail(db, src, err, "%s: foreign_key_check",
				m->name);
		goto done;
	}
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	rc = store_exec(db, sql, err, "store: migrate: user_version");
	if (rc != SV_OK) {
		goto done;
	}
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %ld",
		(long)SV_STORE_APPLICATION_ID);
	rc = store_exec(db, sql, err, "store: migrate: application_id");
done:
	if (rc == SV_OK) {
		rc = store_exec(db, "COMMIT", err, "store: migrate: commit");
	}
	if (rc != SV_OK && !sqlite3_get_autocommit(db)) {
		store_exec_quiet(db, "ROLLBACK");
	}
	return rc;
}

/*
 * suivant_account_url_ok(url): 1 when url is an https URL that the
 * model's service URL parser accepts, what an account service (ews, owa,
 * graph...) needs; else 0. 0010 moves the older URL-typed servers rows
 * with it, because SQL alone cannot say what the parser refuses.
 */
static void account_url_ok(sqlite3_context *ctx, int argc,
		sqlite3_value **argv) {
	(void)argc;
	/* the type before sqlite3_value_text, which may convert it */
	bool text = sqlite3_value_type(argv[0]) == SQLITE_TEXT;
	const unsigned char *url = text ? sqlite3_value_text(argv[0]) : NULL;
	struct sv_service_url u;
	struct sv_err sub;
	sqlite3_result_int(ctx, url != NULL
		&& strlen((const char *)url) ==
			(size_t)sqlite3_value_bytes(argv[0])
		&& sv_service_url_parse((const char *)url, "url", &u, &sub) ==
			SV_OK
		&& u.https);
}

static int migrate(sqlite3 *db, int64_t current, struct sv_err *err) {
	/* for the migrations only: not in triggers or views (DIRECTONLY),
	 * which other connections would run without it */
	int src = sqlite3_create_function_v2(db, "suivant_account_url_ok", 1,
		SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
		account_url_ok, NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		return store_db_fail(db, src, err, "store: migrate: function");
	}
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
	int rc = store_query_int(db, "PRAGMA application_id", &app_id, err);
	if (rc == SV_OK) {
		rc = store_query_int(db, "PRAGMA user_version", version, err);
	}
	if (rc == SV_OK) {
		rc = store_query_int(db, "SELECT count(*) FROM sqlite_master",
			&n_objects, err);
	}
	if (rc != SV_OK) {
		/* The first read of the file: say which file, and what its
		 * state most likely means rather than which query saw it. */
		switch (sqlite3_errcode(db)) {
		case SQLITE_NOTADB:
			return sv_errf(err, rc, "%s: file is not a database (no "
				"SQLite header: not a database file, or "
				"overwritten)", path);
		case SQLITE_CORRUPT:
			return sv_errf(err, rc, "%s: database disk image is "
				"malformed (damaged, or overwritten while in "
				"use)", path);
		default:
			break;
		}
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
		rc = store_db_fail(st->db, src, err, "%s", path);
		goto fail;
	}
	src = sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	if (src != SQLITE_OK) {
		rc = store_db_fail(st->db, src, err, "%s: busy_timeout", path);
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
		rc = store_prepare(st->db, "PRAGMA journal_mode = WAL", &s,
			err);
		if (rc != SV_OK) {
			goto fail;
		}
		src = sqlite3_step(s);
		store_finalize(s);
		if (src != SQLITE_ROW) {
			rc = store_db_fail(st->db, src, err, "%s: journal_mode",
				path);
			goto fail;
		}
		rc = store_exec(st->db, "PRAGMA journal_size_limit = "
			WAL_KEEP_SQL, err, "store: journal_size_limit");
		/* The temporary tables of migrations and of a sync (a million
		 * names) in memory. Set before the first one exists: once the
		 * temporary database is open SQLite refuses to change this
		 * inside a transaction, where a sync fills its table. */
		if (rc == SV_OK) {
			rc = store_exec(st->db, "PRAGMA temp_store = MEMORY",
				err, "store: temp_store");
		}
		if (rc != SV_OK) {
			goto fail;
		}
		/* Migrations may rebuild tables: the SQLite-documented
		 * procedure runs them with foreign keys off and checks with
		 * foreign_key_check before committing. */
		rc = store_exec(st->db, "PRAGMA foreign_keys = OFF", err,
			"store: foreign_keys");
		if (rc == SV_OK) {
			rc = migrate(st->db, version, err);
		}
		if (rc != SV_OK) {
			goto fail;
		}
	}
	rc = store_exec(st->db, "PRAGMA foreign_keys = ON", err,
		"store: foreign_keys");
	if (rc == SV_OK && mode == SV_STORE_READONLY) {
		/* SQLITE_OPEN_READONLY still lets BEGIN IMMEDIATE through */
		rc = store_exec(st->db, "PRAGMA query_only = ON", err,
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

int sv_store_upgrade(const char *path, int *from, struct sv_err *err) {
	*from = 0;
	sqlite3 *db = NULL;
	int64_t app = 0, version = 0;
	bool ours = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY |
		SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK &&
		store_query_int(db, "PRAGMA application_id", &app, NULL) ==
			SV_OK &&
		store_query_int(db, "PRAGMA user_version", &version, NULL) ==
			SV_OK &&
		app == SV_STORE_APPLICATION_ID;
	int src = sqlite3_close(db); /* NULL-safe; nothing prepared is left */
	(void)src;
	if (!ours || version <= 0 || version > INT_MAX) {
		return SV_OK;
	}
	*from = (int)version;
	if (version >= sv_store_schema_version()) {
		return SV_OK;
	}
	struct sv_store *st;
	int rc = sv_store_open_rc(path, SV_STORE_READWRITE, &st, err);
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
	sv_store_rollback(st); /* a transaction left open, and its WAL */
	if (st->put_cache != NULL) {
		for (size_t i = 0; i < PUT_COUNT; i++) {
			store_finalize(st->put_cache[i]);
		}
		sv_free(st->put_cache);
	}
	/* Fails only with unfinalized statements, which would be our bug. */
	int src = sqlite3_close(st->db);
	assert(src == SQLITE_OK);
	(void)src;
	sv_free(st);
}

/* ------------------------------------------------------------------ */
/* Transactions                                                       */

/*
 * Once a write transaction of ours has ended: after a commit, or when the
 * -wal file grew past WAL_KEEP_BYTES (the cache spilled into it before a
 * rollback), the WAL is checkpointed into the database file and truncated.
 * A server keeps a connection open, so SQLite's last-close checkpoint never
 * comes while it runs: without this a failed or large import leaves the
 * -wal file at its peak size (a full disk stays full), and frames left in
 * it would be read over, or replayed onto, a database copied or renamed
 * over the file. A rolled-back small write does nothing: the WAL index
 * stays as it is, so a server does not reload.
 *
 * Copying (PASSIVE) needs no lock and waits for no one. Truncating needs
 * the write lock and no reader in the WAL (a server's reload); SQLite
 * would hold the write lock while it waits, stalling other writers into
 * their busy timeout. So, without a busy handler: copy, and once all is
 * copied, truncate (the write lock is then held for an instant); what a
 * reader still blocks is retried, holding no lock in between, for
 * WAL_TRIM_MS (a large WAL: BUSY_TIMEOUT_MS). Failing changes nothing,
 * the write is done; the next write tries again, and journal_size_limit
 * trims the WAL when SQLite restarts it.
 */
static void wal_trim(struct sv_store *st, bool committed) {
	if (!st->wrote) {
		return;
	}
	st->wrote = false;
	const char *db = sqlite3_db_filename(st->db, "main");
	const char *wal = db != NULL && db[0] != '\0' ?
		sqlite3_filename_wal(db) : NULL;
	struct stat sb;
	bool large = wal != NULL && stat(wal, &sb) == 0 &&
		sb.st_size > WAL_KEEP_BYTES;
	if (!committed && !large) {
		return;
	}
	long limit_ms = large ? BUSY_TIMEOUT_MS : WAL_TRIM_MS;
	/* only misuse makes this fail: the connection is open */
	if (sqlite3_busy_timeout(st->db, 0) != SQLITE_OK) {
		return;
	}
	for (long waited = 0;; waited += WAL_TRIM_STEP_MS) {
		int frames = -1, copied = -1;
		int src = sqlite3_wal_checkpoint_v2(st->db, NULL,
			SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
		if (src == SQLITE_OK && frames == copied) {
			src = sqlite3_wal_checkpoint_v2(st->db, NULL,
				SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		} else if (src == SQLITE_OK) {
			src = SQLITE_BUSY; /* a reader holds the rest back */
		}
		/* done, or an error that waiting will not mend */
		if (src != SQLITE_BUSY || waited >= limit_ms) {
			break;
		}
		struct timespec t = { 0, WAL_TRIM_STEP_MS * 1000000L };
		while (nanosleep(&t, &t) != 0 && errno == EINTR) {
		}
	}
	int src = sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	(void)src;
}

int sv_store_begin(struct sv_store *st, struct sv_err *err) {
	if (st->mode == SV_STORE_READONLY) {
		return sv_errf(err, SV_EDB, "store: opened read-only");
	}
	int rc = store_exec(st->db, "BEGIN IMMEDIATE", err, "store: begin");
	st->wrote |= rc == SV_OK;
	return rc;
}

int sv_store_commit(struct sv_store *st, struct sv_err *err) {
	int rc = store_exec(st->db, "COMMIT", err, "store: commit");
	if (rc != SV_OK && !sqlite3_get_autocommit(st->db)) {
		/* all or nothing: never leave the caller inside it */
		store_exec_quiet(st->db, "ROLLBACK");
	}
	wal_trim(st, rc == SV_OK);
	return rc;
}

void sv_store_rollback(struct sv_store *st) {
	if (st == NULL || st->db == NULL) {
		return;
	}
	if (!sqlite3_get_autocommit(st->db)) {
		store_exec_quiet(st->db, "ROLLBACK");
	}
	/* also when SQLite rolled back by itself (SQLITE_FULL) */
	wal_trim(st, false);
}

int store_write_begin(struct sv_store *st, struct sv_err *err) {
	/*
	 * Our own transaction is IMMEDIATE: a deferred one would read first
	 * and could then fail to upgrade to a write lock (SQLITE_BUSY without
	 * the busy handler) if another connection wrote in between.
	 */
	bool own = st->writes++ == 0 && sqlite3_get_autocommit(st->db);
	int rc = SV_OK;
	if (st->mode == SV_STORE_READONLY) {
		rc = sv_errf(err, SV_EDB, "store: opened read-only");
	} else if (own) {
		rc = store_exec(st->db, "BEGIN IMMEDIATE", err, "store: begin");
		st->wrote |= rc == SV_OK;
	}
	if (rc == SV_OK) {
		rc = store_exec(st->db, "SAVEPOINT " SAVEPOINT_NAME, err,
			"store: savepoint");
		if (rc != SV_OK && own) {
			store_exec_quiet(st->db, "ROLLBACK");
		}
	}
	if (st->writes == 1) {
		st->own_txn = own && rc == SV_OK;
	}
	/* the end that follows has nothing to close */
	st->begin_failed = rc != SV_OK;
	return rc;
}

int store_write_end(struct sv_store *st, int rc, struct sv_err *err) {
	st->writes--;
	if (st->begin_failed) {
		st->begin_failed = false;
		return rc;
	}
	if (rc == SV_OK) {
		rc = store_exec(st->db, "RELEASE " SAVEPOINT_NAME, err,
			"store: release");
	}
	if (rc != SV_OK) {
		/* Fails only when SQLite already rolled back the whole
		 * transaction (e.g. on SQLITE_FULL). */
		store_exec_quiet(st->db, "ROLLBACK TO " SAVEPOINT_NAME);
		store_exec_quiet(st->db, "RELEASE " SAVEPOINT_NAME);
	}
	if (st->writes == 0 && st->own_txn) {
		st->own_txn = false;
		if (rc == SV_OK) {
			rc = store_exec(st->db, "COMMIT", err, "store: commit");
		}
		if (rc != SV_OK && !sqlite3_get_autocommit(st->db)) {
			store_exec_quiet(st->db, "ROLLBACK");
		}
		wal_trim(st, rc == SV_OK);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* Queries                                                            */

int sv_store_count_providers(struct sv_store *st, int64_t *out,
		struct sv_err *err) {
	return store_query_int(st->db, "SELECT count(*) FROM providers", out,
		err);
}

int sv_store_data_version(struct sv_store *st, int64_t *out,
		struct sv_err *err) {
	return store_query_int(st->db, "PRAGMA data_version", out, err);
}
