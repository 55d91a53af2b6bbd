/* SPDX-License-Identifier: MIT */
/*
 * The settings page (render_settings.h): the help-desk table of
 * ../shared/seeds/, generated from the provider. One table
 * (sv_settings_table_build) read by two writers: the HTML page through
 * the answer builder (compiled once per provider and language), and the
 * text for `suivant lookup --format settings` (render_settings_text.c).
 *
 * The page is written with the XML text writer in HTML syntax: no XML
 * declaration, a raw "<!DOCTYPE html>", void elements (meta, br) closed
 * with "/>" (allowed by HTML), every other element with a full end tag
 * (an empty "<p/>" would open a paragraph in HTML). Server cards are
 * definition lists in a grid that falls back to one column on a phone;
 * long host names and URLs wrap anywhere rather than scroll.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "answer/render_settings.h"
#include "answer/render_util.h"
#include "answer/settings_words.h"

#define WHAT "settings"
#define PAGE "settings"  /* the route, relative to the page itself */

/* What the page says: words->title[lang] (settings_words.h). */
static const struct sv_settings_words *const words = &sv_settings_words;

const char *const *sv_render_settings_absent(enum sv_settings_lang lang) {
	return words->absent[sv_settings_words_column(lang)];
}

/*
 * Phones first: one column under 40rem; the cards' labels and values
 * wrap anywhere, so no host name or URL can make the page scroll
 * sideways. Printed: no navigation, black on white, link targets spelled
 * out, a card never cut across pages.
 */
const char sv_settings_css[] =
	"body{font-family:system-ui,-apple-system,sans-serif;margin:0;"
	"padding:1rem;line-height:1.5;color:#1d1d1f;background:#fff}\n"
	"main{max-width:64rem;margin:0 auto}\n"
	"h1{margin:.25rem 0}\n"
	".lang{text-align:right;margin:0}\n"
	".cards{display:grid;gap:1rem;grid-template-columns:"
	"repeat(auto-fit,minmax(min(100%,19rem),1fr))}\n"
	".card{border:1px solid #c8c8cc;border-radius:.5rem;"
	"padding:.75rem 1rem;min-width:0}\n"
	".card h3{margin:0 0 .5rem;font-size:1.05rem}\n"
	"dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .75rem;"
	"margin:0}\n"
	"dt{color:#555}\n"
	"dd{margin:0;min-width:0;overflow-wrap:anywhere}\n"
	"code{font-family:ui-monospace,Menlo,Consolas,monospace;"
	"font-size:1em;overflow-wrap:anywhere}\n"
	"a{overflow-wrap:anywhere}\n"
	".warn{color:#a00000;font-weight:600}\n"
	".note{color:#555;font-size:.9em}\n"
	"@media print{.lang,.back{display:none}body{padding:0;color:#000}"
	".card{break-inside:avoid;border-color:#000}a{color:#000}"
	"a[href]::after{content:' (' attr(href) ')'}}\n";
const size_t sv_settings_css_len = sizeof(sv_settings_css) - 1;

static int attr(xmlTextWriterPtr w, const char *name, const char *value) {
	return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value);
}

static int start(xmlTextWriterPtr w, const char *name) {
	return xmlTextWriterStartElement(w, BAD_CAST name);
}

static int end(xmlTextWriterPtr w) {
	return xmlTextWriterFullEndElement(w);
}

static int text(xmlTextWriterPtr w, const char *s) {
	return xmlTextWriterWriteString(w, BAD_CAST s);
}

/* <NAME>s</NAME> with a full end tag. */
static int element(xmlTextWriterPtr w, const char *name, const char *s) {
	return start(w, name) < 0 || text(w, s) < 0 ? -1 : end(w);
}

/* <NAME class="cls">s</NAME>. */
static int element_class(xmlTextWriterPtr w, const char *name,
		const char *cls, const char *s) {
	return start(w, name) < 0 || attr(w, "class", cls) < 0 ||
		text(w, s) < 0 ? -1 : end(w);
}

static int newline(xmlTextWriterPtr w) {
	return xmlTextWriterWriteRaw(w, BAD_CAST "\n");
}

/* A void element (meta, link): "<NAME a="v" b="v"/>". */
static int void_el(xmlTextWriterPtr w, const char *name, const char *a,
		const char *av, const char *b, const char *bv) {
	if (start(w, name) < 0 || attr(w, a, av) < 0 ||
			(b != NULL && attr(w, b, bv) < 0) ||
			xmlTextWriterEndElement(w) < 0) {
		return -1;
	}
	return newline(w);
}

