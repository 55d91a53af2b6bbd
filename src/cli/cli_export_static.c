/* SPDX-License-Identifier: MIT */
/*
 * suivant export-static: the answers a static web server or CDN can serve
 * in place of `suivant serve`, for every exact domain row, plus an nginx
 * server block that maps requests onto them. Files are written from the
 * same snapshot, through the same sv_snapshot_answer call as the server,
 * so they cannot disagree with it:
 *   DIR/autoconfig/DOMAIN/config-v1.1.xml  Mozilla autoconfig without an
 *                                          address (placeholders kept)
 *   DIR/autoconfig/DOMAIN/evolution.xml    what Evolution's request gets
 *   DIR/v1.1/DOMAIN                        the same bytes, ISPDB style
 *   DIR/autodiscover/DOMAIN.json           Autodiscover v2 answer
 *   DIR/autodiscover/DOMAIN.xml            Autodiscover v1 answer to a GET
 *                                          (when the domain has one)
 *   DIR/autodiscover/ActiveSync/DOMAIN.json  Autodiscover v2 answers for
 *   DIR/autodiscover/EWS/DOMAIN.json       Protocol=ActiveSync and EWS
 *                                          (when the domain has the URL)
 *   DIR/address/...                        config-v1.1.xml, evolution.xml
 *                                          and the ActiveSync and EWS
 *                                          answers again, with markers
 *                                          in their address slots that
 *                                          nginx fills from the request
 *   DIR/pacc/DOMAIN.json                   PACC's user-agent-configuration
 *                                          .json, byte for byte what
 *                                          `suivant dns` hashes (when PACC
 *                                          can say the provider)
 *   DIR/settings/DOMAIN.fr.html            the settings page for the domain
 *   DIR/settings/DOMAIN.en.html            (placeholders as words), French
 *                                          and English
 *   DIR/settings.css                       the settings pages' stylesheet
 *   DIR/nginx.conf                         a server block for all of them,
 *                                          and the RFC 6764 redirects of
 *                                          /.well-known/caldav and
 *                                          /.well-known/carddav, from two
 *                                          maps of Host to target
 * Wildcard rows (*.suffix, *) and MX rows cannot be listed as files: they
 * are named on stderr and left to `suivant serve`, and so are the request
 * forms named by not_static below. The nginx block takes the domain as
 * serve does (the request's address, else the path, else the Host),
 * through one map of the exported domains, and answers serve's errors
 * byte for byte; tests/prod compares the two for every bundled domain.
 * That configuration is cli_export_nginx.c's; this file writes the answers.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli/cli.h"
#include "answer/answer.h"
#include "answer/render_autodiscover.h"
#include "answer/render_autodiscover_v2.h"
#include "answer/render_settings.h"
#include "cli/cli_common.h"
#include "cli/cli_export_nginx.h"
#include "cli/cli_output.h"
#include "dataset/dataset.h"
#include "http/config.h"
#include "snapshot/snapshot.h"
#include "store/store.h"
#include "util/buf.h"

static const char usage[] =
	"usage: suivant export-static [--db FILE] [--listen ADDR:PORT] DIR\n"
	"\n"
	"Writes, for every domain of FILE (default ./" SV_CONFIG_DEFAULT_DB "),\n"
	"the files a static web server or CDN serves instead of suivant:\n"
	"DIR/autoconfig/DOMAIN/config-v1.1.xml (what /mail/config-v1.1.xml\n"
	"answers for Host: autoconfig.DOMAIN) and evolution.xml beside it\n"
	"(Evolution's answer), DIR/v1.1/DOMAIN, DIR/autodiscover/DOMAIN.json\n"
	"(Autodiscover v2) and DIR/autodiscover/DOMAIN.xml (the Autodiscover\n"
	"answer to a GET), DIR/pacc/DOMAIN.json (PACC's document, when the\n"
	"provider can be said in PACC), DIR/settings/DOMAIN.fr.html and\n"
	".en.html (the settings page for the domain, in French and English)\n"
	"with DIR/settings.css (their stylesheet),\n"
	"and DIR/nginx.conf,\n"
	"an nginx server block listening on ADDR:PORT (default\n"
	SV_CONFIG_DEFAULT_LISTEN ") that serves them and answers the RFC 6764\n"
	"redirects of /.well-known/caldav and /.well-known/carddav (301 to the\n"
	"domain's calendar or contacts service, 404 without). The domain is\n"
	"the request's address's (?emailaddress=, ?Email=, /v1.0/ADDRESS),\n"
	"else the path's or the Host's, and the address is filled in from the\n"
	"files under DIR/address/ as suivant serve fills it; Autodiscover v2's\n"
	"ActiveSync and EWS answers are in DIR/autodiscover/ActiveSync/ and\n"
	"EWS/. Wildcard and MX domain rows cannot be exported and are listed\n"
	"on stderr; the requests left to suivant serve are listed after the\n"
	"summary.\n"
	"\n"
	"  --db FILE            database file\n"
	"  --listen ADDR:PORT   where the nginx server block listens\n"
	"  -h, --help           show this help\n";

static int mkdir_p(char *path) {
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/') {
			continue;
		}
		*p = '\0';
		int r = mkdir(path, 0755);
		*p = '/';
		if (r != 0 && errno != EEXIST) {
			return -1;
		}
	}
	return mkdir(path, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Writes n bytes to DIR/rel (directories created). 0 or -1 (errno). */
