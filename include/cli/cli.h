/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_H
#define SUIVANT_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot/snapshot.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/name.h"

/*
 * The command line: the files src/cli/cli_*.c share this one header, and
 * each section below is headed by the file that defines it (as OpenSMTPD's
 * smtpd.h is).
 */

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

/*
 * `suivant dns check`'s comparison (cli_dns_check.c): asks resolver
 * ("IP[:PORT]") for each name and type of z, prints a line per record
 * (or JSON) and returns the exit code: 0 all published, 65 any missing
 * or different, 69 when the server did not answer, 64 / 71 when it
 * cannot be asked.
 */
struct sv_dns_zone;
int sv_cli_dns_check(const struct sv_dns_zone *z, const char *resolver,
	bool json);

/* ---- cli_output.c: exit codes and diagnostics ---- */

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

/* ---- cli_output.c: the error report ---- */

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

/* ---- cli_common.c: option parsing, shared by the commands ---- */

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

/* ---- cli_write.c: the admin verbs' shape ---- */

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

/* ---- cli_common.c: arguments ---- */

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

/* ---- cli_row.c: the server and service commands' verbs ---- */

/* The most flags of a kind's own (struct sv_cli_row_flag). */
#define SV_CLI_ROW_MAX_FLAGS 8

/*
 * A flag of a kind's own, besides the place flags (--provider,
 * --priority, --domain, --all-domains) that every kind has.
 */
struct sv_cli_row_flag {
	const char *name;     /* "host": --host */
	bool value;           /* takes a value (else a switch, such as
	                       * --allow-insecure) */
	bool field;           /* sets a field of the row: set has something to
	                       * change (a switch may only say how) */
	const char *required; /* add: the flag's usage when required
	                       * ("--host HOST"), NULL when optional */
};

/* The two kinds of provider row. */
enum sv_cli_row_type { SV_CLI_ROW_SERVER, SV_CLI_ROW_SERVICE };

/*
 * What a server or service command line says; NULL / false = not given.
 */
struct sv_cli_row_args {
	const char *cmd;                 /* "server add" */
	const char *provider, *priority, *domain;
	bool all_domains;
	/* the kind's flags, by their place in its table: the value, "" for
	 * a switch; NULL when not given */
	const char *flag[SV_CLI_ROW_MAX_FLAGS];
	char provider_id[SV_CLI_DOMAIN_ROW_MAX]; /* add: --provider, checked */
	char domain_row[SV_CLI_DOMAIN_ROW_MAX];  /* --domain, checked */
	struct sv_cli_opts o;
	/* the row the flags make, of the kind's type; its strings are
	 * borrowed from argv or from the provider set loaded */
	union {
		struct sv_server server;
		struct sv_service service;
	} row;
};

/*
 * A kind of provider row (server, service): what its add, set, rm and
 * list differ in besides the type of its row (cli_row.c makes the store
 * calls that take the row itself).
 */
struct sv_cli_row_kind {
	const char *what;              /* "server": messages, "see ... list" */
	const char *id_arg;            /* "SERVER-ID" */
	const char *usage;
	enum sv_cli_row_type type;     /* r->row's member */
	const struct sv_cli_row_flag *flags; /* the kind's own, in order */
	size_t n_flags;                /* at most SV_CLI_ROW_MAX_FLAGS */
	/* add: the row's defaults, before the flags apply. */
	void (*defaults)(struct sv_cli_row_args *r);
	/* Checks every given flag into the row (sv_cli_row_place at the end);
	 * prints its diagnostic and returns the exit code, or EX_OK. */
	int (*apply)(struct sv_cli_row_args *r);
	/* Inside rm's write: removes row id (*provider_id owned). */
	int (*rm)(struct sv_store *st, int64_t id, char **provider_id,
		struct sv_err *err);
	/* After the commit of add or set; may be NULL. */
	void (*committed)(const struct sv_cli_row_args *r);
	sv_cli_print_fn *print;        /* list */
};

/*
 * The end of a kind's usage, the same for every kind: the options every
 * command has and the exit status (SV_CONFIG_DEFAULT_DB: http/config.h).
 */
#define SV_CLI_ROW_USAGE_END(what) \
	"  --db FILE             database file (default ./" \
	SV_CONFIG_DEFAULT_DB ")\n" \
	"  --json                machine-readable output on stdout\n" \
	"  -h, --help            show this help\n" \
	"\n" \
	"Exit status: 0 done, 64 bad usage, 65 invalid value, 66 no such\n" \
	"database, provider or " what ", 75 database busy.\n"

/* Runs `<what> add|set|rm|list ...` of kind k; the exit code. */
int sv_cli_row(int argc, char **argv, const struct sv_cli_row_kind *k);

/*
 * The place flags into the kind's row: --priority into *priority,
 * --domain (checked) or --all-domains into *domain. Prints the refusal
 * and returns its exit code, or EX_OK.
 */
int sv_cli_row_place(struct sv_cli_row_args *r, int *priority,
	char **domain);

/* ---- cli_output.c: output ---- */

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
struct json_t;
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

/* ---- cli_serve_run.c ---- */

/*
 * `serve` once its options are parsed and checked (cli_serve.c): serves
 * the data of ds until SIGINT or SIGTERM, or with check_only loads it
 * and returns; drops to user when it is not NULL (started as root); runs
 * the web admin when admin is not NULL. An exit code.
 */
struct sv_config;
struct sv_privdrop_user;
struct sv_dataset;
struct sv_webadmin_config;
int sv_cli_serve_run(const struct sv_config *cfg, bool check_only,
	const struct sv_privdrop_user *user, struct sv_dataset *ds,
	struct sv_webadmin_config *admin);

