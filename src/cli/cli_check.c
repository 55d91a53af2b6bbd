/* SPDX-License-Identifier: MIT */
/*
 * suivant check: reads the whole database and lists every problem that
 * check.c finds, provider by provider; the list is the command's data, so
 * it goes to stdout. The exit status is the policy: errors always fail
 * (EX_DATAERR), warnings fail unless --warnings-ok, notices never do.
 */
#include <stdio.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "http/config.h"
#include "model/check.h"
#include "store/store.h"

static const char usage[] =
	"usage: suivant check [--db FILE] [--json] [--warnings-ok]\n"
	"\n"
	"Validates the whole database and lists every problem, one per line,\n"
	"in three severities:\n"
	"  error    a provider, or part of it, is not served: no domain, no\n"
	"           incoming or no outgoing server, a value the validator\n"
	"           refuses such as a template with an unknown placeholder;\n"
	"  warning  served, but probably not meant: SSL on a STARTTLS port\n"
	"           such as 143 or the reverse, a port of another protocol,\n"
	"           a server or service listed twice, a service over plain\n"
	"           http (--allow-insecure), no display name, a type whose\n"
	"           only servers are plain (no TLS), plain servers published\n"
	"           beside TLS ones (provider set --publish-plaintext);\n"
	"  notice   worth knowing, not a problem: passwords over a plain\n"
	"           connection, a plain server left out of the answers\n"
	"           because a TLS one exists, a plain-only type published on\n"
	"           purpose (--publish-plaintext), or a port/socket pairing\n"
	"           the provider is known to run on purpose.\n"
	"Errors always fail the check, warnings fail it unless --warnings-ok,\n"
	"notices never do.\n"
	"\n"
	"  --db FILE      database file (default ./" SV_CONFIG_DEFAULT_DB ")\n"
	"  --json         {\"providers\", \"domains\", \"servers\", \"errors\",\n"
	"                 \"warnings\", \"notices\", \"problems\": [{\"severity\",\n"
	"                 \"provider\", \"server\", \"domain\", \"message\"}]}\n"
	"  --warnings-ok  warnings are listed but do not fail the check\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit status: 0 no error and no warning (or warnings only, with\n"
	"--warnings-ok), 65 errors or warnings found, 66 no such database, 74\n"
	"unreadable database.\n";

static const char *const severity_names[] = {
	[SV_CHECK_ERROR] = "error",
	[SV_CHECK_WARNING] = "warning",
	[SV_CHECK_NOTICE] = "notice",
};

struct tally {
	size_t errors, warnings, notices;
	json_t *problems; /* owned; NULL in text mode or after a failure */
	bool json, failed;
};

static void report(const struct sv_check_problem *p, void *ctx) {
	struct tally *t = ctx;
	const char *severity = severity_names[p->severity];
	t->errors += p->severity == SV_CHECK_ERROR;
	t->warnings += p->severity == SV_CHECK_WARNING;
	t->notices += p->severity == SV_CHECK_NOTICE;
	if (!t->json) {
		printf("%-7s provider %s: %s\n", severity, p->provider,
			p->message);
		return;
	}
	if (t->problems == NULL || json_array_append_new(t->problems,
			json_pack("{s:s, s:s, s:o, s:s?, s:s}", "severity",
			severity, "provider", p->provider,
			"server", p->server != 0 ?
			json_integer(p->server) : json_null(),
			"domain", p->domain, "message", p->message)) != 0) {
		t->failed = true;
	}
}

int sv_cli_check(int argc, char **argv) {
	int warnings_ok = 0;
	const struct option extra[] = {
		{ "warnings-ok", no_argument, &warnings_ok, 1 },
		{ NULL, 0, NULL, 0 },
	};
	struct sv_cli_opts o;
	int status = sv_cli_getopt(argc, argv, usage, true, extra, NULL, NULL,
		&o);
	if (status >= 0 || (status = sv_cli_args("check", &o, 0, NULL,
			usage)) >= 0) {
		return status;
	}
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	if ((status = sv_cli_load_all("check", o.db, &pvs, &n)) != EX_OK) {
		return status;
	}
	struct tally t = { .json = o.json };
	size_t domains = 0, servers = 0;
	if (o.json && (t.problems = json_array()) == NULL) {
		t.failed = true;
	}
	for (size_t i = 0; i < n; i++) {
		sv_check_provider(pvs[i], report, &t);
		domains += pvs[i]->n_domains;
		servers += pvs[i]->n_servers;
	}
	sv_store_free_providers(pvs, n);
	if (o.json) {
		json_t *v = t.failed ? NULL : json_pack("{s:I, s:I, s:I, s:I, "
			"s:I, s:I, s:o}", "providers", (json_int_t)n,
			"domains", (json_int_t)domains,
			"servers", (json_int_t)servers,
			"errors", (json_int_t)t.errors,
			"warnings", (json_int_t)t.warnings,
			"notices", (json_int_t)t.notices,
			"problems", t.problems);
		if (t.failed) {
			json_decref(t.problems);
		}
		status = sv_cli_print_json("check", v);
	} else {
		printf("%zu provider(s), %zu domain(s), %zu server(s): ", n,
			domains, servers);
		if (t.errors + t.warnings == 0) {
			printf("no problems");
		} else {
			printf("%zu error(s), %zu warning(s)", t.errors,
				t.warnings);
		}
		if (t.notices > 0) {
			printf(", %zu notice(s)", t.notices);
		}
		printf("\n");
		status = fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	}
	if (status == EX_OK && (t.errors > 0 ||
			(t.warnings > 0 && !warnings_ok))) {
		sv_cli_error("check", "%zu error(s), %zu warning(s)%s", t.errors,
			t.warnings, t.errors == 0 ? " (--warnings-ok accepts "
			"warnings)" : "");
		status = EX_DATAERR;
	}
	return status;
}
