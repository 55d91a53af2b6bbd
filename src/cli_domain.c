/* SPDX-License-Identifier: MIT */
/*
 * suivant domain add|rm|list: the domain rows that route mail domains to
 * providers. Each write is one store call, hence one transaction; names
 * are normalised here (sv_cli_domain_row) and validated again by the
 * store through the model.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "alloc.h"
#include "cli.h"
#include "config.h"
#include "store.h"

static const char usage[] =
	"usage: suivant domain add|rm|list [--db FILE] [--json] ...\n"
	"\n"
	"  suivant domain add DOMAIN --provider ID\n"
	"  suivant domain rm DOMAIN\n"
	"  suivant domain list [--provider ID]\n"
	"\n"
	"A DOMAIN row is an exact name (example.fr), '*.SUFFIX' (every name\n"
	"below SUFFIX, e.g. '*.hoster-customers.example') or the catch-all\n"
	"'*' (quote the wildcards from the shell). A mail domain resolves to\n"
	"its exact row, else the longest '*.SUFFIX' row above it, else '*'.\n"
	"Names are normalised: lower case, trailing dot removed,\n"
	"internationalised names stored as A-labels (xn--...). A row belongs\n"
	"to one provider; removing it also removes the servers bound to it\n"
	"(suivant server add --domain).\n"
	"\n"
	"  --provider ID  add: the owner (required); list: only its domains\n"
	"  --db FILE      database file (default ./" SV_CONFIG_DEFAULT_DB ")\n"
	"  --json         machine-readable output on stdout\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit status: 0 done, 64 bad usage, 65 invalid or taken name, 66 no\n"
	"such database, provider or domain, 75 database busy.\n";

enum { OPT_PROVIDER = 256 };

static const struct option provider_opt[] = {
	{ "provider", required_argument, NULL, OPT_PROVIDER },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *cmd;
	const char *provider; /* borrowed from argv */
};

static int on_opt(int val, const char *arg, void *ctx) {
	struct args *a = ctx;
	if (val == OPT_PROVIDER) {
		a->provider = arg;
		return EX_OK;
	}
	return EX_SOFTWARE;
}

/* Parses options and exactly n_pos positional arguments. */
static int parse(int argc, char **argv, bool with_provider, int n_pos,
		struct args *a, struct sv_cli_opts *o, int *first) {
	int rc = sv_cli_getopt(argc, argv, usage, true,
		with_provider ? provider_opt : NULL, on_opt, a, o, first);
	if (rc >= 0) {
		return rc;
	}
	if (argc - *first != n_pos) {
		sv_cli_error(a->cmd, n_pos == 0 ? "unexpected argument" :
			"expected one DOMAIN");
		fputs(usage, stderr);
		return EX_USAGE;
	}
	return -1;
}

static int fail(const char *cmd, int rc, const struct sv_err *err) {
	sv_cli_error(cmd, "%s", err->msg);
	return sv_cli_exit_code(rc);
}

static int domain_add(int argc, char **argv) {
	struct args a = { .cmd = "domain add" };
	struct sv_cli_opts o;
	int first;
	int status = parse(argc, argv, true, 1, &a, &o, &first);
	if (status >= 0) {
		return status;
	}
	if (a.provider == NULL) {
		sv_cli_error(a.cmd, "--provider ID is required");
		fputs(usage, stderr);
		return EX_USAGE;
	}
	struct sv_err err = { "" };
	char name[SV_CLI_DOMAIN_ROW_MAX];
	char pid[SV_CLI_DOMAIN_ROW_MAX];
	int rc = sv_cli_domain_row(argv[first], "DOMAIN", name, sizeof(name),
		&err);
	if (rc == SV_OK) {
		rc = sv_cli_provider_id(a.provider, "--provider", pid,
			sizeof(pid), &err);
	}
	if (rc != SV_OK) {
		return fail(a.cmd, rc, &err);
	}
	struct sv_store *st;
	if ((status = sv_cli_open_store(a.cmd, o.db, SV_STORE_READWRITE,
			&st)) != EX_OK) {
		return status;
	}
	rc = sv_store_domain_add(st, pid, name, &err);
	sv_store_close(st);
	if (rc != SV_OK) {
		return fail(a.cmd, rc, &err);
	}
	if (o.json) {
		return sv_cli_print_json(a.cmd, json_pack("{s:s, s:s}",
			"domain", name, "provider", pid));
	}
	printf("added domain %s to provider %s\n", name, pid);
	return EX_OK;
}

