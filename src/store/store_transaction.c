/* SPDX-License-Identifier: MIT */
/*
 * The store's transactions: sv_store_begin/commit/rollback for multi-step
 * writes, and store_write_begin/end, under which every write call runs: a
 * SAVEPOINT inside the caller's transaction when one is open, else inside
 * its own BEGIN IMMEDIATE one, rolled back to on any failure. Once a write
 * transaction of ours ends, wal_trim keeps the -wal file small.
 */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

#include "store/store_internal.h"

#define SAVEPOINT_NAME "sv_write"
/* How long a writer retries truncating the WAL after a commit, and how
 * often (wal_trim). */
#define WAL_TRIM_MS 1000
#define WAL_TRIM_STEP_MS 20

/* ------------------------------------------------------------------ */
/* Transactions                                                       */

/*
 * Once a write transaction of ours has ended: after a commit, or when the
 * -wal file grew past STORE_WAL_KEEP_BYTES (the cache spilled into it
 * before a rollback), the WAL is checkpointed into the database file and
 * truncated. A server keeps a connection open, so SQLite's last-close
 * checkpoint never comes while it runs: without this a failed or large
 * import leaves the -wal file at its peak size (a full disk stays full),
 * and frames left in it would be read over, or replayed onto, a database
 * copied or renamed over the file. A rolled-back small write does
 * nothing: the WAL index stays as it is, so a server does not reload.
 *
 * Copying (PASSIVE) needs no lock and waits for no one. Truncating needs
 * the write lock and no reader in the WAL (a server's reload); SQLite
 * would hold the write lock while it waits, stalling other writers into
 * their busy timeout. So, without a busy handler: copy, and once all is
 * copied, truncate (the write lock is then held for an instant); what a
 * reader still blocks is retried, holding no lock in between, for
 * WAL_TRIM_MS (a large WAL: STORE_BUSY_TIMEOUT_MS). Failing changes nothing,
 * the write is done; the next write tries again, and journal_size_limit
 * trims the WAL when SQLite restarts it.
 */
static void wal_trim(struct sv_store *st, bool committed) {
	if (!st->wrote) {
		return;
	}
	st->wrote = false;
	const char *db = sqlite3_db_filename(st->db, "main");
	const char *wal = db != NULL && db[0] != '\0' ?
		sqlite3_filename_wal(db) : NULL;
	struct stat sb;
	bool large = wal != NULL && stat(wal, &sb) == 0 &&
		sb.st_size > STORE_WAL_KEEP_BYTES;
	if (!committed && !large) {
		return;
	}
	long limit_ms = large ? STORE_BUSY_TIMEOUT_MS : WAL_TRIM_MS;
	/* only misuse makes this fail: the connection is open */
	if (sqlite3_busy_timeout(st->db, 0) != SQLITE_OK) {
		return;
	}
	for (long waited = 0;; waited += WAL_TRIM_STEP_MS) {
		int frames = -1, copied = -1;
		int src = sqlite3_wal_checkpoint_v2(st->db, NULL,
			SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
		if (src == SQLITE_OK && frames == copied) {
			src = sqlite3_wal_checkpoint_v2(st->db, NULL,
				SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		} else if (src == SQLITE_OK) {
			src = SQLITE_BUSY; /* a reader holds the rest back */
		}
		/* done, or an error that waiting will not mend */
		if (src != SQLITE_BUSY || waited >= limit_ms) {
			break;
		}
		struct timespec t = { 0, WAL_TRIM_STEP_MS * 1000000L };
		while (nanosleep(&t, &t) != 0 && errno == EINTR) {
		}
	}
	int src = sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	(void)src;
}

int sv_store_begin(struct sv_store *st, struct sv_err *err) {
	if (st->mode == SV_STORE_READONLY) {
		return sv_errf(err, SV_EDB, "store: opened read-only");
	}
	int rc = store_exec(st->db, "BEGIN IMMEDIATE", err, "store: begin");
	st->wrote |= rc == SV_OK;
	return rc;
}

int sv_store_commit(struct sv_store *st, struct sv_err *err) {
	int rc = store_exec(st->db, "COMMIT", err, "store: commit");
	if (rc != SV_OK && !sqlite3_get_autocommit(st->db)) {
		/* all or nothing: never leave the caller inside it */
		store_exec_quiet(st->db, "ROLLBACK");
	}
	wal_trim(st, rc == SV_OK);
	return rc;
}

void sv_store_rollback(struct sv_store *st) {
	if (st == NULL || st->db == NULL) {
		return;
	}
	if (!sqlite3_get_autocommit(st->db)) {
		store_exec_quiet(st->db, "ROLLBACK");
	}
	/* also when SQLite rolled back by itself (SQLITE_FULL) */
	wal_trim(st, false);
}

int store_write_begin(struct sv_store *st, struct sv_err *err) {
	/*
	 * Our own transaction is IMMEDIATE: a deferred one would read first
	 * and could then fail to upgrade to a write lock (SQLITE_BUSY without
	 * the busy handler) if another connection wrote in between.
	 */
	bool own = st->writes++ == 0 && sqlite3_get_autocommit(st->db);
	int rc = SV_OK;
	if (st->mode == SV_STORE_READONLY) {
		rc = sv_errf(err, SV_EDB, "store: opened read-only");
	} else if (own) {
		rc = store_exec(st->db, "BEGIN IMMEDIATE", err, "store: begin");
		st->wrote |= rc == SV_OK;
	}
	if (rc == SV_OK) {
		rc = store_exec(st->db, "SAVEPOINT " SAVEPOINT_NAME, err,
			"store: savepoint");
		if (rc != SV_OK && own) {
			store_exec_quiet(st->db, "ROLLBACK");
		}
	}
	if (st->writes == 1) {
		st->own_txn = own && rc == SV_OK;
	}
	/* the end that follows has nothing to close */
	st->begin_failed = rc != SV_OK;
	return rc;
}

int store_write_end(struct sv_store *st, int rc, struct sv_err *err) {
	st->writes--;
	if (st->begin_failed) {
		st->begin_failed = false;
		return rc;
	}
	if (rc == SV_OK) {
		rc = store_exec(st->db, "RELEASE " SAVEPOINT_NAME, err,
			"store: release");
	}
	if (rc != SV_OK) {
		/* Fails only when SQLite already rolled back the whole
		 * transaction (e.g. on SQLITE_FULL). */
		store_exec_quiet(st->db, "ROLLBACK TO " SAVEPOINT_NAME);
		store_exec_quiet(st->db, "RELEASE " SAVEPOINT_NAME);
	}
	if (st->writes == 0 && st->own_txn) {
		st->own_txn = false;
		if (rc == SV_OK) {
			rc = store_exec(st->db, "COMMIT", err, "store: commit");
		}
		if (rc != SV_OK && !sqlite3_get_autocommit(st->db)) {
			store_exec_quiet(st->db, "ROLLBACK");
		}
		wal_trim(st, rc == SV_OK);
	}
	return rc;
}