/* The document's start up to <main>, title "title: name". */
static int write_head(xmlTextWriterPtr w, enum sv_settings_lang lang,
		const char *title, const char *name) {
	if (xmlTextWriterWriteRaw(w, BAD_CAST "<!DOCTYPE html>\n") < 0 ||
			start(w, "html") < 0 ||
			attr(w, "lang", words->lang[lang]) < 0 ||
			newline(w) < 0 || start(w, "head") < 0 || newline(w) < 0 ||
			void_el(w, "meta", "charset", "utf-8", NULL, NULL) < 0 ||
			void_el(w, "meta", "name", "viewport", "content",
				"width=device-width, initial-scale=1") < 0 ||
			void_el(w, "meta", "name", "robots", "content",
				"noindex") < 0 ||
			start(w, "title") < 0 || text(w, title) < 0 ||
			(name != NULL && (text(w, words->colon[lang]) < 0 ||
				text(w, name) < 0)) ||
			end(w) < 0 || newline(w) < 0 ||
			void_el(w, "link", "rel", "stylesheet", "href",
				"settings.css") < 0 ||
			end(w) < 0 || newline(w) < 0 || /* head */
			start(w, "body") < 0 || newline(w) < 0 ||
			start(w, "main") < 0 || newline(w) < 0) {
		return -1;
	}
	return 0;
}

static int write_tail(xmlTextWriterPtr w, enum sv_settings_lang lang) {
	if (start(w, "p") < 0 || attr(w, "class", "back") < 0 ||
			start(w, "a") < 0 || attr(w, "href", "./") < 0 ||
			text(w, words->home[lang]) < 0 ||
			end(w) < 0 || end(w) < 0 ||
			newline(w) < 0 ||
			end(w) < 0 || newline(w) < 0 || /* main */
			end(w) < 0 || newline(w) < 0 || /* body */
			end(w) < 0 || newline(w) < 0 || /* html */
			xmlTextWriterFlush(w) < 0) {
		return -1;
	}
	return 0;
}

int sv_settings_table_build(const struct sv_provider *pv,
		const char *override_domain, struct sv_settings_table *t,
		struct sv_err *err) {
	memset(t, 0, sizeof(*t));
	const struct sv_server *sv[SV_MODEL_MAX_SERVERS];
	size_t n;
	int rc = sv_render_select_servers(WHAT, pv, override_domain, 0, sv,
		&n, err);
	if (rc != SV_OK) {
		return rc;
	}
	if (pv->n_services > SV_MODEL_MAX_SERVICES) {
		return sv_errf(err, SV_ETOOBIG, "%s: %s: more than %d "
			"services", WHAT, pv->id, SV_MODEL_MAX_SERVICES);
	}
	/* sv holds incoming servers first, then outgoing, each in priority
	 * order: the first of each group is what a client would choose */
	bool in_taken = false, out_taken = false;
	for (size_t i = 0; i < n; i++) {
		bool outgoing = sv_server_type_is_outgoing(sv[i]->type);
		bool *taken = outgoing ? &out_taken : &in_taken;
		if (!*taken) {
			*taken = true;
			t->preferred[t->n_preferred++] = sv[i];
		} else {
			t->others[t->n_others++] = sv[i];
		}
	}
	t->n_services = sv_provider_services_for(pv, override_domain,
		t->services, SV_MODEL_MAX_SERVICES);
	return SV_OK;
}

/* What a page needs while it is written. */
struct page {
	struct sv_answer_builder *b;
	const struct sv_provider *pv;
	const struct sv_settings_table *t;
	enum sv_settings_lang lang;
};

/*
 * "\n<dt>label</dt><dd>", left open for the value. One row a line: the
 * snapshot stores each distinct line of all its answers once, so the
 * rows that every provider shares ("Port 993", "SSL/TLS") cost nothing
 * and a provider's own lines are short (a grid ignores the white space).
 */
static int row(xmlTextWriterPtr w, const char *label) {
	return newline(w) < 0 || element(w, "dt", label) < 0 ? -1 :
		start(w, "dd");
}

bool sv_settings_needs_username(const struct sv_server *s) {
	for (size_t i = 0; i < s->n_auth; i++) {
		enum sv_auth a = s->auth[i];
		if (a != SV_AUTH_NONE && a != SV_AUTH_CLIENT_IP_ADDRESS &&
				a != SV_AUTH_SMTP_AFTER_POP) {
			return true;
		}
	}
	return s->n_auth == 0;
}

