/* SPDX-License-Identifier: MIT */
/*
 * The data spine (dataset.h): creating a database from the bundled data,
 * building snapshots from a database file, and the watcher that rebuilds
 * the served one when the file changes.
 *
 * The watcher is one thread that sleeps on a condition variable: woken by
 * its interval, a poke (SIGHUP) or stop. Reloads run there, under the
 * dataset's lock, so a reload never overlaps another, and requests only
 * ever see the holder's atomic swap (snapshot.h).
 *
 * Ownership: a dataset owns its path copy, its holder and (through it) the
 * served snapshot. A watcher borrows its dataset and owns its read-only
 * store connection and its thread.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dataset/bundle.h"
#include "dataset/dataset.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"

/* ------------------------------------------------------------------ */
/* Database files                                                     */

/* Removes path and its WAL side files; errors do not matter here. */
static void remove_db_files(const char *path) {
	char side[4096];
	(void)unlink(path);
	if (snprintf(side, sizeof(side), "%s-wal", path) < (int)sizeof(side)) {
		(void)unlink(side);
	}
	if (snprintf(side, sizeof(side), "%s-shm", path) < (int)sizeof(side)) {
		(void)unlink(side);
	}
}

int sv_dataset_init_file(const char *path, bool bundled, bool *created,
		struct sv_err *err) {
	struct stat st;
	*created = false;
	if (stat(path, &st) == 0) {
		return SV_OK;
	}
	if (errno != ENOENT) {
		return sv_errf(err, SV_EIO, "%s: %s", path, strerror(errno));
	}
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >=
			(int)sizeof(tmp)) {
		return sv_errf(err, SV_EINVAL, "database path too long");
	}
	remove_db_files(tmp);
	struct sv_store *store = sv_store_open(tmp, SV_STORE_CREATE, err);
	if (store == NULL) {
		remove_db_files(tmp);
		return SV_EDB;
	}
	int rc = bundled ? sv_bundle_install(store, NULL, err) : SV_OK;
	sv_store_close(store);
	/* link, not rename: never replaces a database that another process
	 * created meanwhile. */
	if (rc == SV_OK) {
		if (link(tmp, path) == 0) {
			*created = true;
		} else if (errno != EEXIST) {
			rc = sv_errf(err, SV_EIO, "%s: %s", path,
				strerror(errno));
		}
	}
	remove_db_files(tmp);
	return rc;
}

static void warn_skipped(const char *provider_id, const char *reason) {
	sv_log_warnx("provider %s not served: %s", provider_id, reason);
}

