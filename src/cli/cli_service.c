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

/* A service's own flags; cli_row.c adds the place flags. */
enum { F_TYPE, F_URL, F_USERNAME, F_AUTH, F_ALLOW_INSECURE };

static const struct sv_cli_row_flag flags[] = {
	[F_TYPE] = { "type", true, true, "--type caldav|carddav|webdav" },
	[F_URL] = { "url", true, true, "--url URL" },
	[F_USERNAME] = { "username", true, true, NULL },
	[F_AUTH] = { "auth", true, true, NULL },
	[F_ALLOW_INSECURE] = { "allow-insecure", false, false, NULL },
};

/* What the command line says: the flags (r.flag) and the row they make. */
struct args {
	struct sv_cli_row_args r; /* first: the kind's callbacks get &r */
	struct sv_service s; /* strings borrowed from argv or a loaded pv */
};

/* Command-line text made safe to print (80 bytes). */
#define SHOWN(s) sv_log_escape((s), (char[80]){ 0 }, 80)

static const char auth_accepted[] = "accepted: http-basic, http-digest, "
	"OAuth2";

static int parse_auth(struct args *a) {
	const char *auth = a->r.flag[F_AUTH];
	char buf[512];
	if (snprintf(buf, sizeof(buf), "%s", auth) >= (int)sizeof(buf)) {
		sv_cli_error(a->r.cmd, "--auth: '%s...' is too long",
			SHOWN(auth));
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
			sv_cli_error(a->r.cmd, "--auth: '%s' %s (%s)", SHOWN(m),
				why, auth_accepted);
			return EX_DATAERR;
		}
		a->s.auth[a->s.n_auth++] = (enum sv_service_auth)v;
	}
	if (a->s.n_auth == 0) {
		sv_cli_error(a->r.cmd, "--auth: no method given (%s)",
			auth_accepted);
		return EX_DATAERR;
	}
	return EX_OK;
}

/* Checks every given flag and fills a->s with it (a->s otherwise kept). */
static int apply(struct sv_cli_row_args *r) {
	struct args *a = (struct args *)r;
	const char *const *f = r->flag;
	struct sv_err err = { "" };
	if (f[F_TYPE] != NULL) {
		int t = -1;
		for (int i = 0; i < SV_SERVICE_TYPE_COUNT && t < 0; i++) {
			t = strcasecmp(f[F_TYPE], sv_service_type_name(
				(enum sv_service_type)i)) == 0 ? i : -1;
		}
		if (t < 0) {
			sv_cli_error(a->r.cmd, "--type: '%s' is not one of "
				"caldav, carddav, webdav, activesync, ews, owa, "
				"jmap, graph", SHOWN(f[F_TYPE]));
			return EX_DATAERR;
		}
		a->s.type = (enum sv_service_type)t;
	}
	if (f[F_URL] != NULL) {
		struct sv_service_url u;
		if (sv_service_url_parse(f[F_URL], "--url", &u, &err) !=
				SV_OK) {
			sv_cli_error(a->r.cmd, "%s", err.msg);
			return EX_DATAERR;
		}
		/* accounts: the validator's refusal, --allow-insecure or not */
		if (!u.https && f[F_ALLOW_INSECURE] == NULL &&
				!sv_service_type_is_account(a->s.type)) {
			sv_cli_error(a->r.cmd, "--url: plain http is refused: "
				"clients would send passwords unencrypted (use "
				"https, or --allow-insecure)");
			return EX_DATAERR;
		}
		a->s.url = (char *)f[F_URL];
		a->s.insecure = !u.https;
	}
	if (f[F_USERNAME] != NULL) {
		if (sv_placeholder_validate(f[F_USERNAME], &err) != SV_OK) {
			sv_cli_error(a->r.cmd, "--username: %s", err.msg);
			return EX_DATAERR;
		}
		a->s.username = (char *)f[F_USERNAME];
	}
	int status;
	if (f[F_AUTH] != NULL && (status = parse_auth(a)) != EX_OK) {
		return status;
	}
	return sv_cli_row_place(&a->r, &a->s.priority, &a->s.domain);
}

static void defaults(struct sv_cli_row_args *r) {
	struct args *a = (struct args *)r;
	a->s.auth[0] = SV_SAUTH_HTTP_BASIC;
	a->s.n_auth = 1;
	a->s.username = (char *)"%EMAILADDRESS%";
}

static int add(struct sv_store *st, struct sv_cli_row_args *r, int64_t *id,
		struct sv_err *err) {
	struct args *a = (struct args *)r;
	int rc = sv_store_service_add(st, r->provider_id, &a->s, &a->s.id,
		err);
	*id = a->s.id;
	return rc;
}

static int load(struct sv_store *st, int64_t id, struct sv_provider **pv,
		struct sv_cli_row_args *r, struct sv_err *err) {
	size_t idx = 0;
	int rc = sv_store_load_service(st, id, pv, &idx, err);
	if (rc == SV_OK) {
		((struct args *)r)->s = (*pv)->services[idx]; /* borrows */
	}
	return rc;
}

static int set(struct sv_store *st, struct sv_cli_row_args *r,
		struct sv_err *err) {
	return sv_store_service_set(st, &((struct args *)r)->s, err);
}

static struct json_t *json(const char *provider_id,
		const struct sv_cli_row_args *r) {
	return sv_cli_service_json(provider_id, &((const struct args *)r)->s);
}

static const struct sv_cli_row_kind kind = {
	.what = "service", .id_arg = "SERVICE-ID", .usage = usage,
	.args_size = sizeof(struct args), .flags = flags,
	.n_flags = sizeof(flags) / sizeof(*flags), .defaults = defaults,
	.apply = apply, .add = add, .load = load, .set = set,
	.rm = sv_store_service_rm, .json = json,
	.print = sv_cli_print_services,
};

int sv_cli_service(int argc, char **argv) {
	return sv_cli_row(argc, argv, &kind);
}
