/* SPDX-License-Identifier: MIT */
/*
 * suivant lookup: print exactly what a mail client receives for an
 * address, through the same snapshot and answer code as the server:
 * --format names the document, --as the client, whose request decides
 * the document and what of the address it carries (the table below, the
 * README's client matrix).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "answer/render_settings.h"
#include "answer/render_settings_text.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "cli/cli_resolve.h"
#include "dataset/dataset.h"
#include "http/config.h"
#include "request/address.h"
#include "util/buf.h"

static const char usage[] =
	"usage: suivant lookup [--db FILE] [--format FORMAT | --as CLIENT]\n"
	"                      [--resolver IP[:PORT]] EMAIL\n"
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
	"                   evolution: config-v1.1.xml as Evolution gets it\n"
	"                   autodiscover-domain: Autodiscover for a GET, no\n"
	"                   address\n"
	"                   pacc: PACC's user-agent-configuration.json\n"
	"                   settings, settings-en: the settings page's table\n"
	"                   as text (French, English)\n"
	"                   settings-html, settings-html-en: the settings page\n"
	"                   (GET /settings?email=EMAIL)\n"
	"                   mobilesync: Autodiscover, ActiveSync schema\n"
	"                   autodiscover-v2-activesync, autodiscover-v2-ews:\n"
	"                   Autodiscover v2 JSON for Protocol=ActiveSync, EWS\n"
	"  --as CLIENT      what CLIENT is sent when its user types EMAIL:\n"
	"                   thunderbird, android (Thunderbird for Android, K-9),\n"
	"                   evolution, kmail, outlook, apple, deltachat\n"
	"  --resolver IP[:PORT]  DNS server for MX look-ups (default: the\n"
	"                   system's)\n"
	"  -h, --help       show this help\n";

#define LOOKUP_MAX_ANSWER (1024 * 1024)

/*
 * What each client asks (README, "Clients"): the document, and whether
 * its request carries the address, none (the domain alone) or
 * Evolution's stand-in for it.
 */
enum sends { SENDS_ADDRESS, SENDS_DOMAIN, SENDS_EVOLUTION_USER };

static const struct client {
	const char *name;
	enum sv_format format;
	enum sends sends;
} clients[] = {
	{ "thunderbird", SV_FORMAT_AUTOCONFIG, SENDS_ADDRESS },
	{ "android", SV_FORMAT_AUTOCONFIG, SENDS_DOMAIN },
	{ "evolution", SV_FORMAT_EVOLUTION, SENDS_EVOLUTION_USER },
	{ "kmail", SV_FORMAT_AUTOCONFIG, SENDS_DOMAIN },
	{ "outlook", SV_FORMAT_AUTODISCOVER, SENDS_ADDRESS },
	{ "apple", SV_FORMAT_MOBILECONFIG, SENDS_ADDRESS },
	{ "deltachat", SV_FORMAT_AUTOCONFIG, SENDS_ADDRESS },
};

enum { OPT_FORMAT = 256, OPT_AS, OPT_RESOLVER };

/* The settings table as text: not a compiled answer (nothing serves
 * it), written from the same table as the page (render_settings.h). */
static const struct text_format {
	const char *name;
	enum sv_settings_lang lang;
} text_formats[] = {
	{ "settings", SV_SETTINGS_FR },
	{ "settings-en", SV_SETTINGS_EN },
};

struct choice {
	const struct text_format *text; /* NULL: a compiled answer */
	enum sv_format format;
	const struct client *client; /* NULL: --format, the address sent */
	bool format_given;
	const char *resolver; /* borrowed from argv */
};

static int on_opt(int val, const char *arg, void *ctx) {
	struct choice *c = ctx;
	if (val == OPT_FORMAT) {
		c->text = NULL;
		for (size_t i = 0; i < sizeof(text_formats) /
				sizeof(*text_formats); i++) {
			if (strcmp(arg, text_formats[i].name) == 0) {
				c->text = &text_formats[i];
			}
		}
		if (c->text == NULL &&
				sv_format_parse(arg, &c->format) != SV_OK) {
			sv_cli_error("lookup", "--format: unknown format '%s' "
				"(autoconfig, mobileconfig, autodiscover, "
				"caldav, carddav, evolution, "
				"autodiscover-domain, pacc, settings, "
				"settings-en, settings-html, settings-html-en, "
				"mobilesync, autodiscover-v2-activesync, "
				"autodiscover-v2-ews)", arg);
			return EX_USAGE;
		}
		c->format_given = true;
		return EX_OK;
	}
	if (val == OPT_RESOLVER) {
		c->resolver = arg;
		return EX_OK;
	}
	for (size_t i = 0; i < sizeof(clients) / sizeof(*clients); i++) {
		if (strcmp(arg, clients[i].name) == 0) {
			c->client = &clients[i];
			return EX_OK;
		}
	}
	sv_cli_error("lookup", "--as: unknown client '%s' (thunderbird, "
		"android, evolution, kmail, outlook, apple, deltachat)", arg);
	return EX_USAGE;
}

