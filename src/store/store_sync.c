/* SPDX-License-Identifier: MIT */
/*
 * What `suivant sync` and `suivant publish` need of the store: a
 * provider's synced domain rows replaced by a list in one transaction,
 * and a consistent copy of the whole database.
 *
 * The sync works set-wise in SQL rather than row by row in C: the list
 * goes into a temporary table, one pass over it sorts the names into
 * kept, by hand, another provider's and new (classify), and each change
 * that is needed (rows to remove, names to add, conflicts to name) is
 * one more statement, so a million names cost a few index-driven passes,
 * not a million round trips through the model; a sync that changes
 * nothing costs the table, that pass and the count of the rows before.
 * Names come normalised from the caller, and each is checked here
 * against the rule of the domains table's CHECK (sv_is_domain_pattern,
 * the same rule or stricter): SQLite's own CHECK, eight GLOB scans a
 * row, was most of a million-name sync's time, so the one INSERT that
 * adds the new rows runs without it (insert_new).
 */
#include <stdio.h>
#include <string.h>

#include "store/store_internal.h"
#include "util/alloc.h"
#include "util/name.h"

/* A statement with ?1 bound to the provider id, stepped to its end,
 * rows handed to each (may be NULL). */
static int run_rows(sqlite3 *db, const char *sql, const char *pid,
		void (*each)(sqlite3_stmt *s, void *ctx), void *ctx,
		struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = store_prepare_bound(db, sql, &pid, 1, NULL, 0, &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src;
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (each != NULL) {
			each(s, ctx);
		}
	}
	if (src != SQLITE_DONE) {
		rc = store_db_fail(db, src, err, "store: sync");
	}
	store_finalize(s);
	return rc;
}

static void note_conflict(sqlite3_stmt *s, void *ctx) {
	struct sv_store_sync *r = ctx;
	if (r->n_examples < SV_STORE_SYNC_EXAMPLES) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		const char *owner = (const char *)sqlite3_column_text(s, 1);
		snprintf(r->conflicts[r->n_examples].name,
			sizeof(r->conflicts[0].name), "%s", name ? name : "");
		snprintf(r->conflicts[r->n_examples].owner,
			sizeof(r->conflicts[0].owner), "%s", owner ? owner : "");
		r->n_examples++;
	}
	r->conflict++;
}

/* Also counts the distinct names into *input. */
static int fill_input(sqlite3 *db, const char *const *names, size_t n,
		size_t *input, struct sv_err *err) {
	/* A million names touch every page of two indexes several times:
	 * SQLite's default 2 MB page cache would read them again and again
	 * (this connection only, and only while it lives). The table below
	 * is in memory: the store sets temp_store when it opens. */
	int rc = store_exec(db, "PRAGMA cache_size = -131072", err,
		"store: sync");
	if (rc == SV_OK) {
		rc = store_exec(db, "CREATE TEMP TABLE IF NOT EXISTS sync_in"
			" (name TEXT PRIMARY KEY) WITHOUT ROWID", err,
			"store: sync");
	}
	if (rc == SV_OK) {
		rc = store_exec(db, "DELETE FROM temp.sync_in", err,
			"store: sync");
	}
	sqlite3_stmt *s;
	if (rc != SV_OK || (rc = store_prepare(db, "INSERT OR IGNORE INTO"
			" temp.sync_in (name) VALUES (?1)", &s, err)) != SV_OK) {
		return rc;
	}
	for (size_t i = 0; rc == SV_OK && i < n; i++) {
		if (!sv_is_domain_pattern(names[i])) {
			rc = sv_errf(err, SV_EINVAL, "store: sync: '%s' is not "
				"a lower-case host name", names[i]);
			break;
		}
		int src = SQLITE_OK;
		store_bind_text(s, 1, names[i], &src);
		rc = src != SQLITE_OK ? store_db_fail(db, src, err,
			"store: sync: bind") : store_step_done(db, s, err,
			"store: sync: %s", names[i]);
		*input += rc == SV_OK ? (size_t)sqlite3_changes(db) : 0;
	}
	store_finalize(s);
	return rc;
}

/* What one pass over the names given finds (classify). */
struct sync_classes {
	int64_t kept_synced; /* the provider's synced rows given again */
	int64_t hand;        /* the provider's rows added by hand */
	int64_t other;       /* another provider's rows */
	int64_t fresh;       /* names nobody has */
};

static void note_classes(sqlite3_stmt *s, void *ctx) {
	struct sync_classes *c = ctx;
	c->kept_synced = sqlite3_column_int64(s, 0);
	c->hand = sqlite3_column_int64(s, 1);
	c->other = sqlite3_column_int64(s, 2);
	c->fresh = sqlite3_column_int64(s, 3);
}

/* One pass over temp.sync_in, two index look-ups a name (no name: NULL
 * sums, read as 0). */
static int classify(sqlite3 *db, const char *provider_id,
		struct sync_classes *c, struct sv_err *err) {
	return run_rows(db, "SELECT"
		" sum(d.provider_id = ?1 AND s.name IS NOT NULL),"
		" sum(d.provider_id = ?1 AND s.name IS NULL),"
		" sum(d.provider_id <> ?1), sum(d.name IS NULL)"
		" FROM temp.sync_in i LEFT JOIN domains d ON d.name = i.name"
		" LEFT JOIN domain_synced s ON s.name = i.name", provider_id,
		note_classes, c, err);
}

/*
 * Adds the names left in temp.sync_in to the provider, after position
 * base (>= 0), in name order; *added their count. fill_input checked
 * every name against the CHECK's rule, and the positions are >= 0 by
 * construction: this statement alone runs without CHECKs. The flag is
 * put back only once it has run: setting it expires every prepared
 * statement, which SQLite would then prepare again with the CHECKs.
 */
