/* SPDX-License-Identifier: MIT */
/*
 * The web admin's accounts and sessions: the rows of admin_users and
 * admin_sessions (schema/0005_webadmin.sql), one prepared statement per
 * call. Nothing here knows what a password or a token is: the web admin
 * hands over a hash and hex digests; the schema's CHECKs refuse anything
 * else.
 */
#include <string.h>

#include "store/store_account.h"
#include "store/store_internal.h"
#include "util/alloc.h"

int sv_store_account_name_check(const char *name, struct sv_err *err) {
	size_t n = strlen(name);
	if (n == 0 || n > SV_ACCOUNT_NAME_MAX) {
		return sv_errf(err, SV_EINVAL, "account name: 1 to %d "
			"characters", SV_ACCOUNT_NAME_MAX);
	}
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '.' || c == '_' ||
				c == '@' || c == '-')) {
			return sv_errf(err, SV_EINVAL, "account name: letters, "
				"digits, '.', '_', '@' and '-' only");
		}
	}
	return SV_OK;
}

int sv_store_account_add(struct sv_store *st, const char *name,
		const char *hash, int64_t now, struct sv_err *err) {
	int rc = sv_store_account_name_check(name, err);
	if (rc != SV_OK) {
		return rc;
	}
	bool found;
	rc = store_query_one(st->db, "SELECT 1 FROM admin_users WHERE name = ?1",
		name, 0, NULL, NULL, &found, err);
	if (rc == SV_OK && found) {
		return sv_errf(err, SV_EEXIST, "account %s already exists",
			name);
	}
	if (rc != SV_OK) {
		return rc;
	}
	return store_run_bound(st->db, "INSERT INTO admin_users (name,"
		" password_hash, created_at) VALUES (?1, ?2, ?3)",
		(const char *[]){ name, hash }, 2, &now, 1, NULL, "account",
		err);
}

int sv_store_account_rm(struct sv_store *st, const char *name,
		struct sv_err *err) {
	int64_t n = 0;
	int rc = store_run_bound(st->db, "DELETE FROM admin_users"
		" WHERE name = ?1", &name, 1, NULL, 0, &n, "account", err);
	if (rc == SV_OK && n == 0) {
		rc = sv_errf(err, SV_ENOTFOUND, "no account %s", name);
	}
	return rc;
}

int sv_store_account_hash(struct sv_store *st, const char *name,
		char **hash, struct sv_err *err) {
	return store_query_must(st->db, "SELECT password_hash FROM admin_users"
		" WHERE name = ?1", name, 0, hash, "account", err);
}

/* Copies column i of s into out[size], or fails when it does not fit. */
static int column_copy(sqlite3_stmt *s, int i, char *out, size_t size,
		struct sv_err *err) {
	const unsigned char *t = sqlite3_column_text(s, i);
	size_t n = t != NULL ? (size_t)sqlite3_column_bytes(s, i) : 0;
	if (n >= size) {
		return sv_errf(err, SV_EDB, "store: a stored value is too long");
	}
	memcpy(out, t != NULL ? (const char *)t : "", n);
	out[n] = '\0';
	return SV_OK;
}

static int account_row(sqlite3_stmt *s, void *elem, struct sv_err *err) {
	struct sv_account *a = elem;
	a->created_at = sqlite3_column_int64(s, 1);
	a->sessions = sqlite3_column_int64(s, 2);
	return column_copy(s, 0, a->name, sizeof(a->name), err);
}

static void accounts_free(void *list, size_t n) {
	(void)n;
	sv_free(list);
}

int sv_store_account_list(struct sv_store *st, struct sv_account **out,
		size_t *n, struct sv_err *err) {
	sqlite3_stmt *s;
	void *list = NULL;
	*n = 0;
	int rc = store_prepare(st->db, "SELECT name, created_at,"
		" (SELECT count(*) FROM admin_sessions WHERE user_name = name)"
		" FROM admin_users ORDER BY name", &s, err);
	if (rc == SV_OK) {
		rc = store_collect(st->db, s, sizeof(**out), account_row,
			accounts_free, &list, n, "accounts", err);
	}
	*out = list;
	return rc;
}

int sv_store_session_add(struct sv_store *st, const char *token_hash,
		const struct sv_store_session *s, struct sv_err *err) {
	const int64_t v[] = { s->created_at, s->last_seen };
	return store_run_bound(st->db, "INSERT INTO admin_sessions (token_hash,"
		" user_name, csrf, created_at, last_seen)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
		(const char *[]){ token_hash, s->user, s->csrf }, 3, v, 2,
		NULL, "session", err);
}

int sv_store_session_get(struct sv_store *st, const char *token_hash,
		struct sv_store_session *out, struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = store_prepare_bound(st->db, "SELECT user_name, csrf,"
		" created_at, last_seen FROM admin_sessions"
		" WHERE token_hash = ?1",
		&token_hash, 1, NULL, 0, &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW) {
		rc = column_copy(s, 0, out->user, sizeof(out->user), err);
		if (rc == SV_OK) {
			rc = column_copy(s, 1, out->csrf, sizeof(out->csrf),
				err);
		}
		out->created_at = sqlite3_column_int64(s, 2);
		out->last_seen = sqlite3_column_int64(s, 3);
	} else if (src == SQLITE_DONE) {
		rc = sv_errf(err, SV_ENOTFOUND, "no such session");
	} else {
		rc = store_db_fail(st->db, src, err, "store: session");
	}
	store_finalize(s);
	return rc;
}

int sv_store_session_touch(struct sv_store *st, const char *token_hash,
		int64_t now, struct sv_err *err) {
	return store_run_bound(st->db, "UPDATE admin_sessions"
		" SET last_seen = ?2 WHERE token_hash = ?1", &token_hash, 1,
		&now, 1, NULL, "session", err);
}

int sv_store_session_rm(struct sv_store *st, const char *token_hash,
		struct sv_err *err) {
	return store_run_bound(st->db, "DELETE FROM admin_sessions"
		" WHERE token_hash = ?1", &token_hash, 1, NULL, 0, NULL,
		"session", err);
}

int sv_store_session_purge(struct sv_store *st, int64_t idle_before,
		int64_t created_before, struct sv_err *err) {
	const int64_t v[] = { idle_before, created_before };
	return store_run_bound(st->db, "DELETE FROM admin_sessions"
		" WHERE last_seen < ?1 OR created_at < ?2", NULL, 0, v, 2, NULL,
		"sessions", err);
}
