/* SPDX-License-Identifier: MIT */
/*
 * The verbs of the provider-row commands, `server` and `service`: add,
 * set, rm and list are the same steps for both (parse, check the place
 * flags --provider/--priority/--domain/--all-domains, one store write
 * through sv_cli_write, the same messages), and a struct sv_cli_row_kind
 * states what differs: its own flags, how they fill the row, its
 * removal and its listing. The store calls that take the row itself are
 * made below, once for each type of row. A third kind of row is one more
 * table and union member, not one more copy of these verbs.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli_row.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "cli/cli_server_show.h"
#include "cli/cli_service_show.h"
#include "cli/cli_write.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/log.h"

/* The place flags, the option values 256...; the kind's flags follow. */
enum { PLACE_PROVIDER, PLACE_PRIORITY, PLACE_DOMAIN, PLACE_ALL_DOMAINS,
	N_PLACE };

static const struct sv_cli_row_flag place[N_PLACE] = {
	[PLACE_PROVIDER] = { "provider", true, false, NULL },
	[PLACE_PRIORITY] = { "priority", true, true, NULL },
	[PLACE_DOMAIN] = { "domain", true, true, NULL },
	[PLACE_ALL_DOMAINS] = { "all-domains", false, true, NULL },
};

static int on_opt(int val, const char *arg, void *ctx) {
	struct sv_cli_row_args *r = ctx;
	const char **slot[] = {
		[PLACE_PROVIDER] = &r->provider,
		[PLACE_PRIORITY] = &r->priority,
		[PLACE_DOMAIN] = &r->domain,
	};
	int i = val - 256;
	if (i == PLACE_ALL_DOMAINS) {
		r->all_domains = true;
	} else if (i >= 0 && i < PLACE_ALL_DOMAINS) {
		*slot[i] = arg;
	} else if (i >= N_PLACE && i - N_PLACE < SV_CLI_ROW_MAX_FLAGS) {
		r->flag[i - N_PLACE] = arg != NULL ? arg : "";
	} else {
		return EX_SOFTWARE;
	}
	return EX_OK;
}

/* The getopt_long option of flag f, whose value is val. */
static struct option option(const struct sv_cli_row_flag *f, int val) {
	return (struct option){ f->name,
		f->value ? required_argument : no_argument, NULL, val };
}

/* Options, then exactly n_pos positional arguments (r->o.args). */
static int parse(const struct sv_cli_row_kind *k, int argc, char **argv,
		struct sv_cli_row_args *r, int n_pos) {
	struct option all[N_PLACE + SV_CLI_ROW_MAX_FLAGS + 1];
	if (k->n_flags > SV_CLI_ROW_MAX_FLAGS) {
		return EX_SOFTWARE;
	}
	for (int i = 0; i < N_PLACE; i++) {
		all[i] = option(&place[i], 256 + i);
	}
	for (size_t i = 0; i < k->n_flags; i++) {
		all[N_PLACE + i] = option(&k->flags[i],
			256 + N_PLACE + (int)i);
	}
	all[N_PLACE + k->n_flags] = (struct option){ NULL, 0, NULL, 0 };
	int status = sv_cli_getopt(argc, argv, k->usage, true, all, on_opt,
		r, &r->o);
	if (status >= 0) {
		return status;
	}
	return sv_cli_args(r->cmd, &r->o, n_pos, k->id_arg, k->usage);
}

int sv_cli_row_place(struct sv_cli_row_args *r, int *priority,
		char **domain) {
	struct sv_err err = { "" };
	long long v;
	if (r->priority != NULL) {
		if (sv_cli_int(r->priority, -2147483647LL - 1, 2147483647LL,
				&v) != SV_OK) {
			char shown[80];
			sv_cli_error(r->cmd, "--priority: '%s' is not an "
				"integer (lower comes first)", sv_log_escape(
				r->priority, shown, sizeof(shown)));
			return EX_DATAERR;
		}
		*priority = (int)v;
	}
	if (r->domain != NULL && r->all_domains) {
		sv_cli_error(r->cmd, "--domain and --all-domains contradict "
			"each other");
		return EX_USAGE;
	}
	if (r->domain != NULL) {
		if (sv_cli_domain_row(r->domain, "--domain", r->domain_row,
				sizeof(r->domain_row), &err) != SV_OK) {
			sv_cli_error(r->cmd, "%s", err.msg);
			return EX_DATAERR;
		}
		*domain = r->domain_row;
	}
	if (r->all_domains) {
		*domain = NULL;
	}
	return EX_OK;
}