static int write_file(const char *dir, const char *rel, const void *bytes,
		size_t n) {
	char path[4096];
	int k = snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (k < 0 || (size_t)k >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	char *slash = strrchr(path, '/');
	*slash = '\0';
	if (mkdir_p(path) != 0) {
		return -1;
	}
	*slash = '/';
	FILE *f = fopen(path, "wb");
	if (f == NULL) {
		return -1;
	}
	size_t w = n > 0 ? fwrite(bytes, 1, n, f) : 0;
	int e = ferror(f);
	if (fclose(f) != 0 || w != n || e != 0) {
		return -1;
	}
	return 0;
}

/*
 * Writes the answer of format for domain alone (the request without an
 * address; absent: the words for its address slots, or NULL for the
 * tokens) to DIR/rel and, when also is not NULL, DIR/also. A format
 * without an answer for the domain writes nothing when optional. 0 or -1
 * with the reason printed.
 */
static int export_answer(const struct sv_snapshot *snap, const char *dir,
		const char *domain, enum sv_format format, bool optional,
		const char *rel, const char *also, const char *const *absent) {
	struct sv_answer_facts facts = { .domain = domain, .absent = absent };
	struct sv_buf b;
	const char *ctype = NULL;
	sv_buf_init(&b, 1024 * 1024);
	int rc = sv_snapshot_answer(snap, format, &facts, &b, &ctype);
	if (rc == SV_ENOTFOUND && optional) {
		sv_buf_finish(&b);
		return 0;
	}
	if (rc != SV_OK) {
		sv_buf_finish(&b);
		sv_cli_error("export-static", "%s: no %s answer (%s)", domain,
			sv_format_name(format), sv_rc_str(rc));
		return -1;
	}
	const char *failed = write_file(dir, rel, b.data, b.len) != 0 ? rel :
		also != NULL && write_file(dir, also, b.data, b.len) != 0 ?
		also : NULL;
	sv_buf_finish(&b);
	if (failed != NULL) {
		sv_cli_error("export-static", "%s/%s: %s", dir, failed,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* The address slots of the files under address/: markers nginx fills. */
static const char *const fill_markers[SV_SLOT_COUNT] = {
	[SV_SLOT_EMAILADDRESS] = FILL_ADDRESS,
	[SV_SLOT_EMAILLOCALPART] = FILL_LOCAL,
	[SV_SLOT_EMAILDOMAIN] = FILL_DOMAIN,
	[SV_SLOT_EMAILADDRESS_URL] = FILL_ADDRESS,
	[SV_SLOT_EMAILLOCALPART_URL] = FILL_LOCAL,
};

/*
 * The answers that carry the request's address: Autodiscover v2's for
 * ActiveSync and EWS (when the domain has those URLs) with the tokens,
 * and every one again under address/ with markers, for nginx to fill in
 * an address as suivant serve does. 0 or -1 with the reason printed.
 */
static int export_addressed(const struct sv_snapshot *snap,
		const char *dir, const char *domain) {
	static const struct {
		enum sv_format format;
		bool optional;  /* the domain may have no such answer */
		bool tokens;    /* written with the tokens here too (else by
		                 * export_domain) */
		const char *before, *after; /* the path around the domain */
	} files[] = {
		{ SV_FORMAT_AUTOCONFIG, false, false, "autoconfig/",
			"/config-v1.1.xml" },
		{ SV_FORMAT_EVOLUTION, false, false, "autoconfig/",
			"/evolution.xml" },
		{ SV_FORMAT_AUTODISCOVER_V2_ACTIVESYNC, true, true,
			"autodiscover/ActiveSync/", ".json" },
		{ SV_FORMAT_AUTODISCOVER_V2_EWS, true, true,
			"autodiscover/EWS/", ".json" },
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char rel[600];
		snprintf(rel, sizeof(rel), "address/%s%s%s", files[i].before,
			domain, files[i].after);
		const char *plain = rel + strlen("address/");
		if ((files[i].tokens && export_answer(snap, dir, domain,
				files[i].format, files[i].optional, plain, NULL,
				NULL) != 0) || export_answer(snap, dir, domain,
				files[i].format, files[i].optional, rel, NULL,
				fill_markers) != 0) {
			return -1;
		}
	}
	return 0;
}

/* Exports one exact domain; 0 or -1 with the reason printed. */
static int export_domain(const struct sv_snapshot *snap, const char *dir,
		const char *domain) {
	struct sv_buf b;
	struct sv_err err = { "" };
	char rel[512], also[512];
	snprintf(rel, sizeof(rel), "autoconfig/%s/config-v1.1.xml", domain);
	snprintf(also, sizeof(also), "v1.1/%s", domain);
	if (export_answer(snap, dir, domain, SV_FORMAT_AUTOCONFIG, false, rel,
			also, NULL) != 0) {
		return -1;
	}
	snprintf(rel, sizeof(rel), "autoconfig/%s/evolution.xml", domain);
	if (export_answer(snap, dir, domain, SV_FORMAT_EVOLUTION, false, rel,
			NULL, NULL) != 0) {
		return -1;
	}
	snprintf(rel, sizeof(rel), "autodiscover/%s.xml", domain);
	if (export_answer(snap, dir, domain, SV_FORMAT_AUTODISCOVER_DOMAIN,
			true, rel, NULL, NULL) != 0) {
		return -1;
	}
	snprintf(rel, sizeof(rel), "settings/%s.fr.html", domain);
	if (export_answer(snap, dir, domain, SV_FORMAT_SETTINGS, false, rel,
			NULL, sv_render_settings_absent(SV_SETTINGS_FR)) != 0) {
		return -1;
	}
	snprintf(rel, sizeof(rel), "settings/%s.en.html", domain);
	if (export_answer(snap, dir, domain, SV_FORMAT_SETTINGS_EN, false,
			rel, NULL, sv_render_settings_absent(SV_SETTINGS_EN)) !=
			0) {
		return -1;
	}
	snprintf(rel, sizeof(rel), "pacc/%s.json", domain);
	if (export_answer(snap, dir, domain, SV_FORMAT_PACC, true, rel,
			NULL, NULL) != 0) {
		return -1;
	}
	sv_buf_init(&b, 4096);
	if (sv_render_autodiscover_v2(domain, &b, &err) != SV_OK) {
		sv_cli_error("export-static", "%s: %s", domain, err.msg);
		return -1;
	}
	snprintf(rel, sizeof(rel), "autodiscover/%s.json", domain);
	int bad = write_file(dir, rel, b.data, b.len);
	sv_buf_finish(&b);
	if (bad) {
		sv_cli_error("export-static", "%s/%s: %s", dir, rel,
			strerror(errno));
		return -1;
	}
	return export_addressed(snap, dir, domain);
}

/* What the export cannot say, by name: printed after the summary. */
static const char not_static[] =
	"left to suivant serve (a static server cannot answer them alike):\n"
	"  wildcard and MX rows (named above)\n"
	"  POST /autodiscover/autodiscover.xml: the answer holds the "
	"body's address (nginx: 403)\n"
	"  /email.mobileconfig, /mobileconfig: Apple profiles hold the "
	"address\n"
	"  /: the profile page (not exported)\n"
	"  /settings?email=: the page shows the address (nginx: the "
	"domain's page);\n"
	"    the settings page's 400 and 404 pages (nginx: its own)\n"
	"  an address whose local part is not letters, digits, '.', '_' "
	"and '-' only\n"
	"    (?emailaddress=, ?Email=, /v1.0/ADDRESS): the placeholders are "
	"left for the\n"
	"    client; a domain not in ASCII (A-label) form: 404\n"
	"  a Protocol other than letters, digits and '.', '_', '~', '-': "
	"not quoted back\n"
	"  /healthz, /metrics, /tls/ask: the operator's\n";

/* The rows a static export leaves out, named on stderr and counted. */
enum { LEFT_WILDCARD, LEFT_MX };
static const char *const left_out_why[] = {
	[LEFT_WILDCARD] = "wildcard rows cannot be exported",
	[LEFT_MX] = "MX rows need a DNS look-up per request and cannot be "
		"exported",
};

int sv_cli_export_static(int argc, char **argv) {
	static const struct option extra[] = {
		{ "listen", required_argument, NULL, SV_CLI_OPT_STRING },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = SV_CONFIG_DEFAULT_LISTEN;
	struct sv_cli_opts opts;
	int parsed = sv_cli_getopt(argc, argv, usage, false, extra,
		sv_cli_opt_string, &listen, &opts);
	if (parsed >= 0) {
		return parsed;
	}
	if (opts.n_args != 1) {
		sv_cli_error("export-static", "expected one directory");
		return EX_USAGE;
	}
	const char *db = opts.db;
	const char *dir = opts.args[0];
	struct sockaddr_storage ss;
	unsigned ss_len;
	struct sv_err err = { "" };
	if (sv_config_parse_listen(listen, &ss, &ss_len, &err) != SV_OK) {
		sv_cli_error("export-static", "%s", err.msg);
		return EX_USAGE;
	}
	/* nginx reads root relative to its prefix: make DIR absolute */
	char abs_dir[4096];
	char cwd[2048];
	int k = dir[0] == '/' ?
		snprintf(abs_dir, sizeof(abs_dir), "%s", dir) :
		getcwd(cwd, sizeof(cwd)) == NULL ? -1 :
		snprintf(abs_dir, sizeof(abs_dir), "%s/%s", cwd, dir);
	if (k < 0 || (size_t)k >= sizeof(abs_dir) - 256) {
		sv_cli_error("export-static", "%s: path too long", dir);
		return EX_USAGE;
	}
	if (mkdir_p(abs_dir) != 0) {
		sv_cli_error("export-static", "%s: %s", dir, strerror(errno));
		return EX_CANTCREAT;
	}
	struct sv_store *st;
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	int rc = sv_store_open_rc(db, SV_STORE_READONLY, &st, &err);
	if (rc == SV_OK) {
		rc = sv_store_load(st, &pvs, &n, &err);
		sv_store_close(st);
	}
	if (rc != SV_OK) {
		return sv_cli_db_fail("export-static", rc, &err);
	}
	struct sv_snapshot *snap;
	rc = sv_dataset_read(db, 1, &snap, &err);
	if (rc != SV_OK) {
		sv_store_free_providers(pvs, n);
		return sv_cli_db_fail("export-static", rc, &err);
	}
	int status = EX_OK;
	size_t done = 0, left_out[2] = { 0, 0 };
	struct sv_cli_dav_maps dm = { .failed = false };
	sv_buf_init(&dm.lines[0], 64 * 1024 * 1024);
	sv_buf_init(&dm.lines[1], 64 * 1024 * 1024);
	struct sv_buf known; /* the exported domains, for nginx's map */
	sv_buf_init(&known, 64 * 1024 * 1024);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < pvs[i]->n_domains; j++) {
				const char *d = pvs[i]->domains[j];
				struct sv_snapshot_match m;
				if (d[0] != '*' && !sv_is_mx_prefixed(d) &&
						sv_snapshot_lookup(snap, d, &m) ==
						SV_OK &&
						strcmp(m.pattern, d) == 0) {
					sv_cli_nginx_map_domain(snap, &dm, d,
						pass);
				}
			}
		}
	}
	for (size_t i = 0; i < n && status == EX_OK; i++) {
		for (size_t j = 0; j < pvs[i]->n_domains; j++) {
			const char *d = pvs[i]->domains[j];
			struct sv_snapshot_match m;
			int kind = d[0] == '*' ? LEFT_WILDCARD :
				sv_is_mx_prefixed(d) ? LEFT_MX : -1;
			if (kind >= 0) {
				sv_cli_note("export-static", "%s (provider %s): %s; "
					"serve them with suivant serve", d,
					pvs[i]->id, left_out_why[kind]);
				left_out[kind]++;
				continue;
			}
			if (sv_snapshot_lookup(snap, d, &m) != SV_OK ||
					strcmp(m.pattern, d) != 0) {
				continue; /* provider not served */
			}
			if (export_domain(snap, abs_dir, d) != 0) {
				status = EX_CANTCREAT;
				break;
			}
			if (sv_buf_printf(&known, "    %s %s;\n", d, d) !=
					SV_OK) {
				dm.failed = true;
			}
			done++;
		}
	}
	if (status == EX_OK) {
		struct sv_buf b;
		sv_buf_init(&b, 128 * 1024 * 1024);
		if (dm.failed || sv_cli_nginx_conf(&b, &dm, &known, listen,
				abs_dir) != SV_OK) {
			sv_cli_error("export-static", "%s/nginx.conf: out of "
				"memory", abs_dir);
			status = EX_OSERR;
		} else if (write_file(abs_dir, "nginx.conf", b.data, b.len) !=
				0) {
			sv_cli_error("export-static", "%s/nginx.conf: %s",
				abs_dir, strerror(errno));
			status = EX_CANTCREAT;
		} else if (write_file(abs_dir, "settings.css", sv_settings_css,
				sv_settings_css_len) != 0) {
			sv_cli_error("export-static", "%s/settings.css: %s",
				abs_dir, strerror(errno));
			status = EX_CANTCREAT;
		}
		sv_buf_finish(&b);
	}
	if (status == EX_OK) {
		printf("exported %zu domains to %s (%zu wildcard rows left "
			"out", done, abs_dir, left_out[LEFT_WILDCARD]);
		if (left_out[LEFT_MX] > 0) {
			printf(", %zu MX rows", left_out[LEFT_MX]);
		}
		printf(")\n%s", not_static);
	}
	sv_buf_finish(&dm.lines[0]);
	sv_buf_finish(&dm.lines[1]);
	sv_buf_finish(&known);
	sv_snapshot_release(snap);
	sv_store_free_providers(pvs, n);
	return status;
}
