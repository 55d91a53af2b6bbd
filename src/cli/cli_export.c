/* SPDX-License-Identifier: MIT */
/*
 * suivant export: providers back out of the database as Mozilla provider
 * files (render_ispdb.h), the admin's view: every domain, every server,
 * placeholders intact. The inverse of `suivant import`: importing what
 * export wrote gives the same providers back (tests/roundtrip checks it
 * over Thunderbird's whole ISP database).
 *
 * Reads through one snapshot of the store (sv_store_load, one read
 * transaction). Files written with --out appear atomically: each is
 * written to a temporary name in the same directory, then renamed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli/cli.h"
#include "answer/render_ispdb.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "http/config.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/buf.h"

/* Largest document export writes: far above any real provider. */
#define EXPORT_MAX_DOC (4 * 1024 * 1024)

static const char usage[] =
	"usage: suivant export [--db FILE] [--out DIR] "
	"(--all | DOMAIN|PROVIDER-ID...)\n"
	"\n"
	"Writes providers back as Mozilla provider files (config-v1.1.xml),\n"
	"the admin's view, unlike the answer mail clients get: every domain,\n"
	"every server (ews, owa, graph and exchange included), placeholders\n"
	"intact. A name is a provider id or a domain (resolved as the server\n"
	"does: exact name, then *.suffix, then *). Without --out the one\n"
	"document goes to standard output; with --out each provider goes to\n"
	"DIR/<id>.xml, replacing a file of that name. Servers that apply to a\n"
	"single domain cannot be written in this format: they are left out\n"
	"with a warning.\n"
	"\n"
	"  --all       every provider (needs --out)\n"
	"  --db FILE   database file (default ./" SV_CONFIG_DEFAULT_DB ")\n"
	"  --out DIR   directory for the files (created if missing)\n"
	"  -h, --help  show this help\n";

struct loaded {
	struct sv_provider **pvs; /* owned, sorted by id */
	size_t n;
};

static int by_id(const void *key, const void *elem) {
	const struct sv_provider *const *pv = elem;
	return strcmp(key, (*pv)->id);
}

/* The provider whose domain row is exactly name, or NULL. */
static struct sv_provider *by_domain(const struct loaded *l,
		const char *name) {
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0; k < l->pvs[i]->n_domains; k++) {
			if (strcmp(l->pvs[i]->domains[k], name) == 0) {
				return l->pvs[i];
			}
		}
	}
	return NULL;
}

/*
 * A provider id, else the provider serving the domain name: exact row,
 * longest "*.suffix" row, then "*". name is lower-cased in place; as a
 * domain it is normalised as `domain add` does (trailing dot, IDN).
 */
static struct sv_provider *resolve(const struct loaded *l, char *arg) {
	for (char *p = arg; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			*p = (char)(*p - 'A' + 'a');
		}
	}
	struct sv_provider **hit = l->n > 0 ? bsearch(arg, l->pvs, l->n,
		sizeof(*l->pvs), by_id) : NULL;
	if (hit != NULL) {
		return *hit;
	}
	char row[SV_CLI_DOMAIN_ROW_MAX];
	struct sv_err e = { "" };
	const char *name = sv_cli_domain_row(arg, "DOMAIN", row, sizeof(row),
		&e) == SV_OK ? row : arg;
	struct sv_provider *pv = by_domain(l, name);
	char pattern[SV_DOMAIN_MAX + 3];
	for (const char *s = name; pv == NULL && s != NULL;
			s = strchr(s + 1, '.')) {
		const char *suffix = s == name ? NULL : s + 1;
		if (suffix != NULL && snprintf(pattern, sizeof(pattern),
				"*.%s", suffix) < (int)sizeof(pattern)) {
			pv = by_domain(l, pattern);
		}
	}
	return pv != NULL ? pv : by_domain(l, "*");
}

/* The warning of a row bound to one domain (what: "service 12 (caldav
 * URL)"), which the format cannot carry; the row is left out. */
static void warn_bound(const struct sv_provider *pv, const char *what,
		const char *domain) {
	sv_cli_error("export", "warning: provider %s: %s applies to %s only; "
		"the Mozilla format cannot say so: left out", pv->id, what,
		domain);
}

/* Warns about the servers and services the format cannot carry
 * (render_ispdb.h). */
static void warn_left_out(const struct sv_provider *pv) {
	char what[1024]; /* sv_cli_error's own limit: the same text shown */
	for (size_t i = 0; i < pv->n_services; i++) {
		const struct sv_service *s = &pv->services[i];
		if (s->domain != NULL) {
			snprintf(what, sizeof(what), "service %lld (%s %s)",
				(long long)s->id, sv_service_type_name(s->type),
				s->url);
			warn_bound(pv, what, s->domain);
		}
	}
	for (size_t i = 0; i < pv->n_servers; i++) {
		const struct sv_server *s = &pv->servers[i];
		if (s->domain != NULL) {
			snprintf(what, sizeof(what), "server %lld (%s %s:%d)",
				(long long)s->id, sv_server_type_name(s->type),
				s->hostname != NULL ? s->hostname : "-",
				s->port);
			warn_bound(pv, what, s->domain);
		}
	}
}