/*
 * The request's facts for addr as c sends them, into *facts (borrowing
 * from addr or *stand_in), built by the functions the HTTP endpoints use.
 */
static int client_facts(const struct client *c, const struct sv_address *addr,
		struct sv_address *stand_in, struct sv_answer_facts *facts,
		struct sv_err *err) {
	char fake[SV_ADDRESS_MAX + 1];
	switch (c->sends) {
	case SENDS_ADDRESS:
		*facts = sv_answer_facts_of_address(addr);
		return SV_OK;
	case SENDS_DOMAIN:
		*facts = (struct sv_answer_facts){ .domain = addr->domain };
		return SV_OK;
	case SENDS_EVOLUTION_USER:
		break;
	}
	int n = snprintf(fake, sizeof(fake), SV_ADDRESS_EVOLUTION_USER "@%s",
		addr->domain);
	if (n < 0 || (size_t)n >= sizeof(fake)) {
		return sv_errf(err, SV_ETOOBIG, "domain too long for "
			SV_ADDRESS_EVOLUTION_USER "@DOMAIN");
	}
	int rc = sv_address_parse(fake, (size_t)n, stand_in, err);
	if (rc == SV_OK) {
		*facts = sv_answer_facts_of_evolution(stand_in);
	}
	return rc;
}

int sv_cli_lookup(int argc, char **argv) {
	static const struct option extra[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "as", required_argument, NULL, OPT_AS },
		{ "resolver", required_argument, NULL, OPT_RESOLVER },
		{ NULL, 0, NULL, 0 },
	};
	struct choice choice = { .format = SV_FORMAT_AUTOCONFIG };
	struct sv_cli_opts opts;
	int parsed = sv_cli_getopt(argc, argv, usage, false, extra, on_opt,
		&choice, &opts);
	if (parsed >= 0) {
		return parsed;
	}
	if (opts.n_args != 1) {
		return sv_cli_usage_error(usage);
	}
	if (choice.client != NULL && choice.format_given) {
		sv_cli_error("lookup", "--as and --format exclude each other: "
			"the client decides the document");
		return sv_cli_usage_error(usage);
	}
	const char *db = opts.db;
	struct sv_err err = { "" };
	struct sv_address addr, stand_in;
	const char *email = opts.args[0];
	if (sv_address_parse(email, strlen(email), &addr, &err) != SV_OK) {
		sv_cli_error("lookup", "%s", err.msg);
		return EX_DATAERR;
	}
	struct sv_answer_facts facts = sv_answer_facts_of_address(&addr);
	enum sv_format format = choice.format;
	if (choice.client != NULL) {
		format = choice.client->format;
		if (client_facts(choice.client, &addr, &stand_in, &facts,
				&err) != SV_OK) {
			sv_cli_error("lookup", "%s", err.msg);
			return EX_DATAERR;
		}
	}
	struct sv_snapshot *snap;
	int rc = sv_dataset_read(db, 1, &snap, &err);
	if (rc != SV_OK) {
		return sv_cli_db_fail("lookup", rc, &err);
	}
	struct sv_buf out;
	const char *content_type = NULL;
	sv_buf_init(&out, LOOKUP_MAX_ANSWER);
	struct sv_snapshot_match m;
	struct sv_cli_mx mx;
	rc = sv_cli_resolve(snap, addr.domain, choice.resolver, &m, &mx, &err);
	bool served = rc == SV_OK;
	if (rc == SV_OK && m.mx_host != NULL) {
		sv_cli_note("lookup", "%s: MX host %s matches row %s of "
			"provider %s", addr.domain, m.mx_host, m.pattern,
			m.provider->id);
	}
	if (rc == SV_OK && choice.text != NULL) {
		/* the view the snapshot compiled for this row */
		const char *view = sv_provider_domain_has_own(m.provider,
			m.pattern) ? m.pattern : NULL;
		rc = sv_render_settings_text(m.provider, view, &facts,
			choice.text->lang, &out, &err);
		/* a provider the table refuses: said with err's reason */
		rc = rc == SV_OK || rc == SV_ENOMEM ? rc : SV_EIO;
	} else if (rc == SV_OK) {
		rc = sv_snapshot_answer_of(&m, format, &facts, &out,
			&content_type);
	}
	int status;
	if (rc == SV_ENOTFOUND && served) {
		sv_cli_error("lookup", "domain %s has no %s service",
			addr.domain, sv_format_name(format));
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
		if (rc == SV_OK && (format == SV_FORMAT_CALDAV ||
				format == SV_FORMAT_CARDDAV)) {
			rc = sv_buf_append(&out, "\n", 1);
		}
		status = sv_cli_print_doc("lookup", rc, &out, "build",
			"the answer");
	}
	sv_buf_finish(&out);
	sv_snapshot_release(snap);
	return status;
}
