/* SPDX-License-Identifier: MIT */
#ifndef SUIVANT_ADMIN_INTERNAL_H
#define SUIVANT_ADMIN_INTERNAL_H

/*
 * Private to the web admin (src/webadmin/). webadmin.c speaks HTTP
 * (libmicrohttpd): it reads a request into struct sv_admin_req (method,
 * raw path, decoded and checked fields: admin_fields.c, the few headers
 * that matter) and sends what the pages leave in struct sv_admin_resp,
 * with the security headers every answer gets. Nothing else sees
 * libmicrohttpd (webadmin_internal.h is those two files'). The pages
 * run in this order of dependence, lowest first: admin_page.c (fields,
 * the frame every page shares, answers), admin_views.c (the pages that
 * only read), admin_provider.c (one provider's page and its forms),
 * admin_login.c, admin_actions.c and admin_import.c (the forms that
 * write), admin_route.c (which path goes where, and who may).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "model/model.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_holder.h"
#include "store/store.h"
#include "util/buf.h"
#include "webadmin/admin_auth.h"
#include "webadmin/admin_html.h"

#define SV_ADMIN_MAX_FIELDS 64     /* per request, query or form */
#define SV_ADMIN_MAX_FIELD_NAME 64 /* bytes */
#define SV_ADMIN_MAX_PAGE (8 * 1024 * 1024) /* one page's HTML */

/* One query or form field: name and value are owned, NUL-terminated
 * and checked (UTF-8, no NUL, no control but tab, CR and LF). */
struct sv_admin_field {
	char *name;
	char *value;
	size_t len;
	bool file;  /* a multipart file part */
};

struct sv_admin_fields {
	struct sv_admin_field v[SV_ADMIN_MAX_FIELDS];
	size_t n;
};

/* What every request shares: owned by struct sv_webadmin. */
struct sv_admin_app {
	const char *db_path;
	struct sv_snapshot_holder *holder;   /* borrowed */
	void (*changed)(void *ctx);
	void *ctx;
	struct sv_admin_limiter *limiter;
	bool tls;                            /* the listener speaks HTTPS */
};

struct sv_admin_req {
	const char *method;     /* "GET", "HEAD" or "POST" */
	const char *path;       /* raw, as sent (no %-decoding) */
	struct sv_admin_fields query;
	struct sv_admin_fields form;  /* POST bodies */
	const char *cookie;     /* the session cookie's value, or NULL */
	const char *origin;     /* headers, or NULL */
	const char *fetch_site; /* Sec-Fetch-Site */
	const char *host;
	const char *client;     /* numeric peer address */
	time_t now;
	/* set by the router */
	struct sv_store *st;    /* opened read-write for this request */
	struct sv_admin_session session;
	bool has_session;
};

struct sv_admin_resp {
	unsigned status;
	struct sv_buf body;         /* owned until sent */
	const char *content_type;   /* static */
	char location[512];         /* a 303's target, or "" */
	char cookie[256];           /* a Set-Cookie value, or "" */
	char disposition[160];      /* Content-Disposition, or "" */
	unsigned retry_after;       /* seconds, 0 = none */
};

/* ---- admin_page.c: fields, the page frame, answers ---- */

/* The value of field name (the last one given), or NULL. */
const char *sv_admin_field(const struct sv_admin_fields *f, const char *name);
/* The same, or "" when absent. */
const char *sv_admin_field_or(const struct sv_admin_fields *f,
	const char *name);

/*
 * Starts a page: head (title, the stylesheet, the viewport), the top bar
 * (navigation and the logout button when rq has a session), then <main>
 * with an <h1> of title. NULL when out of memory.
 */
struct sv_html *sv_admin_page(const struct sv_admin_req *rq,
	const char *title);
/* A notice paragraph: kind "error" or "ok". */
void sv_admin_notice(struct sv_html *h, const char *kind, const char *text);
/* <form method="post" action=...> with the CSRF token; close it with
 * sv_html_close. multipart: enctype multipart/form-data. */
void sv_admin_form(struct sv_html *h, const struct sv_admin_req *rq,
	const char *action, bool multipart);
/* <input type="hidden">. */
void sv_admin_hidden(struct sv_html *h, const char *name, const char *value);
/* A labelled input: <label>text <input name= value= type=></label>. */
void sv_admin_input(struct sv_html *h, const char *label, const char *name,
	const char *value, const char *type);
/* A submit button. */
void sv_admin_button(struct sv_html *h, const char *text, const char *cls);
/* The form's submit button, then the form's end. */
void sv_admin_form_end(struct sv_html *h, const char *text, const char *cls);
/* The same for a form whose fields stand in a <div class="row">: the
 * button, then the row's and the form's end. */
void sv_admin_row_form_end(struct sv_html *h, const char *text);
/* <section> with an <h2> of title; close it with sv_html_close. */
void sv_admin_section(struct sv_html *h, const char *title);

/* Finishes h as resp's body with status (text/html). */
void sv_admin_send_page(struct sv_admin_resp *resp, struct sv_html *h,
	unsigned status);
/* A short page that says what went wrong (escaped), with status. */
void sv_admin_send_error(const struct sv_admin_req *rq,
	struct sv_admin_resp *resp, unsigned status, const char *title,
	const char *message);
