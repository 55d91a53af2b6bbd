/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_CLI_ROW_H
#define SUIVANT_CLI_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/cli_common.h"
#include "cli/cli_write.h"
#include "model/model.h"
#include "store/store.h"
#include "util/err.h"

/*
 * The contract of src/cli/cli_row.c: the verbs of the server and service
 * commands (cli_server.c, cli_service.c), which differ only in their
 * struct sv_cli_row_kind. A kind is static data of its command; the
 * strings of a row are borrowed (see struct sv_cli_row_args).
 */

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
	SV_CLI_USAGE_OPTIONS("            ") \
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

#endif
