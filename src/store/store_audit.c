/* SPDX-License-Identifier: MIT */
/* The web admin's audit rows (store_audit.h). */
#include <string.h>

#include "store/store_audit.h"
#include "store/store_internal.h"
#include "util/alloc.h"

int sv_store_audit_add(struct sv_store *st, const struct sv_audit_entry *e,
		struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = store_prepare(st->db, "INSERT INTO admin_audit (at, actor,"
		" action, provider_id, before_json, after_json)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = SQLITE_OK;
	store_bind_int(s, 1, e->at, &src);
	store_bind_text(s, 2, e->actor, &src);
	store_bind_text(s, 3, e->action, &src);
	store_bind_text(s, 4, e->provider_id, &src);
	store_bind_text(s, 5, e->before_json, &src);
	store_bind_text(s, 6, e->after_json, &src);
	rc = src != SQLITE_OK ? store_db_fail(st->db, src, err, "store: bind")
		: store_step_done(st->db, s, err, "audit");
	store_finalize(s);
	return rc;
}

void sv_store_audit_free(struct sv_audit_entry *list, size_t n) {
	for (size_t i = 0; list != NULL && i < n; i++) {
		sv_free(list[i].actor);
		sv_free(list[i].action);
		sv_free(list[i].provider_id);
		sv_free(list[i].before_json);
		sv_free(list[i].after_json);
	}
	sv_free(list);
}

/* An owned copy of column i, NULL for SQL NULL; false when out of memory. */
static bool column_dup(sqlite3_stmt *s, int i, char **out) {
	const unsigned char *t = sqlite3_column_text(s, i);
	*out = t != NULL ? sv_strdup((const char *)t) : NULL;
	return t == NULL || *out != NULL;
}

int sv_store_audit_list(struct sv_store *st, size_t limit,
		struct sv_audit_entry **out, size_t *n, struct sv_err *err) {
	sqlite3_stmt *s;
	*out = NULL;
	*n = 0;
	int rc = store_prepare(st->db, "SELECT id, at, actor, action,"
		" provider_id, before_json, after_json FROM admin_audit"
		" ORDER BY id DESC LIMIT ?1", &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = SQLITE_OK;
	store_bind_int(s, 1, limit == 0 ? -1 : (int64_t)limit, &src);
	struct sv_audit_entry *list = NULL;
	size_t count = 0;
	while (src == SQLITE_OK || src == SQLITE_ROW) {
		src = sqlite3_step(s);
		if (src != SQLITE_ROW) {
			break;
		}
		struct sv_audit_entry *grown = sv_reallocarray(list, count + 1,
			sizeof(*list));
		if (grown == NULL) {
			rc = sv_errf(err, SV_ENOMEM, "store: out of memory");
			break;
		}
		list = grown;
		struct sv_audit_entry *e = &list[count++];
		memset(e, 0, sizeof(*e));
		e->id = sqlite3_column_int64(s, 0);
		e->at = sqlite3_column_int64(s, 1);
		if (!column_dup(s, 2, &e->actor) ||
				!column_dup(s, 3, &e->action) ||
				!column_dup(s, 4, &e->provider_id) ||
				!column_dup(s, 5, &e->before_json) ||
				!column_dup(s, 6, &e->after_json)) {
			rc = sv_errf(err, SV_ENOMEM, "store: out of memory");
			break;
		}
	}
	if (rc == SV_OK && src != SQLITE_DONE) {
		rc = store_db_fail(st->db, src, err, "store: audit");
	}
	store_finalize(s);
	if (rc != SV_OK) {
		sv_store_audit_free(list, count);
		return rc;
	}
	*out = list;
	*n = count;
	return SV_OK;
}
