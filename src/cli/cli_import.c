/* SPDX-License-Identifier: MIT */
/*
 * suivant import: read Mozilla provider files into the database, all or
 * nothing: one transaction for the whole run, every file's outcome
 * reported, any rejected file rolls everything back. --dry-run does all of
 * it, conflicts with the database included, and rolls back anyway.
 *
 * A run also refuses two files with the same emailProvider id: the second
 * would silently replace the first inside the transaction. The ids seen
 * are kept in a small open-addressing table owned by struct run.
 *
 * With --repair, a provider that does not list its own id among its
 * domains yields that id (ISPDB's five Zoho regions all say
 * id="zoho.com"): when the id is already taken in this run, or in the
 * database by a provider that does list it as a domain, the provider
 * takes its first domain as its id instead. Importing the same files
 * again therefore updates the same providers in place. When the provider
 * to rename is the one stored earlier (the owner of the id came second),
 * it is read again, from its file when it came earlier in this run, from
 * the database when it came in an earlier run, and stored under the new
 * id after the owner has replaced its rows.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "cli/cli.h"
#include "cli/cli_common.h"
#include "cli/cli_output.h"
#include "http/config.h"
#include "import/import_mozilla.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/hash.h"

static const char usage[] =
	"usage: suivant import [--db FILE] [--dry-run] [--repair] "
	"[--allow-insecure] PATH...\n"
	"\n"
	"Imports Mozilla provider files (config-v1.1.xml format). A PATH that\n"
	"is a directory imports its *.xml files in name order. A provider\n"
	"already stored with the same id is replaced in place; a domain that\n"
	"belongs to another provider is a conflict. Nothing is stored unless\n"
	"every file is valid. Prints one line per file and a total.\n"
	"\n"
	"  --db FILE   database file (default ./" SV_CONFIG_DEFAULT_DB ")\n"
	"  --dry-run   check everything, conflicts included; store nothing\n"
	"  --repair    fix unambiguous typos and list each fix on stderr: a\n"
	"              placeholder missing its closing '%', an upper-case id\n"
	"              or domain, a repeated domain, a displayShortName over\n"
	"              20 characters (dropped), <displayNameShort>, and\n"
	"              Stalwart's service spellings (<addressBook>,\n"
	"              <serverURL>, http-basic)\n"
	"  --allow-insecure  accept plain http calendar, address-book and\n"
	"              file-share URLs (suivant check warns about them)\n"
	"  -h, --help  show this help\n";

/* One id imported in this run, and the file it came from. */
struct seen {
	char *id;           /* owned; NULL = free slot */
	char *path;         /* owned */
	char *first_domain; /* owned; the provider's first domain */
	bool owns_id;       /* the id is one of the provider's domains */
	bool repaired;      /* counted in run.repaired */
};

struct run {
	struct sv_store *store;
	struct sv_import_options opt;
	size_t ok, failed, repaired;
	int fatal;            /* a store failure (disk, lock): stop the run */
	size_t file_repairs;  /* repairs reported for the current file */
	struct seen *seen;    /* owned open-addressing table, cap slots */
	size_t n_seen, cap_seen;
};

static void on_repair(void *ctx, const char *msg) {
	struct run *r = ctx;
	r->file_repairs++;
	sv_cli_note("import", "%s", msg); /* a fix, not an error */
}

static void seen_finish(struct run *r) {
	for (size_t i = 0; i < r->cap_seen; i++) {
		sv_free(r->seen[i].id);
		sv_free(r->seen[i].path);
		sv_free(r->seen[i].first_domain);
	}
	sv_free(r->seen);
	r->seen = NULL;
	r->n_seen = r->cap_seen = 0;
}

/* The slot holding id, or the empty slot where it would go. */
static struct seen *seen_slot(struct seen *tab, size_t cap, const char *id) {
	size_t i = (size_t)sv_hash_bytes(id, strlen(id)) & (cap - 1);
	while (tab[i].id != NULL && strcmp(tab[i].id, id) != 0) {
		i = (i + 1) & (cap - 1);
	}
	return &tab[i];
}

/* The entry for id, or NULL. */
static struct seen *seen_find(const struct run *r, const char *id) {
	if (r->cap_seen == 0) {
		return NULL;
	}
	struct seen *s = seen_slot(r->seen, r->cap_seen, id);
	return s->id != NULL ? s : NULL;
}

