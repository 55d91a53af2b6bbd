/* SPDX-License-Identifier: MIT */
/*
 * suivant service add|set|rm|list: a provider's calendars (caldav),
 * address books (carddav), file shares (webdav) and URL-based mail
 * accounts (activesync, ews, owa, jmap, graph). As for servers
 * (cli_server.c), flags are checked here, each refusal naming the flag,
 * and the store then checks the edited provider as a whole with the
 * shared validator in one transaction; nothing is stored on a refusal.
 * Plain http is refused unless --allow-insecure says the admin means it
 * (stored with the service; `suivant check` keeps warning about it).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli.h"
#include "http/config.h"
#include "model/placeholder.h"
#include "model/service_url.h"
#include "store/store.h"
#include "util/log.h"

static const char usage[] =
	"usage: suivant service add|set|rm|list [--db FILE] [--json] ...\n"
	"\n"
	"  suivant service add --provider ID --type T --url URL [OPTIONS]\n"
	"  suivant service set SERVICE-ID [--type T] [--url URL] [OPTIONS]\n"
	"                      [--all-domains]\n"
	"  suivant service rm SERVICE-ID\n"
	"  suivant service list [--provider ID]\n"
	"\n"
	"Calendars, address books, file shares and URL-based mail accounts\n"
	"(Exchange, ActiveSync, JMAP, Graph) that every answer names beside\n"
	"the mail servers. `add` prints the new service's id; `list`\n"
	"shows every id. Services of a type are offered in priority order.\n"
	"\n"
	"  --provider ID         the provider (add: required; list: filter)\n"
	"  --type T              caldav (calendar), carddav (address book),\n"
	"                        webdav (file share), activesync, ews, owa,\n"
	"                        jmap or graph (accounts, https only)\n"
	"  --url URL             https URL with a path, placeholders allowed:\n"
	"                        https://dav.%EMAILDOMAIN%/cal/%EMAILADDRESS%/\n"
	"  --username TEMPLATE   login (default %EMAILADDRESS%)\n"
	"  --auth M[,M...]       methods, preferred first (default\n"
	"                        http-basic): http-basic, http-digest, OAuth2\n"
	"  --priority N          order among services of a type (default 0)\n"
	"  --domain DOMAIN       only for this domain row of the provider: it\n"
	"                        replaces the provider-wide services of the\n"
	"                        same type for that domain\n"
	"  --all-domains         set: no longer bound to one domain\n"
	"  --allow-insecure      accept a plain http URL (check warns)\n"
	"  --db FILE             database file (default ./"
	SV_CONFIG_DEFAULT_DB ")\n"
	"  --json                machine-readable output on stdout\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 done, 64 bad usage, 65 invalid value, 66 no such\n"
	"database, provider or service, 75 database busy.\n";

enum {
	OPT_PROVIDER = 256, OPT_TYPE, OPT_URL, OPT_USERNAME, OPT_AUTH,
	OPT_PRIORITY, OPT_DOMAIN, OPT_ALL_DOMAINS, OPT_ALLOW_INSECURE,
};

static const struct option options[] = {
	{ "provider", required_argument, NULL, OPT_PROVIDER },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "url", required_argument, NULL, OPT_URL },
	{ "username", required_argument, NULL, OPT_USERNAME },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "priority", required_argument, NULL, OPT_PRIORITY },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "all-domains", no_argument, NULL, OPT_ALL_DOMAINS },
	{ "allow-insecure", no_argument, NULL, OPT_ALLOW_INSECURE },
	{ NULL, 0, NULL, 0 },
};

/* What the command line says; NULL / false = not given. */
struct args {
	const char *cmd;
	const char *provider, *type, *url, *username, *auth, *priority;
	const char *domain;
	bool all_domains, allow_insecure;
	/* parsed */
	char provider_id[SV_CLI_DOMAIN_ROW_MAX];
	char domain_row[SV_CLI_DOMAIN_ROW_MAX];
	struct sv_service s; /* strings borrowed from argv or a loaded pv */
	struct sv_cli_opts o;
};

static int on_opt(int val, const char *arg, void *ctx) {
	struct args *a = ctx;
	const char **slot[] = {
		[OPT_PROVIDER - 256] = &a->provider,
		[OPT_TYPE - 256] = &a->type,
		[OPT_URL - 256] = &a->url,
		[OPT_USERNAME - 256] = &a->username,
		[OPT_AUTH - 256] = &a->auth,
		[OPT_PRIORITY - 256] = &a->priority,
		[OPT_DOMAIN - 256] = &a->domain,
	};
	if (val == OPT_ALL_DOMAINS || val == OPT_ALLOW_INSECURE) {
		*(val == OPT_ALL_DOMAINS ? &a->all_domains :
			&a->allow_insecure) = true;
		return EX_OK;
	}
	if (val < 256 || val - 256 >= (int)(sizeof(slot) / sizeof(*slot))) {
		return EX_SOFTWARE;
	}
	*slot[val - 256] = arg;
	return EX_OK;
}

