/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_STORE_H
#define SUIVANT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "util/err.h"

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
/* Closes the connection (rolling back a transaction left open). NULL is a
 * no-op. */
void sv_store_close(struct sv_store *st);

/* Schema version this binary writes (the highest migration number). */
int sv_store_schema_version(void);

/*
 * Brings an existing suivant database at path up to this binary's schema
 * when it is older (the migrations of a READWRITE open); leaves anything
 * else alone (missing file, current or newer schema, not a suivant
 * database: whoever opens it next says why). *from receives the version
 * found (0 when none was read). SV_OK, or the READWRITE open's error.
 * For `serve`, whose own connections are read-only: a package upgrade
 * restarts it on the previous release's database.
 */
int sv_store_upgrade(const char *path, int *from, struct sv_err *err);

/* ---- store_transaction.c ---- */

/*
 * Transactions for multi-step writes (import, init). begin is IMMEDIATE
 * (SV_EBUSY after the busy timeout; SV_EDB on a READONLY store). A commit
 * that fails rolls back, so the connection is never left inside a
 * transaction. Once a write transaction has ended (commit, rollback, or a
 * write call's own transaction), the WAL is checkpointed and truncated
 * after a commit, or when a rollback leaves it over 1 MiB (waiting for
 * readers up to the busy timeout; a reader is never disturbed): neither a
 * large nor a failed write leaves a large -wal file behind while a server
 * keeps the database open, and no frame stays in it to be mixed with a
 * database copied over the file.
 */
int sv_store_begin(struct sv_store *st, struct sv_err *err);
int sv_store_commit(struct sv_store *st, struct sv_err *err);
/* Rolls back if a transaction is open; never fails. */
void sv_store_rollback(struct sv_store *st);

/* ---- store_load.c ---- */

/*
 * Loads every provider, in id order, each with its domains (stored order),
 * servers (sorted by priority), links and extras, inside one read
 * transaction so the result is a consistent view. On success *out is an
 * owned array of *n owned providers: free with sv_store_free_providers.
 */
int sv_store_load(struct sv_store *st, struct sv_provider ***out, size_t *n,
	struct sv_err *err);
void sv_store_free_providers(struct sv_provider **pvs, size_t n);

/* ---- store_write.c ---- */

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

/* ---- store.c ---- */

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

/* ---- store_admin.c: the admin commands' reads and mutations ----
 *
 * Each mutation loads what it changes, applies the change to the model in
 * memory, checks the result with sv_provider_validate (the validator the
 * importer and `suivant check` use) and then writes only the rows that
 * changed, so server ids stay stable. One exception to the validator: a
 * provider may be stored without any domain yet (between `provider add`
 * and its first `domain add`); the snapshot skips it and `suivant check`
 * reports it. Each call runs in the caller's transaction when one is
 * open, else in its own BEGIN IMMEDIATE one; on failure nothing of the
 * call remains. Errors: SV_ENOTFOUND (no such provider, domain or server,
 * named in err), SV_EEXIST (id or domain already taken, naming the
 * owner), SV_EINVAL (the validator's message, servers named by their id:
 * "server 12 (imap): port: ..."; "new server (imap): ..." for one being
 * added), SV_EBUSY (another writer past the busy timeout), SV_EDB,
 * SV_ENOMEM. Strings are borrowed for the call.
 */

/*
 * Loads the provider id as sv_store_load would (domains, servers sorted
 * by priority, links, extras). *out is owned: sv_provider_destroy.
 */
int sv_store_load_provider(struct sv_store *st, const char *id,
	struct sv_provider **out, struct sv_err *err);

/*
 * Loads the provider that owns server id; *idx is the server's index in
 * (*out)->servers. *out is owned: sv_provider_destroy.
 */
int sv_store_load_server(struct sv_store *st, int64_t id,
	struct sv_provider **out, size_t *idx, struct sv_err *err);

/*
 * The provider that owns domain row name ("x.fr", "*.x.fr", "*"), as an
 * owned string (sv_free), or SV_ENOTFOUND.
 */
int sv_store_domain_owner(struct sv_store *st, const char *name,
	char **provider_id, struct sv_err *err);

/* ---- store_admin_provider.c: providers and their domains ---- */

/* What a removal took with it (ON DELETE CASCADE). */
struct sv_store_removed {
	int64_t domains;
	int64_t servers;
	int64_t links;
	int64_t services;
};

/*
 * Inserts a new provider: pv's id, names, links, webmail, OAuth2, and its
 * domains and servers if it has any (new server ids). SV_EEXIST when the
 * id is taken or a domain belongs to another provider.
 */
int sv_store_provider_add(struct sv_store *st, const struct sv_provider *pv,
	struct sv_err *err);