static int domain_rm(int argc, char **argv) {
	struct args a = { .cmd = "domain rm" };
	struct sv_cli_opts o;
	int first;
	int status = parse(argc, argv, false, 1, &a, &o, &first);
	if (status >= 0) {
		return status;
	}
	struct sv_err err = { "" };
	char name[SV_CLI_DOMAIN_ROW_MAX];
	int rc = sv_cli_domain_row(argv[first], "DOMAIN", name, sizeof(name),
		&err);
	if (rc != SV_OK) {
		return fail(a.cmd, rc, &err);
	}
	struct sv_store *st;
	if ((status = sv_cli_open_store(a.cmd, o.db, SV_STORE_READWRITE,
			&st)) != EX_OK) {
		return status;
	}
	char *owner = NULL;
	struct sv_store_removed gone = { 0 };
	rc = sv_store_domain_rm(st, name, &owner, &gone, &err);
	sv_store_close(st);
	if (rc != SV_OK) {
		return fail(a.cmd, rc, &err);
	}
	if (o.json) {
		status = sv_cli_print_json(a.cmd, json_pack("{s:s, s:s, s:I}",
			"domain", name, "provider", owner, "servers_removed",
			(json_int_t)gone.servers));
	} else {
		printf("removed domain %s from provider %s", name, owner);
		if (gone.servers > 0) {
			printf(" with the %lld server%s bound to it",
				(long long)gone.servers,
				gone.servers == 1 ? "" : "s");
		}
		printf("\n");
	}
	sv_free(owner);
	return status;
}

/* Servers bound to exactly this domain row. */
static size_t own_servers(const struct sv_provider *pv, const char *d) {
	size_t n = 0;
	for (size_t i = 0; i < pv->n_servers; i++) {
		n += pv->servers[i].domain != NULL &&
			strcmp(pv->servers[i].domain, d) == 0;
	}
	return n;
}

static int print_list(const char *cmd, struct sv_provider **pvs, size_t n,
		bool json) {
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr != NULL && i < n; i++) {
			for (size_t k = 0; k < pvs[i]->n_domains; k++) {
				const char *d = pvs[i]->domains[k];
				if (json_array_append_new(arr, json_pack(
						"{s:s, s:s, s:I}", "domain", d,
						"provider", pvs[i]->id,
						"own_servers", (json_int_t)
						own_servers(pvs[i], d))) != 0) {
					json_decref(arr);
					arr = NULL;
					break;
				}
			}
		}
		return sv_cli_print_json(cmd, arr);
	}
	struct sv_cli_table t;
	sv_cli_table_init(&t, 3);
	sv_cli_table_add(&t, (const char *const[]){ "DOMAIN", "PROVIDER",
		"OWN-SERVERS" });
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < pvs[i]->n_domains; k++) {
			const char *d = pvs[i]->domains[k];
			char count[24];
			snprintf(count, sizeof(count), "%zu",
				own_servers(pvs[i], d));
			sv_cli_table_add(&t, (const char *const[]){ d,
				pvs[i]->id, count });
		}
	}
	int rc = sv_cli_table_print(&t, stdout);
	sv_cli_table_finish(&t);
	if (rc != SV_OK) {
		sv_cli_error(cmd, "cannot print the list: %s", sv_rc_str(rc));
		return sv_cli_exit_code(rc);
	}
	return EX_OK;
}

static int domain_list(int argc, char **argv) {
	struct args a = { .cmd = "domain list" };
	struct sv_cli_opts o;
	int first;
	int status = parse(argc, argv, true, 0, &a, &o, &first);
	if (status >= 0) {
		return status;
	}
	struct sv_err err = { "" };
	char pid[SV_CLI_DOMAIN_ROW_MAX];
	if (a.provider != NULL) {
		int rc = sv_cli_provider_id(a.provider, "--provider", pid,
			sizeof(pid), &err);
		if (rc != SV_OK) {
			return fail(a.cmd, rc, &err);
		}
	}
	struct sv_store *st;
	if ((status = sv_cli_open_store(a.cmd, o.db, SV_STORE_READONLY,
			&st)) != EX_OK) {
		return status;
	}
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	int rc = sv_cli_load_providers(st, a.provider != NULL ? pid : NULL,
		&pvs, &n, &err);
	sv_store_close(st);
	if (rc != SV_OK) {
		return fail(a.cmd, rc, &err);
	}
	status = print_list(a.cmd, pvs, n, o.json);
	sv_store_free_providers(pvs, n);
	return status;
}

/* Keep alphabetized. */
static const struct sv_cli_verb verbs[] = {
	{ "add", domain_add },
	{ "list", domain_list },
	{ "rm", domain_rm },
};

int sv_cli_domain(int argc, char **argv) {
	return sv_cli_dispatch(argc, argv, verbs,
		sizeof(verbs) / sizeof(*verbs), usage);
}
