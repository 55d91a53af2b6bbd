/* SPDX-License-Identifier: MIT */
/*
 * suivant sync: a provider's customer domains from the hoster's own mail
 * database (PostfixAdmin, iRedMail, ISPConfig, mailcow...). One query's
 * first column is read row by row (source/sql_source.h), each value
 * normalised as `domain add` would, and the provider's synced rows
 * replaced in one transaction (sv_store_sync_domains); a running `serve`
 * picks the change up through its live reload. With --every the command
 * repeats until SIGTERM, each failure logged and retried at the next
 * period (a systemd timer running it once is the other way:
 * deploy/suivant-sync.timer).
 */
#define _DEFAULT_SOURCE /* explicit_bzero, beside POSIX */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "http/config.h"
#include "source/sql_source.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/name.h"

static const char usage[] =
	"usage: suivant sync --provider ID --from URL --query SQL [--every SECONDS]\n"
	"                    [--allow-shrink] [--password-file FILE] [--db FILE]\n"
	"                    [--json]\n"
	"\n"
	"Makes the first column of every row SQL returns the domains of\n"
	"provider ID: names are normalised (lower case, trailing dot removed,\n"
	"internationalised names as A-labels), invalid ones skipped and\n"
	"counted, and the provider's synced domain rows replaced in one\n"
	"transaction. Rows added by hand (domain add, import) are kept; a\n"
	"domain another provider owns is reported, not moved. `serve` picks\n"
	"the change up within a second.\n"
	"\n"
	"  --provider ID        the provider the domains belong to\n"
	"  --from URL           postgresql://[USER@][HOST][:PORT][/DB][?...] or\n"
	"                       mysql://[USER@][HOST][:PORT][/DB][?socket=PATH]\n"
	"                       (never with a password in it)\n"
	"  --query SQL          e.g. \"SELECT domain FROM domain WHERE active\"\n"
	"  --password-file FILE the database password, its first line (else\n"
	"                       PGPASSWORD or ~/.pgpass; MYSQL_PWD)\n"
	"  --allow-shrink       accept an empty result, or losing more than\n"
	"                       10% of the synced domains at once\n"
	"  --every SECONDS      sync again every SECONDS until SIGTERM\n"
	"  --db FILE            database file (default ./" SV_CONFIG_DEFAULT_DB ")\n"
	"  --json               the report as JSON on stdout\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 done, 64 bad usage, 65 refused (empty result, or a\n"
	"shrink over 10%), 66 no such database, provider or password file,\n"
	"69 the source database cannot be reached, 74 the query or the local\n"
	"database failed, 75 local database busy. On any failure nothing\n"
	"changes.\n";

#define CMD "sync"
#define EVERY_MAX (7 * 24 * 3600)
#define PASSWORD_MAX 1024
#define EXAMPLES 3

enum {
	OPT_PROVIDER = 256, OPT_FROM, OPT_QUERY, OPT_EVERY, OPT_SHRINK,
	OPT_PASSWORD_FILE,
};

static const struct option options[] = {
	{ "provider", required_argument, NULL, OPT_PROVIDER },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "query", required_argument, NULL, OPT_QUERY },
	{ "every", required_argument, NULL, OPT_EVERY },
	{ "allow-shrink", no_argument, NULL, OPT_SHRINK },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *provider, *from, *query, *every, *password_file;
	bool allow_shrink;
};

static int on_opt(int val, const char *arg, void *ctx) {
	struct args *a = ctx;
	switch (val) {
	case OPT_PROVIDER: a->provider = arg; break;
	case OPT_FROM: a->from = arg; break;
	case OPT_QUERY: a->query = arg; break;
	case OPT_EVERY: a->every = arg; break;
	case OPT_SHRINK: a->allow_shrink = true; break;
	case OPT_PASSWORD_FILE: a->password_file = arg; break;
	default: return EX_SOFTWARE;
	}
	return EX_OK;
}

/* The names read: NUL-separated in one buffer (a million small strings
 * would cost a million allocations), and what was refused. */
struct names {
	struct sv_buf arena;
	size_t n;
	size_t invalid;
	char examples[EXAMPLES][96];
};

