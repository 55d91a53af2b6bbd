/* SPDX-License-Identifier: MIT */
/*
 * Importing a provider file through the web admin, in two steps, as
 * `suivant import --dry-run` then `suivant import`: the upload is parsed
 * (the importer of the command line, with --repair when asked) and put
 * into the database inside a transaction that is rolled back, conflicts
 * with other providers included; the report says what would happen, and
 * offers to commit. The commit form carries the file back (no state is
 * kept between the steps) with the version of the provider it would
 * replace: committing over a provider changed since the report is
 * refused (409), as every form of the web admin is.
 */
#include <stdio.h>
#include <string.h>

#include "import/import_mozilla.h"
#include "store/store_audit.h"
#include "util/alloc.h"
#include "util/log.h"
#include "webadmin/admin_internal.h"

#define MAX_REPAIRS 32

struct repairs {
	char lines[MAX_REPAIRS][SV_ERR_MSG_MAX];
	size_t n, more;
};

static void on_repair(void *ctx, const char *msg) {
	struct repairs *r = ctx;
	if (r->n == MAX_REPAIRS) {
		r->more++;
		return;
	}
	snprintf(r->lines[r->n++], sizeof(r->lines[0]), "%s", msg);
}

/* What a dry run or a commit found. */
struct outcome {
	struct sv_provider *pv;   /* owned; NULL when the file was refused */
	struct repairs repairs;
	bool replaces;            /* a provider with pv's id is stored */
	bool want_before;         /* set before (a commit's audit) */
	char *before;             /* owned JSON of the stored provider */
	char version[SV_ADMIN_VERSION_LEN + 1]; /* its version ("none") */
	int rc;
	struct sv_err err;
};

/* Parses the form's file and puts it into the open transaction. */
static void try_import(struct sv_admin_req *rq, struct outcome *o) {
	const char *text = sv_admin_field(&rq->form, "file");
	size_t len = 0;
	for (size_t i = 0; i < rq->form.n; i++) {
		if (strcmp(rq->form.v[i].name, "file") == 0) {
			len = rq->form.v[i].len;
		}
	}
	if (text == NULL || len == 0) {
		o->rc = sv_errf(&o->err, SV_EINVAL, "no file: choose a "
			"provider file (config-v1.1.xml format)");
		return;
	}
	struct sv_import_options opt = {
		.repair = sv_admin_field_or(&rq->form, "repair")[0] != '\0',
		.on_repair = on_repair, .ctx = &o->repairs,
	};
	o->rc = sv_import_mozilla_memory_ex(text, len, "upload", &opt, &o->pv,
		&o->err);
	if (o->rc != SV_OK) {
		return;
	}
	struct sv_provider *stored = NULL;
	struct sv_err ignored;
	o->replaces = sv_store_load_provider(rq->st, o->pv->id, &stored,
		&ignored) == SV_OK;
	snprintf(o->version, sizeof(o->version), "none");
	if (o->replaces && (sv_admin_provider_version(stored, o->version) !=
			SV_OK || (o->want_before && (o->before =
			sv_admin_provider_json(stored)) == NULL))) {
		o->rc = sv_errf(&o->err, SV_ENOMEM, "out of memory");
	}
	sv_provider_destroy(stored);
	if (o->rc == SV_OK) {
		o->rc = sv_store_put_provider(rq->st, o->pv, &o->err);
	}
}

static void upload_form(struct sv_html *h, const struct sv_admin_req *rq) {
	sv_html_open(h, "section", NULL);
	sv_admin_form(h, rq, "/import", true);
	sv_html_open(h, "div", "class", "row", NULL);
	sv_html_open(h, "label", NULL);
	sv_html_text(h, "Provider file (config-v1.1.xml format, at most "
		"1 MiB)");
	sv_html_open(h, "input", "type", "file", "name", "file", "accept",
		".xml,application/xml,text/xml", "required", "required", NULL);
	sv_html_close(h);
	sv_html_close(h);
	sv_html_open(h, "label", NULL);
	sv_html_text(h, "Repair unambiguous typos");
	sv_html_open(h, "input", "type", "checkbox", "name", "repair",
		"value", "1", NULL);
	sv_html_close(h);
	sv_html_close(h);
	sv_admin_row_form_end(h, "Check (dry run)");
	sv_html_close(h);
}

