/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/dataset/dataset.c: creating a database from the bundled
 * data (and its error paths), loading snapshots, a failed load that keeps
 * the served snapshot, and the watcher: a commit, a replaced file, a
 * broken replacement, a file rewritten in place (a database, garbage),
 * a failing file logged once and counted, a poke, stop. Each test works
 * in a fresh temporary
 * directory (mkdtemp in /tmp), removed afterwards. The watcher runs with a
 * short interval; every wait is bounded (WAIT_S) so that a watcher that
 * never reloads fails the test instead of hanging it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dataset/bundle.h"
#include "dataset/dataset.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"

#define WAIT_S 20          /* longest wait for a reload (ASan, busy CI) */
#define FAST_MS 20         /* the watcher's interval in these tests */
/* A file where a database should be: SQLite reads it and refuses it. */
#define NOT_A_DB "not a database, though long enough to be read as one " \
	"by SQLite: a header would say otherwise\n"

/* ---- fixture: a temporary directory ---- */

struct fixture {
	char dir[64];
	char db[96];    /* dir/suivant.db, not created */
	char other[96]; /* dir/other.db, not created */
};

static int setup_dir(void **state) {
	struct fixture *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "/tmp/suivant-test-dataset-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/suivant.db", f->dir);
	snprintf(f->other, sizeof(f->other), "%s/other.db", f->dir);
	*state = f;
	return 0;
}

static int teardown_dir(void **state) {
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		char p[384];
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0
				&& snprintf(p, sizeof(p), "%s/%s", f->dir,
					e->d_name) < (int)sizeof(p)) {
			unlink(p);
		}
	}
	if (d != NULL) {
		closedir(d);
	}
	int rc = rmdir(f->dir);
	free(f);
	return rc;
}

/* ---- helpers ---- */

/* A database at path, with the bundled providers or none. */
static void make_db(const char *path, bool bundled) {
	struct sv_err err = { "" };
	bool created = false;
	assert_int_equal(sv_dataset_init_file(path, bundled, &created, &err),
		SV_OK);
	assert_true(created);
}

/* A dataset of a new database at path (make_db), nothing loaded yet. */
static struct sv_dataset *dataset_of_new_db(const char *path, bool bundled) {
	make_db(path, bundled);
	struct sv_err err = { "" };
	struct sv_dataset *ds = sv_dataset_create(path, &err);
	assert_non_null(ds);
	return ds;
}

/* Another read-write connection to the database at path, an admin's. */
static struct sv_store *writer(const char *path) {
	struct sv_err err = { "" };
	struct sv_store *st = sv_store_open(path, SV_STORE_READWRITE, &err);
	assert_non_null(st);
	return st;
}

/* Rewrites dst with src's bytes, as cp does: same inode, truncated. */
static void copy_in_place(const char *src, const char *dst) {
	FILE *in = fopen(src, "rb");
	assert_non_null(in);
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf), in);
	assert_true(n > 0 && n < sizeof(buf));
	fclose(in);
	struct stat before, after;
	assert_int_equal(stat(dst, &before), 0);
	int fd = open(dst, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
	assert_int_equal(stat(dst, &after), 0);
	assert_true(before.st_ino == after.st_ino);
}

/* Overwrites the first bytes of path, as dd conv=notrunc does. */
static void scribble_in_place(const char *path) {
	char junk[4096];
	memset(junk, 'x', sizeof(junk));
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	assert_int_equal(close(fd), 0);
}

/* Lines of the log file at path that hold both needles (b may be NULL). */
static int log_lines(const char *path, const char *a, const char *b) {
	FILE *fp = fopen(path, "r");
	if (fp == NULL) {
		return 0;
	}
	char line[1024];
	int n = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		n += strstr(line, a) != NULL && (b == NULL ||
			strstr(line, b) != NULL);
	}
	fclose(fp);
	return n;
}

static void sleep_ms(long ms) {
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&t, &t) != 0 && errno == EINTR) {
	}
}

static void write_text(const char *path, const char *text) {
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* How many entries dir holds besides . and .. */
static int dir_entries(const char *dir) {
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	}
	closedir(d);
	return n;
}

