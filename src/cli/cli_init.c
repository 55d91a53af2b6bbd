/* SPDX-License-Identifier: MIT */
/*
 * suivant init: create a database from the schema and the bundled data
 * (or, with --empty, the schema alone).
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "dataset/dataset.h"
#include "http/config.h"

static const char usage[] =
	"usage: suivant init [--db FILE] [--empty]\n"
	"\n"
	"Creates FILE (default ./" SV_CONFIG_DEFAULT_DB ") with the schema and\n"
	"every bundled provider. An existing file is never overwritten.\n"
	"\n"
	"  --db FILE   database file to create\n"
	"  --empty     the schema only, no provider\n"
	"  -h, --help  show this help\n";

int sv_cli_init(int argc, char **argv) {
	int empty = 0;
	const struct option extra[] = {
		{ "empty", no_argument, &empty, 1 },
		{ NULL, 0, NULL, 0 },
	};
	struct sv_cli_opts opts;
	int rc = sv_cli_getopt(argc, argv, usage, false, extra, NULL, NULL,
		&opts);
	if (rc != -1) {
		return rc;
	}
	const char *db = opts.db;
	rc = sv_cli_args("init", &opts, 0, NULL, usage);
	if (rc != -1) {
		return rc;
	}
	struct stat st;
	if (stat(db, &st) == 0) {
		sv_cli_error("init", "%s already exists; remove it first or "
			"choose another --db", db);
		return EX_CANTCREAT;
	}
	struct sv_err err = { "" };
	bool created = false;
	rc = sv_dataset_init_file(db, !empty, &created, &err);
	if (rc != SV_OK) {
		sv_cli_error("init", "%s", err.msg);
		return rc == SV_EIO || rc == SV_EDB ? EX_CANTCREAT :
			sv_cli_exit_code(rc);
	}
	if (!created) {
		sv_cli_error("init", "%s was created by another process", db);
		return EX_CANTCREAT;
	}
	printf("created %s%s\n", db, empty ? " (empty: no provider)" : "");
	return EX_OK;
}