void sv_admin_import_page(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	(void)app;
	struct sv_html *h = sv_admin_page(rq, "Import a provider file");
	sv_html_elem(h, "p", "The file is checked first, against the "
		"database too (a domain another provider holds is a "
		"conflict); nothing is stored until you confirm. A provider "
		"with the same id is replaced.", NULL);
	upload_form(h, rq);
	sv_admin_send_page(resp, h, 200);
}

static void report(struct sv_html *h, const struct outcome *o) {
	if (o->repairs.n > 0) {
		sv_html_elem(h, "h2", "Repairs", NULL);
		sv_html_open(h, "ul", NULL);
		for (size_t i = 0; i < o->repairs.n; i++) {
			sv_html_elem(h, "li", o->repairs.lines[i], NULL);
		}
		if (o->repairs.more > 0) {
			sv_html_open(h, "li", NULL);
			sv_html_textf(h, "and %zu more", o->repairs.more);
			sv_html_close(h);
		}
		sv_html_close(h);
	}
}

void sv_admin_import_check(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	(void)app;
	struct outcome o = { .rc = SV_OK };
	o.rc = sv_store_begin(rq->st, &o.err);
	if (o.rc == SV_OK) {
		try_import(rq, &o);
	}
	sv_store_rollback(rq->st); /* a dry run, always */
	struct sv_html *h = sv_admin_page(rq, "Import: dry run");
	unsigned status = 200;
	if (o.rc != SV_OK) {
		status = o.rc == SV_EBUSY ? 503 : o.rc == SV_EDB ? 500 : 422;
		sv_admin_notice(h, "error", o.err.msg);
		report(h, &o);
		upload_form(h, rq);
	} else {
		sv_html_open(h, "p", "class", "notice ok", "role", "status",
			NULL);
		sv_html_textf(h, "Dry run: provider %s, %zu domain(s), %zu "
			"server(s) %s. Nothing is stored yet.", o.pv->id,
			o.pv->n_domains, o.pv->n_servers, o.replaces ?
			"would replace the stored provider of that id" :
			"would be added");
		sv_html_close(h);
		report(h, &o);
		sv_admin_form(h, rq, "/import/commit", true);
		sv_admin_hidden(h, "file", sv_admin_field(&rq->form, "file"));
		sv_admin_hidden(h, "repair", sv_admin_field_or(&rq->form,
			"repair"));
		sv_admin_hidden(h, "version", o.version);
		sv_admin_form_end(h, "Import", NULL);
	}
	sv_provider_destroy(o.pv);
	sv_free(o.before);
	sv_admin_send_page(resp, h, status);
}

void sv_admin_import_commit(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	struct outcome o = { .rc = SV_OK, .want_before = true };
	const char *expected = sv_admin_field(&rq->form, "version");
	if (expected == NULL) {
		sv_admin_send_error(rq, resp, 400, "Bad form",
			"the form lacks the provider's version");
		return;
	}
	char *after = NULL;
	o.rc = sv_store_begin(rq->st, &o.err);
	if (o.rc == SV_OK) {
		try_import(rq, &o);
	}
	if (o.rc == SV_OK && strcmp(o.version, expected) != 0) {
		o.rc = sv_errf(&o.err, SV_EEXIST, "not imported: provider %s "
			"was changed since the dry run; check the file again",
			o.pv->id);
	}
	if (o.rc == SV_OK) {
		after = sv_admin_provider_json(o.pv);
		if (after == NULL) {
			o.rc = sv_errf(&o.err, SV_ENOMEM, "out of memory");
		}
	}
	if (o.rc == SV_OK) {
		o.rc = sv_admin_audit(rq, o.replaces ? "import (replace)" :
			"import", o.pv->id, o.before, after, &o.err);
	}
	if (o.rc == SV_OK) {
		o.rc = sv_store_commit(rq->st, &o.err);
	}
	sv_store_rollback(rq->st);
	sv_free(o.before);
	sv_free(after);
	if (o.rc != SV_OK) {
		struct sv_html *h = sv_admin_page(rq, "Import");
		sv_admin_notice(h, "error", o.err.msg);
		report(h, &o);
		upload_form(h, rq);
		sv_admin_send_page(resp, h, o.rc == SV_EEXIST ? 409 :
			o.rc == SV_EBUSY ? 503 : o.rc == SV_EDB ? 500 : 422);
	} else {
		sv_log_info("admin: import %s by %s", o.pv->id,
			rq->session.user);
		if (app->changed != NULL) {
			app->changed(app->ctx);
		}
		sv_admin_redirect_to(resp, "/provider", "id", o.pv->id);
	}
	sv_provider_destroy(o.pv);
}
