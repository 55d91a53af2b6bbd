/* SPDX-License-Identifier: MIT */
/* The web admin's audit rows (store_audit.h). */
#include <string.h>

#include "store/store_audit.h"
#include "store/store_internal.h"
#include "util/alloc.h"

int sv_store_audit_add(struct sv_store *st, const struct sv_audit_entry *e,
		struct sv_err *err) {
	return store_run_bound(st->db, "INSERT INTO admin_audit (actor, action,"
		" provider_id, before_json, after_json, at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)", (const char *[]){ e->actor,
		e->action, e->provider_id, e->before_json, e->after_json }, 5,
		&e->at, 1, NULL, "audit", err);
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

static int audit_row(sqlite3_stmt *s, void *elem, struct sv_err *err) {
	struct sv_audit_entry *e = elem;
	e->id = sqlite3_column_int64(s, 0);
	e->at = sqlite3_column_int64(s, 1);
	if (!column_dup(s, 2, &e->actor) || !column_dup(s, 3, &e->action) ||
			!column_dup(s, 4, &e->provider_id) ||
			!column_dup(s, 5, &e->before_json) ||
			!column_dup(s, 6, &e->after_json)) {
		return sv_errf(err, SV_ENOMEM, "store: out of memory");
	}
	return SV_OK;
}

static void audit_drop(void *list, size_t n) {
	sv_store_audit_free(list, n);
}

int sv_store_audit_list(struct sv_store *st, size_t limit,
		struct sv_audit_entry **out, size_t *n, struct sv_err *err) {
	sqlite3_stmt *s;
	void *list = NULL;
	const int64_t max = limit == 0 ? -1 : (int64_t)limit;
	*n = 0;
	int rc = store_prepare_bound(st->db, "SELECT id, at, actor, action,"
		" provider_id, before_json, after_json FROM admin_audit"
		" ORDER BY id DESC LIMIT ?1", NULL, 0, &max, 1, &s, err);
	if (rc == SV_OK) {
		rc = store_collect(st->db, s, sizeof(**out), audit_row,
			audit_drop, &list, n, "audit", err);
	}
	*out = list;
	return rc;
}
