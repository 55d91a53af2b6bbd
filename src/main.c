/* SPDX-License-Identifier: MIT */
/*
 * suivant: mail client autoconfiguration server. Dispatch only: each
 * command lives in src/cli_<command>.c.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>
#include <libxml/parser.h>

#include "answer/answer.h"
#include "cli/cli.h"
#include "util/alloc.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Keep alphabetized. */
static const struct command commands[] = {
	{ "check", sv_cli_check, "validate the whole database, list every problem" },
	{ "dns", sv_cli_dns, "print the DNS records a domain needs" },
	{ "domain", sv_cli_domain, "add, remove or list domains" },
	{ "export", sv_cli_export, "write providers back as Mozilla provider files" },
	{ "export-static", sv_cli_export_static, "write the answers for a static web server or CDN" },
	{ "import", sv_cli_import, "import Mozilla provider files" },
	{ "init", sv_cli_init, "create a database from the bundled data" },
	{ "lookup", sv_cli_lookup, "print what a mail client gets for an address" },
	{ "provider", sv_cli_provider, "add, change, remove, list or show providers" },
	{ "serve", sv_cli_serve, "answer mail clients over HTTP" },
	{ "server", sv_cli_server, "add, change, remove or list servers" },
};

static void usage(FILE *f) {
	fprintf(f, "usage: suivant <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	}
	fprintf(f, "\n'suivant <command> --help' describes a command.\n");
}

int main(int argc, char **argv) {
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
			strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EX_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("suivant %s\n", SV_VERSION);
		return EX_OK;
	}
	/* Before any thread starts: libxml2's global state is set up once,
	 * with allocation hooks that let renderers see libxml2's silent
	 * out-of-memory failures. */
	if (sv_answer_xml_memory_setup() != 0) {
		fprintf(stderr, "suivant: libxml2 refused its allocators\n");
		return EX_SOFTWARE;
	}
	xmlInitParser();
	/* jansson's allocations go through alloc.h like ours. */
	json_set_alloc_funcs(sv_malloc, sv_free);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0) {
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "suivant: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EX_USAGE;
}
