/* SPDX-License-Identifier: MIT */
/*
 * suivant serve: its options, checked before anything is bound (the
 * configuration, TLS pair, profile signer, user to become); then
 * sv_cli_serve_run (cli_serve_run.c) serves. The dataset (dataset.h)
 * loads the database and its watcher keeps the served snapshot current
 * from a thread of its own; the HTTP front end answers from it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "answer/sign_cms.h"
#include "cli/cli_output.h"
#include "cli/cli_serve_run.h"
#include "dataset/dataset.h"
#include "http/config.h"
#include "http/http.h"
#include "resolve/mx_resolver.h"
#include "util/log.h"
#include "util/privdrop.h"
#include "webadmin/webadmin.h"

/* Who `serve` becomes when started as root (--user). */
#define SV_SERVE_DEFAULT_USER "suivant"

#define XSTR_(x) #x
#define XSTR(x) XSTR_(x) /* XSTR(64) is "64" */

static const char usage[] =
	"usage: suivant serve [--db FILE] [--listen ADDR:PORT]... [options]\n"
	"\n"
	"Answers mail clients over HTTP (and HTTPS) from FILE (default\n"
	"./" SV_CONFIG_DEFAULT_DB "), created from the bundled data when it does\n"
	"not exist. Edits committed to FILE by other processes are served\n"
	"within a second, without a restart.\n"
	"\n"
	"Endpoints (GET and HEAD; paths in any letter case):\n"
	"  /mail/config-v1.1.xml[?emailaddress=ADDR]   Mozilla autoconfig\n"
	"  /.well-known/autoconfig/mail/config-v1.1.xml   the same\n"
	"  /v1.1/DOMAIN                                 the same, ISPDB style\n"
	"  /autodiscover/autodiscover.xml   Autodiscover v1 (POST; GET: error)\n"
	"  /autodiscover/autodiscover.json?Email=ADDR&Protocol=AutodiscoverV1\n"
	"  /autodiscover/autodiscover.json/v1.0/ADDR?Protocol=AutodiscoverV1\n"
	"  /                                the Apple profile download page\n"
	"  /email.mobileconfig?email=ADDR, /mobileconfig?emailaddress=ADDR\n"
	"  /.well-known/caldav, /.well-known/carddav   301 to the Host's\n"
	"                       calendar or contacts service (also PROPFIND)\n"
	"  /healthz, /metrics   health (JSON) and Prometheus metrics, for\n"
	"                       --admin-allow clients only (these two\n"
	"                       paths exactly as written)\n"
	"  /tls/ask?domain=NAME 200 when a certificate for NAME is worth\n"
	"                       getting (Caddy's on-demand TLS), else 404;\n"
	"                       --admin-allow clients only\n"
	"The web admin, when asked for, has its own listener and paths.\n"
	"\n"
	"  --db FILE            database file\n"
	"  --listen ADDR:PORT   address to listen on, repeatable (default\n"
	"                       " SV_CONFIG_DEFAULT_LISTEN "; [::1]:PORT for IPv6, "
	"port 0 = any free port)\n"
	"  --listen-tls ADDR:PORT  address to serve HTTPS on (TLS 1.2 and 1.3),\n"
	"                       repeatable, combinable with --listen\n"
	"  --tls-cert FILE      certificate chain for --listen-tls and\n"
	"                       --admin-listen (PEM, leaf first); re-read with\n"
	"                       the key on SIGHUP (--listen-tls only)\n"
	"  --tls-key FILE       its private key (PEM, unencrypted)\n"
	"  --threads N          worker threads per listener (default: cores)\n"
	"  --max-connections N  connections per listener; more get 503\n"
	"                       (default " XSTR(SV_CONFIG_DEFAULT_CONN_LIMIT) ")\n"
	"  --max-per-ip N       connections per client (address prefix) and\n"
	"                       listener; more get 503 (default "
	XSTR(SV_CONFIG_DEFAULT_PER_IP_LIMIT) ")\n"
	"  --timeout SECONDS    close a connection that sends nothing for this\n"
	"                       long, mid-request too (default "
	XSTR(SV_CONFIG_DEFAULT_TIMEOUT_S) " s)\n"
	"  --request-timeout SECONDS  close a connection whose request (headers\n"
	"                       and body) is not complete this long after the\n"
	"                       connection or the previous response (default "
	XSTR(SV_CONFIG_DEFAULT_REQUEST_TIMEOUT_S) " s)\n"
	"  --max-header-bytes N memory per connection for the request line\n"
	"                       and headers (default 32768; more gets 431)\n"
	"  --admin-listen ADDR:PORT  serve the web admin there (its accounts:\n"
	"                       suivant admin-user); off by default; a\n"
	"                       non-loopback ADDR needs --tls-cert/--tls-key\n"
	"                       (then HTTPS)\n"
	"  --admin-allow CIDR[,CIDR]  clients that may read /healthz and\n"
	"                       /metrics (default " SV_CONFIG_DEFAULT_ADMIN_ALLOW ")\n"
	"  --admin-reserve N    connections kept over --max-connections for\n"
	"                       --admin-allow clients, admin paths only\n"
	"                       (default " XSTR(SV_CONFIG_DEFAULT_ADMIN_RESERVE) ")\n"
	"  --trusted-proxy CIDR[,CIDR]  proxies whose X-Forwarded-For names\n"
	"                       the client (for logs, --max-per-ip and\n"
	"                       --admin-allow); default none\n"
	"  --ipv4-prefix BITS   one client for --max-per-ip is an IPv4 /BITS\n"
	"                       (default " XSTR(SV_CONFIG_DEFAULT_PREFIX4) ")\n"
	"  --ipv6-prefix BITS   and an IPv6 /BITS (default "
	XSTR(SV_CONFIG_DEFAULT_PREFIX6) ")\n"
	"  --user NAME          started as root: bind, then run as NAME\n"
	"                       (default " SV_SERVE_DEFAULT_USER "); root itself is refused\n"
	"  --log-format F       text (default) or json (one object per line)\n"
	"  --log-file FILE      append the log to FILE instead of stderr\n"
	"                       (reopened on SIGHUP, for log rotation)\n"
	"  --sign-cert FILE     sign Apple profiles with this certificate (PEM)\n"
	"  --sign-key FILE      its private key (PEM, unencrypted; not a TLS key)\n"
	"  --sign-chain FILE    intermediate certificates to include (PEM)\n"
	"  --resolver IP[:PORT] DNS server for MX rows' look-ups (default:\n"
	"                       the system's, /etc/resolv.conf)\n"
	"  --mx-cache N         domains whose MX answer is cached (default\n"
	"                       " XSTR(SV_MX_CACHE_DEFAULT) ")\n"
	"  --mx-max-inflight N  DNS queries outstanding at once; more get 503\n"
	"                       (default " XSTR(SV_MX_INFLIGHT_DEFAULT) ")\n"
	"  --check              load the data, report problems, and exit\n"
	"  -v, --verbose        debug logging\n"
	"  -h, --help           show this help\n"
	"\n"
	"Prints \"ready port=N\" on stdout for each listener once serving\n"
	"(\"ready port=N tls\" for TLS ones; \"ready admin port=N\" for the web\n"
	"admin). SIGHUP re-reads the database\n"
	"and the TLS certificate; SIGTERM stops.\n";

