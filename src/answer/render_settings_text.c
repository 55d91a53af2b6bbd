/* SPDX-License-Identifier: MIT */
/*
 * The settings page's table as text (render_settings_text.h), for
 * `suivant lookup --format settings`: the same table and words as the
 * HTML page (render_settings.c), written per call into an sv_buf, with
 * the address substituted; nothing is escaped, a person reads it.
 */
#include <string.h>

#include "answer/render_settings_text.h"
#include "answer/render_util.h"
#include "answer/settings_words.h"
#include "model/placeholder.h"

#define WHAT "settings"

/* What the text says: words->title[lang] (settings_words.h). */
static const struct sv_settings_words *const words = &sv_settings_words;

/* Pieces of the longest template: a service URL of SV_MODEL_MAX_URL
 * bytes, a token (at least 13 bytes) every other piece. */
#define MAX_PIECES (2 * (SV_MODEL_MAX_URL / 13) + 2)

/* tpl with the facts' address parts (or the absent words) in place of
 * its tokens, appended to out: a person reads it, nothing is encoded. */
static int text_template(struct sv_buf *out, const char *tpl,
		const struct sv_answer_facts *f, enum sv_settings_lang lang,
		struct sv_err *err) {
	struct sv_tpl_piece pieces[MAX_PIECES];
	size_t n;
	int rc = sv_placeholder_split(tpl, pieces, MAX_PIECES, &n, err);
	const char *at = f->address != NULL ? strrchr(f->address, '@') : NULL;
	for (size_t i = 0; rc == SV_OK && i < n; i++) {
		const struct sv_tpl_piece *pc = &pieces[i];
		if (!pc->is_token) {
			rc = sv_buf_append(out, pc->lit, pc->lit_len);
		} else if (pc->token == SV_TOKEN_EMAILADDRESS) {
			rc = sv_buf_append_str(out, f->address != NULL ?
				f->address :
				words->absent[lang][SV_SLOT_EMAILADDRESS]);
		} else if (pc->token == SV_TOKEN_EMAILLOCALPART) {
			rc = f->local != NULL ? sv_buf_append_str(out, f->local) :
				at != NULL ? sv_buf_append(out, f->address,
					(size_t)(at - f->address)) :
				sv_buf_append_str(out, words->absent[lang]
					[SV_SLOT_EMAILLOCALPART]);
		} else if (pc->token == SV_TOKEN_EMAILDOMAIN) {
			rc = sv_buf_append_str(out, f->domain);
		} else {
			rc = sv_buf_append_str(out, sv_token_text(pc->token));
		}
	}
	return rc;
}

/* "    label: " */
static int text_label(struct sv_buf *out, enum sv_settings_lang lang,
		const char *label) {
	return sv_buf_printf(out, "    %s%s", label, words->colon[lang]);
}

/* "    label: <tpl expanded>\n" */
static int text_field(struct sv_buf *out, const char *label, const char *tpl,
		const struct sv_answer_facts *f, enum sv_settings_lang lang,
		struct sv_err *err) {
	int rc = text_label(out, lang, label);
	if (rc == SV_OK) {
		rc = text_template(out, tpl, f, lang, err);
	}
	return rc == SV_OK ? sv_buf_append_str(out, "\n") : rc;
}

/* The username line; a missing template is the address. */
static int text_username(struct sv_buf *out, const char *username,
		const struct sv_answer_facts *f, enum sv_settings_lang lang,
		struct sv_err *err) {
	return text_field(out, words->username[lang],
		!sv_render_absent(username) ? username : "%EMAILADDRESS%", f,
		lang, err);
}

static int text_server(struct sv_buf *out, const struct sv_server *s,
		const struct sv_answer_facts *f, enum sv_settings_lang lang,
		struct sv_err *err) {
	const char *sec = s->socket == SV_SOCKET_SSL ? words->ssl[lang] :
		s->socket == SV_SOCKET_STARTTLS ? words->starttls[lang] :
		words->none[lang];
	int rc = sv_buf_printf(out, "  %s\n", sv_settings_role_word(lang, s));
	if (rc == SV_OK && (rc = text_field(out, words->server[lang],
			s->hostname, f, lang, err)) == SV_OK) {
		rc = sv_buf_printf(out, "    %s%s%d\n    %s%s%s%s%s\n",
			words->port[lang], words->colon[lang], s->port,
			words->security[lang], words->colon[lang], sec,
			s->socket == SV_SOCKET_PLAIN ? " — " : "",
			s->socket != SV_SOCKET_PLAIN ? "" :
			sv_settings_needs_username(s) ?
			words->none_warning[lang] :
			words->plain_warning[lang]);
	}
	if (rc == SV_OK) {
		rc = text_label(out, lang, words->auth[lang]);
	}
	const char *said[SV_MODEL_MAX_AUTH];
	size_t n_said = sv_settings_auth_words(lang, s, said);
	for (size_t i = 0; rc == SV_OK && i < n_said; i++) {
		rc = sv_buf_printf(out, "%s%s", i > 0 ? words->or_word[lang] :
			"", said[i]);
	}
	if (rc == SV_OK && sv_settings_has_oauth2(s)) {
		rc = sv_buf_printf(out, "\n      (%s)",
			words->oauth_note[lang]);
	}
	if (rc == SV_OK) {
		rc = sv_buf_append_str(out, "\n");
	}
	if (rc == SV_OK && sv_settings_needs_username(s)) {
		rc = text_username(out, s->username, f, lang, err);
	}
	return rc;
}

