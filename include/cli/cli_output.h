/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_OUTPUT_H
#define SUIVANT_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/err.h"

/*
 * The contract of src/cli/cli_output.c: what every command prints and
 * how it ends: exit codes and diagnostics, the error report of one
 * command line (its messages are cli_output.c's until
 * sv_cli_report_end), JSON output and aligned tables (a table owns its
 * cells; its owner finishes it).
 */

/* ---- Exit codes and diagnostics ---- */

/* The <sysexits.h> code for an enum sv_rc. */
int sv_cli_exit_code(int rc);

/*
 * The exit code when a command cannot use its database, the same for
 * every command (README, "Exit codes"): EX_NOINPUT (66) when there is no
 * such file (SV_ENOTFOUND); EX_IOERR (74) when the file exists but is
 * not a usable suivant database (SV_EDB: not SQLite, truncated, damaged
 * pages, another application's, a schema from a newer suivant);
 * EX_TEMPFAIL (75) when it stays locked; any other rc as
 * sv_cli_exit_code (EX_OSERR when out of memory).
 */
int sv_cli_db_exit_code(int rc);
/* Prints err->msg as cmd's diagnostic; returns sv_cli_db_exit_code(rc). */
int sv_cli_db_fail(const char *cmd, int rc, const struct sv_err *err);
/*
 * Prints "suivant: cmd: message" ("suivant: message" when cmd is NULL:
 * main's own) and a newline on stderr; with --json
 * (sv_cli_report_start), keeps the message for the JSON error object
 * that sv_cli_report_end prints instead.
 */
void sv_cli_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The same, naming the option or argument at fault ("--port"); a
 * message that starts with an option's name ("--port: ...") names it
 * without this.
 */
void sv_cli_error_field(const char *cmd, const char *field,
	const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * A diagnostic that is not an error (import's "repaired ..." lines):
 * "suivant: cmd: message" on stderr, with or without --json.
 */
void sv_cli_note(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A usage error's tail: prints usage on stderr (not with --json, whose
 * error object stands alone) and returns EX_USAGE.
 */
int sv_cli_usage_error(const char *usage);

/* ---- The error report ---- */

/*
 * The error report of one command line, set up by main before the
 * command runs. With json, sv_cli_error keeps its messages instead of
 * printing them, and sv_cli_report_end prints, when status is not EX_OK,
 * one JSON object on stderr: {"error": the first message, "field": the
 * option or argument at fault or null, "exit": status}, plus "messages"
 * (every message) when there were several; a failure that printed no
 * message gets one naming cmd's --help. Without json, messages are
 * printed as they come and sv_cli_report_end prints nothing. Returns
 * status. Commands run one at a time on the main thread: nothing else
 * calls these.
 */
void sv_cli_report_start(bool json);
bool sv_cli_report_json(void);
int sv_cli_report_end(const char *cmd, int status);
/*
 * Names field ("--port") as the error's, unless one was named already
 * (sv_cli_getopt: the option whose on_opt refused it).
 */
void sv_cli_report_field(const char *field);

/* ---- Output ---- */

struct json_t;

/*
 * Adds key: n to the JSON object o when n is not 0 (a count that older
 * outputs did not have, such as services_removed, so that their output
 * stays the same without any); takes over o, returns it, or NULL (o
 * freed) when memory is short or o is NULL.
 */
struct json_t *sv_cli_json_count(struct json_t *o, const char *key,
	int64_t n);

/*
 * Prints v (a jansson value, whose reference is taken over, may be NULL
 * after an allocation failure while building it) as indented JSON and a
 * newline on stdout. Returns an exit code (EX_OSERR for NULL or a failed
 * dump, EX_IOERR when stdout fails), printing cmd's diagnostic.
 */
int sv_cli_print_json(const char *cmd, struct json_t *v);
/*
 * Appends v (whose reference is taken over; NULL after a failed
 * json_pack) to arr and returns arr; when that fails, or arr is NULL
 * (an earlier failure), both are dropped and NULL returned, so that a
 * loop of pushes is checked once, by sv_cli_print_json.
 */
struct json_t *sv_cli_json_push(struct json_t *arr, struct json_t *v);

/* A JSON array of the n strings names (a new reference; NULL when memory
 * is short). */
struct json_t *sv_cli_json_names(const char *const *names, size_t n);

/* names[0..n) joined by "," into buf (size > 0), cut where the next one
 * does not fit. */
void sv_cli_join(char *buf, size_t size, const char *const *names,
	size_t n);

/*
 * The end of a command that prints one rendered document: with rc (the
 * renderer's) SV_OK, prints out on stdout and returns EX_OK, or EX_IOERR
 * with "cannot write <what>"; otherwise prints "cannot <verb> <what>:
 * <rc>" and returns rc's exit code (sv_cli_exit_code).
 */
struct sv_buf;
int sv_cli_print_doc(const char *cmd, int rc, const struct sv_buf *out,
	const char *verb, const char *what);

/* ---- Tables ---- */

/*
 * A table printed with aligned columns: cells are padded to the widest of
 * their column (counted in UTF-8 code points), two spaces apart, no
 * trailing blanks. The first row added is the header.
 */
struct sv_cli_table {
	size_t n_cols;
	char **cells;      /* owned: n_rows * n_cols owned strings */
	size_t n_rows, cap;
	bool failed;       /* an allocation failed; print reports it */
};

void sv_cli_table_init(struct sv_cli_table *t, size_t n_cols);
/* Appends a row of n_cols cells (copied; NULL shows as "-"). */
void sv_cli_table_add(struct sv_cli_table *t, const char *const *cells);
/*
 * Appends a row of a provider's servers or services: cells[1] is the
 * provider column, left out when pid is NULL (the table then has one
 * column less: cells holds t->n_cols + 1, moved in place).
 */
void sv_cli_table_add_owned(struct sv_cli_table *t, const char *pid,
	const char **cells);
/* Prints the rows to f; SV_ENOMEM when an add failed, SV_EIO. */
int sv_cli_table_print(const struct sv_cli_table *t, FILE *f);
void sv_cli_table_finish(struct sv_cli_table *t);

#endif
