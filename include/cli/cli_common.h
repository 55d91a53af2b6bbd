/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_COMMON_H
#define SUIVANT_CLI_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"
#include "util/err.h"
#include "util/name.h"

/*
 * The contract of src/cli/cli_common.c: what the commands share to read
 * their command line (the global options, option parsing, the verbs of a
 * command group, the database and its providers, checked arguments).
 * Strings in struct sv_cli_opts are borrowed from argv; what a loader
 * returns is the caller's to free.
 */

/* ---- Global options (cli_common.c, main.c) ---- */

/*
 * Global options (--db FILE, --json, --help, --version) are accepted
 * before or after the command, and before or after a group's verb:
 * `suivant --db F provider list` is `suivant provider list --db F`.
 * main.c handles --version and --json wherever they are (before a "--");
 * the other two are moved after the command, then after the verb, by
 * sv_cli_hoist, and parsed by sv_cli_getopt like any other option.
 */

/*
 * Rotates argv[1..argc) so that the first argument that is not one of
 * the global options --db FILE, --db=FILE, --help or -h comes first
 * (argv[1]), the options it passed following it in their order; argv[0]
 * stays. Returns false when there is no such argument (argv holds global
 * options only); *help tells whether --help or -h came before it. An
 * argument starting with '-' that is not one of these (a command's own
 * option before the command, "--") also stops the search: it becomes
 * argv[1], for the caller to report.
 */
bool sv_cli_hoist(int argc, char **argv, bool *help);

/* ---- Option parsing, shared by the commands ---- */

/* What every command's options may set; see sv_cli_getopt. */
struct sv_cli_opts {
	const char *db; /* --db FILE (borrowed from argv); default
	                 * SV_CONFIG_DEFAULT_DB */
	bool json;      /* --json was given (main.c) and the command has a
	                 * JSON output (accept_json) */
	char **args;    /* the positional arguments (borrowed: argv's tail,
	                 * after getopt_long moved the options before it) */
	int n_args;
};

/* The most options one command may declare (extra in sv_cli_getopt). */
#define SV_CLI_MAX_OPTIONS 48

/*
 * The usage lines of the options that every command with a JSON output
 * shares (--db, --json, --help). pad, a string of spaces, sets where
 * their descriptions start: after "  -h, --help" and pad, in line with
 * the command's own options (SV_CONFIG_DEFAULT_DB: http/config.h).
 */
#define SV_CLI_USAGE_OPTIONS(pad) \
	"  --db FILE " pad "database file (default ./" SV_CONFIG_DEFAULT_DB \
	")\n" \
	"  --json    " pad "machine-readable output on stdout\n" \
	"  -h, --help" pad "show this help\n"

/*
 * getopt_long over argv (argv[0] is the command or verb) with the shared
 * options, --db FILE and -h/--help, plus the command's own (extra: an
 * array ending with a zeroed entry, may be NULL); --json never reaches
 * it (main.c takes it out) and sets opts->json when accept_json. A flag
 * (an option whose flag points to an int of the caller's) is set by
 * getopt_long itself; every other option of the command (flag NULL, val
 * >= 256) is handed to on_opt(val, optarg, ctx) in argv order; on_opt
 * returns EX_OK to go on, or prints its own diagnostic and returns the
 * exit code (the option is then the error's field). Returns -1 when
 * parsing succeeded, opts->args holding the positional arguments
 * (options and arguments may be mixed); otherwise the exit code to return
 * at once:
 * EX_OK after --help (usage on stdout), EX_USAGE after an unknown or
 * incomplete option ("unknown option '--x'", "option '--db' needs a
 * value", then usage on stderr), or on_opt's code.
 */
int sv_cli_getopt(int argc, char **argv, const char *usage,
	bool accept_json, const struct option *extra,
	int (*on_opt)(int val, const char *arg, void *ctx), void *ctx,
	struct sv_cli_opts *opts);

/*
 * The on_opt of a command whose one option with a value (besides flags)
 * sets a string: ctx is the const char * that receives arg (borrowed
 * from argv).
 */
int sv_cli_opt_string(int val, const char *arg, void *ctx);
/* The val of that one option in the command's table (>= 256, as
 * sv_cli_getopt asks of an option it hands to on_opt). */
#define SV_CLI_OPT_STRING 256

/*
 * After sv_cli_getopt, for a command taking n (0 or 1) positional
 * arguments: -1 when opts holds exactly n; otherwise prints cmd's
 * "expected one <what>" (n 1) or "unexpected argument 'FIRST'" (n 0) and
 * returns the usage error's code (sv_cli_usage_error).
 */
