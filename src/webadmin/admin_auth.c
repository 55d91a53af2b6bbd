/* SPDX-License-Identifier: MIT */
/*
 * Who may use the web admin (admin_auth.h).
 *
 * Passwords: Argon2id from Debian's libargon2 (the reference
 * implementation, packaged as libargon2-1), with the parameters of RFC
 * 9106's second recommendation scaled to OWASP's minimum (m=19 MiB, t=2,
 * p=1): about 30 ms here, one hash at a time on the admin listener's
 * single thread. The PHC string carries its parameters, so raising them
 * later keeps old hashes valid.
 *
 * Sessions: the cookie holds 32 random bytes in hex; the store keeps
 * only their SHA-256 (GnuTLS), so the database file opens no session.
 * Every login makes a new token, whatever cookie came with it.
 *
 * The limiter's tables are the web admin's only mutable state besides
 * the database: two arrays of LIMITER_SLOTS entries under one mutex.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <argon2.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "webadmin/admin_auth.h"
#include "util/alloc.h"

#define ARGON2_T 2
#define ARGON2_M_KIB (19 * 1024)
#define ARGON2_P 1
#define SALT_BYTES 16
#define HASH_BYTES 32
#define LIMITER_SLOTS 256

static int random_bytes(unsigned char *p, size_t n) {
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got <= 0) {
			return SV_EIO;
		}
		p += got;
		n -= (size_t)got;
	}
	return SV_OK;
}

static void to_hex(const unsigned char *p, size_t n, char *out) {
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int sv_admin_random_hex(char out[SV_SESSION_HEX + 1]) {
	unsigned char b[SV_SESSION_HEX / 2];
	int rc = random_bytes(b, sizeof(b));
	if (rc == SV_OK) {
		to_hex(b, sizeof(b), out);
	}
	return rc;
}

int sv_admin_sha256_hex(const char *s, char out[SV_SESSION_HEX + 1]) {
	unsigned char d[SV_SESSION_HEX / 2];
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, s, strlen(s), d) < 0) {
		return SV_ENOMEM;
	}
	to_hex(d, sizeof(d), out);
	return SV_OK;
}

bool sv_admin_secret_eq(const char *a, const char *b, size_t n) {
	unsigned char diff = 0;
	for (size_t i = 0; i < n; i++) {
		diff |= (unsigned char)(a[i] ^ b[i]);
	}
	return diff == 0;
}

int sv_admin_password_hash(const char *pw, size_t len, char *out,
		struct sv_err *err) {
	if (len < SV_ADMIN_PASSWORD_MIN || len > SV_ADMIN_PASSWORD_MAX) {
		return sv_errf(err, SV_EINVAL, "password: %d to %d bytes",
			SV_ADMIN_PASSWORD_MIN, SV_ADMIN_PASSWORD_MAX);
	}
	if (memchr(pw, '\0', len) != NULL) {
		return sv_errf(err, SV_EINVAL, "password: contains a NUL byte");
	}
	unsigned char salt[SALT_BYTES];
	if (random_bytes(salt, sizeof(salt)) != SV_OK) {
		return sv_errf(err, SV_EIO, "password: no randomness: %s",
			strerror(errno));
	}
	if (argon2_encodedlen(ARGON2_T, ARGON2_M_KIB, ARGON2_P, SALT_BYTES,
			HASH_BYTES, Argon2_id) > SV_ADMIN_HASH_MAX) {
		return sv_errf(err, SV_EINVAL, "password: hash too long");
	}
	int a = argon2id_hash_encoded(ARGON2_T, ARGON2_M_KIB, ARGON2_P, pw,
		len, salt, sizeof(salt), HASH_BYTES, out, SV_ADMIN_HASH_MAX);
	if (a != ARGON2_OK) {
		return sv_errf(err, a == ARGON2_MEMORY_ALLOCATION_ERROR ?
			SV_ENOMEM : SV_EINVAL, "password: %s",
			argon2_error_message(a));
	}
	return SV_OK;
}

bool sv_admin_password_verify(const char *hash, const char *pw, size_t len) {
	return strncmp(hash, "$argon2id$", 10) == 0 &&
		argon2id_verify(hash, pw, len) == ARGON2_OK;
}

/* ------------------------------------------------------------------ */
/* Sessions                                                           */

