/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_ADMIN_AUTH_H
#define SUIVANT_ADMIN_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "store/store_account.h"
#include "util/err.h"

/*
 * Who may use the web admin: password hashes (Argon2id, Debian's
 * libargon2), random tokens (getrandom(2)), the server-side sessions
 * built on them, and the back-off that slows password guessing. Used by
 * the admin listener and by `suivant admin-user`.
 */

#define SV_ADMIN_PASSWORD_MIN 12    /* bytes */
#define SV_ADMIN_PASSWORD_MAX 1024
#define SV_ADMIN_HASH_MAX 160       /* a PHC string with our parameters */
#define SV_ADMIN_IDLE_S (30 * 60)   /* a session unused this long ends */
#define SV_ADMIN_ABSOLUTE_S (12 * 60 * 60) /* and any after this long */

/*
 * Hashes pw (len bytes, SV_ADMIN_PASSWORD_MIN..MAX, no NUL) with Argon2id
 * (RFC 9106; t=2, m=19 MiB, p=1, a 16-byte random salt) into out (size
 * SV_ADMIN_HASH_MAX) as a PHC string. SV_EINVAL for a password out of
 * bounds, SV_EIO when no randomness is available, SV_ENOMEM.
 */
int sv_admin_password_hash(const char *pw, size_t len, char *out,
	struct sv_err *err);
/* Whether pw matches hash (a PHC string; anything else never matches). */
bool sv_admin_password_verify(const char *hash, const char *pw, size_t len);

/* 32 random bytes as 64 lower-case hex digits and a NUL. SV_OK or SV_EIO. */
int sv_admin_random_hex(char out[SV_SESSION_HEX + 1]);
/* The SHA-256 of s as 64 lower-case hex digits and a NUL. */
int sv_admin_sha256_hex(const char *s, char out[SV_SESSION_HEX + 1]);
/* Compares n bytes in time that does not depend on where they differ. */
bool sv_admin_secret_eq(const char *a, const char *b, size_t n);

/* A session as the admin pages see it. */
struct sv_admin_session {
	char token[SV_SESSION_HEX + 1]; /* the cookie's value */
	char user[SV_ACCOUNT_NAME_MAX + 1];
	char csrf[SV_SESSION_HEX + 1];  /* every form carries it */
};

/*
 * Checks name's password and, when it matches, opens a new session (a
 * new token whatever the client sent: no fixation) into *out, and purges
 * expired sessions. SV_EINVAL when the name is unknown or the password
 * wrong (one message for both; an unknown name costs the same hashing
 * time as a wrong password), else the store's errors.
 */
int sv_admin_login(struct sv_store *st, const char *name, const char *pw,
	size_t len, int64_t now, struct sv_admin_session *out,
	struct sv_err *err);
/*
 * The open session of token (64 hex digits) into *out, its idle clock
 * restarted. SV_ENOTFOUND when there is none, or it was idle longer than
 * SV_ADMIN_IDLE_S or opened more than SV_ADMIN_ABSOLUTE_S ago (then it
 * is removed).
 */
int sv_admin_session_check(struct sv_store *st, const char *token,
	int64_t now, struct sv_admin_session *out, struct sv_err *err);
/* Ends the session of token (none is fine). */
int sv_admin_logout(struct sv_store *st, const char *token,
	struct sv_err *err);

/*
 * Failed logins, counted per client address and per account name, each
 * with an exponential back-off: after SV_ADMIN_FREE_FAILURES failures in a
 * row, the next attempt must wait 1 s, then 2, 4... up to
 * SV_ADMIN_MAX_WAIT_S; a success clears both counters. Attempts during a
 * wait are refused without checking the password. In memory, a bounded
 * table per kind (the least recently failed entry makes room), thread-
 * safe; a restart forgets it.
 */
#define SV_ADMIN_FREE_FAILURES 3
#define SV_ADMIN_MAX_WAIT_S 900

struct sv_admin_limiter;

struct sv_admin_limiter *sv_admin_limiter_create(void);
void sv_admin_limiter_destroy(struct sv_admin_limiter *l);
/*
 * Milliseconds before address may try account again (0: now); now_ms is
 * a CLOCK_MONOTONIC reading (sv_admin_limiter_now): whole seconds would
 * make a 1 s wait anything from 0 to 1 s.
 */
int64_t sv_admin_limiter_wait(struct sv_admin_limiter *l,
	const char *address, const char *account, int64_t now_ms);
/* Counts a failure; returns the account's failures in a row. */
unsigned sv_admin_limiter_failed(struct sv_admin_limiter *l,
	const char *address, const char *account, int64_t now_ms);
/* The monotonic clock in milliseconds. */
int64_t sv_admin_limiter_now(void);
void sv_admin_limiter_succeeded(struct sv_admin_limiter *l,
	const char *address, const char *account);

#endif