/* Writes len bytes to path through a temporary file and a rename. */
static int write_file(const char *dir, const char *id, const char *data,
		size_t len, char *path, size_t path_size, struct sv_err *err) {
	char tmp[4096];
	if (snprintf(path, path_size, "%s/%s.xml", dir, id) >= (int)path_size ||
			snprintf(tmp, sizeof(tmp), "%s/.%s.xml.tmp-%ld", dir, id,
				(long)getpid()) >= (int)sizeof(tmp)) {
		return sv_errf(err, SV_EINVAL, "%s: path too long", dir);
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		return sv_errf(err, SV_EIO, "%s: %s", tmp, strerror(errno));
	}
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			int e = errno;
			close(fd);
			unlink(tmp);
			return sv_errf(err, SV_EIO, "%s: %s", tmp, strerror(e));
		}
		done += (size_t)n;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return sv_errf(err, SV_EIO, "%s: %s", path, strerror(e));
	}
	return SV_OK;
}

/* Renders pv, then prints it or writes it under dir. */
static int export_one(const struct sv_provider *pv, const char *dir,
		struct sv_err *err) {
	struct sv_buf doc;
	sv_buf_init(&doc, EXPORT_MAX_DOC);
	size_t left_out = 0;
	int rc = sv_render_ispdb(pv, &doc, &left_out, err);
	if (rc == SV_OK) {
		warn_left_out(pv);
	}
	if (rc == SV_OK && dir == NULL) {
		if (fwrite(doc.data, 1, doc.len, stdout) != doc.len ||
				fflush(stdout) != 0) {
			rc = sv_errf(err, SV_EIO, "standard output: %s",
				strerror(errno));
		}
	} else if (rc == SV_OK) {
		char path[4096];
		rc = write_file(dir, pv->id, doc.data, doc.len, path,
			sizeof(path), err);
		if (rc == SV_OK) {
			printf("wrote %s: provider %s, %zu domain(s), %zu "
				"server(s)\n", path, pv->id, pv->n_domains,
				pv->n_servers - left_out);
		}
	}
	sv_buf_finish(&doc);
	return rc;
}

/* Creates dir unless it is already a directory. */
static int make_dir(const char *dir, struct sv_err *err) {
	struct stat st;
	if (mkdir(dir, 0777) == 0) {
		return SV_OK;
	}
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		return SV_OK;
	}
	return sv_errf(err, SV_EIO, "%s: %s", dir, errno == EEXIST ?
		"not a directory" : strerror(errno));
}

static int exit_for(int rc) {
	return rc == SV_EIO ? EX_CANTCREAT : sv_cli_exit_code(rc);
}

int sv_cli_export(int argc, char **argv) {
	int all = 0;
	const char *dir = NULL; /* NULL: stdout */
	const struct option extra[] = {
		{ "all", no_argument, &all, 1 },
		{ "out", required_argument, NULL, SV_CLI_OPT_STRING },
		{ NULL, 0, NULL, 0 },
	};
	struct sv_cli_opts opts;
	int status = sv_cli_getopt(argc, argv, usage, false, extra,
		sv_cli_opt_string, &dir, &opts);
	if (status >= 0) {
		return status;
	}
	int names = opts.n_args;
	if (all ? names != 0 || dir == NULL : names == 0 ||
			(names > 1 && dir == NULL)) {
		sv_cli_error("export", "%s", all ? (names != 0 ?
			"--all takes no names" : "--all needs --out DIR") :
			names == 0 ? "name a provider or a domain, or --all" :
			"several providers need --out DIR");
		return sv_cli_usage_error(usage);
	}
	struct loaded l = { 0 };
	status = sv_cli_load_all("export", opts.db, &l.pvs, &l.n);
	if (status != EX_OK) {
		return status;
	}
	struct sv_err err = { "" };
	int rc = SV_OK;
	if (dir != NULL && (rc = make_dir(dir, &err)) != SV_OK) {
		sv_cli_error("export", "%s", err.msg);
		status = EX_CANTCREAT;
		goto done;
	}
	size_t written = 0;
	if (all) {
		for (size_t i = 0; i < l.n && status == EX_OK; i++) {
			if ((rc = export_one(l.pvs[i], dir, &err)) != SV_OK) {
				sv_cli_error("export", "%s", err.msg);
				status = exit_for(rc);
			}
			written += rc == SV_OK;
		}
	}
	for (int i = 0; i < names && status == EX_OK; i++) {
		struct sv_provider *pv = resolve(&l, opts.args[i]);
		if (pv == NULL) {
			sv_cli_error("export", "no provider or domain %s",
				opts.args[i]);
			status = EX_NOINPUT;
		} else if ((rc = export_one(pv, dir, &err)) != SV_OK) {
			sv_cli_error("export", "%s", err.msg);
			status = exit_for(rc);
		}
		written += status == EX_OK;
	}
	if (dir != NULL && status == EX_OK) {
		printf("%zu exported\n", written);
	}
done:
	sv_store_free_providers(l.pvs, l.n);
	return status;
}
