/* SPDX-License-Identifier: MIT */
/*
 * What every web admin page shares: reading fields, the frame (head, top
 * bar, main), form pieces, and the answers (a page, an error, a 303).
 * Pages are HTML from admin_html.h, styled by sv_admin_css alone: no
 * script, no inline style (the Content-Security-Policy allows neither).
 */
#include <stdio.h>
#include <string.h>

#include "webadmin/admin_internal.h"

const char sv_admin_css[] =
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:16px/1.45 system-ui,sans-serif;color:#1d2330;"
	"background:#f5f6f8}\n"
	"header{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;"
	"padding:.6rem 1rem;background:#1d3557;color:#fff}\n"
	"header a{color:#fff;text-decoration:none}\n"
	"header .brand{font-weight:700;margin-right:auto}\n"
	"header nav{display:flex;flex-wrap:wrap;gap:.3rem .9rem}\n"
	"header form{display:flex;gap:.5rem;align-items:center}\n"
	"main{max-width:72rem;margin:0 auto;padding:1rem}\n"
	"h1{font-size:1.5rem;margin:.2rem 0 1rem;overflow-wrap:anywhere}\n"
	"h2{font-size:1.15rem;margin:1.5rem 0 .5rem}\n"
	"section>h2:first-child{margin-top:0}\n"
	"section,fieldset{background:#fff;border:1px solid #d5d9e0;"
	"border-radius:6px;padding:.8rem;margin:0 0 1rem}\n"
	"fieldset legend{font-weight:600;padding:0 .3rem}\n"
	"label{display:flex;flex-direction:column;font-size:.85rem;"
	"color:#4a5263;min-width:0}\n"
	"input,select,textarea{font:inherit;color:inherit;padding:.35rem .5rem;"
	"border:1px solid #aab1bd;border-radius:4px;max-width:100%;"
	"min-width:0;background:#fff}\n"
	".row{display:flex;flex-wrap:wrap;gap:.5rem .8rem;align-items:flex-end}\n"
	".row label{flex:1 1 9rem}\n"
	"button{font:inherit;padding:.4rem .9rem;border-radius:4px;"
	"border:1px solid #1d3557;background:#1d3557;color:#fff;cursor:pointer}\n"
	"button.quiet{background:#fff;color:#1d3557}\n"
	"button.danger{background:#a4161a;border-color:#a4161a}\n"
	"table{border-collapse:collapse;width:100%;background:#fff}\n"
	"th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid "
	"#e1e4ea;vertical-align:top;overflow-wrap:anywhere}\n"
	".ok{color:#1b5e20}.bad{color:#a4161a}\n"
	"p.notice{padding:.6rem .8rem;border-radius:4px;overflow-wrap:anywhere}\n"
	"p.notice.error{background:#fde8e8;border:1px solid #a4161a}\n"
	"p.notice.ok{background:#e6f4ea;border:1px solid #1b5e20}\n"
	"pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;"
	"border:1px solid #d5d9e0;padding:.6rem;font-size:.8rem}\n"
	"ul.plain{list-style:none;padding:0;margin:0}\n"
	"ul.plain li{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;"
	"padding:.2rem 0;overflow-wrap:anywhere}\n"
	".login{max-width:24rem;margin:3rem auto}\n"
	".login label{margin-bottom:.7rem}\n";

const char *sv_admin_field(const struct sv_admin_fields *f, const char *name) {
	const char *v = NULL;
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->v[i].name, name) == 0) {
			v = f->v[i].value;
		}
	}
	return v;
}

const char *sv_admin_field_or(const struct sv_admin_fields *f,
		const char *name) {
	const char *v = sv_admin_field(f, name);
	return v != NULL ? v : "";
}

static void top_bar(struct sv_html *h, const struct sv_admin_req *rq) {
	sv_html_open(h, "header", NULL);
	sv_html_elem(h, "a", "suivant admin", "href", "/", "class", "brand",
		NULL);
	if (rq->has_session) {
		sv_html_open(h, "nav", NULL);
		sv_html_elem(h, "a", "Providers", "href", "/", NULL);
		sv_html_elem(h, "a", "Import", "href", "/import", NULL);
		sv_html_elem(h, "a", "Lookup", "href", "/lookup", NULL);
		sv_html_elem(h, "a", "Check", "href", "/check", NULL);
		sv_html_elem(h, "a", "Audit", "href", "/audit", NULL);
		sv_html_close(h);
		sv_admin_form(h, rq, "/logout", false);
		sv_html_elem(h, "span", rq->session.user, NULL);
		sv_admin_form_end(h, "Log out", "quiet");
	}
	sv_html_close(h);
}