/* Command-line text made safe to print (80 bytes). */
#define SHOWN(s) sv_log_escape((s), (char[80]){ 0 }, 80)

static const char auth_accepted[] = "accepted: http-basic, http-digest, "
	"OAuth2";

static int parse_auth(struct args *a) {
	char buf[512];
	if (snprintf(buf, sizeof(buf), "%s", a->auth) >= (int)sizeof(buf)) {
		sv_cli_error(a->cmd, "--auth: '%s...' is too long",
			SHOWN(a->auth));
		return EX_DATAERR;
	}
	a->s.n_auth = 0;
	char *save = NULL;
	for (char *m = strtok_r(buf, ",", &save); m != NULL;
			m = strtok_r(NULL, ",", &save)) {
		int v = -1;
		for (int i = 0; i < SV_SAUTH_COUNT && v < 0; i++) {
			v = strcasecmp(m, sv_service_auth_name(
				(enum sv_service_auth)i)) == 0 ? i : -1;
		}
		const char *why = v < 0 ? "is not an authentication method" :
			NULL;
		for (size_t i = 0; why == NULL && i < a->s.n_auth; i++) {
			why = a->s.auth[i] == (enum sv_service_auth)v ?
				"is listed twice" : NULL;
		}
		if (why == NULL && a->s.n_auth == SV_MODEL_MAX_AUTH) {
			why = "is one method too many";
		}
		if (why != NULL) {
			sv_cli_error(a->cmd, "--auth: '%s' %s (%s)", SHOWN(m),
				why, auth_accepted);
			return EX_DATAERR;
		}
		a->s.auth[a->s.n_auth++] = (enum sv_service_auth)v;
	}
	if (a->s.n_auth == 0) {
		sv_cli_error(a->cmd, "--auth: no method given (%s)",
			auth_accepted);
		return EX_DATAERR;
	}
	return EX_OK;
}

/* Checks every given flag and fills a->s with it (a->s otherwise kept). */
static int apply_flags(struct args *a) {
	struct sv_err err = { "" };
	if (a->type != NULL) {
		int t = -1;
		for (int i = 0; i < SV_SERVICE_TYPE_COUNT && t < 0; i++) {
			t = strcasecmp(a->type, sv_service_type_name(
				(enum sv_service_type)i)) == 0 ? i : -1;
		}
		if (t < 0) {
			sv_cli_error(a->cmd, "--type: '%s' is not one of caldav, "
				"carddav, webdav, activesync, ews, owa, jmap, "
				"graph", SHOWN(a->type));
			return EX_DATAERR;
		}
		a->s.type = (enum sv_service_type)t;
	}
	if (a->url != NULL) {
		struct sv_service_url u;
		if (sv_service_url_parse(a->url, "--url", &u, &err) != SV_OK) {
			sv_cli_error(a->cmd, "%s", err.msg);
			return EX_DATAERR;
		}
		/* accounts: the validator's refusal, --allow-insecure or not */
		if (!u.https && !a->allow_insecure &&
				!sv_service_type_is_account(a->s.type)) {
			sv_cli_error(a->cmd, "--url: plain http is refused: "
				"clients would send passwords unencrypted (use "
				"https, or --allow-insecure)");
			return EX_DATAERR;
		}
		a->s.url = (char *)a->url;
		a->s.insecure = !u.https;
	}
	if (a->username != NULL) {
		if (sv_placeholder_validate(a->username, &err) != SV_OK) {
			sv_cli_error(a->cmd, "--username: %s", err.msg);
			return EX_DATAERR;
		}
		a->s.username = (char *)a->username;
	}
	int status;
	if (a->auth != NULL && (status = parse_auth(a)) != EX_OK) {
		return status;
	}
	long long v;
	if (a->priority != NULL) {
		if (sv_cli_int(a->priority, -2147483647LL - 1, 2147483647LL,
				&v) != SV_OK) {
			sv_cli_error(a->cmd, "--priority: '%s' is not an integer "
				"(lower comes first)", SHOWN(a->priority));
			return EX_DATAERR;
		}
		a->s.priority = (int)v;
	}
	if (a->domain != NULL && a->all_domains) {
		sv_cli_error(a->cmd, "--domain and --all-domains contradict "
			"each other");
		return EX_USAGE;
	}
	if (a->domain != NULL) {
		if (sv_cli_domain_row(a->domain, "--domain", a->domain_row,
				sizeof(a->domain_row), &err) != SV_OK) {
			sv_cli_error(a->cmd, "%s", err.msg);
			return EX_DATAERR;
		}
		a->s.domain = a->domain_row;
	}
	if (a->all_domains) {
		a->s.domain = NULL;
	}
	return EX_OK;
}

/* Options, then exactly n_pos positional arguments (a->o.args). */
static int parse(int argc, char **argv, struct args *a, int n_pos) {
	int status = sv_cli_getopt(argc, argv, usage, true, options, on_opt,
		a, &a->o);
	if (status >= 0) {
		return status;
	}
	return sv_cli_args(a->cmd, &a->o, n_pos, "SERVICE-ID", usage);
}

