/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_H
#define SUIVANT_CLI_H

/*
 * Command entry points, one file each (src/cli_<command>.c), dispatched by
 * main.c. Each takes its own argv (argv[0] is the command name), prints
 * data on stdout and diagnostics on stderr as "suivant: <cmd>: <msg>", and
 * returns a <sysexits.h> code.
 */
int sv_cli_init(int argc, char **argv);
int sv_cli_lookup(int argc, char **argv);
int sv_cli_serve(int argc, char **argv);

#endif
