/* SPDX-License-Identifier: MIT */
/*
 * suivant admin-user add|rm|list: the accounts of the web admin (serve
 * --admin-listen). A password never comes from the command line, where
 * ps(1) and shell histories would show it: it is typed on the terminal
 * (twice, without echo) or read from the first line of a file. It is
 * stored as an Argon2id hash (webadmin/admin_auth.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/cli_audit.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "cli/cli_write.h"
#include "http/config.h"
#include "store/store_account.h"
#include "util/alloc.h"
#include "webadmin/admin_auth.h"

static const char usage[] =
	"usage: suivant admin-user add|rm|list [--db FILE] [--json] ...\n"
	"\n"
	"  suivant admin-user add NAME [--password-file FILE]\n"
	"  suivant admin-user rm NAME\n"
	"  suivant admin-user list\n"
	"\n"
	"The accounts that may log in to the web admin (suivant serve\n"
	"--admin-listen). NAME: 1 to 64 letters, digits, '.', '_', '@' or\n"
	"'-'. add asks for the password on the terminal, twice, unless\n"
	"--password-file is given; passwords have 12 to 1024 bytes and are\n"
	"stored as Argon2id hashes. rm also ends the account's sessions.\n"
	"\n"
	"  --password-file FILE  add: the password is FILE's first line\n"
	"                        ('-': standard input), never an argument\n"
	SV_CLI_USAGE_OPTIONS("     ")
	"\n"
	"Exit status: 0 done, 64 bad usage, 65 invalid name or password, or\n"
	"the account exists, 66 no such database, account or file, 74 no\n"
	"terminal to ask on, 75 database busy.\n";

static const struct option file_opt[] = {
	{ "password-file", required_argument, NULL, SV_CLI_OPT_STRING },
	{ NULL, 0, NULL, 0 },
};

/*
 * The group's start (struct sv_cli_group). getopt_long takes any
 * unambiguous abbreviation: "--password SECRET" would be
 * --password-file, and the secret a file name in our messages. Only the
 * whole name is accepted, and what follows is never shown.
 */
static int refuse_abbreviated(const char *cmd, int argc, char **argv,
		void *ctx) {
	static const char full[] = "--password-file";
	(void)ctx;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		size_t n = strcspn(argv[i], "=");
		if (n > 2 && n < sizeof(full) - 1 &&
				strncmp(argv[i], full, n) == 0) {
			sv_cli_error_field(cmd, "--password-file", "spell the "
				"option --password-file in full; a password is "
				"never given on the command line");
			return sv_cli_usage_error(usage);
		}
	}
	return -1;
}

/* Reads one line of f into buf (size SV_ADMIN_PASSWORD_MAX + 2) without
 * its line end; *len its length. false at EOF or when it is too long. */
static bool read_line(FILE *f, char *buf, size_t size, size_t *len) {
	if (fgets(buf, (int)size, f) == NULL) {
		return false;
	}
	size_t n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n') {
		buf[--n] = '\0';
	} else if (n == size - 1) {
		return false; /* no line end within the limit */
	}
	if (n > 0 && buf[n - 1] == '\r') {
		buf[--n] = '\0';
	}
	*len = n;
	return true;
}

/* The password from path's first line ("-": standard input). */
static int password_from_file(const char *cmd, const char *path, char *buf,
		size_t size, size_t *len) {
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL) {
		/* the path is not shown: it may be a mistyped password */
		sv_cli_error_field(cmd, "--password-file", "--password-file: "
			"cannot open the file: %s", strerror(errno));
		return errno == ENOENT ? EX_NOINPUT : EX_IOERR;
	}
	bool ok = read_line(f, buf, size, len);
	if (f != stdin) {
		fclose(f);
	}
	if (!ok) {
		sv_cli_error_field(cmd, "--password-file", "--password-file: "
			"no password line (at most %d bytes)",
			SV_ADMIN_PASSWORD_MAX);
		return EX_DATAERR;
	}
	return EX_OK;
}

/* Asks prompt on the terminal without echo. */
static bool ask(FILE *tty, const char *prompt, char *buf, size_t size,
		size_t *len) {
	struct termios old, quiet;
	int fd = fileno(tty);
	if (tcgetattr(fd, &old) != 0) {
		return false;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	fputs(prompt, tty);
	fflush(tty);
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		return false;
	}
	bool ok = read_line(tty, buf, size, len);
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	fputs("\n", tty);
	return ok;
}

static int password_from_terminal(const char *cmd, char *buf, size_t size,
		size_t *len) {
	FILE *tty = fopen("/dev/tty", "r+");
	if (tty == NULL) {
		sv_cli_error(cmd, "no terminal to ask for the password on: "
			"use --password-file");
		return EX_IOERR;
	}
	char again[SV_ADMIN_PASSWORD_MAX + 2];
	size_t n2 = 0;
	int status = EX_OK;
	if (!ask(tty, "Password: ", buf, size, len) ||
			!ask(tty, "Password again: ", again, sizeof(again),
			&n2)) {
		sv_cli_error(cmd, "cannot read the password from the terminal");
		status = EX_IOERR;
	} else if (n2 != *len || memcmp(again, buf, n2) != 0) {
		sv_cli_error(cmd, "the two passwords differ");
		status = EX_DATAERR;
	}
	memset(again, 0, sizeof(again));
	fclose(tty);
	return status;
}

