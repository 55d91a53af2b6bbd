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
#include "cli/cli_output.h"
#include "cli/cli_row.h"
#include "cli/cli_service_show.h"
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
	SV_CLI_ROW_USAGE_END("service");

/* A service's own flags; cli_row.c adds the place flags. */
enum { F_TYPE, F_URL, F_USERNAME, F_AUTH, F_ALLOW_INSECURE };

static const struct sv_cli_row_flag flags[] = {
	[F_TYPE] = { "type", true, true, "--type caldav|carddav|webdav" },
	[F_URL] = { "url", true, true, "--url URL" },
	[F_USERNAME] = { "username", true, true, NULL },
	[F_AUTH] = { "auth", true, true, NULL },
	[F_ALLOW_INSECURE] = { "allow-insecure", false, false, NULL },
};

/* Command-line text made safe to print (80 bytes). */
#define SHOWN(s) sv_log_escape((s), (char[80]){ 0 }, 80)

static const char auth_accepted[] = "accepted: http-basic, http-digest, "
	"OAuth2";

static int parse_auth(struct sv_cli_row_args *r) {
	struct sv_service *s = &r->row.service;
	const char *auth = r->flag[F_AUTH];
	char buf[512];
	if (snprintf(buf, sizeof(buf), "%s", auth) >= (int)sizeof(buf)) {
		sv_cli_error(r->cmd, "--auth: '%s...' is too long",
			SHOWN(auth));
		return EX_DATAERR;
	}
	s->n_auth = 0;
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
		for (size_t i = 0; why == NULL && i < s->n_auth; i++) {
			why = s->auth[i] == (enum sv_service_auth)v ?
				"is listed twice" : NULL;
		}
		if (why == NULL && s->n_auth == SV_MODEL_MAX_AUTH) {
			why = "is one method too many";
		}
		if (why != NULL) {
			sv_cli_error(r->cmd, "--auth: '%s' %s (%s)", SHOWN(m),
				why, auth_accepted);
			return EX_DATAERR;
		}
		s->auth[s->n_auth++] = (enum sv_service_auth)v;
	}
	if (s->n_auth == 0) {
		sv_cli_error(r->cmd, "--auth: no method given (%s)",
			auth_accepted);
		return EX_DATAERR;
	}
	return EX_OK;
}

/* Checks every given flag into r->row (what is not given is kept). */
static int apply(struct sv_cli_row_args *r) {
	struct sv_service *s = &r->row.service;
	const char *const *f = r->flag;
	struct sv_err err = { "" };
	if (f[F_TYPE] != NULL) {
		int t = -1;
		for (int i = 0; i < SV_SERVICE_TYPE_COUNT && t < 0; i++) {
			t = strcasecmp(f[F_TYPE], sv_service_type_name(
				(enum sv_service_type)i)) == 0 ? i : -1;
		}
		if (t < 0) {
			sv_cli_error(r->cmd, "--type: '%s' is not one of "
				"caldav, carddav, webdav, activesync, ews, owa, "
				"jmap, graph", SHOWN(f[F_TYPE]));
			return EX_DATAERR;
		}
		s->type = (enum sv_service_type)t;
	}
	if (f[F_URL] != NULL) {
		struct sv_service_url u;
		if (sv_service_url_parse(f[F_URL], "--url", &u, &err) !=
				SV_OK) {
			sv_cli_error(r->cmd, "%s", err.msg);
			return EX_DATAERR;
		}
		/* accounts: the validator's refusal, --allow-insecure or not */
		if (!u.https && f[F_ALLOW_INSECURE] == NULL &&
				!sv_service_type_is_account(s->type)) {
			sv_cli_error(r->cmd, "--url: plain http is refused: "
				"clients would send passwords unencrypted (use "
				"https, or --allow-insecure)");
			return EX_DATAERR;
		}
		s->url = (char *)f[F_URL];
		s->insecure = !u.https;
	}
	if (f[F_USERNAME] != NULL) {
		if (sv_placeholder_validate(f[F_USERNAME], &err) != SV_OK) {
			sv_cli_error(r->cmd, "--username: %s", err.msg);
			return EX_DATAERR;
		}
		s->username = (char *)f[F_USERNAME];
	}
	int status;
	if (f[F_AUTH] != NULL && (status = parse_auth(r)) != EX_OK) {
		return status;
	}
	return sv_cli_row_place(r, &s->priority, &s->domain);
}

static void defaults(struct sv_cli_row_args *r) {
	struct sv_service *s = &r->row.service;
	s->auth[0] = SV_SAUTH_HTTP_BASIC;
	s->n_auth = 1;
	s->username = (char *)"%EMAILADDRESS%";
}

static const struct sv_cli_row_kind kind = {
	.what = "service", .id_arg = "SERVICE-ID", .usage = usage,
	.type = SV_CLI_ROW_SERVICE, .flags = flags,
	.n_flags = sizeof(flags) / sizeof(*flags), .defaults = defaults,
	.apply = apply, .rm = sv_store_service_rm,
	.print = sv_cli_print_services,
};

int sv_cli_service(int argc, char **argv) {
	return sv_cli_row(argc, argv, &kind);
}
