/* SPDX-License-Identifier: MIT */
/*
 * suivant server add|set|rm|list: the imap, pop3 and smtp servers of a
 * provider. Flags are parsed and checked here, each refusal naming the
 * flag and its accepted values; the store then checks the edited
 * provider as a whole with the shared validator, in one transaction.
 * A port/socket pairing that contradicts the port's registration is
 * stored (a provider may really run that way) with a warning.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "cli/cli_row.h"
#include "cli/cli_server_show.h"
#include "http/config.h"
#include "model/check.h"
#include "model/placeholder.h"
#include "store/store.h"
#include "util/log.h"

static const char usage[] =
	"usage: suivant server add|set|rm|list [--db FILE] [--json] ...\n"
	"\n"
	"  suivant server add --provider ID --type imap|pop3|smtp --host HOST\n"
	"                     --port N --socket SSL|STARTTLS|plain [OPTIONS]\n"
	"  suivant server set SERVER-ID [--type T] [--host HOST] [--port N]\n"
	"                     [--socket S] [OPTIONS] [--all-domains]\n"
	"  suivant server rm SERVER-ID\n"
	"  suivant server list [--provider ID]\n"
	"\n"
	"`add` prints the new server's id; `list` shows every id. Servers are\n"
	"offered in priority order (lower first; equal priorities in the\n"
	"order they were added).\n"
	"\n"
	"  --provider ID         the provider (add: required; list: filter)\n"
	"  --type T              imap, pop3 (incoming) or smtp (outgoing)\n"
	"  --host HOST           host name, or a template such as\n"
	"                        mail.%EMAILDOMAIN% (also %EMAILLOCALPART%,\n"
	"                        %EMAILADDRESS%)\n"
	"  --port N              1..65535 (993 imap SSL, 143 imap STARTTLS,\n"
	"                        995/110 pop3, 465/587 smtp)\n"
	"  --socket S            SSL (implicit TLS), STARTTLS or plain\n"
	"  --auth M[,M...]       methods, preferred first (default\n"
	"                        password-cleartext): password-cleartext,\n"
	"                        password-encrypted, OAuth2, NTLM, GSSAPI,\n"
	"                        TLS-client-cert; smtp only: none,\n"
	"                        client-IP-address, smtp-after-pop\n"
	"  --username TEMPLATE   login (default %EMAILADDRESS%; e.g.\n"
	"                        %EMAILLOCALPART%)\n"
	"  --priority N          order among the servers (default 0)\n"
	"  --domain DOMAIN       only for this domain row of the provider: it\n"
	"                        replaces the provider-wide servers of the\n"
	"                        same type for that domain\n"
	"  --all-domains         set: no longer bound to one domain\n"
	SV_CLI_ROW_USAGE_END("server");

/* A server's own flags; cli_row.c adds the place flags. */
enum { F_TYPE, F_HOST, F_PORT, F_SOCKET, F_AUTH, F_USERNAME };

static const struct sv_cli_row_flag flags[] = {
	[F_TYPE] = { "type", true, true, "--type imap|pop3|smtp" },
	[F_HOST] = { "host", true, true, "--host HOST" },
	[F_PORT] = { "port", true, true, "--port N" },
	[F_SOCKET] = { "socket", true, true, "--socket SSL|STARTTLS|plain" },
	[F_AUTH] = { "auth", true, true, NULL },
	[F_USERNAME] = { "username", true, true, NULL },
};

static int bad(const struct sv_cli_row_args *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints a refused value's diagnostic; EX_DATAERR. */
static int bad(const struct sv_cli_row_args *r, const char *fmt, ...) {
	char msg[SV_ERR_MSG_MAX * 2];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sv_cli_error(r->cmd, "%s", n >= 0 ? msg : "invalid value");
	return EX_DATAERR;
}

/* Command-line text made safe to print (80 bytes). */
#define SHOWN(s) sv_log_escape((s), (char[80]){ 0 }, 80)

static const char auth_accepted[] = "accepted: password-cleartext, "
	"password-encrypted, OAuth2, NTLM, GSSAPI, TLS-client-cert, plain, "
	"secure; smtp only: none, client-IP-address, smtp-after-pop";

/* Case-insensitive lookup of an auth method's canonical spelling. */
static int parse_auth_one(const char *s, enum sv_auth *out) {
	for (int i = 0; i < SV_AUTH_COUNT; i++) {
		if (strcasecmp(s, sv_auth_name((enum sv_auth)i)) == 0) {
			*out = (enum sv_auth)i;
			return SV_OK;
		}
	}
	return SV_EINVAL;
}

static int parse_auth(struct sv_cli_row_args *r, const char *list) {
	struct sv_server *s = &r->row.server;
	char buf[512];
	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf)) {
		return bad(r, "--auth: '%s...' is too long", SHOWN(list));
	}
	s->n_auth = 0;
	char *save = NULL;
	for (char *m = strtok_r(buf, ",", &save); m != NULL;
			m = strtok_r(NULL, ",", &save)) {
		enum sv_auth v;
		if (parse_auth_one(m, &v) != SV_OK) {
			return bad(r, "--auth: '%s' is not an authentication "
				"method (%s)", SHOWN(m), auth_accepted);
		}
		for (size_t i = 0; i < s->n_auth; i++) {
			if (s->auth[i] == v) {
				return bad(r, "--auth: %s is listed twice",
					sv_auth_name(v));
			}
		}
		if (s->n_auth == SV_MODEL_MAX_AUTH) {
			return bad(r, "--auth: more than %d methods",
				SV_MODEL_MAX_AUTH);
		}
		s->auth[s->n_auth++] = v;
	}
	if (s->n_auth == 0) {
		return bad(r, "--auth: no method given (%s)", auth_accepted);
	}
	return EX_OK;
}