static int take_row(void *ctx, const char *v, size_t len) {
	struct names *ns = ctx;
	char name[SV_DOMAIN_MAX + 1];
	if (v == NULL || memchr(v, '*', len) != NULL ||
			sv_domain_normalize(v, len, name, sizeof(name), NULL) !=
			SV_OK) {
		if (ns->invalid < EXAMPLES) {
			char shown[80], raw[80];
			size_t k = len < sizeof(raw) - 1 ? len : sizeof(raw) - 1;
			if (v != NULL) {
				memcpy(raw, v, k);
			}
			raw[v != NULL ? k : 0] = '\0';
			snprintf(ns->examples[ns->invalid],
				sizeof(ns->examples[0]), v == NULL ? "NULL" :
				"'%s'", sv_log_escape(raw, shown, sizeof(shown)));
		}
		ns->invalid++;
		return SV_OK;
	}
	ns->n++;
	return sv_buf_append(&ns->arena, name, strlen(name) + 1);
}

/* The password file's first line, into out[PASSWORD_MAX]. */
static int read_password(const char *path, char *out) {
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		sv_cli_error_field(CMD, "--password-file", "--password-file: "
			"%s: %s", path, strerror(errno));
		return errno == ENOENT ? EX_NOINPUT : EX_IOERR;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 0077) != 0) {
		sv_cli_note(CMD, "--password-file: %s can be read by other "
			"users (chmod 600 it)", path);
	}
	bool ok = fgets(out, PASSWORD_MAX, f) != NULL;
	fclose(f);
	if (!ok) {
		sv_cli_error_field(CMD, "--password-file",
			"--password-file: %s: empty", path);
		return EX_DATAERR;
	}
	out[strcspn(out, "\r\n")] = '\0';
	return EX_OK;
}

static int exit_of(int rc) {
	switch (rc) {
	case SV_EIO: return EX_UNAVAILABLE;
	case SV_EDB: return EX_IOERR;
	case SV_EINVAL: return EX_DATAERR;
	default: return sv_cli_db_exit_code(rc);
	}
}

static json_t *report_json(const char *pid, const struct names *ns,
		const struct sv_store_sync *r) {
	json_t *ex = json_array(), *conflicts = json_array();
	bool failed = ex == NULL || conflicts == NULL;
	for (size_t i = 0; !failed && i < ns->invalid && i < EXAMPLES; i++) {
		failed = json_array_append_new(ex,
			json_string(ns->examples[i])) != 0;
	}
	for (size_t i = 0; !failed && i < r->n_examples; i++) {
		failed = json_array_append_new(conflicts, json_pack(
			"{s:s, s:s}", "domain", r->conflicts[i].name,
			"provider", r->conflicts[i].owner)) != 0;
	}
	if (failed) {
		json_decref(ex);
		json_decref(conflicts);
		return NULL;
	}
	return json_pack("{s:s, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, "
		"s:o}", "provider", pid, "read", (json_int_t)(ns->n + ns->invalid),
		"invalid", (json_int_t)ns->invalid, "invalid_examples", ex,
		"added", (json_int_t)r->added, "removed", (json_int_t)r->removed,
		"unchanged", (json_int_t)r->kept, "by_hand", (json_int_t)r->hand,
		"conflicts", (json_int_t)r->conflict, "conflict_examples",
		conflicts);
}

static void report_text(const char *pid, const struct names *ns,
		const struct sv_store_sync *r) {
	printf("synced %s: %zu names read, %zu invalid", pid,
		ns->n + ns->invalid, ns->invalid);
	for (size_t i = 0; i < ns->invalid && i < EXAMPLES; i++) {
		printf("%s%s", i == 0 ? " (e.g. " : ", ", ns->examples[i]);
	}
	printf("%s; %zu added, %zu removed, %zu unchanged, %zu kept as added "
		"by hand, %zu owned by another provider", ns->invalid > 0 ?
		")" : "", r->added, r->removed, r->kept, r->hand, r->conflict);
	for (size_t i = 0; i < r->n_examples; i++) {
		printf("%s%s (%s)", i == 0 ? ": " : ", ", r->conflicts[i].name,
			r->conflicts[i].owner);
	}
	printf("%s\n", r->conflict > r->n_examples ? ", ..." : "");
}