struct sv_html *sv_admin_page(const struct sv_admin_req *rq,
		const char *title) {
	struct sv_html *h = sv_html_new();
	if (h == NULL) {
		return NULL;
	}
	sv_html_open(h, "html", "lang", "en", NULL);
	sv_html_open(h, "head", NULL);
	sv_html_open(h, "meta", "charset", "utf-8", NULL);
	sv_html_close(h);
	sv_html_open(h, "meta", "name", "viewport", "content",
		"width=device-width, initial-scale=1", NULL);
	sv_html_close(h);
	sv_html_elem(h, "title", title, NULL);
	sv_html_open(h, "link", "rel", "stylesheet", "href", "/style.css",
		NULL);
	sv_html_close(h);
	sv_html_close(h);
	sv_html_open(h, "body", NULL);
	top_bar(h, rq);
	sv_html_open(h, "main", NULL);
	sv_html_elem(h, "h1", title, NULL);
	return h;
}

void sv_admin_notice(struct sv_html *h, const char *kind, const char *text) {
	char cls[32];
	snprintf(cls, sizeof(cls), "notice %s", kind);
	sv_html_elem(h, "p", text, "class", cls, "role",
		strcmp(kind, "error") == 0 ? "alert" : "status", NULL);
}

void sv_admin_form(struct sv_html *h, const struct sv_admin_req *rq,
		const char *action, bool multipart) {
	sv_html_open(h, "form", "method", "post", "action", action,
		"enctype", multipart ? "multipart/form-data" : NULL, NULL);
	if (rq->has_session) {
		sv_admin_hidden(h, "csrf", rq->session.csrf);
	}
}

void sv_admin_hidden(struct sv_html *h, const char *name, const char *value) {
	sv_html_open(h, "input", "type", "hidden", "name", name, "value",
		value, NULL);
	sv_html_close(h);
}

void sv_admin_input(struct sv_html *h, const char *label, const char *name,
		const char *value, const char *type) {
	sv_html_open(h, "label", NULL);
	sv_html_text(h, label);
	sv_html_open(h, "input", "type", type, "name", name, "value",
		value != NULL ? value : "", NULL);
	sv_html_close(h);
	sv_html_close(h);
}

void sv_admin_button(struct sv_html *h, const char *text, const char *cls) {
	sv_html_elem(h, "button", text, "type", "submit", "class", cls, NULL);
}

void sv_admin_form_end(struct sv_html *h, const char *text, const char *cls) {
	sv_admin_button(h, text, cls);
	sv_html_close(h);
}

void sv_admin_row_form_end(struct sv_html *h, const char *text) {
	sv_admin_button(h, text, NULL);
	sv_html_close(h);
	sv_html_close(h);
}

void sv_admin_section(struct sv_html *h, const char *title) {
	sv_html_open(h, "section", NULL);
	sv_html_elem(h, "h2", title, NULL);
}

void sv_admin_send_page(struct sv_admin_resp *resp, struct sv_html *h,
		unsigned status) {
	struct sv_err err = { "" };
	sv_buf_reset(&resp->body);
	if (h == NULL || sv_html_finish(h, &resp->body, &err) != SV_OK) {
		resp->status = 500;
		resp->content_type = "text/plain; charset=utf-8";
		sv_buf_reset(&resp->body);
		(void)sv_buf_append_str(&resp->body, "the page could not be "
			"built\n");
		return;
	}
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
}

void sv_admin_send_error(const struct sv_admin_req *rq,
		struct sv_admin_resp *resp, unsigned status, const char *title,
		const char *message) {
	struct sv_html *h = sv_admin_page(rq, title);
	if (h != NULL) {
		sv_admin_notice(h, "error", message);
		if (!rq->has_session) {
			sv_html_elem(h, "a", "Log in", "href", "/login", NULL);
		}
	}
	sv_admin_send_page(resp, h, status);
}

void sv_admin_db_error(const struct sv_admin_req *rq,
		struct sv_admin_resp *resp, int rc, const struct sv_err *err) {
	sv_admin_send_error(rq, resp, rc == SV_EBUSY ? 503 : 500,
		"Database error", err->msg);
	if (rc == SV_EBUSY) {
		resp->retry_after = 1;
	}
}

void sv_admin_redirect(struct sv_admin_resp *resp, const char *location) {
	resp->status = 303;
	snprintf(resp->location, sizeof(resp->location), "%s", location);
	resp->content_type = "text/plain; charset=utf-8";
	sv_buf_reset(&resp->body);
	(void)sv_buf_printf(&resp->body, "see %s\n", resp->location);
}

void sv_admin_redirect_to(struct sv_admin_resp *resp, const char *path,
		const char *name, const char *value) {
	char loc[sizeof(resp->location)];
	static const char hex[] = "0123456789ABCDEF";
	int k = snprintf(loc, sizeof(loc), "%s?%s=", path, name);
	if (k < 0 || (size_t)k >= sizeof(loc) - 4) {
		sv_admin_redirect(resp, "/");
		return;
	}
	size_t n = (size_t)k;
	for (const unsigned char *p = (const unsigned char *)value;
			*p != '\0' && n + 4 < sizeof(loc); p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				(*p >= '0' && *p <= '9') || *p == '.' ||
				*p == '-' || *p == '_') {
			loc[n++] = (char)*p;
		} else {
			loc[n++] = '%';
			loc[n++] = hex[*p >> 4];
			loc[n++] = hex[*p & 15];
		}
	}
	loc[n] = '\0';
	sv_admin_redirect(resp, loc);
}
