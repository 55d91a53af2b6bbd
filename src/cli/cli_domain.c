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

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "cli/cli_write.h"
#include "http/config.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/name.h"

static const char usage[] =
	"usage: suivant domain add|rm|list [--db FILE] [--json] ...\n"
	"\n"
	"  suivant domain add DOMAIN --provider ID\n"
	"  suivant domain rm DOMAIN\n"
	"  suivant domain list [--provider ID]\n"
	"\n"
	"A DOMAIN row is an exact name (example.fr), '*.SUFFIX' (every name\n"
	"below SUFFIX, e.g. '*.hoster-customers.example'), an MX row\n"
	"'mx:HOST' or 'mx:*.SUFFIX' (every mail domain whose MX records name\n"
	"HOST, or a host below SUFFIX, e.g. 'mx:*.mx.hoster.example'), or the\n"
	"catch-all '*' (quote the wildcards from the shell). A mail domain\n"
	"resolves to its exact row, else the longest '*.SUFFIX' row above it,\n"
	"else the MX row its most preferred matching MX host matches (`serve`\n"
	"asks the DNS), else '*'.\n"
	"Names are normalised: lower case, trailing dot removed,\n"
	"internationalised names stored as A-labels (xn--...). A row belongs\n"
	"to one provider; removing it also removes the servers bound to it\n"
	"(suivant server add --domain).\n"
	"\n"
	"  --provider ID  add: the owner (required); list: only its domains\n"
	SV_CLI_USAGE_OPTIONS("     ")
	"\n"
	"Exit status: 0 done, 64 bad usage, 65 invalid or taken name, 66 no\n"
	"such database, provider or domain, 75 database busy.\n";

static const struct option provider_opt[] = {
	{ "provider", required_argument, NULL, SV_CLI_OPT_STRING },
	{ NULL, 0, NULL, 0 },
};

/* One verb's domain row, its provider, and what removing it took. */
struct change {
	char name[SV_CLI_DOMAIN_ROW_MAX];
	char pid[SV_CLI_DOMAIN_ROW_MAX];
	char *owner;                  /* rm: owned */
	struct sv_store_removed gone; /* rm */
};

static int add_change(struct sv_store *st, void *ctx, struct sv_err *err) {
	struct change *c = ctx;
	return sv_store_domain_add(st, c->pid, c->name, err);
}

static struct json_t *add_json(void *ctx) {
	const struct change *c = ctx;
	return json_pack("{s:s, s:s}", "domain", c->name, "provider", c->pid);
}

static void add_text(void *ctx) {
	const struct change *c = ctx;
	printf("added domain %s to provider %s\n", c->name, c->pid);
}

/* ctx: the --provider value (sv_cli_opt_string), NULL when not given. */
static int domain_add(const struct sv_cli_verb_args *a, void *ctx) {
	const char *provider = *(const char **)ctx;
	if (provider == NULL) {
		sv_cli_error(a->cmd, "--provider ID is required");
		return sv_cli_usage_error(usage);
	}
	struct sv_err err = { "" };
	struct change c = { .owner = NULL };
	int rc = sv_cli_domain_row(a->o.args[0], "DOMAIN", c.name,
		sizeof(c.name), &err);
	if (rc == SV_OK) {
		rc = sv_cli_provider_id(provider, "--provider", c.pid,
			sizeof(c.pid), &err);
	}
	return sv_cli_write_checked(rc, &err, &(struct sv_cli_write){
		.cmd = a->cmd, .opts = &a->o, .change = add_change,
		.json = add_json, .text = add_text, .ctx = &c });
}

static int rm_change(struct sv_store *st, void *ctx, struct sv_err *err) {
	struct change *c = ctx;
	return sv_store_domain_rm(st, c->name, &c->owner, &c->gone, err);
}

/* services_removed only when there were some (as provider rm). */
static struct json_t *rm_json(void *ctx) {
	const struct change *c = ctx;
	return sv_cli_json_count(json_pack("{s:s, s:s, s:I}", "domain",
		c->name, "provider", c->owner, "servers_removed",
		(json_int_t)c->gone.servers), "services_removed",
		c->gone.services);
}

static void rm_text(void *ctx) {
	const struct change *c = ctx;
	printf("removed domain %s from provider %s", c->name, c->owner);
	if (c->gone.servers > 0 || c->gone.services > 0) {
		printf(" with the");
	}
	if (c->gone.servers > 0) {
		printf(" %lld server%s", (long long)c->gone.servers,
			c->gone.servers == 1 ? "" : "s");
	}
	if (c->gone.services > 0) {
		printf("%s %lld service%s", c->gone.servers > 0 ? " and" : "",
			(long long)c->gone.services,
			c->gone.services == 1 ? "" : "s");
	}
	if (c->gone.servers > 0 || c->gone.services > 0) {
		printf(" bound to it");
	}
	printf("\n");
}

static int domain_rm(const struct sv_cli_verb_args *a, void *ctx) {
	(void)ctx;
	struct sv_err err = { "" };
	struct change c = { .owner = NULL };
	const char *arg = a->o.args[0];
	int rc = sv_cli_domain_row(arg, "DOMAIN", c.name, sizeof(c.name),
		&err);
	/* a row stored before the name rule refused all-digit top-level
	 * labels (util/name.h) is reported by check; it must stay removable */
	if (rc != SV_OK && sv_domain_row_normalize(arg, strlen(arg), true,
			c.name, sizeof(c.name), NULL) == SV_OK) {
		rc = SV_OK;
	}
	int status = sv_cli_write_checked(rc, &err, &(struct sv_cli_write){
		.cmd = a->cmd, .opts = &a->o, .change = rm_change,
		.json = rm_json, .text = rm_text, .ctx = &c });
	sv_free(c.owner);
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
			for (size_t k = 0; arr != NULL && k < pvs[i]->n_domains;
					k++) {
				const char *d = pvs[i]->domains[k];
				arr = sv_cli_json_push(arr, json_pack(
					"{s:s, s:s, s:I}", "domain", d,
					"provider", pvs[i]->id, "own_servers",
					(json_int_t)own_servers(pvs[i], d)));
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
	return sv_cli_table_emit(cmd, &t);
}

static int domain_list(const struct sv_cli_verb_args *a, void *ctx) {
	return sv_cli_list_provider(a->cmd, &a->o, *(const char **)ctx,
		print_list);
}

int sv_cli_domain(int argc, char **argv) {
	static const struct sv_cli_group group = {
		.usage = usage, .arg = "DOMAIN", .options = provider_opt,
		.on_opt = sv_cli_opt_string, .add = { domain_add, true },
		.list = { domain_list, true }, .rm = { domain_rm, false },
	};
	const char *provider = NULL; /* --provider, borrowed from argv */
	return sv_cli_dispatch(argc, argv, &group, &provider);
}
