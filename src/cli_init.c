/* SPDX-License-Identifier: MIT */
/*
 * suivant init: create a database from the schema and the bundled data
 * (or, with --empty, the schema alone).
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "cli.h"
#include "config.h"

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
	static const struct option options[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "empty", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = SV_CONFIG_DEFAULT_DB;
	bool empty = false;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'e':
			empty = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EX_OK;
		default:
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		sv_cli_error("init", "unexpected argument '%s'", argv[optind]);
		fputs(usage, stderr);
		return EX_USAGE;
	}
	struct stat st;
	if (stat(db, &st) == 0) {
		sv_cli_error("init", "%s already exists; remove it first or "
			"choose another --db", db);
		return EX_CANTCREAT;
	}
	struct sv_err err = { "" };
	bool created = false;
	int rc = sv_cli_create_db(db, !empty, &created, &err);
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