bool sv_settings_has_oauth2(const struct sv_server *s) {
	for (size_t i = 0; i < s->n_auth; i++) {
		if (s->auth[i] == SV_AUTH_OAUTH2) {
			return true;
		}
	}
	return false;
}

/* The authentication words of s, "a or b" (sv_settings_auth_words). */
static int write_auth(xmlTextWriterPtr w, enum sv_settings_lang lang,
		const struct sv_server *s) {
	const char *said[SV_MODEL_MAX_AUTH];
	size_t n_said = sv_settings_auth_words(lang, s, said);
	for (size_t i = 0; i < n_said; i++) {
		if ((i > 0 && text(w, words->or_word[lang]) < 0) ||
				text(w, said[i]) < 0) {
			return -1;
		}
	}
	if (sv_settings_has_oauth2(s) && (start(w, "br") < 0 ||
			xmlTextWriterEndElement(w) < 0 ||
			element_class(w, "span", "note",
				words->oauth_note[lang]) < 0)) {
		return -1;
	}
	return 0;
}

static int write_server(const struct page *p, const struct sv_server *s) {
	xmlTextWriterPtr w = p->b->w;
	enum sv_settings_lang lang = p->lang;
	char port[8];
	snprintf(port, sizeof(port), "%d", s->port);
	if (start(w, "section") < 0 || attr(w, "class", "card") < 0 ||
			element(w, "h3", sv_settings_role_word(lang, s)) < 0 ||
			start(w, "dl") < 0 ||
			row(w, words->server[lang]) < 0 ||
			start(w, "code") < 0 ||
			sv_answer_builder_template(p->b, s->hostname) < 0 ||
			end(w) < 0 || end(w) < 0 ||
			row(w, words->port[lang]) < 0 ||
			element(w, "code", port) < 0 ||
			end(w) < 0 || row(w, words->security[lang]) < 0) {
		return -1;
	}
	if (s->socket == SV_SOCKET_PLAIN) {
		if (element_class(w, "span", "warn", words->none[lang]) < 0 ||
				start(w, "br") < 0 ||
				xmlTextWriterEndElement(w) < 0 ||
				element_class(w, "span", "warn",
					sv_settings_needs_username(s) ?
					words->none_warning[lang] :
					words->plain_warning[lang]) < 0) {
			return -1;
		}
	} else if (text(w, s->socket == SV_SOCKET_SSL ? words->ssl[lang] :
			words->starttls[lang]) < 0) {
		return -1;
	}
	if (end(w) < 0 || row(w, words->auth[lang]) < 0 ||
			write_auth(w, lang, s) < 0 || end(w) < 0) {
		return -1;
	}
	if (sv_settings_needs_username(s)) {
		const char *user = !sv_render_absent(s->username) ?
			s->username : "%EMAILADDRESS%";
		if (row(w, words->username[lang]) < 0 ||
				start(w, "code") < 0 ||
				sv_answer_builder_template(p->b, user) < 0 ||
				end(w) < 0 || end(w) < 0) {
			return -1;
		}
	}
	return end(w) < 0 || end(w) < 0 ? -1 : newline(w); /* dl, section */
}

static int write_service(const struct page *p, const struct sv_service *s) {
	xmlTextWriterPtr w = p->b->w;
	enum sv_settings_lang lang = p->lang;
	const char *user = !sv_render_absent(s->username) ? s->username :
		"%EMAILADDRESS%";
	if (start(w, "section") < 0 || attr(w, "class", "card") < 0 ||
			element(w, "h3",
				sv_settings_service_word(lang, s->type)) < 0 ||
			start(w, "dl") < 0 ||
			row(w, words->url[lang]) < 0 || start(w, "code") < 0 ||
			sv_answer_builder_url(p->b, s->url) < 0 ||
			end(w) < 0 || end(w) < 0 ||
			row(w, words->auth[lang]) < 0) {
		return -1;
	}
	for (size_t i = 0; i < s->n_auth && i < SV_MODEL_MAX_AUTH; i++) {
		if ((i > 0 && text(w, words->or_word[lang]) < 0) ||
				text(w, sv_settings_sauth_word(lang,
					s->auth[i])) < 0) {
			return -1;
		}
	}
	if (end(w) < 0 || row(w, words->username[lang]) < 0 ||
			start(w, "code") < 0 ||
			sv_answer_builder_template(p->b, user) < 0 ||
			end(w) < 0 || end(w) < 0) {
		return -1;
	}
	return end(w) < 0 || end(w) < 0 ? -1 : newline(w);
}