int sv_admin_login(struct sv_store *st, const char *name, const char *pw,
		size_t len, int64_t now, struct sv_admin_session *out,
		struct sv_err *err) {
	char *hash = NULL;
	struct sv_err ignored;
	int rc = sv_store_account_name_check(name, &ignored) == SV_OK ?
		sv_store_account_hash(st, name, &hash, err) : SV_ENOTFOUND;
	if (rc != SV_OK && rc != SV_ENOTFOUND) {
		return rc;
	}
	bool ok;
	if (hash != NULL) {
		ok = sv_admin_password_verify(hash, pw, len);
	} else {
		/* the same work, so that timing does not tell names: the
		 * hash of a password that is always in bounds */
		static const char same_work[] = "no such account, no password";
		char dummy[SV_ADMIN_HASH_MAX];
		(void)sv_admin_password_hash(same_work, sizeof(same_work) - 1,
			dummy, NULL);
		ok = false;
	}
	sv_free(hash);
	if (!ok) {
		return sv_errf(err, SV_EINVAL, "wrong account name or "
			"password");
	}
	struct sv_store_session s = { .created_at = now, .last_seen = now };
	char token_hash[SV_SESSION_HEX + 1];
	snprintf(s.user, sizeof(s.user), "%s", name);
	if (sv_admin_random_hex(out->token) != SV_OK ||
			sv_admin_random_hex(s.csrf) != SV_OK) {
		return sv_errf(err, SV_EIO, "session: no randomness");
	}
	if (sv_admin_sha256_hex(out->token, token_hash) != SV_OK) {
		return sv_errf(err, SV_ENOMEM, "session: cannot hash");
	}
	rc = sv_store_session_purge(st, now - SV_ADMIN_IDLE_S,
		now - SV_ADMIN_ABSOLUTE_S, err);
	if (rc == SV_OK) {
		rc = sv_store_session_add(st, token_hash, &s, err);
	}
	if (rc == SV_OK) {
		memcpy(out->user, s.user, sizeof(out->user));
		memcpy(out->csrf, s.csrf, sizeof(out->csrf));
	}
	return rc;
}