static bool serves(const struct sv_snapshot *s, const char *domain) {
	struct sv_snapshot_match m;
	return sv_snapshot_lookup(s, domain, &m) == SV_OK;
}

/* ds serves generation gen, with free.fr or without. */
static void expect_served(struct sv_dataset *ds, uint64_t gen,
		bool free_fr) {
	struct sv_snapshot *s = sv_snapshot_holder_acquire(
		sv_dataset_holder(ds));
	assert_non_null(s);
	assert_int_equal(sv_snapshot_generation(s), gen);
	assert_int_equal(serves(s, "free.fr"), free_fr);
	sv_snapshot_release(s);
}

/* What the watcher reported, from its thread. */
struct reports {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ok, failed;
};

static void on_reload(void *ctx, bool ok) {
	struct reports *r = ctx;
	pthread_mutex_lock(&r->lock);
	*(ok ? &r->ok : &r->failed) += 1;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static void reports_init(struct reports *r) {
	memset(r, 0, sizeof(*r));
	assert_int_equal(pthread_mutex_init(&r->lock, NULL), 0);
	assert_int_equal(pthread_cond_init(&r->cond, NULL), 0);
}

static void reports_finish(struct reports *r) {
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
}

/* Waits until the watcher reported at least ok and failed reloads. */
static void wait_reports(struct reports *r, int ok, int failed) {
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_S;
	pthread_mutex_lock(&r->lock);
	int e = 0;
	while ((r->ok < ok || r->failed < failed) && e == 0) {
		e = pthread_cond_timedwait(&r->cond, &r->lock, &until);
	}
	int got_ok = r->ok, got_failed = r->failed;
	pthread_mutex_unlock(&r->lock);
	if (got_ok < ok || got_failed < failed) {
		fail_msg("after %d s: %d reloads, %d failed; want %d and %d",
			WAIT_S, got_ok, got_failed, ok, failed);
	}
}

/* A dataset watched as serve watches it, and what its watcher reports. */
struct watched {
	struct sv_dataset *ds;
	struct sv_dataset_watcher *w;
	struct reports r;
};

/* The dataset on path and its watcher (baseline taken), then, when
 * load, the first load. */
static void watched_open(struct watched *t, const char *path, bool load) {
	struct sv_err err = { "" };
	t->ds = sv_dataset_create(path, &err);
	assert_non_null(t->ds);
	t->w = sv_dataset_watcher_create(t->ds, &err);
	assert_non_null(t->w);
	if (load) {
		assert_int_equal(sv_dataset_load(t->ds, &err), SV_OK);
	}
	reports_init(&t->r);
}

static void watched_start_remind(struct watched *t, unsigned interval_ms,
		unsigned remind_ms) {
	struct sv_err err = { "" };
	const struct sv_dataset_watch opts = {
		.interval_ms = interval_ms,
		.remind_ms = remind_ms,
		.reloaded = on_reload,
		.ctx = &t->r,
	};
	assert_int_equal(sv_dataset_watcher_start(t->w, &opts, &err), SV_OK);
}

static void watched_start(struct watched *t, unsigned interval_ms) {
	watched_start_remind(t, interval_ms, 0);
}

/* What the watcher reported so far. */
static void reports_now(struct reports *r, int *ok, int *failed) {
	pthread_mutex_lock(&r->lock);
	*ok = r->ok;
	*failed = r->failed;
	pthread_mutex_unlock(&r->lock);
}

static void watched_close(struct watched *t) {
	sv_dataset_watcher_stop(t->w);
	reports_finish(&t->r);
	sv_dataset_destroy(t->ds);
}

/* f->db made (make_db(bundled)), loaded and watched every interval_ms,
 * reminding every remind_ms. */
static void watched_db(struct fixture *f, struct watched *t, bool bundled,
		unsigned interval_ms, unsigned remind_ms) {
	make_db(f->db, bundled);
	watched_open(t, f->db, true);
	watched_start_remind(t, interval_ms, remind_ms);
}

/* The watcher saw one change and reloaded it: generation 2 serves the
 * bundled providers. Closes t. */
static void expect_one_reload(struct watched *t) {
	wait_reports(&t->r, 1, 0);
	expect_served(t->ds, 2, true);
	watched_close(t);
}

/* ds on f->db (the bundled providers) watched every FAST_MS, its log in
 * log (size n, in f->dir); watched_unlog undoes it. */
static void watched_logged(struct fixture *f, struct watched *t, char *log,
		size_t n, unsigned remind_ms) {
	struct sv_err err = { "" };
	snprintf(log, n, "%s/watch.log", f->dir);
	assert_int_equal(sv_log_open_file(log, &err), SV_OK);
	watched_db(f, t, true, FAST_MS, remind_ms);
}

static void watched_unlog(struct watched *t) {
	struct sv_err err = { "" };
	watched_close(t);
	assert_int_equal(sv_log_open_file(NULL, &err), SV_OK);
}

/* ---- creating a database ---- */

static void test_init_file_bundled(void **state) {
	struct fixture *f = *state;
	struct sv_err err = { "" };
	bool created = false;
	assert_int_equal(sv_dataset_init_file(f->db, true, &created, &err),
		SV_OK);
	assert_true(created);
	/* the temporary file and its WAL are gone: only the database */
	assert_int_equal(dir_entries(f->dir), 1);
	struct sv_snapshot *s;
	assert_int_equal(sv_dataset_read(f->db, 3, &s, &err), SV_OK);
	assert_int_equal(sv_snapshot_generation(s), 3);
	assert_int_equal(sv_snapshot_provider_count(s), sv_embedded_data_count);
	assert_true(serves(s, "free.fr"));
	sv_snapshot_release(s);

	/* an existing file is left alone, whatever it holds */
	struct stat before, after;
	assert_int_equal(stat(f->db, &before), 0);
	assert_int_equal(sv_dataset_init_file(f->db, false, &created, &err),
		SV_OK);
	assert_false(created);
	assert_int_equal(stat(f->db, &after), 0);
	assert_true(before.st_ino == after.st_ino &&
		before.st_size == after.st_size);
	write_text(f->other, "not a database\n");
	assert_int_equal(sv_dataset_init_file(f->other, true, &created, &err),
		SV_OK);
	assert_false(created);
}

static void test_init_file_empty(void **state) {
	struct fixture *f = *state;
	make_db(f->db, false);
	struct sv_err err = { "" };
	struct sv_snapshot *s;
	assert_int_equal(sv_dataset_read(f->db, 1, &s, &err), SV_OK);
	assert_int_equal(sv_snapshot_provider_count(s), 0);
	assert_false(serves(s, "free.fr"));
	sv_snapshot_release(s);
}

static void test_init_file_errors(void **state) {
	struct fixture *f = *state;
	struct sv_err err = { "" };
	bool created = true;
	char path[4096];

	/* a directory that does not exist: the store cannot create it */
	snprintf(path, sizeof(path), "%s/no/such.db", f->dir);
	assert_int_equal(sv_dataset_init_file(path, true, &created, &err),
		SV_EDB);
	assert_false(created);

	/* a file where a directory should be: cannot even look */
	write_text(f->other, "x");
	snprintf(path, sizeof(path), "%s/x.db", f->other);
	created = true;
	assert_int_equal(sv_dataset_init_file(path, true, &created, &err),
		SV_EIO);
	assert_false(created);
	assert_non_null(strstr(err.msg, path));

	/* room for the path, not for its temporary name */
	int n = snprintf(path, sizeof(path), "%s/missing", f->dir);
	while (n < (int)sizeof(path) - 8) {
		n += snprintf(path + n, sizeof(path) - (size_t)n, "/%.*s",
			(int)sizeof(path) - n - 8 < 200 ?
				(int)sizeof(path) - n - 8 : 200,
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	}
	assert_int_equal(sv_dataset_init_file(path, true, &created, &err),
		SV_EINVAL);
	assert_false(created);

	/* nothing left behind but the file made above */
	assert_int_equal(dir_entries(f->dir), 1);
}

/* ---- loading ---- */

static void test_read_errors(void **state) {
	struct fixture *f = *state;
	struct sv_err err = { "" };
	/* *out is reset on failure */
	struct sv_snapshot *empty = sv_snapshot_build(NULL, 0, 1, NULL, NULL,
		&err);
	assert_non_null(empty);
	struct sv_snapshot *s = empty;
	assert_int_equal(sv_dataset_read(f->db, 1, &s, &err), SV_ENOTFOUND);
	assert_null(s);
	sv_snapshot_release(empty);
	write_text(f->db, NOT_A_DB);
	assert_int_equal(sv_dataset_read(f->db, 1, &s, &err), SV_EDB);
	assert_null(s);
	assert_non_null(strstr(err.msg, f->db));
}

static void test_load(void **state) {
	struct fixture *f = *state;
	struct sv_err err = { "" };
	struct sv_dataset *ds = dataset_of_new_db(f->db, true);
	/* nothing served before the first load */
	assert_null(sv_snapshot_holder_acquire(sv_dataset_holder(ds)));
	assert_int_equal(sv_dataset_load(ds, &err), SV_OK);
	expect_served(ds, 1, true);
	/* each load is the next generation, and sees the file as it is */
	struct sv_store *st = writer(f->db);
	assert_int_equal(sv_store_provider_rm(st, "free.fr", NULL, &err), SV_OK);
	sv_store_close(st);
	assert_int_equal(sv_dataset_load(ds, &err), SV_OK);
	expect_served(ds, 2, false);
	sv_dataset_destroy(ds);
	sv_dataset_destroy(NULL);
}

static void test_failed_load_keeps_snapshot(void **state) {
	struct fixture *f = *state;
	struct sv_err err = { "" };
	struct sv_dataset *ds = dataset_of_new_db(f->db, true);
	/* a missing file: nothing to serve yet, and nothing created */
	assert_int_equal(unlink(f->db), 0);
	assert_int_equal(sv_dataset_load(ds, &err), SV_ENOTFOUND);
	assert_null(sv_snapshot_holder_acquire(sv_dataset_holder(ds)));
	assert_int_equal(dir_entries(f->dir), 0);
	make_db(f->db, true);
	assert_int_equal(sv_dataset_load(ds, &err), SV_OK);
	/* a request in flight across the failed loads */
	struct sv_snapshot *in_flight = sv_snapshot_holder_acquire(
		sv_dataset_holder(ds));

	/* damaged, then gone: the snapshot served stays, and so does its
	 * generation */
	write_text(f->other, NOT_A_DB);
	assert_int_equal(rename(f->other, f->db), 0);
	assert_int_equal(sv_dataset_load(ds, &err), SV_EDB);
	expect_served(ds, 1, true);
	assert_int_equal(unlink(f->db), 0);
	assert_int_equal(sv_dataset_load(ds, &err), SV_ENOTFOUND);
	expect_served(ds, 1, true);

	/* out of memory at every step of a load in turn */
	make_db(f->db, false);
	int rc;
	long n = 0;
	do {
		sv_alloc_fail_after(n++);
		rc = sv_dataset_load(ds, &err);
		sv_alloc_fail_after(-1);
		if (rc != SV_OK) {
			assert_int_equal(rc, SV_ENOMEM);
			expect_served(ds, 1, true);
		}
	} while (rc != SV_OK);
	assert_true(n > 1);
	/* failed loads do not use up generations */
	expect_served(ds, 2, false);
	assert_true(serves(in_flight, "free.fr"));
	sv_snapshot_release(in_flight);
	sv_dataset_destroy(ds);
}

static void test_create_alloc_failures(void **state) {
	struct fixture *f = *state;
	struct sv_err err = { "" };
	make_db(f->db, false);
	for (long n = 0;; n++) {
		sv_alloc_fail_after(n);
		struct sv_dataset *ds = sv_dataset_create(f->db, &err);
		struct sv_dataset_watcher *w = ds != NULL ?
			sv_dataset_watcher_create(ds, &err) : NULL;
		sv_alloc_fail_after(-1);
		if (ds != NULL && w != NULL) {
			assert_true(n >= 3);
			sv_dataset_watcher_stop(w);
			sv_dataset_destroy(ds);
			break;
		}
		assert_non_null(strstr(err.msg, "out of memory"));
		sv_dataset_destroy(ds);
	}
}

/* ---- the watcher ---- */

/*
 * A watcher of a database without providers, when change puts the
 * bundled providers in its place, reloads once. f->other holds the
 * bundled database before the watcher starts.
 */
static void expect_noticed(void **state,
		void (*change)(const struct fixture *f)) {
	struct fixture *f = *state;
	make_db(f->other, true);
	struct watched t;
	watched_db(f, &t, false, FAST_MS, 0);
	change(f);
	expect_one_reload(&t);
}

/* Another connection commits: data_version moves. */
static void commit_bundle(const struct fixture *f) {
	struct sv_err err = { "" };
	struct sv_store *st = writer(f->db);
	assert_int_equal(sv_bundle_install(st, NULL, &err), SV_OK);
	sv_store_close(st);
}

/* rename(2) over it, as an admin deploys a database built elsewhere: the
 * old file's data_version never moves. */
static void rename_over(const struct fixture *f) {
	assert_int_equal(rename(f->other, f->db), 0);
}

/* cp over the live file: same inode, the WAL index untouched, so
 * data_version never moves (issue 16). */
static void copy_over(const struct fixture *f) {
	copy_in_place(f->other, f->db);
}

static void test_watcher_notices_commit(void **state) {
	expect_noticed(state, commit_bundle);
}

static void test_watcher_notices_replaced_file(void **state) {
	expect_noticed(state, rename_over);
}

static void test_watcher_notices_rewrite_in_place(void **state) {
	expect_noticed(state, copy_over);
}

static void test_watcher_baseline_before_load(void **state) {
	struct fixture *f = *state;
	struct sv_err err = { "" };
	make_db(f->db, false);
	make_db(f->other, true);
	struct watched t;
	watched_open(&t, f->db, false);
	/* swapped between the watcher's creation and the first load: the
	 * swap still counts as a change at the first check */
	assert_int_equal(rename(f->other, f->db), 0);
	assert_int_equal(sv_dataset_load(t.ds, &err), SV_OK);
	watched_start(&t, FAST_MS);
	expect_one_reload(&t);
}

static void test_watcher_bad_replacement(void **state) {
	struct fixture *f = *state;
	struct watched t;
	watched_db(f, &t, true, FAST_MS, 0);
	write_text(f->other, NOT_A_DB);
	assert_int_equal(rename(f->other, f->db), 0);
	/* the watcher only warns about a file it cannot open; a reload it
	 * is asked for fails, and keeps what is served */
	sv_dataset_watcher_poke(t.w);
	wait_reports(&t.r, 0, 1);
	expect_served(t.ds, 1, true);
	/* once a good file is back, it is served */
	make_db(f->other, false);
	assert_int_equal(rename(f->other, f->db), 0);
	wait_reports(&t.r, 1, 1);
	expect_served(t.ds, 2, false);
	watched_close(&t);
}

static void exec_sql(sqlite3 *db, const char *sql) {
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fail_msg("%s: %s", sql, msg != NULL ? msg : "?");
	}
}

/*
 * A large commit, copied into the file at once, the WAL truncated one
 * check and a half later, as a sync through the store does when the
 * reload holds the truncation back: one reload. Before issue 20 the
 * commit was loaded at once, and the truncation, which moves
 * data_version by restarting the WAL, was loaded again: a second full
 * build of the same data. Then a commit that nobody checkpoints is
 * loaded all the same.
 */
static void test_watcher_commit_and_checkpoint_one_reload(void **state) {
	struct fixture *f = *state;
	enum { INTERVAL_MS = 200 };
	struct watched t;
	watched_db(f, &t, true, INTERVAL_MS, 0);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_busy_timeout(db, WAIT_S * 1000), SQLITE_OK);
	/* the checkpoint is ours to make, when we say */
	exec_sql(db, "PRAGMA wal_autocheckpoint = 0");
	exec_sql(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
		"SELECT i + 1 FROM n WHERE i < 20000) "
		"INSERT INTO domains (name, provider_id, position) "
		"SELECT 'd' || i || '.bulk.test', 'free.fr', 100000 + i "
		"FROM n");
	char wal[128];
	struct stat st;
	snprintf(wal, sizeof(wal), "%s-wal", f->db);
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size > 1000000); /* large: over a megabyte */
	/* copied into the file at once, as SQLite's autocheckpoint and the
	 * store do after a commit; truncated only later, as when a reader
	 * (the reload) held the truncation back */
	int frames = -1, copied = -1;
	assert_int_equal(sqlite3_wal_checkpoint_v2(db, NULL,
		SQLITE_CHECKPOINT_PASSIVE, &frames, &copied), SQLITE_OK);
	assert_true(frames > 0 && copied == frames);
	sleep_ms(3 * INTERVAL_MS / 2);
	assert_int_equal(sqlite3_wal_checkpoint_v2(db, NULL,
		SQLITE_CHECKPOINT_TRUNCATE, &frames, &copied), SQLITE_OK);
	assert_true(frames == 0 && copied == 0); /* truncated */
	wait_reports(&t.r, 1, 0);
	sleep_ms(5 * INTERVAL_MS); /* five checks more: nothing new */
	int ok, failed;
	reports_now(&t.r, &ok, &failed);
	struct sv_snapshot *s = sv_snapshot_holder_acquire(
		sv_dataset_holder(t.ds));
	uint64_t generation = sv_snapshot_generation(s);
	bool bulk = serves(s, "d20000.bulk.test");
	sv_snapshot_release(s);
	/* a commit never checkpointed (the sqlite3 shell's): still loaded,
	 * once the file has kept still for a few checks */
	exec_sql(db, "DELETE FROM domains WHERE name = 'd1.bulk.test'");
	if (ok == 1) {
		wait_reports(&t.r, 2, 0);
	}
	s = sv_snapshot_holder_acquire(sv_dataset_holder(t.ds));
	bool gone = !serves(s, "d1.bulk.test");
	sv_snapshot_release(s);
	/* closed first: a watcher left running would fail the next tests */
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	watched_close(&t);
	assert_int_equal(ok, 1);
	assert_int_equal(failed, 0);
	assert_int_equal(generation, 2);
	assert_true(bulk);
	assert_true(gone);
}

