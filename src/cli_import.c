/* SPDX-License-Identifier: MIT */
/*
 * suivant import: read Mozilla provider files into the database, all or
 * nothing: one transaction for the whole run, every file's outcome
 * reported, any rejected file rolls everything back.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "alloc.h"
#include "cli.h"
#include "config.h"
#include "import_mozilla.h"
#include "store.h"

static const char usage[] =
	"usage: suivant import [--db FILE] PATH...\n"
	"\n"
	"Imports Mozilla provider files (config-v1.1.xml format). A PATH that\n"
	"is a directory imports its *.xml files in name order. A provider\n"
	"already stored with the same id is replaced in place. Nothing is\n"
	"stored unless every file is valid.\n"
	"\n"
	"  --db FILE   database file (default ./" SV_CONFIG_DEFAULT_DB ")\n"
	"  -h, --help  show this help\n";

struct run {
	struct sv_store *store;
	size_t ok, failed;
};

static void import_one(struct run *r, const char *path) {
	struct sv_err err = { "" };
	struct sv_provider *pv = NULL;
	int rc = sv_import_mozilla_file(path, &pv, &err);
	if (rc == SV_OK) {
		rc = sv_store_put_provider(r->store, pv, &err);
	}
	if (rc == SV_OK) {
		printf("ok %s: provider %s, %zu domain(s), %zu server(s)\n",
			path, pv->id, pv->n_domains, pv->n_servers);
		r->ok++;
	} else {
		sv_cli_error("import", "%s", err.msg);
		r->failed++;
	}
	sv_provider_destroy(pv);
}

static int is_xml_name(const struct dirent *d) {
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 4 &&
		strcmp(d->d_name + n - 4, ".xml") == 0;
}

static void import_dir(struct run *r, const char *dir) {
	struct dirent **names = NULL;
	int n = scandir(dir, &names, is_xml_name, alphasort);
	if (n < 0) {
		sv_cli_error("import", "%s: %s", dir, strerror(errno));
		r->failed++;
		return;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		if (snprintf(path, sizeof(path), "%s/%s", dir,
				names[i]->d_name) >= (int)sizeof(path)) {
			sv_cli_error("import", "%s: path too long", dir);
			r->failed++;
		} else {
			import_one(r, path);
		}
		free(names[i]); /* scandir allocates with malloc */
	}
	free(names);
}

int sv_cli_import(int argc, char **argv) {
	static const struct option options[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = SV_CONFIG_DEFAULT_DB;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return EX_OK;
		default:
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind == argc) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	struct sv_err err = { "" };
	struct run r = { 0 };
	r.store = sv_store_open(db, SV_STORE_READWRITE, &err);
	if (r.store == NULL) {
		sv_cli_error("import", "%s", err.msg);
		return EX_NOINPUT;
	}
	int rc = sv_store_begin(r.store, &err);
	if (rc != SV_OK) {
		sv_cli_error("import", "%s", err.msg);
		sv_store_close(r.store);
		return sv_cli_exit_code(rc);
	}
	for (int i = optind; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			import_dir(&r, argv[i]);
		} else {
			import_one(&r, argv[i]);
		}
	}
	int status = EX_OK;
	if (r.failed > 0) {
		sv_store_rollback(r.store);
		status = EX_DATAERR;
	} else if ((rc = sv_store_commit(r.store, &err)) != SV_OK) {
		sv_cli_error("import", "%s", err.msg);
		status = sv_cli_exit_code(rc);
	}
	sv_store_close(r.store);
	printf("%zu imported, %zu rejected%s\n", r.ok, r.failed,
		r.failed > 0 ? "; nothing was stored" : "");
	return status;
}
