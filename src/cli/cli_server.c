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
	"  --db FILE             database file (default ./"
	SV_CONFIG_DEFAULT_DB ")\n"
	"  --json                machine-readable output on stdout\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 done, 64 bad usage, 65 invalid value, 66 no such\n"
	"database, provider or server, 75 database busy.\n";

enum {
	OPT_PROVIDER = 256, OPT_TYPE, OPT_HOST, OPT_PORT, OPT_SOCKET,
	OPT_AUTH, OPT_USERNAME, OPT_PRIORITY, OPT_DOMAIN, OPT_ALL_DOMAINS,
};

static const struct option options[] = {
	{ "provider", required_argument, NULL, OPT_PROVIDER },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "username", required_argument, NULL, OPT_USERNAME },
	{ "priority", required_argument, NULL, OPT_PRIORITY },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "all-domains", no_argument, NULL, OPT_ALL_DOMAINS },
	{ NULL, 0, NULL, 0 },
};

/* What the command line says; NULL / false = not given. */
struct args {
	const char *cmd;
	const char *provider, *type, *host, *port, *socket, *auth;
	const char *username, *priority, *domain;
	bool all_domains;
	/* parsed */
	char provider_id[SV_CLI_DOMAIN_ROW_MAX];
	char domain_row[SV_CLI_DOMAIN_ROW_MAX];
	struct sv_server s; /* strings borrowed from argv */
	struct sv_cli_opts o;
};

static int on_opt(int val, const char *arg, void *ctx) {
	struct args *a = ctx;
	const char **slot[] = {
		[OPT_PROVIDER - 256] = &a->provider,
		[OPT_TYPE - 256] = &a->type,
		[OPT_HOST - 256] = &a->host,
		[OPT_PORT - 256] = &a->port,
		[OPT_SOCKET - 256] = &a->socket,
		[OPT_AUTH - 256] = &a->auth,
		[OPT_USERNAME - 256] = &a->username,
		[OPT_PRIORITY - 256] = &a->priority,
		[OPT_DOMAIN - 256] = &a->domain,
	};
	if (val == OPT_ALL_DOMAINS) {
		a->all_domains = true;
		return EX_OK;
	}
	if (val < 256 || val - 256 >= (int)(sizeof(slot) / sizeof(*slot))) {
		return EX_SOFTWARE;
	}
	*slot[val - 256] = arg;
	return EX_OK;
}

