/* SPDX-License-Identifier: MIT */
/*
 * suivant dns: the zone-file records a mail domain needs. The domain is
 * resolved through the same snapshot the server answers from (exact row,
 * longest "*.suffix", "*"), so the records describe exactly the servers
 * its clients are told about; render_dns.c turns them into text.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "cli/cli.h"
#include "answer/render_dns.h"
#include "cli/cli_common.h"
#include "cli/cli_dns_check.h"
#include "cli/cli_output.h"
#include "cli/cli_resolve.h"
#include "dataset/dataset.h"
#include "http/config.h"
#include "model/pacc.h"
#include "resolve/mx_resolver.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/name.h"

static const char usage[] =
	"usage: suivant dns [--db FILE] [--json] DOMAIN [--target HOST] "
	"[--ttl N]\n"
	"                   [--resolver IP[:PORT]]\n"
	"       suivant dns check [--db FILE] [--json] DOMAIN --resolver "
	"IP[:PORT]\n"
	"                   [--target HOST]\n"
	"\n"
	"Prints the DNS records DOMAIN needs, as zone-file lines to add to its\n"
	"zone: autoconfig.DOMAIN and autodiscover.DOMAIN CNAMEs pointing at\n"
	"this service, the _autodiscover._tcp SRV record, and the RFC 6186 /\n"
	"RFC 8314 SRV records (_imaps, _imap, _pop3s, _pop3, _submissions,\n"
	"_submission) of the servers DOMAIN's clients get, host-name templates\n"
	"expanded with DOMAIN, and the RFC 6764 SRV and TXT \"path=\" records\n"
	"(_caldavs, _caldav, _carddavs, _carddav) of its calendar and contacts\n"
	"services; a service that is not offered gets target \".\". Servers\n"
	"whose host name depends on the user are left out, with a comment\n"
	"saying so. A DOMAIN served through an MX row is looked up in the DNS,\n"
	"and the MX host that matched is named in a comment. Then PACC's\n"
	"(" SV_PACC_DRAFT ") ua-auto-config.DOMAIN CNAME and\n"
	"_ua-auto-config.DOMAIN TXT \"v=UAAC1; a=sha256; d=...\": the\n"
	"SHA-256 of the exact bytes `serve` sends for DOMAIN's\n"
	SV_PACC_PATH ", when PACC can say its provider\n"
	"(else a comment; `suivant check` says why).\n"
	"\n"
	"dns check asks the DNS server --resolver names (an authoritative\n"
	"server of the zone, or a resolver) for every one of these records and\n"
	"prints each as ok, missing, differs (with what is published) or\n"
	"extra (an SRV or CNAME record beyond the expected ones).\n"
	"\n"
	"  --target HOST  host name of this autoconfiguration service (default:\n"
	"                 autoconfig.PROVIDER and autodiscover.PROVIDER)\n"
	"  --ttl N        record TTL in seconds (default 3600)\n"
	"  --resolver IP[:PORT]  DNS server for MX look-ups (default: the\n"
	"                 system's); for dns check, the server asked\n"
	"  --db FILE      database file (default ./" SV_CONFIG_DEFAULT_DB ")\n"
	"  --json         {\"domain\", \"provider\", \"pattern\", \"mx_host\", \"ttl\",\n"
	"                 \"records\": [{\"name\", \"type\", \"ttl\", \"target\",\n"
	"                 \"priority\", \"weight\", \"port\"; TXT: \"text\"}],\n"
	"                 \"notes\"}\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit status: 0 done (dns check: every record published), 64 bad\n"
	"usage, 65 invalid DOMAIN, HOST or N (dns check: a record missing or\n"
	"different), 66 no such database or no provider for DOMAIN, 69 the\n"
	"DNS server did not answer.\n";

#define DNS_MAX_TEXT (256 * 1024)

enum { OPT_TARGET = 256, OPT_TTL, OPT_RESOLVER };

static const struct option options[] = {
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "resolver", required_argument, NULL, OPT_RESOLVER },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *target, *ttl, *resolver; /* borrowed from argv */
};

