/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_STORE_INTERNAL_H
#define SUIVANT_STORE_INTERNAL_H

/*
 * Private to the store's own files: store.c (open, migrations),
 * store_statement.c (the helpers below), store_transaction.c,
 * store_load.c, store_loader.c and store_load_server.c (model from
 * rows), store_write.c (rows from the model), store_admin.c and
 * store_admin_provider.c (the admin mutations), store_kind.c (servers
 * and services alike). Nothing else includes this header, so sqlite3.h
 * stays the store's alone (a lint test checks it). Names are
 * store_<verb>: shared between these files, never part of the API in
 * store.h.
 */
#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/store.h"

struct sv_store {
	sqlite3 *db; /* owned */
	enum sv_store_mode mode;
	/*
	 * Owned array of PUT_COUNT statements prepared by the first
	 * sv_store_put_provider and reused by the next ones (an import puts
	 * thousands of providers; preparing costs more than the inserts);
	 * NULL until then. Finalized by sv_store_close.
	 */
	sqlite3_stmt **put_cache;
	/* Write calls under way (store_write_begin without its end yet),
	 * whether the outermost one opened the transaction itself, and
	 * whether the last begin failed (its end then closes nothing). */
	unsigned writes;
	bool own_txn;
	bool begin_failed;
	/* A write transaction of ours began since the WAL was last trimmed
	 * (store_transaction.c: wal_trim). */
	bool wrote;
};

/* ---- store.c and store_transaction.c: connection settings ---- */

#define STORE_BUSY_TIMEOUT_MS 5000
/* The largest -wal file a rolled-back write leaves behind (wal_trim),
 * and what journal_size_limit lets SQLite keep when it restarts the WAL. */
#define STORE_WAL_KEEP_BYTES 1048576
#define STORE_WAL_KEEP_SQL "1048576"

/* ---- store_statement.c: errors and statement helpers ---- */

/* Maps an SQLite result code (primary or extended) to an enum sv_rc. */
int store_rc_of(int src);
/* "<formatted what>: <sqlite3_errmsg>", with the rc mapped from src. */
int store_db_fail(sqlite3 *db, int src, struct sv_err *err,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* sqlite3_exec of constant SQL; failures through store_db_fail. */
int store_exec(sqlite3 *db, const char *sql, struct sv_err *err,
	const char *what);
/*
 * For cleanup paths that already carry an error: runs sql and drops its
 * result (e.g. ROLLBACK after SQLite already rolled back).
 */
void store_exec_quiet(sqlite3 *db, const char *sql);
/* Prepares constant SQL; *out is NULL on failure. */
int store_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out,
	struct sv_err *err);
