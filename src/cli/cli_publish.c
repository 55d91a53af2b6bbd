/* SPDX-License-Identifier: MIT */
/*
 * suivant publish OUT.db: the database as one consistent file for other
 * nodes. VACUUM INTO writes a compacted copy from one read transaction
 * (writers are not blocked), under a temporary name beside OUT.db; it is
 * synced, hashed, and renamed over OUT.db, so that a `serve` reading
 * OUT.db (or a node receiving it by rsync, which renames too) sees the
 * old file or the new one, never half of one, and its watcher reloads on
 * the new inode. OUT.db.sha256 holds "HEX  OUT.db" as sha256sum(1) writes
 * it, for the receiving end to check before it swaps the file in.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "http/config.h"
#include "store/store.h"
#include "util/log.h"

static const char usage[] =
	"usage: suivant publish [--db FILE] [--json] OUT.db\n"
	"\n"
	"Writes a consistent, compacted copy of the database to OUT.db (under\n"
	"a temporary name, then renamed over it: readers see the old file or\n"
	"the new one) and its SHA-256 to OUT.db.sha256 (sha256sum format).\n"
	"`serve --db OUT.db` switches to each new publication within a\n"
	"second; other nodes get it with rsync (which renames too) and check\n"
	"it with `sha256sum -c OUT.db.sha256`.\n"
	"\n"
	"  --db FILE   database file (default ./" SV_CONFIG_DEFAULT_DB ")\n"
	"  --json      {\"path\", \"sha256\", \"bytes\"} on stdout\n"
	"  -h, --help  show this help\n"
	"\n"
	"Exit status: 0 done, 64 bad usage, 66 no such database, 73 OUT.db\n"
	"cannot be written, 74 the database cannot be read, 75 busy.\n";

#define CMD "publish"

/* SHA-256 of path as lower-case hex into hex[65]; *bytes its size. */
static int hash_file(const char *path, char *hex, off_t *bytes) {
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return SV_EIO;
	}
	gnutls_hash_hd_t h;
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0) {
		close(fd);
		return SV_ENOMEM;
	}
	unsigned char buf[65536], digest[32];
	ssize_t n;
	*bytes = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		gnutls_hash(h, buf, (size_t)n);
		*bytes += n;
	}
	gnutls_hash_deinit(h, digest);
	close(fd);
	if (n < 0) {
		return SV_EIO;
	}
	for (size_t i = 0; i < sizeof(digest); i++) {
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	}
	return SV_OK;
}

static int sync_path(const char *path, int flags) {
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Writes text to path atomically (temporary file, fsync, rename). */
static int write_atomically(const char *path, const char *tmp,
		const char *text) {
	FILE *f = fopen(tmp, "we");
	if (f == NULL) {
		return -1;
	}
	bool ok = fputs(text, f) >= 0 && fflush(f) == 0 &&
		fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int publish(const char *db, const char *out, bool json) {
	char tmp[4096], sum[4096], sum_tmp[4096], dir[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", out, (long)getpid()) >=
			(int)sizeof(tmp) ||
			snprintf(sum, sizeof(sum), "%s.sha256", out) >=
			(int)sizeof(sum) ||
			snprintf(sum_tmp, sizeof(sum_tmp), "%s.tmp-%ld", sum,
			(long)getpid()) >= (int)sizeof(sum_tmp) ||
			snprintf(dir, sizeof(dir), "%s", out) >=
			(int)sizeof(dir)) {
		sv_cli_error(CMD, "OUT.db: path too long");
		return EX_USAGE;
	}
	struct sv_store *st;
	int status = sv_cli_open_store(CMD, db, SV_STORE_READWRITE, &st);
	if (status != EX_OK) {
		return status;
	}
	struct sv_err err = { "" };
	unlink(tmp); /* a crashed run's, with our pid: VACUUM INTO wants none */
	int rc = sv_store_vacuum_into(st, tmp, &err);
	sv_store_close(st);
	if (rc != SV_OK) {
		unlink(tmp);
		sv_cli_error(CMD, "%s", err.msg);
		return rc == SV_EBUSY ? EX_TEMPFAIL : EX_CANTCREAT;
	}
	char hex[65];
	off_t bytes = 0;
	if (sync_path(tmp, O_RDONLY) != 0 ||
			hash_file(tmp, hex, &bytes) != SV_OK) {
		sv_cli_error(CMD, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return EX_IOERR;
	}
	char *base = strrchr(out, '/');
	char line[4096 + 80];
	snprintf(line, sizeof(line), "%s  %s\n", hex,
		base != NULL ? base + 1 : out);
	if (rename(tmp, out) != 0) {
		sv_cli_error(CMD, "%s: %s", out, strerror(errno));
		unlink(tmp);
		return EX_CANTCREAT;
	}
	if (write_atomically(sum, sum_tmp, line) != 0) {
		sv_cli_error(CMD, "%s: %s", sum, strerror(errno));
		return EX_CANTCREAT;
	}
	/* the renames are durable once the directory is */
	if (sync_path(dirname(dir), O_RDONLY | O_DIRECTORY) != 0) {
		sv_log_warn("publish: fsync of the directory of %s", out);
	}
	if (json) {
		return sv_cli_print_json(CMD, json_pack("{s:s, s:s, s:I}",
			"path", out, "sha256", hex, "bytes", (json_int_t)bytes));
	}
	printf("published %s (%lld bytes, sha256 %s)\n", out,
		(long long)bytes, hex);
	return EX_OK;
}

int sv_cli_publish(int argc, char **argv) {
	struct sv_cli_opts o;
	int status = sv_cli_getopt(argc, argv, usage, true, NULL, NULL, NULL,
		&o);
	if (status >= 0 || (status = sv_cli_args(CMD, &o, 1, "OUT.db",
			usage)) >= 0) {
		return status;
	}
	return publish(o.db, o.args[0], o.json);
}
