/* SPDX-License-Identifier: MIT */
/*
 * suivant audit: the web admin's audit trail (store_audit.h), newest
 * first: a table of who changed what and when, or with --json every
 * entry with the object before and after the change.
 */
#include <stdio.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli_audit.h"
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "cli/cli_write.h"
#include "http/config.h"
#include "store/store_audit.h"

static const char usage[] =
	"usage: suivant audit [--db FILE] [--json] [--limit N]\n"
	"\n"
	"Prints the changes made through the web admin (suivant serve\n"
	"--admin-listen), newest first: when (UTC), the account, the action\n"
	"and the provider. With --json, an array of {\"id\", \"time\", \"account\",\n"
	"\"action\", \"provider\", \"before\", \"after\"}, before and after being\n"
	"the object changed (null when there was none).\n"
	"\n"
	"  --limit N      only the N newest entries (default: all)\n"
	SV_CLI_USAGE_OPTIONS("     ")
	"\n"
	"Exit status: 0 done, 64 bad usage, 66 no such database, 74\n"
	"unreadable database, 75 database busy.\n";

enum { OPT_LIMIT = 256 };

void sv_cli_utc_time(int64_t t, char *out, size_t size) {
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL ||
			strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		snprintf(out, size, "%lld", (long long)t);
	}
}

static int on_opt(int val, const char *arg, void *ctx) {
	long long v;
	if (val == OPT_LIMIT) {
		if (sv_cli_int(arg, 1, 1000000000, &v) != SV_OK) {
			sv_cli_error("audit", "--limit: '%s' is not a number in "
				"1..1000000000", arg);
			return EX_USAGE;
		}
		*(size_t *)ctx = (size_t)v;
	}
	return EX_OK;
}

/* A stored JSON text as a value (a string when it does not parse). */
static json_t *json_of(const char *text) {
	if (text == NULL) {
		return json_null();
	}
	json_t *v = json_loads(text, 0, NULL);
	return v != NULL ? v : json_string(text);
}

static int print_json(struct sv_audit_entry *list, size_t n) {
	json_t *arr = json_array();
	for (size_t i = 0; arr != NULL && i < n; i++) {
		char when[32];
		sv_cli_utc_time(list[i].at, when, sizeof(when));
		arr = sv_cli_json_push(arr, json_pack("{s:I, s:s, s:s, s:s, "
			"s:s?, s:o, s:o}", "id", (json_int_t)list[i].id,
			"time", when, "account", list[i].actor,
			"action", list[i].action, "provider",
			list[i].provider_id,
			"before", json_of(list[i].before_json),
			"after", json_of(list[i].after_json)));
	}
	return sv_cli_print_json("audit", arr);
}

int sv_cli_audit(int argc, char **argv) {
	static const struct option extra[] = {
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ NULL, 0, NULL, 0 },
	};
	size_t limit = 0;
	struct sv_cli_opts o;
	int status = sv_cli_getopt(argc, argv, usage, true, extra, on_opt,
		&limit, &o);
	if (status >= 0 || (status = sv_cli_args("audit", &o, 0, NULL,
			usage)) >= 0) {
		return status;
	}
	struct sv_store *st;
	if ((status = sv_cli_open_store("audit", o.db, SV_STORE_READWRITE,
			&st)) != EX_OK) {
		return status;
	}
	struct sv_err err = { "" };
	struct sv_audit_entry *list = NULL;
	size_t n = 0;
	int rc = sv_store_audit_list(st, limit, &list, &n, &err);
	sv_store_close(st);
	if (rc != SV_OK) {
		return sv_cli_db_fail("audit", rc, &err);
	}
	if (o.json) {
		status = print_json(list, n);
	} else {
		struct sv_cli_table t;
		sv_cli_table_init(&t, 4);
		sv_cli_table_add(&t, (const char *const[]){ "TIME", "ACCOUNT",
			"ACTION", "PROVIDER" });
		for (size_t i = 0; i < n; i++) {
			char when[32];
			sv_cli_utc_time(list[i].at, when, sizeof(when));
			sv_cli_table_add(&t, (const char *const[]){ when,
				list[i].actor, list[i].action,
				list[i].provider_id });
		}
		status = sv_cli_table_emit("audit", &t);
	}
	sv_store_audit_free(list, n);
	return status;
}