int sv_admin_session_check(struct sv_store *st, const char *token,
		int64_t now, struct sv_admin_session *out, struct sv_err *err) {
	char token_hash[SV_SESSION_HEX + 1];
	if (strlen(token) != SV_SESSION_HEX) {
		return sv_errf(err, SV_ENOTFOUND, "no such session");
	}
	if (sv_admin_sha256_hex(token, token_hash) != SV_OK) {
		return sv_errf(err, SV_ENOMEM, "session: cannot hash");
	}
	struct sv_store_session s;
	int rc = sv_store_session_get(st, token_hash, &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (now - s.last_seen > SV_ADMIN_IDLE_S ||
			now - s.created_at > SV_ADMIN_ABSOLUTE_S) {
		rc = sv_store_session_rm(st, token_hash, err);
		return rc != SV_OK ? rc : sv_errf(err, SV_ENOTFOUND,
			"session expired");
	}
	rc = sv_store_session_touch(st, token_hash, now, err);
	if (rc == SV_OK) {
		memcpy(out->token, token, sizeof(out->token));
		memcpy(out->user, s.user, sizeof(out->user));
		memcpy(out->csrf, s.csrf, sizeof(out->csrf));
	}
	return rc;
}

int sv_admin_logout(struct sv_store *st, const char *token,
		struct sv_err *err) {
	char token_hash[SV_SESSION_HEX + 1];
	if (strlen(token) != SV_SESSION_HEX) {
		return SV_OK;
	}
	if (sv_admin_sha256_hex(token, token_hash) != SV_OK) {
		return sv_errf(err, SV_ENOMEM, "session: cannot hash");
	}
	return sv_store_session_rm(st, token_hash, err);
}

/* ------------------------------------------------------------------ */
/* The limiter                                                        */

/* Room for an account name or a numeric address (INET6_ADDRSTRLEN). */
#define KEY_MAX (SV_ACCOUNT_NAME_MAX + 1)

struct slot {
	char key[KEY_MAX];  /* "" = free */
	unsigned failures;  /* in a row */
	int64_t next;       /* no attempt before this (ms, monotonic) */
	int64_t last;       /* of the last failure, for eviction */
};

struct sv_admin_limiter {
	pthread_mutex_t lock;
	struct slot by_address[LIMITER_SLOTS];
	struct slot by_account[LIMITER_SLOTS];
};

struct sv_admin_limiter *sv_admin_limiter_create(void) {
	struct sv_admin_limiter *l = sv_calloc(1, sizeof(*l));
	if (l != NULL && pthread_mutex_init(&l->lock, NULL) != 0) {
		sv_free(l);
		l = NULL;
	}
	return l;
}

void sv_admin_limiter_destroy(struct sv_admin_limiter *l) {
	if (l != NULL) {
		pthread_mutex_destroy(&l->lock);
		sv_free(l);
	}
}

/* The slot of key (truncated to fit), or NULL when there is none and
 * !make; with make, a free or the least recently failed slot. */
static struct slot *find(struct slot *tab, const char *key, bool make) {
	char k[KEY_MAX];
	snprintf(k, sizeof(k), "%s", key);
	struct slot *victim = NULL; /* a free slot, else the oldest */
	for (size_t i = 0; i < LIMITER_SLOTS; i++) {
		struct slot *t = &tab[i];
		if (t->key[0] != '\0' && strcmp(t->key, k) == 0) {
			return t;
		}
		bool better = t->key[0] == '\0' ? victim == NULL ||
			victim->key[0] != '\0' : victim == NULL ||
			(victim->key[0] != '\0' && t->last < victim->last);
		if (better) {
			victim = t;
		}
	}
	if (!make) {
		return NULL;
	}
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->key, k, sizeof(k));
	return victim;
}

int64_t sv_admin_limiter_now(void) {
	struct timespec t;
	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0) {
		return 0; /* cannot happen with CLOCK_MONOTONIC */
	}
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int64_t wait_of(const struct slot *s, int64_t now) {
	return s != NULL && s->next > now ? s->next - now : 0;
}

int64_t sv_admin_limiter_wait(struct sv_admin_limiter *l,
		const char *address, const char *account, int64_t now_ms) {
	pthread_mutex_lock(&l->lock);
	int64_t a = wait_of(find(l->by_address, address, false), now_ms);
	int64_t b = wait_of(find(l->by_account, account, false), now_ms);
	pthread_mutex_unlock(&l->lock);
	return a > b ? a : b;
}

static void fail(struct slot *s, int64_t now) {
	s->failures++;
	s->last = now;
	if (s->failures >= SV_ADMIN_FREE_FAILURES) {
		unsigned shift = s->failures - SV_ADMIN_FREE_FAILURES;
		int64_t wait = shift >= 10 ? SV_ADMIN_MAX_WAIT_S :
			(int64_t)1 << shift;
		s->next = now + 1000 * (wait < SV_ADMIN_MAX_WAIT_S ? wait :
			SV_ADMIN_MAX_WAIT_S);
	}
}

unsigned sv_admin_limiter_failed(struct sv_admin_limiter *l,
		const char *address, const char *account, int64_t now_ms) {
	pthread_mutex_lock(&l->lock);
	fail(find(l->by_address, address, true), now_ms);
	struct slot *s = find(l->by_account, account, true);
	fail(s, now_ms);
	unsigned n = s->failures;
	pthread_mutex_unlock(&l->lock);
	return n;
}

void sv_admin_limiter_succeeded(struct sv_admin_limiter *l,
		const char *address, const char *account) {
	pthread_mutex_lock(&l->lock);
	struct slot *s = find(l->by_address, address, false);
	if (s != NULL) {
		memset(s, 0, sizeof(*s));
	}
	s = find(l->by_account, account, false);
	if (s != NULL) {
		memset(s, 0, sizeof(*s));
	}
	pthread_mutex_unlock(&l->lock);
}