static int add_change(struct sv_store *st, void *ctx, int *status,
		struct sv_err *err) {
	(void)status;
	struct args *a = ctx;
	return sv_store_service_add(st, a->provider_id, &a->s, &a->s.id, err);
}

static struct json_t *add_json(void *ctx) {
	const struct args *a = ctx;
	return sv_cli_service_json(a->provider_id, &a->s);
}

static void add_text(void *ctx) {
	const struct args *a = ctx;
	printf("%lld\n", (long long)a->s.id);
}

static int service_add(int argc, char **argv) {
	struct args a = { .cmd = "service add" };
	int status = parse(argc, argv, &a, 0);
	if (status >= 0) {
		return status;
	}
	const char *missing = a.provider == NULL ? "--provider ID" :
		a.type == NULL ? "--type T" :
		a.url == NULL ? "--url URL" : a.all_domains ? "" : NULL;
	if (missing != NULL) {
		sv_cli_error(a.cmd, missing[0] != '\0' ? "%s is required" :
			"--all-domains is for service set", missing);
		return sv_cli_usage_error(usage);
	}
	struct sv_err err = { "" };
	int rc = sv_cli_provider_id(a.provider, "--provider", a.provider_id,
		sizeof(a.provider_id), &err);
	if (rc != SV_OK) {
		return sv_cli_fail(a.cmd, rc, &err);
	}
	a.s.auth[0] = SV_SAUTH_HTTP_BASIC;
	a.s.n_auth = 1;
	a.s.username = (char *)"%EMAILADDRESS%";
	if ((status = apply_flags(&a)) != EX_OK) {
		return status;
	}
	return sv_cli_write(&(struct sv_cli_write){ .cmd = a.cmd, .opts = &a.o,
		.change = add_change, .json = add_json, .text = add_text,
		.ctx = &a });
}

/* set: the service id, its provider (owned), the flags' args. */
struct edit {
	struct args *a;
	int64_t id;
	struct sv_provider *pv; /* owned; a->s borrows from it */
};

static int set_change(struct sv_store *st, void *ctx, int *status,
		struct sv_err *err) {
	struct edit *e = ctx;
	size_t idx = 0;
	int rc = sv_store_load_service(st, e->id, &e->pv, &idx, err);
	if (rc != SV_OK) {
		return rc;
	}
	e->a->s = e->pv->services[idx]; /* borrows from pv */
	if ((*status = apply_flags(e->a)) != EX_OK) {
		return SV_EINVAL;
	}
	return sv_store_service_set(st, &e->a->s, err);
}

static struct json_t *set_json(void *ctx) {
	const struct edit *e = ctx;
	return sv_cli_service_json(e->pv->id, &e->a->s);
}

static void set_text(void *ctx) {
	const struct edit *e = ctx;
	printf("changed service %lld of provider %s\n", (long long)e->id,
		e->pv->id);
}

static int service_set(int argc, char **argv) {
	struct args a = { .cmd = "service set" };
	struct edit e = { .a = &a };
	int status = parse(argc, argv, &a, 1);
	if (status >= 0) {
		return status;
	}
	if (a.provider != NULL) {
		sv_cli_error(a.cmd, "--provider: a service cannot move to "
			"another provider (rm it and add it there)");
		return EX_USAGE;
	}
	if (a.type == NULL && a.url == NULL && a.username == NULL &&
			a.auth == NULL && a.priority == NULL &&
			a.domain == NULL && !a.all_domains) {
		sv_cli_error(a.cmd, "nothing to change");
		return sv_cli_usage_error(usage);
	}
	if ((status = sv_cli_row_id(a.cmd, "SERVICE-ID", "service",
			a.o.args[0], &e.id)) != EX_OK) {
		return status;
	}
	status = sv_cli_write(&(struct sv_cli_write){ .cmd = a.cmd,
		.opts = &a.o, .change = set_change, .json = set_json,
		.text = set_text, .ctx = &e });
	sv_provider_destroy(e.pv);
	return status;
}

static int service_rm(int argc, char **argv) {
	struct args a = { .cmd = "service rm" };
	int64_t id = 0;
	int status = parse(argc, argv, &a, 1);
	if (status >= 0) {
		return status;
	}
	if ((status = sv_cli_row_id(a.cmd, "SERVICE-ID", "service",
			a.o.args[0], &id)) != EX_OK) {
		return status;
	}
	return sv_cli_rm_row(a.cmd, &a.o, "service", id, sv_store_service_rm);
}

static int service_list(int argc, char **argv) {
	struct args a = { .cmd = "service list" };
	int status = parse(argc, argv, &a, 0);
	if (status >= 0) {
		return status;
	}
	return sv_cli_list_rows(a.cmd, &a.o, a.provider, sv_cli_print_services);
}

/* Keep alphabetized. */
static const struct sv_cli_verb verbs[] = {
	{ "add", service_add },
	{ "list", service_list },
	{ "rm", service_rm },
	{ "set", service_set },
};

int sv_cli_service(int argc, char **argv) {
	return sv_cli_dispatch(argc, argv, verbs,
		sizeof(verbs) / sizeof(*verbs), usage);
}