/* ID-argument of set and rm: a positive integer into *id. */
static int row_id(const struct sv_cli_row_kind *k,
		const struct sv_cli_row_args *r, int64_t *id) {
	long long v;
	if (sv_cli_int(r->o.args[0], 1, INT64_MAX, &v) != SV_OK) {
		char shown[80];
		sv_cli_error(r->cmd, "%s: '%s' is not a %s id (see suivant %s "
			"list)", k->id_arg, sv_log_escape(r->o.args[0], shown,
			sizeof(shown)), k->what, k->what);
		return EX_DATAERR;
	}
	*id = v;
	return EX_OK;
}

/*
 * Inside add's write: stores the new row of r->provider_id; its id into
 * the row and *id.
 */
static int store_add(const struct sv_cli_row_kind *k, struct sv_store *st,
		struct sv_cli_row_args *r, int64_t *id, struct sv_err *err) {
	int rc;
	if (k->type == SV_CLI_ROW_SERVER) {
		struct sv_server *s = &r->row.server;
		rc = sv_store_server_add(st, r->provider_id, s, &s->id, err);
		*id = s->id;
	} else {
		struct sv_service *s = &r->row.service;
		rc = sv_store_service_add(st, r->provider_id, s, &s->id, err);
		*id = s->id;
	}
	return rc;
}

/* Inside set's write: loads row id into r->row (*pv owned; the row
 * borrows from it). */
static int store_load(const struct sv_cli_row_kind *k, struct sv_store *st,
		int64_t id, struct sv_provider **pv, struct sv_cli_row_args *r,
		struct sv_err *err) {
	size_t i = 0;
	bool server = k->type == SV_CLI_ROW_SERVER;
	int rc = server ? sv_store_load_server(st, id, pv, &i, err) :
		sv_store_load_service(st, id, pv, &i, err);
	if (rc == SV_OK && server) {
		r->row.server = (*pv)->servers[i];
	} else if (rc == SV_OK) {
		r->row.service = (*pv)->services[i];
	}
	return rc;
}

/* The row as list --json shows it (a new reference). */
static struct json_t *row_json(const struct sv_cli_row_kind *k,
		const char *provider_id, const struct sv_cli_row_args *r) {
	return k->type == SV_CLI_ROW_SERVER ?
		sv_cli_server_json(provider_id, &r->row.server) :
		sv_cli_service_json(provider_id, &r->row.service);
}

/* What one verb works on: the kind, its args, the row's id and owner. */
struct verb {
	const struct sv_cli_row_kind *k;
	struct sv_cli_row_args *r;
	int64_t id;
	struct sv_provider *pv; /* set: owned; the kind's row borrows */
	char *owner;            /* rm: owned, once removed */
	int status;             /* set: apply's refusal, else EX_OK */
};

static int add_change(struct sv_store *st, void *ctx, struct sv_err *err) {
	struct verb *v = ctx;
	return store_add(v->k, st, v->r, &v->id, err);
}

static void committed(void *ctx) {
	const struct verb *v = ctx;
	if (v->k->committed != NULL) {
		v->k->committed(v->r);
	}
}

static struct json_t *add_json(void *ctx) {
	const struct verb *v = ctx;
	return row_json(v->k, v->r->provider_id, v->r);
}

static void add_text(void *ctx) {
	const struct verb *v = ctx;
	printf("%lld\n", (long long)v->id);
}

static int row_add(const struct sv_cli_row_kind *k,
		struct sv_cli_row_args *r, int argc, char **argv) {
	int status = parse(k, argc, argv, r, 0);
	if (status >= 0) {
		return status;
	}
	const char *missing = r->provider == NULL ? "--provider ID" : NULL;
	for (size_t i = 0; missing == NULL && i < k->n_flags; i++) {
		missing = r->flag[i] == NULL ? k->flags[i].required : NULL;
	}
	if (missing == NULL && r->all_domains) {
		missing = "";
	}
	if (missing != NULL) {
		if (missing[0] != '\0') {
			sv_cli_error(r->cmd, "%s is required", missing);
		} else {
			sv_cli_error(r->cmd, "--all-domains is for %s set",
				k->what);
		}
		return sv_cli_usage_error(k->usage);
	}
	struct sv_err err = { "" };
	int rc = sv_cli_provider_id(r->provider, "--provider", r->provider_id,
		sizeof(r->provider_id), &err);
	if (rc != SV_OK) {
		return sv_cli_fail(r->cmd, rc, &err);
	}
	k->defaults(r);
	if ((status = k->apply(r)) != EX_OK) {
		return status;
	}
	struct verb v = { .k = k, .r = r };
	return sv_cli_write(&(struct sv_cli_write){ .cmd = r->cmd,
		.opts = &r->o, .change = add_change, .committed = committed,
		.json = add_json, .text = add_text, .ctx = &v });
}