/*
 * A write that changes nothing, as a sync of the names already stored:
 * the store checkpoints after it all the same, and restarting the WAL
 * moves data_version, but the file is as loaded: no reload (before
 * issue 20: a full build of the same data after every such sync).
 */
static void test_watcher_ignores_wal_restart(void **state) {
	struct fixture *f = *state;
	struct sv_err err = { "" };
	struct watched t;
	watched_db(f, &t, true, FAST_MS, 0);
	struct sv_store *st = writer(f->db);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sv_store_begin(st, &err), SV_OK);
		assert_int_equal(sv_store_commit(st, &err), SV_OK);
		sleep_ms(5 * FAST_MS);
	}
	sleep_ms(10 * FAST_MS);
	int ok, failed;
	reports_now(&t.r, &ok, &failed);
	/* a commit still is news */
	assert_int_equal(sv_store_provider_rm(st, "free.fr", NULL, &err),
		SV_OK);
	sv_store_close(st);
	if (ok + failed == 0) {
		wait_reports(&t.r, 1, 0);
		expect_served(t.ds, 2, false);
	}
	/* closed first: a watcher left running would fail the next tests */
	watched_close(&t);
	assert_int_equal(ok + failed, 0);
}

/*
 * Garbage written in place, then the file removed: each is one failed
 * reload, logged once with the file's name however many checks see it,
 * reminded of at the remind interval only; the snapshot served stays.
 * A good file back is loaded (issue 16: a warning every 250 ms, none
 * counted).
 */
