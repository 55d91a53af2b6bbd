/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_WRITE_H
#define SUIVANT_CLI_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli_common.h"
#include "store/store.h"
#include "util/err.h"

/*
 * The contract of src/cli/cli_write.c: the admin verbs' shape, one write
 * in one transaction with one diagnostic on failure, and the listings of
 * a database's providers. The callbacks' ctx stays the caller's; the
 * providers a listing loads are freed before it returns.
 */

/* Prints err->msg as cmd's diagnostic; the exit code for rc. */
int sv_cli_fail(const char *cmd, int rc, const struct sv_err *err);

struct json_t;

/* What differs between two admin writes; sv_cli_write does the rest. */
struct sv_cli_write {
	const char *cmd;                   /* for diagnostics */
	const struct sv_cli_opts *opts;    /* db and json; borrowed */
	/*
	 * The change, inside the transaction: SV_OK, or an enum sv_rc with
	 * err set; or, having printed its own diagnostic, any non-OK rc
	 * with *status (below) set to the exit code (err is then not
	 * printed).
	 */
	int (*change)(struct sv_store *st, void *ctx, struct sv_err *err);
	/* After the commit, before the output; may be NULL. */
	void (*committed)(void *ctx);
	/* With --json: the output, a new reference (NULL: out of memory). */
	struct json_t *(*json)(void *ctx);
	/* Without --json: prints the output on stdout. */
	void (*text)(void *ctx);
	void *ctx;                         /* handed to the callbacks */
	/* Where a change that prints its own diagnostic leaves its exit
	 * code (EX_OK until then); NULL when change never does. */
	const int *status;
};

/*
 * Opens opts->db read-write, runs change in one transaction and commits
 * it, then prints the result. Any failure rolls the whole change back
 * and prints one diagnostic. Returns the exit code.
 */
int sv_cli_write(const struct sv_cli_write *w);

/*
 * A verb whose arguments were checked before anything is opened: rc is
 * the check's result. SV_OK: sv_cli_write(w). Otherwise err->msg is
 * printed as w->cmd's diagnostic and nothing is opened. The exit code.
 */
int sv_cli_write_checked(int rc, const struct sv_err *err,
	const struct sv_cli_write *w);

/* Prints a listing of pvs (n of them) as JSON or a table; an exit code. */
typedef int sv_cli_print_fn(const char *cmd, struct sv_provider **pvs,
	size_t n, bool json);

/*
 * Opens opts->db read-only, loads provider id (NULL: every provider; an
 * unknown id is SV_ENOTFOUND) and hands them to print. An exit code.
 */
int sv_cli_list(const char *cmd, const struct sv_cli_opts *opts,
	const char *id, sv_cli_print_fn *print);

/*
 * `domain list`, `server list`, `service list`: sv_cli_list of the
 * --provider value as typed (normalised and checked here; NULL: every
 * provider). An exit code.
 */
int sv_cli_list_provider(const char *cmd, const struct sv_cli_opts *opts,
	const char *provider, sv_cli_print_fn *print);

struct sv_cli_table;
/*
 * Prints t on stdout and finishes it; an exit code, with
 * cmd's diagnostic when printing failed.
 */
int sv_cli_table_emit(const char *cmd, struct sv_cli_table *t);

#endif
