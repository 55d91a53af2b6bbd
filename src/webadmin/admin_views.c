/* SPDX-License-Identifier: MIT */
/*
 * The web admin pages that only read: the provider list (served or not,
 * and the validator's reason), the export of a provider file, what a
 * client gets for an address, the check results and the audit trail
 * (one provider's page with its edit forms: admin_provider.c). Each
 * reads the database through the request's store connection
 * (admin_route.c opened it), except lookup, which reads the snapshot the
 * public listeners serve: the same sv_snapshot_answer as `suivant
 * lookup` and the HTTP front end.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "answer/render_ispdb.h"
#include "model/check.h"
#include "request/address.h"
#include "store/store_audit.h"
#include "util/alloc.h"
#include "webadmin/admin_internal.h"

#define LIST_MAX_ROWS 500
#define LOOKUP_MAX_ANSWER (1024 * 1024)
#define EXPORT_MAX_DOC (4 * 1024 * 1024)
#define AUDIT_ROWS 200

/* Why pv is not served (the snapshot's own tests), into err; false when
 * it is served. */
static bool not_served(const struct sv_provider *pv, struct sv_err *err) {
	if (pv->n_domains == 0) {
		sv_errf(err, SV_EINVAL, "no domain yet");
		return true;
	}
	struct sv_problem p;
	if (sv_provider_problem(pv, &p) != SV_OK ||
			sv_provider_servable_problem(pv, &p) != SV_OK) {
		*err = p.err;
		return true;
	}
	return false;
}

void sv_admin_status_cell(struct sv_html *h, const struct sv_provider *pv) {
	struct sv_err why = { "" };
	if (not_served(pv, &why)) {
		sv_html_open(h, "span", "class", "bad", NULL);
		sv_html_textf(h, "not served: %s", why.msg);
		sv_html_close(h);
	} else {
		sv_html_elem(h, "span", "served", "class", "ok", NULL);
	}
}

/* Opens a table with its header row of n columns, then its body: two
 * sv_html_close calls end it. */
static void table_open(struct sv_html *h, const char *const *cols,
		size_t n) {
	sv_html_open(h, "table", NULL);
	sv_html_open(h, "thead", NULL);
	sv_html_open(h, "tr", NULL);
	for (size_t i = 0; i < n; i++) {
		sv_html_elem(h, "th", cols[i], NULL);
	}
	sv_html_close(h);
	sv_html_close(h);
	sv_html_open(h, "tbody", NULL);
}

/* Every provider into *pvs / *n (sv_store_free_providers), or false
 * with the error page sent. */
static bool load_all(struct sv_admin_req *rq, struct sv_admin_resp *resp,
		struct sv_provider ***pvs, size_t *n) {
	struct sv_err err = { "" };
	int rc = sv_store_load(rq->st, pvs, n, &err);
	if (rc != SV_OK) {
		sv_admin_db_error(rq, resp, rc, &err);
	}
	return rc == SV_OK;
}

/* Whether pv's id or one of its domains contains q (lower-cased). */
static bool matches(const struct sv_provider *pv, const char *q) {
	if (q[0] == '\0' || strstr(pv->id, q) != NULL) {
		return true;
	}
	for (size_t i = 0; i < pv->n_domains; i++) {
		if (strstr(pv->domains[i], q) != NULL) {
			return true;
		}
	}
	return false;
}

static void add_provider_form(struct sv_html *h, const struct sv_admin_req *rq) {
	sv_admin_section(h, "Add a provider");
	sv_admin_form(h, rq, "/provider/add", false);
	sv_html_open(h, "div", "class", "row", NULL);
	sv_admin_input(h, "Id (a host name)", "id", "", "text");
	sv_admin_input(h, "Display name", "display_name", "", "text");
	sv_admin_input(h, "Short name", "short_name", "", "text");
	sv_admin_row_form_end(h, "Add");
	sv_html_close(h);
}

