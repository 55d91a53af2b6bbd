/* SPDX-License-Identifier: MIT */
/*
 * Which path goes where in the web admin, and who may go there. Paths
 * are matched exactly on the raw request path (no %-decoding, no letter
 * case folding): a path spelled any other way is 404, never another
 * page. For every page but the login and the stylesheet: a session
 * (else 303 to /login). For every POST: no other origin (Origin, and
 * Sec-Fetch-Site when the browser sends it; else 403), and, with a
 * session, its CSRF token in the form (else 403). The database is
 * opened read-write for each request (the session's idle clock is
 * written) and closed after it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"
#include "webadmin/admin_internal.h"

static void view_provider(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	sv_admin_view_provider(app, rq, resp, sv_admin_field(&rq->query, "id"),
		200, NULL);
}

static void login_page(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	(void)app;
	if (rq->has_session) {
		sv_admin_redirect(resp, "/");
	} else {
		sv_admin_login_page(rq, resp, 200, NULL);
	}
}

static const struct route {
	const char *path;
	bool post;        /* POST; else GET and HEAD */
	bool session;     /* needs a session */
	sv_admin_handler *fn; /* the page, or NULL for an action's */
	const struct sv_admin_action *action;
} routes[] = {
	{ "/", false, true, sv_admin_view_list, NULL },
	{ "/login", false, false, login_page, NULL },
	{ "/provider", false, true, view_provider, NULL },
	{ "/export", false, true, sv_admin_view_export, NULL },
	{ "/lookup", false, true, sv_admin_view_lookup, NULL },
	{ "/check", false, true, sv_admin_view_check, NULL },
	{ "/audit", false, true, sv_admin_view_audit, NULL },
	{ "/import", false, true, sv_admin_import_page, NULL },
	{ "/login", true, false, sv_admin_login_post, NULL },
	{ "/logout", true, true, sv_admin_logout_post, NULL },
	{ "/provider/add", true, true, NULL, &sv_admin_provider_add },
	{ "/provider/set", true, true, NULL, &sv_admin_provider_set },
	{ "/provider/rm", true, true, NULL, &sv_admin_provider_rm },
	{ "/domain/add", true, true, NULL, &sv_admin_domain_add },
	{ "/domain/rm", true, true, NULL, &sv_admin_domain_rm },
	{ "/server/add", true, true, NULL, &sv_admin_server_add },
	{ "/server/set", true, true, NULL, &sv_admin_server_set },
	{ "/server/rm", true, true, NULL, &sv_admin_server_rm },
	{ "/import", true, true, sv_admin_import_check, NULL },
	{ "/import/commit", true, true, sv_admin_import_commit, NULL },
};

/* Whether a POST comes from one of our own pages, as far as the browser
 * says: Origin (when sent) is this listener's, and Sec-Fetch-Site (when
 * sent) is same-origin. Clients that send neither (curl) are not
 * browsers, which cannot be made to post for someone else. */
static bool same_origin(const struct sv_admin_app *app,
		const struct sv_admin_req *rq) {
	if (rq->fetch_site != NULL &&
			strcmp(rq->fetch_site, "same-origin") != 0) {
		return false;
	}
	if (rq->origin == NULL) {
		return true;
	}
	char expected[300];
	if (rq->host == NULL || snprintf(expected, sizeof(expected), "%s://%s",
			app->tls ? "https" : "http", rq->host) >=
			(int)sizeof(expected)) {
		return false;
	}
	return strcasecmp(rq->origin, expected) == 0;
}

static void not_found(const struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	resp->status = 404;
	resp->content_type = "text/plain; charset=utf-8";
	(void)rq;
	(void)sv_buf_append_str(&resp->body, "not found\n");
}

/* Runs route r for rq with the database open. */
static void dispatch(struct sv_admin_app *app, const struct route *r,
		struct sv_admin_req *rq, struct sv_admin_resp *resp) {
	struct sv_err err = { "" };
	if (rq->cookie != NULL) {
		int rc = sv_admin_session_check(rq->st, rq->cookie, rq->now,
			&rq->session, &err);
		rq->has_session = rc == SV_OK;
		if (rc != SV_OK && rc != SV_ENOTFOUND) {
			sv_log_warnx("admin: session: %s", err.msg);
		}
	}
	if (r->post && !same_origin(app, rq)) {
		char shown[80];
		sv_log_warnx("admin: POST %s from another origin (%s) refused, "
			"client %s", r->path, sv_log_escape(rq->origin != NULL ?
			rq->origin : rq->fetch_site, shown, sizeof(shown)),
			rq->client);
		sv_admin_send_error(rq, resp, 403, "Refused",
			"This form was sent from another site.");
		return;
	}
	if (r->session && !rq->has_session) {
		sv_admin_redirect(resp, "/login");
		return;
	}
	if (r->post && r->session) {
		const char *token = sv_admin_field(&rq->form, "csrf");
		if (token == NULL || strlen(token) != SV_SESSION_HEX ||
				!sv_admin_secret_eq(token, rq->session.csrf,
				SV_SESSION_HEX)) {
			sv_log_warnx("admin: POST %s without the session's CSRF "
				"token refused, client %s", r->path,
				rq->client);
			sv_admin_send_error(rq, resp, 403, "Refused",
				"This form is not from this session: reload "
				"the page and try again.");
			return;
		}
	}
	if (r->action != NULL) {
		sv_admin_act(app, rq, resp, r->action);
	} else {
		r->fn(app, rq, resp);
	}
}

void sv_admin_route(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	bool post = strcmp(rq->method, "POST") == 0;
	if (strcmp(rq->path, "/style.css") == 0) {
		if (post) {
			resp->status = 405;
			return;
		}
		resp->status = 200;
		resp->content_type = "text/css; charset=utf-8";
		(void)sv_buf_append_str(&resp->body, sv_admin_css);
		return;
	}
	if (strcmp(rq->path, "/favicon.ico") == 0 && !post) {
		resp->status = 204; /* none: browsers ask all the same */
		return;
	}
	const struct route *r = NULL;
	bool path_known = false;
	for (size_t i = 0; i < sizeof(routes) / sizeof(*routes); i++) {
		if (strcmp(routes[i].path, rq->path) == 0) {
			path_known = true;
			if (routes[i].post == post) {
				r = &routes[i];
			}
		}
	}
	if (r == NULL) {
		if (path_known) {
			resp->status = 405;
			resp->content_type = "text/plain; charset=utf-8";
			(void)sv_buf_append_str(&resp->body,
				"method not allowed\n");
		} else {
			not_found(rq, resp);
		}
		return;
	}
	struct sv_err err = { "" };
	int rc = sv_store_open_rc(app->db_path, SV_STORE_READWRITE, &rq->st,
		&err);
	if (rc != SV_OK) {
		sv_log_warnx("admin: %s", err.msg);
		sv_admin_send_error(rq, resp, rc == SV_EBUSY ? 503 : 500,
			"Database error", "The database cannot be opened; see "
			"the server's log.");
		if (rc == SV_EBUSY) {
			resp->retry_after = 1;
		}
		return;
	}
	dispatch(app, r, rq, resp);
	sv_store_close(rq->st);
	rq->st = NULL;
}