/* rc, with err naming path: the store's messages after its open do not. */
static int about_file(const char *path, int rc, struct sv_err *err) {
	if (err != NULL && strstr(err->msg, path) == NULL) {
		char msg[SV_ERR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		sv_errf(err, rc, "%s: %s", path, msg);
	}
	return rc;
}

int sv_dataset_read(const char *path, uint64_t generation,
		struct sv_snapshot **out, struct sv_err *err) {
	*out = NULL;
	struct sv_store *store;
	int rc = sv_store_open_rc(path, SV_STORE_READONLY, &store, err);
	if (rc != SV_OK) {
		return about_file(path, rc, err);
	}
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	rc = sv_store_load(store, &pvs, &n, err);
	sv_store_close(store);
	if (rc != SV_OK) {
		return about_file(path, rc, err);
	}
	/* invalid providers are left out, not fatal: only memory can fail */
	*out = sv_snapshot_build(pvs, n, generation, NULL, warn_skipped, err);
	return *out != NULL ? SV_OK : about_file(path, SV_ENOMEM, err);
}

/* ------------------------------------------------------------------ */
/* The served dataset                                                 */

struct sv_dataset {
	char *path;                       /* owned copy */
	struct sv_snapshot_holder holder; /* owns the served snapshot */
	pthread_mutex_t lock;             /* one load at a time; never taken
	                                   * by a request */
	uint64_t generation;              /* of the served snapshot, 0 before
	                                   * the first; under lock */
};

struct sv_dataset *sv_dataset_create(const char *path, struct sv_err *err) {
	struct sv_dataset *ds = sv_calloc(1, sizeof(*ds));
	if (ds == NULL) {
		sv_errf(err, SV_ENOMEM, "dataset: out of memory");
		return NULL;
	}
	ds->path = sv_strdup(path);
	if (ds->path == NULL) {
		sv_free(ds);
		sv_errf(err, SV_ENOMEM, "dataset: out of memory");
		return NULL;
	}
	if (sv_snapshot_holder_init(&ds->holder) != SV_OK) {
		sv_free(ds->path);
		sv_free(ds);
		sv_errf(err, SV_ENOMEM, "dataset: cannot create the holder");
		return NULL;
	}
	if (pthread_mutex_init(&ds->lock, NULL) != 0) {
		sv_snapshot_holder_finish(&ds->holder);
		sv_free(ds->path);
		sv_free(ds);
		sv_errf(err, SV_ENOMEM, "dataset: cannot create its lock");
		return NULL;
	}
	return ds;
}

void sv_dataset_destroy(struct sv_dataset *ds) {
	if (ds == NULL) {
		return;
	}
	sv_snapshot_holder_finish(&ds->holder);
	pthread_mutex_destroy(&ds->lock);
	sv_free(ds->path);
	sv_free(ds);
}

/*
 * Builds the next generation and publishes it; ds->lock held. *providers
 * and *domains receive its counts (read before publishing: once published
 * it is the holder's).
 */
static int load_locked(struct sv_dataset *ds, size_t *providers,
		size_t *domains, struct sv_err *err) {
	struct sv_snapshot *s;
	int rc = sv_dataset_read(ds->path, ds->generation + 1, &s, err);
	if (rc != SV_OK) {
		return rc;
	}
	*providers = sv_snapshot_provider_count(s);
	*domains = sv_snapshot_domain_count(s);
	ds->generation++;
	sv_snapshot_holder_publish(&ds->holder, s);
	return SV_OK;
}

int sv_dataset_load(struct sv_dataset *ds, struct sv_err *err) {
	size_t providers, domains;
	pthread_mutex_lock(&ds->lock);
	int rc = load_locked(ds, &providers, &domains, err);
	pthread_mutex_unlock(&ds->lock);
	return rc;
}

struct sv_snapshot_holder *sv_dataset_holder(struct sv_dataset *ds) {
	return &ds->holder;
}

/* ------------------------------------------------------------------ */
/* The watcher                                                        */

/*
 * The file as stat(2) describes it. A rewrite in place (cp, dd
 * conv=notrunc, rsync --inplace over the live file) keeps the inode and
 * never touches SQLite's WAL index, so data_version cannot see it; its
 * size, mtime or ctime moves (ctime cannot be set back by any tool). err:
 * 0, or why stat failed (ENOENT: removed).
 */
struct file_sig {
	int err;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/*
 * File times come from a coarse clock (one tick: 1 to 10 ms): two writes
 * within one tick can leave the same times. A change younger than this
 * when seen may be followed by another that stat cannot tell apart.
 */
#define RACY_NS 10000000LL

/* s describes path now; *racy when it changed less than RACY_NS ago. */
static void sig_take(const char *path, struct file_sig *s, bool *racy) {
	struct stat st;
	memset(s, 0, sizeof(*s));
	*racy = false;
	if (stat(path, &st) != 0) {
		s->err = errno;
		return;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
	s->ctime = st.st_ctim;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	long long age = (long long)(now.tv_sec - st.st_ctim.tv_sec) *
		1000000000LL + (now.tv_nsec - st.st_ctim.tv_nsec);
	*racy = age < RACY_NS;
}

/*
 * A writer through the store checkpoints its commit into the database
 * file and truncates the WAL right after (store.c, wal_trim); a large
 * write (a sync of a million domains) takes seconds to copy. A commit
 * loaded before that was loaded again for it: the copy rewrites the file
 * in place (size, mtime), and restarting the WAL moves data_version (a
 * TRUNCATE checkpoint does, even of an empty WAL: every write through the
 * store, a no-op sync too), all without new data, and the same million
 * domains were built twice. So a commit is loaded once the WAL is empty
 * or gone (checkpointed: the file holds all of it), or else once the
 * file has not moved since the previous check (no copy under way: the
 * next check, as before, for a writer that keeps its WAL), or after
 * WAL_WAIT_MAX_CHECKS; and a restart of the WAL that leaves the file as
 * it was when last loaded is not loaded at all.
 */
#define WAL_WAIT_MAX_CHECKS 40

/* Whether path's WAL holds nothing: truncated by a checkpoint, or gone. */
static bool wal_empty(const char *path) {
	char wal[4096];
	struct stat st;
	if (snprintf(wal, sizeof(wal), "%s-wal", path) >= (int)sizeof(wal)) {
		return false;
	}
	if (stat(wal, &st) != 0) {
		return errno == ENOENT;
	}
	return st.st_size == 0;
}

static bool ts_equal(const struct timespec *a, const struct timespec *b) {
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool sig_equal(const struct file_sig *a, const struct file_sig *b) {
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino &&
		a->size == b->size && ts_equal(&a->mtime, &b->mtime) &&
		ts_equal(&a->ctime, &b->ctime);
}

struct sv_dataset_watcher {
	struct sv_dataset *ds;        /* borrowed */
	struct sv_dataset_watch opts;
	/* What a check compares; only the watcher's thread (or its
	 * creator, before start) touches these. */
	struct sv_store *store;       /* owned read-only connection; NULL
	                               * when it could not be opened */
	int64_t data_version;         /* of store, when it was opened */
	struct file_sig seen;         /* the file when last loaded */
	struct file_sig moving;       /* a change not loaded yet */
	bool has_moving;
	bool committed;               /* data_version moved, not loaded */
	unsigned committed_checks;    /* since (WAL_WAIT_MAX_CHECKS) */
	/* A failing file is logged when it starts failing or fails
	 * otherwise, then reminded of every remind interval. */
	bool failing;
	char why[SV_ERR_MSG_MAX];     /* the last failure logged */
	struct timespec failing_since, reminded; /* CLOCK_MONOTONIC */
	/* The thread and how to wake it. */
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;         /* guards poked and stopping */
	pthread_cond_t wake;          /* on CLOCK_MONOTONIC */
	bool poked, stopping;
};

/*
 * (Re)opens the watcher's connection and takes its data_version, which a
 * commit by another connection moves. Quiet: a file that cannot be opened
 * cannot be loaded either, and the load that follows says why.
 */
static bool watch_open(struct sv_dataset_watcher *w) {
	struct sv_err err;
	sv_store_close(w->store);
	w->store = sv_store_open(w->ds->path, SV_STORE_READONLY, &err);
	if (w->store != NULL && sv_store_data_version(w->store,
			&w->data_version, &err) != SV_OK) {
		sv_store_close(w->store);
		w->store = NULL;
	}
	return w->store != NULL;
}

/*
 * Whether to load now: poked, a commit (data_version) once checkpointed
 * or not being copied (WAL_WAIT_MAX_CHECKS), or a change on the file
 * (stat) that has kept still for one interval, so that a file being
 * copied is not read half-written.
 * While a commit waits for its checkpoint, the file moving is that
 * checkpoint, not a change of its own. On yes, the baseline becomes the
 * file as seen before the load, which then reads it as it is or newer.
 */
static bool watch_changed(struct sv_dataset_watcher *w, bool poked) {
	/* data_version, then the WAL, then the file: a commit seen here
	 * whose WAL is then seen empty has its checkpoint's writes in the
	 * file's stat. */
	int64_t v = 0;
	struct sv_err err;
	bool asked = w->store != NULL && sv_store_data_version(w->store, &v,
		&err) == SV_OK;
	bool wal_clear = wal_empty(w->ds->path);
	struct file_sig now;
	bool racy;
	sig_take(w->ds->path, &now, &racy);
	bool moved = !sig_equal(&now, &w->seen);
	bool settled = moved && w->has_moving && sig_equal(&now, &w->moving);
	bool still = !moved || settled; /* since the previous check */
	w->moving = now;
	w->has_moving = moved;
	bool go = poked;
	bool reopen = moved || w->store == NULL;
	if (w->store != NULL) {
		if (!asked) {
			go = reopen = true; /* the load says why */
		} else if (v != w->data_version) {
			w->data_version = v;
			w->committed = true;
		}
	} else if (!go && !moved) {
		/* Unchanged, but could not be opened (locked, or not a
		 * database still): retrying is cheap, only success is news. */
		go = watch_open(w);
		reopen = false;
	}
	bool checkpointed = w->committed && wal_clear;
	if (checkpointed && !moved && !go) {
		/* The WAL restarted and the file is as loaded: all the
		 * data is in the file, which has not changed since. */
		w->committed = false;
		w->committed_checks = 0;
		return false;
	}
	bool waiting = false;
	if (w->committed) {
		/* Not checkpointed: waits while the file moves (the copy);
		 * checkpointed: for a stat of the file it can trust
		 * (RACY_NS), rather than loading twice (below). */
		waiting = (checkpointed ? moved && racy : !still) &&
			++w->committed_checks < WAL_WAIT_MAX_CHECKS;
	}
	go = go || (!waiting && (settled || w->committed));
	if (!go) {
		return false;
	}
	/* A change too young to trust (RACY_NS) stays pending: it is
	 * loaded again once the file has kept still. */
	if (settled || !moved || !racy) {
		w->seen = now;
		w->has_moving = false;
	}
	w->committed = false;
	w->committed_checks = 0;
	if (reopen) {
		(void)watch_open(w); /* the baseline predates the load */
	}
	return true;
}

static long ms_between(const struct timespec *t0, const struct timespec *t1) {
	return (t1->tv_sec - t0->tv_sec) * 1000 +
		(t1->tv_nsec - t0->tv_nsec) / 1000000;
}

static uint64_t served_generation(struct sv_dataset *ds) {
	pthread_mutex_lock(&ds->lock);
	uint64_t g = ds->generation;
	pthread_mutex_unlock(&ds->lock);
	return g;
}

/* A failed load: logged when the file starts failing, fails otherwise,
 * or a reload was asked for (SIGHUP); why names the file. */
static void note_failure(struct sv_dataset_watcher *w, const char *why,
		uint64_t generation, bool poked) {
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!w->failing || poked || strcmp(why, w->why) != 0) {
		sv_log_warnx("reload: failed, still serving generation %llu: "
			"%s", (unsigned long long)generation, why);
		w->reminded = now;
	}
	if (!w->failing) {
		w->failing_since = now;
	}
	w->failing = true;
	snprintf(w->why, sizeof(w->why), "%s", why);
}

/* While failing, at most one reminder per remind interval. */
static void remind(struct sv_dataset_watcher *w) {
	unsigned ms = w->opts.remind_ms != 0 ? w->opts.remind_ms :
		SV_DATASET_WATCH_REMIND_MS;
	struct timespec now;
	if (!w->failing) {
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ms_between(&w->reminded, &now) < (long)ms) {
		return;
	}
	w->reminded = now;
	sv_log_warnx("reload: still failing after %ld s, serving generation "
		"%llu: %s", ms_between(&w->failing_since, &now) / 1000,
		(unsigned long long)served_generation(w->ds), w->why);
}

static void reload(struct sv_dataset_watcher *w, bool poked) {
	struct sv_dataset *ds = w->ds;
	struct sv_err err = { "" };
	struct timespec t0, t1;
	size_t providers, domains;
	pthread_mutex_lock(&ds->lock);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = load_locked(ds, &providers, &domains, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t generation = ds->generation;
	pthread_mutex_unlock(&ds->lock);
	if (rc != SV_OK) {
		note_failure(w, err.msg, generation, poked);
	} else {
		w->failing = false;
		sv_log_info("reloaded: generation %llu of %s, %zu providers, "
			"%zu domains, %ld ms", (unsigned long long)generation,
			ds->path, providers, domains, ms_between(&t0, &t1));
	}
	if (w->opts.reloaded != NULL) {
		w->opts.reloaded(w->opts.ctx, rc == SV_OK);
	}
}

struct sv_dataset_watcher *sv_dataset_watcher_create(struct sv_dataset *ds,
		struct sv_err *err) {
	struct sv_dataset_watcher *w = sv_calloc(1, sizeof(*w));
	if (w == NULL) {
		sv_errf(err, SV_ENOMEM, "reload watcher: out of memory");
		return NULL;
	}
	w->ds = ds;
	pthread_condattr_t attr;
	bool attr_ok = pthread_condattr_init(&attr) == 0;
	bool cond_ok = attr_ok &&
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
		pthread_cond_init(&w->wake, &attr) == 0;
	if (attr_ok) {
		pthread_condattr_destroy(&attr);
	}
	if (!cond_ok) {
		sv_free(w);
		sv_errf(err, SV_ENOMEM, "reload watcher: cannot create its "
			"condition variable");
		return NULL;
	}
	if (pthread_mutex_init(&w->lock, NULL) != 0) {
		pthread_cond_destroy(&w->wake);
		sv_free(w);
		sv_errf(err, SV_ENOMEM, "reload watcher: cannot create its "
			"lock");
		return NULL;
	}
	/*
	 * The baseline. Not held against a change younger than RACY_NS:
	 * the first load follows at once and reads the file as it is then,
	 * and a database just created would otherwise be reloaded for
	 * nothing. Not opened: retried at each check (the load says why).
	 */
	bool racy;
	sig_take(ds->path, &w->seen, &racy);
	(void)watch_open(w);
	return w;
}

static void *watch_thread(void *arg) {
	struct sv_dataset_watcher *w = arg;
	unsigned ms = w->opts.interval_ms != 0 ? w->opts.interval_ms :
		SV_DATASET_WATCH_INTERVAL_MS;
	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)(ms / 1000);
		until.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		int e = 0; /* ETIMEDOUT: the interval is over */
		while (!w->stopping && !w->poked && e == 0) {
			e = pthread_cond_timedwait(&w->wake, &w->lock, &until);
		}
		if (w->stopping) {
			break;
		}
		bool poked = w->poked;
		w->poked = false;
		pthread_mutex_unlock(&w->lock);
		/* a poke reloads too, but still updates the baseline */
		if (watch_changed(w, poked)) {
			reload(w, poked);
		} else {
			remind(w);
		}
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int sv_dataset_watcher_start(struct sv_dataset_watcher *w,
		const struct sv_dataset_watch *opts, struct sv_err *err) {
	if (w->started) {
		return sv_errf(err, SV_EINVAL, "reload watcher: already "
			"started");
	}
	w->opts = *opts;
	/* The thread inherits a full mask: the caller's signals stay the
	 * caller's (serve waits for them with sigwaitinfo). */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(&w->thread, NULL, watch_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		return sv_errf(err, SV_ENOMEM, "reload watcher: cannot start "
			"its thread: %s", strerror(e));
	}
	w->started = true;
	return SV_OK;
}

void sv_dataset_watcher_poke(struct sv_dataset_watcher *w) {
	pthread_mutex_lock(&w->lock);
	w->poked = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void sv_dataset_watcher_stop(struct sv_dataset_watcher *w) {
	if (w == NULL) {
		return;
	}
	if (w->started) {
		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	sv_store_close(w->store);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	sv_free(w);
}