void sv_admin_view_list(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	(void)app;
	char q[SV_DOMAIN_PATTERN_MAX + 1];
	snprintf(q, sizeof(q), "%s", sv_admin_field_or(&rq->query, "q"));
	for (char *p = q; *p != '\0'; p++) {
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	}
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	if (!load_all(rq, resp, &pvs, &n)) {
		return;
	}
	struct sv_html *h = sv_admin_page(rq, "Providers");
	sv_html_open(h, "form", "method", "get", "action", "/", "class",
		"row", "role", "search", NULL);
	sv_admin_input(h, "Search by domain or id", "q", q, "search");
	sv_admin_form_end(h, "Search", "quiet");
	size_t shown = 0, served = 0;
	for (size_t i = 0; i < n; i++) {
		struct sv_err why;
		served += !not_served(pvs[i], &why);
	}
	sv_html_open(h, "p", NULL);
	sv_html_textf(h, "%zu providers, %zu served.", n, served);
	sv_html_close(h);
	table_open(h, (const char *const[]){ "Provider", "Domains",
		"Status" }, 3);
	for (size_t i = 0; i < n && shown < LIST_MAX_ROWS; i++) {
		const struct sv_provider *pv = pvs[i];
		if (!matches(pv, q)) {
			continue;
		}
		shown++;
		char href[SV_DOMAIN_MAX + 16];
		snprintf(href, sizeof(href), "/provider?id=%s", pv->id);
		sv_html_open(h, "tr", NULL);
		sv_html_open(h, "td", NULL);
		sv_html_elem(h, "a", pv->id, "href", href, NULL);
		if (pv->display_name != NULL) {
			sv_html_elem(h, "div", pv->display_name, NULL);
		}
		sv_html_close(h);
		sv_html_open(h, "td", NULL);
		for (size_t k = 0; k < pv->n_domains && k < 3; k++) {
			sv_html_textf(h, "%s%s", k > 0 ? ", " : "",
				pv->domains[k]);
		}
		if (pv->n_domains > 3) {
			sv_html_textf(h, " and %zu more", pv->n_domains - 3);
		}
		sv_html_close(h);
		sv_html_open(h, "td", NULL);
		sv_admin_status_cell(h, pv);
		sv_html_close(h);
		sv_html_close(h);
	}
	sv_html_close(h);
	sv_html_close(h);
	if (shown == LIST_MAX_ROWS) {
		sv_html_elem(h, "p", "Only the first matches are shown: "
			"search to see the others.", NULL);
	}
	add_provider_form(h, rq);
	sv_store_free_providers(pvs, n);
	sv_admin_send_page(resp, h, 200);
}

/* ------------------------------------------------------------------ */
/* Export, lookup, check, audit                                       */

void sv_admin_view_export(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	(void)app;
	struct sv_err err = { "" };
	struct sv_provider *pv = NULL;
	const char *id = sv_admin_field(&rq->query, "id");
	int rc = id != NULL ? sv_store_load_provider(rq->st, id, &pv, &err) :
		sv_errf(&err, SV_ENOTFOUND, "no provider given");
	if (rc != SV_OK) {
		sv_admin_send_error(rq, resp, rc == SV_ENOTFOUND ? 404 : 500,
			"No such provider", err.msg);
		return;
	}
	struct sv_buf doc;
	sv_buf_init(&doc, EXPORT_MAX_DOC);
	rc = sv_render_ispdb(pv, &doc, NULL, &err);
	if (rc == SV_OK) {
		sv_buf_finish(&resp->body);
		resp->body = doc;
		resp->status = 200;
		resp->content_type = "application/xml; charset=utf-8";
		/* ids are [a-z0-9.-]: nothing to quote */
		snprintf(resp->disposition, sizeof(resp->disposition),
			"attachment; filename=\"%s.xml\"", pv->id);
	} else {
		sv_buf_finish(&doc);
		sv_admin_send_error(rq, resp, 500, "Export failed", err.msg);
	}
	sv_provider_destroy(pv);
}

void sv_admin_view_lookup(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	const char *addr = sv_admin_field(&rq->query, "address");
	struct sv_html *h = sv_admin_page(rq, "What does a client get?");
	sv_html_open(h, "form", "method", "get", "action", "/lookup",
		"class", "row", NULL);
	sv_admin_input(h, "E-mail address", "address", addr, "text");
	sv_admin_form_end(h, "Look up", NULL);
	unsigned status = 200;
	if (addr != NULL && addr[0] != '\0') {
		struct sv_address a;
		struct sv_err err = { "" };
		struct sv_snapshot *snap = app->holder != NULL ?
			sv_snapshot_holder_acquire(app->holder) : NULL;
		if (sv_address_parse(addr, strlen(addr), &a, &err) != SV_OK) {
			sv_admin_notice(h, "error", err.msg);
			status = 400;
		} else if (snap == NULL) {
			sv_admin_notice(h, "error", "no data is served yet");
			status = 503;
		}
		struct sv_snapshot_match m;
		if (status == 200 && sv_snapshot_lookup(snap, a.domain, &m) !=
				SV_OK) {
			sv_admin_notice(h, "error", "no configuration for "
				"this domain: clients get 404");
			status = 404;
		}
		for (int f = 0; status == 200 && f < SV_FORMAT_COUNT; f++) {
			struct sv_answer_facts facts =
				sv_answer_facts_of_address(&a);
			struct sv_buf out;
			const char *type = NULL;
			sv_buf_init(&out, LOOKUP_MAX_ANSWER);
			int rc = sv_snapshot_answer(snap, (enum sv_format)f,
				&facts, &out, &type);
			if (rc == SV_ENOTFOUND) {
				/* a served domain without that service
				 * (caldav, carddav): nothing to show */
				sv_html_open(h, "h2", NULL);
				sv_html_textf(h, "%s (none: 404)",
					sv_format_name((enum sv_format)f));
				sv_html_close(h);
			} else {
				sv_html_open(h, "h2", NULL);
				sv_html_textf(h, "%s (%s)",
					sv_format_name((enum sv_format)f),
					rc == SV_OK ? type : sv_rc_str(rc));
				sv_html_close(h);
				sv_html_elem(h, "pre", rc == SV_OK ? out.data :
					"", NULL);
			}
			sv_buf_finish(&out);
		}
		sv_snapshot_release(snap);
	}
	sv_admin_send_page(resp, h, status);
}