/* sqlite3_finalize, result dropped (the last step's was handled); NULL ok. */
void store_finalize(sqlite3_stmt *s);
/* Steps s, which must not return rows, and resets it for the next use. */
int store_step_done(sqlite3 *db, sqlite3_stmt *s, struct sv_err *err,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Runs constant SQL that yields one integer (a PRAGMA or a count). */
int store_query_int(sqlite3 *db, const char *sql, int64_t *out,
	struct sv_err *err);

/*
 * Binders: each does nothing once *src holds an error, so that a run of
 * binds is checked once at its end. NULL strings bind SQL NULL; strings
 * are bound SQLITE_STATIC (they must outlive the next step).
 */
void store_bind_text(sqlite3_stmt *s, int i, const char *v, int *src);
void store_bind_int(sqlite3_stmt *s, int i, int64_t v, int *src);
/* v binds NULL when it equals absent (port 0, POP3 counts -1). */
void store_bind_int_or_null(sqlite3_stmt *s, int i, int64_t v,
	int64_t absent, int *src);
void store_bind_tristate(sqlite3_stmt *s, int i, enum sv_tristate t,
	int *src);

/* ---- store_transaction.c ---- */

/*
 * One write call's transaction: joins the caller's transaction when one
 * is open, else opens BEGIN IMMEDIATE (the store remembers which, so
 * write calls may nest); then a SAVEPOINT, so that a failure undoes this
 * call only. Every begin is followed by its store_write_end(), whatever
 * it returned (so that a call reads as one chain of rc == SV_OK steps):
 * after a failed begin, the end closes nothing and returns rc; else it
 * releases (rc SV_OK) or rolls back to the savepoint, then commits or
 * rolls back the transaction the outermost begin opened, and returns the
 * final rc (a failed COMMIT turns SV_OK into its error). Either way the
 * connection is left as the caller had it.
 */
int store_write_begin(struct sv_store *st, struct sv_err *err);
int store_write_end(struct sv_store *st, int rc, struct sv_err *err);

/* ---- store_query.c: ?1 bound to key (text) or, key NULL, to ikey ---- */

/*
 * Runs sql once. When a row comes, column 0 goes to *text as an owned
 * string (text may be NULL) and to *num as an integer (num may be NULL);
 * *found tells whether a row came.
 */
int store_query_one(sqlite3 *db, const char *sql, const char *key,
	int64_t ikey, char **text, int64_t *num, bool *found,
	struct sv_err *err);
/* Runs a DELETE or UPDATE-like statement. */
int store_run_keyed(sqlite3 *db, const char *sql, const char *key,
	int64_t ikey, struct sv_err *err);
/*
 * The same for a row that must be there: column 0 into *text (may be
 * NULL), or SV_ENOTFOUND "no <what> <key>" (or ikey) without a row.
 */
int store_query_must(sqlite3 *db, const char *sql, const char *key,
	int64_t ikey, char **text, const char *what, struct sv_err *err);
/* The integer of sql's first row with ?1 bound to key (0 without a row). */
int store_count_of(sqlite3 *db, const char *sql, const char *key,
	int64_t *out, struct sv_err *err);

/* ---- store_query.c: statements bound from arrays, rows into arrays ---- */

/* Prepares sql into *s, binds texts t[0..nt) then integers v[0..nv)
 * after them (?1 ..); *s is NULL on failure. */
int store_prepare_bound(sqlite3 *db, const char *sql, const char *const *t,
	int nt, const int64_t *v, int nv, sqlite3_stmt **s,
	struct sv_err *err);
/* Runs such a statement, which returns no row; *changes (may be NULL)
 * gets the rows touched; a failure's message names what. */
int store_run_bound(sqlite3 *db, const char *sql, const char *const *t,
	int nt, const int64_t *v, int nv, int64_t *changes, const char *what,
	struct sv_err *err);
/*
 * Steps s (prepared and bound; finalized here) through its rows, each
 * read by row into a zeroed element of size bytes of a new array: SV_OK
 * with *out (owned by the caller) and *n. On failure (a message naming
 * what), drop(list, count) frees what was read, and *out is NULL, *n 0.
 */
int store_collect(sqlite3 *db, sqlite3_stmt *s, size_t size,
	int (*row)(sqlite3_stmt *s, void *elem, struct sv_err *err),
	void (*drop)(void *list, size_t n), void **out, size_t *n,
	const char *what, struct sv_err *err);

/* ---- store_kind.c: what differs between servers and services ---- */

/*
 * The two kinds of row a provider holds by id, each with its auth methods
 * in a table of its own. Loading (store_load_server.c), writing
 * (store_write.c) and editing them (store_admin.c) are the same steps for
 * both; a row is a struct sv_server or sv_service, as k says, passed as
 * void *.
 */
enum store_kind { STORE_SERVER, STORE_SERVICE };

/* Room for a row of either kind. */
union store_row {
	struct sv_server server;
	struct sv_service service;
};

/* "server", "service": messages; its table is the plural. */
const char *store_kind_what(enum store_kind k);
/* The size of k's struct. */
size_t store_kind_size(enum store_kind k);
/* How many rows of kind k pv holds. */
size_t store_kind_count(enum store_kind k, const struct sv_provider *pv);
/* Row i of pv (writable when pv is, as strchr's result is). */
void *store_kind_row(enum store_kind k, const struct sv_provider *pv,
	size_t i);
/* Where row holds its id and its count of auth methods (writable when
 * row is). */
int64_t *store_kind_id(enum store_kind k, const void *row);
size_t *store_kind_n_auth(enum store_kind k, const void *row);
/* Sets row's type from its name: SV_OK, or SV_EINVAL for a name that is
 * not one of k's types. */
int store_kind_type_parse(enum store_kind k, void *row, const char *name);
/* The name of row's type (NULL: none), and of its auth method i. */
const char *store_kind_type_name(enum store_kind k, const void *row);
const char *store_kind_auth_name(enum store_kind k, const void *row,
	size_t i);
/* Sets row's auth method i (below SV_MODEL_MAX_AUTH) from its name:
 * SV_OK, or SV_EINVAL for a name that is not one of k's methods. */
int store_kind_auth_parse(enum store_kind k, void *row, size_t i,
	const char *name);
/* Moves *row into pv (row zeroed), as sv_provider_add_server: SV_OK, or
 * SV_ENOMEM with pv unchanged. */
int store_kind_move(enum store_kind k, struct sv_provider *pv, void *row);
/* Frees what row owns and zeroes it, as sv_server_finish. */
void store_kind_finish(enum store_kind k, void *row);

/* ---- store_loader.c: the loader's shared steps ---- */

/* One load in progress (store_load), for the kinds' loaders. */
struct store_loader {
	sqlite3 *db;
	const char *only;         /* borrowed; NULL = every provider */
	struct sv_provider **pvs; /* owned, sorted by id */
	size_t n, cap;
	size_t last;              /* index of the last provider found */
};

/*
 * Prepares the query for every provider (all), or the one for ld->only
 * (one: the same query with "WHERE ... = ?1") with ?1 bound.
 */
int store_load_prepare(struct store_loader *ld, const char *all,
	const char *one, sqlite3_stmt **out, struct sv_err *err);
/* Column i as a borrowed string valid until the next step, or NULL for
 * SQL NULL; a text with an embedded NUL is refused. */
int store_col_text(struct store_loader *ld, sqlite3_stmt *s, int i,
	const char **out, struct sv_err *err);
/* Copies column i into *dst (which must be NULL), NULL staying NULL. */
int store_col_dup(struct store_loader *ld, sqlite3_stmt *s, int i,
	char **dst, struct sv_err *err);
/* Column i as an int in lo..hi; SQL NULL gives absent. */
int store_col_int(sqlite3_stmt *s, int i, int lo, int hi, int absent,
	int *out, struct sv_err *err);
int store_col_tristate(sqlite3_stmt *s, int i, enum sv_tristate *out,
	struct sv_err *err);
/* The loaded provider with this id (SV_EDB when there is none). */
int store_find_provider(struct store_loader *ld, const char *id,
	struct sv_provider **out, struct sv_err *err);

/* ---- store_load_server.c: servers and services with their methods ---- */

/* Loads every row of kind k of the providers in ld (loaded already),
 * with its auth methods, into its provider. */
int store_load_rows(struct store_loader *ld, enum store_kind k,
	struct sv_err *err);

/* ---- store_load.c ---- */

/*
 * Loads the providers, as sv_store_load describes, into *out / *n; only
 * the one with id `only` when only is not NULL (then *n is 0 or 1).
 * Runs in the caller's transaction, or in its own read transaction.
 */
int store_load(struct sv_store *st, const char *only,
	struct sv_provider ***out, size_t *n, struct sv_err *err);

/* ---- store_admin.c: shared with store_admin_provider.c ---- */

/*
 * sv_provider_validate, except that pv may have no domain yet
 * (sv_check_validate_draft), with servers and services named by their
 * ids.
 */
int store_admin_validate(const struct sv_provider *pv, struct sv_err *err);
/* A server or service bound to domain needs that domain to be pv's. */
int store_admin_check_bound_domain(const struct sv_provider *pv,
	const char *domain, struct sv_err *err);
/*
 * Ends a removal's write (store_write_end) and, when it succeeded, hands
 * owner, the removed row's provider id, to *provider_id (may be NULL);
 * owner is freed otherwise.
 */
int store_admin_end_handing_owner(struct sv_store *st, int rc, char *owner,
	char **provider_id, struct sv_err *err);

/* ---- store_write.c ---- */

enum {
	PUT_OWNER, PUT_DELETE, PUT_PROVIDER, PUT_DOMAIN, PUT_DOMAIN_MX,
	PUT_SERVER,
	PUT_AUTH, PUT_LINK, PUT_TEXT, PUT_SERVICE, PUT_SERVICE_AUTH,
	PUT_COUNT
};

/*
 * The prepared INSERT statements that write a provider's rows. pv is
 * borrowed for the putter's life; keep_ids binds each server's and
 * service's id (when non-zero) instead of letting SQLite choose a new one.
 */
struct store_putter {
	sqlite3 *db;
	const struct sv_provider *pv; /* borrowed */
	bool keep_ids;
	sqlite3_stmt *s[PUT_COUNT];   /* owned, or borrowed when cached */
	bool cached;                  /* s borrows st->put_cache */
};

/* Prepares every statement. Dual to store_putter_finish() (always call). */
int store_putter_prepare(struct store_putter *p, struct sv_err *err);
/* The same with st's cached statements (prepared on first use). */
int store_putter_prepare_cached(struct sv_store *st, struct store_putter *p,
	struct sv_err *err);
/* Finalizes p's statements, or resets and unbinds them when cached. */
void store_putter_finish(struct store_putter *p);
/* SV_EEXIST when a domain of pv is owned by another provider. */
int store_put_check_owners(struct store_putter *p, struct sv_err *err);
/*
 * Binds the 17 columns of pv's providers row as ?1 (id) .. ?16
 * (oauth2_token_url), ?17 (publish_plaintext), in the order of the
 * table; the INSERT of the putter and the admin UPDATE both number their
 * parameters so.
 */
void store_bind_provider_row(sqlite3_stmt *s, const struct sv_provider *pv,
	int *src);
/* Inserts the providers row of pv (the row must not exist). */
int store_put_provider_row(struct store_putter *p, struct sv_err *err);
/* Inserts row idx of kind k of pv (pv->servers[idx], or services) and its
 * auth rows; *id (may be NULL) gets the row id. */
int store_put_row(struct store_putter *p, enum store_kind k, size_t idx,
	int64_t *id, struct sv_err *err);
/* Inserts pv->links[idx] (at position idx) and its texts. */
int store_put_link(struct store_putter *p, size_t idx, struct sv_err *err);
/*
 * Replaces pv as a whole (delete with cascade, then every row), without
 * validating and without a transaction of its own: the caller holds one.
 * Prepares p's statements unless they already are; finishes them.
 */
int store_put_rows(struct store_putter *p, struct sv_err *err);

#endif