static int on_opt(int val, const char *arg, void *ctx) {
	struct args *a = ctx;
	if (val == OPT_TARGET) {
		a->target = arg;
	} else if (val == OPT_TTL) {
		a->ttl = arg;
	} else if (val == OPT_RESOLVER) {
		a->resolver = arg;
	} else {
		return EX_SOFTWARE;
	}
	return EX_OK;
}

static json_t *zone_json(const struct sv_dns_zone *z, const char *mx_host) {
	json_t *records = json_array();
	json_t *notes = json_array();
	bool failed = records == NULL || notes == NULL;
	for (size_t i = 0; !failed && i < z->n_records; i++) {
		const struct sv_dns_record *r = &z->records[i];
		json_t *o = r->type == SV_DNS_CNAME ?
			json_pack("{s:s, s:s, s:I, s:s}", "name", r->owner,
				"type", "CNAME", "ttl", (json_int_t)z->ttl,
				"target", r->target) :
			r->type == SV_DNS_TXT ?
			json_pack("{s:s, s:s, s:I, s:s}", "name", r->owner,
				"type", "TXT", "ttl", (json_int_t)z->ttl,
				"text", r->text) :
			json_pack("{s:s, s:s, s:I, s:s, s:i, s:i, s:i}",
				"name", r->owner, "type", "SRV",
				"ttl", (json_int_t)z->ttl, "target", r->target,
				"priority", r->priority, "weight", r->weight,
				"port", r->port);
		failed = json_array_append_new(records, o) != 0;
	}
	for (size_t i = 0; !failed && i < z->n_notes; i++) {
		failed = json_array_append_new(notes,
			json_string(z->notes[i])) != 0;
	}
	if (failed) {
		json_decref(records);
		json_decref(notes);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:s, s:s?, s:I, s:o, s:o}", "domain",
		z->domain, "provider", z->provider, "pattern", z->pattern,
		"mx_host", mx_host, "ttl", (json_int_t)z->ttl, "records",
		records, "notes", notes);
}

/*
 * PACC's records, from the very bytes `serve` sends for domain: the
 * snapshot's compiled answer filled with the domain alone, as
 * sv_http_pacc does (none when PACC cannot say the provider).
 */
static int add_pacc(const struct sv_snapshot_match *m, const char *domain,
		const char *target, struct sv_dns_zone *z, struct sv_err *err) {
	struct sv_buf doc;
	const char *ct;
	struct sv_answer_facts facts = { .domain = domain };
	sv_buf_init(&doc, DNS_MAX_TEXT);
	int rc = sv_snapshot_answer_of(m, SV_FORMAT_PACC, &facts, &doc, &ct);
	if (rc == SV_ENOTFOUND) {
		rc = sv_render_dns_add_pacc(z, target, NULL, 0, err);
	} else if (rc != SV_OK) {
		rc = sv_errf(err, rc, "the PACC document: %s", sv_rc_str(rc));
	} else {
		rc = sv_render_dns_add_pacc(z, target, doc.data, doc.len, err);
	}
	sv_buf_finish(&doc);
	return rc;
}

/* Renders and prints; an exit code. */
static int print_zone(const struct sv_dns_zone *z, const char *mx_host,
		bool json) {
	if (json) {
		return sv_cli_print_json("dns", zone_json(z, mx_host));
	}
	if (mx_host != NULL) {
		printf("; %s is served through its MX host %s\n", z->domain,
			mx_host);
	}
	struct sv_buf out;
	sv_buf_init(&out, DNS_MAX_TEXT);
	int rc = sv_render_dns_zone(z, &out);
	int status = sv_cli_print_doc("dns", rc, &out, "render",
		"the records");
	sv_buf_finish(&out);
	return status;
}