/* Only web addresses become links: a javascript: or data: URL in a
 * provider's row stays text. */
static bool is_web_url(const char *url) {
	return strncmp(url, "https://", 8) == 0 ||
		strncmp(url, "http://", 7) == 0;
}

/* <li><a href=url>label</a> — what</li> */
static int write_link(xmlTextWriterPtr w, const char *label,
		const char *url, const char *what) {
	if (start(w, "li") < 0) {
		return -1;
	}
	if (is_web_url(url)) {
		if (start(w, "a") < 0 || attr(w, "href", url) < 0 ||
				attr(w, "rel", "noreferrer") < 0 ||
				text(w, label) < 0 || end(w) < 0) {
			return -1;
		}
	} else if (text(w, label) < 0 || text(w, ": ") < 0 ||
			element(w, "code", url) < 0) {
		return -1;
	}
	if (what != NULL && (text(w, " — ") < 0 || text(w, what) < 0)) {
		return -1;
	}
	return end(w) < 0 ? -1 : newline(w);
}

static int write_links(const struct page *p) {
	xmlTextWriterPtr w = p->b->w;
	const struct sv_provider *pv = p->pv;
	bool webmail = !sv_render_absent(pv->webmail.login_page);
	if (pv->n_links == 0 && !webmail) {
		return 0;
	}
	if (element(w, "h2", words->links[p->lang]) < 0 ||
			newline(w) < 0 ||
			start(w, "ul") < 0 || newline(w) < 0) {
		return -1;
	}
	for (size_t i = 0; i < pv->n_links; i++) {
		const struct sv_link *l = &pv->links[i];
		if ((unsigned)l->kind >= SV_LINK_KIND_COUNT ||
				write_link(w, words->link[l->kind][p->lang],
					l->url, sv_settings_link_text(p->lang,
						l)) < 0) {
			return -1;
		}
	}
	if (webmail && write_link(w, words->webmail[p->lang],
			pv->webmail.login_page, NULL) < 0) {
		return -1;
	}
	return end(w) < 0 ? -1 : newline(w);
}

/* <h2>title</h2><div class="cards"> the servers </div> */
static int write_servers(const struct page *p, const char *title,
		const struct sv_server *const *sv, size_t n) {
	xmlTextWriterPtr w = p->b->w;
	if (n == 0) {
		return 0;
	}
	if (element(w, "h2", title) < 0 || newline(w) < 0 ||
			start(w, "div") < 0 || attr(w, "class", "cards") < 0 ||
			newline(w) < 0) {
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (write_server(p, sv[i]) < 0) {
			return -1;
		}
	}
	return end(w) < 0 ? -1 : newline(w);
}

static int write_page(struct sv_answer_builder *b, const void *ctx) {
	struct page q = *(const struct page *)ctx;
	q.b = b;
	const struct page *p = &q;
	xmlTextWriterPtr w = b->w;
	enum sv_settings_lang lang = p->lang;
	const char *name = !sv_render_absent(p->pv->display_name) ?
		p->pv->display_name : p->pv->id;
	b->domain_token_is_domain = true; /* the page always has it */
	if (write_head(w, lang, words->title[lang], name) < 0 ||
			/* the other language, for the same address or domain;
			 * without an address, email= is empty */
			start(w, "p") < 0 || attr(w, "class", "lang") < 0 ||
			start(w, "a") < 0 ||
			attr(w, "hreflang", words->other_lang[lang]) < 0 ||
			attr(w, "lang", words->other_lang[lang]) < 0 ||
			xmlTextWriterStartAttribute(w, BAD_CAST "href") < 0 ||
			text(w, PAGE "?domain=") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_DOMAIN) < 0 ||
			text(w, "&email=") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_EMAILADDRESS_URL) < 0 ||
			text(w, "&lang=") < 0 ||
			text(w, words->other_lang[lang]) < 0 ||
			xmlTextWriterEndAttribute(w) < 0 ||
			text(w, words->other_name[lang]) < 0 ||
			end(w) < 0 || end(w) < 0 ||
			newline(w) < 0 ||
			element(w, "h1", words->title[lang]) < 0 ||
			newline(w) < 0 ||
			start(w, "p") < 0 || text(w, name) < 0 ||
			text(w, " — ") < 0 || start(w, "strong") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_EMAILADDRESS) < 0 ||
			end(w) < 0 || text(w, " (") < 0 ||
			sv_answer_builder_slot(b, SV_SLOT_DOMAIN) < 0 ||
			text(w, ")") < 0 || end(w) < 0 || newline(w) < 0 ||
			element(w, "p", words->intro[lang]) < 0 ||
			newline(w) < 0 ||
			element(w, "p", words->password[lang]) < 0 ||
			newline(w) < 0 ||
			write_servers(p, words->preferred[lang],
				p->t->preferred, p->t->n_preferred) < 0 ||
			write_servers(p, words->others[lang], p->t->others,
				p->t->n_others) < 0) {
		return -1;
	}
	if (p->t->n_services > 0) {
		const char *heading = sv_settings_services_heading(lang, p->t);
		if (element(w, "h2", heading) < 0 ||
				newline(w) < 0 ||
				start(w, "div") < 0 ||
				attr(w, "class", "cards") < 0 || newline(w) < 0) {
			return -1;
		}
		for (size_t i = 0; i < p->t->n_services; i++) {
			if (write_service(p, p->t->services[i]) < 0) {
				return -1;
			}
		}
		if (end(w) < 0 || newline(w) < 0) {
			return -1;
		}
	}
	return write_links(p) < 0 ? -1 : write_tail(w, lang);
}

