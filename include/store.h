/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_STORE_H
#define SUIVANT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"

/*
 * The SQLite store: the only code that speaks SQL. Schema migrations are
 * the files schema/NNNN_name.sql, compiled into the binary, applied in one
 * transaction each, the version recorded in PRAGMA user_version. WAL mode,
 * foreign keys on, busy timeout set. Prepared statements only.
 *
 * A struct sv_store is one connection; use it from one thread at a time.
 */
struct sv_store;

enum sv_store_mode {
	SV_STORE_READONLY,  /* the server: never writes */
	SV_STORE_READWRITE, /* admin commands: the file must exist */
	SV_STORE_CREATE,    /* init: create the file if missing, then migrate */
};

/*
 * Opens path. READONLY and READWRITE refuse a database whose user_version
 * is newer than this binary knows, or that is not a suivant database;
 * READWRITE and CREATE apply pending migrations; READONLY also refuses an
 * older schema (a writer must migrate it first). CREATE accepts an empty
 * file (e.g. from mkstemp). Returns NULL with err set
 * (SV_ENOTFOUND when the file is missing in READONLY/READWRITE mode,
 * SV_EDB otherwise). Dual to sv_store_close().
 */
struct sv_store *sv_store_open(const char *path, enum sv_store_mode mode,
	struct sv_err *err);
/* Closes the connection. NULL is a no-op. */
void sv_store_close(struct sv_store *st);

/* Schema version this binary writes (the highest migration number). */
int sv_store_schema_version(void);

/*
 * Transactions for multi-step writes (import, init). begin is IMMEDIATE
 * (SV_EBUSY after the busy timeout; SV_EDB on a READONLY store). A commit
 * that fails rolls back, so the connection is never left inside a
 * transaction.
 */
int sv_store_begin(struct sv_store *st, struct sv_err *err);
int sv_store_commit(struct sv_store *st, struct sv_err *err);
/* Rolls back if a transaction is open; never fails. */
void sv_store_rollback(struct sv_store *st);

/*
 * Loads every provider, in id order, each with its domains (stored order),
 * servers (sorted by priority), links and extras, inside one read
 * transaction so the result is a consistent view. On success *out is an
 * owned array of *n owned providers: free with sv_store_free_providers.
 */
int sv_store_load(struct sv_store *st, struct sv_provider ***out, size_t *n,
	struct sv_err *err);
void sv_store_free_providers(struct sv_provider **pvs, size_t n);

/*
 * Writes pv as a whole: inserts it, or replaces an existing provider with
 * the same id (its domains, servers and links are replaced; server ids are
 * new). pv must pass sv_provider_validate (checked again here). A domain
 * owned by another provider is SV_EEXIST naming the domain and its owner.
 * Runs in the caller's transaction when one is open, else in its own;
 * on failure nothing of this call remains (the caller's earlier writes
 * do). POP3 options of a server without has_pop3 are not stored: they
 * load back as absent (-1 / SV_UNSET).
 */
int sv_store_put_provider(struct sv_store *st, const struct sv_provider *pv,
	struct sv_err *err);

/* Number of providers stored (0 for a fresh database). */
int sv_store_count_providers(struct sv_store *st, int64_t *out,
	struct sv_err *err);

/*
 * PRAGMA data_version of this connection: changes when another connection
 * commits. Used by the live-reload watcher.
 */
int sv_store_data_version(struct sv_store *st, int64_t *out,
	struct sv_err *err);

/*
 * PRAGMA application_id of a suivant database ('SVNT'), set by the first
 * migration; a file with another non-zero id is refused on open.
 */
#define SV_STORE_APPLICATION_ID 0x53564e54

/*
 * sv_store_open with its result code: SV_OK and *out set, or the rc that
 * sv_store_open describes in err (SV_ENOTFOUND for a missing file in
 * READONLY/READWRITE mode, SV_EBUSY when locked, SV_EDB for a file that is
 * not a usable suivant database) and *out NULL. Lets callers tell "no such
 * file" from "not ours" without parsing messages. Free with
 * sv_store_close().
 */
int sv_store_open_rc(const char *path, enum sv_store_mode mode,
	struct sv_store **out, struct sv_err *err);

#endif