static int text_service(struct sv_buf *out, const struct sv_service *s,
		const struct sv_answer_facts *f, enum sv_settings_lang lang,
		struct sv_err *err) {
	int rc = sv_buf_printf(out, "  %s\n",
		sv_settings_service_word(lang, s->type));
	if (rc == SV_OK && (rc = text_field(out, words->url[lang], s->url, f,
			lang, err)) == SV_OK) {
		rc = text_label(out, lang, words->auth[lang]);
	}
	for (size_t i = 0; rc == SV_OK && i < s->n_auth &&
			i < SV_MODEL_MAX_AUTH; i++) {
		rc = sv_buf_printf(out, "%s%s", i > 0 ? words->or_word[lang] :
			"", sv_settings_sauth_word(lang, s->auth[i]));
	}
	if (rc == SV_OK && (rc = sv_buf_append_str(out, "\n")) == SV_OK) {
		rc = text_username(out, s->username, f, lang, err);
	}
	return rc;
}

int sv_render_settings_text(const struct sv_provider *pv,
		const char *override_domain, const struct sv_answer_facts *facts,
		enum sv_settings_lang lang, struct sv_buf *out,
		struct sv_err *err) {
	lang = sv_settings_words_column(lang);
	struct sv_settings_table t;
	int rc = sv_settings_table_build(pv, override_domain, &t, err);
	if (rc != SV_OK) {
		return rc;
	}
	const char *name = !sv_render_absent(pv->display_name) ?
		pv->display_name : pv->id;
	rc = sv_buf_printf(out, "%s%s%s — %s (%s)\n", words->title[lang],
		words->colon[lang], name,
		facts->address != NULL ? facts->address :
			words->absent[lang][SV_SLOT_EMAILADDRESS],
		facts->domain);
	for (size_t i = 0; rc == SV_OK && i < t.n_preferred; i++) {
		if (i == 0) {
			rc = sv_buf_printf(out, "\n%s\n",
				words->preferred[lang]);
		}
		if (rc == SV_OK) {
			rc = text_server(out, t.preferred[i], facts, lang,
				err);
		}
	}
	for (size_t i = 0; rc == SV_OK && i < t.n_others; i++) {
		if (i == 0) {
			rc = sv_buf_printf(out, "\n%s\n",
				words->others[lang]);
		}
		if (rc == SV_OK) {
			rc = text_server(out, t.others[i], facts, lang, err);
		}
	}
	for (size_t i = 0; rc == SV_OK && i < t.n_services; i++) {
		if (i == 0) {
			rc = sv_buf_printf(out, "\n%s\n",
				sv_settings_services_heading(lang, &t));
		}
		if (rc == SV_OK) {
			rc = text_service(out, t.services[i], facts, lang,
				err);
		}
	}
	if (rc == SV_OK && (pv->n_links > 0 ||
			!sv_render_absent(pv->webmail.login_page))) {
		rc = sv_buf_printf(out, "\n%s\n", words->links[lang]);
		for (size_t i = 0; rc == SV_OK && i < pv->n_links; i++) {
			const struct sv_link *l = &pv->links[i];
			const char *what = sv_settings_link_text(lang, l);
			rc = (unsigned)l->kind >= SV_LINK_KIND_COUNT ?
				SV_EINVAL : sv_buf_printf(out, "  %s%s%s%s%s\n",
					words->link[l->kind][lang],
					words->colon[lang], l->url,
					what != NULL ? " — " : "",
					what != NULL ? what : "");
		}
		if (rc == SV_OK && !sv_render_absent(pv->webmail.login_page)) {
			rc = sv_buf_printf(out, "  %s%s%s\n",
				words->webmail[lang], words->colon[lang],
				pv->webmail.login_page);
		}
	}
	if (rc != SV_OK) {
		sv_buf_finish(out);
		if (err->msg[0] == '\0') {
			sv_errf(err, rc, "%s: %s: %s", WHAT, pv->id,
				sv_rc_str(rc));
		}
	}
	return rc;
}
