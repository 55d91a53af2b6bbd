/* SPDX-License-Identifier: MIT */
/*
 * What every command shares: exit codes, error lines, creating the default
 * database and loading a snapshot from a database file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "bundle.h"
#include "cli.h"
#include "log.h"
#include "store.h"

int sv_cli_exit_code(int rc) {
	switch (rc) {
	case SV_OK: return EX_OK;
	case SV_EINVAL: return EX_DATAERR;
	case SV_ENOTFOUND: return EX_NOINPUT;
	case SV_EEXIST: return EX_DATAERR;
	case SV_ETOOBIG: return EX_DATAERR;
	case SV_ENOMEM: return EX_OSERR;
	case SV_EDB: return EX_IOERR;
	case SV_EIO: return EX_IOERR;
	case SV_EBUSY: return EX_TEMPFAIL;
	default: return EX_SOFTWARE;
	}
}

void sv_cli_error(const char *cmd, const char *fmt, ...) {
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "suivant: %s: %s\n", cmd, msg);
}

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

int sv_cli_ensure_db(const char *path, bool *created, struct sv_err *err) {
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
	int rc = sv_bundle_install(store, NULL, err);
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

struct sv_snapshot *sv_cli_load_snapshot(const char *path,
		uint64_t generation, struct sv_err *err) {
	struct sv_store *store = sv_store_open(path, SV_STORE_READONLY, err);
	if (store == NULL) {
		return NULL;
	}
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	int rc = sv_store_load(store, &pvs, &n, err);
	sv_store_close(store);
	if (rc != SV_OK) {
		return NULL;
	}
	return sv_snapshot_build(pvs, n, generation, NULL, warn_skipped, err);
}