static int render(enum sv_settings_lang lang, const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	*out = NULL;
	struct sv_settings_table t;
	int rc = sv_settings_table_build(pv, override_domain, &t, err);
	if (rc != SV_OK) {
		return rc;
	}
	struct page p = { .pv = pv, .t = &t, .lang = lang };
	return sv_render_answer(WHAT, pv->id, SV_SETTINGS_CONTENT_TYPE,
		write_page, &p, out, err);
}

int sv_render_settings_fr(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	return render(SV_SETTINGS_FR, pv, override_domain, out, err);
}

int sv_render_settings_en(const struct sv_provider *pv,
		const char *override_domain, struct sv_answer **out,
		struct sv_err *err) {
	return render(SV_SETTINGS_EN, pv, override_domain, out, err);
}

/* ---- the error pages ---- */

/* detail with every byte outside printable ASCII as '?': a reason may
 * quote the request, which may not even be UTF-8. */
static void printable(const char *detail, char *out, size_t size) {
	size_t i = 0;
	for (; detail[i] != '\0' && i + 1 < size; i++) {
		unsigned char c = (unsigned char)detail[i];
		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[i] = '\0';
}

static int write_error(xmlTextWriterPtr w, enum sv_settings_lang lang,
		unsigned status, const char *detail) {
	const char *title = status == 404 ? words->e404_title[lang] :
		words->e400_title[lang];
	if (write_head(w, lang, title, NULL) < 0 ||
			element(w, "h1", title) < 0 || newline(w) < 0 ||
			start(w, "p") < 0 ||
			text(w, status == 404 ? words->e404_text[lang] :
				words->e400_text[lang]) < 0 ||
			element(w, "strong", detail) < 0 ||
			text(w, status == 404 ? "." : "") < 0 ||
			end(w) < 0 || newline(w) < 0) {
		return -1;
	}
	return write_tail(w, lang);
}

int sv_render_settings_error(enum sv_settings_lang lang, unsigned status,
		const char *detail, struct sv_buf *out, struct sv_err *err) {
	if (status != 404 && status != 400) {
		sv_buf_finish(out);
		return sv_errf(err, SV_EINVAL, "%s: no error page for %u", WHAT,
			status);
	}
	char shown[256];
	printable(detail, shown, sizeof(shown));
	unsigned long failures = sv_answer_xml_alloc_failures();
	int rc = SV_ENOMEM;
	xmlBufferPtr xb = xmlBufferCreate();
	xmlTextWriterPtr w = xb != NULL ? xmlNewTextWriterMemory(xb, 0) : NULL;
	if (w != NULL && write_error(w, sv_settings_words_column(lang), status,
			shown) >= 0 &&
			sv_answer_xml_alloc_failures() == failures) {
		rc = sv_buf_append(out, (const char *)xmlBufferContent(xb),
			(size_t)xmlBufferLength(xb));
	} else {
		sv_buf_finish(out);
	}
	xmlFreeTextWriter(w);
	xmlBufferFree(xb);
	if (rc != SV_OK) {
		return sv_errf(err, rc, "%s: cannot write the error page: %s",
			WHAT, sv_rc_str(rc));
	}
	return SV_OK;
}
