/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_DATASET_H
#define SUIVANT_DATASET_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot/snapshot.h"
#include "snapshot/snapshot_holder.h"
#include "util/err.h"

/*
 * The data spine, between the store and snapshot below and the front ends
 * above (serve, lookup, dns, export-static, the web admin): a database
 * file, the snapshot built from it that requests read, and the watcher
 * that rebuilds that snapshot when the file changes.
 *
 *   database file --sv_dataset_load--> snapshot --holder--> requests
 *        ^                                ^
 *        +--- watcher: data_version, -----+ (off the request path,
 *             stat of the file, SIGHUP       validate then swap)
 *
 * Front ends never open the store to build a snapshot themselves, so the
 * server, the command line and the admin page serve the same data the
 * same way. Diagnostics go to the log (util/log.h): providers left out of
 * a snapshot, and the watcher's reloads.
 */

/*
 * Creates the database at path when no file exists there: the schema, and
 * the bundled providers when bundled (bundle.h). Built under a temporary
 * name beside path, then linked into place, so a crash never leaves a
 * half-made database and a database another process created meanwhile is
 * never replaced. *created tells whether this call created it; an
 * existing file (whatever it holds) is left alone with SV_OK. Errors:
 * SV_EIO when path cannot be examined or linked, SV_EDB when the database
 * cannot be built, SV_EINVAL for a path too long; nothing is left behind.
 */
int sv_dataset_init_file(const char *path, bool bundled, bool *created,
	struct sv_err *err);

/*
 * Opens path read-only, loads every provider and builds a snapshot of
 * them into *out, with one reference owned by the caller (generation is
 * the caller's counter, shown in logs). Providers that cannot be served
 * are logged and left out. Returns SV_OK, or the failure (SV_ENOTFOUND: no
 * such file; SV_EDB: not a usable suivant database; SV_EBUSY; SV_ENOMEM)
 * with err set, naming path, and *out NULL. For one-shot commands
 * (lookup, dns, export-static); a server uses struct sv_dataset.
 */
int sv_dataset_read(const char *path, uint64_t generation,
	struct sv_snapshot **out, struct sv_err *err);

/*
 * A served database: its path and the holder of the snapshot that
 * requests acquire (snapshot.h). Owns both. Loads are serialised
 * internally, so sv_dataset_load may be called from any thread, also
 * while a watcher runs; requests never wait for a load.
 */
struct sv_dataset;

/* Holds no snapshot yet. NULL with err set when out of memory. */
struct sv_dataset *sv_dataset_create(const char *path, struct sv_err *err);
/*
 * Frees ds and releases its snapshot (requests still holding it keep it
 * until they release it). Only after its watcher has stopped and every
 * reader of its holder is gone (sv_http_stop). NULL is a no-op.
 */
void sv_dataset_destroy(struct sv_dataset *ds);

/*
 * Builds a snapshot of the file as it is now (sv_dataset_read, the next
 * generation: 1 for the first) and publishes it. On failure the snapshot
 * being served, if any, stays, and so does its generation. Errors as
 * sv_dataset_read's.
 */
int sv_dataset_load(struct sv_dataset *ds, struct sv_err *err);

/* What requests acquire from (borrowed from ds; lives as long as ds). */
struct sv_snapshot_holder *sv_dataset_holder(struct sv_dataset *ds);

/*
 * The watcher: keeps ds's snapshot current while a server runs. Every
 * interval, and at once when poked (SIGHUP), it asks SQLite whether
 * another connection committed (PRAGMA data_version, on a read-only
 * connection of its own), and stat(2) whether the file changed: another
 * file renamed over it or removed (device and inode), or rewritten in
 * place (size, mtime, ctime: cp, dd conv=notrunc, rsync --inplace over
 * the live file, which SQLite cannot see). A commit is loaded once it is
 * checkpointed (the WAL empty or gone, as the store leaves it after each
 * write), or at a check that sees the file as the previous one did (no
 * checkpoint copying it in): the checkpoint that follows a commit
 * rewrites the file and restarts the WAL, and a commit loaded before it
 * would be loaded again for it, with no new data. A restart of the WAL that leaves the file as it was when last
 * loaded (a write that changed nothing) is not loaded. A change seen
 * only on the file is loaded once the file has kept still for one
 * interval, so that a file being copied is not read half-written (file
 * times have a coarse clock: a change younger than ~10 ms is loaded
 * again once still, in case a second write hid behind the same times).
 *
 * Loads run in the watcher's thread, off the request path: a snapshot
 * that cannot be built is not published, the previous one stays served.
 * Every attempt is reported (reloaded, below). The log names the file in
 * every line: "reloaded: generation N of FILE, ..."; a failure is logged
 * when the file starts failing or fails for another reason ("reload:
 * failed, still serving generation N: FILE: why"), or when a reload was
 * asked for, never at each check; then "reload: still failing after N s,
 * ..." once per remind interval until a load succeeds. A file that
 * cannot be opened (removed, not a database, another application's
 * database) is not retried until it changes, except for a cheap open
 * attempt at each check (a lock released).
 */
struct sv_dataset_watcher;

/* What the watcher reports to its owner (the server's metrics). */
struct sv_dataset_watch {
	unsigned interval_ms; /* 0: SV_DATASET_WATCH_INTERVAL_MS */
	unsigned remind_ms;   /* 0: SV_DATASET_WATCH_REMIND_MS */
	/*
	 * After each reload attempt, from the watcher's thread: ok when a
	 * new snapshot was published (it already is). May be NULL; ctx is
	 * handed to it.
	 */
	void (*reloaded)(void *ctx, bool ok);
	void *ctx;
};

#define SV_DATASET_WATCH_INTERVAL_MS 250
#define SV_DATASET_WATCH_REMIND_MS (10 * 60 * 1000)

/*
 * Takes the watcher's baseline (the file's stat and data_version):
 * create it BEFORE the first sv_dataset_load, so that a change committed
 * or a file swapped in between shows at the first check (taken after, it
 * would hide that change for good). A file that cannot be opened yet is
 * not logged here (the load says why); the watcher loads it once it can.
 * ds is borrowed and must outlive the watcher. NULL with err set when out
 * of memory.
 */
struct sv_dataset_watcher *sv_dataset_watcher_create(struct sv_dataset *ds,
	struct sv_err *err);
/*
 * Starts the watcher's thread (with every signal blocked: signals are the
 * caller's). w copies opts; opts->ctx must outlive the watcher. SV_OK, or
 * SV_EINVAL when already started, or SV_ENOMEM when no thread can be
 * created (err set).
 */
int sv_dataset_watcher_start(struct sv_dataset_watcher *w,
	const struct sv_dataset_watch *opts, struct sv_err *err);
/*
 * Asks for a reload now, changed or not (SIGHUP); returns at once, the
 * watcher's thread does it. Async-signal-unsafe (takes a mutex): call it
 * from a thread that waits for signals (sigwaitinfo), not from a handler.
 */
void sv_dataset_watcher_poke(struct sv_dataset_watcher *w);
/*
 * Stops the thread, waiting for a reload in progress to finish (no
 * reloaded call after this returns), and frees w, started or not. NULL
 * is a no-op.
 */
void sv_dataset_watcher_stop(struct sv_dataset_watcher *w);

#endif