/* The error page of a failed database call (rc, err): 503 with
 * Retry-After for SV_EBUSY, else 500. */
void sv_admin_db_error(const struct sv_admin_req *rq,
	struct sv_admin_resp *resp, int rc, const struct sv_err *err);
/* 303 See Other to location (a path of ours, written as given). */
void sv_admin_redirect(struct sv_admin_resp *resp, const char *location);
/* 303 to path?name=value, the value %-encoded. */
void sv_admin_redirect_to(struct sv_admin_resp *resp, const char *path,
	const char *name, const char *value);

/* The stylesheet (GET /style.css): static text. */
extern const char sv_admin_css[];

/* ---- admin_record.c: a provider as the audit and the forms see it ---- */

#define SV_ADMIN_VERSION_LEN 32 /* hex digits of a provider's fingerprint */

struct json_t;

/* A provider, every field of it, as JSON text, owned (sv_free); NULL
 * when out of memory. */
char *sv_admin_provider_json(const struct sv_provider *pv);
/* Its fingerprint (the first SV_ADMIN_VERSION_LEN hex digits of the
 * JSON's SHA-256): the version its forms carry. SV_OK or SV_ENOMEM. */
int sv_admin_provider_version(const struct sv_provider *pv,
	char out[SV_ADMIN_VERSION_LEN + 1]);
/* A server as JSON (a new reference; NULL when out of memory). */
struct json_t *sv_admin_server_json(const struct sv_server *s);
/* json's compact text, owned (sv_free); takes json's reference. NULL when
 * json is NULL or memory is short. */
char *sv_admin_json_text(struct json_t *json);

/* A page, or a form's handler: answers rq into resp (admin_route.c
 * calls it). */
typedef void sv_admin_handler(struct sv_admin_app *app,
	struct sv_admin_req *rq, struct sv_admin_resp *resp);

/* ---- admin_views.c: the pages that only read ---- */

/* "served", or "not served" with the reason, for pv. */
void sv_admin_status_cell(struct sv_html *h, const struct sv_provider *pv);
sv_admin_handler sv_admin_view_list;
sv_admin_handler sv_admin_view_export;
sv_admin_handler sv_admin_view_lookup;
sv_admin_handler sv_admin_view_check;
sv_admin_handler sv_admin_view_audit;

/* ---- admin_provider.c: one provider's page with its edit forms ---- */

/*
 * The provider page of id with status; notice (may be NULL) is shown on
 * top as an error (status >= 400) or a confirmation. The forms are
 * filled from the stored values and carry the provider's current version.
 */
void sv_admin_view_provider(struct sv_admin_app *app, struct sv_admin_req *rq,
	struct sv_admin_resp *resp, const char *id, unsigned status,
	const char *notice);

/* ---- admin_login.c: logging in and out ---- */

/* GET /login (notice may be NULL), with status. */
void sv_admin_login_page(const struct sv_admin_req *rq,
	struct sv_admin_resp *resp, unsigned status, const char *notice);
/* POST /login: the limiter, the password, a new session and cookie. */
sv_admin_handler sv_admin_login_post;
/* POST /logout: ends the session, clears the cookie. */
sv_admin_handler sv_admin_logout_post;
/* The session cookie's name: "__Host-suivant" over HTTPS, else
 * "suivant-session". */
const char *sv_admin_cookie_name(bool tls);

/* ---- admin_actions.c: the forms that change providers ---- */

/*
 * One form per POST path of webadmin.h that changes a provider; the route
 * table names it and sv_admin_act runs it: checks the form's provider
 * version, changes, audits and commits in one transaction.
 */
struct sv_admin_action;
extern const struct sv_admin_action sv_admin_provider_add,
	sv_admin_provider_set, sv_admin_provider_rm, sv_admin_domain_add,
	sv_admin_domain_rm, sv_admin_server_add, sv_admin_server_set,
	sv_admin_server_rm;
void sv_admin_act(struct sv_admin_app *app, struct sv_admin_req *rq,
	struct sv_admin_resp *resp, const struct sv_admin_action *action);
/*
 * Records one change in the audit table, inside the caller's
 * transaction: rq's account, now, what, the provider, before and after
 * (JSON texts, NULL for none).
 */
int sv_admin_audit(const struct sv_admin_req *rq, const char *what,
	const char *provider_id, const char *before, const char *after,
	struct sv_err *err);

/* ---- admin_import.c: provider files ---- */

/* GET /import: the upload form. */
sv_admin_handler sv_admin_import_page;
/* POST /import: parses the uploaded file and tries it in a transaction
 * that is rolled back (import --dry-run), then shows the report and, when
 * it would succeed, a form to commit it. */
sv_admin_handler sv_admin_import_check;
/* POST /import/commit: the same file again, stored for good. */
sv_admin_handler sv_admin_import_commit;

/* ---- admin_route.c ---- */

/*
 * Answers rq into resp: finds the route of the path (404), checks the
 * method (405), opens the database, the session (303 to /login without
 * one), the origin and CSRF token of a POST (403), and runs the page.
 */
sv_admin_handler sv_admin_route;

#endif
