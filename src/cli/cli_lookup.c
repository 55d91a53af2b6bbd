/* SPDX-License-Identifier: MIT */
/*
 * suivant lookup: print exactly what a mail client receives for an
 * address, through the same snapshot and answer code as the server.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "dataset/dataset.h"
#include "http/config.h"
#include "request/address.h"
#include "util/buf.h"

static const char usage[] =
	"usage: suivant lookup [--db FILE] [--format FORMAT] [--resolver IP[:PORT]]\n"
	"                      EMAIL\n"
	"\n"
	"Prints the document that `suivant serve` sends for EMAIL,\n"
	"placeholders expanded (for caldav and carddav, the redirect target\n"
	"and a newline). When an MX row decides (a domain without a row of\n"
	"its own), its MX records are looked up and the MX host that matched\n"
	"is named on stderr.\n"
	"\n"
	"  --db FILE        database file (default ./" SV_CONFIG_DEFAULT_DB ")\n"
	"  --format FORMAT  autoconfig: Mozilla config-v1.1.xml (default)\n"
	"                   mobileconfig: Apple configuration profile (unsigned)\n"
	"                   autodiscover: Microsoft Autodiscover (POX, Outlook)\n"
	"                   caldav, carddav: where /.well-known/caldav or\n"
	"                   /.well-known/carddav redirects (RFC 6764)\n"
	"  --resolver IP[:PORT]  DNS server for MX look-ups (default: the\n"
	"                   system's)\n"
	"  -h, --help       show this help\n";

#define LOOKUP_MAX_ANSWER (1024 * 1024)

enum { OPT_FORMAT = 256, OPT_RESOLVER };

struct args {
	enum sv_format format;
	const char *resolver; /* borrowed from argv */
};

static int on_opt(int val, const char *arg, void *ctx) {
	struct args *a = ctx;
	if (val == OPT_FORMAT && sv_format_parse(arg, &a->format) != SV_OK) {
		sv_cli_error("lookup", "--format: unknown format '%s' "
			"(autoconfig, mobileconfig, autodiscover, caldav, "
			"carddav)", arg);
		return EX_USAGE;
	}
	if (val == OPT_RESOLVER) {
		a->resolver = arg;
	}
	return EX_OK;
}

int sv_cli_lookup(int argc, char **argv) {
	static const struct option extra[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "resolver", required_argument, NULL, OPT_RESOLVER },
		{ NULL, 0, NULL, 0 },
	};
	struct args a = { .format = SV_FORMAT_AUTOCONFIG };
	struct sv_cli_opts opts;
	int parsed = sv_cli_getopt(argc, argv, usage, false, extra, on_opt,
		&a, &opts);
	if (parsed >= 0) {
		return parsed;
	}
	if (opts.n_args != 1) {
		return sv_cli_usage_error(usage);
	}
	const char *db = opts.db;
	struct sv_err err = { "" };
	struct sv_address addr;
	const char *email = opts.args[0];
	if (sv_address_parse(email, strlen(email), &addr, &err) != SV_OK) {
		sv_cli_error("lookup", "%s", err.msg);
		return EX_DATAERR;
	}
	struct sv_snapshot *snap;
	int rc = sv_dataset_read(db, 1, &snap, &err);
	if (rc != SV_OK) {
		return sv_cli_db_fail("lookup", rc, &err);
	}
	struct sv_answer_facts facts = sv_answer_facts_of_address(&addr);
	struct sv_buf out;
	const char *content_type = NULL;
	sv_buf_init(&out, LOOKUP_MAX_ANSWER);
	struct sv_snapshot_match m;
	struct sv_cli_mx mx;
	rc = sv_cli_resolve(snap, addr.domain, a.resolver, &m, &mx, &err);
	bool served = rc == SV_OK;
	if (rc == SV_OK && m.mx_host != NULL) {
		sv_cli_note("lookup", "%s: MX host %s matches row %s of "
			"provider %s", addr.domain, m.mx_host, m.pattern,
			m.provider->id);
	}
	if (rc == SV_OK) {
		rc = sv_snapshot_answer_of(&m, a.format, &facts, &out,
			&content_type);
	}
	int status;
	if (rc == SV_ENOTFOUND && served) {
		sv_cli_error("lookup", "domain %s has no %s service",
			addr.domain, sv_format_name(a.format));
		status = EX_NOINPUT;
	} else if (rc == SV_ENOTFOUND) {
		sv_cli_error("lookup", "no configuration for domain %s%s%s%s",
			addr.domain, mx.status != NULL ? " (MX look-up: " : "",
			mx.status != NULL ? mx.status : "",
			mx.status != NULL ? ")" : "");
		status = EX_NOINPUT;
	} else if (rc == SV_EIO || rc == SV_EINVAL) {
		sv_cli_error("lookup", "%s", err.msg);
		status = rc == SV_EINVAL ? EX_USAGE : EX_UNAVAILABLE;
	} else {
		/* a redirect target is a line, not a document */
		if (rc == SV_OK && (a.format == SV_FORMAT_CALDAV ||
				a.format == SV_FORMAT_CARDDAV)) {
			rc = sv_buf_append(&out, "\n", 1);
		}
		status = sv_cli_print_doc("lookup", rc, &out, "build",
			"the answer");
	}
	sv_buf_finish(&out);
	sv_snapshot_release(snap);
	return status;
}