/*
 * Rewrites the provider-level fields of the stored provider pv->id from
 * pv: display and short names, links (all replaced), webmail, OAuth2,
 * publish_plaintext.
 * pv's domains and servers are ignored: the stored ones are kept, and the
 * result is validated with them.
 */
int sv_store_provider_set(struct sv_store *st, const struct sv_provider *pv,
	struct sv_err *err);

/* Removes provider id with its domains, servers, services and links; out
 * may be NULL. */
int sv_store_provider_rm(struct sv_store *st, const char *id,
	struct sv_store_removed *out, struct sv_err *err);

/*
 * Adds domain row name (already normalised: a lower-case A-label name,
 * "*.<name>" or "*") to provider_id, after its existing domains.
 * SV_EEXIST names the owner when the row exists.
 */
int sv_store_domain_add(struct sv_store *st, const char *provider_id,
	const char *name, struct sv_err *err);

/*
 * Removes domain row name and the servers and services bound to it;
 * *provider_id (may be NULL) receives its former owner (sv_free), out
 * (may be NULL) what went with it.
 */
int sv_store_domain_rm(struct sv_store *st, const char *name,
	char **provider_id, struct sv_store_removed *out, struct sv_err *err);

/* ---- store_admin.c: servers and services ---- */

/*
 * Adds a copy of s (its id is ignored) to provider_id; *id (may be NULL)
 * receives the new server's id. A server bound to a domain (s->domain)
 * needs that domain to be one of the provider's.
 */
int sv_store_server_add(struct sv_store *st, const char *provider_id,
	const struct sv_server *s, int64_t *id, struct sv_err *err);

/*
 * Replaces the stored server s->id, in its provider, by a copy of s (the
 * id stays). A server cannot move to another provider.
 */
int sv_store_server_set(struct sv_store *st, const struct sv_server *s,
	struct sv_err *err);

/* Removes server id; *provider_id (may be NULL) receives its former
 * owner (sv_free). */
int sv_store_server_rm(struct sv_store *st, int64_t id, char **provider_id,
	struct sv_err *err);

/*
 * Services (calendars, address books, file shares), as the servers
 * above: add a copy of s (its id ignored; *id may be NULL), set the
 * stored service s->id to a copy of s in its provider, remove one. A
 * service bound to a domain needs that domain to be its provider's.
 */
int sv_store_service_add(struct sv_store *st, const char *provider_id,
	const struct sv_service *s, int64_t *id, struct sv_err *err);
int sv_store_service_set(struct sv_store *st, const struct sv_service *s,
	struct sv_err *err);
int sv_store_service_rm(struct sv_store *st, int64_t id, char **provider_id,
	struct sv_err *err);
/*
 * Loads the provider that owns service id; *idx is the service's index in
 * (*out)->services. *out is owned: sv_provider_destroy.
 */
int sv_store_load_service(struct sv_store *st, int64_t id,
	struct sv_provider **out, size_t *idx, struct sv_err *err);
/* ---- store_sync.c: `suivant sync` and `suivant publish` ---- */

#define SV_STORE_SYNC_EXAMPLES 5

/* What a sync found and did. */
struct sv_store_sync {
	size_t input;    /* distinct names given */
	size_t before;   /* the provider's synced rows before */
	size_t added;    /* new synced rows */
	size_t removed;  /* synced rows no longer given */
	size_t kept;     /* synced rows given again */
	size_t hand;     /* names given that are rows of the provider added
	                  * by hand: left as they are */
	size_t conflict; /* names given that another provider owns: not
	                  * moved */
	struct {
		char name[SV_DOMAIN_MAX + 1];
		char owner[SV_DOMAIN_MAX + 1];
	} conflicts[SV_STORE_SYNC_EXAMPLES]; /* the first, by name */
	size_t n_examples;
};

/*
 * Makes names[0..n) (normalised host names; repeats are ignored) the
 * synced domain rows of provider_id, in one transaction (the caller's,
 * or its own): synced rows not in names are removed (and the servers
 * bound to them), names nobody has are added as synced rows after the
 * provider's rows; rows added by hand (domain add, import) are never
 * touched, nor are names another provider owns (counted in *r, the first
 * ones named). Refused with SV_EINVAL, nothing changed, when names is
 * empty or more than 10% of the synced rows would go, unless
 * allow_shrink. SV_ENOTFOUND for an unknown provider; SV_EBUSY; SV_EDB
 * (a name the schema refuses included).
 */
int sv_store_sync_domains(struct sv_store *st, const char *provider_id,
	const char *const *names, size_t n, bool allow_shrink,
	struct sv_store_sync *r, struct sv_err *err);

/*
 * Writes a consistent copy of the whole database to path (VACUUM INTO:
 * one read transaction, compacted), which must not exist. SV_EDB or
 * SV_EIO with err set.
 */
int sv_store_vacuum_into(struct sv_store *st, const char *path,
	struct sv_err *err);

#endif