/* A decimal count in 0..max (no sign, no spaces, no "0x"). */
static int parse_count(const char *s, unsigned long max, unsigned long *out) {
	char *end;
	if (s[0] < '0' || s[0] > '9') {
		return SV_EINVAL;
	}
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max) {
		return SV_EINVAL;
	}
	*out = v;
	return SV_OK;
}

/* Appends a --listen or --listen-tls address to its list (n entries). */
static int add_listen(const char **list, size_t *n, const char *opt,
		const char *addr) {
	if (*n == SV_CONFIG_MAX_LISTEN) {
		sv_cli_error("serve", "at most %d --%s", SV_CONFIG_MAX_LISTEN,
			opt);
		return EX_USAGE;
	}
	list[(*n)++] = addr;
	return EX_OK;
}

/* --threads and the limits: numbers, range-checked by sv_config_check. */
static int parse_limit(int c, const char *arg, struct sv_config *cfg) {
	const struct {
		int c;
		const char *name;
		unsigned long max;
		unsigned *field; /* NULL: conn_memory, a size_t */
	} flags[] = {
		{ 't', "--threads", SV_CONFIG_MAX_THREADS, &cfg->threads },
		{ 'm', "--max-connections", SV_CONFIG_MAX_CONN_LIMIT,
			&cfg->conn_limit },
		{ 'p', "--max-per-ip", SV_CONFIG_MAX_CONN_LIMIT,
			&cfg->per_ip_limit },
		{ 'o', "--timeout", SV_CONFIG_MAX_TIMEOUT_S, &cfg->timeout_s },
		{ 'r', "--request-timeout", SV_CONFIG_MAX_TIMEOUT_S,
			&cfg->request_timeout_s },
		{ 'b', "--max-header-bytes", SV_CONFIG_MAX_CONN_MEMORY, NULL },
		{ 'R', "--admin-reserve", SV_CONFIG_MAX_ADMIN_RESERVE,
			&cfg->admin_reserve },
		{ '4', "--ipv4-prefix", 32, &cfg->prefix4 },
		{ '6', "--ipv6-prefix", 128, &cfg->prefix6 },
		{ 'X', "--mx-cache", SV_MX_CACHE_MAX, &cfg->mx_cache },
		{ 'I', "--mx-max-inflight", SV_MX_INFLIGHT_MAX,
			&cfg->mx_max_inflight },
	};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		unsigned long v;
		if (flags[i].c != c) {
			continue;
		}
		if (parse_count(arg, flags[i].max, &v) != SV_OK) {
			sv_cli_error("serve", "%s: '%s' is not a number in "
				"0..%lu", flags[i].name, arg, flags[i].max);
			return EX_USAGE;
		}
		if (flags[i].field != NULL) {
			*flags[i].field = (unsigned)v;
		} else {
			cfg->conn_memory = (size_t)v;
		}
		return EX_OK;
	}
	return EX_SOFTWARE;
}

