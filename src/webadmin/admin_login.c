/* SPDX-License-Identifier: MIT */
/*
 * Logging in and out of the web admin. A login is refused without
 * looking at the password while its client address or its account name
 * is in a back-off (admin_auth.h's limiter: 429 with Retry-After); a
 * failure is logged with the account name and the address, never the
 * password. A success always makes a new session and cookie (a cookie
 * the client already had is ended, never adopted: no session fixation).
 * The cookie is HttpOnly and SameSite=Strict, Secure with the __Host-
 * prefix over HTTPS, and lives no longer than a session may.
 */
#include <stdio.h>
#include <string.h>

#include "util/log.h"
#include "webadmin/admin_internal.h"

const char *sv_admin_cookie_name(bool tls) {
	return tls ? "__Host-suivant" : "suivant-session";
}

/* Set-Cookie for value (max_age 0 and "" clear it). */
static void set_cookie(const struct sv_admin_app *app,
		struct sv_admin_resp *resp, const char *value, long max_age) {
	snprintf(resp->cookie, sizeof(resp->cookie), "%s=%s; Path=/; "
		"Max-Age=%ld; HttpOnly; SameSite=Strict%s",
		sv_admin_cookie_name(app->tls), value, max_age,
		app->tls ? "; Secure" : "");
}

void sv_admin_login_page(const struct sv_admin_req *rq,
		struct sv_admin_resp *resp, unsigned status, const char *notice) {
	struct sv_html *h = sv_admin_page(rq, "Log in");
	sv_html_open(h, "section", "class", "login", NULL);
	if (notice != NULL) {
		sv_admin_notice(h, "error", notice);
	}
	sv_html_open(h, "form", "method", "post", "action", "/login", NULL);
	sv_html_open(h, "label", NULL);
	sv_html_text(h, "Account");
	sv_html_open(h, "input", "type", "text", "name", "name",
		"autocomplete", "username", "required", "required", NULL);
	sv_html_close(h);
	sv_html_close(h);
	sv_html_open(h, "label", NULL);
	sv_html_text(h, "Password");
	sv_html_open(h, "input", "type", "password", "name", "password",
		"autocomplete", "current-password", "required", "required",
		NULL);
	sv_html_close(h);
	sv_html_close(h);
	sv_admin_form_end(h, "Log in", NULL);
	sv_html_close(h);
	sv_admin_send_page(resp, h, status);
}

void sv_admin_login_post(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	const char *name = sv_admin_field_or(&rq->form, "name");
	const char *pw = sv_admin_field_or(&rq->form, "password");
	char shown[80];
	sv_log_escape(name, shown, sizeof(shown));
	int64_t now_ms = sv_admin_limiter_now();
	int64_t wait_ms = sv_admin_limiter_wait(app->limiter, rq->client, name,
		now_ms);
	if (wait_ms > 0) {
		unsigned wait = (unsigned)((wait_ms + 999) / 1000);
		sv_log_warnx("admin: login for account \"%s\" from %s refused: "
			"back-off, %u s left", shown, rq->client, wait);
		char msg[128];
		snprintf(msg, sizeof(msg), "Too many failed logins: try again "
			"in %u s.", wait);
		sv_admin_login_page(rq, resp, 429, msg);
		resp->retry_after = wait;
		return;
	}
	struct sv_err err = { "" };
	struct sv_admin_session s;
	int rc = sv_admin_login(rq->st, name, pw, strlen(pw), rq->now, &s,
		&err);
	if (rc == SV_EINVAL) {
		unsigned n = sv_admin_limiter_failed(app->limiter, rq->client,
			name, sv_admin_limiter_now());
		sv_log_warnx("admin: login failed for account \"%s\" from %s "
			"(%u in a row)", shown, rq->client, n);
		sv_admin_login_page(rq, resp, 401,
			"Wrong account name or password.");
		return;
	}
	if (rc != SV_OK) {
		sv_log_warnx("admin: login: %s", err.msg);
		sv_admin_send_error(rq, resp, rc == SV_EBUSY ? 503 : 500,
			"Log in", "The login could not be recorded; try again.");
		return;
	}
	sv_admin_limiter_succeeded(app->limiter, rq->client, name);
	if (rq->cookie != NULL) { /* whatever it was, it ends here */
		(void)sv_admin_logout(rq->st, rq->cookie, NULL);
	}
	sv_log_info("admin: account \"%s\" logged in from %s", shown,
		rq->client);
	rq->session = s;
	rq->has_session = true;
	sv_admin_redirect(resp, "/");
	set_cookie(app, resp, s.token, SV_ADMIN_ABSOLUTE_S);
}

void sv_admin_logout_post(struct sv_admin_app *app, struct sv_admin_req *rq,
		struct sv_admin_resp *resp) {
	struct sv_err err = { "" };
	if (sv_admin_logout(rq->st, rq->session.token, &err) != SV_OK) {
		sv_log_warnx("admin: logout: %s", err.msg);
	}
	sv_admin_redirect(resp, "/login");
	set_cookie(app, resp, "", 0);
}