/* One sync; an exit code. */
static int sync_once(const struct args *a, const char *pid,
		const char *password, const struct sv_cli_opts *o) {
	struct names ns = { .n = 0 };
	struct sv_err err = { "" };
	sv_buf_init(&ns.arena, SIZE_MAX);
	int rc = sv_sql_source_read(a->from, password, a->query, take_row,
		&ns, &err);
	if (rc != SV_OK) {
		if (rc == SV_ENOMEM) {
			sv_errf(&err, rc, "out of memory reading the rows");
		}
		sv_cli_error_field(CMD, "--from", "%s", err.msg);
		sv_buf_finish(&ns.arena);
		return exit_of(rc);
	}
	const char **names = sv_reallocarray(NULL, ns.n ? ns.n : 1,
		sizeof(*names));
	if (names == NULL) {
		sv_buf_finish(&ns.arena);
		sv_cli_error(CMD, "out of memory");
		return EX_OSERR;
	}
	for (size_t i = 0, off = 0; i < ns.n; i++) {
		names[i] = ns.arena.data + off;
		off += strlen(names[i]) + 1;
	}
	struct sv_store *st;
	int status = sv_cli_open_store(CMD, o->db, SV_STORE_READWRITE, &st);
	struct sv_store_sync r;
	if (status == EX_OK) {
		rc = sv_store_sync_domains(st, pid, names, ns.n,
			a->allow_shrink, &r, &err);
		sv_store_close(st);
		if (rc != SV_OK) {
			sv_cli_error(CMD, "%s", err.msg);
			status = rc == SV_EINVAL ? EX_DATAERR :
				sv_cli_db_exit_code(rc);
		} else if (o->json) {
			status = sv_cli_print_json(CMD, report_json(pid, &ns,
				&r));
		} else {
			report_text(pid, &ns, &r);
			fflush(stdout);
		}
	}
	sv_free(names);
	sv_buf_finish(&ns.arena);
	return status;
}

/* Syncs every period until SIGINT or SIGTERM: 0 then. */
static int sync_every(const struct args *a, long long every,
		const char *pid, const char *password,
		const struct sv_cli_opts *o) {
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	for (;;) {
		int status = sync_once(a, pid, password, o);
		if (status != EX_OK) {
			sv_log_warnx("sync %s failed (exit %d); next try in "
				"%lld s", pid, status, every);
		}
		struct timespec t = { (time_t)every, 0 };
		int sig = sigtimedwait(&stop, NULL, &t);
		if (sig == SIGINT || sig == SIGTERM) {
			return EX_OK;
		}
	}
}

int sv_cli_sync(int argc, char **argv) {
	struct args a = { .provider = NULL };
	struct sv_cli_opts o;
	int status = sv_cli_getopt(argc, argv, usage, true, options, on_opt,
		&a, &o);
	if (status >= 0 || (status = sv_cli_args(CMD, &o, 0, NULL, usage)) >=
			0) {
		return status;
	}
	if (a.provider == NULL || a.from == NULL || a.query == NULL) {
		sv_cli_error(CMD, "--provider, --from and --query are required");
		return sv_cli_usage_error(usage);
	}
	struct sv_err err = { "" };
	char pid[SV_CLI_DOMAIN_ROW_MAX];
	if (sv_cli_provider_id(a.provider, "--provider", pid, sizeof(pid),
			&err) != SV_OK || sv_sql_source_check_url(a.from, &err) !=
			SV_OK) {
		sv_cli_error(CMD, "%s", err.msg);
		return EX_USAGE;
	}
	long long every = 0;
	if (a.every != NULL && sv_cli_int(a.every, 1, EVERY_MAX, &every) !=
			SV_OK) {
		sv_cli_error(CMD, "--every: '%.40s' is not a number of seconds "
			"in 1..%d", a.every, EVERY_MAX);
		return EX_USAGE;
	}
	char password[PASSWORD_MAX];
	if (a.password_file != NULL &&
			(status = read_password(a.password_file, password)) !=
			EX_OK) {
		return status;
	}
	const char *pw = a.password_file != NULL ? password : NULL;
	status = every > 0 ? sync_every(&a, every, pid, pw, &o) :
		sync_once(&a, pid, pw, &o);
	explicit_bzero(password, sizeof(password));
	return status;
}