/*
 * Loads the Apple profile signer named by cfg into cfg->signer. A file
 * that cannot be read is EX_NOINPUT, one that is not what it should be
 * EX_DATAERR. An expired certificate only warns: devices then show the
 * profile as unsigned, which is no reason to stop serving it.
 */
static int load_signer(struct sv_config *cfg) {
	struct sv_err err = { "" };
	cfg->signer = sv_sign_cms_create(cfg->sign_cert, cfg->sign_key,
		cfg->sign_chain, &err);
	if (cfg->signer == NULL) {
		sv_cli_error("serve", "%s", err.msg);
		bool readable = access(cfg->sign_cert, R_OK) == 0 &&
			access(cfg->sign_key, R_OK) == 0 &&
			(cfg->sign_chain == NULL ||
				access(cfg->sign_chain, R_OK) == 0);
		return readable ? EX_DATAERR : EX_NOINPUT;
	}
	time_t expires = sv_sign_cms_expires(cfg->signer);
	if (expires != (time_t)-1 && expires < time(NULL)) {
		sv_log_warnx("sign-cert: %s: the certificate has expired: "
			"devices will show profiles as unsigned",
			cfg->sign_cert);
	}
	char subject[256];
	sv_log_escape(sv_sign_cms_subject(cfg->signer), subject,
		sizeof(subject));
	sv_log_info("signing Apple profiles as %s", subject);
	return EX_OK;
}

/*
 * Started as root: the user to become, resolved before anything is
 * opened (a typo stops serve at once). An exit code.
 */
static int resolve_user(const char *name, struct sv_privdrop_user *out) {
	struct sv_err err = { "" };
	int rc = sv_privdrop_resolve(name, out, &err);
	if (rc == SV_OK) {
		return EX_OK;
	}
	sv_cli_error("serve", "%s; serve does not run as root: give --user "
		"an unprivileged user (default " SV_SERVE_DEFAULT_USER ")",
		err.msg);
	return rc == SV_ENOTFOUND ? EX_NOUSER : EX_USAGE;
}