static void test_watcher_failing_file_logged_once(void **state) {
	struct fixture *f = *state;
	char log[128];
	struct watched t;
	watched_logged(f, &t, log, sizeof(log), 60 * 1000);
	scribble_in_place(f->db);
	wait_reports(&t.r, 0, 1);
	sleep_ms(20 * FAST_MS); /* twenty checks more */
	int ok, failed;
	reports_now(&t.r, &ok, &failed);
	assert_int_equal(ok, 0);
	assert_int_equal(failed, 1);
	expect_served(t.ds, 1, true);
	sv_log_flush();
	assert_int_equal(log_lines(log, "warning:", NULL), 1);
	assert_int_equal(log_lines(log, "reload: failed, still serving "
		"generation 1", f->db), 1);
	assert_int_equal(log_lines(log, "file is not a database", NULL), 1);

	/* removed: another reason, one more line and one more count */
	assert_int_equal(unlink(f->db), 0);
	wait_reports(&t.r, 0, 2);
	sleep_ms(20 * FAST_MS);
	reports_now(&t.r, &ok, &failed);
	assert_int_equal(failed, 2);
	sv_log_flush();
	assert_int_equal(log_lines(log, "warning:", NULL), 2);
	assert_int_equal(log_lines(log, "no such database", f->db), 1);

	/* a SIGHUP's reload is logged even when nothing changed */
	sv_dataset_watcher_poke(t.w);
	wait_reports(&t.r, 0, 3);
	sv_log_flush();
	assert_int_equal(log_lines(log, "warning:", NULL), 3);

	/* back: loaded */
	make_db(f->db, false);
	wait_reports(&t.r, 1, 3);
	expect_served(t.ds, 2, false);
	sv_log_flush();
	assert_int_equal(log_lines(log, "reloaded: generation 2 of", f->db),
		1);
	watched_unlog(&t);
}