static bool owns(const struct sv_provider *pv, const char *domain) {
	for (size_t i = 0; i < pv->n_domains; i++) {
		if (strcmp(pv->domains[i], domain) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * Records that pv comes from path, replacing the entry for its id if
 * there is one (entry pointers are invalid afterwards: the table may
 * grow). SV_OK or SV_ENOMEM.
 */
static int seen_put(struct run *r, const struct sv_provider *pv,
		const char *path) {
	if (2 * (r->n_seen + 1) > r->cap_seen) { /* load factor <= 1/2 */
		size_t cap = r->cap_seen != 0 ? 2 * r->cap_seen : 256;
		struct seen *tab = sv_calloc(cap, sizeof(*tab));
		if (tab == NULL) {
			return SV_ENOMEM;
		}
		for (size_t i = 0; i < r->cap_seen; i++) {
			if (r->seen[i].id != NULL) {
				*seen_slot(tab, cap, r->seen[i].id) = r->seen[i];
			}
		}
		sv_free(r->seen);
		r->seen = tab;
		r->cap_seen = cap;
	}
	struct seen *s = seen_slot(r->seen, r->cap_seen, pv->id);
	if (s->id == NULL) {
		s->id = sv_strdup(pv->id);
		if (s->id == NULL) {
			return SV_ENOMEM;
		}
		r->n_seen++;
	}
	sv_free(s->path);
	sv_free(s->first_domain);
	s->path = sv_strdup(path);
	s->first_domain = sv_strdup(pv->n_domains > 0 ? pv->domains[0] : "");
	s->owns_id = owns(pv, pv->id);
	s->repaired = false;
	if (s->path == NULL || s->first_domain == NULL) {
		return SV_ENOMEM;
	}
	return SV_OK;
}

/* A first domain that can serve as an id, and is not one in this run. */
static bool free_id(const struct run *r, const char *domain) {
	return sv_is_domain_name(domain) && seen_find(r, domain) == NULL;
}

static int rename_provider(struct sv_provider *pv, const char *id) {
	char *copy = sv_strdup(id);
	if (copy == NULL) {
		return SV_ENOMEM;
	}
	sv_free(pv->id);
	pv->id = copy;
	return SV_OK;
}

/*
 * With --repair: renames pv (from path) to its first domain when it does
 * not list its id as a domain and someone else has that id (see the top
 * of the file). SV_OK whether or not it did.
 */
static int yield_id(struct run *r, struct sv_provider *pv, const char *path,
		struct sv_err *err) {
	const char *first = pv->n_domains > 0 ? pv->domains[0] : "";
	if (!r->opt.repair || owns(pv, pv->id) || !free_id(r, first)) {
		return SV_OK;
	}
	const struct seen *old = seen_find(r, pv->id);
	char *owner = NULL;
	if (old == NULL) {
		int rc = sv_store_domain_owner(r->store, pv->id, &owner, err);
		if (rc == SV_ENOTFOUND) {
			return SV_OK; /* nobody else: keep the id */
		}
		if (rc != SV_OK) {
			return rc;
		}
		bool claimed = strcmp(owner, pv->id) == 0;
		sv_free(owner);
		if (!claimed) {
			return SV_OK;
		}
	}
	sv_cli_note("import", "%s: repaired emailProvider id '%s', already "
		"the id of %s -> '%s' (its first domain)", path, pv->id,
		old != NULL ? old->path : "a stored provider that lists it as "
		"a domain", first);
	r->file_repairs++;
	return rename_provider(pv, first);
}

/*
 * pv (from path) has the id of the earlier entry old, and yield_id kept
 * it: with --repair, when pv lists the id as a domain and old does not,
 * old is renamed (see the top of the file) and both are stored; else the
 * clash is an error. Returns SV_OK when pv is stored.
 */
static int id_clash(struct run *r, struct sv_provider *pv, const char *path,
		struct seen *old, struct sv_err *err) {
	if (!r->opt.repair || !owns(pv, pv->id) || old->owns_id ||
			!free_id(r, old->first_domain)) {
		return sv_errf(err, SV_EEXIST, "provider %s also comes from "
			"%s (same emailProvider id) in this run%s", pv->id,
			old->path, r->opt.repair ? "" : "; --repair renames "
			"the one whose domains do not include the id");
	}
	/* The earlier provider is the one to rename: read it again. */
	struct sv_import_options quiet = { .repair = true,
		.allow_insecure = r->opt.allow_insecure };
	struct sv_provider *prev = NULL;
	char *old_path = sv_strdup(old->path);
	char *old_first = sv_strdup(old->first_domain);
	bool old_counted = old->repaired;
	int rc = old_path == NULL || old_first == NULL ? SV_ENOMEM :
		sv_import_mozilla_file_ex(old_path, &quiet, &prev, err);
	if (rc == SV_OK) {
		sv_cli_note("import", "%s: repaired emailProvider id '%s', "
			"also the id of %s which lists it as a domain -> '%s' "
			"(its first domain)", old_path, pv->id, path,
			old_first);
		r->repaired += !old_counted;
		/* same id: replaces the earlier provider's rows */
		rc = sv_store_put_provider(r->store, pv, err);
	}
	if (rc == SV_OK) {
		rc = seen_put(r, pv, path);
	}
	if (rc == SV_OK) {
		rc = rename_provider(prev, old_first);
	}
	if (rc == SV_OK) {
		rc = sv_store_put_provider(r->store, prev, err);
	}
	if (rc == SV_OK && (rc = seen_put(r, prev, old_path)) == SV_OK) {
		seen_find(r, prev->id)->repaired = true;
	}
	if (rc == SV_ENOMEM) {
		sv_errf(err, rc, "out of memory");
	}
	sv_provider_destroy(prev);
	sv_free(old_path);
	sv_free(old_first);
	return rc;
}

/*
 * With --repair: pv lists its id as a domain, and the provider stored
 * under that id in an earlier run does not (see the top of the file):
 * stores pv, then the stored one under its first domain, and sets
 * *stored. Nothing to do (SV_OK, *stored false) in every other case: then
 * pv replaces a stored provider of its id in place, as always.
 */
static int reclaim_id(struct run *r, struct sv_provider *pv, const char *path,
		bool *stored, struct sv_err *err) {
	*stored = false;
	if (!r->opt.repair || !owns(pv, pv->id)) {
		return SV_OK;
	}
	char *owner = NULL;
	int rc = sv_store_domain_owner(r->store, pv->id, &owner, err);
	sv_free(owner);
	if (rc != SV_ENOTFOUND) {
		/* stored already (an update), or a conflict put reports */
		return rc == SV_OK ? SV_OK : rc;
	}
	struct sv_provider *prev = NULL;
	rc = sv_store_load_provider(r->store, pv->id, &prev, err);
	if (rc != SV_OK) {
		return rc == SV_ENOTFOUND ? SV_OK : rc;
	}
	const char *first = prev->n_domains > 0 ? prev->domains[0] : "";
	if (owns(prev, prev->id) || !free_id(r, first)) {
		sv_provider_destroy(prev);
		return SV_OK;
	}
	sv_cli_note("import", "%s: repaired emailProvider id '%s' of the "
		"stored provider of %s, also the id of this file which lists it "
		"as a domain -> '%s' (its first domain)", path, pv->id, first,
		first);
	r->file_repairs++;
	/* same id: replaces the stored provider's rows */
	rc = sv_store_put_provider(r->store, pv, err);
	if (rc == SV_OK && (rc = rename_provider(prev, first)) == SV_OK) {
		rc = sv_store_put_provider(r->store, prev, err);
	}
	if (rc == SV_OK && (rc = seen_put(r, prev, "(database)")) == SV_OK) {
		*stored = true;
	}
	if (rc == SV_ENOMEM) {
		sv_errf(err, rc, "out of memory");
	}
	sv_provider_destroy(prev);
	return rc;
}

static void import_one(struct run *r, const char *path) {
	struct sv_err err = { "" };
	struct sv_provider *pv = NULL;
	r->file_repairs = 0;
	int rc = sv_import_mozilla_file_ex(path, &r->opt, &pv, &err);
	if (rc != SV_OK) {
		sv_cli_error("import", "%s", err.msg);
		r->failed++;
		return;
	}
	struct seen *old = NULL;
	bool stored = false;
	if ((rc = yield_id(r, pv, path, &err)) != SV_OK) {
		/* reported below */
	} else if ((old = seen_find(r, pv->id)) != NULL) {
		rc = id_clash(r, pv, path, old, &err);
	} else if ((rc = reclaim_id(r, pv, path, &stored, &err)) != SV_OK) {
		/* reported below */
	} else if (stored || (rc = sv_store_put_provider(r->store, pv,
			&err)) == SV_OK) {
		rc = seen_put(r, pv, path);
		if (rc != SV_OK) {
			sv_errf(&err, rc, "out of memory");
		}
	}
	if (rc == SV_OK) {
		char services[48] = "";
		if (pv->n_services > 0) {
			snprintf(services, sizeof(services),
				", %zu service(s)", pv->n_services);
		}
		printf("ok %s: provider %s, %zu domain(s), %zu server(s)%s%s\n",
			path, pv->id, pv->n_domains, pv->n_servers, services,
			r->file_repairs > 0 ? ", repaired" : "");
		r->ok++;
		if (r->file_repairs > 0) {
			r->repaired++;
			seen_find(r, pv->id)->repaired = true;
		}
	} else {
		/* conflicts name the domain and its owner; add the file */
		sv_cli_error("import", "%s: %s", path, err.msg);
		r->failed++;
		if (rc == SV_EDB || rc == SV_EIO || rc == SV_EBUSY ||
				rc == SV_ENOMEM) {
			/* not this file's fault: the next ones would only
			 * repeat it */
			r->fatal = rc;
		}
	}
	sv_provider_destroy(pv);
}

static int is_xml_name(const struct dirent *d) {
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 4 &&
		strcmp(d->d_name + n - 4, ".xml") == 0;
}

static void import_dir(struct run *r, const char *dir) {
	struct dirent **names = NULL;
	int n = scandir(dir, &names, is_xml_name, alphasort);
	if (n < 0) {
		sv_cli_error("import", "%s: %s", dir, strerror(errno));
		r->failed++;
		return;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		if (snprintf(path, sizeof(path), "%s/%s", dir,
				names[i]->d_name) >= (int)sizeof(path)) {
			sv_cli_error("import", "%s: path too long", dir);
			r->failed++;
		} else if (r->fatal == SV_OK) {
			import_one(r, path);
		}
		free(names[i]); /* scandir allocates with malloc */
	}
	free(names);
}

int sv_cli_import(int argc, char **argv) {
	int dry_run = 0, repair = 0, allow_insecure = 0;
	const struct option extra[] = {
		{ "dry-run", no_argument, &dry_run, 1 },
		{ "repair", no_argument, &repair, 1 },
		{ "allow-insecure", no_argument, &allow_insecure, 1 },
		{ NULL, 0, NULL, 0 },
	};
	struct sv_cli_opts opts;
	int status = sv_cli_getopt(argc, argv, usage, false, extra, NULL, NULL,
		&opts);
	if (status >= 0) {
		return status;
	}
	if (opts.n_args == 0) {
		return sv_cli_usage_error(usage);
	}
	struct run r = { 0 };
	r.opt.repair = repair;
	r.opt.allow_insecure = allow_insecure;
	r.opt.on_repair = on_repair;
	r.opt.ctx = &r;
	status = sv_cli_open_store("import", opts.db, SV_STORE_READWRITE,
		&r.store);
	if (status != EX_OK) {
		return status;
	}
	struct sv_err err = { "" };
	int rc = sv_store_begin(r.store, &err);
	if (rc != SV_OK) {
		sv_cli_error("import", "%s", err.msg);
		sv_store_close(r.store);
		return sv_cli_exit_code(rc);
	}
	for (int i = 0; i < opts.n_args && r.fatal == SV_OK; i++) {
		const char *path = opts.args[i];
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			import_dir(&r, path);
		} else {
			import_one(&r, path);
		}
	}
	status = r.fatal != SV_OK ? sv_cli_exit_code(r.fatal) :
		r.failed > 0 ? EX_DATAERR : EX_OK;
	bool stored = false;
	if (r.failed > 0 || dry_run) {
		sv_store_rollback(r.store);
	} else if ((rc = sv_store_commit(r.store, &err)) != SV_OK) {
		sv_cli_error("import", "%s", err.msg);
		status = sv_cli_exit_code(rc);
	} else {
		stored = true;
	}
	sv_store_close(r.store);
	seen_finish(&r);
	char repaired[64] = "";
	if (r.repaired > 0) {
		snprintf(repaired, sizeof(repaired), " (%zu repaired)",
			r.repaired);
	}
	printf("%zu %s%s, %zu rejected%s\n", r.ok,
		dry_run ? "would be imported" : "imported", repaired, r.failed,
		dry_run ? "; dry run: nothing was stored" :
		!stored ? "; nothing was stored" : "");
	return status;
}