struct change {
	const char *name;
	char hash[SV_ADMIN_HASH_MAX];
};

static int add_change(struct sv_store *st, void *ctx, struct sv_err *err) {
	const struct change *c = ctx;
	return sv_store_account_add(st, c->name, c->hash, (int64_t)time(NULL),
		err);
}

static struct json_t *add_json(void *ctx) {
	const struct change *c = ctx;
	return json_pack("{s:s}", "account", c->name);
}

static void add_text(void *ctx) {
	const struct change *c = ctx;
	printf("added account %s\n", c->name);
}

/* ctx: the --password-file value (sv_cli_opt_string), or NULL. */
static int user_add(const struct sv_cli_verb_args *a, void *ctx) {
	const char *password_file = *(const char **)ctx;
	struct change c = { .name = a->o.args[0] };
	struct sv_err err = { "" };
	if (sv_store_account_name_check(c.name, &err) != SV_OK) {
		return sv_cli_fail(a->cmd, SV_EINVAL, &err);
	}
	char pw[SV_ADMIN_PASSWORD_MAX + 2];
	size_t len = 0;
	int status = password_file != NULL ? password_from_file(a->cmd,
		password_file, pw, sizeof(pw), &len) :
		password_from_terminal(a->cmd, pw, sizeof(pw), &len);
	int rc = SV_OK;
	if (status == EX_OK) {
		rc = sv_admin_password_hash(pw, len, c.hash, &err);
	}
	memset(pw, 0, sizeof(pw));
	if (status != EX_OK) {
		return status;
	}
	return sv_cli_write_checked(rc, &err, &(struct sv_cli_write){
		.cmd = a->cmd, .opts = &a->o, .change = add_change,
		.json = add_json, .text = add_text, .ctx = &c });
}

static int rm_change(struct sv_store *st, void *ctx, struct sv_err *err) {
	const struct change *c = ctx;
	return sv_store_account_rm(st, c->name, err);
}

static void rm_text(void *ctx) {
	const struct change *c = ctx;
	printf("removed account %s and its sessions\n", c->name);
}

static int user_rm(const struct sv_cli_verb_args *a, void *ctx) {
	(void)ctx;
	struct change c = { .name = a->o.args[0] };
	return sv_cli_write(&(struct sv_cli_write){ .cmd = a->cmd,
		.opts = &a->o, .change = rm_change, .json = add_json,
		.text = rm_text, .ctx = &c });
}

static int user_list(const struct sv_cli_verb_args *a, void *ctx) {
	(void)ctx;
	struct sv_store *st;
	int status = sv_cli_open_store(a->cmd, a->o.db, SV_STORE_READWRITE,
		&st);
	if (status != EX_OK) {
		return status;
	}
	struct sv_err err = { "" };
	struct sv_account *list = NULL;
	size_t n = 0;
	int rc = sv_store_account_list(st, &list, &n, &err);
	sv_store_close(st);
	if (rc != SV_OK) {
		return sv_cli_fail(a->cmd, rc, &err);
	}
	if (a->o.json) {
		json_t *arr = json_array();
		for (size_t i = 0; arr != NULL && i < n; i++) {
			char when[32];
			sv_cli_utc_time(list[i].created_at, when, sizeof(when));
			arr = sv_cli_json_push(arr, json_pack("{s:s, s:s, s:I}",
				"account", list[i].name, "created", when,
				"sessions", (json_int_t)list[i].sessions));
		}
		sv_free(list);
		return sv_cli_print_json(a->cmd, arr);
	}
	struct sv_cli_table t;
	sv_cli_table_init(&t, 3);
	sv_cli_table_add(&t, (const char *const[]){ "ACCOUNT", "CREATED",
		"SESSIONS" });
	for (size_t i = 0; i < n; i++) {
		char when[32], sessions[24];
		sv_cli_utc_time(list[i].created_at, when, sizeof(when));
		snprintf(sessions, sizeof(sessions), "%lld",
			(long long)list[i].sessions);
		sv_cli_table_add(&t, (const char *const[]){ list[i].name, when,
			sessions });
	}
	sv_free(list);
	return sv_cli_table_emit(a->cmd, &t);
}

int sv_cli_admin_user(int argc, char **argv) {
	static const struct sv_cli_group group = {
		.usage = usage, .arg = "NAME", .options = file_opt,
		.on_opt = sv_cli_opt_string, .start = refuse_abbreviated,
		.add = { user_add, true }, .list = { user_list, false },
		.rm = { user_rm, false },
	};
	const char *password_file = NULL; /* borrowed from argv */
	return sv_cli_dispatch(argc, argv, &group, &password_file);
}
