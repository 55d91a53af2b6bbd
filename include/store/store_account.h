/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_STORE_ACCOUNT_H
#define SUIVANT_STORE_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

/*
 * The web admin's accounts and sessions (schema/0005_webadmin.sql): rows
 * only. Hashing passwords, making tokens and deciding what a session may
 * do belong to the web admin (include/webadmin/admin_auth.h); the store
 * keeps what it is handed. Each call is one statement, in the caller's
 * transaction when one is open. Strings are borrowed for the call.
 * Errors: SV_ENOTFOUND (no such account or session), SV_EEXIST, SV_EINVAL
 * (a value the schema's CHECK refuses), SV_EBUSY, SV_EDB, SV_ENOMEM.
 */

#define SV_ACCOUNT_NAME_MAX 64  /* [A-Za-z0-9._@-], 1..64 bytes */
#define SV_SESSION_HEX 64       /* a token hash or CSRF token, in hex */

/* Whether name is a valid account name (the schema's rule). */
int sv_store_account_name_check(const char *name, struct sv_err *err);

/* Adds account name with its password hash (a PHC "$argon2id$" string). */
int sv_store_account_add(struct sv_store *st, const char *name,
	const char *hash, int64_t now, struct sv_err *err);
/* Removes account name and its sessions. */
int sv_store_account_rm(struct sv_store *st, const char *name,
	struct sv_err *err);
/* The password hash of account name, owned by the caller (sv_free). */
int sv_store_account_hash(struct sv_store *st, const char *name,
	char **hash, struct sv_err *err);

struct sv_account {
	char name[SV_ACCOUNT_NAME_MAX + 1];
	int64_t created_at;     /* Unix seconds */
	int64_t sessions;       /* open sessions (expired ones included
	                         * until they are purged) */
};

/* Every account, by name, into an owned array (sv_free). */
int sv_store_account_list(struct sv_store *st, struct sv_account **out,
	size_t *n, struct sv_err *err);

struct sv_store_session {
	char user[SV_ACCOUNT_NAME_MAX + 1];
	char csrf[SV_SESSION_HEX + 1];
	int64_t created_at, last_seen; /* Unix seconds */
};

/* Stores a new session; token_hash and csrf are SV_SESSION_HEX hex digits. */
int sv_store_session_add(struct sv_store *st, const char *token_hash,
	const struct sv_store_session *s, struct sv_err *err);
/* The session of token_hash into *out. */
int sv_store_session_get(struct sv_store *st, const char *token_hash,
	struct sv_store_session *out, struct sv_err *err);
/* Sets its last_seen to now. */
int sv_store_session_touch(struct sv_store *st, const char *token_hash,
	int64_t now, struct sv_err *err);
/* Removes the session of token_hash (none is not an error). */
int sv_store_session_rm(struct sv_store *st, const char *token_hash,
	struct sv_err *err);
/* Removes every session last seen before idle_before or created before
 * created_before. */
int sv_store_session_purge(struct sv_store *st, int64_t idle_before,
	int64_t created_before, struct sv_err *err);

#endif
