/* SPDX-License-Identifier: MIT */
/*
 * suivant: mail client autoconfiguration server. Dispatch only: each
 * command lives in src/cli/cli_<command>.c; the global options are
 * sorted out here (cli_common.h).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>
#include <libxml/parser.h>

#include "answer/answer.h"
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "http/config.h"
#include "util/alloc.h"
#include "util/log.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Keep alphabetized. */
static const struct command commands[] = {
	{ "admin-user", sv_cli_admin_user, "add, remove or list web admin accounts" },
	{ "audit", sv_cli_audit, "print the web admin's audit trail" },
	{ "check", sv_cli_check, "validate the whole database, list every problem" },
	{ "dns", sv_cli_dns, "print the DNS records a domain needs" },
	{ "domain", sv_cli_domain, "add, remove or list domains" },
	{ "export", sv_cli_export, "write providers back as Mozilla provider files" },
	{ "export-static", sv_cli_export_static, "write the answers for a static web server or CDN" },
	{ "import", sv_cli_import, "import Mozilla provider files" },
	{ "init", sv_cli_init, "create a database from the bundled data" },
	{ "lookup", sv_cli_lookup, "print what a mail client gets for an address" },
	{ "provider", sv_cli_provider, "add, change, remove, list or show providers" },
	{ "publish", sv_cli_publish, "write a consistent copy of the database for other nodes" },
	{ "serve", sv_cli_serve, "answer mail clients over HTTP" },
	{ "server", sv_cli_server, "add, change, remove or list servers" },
	{ "service", sv_cli_service, "add, change, remove or list DAV services" },
	{ "sync", sv_cli_sync, "replace a provider's domains by a SQL query's result" },
};

static void usage(FILE *f) {
	fprintf(f, "usage: suivant <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		fprintf(f, "  %-14s %s\n", commands[i].name,
			commands[i].summary);
	}
	fprintf(f, "\nglobal options, before or after the command:\n"
		"  --db FILE      database file (default ./" SV_CONFIG_DEFAULT_DB
		")\n"
		"  --json         JSON output where the command has one; an\n"
		"                 error is one JSON object on stderr: {\"error\",\n"
		"                 \"field\", \"exit\"}, with the same exit status\n"
		"  -h, --help     show this help, or the command's\n"
		"  --version      print the version\n"
		"\n'suivant <command> --help' describes a command; manual "
		"pages: suivant(1),\nsuivant-<command>(1), suivant-data(5).\n");
}

/*
 * Takes --json and --version out of argv wherever they are before a
 * "--" (they mean the same to every command); returns the new argc. An
 * option's value spelled exactly "--json" must be given as --opt=--json.
 */
static int take_global_flags(int argc, char **argv, bool *json,
		bool *version) {
	int out = 1, i = 1;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			*json = true;
		} else if (strcmp(argv[i], "--version") == 0) {
			*version = true;
		} else {
			argv[out++] = argv[i];
		}
	}
	for (; i < argc; i++) {
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

static int run(int argc, char **argv) {
	bool help;
	if (!sv_cli_hoist(argc, argv, &help)) {
		if (help) {
			usage(stdout);
			return EX_OK;
		}
		sv_cli_error_field(NULL, "command", "missing command");
		if (!sv_cli_report_json()) {
			usage(stderr);
		}
		return EX_USAGE;
	}
	if (strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EX_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	char shown[64];
	sv_log_escape(argv[1], shown, sizeof(shown));
	if (strcmp(argv[1], "--db") == 0) { /* the last argument */
		sv_cli_error_field(NULL, "--db", "option '--db' needs a value");
	} else if (argv[1][0] == '-') {
		sv_cli_error_field(NULL, shown, "unknown option '%s' before the "
			"command (only --db, --json, --help and --version go "
			"there)", shown);
	} else {
		sv_cli_error_field(NULL, "command", "unknown command '%s'",
			shown);
	}
	if (!sv_cli_report_json()) {
		fputc('\n', stderr);
		usage(stderr);
	}
	return EX_USAGE;
}

int main(int argc, char **argv) {
	bool json = false, version = false;
	argc = take_global_flags(argc, argv, &json, &version);
	if (version) {
		printf("suivant %s\n", SV_VERSION);
		return EX_OK;
	}
	/* jansson's allocations go through alloc.h like ours. */
	json_set_alloc_funcs(sv_malloc, sv_free);
	sv_cli_report_start(json);
	/* getopt's own messages would not be JSON: commands say it */
	opterr = !json;
	/* Before any thread starts: libxml2's global state is set up once,
	 * with allocation hooks that let renderers see libxml2's silent
	 * out-of-memory failures. */
	if (sv_answer_xml_memory_setup() != 0) {
		sv_cli_error(NULL, "libxml2 refused its allocators");
		return sv_cli_report_end(NULL, EX_SOFTWARE);
	}
	xmlInitParser();
	int status = run(argc, argv);
	return sv_cli_report_end(argc > 1 && argv[1][0] != '-' ? argv[1] :
		NULL, status);
}