int sv_cli_args(const char *cmd, const struct sv_cli_opts *opts, int n,
	const char *what, const char *usage);

/* A command group's verb, as sv_cli_dispatch parsed it. */
struct sv_cli_verb_args {
	const char *cmd;      /* "domain add", for diagnostics */
	struct sv_cli_opts o; /* o.args: the thing it works on, if any */
};

/* A verb of a command group (`suivant provider add ...`). */
struct sv_cli_verb {
	/* Runs the verb once its command line is parsed into v; ctx is the
	 * group's (sv_cli_dispatch). NULL: the group has no such verb. */
	int (*run)(const struct sv_cli_verb_args *v, void *ctx);
	bool options;         /* takes the group's own options */
};

/*
 * A command group whose verbs are among add, list, rm, set and show and
 * parse alike: the shared options, the group's own (for the verbs that
 * take them), then no positional argument for list and one, the thing
 * they work on, for the others.
 */
struct sv_cli_group {
	const char *usage;
	const char *arg;                 /* the one argument: "DOMAIN" */
	const struct option *options;    /* the group's own (sv_cli_getopt) */
	int (*on_opt)(int val, const char *arg, void *ctx);
	/* Before parsing, may be NULL: -1 to go on, or the exit code. */
	int (*start)(const char *cmd, int argc, char **argv, void *ctx);
	/* After parsing, may be NULL: -1 to run the verb, or the exit code. */
	int (*parsed)(const struct sv_cli_verb_args *v, void *ctx);
	struct sv_cli_verb add, list, rm, set, show;
};

/*
 * Runs the verb of the command group argv[0]: the first argument after
 * the global options (sv_cli_hoist), which then follow the verb. "help",
 * or --help/-h without a verb, print usage on stdout (EX_OK); a missing
 * or unknown verb prints a diagnostic and usage on stderr (EX_USAGE).
 * The verb's command line is parsed as g says, ctx handed to g's
 * callbacks and the verb's. Returns the exit code.
 */
int sv_cli_dispatch(int argc, char **argv, const struct sv_cli_group *g,
	void *ctx);

/*
 * sv_cli_dispatch's lookup, for a group whose verbs are not plain
 * functions (cli_row.c): -1 with *index the verb's place among the n
 * names; otherwise the exit code to return at once (help, a missing or
 * unknown verb, as sv_cli_dispatch says).
 */
int sv_cli_verb_index(int argc, char **argv, const char *const *names,
	size_t n, const char *usage, size_t *index);

/*
 * The database a command works on: opened in mode, *out set, EX_OK; or
 * an error printed as cmd's and its sv_cli_db_exit_code (EX_NOINPUT for
 * a missing file: nothing is created).
 */
int sv_cli_open_store(const char *cmd, const char *path,
	enum sv_store_mode mode, struct sv_store **out);

/*
 * Every provider of the database at path (opened read-only and closed
 * again) into *pvs and *n, owned by the caller (sv_store_free_providers):
 * EX_OK; or an error printed as cmd's and its sv_cli_db_exit_code.
 */
int sv_cli_load_all(const char *cmd, const char *path,
	struct sv_provider ***pvs, size_t *n);

/*
 * What a listing shows: the provider id of st (NULL: every provider)
 * into *pvs and *n, owned by the caller (sv_store_free_providers). SV_OK,
 * or the store's error (SV_ENOTFOUND for an unknown id) in err.
 */
int sv_cli_load_providers(struct sv_store *st, const char *id,
	struct sv_provider ***pvs, size_t *n, struct sv_err *err);

/* ---- Arguments ---- */

/* Room for a domain row: "mx:*." + SV_DOMAIN_MAX + NUL. */
#define SV_CLI_DOMAIN_ROW_MAX (SV_DOMAIN_ROW_MAX + 1)

/*
 * A domain row from the command line: "*", "*.NAME", "NAME", "mx:NAME"
 * or "mx:*.NAME", through sv_domain_row_normalize (util/name.h: lower
 * case, trailing dot removed, internationalised names as A-labels). what names the argument
 * in the message ("DOMAIN", "--domain"). SV_EINVAL with the reason.
 */
int sv_cli_domain_row(const char *s, const char *what, char *out,
	size_t outsz, struct sv_err *err);

/* A provider id: a host name, normalised as sv_domain_normalize does. */
int sv_cli_provider_id(const char *s, const char *what, char *out,
	size_t outsz, struct sv_err *err);

/* A decimal integer in lo..hi, whole string, no sign games. */
int sv_cli_int(const char *s, long long lo, long long hi, long long *out);

#endif