int sv_cli_dns(int argc, char **argv) {
	struct args a = { 0 };
	struct sv_cli_opts o;
	int status = sv_cli_getopt(argc, argv, usage, true, options, on_opt,
		&a, &o);
	if (status >= 0) {
		return status;
	}
	/* dns check DOMAIN: the same records, compared with a server's */
	bool check = o.n_args >= 1 && strcmp(o.args[0], "check") == 0;
	if (check) {
		o.args++;
		o.n_args--;
	}
	if ((status = sv_cli_args(check ? "dns check" : "dns", &o, 1,
			"DOMAIN", usage)) >= 0) {
		return status;
	}
	struct sv_err err = { "" };
	char domain[SV_DOMAIN_MAX + 1], target[SV_DOMAIN_MAX + 1];
	char shown[80];
	const char *arg = o.args[0];
	if (sv_domain_normalize(arg, strlen(arg), domain, sizeof(domain),
			&err) != SV_OK) {
		sv_cli_error("dns", "DOMAIN: '%s': %s",
			sv_log_escape(arg, shown, sizeof(shown)), err.msg);
		return EX_DATAERR;
	}
	if (a.target != NULL && sv_domain_normalize(a.target,
			strlen(a.target), target, sizeof(target), &err) != SV_OK) {
		sv_cli_error("dns", "--target: '%s': %s",
			sv_log_escape(a.target, shown, sizeof(shown)), err.msg);
		return EX_DATAERR;
	}
	if (check && a.resolver == NULL) {
		sv_cli_error("dns check", "--resolver IP[:PORT] is required: "
			"the DNS server to ask");
		return EX_USAGE;
	}
	if (check && sv_mx_resolver_check_server(a.resolver, &err) !=
			SV_OK) {
		sv_cli_error("dns check", "%s", err.msg);
		return EX_USAGE;
	}
	long long ttl = SV_DNS_DEFAULT_TTL;
	if (a.ttl != NULL && sv_cli_int(a.ttl, 0, SV_DNS_MAX_TTL, &ttl) !=
			SV_OK) {
		sv_cli_error("dns", "--ttl: '%s' is not a number of seconds "
			"(0..%ld)", sv_log_escape(a.ttl, shown, sizeof(shown)),
			SV_DNS_MAX_TTL);
		return EX_DATAERR;
	}
	struct sv_snapshot *snap;
	int rc = sv_dataset_read(o.db, 1, &snap, &err);
	if (rc != SV_OK) {
		return sv_cli_db_fail("dns", rc, &err);
	}
	struct sv_snapshot_match m;
	struct sv_dns_zone *z = NULL;
	struct sv_cli_mx mx;
	rc = sv_cli_resolve(snap, domain, a.resolver, &m, &mx, &err);
	if (rc == SV_EIO || rc == SV_EINVAL || rc == SV_ENOMEM) {
		sv_cli_error("dns", "%s", err.msg);
		status = rc == SV_EINVAL ? EX_USAGE : rc == SV_EIO ?
			EX_UNAVAILABLE : EX_OSERR;
	} else if (rc != SV_OK) {
		sv_cli_error("dns", "no provider serves %s%s%s%s", domain,
			mx.status != NULL ? " (MX look-up: " : "",
			mx.status != NULL ? mx.status : "",
			mx.status != NULL ? ")" : "");
		status = EX_NOINPUT;
	} else if ((z = sv_calloc(1, sizeof(*z))) == NULL) {
		sv_cli_error("dns", "out of memory");
		status = EX_OSERR;
	} else if (sv_render_dns_records(m.provider, m.pattern, domain,
			a.target != NULL ? target : NULL, (long)ttl, z, &err)
			!= SV_OK || add_pacc(&m, domain, a.target != NULL ?
			target : NULL, z, &err) != SV_OK) {
		sv_cli_error("dns", "%s", err.msg);
		status = EX_DATAERR;
	} else if (check) {
		status = sv_cli_dns_check(z, a.resolver, o.json);
	} else {
		status = print_zone(z, m.mx_host, o.json);
	}
	sv_free(z);
	sv_snapshot_release(snap);
	return status;
}