static int insert_new(sqlite3 *db, const char *provider_id, int64_t base,
		size_t *added, struct sv_err *err) {
	int rc = store_exec(db, "PRAGMA ignore_check_constraints = ON", err,
		"store: sync");
	sqlite3_stmt *s = NULL;
	if (rc == SV_OK) {
		rc = store_prepare(db, "INSERT INTO domains (name, provider_id,"
			" position) SELECT name, ?1, ?2 + row_number()"
			" OVER (ORDER BY name) FROM temp.sync_in", &s, err);
	}
	if (rc == SV_OK) {
		int src = SQLITE_OK;
		store_bind_text(s, 1, provider_id, &src);
		store_bind_int(s, 2, base, &src);
		rc = src != SQLITE_OK ? store_db_fail(db, src, err,
			"store: sync: bind") : store_step_done(db, s, err,
			"store: sync: insert");
		*added = (size_t)sqlite3_changes(db);
	}
	store_finalize(s);
	/* a failure here would leave the connection unchecked: reported */
	int off = store_exec(db, "PRAGMA ignore_check_constraints = OFF",
		rc == SV_OK ? err : NULL, "store: sync");
	return rc != SV_OK ? rc : off;
}

int sv_store_sync_domains(struct sv_store *st, const char *provider_id,
		const char *const *names, size_t n, bool allow_shrink,
		struct sv_store_sync *r, struct sv_err *err) {
	memset(r, 0, sizeof(*r));
	bool found;
	int rc = store_write_begin(st, err);
	if (rc != SV_OK) {
		return store_write_end(st, rc, err);
	}
	sqlite3 *db = st->db;
	rc = store_query_one(db, "SELECT 1 FROM providers WHERE id = ?1",
		provider_id, 0, NULL, NULL, &found, err);
	if (rc == SV_OK && !found) {
		rc = sv_errf(err, SV_ENOTFOUND, "no provider %s", provider_id);
	}
	if (rc == SV_OK) {
		rc = fill_input(db, names, n, &r->input, err);
	}
	struct sync_classes c = { 0 };
	if (rc == SV_OK) {
		rc = classify(db, provider_id, &c, err);
	}
	int64_t v = 0;
	if (rc == SV_OK && (rc = store_count_of(db, "SELECT count(*) FROM"
			" domains JOIN domain_synced USING (name) WHERE"
			" provider_id = ?1", provider_id, &v, err)) == SV_OK) {
		r->before = (size_t)v;
		r->removed = (size_t)(v - c.kept_synced);
		r->hand = (size_t)c.hand;
	}
	if (rc == SV_OK && c.other > 0) {
		rc = run_rows(db, "SELECT name, d.provider_id FROM domains d"
			" JOIN temp.sync_in USING (name) WHERE d.provider_id <> ?1"
			" ORDER BY name", provider_id, note_conflict, r, err);
	}
	if (rc == SV_OK && r->input == 0 && !allow_shrink) {
		rc = sv_errf(err, SV_EINVAL, "the source returned no domain: "
			"refused (--allow-shrink to empty provider %s)",
			provider_id);
	}
	/* more than 10% of the synced rows would go */
	if (rc == SV_OK && !allow_shrink && r->removed * 10 > r->before) {
		rc = sv_errf(err, SV_EINVAL, "%zu of the %zu synced domains of "
			"%s would be removed (more than 10%%): refused "
			"(--allow-shrink to accept)", r->removed, r->before,
			provider_id);
	}
	/* cascades to their marks and servers */
	if (rc == SV_OK && r->removed > 0) {
		rc = store_run_keyed(db, "DELETE FROM domains WHERE"
			" provider_id = ?1 AND name IN (SELECT name FROM"
			" domain_synced) AND name NOT IN"
			" (SELECT name FROM temp.sync_in)", provider_id, 0, err);
	}
	/* the names nobody has: these are added */
	bool adding = rc == SV_OK && c.fresh > 0;
	if (adding) {
		rc = store_run_keyed(db, "DELETE FROM temp.sync_in WHERE"
			" name IN (SELECT name FROM domains) AND ?1 IS NOT NULL",
			provider_id, 0, err);
	}
	int64_t base = 0;
	if (adding && rc == SV_OK) {
		rc = store_count_of(db, "SELECT coalesce(max(p) + 1, 0) FROM"
			" (SELECT max(position) AS p FROM domains WHERE"
			" provider_id = ?1 UNION ALL SELECT max(position) FROM"
			" domain_mx WHERE provider_id = ?1)", provider_id, &base,
			err);
	}
	if (adding && rc == SV_OK) {
		rc = insert_new(db, provider_id, base, &r->added, err);
	}
	if (adding && rc == SV_OK) {
		rc = store_exec(db, "INSERT INTO domain_synced (name)"
			" SELECT name FROM temp.sync_in", err, "store: sync");
	}
	if (rc == SV_OK) {
		r->kept = r->before - r->removed;
		rc = store_exec(db, "DELETE FROM temp.sync_in", err,
			"store: sync");
	}
	return store_write_end(st, rc, err);
}

int sv_store_vacuum_into(struct sv_store *st, const char *path,
		struct sv_err *err) {
	sqlite3_stmt *s;
	int rc = store_prepare(st->db, "VACUUM INTO ?1", &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	int src = SQLITE_OK;
	store_bind_text(s, 1, path, &src);
	rc = src != SQLITE_OK ? store_db_fail(st->db, src, err, "store: bind") :
		store_step_done(st->db, s, err, "%s", path);
	store_finalize(s);
	return rc;
}