/* ---- cli_export_nginx.c: export-static's nginx configuration ---- */

/* The markers in the address slots of the files under DIR/address/,
 * which the nginx configuration fills from the request. */
#define FILL_ADDRESS "sv-fill-emailaddress"
#define FILL_LOCAL "sv-fill-emaillocalpart"
#define FILL_DOMAIN "sv-fill-emaildomain"

/*
 * The nginx maps of Host to the redirect targets: one line per exported
 * domain that has a caldav (carddav) service, "HOST TARGET;". A host
 * "autoconfig.D" or "autodiscover.D" that has no entry of its own gets
 * D's, as serve strips those prefixes (http_wellknown.c). The caller
 * owns the buffers (sv_buf_init, sv_buf_finish).
 */
struct sv_cli_dav_maps {
	struct sv_buf lines[2];  /* caldav, carddav */
	bool failed;             /* out of memory */
};

/* Adds domain's targets to the maps (pass 0: the domain itself; pass 1:
 * its autoconfig. and autodiscover. names, unless exported themselves). */
void sv_cli_nginx_map_domain(const struct sv_snapshot *snap,
	struct sv_cli_dav_maps *dm, const char *domain, int pass);
/*
 * Appends DIR/nginx.conf to b: a header, the redirect maps of dm, the
 * request maps, the map of the exported domains (known: one line
 * "    DOMAIN DOMAIN;" each), then a server block listening on listen
 * whose root is root. SV_OK, or SV_ENOMEM.
 */
int sv_cli_nginx_conf(struct sv_buf *b, const struct sv_cli_dav_maps *dm,
	const struct sv_buf *known, const char *listen, const char *root);

/* ---- cli_resolve.c ---- */

/* What the MX stage of sv_cli_resolve found. */
struct sv_cli_mx {
	const char *status;           /* static: "found", "none", "failed",
	                               * "timeout" (sv_mx_status_name), or
	                               * NULL when no MX look-up was needed */
	char host[SV_DOMAIN_MAX + 1]; /* the MX host that matched an MX row,
	                               * or "" */
};

/*
 * Resolves domain in snap as `serve` does: exact row, longest
 * "*.suffix", then (when snap has MX rows) domain's MX hosts, asked of
 * resolver ("IP[:PORT]"; NULL: the system's) in one blocking query of
 * at most 2 s, then "*". SV_OK with *m (m->mx_host, when an MX row
 * matched, points into mx->host), SV_ENOTFOUND, or SV_EIO / SV_EINVAL /
 * SV_ENOMEM with err set when the DNS cannot be asked.
 */
int sv_cli_resolve(const struct sv_snapshot *snap, const char *domain,
	const char *resolver, struct sv_snapshot_match *m,
	struct sv_cli_mx *mx, struct sv_err *err);

/* ---- cli_server_show.c ---- */

/*
 * A server as `server list --json` shows it: id, provider, type, host,
 * port, socket, auth (array), username, priority, domain (null = every
 * domain of the provider), url for URL-based servers. A new reference,
 * or NULL on allocation failure (cli_server_show.c).
 */
struct json_t *sv_cli_server_json(const char *provider_id,
	const struct sv_server *s);

/*
 * Appends s to a `server list` table: ID, PROVIDER (left out when
 * provider_id is NULL), TYPE, HOST, PORT, SOCKET, AUTH, USERNAME,
 * PRIORITY, DOMAIN ("*all*" when not bound to one)
 * (cli_server_show.c).
 */
struct sv_cli_table;
void sv_cli_table_add_server(struct sv_cli_table *t,
	const char *provider_id, const struct sv_server *s);

/*
 * Prints the servers of pvs (n providers) as `server list` does: a JSON
 * array of sv_cli_server_json objects, or a table. An exit code
 * (cli_server_show.c).
 */
int sv_cli_print_servers(const char *cmd, struct sv_provider **pvs,
	size_t n, bool json);

/* ---- cli_service_show.c ---- */

/*
 * A service as `service list --json` shows it: id, provider, type, url,
 * auth (array), username, priority, domain (null = every domain of the
 * provider), insecure. A new reference, or NULL on allocation failure.
 */
struct json_t *sv_cli_service_json(const char *provider_id,
	const struct sv_service *s);

/*
 * Appends s to a `service list` table: ID, PROVIDER (left out when
 * provider_id is NULL), TYPE, URL, AUTH, USERNAME, PRIORITY, DOMAIN
 * ("*all*" when not bound to one).
 */
void sv_cli_table_add_service(struct sv_cli_table *t,
	const char *provider_id, const struct sv_service *s);

/* Prints the services of pvs as `service list` does; an exit code. */
int sv_cli_print_services(const char *cmd, struct sv_provider **pvs,
	size_t n, bool json);

/* ---- cli_provider_show.c ---- */

/* Prints pv for `provider show`; an exit code. */
int sv_cli_provider_show_print(const struct sv_provider *pv, bool json);

/* ---- cli_audit.c ---- */

/* Unix time t as "2026-11-22T04:06:54Z" (UTC) into out. */
void sv_cli_utc_time(int64_t t, char *out, size_t size);

/* ---- cli_output.c: tables ---- */

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
/*
 * Prints t on stdout and finishes it (cli_write.c); an exit code, with
 * cmd's diagnostic when printing failed.
 */
int sv_cli_table_emit(const char *cmd, struct sv_cli_table *t);

#endif