static int bad(struct args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints a refused value's diagnostic; EX_DATAERR. */
static int bad(struct args *a, const char *fmt, ...) {
	char msg[SV_ERR_MSG_MAX * 2];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sv_cli_error(a->cmd, "%s", n >= 0 ? msg : "invalid value");
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

static int parse_auth(struct args *a, const char *list) {
	char buf[512];
	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf)) {
		return bad(a, "--auth: '%s...' is too long", SHOWN(list));
	}
	a->s.n_auth = 0;
	char *save = NULL;
	for (char *m = strtok_r(buf, ",", &save); m != NULL;
			m = strtok_r(NULL, ",", &save)) {
		enum sv_auth v;
		if (parse_auth_one(m, &v) != SV_OK) {
			return bad(a, "--auth: '%s' is not an authentication "
				"method (%s)", SHOWN(m), auth_accepted);
		}
		for (size_t i = 0; i < a->s.n_auth; i++) {
			if (a->s.auth[i] == v) {
				return bad(a, "--auth: %s is listed twice",
					sv_auth_name(v));
			}
		}
		if (a->s.n_auth == SV_MODEL_MAX_AUTH) {
			return bad(a, "--auth: more than %d methods",
				SV_MODEL_MAX_AUTH);
		}
		a->s.auth[a->s.n_auth++] = v;
	}
	if (a->s.n_auth == 0) {
		return bad(a, "--auth: no method given (%s)", auth_accepted);
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
static int template_flag(const struct args *a, const char *flag,
		const char *v, bool hostname, char **field) {
	if (v == NULL) {
		return EX_OK;
	}
	struct sv_err err = { "" };
	int rc = hostname ? sv_placeholder_validate_hostname(v, &err) :
		sv_placeholder_validate(v, &err);
	if (rc != SV_OK) {
		sv_cli_error(a->cmd, "%s: %s", flag, err.msg);
		return EX_DATAERR;
	}
	*field = (char *)v;
	return EX_OK;
}

/* Checks every given flag and fills a->s with it (a->s otherwise kept). */
static int apply_flags(struct args *a) {
	struct sv_err err = { "" };
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
	if (a->type != NULL) {
		if ((k = keyword(a->type, types)) < 0) {
			return bad(a, "--type: '%s' is not one of imap, pop3, "
				"smtp", SHOWN(a->type));
		}
		a->s.type = (enum sv_server_type)k;
	}
	int status;
	if ((status = template_flag(a, "--host", a->host, true,
			&a->s.hostname)) != EX_OK) {
		return status;
	}
	if (a->port != NULL) {
		if (sv_cli_int(a->port, 1, 65535, &v) != SV_OK) {
			return bad(a, "--port: '%s' is not a port number "
				"(1..65535)", SHOWN(a->port));
		}
		a->s.port = (int)v;
	}
	if (a->socket != NULL) {
		if ((k = keyword(a->socket, sockets)) < 0) {
			return bad(a, "--socket: '%s' is not one of SSL, "
				"STARTTLS, plain", SHOWN(a->socket));
		}
		a->s.socket = (enum sv_socket)k;
	}
	if (a->auth != NULL && (status = parse_auth(a, a->auth)) != EX_OK) {
		return status;
	}
	for (size_t i = 0; i < a->s.n_auth; i++) {
		if (sv_auth_is_outgoing_only(a->s.auth[i]) &&
				!sv_server_type_is_outgoing(a->s.type)) {
			return bad(a, "--auth: %s is for smtp servers only",
				sv_auth_name(a->s.auth[i]));
		}
	}
	if ((status = template_flag(a, "--username", a->username, false,
			&a->s.username)) != EX_OK) {
		return status;
	}
	if (a->priority != NULL) {
		if (sv_cli_int(a->priority, -2147483647LL - 1, 2147483647LL,
				&v) != SV_OK) {
			return bad(a, "--priority: '%s' is not an integer "
				"(lower comes first)", SHOWN(a->priority));
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

static void warn_port(void *ctx) {
	const struct args *a = ctx;
	char why[SV_ERR_MSG_MAX];
	if (sv_check_port_socket(a->s.type, a->s.port, a->s.socket, why,
			sizeof(why))) {
		sv_cli_error(a->cmd, "warning: %s (stored anyway; see "
			"suivant check)", why);
	}
}

/* Options, then exactly n_pos positional arguments (a->o.args). */
static int parse(int argc, char **argv, struct args *a, int n_pos) {
	int status = sv_cli_getopt(argc, argv, usage, true, options, on_opt,
		a, &a->o);
	if (status >= 0) {
		return status;
	}
	return sv_cli_args(a->cmd, &a->o, n_pos, "SERVER-ID", usage);
}

static int add_change(struct sv_store *st, void *ctx, int *status,
		struct sv_err *err) {
	(void)status;
	struct args *a = ctx;
	return sv_store_server_add(st, a->provider_id, &a->s, &a->s.id, err);
}

/* The server changed, as server list --json shows it. */
static struct json_t *server_json(void *ctx) {
	const struct args *a = ctx;
	return sv_cli_server_json(a->provider_id, &a->s);
}

static void add_text(void *ctx) {
	const struct args *a = ctx;
	printf("%lld\n", (long long)a->s.id);
}

static int server_add(int argc, char **argv) {
	struct args a = { .cmd = "server add" };
	int status = parse(argc, argv, &a, 0);
	if (status >= 0) {
		return status;
	}
	const char *missing = a.provider == NULL ? "--provider ID" :
		a.type == NULL ? "--type imap|pop3|smtp" :
		a.host == NULL ? "--host HOST" : a.port == NULL ? "--port N" :
		a.socket == NULL ? "--socket SSL|STARTTLS|plain" :
		a.all_domains ? "" : NULL;
	if (missing != NULL) {
		sv_cli_error(a.cmd, missing[0] != '\0' ? "%s is required" :
			"--all-domains is for server set", missing);
		return sv_cli_usage_error(usage);
	}
	struct sv_err err = { "" };
	int rc = sv_cli_provider_id(a.provider, "--provider", a.provider_id,
		sizeof(a.provider_id), &err);
	if (rc != SV_OK) {
		return sv_cli_fail(a.cmd, rc, &err);
	}
	a.s.auth[0] = SV_AUTH_PASSWORD_CLEARTEXT;
	a.s.n_auth = 1;
	a.s.username = (char *)"%EMAILADDRESS%";
	a.s.pop3 = (struct sv_pop3_options){ SV_UNSET, -1, SV_UNSET, -1 };
	if ((status = apply_flags(&a)) != EX_OK) {
		return status;
	}
	return sv_cli_write(&(struct sv_cli_write){ .cmd = a.cmd, .opts = &a.o,
		.change = add_change, .committed = warn_port,
		.json = server_json, .text = add_text, .ctx = &a });
}

/* SERVER-ID: a positive integer. */
/* set: the server id, its provider (owned), and the flags' args. */
struct edit {
	struct args *a;
	int64_t id;
	struct sv_provider *pv; /* owned; a->s borrows from it */
};

static int set_change(struct sv_store *st, void *ctx, int *status,
		struct sv_err *err) {
	struct edit *e = ctx;
	size_t idx = 0;
	int rc = sv_store_load_server(st, e->id, &e->pv, &idx, err);
	if (rc != SV_OK) {
		return rc;
	}
	e->a->s = e->pv->servers[idx]; /* borrows from pv */
	if ((*status = apply_flags(e->a)) != EX_OK) {
		return SV_EINVAL;
	}
	return sv_store_server_set(st, &e->a->s, err);
}

static void set_warn(void *ctx) {
	warn_port(((struct edit *)ctx)->a);
}

static struct json_t *set_json(void *ctx) {
	const struct edit *e = ctx;
	return sv_cli_server_json(e->pv->id, &e->a->s);
}

static void set_text(void *ctx) {
	const struct edit *e = ctx;
	printf("changed server %lld of provider %s\n", (long long)e->id,
		e->pv->id);
}

static int server_set(int argc, char **argv) {
	struct args a = { .cmd = "server set" };
	struct edit e = { .a = &a };
	int status = parse(argc, argv, &a, 1);
	if (status >= 0) {
		return status;
	}
	if (a.provider != NULL) {
		sv_cli_error(a.cmd, "--provider: a server cannot move to "
			"another provider (rm it and add it there)");
		return EX_USAGE;
	}
	if (a.type == NULL && a.host == NULL && a.port == NULL &&
			a.socket == NULL && a.auth == NULL &&
			a.username == NULL && a.priority == NULL &&
			a.domain == NULL && !a.all_domains) {
		sv_cli_error(a.cmd, "nothing to change");
		return sv_cli_usage_error(usage);
	}
	if ((status = sv_cli_row_id(a.cmd, "SERVER-ID", "server",
			a.o.args[0], &e.id)) != EX_OK) {
		return status;
	}
	status = sv_cli_write(&(struct sv_cli_write){ .cmd = a.cmd,
		.opts = &a.o, .change = set_change, .committed = set_warn,
		.json = set_json, .text = set_text, .ctx = &e });
	sv_provider_destroy(e.pv);
	return status;
}

static int server_rm(int argc, char **argv) {
	struct args a = { .cmd = "server rm" };
	int64_t id = 0;
	int status = parse(argc, argv, &a, 1);
	if (status >= 0) {
		return status;
	}
	if ((status = sv_cli_row_id(a.cmd, "SERVER-ID", "server",
			a.o.args[0], &id)) != EX_OK) {
		return status;
	}
	return sv_cli_rm_row(a.cmd, &a.o, "server", id, sv_store_server_rm);
}

static int server_list(int argc, char **argv) {
	struct args a = { .cmd = "server list" };
	int status = parse(argc, argv, &a, 0);
	if (status >= 0) {
		return status;
	}
	return sv_cli_list_rows(a.cmd, &a.o, a.provider, sv_cli_print_servers);
}

/* Keep alphabetized. */
static const struct sv_cli_verb verbs[] = {
	{ "add", server_add },
	{ "list", server_list },
	{ "rm", server_rm },
	{ "set", server_set },
};

int sv_cli_server(int argc, char **argv) {
	return sv_cli_dispatch(argc, argv, verbs,
		sizeof(verbs) / sizeof(*verbs), usage);
}