/* A file failing for long: one reminder per remind interval. */
static void test_watcher_failing_file_reminded(void **state) {
	struct fixture *f = *state;
	char log[128];
	struct watched t;
	watched_logged(f, &t, log, sizeof(log), 30 * FAST_MS);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(unlink(f->db), 0);
	wait_reports(&t.r, 0, 1);
	sleep_ms(75 * FAST_MS); /* two reminders, not seventy */
	watched_unlog(&t);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		(t1.tv_nsec - t0.tv_nsec) / 1000000;
	int reminders = log_lines(log, "reload: still failing after", f->db);
	assert_true(reminders >= 1 && reminders <= ms / (30 * FAST_MS));
	assert_int_equal(log_lines(log, "serving generation 1", NULL),
		1 + reminders);
}

static void test_watcher_poke(void **state) {
	struct fixture *f = *state;
	struct watched t;
	watched_db(f, &t, true, 3600 * 1000, 0); /* only a poke can wake it */
	sv_dataset_watcher_poke(t.w);
	wait_reports(&t.r, 1, 0);
	sv_dataset_watcher_poke(t.w);
	wait_reports(&t.r, 2, 0);
	expect_served(t.ds, 3, true);
	watched_close(&t);
}

static void test_watcher_stop(void **state) {
	struct fixture *f = *state;
	struct sv_err err = { "" };
	struct watched t;
	watched_db(f, &t, true, 3600 * 1000, 0);
	const struct sv_dataset_watch opts = { .interval_ms = FAST_MS };
	assert_int_equal(sv_dataset_watcher_start(t.w, &opts, &err),
		SV_EINVAL);
	/* stop wakes the thread: it does not sleep out its hour */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sv_dataset_watcher_stop(t.w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < WAIT_S);
	assert_int_equal(t.r.ok + t.r.failed, 0);

	/* stopping one that never started, and NULL */
	t.w = sv_dataset_watcher_create(t.ds, &err);
	assert_non_null(t.w);
	sv_dataset_watcher_stop(NULL);
	/* the data stays served after the watcher is gone */
	expect_served(t.ds, 1, true);
	watched_close(&t);
}

static void test_watcher_without_baseline(void **state) {
	struct fixture *f = *state;
	/* no file yet: the watcher still starts, and retries */
	struct watched t;
	watched_open(&t, f->db, false);
	watched_start(&t, FAST_MS);
	make_db(f->db, true);
	wait_reports(&t.r, 1, 0);
	expect_served(t.ds, 1, true);
	watched_close(&t);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_dir, teardown_dir)
	const struct CMUnitTest tests[] = {
		T(test_init_file_bundled),
		T(test_init_file_empty),
		T(test_init_file_errors),
		T(test_read_errors),
		T(test_load),
		T(test_failed_load_keeps_snapshot),
		T(test_create_alloc_failures),
		T(test_watcher_notices_commit),
		T(test_watcher_notices_replaced_file),
		T(test_watcher_baseline_before_load),
		T(test_watcher_bad_replacement),
		T(test_watcher_notices_rewrite_in_place),
		T(test_watcher_commit_and_checkpoint_one_reload),
		T(test_watcher_ignores_wal_restart),
		T(test_watcher_failing_file_logged_once),
		T(test_watcher_failing_file_reminded),
		T(test_watcher_poke),
		T(test_watcher_stop),
		T(test_watcher_without_baseline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