int sv_cli_serve(int argc, char **argv) {
	static const struct option options[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "listen-tls", required_argument, NULL, 'L' },
		{ "tls-cert", required_argument, NULL, 'T' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "threads", required_argument, NULL, 't' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ "max-per-ip", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 'o' },
		{ "request-timeout", required_argument, NULL, 'r' },
		{ "max-header-bytes", required_argument, NULL, 'b' },
		{ "sign-cert", required_argument, NULL, 'C' },
		{ "sign-key", required_argument, NULL, 'K' },
		{ "sign-chain", required_argument, NULL, 'H' },
		{ "log-format", required_argument, NULL, 'F' },
		{ "admin-allow", required_argument, NULL, 'A' },
		{ "admin-listen", required_argument, NULL, 'a' },
		{ "log-file", required_argument, NULL, 'f' },
		{ "trusted-proxy", required_argument, NULL, 'P' },
		{ "admin-reserve", required_argument, NULL, 'R' },
		{ "ipv4-prefix", required_argument, NULL, '4' },
		{ "ipv6-prefix", required_argument, NULL, '6' },
		{ "user", required_argument, NULL, 'u' },
		{ "resolver", required_argument, NULL, 'D' },
		{ "mx-cache", required_argument, NULL, 'X' },
		{ "mx-max-inflight", required_argument, NULL, 'I' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sv_config cfg;
	struct sv_webadmin_config admin = { .listen = NULL };
	bool check_only = false;
	const char *log_file = NULL;
	const char *user_name = NULL; /* --user; as root, default suivant */
	int c;
	sv_config_init(&cfg);
	optind = 0;
	while ((c = getopt_long(argc, argv, "nvh", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			cfg.db_path = optarg;
			break;
		case 'l':
			if (add_listen(cfg.listen, &cfg.n_listen, "listen",
					optarg) != EX_OK) {
				return EX_USAGE;
			}
			break;
		case 'L':
			if (add_listen(cfg.listen_tls, &cfg.n_listen_tls,
					"listen-tls", optarg) != EX_OK) {
				return EX_USAGE;
			}
			break;
		case 'T':
			cfg.tls_cert = optarg;
			break;
		case 'k':
			cfg.tls_key = optarg;
			break;
		case 't':
		case 'm':
		case 'p':
		case 'o':
		case 'r':
		case 'b':
		case 'R':
		case '4':
		case '6':
		case 'X':
		case 'I':
			if (parse_limit(c, optarg, &cfg) != EX_OK) {
				return EX_USAGE;
			}
			break;
		case 'C':
			cfg.sign_cert = optarg;
			break;
		case 'K':
			cfg.sign_key = optarg;
			break;
		case 'H':
			cfg.sign_chain = optarg;
			break;
		case 'F': {
			enum sv_log_format fmt;
			if (sv_log_parse_format(optarg, &fmt) != SV_OK) {
				sv_cli_error("serve", "--log-format: '%s' is "
					"not text or json", optarg);
				return EX_USAGE;
			}
			sv_log_set_format(fmt);
			break;
		}
		case 'A':
			cfg.admin_allow = optarg;
			break;
		case 'P':
			cfg.trusted_proxy = optarg;
			break;
		case 'u':
			user_name = optarg;
			break;
		case 'D':
			cfg.resolver = optarg;
			break;
		case 'a':
			admin.listen = optarg;
			break;
		case 'f':
			log_file = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 'v':
			sv_log_set_verbose(true);
			break;
		case 'h':
			fputs(usage, stdout);
			return EX_OK;
		default:
			return sv_cli_usage_error(usage);
		}
	}
	if (optind != argc) {
		sv_cli_error("serve", "unexpected argument '%s'", argv[optind]);
		return EX_USAGE;
	}
	struct sv_err err = { "" };
	if (admin.listen != NULL) {
		/* HTTPS whenever a certificate is given; without --listen-tls
		 * it is the web admin's alone */
		admin.db_path = cfg.db_path;
		admin.tls_cert = cfg.tls_cert;
		admin.tls_key = cfg.tls_key;
		if (cfg.n_listen_tls == 0) {
			cfg.tls_cert = cfg.tls_key = NULL;
		}
		if (sv_webadmin_check(&admin, &err) != SV_OK) {
			sv_cli_error("serve", "%s", err.msg);
			return EX_USAGE;
		}
	}
	if (sv_config_check(&cfg, &err) != SV_OK) {
		sv_cli_error("serve", "%s", err.msg);
		return EX_USAGE;
	}
	if (log_file != NULL && sv_log_open_file(log_file, &err) != SV_OK) {
		sv_cli_error("serve", "%s", err.msg);
		return EX_CANTCREAT;
	}
	if (cfg.n_listen_tls != 0 || admin.tls_cert != NULL) {
		/* a bad pair stops us before binding */
		int rc = sv_http_check_tls(cfg.n_listen_tls != 0 ?
			cfg.tls_cert : admin.tls_cert, cfg.n_listen_tls != 0 ?
			cfg.tls_key : admin.tls_key, &err);
		if (rc != SV_OK) {
			sv_cli_error("serve", "%s", err.msg);
			return rc == SV_EIO ? EX_NOINPUT : EX_DATAERR;
		}
	}
	if (cfg.sign_cert != NULL) {
		int st = load_signer(&cfg);
		if (st != EX_OK) {
			return st;
		}
	}
	/* as root: who to become, before anything is bound or created */
	bool as_root = geteuid() == 0 && !check_only;
	struct sv_privdrop_user user = { 0 };
	if (as_root) {
		int st = resolve_user(user_name != NULL ? user_name :
			SV_SERVE_DEFAULT_USER, &user);
		if (st != EX_OK) {
			sv_sign_cms_destroy(cfg.signer);
			return st;
		}
	} else if (user_name != NULL) {
		sv_log_debug("serve: not started as root: --user %s is not "
			"needed", user_name);
	}
	struct sv_dataset *ds = sv_dataset_create(cfg.db_path, &err);
	int status = EX_OSERR;
	if (ds == NULL) {
		sv_cli_error("serve", "%s", err.msg);
	} else {
		status = sv_cli_serve_run(&cfg, check_only,
			as_root ? &user : NULL, ds,
			admin.listen != NULL ? &admin : NULL);
	}
	sv_log_open_file(NULL, NULL); /* back to stderr */
	sv_dataset_destroy(ds); /* every reader has stopped */
	sv_sign_cms_destroy(cfg.signer); /* no request can sign any more */
	return status;
}
