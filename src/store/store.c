/* SPDX-License-Identifier: MIT */
/*
 * The SQLite store: opening and migrations; the statement helpers that
 * the store's files share are in store_statement.c, transactions in
 * store_transaction.c (include/store/store_internal.h).
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
 * Ownership: a struct sv_store owns its sqlite3 connection. No prepared
 * statement outlives the call that prepared it, so sqlite3_close never
 * finds one. Strings bound with SQLITE_STATIC borrow from the caller's
 * provider for the duration of one sqlite3_step.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_schema.h"
#include "store/store_internal.h"
#include "model/service_url.h"
#include "util/alloc.h"

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
	src = sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
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
			STORE_WAL_KEEP_SQL, err, "store: journal_size_limit");
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
