/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_H
#define SUIVANT_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "snapshot.h"

/*
 * Command entry points, one file each (src/cli_<command>.c), dispatched by
 * main.c. Each takes its own argv (argv[0] is the command name), prints
 * data on stdout and diagnostics on stderr as "suivant: <cmd>: <msg>", and
 * returns a <sysexits.h> code.
 */
int sv_cli_import(int argc, char **argv);
int sv_cli_init(int argc, char **argv);
int sv_cli_lookup(int argc, char **argv);
int sv_cli_serve(int argc, char **argv);

/* Shared by the commands (cli_common.c). */

/* The <sysexits.h> code for an enum sv_rc. */
int sv_cli_exit_code(int rc);
/* Prints "suivant: cmd: message" and a newline on stderr. */
void sv_cli_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Creates the database at path from the schema and the bundled data when
 * no file exists there (built under a temporary name, then renamed, so a
 * crash never leaves a half-made database). *created tells whether it did.
 * An existing file is left alone.
 */
int sv_cli_ensure_db(const char *path, bool *created, struct sv_err *err);

/*
 * Opens path read-only, loads every provider and builds a snapshot
 * (providers that cannot be served are reported on stderr and left out).
 * Returns the snapshot with one reference, or NULL with err set.
 */
struct sv_snapshot *sv_cli_load_snapshot(const char *path,
	uint64_t generation, struct sv_err *err);

#endif
