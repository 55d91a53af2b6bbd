/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_H
#define SUIVANT_CLI_H

/*
 * The command line's entry points, the contract between main.c, which
 * dispatches to them, and the files that define them, one each
 * (cli_<command>.c below). The machinery they share has headers of its
 * own, named for their sources: cli_common.h (option parsing, the global
 * options, arguments, verb dispatch), cli_output.h (exit codes,
 * diagnostics, the error report, JSON and tables), cli_write.h (the admin
 * writes and listings), cli_row.h (the server and service verbs). argv
 * stays main's; a command may reorder it (sv_cli_hoist, getopt_long).
 */

/* ---- cli_admin_user.c, cli_audit.c, cli_check.c, cli_dns.c,
 * cli_domain.c, cli_export.c, cli_export_static.c, cli_import.c,
 * cli_init.c, cli_lookup.c, cli_provider.c, cli_publish.c, cli_serve.c,
 * cli_server.c, cli_service.c, cli_sync.c ---- */

/*
 * Command entry points, one file each (cli_<command>.c), dispatched by
 * main.c. Each takes its own argv (argv[0] is the command name), prints
 * data on stdout and diagnostics on stderr as "suivant: <cmd>: <msg>", and
 * returns a <sysexits.h> code. They share this one signature.
 */
typedef int sv_cli_command(int argc, char **argv);
sv_cli_command sv_cli_admin_user, sv_cli_audit, sv_cli_check, sv_cli_dns,
	sv_cli_domain, sv_cli_export, sv_cli_export_static, sv_cli_import,
	sv_cli_init, sv_cli_lookup, sv_cli_provider, sv_cli_publish,
	sv_cli_serve, sv_cli_server, sv_cli_service, sv_cli_sync;

#endif