struct check_ctx {
	struct sv_html *h;
	size_t counts[3];
};

static void check_row(const struct sv_check_problem *pr, void *ctx) {
	static const char *const names[] = { "error", "warning", "notice" };
	struct check_ctx *c = ctx;
	c->counts[pr->severity]++;
	char href[SV_DOMAIN_MAX + 16];
	snprintf(href, sizeof(href), "/provider?id=%s", pr->provider);
	sv_html_open(c->h, "tr", NULL);
	sv_html_elem(c->h, "td", names[pr->severity], "class",
		pr->severity == SV_CHECK_ERROR ? "bad" : NULL, NULL);
	sv_html_open(c->h, "td", NULL);
	sv_html_elem(c->h, "a", pr->provider, "href", href, NULL);
	sv_html_close(c->h);
	sv_html_elem(c->h, "td", pr->message, NULL);
	sv_html_close(c->h);
}

void sv_admin_view_check(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	(void)app;
	struct sv_provider **pvs = NULL;
	size_t n = 0;
	if (!load_all(rq, resp, &pvs, &n)) {
		return;
	}
	struct check_ctx c = { .h = sv_admin_page(rq, "Check") };
	sv_html_elem(c.h, "p", "What `suivant check` finds: errors (not "
		"served), warnings (served, but probably not what was meant) "
		"and notices.", NULL);
	table_open(c.h, (const char *const[]){ "Severity", "Provider",
		"Problem" }, 3);
	for (size_t i = 0; i < n; i++) {
		sv_check_provider(pvs[i], check_row, &c);
	}
	sv_html_close(c.h);
	sv_html_close(c.h);
	sv_html_open(c.h, "p", NULL);
	sv_html_textf(c.h, "%zu providers: %zu errors, %zu warnings, %zu "
		"notices.", n, c.counts[SV_CHECK_ERROR],
		c.counts[SV_CHECK_WARNING], c.counts[SV_CHECK_NOTICE]);
	sv_html_close(c.h);
	sv_store_free_providers(pvs, n);
	sv_admin_send_page(resp, c.h, 200);
}

void sv_admin_view_audit(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	(void)app;
	struct sv_err err = { "" };
	struct sv_audit_entry *list = NULL;
	size_t n = 0;
	int rc = sv_store_audit_list(rq->st, AUDIT_ROWS, &list, &n, &err);
	if (rc != SV_OK) {
		sv_admin_db_error(rq, resp, rc, &err);
		return;
	}
	struct sv_html *h = sv_admin_page(rq, "Audit");
	sv_html_open(h, "p", NULL);
	sv_html_textf(h, "The last %d changes made here, newest first "
		"(all of them: suivant audit --json).", AUDIT_ROWS);
	sv_html_close(h);
	table_open(h, (const char *const[]){ "When (UTC)", "Who", "What",
		"Before", "After" }, 5);
	for (size_t i = 0; i < n; i++) {
		char when[32] = "";
		time_t t = (time_t)list[i].at;
		struct tm tm;
		if (gmtime_r(&t, &tm) != NULL) {
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		}
		sv_html_open(h, "tr", NULL);
		sv_html_elem(h, "td", when, NULL);
		sv_html_elem(h, "td", list[i].actor, NULL);
		sv_html_open(h, "td", NULL);
		sv_html_textf(h, "%s%s%s", list[i].action,
			list[i].provider_id != NULL ? " " : "",
			list[i].provider_id != NULL ? list[i].provider_id : "");
		sv_html_close(h);
		sv_html_open(h, "td", NULL);
		sv_html_elem(h, "pre", list[i].before_json, NULL);
		sv_html_close(h);
		sv_html_open(h, "td", NULL);
		sv_html_elem(h, "pre", list[i].after_json, NULL);
		sv_html_close(h);
		sv_html_close(h);
	}
	sv_html_close(h);
	sv_html_close(h);
	sv_store_audit_free(list, n);
	sv_admin_send_page(resp, h, 200);
}