/* A flag's accepted word and the model value it stands for. */
struct keyword {
	const char *name;
	int value;
};

/* The value of s among words (ending with a NULL name), any letter case;
 * -1 when s is none of them. */
static int keyword(const char *s, const struct keyword *words) {
	for (size_t i = 0; words[i].name != NULL; i++) {
		if (strcasecmp(s, words[i].name) == 0) {
			return words[i].value;
		}
	}
	return -1;
}

/*
 * A placeholder template flag's value v (a host name template when
 * hostname) into *field, borrowing v; nothing when the flag is absent.
 */
static int template_flag(const struct sv_cli_row_args *r, const char *flag,
		const char *v, bool hostname, char **field) {
	if (v == NULL) {
		return EX_OK;
	}
	struct sv_err err = { "" };
	int rc = hostname ? sv_placeholder_validate_hostname(v, &err) :
		sv_placeholder_validate(v, &err);
	if (rc != SV_OK) {
		sv_cli_error(r->cmd, "%s: %s", flag, err.msg);
		return EX_DATAERR;
	}
	*field = (char *)v;
	return EX_OK;
}

/* Checks every given flag into r->row (what is not given is kept). */
static int apply(struct sv_cli_row_args *r) {
	struct sv_server *s = &r->row.server;
	const char *const *f = r->flag;
	long long v;
	static const struct keyword types[] = {
		{ "imap", SV_SERVER_IMAP }, { "pop3", SV_SERVER_POP3 },
		{ "smtp", SV_SERVER_SMTP }, { NULL, 0 },
	};
	static const struct keyword sockets[] = {
		{ "SSL", SV_SOCKET_SSL }, { "STARTTLS", SV_SOCKET_STARTTLS },
		{ "plain", SV_SOCKET_PLAIN }, { NULL, 0 },
	};
	int k;
	if (f[F_TYPE] != NULL) {
		if ((k = keyword(f[F_TYPE], types)) < 0) {
			return bad(r, "--type: '%s' is not one of imap, pop3, "
				"smtp", SHOWN(f[F_TYPE]));
		}
		s->type = (enum sv_server_type)k;
	}
	int status;
	if ((status = template_flag(r, "--host", f[F_HOST], true,
			&s->hostname)) != EX_OK) {
		return status;
	}
	if (f[F_PORT] != NULL) {
		if (sv_cli_int(f[F_PORT], 1, 65535, &v) != SV_OK) {
			return bad(r, "--port: '%s' is not a port number "
				"(1..65535)", SHOWN(f[F_PORT]));
		}
		s->port = (int)v;
	}
	if (f[F_SOCKET] != NULL) {
		if ((k = keyword(f[F_SOCKET], sockets)) < 0) {
			return bad(r, "--socket: '%s' is not one of SSL, "
				"STARTTLS, plain", SHOWN(f[F_SOCKET]));
		}
		s->socket = (enum sv_socket)k;
	}
	if (f[F_AUTH] != NULL && (status = parse_auth(r, f[F_AUTH])) !=
			EX_OK) {
		return status;
	}
	for (size_t i = 0; i < s->n_auth; i++) {
		if (sv_auth_is_outgoing_only(s->auth[i]) &&
				!sv_server_type_is_outgoing(s->type)) {
			return bad(r, "--auth: %s is for smtp servers only",
				sv_auth_name(s->auth[i]));
		}
	}
	if ((status = template_flag(r, "--username", f[F_USERNAME], false,
			&s->username)) != EX_OK) {
		return status;
	}
	return sv_cli_row_place(r, &s->priority, &s->domain);
}

static void warn_port(const struct sv_cli_row_args *r) {
	const struct sv_server *s = &r->row.server;
	char why[SV_ERR_MSG_MAX];
	if (sv_check_port_socket(s->type, s->port, s->socket, why,
			sizeof(why))) {
		sv_cli_error(r->cmd, "warning: %s (stored anyway; see "
			"suivant check)", why);
	}
}

static void defaults(struct sv_cli_row_args *r) {
	struct sv_server *s = &r->row.server;
	s->auth[0] = SV_AUTH_PASSWORD_CLEARTEXT;
	s->n_auth = 1;
	s->username = (char *)"%EMAILADDRESS%";
	s->pop3 = (struct sv_pop3_options){ SV_UNSET, -1, SV_UNSET, -1 };
}

static const struct sv_cli_row_kind kind = {
	.what = "server", .id_arg = "SERVER-ID", .usage = usage,
	.type = SV_CLI_ROW_SERVER, .flags = flags,
	.n_flags = sizeof(flags) / sizeof(*flags), .defaults = defaults,
	.apply = apply, .rm = sv_store_server_rm, .committed = warn_port,
	.print = sv_cli_print_servers,
};

int sv_cli_server(int argc, char **argv) {
	return sv_cli_row(argc, argv, &kind);
}