static int set_change(struct sv_store *st, void *ctx, struct sv_err *err) {
	struct verb *v = ctx;
	int rc = store_load(v->k, st, v->id, &v->pv, v->r, err);
	if (rc != SV_OK) {
		return rc;
	}
	if ((v->status = v->k->apply(v->r)) != EX_OK) {
		return SV_EINVAL;
	}
	return v->k->type == SV_CLI_ROW_SERVER ?
		sv_store_server_set(st, &v->r->row.server, err) :
		sv_store_service_set(st, &v->r->row.service, err);
}

static struct json_t *set_json(void *ctx) {
	const struct verb *v = ctx;
	return row_json(v->k, v->pv->id, v->r);
}

static void set_text(void *ctx) {
	const struct verb *v = ctx;
	printf("changed %s %lld of provider %s\n", v->k->what,
		(long long)v->id, v->pv->id);
}

static int row_set(const struct sv_cli_row_kind *k,
		struct sv_cli_row_args *r, int argc, char **argv) {
	int status = parse(k, argc, argv, r, 1);
	if (status >= 0) {
		return status;
	}
	if (r->provider != NULL) {
		sv_cli_error(r->cmd, "--provider: a %s cannot move to "
			"another provider (rm it and add it there)", k->what);
		return EX_USAGE;
	}
	bool changes = r->priority != NULL || r->domain != NULL ||
		r->all_domains;
	for (size_t i = 0; i < k->n_flags; i++) {
		changes = changes || (k->flags[i].field && r->flag[i] != NULL);
	}
	if (!changes) {
		sv_cli_error(r->cmd, "nothing to change");
		return sv_cli_usage_error(k->usage);
	}
	struct verb v = { .k = k, .r = r };
	if ((status = row_id(k, r, &v.id)) != EX_OK) {
		return status;
	}
	status = sv_cli_write(&(struct sv_cli_write){ .cmd = r->cmd,
		.opts = &r->o, .change = set_change, .committed = committed,
		.json = set_json, .text = set_text, .ctx = &v,
		.status = &v.status });
	sv_provider_destroy(v.pv);
	return status;
}

static int rm_change(struct sv_store *st, void *ctx, struct sv_err *err) {
	struct verb *v = ctx;
	return v->k->rm(st, v->id, &v->owner, err);
}

static struct json_t *rm_json(void *ctx) {
	const struct verb *v = ctx;
	return json_pack("{s:I, s:s}", "id", (json_int_t)v->id, "provider",
		v->owner);
}

static void rm_text(void *ctx) {
	const struct verb *v = ctx;
	printf("removed %s %lld of provider %s\n", v->k->what,
		(long long)v->id, v->owner);
}

static int row_rm(const struct sv_cli_row_kind *k,
		struct sv_cli_row_args *r, int argc, char **argv) {
	int status = parse(k, argc, argv, r, 1);
	if (status >= 0) {
		return status;
	}
	struct verb v = { .k = k, .r = r };
	if ((status = row_id(k, r, &v.id)) != EX_OK) {
		return status;
	}
	status = sv_cli_write(&(struct sv_cli_write){ .cmd = r->cmd,
		.opts = &r->o, .change = rm_change, .json = rm_json,
		.text = rm_text, .ctx = &v });
	sv_free(v.owner);
	return status;
}

static int row_list(const struct sv_cli_row_kind *k,
		struct sv_cli_row_args *r, int argc, char **argv) {
	int status = parse(k, argc, argv, r, 0);
	if (status >= 0) {
		return status;
	}
	return sv_cli_list_provider(r->cmd, &r->o, r->provider, k->print);
}

/* Keep alphabetized (sv_cli_verb_index's names, same order). */
static const char *const verb_names[] = { "add", "list", "rm", "set" };
static int (*const verb_run[])(const struct sv_cli_row_kind *,
		struct sv_cli_row_args *, int, char **) = {
	row_add, row_list, row_rm, row_set,
};

int sv_cli_row(int argc, char **argv, const struct sv_cli_row_kind *k) {
	size_t i = 0;
	int status = sv_cli_verb_index(argc, argv, verb_names,
		sizeof(verb_names) / sizeof(*verb_names), k->usage, &i);
	if (status >= 0) {
		return status;
	}
	struct sv_cli_row_args *r = sv_calloc(1, sizeof(*r));
	if (r == NULL) {
		sv_cli_error(argv[0], "out of memory");
		return EX_OSERR;
	}
	char cmd[32];
	snprintf(cmd, sizeof(cmd), "%s %s", k->what, verb_names[i]);
	r->cmd = cmd;
	status = verb_run[i](k, r, argc - 1, argv + 1);
	sv_free(r);
	return status;
}
